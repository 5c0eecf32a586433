/* common/kustomize/kustomize_gen.c - configMapGenerator and secretGenerator, and kustomize's content hash. */
#include "kustomize/kustomize_internal.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- generators ---- */

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3 : (s[i] >> 3) == 30 ? 4 : 0;
		if (len == 0 || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* kustomize wraps base64 longer than 70 columns into lines of 70, each ending in a newline
 * (the value and so the hash carry them). */
#define B64_LINE 70

static json_t *wrapped_base64(const char *b64)
{
	size_t n = strlen(b64);
	cf_buf w = CF_BUF_INIT(KFILE_MAX * 2);
	json_t *v;

	if (n <= B64_LINE)
		return json_string(b64);
	for (size_t i = 0; i < n; i += B64_LINE) {
		cf_buf_append(&w, b64 + i, n - i < B64_LINE ? n - i : B64_LINE);
		cf_buf_putc(&w, '\n');
	}
	v = w.data ? json_stringn(w.data, w.len) : NULL;
	cf_buf_free(&w);
	return v;
}

static int put_kv(json_t *data, json_t *bin, const char *key, const char *val, size_t len, int secret)
{
	char *b64 = NULL;
	int rc;

	if (secret || !valid_utf8((const unsigned char *)val, len)) {
		if ((rc = cf_base64_encode(&b64, (const unsigned char *)val, len)) < 0)
			return rc;
		rc = json_object_set_new(secret ? data : bin, key, wrapped_base64(b64));
		cf_free(b64);
		return rc < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
	}
	return json_object_set_new(data, key, json_stringn(val, len)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}

/* "key=value"; in a literal (not in an env file) a value in matching quotes loses them, as
 * kustomize does. */
static int key_value(json_t *data, json_t *bin, const char *lit, int secret, const char *where, int unquote)
{
	const char *eq = strchr(lit, '=');
	char key[512];
	const char *v;
	size_t vl;

	if (eq == NULL || eq == lit)
		return cf_err_set(CF_EINVAL, "%s: literal \"%s\" is not key=value", where, lit);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - lit), lit);
	v = eq + 1;
	vl = strlen(v);
	if (unquote && vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
		v++;
		vl -= 2;
	}
	return put_kv(data, bin, key, v, vl, secret);
}

static int literal(json_t *data, json_t *bin, const char *lit, int secret, const char *where)
{
	return key_value(data, bin, lit, secret, where, 1);
}

static int gen_files(const kctx *c, const char *dir, const char *kpath, const json_t *list, json_t *data, json_t *bin, int secret)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		const char *spec = json_string_value(e), *eq, *rel, *slash;
		char key[512], path[4096];
		cf_buf b = CF_BUF_INIT(KFILE_MAX);
		int rc;

		if (spec == NULL)
			return cf_err_set(CF_EINVAL, "%s: files: entry %zu is not a string", kpath, i);
		eq = strchr(spec, '=');
		rel = eq ? eq + 1 : spec;
		slash = strrchr(rel, '/');
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - spec) : (int)strlen(slash ? slash + 1 : rel),
			 eq ? spec : (slash ? slash + 1 : rel));
		if ((rc = kz_join(path, sizeof(path), dir, rel, kpath)) < 0 || (rc = kz_file_under(c, dir, path, kpath)) < 0 ||
		    (rc = kz_read_text(c, path, &b)) < 0 ||
		    (rc = put_kv(data, bin, key, b.data ? b.data : "", b.len, secret)) < 0) {
			cf_buf_free(&b);
			return rc;
		}
		cf_buf_free(&b);
	}
	return 0;
}

static int gen_envs(const kctx *c, const char *dir, const char *kpath, const json_t *list, json_t *data, json_t *bin, int secret)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		char path[4096];
		cf_buf b = CF_BUF_INIT(KFILE_MAX);
		int rc;

		if (json_string_value(e) == NULL)
			return cf_err_set(CF_EINVAL, "%s: envs: entry %zu is not a string", kpath, i);
		if ((rc = kz_join(path, sizeof(path), dir, json_string_value(e), kpath)) < 0 || (rc = kz_read_text(c, path, &b)) < 0) {
			cf_buf_free(&b);
			return rc;
		}
		for (char *save = NULL, *line = strtok_r(b.data ? b.data : (char[]){ 0 }, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			size_t l = strlen(line);
			while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
				line[--l] = '\0';
			while (*line == ' ')
				line++;
			if (*line == '\0' || *line == '#')
				continue;
			if (strchr(line, '=') == NULL) {
				cf_buf_free(&b);
				return cf_err_set(CF_EINVAL, "%s: line \"%s\" is not KEY=value", path, line);
			}
			if ((rc = key_value(data, bin, line, secret, path, 0)) < 0) {
				cf_buf_free(&b);
				return rc;
			}
		}
		cf_buf_free(&b);
	}
	return 0;
}

