/* tests/unit/test_flags.c - flags, durations and status conditions. */
#include "runtime/condition.h"
#include "test.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/flags.h"

#include <stdlib.h>

static void durations(void)
{
	static const struct { const char *text; long ms; } ok[] = {
		{ "0", 0 }, { "500ms", 500 }, { "1s", 1000 }, { "1m30s", 90000 }, { "10m", 600000 },
		{ "1h", 3600000 }, { "1.5h", 5400000 }, { "2h45m0s", 9900000 }, { "5m0s", 300000 },
	};
	long ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_OK(cf_duration_parse(&ms, ok[i].text));
		if (ms != ok[i].ms)
			cf_test_fail(__FILE__, __LINE__, "%s -> %ld, want %ld", ok[i].text, ms, ok[i].ms);
	}
	CHECK(cf_duration_parse(&ms, "5 minutes") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "\"5 minutes\"");
	CHECK(cf_duration_parse(&ms, "10") == CF_EINVAL);
	CHECK(cf_duration_parse(&ms, "") == CF_EINVAL);
	CHECK(cf_duration_parse(&ms, "9999h") == CF_EINVAL);
}

/* Go's time.Duration.String(), as flux writes intervals (--export) */
static void durations_formatted(void)
{
	static const struct { long ms; const char *go; } cases[] = {
		{ 0, "0s" }, { 500, "500ms" }, { 1000, "1s" }, { 1500, "1.5s" }, { 1250, "1.25s" },
		{ 60000, "1m0s" }, { 90000, "1m30s" }, { 120000, "2m0s" }, { 1800000, "30m0s" },
		{ 3600000, "1h0m0s" }, { 5400000, "1h30m0s" }, { 9900000, "2h45m0s" }, { 61001, "1m1.001s" },
		{ -90000, "-1m30s" },
	};
	char out[CF_DURATION_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_duration_format(out, cases[i].ms);
		CHECK_STR(out, cases[i].go);
	}
}

static void flag_table(void)
{
	const char *addr = "tcp://x", *name = NULL;
	long n = 4, size = 0, dur = 0;
	int on = 0;
	const cf_flag flags[] = {
		{ "addr", CF_FLAG_STRING, &addr, "address", 0 },
		{ "name", CF_FLAG_STRING, &name, "name", 0 },
		{ "concurrent", CF_FLAG_INT, &n, "workers", 1 },
		{ "max", CF_FLAG_SIZE, &size, "cap", 0 },
		{ "every", CF_FLAG_DURATION, &dur, "interval", 0 },
		{ "debug", CF_FLAG_BOOL, &on, "debug", 0 },
	};
	char *good[] = { "prog", "--addr=tcp://y", "--name", "n1", "--concurrent", "8", "--max=50Mi",
			 "--every", "1m", "--debug" };
	char *bad_int[] = { "prog", "--concurrent=zero" };
	char *below[] = { "prog", "--concurrent=0" };
	char *unknown[] = { "prog", "--nope" };
	char *missing[] = { "prog", "--name" };

	CHECK_OK(cf_flags_parse(flags, 6, 10, good, "usage"));
	CHECK_STR(addr, "tcp://y");
	CHECK_STR(name, "n1");
	CHECK(n == 8 && size == 50L * 1024 * 1024 && dur == 60000 && on == 1);
	CHECK(cf_flags_parse(flags, 6, 2, bad_int, "usage") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "--concurrent");
	CHECK(cf_flags_parse(flags, 6, 2, below, "usage") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "below the minimum");
	CHECK(cf_flags_parse(flags, 6, 2, unknown, "usage") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "unknown flag --nope");
	CHECK(cf_flags_parse(flags, 6, 2, missing, "usage") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "--name needs a value");
}

static void conditions(void)
{
	json_t *st = json_object();
	json_t *ready;
	char first[64];

	CHECK_OK(cf_condition_set(st, "ArtifactInStorage", "True", "Succeeded", "stored", 1));
	CHECK_OK(cf_condition_set(st, "Ready", "False", "GitOperationFailed", "boom", 1));
	ready = json_array_get(json_object_get(st, "conditions"), 0);
	CHECK_STR(json_string_value(json_object_get(ready, "type")), "Ready");
	snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(ready, "lastTransitionTime")));
	/* same status: the transition time stays */
	CHECK_OK(cf_condition_set(st, "Ready", "False", "GitOperationFailed", "boom again", 2));
	ready = cf_condition_get(st, "Ready");
	CHECK_STR(json_string_value(json_object_get(ready, "lastTransitionTime")), first);
	CHECK_STR(json_string_value(json_object_get(ready, "message")), "boom again");
	CHECK(json_integer_value(json_object_get(ready, "observedGeneration")) == 2);
	cf_condition_remove(st, "ArtifactInStorage");
	CHECK(cf_condition_get(st, "ArtifactInStorage") == NULL);
	CHECK(json_array_size(json_object_get(st, "conditions")) == 1);
	json_decref(st);
}

static void short_names_and_positionals(void)
{
	const char *ns = "flux-system";
	int all = 0;
	long timeout = 0;
	const cf_flag flags[] = {
		{ "namespace|n", CF_FLAG_STRING, &ns, "namespace", 0 },
		{ "all-namespaces|A", CF_FLAG_BOOL, &all, "every namespace", 0 },
		{ "timeout", CF_FLAG_DURATION, &timeout, "wait", 1 },
	};
	char *argv[] = { "get", "sources", "-n", "apps", "git", "-A", "--timeout=2m", NULL };
	char *bad[] = { "get", "-x", NULL }, *missing[] = { "get", "-n", NULL }, *badval[] = { "get", "-A=maybe", NULL };
	char *pos[4];
	size_t npos;

	CHECK_OK(cf_flags_parse_pos(flags, 3, 7, argv, "usage", pos, 4, &npos));
	CHECK(npos == 2);
	CHECK_STR(pos[0], "sources");
	CHECK_STR(pos[1], "git");
	CHECK_STR(ns, "apps");
	CHECK(all == 1 && timeout == 120000);
	CHECK(cf_flags_parse_pos(flags, 3, 2, bad, "usage", pos, 4, &npos) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "unknown flag -x");
	CHECK(cf_flags_parse_pos(flags, 3, 2, missing, "usage", pos, 4, &npos) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "-n needs a value");
	CHECK(cf_flags_parse_pos(flags, 3, 2, badval, "usage", pos, 4, &npos) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "--all-namespaces: \"maybe\" is not true or false");
	/* without room for positionals they are refused, as before */
	CHECK(cf_flags_parse(flags, 3, 7, argv, "usage") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "unexpected argument \"sources\"");
}

static const cf_test_case cases[] = {
	{ "durations", durations },
	{ "durations_formatted", durations_formatted },
	{ "flag_table", flag_table },
	{ "short_names_and_positionals", short_names_and_positionals },
	{ "conditions", conditions },
};
CF_TEST_MAIN(cases)
