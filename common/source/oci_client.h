/* common/source/oci_client.h - an OCI client (source/oci.h) for an object's spec, as the Flux
 * kinds that read registries take their credentials: OCIRepository, an OCI HelmRepository's
 * HelmChart, ImageRepository. */
#ifndef CF_OCI_CLIENT_H
#define CF_OCI_CLIENT_H

#include "kube/kube.h"
#include "source/oci.h"

#include <jansson.h>

#define CF_OCI_CLIENT_OPTIONS_VERSION 1
typedef struct cf_oci_client_options {
	int version;
	const char *registry;     /* "host[:port]" the credentials are looked up for */
	long timeout_ms;          /* per request */
	const char *user_agent;
	/* secretRef may also hold username/password keys (an OCI HelmRepository's form) */
	int basic_auth;
	/* spec.serviceAccountName: the .dockerconfigjson of its imagePullSecrets, after secretRef's */
	int service_account;
} cf_oci_client_options;
#define CF_OCI_CLIENT_OPTIONS_INIT { CF_OCI_CLIENT_OPTIONS_VERSION, NULL, 0L, NULL, 0, 0 }

/* The client for o->registry with the credentials of spec (an object's spec in namespace ns):
 * secretRef (a .dockerconfigjson: the entry for the registry; no entry is anonymous, as Flux's
 * keychain), certSecretRef (ca.crt, tls.crt/tls.key), insecure (plain http), and with
 * o->service_account the imagePullSecrets of spec.serviceAccountName. Secrets are read and
 * wiped before this returns; errors name the Secret and the field, never a value. *client is
 * NULL on failure (CF_EAUTH when a Secret cannot be read or used). */
int cf_oci_client_for_spec(cf_oci **client, cf_kube *k, const char *ns, const json_t *spec,
			   const cf_oci_client_options *o);

#endif
