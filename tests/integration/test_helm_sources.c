/* tests/integration/test_helm_sources.c - bin/source-controller's HelmRepository and HelmChart
 * against the real apiserver, the chart repository tests/env serves (lighttpd over http and
 * with basic auth, nginx over https; made by helm create/package/repo index), the Git servers,
 * and the real helm binary, which reads every chart artifact produced. */
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "source/artifact.h"
#include "test.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17190"
#define NOTIFY_ADDR "tcp://127.0.0.1:17191"
#define EVENTS_ADDR "tcp://127.0.0.1:17192"

static char ns[64], chart[64], gitname[64], store[] = "/tmp/cflux-hs-XXXXXX", gitwork[600];
static pid_t controller;
static cf_kube *kube;

static void start_controller(void)
{
	char log[600];
	const char *kubeconfig = controller_kubeconfig("source-controller"), *token_file = internal_token_file();

	snprintf(log, sizeof(log), "%s/controller.log", store);
	controller = fork();
	if (controller == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		execl("bin/source-controller", "source-controller", "--kubeconfig", kubeconfig,
		      "--internal-token-file", token_file, "--watch-namespace", ns, "--storage-path", store,
		      "--artifact-addr", ART_ADDR, "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
		      "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
}

static int apply(const char *kind, const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\n"
		   "kind: %s\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%sEOT\n", kind, name, ns, spec);
}

static json_t *get_obj(const char *kind, const char *name)
{
	json_t *o = NULL;

	if (kube)
		cf_kube_get(kube, &o, &(cf_kube_ref){ "source.toolkit.fluxcd.io/v1", kind, ns, name });
	return o;
}

static const char *art(const json_t *o, const char *f)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), f));
}

/* Waits until Ready is want with text in its message (and the artifact at rev, if given), for
 * the object's current generation. Returns it (caller decrefs) or NULL after a failure. */
static json_t *wait_ready(const char *kind, const char *name, const char *want, const char *text, const char *rev, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *r;
		json_decref(o);
		o = get_obj(kind, name);
		st = ready_field(o, "status");
		msg = ready_field(o, "message");
		r = art(o, "revision");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!rev || (r && strcmp(r, rev) == 0)) &&
		    json_integer_value(json_object_get(json_object_get(o, "status"), "observedGeneration")) ==
			    json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s/%s: Ready is %s \"%s\" (revision %s), want %s with \"%s\"%s%s", kind, name,
		     ready_field(o, "status") ? ready_field(o, "status") : "unset", ready_field(o, "message") ? ready_field(o, "message") : "",
		     art(o, "revision") ? art(o, "revision") : "none", want, text ? text : "", rev ? " at " : "", rev ? rev : "");
	json_decref(o);
	return NULL;
}

/* The artifact file of o, checked against its status digest; path into full. */
static int artifact_file(char *full, size_t size, const json_t *o)
{
	char digest[72];

	if (art(o, "path") == NULL || art(o, "digest") == NULL) {
		cf_test_fail(__FILE__, __LINE__, "no artifact in status");
		return -1;
	}
	snprintf(full, size, "%s/%s", store, art(o, "path"));
	if (cf_artifact_file_digest(digest, NULL, full) < 0 || strcmp(digest, art(o, "digest")) != 0) {
		cf_test_fail(__FILE__, __LINE__, "%s does not match its digest %s", full, art(o, "digest"));
		return -1;
	}
	return 0;
}

static int publish(const char *name, const char *version, const char *values)
{
	return run("sh tests/env/chart-publish %s %s %s >/dev/null", name, version, values ? values : "");
}

/* A Git repository holding charts: charts/app depends on charts/lib (file://) and on the
 * test's chart from the http repository; values-prod.yaml at the root; charts/broken lacks a
 * version. */
