/* common/runtime/controller.c - a controller's kind table: work keys and watch events. */
#include "runtime/controller.h"

#include "runtime/objstore.h"
#include "runtime/worker.h"
#include "util/err.h"
#include "util/log.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cf_kind_handler *cf_kind_table_find(const cf_kind_table *t, const char *kind)
{
	for (size_t i = 0; kind && i < t->n; i++) {
		const cf_kind *k = cf_kind_get(t->rows[i].kind);
		if (k && strcmp(k->kind, kind) == 0)
			return &t->rows[i];
	}
	return NULL;
}

int cf_work_key(char *key, size_t size, cf_kind_id kind, const char *ns, const char *name)
{
	const cf_kind *k = cf_kind_get(kind);
	int n;

	if (k == NULL)
		return cf_err_set(CF_EINVAL, "work key: kind %d is not in the kind table", (int)kind);
	n = snprintf(key, size, "%s/%s/%s", k->kind, ns, name);
	if (n < 0 || (size_t)n >= size)
		return cf_err_set(CF_EINVAL, "work key %s/%s/%s: longer than %zu bytes", k->kind, ns, name, size - 1);
	return 0;
}

int cf_work_key_parse(char *key, const cf_kind_table *t, const cf_kind_handler **row, const char **ns,
		      const char **name)
{
	char *s1 = strchr(key, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	*row = NULL;
	if (s1 == NULL || s2 == NULL || s1 == key || s2 == s1 + 1 || s2[1] == '\0' || strchr(s2 + 1, '/'))
		return cf_err_set(CF_EINVAL, "work key \"%s\" is not Kind/namespace/name", key);
	*s1 = '\0';
	*row = cf_kind_table_find(t, key);
	if (*row == NULL || (*row)->reconcile == NULL) {
		*s1 = '/';
		*row = NULL;
		return cf_err_set(CF_EINVAL, "work key \"%s\": not a kind this controller reconciles", key);
	}
	*s2 = '\0';
	*ns = s1 + 1;
	*name = s2 + 1;
	return 0;
}

void cf_work_enqueue_name(cf_workqueue *q, cf_kind_id kind, const char *ns, const char *name)
{
	char key[CF_WORK_KEY_MAX];

	if (ns && name && cf_work_key(key, sizeof(key), kind, ns, name) == 0)
		cf_workqueue_add(q, key);
}

void cf_work_enqueue(cf_workqueue *q, cf_kind_id kind, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");

	cf_work_enqueue_name(q, kind, json_string_value(json_object_get(md, "namespace")),
			     json_string_value(json_object_get(md, "name")));
}

int cf_kind_watch_event(const cf_kind_handler *row, void *ctx, cf_workqueue *q, const char *type,
			const json_t *obj)
{
	if (row->cached)
		cf_objstore_event(type, obj);
	if (row->on_event)
		row->on_event(ctx, cf_kind_get(row->kind), type, obj);
	if (row->wants_reconcile && row->reconcile && row->wants_reconcile(type, obj))
		cf_work_enqueue(q, row->kind, obj);
	return 0;
}

/* ---- a controller's process ---- */

/* The process's controller: the workers' and watches' clients are made from it (one per process,
 * as the signal handler's stop flag). */
static const cf_controller_def *running;

const char *cf_watch_label_selector;

int cf_controller_client(const cf_controller_def *d, cf_kube **k)
{
	return cf_kube_new_for(k, *d->bind.kubeconfig, *d->bind.context, d->name);
}

static int running_client(void *ctx, cf_kube **k)
{
	(void)ctx;
	return cf_controller_client(running, k);
}

/* The token, the queue and the events socket, then the controller's setup (*setup_ran says
 * whether its teardown is due). */
static int controller_open(const cf_controller_def *d, int *setup_ran)
{
	if (*d->bind.internal_token_file &&
	    cf_bus_token_load(d->bind.internal_token, *d->bind.internal_token_file) < 0)
		return -1;
	if (cf_workqueue_new(d->bind.queue, 1000, *d->requeue_max_ms) < 0)
		return -1;
	cf_metrics_set_collector(cf_workqueue_collect, *d->bind.queue);
	for (size_t i = 0; i < d->kinds->n; i++) {
		if (d->kinds->rows[i].reconcile)
			cf_metrics_init_controller(cf_kind_get(d->kinds->rows[i].kind)->kind);
		if (d->kinds->rows[i].cached && cf_objstore_keep(cf_kind_get(d->kinds->rows[i].kind)->kind) < 0)
			return -1;
	}
	if (d->events && (cf_bus_pub_open(d->events, *d->bind.events_addr, 1) < 0 ||
			  cf_bus_pub_set_token(*d->events, *d->bind.internal_token) < 0))
		return -1;
	*setup_ran = 1;
	return d->setup ? d->setup(d->ctx) : 0;
}

/* From the signal to the last thread joined. */
static void controller_stop(const cf_controller_def *d, pthread_t **workers, cf_kind_watches *watches)
{
	cf_wait_for_stop(d->bind.stop);
	cf_health_stopping();
	if (d->stopping)
		d->stopping(d->ctx);
	cf_worker_pool_join(*workers, *d->workers, *d->bind.queue);
	*workers = NULL;
	cf_kind_watches_join(watches);
	if (d->join)
		d->join(d->ctx);
}

/* Two malloc arenas, not one per thread that allocates (glibc allows 8 per core): an idle
 * kustomize-controller's anonymous memory goes from 4.3 to 2.8 MiB, and a busy one loses
 * little (its threads mostly wait on the network). And a fixed mmap threshold: glibc raises
 * it to the size of each large block freed (up to 32 MiB), after which blocks of that size come
 * from the arena and stay resident once freed; fixed at 128 KiB, a list reply, a build or an
 * artifact chunk is given back to the system when freed rather than kept in the arena.
 * MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ in the environment win. */
static void tune_malloc(void)
{
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's allocator is not glibc's: nothing to tune */
#else
	if (getenv("MALLOC_ARENA_MAX") == NULL && mallopt(M_ARENA_MAX, 2) != 1)
		cf_log(CF_LOG_WARN, "malloc arenas not bounded", NULL);
	if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL && mallopt(M_MMAP_THRESHOLD, 128 * 1024) != 1)
		cf_log(CF_LOG_WARN, "malloc mmap threshold not fixed", NULL);
#endif
}

