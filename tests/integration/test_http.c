/* tests/integration/test_http.c - common/http against the servers of tests/env: the webhook
 * sink (plain HTTP; flaky, redirecting and sized replies, every request recorded), lighttpd
 * (basic auth), nginx (TLS with the test CA) and kube-apiserver (client certificates, HTTP/2,
 * a watch as a long-lived stream). */
#include "http/http.h"
#include "itest.h"
#include "kube_env.h"
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tag[64];   /* per run, so that the sink's log and counters start clean */

static cf_http *client(int retries)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http *h = NULL;

	o.max_retries = retries;
	o.timeout_ms = 20000;
	CHECK_OK(cf_http_new(&h, &o));
	return h;
}

/* url = base + formatted path; "" when base is not set (the case then fails loudly). */
static void __attribute__((format(printf, 4, 5))) url_of(char *url, size_t size, const char *base_env,
							 const char *fmt, ...)
{
	const char *base = env_need(base_env);
	va_list ap;
	int n;

	url[0] = '\0';
	if (base == NULL)
		return;
	n = snprintf(url, size, "%s", base);
	va_start(ap, fmt);
	vsnprintf(url + n, size - (size_t)n, fmt, ap);
	va_end(ap);
}

/* The sink's recorded requests whose path starts with prefix: their count, and the number of
 * those that carried an Authorization header. */
static int sink_requests(const char *prefix, int *with_auth)
{
	cf_buf b = CF_BUF_INIT(256u << 20);
	const char *log = env_need("CFLUX_SINK_LOG");
	char needle[512];
	int n = 0;

	if (with_auth)
		*with_auth = 0;
	if (log == NULL)
		return -1;
	CHECK_OK(cf_buf_read_file(&b, log));
	snprintf(needle, sizeof(needle), "\"path\":\"%s", prefix);
	for (char *line = b.data; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(line, needle)) {
			n++;
			if (with_auth && strstr(line, "\"Authorization\":"))
				(*with_auth)++;
		}
		line = nl ? nl + 1 : NULL;
	}
	cf_buf_free(&b);
	return n;
}

static char *read_file(const char *path, size_t *len)
{
	cf_buf b = CF_BUF_INIT(1u << 20);

	if (path == NULL || cf_buf_read_file(&b, path) < 0) {
		cf_test_fail(__FILE__, __LINE__, "cannot read %s", path ? path : "(unset)");
		cf_buf_free(&b);
		return NULL;
	}
	return cf_buf_detach(&b, len);
}

/* The system's bundle is read once per process, from $SSL_CERT_FILE when set (as Go reads it):
 * a child process with SSL_CERT_FILE naming the test CA trusts nginx with no CA of its own.
 * Runs before any TLS in this process (the bundle is loaded at the first connection). */
