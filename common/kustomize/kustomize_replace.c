/* common/kustomize/kustomize_replace.c - replacements: copy a field of one object into fields of others. */
#include "kustomize/kustomize_internal.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- replacements: copy a field of one object into fields of others ---- */

/* Appends part to segs, joined to the last part by a dot when that one ends in a backslash
 * (kustomize's PathSplitter: a backslash before a dot makes the dot part of the name). */
static void path_push(json_t *segs, const char *p, size_t len)
{
	size_t n = json_array_size(segs);
	const char *last = n ? json_string_value(json_array_get(segs, n - 1)) : NULL;
	size_t ll = last ? strlen(last) : 0;

	if (ll && last[ll - 1] == '\\') {
		cf_buf b = CF_BUF_INIT(1u << 20);
		cf_buf_append(&b, last, ll - 1);
		cf_buf_puts(&b, ".");
		cf_buf_append(&b, p, len);
		json_array_set_new(segs, n - 1, json_stringn(b.data ? b.data : "", b.len));
		cf_buf_free(&b);
	} else {
		json_array_append_new(segs, json_stringn(p, len));
	}
}

/* Splits a fieldPath as kustomize's SmarterPathSplitter does: by dots (not one after a
 * backslash; a leading dot is dropped); a part from "[" to the next part ending in "]" keeps
 * its dots, and loses its brackets when it holds no "=": "[name=a.b]" matches list elements,
 * while "annotations.[a.b/c]" is the key a.b/c. Returns a new array of strings. */
