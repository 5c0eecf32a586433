/* tests/unit/test_receiver.c - runtime/receiver: Flux's webhook path (checked against
 * sha256sum), the HMAC of a body (RFC 4231 and RFC 2202 vectors) and the constant-time compare;
 * and cf_http_status_text, the reason phrases trigger receiver prints. */
#include "test.h"
#include "http/http.h"
#include "runtime/receiver.h"
#include "util/err.h"

static void webhook_path(void)
{
	char p[CF_RECEIVER_PATH_MAX];

	cf_receiver_path(p, "token", "receiver", "flux-system");
	CHECK_STR(p, "/hook/82c055fa0743ee447b0870be16fa51a43bb6604b21ef8fae7ccf02bdc860b0f9");
	cf_receiver_path(p, "", "app", "flux-system");   /* generic-oidc: no token */
	CHECK_STR(p, "/hook/ece733b9c8c4de6df3615613ebf75c1ef3b70312aaff7921d3b924aa7fa54342");
}

static void hmac_vectors(void)
{
	static const char data[] = "what do ya want for nothing?";
	char h[CF_RECEIVER_HMAC_MAX];

	CHECK_OK(cf_receiver_hmac_hex(h, "sha256", 6, "Jefe", data, sizeof(data) - 1));
	CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	CHECK_OK(cf_receiver_hmac_hex(h, "SHA1=deadbeef", 4, "Jefe", data, sizeof(data) - 1));
	CHECK_STR(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	CHECK_OK(cf_receiver_hmac_hex(h, "sha512", 6, "Jefe", data, sizeof(data) - 1));
	CHECK_STR(h, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	CHECK(cf_receiver_hmac_hex(h, "md5", 3, "Jefe", data, sizeof(data) - 1) == CF_EINVAL);
	CHECK(cf_receiver_hmac_hex(h, "sha25", 5, "Jefe", data, sizeof(data) - 1) == CF_EINVAL);
	CHECK_STR(h, "");
}

static void equal(void)
{
	CHECK(cf_receiver_equal("abc", "abc"));
	CHECK(!cf_receiver_equal("abc", "abd"));
	CHECK(!cf_receiver_equal("abc", "abcd"));
	CHECK(!cf_receiver_equal("", "a"));
	CHECK(cf_receiver_equal("", ""));
}

static void status_text(void)
{
	CHECK_STR(cf_http_status_text(404), "Not Found");
	CHECK_STR(cf_http_status_text(401), "Unauthorized");
	CHECK_STR(cf_http_status_text(503), "Service Unavailable");
	CHECK_STR(cf_http_status_text(599), "");
}

static const cf_test_case cases[] = {
	{ "webhook_path", webhook_path },
	{ "hmac_vectors", hmac_vectors },
	{ "equal", equal },
	{ "status_text", status_text },
};
CF_TEST_MAIN(cases)
