/* common/kustomize/kustomize_plugins.c - `generators:` and `transformers:`: kustomize's builtin
 * plugin configs (apiVersion: builtin), each run by the engine's own code for the kustomization
 * field it stands for, with the config's field specs. An entry is a file of configs (several
 * documents), inline YAML, or a directory whose build yields the configs. Anything else is an
 * external plugin (exec, container, KRM function), refused as Flux refuses it. */
#include "kustomize/kustomize_internal.h"

#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plugin {
	kctx *c;
	const char *dir;      /* the kustomization's directory: paths in configs are relative to it */
	const char *where;    /* the file (or kustomization, for inline configs) that holds cfg */
	const json_t *cfg;
	kset *s;
} plugin;

typedef int (*plugin_fn)(plugin *p);

/* ---- helpers ---- */

static const json_t *field_specs(const plugin *p)
{
	const json_t *fs = json_object_get(p->cfg, "fieldSpecs");

	return json_is_array(fs) ? fs : NULL;
}

static int check_field_specs(const plugin *p)
{
	const json_t *fs = json_object_get(p->cfg, "fieldSpecs");
	size_t i;
	json_t *f;

	if (fs != NULL && !json_is_null(fs) && !json_is_array(fs))
		return cf_err_set(CF_EINVAL, "%s: %s: fieldSpecs must be a list", p->where, cf_json_str(p->cfg, "kind"));
	json_array_foreach(fs, i, f)
		if (!json_is_object(f) || !json_is_string(json_object_get(f, "path")))
			return cf_err_set(CF_EINVAL, "%s: %s: fieldSpecs entry %zu needs a path", p->where,
					  cf_json_str(p->cfg, "kind"), i);
	return 0;
}

