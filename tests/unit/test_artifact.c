/* tests/unit/test_artifact.c - tar.gz artifacts: readable by tar, deterministic, capped, atomic. */
#include "source/artifact.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/cflux-artifact-XXXXXX";

static int build(char digest[72], const char *name, const char *long_name)
{
	cf_artifact_writer *w = NULL;
	int rc = cf_artifact_writer_open(&w, dir, name, 1u << 20);

	if (rc == 0) rc = cf_artifact_writer_add_file(w, "deploy/app.yaml", 0, "kind: Deployment\n", 17);
	if (rc == 0) rc = cf_artifact_writer_add_file(w, "run.sh", 1, "#!/bin/sh\n", 10);
	if (rc == 0) rc = cf_artifact_writer_add_file(w, "empty", 0, "", 0);
	if (rc == 0) rc = cf_artifact_writer_add_symlink(w, "link", "deploy/app.yaml");
	if (rc == 0) rc = cf_artifact_writer_add_file(w, long_name, 0, "deep\n", 5);
	if (rc == 0) rc = cf_artifact_writer_commit(w, digest, NULL);
	cf_artifact_writer_free(w);
	return rc;
}

static void tar_reads_it_back(void)
{
	char digest[72], again[72], cmd[1024], long_name[300];
	size_t size;

	CHECK(mkdtemp(dir) != NULL);
	memset(long_name, 0, sizeof(long_name));
	for (int i = 0; i < 12; i++)
		strcat(long_name, "directory/");
	strcat(long_name, "file-with-a-long-name.yaml");
	CHECK_OK(build(digest, "a.tar.gz", long_name));
	snprintf(cmd, sizeof(cmd), "%s/a.tar.gz", dir);
	CHECK_OK(cf_artifact_file_digest(again, &size, cmd));
	CHECK_STR(again, digest);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/x && tar -xzf %s/a.tar.gz -C %s/x && "
		 "grep -q Deployment %s/x/deploy/app.yaml && test -x %s/x/run.sh && test -L %s/x/link && "
		 "test \"$(readlink %s/x/link)\" = deploy/app.yaml && test -f %s/x/empty && "
		 "grep -q deep %s/x/%s", dir, dir, dir, dir, dir, dir, dir, dir, dir, long_name);
	CHECK(system(cmd) == 0);
}

static void same_tree_same_digest(void)
{
	char a[72], b[72];

	CHECK_OK(build(a, "b.tar.gz", "x"));
	CHECK_OK(build(b, "c.tar.gz", "x"));
	CHECK_STR(a, b);
	CHECK(strncmp(a, "sha256:", 7) == 0 && strlen(a) == 71);
}

static void cap_fails_and_leaves_nothing(void)
{
	cf_artifact_writer *w = NULL;
	char big[200000], path[256], cmd[512];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(rand() & 0xff);   /* incompressible */
	CHECK_OK(cf_artifact_writer_open(&w, dir, "big.tar.gz", 50000));
	if (w == NULL)
		return;
	CHECK(cf_artifact_writer_add_file(w, "big", 0, big, sizeof(big)) == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), "limit of 50000 bytes");
	cf_artifact_writer_free(w);
	snprintf(path, sizeof(path), "%s/big.tar.gz", dir);
	CHECK(access(path, F_OK) != 0);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s | grep tmp)\"", dir);
	CHECK(system(cmd) == 0);
}

static void unsafe_paths_refused(void)
{
	cf_artifact_writer *w = NULL;
	char cmd[512];

	CHECK_OK(cf_artifact_writer_open(&w, dir, "bad.tar.gz", 1u << 20));
	if (w == NULL)
		return;
	CHECK(cf_artifact_writer_add_file(w, "/etc/passwd", 0, "x", 1) == CF_EINVAL);
	CHECK(cf_artifact_writer_add_file(w, "../up", 0, "x", 1) == CF_EINVAL);
	CHECK(cf_artifact_writer_add_file(w, "a/../../up", 0, "x", 1) == CF_EINVAL);
	cf_artifact_writer_free(w);
	CHECK(cf_artifact_writer_open(&w, dir, "../escape.tar.gz", 100) == CF_EINVAL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static const cf_test_case cases[] = {
	{ "tar_reads_it_back", tar_reads_it_back },
	{ "same_tree_same_digest", same_tree_same_digest },
	{ "cap_fails_and_leaves_nothing", cap_fails_and_leaves_nothing },
	{ "unsafe_paths_refused", unsafe_paths_refused },
};
CF_TEST_MAIN(cases)
