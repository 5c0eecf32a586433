/* helm-controller/helmrelease.c - HelmRelease: dependencies -> chart (HelmChart made from the
 * template, or chartRef) -> artifact -> values -> helm history -> the action (install, upgrade,
 * unlock, test) with remediation -> status (conditions, history snapshots, counters), events. */
#include "controller.h"

#include "chart.h"
#include "drift.h"
#include "helmrun.h"
#include "postrender.h"
#include "kube/secret.h"
#include "runtime/condition.h"
#include "runtime/depends.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/remote.h"
#include "kube/kubeconfig.h"
#include "runtime/status.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"
#include "values.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 4096
#define HELM_GRACE_MS 30000            /* beyond helm's own --timeout, before it is killed */
#define DEFAULT_TIMEOUT_MS (5L * 60 * 1000)
#define HISTORY_KEEP 5                 /* snapshots in status.history */

/* Flux's condition types and reasons (helm-controller api/v2) */
#define C_RELEASED "Released"
#define C_TEST "TestSuccess"
#define C_REMEDIATED "Remediated"
#define C_DRIFTED "Drifted"
#define R_DRIFT_DETECTED "DriftDetected"
#define R_DRIFT_CORRECTED "DriftCorrected"
#define R_INSTALL_OK "InstallSucceeded"
#define R_INSTALL_FAILED "InstallFailed"
#define R_UPGRADE_OK "UpgradeSucceeded"
#define R_UPGRADE_FAILED "UpgradeFailed"
#define R_TEST_OK "TestSucceeded"
#define R_TEST_FAILED "TestFailed"
#define R_ROLLBACK_OK "RollbackSucceeded"
#define R_ROLLBACK_FAILED "RollbackFailed"
#define R_UNINSTALL_OK "UninstallSucceeded"
#define R_UNINSTALL_FAILED "UninstallFailed"
#define R_ARTIFACT "ArtifactFailed"
#define R_INIT "InitFailed"
#define R_SOURCE_NOT_READY "SourceNotReady"
#define R_VALUES "ValuesError"
#define R_DEPENDENCY "DependencyNotReady"
#define R_RETRIES "RetriesExceeded"
#define R_LAST_RELEASE "GetLastReleaseFailed"

#define A_FORCE CF_FORCE_AT_ANNOTATION
#define A_RESET CF_RESET_AT_ANNOTATION

typedef struct hr {
	cf_reconcile *p;
	hc_ctl *c;
	cf_kube *k;                    /* the cluster the HelmRelease lives in */
	cf_kube *t;                    /* the cluster the release goes to: k, or spec.kubeConfig's */
	int remote;
	const json_t *spec;
	json_t *status;
	const char *ns, *name;
	long long generation;
	char release[64], target[254];
	char as_user[600];
	char *workdir, *kubeconfig, *values_path;
	hc_chart chart;
	char config_digest[72];
	json_t *redact;                /* the scalars from Secrets: never in a message */
	json_t *post_renderers;        /* spec.postRenderers, checked; NULL when none */
	char pr_digest[72];            /* their digest, "" when none */
	hc_history hist;
	int hist_fresh;                /* hist is helm's since the last action that changed the release */
	int forced;
} hr;

/* ---- pure decisions ---- */

static const char *const ACTIONS[] = {
	[HC_ACT_INSTALL] = "install", [HC_ACT_UPGRADE] = "upgrade", [HC_ACT_UNLOCK] = "unlock",
	[HC_ACT_TEST] = "test", [HC_ACT_NONE] = "none", [HC_ACT_STALLED] = "stalled",
};

const char *hc_action_str(hc_action a)
{
	return (unsigned)a < sizeof(ACTIONS) / sizeof(ACTIONS[0]) ? ACTIONS[a] : "?";
}

hc_action hc_next_action(const hc_state *s)
{
	const hc_history *h = s->hist;

	if (h->latest > 0 && hc_status_pending(h->latest_status))
		return HC_ACT_UNLOCK;   /* first: nothing else can run while helm holds the lock */
	if (s->exhausted)
		return HC_ACT_STALLED;
	if (h->latest == 0 || strcmp(h->latest_status, HC_ST_UNINSTALLED) == 0)
		return HC_ACT_INSTALL;
	if (strcmp(h->latest_status, HC_ST_DEPLOYED) != 0 || !s->in_sync)
		return HC_ACT_UPGRADE;
	return s->tests_due ? HC_ACT_TEST : HC_ACT_NONE;
}

void hc_release_name(char out[64], const json_t *hr)
{
	const json_t *spec = json_object_get(hr, "spec");
	const char *rn = cf_json_str(spec, "releaseName"), *tn = cf_json_str(spec, "targetNamespace");
	const char *name = cf_json_str(json_object_get(hr, "metadata"), "name");
	char full[600], digest[72];

	if (rn && rn[0])
		snprintf(full, sizeof(full), "%s", rn);
	else if (tn && tn[0])
		snprintf(full, sizeof(full), "%s-%s", tn, name ? name : "");
	else
		snprintf(full, sizeof(full), "%s", name ? name : "");
	if (strlen(full) <= HC_RELEASE_NAME_MAX) {
		snprintf(out, 64, "%s", full);
		return;
	}
	cf_sha256_of(digest, full, strlen(full));
	snprintf(out, 64, "%.40s-%.12s", full, digest + 7);
}