static void system_bundle_from_ssl_cert_file(void)
{
	char url[512];
	int status = -1;
	pid_t p;

	url_of(url, sizeof(url), "CFLUX_GIT_URL_HTTPS", "/sample.git/info/refs?service=git-upload-pack");
	if ((p = fork()) == 0) {
		cf_http_options o = CF_HTTP_OPTIONS_INIT;
		cf_http_request req = CF_HTTP_REQUEST_INIT;
		cf_http_response r;
		cf_http *h = NULL;
		int rc;

		setenv("SSL_CERT_FILE", getenv("CFLUX_CA") ? getenv("CFLUX_CA") : "/nonexistent", 1);
		o.max_retries = 0;
		req.url = url;
		if (cf_http_new(&h, &o) < 0)
			_exit(2);
		rc = cf_http_do(h, &req, &r);
		if (rc < 0)
			fprintf(stderr, "  child: %s\n", cf_err_msg());
		rc = rc == 0 && r.code == 200 ? 0 : 1;
		cf_http_response_free(&r);
		cf_http_free(h);
		_exit(rc);
	}
	CHECK(p > 0);
	CHECK(p > 0 && waitpid(p, &status, 0) == p);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* cf_http_do that must get a reply: its status (-1 when none came). */
static long status_of(cf_http *h, const cf_http_request *req)
{
	cf_http_response r;
	long code = -1;

	if (cf_http_do(h, req, &r) < 0)
		cf_test_fail(__FILE__, __LINE__, "%s: %s", req->url, cf_err_msg());
	else
		code = r.code;
	cf_http_response_free(&r);
	return code;
}

/* cf_http_do that must get, in one attempt, a reply of code carrying the header name. */
static void expect_reply(cf_http *h, const cf_http_request *req, long code, const char *name)
{
	cf_http_response r;

	CHECK_OK(cf_http_do(h, req, &r));
	if (r.code != code || r.attempts != 1 || cf_http_header(&r, name) == NULL)
		cf_test_fail(__FILE__, __LINE__, "%s: HTTP %ld after %d attempts, %s %s; want HTTP %ld once, with it",
			     req->url, r.code, r.attempts, name, cf_http_header(&r, name) ? "set" : "missing", code);
	cf_http_response_free(&r);
}

/* ---- bodies: the cap, the sink ---- */

static void get_body_cap(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(0);
	char url[512];

	url_of(url, sizeof(url), "CFLUX_SINK_URL", "/bytes/4096/%s-cap", tag);
	req.url = url;
	req.max_body = 1000;
	CHECK(cf_http_do(h, &req, &r) == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), "reply larger than 1000 bytes");
	CHECK_CONTAINS(cf_err_msg(), "/bytes/4096/");
	cf_http_response_free(&r);
	req.max_body = 4096;
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 200);
	CHECK(r.body.len == 4096);
	CHECK(strncmp(cf_http_body(&r), "abcdefghijklmnopqrstuvwxyzabc", 29) == 0);
	CHECK_STR(cf_http_header(&r, "content-length"), "4096");
	cf_http_response_free(&r);
	cf_http_free(h);
}

typedef struct counted {
	size_t bytes, calls, stop_after;
	int bad;   /* a byte that is not the sink's pattern */
} counted;

static int count_sink(const void *data, size_t len, void *payload)
{
	counted *c = payload;
	const char *p = data;

	for (size_t i = 0; i < len; i++)
		c->bad |= p[i] != (char)('a' + (c->bytes + i) % 26);
	c->bytes += len;
	c->calls++;
	return c->stop_after && c->bytes >= c->stop_after ? CF_ECONFLICT : 0;
}

/* A body larger than any cap goes to the sink in pieces, in order; a sink that refuses ends
 * the exchange with its own code, and is not retried. */
static void sink_streaming(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(2);
	counted c = { 0, 0, 0, 0 };
	char url[512];

	url_of(url, sizeof(url), "CFLUX_SINK_URL", "/bytes/3000000/%s-sink", tag);
	req.url = url;
	req.max_body = 1000;   /* not for the sink */
	req.sink = count_sink;
	req.sink_payload = &c;
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 200);
	CHECK(c.bytes == 3000000);
	CHECK(c.calls > 1);
	CHECK(!c.bad);
	CHECK(r.body.len == 0);
	cf_http_response_free(&r);
	c = (counted){ 0, 0, 100000, 0 };
	CHECK(cf_http_do(h, &req, &r) == CF_ECONFLICT);
	CHECK(r.attempts == 1);
	CHECK(c.bytes < 3000000);
	cf_http_response_free(&r);
	cf_http_free(h);
}

typedef struct watch_sink {
	volatile int cancel;
	size_t bytes;
	int saw_event;
} watch_sink;

static int watch_bytes(const void *data, size_t len, void *payload)
{
	watch_sink *w = payload;

	w->bytes += len;
	if (memmem(data, len, "\"type\":\"ADDED\"", 14))
		w->saw_event = 1;
	if (w->saw_event)
		w->cancel = 1;   /* the server would hold the stream for a minute more */
	return 0;
}

/* A watch is a stream that does not end: the sink gets its events while it runs, over HTTP/2
 * with the request's own Authorization header, and *cancel ends it long before the server
 * would. */
