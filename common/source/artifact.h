/* common/source/artifact.h - deterministic tar.gz artifacts with a sha256 digest.
 * Entries are written in the order given (callers sort), with owner 0:0, mtime 0 and only
 * the executable bit of the mode kept, so the same tree gives the same bytes and digest. */
#ifndef CF_ARTIFACT_H
#define CF_ARTIFACT_H

#include <stddef.h>

typedef struct cf_artifact_writer cf_artifact_writer;

/* Opens a temporary file in dir (created if missing); nothing is visible under final_name
 * until commit. max_bytes caps the compressed size: past it, writes fail with CF_ETOOBIG. */
int  cf_artifact_writer_open(cf_artifact_writer **out, const char *dir, const char *final_name,
			     size_t max_bytes);
/* A regular file; mode 0755 if executable is set, else 0644. */
int  cf_artifact_writer_add_file(cf_artifact_writer *w, const char *path, int executable,
				 const void *data, size_t len);
int  cf_artifact_writer_add_symlink(cf_artifact_writer *w, const char *path, const char *target);
/* Flushes, fsyncs and renames atomically; writes "sha256:<hex>" into digest and the size in
 * bytes into *size (may be NULL). The writer is spent either way: free it next. */
int  cf_artifact_writer_commit(cf_artifact_writer *w, char digest[72], size_t *size);
/* Frees the writer; an uncommitted artifact is removed. Safe on NULL. */
void cf_artifact_writer_free(cf_artifact_writer *w);

/* Writes data as it is into dir/file (dir created if missing), atomically: a temp file
 * ".<file>.tmp-<pid>" in dir, renamed. For artifacts stored as fetched (an index, a chart). */
int  cf_artifact_write_bytes(const char *dir, const char *file, const void *data, size_t len);
/* Creates dir and its parents (0755); an existing one is fine. Errors name the path. */
int  cf_artifact_mkdir_p(const char *dir);

/* Digest of a file on disk, "sha256:<hex>"; CF_ENOTFOUND if it is missing. */
int  cf_artifact_file_digest(char digest[72], size_t *size, const char *path);

#endif