int helmrelease_wants_reconcile(const char *type, const json_t *obj)
{
	const json_t *an = json_object_get(json_object_get(obj, "metadata"), "annotations");
	const json_t *st = json_object_get(obj, "status");
	const char *force = cf_json_str(an, A_FORCE), *reset = cf_json_str(an, A_RESET);

	if (cf_status_wants_reconcile(type, obj, 0))
		return 1;
	return (force && (!cf_json_str(st, "lastHandledForceAt") || strcmp(force, cf_json_str(st, "lastHandledForceAt")) != 0)) ||
	       (reset && (!cf_json_str(st, "lastHandledResetAt") || strcmp(reset, cf_json_str(st, "lastHandledResetAt")) != 0));
}

/* ---- spec ---- */

static const json_t *sub(const hr *r, const char *a, const char *b)
{
	const json_t *o = json_object_get(r->spec, a);
	return b ? json_object_get(o, b) : o;
}

static int flag(const hr *r, const char *a, const char *b, const char *key)
{
	return json_is_true(json_object_get(sub(r, a, b), key));
}

/* a remediation's retries (-1: unlimited); action "install" or "upgrade" */
static long retries(const hr *r, const char *action)
{
	const json_t *v = json_object_get(sub(r, action, "remediation"), "retries");
	long n = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	return n < 0 ? -1 : n;
}

static int remediate_last(const hr *r, const char *action)
{
	const json_t *v = json_object_get(sub(r, action, "remediation"), "remediateLastFailure");
	if (json_is_boolean(v))
		return json_is_true(v);
	return strcmp(action, "upgrade") == 0 && retries(r, action) != 0;   /* Flux's defaults */
}

static long long counter(const hr *r, const char *key)
{
	return json_integer_value(json_object_get(r->status, key));
}

static void count_failure(hr *r, const char *action)
{
	char key[32];

	snprintf(key, sizeof(key), "%sFailures", action);
	json_object_set_new(r->status, "failures", json_integer(counter(r, "failures") + 1));
	json_object_set_new(r->status, key, json_integer(counter(r, key) + 1));
}

static void clear_failures(hr *r)
{
	json_object_del(r->status, "failures");
	json_object_del(r->status, "installFailures");
	json_object_del(r->status, "upgradeFailures");
}

/* the last attempted action's failures passed its retries */
static int exhausted(const hr *r)
{
	const char *action = cf_json_str(r->status, "lastAttemptedReleaseAction");
	char key[32];
	long n;

	if (action == NULL || (strcmp(action, "install") != 0 && strcmp(action, "upgrade") != 0))
		return 0;
	snprintf(key, sizeof(key), "%sFailures", action);
	n = retries(r, action);
	return n >= 0 && counter(r, key) > n;
}

/* ---- helm ---- */

static void call_init(hr *r, hc_helm_call *call, hc_helm_verb verb)
{
	const json_t *mh = json_object_get(r->spec, "maxHistory");

	*call = (hc_helm_call){ .verb = verb, .release = r->release, .namespace = r->target,
				.as_user = r->as_user[0] ? r->as_user : NULL, .timeout_ms = r->p->timeout_ms,
				.max_history = json_is_integer(mh) ? (int)json_integer_value(mh) : 5 };
}

/* Runs one helm command; 0 when helm succeeded (a parsed reply whole), else the error recorded
 * in helm's words with what came from Secrets redacted and a hint (hc_helm_outcome). */
static int helm(hr *r, const hc_helm_call *call, hc_helm_result *res)
{
	const char *argv[HC_HELM_ARGV_MAX];
	char scratch[256];
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = hc_helm_argv(argv, HC_HELM_ARGV_MAX, scratch, sizeof(scratch), r->c->helm_bin, call)) < 0)
		return rc;
	cf_log(CF_LOG_DEBUG, "helm", "verb", hc_helm_verb_str(call->verb), "release", r->release, "namespace", r->target, NULL);
	if ((rc = hc_helm_exec(res, argv, r->workdir, r->kubeconfig, call->timeout_ms + HELM_GRACE_MS)) < 0)
		return rc;
	if ((rc = hc_helm_outcome(res, call->verb, call->timeout_ms, r->redact)) < 0 && call->post_renderer) {
		char why[MSG_MAX / 2], said[MSG_MAX / 2];
		if (hc_postrender_error(why, sizeof(why), r->workdir)) {
			snprintf(said, sizeof(said), "%s", cf_err_msg());
			cf_err_set(rc, "%s: %s", said, hc_helm_redact(why, r->redact));
		}
	}
	return rc;
}

/* helm history into r->hist; no release is an empty history */
static int load_history(hr *r)
{
	hc_helm_call call;
	hc_helm_result res;
	int rc;

	call_init(r, &call, HC_HELM_HISTORY);
	rc = helm(r, &call, &res);
	if (rc < 0 && res.err.data && strstr(res.err.data, "release: not found")) {
		cf_err_clear();
		memset(&r->hist, 0, sizeof(r->hist));
		rc = 0;
	} else if (rc == 0) {
		rc = hc_history_parse(&r->hist, res.out.data ? res.out.data : "", res.out.len);
	}
	hc_helm_result_free(&res);
	r->hist_fresh = rc == 0;
	return rc < 0 ? cf_err_prefix("failed to get last release revision") : 0;
}

/* snap (taken) first in status.history, replacing the one of the same version (its test
 * hooks kept), at most HISTORY_KEEP kept */
