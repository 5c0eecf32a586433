/* tests/integration/test_ocirepository.c - the OCI client and OCIRepository against Debian's docker-registry
 * (tests/env: plain http, anonymous; https with htpasswd behind the env's CA), with
 * bin/source-controller and bin/kustomize-controller against the real apiserver: pushes through
 * the registry API, tag lists over Link pages, tag/semver/digest refs, extract and copy, './' tar
 * entries, Basic auth from a dockerconfigjson Secret with certSecretRef, Bearer tokens (the
 * registry's token auth against tests/env/token-server.c), a client certificate, a wrong password (Ready
 * False, artifact kept), a corrupted blob (digest mismatch), refused providers, a Kustomization
 * from an OCIRepository, and `cflux create source oci` / `get sources oci`. */
#include "bus/bus.h"
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "registry_env.h"
#include "source/oci.h"
#include "source/tree.h"
#include "test.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17170"
#define NOTIFY_ADDR "tcp://127.0.0.1:17171"
#define EVENTS_ADDR "tcp://127.0.0.1:17172"
#define REPO "cflux/app"

static char ns[64], store[] = "/tmp/cflux-oci-XXXXXX";
static pid_t source_ctl, kustomize_ctl;
static cf_kube *kube;
/* what was pushed: manifest and layer digests per tag */
static struct pushed { const char *tag; char manifest[72], layer[72]; } pushed[] = {
	{ "v1.0.0", "", "" }, { "v1.1.0", "", "" }, { "v2.0.0-rc.1", "", "" }, { "latest", "", "" }, { "broken", "", "" },
};

/* bin/NAME, its stderr in the store's NAME.log. */
static pid_t start(const char *bin, const char *const *args)
{
	char log[700];

	snprintf(log, sizeof(log), "%s/%s.log", store, bin + 4);
	return start_logged(bin, args, log);
}

static struct pushed *pushed_tag(const char *tag)
{
	for (size_t i = 0; i < sizeof(pushed) / sizeof(pushed[0]); i++)
		if (strcmp(pushed[i].tag, tag) == 0)
			return &pushed[i];
	return NULL;
}

static int read_all(cf_buf *b, const char *path)
{
	cf_buf_reset(b);
	return cf_buf_read_file(b, path);
}

/* A Flux-style artifact for tag (made on the first push): a tar.gz of a directory made with `tar -C dir .` (so its
 * entries are "./", "./deploy/cm.yaml"), a config blob, and an OCI manifest with annotations. */
static int push_artifact(cf_oci *c, const char *repo, struct pushed *p)
{
	cf_buf tgz = CF_BUF_INIT(1u << 20), man = CF_BUF_INIT(1u << 16);
	char dir[700], cfg[72], d[72];
	int rc;

	snprintf(dir, sizeof(dir), "%s/content-%s", store, p->tag);
	/* made once: other registries get the same bytes, so the same digests */
	rc = p->layer[0] ? 0 : run("mkdir -p %s/deploy && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: oci-app\\n"
		 "data:\\n  version: \"%s\"\\n' > %s/deploy/cm.yaml && printf 'resources:\\n- cm.yaml\\n' > %s/deploy/kustomization.yaml && "
		 "echo junk > %s/deploy/.git-keep && tar -czf %s/%s.tgz -C %s .", dir, p->tag, dir, dir, dir, store, p->tag, dir);
	if (rc != 0)
		return CF_EIO;
	snprintf(dir, sizeof(dir), "%s/%s.tgz", store, p->tag);
	if ((rc = read_all(&tgz, dir)) < 0)
		goto out;
	if ((rc = cf_oci_blob_push(c, repo, tgz.data, tgz.len, p->layer)) < 0 || (rc = cf_oci_blob_push(c, repo, "{}", 2, cfg)) < 0)
		goto out;
	rc = cf_buf_printf(&man, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"application/vnd.cncf.flux.config.v1+json\","
			   "\"digest\":\"%s\",\"size\":2},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}],"
			   "\"annotations\":{\"org.opencontainers.image.revision\":\"%s@sha1:0123\",\"org.opencontainers.image.source\":\"https://example.org/app\"}}",
			   CF_OCI_MT_MANIFEST, cfg, CF_OCI_MT_FLUX_CONTENT, p->layer, tgz.len, p->tag);
	if (rc == 0)
		rc = cf_oci_manifest_push(c, repo, p->tag, CF_OCI_MT_MANIFEST, man.data, man.len, d);
	if (rc == 0)
		memcpy(p->manifest, d, sizeof(d));
out:
	cf_buf_free(&tgz);
	cf_buf_free(&man);
	return rc;
}

