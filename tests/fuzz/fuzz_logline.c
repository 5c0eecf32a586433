/* tests/fuzz/fuzz_logline.c - a controller log line read back (cflux logs): key=value with
 * quoted values and escapes, or a JSON object. */
#include "util/log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *fields = NULL;

	if (cf_log_parse_line(&fields, (const char *)data, size) == 0 && fields == NULL)
		__builtin_trap();
	json_decref(fields);
	return 0;
}
