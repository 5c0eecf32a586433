/* helm-controller/values.c - valuesFrom + values, merged in Flux's order. */
#include "values.h"

#include "kube/secret.h"
#include "runtime/vars.h"
#include "source/helm.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_KEY_MAX 256
#define INDEX_MAX 65535
#define VALUES_MAX (8u << 20)   /* one valuesFrom document */

static json_t *typed(const char *raw)
{
	size_t n = strlen(raw);
	char *end;
	long long i;

	if (n >= 2 && ((raw[0] == '"' && raw[n - 1] == '"') || (raw[0] == '\'' && raw[n - 1] == '\'')))
		return json_stringn(raw + 1, n - 2);
	if (strcmp(raw, "true") == 0 || strcmp(raw, "false") == 0)
		return json_boolean(raw[0] == 't');
	if (strcmp(raw, "null") == 0)
		return json_null();
	i = strtoll(raw, &end, 10);
	if (n > 0 && *end == '\0' && (raw[0] != '0' || n == 1))
		return json_integer(i);
	return json_string(raw);
}

/* The next segment of path at *p into key (unescaping "\."); *index >= 0 when it ends in
 * "[N]". Returns 1 for a segment, 0 at the end, CF_EINVAL. */
static int next_segment(const char **p, char key[PATH_KEY_MAX], long *index)
{
	size_t n = 0;
	const char *s = *p;

	*index = -1;
	if (*s == '\0')
		return 0;
	for (; *s && *s != '.' && *s != '['; s++) {
		if (*s == '\\' && s[1] == '.')
			s++;
		if (n + 1 >= PATH_KEY_MAX)
			return cf_err_set(CF_EINVAL, "targetPath segment too long");
		key[n++] = *s;
	}
	key[n] = '\0';
	if (*s == '[') {
		char *end;
		errno = 0;
		*index = strtol(s + 1, &end, 10);
		/* helm's own limit on a --set index; past it (or past a long) an error, never a wrap */
		if (end == s + 1 || *end != ']' || errno == ERANGE || *index < 0 || *index > INDEX_MAX)
			return cf_err_set(CF_EINVAL, "targetPath: bad index in '%s' (0 to %d)", *p, INDEX_MAX);
		s = end + 1;
	}
	if (n == 0 || (*s && *s != '.') || (*s == '.' && s[1] == '\0'))
		return cf_err_set(CF_EINVAL, "targetPath: empty or malformed segment in '%s'", *p);
	*p = *s ? s + 1 : s;
	return 1;
}

/* The container under key (an index into an array when index >= 0), made when missing. */
static json_t *descend(json_t *at, const char *key, long index, int last, json_t *leaf)
{
	json_t *next = json_object_get(at, key);

	if (index < 0) {
		if (last)
			return json_object_set_new(at, key, leaf) == 0 ? leaf : NULL;
		if (!json_is_object(next) && json_object_set_new(at, key, next = json_object()) < 0)
			return NULL;
		return next;
	}
	if (!json_is_array(next) && json_object_set_new(at, key, next = json_array()) < 0)
		return NULL;
	while (json_array_size(next) <= (size_t)index)
		json_array_append_new(next, json_null());
	if (last)
		return json_array_set_new(next, (size_t)index, leaf) == 0 ? leaf : NULL;
	if (!json_is_object(json_array_get(next, (size_t)index)))
		json_array_set_new(next, (size_t)index, json_object());
	return json_array_get(next, (size_t)index);
}

