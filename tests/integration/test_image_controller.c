/* tests/integration/test_image_controller.c - bin/image-automation-controller's scanning half
 * (ImageRepository, ImagePolicy) against Debian's docker-registry (tests/env: plain http; https
 * with htpasswd behind the env's CA; token auth) and the real apiserver, the controller running
 * with the ServiceAccount token that `cflux install`'s RBAC gives it (tests/env/sa-tokens): a
 * scan over Link pages with the default exclusion, the tag store, a scan that changes nothing
 * writes nothing, semver/alphabetical/numerical policies with filterTags extract and digest
 * reflection, a new tag picked up on `cflux reconcile image repository`, credentials from a
 * dockerconfigjson Secret with certSecretRef and from a ServiceAccount's imagePullSecrets, a
 * wrong password, Stalled specs (invalid range, regex, image), `cflux get images all`,
 * suspend/resume, cross-namespace references (accessFrom, --no-cross-namespace-refs), the store
 * removed with the object, SIGTERM. */
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "registry_env.h"
#include "source/oci.h"
#include "test.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVENTS_ADDR "tcp://127.0.0.1:17182"
#define REPO "cflux/img"
#define IMG_AV "image.toolkit.fluxcd.io/v1beta2"
#define BUILDS 30            /* build-N tags: with the page size of 10, the list takes four pages */
#define PAGE "10"

static char ns[64], store[] = "/tmp/cflux-img-XXXXXX", storage[700];
static pid_t ctl;
static cf_kube *kube;
static size_t pushed_count;   /* tags in REPO on the plain registry, .sig included */

static int push_tag(cf_oci *c, const char *repo, const char *tag, char digest[72])
{
	cf_buf cfg = CF_BUF_INIT(4096), man = CF_BUF_INIT(4096);
	char cd[72], layer[72];
	int rc;

	/* a config per tag: every tag its own manifest digest */
	rc = cf_buf_printf(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"tag\":\"%s\"}},"
			   "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", tag);
	if (rc == 0) rc = cf_oci_blob_push(c, repo, cfg.data, cfg.len, cd);
	if (rc == 0) rc = cf_oci_blob_push(c, repo, "layer", 5, layer);
	if (rc == 0)
		rc = cf_buf_printf(&man, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
				   "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":"
				   "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":5}]}",
				   CF_OCI_MT_MANIFEST, cd, cfg.len, layer);
	if (rc == 0)
		rc = cf_oci_manifest_push(c, repo, tag, CF_OCI_MT_MANIFEST, man.data, man.len, digest);
	cf_buf_free(&cfg);
	cf_buf_free(&man);
	return rc;
}

/* tag pushed to repo of the registry at $registry_env: over https with the env's CA unless
 * insecure, with the env's credentials when auth */
static int push_to(const char *registry_env, int insecure, int auth, const char *repo, const char *tag, char digest[72])
{
	cf_oci *c = NULL;
	char d[72];
	int rc = registry_open(&c, registry_env, insecure, auth ? getenv("CFLUX_REGISTRY_PASSWORD") : NULL, !insecure);

	if (rc == 0)
		rc = push_tag(c, repo, tag, digest ? digest : d);
	cf_oci_free(c);
	return rc;
}

static int push_plain(const char *tag, char digest[72])
{
	int rc = push_to("CFLUX_REGISTRY", 1, 0, REPO, tag, digest);

	pushed_count += rc == 0;
	return rc;
}

static const char *const TAGS[] = { "1.0.0", "1.0.1", "1.1.0", "2.0.0-rc.1", "latest", "main-abc1234-1611840548",
				    "main-def5678-1611840600", "main-0a1b2c3-99", "sha256-0123.sig" };
static char digest_101[72];