static int open_plain(cf_oci **c)
{
	return registry_open(c, "CFLUX_REGISTRY", 1, NULL, 0);
}

static int open_tls(cf_oci **c, const char *password, int with_ca)
{
	return registry_open(c, "CFLUX_REGISTRY_TLS", 0, password, with_ca);
}

static int open_token(cf_oci **c, const char *password)
{
	return registry_open(c, "CFLUX_REGISTRY_TOKEN", 1, password, 0);
}

static void start_controllers(void)
{
	char sto[700];

	snprintf(sto, sizeof(sto), "%s/storage", store);
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("source-controller"), "--watch-namespace", ns,
				       "--storage-path", sto, "--internal-token-file", internal_token_file(),
				       "--artifact-addr", ART_ADDR, "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
				       "--artifact-max-size", "1Mi", "--log-level", "debug", NULL };
		source_ctl = start("bin/source-controller", args);
	}
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("kustomize-controller"), "--watch-namespace", ns,
				       "--internal-token-file", internal_token_file(), "--source-notify-addr", NOTIFY_ADDR,
				       "--events-addr", EVENTS_ADDR, "--log-level", "debug", NULL };
		kustomize_ctl = start("bin/kustomize-controller", args);
	}
}

static void setup(void)
{
	cf_oci *c = NULL;

	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || env_need("CFLUX_REGISTRY") == NULL ||
	    env_need("CFLUX_REGISTRY_TLS") == NULL || env_need("CFLUX_REGISTRY_TOKEN") == NULL || mkdtemp(store) == NULL) {
		cf_test_fail(__FILE__, __LINE__, "environment missing (tests/env/up with registry and registry-tls)");
		return;
	}
	kube = kube_client("CFLUX_KUBECONFIG_TOKEN", NULL);
	snprintf(ns, sizeof(ns), "cflux-oci-%ld", (long)getpid());
	CHECK(run("kubectl create namespace %s >/dev/null", ns) == 0);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	CHECK_OK(open_plain(&c));
	for (size_t i = 0; c && i < sizeof(pushed) / sizeof(pushed[0]); i++)
		CHECK_OK(push_artifact(c, REPO, &pushed[i]));
	cf_oci_free(c);
	c = NULL;
	CHECK_OK(open_tls(&c, getenv("CFLUX_REGISTRY_PASSWORD"), 1));
	if (c)
		CHECK_OK(push_artifact(c, REPO, pushed_tag("v1.0.0")));   /* same bytes: the same digests */
	cf_oci_free(c);
	c = NULL;
	CHECK_OK(open_token(&c, getenv("CFLUX_REGISTRY_PASSWORD")));   /* Bearer: a pull,push token */
	if (c)
		CHECK_OK(push_artifact(c, REPO, pushed_tag("v1.0.0")));
	cf_oci_free(c);
	start_controllers();
	CHECK(source_ctl > 0 && kustomize_ctl > 0);
}

static void cleanup(void)
{
	/* SIGTERM finishes what is in flight and exits 0; the controllers stop before the
	 * finalizers go, or they would put them back (see test_image_controller.c) */
	if (kustomize_ctl > 0)
		CHECK(sigterm_exits_zero(&kustomize_ctl));
	if (source_ctl > 0)
		CHECK(sigterm_exits_zero(&source_ctl));
	if (ns[0])
		run("for k in kustomizations ocirepositories; do kubectl -n %s get $k -o name 2>/dev/null | "
		    "xargs -r kubectl -n %s patch --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; "
		    "kubectl delete namespace %s --wait=false >/dev/null 2>&1", ns, ns, ns);
	cf_kube_free(kube);
	/* under SANITIZE=1 the controllers report memory errors and leaks into their logs */
	if (run("! grep -l 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:' %s/*.log", store) != 0)
		cf_test_fail(__FILE__, __LINE__, "sanitizer reports in the controller logs in %s", store);
	else if (cf_test_passed("oci_repository_tag"))
		run("rm -rf %s", store);
	else
		fprintf(stderr, "logs kept in %s\n", store);
}

