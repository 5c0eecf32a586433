/* common/runtime/metrics.c - the metrics table, its bounded registry, the text exposition
 * writer, and the /metrics, /healthz and /readyz endpoints (see metrics.h). */
#include "runtime/metrics.h"

#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <ctype.h>
#include <math.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { COUNTER, GAUGE, HISTOGRAM } metric_type;

/* Flux's runtime/metrics buckets: prometheus.ExponentialBuckets(10e-9, 10, 10). */
static const double GOTK_BUCKETS[] = { 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10 };
/* controller-runtime's workqueue buckets: ExponentialBuckets(10e-9, 10, 12). */
static const double QUEUE_BUCKETS[] = { 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000 };
/* controller-runtime's reconcile_time_seconds buckets. */
static const double RECONCILE_TIME_BUCKETS[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
	1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
};
#define NB(a) (sizeof(a) / sizeof((a)[0]))
#define BUCKETS_MAX 64   /* the most buckets a family of the table has (40) fits */

typedef struct series {
	char *values[CF_METRICS_LABELS_MAX];
	double value;                 /* counter, gauge */
	double sum;                   /* histogram */
	unsigned long long count;
	unsigned long long *in;       /* per bucket, not cumulative; [nbuckets] is above the last */
	struct series *next;          /* the family's list, in order of creation */
	struct series *chain;         /* the family's hash bucket */
	unsigned hash;
} series;

typedef struct family {
	const char *name, *help;
	metric_type type;
	const char *labels[CF_METRICS_LABELS_MAX + 1];   /* NULL-terminated */
	const double *buckets;
	size_t nbuckets;
	int per_object;               /* labels start kind, name, namespace */
	series *head, *tail;
	series **buckets_of;          /* hash table of the series: nbuckets_of heads (a power of 2) */
	size_t nbuckets_of, n;
} family;

