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
	{ "hints", hints },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
