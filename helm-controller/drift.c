/* helm-controller/drift.c - driftDetection: the release's manifest (`helm get manifest`) against
 * the live objects, by server-side dry run as helm's own field manager; in mode enabled the
 * drifted objects are applied again. */
#include "drift.h"

#include "kustomize/kustomize.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define HELM_FIELD_MANAGER "helm"   /* helm 4's server-side apply */
#define DISABLED_KEY "helm.toolkit.fluxcd.io/driftDetection"

/* what the server keeps for itself: never drift */
static json_t *normalized(const json_t *o)
{
	json_t *c = json_deep_copy(o), *md = json_object_get(c, "metadata");
	static const char *const server[] = { "managedFields", "resourceVersion", "generation", "creationTimestamp", "uid" };

	for (size_t i = 0; md && i < sizeof(server) / sizeof(server[0]); i++)
		json_object_del(md, server[i]);
	json_object_del(c, "status");
	return c;
}

static void add_field(char *out, size_t size, const char *a, const char *b)
{
	size_t n = strlen(out);

	if (n + 4 < size)
		snprintf(out + n, size - n, "%s%s%s%s", n ? ", " : "", a, b ? "." : "", b ? b : "");
}

void hc_drift_fields(char *out, size_t size, const json_t *desired, const json_t *live)
{
	json_t *d = normalized(desired), *l = normalized(live), *dv;
	const char *key;

	out[0] = '\0';
	json_object_foreach(d, key, dv) {
		json_t *lv = json_object_get(l, key), *sv;
		const char *sub;
		if (json_equal(dv, lv))
			continue;
		if (!json_is_object(dv) || !json_is_object(lv)) {
			add_field(out, size, key, NULL);
			continue;
		}
		json_object_foreach(dv, sub, sv)
			if (!json_equal(sv, json_object_get(lv, sub)))
				add_field(out, size, key, sub);
		json_object_foreach(lv, sub, sv)
			if (json_object_get(dv, sub) == NULL)
				add_field(out, size, key, sub);
	}
	json_decref(d);
	json_decref(l);
}

static int disabled(const json_t *o)
{
	const json_t *md = json_object_get(o, "metadata");
	const char *a = cf_json_str(json_object_get(md, "annotations"), DISABLED_KEY);
	const char *l = cf_json_str(json_object_get(md, "labels"), DISABLED_KEY);

	return (a && strcmp(a, "disabled") == 0) || (l && strcmp(l, "disabled") == 0);
}

/* What helm adds to every object of a release when it applies it (its ownership metadata):
 * part of what helm's field manager owns, so part of what is compared and applied. */
static void helm_owner_metadata(json_t *obj, const char *release, const char *ns)
{
	json_t *md = json_object_get(obj, "metadata"), *labels, *ann;

	if (!json_is_object(md))
		json_object_set_new(obj, "metadata", md = json_object());
	if (!json_is_object(labels = json_object_get(md, "labels")))
		json_object_set_new(md, "labels", labels = json_object());
	if (!json_is_object(ann = json_object_get(md, "annotations")))
		json_object_set_new(md, "annotations", ann = json_object());
	json_object_set_new(labels, "app.kubernetes.io/managed-by", json_string("Helm"));
	json_object_set_new(ann, "meta.helm.sh/release-name", json_string(release));
	json_object_set_new(ann, "meta.helm.sh/release-namespace", json_string(ns));
}

int hc_drift_ignore_check(const json_t *ignore)
{
	const json_t *rule, *p;
	size_t i, j;

	if (ignore == NULL || json_is_null(ignore))
		return 0;
	if (!json_is_array(ignore))
		return cf_err_set(CF_EINVAL, "spec.driftDetection.ignore must be a list");
	json_array_foreach(ignore, i, rule) {
		const json_t *paths = json_object_get(rule, "paths"), *target = json_object_get(rule, "target");
		if (!json_is_object(rule) || !json_is_array(paths) || json_array_size(paths) == 0)
			return cf_err_set(CF_EINVAL, "spec.driftDetection.ignore[%zu]: paths (a list of JSON pointers) is required", i);
		if (target && !json_is_null(target) && !json_is_object(target))
			return cf_err_set(CF_EINVAL, "spec.driftDetection.ignore[%zu].target must be a map", i);
		json_array_foreach(paths, j, p)
			if (!json_is_string(p) || json_string_value(p)[0] != '/')
				return cf_err_set(CF_EINVAL, "spec.driftDetection.ignore[%zu].paths[%zu] is not a JSON pointer "
						  "(\"/spec/replicas\")", i, j);
	}
	return 0;
}

