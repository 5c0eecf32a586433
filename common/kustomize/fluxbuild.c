/* common/kustomize/fluxbuild.c - Flux's build of a Kustomization: generate/override, kustomize,
 * metadata, substitution. */
#include "kustomize/fluxbuild.h"

#include "kustomize/kustomize_internal.h"   /* kz_join: the engine's path rules */
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const KFILES[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

int cf_flux_check_var_name(const char *name)
{
	if (name == NULL || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		goto bad;
	for (const char *p = name; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			goto bad;
	return 0;
bad:
	return cf_err_set(CF_EINVAL, "'%s' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'",
			  name ? name : "");
}

int cf_flux_clean_path(char *out, size_t size, const char *path)
{
	const char *p = path ? path : "";
	size_t n = 0;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return cf_err_set(CF_EINVAL, "spec.path '%s' must stay inside the artifact", path);
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n + len + 2 > size)
				return cf_err_set(CF_EINVAL, "spec.path '%s' is too long", path);
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len + (slash ? 1 : 0);
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return 0;
}

/* ---- substitution ---- */

static int name_char(char c, int first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

int cf_envsubst(cf_buf *out, const char *text, size_t len, const json_t *vars)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		size_t j, name_end, close;
		const char *value, *op = NULL;
		char name[256];

		if (text[i] != '$' || i + 1 >= len || (text[i + 1] != '$' && text[i + 1] != '{')) {
			rc = cf_buf_putc(out, text[i++]);
			continue;
		}
		if (text[i + 1] == '$') {   /* "$$" is a literal "$" */
			rc = cf_buf_putc(out, '$');
			i += 2;
			continue;
		}
		close = i + 2;
		while (close < len && text[close] != '}' && text[close] != '\n')
			close++;
		if (close >= len || text[close] != '}')
			return cf_err_set(CF_EINVAL, "unterminated variable reference '%.*s'",
					  (int)(close - i > 40 ? 40 : close - i), text + i);
		for (j = i + 2; j < close && name_char(text[j], j == i + 2); j++)
			;
		name_end = j;
		if (name_end == i + 2 || name_end - i - 2 >= sizeof(name))
			return cf_err_set(CF_EINVAL, "bad substitution '%.*s'", (int)(close - i + 1), text + i);
		if (j < close) {
			static const char *const ops[] = { ":=", ":-", "=", "-" };
			for (size_t o = 0; o < 4 && op == NULL; o++)
				if (strncmp(text + j, ops[o], strlen(ops[o])) == 0)
					op = ops[o];
			if (op == NULL)
				return cf_err_set(CF_EINVAL, "unsupported substitution '%.*s' (supported: ${var}, ${var:=default}, ${var:-default}, ${var=default}, ${var-default})",
						  (int)(close - i + 1), text + i);
		}
		memcpy(name, text + i + 2, name_end - i - 2);
		name[name_end - i - 2] = '\0';
		value = cf_json_str(vars, name);
		if (op && (value == NULL || (op[0] == ':' && value[0] == '\0'))) {
			size_t d = name_end + strlen(op);
			rc = cf_buf_append(out, text + d, close - d);
		} else if (value) {
			rc = cf_buf_puts(out, value);
		}
		i = close + 1;
	}
	return rc;
}

static int substitution_disabled(const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *a = cf_json_str(json_object_get(md, "annotations"), CF_FLUX_SUBSTITUTE_ANNOTATION);
	const char *l = cf_json_str(json_object_get(md, "labels"), CF_FLUX_SUBSTITUTE_ANNOTATION);

	return (a && strcmp(a, "disabled") == 0) || (l && strcmp(l, "disabled") == 0);
}

static void describe(char *out, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = cf_json_str(md, "namespace");

	snprintf(out, size, "%s/%s%s%s", cf_json_str(obj, "kind") ? cf_json_str(obj, "kind") : "?", ns ? ns : "",
		 ns ? "/" : "", cf_json_str(md, "name") ? cf_json_str(md, "name") : "?");
}

/* Substitutes in obj's YAML and reads it back: a value may turn into a number or a bool,
 * as in Flux. *out is the new object. */
static int substitute(json_t **out, const json_t *obj, const json_t *vars)
{
	cf_buf y = CF_BUF_INIT(64u << 20), s = CF_BUF_INIT(64u << 20);
	char desc[600];
	int rc;

	*out = NULL;
	describe(desc, sizeof(desc), obj);
	rc = cf_yaml_dump(&y, obj);
	if (rc == 0) rc = cf_envsubst(&s, y.data ? y.data : "", y.len, vars);
	if (rc == 0) rc = cf_yaml_load(out, s.data ? s.data : "", s.len, desc);
	if (rc == 0 && !json_is_object(*out))
		rc = cf_err_set(CF_EINVAL, "the result is not an object");
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		cf_err_prefix("%s: postBuild substitution", desc);
	}
	cf_buf_free(&y);
	cf_buf_free(&s);
	return rc;
}

