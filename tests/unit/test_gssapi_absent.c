/* tests/unit/test_gssapi_absent.c - the GSS-API functions of a link without Kerberos
 * (common/source/gssapi_absent.c): every one answers without a library, says why, counts the
 * call, and leaves its outputs empty, so that a caller's cleanup releases nothing twice. */
#include "test.h"
#include "source/gssapi_absent.h"

#include <stdint.h>
#include <string.h>

/* MIT's declarations (gssapi/gssapi.h is not installed for the build), as the file has them */
typedef uint32_t OM_uint32;
typedef struct { size_t length; void *value; } gss_buffer_desc;
typedef struct { OM_uint32 length; void *elements; } gss_OID_desc, *gss_OID;
typedef struct { size_t count; gss_OID elements; } gss_OID_set_desc, *gss_OID_set;
typedef void *gss_name_t, *gss_ctx_id_t;
extern gss_OID GSS_C_NT_HOSTBASED_SERVICE;
OM_uint32 gss_indicate_mechs(OM_uint32 *, gss_OID_set *);
OM_uint32 gss_release_oid_set(OM_uint32 *, gss_OID_set *);
OM_uint32 gss_import_name(OM_uint32 *, gss_buffer_desc *, gss_OID, gss_name_t *);
OM_uint32 gss_release_name(OM_uint32 *, gss_name_t *);
OM_uint32 gss_init_sec_context(OM_uint32 *, void *, gss_ctx_id_t *, gss_name_t, gss_OID, OM_uint32,
			       OM_uint32, void *, gss_buffer_desc *, gss_OID *, gss_buffer_desc *,
			       OM_uint32 *, OM_uint32 *);
OM_uint32 gss_delete_sec_context(OM_uint32 *, gss_ctx_id_t *, gss_buffer_desc *);
OM_uint32 gss_display_status(OM_uint32 *, OM_uint32, int, gss_OID, OM_uint32 *, gss_buffer_desc *);
OM_uint32 gss_release_buffer(OM_uint32 *, gss_buffer_desc *);

#define GSS_S_UNAVAILABLE (16u << 16)

/* libgit2's negotiate context as it would run: query mechanisms, display the failure, release */
static void every_call_unavailable(void)
{
	OM_uint32 minor = 7, ctxmsg = 1;
	gss_OID_set mechs = (gss_OID_set)&minor;
	gss_name_t name = &minor;
	gss_ctx_id_t ctx = NULL;
	gss_buffer_desc in = { 14, "HTTP@localhost" }, out = { 1, &minor }, text = { 0, NULL };
	unsigned long before = cf_gssapi_calls();

	CHECK(gss_indicate_mechs(&minor, &mechs) == GSS_S_UNAVAILABLE);
	CHECK(minor == 0 && mechs == NULL);
	CHECK(gss_import_name(&minor, &in, GSS_C_NT_HOSTBASED_SERVICE, &name) == GSS_S_UNAVAILABLE);
	CHECK(name == NULL);
	CHECK(gss_init_sec_context(&minor, NULL, &ctx, NULL, NULL, 0, 0, NULL, NULL, NULL, &out, NULL,
				   NULL) == GSS_S_UNAVAILABLE);
	CHECK(out.value == NULL && out.length == 0);
	CHECK(gss_display_status(&minor, GSS_S_UNAVAILABLE, 1, NULL, &ctxmsg, &text) == 0);
	CHECK(ctxmsg == 0 && text.value != NULL);
	if (text.value) {
		CHECK(strlen(text.value) == text.length);
		CHECK_CONTAINS((const char *)text.value, "GSS-API (Kerberos, Negotiate) is not in this build");
	}
	CHECK(gss_release_buffer(&minor, &text) == 0 && text.value == NULL && text.length == 0);
	CHECK(gss_release_buffer(&minor, &out) == 0);
	CHECK(gss_release_name(&minor, &name) == 0 && name == NULL);
	CHECK(gss_delete_sec_context(&minor, &ctx, NULL) == 0 && ctx == NULL);
	CHECK(gss_release_oid_set(&minor, &mechs) == 0 && mechs == NULL);
	CHECK(cf_gssapi_calls() == before + 9);
	/* the name type libgit2 passes is RFC 2743's host-based service */
	CHECK(GSS_C_NT_HOSTBASED_SERVICE && GSS_C_NT_HOSTBASED_SERVICE->length == 10 &&
	      memcmp(GSS_C_NT_HOSTBASED_SERVICE->elements, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04", 10) == 0);
}

static const cf_test_case cases[] = {
	{ "every_call_unavailable", every_call_unavailable },
};
CF_TEST_MAIN(cases)
