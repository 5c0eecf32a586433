/* common/util/semver.c - versions and Masterminds-style constraints. */
#include "util/semver.h"

#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A version with wildcards: parts absent or written x, X or a star are -1. */
typedef struct partial {
	long part[3];
	char pre[64];
	int n;          /* parts given */
} partial;

static int parse_partial(partial *p, const char *s, size_t len)
{
	char buf[128], *tok, *save = NULL, *dash, *plus;

	memset(p, 0, sizeof(*p));
	p->part[0] = p->part[1] = p->part[2] = -1;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	tok = buf;
	if (*tok == 'v' || *tok == 'V')
		tok++;
	if ((plus = strchr(tok, '+')) != NULL)
		*plus = '\0';
	if ((dash = strchr(tok, '-')) != NULL) {
		*dash = '\0';
		if (dash[1] == '\0' || strlen(dash + 1) >= sizeof(p->pre))
			return -1;
		snprintf(p->pre, sizeof(p->pre), "%s", dash + 1);
	}
	for (char *t = strtok_r(tok, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		if (p->n == 3)
			return -1;
		if (strcmp(t, "x") == 0 || strcmp(t, "X") == 0 || strcmp(t, "*") == 0) {
			p->part[p->n++] = -1;
			continue;
		}
		for (const char *c = t; *c; c++)
			if (!isdigit((unsigned char)*c))
				return -1;
		if (strlen(t) > 9)
			return -1;
		p->part[p->n++] = strtol(t, NULL, 10);
	}
	if (p->n == 0)
		return -1;
	/* nothing concrete after a wildcard */
	for (int i = 1; i < p->n; i++)
		if (p->part[i - 1] < 0 && p->part[i] >= 0)
			return -1;
	return 0;
}

int cf_semver_parse(cf_semver *out, const char *text)
{
	partial p;

	if (parse_partial(&p, text, strlen(text)) < 0)
		return cf_err_set(CF_EINVAL, "\"%s\" is not a semantic version", text);
	for (int i = 0; i < p.n; i++)
		if (p.part[i] < 0)
			return cf_err_set(CF_EINVAL, "\"%s\" is not a semantic version", text);
	out->major = p.part[0];
	out->minor = p.part[1] < 0 ? 0 : p.part[1];
	out->patch = p.part[2] < 0 ? 0 : p.part[2];
	snprintf(out->pre, sizeof(out->pre), "%s", p.pre);
	return 0;
}

static int is_numeric(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int compare_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return !*a && !*b ? 0 : (!*a ? 1 : -1);   /* no pre-release ranks higher */
	while (*a && *b) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		int da = is_numeric(a, na), db = is_numeric(b, nb), c;

		if (da && db) {
			long x = strtol(a, NULL, 10), y = strtol(b, NULL, 10);
			c = x < y ? -1 : x > y;
		} else if (da != db) {
			c = da ? -1 : 1;
		} else {
			c = strncmp(a, b, na < nb ? na : nb);
			if (c == 0)
				c = na < nb ? -1 : na > nb;
		}
		if (c)
			return c;
		a += na + (a[na] == '.');
		b += nb + (b[nb] == '.');
	}
	return *a ? 1 : *b ? -1 : 0;
}

int cf_semver_compare(const cf_semver *a, const cf_semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return compare_pre(a->pre, b->pre);
}

static cf_semver floor_of(const partial *p)
{
	cf_semver v = { p->part[0] < 0 ? 0 : p->part[0], p->part[1] < 0 ? 0 : p->part[1],
			p->part[2] < 0 ? 0 : p->part[2], "" };
	snprintf(v.pre, sizeof(v.pre), "%s", p->pre);
	return v;
}

/* The first version above everything the partial covers ("1.2" -> 1.3.0). */
static cf_semver ceiling_of(const partial *p)
{
	cf_semver v = floor_of(p);
	int wild = p->part[1] < 0 ? 1 : p->part[2] < 0 ? 2 : 3;

	v.pre[0] = '\0';
	if (wild == 1) {
		v.major++; v.minor = 0; v.patch = 0;
	} else if (wild == 2) {
		v.minor++; v.patch = 0;
	} else {
		v.patch++;
	}
	return v;
}

static int is_wild(const partial *p)
{
	return p->part[0] < 0 || p->part[1] < 0 || p->part[2] < 0;
}