static void keep_snapshot(hr *r, json_t *snap)
{
	json_t *hist = json_object_get(r->status, "history"), *first;

	if (!json_is_array(hist))
		json_object_set_new(r->status, "history", hist = json_array());
	first = json_array_get(hist, 0);
	if (first && json_integer_value(json_object_get(first, "version")) == r->hist.latest) {
		json_t *tests = json_object_get(first, "testHooks");
		if (tests && json_integer_value(json_object_get(first, "version")) == r->hist.latest)
			json_object_set(snap, "testHooks", tests);
		json_array_set_new(hist, 0, snap);
	} else {
		json_array_insert_new(hist, 0, snap);
	}
	while (json_array_size(hist) > HISTORY_KEEP)
		json_array_remove(hist, json_array_size(hist) - 1);
}

/* The snapshot of the latest release from helm history and helm status. */
static int record_snapshot(hr *r)
{
	hc_helm_call call;
	hc_helm_result res;
	json_t *snap = NULL;
	int rc;

	if ((rc = load_history(r)) < 0 || r->hist.latest == 0)
		return rc;
	call_init(r, &call, HC_HELM_STATUS);
	if ((rc = helm(r, &call, &res)) == 0)
		rc = hc_release_snapshot(&snap, res.out.data, res.out.len, &r->hist);
	hc_helm_result_free(&res);
	if (rc < 0)
		return cf_err_prefix("failed to read release status");
	keep_snapshot(r, snap);
	return 0;
}

/* The snapshot of the release install or upgrade printed (res): no more helm runs. When that
 * output is not one (cut at its cap, say), history and status as after any other action. */
static int record_action_snapshot(hr *r, const hc_helm_result *res)
{
	json_t *snap = NULL;

	if (!res->out_capped &&
	    hc_release_snapshot_action(&snap, &r->hist, res->out.data ? res->out.data : "", res->out.len) == 0) {
		keep_snapshot(r, snap);
		return 0;
	}
	cf_log(CF_LOG_DEBUG, "release output not read, asking helm", "object", r->p->key, "error", cf_err_msg(), NULL);
	cf_err_clear();
	return record_snapshot(r);
}

static const json_t *latest_snapshot(const hr *r)
{
	return json_array_get(json_object_get(r->status, "history"), 0);
}

/* "ns/name.vN" of the latest release, into out */
static void release_ref(char *out, size_t size, const hr *r)
{
	snprintf(out, size, "%s/%s.v%d", r->target, r->release, r->hist.latest);
}

/* ---- the actions ---- */

static void event(hr *r, const char *type, const char *reason, const char *msg)
{
	cf_event_emit_revision(r->k, r->c->events, r->p->obj, type, reason, msg, r->chart.version, NULL, HELM_CONTROLLER);
	cf_log(strcmp(type, "Normal") == 0 ? CF_LOG_INFO : CF_LOG_WARN, msg, "object", r->p->key, "reason", reason, NULL);
}

static void cond(hr *r, const char *type, const char *status, const char *reason, const char *msg)
{
	if (cf_condition_set(r->status, type, status, reason, msg, r->generation) < 0)
		cf_log(CF_LOG_WARN, "condition not set", "object", r->p->key, "type", type, NULL);
}

/* install or upgrade; 0 with Released=True, or the error with Released=False */
static int release(hr *r, hc_helm_verb verb)
{
	const char *action = verb == HC_HELM_INSTALL ? "install" : "upgrade";
	hc_helm_call call;
	hc_helm_result res;
	char msg[MSG_MAX], ref[400];
	const char *crds = cf_json_str(sub(r, action, NULL), "crds");
	int rc;

	call_init(r, &call, verb);
	call.chart_path = r->chart.path;
	call.values_path = r->values_path;
	call.post_renderer = HC_POSTRENDER_PLUGIN;   /* always: Flux's origin labels, after spec.postRenderers */
	call.wait = !flag(r, action, NULL, "disableWait");
	call.create_namespace = verb == HC_HELM_INSTALL && flag(r, "install", NULL, "createNamespace");
	/* upgrade.force is replacement; forceAt only makes this run happen (Flux's one-off upgrade) */
	call.force = verb == HC_HELM_UPGRADE && flag(r, "upgrade", NULL, "force");
	call.cleanup_on_fail = verb == HC_HELM_UPGRADE && flag(r, "upgrade", NULL, "cleanupOnFail");
	/* Flux: install defaults to Create, upgrade to Skip */
	call.crds = crds && strcmp(crds, "Skip") == 0 ? HC_CRDS_SKIP
		  : crds ? HC_CRDS_CREATE : (verb == HC_HELM_INSTALL ? HC_CRDS_CREATE : HC_CRDS_SKIP);
	json_object_set_new(r->status, "lastAttemptedReleaseAction", json_string(action));
	r->hist_fresh = 0;
	if ((rc = helm(r, &call, &res)) < 0) {
		hc_helm_result_free(&res);
		snprintf(msg, sizeof(msg), "Helm %s failed for release %s/%s with chart %s@%s: %s", action, r->target, r->release,
			 r->chart.chart_name, r->chart.version, cf_err_msg());
		count_failure(r, action);
		cond(r, C_RELEASED, "False", verb == HC_HELM_INSTALL ? R_INSTALL_FAILED : R_UPGRADE_FAILED, msg);
		event(r, "Warning", verb == HC_HELM_INSTALL ? R_INSTALL_FAILED : R_UPGRADE_FAILED, msg);
		record_snapshot(r) < 0 ? cf_err_clear() : (void)0;
		return cf_err_set(CF_EAPI, "%s", msg);
	}
	rc = record_action_snapshot(r, &res);
	hc_helm_result_free(&res);
	if (rc < 0)
		return rc;
	release_ref(ref, sizeof(ref), r);
	snprintf(msg, sizeof(msg), "Helm %s succeeded for release %s with chart %s@%s", action, ref, r->chart.chart_name,
		 r->chart.version);
	cond(r, C_RELEASED, "True", verb == HC_HELM_INSTALL ? R_INSTALL_OK : R_UPGRADE_OK, msg);
	cf_condition_remove(r->status, C_REMEDIATED);
	cf_condition_remove(r->status, C_TEST);
	event(r, "Normal", verb == HC_HELM_INSTALL ? R_INSTALL_OK : R_UPGRADE_OK, msg);
	return 0;
}

