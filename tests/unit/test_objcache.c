/* tests/unit/test_objcache.c - the kustomize-controller's last-applied cache (linked from
 * build/<mode>/libkustomize-controller.a): skipping unchanged objects, and drift seen once. */
#include "kustomize-controller/objcache.h"
#include "test.h"
#include "util/err.h"

#include <jansson.h>

static void objcache_skips_and_sees_drift(void)
{
	cf_objcache *c = NULL;
	json_t *desired = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"},"
				     "\"data\":{\"k\":\"v\"}}", 0, NULL);
	json_t *live = json_deep_copy(desired), *edited;
	char owner[128], what[256];

	CHECK_OK(cf_objcache_new(&c));
	if (c == NULL)
		return;
	json_object_set_new(json_object_get(live, "metadata"), "resourceVersion", json_string("5"));
	cf_objcache_applied(c, "flux-system/apps", desired, live);
	CHECK(!cf_objcache_unchanged(c, desired));            /* the kind is not watched yet */
	cf_objcache_set_watched(c, "v1", "ConfigMap", 1);
	CHECK(cf_objcache_unchanged(c, desired));
	/* a status-only update (new resourceVersion) is not drift */
	json_object_set_new(json_object_get(live, "metadata"), "resourceVersion", json_string("6"));
	json_object_set_new(live, "status", json_pack("{s:s}", "x", "y"));
	CHECK(!cf_objcache_observe(c, "MODIFIED", live, owner, sizeof(owner), what, sizeof(what)));
	CHECK(cf_objcache_unchanged(c, desired));
	/* an edit is */
	edited = json_deep_copy(live);
	json_object_set_new(json_object_get(edited, "data"), "k", json_string("other"));
	CHECK(cf_objcache_observe(c, "MODIFIED", edited, owner, sizeof(owner), what, sizeof(what)));
	CHECK_STR(owner, "flux-system/apps");
	CHECK_STR(what, "ConfigMap/n/a modified");
	CHECK(!cf_objcache_unchanged(c, desired));
	CHECK(!cf_objcache_observe(c, "MODIFIED", edited, owner, sizeof(owner), what, sizeof(what)));   /* once */
	cf_objcache_applied(c, "flux-system/apps", desired, live);
	CHECK(cf_objcache_unchanged(c, desired));
	CHECK(cf_objcache_observe(c, "DELETED", live, owner, sizeof(owner), what, sizeof(what)));
	CHECK_STR(what, "ConfigMap/n/a deleted");
	/* a changed desired state is never skipped */
	cf_objcache_applied(c, "flux-system/apps", desired, live);
	json_object_set_new(json_object_get(desired, "data"), "k", json_string("new"));
	CHECK(!cf_objcache_unchanged(c, desired));
	cf_objcache_forget_id(c, "other/ks", "n_a__ConfigMap");   /* not the owner: kept */
	CHECK(cf_objcache_len(c) == 1);
	cf_objcache_forget_id(c, "flux-system/apps", "n_a__ConfigMap");
	CHECK(cf_objcache_len(c) == 0);
	json_decref(desired);
	json_decref(live);
	json_decref(edited);
	cf_objcache_free(c);
}

/* With managedFields, only the values at the fields our manager owned after the apply count. */
static void objcache_drift_is_our_fields_only(void)
{
	cf_objcache *c = NULL;
	json_t *desired = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\",\"namespace\":\"n\","
				     "\"labels\":{\"app\":\"web\"}},\"spec\":{\"ports\":[{\"port\":80,\"protocol\":\"TCP\"}]}}", 0, NULL);
	json_t *live = json_deep_copy(desired), *other, *edited;
	char owner[128], what[256];

	CHECK_OK(cf_objcache_new(&c));
	if (c == NULL || desired == NULL)
		return;
	json_object_set_new(json_object_get(live, "metadata"), "managedFields", json_loads(
		"[{\"manager\":\"kustomize-controller\",\"operation\":\"Apply\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":"
		"{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:ports\":{\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":"
		"{\".\":{},\"f:port\":{},\"f:protocol\":{}}}}}}]", 0, NULL));
	CHECK(json_object_get(json_object_get(live, "metadata"), "managedFields") != NULL);
	cf_objcache_set_watched(c, "v1", "Service", 1);
	cf_objcache_applied(c, "ns/ks", desired, live);
	/* another manager's label, a field beside ours in our list element, a status: not drift */
	other = json_deep_copy(live);
	json_object_set_new(json_object_get(json_object_get(other, "metadata"), "labels"), "team", json_string("x"));
	json_object_set_new(json_array_get(json_object_get(json_object_get(other, "spec"), "ports"), 0), "targetPort", json_integer(8080));
	json_object_set_new(json_object_get(other, "spec"), "clusterIP", json_string("10.0.0.1"));
	json_object_set_new(other, "status", json_pack("{s:{}}", "loadBalancer"));
	CHECK(!cf_objcache_observe(c, "MODIFIED", other, owner, sizeof(owner), what, sizeof(what)));
	CHECK(cf_objcache_unchanged(c, desired));
	/* our label changed by another manager, who now owns it (managedFields no longer say it is ours): drift */
	edited = json_deep_copy(other);
	json_object_set_new(json_object_get(json_object_get(edited, "metadata"), "labels"), "app", json_string("db"));
	json_object_set_new(json_object_get(edited, "metadata"), "managedFields", json_array());
	CHECK(cf_objcache_observe(c, "MODIFIED", edited, owner, sizeof(owner), what, sizeof(what)));
	CHECK_STR(what, "Service/n/s modified");
	/* our list element gone: drift */
	cf_objcache_applied(c, "ns/ks", desired, live);
	json_decref(edited);
	edited = json_deep_copy(other);
	json_object_set_new(json_object_get(edited, "spec"), "ports", json_loads("[{\"port\":81,\"protocol\":\"TCP\"}]", 0, NULL));
	CHECK(cf_objcache_observe(c, "MODIFIED", edited, owner, sizeof(owner), what, sizeof(what)));
	cf_objcache_forget_id(c, NULL, "n_s__Service");
	CHECK(cf_objcache_len(c) == 0);
	json_decref(desired);
	json_decref(live);
	json_decref(other);
	json_decref(edited);
	cf_objcache_free(c);
}

static const cf_test_case cases[] = {
	{ "objcache_drift_is_our_fields_only", objcache_drift_is_our_fields_only },
	{ "objcache_skips_and_sees_drift", objcache_skips_and_sees_drift },
};
CF_TEST_MAIN(cases)
