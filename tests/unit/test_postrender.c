/* tests/unit/test_postrender.c - spec.postRenderers[].kustomize (helm-controller/postrender.c):
 * the spec checked, its digest, helm's output rendered through patches (strategic merge,
 * JSON 6902 with a target), images and v2beta's patchesJson6902, in turn; Flux's origin labels
 * on every object after them (over a label a patch set, selectors and pod templates left as
 * they are, also with no post-renderers, a document that is no object an error); the plugin
 * files (the spec with the origin) and the post-render mode refusing a spec without one. */
#include "helm-controller/helmrun.h"
#include "helm-controller/postrender.h"
#include "test.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MANIFEST[] =
	"---\n# Source: demo/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-values\n"
	"data:\n  greeting: \"hi\"\n"
	"---\n# Source: demo/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
	"spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app\n  template:\n    metadata:\n      labels:\n"
	"        app: app\n    spec:\n      containers:\n      - name: app\n        image: registry.invalid/cflux-demo:1\n";

static const hc_origin ORIGIN = { "web", "apps" };

static json_t *spec_of(const char *json)
{
	json_t *spec = json_loads(json, 0, NULL), *prs = NULL;

	CHECK(spec != NULL);
	CHECK_OK(hc_postrender_spec(&prs, spec));
	json_decref(spec);
	return prs;
}

/* the rendered objects, by kind */
static json_t *render(const json_t *prs, int want_rc)
{
	cf_buf out = CF_BUF_INIT(1u << 20);
	json_t *objs = NULL;
	int rc = hc_postrender_run(&out, MANIFEST, strlen(MANIFEST), prs, NULL);

	CHECK(rc == want_rc);
	if (rc == 0)
		CHECK_OK(cf_yaml_load_all(&objs, out.data ? out.data : "", out.len, "out"));
	cf_buf_free(&out);
	return objs;
}

static const json_t *find(const json_t *objs, const char *kind)
{
	const json_t *o;
	size_t i;

	json_array_foreach(objs, i, o)
		if (strcmp(cf_json_str(o, "kind"), kind) == 0)
			return o;
	return NULL;
}

static void patches_and_images(void)
{
	json_t *prs = spec_of("{\"postRenderers\":[{\"kustomize\":{"
			      "\"patches\":[{\"target\":{\"kind\":\"Deployment\",\"name\":\"app\"},"
			      "\"patch\":\"- op: replace\\n  path: /spec/replicas\\n  value: 3\\n\"},"
			      "{\"patch\":\"apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: app-values\\n  labels:\\n    patched: smp\\n\"}],"
			      "\"images\":[{\"name\":\"registry.invalid/cflux-demo\",\"newName\":\"registry.local/demo\",\"newTag\":\"2.0\"}]}},"
			      "{\"kustomize\":{\"patchesJson6902\":[{\"target\":{\"kind\":\"ConfigMap\",\"name\":\"app-values\"},"
			      "\"patch\":[{\"op\":\"add\",\"path\":\"/data/second\",\"value\":\"renderer\"}]}]}}]}");
	json_t *objs = render(prs, 0);
	const json_t *d = find(objs, "Deployment"), *cm = find(objs, "ConfigMap");

	CHECK(json_array_size(objs) == 2);
	CHECK(json_integer_value(json_object_get(json_object_get(d, "spec"), "replicas")) == 3);
	CHECK_STR(cf_json_str(json_array_get(json_object_get(json_object_get(json_object_get(json_object_get(d, "spec"), "template"), "spec"),
							    "containers"), 0), "image"), "registry.local/demo:2.0");
	CHECK_STR(cf_json_str(json_object_get(json_object_get(cm, "metadata"), "labels"), "patched"), "smp");
	CHECK_STR(cf_json_str(json_object_get(cm, "data"), "greeting"), "hi");
	CHECK_STR(cf_json_str(json_object_get(cm, "data"), "second"), "renderer");   /* the second renderer saw the first's output */
	json_decref(objs);
	json_decref(prs);
}

static void bad_patch_is_an_error(void)
{
	json_t *prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"patches\":[{\"patch\":\"garbage: [\"}]}}]}");
	json_t *objs = render(prs, CF_EINVAL);

	CHECK(objs == NULL);
	CHECK_CONTAINS(cf_err_msg(), "post-renderer 0 (kustomize)");
	json_decref(prs);
}

