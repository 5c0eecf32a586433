/* source-controller/ocirepository.c - OCIRepository: the reference resolved (digest, semver over
 * the tag list, or tag) -> manifest digest (unchanged: stop) -> the selected layer pulled with its
 * digest checked -> extracted and re-packed with the ignore rules, or copied as is -> status,
 * event and notice. Reasons and messages as Flux's source-controller v1. */
#include "controller.h"

#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/artifact.h"
#include "source/ignore.h"
#include "source/oci.h"
#include "source/oci_client.h"
#include "source/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/semver.h"
#include "yaml/yaml.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 60000L
#define TREE_MAX_FILES     100000u
#define WALK_DEPTH_MAX     64

/* Flux's reasons (source-controller api v1: condition_types.go, ocirepository_types.go) */
#define R_PULL     "OCIArtifactPullFailed"
#define R_LAYER    "OCIArtifactLayerOperationFailed"
#define R_AUTH     "AuthenticationFailed"
#define R_URL      "URLInvalid"
#define R_PROVIDER "InvalidProviderConfiguration"
#define R_STORAGE  "StorageOperationFailed"

typedef struct rec {
	cf_reconcile *p;
	src_ctl *c;
	const json_t *spec;
	cf_oci_ref ref;           /* spec.url */
	const char *media_type;   /* layerSelector.mediaType, or NULL */
	int copy;                 /* layerSelector.operation: copy */
	char tag[129];            /* the tag pulled ("" for a digest ref) */
	char revision[256];       /* "<tag>@sha256:<hex>" or "sha256:<hex>" */
	char digest[72];          /* the manifest's */
} rec;

int ocirepository_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 1);
}

/* ---- the spec ---- */

static int read_spec(rec *r)
{
	const json_t *ls = json_object_get(r->spec, "layerSelector");
	const char *url = cf_json_str(r->spec, "url"), *provider = cf_json_str(r->spec, "provider");
	const char *op = cf_json_str(ls, "operation");

	if (url == NULL || strncmp(url, "oci://", 6) != 0) {
		cf_err_set(CF_EINVAL, "spec.url must start with 'oci://'");
		return cf_reconcile_fail(r->p, R_URL, CF_FAIL_STALLED);
	}
	if (cf_oci_ref_parse(&r->ref, url) < 0)
		return cf_reconcile_fail(r->p, R_URL, CF_FAIL_STALLED);
	if (r->ref.tag[0] || r->ref.digest[0]) {
		cf_err_set(CF_EINVAL, "URL must not contain a tag or digest; set spec.ref instead");
		return cf_reconcile_fail(r->p, R_URL, CF_FAIL_STALLED);
	}
	if (provider && strcmp(provider, "generic") != 0) {
		cf_err_set(CF_EINVAL, "spec.provider '%s' is not supported by cflux (only 'generic': credentials from spec.secretRef)",
			   provider);
		return cf_reconcile_fail(r->p, R_PROVIDER, CF_FAIL_STALLED);
	}
	if (op && strcmp(op, "extract") != 0 && strcmp(op, "copy") != 0) {
		cf_err_set(CF_EINVAL, "spec.layerSelector.operation '%s' is not extract or copy", op);
		return cf_reconcile_fail(r->p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	r->copy = op && strcmp(op, "copy") == 0;
	r->media_type = cf_json_str(ls, "mediaType");
	if (r->media_type && *r->media_type == '\0')
		r->media_type = NULL;
	return 0;
}

/* ---- credentials and TLS ---- */

int src_oci_client(cf_oci **client, cf_kube *k, const char *ns, const json_t *spec, const char *registry,
		   long timeout_ms, int basic_auth)
{
	cf_oci_client_options o = CF_OCI_CLIENT_OPTIONS_INIT;

	o.registry = registry;
	o.timeout_ms = timeout_ms;
	o.user_agent = SOURCE_CONTROLLER;
	o.basic_auth = basic_auth;
	return cf_oci_client_for_spec(client, k, ns, spec, &o);
}

static int open_client(rec *r, cf_oci **client)
{
	return src_oci_client(client, r->p->k, r->p->ns, r->spec, r->ref.registry, r->p->timeout_ms, 0);
}

/* ---- the reference ---- */

int src_oci_pick_tag(char *tag, size_t size, cf_oci *client, const char *repository, const char *range,
		     const char *filter)
{
	json_t *tags = NULL, *t;
	cf_semver best, v;
	regex_t re;
	int have_re = 0, found = 0, rc;
	size_t i;

	if (filter && *filter) {
		if (regcomp(&re, filter, REG_EXTENDED | REG_NOSUB) != 0)
			return cf_err_set(CF_EINVAL, "spec.ref.semverFilter '%s' is not a regular expression", filter);
		have_re = 1;
	}
	if ((rc = cf_semver_match(range, &(cf_semver){ 0, 0, 0, "" })) < 0)
		goto out;
	if ((rc = cf_oci_tags_list(client, &tags, repository)) < 0)
		goto out;
	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t);
		if (cf_semver_parse(&v, s) < 0 || (have_re && regexec(&re, s, 0, NULL, 0) != 0) ||
		    cf_semver_match(range, &v) != 1)
			continue;
		if (!found || cf_semver_compare(&v, &best) > 0) {
			best = v;
			snprintf(tag, size, "%s", s);
			found = 1;
		}
	}
	rc = found ? 0 : cf_err_set(CF_ENOTFOUND, "no match found for semver: %s", range);
out:
	if (have_re)
		regfree(&re);
	json_decref(tags);
	return rc;
}

