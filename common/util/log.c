/* common/util/log.c - key=value lines to stderr, one per event. */
#include "util/log.h"

#include "util/duration.h"
#include "util/err.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cf_log_level log_level = CF_LOG_INFO;
static FILE *log_stream;
static int log_json;
const char *cf_log_encoding_flag = "console";

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

int cf_log_set_encoding(const char *name)
{
	if (strcmp(name, "json") == 0 || strcmp(name, "console") == 0) {
		log_json = name[0] == 'j';
		return 0;
	}
	return cf_err_set(CF_EINVAL, "unknown log encoding \"%s\" (want json or console)", name);
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

/* A JSON string, quoted and escaped. */
static void json_value(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < ' ' || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
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
	if (log_json) {
		/* the shape of Flux's controller logs: level, ts, msg, then the keys */
		fprintf(f, "{\"level\":\"%s\",\"ts\":\"%s\",\"msg\":", level_names[level > CF_LOG_ERROR ? CF_LOG_ERROR : level], ts);
		json_value(f, msg);
	} else {
		fprintf(f, "ts=%s level=%s msg=", ts, level_names[level > CF_LOG_ERROR ? CF_LOG_ERROR : level]);
		log_value(f, msg);
	}
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (log_json) {
			fputc(',', f);
			json_value(f, k);
			fputc(':', f);
			json_value(f, v);
		} else {
			fprintf(f, " %s=", k);
			log_value(f, v);
		}
	}
	va_end(ap);
	fputs(log_json ? "}\n" : "\n", f);
	funlockfile(f);
	fflush(f);
}

/* ---- reading lines back (cflux logs) ---- */

/* A logfmt value at *p (bare, or quoted with log_value's escapes) appended to out; *p moves
 * past it. 0, or CF_EINVAL on an unterminated quote. */
static int logfmt_value(char *out, size_t size, const char **p, const char *end)
{
	size_t o = 0;
	const char *s = *p;

	if (s < end && *s == '"') {
		for (s++; s < end && *s != '"'; s++) {
			char c = *s;
			if (c == '\\' && s + 1 < end) {
				s++;
				c = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
				if (*s == 'x' && s + 2 < end) {
					unsigned v = 0;
					for (int i = 1; i <= 2; i++)
						v = v * 16 + (unsigned)(s[i] >= 'a' ? s[i] - 'a' + 10 : s[i] >= 'A' ? s[i] - 'A' + 10 : s[i] - '0');
					c = (char)(v & 0xff);
					s += 2;
				}
			}
			if (o + 1 < size)
				out[o++] = c;
		}
		if (s >= end)
			return cf_err_set(CF_EINVAL, "unterminated quoted value");
		s++;
	} else {
		for (; s < end && *s != ' '; s++)
			if (o + 1 < size)
				out[o++] = *s;
	}
	out[o] = '\0';
	*p = s;
	return 0;
}

static int parse_logfmt(json_t *fields, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	char key[128], *val = NULL;
	int rc = 0;

	if ((val = malloc(len + 1)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	while (p < end && rc == 0) {
		const char *eq;
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p || memchr(p, ' ', (size_t)(eq - p)) || (size_t)(eq - p) >= sizeof(key)) {
			rc = cf_err_set(CF_EINVAL, "not key=value at byte %ld", (long)(p - line));
			break;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
		p = eq + 1;
		if ((rc = logfmt_value(val, len + 1, &p, end)) == 0)
			json_object_set_new(fields, key, json_string(val));
	}
	free(val);
	return rc;
}

int cf_log_parse_line(json_t **out, const char *line, size_t len)
{
	json_t *fields;
	int rc = 0;

	*out = NULL;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > 0 && line[0] == '{') {
		json_t *obj = json_loadb(line, len, 0, NULL);
		const char *k;
		json_t *v;
		if (!json_is_object(obj)) {
			json_decref(obj);
			return cf_err_set(CF_EINVAL, "not a JSON object");
		}
		fields = json_object();
		json_object_foreach(obj, k, v) {
			if (json_is_string(v))
				json_object_set(fields, k, v);
			else if (json_is_object(v) && json_is_string(json_object_get(v, "name")))
				json_object_set(fields, k, v);   /* Flux's "Kustomization":{"name":..} */
		}
		json_decref(obj);
	} else {
		fields = json_object();
		rc = fields ? parse_logfmt(fields, line, len) : cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (rc == 0 && json_object_get(fields, "msg") == NULL)
		rc = cf_err_set(CF_EINVAL, "no msg");
	if (rc < 0) {
		json_decref(fields);
		return rc;
	}
	*out = fields;
	return 0;
}
