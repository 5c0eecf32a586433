/* common/util/err.h - error codes (0 or negative) and the message recorded where a failure happens. */
#ifndef CF_ERR_H
#define CF_ERR_H

#include <stddef.h>

/* The values travel on the bus (bus.h: an artifact reply's code) and in logs: append new codes
 * at the end, never renumber or reuse one. */
enum cf_err_code {
	CF_OK        = 0,
	CF_ERR       = -1,  /* generic failure */
	CF_ENOMEM    = -2,
	CF_EINVAL    = -3,  /* bad input: YAML, flags, manifests, API 422 */
	CF_ENOTFOUND = -4,  /* missing file or object (API 404 naming it) */
	CF_EIO       = -5,  /* file or network I/O */
	CF_ETIMEOUT  = -6,
	CF_ECONFLICT = -7,  /* API 409: already exists, apply conflict */
	CF_ETOOBIG   = -8,  /* a cap was reached */
	CF_EGONE     = -9,  /* API 410: resourceVersion too old */
	CF_EAUTH     = -10, /* API 401/403 */
	CF_EAPI      = -11, /* any other API failure */
	CF_ESTOPPED  = -12, /* stopped on request (signal, callback) */
	CF_ENOTSERVED = -13, /* the API does not serve this group/version/kind (API 404 without an
			      * object, discovery miss): not "the object is gone" */
	CF_EUNAVAIL  = -14, /* a peer is not there now (connection refused or reset, no listener):
			     * worth a retry within seconds, not after a retryInterval */
};

/* Records code and a printf-style message for this thread, and returns code, so that a
 * failure site reads `return cf_err_set(CF_EINVAL, "...")`. */
int cf_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts "prefix: " in front of the recorded message (file or object context); returns the code. */
int cf_err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last recorded message ("" if none); valid until the next cf_err_* call on this thread. */
const char *cf_err_msg(void);
int cf_err_code(void);
void cf_err_clear(void);
/* The length of the longest prefix of s[0..len) that does not end inside a UTF-8 character:
 * where to cut a string that must stay valid UTF-8 (JSON, conditions, events). */
size_t cf_utf8_cut(const char *s, size_t len);
/* Copies text into out (size bytes, always NUL-ended, cut on a character boundary) with the
 * credentials of every URL in it replaced: in "https://user:pass@host/x" the "user:pass" becomes "***"
 * (an ssh user name alone stays). For anything that shows a URL: status, events, logs. */
size_t cf_url_redact(char *out, size_t size, const char *text);
/* A short constant name for a code, for logs ("not found", "invalid", ...). */
const char *cf_err_str(int code);

#endif