/* helm test; 0 with TestSuccess=True, else the error with TestSuccess=False */
static int run_tests(hr *r)
{
	hc_helm_call call;
	hc_helm_result res;
	json_t *snap = (json_t *)latest_snapshot(r);
	char msg[MSG_MAX], ref[400];
	const char *p;
	int rc, n = 0;

	call_init(r, &call, HC_HELM_TEST);
	if (json_object_get(sub(r, "test", NULL), "timeout") == NULL)
		call.timeout_ms = r->p->timeout_ms;
	rc = helm(r, &call, &res);
	for (p = res.out.data; p && (p = strstr(p, "TEST SUITE:")) != NULL; p++)
		n++;
	hc_helm_result_free(&res);
	release_ref(ref, sizeof(ref), r);
	if (snap)
		json_object_set_new(snap, "testHooks", json_pack("{s:b}", "completed", rc == 0));
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "Helm test failed for release %s with chart %s@%s: %s", ref, r->chart.chart_name,
			 r->chart.version, cf_err_msg());
		cond(r, C_TEST, "False", R_TEST_FAILED, msg);
		event(r, "Warning", R_TEST_FAILED, msg);
		return cf_err_set(CF_EAPI, "%s", msg);
	}
	snprintf(msg, sizeof(msg), n ? "Helm test succeeded for release %s with chart %s@%s: %d test hook(s) completed successfully"
				     : "Helm test succeeded for release %s with chart %s@%s: no test hooks", ref, r->chart.chart_name,
		 r->chart.version, n);
	cond(r, C_TEST, "True", R_TEST_OK, msg);
	event(r, "Normal", R_TEST_OK, msg);
	return 0;
}

/* rollback to revision (0: helm's previous) or uninstall; Remediated set either way */
static int remediate(hr *r, int rollback, int revision, const char *why)
{
	hc_helm_call call;
	hc_helm_result res;
	char msg[MSG_MAX], ref[400];
	int rc;

	call_init(r, &call, rollback ? HC_HELM_ROLLBACK : HC_HELM_UNINSTALL);
	call.revision = revision;
	call.wait = !flag(r, rollback ? "rollback" : "uninstall", NULL, "disableWait");
	call.force = rollback && flag(r, "rollback", NULL, "force");
	call.cleanup_on_fail = rollback && flag(r, "rollback", NULL, "cleanupOnFail");
	call.keep_history = !rollback && flag(r, "uninstall", NULL, "keepHistory");
	call.cascade = rollback ? NULL : cf_json_str(sub(r, "uninstall", NULL), "deletionPropagation");
	release_ref(ref, sizeof(ref), r);
	r->hist_fresh = 0;
	rc = helm(r, &call, &res);
	hc_helm_result_free(&res);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "Helm %s failed for release %s: %s", rollback ? "rollback" : "uninstall", ref, cf_err_msg());
		cond(r, C_REMEDIATED, "False", rollback ? R_ROLLBACK_FAILED : R_UNINSTALL_FAILED, msg);
		event(r, "Warning", rollback ? R_ROLLBACK_FAILED : R_UNINSTALL_FAILED, msg);
		return cf_err_set(CF_EAPI, "%s", msg);
	}
	if (rollback) {
		record_snapshot(r) < 0 ? cf_err_clear() : (void)0;
		snprintf(msg, sizeof(msg), "Helm rollback to previous release %s/%s.v%d succeeded (%s)", r->target, r->release,
			 revision, why);
	} else {
		json_object_del(r->status, "history");
		snprintf(msg, sizeof(msg), "Helm uninstall succeeded for release %s (%s)", ref, why);
	}
	cond(r, C_REMEDIATED, "True", rollback ? R_ROLLBACK_OK : R_UNINSTALL_OK, msg);
	event(r, "Normal", rollback ? R_ROLLBACK_OK : R_UNINSTALL_OK, msg);
	return 0;
}

/* A failed install or upgrade (or its tests): remediated between retries, and after the last
 * one when remediateLastFailure says so. Returns the failure to record (Ready=False). */
