/* notification-controller/dispatch.c - events in, Alerts matched, Provider requests queued,
 * delivered with retries. One request per provider is in flight at a time and a provider's
 * requests leave in order; a provider that is down waits on its own backoff and holds no
 * other provider back, neither in time nor in room: the queue is bounded in all and per
 * provider. What does not fit, or is still undelivered after --delivery-max-age, is dropped
 * and counted; only what was queued counts as sent for the duplicate window. */
#include "controller.h"

#include "http/http.h"
#include "kube/secret.h"
#include "runtime/metrics.h"
#include "notify.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 15000L
#define REFUSAL_SHOWN      300     /* bytes of a refusal's body in the error */

typedef struct item {
	char provider[512];      /* "ns/name" */
	char type[64];           /* the Provider's spec.type */
	char what[700];          /* for logs: provider, type and event */
	cf_notify_request req;
	long timeout_ms;
	unsigned char *ca;
	size_t ca_len;
	char *proxy;
	int attempts;
	double first_at, next_at;
	struct item *next;
} item;

struct dispatcher {
	nc_ctl *c;
	pthread_mutex_t mu;
	item *head, *tail;
	size_t len;
	json_t *inflight;        /* provider -> true */
	json_t *seen;            /* dedup key -> time first sent (seconds) */
	long dropped, delivered;
	pthread_t *threads;
	int nthreads;
	volatile int stop;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void item_free(item *it)
{
	if (it == NULL)
		return;
	cf_notify_request_free(&it->req);
	cf_free(it->ca);
	cf_free(it->proxy);
	cf_free(it);
}

/* ---- delivery ---- */

/* cflux_notification_deliveries_total (runtime/metrics.h) of it: result success, retry or
 * dropped. */
static void count_delivery(const item *it, const char *result)
{
	char ns[256];
	const char *slash = strchr(it->provider, '/');

	snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - it->provider) : 0, it->provider);
	cf_metric_add(CF_M_DELIVERIES, (const char *[]){ ns, slash ? slash + 1 : it->provider, it->type, result }, 1);
}

/* A provider's answer to a delivery is not read; only a refusal's first bytes are kept. */
static int discard(const void *data, size_t len, void *payload)
{
	(void)data; (void)len; (void)payload;
	return 0;
}

static int build_headers(cf_http_headers *hl, const json_t *headers)
{
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)headers, k, v)
		if (rc == 0 && json_is_string(v))
			rc = cf_http_headers_add(hl, k, json_string_value(v));
	return rc;
}

/* One attempt (the dispatcher retries, per provider): 0 on a 2xx, else -1 with err set. The
 * address is not named in err: it is the provider's secret (a webhook URL carries a token). */
static int send_request(item *it, long *code, char *err, size_t esize)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_headers hl = CF_HTTP_HEADERS_INIT;
	cf_http_response r;
	cf_http *h = NULL;
	int rc, ok;

	memset(&r, 0, sizeof(r));
	*code = 0;
	o.user_agent = "cflux-notification-controller";
	o.timeout_ms = it->timeout_ms;
	o.max_retries = 0;
	o.proxy = it->proxy;
	o.proxy_from_env = 1;
	o.tls.ca = it->ca;
	o.tls.ca_len = it->ca_len;
	req.method = it->req.method;
	req.url = it->req.url;
	req.body = it->req.body.data ? it->req.body.data : "";
	req.body_len = it->req.body.len;
	req.sink = discard;
	req.shown_as = "the provider's address";
	if ((rc = cf_http_new(&h, &o)) == 0 && (rc = build_headers(&hl, it->req.headers)) == 0) {
		req.headers = (const char *const *)hl.lines;
		rc = cf_http_do(h, &req, &r);
	}
	*code = r.code;
	ok = rc == 0 && r.code >= 200 && r.code <= 299;
	if (rc < 0)
		snprintf(err, esize, "%s", cf_err_msg());
	else if (r.code < 200 || r.code > 299)
		snprintf(err, esize, "HTTP %ld: %.*s", r.code,
			 (int)cf_utf8_cut(cf_http_body(&r), r.body.len < REFUSAL_SHOWN ? r.body.len : REFUSAL_SHOWN),
			 cf_http_body(&r));
	cf_http_headers_free(&hl);
	cf_http_response_free(&r);
	cf_http_free(h);
	return ok ? 0 : -1;
}

/* The first queued item of each provider is its next; take the first of those that is due
 * and whose provider has nothing in flight. Called locked. */
