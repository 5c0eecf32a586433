/* common/source/oci_parse.c - the pure parts of oci.h: references, WWW-Authenticate challenges,
 * manifests and indexes, .dockerconfigjson and Link headers (each fuzzed). */
#include "source/oci.h"

#include "kube/secret.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX 8192u

int cf_oci_digest_valid(const char *text)
{
	if (text == NULL || strncmp(text, "sha256:", 7) != 0 || strlen(text) != 71)
		return 0;
	for (const char *p = text + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return 0;
	return 1;
}

int cf_oci_tag_valid(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	if (n == 0 || n > 128 || !(isalnum((unsigned char)text[0]) || text[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)text[i]) && !strchr("._-", text[i]))
			return 0;
	return 1;
}

static int registry_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:[]", *s))
			return 0;
	return 1;
}

/* Lower-case path components separated by one '/', each of [a-z0-9] joined by '.', '_', '__'
 * or '-'s (the distribution spec's name grammar, loosely). */
static int repository_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//"))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) || strchr("._-/", ch)))
			return 0;
		if (strchr("._-", ch) && (i == 0 || s[i - 1] == '/' || i + 1 == n || s[i + 1] == '/'))
			return 0;
	}
	return 1;
}

static int copy_part(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int cf_oci_ref_parse(cf_oci_ref *out, const char *text)
{
	const char *s = text, *slash, *at, *colon, *end;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return cf_err_set(CF_EINVAL, "no OCI reference");
	if (strncmp(s, "oci://", 6) == 0)
		s += 6;
	slash = strchr(s, '/');
	if (slash == NULL || copy_part(out->registry, sizeof(out->registry), s, (size_t)(slash - s)) < 0 ||
	    !registry_valid(out->registry))
		goto bad;
	s = slash + 1;
	end = s + strlen(s);
	if ((at = strchr(s, '@')) != NULL) {
		if (copy_part(out->digest, sizeof(out->digest), at + 1, strlen(at + 1)) < 0 ||
		    !cf_oci_digest_valid(out->digest))
			goto bad;
		end = at;
	}
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon && memchr(colon, '/', (size_t)(end - colon)))
		goto bad;
	if (colon) {
		if (copy_part(out->tag, sizeof(out->tag), colon + 1, (size_t)(end - colon - 1)) < 0 ||
		    !cf_oci_tag_valid(out->tag))
			goto bad;
		end = colon;
	}
	if (copy_part(out->repository, sizeof(out->repository), s, (size_t)(end - s)) < 0 ||
	    !repository_valid(out->repository))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return cf_err_set(CF_EINVAL, "'%.300s' is not an OCI reference (oci://host[:port]/repository[:tag][@sha256:digest])",
			  text);
}

/* ---- WWW-Authenticate ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

static int is_token_char(char ch)
{
	return ch != '\0' && (isalnum((unsigned char)ch) || strchr("!#$%&'*+-.^_`|~/:=", ch));
}

/* Reads a quoted string or a token at p into out (cut at size); returns past it, or NULL. */
static const char *read_value(const char *p, char *out, size_t size)
{
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < size)
				out[n++] = *p;
		}
		if (*p != '"')
			return NULL;
		p++;
	} else {
		for (; *p && *p != ',' && *p != ' ' && *p != '\t'; p++)
			if (n + 1 < size)
				out[n++] = *p;
	}
	out[n] = '\0';
	return p;
}

static void set_param(cf_oci_challenge *c, const char *name, const char *value)
{
	if (strcasecmp(name, "realm") == 0)
		snprintf(c->realm, sizeof(c->realm), "%s", value);
	else if (strcasecmp(name, "service") == 0)
		snprintf(c->service, sizeof(c->service), "%.255s", value);
	else if (strcasecmp(name, "scope") == 0)
		snprintf(c->scope, sizeof(c->scope), "%s", value);
}

