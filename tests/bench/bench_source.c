/* tests/bench/bench_source.c - the source path side by side with plain git, in one run:
 *   cold:  empty cache -> ls-remote, fetch, tree -> tar.gz   vs  git clone --depth 1 + tar | gzip
 *   noop:  ls-remote + "have it" check (nothing fetched)       vs  git ls-remote
 *   new:   one new commit -> fetch, tree -> tar.gz             vs  git fetch --depth 1 + tar | gzip
 * Each step runs in a forked child, so wall time and peak RSS (wait4) are measured the same
 * way for both; the median of the runs is printed, with ratios (peer / cflux: >1 means cflux
 * is faster or smaller). Usage: bench_source URL BARE_PATH WORKDIR RUNS */
#include "source/artifact.h"
#include "source/git.h"
#include "source/ignore.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct sample { double secs; long rss_kb; } sample;

static const char *url, *bare, *work;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn(arg) in a child; returns its wall time and peak RSS. */
static sample measure(int (*fn)(const char *), const char *arg)
{
	struct rusage ru;
	int st;
	double t0 = now();
	pid_t p = fork();
	sample s;

	if (p == 0)
		_exit(fn(arg) == 0 ? 0 : 1);
	wait4(p, &st, 0, &ru);
	s.secs = now() - t0;
	s.rss_kb = ru.ru_maxrss;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: a step failed (%s)\n", arg);
		exit(1);
	}
	return s;
}

static int sh(const char *cmd)
{
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	return 1;
}

static int cflux_sync(const char *cache, int expect_fetch)
{
	cf_git_ref ref = { .branch = "main" };
	cf_git_repo *r = NULL;
	cf_git_target t;
	json_t *refs = NULL;
	cf_ignore *ig = NULL;
	cf_artifact_writer *w = NULL;
	char digest[72], file[64];
	int rc = cf_git_open(&r, cache, url);

	if (rc == 0) rc = cf_git_ls_remote(r, &refs, NULL, 120);
	if (rc == 0) rc = cf_git_resolve(&t, refs, &ref);
	if (rc == 0 && cf_git_has_commit(r, t.commit)) {
		if (expect_fetch)
			rc = cf_err_set(CF_ERR, "expected a new commit");
		goto out;   /* the no-op path stops here, as the controller does */
	}
	if (rc == 0) rc = cf_git_fetch(r, t.refspec, NULL, 120);
	snprintf(file, sizeof(file), "%s.tar.gz", t.commit);
	if (rc == 0) rc = cf_ignore_new(&ig);
	if (rc == 0) rc = cf_ignore_add_defaults(ig);
	if (rc == 0) rc = cf_artifact_writer_open(&w, work, file, 1u << 30);
	if (rc == 0) rc = cf_git_archive(r, t.commit, ig, w);
	if (rc == 0) rc = cf_artifact_writer_commit(w, digest, NULL);
out:
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", cf_err_msg());
	cf_artifact_writer_free(w);
	cf_ignore_free(ig);
	json_decref(refs);
	cf_git_close(r);
	return rc;
}

static int cflux_cold(const char *cache) { return cflux_sync(cache, 1); }
static int cflux_noop(const char *cache) { return cflux_sync(cache, 0); }

static int cmp_sample(const void *a, const void *b)
{
	double x = ((const sample *)a)->secs, y = ((const sample *)b)->secs;
	return x < y ? -1 : x > y;
}

static sample median(sample *s, int n)
{
	sample m;
	long rss = 0;

	for (int i = 0; i < n; i++)
		if (s[i].rss_kb > rss)
			rss = s[i].rss_kb;
	qsort(s, (size_t)n, sizeof(*s), cmp_sample);
	m = s[n / 2];
	m.rss_kb = rss;   /* peak over the runs */
	return m;
}

static void report(const char *step, sample ours, sample peer, const char *peer_name)
{
	printf("%-6s cflux %8.3fs %7ld KiB | %-34s %8.3fs %7ld KiB | time x%.2f  rss x%.2f\n", step,
	       ours.secs, ours.rss_kb, peer_name, peer.secs, peer.rss_kb, peer.secs / ours.secs,
	       (double)peer.rss_kb / (double)ours.rss_kb);
}

int main(int argc, char **argv)
{
	char cmd[8192], cache[1024];
	int runs;
	sample a[16], b[16];

	if (argc != 5) {
		fprintf(stderr, "usage: bench_source URL BARE_PATH WORKDIR RUNS\n");
		return 2;
	}
	url = argv[1];
	bare = argv[2];
	work = argv[3];
	runs = atoi(argv[4]);
	if (runs < 1 || runs > 16)
		runs = 3;
	for (int i = 0; i < runs; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s/cache %s/*.tar.gz %s/clone", work, work, work);
		if (system(cmd) != 0)
			return 1;
		snprintf(cache, sizeof(cache), "%s/cache", work);
		a[i] = measure(cflux_cold, cache);
		snprintf(cmd, sizeof(cmd), "git clone -q --depth 1 -b main %s %s/clone && "
			 "tar -C %s/clone --exclude=.git -cf - . | gzip -6 > %s/peer.tar.gz", url, work, work, work);
		b[i] = measure(sh, cmd);
	}
	report("cold", median(a, runs), median(b, runs), "git clone --depth 1 + tar|gzip");
	for (int i = 0; i < runs; i++) {
		a[i] = measure(cflux_noop, cache);
		snprintf(cmd, sizeof(cmd), "git ls-remote %s refs/heads/main > /dev/null", url);
		b[i] = measure(sh, cmd);
	}
	report("noop", median(a, runs), median(b, runs), "git ls-remote");
	for (int i = 0; i < runs; i++) {
		snprintf(cmd, sizeof(cmd), "set -e; w=$(mktemp -d); git clone -q --depth 1 -b main %s $w/c; cd $w/c; "
			 "echo $(date +%%s%%N) >> apps/dir000/cm-00000.yaml; git -c user.name=b -c user.email=b@b commit -qam next; "
			 "git push -q origin main; rm -rf $w", url);
		if (system(cmd) != 0)
			return 1;
		a[i] = measure(cflux_cold, cache);
		snprintf(cmd, sizeof(cmd), "git -C %s/clone fetch -q --depth 1 origin main && git -C %s/clone reset -q --hard FETCH_HEAD && "
			 "tar -C %s/clone --exclude=.git -cf - . | gzip -6 > %s/peer.tar.gz", work, work, work, work);
		b[i] = measure(sh, cmd);
	}
	report("new", median(a, runs), median(b, runs), "git fetch --depth 1 + tar|gzip");
	(void)bare;
	return 0;
}
