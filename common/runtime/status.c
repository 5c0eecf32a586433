/* common/runtime/status.c - reconcile requests, status writes and finalizers. */
#include "runtime/status.h"

#include "runtime/objstore.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

int cf_status_wants_reconcile(const char *type, const json_t *obj, int gone_too)
{
	const json_t *md = json_object_get(obj, "metadata"), *st = json_object_get(obj, "status");
	const char *req = cf_json_str(json_object_get(md, "annotations"), CF_REQUESTED_AT_ANNOTATION);
	const char *handled = cf_json_str(st, "lastHandledReconcileAt");

	if (strcmp(type, "DELETED") == 0)
		return gone_too;
	if (strcmp(type, "MODIFIED") != 0)
		return 1;
	if (json_object_get(md, "deletionTimestamp"))
		return 1;
	if (json_integer_value(json_object_get(md, "generation")) !=
	    json_integer_value(json_object_get(st, "observedGeneration")))
		return 1;
	return req && (!handled || strcmp(req, handled) != 0);
}

int cf_status_key(char *out, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");

	if (ns == NULL || name == NULL || (size_t)snprintf(out, size, "%s/%s", ns, name) >= size)
		return cf_err_set(CF_EINVAL, "object without metadata.namespace and metadata.name");
	return 0;
}

void cf_status_mark_handled(json_t *status, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *req = cf_json_str(json_object_get(md, "annotations"), CF_REQUESTED_AT_ANNOTATION);

	json_object_set_new(status, "observedGeneration", json_integer(json_integer_value(json_object_get(md, "generation"))));
	if (req)
		json_object_set_new(status, "lastHandledReconcileAt", json_string(req));
}

static void ref_of(cf_kube_ref *ref, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");

	ref->api_version = cf_json_str(obj, "apiVersion");
	ref->kind = cf_json_str(obj, "kind");
	ref->namespace = cf_json_str(md, "namespace");
	ref->name = cf_json_str(md, "name");
}

/* The JSON merge patch (RFC 7386) that turns old into new: changed and new keys with their
 * values, objects recursively, and null for each key that new no longer has (a merge patch
 * keeps what it does not mention). NULL when out of memory. */
json_t *cf_status_merge_diff(const json_t *old, const json_t *new)
{
	json_t *patch = json_object(), *ov, *nv;
	const char *key;
	int rc = patch ? 0 : -1;

	json_object_foreach((json_t *)new, key, nv) {
		ov = json_object_get(old, key);
		if (rc < 0 || (ov && json_equal(ov, nv)))
			continue;
		if (json_is_object(ov) && json_is_object(nv))
			rc = json_object_set_new(patch, key, cf_status_merge_diff(ov, nv));
		else
			rc = json_object_set(patch, key, nv);
	}
	json_object_foreach((json_t *)old, key, ov)
		if (rc == 0 && json_object_get(new, key) == NULL)
			rc = json_object_set_new(patch, key, json_null());
	if (rc < 0) {
		json_decref(patch);
		return NULL;
	}
	return patch;
}

int cf_status_patch(cf_kube *k, json_t *obj, const json_t *status)
{
	const json_t *live = json_object_get(obj, "status");
	json_t *diff = json_is_object(live) ? cf_status_merge_diff(live, status) : json_deep_copy(status);
	json_t *patch = diff ? json_pack("{s:o}", "status", diff) : NULL, *out = NULL, *now;
	cf_kube_ref ref;
	int rc;

	if (patch == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	ref_of(&ref, obj);
	rc = cf_kube_patch_status(k, &out, &ref, patch);
	if (rc == 0)
		cf_objstore_written(out);
	/* obj now carries the status as written, so that a second write in the same reconcile
	 * is a patch from there (and removes what the first one added) */
	now = rc == 0 ? json_object_get(out, "status") : NULL;
	if (rc == 0 && json_object_set_new(obj, "status", now ? json_incref(now) : json_deep_copy(status)) < 0)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	json_decref(out);
	json_decref(patch);
	return rc;
}

static int set_finalizers(cf_kube *k, const json_t *obj, json_t *list)
{
	json_t *patch = json_pack("{s:{s:o}}", "metadata", "finalizers", list), *out = NULL;
	cf_kube_ref ref;
	int rc;

	if (patch == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	ref_of(&ref, obj);
	rc = cf_kube_merge_patch(k, &out, &ref, patch);
	if (rc == 0)
		cf_objstore_written(out);
	json_decref(out);
	json_decref(patch);
	return rc;
}

int cf_finalizer_ensure(cf_kube *k, const json_t *obj, const char *finalizer)
{
	json_t *fin = json_object_get(json_object_get(obj, "metadata"), "finalizers"), *v, *list;
	size_t i;
	int rc;

	json_array_foreach(fin, i, v)
		if (cf_json_str(obj, "kind") && json_string_value(v) && strcmp(json_string_value(v), finalizer) == 0)
			return 0;
	list = fin ? json_copy(fin) : json_array();
	if (list == NULL || json_array_append_new(list, json_string(finalizer)) < 0) {
		json_decref(list);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	rc = set_finalizers(k, obj, list);
	return rc < 0 ? rc : 1;
}

int cf_finalizer_remove(cf_kube *k, const json_t *obj, const char *finalizer)
{
	json_t *fin = json_object_get(json_object_get(obj, "metadata"), "finalizers"), *v, *list = json_array();
	size_t i;
	int rc;

	if (list == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(fin, i, v)
		if (json_string_value(v) && strcmp(json_string_value(v), finalizer) != 0)
			json_array_append(list, v);
	rc = set_finalizers(k, obj, list);
	return rc == CF_ENOTFOUND ? 0 : rc;
}
