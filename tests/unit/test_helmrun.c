/* tests/unit/test_helmrun.c - the helm-controller's helm runner (helm-controller/helmrun.c): the
 * argument vectors (values only ever as a file), the private files, a run's caps and timeout. */
#include "helm-controller/helmrun.h"
#include "test.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static int has(const char *const *argv, const char *s)
{
	for (; *argv; argv++)
		if (strcmp(*argv, s) == 0)
			return 1;
	return 0;
}

/* every verb: no argument holds a value, the values file is named, helm's own flags */
static void argv_never_holds_values(void)
{
	static const hc_helm_verb verbs[] = { HC_HELM_INSTALL, HC_HELM_UPGRADE, HC_HELM_ROLLBACK, HC_HELM_UNINSTALL,
					      HC_HELM_TEST, HC_HELM_HISTORY, HC_HELM_STATUS, HC_HELM_MANIFEST };
	const char *argv[HC_HELM_ARGV_MAX];
	char scratch[256];

	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		hc_helm_call c = { .verb = verbs[v], .release = "app", .namespace = "apps", .chart_path = "/w/chart.tgz",
				   .values_path = "/w/values.json", .as_user = "system:serviceaccount:apps:deployer",
				   .timeout_ms = 90500, .max_history = 5, .wait = 1, .create_namespace = 1, .force = 1,
				   .crds = HC_CRDS_SKIP, .revision = 3, .cascade = "foreground" };
		int n = hc_helm_argv(argv, HC_HELM_ARGV_MAX, scratch, sizeof(scratch), "/usr/bin/helm", &c);
		CHECK(n > 3);
		if (n <= 3)
			continue;
		CHECK_STR(argv[0], "/usr/bin/helm");
		if (verbs[v] == HC_HELM_MANIFEST) {   /* helm get manifest app */
			CHECK_STR(argv[1], "get");
			memmove(&argv[1], &argv[2], sizeof(argv[0]) * (size_t)n);
			n--;
		}
		CHECK_STR(argv[1], hc_helm_verb_str(verbs[v]));
		CHECK_STR(argv[2], "app");
		CHECK(argv[n] == NULL);
		CHECK(has(argv, "--namespace") && has(argv, "apps"));
		CHECK(has(argv, "--kube-as-user") && has(argv, "system:serviceaccount:apps:deployer"));
		for (int i = 0; i < n; i++) {
			CHECK(strncmp(argv[i], "--set", 5) != 0);       /* --set, --set-string, --set-json, --set-file */
			CHECK(strchr(argv[i], '=') == NULL || strncmp(argv[i], "--", 2) == 0);
		}
		if (verbs[v] == HC_HELM_INSTALL || verbs[v] == HC_HELM_UPGRADE) {
			CHECK(has(argv, "--values") && has(argv, "/w/values.json"));
			CHECK(has(argv, "/w/chart.tgz"));
			CHECK(has(argv, "--skip-crds"));
			CHECK(has(argv, "--wait=watcher"));
			CHECK(has(argv, "--timeout=91s"));
		} else {
			CHECK(!has(argv, "--values"));
		}
		CHECK(has(argv, "--create-namespace") == (verbs[v] == HC_HELM_INSTALL));
		CHECK(has(argv, "--reset-values") == (verbs[v] == HC_HELM_UPGRADE));
		CHECK(has(argv, "--force-replace") == (verbs[v] == HC_HELM_UPGRADE || verbs[v] == HC_HELM_ROLLBACK));
		/* helm 4 refuses replacement with server-side apply */
		CHECK(has(argv, "--server-side=false") == has(argv, "--force-replace"));
		CHECK(has(argv, "--history-max=5") == (verbs[v] == HC_HELM_UPGRADE || verbs[v] == HC_HELM_ROLLBACK));
		CHECK(has(argv, "--output=json") == (verbs[v] == HC_HELM_HISTORY || verbs[v] == HC_HELM_STATUS ||
						     verbs[v] == HC_HELM_INSTALL || verbs[v] == HC_HELM_UPGRADE));
		CHECK(has(argv, "3") == (verbs[v] == HC_HELM_ROLLBACK));
		CHECK(has(argv, "--cascade") == (verbs[v] == HC_HELM_UNINSTALL));
	}
}

