/* tests/unit/test_workqueue.c - keyed work queue semantics. */
#include "runtime/workqueue.h"
#include "test.h"
#include "util/err.h"

#include <pthread.h>
#include <time.h>

static long long ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dedup_and_order(void)
{
	cf_workqueue *q = NULL;
	char key[64];

	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	CHECK_OK(cf_workqueue_add(q, "ns/a"));
	CHECK_OK(cf_workqueue_add(q, "ns/b"));
	CHECK_OK(cf_workqueue_add(q, "ns/a"));
	CHECK(cf_workqueue_len(q) == 2);
	CHECK_OK(cf_workqueue_add_after(q, "ns/later", 60000));
	CHECK(cf_workqueue_due(q) == 2);   /* not the delayed one */
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/a");
	CHECK(cf_workqueue_due(q) == 1);   /* nor one in progress */
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/b");
	CHECK(cf_workqueue_due(q) == 0);
	cf_workqueue_done(q, "ns/a");
	cf_workqueue_done(q, "ns/b");
	CHECK(cf_workqueue_len(q) == 1);
	cf_workqueue_free(q);
}

/* idle: nothing in progress and nothing due; a delayed key alone is idle (the workers release
 * memory then: runtime/worker.c) */
static void idle_when_nothing_due_or_active(void)
{
	cf_workqueue *q = NULL;
	char key[64];

	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	CHECK(cf_workqueue_idle(q) == 1);   /* empty */
	CHECK_OK(cf_workqueue_add(q, "ns/a"));
	CHECK(cf_workqueue_idle(q) == 0);   /* due */
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK(cf_workqueue_idle(q) == 0);   /* in progress */
	CHECK_OK(cf_workqueue_add_after(q, "ns/a", 60000));
	CHECK(cf_workqueue_idle(q) == 0);   /* still in progress */
	cf_workqueue_done(q, "ns/a");
	CHECK(cf_workqueue_idle(q) == 1);   /* only delayed (its interval) */
	CHECK(cf_workqueue_len(q) == 1);
	cf_workqueue_free(q);
}

static void re_added_while_active_comes_back_once(void)
{
	cf_workqueue *q = NULL;
	char key[64];

	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	CHECK_OK(cf_workqueue_add(q, "k"));
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_OK(cf_workqueue_add(q, "k"));
	CHECK_OK(cf_workqueue_add(q, "k"));
	CHECK(cf_workqueue_len(q) == 1);
	cf_workqueue_done(q, "k");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	cf_workqueue_done(q, "k");
	CHECK(cf_workqueue_len(q) == 0);
	cf_workqueue_free(q);
}

/* An urgent key (drift) is taken before a backlog of due keys; urgency is spent once taken, and
 * an urgent add of a key in progress makes its requeue urgent. */
static void urgent_goes_first(void)
{
	cf_workqueue *q = NULL;
	char key[64];

	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	CHECK_OK(cf_workqueue_add(q, "ns/a"));
	CHECK_OK(cf_workqueue_add(q, "ns/b"));
	CHECK_OK(cf_workqueue_add(q, "ns/c"));
	CHECK_OK(cf_workqueue_add_urgent(q, "ns/c"));
	CHECK_OK(cf_workqueue_add_urgent(q, "ns/d"));
	CHECK(cf_workqueue_len(q) == 4);
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/c");   /* urgent, and due before d */
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/d");
	CHECK_OK(cf_workqueue_add_urgent(q, "ns/c"));   /* in progress: comes back urgent */
	cf_workqueue_done(q, "ns/c");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/c");
	cf_workqueue_done(q, "ns/c");
	cf_workqueue_done(q, "ns/d");
	CHECK_OK(cf_workqueue_add(q, "ns/c"));   /* routine again: behind a */
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/a");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/b");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "ns/c");
	cf_workqueue_done(q, "ns/a");
	cf_workqueue_done(q, "ns/b");
	cf_workqueue_done(q, "ns/c");
	CHECK(cf_workqueue_len(q) == 0);
	cf_workqueue_free(q);
}

static void delays_and_backoff(void)
{
	cf_workqueue *q = NULL;
	char key[64];
	long long t0;
	long d1, d2, d3;

	CHECK_OK(cf_workqueue_new(&q, 40, 1000));
	if (q == NULL)
		return;
	t0 = ms();
	CHECK_OK(cf_workqueue_add_after(q, "later", 120));
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK(ms() - t0 >= 110);
	d1 = cf_workqueue_add_backoff(q, "later");
	cf_workqueue_done(q, "later");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	d2 = cf_workqueue_add_backoff(q, "later");
	cf_workqueue_done(q, "later");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	d3 = cf_workqueue_add_backoff(q, "later");
	CHECK(d1 >= 30 && d1 <= 50);
	CHECK(d2 >= 60 && d2 <= 100);
	CHECK(d3 >= 120 && d3 <= 200);
	cf_workqueue_forget(q, "later");
	cf_workqueue_done(q, "later");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK(cf_workqueue_add_backoff(q, "later") <= 50);   /* started over */
	cf_workqueue_done(q, "later");
	/* an earlier add wins over a later delayed one */
	CHECK_OK(cf_workqueue_add_after(q, "x", 10000));
	CHECK_OK(cf_workqueue_add(q, "x"));
	t0 = ms();
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK(ms() - t0 < 1000);
	cf_workqueue_free(q);
}

/* the short backoff of a peer restarting: it doubles as the other, but stops at its own cap */
static void backoff_max(void)
{
	cf_workqueue *q = NULL;
	char key[64];
	long d = 0;

	CHECK_OK(cf_workqueue_new(&q, 10, 100000));
	if (q == NULL)
		return;
	CHECK_OK(cf_workqueue_add(q, "soon"));
	for (int i = 0; i < 6; i++) {   /* each failure while in progress, as a worker's */
		CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
		d = cf_workqueue_add_backoff_max(q, "soon", 40);
		CHECK(d <= 50);
		cf_workqueue_done(q, "soon");
	}
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	cf_workqueue_done(q, "soon");
	CHECK(d >= 30);   /* reached the cap */
	cf_workqueue_free(q);
}

static cf_workqueue *shared;

static void *waiter(void *arg)
{
	char key[64];
	int *rc = arg;

	*rc = cf_workqueue_get(shared, key, sizeof(key));
	return NULL;
}

static void shutdown_wakes_workers(void)
{
	pthread_t t[3];
	int rc[3] = { 0, 0, 0 };

	CHECK_OK(cf_workqueue_new(&shared, 10, 100));
	if (shared == NULL)
		return;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, waiter, &rc[i]);
	cf_workqueue_shutdown(shared);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		CHECK(rc[i] == CF_ESTOPPED);
	}
	cf_workqueue_free(shared);
}

static const cf_test_case cases[] = {
	{ "dedup_and_order", dedup_and_order },
	{ "idle_when_nothing_due_or_active", idle_when_nothing_due_or_active },
	{ "re_added_while_active_comes_back_once", re_added_while_active_comes_back_once },
	{ "urgent_goes_first", urgent_goes_first },
	{ "delays_and_backoff", delays_and_backoff },
	{ "backoff_max_caps_the_short_backoff", backoff_max },
	{ "shutdown_wakes_workers", shutdown_wakes_workers },
};
CF_TEST_MAIN(cases)