/* ---- the kustomization.yaml ---- */

/* Which of Flux's kustomization file names dir has, or NULL. */
static const char *kfile_in(const cf_kfs *fs, const char *dir, char *path, size_t size)
{
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, size, "%s/%s", dir, KFILES[i]);
		if (fs->stat(fs->ctx, strcmp(dir, ".") == 0 ? KFILES[i] : path) == 0) {
			if (strcmp(dir, ".") == 0)
				snprintf(path, size, "%s", KFILES[i]);
			return KFILES[i];
		}
	}
	return NULL;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A YAML file Flux's generator leaves out: it parses, and a document in it is not a
 * Kubernetes object (a values file, a config file). One that does not parse is kept, so that
 * the build names it. */
static int not_a_manifest(const cf_kfs *fs, const char *path)
{
	cf_buf b = CF_BUF_INIT(64u << 20);
	json_t *docs = NULL, *d;
	size_t i;
	int skip = 0;

	if (fs->read(fs->ctx, path, &b) == 0 && cf_yaml_load_all(&docs, b.data ? b.data : "", b.len, path) == 0)
		json_array_foreach(docs, i, d)
			if (!json_is_object(d) || !cf_json_str(d, "apiVersion") || !cf_json_str(d, "kind"))
				skip = 1;
	cf_err_clear();
	json_decref(docs);
	cf_buf_free(&b);
	return skip;
}

/* Flux's generated kustomization: every manifest under dir, and every sub-directory that has
 * a kustomization of its own (not descended into), as paths relative to root. */
static int generate(const cf_kfs *fs, const char *root, const char *dir, json_t *resources)
{
	json_t *names = NULL, *n;
	size_t i, rlen = strcmp(root, ".") == 0 ? 0 : strlen(root) + 1;
	char path[4096], kpath[4200];
	int rc;

	if (fs->list == NULL)
		return cf_err_set(CF_EINVAL, "%s: no kustomization file, and this filesystem cannot be listed", dir);
	if ((rc = fs->list(fs->ctx, dir, &names)) < 0)
		return rc;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		if (strcmp(dir, ".") == 0)
			snprintf(path, sizeof(path), "%s", name);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, name);
		rc = fs->stat(fs->ctx, path);
		if (rc == 1) {
			rc = 0;
			if (kfile_in(fs, path, kpath, sizeof(kpath)))
				rc = json_array_append_new(resources, json_string(path + rlen));
			else
				rc = generate(fs, root, path, resources);
		} else if (rc == 0 && (has_suffix(name, ".yaml") || has_suffix(name, ".yml")) &&
			   !not_a_manifest(fs, path)) {
			rc = json_array_append_new(resources, json_string(path + rlen));
		} else {
			rc = 0;
		}
		if (rc < 0)
			break;
	}
	json_decref(names);
	return rc < 0 ? rc : 0;
}

