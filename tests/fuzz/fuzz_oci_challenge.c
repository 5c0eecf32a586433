/* tests/fuzz/fuzz_oci_challenge.c - the WWW-Authenticate parser and the Link header reader of
 * the OCI client: never past their buffers, always NUL-ended, a Bearer challenge has a realm. */
#include "source/oci.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cf_strndup((const char *)data, size), *next = NULL;
	cf_oci_challenge c;

	if (s == NULL)
		return 0;
	if (cf_oci_challenge_parse(&c, s) == 0) {
		if (strlen(c.scheme) >= sizeof(c.scheme) || strlen(c.realm) >= sizeof(c.realm) ||
		    strlen(c.service) >= sizeof(c.service) || strlen(c.scope) >= sizeof(c.scope))
			abort();
		if (strcmp(c.scheme, "Bearer") == 0 && c.realm[0] == '\0')
			abort();
	}
	if (cf_oci_link_next(&next, s, "https://r.example") == 0 && next &&
	    strncmp(next, "https://r.example/", 18) != 0)
		abort();
	cf_free(next);
	cf_free(s);
	return 0;
}
