/* common/source/helm.c - index.yaml and Chart.yaml read as helm reads them; charts packaged as
 * `helm package` does (entries "<name>/...", gzip tar). */
#include "source/helm.h"

#include "source/ignore.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/semver.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PATH_MAX_LEN 1024
#define WALK_DEPTH 64
/* helm's own rule besides .helmignore: no dot files in templates/ */
#define HELM_DEFAULT_IGNORE "templates/.?*\n"

/* ---- index.yaml ---- */

static int index_check_entries(json_t *entries, const char *name)
{
	const char *chart;
	json_t *versions;
	void *tmp;

	json_object_foreach_safe(entries, tmp, chart, versions) {
		size_t i = 0;
		if (!json_is_array(versions))
			return cf_err_set(CF_EINVAL, "%s: entries.%s is not a list of chart versions", name, chart);
		while (i < json_array_size(versions)) {
			json_t *v = json_array_get(versions, i);
			/* as helm: an entry it cannot read is skipped, not fatal */
			if (!json_is_object(v) || !json_is_string(json_object_get(v, "version")))
				json_array_remove(versions, i);
			else
				i++;
		}
	}
	return 0;
}

int cf_helm_index_parse(json_t **out, const char *data, size_t len, const char *name)
{
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	if (len > CF_HELM_INDEX_MAX)
		return cf_err_set(CF_ETOOBIG, "%s: index of %zu bytes is over the %u byte limit", name, len, CF_HELM_INDEX_MAX);
	if ((rc = cf_yaml_load(&doc, data, len, name)) < 0)
		return rc;
	if (!json_is_object(doc)) {
		rc = cf_err_set(CF_EINVAL, "%s: not a Helm repository index (a map with apiVersion and entries)", name);
		goto out;
	}
	if (cf_json_str(doc, "apiVersion") == NULL || *cf_json_str(doc, "apiVersion") == '\0') {
		rc = cf_err_set(CF_EINVAL, "%s: no API version specified", name);
		goto out;
	}
	if (json_object_get(doc, "entries") == NULL)
		json_object_set_new(doc, "entries", json_object());
	if (!json_is_object(json_object_get(doc, "entries"))) {
		rc = cf_err_set(CF_EINVAL, "%s: entries is not a map of chart names", name);
		goto out;
	}
	if ((rc = index_check_entries(json_object_get(doc, "entries"), name)) < 0)
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	return rc;
}

static void pick_fill(cf_helm_index_pick *out, const json_t *v)
{
	const char *digest = cf_json_str(v, "digest");
	const char *url = json_string_value(json_array_get(json_object_get(v, "urls"), 0));

	snprintf(out->version, sizeof(out->version), "%s", cf_json_str(v, "version"));
	snprintf(out->url, sizeof(out->url), "%s", url ? url : "");
	out->digest[0] = '\0';
	if (digest && strlen(digest) == 64)
		snprintf(out->digest, sizeof(out->digest), "sha256:%s", digest);
	else if (digest && strncmp(digest, "sha256:", 7) == 0 && strlen(digest) == 71)
		snprintf(out->digest, sizeof(out->digest), "%s", digest);
}

int cf_helm_index_select(cf_helm_index_pick *out, const json_t *index, const char *chart, const char *constraint)
{
	const json_t *versions = json_object_get(json_object_get(index, "entries"), chart ? chart : "");
	const json_t *v, *best = NULL;
	cf_semver bv = { 0 }, sv;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (constraint == NULL || *constraint == '\0')
		constraint = "*";
	if (!json_is_array(versions) || json_array_size(versions) == 0)
		return cf_err_set(CF_ENOTFOUND, "no chart name found: chart '%s' is not in the repository index", chart ? chart : "");
	json_array_foreach(versions, i, v) {
		int m;
		if (cf_semver_parse(&sv, cf_json_str(v, "version")) < 0)
			continue;   /* helm skips versions that are not semver, too */
		if ((m = cf_semver_match(constraint, &sv)) < 0)
			return cf_err_prefix("invalid chart version constraint '%s'", constraint);
		if (m && (best == NULL || cf_semver_compare(&sv, &bv) > 0)) {
			best = v;
			bv = sv;
		}
	}
	if (best == NULL)
		return cf_err_set(CF_ENOTFOUND, "no '%s' chart with version matching '%s' found", chart, constraint);
	if (json_array_get(json_object_get(best, "urls"), 0) == NULL)
		return cf_err_set(CF_EINVAL, "chart '%s' version '%s' has no download URL in the index", chart,
				  cf_json_str(best, "version"));
	pick_fill(out, best);
	return 0;
}

