/* common/source/oci_client.c - an OCI client with an object's credentials (oci_client.h). */
#include "source/oci_client.h"

#include "kube/secret.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

static int read_secret(cf_kube *k, const char *ns, const char *name, json_t **out, const char *field)
{
	int rc;

	*out = NULL;
	if (name == NULL)
		return 0;
	if ((rc = cf_kube_secret_get(k, out, ns, name)) < 0)
		return cf_err_set(CF_EAUTH, "failed to get secret '%s/%s' (%s): %s", ns, name, field, cf_err_msg());
	return 0;
}

static int dup_pair(char **user, char **pass, const char *u, const char *p)
{
	*user = cf_strdup(u);
	*pass = cf_strdup(p);
	return *user && *pass ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

/* the credentials for registry from one Secret (a .dockerconfigjson, or username/password with
 * basic_auth); 0 with *user NULL when it has none for registry */
static int secret_creds(char **user, char **pass, const json_t *auth, const char *ns, const char *name,
			const char *registry, int basic_auth)
{
	const json_t *v = json_object_get(auth, ".dockerconfigjson");
	int rc;

	if (v == NULL && basic_auth && cf_json_str(auth, "username") && cf_json_str(auth, "password"))
		return dup_pair(user, pass, cf_json_str(auth, "username"), cf_json_str(auth, "password"));
	if (v == NULL)
		return cf_err_set(CF_EAUTH, "secret '%s/%s' has no '.dockerconfigjson' (type kubernetes.io/dockerconfigjson)",
				  ns, name);
	rc = cf_oci_dockerconfig_find(user, pass, json_string_value(v), json_string_length(v), registry);
	if (rc == CF_ENOTFOUND) {
		cf_err_clear();
		return 0;
	}
	return rc < 0 ? cf_err_set(CF_EAUTH, "secret '%s/%s': %s", ns, name, cf_err_msg()) : 0;
}

/* the service account's imagePullSecrets, in order, until one has credentials for registry */
static int service_account_creds(char **user, char **pass, cf_kube *k, const char *ns, const char *sa,
				 const cf_oci_client_options *o)
{
	cf_kube_ref ref = { "v1", "ServiceAccount", ns, sa };
	json_t *obj = NULL, *e;
	size_t i;
	int rc;

	if ((rc = cf_kube_get(k, &obj, &ref)) < 0)
		return cf_err_set(CF_EAUTH, "failed to get service account '%s/%s' (spec.serviceAccountName): %s", ns, sa, cf_err_msg());
	json_array_foreach(json_object_get(obj, "imagePullSecrets"), i, e) {
		const char *name = cf_json_str(e, "name");
		json_t *auth = NULL;
		if (name == NULL || *user)
			continue;
		if ((rc = read_secret(k, ns, name, &auth, "imagePullSecrets")) == 0)
			rc = secret_creds(user, pass, auth, ns, name, o->registry, 0);
		cf_kube_secret_free(auth);
		if (rc < 0)
			break;
	}
	json_decref(obj);
	return rc;
}

static void set_tls(cf_oci_options *oo, const json_t *tls)
{
	const json_t *v;

	if ((v = json_object_get(tls, "ca.crt")) != NULL)
		oo->tls.ca = json_string_value(v), oo->tls.ca_len = json_string_length(v);
	if ((v = json_object_get(tls, "tls.crt")) != NULL)
		oo->tls.cert = json_string_value(v), oo->tls.cert_len = json_string_length(v);
	if ((v = json_object_get(tls, "tls.key")) != NULL)
		oo->tls.key = json_string_value(v), oo->tls.key_len = json_string_length(v);
}

int cf_oci_client_for_spec(cf_oci **client, cf_kube *k, const char *ns, const json_t *spec,
			   const cf_oci_client_options *o)
{
	cf_oci_options oo = CF_OCI_OPTIONS_INIT;
	const char *sref = cf_json_str(json_object_get(spec, "secretRef"), "name");
	const char *cref = cf_json_str(json_object_get(spec, "certSecretRef"), "name");
	const char *sa = cf_json_str(spec, "serviceAccountName");
	json_t *auth = NULL, *tls = NULL;
	char *user = NULL, *pass = NULL;
	int rc;

	*client = NULL;
	if ((rc = read_secret(k, ns, sref, &auth, "spec.secretRef")) < 0 ||
	    (rc = read_secret(k, ns, cref, &tls, "spec.certSecretRef")) < 0)
		goto out;
	if (auth && (rc = secret_creds(&user, &pass, auth, ns, sref, o->registry, o->basic_auth)) < 0)
		goto out;
	if (user == NULL && o->service_account && sa && *sa &&
	    (rc = service_account_creds(&user, &pass, k, ns, sa, o)) < 0)
		goto out;
	oo.registry = o->registry;
	oo.insecure = json_is_true(json_object_get(spec, "insecure"));
	oo.username = user;
	oo.password = pass;
	oo.timeout_ms = o->timeout_ms;
	oo.user_agent = o->user_agent;
	set_tls(&oo, tls);
	if ((oo.tls.cert == NULL) != (oo.tls.key == NULL)) {
		rc = cf_err_set(CF_EINVAL, "certSecretRef: tls.crt and tls.key go together");
		goto out;
	}
	rc = cf_oci_new(client, &oo);
out:
	if (user) cf_free_secret(user, strlen(user) + 1);
	if (pass) cf_free_secret(pass, strlen(pass) + 1);
	cf_kube_secret_free(auth);
	cf_kube_secret_free(tls);
	return rc;
}
