/* common/kustomize/kustomize_refs.c - name references, as kustomize's nameReference does them at the
 * end of a build: each field that names another object of the build follows that object's
 * renames (prefix, suffix, hash, patches), and a field that holds a name and a namespace
 * (subjects, webhook services) follows its namespace too. Among several objects that once had
 * the name, the choice is kustomize's: same namespace as the referrer (ServiceAccounts and
 * cluster-scoped objects from anywhere), then the same prefixes and suffixes as the referrer
 * (the copies of one base included twice), else an error when they still differ. Only objects
 * renamed or moved are candidates (kustomize's previous ids): the others need no change. */
#include "kustomize/kustomize_internal.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define CAND_MAX 64

typedef struct refctx {
	kset *s;
	const kres *referrer;
	const char *kind;      /* of the referenced object */
	const char *path;      /* the referrer's field, for messages */
	json_t *index;         /* "kind\x01name" -> [resource index], every name each object had */
} refctx;

/* kustomize's SameEndingSubSlice: both empty, or the shorter ends the longer. */
static int same_ending(const json_t *a, const json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b), n = na < nb ? na : nb;

	if (na == 0 || nb == 0)
		return na == nb;
	for (size_t i = 1; i <= n; i++)
		if (!json_equal(json_array_get(a, na - i), json_array_get(b, nb - i)))
			return 0;
	return 1;
}

/* kustomize's PrefixesSuffixesEquals: allow_empty lets an object with no prefixes (suffixes)
 * match any */
static int affixes_equal(const kres *a, const kres *b, int allow_empty)
{
	const json_t *pa = json_object_get(a->ctx, "prefixes"), *pb = json_object_get(b->ctx, "prefixes"),
		     *sa = json_object_get(a->ctx, "suffixes"), *sb = json_object_get(b->ctx, "suffixes");

	if (allow_empty)
		return (json_array_size(pa) == 0 || json_array_size(pb) == 0 || same_ending(pa, pb)) &&
		       (json_array_size(sa) == 0 || json_array_size(sb) == 0 || same_ending(sa, sb));
	return same_ending(pa, pb) && same_ending(sa, sb);
}

/* keeps the candidates with the referrer's affixes; the count left */
static size_t sieve_affixes(const kres **c, size_t n, const kres *referrer, int allow_empty)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (affixes_equal(c[i], referrer, allow_empty))
			c[kept++] = c[i];
	return kept;
}

/* The object `name` refers to, or NULL (none: the field stays). mapping: a field with a
 * namespace beside the name, whose want_ns (if given) picks the candidates first in that
 * namespace, else those in it now. *out is NULL when nothing matches; several that differ (in
 * name, or for a mapping in namespace) are an error. */
static int select_referral(const kres **out, const refctx *rc, const char *name, int mapping, const char *want_ns)
{
	char key[1200];
	const json_t *all;
	const kres *c[CAND_MAX];
	size_t n = 0, i, kept;
	json_t *ix;
	int by_current = 0;

	*out = NULL;
	snprintf(key, sizeof(key), "%s\x01%s", rc->kind, name);
	all = json_object_get(rc->index, key);
again:
	n = 0;
	json_array_foreach(all, i, ix) {
		const kres *r = &rc->s->v[json_integer_value(ix)];
		if (!kz_had_id_before(r, NULL, name))
			continue;
		if (want_ns && !kz_same_namespace(by_current ? kz_res_ns(r) : cf_json_str(r->ctx, "ns0"), want_ns))
			continue;
		/* the referrer's namespace, unless either side is cluster-wide or it is a ServiceAccount */
		if (!kz_res_cluster_scoped(rc->referrer) && !kz_res_cluster_scoped(r) &&
		    strcmp(rc->kind, "ServiceAccount") != 0 && !kz_same_namespace(kz_res_ns(r), kz_res_ns(rc->referrer)))
			continue;
		if (n < CAND_MAX)
			c[n++] = r;
	}
	if (n == 0 && want_ns && !by_current) {
		by_current = 1;
		goto again;
	}
	if (n <= 1) {
		*out = n ? c[0] : NULL;
		return 0;
	}
	/* the same affixes, an object without any matching all; then strictly, if still several */
	if ((kept = sieve_affixes(c, n, rc->referrer, 1)) > 1)
		kept = sieve_affixes(c, kept, rc->referrer, 0);
	if (kept == 0)
		return 0;
	for (i = 1; i < kept; i++)
		if (strcmp(kz_res_name(c[i]), kz_res_name(c[0])) != 0 ||
		    (mapping && strcmp(kz_res_ns(c[i]), kz_res_ns(c[0])) != 0))
			return cf_err_set(CF_EINVAL, "updating name reference in '%s' field of %s %s: found multiple possible "
					  "referrals: %s %s/%s and %s/%s", rc->path, kz_res_kind(rc->referrer),
					  kz_res_name(rc->referrer), rc->kind, kz_res_ns(c[0]), kz_res_name(c[0]),
					  kz_res_ns(c[i]), kz_res_name(c[i]));
	*out = c[0];
	return 0;
}

