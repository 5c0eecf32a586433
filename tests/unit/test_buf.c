/* tests/unit/test_buf.c - growable buffer with a hard cap. */
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

static void append_and_terminate(void)
{
	cf_buf b = CF_BUF_INIT(1024);

	CHECK_OK(cf_buf_puts(&b, "hello"));
	CHECK_OK(cf_buf_putc(&b, ' '));
	CHECK_OK(cf_buf_printf(&b, "%s %d", "world", 42));
	CHECK_STR(b.data, "hello world 42");
	CHECK(b.len == 14);
	cf_buf_free(&b);
}

static void cap_is_hard(void)
{
	cf_buf b = CF_BUF_INIT(8);

	CHECK_OK(cf_buf_puts(&b, "12345678"));
	CHECK(cf_buf_putc(&b, '9') == CF_ETOOBIG);
	CHECK(cf_buf_printf(&b, "%d", 1) == CF_ETOOBIG);
	CHECK_STR(b.data, "12345678");
	CHECK_CONTAINS(cf_err_msg(), "cap of 8 bytes");
	cf_buf_free(&b);
}

static void consume_and_reset(void)
{
	cf_buf b = CF_BUF_INIT(100);

	CHECK_OK(cf_buf_puts(&b, "line1\nline2"));
	cf_buf_consume(&b, 6);
	CHECK_STR(b.data, "line2");
	cf_buf_consume(&b, 99);
	CHECK(b.len == 0);
	CHECK_OK(cf_buf_puts(&b, "x"));
	cf_buf_reset(&b);
	CHECK(b.len == 0 && b.data[0] == '\0');
	cf_buf_free(&b);
}

static void detach_hands_over(void)
{
	cf_buf b = CF_BUF_INIT(100);
	size_t len;
	char *s = cf_buf_detach(&b, &len);

	CHECK_STR(s, "");
	CHECK(len == 0);
	cf_free(s);
	CHECK_OK(cf_buf_puts(&b, "abc"));
	s = cf_buf_detach(&b, &len);
	CHECK_STR(s, "abc");
	CHECK(b.data == NULL && b.len == 0);
	cf_free(s);
}

static void growth_failure_leaves_buffer(void)
{
	cf_buf b = CF_BUF_INIT(1 << 20);
	char chunk[1000];

	memset(chunk, 'a', sizeof(chunk));
	CHECK_OK(cf_buf_append(&b, chunk, 10));
	cf_alloc_fail_after(1);
	CHECK(cf_buf_append(&b, chunk, sizeof(chunk)) == CF_ENOMEM);
	cf_alloc_fail_after(0);
	CHECK(b.len == 10);
	cf_buf_free(&b);
}

static void read_file_and_missing(void)
{
	char path[] = "/tmp/cflux-test-buf-XXXXXX";
	int fd = mkstemp(path);
	cf_buf b = CF_BUF_INIT(4);

	CHECK(fd >= 0);
	CHECK(write(fd, "abcdef", 6) == 6);
	close(fd);
	CHECK(cf_buf_read_file(&b, path) == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), path);
	cf_buf_free(&b);
	b.max = 100;
	CHECK_OK(cf_buf_read_file(&b, path));
	CHECK_STR(b.data, "abcdef");
	cf_buf_free(&b);
	unlink(path);
	CHECK(cf_buf_read_file(&b, path) == CF_ENOTFOUND);
	cf_buf_free(&b);
}

#define TOKEN "tok-3f9a1c-never-left-behind"

static int frees_seen, token_left;

/* what a block given back still holds (the allocator's whole block) */
static void look_at_free(void *p)
{
	size_t n = malloc_usable_size(p);

	frees_seen++;
	if (memmem(p, n, TOKEN, strlen(TOKEN)))
		token_left = 1;
}

/* a secret buffer that grows, consumes, resets and is freed leaves no copy of its token in
 * the blocks it gives back; a plain buffer is no such promise (realloc) */
static void secret_wiped_on_grow(void)
{
	cf_buf b = CF_BUF_INIT_SECRET(1u << 20);

	frees_seen = token_left = 0;
	cf_alloc_on_free(look_at_free);
	CHECK_OK(cf_buf_puts(&b, TOKEN));
	for (int i = 0; i < 200; i++)   /* grows from 64 bytes past 8 KiB: several new blocks */
		CHECK_OK(cf_buf_puts(&b, "0123456789abcdef0123456789abcdef0123456789"));
	CHECK(frees_seen >= 5);         /* growth gave old blocks back through the wrapper, wiped */
	CHECK(memcmp(b.data, TOKEN, strlen(TOKEN)) == 0);
	cf_buf_consume(&b, 4);
	CHECK(memmem(b.data + b.len, b.cap - b.len, TOKEN + 4, strlen(TOKEN) - 4) == NULL);
	cf_buf_free(&b);
	CHECK(frees_seen >= 6);
	CHECK(!token_left);
	cf_alloc_on_free(NULL);
}

static const cf_test_case cases[] = {
	{ "secret_wiped_on_grow", secret_wiped_on_grow },
	{ "append_and_terminate", append_and_terminate },
	{ "cap_is_hard", cap_is_hard },
	{ "consume_and_reset", consume_and_reset },
	{ "detach_hands_over", detach_hands_over },
	{ "growth_failure_leaves_buffer", growth_failure_leaves_buffer },
	{ "read_file_and_missing", read_file_and_missing },
};
CF_TEST_MAIN(cases)
