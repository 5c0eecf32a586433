/* common/kustomize/kustomize.c - the build: kustomization files, resources, generators, transformers,
 * name references, hashes and output order, following kustomize v5's accumulateTarget. */
#include "kustomize/kustomize.h"

#include "kustomize/kustomize_internal.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <dirent.h>

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

static const char *const known_fields[] = {
	"apiVersion", "kind", "metadata", "resources", "bases", "components", "crds", "namespace",
	"namePrefix", "nameSuffix", "commonLabels", "labels", "commonAnnotations", "images", "replicas",
	"patches", "patchesStrategicMerge", "patchesJson6902", "configMapGenerator", "secretGenerator",
	"generatorOptions", "replacements", "buildMetadata", "sortOptions", "openapi", "configurations",
	"generators", "transformers", "validators", "vars", "helmCharts", "helmGlobals", "imageTags",
};

/* ---- small helpers ---- */

const char *kz_res_name(const kres *r)
{
	return cf_json_str(json_object_get(r->obj, "metadata"), "name");
}

const char *kz_res_ns(const kres *r)
{
	const char *ns = cf_json_str(json_object_get(r->obj, "metadata"), "namespace");
	return ns ? ns : "";
}

int kz_same_namespace(const char *a, const char *b)
{
	return strcmp(a && *a ? a : "default", b && *b ? b : "default") == 0;
}

const char *kz_res_kind(const kres *r)
{
	return cf_json_str(r->obj, "kind");
}

static void kset_free(kset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		json_decref(s->v[i].obj);
		json_decref(s->v[i].names);
		json_decref(s->v[i].ctx);
	}
	cf_free(s->v);
	json_decref(s->ids);
	s->v = NULL;
	s->ids = NULL;
	s->n = s->cap = 0;
}

/* an object's id as kustomize compares ids: no namespace is "default" */
static void id_key(char *out, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace");

	if (ns == NULL || *ns == '\0')
		ns = "default";
	snprintf(out, size, "%s|%s|%s|%s", cf_json_str(obj, "apiVersion") ? cf_json_str(obj, "apiVersion") : "",
		 cf_json_str(obj, "kind") ? cf_json_str(obj, "kind") : "", ns ? ns : "", cf_json_str(md, "name") ? cf_json_str(md, "name") : "");
}

static void ids_rebuild(kset *s)
{
	char key[1200];

	json_decref(s->ids);
	s->ids = json_object();
	for (size_t i = 0; i < s->n; i++) {
		id_key(key, sizeof(key), s->v[i].obj);
		json_object_set_new(s->ids, key, json_true());
	}
	s->ids_stale = 0;
}

int kz_unique_ids(kset *s, const char *where)
{
	char key[1200];
	json_t *seen = json_object();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		const json_t *md = json_object_get(s->v[i].obj, "metadata");
		if (s->v[i].obj == NULL)
			continue;
		id_key(key, sizeof(key), s->v[i].obj);
		if (json_object_get(seen, key))
			rc = cf_err_set(CF_EINVAL, "%s: namespace transformation produces ID conflict: two %s %s in namespace %s",
					where, cf_json_str(s->v[i].obj, "kind"), cf_json_str(md, "name"),
					cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : "default");
		json_object_set_new(seen, key, json_true());
	}
	json_decref(seen);
	return rc;
}

/* Takes obj, names and ctx (new references; ctx NULL: a new object, in its first namespace with
 * no prefixes or suffixes yet). Duplicate ids are an error naming where the second came from. */
static int kset_add_ctx(kset *s, json_t *obj, json_t *names, json_t *ctx, int needs_hash, const char *from)
{
	char key[1200];

	if (s->ids == NULL || s->ids_stale)
		ids_rebuild(s);
	id_key(key, sizeof(key), obj);
	if (json_object_get(s->ids, key)) {
		const json_t *md = json_object_get(obj, "metadata");
		int rc = cf_err_set(CF_EINVAL, "%s: may not add resource with an already registered id: "
				    "%s %s%s%s", from, cf_json_str(obj, "kind"), cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : "",
				    cf_json_str(md, "namespace") ? "/" : "", cf_json_str(md, "name"));
		json_decref(obj);
		json_decref(names);
		json_decref(ctx);
		return rc;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		kres *v = cf_realloc(s->v, cap * sizeof(*v));
		if (v == NULL) {
			json_decref(obj);
			json_decref(names);
			json_decref(ctx);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
		s->v = v;
		s->cap = cap;
	}
	if (names == NULL) {
		names = json_array();
		json_array_append_new(names, json_string(cf_json_str(json_object_get(obj, "metadata"), "name")));
	}
	if (ctx == NULL) {
		const char *ns = cf_json_str(json_object_get(obj, "metadata"), "namespace");
		ctx = json_pack("{s:s,s:[],s:[]}", "ns0", ns ? ns : "", "prefixes", "suffixes");
	}
	s->v[s->n++] = (kres){ obj, names, needs_hash, ctx };
	json_object_set_new(s->ids, key, json_true());
	return 0;
}

int kz_kset_add(kset *s, json_t *obj, json_t *names, int needs_hash, const char *from)
{
	return kset_add_ctx(s, obj, names, NULL, needs_hash, from);
}

/* Moves r (all its references) into s; r is left empty, also on failure. */
static int kset_move(kset *s, kres *r, const char *from)
{
	int rc = kset_add_ctx(s, r->obj, r->names, r->ctx, r->needs_hash, from);

	*r = (kres){ NULL, NULL, 0, NULL };
	return rc;
}

/* dir + "/" + rel, cleaned; a path that leaves the root is an error. */
int kz_join(char *out, size_t size, const char *dir, const char *rel, const char *from)
{
	char tmp[4096], *parts[512];
	size_t n = 0, len = 0;
	int root = dir[0] == '/';   /* the disk's root (cf_kustomize_build_dir): paths stay absolute */

	if (rel[0] == '/')
		return cf_err_set(CF_EINVAL, "%s: absolute path \"%s\" is not allowed", from, rel);
	if (snprintf(tmp, sizeof(tmp), "%s/%s", dir, rel) >= (int)sizeof(tmp))
		return cf_err_set(CF_EINVAL, "%s: path too long", from);
	for (char *save = NULL, *p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (n == 0)
				return cf_err_set(CF_EINVAL, "%s: path \"%s\" is outside the root of the build", from, rel);
			n--;
			continue;
		}
		if (n == 512)
			return cf_err_set(CF_EINVAL, "%s: path too deep", from);
		parts[n++] = p;
	}
	out[0] = '\0';
	if (n == 0)
		return snprintf(out, size, root ? "/" : ".") < 0 ? CF_EINVAL : 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i || root ? "/" : "", parts[i]);
	return len < size ? 0 : cf_err_set(CF_EINVAL, "%s: path too long", from);
}

/* kustomize's load restriction: a file must be in or below its kustomization's directory
 * (directories with their own kustomization may be anywhere in the tree), unless the build
 * has LoadRestrictionsNone; kz_join keeps every path in the root either way. */
int kz_file_under(const kctx *c, const char *dir, const char *path, const char *kpath)
{
	size_t n = strlen(dir);

	if (c->load_anywhere || strcmp(dir, ".") == 0 || (strncmp(path, dir, n) == 0 && path[n] == '/'))
		return 0;
	return cf_err_set(CF_EINVAL, "%s: security; file '%s' is not in or below '%s'", kpath, path, dir);
}

static int is_remote(const char *r)
{
	return strstr(r, "://") || strncmp(r, "github.com/", 11) == 0 || strncmp(r, "git@", 4) == 0 ||
	       strncmp(r, "gitlab.com/", 11) == 0 || strncmp(r, "bitbucket.org/", 14) == 0;
}

int kz_read_text(const kctx *c, const char *path, cf_buf *b)
{
	int rc = c->fs->read(c->fs->ctx, path, b);

	if (rc == CF_ENOTFOUND)
		return cf_err_set(CF_ENOTFOUND, "%s: no such file", path);
	return rc;
}

/* kind, apiVersion and metadata.name must be strings: a bare `y` or `on` is a boolean in
 * YAML 1.1, the way kubectl apply reads manifests. kustomize builds an object without
 * apiVersion (it stays without one). */
static int check_object(const json_t *d, const char *path, size_t doc)
{
	const json_t *name = json_object_get(json_object_get(d, "metadata"), "name");
	const json_t *av = json_object_get(d, "apiVersion");

	if (!json_is_object(d) || cf_json_str(d, "kind") == NULL || (av && !json_is_string(av)))
		return cf_err_set(CF_EINVAL, "%s: document %zu is not a Kubernetes object (kind and apiVersion "
				  "must be strings)", path, doc);
	if (name == NULL)
		return cf_err_set(CF_EINVAL, "%s: %s in document %zu has no metadata.name", path, cf_json_str(d, "kind"), doc);
	if (!json_is_string(name))
		return cf_err_set(CF_EINVAL, "%s: %s in document %zu: metadata.name is not a string (quote it)",
				  path, cf_json_str(d, "kind"), doc);
	return 0;
}

/* kustomize holds annotations as a map of strings: a number or boolean a manifest writes there
 * comes out as its text ("3", "true"). */
