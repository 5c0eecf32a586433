/* common/kube/kube.h - a Kubernetes API client over common/http (cf_http).
 *
 * One cf_kube is used by one thread at a time (it owns one connection-reusing cf_http handle and
 * a discovery cache); a thread that watches gets its own cf_kube. Every call returns 0 or a
 * negative cf_err code; on an API failure the message is the API's Status message verbatim
 * and cf_kube_last_reason() gives its reason ("NotFound", "Conflict", "Invalid", ...).
 * 404 naming the object -> CF_ENOTFOUND, 404 naming nothing (a version or group not served)
 * -> CF_ENOTSERVED, 409 -> CF_ECONFLICT, 410 -> CF_EGONE, 422/400 -> CF_EINVAL,
 * 401/403 -> CF_EAUTH, others CF_EAPI; no answer in time -> CF_ETIMEOUT. 429, and 5xx for
 * idempotent requests (not POST, not a JSON patch), are retried with exponential backoff and
 * jitter (Retry-After respected) before they fail. */
#ifndef CF_KUBE_H
#define CF_KUBE_H

#include <jansson.h>

#include "util/buf.h"

typedef struct cf_kube cf_kube;

typedef struct cf_kube_opts {
	unsigned version;
	const char *kubeconfig;  /* NULL: $KUBECONFIG, ~/.kube/config, then in-cluster */
	const char *context;     /* NULL: current-context */
	long timeout_ms;         /* each request, start to end */
	int max_retries;         /* for 429, 5xx and refused connections */
	const char *user_agent;  /* NULL: "cflux" */
	const char *sa_dir;      /* in-cluster service-account directory; NULL: the standard one */
	int in_cluster;          /* 1: skip kubeconfig files, use the service account */
	long list_page_size;     /* items per page of a list */
	/* the CLI's global flags, as kubectl's: what goes over the kubeconfig; whom to
	 * impersonate (--as, --as-group, --as-uid, --as-user-extra key=value; the lists
	 * NULL-terminated); no compressed replies (--disable-compression) */
	const struct cf_kubeconfig_overrides *overrides;
	const char *as, *as_uid;
	const char *const *as_groups, *const *as_extra;
	int no_compression;
} cf_kube_opts;
#define CF_KUBE_OPTS_VERSION 1
#define CF_KUBE_OPTS_INIT { CF_KUBE_OPTS_VERSION, NULL, NULL, 30000, 5, NULL, NULL, 0, 500, NULL, NULL, NULL, NULL, NULL, 0 }

/* Names an object, or (name NULL) a collection. namespace NULL or "" for a namespaced kind
 * means the context's namespace, except for list and watch, where it means all namespaces. */
typedef struct cf_kube_ref {
	const char *api_version; /* "v1", "apps/v1", "source.toolkit.fluxcd.io/v1" */
	const char *kind;
	const char *namespace;
	const char *name;
} cf_kube_ref;

/* A kind as discovery describes it. */
typedef struct cf_kube_resource {
	char group[254];
	char version[64];
	char kind[128];
	char plural[128];
	int namespaced;
} cf_kube_resource;

int  cf_kube_new(cf_kube **out, const cf_kube_opts *opts);
/* cf_kube_new with the default options but these (each may be NULL). */
int  cf_kube_new_for(cf_kube **out, const char *kubeconfig, const char *context, const char *user_agent);
/* A client for a kubeconfig already loaded (a remote cluster's, from a Secret): cfg is taken,
 * and freed on failure too. */
struct cf_kubeconfig;
int  cf_kube_new_config(cf_kube **out, struct cf_kubeconfig *cfg, const char *user_agent);
/* Safe on NULL (frees its helpers too). */
void cf_kube_free(cf_kube *k);
/* Helper i (0 <= i < CF_KUBE_HELPERS_MAX) of k, for requests in parallel (one cf_kube is used
 * by one thread at a time): another handle to the same cluster as the same user, with its own
 * connection and discovery cache, made on first use and kept with k, so its connection is
 * reused by the next parallel pass. It acts as k's impersonation is now. k must outlive its
 * use (it is freed with k). */
#define CF_KUBE_HELPERS_MAX 16
int  cf_kube_helper(cf_kube *k, int i, cf_kube **out);
/* The namespace of the context (or of the service account in a cluster). */
const char *cf_kube_namespace(const cf_kube *k);
const char *cf_kube_server(const cf_kube *k);
/* HTTP status and Status reason of the last API reply (0 and "" before any). */
long cf_kube_last_code(const cf_kube *k);
const char *cf_kube_last_reason(const cf_kube *k);
/* 1 when the last API reply refused a change to an immutable field: a Status of reason
 * "Invalid" with a cause "FieldValueForbidden" (an immutable ConfigMap/Secret, a StatefulSet's
 * spec), or "FieldValueInvalid" carrying Kubernetes' FieldImmutableErrorMsg ("field is
 * immutable": a Deployment's selector, a Job's template). Else 0. */
int cf_kube_last_immutable(const cf_kube *k);

/* For the last request: connections it had to open (0: an open one was reused) and the HTTP
 * version it spoke (11 for HTTP/1.1, 20 for HTTP/2). */
