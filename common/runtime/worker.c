/* common/runtime/worker.c - the reconcile loop of a worker thread. */
#include "runtime/worker.h"

#include "bus/bus.h"
#include "runtime/metrics.h"

#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* controller-runtime's reconcile metrics of one pass: its result (error, requeue_after when it
 * asks to be looked at again, success) and time. */
static void reconcile_metrics(const char *c, int rc, long requeue, double seconds)
{
	const char *result = rc < 0 ? "error" : requeue > 0 ? "requeue_after" : "success";

	cf_metric_add(CF_M_RECONCILE_TOTAL, (const char *[]){ c, result }, 1);
	if (rc < 0)
		cf_metric_add(CF_M_RECONCILE_ERRORS, (const char *[]){ c }, 1);
	cf_metric_observe(CF_M_RECONCILE_TIME, (const char *[]){ c }, seconds);
}

/* The workers have just run out of work: the allocator's free pages go back to the system.
 * glibc returns memory only from the top of each arena (and mmap'd blocks), so after a burst
 * (a fetch, a build, a fleet's applies) the free pages below what is still allocated stay
 * resident until the next burst reuses them: 1 MiB of a source-controller after one fetch.
 * malloc_trim(0) gives every whole free page of every arena back; it runs once per idle
 * transition, not per reconcile. AddressSanitizer's allocator is not glibc's. */
static void release_memory(void)
{
#if !defined(__SANITIZE_ADDRESS__)
	malloc_trim(0);
#endif
}

