/* image-automation-controller/tagstore.h - the tags of one ImageRepository on disk, compactly:
 *
 *   cflux-tags 1 <count>\n
 *   <tag>\n ... (sorted, byte order; each a valid OCI tag)
 *
 * one file a repository, <storage>/imagerepository/<ns>/<name>/tags, replaced atomically. A tag
 * is at most 128 bytes, so a store of n tags is under 130 * n bytes; n is capped by the caller. */
#ifndef IAC_TAGSTORE_H
#define IAC_TAGSTORE_H

#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>

#define IAC_TAGS_MAGIC   "cflux-tags 1 "
#define IAC_TAG_LEN_MAX  128

/* The store's path for ImageRepository ns/name under storage (the directory is its parent).
 * CF_EINVAL when it does not fit. */
int iac_tags_path(char *dir, size_t dir_size, char *file, size_t file_size, const char *storage,
		  const char *ns, const char *name);

/* The file's bytes for tags (an array of strings, sorted and deduplicated here, not in place)
 * into out (reset first). CF_EINVAL naming the tag when one is not a valid tag, CF_ETOOBIG past
 * max_tags. */
int iac_tags_encode(cf_buf *out, const json_t *tags, size_t max_tags);
/* The tags of a store's bytes: a new sorted array in *tags (NULL on failure). CF_EINVAL with what
 * is wrong (header, count, an invalid tag, order, a missing newline), CF_ETOOBIG past max_tags. */
int iac_tags_parse(json_t **tags, const char *data, size_t len, size_t max_tags);

/* Reads the store at file: CF_ENOTFOUND when there is none (never scanned). */
int iac_tags_load(json_t **tags, const char *file, size_t max_tags);
/* Writes tags to dir/tags when they differ from what is there; *changed says whether it wrote. */
int iac_tags_store(int *changed, const char *dir, const char *file, const json_t *tags, size_t max_tags);

#endif