static json_t *field_path(const char *fp)
{
	json_t *raw = json_array(), *segs = json_array();
	const char *p = fp;
	size_t n, i;

	for (;;) {
		size_t len = strcspn(p, ".");
		path_push(raw, p, len);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (json_array_size(raw) > 1 && *json_string_value(json_array_get(raw, 0)) == '\0')
		json_array_remove(raw, 0);
	n = json_array_size(raw);
	for (i = 0; i < n; i++) {
		const char *e = json_string_value(json_array_get(raw, i));
		size_t el = strlen(e);
		cf_buf b = CF_BUF_INIT(1u << 20);

		if (e[0] != '[' || e[el - 1] == ']') {
			json_array_append(segs, json_array_get(raw, i));
			continue;
		}
		cf_buf_puts(&b, e);
		while (i + 1 < n) {
			const char *next = json_string_value(json_array_get(raw, ++i));
			cf_buf_puts(&b, ".");
			cf_buf_puts(&b, next);
			if (*next && next[strlen(next) - 1] == ']')
				break;
		}
		if (memchr(b.data, '=', b.len) != NULL) {
			json_array_append_new(segs, json_stringn(b.data, b.len));
		} else {   /* strings.Trim(part, "[]") */
			size_t from = 0, to = b.len;
			while (from < to && (b.data[from] == '[' || b.data[from] == ']'))
				from++;
			while (to > from && (b.data[to - 1] == '[' || b.data[to - 1] == ']'))
				to--;
			json_array_append_new(segs, json_stringn(b.data + from, to - from));
		}
		cf_buf_free(&b);
	}
	json_decref(raw);
	return segs;
}

/* Walks segs from node (the first match of each [k=v]). Returns the holder of the last segment
 * and its key (copied into key[256], "" for lists) or index (for lists): a source's field. */
static json_t *field_parent(json_t *node, const json_t *segs, char *key, size_t *index)
{
	size_t n = json_array_size(segs);

	for (size_t i = 0; i < n && node; i++) {
		const char *seg = json_string_value(json_array_get(segs, i));
		json_t *next = NULL;

		if (seg[0] == '[') {   /* [key=value] in a list */
			char k[256], v[512];
			size_t j;
			json_t *e;
			if (!json_is_array(node) || sscanf(seg, "[%255[^=]=%511[^]]]", k, v) != 2)
				return NULL;
			json_array_foreach(node, j, e)
				if (cf_json_str(e, k) && strcmp(cf_json_str(e, k), v) == 0) {
					next = e;
					if (i + 1 == n) {
						key[0] = '\0';
						*index = j;
						return node;
					}
					break;
				}
		} else if (json_is_array(node)) {
			char *end;
			long idx = strtol(seg, &end, 10);
			if (*end != '\0' || idx < 0 || (size_t)idx >= json_array_size(node))
				return NULL;
			if (i + 1 == n) {
				key[0] = '\0';
				*index = (size_t)idx;
				return node;
			}
			next = json_array_get(node, (size_t)idx);
		} else if (json_is_object(node)) {
			if (i + 1 == n) {
				snprintf(key, 256, "%s", seg);
				return node;
			}
			next = json_object_get(node, seg);
		}
		node = next;
	}
	return NULL;
}

static json_t *field_get(json_t *obj, const char *fp)
{
	json_t *segs = field_path(fp), *parent, *v = NULL;
	char key[256] = "";
	size_t idx = 0;

	if (segs && (parent = field_parent(obj, segs, key, &idx)) != NULL)
		v = key[0] ? json_object_get(parent, key) : json_array_get(parent, idx);
	json_decref(segs);
	return v;
}

/* The part `index` of s split by delim, or NULL when there is no such part. */
static json_t *delimited_part(const char *s, const char *delim, long index)
{
	const char *p = s;
	size_t dl = strlen(delim);

	if (index < 0 || dl == 0)
		return NULL;
	for (long i = 0; i < index; i++) {
		const char *q = strstr(p, delim);
		if (q == NULL)
			return NULL;
		p = q + dl;
	}
	const char *q = strstr(p, delim);
	return json_stringn(p, q ? (size_t)(q - p) : strlen(p));
}

/* s with its part `index` (by delim) replaced by value; an index below 0 puts value in front
 * as a part of its own, one past the parts appends it (kustomize's setFieldValue). */
static json_t *delimited_replace(const char *s, const char *delim, long index, const char *value)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	const char *p = s;
	size_t dl = strlen(delim);
	long i = 0;
	json_t *out;

	if (index < 0) {
		cf_buf_puts(&b, value);
		cf_buf_puts(&b, delim);
	}
	for (;;) {
		const char *q = strstr(p, delim);
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (i > 0)
			cf_buf_puts(&b, delim);
		if (i == index)
			cf_buf_puts(&b, value);
		else
			cf_buf_append(&b, p, len);
		i++;
		if (q == NULL)
			break;
		p = q + dl;
	}
	if (index >= i) {   /* past the end: appended, as one more part */
		cf_buf_puts(&b, delim);
		cf_buf_puts(&b, value);
	}
	out = json_stringn(b.data ? b.data : "", b.len);
	cf_buf_free(&b);
	return out;
}

/* The text a scalar has in YAML (numbers in their shortest form): what kyaml matches [k=v]
 * against and copies into a scalar. NULL for maps and lists. */
static const char *scalar_text(const json_t *v, char buf[64])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, 64, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, 64, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_null(v))
		buf[0] = '\0';
	else
		return NULL;
	return buf;
}

/* kustomize copies only the text into a scalar target, which keeps its YAML type: "4" into
 * replicas: 1 is the number 4, 4 into a string field is "4". */
static json_t *scalar_as(const json_t *old, const char *t)
{
	char *end;

	if (json_is_integer(old)) {
		long long n = strtoll(t, &end, 10);
		if (*t && *end == '\0')
			return json_integer(n);
	} else if (json_is_real(old)) {
		double d = strtod(t, &end);
		if (*t && *end == '\0')
			return json_real(d);
	} else if (json_is_boolean(old) && (strcmp(t, "true") == 0 || strcmp(t, "false") == 0)) {
		return json_boolean(strcmp(t, "true") == 0);
	}
	return json_string(t);
}

/* ---- target paths: the fields a fieldPath reaches, made on the way with options.create ---- */

