/* common/source/ignore.c - gitignore patterns and matching. */
#include "source/ignore.h"

#include "util/alloc.h"
#include "util/err.h"

#include <string.h>

typedef struct pattern {
	char *glob;      /* without "!", leading "/" and trailing "/" */
	char *domain;    /* "" or "dir/sub" */
	int negate;
	int dir_only;
	int anchored;    /* had a "/" before its end: matched against the whole relative path */
} pattern;

struct cf_ignore {
	pattern *list;
	size_t n, cap;
	struct cf_ignore *last;   /* weighed after list */
};

/* From Flux's sourceignore package: what no artifact should carry. */
static const char default_patterns[] =
	".git/\n.gitignore\n.gitmodules\n.gitattributes\n"
	"*.jpg\n*.jpeg\n*.gif\n*.png\n*.wmv\n*.flv\n*.tar.gz\n*.zip\n"
	".github/\n.circleci/\n.travis.yml\n.gitlab-ci.yml\nappveyor.yml\n.drone.yml\n"
	"cloudbuild.yaml\ncodeship-services.yml\ncodeship-steps.yml\n"
	"**/.goreleaser.yml\n**/.sops.yaml\n**/.flux.yaml\n";

int cf_ignore_new(cf_ignore **out)
{
	*out = cf_calloc(1, sizeof(cf_ignore));
	return *out ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

void cf_ignore_free(cf_ignore *ig)
{
	if (ig == NULL)
		return;
	for (size_t i = 0; i < ig->n; i++) {
		cf_free(ig->list[i].glob);
		cf_free(ig->list[i].domain);
	}
	cf_free(ig->list);
	cf_ignore_free(ig->last);
	cf_free(ig);
}

int cf_ignore_add_last(cf_ignore *ig, const char *text, size_t len)
{
	if (ig->last == NULL && cf_ignore_new(&ig->last) < 0)
		return CF_ENOMEM;
	return cf_ignore_add(ig->last, text, len, "");
}

static int match_list(const cf_ignore *ig, const char *path, int is_dir);

int cf_ignore_match(const cf_ignore *ig, const char *path, int is_dir)
{
	int r = ig->last ? match_list(ig->last, path, is_dir) : -1;

	if (r < 0)
		r = match_list(ig, path, is_dir);
	return r > 0;
}

static int add_one(cf_ignore *ig, const char *line, size_t len, const char *domain)
{
	pattern p = { 0 };

	/* trailing spaces are dropped unless escaped */
	while (len > 0 && line[len - 1] == ' ' && !(len > 1 && line[len - 2] == '\\'))
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	if (line[0] == '!') {
		p.negate = 1;
		line++;
		len--;
	}
	if (len > 0 && line[len - 1] == '/') {
		p.dir_only = 1;
		len--;
	}
	if (len > 0 && line[0] == '/') {
		p.anchored = 1;
		line++;
		len--;
	}
	if (len == 0)
		return 0;
	if (memchr(line, '/', len))
		p.anchored = 1;
	if (ig->n == ig->cap) {
		size_t cap = ig->cap ? ig->cap * 2 : 32;
		pattern *l = cf_realloc(ig->list, cap * sizeof(*l));
		if (l == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		ig->list = l;
		ig->cap = cap;
	}
	p.glob = cf_strndup(line, len);
	p.domain = cf_strdup(domain ? domain : "");
	if (p.glob == NULL || p.domain == NULL) {
		cf_free(p.glob);
		cf_free(p.domain);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	ig->list[ig->n++] = p;
	return 0;
}

int cf_ignore_add(cf_ignore *ig, const char *text, size_t len, const char *domain)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int rc;

		if (l > 0 && p[l - 1] == '\r')
			l--;
		if ((rc = add_one(ig, p, l, domain)) < 0)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int cf_ignore_add_defaults(cf_ignore *ig)
{
	return cf_ignore_add(ig, default_patterns, sizeof(default_patterns) - 1, "");
}

static int class_match(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	if (*p == ']') {   /* a leading ] is literal */
		hit = c == ']';
		p++;
	}
	for (; *p && *p != ']'; p++) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if (c >= p[0] && c <= p[2])
				hit = 1;
			p += 2;
		} else if (*p == c) {
			hit = 1;
		}
	}
	if (*p != ']')
		return -1;   /* unterminated: the caller treats '[' as a literal */
	*pp = p + 1;
	return hit != neg;
}

int cf_ignore_glob(const char *p, const char *s)
{
	for (;;) {
		if (*p == '\0')
			return *s == '\0';
		if (p[0] == '*' && p[1] == '*' && (p[2] == '/' || p[2] == '\0')) {
			const char *rest = p[2] ? p + 3 : p + 2;
			if (*rest == '\0')
				return 1;   /* trailing "**": everything below */
			/* "**" followed by "/": zero or more whole segments */
			for (const char *t = s;; t++) {
				if ((t == s || t[-1] == '/') && cf_ignore_glob(rest, t))
					return 1;
				if (*t == '\0')
					return 0;
			}
		}
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (const char *t = s;; t++) {
				if (cf_ignore_glob(p, t))
					return 1;
				if (*t == '\0' || *t == '/')
					return 0;
			}
		}
		if (*s == '\0')
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
		} else if (*p == '[') {
			const char *q = p;
			int r = *s == '/' ? 0 : class_match(&q, *s);
			if (r == 0)
				return 0;
			if (r > 0) {
				p = q;
				s++;
				continue;
			}
			if (*s != '[')
				return 0;
		} else {
			if (*p == '\\' && p[1])
				p++;
			if (*p != *s)
				return 0;
		}
		p++;
		s++;
	}
}

/* 1 excluded, 0 re-included, -1 no pattern matched */
static int match_list(const cf_ignore *ig, const char *path, int is_dir)
{
	for (size_t i = ig->n; i-- > 0;) {
		const pattern *p = &ig->list[i];
		const char *rel = path, *base;
		size_t dl = strlen(p->domain);

		if (p->dir_only && !is_dir)
			continue;
		if (dl) {
			if (strncmp(path, p->domain, dl) != 0 || path[dl] != '/')
				continue;
			rel = path + dl + 1;
		}
		base = strrchr(rel, '/');
		base = base ? base + 1 : rel;
		if (cf_ignore_glob(p->glob, p->anchored ? rel : base))
			return !p->negate;
	}
	return -1;
}