#define OBJ "kind", "name", "namespace"
static family families[CF_M__COUNT] = {
	[CF_M_RECONCILE_DURATION] = { "gotk_reconcile_duration_seconds",
		"The duration in seconds of a GitOps Toolkit resource reconciliation.", HISTOGRAM, { OBJ },
		GOTK_BUCKETS, NB(GOTK_BUCKETS), 1, NULL, NULL },
	[CF_M_RECONCILE_CONDITION] = { "gotk_reconcile_condition",
		"The current condition status of a GitOps Toolkit resource reconciliation.", GAUGE,
		{ OBJ, "type", "status" }, NULL, 0, 1, NULL, NULL },
	[CF_M_SUSPEND_STATUS] = { "gotk_suspend_status", "The current suspend status of a GitOps Toolkit resource.",
		GAUGE, { OBJ }, NULL, 0, 1, NULL, NULL },
	[CF_M_ARTIFACT_SIZE] = { "cflux_artifact_size_bytes",
		"The size in bytes of the artifact a source serves (status.artifact.size).", GAUGE, { OBJ },
		NULL, 0, 1, NULL, NULL },
	[CF_M_SOURCE_FETCH_DURATION] = { "cflux_source_fetch_duration_seconds",
		"The duration in seconds of a source's fetch and packaging (the reconcile's body).", HISTOGRAM,
		{ OBJ }, GOTK_BUCKETS, NB(GOTK_BUCKETS), 1, NULL, NULL },
	[CF_M_RECONCILE_TOTAL] = { "controller_runtime_reconcile_total",
		"Total number of reconciliations per controller", COUNTER, { "controller", "result" }, NULL, 0, 0,
		NULL, NULL },
	[CF_M_RECONCILE_ERRORS] = { "controller_runtime_reconcile_errors_total",
		"Total number of reconciliation errors per controller", COUNTER, { "controller" }, NULL, 0, 0, NULL,
		NULL },
	[CF_M_RECONCILE_TIME] = { "controller_runtime_reconcile_time_seconds",
		"Length of time per reconciliation per controller", HISTOGRAM, { "controller" },
		RECONCILE_TIME_BUCKETS, NB(RECONCILE_TIME_BUCKETS), 0, NULL, NULL },
	[CF_M_ACTIVE_WORKERS] = { "controller_runtime_active_workers",
		"Number of currently used workers per controller", GAUGE, { "controller" }, NULL, 0, 0, NULL, NULL },
	[CF_M_WORKQUEUE_DEPTH] = { "workqueue_depth", "Current depth of workqueue", GAUGE, { "name" }, NULL, 0, 0,
		NULL, NULL },
	[CF_M_WORKQUEUE_ADDS] = { "workqueue_adds_total", "Total number of adds handled by workqueue", COUNTER,
		{ "name" }, NULL, 0, 0, NULL, NULL },
	[CF_M_WORKQUEUE_QUEUE_DURATION] = { "workqueue_queue_duration_seconds",
		"How long in seconds an item stays in workqueue before being requested", HISTOGRAM, { "name" },
		QUEUE_BUCKETS, NB(QUEUE_BUCKETS), 0, NULL, NULL },
	[CF_M_WORKQUEUE_WORK_DURATION] = { "workqueue_work_duration_seconds",
		"How long in seconds processing an item from workqueue takes.", HISTOGRAM, { "name" },
		QUEUE_BUCKETS, NB(QUEUE_BUCKETS), 0, NULL, NULL },
	[CF_M_DELIVERIES] = { "cflux_notification_deliveries_total",
		"Notification deliveries to a Provider: success, retry (failed, tried again) or dropped (given up).",
		COUNTER, { "namespace", "provider", "type", "result" }, NULL, 0, 0, NULL, NULL },
	[CF_M_SERIES_DROPPED] = { "cflux_metrics_series_dropped_total",
		"Metric updates not recorded because the registry holds its cap of series.", COUNTER, { NULL },
		NULL, 0, 0, NULL, NULL },
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static size_t nseries;
static int cap_logged;

double cf_metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *cf_metric_name(cf_metric_id m)
{
	return (unsigned)m < CF_M__COUNT ? families[m].name : "?";
}

static size_t nlabels(const family *f)
{
	size_t n = 0;

	while (n < CF_METRICS_LABELS_MAX && f->labels[n])
		n++;
	return n;
}

static void series_free(series *s)
{
	for (size_t i = 0; i < CF_METRICS_LABELS_MAX; i++)
		cf_free(s->values[i]);
	cf_free(s->in);
	cf_free(s);
}

/* FNV-1a over the label values, each with its terminating NUL. */
static unsigned hash_values(const char *const *values, size_t n)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		const char *v = values[i] ? values[i] : "";
		do {
			h = (h ^ (unsigned char)*v) * 16777619u;
		} while (*v++);
	}
	return h;
}

/* Doubles f's hash table when it holds twice as many series as buckets (the old one stays
 * when there is no memory: the chains grow longer, nothing is lost). */
static void rehash(family *f)
{
	size_t size = f->nbuckets_of ? f->nbuckets_of * 2 : 64;
	series **t;

	if (f->n < f->nbuckets_of * 2 || (t = cf_calloc(size, sizeof(*t))) == NULL)
		return;
	for (series *s = f->head; s; s = s->next) {
		s->chain = t[s->hash & (size - 1)];
		t[s->hash & (size - 1)] = s;
	}
	cf_free(f->buckets_of);
	f->buckets_of = t;
	f->nbuckets_of = size;
}

static void record_dropped(const family *f)
{
	if (families[CF_M_SERIES_DROPPED].head)
		families[CF_M_SERIES_DROPPED].head->value++;
	if (!cap_logged) {
		char cap[32];
		cap_logged = 1;
		snprintf(cap, sizeof(cap), "%d", CF_METRICS_SERIES_MAX);
		cf_log(CF_LOG_WARN, "metrics: a series is not recorded (cap reached or out of memory); new label sets are dropped",
		       "metric", f->name, "cap", cap, NULL);
	}
}

/* The series of values in f, made when new; NULL (counted as dropped) at the cap or out of
 * memory. Under mu. */
