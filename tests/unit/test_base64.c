/* tests/unit/test_base64.c - base64 encode and decode. */
#include "test.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"

static const struct { const char *plain; const char *encoded; } vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void rfc4648_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char *enc = NULL;
		unsigned char *dec = NULL;
		size_t len;

		CHECK_OK(cf_base64_encode(&enc, (const unsigned char *)vectors[i].plain, strlen(vectors[i].plain)));
		CHECK_STR(enc, vectors[i].encoded);
		CHECK_OK(cf_base64_decode(&dec, &len, vectors[i].encoded, strlen(vectors[i].encoded)));
		CHECK(len == strlen(vectors[i].plain) && memcmp(dec, vectors[i].plain, len) == 0);
		cf_free(enc);
		cf_free(dec);
	}
}

static void whitespace_and_missing_padding(void)
{
	unsigned char *dec = NULL;
	size_t len;

	CHECK_OK(cf_base64_decode(&dec, &len, "Zm9v\nYmE", 8));
	CHECK(len == 5 && memcmp(dec, "fooba", 5) == 0);
	cf_free(dec);
}

static void invalid_input(void)
{
	unsigned char *dec = NULL;
	size_t len;

	CHECK(cf_base64_decode(&dec, &len, "Zm9v!", 5) == CF_EINVAL);
	CHECK(dec == NULL);
	CHECK_CONTAINS(cf_err_msg(), "byte 4");
	CHECK(cf_base64_decode(&dec, &len, "Z", 1) == CF_EINVAL);
	CHECK(cf_base64_decode(&dec, &len, "Zg==Zg", 6) == CF_EINVAL);
}

static void binary_round_trip(void)
{
	unsigned char all[256], *dec = NULL;
	char *enc = NULL;
	size_t len;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	CHECK_OK(cf_base64_encode(&enc, all, sizeof(all)));
	CHECK_OK(cf_base64_decode(&dec, &len, enc, strlen(enc)));
	CHECK(len == 256 && memcmp(dec, all, 256) == 0);
	cf_free(enc);
	cf_free(dec);
}

static const cf_test_case cases[] = {
	{ "rfc4648_vectors", rfc4648_vectors },
	{ "whitespace_and_missing_padding", whitespace_and_missing_padding },
	{ "invalid_input", invalid_input },
	{ "binary_round_trip", binary_round_trip },
};
CF_TEST_MAIN(cases)
