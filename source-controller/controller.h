/* source-controller/controller.h - what main.c and the reconcilers share. */
#ifndef SOURCE_CONTROLLER_H
#define SOURCE_CONTROLLER_H

#include "bus/bus.h"
#include "http/http.h"
#include "kube/kube.h"
#include "runtime/kinds.h"
#include "runtime/reconcile.h"
#include "runtime/workqueue.h"

#define SOURCE_CONTROLLER "source-controller"
#define SOURCE_FINALIZER "finalizers.fluxcd.io"
#define SOURCE_GROUP_VERSION CF_AV_GITREPOSITORY

typedef struct src_ctl {
	/* flags */
	const char *kubeconfig, *context, *watch_namespace;
	const char *storage_path, *artifact_addr, *notify_addr, *events_addr, *advertise_addr;
	const char *log_level, *internal_token_file;
	char *internal_token;     /* NULL without --internal-token-file: any artifact request is served */
	long concurrent, artifact_max_size, requeue_max_ms;
	/* run time */
	cf_workqueue *queue;
	cf_bus_pub *notices;
	cf_bus_pub *events;
	volatile int stop;
} src_ctl;

/* Reconciles GitRepository ns/name once. *requeue_ms gets when to look again (0: only when
 * the object changes). Returns 0, or a negative code after recording the failure in status
 * (the caller backs off). */
int gitrepository_reconcile(src_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* Whether a watch event asks for a reconcile: new objects, spec changes (generation),
 * reconcile requests (annotation), deletions. Status-only updates (our own) do not. */
int gitrepository_wants_reconcile(const char *type, const json_t *obj);

/* HelmRepository and HelmChart, as GitRepository above. */
int helmrepository_reconcile(src_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
int helmchart_reconcile(src_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* The lifecycle (cf_reconcile_run) for a kind stored under <kind in lower case>/ns/name:
 * finalizer, storage removed on deletion, Warning events, FetchFailed on failure. */
int  src_reconcile_stored(src_ctl *c, cf_kube *k, const char *api_version, const char *kind, const char *ns,
			  const char *name, long *requeue_ms, long default_timeout_ms, int (*body)(cf_reconcile *));
/* The watch filter of the kinds above (cf_status_wants_reconcile, deletions too). */
int  src_wants_reconcile(const char *type, const json_t *obj);

/* ---- storage (storage.c): <storage>/<kind_dir>/<ns>/<name>/<file> ---- */
int  src_storage_dir(cf_buf *b, const src_ctl *c, const char *kind_dir, const char *ns, const char *name);
void src_storage_remove_tree(const char *path);
void src_storage_remove(const src_ctl *c, const char *kind_dir, const char *ns, const char *name);
/* Keeps current and the newest other file (two in all); removes temp files left by a kill. */
void src_storage_retain(const char *dir, const char *current);
/* 1 if status.artifact has revision and path (either NULL: any) and its file is on disk with
 * its digest, else 0. */
int  src_storage_current(const src_ctl *c, const json_t *status, const char *revision, const char *path);
/* Sets status.artifact {path, url, revision, digest, size, lastUpdateTime}, and status.url
 * (HelmRepository, HelmChart) with status_url. */
int  src_storage_set_artifact(const src_ctl *c, json_t *status, const char *path, const char *revision,
			      const char *digest, size_t size, int status_url);

/* ---- a Helm repository's HTTP client (helmrepository.c), also used for chart downloads ---- */
typedef struct helm_repo {
	cf_http *http;
	json_t *secret, *cert_secret;     /* decoded, wiped by helm_repo_close */
	const char *username, *password;  /* borrowed from secret */
	char url[2048];                   /* spec.url */
	char host[512];                   /* scheme://host[:port] of url: where credentials go */
	int pass_credentials;
	long timeout_ms;
} helm_repo;

/* Opens the client for HelmRepository repo (its spec: url, secretRef, certSecretRef,
 * passCredentials): Secrets read from ns and decoded. *reason gets Flux's reason on failure. */
int  helm_repo_open(helm_repo *r, cf_kube *k, const json_t *repo, long timeout_ms, const char **reason);
/* GETs url into out (at most max bytes: past it CF_ETOOBIG); credentials are sent only to
 * the repository's host, unless passCredentials. A non-2xx reply is an error naming url. */
int  helm_repo_get(helm_repo *r, const char *url, cf_buf *out, size_t max);
void helm_repo_close(helm_repo *r);

#endif
