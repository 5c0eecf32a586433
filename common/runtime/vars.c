/* common/runtime/vars.c - spec.postBuild.substituteFrom read from the API. */
#include "runtime/vars.h"

#include "kustomize/fluxbuild.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"

#include <string.h>

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int cf_flux_load_vars(cf_kube *k, const json_t *ks, json_t **vars)
{
	const json_t *post = json_object_get(json_object_get(ks, "spec"), "postBuild"), *ref;
	const char *ns = sget(json_object_get(ks, "metadata"), "namespace"), *key;
	json_t *v;
	size_t i;
	int rc = 0;

	*vars = json_object();
	if (*vars == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(json_object_get(post, "substituteFrom"), i, ref) {
		const char *kind = sget(ref, "kind"), *name = sget(ref, "name");
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
		json_object_foreach(json_object_get(o, "data"), key, v) {
			const char *text = json_string_value(v);
			if (text == NULL)
				continue;
			if (cf_flux_check_var_name(key) < 0) {
				json_decref(o);
				return cf_err_prefix("substitute from '%s/%s'", kind, name);
			}
			if (secret) {
				unsigned char *dec;
				size_t len;
				if (cf_base64_decode(&dec, &len, text, strlen(text)) < 0) {
					json_decref(o);
					return cf_err_prefix("substitute from 'Secret/%s' key '%s'", name, key);
				}
				json_object_set_new(*vars, key, json_stringn((const char *)dec, len));
				cf_free_secret(dec, len);
			} else {
				json_object_set(*vars, key, v);
			}
		}
		json_decref(o);
	}
	json_object_foreach(json_object_get(post, "substitute"), key, v) {
		if (cf_flux_check_var_name(key) < 0)
			return cf_err_prefix("spec.postBuild.substitute");
		if (json_is_string(v))
			json_object_set(*vars, key, v);
	}
	return 0;
}
