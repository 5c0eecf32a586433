/* source-controller/helmchart.c - HelmChart: a chart pulled from a HelmRepository (the newest
 * version in spec.version's range, from the repository's stored index) or packaged from a
 * path of a GitRepository's artifact (dependencies built, valuesFiles merged), stored as
 * helmchart/<ns>/<name>/<chart>-<version>.tgz with revision = the chart's version, plus
 * Flux's build metadata: "+<12 hex of the commit>" for reconcileStrategy Revision and
 * ".<generation>" (or "+<generation>") when valuesFiles are set. */
#include "controller.h"

#include "runtime/condition.h"
#include "runtime/controller.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/artifact.h"
#include "source/helm.h"
#include "source/tree.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/semver.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 60000L
#define UNPACK_MAX_FILES 100000u
#define MAX_DEPENDENCIES 64

/* Flux's reasons */
#define R_PULL "ChartPullFailed"
#define R_PACKAGE "ChartPackageFailed"
#define R_PULLED "ChartPullSucceeded"
#define R_PACKAGED "ChartPackageSucceeded"
#define R_NO_SOURCE "SourceUnavailable"
#define R_NO_ARTIFACT "NoSourceArtifact"
#define R_STORAGE "StorageOperationFailed"
#define R_AUTH "AuthenticationFailed"

typedef struct chart_rec {
	cf_reconcile *p;
	src_ctl *c;
	const char *chart, *range, *src_kind, *src_name;
	const json_t *values_files;   /* spec.valuesFiles, or NULL */
	int ignore_missing, by_revision;
	json_t *source;               /* the source object */
	const char *src_revision;     /* its artifact's revision (borrowed from source) */
	json_t *observed_values;      /* the values files merged */
	char chart_name[256];         /* the chart's name (Chart.yaml's, for a packaged chart) */
	char version[256];            /* the artifact's revision */
	const char *fail_reason;      /* set where a step fails */
} chart_rec;


static int fail(chart_rec *r, const char *reason, int rc)
{
	(void)rc;
	return cf_reconcile_fail(r->p, r->fail_reason ? r->fail_reason : reason, 0);
}

/* ---- the source ---- */

static int get_source(chart_rec *r)
{
	const char *av = strcmp(r->src_kind, "HelmRepository") == 0 ? CF_AV_HELMREPOSITORY : CF_AV_GITREPOSITORY;
	const json_t *art;

	if (cf_kube_get(r->p->k, &r->source, &(cf_kube_ref){ av, r->src_kind, r->p->ns, r->src_name }) < 0) {
		cf_err_prefix("failed to get source");
		return cf_reconcile_fail(r->p, R_NO_SOURCE, 0);
	}
	art = json_object_get(json_object_get(r->source, "status"), "artifact");
	r->src_revision = cf_json_str(art, "revision");
	return 0;
}

/* The source's artifact, read from this controller's own storage (it wrote it) and checked
 * against the digest its status gives. */
static int read_source_artifact(chart_rec *r, cf_buf *out)
{
	const json_t *art = json_object_get(json_object_get(r->source, "status"), "artifact");
	const char *path = cf_json_str(art, "path"), *digest = cf_json_str(art, "digest");
	char full[4096], got[72];
	int rc;

	r->fail_reason = R_NO_ARTIFACT;
	if (path == NULL || digest == NULL || r->src_revision == NULL || strstr(path, "..")) {
		cf_err_set(CF_ENOTFOUND, "no artifact available for %s source '%s'", r->src_kind, r->src_name);
		return CF_ENOTFOUND;
	}
	snprintf(full, sizeof(full), "%s/%s", r->c->storage_path, path);
	if ((rc = cf_buf_read_file(out, full)) < 0)
		return cf_err_prefix("artifact of %s source '%s'", r->src_kind, r->src_name);
	cf_sha256_of(got, out->data, out->len);
	if (strcmp(got, digest) != 0)
		return cf_err_set(CF_EINVAL, "artifact of %s source '%s' does not match its digest %s (got %s); it is rebuilt on its next reconcile",
				  r->src_kind, r->src_name, digest, got);
	r->fail_reason = NULL;
	return 0;
}

/* ---- values files ---- */