static void stringify_annotations(json_t *obj)
{
	json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations"), *v;
	const char *key;
	char text[64];

	json_object_foreach(ann, key, v) {
		if (json_is_integer(v))
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			snprintf(text, sizeof(text), "%.17g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(text, sizeof(text), "%s", json_is_true(v) ? "true" : "false");
		else
			continue;
		json_object_set_new(ann, key, json_string(text));
	}
}

/* Resource documents of a file, with kind: List flattened. */
static int load_resources(const kctx *c, const char *path, kset *out)
{
	cf_buf b = CF_BUF_INIT(KFILE_MAX);
	json_t *docs = NULL, *d;
	size_t i, n0 = out->n;
	int rc = kz_read_text(c, path, &b);

	if (rc == 0)
		rc = cf_yaml_load_all_kyaml(&docs, b.data ? b.data : "", b.len, path);
	cf_buf_free(&b);
	json_array_foreach(docs, i, d) {
		const char *kind = cf_json_str(d, "kind");
		if (rc < 0)
			break;
		if (!json_is_object(d) || kind == NULL) {
			rc = cf_err_set(CF_EINVAL, "%s: document %zu is not a Kubernetes object (missing kind)", path, i + 1);
			break;
		}
		if (strcmp(kind, "List") == 0 || (strlen(kind) > 4 && strcmp(kind + strlen(kind) - 4, "List") == 0 &&
						   json_is_array(json_object_get(d, "items")))) {
			size_t j;
			json_t *item;
			json_array_foreach(json_object_get(d, "items"), j, item)
				if (rc == 0 && (rc = check_object(item, path, i + 1)) == 0) {
					json_t *copy = json_deep_copy(item);
					stringify_annotations(copy);
					rc = kz_kset_add(out, copy, NULL, 0, path);
				}
			continue;
		}
		if ((rc = check_object(d, path, i + 1)) < 0)
			break;
		stringify_annotations(d);
		rc = kz_kset_add(out, json_incref(d), NULL, 0, path);
	}
	json_decref(docs);
	for (i = n0; rc == 0 && i < out->n; i++)
		rc = kz_take_previous_ids(&out->v[i], path);
	if (rc == 0) {
		kz_take_meta(c, out, n0);
		kz_note_origins(c, out, n0, path, NULL, NULL);
	}
	return rc;
}

/* ---- the kustomization file ---- */

static int check_kustomization(const json_t *k, const char *kpath);
static int fix_image_tags(json_t *k, const char *kpath);

/* Go's JSON decoding matches field names without regard to case (`nameprefix`): such keys of
 * object o take the known field's spelling (one of names). */
void kz_canonical_keys(json_t *o, const char *const *names, size_t n)
{
	const char *key;
	json_t *v, *keys = json_array();
	size_t i;

	json_object_foreach(o, key, v)
		json_array_append_new(keys, json_string(key));
	json_array_foreach(keys, i, v) {
		key = json_string_value(v);
		for (size_t f = 0; f < n; f++)
			if (strcmp(key, names[f]) != 0 && strcasecmp(key, names[f]) == 0) {
				json_object_set(o, names[f], json_object_get(o, key));
				json_object_del(o, key);
				break;
			}
	}
	json_decref(keys);
}

void kz_canonical_image(json_t *image)
{
	static const char *const fields[] = { "name", "newName", "newTag", "digest", "tagSuffix" };

	if (json_is_object(image))
		kz_canonical_keys(image, fields, sizeof(fields) / sizeof(fields[0]));
}

static void canonical_fields(json_t *k)
{
	size_t i;
	json_t *e;

	kz_canonical_keys(k, known_fields, sizeof(known_fields) / sizeof(known_fields[0]));
	for (int f = 0; f < 2; f++)
		json_array_foreach(json_object_get(k, f ? "imageTags" : "images"), i, e)
			kz_canonical_image(e);
}

static FILE *warnings_to;   /* cf_kustomize_set_warnings; NULL: none written */

void cf_kustomize_set_warnings(FILE *f)
{
	warnings_to = f;
}

/* kustomize's CheckDeprecatedFields: a line for each deprecated field given (not null), as
 * kustomize writes them to stderr at every kustomization it loads. */
static void warn_deprecated(const json_t *k)
{
	static const struct { const char *field, *instead, *fix; } fields[] = {
		{ "bases", "resources", "" }, { "commonLabels", "labels", "" }, { "imageTags", "images", "" },
		{ "patchesJson6902", "patches", "" }, { "patchesStrategicMerge", "patches", "" },
		{ "vars", "replacements", "[EXPERIMENTAL] " },
	};

	for (size_t i = 0; warnings_to && i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *v = json_object_get(k, fields[i].field);
		if (v && !json_is_null(v))
			fprintf(warnings_to, "# Warning: '%s' is deprecated. Please use '%s' instead. %sRun 'kustomize edit fix' "
				"to update your Kustomization automatically.\n", fields[i].field, fields[i].instead, fields[i].fix);
	}
}

/* *out is the parsed file on success, NULL on failure (nothing to free). */
static int load_kustomization(const kctx *c, const char *dir, json_t **out, char *kpath, size_t ksize)
{
	cf_buf b = CF_BUF_INIT(KFILE_MAX);
	int rc = CF_ENOTFOUND, found = 0;
	char path[4200];

	*out = NULL;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s%s", strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "", kustomization_names[i]);
		if (c->fs->stat(c->fs->ctx, path) != 0)
			continue;
		if (found++ == 0)
			snprintf(kpath, ksize, "%s", path);
	}
	if (found > 1)
		return cf_err_set(CF_EINVAL, "Found multiple kustomization files under: %s (keep one of 'kustomization.yaml', "
				  "'kustomization.yml', 'Kustomization')", dir);
	if (found == 1)
		rc = c->fs->read(c->fs->ctx, kpath, &b);
	if (rc == CF_ENOTFOUND) {
		cf_buf_free(&b);
		return cf_err_set(CF_ENOTFOUND, "unable to find one of 'kustomization.yaml', 'kustomization.yml' "
				  "or 'Kustomization' in directory '%s'", dir);
	}
	/* kubectl reads the file into a struct: a key given twice keeps its last value */
	if (rc == 0)
		rc = cf_yaml_load_last_key_wins(out, b.data ? b.data : "", b.len, kpath);
	cf_buf_free(&b);
	if (rc < 0)
		return rc;
	if (json_is_null(*out)) {
		json_decref(*out);
		*out = json_object();
	}
	if (json_is_object(*out))
		canonical_fields(*out);
	warn_deprecated(*out);
	if ((rc = check_kustomization(*out, kpath)) == 0)
		rc = fix_image_tags(*out, kpath);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static int check_kustomization(const json_t *k, const char *kpath)
{
	const char *key;
	json_t *v;

	if (!json_is_object(k))
		return cf_err_set(CF_EINVAL, "%s: not a mapping", kpath);
	if (json_object_size(k) == 0)
		return cf_err_set(CF_EINVAL, "%s: kustomization.yaml is empty", kpath);
	json_object_foreach((json_t *)k, key, v) {
		size_t i;
		(void)v;
		for (i = 0; i < sizeof(known_fields) / sizeof(known_fields[0]); i++)
			if (strcmp(key, known_fields[i]) == 0)
				break;
		if (i == sizeof(known_fields) / sizeof(known_fields[0]))
			return cf_err_set(CF_EINVAL, "%s: invalid Kustomization: unknown field \"%s\"", kpath, key);
	}
	/* kustomize's EnforceFields: an apiVersion, when given, is the one of the kind */
	const char *kind = cf_json_str(k, "kind"), *av = cf_json_str(k, "apiVersion");
	const char *want = kind && strcmp(kind, "Component") == 0 ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1";
	if (av && strcmp(av, want) != 0)
		return cf_err_set(CF_EINVAL, "%s: apiVersion for %s should be %s", kpath, kind ? kind : "Kustomization", want);
	static const char *const unsupported[] = { "helmCharts", "validators" };
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (json_object_get(k, unsupported[i]))
			return cf_err_set(CF_EINVAL, "%s: %s is not supported by cflux yet", kpath, unsupported[i]);
	return 0;
}

/* kustomize's FixKustomization: the deprecated imageTags are images, after those given */
static int fix_image_tags(json_t *k, const char *kpath)
{
	json_t *tags = json_object_get(k, "imageTags"), *images = json_object_get(k, "images");

	if (tags == NULL || json_is_null(tags)) {
		json_object_del(k, "imageTags");
		return 0;
	}
	if (!json_is_array(tags) || (images && !json_is_null(images) && !json_is_array(images)))
		return cf_err_set(CF_EINVAL, "%s: imageTags and images must be lists", kpath);
	if (images == NULL || json_is_null(images)) {
		images = json_array();
		json_object_set_new(k, "images", images);
	}
	json_array_extend(images, tags);
	json_object_del(k, "imageTags");
	return 0;
}

static int accumulate(kctx *c, const char *dir, kset *set, int component);

static int add_resource_entry(kctx *c, const char *dir, const char *kpath, const char *entry, kset *set)
{
	char path[4096];
	int rc, st;

	if (is_remote(entry))
		return cf_err_set(CF_EINVAL, "%s: remote resource \"%s\" is not supported: a GitOps build reads "
				  "only its source artifact", kpath, entry);
	if ((rc = kz_join(path, sizeof(path), dir, entry, kpath)) < 0)
		return rc;
	st = c->fs->stat(c->fs->ctx, path);
	if (st == CF_ENOTFOUND)
		return cf_err_set(CF_ENOTFOUND, "%s: resources: '%s' does not exist", kpath, path);
	if (st == 1) {
		kset sub = { 0 };
		rc = accumulate(c, path, &sub, 0);
		for (size_t i = 0; rc == 0 && i < sub.n; i++)
			rc = kset_move(set, &sub.v[i], path);
		kset_free(&sub);
		return rc;
	}
	if (st < 0)
		return st;
	if ((rc = kz_file_under(c, dir, path, kpath)) < 0)
		return rc;
	if ((rc = load_resources(c, path, set)) == 0 && set->n)
		c->objects_read = 1;
	return rc;
}

/* ---- field paths: "spec/template/metadata/labels", with "[]" stepping through lists ---- */

int kz_walk_path(json_t *node, const char *path, int create, field_fn fn, void *arg)
{
	const char *slash = strchr(path, '/');
	char seg[128];
	size_t n = slash ? (size_t)(slash - path) : strlen(path);
	int list = n > 2 && path[n - 2] == '[' && path[n - 1] == ']';
	json_t *next;

	snprintf(seg, sizeof(seg), "%.*s", (int)(list ? n - 2 : n), path);
	if (!json_is_object(node))
		return 0;
	if (slash == NULL && !list)
		return fn(node, seg, arg);
	next = json_object_get(node, seg);
	if (next == NULL && create && !list) {
		next = json_object();
		json_object_set_new(node, seg, next);
	}
	if (next == NULL)
		return 0;
	if (list) {
		size_t i;
		json_t *e;
		int rc;
		json_array_foreach(next, i, e)
			if (slash && (rc = kz_walk_path(e, slash + 1, create, fn, arg)) < 0)
				return rc;
		return 0;
	}
	return kz_walk_path(next, slash + 1, create, fn, arg);
}

/* what set_labels_fn adds, and whether an absent map is created */
typedef struct label_set {
	const json_t *pairs;
	int create;
} label_set;

static int set_labels_fn(json_t *holder, const char *field, void *arg)
{
	const label_set *ls = arg;
	json_t *m = json_object_get(holder, field);

	if (m == NULL || json_is_null(m)) {
		if (!ls->create)
			return 0;
		m = json_object();
		json_object_set_new(holder, field, m);
	}
	if (json_is_object(m))
		json_object_update(m, (json_t *)ls->pairs);
	return 0;
}

static void set_labels_at(json_t *obj, const char *path, const json_t *pairs, int create)
{
	label_set ls = { pairs, create };

	kz_walk_path(obj, path, create, set_labels_fn, &ls);
}

/* commonLabels and labels.includeSelectors: selectors and templates, per kustomize's defaults */
static const struct { const char *kind, *path; int create, selector; } label_paths[] = {
	{ "Deployment", "spec/selector/matchLabels", 1, 1 }, { "Deployment", "spec/template/metadata/labels", 1, 0 },
	{ "ReplicaSet", "spec/selector/matchLabels", 1, 1 }, { "ReplicaSet", "spec/template/metadata/labels", 1, 0 },
	{ "DaemonSet", "spec/selector/matchLabels", 1, 1 }, { "DaemonSet", "spec/template/metadata/labels", 1, 0 },
	{ "StatefulSet", "spec/selector/matchLabels", 1, 1 }, { "StatefulSet", "spec/template/metadata/labels", 1, 0 },
	{ "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", 1, 0 },
	{ "ReplicationController", "spec/selector", 1, 1 }, { "ReplicationController", "spec/template/metadata/labels", 1, 0 },
	{ "Service", "spec/selector", 1, 1 },
	{ "Job", "spec/selector/matchLabels", 0, 1 }, { "Job", "spec/template/metadata/labels", 1, 0 },
	{ "CronJob", "spec/jobTemplate/spec/selector/matchLabels", 0, 1 },
	{ "CronJob", "spec/jobTemplate/metadata/labels", 1, 0 },
	{ "CronJob", "spec/jobTemplate/spec/template/metadata/labels", 1, 0 },
	{ "PodDisruptionBudget", "spec/selector/matchLabels", 0, 1 },
	{ "NetworkPolicy", "spec/podSelector/matchLabels", 0, 1 },
	{ "NetworkPolicy", "spec/ingress[]/from[]/podSelector/matchLabels", 0, 1 },
	{ "NetworkPolicy", "spec/egress[]/to[]/podSelector/matchLabels", 0, 1 },
};

static void add_labels(kset *s, const json_t *labels, int selectors, int templates)
{
	for (size_t i = 0; i < s->n; i++) {
		json_t *obj = s->v[i].obj;
		const char *kind = kz_res_kind(&s->v[i]);

		set_labels_at(obj, "metadata/labels", labels, 1);
		for (size_t k = 0; k < sizeof(label_paths) / sizeof(label_paths[0]); k++) {
			if (strcmp(kind, label_paths[k].kind) != 0)
				continue;
			if (selectors || (templates && !label_paths[k].selector && strstr(label_paths[k].path, "emplate/")))
				set_labels_at(obj, label_paths[k].path, labels, label_paths[k].create);
		}
	}
}

/* labels[].fields: field specs {path, kind, group, version, create} beside the defaults */
static void label_fields(kset *s, const json_t *pairs, const json_t *fields)
{
	size_t j;
	json_t *f;

	json_array_foreach(fields, j, f) {
		const char *path = cf_json_str(f, "path");
		if (path == NULL)
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (kz_target_match(&s->v[i], f))
				set_labels_at(s->v[i].obj, path, pairs, json_is_true(json_object_get(f, "create")));
	}
}

static const struct { const char *kind, *path; } template_annotation_paths[] = {
	{ "Deployment", "spec/template/metadata/annotations" }, { "ReplicaSet", "spec/template/metadata/annotations" },
	{ "DaemonSet", "spec/template/metadata/annotations" }, { "StatefulSet", "spec/template/metadata/annotations" },
	{ "Job", "spec/template/metadata/annotations" }, { "ReplicationController", "spec/template/metadata/annotations" },
	{ "CronJob", "spec/jobTemplate/metadata/annotations" },
	{ "CronJob", "spec/jobTemplate/spec/template/metadata/annotations" },
};

static void add_annotations(kset *s, const json_t *ann)
{
	for (size_t i = 0; i < s->n; i++) {
		set_labels_at(s->v[i].obj, "metadata/annotations", ann, 1);
		for (size_t k = 0; k < sizeof(template_annotation_paths) / sizeof(template_annotation_paths[0]); k++)
			if (strcmp(kz_res_kind(&s->v[i]), template_annotation_paths[k].kind) == 0)
				set_labels_at(s->v[i].obj, template_annotation_paths[k].path, ann, 1);
	}
}

/* ---- namespace, names ---- */

void kz_store_previous_id(kres *r)
{
	json_t *prev = json_object_get(r->ctx, "prev_ids");

	if (r->ctx == NULL || kz_res_name(r) == NULL || kz_res_kind(r) == NULL)
		return;
	if (prev == NULL) {
		prev = json_array();
		json_object_set_new(r->ctx, "prev_ids", prev);
	}
	json_array_append_new(prev, json_pack("[ss]", kz_res_kind(r), kz_res_name(r)));
}

int kz_had_id_before(const kres *r, const char *kind, const char *name)
{
	size_t i, n = json_array_size(r->names);
	json_t *e;

	/* every name but the current one was had before a rename (of this kind, unless kind is NULL) */
	for (i = 0; i + 1 < n && (kind == NULL || strcmp(kz_res_kind(r), kind) == 0); i++)
		if (strcmp(json_string_value(json_array_get(r->names, i)), name) == 0)
			return 1;
	json_array_foreach(json_object_get(r->ctx, "prev_ids"), i, e)
		if ((kind == NULL || strcmp(json_string_value(json_array_get(e, 0)), kind) == 0) &&
		    strcmp(json_string_value(json_array_get(e, 1)), name) == 0)
			return 1;
	return 0;
}

static size_t commas(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == ',';
	return n;
}

int kz_take_previous_ids(kres *r, const char *from)
{
	static const char *const keys[] = { "internal.config.kubernetes.io/previousNames",
					    "internal.config.kubernetes.io/previousKinds",
					    "internal.config.kubernetes.io/previousNamespaces" };
	json_t *meta = json_object_get(r->obj, "metadata"), *ann = json_object_get(meta, "annotations"), *prev;
	const char *names = cf_json_str(ann, keys[0]), *kinds = cf_json_str(ann, keys[1]), *nss = cf_json_str(ann, keys[2]);
	char *n, *k, *sn, *sk, *pn, *pk;

	if (names == NULL || r->ctx == NULL)
		return 0;
	if (kinds == NULL || nss == NULL || commas(names) != commas(kinds) || commas(names) != commas(nss))
		return cf_err_set(CF_EINVAL, "%s: %s %s: number of previous names, number of previous namespaces, "
				  "number of previous kinds not equal", from, kz_res_kind(r), kz_res_name(r));
	if ((prev = json_object_get(r->ctx, "prev_ids")) == NULL)
		json_object_set_new(r->ctx, "prev_ids", prev = json_array());
	n = cf_strdup(names);
	k = cf_strdup(kinds);
	for (pn = n ? strtok_r(n, ",", &sn) : NULL, pk = k ? strtok_r(k, ",", &sk) : NULL; pn && pk;
	     pn = strtok_r(NULL, ",", &sn), pk = strtok_r(NULL, ",", &sk))
		json_array_append_new(prev, json_pack("[ss]", pk, pn));
	cf_free(n);
	cf_free(k);
	if (n == NULL || k == NULL)
		return cf_err_set(CF_ENOMEM, "%s: out of memory", from);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_del(ann, keys[i]);
	if (json_object_size(ann) == 0)
		json_object_del(meta, "annotations");
	return 0;
}

void kz_rename_res(kres *r, const char *name)
{
	/* (the owning set's id index is marked stale by the passes that rename) */
	json_object_set_new(json_object_get(r->obj, "metadata"), "name", json_string(name));
	json_array_append_new(r->names, json_string(name));
}

/* The cluster-scoped kinds kustomize knows, each with its API group: a kind of the same name in
 * another group is a namespaced custom object. */
static const struct { const char *group, *kind; } cluster_kinds[] = {
	{ "", "Namespace" }, { "rbac.authorization.k8s.io", "ClusterRole" },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding" }, { "apiextensions.k8s.io", "CustomResourceDefinition" },
	{ "", "PersistentVolume" }, { "storage.k8s.io", "StorageClass" }, { "scheduling.k8s.io", "PriorityClass" },
	{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicy" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding" },
	{ "apiregistration.k8s.io", "APIService" }, { "storage.k8s.io", "CSIDriver" }, { "storage.k8s.io", "CSINode" },
	{ "", "Node" }, { "storage.k8s.io", "VolumeAttachment" }, { "node.k8s.io", "RuntimeClass" },
	{ "policy", "PodSecurityPolicy" }, { "networking.k8s.io", "IngressClass" },
	{ "certificates.k8s.io", "CertificateSigningRequest" }, { "flowcontrol.apiserver.k8s.io", "FlowSchema" },
	{ "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration" }, { "", "ComponentStatus" },
};

/* group NULL: any group (a reference names only the kind) */
static int cluster_scoped_in(const char *group, const char *kind)
{
	for (size_t i = 0; i < sizeof(cluster_kinds) / sizeof(cluster_kinds[0]); i++)
		if (strcmp(kind, cluster_kinds[i].kind) == 0 && (group == NULL || strcmp(group, cluster_kinds[i].group) == 0))
			return 1;
	return 0;
}

int kz_cluster_scoped_kind(const char *kind)
{
	return cluster_scoped_in(NULL, kind);
}

/* The group of an object's apiVersion ("" for the core group). */
static void res_group(char *out, size_t size, const kres *r)
{
	const char *av = cf_json_str(r->obj, "apiVersion"), *slash = av ? strchr(av, '/') : NULL;

	snprintf(out, size, "%.*s", slash ? (int)(slash - av) : 0, slash ? av : "");
}

int kz_res_cluster_scoped(const kres *r)
{
	char group[256];

	res_group(group, sizeof(group), r);
	return cluster_scoped_in(group, kz_res_kind(r));
}

/* kustomize's namespace field specs beyond metadata.namespace and subjects */
static const struct { const char *group, *kind, *path; int create; } namespace_paths[] = {
	{ "apiregistration.k8s.io", "APIService", "spec/service/namespace", 1 },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", "spec/conversion/webhook/clientConfig/service/namespace", 0 },
};

static int set_string_fn(json_t *holder, const char *field, void *arg)
{
	const json_t *create = json_object_get(arg, "create"), *value = json_object_get(arg, "value");

	if (json_object_get(holder, field) == NULL && !json_is_true(create))
		return 0;
	return json_object_set(holder, field, (json_t *)value) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}

static void set_namespace_fields(kres *r, const char *ns)
{
	char group[256];

	res_group(group, sizeof(group), r);
	for (size_t k = 0; k < sizeof(namespace_paths) / sizeof(namespace_paths[0]); k++)
		if (strcmp(kz_res_kind(r), namespace_paths[k].kind) == 0 && strcmp(group, namespace_paths[k].group) == 0) {
			json_t *arg = json_pack("{s:s,s:b}", "value", ns, "create", namespace_paths[k].create);
			kz_walk_path(r->obj, namespace_paths[k].path, namespace_paths[k].create, set_string_fn, arg);
			json_decref(arg);
		}
}

static void set_namespace(kset *s, const char *ns)
{
	s->ids_stale = 1;
	for (size_t i = 0; i < s->n; i++) {
		json_t *obj = s->v[i].obj, *subj;
		const char *kind = kz_res_kind(&s->v[i]);
		size_t j;

		kz_store_previous_id(&s->v[i]);
		set_namespace_fields(&s->v[i], ns);
		if (!kz_res_cluster_scoped(&s->v[i]))
			json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
		else if (strcmp(kind, "Namespace") == 0)
			kz_rename_res(&s->v[i], ns);   /* kustomize v5 makes a Namespace object the namespace */
		/* kustomize's "defaultOnly" subjects: every subject named default gets the namespace;
		 * the references pass moves the others that name a ServiceAccount of the build */
		if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0)
			json_array_foreach(json_object_get(obj, "subjects"), j, subj) {
				const char *sn = cf_json_str(subj, "name");
				if (sn && strcmp(sn, "default") == 0)
					json_object_set_new(subj, "namespace", json_string(ns));
			}
	}
}