void *cf_worker_run(void *arg)
{
	const cf_worker *w = arg;
	cf_kube *k = NULL;
	char key[CF_WORK_KEY_MAX];

	while (cf_workqueue_get(w->queue, key, sizeof(key)) == 0) {
		char parts[CF_WORK_KEY_MAX];
		const cf_kind_handler *row;
		const char *ns, *name;
		long requeue = 0;
		int rc;

		snprintf(parts, sizeof(parts), "%s", key);
		if (cf_work_key_parse(parts, w->kinds, &row, &ns, &name) < 0) {
			cf_log(CF_LOG_ERROR, "work key dropped", "error", cf_err_msg(), NULL);
			cf_workqueue_done(w->queue, key);
			continue;
		}
		if (k == NULL && w->new_client(w->ctx, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client", "error", cf_err_msg(), NULL);
			cf_workqueue_add_backoff(w->queue, key);
			cf_workqueue_done(w->queue, key);
			continue;
		}
		{
			char c[128];
			double t0 = cf_metrics_clock();
			cf_metrics_controller(c, sizeof(c), cf_kind_get(row->kind)->kind);
			cf_metric_add(CF_M_ACTIVE_WORKERS, (const char *[]){ c }, 1);
			rc = row->reconcile(w->ctx, k, ns, name, &requeue);
			cf_metric_add(CF_M_ACTIVE_WORKERS, (const char *[]){ c }, -1);
			reconcile_metrics(c, rc, requeue, cf_metrics_clock() - t0);
		}
		if (rc < 0) {
			/* the reconcile's retry (a retryInterval) when it names one, else the backoff (short
			 * for CF_REQUEUE_SOON) */
			long delay = requeue;
			char d[32], obj[CF_WORK_KEY_MAX];
			if (requeue > 0) {
				cf_workqueue_forget(w->queue, key);
				cf_workqueue_add_after(w->queue, key, requeue);
			} else if (requeue == CF_REQUEUE_SOON) {
				delay = cf_workqueue_add_backoff_max(w->queue, key, CF_BACKOFF_SOON_MAX_MS);
			} else {
				delay = cf_workqueue_add_backoff(w->queue, key);
			}
			snprintf(d, sizeof(d), "%ldms", delay);
			snprintf(obj, sizeof(obj), "%s/%s", ns, name);
			cf_log(CF_LOG_WARN, "reconcile failed", "object", obj, "kind", cf_kind_get(row->kind)->kind,
			       "error", cf_err_msg(), "retry", d, NULL);
		} else {
			cf_workqueue_forget(w->queue, key);
			if (requeue > 0)
				cf_workqueue_add_after(w->queue, key, requeue);
		}
		cf_workqueue_done(w->queue, key);
		if (cf_workqueue_idle(w->queue))
			release_memory();
	}
	cf_kube_free(k);
	return NULL;
}

/* A watch has listed: it is in sync. */
static void watcher_listed(void *arg)
{
	const cf_watcher *w = arg;

	if (w->on_state)
		w->on_state(1, w->payload);
}

void *cf_watcher_run(void *arg)
{
	const cf_watcher *w = arg;
	cf_kube_watch_opts o = CF_KUBE_WATCH_OPTS_INIT;
	cf_kube *k = NULL;

	o.stop = w->stop;
	o.on_listed = watcher_listed;
	o.listed_payload = (void *)w;
	o.label_selector = w->label_selector;
	while (!*w->stop) {
		if (k == NULL && w->new_client(w->ctx, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client", "error", cf_err_msg(), NULL);
			for (int i = 0; i < 50 && !*w->stop; i++)
				usleep(100000);
			continue;
		}
		if (cf_kube_watch(k, &w->ref, &o, w->cb, w->payload) < 0 && !*w->stop) {
			if (w->on_state)
				w->on_state(0, w->payload);
			cf_log(CF_LOG_ERROR, "watch failed; retrying", "kind", w->ref.kind, "error", cf_err_msg(), NULL);
			for (int i = 0; i < 50 && !*w->stop; i++)
				usleep(100000);
		}
	}
	if (w->on_state)
		w->on_state(0, w->payload);
	cf_kube_free(k);
	return NULL;
}

struct cf_kind_watches {
	size_t n;
	struct kind_watch {
		const cf_kind_handler *row;
		void *ctx;
		cf_workqueue *q;
		cf_watcher w;
		pthread_t thread;
		int synced;
	} *each;
};

/* A watch in sync (listed) the first time counts for readiness (runtime/metrics.h). */
static void kind_watch_state(int watching, void *payload)
{
	struct kind_watch *kw = payload;

	if (watching && !kw->synced) {
		kw->synced = 1;
		cf_health_watch_synced();
	}
}

static int kind_watch_cb(const char *type, json_t *obj, void *payload)
{
	const struct kind_watch *kw = payload;

	return cf_kind_watch_event(kw->row, kw->ctx, kw->q, type, obj);
}

int cf_kind_watches_start(cf_kind_watches **out, const cf_kind_table *t, const char *ns, const char *selector,
			  cf_workqueue *q,
			  int (*new_client)(void *ctx, cf_kube **k), void *ctx, volatile int *stop)
{
	cf_kind_watches *ws = cf_calloc(1, sizeof(*ws));

	*out = NULL;
	if (ws == NULL || (ws->each = cf_calloc(t->n, sizeof(*ws->each))) == NULL) {
		cf_free(ws);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < t->n; i++) {
		struct kind_watch *kw = &ws->each[i];
		const cf_kind *k = cf_kind_get(t->rows[i].kind);
		*kw = (struct kind_watch){ &t->rows[i], ctx, q, { { k->api_version, k->kind, ns, NULL },
			t->rows[i].reconcile && selector && selector[0] ? selector : NULL,
			kind_watch_cb, kw, new_client, ctx, kind_watch_state, stop }, 0, 0 };
		if (pthread_create(&kw->thread, NULL, cf_watcher_run, &kw->w) != 0) {
			*stop = 1;   /* the started ones end, as at shutdown */
			cf_kind_watches_join(ws);
			return cf_err_set(CF_ERR, "cannot start the watch threads");
		}
		ws->n = i + 1;
	}
	*out = ws;
	return 0;
}

void cf_kind_watches_join(cf_kind_watches *ws)
{
	if (ws == NULL)
		return;
	for (size_t i = 0; i < ws->n; i++)
		pthread_join(ws->each[i].thread, NULL);
	cf_free(ws->each);
	cf_free(ws);
}

int cf_worker_pool_start(pthread_t **threads, long n, cf_worker *w)
{
	*threads = cf_calloc((size_t)n, sizeof(**threads));
	if (*threads == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (long i = 0; i < n; i++)
		if (pthread_create(&(*threads)[i], NULL, cf_worker_run, w) != 0) {
			cf_worker_pool_join(*threads, i, w->queue);
			*threads = NULL;
			return cf_err_set(CF_ERR, "cannot start worker threads");
		}
	return 0;
}

void cf_worker_pool_join(pthread_t *threads, long n, cf_workqueue *q)
{
	if (threads == NULL)
		return;
	cf_workqueue_shutdown(q);
	for (long i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	cf_free(threads);
}

static volatile int *stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_flag)
		*stop_flag = 1;
}

void cf_stop_on_signals(volatile int *stop)
{
	struct sigaction sa;

	stop_flag = stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void cf_wait_for_stop(volatile int *stop)
{
	while (!*stop)
		usleep(100000);   /* not pause(): a signal between the test and the call would be lost */
	cf_log(CF_LOG_INFO, "stopping: finishing reconciles in flight", NULL);
}

int cf_controller_flags(const cf_flag *flags, size_t n, int argc, char **argv, const char *name,
			const char *usage, const char *const *log_level)
{
	cf_log_level level;
	int rc = cf_flags_parse(flags, n, argc, argv, usage);

	if (rc == 1)
		return 0;
	if (rc < 0 || cf_log_parse_level(&level, *log_level) < 0 || cf_log_set_encoding(cf_log_encoding_flag) < 0) {
		fprintf(stderr, "%s: %s\n", name, cf_err_msg());
		return 2;
	}
	cf_log_set_level(level);
	return -1;
}

void *cf_notice_listener_run(void *arg)
{
	cf_notice_listener *l = arg;
	cf_bus_sub *sub = NULL;
	cf_buf scratch = CF_BUF_INIT(1u << 20);

	while (!*l->stop) {
		cf_bus_msg m;
		if (sub == NULL && cf_bus_sub_open(&sub, l->addr, 0) < 0) {
			sleep(1);
			continue;
		}
		if (cf_bus_sub_recv(sub, &m, &scratch, 200) < 0)
			continue;
		if (m.type == CF_BUS_ARTIFACT_READY && m.kind && m.namespace && m.name) {
			cf_log(CF_LOG_DEBUG, "new artifact", "source", m.name, "namespace", m.namespace,
			       "revision", m.revision, NULL);
			l->on_ready(l->payload, m.kind, m.namespace, m.name, m.revision ? m.revision : "",
				   m.digest ? m.digest : "");
		}
	}
	cf_bus_sub_free(sub);
	cf_buf_free(&scratch);
	return NULL;
}
