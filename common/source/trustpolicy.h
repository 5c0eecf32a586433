/* common/source/trustpolicy.h - Notation's trustpolicy.json (version 1.0), read and checked as
 * notation-go's trustpolicy.Document.Validate checks it, with its words. The CLI checks it before
 * it makes a `create secret notation` Secret; a verifying source reads the same document. */
#ifndef CF_TRUSTPOLICY_H
#define CF_TRUSTPOLICY_H

#include <stddef.h>

/* Decodes text as Go's json.Unmarshal into a trustpolicy.Document would: 0, or
 * CF_EINVAL with Go's message ("unexpected end of JSON input", "json: cannot unmarshal ...").
 * Nothing is kept. */
int cf_trustpolicy_decode(const char *text, size_t len);
/* Decodes, then validates the document: 0; CF_EINVAL from the decoder (*decoded 0), or with
 * notation's words for the rule it breaks (*decoded 1). */
int cf_trustpolicy_check(const char *text, size_t len, int *decoded);

#endif