static int after_failure(hr *r, const char *action, const char *reason)
{
	char failure[MSG_MAX];
	long n = retries(r, action);
	int last = exhausted(r), upgrade = strcmp(action, "upgrade") == 0;
	const char *strategy = cf_json_str(sub(r, "upgrade", "remediation"), "strategy");
	int rollback = upgrade && !(strategy && strcmp(strategy, "uninstall") == 0);

	snprintf(failure, sizeof(failure), "%s", cf_err_msg());
	if ((!last || remediate_last(r, action)) && (n != 0 || remediate_last(r, action))) {
		if ((r->hist_fresh || load_history(r) == 0) && r->hist.latest > 0 && (!rollback || r->hist.previous_good > 0))
			remediate(r, rollback, r->hist.previous_good, upgrade ? "upgrade failed" : "install failed") < 0 ? cf_err_clear()
															 : (void)0;
	}
	if (last) {   /* Stalled and Ready: RetriesExceeded, with the last failure's words */
		cf_err_set(CF_EAPI, "Failed to %s after %lld attempt(s): %s", action,
			   counter(r, upgrade ? "upgradeFailures" : "installFailures"), failure);
		return cf_reconcile_fail(r->p, R_RETRIES, CF_FAIL_STALLED);
	}
	cf_err_set(CF_EAPI, "%s", failure);
	return cf_reconcile_fail(r->p, reason, 0);
}

/* A release left pending-* (helm was killed mid-operation): back to the last good revision,
 * or uninstalled when there is none, as Flux unlocks it; then the next pass goes on. */
static int unlock(hr *r)
{
	char why[128];
	int rc;

	snprintf(why, sizeof(why), "release was left in state '%s'", r->hist.latest_status);
	cf_log(CF_LOG_INFO, "unlocking release", "object", r->p->key, "release", r->release, "state", r->hist.latest_status, NULL);
	rc = remediate(r, r->hist.previous_good > 0, r->hist.previous_good, why);
	if (rc < 0)
		return cf_reconcile_fail(r->p, r->hist.previous_good > 0 ? R_ROLLBACK_FAILED : R_UNINSTALL_FAILED, 0);
	r->p->requeue_ms = 1;   /* the next pass looks again at what is there now */
	return 0;
}

/* ---- the pass ---- */

/* Ready=True after what was done (Released's or TestSuccess's reason and message). */
static int succeed(hr *r, const char *reason, const char *msg)
{
	clear_failures(r);
	if (r->pr_digest[0])   /* what the deployed release was rendered with (Flux's summarize) */
		json_object_set_new(r->status, "observedPostRenderersDigest", json_string(r->pr_digest));
	else
		json_object_del(r->status, "observedPostRenderersDigest");
	json_object_set_new(r->status, "lastAppliedRevision", json_string(r->chart.version));
	return cf_reconcile_ready(r->p, reason, msg);
}

static int succeed_from(hr *r, const char *type)
{
	const json_t *c = cf_condition_get(r->status, type);
	const char *reason = cf_json_str(c, "reason"), *msg = cf_json_str(c, "message");
	char fallback[MSG_MAX], ref[400];

	if (reason && msg)
		return succeed(r, reason, msg);
	release_ref(ref, sizeof(ref), r);
	snprintf(fallback, sizeof(fallback), "Helm release %s with chart %s@%s is in sync", ref, r->chart.chart_name, r->chart.version);
	return succeed(r, R_UPGRADE_OK, fallback);
}

static int tests_enabled(const hr *r)
{
	return flag(r, "test", NULL, "enable");
}

static int test_failures_ignored(const hr *r, const char *action)
{
	const json_t *v = json_object_get(sub(r, action, "remediation"), "ignoreTestFailures");
	return json_is_boolean(v) ? json_is_true(v) : flag(r, "test", NULL, "ignoreFailures");
}

/* tests after a release or for an in-sync one; Ready set from the outcome */
static int test_then_succeed(hr *r, const char *action)
{
	if (!tests_enabled(r))
		return succeed_from(r, C_RELEASED);
	if (run_tests(r) == 0)
		return succeed_from(r, C_TEST);
	if (test_failures_ignored(r, action))
		return succeed_from(r, C_RELEASED);
	count_failure(r, action);
	return after_failure(r, action, R_TEST_FAILED);
}

static int do_release(hr *r, hc_helm_verb verb)
{
	const char *action = verb == HC_HELM_INSTALL ? "install" : "upgrade";

	if (release(r, verb) < 0)
		return after_failure(r, action, verb == HC_HELM_INSTALL ? R_INSTALL_FAILED : R_UPGRADE_FAILED);
	return test_then_succeed(r, action);
}

/* Deployed at the chart version and values wanted (status.history[0], helm's latest), rendered
 * with the post-renderers wanted. */
static int in_sync(const hr *r)
{
	const json_t *s = latest_snapshot(r);
	const char *pr = cf_json_str(r->status, "observedPostRenderersDigest");

	return s && !r->forced && strcmp(pr ? pr : "", r->pr_digest) == 0 && json_integer_value(json_object_get(s, "version")) == r->hist.latest &&
	       cf_json_str(s, "chartName") && strcmp(cf_json_str(s, "chartName"), r->chart.chart_name) == 0 &&
	       cf_json_str(s, "chartVersion") && strcmp(cf_json_str(s, "chartVersion"), r->chart.version) == 0 &&
	       cf_json_str(s, "configDigest") && strcmp(cf_json_str(s, "configDigest"), r->config_digest) == 0;
}

/* The drift of the objects in the release's manifest (helm get manifest), read as the identity
 * helm acts as. */
