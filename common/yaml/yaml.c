/* common/yaml/yaml.c - libyaml event streams <-> jansson trees with kubectl's scalar rules. */
#include "yaml/yaml.h"

#include "util/alloc.h"
#include "util/err.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* ---- scalar resolution (go-yaml v2 resolve.go, as sigs.k8s.io/yaml uses it) ---- */

enum { R_STR, R_NULL, R_TRUE, R_FALSE, R_SPECIAL_FLOAT, R_MERGE };

static const struct { const char *s; int r; } resolve_words[] = {
	{ "y", R_TRUE }, { "Y", R_TRUE }, { "yes", R_TRUE }, { "Yes", R_TRUE }, { "YES", R_TRUE },
	{ "true", R_TRUE }, { "True", R_TRUE }, { "TRUE", R_TRUE },
	{ "on", R_TRUE }, { "On", R_TRUE }, { "ON", R_TRUE },
	{ "n", R_FALSE }, { "N", R_FALSE }, { "no", R_FALSE }, { "No", R_FALSE }, { "NO", R_FALSE },
	{ "false", R_FALSE }, { "False", R_FALSE }, { "FALSE", R_FALSE },
	{ "off", R_FALSE }, { "Off", R_FALSE }, { "OFF", R_FALSE },
	{ "~", R_NULL }, { "null", R_NULL }, { "Null", R_NULL }, { "NULL", R_NULL },
	{ ".nan", R_SPECIAL_FLOAT }, { ".NaN", R_SPECIAL_FLOAT }, { ".NAN", R_SPECIAL_FLOAT },
	{ ".inf", R_SPECIAL_FLOAT }, { ".Inf", R_SPECIAL_FLOAT }, { ".INF", R_SPECIAL_FLOAT },
	{ "+.inf", R_SPECIAL_FLOAT }, { "+.Inf", R_SPECIAL_FLOAT }, { "+.INF", R_SPECIAL_FLOAT },
	{ "-.inf", R_SPECIAL_FLOAT }, { "-.Inf", R_SPECIAL_FLOAT }, { "-.INF", R_SPECIAL_FLOAT },
	{ "<<", R_MERGE },
};

static int resolve_word(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(resolve_words) / sizeof(resolve_words[0]); i++)
		if (strlen(resolve_words[i].s) == len && memcmp(resolve_words[i].s, s, len) == 0)
			return resolve_words[i].r;
	return -1;
}

/* First-character hint: S sign, D digit, M word table, '.' float, '<' merge, 0 string. */
/* a boolean of YAML 1.1 that YAML 1.2's core schema reads as a string (not true/false) */
static int yaml11_only_bool(const char *s, size_t len)
{
	int r = resolve_word(s, len);

	return (r == R_TRUE || r == R_FALSE) && (len < 4 || (strncasecmp(s, "true", len) != 0 && strncasecmp(s, "false", len) != 0));
}

static char resolve_hint(unsigned char c)
{
	if (c == '+' || c == '-')
		return 'S';
	if (c >= '0' && c <= '9')
		return 'D';
	if (strchr("yYnNtTfFoO~", c) && c != '\0')
		return 'M';
	if (c == '.')
		return '.';
	if (c == '<')
		return '<';
	return 0;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Go's strconv.ParseUint(s, 0, 64) on an unsigned body: 0x, 0o, 0b, leading-0 octal. */
static int parse_go_uint(uint64_t *out, const char *s)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		base = 8;
		s += 1;
	}
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		int d = digit_value(*s);
		if (d >= (int)base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Go's strconv.ParseInt(s, 0, 64). */
static int parse_go_int(int64_t *out, const char *s)
{
	int neg = 0;
	uint64_t u;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (parse_go_uint(&u, s) < 0)
		return -1;
	if (!neg && u > (uint64_t)INT64_MAX)
		return -1;
	if (neg && u > (uint64_t)INT64_MAX + 1)
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int is_yaml_style_float(const char *s)
{
	size_t n;

	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.') {
		s++;
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n == 0)
			return 0;
	} else {
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n == 0)
			return 0;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++)
				;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n == 0)
			return 0;
	}
	return *s == '\0';
}

