/* tests/unit/test_err.c - error codes and messages recorded at the failure site. */
#include "runtime/condition.h"
#include "test.h"
#include "util/err.h"

#include <jansson.h>

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

/* Is s valid UTF-8 (as JSON needs it)? */
static int valid_utf8(const char *s)
{
	json_t *j = json_string(s);
	int ok = j != NULL;

	json_decref(j);
	return ok;
}

/* 2 KiB cuts a message of two-byte characters (Git servers and API messages can be any
 * language): the cut falls between characters, and the condition holding it is written */
static void long_message_cut_on_a_character(void)
{
	char big[5001], prefix[700];
	json_t *st = json_object();

	for (size_t i = 0; i < 5000; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);   /* é */
	big[5000] = '\0';
	for (size_t odd = 0; odd < 2; odd++) {   /* both parities of the cut */
		cf_err_set(CF_EIO, "%.*s%s", (int)odd, "x", big);
		CHECK(valid_utf8(cf_err_msg()));
		CHECK(strlen(cf_err_msg()) > 2000);
		CHECK_OK(cf_condition_set(st, CF_COND_READY, "False", "GitOperationFailed", cf_err_msg(), 1));
		CHECK_STR(json_string_value(json_object_get(cf_condition_get(st, CF_COND_READY), "message")), cf_err_msg());
		/* and with context in front, of either parity and too long itself */
		cf_err_prefix("%.*s%.600s", (int)odd, "y", big);
		CHECK(valid_utf8(cf_err_msg()));
		memset(prefix, 'p', sizeof(prefix));
		prefix[sizeof(prefix) - 1] = '\0';
		cf_err_prefix("%s", prefix);
		CHECK(valid_utf8(cf_err_msg()));
	}
	/* three- and four-byte characters at the cut */
	for (size_t w = 3; w <= 4; w++)
		for (size_t shift = 0; shift < w; shift++) {
			char buf[5001];
			size_t n = 0;
			memset(buf, 'a', shift);
			n = shift;
			while (n + w < sizeof(buf)) {
				memcpy(buf + n, w == 3 ? "\xe2\x82\xac" : "\xf0\x9f\x98\x80", w);
				n += w;
			}
			buf[n] = '\0';
			cf_err_set(CF_EIO, "%s", buf);
			CHECK(valid_utf8(cf_err_msg()));
		}
	json_decref(st);
}

/* a message that is not UTF-8 at all (bytes from elsewhere) still makes a condition, so that
 * a failure never leaves the old Ready=True standing */
static void condition_takes_any_bytes(void)
{
	json_t *st = json_object();

	CHECK_OK(cf_condition_set(st, CF_COND_READY, "True", "Succeeded", "fine", 1));
	CHECK_OK(cf_condition_set(st, CF_COND_READY, "False", "GitOperationFailed", "bad \xff\xc3 bytes \xed\xa0\x80 end", 2));
	CHECK_STR(json_string_value(json_object_get(cf_condition_get(st, CF_COND_READY), "status")), "False");
	CHECK_STR(json_string_value(json_object_get(cf_condition_get(st, CF_COND_READY), "message")), "bad ?? bytes ??? end");
	json_decref(st);
}

static void url_credentials_redacted(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "https://user:pa55@host/r.git", "https://***@host/r.git" },
		{ "fetch from http://tok@h:80/x timed out", "fetch from http://***@h:80/x timed out" },
		{ "ssh://git@host/r.git", "ssh://git@host/r.git" },            /* a user name alone */
		{ "ssh://git:pw@host/r.git", "ssh://***@host/r.git" },
		{ "a https://u:p@h/1 and \"http://v:q@g/2\"", "a https://***@h/1 and \"http://***@g/2\"" },
		{ "https://host/path@v1", "https://host/path@v1" },            /* '@' after the host */
		{ "no url: user:pass@host", "no url: user:pass@host" },
		{ "://@x", "://@x" },
	};
	char out[256], small[12];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_url_redact(out, sizeof(out), cases[i].in);
		CHECK_STR(out, cases[i].out);
	}
	CHECK(cf_url_redact(small, sizeof(small), "https://u:secret@h/x") == strlen(small));
	CHECK(strstr(small, "secret") == NULL);
	CHECK_STR(cf_err_str(CF_ENOTSERVED), "not served");
	CHECK_STR(cf_err_str(CF_EUNAVAIL), "unavailable");
}

static const cf_test_case cases[] = {
	{ "long_message_cut_on_a_character", long_message_cut_on_a_character },
	{ "condition_takes_any_bytes", condition_takes_any_bytes },
	{ "url_credentials_redacted", url_credentials_redacted },
	{ "set_returns_code_and_records", set_returns_code_and_records },
	{ "prefix_adds_context", prefix_adds_context },
	{ "clear_and_names", clear_and_names },
	{ "long_message_truncates", long_message_truncates },
};
CF_TEST_MAIN(cases)