static int make_chart_repo(void)
{
	return run("set -e; w=%s; rm -rf $w; mkdir -p $w/charts; cd $w; git init -q -b main .; "
		   "$CFLUX_HELM create charts/app >/dev/null; $CFLUX_HELM create charts/lib >/dev/null; "
		   "printf 'dependencies:\\n- name: lib\\n  version: 0.1.0\\n  repository: file://../lib\\n"
		   "- name: %s\\n  version: 0.1.x\\n  repository: %s\\n' >> charts/app/Chart.yaml; "
		   "printf 'replicaCount: 3\\nprod:\\n  tier: gold\\n' > values-prod.yaml; "
		   "mkdir charts/broken; printf 'apiVersion: v2\\nname: broken\\n' > charts/broken/Chart.yaml; "
		   "git add -A; git -c user.name=t -c user.email=t@localhost commit -q -m charts; "
		   "rm -rf $CFLUX_GIT_REPOS/%s.git; git clone -q --bare . $CFLUX_GIT_REPOS/%s.git",
		   gitwork, chart, getenv("CFLUX_HELM_URL_HTTP"), gitname, gitname);
}

static void setup(void)
{
	json_t *nso;

	if (env_need("CFLUX_HELM_CHARTS") == NULL || env_need("CFLUX_HELM") == NULL || mkdtemp(store) == NULL)
		return;
	kube = kube_client(NULL, NULL);
	snprintf(ns, sizeof(ns), "cflux-hs-%ld", (long)getpid());
	snprintf(chart, sizeof(chart), "hs%ld", (long)getpid());
	snprintf(gitname, sizeof(gitname), "hs-charts-%ld", (long)getpid());
	snprintf(gitwork, sizeof(gitwork), "%s/gitwork", store);
	nso = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	CHECK_OK(cf_kube_create(kube, NULL, nso));
	json_decref(nso);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	CHECK(publish(chart, "0.1.0", NULL) == 0);
	CHECK(publish(chart, "0.2.0", "greeting=hello") == 0);
	CHECK(make_chart_repo() == 0);
	CHECK(run("kubectl -n %s create secret generic ca --from-file=ca.crt=%s >/dev/null", ns, getenv("CFLUX_CA")) == 0);
	CHECK(run("kubectl -n %s create secret generic basic --from-literal=username=git --from-literal=password=%s >/dev/null",
		  ns, getenv("CFLUX_GIT_PASSWORD")) == 0);
	CHECK(run("kubectl -n %s create secret generic wrong --from-literal=username=git --from-literal=password=not-it >/dev/null",
		  ns) == 0);
	start_controller();
	CHECK(controller > 0);
}

/* ---- HelmRepository ---- */

static void repo_over_http(void)
{
	char spec[1024], full[1024], served[80], want[100];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s\n", getenv("CFLUX_HELM_URL_HTTP"));
	CHECK(apply("HelmRepository", "http", spec) == 0);
	if ((o = wait_ready("HelmRepository", "http", "True", "stored artifact: revision 'sha256:", NULL, 30)) == NULL)
		return;
	/* revision = digest = sha256 of the index as served; stored as index-<hex>.yaml */
	CHECK(capture(served, sizeof(served), "curl -sf %s/index.yaml | sha256sum | cut -d' ' -f1", getenv("CFLUX_HELM_URL_HTTP")) == 0);
	snprintf(want, sizeof(want), "sha256:%s", served);
	CHECK_STR(art(o, "revision"), want);
	CHECK_STR(art(o, "digest"), want);
	snprintf(full, sizeof(full), "helmrepository/%s/http/index-%s.yaml", ns, served);
	CHECK_STR(art(o, "path"), full);
	CHECK(artifact_file(full, sizeof(full), o) == 0);
	json_decref(o);
}

static void repo_over_https_with_ca(void)
{
	char spec[1024];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s\n  certSecretRef:\n    name: ca\n", getenv("CFLUX_HELM_URL_HTTPS"));
	CHECK(apply("HelmRepository", "https", spec) == 0);
	json_decref(wait_ready("HelmRepository", "https", "True", "stored artifact", NULL, 30));
	/* without the CA the server is not trusted */
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s\n", getenv("CFLUX_HELM_URL_HTTPS"));
	CHECK(apply("HelmRepository", "https-no-ca", spec) == 0);
	o = wait_ready("HelmRepository", "https-no-ca", "False", "failed to fetch Helm repository index", NULL, 30);
	if (o)
		CHECK_STR(ready_field(o, "reason"), "IndexationFailed");
	json_decref(o);
}