static int string_map(const plugin *p, const char *field, const json_t **out)
{
	const json_t *m = json_object_get(p->cfg, field);
	const char *key;
	json_t *v;

	*out = m;
	if (m == NULL || json_is_null(m)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_object(m))
		return cf_err_set(CF_EINVAL, "%s: %s: %s must be a map of strings", p->where, cf_json_str(p->cfg, "kind"), field);
	/* kustomize reads a plugin config's map as strings: a scalar of another type is its text
	 * (51 is "51", true is "true", null is ""); only a map or list inside is an error */
	json_object_foreach((json_t *)m, key, v) {
		char text[64];
		if (json_is_string(v))
			continue;
		if (json_is_object(v) || json_is_array(v))
			return cf_err_set(CF_EINVAL, "%s: %s: %s: the value of \"%s\" must be a string, not a %s", p->where,
					  cf_json_str(p->cfg, "kind"), field, key, json_is_object(v) ? "map" : "list");
		if (json_is_integer(v))
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			snprintf(text, sizeof(text), "%.17g", json_real_value(v));
		else
			snprintf(text, sizeof(text), "%s", json_is_true(v) ? "true" : json_is_false(v) ? "false" : "");
		if (json_is_real(v)) {   /* the shortest text that reads back the same, as Go prints it */
			for (int prec = 1; prec <= 17; prec++) {
				snprintf(text, sizeof(text), "%.*g", prec, json_real_value(v));
				if (strtod(text, NULL) == json_real_value(v))
					break;
			}
		}
		if (json_object_set_new((json_t *)m, key, json_string(text)) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}

/* Runs the kustomization-field transformers on a kustomization holding one field. Takes synth. */
static int run_as_field(plugin *p, json_t *synth)
{
	int rc = synth ? kz_transform_fields(p->c, p->dir, p->where, synth, p->s) : cf_err_set(CF_ENOMEM, "out of memory");

	json_decref(synth);
	return rc;
}

/* ---- the builtin transformers ---- */

static int run_labels_like(plugin *p, const char *field)
{
	const json_t *m;
	int rc;

	if ((rc = string_map(p, field, &m)) < 0 || (rc = check_field_specs(p)) < 0)
		return rc;
	if (m && field_specs(p))
		kz_label_fields(p->s, m, field_specs(p));
	return 0;
}

static int run_labels(plugin *p)
{
	return run_labels_like(p, "labels");
}

static int run_annotations(plugin *p)
{
	return run_labels_like(p, "annotations");
}

static int is_metadata_name(const json_t *spec)
{
	return strcmp(cf_json_str(spec, "path"), "metadata/name") == 0;
}

/* kustomize's PrefixSuffixTransformer: a metadata/name field spec renames (names the references
 * follow); any other path gets the affixes as text. */
static int run_affixes(plugin *p, const char *prefix, const char *suffix)
{
	const json_t *specs = field_specs(p);
	size_t j;
	json_t *f;
	int rc;

	if ((rc = check_field_specs(p)) < 0)
		return rc;
	if (specs == NULL)
		return cf_err_set(CF_EINVAL, "%s: plugin %s fails configuration: fieldSpecs is not expected to be nil",
				  p->where, cf_json_str(p->cfg, "kind"));
	json_array_foreach(specs, j, f) {
		kset view;
		if (!is_metadata_name(f)) {
			kz_edit e = { NULL, prefix, suffix, NULL, 0, 0 };
			json_t *one = json_pack("[O]", f);
			rc = kz_edit_at_specs(p->s, one, &e, NULL, 0);
			json_decref(one);
			if (rc < 0)
				return rc;
			continue;
		}
		if ((rc = kz_select_view(&view, p->s, f)) < 0)
			return rc;
		if (view.n)
			kz_prefix_suffix(&view, prefix, suffix);
		cf_free(view.v);
		p->s->ids_stale = 1;
	}
	return 0;
}

static int run_prefix_suffix(plugin *p)
{
	return run_affixes(p, cf_json_str(p->cfg, "prefix"), cf_json_str(p->cfg, "suffix"));
}

static int run_prefix(plugin *p)
{
	return run_affixes(p, cf_json_str(p->cfg, "prefix"), NULL);
}

static int run_suffix(plugin *p)
{
	return run_affixes(p, NULL, cf_json_str(p->cfg, "suffix"));
}

/* kustomize's NamespaceTransformer: metadata.namespace of every namespaced object (unsetOnly:
 * of those without one), role binding subjects per setRoleBindingSubjects, and the config's
 * other field specs (metadata/name of a Namespace renames it, as the namespace field does). */
static int run_namespace(plugin *p)
{
	const char *ns = cf_json_str(json_object_get(p->cfg, "metadata"), "namespace");
	const char *subjects = cf_json_str(p->cfg, "setRoleBindingSubjects");
	int unset_only = json_is_true(json_object_get(p->cfg, "unsetOnly")), rc;
	const json_t *specs = field_specs(p);
	size_t j;
	json_t *f;

	if ((rc = check_field_specs(p)) < 0)
		return rc;
	if (ns == NULL || *ns == '\0')
		return 0;
	if (subjects && strcmp(subjects, "defaultOnly") != 0 && strcmp(subjects, "allServiceAccounts") != 0 &&
	    strcmp(subjects, "none") != 0)
		return cf_err_set(CF_EINVAL, "%s: NamespaceTransformer: setRoleBindingSubjects must be defaultOnly, "
				  "allServiceAccounts or none", p->where);
	p->s->ids_stale = 1;
	for (size_t i = 0; i < p->s->n; i++) {
		kres *r = &p->s->v[i];
		json_t *md = json_object_get(r->obj, "metadata"), *subj;
		const char *kind = kz_res_kind(r);
		kz_store_previous_id(r);
		if (!kz_res_cluster_scoped(r) && (!unset_only || *kz_res_ns(r) == '\0'))
			json_object_set_new(md, "namespace", json_string(ns));
		if (strcmp(kind, "RoleBinding") != 0 && strcmp(kind, "ClusterRoleBinding") != 0)
			continue;
		json_array_foreach(json_object_get(r->obj, "subjects"), j, subj) {
			const char *sn = cf_json_str(subj, "name"), *sk = cf_json_str(subj, "kind");
			const char *sns = cf_json_str(subj, "namespace");
			if (subjects && strcmp(subjects, "none") == 0)
				break;
			if (unset_only && sns && *sns)
				continue;
			if (subjects && strcmp(subjects, "allServiceAccounts") == 0 ? (sk && strcmp(sk, "ServiceAccount") == 0)
										   : (sn && strcmp(sn, "default") == 0))
				json_object_set_new(subj, "namespace", json_string(ns));
		}
	}
	json_array_foreach(specs, j, f) {
		const char *path = cf_json_str(f, "path");
		const char *fk = cf_json_str(f, "kind");
		if (strcmp(path, "metadata/namespace") == 0 || strcmp(path, "subjects") == 0)
			continue;
		/* a role binding's subjects follow setRoleBindingSubjects, not their field spec */
		if (strcmp(path, "subjects/namespace") == 0 && fk && (strcmp(fk, "RoleBinding") == 0 || strcmp(fk, "ClusterRoleBinding") == 0))
			continue;
		if (is_metadata_name(f)) {
			for (size_t i = 0; i < p->s->n; i++)
				if (strcmp(kz_res_kind(&p->s->v[i]), "Namespace") == 0 && kz_res_cluster_scoped(&p->s->v[i]) &&
				    kz_target_match(&p->s->v[i], f))
					kz_rename_res(&p->s->v[i], ns);
			continue;
		}
		json_t *one = json_pack("[O]", f), *value = json_string(ns);
		kz_edit e = { value, NULL, NULL, NULL, 0, unset_only };
		rc = kz_edit_at_specs(p->s, one, &e, NULL, 0);
		json_decref(one);
		json_decref(value);
		if (rc < 0)
			return rc;
	}
	return kz_unique_ids(p->s, p->where);
}

/* kustomize's ImageTagTransformer: every container's image (as `images:`), and the config's field
 * specs besides */
static int run_image_tag(plugin *p)
{
	json_t *tag = json_object_get(p->cfg, "imageTag"), *images;
	int rc;

	kz_canonical_image(tag);   /* read as Go reads the config: Digest is digest */

	if ((rc = check_field_specs(p)) < 0)
		return rc;
	if (!json_is_object(tag) || cf_json_str(tag, "name") == NULL)
		return cf_err_set(CF_EINVAL, "%s: ImageTagTransformer needs imageTag with a name", p->where);
	if ((images = json_pack("[O]", tag)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->s->n; i++)
		kz_images(p->s->v[i].obj, images);
	kz_edit e = { NULL, NULL, NULL, images, 0, 0 };
	rc = kz_edit_at_specs(p->s, field_specs(p), &e, NULL, 0);
	json_decref(images);
	return rc;
}

typedef struct count_set {
	const json_t *count;
} count_set;

static int set_count_fn(json_t *holder, const char *field, void *arg)
{
	return json_object_set(holder, field, (json_t *)((count_set *)arg)->count) < 0 ? CF_ENOMEM : 0;
}

/* kustomize's ReplicaCountTransformer: the named object (any name it had), at each field spec it
 * matches; none matching is an error, as in kustomize. */
static int run_replica_count(plugin *p)
{
	const json_t *rep = json_object_get(p->cfg, "replica"), *specs = field_specs(p);
	const char *name = cf_json_str(rep, "name");
	count_set cs = { json_object_get(rep, "count") };
	size_t j, hits = 0;
	json_t *f;
	int rc;

	if ((rc = check_field_specs(p)) < 0)
		return rc;
	if (name == NULL || !json_is_integer(cs.count))
		return cf_err_set(CF_EINVAL, "%s: ReplicaCountTransformer needs replica.name and an integer replica.count", p->where);
	json_array_foreach(specs, j, f)
		for (size_t i = 0; i < p->s->n; i++) {
			kres *r = &p->s->v[i];
			if (!kz_name_in_history(r, name) || !kz_target_match(r, f))
				continue;
			hits++;
			if ((rc = kz_walk_path(r->obj, cf_json_str(f, "path"), json_is_true(json_object_get(f, "create")),
					       set_count_fn, &cs)) < 0)
				return rc;
		}
	if (hits == 0)
		return cf_err_set(CF_ENOTFOUND, "%s: ReplicaCountTransformer: resource with name %s does not match a config "
				  "with the following GVK", p->where, name);
	return 0;
}

/* a config's fields, named as the kustomization field's entry names them */
static json_t *subset(const json_t *cfg, const char *const *fields, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++)
		if (json_object_get(cfg, fields[i]))
			json_object_set(o, fields[i], json_object_get(cfg, fields[i]));
	return o;
}

static int run_patch(plugin *p)
{
	static const char *const fields[] = { "patch", "path", "target", "options" };
	json_t *entry = subset(p->cfg, fields, 4);

	if (entry && json_object_get(entry, "patch") == NULL && json_object_get(entry, "path") == NULL) {
		json_decref(entry);
		return cf_err_set(CF_EINVAL, "%s: PatchTransformer needs patch or path", p->where);
	}
	return run_as_field(p, entry ? json_pack("{s[o]}", "patches", entry) : NULL);
}

static int run_patch_json6902(plugin *p)
{
	const json_t *op = json_object_get(p->cfg, "jsonOp");
	static const char *const fields[] = { "path", "target" };
	json_t *entry = subset(p->cfg, fields, 2);

	if (op && !json_is_string(op)) {
		json_decref(entry);
		return cf_err_set(CF_EINVAL, "%s: PatchJson6902Transformer: jsonOp must be a string (the operations as "
				  "JSON or YAML text)", p->where);
	}
	if (entry && op && json_object_get(entry, "path")) {
		json_decref(entry);
		return cf_err_set(CF_EINVAL, "%s: plugin PatchJson6902Transformer fails configuration: must specify a file "
				  "path or jsonOp, not both", p->where);
	}
	if (entry && op)
		json_object_set(entry, "patch", (json_t *)op);
	if (entry && cf_json_str(json_object_get(entry, "target"), "name") == NULL) {
		json_decref(entry);
		return cf_err_set(CF_EINVAL, "%s: plugin PatchJson6902Transformer fails configuration: must specify the "
				  "target name", p->where);
	}
	return run_as_field(p, entry ? json_pack("{s[o]}", "patches", entry) : NULL);
}

static int run_patch_smp(plugin *p)
{
	const json_t *paths = json_object_get(p->cfg, "paths"), *text = json_object_get(p->cfg, "patches");
	json_t *list = json_array();
	size_t i;
	json_t *e;

	if (paths && !json_is_array(paths)) {
		json_decref(list);
		return cf_err_set(CF_EINVAL, "%s: PatchStrategicMergeTransformer: paths must be a list", p->where);
	}
	json_array_foreach(paths, i, e)
		json_array_append(list, e);
	if (json_is_string(text) && json_string_value(text)[strspn(json_string_value(text), " \t\r\n")] != '\0')
		json_array_append(list, (json_t *)text);
	if (json_array_size(list) == 0) {
		json_decref(list);
		return cf_err_set(CF_EINVAL, "%s: plugin PatchStrategicMergeTransformer fails configuration: empty file path "
				  "and empty patch content", p->where);
	}
	return run_as_field(p, list ? json_pack("{so}", "patchesStrategicMerge", list) : NULL);
}

static int run_replacement(plugin *p)
{
	const json_t *r = json_object_get(p->cfg, "replacements");

	if (!json_is_array(r))
		return cf_err_set(CF_EINVAL, "%s: ReplacementTransformer needs a list of replacements", p->where);
	return run_as_field(p, json_pack("{sO}", "replacements", r));
}

/* kustomize has a SortOrderTransformer, but loads none from a config: only sortOptions sorts */
static int run_sort_order(plugin *p)
{
	return cf_err_set(CF_EINVAL, "%s: unable to load builtin SortOrderTransformer.builtin.[noGrp] (kustomize sorts "
			  "only by the kustomization's sortOptions)", p->where);
}

static int run_hash(plugin *p)
{
	kz_hash_names(p->s);
	return 0;
}

/* kyaml's InsertPathPart: part inserted at position pos of the '/'-separated path (pos past the
 * end appends; a leading '/' stays and does not count as a position) */
static void insert_path_part(char *out, size_t size, const char *path, long pos, const char *part)
{
	char buf[1024], *parts[128], *save = NULL;
	size_t n = 0, len = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t && n < sizeof(parts) / sizeof(parts[0]); t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	if (pos < 0)
		pos = 0;
	if ((size_t)pos > n)
		pos = (long)n;
	out[0] = '\0';
	if (path[0] == '/')
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "/");
	for (size_t i = 0; i <= n; i++) {
		const char *seg = i == (size_t)pos ? part : parts[i - (i > (size_t)pos)];
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "%s%s", i ? "/" : "", seg);
	}
}

