/* tests/fuzz/fuzz_http_headers.c - the reply header parser (status lines, folding of repeats,
 * names and values past their caps, bytes that are not UTF-8). */
#include "http/http.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = NULL;

	if (cf_http_parse_headers(&o, (const char *)data, size) == 0) {
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v)
			if (!json_is_string(v) || k[0] == '\0')
				__builtin_trap();
		json_decref(o);
	}
	return 0;
}
