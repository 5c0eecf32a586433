/* tests/unit/test.h - a table of named cases per binary, each result a line, then
 * "N passed, N failed". */
#ifndef CF_TEST_H
#define CF_TEST_H

#include <stddef.h>
#include <string.h>

typedef struct cf_test_case {
	const char *name;
	void (*fn)(void);
} cf_test_case;

void cf_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs the cases (all, or those named on the command line), with a time limit per binary
 * (CF_TEST_TIMEOUT seconds, default 120); returns the exit status. */
int cf_test_main(int argc, char **argv, const cf_test_case *cases, size_t n);

/* The name of the case running now (for tables of cases that share one function). */
const char *cf_test_current_name(void);

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