/* One challenge from p: scheme and its auth-params, up to the next scheme. Returns past it. */
static const char *read_challenge(const char *p, cf_oci_challenge *c)
{
	char name[64], value[1024];
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	while (is_token_char(*p) && *p != '=' && n + 1 < sizeof(c->scheme))
		c->scheme[n++] = *p++;
	while (is_token_char(*p) && *p != '=')
		p++;   /* an over-long scheme: cut */
	for (;;) {
		const char *q = skip_ws(p), *eq;
		n = 0;
		for (eq = q; is_token_char(*eq) && *eq != '='; eq++)
			if (n + 1 < sizeof(name))
				name[n++] = *eq;
		name[n] = '\0';
		while (*eq == ' ')
			eq++;
		if (n == 0 || *eq != '=')
			return q;   /* the next scheme (or the end) */
		eq++;
		while (*eq == ' ')
			eq++;
		if ((p = read_value(eq, value, sizeof(value))) == NULL)
			return NULL;
		set_param(c, name, value);
	}
}

int cf_oci_challenge_parse(cf_oci_challenge *out, const char *header)
{
	cf_oci_challenge c;
	const char *p = header;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (header == NULL || strlen(header) > HEADER_MAX)
		return cf_err_set(CF_EINVAL, "WWW-Authenticate header missing or too long");
	for (p = skip_ws(p); *p; p = skip_ws(p)) {
		const char *next = read_challenge(p, &c);
		if (next == NULL)
			return cf_err_set(CF_EINVAL, "WWW-Authenticate: unterminated quoted string");
		if (c.scheme[0] == '\0')
			return cf_err_set(CF_EINVAL, "WWW-Authenticate: no auth scheme");
		if (!found || (strcasecmp(c.scheme, "Bearer") == 0 && strcasecmp(out->scheme, "Bearer") != 0))
			*out = c;
		found = 1;
		if (next == p)
			break;
		p = next;
	}
	if (!found)
		return cf_err_set(CF_EINVAL, "WWW-Authenticate: no challenge");
	if (strcasecmp(out->scheme, "Bearer") == 0 && out->realm[0] == '\0')
		return cf_err_set(CF_EINVAL, "WWW-Authenticate: Bearer challenge without a realm");
	return 0;
}

/* ---- manifests ---- */

static int desc_read(cf_oci_desc *d, const json_t *j, const char *what, size_t i)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *dg = json_string_value(json_object_get(j, "digest"));
	const json_t *size = json_object_get(j, "size"), *pl = json_object_get(j, "platform");

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j))
		return cf_err_set(CF_EINVAL, "%s[%zu] is not an object", what, i);
	if (mt == NULL || strlen(mt) >= sizeof(d->media_type))
		return cf_err_set(CF_EINVAL, "%s[%zu]: mediaType missing or too long", what, i);
	if (!cf_oci_digest_valid(dg))
		return cf_err_set(CF_EINVAL, "%s[%zu]: digest missing or not sha256:<64 hex>", what, i);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return cf_err_set(CF_EINVAL, "%s[%zu]: size missing or negative", what, i);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = (long long)json_integer_value(size);
	if (json_is_object(pl)) {
		const char *os = json_string_value(json_object_get(pl, "os"));
		const char *arch = json_string_value(json_object_get(pl, "architecture"));
		const char *var = json_string_value(json_object_get(pl, "variant"));
		snprintf(d->platform, sizeof(d->platform), "%.40s/%.40s%s%.40s", os ? os : "", arch ? arch : "",
			 var ? "/" : "", var ? var : "");
	}
	return 0;
}

