/* tests/unit/test_helm.c - common/source/helm: index.yaml, version picking, chart URLs,
 * Chart.yaml, values merging, paths, and a chart packaged from a tree and read back. */
#include "source/artifact.h"
#include "source/helm.h"
#include "source/tree.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char INDEX[] =
	"apiVersion: v1\n"
	"entries:\n"
	"  hello:\n"
	"  - {name: hello, version: 0.1.0, urls: [hello-0.1.0.tgz],\n"
	"     digest: 3791154a9a56ab6a046a86d469551e2256aa9091d96cfc6ce41b2f3fa391678d}\n"
	"  - {name: hello, version: 0.3.0-rc.1, urls: [hello-0.3.0-rc.1.tgz]}\n"
	"  - {name: hello, version: 0.2.1, urls: ['https://cdn.example.com/hello-0.2.1.tgz']}\n"
	"  - {name: hello, version: 0.2.0, urls: [/abs/hello-0.2.0.tgz]}\n"
	"  - {name: hello, version: not-a-version, urls: [x.tgz]}\n"
	"  - 42\n";

static void index_pick(void)
{
	static const struct { const char *range, *want; } cases[] = {
		{ NULL, "0.2.1" }, { "*", "0.2.1" }, { "0.1.x", "0.1.0" }, { "~0.2.0", "0.2.1" },
		{ ">=0.3.0-rc.0", "0.3.0-rc.1" }, { "<0.2.1", "0.2.0" },
	};
	cf_helm_index_pick pick;
	json_t *idx = NULL;

	CHECK_OK(cf_helm_index_parse(&idx, INDEX, strlen(INDEX), "index.yaml"));
	/* the entry that is not a map is dropped, the bad version kept but never picked */
	CHECK(json_array_size(json_object_get(json_object_get(idx, "entries"), "hello")) == 5);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cf_helm_index_select(&pick, idx, "hello", cases[i].range) < 0) {
			cf_test_fail(__FILE__, __LINE__, "range %s: %s", cases[i].range, cf_err_msg());
			continue;
		}
		CHECK_STR(pick.version, cases[i].want);
	}
	CHECK_OK(cf_helm_index_select(&pick, idx, "hello", "0.1.0"));
	CHECK_STR(pick.digest, "sha256:3791154a9a56ab6a046a86d469551e2256aa9091d96cfc6ce41b2f3fa391678d");
	CHECK_STR(pick.url, "hello-0.1.0.tgz");
	CHECK(cf_helm_index_select(&pick, idx, "hello", ">=9") == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "no 'hello' chart with version matching '>=9' found");
	CHECK(cf_helm_index_select(&pick, idx, "nope", NULL) == CF_ENOTFOUND);
	CHECK(cf_helm_index_select(&pick, idx, "hello", ">>>") == CF_EINVAL);
	json_decref(idx);
}

static void index_refused(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "entries: {}\n", "no API version specified" },
		{ "apiVersion: v1\nentries: [a]\n", "entries is not a map" },
		{ "apiVersion: v1\nentries:\n  x: {a: 1}\n", "entries.x is not a list" },
		{ "- a\n", "not a Helm repository index" },
		{ "apiVersion: v1\nentries: {\n", "index.yaml" },
	};
	json_t *idx;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(cf_helm_index_parse(&idx, cases[i].text, strlen(cases[i].text), "index.yaml") < 0);
		CHECK(idx == NULL);
		CHECK_CONTAINS(cf_err_msg(), cases[i].msg);
	}
	CHECK(cf_helm_index_parse(&idx, "x", CF_HELM_INDEX_MAX + 1ul, "big") == CF_ETOOBIG);
}

static void chart_urls(void)
{
	static const struct { const char *repo, *chart, *want; } cases[] = {
		{ "http://h:1/charts", "a-1.tgz", "http://h:1/charts/a-1.tgz" },
		{ "http://h:1/charts/", "a-1.tgz", "http://h:1/charts/a-1.tgz" },
		{ "https://h/charts", "/x/a-1.tgz", "https://h/x/a-1.tgz" },
		{ "https://h/charts", "https://cdn/a.tgz", "https://cdn/a.tgz" },
		{ "https://h", "index.yaml", "https://h/index.yaml" },
	};
	char out[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(cf_helm_chart_url(out, sizeof(out), cases[i].repo, cases[i].chart));
		CHECK_STR(out, cases[i].want);
	}
}