static void argv_refuses_bad_calls(void)
{
	const char *argv[HC_HELM_ARGV_MAX];
	char scratch[256];
	hc_helm_call c = { .verb = HC_HELM_INSTALL, .release = "app", .namespace = "apps", .chart_path = "/c.tgz" };

	CHECK(hc_helm_argv(argv, HC_HELM_ARGV_MAX, scratch, sizeof(scratch), "helm", &c) == CF_EINVAL);   /* no values file */
	c.values_path = "/v.json";
	c.release = "--set=x";   /* a release name that would read as a flag */
	CHECK(hc_helm_argv(argv, HC_HELM_ARGV_MAX, scratch, sizeof(scratch), "helm", &c) == CF_EINVAL);
	c.release = "app";
	CHECK(hc_helm_argv(argv, 4, scratch, sizeof(scratch), "helm", &c) == CF_EINVAL);   /* no room */
}

static void private_files(void)
{
	char *dir = NULL, *path = NULL;
	struct stat st;

	CHECK_OK(hc_helm_workdir(&dir, "/tmp"));
	if (dir == NULL)
		return;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_OK(hc_helm_write_private(&path, dir, "values.json", "{\"a\":1}", 7));
	CHECK(path && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 7);
	cf_free(path);
	CHECK(hc_helm_write_private(&path, dir, "values.json", "x", 1) == CF_EIO);   /* never over another */
	CHECK(path == NULL);
	hc_helm_workdir_remove(dir);
	CHECK(access("/tmp", F_OK) == 0);
}

static void run_caps_and_times_out(void)
{
	const char *yes[] = { "/bin/sh", "-c", "head -c 20000000 /dev/zero; echo 'Error: boom' >&2; exit 3", NULL };
	const char *slow[] = { "/bin/sleep", "30", NULL };
	const char *missing[] = { "/nonexistent/helm", NULL };
	hc_helm_result res;
	char text[256];

	CHECK_OK(hc_helm_exec(&res, yes, "/tmp", "/dev/null", 10000));
	CHECK(res.exited && res.status == 3);
	CHECK(res.out.len <= HC_HELM_STDOUT_MAX);
	hc_helm_error_text(text, sizeof(text), &res);
	CHECK_STR(text, "boom");
	hc_helm_result_free(&res);
	CHECK_OK(hc_helm_exec(&res, slow, "/tmp", "/dev/null", 300));
	CHECK(res.timed_out && !res.exited);
	hc_helm_result_free(&res);
	CHECK(hc_helm_exec(&res, missing, "/tmp", "/dev/null", 1000) == CF_ENOTFOUND);
	hc_helm_result_free(&res);
}

/* a descendant that left helm's process group (setsid) and holds the pipes open: the run
 * still ends soon after helm exits, or after the kill on a timeout; its stdout is then not
 * whole, and a parsed reply that is not whole is an error */
static void run_never_hangs_on_setsid_descendants(void)
{
	char pidfile[] = "/tmp/cflux-helmrun-XXXXXX", cmd[400], buf[32] = "";
	const char *quick[] = { "/bin/sh", "-c", cmd, NULL };
	hc_helm_result res;
	struct timespec t0, t1;
	int fd = mkstemp(pidfile);
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	/* helm exits at once; its setsid child sleeps on with stdout and stderr */
	snprintf(cmd, sizeof(cmd), "setsid sleep 30 & echo $! > %s; echo '[{\"revision\":1'", pidfile);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_OK(hc_helm_exec(&res, quick, "/tmp", "/dev/null", 60000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 5);
	CHECK(res.exited && res.status == 0);
	CHECK(res.out_capped);                                    /* the pipe never closed */
	CHECK(hc_helm_outcome(&res, HC_HELM_HISTORY, 1000, NULL) == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), "not read in part");
	CHECK_OK(hc_helm_outcome(&res, HC_HELM_UPGRADE, 1000, NULL));   /* the release happened */
	hc_helm_result_free(&res);
	/* a helm that ignores SIGTERM, and a setsid child: killed, the run ends */
	snprintf(cmd, sizeof(cmd), "trap '' TERM; setsid sleep 30 & echo $! >> %s; sleep 30", pidfile);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_OK(hc_helm_exec(&res, quick, "/tmp", "/dev/null", 200));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(res.timed_out && !res.exited);
	CHECK(t1.tv_sec - t0.tv_sec < 10);
	hc_helm_result_free(&res);
	if ((f = fopen(pidfile, "r")) != NULL) {   /* the sleepers are this test's: ended by pid */
		while (fgets(buf, sizeof(buf), f))
			if (atoi(buf) > 0)
				kill(atoi(buf), SIGKILL);
		fclose(f);
	}
	unlink(pidfile);
}

