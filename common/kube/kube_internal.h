/* common/kube/kube_internal.h - what kube.c and kube_watch.c share; not for other modules. */
#ifndef CF_KUBE_INTERNAL_H
#define CF_KUBE_INTERNAL_H

#include "http/http.h"
#include "kube/kube.h"
#include "kube/kubeconfig.h"
#include "util/buf.h"

typedef cf_kubeconfig kc_t;

struct cf_kube {
	kc_t *cfg;
	cf_http *http;             /* one handle, so connections are reused (HTTP/2) */
	long timeout_ms;
	long list_page_size;
	json_t *discovery;         /* "group/version" -> [APIResource] */
	char *imp_user;
	json_t *imp_groups;
	json_t *imp_more;          /* [[header, value]...]: Impersonate-Uid, Impersonate-Extra-* */
	char *connect_to;          /* tls-server-name: cf_http_options.connect_to */
	int no_compression;
	long last_code;
	long last_new_conns;
	long last_http_version;
	char last_reason[128];
	int last_immutable;        /* the last refusal was of an immutable field (cf_kube_last_immutable) */
	long stat_requests, stat_writes;
	char watch_rv[128];
	unsigned rand_state;
	/* how the handle was made, for its helpers (cf_kube_helper) */
	char *user_agent;
	int max_retries;
	int cfg_borrowed;          /* a helper: cfg is its parent's */
	cf_kube *helpers[CF_KUBE_HELPERS_MAX];
};

/* Records the outcome of one exchange: code and connection facts for cf_kube_last_*. */
void kube_note_reply(cf_kube *k, const cf_http_response *r);
int  kube_status_error(cf_kube *k, long code, const char *body, size_t len, const char *method,
		       const char *path);
int  kube_query(cf_buf *b, const char *key, const char *value);
int  kube_path(cf_kube *k, cf_buf *b, cf_kube_resource *res, const cf_kube_ref *ref,
	       const char *sub, int all_ns);
void kube_ref_of(cf_kube_ref *ref, const json_t *obj);
/* The header lines of one request: the bearer token (a tokenFile read again), Accept,
 * Content-Type, impersonation. *list is empty on failure; the caller frees it with
 * cf_http_headers_free (which wipes the token). */
int  kube_build_headers(cf_kube *k, cf_http_headers *list, const char *content_type);
/* Whether a request may be sent again after a 5xx: GET, HEAD, PUT, DELETE, and PATCH as
 * server-side apply or merge patch; never POST. */
int  kube_idempotent(const char *method, const char *content_type);

#endif
