/* common/source/tree.c - tar.gz -> in-memory tree, with the safety rules of DESIGN.md §8. */
#include "source/tree.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TAR_BLOCK 512
#define LINK_DEPTH 8

typedef struct entry {
	char *path;
	const unsigned char *data;   /* files: a slice of the tree's tar; links: target (owned) */
	size_t len;
	int is_link;
} entry;

/* The inflated tar is kept whole and files are slices of it: the artifact's bytes are held
 * once, not a second time as per-file copies. */
struct cf_tree {
	unsigned char *tar;
	size_t tar_len;
	entry *v;
	size_t n, cap;
	json_t *index;          /* path -> entry index */
	json_t *dirs;           /* directory path -> true */
	size_t bytes;           /* file contents so far */
	size_t max_bytes;
};

void cf_tree_free(cf_tree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		cf_free(t->v[i].path);
		if (t->v[i].is_link)
			cf_free((void *)t->v[i].data);
	}
	cf_free(t->v);
	cf_free(t->tar);
	json_decref(t->index);
	json_decref(t->dirs);
	cf_free(t);
}

size_t cf_tree_files(const cf_tree *t)
{
	return t->n;
}

size_t cf_tree_bytes(const cf_tree *t)
{
	return t->tar_len;
}

/* Cleans a tar path ("./a//b/" -> "a/b"); NULL for absolute paths, "..", or nothing. */
static char *clean_path(const char *raw, size_t len)
{
	char *out = cf_malloc(len + 1), *o = out;
	const char *p = raw, *end = raw + len;

	if (out == NULL || len == 0 || raw[0] == '/') {
		cf_free(out);
		return NULL;
	}
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			cf_free(out);
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	*o = '\0';
	if (o == out || memchr(out, '\0', (size_t)(o - out)) != NULL) {
		cf_free(out);
		return NULL;
	}
	return out;
}

/* 1 for "./", ".", ".//./": the archive's root itself, which a tar of a directory (tar -C dir
 * ., flux push artifact) carries as its first entry. */
static int is_root_entry(const char *raw)
{
	if (raw[0] == '\0' || raw[0] == '/')
		return 0;
	for (; *raw; raw++)
		if (*raw != '.' && *raw != '/')
			return 0;
		else if (raw[0] == '.' && raw[1] == '.')
			return 0;
	return 1;
}

/* Where a link at path pointing at target lands, cleaned; NULL if it leaves the tree. */
static char *link_target(const char *path, const char *target)
{
	cf_buf b = CF_BUF_INIT(8192);
	const char *slash = strrchr(path, '/');
	char *joined, *clean;
	size_t len;

	if (target[0] == '/')
		return NULL;
	if (slash)
		cf_buf_append(&b, path, (size_t)(slash - path + 1));
	cf_buf_puts(&b, target);
	joined = cf_buf_detach(&b, &len);
	if (joined == NULL)
		return NULL;
	/* resolve ".." against what came before, refusing to climb out */
	char *parts[512], *save = NULL;
	size_t n = 0;
	for (char *p = strtok_r(joined, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (n == 0) {
				cf_free(joined);
				return NULL;
			}
			n--;
			continue;
		}
		if (n == 512) {
			cf_free(joined);
			return NULL;
		}
		parts[n++] = p;
	}
	for (size_t i = 0; i < n; i++)
		if (cf_buf_printf(&b, "%s%s", i ? "/" : "", parts[i]) < 0)
			break;
	clean = n ? cf_buf_detach(&b, NULL) : NULL;
	cf_buf_free(&b);
	cf_free(joined);
	return clean;
}

static int add_dirs(cf_tree *t, const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return cf_err_set(CF_EINVAL, "artifact path \"%.80s...\" is too long", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + len; p > buf; p--)
		if (*p == '/') {
			*p = '\0';
			if (json_object_set_new(t->dirs, buf, json_true()) < 0)
				return cf_err_set(CF_ENOMEM, "out of memory");
		}
	return 0;
}

/* Takes path, and data when is_link (a link's target, allocated); a file's data is a slice of
 * t->tar. Frees what it takes on failure. */
