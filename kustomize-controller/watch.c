/* kustomize-controller/watch.c - what makes a Kustomization reconcile: its own changes, its
 * source's new artifacts (nng notices, and a watch as the backstop), its dependencies becoming
 * ready, and drift of the objects it applied. */
#include "controller.h"

#include "runtime/condition.h"
#include "runtime/depends.h"
#include "runtime/worker.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 512
#define OWNED_SELECTOR "kustomize.toolkit.fluxcd.io/name"

/* key: "ns/name" of a Kustomization; the work key is "Kustomization/ns/name". Urgent: ahead
 * of every routine reconcile due (drift). */
static void enqueue_as(ks_ctl *c, const char *key, int urgent)
{
	const char *slash = strchr(key, '/');
	char ns[KEY_MAX], wkey[CF_WORK_KEY_MAX];

	if (slash == NULL || (size_t)(slash - key) >= sizeof(ns))
		return;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	if (!urgent)
		cf_work_enqueue_name(c->queue, CF_KIND_KUSTOMIZATION, ns, slash + 1);
	else if (cf_work_key(wkey, sizeof(wkey), CF_KIND_KUSTOMIZATION, ns, slash + 1) == 0)
		cf_workqueue_add_urgent(c->queue, wkey);
}

static void enqueue(ks_ctl *c, const char *key)
{
	enqueue_as(c, key, 0);
}

void ks_on_kustomization(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");

	(void)kind;
	if (ns == NULL || name == NULL)
		return;
	ks_index_update(ctx, type, obj);
	if (strcmp(type, "DELETED") != 0 && cf_condition_ready_at_generation(obj))
		ks_enqueue_dependents(ctx, "Kustomization", ns, name);
}

void ks_on_helmrelease(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");

	(void)kind;
	if (ns && name && strcmp(type, "DELETED") != 0 && cf_condition_ready_at_generation(obj))
		ks_enqueue_dependents(ctx, "HelmRelease", ns, name);
}

/* ---- the sources as their watch last saw them ----
 * "Kind/ns/name" -> {"kind", "metadata": {name, namespace}, "status": {"artifact"}}, and
 * "notified": the revision of the last new-artifact notice when the watch has not shown a new
 * artifact of it since. A reconcile reads its source here instead of with a GET; a notice that
 * comes before the watch event makes it read the API until the watch catches up. */

static void source_key(char *out, size_t size, const char *kind, const char *ns, const char *name)
{
	snprintf(out, size, "%s/%s/%s", kind, ns, name);
}

