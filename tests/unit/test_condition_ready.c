/* tests/unit/test_condition_ready.c - "Ready at its generation" (runtime/condition), what a
 * dependsOn waits for. (Beside h-lifecycle's test_condition.c; fold in when both are merged.) */
#include "runtime/condition.h"
#include "test.h"

static const struct { const char *name, *json; int want; } cases[] = {
	{ "ready_at_generation", "{\"metadata\":{\"generation\":3},\"status\":{\"observedGeneration\":3,"
				 "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", 1 },
	{ "ready_for_an_older_generation", "{\"metadata\":{\"generation\":4},\"status\":{\"observedGeneration\":3,"
					   "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", 0 },
	{ "not_ready", "{\"metadata\":{\"generation\":3},\"status\":{\"observedGeneration\":3,"
		       "\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}", 0 },
	{ "other_condition_only", "{\"metadata\":{\"generation\":1},\"status\":{\"observedGeneration\":1,"
				  "\"conditions\":[{\"type\":\"Reconciling\",\"status\":\"True\"}]}}", 0 },
	{ "no_status", "{\"metadata\":{\"generation\":1}}", 0 },
};

static void table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_loads(cases[i].json, 0, NULL);
		CHECK(o != NULL);
		if (cf_condition_ready_at_generation(o) != cases[i].want)
			cf_test_fail(__FILE__, __LINE__, "%s: want %d", cases[i].name, cases[i].want);
		json_decref(o);
	}
	CHECK(cf_condition_ready_at_generation(NULL) == 0);
}

static const cf_test_case tests[] = {
	{ "ready_at_generation_table", table },
};
CF_TEST_MAIN(tests)
