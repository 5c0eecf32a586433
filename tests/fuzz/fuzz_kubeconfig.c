/* tests/fuzz/fuzz_kubeconfig.c - kubeconfig parsing (YAML, base64 fields, lookups). */
#include "kube/kubeconfig.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_kubeconfig *c = NULL;

	if (cf_kubeconfig_parse(&c, (const char *)data, size, "/fuzz/config", NULL) == 0)
		cf_kubeconfig_free(c);
	c = NULL;
	if (cf_kubeconfig_parse(&c, (const char *)data, size, "fuzz", "prod") == 0)
		cf_kubeconfig_free(c);
	return 0;
}