/* A float with no fractional part becomes a JSON integer, as encoding/json prints it. */
static json_t *number_from_double(double d)
{
	if (!isfinite(d)) {
		cf_err_set(CF_EINVAL, "value is not a finite number and has no JSON form");
		return NULL;
	}
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static int parse_float_text(double *out, const char *s)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (*end == '\0' && errno != ERANGE) ? 0 : -1;
}

static json_t *resolve_number(const char *s, size_t len, int dot_only)
{
	char *plain = cf_malloc(len + 1);
	size_t n = 0;
	json_t *v = NULL;
	int64_t i;
	uint64_t u;
	double d;

	if (plain == NULL) {
		cf_err_set(CF_ENOMEM, "out of memory");
		return NULL;
	}
	if (dot_only) {
		memcpy(plain, s, len);
		n = len;
	} else {
		for (size_t k = 0; k < len; k++)
			if (s[k] != '_')
				plain[n++] = s[k];
	}
	plain[n] = '\0';
	if (dot_only) {
		if (is_yaml_style_float(plain) && parse_float_text(&d, plain) == 0)
			v = number_from_double(d);
	} else if (parse_go_int(&i, plain) == 0) {
		v = json_integer((json_int_t)i);
	} else if (plain[0] != '-' && plain[0] != '+' && parse_go_uint(&u, plain) == 0) {
		v = json_real((double)u);
	} else if (is_yaml_style_float(plain) && parse_float_text(&d, plain) == 0) {
		v = number_from_double(d);
	}
	cf_free(plain);
	if (v == NULL && cf_err_code() == CF_EINVAL)
		return NULL;
	return v ? v : json_stringn(s, len);
}

json_t *cf_yaml_resolve_plain(const char *s, size_t len)
{
	char hint;
	json_t *v;

	cf_err_clear();
	if (len == 0)
		return json_null();
	hint = resolve_hint((unsigned char)s[0]);
	if (hint == 0)
		return json_stringn(s, len);
	switch (resolve_word(s, len)) {
	case R_TRUE:  return json_true();
	case R_FALSE: return json_false();
	case R_NULL:  return json_null();
	case R_MERGE: return json_stringn(s, len);
	case R_SPECIAL_FLOAT:
		cf_err_set(CF_EINVAL, "%.*s has no JSON form", (int)len, s);
		return NULL;
	default: break;
	}
	if (hint == 'M' || hint == '<')
		return json_stringn(s, len);
	v = resolve_number(s, len, hint == '.');
	return v;
}

/* ---- loading: events -> tree ---- */

typedef struct load_frame {
	json_t *node;        /* object or array under construction */
	json_t *key;         /* for objects: pending key (string), or NULL */
	int key_is_merge;
	json_t *explicit;    /* keys set explicitly (not by merge), for duplicate detection */
	char *anchor;
	size_t line;
} load_frame;

typedef struct loader {
	const char *name;
	json_t *anchors;     /* anchor name -> node */
	load_frame stack[CF_YAML_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	json_t *root;
	int last_key_wins;   /* a key given twice keeps its last value instead of failing */
	int core_bools;      /* YAML 1.2's booleans only (kyaml): y/yes/on/off... stay strings */
} loader;

/* arg may be cf_err_msg() itself: it is copied before the message is rewritten (formatting a
 * buffer into itself is undefined). */
static int load_error(const loader *ld, size_t line, int code, const char *fmt, const char *arg)
{
	char copy[1024];

	snprintf(copy, sizeof(copy), "%s", arg ? arg : "");
	return cf_err_set(code, "%s:%zu: %s%s", ld->name, line, fmt, copy);
}

static int count_nodes(loader *ld, const json_t *v, size_t line)
{
	size_t n = 1;
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) {
			(void)k;
			int rc = count_nodes(ld, c, line);
			if (rc < 0)
				return rc;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			int rc = count_nodes(ld, c, line);
			if (rc < 0)
				return rc;
		}
	}
	ld->nodes += n;
	if (ld->nodes > CF_YAML_MAX_NODES)
		return load_error(ld, line, CF_ETOOBIG, "document expands to too many nodes (alias bomb?)", NULL);
	return 0;
}

