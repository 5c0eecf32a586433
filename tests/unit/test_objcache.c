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
	cf_objcache_forget_id(c, "n_a__ConfigMap");
	CHECK(cf_objcache_len(c) == 0);
	json_decref(desired);
	json_decref(live);
	json_decref(edited);
	cf_objcache_free(c);
}

static const cf_test_case cases[] = {
	{ "objcache_skips_and_sees_drift", objcache_skips_and_sees_drift },
};
CF_TEST_MAIN(cases)