static void prefix_suffix(kset *s, const char *prefix, const char *suffix)
{
	s->ids_stale = 1;
	for (size_t i = 0; i < s->n; i++) {
		const char *kind = kz_res_kind(&s->v[i]);
		char name[1024];

		if ((strcmp(kind, "Namespace") == 0 && kz_res_cluster_scoped(&s->v[i])) ||
		    strcmp(kind, "CustomResourceDefinition") == 0 || strcmp(kind, "APIService") == 0)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "", kz_res_name(&s->v[i]), suffix ? suffix : "");
		if (strcmp(name, kz_res_name(&s->v[i])) != 0)
			kz_rename_res(&s->v[i], name);
		/* the affixes each object got, for telling copies of one base apart (references) */
		if (prefix && *prefix)
			json_array_append_new(json_object_get(s->v[i].ctx, "prefixes"), json_string(prefix));
		if (suffix && *suffix)
			json_array_append_new(json_object_get(s->v[i].ctx, "suffixes"), json_string(suffix));
	}
}

/* The metadata/name field specs of section (namePrefix, nameSuffix) in the configurations that
 * replace the default one, or NULL when the default (every kind) stands. kustomize merges field
 * specs into a list sorted by kind, keeping a spec only when none before it selects the same
 * path more narrowly: a spec for some kinds sorts before the default (all but the webhook kinds,
 * which kustomize orders last), so the default is dropped, here and in every kustomization above. */
