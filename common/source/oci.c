/* common/source/oci.c - the OCI distribution client of oci.h: requests with Basic or Bearer
 * auth, manifests, blobs, tag lists and pushes. The parsers are in oci_parse.c. */
#include "source/oci.h"

#include "kube/secret.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 60000L
#define URL_MAX            4096u
#define TAG_PAGES_MAX      1000
#define TAGS_PAGE_SIZE     1000
#define ERROR_TEXT_MAX     300

struct cf_oci {
	cf_http *http;
	char *registry, *base;      /* "host:port", "https://host:port" */
	char *username, *password;  /* wiped on free */
	json_t *tokens;             /* scope -> bearer token (wiped on free) */
	int basic;                  /* the registry asked for Basic: send it from now on */
};

/* One request as the client sends it: a path under base (or a URL on it), and its scope. */
typedef struct oreq {
	const char *method;
	const char *url;            /* absolute: base + "/v2/..." */
	const char *repository;     /* for the scope and the messages */
	int push;                   /* scope pull,push */
	const char *accept, *content_type;
	const void *body;
	size_t body_len;
	size_t max_body;
	cf_http_sink sink;
	void *sink_payload;
} oreq;

static void free_secret_str(char *s)
{
	if (s)
		cf_free_secret(s, strlen(s) + 1);
}

