/* common/runtime/workqueue.h - keys to reconcile, for a pool of workers: a key is never handed to two
 * workers at once, a key added while it is being processed comes back once after, delayed
 * adds (the interval) and per-key exponential backoff with jitter (failures). */
#ifndef CF_WORKQUEUE_H
#define CF_WORKQUEUE_H

#include <stddef.h>

typedef struct cf_workqueue cf_workqueue;

/* base_ms and max_ms bound the failure backoff: base * 2^failures, capped, with jitter. */
int  cf_workqueue_new(cf_workqueue **out, long base_ms, long max_ms);
/* Ready now (or sooner than a pending delayed add). */
int  cf_workqueue_add(cf_workqueue *q, const char *key);
/* Ready now, and taken before every due key not urgent itself: work that repairs what is
 * already wrong (drift of an applied object) does not wait behind a backlog of routine
 * reconciles (a new revision for every consumer). Urgent keys among themselves go by due time. */
int  cf_workqueue_add_urgent(cf_workqueue *q, const char *key);
/* Ready in delay_ms, unless it is due sooner already. */
int  cf_workqueue_add_after(cf_workqueue *q, const char *key, long delay_ms);
/* After a failure: ready after the key's backoff, which then grows. Returns the delay. */
long cf_workqueue_add_backoff(cf_workqueue *q, const char *key);
/* The same with the delay capped at max_ms (when below the queue's own cap). */
long cf_workqueue_add_backoff_max(cf_workqueue *q, const char *key, long max_ms);

/* A reconcile's *requeue_ms for a failure worth retrying soon (a peer restarting): the key's
 * backoff capped at CF_BACKOFF_SOON_MAX_MS instead of a retryInterval. */
#define CF_REQUEUE_SOON (-1L)
#define CF_BACKOFF_SOON_MAX_MS 30000L
/* After a success: the key's backoff starts over. */
void cf_workqueue_forget(cf_workqueue *q, const char *key);
/* Blocks until a key is due, copies it into key, and marks it in progress. Returns 0, or
 * CF_ESTOPPED once the queue is shut down. */
int  cf_workqueue_get(cf_workqueue *q, char *key, size_t size);
/* The worker is done with key. */
void cf_workqueue_done(cf_workqueue *q, const char *key);
/* Wakes every waiting worker with CF_ESTOPPED. */
void cf_workqueue_shutdown(cf_workqueue *q);
/* Keys known to the queue (due, delayed or in progress). */
size_t cf_workqueue_len(cf_workqueue *q);
/* Keys due now and not in progress (what workers would take next). */
size_t cf_workqueue_due(cf_workqueue *q);
/* 1 when no key is in progress and none is due now (the workers have nothing to do). */
int  cf_workqueue_idle(cf_workqueue *q);
/* Sets workqueue_depth (runtime/metrics.h) of each queue name: the keys due now, not in
 * progress. A metrics collector (queue: a cf_workqueue). */
void cf_workqueue_collect(void *queue);
/* Safe on NULL; call after the workers have stopped. */
void cf_workqueue_free(cf_workqueue *q);

#endif
