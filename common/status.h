/* common/status.h - what every reconciler does with its object's metadata and status: decide
 * whether a watch event asks for a reconcile, record that a request was handled, keep the
 * finalizer, and write status. */
#ifndef CF_STATUS_H
#define CF_STATUS_H

#include <jansson.h>
#include <stddef.h>

#include "kube.h"

#define CF_REQUESTED_AT_ANNOTATION "reconcile.fluxcd.io/requestedAt"
#define CF_FINALIZER "finalizers.fluxcd.io"

/* Whether a watch event asks for a reconcile: new objects, deletions (being deleted, or gone
 * when gone_too), a generation not yet observed, a requestedAt not yet handled. Status-only
 * updates (a controller's own writes) do not. */
int  cf_status_wants_reconcile(const char *type, const json_t *obj, int gone_too);
/* "namespace/name" of obj into out; CF_EINVAL when either is missing. */
int  cf_status_key(char *out, size_t size, const json_t *obj);
/* Sets status.observedGeneration and, if obj carries requestedAt, lastHandledReconcileAt. */
void cf_status_mark_handled(json_t *status, const json_t *obj);
/* Writes status (a merge patch of the status subresource) of the object obj names. */
int  cf_status_patch(cf_kube *k, const json_t *obj, const json_t *status);
/* 0 if obj has the finalizer, 1 after adding it, or a negative code. */
int  cf_finalizer_ensure(cf_kube *k, const json_t *obj, const char *finalizer);
/* Removes the finalizer (an object already gone is not an error). */
int  cf_finalizer_remove(cf_kube *k, const json_t *obj, const char *finalizer);

#endif
