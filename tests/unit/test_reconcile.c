/* tests/unit/test_reconcile.c - the lifecycle's decisions: which step an object takes, what a
 * failure does to status, and what a pass returns to the worker. */
#include "runtime/condition.h"
#include "runtime/reconcile.h"
#include "test.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>

#define FIN "finalizers.fluxcd.io"
#define MD_FIN "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"generation\":3,\"finalizers\":[\"" FIN "\"]"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = text ? json_loads(text, 0, &e) : NULL;

	if (text && v == NULL)
		cf_test_fail(__FILE__, __LINE__, "bad JSON in table: %s: %s", e.text, text);
	return v;
}

/* ---- the step for an object ---- */

typedef struct plan_case {
	const char *name;
	const char *obj;          /* NULL: not found */
	int retry_interval;       /* the kind has spec.retryInterval */
	long default_timeout_ms;
	cf_reconcile_step step;
	long interval_ms, retry_ms, timeout_ms;
	const char *error;        /* in p.error, or NULL: none */
	const char *finalizer;    /* NULL: FIN; "": the kind has none */
	long default_interval_ms;
	int no_interval;          /* the kind has no interval (v1beta3 Provider, Alert) */
} plan_case;

static const plan_case plans[] = {
	{ "not_found_is_gone", NULL, 0, 0, CF_STEP_GONE, 0, 0, 0, NULL },
	{ "deleting_finalizes", "{" MD_FIN ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"interval\":\"1m\"}}",
	  1, 0, CF_STEP_FINALIZE, 60000, 60000, 60000, NULL },
	{ "deleting_with_bad_interval_still_finalizes",
	  "{" MD_FIN ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"interval\":\"soon\"}}",
	  1, 0, CF_STEP_FINALIZE, 0, 0, 0, "spec.interval" },
	{ "deleting_and_suspended_finalizes",
	  "{" MD_FIN ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"interval\":\"1m\",\"suspend\":true}}",
	  0, 60000, CF_STEP_FINALIZE, 60000, 0, 60000, NULL },
	{ "no_finalizer_adds_it", "{\"metadata\":{\"name\":\"a\",\"finalizers\":[\"other\"]},\"spec\":{\"interval\":\"1m\"}}",
	  0, 0, CF_STEP_ADD_FINALIZER, 60000, 0, 60000, NULL },
	{ "no_finalizer_before_suspend", "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"interval\":\"1m\",\"suspend\":true}}",
	  0, 0, CF_STEP_ADD_FINALIZER, 60000, 0, 60000, NULL },
	{ "suspended", "{" MD_FIN "},\"spec\":{\"interval\":\"1m\",\"suspend\":true}}",
	  0, 0, CF_STEP_SUSPENDED, 60000, 0, 60000, NULL },
	{ "suspended_before_bad_interval", "{" MD_FIN "},\"spec\":{\"interval\":\"x\",\"suspend\":true}}",
	  0, 0, CF_STEP_SUSPENDED, 0, 0, 0, "spec.interval" },
	{ "suspend_false_runs_body", "{" MD_FIN "},\"spec\":{\"interval\":\"1m\",\"suspend\":false}}",
	  0, 0, CF_STEP_BODY, 60000, 0, 60000, NULL },
	{ "interval_required", "{" MD_FIN "},\"spec\":{}}", 0, 0, CF_STEP_INVALID, 0, 0, 0, "spec.interval is required" },
	{ "interval_not_a_duration", "{" MD_FIN "},\"spec\":{\"interval\":\"often\"}}",
	  0, 0, CF_STEP_INVALID, 0, 0, 0, "spec.interval: " },
	{ "interval_not_a_string", "{" MD_FIN "},\"spec\":{\"interval\":60}}",
	  0, 0, CF_STEP_INVALID, 0, 0, 0, "spec.interval must be a duration string" },
	{ "timeout_bad", "{" MD_FIN "},\"spec\":{\"interval\":\"1m\",\"timeout\":\"-\"}}",
	  0, 0, CF_STEP_INVALID, 60000, 0, 0, "spec.timeout: " },
	{ "retry_interval_bad", "{" MD_FIN "},\"spec\":{\"interval\":\"1m\",\"retryInterval\":\"x\"}}",
	  1, 0, CF_STEP_INVALID, 60000, 0, 60000, "spec.retryInterval: " },
	{ "retry_interval_ignored_by_kinds_without_it", "{" MD_FIN "},\"spec\":{\"interval\":\"1m\",\"retryInterval\":\"x\"}}",
	  0, 60000, CF_STEP_BODY, 60000, 0, 60000, NULL },
	{ "defaults_from_interval", "{" MD_FIN "},\"spec\":{\"interval\":\"10m\"}}",
	  1, 0, CF_STEP_BODY, 600000, 600000, 600000, NULL },
	{ "default_timeout_of_the_kind", "{" MD_FIN "},\"spec\":{\"interval\":\"10m\"}}",
	  0, 60000, CF_STEP_BODY, 600000, 0, 60000, NULL },
	{ "kind_without_finalizer_runs_body", "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"interval\":\"1m\"}}",
	  0, 0, CF_STEP_BODY, 60000, 0, 60000, NULL, "" },
	{ "kind_without_finalizer_finalizes", "{\"metadata\":{\"name\":\"a\",\"deletionTimestamp\":\"t\"},\"spec\":{}}",
	  0, 0, CF_STEP_FINALIZE, 600000, 0, 600000, NULL, "", 600000 },
	{ "default_interval_of_the_kind", "{" MD_FIN "},\"spec\":{}}", 1, 0, CF_STEP_BODY, 600000, 600000, 600000, NULL, NULL, 600000 },
	{ "default_interval_overridden", "{" MD_FIN "},\"spec\":{\"interval\":\"2s\"}}", 0, 0, CF_STEP_BODY, 2000, 0, 2000, NULL, NULL, 600000 },
	{ "all_three_given", "{" MD_FIN "},\"spec\":{\"interval\":\"1h\",\"retryInterval\":\"2s\",\"timeout\":\"90s\"}}",
	  1, 60000, CF_STEP_BODY, 3600000, 2000, 90000, NULL },
	{ "no_interval_reads_no_duration", "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"interval\":\"x\",\"timeout\":\"y\"}}",
	  0, 0, CF_STEP_BODY, 0, 0, 0, NULL, "", 0, 1 },
	{ "no_interval_needs_none", "{\"metadata\":{\"name\":\"a\"},\"spec\":{}}", 1, 0, CF_STEP_BODY, 0, 0, 0, NULL, "", 0, 1 },
	{ "no_interval_suspended", "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"suspend\":true}}",
	  0, 0, CF_STEP_SUSPENDED, 0, 0, 0, NULL, "", 0, 1 },
	{ "no_interval_deleting_finalizes", "{\"metadata\":{\"name\":\"a\",\"deletionTimestamp\":\"t\"},\"spec\":{}}",
	  0, 0, CF_STEP_FINALIZE, 0, 0, 0, NULL, "", 0, 1 },
};