/* The highest tag inside the semver range (and matching semverFilter), as Flux picks it. */
static int pick_semver(rec *r, cf_oci *client, const char *range, const char *filter)
{
	return src_oci_pick_tag(r->tag, sizeof(r->tag), client, r->ref.repository, range, filter);
}

/* The reference to pull (r->tag or the digest) and, with HEAD, its manifest digest. */
static int resolve(rec *r, cf_oci *client)
{
	const json_t *ref = json_object_get(r->spec, "ref");
	const char *digest = cf_json_str(ref, "digest"), *semver = cf_json_str(ref, "semver");
	const char *tag = cf_json_str(ref, "tag");
	int rc;

	if (digest && *digest) {
		if (!cf_oci_digest_valid(digest))
			return cf_err_set(CF_EINVAL, "spec.ref.digest '%s' is not sha256:<64 hex>", digest);
		snprintf(r->digest, sizeof(r->digest), "%s", digest);
		snprintf(r->revision, sizeof(r->revision), "%s", digest);
		return 0;
	}
	if (semver && *semver) {
		if ((rc = pick_semver(r, client, semver, cf_json_str(ref, "semverFilter"))) < 0)
			return rc;
	} else {
		snprintf(r->tag, sizeof(r->tag), "%s", tag && *tag ? tag : "latest");
		if (!cf_oci_tag_valid(r->tag))
			return cf_err_set(CF_EINVAL, "spec.ref.tag '%s' is not a valid tag", r->tag);
	}
	if ((rc = cf_oci_manifest_digest(client, r->digest, r->ref.repository, r->tag)) < 0)
		return cf_err_prefix("failed to determine artifact digest");
	snprintf(r->revision, sizeof(r->revision), "%s@%s", r->tag, r->digest);
	return 0;
}

/* ---- the artifact ---- */

