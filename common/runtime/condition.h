/* common/runtime/condition.h - Kubernetes/Flux status conditions in a JSON status object. */
#ifndef CF_CONDITION_H
#define CF_CONDITION_H

#include <jansson.h>

/* Flux's condition types and reasons used by more than one controller. */
#define CF_COND_READY               "Ready"
#define CF_COND_RECONCILING         "Reconciling"
#define CF_COND_STALLED             "Stalled"
#define CF_REASON_SUCCEEDED         "Succeeded"
#define CF_REASON_PROGRESSING       "Progressing"

/* Sets (or replaces) the condition `type` in status.conditions. lastTransitionTime moves only
 * when status changes. Returns 0 or CF_ENOMEM. */
int cf_condition_set(json_t *status, const char *type, const char *cstatus, const char *reason,
		     const char *message, long long generation);
/* Removes the condition `type`, if present. */
void cf_condition_remove(json_t *status, const char *type);
/* The condition `type`, borrowed, or NULL. */
json_t *cf_condition_get(const json_t *status, const char *type);
/* Whether obj (a Flux object) is Ready=True for its current metadata.generation: what a
 * dependsOn waits for. */
int cf_condition_ready_at_generation(const json_t *obj);
/* RFC 3339 UTC "now" (21 bytes with NUL). */
void cf_time_now(char out[32]);

#endif