static void repo_basic_auth(void)
{
	char spec[1024];
	json_t *good, *bad, *again;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s\n  secretRef:\n    name: basic\n", getenv("CFLUX_HELM_URL_HTTP_AUTH"));
	CHECK(apply("HelmRepository", "auth", spec) == 0);
	if ((good = wait_ready("HelmRepository", "auth", "True", "stored artifact", NULL, 30)) == NULL)
		return;
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s\n  secretRef:\n    name: wrong\n", getenv("CFLUX_HELM_URL_HTTP_AUTH"));
	CHECK(apply("HelmRepository", "auth-wrong", spec) == 0);
	bad = wait_ready("HelmRepository", "auth-wrong", "False", "401 Unauthorized", NULL, 30);
	if (bad) {
		CHECK_STR(ready_field(bad, "reason"), "AuthenticationFailed");
		CHECK(art(bad, "path") == NULL);
		CHECK(strstr(ready_field(bad, "message"), "not-it") == NULL);
	}
	/* the good one is untouched by its neighbour's failure */
	again = get_obj("HelmRepository", "auth");
	CHECK_STR(art(again, "lastUpdateTime"), art(good, "lastUpdateTime"));
	json_decref(good);
	json_decref(bad);
	json_decref(again);
}

static void index_over_cap_refused(void)
{
	char spec[1024];
	json_t *o;

	/* 51 MiB: past Flux's 50 MiB cap */
	CHECK(run("set -e; d=$CFLUX_HELM_CHARTS/big-%s; mkdir -p $d; { echo 'apiVersion: v1'; echo 'entries: {}'; "
		  "head -c 53477376 /dev/zero | tr '\\0' '#'; echo; } > $d/index.yaml", chart) == 0);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/big-%s\n", getenv("CFLUX_HELM_URL_HTTP"), chart);
	CHECK(apply("HelmRepository", "big", spec) == 0);
	o = wait_ready("HelmRepository", "big", "False", "over the 52428800 byte limit", NULL, 60);
	if (o) {
		CHECK_STR(ready_field(o, "reason"), "IndexationFailed");
		CHECK(art(o, "path") == NULL);
	}
	json_decref(o);
	run("rm -rf $CFLUX_HELM_CHARTS/big-%s", chart);
}

static void unchanged_index_not_rewritten(void)
{
	json_t *before = get_obj("HelmRepository", "http"), *after = NULL;
	char full[1024], stamp[64];
	struct stat st1, st2;

	if (before == NULL || artifact_file(full, sizeof(full), before) < 0 || stat(full, &st1) < 0) {
		cf_test_fail(__FILE__, __LINE__, "HelmRepository http has no artifact");
		json_decref(before);
		return;
	}
	snprintf(stamp, sizeof(stamp), "%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate --overwrite helmrepository http reconcile.fluxcd.io/requestedAt=%s >/dev/null", ns, stamp) == 0);
	for (int i = 0; i < 300; i++) {
		json_decref(after);
		after = get_obj("HelmRepository", "http");
		const char *h = json_string_value(json_object_get(json_object_get(after, "status"), "lastHandledReconcileAt"));
		if (h && strcmp(h, stamp) == 0)
			break;
		msleep(100);
	}
	CHECK_STR(json_string_value(json_object_get(json_object_get(after, "status"), "lastHandledReconcileAt")), stamp);
	CHECK_STR(art(after, "lastUpdateTime"), art(before, "lastUpdateTime"));
	CHECK(stat(full, &st2) == 0 && st1.st_mtim.tv_sec == st2.st_mtim.tv_sec && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
	json_decref(before);
	json_decref(after);
}

/* ---- HelmChart ---- */

/* helm push of the test's chart versions to registry (a "host:port"), login first when
 * credentials are given; the registry config stays in the test's store. */