static item *take_due(dispatcher *d, double now)
{
	json_t *firsts = json_object();
	item *it, *found = NULL;

	for (it = d->head; it; it = it->next) {
		if (json_object_get(firsts, it->provider))
			continue;
		json_object_set_new(firsts, it->provider, json_true());
		if (it->next_at <= now && json_object_get(d->inflight, it->provider) == NULL) {
			found = it;
			break;
		}
	}
	json_decref(firsts);
	if (found)
		json_object_set_new(d->inflight, found->provider, json_true());
	return found;
}

static void unlink_item(dispatcher *d, item *target)
{
	item *it, *prev = NULL;

	for (it = d->head; it; prev = it, it = it->next)
		if (it == target) {
			if (prev)
				prev->next = it->next;
			else
				d->head = it->next;
			if (d->tail == it)
				d->tail = prev;
			d->len--;
			return;
		}
}

static void *sender(void *arg)
{
	dispatcher *d = arg;
	struct timespec nap = { 0, 50 * 1000000L };

	while (!d->stop) {
		item *it;
		char err[512] = "", att[32], dropped[32], what[700];
		long code = 0;
		int ok, given_up;

		pthread_mutex_lock(&d->mu);
		it = take_due(d, now_s());
		pthread_mutex_unlock(&d->mu);
		if (it == NULL) {
			nanosleep(&nap, NULL);
			continue;
		}
		ok = send_request(it, &code, err, sizeof(err)) == 0;
		pthread_mutex_lock(&d->mu);
		json_object_del(d->inflight, it->provider);
		it->attempts++;
		given_up = !ok && now_s() - it->first_at >= d->c->max_age_ms / 1000.0;
		if (ok || given_up) {
			unlink_item(d, it);
			if (ok)
				d->delivered++;
			else
				d->dropped++;
		} else {
			double backoff = 1.0;
			for (int i = 1; i < it->attempts && backoff * 1000 < d->c->retry_max_ms; i++)
				backoff *= 2;
			if (backoff * 1000 > d->c->retry_max_ms)
				backoff = d->c->retry_max_ms / 1000.0;
			it->next_at = now_s() + backoff;
		}
		snprintf(att, sizeof(att), "%d", it->attempts);
		snprintf(dropped, sizeof(dropped), "%ld", d->dropped);
		snprintf(what, sizeof(what), "%s", it->what);   /* a retried item may be taken again once unlocked */
		pthread_mutex_unlock(&d->mu);
		if (ok || given_up) {
			count_delivery(it, ok ? "success" : "dropped");
			item_free(it);
		} else {
			count_delivery(it, "retry");
		}
		if (ok)
			cf_log(CF_LOG_DEBUG, "delivered", "to", what, "attempts", att, NULL);
		else if (given_up)
			cf_log(CF_LOG_ERROR, "delivery given up", "to", what, "error", err, "attempts", att,
			       "dropped_total", dropped, NULL);
		else
			cf_log(CF_LOG_WARN, "delivery failed; will retry", "to", what, "error", err, "attempts", att, NULL);
	}
	return NULL;
}

int dispatcher_start(dispatcher **out, nc_ctl *c)
{
	dispatcher *d = cf_calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL || (d->inflight = json_object()) == NULL || (d->seen = json_object()) == NULL ||
	    (d->threads = cf_calloc((size_t)c->senders, sizeof(*d->threads))) == NULL) {
		if (d) {
			json_decref(d->inflight);
			json_decref(d->seen);
		}
		cf_free(d);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	d->c = c;
	pthread_mutex_init(&d->mu, NULL);
	for (; d->nthreads < c->senders; d->nthreads++)
		if (pthread_create(&d->threads[d->nthreads], NULL, sender, d) != 0)
			break;
	*out = d;
	return 0;
}

void dispatcher_stop(dispatcher *d)
{
	item *it, *next;

	if (d == NULL)
		return;
	d->stop = 1;
	for (int i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	if (d->len > 0) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", d->len);
		cf_log(CF_LOG_WARN, "stopping with undelivered notifications", "dropped", n, NULL);
	}
	for (it = d->head; it; it = next) {
		next = it->next;
		item_free(it);
	}
	json_decref(d->inflight);
	json_decref(d->seen);
	pthread_mutex_destroy(&d->mu);
	cf_free(d->threads);
	cf_free(d);
}

/* ---- intake ---- */