int cf_helm_chart_url(char *out, size_t size, const char *repo_url, const char *chart_url)
{
	size_t blen = strlen(repo_url);
	const char *host_end;
	int n;

	if (strstr(chart_url, "://"))
		n = snprintf(out, size, "%s", chart_url);
	else if (chart_url[0] == '/') {
		host_end = strstr(repo_url, "://");
		host_end = host_end ? strchr(host_end + 3, '/') : NULL;
		n = snprintf(out, size, "%.*s%s", (int)(host_end ? (size_t)(host_end - repo_url) : blen), repo_url, chart_url);
	} else {
		while (blen > 0 && repo_url[blen - 1] == '/')
			blen--;
		n = snprintf(out, size, "%.*s/%s", (int)blen, repo_url, chart_url);
	}
	if (n < 0 || (size_t)n >= size)
		return cf_err_set(CF_ETOOBIG, "chart URL '%.200s' is too long", chart_url);
	return 0;
}

/* ---- Chart.yaml ---- */

int cf_helm_chart_yaml_parse(json_t **out, const char *data, size_t len, const char *name)
{
	json_t *doc = NULL;
	const char *version;
	cf_semver sv;
	int rc;

	*out = NULL;
	if ((rc = cf_yaml_load(&doc, data, len, name)) < 0)
		return rc;
	if (!json_is_object(doc))
		rc = cf_err_set(CF_EINVAL, "%s: chart metadata is not a map", name);
	else if (cf_json_str(doc, "apiVersion") == NULL)
		rc = cf_err_set(CF_EINVAL, "%s: chart.metadata.apiVersion is required", name);
	else if (cf_json_str(doc, "name") == NULL || *cf_json_str(doc, "name") == '\0')
		rc = cf_err_set(CF_EINVAL, "%s: chart.metadata.name is required", name);
	else if (strchr(cf_json_str(doc, "name"), '/') || strcmp(cf_json_str(doc, "name"), "..") == 0)
		rc = cf_err_set(CF_EINVAL, "%s: chart.metadata.name \"%s\" is invalid", name, cf_json_str(doc, "name"));
	else if ((version = cf_json_str(doc, "version")) == NULL)
		rc = cf_err_set(CF_EINVAL, "%s: chart.metadata.version is required", name);
	else if (cf_semver_parse(&sv, version) < 0)
		rc = cf_err_set(CF_EINVAL, "%s: chart.metadata.version \"%s\" is invalid", name, version);
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* ---- paths ---- */

int cf_helm_path_join(char *out, size_t size, const char *dir, const char *rel)
{
	char buf[PATH_MAX_LEN * 2], *save = NULL, *seg;
	size_t len = 0;

	if (rel[0] == '/')
		return cf_err_set(CF_EINVAL, "path '%s' is absolute", rel);
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", dir, rel) >= sizeof(buf))
		return cf_err_set(CF_ETOOBIG, "path '%.200s' is too long", rel);
	if (size == 0)
		return CF_EINVAL;
	out[0] = '\0';
	for (seg = strtok_r(buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *slash;
			if (len == 0)
				return cf_err_set(CF_EINVAL, "path '%s' from '%s' leaves the source", rel, dir);
			slash = strrchr(out, '/');
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		if (len + strlen(seg) + 2 > size)
			return cf_err_set(CF_ETOOBIG, "path '%.200s' is too long", rel);
		len += (size_t)sprintf(out + len, "%s%s", len ? "/" : "", seg);
	}
	if (len == 0)
		snprintf(out, size, ".");
	return 0;
}

/* ---- packaging ---- */

typedef struct pack_entry {
	char *path;               /* relative to the chart: "templates/x.yaml" */
	unsigned char *data;
	size_t len;
} pack_entry;

struct cf_helm_pack {
	pack_entry *e;
	size_t n, cap;
	json_t *meta;             /* Chart.yaml parsed */
	char name[256], version[256];
};

static pack_entry *pack_find(const cf_helm_pack *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->e[i].path, path) == 0)
			return &p->e[i];
	return NULL;
}

