/* tests/env/webhook-sink.c - a local HTTP sink that records every request as a JSON line
 * {method, path, headers, body} for the notification, kube and http tests. What it answers:
 *   /fail/...                   500 (a receiver that is down)
 *   /flaky/CODE/N/...           CODE to the first N requests for that exact path (query
 *                               included), then 200; "?ra=S" adds Retry-After: S to the refusals
 *   /bytes/N/...                200 with N bytes of body (at most 64 MiB)
 *   /redirect/...?to=URL        302 to URL
 *   anything else               200 "ok"
 * Loopback only; runs until SIGTERM. */
#include "http-serve.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SINK_BODY_MAX (4u * 1024u * 1024u)
#define SINK_REPLY_MAX (64u * 1024u * 1024u)

/* nng 1.5 cannot enumerate headers: these are the ones the notification tests read. */
static const char *const recorded_headers[] = {
	"Content-Type", "User-Agent", "Authorization", "Gotk-Component", "X-Signature",
	"X-Hub-Signature-256", "X-GitHub-Event", "X-Gitlab-Token", "X-Gitlab-Event",
	"X-Cflux-Test", "Accept", "Content-Length", "DD-API-KEY",
};

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *flaky_seen;   /* path -> requests so far; under out_lock */
static int record(nng_http_req *req)
{
	json_t *line = json_object(), *headers = json_object();
	void *body;
	size_t len;
	char *s;

	if (line == NULL || headers == NULL) {
		json_decref(line);
		json_decref(headers);
		return -1;
	}
	nng_http_req_get_data(req, &body, &len);
	for (size_t i = 0; i < sizeof(recorded_headers) / sizeof(recorded_headers[0]); i++) {
		const char *v = nng_http_req_get_header(req, recorded_headers[i]);
		if (v)
			json_object_set_new(headers, recorded_headers[i], json_string(v));
	}
	json_object_set_new(line, "method", json_string(nng_http_req_get_method(req)));
	json_object_set_new(line, "path", json_string(nng_http_req_get_uri(req)));
	json_object_set_new(line, "headers", headers);
	json_object_set_new(line, "body", json_stringn(body ? body : "", len));
	s = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (s == NULL)
		return -1;
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%s\n", s);
	fflush(out);
	pthread_mutex_unlock(&out_lock);
	free(s);
	return 0;
}

/* How many requests came for uri before this one (for /flaky/). */
static long count_request(const char *uri)
{
	long n;

	pthread_mutex_lock(&out_lock);
	n = (long)json_integer_value(json_object_get(flaky_seen, uri));
	json_object_set_new(flaky_seen, uri, json_integer(n + 1));
	pthread_mutex_unlock(&out_lock);
	return n;
}

/* Sets status, body and headers of res for uri; 0 or an nng error. */
static int answer(nng_http_res *res, const char *uri)
{
	const char *q = strchr(uri, '?');
	int rv;

	if (strncmp(uri, "/fail/", 6) == 0) {
		nng_http_res_set_status(res, 500);
		return nng_http_res_copy_data(res, "down\n", 5);
	}
	if (strncmp(uri, "/flaky/", 7) == 0) {
		char *end;
		long code = strtol(uri + 7, &end, 10), n = *end == '/' ? strtol(end + 1, NULL, 10) : 0;
		const char *ra = q ? strstr(q, "ra=") : NULL;
		char secs[16];
		if (code < 100 || code > 599 || count_request(uri) >= n)
			return nng_http_res_copy_data(res, "ok\n", 3);
		nng_http_res_set_status(res, (uint16_t)code);
		if (ra) {
			snprintf(secs, sizeof(secs), "%ld", strtol(ra + 3, NULL, 10));
			if ((rv = nng_http_res_set_header(res, "Retry-After", secs)) != 0)
				return rv;
		}
		return nng_http_res_copy_data(res, "not now\n", 8);
	}
	if (strncmp(uri, "/bytes/", 7) == 0) {
		size_t n = strtoul(uri + 7, NULL, 10);
		char *body = malloc(n ? n : 1);
		if (n > SINK_REPLY_MAX || body == NULL) {
			free(body);
			return NNG_ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			body[i] = (char)('a' + i % 26);
		rv = nng_http_res_copy_data(res, body, n);
		free(body);
		return rv;
	}
	if (strncmp(uri, "/redirect/", 10) == 0 && q && strstr(q, "to=")) {
		nng_http_res_set_status(res, 302);
		if ((rv = nng_http_res_set_header(res, "Location", strstr(q, "to=") + 3)) != 0)
			return rv;
		return nng_http_res_copy_data(res, "moved\n", 6);
	}
	return nng_http_res_copy_data(res, "ok\n", 3);
}

static void handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_res *res;
	const char *uri = nng_http_req_get_uri(req);
	int rv;

	if (strcmp(uri, "/_ready") != 0 && record(req) < 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	if ((rv = nng_http_res_alloc(&res)) != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	if ((rv = answer(res, uri)) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:0", *path = NULL;
	int rc;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--out") == 0)
			path = argv[i + 1];
	}
	if (path == NULL || strncmp(listen, "127.", 4) != 0) {
		fprintf(stderr, "usage: webhook-sink --listen 127.0.0.1:PORT --out FILE\n");
		return 2;
	}
	flaky_seen = json_object();
	out = fopen(path, "a");
	if (out == NULL || flaky_seen == NULL) {
		perror(path);
		return 1;
	}
	fprintf(stderr, "webhook-sink: recording to %s\n", path);
	rc = http_serve("webhook-sink", listen, handle, SINK_BODY_MAX);
	fclose(out);
	json_decref(flaky_seen);
	return rc;
}
