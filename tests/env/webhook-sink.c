/* tests/env/webhook-sink.c - a local HTTP sink that records every request as a JSON line
 * {method, path, headers, body} for the notification tests. Requests under /fail/ get 500
 * (a receiver that is down), everything else 200. Loopback only; runs until SIGTERM. */
#include "http-serve.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SINK_BODY_MAX (4u * 1024u * 1024u)

/* nng 1.5 cannot enumerate headers: these are the ones the notification tests read. */
static const char *const recorded_headers[] = {
	"Content-Type", "User-Agent", "Authorization", "Gotk-Component", "X-Signature",
	"X-Hub-Signature-256", "X-GitHub-Event", "X-Gitlab-Token", "X-Gitlab-Event",
	"X-Cflux-Test", "Accept", "Content-Length",
};

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
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

static void handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_res *res;
	const char *uri = nng_http_req_get_uri(req);
	int fail = strncmp(uri, "/fail/", 6) == 0;
	int rv;

	if (strcmp(uri, "/_ready") != 0 && record(req) < 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	if ((rv = nng_http_res_alloc(&res)) != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	nng_http_res_set_status(res, fail ? 500 : 200);
	nng_http_res_copy_data(res, fail ? "down\n" : "ok\n", fail ? 5 : 3);
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
	out = fopen(path, "a");
	if (out == NULL) {
		perror(path);
		return 1;
	}
	fprintf(stderr, "webhook-sink: recording to %s\n", path);
	rc = http_serve("webhook-sink", listen, handle, SINK_BODY_MAX);
	fclose(out);
	return rc;
}