int cf_helm_pack_put(cf_helm_pack *p, const char *path, const void *data, size_t len)
{
	pack_entry *e = pack_find(p, path);
	unsigned char *copy = cf_malloc(len ? len : 1);

	if (copy == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	memcpy(copy, data, len);
	if (e == NULL) {
		if (p->n >= CF_HELM_MAX_FILES) {
			cf_free(copy);
			return cf_err_set(CF_ETOOBIG, "chart '%s' has more than %u files", p->name, CF_HELM_MAX_FILES);
		}
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			pack_entry *ne = cf_realloc(p->e, cap * sizeof(*ne));
			if (ne == NULL) {
				cf_free(copy);
				return cf_err_set(CF_ENOMEM, "out of memory");
			}
			p->e = ne;
			p->cap = cap;
		}
		e = &p->e[p->n];
		if ((e->path = cf_strdup(path)) == NULL) {
			cf_free(copy);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
		p->n++;
	} else {
		cf_free(e->data);
	}
	e->data = copy;
	e->len = len;
	return 0;
}

const unsigned char *cf_helm_pack_get(const cf_helm_pack *p, const char *path, size_t *len)
{
	const pack_entry *e = pack_find(p, path);

	if (e && len)
		*len = e->len;
	return e ? e->data : NULL;
}

/* Every file under dir of t into p, as under/<relative path>, but what ig (the chart's
 * .helmignore) excludes; rel is the path relative to the chart, as ig matches it. */
static int pack_walk(cf_helm_pack *p, const cf_tree *t, const char *dir, const char *under, const cf_ignore *ig,
		     const char *rel, int depth)
{
	char src[PATH_MAX_LEN], dst[PATH_MAX_LEN], sub[PATH_MAX_LEN];
	json_t *names = NULL, *n;
	size_t i, len;
	int rc;

	if (depth > WALK_DEPTH)
		return cf_err_set(CF_ETOOBIG, "chart directory '%s' is nested too deep", dir);
	if ((rc = cf_tree_list(t, dir, &names)) < 0)
		return rc;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		const unsigned char *data;
		int is_dir;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", dir, name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "%s%s%s", under, *under ? "/" : "", name) >= sizeof(dst) ||
		    (size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name) >= sizeof(sub)) {
			rc = cf_err_set(CF_ETOOBIG, "path '%.200s/%s' is too long", dir, name);
			break;
		}
		if (strcmp(dir, ".") == 0)
			snprintf(src, sizeof(src), "%s", name);
		is_dir = cf_tree_is_dir(t, src);
		if (cf_ignore_match(ig, sub, is_dir))
			continue;   /* as helm package: .helmignore's patterns stay out */
		if (is_dir)
			rc = pack_walk(p, t, src, dst, ig, sub, depth + 1);
		else if ((data = cf_tree_get(t, src, &len)) != NULL)
			rc = cf_helm_pack_put(p, dst, data, len);
		if (rc < 0)
			break;
	}
	json_decref(names);
	return rc;
}

int cf_helm_pack_put_tree(cf_helm_pack *p, const char *under, const cf_tree *t, const char *dir)
{
	char path[PATH_MAX_LEN + 16];
	const unsigned char *data;
	cf_ignore *ig = NULL;
	size_t len = 0;
	int rc;

	if (!cf_tree_is_dir(t, dir))
		return cf_err_set(CF_ENOTFOUND, "directory '%s' not found in the source", dir);
	snprintf(path, sizeof(path), "%s/.helmignore", dir);
	rc = cf_ignore_new(&ig);
	if (rc == 0) rc = cf_ignore_add(ig, HELM_DEFAULT_IGNORE, strlen(HELM_DEFAULT_IGNORE), "");
	if (rc == 0 && (data = cf_tree_get(t, strcmp(dir, ".") == 0 ? ".helmignore" : path, &len)) != NULL)
		rc = cf_ignore_add(ig, (const char *)data, len, "");
	if (rc == 0)
		rc = pack_walk(p, t, dir, under, ig, "", 0);
	cf_ignore_free(ig);
	return rc;
}

static int pack_read_meta(cf_helm_pack *p, const char *dir)
{
	const unsigned char *data;
	char where[PATH_MAX_LEN + 16];
	size_t len = 0;
	int rc;

	snprintf(where, sizeof(where), "%s/Chart.yaml", dir);
	if ((data = cf_helm_pack_get(p, "Chart.yaml", &len)) == NULL)
		return cf_err_set(CF_ENOTFOUND, "no Chart.yaml in '%s': not a chart directory", dir);
	if (len > CF_HELM_META_MAX)
		return cf_err_set(CF_ETOOBIG, "%s is over %u bytes", where, CF_HELM_META_MAX);
	if ((rc = cf_helm_chart_yaml_parse(&p->meta, (const char *)data, len, where)) < 0)
		return rc;
	snprintf(p->name, sizeof(p->name), "%s", cf_json_str(p->meta, "name"));
	snprintf(p->version, sizeof(p->version), "%s", cf_json_str(p->meta, "version"));
	return 0;
}