/* holder[field] is a name, or a list of names (rules/resourceNames) */
static int fix_name_fn(json_t *holder, const char *field, void *arg)
{
	const refctx *rc = arg;
	json_t *v = json_object_get(holder, field), *e;
	const kres *hit;
	size_t i;
	int err;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (json_is_string(e)) {
				if ((err = select_referral(&hit, rc, json_string_value(e), 0, NULL)) < 0)
					return err;
				if (hit)
					json_array_set_new(v, i, json_string(kz_res_name(hit)));
			}
		return 0;
	}
	if (!json_is_string(v))
		return 0;
	if ((err = select_referral(&hit, rc, json_string_value(v), 0, NULL)) < 0)
		return err;
	if (hit && strcmp(kz_res_name(hit), json_string_value(v)) != 0)
		json_object_set_new(holder, field, json_string(kz_res_name(hit)));
	return 0;
}

/* holder[field] is {name, namespace}: both follow the object named */
static int fix_mapping(json_t *m, const refctx *rc)
{
	const char *name = cf_json_str(m, "name");
	const kres *hit;
	int err;

	if (name == NULL)
		return 0;
	if ((err = select_referral(&hit, rc, name, 1, cf_json_str(m, "namespace"))) < 0 || hit == NULL)
		return err;
	json_object_set_new(m, "name", json_string(kz_res_name(hit)));
	if (*kz_res_ns(hit))
		json_object_set_new(m, "namespace", json_string(kz_res_ns(hit)));
	return 0;
}

static int fix_mapping_fn(json_t *holder, const char *field, void *arg)
{
	json_t *m = json_object_get(holder, field);

	return json_is_object(m) ? fix_mapping(m, arg) : 0;
}

/* Fields of a pod spec that name other objects. */
static const struct { const char *kind, *path; } pod_refs[] = {
	{ "ConfigMap", "volumes[]/configMap/name" },
	{ "ConfigMap", "volumes[]/projected/sources[]/configMap/name" },
	{ "ConfigMap", "containers[]/env[]/valueFrom/configMapKeyRef/name" },
	{ "ConfigMap", "containers[]/envFrom[]/configMapRef/name" },
	{ "ConfigMap", "initContainers[]/env[]/valueFrom/configMapKeyRef/name" },
	{ "ConfigMap", "initContainers[]/envFrom[]/configMapRef/name" },
	{ "Secret", "volumes[]/secret/secretName" },
	{ "Secret", "volumes[]/projected/sources[]/secret/name" },
	{ "Secret", "containers[]/env[]/valueFrom/secretKeyRef/name" },
	{ "Secret", "containers[]/envFrom[]/secretRef/name" },
	{ "Secret", "initContainers[]/env[]/valueFrom/secretKeyRef/name" },
	{ "Secret", "initContainers[]/envFrom[]/secretRef/name" },
	{ "Secret", "imagePullSecrets[]/name" },
	{ "ServiceAccount", "serviceAccountName" },
	{ "ServiceAccount", "serviceAccount" },
	{ "PersistentVolumeClaim", "volumes[]/persistentVolumeClaim/claimName" },
	{ "PriorityClass", "priorityClassName" },
};

