/* tests/fuzz/fuzz_setters.c - the Setters strategy: for any input, the output is the input with
 * only the reported spans replaced, each span a single-line scalar followed on its line by an
 * $imagepolicy marker naming a known policy. */
#include "image-automation-controller/setters.h"
#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The span [start, end) sits on one line, and a marker follows it on that line. */
static void check_span(const char *in, size_t len, size_t start, size_t end)
{
	const char *eol;

	if (memchr(in + start, '\n', end - start) || memchr(in + start, '\r', end - start))
		abort();
	eol = memchr(in + end, '\n', len - end);
	if (eol == NULL)
		eol = in + len;
	if (memmem(in + end, (size_t)(eol - (in + end)), "$imagepolicy", 12) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	json_t *pol = json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}}", "ns:a", "image", "reg/a", "tag", "1.2.3", "ns:b",
				"image", "reg/b", "tag", "v2", "digest", "sha256:00ff");
	json_t *changes = NULL, *c;
	cf_buf out = CF_BUF_INIT(16u * 1024u * 1024u);
	size_t at = 0, oat = 0, i;

	if (pol == NULL)
		abort();
	if (iua_setters_apply(&out, &changes, in, size, "fuzz", pol) == 0) {
		const char *o = out.data ? out.data : "";
		json_array_foreach(changes, i, c) {
			size_t start = (size_t)json_integer_value(json_object_get(c, "start"));
			size_t end = (size_t)json_integer_value(json_object_get(c, "end"));
			const json_t *text = json_object_get(c, "text");
			size_t tl = json_string_length(text), gap;
			if (start < at || end < start || end > size || text == NULL)
				abort();
			check_span(in, size, start, end);
			gap = start - at;
			/* the bytes between spans are the input's, unchanged */
			if (oat + gap + tl > out.len || memcmp(o + oat, in + at, gap) != 0 ||
			    memcmp(o + oat + gap, json_string_value(text), tl) != 0)
				abort();
			oat += gap + tl;
			at = end;
		}
		if (out.len - oat != size - at || memcmp(o + oat, in + at, size - at) != 0)
			abort();
	} else if (out.len != 0 || changes != NULL) {
		abort();
	}
	json_decref(changes);
	json_decref(pol);
	cf_buf_free(&out);
	return 0;
}