static void spec_checked(void)
{
	static const struct {
		const char *spec, *error;
	} BAD[] = {
		{ "{\"postRenderers\":{}}", "spec.postRenderers must be a list" },
		{ "{\"postRenderers\":[{\"kustomize\":[]}]}", "spec.postRenderers[0]: kustomize must be a map" },
		{ "{\"postRenderers\":[{\"kustomize\":{\"patches\":[{\"target\":{}}]}}]}", "patches[0]: patch is required" },
		{ "{\"postRenderers\":[{},{\"kustomize\":{\"images\":[{\"newTag\":\"1\"}]}}]}", "spec.postRenderers[1].kustomize.images[0]: name" },
		{ "{\"postRenderers\":[{\"kustomize\":{\"patches\":[{\"patch\":\"x\",\"target\":\"Deployment\"}]}}]}", "target must be a map" },
	};
	json_t *prs = NULL, *spec;
	char a[72], b[72];

	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		spec = json_loads(BAD[i].spec, 0, NULL);
		CHECK(hc_postrender_spec(&prs, spec) == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), BAD[i].error);
		CHECK(prs == NULL);
		json_decref(spec);
	}
	prs = spec_of("{\"postRenderers\":[{}]}");   /* nothing to do: none */
	CHECK(prs == NULL);
	prs = spec_of("{\"postRenderers\":[{\"kustomize\":null}]}");
	CHECK(prs == NULL);
	hc_postrender_digest(a, NULL);
	CHECK_STR(a, "");
	prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"images\":[{\"name\":\"a\",\"newTag\":\"1\"}]}}]}");
	hc_postrender_digest(a, prs);
	json_decref(prs);
	prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"images\":[{\"newTag\":\"1\",\"name\":\"a\"}]}}]}");
	hc_postrender_digest(b, prs);   /* key order does not matter */
	CHECK_STR(a, b);
	CHECK(strncmp(a, "sha256:", 7) == 0 && strlen(a) == 71);
	json_decref(prs);
	prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"images\":[{\"name\":\"a\",\"newTag\":\"2\"}]}}]}");
	hc_postrender_digest(b, prs);
	CHECK(strcmp(a, b) != 0);
	json_decref(prs);
}

/* the plugin helm 4 loads: plugin.yaml naming this binary and the 0600 spec file, no shell */
static void plugin_files(void)
{
	char dir[] = "/tmp/cflux-pr-XXXXXX", path[200], why[100];
	json_t *prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"images\":[{\"name\":\"a\",\"newTag\":\"1\"}]}}]}"), *docs = NULL, *plugin, *pc;
	char rm[300];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_OK(hc_postrender_install(dir, "/usr/local/bin/helm-controller", prs, &ORIGIN));
	snprintf(path, sizeof(path), "%s/plugins/" HC_POSTRENDER_PLUGIN "/plugin.yaml", dir);
	CHECK_OK(cf_yaml_load_file(&docs, path, 65536));
	plugin = json_array_get(docs, 0);
	CHECK_STR(cf_json_str(plugin, "type"), "postrenderer/v1");
	CHECK_STR(cf_json_str(plugin, "runtime"), "subprocess");
	CHECK_STR(cf_json_str(plugin, "name"), HC_POSTRENDER_PLUGIN);
	pc = json_array_get(json_object_get(json_object_get(plugin, "runtimeConfig"), "platformCommand"), 0);
	CHECK_STR(cf_json_str(pc, "command"), "/usr/local/bin/helm-controller");
	CHECK_STR(json_string_value(json_array_get(json_object_get(pc, "args"), 0)), "post-render");
	snprintf(path, sizeof(path), "%s/postrenderers.json", dir);
	CHECK_STR(json_string_value(json_array_get(json_object_get(pc, "args"), 1)), path);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	json_decref(docs);
	/* the spec file: the post-renderers as given, and the HelmRelease they render for */
	CHECK_OK(cf_yaml_load_file(&docs, path, 65536));
	CHECK(json_equal(json_object_get(json_array_get(docs, 0), "postRenderers"), prs));
	CHECK_STR(cf_json_str(json_object_get(json_array_get(docs, 0), "origin"), "name"), "web");
	CHECK_STR(cf_json_str(json_object_get(json_array_get(docs, 0), "origin"), "namespace"), "apps");
	json_decref(docs);
	cf_err_set(CF_EAPI, "helm said");   /* no note: helm's error stays the one to report */
	CHECK(hc_postrender_error(why, sizeof(why), dir) == 0);
	CHECK_STR(cf_err_msg(), "helm said");
	snprintf(path, sizeof(path), "%s/postrenderers.json" HC_POSTRENDER_ERR_SUFFIX, dir);
	{
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("no matches for Id", f);
			fclose(f);
		}
	}
	CHECK(hc_postrender_error(why, sizeof(why), dir) == 1);
	CHECK_STR(why, "no matches for Id");
	CHECK(access(path, F_OK) != 0);   /* read once */
	json_decref(prs);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	CHECK(system(rm) == 0);
}


/* the rendered objects with the origin labels, by kind; rc in *rc */
static json_t *render_origin(const char *manifest, const json_t *prs, int *rc)
{
	cf_buf out = CF_BUF_INIT_SECRET(1u << 20);
	json_t *objs = NULL;

	*rc = hc_postrender_run(&out, manifest, strlen(manifest), prs, &ORIGIN);
	if (*rc == 0)
		CHECK_OK(cf_yaml_load_all(&objs, out.data ? out.data : "", out.len, "out"));
	cf_buf_free(&out);
	return objs;
}

static const json_t *labels_of(const json_t *o)
{
	return json_object_get(json_object_get(o, "metadata"), "labels");
}

