/* kustomize-controller/trees.h - artifacts unpacked once and shared by the Kustomizations that
 * build from the same one: the consumers of a new revision (a fleet's converge, a commit to a
 * monorepo) take one fetched, checked and unpacked tree instead of fetching, checking and
 * unpacking the same archive each. A tree is kept while a reconcile holds it, and while more
 * work is due when the last holder gives it back; once nothing is due, what nobody holds is
 * freed (an idle controller keeps no tree). Kept trees nobody holds are bounded in count and
 * bytes, the least recently used going first. A digest names the archive's bytes, so a kept tree
 * is the artifact of every source status that names that digest. Thread-safe; holders only read
 * a tree (source/tree.h is read-only once unpacked). */
#ifndef KS_TREES_H
#define KS_TREES_H

#include "source/tree.h"

#include <stddef.h>

typedef struct ks_trees ks_trees;

/* max_idle_bytes: the most unpacked bytes (cf_tree_bytes) kept for trees nobody holds. */
int  ks_trees_new(ks_trees **out, size_t max_idle_bytes);
/* Safe on NULL; every tree given back first. */
void ks_trees_free(ks_trees *c);
/* The tree of digest, held (ks_trees_release gives it back), or NULL when none is kept. */
cf_tree *ks_trees_get(ks_trees *c, const char *digest);
/* t (just unpacked from the artifact of digest; taken) kept and held. Returns the tree to use:
 * t, or the one of digest another reconcile added meanwhile (t is then freed). When t cannot
 * be kept (no memory), t itself is returned, held alone: its release frees it. */
cf_tree *ks_trees_add(ks_trees *c, const char *digest, cf_tree *t);
/* Gives back a tree from ks_trees_get or ks_trees_add (NULL: nothing). more_due: whether more
 * work is due now (the queue's due keys); without it, the trees nobody holds are freed. */
void ks_trees_release(ks_trees *c, cf_tree *t, int more_due);
/* c NULL keeps nothing: get finds nothing, add returns t, release frees. Trees kept (held or
 * not). */
size_t ks_trees_len(ks_trees *c);

#endif
