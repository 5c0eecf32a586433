/* kustomize-controller/kustomization.c - Kustomization: dependencies -> source artifact ->
 * build -> staged apply -> prune -> health -> status, events. */
#include "controller.h"

#include "apply/apply.h"
#include "apply/health.h"
#include "kustomize/fluxbuild.h"
#include "runtime/condition.h"
#include "runtime/depends.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/remote.h"
#include "runtime/status.h"
#include "runtime/vars.h"
#include "source/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 4096

/* Flux's reasons */
#define R_SUCCEEDED "ReconciliationSucceeded"
#define R_FAILED "ReconciliationFailed"
#define R_BUILD "BuildFailed"
#define R_HEALTH "HealthCheckFailed"
#define R_DEPENDENCY "DependencyNotReady"
#define R_PRUNE "PruneFailed"
#define R_ARTIFACT "ArtifactFailed"
#define R_PROGRESSING "Progressing"
#define R_ACCESS_DENIED "AccessDenied"

/* One reconcile's working state: the lifecycle's pass (p) and what the body adds. */
typedef struct rec {
	cf_reconcile *p;
	ks_ctl *c;
	cf_kube *k;            /* the cluster the Kustomization lives in: status, sources, secrets, siblings */
	cf_kube *t;            /* the cluster its objects go to: k, or spec.kubeConfig's (remote set) */
	int remote;
	json_t *obj;
	const json_t *spec;
	const char *ns, *name, *key;
	long long generation;
	json_t *status;        /* the pass's: the lifecycle writes it where it changed */
	long interval_ms, timeout_ms;
	json_t *drift;         /* what the drift watches saw since the last reconcile */
	json_t *wait;          /* the health wait taken from ks_ctl.health_waits (deadline kept), or NULL */
	char digest[80];       /* of the artifact fetched (fetch_tree), or "" */
} rec;


int kustomization_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 0);
}

/* ---- status and events ---- */

/* A failure, as the lifecycle records every failure; a failed health check also sets Healthy. */
static int fail(rec *r, const char *reason, unsigned flags)
{
	if (strcmp(reason, R_HEALTH) == 0 &&
	    cf_condition_set(r->status, "Healthy", "False", reason, cf_err_msg(), r->generation) < 0)
		cf_log(CF_LOG_WARN, "Healthy not set", "object", r->key, "error", cf_err_msg(), NULL);
	return cf_reconcile_fail(r->p, reason, flags);
}

static void event_hook(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	ks_ctl *c = p->ctx;

	cf_event_emit_revision(p->k, c->events, p->obj, type, reason, message, p->revision, NULL, KUSTOMIZE_CONTROLLER);
}

/* ---- the steps ---- */

/* spec.serviceAccountName, else --default-service-account (as Flux), else the controller. */
static int impersonate(rec *r)
{
	const char *sa = cf_json_str(r->spec, "serviceAccountName");
	char user[600];

	if (sa == NULL || sa[0] == '\0')
		sa = r->c->default_service_account;
	if (sa == NULL || sa[0] == '\0')
		return 0;
	snprintf(user, sizeof(user), "system:serviceaccount:%s:%s", r->ns, sa);
	return cf_kube_impersonate(r->t, user, NULL);   /* on a remote cluster too, as Flux */
}

static void as_controller(rec *r)
{
	cf_kube_impersonate(r->t, NULL, NULL);
}

/* spec.kubeConfig: the client of the cluster the objects go to (r->t), else r->k. */
static int target_open(rec *r)
{
	cf_remote_opts ro = { r->c->insecure_kubeconfig_tls };
	cf_kube *t = NULL;

	if (cf_remote_client(r->k, r->obj, &ro, KUSTOMIZE_CONTROLLER, &t) < 0)
		return cf_err_prefix("failed to build kube client");
	if (t) {
		r->t = t;
		r->remote = 1;
	}
	return 0;
}

static void target_close(rec *r)
{
	if (r->remote)
		cf_kube_free(r->t);
	r->t = r->k;
	r->remote = 0;
}

typedef struct handover {
	rec *r;
	const json_t *claims;   /* id -> "ns/name" of the sibling that builds it */
	json_t *lines;
} handover;

static int handed_over(const char *id, void *payload)
{
	handover *h = payload;
	const char *to = cf_json_str(h->claims, id);
	char desc[600], line[1200];

	if (to == NULL)
		return 0;
	if (cf_apply_id_describe(desc, sizeof(desc), id) < 0) {
		cf_err_clear();
		snprintf(desc, sizeof(desc), "%s", id);
	}
	snprintf(line, sizeof(line), "%s handed over to Kustomization/%s", desc, to);
	json_array_append_new(h->lines, json_string(line));
	cf_log(CF_LOG_INFO, "handed over", "object", desc, "kustomization", h->r->key, "to", to, NULL);
	return 1;
}

