/* common/runtime/reconcile.h - the reconcile lifecycle every Flux kind shares, written once; a kind
 * writes only its body (and, if it keeps something outside the API, its on_gone and finalize).
 *
 *   GET ─ not found ───────────── on_gone                                   -> 0
 *       ─ deletionTimestamp ───── finalize, then the finalizer removed      -> 0 or its error
 *       ─ finalizer missing ───── add it (its watch event starts the pass)  -> 0, requeue 1 ms
 *       ─ spec.suspend ────────── requestedAt answered, on_suspend          -> 0
 *       ─ bad interval, timeout
 *         or retryInterval ────── a Stalled failure (InvalidSpec)           -> 0
 *       ─ body ── success ─────── status marked and written if changed     -> 0, requeue after
 *                                                                              the interval
 *              ── cf_reconcile_fail (the failure contract below)
 *
 * The decisions are pure functions (cf_reconcile_plan, cf_reconcile_fail_status,
 * cf_reconcile_result), table-tested in tests/unit/test_reconcile.c; the API calls and the
 * kind's work sit in cf_reconcile_run and the hooks.
 *
 * The failure contract. A body fails with `return cf_reconcile_fail(r, reason, flags);` after
 * recording the error (cf_err_set/cf_err_prefix). That:
 *   - sets Ready=False with the reason and the error (credentials of URLs redacted), marks
 *     observedGeneration and lastHandledReconcileAt, records lastAttemptedRevision when the
 *     body set r->revision, and removes Reconciling;
 *   - with CF_FAIL_STALLED (the spec cannot work until it changes) sets Stalled=True too;
 *     otherwise removes Stalled and sets the kind's failure_condition (if any) True;
 *   - emits a Warning event only when Ready's message changed (never with CF_FAIL_QUIET:
 *     waiting for something else, like a dependency, is not worth a warning);
 *   - writes status if it changed, and returns the error code.
 * Back-off: a failed pass returns the error to the worker with *requeue_ms = r->retry_ms: the
 * worker retries after that (spec.retryInterval, default the interval, for kinds that have
 * one; a body may shorten it), or with its exponential backoff when it is 0 (kinds without a
 * retryInterval, as Flux's source-controller). With CF_FAIL_SOON it is CF_REQUEUE_SOON: the
 * worker's backoff capped at CF_BACKOFF_SOON_MAX_MS (1 s doubling to 30 s), for a peer that
 * will be back in seconds. A Stalled failure returns 0 with no requeue: it
 * waits for a spec change. A failure whose status could not be written always returns the
 * error with no requeue (backoff): the old Ready must not stand for it. */
#ifndef CF_RECONCILE_H
#define CF_RECONCILE_H

#include <jansson.h>

#include "kube/kube.h"
#include "runtime/workqueue.h"

#define CF_REASON_INVALID_SPEC "InvalidSpec"

typedef struct cf_reconcile cf_reconcile;

/* One kind's reconcile of one object: what to read, the kind's rules, and its hooks. */
typedef struct cf_reconciler {
	cf_kube *k;
	const char *api_version, *kind, *ns, *name;
	const char *finalizer;    /* NULL: the kind keeps nothing that needs one */
	/* spec.interval when unset (0: it is required) */
	long default_interval_ms;
	/* the kind has no interval (Flux's v1beta3 Provider and Alert): no duration is read, and
	 * a success is looked at again only when the object changes */
	int no_interval;
	/* spec.timeout when unset (0: the interval) */
	long default_timeout_ms;
	/* the kind has spec.retryInterval (default: the interval); else failures back off */
	int retry_interval;
	/* a condition set True on a failure that is not Stalled (source-controller's FetchFailed),
	 * removed by cf_reconcile_ready; NULL: none */
	const char *failure_condition;
	/* the object is not found (deleted without the finalizer, or a late event); NULL: nothing */
	int  (*on_gone)(const struct cf_reconciler *rc);
	/* the object is being deleted; the finalizer is removed when this returns 0. NULL: none */
	int  (*finalize)(cf_reconcile *r);
	/* the object is suspended (after requestedAt is answered); NULL: nothing */
	int  (*on_suspend)(cf_reconcile *r);
	/* the kind's work: 0 (the status it set is written; r->requeue_ms, if set, instead of the
	 * interval) or cf_reconcile_fail's result. Another negative code returns as it is. */
	int  (*body)(cf_reconcile *r);
	/* records an event about r->obj (type "Normal" or "Warning"); may be NULL */
	void (*event)(cf_reconcile *r, const char *type, const char *reason, const char *message);
	void *ctx;
} cf_reconciler;

