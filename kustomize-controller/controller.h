/* kustomize-controller/controller.h - what main.c, the reconciler and the drift watches share. */
#ifndef KUSTOMIZE_CONTROLLER_H
#define KUSTOMIZE_CONTROLLER_H

#include "bus/bus.h"
#include "kube/kube.h"
#include "objcache.h"
#include "runtime/kinds.h"
#include "runtime/workqueue.h"
#include "source/tree.h"
#include "trees.h"

#include <pthread.h>

#define KUSTOMIZE_CONTROLLER "kustomize-controller"
#define KUSTOMIZE_FINALIZER "finalizers.fluxcd.io"
#define KUSTOMIZE_GROUP_VERSION CF_AV_KUSTOMIZATION
#define KS_KEY_MAX 512

typedef struct ks_ctl {
	/* flags */
	const char *kubeconfig, *context, *watch_namespace;
	const char *notify_addr, *events_addr, *log_level, *internal_token_file;
	long concurrent, concurrent_ssa, requeue_dependency_ms, requeue_max_ms, artifact_max_size, max_files;
	/* lockdown (Flux's multi-tenancy flags) */
	int no_cross_namespace_refs, no_remote_bases;
	int insecure_kubeconfig_tls;   /* spec.kubeConfig may skip the TLS check */
	const char *default_service_account;
	/* run time */
	char *internal_token;     /* for artifact requests and events; NULL without --internal-token-file */
	cf_workqueue *queue;
	cf_bus_pub *events;
	cf_objcache *cache;
	ks_trees *trees;          /* unpacked artifacts shared by digest */
	pthread_mutex_t mu;       /* guards index, drift and watches */
	json_t *index;            /* "ns/name" -> {"source": "Kind/ns/name", "deps": ["ns/name"], "gen", "deleting"} */
	json_t *drift;            /* "ns/name" -> ["Deployment/ns/x modified", ...] seen since its last reconcile */
	json_t *watches;          /* "apiVersion/kind" -> true, for the drift watches started */
	json_t *health_waits;     /* "ns/name" -> {"revision", "generation", "deadline" (ms, monotonic)} */
	json_t *sources;          /* "Kind/ns/name" -> the source as its watch last saw it (watch.c) */
	json_t *builds;           /* "ns/name" -> what a sibling's build holds, for hand-overs (handover.c) */
	pthread_t *watch_threads;
	size_t nwatch_threads;
	volatile int stop;
} ks_ctl;

int  ks_new_client(ks_ctl *c, cf_kube **k);

/* Reconciles Kustomization ns/name once (c: the ks_ctl); *requeue_ms as in the source-controller. */
int  kustomization_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
/* Whether a watch event asks for a reconcile (new, spec changed, requested, deleted). */
int  kustomization_wants_reconcile(const char *type, const json_t *obj);

/* The watch events (rows of main.c's kind table; ctx: the ks_ctl). A Kustomization's: the index,
 * and its dependents once it is ready at its generation. A source's (GitRepository, any source
 * kind): the Kustomizations that use it, once it has an artifact. */
void ks_on_kustomization(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
void ks_on_source(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
/* a HelmRelease turning Ready wakes the Kustomizations that depend on it (cross-kind dependsOn) */
void ks_on_helmrelease(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);

/* The index: which Kustomizations use a source, and which depend on a Kustomization. */
void ks_index_update(ks_ctl *c, const char *type, const json_t *obj);
/* The index's keys are "ns/name" (the work keys, "Kustomization/ns/name", are made when they
 * are queued). The keys ("ns/name") of the Kustomizations that use a source (a new array, NULL without
 * memory); live_only leaves out those the watch has seen marked for deletion. */
json_t *ks_keys_for_source(ks_ctl *c, const char *kind, const char *ns, const char *name, int live_only);
void ks_enqueue_for_source(ks_ctl *c, const char *kind, const char *ns, const char *name);
/* Enqueues the Kustomizations whose dependsOn names Kind/ns/name (kind Kustomization or HelmRelease). */
void ks_enqueue_dependents(ks_ctl *c, const char *kind, const char *ns, const char *name);

/* The objects of old_inv that are not in new_inv and that a sibling of Kustomization self (one
 * of the same source, not being deleted, suspended or not) builds from tree: *claims is a new
 * object id -> "ns/name" of the sibling, to be left out of self's prune. Siblings whose build
 * fails are passed over; an API failure is an error (*claims NULL). */
int  ks_handover_claims(ks_ctl *c, cf_kube *k, json_t **claims, const json_t *self, cf_tree *tree,
			const char *digest, const json_t *old_inv, const json_t *new_inv);
/* The generation of Kustomization "ns/name" as its watch last saw it, or -1. */
long long ks_index_generation(ks_ctl *c, const char *key);

/* The source Kind/ns/name as its watch last saw it (a new object: kind, metadata, its
 * status.artifact), or NULL when the watch has not seen it, it has no artifact, or a notice
 * told of a revision the watch has not shown yet: then the caller reads the API. */
json_t *ks_source_cached(ks_ctl *c, const char *kind, const char *ns, const char *name);
/* A new-artifact notice of revision (and digest, "" if none) for Kind/ns/name (before its
 * watch event may come). A notice of the artifact the watch shows already (the same revision
 * and digest: the notice came after the status it announces) leaves the entry as it is. */
void ks_source_notified(ks_ctl *c, const char *kind, const char *ns, const char *name, const char *revision,
			const char *digest);

/* Starts a drift watch on apiVersion/kind unless one runs. */
int  ks_watch_kind(ks_ctl *c, const char *api_version, const char *kind);
/* Takes the drift seen for key since the last call (a new array, may be empty). */
json_t *ks_take_drift(ks_ctl *c, const char *key);

#endif
