/* tests/bench/bench_apply.c - the kustomize-controller's apply path (cf_apply_set with the
 * last-applied cache and drift watches, as the controller runs them) beside
 * `kubectl apply --server-side` on the same objects, in three phases: cold (nothing exists),
 * unchanged (apply the same set again) and 10% changed. For each: wall time, and the requests
 * that can change the cluster (PATCH/POST/PUT/DELETE that are not dry runs): counted by the
 * client for cflux, from kubectl's -v=6 request log for kubectl.
 * Usage: bench_apply N (KUBECONFIG from the environment). */
#include "apply/apply.h"
#include "kube/kube.h"
#include "kustomize-controller/objcache.h"
#include "runtime/worker.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct phase { double secs; long writes, requests, rss_kb; } phase;

static cf_objcache *cache;
static long concurrency = 4;   /* the kustomize-controller's --concurrent-ssa default */
static volatile int stop_watches;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int new_client(void *ctx, cf_kube **k)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	(void)ctx;
	o.user_agent = "cflux-bench";
	return cf_kube_new(k, &o);
}

/* The set: 80% ConfigMaps, 10% Services, 10% Deployments, in ns; generation g changes the
 * data of the first `changed` ConfigMaps. */
static json_t *objects(const char *ns, int n, int changed)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++) {
		char name[64], v[64];
		snprintf(name, sizeof(name), "obj-%04d", i);
		snprintf(v, sizeof(v), "value-%d%s", i, i < changed ? "-changed" : "");
		if (i % 10 == 8)
			json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:{s:s},s:[{s:i,s:s}]}}",
				"apiVersion", "v1", "kind", "Service", "metadata", "name", name, "namespace", ns,
				"labels", "kustomize.toolkit.fluxcd.io/name", "bench", "spec", "selector", "app", name,
				"ports", "port", 80, "protocol", "TCP"));
		else if (i % 10 == 9)
			json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:i,s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s,s:[{s:i,s:s}]}]}}}}",
				"apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", name, "namespace", ns,
				"labels", "kustomize.toolkit.fluxcd.io/name", "bench", "spec", "replicas", 1,
				"selector", "matchLabels", "app", name, "template", "metadata", "labels", "app", name,
				"spec", "containers", "name", "web", "image", "nginx:1.0", "ports", "containerPort", 80, "protocol", "TCP"));
		else
			json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:s}}",
				"apiVersion", "v1", "kind", "ConfigMap", "metadata", "name", name, "namespace", ns,
				"labels", "kustomize.toolkit.fluxcd.io/name", "bench", "data", "v", v));
	}
	return a;
}

static void on_applied(const json_t *obj, const json_t *live, void *payload)
{
	(void)payload;
	cf_objcache_applied(cache, "bench/bench", obj, live);
}

static int on_unchanged(const json_t *obj, void *payload)
{
	(void)payload;
	return cf_objcache_unchanged(cache, obj);
}

static int on_event(const char *type, json_t *obj, void *payload)
{
	char owner[128], what[256];
	(void)payload;
	cf_objcache_observe(cache, type, obj, owner, sizeof(owner), what, sizeof(what));
	return 0;
}

static phase cflux_phase(cf_kube *k, const char *ns, int n, int changed)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result res;
	json_t *objs = objects(ns, n, changed);
	long r0, w0, r1, w1;
	struct rusage ru;
	phase p;
	double t0;

	o.force = 1;
	o.concurrency = concurrency;
	o.unchanged = on_unchanged;
	o.applied = on_applied;
	cf_kube_stats(k, &r0, &w0);
	t0 = now();
	if (cf_apply_set(k, &res, objs, &o) < 0) {
		fprintf(stderr, "bench: cflux apply: %s\n", cf_err_msg());
		exit(1);
	}
	p.secs = now() - t0;
	cf_kube_stats(k, &r1, &w1);
	p.requests = r1 - r0;
	p.writes = w1 - w0;
	getrusage(RUSAGE_SELF, &ru);
	p.rss_kb = ru.ru_maxrss;
	cf_apply_result_free(&res);
	json_decref(objs);
	return p;
}

static phase kubectl_phase(const char *dir, const char *ns, int n, int changed, int no)
{
	char file[600], log[600], cmd[1400], line[4096];
	cf_buf y = CF_BUF_INIT(1u << 30);
	json_t *objs = objects(ns, n, changed);
	struct rusage ru;
	phase p = { 0, 0, 0, 0 };
	FILE *f;
	int st;
	double t0;
	pid_t pid;

	snprintf(file, sizeof(file), "%s/set-%d.yaml", dir, no);
	snprintf(log, sizeof(log), "%s/kubectl-%d.log", dir, no);
	if (cf_yaml_dump_all(&y, objs) < 0 || (f = fopen(file, "w")) == NULL) {
		fprintf(stderr, "bench: cannot write %s\n", file);
		exit(1);
	}
	fwrite(y.data, 1, y.len, f);
	fclose(f);
	fflush(stdout);
	t0 = now();
	pid = fork();
	if (pid == 0) {
		if (freopen(log, "w", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execlp("kubectl", "kubectl", "apply", "--server-side", "--field-manager", "bench", "-v=6", "-f", file, (char *)NULL);
		_exit(127);
	}
	wait4(pid, &st, 0, &ru);
	p.secs = now() - t0;
	p.rss_kb = ru.ru_maxrss;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: kubectl apply failed (see %s)\n", log);
		exit(1);
	}
	snprintf(cmd, sizeof(cmd), "%s", log);
	if ((f = fopen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), f)) {
			int req = strstr(line, "round_trippers") && (strstr(line, "\" GET ") || strstr(line, "] GET ") ||
				  strstr(line, " PATCH ") || strstr(line, " POST ") || strstr(line, " PUT ") || strstr(line, " DELETE "));
			if (!req)
				continue;
			p.requests++;
			if (!strstr(line, " GET ") && !strstr(line, "dryRun"))
				p.writes++;
		}
		fclose(f);
	}
	cf_buf_free(&y);
	json_decref(objs);
	return p;
}

