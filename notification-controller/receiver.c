/* notification-controller/receiver.c - Receivers (webhook path, status) and the two HTTP
 * servers, on nng's HTTP server: events (POST of Flux event JSON) and webhooks (/hook/...).
 * nng's callbacks only hand a request to a few threads of our own, which make the API calls
 * and complete the request from there. A webhook is checked against the token its secret
 * holds now (read for each request, as Flux does, and wiped): a rotated or deleted token
 * stops working at once, and the Receiver is reconciled to its new path. */
#include "controller.h"

#include "kube/secret.h"
#include "notify.h"
#include "runtime/condition.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "webhook.h"
#include "yaml/yaml.h"

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_INTERVAL_MS (10L * 60 * 1000)   /* Flux's default spec.interval */
#define HTTP_WORKERS 2
#define HTTP_QUEUE_MAX 64                       /* requests waiting for a worker; more get 503 */

/* Drops the path map entries of Receiver key. Called locked. */
static void forget(nc_ctl *c, const char *key)
{
	const char *path;
	json_t *e, *tmp;

	json_object_foreach_safe(c->receivers, tmp, path, e)
		if (strcmp(cf_json_str(e, "key"), key) == 0)
			json_object_del(c->receivers, path);
}

static int read_token(cf_kube *k, char **token, const char *ns, const char *name)
{
	json_t *s = NULL, *data = NULL;
	const json_t *tok;
	int rc;

	*token = NULL;
	if ((rc = cf_kube_get(k, &s, &(cf_kube_ref){ "v1", "Secret", ns, name })) < 0)
		return cf_err_prefix("unable to read token from secret '%s/%s'", ns, name);
	rc = cf_kube_secret_decode(&data, s);
	cf_kube_secret_free(s);
	tok = json_object_get(data, "token");
	if (rc < 0 || json_string_length(tok) == 0) {
		cf_kube_secret_free(data);
		return cf_err_set(CF_EINVAL, "secret '%s/%s' has no 'token'", ns, name);
	}
	*token = cf_strndup(json_string_value(tok), json_string_length(tok));
	cf_kube_secret_free(data);
	return *token ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

/* Deleted, gone or suspended: its path stops working. */
static void unregister(nc_ctl *c, const char *key)
{
	pthread_mutex_lock(&c->mu);
	forget(c, key);
	pthread_mutex_unlock(&c->mu);
}

static int on_gone(const cf_reconciler *rc)
{
	char key[512];

	snprintf(key, sizeof(key), "%s/%s", rc->ns, rc->name);
	unregister(rc->ctx, key);
	return 0;
}

static int stop_serving(cf_reconcile *p)
{
	unregister(p->ctx, p->key);
	return 0;
}

/* Reads the token, serves the Receiver's path and records it in status. Not ready: retried
 * with backoff (the lifecycle's, as the Receiver has no retryInterval), for the secret may come. */
static int body(cf_reconcile *p)
{
	nc_ctl *c = p->ctx;
	const char *secret = cf_json_str(json_object_get(p->spec, "secretRef"), "name"), *reason = "TokenNotFound";
	char path[CF_RECEIVER_PATH_MAX], msg[300];
	char *token = NULL;
	int rc;

	if ((rc = nc_refs_refused(c, "Receiver", p->obj)) < 0)
		reason = "AccessDenied";   /* no path: nothing is annotated for it */
	else
		rc = secret ? read_token(p->k, &token, p->ns, secret) : cf_err_set(CF_EINVAL, "spec.secretRef.name is required");
	pthread_mutex_lock(&c->mu);
	forget(c, p->key);
	if (rc == 0) {
		cf_receiver_path(path, token, p->name, p->ns);
		json_object_set_new(c->receivers, path, json_pack("{s:s,s:O}", "key", p->key, "receiver", p->obj));
	}
	pthread_mutex_unlock(&c->mu);
	if (token)
		cf_free_secret(token, strlen(token));
	if (rc < 0) {
		json_object_del(p->status, "webhookPath");
		return cf_reconcile_fail(p, reason, 0);
	}
	snprintf(msg, sizeof(msg), "Receiver initialized for path: %s", path);
	json_object_set_new(p->status, "webhookPath", json_string(path));
	if ((rc = cf_reconcile_ready(p, CF_REASON_SUCCEEDED, msg)) < 0)
		return rc;
	cf_status_mark_handled(p->status, p->obj);
	if (!json_equal(p->written, p->status))
		cf_log(CF_LOG_INFO, "receiver ready", "receiver", p->key, "path", path, NULL);
	return 0;   /* the token may be rotated: looked at again after the interval */
}

int receiver_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = NOTIFICATION_GROUP_V1, .kind = "Receiver", .ns = ns, .name = name,
		.default_interval_ms = DEFAULT_INTERVAL_MS,   /* no finalizer: its path lives in memory */
		.on_gone = on_gone, .finalize = stop_serving, .on_suspend = stop_serving, .body = body, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}