static int key_from_scalar(json_t **out, const json_t *v)
{
	char tmp[64];

	if (json_is_string(v)) {
		*out = json_copy((json_t *)v);
	} else if (json_is_null(v)) {
		*out = json_string("null");
	} else if (json_is_boolean(v)) {
		*out = json_string(json_is_true(v) ? "true" : "false");
	} else if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = json_string(tmp);
	} else if (json_is_real(v)) {
		snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
		*out = json_string(tmp);
	} else {
		return cf_err_set(CF_EINVAL, "a mapping key must be a scalar");
	}
	return *out ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

static int merge_into(loader *ld, load_frame *f, json_t *src, size_t line)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(src)) {
		/* earlier maps in the list win: none overrides a key already present */
		json_array_foreach(src, i, v) {
			if (!json_is_object(v))
				return load_error(ld, line, CF_EINVAL, "merge key << wants a mapping or a list of mappings", NULL);
			int rc = merge_into(ld, f, v, line);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (!json_is_object(src))
		return load_error(ld, line, CF_EINVAL, "merge key << wants a mapping or a list of mappings", NULL);
	json_object_foreach(src, k, v) {
		if (json_object_get(f->node, k) != NULL)
			continue;
		if (json_object_set(f->node, k, v) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}

/* Adds a finished value (a new reference, stolen) to the frame on top, or makes it the root. */
static int loader_add(loader *ld, json_t *v, int is_plain_merge_key, size_t line)
{
	load_frame *f;

	if (ld->depth == 0) {
		ld->root = v;
		return 0;
	}
	f = &ld->stack[ld->depth - 1];
	if (json_is_array(f->node)) {
		if (json_array_append_new(f->node, v) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
		return 0;
	}
	if (f->key == NULL && !f->key_is_merge) {
		if (is_plain_merge_key) {
			f->key_is_merge = 1;
			json_decref(v);
			return 0;
		}
		if (json_is_object(v) || json_is_array(v)) {
			json_decref(v);
			return load_error(ld, line, CF_EINVAL, "a mapping key must be a scalar", NULL);
		}
		int rc = key_from_scalar(&f->key, v);
		json_decref(v);
		if (rc < 0)
			return load_error(ld, line, rc, "a mapping key must be a scalar", NULL);
		return 0;
	}
	if (f->key_is_merge) {
		f->key_is_merge = 0;
		int rc = merge_into(ld, f, v, line);
		json_decref(v);
		return rc;
	}
	const char *key = json_string_value(f->key);
	if (json_object_get(f->explicit, key) != NULL && !ld->last_key_wins) {
		int rc = load_error(ld, line, CF_EINVAL, "duplicate mapping key ", key);
		json_decref(v);
		return rc;
	}
	if (json_object_set_new(f->explicit, key, json_true()) < 0) {
		json_decref(v);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (json_object_set_new(f->node, key, v) < 0)   /* steals v, even on failure */
		return cf_err_set(CF_ENOMEM, "out of memory");
	json_decref(f->key);
	f->key = NULL;
	return 0;
}

static int loader_anchor(loader *ld, const char *anchor, json_t *v)
{
	if (anchor == NULL)
		return 0;
	if (json_object_set(ld->anchors, anchor, v) < 0)
		return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

static int load_tagged_scalar(json_t **out, const loader *ld, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	size_t line = ev->start_mark.line + 1;
	json_t *v;

	if (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, YAML_DEFAULT_SCALAR_TAG) == 0 ||
	    strcmp(tag, "tag:yaml.org,2002:binary") == 0 || strcmp(tag, YAML_TIMESTAMP_TAG) == 0) {
		*out = json_stringn(s, len);
		return 0;
	}
	v = cf_yaml_resolve_plain(s, len);
	if (v == NULL)
		return load_error(ld, line, CF_EINVAL, "cannot decode scalar: ", cf_err_msg());
	if ((strcmp(tag, YAML_INT_TAG) == 0 && !json_is_integer(v)) ||
	    (strcmp(tag, YAML_FLOAT_TAG) == 0 && !json_is_number(v)) ||
	    (strcmp(tag, YAML_BOOL_TAG) == 0 && !json_is_boolean(v)) ||
	    (strcmp(tag, YAML_NULL_TAG) == 0 && !json_is_null(v))) {
		json_decref(v);
		return load_error(ld, line, CF_EINVAL, "scalar does not match its tag ", tag);
	}
	*out = v;
	return 0;
}

static int load_scalar(loader *ld, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	size_t line = ev->start_mark.line + 1;
	const char *tag = (const char *)ev->data.scalar.tag;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int is_merge = 0;
	json_t *v = NULL;
	int rc;

	if (tag != NULL && strcmp(tag, "!") != 0 && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
		rc = load_tagged_scalar(&v, ld, ev);
		if (rc < 0)
			return rc;
	} else if (plain && (tag == NULL || strcmp(tag, "!") != 0)) {
		is_merge = len == 2 && memcmp(s, "<<", 2) == 0;
		v = ld->core_bools && yaml11_only_bool(s, len) ? json_stringn(s, len) : cf_yaml_resolve_plain(s, len);
		if (v == NULL && cf_err_code() != 0)
			return load_error(ld, line, CF_EINVAL, "cannot decode scalar: ", cf_err_msg());
	} else {
		v = json_stringn(s, len);
	}
	if (v == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (++ld->nodes > CF_YAML_MAX_NODES) {
		json_decref(v);
		return load_error(ld, line, CF_ETOOBIG, "document has too many nodes", NULL);
	}
	rc = loader_anchor(ld, (const char *)ev->data.scalar.anchor, v);
	if (rc < 0) {
		json_decref(v);
		return rc;
	}
	return loader_add(ld, v, is_merge, line);
}

static int load_alias(loader *ld, const yaml_event_t *ev)
{
	const char *anchor = (const char *)ev->data.alias.anchor;
	size_t line = ev->start_mark.line + 1;
	json_t *target = json_object_get(ld->anchors, anchor);
	json_t *copy;

	if (target == NULL)
		return load_error(ld, line, CF_EINVAL, "unknown anchor (or an anchor that contains itself) ", anchor);
	int rc = count_nodes(ld, target, line);
	if (rc < 0)
		return rc;
	/* a copy, so that editing one place of the tree never changes another */
	copy = json_deep_copy(target);
	if (copy == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	return loader_add(ld, copy, 0, line);
}

static int load_start(loader *ld, const yaml_event_t *ev, int is_map)
{
	size_t line = ev->start_mark.line + 1;
	const char *anchor = (const char *)(is_map ? ev->data.mapping_start.anchor
						   : ev->data.sequence_start.anchor);
	load_frame *f;

	if (ld->depth >= CF_YAML_MAX_DEPTH)
		return load_error(ld, line, CF_ETOOBIG, "document nests too deeply", NULL);
	if (++ld->nodes > CF_YAML_MAX_NODES)
		return load_error(ld, line, CF_ETOOBIG, "document has too many nodes", NULL);
	f = &ld->stack[ld->depth];
	memset(f, 0, sizeof(*f));
	f->line = line;
	f->node = is_map ? json_object() : json_array();
	f->explicit = is_map ? json_object() : NULL;
	f->anchor = anchor ? cf_strdup(anchor) : NULL;
	if (f->node == NULL || (is_map && f->explicit == NULL) || (anchor && f->anchor == NULL)) {
		json_decref(f->node);
		json_decref(f->explicit);
		cf_free(f->anchor);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	ld->depth++;
	return 0;
}

static void frame_release(load_frame *f)
{
	json_decref(f->key);
	json_decref(f->explicit);
	cf_free(f->anchor);
	f->key = f->explicit = NULL;
	f->anchor = NULL;
}

static int load_end(loader *ld)
{
	load_frame *f = &ld->stack[--ld->depth];
	json_t *node = f->node;
	size_t line = f->line;
	int rc;

	if (f->key_is_merge || f->key != NULL) {
		/* cannot happen with a well-formed event stream; guard anyway */
		frame_release(f);
		json_decref(node);
		return load_error(ld, line, CF_EINVAL, "mapping key without a value", NULL);
	}
	rc = loader_anchor(ld, f->anchor, node);
	frame_release(f);
	if (rc < 0) {
		json_decref(node);
		return rc;
	}
	return loader_add(ld, node, 0, line);
}

static void loader_reset(loader *ld)
{
	while (ld->depth > 0) {
		load_frame *f = &ld->stack[--ld->depth];
		frame_release(f);
		json_decref(f->node);
	}
	json_decref(ld->root);
	ld->root = NULL;
	json_object_clear(ld->anchors);
}

static int parser_error(const loader *ld, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return cf_err_set(CF_ENOMEM, "%s: out of memory while parsing YAML", ld->name);
	if (p->context)
		return cf_err_set(CF_EINVAL, "%s:%zu:%zu: %s %s (line %zu)", ld->name,
				  p->problem_mark.line + 1, p->problem_mark.column + 1,
				  p->problem ? p->problem : "invalid YAML", p->context,
				  p->context_mark.line + 1);
	return cf_err_set(CF_EINVAL, "%s:%zu:%zu: %s", ld->name, p->problem_mark.line + 1,
			  p->problem_mark.column + 1, p->problem ? p->problem : "invalid YAML");
}

static int load_event(loader *ld, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:         return load_scalar(ld, ev);
	case YAML_ALIAS_EVENT:          return load_alias(ld, ev);
	case YAML_SEQUENCE_START_EVENT: return load_start(ld, ev, 0);
	case YAML_MAPPING_START_EVENT:  return load_start(ld, ev, 1);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:    return load_end(ld);
	default:                        return 0;
	}
}

static int load_stream(json_t **out, json_t **lines, const char *data, size_t len, const char *name,
		       int last_key_wins, int core_bools)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	loader ld;
	json_t *docs = json_array(), *doc_lines = json_array();
	size_t doc_line = 1;
	int rc = 0, done = 0;

	*out = NULL;
	if (lines)
		*lines = NULL;
	memset(&ld, 0, sizeof(ld));
	ld.name = name ? name : "<input>";
	ld.last_key_wins = last_key_wins;
	ld.core_bools = core_bools;
	ld.anchors = json_object();
	if (docs == NULL || doc_lines == NULL || ld.anchors == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out_noparser;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out_noparser;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(&ld, &parser);
			goto out;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = 1;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT) {
			doc_line = ev.start_mark.line + 1;
			json_object_clear(ld.anchors);
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			if (ld.root != NULL && !json_is_null(ld.root)) {
				if (json_array_append(docs, ld.root) < 0 ||
				    json_array_append_new(doc_lines, json_integer((json_int_t)doc_line)) < 0) {
					yaml_event_delete(&ev);
					rc = cf_err_set(CF_ENOMEM, "out of memory");
					goto out;
				}
			}
			json_decref(ld.root);
			ld.root = NULL;
		} else {
			rc = load_event(&ld, &ev);
		}
		yaml_event_delete(&ev);
		if (rc < 0)
			goto out;
	}
	*out = docs;
	docs = NULL;
	if (lines) {
		*lines = doc_lines;
		doc_lines = NULL;
	}
out:
	yaml_parser_delete(&parser);
out_noparser:
	loader_reset(&ld);
	json_decref(ld.anchors);
	json_decref(docs);
	json_decref(doc_lines);
	return rc;
}

int cf_yaml_load_all_lines(json_t **out, json_t **lines, const char *data, size_t len,
			   const char *name)
{
	return load_stream(out, lines, data, len, name, 0, 0);
}

int cf_yaml_load_all(json_t **out, const char *data, size_t len, const char *name)
{
	return load_stream(out, NULL, data, len, name, 0, 0);
}

int cf_yaml_load_all_kyaml(json_t **out, const char *data, size_t len, const char *name)
{
	return load_stream(out, NULL, data, len, name, 0, 1);
}

static int load_one(json_t **out, const char *data, size_t len, const char *name, int last_key_wins)
{
	json_t *docs;
	int rc = load_stream(&docs, NULL, data, len, name, last_key_wins, 0);

	*out = NULL;
	if (rc < 0)
		return rc;
	if (json_array_size(docs) > 1) {
		json_decref(docs);
		return cf_err_set(CF_EINVAL, "%s: expected one YAML document, found %zu",
				  name ? name : "<input>", json_array_size(docs));
	}
	*out = json_array_size(docs) == 1 ? json_incref(json_array_get(docs, 0)) : json_null();
	json_decref(docs);
	return 0;
}

int cf_yaml_load(json_t **out, const char *data, size_t len, const char *name)
{
	return load_one(out, data, len, name, 0);
}

int cf_yaml_load_last_key_wins(json_t **out, const char *data, size_t len, const char *name)
{
	return load_one(out, data, len, name, 1);
}

int cf_yaml_load_file(json_t **out, const char *path, size_t max)
{
	cf_buf b = CF_BUF_INIT(max);
	int rc;

	*out = NULL;
	rc = cf_buf_read_file(&b, path);
	if (rc == 0)
		rc = cf_yaml_load_all(out, b.data ? b.data : "", b.len, path);
	cf_buf_free(&b);
	return rc;
}

/* ---- dumping: tree -> events ---- */

static int emit_write(void *data, unsigned char *buffer, size_t size)
{
	return cf_buf_append((cf_buf *)data, buffer, size) == 0;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(e, ev))
		return cf_err_set(e->error == YAML_MEMORY_ERROR ? CF_ENOMEM : CF_EINVAL,
				  "YAML emitter: %s", e->problem ? e->problem : "write failed");
	return 0;
}

/* Digits at *p (1 to max of them) as a number within lo..hi; advances *p. */
static int ts_number(const char **p, const char *end, int max, int lo, int hi)
{
	int n = 0, v = 0;

	while (*p < end && n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n > 0 && v >= lo && v <= hi ? v : -1;
}

/* Whether go-yaml v2 reads s as a timestamp (its allowedTimestampFormats: "2006-1-2",
 * "2006-1-2 15:4:5.999999999", and with T or t and a zone Z or +07:00): Go's YAML quotes those. */
static int go_timestamp(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	char sep;

	if (ts_number(&p, end, 4, 0, 9999) < 0 || p != s + 4 || p == end || *p++ != '-' ||
	    ts_number(&p, end, 2, 1, 12) < 0 || p == end || *p++ != '-' || ts_number(&p, end, 2, 1, 31) < 0)
		return 0;
	if (p == end)
		return 1;
	sep = *p++;
	if ((sep != 'T' && sep != 't' && sep != ' ') || ts_number(&p, end, 2, 0, 23) < 0 || p == end || *p++ != ':' ||
	    ts_number(&p, end, 2, 0, 59) < 0 || p == end || *p++ != ':' || ts_number(&p, end, 2, 0, 59) < 0)
		return 0;
	if (p < end && *p == '.') {
		const char *digits = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits || p - digits > 9)
			return 0;
	}
	if (sep == ' ')
		return p == end;
	if (p < end && *p == 'Z')
		return p + 1 == end;
	if (p == end || (*p != '+' && *p != '-'))
		return 0;
	p++;
	return ts_number(&p, end, 2, 0, 23) >= 0 && p < end && *p++ == ':' && ts_number(&p, end, 2, 0, 59) >= 0 && p == end;
}

/* A string is written plain only if reading it back gives the same string (for Go's YAML,
 * a timestamp is not). */
static int string_needs_quotes(const char *s, size_t len, int go)
{
	json_t *v;
	int same;

	if (len == 0)
		return 1;
	v = cf_yaml_resolve_plain(s, len);
	if (v == NULL)
		return 1;
	same = json_is_string(v);
	json_decref(v);
	if (!same || (len == 2 && memcmp(s, "<<", 2) == 0))
		return 1;
	return go && go_timestamp(s, len);
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len, int go)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (string_needs_quotes(s, len, go))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (memchr(s, '\n', len) != NULL)
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		return cf_err_set(CF_ENOMEM, "out of memory");
	return emit(e, &ev);
}

static int emit_plain(yaml_emitter_t *e, const char *s)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 0,
					  YAML_PLAIN_SCALAR_STYLE))
		return cf_err_set(CF_ENOMEM, "out of memory");
	return emit(e, &ev);
}

