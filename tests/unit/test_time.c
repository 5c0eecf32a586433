/* tests/unit/test_time.c - RFC 3339 timestamps (util/duration: cf_time_rfc3339). */
#include "test.h"
#include "util/duration.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS" then the fraction and "Z" */
static int shaped(const char *t, int digits)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)t[i]) : t[i] != shape[i])
			return 0;
	if (digits > 0) {
		if (t[i++] != '.')
			return 0;
		for (int d = 0; d < digits; d++, i++)
			if (!isdigit((unsigned char)t[i]))
				return 0;
	}
	return t[i] == 'Z' && t[i + 1] == '\0';
}

static void formats(void)
{
	char t[CF_TIME_MAX], year[8];
	struct tm tm;
	time_t now = time(NULL);

	cf_time_rfc3339(t, 0);
	CHECK(shaped(t, 0));
	cf_time_rfc3339(t, 3);
	CHECK(shaped(t, 3));
	cf_time_rfc3339(t, 9);
	CHECK(shaped(t, 9));
	gmtime_r(&now, &tm);
	strftime(year, sizeof(year), "%Y", &tm);
	CHECK(strncmp(t, year, 4) == 0);   /* UTC now, not a fixed time */
}

/* RFC 3339 parsed as Go's time.RFC3339 takes it (flux logs --since-time) */
static void parses(void)
{
	static const struct { const char *text; long long want; int ok; } cases[] = {
		{ "2026-12-08T01:02:03Z", 1796691723, 1 },
		{ "2026-12-08T01:02:03.123456789Z", 1796691723, 1 },
		{ "2026-12-08T03:02:03+02:00", 1796691723, 1 },
		{ "2026-12-07T20:02:03-05:00", 1796691723, 1 },
		{ "2024-02-29T00:00:00Z", 1709164800, 1 },
		{ "2026-02-29T00:00:00Z", 0, 0 },
		{ "2026-12-08 01:02:03Z", 0, 0 },
		{ "2026-12-08T01:02:03", 0, 0 },
		{ "2026-12-08T25:02:03Z", 0, 0 },
		{ "2026-12-08T01:02:03.Z", 0, 0 },
		{ "2026-12-08T01:02:03+0200", 0, 0 },
		{ "yesterday", 0, 0 },
		{ "", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got = -1;
		int rc = cf_time_parse_rfc3339(&got, cases[i].text);
		if ((rc == 0) != cases[i].ok || (cases[i].ok && got != cases[i].want))
			cf_test_fail(__FILE__, __LINE__, "'%s': rc %d, %lld, want %s %lld", cases[i].text, rc, got,
				     cases[i].ok ? "ok" : "refused", cases[i].want);
	}
}

static const cf_test_case tests[] = {
	{ "formats", formats },
	{ "parses", parses },
};
CF_TEST_MAIN(tests)