/* The fields one target path reached: [holder, key or index, created] each. */
typedef struct path_match {
	json_t *segs;
	int create;          /* options.create: missing fields and the next list element are made */
	json_t *slots;
	char why[256];       /* why the path cannot be followed, "" when it can */
} path_match;

/* A non-negative list index, as kyaml's IsIdxNumber reads one (strconv.Atoi). */
static int path_index(const char *seg, long *idx)
{
	char *end;
	const char *d = seg + (*seg == '+' || *seg == '-');

	if (*d < '0' || *d > '9')
		return 0;
	errno = 0;
	*idx = strtol(seg, &end, 10);
	return *end == '\0' && errno == 0 && *idx >= 0;
}

static int path_list_part(const char *seg)
{
	size_t n = strlen(seg);

	return n >= 2 && seg[0] == '[' && seg[n - 1] == ']';
}

/* What kyaml makes for a missing part, by the part after it: a list before an index or
 * [k=v], a map before a field, and null (set later) for the last part. */
static json_t *path_new_part(const char *next)
{
	long idx;

	if (next == NULL)
		return json_null();
	return path_list_part(next) || path_index(next, &idx) ? json_array() : json_object();
}

/* kyaml matches [k=v] as a regular expression anywhere in the field's text (regexp.MatchString):
 * [name=app] also takes app-sidecar. */
static int element_matches(const json_t *field, const regex_t *re)
{
	char buf[64];
	const char *have = scalar_text(field, buf);

	return have && regexec(re, have, 0, NULL, 0) == 0;
}

/* A scalar kyaml writes untagged (a created [k=v] value): read back as plain YAML is read. */
static json_t *plain_scalar(const char *s, size_t len)
{
	json_t *v = cf_yaml_resolve_plain(s, len);

	if (v == NULL) {   /* .inf and .nan: no JSON number */
		cf_err_clear();
		v = json_stringn(s, len);
	}
	return v;
}

static int match_node(path_match *m, json_t *node, size_t i);

/* Part i reached holder's key (or index): the end of the path, or the rest from there. */
static int match_child(path_match *m, json_t *holder, const char *key, size_t index, size_t i, int created)
{
	if (i + 1 < json_array_size(m->segs))
		return match_node(m, key ? json_object_get(holder, key) : json_array_get(holder, index), i + 1);
	json_array_append_new(m->slots, key ? json_pack("[Osb]", holder, key, created) :
					       json_pack("[OIb]", holder, (json_int_t)index, created));
	return 0;
}

static const char *node_kind(const json_t *node)
{
	return json_is_object(node) ? "map" : json_is_array(node) ? "list" : "scalar";
}

/* A number part: that element of a list; with create, one past the end is appended. */
static int match_index(path_match *m, json_t *node, size_t i, long idx)
{
	const char *next = json_string_value(json_array_get(m->segs, i + 1));
	size_t n = json_array_size(node);
	int created = 0;

	if (node && !json_is_null(node) && !json_is_array(node)) {
		snprintf(m->why, sizeof(m->why), "index %ld given for a %s", idx, node_kind(node));
		return -1;
	}
	if (m->create && json_is_array(node) && (size_t)idx == n) {
		json_array_append_new(node, path_new_part(next));
		created = 1;
		n++;
	}
	if ((size_t)idx >= n) {
		snprintf(m->why, sizeof(m->why), "index %ld specified but only %zu elements found", idx, n);
		return -1;
	}
	return match_child(m, node, NULL, (size_t)idx, i, created);
}

/* The elements of list node that [key=pattern] takes (key "": scalar elements), as
 * match_elements describes. */
