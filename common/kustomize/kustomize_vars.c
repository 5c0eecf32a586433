/* common/kustomize/kustomize_vars.c - vars (deprecated in kustomize, still common): each
 * kustomization's vars are tied to the one object their objref names when that kustomization is
 * built; at the end of the build (after hashes and name references) each var takes the value at
 * its fieldref in that object, and $(NAME) is expanded in kustomize's varReference places. */
#include "kustomize/kustomize_internal.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kustomize's default varReference field specs (as kubectl 1.32 and 1.35 expand them) */
static const struct { const char *kind, *path; } var_places[] = {
	{ NULL, "metadata/labels" }, { NULL, "metadata/annotations" },
	{ "Deployment", "spec/template/metadata/annotations" },
	{ "Ingress", "spec/rules/host" }, { "Ingress", "spec/tls/hosts" }, { "Ingress", "spec/tls/secretName" },
	{ "Service", "spec/ports/port" }, { "Service", "spec/ports/targetPort" },
	{ "PersistentVolume", "spec/nfs/server" }, { "StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server" },
	/* sic: kustomize's list leaves out the pod template's spec/ here */
	{ "CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server" },
};

/* the container fields, below each kind's pod spec */
static const struct { const char *kind, *spec; int nfs; } pod_specs[] = {
	{ "Pod", "spec", 1 }, { "Deployment", "spec/template/spec", 1 }, { "ReplicaSet", "spec/template/spec", 1 },
	{ "DaemonSet", "spec/template/spec", 1 }, { "Job", "spec/template/spec", 1 },
	{ "StatefulSet", "spec/template/spec", 0 }, { "CronJob", "spec/jobTemplate/spec/template/spec", 0 },
};
static const char *const container_fields[] = { "args", "command", "env/value", "volumeMounts/mountPath" };

/* ---- collecting ---- */

static int var_error(const char *kpath, size_t i, const char *what)
{
	return cf_err_set(CF_EINVAL, "%s: vars entry %zu: %s", kpath, i, what);
}

static int objref_match(const kres *r, const json_t *ref)
{
	const char *av = cf_json_str(ref, "apiVersion"), *ns = cf_json_str(ref, "namespace");
	const char *rav = cf_json_str(r->obj, "apiVersion");
	const char *group = cf_json_str(ref, "group"), *version = cf_json_str(ref, "version");
	char want[512];

	if (strcmp(kz_res_kind(r), cf_json_str(ref, "kind")) != 0 || !kz_name_in_history(r, cf_json_str(ref, "name")))
		return 0;
	/* kustomize compares the whole group/version, from apiVersion or else from group and
	 * version: an objref without them names no object that has one */
	if (av)
		snprintf(want, sizeof(want), "%s", av);
	else
		snprintf(want, sizeof(want), "%s%s%s", group ? group : "", group && *group ? "/" : "", version ? version : "");
	if (strcmp(want, rav ? rav : "") != 0)
		return 0;
	return ns == NULL || strcmp(ns, kz_res_ns(r)) == 0 || strcmp(ns, cf_json_str(r->ctx, "ns0") ? cf_json_str(r->ctx, "ns0") : "") == 0;
}