static void setup(void)
{
	char tag[32];

	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || env_need("CFLUX_REGISTRY") == NULL ||
	    env_need("CFLUX_REGISTRY_TLS") == NULL || env_need("CFLUX_REGISTRY_TOKEN") == NULL || mkdtemp(store) == NULL) {
		cf_test_fail(__FILE__, __LINE__, "environment missing (tests/env/up with registry, registry-tls, registry-token)");
		return;
	}
	kube = kube_client("CFLUX_KUBECONFIG_TOKEN", NULL);
	snprintf(ns, sizeof(ns), "cflux-img-%ld", (long)getpid());
	CHECK(run("kubectl create namespace %s >/dev/null", ns) == 0);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	for (size_t i = 0; i < sizeof(TAGS) / sizeof(TAGS[0]); i++)
		CHECK_OK(push_plain(TAGS[i], strcmp(TAGS[i], "1.0.1") == 0 ? digest_101 : NULL));
	for (int i = 0; i < BUILDS; i++) {
		snprintf(tag, sizeof(tag), "build-%03d", i);
		CHECK_OK(push_plain(tag, NULL));
	}
	snprintf(storage, sizeof(storage), "%s/storage", store);
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("image-automation-controller"), "--watch-namespace", ns,
				       "--storage-path", storage, "--internal-token-file", internal_token_file(),
				       "--events-addr", EVENTS_ADDR, "--tags-page-size", PAGE, "--log-level", "debug", NULL };
		char log[800];
		snprintf(log, sizeof(log), "%s/image-automation-controller.log", store);
		ctl = start_logged("bin/image-automation-controller", args, log);
	}
	CHECK(ctl > 0);
}

static void cleanup(void)
{
	/* the controller stops first: running, it would put a finalizer back before the
	 * namespace goes (a Kubernetes 1.20 namespace then finishes without the object, which
	 * keeps its CRD from ever being deleted) */
	if (ctl > 0)
		CHECK(sigterm_exits_zero(&ctl));   /* finishes what is in flight, exits 0 */
	if (ns[0])
		run("for k in imagepolicies imagerepositories; do kubectl -n %s get $k -o name 2>/dev/null | "
		    "xargs -r kubectl -n %s patch --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; "
		    "kubectl delete namespace %s --wait=false >/dev/null 2>&1", ns, ns, ns);
	cf_kube_free(kube);
	if (run("! grep -l 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:' %s/*.log", store) != 0)
		cf_test_fail(__FILE__, __LINE__, "sanitizer reports in the controller log in %s", store);
	else if (cf_test_passed("scan_pages_and_exclusion") && cf_test_passed("policies"))
		run("rm -rf %s", store);
	else
		fprintf(stderr, "logs kept in %s\n", store);
}

/* ---- helpers ---- */

static int apply(const char *kind, const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: " IMG_AV "\nkind: %s\nmetadata:\n  name: %s\n"
		   "  namespace: %s\nspec:\n%sEOT\n", kind, name, ns, spec);
}

static json_t *get_in(const char *in, const char *kind, const char *name)
{
	json_t *o = NULL;

	cf_kube_get(kube, &o, &(cf_kube_ref){ IMG_AV, kind, in, name });
	return o;
}

static json_t *get(const char *kind, const char *name)
{
	return get_in(ns, kind, name);
}

static const json_t *status(const json_t *o)
{
	return json_object_get(o, "status");
}

/* Waits until condition type of kind/name is want with text in its message, at the object's
 * generation; the object (caller decrefs) or NULL after a failure naming what was seen. */
static json_t *wait_cond_in(const char *in, const char *kind, const char *name, const char *type, const char *want,
			    const char *text, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg;
		json_decref(o);
		o = get_in(in, kind, name);
		st = obj_condition(o, type, "status");
		msg = obj_condition(o, type, "message");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) &&
		    json_integer_value(json_object_get(status(o), "observedGeneration")) ==
		    json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s/%s: %s is %s \"%s\", want %s with \"%s\"", kind, name, type,
		     obj_condition(o, type, "status") ? obj_condition(o, type, "status") : "unset",
		     obj_condition(o, type, "message") ? obj_condition(o, type, "message") : "", want, text ? text : "");
	json_decref(o);
	return NULL;
}

static json_t *wait_cond(const char *kind, const char *name, const char *type, const char *want, const char *text, int secs)
{
	return wait_cond_in(ns, kind, name, type, want, text, secs);
}

static const char *latest_tag(const json_t *policy)
{
	return cf_json_str(json_object_get(status(policy), "latestRef"), "tag");
}

/* Waits until policy name's latestRef.tag is tag; the object or NULL */
static json_t *wait_tag(const char *name, const char *tag, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		json_decref(o);
		o = get("ImagePolicy", name);
		if (latest_tag(o) && strcmp(latest_tag(o), tag) == 0 && obj_condition(o, "Ready", "status") &&
		    strcmp(obj_condition(o, "Ready", "status"), "True") == 0)
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "ImagePolicy %s: latest tag %s (Ready: %s), want %s", name,
		     latest_tag(o) ? latest_tag(o) : "none", obj_condition(o, "Ready", "message") ? obj_condition(o, "Ready", "message") : "",
		     tag);
	json_decref(o);
	return NULL;
}

