/* common/runtime/reconcile.c - the reconcile lifecycle: the steps every kind shares, one failure
 * contract (see reconcile.h). */
#include "runtime/reconcile.h"

#include "runtime/condition.h"
#include "runtime/metrics.h"
#include "runtime/objstore.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "runtime/status.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define MSG_MAX 4096

const char *cf_reconcile_step_str(cf_reconcile_step s)
{
	static const char *const names[] = {
		[CF_STEP_GONE] = "gone", [CF_STEP_FINALIZE] = "finalize", [CF_STEP_ADD_FINALIZER] = "add-finalizer",
		[CF_STEP_SUSPENDED] = "suspended", [CF_STEP_INVALID] = "invalid", [CF_STEP_BODY] = "body",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int has_finalizer(const json_t *obj, const char *finalizer)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "finalizers"), i, v)
		if (json_string_value(v) && strcmp(json_string_value(v), finalizer) == 0)
			return 1;
	return 0;
}

/* One optional duration field of spec into *ms (left as it is when absent). */
static int spec_duration(cf_reconcile_plan *p, const json_t *spec, const char *field, long *ms)
{
	const json_t *v = json_object_get(spec, field);

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(p->error, sizeof(p->error), "spec.%s must be a duration string", field);
		return -1;
	}
	if (cf_duration_parse(ms, json_string_value(v)) < 0) {
		snprintf(p->error, sizeof(p->error), "spec.%s: %s", field, cf_err_msg());
		cf_err_clear();
		return -1;
	}
	return 0;
}

static int plan_durations(cf_reconcile_plan *p, const cf_reconciler *rc, const json_t *spec)
{
	p->interval_ms = rc->default_interval_ms;
	if (rc->no_interval) {
		p->interval_ms = p->retry_ms = 0;
		p->timeout_ms = rc->default_timeout_ms;
		return 0;
	}
	if (json_object_get(spec, "interval") == NULL && rc->default_interval_ms <= 0) {
		snprintf(p->error, sizeof(p->error), "spec.interval is required");
		return -1;
	}
	if (spec_duration(p, spec, "interval", &p->interval_ms) < 0)
		return -1;
	p->timeout_ms = rc->default_timeout_ms > 0 ? rc->default_timeout_ms : p->interval_ms;
	p->retry_ms = rc->retry_interval ? p->interval_ms : 0;
	if (spec_duration(p, spec, "timeout", &p->timeout_ms) < 0)
		return -1;
	if (rc->retry_interval && spec_duration(p, spec, "retryInterval", &p->retry_ms) < 0)
		return -1;
	return 0;
}

