/* common/util/semver.h - semantic versions and constraints as Flux reads them (Masterminds style):
 * ">=1.2.0 <2.0.0", "1.x", "~1.2", "^1.2.3", "1.2 - 1.4", "a || b", "*". Versions may start
 * with "v" and may be partial ("1.2" is 1.2.0). Pre-releases match only a constraint that
 * names a pre-release. */
#ifndef CF_SEMVER_H
#define CF_SEMVER_H

typedef struct cf_semver {
	long major, minor, patch;
	char pre[64];     /* pre-release identifiers, "" if none (build metadata is dropped) */
} cf_semver;

/* 0 on success, CF_EINVAL if text is not a version. */
int cf_semver_parse(cf_semver *out, const char *text);
/* <0, 0, >0 by semver precedence. */
int cf_semver_compare(const cf_semver *a, const cf_semver *b);
/* 1 if v satisfies the constraint, 0 if not; CF_EINVAL (with a message) if the constraint
 * cannot be parsed. */
int cf_semver_match(const char *constraint, const cf_semver *v);

#endif