static int descs_read(cf_oci_manifest *m, const json_t *arr, const char *what)
{
	size_t n = json_array_size(arr);

	if (!json_is_array(arr))
		return cf_err_set(CF_EINVAL, "%s is missing or not a list", what);
	if (n > CF_OCI_LAYERS_MAX)
		return cf_err_set(CF_ETOOBIG, "%s has %zu entries, more than %u", what, n, CF_OCI_LAYERS_MAX);
	if (n && (m->items = cf_calloc(n, sizeof(*m->items))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (desc_read(&m->items[i], json_array_get(arr, i), what, i) < 0)
			return CF_EINVAL;
	m->n_items = n;
	return 0;
}

/* The document's media type: its mediaType, else the Content-Type, else its shape. */
static int media_type_of(cf_oci_manifest *m, const json_t *doc, const char *content_type)
{
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));
	size_t n;

	if (mt == NULL && content_type && *content_type) {
		n = strcspn(content_type, "; ");
		if (n < sizeof(m->media_type) && strncmp(content_type, "application/json", n) != 0) {
			memcpy(m->media_type, content_type, n);
			m->media_type[n] = '\0';
			mt = m->media_type;
		}
	}
	if (mt == NULL)
		mt = json_object_get(doc, "manifests") ? CF_OCI_MT_INDEX : CF_OCI_MT_MANIFEST;
	if (strcmp(mt, CF_OCI_MT_INDEX) == 0 || strcmp(mt, CF_OCI_MT_DOCKER_LIST) == 0)
		m->is_index = 1;
	else if (strcmp(mt, CF_OCI_MT_MANIFEST) != 0 && strcmp(mt, CF_OCI_MT_DOCKER) != 0)
		return cf_err_set(CF_EINVAL, "unsupported manifest media type '%.200s'", mt);
	if (mt != m->media_type)
		snprintf(m->media_type, sizeof(m->media_type), "%s", mt);
	return 0;
}

int cf_oci_manifest_parse(cf_oci_manifest *out, const void *data, size_t len, const char *content_type)
{
	json_error_t je;
	json_t *doc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > CF_OCI_MANIFEST_MAX)
		return cf_err_set(CF_ETOOBIG, "manifest of %zu bytes, more than %u", len, CF_OCI_MANIFEST_MAX);
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		rc = cf_err_set(CF_EINVAL, "manifest is not a JSON object: %s", doc ? "" : je.text);
		goto out;
	}
	if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2) {
		rc = cf_err_set(CF_EINVAL, "manifest schemaVersion is not 2");
		goto out;
	}
	if ((rc = media_type_of(out, doc, content_type)) < 0)
		goto out;
	if (out->is_index)
		rc = descs_read(out, json_object_get(doc, "manifests"), "manifests");
	else if ((rc = desc_read(&out->config, json_object_get(doc, "config"), "config", 0)) == 0)
		rc = descs_read(out, json_object_get(doc, "layers"), "layers");
	if (rc < 0)
		goto out;
	if (json_is_object(json_object_get(doc, "annotations")))
		out->annotations = json_incref(json_object_get(doc, "annotations"));
	if ((out->raw = cf_strndup(data, len)) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	out->raw_len = len;
	cf_sha256_of(out->digest, data, len);
out:
	json_decref(doc);
	if (rc < 0)
		cf_oci_manifest_free(out);
	return rc;
}

void cf_oci_manifest_free(cf_oci_manifest *m)
{
	if (m == NULL)
		return;
	cf_free(m->items);
	json_decref(m->annotations);
	cf_free(m->raw);
	memset(m, 0, sizeof(*m));
}

/* ---- .dockerconfigjson ---- */

