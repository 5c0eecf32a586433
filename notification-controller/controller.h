/* notification-controller/controller.h - what main.c, the dispatcher and the receivers share. */
#ifndef NOTIFICATION_CONTROLLER_H
#define NOTIFICATION_CONTROLLER_H

#include "bus/bus.h"
#include "kube/kube.h"
#include "runtime/kinds.h"
#include "runtime/workqueue.h"

#include <pthread.h>

#define NOTIFICATION_CONTROLLER "notification-controller"
#define NOTIFICATION_GROUP_V1BETA3 CF_AV_PROVIDER /* and CF_AV_ALERT */
#define NOTIFICATION_GROUP_V1 CF_AV_RECEIVER

typedef struct dispatcher dispatcher;

typedef struct nc_ctl {
	/* flags */
	const char *kubeconfig, *context, *watch_namespace, *log_level;
	const char *events_addr, *events_http_addr, *receiver_addr, *internal_token_file;
	long queue_size, queue_per_provider, dedup_ms, retry_max_ms, max_age_ms, senders;
	int no_cross_namespace_refs;
	/* run time */
	char *internal_token;     /* events must carry it (nng, and HTTP as a Bearer token); NULL: none asked */
	pthread_mutex_t mu;       /* guards the caches */
	json_t *providers;        /* "ns/name" -> Provider */
	json_t *alerts;           /* "ns/name" -> Alert */
	json_t *receivers;        /* webhook path -> {"key": "ns/name", "receiver": Receiver} (no token) */
	dispatcher *d;
	cf_workqueue *queue;      /* the workers' keys: "Kind/ns/name" (runtime/controller.h) */
	volatile long malformed;  /* events refused */
	volatile int stop;
} nc_ctl;

int  nc_new_client(nc_ctl *c, cf_kube **k);

/* ---- dispatch.c ---- */

/* Starts the delivery threads. */
int  dispatcher_start(dispatcher **out, nc_ctl *c);
/* Stops them; what is still queued is logged as dropped. */
void dispatcher_stop(dispatcher *d);
/* An event as received (JSON text): checked, matched against the Alerts, queued for each
 * Provider. k is the caller's client (for secrets and labels). CF_EINVAL for a malformed event. */
int  dispatcher_event(dispatcher *d, cf_kube *k, const char *data, size_t len);

/* ---- receiver.c ---- */

/* Reconciles Receiver ns/name: webhook path from its secret's token, status, the path map;
 * looks again after spec.interval (the token may be rotated). */
int  receiver_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* ---- provider.c ---- */

/* Reconcile Provider and Alert ns/name (c: the nc_ctl) on the lifecycle: their Ready
 * condition. A Provider that is not ready fails (retried with backoff: its secret may come);
 * an Alert without its Provider fails quietly (looked at again when the Provider comes). */
int  provider_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
int  alert_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* ---- lockdown.c ---- */

/* With --no-cross-namespace-refs: CF_EAUTH (Flux's words, naming the field) when obj, a
 * Receiver (kind "Receiver": spec.resources) or an Alert (spec.eventSources), names another
 * namespace; else 0. */
int  nc_refs_refused(const nc_ctl *c, const char *kind, const json_t *obj);
/* With --no-cross-namespace-refs: 1 (logged, as Flux logs it) when event comes from another
 * namespace than alert's, which then does not send it; else 0. */
int  nc_event_refused(const nc_ctl *c, const json_t *alert, const json_t *event);

/* Starts the HTTP servers, events (POST /) and receivers (/hook/...), and the threads that
 * do their work (API calls must not run in nng's callbacks). */
int  http_start(nc_ctl *c);
/* Answers what is queued with 503, lets the work in flight finish, stops the servers. */
void http_stop(void);

#endif
