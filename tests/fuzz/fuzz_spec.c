/* tests/fuzz/fuzz_spec.c - the small parsers of spec fields: semver constraints, durations,
 * ignore patterns and globs. Input: first line the subject, the rest the pattern text. */
#include "source/ignore.h"
#include "util/duration.h"
#include "util/semver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl;
	const char *rest;
	cf_semver v;
	cf_ignore *ig = NULL;
	long ms;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	rest = nl ? nl + 1 : "";
	if (nl)
		*nl = '\0';
	cf_duration_parse(&ms, text);
	{
		long long secs;
		cf_time_parse_rfc3339(&secs, text);
	}
	if (cf_semver_parse(&v, text) == 0)
		cf_semver_match(rest, &v);
	if (cf_ignore_new(&ig) == 0) {
		cf_ignore_add(ig, rest, strlen(rest), "");
		cf_ignore_add_last(ig, rest, strlen(rest));
		cf_ignore_match(ig, text, 0);
		cf_ignore_match(ig, text, 1);
		cf_ignore_free(ig);
	}
	cf_ignore_glob(rest, text);
	free(text);
	return 0;
}