static long long scan_count(const json_t *repo)
{
	return json_integer_value(json_object_get(json_object_get(status(repo), "lastScanResult"), "tagCount"));
}

static void plain_repository(const char *name, const char *interval)
{
	char spec[400];

	snprintf(spec, sizeof(spec), "  image: %s/" REPO "\n  interval: %s\n  insecure: true\n", getenv("CFLUX_REGISTRY"), interval);
	CHECK(apply("ImageRepository", name, spec) == 0);
}

/* ---- ImageRepository ---- */

static void scan_pages_and_exclusion(void)
{
	char want[300], path[900];
	const json_t *scan, *latest;
	struct stat st;
	json_t *o;

	plain_repository("app", "1h");
	o = wait_cond("ImageRepository", "app", "Ready", "True", "successful scan: found", 60);
	if (o == NULL)
		return;
	CHECK_STR(obj_condition(o, "Ready", "reason"), "Succeeded");
	scan = json_object_get(status(o), "lastScanResult");
	/* every page read (the controller asks for 10 a page), the .sig tag excluded by default */
	CHECK(scan_count(o) == (long long)pushed_count - 1);
	snprintf(want, sizeof(want), "found %zu tags", pushed_count - 1);
	CHECK_CONTAINS(obj_condition(o, "Ready", "message"), want);
	snprintf(want, sizeof(want), "%s/" REPO, getenv("CFLUX_REGISTRY"));
	CHECK_STR(cf_json_str(status(o), "canonicalImageName"), want);
	CHECK_STR(json_string_value(json_array_get(json_object_get(status(o), "observedExclusionList"), 0)), "^.*\\.sig$");
	CHECK(strncmp(cf_json_str(scan, "revision") ? cf_json_str(scan, "revision") : "", "sha256:", 7) == 0);
	CHECK(cf_json_str(scan, "scanTime") != NULL);
	/* Flux's latestTags: the 10 highest, descending */
	latest = json_object_get(scan, "latestTags");
	CHECK(json_array_size(latest) == 10);
	CHECK_STR(json_string_value(json_array_get(latest, 0)), "main-def5678-1611840600");
	CHECK_STR(json_string_value(json_array_get(latest, 1)), "main-abc1234-1611840548");
	/* the store: one compact file for the repository */
	snprintf(path, sizeof(path), "%s/imagerepository/%s/app/tags", storage, ns);
	CHECK(stat(path, &st) == 0 && st.st_size > 0 && st.st_size < 130 * (long)pushed_count);
	CHECK(run("head -1 %s | grep -qx 'cflux-tags 1 %zu' && ! grep -q '\\.sig' %s", path, pushed_count - 1, path) == 0);
	json_decref(o);
}

/* A scan that finds what the last one found writes nothing: several scans (the controller's
 * log says so), one resourceVersion. */
static void unchanged_scan_writes_nothing(void)
{
	json_t *o;
	char rv[64] = "", cmd[1200];
	int scans = 0;

	plain_repository("quiet", "1s");
	o = wait_cond("ImageRepository", "quiet", "Ready", "True", "successful scan", 60);
	if (o == NULL)
		return;
	snprintf(rv, sizeof(rv), "%s", cf_json_str(json_object_get(o, "metadata"), "resourceVersion"));
	json_decref(o);
	snprintf(cmd, sizeof(cmd), "grep -c 'scanned.*object=%s/quiet.*stored=unchanged' %s/image-automation-controller.log", ns, store);
	for (int i = 0; i < 200 && scans < 3; i++) {
		char out[32] = "";
		capture(out, sizeof(out), "%s", cmd);
		scans = atoi(out);
		if (scans < 3)
			msleep(100);
	}
	CHECK(scans >= 3);
	o = get("ImageRepository", "quiet");
	CHECK_STR(cf_json_str(json_object_get(o, "metadata"), "resourceVersion"), rv);
	json_decref(o);
	CHECK(run("kubectl -n %s delete imagerepository quiet --wait=true --timeout=30s >/dev/null", ns) == 0);
}

