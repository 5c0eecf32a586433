/* notification-controller/notify.h - the notification-controller's pure parts: Flux events read and checked,
 * Alerts matched against them, and each Provider type's request (URL, headers, body) built
 * from an event. No I/O here, so all of it is unit-tested and fuzzed. */
#ifndef CF_NOTIFY_H
#define CF_NOTIFY_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

#define CF_NOTIFY_EVENT_MAX (256u * 1024u)   /* bytes of one event */

/* Parses and checks a Flux event (involvedObject.kind/name/namespace, severity info|error,
 * reason, message, timestamp; metadata string values; reportingController). *out is the event
 * object. Errors name the field. */
int cf_notify_parse_event(json_t **out, const char *data, size_t len);

/* Whether alert (an Alert object) wants event. labels are the involved object's labels (for
 * matchLabels; NULL: none known). Returns 1 or 0; never fails (a bad regex in the alert does
 * not match, and *why says so when why is non-NULL). */
int cf_notify_alert_matches(const json_t *alert, const json_t *event, const json_t *labels, const char **why);

/* A provider's request for one event. */
typedef struct cf_notify_request {
	char method[8];    /* POST, or PUT (Matrix) */
	char url[4096];
	cf_buf body;
	json_t *headers;   /* name -> value */
} cf_notify_request;

/* What a provider sends for event (already merged with the alert's eventMetadata):
 * provider is the Provider object; secret holds its secret's decoded values (address, token,
 * headers (YAML or JSON map), username, password), or NULL. CF_EINVAL names the field when the
 * provider cannot send (no address, no channel for a Slack bot, a revision that is not a
 * commit for a commit-status provider). Free with cf_notify_request_free. */
int  cf_notify_build(cf_notify_request *r, const json_t *provider, const json_t *event, const json_t *secret);
/* Wipes the body and the header values (tokens), then frees them. */
void cf_notify_request_free(cf_notify_request *r);

/* Overwrites the bytes of every string value in j (recursively; NULL is fine) with zeros:
 * what held a secret is wiped before json_decref. Keys are left alone. */
void cf_notify_wipe(json_t *j);

/* The key under which duplicates are suppressed: provider, involved object, severity, reason,
 * message and metadata. */
void cf_notify_dedup_key(char out[72], const char *provider_key, const json_t *event);

#endif