static void merge_string_map(json_t *obj, const char *field, const json_t *add)
{
	json_t *md = json_object_get(obj, "metadata"), *m;

	if (!json_is_object(add) || json_object_size(add) == 0)
		return;
	m = json_object_get(md, field);
	if (m == NULL) {
		m = json_object();
		json_object_set_new(md, field, m);
	}
	json_object_update(m, (json_t *)add);
}

static kres *find_by_history(kset *s, const char *kind, const char *name, const char *ns)
{
	for (size_t i = 0; i < s->n; i++) {
		size_t j;
		json_t *n;
		if (strcmp(kz_res_kind(&s->v[i]), kind) != 0 || (ns && !kz_same_namespace(kz_res_ns(&s->v[i]), ns)))
			continue;
		json_array_foreach(s->v[i].names, j, n)
			if (strcmp(json_string_value(n), name) == 0)
				return &s->v[i];
	}
	return NULL;
}

int kz_generate(kctx *c, const char *dir, const char *kpath, const json_t *k, kset *set, int secret)
{
	const json_t *list = json_object_get(k, secret ? "secretGenerator" : "configMapGenerator");
	const json_t *gopts = json_object_get(k, "generatorOptions");
	const char *kns = cf_json_str(k, "namespace");
	size_t i;
	json_t *g;

	json_array_foreach(list, i, g) {
		const char *name = cf_json_str(g, "name"), *behavior = cf_json_str(g, "behavior"), *ns = cf_json_str(g, "namespace");
		const json_t *opts = json_object_get(g, "options");
		json_t *data = json_object(), *bin = json_object(), *obj;
		int rc, nohash;
		kres *old;

		if (name == NULL) {
			json_decref(data);
			json_decref(bin);
			return cf_err_set(CF_EINVAL, "%s: %s entry %zu has no name", kpath, secret ? "secretGenerator" : "configMapGenerator", i);
		}
		rc = 0;
		size_t j;
		json_t *lit;
		json_array_foreach(json_object_get(g, "literals"), j, lit)
			if (rc == 0)
				rc = literal(data, bin, json_string_value(lit) ? json_string_value(lit) : "", secret, kpath);
		if (rc == 0) rc = gen_files(c, dir, kpath, json_object_get(g, "files"), data, bin, secret);
		if (rc == 0) rc = gen_envs(c, dir, kpath, json_object_get(g, "envs"), data, bin, secret);
		if (rc == 0 && cf_json_str(g, "env")) {
			json_t *one = json_pack("[s]", cf_json_str(g, "env"));
			rc = gen_envs(c, dir, kpath, one, data, bin, secret);
			json_decref(one);
		}
		if (rc < 0) {
			json_decref(data);
			json_decref(bin);
			return rc;
		}
		nohash = json_is_true(json_object_get(opts, "disableNameSuffixHash")) ||
			 json_is_true(json_object_get(gopts, "disableNameSuffixHash"));
		if (!ns)
			ns = kns;
		if (behavior && (strcmp(behavior, "merge") == 0 || strcmp(behavior, "replace") == 0)) {
			old = find_by_history(set, secret ? "Secret" : "ConfigMap", name, NULL);
			if (old == NULL) {
				json_decref(data);
				json_decref(bin);
				return cf_err_set(CF_ENOTFOUND, "%s: behavior %s: no %s named \"%s\" to %s", kpath, behavior,
						  secret ? "Secret" : "ConfigMap", name, behavior);
			}
			if (strcmp(behavior, "replace") == 0) {
				json_object_del(old->obj, "data");
				json_object_del(old->obj, "binaryData");
				/* kustomize's replacement keeps the old transformations, not its origin */
				json_object_del(old->ctx, "origin");
				json_object_del(old->ctx, "origin_file");
			}
			if (json_object_size(data)) {
				if (!json_object_get(old->obj, "data"))
					json_object_set_new(old->obj, "data", json_object());
				json_object_update(json_object_get(old->obj, "data"), data);
			}
			if (json_object_size(bin)) {
				if (!json_object_get(old->obj, "binaryData"))
					json_object_set_new(old->obj, "binaryData", json_object());
				json_object_update(json_object_get(old->obj, "binaryData"), bin);
			}
			/* this level's generatorOptions too, as for a new object */
			merge_string_map(old->obj, "labels", json_object_get(gopts, "labels"));
			merge_string_map(old->obj, "annotations", json_object_get(gopts, "annotations"));
			merge_string_map(old->obj, "labels", json_object_get(opts, "labels"));
			merge_string_map(old->obj, "annotations", json_object_get(opts, "annotations"));
			if (nohash)
				old->needs_hash = 0;
			json_decref(data);
			json_decref(bin);
			continue;
		}
		if (find_by_history(set, secret ? "Secret" : "ConfigMap", name, ns ? ns : "")) {
			json_decref(data);
			json_decref(bin);
			return cf_err_set(CF_EINVAL, "%s: %s \"%s\": id %s %s%s%s exists; behavior must be merge or replace",
					  kpath, secret ? "secretGenerator" : "configMapGenerator", name,
					  secret ? "Secret" : "ConfigMap", ns ? ns : "", ns ? "/" : "", name);
		}
		obj = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", secret ? "Secret" : "ConfigMap",
				"metadata", "name", name);
		if (ns)
			json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
		if (json_object_size(data))
			json_object_set(obj, "data", data);
		if (json_object_size(bin))
			json_object_set(obj, "binaryData", bin);
		if (secret)
			json_object_set_new(obj, "type", json_string(cf_json_str(g, "type") ? cf_json_str(g, "type") : "Opaque"));
		if (json_is_true(json_object_get(opts, "immutable")) || json_is_true(json_object_get(gopts, "immutable")))
			json_object_set_new(obj, "immutable", json_true());
		merge_string_map(obj, "labels", json_object_get(gopts, "labels"));
		merge_string_map(obj, "annotations", json_object_get(gopts, "annotations"));
		merge_string_map(obj, "labels", json_object_get(opts, "labels"));
		merge_string_map(obj, "annotations", json_object_get(opts, "annotations"));
		json_decref(data);
		json_decref(bin);
		if ((rc = kz_kset_add(set, obj, NULL, !nohash, kpath)) < 0)
			return rc;
	}
	return 0;
}

