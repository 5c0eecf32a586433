/* common/util/buf.c - growable byte buffer with a hard cap. */
#include "util/buf.h"

#include "util/alloc.h"
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cf_buf_init(cf_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->secret = 0;
}

/* A bigger block for b: realloc, or for a secret buffer a new block with the old one wiped. */
static char *buf_grow(cf_buf *b, size_t cap)
{
	char *p;

	if (!b->secret)
		return cf_realloc(b->data, cap);
	if ((p = cf_malloc(cap)) == NULL)
		return NULL;
	if (b->data) {
		memcpy(p, b->data, b->len + 1);
		cf_free_secret(b->data, b->cap);
	}
	return p;
}

static int buf_reserve(cf_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return cf_err_set(CF_ETOOBIG, "buffer over its cap of %zu bytes", b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = buf_grow(b, cap);
	if (p == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int cf_buf_append(cf_buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cf_buf_puts(cf_buf *b, const char *s)
{
	return cf_buf_append(b, s, strlen(s));
}

int cf_buf_putc(cf_buf *b, char c)
{
	return cf_buf_append(b, &c, 1);
}

int cf_buf_printf(cf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cf_err_set(CF_EINVAL, "bad format string");
	rc = buf_reserve(b, (size_t)n);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void cf_buf_consume(cf_buf *b, size_t n)
{
	if (n >= b->len) {
		cf_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	if (b->secret)
		cf_wipe(b->data + b->len - n, n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void cf_buf_reset(cf_buf *b)
{
	if (b->secret && b->data)
		cf_wipe(b->data, b->len);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *cf_buf_detach(cf_buf *b, size_t *len)
{
	char *d = b->data;

	if (d == NULL) {
		d = cf_strdup("");
		if (d == NULL) {
			cf_err_set(CF_ENOMEM, "out of memory");
			return NULL;
		}
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void cf_buf_free(cf_buf *b)
{
	if (b->secret && b->data)
		cf_free_secret(b->data, b->cap);
	else
		cf_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int cf_buf_read_file(cf_buf *b, const char *path)
{
	char chunk[16384];
	size_t n;
	int rc = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return cf_err_set(errno == ENOENT ? CF_ENOTFOUND : CF_EIO, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = cf_buf_append(b, chunk, n);
		if (rc < 0) {
			cf_err_prefix("%s", path);
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = cf_err_set(CF_EIO, "%s: read failed", path);
	fclose(f);
	return rc;
}