static void invalid_image_stalled(void)
{
	json_t *o;

	CHECK(apply("ImageRepository", "tagged", "  image: registry.example/app:1.0\n  interval: 1h\n") == 0);
	o = wait_cond("ImageRepository", "tagged", "Stalled", "True", "spec.image", 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "ImageURLInvalid");
	json_decref(o);
	CHECK(apply("ImageRepository", "badex", "  image: registry.example/app\n  interval: 1h\n  exclusionList: ['(']\n") == 0);
	o = wait_cond("ImageRepository", "badex", "Stalled", "True", "spec.exclusionList[0]", 60);
	json_decref(o);
}

/* ---- ImagePolicy ---- */

static void policy(const char *name, const char *repo, const char *body)
{
	char spec[1200];

	snprintf(spec, sizeof(spec), "  imageRepositoryRef:\n    name: %s\n%s", repo, body);
	CHECK(apply("ImagePolicy", name, spec) == 0);
}

static void policies(void)
{
	json_t *o;
	char want[400];

	CF_TEST_REQUIRE("scan_pages_and_exclusion");
	policy("semver", "app", "  policy:\n    semver:\n      range: 1.0.x\n  digestReflectionPolicy: IfNotPresent\n");
	policy("alpha", "app", "  filterTags:\n    pattern: '^build-(?P<n>\\d+)$'\n    extract: '$n'\n  policy:\n    alphabetical:\n      order: desc\n");
	policy("ts", "app", "  filterTags:\n    pattern: '^main-[a-fA-F0-9]+-(?P<ts>.*)'\n    extract: '$ts'\n  policy:\n    numerical:\n      order: asc\n");
	o = wait_tag("semver", "1.0.1", 60);
	if (o) {
		snprintf(want, sizeof(want), "%s/" REPO, getenv("CFLUX_REGISTRY"));
		CHECK_STR(cf_json_str(json_object_get(status(o), "latestRef"), "name"), want);
		CHECK_STR(cf_json_str(json_object_get(status(o), "latestRef"), "digest"), digest_101);
		snprintf(want, sizeof(want), "%s/" REPO ":1.0.1", getenv("CFLUX_REGISTRY"));
		CHECK_STR(cf_json_str(status(o), "latestImage"), want);
		snprintf(want, sizeof(want), "Latest image tag for %s/" REPO " resolved to 1.0.1 with digest %s", getenv("CFLUX_REGISTRY"), digest_101);
		CHECK_STR(obj_condition(o, "Ready", "message"), want);
		CHECK(json_object_get(status(o), "observedPreviousRef") == NULL);
	}
	json_decref(o);
	json_decref(wait_tag("alpha", "build-000", 60));
	json_decref(wait_tag("ts", "main-def5678-1611840600", 60));
}

/* Flux 2.7+'s docs write image.toolkit.fluxcd.io/v1: the same CRDs serve it (one schema,
 * stored as v1beta2), and the controller reconciles such objects as any other */
static void flux_v1_manifests(void)
{
	json_t *o;

	CF_TEST_REQUIRE("scan_pages_and_exclusion");
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
		  "metadata:\n  name: v1-doc\n  namespace: %s\nspec:\n  imageRepositoryRef:\n    name: app\n"
		  "  policy:\n    semver:\n      range: 1.0.x\nEOT\n", ns) == 0);
	o = wait_tag("v1-doc", "1.0.1", 60);
	json_decref(o);
	o = NULL;
	CHECK(cf_kube_get(kube, &o, &(cf_kube_ref){ "image.toolkit.fluxcd.io/v1", "ImagePolicy", ns, "v1-doc" }) == 0);
	CHECK_STR(cf_json_str(json_object_get(json_object_get(o, "status"), "latestRef"), "tag"), "1.0.1");
	json_decref(o);
}