int cf_helm_pack_from_tree(cf_helm_pack **out, const cf_tree *t, const char *dir)
{
	cf_helm_pack *p = cf_calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (p == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_helm_pack_put_tree(p, "", t, dir);
	if (rc < 0)
		cf_err_prefix("chart path '%s'", dir);
	if (rc == 0)
		rc = pack_read_meta(p, dir);
	if (rc < 0) {
		cf_helm_pack_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

const char *cf_helm_pack_name(const cf_helm_pack *p) { return p->name; }
const char *cf_helm_pack_version(const cf_helm_pack *p) { return p->version; }
const json_t *cf_helm_pack_meta(const cf_helm_pack *p) { return p->meta; }

int cf_helm_pack_set_version(cf_helm_pack *p, const char *version)
{
	cf_buf yaml = CF_BUF_INIT(CF_HELM_META_MAX);
	int rc;

	if (json_object_set_new(p->meta, "version", json_string(version)) < 0)
		return cf_err_set(CF_ENOMEM, "out of memory");
	snprintf(p->version, sizeof(p->version), "%s", version);
	rc = cf_yaml_dump(&yaml, p->meta);
	if (rc == 0)
		rc = cf_helm_pack_put(p, "Chart.yaml", yaml.data, yaml.len);
	cf_buf_free(&yaml);
	return rc;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const pack_entry *)a)->path, ((const pack_entry *)b)->path);
}

int cf_helm_pack_write(cf_helm_pack *p, cf_artifact_writer *w)
{
	char path[PATH_MAX_LEN + 300];
	int rc = 0;

	qsort(p->e, p->n, sizeof(*p->e), entry_cmp);
	for (size_t i = 0; i < p->n && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->name, p->e[i].path) >= sizeof(path))
			return cf_err_set(CF_ETOOBIG, "path '%.200s' is too long", p->e[i].path);
		rc = cf_artifact_writer_add_file(w, path, 0, p->e[i].data, p->e[i].len);
	}
	return rc;
}

void cf_helm_pack_free(cf_helm_pack *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		cf_free(p->e[i].path);
		cf_free(p->e[i].data);
	}
	cf_free(p->e);
	json_decref(p->meta);
	cf_free(p);
}

/* ---- helm's release storage ---- */

/* gunzips len bytes of data into out (capped); 0 or <0 with the message set. */
static int release_gunzip(cf_buf *out, const unsigned char *data, size_t len)
{
	z_stream zs;
	unsigned char chunk[16384];
	int zrc = Z_OK, rc = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return cf_err_set(CF_ENOMEM, "out of memory");
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	while (rc == 0 && zrc != Z_STREAM_END) {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END)
			rc = cf_err_set(CF_EINVAL, "not gzip data");
		else if (cf_buf_append(out, chunk, sizeof(chunk) - zs.avail_out) < 0)
			rc = -1;
		else if (zrc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)
			rc = cf_err_set(CF_EINVAL, "truncated gzip data");
	}
	inflateEnd(&zs);
	return rc;
}

int cf_helm_release_decode(json_t **out, const char *data, size_t len)
{
	unsigned char *outer = NULL, *inner = NULL;
	size_t outer_len = 0, inner_len = 0;
	cf_buf plain = CF_BUF_INIT(CF_HELM_RELEASE_MAX);
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	if ((rc = cf_base64_decode(&outer, &outer_len, data, len)) == 0)
		rc = cf_base64_decode(&inner, &inner_len, (const char *)outer, outer_len);
	if (rc == 0 && inner_len >= 3 && inner[0] == 0x1f && inner[1] == 0x8b && inner[2] == 0x08)
		rc = release_gunzip(&plain, inner, inner_len);
	else if (rc == 0)
		rc = cf_buf_append(&plain, inner, inner_len);
	if (rc == 0 && ((doc = json_loadb(plain.data ? plain.data : "", plain.len, 0, NULL)) == NULL || !json_is_object(doc)))
		rc = cf_err_set(CF_EINVAL, "the release is not a JSON object");
	if (rc < 0) {
		json_decref(doc);
		doc = NULL;
	}
	*out = doc;
	cf_free(outer);
	cf_free(inner);
	cf_buf_free(&plain);
	return rc;
}
