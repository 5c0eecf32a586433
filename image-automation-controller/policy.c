/* image-automation-controller/policy.c - the ImagePolicy choice (policy.h). */
#include "policy.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/semver.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int order_of(int *desc, const json_t *choice, const char *field)
{
	const char *o = cf_json_str(choice, "order");

	*desc = 0;
	if (o == NULL || *o == '\0' || strcasecmp(o, "asc") == 0)
		return 0;
	if (strcasecmp(o, "desc") == 0)
		return *desc = 1, 0;
	return cf_err_set(CF_EINVAL, "%s '%.64s' is not asc or desc", field, o);
}

int iac_policy_parse(iac_policy *p, const json_t *spec)
{
	const json_t *pol = json_object_get(spec, "policy"), *ft = json_object_get(spec, "filterTags");
	const json_t *sv = json_object_get(pol, "semver"), *al = json_object_get(pol, "alphabetical");
	const json_t *nu = json_object_get(pol, "numerical");
	const char *pattern = cf_json_str(ft, "pattern"), *extract = cf_json_str(ft, "extract");
	int rc;

	memset(p, 0, sizeof(*p));
	if ((sv != NULL) + (al != NULL) + (nu != NULL) != 1)
		return cf_err_set(CF_EINVAL, "spec.policy must set exactly one of semver, alphabetical and numerical");
	if (sv) {
		const char *range = cf_json_str(sv, "range");
		p->kind = IAC_POLICY_SEMVER;
		if (range == NULL || *range == '\0')
			return cf_err_set(CF_EINVAL, "spec.policy.semver.range is required");
		if (strlen(range) >= sizeof(p->range))
			return cf_err_set(CF_EINVAL, "spec.policy.semver.range is too long");
		snprintf(p->range, sizeof(p->range), "%s", range);
		if (cf_semver_match(range, &(cf_semver){ 0, 0, 0, "" }) < 0)
			return cf_err_prefix("spec.policy.semver.range '%.200s'", range);
	} else if (al) {
		p->kind = IAC_POLICY_ALPHABETICAL;
		if ((rc = order_of(&p->desc, al, "spec.policy.alphabetical.order")) < 0)
			return rc;
	} else {
		p->kind = IAC_POLICY_NUMERICAL;
		if ((rc = order_of(&p->desc, nu, "spec.policy.numerical.order")) < 0)
			return rc;
	}
	if (extract && strlen(extract) >= sizeof(p->extract))
		return cf_err_set(CF_EINVAL, "spec.filterTags.extract is too long");
	snprintf(p->extract, sizeof(p->extract), "%s", extract ? extract : "");
	if (pattern && *pattern) {
		if ((rc = iac_regex_compile(&p->filter, pattern, "spec.filterTags.pattern")) < 0)
			return rc;
		p->has_filter = 1;
	}
	return 0;
}

void iac_policy_free(iac_policy *p)
{
	if (p && p->has_filter) {
		iac_regex_free(&p->filter);
		p->has_filter = 0;
	}
}

/* Flux's version.ParseVersion: semver's strict form, with an optional leading "v" */
static int strict_version(cf_semver *v, const char *s)
{
	const char *q = s[0] == 'v' ? s + 1 : s;
	int parts = 0;

	for (;;) {
		const char *start = q;
		while (isdigit((unsigned char)*q))
			q++;
		if (q == start || (*start == '0' && q - start > 1))
			return -1;
		parts++;
		if (parts == 3 || *q != '.')
			break;
		q++;
	}
	if (parts != 3 || (*q != '\0' && *q != '-' && *q != '+'))
		return -1;
	return cf_semver_parse(v, s);
}

/* Go's strconv.ParseFloat, near enough: the whole string a number */
static int parse_number(double *out, const char *s)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && errno != ERANGE ? 0 : -1;
}

/* one candidate: the value the policy compares and the tag it came from */
typedef struct cand { const char *value, *tag; } cand;

static int latest_value(size_t *best, const iac_policy *p, const cand *c, size_t n)
{
	cf_semver bv = { 0, 0, 0, "" }, v;
	double bn = 0, x;
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		int better;
		switch (p->kind) {
		case IAC_POLICY_SEMVER:
			if (strict_version(&v, c[i].value) < 0 || cf_semver_match(p->range, &v) != 1)
				continue;
			better = !found || cf_semver_compare(&v, &bv) > 0;
			if (better)
				bv = v;
			break;
		case IAC_POLICY_ALPHABETICAL:
			better = !found || (p->desc ? strcmp(c[i].value, c[*best].value) < 0 : strcmp(c[i].value, c[*best].value) > 0);
			break;
		default:
			if (parse_number(&x, c[i].value) < 0)
				return cf_err_set(CF_EINVAL, "failed to parse invalid numeric value '%.130s'", c[i].value);
			better = !found || (p->desc ? x < bn : x > bn) || (x == bn && strcmp(c[i].value, c[*best].value) > 0);
			if (better)
				bn = x;
			break;
		}
		if (better) {
			*best = i;
			found = 1;
		}
	}
	if (!found)
		return cf_err_set(CF_ENOTFOUND, "unable to determine latest version from provided list (semver range '%.200s')", p->range);
	return 0;
}

int iac_policy_latest(char *tag, size_t size, const iac_policy *p, const json_t *tags)
{
	size_t n = json_array_size(tags), kept = 0, best = 0, i;
	cf_buf ex = CF_BUF_INIT(4096);
	regmatch_t m[IAC_REGEX_GROUPS_MAX + 1];
	json_t *values = NULL;
	cand *c = NULL;
	int rc = 0;

	if ((c = cf_calloc(n ? n : 1, sizeof(*c))) == NULL || (values = json_object()) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		if (t == NULL || (p->has_filter && !iac_regex_match(&p->filter, t, m)))
			continue;
		if (p->has_filter && p->extract[0]) {
			/* as Flux: the extracted values are a map to their tags; the last tag wins */
			if ((rc = iac_regex_expand(&ex, &p->filter, p->extract, t, m)) < 0)
				goto out;
			if (json_object_set_new(values, ex.data ? ex.data : "", json_string(t)) < 0) {
				rc = cf_err_set(CF_ENOMEM, "out of memory");
				goto out;
			}
			continue;
		}
		c[kept].value = c[kept].tag = t;
		kept++;
	}
	if (p->has_filter && p->extract[0]) {
		const char *k;
		json_t *v;
		json_object_foreach(values, k, v) {
			c[kept].value = k;
			c[kept].tag = json_string_value(v);
			kept++;
		}
	}
	if (kept == 0) {
		rc = cf_err_set(CF_ENOTFOUND, "version list argument cannot be empty (no tag %s)",
				p->has_filter ? "matches spec.filterTags.pattern" : "in the repository");
		goto out;
	}
	if ((rc = latest_value(&best, p, c, kept)) < 0)
		goto out;
	if (strlen(c[best].tag) >= size) {
		rc = cf_err_set(CF_ETOOBIG, "tag too long");
		goto out;
	}
	snprintf(tag, size, "%s", c[best].tag);
out:
	cf_free(c);
	json_decref(values);
	cf_buf_free(&ex);
	return rc;
}
