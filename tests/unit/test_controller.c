/* tests/unit/test_controller.c - a controller's kind table (runtime/controller.h): work keys
 * "Kind/ns/name" made and split, a key dispatched to its row's reconcile by a worker, watch
 * events through on_event and wants_reconcile, and keys no row takes dropped. */
#include "runtime/controller.h"
#include "runtime/worker.h"
#include "test.h"
#include "util/err.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* What the fake rows saw. */
static struct {
	char calls[8][128];
	int ncalls, events;
} seen;

static int fake_reconcile(const char *kind, const char *ns, const char *name, long *requeue_ms)
{
	if (seen.ncalls < 8)
		snprintf(seen.calls[seen.ncalls++], sizeof(seen.calls[0]), "%s %s %s", kind, ns, name);
	*requeue_ms = 0;
	return 0;
}

static int rec_git(void *ctx, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	(void)ctx; (void)k;
	return fake_reconcile("git", ns, name, requeue_ms);
}

static int rec_ks(void *ctx, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	(void)ctx; (void)k;
	return fake_reconcile("ks", ns, name, requeue_ms);
}

static int wants_spec(const char *type, const json_t *obj)
{
	return strcmp(type, "DELETED") == 0 || json_object_get(obj, "spec") != NULL;
}

static void count_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	(void)type; (void)obj;
	if (ctx == &seen && kind && strcmp(kind->kind, "HelmChart") == 0)
		seen.events++;
}

static const cf_kind_handler ROWS[] = {
	{ CF_KIND_GITREPOSITORY, NULL, wants_spec, rec_git, 0 },
	{ CF_KIND_KUSTOMIZATION, NULL, wants_spec, rec_ks, 0 },
	{ CF_KIND_HELMCHART, count_event, NULL, NULL, 0 },   /* watched only */
};
static const cf_kind_table TABLE = { ROWS, sizeof(ROWS) / sizeof(ROWS[0]) };

static void key_made(void)
{
	char key[CF_WORK_KEY_MAX], small[12];

	CHECK_OK(cf_work_key(key, sizeof(key), CF_KIND_GITREPOSITORY, "flux-system", "podinfo"));
	CHECK_STR(key, "GitRepository/flux-system/podinfo");
	CHECK(cf_work_key(small, sizeof(small), CF_KIND_GITREPOSITORY, "a", "b") == CF_EINVAL);
	CHECK(cf_work_key(key, sizeof(key), CF_KIND_COUNT, "a", "b") == CF_EINVAL);
}

static const struct {
	const char *key;
	const char *kind, *ns, *name;   /* kind NULL: refused */
} parse_cases[] = {
	{ "GitRepository/flux-system/podinfo", "GitRepository", "flux-system", "podinfo" },
	{ "Kustomization/apps/a.b-c", "Kustomization", "apps", "a.b-c" },
	{ "HelmChart/ns/x", NULL, NULL, NULL },        /* in the table, but not reconciled */
	{ "Receiver/ns/x", NULL, NULL, NULL },         /* a kind, not this controller's */
	{ "Nope/ns/x", NULL, NULL, NULL },
	{ "flux-system/podinfo", NULL, NULL, NULL },   /* the old "ns/name" keys */
	{ "Provider:ns/name", NULL, NULL, NULL },
	{ "GitRepository//x", NULL, NULL, NULL },
	{ "GitRepository/ns/", NULL, NULL, NULL },
	{ "/ns/x", NULL, NULL, NULL },
	{ "GitRepository/ns/x/y", NULL, NULL, NULL },
	{ "", NULL, NULL, NULL },
};

