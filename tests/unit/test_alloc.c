/* tests/unit/test_alloc.c - the allocation wrapper and its failure injection. */
#include "test.h"
#include "util/alloc.h"

#include <jansson.h>

static void fail_after_counts_from_now(void)
{
	void *a, *b, *c;

	cf_alloc_fail_after(2);
	a = cf_malloc(8);
	b = cf_malloc(8);
	c = cf_strdup("x");
	CHECK(a != NULL);
	CHECK(b == NULL);
	CHECK(c == NULL);
	cf_alloc_fail_after(0);
	c = cf_strdup("back");
	CHECK(c != NULL);
	cf_free(a);
	cf_free(c);
}

static void strndup_stops_at_n(void)
{
	char *s = cf_strndup("abcdef", 3);

	CHECK_STR(s, "abc");
	cf_free(s);
}

static void count_increases(void)
{
	unsigned long before = cf_alloc_count();
	void *p = cf_calloc(4, 4);

	CHECK(cf_alloc_count() == before + 1);
	cf_free(p);
}

static void wipe_and_free_secret(void)
{
	char *s = cf_strdup("hunter2");
	size_t zeros = 0;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	cf_wipe(s, 7);
	for (size_t i = 0; i < 8; i++)
		zeros += s[i] == '\0';
	CHECK(zeros == 8);
	cf_free_secret(s, 7);
	cf_wipe(NULL, 3);
	cf_free_secret(NULL, 3);
	cf_free(NULL);
}

static void jansson_fails_through_hook(void)
{
	json_t *o;

	cf_alloc_hook_jansson();
	cf_alloc_fail_after(1);
	o = json_object();
	cf_alloc_fail_after(0);
	CHECK(o == NULL);
	o = json_object();
	CHECK(o != NULL);
	json_decref(o);
}

static const cf_test_case cases[] = {
	{ "fail_after_counts_from_now", fail_after_counts_from_now },
	{ "strndup_stops_at_n", strndup_stops_at_n },
	{ "count_increases", count_increases },
	{ "wipe_and_free_secret", wipe_and_free_secret },
	{ "jansson_fails_through_hook", jansson_fails_through_hook },
};
CF_TEST_MAIN(cases)