int kz_collect_vars(kctx *c, const char *kpath, const json_t *k, kset *s)
{
	const json_t *vars = json_object_get(k, "vars");
	size_t i, j;
	json_t *v, *have;

	if (vars == NULL || json_is_null(vars))
		return 0;
	if (!json_is_array(vars))
		return cf_err_set(CF_EINVAL, "%s: vars must be a list", kpath);
	if (c->vars == NULL && (c->vars = json_array()) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(vars, i, v) {
		const json_t *ref = json_object_get(v, "objref");
		const char *name = cf_json_str(v, "name"), *fp = cf_json_str(json_object_get(v, "fieldref"), "fieldpath");
		json_t *hit = NULL, *entry;
		size_t hits = 0;

		if (name == NULL || *name == '\0')
			return var_error(kpath, i, "needs a name");
		if (!json_is_object(ref) || cf_json_str(ref, "kind") == NULL || cf_json_str(ref, "name") == NULL)
			return var_error(kpath, i, "objref needs kind and name");
		json_array_foreach(c->vars, j, have)
			if (strcmp(cf_json_str(have, "name"), name) == 0)
				return cf_err_set(CF_EINVAL, "%s: merging vars: var '%s' already encountered", kpath, name);
		for (size_t r = 0; r < s->n; r++)
			if (objref_match(&s->v[r], ref)) {
				hit = s->v[r].obj;
				hits++;
			}
		if (hits > 1)
			return cf_err_set(CF_EINVAL, "%s: found %zu resId matches for var %s (unable to disambiguate)", kpath, hits, name);
		entry = json_pack("{sssssO}", "name", name, "fieldpath", fp ? fp : "metadata.name", "objref", ref);
		if (entry == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		if (hit)   /* the object itself: it keeps changing until the end of the build */
			json_object_set(entry, "obj", hit);
		json_array_append_new(c->vars, entry);
	}
	return 0;
}

/* ---- resolving ---- */

/* "spec.ports[0].port" in obj */
static const json_t *field_at(const json_t *obj, const char *path)
{
	char buf[512];
	const json_t *cur = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *p = strtok_r(buf, ".", &save); p && cur; p = strtok_r(NULL, ".", &save)) {
		char *br = strchr(p, '[');
		if (br)
			*br = '\0';
		if (*p)
			cur = json_object_get(cur, p);
		while (br && cur) {
			char *end;
			long idx = strtol(br + 1, &end, 10);
			if (*end != ']' || idx < 0)
				return NULL;
			cur = json_array_get(cur, (size_t)idx);
			br = end[1] == '[' ? end + 1 : NULL;
		}
	}
	return cur;
}

typedef struct expand {
	const json_t *values;   /* name -> the value (a scalar) */
	int strings;            /* 1: the field holds strings only (labels, annotations) */
} expand;

static void scalar_text(char *out, size_t size, const json_t *v)
{
	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, size, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, size, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(out, size, "null");
}

/* Kubernetes' $(VAR) expansion: $$ is $, an unknown $(NAME) stays. A string that is one whole
 * $(NAME) becomes the value itself (a number stays a number). New reference, or NULL: unchanged. */
static json_t *expand_string(const char *s, const expand *e)
{
	char out[16384];
	size_t o = 0;
	int changed = 0;

	for (const char *p = s; *p && o + 1 < sizeof(out);) {
		const char *close;
		if (p[0] == '$' && p[1] == '$') {
			out[o++] = '$';
			p += 2;
			changed = 1;
			continue;
		}
		if (p[0] == '$' && p[1] == '(' && (close = strchr(p + 2, ')')) != NULL) {
			char name[256];
			const json_t *v;
			snprintf(name, sizeof(name), "%.*s", (int)(close - p - 2), p + 2);
			if ((v = json_object_get(e->values, name)) != NULL) {
				char text[4096];
				if (p == s && close[1] == '\0' && !json_is_string(v) && !e->strings)
					return json_deep_copy(v);
				scalar_text(text, sizeof(text), v);
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", text);
				if (o >= sizeof(out))
					o = sizeof(out) - 1;
				p = close + 1;
				changed = 1;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return changed ? json_string(out) : NULL;
}

static void expand_node(json_t *holder, const char *field, json_t *node, const expand *e, size_t index)
{
	json_t *nv;

	if (json_is_string(node) && (nv = expand_string(json_string_value(node), e)) != NULL) {
		if (json_is_array(holder))
			json_array_set_new(holder, index, nv);
		else
			json_object_set_new(holder, field, nv);
	}
}

static int expand_fn(json_t *holder, const char *field, void *arg)
{
	json_t *node = json_object_get(holder, field), *v;
	const char *k;
	void *tmp;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			expand_node(node, NULL, v, arg, i);
	} else if (json_is_object(node)) {
		json_object_foreach_safe(node, tmp, k, v)
			expand_node(node, k, v, arg, 0);
	} else {
		expand_node(holder, field, node, arg, 0);
	}
	return 0;
}

/* "spec/template/spec/containers/args" with each list stepped through, as kustomize's field specs
 * read: kz_walk_path wants "containers[]". */
static void walk_spec(json_t *obj, const char *spec, const char *field, expand *e)
{
	static const char *const lists[] = { "containers", "initContainers", "env", "volumeMounts", "volumes", "rules",
					     "tls", "ports", "volumeClaimTemplates" };
	char in[512], out[600] = "";
	size_t o = 0;

	snprintf(in, sizeof(in), "%s%s%s", spec, *spec ? "/" : "", field);
	for (char *save = NULL, *p = strtok_r(in, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		int list = 0;
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
			list |= strcmp(p, lists[i]) == 0 && save && *save;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s", o ? "/" : "", p, list ? "[]" : "");
	}
	e->strings = strstr(field, "metadata/") != NULL;
	kz_walk_path(obj, out, 0, expand_fn, e);
}

int kz_resolve_vars(const kctx *c, kset *s)
{
	json_t *values;
	size_t i;
	json_t *v;
	int rc = 0;

	if (json_array_size(c->vars) == 0)
		return 0;
	if ((values = json_object()) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(c->vars, i, v) {
		const json_t *obj = json_object_get(v, "obj"), *val;
		const json_t *ref = json_object_get(v, "objref");
		if (obj == NULL || (val = field_at(obj, cf_json_str(v, "fieldpath"))) == NULL || json_is_object(val) ||
		    json_is_array(val)) {
			rc = cf_err_set(CF_EINVAL, "var '%s' (%s %s, fieldpath %s) cannot be mapped to a field in the set of "
					"known resources", cf_json_str(v, "name"), cf_json_str(ref, "kind"),
					cf_json_str(ref, "name"), cf_json_str(v, "fieldpath"));
			goto out;
		}
		json_object_set(values, cf_json_str(v, "name"), (json_t *)val);
	}
	for (size_t r = 0; r < s->n; r++) {
		expand e = { values, 0 };
		const char *kind = kz_res_kind(&s->v[r]);
		for (size_t p = 0; p < sizeof(var_places) / sizeof(var_places[0]); p++)
			if (var_places[p].kind == NULL || strcmp(var_places[p].kind, kind) == 0)
				walk_spec(s->v[r].obj, "", var_places[p].path, &e);
		for (size_t p = 0; p < sizeof(pod_specs) / sizeof(pod_specs[0]); p++) {
			char path[256];
			if (strcmp(pod_specs[p].kind, kind) != 0)
				continue;
			for (size_t f = 0; f < sizeof(container_fields) / sizeof(container_fields[0]); f++) {
				snprintf(path, sizeof(path), "containers/%s", container_fields[f]);
				walk_spec(s->v[r].obj, pod_specs[p].spec, path, &e);
				snprintf(path, sizeof(path), "initContainers/%s", container_fields[f]);
				walk_spec(s->v[r].obj, pod_specs[p].spec, path, &e);
			}
			if (pod_specs[p].nfs)
				walk_spec(s->v[r].obj, pod_specs[p].spec, "volumes/nfs/server", &e);
		}
		size_t j;
		json_t *f;
		json_array_foreach(kz_config_specs(c, "varReference"), j, f)
			if (kz_target_match(&s->v[r], f)) {
				e.strings = strstr(cf_json_str(f, "path"), "metadata/") != NULL;
				kz_walk_spec(s->v[r].obj, cf_json_str(f, "path"), 0, expand_fn, &e);
			}
	}
out:
	json_decref(values);
	return rc;
}
