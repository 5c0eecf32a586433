/* common/runtime/status.h - what every reconciler does with its object's metadata and status: decide
 * whether a watch event asks for a reconcile, record that a request was handled, keep the
 * finalizer, and write status. */
#ifndef CF_STATUS_H
#define CF_STATUS_H

#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"

#define CF_REQUESTED_AT_ANNOTATION "reconcile.fluxcd.io/requestedAt"
/* HelmRelease: a one-off install or upgrade, and a reset of the failure counts (with requestedAt) */
#define CF_FORCE_AT_ANNOTATION "reconcile.fluxcd.io/forceAt"
#define CF_RESET_AT_ANNOTATION "reconcile.fluxcd.io/resetAt"
#define CF_FINALIZER "finalizers.fluxcd.io"

/* Whether a watch event asks for a reconcile: new objects, deletions (being deleted, or gone
 * when gone_too), a generation not yet observed, a requestedAt not yet handled. Status-only
 * updates (a controller's own writes) do not. */
int  cf_status_wants_reconcile(const char *type, const json_t *obj, int gone_too);
/* "namespace/name" of obj into out; CF_EINVAL when either is missing. */
int  cf_status_key(char *out, size_t size, const json_t *obj);
/* Sets status.observedGeneration and, if obj carries requestedAt, lastHandledReconcileAt. */
void cf_status_mark_handled(json_t *status, const json_t *obj);
/* Makes the status of the object obj names equal to status: a merge patch of the status
 * subresource from obj's own status to status, in which every field that status no longer
 * has is null, so that it goes. On success obj's status is replaced by the one written. */
int  cf_status_patch(cf_kube *k, json_t *obj, const json_t *status);
/* The RFC 7386 merge patch from old to new (objects recursively, null for removed keys);
 * a new reference, NULL when out of memory. */
json_t *cf_status_merge_diff(const json_t *old, const json_t *new);
/* 0 if obj has the finalizer, 1 after adding it, or a negative code. */
int  cf_finalizer_ensure(cf_kube *k, const json_t *obj, const char *finalizer);
/* Removes the finalizer (an object already gone is not an error). */
int  cf_finalizer_remove(cf_kube *k, const json_t *obj, const char *finalizer);

#endif