static json_t *name_specs(const kctx *c, const char *section)
{
	json_t *out = NULL, *f;
	size_t i;

	json_array_foreach(kz_config_specs(c, section), i, f) {
		const char *kind = cf_json_str(f, "kind");
		if (strcmp(cf_json_str(f, "path"), "metadata/name") != 0 ||
		    (!kind && !cf_json_str(f, "group") && !cf_json_str(f, "version")) ||
		    (kind && (strcmp(kind, "MutatingWebhookConfiguration") == 0 ||
			      strcmp(kind, "ValidatingWebhookConfiguration") == 0)))
			continue;
		if (out == NULL)
			out = json_array();
		json_array_append(out, f);
	}
	return out;
}

/* (kustomize_internal.h) */
int kz_select_view(kset *view, const kset *s, const json_t *spec)
{
	*view = (kset){ 0 };
	if (s->n == 0)
		return 0;
	if ((view->v = cf_calloc(s->n, sizeof(*view->v))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		if (kz_target_match(&s->v[i], spec))
			view->v[view->n++] = s->v[i];
	view->cap = s->n;
	return 0;
}

/* prefix or suffix on the objects each of specs selects (all objects: specs NULL) */
static int affix_by_specs(kset *s, const json_t *specs, const char *prefix, const char *suffix)
{
	size_t j;
	json_t *f;

	if (specs == NULL) {
		prefix_suffix(s, prefix, suffix);
		return 0;
	}
	json_array_foreach(specs, j, f) {
		kset view;
		int rc = kz_select_view(&view, s, f);
		if (rc < 0)
			return rc;
		prefix_suffix(&view, prefix, suffix);
		cf_free(view.v);
		s->ids_stale = 1;
	}
	return 0;
}

/* namePrefix and nameSuffix of a kustomization: the name of every object (kustomize's default
 * field spec), or only of the kinds configurations name when they replace it (name_specs) */
static int affixes(const kctx *c, kset *s, const char *prefix, const char *suffix)
{
	json_t *ps = name_specs(c, "namePrefix"), *ss = name_specs(c, "nameSuffix");
	int rc = 0;

	if (ps == NULL && ss == NULL)
		prefix_suffix(s, prefix, suffix);
	else if ((rc = prefix && *prefix ? affix_by_specs(s, ps, prefix, NULL) : 0) == 0 && suffix && *suffix)
		rc = affix_by_specs(s, ss, NULL, suffix);
	json_decref(ps);
	json_decref(ss);
	return rc;
}

/* ---- images, replicas ---- */

static void image_update(json_t *c, const json_t *images)
{
	const char *img = cf_json_str(c, "image");
	size_t i;
	json_t *im;

	if (img == NULL)
		return;
	json_array_foreach(images, i, im) {
		const char *name = cf_json_str(im, "name"), *nn = cf_json_str(im, "newName"), *tag = cf_json_str(im, "newTag"),
			   *digest = cf_json_str(im, "digest"), *at, *colon, *slash;
		char repo[1024], rest[512], out[2048];
		size_t rl;

		if (name == NULL)
			continue;
		at = strchr(img, '@');
		slash = strrchr(img, '/');
		colon = strrchr(slash ? slash : img, ':');
		rl = at ? (size_t)(at - img) : colon ? (size_t)(colon - img) : strlen(img);
		if (colon && at && colon > at)
			rl = (size_t)(at - img);
		snprintf(repo, sizeof(repo), "%.*s", (int)rl, img);
		if (strcmp(repo, name) != 0)
			continue;
		snprintf(rest, sizeof(rest), "%s", img + rl);
		if (digest)
			snprintf(rest, sizeof(rest), "@%s", digest);
		else if (tag)
			snprintf(rest, sizeof(rest), ":%s", tag);
		snprintf(out, sizeof(out), "%s%s", nn ? nn : repo, rest);
		json_object_set_new(c, "image", json_string(out));
		return;
	}
}

/* Containers and initContainers anywhere in the object (pod specs at any depth, and lists within
 * them), as kustomize's legacy image filter finds them. */
static void images_walk(json_t *node, const json_t *images)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(node)) {
		json_object_foreach(node, k, v) {
			images_walk(v, images);
			if ((strcmp(k, "containers") == 0 || strcmp(k, "initContainers") == 0) && json_is_array(v)) {
				json_t *c;
				json_array_foreach(v, i, c)
					image_update(c, images);
			}
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			images_walk(v, images);
	}
}

/* kustomize's images field specs: {spec, spec/template/spec} x {containers[]/image,
 * initContainers[]/image, volumes[]/image/reference}. A list there that is null becomes [],
 * as the "[]" of a field spec makes it. */
static void images_at_specs(json_t *obj, const json_t *images)
{
	json_t *spec = json_object_get(obj, "spec");

	for (int level = 0; level < 2 && json_is_object(spec); level++) {
		static const char *const lists[] = { "containers", "initContainers", "volumes" };
		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
			json_t *list = json_object_get(spec, lists[l]), *e;
			size_t i;
			if (json_is_null(list))
				json_object_set_new(spec, lists[l], json_array());
			json_array_foreach(list, i, e) {
				json_t *img = l < 2 ? e : json_object_get(e, "image"), *wrap;
				const char *ref = cf_json_str(img, "reference");
				if (l < 2) {
					image_update(e, images);
				} else if (ref && (wrap = json_pack("{ss}", "image", ref)) != NULL) {
					image_update(wrap, images);
					json_object_set(img, "reference", json_object_get(wrap, "image"));
					json_decref(wrap);
				}
			}
		}
		spec = json_object_get(json_object_get(spec, "template"), "spec");
	}
}