/* ---- annotating the resources ---- */

/* The apiVersion of a resource the Receiver names by kind alone: the kind table's preferred one. */
static const char *default_api_version(const char *kind)
{
	const cf_kind *k = cf_kind_find(kind);

	return k ? k->api_version : NULL;
}

static int annotate(cf_kube *k, const cf_kube_ref *ref, const char *stamp)
{
	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", CF_REQUESTED_AT_ANNOTATION, stamp);
	int rc = patch ? cf_kube_merge_patch(k, NULL, ref, patch) : cf_err_set(CF_ENOMEM, "out of memory");

	json_decref(patch);
	return rc;
}

static int selector_of(char *out, size_t size, const json_t *labels)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)labels, key, v)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s=%s", n ? "," : "", key, json_string_value(v));
	return n < size ? 0 : cf_err_set(CF_EINVAL, "matchLabels too long");
}

/* Sets requestedAt on every resource the receiver names; returns how many were annotated. */
static int annotate_resources(cf_kube *k, const json_t *receiver, int *count)
{
	const char *rns = cf_json_str(json_object_get(receiver, "metadata"), "namespace");
	const json_t *res;
	char stamp[CF_TIME_MAX];
	size_t i;
	int rc = 0;

	cf_time_rfc3339(stamp, 9);
	*count = 0;
	json_array_foreach(json_object_get(json_object_get(receiver, "spec"), "resources"), i, res) {
		const char *kind = cf_json_str(res, "kind"), *name = cf_json_str(res, "name");
		const char *av = cf_json_str(res, "apiVersion") ? cf_json_str(res, "apiVersion") : default_api_version(kind);
		cf_kube_ref ref = { av, kind, cf_json_str(res, "namespace") ? cf_json_str(res, "namespace") : rns, name };
		if (av == NULL || kind == NULL || name == NULL) {
			rc = cf_err_set(CF_EINVAL, "spec.resources[%zu] needs kind, name and (for %s) apiVersion", i,
					kind ? kind : "this kind");
			continue;
		}
		if (strcmp(name, "*") == 0) {
			char sel[2048];
			json_t *list = NULL, *o;
			size_t j;
			ref.name = NULL;
			if ((rc = selector_of(sel, sizeof(sel), json_object_get(res, "matchLabels"))) < 0 ||
			    (rc = cf_kube_list(k, &list, &ref, sel[0] ? sel : NULL)) < 0)
				continue;
			json_array_foreach(json_object_get(list, "items"), j, o) {
				cf_kube_ref one = ref;
				one.name = cf_json_str(json_object_get(o, "metadata"), "name");
				if ((rc = annotate(k, &one, stamp)) == 0)
					(*count)++;
			}
			json_decref(list);
		} else if ((rc = annotate(k, &ref, stamp)) == 0) {
			(*count)++;
		}
	}
	return rc;
}

/* ---- HTTP ---- */

static nc_ctl *http_ctl;
static nng_http_server *servers[2];
static nng_url *urls[2];

static void reply(nng_aio *aio, int code, const char *text)
{
	nng_http_res *res;
	int rv = nng_http_res_alloc(&res);

	if (rv != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	nng_http_res_set_status(res, (uint16_t)code);
	nng_http_res_set_header(res, "Content-Type", "text/plain; charset=utf-8");
	nng_http_res_copy_data(res, text, strlen(text));
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* With an internal token, a POSTed event carries it as "Authorization: Bearer <token>". */
static int event_post_authorized(nng_http_req *req)
{
	const char *h = nng_http_req_get_header(req, "Authorization");

	if (http_ctl->internal_token == NULL)
		return 1;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	return cf_bus_token_ok(http_ctl->internal_token, h + 7);
}

/* A request waiting for a worker: nng keeps the request (and its body) until the aio is
 * finished. A webhook's receiver was looked up in memory already. */
typedef struct http_job {
	nng_aio *aio;
	void (*work)(struct http_job *j, cf_kube *k);
	json_t *receiver;
	char key[512];
	struct http_job *next;
} http_job;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	http_job *head, *tail;
	size_t len;
	int stopping;
	pthread_t threads[HTTP_WORKERS];
	int nthreads;
} jobs = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, { 0 }, 0 };

static void job_free(http_job *j)
{
	json_decref(j->receiver);
	cf_free(j);
}

/* From nng's callback: queue the request (j, filled in), or answer 503 at once when the queue
 * is full. */
