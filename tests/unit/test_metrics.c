/* tests/unit/test_metrics.c - the metrics registry and its text exposition: escaping,
 * cumulative histogram buckets with _sum and _count, the cap, the objects' series removed,
 * the workqueue's metrics, readiness. */
#include "runtime/metrics.h"
#include "runtime/workqueue.h"
#include "test.h"
#include "util/err.h"

#include <stdio.h>

#define OBJ(kind, name, ns) ((const char *[]){ (kind), (name), (ns) })

/* The registry written out, into out (freed by the caller with cf_buf_free). */
static const char *scrape(cf_buf *out)
{
	cf_buf_reset(out);
	CHECK_OK(cf_metrics_write(out));
	return out->data ? out->data : "";
}

static void label_values_escaped(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);

	cf_metrics_reset();
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "a\"b\\c\nd", "ns"), 1);
	CHECK_CONTAINS(scrape(&b), "gotk_suspend_status{kind=\"GitRepository\",name=\"a\\\"b\\\\c\\nd\",namespace=\"ns\"} 1\n");
	CHECK_CONTAINS(b.data, "# TYPE gotk_suspend_status gauge\n");
	CHECK_CONTAINS(b.data, "# HELP gotk_suspend_status The current suspend status of a GitOps Toolkit resource.\n");
	cf_buf_free(&b);
}

static void histogram_cumulative_with_sum_and_count(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	const char *s;

	cf_metrics_reset();
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("Kustomization", "app", "flux-system"), 0.0625);
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("Kustomization", "app", "flux-system"), 0.5);
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("Kustomization", "app", "flux-system"), 5);
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("Kustomization", "app", "flux-system"), 50);
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("Kustomization", "app", "flux-system"), 1);   /* le is inclusive */
	s = scrape(&b);
#define L "gotk_reconcile_duration_seconds_bucket{kind=\"Kustomization\",name=\"app\",namespace=\"flux-system\","
	CHECK_CONTAINS(s, "# TYPE gotk_reconcile_duration_seconds histogram\n");
	CHECK_CONTAINS(s, L "le=\"1e-08\"} 0\n");
	CHECK_CONTAINS(s, L "le=\"0.01\"} 0\n");
	CHECK_CONTAINS(s, L "le=\"0.1\"} 1\n");
	CHECK_CONTAINS(s, L "le=\"1\"} 3\n");
	CHECK_CONTAINS(s, L "le=\"10\"} 4\n");
	CHECK_CONTAINS(s, L "le=\"+Inf\"} 5\n");
#undef L
	CHECK_CONTAINS(s, "gotk_reconcile_duration_seconds_sum{kind=\"Kustomization\",name=\"app\",namespace=\"flux-system\"} 56.5625\n");
	CHECK_CONTAINS(s, "gotk_reconcile_duration_seconds_count{kind=\"Kustomization\",name=\"app\",namespace=\"flux-system\"} 5\n");
	cf_buf_free(&b);
}

static void empty_families_left_out_unlabelled_always_there(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	const char *s;

	cf_metrics_reset();
	s = scrape(&b);
	CHECK(strstr(s, "gotk_reconcile_duration_seconds") == NULL);
	CHECK_CONTAINS(s, "# TYPE cflux_metrics_series_dropped_total counter\ncflux_metrics_series_dropped_total 0\n");
	cf_buf_free(&b);
}

static void controller_series_start_at_zero(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	char c[16];
	const char *s;

	cf_metrics_reset();
	cf_metrics_controller(c, sizeof(c), "GitRepository");
	CHECK_STR(c, "gitrepository");
	cf_metrics_controller(c, 4, "GitRepository");
	CHECK_STR(c, "git");
	cf_metrics_init_controller("GitRepository");
	cf_metric_add(CF_M_RECONCILE_TOTAL, (const char *[]){ "gitrepository", "error" }, 1);
	cf_metric_add(CF_M_RECONCILE_TOTAL, (const char *[]){ "gitrepository", "error" }, 1);
	s = scrape(&b);
	CHECK_CONTAINS(s, "controller_runtime_reconcile_total{controller=\"gitrepository\",result=\"success\"} 0\n");
	CHECK_CONTAINS(s, "controller_runtime_reconcile_total{controller=\"gitrepository\",result=\"error\"} 2\n");
	CHECK_CONTAINS(s, "controller_runtime_reconcile_errors_total{controller=\"gitrepository\"} 0\n");
	CHECK_CONTAINS(s, "workqueue_depth{name=\"gitrepository\"} 0\n");
	cf_buf_free(&b);
}

static void numbers_as_prometheus_reads_them(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	const char *s;

	cf_metrics_reset();
	cf_metric_set(CF_M_ARTIFACT_SIZE, OBJ("GitRepository", "a", "ns"), 0.1);
	cf_metric_set(CF_M_ARTIFACT_SIZE, OBJ("GitRepository", "b", "ns"), 123456789);
	cf_metric_set(CF_M_ARTIFACT_SIZE, OBJ("GitRepository", "c", "ns"), 1.0 / 3);
	s = scrape(&b);
	CHECK_CONTAINS(s, "name=\"a\",namespace=\"ns\"} 0.1\n");
	CHECK_CONTAINS(s, "name=\"b\",namespace=\"ns\"} 123456789\n");
	CHECK_CONTAINS(s, "name=\"c\",namespace=\"ns\"} 0.3333333333333333\n");
	cf_buf_free(&b);
}

