/* common/source/artifact.c - tar.gz writer: ustar entries (PAX records for long names), gzip by
 * zlib, sha256 of the compressed bytes computed as they are written. */
#include "source/artifact.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define TAR_BLOCK 512
#define OUT_CHUNK 65536

struct cf_artifact_writer {
	int fd;
	char *tmp_path;
	char *final_path;
	char *dir;
	size_t max_bytes;
	size_t written;
	z_stream z;
	int z_open;
	cf_sha256 sha;
	unsigned long pax_seq;
	int failed;
	unsigned char out[OUT_CHUNK];
};

int cf_artifact_mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(tmp))
		return cf_err_set(CF_EINVAL, "bad storage directory \"%s\"", dir);
	memcpy(tmp, dir, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return cf_err_set(CF_EIO, "mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return cf_err_set(CF_EIO, "mkdir %s: %s", tmp, strerror(errno));
	return 0;
}

int cf_artifact_writer_open(cf_artifact_writer **out, const char *dir, const char *final_name,
			    size_t max_bytes)
{
	cf_artifact_writer *w;
	cf_buf b = CF_BUF_INIT(8192);
	int rc;

	*out = NULL;
	if (strchr(final_name, '/') || final_name[0] == '.' || final_name[0] == '\0')
		return cf_err_set(CF_EINVAL, "artifact name \"%s\" must be a plain file name", final_name);
	if ((rc = cf_artifact_mkdir_p(dir)) < 0)
		return rc;
	w = cf_calloc(1, sizeof(*w));
	if (w == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	w->fd = -1;
	w->max_bytes = max_bytes;
	cf_sha256_init(&w->sha);
	if ((rc = cf_buf_printf(&b, "%s/.%s.tmp-XXXXXX", dir, final_name)) < 0 ||
	    (w->tmp_path = cf_buf_detach(&b, NULL)) == NULL ||
	    (rc = cf_buf_printf(&b, "%s/%s", dir, final_name)) < 0 ||
	    (w->final_path = cf_buf_detach(&b, NULL)) == NULL ||
	    (w->dir = cf_strdup(dir)) == NULL) {
		rc = rc < 0 ? rc : cf_err_set(CF_ENOMEM, "out of memory");
		goto fail;
	}
	w->fd = mkstemp(w->tmp_path);
	if (w->fd < 0) {
		rc = cf_err_set(CF_EIO, "create %s: %s", w->tmp_path, strerror(errno));
		goto fail;
	}
	/* gzip wrapper (windowBits 16+15); zlib writes mtime 0, so the bytes are stable */
	if (deflateInit2(&w->z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		rc = cf_err_set(CF_ENOMEM, "zlib: deflateInit2 failed");
		goto fail;
	}
	w->z_open = 1;
	*out = w;
	return 0;
fail:
	cf_buf_free(&b);
	cf_artifact_writer_free(w);
	return rc;
}

static int write_out(cf_artifact_writer *w, const unsigned char *p, size_t n)
{
	if (w->written + n > w->max_bytes)
		return cf_err_set(CF_ETOOBIG, "artifact is larger than the limit of %zu bytes", w->max_bytes);
	cf_sha256_update(&w->sha, p, n);
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return cf_err_set(CF_EIO, "write %s: %s", w->tmp_path, strerror(errno));
		p += k;
		n -= (size_t)k;
		w->written += (size_t)k;
	}
	return 0;
}

static int deflate_some(cf_artifact_writer *w, const void *data, size_t len, int flush)
{
	int zrc, rc;

	if (w->failed)
		return cf_err_set(CF_EIO, "artifact writer already failed");
	w->z.next_in = (Bytef *)data;
	w->z.avail_in = (uInt)len;
	do {
		w->z.next_out = w->out;
		w->z.avail_out = OUT_CHUNK;
		zrc = deflate(&w->z, flush);
		if (zrc == Z_STREAM_ERROR) {
			w->failed = 1;
			return cf_err_set(CF_EIO, "zlib: deflate failed");
		}
		rc = write_out(w, w->out, OUT_CHUNK - w->z.avail_out);
		if (rc < 0) {
			w->failed = 1;
			return rc;
		}
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
	return 0;
}

static int tar_write(cf_artifact_writer *w, const void *data, size_t len)
{
	/* zlib takes uInt lengths: feed large files in slices */
	const unsigned char *p = data;

	while (len > 0) {
		size_t n = len > (1u << 30) ? (1u << 30) : len;
		int rc = deflate_some(w, p, n, Z_NO_FLUSH);
		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	}
	return 0;
}

static int tar_pad(cf_artifact_writer *w, size_t len)
{
	static const unsigned char zeros[TAR_BLOCK];
	size_t rem = len % TAR_BLOCK;

	return rem ? tar_write(w, zeros, TAR_BLOCK - rem) : 0;
}

static void octal(char *field, size_t size, unsigned long long v)
{
	snprintf(field, size, "%0*llo", (int)size - 1, v);
}

static int tar_header(cf_artifact_writer *w, const char *name, char type, unsigned mode,
		      unsigned long long size, const char *link)
{
	unsigned char h[TAR_BLOCK];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	memcpy(h, name, strnlen(name, 100));
	octal((char *)h + 100, 8, mode);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, size);
	octal((char *)h + 136, 12, 0);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strnlen(link, 100));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	return tar_write(w, h, sizeof(h));
}

/* A PAX record "LEN key=value\n", where LEN counts itself. */
static int pax_record(cf_buf *b, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, len = body + 1;

	while (snprintf(NULL, 0, "%zu", len) + body != len)
		len++;
	return cf_buf_printf(b, "%zu %s=%s\n", len, key, value);
}

static int tar_entry(cf_artifact_writer *w, const char *path, char type, unsigned mode,
		     const void *data, size_t len, const char *link)
{
	int rc;

	if (path[0] == '/' || strstr(path, "..") == path || strstr(path, "/../"))
		return cf_err_set(CF_EINVAL, "artifact path \"%s\" is not relative and clean", path);
	if (strlen(path) >= 100 || (link && strlen(link) >= 100)) {
		cf_buf pax = CF_BUF_INIT(1u << 20);
		char pax_name[64];

		rc = 0;
		if (strlen(path) >= 100)
			rc = pax_record(&pax, "path", path);
		if (rc == 0 && link && strlen(link) >= 100)
			rc = pax_record(&pax, "linkpath", link);
		snprintf(pax_name, sizeof(pax_name), "PaxHeaders/%lu", ++w->pax_seq);
		if (rc == 0)
			rc = tar_header(w, pax_name, 'x', 0644, pax.len, NULL);
		if (rc == 0)
			rc = tar_write(w, pax.data, pax.len);
		if (rc == 0)
			rc = tar_pad(w, pax.len);
		cf_buf_free(&pax);
		if (rc < 0)
			return rc;
	}
	rc = tar_header(w, path, type, mode, len, link);
	if (rc == 0 && len)
		rc = tar_write(w, data, len);
	if (rc == 0)
		rc = tar_pad(w, len);
	return rc;
}

int cf_artifact_writer_add_file(cf_artifact_writer *w, const char *path, int executable,
				const void *data, size_t len)
{
	return tar_entry(w, path, '0', executable ? 0755 : 0644, data, len, NULL);
}

int cf_artifact_writer_add_symlink(cf_artifact_writer *w, const char *path, const char *target)
{
	return tar_entry(w, path, '2', 0777, NULL, 0, target);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return cf_err_set(CF_EIO, "open %s: %s", dir, strerror(errno));
	fsync(fd);
	close(fd);
	return 0;
}

int cf_artifact_writer_commit(cf_artifact_writer *w, char digest[72], size_t *size)
{
	static const unsigned char trailer[2 * TAR_BLOCK];
	unsigned char hash[32];
	int rc;

	rc = tar_write(w, trailer, sizeof(trailer));
	if (rc == 0)
		rc = deflate_some(w, NULL, 0, Z_FINISH);
	if (rc == 0 && fsync(w->fd) < 0)
		rc = cf_err_set(CF_EIO, "fsync %s: %s", w->tmp_path, strerror(errno));
	if (rc == 0 && close(w->fd) < 0)
		rc = cf_err_set(CF_EIO, "close %s: %s", w->tmp_path, strerror(errno));
	if (rc == 0)
		w->fd = -1;
	if (rc == 0 && rename(w->tmp_path, w->final_path) < 0)
		rc = cf_err_set(CF_EIO, "rename %s: %s", w->final_path, strerror(errno));
	if (rc == 0) {
		cf_free(w->tmp_path);   /* nothing left to remove */
		w->tmp_path = NULL;
		rc = fsync_dir(w->dir);
	}
	w->failed = 1;
	if (rc < 0)
		return rc;
	cf_sha256_final(&w->sha, hash);
	cf_sha256_digest_string(digest, hash);
	if (size)
		*size = w->written;
	return 0;
}

void cf_artifact_writer_free(cf_artifact_writer *w)
{
	if (w == NULL)
		return;
	if (w->z_open)
		deflateEnd(&w->z);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path) {
		unlink(w->tmp_path);
		cf_free(w->tmp_path);
	}
	cf_free(w->final_path);
	cf_free(w->dir);
	cf_free(w);
}

