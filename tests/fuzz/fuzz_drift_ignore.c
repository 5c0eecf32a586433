/* tests/fuzz/fuzz_drift_ignore.c - spec.driftDetection.ignore (JSON, up to the first NUL)
 * checked, then applied to an object (the rest, JSON) as desired, dry run and live at once:
 * whatever is accepted leaves no ignored path in what is compared. */
#include "helm-controller/drift.h"
#include "kustomize/kustomize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	json_t *rules, *obj, *fix, *dry, *live, *rule, *path;
	size_t i, j;

	if (nul == NULL || (rules = json_loadb(p, (size_t)(nul - p), JSON_DECODE_ANY, NULL)) == NULL)
		return 0;
	obj = json_loadb(nul + 1, size - (size_t)(nul - p) - 1, 0, NULL);
	if (obj && hc_drift_ignore_check(rules) == 0) {
		fix = json_deep_copy(obj);
		dry = json_deep_copy(obj);
		live = json_deep_copy(obj);
		hc_drift_apply_ignore(fix, dry, live, rules);
		json_array_foreach(rules, i, rule) {
			const json_t *t = json_object_get(rule, "target");
			if (json_is_object(t))
				continue;   /* selected or not: only untargeted rules are sure to apply */
			json_array_foreach(json_object_get(rule, "paths"), j, path)
				if (cf_kustomize_pointer_get(live, json_string_value(path)) != NULL &&
				    strcmp(json_string_value(path), "/") != 0 && strchr(json_string_value(path) + 1, '/') == NULL)
					abort();
		}
		json_decref(fix);
		json_decref(dry);
		json_decref(live);
	}
	json_decref(obj);
	json_decref(rules);
	return 0;
}
