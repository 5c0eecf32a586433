/* common/source/gssapi_absent.c - the GSS-API functions libgit2 refers to, for a link without
 * Kerberos.
 *
 * Debian's libgit2 is built with Negotiate (Kerberos/SPNEGO) HTTP authentication, so libgit2.a
 * refers to eight GSS-API functions and one OID. Debian ships no static Kerberos, and linking its
 * shared one kept libc dynamic and mapped seven libraries (libgssapi_krb5, libkrb5, libk5crypto,
 * libkrb5support, libcom_err, libkeyutils, libresolv) into every source- and
 * image-automation-controller: an idle source-controller sat at 6.5 MiB RSS so, at 4.9 MiB
 * linked static-pie with these (make bench-idle).
 *
 * libgit2 never calls them from cflux. Its HTTP client picks Negotiate only for a credential of
 * type GIT_CREDENTIAL_DEFAULT (httpclient.c: a scheme is taken when its credential types include
 * the credential's), and cflux's credentials callback (git.c) makes SSH keys, username/password
 * and username credentials, never a default one, as Flux's Git client offers Basic, bearer
 * tokens and SSH and no Kerberos. A server that offers Negotiate and Basic gets Basic; one that
 * offers only Negotiate gets the callback's error, which names it (tests/integration/test_git.c
 * links these functions in front of libgit2's shared library and checks both, and that no call
 * arrives).
 *
 * Were one ever called, it answers GSS_S_UNAVAILABLE and gss_display_status says why, which
 * libgit2 reports as the fetch's error. Only the release link of those two controllers and the
 * tests named use this file (not libcflux.a). The signatures are MIT's (gssapi/gssapi.h): 32-bit
 * status words, opaque handles, buffers and OIDs as below. */
#include "source/gssapi_absent.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t OM_uint32;
typedef struct { size_t length; void *value; } gss_buffer_desc, *gss_buffer_t;
typedef struct { OM_uint32 length; void *elements; } gss_OID_desc, *gss_OID;
typedef struct { size_t count; gss_OID elements; } gss_OID_set_desc, *gss_OID_set;
typedef void *gss_name_t, *gss_ctx_id_t, *gss_cred_id_t, *gss_channel_bindings_t;

#define GSS_S_COMPLETE    0u
#define GSS_S_UNAVAILABLE (16u << 16)   /* a routine error: the operation is not available */

/* 1.2.840.113554.1.2.1.4, the host-based service name type (RFC 2743 4.1) */
static gss_OID_desc hostbased_service = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

static const char why[] = "GSS-API (Kerberos, Negotiate) is not in this build: Git servers are "
			  "offered Basic, bearer tokens and SSH keys, as by Flux";
static atomic_ulong calls;

unsigned long cf_gssapi_calls(void)
{
	return atomic_load(&calls);
}

/* every function: counted, *minor 0 */
static void called(OM_uint32 *minor)
{
	atomic_fetch_add(&calls, 1);
	if (minor)
		*minor = 0;
}

static void empty(gss_buffer_t b)
{
	if (b) {
		b->length = 0;
		b->value = NULL;
	}
}

OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs)
{
	called(minor);
	if (mechs)
		*mechs = NULL;
	return GSS_S_UNAVAILABLE;
}

OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t name, gss_OID type, gss_name_t *out)
{
	called(minor);
	(void)name;
	(void)type;
	if (out)
		*out = NULL;
	return GSS_S_UNAVAILABLE;
}

OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred, gss_ctx_id_t *ctx, gss_name_t target,
			       gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
			       gss_channel_bindings_t bindings, gss_buffer_t input, gss_OID *actual_mech,
			       gss_buffer_t output, OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
	called(minor);
	(void)cred, (void)ctx, (void)target, (void)mech, (void)req_flags, (void)time_req;
	(void)bindings, (void)input, (void)actual_mech, (void)ret_flags, (void)time_rec;
	empty(output);
	return GSS_S_UNAVAILABLE;
}

/* The one status there is to display is why; the text is a copy gss_release_buffer frees. */
OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type, gss_OID mech,
			     OM_uint32 *message_context, gss_buffer_t text)
{
	called(minor);
	(void)status;
	(void)type;
	(void)mech;
	if (message_context)
		*message_context = 0;
	if (text == NULL)
		return GSS_S_UNAVAILABLE;
	if ((text->value = strdup(why)) == NULL) {
		text->length = 0;
		return GSS_S_UNAVAILABLE;
	}
	text->length = sizeof(why) - 1;
	return GSS_S_COMPLETE;
}

OM_uint32 gss_release_buffer(OM_uint32 *minor, gss_buffer_t buf)
{
	called(minor);
	if (buf)
		free(buf->value);   /* only gss_display_status above gives one out */
	empty(buf);
	return GSS_S_COMPLETE;
}

/* No name, context or OID set is ever made: nothing to release. */
OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
	called(minor);
	if (name)
		*name = NULL;
	return GSS_S_COMPLETE;
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx, gss_buffer_t out)
{
	called(minor);
	if (ctx)
		*ctx = NULL;
	empty(out);
	return GSS_S_COMPLETE;
}

OM_uint32 gss_release_oid_set(OM_uint32 *minor, gss_OID_set *set)
{
	called(minor);
	if (set)
		*set = NULL;
	return GSS_S_COMPLETE;
}
