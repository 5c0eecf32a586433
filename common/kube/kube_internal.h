/* common/kube/kube_internal.h - what kube.c and kube_watch.c share; not for other modules. */
#ifndef CF_KUBE_INTERNAL_H
#define CF_KUBE_INTERNAL_H

#include "kube/kube.h"
#include "kube/kubeconfig.h"
#include "util/buf.h"

#include <curl/curl.h>

typedef cf_kubeconfig kc_t;

struct cf_kube {
	kc_t *cfg;
	CURL *curl;                /* one handle, so connections are reused */
	char *user_agent;
	long timeout_ms;
	int max_retries;
	long list_page_size;
	json_t *discovery;         /* "group/version" -> [APIResource] */
	char *imp_user;
	json_t *imp_groups;
	long last_code;
	long last_new_conns;
	long last_http_version;
	char last_reason[128];
	int last_immutable;        /* the last refusal was of an immutable field (cf_kube_last_immutable) */
	long stat_requests, stat_writes;
	char watch_rv[128];
	unsigned rand_state;
};

typedef struct kube_reply {
	long code;
	long retry_after_s;
	cf_buf body;
	char curl_err[CURL_ERROR_SIZE];
} kube_reply;

int  kube_setup(cf_kube *k, CURL *h, struct curl_slist *headers, const char *method,
		const char *url, const char *body, size_t len, long timeout_ms, kube_reply *r);
int  kube_status_error(cf_kube *k, long code, const char *body, size_t len, const char *method,
		       const char *path);
void kube_backoff(cf_kube *k, int attempt, long retry_after_s);
int  kube_query(cf_kube *k, cf_buf *b, const char *key, const char *value);
int  kube_path(cf_kube *k, cf_buf *b, cf_kube_resource *res, const cf_kube_ref *ref,
	       const char *sub, int all_ns);
void kube_ref_of(cf_kube_ref *ref, const json_t *obj);
int  kube_build_headers(cf_kube *k, struct curl_slist **list, const char *content_type);
/* Zeroes every header line in place (the Authorization header holds the token). */
void kube_wipe_headers(struct curl_slist *list);
/* kube_wipe_headers, then curl_slist_free_all. Safe on NULL. */
void kube_free_headers(struct curl_slist *list);
/* Whether a request may be sent again after a 5xx: GET, HEAD, PUT, DELETE, and PATCH as
 * server-side apply or merge patch; never POST. */
int  kube_idempotent(const char *method, const char *content_type);

#endif
