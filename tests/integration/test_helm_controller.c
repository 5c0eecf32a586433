/* tests/integration/test_helm_controller.c - bin/helm-controller as a process, with the real helm
 * binary, against the real apiserver and kwok: install; upgrades on values, valuesFrom and a new
 * chart version, each in `helm history`; a failing upgrade rolled back; a failing install
 * retried, then uninstalled; test hooks passing and failing with ignoreFailures; a release left
 * pending-upgrade by kill -9 recovered; drift reported (warn) and corrected (enabled), fields
 * named by driftDetection.ignore left alone; Flux's origin labels on every installed object (and
 * `cflux trace` naming the HelmRelease); postRenderers (kustomize patches and images) in
 * the live objects and helm's manifest; a Secret's value never in a message; suspend/resume;
 * cross-kind dependsOn; deletion; the whole chain from a HelmRepository; chartRef to an
 * OCIRepository of a chart pushed with helm push (and upgraded on a new tag) and to a HelmChart.
 *
 * The chart (testdata/helm/cflux-demo, pods that tolerate the kwok node) is packaged with helm.
 * Its artifacts are served by bin/source-controller's artifact service over nng; the test plays
 * the source-controller's HelmChart reconciler: it puts the package in the storage and writes
 * the HelmChart's status.artifact, as that reconciler does (helm_repository_chain runs the real
 * source-controller).
 *
 * On the Kubernetes 1.20 target no pod runs (no scheduler, no kwok): the HelmReleases there do
 * not wait (disableWait), and the cases that need running pods (failed waits, test hooks, a
 * release killed mid-wait) are skipped, saying so. */
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "yaml/yaml.h"
#include "test.h"
#include "util/err.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17140"
#define NOTIFY_ADDR "tcp://127.0.0.1:17141"
#define EVENTS_ADDR "tcp://127.0.0.1:17142"
#define HR_AV "helm.toolkit.fluxcd.io/v2"
#define HC_AV "source.toolkit.fluxcd.io/v1"
#define SECRET_VALUE "s3cr3t-value-never-on-argv"

static char ns[64], store[] = "/tmp/cflux-hc-XXXXXX", storage[700], work[700], helm_tmp[700], helm[700], home[700];
static pid_t source_ctl, helm_ctl;
static cf_kube *kube;

static void start_helm_controller(void)
{
	const char *args[] = { "--kubeconfig", controller_kubeconfig("helm-controller"), "--watch-namespace", ns,
			       "--internal-token-file", internal_token_file(), "--source-notify-addr", NOTIFY_ADDR,
			       "--events-addr", EVENTS_ADDR, "--helm", helm, "--tmp-dir", helm_tmp,
			       "--requeue-dependency", "1s", "--requeue-max", "2s", "--log-level", "debug", NULL };
	helm_ctl = start_in(store, "bin/helm-controller", args);
}

/* `helm <args>` as the admin, its stdout into out; 0 when it exited 0 */
static int helm_cmd(char *out, size_t size, const char *args)
{
	return capture(out, size, "HOME=%s KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN %s %s -n %s 2>&1", home, helm, args, ns);
}

/* the newest revision in `helm history` and its status and description, 0 when none */
static int history_latest(const char *release, char *status, size_t ssize, char *desc, size_t dsize)
{
	char out[65536], args[300];
	json_t *h, *last;
	int rev;

	snprintf(args, sizeof(args), "history %s -o json", release);
	status[0] = desc[0] = '\0';
	if (helm_cmd(out, sizeof(out), args) != 0 || (h = json_loads(out, 0, NULL)) == NULL)
		return 0;
	last = json_array_get(h, json_array_size(h) - 1);
	rev = (int)json_integer_value(json_object_get(last, "revision"));
	snprintf(status, ssize, "%s", json_string_value(json_object_get(last, "status")) ?: "");
	snprintf(desc, dsize, "%s", json_string_value(json_object_get(last, "description")) ?: "");
	json_decref(h);
	return rev;
}

static int wait_history(const char *release, int rev, const char *status, const char *desc, int secs)
{
	char st[64], d[512];
	int got = 0;

	for (int i = 0; i < secs * 5; i++) {
		got = history_latest(release, st, sizeof(st), d, sizeof(d));
		if (got == rev && (!status || strcmp(st, status) == 0) && (!desc || strstr(d, desc)))
			return 0;
		msleep(200);
	}
	cf_test_fail(__FILE__, __LINE__, "helm history %s: latest is v%d %s \"%s\", want v%d %s \"%s\"", release, got, st, d,
		     rev, status ? status : "", desc ? desc : "");
	return -1;
}

static json_t *get(const char *api_version, const char *kind, const char *name)
{
	json_t *o = NULL;

	if (kube)
		cf_kube_get(kube, &o, &(cf_kube_ref){ api_version, kind, ns, name });
	return o;
}

/* Waits until HelmRelease name's condition type is want (with reason and text when given). */
static json_t *wait_hr(const char *name, const char *type, const char *want, const char *reason, const char *text, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 5; i++) {
		const char *st, *msg, *rs;
		json_decref(o);
		o = get(HR_AV, "HelmRelease", name);
		st = cond_field(o, type, "status");
		msg = cond_field(o, type, "message");
		rs = cond_field(o, type, "reason");
		if (st && strcmp(st, want) == 0 && (!text || (msg && strstr(msg, text))) && (!reason || (rs && strcmp(rs, reason) == 0)))
			return o;
		msleep(200);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: %s is %s %s \"%s\", want %s %s with \"%s\"", name, type,
		     cond_field(o, type, "status") ?: "(none)", cond_field(o, type, "reason") ?: "", cond_field(o, type, "message") ?: "", want,
		     reason ? reason : "", text ? text : "");
	json_decref(o);
	return NULL;
}

static int ready(const char *name, const char *reason, const char *text, int secs)
{
	json_t *o = wait_hr(name, "Ready", "True", reason, text, secs);

	json_decref(o);
	return o ? 0 : -1;
}

/* Whether pods run: the current Kubernetes target has a scheduler and kwok; the 1.20 target has
 * neither, so there no pod ever becomes ready and helm's waits and test hooks cannot pass. */
static int pods_run(void)
{
	const char *k = getenv("CFLUX_KWOK");
	return k && k[0];
}

/* What the 1.20 target adds to a HelmRelease: helm does not wait for workloads that never run. */
#define NO_WAIT "  install:\n    disableWait: true\n  upgrade:\n    disableWait: true\n"
#define NEEDS_PODS() do { if (!pods_run()) \
	SKIP("Kubernetes 1.20 target: no scheduler or kwok, so no pod runs and helm's waits and test hooks cannot pass"); } while (0)

/* A HelmRelease of the chart cflux-demo from HelmRepository "charts"; extra is YAML at spec's
 * indentation (two spaces). Without pods (1.20) it does not wait. */
static int apply_hr(const char *name, const char *extra)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: HelmRelease\nmetadata:\n"
		   "  name: %s\n  namespace: %s\nspec:\n  interval: 1h\n  timeout: 60s\n  chart:\n    spec:\n"
		   "      chart: cflux-demo\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n%s%sEOT\n",
		   HR_AV, name, ns, extra, pods_run() ? "" : NO_WAIT);
}

