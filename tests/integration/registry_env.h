/* tests/integration/registry_env.h - OCI clients for the registries tests/env runs. */
#ifndef CF_TEST_REGISTRY_ENV_H
#define CF_TEST_REGISTRY_ENV_H

#include "source/oci.h"

#include <stdlib.h>

/* A client for the registry at $registry_env ("CFLUX_REGISTRY", "CFLUX_REGISTRY_TLS",
 * "CFLUX_REGISTRY_TOKEN"): plain http with insecure, user $CFLUX_REGISTRY_USER with password
 * (NULL: anonymous), the env's CA with with_ca. */
static inline int registry_open(cf_oci **c, const char *registry_env, int insecure, const char *password, int with_ca)
{
	cf_oci_options o = CF_OCI_OPTIONS_INIT;

	o.registry = getenv(registry_env);
	o.insecure = insecure;
	if (password) {
		o.username = getenv("CFLUX_REGISTRY_USER");
		o.password = password;
	}
	if (with_ca)
		o.tls.ca_file = getenv("CFLUX_CA");
	return cf_oci_new(c, &o);
}

#endif
