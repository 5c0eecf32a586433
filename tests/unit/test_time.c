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

static const cf_test_case tests[] = {
	{ "formats", formats },
};
CF_TEST_MAIN(tests)