static void key_parsed(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		char buf[CF_WORK_KEY_MAX];
		const cf_kind_handler *row = (const cf_kind_handler *)1;
		const char *ns = NULL, *name = NULL;
		int rc;

		snprintf(buf, sizeof(buf), "%s", parse_cases[i].key);
		rc = cf_work_key_parse(buf, &TABLE, &row, &ns, &name);
		if (parse_cases[i].kind == NULL) {
			CHECK(rc == CF_EINVAL && row == NULL);
			CHECK(strstr(cf_err_msg(), "work key") != NULL);
			continue;
		}
		CHECK(rc == 0 && row != NULL);
		if (rc < 0 || row == NULL)
			continue;
		CHECK_STR(cf_kind_get(row->kind)->kind, parse_cases[i].kind);
		CHECK_STR(ns, parse_cases[i].ns);
		CHECK_STR(name, parse_cases[i].name);
	}
	CHECK(cf_kind_table_find(&TABLE, "HelmChart") == &ROWS[2]);
	CHECK(cf_kind_table_find(&TABLE, "HelmRelease") == NULL);
	CHECK(cf_kind_table_find(&TABLE, NULL) == NULL);
}

/* Watch events: on_event always, the key only when the row reconciles and wants it. */
static void watch_events(void)
{
	cf_workqueue *q = NULL;
	json_t *spec = json_pack("{s:{s:s,s:s},s:{}}", "metadata", "namespace", "ns", "name", "a", "spec");
	json_t *bare = json_pack("{s:{s:s,s:s}}", "metadata", "namespace", "ns", "name", "b");
	json_t *anon = json_pack("{s:{},s:{}}", "metadata", "spec");
	char key[CF_WORK_KEY_MAX];

	memset(&seen, 0, sizeof(seen));
	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL || spec == NULL || bare == NULL || anon == NULL)
		goto out;
	CHECK_OK(cf_kind_watch_event(&ROWS[0], &seen, q, "MODIFIED", spec));
	CHECK_OK(cf_kind_watch_event(&ROWS[0], &seen, q, "MODIFIED", bare));   /* not wanted */
	CHECK_OK(cf_kind_watch_event(&ROWS[1], &seen, q, "DELETED", bare));
	CHECK_OK(cf_kind_watch_event(&ROWS[1], &seen, q, "ADDED", anon));      /* no name */
	CHECK_OK(cf_kind_watch_event(&ROWS[2], &seen, q, "ADDED", spec));      /* watched only */
	CHECK(seen.events == 1);
	CHECK(cf_workqueue_len(q) == 2);
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "GitRepository/ns/a");
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_STR(key, "Kustomization/ns/b");
out:
	cf_workqueue_free(q);
	json_decref(spec);
	json_decref(bare);
	json_decref(anon);
}

static int no_client(void *ctx, cf_kube **k)
{
	(void)ctx;
	*k = NULL;
	return 0;
}

/* A worker takes each key to its row; keys no row reconciles are dropped, not retried. */
static void worker_dispatches(void)
{
	cf_workqueue *q = NULL;
	cf_worker w;
	pthread_t t;

	memset(&seen, 0, sizeof(seen));
	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	cf_work_enqueue_name(q, CF_KIND_KUSTOMIZATION, "apps", "web");
	CHECK_OK(cf_workqueue_add(q, "ns/old-style"));
	CHECK_OK(cf_workqueue_add(q, "HelmChart/ns/c"));
	cf_work_enqueue_name(q, CF_KIND_GITREPOSITORY, "flux-system", "podinfo");
	w = (cf_worker){ q, no_client, &TABLE, NULL };
	CHECK(pthread_create(&t, NULL, cf_worker_run, &w) == 0);
	for (int i = 0; i < 500 && cf_workqueue_len(q) > 0; i++)
		usleep(2000);
	CHECK(cf_workqueue_len(q) == 0);
	cf_workqueue_shutdown(q);
	pthread_join(t, NULL);
	CHECK(seen.ncalls == 2);
	CHECK_STR(seen.calls[0], "ks apps web");
	CHECK_STR(seen.calls[1], "git flux-system podinfo");
	cf_workqueue_free(q);
}

static const cf_test_case tests[] = {
	{ "key_made", key_made },
	{ "key_parsed", key_parsed },
	{ "watch_events", watch_events },
	{ "worker_dispatches", worker_dispatches },
};
CF_TEST_MAIN(tests)