static void plan_table(void)
{
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		const plan_case *c = &plans[i];
		cf_reconciler rc = { .finalizer = c->finalizer ? (c->finalizer[0] ? c->finalizer : NULL) : FIN,
				     .retry_interval = c->retry_interval, .default_timeout_ms = c->default_timeout_ms,
				     .default_interval_ms = c->default_interval_ms, .no_interval = c->no_interval };
		json_t *obj = parse(c->obj);
		cf_reconcile_plan p;

		cf_reconcile_plan_for(&p, &rc, obj);
		if (p.step != c->step)
			cf_test_fail(__FILE__, __LINE__, "%s: step %s, want %s", c->name, cf_reconcile_step_str(p.step),
				     cf_reconcile_step_str(c->step));
		if (c->obj && c->error == NULL && (p.interval_ms != c->interval_ms || p.retry_ms != c->retry_ms ||
						   p.timeout_ms != c->timeout_ms))
			cf_test_fail(__FILE__, __LINE__, "%s: interval/retry/timeout %ld/%ld/%ld, want %ld/%ld/%ld", c->name,
				     p.interval_ms, p.retry_ms, p.timeout_ms, c->interval_ms, c->retry_ms, c->timeout_ms);
		if (c->error && strstr(p.error, c->error) == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: error \"%s\" lacks \"%s\"", c->name, p.error, c->error);
		if (c->obj && (c->error == NULL) != p.durations_ok)
			cf_test_fail(__FILE__, __LINE__, "%s: durations_ok %d", c->name, p.durations_ok);
		json_decref(obj);
	}
}

/* ---- what a failure does to status ---- */

#define OBJ "{\"metadata\":{\"generation\":4,\"annotations\":{\"reconcile.fluxcd.io/requestedAt\":\"r1\"}}}"
#define READY_FALSE(msg) "{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"GitOperationFailed\",\"message\":\"" msg "\"," \
	"\"observedGeneration\":3,\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}"

typedef struct fail_case {
	const char *name;
	const char *status;
	const char *message;
	unsigned flags;
	const char *revision;
	const char *failure_condition;
	int event;                 /* a Warning is due */
	int stalled;               /* Stalled=True after */
	int failure_cond_true;     /* failure_condition True after */
	const char *last_attempted;
} fail_case;