/* a new tag, a reconcile of the repository, and the policy moves (with an event) */
static void new_tag_on_reconcile(void)
{
	char out[8192];
	json_t *o;

	CF_TEST_REQUIRE("policies");
	CHECK_OK(push_plain("1.0.2", NULL));
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s reconcile image repository app 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "ImageRepository reconciliation completed");
	CHECK_CONTAINS(out, "scan fetched ");
	o = wait_tag("semver", "1.0.2", 60);
	if (o) {
		CHECK_STR(cf_json_str(json_object_get(status(o), "observedPreviousRef"), "tag"), "1.0.1");
		CHECK_CONTAINS(obj_condition(o, "Ready", "message"), "resolved to 1.0.2");
		CHECK_CONTAINS(obj_condition(o, "Ready", "message"), "(previously ");
		CHECK(cf_json_str(json_object_get(status(o), "latestRef"), "digest") != NULL);
	}
	json_decref(o);
	o = get("ImageRepository", "app");
	CHECK(scan_count(o) == (long long)pushed_count - 1);
	json_decref(o);
	/* the Kubernetes Event of the move */
	for (int i = 0; i < 100; i++) {
		if (capture(out, sizeof(out), "kubectl -n %s get events --field-selector involvedObject.name=semver "
			    "-o jsonpath='{range .items[*]}{.reason}:{.message}{\"\\n\"}{end}'", ns) == 0 && strstr(out, "resolved to 1.0.2"))
			break;
		msleep(100);
	}
	CHECK_CONTAINS(out, "Succeeded:Latest image tag for");
	CHECK_CONTAINS(out, "resolved to 1.0.2");
}

static void policy_failures(void)
{
	json_t *o;

	CF_TEST_REQUIRE("scan_pages_and_exclusion");
	policy("badrange", "app", "  policy:\n    semver:\n      range: 'not-a-range'\n");
	o = wait_cond("ImagePolicy", "badrange", "Stalled", "True", "spec.policy.semver.range", 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "InvalidPolicy");
	json_decref(o);
	policy("badregex", "app", "  filterTags:\n    pattern: '^test-(.*'\n  policy:\n    alphabetical: {}\n");
	o = wait_cond("ImagePolicy", "badregex", "Stalled", "True", "spec.filterTags.pattern: invalid regular expression pattern", 60);
	json_decref(o);
	policy("nothing", "app", "  policy:\n    semver:\n      range: '>=9.0.0'\n");
	o = wait_cond("ImagePolicy", "nothing", "Ready", "False", "unable to determine latest version", 60);
	if (o) {
		CHECK_STR(obj_condition(o, "Ready", "reason"), "Failure");
		CHECK(obj_condition(o, "Stalled", "status") == NULL);
	}
	json_decref(o);
	policy("norepo", "missing", "  policy:\n    alphabetical: {}\n");
	o = wait_cond("ImagePolicy", "norepo", "Ready", "False", "failed to get the referred ImageRepository", 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "DependencyNotReady");
	json_decref(o);
}

/* ---- credentials ---- */

static void dockerconfig_secret(const char *name, const char *registry, const char *password)
{
	char auth[300], *b64 = NULL;

	snprintf(auth, sizeof(auth), "%s:%s", getenv("CFLUX_REGISTRY_USER"), password);
	CHECK_OK(cf_base64_encode(&b64, (const unsigned char *)auth, strlen(auth)));
	CHECK(run("kubectl -n %s create secret generic %s --type kubernetes.io/dockerconfigjson "
		  "--from-literal=.dockerconfigjson='{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}' --dry-run=client -o yaml | "
		  "kubectl apply -f - >/dev/null", ns, name, registry, b64 ? b64 : "") == 0);
	cf_free(b64);
}

