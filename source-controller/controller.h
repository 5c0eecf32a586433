/* source-controller/controller.h - what main.c and the reconcilers share. */
#ifndef SOURCE_CONTROLLER_H
#define SOURCE_CONTROLLER_H

#include "bus/bus.h"
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
} src_ctl;

/* The kinds: a row each (main.c's table), its reconcile and wants_reconcile in its file. */

/* ---- gitrepository.c ---- */

/* Reconciles GitRepository ns/name once (c: the src_ctl). *requeue_ms gets when to look again
 * (0: only when the object changes). Returns 0, or a negative code after recording the failure
 * in status (the caller backs off). */
int gitrepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* Whether a watch event asks for a reconcile: new objects, spec changes (generation),
 * reconcile requests (annotation), deletions. Status-only updates (our own) do not. */
int gitrepository_wants_reconcile(const char *type, const json_t *obj);

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
/* Deletes the object's artifacts and cache. */
void src_storage_remove(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name);
/* Publishes the new-artifact notice (after status is written: whoever hears it reads it). */
void src_notice_publish(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name, const char *revision,
			const char *digest, const char *path);

#endif
