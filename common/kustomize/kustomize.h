/* common/kustomize/kustomize.h - a kustomize build engine with the output of kustomize v5.
 *
 * It reads a tree through a small filesystem interface (a directory on disk, or an in-memory
 * tree from an artifact) and returns the resource stream, ordered as `kustomize build` orders
 * it by default (legacy kind order). Errors name the file and the field, as kustomize does.
 * Remote bases are refused: a GitOps build reads only the artifact. */
#ifndef CF_KUSTOMIZE_H
#define CF_KUSTOMIZE_H

#include <jansson.h>
#include <stdio.h>

#include "source/tree.h"
#include "util/buf.h"

/* Paths given to these are clean and relative to the tree's root ("." is the root). */
typedef struct cf_kfs {
	/* Reads a whole file; CF_ENOTFOUND when there is none. */
	int (*read)(void *ctx, const char *path, cf_buf *out);
	/* 1 for a directory, 0 for a file, CF_ENOTFOUND when nothing is there. */
	int (*stat)(void *ctx, const char *path);
	void *ctx;
	/* Optional (NULL: not listable): the names in a directory, sorted, as a new array. */
	int (*list)(void *ctx, const char *dir, json_t **names);
} cf_kfs;

/* Sorts a list's names (an array of strings) in place, for cf_kfs.list implementations. */
void cf_kfs_sort_names(json_t *names);

/* The disk at root (paths may not leave it). ctx must outlive the cf_kfs. */
void cf_kfs_disk(cf_kfs *fs, const char **root_ctx);
/* An artifact's tree (root "."). t must outlive fs. */
void cf_kfs_tree(cf_kfs *fs, cf_tree *t);

/* Builds the kustomization in dir; *out is a new array of resources. Files a kustomization
 * names must be in or below its directory (kustomize's LoadRestrictionsRootOnly, kubectl's
 * default). */
int cf_kustomize_build(json_t **out, const cf_kfs *fs, const char *dir);
/* How cf_kustomize_build_opts builds. */
enum {
	/* LoadRestrictionsNone: files anywhere in fs (which still confines them to its root) */
	CF_KBUILD_LOAD_ANYWHERE = 1u,
	/* as Flux's controllers and flux build run kustomize (fluxcd/pkg/kustomize): files
	 * anywhere, no reordering (krusty's zero Reorder option: the order of accumulation,
	 * unless the top kustomization has sortOptions), and the built-in openapi schema loaded
	 * before the build, so a custom one is used beside it */
	CF_KBUILD_FLUX = 2u | CF_KBUILD_LOAD_ANYWHERE,
};
int cf_kustomize_build_opts(json_t **out, const cf_kfs *fs, const char *dir, unsigned flags);
/* Where the deprecation warnings go that kustomize writes to stderr for each kustomization it
 * loads ("# Warning: 'commonLabels' is deprecated. ..."); NULL (the default): nowhere. The CLI
 * sets stderr, as kubectl and flux print them; the controllers leave it unset. */
void cf_kustomize_set_warnings(FILE *f);
/* A directory on disk (the disk is the root), with LoadRestrictionsNone when anywhere is set. */
int cf_kustomize_build_dir(json_t **out, const char *dir, int anywhere);

/* The two patch languages, on their own (also used by the kustomize-controller's patches). */
int cf_kustomize_smp(json_t *target, const json_t *patch, const char *what);
int cf_kustomize_json6902(json_t *target, const json_t *ops, const char *what);

/* Whether obj is selected by target as a kustomize patch target selects (group, version;
 * kind, name and namespace as anchored regular expressions; labelSelector, annotationSelector). */
int cf_kustomize_target_match(const json_t *obj, const json_t *target);
/* The value at JSON pointer ptr (RFC 6901) in doc, borrowed; NULL when there is none or ptr
 * is not a pointer. */
json_t *cf_kustomize_pointer_get(json_t *doc, const char *ptr);

#endif