static int helm_push(const char *registry, const char *path, const char *flags, int login)
{
	return run("set -e; export HELM_REGISTRY_CONFIG=%s/registry.json; %s"
		   "for v in 0.1.0 0.2.0; do $CFLUX_HELM push $CFLUX_HELM_CHARTS/%s-$v.tgz oci://%s/%s %s >/dev/null 2>&1; done",
		   store, login ? "echo \"$CFLUX_REGISTRY_PASSWORD\" | $CFLUX_HELM registry login \"$CFLUX_REGISTRY_TLS\" "
				  "--username \"$CFLUX_REGISTRY_USER\" --password-stdin --ca-file \"$CFLUX_CA\" >/dev/null 2>&1; " : "",
		   chart, registry, path, flags);
}


/* helm itself reads the artifact: `helm show chart` prints its name and version. */
static void helm_reads(const char *tgz, const char *name, const char *version)
{
	char out[4096], want[300];

	CHECK(capture(out, sizeof(out), "$CFLUX_HELM show chart %s 2>&1", tgz) == 0);
	snprintf(want, sizeof(want), "name: %s", name);
	CHECK_CONTAINS(out, want);
	snprintf(want, sizeof(want), "version: %s", version);
	CHECK_CONTAINS(out, want);
}

static void chart_from_repo_with_range(void)
{
	char spec[1024], full[1024], want[600], index_digest[80];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  version: \"0.1.x\"\n  sourceRef:\n    kind: HelmRepository\n    name: http\n", chart);
	CHECK(apply("HelmChart", "pinned", spec) == 0);
	snprintf(want, sizeof(want), "pulled '%s' chart with version '0.1.0'", chart);
	if ((o = wait_ready("HelmChart", "pinned", "True", want, "0.1.0", 30)) == NULL)
		return;
	CHECK_STR(ready_field(o, "reason"), "ChartPullSucceeded");
	snprintf(want, sizeof(want), "helmchart/%s/pinned/%s-0.1.0.tgz", ns, chart);
	CHECK_STR(art(o, "path"), want);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "observedChartName")), chart);
	if (artifact_file(full, sizeof(full), o) == 0) {
		/* stored as downloaded: the index's digest is the artifact's */
		CHECK(capture(index_digest, sizeof(index_digest), "sha256sum %s/%s-0.1.0.tgz | cut -d' ' -f1",
			      getenv("CFLUX_HELM_CHARTS"), chart) == 0);
		snprintf(want, sizeof(want), "sha256:%s", index_digest);
		CHECK_STR(art(o, "digest"), want);
		helm_reads(full, chart, "0.1.0");
	}
	json_decref(o);
}

/* The newest version in range; a new one published and the HelmRepository reconciled moves the
 * chart without touching the HelmChart (the source's new artifact enqueues it). */
static void new_version_picked_up(void)
{
	char spec[1024], stamp[64], full[1024];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  version: \">=0.1.0\"\n  sourceRef:\n    kind: HelmRepository\n    name: http\n", chart);
	CHECK(apply("HelmChart", "latest", spec) == 0);
	json_decref(wait_ready("HelmChart", "latest", "True", "pulled", "0.2.0", 30));
	CHECK(publish(chart, "0.3.0", NULL) == 0);
	snprintf(stamp, sizeof(stamp), "%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate --overwrite helmrepository http reconcile.fluxcd.io/requestedAt=new-%s >/dev/null", ns, stamp) == 0);
	o = wait_ready("HelmChart", "latest", "True", "pulled", "0.3.0", 30);
	if (o && artifact_file(full, sizeof(full), o) == 0)
		helm_reads(full, chart, "0.3.0");
	json_decref(o);
	/* the pinned one stays */
	json_decref(wait_ready("HelmChart", "pinned", "True", "pulled", "0.1.0", 5));
}

