/* notification-controller/main.c - the process: flags, the event intake (nng PULL and HTTP),
 * watches on Providers and Alerts (kept in memory) and Receivers (reconciled), the webhook
 * server, and the delivery threads. SIGTERM stops it cleanly. */
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/controller.h"
#include "runtime/status.h"
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
	.queue_size = 5000,
	.queue_per_provider = 1000,
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

static const cf_controller_def def;

int nc_new_client(nc_ctl *c, cf_kube **k)
{
	(void)c;
	return cf_controller_client(&def, k);
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

/* The kinds: one row each (runtime/controller.h). Providers and Alerts are kept in memory for
 * the dispatcher, and their Ready written; Receivers are reconciled. */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_PROVIDER, on_provider, provider_wants_reconcile, provider_reconcile, 0 },
	{ CF_KIND_ALERT, on_alert, provider_wants_reconcile, alert_reconcile, 0 },
	{ CF_KIND_RECEIVER, NULL, receiver_wants_reconcile, receiver_reconcile, 0 },
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

static cf_bus_sub *pull;
static pthread_t intake;
static int http_stopped;

static int setup(void *ctx)
{
	(void)ctx;
	pthread_mutex_init(&ctl.mu, NULL);
	ctl.providers = json_object();
	ctl.alerts = json_object();
	ctl.receivers = json_object();
	if (ctl.providers == NULL || ctl.alerts == NULL || ctl.receivers == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (dispatcher_start(&ctl.d, &ctl) < 0 || cf_bus_sub_open(&pull, ctl.events_addr, 1) < 0 ||
	    cf_bus_sub_require_token(pull, ctl.internal_token) < 0)
		return -1;
	return http_start(&ctl);
}

static int run(void *ctx)
{
	(void)ctx;
	if (pthread_create(&intake, NULL, intake_thread, pull) != 0)
		return cf_err_set(CF_ERR, "cannot start the event intake thread");
	if (ctl.internal_token == NULL)
		cf_log(CF_LOG_WARN, "no --internal-token-file: anyone who reaches the event intake can send events", NULL);
	cf_log(CF_LOG_INFO, "started", "events", ctl.events_addr, "events_http", ctl.events_http_addr,
	       "receivers", ctl.receiver_addr, NULL);
	return 0;
}

/* The HTTP servers answer what waits with 503 before the workers finish. */
static void stopping(void *ctx)
{
	(void)ctx;
	http_stop();
	http_stopped = 1;
}

static void join(void *ctx)
{
	(void)ctx;
	pthread_join(intake, NULL);
}

static void teardown(void *ctx)
{
	(void)ctx;
	if (!http_stopped)
		http_stop();
	dispatcher_stop(ctl.d);
	cf_bus_sub_free(pull);
	json_decref(ctl.providers);
	json_decref(ctl.alerts);
	json_decref(ctl.receivers);
}

/* Two workers; failures back off up to a minute. */
static const long workers = 2, requeue_max_ms = 60000;

static const cf_controller_def def = {
	.name = NOTIFICATION_CONTROLLER,
	.usage = "usage: notification-controller [flags]\n\nSends Flux events to Slack, PagerDuty, Teams, Discord, "
		 "webhooks and commit statuses; takes webhooks in through Receivers.",
	.flags = flags, .nflags = sizeof(flags) / sizeof(flags[0]), .kinds = &KINDS, .ctx = &ctl,
	.bind = CF_CONTROLLER_BIND(ctl), .workers = &workers, .requeue_max_ms = &requeue_max_ms,
	.setup = setup, .run = run, .stopping = stopping, .join = join, .teardown = teardown,
};

int main(int argc, char **argv)
{
	return cf_controller_main(&def, argc, argv);
}
