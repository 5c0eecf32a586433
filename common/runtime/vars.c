/* common/runtime/vars.c - spec.postBuild.substituteFrom read from the API. */
#include "runtime/vars.h"

#include "kustomize/fluxbuild.h"
#include "kube/secret.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

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
	json_array_foreach(json_object_get(post, "substituteFrom"), i, ref) {
		const char *kind = cf_json_str(ref, "kind"), *name = cf_json_str(ref, "name");
		int secret = kind && strcmp(kind, "Secret") == 0;
		json_t *o = NULL;

		if (!kind || !name || (!secret && strcmp(kind, "ConfigMap") != 0))
			return cf_err_set(CF_EINVAL, "spec.postBuild.substituteFrom[%zu]: kind must be ConfigMap or Secret, with a name", i);
		rc = cf_kube_get(k, &o, &(cf_kube_ref){ "v1", kind, ns, name });
		if (rc == CF_ENOTFOUND && json_is_true(json_object_get(ref, "optional"))) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			return cf_err_prefix("substitute from '%s/%s'", kind, name);
		if (secret) {
			json_t *decoded = NULL;
			rc = cf_kube_secret_decode(&decoded, o);
			cf_kube_secret_free(o);
			if (rc < 0)
				return cf_err_prefix("substitute from 'Secret/%s'", name);
			o = decoded;
		} else {
			json_t *data = json_incref(json_object_get(o, "data"));
			json_decref(o);
			o = data;
		}
		json_object_foreach(o, key, v) {
			if (!json_is_string(v))
				continue;
			if (cf_flux_check_var_name(key) < 0) {
				secret ? cf_kube_secret_free(o) : json_decref(o);
				return cf_err_prefix("substitute from '%s/%s'", kind, name);
			}
			/* a copy: what the Secret gave is wiped below */
			json_object_set_new(*vars, key, secret ? json_stringn(json_string_value(v), json_string_length(v))
							       : json_incref(v));
		}
		secret ? cf_kube_secret_free(o) : json_decref(o);
	}
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