int cf_controller_main(const cf_controller_def *d, int argc, char **argv)
{
	static cf_worker worker;
	cf_kind_watches *watches = NULL;
	cf_leader *leader = NULL;
	pthread_t *workers = NULL;
	int rc, setup_ran = 0;

	tune_malloc();   /* before the first thread */
	rc = cf_controller_flags(d->flags, d->nflags, argc, argv, d->name, d->usage, d->bind.log_level);
	if (rc >= 0)
		return rc;
	running = d;
	rc = 1;
	cf_stop_on_signals(d->bind.stop);
	/* the endpoints first: a standby answers /healthz too (its pod must not be restarted for
	 * waiting), and /readyz says 503 until it leads and its watches listed */
	cf_health_expect_watches((int)d->kinds->n);
	if (cf_metrics_serve() < 0)
		goto fail;
	if (cf_leader_acquire(&leader, &cf_leader_flags, d->name, *d->bind.kubeconfig, *d->bind.context,
			      d->bind.stop) < 0)
		goto fail;
	if (*d->bind.stop) {   /* stopped as a standby */
		rc = 0;
		goto out;
	}
	if (controller_open(d, &setup_ran) < 0)
		goto fail;
	worker = (cf_worker){ *d->bind.queue, running_client, d->kinds, d->ctx };
	if (cf_worker_pool_start(&workers, *d->workers, &worker) < 0 ||
	    cf_kind_watches_start(&watches, d->kinds, *d->bind.watch_namespace, cf_watch_label_selector, *d->bind.queue, running_client, d->ctx,
				  d->bind.stop) < 0 ||
	    (d->run && d->run(d->ctx) < 0))
		goto fail;
	controller_stop(d, &workers, watches);
	rc = 0;
	goto out;
fail:
	cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
	*d->bind.stop = 1;
	cf_kind_watches_join(watches);
out:
	cf_worker_pool_join(workers, *d->workers, *d->bind.queue);   /* only after a failed start */
	if (setup_ran && d->teardown)
		d->teardown(d->ctx);
	cf_leader_release(leader);
	if (d->events)
		cf_bus_pub_free(*d->events);
	cf_metrics_serve_stop();
	cf_metrics_reset();
	cf_objstore_reset();
	cf_workqueue_free(*d->bind.queue);
	cf_bus_token_free(*d->bind.internal_token);
	return rc;
}