static int same_artifact(const json_t *a, const json_t *b)
{
	static const char *const fields[] = { "digest", "revision", "url", "path" };

	if (a == NULL || b == NULL)
		return a == b;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *x = cf_json_str(a, fields[i]), *y = cf_json_str(b, fields[i]);
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

void ks_on_source(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	ks_ctl *c = ctx;
	const json_t *md = json_object_get(obj, "metadata");
	const json_t *art = json_object_get(json_object_get(obj, "status"), "artifact");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	char key[KEY_MAX];
	json_t *entry;
	int moved;

	if (ns == NULL || name == NULL)
		return;
	source_key(key, sizeof(key), kind->kind, ns, name);
	pthread_mutex_lock(&c->mu);
	entry = json_object_get(c->sources, key);
	moved = !same_artifact(json_object_get(json_object_get(entry, "status"), "artifact"), art);
	if (strcmp(type, "DELETED") == 0) {
		json_object_del(c->sources, key);
		moved = 0;
	} else {
		const char *notified = cf_json_str(entry, "notified");
		json_t *copy = json_pack("{s:s,s:{s:s,s:s},s:{s:O*}}", "kind", kind->kind, "metadata", "name", name,
					 "namespace", ns, "status", "artifact", art);
		/* a notice stays until the watch shows a new artifact of its revision (a stored-again
		 * artifact keeps its revision and gets a new digest) */
		if (copy && notified && !(moved && art && cf_json_str(art, "revision") &&
					  strcmp(cf_json_str(art, "revision"), notified) == 0))
			json_object_set_new(copy, "notified", json_string(notified));
		if (copy == NULL || json_object_set_new(c->sources, key, copy) < 0)
			json_object_del(c->sources, key);   /* without memory: read from the API */
	}
	pthread_mutex_unlock(&c->mu);
	/* only a new artifact (or its new address) wakes the consumers: a status write of the
	 * source's own (conditions, lastHandledReconcileAt) changes nothing for them */
	if (moved && art)
		ks_enqueue_for_source(c, kind->kind, ns, name);
}

void ks_source_notified(ks_ctl *c, const char *kind, const char *ns, const char *name, const char *revision,
			const char *digest)
{
	char key[KEY_MAX];
	json_t *entry, *art;

	if (kind == NULL || ns == NULL || name == NULL || revision == NULL)
		return;
	source_key(key, sizeof(key), kind, ns, name);
	pthread_mutex_lock(&c->mu);
	/* even of the revision cached: a source-controller that stored it again (a new digest)
	 * or announces it on start. The notice usually comes after the status write it announces,
	 * and the watch has shown that artifact already: then the cache is current (without the
	 * digest to compare, a notice of the cached revision is not trusted to be: it leaves the
	 * entry read from the API until the source moves). */
	entry = json_object_get(c->sources, key);
	art = json_object_get(json_object_get(entry, "status"), "artifact");
	if (entry && digest && digest[0] && cf_json_str(art, "revision") && cf_json_str(art, "digest") &&
	    strcmp(cf_json_str(art, "revision"), revision) == 0 && strcmp(cf_json_str(art, "digest"), digest) == 0)
		entry = NULL;
	if (entry)
		json_object_set_new(entry, "notified", json_string(revision));
	pthread_mutex_unlock(&c->mu);
}

json_t *ks_source_cached(ks_ctl *c, const char *kind, const char *ns, const char *name)
{
	char key[KEY_MAX];
	json_t *entry, *out = NULL;

	source_key(key, sizeof(key), kind, ns, name);
	pthread_mutex_lock(&c->mu);
	entry = json_object_get(c->sources, key);
	if (entry && json_object_get(entry, "notified") == NULL &&
	    json_object_get(json_object_get(entry, "status"), "artifact")) {
		out = json_deep_copy(entry);
		json_object_del(out, "notified");
	}
	pthread_mutex_unlock(&c->mu);
	return out;
}

void ks_index_update(ks_ctl *c, const char *type, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata"), *spec = json_object_get(obj, "spec");
	const json_t *src = json_object_get(spec, "sourceRef");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	char key[KEY_MAX], buf[KEY_MAX];
	json_t *e, *deps;

	if (ns == NULL || name == NULL)
		return;
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	pthread_mutex_lock(&c->mu);
	if (strcmp(type, "DELETED") == 0) {
		json_object_del(c->index, key);
		json_object_del(c->drift, key);
		json_object_del(c->builds, key);
		pthread_mutex_unlock(&c->mu);
		cf_objcache_built(c->cache, key, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s/%s/%s", cf_json_str(src, "kind") ? cf_json_str(src, "kind") : "GitRepository",
		 cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : ns, cf_json_str(src, "name") ? cf_json_str(src, "name") : "");
	deps = cf_dependency_keys(json_object_get(spec, "dependsOn"), ns, CF_KIND_KUSTOMIZATION);
	e = json_pack("{s:s,s:o*,s:I,s:b}", "source", buf, "deps", deps, "gen", json_is_integer(json_object_get(md, "generation")) ?
		      json_integer_value(json_object_get(md, "generation")) : -1,
		      "deleting", json_object_get(md, "deletionTimestamp") != NULL);
	if (e)
		json_object_set_new(c->index, key, e);
	pthread_mutex_unlock(&c->mu);
}

long long ks_index_generation(ks_ctl *c, const char *key)
{
	long long gen;

	pthread_mutex_lock(&c->mu);
	gen = json_is_integer(json_object_get(json_object_get(c->index, key), "gen")) ?
	      json_integer_value(json_object_get(json_object_get(c->index, key), "gen")) : -1;
	pthread_mutex_unlock(&c->mu);
	return gen;
}

json_t *ks_keys_for_source(ks_ctl *c, const char *kind, const char *ns, const char *name, int live_only)
{
	char want[KEY_MAX];
	const char *key;
	json_t *e, *keys = json_array();

	snprintf(want, sizeof(want), "%s/%s/%s", kind, ns, name);
	pthread_mutex_lock(&c->mu);
	json_object_foreach(c->index, key, e)
		if (keys && cf_json_str(e, "source") && strcmp(cf_json_str(e, "source"), want) == 0 &&
		    !(live_only && json_is_true(json_object_get(e, "deleting"))))
			json_array_append_new(keys, json_string(key));
	pthread_mutex_unlock(&c->mu);
	return keys;
}

void ks_enqueue_for_source(ks_ctl *c, const char *kind, const char *ns, const char *name)
{
	json_t *e, *keys = ks_keys_for_source(c, kind, ns, name, 0);
	size_t i;

	json_array_foreach(keys, i, e)
		enqueue(c, json_string_value(e));
	json_decref(keys);
}

void ks_enqueue_dependents(ks_ctl *c, const char *kind, const char *ns, const char *name)
{
	char want[KEY_MAX];
	const char *key;
	json_t *e, *d, *keys = json_array();
	size_t i;

	snprintf(want, sizeof(want), "%s/%s/%s", kind, ns, name);
	pthread_mutex_lock(&c->mu);
	json_object_foreach(c->index, key, e)
		json_array_foreach(json_object_get(e, "deps"), i, d)
			if (strcmp(json_string_value(d), want) == 0)
				json_array_append_new(keys, json_string(key));
	pthread_mutex_unlock(&c->mu);
	json_array_foreach(keys, i, e)
		enqueue(c, json_string_value(e));
	json_decref(keys);
}

json_t *ks_take_drift(ks_ctl *c, const char *key)
{
	json_t *d;

	pthread_mutex_lock(&c->mu);
	d = json_incref(json_object_get(c->drift, key));
	json_object_del(c->drift, key);
	pthread_mutex_unlock(&c->mu);
	return d ? d : json_array();
}

/* Enqueues owner if it waits for health (a status change of its objects may end the wait). */
static void enqueue_if_waiting(ks_ctl *c, const char *owner)
{
	int waiting;

	pthread_mutex_lock(&c->mu);
	waiting = json_object_get(c->health_waits, owner) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (waiting)
		enqueue(c, owner);
}

/* ---- drift watches ---- */

typedef struct kind_watch {
	ks_ctl *c;
	char api_version[256];
	char kind[128];
	cf_watcher w;
} kind_watch;

static int client(void *ctx, cf_kube **k)
{
	return ks_new_client(ctx, k);
}

/* Only a kind whose watch runs may skip unchanged objects. */
static void on_state(int watching, void *payload)
{
	kind_watch *w = payload;
	cf_objcache_set_watched(w->c->cache, w->api_version, w->kind, watching);
}

static int on_owned(const char *type, json_t *obj, void *payload)
{
	kind_watch *w = payload;
	char owner[KEY_MAX], what[700];

	if (cf_objcache_observe(w->c->cache, type, obj, owner, sizeof(owner), what, sizeof(what))) {
		json_t *list;
		cf_log(CF_LOG_INFO, "drift detected", "object", what, "kustomization", owner, NULL);
		pthread_mutex_lock(&w->c->mu);
		list = json_object_get(w->c->drift, owner);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(w->c->drift, owner, list);
		}
		if (json_array_size(list) < 100)
			json_array_append_new(list, json_string(what));
		pthread_mutex_unlock(&w->c->mu);
		enqueue_as(w->c, owner, 1);
	} else if (strcmp(type, "DELETED") != 0) {
		/* not drift, but maybe the status its owner's health check waits for */
		const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
		const char *ons = cf_json_str(labels, "kustomize.toolkit.fluxcd.io/namespace"), *oname = cf_json_str(labels, OWNED_SELECTOR);
		if (ons && oname && (size_t)snprintf(owner, sizeof(owner), "%s/%s", ons, oname) < sizeof(owner))
			enqueue_if_waiting(w->c, owner);
	}
	return 0;
}

static void *kind_watch_thread(void *arg)
{
	kind_watch *w = arg;

	cf_watcher_run(&w->w);
	cf_free(w);
	return NULL;
}

int ks_watch_kind(ks_ctl *c, const char *api_version, const char *kind)
{
	char key[512];
	kind_watch *w;
	pthread_t *grown;
	int rc = 0;

	snprintf(key, sizeof(key), "%s/%s", api_version, kind);
	pthread_mutex_lock(&c->mu);
	if (json_object_get(c->watches, key) || c->stop)
		goto out;
	w = cf_calloc(1, sizeof(*w));
	grown = cf_realloc(c->watch_threads, (c->nwatch_threads + 1) * sizeof(*grown));
	if (w == NULL || grown == NULL) {
		cf_free(w);
		if (grown)
			c->watch_threads = grown;
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	c->watch_threads = grown;
	w->c = c;
	snprintf(w->api_version, sizeof(w->api_version), "%s", api_version);
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	w->w = (cf_watcher){ { w->api_version, w->kind, NULL, NULL }, OWNED_SELECTOR, on_owned, w, client, c,
			     on_state, &c->stop };
	if (pthread_create(&c->watch_threads[c->nwatch_threads], NULL, kind_watch_thread, w) != 0) {
		cf_free(w);
		rc = cf_err_set(CF_ERR, "cannot start a watch thread");
		goto out;
	}
	c->nwatch_threads++;
	json_object_set_new(c->watches, key, json_true());
	cf_log(CF_LOG_DEBUG, "watching for drift", "kind", key, NULL);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}