int kz_images_skip(const json_t *obj)
{
	const char *kind = cf_json_str(obj, "kind");

	return kind && strcmp(kind, "CustomResourceDefinition") == 0;
}

/* kustomize's replicas field specs: spec/replicas of these kinds only */
static int has_replicas(const char *kind)
{
	static const char *const kinds[] = { "Deployment", "ReplicaSet", "StatefulSet", "ReplicationController" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

/* Whether an object has (or had) name and is of a kind the configurations' replicas specs give. */
static int configured_replicas(const kctx *c, const kset *s, const char *name)
{
	size_t j;
	json_t *f;

	json_array_foreach(kz_config_specs(c, "replicas"), j, f)
		for (size_t k = 0; k < s->n; k++)
			if (kz_name_in_history(&s->v[k], name) && kz_target_match(&s->v[k], f))
				return 1;
	return 0;
}

/* `replicas:`: spec/replicas of each object of a replicas kind with (or once with) that name; a
 * missing count is 0, and a name no such object has is an error, as in kustomize. */
static int set_replicas(const kctx *c, kset *s, const json_t *replicas, const char *kpath)
{
	size_t i;
	json_t *r;

	json_array_foreach(replicas, i, r) {
		const char *name = cf_json_str(r, "name");
		json_t *count = json_object_get(r, "count"), *zero = json_integer(0);
		int hits = 0;
		for (size_t k = 0; name && k < s->n; k++) {
			json_t *spec;
			if (!has_replicas(kz_res_kind(&s->v[k])) || !kz_name_in_history(&s->v[k], name))
				continue;
			hits++;
			if ((spec = json_object_get(s->v[k].obj, "spec")) == NULL || !json_is_object(spec)) {
				spec = json_object();
				json_object_set_new(s->v[k].obj, "spec", spec);
			}
			json_object_set(spec, "replicas", count ? count : zero);
		}
		json_decref(zero);
		if (hits == 0 && !(name && configured_replicas(c, s, name)))
			return cf_err_set(CF_ENOTFOUND, "%s: replicas entry %zu: resource with name %s does not match a config "
					  "with the following GVK [Deployment StatefulSet ReplicaSet ReplicationController]",
					  kpath, i, name ? name : "\"\"");
	}
	return 0;
}

/* ---- patches ---- */

#include <regex.h>

static int regex_full(const char *pattern, const char *s)
{
	char anchored[1100];
	regex_t re;
	int ok;

	if (s == NULL)   /* no original name: a resource made outside a build (cf_kustomize_target_match) */
		return 0;
	snprintf(anchored, sizeof(anchored), "^(%s)$", pattern);
	if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		return strcmp(pattern, s) == 0;
	ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Kubernetes label selector: "a=b,c!=d,e in (x,y),f notin (z),g,!h". */
static int selector_match(const char *sel, const json_t *labels)
{
	char buf[2048];
	char *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", sel);
	/* commas inside "(...)" are not separators: mark them */
	for (int depth = 0, i = 0; buf[i]; i++) {
		if (buf[i] == '(') depth++;
		else if (buf[i] == ')') depth--;
		else if (buf[i] == ',' && depth > 0) buf[i] = '\x01';
	}
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char key[256], op[8] = "", vals[1024] = "";
		const char *v;
		while (*p == ' ') p++;
		if (*p == '!') {
			if (json_object_get(labels, p + 1)) return 0;
			continue;
		}
		if (sscanf(p, "%255[^!= ] %7[!=] %1023[^\n]", key, op, vals) >= 2) {
			v = cf_json_str(labels, key);
			int eq = v && strcmp(v, vals) == 0;
			if ((strcmp(op, "!=") == 0) == eq)
				return 0;
			continue;
		}
		if (sscanf(p, "%255s %7s (%1023[^)])", key, op, vals) == 3) {
			int in = 0;
			v = cf_json_str(labels, key);
			for (char *s2 = NULL, *t = strtok_r(vals, "\x01", &s2); t; t = strtok_r(NULL, "\x01", &s2)) {
				while (*t == ' ') t++;
				size_t l = strlen(t);
				while (l && t[l - 1] == ' ') t[--l] = '\0';
				if (v && strcmp(v, t) == 0) in = 1;
			}
			if ((strcmp(op, "in") == 0) != in)
				return 0;
			continue;
		}
		if (json_object_get(labels, p) == NULL)
			return 0;
	}
	return 1;
}

int kz_target_match(const kres *r, const json_t *t)
{
	const char *g = cf_json_str(t, "group"), *v = cf_json_str(t, "version"), *k = cf_json_str(t, "kind"), *n = cf_json_str(t, "name"),
		   *ns = cf_json_str(t, "namespace"), *ls = cf_json_str(t, "labelSelector"), *as = cf_json_str(t, "annotationSelector");
	const char *av = cf_json_str(r->obj, "apiVersion") ? cf_json_str(r->obj, "apiVersion") : "", *slash = strchr(av, '/');
	char group[256], version[64];
	const json_t *md = json_object_get(r->obj, "metadata");

	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
	snprintf(version, sizeof(version), "%s", slash ? slash + 1 : av);
	if ((g && strcmp(g, group) != 0) || (v && strcmp(v, version) != 0) || (k && !regex_full(k, kz_res_kind(r))))
		return 0;
	/* kustomize's Select: the original name or the current one, likewise the namespace */
	if (n && !regex_full(n, kz_res_name(r)) && !regex_full(n, json_string_value(json_array_get(r->names, 0))))
		return 0;
	if (ns && !regex_full(ns, kz_res_ns(r)) && !(r->ctx && regex_full(ns, cf_json_str(r->ctx, "ns0"))))
		return 0;
	if (ls && !selector_match(ls, json_object_get(md, "labels")))
		return 0;
	if (as && !selector_match(as, json_object_get(md, "annotations")))
		return 0;
	return 1;
}

int cf_kustomize_target_match(const json_t *obj, const json_t *target)
{
	kres r = { (json_t *)obj, NULL, 0, NULL };

	return cf_json_str(obj, "apiVersion") && cf_json_str(obj, "kind") && cf_json_str(json_object_get(obj, "metadata"), "name") &&
	       kz_target_match(&r, target);
}

int kz_name_in_history(const kres *r, const char *name)
{
	size_t i;
	json_t *n;

	json_array_foreach(r->names, i, n)
		if (strcmp(json_string_value(n), name) == 0)
			return 1;
	return 0;
}

/* A patch entry's options (kustomize's PatchTransformer): without them a strategic merge patch
 * keeps the patched object's name and kind. */
typedef struct patch_opts {
	int allow_name_change, allow_kind_change;
	const cf_kopenapi *schema;   /* the custom schema in use (kctx.openapi) */
} patch_opts;

static int read_patch_opts(patch_opts *o, const json_t *entry, const char *where)
{
	/* (a patchesStrategicMerge entry may be the patch object itself: its fields are not options) */
	const json_t *opts = json_is_object(entry) && !json_object_get(entry, "kind") ? json_object_get(entry, "options") : NULL;
	const char *k;
	json_t *v;

	*o = (patch_opts){ 0, 0, NULL };
	if (opts == NULL || json_is_null(opts))
		return 0;
	if (!json_is_object(opts))
		return cf_err_set(CF_EINVAL, "%s: options must be a mapping", where);
	json_object_foreach((json_t *)opts, k, v) {
		if (!json_is_boolean(v))
			return cf_err_set(CF_EINVAL, "%s: options.%s must be true or false", where, k);
		if (strcmp(k, "allowNameChange") == 0)
			o->allow_name_change = json_is_true(v);
		else if (strcmp(k, "allowKindChange") == 0)
			o->allow_kind_change = json_is_true(v);
		/* allowNoTargetMatch and others only change kustomize's logging */
	}
	return 0;
}

/* Merges patch into r as kustomize does: the object keeps its namespace, its name unless
 * allowNameChange, its kind unless allowKindChange. A patch chosen by target is first given the
 * object's apiVersion (kustomize sets the patch's group and version to the object's), so the
 * body's apiVersion never reaches the object. */
static int smp_in_place(kres *r, const json_t *patch, const patch_opts *o, int by_target, const char *where)
{
	json_t *p = json_deep_copy(patch), *md, *type;
	const char *name = kz_res_name(r);
	char old_name[512];
	int rc, made;

	if (p == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (cf_json_str(p, "$patch") && strcmp(cf_json_str(p, "$patch"), "delete") == 0) {
		/* the whole object goes (kset_drop_deleted removes it after this patch) */
		json_decref(p);
		json_decref(r->obj);
		r->obj = NULL;
		return 0;
	}
	snprintf(old_name, sizeof(old_name), "%s", name ? name : "");
	md = json_object_get(p, "metadata");
	json_object_del(md, "namespace");
	if (!o->allow_name_change || !json_is_string(json_object_get(md, "name")))
		json_object_del(md, "name");
	if (!o->allow_kind_change || !json_is_string(json_object_get(p, "kind")))
		json_object_del(p, "kind");
	if (by_target)
		json_object_del(p, "apiVersion");
	if (o->allow_name_change || o->allow_kind_change)
		kz_store_previous_id(r);
	made = kz_meta_show(r);
	/* the schema: by target, kustomize has given the patch the object's group and version */
	type = json_pack("{s:s?,s:s?}", "apiVersion", by_target ? cf_json_str(r->obj, "apiVersion") : cf_json_str(patch, "apiVersion"),
			 "kind", cf_json_str(patch, "kind"));
	rc = type ? kz_smp_as(r->obj, p, type, o->schema, where) : cf_err_set(CF_ENOMEM, "out of memory");
	json_decref(type);
	kz_meta_hide(r, made);
	json_decref(p);
	/* references follow a rename (a patch that removes the name fails after the patch) */
	if (rc == 0 && (name = kz_res_name(r)) != NULL && strcmp(name, old_name) != 0)
		json_array_append_new(r->names, json_string(name));
	return rc;
}

/* kustomize keeps its own annotations on every object while it builds, so a JSON 6902 add into
 * /metadata/annotations/KEY finds the map even when the manifest has none. */
static int json6902_in_place(kres *r, const json_t *ops, const char *where)
{
	int made = kz_meta_show(r), rc;
	char old_name[512];
	json_t *md = json_object_get(r->obj, "metadata");

	if (json_is_object(md) && json_object_get(md, "annotations") == NULL) {
		json_object_set_new(md, "annotations", json_object());
		made = 1;
	}
	snprintf(old_name, sizeof(old_name), "%s", kz_res_name(r) ? kz_res_name(r) : "");
	kz_store_previous_id(r);
	rc = cf_kustomize_json6902(r->obj, ops, where);
	kz_meta_hide(r, made);
	/* references follow a rename (check_object fails a patch that removes the name) */
	if (rc == 0 && kz_res_name(r) && strcmp(kz_res_name(r), old_name) != 0)
		json_array_append_new(r->names, json_string(kz_res_name(r)));
	return rc;
}

/* Removes the objects a `$patch: delete` patch left without a body. */
static void kset_drop_deleted(kset *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].obj == NULL) {
			json_decref(s->v[i].names);
			json_decref(s->v[i].ctx);
			s->ids_stale = 1;
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

/* Drops the objects annotated config.kubernetes.io/local-config (any value but "false"): they
 * took part in the build (a replacement's source, a name others refer to) but are not output,
 * as kustomize's IgnoreLocal does once at the top. */
static void drop_local_config(kset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const json_t *v = json_object_get(json_object_get(json_object_get(s->v[i].obj, "metadata"), "annotations"),
						  "config.kubernetes.io/local-config");
		if (v == NULL || (json_is_string(v) && strcmp(json_string_value(v), "false") == 0))
			continue;
		json_decref(s->v[i].obj);
		s->v[i].obj = NULL;
	}
	kset_drop_deleted(s);
}

/* Whether r is what an untargeted patch names (its kind and any name it had, or an id it had
 * before a patch changed its kind; its namespace, no namespace being "default", the current or
 * the first one, as kustomize's GetById compares every id an object had). */
static int smp_names(const kres *r, const char *av, const char *kind, const char *name, const char *ns)
{
	const char *oav = cf_json_str(r->obj, "apiVersion");

	return r->obj &&
	       ((strcmp(kz_res_kind(r), kind) == 0 && kz_name_in_history(r, name)) || kz_had_id_before(r, kind, name)) &&
	       /* no apiVersion matches no apiVersion (kustomize's ids: [noGrp], [noVer]) */
	       ((oav == NULL && av == NULL) || (oav && av && strcmp(oav, av) == 0)) &&
	       (kz_same_namespace(kz_res_ns(r), ns ? ns : "") ||
		(r->ctx && cf_json_str(r->ctx, "ns0") && kz_same_namespace(cf_json_str(r->ctx, "ns0"), ns ? ns : "")));
}

static int smp_matches(const kset *s, const char *av, const char *kind, const char *name, const char *ns)
{
	int n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += smp_names(&s->v[i], av, kind, name, ns);
	return n;
}

/* A strategic merge patch without a target applies to the resource it names: same apiVersion,
 * kind, name (any name it had) and namespace (none is "default"). */
static int smp_by_name(kset *s, const json_t *patch, const patch_opts *o, const char *where)
{
	const json_t *md = json_object_get(patch, "metadata");
	const char *av = cf_json_str(patch, "apiVersion"), *kind = cf_json_str(patch, "kind"), *name = cf_json_str(md, "name"),
		   *ns = cf_json_str(md, "namespace");
	int hits = 0, rc;

	if (kind == NULL || name == NULL)   /* (apply_patch_docs checked them) */
		return cf_err_set(CF_EINVAL, "%s: a strategic merge patch needs kind and metadata.name", where);
	if (smp_matches(s, av, kind, name, ns) > 1)
		return cf_err_set(CF_EINVAL, "%s: failed to find unique target for patch %s %s: objects of several "
				  "namespaces have that name (give metadata.namespace or a target)", where, kind, name);
	for (size_t i = 0; i < s->n; i++) {
		if (!smp_names(&s->v[i], av, kind, name, ns))
			continue;
		if ((rc = smp_in_place(&s->v[i], patch, o, 0, where)) < 0)
			return rc;
		hits++;
	}
	if (hits == 0)
		return cf_err_set(CF_ENOTFOUND, "%s: no resource matches the patch for %s %s%s%s (apiVersion %s): failed to "
				  "find unique target for patch%s", where, kind, ns ? ns : "", ns ? "/" : "", name, av ? av : "missing",
				  ns ? "" : " (without metadata.namespace it names an object in no namespace or default)");
	return 0;
}

/* A patch file is JSON 6902 when it is one list of operations (as one document, or written as
 * the stream itself); otherwise each document is a strategic merge patch. */
static int apply_patch_docs(kset *s, json_t *docs, const json_t *target, const patch_opts *o, const char *where)
{
	const json_t *ops = NULL;
	size_t i;
	json_t *d;

	/* kustomize reads an empty patch as a JSON 6902 patch with nothing in it */
	if (json_array_size(docs) == 0 && target == NULL)
		return cf_err_set(CF_EINVAL, "%s: must specify a target for JSON patch (the patch is empty)", where);
	if (json_array_size(docs) == 1 && json_is_array(json_array_get(docs, 0)))
		ops = json_array_get(docs, 0);
	else if (json_array_size(docs) > 0 && json_object_get(json_array_get(docs, 0), "op"))
		ops = docs;
	if (ops != NULL) {
		if (target == NULL)
			return cf_err_set(CF_EINVAL, "%s: a JSON 6902 patch needs a target", where);
		for (size_t k = 0; k < s->n; k++)
			if (kz_target_match(&s->v[k], target)) {
				int rc = json6902_in_place(&s->v[k], ops, where);
				if (rc < 0)
					return rc;
			}
		return 0;
	}
	/* kustomize reads each document as a resource, with or without a target */
	json_array_foreach(docs, i, d) {
		const char *name = cf_json_str(json_object_get(d, "metadata"), "name");
		if (!json_is_object(d) || cf_json_str(d, "kind") == NULL || name == NULL || name[0] == '\0')
			return cf_err_set(CF_EINVAL, "%s: document %zu is neither a strategic merge patch (it needs kind and "
					  "metadata.name) nor a JSON 6902 patch (a list of op, path and value)", where, i + 1);
	}
	json_array_foreach(docs, i, d) {
		int rc = 0;
		if (target == NULL)
			rc = smp_by_name(s, d, o, where);
		for (size_t k = 0; target && rc == 0 && k < s->n; k++)
			if (s->v[k].obj && kz_target_match(&s->v[k], target))
				rc = smp_in_place(&s->v[k], d, o, 1, where);
		if (rc < 0)
			return rc;
		kset_drop_deleted(s);
	}
	return 0;
}

/* A patch's text, read as kustomize reads it: kyaml for a strategic merge patch, and for a
 * JSON 6902 one sigs.k8s.io/yaml's YAML 1.1 (so an op value y or on is true there). */
static int load_patch(json_t **docs, const char *text, size_t len, const char *where)
{
	int rc = cf_yaml_load_all_kyaml(docs, text, len, where);
	const json_t *first = json_array_get(*docs, 0);

	if (rc == 0 && (json_is_array(first) || json_object_get(first, "op"))) {
		json_decref(*docs);
		*docs = NULL;
		rc = cf_yaml_load_all(docs, text, len, where);
	}
	return rc;
}

/* A patch is inline text or a file relative to dir. */
static int patch_docs(const kctx *c, const char *dir, const char *kpath, const json_t *entry, json_t **docs, char *where, size_t wsize)
{
	const char *inline_text = json_is_string(entry) ? json_string_value(entry) : cf_json_str(entry, "patch");
	const char *path = json_is_object(entry) ? cf_json_str(entry, "path") : NULL;
	cf_buf b = CF_BUF_INIT(KFILE_MAX);
	char full[4096];
	int rc;

	*docs = NULL;
	if (json_is_object(entry) && !inline_text && !path && json_object_get(entry, "kind")) {
		/* patchesStrategicMerge may hold the patch object itself */
		*docs = json_pack("[O]", entry);
		snprintf(where, wsize, "%s: patchesStrategicMerge", kpath);
		return 0;
	}
	if (json_is_string(entry) && strchr(inline_text, '\n') == NULL && strchr(inline_text, ':') == NULL) {
		path = inline_text;   /* patchesStrategicMerge: a file name */
		inline_text = NULL;
	}
	/* kustomize trims the patch text: a blank one is none */
	if (inline_text && inline_text[strspn(inline_text, " \t\r\n")] == '\0')
		inline_text = NULL;
	if (inline_text && path)
		return cf_err_set(CF_EINVAL, "%s: patch and path can't be set at the same time (in one patches entry)", kpath);
	if (inline_text) {
		snprintf(where, wsize, "%s: inline patch", kpath);
		return load_patch(docs, inline_text, strlen(inline_text), where);
	}
	if (path == NULL)
		return cf_err_set(CF_EINVAL, "%s: must specify one of patch and path (a patches entry has neither)", kpath);
	if ((rc = kz_join(full, sizeof(full), dir, path, kpath)) < 0 || (rc = kz_file_under(c, dir, full, kpath)) < 0)
		return rc;
	snprintf(where, wsize, "%s", full);
	if ((rc = kz_read_text(c, full, &b)) == 0)
		rc = load_patch(docs, b.data ? b.data : "", b.len, full);
	cf_buf_free(&b);
	return rc;
}

/* note: the builtin transformer kind each entry counts as, for buildMetadata (NULL: none) */
static int run_patches(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s, const char *field,
		       const char *note)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(k, field), i, e) {
		json_t *docs = NULL;
		char where[4200];
		patch_opts o;
		int rc;

		/* a patches entry is a mapping (path or patch, target, options), as kustomize reads it */
		if (strcmp(field, "patches") == 0 && !json_is_object(e))
			return cf_err_set(CF_EINVAL, "%s: invalid Kustomization: patches entry %zu must be a mapping "
					  "(path: or patch:, target:, options:), not a %s", kpath, i,
					  json_is_string(e) ? "string (write path: FILE)" : "scalar or list");
		rc = patch_docs(c, dir, kpath, e, &docs, where, sizeof(where));

		if (rc == 0)
			rc = read_patch_opts(&o, e, where);
		o.schema = c->openapi;
		if (rc == 0)
			rc = apply_patch_docs(s, docs, json_is_object(e) ? json_object_get(e, "target") : NULL, &o, where);
		json_decref(docs);
		s->ids_stale = 1;
		/* a patch may not leave an object without a string kind, apiVersion or name */
		for (size_t r = 0; rc == 0 && r < s->n; r++)
			if (check_object(s->v[r].obj, where, 1) < 0)
				rc = cf_err_set(CF_EINVAL, "%s: after this patch an object has no string kind, apiVersion "
						"or metadata.name", where);
		if (rc < 0)
			return rc;
		if (note)
			kz_note_transformer(c, s, kpath, note, NULL);
	}
	return 0;
}

