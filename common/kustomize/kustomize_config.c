/* common/kustomize/kustomize_config.c - `configurations:`: files of field specs that extend
 * kustomize's defaults (commonLabels, commonAnnotations, images, namePrefix/nameSuffix, replicas,
 * varReference, nameReference), gathered as kustomizations are built and used from then on by
 * the fields of every kustomization above (kustomize merges a base's configuration upwards). */
#include "kustomize/kustomize_internal.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

/* the sections kustomize's TransformerConfig has; each a list of field specs, but nameReference */
static const char *const sections[] = { "namePrefix", "nameSuffix", "namespace", "commonLabels", "templateLabels",
					"labels", "commonAnnotations", "images", "replicas", "varReference", "nameReference" };

/* A field spec path as kustomize reads it: each list on the way is stepped through. */
int kz_walk_spec(json_t *node, const char *path, int create, field_fn fn, void *arg)
{
	const char *slash = strchr(path, '/');
	char seg[128];
	json_t *next, *e;
	size_t i;
	int rc;

	if (json_is_array(node)) {
		json_array_foreach(node, i, e)
			if ((rc = kz_walk_spec(e, path, create, fn, arg)) < 0)
				return rc;
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	snprintf(seg, sizeof(seg), "%.*s", (int)(slash ? (size_t)(slash - path) : strlen(path)), path);
	size_t n = strlen(seg);
	int list = n > 2 && strcmp(seg + n - 2, "[]") == 0;
	if (list)
		seg[n - 2] = '\0';
	if (slash == NULL && !list)
		return fn(node, seg, arg);
	next = json_object_get(node, seg);
	/* as kyaml's field spec filter: a list part is only looked up (a null there becomes []);
	 * with create, a missing or null map part is made */
	if (list && json_is_null(next)) {
		next = json_array();
		json_object_set_new(node, seg, next);
	} else if (!list && create && (next == NULL || json_is_null(next))) {
		next = json_object();
		json_object_set_new(node, seg, next);
	}
	if (next == NULL || slash == NULL)
		return 0;
	return kz_walk_spec(next, slash + 1, create, fn, arg);
}

static int check_specs(const json_t *list, const char *path, const char *section)
{
	size_t i;
	json_t *f;

	if (!json_is_array(list))
		return cf_err_set(CF_EINVAL, "%s: %s must be a list of field specs", path, section);
	json_array_foreach(list, i, f)
		if (!json_is_object(f) || cf_json_str(f, "path") == NULL)
			return cf_err_set(CF_EINVAL, "%s: %s entry %zu needs a path", path, section, i);
	return 0;
}

/* nameReference entries {kind, version, group, fieldSpecs} as {"kind": referred kind, "spec": a
 * field spec of the referrer}, appended to out */
static int add_name_refs(json_t *out, const json_t *list, const char *path)
{
	size_t i, j;
	json_t *e, *f;
	int rc;

	if (!json_is_array(list))
		return cf_err_set(CF_EINVAL, "%s: nameReference must be a list", path);
	json_array_foreach(list, i, e) {
		if (cf_json_str(e, "kind") == NULL)
			return cf_err_set(CF_EINVAL, "%s: nameReference entry %zu needs a kind", path, i);
		if ((rc = check_specs(json_object_get(e, "fieldSpecs"), path, "nameReference fieldSpecs")) < 0)
			return rc;
		json_array_foreach(json_object_get(e, "fieldSpecs"), j, f)
			json_array_append_new(out, json_pack("{sssO}", "kind", cf_json_str(e, "kind"), "spec", f));
	}
	return 0;
}

static int merge_config(kctx *c, const json_t *cfg, const char *path)
{
	const char *key;
	json_t *v;
	int rc;

	if (json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return cf_err_set(CF_EINVAL, "%s: a configuration is a mapping of field spec lists", path);
	json_object_foreach((json_t *)cfg, key, v) {
		size_t i;
		json_t *have;
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (strcmp(key, sections[i]) == 0)
				break;
		if (i == sizeof(sections) / sizeof(sections[0]))
			return cf_err_set(CF_EINVAL, "%s: json: unknown field \"%s\"", path, key);
		if ((have = json_object_get(c->config, key)) == NULL) {
			have = json_array();
			json_object_set_new(c->config, key, have);
		}
		if (strcmp(key, "nameReference") == 0)
			rc = add_name_refs(have, v, path);
		else if ((rc = check_specs(v, path, key)) == 0)
			json_array_extend(have, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kz_load_configurations(kctx *c, const char *dir, const char *kpath, const json_t *k)
{
	const json_t *list = json_object_get(k, "configurations");
	size_t i;
	json_t *e;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cf_err_set(CF_EINVAL, "%s: configurations must be a list of files", kpath);
	if (c->config == NULL && (c->config = json_object()) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_array_foreach(list, i, e) {
		cf_buf b = CF_BUF_INIT(KFILE_MAX);
		char path[4096];
		json_t *cfg = NULL;
		int rc;
		if (!json_is_string(e))
			return cf_err_set(CF_EINVAL, "%s: configurations entry %zu is not a file name", kpath, i);
		if ((rc = kz_join(path, sizeof(path), dir, json_string_value(e), kpath)) == 0 &&
		    (rc = kz_file_under(c, dir, path, kpath)) == 0 && (rc = kz_read_text(c, path, &b)) == 0)
			rc = cf_yaml_load(&cfg, b.data ? b.data : "", b.len, path);
		cf_buf_free(&b);
		if (rc == 0)
			rc = merge_config(c, cfg, path);
		json_decref(cfg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const json_t *kz_config_specs(const kctx *c, const char *section)
{
	return json_object_get(c->config, section);
}

/* ---- the fields, at the configured places ---- */

/* an edit at one field spec: create is the spec's own (a map merged in is made only then) */
typedef struct spec_edit {
	const kz_edit *e;
	int create;
} spec_edit;

static int edit_fn(json_t *holder, const char *field, void *arg)
{
	const spec_edit *se = arg;
	const kz_edit *e = se->e;
	json_t *cur = json_object_get(holder, field);
	char out[4096];

	if (e->merge) {
		if ((cur == NULL || json_is_null(cur)) && !se->create)
			return 0;
		if (cur == NULL || json_is_null(cur)) {
			cur = json_object();
			json_object_set_new(holder, field, cur);
		}
		if (json_is_object(cur))
			json_object_update(cur, (json_t *)e->value);
	} else if (e->images) {
		/* an image reference outside a container: updated as one in a container would be */
		json_t *wrap = json_is_string(cur) ? json_pack("{s[{sO}]}", "containers", "image", cur) : NULL;
		if (wrap == NULL)
			return 0;
		kz_images(wrap, e->images);
		json_object_set(holder, field, json_object_get(json_array_get(json_object_get(wrap, "containers"), 0), "image"));
		json_decref(wrap);
	} else if (e->value) {
		if (e->if_empty && cur && !json_is_null(cur) && !(json_is_string(cur) && *json_string_value(cur) == '\0'))
			return 0;
		json_object_set(holder, field, (json_t *)e->value);
	} else if (json_is_string(cur)) {
		snprintf(out, sizeof(out), "%s%s%s", e->prefix ? e->prefix : "", json_string_value(cur), e->suffix ? e->suffix : "");
		json_object_set_new(holder, field, json_string(out));
	}
	return 0;
}

int kz_edit_at_specs(kset *s, const json_t *specs, const kz_edit *e, const char *name, int skip_names)
{
	size_t j;
	json_t *f;
	int rc;

	json_array_foreach(specs, j, f) {
		if (skip_names && strcmp(cf_json_str(f, "path"), "metadata/name") == 0)
			continue;   /* renames are the prefix transformer's own */
		spec_edit se = { e, json_is_true(json_object_get(f, "create")) };
		for (size_t i = 0; i < s->n; i++)
			if (kz_target_match(&s->v[i], f) && (name == NULL || kz_name_in_history(&s->v[i], name)) &&
			    !(e->images && kz_images_skip(s->v[i].obj)) &&
			    (rc = kz_walk_spec(s->v[i].obj, cf_json_str(f, "path"), se.create, edit_fn, &se)) < 0)
				return rc;
	}
	return 0;
}

int kz_configured_fields(const kctx *c, const json_t *k, kset *s)
{
	const json_t *m;
	size_t i;
	json_t *r;
	int rc = 0;

	if (c->config == NULL)
		return 0;
	if ((m = json_object_get(k, "commonLabels")) && json_object_size(m)) {
		kz_edit e = { m, NULL, NULL, NULL, 1, 0 };
		rc = kz_edit_at_specs(s, kz_config_specs(c, "commonLabels"), &e, NULL, 0);
	}
	/* labels with includeSelectors go where commonLabels go, the configured places too; every
	 * labels entry goes to the places of the configurations' own labels section */
	json_array_foreach(json_object_get(k, "labels"), i, r) {
		kz_edit e = { json_object_get(r, "pairs"), NULL, NULL, NULL, 1, 0 };
		if (rc == 0 && json_is_true(json_object_get(r, "includeSelectors")) && json_object_size(e.value))
			rc = kz_edit_at_specs(s, kz_config_specs(c, "commonLabels"), &e, NULL, 0);
		if (rc == 0 && json_object_size(e.value))
			rc = kz_edit_at_specs(s, kz_config_specs(c, "labels"), &e, NULL, 0);
	}
	if (rc == 0 && (m = json_object_get(k, "commonAnnotations")) && json_object_size(m)) {
		kz_edit e = { m, NULL, NULL, NULL, 1, 0 };
		rc = kz_edit_at_specs(s, kz_config_specs(c, "commonAnnotations"), &e, NULL, 0);
	}
	if (rc == 0 && json_array_size(json_object_get(k, "images"))) {
		kz_edit e = { NULL, NULL, NULL, json_object_get(k, "images"), 0, 0 };
		rc = kz_edit_at_specs(s, kz_config_specs(c, "images"), &e, NULL, 0);
	}
	if (rc == 0 && (cf_json_str(k, "namePrefix") || cf_json_str(k, "nameSuffix"))) {
		kz_edit e = { NULL, cf_json_str(k, "namePrefix"), NULL, NULL, 0, 0 };
		rc = kz_edit_at_specs(s, kz_config_specs(c, "namePrefix"), &e, NULL, 1);
		e = (kz_edit){ NULL, NULL, cf_json_str(k, "nameSuffix"), NULL, 0, 0 };
		if (rc == 0)
			rc = kz_edit_at_specs(s, kz_config_specs(c, "nameSuffix"), &e, NULL, 1);
	}
	json_array_foreach(json_object_get(k, "replicas"), i, r) {
		json_t *zero = json_integer(0);   /* a missing count is 0, as in kustomize */
		kz_edit e = { json_object_get(r, "count") ? json_object_get(r, "count") : zero, NULL, NULL, NULL, 0, 0 };
		if (rc == 0 && cf_json_str(r, "name"))
			rc = kz_edit_at_specs(s, kz_config_specs(c, "replicas"), &e, cf_json_str(r, "name"), 0);
		json_decref(zero);
	}
	return rc;
}

/* ---- openapi: and crds: (kustomize_openapi.c reads the files) ---- */

/* the one built-in schema version kustomize v5 accepts by name */
#define OPENAPI_BUILTIN "v1.21.2"

/* A file named by field of k, read (in or below dir) into b. */
static int read_beside(const kctx *c, const char *dir, const char *kpath, const char *field, const char *rel,
		       cf_buf *b, char *path, size_t size)
{
	int rc;

	if ((rc = kz_join(path, size, dir, rel, kpath)) < 0 || (rc = kz_file_under(c, dir, path, kpath)) < 0)
		return rc;
	if ((rc = kz_read_text(c, path, b)) < 0)
		return cf_err_prefix("%s: %s", kpath, field);
	return 0;
}

int kz_select_openapi(kctx *c, const char *dir, const char *kpath, const json_t *k)
{
	const json_t *o = json_object_get(k, "openapi"), *v;
	const char *key, *rel, *version;
	cf_buf b = CF_BUF_INIT(KFILE_MAX);
	char path[4096];
	int rc = 0;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return cf_err_set(CF_EINVAL, "%s: openapi must be a mapping (path or version)", kpath);
	json_object_foreach((json_t *)o, key, v)
		if (!json_is_string(v))
			return cf_err_set(CF_EINVAL, "%s: openapi.%s must be a string", kpath, key);
	rel = cf_json_str(o, "path");
	version = cf_json_str(o, "version");
	/* the file is read even when an earlier kustomization chose the schema, as kustomize does */
	if (rel && (rc = read_beside(c, dir, kpath, "openapi.path", rel, &b, path, sizeof(path))) < 0)
		goto out;
	if (c->openapi_set)
		goto out;
	if (rel && version) {
		rc = cf_err_set(CF_EINVAL, "%s: openapi: builtin version and custom schema provided, cannot use both", kpath);
	} else if (rel) {
		if ((rc = cf_kopenapi_parse(&c->openapi, b.data ? b.data : "", b.len, path)) == 0) {
			c->openapi_set = 1;
			/* kustomize flags its built-in schema for parsing once an object's scope was
			 * asked, and then parses it beside a custom one chosen later */
			if (c->objects_read || c->flux)
				cf_kopenapi_add_builtin(c->openapi);
		}
		else
			cf_err_prefix("%s: openapi.path", kpath);
	} else if (version && *version) {
		if (strcmp(version, OPENAPI_BUILTIN) != 0)
			rc = cf_err_set(CF_EINVAL, "%s: openapi.version \"%s\": the specified OpenAPI version is not built in "
					"(kustomize has %s)", kpath, version, OPENAPI_BUILTIN);
		c->openapi_set = rc == 0;
	}
out:
	cf_buf_free(&b);
	return rc;
}

int kz_load_crds(kctx *c, const char *dir, const char *kpath, const json_t *k)
{
	const json_t *list = json_object_get(k, "crds");
	json_t *cfg = NULL, *e;
	size_t i;
	int rc = 0;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cf_err_set(CF_EINVAL, "%s: crds must be a list of files", kpath);
	cfg = json_object();
	json_array_foreach(list, i, e) {
		cf_buf b = CF_BUF_INIT(KFILE_MAX);
		char path[4096];
		if (!json_is_string(e))
			rc = cf_err_set(CF_EINVAL, "%s: crds entry %zu is not a file name", kpath, i);
		else if ((rc = read_beside(c, dir, kpath, "crds", json_string_value(e), &b, path, sizeof(path))) == 0)
			if ((rc = cf_kopenapi_crd_config(cfg, b.data ? b.data : "", b.len, path)) < 0)
				cf_err_prefix("%s: crds", kpath);
		cf_buf_free(&b);
		if (rc < 0)
			goto out;
	}
	if (c->config == NULL && (c->config = json_object()) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	rc = merge_config(c, cfg, kpath);
out:
	json_decref(cfg);
	return rc;
}
