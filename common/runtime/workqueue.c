/* common/runtime/workqueue.c - a small keyed work queue (a few hundred objects: linear scans).
 * Its metrics (runtime/metrics.h) are controller-runtime's, by queue name: the lowercase Kind of
 * the key ("Kustomization/ns/a": "kustomization"). An add is counted when it schedules a key
 * that was not waiting already (new, or in progress); the queue duration runs from the time a
 * key is due to its get, the work duration from its get to its done. */
#include "runtime/workqueue.h"

#include "runtime/metrics.h"
#include "util/alloc.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ST_QUEUED, ST_ACTIVE, ST_ACTIVE_DIRTY };

typedef struct item {
	char *key;
	int state;
	long long due_ms;    /* for QUEUED, and the requeue time for ACTIVE_DIRTY */
	int failures;
	int urgent;          /* taken before every other due key (cf_workqueue_add_urgent) */
	double due_s;        /* due_ms, finer: for the queue duration */
	double started_s;    /* when the worker got it: for the work duration */
} item;

struct cf_workqueue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	item *items;
	size_t n, cap;
	long base_ms, max_ms;
	int stopped;
	unsigned seed;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cf_workqueue_new(cf_workqueue **out, long base_ms, long max_ms)
{
	cf_workqueue *q = cf_calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	*out = NULL;
	if (q == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	q->base_ms = base_ms > 0 ? base_ms : 1000;
	q->max_ms = max_ms > q->base_ms ? max_ms : q->base_ms;
	q->seed = (unsigned)time(NULL);
	*out = q;
	return 0;
}

/* The queue name of key: its Kind, lowercase ("default" for a key without one). */
static void queue_name(char *out, size_t size, const char *key)
{
	const char *slash = strchr(key, '/');
	char kind[128];

	if (slash == NULL || slash == key) {
		snprintf(out, size, "default");
		return;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - key < 127 ? slash - key : 127), key);
	cf_metrics_controller(out, size, kind);
}

static void observe(cf_metric_id m, const char *key, double v)
{
	char name[128];

	queue_name(name, sizeof(name), key);
	if (m == CF_M_WORKQUEUE_ADDS)
		cf_metric_add(m, (const char *[]){ name }, v);
	else
		cf_metric_observe(m, (const char *[]){ name }, v < 0 ? 0 : v);
}

static item *find(cf_workqueue *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->items[i].key, key) == 0)
			return &q->items[i];
	return NULL;
}

static int schedule(cf_workqueue *q, const char *key, long delay_ms, int urgent)
{
	long long due = now_ms() + (delay_ms > 0 ? delay_ms : 0);
	double due_s = cf_metrics_clock() + (delay_ms > 0 ? (double)delay_ms / 1000 : 0);
	int added = 1;
	item *it;

	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it == NULL) {
		if (q->n == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 16;
			item *l = cf_realloc(q->items, cap * sizeof(*l));
			if (l == NULL) {
				pthread_mutex_unlock(&q->lock);
				return cf_err_set(CF_ENOMEM, "out of memory");
			}
			q->items = l;
			q->cap = cap;
		}
		it = &q->items[q->n];
		it->key = cf_strdup(key);
		if (it->key == NULL) {
			pthread_mutex_unlock(&q->lock);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
		it->state = ST_QUEUED;
		it->due_ms = due;
		it->due_s = due_s;
		it->failures = 0;
		it->urgent = urgent;
		q->n++;
	} else if (it->state == ST_ACTIVE) {
		it->state = ST_ACTIVE_DIRTY;
		it->due_ms = due;
		it->due_s = due_s;
		it->urgent |= urgent;
	} else {
		added = 0;
		it->urgent |= urgent;
		if (due < it->due_ms) {
			it->due_ms = due;
			it->due_s = due_s;
		}
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	if (added)
		observe(CF_M_WORKQUEUE_ADDS, key, 1);
	return 0;
}

int cf_workqueue_add(cf_workqueue *q, const char *key)
{
	return schedule(q, key, 0, 0);
}

int cf_workqueue_add_urgent(cf_workqueue *q, const char *key)
{
	return schedule(q, key, 0, 1);
}

int cf_workqueue_add_after(cf_workqueue *q, const char *key, long delay_ms)
{
	return schedule(q, key, delay_ms, 0);
}

long cf_workqueue_add_backoff(cf_workqueue *q, const char *key)
{
	return cf_workqueue_add_backoff_max(q, key, q->max_ms);
}

long cf_workqueue_add_backoff_max(cf_workqueue *q, const char *key, long max_ms)
{
	item *it;
	long delay;
	int failures = 0;

	if (max_ms > q->max_ms || max_ms <= 0)
		max_ms = q->max_ms;
	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it)
		failures = it->failures++;
	delay = q->base_ms;
	for (int i = 0; i < failures && delay < max_ms; i++)
		delay *= 2;
	if (delay > max_ms)
		delay = max_ms;
	/* jitter: between 3/4 and 5/4 of the delay, so that failures do not march in step */
	delay = delay * 3 / 4 + (long)(rand_r(&q->seed) % (unsigned)(delay / 2 + 1));
	pthread_mutex_unlock(&q->lock);
	schedule(q, key, delay, 0);
	if (it == NULL) {   /* first failure of a key not known yet */
		pthread_mutex_lock(&q->lock);
		if ((it = find(q, key)) != NULL)
			it->failures = 1;
		pthread_mutex_unlock(&q->lock);
	}
	return delay;
}

