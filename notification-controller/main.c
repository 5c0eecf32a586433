/* notification-controller/main.c - the process: flags, the event intake (nng PULL and HTTP),
 * watches on Providers and Alerts (kept in memory) and Receivers (reconciled), the webhook
 * server, and the delivery threads. SIGTERM stops it cleanly. */
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/status.h"
#include "runtime/worker.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static nc_ctl ctl = {
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.events_http_addr = CF_DEFAULT_EVENTS_HTTP_ADDR,
	.receiver_addr = CF_DEFAULT_RECEIVER_ADDR,
	.log_level = "info",
	.queue_size = 1000,
	.queue_per_provider = 100,
	.dedup_ms = 5L * 60 * 1000,
	.retry_max_ms = 30000,
	.max_age_ms = 60L * 60 * 1000,
	.senders = 2,
};

static const cf_flag flags[] = {
	CF_CONTROLLER_COMMON_FLAGS(ctl, "nng address the controllers PUSH events to (this listens)",
				   "file holding the token events must carry (nng, and HTTP as Authorization: Bearer)"),
	{ "events-http-addr", CF_FLAG_STRING, &ctl.events_http_addr, "host:port for events POSTed as Flux event JSON", 0 },
	{ "receiver-addr", CF_FLAG_STRING, &ctl.receiver_addr, "host:port of the webhook receivers (/hook/...)", 0 },
	{ "delivery-queue-size", CF_FLAG_INT, &ctl.queue_size, "notifications waiting for delivery, at most", 1 },
	{ "delivery-queue-per-provider", CF_FLAG_INT, &ctl.queue_per_provider, "notifications waiting for one provider, at most", 1 },
	{ "dedup-window", CF_FLAG_DURATION, &ctl.dedup_ms, "how long an identical notification is suppressed", 1000 },
	{ "retry-max", CF_FLAG_DURATION, &ctl.retry_max_ms, "longest wait between delivery attempts", 1000 },
	{ "delivery-max-age", CF_FLAG_DURATION, &ctl.max_age_ms, "how long a notification is retried before it is dropped", 1000 },
	{ "senders", CF_FLAG_INT, &ctl.senders, "delivery threads", 1 },
	{ "no-cross-namespace-refs", CF_FLAG_BOOL, &ctl.no_cross_namespace_refs,
	  "refuse Receiver resources and Alert eventSources in another namespace (Ready=False, AccessDenied)", 0 },
};

int nc_new_client(nc_ctl *c, cf_kube **k)
{
	return cf_kube_new_for(k, c->kubeconfig, c->context, NOTIFICATION_CONTROLLER);
}

static int worker_client(void *ctx, cf_kube **k)
{
	return nc_new_client(ctx, k);
}

static void cache_update(json_t *cache, const char *type, const json_t *obj)
{
	char key[512];

	if (cf_status_key(key, sizeof(key), obj) < 0)
		return;
	pthread_mutex_lock(&ctl.mu);
	if (strcmp(type, "DELETED") == 0)
		json_object_del(cache, key);
	else
		json_object_set_new(cache, key, json_deep_copy(obj));
	pthread_mutex_unlock(&ctl.mu);
}

static int provider_wants_reconcile(const char *type, const json_t *obj)
{
	return strcmp(type, "DELETED") != 0 && cf_status_wants_reconcile(type, obj, 0);
}

static int receiver_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 1);
}

static void on_provider(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	const char *key;
	json_t *a, *alerts;
	size_t n = 0;

	(void)ctx;
	(void)kind;
	cache_update(ctl.providers, type, obj);
	/* the Alerts of this namespace may have been waiting for it, or lose it */
	pthread_mutex_lock(&ctl.mu);
	alerts = json_deep_copy(ctl.alerts);
	pthread_mutex_unlock(&ctl.mu);
	json_object_foreach(alerts, key, a)
		if (ns && json_string_value(json_object_get(json_object_get(a, "metadata"), "namespace")) &&
		    strcmp(json_string_value(json_object_get(json_object_get(a, "metadata"), "namespace")), ns) == 0 && n++ < 1000)
			cf_work_enqueue(ctl.queue, CF_KIND_ALERT, a);
	json_decref(alerts);
}

static void on_alert(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	(void)ctx;
	(void)kind;
	cache_update(ctl.alerts, type, obj);
}

