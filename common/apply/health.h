/* common/apply/health.h - whether a live object has reached its desired state, by the rules of
 * kstatus (the library Flux's health checks use): workloads have rolled out, Jobs completed,
 * PVCs bound, LoadBalancers given an address, CRDs established, and any object with
 * status.observedGeneration and a Ready condition is Ready at its generation. */
#ifndef CF_HEALTH_H
#define CF_HEALTH_H

#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"
#include "util/buf.h"

typedef enum cf_health {
	CF_HEALTH_CURRENT = 0,      /* done */
	CF_HEALTH_IN_PROGRESS = 1,  /* not yet; may still get there */
	CF_HEALTH_FAILED = 2,       /* will not get there without a change */
} cf_health;

/* The health of obj; msg gets a short reason when it is not current. */
cf_health cf_health_of(const json_t *obj, char *msg, size_t size);
const char *cf_health_str(cf_health h);

/* One look at targets (an array of {apiVersion, kind, namespace (may be absent), name}): the
 * worst health among them (an object that cannot be read counts as in progress), and in msg
 * one "Kind/ns/name status: 'InProgress': why" per object that is not current, comma
 * separated. It never waits: a caller that wants to wait looks again later. */
cf_health cf_health_check_refs(cf_kube *k, const json_t *targets, cf_buf *msg);

#endif