static int patch_hr(const char *name, const char *json)
{
	return run("kubectl -n %s patch helmrelease %s --type merge -p '%s' >/dev/null", ns, name, json);
}

/* The package of version, made once with helm package. */
static int package(const char *version, char *path, size_t size)
{
	snprintf(path, size, "%s/cflux-demo-%s.tgz", work, version);
	if (access(path, R_OK) == 0)
		return 0;
	return run("HOME=%s %s package tests/integration/testdata/helm/cflux-demo --version %s -d %s >/dev/null", home, helm,
		   version, work);
}

/* Plays the source-controller for HelmChart hc: the package of version in the storage, and
 * the HelmChart's status.artifact pointing at it, at the HelmChart's generation. */
static int publish(const char *hc, const char *version)
{
	char pkg[800], rel[600], digest[200], url[800];
	json_t *obj = NULL, *patch, *out = NULL;
	long long gen;
	int rc;

	for (int i = 0; i < 150 && obj == NULL; i++) {   /* the controller makes it from the template */
		obj = get(HC_AV, "HelmChart", hc);
		if (obj == NULL)
			msleep(200);
	}
	if (obj == NULL || package(version, pkg, sizeof(pkg)) != 0) {
		cf_test_fail(__FILE__, __LINE__, "HelmChart %s never appeared, or no package %s", hc, version);
		json_decref(obj);
		return -1;
	}
	gen = json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
	json_decref(obj);
	snprintf(rel, sizeof(rel), "helmchart/%s/%s/cflux-demo-%s.tgz", ns, hc, version);
	if (run("mkdir -p %s/helmchart/%s/%s && cp %s %s/%s", storage, ns, hc, pkg, storage, rel) != 0 ||
	    capture(digest, sizeof(digest), "sha256sum %s | cut -d' ' -f1", pkg) != 0)
		return -1;
	snprintf(url, sizeof(url), "%s/%s", ART_ADDR, rel);
	patch = json_pack("{s:{s:I,s:{s:s,s:s,s:s,s:s},s:[{s:s,s:s,s:s,s:s,s:s,s:I}]}}", "status", "observedGeneration",
			  (json_int_t)gen, "artifact", "path", rel, "url", url, "revision", version, "digest", "", "conditions",
			  "type", "Ready", "status", "True", "reason", "ChartPullSucceeded", "message", "pulled",
			  "lastTransitionTime", "2026-01-01T00:00:00Z", "observedGeneration", (json_int_t)gen);
	{
		char d[220];
		snprintf(d, sizeof(d), "sha256:%s", digest);
		json_object_set_new(json_object_get(json_object_get(patch, "status"), "artifact"), "digest", json_string(d));
	}
	rc = cf_kube_patch_status(kube, &out, &(cf_kube_ref){ HC_AV, "HelmChart", ns, hc }, patch);
	json_decref(patch);
	json_decref(out);
	if (rc < 0)
		cf_test_fail(__FILE__, __LINE__, "HelmChart %s status: %s", hc, cf_err_msg());
	return rc;
}

static int cm_is(const char *name, const char *key, const char *want, int secs)
{
	for (int i = 0; i < secs * 5; i++) {
		json_t *o = get("v1", "ConfigMap", name);
		const char *v = json_string_value(json_object_get(json_object_get(o, "data"), key));
		int ok = want ? (v && strcmp(v, want) == 0) : o == NULL;
		json_decref(o);
		if (ok)
			return 0;
		msleep(200);
	}
	cf_test_fail(__FILE__, __LINE__, "ConfigMap %s: %s is not %s", name, key, want ? want : "(gone)");
	return -1;
}

/* 1 when the helm work directories are all gone (values, kubeconfig and chart with them) */
static int helm_tmp_empty(void)
{
	DIR *d = opendir(helm_tmp);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return d && n == 0;
}