/* a package that is not what the index says: refused, nothing stored */
static void digest_mismatch_refused(void)
{
	char spec[1024], name[80];
	json_t *o;

	snprintf(name, sizeof(name), "%sx", chart);
	CHECK(publish(name, "0.1.0", NULL) == 0);
	CHECK(run("cp $CFLUX_HELM_CHARTS/%s-0.1.0.tgz $CFLUX_HELM_CHARTS/%s-0.1.0.tgz", chart, name) == 0);
	CHECK(run("kubectl -n %s annotate --overwrite helmrepository http reconcile.fluxcd.io/requestedAt=tamper-%ld >/dev/null",
		  ns, (long)time(NULL)) == 0);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  sourceRef:\n    kind: HelmRepository\n    name: http\n", name);
	CHECK(apply("HelmChart", "tampered", spec) == 0);
	o = wait_ready("HelmChart", "tampered", "False", "digest mismatch", NULL, 30);
	if (o) {
		CHECK_STR(ready_field(o, "reason"), "ChartPullFailed");
		CHECK(art(o, "path") == NULL);
	}
	json_decref(o);
}

/* An OCI HelmRepository: the chart pulled from <url>/<chart> by tag (newest in range, or the
 * exact version), over plain http, and over TLS with basic auth (right and wrong password). */
static void chart_from_oci_repository(void)
{
	char spec[1024], full[1024], want[300];
	json_t *o;

	if (env_need("CFLUX_REGISTRY") == NULL || env_need("CFLUX_REGISTRY_TLS") == NULL)
		return;
	CHECK(helm_push(getenv("CFLUX_REGISTRY"), "hs-plain", "--plain-http", 0) == 0);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  type: oci\n  insecure: true\n  url: oci://%s/hs-plain\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply("HelmRepository", "oci-plain", spec) == 0);
	json_decref(wait_ready("HelmRepository", "oci-plain", "True", "Helm repository is Ready", NULL, 30));
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  version: \"0.1.x\"\n  sourceRef:\n    kind: HelmRepository\n    name: oci-plain\n", chart);
	CHECK(apply("HelmChart", "oci-range", spec) == 0);
	snprintf(want, sizeof(want), "pulled '%s' chart with version '0.1.0'", chart);
	o = wait_ready("HelmChart", "oci-range", "True", want, "0.1.0", 30);
	if (o && artifact_file(full, sizeof(full), o) == 0)
		helm_reads(full, chart, "0.1.0");
	json_decref(o);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  version: \"0.2.0\"\n  sourceRef:\n    kind: HelmRepository\n    name: oci-plain\n", chart);
	CHECK(apply("HelmChart", "oci-exact", spec) == 0);
	json_decref(wait_ready("HelmChart", "oci-exact", "True", "pulled", "0.2.0", 30));

	CHECK(helm_push(getenv("CFLUX_REGISTRY_TLS"), "hs-tls", "--ca-file $CFLUX_CA", 1) == 0);
	CHECK(run("kubectl -n %s create secret generic registry --from-literal=username=$CFLUX_REGISTRY_USER "
		  "--from-literal=password=\"$CFLUX_REGISTRY_PASSWORD\" >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s create secret generic registry-wrong --from-literal=username=$CFLUX_REGISTRY_USER "
		  "--from-literal=password=not-it >/dev/null", ns) == 0);
	for (int wrong = 0; wrong < 2; wrong++) {
		char name[32];
		snprintf(name, sizeof(name), "oci-tls%s", wrong ? "-wrong" : "");
		snprintf(spec, sizeof(spec), "  interval: 10m\n  type: oci\n  url: oci://%s/hs-tls\n  secretRef:\n    name: %s\n"
			 "  certSecretRef:\n    name: ca\n", getenv("CFLUX_REGISTRY_TLS"), wrong ? "registry-wrong" : "registry");
		CHECK(apply("HelmRepository", name, spec) == 0);
		snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  sourceRef:\n    kind: HelmRepository\n    name: %s\n", chart, name);
		CHECK(apply("HelmChart", name, spec) == 0);
	}
	json_decref(wait_ready("HelmChart", "oci-tls", "True", "pulled", "0.2.0", 30));
	o = wait_ready("HelmChart", "oci-tls-wrong", "False", "failed to get chart version", NULL, 30);
	if (o) {
		CHECK_STR(ready_field(o, "reason"), "AuthenticationFailed");
		CHECK(strstr(ready_field(o, "message"), "not-it") == NULL);
	}
	json_decref(o);
}

