/* tests/unit/test_drift.c - the helm-controller's drift comparison (helm-controller/drift.c): the
 * fields named, the server's bookkeeping never counted. */
#include "helm-controller/drift.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static void fields_named(void)
{
	json_t *want = json_loads("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"a\","
				  "\"labels\":{\"x\":\"1\"},\"resourceVersion\":\"9\"},\"spec\":{\"replicas\":1,\"paused\":false},"
				  "\"status\":{\"readyReplicas\":1}}", 0, NULL);
	json_t *live = json_deep_copy(want);
	char out[256];

	json_object_set_new(json_object_get(live, "metadata"), "resourceVersion", json_string("10"));
	json_object_set_new(json_object_get(live, "metadata"), "managedFields", json_array());
	json_object_set_new(json_object_get(live, "status"), "readyReplicas", json_integer(0));
	hc_drift_fields(out, sizeof(out), want, live);
	CHECK_STR(out, "");   /* bookkeeping and status are not drift */
	json_object_set_new(json_object_get(live, "spec"), "replicas", json_integer(3));
	json_object_set_new(json_object_get(json_object_get(live, "metadata"), "labels"), "x", json_string("2"));
	json_object_set_new(json_object_get(live, "spec"), "extra", json_true());
	hc_drift_fields(out, sizeof(out), want, live);
	CHECK_STR(out, "metadata.labels, spec.replicas, spec.extra");
	json_decref(want);
	json_decref(live);
}

static void fields_capped(void)
{
	json_t *want = json_object(), *live = json_object();
	char out[16];

	for (int i = 0; i < 20; i++) {
		char k[16];
		snprintf(k, sizeof(k), "field%d", i);
		json_object_set_new(want, k, json_integer(i));
	}
	hc_drift_fields(out, sizeof(out), want, live);
	CHECK(strlen(out) < sizeof(out) && out[0]);
	json_decref(want);
	json_decref(live);
}

static const cf_test_case cases[] = {
	{ "fields_named", fields_named },
	{ "fields_capped", fields_capped },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
