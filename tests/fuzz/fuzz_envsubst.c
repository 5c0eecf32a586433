/* tests/fuzz/fuzz_envsubst.c - postBuild variable substitution over arbitrary text, and the
 * variable-name check. */
#include "kustomize/fluxbuild.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *vars;
	cf_buf out = CF_BUF_INIT(1u << 20);
	char name[64];

	if (vars == NULL)
		vars = json_pack("{s:s,s:s,s:s}", "A", "alpha", "EMPTY", "", "LONG", "${A}$${A}");
	cf_envsubst(&out, (const char *)data, size, vars);
	cf_buf_free(&out);
	memcpy(name, data, size < sizeof(name) - 1 ? size : sizeof(name) - 1);
	name[size < sizeof(name) - 1 ? size : sizeof(name) - 1] = '\0';
	cf_flux_check_var_name(name);
	return 0;
}