void cf_workqueue_forget(cf_workqueue *q, const char *key)
{
	item *it;

	pthread_mutex_lock(&q->lock);
	if ((it = find(q, key)) != NULL)
		it->failures = 0;
	pthread_mutex_unlock(&q->lock);
}

int cf_workqueue_get(cf_workqueue *q, char *key, size_t size)
{
	pthread_mutex_lock(&q->lock);
	for (;;) {
		long long now = now_ms(), next = -1;
		item *best = NULL;

		if (q->stopped) {
			pthread_mutex_unlock(&q->lock);
			return CF_ESTOPPED;
		}
		for (size_t i = 0; i < q->n; i++) {
			item *it = &q->items[i];
			if (it->state != ST_QUEUED)
				continue;
			if (it->due_ms <= now && (best == NULL || it->urgent > best->urgent ||
						      (it->urgent == best->urgent && it->due_ms < best->due_ms)))
				best = it;
			else if (it->due_ms > now && (next < 0 || it->due_ms < next))
				next = it->due_ms;
		}
		if (best) {
			double t = cf_metrics_clock(), waited = t - best->due_s;
			best->state = ST_ACTIVE;
			best->urgent = 0;
			best->started_s = t;
			strncpy(key, best->key, size - 1);
			key[size - 1] = '\0';
			pthread_mutex_unlock(&q->lock);
			observe(CF_M_WORKQUEUE_QUEUE_DURATION, key, waited);
			return 0;
		}
		if (next < 0) {
			pthread_cond_wait(&q->cond, &q->lock);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			long long wait = next - now;
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&q->cond, &q->lock, &ts);
		}
	}
}

void cf_workqueue_done(cf_workqueue *q, const char *key)
{
	double worked = -1;
	item *it;

	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it && it->state != ST_QUEUED)
		worked = cf_metrics_clock() - it->started_s;
	if (it && it->state == ST_ACTIVE_DIRTY) {
		it->state = ST_QUEUED;
	} else if (it && it->state == ST_ACTIVE) {
		/* nothing asked for the key again (a deleted object): forget it */
		cf_free(it->key);
		*it = q->items[--q->n];
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	if (worked >= 0)
		observe(CF_M_WORKQUEUE_WORK_DURATION, key, worked);
}

void cf_workqueue_shutdown(cf_workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopped = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

size_t cf_workqueue_len(cf_workqueue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t cf_workqueue_due(cf_workqueue *q)
{
	long long now = now_ms();
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n; i++)
		n += q->items[i].state == ST_QUEUED && q->items[i].due_ms <= now;
	pthread_mutex_unlock(&q->lock);
	return n;
}

int cf_workqueue_idle(cf_workqueue *q)
{
	long long now = now_ms();
	int busy = 0;

	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n && !busy; i++)
		busy = q->items[i].state != ST_QUEUED || q->items[i].due_ms <= now;
	pthread_mutex_unlock(&q->lock);
	return !busy;
}

void cf_workqueue_collect(void *queue)
{
	cf_workqueue *q = queue;
	long long now = now_ms();
	char name[128];

	cf_metric_zero(CF_M_WORKQUEUE_DEPTH);
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n; i++)
		if (q->items[i].state == ST_QUEUED && q->items[i].due_ms <= now) {
			queue_name(name, sizeof(name), q->items[i].key);
			cf_metric_add(CF_M_WORKQUEUE_DEPTH, (const char *[]){ name }, 1);
		}
	pthread_mutex_unlock(&q->lock);
}

void cf_workqueue_free(cf_workqueue *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->n; i++)
		cf_free(q->items[i].key);
	cf_free(q->items);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	cf_free(q);
}
