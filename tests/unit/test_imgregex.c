/* tests/unit/test_imgregex.c - image-automation-controller/imgregex.c: Go (RE2) patterns as
 * Flux's users write them, translated to POSIX and run; Go's Expand for extract templates. */
#include "image-automation-controller/imgregex.h"

#include "test.h"
#include "util/err.h"

#include <string.h>

typedef struct rcase {
	const char *pattern, *subject, *tmpl;
	const char *want;          /* the expansion; "" with matches 0: no match */
	int matches;
} rcase;

static const rcase CASES[] = {
	{ "^main-[a-fA-F0-9]+-(?P<ts>.*)", "main-1a2B-1611840548", "$ts", "1611840548", 1 },
	{ "^main-[a-f0-9]+-(?P<ts>[0-9]+)", "dev-1a2b-16", "$ts", "", 0 },
	{ "^RELEASE\\.(?P<timestamp>.*)Z$", "RELEASE.2021-02-05T09-58-18Z", "$timestamp", "2021-02-05T09-58-18", 1 },
	{ "^RELEASE\\.(?P<timestamp>.*)Z$", "RELEASExZ", "$timestamp", "", 0 },
	{ "^build-\\d+-v(?<v>\\d+\\.\\d+\\.\\d+)$", "build-42-v1.3.7", "${v}", "1.3.7", 1 },
	{ "^(?:dev|main)-(?P<n>\\d+)$", "main-7", "$1-$n", "7-7", 1 },
	{ "^test-(.*)$", "test-0.1.1", "$1", "0.1.1", 1 },
	{ "(?i)^v(?P<x>[0-9]+)", "V12", "$x", "12", 1 },
	{ "^[\\w.-]+-(?P<sha>[[:xdigit:]]{7})$", "feat_x.y-abc1234", "sha=$sha", "sha=abc1234", 1 },
	{ "^[a\\-z]+$", "a-z-a", "ok", "ok", 1 },
	{ "^[a\\-z]+$", "b", "ok", "", 0 },
	{ "^\\s*x\\S$", " xy", "$$1", "$1", 1 },
	/* Go: a name that is no group is empty; $ without a name is text; $1x is the name "1x" */
	{ "^(?P<a>a)(b)$", "ab", "[$nope][$][${a}x][$1x][$2]", "[][$][ax][][b]", 1 },
	{ "^(?P<a>a)|(?P<b>b)$", "b", "<$a><$b>", "<><b>", 1 },
	{ "\\.sig$", "sha256-abc.sig", "m", "m", 1 },
	{ "^.*\\.sig$", "1.0.0", "m", "", 0 },
};

static void translate_and_match(void)
{
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const rcase *c = &CASES[i];
		cf_buf out = CF_BUF_INIT(4096);
		regmatch_t m[IAC_REGEX_GROUPS_MAX + 1];
		iac_regex re;
		int got;

		if (iac_regex_compile(&re, c->pattern, "pattern") < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", c->pattern, cf_err_msg());
			continue;
		}
		got = iac_regex_match(&re, c->subject, m);
		if (got != c->matches)
			cf_test_fail(__FILE__, __LINE__, "%s on %s: match %d, want %d", c->pattern, c->subject, got, c->matches);
		else if (got && (iac_regex_expand(&out, &re, c->tmpl, c->subject, m) < 0 || strcmp(out.data ? out.data : "", c->want) != 0))
			cf_test_fail(__FILE__, __LINE__, "%s on %s with %s: \"%s\", want \"%s\"", c->pattern, c->subject, c->tmpl,
				     out.data ? out.data : "", c->want);
		iac_regex_free(&re);
		cf_buf_free(&out);
	}
}

/* what POSIX cannot do is refused, naming the construct and the field */
static void refused(void)
{
	static const char *const bad[] = { "^a*?$", "x+?", "(?s).", "\\bword", "\\pL", "(a)\\1", "(?P<x", "[abc", "a\\",
					   "(?P<a-b>x)", "(", "[\\D]" };
	iac_regex re;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iac_regex_compile(&re, bad[i], "spec.filterTags.pattern") == 0) {
			cf_test_fail(__FILE__, __LINE__, "%s compiled", bad[i]);
			iac_regex_free(&re);
			continue;
		}
		CHECK_CONTAINS(cf_err_msg(), "spec.filterTags.pattern: invalid regular expression pattern");
	}
}

static void translation_text(void)
{
	cf_buf out = CF_BUF_INIT(4096);
	iac_regex re;
	int icase;

	CHECK_OK(iac_regex_translate(&out, &re, "^(?P<ts>\\d+)-(?:a|b)[\\w\\-]$", &icase));
	CHECK_STR(out.data, "^([0-9]+)-(a|b)[[:alnum:]_-]$");
	CHECK(re.ngroups == 1 && re.posix_of[1] == 1 && strcmp(re.names[1], "ts") == 0 && !icase);
	CHECK_OK(iac_regex_translate(&out, &re, "(?:x)(y)", &icase));
	CHECK(re.ngroups == 1 && re.posix_of[1] == 2);
	cf_buf_free(&out);
}

static const cf_test_case tests[] = {
	{ "translate_and_match", translate_and_match },
	{ "refused", refused },
	{ "translation_text", translation_text },
};
CF_TEST_MAIN(tests)
