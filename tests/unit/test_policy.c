/* tests/unit/test_policy.c - image-automation-controller/policy.c: each ImagePolicy kind, with
 * and without filterTags extract, picks what Flux's image-reflector-controller picks on the same
 * tags. The cases are Flux's documented examples (the ImagePolicy docs, `flux create image
 * policy --help`) and its own policy tests (internal/policy, internal/controller/policy_test.go). */
#include "image-automation-controller/policy.h"

#include "test.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <jansson.h>
#include <string.h>

typedef struct pcase {
	const char *name;
	const char *spec;          /* the ImagePolicy spec, as YAML flow */
	const char *tags[12];
	const char *want;          /* the tag chosen; NULL: an error */
	const char *error;         /* a part of the error (parse or choice) */
} pcase;

static const pcase CASES[] = {
	/* Flux's docs: the podinfo example */
	{ "semver_docs", "{policy: {semver: {range: 5.1.x}}}",
	  { "5.0.3", "5.1.0", "5.1.4", "5.2.0", "latest", "5.1.3" }, "5.1.4", NULL },
	/* policy_test.go: calculateImageFromRepoTags */
	{ "semver_patch_range", "{policy: {semver: {range: 1.0.x}}}",
	  { "0.1.0", "0.1.1", "0.2.0", "1.0.0", "1.0.1", "1.0.2", "1.1.0-alpha" }, "1.0.2", NULL },
	{ "semver_prerelease_asked", "{policy: {semver: {range: '>=1.0.0-0'}}}",
	  { "0.1.0", "1.0.0", "1.0.1", "1.1.0-alpha" }, "1.1.0-alpha", NULL },
	{ "semver_v_prefix_original", "{policy: {semver: {range: '>=1.0.0'}}}",
	  { "v1.0.0", "v1.2.3", "1.1.0" }, "v1.2.3", NULL },
	/* fluxcd/pkg/version: strict, so "1.3" and "01.2.3" are no versions */
	{ "semver_strict", "{policy: {semver: {range: '>=1.0.0'}}}",
	  { "1.3", "1.2.0", "01.4.0", "1.2" }, "1.2.0", NULL },
	{ "semver_none_in_range", "{policy: {semver: {range: '>=2.0.0'}}}",
	  { "1.0.0", "1.1.0" }, NULL, "unable to determine latest version" },
	{ "semver_invalid_range", "{policy: {semver: {range: 'not a range'}}}",
	  { "1.0.0" }, NULL, "spec.policy.semver.range" },
	/* policy_test.go: AlphabeticalPolicy (asc picks the last) */
	{ "alphabetical_asc", "{policy: {alphabetical: {}}}",
	  { "xenial", "yakkety", "zesty", "artful", "bionic" }, "zesty", NULL },
	{ "alphabetical_desc", "{policy: {alphabetical: {order: desc}}}",
	  { "xenial", "yakkety", "zesty", "artful", "bionic" }, "artful", NULL },
	/* Flux's docs: RELEASE.<timestamp>Z tags (minio's) */
	{ "alphabetical_release_timestamp",
	  "{filterTags: {pattern: '^RELEASE\\.(?P<timestamp>.*)Z$', extract: '$timestamp'}, policy: {alphabetical: {order: asc}}}",
	  { "RELEASE.2021-01-28T00-00-00Z", "RELEASE.2021-02-05T09-58-18Z", "RELEASE.2020-12-01T00-00-00Z", "latest" },
	  "RELEASE.2021-02-05T09-58-18Z", NULL },
	{ "alphabetical_bad_order", "{policy: {alphabetical: {order: sideways}}}",
	  { "a" }, NULL, "spec.policy.alphabetical.order" },
	/* internal/policy/numerical_test.go */
	{ "numerical_integers_asc", "{policy: {numerical: {order: asc}}}",
	  { "-62", "-88", "73", "72", "15", "16", "15", "29", "-33", "-91" }, "73", NULL },
	{ "numerical_integers_desc", "{policy: {numerical: {order: desc}}}",
	  { "5", "-8", "-78", "25", "70", "-4", "80", "92", "-20", "-24" }, "-78", NULL },
	{ "numerical_floats_asc", "{policy: {numerical: {}}}",
	  { "47.40896403322944", "-27.8520927455902", "53.47333823144817", "3.2008658570411086" }, "53.47333823144817", NULL },
	{ "numerical_timestamps_desc", "{policy: {numerical: {order: desc}}}",
	  { "1606234201", "1606364286", "1606334092", "1606334284", "1606334201" }, "1606234201", NULL },
	{ "numerical_invalid", "{policy: {numerical: {}}}",
	  { "0", "1a", "b" }, NULL, "failed to parse invalid numeric value" },
	/* `flux create image policy --help`: ${GIT_BRANCH}-${GIT_SHA:0:7}-$(date +%s) */
	{ "numerical_extract_ts",
	  "{filterTags: {pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts'}, policy: {numerical: {order: asc}}}",
	  { "main-1a2b3c4-1611840548", "main-9f8e7d6-1611840600", "main-0a1b2c3-99", "dev-aaaaaaa-99999999999", "latest" },
	  "main-9f8e7d6-1611840600", NULL },
	/* Flux's docs: ^main-[a-fA-F0-9]+-(?P<ts>.*) */
	{ "numerical_extract_ts_desc",
	  "{filterTags: {pattern: '^main-[a-fA-F0-9]+-(?P<ts>.*)', extract: '$ts'}, policy: {numerical: {order: desc}}}",
	  { "main-1A2B3C4-1611840548", "main-9f8e7d6-1611840600", "main-0a1b2c3-99" }, "main-0a1b2c3-99", NULL },
	/* policy_test.go: filterTags "^test-(.*)$" with "$1", semver >=0.x */
	{ "semver_extract_number_ref",
	  "{filterTags: {pattern: '^test-(.*)$', extract: '$1'}, policy: {semver: {range: '>=0.x'}}}",
	  { "test-0.1.0", "test-0.1.1", "dev-0.2.0", "1.0.0", "1.0.1", "1.0.2", "1.1.0-alpha" }, "test-0.1.1", NULL },
	/* RE2's \d and a named group with ${name} */
	{ "semver_extract_digits",
	  "{filterTags: {pattern: '^build-\\d+-v(?P<version>\\d+\\.\\d+\\.\\d+)$', extract: '${version}'}, policy: {semver: {range: '>=1.0.0'}}}",
	  { "build-42-v1.3.7", "build-43-v1.4.0", "build-44-v2.0.0-rc.1", "v9.9.9" }, "build-43-v1.4.0", NULL },
	/* a pattern without extract filters only */
	{ "alphabetical_filter_only", "{filterTags: {pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'}, policy: {alphabetical: {}}}",
	  { "2026-03-05", "2026-11-01", "zzz", "2025-12-31" }, "2026-11-01", NULL },
	/* policy_test.go: an invalid regex is the spec's fault */
	{ "filter_invalid_regex", "{filterTags: {pattern: '^test-(.*', extract: '$1'}, policy: {semver: {range: '>=0.x'}}}",
	  { "test-0.1.0" }, NULL, "invalid regular expression pattern" },
	{ "filter_matches_nothing", "{filterTags: {pattern: '^release-'}, policy: {alphabetical: {}}}",
	  { "a", "b" }, NULL, "version list argument cannot be empty" },
	{ "no_policy", "{policy: {}}", { "a" }, NULL, "exactly one of semver, alphabetical and numerical" },
	{ "two_policies", "{policy: {alphabetical: {}, numerical: {}}}", { "a" }, NULL, "exactly one" },
};

