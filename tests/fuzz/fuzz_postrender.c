/* tests/fuzz/fuzz_postrender.c - the post-render mode's input: a spec (JSON, up to the first
 * NUL, as the spec file holds it) checked as spec.postRenderers, then the rest as helm's
 * manifests rendered through it and the origin labels (as the plugin always does, also with
 * no post-renderers). Whatever is accepted renders to YAML that reads back, every document
 * with the origin labels. */
#include "helm-controller/postrender.h"
#include "yaml/yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const hc_origin ORIGIN = { "fuzz", "fuzz-ns" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	json_t *spec, *prs = NULL, *back = NULL;
	cf_buf out = CF_BUF_INIT(1u << 22);
	char digest[72];

	if (nul == NULL || (spec = json_loadb(p, (size_t)(nul - p), 0, NULL)) == NULL)
		return 0;
	if (hc_postrender_spec(&prs, spec) == 0) {
		hc_postrender_digest(digest, prs);
		if (prs && strncmp(digest, "sha256:", 7) != 0)
			abort();
		if (hc_postrender_run(&out, nul + 1, size - (size_t)(nul - p) - 1, prs, &ORIGIN) == 0) {
			const json_t *o;
			size_t i;
			if (cf_yaml_load_all(&back, out.data ? out.data : "", out.len, "rendered") < 0)
				abort();
			json_array_foreach(back, i, o) {
				const json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");
				if (strcmp(cf_json_str(labels, HC_LABEL_NAME) ?: "", ORIGIN.name) != 0 ||
				    strcmp(cf_json_str(labels, HC_LABEL_NAMESPACE) ?: "", ORIGIN.namespace) != 0)
					abort();
			}
		}
	}
	json_decref(back);
	json_decref(prs);
	json_decref(spec);
	cf_buf_free(&out);
	return 0;
}