typedef const unsigned char *(*file_lookup)(const void *ctx, const char *path, size_t *len);

static const unsigned char *tree_lookup(const void *t, const char *path, size_t *len)
{
	return cf_tree_get(t, path, len);
}

static const unsigned char *pack_lookup(const void *p, const char *path, size_t *len)
{
	return cf_helm_pack_get(p, path, len);
}

/* Merges spec.valuesFiles in order into the chart's values.yaml (which they replace). */
static int merge_values(chart_rec *r, cf_helm_pack *pack, file_lookup look, const void *ctx)
{
	cf_buf out = CF_BUF_INIT(CF_HELM_META_MAX * 4);
	json_t *merged = json_object(), *v, *doc;
	char path[1024];
	size_t i, len;
	int rc = 0;

	r->observed_values = json_array();
	json_array_foreach(r->values_files, i, v) {
		const unsigned char *data;
		if (!json_is_string(v) || cf_helm_path_join(path, sizeof(path), ".", json_string_value(v)) < 0) {
			rc = json_is_string(v) ? cf_err_prefix("spec.valuesFiles[%zu]", i)
					       : cf_err_set(CF_EINVAL, "spec.valuesFiles[%zu] is not a string", i);
			break;
		}
		if ((data = look(ctx, path, &len)) == NULL) {
			if (r->ignore_missing)
				continue;
			rc = cf_err_set(CF_ENOTFOUND, "no values file found at path '%s'", json_string_value(v));
			break;
		}
		if ((rc = cf_yaml_load(&doc, (const char *)data, len, json_string_value(v))) < 0)
			break;
		if (!json_is_object(doc) && !json_is_null(doc))
			rc = cf_err_set(CF_EINVAL, "values file '%s' is not a map", json_string_value(v));
		if (rc == 0 && json_is_object(doc))
			rc = cf_helm_values_merge(merged, doc);
		json_decref(doc);
		if (rc < 0 || json_array_append(r->observed_values, v) < 0)
			break;
	}
	if (rc == 0) rc = cf_yaml_dump(&out, merged);
	if (rc == 0) rc = cf_helm_pack_put(pack, "values.yaml", out.data, out.len);
	json_decref(merged);
	cf_buf_free(&out);
	return rc;
}

/* The build metadata Flux adds: "<12 hex>" for Revision, ".<generation>" with valuesFiles. */
static void version_with_metadata(chart_rec *r, char *out, size_t size, const char *version, const char *src_rev)
{
	char meta[64] = "";
	size_t base = strcspn(version, "+");

	if (r->by_revision && src_rev) {
		const char *h = strrchr(src_rev, ':');
		h = h ? h + 1 : (strrchr(src_rev, '/') ? strrchr(src_rev, '/') + 1 : src_rev);
		snprintf(meta, sizeof(meta), "%.12s", h);
	}
	if (json_array_size(r->values_files) > 0)
		snprintf(meta + strlen(meta), sizeof(meta) - strlen(meta), "%s%lld", meta[0] ? "." : "", r->p->generation);
	if (meta[0])
		snprintf(out, size, "%.*s+%s", (int)base, version, meta);
	else
		snprintf(out, size, "%s", version);
}

/* ---- storing ---- */

/* Status (artifact, observed*, Ready), then the event and the notice. */
static int publish(chart_rec *r, const cf_buf *path, const cf_buf *url, const char *digest, size_t size,
		   const char *reason, const char *verb)
{
	cf_reconcile *p = r->p;
	char msg[700];
	int rc;

	snprintf(msg, sizeof(msg), "%s '%s' chart with version '%s'", verb, r->chart_name, r->version);
	if ((rc = src_storage_set_artifact(p->status, path->data, url->data, r->version, digest, size, 1)) < 0)
		return rc;
	json_object_set_new(p->status, "observedChartName", json_string(r->chart_name));
	json_object_set_new(p->status, "observedSourceArtifactRevision", json_string(r->src_revision));
	if (r->ignore_missing && r->observed_values)
		json_object_set(p->status, "observedValuesFiles", r->observed_values);
	else
		json_object_del(p->status, "observedValuesFiles");
	rc = cf_reconcile_ready(p, reason, msg);
	if (rc == 0) rc = cf_condition_set(p->status, "ArtifactInStorage", "True", reason, msg, p->generation);
	if (rc == 0) rc = cf_reconcile_write_status(p);
	if (rc < 0)
		return rc;
	cf_event_emit_revision(p->k, r->c->events, p->obj, "Normal", "NewArtifact", msg, r->version, digest, SOURCE_CONTROLLER);
	src_notice_publish(r->c, CF_KIND_HELMCHART, p->ns, p->name, r->version, digest, path->data);
	cf_log(CF_LOG_INFO, "stored artifact", "kind", "HelmChart", "object", p->name, "namespace", p->ns,
	       "revision", r->version, "digest", digest, NULL);
	return 0;
}

