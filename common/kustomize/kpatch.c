/* common/kustomize/kpatch.c - strategic merge patches and JSON 6902 patches, as kustomize applies them. */
#include "kustomize/kustomize.h"
#include "kustomize/kustomize_internal.h"
#include "kustomize/kustomize_openapi.h"

#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in API groups: their lists merge by the keys Kubernetes declares. */
static int builtin_group(const char *api_version)
{
	static const char *const groups[] = { "apps/", "batch/", "policy/", "networking.k8s.io/",
		"rbac.authorization.k8s.io/", "autoscaling/", "storage.k8s.io/", "scheduling.k8s.io/",
		"coordination.k8s.io/", "discovery.k8s.io/", "node.k8s.io/", "extensions/", "admissionregistration.k8s.io/",
		"certificates.k8s.io/", "events.k8s.io/", "flowcontrol.apiserver.k8s.io/", "apiextensions.k8s.io/",
		"apiregistration.k8s.io/" };
	if (api_version == NULL || strcmp(api_version, "v1") == 0)
		return 1;   /* core (a patch may leave apiVersion out) */
	if (strchr(api_version, '/') == NULL)
		return 0;   /* no group and not v1: no type kyaml knows */
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strncmp(api_version, groups[i], strlen(groups[i])) == 0)
			return 1;
	return 0;
}

/* The kinds of kyaml's built-in schema (Kubernetes v1.21.2): another kind, in a built-in group
 * or not, has no schema, so its lists are replaced (kustomize's "MyCRD" of apps/v1). */
