/* image-automation-controller/policy.h - an ImagePolicy's choice, as Flux's
 * image-reflector-controller makes it (pure; table-tested in tests/unit/test_policy.c):
 *
 *   tags ─ filterTags.pattern (matches anywhere) ─ extract ($name of its groups, else the tag)
 *        ─ semver {range}: the highest tag that is a version (strict, "v" allowed) in range
 *        ─ alphabetical {order}: asc the last in byte order, desc the first
 *        ─ numerical {order}: every tag a number; asc the largest, desc the smallest
 *        ─ the tag the chosen value came from */
#ifndef IAC_POLICY_H
#define IAC_POLICY_H

#include "imgregex.h"

#include <jansson.h>
#include <stddef.h>

typedef enum iac_policy_kind { IAC_POLICY_SEMVER, IAC_POLICY_ALPHABETICAL, IAC_POLICY_NUMERICAL } iac_policy_kind;

typedef struct iac_policy {
	iac_policy_kind kind;
	char range[512];          /* semver */
	int desc;                 /* alphabetical, numerical: order desc */
	int has_filter;
	iac_regex filter;         /* filterTags.pattern */
	char extract[512];        /* filterTags.extract, "" for the tag itself */
} iac_policy;

/* Reads spec.policy and spec.filterTags: CF_EINVAL naming the field (spec.policy.semver.range,
 * spec.filterTags.pattern, ...) when the spec cannot work. iac_policy_free after, also on failure. */
int  iac_policy_parse(iac_policy *p, const json_t *spec);
void iac_policy_free(iac_policy *p);

/* The latest of tags (strings) into tag. CF_ENOTFOUND with Flux's message when nothing is
 * chosen (no tag left after the filter, none in range), CF_EINVAL for a tag that numerical
 * cannot read. */
int  iac_policy_latest(char *tag, size_t size, const iac_policy *p, const json_t *tags);

#endif
