/* common/runtime/depends.h - spec.dependsOn, as the kustomize- and the helm-controller read it:
 * every entry Ready at its latest generation. An entry may name its kind (Kustomization or
 * HelmRelease; cflux allows the cross-kind case Flux refuses, flux2 #956), else it is of the
 * depending object's own kind. */
#ifndef CF_DEPENDS_H
#define CF_DEPENDS_H

#include <jansson.h>

#include "kube/kube.h"
#include "runtime/kinds.h"

/* 1 when every entry of deps (an array of {name, namespace?, kind?}; namespace defaults to ns,
 * kind to own) is Ready at its generation; 0 with the error recorded ("dependency 'ns/name' is
 * not ready", "... not found", or a CF_EINVAL naming the entry) when not. */
int cf_dependencies_ready(cf_kube *k, const json_t *deps, const char *ns, cf_kind_id own);

/* The keys "Kind/ns/name" of the entries of deps (as above), a new array (NULL without memory):
 * what a controller's index holds to wake an object's dependents when it turns Ready. */
json_t *cf_dependency_keys(const json_t *deps, const char *ns, cf_kind_id own);

#endif
