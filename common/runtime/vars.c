/* common/runtime/vars.c - spec.postBuild.substituteFrom read from the API. */
#include "runtime/vars.h"

#include "kustomize/fluxbuild.h"
#include "kube/secret.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

int cf_flux_ref_data(cf_kube *k, json_t **data, const char *ns, const char *kind, const char *name)
{
	json_t *o = NULL;
	int rc;

	*data = NULL;
	if (kind && strcmp(kind, "Secret") == 0)
		return cf_kube_secret_get(k, data, ns, name);
	if (kind == NULL || strcmp(kind, "ConfigMap") != 0)
		return cf_err_set(CF_EINVAL, "kind must be ConfigMap or Secret, not '%s'", kind ? kind : "");
	if ((rc = cf_kube_get(k, &o, &(cf_kube_ref){ "v1", "ConfigMap", ns, name })) < 0)
		return rc;
	*data = json_object_get(o, "data") ? json_incref(json_object_get(o, "data")) : json_object();
	json_decref(o);
	return *data ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

void cf_flux_ref_data_free(json_t *data)
{
	cf_kube_secret_free(data);   /* a ConfigMap's data is wiped too: cheap, and one rule */
}

/* Adds the variables of one substituteFrom entry (its data's keys, names checked) to vars. */
static int add_ref_vars(cf_kube *k, json_t *vars, const char *ns, const json_t *ref, size_t i)
{
	const char *kind = cf_json_str(ref, "kind"), *name = cf_json_str(ref, "name"), *key;
	json_t *o = NULL, *v;
	int rc;

	if (!kind || !name || (strcmp(kind, "Secret") != 0 && strcmp(kind, "ConfigMap") != 0))
		return cf_err_set(CF_EINVAL, "spec.postBuild.substituteFrom[%zu]: kind must be ConfigMap or Secret, with a name", i);
	rc = cf_flux_ref_data(k, &o, ns, kind, name);
	if (rc == CF_ENOTFOUND && json_is_true(json_object_get(ref, "optional")))
		return 0;
	if (rc < 0)   /* Flux's words (fluxcd/pkg kustomize LoadVariables) */
		return cf_err_prefix("substitute from '%s/%s' error", kind, name);
	json_object_foreach(o, key, v) {
		if (!json_is_string(v))
			continue;
		if (cf_flux_check_var_name(key) < 0) {
			cf_flux_ref_data_free(o);
			return cf_err_prefix("substitute from '%s/%s'", kind, name);
		}
		/* a copy: what the object gave is wiped below */
		json_object_set_new(vars, key, json_stringn(json_string_value(v), json_string_length(v)));
	}
	cf_flux_ref_data_free(o);
	return 0;
}

static int load_vars(cf_kube *k, const json_t *ks, json_t **vars)
{
	const json_t *post = json_object_get(json_object_get(ks, "spec"), "postBuild"), *ref;
	const char *ns = cf_json_str(json_object_get(ks, "metadata"), "namespace"), *key;
	json_t *v;
	size_t i;
	int rc = 0;

	*vars = json_object();
	if (*vars == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(json_object_get(post, "substituteFrom"), i, ref)
		if ((rc = add_ref_vars(k, *vars, ns, ref, i)) < 0)
			return rc;
	json_object_foreach(json_object_get(post, "substitute"), key, v) {
		if (cf_flux_check_var_name(key) < 0)
			return cf_err_prefix("spec.postBuild.substitute");
		if (json_is_string(v))
			json_object_set(*vars, key, v);
	}
	return 0;
}

int cf_flux_load_vars(cf_kube *k, const json_t *ks, json_t **vars)
{
	int rc = load_vars(k, ks, vars);

	if (rc < 0) {
		json_decref(*vars);
		*vars = NULL;
	}
	return rc;
}