static json_t *involved_labels(cf_kube *k, const json_t *event)
{
	const json_t *io = json_object_get(event, "involvedObject");
	json_t *o = NULL, *labels;

	if (cf_json_str(io, "apiVersion") == NULL ||
	    cf_kube_get(k, &o, &(cf_kube_ref){ cf_json_str(io, "apiVersion"), cf_json_str(io, "kind"), cf_json_str(io, "namespace"), cf_json_str(io, "name") }) < 0) {
		cf_err_clear();
		return json_object();
	}
	labels = json_incref(json_object_get(json_object_get(o, "metadata"), "labels"));
	json_decref(o);
	return labels ? labels : json_object();
}

/* Whether key was queued in the last --dedup window. Called locked. */
static int seen_recently(dispatcher *d, const char *key, double now)
{
	const char *k;
	json_t *v, *tmp;

	json_object_foreach_safe(d->seen, tmp, k, v)
		if (now - json_real_value(v) > d->c->dedup_ms / 1000.0)
			json_object_del(d->seen, k);
	return json_object_get(d->seen, key) != NULL;
}

static size_t queued_for(dispatcher *d, const char *provider)
{
	size_t n = 0;

	for (item *it = d->head; it; it = it->next)
		n += strcmp(it->provider, provider) == 0;
	return n;
}

/* Queues it unless it is a duplicate or there is no room (in all, or for its provider: one
 * that is down must not crowd out the others); the dedup key is recorded only once queued,
 * so a dropped notification is not also suppressed when it comes again. Frees it if not. */
static void enqueue(dispatcher *d, item *it, const char *dedup)
{
	const char *full = NULL;
	char n[32];
	double now = now_s();

	pthread_mutex_lock(&d->mu);
	if (seen_recently(d, dedup, now)) {
		pthread_mutex_unlock(&d->mu);
		cf_log(CF_LOG_DEBUG, "duplicate suppressed", "to", it->what, NULL);
		item_free(it);
		return;
	}
	if ((long)d->len >= d->c->queue_size)
		full = "delivery queue full; notification dropped";
	else if ((long)queued_for(d, it->provider) >= d->c->queue_per_provider)
		full = "provider's delivery queue full; notification dropped";
	if (full) {
		d->dropped++;
		snprintf(n, sizeof(n), "%ld", d->dropped);
		pthread_mutex_unlock(&d->mu);
		cf_log(CF_LOG_ERROR, full, "to", it->what, "dropped_total", n, NULL);
		count_delivery(it, "dropped");
		item_free(it);
		return;
	}
	json_object_set_new(d->seen, dedup, json_real(now));
	it->first_at = it->next_at = now;
	if (d->tail)
		d->tail->next = it;
	else
		d->head = it;
	d->tail = it;
	d->len++;
	pthread_mutex_unlock(&d->mu);
}

static int duplicate(dispatcher *d, const char *key)
{
	int dup;

	pthread_mutex_lock(&d->mu);
	dup = seen_recently(d, key, now_s());
	pthread_mutex_unlock(&d->mu);
	return dup;
}

