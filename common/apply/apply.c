/* common/apply/apply.c - staged server-side apply, inventory and prune. */
#include "apply/apply.h"

#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void describe(char *out, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace");

	snprintf(out, size, "%s/%s%s%s", cf_json_str(obj, "kind") ? cf_json_str(obj, "kind") : "?", ns ? ns : "", ns ? "/" : "",
		 cf_json_str(md, "name") ? cf_json_str(md, "name") : "?");
}

int cf_apply_inventory_id(char *out, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *av = cf_json_str(obj, "apiVersion"), *kind = cf_json_str(obj, "kind"), *name = cf_json_str(md, "name");
	const char *ns = cf_json_str(md, "namespace"), *slash;

	if (av == NULL || kind == NULL || name == NULL)
		return cf_err_set(CF_EINVAL, "object without apiVersion, kind or metadata.name");
	slash = strchr(av, '/');
	snprintf(out, size, "%s_%s_%.*s_%s", ns ? ns : "", name, slash ? (int)(slash - av) : 0, av, kind);
	return 0;
}

static void default_protocols(json_t *ports)
{
	size_t i;
	json_t *p;

	json_array_foreach(ports, i, p)
		if (json_is_object(p) && json_object_get(p, "protocol") == NULL)
			json_object_set_new(p, "protocol", json_string("TCP"));
}

static void default_pod_spec(json_t *spec)
{
	static const char *const lists[] = { "containers", "initContainers", "ephemeralContainers" };
	size_t i;
	json_t *c;

	for (size_t l = 0; l < 3; l++)
		json_array_foreach(json_object_get(spec, lists[l]), i, c)
			default_protocols(json_object_get(c, "ports"));
}

void cf_apply_defaults(json_t *objs)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o) {
		const char *kind = cf_json_str(o, "kind");
		json_t *spec = json_object_get(o, "spec");
		if (kind == NULL || spec == NULL)
			continue;
		if (strcmp(kind, "Service") == 0)
			default_protocols(json_object_get(spec, "ports"));
		else if (strcmp(kind, "Pod") == 0)
			default_pod_spec(spec);
		else if (strcmp(kind, "CronJob") == 0)
			default_pod_spec(json_object_get(json_object_get(json_object_get(json_object_get(
				json_object_get(spec, "jobTemplate"), "spec"), "template"), "spec"), "spec"));
		else if (json_object_get(spec, "template"))
			default_pod_spec(json_object_get(json_object_get(spec, "template"), "spec"));
	}
}

static int first_stage(const json_t *o)
{
	const char *kind = cf_json_str(o, "kind");
	return kind && (strcmp(kind, "CustomResourceDefinition") == 0 || strcmp(kind, "Namespace") == 0);
}

/* Waits until a CRD is Established or a Namespace is Active. */
static int wait_ready(cf_kube *k, const json_t *o, long wait_ms)
{
	const char *kind = cf_json_str(o, "kind"), *name = cf_json_str(json_object_get(o, "metadata"), "name");
	struct timespec ts = { 0, 100 * 1000000L };

	for (long t = 0; t <= wait_ms; t += 100) {
		json_t *live = NULL, *c;
		size_t i;
		int ok = 0;

		if (cf_kube_get(k, &live, &(cf_kube_ref){ cf_json_str(o, "apiVersion"), kind, NULL, name }) == 0) {
			if (strcmp(kind, "Namespace") == 0)
				ok = cf_json_str(json_object_get(live, "status"), "phase") &&
				     strcmp(cf_json_str(json_object_get(live, "status"), "phase"), "Active") == 0;
			else
				json_array_foreach(json_object_get(json_object_get(live, "status"), "conditions"), i, c)
					if (cf_json_str(c, "type") && strcmp(cf_json_str(c, "type"), "Established") == 0 &&
					    cf_json_str(c, "status") && strcmp(cf_json_str(c, "status"), "True") == 0)
						ok = 1;
		}
		json_decref(live);
		if (ok)
			return 0;
		nanosleep(&ts, NULL);
	}
	return cf_err_set(CF_ETIMEOUT, "%s %s not ready after %ld ms", kind, name, wait_ms);
}

