/* tests/fuzz/fuzz_tar.c - tar headers: the input is taken as a tar stream, gzipped here (so the
 * fuzzer explores headers, not deflate), then unpacked with tight caps; a tree that unpacks
 * is read back through the kustomize filesystem. */
#include "kustomize/kustomize.h"
#include "source/tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	z_stream z;
	size_t cap = size + size / 10 + 1024;
	unsigned char *gz = malloc(cap);
	cf_tree *t = NULL;

	if (gz == NULL)
		return 0;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
		z.next_in = (Bytef *)data;
		z.avail_in = (uInt)size;
		z.next_out = gz;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END &&
		    cf_tree_unpack(&t, gz, cap - z.avail_out, 1u << 20, 256) == 0) {
			cf_kfs fs;
			cf_kfs_tree(&fs, t);
			fs.stat(fs.ctx, "a");
			cf_tree_get(t, "a", NULL);
			cf_tree_free(t);
		}
		deflateEnd(&z);
	}
	free(gz);
	return 0;
}
