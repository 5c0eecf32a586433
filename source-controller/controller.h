/* source-controller/controller.h - what main.c and the reconcilers share. */
#ifndef SOURCE_CONTROLLER_H
#define SOURCE_CONTROLLER_H

#include "bus/bus.h"
#include "http/http.h"
#include "source/oci.h"
#include "kube/kube.h"
#include "runtime/controller.h"
#include "runtime/kinds.h"
#include "runtime/reconcile.h"
#include "util/buf.h"
#include "runtime/workqueue.h"

#define SOURCE_CONTROLLER "source-controller"
#define SOURCE_FINALIZER "finalizers.fluxcd.io"

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
	int (*new_client)(void *c, cf_kube **k);   /* an API client as the workers have */
} src_ctl;

/* ---- announce.c ---- */

/* A pthread start routine (arg: the src_ctl), started once the artifact service listens and
 * the notice socket is bound: lists the sources (waiting for the API if it is down) and
 * publishes ARTIFACT_READY for each whose artifact is stored and whole, repeated a few times
 * within seconds (PUB/SUB's slow joiner); ends early on stop. */
void *src_announce_run(void *arg);

/* The kinds: a row each (main.c's table), its reconcile and wants_reconcile in its file. */

/* ---- gitrepository.c ---- */

/* Reconciles GitRepository ns/name once (c: the src_ctl). *requeue_ms gets when to look again
 * (0: only when the object changes). Returns 0, or a negative code after recording the failure
 * in status (the caller backs off). */
int gitrepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* Whether a watch event asks for a reconcile: new objects, spec changes (generation),
 * reconcile requests (annotation), deletions. Status-only updates (our own) do not. */
int gitrepository_wants_reconcile(const char *type, const json_t *obj);

/* ---- helmrepository.c, helmchart.c ---- */

/* As gitrepository_reconcile; their watch filter is gitrepository_wants_reconcile's rule. */
int helmrepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
int helmchart_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* Watch hooks (a row's on_event): HelmChart events keep the map chart -> its source;
 * helmchart_source_event, on the rows of the kinds a chart is built from, enqueues the charts
 * of a source whose artifact revision moved. helmchart_index_free at teardown. */
void helmchart_on_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
void helmchart_source_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
void helmchart_index_free(void);

/* A Helm repository's HTTP client (helmrepository.c), also used for chart downloads. */
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
 * passCredentials): Secrets read from its namespace and decoded. *reason gets Flux's reason on
 * failure; r is closed then. */
int  helm_repo_open(helm_repo *r, cf_kube *k, const json_t *repo, long timeout_ms, const char **reason);
/* GETs url into out (at most max bytes: past it CF_ETOOBIG); credentials are sent only to
 * the repository's host, unless passCredentials. A non-2xx reply is an error naming url
 * (CF_EAUTH for 401/403). */
int  helm_repo_get(helm_repo *r, const char *url, cf_buf *out, size_t max);
/* Safe on a closed one. */
void helm_repo_close(helm_repo *r);

/* ---- ocirepository.c ---- */

/* Reconciles OCIRepository ns/name once (c: the src_ctl), as gitrepository_reconcile. */
int ocirepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
int ocirepository_wants_reconcile(const char *type, const json_t *obj);

/* The OCI client for registry ("host[:port]") with spec's credentials, as the source kinds
 * take them (source/oci_client.h with the source-controller's user agent; basic_auth: an OCI
 * HelmRepository's username/password keys too). *client is NULL on failure. */
int src_oci_client(cf_oci **client, cf_kube *k, const char *ns, const json_t *spec, const char *registry,
		   long timeout_ms, int basic_auth);
/* The highest tag of repository in the semver range (and matching the regular expression
 * filter, if set) into tag; CF_ENOTFOUND "no match found for semver: <range>". */
int src_oci_pick_tag(char *tag, size_t size, cf_oci *client, const char *repository, const char *range,
		     const char *filter);

/* ---- storage.c: what every source kind shares ---- */

/* One pass of the lifecycle for a source kind's ns/name: the finalizer, FetchFailed on
 * failures (no retryInterval: they back off), the storage removed when the object goes, events
 * from the source-controller; body is the kind's work (runtime/reconcile.h). */
int  src_source_reconcile(src_ctl *c, cf_kube *k, cf_kind_id kind, const char *ns, const char *name,
			  long *requeue_ms, int (*body)(cf_reconcile *p), long default_timeout_ms);
/* The folder of an object's artifacts (<storage>/<kind>/<ns>/<name>) or, with cache, of its
 * cache (<storage>/.cache/<kind>/<ns>/<name>), into b (reset first). */
int  src_storage_dir(cf_buf *b, const src_ctl *c, cf_kind_id kind, int cache, const char *ns, const char *name);
/* For an artifact file of ns/name: its folder, its path as status.artifact.path has it
 * ("<kind>/<ns>/<name>/<file>") and its URL (under --storage-adv-addr). */
int  src_artifact_paths(cf_buf *dir, cf_buf *path, cf_buf *url, const src_ctl *c, cf_kind_id kind, const char *ns,
			const char *name, const char *file);
/* Keeps the newest two artifacts in dir (current always) and removes temp files a killed
 * process left. */
void src_storage_retain(const char *dir, const char *current);
/* 1 if status.artifact has revision and path (either NULL: any) and its file is on disk with
 * the digest status gives, else 0. */
int  src_storage_current(const src_ctl *c, const json_t *status, const char *revision, const char *path);
/* Sets status.artifact {path, url, revision, digest, size, lastUpdateTime}, and status.url
 * with status_url (HelmRepository, HelmChart have it). */
int  src_storage_set_artifact(json_t *status, const char *path, const char *url, const char *revision,
			      const char *digest, size_t size, int status_url);
/* Deletes the object's artifacts and cache. */
void src_storage_remove(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name);
/* Publishes the new-artifact notice (after status is written: whoever hears it reads it). */
void src_notice_publish(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name, const char *revision,
			const char *digest, const char *path);

#endif
