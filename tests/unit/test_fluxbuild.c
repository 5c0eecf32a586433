/* tests/unit/test_fluxbuild.c - Flux's build of a Kustomization: substitution, the generated
 * kustomization, the spec's overrides and metadata; the kstatus health rules. */
#include "apply/health.h"
#include "kustomize/fluxbuild.h"
#include "kustomize/kustomize.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *in, *want; } subst_ok[] = {
	{ "a: ${NAME}", "a: web" },
	{ "a: ${MISSING}", "a: " },
	{ "a: ${MISSING:=dflt}", "a: dflt" },
	{ "a: ${MISSING:-dflt}", "a: dflt" },
	{ "a: ${EMPTY:=dflt} ${EMPTY=dflt} ${EMPTY-x}|", "a: dflt  |" },
	{ "a: ${NAME:=dflt}", "a: web" },
	{ "a: $${NAME} $$HOME $NAME $", "a: ${NAME} $HOME $NAME $" },
	{ "cost: $5 ${_under_1}", "cost: $5 u" },
	{ "x: ${NAME}${NAME}", "x: webweb" },
};

static const char *const subst_bad[] = {
	"a: ${", "a: ${NAME", "a: ${}", "a: ${1abc}", "a: ${NAME:0:2}", "a: ${NAME/w/x}", "a: ${NAME\n}",
};

static void envsubst(void)
{
	json_t *vars = json_pack("{s:s,s:s,s:s}", "NAME", "web", "EMPTY", "", "_under_1", "u");
	cf_buf out = CF_BUF_INIT(4096);

	for (size_t i = 0; i < sizeof(subst_ok) / sizeof(subst_ok[0]); i++) {
		cf_buf_reset(&out);
		CHECK_OK(cf_envsubst(&out, subst_ok[i].in, strlen(subst_ok[i].in), vars));
		CHECK_STR(out.data ? out.data : "", subst_ok[i].want);
	}
	for (size_t i = 0; i < sizeof(subst_bad) / sizeof(subst_bad[0]); i++) {
		cf_buf_reset(&out);
		CHECK(cf_envsubst(&out, subst_bad[i], strlen(subst_bad[i]), vars) == CF_EINVAL);
	}
	CHECK_OK(cf_flux_check_var_name("_ok_1"));
	CHECK(cf_flux_check_var_name("1bad") == CF_EINVAL);
	CHECK(cf_flux_check_var_name("bad-name") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "'bad-name' var name is invalid");
	cf_buf_free(&out);
	json_decref(vars);
}

static void clean_path(void)
{
	static const char *const cases[][2] = {
		{ "./apps/dev/", "apps/dev" }, { "", "." }, { "./", "." }, { "/clusters//x", "clusters/x" }, { "a/./b", "a/b" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(cf_flux_clean_path(out, sizeof(out), cases[i][0]));
		CHECK_STR(out, cases[i][1]);
	}
	CHECK(cf_flux_clean_path(out, sizeof(out), "apps/../../etc") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "inside the artifact");
}

static char dir[] = "/tmp/cflux-fluxbuild-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[700], cmd[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	CHECK(system(cmd) == 0);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static json_t *find(const json_t *objs, const char *kind, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(json_object_get(o, "metadata"), "name")), name) == 0)
			return o;
	return NULL;
}

static const char *label(const json_t *o, const char *map, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "metadata"), map), key));
}

static json_t *ks(const char *spec_json)
{
	json_t *spec = json_loads(spec_json, 0, NULL);
	json_t *k = json_pack("{s:{s:s,s:s},s:o}", "metadata", "name", "apps", "namespace", "flux-system", "spec", spec);
	CHECK(spec != NULL && k != NULL);
	return k;
}