static series *lookup(family *f, const char *const *values)
{
	size_t n = nlabels(f);
	unsigned h = hash_values(values, n);
	series *s;

	for (s = f->nbuckets_of ? f->buckets_of[h & (f->nbuckets_of - 1)] : NULL; s; s = s->chain) {
		size_t i = 0;
		while (s->hash == h && i < n && strcmp(s->values[i], values[i] ? values[i] : "") == 0)
			i++;
		if (s->hash == h && i == n)
			return s;
	}
	if (nseries >= CF_METRICS_SERIES_MAX || (s = cf_calloc(1, sizeof(*s))) == NULL) {
		record_dropped(f);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if ((s->values[i] = cf_strdup(values[i] ? values[i] : "")) == NULL)
			goto dropped;
	if (f->type == HISTOGRAM && (s->in = cf_calloc(f->nbuckets + 1, sizeof(*s->in))) == NULL)
		goto dropped;
	rehash(f);
	if (f->nbuckets_of == 0)
		goto dropped;
	s->hash = h;
	s->chain = f->buckets_of[h & (f->nbuckets_of - 1)];
	f->buckets_of[h & (f->nbuckets_of - 1)] = s;
	if (f->tail)
		f->tail->next = s;
	else
		f->head = s;
	f->tail = s;
	f->n++;
	nseries++;
	return s;
dropped:
	series_free(s);
	record_dropped(f);
	return NULL;
}

/* Takes s out of f's hash table (its list is the caller's). Under mu. */
static void unchain(family *f, series *s)
{
	series **pp = &f->buckets_of[s->hash & (f->nbuckets_of - 1)];

	while (*pp && *pp != s)
		pp = &(*pp)->chain;
	if (*pp)
		*pp = s->chain;
	f->n--;
}

/* The unlabelled families' one series, made at first use of the registry. Under mu. */
static void ensure_unlabelled(void)
{
	for (size_t m = 0; m < CF_M__COUNT; m++)
		if (families[m].labels[0] == NULL && families[m].head == NULL)
			lookup(&families[m], NULL);
}

static void update(cf_metric_id m, const char *const *values, double v, int how)
{
	series *s;

	if ((unsigned)m >= CF_M__COUNT)
		return;
	pthread_mutex_lock(&mu);
	ensure_unlabelled();
	if ((s = lookup(&families[m], values)) != NULL) {
		const family *f = &families[m];
		if (how == 0) {
			s->value += v;
		} else if (how == 1) {
			s->value = v;
		} else if (f->type == HISTOGRAM) {
			size_t i = 0;
			while (i < f->nbuckets && v > f->buckets[i])
				i++;
			s->in[i]++;
			s->sum += v;
			s->count++;
		}
	}
	pthread_mutex_unlock(&mu);
}

void cf_metric_add(cf_metric_id m, const char *const *values, double v)
{
	update(m, values, v, 0);
}

void cf_metric_set(cf_metric_id m, const char *const *values, double v)
{
	update(m, values, v, 1);
}

void cf_metric_observe(cf_metric_id m, const char *const *values, double v)
{
	update(m, values, v, 2);
}

void cf_metric_zero(cf_metric_id m)
{
	if ((unsigned)m >= CF_M__COUNT)
		return;
	pthread_mutex_lock(&mu);
	for (series *s = families[m].head; s; s = s->next)
		s->value = 0;
	pthread_mutex_unlock(&mu);
}

void cf_metrics_forget_object(const char *kind, const char *ns, const char *name)
{
	pthread_mutex_lock(&mu);
	for (size_t m = 0; m < CF_M__COUNT; m++) {
		family *f = &families[m];
		series **pp = &f->head, *prev = NULL;
		if (!f->per_object)
			continue;
		while (*pp) {
			series *s = *pp;
			if (strcmp(s->values[0], kind) == 0 && strcmp(s->values[1], name) == 0 &&
			    strcmp(s->values[2], ns) == 0) {
				*pp = s->next;
				if (f->tail == s)
					f->tail = prev;
				unchain(f, s);
				series_free(s);
				nseries--;
			} else {
				prev = s;
				pp = &s->next;
			}
		}
	}
	pthread_mutex_unlock(&mu);
}

void cf_metrics_controller(char *out, size_t size, const char *kind)
{
	size_t i = 0;

	if (size == 0)
		return;
	for (; kind && kind[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)kind[i]);
	out[i] = '\0';
}

void cf_metrics_init_controller(const char *kind)
{
	static const char *const results[] = { "error", "requeue", "requeue_after", "success" };
	char c[128];

	cf_metrics_controller(c, sizeof(c), kind);
	for (size_t i = 0; i < NB(results); i++)
		cf_metric_add(CF_M_RECONCILE_TOTAL, (const char *[]){ c, results[i] }, 0);
	cf_metric_add(CF_M_RECONCILE_ERRORS, (const char *[]){ c }, 0);
	cf_metric_add(CF_M_ACTIVE_WORKERS, (const char *[]){ c }, 0);
	cf_metric_add(CF_M_WORKQUEUE_DEPTH, (const char *[]){ c }, 0);
	cf_metric_add(CF_M_WORKQUEUE_ADDS, (const char *[]){ c }, 0);
}

/* ---- the text exposition format 0.0.4 ---- */

/* v as Prometheus reads it: integers without a fraction, others in as few digits as give v
 * back, +Inf/-Inf/NaN. */
static void number(char *out, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(out, size, "NaN");
	} else if (isinf(v)) {
		snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(out, size, "%.0f", v);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(out, size, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
	}
}

/* s with the format's escapes: backslash and newline always, the double quote in a label
 * value. */
static int escaped(cf_buf *b, const char *s, int quote)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		if (*s == '\\')
			rc = cf_buf_puts(b, "\\\\");
		else if (*s == '\n')
			rc = cf_buf_puts(b, "\\n");
		else if (*s == '"' && quote)
			rc = cf_buf_puts(b, "\\\"");
		else
			rc = cf_buf_putc(b, *s);
	}
	return rc;
}