/* ---- the build ---- */

/* note: the fields of k count as kustomize's builtin transformers, for buildMetadata; each is
 * noted as it runs, as a patch may drop the notes before it (kustomize_sort.c) */
static int transform(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s, int note)
{
	const json_t *labels;
	size_t i;
	json_t *l;
	int rc;

	if ((rc = run_patches(c, dir, kpath, k, s, "patchesStrategicMerge", NULL)) < 0)
		return rc;
	if (note)
		kz_note_field_transformers(c, s, kpath, k, "patchesStrategicMerge", "patchesStrategicMerge");
	if ((rc = run_patches(c, dir, kpath, k, s, "patches", note ? "PatchTransformer" : NULL)) < 0)
		return rc;
	if (cf_json_str(k, "namespace") && *cf_json_str(k, "namespace")) {   /* "" changes nothing */
		set_namespace(s, cf_json_str(k, "namespace"));
		if ((rc = kz_unique_ids(s, kpath)) < 0)
			return rc;
	}
	if ((cf_json_str(k, "namePrefix") || cf_json_str(k, "nameSuffix")) &&
	    (rc = affixes(c, s, cf_json_str(k, "namePrefix"), cf_json_str(k, "nameSuffix"))) < 0)
		return rc;
	/* kustomize runs the labels entries first, then commonLabels (which wins a shared key) */
	json_array_foreach(json_object_get(k, "labels"), i, l)
		if (json_object_size(json_object_get(l, "pairs"))) {
			add_labels(s, json_object_get(l, "pairs"), json_is_true(json_object_get(l, "includeSelectors")),
				   json_is_true(json_object_get(l, "includeTemplates")));
			label_fields(s, json_object_get(l, "pairs"), json_object_get(l, "fields"));
		}
	if ((labels = json_object_get(k, "commonLabels")) && json_object_size(labels))
		add_labels(s, labels, 1, 1);
	if ((labels = json_object_get(k, "commonAnnotations")) && json_object_size(labels))
		add_annotations(s, labels);
	if (note)
		kz_note_field_transformers(c, s, kpath, k, "namespace", "commonAnnotations");
	if ((rc = run_patches(c, dir, kpath, k, s, "patchesJson6902", note ? "PatchJson6902Transformer" : NULL)) < 0)
		return rc;
	if ((rc = set_replicas(c, s, json_object_get(k, "replicas"), kpath)) < 0)
		return rc;
	if (json_array_size(json_object_get(k, "images")))
		for (size_t r = 0; r < s->n; r++)
			if (!kz_images_skip(s->v[r].obj)) {
				images_walk(s->v[r].obj, json_object_get(k, "images"));
				images_at_specs(s->v[r].obj, json_object_get(k, "images"));
			}
	if ((rc = kz_run_replacements(c, dir, kpath, k, s)) == 0 && note)
		kz_note_field_transformers(c, s, kpath, k, "replicas", "replacements");
	return rc;
}