/* ---- the client alone ---- */

static void client_manifest_blob_tags(void)
{
	cf_oci *c = NULL;
	cf_oci_manifest m;
	json_t *tags = NULL;
	char path[800], d[72];
	size_t n = 0;
	void *blob = NULL;
	const struct pushed *p = pushed_tag("v1.0.0");

	CHECK_OK(open_plain(&c));
	if (c == NULL)
		return;
	CHECK_OK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0"));
	CHECK_STR(m.digest, p->manifest);
	CHECK(!m.is_index && m.n_items == 1 && strcmp(m.items[0].digest, p->layer) == 0);
	cf_oci_manifest_free(&m);
	CHECK_OK(cf_oci_manifest_get(c, &m, REPO, p->manifest));   /* by digest, checked */
	cf_oci_manifest_free(&m);
	CHECK_OK(cf_oci_manifest_digest(c, d, REPO, "v1.0.0"));
	CHECK_STR(d, p->manifest);
	snprintf(path, sizeof(path), "%s/blob", store);
	CHECK_OK(cf_oci_blob_fetch(c, REPO, p->layer, -1, 1u << 20, path));
	CHECK(cf_oci_blob_fetch(c, REPO, p->layer, -1, 10, path) == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), REPO);
	CHECK_OK(cf_oci_blob_get(c, &blob, &n, REPO, p->layer, 1u << 20));
	cf_free(blob);
	/* two tags a page: the registry's Link header leads through all five */
	CHECK_OK(cf_oci_tags_list_paged(c, &tags, REPO, 2));
	CHECK(json_array_size(tags) == sizeof(pushed) / sizeof(pushed[0]));
	json_decref(tags);
	CHECK(cf_oci_manifest_get(c, &m, REPO, "nope") == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "MANIFEST_UNKNOWN");
	CHECK_CONTAINS(cf_err_msg(), getenv("CFLUX_REGISTRY"));
	cf_oci_manifest_free(&m);
	cf_oci_free(c);
}

static void client_basic_auth_tls(void)
{
	cf_oci *c = NULL;
	cf_oci_manifest m;

	CHECK_OK(open_tls(&c, getenv("CFLUX_REGISTRY_PASSWORD"), 1));
	CHECK_OK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0"));
	CHECK_STR(m.digest, pushed_tag("v1.0.0")->manifest);
	cf_oci_manifest_free(&m);
	cf_oci_free(c);
	CHECK_OK(open_tls(&c, "wrong-password", 1));
	CHECK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0") == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "authentication failed");
	CHECK(strstr(cf_err_msg(), "wrong-password") == NULL);
	cf_oci_free(c);
	CHECK_OK(open_tls(&c, getenv("CFLUX_REGISTRY_PASSWORD"), 0));   /* no CA: the certificate is refused */
	CHECK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0") == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), getenv("CFLUX_REGISTRY_TLS"));
	cf_oci_free(c);
}

/* The registry with `auth: token` answers 401 with a Bearer challenge (realm, service, scope);
 * the client gets a token from the realm with the credentials and sends it. */
static void client_bearer_token(void)
{
	cf_oci *c = NULL;
	cf_oci_manifest m;
	json_t *tags = NULL;

	CHECK_OK(open_token(&c, getenv("CFLUX_REGISTRY_PASSWORD")));
	if (c == NULL)
		return;
	CHECK_OK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0"));
	CHECK_STR(m.digest, pushed_tag("v1.0.0")->manifest);
	cf_oci_manifest_free(&m);
	CHECK_OK(cf_oci_tags_list(c, &tags, REPO));
	CHECK(json_array_size(tags) == 1);
	json_decref(tags);
	cf_oci_free(c);
	CHECK_OK(open_token(&c, "wrong-password"));
	CHECK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0") == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "token request");
	CHECK(strstr(cf_err_msg(), "wrong-password") == NULL);
	cf_oci_free(c);
	c = NULL;
	CHECK_OK(open_token(&c, NULL));   /* anonymous: the token service refuses */
	CHECK(cf_oci_manifest_get(c, &m, REPO, "v1.0.0") == CF_EAUTH);
	cf_oci_free(c);
}

/* ---- OCIRepository ---- */

