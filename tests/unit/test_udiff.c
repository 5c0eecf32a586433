/* tests/unit/test_udiff.c - cflux diff's in-process unified diff (cli/udiff.c), compared byte
 * for byte with GNU `diff -u --label` on named inputs, and on random inputs checked to be a
 * correct patch with as few changed lines as GNU diff finds. */
#include "test.h"
#include "udiff.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/cflux-udiff-XXXXXX";
static int made;

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* What GNU diff prints for a and b (the test's own files, no user input in the command). */
static char *gnu_diff(const char *a, size_t alen, const char *b, size_t blen, int context)
{
	char pa[64], pb[64], cmd[300], chunk[4096];
	cf_buf out = CF_BUF_INIT(1u << 24);
	FILE *p;
	size_t n;

	if (!made && mkdtemp(dir) == NULL)
		return NULL;
	made = 1;
	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pb, sizeof(pb), "%s/b", dir);
	if (write_file(pa, a, alen) < 0 || write_file(pb, b, blen) < 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "diff -U %d --label 'K/ns/x (live)' --label 'K/ns/x (merged)' %s %s", context, pa, pb);
	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cf_buf_append(&out, chunk, n);
	pclose(p);
	return cf_buf_detach(&out, NULL);
}

static char *ours(const char *a, size_t alen, const char *b, size_t blen, int context, int *rc)
{
	cf_buf out = CF_BUF_INIT(1u << 24);

	*rc = cli_udiff(&out, a, alen, b, blen, "K/ns/x (live)", "K/ns/x (merged)", context);
	return cf_buf_detach(&out, NULL);
}

static void same_as_gnu(const char *a, const char *b, int context)
{
	int rc;
	char *want = gnu_diff(a, strlen(a), b, strlen(b), context), *got = ours(a, strlen(a), b, strlen(b), context, &rc);

	CHECK(want != NULL);
	CHECK(rc == (strcmp(a, b) != 0));
	CHECK_STR(got, want);
	cf_free(want);
	cf_free(got);
}

static void equal_texts_print_nothing(void)
{
	int rc;
	char *got = ours("a\nb\n", 4, "a\nb\n", 4, 3, &rc);

	CHECK(rc == 0);
	CHECK_STR(got, "");
	cf_free(got);
	got = ours("", 0, "", 0, 3, &rc);
	CHECK(rc == 0);
	cf_free(got);
}