static void setup(void)
{
	const char *h = getenv("CFLUX_HELM"), *env_home = getenv("HOME");
	const char *sargs[] = { "--kubeconfig", controller_kubeconfig("source-controller"), "--watch-namespace", "cflux-hc-none",
				"--internal-token-file", internal_token_file(), "--storage-path", NULL, "--artifact-addr", ART_ADDR,
				"--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR, NULL };

	snprintf(helm, sizeof(helm), "%s", h && h[0] ? h : "");
	if (!helm[0])
		snprintf(helm, sizeof(helm), "%s/.cache/cflux/helm-4.1.4/helm", env_home ? env_home : "/root");
	if (access(helm, X_OK) != 0) {
		cf_test_fail(__FILE__, __LINE__, "no helm binary at %s (make deps, or set CFLUX_HELM)", helm);
		return;
	}
	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || mkdtemp(store) == NULL)
		return;
	snprintf(storage, sizeof(storage), "%s/storage", store);
	snprintf(work, sizeof(work), "%s/work", store);
	snprintf(helm_tmp, sizeof(helm_tmp), "%s/helm-tmp", store);
	snprintf(home, sizeof(home), "%s/home", store);
	snprintf(ns, sizeof(ns), "cflux-hc-%d", (int)getpid());
	CHECK(run("mkdir -p %s %s %s %s && chmod 0700 %s", storage, work, helm_tmp, home, helm_tmp) == 0);
	CHECK(run("kubectl apply --server-side --force-conflicts -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	CHECK(run("kubectl create namespace %s >/dev/null", ns) == 0);
	kube = kube_client(NULL, NULL);
	sargs[7] = storage;
	source_ctl = start_in(store, "bin/source-controller", sargs);
	start_helm_controller();
}

/* Flux's origin labels on object kind/name: the HelmRelease hr of the test's namespace */
static void check_origin_labels(const char *api_version, const char *kind, const char *name, const char *hr)
{
	json_t *o = get(api_version, kind, name);
	const json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");

	CHECK(o != NULL);
	CHECK_STR(cf_json_str(labels, "helm.toolkit.fluxcd.io/name"), hr);
	CHECK_STR(cf_json_str(labels, "helm.toolkit.fluxcd.io/namespace"), ns);
	json_decref(o);
}

/* the HelmChart a HelmRelease makes: <namespace>-<name> */
static const char *chart_of(const char *hr)
{
	static char name[200];

	snprintf(name, sizeof(name), "%s-%s", ns, hr);
	return name;
}

static void install(void)
{
	json_t *o, *hc;
	const json_t *snap;
	char out[65536];

	CHECK(apply_hr("app", "  values:\n    greeting: hi\n") == 0);
	CHECK(publish(chart_of("app"), "0.1.0") == 0);
	CHECK(ready("app", "InstallSucceeded", "Helm install succeeded for release", 90) == 0);
	CHECK(wait_history("app", 1, "deployed", "Install complete", 10) == 0);
	CHECK(cm_is("app-values", "greeting", "hi", 10) == 0);
	o = get(HR_AV, "HelmRelease", "app");
	snap = json_array_get(json_object_get(json_object_get(o, "status"), "history"), 0);
	CHECK_STR(json_string_value(json_object_get(snap, "chartName")), "cflux-demo");
	CHECK_STR(json_string_value(json_object_get(snap, "chartVersion")), "0.1.0");
	CHECK_STR(json_string_value(json_object_get(snap, "status")), "deployed");
	CHECK(json_integer_value(json_object_get(snap, "version")) == 1);
	CHECK(strncmp(json_string_value(json_object_get(snap, "configDigest")) ?: "", "sha256:", 7) == 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "lastAttemptedRevision")), "0.1.0");
	/* Flux's attempt fields: the config digest of the values tried, at this generation; the
	 * deprecated checksum cleared; no post-renderers, no digest of them */
	CHECK_STR(cf_json_str(json_object_get(o, "status"), "lastAttemptedConfigDigest"), cf_json_str(snap, "configDigest"));
	CHECK(json_integer_value(json_object_get(json_object_get(o, "status"), "lastAttemptedGeneration")) ==
	      json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")));
	CHECK(json_object_get(json_object_get(o, "status"), "lastAttemptedValuesChecksum") == NULL);
	CHECK(json_object_get(json_object_get(o, "status"), "observedPostRenderersDigest") == NULL);
	CHECK_STR(cond_field(o, "Released", "reason"), "InstallSucceeded");
	json_decref(o);
	/* the HelmChart as Flux makes it: owner labels, the template's spec */
	hc = get(HC_AV, "HelmChart", chart_of("app"));
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(hc, "metadata"), "labels"),
						    "helm.toolkit.fluxcd.io/name")), "app");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(hc, "metadata"), "labels"),
						    "helm.toolkit.fluxcd.io/namespace")), ns);
	CHECK_STR(json_string_value(json_object_get(json_object_get(hc, "spec"), "version")), "*");
	json_decref(hc);
	/* Flux's origin labels on every object of the release, with no post-renderers, in helm's
	 * record too (what drift detection compares); the pod template left as the chart has it */
	check_origin_labels("apps/v1", "Deployment", "app", "app");
	check_origin_labels("v1", "ConfigMap", "app-values", "app");
	CHECK(capture(out, sizeof(out), "kubectl -n %s get deployment app -o jsonpath='{.spec.template.metadata.labels}'", ns) == 0);
	CHECK(strstr(out, "helm.toolkit.fluxcd.io") == NULL);
	CHECK(helm_cmd(out, sizeof(out), "get manifest app") == 0);
	CHECK_CONTAINS(out, "helm.toolkit.fluxcd.io/name: app");
	/* so `cflux trace` finds the HelmRelease that manages the chart's Deployment (and the
	 * chart's source, here only the object: this test plays the source-controller) */
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: HelmRepository\nmetadata:\n  name: charts\n"
		  "  namespace: %s\nspec:\n  interval: 1h\n  url: http://127.0.0.1:1/charts\nEOT\n", HC_AV, ns) == 0);
	CHECK(capture(out, sizeof(out), "bin/cflux --kubeconfig \"$CFLUX_KUBECONFIG_TOKEN\" trace deployment app -n %s 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "HelmRelease:    app\n");
	CHECK_CONTAINS(out, "Revision:       0.1.0\n");
	CHECK(strstr(out, "not managed by Flux") == NULL);
	CHECK(helm_tmp_empty());
}

static void upgrade_on_values(void)
{
	CF_TEST_REQUIRE("install");
	CHECK(patch_hr("app", "{\"spec\":{\"values\":{\"greeting\":\"there\"}}}") == 0);
	CHECK(ready("app", "UpgradeSucceeded", ".v2 with chart cflux-demo@0.1.0", 90) == 0);
	CHECK(wait_history("app", 2, "deployed", "Upgrade complete", 10) == 0);
	CHECK(cm_is("app-values", "greeting", "there", 10) == 0);
}

static void upgrade_on_values_from(void)
{
	char out[4096];
	json_t *o;

	CF_TEST_REQUIRE("upgrade_on_values");
	CHECK(run("kubectl -n %s create configmap app-values-cm --from-literal=values.yaml='greeting: from-cm\ntag: \"7\"' >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s create secret generic app-values-secret --from-literal=greet=%s >/dev/null", ns, SECRET_VALUE) == 0);
	/* later entries win; spec.values (now only tag) on top of them all */
	CHECK(patch_hr("app", "{\"spec\":{\"values\":{\"greeting\":null,\"tag\":\"9\"},\"valuesFrom\":["
			      "{\"kind\":\"ConfigMap\",\"name\":\"app-values-cm\"},"
			      "{\"kind\":\"Secret\",\"name\":\"app-values-secret\",\"valuesKey\":\"greet\",\"targetPath\":\"greeting\"},"
			      "{\"kind\":\"Secret\",\"name\":\"missing\",\"optional\":true}]}}") == 0);
	CHECK(ready("app", "UpgradeSucceeded", ".v3 with", 90) == 0);
	CHECK(wait_history("app", 3, "deployed", NULL, 10) == 0);
	CHECK(cm_is("app-values", "greeting", SECRET_VALUE, 10) == 0);
	CHECK(cm_is("app-values", "tag", "9", 10) == 0);
	CHECK(helm_cmd(out, sizeof(out), "get values app -o json") == 0);
	CHECK_CONTAINS(out, SECRET_VALUE);   /* helm's own record of what it was given */
	CHECK(helm_tmp_empty());
	/* the ConfigMap changes (greeting and tag stay overridden; extra is new): the next reconcile
	 * (asked for) upgrades */
	CHECK(run("kubectl -n %s create configmap app-values-cm --from-literal=values.yaml='greeting: x\ntag: \"8\"\nextra: 1' "
		  "--dry-run=client -o yaml | kubectl replace -f - >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease app reconcile.fluxcd.io/requestedAt=cm1 --overwrite >/dev/null", ns) == 0);
	CHECK(wait_history("app", 4, "deployed", NULL, 60) == 0);
	CHECK(cm_is("app-values", "greeting", SECRET_VALUE, 10) == 0);   /* the Secret still comes later */
	/* malformed values in the ConfigMap: Ready=False ValuesError naming the ConfigMap and its
	 * key; helm is not run (still v4); fixed, the release is in sync again without an upgrade */
	CHECK(run("kubectl -n %s create configmap app-values-cm --from-literal=values.yaml='greeting: [x' "
		  "--dry-run=client -o yaml | kubectl replace -f - >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease app reconcile.fluxcd.io/requestedAt=cm2 --overwrite >/dev/null", ns) == 0);
	o = wait_hr("app", "Ready", "False", "ValuesError", "values from ConfigMap", 60);
	CHECK(o != NULL);
	if (o)
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "app-values-cm' key 'values.yaml'");
	json_decref(o);
	CHECK(wait_history("app", 4, "deployed", NULL, 1) == 0);
	CHECK(run("kubectl -n %s create configmap app-values-cm --from-literal=values.yaml='greeting: x\ntag: \"8\"\nextra: 1' "
		  "--dry-run=client -o yaml | kubectl replace -f - >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease app reconcile.fluxcd.io/requestedAt=cm3 --overwrite >/dev/null", ns) == 0);
	o = wait_hr("app", "Ready", "True", NULL, NULL, 60);
	CHECK(o != NULL);
	json_decref(o);
	CHECK(wait_history("app", 4, "deployed", NULL, 1) == 0);
}