static void setup_tree(void)
{
	CHECK(mkdtemp(dir) != NULL);
	/* no kustomization.yaml at the top: Flux generates one */
	put("gen/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  replicas: ${REPLICAS:=1}\n  keep: $${KEEP}\n");
	put("gen/skip.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\n  annotations:\n"
			    "    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  v: ${REPLICAS}\n");
	put("gen/values.yaml", "replicaCount: 3\n");
	put("gen/README.md", "# not a manifest\n");
	put("gen/nested/deep.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deep\n");
	put("gen/sub/kustomization.yaml", "resources: [dep.yaml]\nnamePrefix: sub-\n");
	put("gen/sub/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
				"    spec:\n      containers:\n      - name: web\n        image: nginx:1.0\n");
	put("gen/sub/ignored.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-listed\n");
	put("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  comp: yes-it-is\n");
}

static void generated_kustomization_and_overrides(void)
{
	const char *root = "";
	char cwd_root[700];
	cf_kfs fs;
	json_t *objs = NULL, *k, *vars = json_pack("{s:s}", "REPLICAS", "3"), *o;

	setup_tree();
	snprintf(cwd_root, sizeof(cwd_root), "%s", dir);
	root = cwd_root;
	cf_kfs_disk(&fs, &root);
	k = ks("{\"path\": \"./gen\", \"targetNamespace\": \"apps\", \"namePrefix\": \"p-\", \"postBuild\": {},"
	       " \"commonMetadata\": {\"labels\": {\"team\": \"blue\"}, \"annotations\": {\"owner\": \"ops\"}},"
	       " \"images\": [{\"name\": \"nginx\", \"newTag\": \"2.0\"}],"
	       " \"components\": [\"../comp\"],"
	       " \"patches\": [{\"patch\": \"- op: add\\n  path: /spec/replicas\\n  value: 2\", \"target\": {\"kind\": \"Deployment\"}}]}");
	CHECK_OK(cf_flux_build(&objs, &fs, k, vars));
	CHECK(json_array_size(objs) == 4);   /* cm, raw, deep, sub's Deployment; not values.yaml or ignored.yaml */
	o = find(objs, "ConfigMap", "p-cm");
	CHECK(o != NULL);
	if (o) {
		/* substituted in the YAML text, so the value is read as a number, as in Flux */
		CHECK(json_integer_value(json_object_get(json_object_get(o, "data"), "replicas")) == 3);
		CHECK_STR(json_string_value(json_object_get(json_object_get(o, "metadata"), "namespace")), "apps");
		CHECK_STR(json_string_value(json_object_get(json_object_get(o, "data"), "keep")), "${KEEP}");
		CHECK_STR(label(o, "labels", "team"), "blue");
		CHECK_STR(label(o, "annotations", "owner"), "ops");
		CHECK_STR(label(o, "labels", "kustomize.toolkit.fluxcd.io/name"), "apps");
		CHECK_STR(label(o, "labels", "kustomize.toolkit.fluxcd.io/namespace"), "flux-system");
		CHECK_STR(label(o, "labels", "comp"), "yes-it-is");
	}
	o = find(objs, "ConfigMap", "p-raw");   /* substitution disabled on this object */
	CHECK(o != NULL && strcmp(json_string_value(json_object_get(json_object_get(o, "data"), "v")), "${REPLICAS}") == 0);
	o = find(objs, "Deployment", "p-sub-web");
	CHECK(o != NULL);
	if (o) {
		json_t *spec = json_object_get(o, "spec");
		CHECK(json_integer_value(json_object_get(spec, "replicas")) == 2);
		json_t *containers = json_object_get(json_object_get(json_object_get(spec, "template"), "spec"), "containers");
		CHECK_STR(json_string_value(json_object_get(json_array_get(containers, 0), "image")), "nginx:2.0");
	}
	json_decref(objs);
	json_decref(k);
	json_decref(vars);
}

