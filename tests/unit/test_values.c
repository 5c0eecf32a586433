/* tests/unit/test_values.c - the helm-controller's values (helm-controller/values.c): Flux's
 * merge, targetPath, the config digest. */
#include "helm-controller/values.h"
#include "test.h"
#include "yaml/yaml.h"
#include "util/err.h"

#include <jansson.h>
#include <string.h>

static int equal(json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	int eq = w && json_equal(got, w);

	if (!eq) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		cf_test_fail(__FILE__, __LINE__, "got %s, want %s", g ? g : "(null)", want);
		free(g);
	}
	json_decref(w);
	return eq;
}

static void merge_is_deep_and_replaces_the_rest(void)
{
	json_t *dst = json_loads("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":\"x\"}", 0, NULL);
	json_t *src = json_loads("{\"a\":{\"c\":[3],\"e\":true},\"d\":{\"f\":1}}", 0, NULL);

	CHECK_OK(cf_json_merge_deep(dst, src));
	equal(dst, "{\"a\":{\"b\":1,\"c\":[3],\"e\":true},\"d\":{\"f\":1}}");
	json_object_set_new(json_object_get(src, "a"), "e", json_false());   /* a copy was taken */
	CHECK(json_is_true(json_object_get(json_object_get(dst, "a"), "e")));
	json_decref(dst);
	json_decref(src);
}

static const struct {
	const char *path, *raw, *want;
} PATHS[] = {
	{ "a", "x", "{\"a\":\"x\"}" },
	{ "a.b.c", "true", "{\"a\":{\"b\":{\"c\":true}}}" },
	{ "a", "42", "{\"a\":42}" },
	{ "a", "042", "{\"a\":\"042\"}" },
	{ "a", "\"42\"", "{\"a\":\"42\"}" },
	{ "a", "'true'", "{\"a\":\"true\"}" },
	{ "a", "null", "{\"a\":null}" },
	{ "a\\.b", "v", "{\"a.b\":\"v\"}" },
	{ "list[1].name", "n", "{\"list\":[null,{\"name\":\"n\"}]}" },
	{ "list[0]", "v", "{\"list\":[\"v\"]}" },
};

static void target_path(void)
{
	for (size_t i = 0; i < sizeof(PATHS) / sizeof(PATHS[0]); i++) {
		json_t *v = json_object();
		CHECK_OK(hc_values_set_path(v, PATHS[i].path, PATHS[i].raw));
		equal(v, PATHS[i].want);
		json_decref(v);
	}
}

static void target_path_refuses_malformed(void)
{
	static const char *const bad[] = { "", ".", "a.", "a..b", "a[x]", "a[-1]", "a[1", "[0]", "a[65536]", "a[99999999999]",
					   "a[99999999999999999999999999]", "a[4294967296].b", "a[-9223372036854775809]" };
	json_t *v = json_object();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(hc_values_set_path(v, bad[i], "x") == CF_EINVAL);
	json_decref(v);
}

static void digest_is_canonical(void)
{
	json_t *a = json_loads("{\"b\":1,\"a\":{\"y\":2,\"x\":1}}", 0, NULL), *b = json_loads("{\"a\":{\"x\":1,\"y\":2},\"b\":1}", 0, NULL);
	char da[72], db[72], de[72];
	json_t *e = json_object();

	CHECK_OK(hc_values_digest(da, a));
	CHECK_OK(hc_values_digest(db, b));
	CHECK_OK(hc_values_digest(de, e));
	CHECK_STR(da, db);
	CHECK(strcmp(da, de) != 0);
	CHECK(strncmp(da, "sha256:", 7) == 0 && strlen(da) == 71);
	json_decref(a);
	json_decref(b);
	json_decref(e);
}

static const cf_test_case cases[] = {
	{ "merge_is_deep_and_replaces_the_rest", merge_is_deep_and_replaces_the_rest },
	{ "target_path", target_path },
	{ "target_path_refuses_malformed", target_path_refuses_malformed },
	{ "digest_is_canonical", digest_is_canonical },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