static void check_origin(const json_t *o)
{
	CHECK_STR(cf_json_str(labels_of(o), HC_LABEL_NAME), "web");
	CHECK_STR(cf_json_str(labels_of(o), HC_LABEL_NAMESPACE), "apps");
}

/* no post-renderers: every object gets the labels on metadata.labels only (Flux's FieldSpec
 * metadata/labels): the Deployment's selector and pod template stay as the chart has them */
static void origin_labels_alone(void)
{
	int rc;
	json_t *objs = render_origin(MANIFEST, NULL, &rc);
	const json_t *d = find(objs, "Deployment"), *cm = find(objs, "ConfigMap"), *spec = json_object_get(d, "spec");

	CHECK(rc == 0 && json_array_size(objs) == 2);
	check_origin(d);
	check_origin(cm);
	CHECK(json_object_size(labels_of(d)) == 2);
	CHECK_STR(cf_json_str(json_object_get(cm, "data"), "greeting"), "hi");
	CHECK(json_object_size(json_object_get(json_object_get(spec, "selector"), "matchLabels")) == 1);
	CHECK(json_object_size(labels_of(json_object_get(spec, "template"))) == 1);
	json_decref(objs);
	/* the chart's own labels kept, its origin label replaced; empty documents and null metadata */
	objs = render_origin("---\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels:\n    app: s\n"
			     "    helm.toolkit.fluxcd.io/name: chart-said\nstringData:\n  k: v\n---\n"
			     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n",
			     NULL, &rc);
	CHECK(rc == 0 && json_array_size(objs) == 2);
	check_origin(json_array_get(objs, 0));
	CHECK_STR(cf_json_str(labels_of(json_array_get(objs, 0)), "app"), "s");
	CHECK_STR(cf_json_str(json_object_get(json_array_get(objs, 0), "stringData"), "k"), "v");
	check_origin(json_array_get(objs, 1));
	json_decref(objs);
	objs = render_origin("", NULL, &rc);   /* nothing rendered: nothing out */
	CHECK(rc == 0 && json_array_size(objs) == 0);
	json_decref(objs);
}

/* Flux's order: the user's post-renderers first, the origin labels last, over a patch's label */
static void origin_after_post_renderers(void)
{
	json_t *prs = spec_of("{\"postRenderers\":[{\"kustomize\":{\"patches\":[{\"target\":{\"kind\":\"ConfigMap\"},"
			      "\"patch\":\"- op: add\\n  path: /metadata/labels\\n  value: {helm.toolkit.fluxcd.io/namespace: patched, "
			      "team: a}\\n\"}]}}]}");
	int rc;
	json_t *objs = render_origin(MANIFEST, prs, &rc);
	const json_t *cm = find(objs, "ConfigMap");

	CHECK(rc == 0);
	check_origin(cm);
	check_origin(find(objs, "Deployment"));
	CHECK_STR(cf_json_str(labels_of(cm), "team"), "a");
	json_decref(objs);
	json_decref(prs);
}

static void origin_bad_documents(void)
{
	static const struct {
		const char *manifest, *error;
	} BAD[] = {
		{ "apiVersion: v1\nkind: ConfigMap\n---\n- a\n", "origin labels: document 2 is not an object" },
		{ "kind: ConfigMap\nmetadata:\n  name: x\n  labels: [a]\n", "document 1 (ConfigMap x): metadata.labels must be a map" },
		{ "kind: ConfigMap\nmetadata: x\n", "document 1 (ConfigMap ?): metadata.labels must be a map" },
		{ "a: [\n", "origin labels: manifest:" },
	};
	int rc;

	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		json_t *objs = render_origin(BAD[i].manifest, NULL, &rc);
		CHECK(rc == CF_EINVAL && objs == NULL);
		CHECK_CONTAINS(cf_err_msg(), BAD[i].error);
	}
}

/* the post-render mode refuses a spec file without the origin: no object goes out unlabelled */
static void main_needs_origin(void)
{
	char dir[] = "/tmp/cflux-pr-XXXXXX", *path = NULL, *argv[] = { "helm-controller", "post-render", NULL, NULL }, why[200], rm[300];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_OK(hc_helm_write_private(&path, dir, "postrenderers.json", "{\"postRenderers\":[]}", 20));
	argv[2] = path;
	CHECK(hc_postrender_main(3, argv) == 1);
	CHECK(hc_postrender_error(why, sizeof(why), dir) == 1);
	CHECK_CONTAINS(why, "origin.name and origin.namespace are required");
	cf_free(path);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	CHECK(system(rm) == 0);
}

static const cf_test_case cases[] = {
	{ "origin_labels_alone", origin_labels_alone },
	{ "origin_after_post_renderers", origin_after_post_renderers },
	{ "origin_bad_documents", origin_bad_documents },
	{ "main_needs_origin", main_needs_origin },
	{ "patches_and_images", patches_and_images },
	{ "bad_patch_is_an_error", bad_patch_is_an_error },
	{ "spec_checked", spec_checked },
	{ "plugin_files", plugin_files },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
