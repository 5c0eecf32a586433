/* image-automation-controller/imagepolicy.c - ImagePolicy, as Flux's image-reflector-controller
 * applies it (on runtime/reconcile.h):
 *
 *   body ─ spec.imageRepositoryRef (namespace: the policy's unless set; another namespace only
 *          when the repository's accessFrom.namespaceSelectors match its labels, else AccessDenied)
 *        ─ missing repository: DependencyNotReady ─ its spec.image invalid: Stalled ImageURLInvalid
 *        ─ digestReflectionPolicy Always without spec.interval: Stalled IntervalNotConfigured
 *        ─ policy and filterTags (policy.h); invalid: Stalled InvalidPolicy naming the field
 *        ─ the repository's tag store; none or empty: DependencyNotReady (its scan wakes us)
 *        ─ the latest tag (nothing chosen: Ready=False, Failure, Flux's message)
 *        ─ digest: IfNotPresent (when the ref moved or has none) or Always, by HEAD
 *        ─ status.latestRef {name, tag, digest}, latestImage, observedPreviousRef/-Image when
 *          it moved; Ready "Latest image tag for <name> resolved to <tag>"; an event when it moved
 *
 * An ImageRepository's status change enqueues the policies that use it (the index below). */
#include "controller.h"
#include "policy.h"
#include "tagstore.h"

#include "runtime/condition.h"
#include "runtime/controller.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/oci.h"
#include "source/oci_client.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define R_NOT_READY "DependencyNotReady"
#define R_URL       "ImageURLInvalid"
#define R_INVALID   "InvalidPolicy"
#define R_DENIED    "AccessDenied"
#define R_INTERVAL  "IntervalNotConfigured"
#define R_FAILURE   "Failure"
#define KEY_MAX     600

/* ---- the index: which repository each policy reads ---- */

static void repo_key(char *out, size_t size, const json_t *policy)
{
	const json_t *md = json_object_get(policy, "metadata");
	const json_t *ref = json_object_get(json_object_get(policy, "spec"), "imageRepositoryRef");
	const char *ns = cf_json_str(ref, "namespace");

	snprintf(out, size, "%s/%s", ns && *ns ? ns : cf_json_str(md, "namespace"), cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
}

void imagepolicy_on_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	iac_ctl *c = ctx;
	char key[KEY_MAX], repo[KEY_MAX];

	(void)kind;
	if (cf_status_key(key, sizeof(key), obj) < 0)
		return;
	repo_key(repo, sizeof(repo), obj);
	pthread_mutex_lock(&c->mu);
	if (strcmp(type, "DELETED") == 0)
		json_object_del(c->policies, key);
	else
		json_object_set_new(c->policies, key, json_string(repo));
	pthread_mutex_unlock(&c->mu);
}