static double ratio(double peer, double ours)
{
	return ours > 0 ? peer / ours : 0;
}

static void report(const char *what, phase a, phase b)
{
	char wr[64];

	if (a.writes == 0)
		snprintf(wr, sizeof(wr), "%s", b.writes ? "cflux none" : "both none");
	else
		snprintf(wr, sizeof(wr), "%.1fx fewer", ratio((double)b.writes, (double)a.writes));
	printf("%-10s cflux %6.2fs %5ld writes %5ld requests | kubectl %6.2fs %5ld writes %5ld requests | time %.1fx, writes %s\n",
	       what, a.secs, a.writes, a.requests, b.secs, b.writes, b.requests, ratio(b.secs, a.secs), wr);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	char ns_a[64], ns_b[64], ns_c[64], dir[] = "/tmp/cflux-bench-apply-XXXXXX", cmd[512];
	static cf_watcher watch[3];
	static const char *const kinds[3][2] = { { "v1", "ConfigMap" }, { "v1", "Service" }, { "apps/v1", "Deployment" } };
	pthread_t threads[3];
	cf_kube *k = NULL;
	phase a[3], b[3], serial;
	long rss_b = 0;

	if (argc > 2)
		concurrency = atol(argv[2]);
	if (n <= 0 || concurrency <= 0 || mkdtemp(dir) == NULL || new_client(NULL, &k) < 0 || cf_objcache_new(&cache) < 0) {
		fprintf(stderr, "bench: %s\n", cf_err_msg());
		return 1;
	}
	snprintf(ns_a, sizeof(ns_a), "bench-cflux-%ld", (long)getpid());
	snprintf(ns_b, sizeof(ns_b), "bench-kubectl-%ld", (long)getpid());
	snprintf(ns_c, sizeof(ns_c), "bench-serial-%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "kubectl create namespace %s >/dev/null && kubectl create namespace %s >/dev/null && "
		 "kubectl create namespace %s >/dev/null", ns_a, ns_b, ns_c);
	if (system(cmd) != 0)
		return 1;
	/* the drift watches, as the controller starts them for the kinds it applied */
	for (int i = 0; i < 3; i++) {
		watch[i] = (cf_watcher){ { kinds[i][0], kinds[i][1], ns_a, NULL }, "kustomize.toolkit.fluxcd.io/name",
					 on_event, NULL, new_client, NULL, NULL, &stop_watches };
		pthread_create(&threads[i], NULL, cf_watcher_run, &watch[i]);
		cf_objcache_set_watched(cache, kinds[i][0], kinds[i][1], 1);
	}
	printf("apply benchmark: %d objects (80%% ConfigMaps, 10%% Services, 10%% Deployments), cflux with "
	       "%ld requests at once (--concurrent-ssa); ratios are kubectl/cflux\n", n, concurrency);
	{
		long c = concurrency;
		concurrency = 1;   /* the same cold apply one request at a time, into its own namespace */
		serial = cflux_phase(k, ns_c, n, 0);
		concurrency = c;
	}
	a[0] = cflux_phase(k, ns_a, n, 0);
	b[0] = kubectl_phase(dir, ns_b, n, 0, 0);
	sleep(1);   /* let the watches see the cold apply */
	a[1] = cflux_phase(k, ns_a, n, 0);
	b[1] = kubectl_phase(dir, ns_b, n, 0, 1);
	a[2] = cflux_phase(k, ns_a, n, n / 10 > 0 ? n / 10 : 1);
	b[2] = kubectl_phase(dir, ns_b, n, n / 10 > 0 ? n / 10 : 1, 2);
	report("cold", a[0], b[0]);
	report("cold, 1 at once", serial, b[0]);
	report("unchanged", a[1], b[1]);
	report("10% changed", a[2], b[2]);
	for (int i = 0; i < 3; i++)
		rss_b = b[i].rss_kb > rss_b ? b[i].rss_kb : rss_b;
	printf("peak RSS: cflux %.1f MiB (the whole process, watches included), kubectl %.1f MiB: %.1fx smaller\n",
	       a[2].rss_kb / 1024.0, rss_b / 1024.0, ratio((double)rss_b, (double)a[2].rss_kb));
	stop_watches = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	snprintf(cmd, sizeof(cmd), "kubectl delete namespace %s %s %s --wait=false >/dev/null; rm -rf %s", ns_a, ns_b, ns_c, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cleanup failed\n");
	cf_objcache_free(cache);
	cf_kube_free(k);
	return 0;
}