/* Stores the chart as <name>-<revision>.tgz: pack written through the artifact writer, or (pack
 * NULL) tgz's bytes as downloaded. */
static int store(chart_rec *r, cf_helm_pack *pack, const cf_buf *tgz, const char *reason, const char *verb)
{
	cf_buf dir = CF_BUF_INIT(8192), path = CF_BUF_INIT(8192), url = CF_BUF_INIT(8192);
	cf_artifact_writer *w = NULL;
	char file[600], digest[72];
	size_t size = tgz ? tgz->len : 0;
	int rc;

	snprintf(file, sizeof(file), "%s-%s.tgz", pack ? cf_helm_pack_name(pack) : r->chart_name, r->version);
	rc = src_artifact_paths(&dir, &path, &url, r->c, CF_KIND_HELMCHART, r->p->ns, r->p->name, file);
	if (rc == 0 && pack) {
		rc = cf_artifact_writer_open(&w, dir.data, file, (size_t)r->c->artifact_max_size);
		if (rc == 0) rc = cf_helm_pack_write(pack, w);
		if (rc == 0) rc = cf_artifact_writer_commit(w, digest, &size);
		cf_artifact_writer_free(w);
	} else if (rc == 0) {
		cf_sha256_of(digest, tgz->data, tgz->len);
		rc = cf_artifact_write_bytes(dir.data, file, tgz->data, tgz->len);
	}
	if (rc < 0) {
		cf_err_prefix("failed to store the chart");
		r->fail_reason = R_STORAGE;
		goto out;
	}
	src_storage_retain(dir.data, file);
	rc = publish(r, &path, &url, digest, size, reason, verb);
out:
	cf_buf_free(&dir);
	cf_buf_free(&path);
	cf_buf_free(&url);
	return rc;
}

/* Unchanged: the artifact of this revision is on disk and nothing else it depends on moved. */
static int unchanged(chart_rec *r)
{
	const json_t *st = r->p->status;
	const char *name = cf_json_str(st, "observedChartName");
	const char *srev = cf_json_str(st, "observedSourceArtifactRevision");

	if (name == NULL || (r->chart_name[0] && strcmp(name, r->chart_name) != 0))
		return 0;
	if (json_integer_value(json_object_get(st, "observedGeneration")) != r->p->generation)
		return 0;
	if (strcmp(r->src_kind, "GitRepository") == 0 && (srev == NULL || strcmp(srev, r->src_revision) != 0))
		return 0;
	return src_storage_current(r->c, st, r->version[0] ? r->version : NULL, NULL);
}

static int ready_unchanged(chart_rec *r, const char *reason, const char *verb)
{
	char msg[700];
	const char *rev = cf_json_str(json_object_get(r->p->status, "artifact"), "revision");

	const char *name = cf_json_str(r->p->status, "observedChartName");

	snprintf(msg, sizeof(msg), "%s '%s' chart with version '%s'", verb, name ? name : r->chart, rev ? rev : r->version);
	if (cf_reconcile_ready(r->p, reason, msg) < 0)
		return CF_ENOMEM;
	return cf_condition_set(r->p->status, "ArtifactInStorage", "True", reason, msg, r->p->generation);
}

/* ---- from a HelmRepository ---- */

