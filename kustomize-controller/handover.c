/* kustomize-controller/handover.c - what a Kustomization must not prune because a sibling (a
 * Kustomization of the same source) builds it from the same artifact. An object moved from A to
 * B in one commit is then handed over whichever of the two reconciles first: A leaves it in
 * place, B adopts it, and the object (a Namespace with its contents, a CRD with its custom
 * resources, a volume) is never deleted and created again. */
#include "controller.h"

#include "apply/apply.h"
#include "kustomize/fluxbuild.h"
#include "runtime/vars.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdint.h>
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

/* FNV-1a of an object id, as ks_ctl.builds keeps a sibling's ids. Two ids of one hash could
 * only keep an object that should go (a claim the sibling does not hold), never prune one. */
static uint64_t id_hash(const char *id)
{
	uint64_t h = 14695981039346656037ull;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return h;
}

/* The ids sibling's build from fs holds, as their hashes (*out: a new string of 8 bytes per id),
 * or *out NULL when the build fails: that sibling cannot apply this revision either. Only API
 * failures are errors. */
static int built_ids(json_t **out, cf_kube *k, const cf_kfs *fs, const json_t *sibling, const char *key)
{
	json_t *vars = NULL, *objs = NULL, *o;
	cf_buf b = CF_BUF_INIT((size_t)8 << 20);   /* a million ids */
	size_t i;
	int rc = 0;

	*out = NULL;
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
		uint64_t h;
		if (cf_apply_inventory_id(id, sizeof(id), o) < 0) {
			cf_err_clear();
			continue;
		}
		h = id_hash(id);
		if ((rc = cf_buf_append(&b, &h, sizeof(h))) < 0)
			break;
	}
	if (rc == 0 && (*out = json_stringn_nocheck(b.data ? (const char *)b.data : "", b.len)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	cf_buf_free(&b);
	json_decref(objs);
	json_decref(vars);
	return rc;
}

/* Adds to claims (id -> key) the candidates whose hash is among ids (from built_ids). */
static int claim(json_t *claims, const json_t *candidates, const json_t *ids, const char *key)
{
	const unsigned char *h = (const unsigned char *)json_string_value(ids);
	size_t n = json_string_length(ids) / sizeof(uint64_t);
	const char *id;
	json_t *v;

	json_object_foreach((json_t *)candidates, id, v) {
		uint64_t want = id_hash(id), have;
		if (json_object_get(claims, id))
			continue;
		for (size_t i = 0; i < n; i++) {
			memcpy(&have, h + i * sizeof(have), sizeof(have));
			if (have == want) {
				if (json_object_set_new(claims, id, json_string(key)) < 0)
					return cf_err_set(CF_ENOMEM, "out of memory");
				break;
			}
		}
	}
	return 0;
}

/* What sibling key's build from the artifact of digest holds, as ks_ctl.builds keeps it while
 * its generation (as its watch saw it) is the one built: a prune of many at once (a commit
 * that renames what all of them apply, a delete of all) builds each sibling once per artifact,
 * not once for each of the others. NULL when not kept. */
static json_t *kept_ids(ks_ctl *c, const char *key, const char *digest, const json_t *self)
{
	const json_t *kc = json_object_get(json_object_get(self, "spec"), "kubeConfig");
	long long gen = ks_index_generation(c, key);
	json_t *m, *ids = NULL;

	if (digest == NULL || gen < 0)
		return NULL;
	pthread_mutex_lock(&c->mu);
	m = json_object_get(c->builds, key);
	if (m && cf_json_str(m, "digest") && strcmp(cf_json_str(m, "digest"), digest) == 0 &&
	    json_integer_value(json_object_get(m, "gen")) == gen) {
		const json_t *mkc = json_object_get(m, "kubeConfig");
		/* applied to another cluster: it builds nothing of ours */
		ids = (mkc == NULL && kc == NULL) || (mkc && kc && json_equal(mkc, kc)) ? json_incref(json_object_get(m, "ids"))
										      : json_stringn_nocheck("", 0);
	}
	pthread_mutex_unlock(&c->mu);
	return ids;
}

/* Keeps ids for kept_ids. Not for a sibling whose substitution reads objects (postBuild.
 * substituteFrom): they can change its build without a new generation. */
static void keep_ids(ks_ctl *c, const char *key, const char *digest, const json_t *sib, json_t *ids)
{
	const json_t *md = json_object_get(sib, "metadata");
	json_t *m;

	if (digest == NULL || !json_is_integer(json_object_get(md, "generation")) ||
	    json_object_get(json_object_get(json_object_get(sib, "spec"), "postBuild"), "substituteFrom"))
		return;
	if ((m = json_pack("{s:s,s:I,s:O,s:O*}", "digest", digest, "gen", json_integer_value(json_object_get(md, "generation")), "ids", ids,
			   "kubeConfig", json_object_get(json_object_get(sib, "spec"), "kubeConfig"))) == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	if (json_object_get(c->index, key))   /* not for one deleted meanwhile */
		json_object_set(c->builds, key, m);
	pthread_mutex_unlock(&c->mu);
	json_decref(m);
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
		       const char *digest, const json_t *old_inv, const json_t *new_inv)
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
				  cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : self_ns, cf_json_str(src, "name") ? cf_json_str(src, "name") : "", 1);
	if (keys == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	cf_kfs_tree(&fs, tree);
	json_array_foreach(keys, i, v) {
		const char *key = json_string_value(v), *slash = strchr(key, '/');
		char sib_ns[254], have[KS_KEY_MAX];
		json_t *sib = NULL, *ids;
		int deleting;

		if (strcmp(key, self_key) == 0 || slash == NULL || (size_t)(slash - key) >= sizeof(sib_ns))
			continue;
		if (json_object_size(*claims) == json_object_size(candidates))
			break;
		if ((ids = kept_ids(c, key, digest, self)) == NULL) {
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
			/* one being deleted applies nothing more (those the watch saw marked are not even
			 * read); the index may be behind a sourceRef change. A suspended one is asked: its
			 * build is what it will apply when it resumes. */
			source_of(have, sizeof(have), sib);
			deleting = json_object_get(json_object_get(sib, "metadata"), "deletionTimestamp") != NULL;
			if (deleting || strcmp(have, want) != 0 || !same_cluster(sib, self))
				ids = json_stringn_nocheck("", 0);   /* it builds nothing of ours */
			else if ((rc = built_ids(&ids, k, &fs, sib, key)) == 0 && ids)
				keep_ids(c, key, digest, sib, ids);
			json_decref(sib);
			if (rc < 0)
				goto out;
			if (ids == NULL)
				continue;
		}
		rc = claim(*claims, candidates, ids, key);
		json_decref(ids);
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