static int find_drift(hr *r, json_t **drifted, int correct)
{
	hc_helm_call call;
	hc_helm_result res;
	int rc;

	*drifted = NULL;
	call_init(r, &call, HC_HELM_MANIFEST);
	if ((rc = helm(r, &call, &res)) == 0 && (rc = cf_kube_impersonate(r->t, r->as_user[0] ? r->as_user : NULL, NULL)) == 0) {
		rc = hc_drift_check(r->t, drifted, res.out.data ? res.out.data : "", res.out.len, r->release, r->target, correct,
				    json_object_get(sub(r, "driftDetection", NULL), "ignore"));
		cf_kube_impersonate(r->t, NULL, NULL);
	}
	hc_helm_result_free(&res);
	return rc;
}

/* spec.driftDetection warn|enabled on a release in sync: Drifted says what differs (corrected
 * in mode enabled), with an event naming the objects and fields. A failure to look is logged:
 * the release itself is fine. */
static void detect_drift(hr *r)
{
	const char *mode = cf_json_str(sub(r, "driftDetection", NULL), "mode");
	int correct = mode && strcmp(mode, "enabled") == 0;
	cf_buf msg = CF_BUF_INIT(MSG_MAX);
	json_t *drifted = NULL, *v;
	char ref[400];
	size_t i;

	if (!correct && !(mode && strcmp(mode, "warn") == 0)) {
		cf_condition_remove(r->status, C_DRIFTED);
		return;
	}
	if (find_drift(r, &drifted, correct) < 0) {
		cf_log(CF_LOG_WARN, "drift detection failed", "object", r->p->key, "error", cf_err_msg(), NULL);
		cf_err_clear();
	} else if (json_array_size(drifted) == 0) {
		cf_condition_remove(r->status, C_DRIFTED);
	} else {
		release_ref(ref, sizeof(ref), r);
		cf_buf_printf(&msg, "Cluster state of release %s %s:", ref, correct ? "has been corrected" : "has drifted from the desired state");
		json_array_foreach(drifted, i, v)
			cf_buf_printf(&msg, "%s%s", i ? "; " : " ", json_string_value(v));
		cond(r, C_DRIFTED, correct ? "False" : "True", correct ? R_DRIFT_CORRECTED : R_DRIFT_DETECTED, msg.data);
		event(r, correct ? "Normal" : "Warning", correct ? R_DRIFT_CORRECTED : R_DRIFT_DETECTED, msg.data);
	}
	json_decref(drifted);
	cf_buf_free(&msg);
}

/* The error of a pass that does nothing because the retries are exhausted: Ready's words as
 * they are, else Flux's. */
static void stalled_message(hr *r)
{
	const char *action = cf_json_str(r->status, "lastAttemptedReleaseAction"), *msg;
	char key[32];

	msg = cf_json_str(cf_condition_get(r->status, CF_COND_READY), "message");
	if (msg && strncmp(msg, "Failed to ", 10) == 0) {
		cf_err_set(CF_EAPI, "%s", msg);
		return;
	}
	snprintf(key, sizeof(key), "%sFailures", action ? action : "");
	cf_err_set(CF_EAPI, "Failed to %s after %lld attempt(s)", action ? action : "release", counter(r, key));
}

static int act(hr *r)
{
	const json_t *snap;
	hc_state s = { &r->hist, 0, 0, 0 };
	hc_action a;

	if (load_history(r) < 0)
		return cf_reconcile_fail(r->p, R_LAST_RELEASE, 0);
	snap = latest_snapshot(r);
	if (r->hist.latest > 0 && !hc_status_pending(r->hist.latest_status) &&
	    (snap == NULL || json_integer_value(json_object_get(snap, "version")) != r->hist.latest) && record_snapshot(r) < 0)
		return cf_reconcile_fail(r->p, R_LAST_RELEASE, 0);
	s.in_sync = in_sync(r);
	s.exhausted = exhausted(r);
	s.tests_due = tests_enabled(r) && (snap = latest_snapshot(r)) && !json_object_get(snap, "testHooks");
	a = hc_next_action(&s);
	cf_log(CF_LOG_DEBUG, "release action", "object", r->p->key, "action", hc_action_str(a), "state", r->hist.latest_status, NULL);
	switch (a) {
	case HC_ACT_UNLOCK:
		return unlock(r);
	case HC_ACT_STALLED:
		stalled_message(r);   /* what the last failure said, unchanged: no new event */
		return cf_reconcile_fail(r->p, R_RETRIES, CF_FAIL_STALLED | CF_FAIL_QUIET);
	case HC_ACT_INSTALL:
		return do_release(r, HC_HELM_INSTALL);
	case HC_ACT_UPGRADE:
		return do_release(r, HC_HELM_UPGRADE);
	case HC_ACT_TEST:
		return test_then_succeed(r, "upgrade");
	case HC_ACT_NONE:
		detect_drift(r);
		break;
	}
	return succeed_from(r, tests_enabled(r) ? C_TEST : C_RELEASED);
}

/* 1 when every dependency (a HelmRelease, or kind: Kustomization) is Ready at its generation. */
static int dependencies_ready(hr *r)
{
	return cf_dependencies_ready(r->k, json_object_get(r->spec, "dependsOn"), r->ns, CF_KIND_HELMRELEASE);
}