/* Builds and queues the request of one Provider for one event. */
static void deliver_to(dispatcher *d, cf_kube *k, const char *pkey, const json_t *provider, const json_t *event)
{
	const json_t *spec = json_object_get(provider, "spec");
	const char *ns = cf_json_str(json_object_get(provider, "metadata"), "namespace");
	const char *sref = cf_json_str(json_object_get(spec, "secretRef"), "name");
	const char *cref = cf_json_str(json_object_get(spec, "certSecretRef"), "name");
	json_t *secret = NULL, *certs = NULL;
	char dedup[72], key[600];
	item *it;
	int rc, secret_rc;

	cf_notify_dedup_key(dedup, pkey, event);
	if (duplicate(d, dedup)) {
		cf_log(CF_LOG_DEBUG, "duplicate suppressed", "provider", pkey, NULL);
		return;
	}
	it = cf_calloc(1, sizeof(*it));
	if (it == NULL)
		return;
	snprintf(it->provider, sizeof(it->provider), "%s", pkey);
	snprintf(it->type, sizeof(it->type), "%s", cf_json_str(spec, "type") ? cf_json_str(spec, "type") : "");
	snprintf(it->what, sizeof(it->what), "Provider/%s (%s) for %s/%s/%s", pkey, cf_json_str(spec, "type"),
		 cf_json_str(json_object_get(event, "involvedObject"), "kind"), cf_json_str(json_object_get(event, "involvedObject"), "namespace"),
		 cf_json_str(json_object_get(event, "involvedObject"), "name"));
	it->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (cf_json_str(spec, "timeout") && cf_duration_parse(&it->timeout_ms, cf_json_str(spec, "timeout")) < 0)
		it->timeout_ms = DEFAULT_TIMEOUT_MS;
	rc = sref ? cf_kube_secret_get(k, &secret, ns, sref) : 0;
	if (rc == 0 && cref && (rc = cf_kube_secret_get(k, &certs, ns, cref)) == 0 && cf_json_str(certs, "ca.crt")) {
		it->ca_len = strlen(cf_json_str(certs, "ca.crt"));
		it->ca = (unsigned char *)cf_strdup(cf_json_str(certs, "ca.crt"));
	}
	secret_rc = rc;
	if (rc == 0 && cf_json_str(spec, "proxy"))
		it->proxy = cf_strdup(cf_json_str(spec, "proxy"));
	if (rc == 0)
		rc = cf_notify_build(&it->req, provider, event, secret);
	cf_notify_wipe(secret);
	json_decref(secret);
	json_decref(certs);
	if (rc == CF_ENOTFOUND && secret_rc == 0) {   /* e.g. a commit status for an event without a revision */
		cf_log(CF_LOG_DEBUG, "nothing to send", "to", it->what, "why", cf_err_msg(), NULL);
		cf_free(it->ca);
		cf_free(it->proxy);
		cf_free(it);
		return;
	}
	if (rc < 0) {
		cf_log(CF_LOG_ERROR, "cannot notify", "to", it->what, "error", cf_err_msg(), NULL);
		cf_free(it->ca);
		cf_free(it->proxy);
		cf_free(it);
		/* its secret changed or went away: the Provider's status says so */
		snprintf(key, sizeof(key), "Provider/%s", pkey);
		if (secret_rc < 0)
			cf_workqueue_add(d->c->queue, key);
		return;
	}
	enqueue(d, it, dedup);
}

/* The event with the alert's eventMetadata added (the event's own keys win). */
static json_t *with_alert_metadata(const json_t *event, const json_t *alert)
{
	json_t *e = json_deep_copy(event), *md, *v;
	const char *k;

	md = json_object_get(e, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(e, "metadata", md);
	}
	json_object_foreach(json_object_get(json_object_get(alert, "spec"), "eventMetadata"), k, v)
		if (json_is_string(v) && json_object_get(md, k) == NULL)
			json_object_set(md, k, v);
	if (json_object_size(md) == 0)
		json_object_del(e, "metadata");
	return e;
}

static int needs_labels(const json_t *alerts)
{
	const char *k;
	json_t *a, *src;
	size_t i;

	json_object_foreach((json_t *)alerts, k, a)
		json_array_foreach(json_object_get(json_object_get(a, "spec"), "eventSources"), i, src)
			if (json_object_size(json_object_get(src, "matchLabels")) > 0)
				return 1;
	return 0;
}

int dispatcher_event(dispatcher *d, cf_kube *k, const char *data, size_t len)
{
	nc_ctl *c = d->c;
	json_t *event = NULL, *alerts, *providers, *labels = NULL, *a;
	const char *akey;
	int rc;

	if ((rc = cf_notify_parse_event(&event, data, len)) < 0) {
		__atomic_add_fetch(&c->malformed, 1, __ATOMIC_RELAXED);
		cf_log(CF_LOG_WARN, "malformed event refused", "error", cf_err_msg(), NULL);
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	alerts = json_deep_copy(c->alerts);
	providers = json_deep_copy(c->providers);
	pthread_mutex_unlock(&c->mu);
	if (needs_labels(alerts))
		labels = involved_labels(k, event);
	json_object_foreach(alerts, akey, a) {
		const char *ans = cf_json_str(json_object_get(a, "metadata"), "namespace");
		const char *pname = cf_json_str(json_object_get(json_object_get(a, "spec"), "providerRef"), "name");
		char pkey[512];
		const json_t *provider;
		json_t *e;

		if (!cf_notify_alert_matches(a, event, labels, NULL) || nc_event_refused(c, a, event))
			continue;
		snprintf(pkey, sizeof(pkey), "%s/%s", ans, pname ? pname : "");
		provider = json_object_get(providers, pkey);
		if (provider == NULL) {
			cf_log(CF_LOG_WARN, "alert's provider not found", "alert", akey, "provider", pkey, NULL);
			continue;
		}
		if (json_is_true(json_object_get(json_object_get(provider, "spec"), "suspend")))
			continue;
		e = with_alert_metadata(event, a);
		deliver_to(d, k, pkey, provider, e);
		json_decref(e);
	}
	json_decref(labels);
	json_decref(alerts);
	json_decref(providers);
	json_decref(event);
	return 0;
}