typedef struct value_add {
	const char *value;
	long position;    /* filePathPosition: 0 replaces, N inserts at part N-1 */
	const char *where;
} value_add;

static int value_add_fn(json_t *holder, const char *field, void *arg)
{
	const value_add *va = arg;
	json_t *cur = json_object_get(holder, field);
	char out[2048];

	if (cur && !json_is_null(cur) && (json_is_object(cur) || json_is_array(cur)))
		return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: %s is not a scalar", va->where, field);
	if (va->position > 0) {
		insert_path_part(out, sizeof(out), json_is_string(cur) ? json_string_value(cur) : "", va->position - 1, va->value);
		return json_object_set_new(holder, field, json_string(out)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
	}
	return json_object_set_new(holder, field, json_string(va->value)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}

/* kustomize's ValueAddTransformer: value (by default the name of the kustomization's directory)
 * written at each target's fieldPath in the objects its selector picks (all without one), or
 * inserted into it as a path part at filePathPosition; metadata/namespace sets the namespace. */
static int run_value_add(plugin *p)
{
	const json_t *targets = json_object_get(p->cfg, "targets"), *t;
	const char *given = cf_json_str(p->cfg, "value"), *slash;
	char value[512];
	size_t i;
	int rc;

	if (cf_json_str(p->cfg, "targetFilePath"))
		return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: targetFilePath is not supported by cflux; list the "
				  "targets in the config", p->where);
	if (given && *given) {
		while (*given == ' ' || *given == '\t' || *given == '\n')
			given++;
		snprintf(value, sizeof(value), "%s", given);
		for (size_t l = strlen(value); l && (value[l - 1] == ' ' || value[l - 1] == '\t' || value[l - 1] == '\n'); l--)
			value[l - 1] = '\0';
	} else {
		slash = strrchr(p->dir, '/');
		snprintf(value, sizeof(value), "%s", slash ? slash + 1 : p->dir);
	}
	if (!json_is_array(targets) || json_array_size(targets) == 0)
		return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: must specify at least one target", p->where);
	json_array_foreach(targets, i, t) {
		const char *path = cf_json_str(t, "fieldPath");
		const json_t *sel = json_object_get(t, "selector"), *pos = json_object_get(t, "filePathPosition");
		value_add va = { value, json_is_integer(pos) ? (long)json_integer_value(pos) : 0, p->where };
		if (path == NULL || *path == '\0')
			return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: targets[%zu].fieldPath cannot be empty", p->where, i);
		if (pos && !json_is_integer(pos))
			return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: targets[%zu].filePathPosition must be a number", p->where, i);
		if (va.position < 0)
			return cf_err_set(CF_EINVAL, "%s: ValueAddTransformer: value of FilePathPosition (%ld) cannot be negative",
					  p->where, va.position);
		for (size_t r = 0; r < p->s->n; r++) {
			kres *res = &p->s->v[r];
			json_t *subj;
			size_t j;
			if (sel && !json_is_null(sel) && !kz_target_match(res, sel))
				continue;
			if (strcmp(path, "metadata/namespace") != 0) {
				if ((rc = kz_walk_path(res->obj, path, 1, value_add_fn, &va)) < 0)
					return rc;
				continue;
			}
			/* kustomize's namespace filter: the object's namespace, and subjects named default */
			if (!kz_res_cluster_scoped(res))
				json_object_set_new(json_object_get(res->obj, "metadata"), "namespace", json_string(value));
			if (strcmp(kz_res_kind(res), "RoleBinding") == 0 || strcmp(kz_res_kind(res), "ClusterRoleBinding") == 0)
				json_array_foreach(json_object_get(res->obj, "subjects"), j, subj)
					if (cf_json_str(subj, "name") && strcmp(cf_json_str(subj, "name"), "default") == 0)
						json_object_set_new(subj, "namespace", json_string(value));
			p->s->ids_stale = 1;
		}
	}
	return 0;
}

/* ---- the builtin generators ---- */

/* ConfigMapGenerator / SecretGenerator: the config is one generator entry, named (and placed) by
 * its metadata unless it says otherwise. */
static int run_generator(plugin *p, int secret)
{
	const json_t *md = json_object_get(p->cfg, "metadata");
	json_t *args = json_deep_copy(p->cfg), *synth;
	int rc;

	if (args == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_object_del(args, "apiVersion");
	json_object_del(args, "kind");
	json_object_del(args, "metadata");
	if (json_object_get(args, "name") == NULL && cf_json_str(md, "name"))
		json_object_set_new(args, "name", json_string(cf_json_str(md, "name")));
	if (json_object_get(args, "namespace") == NULL && cf_json_str(md, "namespace"))
		json_object_set_new(args, "namespace", json_string(cf_json_str(md, "namespace")));
	synth = json_pack("{s[o]}", secret ? "secretGenerator" : "configMapGenerator", args);
	if (synth == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = kz_generate(p->c, p->dir, p->where, synth, p->s, secret);
	json_decref(synth);
	if (rc == 0)
		kz_note_origins(p->c, p->s, 0, p->where, secret ? "SecretGenerator" : "ConfigMapGenerator", md);
	return rc;
}

static int run_configmap(plugin *p)
{
	return run_generator(p, 0);
}

static int run_secret(plugin *p)
{
	return run_generator(p, 1);
}

static const struct {
	const char *kind;
	int generator;
	plugin_fn run;
} builtins[] = {
	{ "AnnotationsTransformer", 0, run_annotations },
	{ "LabelTransformer", 0, run_labels },
	{ "NamespaceTransformer", 0, run_namespace },
	{ "PrefixSuffixTransformer", 0, run_prefix_suffix },
	{ "PrefixTransformer", 0, run_prefix },
	{ "SuffixTransformer", 0, run_suffix },
	{ "ImageTagTransformer", 0, run_image_tag },
	{ "ReplicaCountTransformer", 0, run_replica_count },
	{ "PatchTransformer", 0, run_patch },
	{ "PatchStrategicMergeTransformer", 0, run_patch_smp },
	{ "PatchJson6902Transformer", 0, run_patch_json6902 },
	{ "ReplacementTransformer", 0, run_replacement },
	{ "SortOrderTransformer", 0, run_sort_order },
	{ "HashTransformer", 0, run_hash },
	{ "ValueAddTransformer", 0, run_value_add },
	{ "ConfigMapGenerator", 1, run_configmap },
	{ "SecretGenerator", 1, run_secret },
};

static int run_config(plugin *p, int generators)
{
	const char *av = cf_json_str(p->cfg, "apiVersion"), *kind = cf_json_str(p->cfg, "kind");

	if (!json_is_object(p->cfg) || av == NULL || kind == NULL)
		return cf_err_set(CF_EINVAL, "%s: a plugin config needs a string apiVersion and kind", p->where);
	for (size_t i = 0; strcmp(av, "builtin") == 0 && i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(kind, builtins[i].kind) != 0)
			continue;
		if (builtins[i].generator != generators)
			return cf_err_set(CF_EINVAL, "%s: plugin %s not a %s", p->where, kind,
					  generators ? "generator" : "transformer");
		return builtins[i].run(p);
	}
	if (strcmp(av, "builtin") == 0)
		return cf_err_set(CF_EINVAL, "%s: builtin plugin '%s' is not supported by cflux (IAMPolicyGenerator and "
				  "HelmChartInflationGenerator are the builtins it lacks)", p->where, kind);
	return cf_err_set(CF_EINVAL, "%s: external plugins disabled; unable to load external plugin '%s' (%s): cflux "
			  "runs only kustomize's builtin generators and transformers, as Flux does", p->where, kind, av);
}

/* The configs an entry stands for: *out a new array; for a directory, *files (new, or NULL) the
 * file each config came from, when origins are tracked. */
static int load_configs(kctx *c, const char *dir, const char *kpath, const char *entry, json_t **out, json_t **files,
			char *where, size_t wsize)
{
	cf_buf b = CF_BUF_INIT(KFILE_MAX);
	char path[4096];
	int rc, st;

	*out = NULL;
	*files = NULL;
	if (strchr(entry, '\n')) {
		snprintf(where, wsize, "%s", kpath);
		return cf_yaml_load_all(out, entry, strlen(entry), kpath);
	}
	if (strstr(entry, "://") || strncmp(entry, "github.com/", 11) == 0)
		return cf_err_set(CF_EINVAL, "%s: remote plugin config \"%s\" is not supported", kpath, entry);
	if ((rc = kz_join(path, sizeof(path), dir, entry, kpath)) < 0)
		return rc;
	snprintf(where, wsize, "%s", path);
	if ((st = c->fs->stat(c->fs->ctx, path)) == CF_ENOTFOUND)
		return cf_err_set(CF_ENOTFOUND, "%s: '%s' does not exist", kpath, path);
	if (st == 1) {
		kset sub = { 0 };
		if ((rc = kz_accumulate(c, path, &sub)) == 0 && (*out = json_array()) != NULL && (*files = json_array()) != NULL)
			for (size_t i = 0; i < sub.n; i++) {
				json_array_append(*out, sub.v[i].obj);
				json_array_append_new(*files, json_string(kz_origin_file(&sub.v[i]) ? kz_origin_file(&sub.v[i]) : path));
			}
		kz_kset_free(&sub);
		return rc;
	}
	if (st < 0 || (rc = kz_file_under(c, dir, path, kpath)) < 0)
		return st < 0 ? st : rc;
	if ((rc = kz_read_text(c, path, &b)) == 0)
		rc = cf_yaml_load_all(out, b.data ? b.data : "", b.len, path);
	cf_buf_free(&b);
	return rc;
}

/* The entries of generators:/transformers: inline configs first, then files and directories, in
 * their order, as kustomize loads them. */
int kz_run_plugins(kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s, int generators)
{
	const char *field = generators ? "generators" : "transformers";
	const json_t *list = json_object_get(k, field);
	size_t i, j;
	json_t *e, *cfg;

	if (list && !json_is_array(list) && !json_is_null(list))
		return cf_err_set(CF_EINVAL, "%s: %s must be a list", kpath, field);
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(list, i, e) {
			char where[4200];
			json_t *configs = NULL, *files = NULL;
			int rc;

			if (json_is_string(e) && (strchr(json_string_value(e), '\n') == NULL) == (pass == 0))
				continue;
			if (!json_is_string(e))
				rc = pass ? 0 : cf_err_set(CF_EINVAL, "%s: %s entry %zu is not a string", kpath, field, i);
			else
				rc = load_configs(c, dir, kpath, json_string_value(e), &configs, &files, where, sizeof(where));
			json_array_foreach(configs, j, cfg) {
				plugin p = { c, dir, where, cfg, s };
				const char *in = json_string_value(json_array_get(files, j));
				if (rc < 0 || json_is_null(cfg))
					continue;
				if ((rc = run_config(&p, generators)) == 0 && !generators)
					kz_note_transformer(c, s, in ? in : where, cf_json_str(cfg, "kind"), json_object_get(cfg, "metadata"));
			}
			json_decref(configs);
			json_decref(files);
			if (rc < 0)
				return rc;
		}
	return 0;
}