/* The annotations forceAt and resetAt, answered once each. */
static void handle_requests(hr *r)
{
	const json_t *an = json_object_get(json_object_get(r->p->obj, "metadata"), "annotations");
	const char *force = cf_json_str(an, A_FORCE), *reset = cf_json_str(an, A_RESET);
	const char *hf = cf_json_str(r->status, "lastHandledForceAt"), *hrs = cf_json_str(r->status, "lastHandledResetAt");

	if (reset && (!hrs || strcmp(reset, hrs) != 0)) {
		clear_failures(r);
		cf_condition_remove(r->status, CF_COND_STALLED);
		json_object_set_new(r->status, "lastHandledResetAt", json_string(reset));
	}
	if (force && (!hf || strcmp(force, hf) != 0)) {
		r->forced = 1;
		json_object_set_new(r->status, "lastHandledForceAt", json_string(force));
	}
}

/* targetNamespace, storageNamespace (helm's CLI keeps a release where it installs it), the
 * identity helm acts as. */
static int resolve_target(hr *r)
{
	const char *tn = cf_json_str(r->spec, "targetNamespace"), *sn = cf_json_str(r->spec, "storageNamespace");
	const char *sa = cf_json_str(r->spec, "serviceAccountName");

	hc_release_name(r->release, r->p->obj);
	snprintf(r->target, sizeof(r->target), "%s", tn && tn[0] ? tn : r->ns);
	if (sn && sn[0] && strcmp(sn, r->target) != 0)
		return cf_err_set(CF_EINVAL, "spec.storageNamespace '%s' differs from the release namespace '%s': cflux runs "
				  "the helm CLI, which stores a release in its own namespace; remove storageNamespace or set it to '%s'",
				  sn, r->target, r->target);
	if (!(sa && sa[0]))
		sa = r->c->default_service_account;
	r->as_user[0] = '\0';
	if (sa && sa[0])
		snprintf(r->as_user, sizeof(r->as_user), "system:serviceaccount:%s:%s", r->ns, sa);
	return 0;
}

/* The work directory with helm's kubeconfig: the controller's identity, or with
 * spec.kubeConfig the remote cluster's (and r->t a client for it). */
static int open_workdir(hr *r)
{
	cf_remote_opts ro = { r->c->insecure_kubeconfig_tls };
	cf_kubeconfig *kc = NULL;
	int rc = hc_helm_workdir(&r->workdir, r->c->tmp_dir);

	if (rc < 0 || !cf_remote_wanted(r->spec))
		return rc < 0 ? rc : hc_helm_kubeconfig(&r->kubeconfig, r->workdir, r->c->kubeconfig, r->c->context);
	/* the Secret read once: helm's kubeconfig written from it, then the client takes it */
	if ((rc = cf_remote_config(r->k, r->p->obj, &ro, &kc)) == 0 &&
	    (rc = hc_helm_kubeconfig_of(&r->kubeconfig, r->workdir, kc)) < 0)
		cf_kubeconfig_free(kc);
	if (rc == 0 && (rc = cf_kube_new_config(&r->t, kc, HELM_CONTROLLER)) == 0)
		r->remote = 1;
	if (rc < 0) {
		r->t = r->k;
		cf_err_prefix("failed to build kube client");
	}
	return rc;
}

/* Values merged, their digest, and the 0600 file helm reads. */
static int prepare_values(hr *r)
{
	json_t *values = NULL;
	char *text = NULL;
	int rc;

	if ((rc = hc_values_load(r->k, r->p->obj, &values, &r->redact)) < 0)
		return rc;
	if ((rc = hc_values_digest(r->config_digest, values)) == 0) {
		text = json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS);
		rc = text ? hc_helm_write_private(&r->values_path, r->workdir, "values.json", text, strlen(text))
			  : cf_err_set(CF_ENOMEM, "out of memory");
	}
	if (text) {
		memset(text, 0, strlen(text));
		free(text);   /* jansson's */
	}
	cf_kube_secret_free(values);
	return rc;
}

/* A new chart version, values or spec resets the failure counts (as Flux's MustResetFailures). */
static void attempt(hr *r)
{
	const char *rev = cf_json_str(r->status, "lastAttemptedRevision");
	const char *cd = cf_json_str(r->status, "lastAttemptedConfigDigest"), *at;

	if ((rev && strcmp(rev, r->chart.version) != 0) || (cd && strcmp(cd, r->config_digest) != 0) ||
	    json_integer_value(json_object_get(r->status, "lastAttemptedGeneration")) != r->generation) {
		clear_failures(r);
		cf_condition_remove(r->status, CF_COND_STALLED);
	}
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", r->chart.version);
	json_object_set_new(r->status, "lastAttemptedGeneration", json_integer(r->generation));
	json_object_set_new(r->status, "lastAttemptedRevision", json_string(r->chart.version));
	json_object_set_new(r->status, "lastAttemptedConfigDigest", json_string(r->config_digest));
	/* deprecated: Flux clears them once it writes the digest and the history */
	json_object_del(r->status, "lastAttemptedValuesChecksum");
	json_object_del(r->status, "lastReleaseRevision");
	json_object_set_new(r->status, "storageNamespace", json_string(r->target));
	/* an OCI chart: the manifest digest of its revision ("<version>@sha256:<hex>"), as Flux */
	at = strcmp(r->chart.kind, "OCIRepository") == 0 ? strchr(r->chart.revision, '@') : NULL;
	if (at && strncmp(at + 1, "sha256:", 7) == 0)
		json_object_set_new(r->status, "lastAttemptedRevisionDigest", json_string(at + 1));
	else
		json_object_del(r->status, "lastAttemptedRevisionDigest");
	if (r->chart.helmchart[0])
		json_object_set_new(r->status, "helmChart", json_string(r->chart.helmchart));
	else
		json_object_del(r->status, "helmChart");
}