static int same_string(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

/* Does status describe an artifact of this revision, made with this ignore and layer selector,
 * still on disk with its digest? Then nothing is pulled. */
static int artifact_current(rec *r, const char *path)
{
	const json_t *st = r->p->status, *art = json_object_get(st, "artifact");
	const json_t *ols = json_object_get(st, "observedLayerSelector"), *ls = json_object_get(r->spec, "layerSelector");
	const char *digest = cf_json_str(art, "digest");
	char got[72], full[4096];

	if (!same_string(cf_json_str(art, "revision"), r->revision) || !same_string(cf_json_str(art, "path"), path) ||
	    !same_string(cf_json_str(r->spec, "ignore"), cf_json_str(st, "observedIgnore")) ||
	    !same_string(cf_json_str(ls, "mediaType"), cf_json_str(ols, "mediaType")) ||
	    !same_string(cf_json_str(ls, "operation"), cf_json_str(ols, "operation")) || digest == NULL)
		return 0;
	snprintf(full, sizeof(full), "%s/%s", r->c->storage_path, path);
	return cf_artifact_file_digest(got, NULL, full) == 0 && strcmp(got, digest) == 0;
}

/* The layer the selector names in the manifest (an index: its linux/amd64 entry, else its
 * first), or an error naming what was looked for. */
static int select_layer(rec *r, cf_oci *client, cf_oci_manifest *m, const cf_oci_desc **layer)
{
	const char *ref = r->tag[0] ? r->tag : r->digest;
	int rc;

	*layer = NULL;
	if ((rc = cf_oci_manifest_get(client, m, r->ref.repository, r->digest[0] ? r->digest : ref)) < 0)
		return rc;
	if (m->is_index) {
		char sub[72] = "";
		for (size_t i = 0; i < m->n_items && !sub[0]; i++)
			if (strcmp(m->items[i].platform, "linux/amd64") == 0)
				snprintf(sub, sizeof(sub), "%s", m->items[i].digest);
		if (!sub[0] && m->n_items)
			snprintf(sub, sizeof(sub), "%s", m->items[0].digest);
		if (!sub[0])
			return cf_err_set(CF_EINVAL, "the index '%s' lists no manifests", ref);
		cf_oci_manifest_free(m);
		if ((rc = cf_oci_manifest_get(client, m, r->ref.repository, sub)) < 0)
			return rc;
		if (m->is_index)
			return cf_err_set(CF_EINVAL, "the index '%s' nests another index", ref);
	}
	if (m->n_items == 0)
		return cf_err_set(CF_EINVAL, "no layers found in artifact");
	for (size_t i = 0; i < m->n_items; i++)
		if (r->media_type == NULL || strcmp(m->items[i].media_type, r->media_type) == 0) {
			*layer = &m->items[i];
			return 0;
		}
	return cf_err_set(CF_ENOTFOUND, "failed to find layer with media type '%s' in artifact", r->media_type);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the files of dir (recursively, sorted, ignore rules applied) to w. */
static int repack_dir(cf_artifact_writer *w, const cf_tree *t, const cf_ignore *ig, const char *dir, int depth)
{
	json_t *names = NULL;
	cf_buf path = CF_BUF_INIT(8192);
	const char **sorted = NULL;
	size_t n, i;
	int rc;

	if (depth > WALK_DEPTH_MAX)
		return cf_err_set(CF_ETOOBIG, "artifact directories nest deeper than %d", WALK_DEPTH_MAX);
	if ((rc = cf_tree_list(t, dir, &names)) < 0)
		return rc;
	n = json_array_size(names);
	if (n && (sorted = cf_calloc(n, sizeof(*sorted))) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		sorted[i] = json_string_value(json_array_get(names, i));
	qsort(sorted, n, sizeof(*sorted), name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		const unsigned char *data;
		size_t len = 0;
		int is_dir;
		cf_buf_reset(&path);
		if ((rc = cf_buf_printf(&path, "%s%s%s", strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "", sorted[i])) < 0)
			break;
		is_dir = cf_tree_is_dir(t, path.data);
		if (cf_ignore_match(ig, path.data, is_dir))
			continue;
		if (is_dir) {
			rc = repack_dir(w, t, ig, path.data, depth + 1);
		} else if ((data = cf_tree_get(t, path.data, &len)) != NULL) {
			rc = cf_artifact_writer_add_file(w, path.data, 0, data, len);
		}
	}
out:
	cf_free(sorted);
	json_decref(names);
	cf_buf_free(&path);
	return rc;
}

/* extract: the layer's tar.gz unpacked in memory and re-packed as our artifact. */
static int extract_layer(rec *r, const char *blob, const char *dir, const char *file, char digest[72], size_t *size)
{
	const char *ign = cf_json_str(r->spec, "ignore");
	cf_buf data = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	cf_artifact_writer *w = NULL;
	cf_ignore *ig = NULL;
	cf_tree *t = NULL;
	int rc;

	rc = cf_buf_read_file(&data, blob);
	if (rc == 0) rc = cf_tree_unpack(&t, data.data, data.len, (size_t)r->c->artifact_max_size * 4, TREE_MAX_FILES);
	if (rc < 0) {
		cf_err_prefix("failed to extract layer contents from artifact");
		goto out;
	}
	rc = cf_ignore_new(&ig);
	if (rc == 0) rc = cf_ignore_add_defaults(ig);
	if (rc == 0 && ign) rc = cf_ignore_add_last(ig, ign, strlen(ign));
	if (rc == 0) rc = cf_artifact_writer_open(&w, dir, file, (size_t)r->c->artifact_max_size);
	if (rc == 0) rc = repack_dir(w, t, ig, ".", 0);
	if (rc == 0) rc = cf_artifact_writer_commit(w, digest, size);
out:
	cf_artifact_writer_free(w);
	cf_ignore_free(ig);
	cf_tree_free(t);
	cf_buf_free(&data);
	return rc;
}

/* copy: the layer as it is; its digest was checked while it streamed. */
static int copy_layer(const char *blob, const char *dir, const char *file, char digest[72], size_t *size)
{
	char final[4096];

	snprintf(final, sizeof(final), "%s/%s", dir, file);
	if (rename(blob, final) < 0)
		return cf_err_set(CF_EIO, "cannot store %s", final);
	return cf_artifact_file_digest(digest, size, final);
}

static int record_artifact(rec *r, const cf_oci_manifest *m, const char *path, const char *url, const char *digest,
			   size_t size)
{
	const json_t *ls = json_object_get(r->spec, "layerSelector");
	const char *ign = cf_json_str(r->spec, "ignore");
	char now[32];
	json_t *art;

	cf_time_now(now);
	art = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "path", path, "url", url, "revision", r->revision, "digest", digest,
			"size", (json_int_t)size, "lastUpdateTime", now);
	if (art && m->annotations && json_object_size(m->annotations))
		json_object_set(art, "metadata", m->annotations);
	if (art == NULL || json_object_set_new(r->p->status, "artifact", art) < 0 ||
	    json_object_set_new(r->p->status, "url", json_string(url)) < 0)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (ign)
		json_object_set_new(r->p->status, "observedIgnore", json_string(ign));
	else
		json_object_del(r->p->status, "observedIgnore");
	if (ls)
		json_object_set(r->p->status, "observedLayerSelector", (json_t *)ls);
	else
		json_object_del(r->p->status, "observedLayerSelector");
	return 0;
}

static int succeed(rec *r)
{
	char msg[512];
	int rc;

	snprintf(msg, sizeof(msg), "stored artifact for digest '%s'", r->revision);
	rc = cf_reconcile_ready(r->p, CF_REASON_SUCCEEDED, msg);
	if (rc == 0)
		rc = cf_condition_set(r->p->status, "ArtifactInStorage", "True", CF_REASON_SUCCEEDED, msg, r->p->generation);
	return rc;
}

/* Pulls the layer, makes the artifact and publishes it. 1 when the stored one is current. */
static int store(rec *r, cf_oci *client, const char **reason)
{
	cf_buf dir = CF_BUF_INIT(8192), path = CF_BUF_INIT(8192), url = CF_BUF_INIT(8192), blob = CF_BUF_INIT(8192);
	cf_oci_manifest m = { 0 };
	const cf_oci_desc *layer;
	char digest[72], file[96], msg[1024], where[700];
	size_t size = 0;
	int rc;

	snprintf(file, sizeof(file), "%s.tar.gz", r->digest + 7);
	rc = src_artifact_paths(&dir, &path, &url, r->c, CF_KIND_OCIREPOSITORY, r->p->ns, r->p->name, file);
	if (rc == 0) rc = cf_buf_printf(&blob, "%s/.layer-%s", dir.data, file);
	if (rc < 0) {
		*reason = R_STORAGE;
		goto out;
	}
	if (artifact_current(r, path.data)) {
		rc = 1;
		goto out;
	}
	*reason = R_PULL;
	if ((rc = select_layer(r, client, &m, &layer)) < 0) {
		if (rc == CF_ENOTFOUND && r->media_type)
			*reason = R_LAYER;
		goto out;
	}
	if ((rc = cf_artifact_mkdir_p(dir.data)) < 0 ||
	    (rc = cf_oci_blob_fetch(client, r->ref.repository, layer->digest, layer->size,
				    (size_t)r->c->artifact_max_size, blob.data)) < 0) {
		cf_err_prefix("failed to pull artifact from '%s'", cf_json_str(r->spec, "url"));
		goto out;
	}
	*reason = R_LAYER;
	rc = r->copy ? copy_layer(blob.data, dir.data, file, digest, &size)
		     : extract_layer(r, blob.data, dir.data, file, digest, &size);
	if (rc < 0 || (rc = record_artifact(r, &m, path.data, url.data, digest, size)) < 0)
		goto out;
	src_storage_retain(dir.data, file);
	/* written before the event and the notice: whoever they reach reads this artifact */
	if ((rc = succeed(r)) < 0 || (rc = cf_reconcile_write_status(r->p)) < 0)
		goto out;
	cf_url_redact(where, sizeof(where), cf_json_str(r->spec, "url"));
	snprintf(msg, sizeof(msg), "stored artifact with revision '%s' from '%s'", r->revision, where);
	cf_event_emit_revision(r->p->k, r->c->events, r->p->obj, "Normal", "NewArtifact", msg, r->revision, digest,
			       SOURCE_CONTROLLER);
	src_notice_publish(r->c, CF_KIND_OCIREPOSITORY, r->p->ns, r->p->name, r->revision, digest, path.data);
	cf_log(CF_LOG_INFO, "stored artifact", "object", r->p->name, "namespace", r->p->ns, "revision", r->revision,
	       "digest", digest, NULL);
out:
	if (blob.data)
		unlink(blob.data);
	cf_oci_manifest_free(&m);
	cf_buf_free(&dir);
	cf_buf_free(&path);
	cf_buf_free(&url);
	cf_buf_free(&blob);
	return rc;
}

static int body(cf_reconcile *p)
{
	rec r = { .p = p, .c = p->ctx, .spec = p->spec };
	const char *reason = R_PULL;
	cf_oci *client = NULL;
	int rc;

	if ((rc = read_spec(&r)) < 0)
		return rc;
	if ((rc = open_client(&r, &client)) < 0)
		return cf_reconcile_fail(p, R_AUTH, 0);
	if ((rc = resolve(&r, client)) < 0) {
		rc = cf_reconcile_fail(p, R_PULL, 0);
		goto out;
	}
	snprintf(p->revision, sizeof(p->revision), "%s", r.revision);
	rc = store(&r, client, &reason);
	if (rc < 0)
		rc = cf_reconcile_fail(p, reason, 0);
	else if (rc == 1)
		rc = succeed(&r);   /* unchanged: status is written only if something in it is out of date */
out:
	cf_oci_free(client);
	return rc;
}

int ocirepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return src_source_reconcile(c, k, CF_KIND_OCIREPOSITORY, ns, name, requeue_ms, body, DEFAULT_TIMEOUT_MS);
}
