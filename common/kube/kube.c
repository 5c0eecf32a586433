/* common/kube/kube.c - Kubernetes API client: requests, retries, discovery, verbs, events. */
#include "kube/kube.h"

#include "http/http.h"
#include "kube/kube_internal.h"
#include "kube/kubeconfig.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"

#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (256u * 1024u * 1024u)   /* one API reply; large lists are paged */

/* The HTTP handle for the API server that c names: its CA, client certificate, TLS check,
 * HTTP/2, and the proxy from the environment (as client-go reads it). */
static int kube_http_new(cf_http **out, const cf_kube *k, const cf_kube_opts *opts, long timeout_ms, int retries)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	const kc_t *c = k->cfg;

	o.user_agent = opts->user_agent ? opts->user_agent : "cflux";
	o.timeout_ms = timeout_ms;
	o.max_retries = retries;
	o.http2 = 1;
	o.proxy_from_env = 1;
	o.tls.ca = c->ca_data;
	o.tls.ca_len = c->ca_len;
	o.tls.ca_file = c->ca_file;
	o.tls.cert = c->cert_data;
	o.tls.cert_len = c->cert_len;
	o.tls.cert_file = c->cert_file;
	o.tls.key = c->key_data;
	o.tls.key_len = c->key_len;
	o.tls.key_file = c->key_file;
	o.tls.insecure = c->insecure;
	o.tls.ca_only = 1;
	o.connect_to = k->connect_to;
	o.no_compression = k->no_compression;
	return cf_http_new(out, &o);
}

/* A kubeconfig's tls-server-name: the requests name that host (so the certificate is checked
 * for it, and it is the SNI) and connect to the server's (CURLOPT_CONNECT_TO). NO_PROXY is then
 * matched against that name, where client-go matches the server's host. */