void cf_kube_last_conn(const cf_kube *k, long *new_connections, long *http_version);

/* Requests sent so far, and of those the ones that can change the cluster (not GET, not a
 * dry run), its helpers' included. Retries count once. */
void cf_kube_stats(const cf_kube *k, long *requests, long *writes);

/* Impersonates user (and groups, NULL-terminated) in the requests that follow; user NULL
 * stops impersonating. */
int cf_kube_impersonate(cf_kube *k, const char *user, const char *const *groups);

/* GVK -> resource, from a per-group-version discovery cache that is fetched again when a kind
 * is missing (a CRD created since). Unknown kind: CF_ENOTSERVED "no matches for kind ...". */
int cf_kube_resolve(cf_kube *k, cf_kube_resource *out, const char *api_version, const char *kind);

/* Each *out (may be NULL to discard) gets a new reference to the object the API returned. */
int cf_kube_get(cf_kube *k, json_t **out, const cf_kube_ref *ref);
/* Lists every page (following `continue`); *out is a List with all items and the list's
 * resourceVersion. label_selector may be NULL. */
int cf_kube_list(cf_kube *k, json_t **out, const cf_kube_ref *ref, const char *label_selector);
int cf_kube_create(cf_kube *k, json_t **out, const json_t *obj);
/* propagation: "Foreground", "Background", "Orphan" or NULL (the API's default). */
int cf_kube_delete(cf_kube *k, const cf_kube_ref *ref, const char *propagation);
/* JSON merge patch (RFC 7386) of the object, or of its status subresource. */
int cf_kube_merge_patch(cf_kube *k, json_t **out, const cf_kube_ref *ref, const json_t *patch);
int cf_kube_patch_status(cf_kube *k, json_t **out, const cf_kube_ref *ref, const json_t *patch);

typedef struct cf_kube_apply_opts {
	unsigned version;
	const char *field_manager; /* required */
	int force;                 /* take fields owned by other managers */
	int dry_run;               /* dryRun=All: validate and return the result, store nothing */
	const char *subresource;   /* NULL, or "status" */
} cf_kube_apply_opts;
#define CF_KUBE_APPLY_OPTS_VERSION 1
#define CF_KUBE_APPLY_OPTS_INIT { CF_KUBE_APPLY_OPTS_VERSION, NULL, 0, 0, NULL }

/* Server-side apply (application/apply-patch+yaml) of obj, which names itself through
 * apiVersion, kind and metadata. A conflict without force is CF_ECONFLICT with the API's
 * message listing the conflicting fields and managers. */
int cf_kube_apply(cf_kube *k, json_t **out, const json_t *obj, const cf_kube_apply_opts *opts);

/* Records a core/v1 Event about obj (type "Normal" or "Warning"); annotations may be NULL. */
int cf_kube_event(cf_kube *k, const json_t *obj, const char *type, const char *reason,
		  const char *message, const char *component, const json_t *annotations);

/* The raw request under every call: path is absolute ("/api/v1/..."), body may be NULL. */
int cf_kube_request(cf_kube *k, json_t **out, const char *method, const char *path,
		    const char *content_type, const char *body, size_t len);

/* A GET whose reply is not JSON (a pod's log): the body appended to out, up to its cap. */
int cf_kube_get_text(cf_kube *k, cf_buf *out, const char *path);

/* ---- watch ---- */

/* Called for each change: type is "ADDED", "MODIFIED" or "DELETED"; obj is borrowed for the
 * call. Return non-zero to stop watching. */
typedef int (*cf_kube_watch_cb)(const char *type, json_t *obj, void *payload);

typedef struct cf_kube_watch_opts {
	unsigned version;
	const char *label_selector;
	/* Where to start. NULL or "": list first (each item as ADDED), then watch from the list.
	 * Otherwise watch from this resourceVersion. */
	const char *resource_version;
	long server_timeout_s;    /* each watch connection; the watch reconnects after it */
	volatile int *stop;       /* non-NULL: the watch ends soon after *stop becomes non-zero */
	/* non-NULL: called after each list that succeeded (the watch is in sync), with
	 * listed_payload */
	void (*on_listed)(void *listed_payload);
	void *listed_payload;
} cf_kube_watch_opts;
#define CF_KUBE_WATCH_OPTS_VERSION 1
#define CF_KUBE_WATCH_OPTS_INIT { CF_KUBE_WATCH_OPTS_VERSION, NULL, NULL, 300, NULL, NULL, NULL }

/* Watches a collection until the callback or *stop ends it (returns 0), or a permanent error
 * (unknown kind, forbidden). Resumes from the last resourceVersion seen (bookmarks included)
 * across disconnects and API server restarts, retrying with backoff; on 410 Gone it lists
 * again and reports what changed meanwhile (MODIFIED/ADDED, and DELETED for objects gone). */
int cf_kube_watch(cf_kube *k, const cf_kube_ref *ref, const cf_kube_watch_opts *opts,
		  cf_kube_watch_cb cb, void *payload);
/* The resourceVersion the last watch reached (for resuming later); "" before any. */
const char *cf_kube_watch_resource_version(const cf_kube *k);

#endif
