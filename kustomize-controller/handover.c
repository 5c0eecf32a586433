/* kustomize-controller/handover.c - what a Kustomization must not prune because a sibling (a
 * Kustomization of the same source) builds it from the same artifact. An object moved from A to
 * B in one commit is then handed over whichever of the two reconciles first: A leaves it in
 * place, B adopts it, and the object (a Namespace with its contents, a CRD with its custom
 * resources, a volume) is never deleted and created again. */
#include "controller.h"

#include "apply/apply.h"
#include "kustomize/fluxbuild.h"
#include "runtime/vars.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

/* The source of Kustomization ks as "Kind/ns/name", the way the index names it. */
static void source_of(char *out, size_t size, const json_t *ks)
{
	const json_t *src = json_object_get(json_object_get(ks, "spec"), "sourceRef");
	const char *ns = cf_json_str(json_object_get(ks, "metadata"), "namespace");

	snprintf(out, size, "%s/%s/%s", cf_json_str(src, "kind") ? cf_json_str(src, "kind") : "GitRepository",
		 cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : ns ? ns : "", cf_json_str(src, "name") ? cf_json_str(src, "name") : "");
}

/* Whether two Kustomizations apply to the same cluster (the same spec.kubeConfig, or none):
 * an object another cluster holds is not handed over by a sibling's build. */
static int same_cluster(const json_t *a, const json_t *b)
{
	const json_t *x = json_object_get(json_object_get(a, "spec"), "kubeConfig");
	const json_t *y = json_object_get(json_object_get(b, "spec"), "kubeConfig");

	return (x == NULL && y == NULL) || (x && y && json_equal(x, y));
}

/* Adds to claims (id -> key) the candidates that sibling's build from fs holds. A sibling whose
 * build fails is skipped: it cannot apply this revision either. Only API failures are errors. */
static int claim(json_t *claims, cf_kube *k, const cf_kfs *fs, const json_t *sibling, const char *key,
		 const json_t *candidates)
{
	json_t *vars = NULL, *objs = NULL, *o;
	size_t i;
	int rc = 0;

	if (json_object_get(json_object_get(sibling, "spec"), "postBuild") &&
	    (rc = cf_flux_load_vars(k, sibling, &vars)) < 0) {
		if (rc != CF_EINVAL && rc != CF_ENOTFOUND)
			return cf_err_prefix("Kustomization '%s'", key);
		cf_log(CF_LOG_DEBUG, "sibling not built", "kustomization", key, "error", cf_err_msg(), NULL);
		cf_err_clear();
		return 0;
	}
	if (cf_flux_build(&objs, fs, sibling, vars) < 0) {
		cf_log(CF_LOG_DEBUG, "sibling not built", "kustomization", key, "error", cf_err_msg(), NULL);
		cf_err_clear();
		json_decref(vars);
		return 0;
	}
	json_array_foreach(objs, i, o) {
		char id[600];
		if (cf_apply_inventory_id(id, sizeof(id), o) == 0 && json_object_get(candidates, id) &&
		    json_object_get(claims, id) == NULL && json_object_set_new(claims, id, json_string(key)) < 0) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			break;
		}
		cf_err_clear();
	}
	json_decref(objs);
	json_decref(vars);
	return rc;
}

/* The ids of old_inv that are not in new_inv, as an object id -> true. */
static json_t *prune_candidates(const json_t *old_inv, const json_t *new_inv)
{
	json_t *c = json_object(), *e;
	size_t i;

	json_array_foreach(old_inv, i, e)
		if (c && cf_json_str(e, "id"))
			json_object_set_new(c, cf_json_str(e, "id"), json_true());
	json_array_foreach(new_inv, i, e)
		if (c && cf_json_str(e, "id"))
			json_object_del(c, cf_json_str(e, "id"));
	return c;
}

int ks_handover_claims(ks_ctl *c, cf_kube *k, json_t **claims, const json_t *self, cf_tree *tree,
		       const json_t *old_inv, const json_t *new_inv)
{
	const json_t *md = json_object_get(self, "metadata"), *src = json_object_get(json_object_get(self, "spec"), "sourceRef");
	const char *self_ns = cf_json_str(md, "namespace"), *self_name = cf_json_str(md, "name");
	json_t *candidates = prune_candidates(old_inv, new_inv), *keys = NULL, *v;
	char want[KS_KEY_MAX], self_key[KS_KEY_MAX];
	cf_kfs fs;
	size_t i;
	int rc = 0;

	*claims = json_object();
	if (*claims == NULL || candidates == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if (json_object_size(candidates) == 0 || self_ns == NULL || self_name == NULL)
		goto out;
	source_of(want, sizeof(want), self);
	snprintf(self_key, sizeof(self_key), "%s/%s", self_ns, self_name);
	keys = ks_keys_for_source(c, cf_json_str(src, "kind") ? cf_json_str(src, "kind") : "GitRepository",
				  cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : self_ns, cf_json_str(src, "name") ? cf_json_str(src, "name") : "");
	if (keys == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	cf_kfs_tree(&fs, tree);
	json_array_foreach(keys, i, v) {
		const char *key = json_string_value(v), *slash = strchr(key, '/');
		char sib_ns[254], have[KS_KEY_MAX];
		json_t *sib = NULL;

		if (strcmp(key, self_key) == 0 || slash == NULL || (size_t)(slash - key) >= sizeof(sib_ns))
			continue;
		if (json_object_size(*claims) == json_object_size(candidates))
			break;
		snprintf(sib_ns, sizeof(sib_ns), "%.*s", (int)(slash - key), key);
		rc = cf_kube_get(k, &sib, &(cf_kube_ref){ KUSTOMIZE_GROUP_VERSION, "Kustomization", sib_ns, slash + 1 });
		if (rc == CF_ENOTFOUND) {
			cf_err_clear();
			rc = 0;
			continue;
		}
		if (rc < 0) {
			cf_err_prefix("sibling Kustomization '%s'", key);
			goto out;
		}
		/* one being deleted applies nothing more; the index may be behind a sourceRef change.
		 * A suspended one is asked: its build is what it will apply when it resumes. */
		source_of(have, sizeof(have), sib);
		if (json_object_get(json_object_get(sib, "metadata"), "deletionTimestamp") == NULL && strcmp(have, want) == 0 &&
		    same_cluster(sib, self))
			rc = claim(*claims, k, &fs, sib, key, candidates);
		json_decref(sib);
		if (rc < 0)
			goto out;
	}
out:
	if (rc < 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	json_decref(candidates);
	json_decref(keys);
	return rc;
}
