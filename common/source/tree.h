/* common/source/tree.h - an artifact unpacked in memory (cf_kfs_tree in kustomize/ builds from it).
 * Unpacking refuses absolute paths, "..", links that leave the tree, entry types other than
 * files, directories and symlinks, bad checksums, and archives over their caps. */
#ifndef CF_TREE_H
#define CF_TREE_H

#include <jansson.h>
#include <stddef.h>

typedef struct cf_tree cf_tree;

/* Unpacks a tar.gz held in memory; max_bytes caps the unpacked size, max_files the entries.
 * Errors name the entry. On failure *out is NULL. */
int  cf_tree_unpack(cf_tree **out, const void *data, size_t len, size_t max_bytes, size_t max_files);
/* Safe on NULL. */
void cf_tree_free(cf_tree *t);
size_t cf_tree_files(const cf_tree *t);
/* The unpacked archive's size in bytes (what the tree holds, near enough). */
size_t cf_tree_bytes(const cf_tree *t);
/* The bytes of a file (symlinks inside the tree are followed), or NULL. They are a slice of the
 * unpacked archive, valid while t lives, and not NUL-terminated. */
const unsigned char *cf_tree_get(const cf_tree *t, const char *path, size_t *len);
/* 1 if path is a directory of the tree ("." is its root), else 0. */
int  cf_tree_is_dir(const cf_tree *t, const char *path);
/* The names of the files, links and directories directly in dir ("." the root), in no
 * particular order, as a new array in *names (NULL on failure). */
int  cf_tree_list(const cf_tree *t, const char *dir, json_t **names);

#endif