/* One pass, as the hooks see it. Everything here is owned by the lifecycle. */
struct cf_reconcile {
	const cf_reconciler *rc;
	void *ctx;                /* rc->ctx */
	cf_kube *k;
	const char *ns, *name;
	char key[512];            /* "ns/name" */
	json_t *obj;              /* as read (its status is replaced by each write) */
	const json_t *spec;
	long long generation;
	json_t *status;           /* the status being built: written only where it differs */
	json_t *written;          /* the status as read or last written */
	long interval_ms, retry_ms, timeout_ms;
	int durations_ok;         /* the three parsed (finalize runs even when they did not) */
	long requeue_ms;          /* set by the body: the next look on success, 0: the interval */
	char revision[512];       /* what the pass works on: lastAttemptedRevision on failure */
	/* how it ended (cf_reconcile_fail) */
	int failed, stalled, soon, status_unwritten;
};

/* What to do with an object (NULL: not found), and its durations. */
typedef enum cf_reconcile_step {
	CF_STEP_GONE,
	CF_STEP_FINALIZE,
	CF_STEP_ADD_FINALIZER,
	CF_STEP_SUSPENDED,
	CF_STEP_INVALID,          /* a duration is missing or bad: p->error says which */
	CF_STEP_BODY,
} cf_reconcile_step;

typedef struct cf_reconcile_plan {
	cf_reconcile_step step;
	long interval_ms, retry_ms, timeout_ms;
	int durations_ok;
	char error[512];
} cf_reconcile_plan;

/* Decides the step for obj under rc's rules. Pure. */
void cf_reconcile_plan_for(cf_reconcile_plan *p, const cf_reconciler *rc, const json_t *obj);
/* Short names of the steps, for tests and traces. */
const char *cf_reconcile_step_str(cf_reconcile_step s);

enum {
	CF_FAIL_STALLED = 1 << 0,   /* the spec cannot work: Stalled=True, no retry */
	CF_FAIL_QUIET   = 1 << 1,   /* no Warning event */
	/* a peer is not there now (CF_EUNAVAIL: the source-controller restarting): retried with
	 * the short backoff (CF_REQUEUE_SOON), not after retryInterval */
	CF_FAIL_SOON    = 1 << 2,
};

/* The failure's changes to status (see the contract above); revision and failure_condition
 * may be NULL or "". Returns 1 when a Warning event is due, 0 when not, CF_ENOMEM. Pure. */
int cf_reconcile_fail_status(json_t *status, const json_t *obj, const char *reason, const char *message,
			     unsigned flags, const char *revision, const char *failure_condition);
/* What the pass returns to the worker: rc is the body's (or step's) result. Pure. */
int cf_reconcile_result(long *requeue_ms, const cf_reconcile *r, int rc);

/* Runs the lifecycle for rc once: 0 or a negative code, *requeue_ms as the worker wants it. */
int cf_reconcile_run(long *requeue_ms, const cf_reconciler *rc);

/* The failure contract for the error recorded now; returns its code (negative). */
int cf_reconcile_fail(cf_reconcile *r, const char *reason, unsigned flags);
/* Ready=True with reason and message; Stalled, Reconciling and the failure condition go. */
int cf_reconcile_ready(cf_reconcile *r, const char *reason, const char *message);
/* Marks observedGeneration and lastHandledReconcileAt and writes status if it changed: for a
 * body that must publish its status before it tells others (an event, a notice). */
int cf_reconcile_write_status(cf_reconcile *r);

#endif