/* Labels and annotations are maps of strings (a bare `on` is a boolean in YAML 1.1). */
static int string_map(const json_t *m, const char *field, const char *kpath)
{
	const char *key;
	json_t *v;

	if (m == NULL)
		return 0;
	if (!json_is_object(m))
		return cf_err_set(CF_EINVAL, "%s: %s must be a map of strings", kpath, field);
	json_object_foreach((json_t *)m, key, v)
		if (!json_is_string(v))
			return cf_err_set(CF_EINVAL, "%s: %s: the value of \"%s\" must be a string (quote it)", kpath, field, key);
	return 0;
}

static int entries(const json_t *k, const char *field, const char *kpath)
{
	const json_t *v = json_object_get(k, field);

	if (v && !json_is_array(v))
		return cf_err_set(CF_EINVAL, "%s: %s must be a list", kpath, field);
	return 0;
}

static int accumulate(kctx *c, const char *dir, kset *set, int component)
{
	char kpath[4200];
	json_t *k = NULL, *e;
	const char *kind;
	size_t i;
	int rc;

	for (size_t d = 0; d < c->depth; d++)
		if (strcmp(c->stack[d], dir) == 0)
			return cf_err_set(CF_EINVAL, "cycle: '%s' includes itself (through %s)", dir, c->stack[c->depth - 1]);
	if (c->depth == KDEPTH_MAX)
		return cf_err_set(CF_EINVAL, "%s: kustomizations nest too deeply", dir);
	if ((rc = load_kustomization(c, dir, &k, kpath, sizeof(kpath))) < 0)
		return rc;
	kind = cf_json_str(k, "kind");
	/* the root may be a Component: kubectl builds one directly */
	if (c->depth > 0 && component != (kind && strcmp(kind, "Component") == 0)) {
		rc = cf_err_set(CF_EINVAL, component ? "%s: a component must be kind: Component"
					       : "%s: kind: Component can only be used under components", kpath);
		goto out;
	}
	if (c->depth == 0 && c->top == NULL)
		c->top = json_incref(k);
	/* before anything of this directory is built: its patches use the schema it chooses */
	if ((rc = kz_select_openapi(c, dir, kpath, k)) < 0)
		goto out;
	c->stack[c->depth++] = dir;
	if ((rc = entries(k, "resources", kpath)) == 0 && (rc = entries(k, "components", kpath)) == 0)
		rc = entries(k, "bases", kpath);
	if (rc == 0) rc = string_map(json_object_get(k, "commonLabels"), "commonLabels", kpath);
	if (rc == 0) rc = string_map(json_object_get(k, "commonAnnotations"), "commonAnnotations", kpath);
	json_array_foreach(json_object_get(k, "labels"), i, e)
		if (rc == 0)
			rc = string_map(json_object_get(e, "pairs"), "labels.pairs", kpath);
	for (int pass = 0; pass < 2 && rc == 0; pass++)
		json_array_foreach(json_object_get(k, pass ? "bases" : "resources"), i, e) {
			if (rc < 0)
				break;
			rc = json_is_string(e) ? add_resource_entry(c, dir, kpath, json_string_value(e), set)
					       : cf_err_set(CF_EINVAL, "%s: resources entry %zu is not a string", kpath, i);
		}
	if (rc == 0) rc = kz_load_configurations(c, dir, kpath, k);
	if (rc == 0) rc = kz_load_crds(c, dir, kpath, k);
	/* the parent's generators run before its components (a component may merge into them) */
	for (int secret = 0; secret < 2 && rc == 0; secret++)   /* from 0: a replaced object too */
		if ((rc = kz_generate(c, dir, kpath, k, set, secret)) == 0) {
			kz_note_origins(c, set, 0, kpath, secret ? "SecretGenerator" : "ConfigMapGenerator", NULL);
			c->objects_read |= set->n > 0;
		}
	if (rc == 0) rc = kz_run_plugins(c, dir, kpath, k, set, 1);
	json_array_foreach(json_object_get(k, "components"), i, e) {
		char path[4096];
		if (rc < 0)
			break;
		if (!json_is_string(e) || is_remote(json_string_value(e))) {
			rc = cf_err_set(CF_EINVAL, "%s: components entry %zu must be a local path", kpath, i);
			break;
		}
		if ((rc = kz_join(path, sizeof(path), dir, json_string_value(e), kpath)) == 0)
			rc = accumulate(c, path, set, 1);
	}
	if (rc == 0) rc = transform(c, dir, kpath, k, set, 1);
	if (rc == 0) rc = kz_configured_fields(c, k, set);
	if (rc == 0) rc = kz_run_plugins(c, dir, kpath, k, set, 0);
	if (rc == 0) rc = kz_collect_vars(c, kpath, k, set);
	c->depth--;
out:
	json_decref(k);
	return rc;
}

