/* tests/unit/test_objstore.c - runtime/objstore: the reconciled objects as their watch showed
 * them, kept current by the watch and by the replies of the controller's own writes, never
 * behind either. */
#include "runtime/objstore.h"
#include "test.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>

static json_t *ks(const char *rv, const char *color)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:[{s:s}]},s:{s:s}}", "apiVersion", "kustomize.toolkit.fluxcd.io/v1",
			 "kind", "Kustomization", "metadata", "name", "apps", "namespace", "flux-system", "resourceVersion", rv,
			 "managedFields", "manager", "kubectl", "spec", "path", color);
}

/* spec.path of the kept copy, "" when none is served */
static const char *kept(char *out, size_t size)
{
	json_t *o = cf_objstore_get("Kustomization", "flux-system", "apps");
	const char *p = json_string_value(json_object_get(json_object_get(o, "spec"), "path"));

	snprintf(out, size, "%s", p ? p : "");
	if (o)
		CHECK(json_object_get(json_object_get(o, "metadata"), "managedFields") == NULL);
	json_decref(o);
	return out;
}

static void objstore_follows_watch_and_replies(void)
{
	json_t *v5 = ks("5", "a"), *v6 = ks("6", "b"), *v7 = ks("7", "c"), *v8 = ks("8", "d");
	json_t *gone = ks("9", "e"), *odd = ks("x1", "f");
	char p[64];

	cf_objstore_reset();
	cf_objstore_event("ADDED", v5);
	CHECK_STR(kept(p, sizeof(p)), "");            /* the kind is not kept */
	CHECK_OK(cf_objstore_keep("Kustomization"));
	cf_objstore_written(v5);
	CHECK_STR(kept(p, sizeof(p)), "");            /* a reply never adds what the watch has not shown */
	cf_objstore_event("ADDED", v5);
	CHECK_STR(kept(p, sizeof(p)), "a");
	cf_objstore_written(v7);
	CHECK_STR(kept(p, sizeof(p)), "c");           /* our write's reply */
	cf_objstore_event("MODIFIED", v6);
	CHECK_STR(kept(p, sizeof(p)), "c");           /* an event older than the reply */
	cf_objstore_written(v6);
	CHECK_STR(kept(p, sizeof(p)), "c");           /* a reply older than what is kept */
	cf_objstore_event("MODIFIED", v8);
	CHECK_STR(kept(p, sizeof(p)), "d");
	json_object_set_new(json_object_get(gone, "metadata"), "deletionTimestamp", json_string("2026-12-03T00:00:00Z"));
	cf_objstore_event("MODIFIED", gone);
	CHECK_STR(kept(p, sizeof(p)), "");            /* marked for deletion: read the API */
	cf_objstore_event("DELETED", gone);
	cf_objstore_written(v8);
	CHECK_STR(kept(p, sizeof(p)), "");            /* a late reply does not bring it back */
	/* a resourceVersion that is not a number: an event replaces, a reply does not */
	cf_objstore_event("ADDED", v5);
	cf_objstore_event("MODIFIED", odd);
	CHECK_STR(kept(p, sizeof(p)), "f");
	cf_objstore_written(v8);
	CHECK_STR(kept(p, sizeof(p)), "f");
	cf_objstore_event("MODIFIED", v6);
	CHECK_STR(kept(p, sizeof(p)), "b");
	cf_objstore_reset();
	CHECK_STR(kept(p, sizeof(p)), "");
	json_decref(v5);
	json_decref(v6);
	json_decref(v7);
	json_decref(v8);
	json_decref(gone);
	json_decref(odd);
}

static const cf_test_case cases[] = {
	{ "objstore_follows_watch_and_replies", objstore_follows_watch_and_replies },
};
CF_TEST_MAIN(cases)