static int apply_ocirepo(const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\n"
		   "kind: OCIRepository\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  interval: 1h\n%sEOT\n", name, ns, spec);
}

static json_t *get_ocirepo(const char *name)
{
	json_t *o = NULL;

	cf_kube_get(kube, &o, &(cf_kube_ref){ "source.toolkit.fluxcd.io/v1", "OCIRepository", ns, name });
	return o;
}

static const char *artifact_field(const json_t *o, const char *f)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), f));
}

/* Waits until Ready is want with text in its message (and rev, if given, as the artifact's
 * revision), at the object's generation. The object (caller decrefs), or NULL after a failure. */
static json_t *wait_ready(const char *name, const char *want, const char *text, const char *rev, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *r;
		json_decref(o);
		o = get_ocirepo(name);
		st = obj_condition(o, "Ready", "status");
		msg = obj_condition(o, "Ready", "message");
		r = artifact_field(o, "revision");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!rev || (r && strcmp(r, rev) == 0)) &&
		    json_integer_value(json_object_get(json_object_get(o, "status"), "observedGeneration")) ==
		    json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: Ready is %s \"%s\", want %s with \"%s\"%s%s", name,
		     obj_condition(o, "Ready", "status") ? obj_condition(o, "Ready", "status") : "unset",
		     obj_condition(o, "Ready", "message") ? obj_condition(o, "Ready", "message") : "", want, text ? text : "",
		     rev ? " at " : "", rev ? rev : "");
	json_decref(o);
	return NULL;
}

/* The artifact of o over nng, checked against its digest and unpacked. */
static cf_tree *fetch_tree(const json_t *o)
{
	cf_buf data = CF_BUF_INIT(1u << 22);
	cf_tree *t = NULL;

	CHECK_OK(cf_bus_fetch_artifact(&data, ART_ADDR, internal_token(), artifact_field(o, "path"), artifact_field(o, "digest"), 10000));
	if (data.len)
		CHECK_OK(cf_tree_unpack(&t, data.data, data.len, 1u << 22, 100));
	cf_buf_free(&data);
	return t;
}

static void expect_version(const json_t *o, const char *version)
{
	cf_tree *t = fetch_tree(o);
	const unsigned char *d;
	size_t len = 0;
	char want[64];

	snprintf(want, sizeof(want), "version: \"%s\"", version);
	d = t ? cf_tree_get(t, "deploy/cm.yaml", &len) : NULL;
	CHECK(d != NULL && memmem(d, len, want, strlen(want)) != NULL);
	CHECK(t == NULL || cf_tree_get(t, "deploy/.git-keep", NULL) != NULL);
	cf_tree_free(t);
}

static void oci_repository_tag(void)
{
	char rev[200], url[300];
	json_t *o;

	snprintf(rev, sizeof(rev), "v1.0.0@%s", pushed_tag("v1.0.0")->manifest);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    tag: v1.0.0\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("tag", url) == 0);
	o = wait_ready("tag", "True", "stored artifact for digest", rev, 60);
	if (o == NULL)
		return;
	CHECK_STR(obj_condition(o, "Ready", "reason"), "Succeeded");
	CHECK_STR(obj_condition(o, "ArtifactInStorage", "status"), "True");
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "url")), artifact_field(o, "url"));
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), "metadata"),
						   "org.opencontainers.image.revision")), "v1.0.0@sha1:0123");
	CHECK_CONTAINS(artifact_field(o, "path"), "ocirepository/");
	expect_version(o, "v1.0.0");
	json_decref(o);
}

static void oci_repository_default_latest(void)
{
	char rev[200], url[300];

	snprintf(rev, sizeof(rev), "latest@%s", pushed_tag("latest")->manifest);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("latest", url) == 0);
	json_decref(wait_ready("latest", "True", NULL, rev, 60));
}