static void build_errors_name_what_failed(void)
{
	const char *root = dir;
	cf_kfs fs;
	json_t *objs = NULL, *k, *vars = json_object();

	cf_kfs_disk(&fs, &root);
	k = ks("{\"path\": \"./nowhere\"}");
	CHECK(cf_flux_build(&objs, &fs, k, NULL) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "kustomization path not found");
	json_decref(k);
	put("badsub/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: x\ndata:\n  v: ${A:0:1}\n");
	k = ks("{\"path\": \"badsub\", \"postBuild\": {\"substitute\": {}}}");
	CHECK(cf_flux_build(&objs, &fs, k, vars) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "ConfigMap/x/cm: postBuild substitution");
	CHECK(objs == NULL);
	json_decref(k);
	put("badyaml/kustomization.yaml", "resources: [a.yaml]\n");
	put("badyaml/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n data: x\n");
	k = ks("{\"path\": \"badyaml\"}");
	CHECK(cf_flux_build(&objs, &fs, k, vars) < 0);
	CHECK_CONTAINS(cf_err_msg(), "badyaml/a.yaml");
	json_decref(k);
	/* a folder left with nothing to apply builds to nothing (and everything is pruned) */
	put("empty/values.yaml", "replicaCount: 1\n");
	k = ks("{\"path\": \"empty\", \"postBuild\": {}}");
	CHECK_OK(cf_flux_build(&objs, &fs, k, vars));
	CHECK(json_is_array(objs) && json_array_size(objs) == 0);
	json_decref(objs);
	json_decref(k);
	json_decref(vars);
	CHECK(system("rm -rf /tmp/cflux-fluxbuild-*") == 0);
}

static const struct { const char *obj; cf_health want; const char *why; } health_cases[] = {
	{ "{\"kind\":\"ConfigMap\"}", CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"Deployment\",\"metadata\":{\"generation\":2},\"spec\":{\"replicas\":2},"
	  "\"status\":{\"observedGeneration\":1}}", CF_HEALTH_IN_PROGRESS, "observed generation" },
	{ "{\"kind\":\"Deployment\",\"metadata\":{\"generation\":2},\"spec\":{\"replicas\":2},"
	  "\"status\":{\"observedGeneration\":2,\"updatedReplicas\":2,\"replicas\":2,\"availableReplicas\":1}}",
	  CF_HEALTH_IN_PROGRESS, "available replicas: 1/2" },
	{ "{\"kind\":\"Deployment\",\"metadata\":{\"generation\":2},\"spec\":{\"replicas\":2},"
	  "\"status\":{\"observedGeneration\":2,\"updatedReplicas\":2,\"replicas\":2,\"availableReplicas\":2}}",
	  CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"Deployment\",\"metadata\":{\"generation\":1},\"status\":{\"observedGeneration\":1,"
	  "\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\",\"reason\":\"ProgressDeadlineExceeded\"}]}}",
	  CF_HEALTH_FAILED, "deadline" },
	{ "{\"kind\":\"Job\",\"status\":{\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\",\"message\":\"BackoffLimitExceeded\"}]}}",
	  CF_HEALTH_FAILED, "BackoffLimitExceeded" },
	{ "{\"kind\":\"Job\",\"status\":{\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}", CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"Pod\",\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
	  CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"Pod\",\"status\":{\"phase\":\"Failed\"}}", CF_HEALTH_FAILED, "Failed" },
	{ "{\"kind\":\"PersistentVolumeClaim\",\"status\":{\"phase\":\"Pending\"}}", CF_HEALTH_IN_PROGRESS, "not bound" },
	{ "{\"kind\":\"Service\",\"spec\":{\"type\":\"LoadBalancer\"}}", CF_HEALTH_IN_PROGRESS, "external address" },
	{ "{\"kind\":\"Service\",\"spec\":{\"type\":\"ClusterIP\"}}", CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"CustomResourceDefinition\",\"status\":{\"conditions\":[{\"type\":\"Established\",\"status\":\"True\"}]}}",
	  CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"Namespace\",\"status\":{\"phase\":\"Terminating\"}}", CF_HEALTH_IN_PROGRESS, "Terminating" },
	{ "{\"kind\":\"StatefulSet\",\"metadata\":{\"generation\":1},\"spec\":{\"replicas\":1},\"status\":{\"observedGeneration\":1,"
	  "\"readyReplicas\":1,\"currentRevision\":\"a\",\"updateRevision\":\"b\"}}", CF_HEALTH_IN_PROGRESS, "rolling update" },
	{ "{\"kind\":\"DaemonSet\",\"metadata\":{\"generation\":1},\"status\":{\"observedGeneration\":1,\"desiredNumberScheduled\":2,"
	  "\"updatedNumberScheduled\":2,\"numberAvailable\":2}}", CF_HEALTH_CURRENT, "" },
	{ "{\"kind\":\"HelmRelease\",\"metadata\":{\"generation\":3},\"status\":{\"observedGeneration\":3,"
	  "\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"message\":\"install retries exhausted\"}]}}",
	  CF_HEALTH_IN_PROGRESS, "install retries exhausted" },
	{ "{\"kind\":\"Widget\",\"status\":{\"conditions\":[{\"type\":\"Stalled\",\"status\":\"True\",\"message\":\"bad spec\"}]}}",
	  CF_HEALTH_FAILED, "bad spec" },
};