static int builtin_kind(const char *kind)
{
	static const char *const kinds[] = { "APIService", "Binding", "CSIDriver", "CSINode", "CSIStorageCapacity",
		"CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "ComponentStatus", "ConfigMap",
		"ControllerRevision", "CronJob", "CustomResourceDefinition", "DaemonSet", "Deployment", "EndpointSlice",
		"Endpoints", "Event", "Eviction", "FlowSchema", "HorizontalPodAutoscaler", "Ingress", "IngressClass", "Job",
		"Lease", "LimitRange", "List", "LocalSubjectAccessReview", "MutatingWebhookConfiguration", "Namespace",
		"NetworkPolicy", "Node", "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodDisruptionBudget",
		"PodSecurityPolicy", "PodTemplate", "PriorityClass", "PriorityLevelConfiguration", "ReplicaSet",
		"ReplicationController", "ResourceQuota", "Role", "RoleBinding", "RuntimeClass", "Scale", "Secret",
		"SelfSubjectAccessReview", "SelfSubjectRulesReview", "Service", "ServiceAccount", "StatefulSet",
		"StorageClass", "SubjectAccessReview", "TokenReview", "ValidatingWebhookConfiguration", "VolumeAttachment" };

	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

/* The merge keys of the list fields in the built-in types, as kyaml's built-in schema
 * (Kubernetes v1.21.2) declares them: x-kubernetes-list-map-keys where given, else
 * patchMergeKey; no key is a list of scalars merged by value. A field added to Kubernetes
 * after v1.21 (resourceClaims, schedulingGates, resizePolicy) is not there, so its lists are
 * replaced. kind NULL: any kind; min_depth: the shallowest level the field is at (1: a
 * top-level field; 2: under spec, status or metadata); metadata: a field of ObjectMeta. */
typedef struct list_field {
	const char *field, *key, *key2, *kind;
	int min_depth, metadata;
} list_field;

static const list_field list_fields[] = {
	{ "finalizers", NULL, NULL, NULL, 2, 1 },
	{ "ownerReferences", "uid", NULL, NULL, 2, 1 },
	{ "containers", "name", NULL, NULL, 2, 0 },
	{ "initContainers", "name", NULL, NULL, 2, 0 },
	{ "ephemeralContainers", "name", NULL, NULL, 2, 0 },
	{ "volumes", "name", NULL, NULL, 2, 0 },
	{ "imagePullSecrets", "name", NULL, NULL, 2, 0 },
	{ "hostAliases", "ip", NULL, NULL, 2, 0 },
	{ "topologySpreadConstraints", "topologyKey", "whenUnsatisfiable", NULL, 2, 0 },
	{ "env", "name", NULL, NULL, 3, 0 },
	{ "volumeMounts", "mountPath", NULL, NULL, 3, 0 },
	{ "volumeDevices", "devicePath", NULL, NULL, 3, 0 },
	{ "ports", "port", "protocol", "Service", 2, 0 },   /* spec.ports: only that level */
	{ "ports", "containerPort", "protocol", NULL, 3, 0 },
	{ "conditions", "type", NULL, NULL, 2, 0 },
	{ "webhooks", "name", NULL, "ValidatingWebhookConfiguration", 1, 0 },
	{ "webhooks", "name", NULL, "MutatingWebhookConfiguration", 1, 0 },
	{ "secrets", "name", NULL, "ServiceAccount", 1, 0 },
	{ "addresses", "type", NULL, "Node", 2, 0 },
	{ "podCIDRs", NULL, NULL, "Node", 2, 0 },
	{ "podIPs", "ip", NULL, "Pod", 2, 0 },
	{ "drivers", "name", NULL, "CSINode", 2, 0 },
};

/* The built-in list field key names at this depth, or NULL: replaced whole. */
static const list_field *builtin_list(const char *field, const char *kind, int depth, int in_metadata)
{
	for (size_t i = 0; i < sizeof(list_fields) / sizeof(list_fields[0]); i++) {
		const list_field *f = &list_fields[i];
		if (strcmp(field, f->field) != 0 || depth < f->min_depth || f->metadata != in_metadata ||
		    (f->metadata && depth != 2))
			continue;
		if (f->kind && !(kind && strcmp(kind, f->kind) == 0))
			continue;
		if (f->kind && strcmp(f->field, "ports") == 0 && depth != 2)
			continue;   /* a Service's spec.ports; deeper ports are a container's */
		return f;
	}
	return NULL;
}

/* What a strategic merge patch knows of the object's type: the built-in kinds' keys, or the
 * custom schema (kustomize_openapi.h) that replaces them while it is in use. */
typedef struct smp_ctx {
	int builtin;                 /* a built-in group, and no custom schema */
	int metadata;                /* within the object's metadata */
	const char *kind;
	const cf_kopenapi *schema;   /* the custom schema, or NULL */
} smp_ctx;

static int smp_value(json_t *target, const char *key, json_t *pv, const smp_ctx *cx, const json_t *node, int depth);

/* node: the schema of this map (NULL: none). */
static int smp_map(json_t *t, const json_t *p, const smp_ctx *cx, const json_t *node, int depth)
{
	const char *k;
	json_t *v;
	const char *directive = json_string_value(json_object_get(p, "$patch"));

	if (directive && strcmp(directive, "replace") == 0) {
		json_object_clear(t);
		json_object_foreach((json_t *)p, k, v)
			if (k[0] != '$' && json_object_set_new(t, k, json_deep_copy(v)) < 0)
				return cf_err_set(CF_ENOMEM, "out of memory");
		return 0;
	}
	json_object_foreach((json_t *)p, k, v) {
		int rc;
		if (strcmp(k, "$patch") == 0)
			continue;
		/* kustomize v5 does not act on $setElementOrder/... or $retainKeys: like it, they are
		 * copied through as fields (verified against kubectl kustomize v5.5) */
		if (cf_kopenapi_builtin_ref(cx->schema, node, k)) {
			smp_ctx b = { 1, cx->metadata, cx->kind, NULL };
			rc = smp_value(t, k, v, &b, NULL, depth + 1);
		} else {
			rc = smp_value(t, k, v, cx, cf_kopenapi_field(cx->schema, node, k), depth + 1);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Whether a and b have the same keys (a key neither has counts as the same). */
static int same_keys(const json_t *a, const json_t *b, const cf_kopenapi_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++) {
		const json_t *x = json_object_get(a, keys->names[i]), *y = json_object_get(b, keys->names[i]);
		if (!((x == NULL && y == NULL) || (x && y && json_equal(x, y))))
			return 0;
	}
	return 1;
}

/* Whether patch element pe, lacking some of several keys, has the target element te's values
 * for the keys it gives: kyaml then drops pe (a port without protocol where that port is). */
static int partial_keys(const json_t *te, const json_t *pe, const cf_kopenapi_keys *keys)
{
	int missing = 0;

	for (size_t i = 0; i < keys->n; i++) {
		const json_t *x = json_object_get(te, keys->names[i]), *y = json_object_get(pe, keys->names[i]);
		if (y == NULL && x != NULL)
			missing = 1;
		else if (!(x && y && json_equal(x, y)) && !(x == NULL && y == NULL))
			return 0;
	}
	return missing;
}

/* A list of scalars merged by value: the patch's values, then the target's others. */
static void smp_scalars(json_t *t, const json_t *p)
{
	json_t *out = json_array(), *e, *o;
	size_t i, j;

	for (int from_target = 0; from_target < 2; from_target++)
		json_array_foreach(from_target ? t : p, i, e) {
			int seen = 0;
			json_array_foreach(out, j, o)
				seen |= json_equal(o, e);
			if (!seen)
				json_array_append(out, e);
		}
	json_array_clear(t);
	json_array_extend(t, out);
	json_decref(out);
}

static int is_delete(const json_t *e)
{
	const char *d = json_string_value(json_object_get(e, "$patch"));
	return d && strcmp(d, "delete") == 0;
}

/* The patch element merged into target element te (a new reference in *out), or a copy of pe
 * without its directive when there is none; NULL for a "$patch: delete" element. */
static int smp_element(json_t **out, const json_t *te, const json_t *pe, const smp_ctx *cx, const json_t *node, int depth)
{
	*out = NULL;
	if (is_delete(pe))
		return 0;
	if (te == NULL) {
		*out = json_deep_copy(pe);
		json_object_del(*out, "$patch");
		return 0;
	}
	*out = json_deep_copy(te);
	return smp_map(*out, pe, cx, node, depth);
}

/* Merges lists of maps by keys as kubectl does. With one key: the patch's elements first, in the
 * patch's order (merged into their target element, or new), then the target's elements the patch
 * did not mention. With several (x-kubernetes-list-map-keys): the patch's new elements first, then
 * the target's in their order, merged. "$patch: delete" elements remove theirs. node: the schema
 * of the elements. */
static int smp_list(json_t *t, const json_t *p, const cf_kopenapi_keys *keys, const smp_ctx *cx, const json_t *node, int depth)
{
	size_t np = json_array_size(p), nt = json_array_size(t), i, j;
	long *match = cf_calloc(np + 1, sizeof(*match)), *by_target = cf_calloc(nt + 1, sizeof(*by_target));
	json_t *out = json_array(), *pe, *te, *m;
	int rc = 0;

	for (j = 0; j < nt; j++)
		by_target[j] = -1;
	json_array_foreach(p, i, pe) {
		match[i] = -1;
		json_array_foreach(t, j, te)
			if (json_is_object(pe) && json_is_object(te) && same_keys(te, pe, keys)) {
				match[i] = (long)j;
				if (by_target[j] < 0)
					by_target[j] = (long)i;
				break;
			}
	}
	json_array_foreach(p, i, pe) {
		int dropped = 0;
		if (!json_is_object(pe) || (keys->n > 1 && match[i] >= 0))
			continue;
		json_array_foreach(t, j, te)
			dropped |= keys->n > 1 && json_is_object(te) && partial_keys(te, pe, keys);
		if (dropped)
			continue;
		if ((rc = smp_element(&m, match[i] >= 0 ? json_array_get(t, (size_t)match[i]) : NULL, pe, cx, node, depth)) < 0)
			break;
		if (m)
			json_array_append_new(out, m);
	}
	json_array_foreach(t, j, te) {
		if (rc < 0)
			break;
		if (by_target[j] < 0)
			json_array_append(out, te);
		else if (keys->n > 1 && (rc = smp_element(&m, te, json_array_get(p, (size_t)by_target[j]), cx, node, depth)) == 0 && m)
			json_array_append_new(out, m);
	}
	if (rc == 0) {
		json_array_clear(t);
		json_array_extend(t, out);
	}
	json_decref(out);
	cf_free(match);
	cf_free(by_target);
	return rc;
}

/* How the list at key merges: 1 by keys, 0 replaced, <0 a bad schema. */
static int list_keys(const smp_ctx *cx, const char *key, const json_t *node, int depth, cf_kopenapi_keys *keys)
{
	const list_field *f;

	keys->n = 0;
	if (cx->schema)
		return node ? cf_kopenapi_list_keys(node, key, keys) : 0;
	if (!cx->builtin || (f = builtin_list(key, cx->kind, depth, cx->metadata)) == NULL)
		return 0;
	if (f->key)
		keys->names[keys->n++] = f->key;
	if (f->key2)
		keys->names[keys->n++] = f->key2;
	return 1;
}

static int smp_value(json_t *target, const char *key, json_t *pv, const smp_ctx *cx, const json_t *node, int depth)
{
	json_t *tv = json_object_get(target, key);
	cf_kopenapi_keys keys;
	int how;

	if (json_is_null(pv)) {
		json_object_del(target, key);
		return 0;
	}
	if (json_is_object(pv)) {
		if (is_delete(pv)) {
			json_object_del(target, key);
			return 0;
		}
		if (!json_is_object(tv)) {
			tv = json_object();
			json_object_set_new(target, key, tv);
		}
		if (depth == 1 && strcmp(key, "metadata") == 0) {
			smp_ctx m = *cx;
			m.metadata = 1;
			return smp_map(tv, pv, &m, node, depth);
		}
		return smp_map(tv, pv, cx, node, depth);
	}
	if (json_is_array(pv)) {
		/* elements that are only a $patch directive, as kyaml reads them: delete drops the
		 * field, replace sets the other elements, merge merges them */
		int del = 0, rep = 0, dirs = 0, rc;
		size_t i;
		json_t *e, *rest;
		json_array_foreach(pv, i, e)
			if (json_is_object(e) && json_object_size(e) == 1 && json_is_string(json_object_get(e, "$patch"))) {
				const char *d = json_string_value(json_object_get(e, "$patch"));
				dirs++;
				del |= strcmp(d, "delete") == 0;
				rep |= strcmp(d, "replace") == 0;
			}
		if (dirs) {
			if (del) {
				json_object_del(target, key);
				return 0;
			}
			if ((rest = json_array()) == NULL)
				return cf_err_set(CF_ENOMEM, "out of memory");
			json_array_foreach(pv, i, e)
				if (!(json_is_object(e) && json_object_size(e) == 1 && json_object_get(e, "$patch")))
					json_array_append_new(rest, json_deep_copy(e));
			if (rep || !json_is_array(tv))
				return json_object_set_new(target, key, rest) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
			rc = smp_value(target, key, rest, cx, node, depth);
			json_decref(rest);
			return rc;
		}
	}
	if (json_is_array(pv) && json_is_array(tv) && (how = list_keys(cx, key, node, depth, &keys)) != 0) {
		/* (an element that is only $patch: replace replaced the list above) */
		int has_replace = 0;
		size_t j;
		json_t *pe;
		json_array_foreach(pv, j, pe) {
			const char *d = json_string_value(json_object_get(pe, "$patch"));
			has_replace |= d && strcmp(d, "replace") == 0;
		}
		if (how < 0)
			return how;
		if (!has_replace) {
			if (keys.n > 0 && cf_kopenapi_builtin_ref(cx->schema, node, NULL)) {
				smp_ctx b = { 1, cx->metadata, cx->kind, NULL };   /* elements of a Kubernetes type */
				return smp_list(tv, pv, &keys, &b, NULL, depth);
			}
			if (keys.n > 0)
				return smp_list(tv, pv, &keys, cx, cf_kopenapi_field(cx->schema, node, NULL), depth);
			smp_scalars(tv, pv);
			return 0;
		}
		/* an element with fields that says $patch: replace is ignored, as kyaml leaves it */
		json_t *copy = json_array();
		size_t i;
		json_t *e;
		int rc;
		if (copy == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		json_array_foreach(pv, i, e) {
			const char *pd = json_string_value(json_object_get(e, "$patch"));
			if (!(pd && strcmp(pd, "replace") == 0))
				json_array_append_new(copy, json_deep_copy(e));
		}
		rc = json_array_size(copy) ? smp_value(target, key, copy, cx, node, depth) : 0;
		json_decref(copy);
		return rc;
	}
	json_object_set_new(target, key, json_deep_copy(pv));
	return 0;
}

/* Whether kyaml has a schema for the type: a built-in kind (while the built-in schema is in
 * use), or one the custom schema names. */
static int has_schema(const cf_kopenapi *schema, const char *av, const char *kind)
{
	return (builtin_group(av) && builtin_kind(kind) && (schema == NULL || cf_kopenapi_has_builtin(schema))) ||
	       cf_kopenapi_resource(schema, av, kind) != NULL;
}

int kz_smp(json_t *target, const json_t *patch, const cf_kopenapi *schema, const char *what)
{
	return kz_smp_as(target, patch, patch, schema, what);
}

int kz_smp_as(json_t *target, const json_t *patch, const json_t *patch_type, const cf_kopenapi *schema, const char *what)
{
	const char *tav = cf_json_str(target, "apiVersion"), *tk = cf_json_str(target, "kind");
	const char *pav = cf_json_str(patch_type, "apiVersion"), *pk = cf_json_str(patch_type, "kind");
	char avbuf[256], kind[128];
	const char *av;
	smp_ctx cx;
	int rc;

	if (!json_is_object(patch))
		return cf_err_set(CF_EINVAL, "%s: a strategic merge patch must be a mapping", what);
	/* kyaml merges by the schema of the first of target and patch whose type has one, so a
	 * patch of a known kind merges the lists of a target of an unknown one by its keys */
	if (!has_schema(schema, tav, tk) && pav && pk && has_schema(schema, pav, pk)) {
		tav = pav;
		tk = pk;
	}
	/* copied: the patch may set apiVersion or kind, which frees the target's strings */
	snprintf(avbuf, sizeof(avbuf), "%s", tav ? tav : "");
	snprintf(kind, sizeof(kind), "%s", tk ? tk : "");
	av = tav ? avbuf : NULL;
	/* a custom schema beside the built-in one: the built-in kinds are the built-in schema's */
	if (cf_kopenapi_has_builtin(schema) && builtin_group(av) && builtin_kind(kind))
		schema = NULL;
	cx.builtin = schema == NULL && builtin_group(av) && builtin_kind(kind);
	cx.metadata = 0;
	cx.kind = kind;
	cx.schema = schema;
	if ((rc = smp_map(target, patch, &cx, cf_kopenapi_resource(schema, av, kind), 0)) < 0)
		return cf_err_prefix("%s", what);
	return 0;
}

int cf_kustomize_smp(json_t *target, const json_t *patch, const char *what)
{
	return kz_smp(target, patch, NULL, what);
}

/* ---- JSON 6902 ---- */

/* Splits a JSON pointer into its unescaped tokens (an array of strings). */
static json_t *pointer_tokens(const char *ptr)
{
	json_t *toks = json_array();

	if (ptr[0] == '\0')
		return toks;
	if (ptr[0] != '/') {
		json_decref(toks);
		return NULL;
	}
	for (const char *p = ptr + 1;;) {
		size_t n = strcspn(p, "/");
		char *tok = cf_malloc(n + 1), *o = tok;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') { *o++ = '/'; i++; }
			else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') { *o++ = '~'; i++; }
			else *o++ = p[i];
		}
		*o = '\0';
		json_array_append_new(toks, json_string(tok));
		cf_free(tok);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return toks;
}

/* An array index as json-patch v4 (kustomize's) reads it: "-" is the end (for add), and a
 * negative index counts from the end. */
static int array_index(const char *tok, size_t size, int allow_end, size_t *out)
{
	size_t n = size + (allow_end ? 1 : 0);
	char *end;
	long v;

	if (allow_end && strcmp(tok, "-") == 0) {
		*out = size;
		return 0;
	}
	v = strtol(tok, &end, 10);
	if (*tok == '\0' || *end != '\0')
		return -1;
	if (v < 0 && (size_t)(-v) <= n)
		v += (long)n;
	if (v < 0 || (size_t)v >= n)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* The container holding the last token of path; *last gets that token. */
static json_t *parent_of(json_t *doc, json_t *toks, const char **last)
{
	json_t *cur = doc;
	size_t n = json_array_size(toks);

	if (n == 0)
		return NULL;
	for (size_t i = 0; i + 1 < n; i++) {
		const char *t = json_string_value(json_array_get(toks, i));
		size_t idx;
		if (json_is_object(cur))
			cur = json_object_get(cur, t);
		else if (json_is_array(cur) && array_index(t, json_array_size(cur), 0, &idx) == 0)
			cur = json_array_get(cur, idx);
		else
			return NULL;
		if (cur == NULL)
			return NULL;
	}
	*last = json_string_value(json_array_get(toks, n - 1));
	return cur;
}

static json_t *get_at(json_t *doc, const char *path)
{
	json_t *toks = pointer_tokens(path), *cur = doc, *t;
	size_t i, idx;

	if (toks == NULL)
		return NULL;
	json_array_foreach(toks, i, t) {
		if (json_is_object(cur))
			cur = json_object_get(cur, json_string_value(t));
		else if (json_is_array(cur) && array_index(json_string_value(t), json_array_size(cur), 0, &idx) == 0)
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		if (cur == NULL)
			break;
	}
	json_decref(toks);
	return cur;
}

json_t *cf_kustomize_pointer_get(json_t *doc, const char *ptr)
{
	return ptr ? get_at(doc, ptr) : NULL;
}

/* value is the operation's own: every target gets a copy, so that a later patch of one target
 * does not change the others. */
static int op_apply(json_t *doc, const char *op, const char *path, const json_t *value, const char *what)
{
	json_t *toks = pointer_tokens(path), *parent;
	const char *last = NULL;
	size_t idx;
	int rc = 0, set = 0;

	if (toks == NULL)
		return cf_err_set(CF_EINVAL, "%s: path \"%s\" is not a JSON pointer", what, path);
	parent = parent_of(doc, toks, &last);
	if (parent == NULL) {
		json_decref(toks);
		return cf_err_set(CF_EINVAL, "%s: %s: path \"%s\" does not exist", what, op, path);
	}
	if (strcmp(op, "add") == 0) {
		if (json_is_object(parent))
			set = json_object_set_new(parent, last, json_deep_copy(value));
		else if (json_is_array(parent) && array_index(last, json_array_size(parent), 1, &idx) == 0)
			set = json_array_insert_new(parent, idx, json_deep_copy(value));
		else
			rc = cf_err_set(CF_EINVAL, "%s: add: path \"%s\" does not exist", what, path);
	} else if (strcmp(op, "remove") == 0 || strcmp(op, "replace") == 0) {
		/* json-patch v4 replaces a key an object lacks by adding it */
		int exists = json_is_object(parent)
				     ? json_object_get(parent, last) != NULL || strcmp(op, "replace") == 0
				     : json_is_array(parent) && array_index(last, json_array_size(parent), 0, &idx) == 0;
		if (!exists)
			rc = cf_err_set(CF_EINVAL, "%s: %s: path \"%s\" does not exist", what, op, path);
		else if (strcmp(op, "remove") == 0)
			json_is_object(parent) ? json_object_del(parent, last) : json_array_remove(parent, idx);
		else
			set = json_is_object(parent) ? json_object_set_new(parent, last, json_deep_copy(value))
						     : json_array_set_new(parent, idx, json_deep_copy(value));
	}
	if (set < 0)
		rc = cf_err_set(CF_ENOMEM, "%s: %s %s: out of memory", what, op, path);
	json_decref(toks);
	return rc;
}

int cf_kustomize_json6902(json_t *target, const json_t *ops, const char *what)
{
	size_t i;
	json_t *op;

	if (!json_is_array(ops))
		return cf_err_set(CF_EINVAL, "%s: a JSON 6902 patch must be a list of operations", what);
	json_array_foreach(ops, i, op) {
		const char *name = json_string_value(json_object_get(op, "op"));
		const char *path = json_string_value(json_object_get(op, "path"));
		const char *from = json_string_value(json_object_get(op, "from"));
		json_t *value = json_object_get(op, "value"), *src;
		int rc;

		if (name == NULL || path == NULL)
			return cf_err_set(CF_EINVAL, "%s: operation %zu needs op and path", what, i);
		if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
			if (value == NULL)
				return cf_err_set(CF_EINVAL, "%s: %s %s needs a value", what, name, path);
			rc = op_apply(target, name, path, value, what);
		} else if (strcmp(name, "remove") == 0) {
			rc = op_apply(target, name, path, NULL, what);
		} else if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
			if (from == NULL || (src = get_at(target, from)) == NULL)
				return cf_err_set(CF_EINVAL, "%s: %s: from \"%s\" does not exist", what, name, from ? from : "");
			src = json_deep_copy(src);
			rc = strcmp(name, "move") == 0 ? op_apply(target, "remove", from, NULL, what) : 0;
			if (rc == 0)
				rc = op_apply(target, "add", path, src, what);
			json_decref(src);
		} else if (strcmp(name, "test") == 0) {
			/* a key an object lacks tests equal to null, as json-patch v4 has it */
			src = get_at(target, path);
			if (src == NULL && json_is_null(value)) {
				json_t *toks = pointer_tokens(path), *parent;
				const char *last = NULL;
				parent = toks ? parent_of(target, toks, &last) : NULL;
				if (json_is_object(parent))
					src = value;
				json_decref(toks);
			}
			rc = src && value && json_equal(src, value) ? 0
				: cf_err_set(CF_EINVAL, "%s: test at %s failed", what, path);
		} else {
			return cf_err_set(CF_EINVAL, "%s: unknown op \"%s\"", what, name);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}