static void upgrade_on_chart_version(void)
{
	CF_TEST_REQUIRE("upgrade_on_values_from");
	CHECK(publish(chart_of("app"), "0.2.0") == 0);
	CHECK(ready("app", "UpgradeSucceeded", "with chart cflux-demo@0.2.0", 90) == 0);
	CHECK(wait_history("app", 5, "deployed", NULL, 10) == 0);
	CHECK(cm_is("app-values", "chartVersion", "0.2.0", 10) == 0);
}

static void failed_upgrade_rolled_back(void)
{
	json_t *o;

	NEEDS_PODS();
	CF_TEST_REQUIRE("upgrade_on_chart_version");
	/* pods that never become ready: helm's wait fails after 5s, twice (one retry) */
	CHECK(patch_hr("app", "{\"spec\":{\"timeout\":\"5s\",\"values\":{\"fail\":true},\"upgrade\":{\"remediation\":{\"retries\":1}}}}") == 0);
	o = wait_hr("app", "Stalled", "True", "RetriesExceeded", "Failed to upgrade after 2 attempt(s)", 120);
	CHECK(o != NULL);
	CHECK_STR(cond_field(o, "Remediated", "reason"), "RollbackSucceeded");
	CHECK_STR(cond_field(o, "Ready", "status"), "False");
	CHECK_CONTAINS(cond_field(o, "Released", "message"), "Helm upgrade failed for release");
	CHECK_CONTAINS(cond_field(o, "Released", "message"), "spec.timeout");   /* the hint */
	CHECK(json_integer_value(json_object_get(json_object_get(o, "status"), "upgradeFailures")) == 2);
	json_decref(o);
	/* v6 failed, v7 rollback, v8 failed, v9 rollback to v5 */
	CHECK(wait_history("app", 9, "deployed", "Rollback to", 10) == 0);
	/* fixed: a new generation resets the failures and upgrades */
	CHECK(patch_hr("app", "{\"spec\":{\"timeout\":\"60s\",\"values\":{\"fail\":false}}}") == 0);
	CHECK(ready("app", "UpgradeSucceeded", ".v10 with", 90) == 0);
	o = get(HR_AV, "HelmRelease", "app");
	CHECK(json_object_get(json_object_get(o, "status"), "upgradeFailures") == NULL);
	CHECK(cond_field(o, "Stalled", "status") == NULL);
	json_decref(o);
}

static void failed_install_uninstalled(void)
{
	char st[64], d[256];
	json_t *o;
	NEEDS_PODS();

	CHECK(apply_hr("broken", "  timeout: 5s\n  values:\n    fail: true\n  install:\n    remediation:\n      retries: 1\n"
				 "      remediateLastFailure: true\n") == 0);
	CHECK(publish(chart_of("broken"), "0.1.0") == 0);
	o = wait_hr("broken", "Stalled", "True", "RetriesExceeded", "Failed to install after 2 attempt(s)", 120);
	CHECK(o != NULL);
	CHECK_STR(cond_field(o, "Remediated", "reason"), "UninstallSucceeded");
	CHECK_STR(cond_field(o, "Released", "reason"), "InstallFailed");
	CHECK(json_integer_value(json_object_get(json_object_get(o, "status"), "installFailures")) == 2);
	json_decref(o);
	CHECK(history_latest("broken", st, sizeof(st), d, sizeof(d)) == 0);   /* uninstalled, history gone */
}

static void test_hooks(void)
{
	json_t *o;
	NEEDS_PODS();

	CHECK(apply_hr("tested", "  test:\n    enable: true\n") == 0);
	CHECK(publish(chart_of("tested"), "0.1.0") == 0);
	o = wait_hr("tested", "TestSuccess", "True", "TestSucceeded", "1 test hook(s) completed successfully", 120);
	CHECK(o != NULL);
	CHECK_STR(cond_field(o, "Ready", "reason"), "TestSucceeded");
	json_decref(o);
	/* a failing test hook, ignored: released, Ready, TestSuccess=False */
	CHECK(patch_hr("tested", "{\"spec\":{\"values\":{\"test\":{\"fail\":true}},\"test\":{\"ignoreFailures\":true,\"timeout\":\"5s\"},"
				 "\"timeout\":\"5s\"}}") == 0);
	o = wait_hr("tested", "TestSuccess", "False", "TestFailed", "Helm test failed for release", 120);
	CHECK(o != NULL);
	CHECK_STR(cond_field(o, "Ready", "status"), "True");
	CHECK_STR(cond_field(o, "Ready", "reason"), "UpgradeSucceeded");
	json_decref(o);
	CHECK(wait_history("tested", 2, "deployed", NULL, 10) == 0);
}

/* helm's error echoes a value that came from a Secret (the chart's fail names it): Ready,
 * Released and the events say what failed, never the value. */
static void secret_never_in_messages(void)
{
	char out[65536];
	json_t *o;

	CHECK(run("kubectl -n %s create secret generic leaky-token --from-literal=token=%s-tok >/dev/null", ns, SECRET_VALUE) == 0);
	CHECK(apply_hr("leaky", "  valuesFrom:\n  - kind: Secret\n    name: leaky-token\n    valuesKey: token\n"
				"    targetPath: rejectToken\n") == 0);
	CHECK(publish(chart_of("leaky"), "0.1.0") == 0);
	o = wait_hr("leaky", "Ready", "False", NULL, "is refused", 90);
	CHECK(o != NULL);
	if (o) {
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "token *** is refused");
		CHECK(strstr(cond_field(o, "Ready", "message"), SECRET_VALUE) == NULL);
		CHECK(strstr(cond_field(o, "Released", "message") ?: "", SECRET_VALUE) == NULL);
	}
	json_decref(o);
	CHECK(capture(out, sizeof(out), "kubectl -n %s get events --field-selector involvedObject.name=leaky -o json", ns) == 0);
	CHECK_CONTAINS(out, "token *** is refused");
	CHECK(strstr(out, SECRET_VALUE "-tok") == NULL);
	CHECK(run("kubectl -n %s delete helmrelease leaky --wait=false >/dev/null", ns) == 0);
}

/* Waits until HelmRelease name has handled the reconcile request stamp. */
static void wait_handled(const char *name, const char *stamp, int secs)
{
	for (int i = 0; i < secs * 5; i++, msleep(200)) {
		json_t *o = get(HR_AV, "HelmRelease", name);
		const char *h = cf_json_str(json_object_get(o, "status"), "lastHandledReconcileAt");
		int done = h && strcmp(h, stamp) == 0;
		json_decref(o);
		if (done)
			return;
	}
	cf_test_fail(__FILE__, __LINE__, "%s never handled reconcile request %s", name, stamp);
}

/* spec.postRenderers[].kustomize: a JSON 6902 patch with a target, a strategic merge patch and
 * an image override, in the live objects and in helm's own record of the release; a change of
 * them upgrades; a patch that cannot apply fails the upgrade with the post-renderer's words. */