static void stream_and_cancel(void)
{
	const char *dir = env_need("CFLUX_ENV_DIR");
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_headers hl = CF_HTTP_HEADERS_INIT;
	cf_http_response r;
	cf_http *h = NULL;
	watch_sink w = { 0, 0, 0 };
	char path[512], url[512], *token = NULL, auth[512];
	size_t len = 0;
	time_t start;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/pki/admin.token", dir);
	if ((token = read_file(path, &len)) == NULL)
		return;
	while (len && token[len - 1] == '\n')
		token[--len] = '\0';
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	o.http2 = 1;
	o.tls.ca_file = env_need("CFLUX_CA");
	CHECK_OK(cf_http_new(&h, &o));
	CHECK_OK(cf_http_headers_add(&hl, "Authorization", auth));
	CHECK_OK(cf_http_headers_add(&hl, "Accept", "application/json"));
	url_of(url, sizeof(url), "CFLUX_APISERVER", "/api/v1/namespaces?watch=1&timeoutSeconds=60&resourceVersion=0");
	req.url = url;
	req.headers = (const char *const *)hl.lines;
	req.sink = watch_bytes;
	req.sink_payload = &w;
	req.cancel = &w.cancel;
	req.timeout_ms = 90000;
	start = time(NULL);
	CHECK(cf_http_do(h, &req, &r) == CF_ESTOPPED);
	CHECK_CONTAINS(cf_err_msg(), "stopped");
	CHECK(time(NULL) - start < 30);
	CHECK(w.saw_event);
	CHECK(r.code == 200);
	CHECK(r.http_version == 20);
	CHECK(r.attempts == 1);
	cf_http_response_free(&r);
	cf_http_headers_free(&hl);
	cf_free_secret(token, len);
	cf_wipe(auth, sizeof(auth));
	cf_http_free(h);
}

/* ---- credentials ---- */

static void basic_auth(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(2);
	char url[512];

	url_of(url, sizeof(url), "CFLUX_GIT_URL_HTTP_AUTH", "/sample.git/info/refs?service=git-upload-pack");
	req.url = url;
	req.username = env_need("CFLUX_GIT_USER");
	req.password = env_need("CFLUX_GIT_PASSWORD");
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 200);
	CHECK_CONTAINS(cf_http_header(&r, "content-type"), "git-upload-pack-advertisement");
	cf_http_response_free(&r);
	req.password = "wrong";
	expect_reply(h, &req, 401, "www-authenticate");
	cf_http_free(h);
}

/* nginx serves the test CA's certificate: trusted with the CA in memory or as a file, refused
 * without it, accepted unchecked when insecure. */
static void https_ca(void)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = NULL;
	char url[512], *ca;
	size_t ca_len = 0;

	url_of(url, sizeof(url), "CFLUX_GIT_URL_HTTPS", "/sample.git/info/refs?service=git-upload-pack");
	if ((ca = read_file(env_need("CFLUX_CA"), &ca_len)) == NULL)
		return;
	req.url = url;
	o.max_retries = 0;
	o.tls.ca = ca;
	o.tls.ca_len = ca_len;
	CHECK_OK(cf_http_new(&h, &o));
	cf_wipe(ca, ca_len);   /* the handle has its own copy */
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);

	o.tls.ca = NULL;
	o.tls.ca_len = 0;
	o.tls.ca_file = getenv("CFLUX_CA");
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);

	/* the CA alone (as for a kubeconfig), as a file and in memory */
	o.tls.ca_only = 1;
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);
	o.tls.ca_file = NULL;
	cf_free(ca);
	if ((ca = read_file(env_need("CFLUX_CA"), &ca_len)) == NULL)
		return;
	o.tls.ca = ca;
	o.tls.ca_len = ca_len;
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);
	o.tls.ca = NULL;
	o.tls.ca_len = 0;

	/* ca_only without a CA trusts the system's, which do not know the test CA */
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(cf_http_do(h, &req, &r) == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), "TLS certificate failed verification");
	cf_http_response_free(&r);
	cf_http_free(h);
	o.tls.ca_only = 0;

	CHECK_OK(cf_http_new(&h, &o));
	CHECK(cf_http_do(h, &req, &r) == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), "certificate");
	CHECK_CONTAINS(cf_err_msg(), "https://localhost:");
	CHECK(r.code == 0);
	cf_http_response_free(&r);
	cf_http_free(h);

	o.tls.insecure = 1;
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);
	cf_free(ca);
}

