/* common/http/http.h - the one libcurl wrapper: every HTTP client in cflux (the Kubernetes API,
 * notification delivery, Helm repository indexes, OCI registries) sends through it, so caps,
 * TLS material, proxies, timeouts and the retry of idempotent requests are written once.
 * Nothing outside common/http includes <curl/curl.h>.
 *
 * A cf_http handle keeps one curl handle, so connections are reused (HTTP/1.1 keep-alive, one
 * HTTP/2 connection); it is not thread-safe (one per thread). Errors are recorded with
 * cf_err_set and name the method and the URL (credentials in the URL are redacted), or the
 * request's shown_as instead of the URL. "Expect: 100-continue" is never sent. */
#ifndef CF_HTTP_H
#define CF_HTTP_H

#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>

typedef struct cf_http cf_http;

/* TLS material, each either in memory (PEM) or as a file; what is in memory is copied by
 * cf_http_new and wiped when the handle is freed. */
typedef struct cf_http_tls {
	const void *ca;   size_t ca_len;   const char *ca_file;    /* trust these (plus the system's,
	                                                              unless ca_only) */
	const void *cert; size_t cert_len; const char *cert_file;  /* client certificate */
	const void *key;  size_t key_len;  const char *key_file;   /* its key */
	int insecure;                                              /* verify neither peer nor host */
	int ca_only;                                               /* with ca or ca_file: trust those
	                                                              alone, as client-go does with a
	                                                              kubeconfig's certificate-authority
	                                                              (and no TLS connection parses
	                                                              the system bundle) */
} cf_http_tls;
#define CF_HTTP_TLS_INIT { NULL, 0, NULL, NULL, 0, NULL, NULL, 0, NULL, 0, 0 }

#define CF_HTTP_OPTIONS_VERSION 1
typedef struct cf_http_options {
	int version;
	const char *user_agent;     /* default "cflux" */
	long timeout_ms;            /* whole exchange, per attempt; 0 = none */
	long connect_timeout_ms;    /* 0 = 10 s (or timeout_ms when shorter) */
	int max_retries;            /* extra attempts for what is safe to repeat (see cf_http_do) */
	const char *proxy;          /* NULL: none (environment proxies are not read, unless
	                               proxy_from_env) */
	int http2;                  /* negotiate HTTP/2 over TLS */
	cf_http_tls tls;
	int proxy_from_env;         /* proxy NULL: use http_proxy/https_proxy/no_proxy as curl
	                               reads them (what Go's ProxyFromEnvironment does) */
	const char *connect_to;     /* "HOST:PORT:TO-HOST:TO-PORT": connections for the URL's
	                               HOST:PORT go to the other, the certificate is still checked
	                               for HOST (a kubeconfig's tls-server-name) */
	int no_compression;         /* do not ask for compressed replies */
} cf_http_options;
#define CF_HTTP_OPTIONS_INIT { CF_HTTP_OPTIONS_VERSION, NULL, 30000L, 0L, 2, NULL, 0, \
	CF_HTTP_TLS_INIT, 0, NULL, 0 }

/* Receives a 2xx reply's body as it arrives (a long-lived stream such as a watch included:
 * each call gets the bytes read so far, not whole lines). A negative return aborts the
 * exchange, and cf_http_do returns that code as is (the sink records its own message). Once
 * the sink got a byte the request is never retried. */
typedef int (*cf_http_sink)(const void *data, size_t len, void *payload);

/* Header lines built for a request ("Name: value"), kept NULL-terminated so that .lines is
 * cf_http_request.headers. The lines are owned by the list, zeroed by wipe and free (they
 * carry tokens). A zeroed struct (CF_HTTP_HEADERS_INIT) is an empty list. */
typedef struct cf_http_headers {
	char **lines;
	size_t n, cap;
} cf_http_headers;
#define CF_HTTP_HEADERS_INIT { NULL, 0, 0 }
/* Adds "name: value"; value "" with a name sends an empty header. CF_EINVAL (naming the
 * header, not its value) when either holds CR or LF, or name is empty or holds ":" or " ";
 * the list is unchanged on failure. */
int  cf_http_headers_add(cf_http_headers *h, const char *name, const char *value);
/* Zeroes every line in place; the list stays usable (for tests that check the wipe). */
void cf_http_headers_wipe(cf_http_headers *h);
/* Wipes, frees, and leaves an empty list. Safe on an empty list. */
void cf_http_headers_free(cf_http_headers *h);

