/* common/kustomize/fluxbuild.h - what Flux's kustomize-controller builds from a Kustomization: the
 * kustomization.yaml at spec.path (generated, as Flux does, when the path has none) with the
 * spec's overrides (targetNamespace, namePrefix, nameSuffix, patches, images, components),
 * the kustomize build, spec.commonMetadata, the owner labels, and postBuild substitution. */
#ifndef CF_FLUXBUILD_H
#define CF_FLUXBUILD_H

#include <jansson.h>

#include "kustomize/kustomize.h"
#include "util/buf.h"

#define CF_FLUX_NAME_LABEL "kustomize.toolkit.fluxcd.io/name"
#define CF_FLUX_NAMESPACE_LABEL "kustomize.toolkit.fluxcd.io/namespace"
#define CF_FLUX_SUBSTITUTE_ANNOTATION "kustomize.toolkit.fluxcd.io/substitute"

/* Builds the Kustomization object ks (its spec and metadata) over fs. vars (an object of
 * strings, may be NULL) are the postBuild variables, already merged from substituteFrom and
 * substitute; they are used only when spec.postBuild is set. *out is a new array. Errors name
 * the file, or the object and the variable. */
int cf_flux_build(json_t **out, const cf_kfs *fs, const json_t *ks, const json_t *vars);

/* Flux's --no-remote-bases, as a check before cf_flux_build: the first remote entry
 * (resources, bases, components, spec.components) in the kustomizations the build of ks over
 * fs reads is CF_EINVAL naming the file and the entry; 0 when there is none. (The engine
 * never fetches a remote base; this makes the refusal a stated policy.) Anything else wrong
 * is left for the build to report. */
int cf_flux_check_remote_bases(const cf_kfs *fs, const json_t *ks);

/* Replaces ${var}, ${var:=default}, ${var:-default}, ${var=default} and ${var-default} in
 * text with the values in vars (unset: empty); "$$" is a literal "$", so "$${var}" stays
 * "${var}". Anything else inside ${...} is an error. */
int cf_envsubst(cf_buf *out, const char *text, size_t len, const json_t *vars);

/* 0 if name may be a postBuild variable ([_a-zA-Z][_a-zA-Z0-9]*), else CF_EINVAL. */
int cf_flux_check_var_name(const char *name);

/* spec.path made relative to the artifact root ("./apps/dev/" -> "apps/dev", "" -> "."). */
int cf_flux_clean_path(char *out, size_t size, const char *path);

#endif
