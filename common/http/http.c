/* common/http/http.c - see http.h. */
#include "http/http.h"

#include "util/alloc.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_MAX_BODY (1024u * 1024u)
#define ERROR_BODY_MAX   (64u * 1024u)      /* what is kept of a refusal for its message */
#define HEADERS_MAX      (256u * 1024u)     /* all reply headers of one exchange */
#define HEADER_VALUE_MAX (16u * 1024u)      /* one header's value, repeats joined */
#define HEADER_LINES_MAX 500                /* header lines parsed of one reply */
#define BACKOFF_MAX_MS   5000L
#define RETRY_AFTER_MAX_S 10L

typedef struct blob {
	void *data;
	size_t len;
} blob;

struct cf_http {
	CURL *curl;
	char *user_agent, *proxy, *ca_file, *cert_file, *key_file;
	blob ca, cert, key;
	int insecure, ca_only, http2, max_retries;
	long timeout_ms, connect_timeout_ms;
	int proxy_from_env, no_compression;
	struct curl_slist *connect_to;           /* cf_http_options.connect_to, or NULL */
	unsigned char tls_ip[16];                /* the host of the connection being verified, */
	size_t tls_ip_len;                       /* when it is an IP address (4 or 16 bytes) */
	mbedtls_x509_crt cas;                    /* ca / ca_file, parsed at the first TLS connection */
	mbedtls_x509_crt *cas_tail;              /* its last entry, linked to the system's unless ca_only */
	int cas_state;                           /* 0 not parsed, 1 parsed, -1 refused (cas_err says) */
	char cas_err[200];
	unsigned rand_state;
	long exchanges, attempts, connections;   /* cf_http_totals */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *tls_backend;   /* libcurl's, when it is not mbedTLS (on_ssl_ctx needs it) */
static void init_once(void)
{
	const curl_version_info_data *v;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	v = curl_version_info(CURLVERSION_NOW);
	if (v == NULL || v->ssl_version == NULL || strncmp(v->ssl_version, "mbedTLS", 7) != 0)
		tls_backend = v && v->ssl_version ? v->ssl_version : "no TLS library";
}

void cf_http_global_init(void)
{
	pthread_once(&once, init_once);
}

static int copy_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = cf_strdup(src);
	return *dst ? 0 : -1;
}

static int copy_blob(blob *dst, const void *p, size_t len)
{
	dst->data = NULL;
	dst->len = 0;
	if (p == NULL || len == 0)
		return 0;
	if ((dst->data = cf_malloc(len + 1)) == NULL)   /* NUL-terminated: see setup_tls */
		return -1;
	memcpy(dst->data, p, len);
	((char *)dst->data)[len] = '\0';
	dst->len = len;
	return 0;
}