static int reconcile_provider(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	*requeue_ms = 0;
	return provider_reconcile(c, k, "Provider", ns, name);
}

static int reconcile_alert(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	*requeue_ms = 0;
	return provider_reconcile(c, k, "Alert", ns, name);
}

/* The kinds: one row each (runtime/controller.h). Providers and Alerts are kept in memory for
 * the dispatcher, and their Ready written; Receivers are reconciled. */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_PROVIDER, on_provider, provider_wants_reconcile, reconcile_provider },
	{ CF_KIND_ALERT, on_alert, provider_wants_reconcile, reconcile_alert },
	{ CF_KIND_RECEIVER, NULL, receiver_wants_reconcile, receiver_reconcile },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

/* Events PUSHed by the controllers. */
static void *intake_thread(void *arg)
{
	cf_bus_sub *pull = arg;
	cf_buf scratch = CF_BUF_INIT(1u << 20);
	cf_kube *k = NULL;

	while (!ctl.stop) {
		cf_bus_msg m;
		if (cf_bus_sub_recv(pull, &m, &scratch, 200) < 0)
			continue;
		if (m.type != CF_BUS_EVENT)
			continue;
		if (k == NULL && nc_new_client(&ctl, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client; event dropped", "error", cf_err_msg(), NULL);
			continue;
		}
		dispatcher_event(ctl.d, k, m.json, strlen(m.json));
	}
	cf_kube_free(k);
	cf_buf_free(&scratch);
	return NULL;
}

int main(int argc, char **argv)
{
	static cf_worker worker;
	cf_kind_watches *watches = NULL;
	pthread_t intake, *workers = NULL;
	cf_bus_sub *pull = NULL;
	int rc, started = 0;

	rc = cf_controller_flags(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, "notification-controller",
				 "usage: notification-controller [flags]\n\nSends Flux events to Slack, PagerDuty, Teams, Discord, "
				 "webhooks and commit statuses; takes webhooks in through Receivers.",
				 &ctl.log_level);
	if (rc >= 0)
		return rc;
	pthread_mutex_init(&ctl.mu, NULL);
	ctl.providers = json_object();
	ctl.alerts = json_object();
	ctl.receivers = json_object();
	if (ctl.providers == NULL || ctl.alerts == NULL || ctl.receivers == NULL ||
	    (ctl.internal_token_file && cf_bus_token_load(&ctl.internal_token, ctl.internal_token_file) < 0) ||
	    cf_workqueue_new(&ctl.queue, 1000, 60000) < 0 ||
	    dispatcher_start(&ctl.d, &ctl) < 0 ||
	    cf_bus_sub_open(&pull, ctl.events_addr, 1) < 0 ||
	    cf_bus_sub_require_token(pull, ctl.internal_token) < 0 ||
	    http_start(&ctl) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	cf_stop_on_signals(&ctl.stop);
	worker = (cf_worker){ ctl.queue, worker_client, &KINDS, &ctl };
	if (cf_worker_pool_start(&workers, 2, &worker) < 0 ||
	    cf_kind_watches_start(&watches, &KINDS, ctl.watch_namespace, ctl.queue, worker_client, &ctl, &ctl.stop) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	pthread_create(&intake, NULL, intake_thread, pull);
	started = 1;
	if (ctl.internal_token == NULL)
		cf_log(CF_LOG_WARN, "no --internal-token-file: anyone who reaches the event intake can send events", NULL);
	cf_log(CF_LOG_INFO, "started", "events", ctl.events_addr, "events_http", ctl.events_http_addr,
	       "receivers", ctl.receiver_addr, NULL);
	cf_wait_for_stop(&ctl.stop);
	http_stop();
	cf_worker_pool_join(workers, 2, ctl.queue);
	workers = NULL;
	cf_kind_watches_join(watches);
	pthread_join(intake, NULL);
	rc = 0;
out:
	if (!started)
		http_stop();
	cf_worker_pool_join(workers, 2, ctl.queue);
	dispatcher_stop(ctl.d);
	cf_bus_sub_free(pull);
	cf_workqueue_free(ctl.queue);
	json_decref(ctl.providers);
	json_decref(ctl.alerts);
	json_decref(ctl.receivers);
	cf_bus_token_free(ctl.internal_token);
	return rc;
}