/* Downloads the picked version with repo's client and checks the index's digest. */
static int download_chart(chart_rec *r, helm_repo *repo, const char *repo_url, const cf_helm_index_pick *pick,
			  cf_buf *tgz)
{
	char url[2200], got[72];
	int rc;

	if ((rc = cf_helm_chart_url(url, sizeof(url), repo_url, pick->url)) < 0 ||
	    (rc = helm_repo_get(repo, url, tgz, (size_t)r->c->artifact_max_size)) < 0) {
		if (rc == CF_EAUTH)
			r->fail_reason = R_AUTH;
		return cf_err_prefix("failed to download chart '%s' version '%s'", r->chart, pick->version);
	}
	cf_sha256_of(got, tgz->data, tgz->len);
	if (pick->digest[0] && strcmp(got, pick->digest) != 0)
		return cf_err_set(CF_EINVAL, "chart '%s' version '%s' from '%s': digest mismatch: the index says %s, the download is %s",
				  r->chart, pick->version, url, pick->digest, got);
	return 0;
}

/* A pulled chart with valuesFiles: unpacked, values merged (paths in the chart), packed again. */
static int repack_with_values(chart_rec *r, const cf_buf *tgz)
{
	cf_tree *t = NULL;
	cf_helm_pack *pack = NULL;
	int rc;

	rc = cf_tree_unpack(&t, tgz->data, tgz->len, (size_t)r->c->artifact_max_size * 4, UNPACK_MAX_FILES);
	if (rc == 0) rc = cf_helm_pack_from_tree(&pack, t, r->chart);
	if (rc == 0) rc = merge_values(r, pack, pack_lookup, pack);
	if (rc == 0) rc = cf_helm_pack_set_version(pack, r->version);
	if (rc < 0) {
		cf_err_prefix("chart '%s' version '%s'", r->chart, r->version);
		goto out;
	}
	rc = store(r, pack, NULL, R_PACKAGED, "packaged");
out:
	cf_helm_pack_free(pack);
	cf_tree_free(t);
	return rc;
}

/* A downloaded chart: stored as it is, or with valuesFiles merged into it. */
static int store_pulled(chart_rec *r, const cf_buf *tgz)
{
	return json_array_size(r->values_files) ? repack_with_values(r, tgz) : store(r, NULL, tgz, R_PULLED, "pulled");
}

/* ---- from an OCI HelmRepository: <url>/<chart>:<tag>, its Helm chart layer ---- */

#define MT_HELM_CHART "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

/* The tag: spec.version itself when it is one exact version, else the newest in range. Helm
 * writes a version's '+' as '_' in a tag. */
static int oci_chart_tag(chart_rec *r, cf_oci *client, const char *repository, char *tag, size_t size)
{
	const char *range = r->range && *r->range ? r->range : "*";
	cf_semver v;

	if (cf_semver_parse(&v, range) == 0 && strpbrk(range, "<>=~^*xX| ,") == NULL) {
		snprintf(tag, size, "%s", range);
		for (char *c = tag; *c; c++)
			if (*c == '+')
				*c = '_';
		return 0;
	}
	return src_oci_pick_tag(tag, size, client, repository, range, NULL);
}

static int oci_pull(chart_rec *r, cf_oci *client, const char *repository, const char *tag, cf_buf *tgz)
{
	cf_oci_manifest m;
	void *data = NULL;
	size_t len = 0, i;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = cf_oci_manifest_get(client, &m, repository, tag)) < 0)
		goto out;
	for (i = 0; i < m.n_items && strcmp(m.items[i].media_type, MT_HELM_CHART) != 0; i++)
		;
	if (m.is_index || i == m.n_items) {
		rc = cf_err_set(CF_EINVAL, "%s:%s is not a Helm chart (no layer of type %s)", repository, tag, MT_HELM_CHART);
		goto out;
	}
	rc = cf_oci_blob_get(client, &data, &len, repository, m.items[i].digest, (size_t)r->c->artifact_max_size);
	if (rc == 0) {
		cf_buf_reset(tgz);
		rc = cf_buf_append(tgz, data, len);
	}
out:
	if (data)
		cf_free(data);
	cf_oci_manifest_free(&m);
	return rc;
}