static void policy_cases(void)
{
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const pcase *c = &CASES[i];
		json_t *spec = NULL, *tags = json_array();
		iac_policy p;
		char tag[200] = "";
		int rc;

		if (cf_yaml_load(&spec, c->spec, strlen(c->spec), c->name) < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: spec: %s", c->name, cf_err_msg());
			json_decref(tags);
			continue;
		}
		for (size_t j = 0; j < 12 && c->tags[j]; j++)
			json_array_append_new(tags, json_string(c->tags[j]));
		rc = iac_policy_parse(&p, spec);
		if (rc == 0)
			rc = iac_policy_latest(tag, sizeof(tag), &p, tags);
		if (c->want && (rc < 0 || strcmp(tag, c->want) != 0))
			cf_test_fail(__FILE__, __LINE__, "%s: got \"%s\" (%s), want \"%s\"", c->name, tag,
				     rc < 0 ? cf_err_msg() : "ok", c->want);
		if (!c->want && (rc >= 0 || strstr(cf_err_msg(), c->error) == NULL))
			cf_test_fail(__FILE__, __LINE__, "%s: got rc %d \"%s\", want an error with \"%s\"", c->name, rc,
				     rc < 0 ? cf_err_msg() : tag, c->error);
		iac_policy_free(&p);
		json_decref(spec);
		json_decref(tags);
	}
}

/* Flux keeps one tag per extracted value (a map); the choice is still one of the tags */
static void extract_duplicates(void)
{
	json_t *spec = json_pack("{s:{s:s,s:s},s:{s:{}}}", "filterTags", "pattern", "^[a-z]+-(?P<n>[0-9]+)$", "extract", "$n",
				 "policy", "numerical");
	json_t *tags = json_pack("[s,s,s]", "a-7", "b-7", "c-3");
	iac_policy p;
	char tag[64];

	CHECK_OK(iac_policy_parse(&p, spec));
	CHECK_OK(iac_policy_latest(tag, sizeof(tag), &p, tags));
	CHECK(strcmp(tag, "a-7") == 0 || strcmp(tag, "b-7") == 0);
	iac_policy_free(&p);
	json_decref(spec);
	json_decref(tags);
}

static const cf_test_case tests[] = {
	{ "policy_cases", policy_cases },
	{ "extract_duplicates", extract_duplicates },
};
CF_TEST_MAIN(tests)