static void hand_off(http_job *j)
{
	pthread_mutex_lock(&jobs.mu);
	if (jobs.stopping || jobs.len >= HTTP_QUEUE_MAX) {
		int stopping = jobs.stopping;
		pthread_mutex_unlock(&jobs.mu);
		reply(j->aio, 503, stopping ? "shutting down\n" : "busy; try again\n");
		job_free(j);
		return;
	}
	if (jobs.tail)
		jobs.tail->next = j;
	else
		jobs.head = j;
	jobs.tail = j;
	jobs.len++;
	pthread_cond_signal(&jobs.cv);
	pthread_mutex_unlock(&jobs.mu);
}

/* Each worker has its own API client; once stopping, what is still queued gets 503. */
static void *http_worker(void *arg)
{
	cf_kube *k = NULL;

	(void)arg;
	for (;;) {
		http_job *j;
		int stopping;

		pthread_mutex_lock(&jobs.mu);
		while (jobs.head == NULL && !jobs.stopping)
			pthread_cond_wait(&jobs.cv, &jobs.mu);
		if ((j = jobs.head) == NULL) {
			pthread_mutex_unlock(&jobs.mu);
			break;
		}
		jobs.head = j->next;
		if (jobs.head == NULL)
			jobs.tail = NULL;
		jobs.len--;
		stopping = jobs.stopping;
		pthread_mutex_unlock(&jobs.mu);
		if (stopping) {
			reply(j->aio, 503, "shutting down\n");
		} else if (k == NULL && nc_new_client(http_ctl, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client; request refused", "error", cf_err_msg(), NULL);
			reply(j->aio, 503, "no API client\n");
		} else {
			j->work(j, k);
		}
		job_free(j);
	}
	cf_kube_free(k);
	return NULL;
}

static void event_work(http_job *j, cf_kube *k)
{
	nng_aio *aio = j->aio;
	nng_http_req *req = nng_aio_get_input(aio, 0);
	void *body;
	size_t len;
	char msg[600];
	int rc;

	if (!event_post_authorized(req)) {
		cf_log(CF_LOG_WARN, "event refused: missing or wrong internal token", "intake", "http", NULL);
		reply(aio, 401, "missing or wrong internal token (Authorization: Bearer)\n");
		return;
	}
	nng_http_req_get_data(req, &body, &len);
	rc = dispatcher_event(http_ctl->d, k, body ? body : "", len);
	snprintf(msg, sizeof(msg), "%s\n", rc < 0 ? cf_err_msg() : "accepted");
	reply(aio, rc < 0 ? 400 : 202, msg);
}

static void on_event_post(nng_aio *aio)
{
	http_job *j = cf_calloc(1, sizeof(*j));

	if (j == NULL) {
		reply(aio, 503, "out of memory\n");
		return;
	}
	j->aio = aio;
	j->work = event_work;
	hand_off(j);
}

static const char *req_header(void *ctx, const char *name)
{
	return nng_http_req_get_header(ctx, name);
}

/* Queues the Receiver whose cache key ("ns/name") is key, under its work key "Receiver/ns/name". */
static void queue_receiver(const char *key)
{
	char work[600];

	snprintf(work, sizeof(work), "Receiver/%s", key);
	cf_workqueue_add(http_ctl->queue, work);
}

/* The receiver's token as its secret holds it now; NULL (and the Receiver queued, so that its
 * status follows) when it cannot be read or no longer gives this path. */
static char *current_token(cf_kube *k, const json_t *receiver, const char *key, const char *uri)
{
	const json_t *md = json_object_get(receiver, "metadata");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	const char *secret = cf_json_str(json_object_get(json_object_get(receiver, "spec"), "secretRef"), "name");
	char *token = NULL, path[CF_RECEIVER_PATH_MAX];

	if (ns == NULL || name == NULL || secret == NULL || read_token(k, &token, ns, secret) < 0) {
		cf_log(CF_LOG_WARN, "webhook: the receiver's token cannot be read", "receiver", key, "error", cf_err_msg(), NULL);
		queue_receiver(key);
		return NULL;
	}
	cf_receiver_path(path, token, name, ns);
	if (!cf_receiver_equal(path, uri)) {   /* rotated: this path is the old token's */
		cf_log(CF_LOG_INFO, "webhook: the receiver's token was rotated; its path changes", "receiver", key, NULL);
		queue_receiver(key);
		cf_free_secret(token, strlen(token));
		return NULL;
	}
	return token;
}

static void hook_work(http_job *j, cf_kube *k)
{
	nng_aio *aio = j->aio;
	nng_http_req *req = nng_aio_get_input(aio, 0);
	const char *uri = nng_http_req_get_uri(req), *why = NULL, *key = j->key;
	json_t *receiver = j->receiver;
	char *token, msg[600];
	void *body;
	size_t len;
	cf_receiver_verdict v;
	int count = 0, rc;

	nng_http_req_get_data(req, &body, &len);
	if ((token = current_token(k, receiver, key, uri)) == NULL) {
		reply(aio, 404, "no receiver at this path\n");
		return;
	}
	v = cf_receiver_check(receiver, token, req_header, req, body ? body : "", len, &why);
	if (v == CF_RECEIVER_ACT) {
		rc = annotate_resources(k, receiver, &count);
		if (rc < 0)
			cf_log(CF_LOG_ERROR, "webhook: annotating resources failed", "receiver", key, "error", cf_err_msg(), NULL);
		snprintf(msg, sizeof(msg), "%d resources annotated\n", count);
		cf_log(CF_LOG_INFO, "webhook accepted", "receiver", key, "annotated", msg, NULL);
		reply(aio, rc < 0 ? 500 : 200, msg);
	} else {
		snprintf(msg, sizeof(msg), "%s\n", why);
		cf_log(v == CF_RECEIVER_IGNORE ? CF_LOG_DEBUG : CF_LOG_WARN, "webhook not acted on", "receiver", key,
		       "why", why, NULL);
		reply(aio, v == CF_RECEIVER_IGNORE ? 200 : v == CF_RECEIVER_DENY ? 401 : 400, msg);
	}
	cf_free_secret(token, strlen(token));
}

/* The path map is in memory: an unknown path is answered here, the rest by a worker. */
static void on_hook(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	http_job *j = cf_calloc(1, sizeof(*j));
	json_t *e;

	if (j == NULL) {
		reply(aio, 503, "out of memory\n");
		return;
	}
	j->aio = aio;
	j->work = hook_work;
	pthread_mutex_lock(&http_ctl->mu);
	e = json_object_get(http_ctl->receivers, nng_http_req_get_uri(req));
	if (e) {
		j->receiver = json_deep_copy(json_object_get(e, "receiver"));
		snprintf(j->key, sizeof(j->key), "%s", cf_json_str(e, "key"));
	}
	pthread_mutex_unlock(&http_ctl->mu);
	if (e == NULL || j->receiver == NULL) {
		reply(aio, 404, "no receiver at this path\n");
		job_free(j);
		return;
	}
	hand_off(j);
}

static int serve(int i, const char *addr, const char *prefix, void (*cb)(nng_aio *), size_t max_body)
{
	char url[300];
	nng_http_handler *h = NULL;
	int rv;

	snprintf(url, sizeof(url), "http://%s", addr);
	if ((rv = nng_url_parse(&urls[i], url)) != 0 ||
	    (rv = nng_http_server_hold(&servers[i], urls[i])) != 0 ||
	    (rv = nng_http_handler_alloc(&h, prefix, cb)) != 0 ||
	    (rv = nng_http_handler_set_method(h, "POST")) != 0 ||
	    (rv = nng_http_handler_set_tree(h)) != 0 ||
	    (rv = nng_http_handler_collect_body(h, true, max_body)) != 0 ||
	    (rv = nng_http_server_add_handler(servers[i], h)) != 0 ||
	    (rv = nng_http_server_start(servers[i])) != 0)
		return cf_err_set(CF_EIO, "%s: %s", url, nng_strerror(rv));
	return 0;
}

int http_start(nc_ctl *c)
{
	int rc;

	http_ctl = c;
	for (; jobs.nthreads < HTTP_WORKERS; jobs.nthreads++)
		if (pthread_create(&jobs.threads[jobs.nthreads], NULL, http_worker, NULL) != 0)
			return cf_err_set(CF_ERR, "cannot start the HTTP workers");
	rc = serve(0, c->events_http_addr, "/", on_event_post, 256u * 1024u);
	if (rc == 0)
		rc = serve(1, c->receiver_addr, "/hook", on_hook, CF_RECEIVER_BODY_MAX);   /* a tree: /hook/<digest> */
	return rc;
}

void http_stop(void)
{
	/* the workers first: nng's stop waits for no callback, and the requests they hold must
	 * be answered before the servers go */
	pthread_mutex_lock(&jobs.mu);
	jobs.stopping = 1;
	pthread_cond_broadcast(&jobs.cv);
	pthread_mutex_unlock(&jobs.mu);
	for (int i = 0; i < jobs.nthreads; i++)
		pthread_join(jobs.threads[i], NULL);
	jobs.nthreads = 0;
	for (int i = 0; i < 2; i++) {
		if (servers[i]) {
			nng_http_server_stop(servers[i]);
			nng_http_server_release(servers[i]);
		}
		nng_url_free(urls[i]);
		servers[i] = NULL;
		urls[i] = NULL;
	}
}