void imagepolicy_on_repository(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	iac_ctl *c = ctx;
	char repo[KEY_MAX];
	const char *key;
	json_t *v;

	(void)kind;
	(void)type;
	if (cf_status_key(repo, sizeof(repo), obj) < 0)
		return;
	pthread_mutex_lock(&c->mu);
	json_object_foreach(c->policies, key, v) {
		const char *slash = strchr(key, '/');
		if (slash && strcmp(json_string_value(v), repo) == 0) {
			char ns[254];
			snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
			cf_work_enqueue_name(c->queue, CF_KIND_IMAGEPOLICY, ns, slash + 1);
		}
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- the body ---- */

typedef struct rec {
	cf_reconcile *p;
	iac_ctl *c;
	char repo_ns[254];
	const char *repo_name;
	json_t *repo;
	iac_image img;
	iac_policy pol;
	json_t *tags;
	char tag[IAC_TAG_LEN_MAX + 1], digest[72];
} rec;

/* Flux's ACL: a repository in another namespace admits the policy when one of its
 * accessFrom.namespaceSelectors' matchLabels all hold on the policy's namespace */
static int access_allowed(rec *r)
{
	const json_t *sels = json_object_get(json_object_get(json_object_get(r->repo, "spec"), "accessFrom"), "namespaceSelectors");
	cf_kube_ref ref = { "v1", "Namespace", NULL, r->p->ns };
	json_t *nsobj = NULL, *sel;
	const json_t *labels;
	size_t i;
	int ok = 0;

	if (strcmp(r->repo_ns, r->p->ns) == 0)
		return 0;
	if (json_array_size(sels) == 0)
		return cf_err_set(CF_EAUTH, "access denied: 'ImageRepository/%s/%s' can't be accessed due to missing ACL labels on 'accessFrom'",
				  r->repo_ns, r->repo_name);
	if (cf_kube_get(r->p->k, &nsobj, &ref) < 0)
		return cf_err_prefix("access denied: cannot read namespace '%s'", r->p->ns);
	labels = json_object_get(json_object_get(nsobj, "metadata"), "labels");
	json_array_foreach(sels, i, sel) {
		const json_t *ml = json_object_get(sel, "matchLabels"), *v;
		const char *k;
		int all = 1;
		json_object_foreach((json_t *)ml, k, v)
			all &= json_equal(json_object_get(labels, k), v);
		ok |= all;
	}
	json_decref(nsobj);
	return ok ? 0 : cf_err_set(CF_EAUTH, "access denied: 'ImageRepository/%s/%s' can't be accessed due to labels mismatch on namespace '%s'",
				   r->repo_ns, r->repo_name, r->p->ns);
}

static int get_repository(rec *r)
{
	const json_t *ref = json_object_get(r->p->spec, "imageRepositoryRef");
	const char *ns = cf_json_str(ref, "namespace");
	cf_kube_ref kref;
	int rc;

	r->repo_name = cf_json_str(ref, "name");
	snprintf(r->repo_ns, sizeof(r->repo_ns), "%s", ns && *ns ? ns : r->p->ns);
	if (r->repo_name == NULL || *r->repo_name == '\0') {
		cf_err_set(CF_EINVAL, "spec.imageRepositoryRef.name is required");
		return cf_reconcile_fail(r->p, R_INVALID, CF_FAIL_STALLED);
	}
	kref = (cf_kube_ref){ CF_AV_IMAGEREPOSITORY, "ImageRepository", r->repo_ns, r->repo_name };
	if ((rc = cf_kube_get(r->p->k, &r->repo, &kref)) < 0) {
		cf_err_prefix("failed to get the referred ImageRepository");
		return cf_reconcile_fail(r->p, rc == CF_ENOTFOUND ? R_NOT_READY : R_FAILURE, 0);
	}
	if (access_allowed(r) < 0) {
		cf_err_prefix("failed to get the referred ImageRepository");
		return cf_reconcile_fail(r->p, R_DENIED, 0);
	}
	if (iac_image_parse(&r->img, cf_json_str(json_object_get(r->repo, "spec"), "image")) < 0) {
		cf_err_prefix("ImageRepository '%s/%s'", r->repo_ns, r->repo_name);
		return cf_reconcile_fail(r->p, R_URL, CF_FAIL_STALLED);
	}
	return 0;
}

static int read_tags(rec *r)
{
	char dir[1024], file[1100];
	int rc;

	if ((rc = iac_tags_path(dir, sizeof(dir), file, sizeof(file), r->c->storage_path, r->repo_ns, r->repo_name)) < 0)
		return cf_reconcile_fail(r->p, R_FAILURE, 0);
	rc = iac_tags_load(&r->tags, file, (size_t)r->c->tags_max);
	if (rc == CF_ENOTFOUND || (rc == 0 && json_array_size(r->tags) == 0)) {
		/* the repository's scan enqueues this policy when it stores tags */
		cf_err_set(CF_ENOTFOUND, "no tags in database for ImageRepository '%s/%s'", r->repo_ns, r->repo_name);
		return cf_reconcile_fail(r->p, R_NOT_READY, CF_FAIL_QUIET);
	}
	if (rc < 0) {
		cf_err_prefix("failed to read tags from database");
		return cf_reconcile_fail(r->p, R_FAILURE, 0);
	}
	return 0;
}

static const char *prev_str(const json_t *ref, const char *field)
{
	const char *s = cf_json_str(ref, field);
	return s ? s : "";
}

/* the digest of the chosen tag, by spec.digestReflectionPolicy */
static int reflect_digest(rec *r, const char *policy)
{
	const json_t *old = json_object_get(r->p->written, "latestRef");
	cf_oci_client_options o = CF_OCI_CLIENT_OPTIONS_INIT;
	cf_oci *client = NULL;
	int rc;

	r->digest[0] = '\0';
	if (policy == NULL || strcmp(policy, "Never") == 0)
		return 0;
	if (strcmp(policy, "IfNotPresent") == 0 && strcmp(prev_str(old, "tag"), r->tag) == 0 &&
	    strcmp(prev_str(old, "name"), cf_json_str(json_object_get(r->repo, "spec"), "image")) == 0 && prev_str(old, "digest")[0]) {
		snprintf(r->digest, sizeof(r->digest), "%s", prev_str(old, "digest"));
		return 0;
	}
	o.registry = r->img.api_host;
	o.timeout_ms = r->p->timeout_ms;
	o.user_agent = IMAGE_AUTOMATION_CONTROLLER;
	o.service_account = 1;
	rc = cf_oci_client_for_spec(&client, r->p->k, r->repo_ns, json_object_get(r->repo, "spec"), &o);
	if (rc == 0)
		rc = cf_oci_manifest_digest(client, r->digest, r->img.repository, r->tag);
	cf_oci_free(client);
	if (rc < 0)
		cf_err_prefix("failed fetching digest of %s:%s", r->img.canonical, r->tag);
	return rc;
}

/* status.latestRef and latestImage (and the previous ones when they move); 1 when it moved */
static int set_refs(rec *r)
{
	const char *name = cf_json_str(json_object_get(r->repo, "spec"), "image");
	const json_t *old = json_object_get(r->p->written, "latestRef");
	json_t *ref = json_pack("{s:s,s:s}", "name", name, "tag", r->tag);
	char image[1400];
	int moved;

	if (ref == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (r->digest[0])
		json_object_set_new(ref, "digest", json_string(r->digest));
	moved = !json_equal(old, ref);
	snprintf(image, sizeof(image), "%s:%s", name, r->tag);
	if (moved && old) {
		json_object_set(r->p->status, "observedPreviousRef", (json_t *)old);
		if (json_object_get(r->p->written, "latestImage"))
			json_object_set(r->p->status, "observedPreviousImage", json_object_get(r->p->written, "latestImage"));
	}
	json_object_set_new(r->p->status, "latestRef", ref);
	json_object_set_new(r->p->status, "latestImage", json_string(image));
	return moved;
}

/* Flux's Ready message (composeImagePolicyReadyMessage) */
static void ready_message(char *out, size_t size, const json_t *status)
{
	const json_t *ref = json_object_get(status, "latestRef"), *prev = json_object_get(status, "observedPreviousRef");
	int n = snprintf(out, size, "Latest image tag for %s resolved to %s", prev_str(ref, "name"), prev_str(ref, "tag"));

	if (n > 0 && (size_t)n < size && prev_str(ref, "digest")[0])
		n += snprintf(out + n, size - (size_t)n, " with digest %s", prev_str(ref, "digest"));
	if (n > 0 && (size_t)n < size && prev && !json_equal(prev, ref))
		snprintf(out + n, size - (size_t)n, " (previously %s:%s%s%s)", prev_str(prev, "name"), prev_str(prev, "tag"),
			 prev_str(prev, "digest")[0] ? "@" : "", prev_str(prev, "digest"));
}

static int body(cf_reconcile *p)
{
	rec r = { .p = p, .c = p->ctx };
	const char *drp = cf_json_str(p->spec, "digestReflectionPolicy"), *interval = cf_json_str(p->spec, "interval");
	char msg[2048];
	int rc, moved;

	if (drp && strcmp(drp, "Always") == 0 && (interval == NULL || *interval == '\0')) {
		cf_err_set(CF_EINVAL, "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'");
		return cf_reconcile_fail(p, R_INTERVAL, CF_FAIL_STALLED);
	}
	if (interval && *interval && cf_duration_parse(&p->requeue_ms, interval) < 0) {
		cf_err_prefix("spec.interval");
		return cf_reconcile_fail(p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	if (iac_policy_parse(&r.pol, p->spec) < 0) {
		cf_err_prefix("invalid policy");
		rc = cf_reconcile_fail(p, R_INVALID, CF_FAIL_STALLED);
		goto out;
	}
	if ((rc = get_repository(&r)) < 0 || (rc = read_tags(&r)) < 0)
		goto out;
	if (iac_policy_latest(r.tag, sizeof(r.tag), &r.pol, r.tags) < 0) {
		rc = cf_reconcile_fail(p, R_FAILURE, 0);
		goto out;
	}
	snprintf(p->revision, sizeof(p->revision), "%s", r.tag);
	if (reflect_digest(&r, drp) < 0) {
		rc = cf_reconcile_fail(p, R_FAILURE, 0);
		goto out;
	}
	if ((moved = set_refs(&r)) < 0) {
		rc = moved;
		goto out;
	}
	ready_message(msg, sizeof(msg), p->status);
	if ((rc = cf_reconcile_ready(p, CF_REASON_SUCCEEDED, msg)) == 0 && moved && cf_reconcile_write_status(p) == 0)
		cf_event_emit_revision(p->k, r.c->events, p->obj, "Normal", CF_REASON_SUCCEEDED, msg, r.tag,
				       r.digest[0] ? r.digest : NULL, IMAGE_AUTOMATION_CONTROLLER);
out:
	iac_policy_free(&r.pol);
	json_decref(r.repo);
	json_decref(r.tags);
	return rc;
}

static void event_hook(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	iac_ctl *c = p->ctx;

	cf_event_emit_revision(p->k, c->events, p->obj, type, reason, message, NULL, NULL, IMAGE_AUTOMATION_CONTROLLER);
}

int imagepolicy_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = CF_AV_IMAGEPOLICY, .kind = "ImagePolicy", .ns = ns, .name = name,
		.finalizer = CF_FINALIZER, .no_interval = 1, .default_timeout_ms = 60000, .body = body,
		.event = event_hook, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}
