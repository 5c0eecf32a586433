/* tests/fuzz/fuzz_dockerconfig.c - the .dockerconfigjson reader: credentials found or a clean
 * error, nothing leaked. */
#include "source/oci.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *user = NULL, *pass = NULL;
	static const char *const hosts[] = { "registry.example:5000", "docker.io", "127.0.0.1" };

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		int rc = cf_oci_dockerconfig_find(&user, &pass, (const char *)data, size, hosts[i]);
		if ((rc == 0) != (user != NULL && pass != NULL))
			abort();
		if (user)
			cf_free_secret(user, strlen(user) + 1);
		if (pass)
			cf_free_secret(pass, strlen(pass) + 1);
		user = pass = NULL;
	}
	return 0;
}