static void health_rules(void)
{
	for (size_t i = 0; i < sizeof(health_cases) / sizeof(health_cases[0]); i++) {
		json_t *o = json_loads(health_cases[i].obj, 0, NULL);
		char why[256];
		cf_health h = cf_health_of(o, why, sizeof(why));
		if (h != health_cases[i].want)
			cf_test_fail(__FILE__, __LINE__, "case %zu: %s, want %s (%s)", i, cf_health_str(h),
				     cf_health_str(health_cases[i].want), why);
		CHECK_CONTAINS(why, health_cases[i].why);
		json_decref(o);
	}
}

/* --no-remote-bases: a remote entry anywhere the build reads is refused, naming the file;
 * local trees pass. */
static void remote_bases_refused(void)
{
	char tmpl[] = "/tmp/cflux-remote-XXXXXX";
	const char *root = tmpl;
	const char *const remote = "https://github.com/fluxcd/flux2//manifests/install?ref=main";
	char text[300];
	cf_kfs fs;
	json_t *k;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);   /* put() writes under dir */
	cf_kfs_disk(&fs, &root);
	put("local/kustomization.yaml", "resources: [cm.yaml, ../base]\n");
	put("local/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n");
	put("base/kustomization.yaml", "resources: [cm.yaml]\n");
	put("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n");
	snprintf(text, sizeof(text), "resources:\n- ../base\n- %s\n", remote);
	put("top/kustomization.yaml", text);
	snprintf(text, sizeof(text), "resources: [../../base]\nbases: [%s]\n", "github.com/org/repo//deploy?ref=v1");
	put("gen/sub/kustomization.yaml", text);
	put("gen/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gen\n");
	put("via/kustomization.yaml", "resources: [../top]\n");

	k = ks("{\"path\": \"./local\"}");
	CHECK_OK(cf_flux_check_remote_bases(&fs, k));
	json_decref(k);
	k = ks("{\"path\": \"./top\"}");
	CHECK(cf_flux_check_remote_bases(&fs, k) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "top/kustomization.yaml: resources: remote base");
	CHECK_CONTAINS(cf_err_msg(), remote);
	CHECK_CONTAINS(cf_err_msg(), "--no-remote-bases");
	json_decref(k);
	/* through a local base, and in a directory that Flux's generated kustomization includes */
	k = ks("{\"path\": \"via\"}");
	CHECK(cf_flux_check_remote_bases(&fs, k) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "top/kustomization.yaml");
	json_decref(k);
	k = ks("{\"path\": \"gen\"}");
	CHECK(cf_flux_check_remote_bases(&fs, k) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "gen/sub/kustomization.yaml: bases: remote base 'github.com/org/repo");
	json_decref(k);
	/* and in the Kustomization's own spec.components */
	k = ks("{\"path\": \"local\", \"components\": [\"https://example.com/c.git\"]}");
	CHECK(cf_flux_check_remote_bases(&fs, k) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "spec: components: remote base 'https://example.com/c.git'");
	json_decref(k);
	snprintf(text, sizeof(text), "rm -rf '%s'", tmpl);
	CHECK(system(text) == 0);
}

/* Flux builds with kustomize's LoadRestrictionsNone inside the artifact: a patch and a generator
 * file from outside the kustomization's directory are read, kubectl's default refuses them, and
 * nothing leaves the artifact's root either way. */
