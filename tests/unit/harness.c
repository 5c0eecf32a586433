/* tests/unit/harness.c - runs a table of cases and prints one line per case. */
#include "test.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int case_failed;
static const char *current_case;
static int passed, failed;

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

const char *cf_test_current_name(void)
{
	return current_case;
}

static void on_alarm(int sig)
{
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "FAIL %s: timed out\n%d passed, %d failed\n",
		     current_case ? current_case : "?", passed, failed + 1);
	if (n > 0 && write(STDOUT_FILENO, msg, (size_t)n) < 0)
		_exit(3);
	_exit(1);
}

static int selected(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int cf_test_main(int argc, char **argv, const cf_test_case *cases, size_t n)
{
	const char *t = getenv("CF_TEST_TIMEOUT");
	unsigned limit = t ? (unsigned)atoi(t) : 120;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(limit ? limit : 120);
	for (size_t i = 0; i < n; i++) {
		if (!selected(argc, argv, cases[i].name))
			continue;
		current_case = cases[i].name;
		case_failed = 0;
		cases[i].fn();
		printf("%s %s\n", case_failed ? "FAIL" : "PASS", cases[i].name);
		if (case_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