/* A server reached by IP address is checked against the iPAddress names of its certificate
 * (mbedTLS itself compares DNS names only; http.c's verify callback adds the addresses):
 * openssl s_server with a certificate that names ::1 alone is trusted at https://[::1]
 * and refused at https://127.0.0.1, with the same CA. */
static void ip_address_names(void)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = NULL;
	char dir[] = "/tmp/cflux-ipsan-XXXXXX", ca[256];
	int up = 0;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(run("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem "
		  "-days 1 -subj /CN=ip-only -addext subjectAltName=IP:::1 >/dev/null 2>&1", dir) == 0);
	CHECK(run("cd %s && { openssl s_server -accept '[::1]:17420' -cert c.pem -key k.pem -www -quiet >s6.log 2>&1 & echo $! >s6.pid; } && "
		  "{ openssl s_server -accept 127.0.0.1:17421 -cert c.pem -key k.pem -www -quiet >s4.log 2>&1 & echo $! >s4.pid; }", dir) == 0);
	snprintf(ca, sizeof(ca), "%s/c.pem", dir);
	o.max_retries = 0;
	o.tls.ca_file = ca;
	o.tls.ca_only = 1;
	CHECK_OK(cf_http_new(&h, &o));
	/* both listening: a refused connection is the only failure waited out */
	for (int i = 0; i < 100 && up < 2; i++) {
		up = 0;
		req.url = "https://[::1]:17420/";
		if (cf_http_do(h, &req, &r) == 0 || !strstr(cf_err_msg(), "onnect"))
			up++;
		cf_http_response_free(&r);
		req.url = "https://127.0.0.1:17421/";
		if (cf_http_do(h, &req, &r) == 0 || !strstr(cf_err_msg(), "onnect"))
			up++;
		cf_http_response_free(&r);
		if (up < 2)
			usleep(100000);
	}
	CHECK(up == 2);
	req.url = "https://[::1]:17420/";
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 200);
	cf_http_response_free(&r);
	req.url = "https://127.0.0.1:17421/";
	CHECK(cf_http_do(h, &req, &r) == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), "TLS certificate failed verification");
	CHECK_CONTAINS(cf_err_msg(), "CN_MISMATCH");
	cf_http_response_free(&r);
	cf_http_free(h);
	CHECK(run("cd %s && kill $(cat s6.pid) $(cat s4.pid)", dir) == 0);
	run("rm -rf %s", dir);
}

/* kube-apiserver asks for a client certificate: with the admin's (memory or files) it knows
 * the caller; without, it is anonymous and refused. */
