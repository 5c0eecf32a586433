/* tests/env/http-serve.h - the nng HTTP server the test tools (webhook-sink, token-server) run:
 * one handler for every path and method on http://LISTEN, until SIGTERM or SIGINT. */
#ifndef CF_TEST_HTTP_SERVE_H
#define CF_TEST_HTTP_SERVE_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t http_serve_stopping;

static void http_serve_on_signal(int sig)
{
	(void)sig;
	http_serve_stopping = 1;
}

/* Serves handle on listen (collecting request bodies up to body_max) until a signal; returns
 * the exit status (1 when the server cannot start, naming tool and address). */
static inline int http_serve(const char *tool, const char *listen, void (*handle)(nng_aio *), size_t body_max)
{
	char url_text[256];
	nng_url *url = NULL;
	nng_http_server *srv = NULL;
	nng_http_handler *h = NULL;
	int rv;

	snprintf(url_text, sizeof(url_text), "http://%s", listen);
	if ((rv = nng_url_parse(&url, url_text)) != 0 || (rv = nng_http_server_hold(&srv, url)) != 0 ||
	    (rv = nng_http_handler_alloc(&h, "/", handle)) != 0 || (rv = nng_http_handler_set_method(h, NULL)) != 0 ||
	    (rv = nng_http_handler_set_tree(h)) != 0 || (rv = nng_http_handler_collect_body(h, true, body_max)) != 0 ||
	    (rv = nng_http_server_add_handler(srv, h)) != 0 || (rv = nng_http_server_start(srv)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", tool, url_text, nng_strerror(rv));
		return 1;
	}
	signal(SIGTERM, http_serve_on_signal);
	signal(SIGINT, http_serve_on_signal);
	fprintf(stderr, "%s: listening on %s\n", tool, url_text);
	while (!http_serve_stopping)
		pause();
	nng_http_server_stop(srv);
	nng_http_server_release(srv);
	nng_url_free(url);
	return 0;
}

#endif
