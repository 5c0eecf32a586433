/* tests/unit/test_ignore.c - gitignore-style exclusion with Flux's defaults. */
#include "source/ignore.h"
#include "test.h"
#include "util/err.h"

static void globs(void)
{
	CHECK(cf_ignore_glob("*.yaml", "a.yaml"));
	CHECK(!cf_ignore_glob("*.yaml", "dir/a.yaml"));
	CHECK(cf_ignore_glob("**/a.yaml", "a.yaml"));
	CHECK(cf_ignore_glob("**/a.yaml", "x/y/a.yaml"));
	CHECK(cf_ignore_glob("docs/**", "docs/x/y"));
	CHECK(cf_ignore_glob("a/**/b", "a/b"));
	CHECK(cf_ignore_glob("a/**/b", "a/x/y/b"));
	CHECK(!cf_ignore_glob("a/**/b", "a/x/yb"));
	CHECK(cf_ignore_glob("file?.txt", "file1.txt"));
	CHECK(!cf_ignore_glob("file?.txt", "file/.txt"));
	CHECK(cf_ignore_glob("[a-c]x", "bx"));
	CHECK(!cf_ignore_glob("[!a-c]x", "bx"));
	CHECK(cf_ignore_glob("\\*lit", "*lit"));
	CHECK(!cf_ignore_glob("\\*lit", "xlit"));
}

static void defaults_and_overrides(void)
{
	cf_ignore *ig = NULL;
	const char *user = "# deploy only\n/*\n!/deploy\n!/deploy/**\n*.md\n!important.md\n";

	CHECK_OK(cf_ignore_new(&ig));
	if (ig == NULL)
		return;
	CHECK_OK(cf_ignore_add_defaults(ig));
	CHECK(cf_ignore_match(ig, ".git", 1));
	CHECK(cf_ignore_match(ig, ".github", 1));
	CHECK(cf_ignore_match(ig, "img/logo.png", 0));
	CHECK(cf_ignore_match(ig, "x/.sops.yaml", 0));
	CHECK(!cf_ignore_match(ig, "deploy/app.yaml", 0));
	CHECK(!cf_ignore_match(ig, "docs", 1));
	CHECK_OK(cf_ignore_add(ig, user, strlen(user), ""));
	CHECK(cf_ignore_match(ig, "docs", 1));
	CHECK(cf_ignore_match(ig, "README", 0));
	CHECK(!cf_ignore_match(ig, "deploy", 1));
	CHECK(!cf_ignore_match(ig, "deploy/app.yaml", 0));
	CHECK(cf_ignore_match(ig, "deploy/notes.md", 0));
	CHECK(!cf_ignore_match(ig, "deploy/important.md", 0));
	cf_ignore_free(ig);
}

static void sourceignore_domains(void)
{
	cf_ignore *ig = NULL;
	const char *sub = "tmp/\n/local.yaml\n";

	CHECK_OK(cf_ignore_new(&ig));
	if (ig == NULL)
		return;
	CHECK_OK(cf_ignore_add(ig, sub, strlen(sub), "apps"));
	CHECK(cf_ignore_match(ig, "apps/tmp", 1));
	CHECK(cf_ignore_match(ig, "apps/x/tmp", 1));
	CHECK(!cf_ignore_match(ig, "tmp", 1));
	CHECK(!cf_ignore_match(ig, "apps/tmp", 0));   /* a file named tmp: dir-only pattern */
	CHECK(cf_ignore_match(ig, "apps/local.yaml", 0));
	CHECK(!cf_ignore_match(ig, "apps/x/local.yaml", 0));
	CHECK(!cf_ignore_match(ig, "local.yaml", 0));
	cf_ignore_free(ig);
}

static void spec_ignore_is_weighed_last(void)
{
	cf_ignore *ig = NULL;
	const char *sub = "keep.yaml\n";
	const char *spec = "!keep.yaml\n/drop/\n";

	CHECK_OK(cf_ignore_new(&ig));
	if (ig == NULL)
		return;
	CHECK_OK(cf_ignore_add_defaults(ig));
	CHECK_OK(cf_ignore_add_last(ig, spec, strlen(spec)));
	/* a .sourceignore met later in a walk does not override spec.ignore */
	CHECK_OK(cf_ignore_add(ig, sub, strlen(sub), "apps"));
	CHECK(!cf_ignore_match(ig, "apps/keep.yaml", 0));
	CHECK(cf_ignore_match(ig, "drop", 1));
	CHECK(cf_ignore_match(ig, ".git", 1));
	cf_ignore_free(ig);
}

static const cf_test_case cases[] = {
	{ "spec_ignore_is_weighed_last", spec_ignore_is_weighed_last },
	{ "globs", globs },
	{ "defaults_and_overrides", defaults_and_overrides },
	{ "sourceignore_domains", sourceignore_domains },
};
CF_TEST_MAIN(cases)