static void oci_repository_semver(void)
{
	char rev[200], url[400];
	json_t *o;

	snprintf(rev, sizeof(rev), "v1.1.0@%s", pushed_tag("v1.1.0")->manifest);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    semver: \">=1.0.0 <3.0.0\"\n",
		 getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("semver", url) == 0);
	o = wait_ready("semver", "True", NULL, rev, 60);   /* v2.0.0-rc.1 is a pre-release: not in the range */
	if (o)
		expect_version(o, "v1.1.0");
	json_decref(o);
	snprintf(rev, sizeof(rev), "v1.0.0@%s", pushed_tag("v1.0.0")->manifest);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    semver: \"1.x\"\n    semverFilter: \".*0\\\\.0$\"\n",
		 getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("semver", url) == 0);
	json_decref(wait_ready("semver", "True", NULL, rev, 60));
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    semver: \">=5.0.0\"\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("semver", url) == 0);
	o = wait_ready("semver", "False", "no match found for semver: >=5.0.0", rev, 60);   /* the artifact stays */
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "OCIArtifactPullFailed");
	json_decref(o);
}

static void oci_repository_digest_and_copy(void)
{
	const struct pushed *p = pushed_tag("v1.1.0");
	char url[600];
	json_t *o;

	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    digest: %s\n"
		 "  layerSelector:\n    mediaType: %s\n    operation: copy\n", getenv("CFLUX_REGISTRY"), p->manifest, CF_OCI_MT_FLUX_CONTENT);
	CHECK(apply_ocirepo("digest", url) == 0);
	o = wait_ready("digest", "True", NULL, p->manifest, 60);   /* revision: the digest alone */
	if (o) {
		CHECK_STR(artifact_field(o, "digest"), p->layer);   /* copy: the layer as it is */
		CHECK_STR(cf_json_str(json_object_get(json_object_get(o, "status"), "observedLayerSelector"), "operation"), "copy");
		expect_version(o, "v1.1.0");
	}
	json_decref(o);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    tag: v1.0.0\n"
		 "  layerSelector:\n    mediaType: application/vnd.example.missing\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("nolayer", url) == 0);
	o = wait_ready("nolayer", "False", "failed to find layer with media type 'application/vnd.example.missing'", NULL, 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "OCIArtifactLayerOperationFailed");
	json_decref(o);
}

/* Applies OCIRepository name with spec and waits for v1.0.0 as pushed, its content checked. */
static void expect_v1_pulled(const char *name, const char *spec)
{
	char rev[200];
	json_t *o;

	snprintf(rev, sizeof(rev), "v1.0.0@%s", pushed_tag("v1.0.0")->manifest);
	CHECK(apply_ocirepo(name, spec) == 0);
	o = wait_ready(name, "True", NULL, rev, 60);
	if (o)
		expect_version(o, "v1.0.0");
	json_decref(o);
}

/* A dockerconfigjson Secret for the TLS registry with password, and a Secret with the CA. */
static void tls_secrets(const char *name, const char *password)
{
	char auth[300], *b64 = NULL;

	snprintf(auth, sizeof(auth), "%s:%s", getenv("CFLUX_REGISTRY_USER"), password);
	CHECK_OK(cf_base64_encode(&b64, (const unsigned char *)auth, strlen(auth)));
	CHECK(run("kubectl -n %s create secret generic %s --type kubernetes.io/dockerconfigjson "
		  "--from-literal=.dockerconfigjson='{\"auths\":{\"https://%s\":{\"auth\":\"%s\"}}}' --dry-run=client -o yaml | "
		  "kubectl apply -f - >/dev/null", ns, name, getenv("CFLUX_REGISTRY_TLS"), b64 ? b64 : "") == 0);
	cf_free(b64);
	CHECK(run("kubectl -n %s create secret generic registry-ca --from-file=ca.crt=%s --dry-run=client -o yaml | "
		  "kubectl apply -f - >/dev/null", ns, getenv("CFLUX_CA")) == 0);
}

static void oci_repository_basic_auth_tls(void)
{
	char url[400];

	tls_secrets("registry-auth", getenv("CFLUX_REGISTRY_PASSWORD"));
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  ref:\n    tag: v1.0.0\n  secretRef:\n    name: registry-auth\n"
		 "  certSecretRef:\n    name: registry-ca\n", getenv("CFLUX_REGISTRY_TLS"));
	expect_v1_pulled("private", url);
}

static void oci_repository_bearer(void)
{
	char url[400];

	CHECK(run("kubectl -n %s create secret docker-registry token-auth --docker-server=%s --docker-username=%s "
		  "--docker-password=%s >/dev/null", ns, getenv("CFLUX_REGISTRY_TOKEN"), getenv("CFLUX_REGISTRY_USER"),
		  getenv("CFLUX_REGISTRY_PASSWORD")) == 0);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    tag: v1.0.0\n  secretRef:\n    name: token-auth\n",
		 getenv("CFLUX_REGISTRY_TOKEN"));
	expect_v1_pulled("bearer", url);
}

