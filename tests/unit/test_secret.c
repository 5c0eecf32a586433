/* tests/unit/test_secret.c - a Secret's data decoded (kube/secret), and wiped. */
#include "kube/secret.h"
#include "test.h"
#include "util/err.h"

#include <string.h>

static void decodes_data(void)
{
	/* "czNjcmV0" = "s3cret", "" = "", "/w==" = a lone 0xff byte (not text: left out) */
	json_t *s = json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:s,s:i}}", "metadata", "name", "creds", "namespace", "ns",
			      "data", "password", "czNjcmV0", "empty", "", "binary", "/w==", "number", 3);
	json_t *d = NULL;

	CHECK_OK(cf_kube_secret_decode(&d, s));
	CHECK_STR(json_string_value(json_object_get(d, "password")), "s3cret");
	CHECK_STR(json_string_value(json_object_get(d, "empty")), "");
	CHECK(json_object_get(d, "binary") == NULL);
	CHECK(json_object_get(d, "number") == NULL);
	CHECK(json_object_size(d) == 2);
	cf_kube_secret_free(d);
	cf_kube_secret_free(s);
}

static void bad_base64_names_the_key(void)
{
	json_t *s = json_pack("{s:{s:s,s:s},s:{s:s}}", "metadata", "name", "creds", "namespace", "ns", "data", "token", "%%%");
	json_t *d = (json_t *)1;

	CHECK(cf_kube_secret_decode(&d, s) == CF_EINVAL);
	CHECK(d == NULL);
	CHECK_CONTAINS(cf_err_msg(), "secret 'ns/creds': key 'token'");
	json_decref(s);
}

static void wipe_zeroes_values(void)
{
	json_t *j = json_pack("{s:s,s:[s]}", "a", "secret", "b", "other");
	const char *a = json_string_value(json_object_get(j, "a"));
	const char *b = json_string_value(json_array_get(json_object_get(j, "b"), 0));

	cf_json_wipe(j);
	CHECK(memcmp(a, "\0\0\0\0\0\0", 6) == 0);
	CHECK(memcmp(b, "\0\0\0\0\0", 5) == 0);
	CHECK(json_object_get(j, "a") != NULL);   /* keys stay */
	json_decref(j);
	cf_json_wipe(NULL);
	cf_kube_secret_free(NULL);
}

static const cf_test_case tests[] = {
	{ "decodes_data", decodes_data },
	{ "bad_base64_names_the_key", bad_base64_names_the_key },
	{ "wipe_zeroes_values", wipe_zeroes_values },
};
CF_TEST_MAIN(tests)