static void forget_object_removes_its_series(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	const char *s;

	cf_metrics_reset();
	cf_metric_observe(CF_M_RECONCILE_DURATION, OBJ("GitRepository", "gone", "ns"), 1);
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "gone", "ns"), 0);
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "stays", "ns"), 0);
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("HelmChart", "gone", "ns"), 0);
	cf_metrics_forget_object("GitRepository", "ns", "gone");
	s = scrape(&b);
	CHECK(strstr(s, "kind=\"GitRepository\",name=\"gone\"") == NULL);
	CHECK(strstr(s, "gotk_reconcile_duration_seconds") == NULL);
	CHECK_CONTAINS(s, "kind=\"GitRepository\",name=\"stays\"");
	CHECK_CONTAINS(s, "kind=\"HelmChart\",name=\"gone\"");
	/* the one left is the list's tail: a new series goes after it */
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "new", "ns"), 1);
	CHECK_CONTAINS(scrape(&b), "kind=\"GitRepository\",name=\"new\",namespace=\"ns\"} 1\n");
	cf_buf_free(&b);
}

static void cap_drops_new_label_sets_only(void)
{
	cf_buf b = CF_BUF_INIT(64u << 20);
	char name[32], want[128];
	const char *s;

	cf_metrics_reset();
	for (int i = 0; i < CF_METRICS_SERIES_MAX + 4; i++) {   /* the dropped counter is one of the cap */
		snprintf(name, sizeof(name), "o%d", i);
		cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", name, "ns"), 1);
	}
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "o0", "ns"), 7);   /* an existing one moves */
	s = scrape(&b);
	CHECK_CONTAINS(s, "cflux_metrics_series_dropped_total 5\n");
	CHECK_CONTAINS(s, "name=\"o0\",namespace=\"ns\"} 7\n");
	snprintf(want, sizeof(want), "name=\"o%d\",", CF_METRICS_SERIES_MAX - 2);
	CHECK_CONTAINS(s, want);
	snprintf(want, sizeof(want), "name=\"o%d\",", CF_METRICS_SERIES_MAX - 1);
	CHECK(strstr(s, want) == NULL);
	/* a removed object makes room again */
	cf_metrics_forget_object("GitRepository", "ns", "o1");
	cf_metric_set(CF_M_SUSPEND_STATUS, OBJ("GitRepository", "late", "ns"), 1);
	CHECK_CONTAINS(scrape(&b), "name=\"late\",namespace=\"ns\"} 1\n");
	cf_metrics_reset();
	cf_buf_free(&b);
}

static void workqueue_metrics(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	cf_workqueue *q = NULL;
	char key[64];
	const char *s;

	cf_metrics_reset();
	CHECK_OK(cf_workqueue_new(&q, 10, 100));
	if (q == NULL)
		return;
	cf_metrics_set_collector(cf_workqueue_collect, q);
	CHECK_OK(cf_workqueue_add(q, "Kustomization/ns/a"));
	CHECK_OK(cf_workqueue_add(q, "Kustomization/ns/a"));   /* waiting already: not an add */
	CHECK_OK(cf_workqueue_add(q, "Kustomization/ns/b"));
	CHECK_OK(cf_workqueue_add_after(q, "GitRepository/ns/c", 60000));   /* not due: not in the depth */
	s = scrape(&b);
	CHECK_CONTAINS(s, "workqueue_adds_total{name=\"kustomization\"} 2\n");
	CHECK_CONTAINS(s, "workqueue_adds_total{name=\"gitrepository\"} 1\n");
	CHECK_CONTAINS(s, "workqueue_depth{name=\"kustomization\"} 2\n");
	CHECK(strstr(s, "workqueue_depth{name=\"gitrepository\"}") == NULL);
	CHECK_OK(cf_workqueue_get(q, key, sizeof(key)));
	CHECK_OK(cf_workqueue_add(q, key));   /* in progress: an add */
	cf_workqueue_done(q, key);
	s = scrape(&b);
	CHECK_CONTAINS(s, "workqueue_adds_total{name=\"kustomization\"} 3\n");
	CHECK_CONTAINS(s, "workqueue_depth{name=\"kustomization\"} 2\n");
	CHECK_CONTAINS(s, "workqueue_queue_duration_seconds_count{name=\"kustomization\"} 1\n");
	CHECK_CONTAINS(s, "workqueue_work_duration_seconds_count{name=\"kustomization\"} 1\n");
	CHECK_CONTAINS(s, "workqueue_queue_duration_seconds_bucket{name=\"kustomization\",le=\"1000\"} 1\n");
	cf_metrics_set_collector(NULL, NULL);
	cf_workqueue_free(q);
	cf_metrics_reset();
	cf_buf_free(&b);
}

static void readiness(void)
{
	cf_health_expect_watches(2);
	CHECK(!cf_health_ready());
	cf_health_watch_synced();
	CHECK(!cf_health_ready());
	cf_health_watch_synced();
	CHECK(cf_health_ready());
	cf_health_stopping();
	CHECK(!cf_health_ready());
	cf_health_expect_watches(0);
	CHECK(cf_health_ready());
}

static const cf_test_case cases[] = {
	{ "label_values_escaped", label_values_escaped },
	{ "histogram_cumulative_with_sum_and_count", histogram_cumulative_with_sum_and_count },
	{ "empty_families_left_out_unlabelled_always_there", empty_families_left_out_unlabelled_always_there },
	{ "controller_series_start_at_zero", controller_series_start_at_zero },
	{ "numbers_as_prometheus_reads_them", numbers_as_prometheus_reads_them },
	{ "forget_object_removes_its_series", forget_object_removes_its_series },
	{ "cap_drops_new_label_sets_only", cap_drops_new_label_sets_only },
	{ "workqueue_metrics", workqueue_metrics },
	{ "readiness", readiness },
};
CF_TEST_MAIN(cases)
