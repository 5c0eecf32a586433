/* common/util/buf.h - growable byte buffer with a hard cap (after curl's dynbuf). */
#ifndef CF_BUF_H
#define CF_BUF_H

#include <stddef.h>

/* Fields are read-only to users; data is always NUL-terminated when non-NULL. */
typedef struct cf_buf {
	char  *data;
	size_t len;
	size_t cap;  /* allocated */
	size_t max;  /* hard cap on len */
	int secret;  /* tokens, Secrets: every block given back (on growth, reset, consume, free) is wiped first */
} cf_buf;

#define CF_BUF_INIT(max_bytes) { NULL, 0, 0, (max_bytes), 0 }
/* A buffer for secrets: growth copies into a new block and wipes the old one (never realloc,
 * which would leave a copy behind in freed memory). */
#define CF_BUF_INIT_SECRET(max_bytes) { NULL, 0, 0, (max_bytes), 1 }

/* Leaves b empty, not secret. */
void cf_buf_init(cf_buf *b, size_t max);
/* Each returns 0, CF_ENOMEM, or CF_ETOOBIG when len would pass max (b is left unchanged). */
int  cf_buf_append(cf_buf *b, const void *p, size_t n);
int  cf_buf_puts(cf_buf *b, const char *s);
int  cf_buf_putc(cf_buf *b, char c);
int  cf_buf_printf(cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes. */
void cf_buf_consume(cf_buf *b, size_t n);
/* Empties the buffer and keeps its memory. */
void cf_buf_reset(cf_buf *b);
/* Hands the data to the caller (who frees it with cf_free; never NULL on success: an empty
 * buffer yields ""), and leaves b empty. Returns NULL only on allocation failure. */
char *cf_buf_detach(cf_buf *b, size_t *len);
/* Appends the whole file at path; CF_ENOTFOUND if it does not exist, CF_ETOOBIG past max.
 * Errors name the path. */
int  cf_buf_read_file(cf_buf *b, const char *path);
/* Frees the data (wiped first when b is secret); safe on an empty buffer. */
void cf_buf_free(cf_buf *b);

#endif