static void files_from_outside_the_kustomization(void)
{
	char tmpl[] = "/tmp/cflux-loadnone-XXXXXX", cmd[300];
	const char *root = tmpl;
	cf_kfs fs;
	json_t *k, *objs = NULL, *o;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);   /* put() writes under dir */
	cf_kfs_disk(&fs, &root);
	put("shared/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n");
	put("shared/app.properties", "color=blue\n");
	put("apps/web/kustomization.yaml", "resources: [dep.yaml]\npatches:\n- path: ../../shared/replicas.yaml\n"
					  "configMapGenerator:\n- name: props\n  files: [../../shared/app.properties]\n");
	put("apps/web/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n");
	put("apps/escape/kustomization.yaml", "resources: [../../../outside.yaml]\n");

	k = ks("{\"path\": \"./apps/web\"}");
	CHECK_OK(cf_flux_build(&objs, &fs, k, NULL));
	o = find(objs, "Deployment", "web");
	CHECK(o != NULL && json_integer_value(json_object_get(json_object_get(o, "spec"), "replicas")) == 3);
	CHECK(json_array_size(objs) == 2);
	json_decref(objs);
	objs = NULL;
	json_decref(k);
	/* the same directory under kubectl's default is refused, naming the file */
	CHECK(cf_kustomize_build(&objs, &fs, "apps/web") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "security; file 'shared/app.properties' is not in or below 'apps/web'");
	CHECK(objs == NULL);
	/* the root still confines */
	k = ks("{\"path\": \"./apps/escape\"}");
	CHECK(cf_flux_build(&objs, &fs, k, NULL) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "is outside the root of the build");
	json_decref(k);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	CHECK(system(cmd) == 0);
}

/* Flux runs kustomize without reordering (fluxcd/pkg/kustomize: krusty's zero Reorder option)
 * and with the built-in schema loaded before the build, so a custom openapi schema adds to it;
 * kubectl sorts by the legacy order and uses a custom schema alone. */
static const json_t *containers(const json_t *objs)
{
	const json_t *d = find((json_t *)objs, "Deployment", "web");

	return json_object_get(json_object_get(json_object_get(json_object_get(d, "spec"), "template"), "spec"), "containers");
}

static void flux_build_order_and_schema(void)
{
	char tmpl[] = "/tmp/cflux-fluxorder-XXXXXX", cmd[300];
	const char *root = tmpl;
	cf_kfs fs;
	json_t *k, *objs = NULL;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);
	cf_kfs_disk(&fs, &root);
	put("app/kustomization.yaml", "resources: [release.yaml, ns.yaml, dep.yaml]\npatches:\n- path: patch.yaml\n"
				      "openapi:\n  path: schema.json\n");
	put("app/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n");
	put("app/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n");
	put("app/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
			    "      containers:\n      - name: app\n        image: app:1\n");
	put("app/patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
			      "      containers:\n      - name: sidecar\n        image: side:1\n");
	put("app/schema.json", "{\"definitions\": {\"example.com.v1.Thing\": {\"type\": \"object\", "
			       "\"x-kubernetes-group-version-kind\": [{\"group\": \"example.com\", \"version\": \"v1\", \"kind\": \"Thing\"}]}}}\n");
	k = ks("{\"path\": \"./app\"}");
	CHECK_OK(cf_flux_build(&objs, &fs, k, NULL));
	CHECK(json_array_size(objs) == 3);
	CHECK_STR(cf_json_str(json_array_get(objs, 0), "kind"), "HelmRelease");   /* as listed */
	CHECK_STR(cf_json_str(json_array_get(objs, 1), "kind"), "Namespace");
	CHECK(json_array_size(containers(objs)) == 2);   /* merged by name: the built-in keys beside the custom schema */
	json_decref(objs);
	objs = NULL;
	/* kubectl's build: Namespace first, and the custom schema alone replaces the list */
	CHECK_OK(cf_kustomize_build(&objs, &fs, "app"));
	CHECK_STR(cf_json_str(json_array_get(objs, 0), "kind"), "Namespace");
	CHECK(json_array_size(containers(objs)) == 1);
	json_decref(objs);
	objs = NULL;
	/* sortOptions still orders a Flux build */
	put("app/kustomization.yaml", "resources: [release.yaml, ns.yaml, dep.yaml]\nsortOptions:\n  order: legacy\n");
	CHECK_OK(cf_flux_build(&objs, &fs, k, NULL));
	CHECK_STR(cf_json_str(json_array_get(objs, 0), "kind"), "Namespace");
	json_decref(objs);
	json_decref(k);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	CHECK(system(cmd) == 0);
}

