/* tests/fuzz/fuzz_tagstore.c - the tag store parser: a clean error, or tags that encode back to
 * the very same bytes (the file has one form). */
#include "image-automation-controller/tagstore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_buf again = CF_BUF_INIT(1u << 24);
	json_t *tags = NULL;

	if (iac_tags_parse(&tags, (const char *)data, size, 10000) == 0) {
		if (tags == NULL || iac_tags_encode(&again, tags, 10000) != 0 || again.len != size ||
		    memcmp(again.data, data, size) != 0)
			abort();
	} else if (tags != NULL) {
		abort();
	}
	json_decref(tags);
	cf_buf_free(&again);
	return 0;
}