static void one_value_changed(void)
{
	same_as_gnu("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  v: two\n",
		    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  v: three\n", 3);
}

static void far_apart_changes_make_two_hunks(void)
{
	same_as_gnu("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
		    "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\nNINETEEN\n20\n", 3);
}

static void near_changes_share_a_hunk(void)
{
	/* 6 unchanged lines between (2*3): one hunk; 7: two */
	same_as_gnu("a\nb\n1\n2\n3\n4\n5\n6\nc\nd\n", "a\nB\n1\n2\n3\n4\n5\n6\nC\nd\n", 3);
	same_as_gnu("a\nb\n1\n2\n3\n4\n5\n6\n7\nc\nd\n", "a\nB\n1\n2\n3\n4\n5\n6\n7\nC\nd\n", 3);
}

static void insert_and_delete_at_the_edges(void)
{
	same_as_gnu("b\nc\n", "a\nb\nc\n", 3);
	same_as_gnu("a\nb\nc\n", "a\nb\nc\nd\n", 3);
	same_as_gnu("a\nb\nc\n", "b\nc\n", 3);
	same_as_gnu("a\nb\nc\n", "a\nb\n", 3);
	same_as_gnu("", "a\nb\n", 3);
	same_as_gnu("a\nb\n", "", 3);
	same_as_gnu("x\n", "y\n", 3);
}

static void ambiguous_places_as_gnu(void)
{
	/* an added list item that could go in several places */
	same_as_gnu("spec:\n  items:\n  - a\n  - a\n  x: 1\n", "spec:\n  items:\n  - a\n  - a\n  - a\n  x: 1\n", 3);
	same_as_gnu("a\nb\na\nb\n", "a\nb\na\nb\na\nb\n", 3);
	same_as_gnu("}\n\nfoo\n}\n", "}\n\nfoo\n}\n\nbar\n}\n", 3);
	same_as_gnu("a\n\n\nb\n", "a\n\n\n\nb\n", 3);
}

static void missing_final_newline(void)
{
	same_as_gnu("a\nb", "a\nb\n", 3);
	same_as_gnu("a\nb\n", "a\nc", 3);
	same_as_gnu("a", "b", 3);
}

static void other_context_widths(void)
{
	same_as_gnu("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\nX\n5\n6\n7\n8\n", 0);
	same_as_gnu("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\nX\n5\n6\n7\n8\n", 1);
	same_as_gnu("1\n2\n3\n4\n5\n6\n7\n8\n", "1\nY\n3\n4\n5\nX\n7\n8\n", 1);
}

/* Applies a unified diff to a; NULL when a hunk does not fit. */
static char *apply(const char *a, const char *diff)
{
	cf_buf out = CF_BUF_INIT(1u << 24);
	const char *lines[4096], *p = a, *d = diff;
	size_t n = 0, at = 0;

	while (*p && n < 4096) {
		const char *nl = strchr(p, '\n');
		lines[n++] = p;
		p = nl ? nl + 1 : p + strlen(p);
	}
	for (int skip = 0; skip < 2 && d; skip++) {
		const char *nl = strchr(d, '\n');
		d = nl ? nl + 1 : NULL;
	}
	while (d && *d) {
		char *q;
		long s0, c0 = 1;
		if (strncmp(d, "@@ -", 4) != 0)
			goto bad;
		s0 = strtol(d + 4, &q, 10);
		if (*q == ',')
			c0 = strtol(q + 1, NULL, 10);
		if (c0 > 0)
			s0--;   /* a range starts at its first line; an empty one names the line before */
		for (; at < (size_t)s0 && at < n; at++)
			cf_buf_append(&out, lines[at], strcspn(lines[at], "\n") + (lines[at][strcspn(lines[at], "\n")] == '\n'));
		d = strchr(d, '\n') + 1;
		while (*d == ' ' || *d == '-' || *d == '+') {
			size_t len = strcspn(d + 1, "\n");
			if (*d != '+') {
				if (at >= n || strncmp(lines[at], d + 1, len) != 0)
					goto bad;
				at++;
			}
			if (*d != '-')
				cf_buf_append(&out, d + 1, len + 1);
			d += len + 2;
		}
	}
	for (; at < n; at++)
		cf_buf_append(&out, lines[at], strcspn(lines[at], "\n") + (lines[at][strcspn(lines[at], "\n")] == '\n'));
	return cf_buf_detach(&out, NULL);
bad:
	cf_buf_free(&out);
	return NULL;
}

static size_t changed_lines(const char *diff)
{
	size_t n = 0;

	for (const char *p = diff; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += (*p == '-' || *p == '+') && strncmp(p, "--- ", 4) != 0 && strncmp(p, "+++ ", 4) != 0;
	return n;
}

/* A manifest-like text: lines from a small vocabulary, so that some repeat. */
static void random_text(char *t, size_t cap, unsigned *seed)
{
	static const char *const words[] = { "kind: ConfigMap", "metadata:", "  name: a", "  name: b", "spec:",
					     "  - x", "  - y", "", "}", "data:", "  v: 1", "  v: 2" };
	size_t len = 0, n = (size_t)(rand_r(seed) % 30);

	t[0] = '\0';
	for (size_t i = 0; i < n && len + 20 < cap; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s\n", words[rand_r(seed) % 12]);
}

/* b: a with a few lines changed, inserted or deleted, as an edit to a manifest makes. */
static void edited(char *b, size_t cap, const char *a, unsigned *seed)
{
	size_t len = 0, edits = 1 + (size_t)(rand_r(seed) % 4);

	b[0] = '\0';
	for (const char *p = a; *p && len + 40 < cap;) {
		size_t l = strcspn(p, "\n");
		int r = rand_r(seed) % 12;
		if (edits && r == 0) {
			edits--;                                     /* deleted */
		} else if (edits && r == 1) {
			edits--;
			len += (size_t)snprintf(b + len, cap - len, "  v: %d\n", rand_r(seed) % 3);   /* changed */
		} else {
			if (edits && r == 2) {
				edits--;
				len += (size_t)snprintf(b + len, cap - len, "  - x\n");   /* inserted */
			}
			len += (size_t)snprintf(b + len, cap - len, "%.*s\n", (int)l, p);
		}
		p += l + (p[l] == '\n');
	}
}

static void check_random(const char *a, const char *b, int *exact)
{
	int rc;
	char *got = ours(a, strlen(a), b, strlen(b), 3, &rc), *want = gnu_diff(a, strlen(a), b, strlen(b), 3);
	char *back = apply(a, got);

	CHECK(rc == (strcmp(a, b) != 0));
	CHECK_STR(back, b);
	CHECK(want && changed_lines(got) <= changed_lines(want));
	*exact += want && strcmp(got, want) == 0;
	cf_free(got);
	cf_free(want);
	cf_free(back);
}

/* Two unrelated texts: the patch is correct and no longer than GNU diff's (where many
 * shortest scripts exist, the one chosen may differ from GNU's: both are right). */
static void random_texts_are_correct_and_minimal(void)
{
	unsigned seed = 11;
	int exact = 0;

	for (int round = 0; round < 200; round++) {
		char a[1024], b[1024];
		random_text(a, sizeof(a), &seed);
		random_text(b, sizeof(b), &seed);
		check_random(a, b, &exact);
	}
	printf("  %d of 200 unrelated random diffs byte-identical to GNU diff\n", exact);
}

/* A text and an edit of it, as cflux diff sees live and merged objects: as GNU diff prints. */
static void random_edits_are_as_gnu(void)
{
	unsigned seed = 7;
	int exact = 0;

	for (int round = 0; round < 300; round++) {
		char a[1024], b[1400];
		random_text(a, sizeof(a), &seed);
		edited(b, sizeof(b), a, &seed);
		check_random(a, b, &exact);
	}
	printf("  %d of 300 edit diffs byte-identical to GNU diff\n", exact);
	CHECK(exact >= 285);
}

static void big_rewrites_stay_correct_past_the_cap(void)
{
	size_t n = CLI_UDIFF_MAX_EDITS + 500;
	cf_buf a = CF_BUF_INIT(1u << 24), b = CF_BUF_INIT(1u << 24);
	char *got, *back;
	int rc;

	for (size_t i = 0; i < n; i++) {
		cf_buf_printf(&a, "a%zu\n", i);
		cf_buf_printf(&b, "b%zu\n", i);
	}
	got = ours(a.data, a.len, b.data, b.len, 3, &rc);
	CHECK(rc == 1);
	CHECK(changed_lines(got) == 2 * n);
	CHECK(got && strncmp(got, "--- K/ns/x (live)\n+++ K/ns/x (merged)\n@@ -1,", 42) == 0);
	back = n < 4096 ? apply(a.data, got) : NULL;
	CHECK(n >= 4096 || (back && strcmp(back, b.data) == 0));
	cf_free(got);
	cf_free(back);
	cf_buf_free(&a);
	cf_buf_free(&b);
}

static void cleanup(void)
{
	char cmd[100];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(!made || system(cmd) == 0);
}

static const cf_test_case cases[] = {
	{ "equal_texts_print_nothing", equal_texts_print_nothing },
	{ "one_value_changed", one_value_changed },
	{ "far_apart_changes_make_two_hunks", far_apart_changes_make_two_hunks },
	{ "near_changes_share_a_hunk", near_changes_share_a_hunk },
	{ "insert_and_delete_at_the_edges", insert_and_delete_at_the_edges },
	{ "ambiguous_places_as_gnu", ambiguous_places_as_gnu },
	{ "missing_final_newline", missing_final_newline },
	{ "other_context_widths", other_context_widths },
	{ "random_texts_are_correct_and_minimal", random_texts_are_correct_and_minimal },
	{ "random_edits_are_as_gnu", random_edits_are_as_gnu },
	{ "big_rewrites_stay_correct_past_the_cap", big_rewrites_stay_correct_past_the_cap },
	{ "cleanup", cleanup },
};

CF_TEST_MAIN(cases)
