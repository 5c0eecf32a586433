/* image-automation-controller/msgtemplate.c - a Go text/template subset: a parser into a small
 * tree, and an evaluator over jansson values.
 *
 * Values are JSON: strings, numbers, booleans, null, arrays (Go slices), objects (Go structs),
 * and Go maps as {"__map": [[key, value], ...]} (ordered, keys may be structs); an object with
 * "__string" prints as that (a Go String() method). */
#include "msgtemplate.h"

#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ALLOCS 20000
#define MAX_DEPTH 64
#define MAX_ARGS 16
#define MAX_VARS 256

enum { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };
enum { A_FIELD, A_VAR, A_STRING, A_NUMBER, A_BOOL, A_NIL, A_FUNC, A_PIPE };

typedef struct pipe pipe;

typedef struct arg {
	int type;
	char *s;                  /* string value, variable or function name */
	char *fields[16];         /* a field chain after ., $var or (pipe) */
	int nfields;
	double num;
	pipe *sub;
} arg;

typedef struct cmd {
	arg args[MAX_ARGS];
	int nargs;
} cmd;

struct pipe {
	char *decl[2];
	int ndecl, assign;
	cmd *cmds[8];
	int ncmds;
};

typedef struct node {
	int type, line;
	const char *text;
	size_t len;
	pipe *p;
	struct node *list, *else_list, *next;
} node;

typedef struct var {
	const char *name;
	json_t *v;
} var;

typedef struct tpl {
	const char *src, *name;
	size_t len, pos;
	int line;                 /* of the action being parsed or run */
	int trim_next;            /* the last action ended with -}} */
	void *allocs[MAX_ALLOCS];
	size_t nallocs;
	var vars[MAX_VARS];
	int nvars;
	cf_buf *out;
	int depth;
} tpl;

static int fail(tpl *t, const char *fmt, const char *what)
{
	return cf_err_set(CF_EINVAL, "template: %s:%d: %s%s", t->name, t->line, fmt, what ? what : "");
}

static void *t_alloc(tpl *t, size_t n)
{
	void *p;

	if (t->nallocs >= MAX_ALLOCS || (p = cf_calloc(1, n)) == NULL)
		return NULL;
	t->allocs[t->nallocs++] = p;
	return p;
}