void cf_reconcile_plan_for(cf_reconcile_plan *p, const cf_reconciler *rc, const json_t *obj)
{
	const json_t *spec = json_object_get(obj, "spec");

	memset(p, 0, sizeof(*p));
	if (obj == NULL) {
		p->step = CF_STEP_GONE;
		return;
	}
	p->durations_ok = plan_durations(p, rc, spec) == 0;
	if (json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp"))
		p->step = CF_STEP_FINALIZE;
	else if (rc->finalizer && !has_finalizer(obj, rc->finalizer))
		p->step = CF_STEP_ADD_FINALIZER;
	else if (json_is_true(json_object_get(spec, "suspend")))
		p->step = CF_STEP_SUSPENDED;
	else
		p->step = p->durations_ok ? CF_STEP_BODY : CF_STEP_INVALID;
}

int cf_reconcile_fail_status(json_t *status, const json_t *obj, const char *reason, const char *message,
			     unsigned flags, const char *revision, const char *failure_condition)
{
	const json_t *ready = cf_condition_get(status, CF_COND_READY);
	long long gen = json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
	char old[MSG_MAX];
	int rc;

	/* copied: setting the condition frees the old message */
	snprintf(old, sizeof(old), "%s", cf_json_str(ready, "message") ? cf_json_str(ready, "message") : "");
	cf_status_mark_handled(status, obj);
	if (revision && revision[0] &&
	    json_object_set_new(status, "lastAttemptedRevision", json_string(revision)) < 0)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_condition_set(status, CF_COND_READY, "False", reason, message, gen);
	if (rc == 0 && (flags & CF_FAIL_STALLED)) {
		rc = cf_condition_set(status, CF_COND_STALLED, "True", reason, message, gen);
	} else if (rc == 0) {
		cf_condition_remove(status, CF_COND_STALLED);
		if (failure_condition)
			rc = cf_condition_set(status, failure_condition, "True", reason, message, gen);
	}
	cf_condition_remove(status, CF_COND_RECONCILING);
	if (rc < 0)
		return rc;
	return !(flags & CF_FAIL_QUIET) && strcmp(old, cf_json_str(cf_condition_get(status, CF_COND_READY), "message")) != 0;
}

int cf_reconcile_result(long *requeue_ms, const cf_reconcile *r, int rc)
{
	*requeue_ms = 0;
	if (r->failed && r->status_unwritten)
		return rc < 0 ? rc : CF_ERR;   /* backoff, and the status written again */
	if (r->failed && r->stalled)
		return 0;                      /* waits for a spec change */
	if (r->failed || rc < 0) {
		*requeue_ms = r->failed ? (r->soon ? CF_REQUEUE_SOON : r->retry_ms) : 0;
		return rc < 0 ? rc : CF_ERR;
	}
	*requeue_ms = r->requeue_ms > 0 ? r->requeue_ms : r->interval_ms;
	return 0;
}

int cf_reconcile_write_status(cf_reconcile *r)
{
	int rc;

	cf_status_mark_handled(r->status, r->obj);
	if (json_equal(r->written, r->status))
		return 0;
	rc = cf_status_patch(r->k, r->obj, r->status);
	if (rc == 0) {
		json_t *copy = json_deep_copy(r->status);
		if (copy == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		json_decref(r->written);
		r->written = copy;
	}
	return rc;
}

int cf_reconcile_fail(cf_reconcile *r, const char *reason, unsigned flags)
{
	char msg[MSG_MAX];
	int code = cf_err_code() ? cf_err_code() : CF_ERR, due;

	cf_url_redact(msg, sizeof(msg), cf_err_msg());
	r->failed = 1;
	r->stalled = (flags & CF_FAIL_STALLED) != 0;
	r->soon = (flags & CF_FAIL_SOON) != 0 && !r->stalled;
	due = cf_reconcile_fail_status(r->status, r->obj, reason, msg, flags, r->revision, r->rc->failure_condition);
	if (due > 0 && r->rc->event)
		r->rc->event(r, "Warning", reason, msg);
	if (due < 0 || cf_reconcile_write_status(r) < 0) {
		cf_log(CF_LOG_WARN, "status not written", "object", r->name, "namespace", r->ns, "error", cf_err_msg(), NULL);
		r->status_unwritten = 1;
	}
	cf_err_set(code, "%s", msg);
	return code;
}

int cf_reconcile_ready(cf_reconcile *r, const char *reason, const char *message)
{
	int rc = cf_condition_set(r->status, CF_COND_READY, "True", reason, message, r->generation);

	if (rc < 0)
		return rc;
	cf_condition_remove(r->status, CF_COND_STALLED);
	cf_condition_remove(r->status, CF_COND_RECONCILING);
	if (r->rc->failure_condition)
		cf_condition_remove(r->status, r->rc->failure_condition);
	return 0;
}

/* Suspended: nothing is done, but a request is answered (as Flux's kustomize-controller), so
 * that `reconcile` sees its pass was looked at. observedGeneration stays: the spec is not. */
static int suspended(cf_reconcile *r)
{
	const char *req = cf_json_str(json_object_get(json_object_get(r->obj, "metadata"), "annotations"),
			       CF_REQUESTED_AT_ANNOTATION);

	cf_log(CF_LOG_INFO, "suspended", "object", r->name, "namespace", r->ns, NULL);
	if (req == NULL || json_object_set_new(r->status, "lastHandledReconcileAt", json_string(req)) < 0 ||
	    json_equal(r->written, r->status))
		return 0;
	return cf_status_patch(r->k, r->obj, r->status);
}

static int run_step(cf_reconcile *r, const cf_reconcile_plan *p)
{
	const cf_reconciler *rc = r->rc;
	int ret;

	switch (p->step) {
	case CF_STEP_FINALIZE:
		if (rc->finalize && (ret = rc->finalize(r)) < 0)
			return ret;
		return rc->finalizer ? cf_finalizer_remove(r->k, r->obj, rc->finalizer) : 0;
	case CF_STEP_ADD_FINALIZER:
		/* the patch comes back as a watch event, which starts the real pass: one reconcile,
		 * not two; the requeue is in case that event is lost */
		ret = cf_finalizer_ensure(r->k, r->obj, rc->finalizer);
		if (ret > 0)
			r->requeue_ms = 1;
		return ret < 0 ? ret : 0;
	case CF_STEP_SUSPENDED:
		if ((ret = suspended(r)) == 0 && rc->on_suspend)
			ret = rc->on_suspend(r);
		return ret;
	case CF_STEP_INVALID:
		cf_err_set(CF_EINVAL, "%s", p->error);
		return cf_reconcile_fail(r, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	case CF_STEP_BODY:
		ret = rc->body(r);
		if (ret == 0 && (ret = cf_reconcile_write_status(r)) < 0)
			cf_log(CF_LOG_WARN, "status not written", "object", r->name, "namespace", r->ns,
			       "error", cf_err_msg(), NULL);
		return ret;
	case CF_STEP_GONE:
		break;
	}
	return 0;
}

/* Flux's metrics of an object's pass: its duration, whether it is suspended, and its Ready
 * condition (1 on the status it has, True, False or Unknown; 0 on the others). */
static void object_metrics(const cf_reconcile *r, double seconds)
{
	static const char *const statuses[] = { "True", "False", "Unknown", "Deleted" };
	const char *kind = r->rc->kind, *ready = cf_json_str(cf_condition_get(r->status, CF_COND_READY), "status");
	const char *obj[] = { kind, r->name, r->ns };

	cf_metric_observe(CF_M_RECONCILE_DURATION, obj, seconds);
	cf_metric_set(CF_M_SUSPEND_STATUS, obj, json_is_true(json_object_get(r->spec, "suspend")));
	if (ready == NULL || (strcmp(ready, "True") != 0 && strcmp(ready, "False") != 0))
		ready = "Unknown";
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		cf_metric_set(CF_M_RECONCILE_CONDITION,
			      (const char *[]){ kind, r->name, r->ns, CF_COND_READY, statuses[i] },
			      strcmp(ready, statuses[i]) == 0);
}

int cf_reconcile_run(long *requeue_ms, const cf_reconciler *rc)
{
	double t0 = cf_metrics_clock();
	cf_reconcile r = { .rc = rc, .ctx = rc->ctx, .k = rc->k, .ns = rc->ns, .name = rc->name };
	cf_reconcile_plan p;
	int ret;

	*requeue_ms = 0;
	snprintf(r.key, sizeof(r.key), "%s/%s", rc->ns, rc->name);
	/* as the watch last showed it (a kept kind), else from the API */
	r.obj = cf_objstore_get(rc->kind, rc->ns, rc->name);
	ret = r.obj ? 0 : cf_kube_get(rc->k, &r.obj, &(cf_kube_ref){ rc->api_version, rc->kind, rc->ns, rc->name });
	if (ret == CF_ENOTFOUND) {
		cf_metrics_forget_object(rc->kind, rc->ns, rc->name);
		return rc->on_gone ? rc->on_gone(rc) : 0;
	}
	if (ret < 0)
		return ret;
	cf_reconcile_plan_for(&p, rc, r.obj);
	r.spec = json_object_get(r.obj, "spec");
	r.generation = json_integer_value(json_object_get(json_object_get(r.obj, "metadata"), "generation"));
	r.written = json_is_object(json_object_get(r.obj, "status")) ? json_deep_copy(json_object_get(r.obj, "status"))
								      : json_object();
	r.status = r.written ? json_deep_copy(r.written) : NULL;
	r.interval_ms = p.interval_ms;
	r.retry_ms = p.retry_ms;
	r.timeout_ms = p.timeout_ms;
	r.durations_ok = p.durations_ok;
	if (r.status == NULL)
		ret = cf_err_set(CF_ENOMEM, "out of memory");
	else
		ret = run_step(&r, &p);
	if (p.step == CF_STEP_FINALIZE && ret == 0)
		cf_metrics_forget_object(rc->kind, rc->ns, rc->name);
	else if (r.status)
		object_metrics(&r, cf_metrics_clock() - t0);
	if (p.step != CF_STEP_BODY && p.step != CF_STEP_INVALID)
		*requeue_ms = ret == 0 ? r.requeue_ms : 0;
	else
		ret = cf_reconcile_result(requeue_ms, &r, ret);
	json_decref(r.status);
	json_decref(r.written);
	json_decref(r.obj);
	return ret;
}
