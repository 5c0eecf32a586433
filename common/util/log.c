/* common/util/log.c - key=value lines to stderr, one per event. */
#include "util/log.h"

#include "util/duration.h"
#include "util/err.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static cf_log_level log_level = CF_LOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void cf_log_set_level(cf_log_level level)
{
	log_level = level;
}

cf_log_level cf_log_get_level(void)
{
	return log_level;
}

int cf_log_parse_level(cf_log_level *out, const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (cf_log_level)i;
			return 0;
		}
	}
	return cf_err_set(CF_EINVAL, "unknown log level \"%s\" (want debug, info, warn or error)", name);
}

void cf_log_set_stream(FILE *f)
{
	log_stream = f;
}

static int log_needs_quotes(const char *v)
{
	if (*v == '\0')
		return 1;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return 1;
	return 0;
}

static void log_value(FILE *f, const char *v)
{
	if (v == NULL)
		v = "";
	if (!log_needs_quotes(v)) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < ' ' || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void cf_log(cf_log_level level, const char *msg, ...)
{
	FILE *f = log_stream ? log_stream : stderr;
	char ts[CF_TIME_MAX];
	va_list ap;
	const char *k;

	if (level < log_level)
		return;
	cf_time_rfc3339(ts, 3);
	flockfile(f);
	fprintf(f, "ts=%s level=%s msg=", ts,
		level_names[level > CF_LOG_ERROR ? CF_LOG_ERROR : level]);
	log_value(f, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		fprintf(f, " %s=", k);
		log_value(f, v);
	}
	va_end(ap);
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
}