/* The labels of s, escaped, as they stand between the braces: into labels (reset first). */
static int render_labels(cf_buf *labels, const family *f, const series *s)
{
	size_t n = nlabels(f);
	int rc = 0;

	cf_buf_reset(labels);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = cf_buf_printf(labels, "%s%s=\"", i ? "," : "", f->labels[i]);
		if (rc == 0)
			rc = escaped(labels, s->values[i], 1);
		if (rc == 0)
			rc = cf_buf_putc(labels, '"');
	}
	return rc;
}

/* name{labels[,le="bound"]} value\n */
static int sample(cf_buf *b, const char *name, const char *suffix, const cf_buf *labels, const char *le, double v)
{
	char num[64];
	int rc = cf_buf_puts(b, name);

	if (rc == 0 && suffix[0])
		rc = cf_buf_puts(b, suffix);
	if (rc == 0 && (labels->len || le)) {
		rc = cf_buf_putc(b, '{');
		if (rc == 0 && labels->len)
			rc = cf_buf_append(b, labels->data, labels->len);
		if (rc == 0 && le)
			rc = cf_buf_printf(b, "%sle=\"%s\"", labels->len ? "," : "", le);
		if (rc == 0)
			rc = cf_buf_putc(b, '}');
	}
	number(num, sizeof(num), v);
	if (rc == 0)
		rc = cf_buf_putc(b, ' ');
	if (rc == 0)
		rc = cf_buf_puts(b, num);
	return rc == 0 ? cf_buf_putc(b, '\n') : rc;
}

static int write_family(cf_buf *b, const family *f)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	cf_buf labels = CF_BUF_INIT(1u << 20);
	char le[BUCKETS_MAX][32];
	int rc;

	if (f->head == NULL)
		return 0;
	for (size_t i = 0; i < f->nbuckets && i < BUCKETS_MAX; i++)
		number(le[i], sizeof(le[i]), f->buckets[i]);
	rc = cf_buf_printf(b, "# HELP %s ", f->name);
	if (rc == 0)
		rc = escaped(b, f->help, 0);
	if (rc == 0)
		rc = cf_buf_printf(b, "\n# TYPE %s %s\n", f->name, types[f->type]);
	for (const series *s = f->head; rc == 0 && s; s = s->next) {
		rc = render_labels(&labels, f, s);
		if (rc == 0 && f->type != HISTOGRAM) {
			rc = sample(b, f->name, "", &labels, NULL, s->value);
			continue;
		}
		unsigned long long cum = 0;
		for (size_t i = 0; rc == 0 && i < f->nbuckets && i < BUCKETS_MAX; i++) {
			cum += s->in[i];
			rc = sample(b, f->name, "_bucket", &labels, le[i], (double)cum);
		}
		if (rc == 0)
			rc = sample(b, f->name, "_bucket", &labels, "+Inf", (double)s->count);
		if (rc == 0)
			rc = sample(b, f->name, "_sum", &labels, NULL, s->sum);
		if (rc == 0)
			rc = sample(b, f->name, "_count", &labels, NULL, (double)s->count);
	}
	cf_buf_free(&labels);
	return rc;
}

