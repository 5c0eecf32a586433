/* tests/bench/bench_kustomize.c - cflux's kustomize build beside `kubectl kustomize` on the
 * same tree, each in a forked child (wall time and peak RSS via wait4), both writing the
 * YAML stream to /dev/null. Usage: bench_kustomize DIR RUNS LABEL */
#include "kustomize/kustomize.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct sample { double secs; long rss_kb; } sample;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cflux_build(const char *dir)
{
	json_t *docs = NULL;
	cf_buf out = CF_BUF_INIT(1u << 30);
	int rc = cf_kustomize_build_dir(&docs, dir, 0);

	if (rc == 0)
		rc = cf_yaml_dump_all(&out, docs);
	if (rc == 0 && write(STDOUT_FILENO, out.data ? out.data : "", out.len) < 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", cf_err_msg());
	json_decref(docs);
	cf_buf_free(&out);
	return rc;
}

static sample measure(int peer, const char *dir)
{
	struct rusage ru;
	int st;
	double t0 = now();
	pid_t p = fork();
	sample s;

	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		if (peer)
			execlp("kubectl", "kubectl", "kustomize", dir, (char *)NULL);
		_exit(peer || cflux_build(dir) < 0 ? 1 : 0);
	}
	wait4(p, &st, 0, &ru);
	s.secs = now() - t0;
	s.rss_kb = ru.ru_maxrss;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: %s failed on %s\n", peer ? "kubectl kustomize" : "cflux", dir);
		exit(1);
	}
	return s;
}

static int cmp(const void *a, const void *b)
{
	double x = ((const sample *)a)->secs, y = ((const sample *)b)->secs;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	sample a[16], b[16];
	long ra = 0, rb = 0;
	int runs;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_kustomize DIR RUNS LABEL\n");
		return 2;
	}
	runs = atoi(argv[2]);
	if (runs < 1 || runs > 16)
		runs = 3;
	for (int i = 0; i < runs; i++) {
		a[i] = measure(0, argv[1]);
		b[i] = measure(1, argv[1]);
		ra = a[i].rss_kb > ra ? a[i].rss_kb : ra;
		rb = b[i].rss_kb > rb ? b[i].rss_kb : rb;
	}
	qsort(a, (size_t)runs, sizeof(*a), cmp);
	qsort(b, (size_t)runs, sizeof(*b), cmp);
	printf("%-14s cflux %8.3fs %8ld KiB | kubectl kustomize %8.3fs %8ld KiB | time x%.1f  rss x%.1f\n",
	       argv[3], a[runs / 2].secs, ra, b[runs / 2].secs, rb, b[runs / 2].secs / a[runs / 2].secs,
	       (double)rb / (double)ra);
	return 0;
}
