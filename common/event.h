/* common/event.h - Flux's event JSON, as controllers send it to notification-controller. */
#ifndef CF_EVENT_H
#define CF_EVENT_H

#include <jansson.h>

/* A new event about obj: {involvedObject, severity ("info"|"error"), timestamp, message,
 * reason, metadata (copied; may be NULL), reportingController, reportingInstance}. */
json_t *cf_event_new(const json_t *obj, const char *severity, const char *reason,
		     const char *message, const json_t *metadata, const char *controller);

#endif