static pthread_mutex_t scrape_mu = PTHREAD_MUTEX_INITIALIZER;
static void (*collector)(void *);
static void *collector_payload;

void cf_metrics_set_collector(void (*collect)(void *payload), void *payload)
{
	pthread_mutex_lock(&scrape_mu);
	collector = collect;
	collector_payload = payload;
	pthread_mutex_unlock(&scrape_mu);
}

int cf_metrics_write(cf_buf *out)
{
	int rc = 0;

	pthread_mutex_lock(&scrape_mu);   /* one scrape at a time: the collector's gauges are its own */
	if (collector)
		collector(collector_payload);
	pthread_mutex_lock(&mu);
	ensure_unlabelled();
	for (size_t m = 0; rc == 0 && m < CF_M__COUNT; m++)
		rc = write_family(out, &families[m]);
	pthread_mutex_unlock(&mu);
	pthread_mutex_unlock(&scrape_mu);
	return rc;
}

void cf_metrics_reset(void)
{
	cf_metrics_set_collector(NULL, NULL);
	pthread_mutex_lock(&mu);
	for (size_t m = 0; m < CF_M__COUNT; m++) {
		series *s = families[m].head;
		while (s) {
			series *next = s->next;
			series_free(s);
			s = next;
		}
		families[m].head = families[m].tail = NULL;
		cf_free(families[m].buckets_of);
		families[m].buckets_of = NULL;
		families[m].nbuckets_of = families[m].n = 0;
	}
	nseries = 0;
	cap_logged = 0;
	pthread_mutex_unlock(&mu);
}

/* ---- health ---- */

static atomic_int watches_expected, watches_synced, stopping;

void cf_health_expect_watches(int n)
{
	atomic_store(&watches_expected, n);
	atomic_store(&watches_synced, 0);
	atomic_store(&stopping, 0);
}

void cf_health_watch_synced(void)
{
	atomic_fetch_add(&watches_synced, 1);
}

void cf_health_stopping(void)
{
	atomic_store(&stopping, 1);
}

int cf_health_ready(void)
{
	return !atomic_load(&stopping) && atomic_load(&watches_synced) >= atomic_load(&watches_expected);
}

/* ---- the HTTP endpoints ---- */

static const char metrics_default[] = ":8080", health_default[] = ":9440";
const char *cf_metrics_addr_flag = metrics_default;
const char *cf_health_addr_flag = health_default;

#define SCRAPE_MAX (64u << 20)

static nng_http_server *servers[2];
static nng_url *urls[2];

