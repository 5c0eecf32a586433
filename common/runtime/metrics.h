/* common/runtime/metrics.h - a controller's Prometheus metrics and health probes.
 *
 * The metrics are one table (cf_metric_id, defined in metrics.c): the names Flux and
 * controller-runtime expose (gotk_*, controller_runtime_*, workqueue_*), and cflux_* where Flux
 * has none. A series is a family plus its label values, created on first use; every update
 * takes one mutex. The registry is bounded: past CF_METRICS_SERIES_MAX series in all, a new
 * label set is not recorded (its update is dropped, counted in
 * cflux_metrics_series_dropped_total and logged once); the series that exist go on moving.
 * The series of an object (families labelled kind,name,namespace first) are removed when the
 * object is gone (cf_metrics_forget_object).
 *
 * The HTTP side (nng's HTTP server): GET /metrics on --metrics-addr answers the text
 * exposition format 0.0.4; GET /healthz and /readyz on --health-addr answer 200 "ok" (readyz:
 * 503 until every watch has listed (is in sync), and again once the process is stopping). An address
 * ":PORT" binds every interface (as Flux in the cluster); "" turns the server off. */
#ifndef CF_METRICS_H
#define CF_METRICS_H

#include "util/buf.h"

#include <stddef.h>

#define CF_METRICS_SERIES_MAX 20000
#define CF_METRICS_LABELS_MAX 5

typedef enum cf_metric_id {
	/* by kind, name, namespace (Flux's runtime/metrics) */
	CF_M_RECONCILE_DURATION,        /* gotk_reconcile_duration_seconds, histogram */
	CF_M_RECONCILE_CONDITION,       /* gotk_reconcile_condition{...,type,status}, gauge */
	CF_M_SUSPEND_STATUS,            /* gotk_suspend_status, gauge */
	CF_M_ARTIFACT_SIZE,             /* cflux_artifact_size_bytes, gauge (source-controller) */
	CF_M_SOURCE_FETCH_DURATION,     /* cflux_source_fetch_duration_seconds, histogram */
	/* by controller (controller-runtime's names; the controller is the lowercase Kind) */
	CF_M_RECONCILE_TOTAL,           /* controller_runtime_reconcile_total{controller,result} */
	CF_M_RECONCILE_ERRORS,          /* controller_runtime_reconcile_errors_total{controller} */
	CF_M_RECONCILE_TIME,            /* controller_runtime_reconcile_time_seconds{controller} */
	CF_M_ACTIVE_WORKERS,            /* controller_runtime_active_workers{controller} */
	/* by queue name (the lowercase Kind of the key) */
	CF_M_WORKQUEUE_DEPTH,           /* workqueue_depth{name}, gauge (set when scraped) */
	CF_M_WORKQUEUE_ADDS,            /* workqueue_adds_total{name} */
	CF_M_WORKQUEUE_QUEUE_DURATION,  /* workqueue_queue_duration_seconds{name}, histogram */
	CF_M_WORKQUEUE_WORK_DURATION,   /* workqueue_work_duration_seconds{name}, histogram */
	/* notification-controller */
	CF_M_DELIVERIES,                /* cflux_notification_deliveries_total{namespace,provider,type,result} */
	                                /* result: success, retry (failed, tried again), dropped */
	/* the registry itself */
	CF_M_SERIES_DROPPED,            /* cflux_metrics_series_dropped_total, unlabelled */
	CF_M__COUNT
} cf_metric_id;

/* Seconds on the monotonic clock: what durations are measured with. */
double cf_metrics_clock(void);

/* The name of metric m ("gotk_reconcile_duration_seconds"). */
const char *cf_metric_name(cf_metric_id m);

/* The updates; values are the family's label values in its order (as many as it has; NULL
 * for an unlabelled family), copied. A histogram's value is an observation. Never fail: out of
 * memory or at the cap the update is dropped (see above). */
void cf_metric_add(cf_metric_id m, const char *const *values, double v);   /* counter, gauge */
void cf_metric_set(cf_metric_id m, const char *const *values, double v);   /* gauge */
void cf_metric_observe(cf_metric_id m, const char *const *values, double v); /* histogram */
/* Every gauge of family m back to 0 (the series stay). */
void cf_metric_zero(cf_metric_id m);

/* Removes every series of kind/ns/name (the families labelled kind,name,namespace). */
void cf_metrics_forget_object(const char *kind, const char *ns, const char *name);

/* The controller and queue label of a Kind: "GitRepository" -> "gitrepository" (at most
 * size - 1 bytes). */
void cf_metrics_controller(char *out, size_t size, const char *kind);
/* Creates the controller's series at 0, as controller-runtime does when it starts (every
 * reconcile result, the errors, the queue's depth and adds): for the lowercase Kind. */
void cf_metrics_init_controller(const char *kind);

/* Appends every family with a series (unlabelled ones always) in the text exposition format
 * 0.0.4 to out: HELP and TYPE, label values escaped (\\ \" \n), histograms with cumulative
 * _bucket lines ending at le="+Inf", then _sum and _count. First runs the collector (the
 * gauges computed when scraped). 0, or CF_ENOMEM / CF_ETOOBIG from out. */
int  cf_metrics_write(cf_buf *out);
/* The collector, run before each write (NULL: none); one per process. */
void cf_metrics_set_collector(void (*collect)(void *payload), void *payload);
/* Forgets every series and the collector (tests; a process's end). */
void cf_metrics_reset(void);

/* ---- the endpoints ---- */

/* The flags' values (CF_CONTROLLER_COMMON_FLAGS): defaults ":8080" and ":9440", Flux's. */
extern const char *cf_metrics_addr_flag;
extern const char *cf_health_addr_flag;

/* Starts the servers of the flags' addresses. An address given on the command line that
 * cannot be served fails the start (CF_EIO, naming flag and address); the default address
 * that cannot be bound (another controller of this host has it) is logged as a warning and
 * left off. */
int  cf_metrics_serve(void);
/* Stops the servers and runs the collector no more. Safe when not started. */
void cf_metrics_serve_stop(void);

/* Readiness: the watches a controller starts (n), each heard in sync once
 * (cf_health_watch_synced), and its stopping. */
void cf_health_expect_watches(int n);
void cf_health_watch_synced(void);
void cf_health_stopping(void);
/* 1 when /readyz answers 200. */
int  cf_health_ready(void);

#endif
