/* tests/unit/test_status.c - which watch events ask for a reconcile, the handled marks, the
 * key of an object, and the merge patch a status write sends. */
#include "runtime/status.h"
#include "test.h"
#include "util/err.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (v == NULL)
		cf_test_fail(__FILE__, __LINE__, "bad JSON in table: %s", text);
	return v;
}

typedef struct wants_case {
	const char *name;
	const char *type;
	const char *obj;
	int gone_too;
	int want;
} wants_case;

#define MD(extra) "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"generation\":2" extra "}"
#define REQ ",\"annotations\":{\"reconcile.fluxcd.io/requestedAt\":\"r2\"}"

static const wants_case wants[] = {
	{ "added", "ADDED", "{" MD("") ",\"status\":{\"observedGeneration\":2}}", 0, 1 },
	{ "deleted_when_gone_counts", "DELETED", "{" MD("") "}", 1, 1 },
	{ "deleted_when_gone_does_not", "DELETED", "{" MD("") "}", 0, 0 },
	{ "status_only_update", "MODIFIED", "{" MD("") ",\"status\":{\"observedGeneration\":2}}", 0, 0 },
	{ "new_generation", "MODIFIED", "{" MD("") ",\"status\":{\"observedGeneration\":1}}", 0, 1 },
	{ "never_observed", "MODIFIED", "{" MD("") "}", 0, 1 },
	{ "being_deleted", "MODIFIED", "{" MD(",\"deletionTimestamp\":\"t\"") ",\"status\":{\"observedGeneration\":2}}", 0, 1 },
	{ "request_not_handled", "MODIFIED", "{" MD(REQ) ",\"status\":{\"observedGeneration\":2}}", 0, 1 },
	{ "request_handled_before", "MODIFIED", "{" MD(REQ) ",\"status\":{\"observedGeneration\":2,\"lastHandledReconcileAt\":\"r1\"}}", 0, 1 },
	{ "request_handled", "MODIFIED", "{" MD(REQ) ",\"status\":{\"observedGeneration\":2,\"lastHandledReconcileAt\":\"r2\"}}", 0, 0 },
};

static void wants_reconcile_table(void)
{
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		json_t *obj = parse(wants[i].obj);
		int got = cf_status_wants_reconcile(wants[i].type, obj, wants[i].gone_too);

		if (got != wants[i].want)
			cf_test_fail(__FILE__, __LINE__, "%s: %d, want %d", wants[i].name, got, wants[i].want);
		json_decref(obj);
	}
}

static void mark_handled(void)
{
	json_t *obj = parse("{" MD(REQ) "}"), *plain = parse("{" MD("") "}");
	json_t *st = parse("{\"lastHandledReconcileAt\":\"r1\",\"observedGeneration\":1}");

	cf_status_mark_handled(st, obj);
	CHECK(json_integer_value(json_object_get(st, "observedGeneration")) == 2);
	CHECK_STR(json_string_value(json_object_get(st, "lastHandledReconcileAt")), "r2");
	cf_status_mark_handled(st, plain);   /* no request: the last one handled stays */
	CHECK(json_integer_value(json_object_get(st, "observedGeneration")) == 2);
	CHECK_STR(json_string_value(json_object_get(st, "lastHandledReconcileAt")), "r2");
	json_decref(st);
	json_decref(obj);
	json_decref(plain);
}

static void key_of_object(void)
{
	json_t *obj = parse("{" MD("") "}"), *bad = parse("{\"metadata\":{\"name\":\"a\"}}");
	char key[16], tiny[4];

	CHECK_OK(cf_status_key(key, sizeof(key), obj));
	CHECK_STR(key, "ns/a");
	CHECK(cf_status_key(key, sizeof(key), bad) == CF_EINVAL);
	CHECK(cf_status_key(tiny, sizeof(tiny), obj) == CF_EINVAL);
	json_decref(obj);
	json_decref(bad);
}

typedef struct diff_case {
	const char *name, *old, *new, *patch;
} diff_case;

static const diff_case diffs[] = {
	{ "equal_is_empty", "{\"a\":1,\"b\":{\"c\":2}}", "{\"a\":1,\"b\":{\"c\":2}}", "{}" },
	{ "changed_and_added", "{\"a\":1}", "{\"a\":2,\"n\":\"x\"}", "{\"a\":2,\"n\":\"x\"}" },
	{ "removed_is_null", "{\"a\":1,\"artifact\":{\"x\":1}}", "{\"a\":1}", "{\"artifact\":null}" },
	{ "objects_recursively", "{\"artifact\":{\"rev\":\"1\",\"size\":3}}", "{\"artifact\":{\"rev\":\"2\"}}",
	  "{\"artifact\":{\"rev\":\"2\",\"size\":null}}" },
	{ "arrays_whole", "{\"conditions\":[1,2]}", "{\"conditions\":[2]}", "{\"conditions\":[2]}" },
	{ "object_replaced_by_scalar", "{\"a\":{\"b\":1}}", "{\"a\":\"s\"}", "{\"a\":\"s\"}" },
};

static void merge_diff_table(void)
{
	for (size_t i = 0; i < sizeof(diffs) / sizeof(diffs[0]); i++) {
		json_t *o = parse(diffs[i].old), *n = parse(diffs[i].new), *want = parse(diffs[i].patch);
		json_t *got = cf_status_merge_diff(o, n);

		if (!json_equal(got, want)) {
			char *s = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
			cf_test_fail(__FILE__, __LINE__, "%s: %s, want %s", diffs[i].name, s ? s : "(null)", diffs[i].patch);
			free(s);
		}
		json_decref(got);
		json_decref(o);
		json_decref(n);
		json_decref(want);
	}
}

static const cf_test_case cases[] = {
	{ "wants_reconcile_table", wants_reconcile_table },
	{ "mark_handled", mark_handled },
	{ "key_of_object", key_of_object },
	{ "merge_diff_table", merge_diff_table },
};
CF_TEST_MAIN(cases)
