/* tests/integration/kube_env.h - what integration tests need from tests/env (sourced env). */
#ifndef CF_TEST_KUBE_ENV_H
#define CF_TEST_KUBE_ENV_H

#include "kube/kube.h"
#include "test.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A field ("status", "reason", "message") of condition type in obj's status, or NULL. */
static inline const char *obj_condition(const json_t *o, const char *type, const char *field)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return json_string_value(json_object_get(c, field));
	return NULL;
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

/* A field ("status", "reason", "message") of condition type in o's status, borrowed, or NULL. */
static inline const char *cond_field(const json_t *o, const char *type, const char *field)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c)
		if (json_string_value(json_object_get(c, "type")) && strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return json_string_value(json_object_get(c, field));
	return NULL;
}

/* Writes status Ready=True (reason) at generation 1 of the object ref names, as its controller
 * would: for a test that needs a dependency Ready without running its controller. */
static inline int mark_ready(cf_kube *k, const cf_kube_ref *ref, const char *reason)
{
	json_t *patch = json_pack("{s:{s:I,s:[{s:s,s:s,s:s,s:s,s:s}]}}", "status", "observedGeneration", (json_int_t)1,
				  "conditions", "type", "Ready", "status", "True", "reason", reason, "message", reason,
				  "lastTransitionTime", "2026-01-01T00:00:00Z");
	json_t *out = NULL;
	int rc = patch ? cf_kube_patch_status(k, &out, ref, patch) : CF_ENOMEM;

	if (rc < 0)
		cf_test_fail(__FILE__, __LINE__, "status of %s/%s/%s: %s", ref->kind, ref->namespace, ref->name, cf_err_msg());
	json_decref(patch);
	json_decref(out);
	return rc;
}

/* The controllers' own identities (tests/env/sa-tokens, run once per test binary: a test
 * that uninstalls removes the ServiceAccounts): the kubeconfig with the token of controller
 * name's ServiceAccount, as `cflux install` creates it. Test clients keep the admin one. */
static inline const char *controller_kubeconfig(const char *name)
{
	static int minted;
	static char paths[5][600];
	static size_t used;
	char path[600];
	const char *dir = env_need("CFLUX_ENV_DIR");

	if (dir == NULL)
		return "/nonexistent/kubeconfig";
	if (!minted) {
		if (system("sh tests/env/sa-tokens >&2") != 0)
			cf_test_fail(__FILE__, __LINE__, "tests/env/sa-tokens failed: no controller kubeconfigs");
		minted = 1;
	}
	snprintf(path, sizeof(path), "%s/%s.kubeconfig", dir, name);
	for (size_t i = 0; i < used; i++)
		if (strcmp(paths[i], path) == 0)
			return paths[i];
	if (used == sizeof(paths) / sizeof(paths[0]))
		used = 0;   /* more names than slots: reuse (callers keep at most a few) */
	memcpy(paths[used], path, sizeof(path));
	return paths[used++];
}

/* The file with the internal token the controllers' artifact service and event intake ask
 * for (written by tests/env/sa-tokens). */
static inline const char *internal_token_file(void)
{
	static char path[600];
	const char *dir = env_need("CFLUX_ENV_DIR");

	controller_kubeconfig("source-controller");   /* makes sure it was written */
	snprintf(path, sizeof(path), "%s/internal.token", dir ? dir : "/nonexistent");
	return path;
}

/* The internal token itself, for a test that talks to the intakes as a controller does. */
static inline const char *internal_token(void)
{
	static char token[600];
	FILE *f;

	if (token[0])
		return token;
	if ((f = fopen(internal_token_file(), "r")) == NULL || fgets(token, sizeof(token), f) == NULL)
		cf_test_fail(__FILE__, __LINE__, "cannot read %s", internal_token_file());
	if (f)
		fclose(f);
	token[strcspn(token, "\n")] = '\0';
	return token;
}

/* A field ("status", "reason", "message") of obj's Ready condition (borrowed), or NULL. */
static inline const char *ready_field(const json_t *o, const char *field)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c)
		if (json_string_value(json_object_get(c, "type")) && strcmp(json_string_value(json_object_get(c, "type")), "Ready") == 0)
			return json_string_value(json_object_get(c, field));
	return NULL;
}

#endif
