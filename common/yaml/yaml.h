/* common/yaml/yaml.h - YAML streams <-> jansson trees, read the way kubectl reads them.
 *
 * Scalars resolve as YAML 1.1 does in go-yaml v2 (kubectl's reader): yes/no/on/off/y/n are
 * booleans, 0123 is octal, 1e3 is a number, ~ is null, quoted scalars are strings. Key order
 * is kept. Anchors, aliases and merge keys (<<) work; alias expansion has a cap. */
#ifndef CF_YAML_H
#define CF_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* Caps on what one parse may produce, against alias bombs and runaway input. */
#define CF_YAML_MAX_NODES (4u * 1024u * 1024u)
#define CF_YAML_MAX_DEPTH 512u

/* The string at key k of object o (borrowed from o), or NULL when o is not an object or k is
 * missing or not a string: reading a field of a decoded object. */
const char *cf_json_str(const json_t *o, const char *k);

/* Merges object src into object dst as Helm merges values files (and Flux its valuesFrom):
 * where both hold an object the two merge, key by key; anything else in src replaces what dst
 * had (lists are not merged). src is copied, not taken. CF_ENOMEM, or CF_EINVAL when either is
 * not an object. */
int cf_json_merge_deep(json_t *dst, const json_t *src);

/* Parses every document of a stream into a new JSON array (*out, caller decrefs). Documents
 * that are empty or null are skipped, as kubectl skips them. name appears in error messages
 * ("name:line:column: ..."). On failure *out is NULL and nothing is allocated. */
int cf_yaml_load_all(json_t **out, const char *data, size_t len, const char *name);
/* As cf_yaml_load_all, read as kustomize's kyaml reads resources and patches: YAML 1.2's
 * booleans only (true/false in their three spellings), so y, yes, on, off and the like are
 * strings (written back quoted). */
int cf_yaml_load_all_kyaml(json_t **out, const char *data, size_t len, const char *name);
/* As cf_yaml_load_all, and *lines (if not NULL) gets a new array of the 1-based line where
 * each kept document starts, in the same order. */
int cf_yaml_load_all_lines(json_t **out, json_t **lines, const char *data, size_t len,
			   const char *name);
/* Exactly one document: an empty stream gives JSON null; more than one document is an error. */
int cf_yaml_load(json_t **out, const char *data, size_t len, const char *name);
/* As cf_yaml_load, but a key given twice in one mapping keeps its last value, as Go's YAML
 * decoding into a struct does (kubectl reading a kustomization.yaml). */
int cf_yaml_load_last_key_wins(json_t **out, const char *data, size_t len, const char *name);
/* Reads a file (at most max bytes) and parses all its documents; errors name the path. */
int cf_yaml_load_file(json_t **out, const char *path, size_t max);

/* Resolves a plain (unquoted, untagged) scalar as kubectl would. Returns a new reference, or
 * NULL with an error recorded (.inf and .nan have no JSON form). */
json_t *cf_yaml_resolve_plain(const char *s, size_t len);

/* Appends one document as block-style YAML to out. Strings that would read back as anything
 * else are quoted, so the output round-trips and kubectl reads the same values. */
int cf_yaml_dump(cf_buf *out, const json_t *doc);
/* As cf_yaml_dump, but quoting as Go's YAML (go-yaml v2, what sigs.k8s.io/yaml.Marshal uses)
 * does: also strings it would read as timestamps ("2024-01-02T03:04:05Z"). */
int cf_yaml_dump_go(cf_buf *out, const json_t *doc);
/* Appends every element of the array docs as a document, separated by "---". */
int cf_yaml_dump_all(cf_buf *out, const json_t *docs);

#endif
