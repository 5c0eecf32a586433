/* tests/unit/test_tree.c - artifacts unpacked in memory: round trips, kustomize builds from
 * an artifact, and hostile archives refused. */
#include "kustomize/kustomize.h"
#include "source/artifact.h"
#include "source/tree.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static char dir[] = "/tmp/cflux-tree-XXXXXX";

static int read_file(cf_buf *b, const char *name)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	cf_buf_reset(b);
	return cf_buf_read_file(b, p);
}

static void round_trip_and_build(void)
{
	cf_artifact_writer *w = NULL;
	cf_buf b = CF_BUF_INIT(1u << 20);
	cf_tree *t = NULL;
	char digest[72], long_name[300] = "";
	const unsigned char *d;
	size_t len;
	cf_kfs fs;
	json_t *docs = NULL;

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < 15; i++)
		strcat(long_name, "nested/");
	strcat(long_name, "deep.yaml");
	CHECK_OK(cf_artifact_writer_open(&w, dir, "a.tar.gz", 1u << 20));
	CHECK_OK(cf_artifact_writer_add_file(w, "deploy/kustomization.yaml", 0,
		"resources: [cm.yaml]\nnamePrefix: art-\n", 37));
	CHECK_OK(cf_artifact_writer_add_file(w, "deploy/cm.yaml", 0,
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n", 63));
	CHECK_OK(cf_artifact_writer_add_file(w, "run.sh", 1, "#!/bin/sh\n", 10));
	CHECK_OK(cf_artifact_writer_add_symlink(w, "alias.yaml", "deploy/cm.yaml"));
	CHECK_OK(cf_artifact_writer_add_file(w, long_name, 0, "x: 1\n", 5));
	CHECK_OK(cf_artifact_writer_commit(w, digest, NULL));
	cf_artifact_writer_free(w);
	CHECK_OK(read_file(&b, "a.tar.gz"));
	CHECK_OK(cf_tree_unpack(&t, b.data, b.len, 1u << 20, 100));
	if (t == NULL)
		goto out;
	CHECK(cf_tree_files(t) == 5);
	d = cf_tree_get(t, "alias.yaml", &len);   /* followed to deploy/cm.yaml */
	CHECK(d != NULL && len == 63);
	CHECK(cf_tree_get(t, long_name, &len) != NULL && len == 5);
	cf_kfs_tree(&fs, t);
	CHECK(fs.stat(fs.ctx, "deploy") == 1);
	CHECK(fs.stat(fs.ctx, "deploy/cm.yaml") == 0);
	CHECK(fs.stat(fs.ctx, "nope") == CF_ENOTFOUND);
	CHECK_OK(cf_kustomize_build(&docs, &fs, "deploy"));
	CHECK(json_array_size(docs) == 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(docs, 0), "metadata"), "name")), "art-c");
	json_decref(docs);
out:
	cf_tree_free(t);
	cf_buf_free(&b);
}

/* ---- hostile archives, written by hand ---- */

static void header(cf_buf *tar, const char *name, char type, size_t size, const char *link)
{
	unsigned char h[512];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	cf_buf_append(tar, h, sizeof(h));
}

static void body(cf_buf *tar, const char *data, size_t len)
{
	static const char zeros[512];

	cf_buf_append(tar, data, len);
	if (len % 512)
		cf_buf_append(tar, zeros, 512 - len % 512);
}

static void finish(cf_buf *tar, cf_buf *gz)
{
	static const char zeros[1024];
	z_stream z;
	unsigned char out[1 << 16];

	cf_buf_append(tar, zeros, sizeof(zeros));
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)tar->data;
	z.avail_in = (uInt)tar->len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		deflate(&z, Z_FINISH);
		cf_buf_append(gz, out, sizeof(out) - z.avail_out);
	} while (z.avail_out == 0);
	deflateEnd(&z);
}