static void client_certificate(void)
{
	const char *dir = env_need("CFLUX_ENV_DIR");
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = NULL;
	char url[512], cert_path[512], key_path[512], *cert, *key;
	size_t cert_len = 0, key_len = 0;
	long code;

	if (dir == NULL)
		return;
	snprintf(cert_path, sizeof(cert_path), "%s/pki/admin.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/pki/admin.key", dir);
	cert = read_file(cert_path, &cert_len);
	key = read_file(key_path, &key_len);
	url_of(url, sizeof(url), "CFLUX_APISERVER", "/api/v1/namespaces/default");
	req.url = url;
	o.tls.ca_file = env_need("CFLUX_CA");
	o.max_retries = 0;
	CHECK_OK(cf_http_new(&h, &o));
	code = status_of(h, &req);
	CHECK(code == 401 || code == 403);
	cf_http_free(h);

	o.tls.cert = cert;
	o.tls.cert_len = cert_len;
	o.tls.key = key;
	o.tls.key_len = key_len;
	CHECK_OK(cf_http_new(&h, &o));
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 200);
	CHECK_CONTAINS(cf_http_body(&r), "\"name\":\"default\"");
	cf_http_response_free(&r);
	cf_http_free(h);

	/* PEM after other text, as openssl pkcs12 -nodes prints it (Go's pem.Decode skips it) */
	{
		static const char bag[] = "Bag Attributes\n    friendlyName: admin\n";
		char *bkey = malloc(sizeof(bag) - 1 + key_len), *ca = NULL, *bca = NULL;
		size_t ca_len = 0;

		ca = read_file(env_need("CFLUX_CA"), &ca_len);
		bca = malloc(sizeof(bag) - 1 + ca_len);
		CHECK(bkey != NULL && ca != NULL && bca != NULL);
		if (bkey && ca && bca) {
			memcpy(bkey, bag, sizeof(bag) - 1);
			memcpy(bkey + sizeof(bag) - 1, key, key_len);
			memcpy(bca, bag, sizeof(bag) - 1);
			memcpy(bca + sizeof(bag) - 1, ca, ca_len);
			o.tls.key = bkey;
			o.tls.key_len = sizeof(bag) - 1 + key_len;
			o.tls.ca_file = NULL;
			o.tls.ca = bca;
			o.tls.ca_len = sizeof(bag) - 1 + ca_len;
			CHECK_OK(cf_http_new(&h, &o));
			CHECK(status_of(h, &req) == 200);
			cf_http_free(h);
			cf_free_secret(bkey, sizeof(bag) - 1 + key_len);
			bkey = NULL;
		}
		free(bkey);
		free(bca);
		cf_free(ca);
		o.tls.ca = NULL;
		o.tls.ca_len = 0;
		o.tls.ca_file = env_need("CFLUX_CA");
	}

	o.tls.cert = o.tls.key = NULL;
	o.tls.cert_len = o.tls.key_len = 0;
	o.tls.cert_file = cert_path;
	o.tls.key_file = key_path;
	CHECK_OK(cf_http_new(&h, &o));
	CHECK(status_of(h, &req) == 200);
	cf_http_free(h);
	if (key)
		cf_free_secret(key, key_len);
	cf_free(cert);
}

/* ---- retries ---- */

/* method on /flaky/CODE/N/TAG-name[query]: the reply, attempts, and what the sink saw. */
static void flaky(const char *method, int idempotent, int code, int n, const char *name, const char *query,
		  int retries, long want_code, int want_attempts)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(retries);
	char url[512], prefix[256];

	snprintf(prefix, sizeof(prefix), "/flaky/%d/%d/%s-%s/", code, n, tag, name);
	url_of(url, sizeof(url), "CFLUX_SINK_URL", "%sx%s", prefix, query);
	req.url = url;
	req.method = method;
	req.idempotent = idempotent;
	if (strcmp(method, "POST") == 0) {
		req.body = "{}";
		req.body_len = 2;
	}
	CHECK_OK(cf_http_do(h, &req, &r));
	if (r.code != want_code || r.attempts != want_attempts)
		cf_test_fail(__FILE__, __LINE__, "%s %s: HTTP %ld after %d attempts, want %ld after %d",
			     method, prefix, r.code, r.attempts, want_code, want_attempts);
	CHECK(sink_requests(prefix, NULL) == want_attempts);
	if (want_code != 200)
		CHECK_CONTAINS(cf_http_body(&r), "not now");
	cf_http_response_free(&r);
	cf_http_free(h);
}

static void retry_get_on_503(void)
{
	flaky("GET", -1, 503, 2, "get", "", 2, 200, 3);
	flaky("GET", -1, 503, 5, "get-tired", "", 2, 503, 3);
	flaky("GET", -1, 500, 1, "get-500", "", 2, 200, 2);
}

/* A request may say how often it is tried (a caller that retries on its own: once). The path
 * answers 503 twice, then 200. */
static void retries_per_request(void)
{
	static const struct { int retries; long code; int attempts; } steps[] = {
		{ 0, 503, 1 }, { 1, 200, 2 },
	};
	cf_http *h = client(3);
	char url[512];

	url_of(url, sizeof(url), "CFLUX_SINK_URL", "/flaky/503/2/%s-once/x", tag);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		cf_http_request req = CF_HTTP_REQUEST_INIT;
		cf_http_response r;

		req.url = url;
		req.max_retries = steps[i].retries;
		CHECK_OK(cf_http_do(h, &req, &r));
		if (r.code != steps[i].code || r.attempts != steps[i].attempts)
			cf_test_fail(__FILE__, __LINE__, "max_retries %d: HTTP %ld after %d attempts", steps[i].retries,
				     r.code, r.attempts);
		cf_http_response_free(&r);
	}
	cf_http_free(h);
}