static const fail_case fails[] = {
	{ "first_failure_warns", "{}", "boom", 0, NULL, NULL, 1, 0, 0, NULL },
	{ "same_message_does_not_warn_again", "{\"conditions\":[" READY_FALSE("boom") "]}", "boom", 0, NULL, NULL, 0, 0, 0, NULL },
	{ "new_message_warns", "{\"conditions\":[" READY_FALSE("boom") "]}", "bang", 0, NULL, NULL, 1, 0, 0, NULL },
	{ "quiet_never_warns", "{}", "dependency 'ns/a' is not ready", CF_FAIL_QUIET, NULL, NULL, 0, 0, 0, NULL },
	{ "stalled_sets_stalled", "{}", "spec.interval is required", CF_FAIL_STALLED, NULL, "FetchFailed", 1, 1, 0, NULL },
	{ "retryable_clears_stalled_sets_failure_condition",
	  "{\"conditions\":[{\"type\":\"Stalled\",\"status\":\"True\",\"reason\":\"InvalidSpec\",\"message\":\"x\"}]}",
	  "fetch failed", 0, NULL, "FetchFailed", 1, 0, 1, NULL },
	{ "reconciling_removed",
	  "{\"conditions\":[{\"type\":\"Reconciling\",\"status\":\"True\",\"reason\":\"Progressing\",\"message\":\"x\"}]}",
	  "health check failed", 0, "main@sha1:1", NULL, 1, 0, 0, "main@sha1:1" },
	{ "empty_revision_not_recorded", "{\"lastAttemptedRevision\":\"old\"}", "x", 0, "", NULL, 1, 0, 0, "old" },
	{ "revision_replaces_last_attempted", "{\"lastAttemptedRevision\":\"old\"}", "x", 0, "new", NULL, 1, 0, 0, "new" },
};

static const char *cond_field(const json_t *status, const char *type, const char *field)
{
	return json_string_value(json_object_get(cf_condition_get(status, type), field));
}

static void fail_table(void)
{
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		const fail_case *c = &fails[i];
		json_t *st = parse(c->status), *obj = parse(OBJ);
		int due = cf_reconcile_fail_status(st, obj, "Why", c->message, c->flags, c->revision, c->failure_condition);
		const char *fc = c->failure_condition;

		if (due != c->event)
			cf_test_fail(__FILE__, __LINE__, "%s: event due %d, want %d", c->name, due, c->event);
		if (!cond_field(st, "Ready", "status") || strcmp(cond_field(st, "Ready", "status"), "False") != 0 ||
		    strcmp(cond_field(st, "Ready", "reason"), "Why") != 0 || strcmp(cond_field(st, "Ready", "message"), c->message) != 0)
			cf_test_fail(__FILE__, __LINE__, "%s: Ready is not False/Why/%s", c->name, c->message);
		if ((cond_field(st, "Stalled", "status") != NULL) != c->stalled)
			cf_test_fail(__FILE__, __LINE__, "%s: Stalled %s", c->name, cond_field(st, "Stalled", "status"));
		if (fc && (cond_field(st, fc, "status") != NULL) != c->failure_cond_true)
			cf_test_fail(__FILE__, __LINE__, "%s: %s %s", c->name, fc, cond_field(st, fc, "status"));
		if (cf_condition_get(st, "Reconciling") != NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: Reconciling stayed", c->name);
		if (json_integer_value(json_object_get(st, "observedGeneration")) != 4 ||
		    json_string_value(json_object_get(st, "lastHandledReconcileAt")) == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: not marked handled", c->name);
		if (c->last_attempted) {
			const char *got = json_string_value(json_object_get(st, "lastAttemptedRevision"));
			if (got == NULL || strcmp(got, c->last_attempted) != 0)
				cf_test_fail(__FILE__, __LINE__, "%s: lastAttemptedRevision %s", c->name, got ? got : "(none)");
		} else if (json_object_get(st, "lastAttemptedRevision")) {
			cf_test_fail(__FILE__, __LINE__, "%s: lastAttemptedRevision set", c->name);
		}
		json_decref(st);
		json_decref(obj);
	}
}

/* ---- what a pass returns to the worker ---- */

typedef struct result_case {
	const char *name;
	int failed, stalled, unwritten;
	long interval_ms, retry_ms, body_requeue_ms;
	int rc;
	int want_rc;              /* 0, or 1 for "a negative code" */
	long want_requeue_ms;
	int soon;                 /* CF_FAIL_SOON */
} result_case;

static const result_case results[] = {
	{ "success_requeues_after_interval", 0, 0, 0, 60000, 2000, 0, 0, 0, 60000 },
	{ "success_with_body_requeue", 0, 0, 0, 60000, 2000, 1500, 0, 0, 1500 },
	{ "failure_retries_after_retry_interval", 1, 0, 0, 60000, 2000, 0, CF_EIO, 1, 2000 },
	{ "failure_without_retry_interval_backs_off", 1, 0, 0, 60000, 0, 0, CF_EIO, 1, 0 },
	{ "stalled_waits_for_spec_change", 1, 1, 0, 60000, 2000, 0, CF_EINVAL, 0, 0 },
	{ "unwritten_failure_backs_off", 1, 0, 1, 60000, 2000, 0, CF_EIO, 1, 0 },
	{ "unwritten_stalled_backs_off", 1, 1, 1, 60000, 2000, 0, CF_EINVAL, 1, 0 },
	{ "error_without_fail_backs_off", 0, 0, 0, 60000, 2000, 0, CF_EAPI, 1, 0 },
	{ "no_interval_success_waits_for_change", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "no_interval_failure_backs_off", 1, 0, 0, 0, 0, 0, CF_EINVAL, 1, 0 },
	{ "soon_failure_short_backoff_not_retry_interval", 1, 0, 0, 600000, 600000, 0, CF_EUNAVAIL, 1, CF_REQUEUE_SOON, 1 },
	{ "soon_unwritten_failure_backs_off", 1, 0, 1, 600000, 600000, 0, CF_EUNAVAIL, 1, 0, 1 },
};

static void result_table(void)
{
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		const result_case *c = &results[i];
		cf_reconcile r = { .failed = c->failed, .stalled = c->stalled, .soon = c->soon, .status_unwritten = c->unwritten,
				   .interval_ms = c->interval_ms, .retry_ms = c->retry_ms, .requeue_ms = c->body_requeue_ms };
		long requeue = -1;
		int rc = cf_reconcile_result(&requeue, &r, c->rc);

		if ((rc < 0) != c->want_rc || (rc < 0 && rc != c->rc) || requeue != c->want_requeue_ms)
			cf_test_fail(__FILE__, __LINE__, "%s: rc %d requeue %ld, want %s and %ld", c->name, rc, requeue,
				     c->want_rc ? "the error" : "0", c->want_requeue_ms);
	}
}