/* kustomize's deprecation warnings: one line per deprecated field, kubectl's words, written only
 * where cf_kustomize_set_warnings points (the CLI's stderr; nowhere by default) */
static void deprecation_warnings(void)
{
	char tmpl[] = "/tmp/cflux-kwarn-XXXXXX", cmd[300], text[2048];
	const char *root = tmpl;
	FILE *f = tmpfile();
	cf_kfs fs;
	json_t *objs = NULL;
	size_t n;

	CHECK(f != NULL && mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);
	cf_kfs_disk(&fs, &root);
	put("app/kustomization.yaml", "resources: [cm.yaml]\ncommonLabels: {a: b}\nvars: []\nimageTags: null\n");
	put("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
	CHECK_OK(cf_kustomize_build(&objs, &fs, "app"));   /* no sink: nothing written */
	json_decref(objs);
	objs = NULL;
	cf_kustomize_set_warnings(f);
	CHECK_OK(cf_kustomize_build(&objs, &fs, "app"));
	cf_kustomize_set_warnings(NULL);
	json_decref(objs);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	CHECK_STR(text, "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' "
			"to update your Kustomization automatically.\n"
			"# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize "
			"edit fix' to update your Kustomization automatically.\n");   /* imageTags: null is no field */
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	CHECK(system(cmd) == 0);
}

/* `cflux kustomize DIR` builds over the disk from its root, as kubectl: errors name the files as
 * the disk has them (absolute), and an overlay reaches its ../base */
static void disk_build_names_absolute_paths(void)
{
	char tmpl[] = "/tmp/cflux-kdisk-XXXXXX", cmd[300], want[400];
	json_t *objs = NULL;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);
	put("base/kustomization.yaml", "resources: [cm.yaml]\n");
	put("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
	put("overlay/kustomization.yaml", "resources: [../base]\nnamePrefix: p-\n");
	put("bad/kustomization.yaml", "resources: [missing.yaml]\n");
	snprintf(cmd, sizeof(cmd), "%s/overlay", tmpl);
	CHECK_OK(cf_kustomize_build_dir(&objs, cmd, 0));
	CHECK(find(objs, "ConfigMap", "p-c") != NULL);
	json_decref(objs);
	objs = NULL;
	snprintf(cmd, sizeof(cmd), "%s/bad/", tmpl);
	CHECK(cf_kustomize_build_dir(&objs, cmd, 0) == CF_ENOTFOUND);
	snprintf(want, sizeof(want), "%s/bad/kustomization.yaml: resources: '%s/bad/missing.yaml' does not exist", tmpl, tmpl);
	CHECK_STR(cf_err_msg(), want);
	CHECK(objs == NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	CHECK(system(cmd) == 0);
}

static const cf_test_case cases[] = {
	{ "envsubst", envsubst },
	{ "clean_path", clean_path },
	{ "generated_kustomization_and_overrides", generated_kustomization_and_overrides },
	{ "build_errors_name_what_failed", build_errors_name_what_failed },
	{ "remote_bases_refused", remote_bases_refused },
	{ "files_from_outside_the_kustomization", files_from_outside_the_kustomization },   /* after setup_tree's: moves dir */
	{ "flux_build_order_and_schema", flux_build_order_and_schema },   /* these two set dir themselves */
	{ "deprecation_warnings", deprecation_warnings },
	{ "disk_build_names_absolute_paths", disk_build_names_absolute_paths },
	{ "health_rules", health_rules },
};
CF_TEST_MAIN(cases)
