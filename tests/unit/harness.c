/* tests/unit/harness.c - runs a table of cases and fixtures and prints one line per case. */
#include "test.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int case_failed, case_skipped;
static char skip_reason[512];
static const char *current_case;
static int passed, failed, skipped;
static const cf_test_case *table;
static size_t table_n;
static unsigned char *outcome;   /* per table entry: 0 not run, 1 passed, 2 failed, 3 skipped */

void cf_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	case_failed = 1;
}

void cf_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	case_skipped = 1;
}

int cf_test_passed(const char *name)
{
	for (size_t i = 0; i < table_n; i++)
		if (table[i].kind == CF_TEST_CASE && strcmp(table[i].name, name) == 0 && outcome && outcome[i] == 1)
			return 1;
	return 0;
}

const char *cf_test_current_name(void)
{
	return current_case;
}

static void on_alarm(int sig)
{
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "FAIL %s: timed out\n%d passed, %d failed, %d skipped\n",
		     current_case ? current_case : "?", passed, failed + 1, skipped);
	if (n > 0 && write(STDOUT_FILENO, msg, (size_t)n) < 0)
		_exit(3);
	_exit(1);
}

static int selected(int argc, char **argv, const cf_test_case *c)
{
	if (argc < 2 || c->kind != CF_TEST_CASE)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], c->name) == 0)
			return 1;
	return 0;
}

int cf_test_main(int argc, char **argv, const cf_test_case *cases, size_t n)
{
	const char *t = getenv("CF_TEST_TIMEOUT");
	unsigned limit = t ? (unsigned)atoi(t) : 120;
	const char *setup_failed = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(limit ? limit : 120);
	table = cases;
	table_n = n;
	outcome = calloc(n ? n : 1, 1);
	for (size_t i = 0; i < n; i++) {
		const cf_test_case *c = &cases[i];
		int fixture = c->kind != CF_TEST_CASE;

		if (!selected(argc, argv, c))
			continue;
		current_case = c->name;
		case_failed = case_skipped = 0;
		skip_reason[0] = '\0';
		if (setup_failed && c->kind != CF_TEST_CLEANUP_FIXTURE) {
			/* it cannot run honestly: say so instead of passing or failing it */
			snprintf(skip_reason, sizeof(skip_reason), "fixture %s failed", setup_failed);
			case_skipped = 1;
		} else {
			c->fn();
		}
		if (case_failed) {
			printf("FAIL %s%s\n", c->name, fixture ? (c->kind == CF_TEST_SETUP_FIXTURE ? " (setup)" : " (cleanup)") : "");
			failed++;
			if (c->kind == CF_TEST_SETUP_FIXTURE && !setup_failed)
				setup_failed = c->name;
		} else if (case_skipped) {
			printf("SKIP %s: %s\n", c->name, skip_reason);
			if (c->kind == CF_TEST_SETUP_FIXTURE && !setup_failed)   /* a setup that skips is a failed one */
				setup_failed = c->name;
			if (!fixture)
				skipped++;
		} else if (!fixture) {
			printf("PASS %s\n", c->name);
			passed++;
		}
		if (outcome)
			outcome[i] = case_failed ? 2 : case_skipped ? 3 : 1;
	}
	current_case = NULL;
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	free(outcome);
	outcome = NULL;
	return failed ? 1 : 0;
}
