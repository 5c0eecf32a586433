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

/* n digits of s as a number, or -1 */
static int digits_at(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int cf_time_parse_rfc3339(long long *secs, const char *text)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = text;
	struct tm tm;
	int y, mo, d, h, mi, s, off = 0;

	*secs = 0;
	if (strlen(p) < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') || p[13] != ':' || p[16] != ':')
		goto bad;
	y = digits_at(p, 4), mo = digits_at(p + 5, 2), d = digits_at(p + 8, 2);
	h = digits_at(p + 11, 2), mi = digits_at(p + 14, 2), s = digits_at(p + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		goto bad;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		goto bad;
	p += 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			goto bad;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && p[3] == ':' && p[6] == '\0') {
		int oh = digits_at(p + 1, 2), om = digits_at(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			goto bad;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
	} else {
		goto bad;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
	*secs = (long long)timegm(&tm) - off;
	return 0;
bad:
	return cf_err_set(CF_EINVAL, "%s is not a valid (RFC3339) time", text);
}