static int format_real(char *buf, size_t size, double d)
{
	if (!isfinite(d))
		return cf_err_set(CF_EINVAL, "a number that is not finite cannot be written as YAML");
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (!strpbrk(buf, ".eE"))
		strncat(buf, ".0", size - strlen(buf) - 1);
	return 0;
}

static int emit_node(yaml_emitter_t *e, const json_t *v, unsigned depth, int go)
{
	yaml_event_t ev;
	char num[64];
	const char *k;
	json_t *c;
	size_t i;
	int empty;

	if (depth > CF_YAML_MAX_DEPTH)
		return cf_err_set(CF_ETOOBIG, "tree nests too deeply to write as YAML");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		empty = json_object_size(v) == 0;
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
				empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE))
			return cf_err_set(CF_ENOMEM, "out of memory");
		if (emit(e, &ev) < 0)
			return cf_err_code();
		json_object_foreach((json_t *)v, k, c) {
			if (emit_string(e, k, strlen(k), go) < 0 || emit_node(e, c, depth + 1, go) < 0)
				return cf_err_code();
		}
		yaml_mapping_end_event_initialize(&ev);
		return emit(e, &ev);
	case JSON_ARRAY:
		empty = json_array_size(v) == 0;
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
				empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE))
			return cf_err_set(CF_ENOMEM, "out of memory");
		if (emit(e, &ev) < 0)
			return cf_err_code();
		json_array_foreach(v, i, c)
			if (emit_node(e, c, depth + 1, go) < 0)
				return cf_err_code();
		yaml_sequence_end_event_initialize(&ev);
		return emit(e, &ev);
	case JSON_STRING:
		return emit_string(e, json_string_value(v), json_string_length(v), go);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_plain(e, num);
	case JSON_REAL:
		if (format_real(num, sizeof(num), json_real_value(v)) < 0)
			return cf_err_code();
		return emit_plain(e, num);
	case JSON_TRUE:  return emit_plain(e, "true");
	case JSON_FALSE: return emit_plain(e, "false");
	case JSON_NULL:  return emit_plain(e, "null");
	}
	return cf_err_set(CF_EINVAL, "unknown JSON type");
}

