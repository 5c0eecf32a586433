/* source-controller/controller.h - what main.c and the reconcilers share. */
#ifndef SOURCE_CONTROLLER_H
#define SOURCE_CONTROLLER_H

#include "bus/bus.h"
#include "kube/kube.h"
#include "runtime/kinds.h"
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

#endif