/* certSecretRef with tls.crt/tls.key: a registry that asks for a client certificate. */
static void oci_repository_client_cert(void)
{
	cf_oci *c = NULL;
	cf_oci_options o = CF_OCI_OPTIONS_INIT;
	char url[400];

	if (env_need("CFLUX_REGISTRY_MTLS") == NULL)
		return;
	o.registry = getenv("CFLUX_REGISTRY_MTLS");
	o.tls.ca_file = getenv("CFLUX_CA");
	o.tls.cert_file = getenv("CFLUX_CLIENT_CERT");
	o.tls.key_file = getenv("CFLUX_CLIENT_KEY");
	CHECK_OK(cf_oci_new(&c, &o));
	if (c)
		CHECK_OK(push_artifact(c, REPO, pushed_tag("v1.0.0")));
	cf_oci_free(c);
	CHECK(run("kubectl -n %s create secret generic registry-client --from-file=ca.crt=%s --from-file=tls.crt=%s "
		  "--from-file=tls.key=%s >/dev/null", ns, getenv("CFLUX_CA"), getenv("CFLUX_CLIENT_CERT"), getenv("CFLUX_CLIENT_KEY")) == 0);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  ref:\n    tag: v1.0.0\n  certSecretRef:\n    name: registry-client\n",
		 getenv("CFLUX_REGISTRY_MTLS"));
	expect_v1_pulled("mtls", url);
	/* the CA alone: the registry refuses the handshake */
	CHECK(run("kubectl -n %s create secret generic registry-ca-only --from-file=ca.crt=%s >/dev/null", ns, getenv("CFLUX_CA")) == 0);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  ref:\n    tag: v1.0.0\n  certSecretRef:\n    name: registry-ca-only\n",
		 getenv("CFLUX_REGISTRY_MTLS"));
	CHECK(apply_ocirepo("mtls-nocert", url) == 0);
	json_decref(wait_ready("mtls-nocert", "False", getenv("CFLUX_REGISTRY_MTLS"), NULL, 60));
}

static void oci_repository_wrong_password(void)
{
	char digest[80] = "", stamp[40];
	json_t *o = get_ocirepo("private");

	CF_TEST_REQUIRE("oci_repository_basic_auth_tls");
	snprintf(digest, sizeof(digest), "%s", artifact_field(o, "digest") ? artifact_field(o, "digest") : "");
	json_decref(o);
	tls_secrets("registry-auth", "wrong-password");
	snprintf(stamp, sizeof(stamp), "%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate ocirepository private reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null", ns, stamp) == 0);
	o = wait_ready("private", "False", "authentication failed", NULL, 60);
	if (o) {
		CHECK_STR(obj_condition(o, "Ready", "reason"), "OCIArtifactPullFailed");
		CHECK_CONTAINS(obj_condition(o, "Ready", "message"), getenv("CFLUX_REGISTRY_TLS"));
		CHECK(strstr(obj_condition(o, "Ready", "message"), "wrong-password") == NULL);
		CHECK_STR(artifact_field(o, "digest"), digest);   /* nothing changed */
		CHECK_STR(obj_condition(o, "FetchFailed", "status"), "True");
	}
	json_decref(o);
	/* no CA: the TLS failure names the registry */
	CHECK(run("kubectl -n %s patch ocirepository private --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/certSecretRef\"}]' >/dev/null",
		  ns) == 0);
	json_decref(wait_ready("private", "False", getenv("CFLUX_REGISTRY_TLS"), NULL, 60));
}

/* The registry serves what its storage holds: a blob overwritten on disk must be refused. */
static void oci_repository_digest_mismatch(void)
{
	const struct pushed *p = pushed_tag("broken");
	char url[400];
	json_t *o;

	CHECK(run("f=$(find %s/registry/plain -path '*/blobs/sha256/*/%s/data'); test -n \"$f\" && "
		  "printf 'not the layer' > \"$f\"", getenv("CFLUX_ENV_DIR"), p->layer + 7) == 0);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    tag: broken\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("broken", url) == 0);
	o = wait_ready("broken", "False", "mismatch", NULL, 60);
	if (o) {
		CHECK_STR(obj_condition(o, "Ready", "reason"), "OCIArtifactPullFailed");
		CHECK(json_object_get(json_object_get(o, "status"), "artifact") == NULL);
	}
	json_decref(o);
}