/* Deletes what left the inventory, as the service account: only objects that still carry this
 * Kustomization's owner labels (as Flux does: another may have adopted them since), and none that
 * a sibling builds from tree (NULL: not asked), which is about to apply it. *lines (new, also
 * on failure) gets a line per object deleted, handed over, or left because of its labels. */
static int prune(rec *r, cf_tree *tree, const json_t *old_inv, const json_t *new_inv, json_t **lines)
{
	cf_apply_prune_opts po = CF_APPLY_PRUNE_OPTS_INIT;
	json_t *claims = NULL, *skipped = NULL;
	json_t *owner = json_pack("{s:s,s:s}", CF_FLUX_NAME_LABEL, r->name, CF_FLUX_NAMESPACE_LABEL, r->ns);
	handover h = { r, NULL, json_array() };
	int rc = 0;

	*lines = NULL;
	if (owner == NULL || h.lines == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if (tree && (rc = ks_handover_claims(r->c, r->k, &claims, r->obj, tree, r->digest[0] ? r->digest : NULL, old_inv, new_inv)) < 0)
		goto out;
	h.claims = claims;
	po.owner_labels = owner;
	po.keep = handed_over;
	po.payload = &h;
	if ((rc = impersonate(r)) == 0)
		rc = cf_apply_prune(r->t, lines, &skipped, old_inv, new_inv, &po);
	as_controller(r);
	if (*lines && json_array_extend(*lines, h.lines) == 0)
		json_array_extend(*lines, skipped);
out:
	if (*lines == NULL)
		*lines = json_array();
	json_decref(owner);
	json_decref(claims);
	json_decref(skipped);
	json_decref(h.lines);
	return rc;
}

static int fetch_artifact(rec *r, cf_tree **tree);
static void release_tree(rec *r, cf_tree *tree);

/* Deleted: with prune, its objects go too (not those marked prune: disabled, adopted by another
 * Kustomization, or built by a sibling from the source's artifact), then the finalizer. */
static int finalize_objects(rec *r)
{
	const json_t *inv = json_object_get(json_object_get(r->status, "inventory"), "entries"), *v;
	json_t *lines = NULL, *empty;
	cf_tree *tree = NULL;
	size_t i;
	int rc = 0;

	/* pruned or left in place, the objects are no longer this controller's to watch (and
	 * their deletion here is not drift) */
	json_array_foreach(inv, i, v)
		cf_objcache_forget_id(r->c->cache, r->key, cf_json_str(v, "id"));
	if (json_is_true(json_object_get(r->spec, "prune")) && !json_is_true(json_object_get(r->spec, "suspend")) &&
	    json_array_size(inv) > 0) {
		empty = json_array();
		if (!r->p->durations_ok || fetch_artifact(r, &tree) < 0) {
			cf_log(CF_LOG_DEBUG, "no artifact to ask siblings", "object", r->key, "error", cf_err_msg(), NULL);
			cf_err_clear();
		}
		rc = prune(r, tree, inv, empty, &lines);
		release_tree(r, tree);
		json_decref(empty);
		if (rc < 0) {
			json_decref(lines);
			return cf_err_prefix("prune on deletion");
		}
		json_array_foreach(lines, i, v)
			cf_log(CF_LOG_INFO, "pruned on deletion", "object", r->key, "change", json_string_value(v), NULL);
		json_decref(lines);
	}
	return 0;   /* the lifecycle removes the finalizer */
}

/* With --no-cross-namespace-refs, a sourceRef or dependsOn in another namespace is refused
 * before anything there is read (Flux's words; the reason is AccessDenied, and Stalled). */
static int cross_namespace_refused(rec *r)
{
	const json_t *src = json_object_get(r->spec, "sourceRef"), *d;
	const char *sns = cf_json_str(src, "namespace");
	size_t i;

	if (!r->c->no_cross_namespace_refs)
		return 0;
	if (sns && sns[0] && strcmp(sns, r->ns) != 0)
		return cf_err_set(CF_EAUTH, "can't access '%s/%s/%s', cross-namespace references have been blocked",
				  cf_json_str(src, "kind") ? cf_json_str(src, "kind") : "", sns, cf_json_str(src, "name") ? cf_json_str(src, "name") : "");
	json_array_foreach(json_object_get(r->spec, "dependsOn"), i, d) {
		const char *dns = cf_json_str(d, "namespace");
		if (dns && dns[0] && strcmp(dns, r->ns) != 0)
			return cf_err_set(CF_EAUTH, "can't access 'Kustomization/%s/%s', cross-namespace references have been blocked",
					  dns, cf_json_str(d, "name") ? cf_json_str(d, "name") : "");
	}
	return 0;
}

/* 1 when every dependency (a Kustomization, or kind: HelmRelease) is Ready at its latest
 * generation; 0 with the error set when not. */
static int dependencies_ready(rec *r)
{
	return cf_dependencies_ready(r->k, json_object_get(r->spec, "dependsOn"), r->ns, CF_KIND_KUSTOMIZATION);
}

/* The row of a sourceRef kind whose artifacts cflux serves (GitRepository, OCIRepository), or
 * NULL with the error set. */
static const cf_kind *served_source(const char *kind)
{
	const cf_kind *k = cf_kind_find(kind);

	if (k && (k->id == CF_KIND_GITREPOSITORY || k->id == CF_KIND_OCIREPOSITORY))
		return k;
	cf_err_set(CF_EINVAL, "spec.sourceRef.kind '%s' is not supported (cflux serves GitRepository and OCIRepository)",
		   kind ? kind : "");
	return NULL;
}

/* The source object (*source, the caller frees it) with an artifact; sets the pass's revision. */
static int source_artifact(rec *r, json_t **source)
{
	const json_t *src = json_object_get(r->spec, "sourceRef"), *art;
	const char *kind = cf_json_str(src, "kind"), *name = cf_json_str(src, "name");
	const char *ns = cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : r->ns;
	const cf_kind *sk;
	int rc;

	*source = NULL;
	if (kind == NULL || name == NULL)
		return cf_err_set(CF_EINVAL, "spec.sourceRef needs kind and name");
	if ((sk = served_source(kind)) == NULL)
		return CF_EINVAL;
	/* as its watch last saw it, else from the API */
	if ((*source = ks_source_cached(r->c, sk->kind, ns, name)) == NULL &&
	    (rc = cf_kube_get(r->k, source, &(cf_kube_ref){ sk->api_version, kind, ns, name })) < 0)
		return cf_err_prefix("Source '%s/%s/%s'", kind, ns, name);
	art = json_object_get(json_object_get(*source, "status"), "artifact");
	if (!cf_json_str(art, "path") || !cf_json_str(art, "url") || !cf_json_str(art, "digest") || !cf_json_str(art, "revision")) {
		json_decref(*source);
		*source = NULL;
		return cf_err_set(CF_ENOTFOUND, "Source '%s/%s/%s' is not ready, artifact not found", kind, ns, name);
	}
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", cf_json_str(art, "revision"));
	return 0;
}

/* The artifact of source (from source_artifact): fetched over nng from the address in its URL,
 * checked against the digest in its status, unpacked in memory; or the tree of that digest a
 * sibling unpacked (trees.h). The caller gives it back with release_tree. */
static int fetch_tree(rec *r, const json_t *source, cf_tree **tree)
{
	const json_t *art = json_object_get(json_object_get(source, "status"), "artifact");
	const char *path = cf_json_str(art, "path"), *url = cf_json_str(art, "url");
	const char *digest = cf_json_str(art, "digest"), *rev = cf_json_str(art, "revision");
	cf_buf data = CF_BUF_INIT((size_t)r->c->artifact_max_size);
	char addr[1024];
	size_t plen = strlen(path), ulen = strlen(url);
	int rc;

	*tree = NULL;
	if (ulen <= plen + 1 || strcmp(url + ulen - plen, path) != 0 || url[ulen - plen - 1] != '/' ||
	    ulen - plen - 1 >= sizeof(addr))
		return cf_err_set(CF_EINVAL, "Source '%s/%s': artifact url '%s' does not end in its path",
				  cf_json_str(source, "kind"), cf_json_str(json_object_get(source, "metadata"), "name"), url);
	snprintf(addr, sizeof(addr), "%.*s", (int)(ulen - plen - 1), url);
	/* unpacked already for a sibling of the same revision: the digest names the bytes */
	if ((*tree = ks_trees_get(r->c->trees, digest)) != NULL) {
		snprintf(r->digest, sizeof(r->digest), "%s", digest);
		return 0;
	}
	rc = cf_bus_fetch_artifact(&data, addr, r->c->internal_token, path, digest, r->timeout_ms);
	if (rc == 0 && (rc = cf_tree_unpack(tree, data.data, data.len, (size_t)r->c->artifact_max_size, (size_t)r->c->max_files)) == 0) {
		*tree = ks_trees_add(r->c->trees, digest, *tree);
		snprintf(r->digest, sizeof(r->digest), "%s", digest);
	}
	if (rc < 0)
		cf_err_prefix("artifact '%s' of revision '%s'", path, rev);
	cf_buf_free(&data);
	return rc;
}

static void release_tree(rec *r, cf_tree *tree)
{
	ks_trees_release(r->c->trees, tree, r->c->queue != NULL && cf_workqueue_due(r->c->queue) > 0);
}

static int fetch_artifact(rec *r, cf_tree **tree)
{
	json_t *source = NULL;
	int rc;

	*tree = NULL;
	if ((rc = source_artifact(r, &source)) == 0)
		rc = fetch_tree(r, source, tree);
	json_decref(source);
	return rc;
}

/* The hash of what a build and apply of r depend on: the artifact's digest, the spec, the
 * substitution inputs (vars), and what the controller adds from its flags. */
static int build_input(char out[72], rec *r, const json_t *source, const json_t *vars)
{
	json_t *in = json_pack("{s:s?,s:O?,s:O?,s:s?,s:b,s:b}", "digest",
			       cf_json_str(json_object_get(json_object_get(source, "status"), "artifact"), "digest"),
			       "spec", r->spec, "vars", vars, "sa", r->c->default_service_account,
			       "noRemote", r->c->no_remote_bases, "noCross", r->c->no_cross_namespace_refs);
	char *text = in ? json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (text)
		cf_sha256_of(out, text, strlen(text));
	free(text);
	json_decref(in);
	return text ? 0 : -1;
}

/* Namespaced objects must say their namespace (Flux refuses the whole set otherwise). Kinds
 * the API does not know yet (their CRD is in the set) are left to the staged dry run. */
static int check_namespaces(rec *r, const json_t *objs)
{
	const json_t *o;
	size_t i;

	json_array_foreach(objs, i, o) {
		const json_t *md = json_object_get(o, "metadata");
		cf_kube_resource res;
		if (cf_json_str(md, "namespace") && cf_json_str(md, "namespace")[0])
			continue;
		if (cf_kube_resolve(r->t, &res, cf_json_str(o, "apiVersion"), cf_json_str(o, "kind")) < 0) {
			cf_err_clear();
			continue;
		}
		if (res.namespaced)
			return cf_err_set(CF_EINVAL, "%s/%s namespace not specified: set metadata.namespace or spec.targetNamespace",
					  cf_json_str(o, "kind"), cf_json_str(md, "name"));
	}
	return 0;
}

static void on_applied(const json_t *obj, const json_t *live, void *payload)
{
	rec *r = payload;
	cf_objcache_applied(r->c->cache, r->key, obj, live);
}

static int on_unchanged(const json_t *obj, void *payload)
{
	rec *r = payload;
	return cf_objcache_unchanged(r->c->cache, obj);
}

/* Parses "<ns>_<name>_<group>_<kind>" + v into a reference (buffers in ids). */
typedef struct idref {
	char ns[254], name[254], group[254], kind[128], av[400];
} idref;

static int parse_id(idref *x, const char *id, const char *v)
{
	cf_apply_id parts;

	if (cf_apply_id_parse(&parts, id) < 0)
		return -1;
	memcpy(x->ns, parts.ns, sizeof(x->ns));
	memcpy(x->name, parts.name, sizeof(x->name));
	memcpy(x->group, parts.group, sizeof(x->group));
	memcpy(x->kind, parts.kind, sizeof(x->kind));
	snprintf(x->av, sizeof(x->av), "%s%s%s", x->group, x->group[0] ? "/" : "", v ? v : "");
	return 0;
}

/* ---- health: waited for without holding a worker ---- */

#define HEALTH_POLL_MS 2000   /* the backstop; a status change of an applied object comes sooner */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What spec.wait (every applied object) and spec.healthChecks name; *out is a new array,
 * empty when nothing is checked. */
static int health_targets(rec *r, const json_t *inventory, json_t **out)
{
	json_t *targets = json_array();
	const json_t *e;
	size_t i;

	*out = NULL;
	if (targets == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (json_is_true(json_object_get(r->spec, "wait"))) {
		json_array_foreach(inventory, i, e) {
			idref x;
			if (parse_id(&x, cf_json_str(e, "id"), cf_json_str(e, "v")) == 0)
				json_array_append_new(targets, json_pack("{s:s,s:s,s:s*,s:s}", "apiVersion", x.av, "kind", x.kind,
									 "namespace", x.ns[0] ? x.ns : NULL, "name", x.name));
		}
	}
	json_array_foreach(json_object_get(r->spec, "healthChecks"), i, e) {
		const char *ns = cf_json_str(e, "namespace") ? cf_json_str(e, "namespace") : r->ns;   /* as Flux: the Kustomization's */
		if (!cf_json_str(e, "kind") || !cf_json_str(e, "name")) {
			json_decref(targets);
			return cf_err_set(CF_EINVAL, "spec.healthChecks[%zu] needs kind and name", i);
		}
		json_array_append_new(targets, json_pack("{s:s,s:s,s:s*,s:s}", "apiVersion",
							 cf_json_str(e, "apiVersion") ? cf_json_str(e, "apiVersion") : "v1", "kind", cf_json_str(e, "kind"),
							 "namespace", ns, "name", cf_json_str(e, "name")));
	}
	*out = targets;
	return 0;
}

/* The wait of this Kustomization (a new reference, or NULL), taken out of the map. */
static json_t *health_wait_take(rec *r)
{
	json_t *w;

	pthread_mutex_lock(&r->c->mu);
	w = json_incref(json_object_get(r->c->health_waits, r->key));
	json_object_del(r->c->health_waits, r->key);
	pthread_mutex_unlock(&r->c->mu);
	return w;
}

static void health_wait_put(rec *r, json_t *w)
{
	pthread_mutex_lock(&r->c->mu);
	json_object_set(r->c->health_waits, r->key, w);
	pthread_mutex_unlock(&r->c->mu);
}

/* One look at the health of what was applied (impersonating as the apply did). Returns 0
 * when healthy, 1 when not yet (*wait holds the wait to record: the one given, or a new one
 * from now until spec.timeout), or CF_ETIMEOUT with Flux's message when an object failed or
 * the deadline passed. */
static int health_look(rec *r, const json_t *inventory, json_t **wait)
{
	json_t *targets = NULL;
	cf_buf msg = CF_BUF_INIT(1u << 20);
	long long now = now_ms(), started, deadline;
	cf_health h;
	int rc;

	if ((rc = health_targets(r, inventory, &targets)) < 0 || json_array_size(targets) == 0)
		goto out;
	h = cf_health_check_refs(r->t, targets, &msg);
	if (h == CF_HEALTH_CURRENT)
		goto out;
	if (*wait && (json_integer_value(json_object_get(*wait, "generation")) != r->generation ||
		      strcmp(cf_json_str(*wait, "revision"), r->p->revision) != 0)) {
		json_decref(*wait);   /* a new revision or spec: its own timeout */
		*wait = NULL;
	}
	if (*wait == NULL)
		*wait = json_pack("{s:s,s:I,s:I,s:I}", "revision", r->p->revision, "generation", (json_int_t)r->generation,
				  "started", (json_int_t)now, "deadline", (json_int_t)(now + r->timeout_ms));
	if (*wait == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	started = json_integer_value(json_object_get(*wait, "started"));
	deadline = json_integer_value(json_object_get(*wait, "deadline"));
	if (h == CF_HEALTH_FAILED || now >= deadline)
		rc = cf_err_set(CF_ETIMEOUT, "health check failed after %.1fs: %s: [%s]", (now - started) / 1000.0,
				h == CF_HEALTH_FAILED ? "failed" : "timeout waiting for", msg.data);
	else
		rc = 1;
out:
	json_decref(targets);
	cf_buf_free(&msg);
	return rc;
}

/* Not healthy yet: Flux's Progressing status, the wait recorded, a look again soon (or when
 * an applied object changes: watch.c's drift watches enqueue it). */
static int health_progressing(rec *r, json_t *wait)
{
	char msg[MSG_MAX];
	long long left = json_integer_value(json_object_get(wait, "deadline")) - now_ms();
	const char *timeout = cf_json_str(r->spec, "timeout") ? cf_json_str(r->spec, "timeout") : cf_json_str(r->spec, "interval");

	snprintf(msg, sizeof(msg), "Running health checks for revision %s with a timeout of %s", r->p->revision, timeout);
	json_object_set_new(r->status, "lastAttemptedRevision", json_string(r->p->revision));
	cf_condition_set(r->status, CF_COND_READY, "Unknown", R_PROGRESSING, "Reconciliation in progress", r->generation);
	cf_condition_set(r->status, CF_COND_RECONCILING, "True", R_PROGRESSING, msg, r->generation);
	cf_condition_set(r->status, "Healthy", "Unknown", R_PROGRESSING, msg, r->generation);
	cf_condition_remove(r->status, CF_COND_STALLED);
	health_wait_put(r, wait);
	r->p->requeue_ms = left < HEALTH_POLL_MS ? (left > 0 ? (long)left + 5 : 5) : HEALTH_POLL_MS;
	cf_log(CF_LOG_DEBUG, "waiting for health", "object", r->key, "revision", r->p->revision, NULL);
	return 0;
}

/* What an apply of unchanged input corrected: each object it configured was modified and each
 * it created was deleted by someone else. A reconcile can run between a hand edit and the
 * drift watch's notice of it, so the apply's own changes say what drifted, not only the notice. */
static json_t *drift_from_changes(const cf_apply_result *res)
{
	static const struct { const char *did, *drift; } map[] = { { " configured", " modified" }, { " created", " deleted" } };
	json_t *out = json_array();
	const json_t *v;
	size_t i;

	json_array_foreach(res->changes, i, v) {
		const char *line = json_string_value(v);
		size_t len = strlen(line);
		for (size_t m = 0; out && m < sizeof(map) / sizeof(map[0]); m++) {
			size_t dl = strlen(map[m].did);
			if (len > dl && strcmp(line + len - dl, map[m].did) == 0)
				json_array_append_new(out, json_sprintf("%.*s%s", (int)(len - dl), line, map[m].drift));
		}
	}
	return out;
}

/* The change set for the event: one line per object created, configured, recreated or
 * deleted (Flux's format), and what drifted (the watches' notices; when there are none and the
 * input is what was applied last, the apply's own changes). */
static int change_set(cf_buf *out, const rec *r, const cf_apply_result *res, const json_t *deleted)
{
	const char *last = cf_json_str(r->status, "lastAppliedRevision");
	int same_input = last && strcmp(last, r->p->revision) == 0 &&
			 json_integer_value(json_object_get(r->status, "observedGeneration")) == r->generation;
	json_t *derived = json_array_size(r->drift) == 0 && same_input ? drift_from_changes(res) : NULL;
	const json_t *drift = derived ? derived : r->drift, *v;
	size_t i;

	json_array_foreach(res->changes, i, v) {
		const char *line = json_string_value(v);
		if (strstr(line, " unchanged") == NULL && strstr(line, " skipped") == NULL)
			cf_buf_printf(out, "%s%s", out->len ? "\n" : "", line);
	}
	json_array_foreach(deleted, i, v)
		cf_buf_printf(out, "%s%s", out->len ? "\n" : "", json_string_value(v));
	if (out->len && json_array_size(drift) > 0) {
		cf_buf_puts(out, "\ndrift corrected:");
		json_array_foreach(drift, i, v)
			cf_buf_printf(out, " %s%s", i ? ", " : "", json_string_value(v));
	}
	json_decref(derived);
	return (int)out->len;
}

/* Applied and healthy: Ready=True, an event when it was not Ready at this revision. */
static int succeed(rec *r)
{
	const json_t *ready = cf_condition_get(r->status, CF_COND_READY);
	int was_ready = ready && cf_json_str(ready, "status") && strcmp(cf_json_str(ready, "status"), "True") == 0 &&
			cf_json_str(r->status, "lastAppliedRevision") && strcmp(cf_json_str(r->status, "lastAppliedRevision"), r->p->revision) == 0;
	char msg[MSG_MAX];

	if ((json_object_get(r->spec, "wait") || json_object_get(r->spec, "healthChecks")) &&
	    cf_condition_set(r->status, "Healthy", "True", R_SUCCEEDED, "all checks passed", r->generation) < 0)
		return fail(r, R_HEALTH, 0);
	snprintf(msg, sizeof(msg), "Applied revision: %s", r->p->revision);
	json_object_set_new(r->status, "lastAppliedRevision", json_string(r->p->revision));
	json_object_set_new(r->status, "lastAttemptedRevision", json_string(r->p->revision));
	if (cf_reconcile_ready(r->p, R_SUCCEEDED, msg) < 0)
		return fail(r, R_HEALTH, 0);
	if (!was_ready)
		cf_event_emit_revision(r->k, r->c->events, r->obj, "Normal", R_SUCCEEDED, msg, r->p->revision, NULL,
				       KUSTOMIZE_CONTROLLER);
	return 0;   /* the lifecycle writes status and looks again after the interval */
}

/* A pass that applies nothing (the revision applied last, its objects as that apply left
 * them): health of the inventory only. */
static int health_only(rec *r)
{
	const json_t *inv = json_object_get(json_object_get(r->status, "inventory"), "entries");
	int rc;

	rc = impersonate(r);
	if (rc == 0)
		rc = health_look(r, inv, &r->wait);
	as_controller(r);
	if (rc < 0)
		return fail(r, R_HEALTH, 0);
	return rc == 1 ? health_progressing(r, r->wait) : succeed(r);
}

static int apply_revision(rec *r)
{
	cf_tree *tree = NULL;
	cf_kfs fs;
	json_t *objs = NULL, *vars = NULL, *deleted = NULL, *old_inv, *source = NULL;
	cf_apply_result res = { 0 };
	cf_apply_opts ao = CF_APPLY_OPTS_INIT;
	cf_buf changes = CF_BUF_INIT(1u << 20);
	const json_t *v;
	char input[72];
	size_t i;
	int rc, have_input;

	if ((rc = source_artifact(r, &source)) < 0)
		return fail(r, R_ARTIFACT, 0);
	if (json_object_get(r->spec, "postBuild") && (rc = cf_flux_load_vars(r->k, r->obj, &vars)) < 0) {
		rc = fail(r, R_BUILD, 0);
		goto out;
	}
	have_input = build_input(input, r, source, vars) == 0;
	/* the watch caches hold the objects of this cluster only: a remote set is applied each pass */
	if (have_input && !r->remote && json_array_size(r->drift) == 0 &&
	    cf_objcache_clean(r->c->cache, r->key, json_object_get(json_object_get(r->status, "inventory"), "entries"), input)) {
		cf_log(CF_LOG_DEBUG, "unchanged, not built again", "object", r->key, "revision", r->p->revision, NULL);
		rc = health_only(r);   /* nothing fetched, built or applied again */
		goto out;
	}
	cf_objcache_built(r->c->cache, r->key, NULL);   /* until this input is applied whole */
	if ((rc = fetch_tree(r, source, &tree)) < 0) {   /* a source-controller restarting: retried in seconds */
		rc = fail(r, R_ARTIFACT, rc == CF_EUNAVAIL ? CF_FAIL_SOON : 0);
		goto out;
	}
	cf_kfs_tree(&fs, tree);
	if ((r->c->no_remote_bases && (rc = cf_flux_check_remote_bases(&fs, r->obj)) < 0) ||
	    (rc = cf_flux_build(&objs, &fs, r->obj, vars)) < 0 || (rc = check_namespaces(r, objs)) < 0) {
		rc = fail(r, R_BUILD, 0);
		goto out;
	}
	ao.force = 1;   /* as Flux: the manifests own their fields */
	ao.recreate = json_is_true(json_object_get(r->spec, "force"));
	ao.wait_ms = r->timeout_ms;
	ao.concurrency = r->c->concurrent_ssa;
	if (!r->remote) {
		ao.unchanged = on_unchanged;
		ao.applied = on_applied;
	}
	ao.payload = r;
	rc = impersonate(r);
	if (rc == 0)
		rc = cf_apply_set(r->t, &res, objs, &ao);
	if (rc < 0) {
		as_controller(r);
		rc = fail(r, R_FAILED, 0);
		goto out;
	}
	json_array_foreach(r->remote ? NULL : res.inventory, i, v) {
		idref x;
		if (parse_id(&x, cf_json_str(v, "id"), cf_json_str(v, "v")) == 0 && ks_watch_kind(r->c, x.av, x.kind) < 0)
			cf_log(CF_LOG_WARN, "no drift watch", "kind", x.kind, "error", cf_err_msg(), NULL);
	}
	old_inv = json_object_get(json_object_get(r->status, "inventory"), "entries");
	/* what left the inventory is no longer watched for drift, before its prune: its deletion
	 * is ours, not drift */
	json_array_foreach(old_inv, i, v) {
		size_t j;
		const json_t *n;
		int kept = 0;
		json_array_foreach(res.inventory, j, n)
			kept |= strcmp(cf_json_str(n, "id"), cf_json_str(v, "id")) == 0;
		if (!kept)
			cf_objcache_forget_id(r->c->cache, r->key, cf_json_str(v, "id"));
	}
	if (json_is_true(json_object_get(r->spec, "prune"))) {
		as_controller(r);   /* the siblings are read as the controller */
		rc = prune(r, tree, old_inv, res.inventory, &deleted);
		if (rc == 0)
			rc = impersonate(r);
		if (rc < 0) {
			as_controller(r);
			rc = fail(r, R_PRUNE, 0);
			goto out;
		}
	}
	/* the inventory is recorded before the health check: what was applied must be pruned later */
	json_object_set_new(r->status, "inventory", json_pack("{s:O}", "entries", res.inventory));
	if (have_input && !r->remote)
		cf_objcache_built(r->c->cache, r->key, input);
	rc = health_look(r, res.inventory, &r->wait);
	as_controller(r);
	if (change_set(&changes, r, &res, deleted) > 0) {
		cf_event_emit_revision(r->k, r->c->events, r->obj, "Normal", R_PROGRESSING, changes.data, r->p->revision,
				       NULL, KUSTOMIZE_CONTROLLER);
		cf_log(CF_LOG_INFO, "applied", "object", r->key, "revision", r->p->revision, "changes", changes.data, NULL);
	}
	if (rc < 0)
		rc = fail(r, R_HEALTH, 0);
	else if (rc == 1)
		rc = health_progressing(r, r->wait);
	else
		rc = succeed(r);
out:
	cf_apply_result_free(&res);
	json_decref(deleted);
	json_decref(objs);
	json_decref(vars);
	json_decref(source);
	release_tree(r, tree);
	cf_buf_free(&changes);
	return rc;
}

/* The source's artifact revision now, into out; 0 or an error. */
static int source_revision(rec *r, char *out, size_t size)
{
	const json_t *src = json_object_get(r->spec, "sourceRef");
	const char *ns = cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : r->ns, *rev;
	json_t *source = NULL;
	int rc;

	const cf_kind *sk;

	if (cf_json_str(src, "kind") == NULL || cf_json_str(src, "name") == NULL)
		return cf_err_set(CF_EINVAL, "spec.sourceRef needs kind and name");
	if ((sk = served_source(cf_json_str(src, "kind"))) == NULL)
		return CF_EINVAL;
	rc = (source = ks_source_cached(r->c, sk->kind, ns, cf_json_str(src, "name"))) ? 0 :
	     cf_kube_get(r->k, &source, &(cf_kube_ref){ sk->api_version, sk->kind, ns, cf_json_str(src, "name") });
	rev = rc == 0 ? cf_json_str(json_object_get(json_object_get(source, "status"), "artifact"), "revision") : NULL;
	if (rc == 0 && rev == NULL)
		rc = cf_err_set(CF_ENOTFOUND, "no artifact");
	if (rc == 0)
		snprintf(out, size, "%s", rev);
	json_decref(source);
	return rc;
}

/* A pass while the health wait of the applied revision runs. When nothing asks for an apply
 * (the same generation and source revision, no drift), only health is looked at: *resumed is
 * set and the result is the pass's. Otherwise the caller applies (the wait's deadline is kept
 * for the same revision). */
static int health_resume(rec *r, int *resumed)
{
	char now[sizeof(r->p->revision)];

	*resumed = 0;
	if (r->wait == NULL || json_array_size(r->drift) > 0 ||
	    json_integer_value(json_object_get(r->wait, "generation")) != r->generation)
		return 0;
	if (source_revision(r, now, sizeof(now)) < 0 || strcmp(now, cf_json_str(r->wait, "revision")) != 0) {
		cf_err_clear();
		return 0;
	}
	*resumed = 1;
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", now);
	return health_only(r);
}

static void rec_init(rec *r, cf_reconcile *p)
{
	*r = (rec){ .p = p, .c = p->ctx, .k = p->k, .obj = p->obj, .spec = p->spec, .ns = p->ns, .name = p->name,
		    .key = p->key, .generation = p->generation, .status = p->status,
		    .interval_ms = p->interval_ms, .timeout_ms = p->timeout_ms, .t = p->k };
}

static int finalize(cf_reconcile *p)
{
	rec r;
	int rc;

	rec_init(&r, p);
	/* what drift and health waits kept of it goes with it */
	r.drift = ks_take_drift(r.c, r.key);
	r.wait = health_wait_take(&r);
	if (target_open(&r) < 0) {
		/* as Flux: a cluster that cannot be reached any more does not keep the object */
		cf_log(CF_LOG_ERROR, "unable to prune objects", "object", r.key, "error", cf_err_msg(), NULL);
		cf_err_clear();
		rc = 0;
	} else {
		rc = finalize_objects(&r);
		target_close(&r);
	}
	json_decref(r.wait);
	json_decref(r.drift);
	return rc;
}

static int reconcile_body(rec *r)
{
	int rc, resumed;

	if (cf_json_str(r->spec, "path") == NULL && json_object_get(r->spec, "path")) {
		cf_err_set(CF_EINVAL, "spec.path must be a string");
		return fail(r, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	if (cross_namespace_refused(r) < 0)
		return fail(r, R_ACCESS_DENIED, CF_FAIL_STALLED);
	if (!dependencies_ready(r)) {
		r->p->retry_ms = r->c->requeue_dependency_ms;
		return fail(r, R_DEPENDENCY, CF_FAIL_QUIET);   /* waiting is not a warning */
	}
	if ((rc = health_resume(r, &resumed)) < 0 || resumed)
		return rc;
	return apply_revision(r);
}

static int body(cf_reconcile *p)
{
	rec r;
	int rc;

	rec_init(&r, p);
	r.drift = ks_take_drift(r.c, r.key);
	r.wait = health_wait_take(&r);   /* put back only by a pass that goes on waiting */
	if (target_open(&r) < 0) {
		rc = fail(&r, R_FAILED, 0);
	} else {
		rc = reconcile_body(&r);
		target_close(&r);
	}
	json_decref(r.wait);
	json_decref(r.drift);
	return rc;
}

int kustomization_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = CF_AV_KUSTOMIZATION, .kind = cf_kind_get(CF_KIND_KUSTOMIZATION)->kind, .ns = ns, .name = name,
		.finalizer = KUSTOMIZE_FINALIZER, .retry_interval = 1,   /* timeout and retryInterval: the interval */
		.finalize = finalize, .body = body, .event = event_hook, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}