static int match_each_element(path_match *m, json_t *node, size_t i, const char *key, const char *want, const regex_t *re)
{
	size_t j, before = json_array_size(m->slots);
	json_t *e;
	int rc;

	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(node, j, e) {
			if (!element_matches(*key ? json_object_get(e, key) : e, re))
				continue;
			if ((rc = match_child(m, node, NULL, j, *key ? i : json_array_size(m->segs) - 1, 0)) < 0)
				return rc;
		}
		if (!m->create || json_array_size(m->slots) > before)
			break;
		if (*key)
			json_array_append_new(node, json_pack("{so}", key, plain_scalar(want, strlen(want))));
		else
			json_array_append_new(node, plain_scalar(want, strlen(want)));
	}
	return 0;
}

/* [k=v]: each element whose k matches the pattern v ([=v]: each scalar element that does, the
 * end of the path as kyaml has it); with create and none, an element {k: v} (or v) is appended. */
static int match_elements(path_match *m, json_t *node, size_t i)
{
	const char *seg = json_string_value(json_array_get(m->segs, i)), *eq = strchr(seg, '=');
	char *key = NULL, *want = NULL;
	regex_t re;
	int rc, err;

	if (eq == NULL) {
		snprintf(m->why, sizeof(m->why), "list path element must contain fieldName=fieldValue for element to match");
		return -1;
	}
	if (node == NULL || json_is_null(node))
		return 0;
	if (!json_is_array(node)) {
		snprintf(m->why, sizeof(m->why), "%s given for a %s", seg, node_kind(node));
		return -1;
	}
	key = cf_strndup(seg + 1, (size_t)(eq - seg - 1));
	want = cf_strndup(eq + 1, strlen(eq + 1) - 1);
	if (key == NULL || want == NULL) {
		snprintf(m->why, sizeof(m->why), "out of memory");
		rc = -1;
	} else if ((err = regcomp(&re, want, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[128];
		regerror(err, &re, msg, sizeof(msg));
		snprintf(m->why, sizeof(m->why), "%s: pattern %s: %s", seg, want, msg);
		rc = -1;
	} else {
		rc = match_each_element(m, node, i, key, want, &re);
		regfree(&re);
	}
	cf_free(key);
	cf_free(want);
	return rc;
}

/* Follows part i from node as kyaml's PathMatcher does: a number is that list element, [k=v]
 * the matching elements, "*" every element, anything else a map's field. */
static int match_node(path_match *m, json_t *node, size_t i)
{
	const char *seg = json_string_value(json_array_get(m->segs, i));
	const char *next = json_string_value(json_array_get(m->segs, i + 1));
	size_t j;
	long idx;
	json_t *e;
	int rc;

	if (path_index(seg, &idx))
		return match_index(m, node, i, idx);
	if (path_list_part(seg))
		return match_elements(m, node, i);
	if (node == NULL || json_is_null(node))
		return 0;
	if (strcmp(seg, "*") == 0) {
		if (!json_is_array(node)) {
			snprintf(m->why, sizeof(m->why), "* given for a %s", node_kind(node));
			return -1;
		}
		json_array_foreach(node, j, e)
			if ((rc = match_child(m, node, NULL, j, i, 0)) < 0)
				return rc;
		return 0;
	}
	if (!json_is_object(node)) {
		snprintf(m->why, sizeof(m->why), "field %s given for a %s", seg, node_kind(node));
		return -1;
	}
	if (json_object_get(node, seg) == NULL) {
		if (!m->create)
			return 0;
		json_object_set_new(node, seg, path_new_part(next));
		return match_child(m, node, seg, 0, i, 1);
	}
	return match_child(m, node, seg, 0, i, 0);
}

/* What a replacement writes into each field its target path reaches. */
typedef struct {
	const json_t *value, *opts;
	int untagged;        /* a sourceValue: kyaml holds it untagged, so written whole it reads as plain YAML */
} target_put;

/* Writes t's value at holder's key (or index) as kustomize's setFieldValue does: a scalar
 * field gets the text and keeps its type; a field the path created has no type, so the text
 * reads as plain YAML (a string "8080" becomes 8080); a map or list is replaced whole. */
static int put_one(json_t *holder, const char *key, size_t index, int created, const target_put *t)
{
	json_t *old = key ? json_object_get(holder, key) : json_array_get(holder, index), *newv, *joined = NULL;
	int value_scalar = !json_is_object(t->value) && !json_is_array(t->value);
	int target_scalar = created ? value_scalar : !json_is_object(old) && !json_is_array(old);
	const char *delim = cf_json_str(t->opts, "delimiter");
	char buf[64], oldbuf[64];
	const char *text = value_scalar ? scalar_text(t->value, buf) : "";

	if (delim && *delim) {   /* the value goes into one part of the target's text */
		const char *was = created || json_is_null(old) ? "" : scalar_text(old, oldbuf);
		if (!target_scalar)
			return -1;
		joined = delimited_replace(was ? was : "", delim, (long)json_integer_value(json_object_get(t->opts, "index")), text);
		text = json_string_value(joined);
	}
	if (target_scalar && created)
		newv = plain_scalar(text, strlen(text));
	else if (target_scalar && !json_is_null(old))
		newv = scalar_as(old, text);
	else if (value_scalar && (t->untagged || joined))
		newv = plain_scalar(text, strlen(text));
	else
		newv = json_deep_copy(t->value);
	json_decref(joined);
	if (key)
		json_object_set_new(holder, key, newv);
	else
		json_array_set_new(holder, index, newv);
	return 0;
}

/* Writes into every field one target path reaches; none reached is an error naming the path. */
static int put_path(json_t *obj, const char *fp, const target_put *t, const kres *r, const char *where)
{
	path_match m = { field_path(fp), json_is_true(json_object_get(t->opts, "create")), json_array(), "" };
	int rc = 0;
	size_t i;
	json_t *slot;

	if (json_array_size(m.segs))
		rc = match_node(&m, obj, 0);
	if (rc < 0 || json_array_size(m.slots) == 0)
		rc = cf_err_set(CF_EINVAL, "%s: unable to find %sfield %s in replacement target %s %s%s%s", where,
				m.create ? "or create " : "", fp, kz_res_kind(r), kz_res_name(r), m.why[0] ? ": " : "", m.why);
	json_array_foreach(m.slots, i, slot) {
		json_t *holder = json_array_get(slot, 0), *at = json_array_get(slot, 1);
		if (rc < 0)
			break;
		if (put_one(holder, json_string_value(at), (size_t)json_integer_value(at), json_is_true(json_array_get(slot, 2)), t) < 0)
			rc = cf_err_set(CF_EINVAL, "%s: replacement target %s %s field %s is a map or list: delimiter option can only be used with scalar nodes",
					where, kz_res_kind(r), kz_res_name(r), fp);
	}
	json_decref(m.segs);
	json_decref(m.slots);
	return rc;
}

static int select_match(const kres *r, const json_t *sel)
{
	const char *n = cf_json_str(sel, "name"), *k = cf_json_str(sel, "kind"), *ns = cf_json_str(sel, "namespace");
	json_t *t;
	int ok;

	if (sel == NULL)
		return 0;
	/* kind, name and namespace in selects are literal (kustomize v5.7.1's IsSelectedBy; patch
	 * targets are regular expressions), and may be any the object had: a name before a prefix,
	 * or a kind and name before a patch changed them (kustomize's previous ids) */
	if (!((k == NULL || strcmp(k, kz_res_kind(r)) == 0) && (n == NULL || kz_name_in_history(r, n))) &&
	    !(n && kz_had_id_before(r, k, n)))
		return 0;
	if (ns && !kz_same_namespace(ns, kz_res_ns(r)) && !(r->ctx && cf_json_str(r->ctx, "ns0") && kz_same_namespace(ns, cf_json_str(r->ctx, "ns0"))))
		return 0;
	t = json_deep_copy(sel);
	json_object_del(t, "name");
	json_object_del(t, "kind");
	json_object_del(t, "namespace");
	ok = kz_target_match(r, t);
	json_decref(t);
	return ok;
}

/* A JSON type's name in the words Go's decoder uses ("cannot unmarshal number ..."). */
static const char *json_type_word(const json_t *v)
{
	return json_is_object(v) ? "object" : json_is_array(v) ? "array" : json_is_boolean(v) ? "bool" : "number";
}

/* The source object's field a replacement copies (kustomize's selectSourceNode and lookup). */
static int source_field(json_t **out, kset *s, const json_t *src, const char *where)
{
	const char *sfp = cf_json_str(src, "fieldPath") ? cf_json_str(src, "fieldPath") : "metadata.name";
	const char *kind = cf_json_str(src, "kind"), *name = cf_json_str(src, "name");
	json_t *value = NULL;
	size_t hits = 0;

	for (size_t k = 0; k < s->n; k++)
		if (select_match(&s->v[k], src)) {
			if (hits++ == 0)
				value = field_get(s->v[k].obj, sfp);
		}
	if (hits != 1)
		return cf_err_set(CF_EINVAL, "%s: replacement source %s %s matches %zu objects, want exactly one",
				  where, kind ? kind : "", name ? name : "", hits);
	if (value == NULL)
		return cf_err_set(CF_EINVAL, "%s: replacement source has no field %s", where, sfp);
	*out = json_deep_copy(value);
	return 0;
}

/* What a replacement copies: its sourceValue (a string, as kustomize's Replacement type has it)
 * or its source's field. Checks the replacement's shape as kustomize does first. *out is new. */
static int replacement_value(json_t **out, kset *s, const json_t *rep, const char *where)
{
	const json_t *src = json_object_get(rep, "source"), *sval = json_object_get(rep, "sourceValue");

	if (json_is_null(src))
		src = NULL;
	if (json_is_null(sval))
		sval = NULL;
	if (sval && !json_is_string(sval))
		return cf_err_set(CF_EINVAL, "%s: invalid Kustomization: replacements: sourceValue must be a string, not %s %s",
				  where, json_is_object(sval) || json_is_array(sval) ? "an" : "a", json_type_word(sval));
	if ((src == NULL && sval == NULL) || json_is_null(json_object_get(rep, "targets")) || json_object_get(rep, "targets") == NULL)
		return cf_err_set(CF_EINVAL, "%s: replacements must specify a source and at least one target", where);
	if (src && sval)
		return cf_err_set(CF_EINVAL, "%s: replacement has both sourceValue and source: value and resource selectors are mutually exclusive", where);
	if (sval) {
		*out = json_deep_copy(sval);
		return 0;
	}
	return source_field(out, s, src, where);
}

/* kustomize ends a build with annotations rewritten as a map of strings (RemoveBuildAnnotations),
 * so a number a replacement made there (a created field reads as plain YAML) is its text; as
 * kustomize.c's loader does for the annotations a manifest gives. */
static void annotations_as_strings(json_t *obj)
{
	json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations"), *v;
	const char *key;
	char buf[64];

	json_object_foreach(ann, key, v)
		if (!json_is_string(v) && !json_is_null(v) && scalar_text(v, buf))
			json_object_set_new(ann, key, json_string(buf));
}

/* Writes value at each field path of one selected object; fieldPaths default to metadata.name. */
static int replace_in_object(kres *r, const json_t *t, const json_t *value, int untagged, const char *where)
{
	const json_t *topts = json_object_get(t, "options"), *fps = json_object_get(t, "fieldPaths");
	static const char *const default_path = "metadata.name";
	size_t n = json_array_size(fps) ? json_array_size(fps) : 1;

	for (size_t f = 0; f < n; f++) {
		const char *fp = json_array_size(fps) ? json_string_value(json_array_get(fps, f)) : default_path;
		target_put put = { value, topts, untagged };
		int rc;

		if ((rc = put_path(r->obj, fp ? fp : "", &put, r, where)) < 0)
			return rc;
	}
	annotations_as_strings(r->obj);
	return 0;
}

/* One entry of a replacement's targets: every object its select takes and no reject takes. */
static int replace_in_targets(kset *s, const json_t *t, const json_t *value, int untagged, const char *where)
{
	const json_t *sel = json_object_get(t, "select"), *rej;

	if (!json_is_object(sel))
		return cf_err_set(CF_EINVAL, "%s: replacement target must specify resources to select", where);
	for (size_t k = 0; k < s->n; k++) {
		size_t j;
		int rejected = 0, rc;
		if (!select_match(&s->v[k], sel))
			continue;
		json_array_foreach(json_object_get(t, "reject"), j, rej)
			if (select_match(&s->v[k], rej))
				rejected = 1;
		if (!rejected && (rc = replace_in_object(&s->v[k], t, value, untagged, where)) < 0)
			return rc;
	}
	return 0;
}

/* A source's options.delimiter: the value is its part options.index (kustomize's
 * getRefinedValue); a map or list, or an index outside the parts, is an error. */
static int refine_value(json_t **value, const json_t *sopts, const char *sfp, const char *where)
{
	const char *delim = cf_json_str(sopts, "delimiter");
	long index = (long)json_integer_value(json_object_get(sopts, "index"));
	char buf[64];
	const char *text;
	json_t *part, *refined;

	if (delim == NULL || *delim == '\0')
		return 0;
	if ((text = scalar_text(*value, buf)) == NULL)
		return cf_err_set(CF_EINVAL, "%s: replacement source field %s: delimiter option can only be used with scalar nodes, not a %s",
				  where, sfp, node_kind(*value));
	if ((part = delimited_part(text, delim, index)) == NULL)
		return cf_err_set(CF_EINVAL, "%s: replacement source field %s: options.index %ld is out of bounds for value %s",
				  where, sfp, index, text);
	refined = scalar_as(*value, json_string_value(part));   /* the source's type, as kyaml keeps its tag */
	json_decref(part);
	json_decref(*value);
	*value = refined;
	return 0;
}

static int replace_one(kset *s, const json_t *rep, const char *where)
{
	const json_t *sopts = json_object_get(json_object_get(rep, "source"), "options");
	const char *sfp = cf_json_str(json_object_get(rep, "source"), "fieldPath");
	json_t *value = NULL, *t;
	size_t i;
	int rc = 0;

	if ((rc = replacement_value(&value, s, rep, where)) < 0)
		return rc;
	if ((rc = refine_value(&value, sopts, sfp ? sfp : "metadata.name", where)) < 0) {
		json_decref(value);
		return rc;
	}
	json_array_foreach(json_object_get(rep, "targets"), i, t)
		if ((rc = replace_in_targets(s, t, value, json_is_string(json_object_get(rep, "sourceValue")), where)) < 0)
			break;
	json_decref(value);
	return rc;
}

int kz_run_replacements(const kctx *c, const char *dir, const char *kpath, const json_t *k, kset *s)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(k, "replacements"), i, r) {
		int rc;
		const char *path = cf_json_str(r, "path");
		if (path) {   /* a file holding a list of replacements */
			char full[4096];
			cf_buf b = CF_BUF_INIT(KFILE_MAX);
			json_t *docs = NULL, *e;
			size_t j;
			if ((rc = kz_join(full, sizeof(full), dir, path, kpath)) == 0 && (rc = kz_file_under(c, dir, full, kpath)) == 0 &&
			    (rc = kz_read_text(c, full, &b)) == 0)
				rc = cf_yaml_load_all(&docs, b.data ? b.data : "", b.len, full);
			cf_buf_free(&b);
			json_array_foreach(docs, j, e) {
				if (rc < 0)
					break;
				if (json_is_array(e)) {
					size_t m;
					json_t *one;
					json_array_foreach(e, m, one)
						if (rc == 0)
							rc = replace_one(s, one, full);
				} else {
					rc = replace_one(s, e, full);
				}
			}
			json_decref(docs);
		} else {
			rc = replace_one(s, r, kpath);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