int hc_values_set_path(json_t *values, const char *path, const char *raw)
{
	char key[PATH_KEY_MAX];
	const char *p = path;
	json_t *at = values, *leaf = typed(raw);
	long index;
	int rc;

	if (leaf == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (path == NULL || path[0] == '\0') {
		json_decref(leaf);
		return cf_err_set(CF_EINVAL, "targetPath is empty");
	}
	while ((rc = next_segment(&p, key, &index)) == 1) {
		int last = *p == '\0';
		at = descend(at, key, index, last, last ? leaf : NULL);
		if (at == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		if (last)
			return 0;
	}
	json_decref(leaf);
	return rc < 0 ? rc : cf_err_set(CF_EINVAL, "targetPath '%s' is malformed", path);
}

/* The scalars of v (strings, numbers as text) appended to secrets: what a message must not show. */
static void add_secret_leaves(json_t *secrets, const json_t *v)
{
	const char *key;
	const json_t *e;
	size_t i;
	char num[64];

	if (secrets == NULL)
		return;
	if (json_is_string(v)) {
		json_array_append_new(secrets, json_string(json_string_value(v)));
	} else if (json_is_integer(v) || json_is_real(v)) {
		if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		else
			snprintf(num, sizeof(num), "%g", json_real_value(v));
		json_array_append_new(secrets, json_string(num));
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, e)
			add_secret_leaves(secrets, e);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			add_secret_leaves(secrets, e);
	}
}

/* One valuesFrom entry's values merged into values (a Secret's scalars also into secrets). */
static int add_ref(cf_kube *k, json_t *values, json_t *secrets, const char *ns, const json_t *ref, size_t i)
{
	const char *kind = cf_json_str(ref, "kind"), *name = cf_json_str(ref, "name");
	const char *key = cf_json_str(ref, "valuesKey") ? cf_json_str(ref, "valuesKey") : "values.yaml";
	const char *target = cf_json_str(ref, "targetPath"), *text;
	json_t *data = NULL, *doc = NULL;
	int rc;

	if (!kind || !name)
		return cf_err_set(CF_EINVAL, "spec.valuesFrom[%zu]: kind and name are required", i);
	rc = cf_flux_ref_data(k, &data, ns, kind, name);
	if (rc == CF_ENOTFOUND && json_is_true(json_object_get(ref, "optional")))
		return 0;
	if (rc < 0)
		return cf_err_prefix("could not resolve %s chart values reference '%s/%s' with key '%s'", kind, ns, name, key);
	text = cf_json_str(data, key);
	if (text == NULL) {
		cf_flux_ref_data_free(data);
		if (json_is_true(json_object_get(ref, "optional")))
			return 0;
		return cf_err_set(CF_ENOTFOUND, "could not resolve %s chart values reference '%s/%s' with key '%s': key not found",
				  kind, ns, name, key);
	}
	if (strcmp(kind, "Secret") != 0)
		secrets = NULL;
	if (target && target[0]) {
		if ((rc = hc_values_set_path(values, target, text)) == 0 && secrets)
			json_array_append_new(secrets, json_string(text));
	} else if ((rc = cf_yaml_load(&doc, text, strlen(text), key)) == 0 && !json_is_object(doc) && !json_is_null(doc))
		rc = cf_err_set(CF_EINVAL, "not a map of values");
	else if (rc == 0 && json_is_object(doc) && (rc = cf_json_merge_deep(values, doc)) == 0)
		add_secret_leaves(secrets, doc);
	if (rc < 0)
		cf_err_prefix("values from %s '%s/%s' key '%s'", kind, ns, name, key);
	cf_kube_secret_free(doc);
	cf_flux_ref_data_free(data);
	return rc;
}

int hc_values_load(cf_kube *k, const json_t *hr, json_t **values, json_t **secrets)
{
	const json_t *spec = json_object_get(hr, "spec"), *ref, *inline_values = json_object_get(spec, "values");
	const char *ns = cf_json_str(json_object_get(hr, "metadata"), "namespace");
	size_t i;
	int rc;

	*values = json_object();
	*secrets = json_array();
	if (*values == NULL || *secrets == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto fail;
	}
	json_array_foreach(json_object_get(spec, "valuesFrom"), i, ref)
		if ((rc = add_ref(k, *values, *secrets, ns, ref, i)) < 0)
			goto fail;
	if (inline_values && !json_is_null(inline_values) && !json_is_object(inline_values)) {
		rc = cf_err_set(CF_EINVAL, "spec.values must be a map");
		goto fail;
	}
	if (json_is_object(inline_values) && (rc = cf_json_merge_deep(*values, inline_values)) < 0)
		goto fail;
	return 0;
fail:
	cf_kube_secret_free(*values);
	cf_kube_secret_free(*secrets);
	*values = *secrets = NULL;
	return rc;
}

int hc_values_digest(char out[72], const json_t *values)
{
	char *text = json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (text == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	cf_sha256_of(out, text, strlen(text));
	memset(text, 0, strlen(text));
	free(text);   /* jansson's allocation */
	return 0;
}