static void chart_yaml(void)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "name: a\nversion: 1.0.0\n", "chart.metadata.apiVersion is required" },
		{ "apiVersion: v2\nversion: 1.0.0\n", "chart.metadata.name is required" },
		{ "apiVersion: v2\nname: a\n", "chart.metadata.version is required" },
		{ "apiVersion: v2\nname: a\nversion: one\n", "chart.metadata.version \"one\" is invalid" },
		{ "apiVersion: v2\nname: a/b\nversion: 1.0.0\n", "chart.metadata.name \"a/b\" is invalid" },
	};
	json_t *doc;

	CHECK_OK(cf_helm_chart_yaml_parse(&doc, "apiVersion: v2\nname: a\nversion: 1.0.0\n", 38, "Chart.yaml"));
	CHECK_STR(cf_json_str(doc, "name"), "a");
	json_decref(doc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(cf_helm_chart_yaml_parse(&doc, bad[i].text, strlen(bad[i].text), "c/Chart.yaml") == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), bad[i].msg);
		CHECK_CONTAINS(cf_err_msg(), "c/Chart.yaml");
	}
}

static void path_join(void)
{
	static const struct { const char *dir, *rel, *want; } ok[] = {
		{ "charts/app", "../lib", "charts/lib" }, { ".", "./charts/app/", "charts/app" },
		{ "a", "b/./c", "a/b/c" }, { ".", ".", "." }, { "a/b", "../..", "." },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_OK(cf_helm_path_join(out, sizeof(out), ok[i].dir, ok[i].rel));
		CHECK_STR(out, ok[i].want);
	}
	CHECK(cf_helm_path_join(out, sizeof(out), "charts/app", "../../../x") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "leaves the source");
	CHECK(cf_helm_path_join(out, sizeof(out), ".", "/etc") == CF_EINVAL);
}

/* A source tree: charts/app (with a file:// dependency on charts/lib) as a tar.gz in memory. */
static cf_tree *source_tree(const char *dir)
{
	static const struct { const char *path, *data; } files[] = {
		{ "charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.2.3\n" },
		{ "charts/app/values.yaml", "a: 1\n" },
		{ "charts/app/templates/cm.yaml", "kind: ConfigMap\n" },
		{ "charts/app/templates/.cm.yaml.swp", "x" },
		{ "charts/app/.helmignore", "# as helm create writes them\n*.md\nci/\n" },
		{ "charts/app/README.md", "# app\n" },
		{ "charts/app/ci/values.yaml", "a: 2\n" },
		{ "charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\n" },
		{ "values-prod.yaml", "b: 2\n" },
	};
	cf_artifact_writer *w = NULL;
	cf_buf data = CF_BUF_INIT(1u << 20);
	char digest[72], path[600];
	cf_tree *t = NULL;

	if (cf_artifact_writer_open(&w, dir, "src.tar.gz", 1u << 20) < 0)
		return NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK_OK(cf_artifact_writer_add_file(w, files[i].path, 0, files[i].data, strlen(files[i].data)));
	CHECK_OK(cf_artifact_writer_commit(w, digest, NULL));
	cf_artifact_writer_free(w);
	snprintf(path, sizeof(path), "%s/src.tar.gz", dir);
	CHECK_OK(cf_buf_read_file(&data, path));
	CHECK_OK(cf_tree_unpack(&t, data.data, data.len, 1u << 20, 100));
	cf_buf_free(&data);
	return t;
}