typedef struct cf_http_request {
	const char *method;         /* NULL: GET (POST when body is set) */
	const char *url;            /* http:// or https:// only */
	const char *const *headers; /* "Name: value" lines, NULL-terminated (cf_http_headers.lines);
	                               copied per exchange, the copies wiped; the caller's stay */
	const void *body;           /* sent as is, body_len bytes */
	size_t body_len;
	int idempotent;             /* -1: GET, HEAD, PUT, DELETE, OPTIONS are; 0 or 1 to say (a
	                               Kubernetes apply or merge PATCH is: 1) */
	size_t max_body;            /* cap on the body kept in the reply (0: 1 MiB) */
	cf_http_sink sink;          /* when set, a 2xx body goes here instead (uncapped here) */
	void *sink_payload;
	const char *username;       /* basic auth (never logged) */
	const char *password;
	int follow_redirects;       /* up to 10; credentials go only to the first host */
	long timeout_ms;            /* 0: the handle's */
	volatile int *cancel;       /* non-NULL: the exchange (and a backoff) ends within about a
	                               second once *cancel is non-zero: CF_ESTOPPED */
	const char *shown_as;       /* named in messages instead of the URL (NULL: the URL,
	                               redacted); for a URL that is a secret, a webhook's */
	int max_retries;            /* -1: the handle's; 0: one attempt (a caller that retries
	                               itself, such as a watch that reconnects and logs) */
	int secret;                 /* the reply may hold secrets: its body buffer is wiped on
	                               growth and when freed (cf_buf.secret) */
} cf_http_request;
#define CF_HTTP_REQUEST_INIT { NULL, NULL, NULL, NULL, 0, -1, 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, -1, 0 }

typedef struct cf_http_response {
	long code;                  /* HTTP status; 0 when no reply came */
	cf_buf body;                /* the body, unless it went to the sink; of a non-2xx reply
	                               the first 64 KiB (max_body when smaller) are always kept */
	json_t *headers;            /* lower-case name -> value; repeats joined with ", " */
	long retry_after_s;         /* from Retry-After, 0 if none */
	long http_version;          /* 10, 11, 20, 30 */
	long new_connections;       /* connections opened by the last attempt (0: one was reused) */
	int attempts;
} cf_http_response;

/* *out is NULL on failure. Strings and TLS material are copied. */
int  cf_http_new(cf_http **out, const cf_http_options *o);

/* One exchange, with up to max_retries more attempts: a refused connection (nothing was sent)
 * is retried for any method; a timeout, 500, 502, 503 or 504 only when the request is
 * idempotent; 429 always (the server did not act). Never after a byte went to the sink.
 * Backoff 250 ms doubling to 5 s with jitter, or Retry-After (at most 10 s). Returns 0 when a
 * reply came, whatever its status (read resp->code), or CF_ETIMEOUT, CF_EIO (no reply),
 * CF_ETOOBIG (kept body over max_body), CF_ESTOPPED (*cancel), or the sink's code. resp is
 * always initialised (code, headers and the refusal's body as far as they came); free it with
 * cf_http_response_free, on failure too. */
int  cf_http_do(cf_http *h, const cf_http_request *req, cf_http_response *resp);

/* Totals of the handle's life: exchanges (cf_http_do calls that sent something), attempts
 * (retries included) and connections opened. Any pointer may be NULL. */
void cf_http_totals(const cf_http *h, long *exchanges, long *attempts, long *connections);

/* Parses raw reply header lines (status lines skipped, a new status line starts over, as after
 * a redirect or a 100 Continue) into *out: lower-case name -> value, repeats joined with ", ",
 * names over 127 bytes, values over 16 KiB (joined ones too), lines past 500 and values
 * that are not UTF-8 dropped. At most 256 KiB of input
 * (CF_ETOOBIG). *out is NULL on failure. */
int  cf_http_parse_headers(json_t **out, const char *raw, size_t len);

/* A reply header by lower-case name, or NULL. Valid until the response is freed. */
const char *cf_http_header(const cf_http_response *r, const char *name);
/* The reply body as a NUL-terminated string ("" when empty). */
const char *cf_http_body(const cf_http_response *r);
void cf_http_response_free(cf_http_response *r);
/* Safe on NULL. */
void cf_http_free(cf_http *h);

/* URL-encodes s; the result is freed with cf_free, NULL on allocation failure. */
char *cf_http_escape(const char *s);

/* The standard reason phrase of an HTTP status, as Go's http.StatusText words it ("Not Found"),
 * or "" for a code it does not know. */
const char *cf_http_status_text(long code);

/* Whether a method is safe to send twice (GET HEAD PUT DELETE OPTIONS). */
int  cf_http_method_idempotent(const char *method);

/* Starts libcurl once per process; cf_http_new calls it. */
void cf_http_global_init(void);

#endif