static int add_entry(cf_tree *t, char *path, const unsigned char *data, size_t len, int is_link,
		     size_t max_files)
{
	entry *e;
	int rc = 0;

	if (json_object_get(t->index, path) != NULL)
		rc = cf_err_set(CF_EINVAL, "artifact entry \"%s\" appears twice", path);
	else if (t->n == max_files)
		rc = cf_err_set(CF_ETOOBIG, "artifact has more than %zu entries", max_files);
	else if (len > t->max_bytes - t->bytes)
		rc = cf_err_set(CF_ETOOBIG, "artifact unpacks to more than %zu bytes", t->max_bytes);
	if (rc < 0) {
		cf_free(path);
		if (is_link)
			cf_free((void *)data);
		return rc;
	}
	t->bytes += len;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		entry *v = cf_realloc(t->v, cap * sizeof(*v));
		if (v == NULL) {
			cf_free(path);
			if (is_link)
				cf_free((void *)data);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n];
	e->path = path;
	e->data = data;
	e->len = len;
	e->is_link = is_link;
	t->n++;
	if (json_object_set_new(t->index, path, json_integer((json_int_t)(t->n - 1))) < 0)
		return cf_err_set(CF_ENOMEM, "out of memory");
	return add_dirs(t, path);
}

/* Inflates into t->tar, at most max bytes. The buffer starts at the size the gzip trailer
 * announces (a hint: it is the size modulo 4 GiB, and a stream may lie), so that an honest
 * artifact is inflated without growing and copying its buffer. */
static int inflate_all(cf_tree *t, const unsigned char *data, size_t len, size_t max)
{
	z_stream z;
	size_t cap = 0, hint = 0;
	int zrc;

	if (len >= 18)
		hint = (size_t)data[len - 4] | (size_t)data[len - 3] << 8 | (size_t)data[len - 2] << 16 |
		       (size_t)data[len - 1] << 24;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return cf_err_set(CF_ENOMEM, "zlib: inflateInit2 failed");
	z.next_in = (Bytef *)data;
	do {
		if (z.avail_in == 0) {   /* zlib counts in uInt: feed a large input in pieces */
			size_t used = (size_t)((const unsigned char *)z.next_in - data);
			z.avail_in = (uInt)(len - used > (1u << 30) ? 1u << 30 : len - used);
		}
		if (t->tar_len == cap) {
			size_t want = cap ? cap * 2 : (hint > 65536 ? hint + 1 : 65536);
			unsigned char *p;
			if (cap == max + 1) {   /* one byte more than allowed came out */
				inflateEnd(&z);
				return cf_err_set(CF_ETOOBIG, "artifact unpacks to more than %zu bytes", max);
			}
			if (want > max + 1 || want < cap)
				want = max + 1;
			if ((p = cf_realloc(t->tar, want)) == NULL) {
				inflateEnd(&z);
				return cf_err_set(CF_ENOMEM, "out of memory");
			}
			t->tar = p;
			cap = want;
		}
		z.next_out = t->tar + t->tar_len;
		z.avail_out = (uInt)(cap - t->tar_len > (1u << 30) ? 1u << 30 : cap - t->tar_len);
		{
			uInt before = z.avail_out;
			zrc = inflate(&z, Z_NO_FLUSH);
			t->tar_len += before - z.avail_out;
		}
		if (zrc == Z_BUF_ERROR && z.avail_in == 0 &&
		    (size_t)((const unsigned char *)z.next_in - data) == len) {
			inflateEnd(&z);
			return cf_err_set(CF_EINVAL, "artifact is not a valid gzip stream (truncated)");
		}
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
			inflateEnd(&z);
			return cf_err_set(CF_EINVAL, "artifact is not a valid gzip stream (%s)", z.msg ? z.msg : "truncated");
		}
	} while (zrc != Z_STREAM_END);
	inflateEnd(&z);
	if (t->tar_len > max)
		return cf_err_set(CF_ETOOBIG, "artifact unpacks to more than %zu bytes", max);
	return 0;
}

