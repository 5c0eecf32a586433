/* tests/bench/bench_push_tags.c - pushes one small image under N tags (tag-00000 ...) to a
 * registry over plain http, for the image scan benchmark (tests/bench/image.sh):
 *   build/release/bench/bench_push_tags HOST:PORT REPOSITORY N */
#include "source/oci.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	cf_oci_options o = CF_OCI_OPTIONS_INIT;
	cf_buf man = CF_BUF_INIT(4096);
	char cfg[72], layer[72], d[72], tag[32];
	cf_oci *c = NULL;
	long n;
	int rc;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s HOST:PORT REPOSITORY N\n", argv[0]);
		return 2;
	}
	o.registry = argv[1];
	o.insecure = 1;
	rc = cf_oci_new(&c, &o);
	if (rc == 0) rc = cf_oci_blob_push(c, argv[2], "{}", 2, cfg);
	if (rc == 0) rc = cf_oci_blob_push(c, argv[2], "layer", 5, layer);
	if (rc == 0)
		rc = cf_buf_printf(&man, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
				   "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":2},\"layers\":"
				   "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":5}]}",
				   CF_OCI_MT_MANIFEST, cfg, layer);
	for (long i = 0; rc == 0 && i < n; i++) {
		snprintf(tag, sizeof(tag), "tag-%05ld", i);
		rc = cf_oci_manifest_push(c, argv[2], tag, CF_OCI_MT_MANIFEST, man.data, man.len, d);
	}
	if (rc < 0)
		fprintf(stderr, "%s\n", cf_err_msg());
	cf_buf_free(&man);
	cf_oci_free(c);
	return rc < 0 ? 1 : 0;
}