/* ---- a failure, then a success ---- */

/* cf_reconcile_ready after a failure: Ready True at the generation; Stalled, Reconciling and the
 * kind's failure condition gone. */
static const struct {
	const char *name;
	unsigned fail_flags;
	const char *failure_condition;
} recoveries[] = {
	{ "after_retryable_failure", 0, "FetchFailed" },
	{ "after_stalled_failure", CF_FAIL_STALLED, "FetchFailed" },
	{ "after_quiet_failure_without_failure_condition", CF_FAIL_QUIET, NULL },
};

static void ready_after_failure(void)
{
	for (size_t i = 0; i < sizeof(recoveries) / sizeof(recoveries[0]); i++) {
		const cf_reconciler rc = { .failure_condition = recoveries[i].failure_condition };
		json_t *obj = parse(OBJ);
		cf_reconcile r = { .rc = &rc, .obj = obj, .generation = 4, .status = json_object() };
		const char *fc = recoveries[i].failure_condition;

		CHECK(cf_reconcile_fail_status(r.status, obj, "Why", "boom", recoveries[i].fail_flags, NULL, fc) >= 0);
		CHECK(cf_condition_set(r.status, "Reconciling", "True", "Progressing", "x", 4) == 0);
		CHECK_OK(cf_reconcile_ready(&r, "Succeeded", "done"));
		if (!cond_field(r.status, "Ready", "status") || strcmp(cond_field(r.status, "Ready", "status"), "True") != 0 ||
		    strcmp(cond_field(r.status, "Ready", "reason"), "Succeeded") != 0)
			cf_test_fail(__FILE__, __LINE__, "%s: Ready is not True/Succeeded", recoveries[i].name);
		if (json_integer_value(json_object_get(cf_condition_get(r.status, "Ready"), "observedGeneration")) != 4)
			cf_test_fail(__FILE__, __LINE__, "%s: Ready not at generation 4", recoveries[i].name);
		if (cf_condition_get(r.status, "Stalled") || cf_condition_get(r.status, "Reconciling") ||
		    (fc && cf_condition_get(r.status, fc)))
			cf_test_fail(__FILE__, __LINE__, "%s: a failure condition stayed", recoveries[i].name);
		json_decref(r.status);
		json_decref(obj);
	}
}

static void step_names(void)
{
	CHECK_STR(cf_reconcile_step_str(CF_STEP_BODY), "body");
	CHECK_STR(cf_reconcile_step_str((cf_reconcile_step)99), "?");
}

static const cf_test_case cases[] = {
	{ "plan_table", plan_table },
	{ "fail_table", fail_table },
	{ "result_table", result_table },
	{ "ready_after_failure", ready_after_failure },
	{ "step_names", step_names },
};
CF_TEST_MAIN(cases)
