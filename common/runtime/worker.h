/* common/runtime/worker.h - the reconcile loop every controller's workers run: take a
 * "Kind/ns/name" key, reconcile it by the row of its Kind (runtime/controller.h) with the
 * worker's own API client, back off on failure, requeue after the interval on success; and the
 * watches that feed the queue, one per row. */
#ifndef CF_WORKER_H
#define CF_WORKER_H

#include "kube/kube.h"
#include "util/flags.h"

#include <pthread.h>
#include "runtime/controller.h"
#include "runtime/workqueue.h"

typedef struct cf_worker {
	cf_workqueue *queue;
	/* a new API client for one worker thread */
	int (*new_client)(void *ctx, cf_kube **k);
	/* the kinds: a key's Kind picks the row whose reconcile runs (a key of no row is logged
	 * and dropped) */
	const cf_kind_table *kinds;
	void *ctx;
} cf_worker;

/* A pthread start routine (arg: a cf_worker that outlives it); returns when the queue is
 * shut down. */
void *cf_worker_run(void *arg);

/* n threads running cf_worker_run(w); *threads is for cf_worker_pool_join. */
int  cf_worker_pool_start(pthread_t **threads, long n, cf_worker *w);
/* Shuts the queue down, lets the reconciles in flight finish, joins and frees the threads. */
void cf_worker_pool_join(pthread_t *threads, long n, cf_workqueue *q);

/* A controller's start: parses its flags and sets the log level from log_level (the flag's
 * value after parsing). Returns -1 to go on, else the exit status (0 after --help, 2 after an
 * error, printed as "<name>: <error>"). */
int  cf_controller_flags(const cf_flag *flags, size_t n, int argc, char **argv, const char *name,
			 const char *usage, const char *const *log_level);

/* SIGTERM and SIGINT set *stop (the process then finishes what is in flight); SIGPIPE is
 * ignored. Then cf_wait_for_stop() returns once *stop is set. */
void cf_stop_on_signals(volatile int *stop);
void cf_wait_for_stop(volatile int *stop);

/* A watch that lasts until *stop: (re)creates its client with new_client(ctx), and after a
 * failure (the CRDs are not installed yet, the API server is down) waits and starts again.
 * on_state (may be NULL) hears 1 once a watch has listed (it is in sync; again after a
 * relist) and 0 when it fails or ends. */
typedef struct cf_watcher {
	cf_kube_ref ref;
	const char *label_selector;
	cf_kube_watch_cb cb;
	void *payload;
	int (*new_client)(void *ctx, cf_kube **k);
	void *ctx;
	void (*on_state)(int watching, void *payload);
	volatile int *stop;
} cf_watcher;

/* A pthread start routine (arg: a cf_watcher that outlives it). */
void *cf_watcher_run(void *arg);

/* A watch per row of a kind table, in namespace ns (NULL: all), each event handled by
 * cf_kind_watch_event(row, ctx, q, ...); the rows with a reconcile only see objects matching the
 * label selector (NULL or "": all). */
typedef struct cf_kind_watches cf_kind_watches;
/* Starts the threads; *out is for cf_kind_watches_join. On failure *out is NULL and *stop is
 * set (the process is ending: the threads started already end, and are joined). */
int  cf_kind_watches_start(cf_kind_watches **out, const cf_kind_table *t, const char *ns, const char *selector,
			   cf_workqueue *q,
			   int (*new_client)(void *ctx, cf_kube **k), void *ctx, volatile int *stop);
/* Joins the threads (they end once *stop is set) and frees w. Safe on NULL. */
void cf_kind_watches_join(cf_kind_watches *w);

/* The source-controller's new-artifact notices (ARTIFACT_READY on its PUB address), heard
 * until *stop: the fast path from a new revision to its consumers (a lost one costs latency:
 * the watches are the backstop). The SUB socket is dialed again while addr does not answer. */
typedef struct cf_notice_listener {
	const char *addr;
	/* each notice's source Kind, namespace, name, revision and artifact digest (never NULL;
	 * "" when the notice has none) */
	void (*on_ready)(void *payload, const char *kind, const char *ns, const char *name, const char *revision,
			 const char *digest);
	void *payload;
	volatile int *stop;
} cf_notice_listener;

/* A pthread start routine (arg: a cf_notice_listener that outlives it). */
void *cf_notice_listener_run(void *arg);

#endif