static int dump_docs(cf_buf *out, const json_t *const *docs, size_t n, int go)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_emitter_initialize(&e))
		return cf_err_set(CF_ENOMEM, "out of memory");
	yaml_emitter_set_output(&e, emit_write, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_indent(&e, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if ((rc = emit(&e, &ev)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, i == 0)) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = emit(&e, &ev)) < 0 || (rc = emit_node(&e, docs[i], 0, go)) < 0)
			goto out;
		yaml_document_end_event_initialize(&ev, 1);
		if ((rc = emit(&e, &ev)) < 0)
			goto out;
	}
	yaml_stream_end_event_initialize(&ev);
	rc = emit(&e, &ev);
	if (rc == 0 && !yaml_emitter_flush(&e))
		rc = cf_err_set(CF_EIO, "YAML emitter: flush failed");
out:
	yaml_emitter_delete(&e);
	return rc;
}

int cf_yaml_dump(cf_buf *out, const json_t *doc)
{
	return dump_docs(out, &doc, 1, 0);
}

int cf_yaml_dump_go(cf_buf *out, const json_t *doc)
{
	return dump_docs(out, &doc, 1, 1);
}

int cf_yaml_dump_all(cf_buf *out, const json_t *docs)
{
	size_t n = json_array_size(docs);
	const json_t **list;
	int rc;

	if (!json_is_array(docs))
		return cf_err_set(CF_EINVAL, "cf_yaml_dump_all wants an array of documents");
	if (n == 0)
		return 0;
	list = cf_calloc(n, sizeof(*list));
	if (list == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		list[i] = json_array_get(docs, i);
	rc = dump_docs(out, list, n, 0);
	cf_free(list);
	return rc;
}

const char *cf_json_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int cf_json_merge_deep(json_t *dst, const json_t *src)
{
	const char *k;
	json_t *v;

	if (!json_is_object(dst) || !json_is_object(src))
		return cf_err_set(CF_EINVAL, "values to merge are not maps");
	json_object_foreach((json_t *)src, k, v) {
		json_t *had = json_object_get(dst, k);
		int rc;

		if (json_is_object(had) && json_is_object(v)) {
			if ((rc = cf_json_merge_deep(had, v)) < 0)
				return rc;
			continue;
		}
		if (json_object_set_new(dst, k, json_deep_copy(v)) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}
