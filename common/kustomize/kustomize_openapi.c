/* common/kustomize/kustomize_openapi.c - `openapi:` custom schemas (merge keys) and `crds:`
 * definition maps (field specs), read as kustomize v5 reads them (kyaml/openapi and the crds
 * loader of api/internal/accumulator). */
#include "kustomize/kustomize_openapi.h"
#include "kustomize/kustomize.h"

#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define REF_HOPS_MAX 64     /* a chain of $ref longer than this is a cycle */
#define CRD_DEPTH_MAX 32    /* crds: properties followed through $ref this deep */
#define CRD_PATH_MAX 1024

struct cf_kopenapi {
	json_t *doc;     /* the whole document */
	json_t *types;   /* "apiVersion\nkind" -> definition (a reference held) */
	int with_builtin; /* the built-in schema is in use beside it (cf_kopenapi_add_builtin) */
};

void cf_kopenapi_add_builtin(cf_kopenapi *s)
{
	if (s)
		s->with_builtin = 1;
}

int cf_kopenapi_has_builtin(const cf_kopenapi *s)
{
	return s && s->with_builtin;
}

void cf_kopenapi_free(cf_kopenapi *s)
{
	if (s == NULL)
		return;
	json_decref(s->doc);
	json_decref(s->types);
	cf_free(s);
}

/* Indexes def under each x-kubernetes-group-version-kind entry it has ({group, version, kind};
 * an entry without a string version and kind names nothing). */
static void index_type(cf_kopenapi *s, json_t *def)
{
	size_t i;
	json_t *g;

	json_array_foreach(json_object_get(def, "x-kubernetes-group-version-kind"), i, g) {
		const char *group = cf_json_str(g, "group"), *version = cf_json_str(g, "version"), *kind = cf_json_str(g, "kind");
		char key[512];
		if (version == NULL || kind == NULL)
			continue;
		snprintf(key, sizeof(key), "%s%s%s\n%s", group && *group ? group : "", group && *group ? "/" : "", version, kind);
		json_object_set(s->types, key, def);
	}
}

int cf_kopenapi_parse(cf_kopenapi **out, const char *text, size_t len, const char *what)
{
	cf_kopenapi *s = NULL;
	json_t *doc = NULL, *defs, *def;
	const char *name;
	int rc;

	*out = NULL;
	if ((rc = cf_yaml_load(&doc, text, len, what)) < 0)
		return cf_err_prefix("invalid schema file");
	if (!json_is_object(doc)) {
		rc = cf_err_set(CF_EINVAL, "invalid schema file: %s: not a mapping (a swagger document with definitions)", what);
		goto out;
	}
	defs = json_object_get(doc, "definitions");
	if (defs && !json_is_object(defs) && !json_is_null(defs)) {
		rc = cf_err_set(CF_EINVAL, "invalid schema file: %s: definitions must be a mapping of schemas", what);
		goto out;
	}
	s = cf_calloc(1, sizeof(*s));
	s->types = json_object();
	json_object_foreach(defs, name, def) {
		if (!json_is_object(def)) {
			rc = cf_err_set(CF_EINVAL, "invalid schema file: %s: definitions.%s must be a schema (a mapping)", what, name);
			goto out;
		}
		index_type(s, def);
	}
	s->doc = doc;
	doc = NULL;
	*out = s;
	s = NULL;
	rc = 0;
out:
	json_decref(doc);
	cf_kopenapi_free(s);
	return rc;
}