/* a reply over the cap is flagged, and is an error for a verb whose reply is parsed */
static void capped_reply_is_an_error(void)
{
	const char *big[] = { "/bin/sh", "-c", "head -c 17000000 /dev/zero", NULL };
	hc_helm_result res;

	CHECK_OK(hc_helm_exec(&res, big, "/tmp", "/dev/null", 20000));
	CHECK(res.exited && res.status == 0 && res.out_capped);
	CHECK(hc_helm_outcome(&res, HC_HELM_STATUS, 1000, NULL) == CF_ETOOBIG);
	CHECK(hc_helm_outcome(&res, HC_HELM_MANIFEST, 1000, NULL) == CF_ETOOBIG);
	hc_helm_result_free(&res);
}

/* helm's stderr echoing a value from a Secret: the message never holds it */
static void error_redacts_secret_values(void)
{
	const char *echo[] = { "/bin/sh", "-c", "echo 'Error: UPGRADE FAILED: execution error at (x/t.yaml:3): bad token "
				"hunter2-secret and hunter2-secret; port 8443' >&2; exit 1", NULL };
	json_t *redact = json_pack("[s,s,s]", "hunter2-secret", "8443", "ab");
	hc_helm_result res;
	char msg[200];

	CHECK_OK(hc_helm_exec(&res, echo, "/tmp", "/dev/null", 10000));
	CHECK(hc_helm_outcome(&res, HC_HELM_UPGRADE, 5000, redact) == CF_EAPI);
	CHECK(strstr(cf_err_msg(), "hunter2") == NULL);
	CHECK(strstr(cf_err_msg(), "8443") == NULL);
	CHECK_CONTAINS(cf_err_msg(), "bad token *** and ***; port ***");
	CHECK_CONTAINS(cf_err_msg(), "do not render");   /* the hint is still there */
	hc_helm_result_free(&res);
	snprintf(msg, sizeof(msg), "x***y ab ***");      /* stars as a secret: no loop; short ones stay */
	json_array_append_new(redact, json_string("***"));
	CHECK_STR(hc_helm_redact(msg, redact), "x***y ab ***");
	json_decref(redact);
}

static void hints(void)
{
	char msg[512] = "UPGRADE FAILED: context deadline exceeded";

	hc_helm_hint(msg, sizeof(msg), 5000);
	CHECK_CONTAINS(msg, "within spec.timeout (5s)");
	snprintf(msg, sizeof(msg), "something else");
	CHECK_STR(hc_helm_hint(msg, sizeof(msg), 5000), "something else");
	snprintf(msg, sizeof(msg), "context deadline exceeded");   /* no room: cut, still terminated */
	CHECK(strlen(hc_helm_hint(msg, 40, 1000)) < 40);
}

static const cf_test_case cases[] = {
	{ "argv_never_holds_values", argv_never_holds_values },
	{ "argv_refuses_bad_calls", argv_refuses_bad_calls },
	{ "private_files", private_files },
	{ "run_caps_and_times_out", run_caps_and_times_out },
	{ "run_never_hangs_on_setsid_descendants", run_never_hangs_on_setsid_descendants },
	{ "capped_reply_is_an_error", capped_reply_is_an_error },
	{ "error_redacts_secret_values", error_redacts_secret_values },
	{ "hints", hints },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
