/* common/err.c - per-thread last error: a code and a message. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MSG_MAX 2048

static _Thread_local char err_msg[ERR_MSG_MAX];
static _Thread_local int err_code;

int cf_err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	err_code = code;
	return code;
}

int cf_err_prefix(const char *fmt, ...)
{
	char prefix[512], old[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = strlen(prefix), olen;

	memcpy(old, err_msg, sizeof(old));
	olen = strnlen(old, sizeof(old) - 1);
	/* "prefix: old", cut to fit */
	if (plen > sizeof(err_msg) - 3)
		plen = sizeof(err_msg) - 3;
	memcpy(err_msg, prefix, plen);
	memcpy(err_msg + plen, ": ", 2);
	if (olen > sizeof(err_msg) - plen - 3)
		olen = sizeof(err_msg) - plen - 3;
	memcpy(err_msg + plen + 2, old, olen);
	err_msg[plen + 2 + olen] = '\0';
	return err_code;
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
		{ CF_ESTOPPED, "stopped" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "unknown error";
}