static void tls_registry_auth(void)
{
	char spec[600];
	json_t *o;

	CHECK_OK(push_to("CFLUX_REGISTRY_TLS", 0, 1, "cflux/private", "3.1.0", NULL));
	CHECK_OK(push_to("CFLUX_REGISTRY_TLS", 0, 1, "cflux/private", "3.2.0", NULL));
	CHECK(run("kubectl -n %s create secret generic registry-ca --from-file=ca.crt=%s >/dev/null", ns, getenv("CFLUX_CA")) == 0);
	dockerconfig_secret("good-auth", getenv("CFLUX_REGISTRY_TLS"), getenv("CFLUX_REGISTRY_PASSWORD"));
	dockerconfig_secret("bad-auth", getenv("CFLUX_REGISTRY_TLS"), "wrong-password-123");
	snprintf(spec, sizeof(spec), "  image: %s/cflux/private\n  interval: 1h\n  secretRef:\n    name: good-auth\n"
		 "  certSecretRef:\n    name: registry-ca\n", getenv("CFLUX_REGISTRY_TLS"));
	CHECK(apply("ImageRepository", "private", spec) == 0);
	o = wait_cond("ImageRepository", "private", "Ready", "True", "found 2 tags", 60);
	json_decref(o);
	snprintf(spec, sizeof(spec), "  image: %s/cflux/private\n  interval: 1h\n  secretRef:\n    name: bad-auth\n"
		 "  certSecretRef:\n    name: registry-ca\n", getenv("CFLUX_REGISTRY_TLS"));
	CHECK(apply("ImageRepository", "wrongpass", spec) == 0);
	o = wait_cond("ImageRepository", "wrongpass", "Ready", "False", "scan failed", 60);
	if (o) {
		CHECK_STR(obj_condition(o, "Ready", "reason"), "AuthenticationFailed");
		CHECK_CONTAINS(obj_condition(o, "Ready", "message"), "authentication failed");
		CHECK_CONTAINS(obj_condition(o, "Ready", "message"), getenv("CFLUX_REGISTRY_TLS"));
		CHECK(strstr(obj_condition(o, "Ready", "message"), "wrong-password-123") == NULL);
		CHECK(obj_condition(o, "Stalled", "status") == NULL);
	}
	json_decref(o);
	CHECK(run("! grep -q wrong-password-123 %s/image-automation-controller.log", store) == 0);
	/* a missing Secret names itself */
	snprintf(spec, sizeof(spec), "  image: %s/cflux/private\n  interval: 1h\n  secretRef:\n    name: nope\n", getenv("CFLUX_REGISTRY_TLS"));
	CHECK(apply("ImageRepository", "nosecret", spec) == 0);
	o = wait_cond("ImageRepository", "nosecret", "Ready", "False", "failed to get secret", 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "AuthenticationFailed");
	json_decref(o);
}

/* the token registry (Bearer), with the credentials of a ServiceAccount's imagePullSecrets */
static void service_account_pull_secret(void)
{
	char spec[600];
	json_t *o;

	CHECK_OK(push_to("CFLUX_REGISTRY_TOKEN", 1, 1, "cflux/tok", "0.9.0", NULL));
	CHECK(run("kubectl -n %s create secret docker-registry token-auth --docker-server=%s --docker-username=%s "
		  "--docker-password=%s >/dev/null && kubectl -n %s create serviceaccount puller >/dev/null && "
		  "kubectl -n %s patch serviceaccount puller -p '{\"imagePullSecrets\":[{\"name\":\"token-auth\"}]}' >/dev/null",
		  ns, getenv("CFLUX_REGISTRY_TOKEN"), getenv("CFLUX_REGISTRY_USER"), getenv("CFLUX_REGISTRY_PASSWORD"), ns, ns) == 0);
	snprintf(spec, sizeof(spec), "  image: %s/cflux/tok\n  interval: 1h\n  insecure: true\n  serviceAccountName: puller\n",
		 getenv("CFLUX_REGISTRY_TOKEN"));
	CHECK(apply("ImageRepository", "bearer", spec) == 0);
	o = wait_cond("ImageRepository", "bearer", "Ready", "True", "found 1 tags", 60);
	if (o)
		CHECK_STR(json_string_value(json_array_get(json_object_get(json_object_get(status(o), "lastScanResult"), "latestTags"), 0)), "0.9.0");
	json_decref(o);
}

/* ---- the CLI ---- */

static void cli_get_suspend_resume(void)
{
	char out[16384];
	json_t *o;

	CF_TEST_REQUIRE("policies");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get images all 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "imagerepository/app");
	CHECK_CONTAINS(out, "imagepolicy/semver");
	CHECK_CONTAINS(out, "successful scan");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get images policy 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "Latest image tag for");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s export image repository app 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "kind: ImageRepository");
	CHECK(strstr(out, "status:") == NULL);
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s export image policy --all 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "kind: ImagePolicy");
	CHECK_CONTAINS(out, "name: semver");
	CHECK(strstr(out, "status:") == NULL);
	CHECK(run("bin/cflux -n %s suspend image repository app >/dev/null 2>&1", ns) == 0);
	o = get("ImageRepository", "app");
	CHECK(json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")));
	json_decref(o);
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s reconcile image repository app 2>&1", ns) != 0);
	CHECK_CONTAINS(out, "suspended");
	CHECK(run("bin/cflux -n %s resume image repository app >/dev/null 2>&1", ns) == 0);
	json_decref(wait_cond("ImageRepository", "app", "Ready", "True", "successful scan", 60));
}

