/* common/runtime/depends.c - spec.dependsOn: every dependency Ready at its generation. */
#include "runtime/depends.h"

#include "runtime/condition.h"
#include "runtime/objstore.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

/* The row of an entry's kind: its own kind, else Kustomization or HelmRelease. */
static const cf_kind *dep_kind(const json_t *d, cf_kind_id own)
{
	const char *kind = cf_json_str(d, "kind");
	const cf_kind *k = kind ? cf_kind_find(kind) : cf_kind_get(own);

	if (k == NULL || (k->id != own && k->id != CF_KIND_KUSTOMIZATION && k->id != CF_KIND_HELMRELEASE))
		return NULL;
	return k;
}

int cf_dependencies_ready(cf_kube *k, const json_t *deps, const char *ns, cf_kind_id own)
{
	const json_t *d;
	size_t i;

	json_array_foreach(deps, i, d) {
		const char *dns = cf_json_str(d, "namespace") ? cf_json_str(d, "namespace") : ns, *name = cf_json_str(d, "name");
		const cf_kind *kd = dep_kind(d, own);
		json_t *dep = NULL;
		char what[600];
		int ok;

		if (name == NULL || kd == NULL)
			return cf_err_set(CF_EINVAL, "spec.dependsOn[%zu]: a name, and a kind Kustomization or HelmRelease "
					  "when a kind is given, are required", i), 0;
		/* Flux's words name ns/name; another kind than the object's own is named too */
		if (kd->id == own)
			snprintf(what, sizeof(what), "%s/%s", dns, name);
		else
			snprintf(what, sizeof(what), "%s/%s/%s", kd->kind, dns, name);
		/* as its watch showed it when its kind is kept (its turning ready is what wakes this
		 * object's reconcile), else from the API */
		if ((dep = cf_objstore_get(kd->kind, dns, name)) == NULL &&
		    cf_kube_get(k, &dep, &(cf_kube_ref){ kd->api_version, kd->kind, dns, name }) < 0) {
			cf_err_set(CF_ENOTFOUND, "dependency '%s' not found", what);
			return 0;
		}
		ok = cf_condition_ready_at_generation(dep);
		json_decref(dep);
		if (!ok) {
			cf_err_set(CF_ERR, "dependency '%s' is not ready", what);
			return 0;
		}
	}
	return 1;
}

json_t *cf_dependency_keys(const json_t *deps, const char *ns, cf_kind_id own)
{
	json_t *keys = json_array();
	const json_t *d;
	size_t i;

	json_array_foreach(deps, i, d) {
		char key[600];
		snprintf(key, sizeof(key), "%s/%s/%s", cf_json_str(d, "kind") ? cf_json_str(d, "kind") : cf_kind_get(own)->kind,
			 cf_json_str(d, "namespace") ? cf_json_str(d, "namespace") : ns, cf_json_str(d, "name") ? cf_json_str(d, "name") : "");
		if (keys)
			json_array_append_new(keys, json_string(key));
	}
	return keys;
}