static void post_renderers(void)
{
	char out[65536];
	const char *d1;
	char first[80] = "";
	json_t *o, *dep;

	CHECK(apply_hr("rendered", "  postRenderers:\n  - kustomize:\n      patches:\n      - target:\n          kind: ConfigMap\n"
				   "        patch: |\n          - op: add\n            path: /data/rendered\n            value: by-kustomize\n"
				   "      - patch: |\n          apiVersion: apps/v1\n          kind: Deployment\n          metadata:\n"
				   "            name: rendered\n            labels:\n              patched: smp\n"
				   "      images:\n      - name: registry.invalid/cflux-demo\n        newName: registry.local/demo\n"
				   "        newTag: \"7\"\n") == 0);
	CHECK(publish(chart_of("rendered"), "0.1.0") == 0);
	CHECK(ready("rendered", "InstallSucceeded", NULL, 90) == 0);
	CHECK(cm_is("rendered-values", "rendered", "by-kustomize", 10) == 0);
	CHECK(cm_is("rendered-values", "greeting", "hello", 1) == 0);
	dep = get("apps/v1", "Deployment", "rendered");
	CHECK_STR(cf_json_str(json_object_get(json_object_get(dep, "metadata"), "labels"), "patched"), "smp");
	check_origin_labels("apps/v1", "Deployment", "rendered", "rendered");   /* after the user's post-renderers */
	check_origin_labels("v1", "ConfigMap", "rendered-values", "rendered");
	CHECK(capture(out, sizeof(out), "kubectl -n %s get deployment rendered -o jsonpath='{.spec.template.spec.containers[0].image}'", ns) == 0);
	CHECK_STR(out, "registry.local/demo:7");
	json_decref(dep);
	CHECK(helm_cmd(out, sizeof(out), "get manifest rendered") == 0);   /* helm's record is the rendered one */
	CHECK_CONTAINS(out, "by-kustomize");
	CHECK_CONTAINS(out, "registry.local/demo:7");
	CHECK_CONTAINS(out, "patched: smp");
	o = get(HR_AV, "HelmRelease", "rendered");
	d1 = cf_json_str(json_object_get(o, "status"), "observedPostRenderersDigest");
	CHECK(d1 && strncmp(d1, "sha256:", 7) == 0);
	snprintf(first, sizeof(first), "%s", d1 ? d1 : "");
	json_decref(o);
	CHECK(helm_tmp_empty());   /* the plugin and its spec went with the work directory */
	/* a new image tag: the digest changes, so does the release */
	CHECK(run("kubectl -n %s patch helmrelease rendered --type json -p "
		  "'[{\"op\":\"replace\",\"path\":\"/spec/postRenderers/0/kustomize/images/0/newTag\",\"value\":\"8\"}]' >/dev/null", ns) == 0);
	CHECK(ready("rendered", "UpgradeSucceeded", ".v2 with", 90) == 0);
	CHECK(capture(out, sizeof(out), "kubectl -n %s get deployment rendered -o jsonpath='{.spec.template.spec.containers[0].image}'", ns) == 0);
	CHECK_STR(out, "registry.local/demo:8");
	o = get(HR_AV, "HelmRelease", "rendered");
	CHECK(cf_json_str(json_object_get(o, "status"), "observedPostRenderersDigest") &&
	      strcmp(cf_json_str(json_object_get(o, "status"), "observedPostRenderersDigest"), first) != 0);
	json_decref(o);
	/* a JSON patch of a path that is not there: the upgrade fails, saying why */
	CHECK(run("kubectl -n %s patch helmrelease rendered --type json -p '[{\"op\":\"add\",\"path\":\"/spec/postRenderers/-\","
		  "\"value\":{\"kustomize\":{\"patches\":[{\"target\":{\"kind\":\"ConfigMap\"},"
		  "\"patch\":\"- op: replace\\n  path: /no/such/path\\n  value: x\\n\"}]}}}]' >/dev/null", ns) == 0);
	o = wait_hr("rendered", "Ready", "False", NULL, "post-renderer 1 (kustomize)", 90);
	CHECK(o != NULL);
	if (o)
		CHECK_CONTAINS(cond_field(o, "Released", "message"), "Helm upgrade failed");
	json_decref(o);
	CHECK(cm_is("rendered-values", "rendered", "by-kustomize", 1) == 0);   /* nothing half-applied */
}

static void drift_detection(void)
{
	json_t *o;

	CHECK(apply_hr("drifty", "  driftDetection:\n    mode: warn\n") == 0);
	CHECK(publish(chart_of("drifty"), "0.1.0") == 0);
	CHECK(ready("drifty", "InstallSucceeded", NULL, 90) == 0);
	CHECK(cm_is("drifty-values", "greeting", "hello", 10) == 0);
	/* a hand edit: reported in warn mode, left alone */
	CHECK(run("kubectl -n %s patch configmap drifty-values --type merge -p '{\"data\":{\"greeting\":\"by-hand\"}}' >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease drifty reconcile.fluxcd.io/requestedAt=d1 --overwrite >/dev/null", ns) == 0);
	o = wait_hr("drifty", "Drifted", "True", "DriftDetected", "ConfigMap/", 60);
	CHECK(o != NULL);
	CHECK_CONTAINS(cond_field(o, "Drifted", "message"), "drifty-values changed (data.greeting)");
	CHECK_STR(cond_field(o, "Ready", "status"), "True");
	json_decref(o);
	CHECK(cm_is("drifty-values", "greeting", "by-hand", 2) == 0);
	/* enabled: corrected */
	CHECK(patch_hr("drifty", "{\"spec\":{\"driftDetection\":{\"mode\":\"enabled\"}}}") == 0);
	o = wait_hr("drifty", "Drifted", "False", "DriftCorrected", "has been corrected", 60);
	CHECK(o != NULL);
	json_decref(o);
	CHECK(cm_is("drifty-values", "greeting", "hello", 10) == 0);
	/* ignore (Flux's): data.tag of the ConfigMap is neither drift nor corrected; greeting still is */
	CHECK(patch_hr("drifty", "{\"spec\":{\"driftDetection\":{\"ignore\":[{\"paths\":[\"/data/tag\"],"
				 "\"target\":{\"kind\":\"ConfigMap\"}}]}}}") == 0);
	CHECK(ready("drifty", NULL, NULL, 60) == 0);
	CHECK(run("kubectl -n %s patch configmap drifty-values --type merge -p '{\"data\":{\"tag\":\"hand-tag\"}}' >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease drifty reconcile.fluxcd.io/requestedAt=d2 --overwrite >/dev/null", ns) == 0);
	wait_handled("drifty", "d2", 60);
	CHECK(cm_is("drifty-values", "tag", "hand-tag", 1) == 0);   /* only an ignored field differs: no drift */
	o = get(HR_AV, "HelmRelease", "drifty");
	CHECK(cond_field(o, "Drifted", "message") == NULL || strstr(cond_field(o, "Drifted", "message"), "data.tag") == NULL);
	json_decref(o);
	CHECK(run("kubectl -n %s patch configmap drifty-values --type merge -p '{\"data\":{\"greeting\":\"by-hand\",\"tag\":\"hand-tag2\"}}' "
		  ">/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s annotate helmrelease drifty reconcile.fluxcd.io/requestedAt=d3 --overwrite >/dev/null", ns) == 0);
	CHECK(cm_is("drifty-values", "greeting", "hello", 60) == 0);   /* corrected */
	CHECK(cm_is("drifty-values", "tag", "hand-tag2", 1) == 0);     /* left alone */
	o = wait_hr("drifty", "Drifted", "False", "DriftCorrected", "data.greeting", 30);
	CHECK(o != NULL);
	if (o)
		CHECK(strstr(cond_field(o, "Drifted", "message"), "data.tag") == NULL);
	json_decref(o);
}

