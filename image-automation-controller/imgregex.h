/* image-automation-controller/imgregex.h - Go (RE2) regular expressions as Flux's users write
 * them, run on POSIX extended regular expressions: the pattern is translated first.
 *
 *   (?P<name>x) (?<name>x)  a group with a name (for $name in an extract template)
 *   (?:x)                   a group without a number
 *   (?i) at the start       case-insensitive
 *   \d \D \w \W \s \S       [0-9] and the others, also inside brackets
 *   \A \z                   ^ $
 *   \. \- \\ ...            the punctuation itself, also inside brackets
 *
 * Refused (CF_EINVAL naming the construct): lazy quantifiers (x*? x+? x?? x{n}?), other
 * flags, \b \B, \p classes, backreferences. POSIX picks the leftmost-longest match where Go
 * picks the leftmost-first: the same tags match; only a pattern whose groups can split a tag
 * two ways may extract differently. */
#ifndef IAC_IMGREGEX_H
#define IAC_IMGREGEX_H

#include "util/buf.h"

#include <regex.h>
#include <stddef.h>

#define IAC_REGEX_PATTERN_MAX 4096
#define IAC_REGEX_GROUPS_MAX  32

typedef struct iac_regex {
	regex_t re;
	int compiled;
	size_t ngroups;                          /* Go's capturing groups */
	int posix_of[IAC_REGEX_GROUPS_MAX + 1];  /* Go group i -> POSIX group number */
	char names[IAC_REGEX_GROUPS_MAX + 1][64]; /* Go group i's name, "" without */
} iac_regex;

/* Translates pattern (the text of field, for messages) into out (reset first) and records the
 * groups in re (not compiled). Pure; fuzzed. */
int iac_regex_translate(cf_buf *out, iac_regex *re, const char *pattern, int *icase);
/* Translates and compiles: CF_EINVAL "<field> '<pattern>': <why>". iac_regex_free after. */
int iac_regex_compile(iac_regex *re, const char *pattern, const char *field);
void iac_regex_free(iac_regex *re);

/* 1 when subject matches anywhere (groups into m, IAC_REGEX_GROUPS_MAX + 1 slots), 0 if not. */
int iac_regex_match(const iac_regex *re, const char *subject, regmatch_t *m);
/* Go's Regexp.ExpandString of template for a match m of subject into out (reset first):
 * $name, ${name}, $1, $$; a name that is no group (or did not take part) is empty; a '$' that
 * starts no name is itself. CF_ETOOBIG past out's cap. */
int iac_regex_expand(cf_buf *out, const iac_regex *re, const char *tmpl, const char *subject, const regmatch_t *m);

#endif
