/* tests/fuzz/fuzz_trustpolicy.c - Notation trust policy documents: decoded and validated, or
 * refused with a message; a document the check accepts is one the decoder accepts. */
#include "source/trustpolicy.h"

#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int decoded = 0, rc = cf_trustpolicy_check((const char *)data, size, &decoded);

	if (rc < 0 && cf_err_msg()[0] == '\0')
		abort();
	if (decoded != (cf_trustpolicy_decode((const char *)data, size) == 0))
		abort();
	if (rc == 0 && !decoded)
		abort();
	return 0;
}
