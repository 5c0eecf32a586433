/* tests/unit/test_buf.c - growable buffer with a hard cap. */
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
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

static const cf_test_case cases[] = {
	{ "append_and_terminate", append_and_terminate },
	{ "cap_is_hard", cap_is_hard },
	{ "consume_and_reset", consume_and_reset },
	{ "detach_hands_over", detach_hands_over },
	{ "growth_failure_leaves_buffer", growth_failure_leaves_buffer },
	{ "read_file_and_missing", read_file_and_missing },
};
CF_TEST_MAIN(cases)