/* The host[:port] of an `auths` key: without scheme and path. */
static void auths_host(char *out, size_t size, const char *key)
{
	const char *p = strstr(key, "://");
	size_t n;

	p = p ? p + 3 : key;
	n = strcspn(p, "/");
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

static int is_docker_hub(const char *host)
{
	return strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
	       strcmp(host, "registry-1.docker.io") == 0;
}

static int entry_credentials(char **user, char **pass, const json_t *e, const char *key)
{
	const char *auth = json_string_value(json_object_get(e, "auth"));
	const char *u = json_string_value(json_object_get(e, "username"));
	const char *p = json_string_value(json_object_get(e, "password"));
	unsigned char *dec = NULL;
	size_t len = 0;
	char *colon;

	if (auth && *auth) {
		if (cf_base64_decode(&dec, &len, auth, strlen(auth)) < 0)
			return cf_err_set(CF_EINVAL, ".dockerconfigjson: auths['%.200s'].auth is not base64", key);
		colon = memchr(dec, ':', len);
		if (colon == NULL || memchr(dec, '\0', len)) {
			cf_free_secret(dec, len);
			return cf_err_set(CF_EINVAL, ".dockerconfigjson: auths['%.200s'].auth is not base64 of user:password", key);
		}
		*user = cf_strndup((char *)dec, (size_t)(colon - (char *)dec));
		*pass = cf_strndup(colon + 1, len - (size_t)(colon + 1 - (char *)dec));
		cf_free_secret(dec, len);
	} else if (u && p) {
		*user = cf_strdup(u);
		*pass = cf_strdup(p);
	} else {
		return cf_err_set(CF_EINVAL, ".dockerconfigjson: auths['%.200s'] has neither auth nor username and password", key);
	}
	if (*user == NULL || *pass == NULL) {
		if (*user) cf_free_secret(*user, strlen(*user) + 1);
		if (*pass) cf_free_secret(*pass, strlen(*pass) + 1);
		*user = *pass = NULL;
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}

int cf_oci_dockerconfig_find(char **username, char **password, const char *json, size_t len, const char *registry)
{
	json_t *doc = NULL;
	const json_t *auths, *e;
	const char *key;
	char host[256];
	int rc = CF_ENOTFOUND;

	*username = *password = NULL;
	if (len > CF_OCI_DOCKERCONFIG_MAX)
		return cf_err_set(CF_ETOOBIG, ".dockerconfigjson larger than %u bytes", CF_OCI_DOCKERCONFIG_MAX);
	doc = json_loadb(json, len, 0, NULL);   /* the error text could quote a secret */
	auths = json_object_get(doc, "auths");
	if (!json_is_object(auths)) {
		rc = cf_err_set(CF_EINVAL, ".dockerconfigjson is not JSON with an 'auths' object");
		goto out;
	}
	json_object_foreach((json_t *)auths, key, e) {
		auths_host(host, sizeof(host), key);
		if (strcmp(host, registry) == 0 || (is_docker_hub(host) && is_docker_hub(registry))) {
			rc = entry_credentials(username, password, e, key);
			goto out;
		}
	}
	cf_err_set(CF_ENOTFOUND, ".dockerconfigjson has no credentials for '%.200s'", registry);
out:
	if (doc)
		cf_json_wipe(doc);
	json_decref(doc);
	return rc;
}

/* ---- Link ---- */

int cf_oci_link_next(char **next, const char *link, const char *base)
{
	const char *p = link;

	*next = NULL;
	if (link == NULL || strlen(link) > HEADER_MAX)
		return 0;
	while ((p = strchr(p, '<')) != NULL) {
		const char *end = strchr(p, '>'), *params, *stop;
		if (end == NULL)
			return cf_err_set(CF_EINVAL, "Link header: unterminated <");
		params = end + 1;
		stop = strchr(params, '<');
		stop = stop ? stop : params + strlen(params);
		for (const char *r = params; (r = strstr(r, "rel=")) != NULL && r < stop; r += 4) {
			if (strncmp(r + 4, "\"next\"", 6) == 0 || strncmp(r + 4, "next", 4) == 0) {
				size_t n = (size_t)(end - p - 1);
				int rel = p[1] == '/';
				cf_buf b = CF_BUF_INIT(HEADER_MAX * 2);
				if (!rel && (strncmp(p + 1, base, strlen(base)) != 0 || p[1 + strlen(base)] != '/'))
					return cf_err_set(CF_EINVAL, "Link header: next page on another host");
				if ((rel && cf_buf_puts(&b, base) < 0) || cf_buf_append(&b, p + 1, n) < 0 ||
				    (*next = cf_buf_detach(&b, NULL)) == NULL) {
					cf_buf_free(&b);
					return cf_err_set(CF_ENOMEM, "out of memory");
				}
				return 0;
			}
		}
		p = end;
	}
	return 0;
}
