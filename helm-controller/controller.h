/* helm-controller/controller.h - what main.c and the HelmRelease reconciler share. */
#ifndef HELM_CONTROLLER_H
#define HELM_CONTROLLER_H

#include "bus/bus.h"
#include "kube/kube.h"
#include "release.h"
#include "runtime/kinds.h"
#include "runtime/workqueue.h"

#include <pthread.h>

#define HELM_CONTROLLER "helm-controller"
#define HC_RELEASE_NAME_MAX 53

typedef struct hc_ctl {
	/* flags */
	const char *kubeconfig, *context, *watch_namespace;
	const char *notify_addr, *events_addr, *log_level, *internal_token_file;
	const char *helm_bin, *tmp_dir, *default_service_account;
	int insecure_kubeconfig_tls;   /* spec.kubeConfig may skip the TLS check */
	long concurrent, requeue_dependency_ms, requeue_max_ms, artifact_max_size;
	/* run time */
	char *internal_token;
	char self_exe[4096];      /* this binary: helm's post-renderer plugin runs it */
	cf_workqueue *queue;
	cf_bus_pub *events;
	pthread_mutex_t mu;       /* guards index */
	json_t *index;            /* "ns/name" -> {"source": "Kind/ns/name", "deps": ["Kind/ns/name"]} */
	volatile int stop;
} hc_ctl;

int hc_new_client(hc_ctl *c, cf_kube **k);

/* Reconciles HelmRelease ns/name once. */
int helmrelease_reconcile(hc_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
/* Whether a watch event asks for a reconcile (new, spec changed, requested, forced, reset, deleted). */
int helmrelease_wants_reconcile(const char *type, const json_t *obj);

/* Flux's release name: spec.releaseName, else [targetNamespace-]name; longer than 53
 * characters it is cut to 40 and "-" and 12 hex digits of its sha256 are added. */
void hc_release_name(char out[64], const json_t *hr);

/* What a pass does with the release, from what helm's history says (pure, table-tested). */
typedef enum hc_action {
	HC_ACT_INSTALL,        /* no release (or only an uninstalled one) */
	HC_ACT_UPGRADE,        /* out of date, or its last attempt failed and may be retried */
	HC_ACT_UNLOCK,         /* left pending-* by a crash: roll back, or uninstall with nothing to go back to */
	HC_ACT_TEST,           /* in sync, tests enabled and not run for this revision */
	HC_ACT_NONE,           /* in sync */
	HC_ACT_STALLED,        /* retries exhausted for this chart and values */
} hc_action;

typedef struct hc_state {
	const hc_history *hist;
	int in_sync;           /* deployed at the desired chart version and values, not forced */
	int exhausted;         /* the failures of the last attempted action passed its retries */
	int tests_due;         /* test.enable and no test result for the latest revision */
} hc_state;

hc_action hc_next_action(const hc_state *s);
const char *hc_action_str(hc_action a);

/* The index: which HelmReleases use a source, and which depend on an object. */
void hc_index_update(hc_ctl *c, const char *type, const json_t *obj);
void hc_enqueue_for(hc_ctl *c, const char *what, const char *kind, const char *ns, const char *name);

#endif
