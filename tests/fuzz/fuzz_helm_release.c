/* tests/fuzz/fuzz_helm_release.c - helm's stored release as `cflux tree` reads it from a
 * storage Secret's data.release: base64 around base64 of gzipped JSON. Whatever is accepted is
 * a JSON object. */
#include "source/helm.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *rel = NULL;
	int rc = cf_helm_release_decode(&rel, (const char *)data, size);

	if ((rc == 0) != (rel != NULL) || (rel && !json_is_object(rel)))
		abort();
	json_decref(rel);
	return 0;
}
