/* common/util/base64.c - base64 encode and decode. */
#include "util/base64.h"

#include "util/alloc.h"
#include "util/err.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int cf_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len)
{
	unsigned char *d = cf_malloc(len / 4 * 3 + 4);
	unsigned acc = 0;
	size_t n = 0, bits = 0, pad = 0;

	*out = NULL;
	*out_len = 0;
	if (d == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad) {
			cf_free_secret(d, len / 4 * 3 + 4);
			return cf_err_set(CF_EINVAL, "invalid base64 at byte %zu", i);
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits >= 6 || pad > 2) {
		cf_free_secret(d, len / 4 * 3 + 4);
		return cf_err_set(CF_EINVAL, "invalid base64: truncated input");
	}
	d[n] = '\0';
	*out = d;
	*out_len = n;
	return 0;
}

int cf_base64_encode(char **out, const unsigned char *data, size_t len)
{
	char *s = cf_malloc((len + 2) / 3 * 4 + 1);
	size_t n = 0, i;

	*out = NULL;
	if (s == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
		s[n++] = b64_alphabet[v >> 18];
		s[n++] = b64_alphabet[(v >> 12) & 63];
		s[n++] = b64_alphabet[(v >> 6) & 63];
		s[n++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
		s[n++] = b64_alphabet[v >> 18];
		s[n++] = b64_alphabet[(v >> 12) & 63];
		s[n++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		s[n++] = '=';
	}
	s[n] = '\0';
	*out = s;
	return 0;
}
