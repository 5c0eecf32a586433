/* common/runtime/controller.h - a controller's kinds as a table: one row per kind it watches,
 * with what a watch event does (on_event), whether it asks for a reconcile (wants_reconcile)
 * and the reconcile itself. The workers' keys are "Kind/ns/name"; a worker finds the row by the
 * Kind and calls its reconcile. Adding a kind to a controller is adding its row and its file.
 *
 * A source kind of the source-controller (GitRepository, HelmRepository, HelmChart,
 * OCIRepository) is a row whose reconcile runs src_source_reconcile with the kind's body: the
 * storage of the artifact it serves, its removal, and the notice it publishes are the
 * source-controller's (source-controller/storage.c), named by the row's kind. */
#ifndef CF_CONTROLLER_H
#define CF_CONTROLLER_H

#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"
#include "runtime/kinds.h"
#include "runtime/workqueue.h"

/* The longest work key: Kind + '/' + namespace (63) + '/' + name (253), with room. */
#define CF_WORK_KEY_MAX 512

typedef struct cf_kind_handler {
	cf_kind_id kind;          /* the row of runtime/kinds.h: apiVersion and Kind */
	/* every watch event of the kind (its row in runtime/kinds.h), before wants_reconcile
	 * (caches, indexes, waking others); ctx is the controller's; NULL: none */
	void (*on_event)(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
	/* whether a watch event asks for a reconcile of obj; NULL: the kind is only watched */
	int  (*wants_reconcile)(const char *type, const json_t *obj);
	/* reconciles ns/name once: 0 (*requeue_ms: look again then; 0: only on change) or a negative
	 * code (retried after *requeue_ms when set, else backed off); NULL: not reconciled */
	int  (*reconcile)(void *ctx, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
} cf_kind_handler;

/* A controller's table. */
typedef struct cf_kind_table {
	const cf_kind_handler *rows;
	size_t n;
} cf_kind_table;

/* The row of Kind name kind, or NULL. */
const cf_kind_handler *cf_kind_table_find(const cf_kind_table *t, const char *kind);

/* Writes "Kind/ns/name" into key. CF_EINVAL when it does not fit in size. */
int cf_work_key(char *key, size_t size, cf_kind_id kind, const char *ns, const char *name);

/* Splits key ("Kind/ns/name") in place: *row is the table's row of Kind, *ns and *name point
 * into key. CF_EINVAL (recorded, naming the key) when it is not Kind/ns/name or the Kind has no
 * reconcile in t. */
int cf_work_key_parse(char *key, const cf_kind_table *t, const cf_kind_handler **row, const char **ns,
		      const char **name);

/* Adds the key of obj (an object of kind) to q; objects without namespace or name are passed
 * over. */
void cf_work_enqueue(cf_workqueue *q, cf_kind_id kind, const json_t *obj);
/* The same for kind/ns/name. */
void cf_work_enqueue_name(cf_workqueue *q, cf_kind_id kind, const char *ns, const char *name);

/* What a watch event of row's kind does: on_event, then, when wants_reconcile says so, obj's
 * key into q. Returns 0 (a watch callback's result). */
int cf_kind_watch_event(const cf_kind_handler *row, void *ctx, cf_workqueue *q, const char *type,
			const json_t *obj);

#endif