int cf_http_new(cf_http **out, const cf_http_options *o)
{
	cf_http_options d = CF_HTTP_OPTIONS_INIT;
	cf_http *h;

	*out = NULL;
	if (o == NULL)
		o = &d;
	if (o->version != CF_HTTP_OPTIONS_VERSION)
		return cf_err_set(CF_EINVAL, "cf_http_options version %d is not %d", o->version, CF_HTTP_OPTIONS_VERSION);
	cf_http_global_init();
	if (tls_backend)
		return cf_err_set(CF_EINVAL, "libcurl here is built on %s; cflux needs libcurl on mbedTLS "
				  "(make deps builds it: tests/env/build-curl)", tls_backend);
	if ((h = cf_calloc(1, sizeof(*h))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	h->curl = curl_easy_init();
	if (h->curl == NULL ||
	    copy_str(&h->user_agent, o->user_agent ? o->user_agent : "cflux") < 0 ||
	    copy_str(&h->proxy, o->proxy) < 0 || copy_str(&h->ca_file, o->tls.ca_file) < 0 ||
	    copy_str(&h->cert_file, o->tls.cert_file) < 0 || copy_str(&h->key_file, o->tls.key_file) < 0 ||
	    copy_blob(&h->ca, o->tls.ca, o->tls.ca_len) < 0 ||
	    copy_blob(&h->cert, o->tls.cert, o->tls.cert_len) < 0 ||
	    copy_blob(&h->key, o->tls.key, o->tls.key_len) < 0) {
		cf_http_free(h);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (o->connect_to && (h->connect_to = curl_slist_append(NULL, o->connect_to)) == NULL) {
		cf_http_free(h);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	h->no_compression = o->no_compression;
	h->insecure = o->tls.insecure;
	h->ca_only = o->tls.ca_only;
	mbedtls_x509_crt_init(&h->cas);
	h->http2 = o->http2;
	h->proxy_from_env = o->proxy_from_env;
	h->max_retries = o->max_retries < 0 ? 0 : o->max_retries;
	h->timeout_ms = o->timeout_ms;
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L;
	if (h->timeout_ms > 0 && h->timeout_ms < h->connect_timeout_ms)
		h->connect_timeout_ms = h->timeout_ms;
	h->rand_state = (unsigned)time(NULL) ^ (unsigned)(size_t)h;
	*out = h;
	return 0;
}

static void blob_wipe_free(blob *b)
{
	if (b->data)
		cf_free_secret(b->data, b->len);
	b->data = NULL;
	b->len = 0;
}

void cf_http_free(cf_http *h)
{
	if (h == NULL)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	cf_free(h->user_agent);
	cf_free(h->proxy);
	cf_free(h->ca_file);
	cf_free(h->cert_file);
	cf_free(h->key_file);
	curl_slist_free_all(h->connect_to);
	blob_wipe_free(&h->ca);
	blob_wipe_free(&h->cert);
	blob_wipe_free(&h->key);
	if (h->cas_tail)
		h->cas_tail->next = NULL;   /* the system's entries are not the handle's to free */
	mbedtls_x509_crt_free(&h->cas);
	cf_free(h);
}

int cf_http_method_idempotent(const char *method)
{
	static const char *const safe[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS" };

	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (strcmp(method, safe[i]) == 0)
			return 1;
	return 0;
}

void cf_http_totals(const cf_http *h, long *exchanges, long *attempts, long *connections)
{
	if (exchanges)
		*exchanges = h->exchanges;
	if (attempts)
		*attempts = h->attempts;
	if (connections)
		*connections = h->connections;
}

/* ---- header lists ---- */

static int header_text_ok(const char *s, int is_name)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n' || (is_name && (*s == ':' || *s == ' ')))
			return 0;
	return 1;
}

int cf_http_headers_add(cf_http_headers *h, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *line;

	if (nl == 0 || !header_text_ok(name, 1) || !header_text_ok(value, 0))
		return cf_err_set(CF_EINVAL, "header \"%.100s\": a name must be a token and neither may hold a line break",
				  name);
	if (h->n + 2 > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		char **l = cf_realloc(h->lines, cap * sizeof(*l));
		if (l == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		h->lines = l;
		h->cap = cap;
	}
	if ((line = cf_malloc(nl + vl + 3)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	memcpy(line, name, nl);
	/* "Name;" is curl's way to send a header with an empty value ("Name:" removes it) */
	if (vl == 0) {
		line[nl] = ';';
		line[nl + 1] = '\0';
	} else {
		memcpy(line + nl, ": ", 2);
		memcpy(line + nl + 2, value, vl + 1);
	}
	h->lines[h->n++] = line;
	h->lines[h->n] = NULL;
	return 0;
}

void cf_http_headers_wipe(cf_http_headers *h)
{
	for (size_t i = 0; i < h->n; i++)
		cf_wipe(h->lines[i], strlen(h->lines[i]));
}

void cf_http_headers_free(cf_http_headers *h)
{
	for (size_t i = 0; i < h->n; i++)
		cf_free_secret(h->lines[i], strlen(h->lines[i]));
	cf_free(h->lines);
	h->lines = NULL;
	h->n = h->cap = 0;
}

/* ---- one attempt ---- */

typedef struct exchange {
	cf_http *h;
	const cf_http_request *req;
	cf_http_response *resp;
	cf_buf headers;             /* raw header lines of the last reply */
	int sink_rc;                /* the sink's failure, or the kept body's (CF_ETOOBIG, CF_ENOMEM) */
	int sunk;                   /* the sink got bytes: the request must not go again */
	size_t max_body;
} exchange;

static size_t on_body(char *p, size_t size, size_t n, void *payload)
{
	exchange *x = payload;
	size_t len = size * n, room, limit;
	long code = 0;
	int rc;

	curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code <= 299) {
		if (x->req->sink) {
			x->sunk = 1;
			rc = x->req->sink(p, len, x->req->sink_payload);
		} else {
			rc = cf_buf_append(&x->resp->body, p, len);
		}
		if (rc < 0) {
			x->sink_rc = rc;
			return 0;
		}
		return len;
	}
	/* a refusal: keep its first bytes for the message, read the rest */
	limit = x->resp->body.max < ERROR_BODY_MAX ? x->resp->body.max : ERROR_BODY_MAX;
	room = limit > x->resp->body.len ? limit - x->resp->body.len : 0;
	if (room > 0)
		(void)cf_buf_append(&x->resp->body, p, len < room ? len : room);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *payload)
{
	exchange *x = payload;
	size_t len = size * n;

	/* a new status line (after a redirect or a 100 Continue) starts a new set */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		cf_buf_reset(&x->headers);
	if (cf_buf_append(&x->headers, p, len) < 0)
		return 0;
	return len;
}

static int on_progress(void *payload, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const exchange *x = payload;

	(void)a; (void)b; (void)c; (void)d;
	return *x->req->cancel != 0;
}

static int add_header(json_t *o, const char *name, size_t nlen, const char *value, size_t vlen)
{
	char key[128];
	const char *had;
	json_t *v;

	if (nlen == 0 || nlen >= sizeof(key) || vlen > HEADER_VALUE_MAX)
		return 0;
	for (size_t i = 0; i < nlen; i++)
		key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	key[nlen] = '\0';
	if (memchr(key, '\0', nlen))
		return 0;
	had = json_string_value(json_object_get(o, key));
	if (had) {
		cf_buf b = CF_BUF_INIT(HEADER_VALUE_MAX);
		int rc = cf_buf_printf(&b, "%s, %.*s", had, (int)vlen, value);
		if (rc < 0) {
			cf_buf_free(&b);
			return rc == CF_ETOOBIG ? 0 : -1;   /* a repeat past the cap is dropped */
		}
		v = json_stringn(b.data, b.len);
		cf_buf_free(&b);
	} else {
		v = json_stringn(value, vlen);
	}
	return v ? json_object_set_new(o, key, v) : 0;   /* a header that is not UTF-8 is dropped */
}

int cf_http_parse_headers(json_t **out, const char *raw, size_t len)
{
	const char *p = raw ? raw : "", *end = p + len;
	json_t *o;
	int lines = 0;

	*out = NULL;
	if (len > HEADERS_MAX)
		return cf_err_set(CF_ETOOBIG, "reply headers larger than %u bytes", HEADERS_MAX);
	if ((o = json_object()) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *colon, *v, *ve;

		if (eol == NULL)
			eol = end;
		if (eol - p >= 5 && strncmp(p, "HTTP/", 5) == 0) {
			json_object_clear(o);
			lines = 0;
		} else if (++lines > HEADER_LINES_MAX) {
			break;
		} else if ((colon = memchr(p, ':', (size_t)(eol - p))) != NULL) {
			v = colon + 1;
			ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (add_header(o, p, (size_t)(colon - p), v, (size_t)(ve - v)) < 0) {
				json_decref(o);
				return cf_err_set(CF_ENOMEM, "out of memory");
			}
		}
		p = eol + 1;
	}
	*out = o;
	return 0;
}

static void set_blob(CURL *c, CURLoption opt, const blob *b)
{
	struct curl_blob cb = { b->data, b->len, CURL_BLOB_COPY };
	curl_easy_setopt(c, opt, &cb);
}

/* libcurl is built on mbedTLS (tests/env/build-curl), whose 2.28 checks a certificate's DNS
 * names only: a server reached by address (https://127.0.0.1:6443, the usual kubeconfig) fails
 * with BADCERT_CN_MISMATCH though its certificate names that address. This verify callback
 * clears that flag only when the URL's host is an IP address and an iPAddress entry of the
 * server's own certificate holds exactly it (RFC 5280 4.2.1.6, what Go's crypto/x509 checks);
 * every other check (chain, expiry, DNS names) stays mbedTLS's. */
static int verify_ip_san(void *payload, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const cf_http *h = payload;

	if (depth != 0 || h->tls_ip_len == 0 || !(*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
		return 0;
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && s->buf.len == h->tls_ip_len &&
		    memcmp(s->buf.p, h->tls_ip, h->tls_ip_len) == 0) {
			*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
			break;
		}
	return 0;
}

/* The host of the URL being connected (a redirect's too) as an address, or none. */
static void note_ip_host(cf_http *h, CURL *c)
{
	char *url = NULL, *host = NULL;
	CURLU *u;

	h->tls_ip_len = 0;
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == NULL || (u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		size_t n = strlen(host);

		if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
			host[n - 1] = '\0';
			if (inet_pton(AF_INET6, host + 1, h->tls_ip) == 1)
				h->tls_ip_len = 16;
		} else if (inet_pton(AF_INET, host, h->tls_ip) == 1) {
			h->tls_ip_len = 4;
		}
		curl_free(host);
	}
	curl_url_cleanup(u);
}

/* The system's CA bundle ($SSL_CERT_FILE, as Go reads it, or Debian's), parsed once per
 * process at the first TLS connection that trusts it and shared, read-only, by all of them:
 * libcurl on mbedTLS would parse it again for each connection (144 certificates: 460 KiB of
 * heap and 4 ms). Without a bundle the list stays empty and no server is trusted by it. */
static pthread_once_t system_once = PTHREAD_ONCE_INIT;
static mbedtls_x509_crt system_cas;

static void load_system_cas(void)
{
	const char *f = getenv("SSL_CERT_FILE");

	mbedtls_x509_crt_init(&system_cas);
	if (mbedtls_x509_crt_parse_file(&system_cas, f && *f ? f : "/etc/ssl/certs/ca-certificates.crt") < 0) {
		mbedtls_x509_crt_free(&system_cas);
		mbedtls_x509_crt_init(&system_cas);
	}
}

/* The length of a CA or key blob as mbedTLS is to parse it: PEM only with its terminating NUL
 * counted (copy_blob put one after the data), DER as it is. PEM may follow other text (the
 * "Bag Attributes" openssl pkcs12 prints), as Go's pem.Decode allows. */
static size_t pem_len(const blob *b)
{
	const char *s = b->data;

	return b->len > 0 && s[b->len - 1] != '\0' && strstr(s, "-----BEGIN") ? b->len + 1 : b->len;
}

static mbedtls_x509_crt *system_chain(void)
{
	pthread_once(&system_once, load_system_cas);
	return &system_cas;
}

/* The handle's own CAs (ca or ca_file), once: 0, or -1 with cas_err set. */
static int own_cas(cf_http *h)
{
	int rc;

	if (h->cas_state != 0)
		return h->cas_state > 0 ? 0 : -1;
	if (h->ca.data) {
		rc = mbedtls_x509_crt_parse(&h->cas, h->ca.data, pem_len(&h->ca));
	} else {
		rc = mbedtls_x509_crt_parse_file(&h->cas, h->ca_file);
	}
	if (rc < 0 || h->cas.raw.p == NULL) {
		char why[120];

		mbedtls_strerror(rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT, why, sizeof(why));
		snprintf(h->cas_err, sizeof(h->cas_err), "the CA certificate%s%s cannot be read: %s",
			 h->ca.data ? "" : " file ", h->ca.data ? "" : h->ca_file, why);
		h->cas_state = -1;
		return -1;
	}
	for (h->cas_tail = &h->cas; h->cas_tail->next; h->cas_tail = h->cas_tail->next)
		;
	if (!h->ca_only)
		h->cas_tail->next = system_chain();   /* these, then the system's */
	h->cas_state = 1;
	return 0;
}

/* Called by libcurl with each new TLS connection's mbedtls_ssl_config, before the handshake:
 * the CAs it trusts (curl itself is told none) and the address check. */
static CURLcode on_ssl_ctx(CURL *c, void *ssl_config, void *payload)
{
	cf_http *h = payload;

	if (h->ca.data || h->ca_file) {
		if (own_cas(h) < 0)
			return CURLE_SSL_CACERT_BADFILE;
		mbedtls_ssl_conf_ca_chain(ssl_config, &h->cas, NULL);
	} else {
		mbedtls_ssl_conf_ca_chain(ssl_config, system_chain(), NULL);   /* loaded only now */
	}
	note_ip_host(h, c);
	mbedtls_ssl_conf_verify(ssl_config, verify_ip_san, h);
	return CURLE_OK;
}

static void setup_tls(cf_http *h)
{
	CURL *c = h->curl;

	if (!h->insecure) {
		/* the trust store is on_ssl_ctx's: curl reads no CA file or directory itself */
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, h);
	}
	if (h->cert.data) {
		set_blob(c, CURLOPT_SSLCERT_BLOB, &h->cert);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (h->cert_file) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
	}
	if (h->key.data) {
		blob key = { h->key.data, pem_len(&h->key) };   /* libcurl passes a key blob on as it is */

		set_blob(c, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (h->key_file) {
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
	}
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static void setup_request(exchange *x, const char *method)
{
	const cf_http_request *req = x->req;
	CURL *c = x->h->curl;

	if (req->username) {
		curl_easy_setopt(c, CURLOPT_USERNAME, req->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	if (req->follow_redirects) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	if (req->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (req->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
}

static void setup(exchange *x, struct curl_slist *hl, const char *method, char *cerr)
{
	cf_http *h = x->h;
	CURL *c = h->curl;
	long timeout = x->req->timeout_ms > 0 ? x->req->timeout_ms : h->timeout_ms;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, x->req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* an https request is never redirected to plain http (a downgrade anyone on the path could use) */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, strncmp(x->req->url, "https://", 8) == 0 ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (!h->no_compression)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (h->connect_to)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, h->connect_to);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout > 0 && timeout < h->connect_timeout_ms ? timeout : h->connect_timeout_ms);
	if (timeout > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	if (h->http2)
		curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (h->proxy || !h->proxy_from_env)
		curl_easy_setopt(c, CURLOPT_PROXY, h->proxy ? h->proxy : "");
	setup_tls(h);
	setup_request(x, method);
}

/* Sleeps before the next attempt; 0, or CF_ESTOPPED when *cancel came meanwhile. */
static int backoff(cf_http *h, const cf_http_request *req, int attempt, long retry_after_s)
{
	long ms = 250L << (attempt > 5 ? 5 : attempt);
	struct timespec slice = { 0, 50 * 1000000L };

	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	ms = ms / 2 + (long)(rand_r(&h->rand_state) % (unsigned)(ms / 2 + 1));
	if (retry_after_s > 0)
		ms = (retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : retry_after_s) * 1000L;
	for (long t = 0; t < ms; t += 50) {
		if (req->cancel && *req->cancel)
			return CF_ESTOPPED;
		if (ms - t < 50)
			slice.tv_nsec = (ms - t) * 1000000L;
		nanosleep(&slice, NULL);
	}
	return 0;
}

static int retryable_code(long code)
{
	return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

static void wipe_list(struct curl_slist *l)
{
	for (struct curl_slist *n = l; n; n = n->next)
		cf_wipe(n->data, strlen(n->data));
	curl_slist_free_all(l);
}

/* The caller's lines plus "Expect:" (no 100-continue round trip before a body). */
static int build_list(struct curl_slist **out, const char *const *lines)
{
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:"), *n;

	*out = NULL;
	for (size_t i = 0; hl && lines && lines[i]; i++) {
		if ((n = curl_slist_append(hl, lines[i])) == NULL) {
			wipe_list(hl);
			hl = NULL;
		}
		hl = n;
	}
	if (hl == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	*out = hl;
	return 0;
}

static long version_of(long v)
{
	return v == CURL_HTTP_VERSION_2_0 ? 20 : v == CURL_HTTP_VERSION_1_1 ? 11 :
	       v == CURL_HTTP_VERSION_1_0 ? 10 : v == CURL_HTTP_VERSION_3 ? 30 : 0;
}

/* After a perform: what the response says of the attempt, and the handle's totals. */
static void read_info(exchange *x)
{
	CURL *c = x->h->curl;
	cf_http_response *resp = x->resp;
	curl_off_t ra = 0;
	long v = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->code);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &resp->new_connections);
	curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &v);
	resp->http_version = version_of(v);
	resp->retry_after_s = curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK ? (long)ra : 0;
	x->h->attempts++;
	x->h->connections += resp->new_connections;
}

/* Whether attempt (0-based) may be followed by another, after cc and the reply. */
static int again(const exchange *x, CURLcode cc, int idem, int attempt)
{
	if (attempt >= (x->req->max_retries >= 0 ? x->req->max_retries : x->h->max_retries) || x->sunk)
		return 0;
	if (cc == CURLE_OK)
		return retryable_code(x->resp->code) && (x->resp->code == 429 || idem);
	/* nothing was sent on a refused connection, so any method may go again */
	return cc == CURLE_COULDNT_CONNECT || (cc == CURLE_OPERATION_TIMEDOUT && idem);
}

/* The error of a failed attempt that is not retried. */
static int failure(const exchange *x, CURLcode cc, const char *method, const char *where, const char *cerr)
{
	if (cc == CURLE_WRITE_ERROR && x->sink_rc < 0) {
		if (x->req->sink)
			return x->sink_rc;
		if (x->sink_rc == CF_ETOOBIG)
			return cf_err_set(CF_ETOOBIG, "%s %s: reply larger than %zu bytes", method, where, x->max_body);
		return cf_err_set(x->sink_rc, "%s %s: out of memory", method, where);
	}
	if (cc == CURLE_ABORTED_BY_CALLBACK && x->req->cancel && *x->req->cancel)
		return cf_err_set(CF_ESTOPPED, "%s %s: stopped", method, where);
	if (cc == CURLE_SSL_CACERT_BADFILE && x->h->cas_state < 0)
		return cf_err_set(CF_EIO, "%s %s: %s", method, where, x->h->cas_err);
	/* the TLS library's own words ("BADCERT_NOT_TRUSTED"), said plainly first */
	if (cc == CURLE_PEER_FAILED_VERIFICATION)
		return cf_err_set(CF_EIO, "%s %s: the server's TLS certificate failed verification (untrusted CA, "
				  "wrong host name or expired): %s", method, where, cerr[0] ? cerr : curl_easy_strerror(cc));
	if (cc == CURLE_SSL_CERTPROBLEM)
		return cf_err_set(CF_EIO, "%s %s: the client certificate or its key cannot be used: %s", method, where,
				  cerr[0] ? cerr : curl_easy_strerror(cc));
	return cf_err_set(cc == CURLE_OPERATION_TIMEDOUT ? CF_ETIMEOUT : CF_EIO, "%s %s: %s", method, where,
			  cerr[0] ? cerr : curl_easy_strerror(cc));
}

/* resp initialised, where the request is shown in messages; CF_EINVAL for a URL not fetched. */
static int begin(exchange *x, const char *method, char *where, size_t size)
{
	const cf_http_request *req = x->req;

	memset(x->resp, 0, sizeof(*x->resp));
	cf_buf_init(&x->resp->body, req->sink ? ERROR_BODY_MAX : x->max_body);
	x->resp->body.secret = req->secret;
	cf_url_redact(where, size, req->shown_as ? req->shown_as : req->url ? req->url : "");
	if (req->url == NULL || (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0))
		return cf_err_set(CF_EINVAL, "%s %s: only http:// and https:// URLs are fetched", method, where);
	return 0;
}

int cf_http_do(cf_http *h, const cf_http_request *req, cf_http_response *resp)
{
	const char *method = req->method ? req->method : req->body ? "POST" : "GET";
	int idem = req->idempotent >= 0 ? req->idempotent : cf_http_method_idempotent(method);
	exchange x = { h, req, resp, CF_BUF_INIT(HEADERS_MAX), 0, 0, req->max_body ? req->max_body : DEFAULT_MAX_BODY };
	struct curl_slist *hl = NULL;
	char where[1024], cerr[CURL_ERROR_SIZE];
	int rc = 0;

	if ((rc = begin(&x, method, where, sizeof(where))) < 0 || (rc = build_list(&hl, req->headers)) < 0)
		return rc;
	h->exchanges++;
	for (int attempt = 0;; attempt++) {
		CURLcode cc;
		json_t *parsed = NULL;

		cf_buf_reset(&resp->body);
		cf_buf_reset(&x.headers);
		x.sink_rc = 0;
		cerr[0] = '\0';
		resp->attempts = attempt + 1;
		setup(&x, hl, method, cerr);
		cc = curl_easy_perform(h->curl);
		read_info(&x);
		if (cf_http_parse_headers(&parsed, x.headers.data, x.headers.len) == 0) {
			json_decref(resp->headers);
			resp->headers = parsed;
		}
		if (again(&x, cc, idem, attempt)) {
			if ((rc = backoff(h, req, attempt, cc == CURLE_OK ? resp->retry_after_s : 0)) < 0) {
				rc = cf_err_set(rc, "%s %s: stopped", method, where);
				break;
			}
			continue;
		}
		rc = cc == CURLE_OK ? 0 : failure(&x, cc, method, where, cerr);
		break;
	}
	/* curl keeps copies of the credentials until the next reset */
	curl_easy_reset(h->curl);
	wipe_list(hl);
	cf_buf_free(&x.headers);
	return rc;
}

const char *cf_http_header(const cf_http_response *r, const char *name)
{
	return r->headers ? json_string_value(json_object_get(r->headers, name)) : NULL;
}

const char *cf_http_body(const cf_http_response *r)
{
	return r->body.data ? r->body.data : "";
}

void cf_http_response_free(cf_http_response *r)
{
	cf_buf_free(&r->body);
	json_decref(r->headers);
	r->headers = NULL;
}

char *cf_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *out;

	if (e == NULL)
		return NULL;
	out = cf_strdup(e);
	curl_free(e);
	return out;
}

const char *cf_http_status_text(long code)
{
	static const struct { short code; const char *text; } texts[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 102, "Processing" }, { 103, "Early Hints" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 203, "Non-Authoritative Information" },
		{ 204, "No Content" }, { 205, "Reset Content" }, { 206, "Partial Content" }, { 207, "Multi-Status" },
		{ 208, "Already Reported" }, { 226, "IM Used" },
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 305, "Use Proxy" }, { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 407, "Proxy Authentication Required" }, { 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
		{ 411, "Length Required" }, { 412, "Precondition Failed" }, { 413, "Request Entity Too Large" },
		{ 414, "Request URI Too Long" }, { 415, "Unsupported Media Type" }, { 416, "Requested Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 418, "I'm a teapot" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Entity" }, { 423, "Locked" }, { 424, "Failed Dependency" }, { 425, "Too Early" },
		{ 426, "Upgrade Required" }, { 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" }, { 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
		{ 506, "Variant Also Negotiates" }, { 507, "Insufficient Storage" }, { 508, "Loop Detected" },
		{ 510, "Not Extended" }, { 511, "Network Authentication Required" },
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].code == code)
			return texts[i].text;
	return "";
}
