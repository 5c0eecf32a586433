/* tests/fuzz/fuzz_kustomize_openapi.c - the `openapi:` schema reader and the `crds:` definition
 * map reader (common/kustomize/kustomize_openapi.c), and a strategic merge patch driven by the
 * schema. The input is split at "\n===\n" into the schema (also read as a crds: map), an object
 * and a patch. */
#include "kustomize/kustomize_internal.h"
#include "kustomize/kustomize_openapi.h"
#include "yaml/yaml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPARTS 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *part[NPARTS] = { "", "", "" };
	size_t len[NPARTS] = { 0, 0, 0 };
	cf_kopenapi *schema = NULL;
	json_t *cfg = json_object(), *obj = NULL, *patch = NULL;

	for (int i = 0; i < NPARTS; i++) {
		const char *sep = NULL;
		for (const char *s = p; s + 5 <= end; s++)
			if (memcmp(s, "\n===\n", 5) == 0) {
				sep = s;
				break;
			}
		part[i] = p;
		len[i] = (size_t)((sep ? sep : end) - p);
		p = sep ? sep + 5 : end;
	}
	(void)cf_kopenapi_crd_config(cfg, part[0], len[0], "crds.yaml");
	if (cf_kopenapi_parse(&schema, part[0], len[0], "schema.yaml") == 0 &&
	    cf_yaml_load(&obj, part[1], len[1], "obj.yaml") == 0 && cf_yaml_load(&patch, part[2], len[2], "patch.yaml") == 0 &&
	    json_is_object(obj))
		(void)kz_smp(obj, patch, schema, "patch.yaml");
	json_decref(obj);
	json_decref(patch);
	json_decref(cfg);
	cf_kopenapi_free(schema);
	return 0;
}
