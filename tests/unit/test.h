/* tests/unit/test.h - a table of named cases per binary, each result a line (PASS, FAIL or
 * SKIP), then "N passed, N failed, N skipped".
 *
 * Fixtures: a table entry made with CF_TEST_SETUP runs before the cases after it and one made
 * with CF_TEST_CLEANUP after them; neither is counted as a case. A fixture that fails prints
 * FAIL and counts as one failure; after a failed setup every later case prints SKIP (it could
 * not have run honestly), while cleanups still run. A case that needs an earlier case to have
 * passed says so with CF_TEST_REQUIRE("name"); it is skipped, not passed, when that case did
 * not pass. SKIP("why") skips the running case. A skipped case is neither passed nor failed. */
#ifndef CF_TEST_H
#define CF_TEST_H

#include <stddef.h>
#include <string.h>

/* Tables written as { "name", fn } leave kind out (a plain case): allowed in test code. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum { CF_TEST_CASE = 0, CF_TEST_SETUP_FIXTURE, CF_TEST_CLEANUP_FIXTURE };

typedef struct cf_test_case {
	const char *name;
	void (*fn)(void);
	int kind;                /* CF_TEST_CASE (the default), or a fixture */
} cf_test_case;

#define CF_TEST_SETUP(name, fn)   { (name), (fn), CF_TEST_SETUP_FIXTURE }
#define CF_TEST_CLEANUP(name, fn) { (name), (fn), CF_TEST_CLEANUP_FIXTURE }

void cf_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Marks the running case skipped, for the reason given (a failure in the same case wins). */
void cf_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 if the case named ran earlier in this binary and passed. */
int  cf_test_passed(const char *name);
/* Runs the cases (all, or those named on the command line; fixtures always run), with a time
 * limit per binary (CF_TEST_TIMEOUT seconds, default 120); returns the exit status. */
int cf_test_main(int argc, char **argv, const cf_test_case *cases, size_t n);

/* The name of the case running now (for tables of cases that share one function). */
const char *cf_test_current_name(void);

/* Skip the running case (in a void case function: it returns). */
#define SKIP(...) do { cf_test_skip(__VA_ARGS__); return; } while (0)
/* Skip the running case unless the earlier case named passed. */
#define CF_TEST_REQUIRE(case_name) do { if (!cf_test_passed(case_name)) \
	SKIP("needs case %s, which did not pass", (case_name)); } while (0)

#define CHECK(cond) do { if (!(cond)) cf_test_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECK_OK(expr) do { int rc_ = (expr); if (rc_ < 0) \
	cf_test_fail(__FILE__, __LINE__, "%s = %d: %s", #expr, rc_, cf_err_msg()); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
		cf_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
			     a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		cf_test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
			     h_ ? h_ : "(null)", n_); } while (0)

#define CF_TEST_MAIN(table) \
	int main(int argc, char **argv) \
	{ return cf_test_main(argc, argv, table, sizeof(table) / sizeof(table[0])); }

#endif