/* ptr out of doc, when it is there */
static void remove_at(json_t *doc, const char *ptr)
{
	json_t *op;

	if (cf_kustomize_pointer_get(doc, ptr) == NULL)
		return;
	op = json_pack("[{s:s,s:s}]", "op", "remove", "path", ptr);
	if (op && cf_kustomize_json6902(doc, op, "driftDetection.ignore") < 0)
		cf_err_clear();
	json_decref(op);
}

/* ptr in doc set to v (where its parent is) */
static void set_at(json_t *doc, const char *ptr, json_t *v)
{
	json_t *op = json_pack("[{s:s,s:s,s:O}]", "op", "add", "path", ptr, "value", v);

	if (op && cf_kustomize_json6902(doc, op, "driftDetection.ignore") < 0)
		cf_err_clear();
	json_decref(op);
}

void hc_drift_apply_ignore(json_t *fix, json_t *dry, json_t *live, const json_t *ignore)
{
	const json_t *rule, *p;
	size_t i, j;

	json_array_foreach(ignore, i, rule) {
		const json_t *target = json_object_get(rule, "target");
		if (json_is_object(target) && !cf_kustomize_target_match(fix, target))
			continue;
		json_array_foreach(json_object_get(rule, "paths"), j, p) {
			const char *ptr = json_string_value(p);
			json_t *lv = live ? cf_kustomize_pointer_get(live, ptr) : NULL;
			if (ptr == NULL)
				continue;
			if (lv)
				set_at(fix, ptr, lv);
			else
				remove_at(fix, ptr);
			if (dry)
				remove_at(dry, ptr);
			if (live)
				remove_at(live, ptr);
		}
	}
}

/* One object: "" when in sync, else the fields that drifted (corrected when correct). */
static int check_one(cf_kube *k, json_t *obj, const char *ns, int correct, const json_t *ignore, char *fields, size_t size)
{
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	const json_t *md = json_object_get(obj, "metadata");
	json_t *dry = NULL, *live = NULL, *out = NULL;
	cf_kube_resource res;
	int rc;

	fields[0] = '\0';
	if ((rc = cf_kube_resolve(k, &res, cf_json_str(obj, "apiVersion"), cf_json_str(obj, "kind"))) < 0)
		return rc;
	if (res.namespaced && !cf_json_str(md, "namespace"))
		json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
	rc = cf_kube_get(k, &live, &(cf_kube_ref){ cf_json_str(obj, "apiVersion"), cf_json_str(obj, "kind"),
						 cf_json_str(md, "namespace"), cf_json_str(md, "name") });
	if (rc == CF_ENOTFOUND) {
		cf_err_clear();
		snprintf(fields, size, "deleted");
	} else if (rc == 0) {
		ao.field_manager = HELM_FIELD_MANAGER;
		ao.force = 1;
		ao.dry_run = 1;
		if ((rc = cf_kube_apply(k, &dry, obj, &ao)) == 0) {
			hc_drift_apply_ignore(obj, dry, live, ignore);
			hc_drift_fields(fields, size, dry, live);
		}
	}
	if (rc == 0 && fields[0] && correct) {
		ao.dry_run = 0;
		rc = cf_kube_apply(k, &out, obj, &ao);
	}
	json_decref(dry);
	json_decref(live);
	json_decref(out);
	return rc;
}

int hc_drift_check(cf_kube *k, json_t **drifted, const char *manifest, size_t len, const char *release, const char *ns,
		   int correct, const json_t *ignore)
{
	json_t *objs = NULL, *o;
	size_t i;
	int rc;

	*drifted = json_array();
	if (*drifted == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if ((rc = cf_yaml_load_all(&objs, manifest, len, "helm get manifest")) < 0)
		return rc;
	json_array_foreach(objs, i, o) {
		char fields[1024], line[1500];
		const json_t *md = json_object_get(o, "metadata");
		if (!json_is_object(o) || disabled(o))
			continue;
		helm_owner_metadata(o, release, ns);
		if ((rc = check_one(k, o, ns, correct, ignore, fields, sizeof(fields))) < 0) {
			cf_err_prefix("%s/%s", cf_json_str(o, "kind") ? cf_json_str(o, "kind") : "?", cf_json_str(md, "name") ? cf_json_str(md, "name") : "?");
			break;
		}
		if (fields[0] == '\0')
			continue;
		snprintf(line, sizeof(line), "%s/%s/%s %s", cf_json_str(o, "kind"), cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : "",
			 cf_json_str(md, "name"), strcmp(fields, "deleted") == 0 ? "deleted" : "changed");
		if (strcmp(fields, "deleted") != 0)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " (%s)", fields);
		json_array_append_new(*drifted, json_string(line));
	}
	json_decref(objs);
	return rc;
}
