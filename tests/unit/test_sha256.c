/* tests/unit/test_sha256.c - SHA-256 against known vectors and sha256sum. */
#include "test.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>

static void known_vectors(void)
{
	char d[72];

	cf_sha256_of(d, "", 0);
	CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cf_sha256_of(d, "abc", 3);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cf_sha256_of(d, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	CHECK_STR(d, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void streaming_equals_one_shot(void)
{
	unsigned char buf[1000];
	char a[72], b[72];
	unsigned char h[32];
	cf_sha256 s;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	cf_sha256_of(a, buf, sizeof(buf));
	cf_sha256_init(&s);
	for (size_t off = 0, step = 1; off < sizeof(buf); off += step, step = step * 2 % 97 + 1)
		cf_sha256_update(&s, buf + off, off + step > sizeof(buf) ? sizeof(buf) - off : step);
	cf_sha256_final(&s, h);
	cf_sha256_digest_string(b, h);
	CHECK_STR(a, b);
}

static void million_a(void)
{
	static char m[1000000];
	char d[72];

	memset(m, 'a', sizeof(m));
	cf_sha256_of(d, m, sizeof(m));
	CHECK_STR(d, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static const cf_test_case cases[] = {
	{ "known_vectors", known_vectors },
	{ "streaming_equals_one_shot", streaming_equals_one_shot },
	{ "million_a", million_a },
};
CF_TEST_MAIN(cases)
