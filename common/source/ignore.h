/* common/source/ignore.h - .gitignore-style path exclusion, as Flux's sourceignore applies it:
 * Flux's default exclusions first, then .sourceignore files (each for its own directory),
 * then spec.ignore; the last pattern that matches decides, and "!" re-includes. */
#ifndef CF_IGNORE_H
#define CF_IGNORE_H

#include <stddef.h>

typedef struct cf_ignore cf_ignore;

int  cf_ignore_new(cf_ignore **out);
/* Flux's defaults: VCS files (.git/, .gitignore, ...), CI configs, images and archives. */
int  cf_ignore_add_defaults(cf_ignore *ig);
/* Adds the patterns of text (gitignore syntax); domain is the directory they apply to,
 * relative to the root ("" for the root). */
int  cf_ignore_add(cf_ignore *ig, const char *text, size_t len, const char *domain);
/* Adds patterns that are weighed after every other, whenever those were added (spec.ignore
 * comes after the .sourceignore files a walk meets). */
int  cf_ignore_add_last(cf_ignore *ig, const char *text, size_t len);
/* 1 if path (relative, "a/b/c") is excluded, else 0. A walker skips excluded directories
 * whole, so that nothing below them comes back. */
int  cf_ignore_match(const cf_ignore *ig, const char *path, int is_dir);
/* Safe on NULL. */
void cf_ignore_free(cf_ignore *ig);

/* Glob with gitignore rules: '*' and '?' stay within a path segment, "**" spans segments,
 * [a-z] classes, backslash escapes. 1 on a match. */
int  cf_ignore_glob(const char *pattern, const char *path);

#endif