static int from_oci_repository(chart_rec *r)
{
	const char *url = cf_json_str(json_object_get(r->source, "spec"), "url");
	cf_buf tgz = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	char full[1200], repository[1024], tag[130];
	cf_oci_ref ref;
	cf_oci *client = NULL;
	int rc;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", url ? url : "", r->chart) >= sizeof(full) ||
	    cf_oci_ref_parse(&ref, full) < 0) {
		rc = cf_err_prefix("HelmRepository '%s' URL '%s' and chart '%s'", r->src_name, url ? url : "", r->chart);
		goto fail;
	}
	snprintf(repository, sizeof(repository), "%s", ref.repository);
	rc = src_oci_client(&client, r->p->k, r->p->ns, json_object_get(r->source, "spec"), ref.registry, r->p->timeout_ms, 1);
	if (rc == 0) rc = oci_chart_tag(r, client, repository, tag, sizeof(tag));
	if (rc < 0) {
		if (rc == CF_EAUTH)
			r->fail_reason = R_AUTH;
		cf_err_prefix("failed to get chart version for remote reference");
		goto fail;
	}
	{
		char version[sizeof(tag)];
		snprintf(version, sizeof(version), "%s", tag);
		for (char *c = version; *c; c++)
			if (*c == '_')
				*c = '+';
		version_with_metadata(r, r->version, sizeof(r->version), version, NULL);
	}
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", r->version);
	if (unchanged(r)) {
		rc = ready_unchanged(r, R_PULLED, "pulled");
		goto out;
	}
	if ((rc = oci_pull(r, client, repository, tag, &tgz)) < 0) {
		if (rc == CF_EAUTH)
			r->fail_reason = R_AUTH;
		cf_err_prefix("failed to pull chart '%s' version '%s'", r->chart, tag);
		goto fail;
	}
	if ((rc = store_pulled(r, &tgz)) < 0)
		goto fail;
	goto out;
fail:
	rc = fail(r, R_PULL, rc);
out:
	cf_oci_free(client);
	cf_buf_free(&tgz);
	return rc;
}

static int from_helm_repository(chart_rec *r)
{
	const json_t *spec = json_object_get(r->source, "spec");
	const char *type = cf_json_str(spec, "type"), *repo_url = cf_json_str(spec, "url"), *reason = R_PULL;
	cf_buf index_bytes = CF_BUF_INIT(CF_HELM_INDEX_MAX), tgz = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	cf_helm_index_pick pick;
	json_t *index = NULL;
	helm_repo repo;
	int rc, opened = 0;

	if (type && strcmp(type, "oci") == 0)
		return from_oci_repository(r);
	if ((rc = read_source_artifact(r, &index_bytes)) < 0)
		goto fail;
	rc = cf_helm_index_parse(&index, index_bytes.data, index_bytes.len, "index.yaml");
	if (rc == 0) rc = cf_helm_index_select(&pick, index, r->chart, r->range);
	if (rc < 0) {
		cf_err_prefix("failed to get chart version for remote reference");
		goto fail;
	}
	version_with_metadata(r, r->version, sizeof(r->version), pick.version, NULL);
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", r->version);
	if (unchanged(r)) {
		rc = ready_unchanged(r, json_array_size(r->values_files) ? R_PACKAGED : R_PULLED,
				     json_array_size(r->values_files) ? "packaged" : "pulled");
		goto out;
	}
	if ((rc = helm_repo_open(&repo, r->p->k, r->source, r->p->timeout_ms, &reason)) < 0) {
		r->fail_reason = reason;
		goto fail;
	}
	opened = 1;
	if ((rc = download_chart(r, &repo, repo_url, &pick, &tgz)) < 0)
		goto fail;
	if ((rc = store_pulled(r, &tgz)) < 0)
		goto fail;
	goto out;
fail:
	rc = fail(r, R_PULL, rc);
out:
	if (opened)
		helm_repo_close(&repo);
	json_decref(index);
	cf_buf_free(&index_bytes);
	cf_buf_free(&tgz);
	return rc;
}

/* ---- from a GitRepository ---- */

/* The HelmRepository in the namespace with this URL gives the credentials (as Flux finds it);
 * without one the repository is read anonymously. *obj is new. */
