/* common/source/oci.h - the one OCI distribution client (registry API v2) on http/http.h: the
 * OCIRepository source, HelmCharts from OCI HelmRepositories and image automation's tag lists.
 *
 * Auth: anonymous first; a 401 with `WWW-Authenticate: Basic` is answered with the credentials,
 * one with `Bearer realm=..,service=..,scope=..` by a token from the realm (with the credentials
 * as basic auth when there are any), cached per scope for the handle's life. Everything read
 * is capped (CF_OCI_*_MAX); errors name the registry and the reference and never carry a
 * credential or a token. A handle is one registry; it is not thread-safe. */
#ifndef CF_OCI_H
#define CF_OCI_H

#include "http/http.h"

#include <jansson.h>
#include <stddef.h>

#define CF_OCI_MANIFEST_MAX   (4u * 1024u * 1024u)   /* a manifest or an index, as Flux/containerd */
#define CF_OCI_TOKEN_MAX      (1u * 1024u * 1024u)   /* a token endpoint's reply */
#define CF_OCI_TAGS_PAGE_MAX  (4u * 1024u * 1024u)   /* one page of a tag list */
#define CF_OCI_TAGS_MAX       100000u                /* tags kept over all pages */
#define CF_OCI_DOCKERCONFIG_MAX (1u * 1024u * 1024u) /* a .dockerconfigjson */
#define CF_OCI_LAYERS_MAX     1024u                  /* descriptors in one manifest or index */

#define CF_OCI_MT_MANIFEST      "application/vnd.oci.image.manifest.v1+json"
#define CF_OCI_MT_INDEX         "application/vnd.oci.image.index.v1+json"
#define CF_OCI_MT_DOCKER        "application/vnd.docker.distribution.manifest.v2+json"
#define CF_OCI_MT_DOCKER_LIST   "application/vnd.docker.distribution.manifest.list.v2+json"
/* Flux's artifact layer (flux push artifact) */
#define CF_OCI_MT_FLUX_CONTENT  "application/vnd.cncf.flux.content.v1.tar+gzip"

/* An image reference: "oci://host[:port]/path[:tag][@sha256:hex]" or the same without
 * "oci://". Docker Hub's short forms are not guessed: the host is required. */
typedef struct cf_oci_ref {
	char registry[256];     /* "host[:port]" */
	char repository[512];   /* "path/name" */
	char tag[129];          /* "" if none */
	char digest[72];        /* "sha256:<64 hex>", "" if none */
} cf_oci_ref;

/* CF_EINVAL naming the text when it is not a reference. */
int cf_oci_ref_parse(cf_oci_ref *out, const char *text);
/* 1 if text is "sha256:" and 64 lower-case hex digits. */
int cf_oci_digest_valid(const char *text);
/* 1 if text is a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}). */
int cf_oci_tag_valid(const char *text);

#define CF_OCI_OPTIONS_VERSION 1
typedef struct cf_oci_options {
	int version;
	const char *registry;       /* "host[:port]", required */
	int insecure;               /* plain http instead of https */
	const char *username;       /* credentials for Basic and for the token realm; may be NULL */
	const char *password;
	cf_http_tls tls;            /* certSecretRef: ca.crt, tls.crt/tls.key (copied) */
	long timeout_ms;            /* per request; 0: 60 s */
	const char *user_agent;     /* default "cflux" */
} cf_oci_options;
#define CF_OCI_OPTIONS_INIT { CF_OCI_OPTIONS_VERSION, NULL, 0, NULL, NULL, \
	CF_HTTP_TLS_INIT, 0L, NULL }

typedef struct cf_oci cf_oci;

/* Strings and TLS material are copied (credentials wiped on free). *out is NULL on failure. */
int  cf_oci_new(cf_oci **out, const cf_oci_options *o);
/* Safe on NULL. */
void cf_oci_free(cf_oci *c);

/* One descriptor of a manifest (a layer, the config) or of an index (a manifest). */
typedef struct cf_oci_desc {
	char media_type[256];
	char digest[72];
	long long size;
	char platform[128];     /* an index entry's "os/architecture[/variant]", else "" */
} cf_oci_desc;

