/* tests/unit/test_harness.c - the test machinery itself tells the truth: a case that cannot
 * run is SKIP (not PASS), a failed setup fixture fails and skips what follows, the golden
 * runner fails on cflux's exit status, and tests/run counts skips and a missing kubectl.
 * The inner tables run in a child (this binary again, with CF_HARNESS_INNER set). */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- inner tables ---- */

static void ok(void) { }
static void bad(void) { cf_test_fail(__FILE__, __LINE__, "on purpose"); }
static void skips(void) { SKIP("nothing to run against"); cf_test_fail(__FILE__, __LINE__, "ran after SKIP"); }
static void needs_bad(void) { CF_TEST_REQUIRE("bad"); cf_test_fail(__FILE__, __LINE__, "ran without bad"); }
static void needs_ok(void) { CF_TEST_REQUIRE("ok"); }
static int cleaned;
static void cleanup_fixture(void) { cleaned = 1; printf("cleanup ran\n"); }

static const cf_test_case dependent[] = {
	CF_TEST_SETUP("setup", ok),
	{ "ok", ok },
	{ "bad", bad },
	{ "skips", skips },
	{ "needs_bad", needs_bad },
	{ "needs_ok", needs_ok },
	CF_TEST_CLEANUP("cleanup", cleanup_fixture),
};

static const cf_test_case setup_fails[] = {
	CF_TEST_SETUP("setup", bad),
	{ "ok", ok },
	{ "needs_ok", needs_ok },
	CF_TEST_CLEANUP("cleanup", cleanup_fixture),
};

/* ---- outer cases ---- */

static char self[4096];   /* this binary */

static int run_inner(char *out, size_t size, const char *table, const char *args);

/* The output and exit status of a shell command. */
static int run_capture(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	out[0] = '\0';
	if (p == NULL)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int run_inner(char *out, size_t size, const char *table, const char *args)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "CF_HARNESS_INNER=%s '%s' %s", table, self, args);
	return run_capture(out, size, cmd);
}

static void skipped_cases_are_not_passed(void)
{
	char out[4096];
	int rc = run_inner(out, sizeof(out), "dependent", "");

	CHECK(rc == 1);
	CHECK(strstr(out, "PASS setup") == NULL);   /* fixtures are not cases */
	CHECK_CONTAINS(out, "PASS ok\n");
	CHECK_CONTAINS(out, "FAIL bad\n");
	CHECK_CONTAINS(out, "SKIP skips: nothing to run against\n");
	CHECK_CONTAINS(out, "SKIP needs_bad: needs case bad, which did not pass\n");
	CHECK_CONTAINS(out, "PASS needs_ok\n");
	CHECK(strstr(out, "ran after SKIP") == NULL && strstr(out, "ran without bad") == NULL);
	CHECK_CONTAINS(out, "cleanup ran\n");
	CHECK_CONTAINS(out, "\n2 passed, 1 failed, 2 skipped\n");
	/* naming cases runs those and the fixtures */
	rc = run_inner(out, sizeof(out), "dependent", "needs_ok");
	CHECK(rc == 0);
	CHECK_CONTAINS(out, "SKIP needs_ok: needs case ok, which did not pass\n");
	CHECK_CONTAINS(out, "cleanup ran\n0 passed, 0 failed, 1 skipped\n");
}

static void failed_setup_fails_and_skips_the_rest(void)
{
	char out[4096];
	int rc = run_inner(out, sizeof(out), "setup_fails", "");

	CHECK(rc == 1);
	CHECK_CONTAINS(out, "FAIL setup (setup)\n");
	CHECK_CONTAINS(out, "SKIP ok: fixture setup failed\n");
	CHECK_CONTAINS(out, "SKIP needs_ok: fixture setup failed\n");
	CHECK_CONTAINS(out, "cleanup ran\n");
	CHECK_CONTAINS(out, "\n0 passed, 1 failed, 2 skipped\n");
}

/* A cflux that prints the right output but exits non-zero (or crashes on an expected error)
 * fails every golden case. */
static void golden_runner_checks_exit_status(void)
{
	char out[8192];
	int rc = run_capture(out, sizeof(out),
		"d=$(mktemp -d) && printf '#!/bin/sh\\n\"%s\" \"$@\"; [ $? -eq 0 ] && exit 3; exit 139\\n' \"$PWD/bin/cflux\" >$d/cflux"
		" && chmod +x $d/cflux && sh tests/golden/run $d/cflux; rc=$?; rm -rf $d; exit $rc");

	CHECK(rc == 1);
	CHECK(strstr(out, "PASS ") == NULL);
	CHECK_CONTAINS(out, ": exit 3");
	CHECK_CONTAINS(out, ": exit 139, want 1 (an error, not a crash)");
	CHECK_CONTAINS(out, "\n0 passed, ");
}

/* tests/run adds up skipped cases apart from passed ones, and a missing kubectl is a failure. */
static void tests_run_counts_skips_and_missing_kubectl(void)
{
	char out[8192];
	int rc = run_capture(out, sizeof(out),
		"d=$(mktemp -d) && mkdir -p $d/bin $d/build/tests $d/logs"
		" && for t in sh timeout grep cut tail mkdir dirname cat; do ln -s \"$(command -v $t)\" $d/bin/$t; done"
		" && printf '#!/bin/sh\\necho \"PASS a\"; echo \"SKIP b: no server\"; echo \"SKIP c: no server\"; "
		"echo \"1 passed, 0 failed, 2 skipped\"\\n' >$d/build/tests/kustomize_test_parity"
		" && chmod +x $d/build/tests/kustomize_test_parity"
		" && env PATH=$d/bin BUILD=$d/build CFLUX_TEST_LOGS=$d/logs CFLUX_SUITES=kustomize sh tests/run 2>&1;"
		" rc=$?; rm -rf $d; exit $rc");

	CHECK(rc == 1);
	CHECK_CONTAINS(out, "FAIL kustomize parity: kubectl (the reference) is missing");
	CHECK_CONTAINS(out, "SKIP b: no server");
	CHECK_CONTAINS(out, "kustomize_parity: 1 passed, 0 failed, 2 skipped");
	CHECK_CONTAINS(out, "\n1 passed, 1 failed, 2 skipped\n");
}

static const cf_test_case cases[] = {
	{ "skipped_cases_are_not_passed", skipped_cases_are_not_passed },
	{ "failed_setup_fails_and_skips_the_rest", failed_setup_fails_and_skips_the_rest },
	{ "golden_runner_checks_exit_status", golden_runner_checks_exit_status },
	{ "tests_run_counts_skips_and_missing_kubectl", tests_run_counts_skips_and_missing_kubectl },
};

int main(int argc, char **argv)
{
	const char *inner = getenv("CF_HARNESS_INNER");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || strchr(self, '\'') != NULL) {
		printf("FAIL %s: cannot find this binary\n0 passed, 1 failed, 0 skipped\n", argv[0]);
		return 1;
	}
	self[n] = '\0';
	if (inner && strcmp(inner, "dependent") == 0)
		return cf_test_main(argc, argv, dependent, sizeof(dependent) / sizeof(dependent[0]));
	if (inner && strcmp(inner, "setup_fails") == 0)
		return cf_test_main(argc, argv, setup_fails, sizeof(setup_fails) / sizeof(setup_fails[0]));
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