static int dependency_repo(chart_rec *r, json_t **obj, const char *url)
{
	json_t *list = NULL, *item;
	size_t i;
	int rc;

	*obj = NULL;
	rc = cf_kube_list(r->p->k, &list, &(cf_kube_ref){ CF_AV_HELMREPOSITORY, "HelmRepository", r->p->ns, NULL }, NULL);
	if (rc == 0) {
		json_array_foreach(json_object_get(list, "items"), i, item) {
			const char *u = cf_json_str(json_object_get(item, "spec"), "url");
			if (u && strcmp(u, url) == 0) {
				*obj = json_incref(item);
				break;
			}
		}
	}
	json_decref(list);
	if (*obj == NULL)
		*obj = json_pack("{s:{s:s},s:{s:s}}", "metadata", "namespace", r->p->ns, "spec", "url", url);
	return *obj ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

static int dependency_remote(chart_rec *r, cf_helm_pack *pack, const char *name, const char *range, const char *url)
{
	cf_buf index_bytes = CF_BUF_INIT(CF_HELM_INDEX_MAX), tgz = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	char index_url[2200], file[400];
	cf_helm_index_pick pick;
	json_t *obj = NULL, *index = NULL;
	const char *reason;
	helm_repo repo;
	int rc;

	if ((rc = dependency_repo(r, &obj, url)) < 0)
		return rc;
	if ((rc = helm_repo_open(&repo, r->p->k, obj, r->p->timeout_ms, &reason)) < 0)
		goto out;
	rc = cf_helm_chart_url(index_url, sizeof(index_url), url, "index.yaml");
	if (rc == 0) rc = helm_repo_get(&repo, index_url, &index_bytes, CF_HELM_INDEX_MAX);
	if (rc == 0) rc = cf_helm_index_parse(&index, index_bytes.data, index_bytes.len, index_url);
	if (rc == 0) rc = cf_helm_index_select(&pick, index, name, range);
	if (rc == 0)
		rc = download_chart(&(chart_rec){ .c = r->c, .chart = name }, &repo, url, &pick, &tgz);
	if (rc == 0 && (size_t)snprintf(file, sizeof(file), "charts/%s-%s.tgz", name, pick.version) >= sizeof(file))
		rc = cf_err_set(CF_ETOOBIG, "dependency name '%.100s' is too long", name);
	if (rc == 0) rc = cf_helm_pack_put(pack, file, tgz.data, tgz.len);
	helm_repo_close(&repo);
out:
	json_decref(obj);
	json_decref(index);
	cf_buf_free(&index_bytes);
	cf_buf_free(&tgz);
	return rc;
}

/* Chart.yaml's dependencies: file:// ones from the source tree (unpacked under charts/<name>),
 * http(s) ones from their repository (charts/<name>-<version>.tgz), as `helm dependency build`. */
static int build_dependencies(chart_rec *r, cf_helm_pack *pack, const cf_tree *t, const char *chart_dir)
{
	const json_t *deps = json_object_get(cf_helm_pack_meta(pack), "dependencies"), *d;
	char dir[1024], under[400];
	size_t i;
	int rc = 0;

	if (deps != NULL && !json_is_array(deps))
		return cf_err_set(CF_EINVAL, "Chart.yaml: dependencies is not a list");
	if (json_array_size(deps) > MAX_DEPENDENCIES)
		return cf_err_set(CF_ETOOBIG, "Chart.yaml: more than %d dependencies", MAX_DEPENDENCIES);
	json_array_foreach(deps, i, d) {
		const char *name = cf_json_str(d, "name"), *repo = cf_json_str(d, "repository");
		if (name == NULL || *name == '\0' || strchr(name, '/'))
			return cf_err_set(CF_EINVAL, "Chart.yaml: dependencies[%zu] needs a name", i);
		snprintf(under, sizeof(under), "charts/%.300s", name);
		if (repo == NULL || *repo == '\0')
			continue;   /* expected in charts/ already, as helm does */
		if (strncmp(repo, "file://", 7) == 0) {
			if ((rc = cf_helm_path_join(dir, sizeof(dir), chart_dir, repo + 7)) < 0 ||
			    (rc = cf_helm_pack_put_tree(pack, under, t, dir)) < 0)
				return cf_err_prefix("dependency '%s' (%s)", name, repo);
		} else if (strncmp(repo, "https://", 8) == 0 || strncmp(repo, "http://", 7) == 0) {
			if ((rc = dependency_remote(r, pack, name, cf_json_str(d, "version"), repo)) < 0)
				return cf_err_prefix("dependency '%s' (%s)", name, repo);
		} else {
			return cf_err_set(CF_EINVAL, "dependency '%s': repository '%s' is not supported (file://, http:// or https://)",
					  name, repo);
		}
	}
	return rc;
}

static int package_from_tree(chart_rec *r, const cf_tree *t)
{
	cf_helm_pack *pack = NULL;
	char dir[1024];
	int rc;

	rc = cf_helm_path_join(dir, sizeof(dir), ".", r->chart);
	if (rc == 0) rc = cf_helm_pack_from_tree(&pack, t, dir);
	if (rc == 0) rc = build_dependencies(r, pack, t, dir);
	if (rc == 0 && json_array_size(r->values_files) > 0) rc = merge_values(r, pack, tree_lookup, t);
	if (rc == 0) {
		version_with_metadata(r, r->version, sizeof(r->version), cf_helm_pack_version(pack), r->src_revision);
		snprintf(r->p->revision, sizeof(r->p->revision), "%s", r->version);
		if (strcmp(r->version, cf_helm_pack_version(pack)) != 0)
			rc = cf_helm_pack_set_version(pack, r->version);
	}
	if (rc < 0) {
		cf_err_prefix("failed to package chart '%s'", r->chart);
		goto out;
	}
	snprintf(r->chart_name, sizeof(r->chart_name), "%s", cf_helm_pack_name(pack));
	rc = store(r, pack, NULL, R_PACKAGED, "packaged");
out:
	cf_helm_pack_free(pack);
	return rc;
}

static int from_git_repository(chart_rec *r)
{
	cf_buf data = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	cf_tree *t = NULL;
	int rc;

	if (r->src_revision == NULL) {
		cf_err_set(CF_ENOTFOUND, "no artifact available for %s source '%s'", r->src_kind, r->src_name);
		return cf_reconcile_fail(r->p, R_NO_ARTIFACT, 0);
	}
	if (unchanged(r)) {
		rc = ready_unchanged(r, R_PACKAGED, "packaged");
		goto out;
	}
	if ((rc = read_source_artifact(r, &data)) < 0)
		goto fail;
	if ((rc = cf_tree_unpack(&t, data.data, data.len, (size_t)r->c->artifact_max_size * 4, UNPACK_MAX_FILES)) < 0) {
		cf_err_prefix("artifact of %s source '%s'", r->src_kind, r->src_name);
		goto fail;
	}
	if ((rc = package_from_tree(r, t)) < 0)
		goto fail;
	goto out;
fail:
	rc = fail(r, R_PACKAGE, rc);
out:
	cf_tree_free(t);
	cf_buf_free(&data);
	return rc;
}

static int check_spec(chart_rec *r)
{
	const json_t *spec = r->p->spec, *ref = json_object_get(spec, "sourceRef");
	const char *strategy = cf_json_str(spec, "reconcileStrategy");

	r->chart = cf_json_str(spec, "chart");
	r->range = cf_json_str(spec, "version");
	r->src_kind = cf_json_str(ref, "kind");
	r->src_name = cf_json_str(ref, "name");
	r->values_files = json_object_get(spec, "valuesFiles");
	r->ignore_missing = json_is_true(json_object_get(spec, "ignoreMissingValuesFiles"));
	if (r->chart == NULL || *r->chart == '\0')
		return cf_err_set(CF_EINVAL, "spec.chart is required");
	if (r->src_kind == NULL || r->src_name == NULL)
		return cf_err_set(CF_EINVAL, "spec.sourceRef needs kind and name");
	if (r->values_files && !json_is_array(r->values_files))
		return cf_err_set(CF_EINVAL, "spec.valuesFiles is not a list");
	if (strategy && strcmp(strategy, "ChartVersion") != 0 && strcmp(strategy, "Revision") != 0)
		return cf_err_set(CF_EINVAL, "spec.reconcileStrategy '%s' is not one of ChartVersion, Revision", strategy);
	r->by_revision = strategy && strcmp(strategy, "Revision") == 0;
	if (strcmp(r->src_kind, "Bucket") == 0)
		return cf_err_set(CF_EINVAL, "spec.sourceRef.kind 'Bucket' is not supported by cflux (HelmRepository or GitRepository)");
	if (strcmp(r->src_kind, "HelmRepository") != 0 && strcmp(r->src_kind, "GitRepository") != 0)
		return cf_err_set(CF_EINVAL, "unsupported source kind '%s', must be one of: [HelmRepository GitRepository Bucket]",
				  r->src_kind);
	if (strcmp(r->src_kind, "HelmRepository") == 0)
		snprintf(r->chart_name, sizeof(r->chart_name), "%s", r->chart);
	return 0;
}

static int body(cf_reconcile *p)
{
	chart_rec r = { .p = p, .c = p->ctx };
	int rc;

	if (check_spec(&r) < 0)
		return cf_reconcile_fail(p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	if ((rc = get_source(&r)) < 0)
		goto out;
	if (strcmp(r.src_kind, "HelmRepository") == 0)
		rc = from_helm_repository(&r);
	else
		rc = from_git_repository(&r);
out:
	json_decref(r.observed_values);
	json_decref(r.source);
	return rc;
}

int helmchart_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return src_source_reconcile(c, k, CF_KIND_HELMCHART, ns, name, requeue_ms, body, DEFAULT_TIMEOUT_MS);
}

/* ---- which charts a source's new artifact concerns ---- */

/* HelmChart "ns/name" -> "SourceKind/ns/name", and source -> the artifact revision last seen.
 * The watch threads write them; a source whose revision moves enqueues its charts (Flux
 * watches chart sources the same way). */
static pthread_mutex_t index_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *chart_sources, *source_revisions;

static int index_ready(void)
{
	if (chart_sources == NULL)
		chart_sources = json_object();
	if (source_revisions == NULL)
		source_revisions = json_object();
	return chart_sources && source_revisions;
}

void helmchart_on_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata"), *ref = json_object_get(json_object_get(obj, "spec"), "sourceRef");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	char key[CF_WORK_KEY_MAX], src[CF_WORK_KEY_MAX];

	(void)ctx;
	(void)kind;
	if (ns == NULL || name == NULL)
		return;
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	snprintf(src, sizeof(src), "%s/%s/%s", cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "", ns,
		 cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
	pthread_mutex_lock(&index_mu);
	if (index_ready()) {
		if (strcmp(type, "DELETED") == 0)
			json_object_del(chart_sources, key);
		else
			json_object_set_new(chart_sources, key, json_string(src));
	}
	pthread_mutex_unlock(&index_mu);
}

void helmchart_source_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	src_ctl *c = ctx;
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	const char *rev = cf_json_str(json_object_get(json_object_get(obj, "status"), "artifact"), "revision");
	const char *seen, *key;
	char src[CF_WORK_KEY_MAX];
	json_t *v, *todo = json_array();
	size_t i;

	if (ns == NULL || name == NULL || rev == NULL || strcmp(type, "DELETED") == 0 || todo == NULL) {
		json_decref(todo);
		return;
	}
	snprintf(src, sizeof(src), "%s/%s/%s", kind->kind, ns, name);
	pthread_mutex_lock(&index_mu);
	if (index_ready() && ((seen = cf_json_str(source_revisions, src)) == NULL || strcmp(seen, rev) != 0)) {
		json_object_set_new(source_revisions, src, json_string(rev));
		json_object_foreach(chart_sources, key, v)
			if (strcmp(json_string_value(v), src) == 0)
				json_array_append_new(todo, json_string(key));
	}
	pthread_mutex_unlock(&index_mu);
	json_array_foreach(todo, i, v) {
		const char *k = json_string_value(v), *slash = strchr(k, '/');
		char cns[256];
		snprintf(cns, sizeof(cns), "%.*s", (int)(slash - k), k);
		cf_work_enqueue_name(c->queue, CF_KIND_HELMCHART, cns, slash + 1);
	}
	json_decref(todo);
}

void helmchart_index_free(void)
{
	pthread_mutex_lock(&index_mu);
	json_decref(chart_sources);
	json_decref(source_revisions);
	chart_sources = source_revisions = NULL;
	pthread_mutex_unlock(&index_mu);
}
