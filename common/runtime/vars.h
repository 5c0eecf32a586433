/* common/runtime/vars.h - variables a Flux object takes from the API: the postBuild
 * substituteFrom of a Kustomization (ConfigMaps and Secrets), read with the controller's client.
 * The substitution itself is kustomize/fluxbuild's, without API calls. */
#ifndef CF_VARS_H
#define CF_VARS_H

#include <jansson.h>

#include "kube/kube.h"

/* The postBuild variables of Kustomization ks: spec.postBuild.substituteFrom in order (later
 * ones win; ConfigMap data, Secret data decoded; `optional` ones may be missing), then
 * spec.postBuild.substitute. Names are checked. *vars is a new object of strings, the caller's
 * to free; NULL on failure. */
int cf_flux_load_vars(cf_kube *k, const json_t *ks, json_t **vars);

/* The data of ConfigMap or Secret ns/name (kind "ConfigMap" or "Secret"; anything else is
 * CF_EINVAL), Secret values decoded: *data is a new object of key -> string, freed (wiped)
 * with cf_flux_ref_data_free. A missing object is CF_ENOTFOUND. What substituteFrom and the
 * helm-controller's valuesFrom read. */
int  cf_flux_ref_data(cf_kube *k, json_t **data, const char *ns, const char *kind, const char *name);
void cf_flux_ref_data_free(json_t *data);


#endif
