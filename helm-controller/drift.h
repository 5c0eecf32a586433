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
 * metadata helm adds when it applies; objects of a namespaced kind without a namespace are in ns. *drifted (new, also on failure) gets a line per drifted object,
 * "Kind/ns/name changed (spec.replicas, data.k)" or "Kind/ns/name deleted"; with correct they
 * are applied (force). */
int  hc_drift_check(cf_kube *k, json_t **drifted, const char *manifest, size_t len, const char *release,
		    const char *ns, int correct);
/* The fields where desired and live differ (server bookkeeping and status left out), at most
 * two levels deep ("spec.replicas, metadata.labels"), into out ("" when none). Pure. */
void hc_drift_fields(char *out, size_t size, const json_t *desired, const json_t *live);

#endif