static int kube_tls_server_name(cf_kube *k)
{
	kc_t *c = k->cfg;
	const char *hp = strstr(c->server, "://"), *end, *colon;
	char port[8], host[256];
	cf_buf url = CF_BUF_INIT(4096), to = CF_BUF_INIT(1024);
	int https;

	if (c->tls_server_name == NULL || hp == NULL)
		return 0;
	https = strncmp(c->server, "https", 5) == 0;
	hp += 3;
	end = hp + strcspn(hp, "/");
	colon = hp[0] == '[' ? strchr(hp, ']') : hp;
	colon = colon && colon < end ? memchr(colon, ':', (size_t)(end - colon)) : NULL;
	if ((colon && end - colon - 1 >= (long)sizeof(port)) || (colon ? colon : end) - hp >= (long)sizeof(host))
		return cf_err_set(CF_EINVAL, "server %s: host or port too long for tls-server-name", c->server);
	snprintf(port, sizeof(port), "%.*s", colon ? (int)(end - colon - 1) : 5, colon ? colon + 1 : https ? "443" : "80");
	snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : end) - hp), hp);
	if (cf_buf_printf(&url, "%s://%s:%s%s", https ? "https" : "http", c->tls_server_name, port, end) < 0 ||
	    cf_buf_printf(&to, "%s:%s:%s:%s", c->tls_server_name, port, host, port) < 0) {
		cf_buf_free(&url);
		cf_buf_free(&to);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	cf_free(c->server);
	c->server = cf_buf_detach(&url, NULL);
	k->connect_to = cf_buf_detach(&to, NULL);
	return c->server && k->connect_to ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

/* kubectl's --as-uid and --as-user-extra, as Impersonate-Uid and Impersonate-Extra-KEY */
static int kube_impersonate_more(cf_kube *k, const cf_kube_opts *o)
{
	json_t *more = json_array();
	int rc = more ? 0 : CF_ENOMEM;

	if (o->as == NULL && (o->as_uid || (o->as_groups && o->as_groups[0]) || (o->as_extra && o->as_extra[0]))) {
		json_decref(more);
		return cf_err_set(CF_EINVAL, "requesting uid, groups or user-extra for %s without impersonating a user",
				  o->as_uid ? o->as_uid : "");
	}
	if (rc == 0 && o->as_uid)
		rc = json_array_append_new(more, json_pack("[ss]", "Impersonate-Uid", o->as_uid));
	for (size_t i = 0; rc == 0 && o->as_extra && o->as_extra[i]; i++) {
		const char *eq = strchr(o->as_extra[i], '=');
		cf_buf name = CF_BUF_INIT(8192);

		if (eq == NULL || eq == o->as_extra[i]) {
			json_decref(more);
			return cf_err_set(CF_EINVAL, "--as-user-extra \"%s\": want key=value", o->as_extra[i]);
		}
		/* the key percent-escaped where it is no header token character, as client-go's
		 * headerKeyEscape ("authentication.kubernetes.io/credential-id") */
		rc = cf_buf_printf(&name, "Impersonate-Extra-");
		for (const char *c = o->as_extra[i]; rc == 0 && c < eq; c++)
			rc = isalnum((unsigned char)*c) || strchr("!#$&'*+-.^_`|~", *c) ? cf_buf_printf(&name, "%c", *c)
											: cf_buf_printf(&name, "%%%02X", (unsigned char)*c);
		if (rc == 0)
			rc = json_array_append_new(more, json_pack("[ss]", name.data, eq + 1));
		cf_buf_free(&name);
	}
	if (rc < 0) {
		json_decref(more);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	k->imp_more = more;
	return o->as ? cf_kube_impersonate(k, o->as, o->as_groups) : 0;
}

/* A client for cfg (taken, freed on failure too), or one loaded as opts say when cfg is NULL. */
static int kube_new(cf_kube **out, const cf_kube_opts *opts, cf_kubeconfig *cfg)
{
	cf_kube_opts defaults = CF_KUBE_OPTS_INIT;
	cf_kube *k;
	int rc = 0;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->version != CF_KUBE_OPTS_VERSION) {
		cf_kubeconfig_free(cfg);
		return cf_err_set(CF_EINVAL, "cf_kube_opts version %u is not %u", opts->version, CF_KUBE_OPTS_VERSION);
	}
	k = cf_calloc(1, sizeof(*k));
	if (k == NULL) {
		cf_kubeconfig_free(cfg);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	k->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	k->list_page_size = opts->list_page_size > 0 ? opts->list_page_size : 500;
	k->rand_state = (unsigned)time(NULL) ^ (unsigned)getpid();
	k->max_retries = opts->max_retries >= 0 ? opts->max_retries : 5;
	if (opts->user_agent && (k->user_agent = cf_strdup(opts->user_agent)) == NULL) {
		cf_kubeconfig_free(cfg);
		cf_free(k);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (cfg)
		k->cfg = cfg;
	else
		rc = opts->in_cluster ? cf_kubeconfig_in_cluster(&k->cfg, opts->sa_dir)
				      : cf_kubeconfig_load_over(&k->cfg, opts->kubeconfig, opts->context, opts->overrides);
	k->no_compression = opts->no_compression;
	if (rc < 0 || (rc = kube_tls_server_name(k)) < 0 || (rc = kube_impersonate_more(k, opts)) < 0 ||
	    (rc = kube_http_new(&k->http, k, opts, k->timeout_ms, opts->max_retries >= 0 ? opts->max_retries : 5)) < 0)
		goto fail;
	k->discovery = json_object();
	if (k->discovery == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto fail;
	}
	*out = k;
	return 0;
fail:
	cf_kube_free(k);
	return rc;
}

int cf_kube_new(cf_kube **out, const cf_kube_opts *opts)
{
	return kube_new(out, opts, NULL);
}

int cf_kube_new_config(cf_kube **out, cf_kubeconfig *cfg, const char *user_agent)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;

	o.user_agent = user_agent;
	return kube_new(out, &o, cfg);
}

int cf_kube_new_for(cf_kube **out, const char *kubeconfig, const char *context, const char *user_agent)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;

	o.kubeconfig = kubeconfig;
	o.context = context;
	o.user_agent = user_agent;
	return cf_kube_new(out, &o);
}

void cf_kube_free(cf_kube *k)
{
	if (k == NULL)
		return;
	for (int i = 0; i < CF_KUBE_HELPERS_MAX; i++)
		cf_kube_free(k->helpers[i]);
	cf_http_free(k->http);
	if (!k->cfg_borrowed)
		cf_kubeconfig_free(k->cfg);
	json_decref(k->discovery);
	json_decref(k->imp_groups);
	json_decref(k->imp_more);
	cf_free(k->imp_user);
	cf_free(k->connect_to);
	cf_free(k->user_agent);
	cf_free(k);
}

/* A handle like k, on k's configuration (borrowed). */
static int kube_helper_new(cf_kube *k, cf_kube **out)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *h = cf_calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (h == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	o.user_agent = k->user_agent;
	h->cfg = k->cfg;
	h->cfg_borrowed = 1;
	h->timeout_ms = k->timeout_ms;
	h->list_page_size = k->list_page_size;
	h->max_retries = k->max_retries;
	h->rand_state = k->rand_state ^ (unsigned)(uintptr_t)h;
	h->discovery = json_object();
	h->imp_more = json_incref(k->imp_more);
	h->no_compression = k->no_compression;
	if (h->discovery == NULL || (k->connect_to && (h->connect_to = cf_strdup(k->connect_to)) == NULL)) {
		cf_kube_free(h);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if ((rc = kube_http_new(&h->http, h, &o, h->timeout_ms, h->max_retries)) < 0) {
		cf_kube_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int cf_kube_helper(cf_kube *k, int i, cf_kube **out)
{
	const char *groups[64];
	size_t n = 0, j;
	json_t *g;
	int rc;

	*out = NULL;
	if (i < 0 || i >= CF_KUBE_HELPERS_MAX)
		return cf_err_set(CF_EINVAL, "kube helper %d out of range", i);
	if (k->helpers[i] == NULL && (rc = kube_helper_new(k, &k->helpers[i])) < 0)
		return rc;
	json_array_foreach(k->imp_groups, j, g)
		if (n < sizeof(groups) / sizeof(groups[0]) - 1)
			groups[n++] = json_string_value(g);
	groups[n] = NULL;
	if ((rc = cf_kube_impersonate(k->helpers[i], k->imp_user, groups)) < 0)
		return rc;
	*out = k->helpers[i];
	return 0;
}

const char *cf_kube_namespace(const cf_kube *k)
{
	return k->cfg->namespace;
}

const char *cf_kube_server(const cf_kube *k)
{
	return k->cfg->server;
}

long cf_kube_last_code(const cf_kube *k)
{
	return k->last_code;
}

void cf_kube_last_conn(const cf_kube *k, long *new_connections, long *http_version)
{
	*new_connections = k->last_new_conns;
	*http_version = k->last_http_version;
}

const char *cf_kube_last_reason(const cf_kube *k)
{
	return k->last_reason;
}

const char *cf_kube_watch_resource_version(const cf_kube *k)
{
	return k->watch_rv;
}

int cf_kube_impersonate(cf_kube *k, const char *user, const char *const *groups)
{
	char *u = NULL;
	json_t *g = NULL;

	if (user != NULL) {
		u = cf_strdup(user);
		g = json_array();
		if (u == NULL || g == NULL)
			goto oom;
		for (size_t i = 0; groups && groups[i]; i++)
			if (json_array_append_new(g, json_string(groups[i])) < 0)
				goto oom;
	}
	cf_free(k->imp_user);
	json_decref(k->imp_groups);
	k->imp_user = u;
	k->imp_groups = g;
	return 0;
oom:
	cf_free(u);
	json_decref(g);
	return cf_err_set(CF_ENOMEM, "out of memory");
}

/* ---- one HTTP exchange ---- */

static int read_token_file(char **out, const char *path)
{
	cf_buf b = CF_BUF_INIT_SECRET(64u * 1024u);
	int rc = cf_buf_read_file(&b, path);

	*out = NULL;
	if (rc < 0) {
		cf_buf_free(&b);
		return cf_err_prefix("tokenFile");
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' || b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	*out = cf_buf_detach(&b, NULL);
	return *out ? 0 : CF_ENOMEM;
}

static int add_bearer(cf_kube *k, cf_http_headers *list)
{
	const kc_t *c = k->cfg;
	cf_buf b = CF_BUF_INIT_SECRET(64u * 1024u);
	char *token = NULL;
	int rc = 0;

	if (c->token_file)
		rc = read_token_file(&token, c->token_file);
	if (rc == 0 && (token || c->token)) {
		rc = cf_buf_printf(&b, "Bearer %s", token ? token : c->token);
		if (rc == 0)
			rc = cf_http_headers_add(list, "Authorization", b.data);
	}
	cf_buf_free(&b);
	if (token)
		cf_free_secret(token, strlen(token));
	return rc;
}

int kube_build_headers(cf_kube *k, cf_http_headers *list, const char *content_type)
{
	int rc;
	json_t *g;
	size_t i;

	*list = (cf_http_headers)CF_HTTP_HEADERS_INIT;
	rc = add_bearer(k, list);
	if (rc == 0)
		rc = cf_http_headers_add(list, "Accept", "application/json");
	if (rc == 0 && content_type)
		rc = cf_http_headers_add(list, "Content-Type", content_type);
	if (rc == 0 && k->imp_user) {
		rc = cf_http_headers_add(list, "Impersonate-User", k->imp_user);
		json_array_foreach(k->imp_groups, i, g)
			if (rc == 0)
				rc = cf_http_headers_add(list, "Impersonate-Group", json_string_value(g));
		json_array_foreach(k->imp_more, i, g)
			if (rc == 0)
				rc = cf_http_headers_add(list, json_string_value(json_array_get(g, 0)),
							 json_string_value(json_array_get(g, 1)));
	}
	if (rc < 0)
		cf_http_headers_free(list);
	return rc;
}

void kube_note_reply(cf_kube *k, const cf_http_response *r)
{
	k->last_code = r->code;
	k->last_new_conns = r->new_connections;
	k->last_http_version = r->http_version;
}

/* A 404 names the missing object in the Status details ("gitrepositories \"x\" not found",
 * also a missing namespace); a path the server does not serve (a CRD version no longer
 * served, an API group gone) names nothing: "404 page not found" or an empty details. */
static int not_found_code(const json_t *st)
{
	const char *name = json_string_value(json_object_get(json_object_get(st, "details"), "name"));

	return name && name[0] ? CF_ENOTFOUND : CF_ENOTSERVED;
}

/* Whether a Status refuses an immutable field (see cf_kube_last_immutable): from its reason and
 * the reasons of its causes; "field is immutable" is the API's constant wording for a
 * FieldValueInvalid of that kind (apimachinery's FieldImmutableErrorMsg), not free text. */
static int immutable_status(const json_t *st)
{
	static const char FIELD_IMMUTABLE[] = "field is immutable";
	const char *reason = json_string_value(json_object_get(st, "reason"));
	const json_t *cause;
	size_t i;

	if (reason == NULL || strcmp(reason, "Invalid") != 0)
		return 0;
	json_array_foreach(json_object_get(json_object_get(st, "details"), "causes"), i, cause) {
		const char *type = json_string_value(json_object_get(cause, "reason"));
		const char *msg = json_string_value(json_object_get(cause, "message"));
		size_t ml = msg ? strlen(msg) : 0, fl = sizeof(FIELD_IMMUTABLE) - 1;
		if (type && strcmp(type, "FieldValueForbidden") == 0)
			return 1;
		if (type && strcmp(type, "FieldValueInvalid") == 0 && ml >= fl && strcmp(msg + ml - fl, FIELD_IMMUTABLE) == 0)
			return 1;
	}
	return 0;
}

int cf_kube_last_immutable(const cf_kube *k)
{
	return k->last_immutable;
}

/* Records the API's Status (message verbatim) and maps the HTTP code to a cf code. */
int kube_status_error(cf_kube *k, long code, const char *body, size_t len, const char *method,
		      const char *path)
{
	json_t *st = json_loadb(body ? body : "", len, 0, NULL);
	const char *msg = json_string_value(json_object_get(st, "message"));
	const char *reason = json_string_value(json_object_get(st, "reason"));
	int rc;

	snprintf(k->last_reason, sizeof(k->last_reason), "%s", reason ? reason : "");
	k->last_immutable = immutable_status(st);
	switch (code) {
	case 404: rc = not_found_code(st); break;
	case 409: rc = CF_ECONFLICT; break;
	case 410: rc = CF_EGONE; break;
	case 400: case 422: rc = CF_EINVAL; break;
	case 401: case 403: rc = CF_EAUTH; break;
	default:  rc = CF_EAPI; break;
	}
	if (rc == CF_ENOTSERVED)
		cf_err_set(rc, "%s %s: the API server does not serve this resource (HTTP 404%s%s)", method, path,
			   msg ? ": " : "", msg ? msg : "");
	else if (msg != NULL)
		cf_err_set(rc, "%s", msg);
	else
		cf_err_set(rc, "%s %s: HTTP %ld: %.*s", method, path, code,
			   (int)(len > 300 ? 300 : len), body ? body : "");
	json_decref(st);
	return rc;
}

int kube_idempotent(const char *method, const char *content_type)
{
	static const char *const same_twice[] = { "GET", "HEAD", "PUT", "DELETE" };

	for (size_t i = 0; i < sizeof(same_twice) / sizeof(same_twice[0]); i++)
		if (strcmp(method, same_twice[i]) == 0)
			return 1;
	/* an apply or a merge patch sets fields to values: twice is once. A JSON patch may add
	 * to a list, and a POST creates another object (an Event twice). */
	return strcmp(method, "PATCH") == 0 && content_type &&
	       (strcmp(content_type, "application/apply-patch+yaml") == 0 ||
		strcmp(content_type, "application/merge-patch+json") == 0);
}

/* One request; the reply's body as JSON into *out, or (text non-NULL) as it came into text. */
static int kube_exchange_any(cf_kube *k, json_t **out, cf_buf *text, const char *method, const char *path,
			     const char *content_type, const char *body, size_t len)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_headers headers = CF_HTTP_HEADERS_INIT;
	cf_http_response r;
	cf_buf url = CF_BUF_INIT(16384);
	int rc;

	if (out)
		*out = NULL;
	memset(&r, 0, sizeof(r));
	k->last_code = 0;
	k->last_reason[0] = '\0';
	k->last_immutable = 0;
	k->stat_requests++;
	if (strcmp(method, "GET") != 0 && strstr(path, "dryRun=All") == NULL)
		k->stat_writes++;
	if ((rc = cf_buf_printf(&url, "%s%s", k->cfg->server, path)) < 0 ||
	    (rc = kube_build_headers(k, &headers, content_type)) < 0)
		goto out;
	req.method = method;
	req.url = url.data;
	req.headers = (const char *const *)headers.lines;
	req.body = body;
	req.body_len = len;
	req.max_body = REPLY_MAX;
	req.secret = 1;   /* a reply may be a Secret, or a list of them: no copy left in freed memory */
	/* a 5xx may come after the server acted: only what is safe twice goes again */
	req.idempotent = kube_idempotent(method, content_type);
	rc = cf_http_do(k->http, &req, &r);
	kube_note_reply(k, &r);
	if (rc < 0)
		goto out;
	if (r.code >= 400 || r.code < 200) {
		rc = kube_status_error(k, r.code, r.body.data, r.body.len, method, path);
		goto out;
	}
	if (text != NULL) {
		rc = cf_buf_append(text, cf_http_body(&r), r.body.len);
	} else if (out != NULL) {
		json_error_t je;
		*out = json_loadb(cf_http_body(&r), r.body.len, 0, &je);
		if (*out == NULL)
			rc = cf_err_set(CF_EINVAL, "%s %s: the API replied with invalid JSON: %s (byte %d)",
					method, path, je.text, je.position);
	}
out:
	cf_http_headers_free(&headers);
	cf_http_response_free(&r);
	cf_buf_free(&url);
	return rc;
}

void cf_kube_stats(const cf_kube *k, long *requests, long *writes)
{
	long r = k->stat_requests, w = k->stat_writes;

	for (int i = 0; i < CF_KUBE_HELPERS_MAX; i++)   /* with what its helpers sent */
		if (k->helpers[i]) {
			r += k->helpers[i]->stat_requests;
			w += k->helpers[i]->stat_writes;
		}
	if (requests)
		*requests = r;
	if (writes)
		*writes = w;
}

static int kube_exchange(cf_kube *k, json_t **out, const char *method, const char *path,
			 const char *content_type, const char *body, size_t len)
{
	return kube_exchange_any(k, out, NULL, method, path, content_type, body, len);
}

int cf_kube_get_text(cf_kube *k, cf_buf *out, const char *path)
{
	return kube_exchange_any(k, NULL, out, "GET", path, NULL, NULL, 0);
}

int cf_kube_request(cf_kube *k, json_t **out, const char *method, const char *path,
		    const char *content_type, const char *body, size_t len)
{
	return kube_exchange(k, out, method, path, content_type, body, len);
}

/* ---- discovery ---- */

static int split_api_version(char *group, size_t gsize, char *version, size_t vsize,
			     const char *api_version)
{
	const char *slash = strchr(api_version, '/');

	if (api_version[0] == '\0' || (slash && (slash == api_version || slash[1] == '\0')))
		return cf_err_set(CF_EINVAL, "apiVersion \"%s\" is not group/version or version", api_version);
	if (slash == NULL) {
		group[0] = '\0';
		snprintf(version, vsize, "%s", api_version);
	} else {
		snprintf(group, gsize, "%.*s", (int)(slash - api_version), api_version);
		snprintf(version, vsize, "%s", slash + 1);
	}
	return 0;
}

static int discover(cf_kube *k, const char *api_version)
{
	cf_buf path = CF_BUF_INIT(1024);
	json_t *list = NULL, *resources, *kept = NULL, *r;
	size_t i;
	int rc;

	rc = cf_buf_printf(&path, strchr(api_version, '/') ? "/apis/%s" : "/api/%s", api_version);
	if (rc == 0)
		rc = kube_exchange(k, &list, "GET", path.data, NULL, NULL, 0);
	if (rc == CF_ENOTSERVED || rc == CF_ENOTFOUND) {
		kept = json_array();   /* an unknown group/version: remember it as empty */
		rc = kept ? 0 : CF_ENOMEM;
	} else if (rc == 0) {
		resources = json_object_get(list, "resources");
		kept = json_array();
		if (kept == NULL)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
		json_array_foreach(resources, i, r) {
			const char *name = json_string_value(json_object_get(r, "name"));
			if (rc < 0 || name == NULL || strchr(name, '/'))
				continue;   /* subresources (pods/log) are not kinds */
			if (json_array_append(kept, r) < 0)
				rc = cf_err_set(CF_ENOMEM, "out of memory");
		}
	}
	if (rc == 0 && json_object_set_new(k->discovery, api_version, kept) < 0)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	else if (rc == 0)
		kept = NULL;
	json_decref(kept);
	json_decref(list);
	cf_buf_free(&path);
	return rc;
}

static int lookup(const cf_kube *k, cf_kube_resource *out, const char *api_version, const char *kind)
{
	json_t *list = json_object_get(k->discovery, api_version), *r;
	size_t i;

	json_array_foreach(list, i, r) {
		const char *rk = json_string_value(json_object_get(r, "kind"));
		if (rk && strcmp(rk, kind) == 0) {
			snprintf(out->plural, sizeof(out->plural), "%s",
				 json_string_value(json_object_get(r, "name")));
			out->namespaced = json_is_true(json_object_get(r, "namespaced"));
			return 1;
		}
	}
	return 0;
}

int cf_kube_resolve(cf_kube *k, cf_kube_resource *out, const char *api_version, const char *kind)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (api_version == NULL || kind == NULL || kind[0] == '\0')
		return cf_err_set(CF_EINVAL, "an object needs apiVersion and kind");
	rc = split_api_version(out->group, sizeof(out->group), out->version, sizeof(out->version), api_version);
	if (rc < 0)
		return rc;
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	if (lookup(k, out, api_version, kind))
		return 0;
	/* unknown here: perhaps a CRD created since the last look */
	rc = discover(k, api_version);
	if (rc < 0)
		return rc;
	if (lookup(k, out, api_version, kind))
		return 0;
	return cf_err_set(CF_ENOTSERVED, "no matches for kind \"%s\" in version \"%s\"", kind, api_version);
}

/* ---- paths ---- */

static int put_escaped(cf_buf *b, const char *s)
{
	char *e = cf_http_escape(s);
	int rc;

	if (e == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_buf_puts(b, e);
	cf_free(e);
	return rc;
}

int kube_query(cf_buf *b, const char *key, const char *value)
{
	int rc = cf_buf_printf(b, "%c%s=", strchr(b->data ? b->data : "", '?') ? '&' : '?', key);

	return rc < 0 ? rc : put_escaped(b, value);
}

/* Builds /api(s)/.../[namespaces/NS/]PLURAL[/NAME][/SUB]. all_ns: a namespaced collection
 * without a namespace means every namespace (list, watch) instead of the default one. */
int kube_path(cf_kube *k, cf_buf *b, cf_kube_resource *res, const cf_kube_ref *ref,
	      const char *sub, int all_ns)
{
	const char *ns = ref->namespace;
	int rc;

	if ((rc = cf_kube_resolve(k, res, ref->api_version, ref->kind)) < 0)
		return rc;
	if (res->group[0])
		rc = cf_buf_printf(b, "/apis/%s/%s", res->group, res->version);
	else
		rc = cf_buf_printf(b, "/api/%s", res->version);
	if (rc == 0 && res->namespaced) {
		if ((ns == NULL || ns[0] == '\0') && !all_ns)
			ns = k->cfg->namespace;
		if (ns && ns[0]) {
			rc = cf_buf_puts(b, "/namespaces/");
			if (rc == 0)
				rc = put_escaped(b, ns);
		}
	}
	if (rc == 0)
		rc = cf_buf_printf(b, "/%s", res->plural);
	if (rc == 0 && ref->name) {
		if (ref->name[0] == '\0')
			return cf_err_set(CF_EINVAL, "%s: empty name", ref->kind);
		rc = cf_buf_putc(b, '/');
		if (rc == 0)
			rc = put_escaped(b, ref->name);
	}
	if (rc == 0 && sub)
		rc = cf_buf_printf(b, "/%s", sub);
	return rc;
}

void kube_ref_of(cf_kube_ref *ref, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");

	ref->api_version = json_string_value(json_object_get(obj, "apiVersion"));
	ref->kind = json_string_value(json_object_get(obj, "kind"));
	ref->namespace = json_string_value(json_object_get(md, "namespace"));
	ref->name = json_string_value(json_object_get(md, "name"));
}

/* ---- verbs ---- */

static int ref_error(const cf_kube_ref *ref, const char *verb)
{
	return cf_err_prefix("%s %s %s%s%s", verb, ref->kind ? ref->kind : "?",
			    ref->namespace && ref->namespace[0] ? ref->namespace : "",
			    ref->namespace && ref->namespace[0] ? "/" : "", ref->name ? ref->name : "");
}

int cf_kube_get(cf_kube *k, json_t **out, const cf_kube_ref *ref)
{
	cf_kube_resource res;
	cf_buf path = CF_BUF_INIT(4096);
	int rc = kube_path(k, &path, &res, ref, NULL, 0);

	if (out)
		*out = NULL;
	if (rc == 0)
		rc = kube_exchange(k, out, "GET", path.data, NULL, NULL, 0);
	cf_buf_free(&path);
	return rc;
}

int cf_kube_list(cf_kube *k, json_t **out, const cf_kube_ref *ref, const char *label_selector)
{
	cf_kube_ref coll = *ref;
	cf_kube_resource res;
	cf_buf base = CF_BUF_INIT(4096), path = CF_BUF_INIT(8192);
	json_t *items = json_array(), *page = NULL;
	char *cont = NULL;
	char limit[32];
	int rc, restarted = 0;

	*out = NULL;
	coll.name = NULL;
	snprintf(limit, sizeof(limit), "%ld", k->list_page_size);
	if (items == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = kube_path(k, &base, &res, &coll, NULL, 1);
	while (rc == 0) {
		cf_buf_reset(&path);
		rc = cf_buf_puts(&path, base.data);
		if (rc == 0)
			rc = kube_query(&path, "limit", limit);
		if (rc == 0 && label_selector && label_selector[0])
			rc = kube_query(&path, "labelSelector", label_selector);
		if (rc == 0 && cont)
			rc = kube_query(&path, "continue", cont);
		if (rc == 0) {
			json_decref(page);
			page = NULL;
			rc = kube_exchange(k, &page, "GET", path.data, NULL, NULL, 0);
		}
		if (rc == CF_EGONE && cont && !restarted) {
			/* the continue token expired: start the list over, once */
			restarted = 1;
			cf_free(cont);
			cont = NULL;
			json_array_clear(items);
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		if (json_array_extend(items, json_object_get(page, "items")) < 0) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			break;
		}
		cf_free(cont);
		cont = NULL;
		const char *c = json_string_value(json_object_get(json_object_get(page, "metadata"), "continue"));
		if (c == NULL || c[0] == '\0')
			break;
		if ((cont = cf_strdup(c)) == NULL)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (rc == 0) {
		json_object_del(json_object_get(page, "metadata"), "continue");
		if (json_object_set(page, "items", items) < 0)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
		else {
			*out = page;
			page = NULL;
		}
	} else {
		ref_error(ref, "list");
	}
	json_decref(page);
	json_decref(items);
	cf_free(cont);
	cf_buf_free(&base);
	cf_buf_free(&path);
	return rc;
}

static int send_object(cf_kube *k, json_t **out, const char *method, const cf_kube_ref *ref,
		       const char *sub, const char *content_type, const json_t *body,
		       const char *query_key[], const char *query_val[])
{
	cf_kube_resource res;
	cf_buf path = CF_BUF_INIT(8192);
	char *text = NULL;
	int rc = kube_path(k, &path, &res, ref, sub, 0);

	if (out)
		*out = NULL;
	for (size_t i = 0; rc == 0 && query_key && query_key[i]; i++)
		if (query_val[i])
			rc = kube_query(&path, query_key[i], query_val[i]);
	if (rc == 0 && body) {
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL)
			rc = cf_err_set(CF_ENOMEM, "out of memory encoding JSON");
	}
	if (rc == 0)
		rc = kube_exchange(k, out, method, path.data, content_type, text, text ? strlen(text) : 0);
	free(text);
	cf_buf_free(&path);
	return rc;
}

int cf_kube_create(cf_kube *k, json_t **out, const json_t *obj)
{
	cf_kube_ref ref;
	int rc;

	kube_ref_of(&ref, obj);
	const char *name = ref.name;
	ref.name = NULL;
	rc = send_object(k, out, "POST", &ref, NULL, "application/json", obj, NULL, NULL);
	ref.name = name;
	return rc < 0 ? ref_error(&ref, "create") : 0;
}

int cf_kube_delete(cf_kube *k, const cf_kube_ref *ref, const char *propagation)
{
	json_t *opts = json_pack("{s:s,s:s}", "kind", "DeleteOptions", "apiVersion", "v1");
	int rc;

	if (opts == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (propagation && json_object_set_new(opts, "propagationPolicy", json_string(propagation)) < 0) {
		json_decref(opts);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	rc = send_object(k, NULL, "DELETE", ref, NULL, "application/json", opts, NULL, NULL);
	json_decref(opts);
	return rc < 0 ? ref_error(ref, "delete") : 0;
}

int cf_kube_merge_patch(cf_kube *k, json_t **out, const cf_kube_ref *ref, const json_t *patch)
{
	int rc = send_object(k, out, "PATCH", ref, NULL, "application/merge-patch+json", patch, NULL, NULL);

	return rc < 0 ? ref_error(ref, "patch") : 0;
}

int cf_kube_patch_status(cf_kube *k, json_t **out, const cf_kube_ref *ref, const json_t *patch)
{
	int rc = send_object(k, out, "PATCH", ref, "status", "application/merge-patch+json", patch, NULL, NULL);

	return rc < 0 ? ref_error(ref, "patch status of") : 0;
}

int cf_kube_apply(cf_kube *k, json_t **out, const json_t *obj, const cf_kube_apply_opts *o)
{
	const char *keys[] = { "fieldManager", "force", "dryRun", NULL };
	const char *vals[3];
	cf_kube_ref ref;
	int rc;

	if (o == NULL || o->version != CF_KUBE_APPLY_OPTS_VERSION || o->field_manager == NULL)
		return cf_err_set(CF_EINVAL, "server-side apply needs options with a field manager");
	kube_ref_of(&ref, obj);
	if (ref.name == NULL)
		return cf_err_set(CF_EINVAL, "apply %s: metadata.name is missing", ref.kind ? ref.kind : "object");
	vals[0] = o->field_manager;
	vals[1] = o->force ? "true" : NULL;
	vals[2] = o->dry_run ? "All" : NULL;
	rc = send_object(k, out, "PATCH", &ref, o->subresource, "application/apply-patch+yaml", obj, keys, vals);
	return rc < 0 ? ref_error(&ref, o->dry_run ? "dry-run apply" : "apply") : 0;
}

int cf_kube_event(cf_kube *k, const json_t *obj, const char *type, const char *reason,
		  const char *message, const char *component, const json_t *annotations)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	char ev_name[320], now[CF_TIME_MAX];
	struct timespec ts;
	json_t *ev, *involved, *out = NULL;
	int rc;

	if (name == NULL)
		return cf_err_set(CF_EINVAL, "event: the object has no metadata.name");
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ev_name, sizeof(ev_name), "%.240s.%llx", name,
		 (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
	cf_time_rfc3339(now, 0);
	involved = json_pack("{s:o?,s:o?,s:s,s:o?,s:o?,s:o?}",
		"apiVersion", json_copy(json_object_get(obj, "apiVersion")),
		"kind", json_copy(json_object_get(obj, "kind")),
		"name", name,
		"namespace", ns ? json_string(ns) : NULL,
		"uid", json_copy(json_object_get(md, "uid")),
		"resourceVersion", json_copy(json_object_get(md, "resourceVersion")));
	ev = json_pack("{s:s,s:s,s:{s:s,s:s},s:o,s:s,s:s,s:s,s:{s:s},s:s,s:s,s:i}",
		"apiVersion", "v1", "kind", "Event",
		"metadata", "name", ev_name, "namespace", ns ? ns : "default",
		"involvedObject", involved,
		"type", type, "reason", reason, "message", message,
		"source", "component", component,
		"firstTimestamp", now, "lastTimestamp", now, "count", 1);
	if (ev == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory building an event");
	if (annotations && json_object_set(json_object_get(ev, "metadata"), "annotations", (json_t *)annotations) < 0) {
		json_decref(ev);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	rc = cf_kube_create(k, &out, ev);
	json_decref(out);
	json_decref(ev);
	return rc;
}
