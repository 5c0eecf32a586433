/* common/util/sha256.h - SHA-256 (FIPS 180-4), streaming; artifact digests are "sha256:<hex>". */
#ifndef CF_SHA256_H
#define CF_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct cf_sha256 {
	uint32_t state[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
} cf_sha256;

void cf_sha256_init(cf_sha256 *s);
void cf_sha256_update(cf_sha256 *s, const void *data, size_t len);
void cf_sha256_final(cf_sha256 *s, unsigned char out[32]);
/* "sha256:" + 64 hex digits + NUL. */
void cf_sha256_digest_string(char out[72], const unsigned char hash[32]);
/* One call: digest string of data. */
void cf_sha256_of(char out[72], const void *data, size_t len);

#endif