const json_t *cf_kopenapi_resource(const cf_kopenapi *s, const char *api_version, const char *kind)
{
	char key[512];

	if (s == NULL || api_version == NULL || kind == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%s\n%s", api_version, kind);
	return json_object_get(s->types, key);
}

/* Follows $ref ("#/..." pointers into the document); NULL when one does not resolve. */
static const json_t *resolve(const cf_kopenapi *s, const json_t *node)
{
	for (int hops = 0; json_is_object(node) && hops < REF_HOPS_MAX; hops++) {
		const char *ref = cf_json_str(node, "$ref");
		if (ref == NULL)
			return node;
		if (ref[0] != '#')
			return NULL;
		node = cf_kustomize_pointer_get(s->doc, ref + 1);
	}
	return NULL;
}

/* Whether the schema's type is "array" and only that. */
static int is_array_type(const json_t *node)
{
	const json_t *t = json_object_get(node, "type");

	if (json_is_array(t) && json_array_size(t) == 1)
		t = json_array_get(t, 0);
	return json_is_string(t) && strcmp(json_string_value(t), "array") == 0;
}

const json_t *cf_kopenapi_field(const cf_kopenapi *s, const json_t *node, const char *field)
{
	const json_t *next;

	if (s == NULL || !json_is_object(node))
		return NULL;
	if (field == NULL)
		next = is_array_type(node) ? json_object_get(node, "items") : NULL;
	else if ((next = json_object_get(json_object_get(node, "properties"), field)) == NULL)
		next = json_object_get(node, "additionalProperties");
	return json_is_object(next) ? resolve(s, next) : NULL;
}

int cf_kopenapi_builtin_ref(const cf_kopenapi *s, const json_t *node, const char *field)
{
	const json_t *next;
	const char *ref;

	if (!cf_kopenapi_has_builtin(s) || !json_is_object(node))
		return 0;
	if (field == NULL)
		next = is_array_type(node) ? json_object_get(node, "items") : NULL;
	else if ((next = json_object_get(json_object_get(node, "properties"), field)) == NULL)
		next = json_object_get(node, "additionalProperties");
	ref = cf_json_str(next, "$ref");
	return ref && strncmp(ref, "#/definitions/io.k8s.", 21) == 0 && resolve(s, next) == NULL;
}

int cf_kopenapi_list_keys(const json_t *node, const char *field, cf_kopenapi_keys *keys)
{
	const json_t *strategy = json_object_get(node, "x-kubernetes-patch-strategy");
	const json_t *list = json_object_get(node, "x-kubernetes-list-map-keys");
	const json_t *key = json_object_get(node, "x-kubernetes-patch-merge-key"), *e;
	char parts[256], *save = NULL;
	int merge = 0;
	size_t i;

	keys->n = 0;
	if (strategy == NULL)
		return 0;
	if (!json_is_string(strategy))
		return cf_err_set(CF_EINVAL, "schema of %s: x-kubernetes-patch-strategy must be a string", field);
	snprintf(parts, sizeof(parts), "%s", json_string_value(strategy));
	for (char *p = strtok_r(parts, ",", &save); p; p = strtok_r(NULL, ",", &save))
		merge |= strcmp(p, "merge") == 0;
	if (!merge)
		return 0;
	if (list == NULL) {
		if (key && !json_is_string(key))
			return cf_err_set(CF_EINVAL, "schema of %s: x-kubernetes-patch-merge-key must be a string", field);
		if (key)
			keys->names[keys->n++] = json_string_value(key);
		return 1;
	}
	if (!json_is_array(list) || json_array_size(list) > CF_KOPENAPI_KEYS_MAX)
		return cf_err_set(CF_EINVAL, "schema of %s: x-kubernetes-list-map-keys must be a list of at most %d "
				  "strings", field, CF_KOPENAPI_KEYS_MAX);
	json_array_foreach(list, i, e) {
		if (!json_is_string(e))
			return cf_err_set(CF_EINVAL, "schema of %s: x-kubernetes-list-map-keys must be a list of strings", field);
		keys->names[keys->n++] = json_string_value(e);
	}
	return 1;
}

/* ---- crds: ---- */

typedef struct crd_walk {
	const json_t *defs;
	const char *kind;   /* the kind whose fields these are */
	json_t *cfg;
	const char *what;
} crd_walk;

/* The list of section in the configuration being made (borrowed; made when missing). */
static json_t *section_list(crd_walk *w, const char *section)
{
	json_t *list = json_object_get(w->cfg, section);

	if (list == NULL) {
		list = json_array();
		json_object_set_new(w->cfg, section, list);
	}
	return list;
}

static void add_spec(crd_walk *w, const char *section, const char *path)
{
	json_array_append_new(section_list(w, section), json_pack("{ssss}", "kind", w->kind, "path", path));
}

/* Whether a property carries extension ext as a string (kustomize reads them with GetString). */
static int has_string(const json_t *prop, const char *ext)
{
	return cf_json_str(prop, ext) != NULL;
}

static int crd_fields(crd_walk *w, const char *type, const char *path, int depth)
{
	const json_t *props = json_object_get(json_object_get(json_object_get(w->defs, type), "Schema"), "properties");
	const char *name;
	json_t *prop;

	if (depth > CRD_DEPTH_MAX)
		return cf_err_set(CF_EINVAL, "%s: %s: properties nest through $ref more than %d deep", w->what, type, CRD_DEPTH_MAX);
	json_object_foreach((json_t *)props, name, prop) {
		const char *version = cf_json_str(prop, "x-kubernetes-object-ref-api-version");
		const char *kind = cf_json_str(prop, "x-kubernetes-object-ref-kind");
		const char *key = cf_json_str(prop, "x-kubernetes-object-ref-name-key"), *ref = cf_json_str(prop, "$ref");
		char here[CRD_PATH_MAX], at[CRD_PATH_MAX + 256];
		int rc;

		if ((size_t)snprintf(here, sizeof(here), "%s%s%s", path, *path ? "/" : "", name) >= sizeof(here))
			return cf_err_set(CF_EINVAL, "%s: %s: field path too long", w->what, type);
		if (has_string(prop, "x-kubernetes-annotation"))
			add_spec(w, "commonAnnotations", here);
		if (has_string(prop, "x-kubernetes-label-selector"))
			add_spec(w, "commonLabels", here);
		if (has_string(prop, "x-kubernetes-identity"))
			add_spec(w, "namePrefix", here);
		if (version && kind) {
			snprintf(at, sizeof(at), "%s/%s", here, key ? key : "name");
			json_array_append_new(section_list(w, "nameReference"), json_pack("{sssss[{ssss}]}", "kind", kind, "version", version, "fieldSpecs",
							      "kind", w->kind, "path", at));
		}
		if (ref && (rc = crd_fields(w, ref, here, depth + 1)) < 0)
			return rc;
	}
	return 0;
}

/* kustomize reads each entry as {Schema: a schema, Dependencies: [names]}. */
static int check_definition(const char *name, const json_t *def, const char *what)
{
	const json_t *schema = json_object_get(def, "Schema"), *deps = json_object_get(def, "Dependencies"), *props, *d, *p;
	const char *pname;
	size_t i;

	if (!json_is_object(def))
		return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s is not a mapping "
				  "({Schema, Dependencies}; a CustomResourceDefinition object is not what crds: reads)", what, name);
	if (schema && !json_is_object(schema) && !json_is_null(schema))
		return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s.Schema is not a schema", what, name);
	json_array_foreach(deps, i, d)
		if (!json_is_string(d))
			return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s.Dependencies must be "
					  "a list of names", what, name);
	if (deps && !json_is_array(deps) && !json_is_null(deps))
		return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s.Dependencies must be a list "
				  "of names", what, name);
	props = json_object_get(schema, "properties");
	if (props && !json_is_object(props) && !json_is_null(props))
		return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s.Schema.properties must be a "
				  "mapping", what, name);
	json_object_foreach((json_t *)props, pname, p)
		if (!json_is_object(p))
			return cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': %s.Schema.properties.%s "
					  "is not a schema", what, name, pname);
	return 0;
}

int cf_kopenapi_crd_config(json_t *cfg, const char *text, size_t len, const char *what)
{
	json_t *defs = NULL, *def;
	const char *name;
	int rc;

	if ((rc = cf_yaml_load(&defs, text, len, what)) < 0)
		return cf_err_prefix("unable to parse open API definition from '%s'", what);
	if (!json_is_object(defs)) {
		rc = cf_err_set(CF_EINVAL, "unable to parse open API definition from '%s': not a mapping of definitions", what);
		goto out;
	}
	json_object_foreach(defs, name, def)
		if ((rc = check_definition(name, def, what)) < 0)
			goto out;
	json_object_foreach(defs, name, def) {
		const json_t *props = json_object_get(json_object_get(def, "Schema"), "properties");
		const char *dot = strrchr(name, '.');
		crd_walk w = { defs, dot ? dot + 1 : name, cfg, what };
		/* only what looks like a Kubernetes type: kind, apiVersion and metadata */
		if (!json_object_get(props, "kind") || !json_object_get(props, "apiVersion") || !json_object_get(props, "metadata"))
			continue;
		if ((rc = crd_fields(&w, name, "", 0)) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(defs);
	return rc;
}
