/* common/runtime/remote.h - spec.kubeConfig, as the kustomize- and the helm-controller read
 * it: the cluster that a Kustomization or HelmRelease applies to, when it is not the one the
 * object lives in. The kubeconfig comes from a Secret in the object's namespace, at
 * spec.kubeConfig.secretRef.key, else "value", else "value.yaml" (Flux's keys). */
#ifndef CF_REMOTE_H
#define CF_REMOTE_H

#include <jansson.h>

#include "kube/kube.h"

/* What a controller allows in such a kubeconfig beyond the safe form (its flags). */
typedef struct cf_remote_opts {
	int insecure_tls;        /* --insecure-kubeconfig-tls: insecure-skip-tls-verify is honoured */
} cf_remote_opts;

/* 1 when spec sets kubeConfig (the objects go to another cluster), else 0. */
int cf_remote_wanted(const json_t *spec);

/* The client for the cluster spec.kubeConfig of obj names (read with k, the controller's own
 * client), into *out; *out is NULL and 0 is returned when the spec names none. The kubeconfig
 * must carry its credentials inline: a file path (certificate-authority, client-certificate,
 * client-key, tokenFile) would read the controller's own files, and exec or auth-provider
 * would run a program; both are refused, as is insecure-skip-tls-verify without
 * opts->insecure_tls. Errors name the Secret, the key and the field, never a value. */
int cf_remote_client(cf_kube *k, const json_t *obj, const cf_remote_opts *opts, const char *user_agent,
		     cf_kube **out);

/* The kubeconfig itself, checked as above (for a tool run as a child: helm's --kubeconfig is
 * written from it): *out is the caller's, to free with cf_kubeconfig_free. */
struct cf_kubeconfig;
int cf_remote_config(cf_kube *k, const json_t *obj, const cf_remote_opts *opts, struct cf_kubeconfig **out);

#endif
