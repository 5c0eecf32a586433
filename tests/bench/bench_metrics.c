/* tests/bench/bench_metrics.c - what the metrics cost a controller: the updates of OBJECTS
 * objects' reconciles (the series cf_reconcile_run, the worker and the workqueue touch), ROUNDS
 * times, and one scrape written out.
 *   make build/release/bench/bench_metrics && build/release/bench/bench_metrics [OBJECTS [ROUNDS]] */
#include "runtime/metrics.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static const char *const statuses[] = { "True", "False", "Unknown", "Deleted" };
	long objects = argc > 1 ? atol(argv[1]) : 1000, rounds = argc > 2 ? atol(argv[2]) : 10, updates = 0;
	cf_buf b = CF_BUF_INIT(256u << 20);
	char name[64];
	double t0, t1, t2;

	if (objects <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: bench_metrics [OBJECTS [ROUNDS]]\n");
		return 2;
	}
	cf_metrics_init_controller("Kustomization");
	t0 = cf_metrics_clock();
	for (long r = 0; r < rounds; r++)
		for (long i = 0; i < objects; i++) {
			const char *obj[] = { "Kustomization", name, "flux-system" }, *c[] = { "kustomization" };
			snprintf(name, sizeof(name), "app-%ld", i);
			cf_metric_add(CF_M_WORKQUEUE_ADDS, c, 1);
			cf_metric_observe(CF_M_WORKQUEUE_QUEUE_DURATION, c, 1e-4);
			cf_metric_add(CF_M_ACTIVE_WORKERS, c, 1);
			cf_metric_observe(CF_M_RECONCILE_DURATION, obj, 0.01 * (double)(i % 100));
			cf_metric_set(CF_M_SUSPEND_STATUS, obj, 0);
			for (int s = 0; s < 4; s++)
				cf_metric_set(CF_M_RECONCILE_CONDITION,
					      (const char *[]){ "Kustomization", name, "flux-system", "Ready", statuses[s] }, s == 0);
			cf_metric_add(CF_M_ACTIVE_WORKERS, c, -1);
			cf_metric_add(CF_M_RECONCILE_TOTAL, (const char *[]){ "kustomization", "requeue_after" }, 1);
			cf_metric_observe(CF_M_RECONCILE_TIME, c, 0.02);
			cf_metric_observe(CF_M_WORKQUEUE_WORK_DURATION, c, 0.02);
			updates += 13;
		}
	t1 = cf_metrics_clock();
	if (cf_metrics_write(&b) < 0) {
		fprintf(stderr, "bench_metrics: scrape not written\n");
		return 1;
	}
	t2 = cf_metrics_clock();
	printf("%ld objects x %ld reconciles: %ld updates in %.1f ms (%.2f us an update, %.1f us a reconcile); "
	       "a scrape: %.1f ms, %zu bytes\n",
	       objects, rounds, updates, (t1 - t0) * 1e3, (t1 - t0) * 1e6 / (double)updates,
	       (t1 - t0) * 1e6 / (double)(objects * rounds), (t2 - t1) * 1e3, b.len);
	cf_buf_free(&b);
	cf_metrics_reset();
	return 0;
}
