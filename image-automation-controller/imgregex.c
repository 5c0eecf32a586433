/* image-automation-controller/imgregex.c - RE2 patterns on POSIX regex (imgregex.h). */
#include "imgregex.h"

#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct tr {
	cf_buf *out;
	iac_regex *re;
	const char *p;            /* the next byte of the pattern */
	size_t posix_groups;
	const char *why;          /* what was refused */
} tr;

static int put(tr *t, const char *s)
{
	return cf_buf_puts(t->out, s) < 0 ? -1 : 0;
}

/* the class an escape letter names, for outside (bracketed) and inside a bracket */
static const struct { char letter; const char *outside, *inside; } CLASSES[] = {
	{ 'd', "[0-9]", "0-9" },
	{ 'D', "[^0-9]", NULL },
	{ 'w', "[[:alnum:]_]", "[:alnum:]_" },
	{ 'W', "[^[:alnum:]_]", NULL },
	{ 's', "[[:space:]]", "[:space:]" },
	{ 'S', "[^[:space:]]", NULL },
};

static int class_of(char c, int inside, const char **text)
{
	for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++)
		if (CLASSES[i].letter == c) {
			*text = inside ? CLASSES[i].inside : CLASSES[i].outside;
			return 1;
		}
	return 0;
}

/* a bracket expression from just after '[': POSIX has no escapes inside one, so a literal ']',
 * '^' and '-' are placed where they mean themselves */
static int bracket(tr *t)
{
	char body[IAC_REGEX_PATTERN_MAX + 64];
	size_t n = 0;
	int neg = 0, rbracket = 0, caret = 0, dash = 0;
	const char *cls;

	if (*t->p == '^')
		neg = 1, t->p++;
	if (*t->p == ']')
		rbracket = 1, t->p++;
	while (*t->p && *t->p != ']') {
		const char *add = NULL;
		char one[2] = { *t->p, 0 };
		int escaped = 0;
		if (t->p[0] == '[' && t->p[1] == ':') {
			const char *end = strstr(t->p + 2, ":]");
			if (end == NULL)
				return t->why = "an unclosed [: class", -1;
			if ((size_t)(end + 2 - t->p) + n >= sizeof(body))
				return t->why = "a bracket too long", -1;
			memcpy(body + n, t->p, (size_t)(end + 2 - t->p));
			n += (size_t)(end + 2 - t->p);
			t->p = end + 2;
			continue;
		}
		if (*t->p == '\\') {
			t->p++;
			escaped = 1;
			if (*t->p == '\0')
				return t->why = "a trailing backslash", -1;
			if (class_of(*t->p, 1, &cls)) {
				if (cls == NULL)
					return t->why = "a negated class (\\D \\W \\S) inside brackets", -1;
				add = cls;
			} else if (ispunct((unsigned char)*t->p)) {
				one[0] = *t->p;
			} else {
				return t->why = "an escape inside brackets other than \\d \\w \\s or punctuation", -1;
			}
		}
		if (add == NULL && one[0] == ']')
			rbracket = 1;
		else if (add == NULL && one[0] == '^' && escaped)
			caret = 1;
		else if (add == NULL && one[0] == '-' && escaped)
			dash = 1;
		else {
			const char *s = add ? add : one;
			if (n + strlen(s) >= sizeof(body))
				return t->why = "a bracket too long", -1;
			memcpy(body + n, s, strlen(s));
			n += strlen(s);
		}
		t->p++;
	}
	if (*t->p != ']')
		return t->why = "an unclosed bracket", -1;
	t->p++;
	body[n] = '\0';
	if (n == 0 && !rbracket && !dash && caret && !neg)
		return put(t, "\\^");
	if (put(t, neg ? "[^" : "[") < 0 || (rbracket && put(t, "]") < 0) || put(t, body) < 0 ||
	    (caret && put(t, "^") < 0) || (dash && put(t, "-") < 0) || put(t, "]") < 0)
		return -1;
	return 0;
}

/* a group opening, t->p just after '(' */
static int group(tr *t)
{
	iac_regex *re = t->re;
	const char *name = NULL;
	size_t name_len = 0;

	if (*t->p == '?') {
		if (t->p[1] == ':') {
			t->p += 2;
			t->posix_groups++;
			return put(t, "(");
		}
		if ((t->p[1] == 'P' && t->p[2] == '<') || t->p[1] == '<') {
			const char *end;
			name = t->p + (t->p[1] == 'P' ? 3 : 2);
			if ((end = strchr(name, '>')) == NULL || end == name)
				return t->why = "a group name without '>'", -1;
			name_len = (size_t)(end - name);
			for (size_t i = 0; i < name_len; i++)
				if (!isalnum((unsigned char)name[i]) && name[i] != '_')
					return t->why = "a group name other than letters, digits and '_'", -1;
			if (name_len >= sizeof(re->names[0]))
				return t->why = "a group name too long", -1;
			t->p = end + 1;
		} else {
			return t->why = "a (?...) group other than (?P<name>...), (?<name>...) and (?:...)", -1;
		}
	}
	if (re->ngroups >= IAC_REGEX_GROUPS_MAX)
		return t->why = "too many groups", -1;
	re->ngroups++;
	t->posix_groups++;
	re->posix_of[re->ngroups] = (int)t->posix_groups;
	snprintf(re->names[re->ngroups], sizeof(re->names[0]), "%.*s", (int)name_len, name ? name : "");
	return put(t, "(");
}