typedef struct cf_oci_manifest {
	char media_type[256];   /* the document's (body's mediaType, else the Content-Type) */
	char digest[72];        /* sha256 of the bytes as served */
	int is_index;           /* OCI index or Docker manifest list: items are manifests */
	cf_oci_desc config;     /* a manifest's config ("" fields for an index) */
	cf_oci_desc *items;     /* layers, or an index's manifests (cf_free'd by _free) */
	size_t n_items;
	json_t *annotations;    /* the document's annotations object, or NULL */
	char *raw;              /* the bytes as served, NUL-ended */
	size_t raw_len;
} cf_oci_manifest;

/* Reads a manifest or index from bytes (content_type may be NULL: then the document's
 * mediaType, or its shape, decides). Unknown media types and bad descriptors are CF_EINVAL.
 * On failure *out is empty (free it anyway: safe). */
int  cf_oci_manifest_parse(cf_oci_manifest *out, const void *data, size_t len, const char *content_type);
void cf_oci_manifest_free(cf_oci_manifest *m);

/* GETs the manifest of repository at reference (a tag or a digest) with the Accept of OCI
 * manifest, OCI index, Docker v2 manifest and list. A digest reference is checked against
 * the bytes (CF_EINVAL "digest mismatch" otherwise); a 404 is CF_ENOTFOUND, a refusal of the
 * credentials CF_EAUTH. */
int  cf_oci_manifest_get(cf_oci *c, cf_oci_manifest *out, const char *repository, const char *reference);
/* Only the digest of reference (HEAD, Docker-Content-Digest; a GET when the registry does not
 * say), for a cheap "unchanged?" check. */
int  cf_oci_manifest_digest(cf_oci *c, char digest[72], const char *repository, const char *reference);

/* Streams blob digest of repository into a new file at path (mode 0600, replaced atomically
 * via path.tmp-*), checking its sha256 and that it is at most max_bytes: on a mismatch or past
 * the cap nothing is left at path (CF_EINVAL / CF_ETOOBIG). expect_size (-1: unknown) must
 * match too. */
int  cf_oci_blob_fetch(cf_oci *c, const char *repository, const char *digest, long long expect_size,
		       size_t max_bytes, const char *path);
/* The same into memory (*out, cf_free'd by the caller, NUL after *len bytes). */
int  cf_oci_blob_get(cf_oci *c, void **out, size_t *len, const char *repository, const char *digest,
		     size_t max_bytes);

/* Every tag of repository (following Link: <...>; rel="next", at most CF_OCI_TAGS_MAX), as a
 * new array of strings in *tags (NULL on failure). */
int  cf_oci_tags_list(cf_oci *c, json_t **tags, const char *repository);
/* The same, asking for page_size tags a page (?n=; the registry may send fewer). */
int  cf_oci_tags_list_paged(cf_oci *c, json_t **tags, const char *repository, int page_size);

/* Pushing (tests, `cflux push artifact`): a blob by digest (POST then PUT, monolithic), and a
 * manifest under reference with its media type. */
int  cf_oci_blob_push(cf_oci *c, const char *repository, const void *data, size_t len, char digest[72]);
int  cf_oci_manifest_push(cf_oci *c, const char *repository, const char *reference, const char *media_type,
			  const void *data, size_t len, char digest[72]);

/* ---- parsers (pure; fuzzed) ---- */

/* One challenge of a WWW-Authenticate header (RFC 7235): the Bearer one if there is one,
 * else the first. Values may be quoted (with \ escapes) or bare tokens. */
typedef struct cf_oci_challenge {
	char scheme[16];        /* "Bearer", "Basic" */
	char realm[1024];
	char service[256];
	char scope[1024];
} cf_oci_challenge;
int  cf_oci_challenge_parse(cf_oci_challenge *out, const char *header);

/* The credentials for registry ("host[:port]") in a .dockerconfigjson (`auths` keyed by host,
 * "https://host", "host/v1/" or a URL with a path; `auth` base64 "user:pass" or `username` and
 * `password`). *username and *password are new strings (cf_free_secret them with their
 * strlen+1); CF_ENOTFOUND when no entry matches, CF_EINVAL for bad JSON or base64 (the
 * message never quotes a value). */
int  cf_oci_dockerconfig_find(char **username, char **password, const char *json, size_t len,
			      const char *registry);

/* The URL of `Link: <url>; rel="next"` resolved against base ("scheme://host"), a new string
 * in *next (cf_free), or NULL when there is no next page. */
int  cf_oci_link_next(char **next, const char *link, const char *base);

#endif
