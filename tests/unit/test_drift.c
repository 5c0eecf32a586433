/* tests/unit/test_drift.c - the helm-controller's drift comparison (helm-controller/drift.c): the
 * fields named, the server's bookkeeping never counted. */
#include "helm-controller/drift.h"
#include "test.h"
#include "util/err.h"

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

/* Flux's driftDetection.ignore: ignored fields are no drift and are never corrected; a rule
 * with a target only for the objects it selects */
static void ignore_rules(void)
{
	json_t *ignore = json_loads("[{\"paths\":[\"/spec/replicas\",\"/metadata/annotations/a~1b\"],"
				    "\"target\":{\"kind\":\"Deployment\",\"name\":\"app.*\"}},{\"paths\":[\"/data/free\"]}]", 0, NULL);
	json_t *fix = json_loads("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app\","
				 "\"annotations\":{\"a/b\":\"chart\"}},\"spec\":{\"replicas\":1,\"paused\":false}}", 0, NULL);
	json_t *dry = json_deep_copy(fix);
	json_t *live = json_loads("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app\","
				  "\"annotations\":{}},\"spec\":{\"replicas\":5,\"paused\":true}}", 0, NULL);
	json_t *other = json_loads("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
				   "\"spec\":{\"replicas\":1}}", 0, NULL);
	json_t *other_live = json_loads("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
					"\"spec\":{\"replicas\":2}}", 0, NULL);
	char out[256];

	CHECK_OK(hc_drift_ignore_check(ignore));
	CHECK_OK(hc_drift_ignore_check(NULL));
	hc_drift_apply_ignore(fix, dry, live, ignore);
	hc_drift_fields(out, sizeof(out), dry, live);
	CHECK_STR(out, "spec.paused");   /* replicas and the annotation are not drift */
	/* a correction keeps what is live where it is ignored */
	CHECK(json_integer_value(json_object_get(json_object_get(fix, "spec"), "replicas")) == 5);
	CHECK(json_object_get(json_object_get(json_object_get(fix, "metadata"), "annotations"), "a/b") == NULL);
	CHECK(json_is_false(json_object_get(json_object_get(fix, "spec"), "paused")));   /* still corrected */
	/* not selected by the target: its replicas are drift */
	dry = (json_decref(dry), json_deep_copy(other));
	hc_drift_apply_ignore(other, dry, other_live, ignore);
	hc_drift_fields(out, sizeof(out), dry, other_live);
	CHECK_STR(out, "spec.replicas");
	json_decref(fix);
	json_decref(dry);
	json_decref(live);
	json_decref(other);
	json_decref(other_live);
	json_decref(ignore);
}

static void ignore_rules_checked(void)
{
	static const char *const bad[] = {
		"{}", "[{}]", "[{\"paths\":[]}]", "[{\"paths\":[\"spec.replicas\"]}]", "[{\"paths\":[3]}]",
		"[{\"paths\":[\"/a\"],\"target\":\"Deployment\"}]", "[\"x\"]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		CHECK(v != NULL);
		CHECK(hc_drift_ignore_check(v) == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), "spec.driftDetection.ignore");
		json_decref(v);
	}
}

static const cf_test_case cases[] = {
	{ "ignore_rules", ignore_rules },
	{ "ignore_rules_checked", ignore_rules_checked },
	{ "fields_named", fields_named },
	{ "fields_capped", fields_capped },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
