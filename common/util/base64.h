/* common/util/base64.h - standard base64 (RFC 4648), as Kubernetes uses it for -data fields and
 * Secret values. */
#ifndef CF_BASE64_H
#define CF_BASE64_H

#include <stddef.h>

/* Decodes text (whitespace ignored; padding optional) into a new buffer (*out, cf_free; for
 * secrets cf_free_secret) with a NUL after the *out_len bytes. CF_EINVAL on bad input. */
int cf_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len);
/* Encodes into a new NUL-terminated string (*out, cf_free). */
int cf_base64_encode(char **out, const unsigned char *data, size_t len);

#endif