int cf_artifact_write_bytes(const char *dir, const char *file, const void *data, size_t len)
{
	cf_buf tmp = CF_BUF_INIT(8192), full = CF_BUF_INIT(8192);
	FILE *f = NULL;
	int rc;

	rc = cf_artifact_mkdir_p(dir);
	if (rc == 0) rc = cf_buf_printf(&tmp, "%s/.%s.tmp-%ld", dir, file, (long)getpid());
	if (rc == 0) rc = cf_buf_printf(&full, "%s/%s", dir, file);
	if (rc == 0 && ((f = fopen(tmp.data, "wb")) == NULL || fwrite(data, 1, len, f) != len ||
			fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = cf_err_set(CF_EIO, "write %s: %s", tmp.data, strerror(errno));
	if (f && fclose(f) != 0 && rc == 0)
		rc = cf_err_set(CF_EIO, "write %s: %s", tmp.data, strerror(errno));
	if (rc == 0 && rename(tmp.data, full.data) < 0)
		rc = cf_err_set(CF_EIO, "rename to %s: %s", full.data, strerror(errno));
	if (rc < 0 && tmp.data)
		unlink(tmp.data);
	cf_buf_free(&tmp);
	cf_buf_free(&full);
	return rc;
}

int cf_artifact_file_digest(char digest[72], size_t *size, const char *path)
{
	unsigned char buf[65536], hash[32];
	cf_sha256 s;
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return cf_err_set(errno == ENOENT ? CF_ENOTFOUND : CF_EIO, "%s: %s", path, strerror(errno));
	cf_sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		cf_sha256_update(&s, buf, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return cf_err_set(CF_EIO, "read %s: %s", path, strerror(errno));
	cf_sha256_final(&s, hash);
	cf_sha256_digest_string(digest, hash);
	if (size)
		*size = total;
	return 0;
}