/* A policy in another namespace, under a second controller that watches only that namespace
 * and reads the first one's stores: refused until the repository's accessFrom admits the
 * namespace's labels; refused whatever accessFrom says with --no-cross-namespace-refs. */
static pid_t start_second(const char *ns2, int strict)
{
	const char *args[] = { "--kubeconfig", controller_kubeconfig("image-automation-controller"), "--watch-namespace", ns2,
			       "--storage-path", storage, "--events-addr", EVENTS_ADDR, "--log-level", "debug",
			       strict ? "--no-cross-namespace-refs" : NULL, NULL };
	char log[800];

	snprintf(log, sizeof(log), "%s/second.log", store);
	return start_logged("bin/image-automation-controller", args, log);
}

static int apply_cross(const char *ns2, const char *name)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: " IMG_AV "\nkind: ImagePolicy\nmetadata:\n"
		   "  name: %s\n  namespace: %s\nspec:\n  imageRepositoryRef:\n    name: app\n    namespace: %s\n"
		   "  policy:\n    semver:\n      range: 1.0.x\nEOT\n", name, ns2, ns);
}

/* policy name of ns2, applied under a second controller (strict: --no-cross-namespace-refs),
 * is refused with AccessDenied and text; the second controller, still running, in *second */
static void expect_denied(pid_t *second, const char *ns2, int strict, const char *name, const char *text)
{
	json_t *o;

	*second = start_second(ns2, strict);
	CHECK(*second > 0 && apply_cross(ns2, name) == 0);
	o = wait_cond_in(ns2, "ImagePolicy", name, "Ready", "False", text, 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "AccessDenied");
	json_decref(o);
}

static void cross_namespace_access(void)
{
	char ns2[80];
	pid_t second = 0;

	CF_TEST_REQUIRE("policies");
	snprintf(ns2, sizeof(ns2), "%s-b", ns);
	CHECK(run("kubectl create namespace %s >/dev/null && kubectl label namespace %s team=a >/dev/null", ns2, ns2) == 0);
	expect_denied(&second, ns2, 0, "cross", "missing ACL labels on 'accessFrom'");
	CHECK(run("kubectl -n %s patch imagerepository app --type merge -p "
		  "'{\"spec\":{\"accessFrom\":{\"namespaceSelectors\":[{\"matchLabels\":{\"team\":\"a\"}}]}}}' >/dev/null", ns) == 0);
	json_decref(wait_cond_in(ns2, "ImagePolicy", "cross", "Ready", "True", "resolved to 1.0.", 90));   /* its retry */
	CHECK(sigterm_exits_zero(&second));
	expect_denied(&second, ns2, 1, "strict", "cross-namespace references have been blocked");
	CHECK(sigterm_exits_zero(&second));
	run("kubectl -n %s get imagepolicies -o name | xargs -r kubectl -n %s patch --type merge -p '{\"metadata\":{\"finalizers\":null}}' "
	    ">/dev/null 2>&1; kubectl delete namespace %s --wait=false >/dev/null 2>&1", ns2, ns2, ns2);
}

/* the finalizer removes the store with the object */
static void deletion_removes_store(void)
{
	char dir[900];

	CF_TEST_REQUIRE("scan_pages_and_exclusion");
	snprintf(dir, sizeof(dir), "%s/imagerepository/%s/app", storage, ns);
	CHECK(deletion_removes_dir(dir, ns, "imagerepository", "app"));
}

static const cf_test_case tests[] = {
	CF_TEST_SETUP("setup", setup),
	{ "scan_pages_and_exclusion", scan_pages_and_exclusion },
	{ "unchanged_scan_writes_nothing", unchanged_scan_writes_nothing },
	{ "invalid_image_stalled", invalid_image_stalled },
	{ "policies", policies },
	{ "flux_v1_manifests", flux_v1_manifests },
	{ "new_tag_on_reconcile", new_tag_on_reconcile },
	{ "policy_failures", policy_failures },
	{ "tls_registry_auth", tls_registry_auth },
	{ "service_account_pull_secret", service_account_pull_secret },
	{ "cli_get_suspend_resume", cli_get_suspend_resume },
	{ "cross_namespace_access", cross_namespace_access },
	{ "deletion_removes_store", deletion_removes_store },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(tests)