static int reconcile_body(hr *r)
{
	json_t *src = NULL;
	int rc;

	if (!dependencies_ready(r)) {
		r->p->retry_ms = r->c->requeue_dependency_ms;
		return cf_reconcile_fail(r->p, R_DEPENDENCY, CF_FAIL_QUIET);
	}
	if (resolve_target(r) < 0 || hc_postrender_spec(&r->post_renderers, r->spec) < 0 ||
	    hc_drift_ignore_check(json_object_get(sub(r, "driftDetection", NULL), "ignore")) < 0 ||
	    hc_chart_template(r->k, &r->chart, r->p->obj) < 0)
		return cf_reconcile_fail(r->p, cf_err_code() == CF_EINVAL ? CF_REASON_INVALID_SPEC : R_ARTIFACT,
					 cf_err_code() == CF_EINVAL ? CF_FAIL_STALLED : 0);
	if (r->chart.helmchart[0])
		json_object_set_new(r->status, "helmChart", json_string(r->chart.helmchart));
	if ((rc = hc_chart_ready(r->k, &r->chart, &src)) < 0) {
		r->p->retry_ms = r->c->requeue_dependency_ms;   /* the source's watch event comes sooner */
		return cf_reconcile_fail(r->p, rc == CF_ENOTFOUND ? R_SOURCE_NOT_READY : R_ARTIFACT, CF_FAIL_QUIET);
	}
	hc_postrender_digest(r->pr_digest, r->post_renderers);
	if (open_workdir(r) < 0 ||
	    hc_postrender_install(r->workdir, r->c->self_exe, r->post_renderers, &(hc_origin){ r->name, r->ns }) < 0) {
		json_decref(src);
		return cf_reconcile_fail(r->p, R_INIT, 0);
	}
	rc = hc_chart_fetch(&r->chart, src, r->c->internal_token, (size_t)r->c->artifact_max_size, r->p->timeout_ms, r->workdir);
	json_decref(src);
	if (rc < 0)   /* a source-controller restarting: retried in seconds */
		return cf_reconcile_fail(r->p, R_ARTIFACT, rc == CF_EUNAVAIL ? CF_FAIL_SOON : 0);
	if (prepare_values(r) < 0)
		return cf_reconcile_fail(r->p, R_VALUES, 0);
	handle_requests(r);
	attempt(r);
	cf_condition_set(r->status, CF_COND_RECONCILING, "True", CF_REASON_PROGRESSING, "Fulfilling prerequisites", r->generation);
	return act(r);
}

static void hr_init(hr *r, cf_reconcile *p)
{
	*r = (hr){ .p = p, .c = p->ctx, .k = p->k, .t = p->k, .spec = p->spec, .status = p->status, .ns = p->ns, .name = p->name,
		   .generation = p->generation };
}

static void hr_done(hr *r)
{
	hc_helm_workdir_remove(r->workdir);   /* values, kubeconfig and chart go with it */
	if (r->remote)
		cf_kube_free(r->t);
	cf_free(r->kubeconfig);
	cf_free(r->values_path);
	cf_kube_secret_free(r->redact);
	json_decref(r->post_renderers);
}

static int body(cf_reconcile *p)
{
	hr r;
	int rc;

	hr_init(&r, p);
	rc = reconcile_body(&r);
	hr_done(&r);
	return rc;
}

/* Deleted: the release is uninstalled (unless suspended, as Flux), the HelmChart deleted. */
static int finalize(cf_reconcile *p)
{
	hr r;
	int rc = 0;

	hr_init(&r, p);
	if (json_is_true(json_object_get(r.spec, "suspend")) || cf_json_str(r.status, "storageNamespace") == NULL)
		goto chart;
	if ((rc = resolve_target(&r)) < 0)
		goto out;
	if ((rc = open_workdir(&r)) < 0 && cf_remote_wanted(r.spec)) {
		/* as the kustomize-controller: a cluster that cannot be reached any more does not keep
		 * the object; its release stays there */
		cf_log(CF_LOG_ERROR, "unable to uninstall the release", "object", p->key, "release", r.release,
		       "error", cf_err_msg(), NULL);
		cf_err_clear();
		goto chart;
	}
	if (rc < 0 || (rc = load_history(&r)) < 0)
		goto out;
	if (r.hist.latest > 0 && strcmp(r.hist.latest_status, HC_ST_UNINSTALLED) != 0 &&
	    (rc = remediate(&r, 0, 0, "HelmRelease deleted")) < 0)
		goto out;
	cf_log(CF_LOG_INFO, "uninstalled Helm release for deleted resource", "object", p->key, "release", r.release, NULL);
chart:
	rc = hc_chart_template_delete(r.k, p->obj);
out:
	hr_done(&r);
	return rc;
}

static void event_hook(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	hc_ctl *c = p->ctx;

	cf_event_emit_revision(p->k, c->events, p->obj, type, reason, message, p->revision, NULL, HELM_CONTROLLER);
}

int helmrelease_reconcile(hc_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = CF_AV_HELMRELEASE, .kind = "HelmRelease", .ns = ns, .name = name,
		.finalizer = CF_FINALIZER, .default_timeout_ms = DEFAULT_TIMEOUT_MS,
		.finalize = finalize, .body = body, .event = event_hook, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}