static int escape(tr *t)
{
	char c = *t->p++;
	const char *cls;
	char one[3] = { '\\', c, 0 };

	if (c == '\0')
		return t->why = "a trailing backslash", -1;
	if (class_of(c, 0, &cls))
		return put(t, cls);
	if (c == 'A')
		return put(t, "^");
	if (c == 'z')
		return put(t, "$");
	if (c == 'n' || c == 't')
		return put(t, c == 'n' ? "\n" : "\t");
	if (ispunct((unsigned char)c))
		return put(t, one);
	return t->why = "an escape other than \\d \\D \\w \\W \\s \\S \\A \\z \\n \\t or punctuation", -1;
}

int iac_regex_translate(cf_buf *out, iac_regex *re, const char *pattern, int *icase)
{
	tr t = { out, re, pattern, 0, NULL };
	int rc = 0;

	cf_buf_reset(out);
	memset(re->posix_of, 0, sizeof(re->posix_of));
	memset(re->names, 0, sizeof(re->names));
	re->ngroups = 0;
	*icase = 0;
	if (strlen(pattern) > IAC_REGEX_PATTERN_MAX)
		return cf_err_set(CF_ETOOBIG, "longer than %d bytes", IAC_REGEX_PATTERN_MAX);
	if (strncmp(t.p, "(?i)", 4) == 0)
		*icase = 1, t.p += 4;
	while (*t.p && rc == 0) {
		char c = *t.p++;
		if (c == '\\')
			rc = escape(&t);
		else if (c == '[')
			rc = bracket(&t);
		else if (c == '(')
			rc = group(&t);
		else if ((c == '*' || c == '+' || c == '?' || c == '}') && *t.p == '?')
			t.why = "a lazy quantifier (POSIX regular expressions have none)", rc = -1;
		else {
			char one[2] = { c, 0 };
			rc = put(&t, one);
		}
	}
	if (rc < 0)
		return t.why ? cf_err_set(CF_EINVAL, "%s is not supported", t.why) : cf_err_set(CF_ETOOBIG, "too long");
	return 0;
}

int iac_regex_compile(iac_regex *re, const char *pattern, const char *field)
{
	cf_buf b = CF_BUF_INIT(4 * IAC_REGEX_PATTERN_MAX + 64);
	char why[256];
	int icase, rc, e;

	memset(re, 0, sizeof(*re));
	if ((rc = iac_regex_translate(&b, re, pattern, &icase)) < 0) {
		rc = cf_err_prefix("%s: invalid regular expression pattern '%.200s'", field, pattern);
		goto out;
	}
	e = regcomp(&re->re, b.data ? b.data : "", REG_EXTENDED | (icase ? REG_ICASE : 0));
	if (e != 0) {
		regerror(e, &re->re, why, sizeof(why));
		rc = cf_err_set(CF_EINVAL, "%s: invalid regular expression pattern '%.200s': %s", field, pattern, why);
		goto out;
	}
	re->compiled = 1;
out:
	cf_buf_free(&b);
	return rc;
}

void iac_regex_free(iac_regex *re)
{
	if (re && re->compiled) {
		regfree(&re->re);
		re->compiled = 0;
	}
}

int iac_regex_match(const iac_regex *re, const char *subject, regmatch_t *m)
{
	return regexec(&re->re, subject, IAC_REGEX_GROUPS_MAX + 1, m, 0) == 0;
}

/* the POSIX group of a Go group name or number, or -1 */
static int group_of(const iac_regex *re, const char *name, size_t len)
{
	int num = 0, digits = 1;

	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)name[i]))
			digits = 0;
		else if (num < 1000)
			num = num * 10 + (name[i] - '0');
	}
	if (digits)
		return num == 0 ? 0 : (num <= (int)re->ngroups ? re->posix_of[num] : -1);
	for (size_t i = 1; i <= re->ngroups; i++)
		if (strlen(re->names[i]) == len && memcmp(re->names[i], name, len) == 0)
			return re->posix_of[i];
	return -1;
}

int iac_regex_expand(cf_buf *out, const iac_regex *re, const char *tmpl, const char *subject, const regmatch_t *m)
{
	const char *p = tmpl;
	int rc = 0;

	cf_buf_reset(out);
	while (*p && rc == 0) {
		const char *name = NULL;
		size_t len = 0;
		int braces = 0, g;
		if (*p != '$') {
			rc = cf_buf_putc(out, *p++);
			continue;
		}
		if (p[1] == '$') {
			rc = cf_buf_putc(out, '$');
			p += 2;
			continue;
		}
		name = p + 1;
		if (*name == '{')
			braces = 1, name++;
		while (isalnum((unsigned char)name[len]) || name[len] == '_')
			len++;
		if (len == 0 || (braces && name[len] != '}')) {
			rc = cf_buf_putc(out, *p++);   /* malformed: the '$' is text, as Go's */
			continue;
		}
		p = name + len + braces;
		g = group_of(re, name, len);
		if (g >= 0 && g <= IAC_REGEX_GROUPS_MAX && m[g].rm_so >= 0)
			rc = cf_buf_append(out, subject + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
	}
	return rc < 0 ? cf_err_set(rc, "extract: the result is too long") : 0;
}
