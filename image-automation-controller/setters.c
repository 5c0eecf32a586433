/* image-automation-controller/setters.c - the Setters strategy: marked scalars found through
 * libyaml's events, their bytes replaced, everything else copied as it was. */
#include "setters.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 512
#define KEY_MAX 64
#define MARKER_MAX 512

typedef struct frame {
	int is_map;
	int expect_key;         /* a map: the next node is a key */
	char key[KEY_MAX];      /* a map: the key of the value being read */
} frame;

typedef struct walk {
	const char *data;
	size_t len;
	size_t ci, bi;          /* a cursor: libyaml's character index ci is byte bi */
	size_t base;            /* bytes of a BOM, which libyaml does not count */
	const json_t *policies;
	json_t *changes;
	size_t doc_first;       /* the first change of the current document */
	json_t *ident;          /* the current document's apiVersion, kind, name, namespace */
	frame st[MAX_DEPTH];
	int depth;
} walk;

/* libyaml's marks count characters; the splice needs bytes. Marks mostly move forward, so a
 * cursor walks the UTF-8 from where it last stopped. */
static size_t byte_at(walk *w, size_t ci)
{
	if (ci < w->ci) {
		w->ci = 0;
		w->bi = w->base;
	}
	while (w->ci < ci && w->bi < w->len) {
		unsigned char c = (unsigned char)w->data[w->bi];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		w->bi += n <= w->len - w->bi ? n : w->len - w->bi;
		w->ci++;
	}
	return w->bi;
}

int iua_setters_marker(char *out, size_t size, const char *comment, size_t len)
{
	json_t *j;
	const char *v;
	int found = 0;

	while (len && (comment[len - 1] == ' ' || comment[len - 1] == '\t'))
		len--;
	while (len && (*comment == ' ' || *comment == '\t'))
		comment++, len--;
	if (len < 2 || comment[0] != '{' || memchr(comment, '$', len) == NULL)
		return 0;
	j = json_loadb(comment, len, 0, NULL);
	v = json_string_value(json_object_get(j, "$imagepolicy"));
	if (v && v[0] && strlen(v) < size) {
		snprintf(out, size, "%s", v);
		found = 1;
	}
	json_decref(j);
	return found;
}

/* The marker on the line of a scalar that ends at byte end: spaces, then '#', then the rest of
 * the line. */
static int marker_after(const walk *w, size_t end, char *out, size_t size)
{
	size_t p = end, eol;

	while (p < w->len && (w->data[p] == ' ' || w->data[p] == '\t'))
		p++;
	if (p == end || p >= w->len || w->data[p] != '#')
		return 0;
	for (eol = p + 1; eol < w->len && w->data[eol] != '\n' && w->data[eol] != '\r'; eol++)
		;
	return iua_setters_marker(out, size, w->data + p + 1, eol - p - 1);
}

/* The value a setter names, or NULL: "ns:name" (the full image), or with ":tag", ":name",
 * ":digest". *full_buf holds the composed full reference. */
static const char *setter_value(const json_t *policies, const char *setter, char *full, size_t size)
{
	static const char *const parts[] = { "tag", "name", "digest" };
	char policy[MARKER_MAX];
	const char *colon1 = strchr(setter, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
	const json_t *p;
	const char *image, *tag, *digest;

	if (colon1 == NULL)
		return NULL;
	snprintf(policy, sizeof(policy), "%.*s", colon2 ? (int)(colon2 - setter) : (int)strlen(setter), setter);
	if ((p = json_object_get(policies, policy)) == NULL)
		return NULL;
	image = cf_json_str(p, "image");
	tag = cf_json_str(p, "tag");
	digest = cf_json_str(p, "digest");
	if (digest && digest[0] == '\0')
		digest = NULL;
	if (colon2 == NULL) {
		if (image == NULL || tag == NULL)
			return NULL;
		if ((size_t)snprintf(full, size, "%s:%s%s%s", image, tag, digest ? "@" : "", digest ? digest : "") >= size)
			return NULL;
		return full;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strcmp(colon2 + 1, parts[i]) == 0)
			return i == 0 ? tag : i == 1 ? image : digest;
	return NULL;
}

/* A plain scalar that YAML would read back as this same string (else it is double-quoted). */
static int plain_safe(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || strchr("-?:,[]{}#&*!|>'\"%@` \t", v[0]) || v[n - 1] == ' ' || v[n - 1] == ':')
		return 0;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || strchr(",[]{}", *p) || (p[0] == ':' && p[1] == ' ') ||
		    (p[0] == ' ' && p[1] == '#'))
			return 0;
	}
	return 1;
}

