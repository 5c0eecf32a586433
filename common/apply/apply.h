/* common/apply/apply.h - applying a set of objects the way the kustomize-controller does: validate
 * the whole set with a server-side dry run, then server-side apply in stages (CRDs and
 * Namespaces first, waiting until they are established/active), record the inventory, and
 * prune what left it. */
#ifndef CF_APPLY_H
#define CF_APPLY_H

#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"

#define CF_APPLY_PRUNE_ANNOTATION "kustomize.toolkit.fluxcd.io/prune"
/* Per object: Override (the default), Merge, IfNotPresent (create, never update), Ignore. */
#define CF_APPLY_SSA_ANNOTATION "kustomize.toolkit.fluxcd.io/ssa"
/* Per object: Enabled recreates it when an immutable field changed, as spec.force does. */
#define CF_APPLY_FORCE_ANNOTATION "kustomize.toolkit.fluxcd.io/force"

typedef struct cf_apply_opts {
	unsigned version;
	const char *field_manager;   /* "kustomize-controller" */
	int force;                   /* take fields owned by other managers */
	long wait_ms;                /* for CRDs to be established and Namespaces active */
	int recreate;                /* delete and create objects whose immutable fields changed */
	/* Optional: 1 when obj is known to be applied and untouched since (it is then neither
	 * dry-run nor sent, and counts as unchanged). */
	int (*unchanged)(const json_t *obj, void *payload);
	/* Optional: obj is now what the cluster holds; live is the object as the API returned it. */
	void (*applied)(const json_t *obj, const json_t *live, void *payload);
	void *payload;
	/* Requests in flight at once (dry runs and applies; stage by stage, in the set's order of
	 * results): the kustomize-controller's --concurrent-ssa. 1 or less: one at a time. The
	 * extra ones go over k's helpers (cf_kube_helper); unchanged and applied may be called
	 * from several threads at once. */
	long concurrency;
} cf_apply_opts;
#define CF_APPLY_OPTS_VERSION 3
/* The field manager the kustomize-controller applies as (Flux's). */
#define CF_APPLY_FIELD_MANAGER "kustomize-controller"
#define CF_APPLY_OPTS_INIT { CF_APPLY_OPTS_VERSION, CF_APPLY_FIELD_MANAGER, 0, 30000, 0, NULL, NULL, NULL, 1 }

/* What an apply did. inventory: [{id, v}] in Flux's format ("<ns>_<name>_<group>_<kind>", v the
 * version); changes: ["Kind/ns/name created|configured|unchanged|skipped"] (skipped: the ssa
 * annotation said so). */
typedef struct cf_apply_result {
	json_t *inventory;
	json_t *changes;
	size_t created, configured, unchanged, skipped;
} cf_apply_result;

/* Flux's inventory id of an object. */
int  cf_apply_inventory_id(char *out, size_t size, const json_t *obj);
/* The parts of an inventory id "<ns>_<name>_<group>_<kind>". */
typedef struct cf_apply_id {
	char ns[254], name[254], group[254], kind[128];
} cf_apply_id;
/* Splits id into *out. None of the four parts may hold '_' (Kubernetes names, namespaces,
 * groups and kinds cannot); namespace and group may be empty, name and kind not. CF_EINVAL
 * (without a message: the caller names the id) when id is not one. */
int  cf_apply_id_parse(cf_apply_id *out, const char *id);
/* "Kind/ns/name" (cluster-scoped: "Kind/name") of an inventory id; CF_EINVAL if it is not one. */
int  cf_apply_id_describe(char *out, size_t size, const char *id);
/* Fills in what older API servers require on server-side apply of native kinds (protocol TCP
 * on Service and container ports), as Flux does. Changes objs in place. */
void cf_apply_defaults(json_t *objs);
/* Puts objs in Flux's apply order, in place (fluxcd/pkg/ssa's ReconcileOrder: CRDs, Namespaces,
 * cluster roles and classes, ..., ConfigMaps, Secrets, Services, Deployments first, webhook
 * configurations last; then group, kind, namespace, name), as Flux's ApplyAll sorts before it
 * applies: the changes and the inventory come in this order. */
int  cf_apply_sort(json_t *objs);
/* Dry-runs every object (in cf_apply_sort's order; objs itself keeps its order), then applies in stages. If any dry run fails, nothing is applied and
 * the error names the object. res is filled on success (free with cf_apply_result_free). */
int  cf_apply_set(cf_kube *k, cf_apply_result *res, json_t *objs, const cf_apply_opts *o);
typedef struct cf_apply_prune_opts {
	unsigned version;
	/* Labels (an object of strings) the live object must all carry to be deleted: Flux's
	 * owner labels, so that an object another owner has taken since is left alone. NULL:
	 * not checked. */
	const json_t *owner_labels;
	/* Optional: 1 leaves the object with this inventory id in place without looking at it
	 * (another owner is about to apply it). */
	int (*keep)(const char *id, void *payload);
	void *payload;
} cf_apply_prune_opts;
#define CF_APPLY_PRUNE_OPTS_VERSION 1
#define CF_APPLY_PRUNE_OPTS_INIT { CF_APPLY_PRUNE_OPTS_VERSION, NULL, NULL, NULL }

/* Deletes the objects of old_inventory that are not in new_inventory, except those annotated
 * kustomize.toolkit.fluxcd.io/prune: disabled, those without all of o->owner_labels, and those
 * o->keep keeps. *deleted (may be NULL) lists "Kind/ns/name deleted"; *skipped (may be NULL)
 * lists "Kind/ns/name not pruned: <why>" for the objects left because of their labels. Both
 * are new arrays the caller frees, also on failure. */
int  cf_apply_prune(cf_kube *k, json_t **deleted, json_t **skipped, const json_t *old_inventory,
		    const json_t *new_inventory, const cf_apply_prune_opts *o);
void cf_apply_result_free(cf_apply_result *r);
/* A copy of obj without what the server changes on its own (managedFields, resourceVersion,
 * generation, status): what drift comparisons look at. */
json_t *cf_apply_comparable(const json_t *obj);

#endif
