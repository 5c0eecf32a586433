/* common/runtime/event.h - Flux's event JSON, as controllers send it to notification-controller. */
#ifndef CF_EVENT_H
#define CF_EVENT_H

#include <jansson.h>

#include "bus/bus.h"
#include "kube/kube.h"

/* A new event about obj: {involvedObject, severity ("info"|"error"), timestamp, message,
 * reason, metadata (copied; may be NULL), reportingController, reportingInstance}. */
json_t *cf_event_new(const json_t *obj, const char *severity, const char *reason,
		     const char *message, const json_t *metadata, const char *controller);

/* Records an event about obj both ways a Flux controller does: a Kubernetes Event (type
 * "Normal" or "Warning", annotations may be NULL) and Flux's event JSON PUSHed to
 * notification-controller on pub (metadata may be NULL). A failure is logged, not returned:
 * an event is never worth failing a reconcile for. */
void cf_event_emit(cf_kube *k, cf_bus_pub *pub, const json_t *obj, const char *type, const char *reason,
		   const char *message, const json_t *annotations, const json_t *metadata, const char *controller);
/* cf_event_emit with what Flux attaches to the event of a reconciled object: the annotations
 * "<group>/revision" and "<group>/digest" (the group of obj's kind in the kind table) and the
 * metadata {revision, digest}. digest may be NULL; a NULL or empty revision attaches neither. */
void cf_event_emit_revision(cf_kube *k, cf_bus_pub *pub, const json_t *obj, const char *type,
			    const char *reason, const char *message, const char *revision,
			    const char *digest, const char *controller);

#endif