static const struct { const char *kind, *spec; } pod_spec_paths[] = {
	{ "Pod", "spec" }, { "Deployment", "spec/template/spec" }, { "ReplicaSet", "spec/template/spec" },
	{ "DaemonSet", "spec/template/spec" }, { "StatefulSet", "spec/template/spec" },
	{ "Job", "spec/template/spec" }, { "ReplicationController", "spec/template/spec" },
	{ "CronJob", "spec/jobTemplate/spec/template/spec" }, { "PodTemplate", "template/spec" },
};

/* Other referrers: kind of the referrer, field path, kind referred to (NULL: the "kind" beside
 * the name, as in roleRef and scaleTargetRef), and whether the path ends at a {name, namespace}. */
static const struct { const char *referrer, *path, *kind; int mapping; } other_refs[] = {
	{ "Role", "rules[]/resourceNames", "ConfigMap", 0 },
	{ "Role", "rules[]/resourceNames", "Secret", 0 },
	{ "ClusterRole", "rules[]/resourceNames", "ConfigMap", 0 },
	{ "ClusterRole", "rules[]/resourceNames", "Secret", 0 },
	{ "ClusterRole", "rules[]/resourceNames", "PersistentVolume", 0 },
	{ "RoleBinding", "roleRef/name", NULL, 0 },
	{ "ClusterRoleBinding", "roleRef/name", NULL, 0 },
	{ "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", NULL, 0 },
	{ "ServiceAccount", "secrets[]/name", "Secret", 0 },
	{ "ServiceAccount", "imagePullSecrets[]/name", "Secret", 0 },
	{ "StatefulSet", "spec/serviceName", "Service", 0 },
	{ "StatefulSet", "spec/volumeClaimTemplates[]/spec/storageClassName", "StorageClass", 0 },
	{ "Ingress", "spec/defaultBackend/service/name", "Service", 0 },
	{ "Ingress", "spec/rules[]/http/paths[]/backend/service/name", "Service", 0 },
	{ "Ingress", "spec/backend/serviceName", "Service", 0 },
	{ "Ingress", "spec/rules[]/http/paths[]/backend/serviceName", "Service", 0 },
	{ "Ingress", "spec/tls[]/secretName", "Secret", 0 },
	{ "Ingress", "spec/ingressClassName", "IngressClass", 0 },
	{ "PersistentVolumeClaim", "spec/volumeName", "PersistentVolume", 0 },
	{ "PersistentVolumeClaim", "spec/storageClassName", "StorageClass", 0 },
	{ "PersistentVolume", "spec/storageClassName", "StorageClass", 0 },
	{ "StorageClass", "parameters/secretName", "Secret", 0 },
	{ "ValidatingAdmissionPolicyBinding", "spec/policyName", "ValidatingAdmissionPolicy", 0 },
	{ "APIService", "spec/service", "Service", 1 },
	{ "ValidatingWebhookConfiguration", "webhooks[]/clientConfig/service", "Service", 1 },
	{ "MutatingWebhookConfiguration", "webhooks[]/clientConfig/service", "Service", 1 },
};

static json_t *at_path(json_t *obj, const char *path)
{
	char buf[256];
	json_t *cur = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *p = strtok_r(buf, "/", &save); p && cur; p = strtok_r(NULL, "/", &save))
		cur = json_object_get(cur, p);
	return cur;
}

static json_t *reference_index(const kset *s)
{
	json_t *index = json_object(), *n;
	char key[1200];
	size_t j;

	for (size_t i = 0; i < s->n; i++)
		json_array_foreach(s->v[i].names, j, n) {
			json_t *list;
			snprintf(key, sizeof(key), "%s\x01%s", kz_res_kind(&s->v[i]), json_string_value(n));
			if ((list = json_object_get(index, key)) == NULL) {
				list = json_array();
				json_object_set_new(index, key, list);
			}
			json_array_append_new(list, json_integer((json_int_t)i));
		}
	return index;
}