static int append_copies(json_t *k, const char *field, const json_t *items)
{
	json_t *list = json_object_get(k, field), *v;
	size_t i;

	if (json_array_size(items) == 0)
		return 0;
	if (list == NULL) {
		list = json_array();
		if (json_object_set_new(k, field, list) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (!json_is_array(list))
		return cf_err_set(CF_EINVAL, "kustomization: %s is not a list", field);
	json_array_foreach(items, i, v)
		if (json_array_append_new(list, json_deep_copy(v)) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

/* The spec's overrides, as Flux writes them into the kustomization. */
static int override(json_t *k, const json_t *spec)
{
	static const char *const scalars[][2] = {
		{ "targetNamespace", "namespace" }, { "namePrefix", "namePrefix" }, { "nameSuffix", "nameSuffix" },
	};
	int rc = 0;

	for (size_t i = 0; i < 3 && rc == 0; i++) {
		const char *v = cf_json_str(spec, scalars[i][0]);
		if (v && v[0] && json_object_set_new(k, scalars[i][1], json_string(v)) < 0)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (rc == 0) rc = append_copies(k, "patches", json_object_get(spec, "patches"));
	if (rc == 0) rc = append_copies(k, "images", json_object_get(spec, "images"));
	if (rc == 0) rc = append_copies(k, "components", json_object_get(spec, "components"));
	return rc;
}

/* A filesystem that is fs, except for one file. */
typedef struct overlay {
	const cf_kfs *base;
	const char *path;
	const cf_buf *content;
} overlay;

static int ov_read(void *ctx, const char *path, cf_buf *out)
{
	overlay *o = ctx;

	if (strcmp(path, o->path) == 0)
		return cf_buf_append(out, o->content->data, o->content->len);
	return o->base->read(o->base->ctx, path, out);
}

static int ov_stat(void *ctx, const char *path)
{
	overlay *o = ctx;

	return strcmp(path, o->path) == 0 ? 0 : o->base->stat(o->base->ctx, path);
}

/* The final kustomization text for dir. */
static int kustomization_text(cf_buf *text, char *kpath, size_t size, const cf_kfs *fs, const char *dir,
			      const json_t *spec)
{
	cf_buf b = CF_BUF_INIT(16u << 20);
	json_t *k = NULL;
	int rc;

	if (kfile_in(fs, dir, kpath, size)) {
		rc = fs->read(fs->ctx, kpath, &b);
		if (rc == 0) rc = cf_yaml_load(&k, b.data ? b.data : "", b.len, kpath);
		if (rc == 0 && !json_is_object(k))
			rc = cf_err_set(CF_EINVAL, "%s: not a kustomization (a mapping is expected)", kpath);
	} else {
		snprintf(kpath, size, "%s%s%s", strcmp(dir, ".") == 0 ? "" : dir, strcmp(dir, ".") == 0 ? "" : "/",
			 KFILES[0]);
		k = json_pack("{s:s,s:s,s:[]}", "apiVersion", "kustomize.config.k8s.io/v1beta1",
			      "kind", "Kustomization", "resources");
		rc = k ? generate(fs, dir, dir, json_object_get(k, "resources")) : cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (rc == 0) rc = override(k, spec);
	if (rc == 0) rc = cf_yaml_dump(text, k);
	json_decref(k);
	cf_buf_free(&b);
	return rc;
}

static int set_map(json_t *obj, const char *field, const json_t *values)
{
	json_t *md = json_object_get(obj, "metadata"), *m;
	const char *key;
	json_t *v;

	if (json_object_size(values) == 0)
		return 0;
	m = json_object_get(md, field);
	if (!json_is_object(m)) {
		m = json_object();
		if (json_object_set_new(md, field, m) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	json_object_foreach((json_t *)values, key, v)
		if (json_is_string(v) && json_object_set(m, key, v) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

int cf_flux_build(json_t **out, const cf_kfs *fs, const json_t *ks, const json_t *vars)
{
	const json_t *spec = json_object_get(ks, "spec"), *md = json_object_get(ks, "metadata");
	const json_t *cm = json_object_get(spec, "commonMetadata"), *post = json_object_get(spec, "postBuild");
	json_t *objs = NULL, *owner, *o;
	cf_buf text = CF_BUF_INIT(16u << 20);
	char dir[4096], kpath[4300];
	overlay ov;
	cf_kfs ofs;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = cf_flux_clean_path(dir, sizeof(dir), cf_json_str(spec, "path"))) < 0)
		return rc;
	if (fs->stat(fs->ctx, dir) != 1)
		return cf_err_set(CF_ENOTFOUND, "kustomization path not found: '%s' is not a directory in the artifact",
				  cf_json_str(spec, "path") ? cf_json_str(spec, "path") : ".");
	if ((rc = kustomization_text(&text, kpath, sizeof(kpath), fs, dir, spec)) < 0)
		goto out;
	ov = (overlay){ fs, kpath, &text };
	ofs = (cf_kfs){ ov_read, ov_stat, &ov, NULL };
	/* Flux builds with LoadRestrictionsNone in a file system rooted at the artifact */
	if ((rc = cf_kustomize_build_opts(&objs, &ofs, dir, CF_KBUILD_FLUX)) < 0)
		goto out;
	owner = json_pack("{s:s*,s:s*}", CF_FLUX_NAME_LABEL, cf_json_str(md, "name"), CF_FLUX_NAMESPACE_LABEL, cf_json_str(md, "namespace"));
	json_array_foreach(objs, i, o) {
		if (!json_is_object(json_object_get(o, "metadata")))
			json_object_set_new(o, "metadata", json_object());
		rc = set_map(o, "labels", json_object_get(cm, "labels"));
		if (rc == 0) rc = set_map(o, "annotations", json_object_get(cm, "annotations"));
		if (rc == 0 && json_is_object(post) && !substitution_disabled(o)) {
			json_t *n = NULL;
			rc = substitute(&n, o, vars);
			if (rc == 0)
				json_array_set_new(objs, i, n), o = n;
		}
		if (rc == 0) rc = owner ? set_map(o, "labels", owner) : cf_err_set(CF_ENOMEM, "out of memory");
		if (rc < 0)
			break;
	}
	json_decref(owner);
	if (rc == 0) {
		*out = objs;
		objs = NULL;
	}
out:
	json_decref(objs);
	cf_buf_free(&text);
	return rc;
}

/* ---- --no-remote-bases ---- */

/* The kustomize engine's notion of a remote entry (a URL, or a go-getter style host path). */
static int remote_entry(const char *e)
{
	return strstr(e, "://") || strncmp(e, "github.com/", 11) == 0 || strncmp(e, "git@", 4) == 0 ||
	       strncmp(e, "gitlab.com/", 11) == 0 || strncmp(e, "bitbucket.org/", 14) == 0;
}

static int remote_in(const cf_kfs *fs, const char *dir, const json_t *extra, int depth);

/* Looks at the entries of one list: a remote one is the error, a local directory is
 * descended into. */
static int remote_in_list(const cf_kfs *fs, const char *dir, const char *kpath, const char *field,
			  const json_t *list, int depth)
{
	const json_t *e;
	size_t i;
	int rc = 0;

	json_array_foreach(list, i, e) {
		const char *entry = json_string_value(e);
		char path[4096];
		if (entry == NULL)
			continue;   /* the build names a bad entry */
		if (remote_entry(entry))
			return cf_err_set(CF_EINVAL, "%s: %s: remote base '%s' is not allowed: remote bases are disabled "
					  "on this controller (--no-remote-bases)", kpath, field, entry);
		if (kz_join(path, sizeof(path), dir, entry, kpath) < 0) {
			cf_err_clear();   /* the build names a bad path */
			continue;
		}
		if (fs->stat(fs->ctx, path) == 1 && (rc = remote_in(fs, path, NULL, depth + 1)) < 0)
			return rc;
	}
	return 0;
}

/* The kustomization in dir (or the one Flux generates there) and what it includes; extra is
 * the Kustomization's spec.components, for the top directory. */
static int remote_in(const cf_kfs *fs, const char *dir, const json_t *extra, int depth)
{
	static const char *const fields[] = { "resources", "bases", "components" };
	cf_buf b = CF_BUF_INIT(16u << 20);
	char kpath[4200];
	json_t *k = NULL;
	int rc = 0;

	if (depth > 64)
		return 0;   /* a cycle: the build reports it */
	if (kfile_in(fs, dir, kpath, sizeof(kpath))) {
		if (fs->read(fs->ctx, kpath, &b) < 0 || cf_yaml_load(&k, b.data ? b.data : "", b.len, kpath) < 0) {
			cf_err_clear();   /* the build names a file that does not load */
			goto out;
		}
	} else {
		snprintf(kpath, sizeof(kpath), "%s (generated)", dir);
		k = json_pack("{s:[]}", "resources");
		if (k == NULL || (fs->list && generate(fs, dir, dir, json_object_get(k, "resources")) < 0)) {
			cf_err_clear();
			goto out;
		}
	}
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = remote_in_list(fs, dir, kpath, fields[i], json_object_get(k, fields[i]), depth);
	if (rc == 0 && extra)
		rc = remote_in_list(fs, dir, "spec", "components", extra, depth);
out:
	json_decref(k);
	cf_buf_free(&b);
	return rc;
}

int cf_flux_check_remote_bases(const cf_kfs *fs, const json_t *ks)
{
	const json_t *spec = json_object_get(ks, "spec");
	char dir[4096];

	if (cf_flux_clean_path(dir, sizeof(dir), cf_json_str(spec, "path")) < 0 || fs->stat(fs->ctx, dir) != 1) {
		cf_err_clear();
		return 0;   /* the build names a bad path */
	}
	return remote_in(fs, dir, json_object_get(spec, "components"), 0);
}