static void expect_refused(const char *what, void (*build)(cf_buf *), size_t max_bytes, size_t max_files,
			   int want_rc, const char *want_text)
{
	cf_buf tar = CF_BUF_INIT(1u << 24), gz = CF_BUF_INIT(1u << 24);
	cf_tree *t = NULL;
	int rc;

	build(&tar);
	finish(&tar, &gz);
	rc = cf_tree_unpack(&t, gz.data, gz.len, max_bytes, max_files);
	if (rc != want_rc || t != NULL || strstr(cf_err_msg(), want_text) == NULL)
		cf_test_fail(__FILE__, __LINE__, "%s: rc %d \"%s\", want %d with \"%s\"", what, rc, cf_err_msg(),
			     want_rc, want_text);
	cf_tree_free(t);
	cf_buf_free(&tar);
	cf_buf_free(&gz);
}

static void b_dotdot(cf_buf *t) { header(t, "a/../../evil", '0', 1, NULL); body(t, "x", 1); }
static void b_absolute(cf_buf *t) { header(t, "/etc/cron.d/evil", '0', 1, NULL); body(t, "x", 1); }
static void b_link_out(cf_buf *t) { header(t, "deploy/passwd", '2', 0, "../../etc/passwd"); }
static void b_link_abs(cf_buf *t) { header(t, "deploy/passwd", '2', 0, "/etc/passwd"); }
static void b_hardlink(cf_buf *t) { header(t, "h", '1', 0, "a"); }
static void b_device(cf_buf *t) { header(t, "dev", '3', 0, NULL); }
static void b_big(cf_buf *t) { static char big[5000]; header(t, "big", '0', sizeof(big), NULL); body(t, big, sizeof(big)); }
static void b_many(cf_buf *t) { char n[32]; for (int i = 0; i < 20; i++) { snprintf(n, sizeof(n), "f%d", i); header(t, n, '0', 1, NULL); body(t, "x", 1); } }
static void b_dup(cf_buf *t) { header(t, "same", '0', 1, NULL); body(t, "x", 1); header(t, "./same", '0', 1, NULL); body(t, "y", 1); }
static void b_badsum(cf_buf *t) { header(t, "ok", '0', 1, NULL); t->data[148] = '9'; body(t, "x", 1); }
static void b_short(cf_buf *t) { header(t, "short", '0', 100000, NULL); body(t, "x", 1); }

/* Extended (PAX) headers: a first good record, so that a bad second one starts past byte 0
 * (where a negative length once wrapped the bounds check and looped forever). */
static void pax(cf_buf *t, const char *records)
{
	char all[512];

	snprintf(all, sizeof(all), "15 comment=abc\n%s", records);
	header(t, "PaxHeaders/f", 'x', strlen(all), NULL);
	body(t, all, strlen(all));
	header(t, "f", '0', 1, NULL);
	body(t, "x", 1);
}
static void b_pax_negative(cf_buf *t) { pax(t, "-15 path=evil\n"); }
static void b_pax_negative_first(cf_buf *t) { header(t, "PaxHeaders/f", 'x', 14, NULL); body(t, "-5 path=evil\n", 14); }
static void b_pax_overflow(cf_buf *t) { pax(t, "18446744073709551600 path=evil\n"); }
static void b_pax_overflow_more(cf_buf *t) { pax(t, "99999999999999999999999999 path=evil\n"); }
static void b_pax_zero(cf_buf *t) { pax(t, "0 path=evil\n"); }
static void b_pax_huge(cf_buf *t) { pax(t, "999999 path=evil\n"); }
static void b_pax_short(cf_buf *t) { pax(t, "1 "); }
static void b_pax_no_space(cf_buf *t) { pax(t, "14path=evil\n"); }
static void b_pax_no_newline(cf_buf *t) { pax(t, "14 path=evilX"); }
static void b_pax_no_length(cf_buf *t) { pax(t, " path=evil\n"); }