static void apply_git_source(void)
{
	char spec[1024];

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: main\n", getenv("CFLUX_GIT_URL_HTTP"), gitname);
	CHECK(apply("GitRepository", "charts", spec) == 0);
	json_decref(wait_ready("GitRepository", "charts", "True", "stored artifact", NULL, 30));
}

static void chart_from_git_with_dependencies_and_values(void)
{
	char spec[1024], full[1024], out[65536], cmd[2048];
	json_t *o;

	apply_git_source();
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: ./charts/app\n  sourceRef:\n    kind: GitRepository\n    name: charts\n"
		 "  valuesFiles:\n  - charts/app/values.yaml\n  - values-prod.yaml\n");
	CHECK(apply("HelmChart", "app", spec) == 0);
	/* valuesFiles: the generation as build metadata, as Flux */
	if ((o = wait_ready("HelmChart", "app", "True", "packaged 'app' chart with version '0.1.0+1'", "0.1.0+1", 60)) == NULL)
		return;
	CHECK_STR(ready_field(o, "reason"), "ChartPackageSucceeded");
	snprintf(cmd, sizeof(cmd), "helmchart/%s/app/app-0.1.0+1.tgz", ns);
	CHECK_STR(art(o, "path"), cmd);
	CHECK(json_string_value(json_object_get(json_object_get(o, "status"), "observedSourceArtifactRevision")) != NULL);
	if (artifact_file(full, sizeof(full), o) < 0) {
		json_decref(o);
		return;
	}
	helm_reads(full, "app", "0.1.0+1");
	/* the file:// dependency unpacked, the remote one as its .tgz, values merged */
	CHECK(capture(out, sizeof(out), "tar -tzf %s", full) == 0);
	CHECK_CONTAINS(out, "app/charts/lib/Chart.yaml");
	snprintf(cmd, sizeof(cmd), "app/charts/%s-0.1.0.tgz", chart);
	CHECK_CONTAINS(out, cmd);
	CHECK(capture(out, sizeof(out), "$CFLUX_HELM template rel %s 2>&1", full) == 0);
	CHECK_CONTAINS(out, "name: rel-lib");
	CHECK_CONTAINS(out, "replicas: 3");
	snprintf(cmd, sizeof(cmd), "name: rel-%s", chart);
	CHECK_CONTAINS(out, cmd);
	CHECK(capture(out, sizeof(out), "tar -xzOf %s app/values.yaml", full) == 0);
	CHECK_CONTAINS(out, "tier: gold");
	json_decref(o);
}

static void reconcile_strategy_revision(void)
{
	char spec[1024], want[128], commit[64];
	json_t *o, *g;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: charts/lib\n  reconcileStrategy: Revision\n"
		 "  sourceRef:\n    kind: GitRepository\n    name: charts\n");
	CHECK(apply("HelmChart", "lib-rev", spec) == 0);
	CHECK(capture(commit, sizeof(commit), "git -C %s rev-parse HEAD", gitwork) == 0);
	snprintf(want, sizeof(want), "0.1.0+%.12s", commit);
	json_decref(wait_ready("HelmChart", "lib-rev", "True", "packaged 'lib' chart", want, 30));
	/* a new commit: a new revision of the same chart version */
	CHECK(run("set -e; cd %s; echo '# more' >> charts/lib/values.yaml; "
		  "git -c user.name=t -c user.email=t@localhost commit -q -am more; git push -q $CFLUX_GIT_REPOS/%s.git main",
		  gitwork, gitname) == 0);
	CHECK(capture(commit, sizeof(commit), "git -C %s rev-parse HEAD", gitwork) == 0);
	CHECK(run("kubectl -n %s annotate --overwrite gitrepository charts reconcile.fluxcd.io/requestedAt=%ld >/dev/null",
		  ns, (long)time(NULL)) == 0);
	snprintf(want, sizeof(want), "0.1.0+%.12s", commit);
	o = wait_ready("HelmChart", "lib-rev", "True", "packaged 'lib' chart", want, 30);
	g = get_obj("GitRepository", "charts");
	if (o && g)
		CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "observedSourceArtifactRevision")),
			  art(g, "revision"));
	json_decref(o);
	json_decref(g);
}

