/* tests/fuzz/fuzz_yaml.c - the YAML reader, and the writers (plain and Go's quoting) on whatever it accepts; also the
 * kustomization reader (a key given twice keeps its last value), which must accept all that the
 * strict reader accepts, as the same single document. */
#include "util/buf.h"
#include "yaml/yaml.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL, *again = NULL;
	cf_buf out = CF_BUF_INIT(16u * 1024u * 1024u);

	if (cf_yaml_load_all(&docs, (const char *)data, size, "fuzz") == 0) {
		/* whatever is read must write, and read back the same */
		if (cf_yaml_dump_all(&out, docs) == 0 &&
		    cf_yaml_load_all(&again, out.data ? out.data : "", out.len, "fuzz-out") == 0 &&
		    !json_equal(docs, again))
			abort();
		if (out.len && again == NULL)
			abort();
		/* Go's quoting (timestamps too) reads back the same as well */
		if (json_array_size(docs) > 0) {
			cf_buf go = CF_BUF_INIT(16u * 1024u * 1024u);
			json_t *back = NULL;
			if (cf_yaml_dump_go(&go, json_array_get(docs, 0)) == 0 &&
			    cf_yaml_load(&back, go.data ? go.data : "", go.len, "fuzz-go") == 0 &&
			    !json_equal(json_array_get(docs, 0), back))
				abort();
			json_decref(back);
			cf_buf_free(&go);
		}
	}
	{
		json_t *lax = NULL, *strict = NULL;
		int lax_rc = cf_yaml_load_last_key_wins(&lax, (const char *)data, size, "fuzz");
		if (cf_yaml_load(&strict, (const char *)data, size, "fuzz") == 0 && (lax_rc < 0 || !json_equal(lax, strict)))
			abort();
		json_decref(lax);
		json_decref(strict);
	}
	json_decref(docs);
	json_decref(again);
	cf_buf_free(&out);
	return 0;
}