static void hostile_pax_records_refused(void)
{
	expect_refused("negative", b_pax_negative, 1u << 20, 100, CF_EINVAL, "bad PAX record at byte 15");
	expect_refused("negative first", b_pax_negative_first, 1u << 20, 100, CF_EINVAL, "bad PAX record at byte 0");
	expect_refused("wraps size_t", b_pax_overflow, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("overflows", b_pax_overflow_more, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("zero", b_pax_zero, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("past the end", b_pax_huge, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("shorter than its length", b_pax_short, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("no space", b_pax_no_space, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("no newline", b_pax_no_newline, 1u << 20, 100, CF_EINVAL, "bad PAX record");
	expect_refused("no length", b_pax_no_length, 1u << 20, 100, CF_EINVAL, "bad PAX record");
}

/* Good PAX records name the next entry (the last path= wins) and its link target. */
static void pax_records_name_entries(void)
{
	static const char rec[] = "16 path=ignored\n21 path=deploy/a.txt\n";
	static const char lrec[] = "17 path=deploy/l\n18 linkpath=a.txt\n";
	cf_buf tar = CF_BUF_INIT(1u << 20), gz = CF_BUF_INIT(1u << 20);
	cf_tree *t = NULL;
	const unsigned char *d;
	size_t len = 0;

	header(&tar, "PaxHeaders/a", 'x', strlen(rec), NULL);
	body(&tar, rec, strlen(rec));
	header(&tar, "short-a", '0', 2, NULL);
	body(&tar, "hi", 2);
	header(&tar, "PaxHeaders/l", 'x', strlen(lrec), NULL);
	body(&tar, lrec, strlen(lrec));
	header(&tar, "short-l", '2', 0, "nowhere");
	finish(&tar, &gz);
	CHECK_OK(cf_tree_unpack(&t, gz.data, gz.len, 1u << 20, 10));
	CHECK(t != NULL && cf_tree_files(t) == 2);
	d = t ? cf_tree_get(t, "deploy/a.txt", &len) : NULL;
	CHECK(d != NULL && len == 2 && memcmp(d, "hi", 2) == 0);
	d = t ? cf_tree_get(t, "deploy/l", &len) : NULL;   /* the link, followed */
	CHECK(d != NULL && len == 2 && memcmp(d, "hi", 2) == 0);
	CHECK(t == NULL || cf_tree_get(t, "short-a", NULL) == NULL);
	cf_tree_free(t);
	cf_buf_free(&tar);
	cf_buf_free(&gz);
}

/* A tar of a directory (tar -C dir ., flux push artifact) names its root "./" and every entry
 * "./x": accepted as x; "./../x" and links out are still refused. */
static void dot_slash_entries(void)
{
	cf_buf tar = CF_BUF_INIT(1u << 20), gz = CF_BUF_INIT(1u << 20);
	cf_tree *t = NULL;
	const unsigned char *d;
	size_t len = 0;

	header(&tar, "./", '5', 0, NULL);
	header(&tar, "./deploy/", '5', 0, NULL);
	header(&tar, "./deploy/cm.yaml", '0', 2, NULL);
	body(&tar, "hi", 2);
	header(&tar, "./deploy/l", '2', 0, "./cm.yaml");
	finish(&tar, &gz);
	CHECK_OK(cf_tree_unpack(&t, gz.data, gz.len, 1u << 20, 10));
	d = t ? cf_tree_get(t, "deploy/cm.yaml", &len) : NULL;
	CHECK(d != NULL && len == 2 && memcmp(d, "hi", 2) == 0);
	CHECK(t && cf_tree_get(t, "deploy/l", &len) != NULL);
	CHECK(t && cf_tree_is_dir(t, "deploy"));
	cf_tree_free(t);
	cf_buf_free(&tar);
	cf_buf_free(&gz);
}

static void b_dot_dotdot(cf_buf *t) { header(t, "./", '5', 0, NULL); header(t, "./../evil", '0', 1, NULL); body(t, "x", 1); }
static void b_dot_link_out(cf_buf *t) { header(t, "./a", '2', 0, "./../../etc/passwd"); }
static void b_dot_file_root(cf_buf *t) { header(t, "./", '0', 1, NULL); body(t, "x", 1); }

static void dot_slash_still_refused(void)
{
	expect_refused("./../", b_dot_dotdot, 1u << 20, 10, CF_EINVAL, "leaves the tree");
	expect_refused("./ link out", b_dot_link_out, 1u << 20, 10, CF_EINVAL, "points out of the tree");
	expect_refused("./ as a file", b_dot_file_root, 1u << 20, 10, CF_EINVAL, "\"./\"");
}

/* The unpacked tree holds the archive's bytes once: files are not copied out of the inflated
 * tar. 64 MiB of files (zeros: the gzip is small) may grow a fresh process by well under
 * twice that (once was: the inflated tar, and a copy of every file). */
static void unpacked_once_in_memory(void)
{
	enum { FILES = 64, SIZE = 1 << 20 };
	cf_buf tar = CF_BUF_INIT((FILES + 1) * (SIZE + 1024)), gz = CF_BUF_INIT(8u << 20);
	char *zeros = calloc(1, SIZE), name[32];
	int st = -1;
	pid_t pid;

	CHECK(zeros != NULL);
	if (zeros == NULL)
		return;
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "blob/%d", i);
		header(&tar, name, '0', SIZE, NULL);
		body(&tar, zeros, SIZE);
	}
	free(zeros);
	finish(&tar, &gz);
	cf_buf_free(&tar);
	pid = fork();
	if (pid == 0) {
		struct rusage before, after;
		cf_tree *t = NULL;
		getrusage(RUSAGE_SELF, &before);
		if (cf_tree_unpack(&t, gz.data, gz.len, (size_t)FILES * SIZE + 1024, 1000) < 0 || cf_tree_files(t) != FILES)
			_exit(2);
		getrusage(RUSAGE_SELF, &after);
		if ((after.ru_maxrss - before.ru_maxrss) * 1024 < (long)FILES * SIZE * 3 / 2)
			_exit(0);
		printf("  unpacking %d MiB grew the process by %ld MiB\n", FILES * SIZE >> 20,
		       (after.ru_maxrss - before.ru_maxrss) >> 10);
		fflush(stdout);
		_exit(1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cf_buf_free(&gz);
}

static void hostile_archives_refused(void)
{
	expect_refused("dotdot", b_dotdot, 1u << 20, 100, CF_EINVAL, "leaves the tree");
	expect_refused("absolute", b_absolute, 1u << 20, 100, CF_EINVAL, "is absolute");
	expect_refused("symlink out", b_link_out, 1u << 20, 100, CF_EINVAL, "points out of the tree");
	expect_refused("symlink absolute", b_link_abs, 1u << 20, 100, CF_EINVAL, "points out of the tree");
	expect_refused("hard link", b_hardlink, 1u << 20, 100, CF_EINVAL, "not allowed");
	expect_refused("device", b_device, 1u << 20, 100, CF_EINVAL, "not allowed");
	expect_refused("oversize", b_big, 1000, 100, CF_ETOOBIG, "unpacks to more than");
	expect_refused("too many files", b_many, 1u << 20, 10, CF_ETOOBIG, "more than 10 entries");
	expect_refused("duplicate", b_dup, 1u << 20, 100, CF_EINVAL, "appears twice");
	expect_refused("bad checksum", b_badsum, 1u << 20, 100, CF_EINVAL, "bad tar header");
	expect_refused("truncated entry", b_short, 1u << 20, 100, CF_EINVAL, "runs past the end");
}

static void not_gzip_or_truncated(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20);
	cf_tree *t = NULL;

	CHECK(cf_tree_unpack(&t, "not gzip at all", 15, 1u << 20, 10) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "not a valid gzip stream");
	CHECK_OK(read_file(&b, "a.tar.gz"));
	CHECK(cf_tree_unpack(&t, b.data, b.len / 2, 1u << 20, 10) == CF_EINVAL);
	CHECK(t == NULL);
	cf_buf_free(&b);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static const cf_test_case cases[] = {
	{ "round_trip_and_build", round_trip_and_build },
	{ "hostile_archives_refused", hostile_archives_refused },
	{ "not_gzip_or_truncated", not_gzip_or_truncated },
	{ "hostile_pax_records_refused", hostile_pax_records_refused },
	{ "pax_records_name_entries", pax_records_name_entries },
	{ "unpacked_once_in_memory", unpacked_once_in_memory },
	{ "dot_slash_entries", dot_slash_entries },
	{ "dot_slash_still_refused", dot_slash_still_refused },
};
CF_TEST_MAIN(cases)