static void chart_that_fails_to_package(void)
{
	static const struct { const char *name, *path, *text; } cases[] = {
		{ "broken", "charts/broken", "chart.metadata.version is required" },
		{ "missing", "charts/nowhere", "directory 'charts/nowhere' not found" },
		{ "escapes", "../x", "leaves the source" },
	};
	char spec[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o;
		snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  sourceRef:\n    kind: GitRepository\n    name: charts\n", cases[i].path);
		CHECK(apply("HelmChart", cases[i].name, spec) == 0);
		o = wait_ready("HelmChart", cases[i].name, "False", cases[i].text, NULL, 30);
		if (o) {
			CHECK_STR(ready_field(o, "reason"), "ChartPackageFailed");
			CHECK(art(o, "path") == NULL);
		}
		json_decref(o);
	}
}

static void chart_refusals(void)
{
	char spec[1024];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: x\n  sourceRef:\n    kind: Bucket\n    name: b\n");
	CHECK(apply("HelmChart", "bucket", spec) == 0);
	o = wait_ready("HelmChart", "bucket", "False", "'Bucket' is not supported", NULL, 30);
	json_decref(o);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: %s\n  version: \">=9\"\n  sourceRef:\n    kind: HelmRepository\n    name: http\n", chart);
	CHECK(apply("HelmChart", "no-match", spec) == 0);
	o = wait_ready("HelmChart", "no-match", "False", "with version matching '>=9' found", NULL, 30);
	if (o)
		CHECK_STR(ready_field(o, "reason"), "ChartPullFailed");
	json_decref(o);
	snprintf(spec, sizeof(spec), "  interval: 10m\n  chart: x\n  sourceRef:\n    kind: HelmRepository\n    name: nowhere\n");
	CHECK(apply("HelmChart", "no-source", spec) == 0);
	o = wait_ready("HelmChart", "no-source", "False", "failed to get source", NULL, 30);
	if (o)
		CHECK_STR(ready_field(o, "reason"), "SourceUnavailable");
	json_decref(o);
}

/* the CLI: create source helm (applied and --export), get sources helm|chart with Flux's columns */
static void cli_create_and_get(void)
{
	char out[8192], want[600];
	json_t *o;

	CHECK(capture(out, sizeof(out), "bin/cflux -n %s create source helm via-cli --url %s --interval 5m --export", ns,
		      getenv("CFLUX_HELM_URL_HTTP")) == 0);
	CHECK_CONTAINS(out, "kind: HelmRepository");
	CHECK_CONTAINS(out, "interval: 5m");
	CHECK(run("bin/cflux -n %s create source helm via-cli --url %s --interval 5m >/dev/null 2>&1", ns,
		  getenv("CFLUX_HELM_URL_HTTP")) == 0);
	if ((o = wait_ready("HelmRepository", "via-cli", "True", "stored artifact", NULL, 30)) == NULL)
		return;
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get sources helm", ns) == 0);
	CHECK_CONTAINS(out, "NAME");
	CHECK_CONTAINS(out, "REVISION");
	CHECK_CONTAINS(out, "SUSPENDED");
	/* flux get prints a digest cut to 8 hex digits (sha256:0123abcd) */
	snprintf(want, sizeof(want), "%.15s", art(o, "revision"));
	CHECK_CONTAINS(out, want);
	/* get all: every kind with objects, sources first, named kind/name */
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get all", ns) == 0);
	CHECK_CONTAINS(out, "helmrepository/via-cli");
	CHECK_CONTAINS(out, "helmchart/pinned");
	CHECK(strstr(out, "helmrepository/") < strstr(out, "helmchart/"));
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get sources chart", ns) == 0);
	snprintf(want, sizeof(want), "pulled '%s' chart with version '0.1.0'", chart);
	CHECK_CONTAINS(out, want);
	/* reconcile a chart with its source, as flux reconcile source chart --with-source */
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s reconcile source chart pinned --with-source 2>&1", ns) == 0);
	snprintf(want, sizeof(want), "annotating HelmRepository '%s/http'", ns);
	CHECK_CONTAINS(out, want);
	snprintf(want, sizeof(want), "annotating HelmChart '%s/pinned'", ns);
	CHECK_CONTAINS(out, want);
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s create source helm oci --url oci://127.0.0.1:1/charts --export", ns) == 0);
	CHECK_CONTAINS(out, "type: oci");
	/* export: the objects as a user would commit them (spec, no status), one or --all */
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s export source helm via-cli", ns) == 0);
	CHECK_CONTAINS(out, "kind: HelmRepository");
	CHECK_CONTAINS(out, "name: via-cli");
	CHECK_CONTAINS(out, "interval: 5m");
	CHECK(strstr(out, "status:") == NULL && strstr(out, "resourceVersion") == NULL);
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s export source chart --all", ns) == 0);
	CHECK_CONTAINS(out, "kind: HelmChart");
	CHECK_CONTAINS(out, "name: pinned");
	CHECK(strstr(out, "status:") == NULL);
	json_decref(o);
}

