/* common/kustomize/kustomize_internal.h - what the kustomize build files share; not for other modules.
 * kustomize.c: loading, resources, transformers, references, order; kustomize_gen.c: the
 * ConfigMap/Secret generators and their hash; kustomize_replace.c: replacements;
 * kustomize_refs.c: name references. */
#ifndef CF_KUSTOMIZE_INTERNAL_H
#define CF_KUSTOMIZE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "kustomize/kustomize.h"
#include "kustomize/kustomize_openapi.h"
#include "util/buf.h"
#include "yaml/yaml.h"

#define KFILE_MAX (64u * 1024u * 1024u)
#define KDEPTH_MAX 64
#define KANNOTATION_MAX (256u * 1024u)   /* an apiserver's cap on all annotations of an object */

typedef struct kres {
	json_t *obj;
	json_t *names;       /* every name it had, oldest first: references may use any */
	int needs_hash;
	json_t *ctx;         /* {"ns0": first namespace, "prefixes": [...], "suffixes": [...]; buildMetadata:
	                      * "origin", "origin_file", "transformations" (kustomize_sort.c)} */
} kres;

typedef struct kset {
	kres *v;
	size_t n, cap;
	json_t *ids;         /* "apiVersion|kind|namespace|name" -> 1, for duplicate checks */
	int ids_stale;       /* names or namespaces changed since it was built */
} kset;

typedef struct kctx {
	const cf_kfs *fs;
	const char *stack[KDEPTH_MAX];   /* directories being built, for cycles */
	size_t depth;
	json_t *top;         /* the root kustomization (sortOptions, buildMetadata); owned */
	json_t *vars;        /* vars of every kustomization built, in order (kustomize_vars.c); owned */
	json_t *config;      /* configurations: section -> field specs (kustomize_config.c); owned */
	cf_kopenapi *openapi; /* the custom schema in use (NULL: the built-in kinds' keys); owned */
	int openapi_set;     /* a kustomization chose the schema (kustomize's first choice stays) */
	int objects_read;    /* objects were read or generated (a schema chosen later has the built-in beside it) */
	int load_anywhere;   /* LoadRestrictionsNone: kz_file_under admits any file of the fs */
	int flux;            /* Flux's build (CF_KBUILD_FLUX): no default order, built-in schema beside a custom one */
} kctx;

const char *kz_res_name(const kres *r);
const char *kz_res_ns(const kres *r);
const char *kz_res_kind(const kres *r);
/* Takes obj and names (new references). Duplicate ids are an error naming from. */
int  kz_kset_add(kset *s, json_t *obj, json_t *names, int needs_hash, const char *from);
/* dir + rel, cleaned; a path leaving the root is an error naming from. */
int  kz_join(char *out, size_t size, const char *dir, const char *rel, const char *from);
/* kustomize's load restriction: files in or below their kustomization's directory (any file
 * with c->load_anywhere). */
int  kz_file_under(const kctx *c, const char *dir, const char *path, const char *kpath);
int  kz_read_text(const kctx *c, const char *path, cf_buf *b);
int  kz_target_match(const kres *r, const json_t *t);
/* The objects of s a field spec (or target) selects, as a set sharing their objects: free only
 * view->v. */
int  kz_select_view(kset *view, const kset *s, const json_t *spec);
/* Calls fn(holder, field, arg) at each end of path ("spec/template/metadata/labels", "[]"
 * stepping through lists); create makes the missing maps on the way. */
typedef int (*field_fn)(json_t *holder, const char *field, void *arg);
int  kz_walk_path(json_t *node, const char *path, int create, field_fn fn, void *arg);
/* cluster-scoped: a kind kustomize knows as such (in any group), or this object (its group too) */
int  kz_cluster_scoped_kind(const char *kind);
int  kz_res_cluster_scoped(const kres *r);
/* Namespaces as kustomize compares them: none (NULL or "") is "default". */
int  kz_same_namespace(const char *a, const char *b);
int  kz_name_in_history(const kres *r, const char *name);
/* kustomize's previous ids: a transformer that may change an object's id (namespace, a JSON 6902
 * patch, a patch allowed to rename) records its kind and name first; a rename records the old
 * name (r->names) */
void kz_store_previous_id(kres *r);
/* r had kind (NULL: any) and name before: kustomize's previous ids (an object never renamed or
 * moved has none, and is no candidate of a reference: it needs no change) */
int  kz_had_id_before(const kres *r, const char *kind, const char *name);
/* kustomize's previous-id annotations (internal.config.kubernetes.io/previousNames, -Kinds,
 * -Namespaces) on an object read in: taken as its previous ids and dropped, as kustomize drops
 * its build annotations from the output. Lists of unequal length are an error naming from. */
int  kz_take_previous_ids(kres *r, const char *from);
void kz_rename_res(kres *r, const char *name);

/* kustomize_gen.c */
int  kz_generate(kctx *c, const char *dir, const char *kpath, const json_t *k, kset *set, int secret);
void kz_content_hash(char out[11], const json_t *obj);
/* kustomize_refs.c: every referrer's name fields follow the renames of what they name */
int  kz_fix_references(kset *s, const json_t *extra);
/* kustomize.c, for the files below: the field transformers (transform) on a kustomization-shaped
 * k, and the pieces a builtin plugin config runs with its own field specs */