json_t *cf_apply_comparable(const json_t *obj)
{
	json_t *c = json_deep_copy(obj), *md = json_object_get(c, "metadata");

	json_object_del(md, "managedFields");
	json_object_del(md, "resourceVersion");
	json_object_del(md, "generation");
	json_object_del(c, "status");
	return c;
}

enum { ST_APPLY, ST_UNCHANGED, ST_SKIP, ST_RECREATE };

static int annotation_is(const json_t *obj, const char *key, const char *value)
{
	const char *v = cf_json_str(json_object_get(json_object_get(obj, "metadata"), "annotations"), key);
	return v && strcasecmp(v, value) == 0;
}

static void ref_of(cf_kube_ref *ref, const json_t *o)
{
	ref->api_version = cf_json_str(o, "apiVersion");
	ref->kind = cf_json_str(o, "kind");
	ref->namespace = cf_json_str(json_object_get(o, "metadata"), "namespace");
	ref->name = cf_json_str(json_object_get(o, "metadata"), "name");
}

static int note(cf_apply_result *res, const json_t *o, const char *what)
{
	char desc[600], line[700];

	describe(desc, sizeof(desc), o);
	snprintf(line, sizeof(line), "%s %s", desc, what);
	return json_array_append_new(res->changes, json_string(line)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}

/* Deletes o and waits until it is gone, so that it can be created again. */
static int delete_for_recreate(cf_kube *k, const json_t *o, long wait_ms)
{
	struct timespec ts = { 0, 100 * 1000000L };
	cf_kube_ref ref;
	int rc;

	ref_of(&ref, o);
	if ((rc = cf_kube_delete(k, &ref, "Foreground")) < 0 && rc != CF_ENOTFOUND)
		return rc;
	for (long t = 0; t <= wait_ms; t += 100) {
		if ((rc = cf_kube_get(k, NULL, &ref)) == CF_ENOTFOUND)
			return 0;
		if (rc < 0)
			return rc;
		nanosleep(&ts, NULL);
	}
	return cf_err_set(CF_ETIMEOUT, "still being deleted after %ld ms (recreating it for an immutable field)", wait_ms);
}

/* Applies one object unless dry (the server's dry-run result for it) equals the live object,
 * in which case nothing is written: an unchanged re-reconcile costs reads only. *what says
 * what happened ("created", "configured", "unchanged", "skipped", "recreated"); the caller
 * tallies it (in the set's order, whichever thread applied it). */
static int apply_one(cf_kube *k, json_t *o, const json_t *dry, int state, const cf_apply_opts *opts,
		     const char **what)
{
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube_ref ref;
	json_t *live = NULL, *out = NULL, *a, *b;
	int rc, existed, same;

	if (state == ST_UNCHANGED || state == ST_SKIP) {
		*what = state == ST_SKIP ? "skipped" : "unchanged";
		return 0;
	}
	ao.field_manager = opts->field_manager;
	ao.force = opts->force && !annotation_is(o, CF_APPLY_SSA_ANNOTATION, "Merge");
	ref_of(&ref, o);
	if (state == ST_RECREATE && (rc = delete_for_recreate(k, o, opts->wait_ms)) < 0)
		return rc;
	/* a dry run of a create comes back without a resourceVersion: no need to look */
	if (state == ST_APPLY && json_is_object(dry) &&
	    json_object_get(json_object_get(dry, "metadata"), "resourceVersion") == NULL)
		rc = CF_ENOTFOUND;
	else
		rc = cf_kube_get(k, &live, &ref);
	if (rc < 0 && rc != CF_ENOTFOUND)
		return rc;
	existed = rc == 0;
	a = existed ? cf_apply_comparable(live) : NULL;
	b = existed && json_is_object(dry) ? cf_apply_comparable(dry) : NULL;
	same = a && b && json_equal(a, b);
	json_decref(a);
	json_decref(b);
	rc = same ? 0 : cf_kube_apply(k, &out, o, &ao);
	if (rc == 0 && opts->applied)
		opts->applied(o, same ? live : out, opts->payload);
	json_decref(live);
	json_decref(out);
	if (rc < 0)
		return rc;
	*what = state == ST_RECREATE ? "recreated" : !existed ? "created" : same ? "unchanged" : "configured";
	return 0;
}

/* What apply_one did, counted and noted. */
static int tally(cf_apply_result *res, const json_t *o, const char *what)
{
	if (strcmp(what, "created") == 0)
		res->created++;
	else if (strcmp(what, "configured") == 0 || strcmp(what, "recreated") == 0)
		res->configured++;
	else if (strcmp(what, "skipped") == 0)
		res->skipped++;
	else
		res->unchanged++;
	return note(res, o, what);
}

/* An apply the API refuses because an immutable field changed (from its Status, see kube.h). */
static int immutable_error(const cf_kube *k, int rc)
{
	return rc == CF_EINVAL && cf_kube_last_immutable(k);
}

/* The server-side dry run of obj into *result; CF_ENOTFOUND (its CRD or namespace comes in
 * the first stage) leaves null there when allow_missing is set. An immutable-field refusal
 * marks the object for recreation when that is allowed. */
static int dry_run(cf_kube *k, json_t **result, int *state, json_t *obj, const cf_kube_apply_opts *dry,
		   int allow_missing, const cf_apply_opts *o)
{
	int rc = cf_kube_apply(k, result, obj, dry);

	if ((rc == CF_ENOTFOUND || rc == CF_ENOTSERVED) && allow_missing) {
		cf_err_clear();
		return 0;
	}
	if (immutable_error(k, rc) && (o->recreate || annotation_is(obj, CF_APPLY_FORCE_ANNOTATION, "Enabled"))) {
		cf_err_clear();
		*state = ST_RECREATE;
		return 0;
	}
	return rc;
}

/* The stage-two dry run of an object whose kind may have just been made by a CRD of stage
 * one: the apiserver marks a CRD Established a moment before its discovery serves the kind
 * (more so on a loaded server), so "no matches for kind" is asked again for up to settle_ms
 * (0 when the set brought no CRD: an unknown kind then fails at once). */
static int dry_run_settled(cf_kube *k, json_t **result, int *state, json_t *obj,
			   const cf_kube_apply_opts *dry, const cf_apply_opts *o, long settle_ms)
{
	struct timespec ts = { 0, 200 * 1000000L };
	int rc;

	for (long waited = 0;; waited += 200) {
		rc = dry_run(k, result, state, obj, dry, 0, o);
		if (rc != CF_ENOTSERVED || waited >= settle_ms)
			return rc;
		cf_err_clear();
		nanosleep(&ts, NULL);
	}
}

/* What to do with obj before any request: unchanged since the last apply, or skipped by its
 * ssa annotation (Ignore; IfNotPresent when it exists). */
static int plan(cf_kube *k, const json_t *obj, const cf_apply_opts *o, int *state)
{
	cf_kube_ref ref;
	int rc;

	*state = ST_APPLY;
	if (annotation_is(obj, CF_APPLY_SSA_ANNOTATION, "Ignore")) {
		*state = ST_SKIP;
	} else if (annotation_is(obj, CF_APPLY_SSA_ANNOTATION, "IfNotPresent")) {
		ref_of(&ref, obj);
		rc = cf_kube_get(k, NULL, &ref);
		if (rc == 0)
			*state = ST_SKIP;
		else if (rc != CF_ENOTFOUND && rc != CF_ENOTSERVED)
			return rc;
	} else if (o->unchanged && o->unchanged(obj, o->payload)) {
		*state = ST_UNCHANGED;
	}
	return 0;
}

/* ---- the passes over a set, in parallel up to cf_apply_opts.concurrency ---- */

enum { PASS_DRY, PASS_DRY_SETTLED, PASS_APPLY };

/* One pass over the objects of a set that it concerns: each by the next free thread (the
 * caller's with k, the others with k's helpers); after a failure no object is started. */
typedef struct pass {
	int kind, stage;
	json_t *objs, *dries;
	int *state;
	const cf_apply_opts *o;
	const cf_kube_apply_opts *dry;
	long settle_ms;
	json_t **dry_out;     /* PASS_DRY*: results by index, moved into dries after */
	const char **what;    /* PASS_APPLY: what apply_one did, by index */
	int *rc;              /* by index: a failure */
	char **msg;           /* its message */
	size_t next, n;
	int failed;
	pthread_mutex_t mu;
} pass;

static int pass_wants(const pass *p, size_t i)
{
	const json_t *obj = json_array_get(p->objs, i);

	switch (p->kind) {
	case PASS_DRY:
		return 1;
	case PASS_DRY_SETTLED:   /* stage two's objects whose kind or namespace came in stage one */
		return !first_stage(obj) && p->state[i] == ST_APPLY && json_is_null(json_array_get(p->dries, i));
	default:
		return first_stage(obj) == (p->stage == 1);
	}
}

static int pass_item(pass *p, cf_kube *k, size_t i)
{
	json_t *obj = json_array_get(p->objs, i);
	int rc;

	switch (p->kind) {
	case PASS_DRY:
		/* the whole set first, so that a bad object stops the revision before anything
		 * moves; objects of kinds or namespaces the set itself creates can only be checked
		 * after their first stage, so they are dry-run then */
		if ((rc = plan(k, obj, p->o, &p->state[i])) < 0 || p->state[i] != ST_APPLY)
			return rc;
		return dry_run(k, &p->dry_out[i], &p->state[i], obj, p->dry, !first_stage(obj), p->o);
	case PASS_DRY_SETTLED:
		return dry_run_settled(k, &p->dry_out[i], &p->state[i], obj, p->dry, p->o, p->settle_ms);
	default:
		return apply_one(k, obj, json_array_get(p->dries, i), p->state[i], p->o, &p->what[i]);
	}
}

static void pass_work(pass *p, cf_kube *k)
{
	for (;;) {
		size_t i;
		int rc;

		pthread_mutex_lock(&p->mu);
		while (p->next < p->n && !pass_wants(p, p->next))
			p->next++;
		if (p->failed || p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if ((rc = pass_item(p, k, i)) < 0) {
			char *m = cf_strdup(cf_err_msg());
			pthread_mutex_lock(&p->mu);
			p->rc[i] = rc;
			p->msg[i] = m;   /* NULL without memory: the code alone */
			p->failed = 1;
			pthread_mutex_unlock(&p->mu);
			cf_err_clear();
		}
	}
}

typedef struct pass_thread { pass *p; cf_kube *k; } pass_thread;

static void *pass_thread_main(void *arg)
{
	pass_thread *t = arg;

	pass_work(t->p, t->k);
	return NULL;
}

/* Runs pass kind (stage) over objs; on a failure *at is the first failing object (by index)
 * and its error is recorded here. */
static int pass_run(pass *p, cf_kube *k, int kind, int stage, size_t *at)
{
	pthread_t th[CF_KUBE_HELPERS_MAX];
	pass_thread args[CF_KUBE_HELPERS_MAX];
	size_t want = 0, i;
	long threads = p->o->concurrency;
	int started = 0, rc = 0;

	p->kind = kind;
	p->stage = stage;
	p->next = 0;
	p->failed = 0;
	for (i = 0; i < p->n; i++)
		want += pass_wants(p, i) ? 1 : 0;
	if (threads > (long)want)
		threads = (long)want;
	if (threads > CF_KUBE_HELPERS_MAX + 1)
		threads = CF_KUBE_HELPERS_MAX + 1;
	for (int t = 1; t < threads; t++) {
		if (cf_kube_helper(k, t - 1, &args[started].k) < 0) {   /* fewer threads, not a failure */
			cf_err_clear();
			break;
		}
		args[started].p = p;
		if (pthread_create(&th[started], NULL, pass_thread_main, &args[started]) != 0)
			break;
		started++;
	}
	pass_work(p, k);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (i = 0; i < p->n && rc == 0; i++)
		if (p->rc[i] < 0) {
			rc = cf_err_set(p->rc[i], "%s", p->msg[i] ? p->msg[i] : cf_err_str(p->rc[i]));
			*at = i;
		}
	/* the dry-run results, also those of a pass that failed (freed with dries) */
	for (i = 0; kind != PASS_APPLY && i < p->n; i++)
		if (p->dry_out[i]) {
			if (json_array_set_new(p->dries, i, p->dry_out[i]) < 0 && rc == 0)
				rc = cf_err_set(CF_ENOMEM, "out of memory");
			p->dry_out[i] = NULL;
		}
	return rc;
}

/* Flux's apply order (fluxcd/pkg/ssa ReconcileOrder): these kinds first, in this order, the
 * webhook configurations last, the rest between; ties by group, kind, namespace, name. */
static int reconcile_rank(const char *kind)
{
	static const char *const first[] = { "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterClass",
		"RuntimeClass", "PriorityClass", "StorageClass", "VolumeSnapshotClass", "IngressClass", "GatewayClass",
		"ClusterRoleBinding", "ResourceQuota", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret",
		"Service", "LimitRange", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget" };
	static const char *const last[] = { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" };
	const size_t nf = sizeof(first) / sizeof(first[0]);

	for (size_t i = 0; kind && i < nf; i++)
		if (strcmp(kind, first[i]) == 0)
			return (int)i - (int)nf;
	for (size_t i = 0; kind && i < sizeof(last) / sizeof(last[0]); i++)
		if (strcmp(kind, last[i]) == 0)
			return 1 + (int)i;
	return 0;
}

static int str_cmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int reconcile_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	const char *ka = cf_json_str(a, "kind"), *kb = cf_json_str(b, "kind");
	const char *ava = cf_json_str(a, "apiVersion"), *avb = cf_json_str(b, "apiVersion");
	const char *sa = ava ? strchr(ava, '/') : NULL, *sb = avb ? strchr(avb, '/') : NULL;
	size_t ga = sa ? (size_t)(sa - ava) : 0, gb = sb ? (size_t)(sb - avb) : 0;
	int c = reconcile_rank(ka) - reconcile_rank(kb);

	if (c != 0)
		return c;
	if ((c = strncmp(sa ? ava : "", sb ? avb : "", ga < gb ? ga : gb)) != 0 || (c = (ga > gb) - (ga < gb)) != 0)
		return c;
	if ((c = str_cmp0(ka, kb)) != 0)
		return c;
	if ((c = str_cmp0(cf_json_str(json_object_get(a, "metadata"), "namespace"),
			  cf_json_str(json_object_get(b, "metadata"), "namespace"))) != 0)
		return c;
	return str_cmp0(cf_json_str(json_object_get(a, "metadata"), "name"), cf_json_str(json_object_get(b, "metadata"), "name"));
}

int cf_apply_sort(json_t *objs)
{
	size_t n = json_array_size(objs), i;
	json_t **v;

	if (n < 2)
		return 0;
	if ((v = cf_calloc(n, sizeof(*v))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(objs, i));
	qsort(v, n, sizeof(*v), reconcile_cmp);
	json_array_clear(objs);
	for (i = 0; i < n; i++)
		json_array_append_new(objs, v[i]);
	cf_free(v);
	return 0;
}

int cf_apply_set(cf_kube *k, cf_apply_result *res, json_t *given, const cf_apply_opts *o)
{
	cf_kube_apply_opts dry = CF_KUBE_APPLY_OPTS_INIT;
	json_t *objs = json_array();   /* given's objects in Flux's order (given keeps its own) */
	size_t i, n = json_array_size(given), at = (size_t)-1;
	pass p = { .objs = objs, .o = o, .dry = &dry, .n = n };
	json_t *obj = NULL;
	int rc = 0, crds_applied = 0;

	memset(res, 0, sizeof(*res));
	if (o == NULL || o->version != CF_APPLY_OPTS_VERSION)
		return cf_err_set(CF_EINVAL, "cf_apply_opts version mismatch");
	pthread_mutex_init(&p.mu, NULL);
	p.dries = json_array();   /* dry-run results, index by index with objs */
	p.state = cf_calloc(n ? n : 1, sizeof(*p.state));
	p.dry_out = cf_calloc(n ? n : 1, sizeof(*p.dry_out));
	p.what = cf_calloc(n ? n : 1, sizeof(*p.what));
	p.rc = cf_calloc(n ? n : 1, sizeof(*p.rc));
	p.msg = cf_calloc(n ? n : 1, sizeof(*p.msg));
	res->inventory = json_array();
	res->changes = json_array();
	if (p.dries == NULL || p.state == NULL || p.dry_out == NULL || p.what == NULL || p.rc == NULL || p.msg == NULL ||
	    res->inventory == NULL || res->changes == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if (objs == NULL || json_array_extend(objs, given) < 0) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	cf_apply_defaults(objs);
	if ((rc = cf_apply_sort(objs)) < 0)
		goto out;
	dry.field_manager = o->field_manager;
	dry.force = o->force;
	dry.dry_run = 1;
	json_array_foreach(objs, i, obj) {
		const char *av = cf_json_str(obj, "apiVersion");
		char id[600];
		if ((rc = cf_apply_inventory_id(id, sizeof(id), obj)) < 0)
			goto out;
		if (json_array_append_new(res->inventory, json_pack("{s:s,s:s}", "id", id, "v",
					  strchr(av, '/') ? strchr(av, '/') + 1 : av)) < 0 ||
		    json_array_append_new(p.dries, json_null()) < 0) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			goto out;
		}
	}
	obj = NULL;
	if ((rc = pass_run(&p, k, PASS_DRY, 0, &at)) < 0)
		goto out;
	for (int stage = 1; stage <= 2; stage++) {
		/* stage two is validated whole before any of it is written */
		p.settle_ms = crds_applied ? o->wait_ms : 0;
		if (stage == 2 && (rc = pass_run(&p, k, PASS_DRY_SETTLED, stage, &at)) < 0)
			goto out;
		rc = pass_run(&p, k, PASS_APPLY, stage, &at);
		/* what was applied is told in the set's order, also when a later object failed */
		json_array_foreach(objs, i, obj)
			if (p.what[i] && first_stage(obj) == (stage == 1) && tally(res, obj, p.what[i]) < 0 && rc == 0)
				rc = CF_ENOMEM;
		obj = NULL;
		if (rc < 0)
			goto out;
		if (stage == 1)
			json_array_foreach(objs, i, obj) {
				if (!first_stage(obj) || p.state[i] == ST_SKIP)
					continue;
				if ((rc = wait_ready(k, obj, o->wait_ms)) < 0)
					goto out;
				crds_applied |= strcmp(cf_json_str(obj, "kind"), "CustomResourceDefinition") == 0;
			}
		obj = NULL;
	}
out:
	if (rc < 0) {
		char desc[600];
		if (obj == NULL && at != (size_t)-1)
			obj = json_array_get(objs, at);
		if (obj)
			describe(desc, sizeof(desc), obj);
		cf_err_prefix("%s", obj ? desc : "apply");
		cf_apply_result_free(res);
	}
	for (i = 0; p.msg && i < n; i++)
		cf_free(p.msg[i]);
	for (i = 0; p.dry_out && i < n; i++)
		json_decref(p.dry_out[i]);
	json_decref(p.dries);
	cf_free(p.state);
	cf_free(p.dry_out);
	cf_free(p.what);
	cf_free(p.rc);
	cf_free(p.msg);
	pthread_mutex_destroy(&p.mu);
	json_decref(objs);
	return rc;
}

static int in_inventory(const json_t *inv, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(inv, i, e)
		if (cf_json_str(e, "id") && strcmp(cf_json_str(e, "id"), id) == 0)
			return 1;
	return 0;
}

int cf_apply_id_parse(cf_apply_id *out, const char *id)
{
	char *f[4] = { out->ns, out->name, out->group, out->kind };
	size_t caps[4] = { sizeof(out->ns), sizeof(out->name), sizeof(out->group), sizeof(out->kind) };
	const char *p = id;

	for (int i = 0; p && i < 4; i++) {
		const char *u = i < 3 ? strchr(p, '_') : p + strlen(p);
		size_t n;
		if (u == NULL)
			return CF_EINVAL;
		n = (size_t)(u - p);
		if (n >= caps[i])
			return CF_EINVAL;
		memcpy(f[i], p, n);
		f[i][n] = '\0';
		p = u + (i < 3);
	}
	return p && out->name[0] && out->kind[0] ? 0 : CF_EINVAL;
}

int cf_apply_id_describe(char *out, size_t size, const char *id)
{
	cf_apply_id x;

	if (id == NULL || cf_apply_id_parse(&x, id) < 0)
		return cf_err_set(CF_EINVAL, "'%s' is not an inventory id", id ? id : "");
	snprintf(out, size, "%s/%s%s%s", x.kind, x.ns, x.ns[0] ? "/" : "", x.name);
	return 0;
}

/* NULL when live carries every owner label with its value, else why not (into why). */
static const char *not_owned(char *why, size_t size, const json_t *live, const json_t *owner_labels)
{
	const json_t *labels = json_object_get(json_object_get(live, "metadata"), "labels"), *want;
	const char *key, *have;

	json_object_foreach((json_t *)owner_labels, key, want) {
		have = cf_json_str(labels, key);
		if (have && json_string_value(want) && strcmp(have, json_string_value(want)) == 0)
			continue;
		if (have)
			snprintf(why, size, "label %s is '%s', not '%s'", key, have, json_string_value(want));
		else
			snprintf(why, size, "label %s is not set", key);
		return why;
	}
	return NULL;
}

/* DELETE with the uid and resourceVersion of live as preconditions: an object changed since it
 * was read (another owner adopting it) is not deleted; the API answers CF_ECONFLICT. */
static int delete_unchanged(cf_kube *k, const cf_kube_ref *ref, const json_t *live)
{
	const json_t *md = json_object_get(live, "metadata");
	cf_kube_resource res;
	char prefix[400], path[1200];
	json_t *opts;
	char *body;
	int rc;

	if ((rc = cf_kube_resolve(k, &res, ref->api_version, ref->kind)) < 0)
		return rc;
	if (res.group[0])
		snprintf(prefix, sizeof(prefix), "/apis/%s/%s", res.group, res.version);
	else
		snprintf(prefix, sizeof(prefix), "/api/%s", res.version);
	if (res.namespaced)
		snprintf(path, sizeof(path), "%s/namespaces/%s/%s/%s", prefix, ref->namespace ? ref->namespace : "",
			 res.plural, ref->name);
	else
		snprintf(path, sizeof(path), "%s/%s/%s", prefix, res.plural, ref->name);
	opts = json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}", "kind", "DeleteOptions", "apiVersion", "v1",
			 "propagationPolicy", "Background", "preconditions", "uid", cf_json_str(md, "uid") ? cf_json_str(md, "uid") : "",
			 "resourceVersion", cf_json_str(md, "resourceVersion") ? cf_json_str(md, "resourceVersion") : "");
	body = opts ? json_dumps(opts, JSON_COMPACT) : NULL;
	json_decref(opts);
	if (body == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_kube_request(k, NULL, "DELETE", path, "application/json", body, strlen(body));
	cf_free(body);
	return rc;
}

/* Prunes one object that left the inventory. Returns 1 if deleted, 0 if left, < 0 on error. */
static int prune_one(cf_kube *k, const cf_kube_ref *ref, const char *desc, json_t *skipped,
		     const cf_apply_prune_opts *o)
{
	char why[600], line[1500];
	int rc = CF_ECONFLICT;

	/* a conflict: the object changed between the read and the delete, so look again */
	for (int attempt = 0; attempt < 3 && rc == CF_ECONFLICT; attempt++) {
		json_t *live = NULL;
		const char *ann, *reason;

		cf_err_clear();
		if ((rc = cf_kube_get(k, &live, ref)) < 0)   /* gone, or its CRD is: nothing to delete */
			return rc == CF_ENOTFOUND || rc == CF_ENOTSERVED ? 0 : rc;
		ann = cf_json_str(json_object_get(json_object_get(live, "metadata"), "annotations"), CF_APPLY_PRUNE_ANNOTATION);
		reason = o->owner_labels ? not_owned(why, sizeof(why), live, o->owner_labels) : NULL;
		if (reason) {
			snprintf(line, sizeof(line), "%s not pruned: %s", desc, reason);
			if (skipped)
				json_array_append_new(skipped, json_string(line));
		}
		if (reason || (ann && strcmp(ann, "disabled") == 0)) {
			json_decref(live);
			return 0;
		}
		rc = delete_unchanged(k, ref, live);
		json_decref(live);
	}
	if (rc == CF_ENOTFOUND)
		return 0;
	return rc < 0 ? rc : 1;
}

int cf_apply_prune(cf_kube *k, json_t **deleted, json_t **skipped, const json_t *old_inv, const json_t *new_inv,
		   const cf_apply_prune_opts *o)
{
	size_t i;
	json_t *e;
	int rc = 0;

	if (deleted)
		*deleted = json_array();
	if (skipped)
		*skipped = json_array();
	if (o == NULL || o->version != CF_APPLY_PRUNE_OPTS_VERSION)
		return cf_err_set(CF_EINVAL, "cf_apply_prune_opts version mismatch");
	json_array_foreach(old_inv, i, e) {
		const char *id = cf_json_str(e, "id"), *v = cf_json_str(e, "v");
		cf_apply_id x;
		char av[320], desc[800];

		if (id == NULL || v == NULL || in_inventory(new_inv, id))
			continue;
		if (cf_apply_id_parse(&x, id) < 0)
			continue;
		if (o->keep && o->keep(id, o->payload))
			continue;
		snprintf(av, sizeof(av), "%s%s%s", x.group, x.group[0] ? "/" : "", v);
		snprintf(desc, sizeof(desc), "%s/%s%s%s", x.kind, x.ns, x.ns[0] ? "/" : "", x.name);
		cf_kube_ref ref = { av, x.kind, x.ns[0] ? x.ns : NULL, x.name };
		if ((rc = prune_one(k, &ref, desc, skipped ? *skipped : NULL, o)) < 0)
			return cf_err_prefix("prune %s", desc);
		if (rc == 1 && deleted) {
			char line[820];
			snprintf(line, sizeof(line), "%s deleted", desc);
			json_array_append_new(*deleted, json_string(line));
		}
		rc = 0;
	}
	return rc;
}

void cf_apply_result_free(cf_apply_result *r)
{
	json_decref(r->inventory);
	json_decref(r->changes);
	r->inventory = r->changes = NULL;
}
