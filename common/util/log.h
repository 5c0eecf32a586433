/* common/util/log.h - one line per event to stderr: ts=... level=... msg="..." key=value ... */
#ifndef CF_LOG_H
#define CF_LOG_H

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
/* Where lines go (stderr by default); for tests. */
void cf_log_set_stream(FILE *f);
/* Logs msg and then key/value string pairs, ending with NULL:
 *   cf_log(CF_LOG_INFO, "artifact stored", "name", name, "revision", rev, NULL);
 * Values with spaces, quotes, '=' or control characters are quoted and escaped. */
void cf_log(cf_log_level level, const char *msg, ...) __attribute__((sentinel));

#endif