/* A 5xx may come after the server acted: a POST goes once, unless the caller says it is
 * idempotent (a Kubernetes apply). */
static void no_retry_of_post_on_503(void)
{
	flaky("POST", -1, 503, 2, "post", "", 2, 503, 1);
	flaky("POST", 1, 503, 2, "post-idem", "", 2, 200, 3);
}

/* 429 says the server did not act: even a POST goes again, after Retry-After; the header's
 * value reaches the caller when no retry is left. */
static void retry_after_honoured(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(0);
	char url[512];

	flaky("POST", -1, 429, 1, "post-429", "?ra=1", 2, 200, 2);
	flaky("GET", -1, 503, 1, "get-ra", "?ra=1", 1, 200, 2);
	url_of(url, sizeof(url), "CFLUX_SINK_URL", "/flaky/429/1/%s-ra-last?ra=7", tag);
	req.url = url;
	CHECK_OK(cf_http_do(h, &req, &r));
	CHECK(r.code == 429);
	CHECK(r.retry_after_s == 7);
	CHECK_STR(cf_http_header(&r, "retry-after"), "7");
	CHECK(r.attempts == 1);
	cf_http_response_free(&r);
	cf_http_free(h);
}

/* Nothing listens on port 1: the error names the URL, not the password in it; a refused
 * connection sent nothing, so it was tried again. */
static void refused_names_url_without_credentials(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(1);

	req.url = "http://someone:s3cret-pass@127.0.0.1:1/index.yaml";
	req.method = "POST";
	CHECK(cf_http_do(h, &req, &r) == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), "POST http://");
	CHECK_CONTAINS(cf_err_msg(), "127.0.0.1:1/index.yaml");
	CHECK(strstr(cf_err_msg(), "s3cret-pass") == NULL);
	CHECK(r.attempts == 2);
	CHECK(r.code == 0);
	cf_http_response_free(&r);
	req.shown_as = "the provider's address";
	CHECK(cf_http_do(h, &req, &r) == CF_EIO);
	CHECK_CONTAINS(cf_err_msg(), "POST the provider's address: ");
	CHECK(strstr(cf_err_msg(), "index.yaml") == NULL);
	cf_http_response_free(&r);
	cf_http_free(h);
}

/* ---- redirects, proxies, connections ---- */

/* A redirect to another host (localhost instead of 127.0.0.1, the same sink) is followed
 * without the basic-auth credentials or an Authorization header; one to the same host keeps
 * the basic-auth ones. */
static void redirect_keeps_credentials_home(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_headers hl = CF_HTTP_HEADERS_INIT;
	cf_http_response r;
	cf_http *h = client(0);
	const char *sink = env_need("CFLUX_SINK_URL");
	char url[1024], from[256], to[256], there[512];
	int auth = 0;

	if (sink == NULL)
		return;
	for (int step = 0; step < 3; step++) {
		snprintf(from, sizeof(from), "/redirect/%s-%d", tag, step);
		snprintf(to, sizeof(to), "/landed/%s-%d", tag, step);
		snprintf(there, sizeof(there), "%s%s", step == 2 ? sink : "", to);
		if (step < 2)   /* http://127.0.0.1:PORT -> http://localhost:PORT */
			snprintf(there, sizeof(there), "http://localhost%s%s", strrchr(sink, ':'), to);
		snprintf(url, sizeof(url), "%s%s?to=%s", sink, from, there);
		req = (cf_http_request)CF_HTTP_REQUEST_INIT;
		req.url = url;
		req.follow_redirects = 1;
		if (step == 1) {
			CHECK_OK(cf_http_headers_add(&hl, "Authorization", "Bearer not-for-others"));
			req.headers = (const char *const *)hl.lines;
		} else {
			req.username = "someone";
			req.password = "s3cret";
		}
		CHECK_OK(cf_http_do(h, &req, &r));
		CHECK(r.code == 200);
		CHECK_STR(cf_http_body(&r), "ok\n");
		cf_http_response_free(&r);
		CHECK(sink_requests(from, &auth) == 1);
		CHECK(auth == 1);
		CHECK(sink_requests(to, &auth) == 1);
		if (auth != (step == 2))
			cf_test_fail(__FILE__, __LINE__, "step %d: the redirect's target got %d Authorization headers",
				     step, auth);
	}
	cf_http_headers_free(&hl);
	req.follow_redirects = 0;
	req.username = NULL;
	expect_reply(h, &req, 302, "location");
	cf_http_free(h);
}

