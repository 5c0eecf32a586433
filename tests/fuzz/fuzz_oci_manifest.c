/* tests/fuzz/fuzz_oci_manifest.c - the OCI manifest/index reader and the reference parser:
 * whatever is accepted has valid digests, bounded counts and its own digest. */
#include "source/oci.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_oci_manifest m;
	cf_oci_ref ref;
	char *s;

	if (cf_oci_manifest_parse(&m, data, size, size && data[0] == 'x' ? "application/json" : NULL) == 0) {
		if (m.n_items > CF_OCI_LAYERS_MAX || !cf_oci_digest_valid(m.digest) || m.raw_len != size)
			abort();
		for (size_t i = 0; i < m.n_items; i++)
			if (!cf_oci_digest_valid(m.items[i].digest) || m.items[i].size < 0)
				abort();
		if (!m.is_index && !cf_oci_digest_valid(m.config.digest))
			abort();
	}
	cf_oci_manifest_free(&m);
	if ((s = cf_strndup((const char *)data, size)) == NULL)
		return 0;
	if (cf_oci_ref_parse(&ref, s) == 0) {
		if (ref.registry[0] == '\0' || ref.repository[0] == '\0' ||
		    (ref.digest[0] && !cf_oci_digest_valid(ref.digest)) || (ref.tag[0] && !cf_oci_tag_valid(ref.tag)))
			abort();
	}
	cf_free(s);
	return 0;
}