int  kz_accumulate(kctx *c, const char *dir, kset *set);
int  kz_transform_fields(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s);
void kz_label_fields(kset *s, const json_t *pairs, const json_t *fields);
void kz_prefix_suffix(kset *s, const char *prefix, const char *suffix);
void kz_set_namespace(kset *s, const char *ns);
/* After the namespace transformer: two objects with one id are an error (kustomize's "ID conflict"). */
int  kz_unique_ids(kset *s, const char *where);
void kz_images(json_t *obj, const json_t *images);
/* Keys of o spelt as one of names in another case take that spelling (Go's JSON decoding). */
void kz_canonical_keys(json_t *o, const char *const *names, size_t n);
/* An images entry (or ImageTagTransformer imageTag) with its fields so spelt. */
void kz_canonical_image(json_t *image);
/* whether kustomize leaves obj's images alone (a CustomResourceDefinition) */
int  kz_images_skip(const json_t *obj);
void kz_hash_names(kset *s);
void kz_kset_free(kset *s);
/* kustomize_plugins.c: generators (generators 1) or transformers (0) of kustomize's builtin
 * plugin configs, after the fields of the same stage */
int  kz_run_plugins(kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s, int generators);
/* kustomize_sort.c: sortOptions (legacy with custom orders, or fifo) */
int  kz_check_sort_options(const json_t *opts, const char *where);
int  kz_sort(kset *s, const json_t *opts);
/* buildMetadata originAnnotations: those of s->v[from..] with no origin yet came from path (a file
 * of resources), or were made (or replaced) by generator (a builtin kind; md: the plugin
 * config's metadata, naming it and its namespace, or NULL) configured in path */
void kz_note_origins(const kctx *c, kset *s, size_t from, const char *path, const char *generator, const json_t *md);
/* the file (from the root of the tree) r came from, when origins are tracked; or NULL */
const char *kz_origin_file(const kres *r);
/* buildMetadata transformerAnnotations: every resource now in s went through the builtin
 * transformer kind (md: its plugin config's metadata, or NULL) configured in path; or through those the
 * fields first..last of k (a kustomization at kpath; fields in kustomize's transformer order,
 * patches and patchesJson6902 not among them) configure */
void kz_note_transformer(const kctx *c, kset *s, const char *path, const char *kind, const json_t *md);
void kz_note_field_transformers(const kctx *c, kset *s, const char *kpath, const json_t *k, const char *first,
				const char *last);
/* kustomize keeps the build metadata in annotations while it builds, so a patch sees it and may
 * drop it: kz_meta_show puts r's on r->obj (1: it made the annotations map), kz_meta_hide takes
 * back what is left (and drops the map it made, if empty) */
int  kz_meta_show(kres *r);
/* s->v[from..] were read from a file: build annotations they carry are taken as kustomize's own */
void kz_take_meta(const kctx *c, kset *s, size_t from);
void kz_meta_hide(kres *r, int made);
/* the end of a build, at the top: order, then buildMetadata */
int  kz_finish(const kctx *c, kset *s);
/* kustomize_config.c: configurations read as each kustomization is built; its field specs for the
 * kustomization fields of k (after the defaults); a field spec path that steps through lists */
int  kz_load_configurations(kctx *c, const char *dir, const char *kpath, const json_t *k);
int  kz_configured_fields(const kctx *c, const json_t *k, kset *s);
const json_t *kz_config_specs(const kctx *c, const char *section);
int  kz_walk_spec(json_t *node, const char *path, int create, field_fn fn, void *arg);
/* One edit at each field spec's path in the objects it selects (name: only the object that had
 * it); skip_names leaves metadata/name specs to the renaming code. */
typedef struct kz_edit {
	const json_t *value;           /* merge: the map merged in; else the value set */
	const char *prefix, *suffix;   /* no value: a string gets these around it */
	const json_t *images;          /* or: an image reference updated as `images:` does */
	int merge;
	int if_empty;                  /* value: set only where the field is missing, null or "" */
} kz_edit;
int  kz_edit_at_specs(kset *s, const json_t *specs, const kz_edit *e, const char *name, int skip_names);
/* kustomize_vars.c: vars collected as kustomizations are built, $(VAR) resolved at the end */
int  kz_collect_vars(kctx *c, const char *kpath, const json_t *k, kset *s);
int  kz_resolve_vars(const kctx *c, kset *s);
/* kpatch.c: a strategic merge patch with the custom schema in use (NULL: the built-in keys) */
int  kz_smp(json_t *target, const json_t *patch, const cf_kopenapi *schema, const char *what);
/* As kz_smp, the schema chosen by patch_type's apiVersion and kind where the target's type has
 * none (a patch whose kind and apiVersion were taken out before it applies to its targets) */
int  kz_smp_as(json_t *target, const json_t *patch, const json_t *patch_type, const cf_kopenapi *schema,
	       const char *what);
/* kustomize_config.c: openapi: chooses the schema, if no kustomization before chose one (the
 * root first, then each directory as it is entered); crds: adds their field specs */
int  kz_select_openapi(kctx *c, const char *dir, const char *kpath, const json_t *k);
int  kz_load_crds(kctx *c, const char *dir, const char *kpath, const json_t *k);
/* kustomize_replace.c */
int  kz_run_replacements(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s);

#endif
