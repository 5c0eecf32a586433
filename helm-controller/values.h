/* helm-controller/values.h - a HelmRelease's values: spec.valuesFrom (ConfigMaps and Secrets,
 * in order) merged, then spec.values on top, as Flux merges them. Values may hold secrets:
 * whoever holds them wipes them (cf_kube_secret_free). */
#ifndef HC_VALUES_H
#define HC_VALUES_H

#include <jansson.h>

#include "kube/kube.h"

/* The merged values of hr (read from the API with k); *values is a new object, *secrets a new
 * array of the scalars that came from Secrets (as text: what no message may show), both to
 * free with cf_kube_secret_free, both NULL on failure. Errors name the valuesFrom entry and
 * the object. */
int hc_values_load(cf_kube *k, const json_t *hr, json_t **values, json_t **secrets);

/* Sets the value at a dot path ("a.b", "a\.b" is one key, "a[0]" an index) to raw, as Flux's
 * targetPath: quoted ('x' or "x") a string, else true/false, null, an integer or a string. */
int hc_values_set_path(json_t *values, const char *path, const char *raw);
/* "sha256:<hex>" of the values as canonical JSON (keys sorted, compact): Flux's config digest. */
int hc_values_digest(char out[72], const json_t *values);

#endif
