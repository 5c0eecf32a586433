/* common/util/log.h - one line per event to stderr: ts=... level=... msg="..." key=value ... */
#ifndef CF_LOG_H
#define CF_LOG_H

#include <jansson.h>
#include <stdio.h>

typedef enum cf_log_level {
	CF_LOG_DEBUG = 0,
	CF_LOG_INFO  = 1,
	CF_LOG_WARN  = 2,
	CF_LOG_ERROR = 3,
} cf_log_level;

void cf_log_set_level(cf_log_level level);
cf_log_level cf_log_get_level(void);
/* Parses "debug", "info", "warn", "error"; returns 0 or CF_EINVAL (with a message). */
int  cf_log_parse_level(cf_log_level *out, const char *name);
/* "console" (key=value, the default) or "json" (one object a line: level, ts, msg, then the
 * keys, the shape of Flux's controller logs); CF_EINVAL otherwise. */
int  cf_log_set_encoding(const char *name);
/* The value of a controller's --log-encoding flag (CF_CONTROLLER_COMMON_FLAGS points at it). */
extern const char *cf_log_encoding_flag;
/* Where lines go (stderr by default); for tests. */
void cf_log_set_stream(FILE *f);
/* Logs msg and then key/value string pairs, ending with NULL:
 *   cf_log(CF_LOG_INFO, "artifact stored", "name", name, "revision", rev, NULL);
 * Values with spaces, quotes, '=' or control characters are quoted and escaped. */
void cf_log(cf_log_level level, const char *msg, ...) __attribute__((sentinel));

/* A log line read back, either encoding: *out is a new object of its string fields (ts,
 * level, msg, and the keys; in JSON also objects with a "name", as Flux's controllers log the
 * reconciled object). CF_EINVAL when the line is neither (no msg, an unterminated quote). */
int  cf_log_parse_line(json_t **out, const char *line, size_t len);

#endif
