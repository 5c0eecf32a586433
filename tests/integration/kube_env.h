/* tests/integration/kube_env.h - what integration tests need from tests/env (sourced env). */
#ifndef CF_TEST_KUBE_ENV_H
#define CF_TEST_KUBE_ENV_H

#include "err.h"
#include "kube.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

/* The environment variable, or a loud failure: a test never passes without its piece. */
static inline const char *env_need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		cf_test_fail(__FILE__, __LINE__, "%s is not set: the local environment is not up "
			     "(run tests/env/up and source $CFLUX_ENV_DIR/env, or use make test)", name);
		return NULL;
	}
	return v;
}

/* A client for the admin token kubeconfig (or the given one and context). */
static inline cf_kube *kube_client(const char *kubeconfig_env, const char *context)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *k = NULL;

	o.kubeconfig = env_need(kubeconfig_env ? kubeconfig_env : "CFLUX_KUBECONFIG_TOKEN");
	o.context = context;
	if (o.kubeconfig == NULL)
		return NULL;
	if (cf_kube_new(&k, &o) < 0) {
		cf_test_fail(__FILE__, __LINE__, "cf_kube_new(%s): %s", o.kubeconfig, cf_err_msg());
		return NULL;
	}
	return k;
}

#endif