/* One comparator term ("~1.2", ">=1.0", "1.x"); returns 1/0, or -1 on a parse error. */
static int match_term(const char *t, size_t len, const cf_semver *v, int *names_pre)
{
	char op[3] = "";
	size_t o = 0;
	partial p;
	cf_semver lo, hi;
	int c;

	while (o < len && o < 2 && strchr("<>=!~^", t[o]))
		o++;
	memcpy(op, t, o);
	op[o] = '\0';
	if (parse_partial(&p, t + o, len - o) < 0)
		return -1;
	if (p.pre[0])
		*names_pre = 1;
	if (p.part[0] < 0)   /* "*", "x": anything */
		return strcmp(op, "<") != 0 && strcmp(op, "!=") != 0 && strcmp(op, ">") != 0;
	lo = floor_of(&p);
	hi = ceiling_of(&p);
	if (strcmp(op, "~") == 0 || strcmp(op, "~>") == 0) {
		if (p.n >= 2) {   /* ~1.2.3 and ~1.2: the minor is fixed */
			partial q = p;
			q.part[2] = -1;
			hi = ceiling_of(&q);
		}
		return cf_semver_compare(v, &lo) >= 0 && cf_semver_compare(v, &hi) < 0;
	}
	if (strcmp(op, "^") == 0) {
		partial q = p;
		if (lo.major > 0 || p.n == 1)
			q.part[1] = q.part[2] = -1;
		else if (lo.minor > 0 || p.n == 2)
			q.part[2] = -1;
		hi = ceiling_of(&q);
		return cf_semver_compare(v, &lo) >= 0 && cf_semver_compare(v, &hi) < 0;
	}
	if (o == 0 || strcmp(op, "=") == 0) {
		if (is_wild(&p) || p.n < 3)
			return cf_semver_compare(v, &lo) >= 0 && cf_semver_compare(v, &hi) < 0;
		return cf_semver_compare(v, &lo) == 0;
	}
	if (strcmp(op, "!=") == 0) {
		if (is_wild(&p) || p.n < 3)
			return cf_semver_compare(v, &lo) < 0 || cf_semver_compare(v, &hi) >= 0;
		return cf_semver_compare(v, &lo) != 0;
	}
	c = cf_semver_compare(v, &lo);
	if (strcmp(op, ">=") == 0 || strcmp(op, "=>") == 0)
		return c >= 0;
	if (strcmp(op, "<") == 0)
		return c < 0;
	if (strcmp(op, ">") == 0)
		return (is_wild(&p) || p.n < 3) ? cf_semver_compare(v, &hi) >= 0 : c > 0;
	if (strcmp(op, "<=") == 0 || strcmp(op, "=<") == 0)
		return (is_wild(&p) || p.n < 3) ? cf_semver_compare(v, &hi) < 0 : c <= 0;
	return -1;
}

/* One AND group: terms separated by spaces or commas; "A - B" is a range. */
static int match_group(const char *g, size_t len, const cf_semver *v, int *names_pre)
{
	const char *p = g, *end = g + len;
	int all = 1, any_term = 0;

	while (p < end) {
		const char *t, *te;
		int r;

		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end)
			break;
		t = p;
		while (p < end && *p != ' ' && *p != ',')
			p++;
		te = p;
		/* operators written apart from their version: ">= 1.2" */
		if (te - t <= 2 && strchr("<>=!~^", *t)) {
			while (p < end && *p == ' ')
				p++;
			while (p < end && *p != ' ' && *p != ',')
				p++;
			char joined[160];
			size_t n = 0;
			for (const char *c = t; c < p && n < sizeof(joined) - 1; c++)
				if (*c != ' ')
					joined[n++] = *c;
			r = match_term(joined, n, v, names_pre);
		} else {
			/* a hyphen range "A - B" */
			const char *q = p;
			while (q < end && *q == ' ')
				q++;
			if (q + 1 < end && q[0] == '-' && q[1] == ' ') {
				const char *b = q + 2, *be;
				char lo[160], hi[160];
				while (b < end && *b == ' ')
					b++;
				be = b;
				while (be < end && *be != ' ' && *be != ',')
					be++;
				snprintf(lo, sizeof(lo), ">=%.*s", (int)(te - t), t);
				snprintf(hi, sizeof(hi), "<=%.*s", (int)(be - b), b);
				r = match_term(lo, strlen(lo), v, names_pre);
				if (r >= 0) {
					int r2 = match_term(hi, strlen(hi), v, names_pre);
					r = r2 < 0 ? -1 : r && r2;
				}
				p = be;
			} else {
				r = match_term(t, (size_t)(te - t), v, names_pre);
			}
		}
		if (r < 0)
			return -1;
		any_term = 1;
		all = all && r;
	}
	return any_term ? all : -1;
}

int cf_semver_match(const char *constraint, const cf_semver *v)
{
	const char *p = constraint;
	int any = 0, names_pre = 0;

	for (;;) {
		const char *bar = strstr(p, "||");
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		int r = match_group(p, len, v, &names_pre);

		if (r < 0)
			return cf_err_set(CF_EINVAL, "semver constraint \"%s\" cannot be parsed", constraint);
		any = any || r;
		if (!bar)
			break;
		p = bar + 2;
	}
	if (any && v->pre[0] && !names_pre)
		return 0;   /* pre-releases only when the constraint asks for them */
	return any;
}
