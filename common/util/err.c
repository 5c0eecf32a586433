/* common/util/err.c - per-thread last error: a code and a message. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MSG_MAX 2048

static _Thread_local char err_msg[ERR_MSG_MAX];
static _Thread_local int err_code;

size_t cf_utf8_cut(const char *s, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	/* back over at most three continuation bytes to the last lead byte */
	while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return len;
	c = (unsigned char)s[i - 1];
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return len - (i - 1) < need ? i - 1 : len;
}

int cf_err_set(int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err_msg[0] = '\0';
	else if ((size_t)n >= sizeof(err_msg))   /* cut: never in the middle of a character */
		err_msg[cf_utf8_cut(err_msg, sizeof(err_msg) - 1)] = '\0';
	err_code = code;
	return code;
}

int cf_err_prefix(const char *fmt, ...)
{
	char prefix[512], old[ERR_MSG_MAX];
	size_t plen, olen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = n < 0 ? 0 : strlen(prefix);
	if (n >= 0 && (size_t)n >= sizeof(prefix))
		plen = cf_utf8_cut(prefix, plen);
	memcpy(old, err_msg, sizeof(old));
	olen = strnlen(old, sizeof(old) - 1);
	/* "prefix: old", cut to fit on a character boundary */
	if (olen > sizeof(err_msg) - plen - 3)
		olen = cf_utf8_cut(old, sizeof(err_msg) - plen - 3);
	memcpy(err_msg, prefix, plen);
	memcpy(err_msg + plen, ": ", 2);
	memcpy(err_msg + plen + 2, old, olen);
	err_msg[plen + 2 + olen] = '\0';
	return err_code;
}

/* The length of the userinfo ("user:pass@") right after a "://" at url, 0 if none or if it
 * is only an ssh user name (not a secret: ssh://git@host). */
static size_t userinfo_len(const char *text, const char *url)
{
	size_t n = strcspn(url, "@/?#\"' \t\n");
	int ssh = url - text >= 6 && strncmp(url - 6, "ssh://", 6) == 0;

	if (url[n] != '@' || n == 0 || (ssh && memchr(url, ':', n) == NULL))
		return 0;
	return n + 1;
}

size_t cf_url_redact(char *out, size_t size, const char *text)
{
	size_t o = 0, n;
	const char *p = text;

	if (size == 0)
		return 0;
	while (*p && o + 1 < size) {
		if (strncmp(p, "://", 3) == 0 && (n = userinfo_len(text, p + 3)) > 0) {
			int w = snprintf(out + o, size - o, "://***@");
			o = (size_t)w >= size - o ? size - 1 : o + (size_t)w;
			p += 3 + n;
			continue;
		}
		out[o++] = *p++;
	}
	o = *p ? cf_utf8_cut(out, o) : o;
	out[o] = '\0';
	return o;
}

const char *cf_err_msg(void)
{
	return err_msg;
}

int cf_err_code(void)
{
	return err_code;
}

void cf_err_clear(void)
{
	err_msg[0] = '\0';
	err_code = 0;
}

const char *cf_err_str(int code)
{
	static const struct { int code; const char *name; } names[] = {
		{ CF_OK, "ok" }, { CF_ERR, "error" }, { CF_ENOMEM, "out of memory" },
		{ CF_EINVAL, "invalid" }, { CF_ENOTFOUND, "not found" }, { CF_EIO, "i/o error" },
		{ CF_ETIMEOUT, "timeout" }, { CF_ECONFLICT, "conflict" }, { CF_ETOOBIG, "too big" },
		{ CF_EGONE, "gone" }, { CF_EAUTH, "unauthorized" }, { CF_EAPI, "api error" },
		{ CF_ESTOPPED, "stopped" }, { CF_ENOTSERVED, "not served" },
		{ CF_EUNAVAIL, "unavailable" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "unknown error";
}