static void oci_repository_refused_specs(void)
{
	char url[400];
	json_t *o;

	snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  provider: aws\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("aws", url) == 0);
	o = wait_ready("aws", "False", "spec.provider 'aws' is not supported", NULL, 60);
	if (o) {
		CHECK_STR(obj_condition(o, "Ready", "reason"), "InvalidProviderConfiguration");
		CHECK_STR(obj_condition(o, "Stalled", "status"), "True");
	}
	json_decref(o);
	snprintf(url, sizeof(url), "  url: oci://%s/" REPO ":v1.0.0\n", getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("tagged-url", url) == 0);
	o = wait_ready("tagged-url", "False", "URL must not contain a tag", NULL, 60);
	if (o)
		CHECK_STR(obj_condition(o, "Ready", "reason"), "URLInvalid");
	json_decref(o);
}

static void kustomization_from_ocirepository(void)
{
	char data[200] = "";

	CF_TEST_REQUIRE("oci_repository_tag");
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
		  "metadata:\n  name: from-oci\n  namespace: %s\nspec:\n  interval: 1h\n  path: ./deploy\n  prune: true\n"
		  "  targetNamespace: %s\n  sourceRef:\n    kind: OCIRepository\n    name: tag\nEOT\n", ns, ns) == 0);
	for (int i = 0; i < 600 && strcmp(data, "v1.0.0") != 0; i++) {
		if (capture(data, sizeof(data), "kubectl -n %s get configmap oci-app -o jsonpath='{.data.version}' 2>/dev/null", ns) != 0)
			data[0] = '\0';
		if (strcmp(data, "v1.0.0") != 0)
			msleep(100);
	}
	CHECK_STR(data, "v1.0.0");
	CHECK(capture(data, sizeof(data), "kubectl -n %s get kustomization from-oci -o jsonpath='{.status.lastAppliedRevision}'", ns) == 0);
	CHECK(strncmp(data, "v1.0.0@sha256:", 14) == 0);
	/* a new tag pushed and the source pointed at it: applied through the notice */
	{
		char url[300];
		snprintf(url, sizeof(url), "  url: oci://%s/" REPO "\n  insecure: true\n  ref:\n    tag: v1.1.0\n", getenv("CFLUX_REGISTRY"));
		CHECK(apply_ocirepo("tag", url) == 0);
	}
	for (int i = 0; i < 600 && strcmp(data, "v1.1.0") != 0; i++) {
		if (capture(data, sizeof(data), "kubectl -n %s get configmap oci-app -o jsonpath='{.data.version}' 2>/dev/null", ns) != 0)
			data[0] = '\0';
		if (strcmp(data, "v1.1.0") != 0)
			msleep(100);
	}
	CHECK_STR(data, "v1.1.0");
}

/* A chart pushed by the real helm (when the machine has it: make deps installs it with the
 * helm-controller) is an OCI artifact like any other: its chart layer copied as is. */
static void oci_repository_helm_chart_layer(void)
{
	const char *helm = getenv("CFLUX_HELM");
	char path[600], url[600], layer[80] = "";
	json_t *o;

	static char cached[600];

	if (helm == NULL || access(helm, X_OK) != 0) {
		snprintf(cached, sizeof(cached), "%s/.cache/cflux/helm-4.1.4/helm", getenv("HOME") ? getenv("HOME") : "");
		helm = access(cached, X_OK) == 0 ? cached : NULL;
	}
	if (helm == NULL)
		SKIP("no helm binary (CFLUX_HELM or ~/.cache/cflux/helm-4.1.4/helm)");
	snprintf(path, sizeof(path), "%s/charts", store);
	CHECK(run("mkdir -p %s && cd %s && HOME=%s %s create ocichart >/dev/null && HOME=%s %s package ocichart --version 0.3.0 >/dev/null && "
		  "HOME=%s %s push ocichart-0.3.0.tgz oci://%s/charts --plain-http >/dev/null 2>&1", path, path, path, helm, path, helm,
		  path, helm, getenv("CFLUX_REGISTRY")) == 0);
	CHECK(capture(layer, sizeof(layer), "sha256sum %s/ocichart-0.3.0.tgz | cut -d' ' -f1", path) == 0);
	snprintf(url, sizeof(url), "  url: oci://%s/charts/ocichart\n  insecure: true\n  ref:\n    semver: \"0.x\"\n"
		 "  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n",
		 getenv("CFLUX_REGISTRY"));
	CHECK(apply_ocirepo("chart", url) == 0);
	o = wait_ready("chart", "True", "stored artifact for digest '0.3.0@sha256:", NULL, 60);
	if (o && artifact_field(o, "digest"))
		CHECK_STR(artifact_field(o, "digest") + 7, layer);   /* the chart .tgz helm pushed, byte for byte */
	json_decref(o);
}

