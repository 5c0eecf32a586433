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


#endif
