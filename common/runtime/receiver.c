/* common/runtime/receiver.c - a Receiver's webhook path and request signature. */
#include "runtime/receiver.h"

#include "util/err.h"
#include "util/sha256.h"

#include <mbedtls/md.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void hex(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void cf_receiver_path(char out[CF_RECEIVER_PATH_MAX], const char *token, const char *name, const char *ns)
{
	unsigned char h[32];
	cf_sha256 s;

	cf_sha256_init(&s);
	cf_sha256_update(&s, token, strlen(token));
	cf_sha256_update(&s, name, strlen(name));
	cf_sha256_update(&s, ns, strlen(ns));
	cf_sha256_final(&s, h);
	memcpy(out, "/hook/", 6);
	hex(out + 6, h, sizeof(h));
}

int cf_receiver_hmac_hex(char out[CF_RECEIVER_HMAC_MAX], const char *algo, size_t algo_len, const char *key,
			 const void *data, size_t len)
{
	static const struct { const char *name; mbedtls_md_type_t type; } algos[] = {
		{ "sha1", MBEDTLS_MD_SHA1 }, { "sha256", MBEDTLS_MD_SHA256 }, { "sha512", MBEDTLS_MD_SHA512 },
	};
	unsigned char mac[64];

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		const mbedtls_md_info_t *md;
		if (strlen(algos[i].name) != algo_len || strncasecmp(algo, algos[i].name, algo_len) != 0)
			continue;
		md = mbedtls_md_info_from_type(algos[i].type);
		if (md == NULL || mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key),
						  (const unsigned char *)data, len, mac) != 0)
			return cf_err_set(CF_EINVAL, "HMAC-%s is not available", algos[i].name);
		hex(out, mac, mbedtls_md_get_size(md));
		return 0;
	}
	return cf_err_set(CF_EINVAL, "HMAC algorithm \"%.*s\" is not one of sha1, sha256, sha512", (int)(algo_len > 32 ? 32 : algo_len), algo);
}

int cf_receiver_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
	unsigned char diff = (unsigned char)(la != lb);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)((i < la ? (unsigned char)a[i] : 0) ^ (i < lb ? (unsigned char)b[i] : 0));
	return diff == 0;
}