static void oci_repository_ready_without_artifact(void)
{
	json_t *o;

	CHECK(apply("HelmRepository", "oci", "  interval: 10m\n  type: oci\n  url: oci://127.0.0.1:1/charts\n") == 0);
	o = wait_ready("HelmRepository", "oci", "True", "Helm repository is Ready", NULL, 30);
	if (o)
		CHECK(art(o, "path") == NULL);
	json_decref(o);
}

static void deletion_removes_storage(void)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/helmchart/%s/pinned", store, ns);
	CHECK(deletion_removes_dir(dir, ns, "helmchart", "pinned"));
}

/* SIGTERM: in-flight reconciles finish, exit 0 (under SANITIZE=1 also: no leak reported) */
static void sigterm_exits_cleanly(void)
{
	CHECK(sigterm_exits_zero(&controller));
}

static void cleanup(void)
{
	if (controller > 0) {
		kill(controller, SIGKILL);
		waitpid(controller, NULL, 0);
	}
	if (kube)
		cf_kube_delete(kube, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	run("for k in helmcharts helmrepositories gitrepositories; do for g in $(kubectl -n %s get $k -o name 2>/dev/null); do "
	    "kubectl -n %s patch $g --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; done", ns, ns);
	/* the test's chart versions leave the shared repository */
	run("rm -f $CFLUX_HELM_CHARTS/%s-*.tgz $CFLUX_HELM_CHARTS/%sx-*.tgz && $CFLUX_HELM repo index $CFLUX_HELM_CHARTS", chart, chart);
	/* the controller's log stays with the environment's logs */
	run("cp %s/controller.log $CFLUX_ENV_DIR/log/test_helm_sources.controller.log 2>/dev/null", store);
	run("rm -rf %s $CFLUX_GIT_REPOS/%s.git", store, gitname);
	cf_kube_free(kube);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "repo_over_http", repo_over_http },
	{ "repo_over_https_with_ca", repo_over_https_with_ca },
	{ "repo_basic_auth", repo_basic_auth },
	{ "index_over_cap_refused", index_over_cap_refused },
	{ "unchanged_index_not_rewritten", unchanged_index_not_rewritten },
	{ "chart_from_repo_with_range", chart_from_repo_with_range },
	{ "new_version_picked_up", new_version_picked_up },
	{ "digest_mismatch_refused", digest_mismatch_refused },
	{ "chart_from_oci_repository", chart_from_oci_repository },
	{ "chart_from_git_with_dependencies_and_values", chart_from_git_with_dependencies_and_values },
	{ "reconcile_strategy_revision", reconcile_strategy_revision },
	{ "chart_that_fails_to_package", chart_that_fails_to_package },
	{ "chart_refusals", chart_refusals },
	{ "cli_create_and_get", cli_create_and_get },
	{ "oci_repository_ready_without_artifact", oci_repository_ready_without_artifact },
	{ "deletion_removes_storage", deletion_removes_storage },
	{ "sigterm_exits_cleanly", sigterm_exits_cleanly },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