static char *t_strndup(tpl *t, const char *s, size_t n)
{
	char *p = t_alloc(t, n + 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* ---- lexing an action ---- */

typedef struct lex {
	const char *s;
	size_t len, pos;
} lex;

static void skip_space(lex *l)
{
	while (l->pos < l->len && isspace((unsigned char)l->s[l->pos]))
		l->pos++;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static size_t ident_len(const lex *l, size_t at)
{
	size_t n = 0;

	while (at + n < l->len && is_ident((unsigned char)l->s[at + n]))
		n++;
	return n;
}

/* A quoted string: "..." with Go's common escapes, or `raw`. */
static int lex_string(tpl *t, lex *l, arg *a)
{
	char q = l->s[l->pos++];
	cf_buf b = CF_BUF_INIT(64u * 1024u);
	int rc = 0;

	while (rc == 0 && l->pos < l->len && l->s[l->pos] != q) {
		char c = l->s[l->pos++];
		if (q == '"' && c == '\\' && l->pos < l->len) {
			char e = l->s[l->pos++];
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
		}
		rc = cf_buf_putc(&b, c);
	}
	if (rc == 0 && l->pos >= l->len)
		rc = fail(t, "unterminated quoted string", NULL);
	l->pos++;
	if (rc == 0 && (a->s = t_strndup(t, b.data ? b.data : "", b.len)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	a->type = A_STRING;
	cf_buf_free(&b);
	return rc;
}

/* .A.B after a base: each field into a->fields. */
static int lex_fields(tpl *t, lex *l, arg *a)
{
	while (l->pos < l->len && l->s[l->pos] == '.' && ident_len(l, l->pos + 1) > 0) {
		size_t n = ident_len(l, l->pos + 1);
		if (a->nfields >= 16)
			return fail(t, "field chain too long", NULL);
		if ((a->fields[a->nfields++] = t_strndup(t, l->s + l->pos + 1, n)) == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		l->pos += n + 1;
	}
	return 0;
}

static int parse_pipe(tpl *t, lex *l, pipe **out, int in_parens);

static int lex_arg(tpl *t, lex *l, arg *a)
{
	char c = l->s[l->pos];
	size_t n;

	if (c == '"' || c == '`')
		return lex_string(t, l, a);
	if (c == '(') {
		l->pos++;
		a->type = A_PIPE;
		if (parse_pipe(t, l, &a->sub, 1) < 0)
			return -1;
		return lex_fields(t, l, a);
	}
	if (c == '$') {
		n = ident_len(l, l->pos + 1);
		a->type = A_VAR;
		if ((a->s = t_strndup(t, l->s + l->pos, n + 1)) == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		l->pos += n + 1;
		return lex_fields(t, l, a);
	}
	if (c == '.') {
		a->type = A_FIELD;
		if (l->pos + 1 < l->len && is_ident((unsigned char)l->s[l->pos + 1]))
			return lex_fields(t, l, a);
		l->pos++;
		return 0;
	}
	if (isdigit((unsigned char)c) || ((c == '-' || c == '+') && l->pos + 1 < l->len && isdigit((unsigned char)l->s[l->pos + 1]))) {
		char *end;
		a->type = A_NUMBER;
		a->num = strtod(l->s + l->pos, &end);
		l->pos = (size_t)(end - l->s);
		return 0;
	}
	if ((n = ident_len(l, l->pos)) > 0) {
		char *id = t_strndup(t, l->s + l->pos, n);
		if (id == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		l->pos += n;
		a->s = id;
		a->type = strcmp(id, "true") == 0 || strcmp(id, "false") == 0 ? A_BOOL : strcmp(id, "nil") == 0 ? A_NIL : A_FUNC;
		return 0;
	}
	return cf_err_set(CF_EINVAL, "template: %s:%d: unexpected \"%c\" in command", t->name, t->line, c);
}

/* `$a, $b :=` or `$a =` at the head of a pipeline. */
static void parse_decl(tpl *t, lex *l, pipe *p)
{
	size_t save = l->pos;
	char *names[2];
	int n = 0;

	while (n < 2 && l->pos < l->len && l->s[l->pos] == '$') {
		size_t len = ident_len(l, l->pos + 1);
		names[n++] = t_strndup(t, l->s + l->pos, len + 1);
		l->pos += len + 1;
		skip_space(l);
		if (l->pos < l->len && l->s[l->pos] == ',' && n == 1) {
			l->pos++;
			skip_space(l);
			continue;
		}
		break;
	}
	if (n && l->pos + 1 < l->len && l->s[l->pos] == ':' && l->s[l->pos + 1] == '=') {
		l->pos += 2;
	} else if (n == 1 && l->pos < l->len && l->s[l->pos] == '=' && (l->pos + 1 >= l->len || l->s[l->pos + 1] != '=')) {
		l->pos++;
		p->assign = 1;
	} else {
		l->pos = save;
		return;
	}
	p->ndecl = n;
	p->decl[0] = names[0];
	p->decl[1] = n > 1 ? names[1] : NULL;
}

static int parse_pipe(tpl *t, lex *l, pipe **out, int in_parens)
{
	pipe *p = t_alloc(t, sizeof(*p));
	cmd *c = NULL;

	if (p == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (++t->depth > MAX_DEPTH)
		return fail(t, "nested too deep", NULL);
	skip_space(l);
	parse_decl(t, l, p);
	for (;;) {
		skip_space(l);
		if (l->pos >= l->len || (in_parens && l->s[l->pos] == ')')) {
			if (in_parens && l->pos >= l->len)
				return fail(t, "unclosed left paren", NULL);
			if (in_parens)
				l->pos++;
			break;
		}
		if (l->s[l->pos] == '|') {
			if (c == NULL || c->nargs == 0)
				return fail(t, "missing command before |", NULL);
			c = NULL;
			l->pos++;
			continue;
		}
		if (c == NULL) {
			if (p->ncmds >= 8 || (c = t_alloc(t, sizeof(*c))) == NULL)
				return fail(t, "pipeline too long", NULL);
			p->cmds[p->ncmds++] = c;
		}
		if (c->nargs >= MAX_ARGS)
			return fail(t, "too many arguments", NULL);
		if (lex_arg(t, l, &c->args[c->nargs++]) < 0)
			return -1;
	}
	t->depth--;
	if (p->ncmds == 0 || p->cmds[p->ncmds - 1]->nargs == 0)
		return fail(t, "missing value for command", NULL);
	*out = p;
	return 0;
}

/* ---- the tree ---- */

/* The next item of the source: text up to "{{", or an action (its inside in *act). */
static int next_item(tpl *t, node **out, const char **act, size_t *act_len, int *end)
{
	const char *s = t->src + t->pos, *open = strstr(s, "{{");
	size_t text_len = open ? (size_t)(open - s) : strlen(s);
	int trim_left = open && open[2] == '-' && open[3] && isspace((unsigned char)open[3]);
	node *n;

	*out = NULL;
	*act = NULL;
	*end = 0;
	if (text_len || trim_left) {
		const char *b = s, *e = s + text_len;
		if (t->trim_next)
			while (b < e && isspace((unsigned char)*b))
				b++;
		if (trim_left)
			while (e > b && isspace((unsigned char)e[-1]))
				e--;
		if ((n = t_alloc(t, sizeof(*n))) == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		*n = (node){ .type = N_TEXT, .line = t->line, .text = b, .len = (size_t)(e - b) };
		*out = n;
	}
	for (const char *p = s; p < s + text_len; p++)
		t->line += *p == '\n';
	t->trim_next = 0;
	if (open == NULL) {
		t->pos = t->len;
		*end = 1;
		return 0;
	}
	/* the action runs to the "}}" outside quotes */
	{
		const char *a = open + 2 + (trim_left ? 2 : 0), *p = a;
		char q = 0;
		for (; *p; p++) {
			if (q) {
				if (*p == '\\' && q == '"' && p[1])
					p++;
				else if (*p == q)
					q = 0;
			} else if (*p == '"' || *p == '`') {
				q = *p;
			} else if (p[0] == '}' && p[1] == '}') {
				break;
			}
		}
		if (*p == '\0')
			return fail(t, "unclosed action", NULL);
		*act = a;
		*act_len = (size_t)(p - a);
		if (*act_len >= 2 && a[*act_len - 1] == '-' && isspace((unsigned char)a[*act_len - 2])) {
			*act_len -= 1;
			t->trim_next = 1;
		}
		t->pos = (size_t)(p + 2 - t->src);
	}
	return 0;
}

static int parse_list(tpl *t, node **head, char *stop, size_t stop_size, lex *stop_lex);

/* The keyword an action starts with ("" when none). */
static size_t keyword(const lex *l, char *kw, size_t size)
{
	size_t n = ident_len(l, l->pos);

	snprintf(kw, size, "%.*s", (int)(n < size ? n : size - 1), l->s + l->pos);
	return n;
}

/* if/range/with: the pipeline, the list, and else/else if. */
static int parse_control(tpl *t, lex *l, int type, node **out)
{
	node *n = t_alloc(t, sizeof(*n));
	char stop[16];
	lex rest;

	if (n == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	*n = (node){ .type = type, .line = t->line };
	if (parse_pipe(t, l, &n->p, 0) < 0 || parse_list(t, &n->list, stop, sizeof(stop), &rest) < 0)
		return -1;
	if (strcmp(stop, "else") == 0) {
		char kw[16];
		skip_space(&rest);
		if (type == N_IF && rest.pos < rest.len && keyword(&rest, kw, sizeof(kw)) == 2 && strcmp(kw, "if") == 0) {
			rest.pos += 2;
			if (parse_control(t, &rest, N_IF, &n->else_list) < 0)
				return -1;
			*out = n;
			return 0;   /* "else if" shares the outer "end" */
		}
		if (parse_list(t, &n->else_list, stop, sizeof(stop), &rest) < 0)
			return -1;
	}
	if (strcmp(stop, "end") != 0)
		return fail(t, "unexpected EOF", NULL);
	*out = n;
	return 0;
}

/* Nodes until "else"/"end" (its name into stop, the rest of that action into *stop_lex) or the
 * end of the source (stop ""). */
static int parse_list(tpl *t, node **head, char *stop, size_t stop_size, lex *stop_lex)
{
	static const char *const unsupported[] = { "define", "template", "block", "break", "continue" };
	node **tail = head;

	stop[0] = '\0';
	for (;;) {
		node *text = NULL, *n = NULL;
		const char *act;
		size_t act_len = 0;
		int end;
		char kw[16];
		lex l;

		if (next_item(t, &text, &act, &act_len, &end) < 0)
			return -1;
		if (text) {
			*tail = text;
			tail = &text->next;
		}
		if (end)
			return 0;
		l = (lex){ act, act_len, 0 };
		skip_space(&l);
		if (l.pos + 1 < l.len && l.s[l.pos] == '/' && l.s[l.pos + 1] == '*')
			continue;   /* a comment */
		keyword(&l, kw, sizeof(kw));
		for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
			if (strcmp(kw, unsupported[i]) == 0)
				return fail(t, "not supported in cflux's messageTemplate: ", kw);
		if (strcmp(kw, "else") == 0 || strcmp(kw, "end") == 0) {
			snprintf(stop, stop_size, "%s", kw);
			l.pos += strlen(kw);
			*stop_lex = l;
			return 0;
		}
		if (strcmp(kw, "if") == 0 || strcmp(kw, "range") == 0 || strcmp(kw, "with") == 0) {
			l.pos += strlen(kw);
			if (parse_control(t, &l, kw[0] == 'i' ? N_IF : kw[0] == 'r' ? N_RANGE : N_WITH, &n) < 0)
				return -1;
		} else {
			if ((n = t_alloc(t, sizeof(*n))) == NULL)
				return cf_err_set(CF_ENOMEM, "out of memory");
			*n = (node){ .type = N_ACTION, .line = t->line };
			if (parse_pipe(t, &l, &n->p, 0) < 0)
				return -1;
		}
		*tail = n;
		tail = &n->next;
	}
}

/* ---- values ---- */

static int truth(const json_t *v)
{
	const json_t *m = json_object_get(v, "__map");

	switch (json_typeof(v)) {
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_OBJECT: return m ? json_array_size(m) > 0 : 1;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return 1;
	default: return 0;
	}
}

/* Go's fmt %v, near enough: a String() value, [a b], map[k:v], {f1 f2}. */
static int print_value(cf_buf *b, const json_t *v)
{
	const json_t *m = json_object_get(v, "__map"), *e;
	const char *k;
	size_t i;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_STRING: return cf_buf_append(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return cf_buf_printf(b, "%lld", (long long)json_integer_value(v));
	case JSON_REAL: return cf_buf_printf(b, "%g", json_real_value(v));
	case JSON_TRUE: return cf_buf_puts(b, "true");
	case JSON_FALSE: return cf_buf_puts(b, "false");
	case JSON_NULL: return cf_buf_puts(b, "<no value>");
	case JSON_ARRAY:
		rc = cf_buf_putc(b, '[');
		json_array_foreach(v, i, e) {
			if (rc == 0 && i) rc = cf_buf_putc(b, ' ');
			if (rc == 0) rc = print_value(b, e);
		}
		return rc ? rc : cf_buf_putc(b, ']');
	case JSON_OBJECT:
		if (json_object_get(v, "__string"))
			return print_value(b, json_object_get(v, "__string"));
		rc = cf_buf_puts(b, m ? "map[" : "{");
		if (m) {
			json_array_foreach(m, i, e) {
				if (rc == 0 && i) rc = cf_buf_putc(b, ' ');
				if (rc == 0) rc = print_value(b, json_array_get(e, 0));
				if (rc == 0) rc = cf_buf_putc(b, ':');
				if (rc == 0) rc = print_value(b, json_array_get(e, 1));
			}
		} else {
			i = 0;
			json_object_foreach((json_t *)v, k, e) {
				if (rc == 0 && i++) rc = cf_buf_putc(b, ' ');
				if (rc == 0) rc = print_value(b, e);
			}
		}
		return rc ? rc : cf_buf_puts(b, m ? "]" : "}");
	}
	return 0;
}

/* The string form of v (a new string for the caller, cf_free), or NULL. */
static char *to_str(const json_t *v)
{
	cf_buf b = CF_BUF_INIT(IUA_MSG_MAX);

	if (print_value(&b, v) < 0) {
		cf_buf_free(&b);
		return NULL;
	}
	return cf_buf_detach(&b, NULL);
}

/* Field f of v: a struct's member or a map's key; NULL (an error recorded) when v has none. */
static json_t *field_of(tpl *t, const json_t *v, const char *f)
{
	const json_t *m = json_object_get(v, "__map"), *e;
	size_t i;

	if (m) {
		json_array_foreach(m, i, e)
			if (json_is_string(json_array_get(e, 0)) && strcmp(json_string_value(json_array_get(e, 0)), f) == 0)
				return json_incref(json_array_get(e, 1));
		return json_null();   /* a missing map key: the zero value, printed "<no value>" */
	}
	if (json_is_object(v) && f[0] != '_' && json_object_get(v, f))
		return json_incref(json_object_get(v, f));
	fail(t, "can't evaluate field ", f);
	return NULL;
}

/* ---- functions ---- */

typedef json_t *(*tfunc)(tpl *t, json_t **a, int n);

static const char *sarg(json_t **a, int i)
{
	return json_string_value(a[i]);
}

static json_t *f_print(tpl *t, json_t **a, int n, int ln)
{
	cf_buf b = CF_BUF_INIT(IUA_MSG_MAX);
	int rc = 0;
	char *s;

	(void)t;
	for (int i = 0; rc == 0 && i < n; i++) {
		/* Sprint: a space between operands when neither is a string; Sprintln: always */
		if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
			rc = cf_buf_putc(&b, ' ');
		if (rc == 0) rc = print_value(&b, a[i]);
	}
	if (rc == 0 && ln) rc = cf_buf_putc(&b, '\n');
	s = rc == 0 ? cf_buf_detach(&b, NULL) : NULL;
	cf_buf_free(&b);
	if (s == NULL)
		return NULL;
	json_t *r = json_string(s);
	cf_free(s);
	return r;
}

static json_t *fn_print(tpl *t, json_t **a, int n) { return f_print(t, a, n, 0); }
static json_t *fn_println(tpl *t, json_t **a, int n) { return f_print(t, a, n, 1); }

static json_t *fn_len(tpl *t, json_t **a, int n)
{
	const json_t *m = json_object_get(a[0], "__map");

	(void)n;
	if (json_is_string(a[0])) return json_integer((json_int_t)json_string_length(a[0]));
	if (json_is_array(a[0])) return json_integer((json_int_t)json_array_size(a[0]));
	if (m) return json_integer((json_int_t)json_array_size(m));
	fail(t, "error calling len: len of this type", NULL);
	return NULL;
}

static json_t *fn_not(tpl *t, json_t **a, int n) { (void)t; (void)n; return json_boolean(!truth(a[0])); }

static json_t *fn_and(tpl *t, json_t **a, int n)
{
	(void)t;
	for (int i = 0; i < n - 1; i++)
		if (!truth(a[i]))
			return json_incref(a[i]);
	return json_incref(a[n - 1]);
}

static json_t *fn_or(tpl *t, json_t **a, int n)
{
	(void)t;
	for (int i = 0; i < n - 1; i++)
		if (truth(a[i]))
			return json_incref(a[i]);
	return json_incref(a[n - 1]);
}

static json_t *fn_eq(tpl *t, json_t **a, int n)
{
	(void)t;
	for (int i = 1; i < n; i++)
		if (json_equal(a[0], a[i]))
			return json_true();
	return json_false();
}

static json_t *fn_ne(tpl *t, json_t **a, int n) { (void)t; (void)n; return json_boolean(!json_equal(a[0], a[1])); }

static json_t *str_map(json_t **a, int (*f)(int))
{
	char *s = cf_strdup(sarg(a, 0));
	json_t *r;

	if (s == NULL)
		return NULL;
	for (char *p = s; *p; p++)
		*p = (char)f((unsigned char)*p);
	r = json_string(s);
	cf_free(s);
	return r;
}

static json_t *fn_lower(tpl *t, json_t **a, int n) { (void)t; (void)n; return str_map(a, tolower); }
static json_t *fn_upper(tpl *t, json_t **a, int n) { (void)t; (void)n; return str_map(a, toupper); }

static json_t *fn_title(tpl *t, json_t **a, int n)
{
	char *s = cf_strdup(sarg(a, 0));
	json_t *r;

	(void)t;
	(void)n;
	if (s == NULL)
		return NULL;
	for (char *p = s; *p; p++)
		if (p == s || isspace((unsigned char)p[-1]))
			*p = (char)toupper((unsigned char)*p);
	r = json_string(s);
	cf_free(s);
	return r;
}

static json_t *fn_trim(tpl *t, json_t **a, int n)
{
	const char *s = sarg(a, 0), *e = s + strlen(s);

	(void)t;
	(void)n;
	while (isspace((unsigned char)*s)) s++;
	while (e > s && isspace((unsigned char)e[-1])) e--;
	return json_stringn(s, (size_t)(e - s));
}

static json_t *fn_contains(tpl *t, json_t **a, int n) { (void)t; (void)n; return json_boolean(strstr(sarg(a, 1), sarg(a, 0)) != NULL); }

static json_t *fn_has_prefix(tpl *t, json_t **a, int n)
{
	(void)t;
	(void)n;
	return json_boolean(strncmp(sarg(a, 1), sarg(a, 0), strlen(sarg(a, 0))) == 0);
}

static json_t *fn_has_suffix(tpl *t, json_t **a, int n)
{
	size_t ls = strlen(sarg(a, 1)), lx = strlen(sarg(a, 0));

	(void)t;
	(void)n;
	return json_boolean(ls >= lx && strcmp(sarg(a, 1) + ls - lx, sarg(a, 0)) == 0);
}

/* Sprig's replace OLD NEW SRC. */
static json_t *fn_replace(tpl *t, json_t **a, int n)
{
	const char *old = sarg(a, 0), *new = sarg(a, 1), *s = sarg(a, 2), *hit;
	size_t ol = strlen(old);
	cf_buf b = CF_BUF_INIT(IUA_MSG_MAX);
	json_t *r = NULL;
	int rc = 0;

	(void)t;
	(void)n;
	while (rc == 0 && ol && (hit = strstr(s, old)) != NULL) {
		rc = cf_buf_append(&b, s, (size_t)(hit - s));
		if (rc == 0) rc = cf_buf_puts(&b, new);
		s = hit + ol;
	}
	if (rc == 0) rc = cf_buf_puts(&b, s);
	if (rc == 0) r = json_stringn(b.data ? b.data : "", b.len);
	cf_buf_free(&b);
	return r;
}

/* Sprig's join SEP LIST. */
static json_t *fn_join(tpl *t, json_t **a, int n)
{
	cf_buf b = CF_BUF_INIT(IUA_MSG_MAX);
	json_t *e, *r = NULL;
	size_t i;
	int rc = 0;

	(void)n;
	if (!json_is_array(a[1])) {
		fail(t, "error calling join: not a list", NULL);
		return NULL;
	}
	json_array_foreach(a[1], i, e) {
		if (rc == 0 && i) rc = cf_buf_puts(&b, sarg(a, 0));
		if (rc == 0) rc = print_value(&b, e);
	}
	if (rc == 0) r = json_stringn(b.data ? b.data : "", b.len);
	cf_buf_free(&b);
	return r;
}

static json_t *fn_quote(tpl *t, json_t **a, int n)
{
	char *s = to_str(a[0]);
	cf_buf b = CF_BUF_INIT(IUA_MSG_MAX);
	json_t *r = NULL;
	int rc;

	(void)t;
	(void)n;
	if (s == NULL)
		return NULL;
	rc = cf_buf_putc(&b, '"');
	for (const char *p = s; rc == 0 && *p; p++)
		rc = *p == '"' || *p == '\\' ? cf_buf_printf(&b, "\\%c", *p) : cf_buf_putc(&b, *p);
	if (rc == 0) rc = cf_buf_putc(&b, '"');
	if (rc == 0) r = json_stringn(b.data, b.len);
	cf_buf_free(&b);
	cf_free(s);
	return r;
}

/* Sprig's trunc N S (a negative N keeps the tail). */
static json_t *fn_trunc(tpl *t, json_t **a, int n)
{
	const char *s = sarg(a, 1);
	long long want = json_is_integer(a[0]) ? json_integer_value(a[0]) : (long long)json_number_value(a[0]);
	size_t len = strlen(s);

	(void)t;
	(void)n;
	if (want >= 0)
		return json_stringn(s, (size_t)want < len ? (size_t)want : len);
	return (size_t)-want < len ? json_string(s + len + want) : json_string(s);
}

/* name, the function, the argument count (negative: at least that many), which arguments must
 * be strings (a bit each). */
static const struct {
	const char *name;
	tfunc fn;
	int nargs;
	unsigned strings;
} FUNCS[] = {
	{ "print", fn_print, 0, 0 }, { "println", fn_println, 0, 0 }, { "len", fn_len, 1, 0 },
	{ "not", fn_not, 1, 0 }, { "and", fn_and, -1, 0 }, { "or", fn_or, -1, 0 },
	{ "eq", fn_eq, -2, 0 }, { "ne", fn_ne, 2, 0 },
	{ "lower", fn_lower, 1, 1 }, { "upper", fn_upper, 1, 1 }, { "title", fn_title, 1, 1 },
	{ "trim", fn_trim, 1, 1 }, { "contains", fn_contains, 2, 3 }, { "hasPrefix", fn_has_prefix, 2, 3 },
	{ "hasSuffix", fn_has_suffix, 2, 3 }, { "replace", fn_replace, 3, 7 }, { "join", fn_join, 2, 1 },
	{ "quote", fn_quote, 1, 0 }, { "trunc", fn_trunc, 2, 2 },
};

/* ---- execution ---- */

static json_t *eval_pipe(tpl *t, const pipe *p, json_t *dot);

static json_t *lookup_var(tpl *t, const char *name)
{
	for (int i = t->nvars - 1; i >= 0; i--)
		if (strcmp(t->vars[i].name, name) == 0)
			return json_incref(t->vars[i].v);
	fail(t, "undefined variable: ", name);
	return NULL;
}

static int push_var(tpl *t, const char *name, json_t *v)
{
	if (t->nvars >= MAX_VARS)
		return fail(t, "too many variables", NULL);
	t->vars[t->nvars++] = (var){ name, json_incref(v) };
	return 0;
}

static void pop_vars(tpl *t, int to)
{
	while (t->nvars > to)
		json_decref(t->vars[--t->nvars].v);
}

static json_t *eval_fields(tpl *t, const arg *a, json_t *v)
{
	for (int i = 0; v && i < a->nfields; i++) {
		json_t *next = field_of(t, v, a->fields[i]);
		json_decref(v);
		v = next;
	}
	return v;
}

static json_t *eval_arg(tpl *t, const arg *a, json_t *dot)
{
	switch (a->type) {
	case A_FIELD: return eval_fields(t, a, json_incref(dot));
	case A_VAR: {
		json_t *v = lookup_var(t, a->s);
		return v ? eval_fields(t, a, v) : NULL;
	}
	case A_STRING: return json_string(a->s);
	case A_NUMBER: return a->num == (double)(json_int_t)a->num ? json_integer((json_int_t)a->num) : json_real(a->num);
	case A_BOOL: return json_boolean(a->s[0] == 't');
	case A_NIL: return json_null();
	case A_PIPE: {
		json_t *v = eval_pipe(t, a->sub, dot);
		return v ? eval_fields(t, a, v) : NULL;
	}
	default:
		fail(t, "function used as a value: ", a->s);
		return NULL;
	}
}

static json_t *call(tpl *t, const cmd *c, json_t *dot, json_t *final)
{
	json_t *args[MAX_ARGS + 1] = { 0 }, *r = NULL;
	int n = 0, f = -1;

	for (size_t i = 0; i < sizeof(FUNCS) / sizeof(FUNCS[0]); i++)
		if (strcmp(FUNCS[i].name, c->args[0].s) == 0)
			f = (int)i;
	if (f < 0) {
		fail(t, "function not defined in cflux's messageTemplate: ", c->args[0].s);
		return NULL;
	}
	for (int i = 1; i < c->nargs; i++)
		if ((args[n++] = eval_arg(t, &c->args[i], dot)) == NULL)
			goto out;
	if (final)
		args[n++] = json_incref(final);
	if ((FUNCS[f].nargs > 0 && n != FUNCS[f].nargs) || (FUNCS[f].nargs < 0 && n < -FUNCS[f].nargs)) {
		fail(t, "wrong number of arguments for ", FUNCS[f].name);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((FUNCS[f].strings >> i & 1) && !json_is_string(args[i])) {
			fail(t, "wrong type of argument (not a string) for ", FUNCS[f].name);
			goto out;
		}
	if ((r = FUNCS[f].fn(t, args, n)) == NULL && cf_err_code() != CF_EINVAL)
		cf_err_set(CF_ENOMEM, "out of memory");
out:
	for (int i = 0; i < n; i++)
		json_decref(args[i]);
	return r;
}

static json_t *eval_cmd(tpl *t, const cmd *c, json_t *dot, json_t *final)
{
	if (c->args[0].type == A_FUNC)
		return call(t, c, dot, final);
	if (final || c->nargs > 1) {
		fail(t, "can't give argument to non-function", NULL);
		return NULL;
	}
	return eval_arg(t, &c->args[0], dot);
}

static json_t *eval_pipe(tpl *t, const pipe *p, json_t *dot)
{
	json_t *v = NULL;

	for (int i = 0; i < p->ncmds; i++) {
		json_t *next = eval_cmd(t, p->cmds[i], dot, v);
		json_decref(v);
		if ((v = next) == NULL)
			return NULL;
	}
	if (p->assign) {
		for (int i = t->nvars - 1; i >= 0; i--)
			if (strcmp(t->vars[i].name, p->decl[0]) == 0) {
				json_decref(t->vars[i].v);
				t->vars[i].v = json_incref(v);
				return v;
			}
		json_decref(v);
		fail(t, "undefined variable: ", p->decl[0]);
		return NULL;
	}
	if (p->ndecl == 1 && push_var(t, p->decl[0], v) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static int run_list(tpl *t, const node *n, json_t *dot);

static int run_range(tpl *t, const node *n, json_t *dot)
{
	int base = t->nvars, rc = 0;
	pipe p = *n->p;
	json_t *v, *items, *e;
	const json_t *m;
	size_t i;

	p.ndecl = 0;   /* range's variables are per element */
	if ((v = eval_pipe(t, &p, dot)) == NULL)
		return -1;
	m = json_object_get(v, "__map");
	items = m ? (json_t *)m : v;
	if (!json_is_array(items) && !json_is_null(v)) {
		json_decref(v);
		return fail(t, "range can't iterate over this value", NULL);
	}
	if (json_array_size(items) == 0) {
		rc = n->else_list ? run_list(t, n->else_list, dot) : 0;
		json_decref(v);
		return rc;
	}
	json_array_foreach(items, i, e) {
		json_t *key = m ? json_incref(json_array_get(e, 0)) : json_integer((json_int_t)i);
		json_t *val = m ? json_array_get(e, 1) : e;
		if (n->p->ndecl == 2)
			rc = push_var(t, n->p->decl[0], key) < 0 || push_var(t, n->p->decl[1], val) < 0 ? -1 : 0;
		else if (n->p->ndecl == 1)
			rc = push_var(t, n->p->decl[0], val);
		json_decref(key);
		if (rc == 0) rc = run_list(t, n->list, val);
		pop_vars(t, base);
		if (rc < 0)
			break;
	}
	json_decref(v);
	return rc;
}

static int run_node(tpl *t, const node *n, json_t *dot)
{
	int base = t->nvars, rc = 0;
	json_t *v;

	t->line = n->line;
	switch (n->type) {
	case N_TEXT:
		return cf_buf_append(t->out, n->text, n->len);
	case N_RANGE:
		return run_range(t, n, dot);
	case N_ACTION:
		if ((v = eval_pipe(t, n->p, dot)) == NULL)
			return -1;
		if (n->p->ndecl == 0 && !n->p->assign)
			rc = print_value(t->out, v);
		json_decref(v);
		return rc;
	default:   /* if, with */
		if ((v = eval_pipe(t, n->p, dot)) == NULL)
			return -1;
		if (truth(v))
			rc = run_list(t, n->list, n->type == N_WITH ? v : dot);
		else if (n->else_list)
			rc = run_list(t, n->else_list, dot);
		json_decref(v);
		pop_vars(t, base);
		return rc;
	}
}

static int run_list(tpl *t, const node *n, json_t *dot)
{
	int base = t->nvars, rc = 0;

	if (++t->depth > MAX_DEPTH)
		return fail(t, "nested too deep", NULL);
	for (; rc == 0 && n; n = n->next)
		rc = run_node(t, n, dot);
	pop_vars(t, base);
	t->depth--;
	if (rc == CF_ETOOBIG)
		return cf_err_set(CF_ETOOBIG, "template: %s: the message is longer than %u bytes", t->name, IUA_MSG_MAX);
	return rc;
}

int iua_msg_render(cf_buf *out, const char *src, const char *name, const json_t *data)
{
	tpl *t = cf_calloc(1, sizeof(*t));
	cf_buf msg = CF_BUF_INIT(IUA_MSG_MAX);
	node *root = NULL;
	char stop[16];
	lex rest;
	int rc;

	if (t == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	*t = (tpl){ .src = src, .name = name, .len = strlen(src), .line = 1, .out = &msg };
	rc = parse_list(t, &root, stop, sizeof(stop), &rest);
	if (rc == 0 && stop[0])
		rc = fail(t, "unexpected ", stop);
	t->depth = 0;
	if (rc == 0) rc = push_var(t, "$", (json_t *)data);
	if (rc == 0) rc = run_list(t, root, (json_t *)data);
	if (rc < 0 && cf_err_code() == 0)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	if (msg.len && cf_buf_append(out, msg.data, msg.len) < 0 && rc == 0)
		rc = cf_err_set(CF_ETOOBIG, "template: %s: the message does not fit", name);
	pop_vars(t, 0);
	for (size_t i = 0; i < t->nallocs; i++)
		cf_free(t->allocs[i]);
	cf_free(t);
	cf_buf_free(&msg);
	return rc < 0 ? (cf_err_code() ? cf_err_code() : rc) : 0;
}

/* ---- the data ---- */

static const char *str_or(const json_t *o, const char *k)
{
	const char *v = cf_json_str(o, k);

	return v ? v : "";
}

/* ObjectIdentifier {Name, Namespace, APIVersion, Kind} of a setters' change. */
static json_t *object_id(const json_t *c)
{
	const json_t *o = json_object_get(c, "object");

	return json_pack("{s:s, s:s, s:s, s:s}", "Name", str_or(o, "name"), "Namespace", str_or(o, "namespace"),
			 "APIVersion", str_or(o, "apiVersion"), "Kind", str_or(o, "kind"));
}

static json_t *new_map(void)
{
	return json_pack("{s:[]}", "__map");
}

/* The value of key in map (a Go map, see the top), added as a new array when missing; string
 * keys are kept sorted, as Go's range visits them. Borrowed, or NULL. Takes key. */
static json_t *map_slot(json_t *map, json_t *key)
{
	json_t *pairs = json_object_get(map, "__map"), *e, *v;
	size_t i, at = json_array_size(pairs);

	json_array_foreach(pairs, i, e) {
		if (json_equal(json_array_get(e, 0), key)) {
			json_decref(key);
			return json_array_get(e, 1);
		}
		if (at == json_array_size(pairs) && json_is_string(key) &&
		    strcmp(json_string_value(json_array_get(e, 0)), json_string_value(key)) > 0)
			at = i;
	}
	v = json_array();
	if (key == NULL || v == NULL || json_array_insert_new(pairs, at, json_pack("[o,o]", key, v)) < 0)
		return NULL;
	return v;
}

/* Adds c to the file's and the object's lists: FileChanges[file][id], Objects[id]. */
static int add_changed(json_t *files, json_t *objects, json_t *all, const json_t *c)
{
	json_t *change = json_pack("{s:s, s:s, s:s}", "OldValue", str_or(c, "old"), "NewValue", str_or(c, "new"),
				   "Setter", str_or(c, "setter"));
	json_t *per_file = map_slot(files, json_string(str_or(c, "file")));
	json_t *file_objs, *slot, *gslot;
	int rc = -1;

	if (change == NULL || per_file == NULL)
		goto out;
	/* a file's value is its ObjectChanges map: the first slot made is an array, made a map */
	if (json_array_size(per_file) == 0 && json_array_append_new(per_file, new_map()) < 0)
		goto out;
	file_objs = json_array_get(per_file, 0);
	slot = map_slot(file_objs, object_id(c));
	gslot = map_slot(objects, object_id(c));
	if (slot && gslot && json_array_append(slot, change) == 0 && json_array_append(gslot, change) == 0 &&
	    json_array_append(all, change) == 0)
		rc = 0;
out:
	json_decref(change);
	return rc;
}

/* FileChanges' values were wrapped (one map in an array, for map_slot): unwrap them. */
static void unwrap_files(json_t *files)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(files, "__map"), i, e)
		json_array_set(e, 1, json_array_get(json_array_get(e, 1), 0));
}

/* v1beta1's .Updated: Images (the full references set), Files and Objects (their images). */
static json_t *updated(const json_t *changes)
{
	json_t *u = json_pack("{s:[], s:o, s:o}", "Images", "Files", new_map(), "Objects", new_map()), *c;
	size_t i;

	json_array_foreach(changes, i, c) {
		const char *setter = str_or(c, "setter"), *colon = strchr(setter, ':');
		json_t *img = json_string(str_or(c, "new")), *f, *o, *fo;
		size_t j;
		int seen = 0;
		if (u == NULL || img == NULL || (colon && strchr(colon + 1, ':'))) {
			json_decref(img);
			continue;   /* v1beta1 counted whole images only */
		}
		json_array_foreach(json_object_get(u, "Images"), j, f)
			seen |= json_equal(f, img);
		if (!seen) json_array_append(json_object_get(u, "Images"), img);
		f = map_slot(json_object_get(u, "Files"), json_string(str_or(c, "file")));
		if (f && json_array_size(f) == 0) json_array_append_new(f, json_pack("{s:o}", "Objects", new_map()));
		fo = f ? json_object_get(json_array_get(f, 0), "Objects") : NULL;
		o = fo ? map_slot(fo, object_id(c)) : NULL;
		if (o) json_array_append(o, img);
		o = map_slot(json_object_get(u, "Objects"), object_id(c));
		if (o) json_array_append(o, img);
		json_decref(img);
	}
	if (u)
		unwrap_files(json_object_get(u, "Files"));
	return u;
}

int iua_msg_data(json_t **out, const char *ns, const char *name, const json_t *changes, const json_t *values)
{
	json_t *files = new_map(), *objects = new_map(), *all = json_array(), *vals = new_map(), *c, *d = NULL;
	char id[600];
	const char *k;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (files == NULL || objects == NULL || all == NULL || vals == NULL)
		rc = -1;
	json_array_foreach(changes, i, c)
		if (rc == 0)
			rc = add_changed(files, objects, all, c);
	json_object_foreach((json_t *)values, k, c)
		if (rc == 0 && json_is_string(c) && (d = map_slot(vals, json_string(k))) != NULL)
			json_array_append(d, c);
	/* Values holds strings, not lists */
	json_array_foreach(json_object_get(vals, "__map"), i, c)
		json_array_set(c, 1, json_array_get(json_array_get(c, 1), 0));
	if (rc == 0) {
		unwrap_files(files);
		snprintf(id, sizeof(id), "%s/%s", ns, name);
		d = json_pack("{s:{s:s, s:s, s:s}, s:{s:O, s:O, s:O}, s:o, s:O}", "AutomationObject", "Name", name,
			      "Namespace", ns, "__string", id, "Changed", "FileChanges", files, "Objects", objects,
			      "Changes", all, "Updated", updated(changes), "Values", vals);
	}
	json_decref(files);
	json_decref(objects);
	json_decref(all);
	json_decref(vals);
	if (d == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	*out = d;
	return 0;
}
