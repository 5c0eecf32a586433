/* tests/unit/test_err.c - error codes and messages recorded at the failure site. */
#include "err.h"
#include "test.h"

static int fail_deep(void)
{
	return cf_err_set(CF_ENOTFOUND, "object %s not found", "default/app");
}

static void set_returns_code_and_records(void)
{
	int rc = fail_deep();

	CHECK(rc == CF_ENOTFOUND);
	CHECK(cf_err_code() == CF_ENOTFOUND);
	CHECK_STR(cf_err_msg(), "object default/app not found");
}

static void prefix_adds_context(void)
{
	fail_deep();
	CHECK(cf_err_prefix("kustomization %s", "apps") == CF_ENOTFOUND);
	CHECK_STR(cf_err_msg(), "kustomization apps: object default/app not found");
}

static void clear_and_names(void)
{
	fail_deep();
	cf_err_clear();
	CHECK_STR(cf_err_msg(), "");
	CHECK(cf_err_code() == 0);
	CHECK_STR(cf_err_str(CF_EINVAL), "invalid");
	CHECK_STR(cf_err_str(12345), "unknown error");
}

static void long_message_truncates(void)
{
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cf_err_set(CF_EINVAL, "%s", big);
	CHECK(strlen(cf_err_msg()) < sizeof(big));
	CHECK(strlen(cf_err_msg()) > 1000);
}

static const cf_test_case cases[] = {
	{ "set_returns_code_and_records", set_returns_code_and_records },
	{ "prefix_adds_context", prefix_adds_context },
	{ "clear_and_names", clear_and_names },
	{ "long_message_truncates", long_message_truncates },
};
CF_TEST_MAIN(cases)
