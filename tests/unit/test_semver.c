/* tests/unit/test_semver.c - versions and constraints. */
#include "test.h"
#include "util/err.h"
#include "util/semver.h"

#include <stdio.h>

static const struct { const char *constraint; const char *version; int want; } cases[] = {
	{ ">=1.2.0 <2.0.0", "1.2.0", 1 }, { ">=1.2.0 <2.0.0", "1.9.9", 1 },
	{ ">=1.2.0 <2.0.0", "2.0.0", 0 }, { ">=1.2.0 <2.0.0", "1.1.9", 0 },
	{ ">= 1.2.0, < 2.0.0", "1.5.0", 1 },
	{ "1.x", "1.0.0", 1 }, { "1.x", "1.99.3", 1 }, { "1.x", "2.0.0", 0 },
	{ "1.2.x", "1.2.7", 1 }, { "1.2.x", "1.3.0", 0 }, { "*", "0.0.1", 1 },
	{ "1", "1.4.0", 1 }, { "1.2", "1.2.9", 1 }, { "1.2", "1.3.0", 0 },
	{ "~1.2.3", "1.2.9", 1 }, { "~1.2.3", "1.3.0", 0 }, { "~1.2.3", "1.2.2", 0 },
	{ "~1", "1.9.0", 1 }, { "~1", "2.0.0", 0 },
	{ "^1.2.3", "1.9.0", 1 }, { "^1.2.3", "2.0.0", 0 }, { "^0.2.3", "0.2.9", 1 },
	{ "^0.2.3", "0.3.0", 0 }, { "^0.0.3", "0.0.4", 0 },
	{ "1.2 - 1.4.5", "1.4.5", 1 }, { "1.2 - 1.4.5", "1.4.6", 0 }, { "1.2 - 1.4.5", "1.2.0", 1 },
	{ "<1.0.0 || >=3.0.0", "0.5.0", 1 }, { "<1.0.0 || >=3.0.0", "2.0.0", 0 },
	{ "<1.0.0 || >=3.0.0", "3.1.0", 1 },
	{ ">1.2", "1.2.9", 0 }, { ">1.2", "1.3.0", 1 }, { "<=1.2", "1.2.9", 1 },
	{ "!=1.2.3", "1.2.3", 0 }, { "=1.2.3", "v1.2.3", 1 },
	{ ">=1.0.0", "2.0.0-rc.1", 0 }, { ">=2.0.0-rc.0", "2.0.0-rc.1", 1 },
	{ ">=2.0.0-rc.2", "2.0.0-rc.10", 1 },
};

static void constraints(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_semver v;
		int got;

		if (cf_semver_parse(&v, cases[i].version) < 0) {
			cf_test_fail(__FILE__, __LINE__, "parse %s: %s", cases[i].version, cf_err_msg());
			continue;
		}
		got = cf_semver_match(cases[i].constraint, &v);
		if (got != cases[i].want)
			cf_test_fail(__FILE__, __LINE__, "\"%s\" on %s: got %d, want %d", cases[i].constraint,
				     cases[i].version, got, cases[i].want);
	}
}

static void ordering(void)
{
	const char *order[] = { "0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
				"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
				"v1.0.1", "1.10.0" };
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		cf_semver a, b;
		CHECK_OK(cf_semver_parse(&a, order[i]));
		CHECK_OK(cf_semver_parse(&b, order[i + 1]));
		if (cf_semver_compare(&a, &b) >= 0)
			cf_test_fail(__FILE__, __LINE__, "%s should sort before %s", order[i], order[i + 1]);
	}
}

static void bad_input(void)
{
	cf_semver v;

	CHECK(cf_semver_parse(&v, "latest") == CF_EINVAL);
	CHECK(cf_semver_parse(&v, "1.2.3.4") == CF_EINVAL);
	CHECK(cf_semver_parse(&v, "1.x") == CF_EINVAL);
	CHECK_OK(cf_semver_parse(&v, "1.2.3+build.5"));
	CHECK(cf_semver_match(">=banana", &v) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), ">=banana");
	CHECK(cf_semver_match("", &v) == CF_EINVAL);
}

static const cf_test_case tests[] = {
	{ "constraints", constraints },
	{ "ordering", ordering },
	{ "bad_input", bad_input },
};
CF_TEST_MAIN(tests)
