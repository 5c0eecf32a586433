/* tests/bench/bench_tree_rss.c - peak RSS of what the kustomize-controller does with an
 * artifact: hold the compressed bytes, unpack them into a tree, build a kustomization in it.
 *   make bench  (or: make build/release/bench/bench_tree_rss)
 *   build/release/bench/bench_tree_rss ARTIFACT.tar.gz [DIR]
 * For example, a 227 MB tree (40 base64 blobs of 5.4 MB and 400 ConfigMaps under deploy/):
 *   tar -C repo -czf art.tgz blobs deploy && build/release/bench/bench_tree_rss art.tgz deploy */
#include "kustomize/kustomize.h"
#include "source/tree.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <sys/resource.h>

static long rss_kib(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_maxrss;
}

int main(int argc, char **argv)
{
	cf_buf gz = CF_BUF_INIT(1u << 30);
	cf_tree *t = NULL;
	json_t *objs = NULL;
	cf_kfs fs;
	int rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s ARTIFACT.tar.gz [DIR]\n", argv[0]);
		return 2;
	}
	if (cf_buf_read_file(&gz, argv[1]) < 0)
		goto out;
	printf("read:   peak %ld KiB (compressed %zu bytes)\n", rss_kib(), gz.len);
	/* the kustomize-controller's defaults: --artifact-max-size 256 MiB */
	if (cf_tree_unpack(&t, gz.data, gz.len, 256u << 20, 100000) < 0)
		goto out;
	printf("unpack: peak %ld KiB (%zu files)\n", rss_kib(), cf_tree_files(t));
	cf_buf_free(&gz);   /* as the controller does once the tree is built */
	if (argc > 2) {
		cf_kfs_tree(&fs, t);
		if (cf_kustomize_build(&objs, &fs, argv[2]) < 0)
			goto out;
		printf("build:  peak %ld KiB (%zu objects)\n", rss_kib(), json_array_size(objs));
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s\n", cf_err_msg());
	json_decref(objs);
	cf_tree_free(t);
	cf_buf_free(&gz);
	return rc;
}