int cf_oci_new(cf_oci **out, const cf_oci_options *o)
{
	cf_http_options ho = CF_HTTP_OPTIONS_INIT;
	cf_buf base = CF_BUF_INIT(1024);
	cf_oci *c;
	int rc;

	*out = NULL;
	if (o == NULL || o->registry == NULL || *o->registry == '\0')
		return cf_err_set(CF_EINVAL, "OCI client: no registry");
	if ((c = cf_calloc(1, sizeof(*c))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	ho.user_agent = o->user_agent;
	ho.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	ho.tls = o->tls;
	rc = cf_http_new(&c->http, &ho);
	if (rc == 0) rc = cf_buf_printf(&base, "%s://%s", o->insecure ? "http" : "https", o->registry);
	if (rc == 0) {
		c->base = cf_buf_detach(&base, NULL);
		c->registry = cf_strdup(o->registry);
		c->username = o->username ? cf_strdup(o->username) : NULL;
		c->password = o->password ? cf_strdup(o->password) : NULL;
		c->tokens = json_object();
		if (!c->base || !c->registry || !c->tokens || (o->username && !c->username) ||
		    (o->password && !c->password))
			rc = cf_err_set(CF_ENOMEM, "out of memory");
	}
	cf_buf_free(&base);
	if (rc < 0) {
		cf_oci_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void cf_oci_free(cf_oci *c)
{
	if (c == NULL)
		return;
	cf_http_free(c->http);
	cf_free(c->registry);
	cf_free(c->base);
	free_secret_str(c->username);
	free_secret_str(c->password);
	cf_kube_secret_free(c->tokens);
	cf_free(c);
}

/* ---- errors ---- */

/* The first error of a registry's JSON reply ("MANIFEST_UNKNOWN: manifest unknown"), or the
 * start of the body. */
static void registry_error(char *out, size_t size, const cf_http_response *r)
{
	json_t *doc = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	const json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	size_t n;

	if (code || msg) {
		snprintf(out, size, "%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	} else {
		n = r->body.len < size - 1 ? r->body.len : size - 1;
		n = cf_utf8_cut(r->body.data ? r->body.data : "", n);
		memcpy(out, r->body.data ? r->body.data : "", n);
		out[n] = '\0';
		for (char *p = out; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	json_decref(doc);
}

/* Maps a reply that is not the expected one to a code and message naming what was asked. */
static int reply_error(const cf_oci *c, const cf_http_response *r, const char *what)
{
	char text[ERROR_TEXT_MAX];
	int code = r->code == 404 ? CF_ENOTFOUND : (r->code == 401 || r->code == 403) ? CF_EAUTH : CF_EIO;

	registry_error(text, sizeof(text), r);
	return cf_err_set(code, "registry '%s': %s: HTTP %ld%s%s", c->registry, what, r->code, text[0] ? ": " : "", text);
}

/* ---- auth ---- */

static int token_fetch(cf_oci *c, const cf_oci_challenge *ch, const char *scope, const char *key)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response resp;
	cf_buf url = CF_BUF_INIT(URL_MAX);
	char *svc = cf_http_escape(ch->service), *sc = cf_http_escape(ch->scope[0] ? ch->scope : scope);
	json_t *doc = NULL;
	const char *tok;
	int rc;

	memset(&resp, 0, sizeof(resp));
	if (svc == NULL || sc == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if (strncmp(ch->realm, "https://", 8) != 0 && strncmp(ch->realm, "http://", 7) != 0) {
		rc = cf_err_set(CF_EAUTH, "registry '%s': token realm '%.200s' is not an http(s) URL", c->registry, ch->realm);
		goto out;
	}
	/* the credentials go to the realm: never in the clear when the registry itself is https */
	if (strncmp(ch->realm, "http://", 7) == 0 && strncmp(c->base, "https://", 8) == 0) {
		rc = cf_err_set(CF_EAUTH, "registry '%s': token realm '%.200s' is plain http; the credentials are not sent there",
				c->registry, ch->realm);
		goto out;
	}
	rc = cf_buf_printf(&url, "%s%sscope=%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?", sc,
			   ch->service[0] ? "&service=" : "", ch->service[0] ? svc : "");
	if (rc < 0)
		goto out;
	req.url = url.data;
	req.max_body = CF_OCI_TOKEN_MAX;
	req.secret = 1;   /* the reply is the token */
	req.username = c->username;
	req.password = c->password;
	if ((rc = cf_http_do(c->http, &req, &resp)) < 0)
		goto out;
	if (resp.code != 200) {
		rc = reply_error(c, &resp, "token request");
		if (rc == CF_EIO && (resp.code == 401 || resp.code == 403))
			rc = CF_EAUTH;
		goto out;
	}
	doc = json_loadb(cf_http_body(&resp), resp.body.len, 0, NULL);
	tok = json_string_value(json_object_get(doc, "token"));
	if (tok == NULL || *tok == '\0')
		tok = json_string_value(json_object_get(doc, "access_token"));
	if (tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n")) {
		rc = cf_err_set(CF_EAUTH, "registry '%s': the token service gave no token", c->registry);
		goto out;
	}
	rc = json_object_set_new(c->tokens, key, json_string(tok)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
out:
	cf_kube_secret_free(doc);
	if (resp.body.data)
		cf_wipe(resp.body.data, resp.body.len);
	cf_http_response_free(&resp);
	cf_free(svc);
	cf_free(sc);
	cf_buf_free(&url);
	return rc;
}

/* A 401: learns what the registry wants (Basic, or a Bearer token for scope). Returns 0 when
 * the request is worth sending again, CF_EAUTH when not. */
static int answer_challenge(cf_oci *c, const cf_http_response *resp, const char *scope, int tried)
{
	cf_oci_challenge ch;
	const char *h = cf_http_header(resp, "www-authenticate");

	if (tried)
		return cf_err_set(CF_EAUTH, "registry '%s': authentication failed (credentials refused)", c->registry);
	if (h == NULL || cf_oci_challenge_parse(&ch, h) < 0)
		return cf_err_set(CF_EAUTH, "registry '%s': HTTP 401 without a usable WWW-Authenticate challenge", c->registry);
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		if (c->username == NULL)
			return cf_err_set(CF_EAUTH, "registry '%s': authentication required, and no credentials given",
					  c->registry);
		c->basic = 1;
		return 0;
	}
	if (strcasecmp(ch.scheme, "Bearer") == 0)
		return token_fetch(c, &ch, scope, scope);
	return cf_err_set(CF_EAUTH, "registry '%s': unsupported auth scheme '%s'", c->registry, ch.scheme);
}

static int send_once(cf_oci *c, const oreq *q, const char *scope, cf_http_response *resp)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	const char *token = json_string_value(json_object_get(c->tokens, scope));
	const char *headers[4];
	cf_buf accept = CF_BUF_INIT(1024), ctype = CF_BUF_INIT(512), auth = CF_BUF_INIT_SECRET(CF_OCI_TOKEN_MAX + 64);
	size_t n = 0;
	int rc = 0;

	if (q->accept && (rc = cf_buf_printf(&accept, "Accept: %s", q->accept)) == 0)
		headers[n++] = accept.data;
	if (rc == 0 && q->content_type && (rc = cf_buf_printf(&ctype, "Content-Type: %s", q->content_type)) == 0)
		headers[n++] = ctype.data;
	if (rc == 0 && token && (rc = cf_buf_printf(&auth, "Authorization: Bearer %s", token)) == 0)
		headers[n++] = auth.data;
	headers[n] = NULL;
	if (rc < 0) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	req.method = q->method;
	req.url = q->url;
	req.headers = headers;
	req.body = q->body;
	req.body_len = q->body_len;
	req.max_body = q->max_body;
	req.sink = q->sink;
	req.sink_payload = q->sink_payload;
	req.idempotent = q->sink ? 0 : -1;   /* a half-streamed blob is not sent again */
	req.follow_redirects = 1;
	if (token == NULL && c->basic) {
		req.username = c->username;
		req.password = c->password;
	}
	rc = cf_http_do(c->http, &req, resp);
out:
	cf_buf_free(&accept);
	cf_buf_free(&ctype);
	if (auth.data)
		cf_wipe(auth.data, auth.len);
	cf_buf_free(&auth);
	return rc;
}

/* Sends q, answering one auth challenge. 0 with *resp holding the reply (any status but a
 * 401), or a negative code (resp freed). */
static int oci_send(cf_oci *c, const oreq *q, cf_http_response *resp)
{
	char scope[700];
	int rc;

	memset(resp, 0, sizeof(*resp));
	snprintf(scope, sizeof(scope), "repository:%.600s:%s", q->repository, q->push ? "pull,push" : "pull");
	for (int tried = 0;; tried++) {
		if ((rc = send_once(c, q, scope, resp)) < 0)
			break;
		if (resp->code != 401)
			return 0;
		rc = answer_challenge(c, resp, scope, tried);
		cf_http_response_free(resp);
		if (rc < 0)
			break;
	}
	cf_http_response_free(resp);
	return rc;
}

/* ---- manifests ---- */

static int v2_url(cf_buf *b, const cf_oci *c, const char *repository, const char *what, const char *ref)
{
	cf_buf_reset(b);
	return cf_buf_printf(b, "%s/v2/%s/%s%s%s", c->base, repository, what, ref ? "/" : "", ref ? ref : "") < 0
	       ? cf_err_set(CF_ETOOBIG, "registry '%s': URL too long", c->registry) : 0;
}

static int check_reference(const cf_oci *c, const char *repository, const char *reference)
{
	if (repository == NULL || reference == NULL || (!cf_oci_tag_valid(reference) && !cf_oci_digest_valid(reference)))
		return cf_err_set(CF_EINVAL, "registry '%s': '%.100s' is neither a tag nor a sha256 digest", c->registry,
				  reference ? reference : "");
	return 0;
}

#define ACCEPT_MANIFESTS CF_OCI_MT_MANIFEST ", " CF_OCI_MT_INDEX ", " CF_OCI_MT_DOCKER ", " CF_OCI_MT_DOCKER_LIST

/* One manifest request (GET or HEAD) for repository at reference, with the Accept of every
 * manifest type read here. resp is initialised either way. */
static int manifest_request(cf_oci *c, cf_http_response *resp, const char *method, const char *repository,
			    const char *reference)
{
	cf_buf url = CF_BUF_INIT(URL_MAX);
	oreq q = { .method = method, .repository = repository, .accept = ACCEPT_MANIFESTS, .max_body = CF_OCI_MANIFEST_MAX };
	int rc;

	memset(resp, 0, sizeof(*resp));
	if ((rc = check_reference(c, repository, reference)) == 0 &&
	    (rc = v2_url(&url, c, repository, "manifests", reference)) == 0) {
		q.url = url.data;
		rc = oci_send(c, &q, resp);
	}
	cf_buf_free(&url);
	return rc;
}

int cf_oci_manifest_get(cf_oci *c, cf_oci_manifest *out, const char *repository, const char *reference)
{
	cf_http_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = manifest_request(c, &resp, NULL, repository, reference)) < 0)
		goto fail;
	if (resp.code != 200) {
		rc = reply_error(c, &resp, "GET manifest");
		goto fail;
	}
	if ((rc = cf_oci_manifest_parse(out, cf_http_body(&resp), resp.body.len, cf_http_header(&resp, "content-type"))) < 0)
		goto fail;
	if (cf_oci_digest_valid(reference) && strcmp(out->digest, reference) != 0) {
		rc = cf_err_set(CF_EINVAL, "digest mismatch: the registry served %s", out->digest);
		cf_oci_manifest_free(out);
		goto fail;
	}
	goto out;
fail:
	cf_err_prefix("'%s/%s%s%s'", c->registry, repository, cf_oci_digest_valid(reference) ? "@" : ":", reference);
out:
	cf_http_response_free(&resp);
	return rc;
}

int cf_oci_manifest_digest(cf_oci *c, char digest[72], const char *repository, const char *reference)
{
	cf_http_response resp;
	cf_oci_manifest m;
	const char *d;
	int rc;

	digest[0] = '\0';
	if ((rc = manifest_request(c, &resp, "HEAD", repository, reference)) < 0)
		goto out;
	d = cf_http_header(&resp, "docker-content-digest");
	if (resp.code == 200 && cf_oci_digest_valid(d)) {
		snprintf(digest, 72, "%s", d);
		goto out;
	}
	if (resp.code != 200 && resp.code != 405) {
		rc = reply_error(c, &resp, "HEAD manifest");
		cf_err_prefix("'%s/%s:%s'", c->registry, repository, reference);
		goto out;
	}
	/* the registry did not say: the digest of the bytes */
	if ((rc = cf_oci_manifest_get(c, &m, repository, reference)) == 0) {
		snprintf(digest, 72, "%s", m.digest);
		cf_oci_manifest_free(&m);
	}
out:
	cf_http_response_free(&resp);
	return rc;
}

/* ---- blobs ---- */

typedef struct blob_sink {
	int fd;
	cf_buf *mem;
	cf_sha256 sha;
	size_t got, max;
} blob_sink;

static int on_blob(const void *data, size_t len, void *payload)
{
	blob_sink *s = payload;
	const char *p = data;

	if (len > s->max - s->got)
		return CF_ETOOBIG;
	s->got += len;
	cf_sha256_update(&s->sha, data, len);
	if (s->mem)
		return cf_buf_append(s->mem, data, len);
	while (len) {
		ssize_t w = write(s->fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return CF_EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int blob_stream(cf_oci *c, blob_sink *s, const char *repository, const char *digest, long long expect_size)
{
	cf_buf url = CF_BUF_INIT(URL_MAX);
	cf_http_response resp;
	oreq q = { .repository = repository, .sink = on_blob, .sink_payload = s };
	unsigned char hash[32];
	char got[72];
	int rc;

	memset(&resp, 0, sizeof(resp));
	cf_sha256_init(&s->sha);
	if (!cf_oci_digest_valid(digest)) {
		rc = cf_err_set(CF_EINVAL, "'%.100s' is not a sha256 digest", digest ? digest : "");
		goto fail;
	}
	if (expect_size >= 0 && (unsigned long long)expect_size > s->max) {
		rc = cf_err_set(CF_ETOOBIG, "blob of %lld bytes, more than the limit of %zu", expect_size, s->max);
		goto fail;
	}
	if ((rc = v2_url(&url, c, repository, "blobs", digest)) < 0)
		goto fail;
	q.url = url.data;
	rc = oci_send(c, &q, &resp);
	if (rc == CF_ETOOBIG)
		rc = cf_err_set(CF_ETOOBIG, "blob larger than the limit of %zu bytes", s->max);
	else if (rc == CF_EIO && s->fd >= 0 && resp.code == 0)
		rc = cf_err_prefix("writing the blob");
	if (rc < 0)
		goto fail;
	if (resp.code != 200) {
		rc = reply_error(c, &resp, "GET blob");
		goto fail;
	}
	cf_sha256_final(&s->sha, hash);
	cf_sha256_digest_string(got, hash);
	if (strcmp(got, digest) != 0) {
		rc = cf_err_set(CF_EINVAL, "digest mismatch: the blob's content is %s", got);
		goto fail;
	}
	if (expect_size >= 0 && (unsigned long long)expect_size != s->got) {
		rc = cf_err_set(CF_EINVAL, "size mismatch: %zu bytes, the manifest says %lld", s->got, expect_size);
		goto fail;
	}
	goto out;
fail:
	cf_err_prefix("'%s/%s@%s'", c->registry, repository, digest ? digest : "");
out:
	cf_http_response_free(&resp);
	cf_buf_free(&url);
	return rc;
}

int cf_oci_blob_fetch(cf_oci *c, const char *repository, const char *digest, long long expect_size,
		      size_t max_bytes, const char *path)
{
	blob_sink s = { .fd = -1, .max = max_bytes };
	cf_buf tmp = CF_BUF_INIT(URL_MAX);
	int rc;

	if ((rc = cf_buf_printf(&tmp, "%s.tmp-XXXXXX", path)) < 0)
		return cf_err_set(rc, "path too long: %.200s", path);
	if ((s.fd = mkstemp(tmp.data)) < 0) {
		rc = cf_err_set(CF_EIO, "cannot create %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	rc = blob_stream(c, &s, repository, digest, expect_size);
	if (rc == 0 && fsync(s.fd) < 0)
		rc = cf_err_set(CF_EIO, "cannot write %s: %s", tmp.data, strerror(errno));
	if (close(s.fd) < 0 && rc == 0)   /* closed on every path */
		rc = cf_err_set(CF_EIO, "cannot write %s: %s", tmp.data, strerror(errno));
	s.fd = -1;
	if (rc == 0 && rename(tmp.data, path) < 0)
		rc = cf_err_set(CF_EIO, "cannot rename to %s: %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp.data);
out:
	cf_buf_free(&tmp);
	return rc;
}

int cf_oci_blob_get(cf_oci *c, void **out, size_t *len, const char *repository, const char *digest,
		    size_t max_bytes)
{
	cf_buf mem = CF_BUF_INIT(max_bytes);
	blob_sink s = { .fd = -1, .mem = &mem, .max = max_bytes };
	int rc;

	*out = NULL;
	*len = 0;
	rc = blob_stream(c, &s, repository, digest, -1);
	if (rc == 0 && (*out = cf_buf_detach(&mem, len)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	cf_buf_free(&mem);
	return rc;
}

/* ---- tags ---- */

static int tags_page(cf_oci *c, json_t *tags, const char *repository, const char *url, char **next)
{
	cf_http_response resp;
	oreq q = { .url = url, .repository = repository, .max_body = CF_OCI_TAGS_PAGE_MAX };
	json_t *doc = NULL, *v;
	size_t i;
	int rc;

	*next = NULL;
	if ((rc = oci_send(c, &q, &resp)) < 0)
		return cf_err_prefix("'%s/%s': tag list", c->registry, repository);
	if (resp.code != 200) {
		rc = reply_error(c, &resp, "GET tag list");
		cf_err_prefix("'%s/%s'", c->registry, repository);
		goto out;
	}
	doc = json_loadb(cf_http_body(&resp), resp.body.len, 0, NULL);
	v = json_object_get(doc, "tags");
	if (!json_is_object(doc) || !(json_is_array(v) || json_is_null(v) || v == NULL)) {
		rc = cf_err_set(CF_EINVAL, "registry '%s': '%s' tag list is not {\"tags\": [...]}", c->registry, repository);
		goto out;
	}
	for (i = 0; i < json_array_size(json_object_get(doc, "tags")); i++) {
		const json_t *t = json_array_get(json_object_get(doc, "tags"), i);
		if (!json_is_string(t))
			continue;
		if (json_array_size(tags) >= CF_OCI_TAGS_MAX) {
			rc = cf_err_set(CF_ETOOBIG, "registry '%s': '%s' has more than %u tags", c->registry, repository,
					CF_OCI_TAGS_MAX);
			goto out;
		}
		if (json_array_append(tags, (json_t *)t) < 0) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			goto out;
		}
	}
	rc = cf_oci_link_next(next, cf_http_header(&resp, "link"), c->base);
out:
	json_decref(doc);
	cf_http_response_free(&resp);
	return rc;
}

int cf_oci_tags_list(cf_oci *c, json_t **tags, const char *repository)
{
	return cf_oci_tags_list_paged(c, tags, repository, TAGS_PAGE_SIZE);
}

int cf_oci_tags_list_paged(cf_oci *c, json_t **tags, const char *repository, int page_size)
{
	cf_buf url = CF_BUF_INIT(URL_MAX);
	char *next = NULL, *page;
	json_t *all = json_array();
	int rc, pages = 0;

	*tags = NULL;
	if (all == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_buf_printf(&url, "%s/v2/%s/tags/list?n=%d", c->base, repository, page_size > 0 ? page_size : TAGS_PAGE_SIZE);
	if (rc < 0) {
		rc = cf_err_set(rc, "registry '%s': URL too long", c->registry);
		goto out;
	}
	for (page = url.data; page; page = next, pages++) {
		if (pages >= TAG_PAGES_MAX) {
			rc = cf_err_set(CF_ETOOBIG, "registry '%s': '%s' tag list has more than %d pages", c->registry,
					repository, TAG_PAGES_MAX);
			break;
		}
		rc = tags_page(c, all, repository, page, &next);
		if (page != url.data)
			cf_free(page);
		if (rc < 0)
			break;
	}
out:
	cf_free(next);
	cf_buf_free(&url);
	if (rc < 0)
		json_decref(all);
	else
		*tags = all;
	return rc;
}

/* ---- pushes ---- */

/* The upload URL of a 202 Location (relative or on base), with the digest query. */
static int upload_url(cf_buf *b, const cf_oci *c, const char *location, const char *digest)
{
	int abs = strncmp(location, "http://", 7) == 0 || strncmp(location, "https://", 8) == 0;

	cf_buf_reset(b);
	if (abs && (strncmp(location, c->base, strlen(c->base)) != 0 || location[strlen(c->base)] != '/'))
		return cf_err_set(CF_EIO, "registry '%s': upload location on another host", c->registry);
	if (cf_buf_printf(b, "%s%s%sdigest=%s", abs ? "" : c->base, location, strchr(location, '?') ? "&" : "?", digest) < 0)
		return cf_err_set(CF_ETOOBIG, "registry '%s': upload URL too long", c->registry);
	return 0;
}

int cf_oci_blob_push(cf_oci *c, const char *repository, const void *data, size_t len, char digest[72])
{
	cf_buf url = CF_BUF_INIT(URL_MAX);
	cf_http_response resp;
	oreq q = { .method = "POST", .repository = repository, .push = 1 };
	const char *loc;
	int rc;

	memset(&resp, 0, sizeof(resp));
	cf_sha256_of(digest, data, len);
	if ((rc = v2_url(&url, c, repository, "blobs/uploads/", NULL)) < 0)
		goto out;
	q.url = url.data;
	if ((rc = oci_send(c, &q, &resp)) < 0)
		goto out;
	loc = cf_http_header(&resp, "location");
	if (resp.code != 202 || loc == NULL) {
		rc = reply_error(c, &resp, "POST blob upload");
		goto out;
	}
	if ((rc = upload_url(&url, c, loc, digest)) < 0)
		goto out;
	cf_http_response_free(&resp);
	q = (oreq){ .method = "PUT", .url = url.data, .repository = repository, .push = 1,
		    .content_type = "application/octet-stream", .body = data, .body_len = len };
	if ((rc = oci_send(c, &q, &resp)) < 0)
		goto out;
	if (resp.code != 201)
		rc = reply_error(c, &resp, "PUT blob");
out:
	if (rc < 0)
		cf_err_prefix("'%s/%s'", c->registry, repository);
	cf_http_response_free(&resp);
	cf_buf_free(&url);
	return rc;
}

int cf_oci_manifest_push(cf_oci *c, const char *repository, const char *reference, const char *media_type,
			 const void *data, size_t len, char digest[72])
{
	cf_buf url = CF_BUF_INIT(URL_MAX);
	cf_http_response resp;
	oreq q = { .method = "PUT", .repository = repository, .push = 1, .content_type = media_type,
		   .body = data, .body_len = len };
	int rc;

	memset(&resp, 0, sizeof(resp));
	cf_sha256_of(digest, data, len);
	if ((rc = check_reference(c, repository, reference)) < 0 ||
	    (rc = v2_url(&url, c, repository, "manifests", reference)) < 0)
		goto out;
	q.url = url.data;
	if ((rc = oci_send(c, &q, &resp)) == 0 && resp.code != 201)
		rc = reply_error(c, &resp, "PUT manifest");
	if (rc < 0)
		cf_err_prefix("'%s/%s:%s'", c->registry, repository, reference);
out:
	cf_http_response_free(&resp);
	cf_buf_free(&url);
	return rc;
}