static void package_chart(void)
{
	char dir[] = "/tmp/cflux-test-helm-XXXXXX", path[600], digest[72];
	cf_tree *src, *out = NULL;
	cf_helm_pack *p = NULL;
	cf_artifact_writer *w = NULL;
	cf_buf data = CF_BUF_INIT(1u << 20);
	const unsigned char *f;
	size_t len = 0;

	if (mkdtemp(dir) == NULL || (src = source_tree(dir)) == NULL) {
		cf_test_fail(__FILE__, __LINE__, "no source tree");
		return;
	}
	CHECK_OK(cf_helm_pack_from_tree(&p, src, "charts/app"));
	if (p == NULL)
		goto out;
	CHECK_STR(cf_helm_pack_name(p), "app");
	CHECK_OK(cf_helm_pack_put_tree(p, "charts/lib", src, "charts/lib"));
	CHECK_OK(cf_helm_pack_put(p, "values.yaml", "a: 1\nb: 2\n", 10));
	CHECK_OK(cf_helm_pack_set_version(p, "1.2.3+abc.2"));
	CHECK_OK(cf_artifact_writer_open(&w, dir, "app.tgz", 1u << 20));
	CHECK_OK(cf_helm_pack_write(p, w));
	CHECK_OK(cf_artifact_writer_commit(w, digest, NULL));
	snprintf(path, sizeof(path), "%s/app.tgz", dir);
	CHECK_OK(cf_buf_read_file(&data, path));
	CHECK_OK(cf_tree_unpack(&out, data.data, data.len, 1u << 20, 100));
	/* helm package's layout: everything under <name>/ */
	CHECK(cf_tree_get(out, "app/templates/cm.yaml", NULL) != NULL);
	CHECK(cf_tree_get(out, "app/charts/lib/Chart.yaml", NULL) != NULL);
	CHECK(cf_tree_get(out, "values-prod.yaml", NULL) == NULL);
	/* .helmignore and helm's templates/.* rule, as helm package */
	CHECK(cf_tree_get(out, "app/README.md", NULL) == NULL);
	CHECK(cf_tree_get(out, "app/ci/values.yaml", NULL) == NULL);
	CHECK(cf_tree_get(out, "app/templates/.cm.yaml.swp", NULL) == NULL);
	CHECK(cf_tree_get(out, "app/.helmignore", NULL) != NULL);
	f = cf_tree_get(out, "app/Chart.yaml", &len);
	CHECK(f && memmem(f, len, "version: 1.2.3+abc.2", 20) != NULL);
	f = cf_tree_get(out, "app/values.yaml", &len);
	CHECK(f && len == 10 && memcmp(f, "a: 1\nb: 2\n", 10) == 0);
	/* not a chart directory */
	cf_helm_pack_free(p);
	p = NULL;
	CHECK(cf_helm_pack_from_tree(&p, src, "charts") == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "no Chart.yaml in 'charts'");
	CHECK(cf_helm_pack_from_tree(&p, src, "nowhere") == CF_ENOTFOUND);
out:
	cf_artifact_writer_free(w);
	cf_helm_pack_free(p);
	cf_tree_free(src);
	cf_tree_free(out);
	cf_buf_free(&data);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

/* helm's storage Secret data (the corpus of fuzz_helm_release): gzipped or plain release JSON
 * under two base64 layers; a cut gzip stream, a non-object and bad base64 are refused */
static void release_decode(void)
{
	static const struct { const char *file; int ok; } cases[] = {
		{ "gzip", 1 }, { "plain", 1 }, { "truncated", 0 }, { "not-object", 0 }, { "bad", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_buf in = CF_BUF_INIT(1u << 20);
		char path[200];
		json_t *rel = NULL;
		snprintf(path, sizeof(path), "tests/fuzz/corpus/helm_release/%s", cases[i].file);
		CHECK(cf_buf_read_file(&in, path) == 0);
		if (cases[i].ok) {
			CHECK(cf_helm_release_decode(&rel, in.data, in.len) == 0);
			CHECK_STR(json_string_value(json_object_get(rel, "name")), "web");
			CHECK_CONTAINS(json_string_value(json_object_get(rel, "manifest")), "kind: ConfigMap");
		} else {
			CHECK(cf_helm_release_decode(&rel, in.data ? in.data : "", in.len) == CF_EINVAL && rel == NULL);
		}
		json_decref(rel);
		cf_buf_free(&in);
	}
}

static const cf_test_case cases[] = {
	{ "index_pick", index_pick },
	{ "index_refused", index_refused },
	{ "chart_urls", chart_urls },
	{ "chart_yaml", chart_yaml },
	{ "path_join", path_join },
	{ "package_chart", package_chart },
	{ "release_decode", release_decode },
};
CF_TEST_MAIN(cases)
