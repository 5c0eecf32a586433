/* helm-controller/drift.h - spec.driftDetection: the objects of the release's manifest compared
 * with the cluster by a server-side dry run as helm's field manager (what helm would set, against
 * what is there), and applied again in mode enabled. Objects labelled or annotated
 * helm.toolkit.fluxcd.io/driftDetection: disabled are left out, as in Flux. */
#ifndef HC_DRIFT_H
#define HC_DRIFT_H

#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"

/* Checks each object of manifest (helm's YAML, len bytes) of release (in namespace ns) with the
 * metadata helm adds when it applies; objects of a namespaced kind without a namespace are in
 * ns. *drifted (new, also on failure) gets a line per drifted object, "Kind/ns/name changed
 * (spec.replicas, data.k)" or "Kind/ns/name deleted"; with correct they are applied (force).
 * ignore (spec.driftDetection.ignore, checked; may be NULL): fields that never count as drift
 * and are never corrected. */
int  hc_drift_check(cf_kube *k, json_t **drifted, const char *manifest, size_t len, const char *release,
		    const char *ns, int correct, const json_t *ignore);

/* spec.driftDetection.ignore as Flux has it: a list of {paths: [JSON pointers], target:
 * {group, version, kind, name, namespace, labelSelector, annotationSelector}} (no target: every
 * object). CF_EINVAL naming the rule and field. Pure. */
int  hc_drift_ignore_check(const json_t *ignore);
/* The rules of ignore that select desired: each path left out of dry (what helm would set)
 * and live, so it is never drift, and in fix (what a correction applies) set to live's value
 * (left out when live has none), so it is never corrected. Pure. */
void hc_drift_apply_ignore(json_t *fix, json_t *dry, json_t *live, const json_t *ignore);
/* The fields where desired and live differ (server bookkeeping and status left out), at most
 * two levels deep ("spec.replicas, metadata.labels"), into out ("" when none). Pure. */
void hc_drift_fields(char *out, size_t size, const json_t *desired, const json_t *live);

#endif
