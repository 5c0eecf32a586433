/* common/kube/secret.c - Secrets decoded, and wiped after use. */
#include "kube/secret.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"

#include <string.h>

void cf_json_wipe(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_string(j))   /* jansson owns the bytes; overwriting them in place is safe */
		cf_wipe((char *)json_string_value(j), json_string_length(j));
	else if (json_is_object(j))
		json_object_foreach(j, k, v)
			cf_json_wipe(v);
	else if (json_is_array(j))
		json_array_foreach(j, i, v)
			cf_json_wipe(v);
}

void cf_kube_secret_free(json_t *secret)
{
	cf_json_wipe(secret);
	json_decref(secret);
}

int cf_kube_secret_decode(json_t **out, const json_t *secret)
{
	const json_t *md = json_object_get(secret, "metadata");
	json_t *v, *data = json_object();
	const char *key;

	*out = NULL;
	if (data == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_object_foreach(json_object_get(secret, "data"), key, v) {
		const char *b64 = json_string_value(v);
		json_t *text;
		unsigned char *dec;
		size_t len;
		if (b64 == NULL)
			continue;
		if (cf_base64_decode(&dec, &len, b64, strlen(b64)) < 0) {
			cf_kube_secret_free(data);
			return cf_err_set(CF_EINVAL, "secret '%s/%s': key '%s' is not base64", json_string_value(json_object_get(md, "namespace")),
					  json_string_value(json_object_get(md, "name")), key);
		}
		text = json_stringn((const char *)dec, len);
		cf_free_secret(dec, len);
		if (text == NULL)   /* not UTF-8 text: no reader of a decoded Secret takes bytes */
			continue;
		if (json_object_set_new(data, key, text) < 0) {
			cf_kube_secret_free(data);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
	}
	*out = data;
	return 0;
}

int cf_kube_secret_get(cf_kube *k, json_t **out, const char *ns, const char *name)
{
	json_t *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = cf_kube_get(k, &s, &(cf_kube_ref){ "v1", "Secret", ns, name })) < 0)
		return rc == CF_ENOTFOUND ? cf_err_set(rc, "secret '%s/%s' not found", ns, name)
					  : cf_err_prefix("secret '%s/%s'", ns, name);
	rc = cf_kube_secret_decode(out, s);
	cf_kube_secret_free(s);
	return rc;
}