/* Requests for another host go through the proxy (the sink, which records the absolute URL
 * curl asks a proxy for). */
static void through_a_proxy(void)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http *h = NULL;
	char url[256], want[256];

	o.proxy = env_need("CFLUX_SINK_URL");
	o.max_retries = 0;
	CHECK_OK(cf_http_new(&h, &o));
	snprintf(url, sizeof(url), "http://charts.example.invalid/%s-proxied/index.yaml", tag);
	req.url = url;
	CHECK(status_of(h, &req) == 200);
	snprintf(want, sizeof(want), "http://charts.example.invalid/%s-proxied/", tag);
	CHECK(sink_requests(want, NULL) == 1);
	cf_http_free(h);
}

/* One handle keeps its connection: the second request opens none; the totals count both. */
static void connection_reused(void)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	cf_http *h = client(0);
	long exchanges = 0, attempts = 0, conns = 0;
	char url[512];

	url_of(url, sizeof(url), "CFLUX_SINK_URL", "/%s-reuse", tag);
	req.url = url;
	for (int i = 0; i < 3; i++) {
		CHECK_OK(cf_http_do(h, &req, &r));
		CHECK(r.code == 200);
		CHECK(r.http_version == 11);
		if (i == 0)
			CHECK(r.new_connections == 1);
		else
			CHECK(r.new_connections == 0);
		cf_http_response_free(&r);
	}
	cf_http_totals(h, &exchanges, &attempts, &conns);
	CHECK(exchanges == 3 && attempts == 3 && conns == 1);
	cf_http_free(h);
}

/* A header value with a line break would smuggle another header: refused, naming the header. */
static void header_injection_refused(void)
{
	cf_http_headers hl = CF_HTTP_HEADERS_INIT;

	CHECK(cf_http_headers_add(&hl, "X-Token", "a\r\nX-Evil: 1") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "X-Token");
	CHECK(strstr(cf_err_msg(), "Evil") == NULL);
	CHECK(cf_http_headers_add(&hl, "Bad Name", "v") == CF_EINVAL);
	CHECK(cf_http_headers_add(&hl, "", "v") == CF_EINVAL);
	CHECK(hl.n == 0);
	CHECK_OK(cf_http_headers_add(&hl, "X-Empty", ""));
	CHECK_STR(hl.lines[0], "X-Empty;");
	cf_http_headers_free(&hl);
}

static void setup(void)
{
	snprintf(tag, sizeof(tag), "http-%ld-%ld", (long)getpid(), (long)time(NULL));
	CHECK(env_need("CFLUX_SINK_URL") != NULL);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "system_bundle_from_ssl_cert_file", system_bundle_from_ssl_cert_file },
	{ "get_body_cap", get_body_cap },
	{ "sink_streaming", sink_streaming },
	{ "stream_and_cancel", stream_and_cancel },
	{ "basic_auth", basic_auth },
	{ "https_ca", https_ca },
	{ "client_certificate", client_certificate },
	{ "ip_address_names", ip_address_names },
	{ "retry_get_on_503", retry_get_on_503 },
	{ "retries_per_request", retries_per_request },
	{ "no_retry_of_post_on_503", no_retry_of_post_on_503 },
	{ "retry_after_honoured", retry_after_honoured },
	{ "refused_names_url_without_credentials", refused_names_url_without_credentials },
	{ "redirect_keeps_credentials_home", redirect_keeps_credentials_home },
	{ "through_a_proxy", through_a_proxy },
	{ "connection_reused", connection_reused },
	{ "header_injection_refused", header_injection_refused },
};
CF_TEST_MAIN(cases)