static int octal_field(unsigned long long *out, const unsigned char *f, size_t n)
{
	unsigned long long v = 0;
	size_t i = 0;

	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned long long)(f[i] - '0');
	if (i < n && f[i] != '\0' && f[i] != ' ')
		return -1;
	*out = v;
	return 0;
}

static int checksum_ok(const unsigned char *h)
{
	unsigned long long want;
	unsigned sum = 0;

	if (octal_field(&want, h + 148, 8) < 0)
		return 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* The value of key in an extended (PAX) header's records, "LEN KEY=VALUE\n" where LEN counts
 * the whole record, its own digits included; the last record for key wins. *out is NULL when
 * key is absent. A record whose length is missing, zero, too short, negative, overflowing or
 * past the header's end is an error (at: where the header starts, for the message). */
static int pax_value(char **out, const unsigned char *p, size_t len, const char *key, size_t at)
{
	size_t off = 0, kl = strlen(key);

	*out = NULL;
	while (off < len) {
		size_t rl = 0, i = off, hdr, rest;
		const unsigned char *rec;

		for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
			if (rl > (len - off) / 10)   /* rl * 10 alone passes what is left: no overflow */
				break;
			rl = rl * 10 + (size_t)(p[i] - '0');
		}
		hdr = i - off;
		if (hdr == 0 || i >= len || p[i] != ' ' || rl <= hdr + 1 || rl > len - off || p[off + rl - 1] != '\n') {
			cf_free(*out);
			*out = NULL;
			return cf_err_set(CF_EINVAL, "artifact: bad PAX record at byte %zu of the extended header at byte %zu",
					  off, at);
		}
		rec = p + i + 1;
		rest = rl - hdr - 1;   /* "KEY=VALUE\n" */
		if (rest > kl + 1 && memcmp(rec, key, kl) == 0 && rec[kl] == '=') {
			cf_free(*out);
			if ((*out = cf_strndup((const char *)rec + kl + 1, rest - kl - 2)) == NULL)
				return cf_err_set(CF_ENOMEM, "out of memory");
		}
		off += rl;
	}
	return 0;
}

static int unpack_tar(cf_tree *t, const unsigned char *tar, size_t len, size_t max_files)
{
	size_t off = 0;
	char *long_path = NULL, *long_link = NULL;
	int rc = 0;

	while (rc == 0 && off + TAR_BLOCK <= len) {
		const unsigned char *h = tar + off;
		unsigned long long size;
		char type = (char)h[156], raw[260], *path, *link = NULL;
		const unsigned char *body;
		size_t at;

		if (h[0] == '\0') {   /* two zero blocks end the archive */
			int zero = 1;
			for (int i = 0; i < TAR_BLOCK; i++)
				zero = zero && h[i] == 0;
			if (zero)
				break;
		}
		if (!checksum_ok(h) || octal_field(&size, h + 124, 12) < 0) {
			rc = cf_err_set(CF_EINVAL, "artifact: bad tar header at byte %zu", off);
			break;
		}
		if (size > len - off - TAR_BLOCK) {
			rc = cf_err_set(CF_EINVAL, "artifact: entry at byte %zu runs past the end", off);
			break;
		}
		body = h + TAR_BLOCK;
		at = off;
		off += TAR_BLOCK + (size_t)((size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK);
		if (type == 'x' || type == 'L' || type == 'K') {
			char *v = type == 'L' ? cf_strndup((const char *)body, (size_t)size) : NULL;
			char *lv = type == 'K' ? cf_strndup((const char *)body, (size_t)size) : NULL;
			if (type == 'x' && ((rc = pax_value(&v, body, (size_t)size, "path", at)) < 0 ||
					    (rc = pax_value(&lv, body, (size_t)size, "linkpath", at)) < 0)) {
				cf_free(v);
				break;
			}
			if (v) { cf_free(long_path); long_path = v; }
			if (lv) { cf_free(long_link); long_link = lv; }
			continue;
		}
		if (type == 'g')
			continue;   /* global PAX records carry nothing we use */
		if (long_path) {
			snprintf(raw, sizeof(raw), "%s", "");
			path = clean_path(long_path, strlen(long_path));
		} else {
			size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100);
			snprintf(raw, sizeof(raw), "%.*s%s%.*s", (int)pl, h + 345, pl ? "/" : "", (int)nl, h);
			path = clean_path(raw, strlen(raw));
		}
		if (path == NULL && type == '5' && is_root_entry(long_path ? long_path : raw)) {
			rc = 0;   /* the root: nothing to record */
		} else if (path == NULL) {
			rc = cf_err_set(CF_EINVAL, "artifact entry \"%s\" is absolute or leaves the tree with \"..\"",
					long_path ? long_path : raw);
		} else if (type == '5') {
			rc = json_object_set_new(t->dirs, path, json_true()) < 0 ? CF_ENOMEM : 0;
			cf_free(path);
		} else if (type == '2') {
			char tl[101];
			snprintf(tl, sizeof(tl), "%.*s", (int)strnlen((const char *)h + 157, 100), h + 157);
			link = link_target(path, long_link ? long_link : tl);
			if (link == NULL) {
				rc = cf_err_set(CF_EINVAL, "artifact symlink \"%s\" points out of the tree", path);
				cf_free(path);
			} else {
				rc = add_entry(t, path, (const unsigned char *)link, strlen(link), 1, max_files);   /* takes link */
			}
		} else if (type == '0' || type == '\0' || type == '7') {
			rc = add_entry(t, path, body, (size_t)size, 0, max_files);
		} else {
			rc = cf_err_set(CF_EINVAL, "artifact entry \"%s\": type '%c' (hard link, device or fifo) is not allowed",
					path, type);
			cf_free(path);
		}
		cf_free(long_path);
		cf_free(long_link);
		long_path = long_link = NULL;
	}
	cf_free(long_path);
	cf_free(long_link);
	return rc;
}