/* The bytes that stand for value in the scalar's own style. */
static int quote_value(cf_buf *b, yaml_scalar_style_t style, const char *v)
{
	int rc = 0;

	if (style == YAML_PLAIN_SCALAR_STYLE && plain_safe(v))
		return cf_buf_puts(b, v);
	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE) {
		rc = cf_buf_putc(b, '\'');
		for (const char *p = v; rc == 0 && *p; p++)
			rc = *p == '\'' ? cf_buf_puts(b, "''") : cf_buf_putc(b, *p);
		return rc ? rc : cf_buf_putc(b, '\'');
	}
	rc = cf_buf_putc(b, '"');
	for (const char *p = v; rc == 0 && *p; p++) {
		if (*p == '"' || *p == '\\')
			rc = cf_buf_printf(b, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			rc = cf_buf_printf(b, "\\x%02x", (unsigned char)*p);
		else
			rc = cf_buf_putc(b, *p);
	}
	return rc ? rc : cf_buf_putc(b, '"');
}

/* A node's mark starts at its anchor or tag; the scalar's own bytes start after them. */
static size_t past_properties(const walk *w, size_t p, size_t end)
{
	while (p < end && (w->data[p] == '&' || w->data[p] == '!')) {
		while (p < end && w->data[p] != ' ' && w->data[p] != '\t')
			p++;
		while (p < end && (w->data[p] == ' ' || w->data[p] == '\t'))
			p++;
	}
	return p;
}

static int add_change(walk *w, const yaml_event_t *e, const char *setter, const char *value)
{
	cf_buf text = CF_BUF_INIT(64u * 1024u);
	size_t start = byte_at(w, e->start_mark.index), end = byte_at(w, e->end_mark.index);
	json_t *c;
	int rc;

	if (e->data.scalar.anchor || e->data.scalar.tag)
		start = past_properties(w, start, end);

	if ((rc = quote_value(&text, e->data.scalar.style, value)) < 0)
		goto out;
	c = json_pack("{s:s, s:s%, s:s, s:I, s:I, s:s%}", "setter", setter, "old", (const char *)e->data.scalar.value,
		      e->data.scalar.length, "new", value, "start", (json_int_t)start, "end", (json_int_t)end, "text",
		      text.data, text.len);
	if (c == NULL || json_array_append_new(w->changes, c) < 0)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
out:
	cf_buf_free(&text);
	return rc;
}