static void reply(nng_aio *aio, uint16_t code, const char *type, const char *body, size_t len)
{
	nng_http_res *res;
	int rv = nng_http_res_alloc(&res);

	if (rv == 0 && ((rv = nng_http_res_set_status(res, code)) != 0 ||
			(rv = nng_http_res_set_header(res, "Content-Type", type)) != 0 ||
			(rv = nng_http_res_copy_data(res, body, len)) != 0)) {
		nng_http_res_free(res);
	}
	if (rv != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void on_metrics(nng_aio *aio)
{
	cf_buf b = CF_BUF_INIT(SCRAPE_MAX);

	if (cf_metrics_write(&b) < 0) {
		cf_log(CF_LOG_WARN, "metrics: scrape not written", "error", cf_err_msg(), NULL);
		reply(aio, 500, "text/plain; charset=utf-8", "scrape not written\n", 19);
	} else {
		reply(aio, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
	}
	cf_buf_free(&b);
}

static void on_healthz(nng_aio *aio)
{
	reply(aio, 200, "text/plain; charset=utf-8", "ok", 2);
}

static void on_readyz(nng_aio *aio)
{
	const char *why = atomic_load(&stopping) ? "stopping" : "watches not in sync";

	if (cf_health_ready())
		reply(aio, 200, "text/plain; charset=utf-8", "ok", 2);
	else
		reply(aio, 503, "text/plain; charset=utf-8", why, strlen(why));
}

typedef struct route {
	const char *path;
	void (*cb)(nng_aio *);
} route;

/* Serves routes on addr (the flag's value) as server i. 0, or CF_EIO: fatal for an address
 * given on the command line; the default one that cannot be bound is a warning (1). */
static int serve(int i, const char *flag, const char *addr, int given, const route *routes, size_t n)
{
	char url[300];
	int rv;

	snprintf(url, sizeof(url), "http://%s", addr);
	if ((rv = nng_url_parse(&urls[i], url)) != 0 || (rv = nng_http_server_hold(&servers[i], urls[i])) != 0)
		goto fail;
	for (size_t r = 0; r < n; r++) {
		nng_http_handler *h = NULL;
		if ((rv = nng_http_handler_alloc(&h, routes[r].path, routes[r].cb)) != 0 ||
		    (rv = nng_http_handler_set_method(h, "GET")) != 0 ||
		    (rv = nng_http_server_add_handler(servers[i], h)) != 0) {
			if (h)
				nng_http_handler_free(h);
			goto fail;
		}
	}
	if ((rv = nng_http_server_start(servers[i])) != 0)
		goto fail;
	cf_log(CF_LOG_INFO, "endpoint serving", "flag", flag, "address", addr, NULL);
	return 0;
fail:
	if (servers[i])
		nng_http_server_release(servers[i]);
	nng_url_free(urls[i]);
	servers[i] = NULL;
	urls[i] = NULL;
	if (given)
		return cf_err_set(CF_EIO, "--%s %s: %s", flag, addr, nng_strerror(rv));
	cf_log(CF_LOG_WARN, "endpoint off: its default address cannot be served", "flag", flag, "address", addr,
	       "error", nng_strerror(rv), NULL);
	return 1;
}

/* The address to bind for a flag's value: Flux's default ":PORT" means every interface in a
 * pod (KUBERNETES_SERVICE_HOST set), but loopback for a controller run as a local process, so
 * that a laptop or a test run does not open its metrics to the network unasked. A value given
 * on the command line is taken as it is. */
static const char *bind_addr(char *buf, size_t size, const char *flag, const char *dflt)
{
	if (flag != dflt || getenv("KUBERNETES_SERVICE_HOST"))
		return flag;
	snprintf(buf, size, "127.0.0.1%s", dflt);
	return buf;
}

int cf_metrics_serve(void)
{
	static const route metrics_routes[] = { { "/metrics", on_metrics } };
	static const route health_routes[] = { { "/healthz", on_healthz }, { "/readyz", on_readyz } };
	char m[64], h[64];

	if (cf_metrics_addr_flag && cf_metrics_addr_flag[0] &&
	    serve(0, "metrics-addr", bind_addr(m, sizeof(m), cf_metrics_addr_flag, metrics_default),
		  cf_metrics_addr_flag != metrics_default, metrics_routes, NB(metrics_routes)) < 0)
		return -1;
	if (cf_health_addr_flag && cf_health_addr_flag[0] &&
	    serve(1, "health-addr", bind_addr(h, sizeof(h), cf_health_addr_flag, health_default),
		  cf_health_addr_flag != health_default, health_routes, NB(health_routes)) < 0) {
		cf_metrics_serve_stop();
		return -1;
	}
	return 0;
}

void cf_metrics_serve_stop(void)
{
	for (int i = 0; i < 2; i++) {
		if (servers[i]) {
			nng_http_server_stop(servers[i]);
			nng_http_server_release(servers[i]);
		}
		nng_url_free(urls[i]);
		servers[i] = NULL;
		urls[i] = NULL;
	}
	cf_metrics_set_collector(NULL, NULL);
}
