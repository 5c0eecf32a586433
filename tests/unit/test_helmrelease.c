/* tests/unit/test_helmrelease.c - the HelmRelease's pure decisions (helm-controller/
 * helmrelease.c): the next action from helm's history, Flux's release name. */
#include "helm-controller/controller.h"
#include "test.h"

#include <string.h>

static const struct {
	const char *name;
	int latest, in_sync, exhausted, tests_due;
	const char *status;
	hc_action want;
} ACTIONS[] = {
	{ "no release", 0, 0, 0, 0, "", HC_ACT_INSTALL },
	{ "uninstalled, history kept", 3, 0, 0, 0, "uninstalled", HC_ACT_INSTALL },
	{ "deployed, in sync", 2, 1, 0, 0, "deployed", HC_ACT_NONE },
	{ "deployed, in sync, tests due", 2, 1, 0, 1, "deployed", HC_ACT_TEST },
	{ "deployed, new values", 2, 0, 0, 0, "deployed", HC_ACT_UPGRADE },
	{ "failed: retried", 4, 1, 0, 0, "failed", HC_ACT_UPGRADE },
	{ "failed, retries exhausted", 4, 0, 1, 0, "failed", HC_ACT_STALLED },
	{ "pending-upgrade: unlocked", 5, 1, 0, 0, "pending-upgrade", HC_ACT_UNLOCK },
	{ "pending-install, exhausted: unlocked first", 1, 0, 1, 0, "pending-install", HC_ACT_UNLOCK },
	{ "pending-rollback", 6, 0, 0, 0, "pending-rollback", HC_ACT_UNLOCK },
};

static void next_action(void)
{
	for (size_t i = 0; i < sizeof(ACTIONS) / sizeof(ACTIONS[0]); i++) {
		hc_history h = { .latest = ACTIONS[i].latest };
		hc_state s = { &h, ACTIONS[i].in_sync, ACTIONS[i].exhausted, ACTIONS[i].tests_due };
		hc_action a;

		snprintf(h.latest_status, sizeof(h.latest_status), "%s", ACTIONS[i].status);
		a = hc_next_action(&s);
		if (a != ACTIONS[i].want)
			cf_test_fail(__FILE__, __LINE__, "%s: %s, want %s", ACTIONS[i].name, hc_action_str(a),
				     hc_action_str(ACTIONS[i].want));
	}
}

static void release_name(void)
{
	char out[64];
	json_t *hr = json_pack("{s:{s:s,s:s},s:{}}", "metadata", "name", "podinfo", "namespace", "flux-system", "spec");
	json_t *spec = json_object_get(hr, "spec");

	hc_release_name(out, hr);
	CHECK_STR(out, "podinfo");
	json_object_set_new(spec, "targetNamespace", json_string("apps"));
	hc_release_name(out, hr);
	CHECK_STR(out, "apps-podinfo");
	json_object_set_new(spec, "targetNamespace", json_string("a-very-long-target-namespace-name-for-tests"));
	hc_release_name(out, hr);   /* 52 characters: kept */
	CHECK_STR(out, "a-very-long-target-namespace-name-for-tests-podinfo");
	json_object_set_new(spec, "targetNamespace", json_string("a-very-long-target-namespace-name-for-the-tests"));
	hc_release_name(out, hr);   /* 55: 40 characters, "-", 12 hex digits of its sha256 */
	CHECK(strlen(out) == 53);
	CHECK(strncmp(out, "a-very-long-target-namespace-name-for-th-", 41) == 0);
	json_object_set_new(spec, "releaseName", json_string("mine"));
	hc_release_name(out, hr);
	CHECK_STR(out, "mine");
	json_decref(hr);
}

static void wants_reconcile(void)
{
	json_t *o = json_loads("{\"metadata\":{\"generation\":2,\"annotations\":{\"reconcile.fluxcd.io/forceAt\":\"f1\"}},"
			       "\"status\":{\"observedGeneration\":2,\"lastHandledForceAt\":\"f1\"}}", 0, NULL);

	CHECK(!helmrelease_wants_reconcile("MODIFIED", o));
	json_object_set_new(json_object_get(json_object_get(o, "metadata"), "annotations"), "reconcile.fluxcd.io/resetAt",
			    json_string("r1"));
	CHECK(helmrelease_wants_reconcile("MODIFIED", o));
	json_object_set_new(json_object_get(o, "status"), "lastHandledResetAt", json_string("r1"));
	CHECK(!helmrelease_wants_reconcile("MODIFIED", o));
	json_object_set_new(json_object_get(json_object_get(o, "metadata"), "annotations"), "reconcile.fluxcd.io/forceAt",
			    json_string("f2"));
	CHECK(helmrelease_wants_reconcile("MODIFIED", o));
	json_decref(o);
}

static const cf_test_case cases[] = {
	{ "next_action", next_action },
	{ "release_name", release_name },
	{ "wants_reconcile", wants_reconcile },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