/* A scalar in value position: its document's identity, and its marker. */
static int on_value(walk *w, const yaml_event_t *e)
{
	static const char *const top[] = { "apiVersion", "kind" }, *const meta[] = { "name", "namespace" };
	const char *v = (const char *)e->data.scalar.value;
	char setter[MARKER_MAX], full[2048];
	const char *next;
	size_t end;

	if (w->depth == 1 && w->st[0].is_map) {
		for (size_t i = 0; i < 2; i++)
			if (strcmp(w->st[0].key, top[i]) == 0)
				json_object_set_new(w->ident, top[i], json_string(v));
	} else if (w->depth == 2 && w->st[1].is_map && strcmp(w->st[0].key, "metadata") == 0) {
		for (size_t i = 0; i < 2; i++)
			if (strcmp(w->st[1].key, meta[i]) == 0)
				json_object_set_new(w->ident, meta[i], json_string(v));
	}
	if (e->start_mark.line != e->end_mark.line || e->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    e->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
		return 0;
	end = byte_at(w, e->end_mark.index);
	if (!marker_after(w, end, setter, sizeof(setter)))
		return 0;
	next = setter_value(w->policies, setter, full, sizeof(full));
	if (next == NULL || strlen(v) != e->data.scalar.length || strcmp(next, v) == 0)
		return 0;
	return add_change(w, e, setter, next);
}

/* A node ended in the current frame: a map alternates keys and values. */
static void node_done(walk *w)
{
	if (w->depth > 0 && w->st[w->depth - 1].is_map)
		w->st[w->depth - 1].expect_key = !w->st[w->depth - 1].expect_key;
}

static int on_scalar(walk *w, const yaml_event_t *e)
{
	frame *f = w->depth > 0 ? &w->st[w->depth - 1] : NULL;
	int rc = 0;

	if (f && f->is_map && f->expect_key)
		snprintf(f->key, sizeof(f->key), "%.*s", (int)e->data.scalar.length, (const char *)e->data.scalar.value);
	else
		rc = on_value(w, e);
	node_done(w);
	return rc;
}

static int push_frame(walk *w, int is_map, const char *name, const yaml_event_t *e)
{
	frame *parent = w->depth > 0 ? &w->st[w->depth - 1] : NULL;

	if (w->depth >= MAX_DEPTH)
		return cf_err_set(CF_EINVAL, "%s:%zu: nested deeper than %d", name, e->start_mark.line + 1, MAX_DEPTH);
	if (parent && parent->is_map && parent->expect_key)
		parent->key[0] = '\0';   /* a complex key */
	w->st[w->depth++] = (frame){ .is_map = is_map, .expect_key = 1 };
	return 0;
}

/* The document ended: its changes learn which object they are in. */
static int document_end(walk *w)
{
	static const char *const fields[] = { "apiVersion", "kind", "name", "namespace" };

	for (size_t i = w->doc_first; i < json_array_size(w->changes); i++) {
		json_t *o = json_object();
		for (size_t f = 0; o && f < 4; f++) {
			const char *v = cf_json_str(w->ident, fields[f]);
			json_object_set_new(o, fields[f], json_string(v ? v : ""));
		}
		if (o == NULL || json_object_set_new(json_array_get(w->changes, i), "object", o) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	w->doc_first = json_array_size(w->changes);
	json_object_clear(w->ident);
	return 0;
}

static int on_event(walk *w, const yaml_event_t *e, const char *name)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(w, e);
	case YAML_ALIAS_EVENT:
		node_done(w);
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return push_frame(w, e->type == YAML_MAPPING_START_EVENT, name, e);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		w->depth--;
		node_done(w);
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return document_end(w);
	default:
		return 0;
	}
}

static int parse(walk *w, const char *name)
{
	yaml_parser_t p;
	yaml_event_t e;
	int rc = 0, done = 0;

	if (!yaml_parser_initialize(&p))
		return cf_err_set(CF_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)w->data, w->len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &e)) {
			rc = cf_err_set(CF_EINVAL, "%s:%zu:%zu: %s", name, p.problem_mark.line + 1, p.problem_mark.column + 1,
					p.problem ? p.problem : "invalid YAML");
			break;
		}
		done = e.type == YAML_STREAM_END_EVENT;
		/* the byte cursor walks UTF-8: a UTF-16 file would be spliced wrong */
		rc = p.encoding == YAML_UTF8_ENCODING ? on_event(w, &e, name)
						      : cf_err_set(CF_EINVAL, "%s: not UTF-8", name);
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* out = data with each change's span replaced by its text. */
static int splice(cf_buf *out, const walk *w)
{
	size_t at = 0, i;
	json_t *c;
	int rc = 0;

	json_array_foreach(w->changes, i, c) {
		size_t start = (size_t)json_integer_value(json_object_get(c, "start"));
		size_t end = (size_t)json_integer_value(json_object_get(c, "end"));
		const json_t *text = json_object_get(c, "text");
		if (start < at || end < start || end > w->len)
			return cf_err_set(CF_EINVAL, "setters: spans out of order");
		if ((rc = cf_buf_append(out, w->data + at, start - at)) < 0 ||
		    (rc = cf_buf_append(out, json_string_value(text), json_string_length(text))) < 0)
			return rc;
		at = end;
	}
	return cf_buf_append(out, w->data + at, w->len - at);
}

int iua_setters_apply(cf_buf *out, json_t **changes, const char *data, size_t len, const char *name,
		      const json_t *policies)
{
	walk w = { .data = data, .len = len, .policies = policies };
	size_t keep = out->len;
	int rc = 0;

	if (changes)
		*changes = NULL;
	w.changes = json_array();
	w.ident = json_object();
	if (w.changes == NULL || w.ident == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		w.base = w.bi = 3;
	/* a file without a marker is not parsed: it cannot change, and need not be YAML */
	if (memmem(data, len, "$imagepolicy", 12) != NULL && (rc = parse(&w, name)) < 0)
		goto out;
	if ((rc = splice(out, &w)) < 0)
		goto out;
	if (changes) {
		*changes = w.changes;
		w.changes = NULL;
	}
out:
	if (rc < 0 && out->len > keep) {
		out->len = keep;
		if (out->data)
			out->data[keep] = '\0';
	}
	json_decref(w.changes);
	json_decref(w.ident);
	return rc;
}
