/* tests/unit/test_trustpolicy.c - Notation trust policies: what the decoder and the rules accept,
 * and the words of each refusal (the e2e export test compares them with flux's too). */
#include "test.h"
#include "source/trustpolicy.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#define STMT(extra) "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"r.io/x\"]," extra "}]}"
#define STRICT "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[\"ca:x\"]"

static const struct { const char *name, *doc, *want; int decoded; } cases[] = {
	{ "valid", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:C=US,ST=WA,O=x\",\"x509.subject:C=US,ST=OR,O=x\"]"), NULL, 1 },
	{ "skip_level", STMT("\"signatureVerification\":{\"level\":\"skip\"}"), NULL, 1 },
	{ "keys_ignore_case", "{\"VERSION\":\"1.0\",\"trustpolicies\":[{\"Name\":\"a\",\"registryScopes\":[\"*\"],\"signatureVerification\":{\"Level\":\"skip\"}}]}", NULL, 1 },
	{ "null_keeps_value", "{\"version\":\"1.0\",\"Version\":null,\"trustPolicies\":[]}", "zero trust policy statements", 1 },
	{ "empty", "", "unexpected end of JSON input", 0 },
	{ "syntax", "{]", "invalid character ']' looking for beginning of object key string", 0 },
	{ "syntax_literal_end", "[nul", "invalid character ' ' in literal null (expecting 'l')", 0 },
	{ "syntax_string_end", "[\"ab", "unexpected end of JSON input", 0 },
	{ "trailing", "{} {}", "invalid character '{' after top-level value", 0 },
	{ "type_top", "\"x\"", "json: cannot unmarshal string into Go value of type trustpolicy.Document", 0 },
	{ "type_stores", STMT("\"trustStores\":[1]"), "Go struct field TrustPolicy.trustPolicies.trustStores of type string", 0 },
	{ "type_sigver", STMT("\"signatureVerification\":[]"), "field TrustPolicy.trustPolicies.signatureVerification of type trustpolicy.SignatureVerification", 0 },
	{ "no_version", "{}", "trust policy document has empty version, version must be specified", 1 },
	{ "level_missing", STMT("\"trustStores\":[]"), "has invalid signatureVerification: signature verification level is empty", 1 },
	{ "override_list", STMT("\"signatureVerification\":{\"level\":\"strict\",\"override\":{\"nope\":\"log\"}}"), "supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]", 1 },
	{ "revocation_skip_ok", STMT("\"signatureVerification\":{\"level\":\"strict\",\"override\":{\"revocation\":\"skip\"}},\"trustStores\":[\"ca:x\"],\"trustedIdentities\":[\"*\"]"), NULL, 1 },
	{ "dn_escaped_comma", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:CN=a\\\\,b,C=US,ST=WA,O=x\"]"), NULL, 1 },
	{ "dn_overlap", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:C=US,ST=WA,O=x\",\"x509.subject:C=US,ST=WA,O=x,CN=y\"]"), "has overlapping x509 trustedIdentities", 1 },
	{ "dn_s_is_st", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:C=US,S=WA,ST=WA,O=x\"]"), "has duplicate RDN attribute for \"ST\"", 1 },
	{ "quoted_name", "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\\\"b\"}]}", "statement \"a\\\"b\" has invalid", 1 },
	{ "scope_repository", "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"r.io/a--b__c/d.e\"],\"signatureVerification\":{\"level\":\"skip\"}}]}", NULL, 1 },
	{ "scope_bad_separator", "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"r.io/a___b\"],\"signatureVerification\":{\"level\":\"skip\"}}]}", "registry scope \"r.io/a___b\" is not valid", 1 },
	{ "scope_port", "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"localhost:5000/x\"],\"signatureVerification\":{\"level\":\"skip\"}}]}", NULL, 1 },
	/* an attribute past the parser's 1023 bytes is refused whole, never cut (a cut could split
	 * a UTF-8 sequence, or hide a duplicate) */
	{ "dn_300_byte_value", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:C=US,ST=WA,O=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"]"), NULL, 1 },
	{ "dn_long_value", STMT(STRICT ",\"trustedIdentities\":[\"x509.subject:C=US,ST=WA,O=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]"), "has an RDN attribute longer than 1023 bytes", 1 },
	{ "scope_twice", "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"r.io/x\"],\"signatureVerification\":{\"level\":\"skip\"}},{\"name\":\"b\",\"registryScopes\":[\"r.io/x\"],\"signatureVerification\":{\"level\":\"skip\"}}]}", "registry scope \"r.io/x\" is present in multiple trust policy statements", 1 },
};

static void documents(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int decoded = -1, rc = cf_trustpolicy_check(cases[i].doc, strlen(cases[i].doc), &decoded);

		if (cases[i].want == NULL && rc < 0)
			cf_test_fail(__FILE__, __LINE__, "%s: refused: %s", cases[i].name, cf_err_msg());
		else if (cases[i].want && rc == 0)
			cf_test_fail(__FILE__, __LINE__, "%s: accepted, want '%s'", cases[i].name, cases[i].want);
		else if (cases[i].want && !strstr(cf_err_msg(), cases[i].want))
			cf_test_fail(__FILE__, __LINE__, "%s: '%s' lacks '%s'", cases[i].name, cf_err_msg(), cases[i].want);
		if (decoded != cases[i].decoded)
			cf_test_fail(__FILE__, __LINE__, "%s: decoded %d, want %d", cases[i].name, decoded, cases[i].decoded);
		if ((cf_trustpolicy_decode(cases[i].doc, strlen(cases[i].doc)) == 0) != cases[i].decoded)
			cf_test_fail(__FILE__, __LINE__, "%s: cf_trustpolicy_decode disagrees", cases[i].name);
	}
}

static const cf_test_case tests[] = {
	{ "documents", documents },
};
CF_TEST_MAIN(tests)
