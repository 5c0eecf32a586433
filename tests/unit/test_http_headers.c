/* tests/unit/test_http_headers.c - common/http without a network: the reply header parser,
 * header lists (built, checked, wiped), the idempotent methods. */
#include "http/http.h"
#include "test.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static json_t *parse(const char *raw)
{
	json_t *o = NULL;

	CHECK_OK(cf_http_parse_headers(&o, raw, strlen(raw)));
	return o;
}

static void names_lowered_repeats_joined(void)
{
	json_t *o = parse("HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nSet-Cookie: a=1\r\n"
			  "set-cookie: b=2\r\nX-Empty:\r\n\r\n");

	CHECK_STR(json_string_value(json_object_get(o, "content-type")), "application/json");
	CHECK_STR(json_string_value(json_object_get(o, "set-cookie")), "a=1, b=2");
	CHECK_STR(json_string_value(json_object_get(o, "x-empty")), "");
	CHECK(json_object_size(o) == 3);
	json_decref(o);
}

/* After a redirect or a 100 Continue only the last reply's headers count. */
static void last_status_line_wins(void)
{
	json_t *o = parse("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\nHTTP/2 200\r\nretry-after: 7\r\n\r\n");

	CHECK(json_object_get(o, "location") == NULL);
	CHECK_STR(json_string_value(json_object_get(o, "retry-after")), "7");
	json_decref(o);
}

static void odd_lines_dropped(void)
{
	char big[300];
	json_t *o;

	memset(big, 'n', 200);
	snprintf(big + 200, sizeof(big) - 200, "%s", ": v\r\nok: \xff\xfe\r\nno colon\r\nfine: yes\r\n");
	o = parse(big);
	CHECK(json_object_size(o) == 1);
	CHECK_STR(json_string_value(json_object_get(o, "fine")), "yes");
	json_decref(o);
}

static void input_capped(void)
{
	size_t n = 300u * 1024u;
	char *raw = cf_calloc(1, n);
	json_t *o = NULL;

	CHECK(raw != NULL);
	if (raw == NULL)
		return;
	memset(raw, 'a', n);
	CHECK(cf_http_parse_headers(&o, raw, n) == CF_ETOOBIG);
	CHECK(o == NULL);
	cf_free(raw);
}

static void header_list_built_and_wiped(void)
{
	cf_http_headers h = CF_HTTP_HEADERS_INIT;

	CHECK_OK(cf_http_headers_add(&h, "Authorization", "Bearer tok"));
	for (int i = 0; i < 20; i++)
		CHECK_OK(cf_http_headers_add(&h, "X-N", "v"));
	CHECK(h.n == 21 && h.lines[21] == NULL);
	CHECK_STR(h.lines[0], "Authorization: Bearer tok");
	CHECK(cf_http_headers_add(&h, "X", "a\nb") == CF_EINVAL);
	CHECK(cf_http_headers_add(&h, "X:Y", "a") == CF_EINVAL);
	CHECK(h.n == 21);
	cf_http_headers_wipe(&h);
	for (size_t i = 0; i < strlen("Authorization: Bearer tok"); i++)
		CHECK(h.lines[0][i] == '\0');
	cf_http_headers_free(&h);
	CHECK(h.lines == NULL && h.n == 0);
	cf_http_headers_free(&h);
}

static void idempotent_methods(void)
{
	CHECK(cf_http_method_idempotent("GET") && cf_http_method_idempotent("PUT") &&
	      cf_http_method_idempotent("DELETE") && cf_http_method_idempotent("HEAD"));
	CHECK(!cf_http_method_idempotent("POST") && !cf_http_method_idempotent("PATCH"));
}

static void only_http_urls(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = NULL;

	CHECK_OK(cf_http_new(&h, NULL));
	req.url = "file:///etc/passwd";
	CHECK(cf_http_do(h, &req, &r) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "only http:// and https://");
	cf_http_response_free(&r);
	cf_http_free(h);
}

static const cf_test_case cases[] = {
	{ "names_lowered_repeats_joined", names_lowered_repeats_joined },
	{ "last_status_line_wins", last_status_line_wins },
	{ "odd_lines_dropped", odd_lines_dropped },
	{ "input_capped", input_capped },
	{ "header_list_built_and_wiped", header_list_built_and_wiped },
	{ "idempotent_methods", idempotent_methods },
	{ "only_http_urls", only_http_urls },
};
CF_TEST_MAIN(cases)