int cf_tree_unpack(cf_tree **out, const void *data, size_t len, size_t max_bytes, size_t max_files)
{
	cf_tree *t;
	size_t tar_max = max_bytes + (max_files + 2) * 2 * TAR_BLOCK;
	int rc;

	*out = NULL;
	t = cf_calloc(1, sizeof(*t));
	if (t == NULL || (t->index = json_object()) == NULL || (t->dirs = json_object()) == NULL) {
		cf_tree_free(t);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	t->max_bytes = max_bytes;
	/* the tar itself is a little larger than its contents: headers and padding */
	rc = inflate_all(t, data, len, tar_max);
	if (rc == 0)
		rc = unpack_tar(t, t->tar, t->tar_len, max_files);
	if (rc < 0) {
		cf_tree_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static const entry *lookup(const cf_tree *t, const char *path, int depth)
{
	json_t *ix = json_object_get(t->index, path);
	const entry *e;

	if (ix == NULL || depth > LINK_DEPTH)
		return NULL;
	e = &t->v[json_integer_value(ix)];
	return e->is_link ? lookup(t, (const char *)e->data, depth + 1) : e;
}

const unsigned char *cf_tree_get(const cf_tree *t, const char *path, size_t *len)
{
	const entry *e = lookup(t, path, 0);

	if (e == NULL)
		return NULL;
	if (len)
		*len = e->len;
	return e->data;
}

int cf_tree_is_dir(const cf_tree *t, const char *path)
{
	return strcmp(path, ".") == 0 || json_object_get(t->dirs, path) != NULL;
}

int cf_tree_list(const cf_tree *t, const char *dir, json_t **names)
{
	const char *key;
	size_t plen = strcmp(dir, ".") == 0 ? 0 : strlen(dir);
	json_t *seen = json_object(), *v;

	*names = json_array();
	if (seen == NULL || *names == NULL) {
		json_decref(seen);
		json_decref(*names);
		*names = NULL;
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	/* every entry and directory directly under dir */
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach(pass ? t->dirs : t->index, key, v) {
			const char *rest = key;
			if (plen) {
				if (strncmp(key, dir, plen) != 0 || key[plen] != '/')
					continue;
				rest = key + plen + 1;
			}
			if (rest[0] && strchr(rest, '/') == NULL)
				json_object_set_new(seen, rest, json_true());
		}
	json_object_foreach(seen, key, v)
		json_array_append_new(*names, json_string(key));
	json_decref(seen);
	return 0;
}