/* The helm child of the controller (the process whose parent it is), 0 when none runs. */
static pid_t helm_child(void)
{
	char out[256];

	if (capture(out, sizeof(out), "pgrep -P %d -x helm", (int)helm_ctl) != 0)
		return 0;
	return (pid_t)atoi(out);
}

/* What the child runs with: its argv, as the kernel has it. */
static int cmdline(pid_t pid, char *out, size_t size)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(out, 1, size - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	out[n] = '\0';
	return 0;
}

static void pending_release_recovered(void)
{
	char args[8192] = "";
	pid_t child = 0;
	json_t *o;

	NEEDS_PODS();
	CF_TEST_REQUIRE("failed_upgrade_rolled_back");
	/* an upgrade that waits 60s on pods that never become ready: killed with its helm in the middle */
	CHECK(patch_hr("app", "{\"spec\":{\"values\":{\"fail\":true}}}") == 0);
	CHECK(wait_history("app", 11, "pending-upgrade", NULL, 60) == 0);
	for (int i = 0; i < 50 && child == 0; i++, msleep(100))
		child = helm_child();
	CHECK(child > 0);
	if (child > 0) {
		CHECK(cmdline(child, args, sizeof(args)) == 0);
		CHECK_CONTAINS(args, " upgrade app ");
		CHECK_CONTAINS(args, "--values ");
		CHECK(strstr(args, SECRET_VALUE) == NULL);   /* the values are in the 0600 file only */
		CHECK(strstr(args, "from-cm") == NULL);
	}
	stop_pid(&helm_ctl, SIGKILL);
	if (child > 0)
		kill(-child, SIGKILL);   /* a crashed pod takes its children along */
	CHECK(wait_history("app", 11, "pending-upgrade", NULL, 5) == 0);
	CHECK(patch_hr("app", "{\"spec\":{\"values\":{\"fail\":false}}}") == 0);
	start_helm_controller();
	/* unlocked: rolled back from the pending revision to the last good one, whose values are
	 * the spec's again: in sync, Ready */
	o = wait_hr("app", "Remediated", "True", "RollbackSucceeded", "release was left in state 'pending-upgrade'", 120);
	CHECK(o != NULL);
	json_decref(o);
	CHECK(wait_history("app", 12, "deployed", "Rollback to 10", 10) == 0);
	CHECK(ready("app", NULL, NULL, 30) == 0);
	/* and it moves on: a new value upgrades */
	CHECK(patch_hr("app", "{\"spec\":{\"values\":{\"tag\":\"10\"}}}") == 0);
	CHECK(ready("app", "UpgradeSucceeded", ".v13 with", 90) == 0);
	CHECK(cm_is("app-values", "tag", "10", 10) == 0);
}

static void suspend_resume(void)
{
	char st[64], d[256];
	int before;
	json_t *o;

	CF_TEST_REQUIRE("pending_release_recovered");
	before = history_latest("app", st, sizeof(st), d, sizeof(d));
	CHECK(patch_hr("app", "{\"spec\":{\"suspend\":true,\"values\":{\"tag\":\"suspended\"}}}") == 0);
	CHECK(run("kubectl -n %s annotate helmrelease app reconcile.fluxcd.io/requestedAt=s1 --overwrite >/dev/null", ns) == 0);
	for (int i = 0; i < 100; i++, msleep(100)) {
		o = get(HR_AV, "HelmRelease", "app");
		const char *h = json_string_value(json_object_get(json_object_get(o, "status"), "lastHandledReconcileAt"));
		int done = h && strcmp(h, "s1") == 0;
		json_decref(o);
		if (done)
			break;
	}
	CHECK(history_latest("app", st, sizeof(st), d, sizeof(d)) == before);
	CHECK(cm_is("app-values", "tag", "10", 2) == 0);
	CHECK(patch_hr("app", "{\"spec\":{\"suspend\":false}}") == 0);
	CHECK(wait_history("app", before + 1, "deployed", NULL, 60) == 0);
	CHECK(cm_is("app-values", "tag", "suspended", 10) == 0);
}

static void depends_on(void)
{
	json_t *o;

	CF_TEST_REQUIRE("install");
	/* on a Kustomization (cross-kind) and on a HelmRelease */
	CHECK(apply_hr("dependent", "  dependsOn:\n  - kind: Kustomization\n    name: infra\n  - name: app\n") == 0);
	o = wait_hr("dependent", "Ready", "False", "DependencyNotReady", "infra", 30);
	CHECK(o != NULL);
	json_decref(o);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
		  "metadata:\n  name: infra\n  namespace: %s\nspec:\n  interval: 1h\n  prune: false\n  sourceRef:\n"
		  "    kind: GitRepository\n    name: none\nEOT\n", ns) == 0);
	/* as the kustomize-controller would when it has applied it */
	CHECK(mark_ready(kube, &(cf_kube_ref){ "kustomize.toolkit.fluxcd.io/v1", "Kustomization", ns, "infra" },
			 "ReconciliationSucceeded") == 0);
	CHECK(publish(chart_of("dependent"), "0.1.0") == 0);
	CHECK(ready("dependent", "InstallSucceeded", NULL, 90) == 0);
}

static void deletion_uninstalls(void)
{
	char st[64], d[256];
	json_t *o = NULL;

	CF_TEST_REQUIRE("depends_on");
	CHECK(run("kubectl -n %s delete helmrelease dependent --wait=false >/dev/null", ns) == 0);
	for (int i = 0; i < 300; i++, msleep(200)) {
		o = get(HR_AV, "HelmRelease", "dependent");
		json_decref(o);
		if (o == NULL)
			break;
	}
	CHECK(o == NULL);
	CHECK(history_latest("dependent", st, sizeof(st), d, sizeof(d)) == 0);
	CHECK(cm_is("dependent-values", "greeting", NULL, 10) == 0);
	o = get(HC_AV, "HelmChart", chart_of("dependent"));
	CHECK(o == NULL);
	json_decref(o);
}

/* A source-controller (artifacts on port art, notices on art+1) and a helm-controller of their
 * own, watching namespace nsp (made here). */