static int fix_pod_spec(json_t *obj, refctx *rc)
{
	const char *kind = kz_res_kind(rc->referrer);
	int err;

	for (size_t p = 0; p < sizeof(pod_spec_paths) / sizeof(pod_spec_paths[0]); p++) {
		json_t *spec;
		if (strcmp(kind, pod_spec_paths[p].kind) != 0 || (spec = at_path(obj, pod_spec_paths[p].spec)) == NULL)
			continue;
		for (size_t r = 0; r < sizeof(pod_refs) / sizeof(pod_refs[0]); r++) {
			rc->kind = pod_refs[r].kind;
			rc->path = pod_refs[r].path;
			if ((err = kz_walk_path(spec, pod_refs[r].path, 0, fix_name_fn, rc)) < 0)
				return err;
		}
	}
	return 0;
}

/* (Cluster)RoleBinding subjects: a ServiceAccount subject is a {name, namespace} */
static int fix_subjects(json_t *obj, refctx *rc)
{
	size_t j;
	json_t *e;
	int err;

	rc->kind = "ServiceAccount";
	rc->path = "subjects";
	json_array_foreach(json_object_get(obj, "subjects"), j, e) {
		if (cf_json_str(e, "kind") == NULL || strcmp(cf_json_str(e, "kind"), "ServiceAccount") != 0)
			continue;
		/* kustomize reads a RoleBinding's ServiceAccount namespaces to find what it may name */
		if (strcmp(kz_res_kind(rc->referrer), "RoleBinding") == 0 && json_object_get(e, "namespace") &&
		    !json_is_string(json_object_get(e, "namespace")))
			return cf_err_set(CF_EINVAL, "RoleBinding %s: subjects[%zu].namespace is blank (not a string); give "
					  "the namespace or leave the field out", kz_res_name(rc->referrer), j);
		if ((err = fix_mapping(e, rc)) < 0)
			return err;
	}
	return 0;
}

/* extra: configurations' nameReference, [{"kind": referred kind, "spec": the referrer's field spec}] */
int kz_fix_references(kset *s, const json_t *extra)
{
	json_t *index = reference_index(s);
	int err = 0;

	for (size_t i = 0; i < s->n && err == 0; i++) {
		json_t *obj = s->v[i].obj;
		const char *kind = kz_res_kind(&s->v[i]);
		refctx rc = { s, &s->v[i], NULL, NULL, index };

		if ((err = fix_pod_spec(obj, &rc)) < 0)
			break;
		if ((strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) &&
		    (err = fix_subjects(obj, &rc)) < 0)
			break;
		for (size_t r = 0; r < sizeof(other_refs) / sizeof(other_refs[0]) && err == 0; r++) {
			if (strcmp(kind, other_refs[r].referrer) != 0)
				continue;
			rc.path = other_refs[r].path;
			rc.kind = other_refs[r].kind;
			if (rc.kind == NULL) {
				/* roleRef/name, scaleTargetRef/name: the kind is the map's */
				char parent[128];
				const char *slash = strrchr(other_refs[r].path, '/');
				snprintf(parent, sizeof(parent), "%.*s", (int)(slash - other_refs[r].path), other_refs[r].path);
				if ((rc.kind = cf_json_str(at_path(obj, parent), "kind")) == NULL)
					continue;
			}
			err = kz_walk_path(obj, other_refs[r].path, 0, other_refs[r].mapping ? fix_mapping_fn : fix_name_fn, &rc);
		}
		size_t x;
		json_t *ref;
		json_array_foreach(extra, x, ref) {
			const json_t *spec = json_object_get(ref, "spec");
			if (err < 0 || !kz_target_match(&s->v[i], spec))
				continue;
			rc.kind = cf_json_str(ref, "kind");
			rc.path = cf_json_str(spec, "path");
			err = kz_walk_spec(obj, rc.path, 0, fix_name_fn, &rc);
		}
	}
	json_decref(index);
	return err;
}