static void cli_create_and_get(void)
{
	char out[16384];   /* get lists every OCIRepository of the namespace, with messages */

	CHECK(capture(out, sizeof(out), "bin/cflux create source oci podinfo -n flux-system --url=oci://ghcr.io/stefanprodan/manifests/podinfo "
		      "--tag=6.3.5 --interval 10m --layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip:copy --export") == 0);
	CHECK_STR(out, "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\n"
		  "spec:\n  interval: 10m0s\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n"
		  "    operation: copy\n  provider: generic\n  ref:\n    tag: 6.3.5\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo");
	CHECK(run("bin/cflux create source oci x --url=oci://h/r >/dev/null 2>&1") != 0);
	CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux create source oci cli -n %s --url=oci://%s/" REPO
		      " --tag=v1.0.0 --insecure 2>&1", ns, getenv("CFLUX_REGISTRY")) == 0);
	CHECK_CONTAINS(out, "OCIRepository reconciliation completed");
	CHECK_CONTAINS(out, "fetched revision: v1.0.0@sha256:");
	CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux get sources oci -n %s 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "REVISION");
	CHECK_CONTAINS(out, "stored artifact for digest 'v1.0.0@sha256:");
	CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux export source oci cli -n %s 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "kind: OCIRepository");
	CHECK_CONTAINS(out, "tag: v1.0.0");
	CHECK(strstr(out, "status:") == NULL);
	CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux reconcile source oci cli -n %s 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "fetched revision v1.0.0@sha256:");   /* flux reconcile: no colon, as flux create has */
	CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux suspend source oci cli -n %s >/dev/null 2>&1 && "
		      "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux get sources oci -n %s 2>&1 | awk '$1 == \"cli\" { print $3 }'", ns, ns) == 0);
	CHECK_STR(out, "True");   /* the SUSPENDED column */
	CHECK(run("KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux resume source oci cli -n %s >/dev/null 2>&1", ns) == 0);
	if (cf_test_passed("kustomization_from_ocirepository")) {
		CHECK(capture(out, sizeof(out), "KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN bin/cflux reconcile kustomization from-oci "
			      "--with-source -n %s 2>&1", ns) == 0);
		CHECK_CONTAINS(out, "OCIRepository reconciliation completed");
		CHECK_CONTAINS(out, "applied revision v1.1.0@sha256:");
	}
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "client_manifest_blob_tags", client_manifest_blob_tags },
	{ "client_basic_auth_tls", client_basic_auth_tls },
	{ "client_bearer_token", client_bearer_token },
	{ "oci_repository_tag", oci_repository_tag },
	{ "oci_repository_default_latest", oci_repository_default_latest },
	{ "oci_repository_semver", oci_repository_semver },
	{ "oci_repository_digest_and_copy", oci_repository_digest_and_copy },
	{ "oci_repository_basic_auth_tls", oci_repository_basic_auth_tls },
	{ "oci_repository_bearer", oci_repository_bearer },
	{ "oci_repository_client_cert", oci_repository_client_cert },
	{ "oci_repository_wrong_password", oci_repository_wrong_password },
	{ "oci_repository_digest_mismatch", oci_repository_digest_mismatch },
	{ "oci_repository_refused_specs", oci_repository_refused_specs },
	{ "kustomization_from_ocirepository", kustomization_from_ocirepository },
	{ "oci_repository_helm_chart_layer", oci_repository_helm_chart_layer },
	{ "cli_create_and_get", cli_create_and_get },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