/* kustomize's content hash of a generated ConfigMap or Secret. It hashes the name as "":
 * kustomize looks "metadata/name" up as one field name, finds nothing, and so every generated
 * object hashes with an empty name (verified against kubectl kustomize v5.5). */
void kz_content_hash(char out[11], const json_t *obj)
{
	int secret = strcmp(cf_json_str(obj, "kind"), "Secret") == 0;
	json_t *m = json_pack("{s:s,s:s}", "kind", secret ? "Secret" : "ConfigMap", "name", "");
	const json_t *data = json_object_get(obj, "data");
	cf_buf esc = CF_BUF_INIT(KFILE_MAX * 2);
	char digest[72], *text;

	json_object_set_new(m, "data", data ? json_deep_copy(data) : json_string(""));
	if (secret) {
		json_object_set_new(m, "type", json_string(cf_json_str(obj, "type") ? cf_json_str(obj, "type") : ""));
		if (json_is_object(json_object_get(obj, "stringData")))
			json_object_set(m, "stringData", json_object_get(obj, "stringData"));
	} else if (json_is_object(json_object_get(obj, "binaryData"))) {
		json_object_set(m, "binaryData", json_object_get(obj, "binaryData"));
	}
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	/* Go's encoding/json escapes <, > and & */
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '<') cf_buf_puts(&esc, "\\u003c");
		else if (*p == '>') cf_buf_puts(&esc, "\\u003e");
		else if (*p == '&') cf_buf_puts(&esc, "\\u0026");
		else cf_buf_putc(&esc, *p);
	}
	cf_sha256_of(digest, esc.data ? esc.data : "", esc.len);
	for (int i = 0; i < 10; i++) {
		char ch = digest[7 + i];
		out[i] = ch == '0' ? 'g' : ch == '1' ? 'h' : ch == '3' ? 'k' : ch == 'a' ? 'm' : ch == 'e' ? 't' : ch;
	}
	out[10] = '\0';
	free(text);
	cf_buf_free(&esc);
	json_decref(m);
}