int cf_kustomize_build(json_t **out, const cf_kfs *fs, const char *dir)
{
	return cf_kustomize_build_opts(out, fs, dir, 0);
}

int cf_kustomize_build_opts(json_t **out, const cf_kfs *fs, const char *dir, unsigned flags)
{
	kctx c = { .fs = fs, .load_anywhere = (flags & CF_KBUILD_LOAD_ANYWHERE) != 0,
		   .flux = (flags & CF_KBUILD_FLUX) == CF_KBUILD_FLUX };
	kset set = { 0 };
	char root[4096];
	int rc;

	*out = NULL;
	/* an absolute dir keeps its paths absolute, so that errors name the files as on disk */
	if ((rc = kz_join(root, sizeof(root), dir[0] == '/' ? "/" : ".", dir + (dir[0] == '/'), dir)) < 0)
		return rc;
	rc = accumulate(&c, root, &set, 0);
	/* last, at the top only, as kustomize does: hashes, then the references to renamed objects */
	if (rc == 0)
		kz_hash_names(&set);
	if (rc == 0 && (rc = kz_fix_references(&set, kz_config_specs(&c, "nameReference"))) == 0)
		rc = kz_resolve_vars(&c, &set);
	if (rc == 0)
		drop_local_config(&set);
	if (rc == 0 && (rc = kz_finish(&c, &set)) == 0) {
		*out = json_array();
		for (size_t i = 0; i < set.n; i++)
			json_array_append(*out, set.v[i].obj);
	}
	json_decref(c.top);
	json_decref(c.vars);
	json_decref(c.config);
	cf_kopenapi_free(c.openapi);
	kset_free(&set);
	return rc;
}

/* ---- what the other build files call (kustomize_plugins.c, kustomize_sort.c) ---- */

void kz_hash_names(kset *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].needs_hash) {
			char hash[11], name[1024];
			kz_content_hash(hash, s->v[i].obj);
			snprintf(name, sizeof(name), "%s-%s", kz_res_name(&s->v[i]), hash);
			kz_rename_res(&s->v[i], name);
		}
	s->ids_stale = 1;
}

int kz_accumulate(kctx *c, const char *dir, kset *set)
{
	return accumulate(c, dir, set, 0);
}

int kz_transform_fields(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s)
{
	return transform(c, dir, kpath, k, s, 0);
}

void kz_label_fields(kset *s, const json_t *pairs, const json_t *fields)
{
	label_fields(s, pairs, fields);
}

void kz_prefix_suffix(kset *s, const char *prefix, const char *suffix)
{
	prefix_suffix(s, prefix, suffix);
}

void kz_set_namespace(kset *s, const char *ns)
{
	set_namespace(s, ns);
}

void kz_images(json_t *obj, const json_t *images)
{
	if (!kz_images_skip(obj))
		images_walk(obj, images);
}

void kz_kset_free(kset *s)
{
	kset_free(s);
}

/* ---- the disk ---- */

static int disk_path(char *out, size_t size, const char *root, const char *path)
{
	return snprintf(out, size, "%s/%s", root, path) < (int)size ? 0 : cf_err_set(CF_EINVAL, "path too long");
}

static int disk_read(void *ctx, const char *path, cf_buf *out)
{
	char full[8192];
	struct stat st;
	int rc;

	if ((rc = disk_path(full, sizeof(full), *(const char **)ctx, path)) < 0)
		return rc;
	if (stat(full, &st) < 0 || S_ISDIR(st.st_mode))
		return CF_ENOTFOUND;
	return cf_buf_read_file(out, full);
}

static int disk_stat(void *ctx, const char *path)
{
	char full[8192];
	struct stat st;

	if (disk_path(full, sizeof(full), *(const char **)ctx, path) < 0 || stat(full, &st) < 0)
		return CF_ENOTFOUND;
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

void cf_kfs_sort_names(json_t *names)
{
	size_t n = json_array_size(names);
	json_t **v = n ? cf_calloc(n, sizeof(*v)) : NULL;

	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(names, i));
	qsort(v, n, sizeof(*v), by_string);
	json_array_clear(names);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, v[i]);
	cf_free(v);
}

static int disk_list(void *ctx, const char *path, json_t **names)
{
	char full[8192];
	struct dirent *e;
	DIR *d;
	int rc;

	*names = NULL;
	if ((rc = disk_path(full, sizeof(full), *(const char **)ctx, path)) < 0)
		return rc;
	if ((d = opendir(full)) == NULL)
		return cf_err_set(CF_ENOTFOUND, "%s: %s", path, strerror(errno));
	*names = json_array();
	while (*names && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    json_array_append_new(*names, json_string(e->d_name)) < 0)
			break;
	closedir(d);
	if (*names == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	cf_kfs_sort_names(*names);
	return 0;
}

void cf_kfs_disk(cf_kfs *fs, const char **root_ctx)
{
	fs->read = disk_read;
	fs->stat = disk_stat;
	fs->ctx = (void *)root_ctx;
	fs->list = disk_list;
}

/* The root is the filesystem's, as for kubectl: an overlay may use ../base. */
int cf_kustomize_build_dir(json_t **out, const char *dir, int anywhere)
{
	const char *root = "";
	char *abs = realpath(dir, NULL);
	cf_kfs fs;
	int rc;

	*out = NULL;
	if (abs == NULL)
		return cf_err_set(CF_ENOTFOUND, "%s: %s", dir, strerror(errno));
	cf_kfs_disk(&fs, &root);
	rc = cf_kustomize_build_opts(out, &fs, abs[1] ? abs : ".", anywhere ? CF_KBUILD_LOAD_ANYWHERE : 0);
	free(abs);
	return rc;
}
