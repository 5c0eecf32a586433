/* tests/fuzz/fuzz_msgtemplate.c - messageTemplate: any template parses and runs, or fails with
 * CF_EINVAL/CF_ETOOBIG and a message naming the template; never a crash. */
#include "image-automation-controller/msgtemplate.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *changes = json_pack("[{s:s, s:s, s:s, s:s, s:{s:s, s:s}}]", "file", "a.yaml", "setter", "ns:p", "old",
				    "r:1", "new", "r:2", "object", "kind", "Deployment", "name", "web");
	json_t *d = NULL;
	cf_buf out = CF_BUF_INIT(IUA_MSG_MAX);
	char *tpl = cf_strndup((const char *)data, size);
	int rc;

	if (changes == NULL || tpl == NULL || iua_msg_data(&d, "ns", "auto", changes, NULL) < 0)
		abort();
	rc = iua_msg_render(&out, tpl, "fuzz", d);
	if (rc < 0 && ((rc != CF_EINVAL && rc != CF_ETOOBIG) || strstr(cf_err_msg(), "fuzz") == NULL))
		abort();
	cf_free(tpl);
	json_decref(d);
	json_decref(changes);
	cf_buf_free(&out);
	return 0;
}