static void start_pair(const char *nsp, const char *art, pid_t *sc, pid_t *hc)
{
	char storage2[800], art_addr[64], notify_addr[64];
	const char *sargs[] = { "--kubeconfig", controller_kubeconfig("source-controller"), "--watch-namespace", nsp,
				"--internal-token-file", internal_token_file(), "--storage-path", storage2,
				"--artifact-addr", art_addr, "--notify-addr", notify_addr, "--events-addr", EVENTS_ADDR, NULL };
	const char *hargs[] = { "--kubeconfig", controller_kubeconfig("helm-controller"), "--watch-namespace", nsp,
				"--internal-token-file", internal_token_file(), "--source-notify-addr", notify_addr,
				"--events-addr", EVENTS_ADDR, "--helm", helm, "--tmp-dir", helm_tmp, NULL };

	snprintf(storage2, sizeof(storage2), "%s/storage-%s", store, nsp);
	snprintf(art_addr, sizeof(art_addr), "tcp://127.0.0.1:%s", art);
	snprintf(notify_addr, sizeof(notify_addr), "tcp://127.0.0.1:%d", atoi(art) + 1);
	CHECK(run("mkdir -p %s && kubectl create namespace %s >/dev/null", storage2, nsp) == 0);
	*sc = start_in(store, "bin/source-controller", sargs);
	*hc = start_in(store, "bin/helm-controller", hargs);
}

/* Stops what start_pair started, and removes its namespace (the finalizers by hand). */
static void stop_pair(const char *nsp, pid_t *sc, pid_t *hc)
{
	stop_pid(hc, SIGTERM);
	stop_pid(sc, SIGTERM);
	run("for h in $(kubectl -n %s get helmreleases -o name); do kubectl -n %s patch $h --type merge "
	    "-p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; kubectl delete namespace %s --wait=false >/dev/null 2>&1",
	    nsp, nsp, nsp);
}

/* Both versions of the test chart in the chart repository, as a user publishes them. */
static void publish_to_repository(const char *repo)
{
	char pkg[800];

	CHECK(package("0.1.0", pkg, sizeof(pkg)) == 0 && run("cp %s %s/", pkg, repo) == 0);
	CHECK(package("0.2.0", pkg, sizeof(pkg)) == 0 && run("cp %s %s/", pkg, repo) == 0);
	CHECK(run("HOME=%s %s repo index %s", home, helm, repo) == 0);
}

/* The real chain: a HelmRepository served by tests/env's chart repository, the HelmChart that
 * the HelmRelease makes built by the source-controller, installed and upgraded by helm. Its own
 * namespace, source-controller and helm-controller (the ones above leave HelmCharts to the test). */
static void helm_repository_chain(void)
{
	const char *repo = env_need("CFLUX_HELM_CHARTS"), *url = env_need("CFLUX_HELM_URL_HTTP");
	char chain[128];
	pid_t sc = 0, hc = 0;
	json_t *o = NULL;

	if (repo == NULL || url == NULL)
		return;
	snprintf(chain, sizeof(chain), "%s-chain", ns);
	start_pair(chain, "17143", &sc, &hc);
	publish_to_repository(repo);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
		  "metadata:\n  name: charts\n  namespace: %s\nspec:\n  interval: 1m\n  url: %s\n---\n"
		  "apiVersion: %s\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: %s\nspec:\n  interval: 1h\n"
		  "  chart:\n    spec:\n      chart: cflux-demo\n      version: 0.1.0\n      sourceRef:\n"
		  "        kind: HelmRepository\n        name: charts\n  values:\n    greeting: chained\n%sEOT\n",
		  chain, url, HR_AV, chain, pods_run() ? "" : NO_WAIT) == 0);
	for (int i = 0; i < 600; i++, msleep(200)) {
		json_decref(o);
		o = NULL;
		cf_kube_get(kube, &o, &(cf_kube_ref){ HR_AV, "HelmRelease", chain, "web" });
		if (cond_field(o, "Ready", "reason") && strcmp(cond_field(o, "Ready", "reason"), "InstallSucceeded") == 0)
			break;
	}
	CHECK_STR(cond_field(o, "Ready", "reason"), "InstallSucceeded");
	CHECK_CONTAINS(cond_field(o, "Ready", "message"), "with chart cflux-demo@0.1.0");
	json_decref(o);
	o = NULL;
	CHECK(run("HOME=%s KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN %s history web -n %s -o json | grep -q '\"status\":\"deployed\"'",
		  home, helm, chain) == 0);
	/* a new version asked for: the source-controller builds it, helm upgrades */
	CHECK(run("kubectl -n %s patch helmrelease web --type merge -p '{\"spec\":{\"chart\":{\"spec\":{\"version\":\"0.2.0\"}}}}' >/dev/null",
		  chain) == 0);
	for (int i = 0; i < 600; i++, msleep(200)) {
		json_decref(o);
		o = NULL;
		cf_kube_get(kube, &o, &(cf_kube_ref){ HR_AV, "HelmRelease", chain, "web" });
		if (cond_field(o, "Ready", "message") && strstr(cond_field(o, "Ready", "message"), "cflux-demo@0.2.0"))
			break;
	}
	CHECK_STR(cond_field(o, "Ready", "reason"), "UpgradeSucceeded");
	CHECK_CONTAINS(cond_field(o, "Ready", "message"), ".v2 with chart cflux-demo@0.2.0");
	json_decref(o);
	o = NULL;
	/* flux reconcile hr --with-source --force --reset: the HelmChart first, then one stamp as
	 * requestedAt, forceAt and resetAt; a forced upgrade makes revision 3 */
	{
		char out[4096], want[300];
		const json_t *st;
		if (capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux -n %s reconcile hr web --with-source --force --reset 2>&1",
			    chain) != 0)
			cf_test_fail(__FILE__, __LINE__, "cflux reconcile hr failed: %s", out);
		snprintf(want, sizeof(want), "annotating HelmChart '%s/%s-web'", chain, chain);
		CHECK_CONTAINS(out, want);
		snprintf(want, sizeof(want), "annotating HelmRelease '%s/web'", chain);
		CHECK_CONTAINS(out, want);
		CHECK_CONTAINS(out, "applied revision ");
		CHECK(cf_kube_get(kube, &o, &(cf_kube_ref){ HR_AV, "HelmRelease", chain, "web" }) == 0);
		st = json_object_get(o, "status");
		CHECK(cf_json_str(st, "lastHandledForceAt") != NULL);
		CHECK_STR(cf_json_str(st, "lastHandledResetAt"), cf_json_str(st, "lastHandledForceAt"));
		CHECK_STR(cf_json_str(st, "lastHandledReconcileAt"), cf_json_str(st, "lastHandledForceAt"));
		CHECK(run("HOME=%s KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN %s history web -n %s -o json | grep -Eq '\"revision\":3,[^}]*\"status\":\"deployed\"'",
			  home, helm, chain) == 0);
		CHECK(run("bin/cflux -n %s reconcile kustomization web --force >/dev/null 2>&1", chain) != 0);
		json_decref(o);
		/* export hr: the spec as committed, no status */
		CHECK(capture(out, sizeof(out), "bin/cflux -n %s export hr web 2>&1", chain) == 0);
		CHECK_CONTAINS(out, "kind: HelmRelease");
		CHECK_CONTAINS(out, "name: web");
		CHECK(strstr(out, "status:") == NULL && strstr(out, "lastHandled") == NULL);
	}
	stop_pair(chain, &sc, &hc);
}

