/* common/util/duration.c - Go duration strings. */
#include "util/duration.h"

#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cf_duration_format(char out[CF_DURATION_MAX], long ms)
{
	const char *sign = ms < 0 ? "-" : "";
	unsigned long v = ms < 0 ? 0UL - (unsigned long)ms : (unsigned long)ms;
	unsigned long h = v / 3600000, m = v / 60000 % 60, s = v / 1000 % 60, frac = v % 1000;
	char secs[16];

	if (v == 0) {
		snprintf(out, CF_DURATION_MAX, "0s");
		return;
	}
	if (v < 1000) {
		snprintf(out, CF_DURATION_MAX, "%s%lums", sign, v);
		return;
	}
	if (frac == 0) {
		snprintf(secs, sizeof(secs), "%lus", s);
	} else {
		int len = snprintf(secs, sizeof(secs), "%lu.%03lu", s, frac);
		while (len > 0 && secs[len - 1] == '0')   /* Go drops trailing zeros: 1.5s */
			secs[--len] = '\0';
		snprintf(secs + len, sizeof(secs) - (size_t)len, "s");
	}
	if (h)
		snprintf(out, CF_DURATION_MAX, "%s%luh%lum%s", sign, h, m, secs);
	else if (m)
		snprintf(out, CF_DURATION_MAX, "%s%lum%s", sign, m, secs);
	else
		snprintf(out, CF_DURATION_MAX, "%s%s", sign, secs);
}

int cf_duration_parse(long *ms, const char *text)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char *p = text;
	double total = 0;

	if (p == NULL || *p == '\0')
		return cf_err_set(CF_EINVAL, "empty duration");
	if (strcmp(p, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v;
		size_t i;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return cf_err_set(CF_EINVAL, "duration \"%s\" is not like 1m30s, 10m or 500ms", text);
		v = strtod(p, &end);
		p = end;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);
			if (strncmp(p, units[i].unit, n) == 0 && !(n == 1 && p[0] == 'm' && p[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return cf_err_set(CF_EINVAL, "duration \"%s\" has a number without a unit (ms, s, m, h)", text);
		total += v * units[i].ms;
		p += strlen(units[i].unit);
	}
	if (total > 365.0 * 24 * 3600 * 1000)
		return cf_err_set(CF_EINVAL, "duration \"%s\" is longer than a year", text);
	*ms = (long)total;
	return 0;
}

void cf_time_rfc3339(char out[CF_TIME_MAX], int frac_digits)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(out, CF_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac_digits == 3)
		snprintf(out + n, CF_TIME_MAX - n, ".%03ldZ", now.tv_nsec / 1000000L);
	else if (frac_digits == 6)
		snprintf(out + n, CF_TIME_MAX - n, ".%06ldZ", now.tv_nsec / 1000L);
	else if (frac_digits == 9)
		snprintf(out + n, CF_TIME_MAX - n, ".%09ldZ", now.tv_nsec);
	else
		snprintf(out + n, CF_TIME_MAX - n, "Z");
}
