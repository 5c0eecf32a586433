/* tests/fuzz/fuzz_imgregex.c - RE2 pattern translation and Go's Expand: input is
 * "pattern\nsubject\ntemplate"; any pattern compiles or fails cleanly, and an expansion stays
 * within its cap. */
#include "image-automation-controller/imgregex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *subject, *tmpl;
	regmatch_t m[IAC_REGEX_GROUPS_MAX + 1];
	cf_buf out = CF_BUF_INIT(4096);
	iac_regex re;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	subject = strchr(text, '\n');
	if (subject)
		*subject++ = '\0';
	tmpl = subject ? strchr(subject, '\n') : NULL;
	if (tmpl)
		*tmpl++ = '\0';
	if (iac_regex_compile(&re, text, "pattern") == 0) {
		if (re.ngroups > IAC_REGEX_GROUPS_MAX)
			abort();
		if (iac_regex_match(&re, subject ? subject : "", m) &&
		    iac_regex_expand(&out, &re, tmpl ? tmpl : "$1", subject ? subject : "", m) == 0 && out.len > out.max)
			abort();
		iac_regex_free(&re);
	}
	cf_buf_free(&out);
	free(text);
	return 0;
}