/* Waits until HelmRelease name in namespace nsp is Ready with reason and text in its message. */
static int ready_in(const char *nsp, const char *name, const char *reason, const char *text, int secs)
{
	json_t *o = NULL;
	int ok = 0;

	for (int i = 0; i < secs * 5 && !ok; i++, msleep(200)) {
		const char *rs, *msg;
		json_decref(o);
		o = NULL;
		cf_kube_get(kube, &o, &(cf_kube_ref){ HR_AV, "HelmRelease", nsp, name });
		rs = cond_field(o, "Ready", "reason");
		msg = cond_field(o, "Ready", "message");
		ok = rs && strcmp(rs, reason) == 0 && msg && strstr(msg, text);
	}
	if (!ok)
		cf_test_fail(__FILE__, __LINE__, "%s/%s: Ready is %s \"%s\", want %s with \"%s\"", nsp, name,
			     cond_field(o, "Ready", "reason") ?: "(none)", cond_field(o, "Ready", "message") ?: "", reason, text);
	json_decref(o);
	return ok ? 0 : -1;
}

/* spec.chartRef: an OCIRepository of a chart pushed with `helm push` to the registry (the
 * layer of helm's chart media type, as Flux's docs show), installed, and upgraded when a new
 * tag is pushed; and a HelmChart made by hand, as Flux allows. The real source-controller. */
static void chart_ref(void)
{
	const char *reg = env_need("CFLUX_REGISTRY"), *repo = env_need("CFLUX_HELM_CHARTS"), *url = env_need("CFLUX_HELM_URL_HTTP");
	char refs[128], pkg[800];
	pid_t sc = 0, hc = 0;

	if (reg == NULL || repo == NULL || url == NULL)
		return;
	snprintf(refs, sizeof(refs), "%s-ref", ns);
	start_pair(refs, "17145", &sc, &hc);
	CHECK(package("0.1.0", pkg, sizeof(pkg)) == 0);
	CHECK(run("HOME=%s %s push %s oci://%s/%s --plain-http >/dev/null 2>&1", home, helm, pkg, reg, refs) == 0);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
		  "metadata:\n  name: demo\n  namespace: %s\nspec:\n  interval: 1h\n  url: oci://%s/%s/cflux-demo\n  insecure: true\n"
		  "  ref:\n    semver: \">=0.1.0\"\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n"
		  "    operation: copy\n---\napiVersion: %s\nkind: HelmRelease\nmetadata:\n  name: from-oci\n  namespace: %s\nspec:\n"
		  "  interval: 1h\n  chartRef:\n    kind: OCIRepository\n    name: demo\n  values:\n    greeting: from-oci\n%sEOT\n",
		  refs, reg, refs, HR_AV, refs, pods_run() ? "" : NO_WAIT) == 0);
	CHECK(ready_in(refs, "from-oci", "InstallSucceeded", "with chart cflux-demo@0.1.0", 120) == 0);
	CHECK(run("HOME=%s KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN %s get values from-oci -n %s -o json | grep -q from-oci", home, helm, refs) == 0);
	/* a new tag in the registry: the OCIRepository takes it, the release follows */
	CHECK(package("0.2.0", pkg, sizeof(pkg)) == 0);
	CHECK(run("HOME=%s %s push %s oci://%s/%s --plain-http >/dev/null 2>&1", home, helm, pkg, reg, refs) == 0);
	CHECK(run("kubectl -n %s annotate ocirepository demo reconcile.fluxcd.io/requestedAt=t2 --overwrite >/dev/null", refs) == 0);
	CHECK(ready_in(refs, "from-oci", "UpgradeSucceeded", ".v2 with chart cflux-demo@0.2.0", 120) == 0);
	{   /* Flux's lastAttemptedRevisionDigest: the digest of the OCIRepository's revision */
		json_t *hr = NULL, *oci = NULL;
		const char *rev;
		CHECK(cf_kube_get(kube, &hr, &(cf_kube_ref){ HR_AV, "HelmRelease", refs, "from-oci" }) == 0);
		CHECK(cf_kube_get(kube, &oci, &(cf_kube_ref){ "source.toolkit.fluxcd.io/v1", "OCIRepository", refs, "demo" }) == 0);
		rev = cf_json_str(json_object_get(json_object_get(oci, "status"), "artifact"), "revision");
		CHECK(rev && strchr(rev, '@'));
		if (rev && strchr(rev, '@'))
			CHECK_STR(cf_json_str(json_object_get(hr, "status"), "lastAttemptedRevisionDigest"), strchr(rev, '@') + 1);
		json_decref(hr);
		json_decref(oci);
	}
	/* chartRef to a HelmChart of a HelmRepository */
	publish_to_repository(repo);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
		  "metadata:\n  name: charts\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n---\n"
		  "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: demo-chart\n  namespace: %s\nspec:\n"
		  "  interval: 1h\n  chart: cflux-demo\n  version: 0.1.0\n  sourceRef:\n    kind: HelmRepository\n    name: charts\n---\n"
		  "apiVersion: %s\nkind: HelmRelease\nmetadata:\n  name: from-chart\n  namespace: %s\nspec:\n  interval: 1h\n"
		  "  chartRef:\n    kind: HelmChart\n    name: demo-chart\n%sEOT\n", refs, url, refs, HR_AV, refs, pods_run() ? "" : NO_WAIT) == 0);
	CHECK(ready_in(refs, "from-chart", "InstallSucceeded", "with chart cflux-demo@0.1.0", 120) == 0);
	stop_pair(refs, &sc, &hc);
}

static void stops_on_sigterm(void)
{
	CHECK(sigterm_exits_zero(&helm_ctl));
}

static void cleanup(void)
{
	stop_pid(&helm_ctl, SIGKILL);
	stop_pid(&source_ctl, SIGTERM);
	if (ns[0]) {
		/* the finalizers are the controller's: gone with it, so they go by hand */
		run("for h in $(kubectl -n %s get helmreleases -o name 2>/dev/null); do kubectl -n %s patch $h --type merge "
		    "-p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done", ns, ns);
		run("kubectl delete namespace %s --wait=false >/dev/null 2>&1", ns);
	}
	if (getenv("CFLUX_KEEP_LOGS") == NULL)
		run("rm -rf %s", store);
	cf_kube_free(kube);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "install", install },
	{ "upgrade_on_values", upgrade_on_values },
	{ "upgrade_on_values_from", upgrade_on_values_from },
	{ "upgrade_on_chart_version", upgrade_on_chart_version },
	{ "failed_upgrade_rolled_back", failed_upgrade_rolled_back },
	{ "failed_install_uninstalled", failed_install_uninstalled },
	{ "test_hooks", test_hooks },
	{ "drift_detection", drift_detection },
	{ "post_renderers", post_renderers },
	{ "secret_never_in_messages", secret_never_in_messages },
	{ "pending_release_recovered", pending_release_recovered },
	{ "suspend_resume", suspend_resume },
	{ "depends_on", depends_on },
	{ "deletion_uninstalls", deletion_uninstalls },
	{ "helm_repository_chain", helm_repository_chain },
	{ "chart_ref", chart_ref },
	{ "stops_on_sigterm", stops_on_sigterm },
	CF_TEST_CLEANUP("cleanup", cleanup),
};

int main(int argc, char **argv)
{
	if (getenv("CF_TEST_TIMEOUT") == NULL)
		setenv("CF_TEST_TIMEOUT", "900", 1);
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
