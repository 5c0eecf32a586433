/* notification-controller/receiver.c - Receivers (webhook path, status) and the two HTTP
 * servers, on nng's HTTP server: events (POST of Flux event JSON) and webhooks (/hook/...). */
#include "controller.h"

#include "alloc.h"
#include "base64.h"
#include "condition.h"
#include "err.h"
#include "log.h"
#include "receiver.h"
#include "status.h"

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Drops the path map entries of Receiver key. Called locked. */
static void forget(nc_ctl *c, const char *key)
{
	const char *path;
	json_t *e, *tmp;

	json_object_foreach_safe(c->receivers, tmp, path, e)
		if (strcmp(sget(e, "key"), key) == 0)
			json_object_del(c->receivers, path);
}

static int read_token(cf_kube *k, char **token, const char *ns, const char *name)
{
	json_t *s = NULL;
	const char *b64;
	unsigned char *dec = NULL;
	size_t len = 0;
	int rc;

	*token = NULL;
	if ((rc = cf_kube_get(k, &s, &(cf_kube_ref){ "v1", "Secret", ns, name })) < 0)
		return cf_err_prefix("unable to read token from secret '%s/%s'", ns, name);
	b64 = sget(json_object_get(s, "data"), "token");
	if (b64 == NULL || cf_base64_decode(&dec, &len, b64, strlen(b64)) < 0 || len == 0) {
		json_decref(s);
		cf_free(dec);
		return cf_err_set(CF_EINVAL, "secret '%s/%s' has no 'token'", ns, name);
	}
	*token = cf_strndup((const char *)dec, len);
	cf_free_secret(dec, len);
	json_decref(s);
	return *token ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

int receiver_reconcile(nc_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	json_t *r = NULL, *status, *orig;
	const char *secret, *reason = "TokenNotFound";
	char key[512], path[80], msg[300];
	char *token = NULL;
	long long gen;
	int rc;

	*requeue_ms = 0;
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	rc = cf_kube_get(k, &r, &(cf_kube_ref){ NOTIFICATION_GROUP_V1, "Receiver", ns, name });
	if (rc == CF_ENOTFOUND || (rc == 0 && (json_object_get(json_object_get(r, "metadata"), "deletionTimestamp") ||
					      json_is_true(json_object_get(json_object_get(r, "spec"), "suspend"))))) {
		pthread_mutex_lock(&c->mu);
		forget(c, key);
		pthread_mutex_unlock(&c->mu);
		json_decref(r);
		return 0;
	}
	if (rc < 0)
		return rc;
	gen = json_integer_value(json_object_get(json_object_get(r, "metadata"), "generation"));
	orig = json_object_get(r, "status") ? json_deep_copy(json_object_get(r, "status")) : json_object();
	status = json_deep_copy(orig);
	secret = sget(json_object_get(json_object_get(r, "spec"), "secretRef"), "name");
	if ((rc = nc_refs_refused(c, "Receiver", r)) < 0)
		reason = "AccessDenied";   /* no path: nothing is annotated for it */
	else
		rc = secret ? read_token(k, &token, ns, secret) : cf_err_set(CF_EINVAL, "spec.secretRef.name is required");
	cf_status_mark_handled(status, r);
	pthread_mutex_lock(&c->mu);
	forget(c, key);
	if (rc == 0) {
		cf_receiver_path(path, token, name, ns);
		json_object_set_new(c->receivers, path, json_pack("{s:s,s:s,s:O}", "key", key, "token", token, "receiver", r));
	}
	pthread_mutex_unlock(&c->mu);
	if (rc == 0) {
		snprintf(msg, sizeof(msg), "Receiver initialized for path: %s", path);
		json_object_set_new(status, "webhookPath", json_string(path));
		cf_condition_set(status, CF_COND_READY, "True", CF_REASON_SUCCEEDED, msg, gen);
		cf_log(CF_LOG_INFO, "receiver ready", "receiver", key, "path", path, NULL);
	} else {
		json_object_del(status, "webhookPath");
		cf_condition_set(status, CF_COND_READY, "False", reason, cf_err_msg(), gen);
		cf_log(CF_LOG_WARN, "receiver not ready", "receiver", key, "error", cf_err_msg(), NULL);
		*requeue_ms = 10000;   /* the secret may come */
	}
	if (!json_equal(orig, status) && cf_status_patch(k, r, status) < 0)
		cf_log(CF_LOG_WARN, "status not written", "receiver", key, "error", cf_err_msg(), NULL);
	if (token)
		cf_free_secret(token, strlen(token));
	json_decref(orig);
	json_decref(status);
	json_decref(r);
	return 0;
}

/* ---- annotating the resources ---- */

static const char *default_api_version(const char *kind)
{
	static const char *const map[][2] = {
		{ "GitRepository", "source.toolkit.fluxcd.io/v1" }, { "HelmRepository", "source.toolkit.fluxcd.io/v1" },
		{ "Bucket", "source.toolkit.fluxcd.io/v1" }, { "OCIRepository", "source.toolkit.fluxcd.io/v1beta2" },
		{ "HelmChart", "source.toolkit.fluxcd.io/v1" }, { "Kustomization", "kustomize.toolkit.fluxcd.io/v1" },
		{ "HelmRelease", "helm.toolkit.fluxcd.io/v2" }, { "ImageRepository", "image.toolkit.fluxcd.io/v1beta2" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (kind && strcmp(kind, map[i][0]) == 0)
			return map[i][1];
	return NULL;
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
	const char *rns = sget(json_object_get(receiver, "metadata"), "namespace");
	const json_t *res;
	char stamp[64];
	struct timespec ts;
	struct tm tm;
	size_t i;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%09ldZ", ts.tv_nsec);
	*count = 0;
	json_array_foreach(json_object_get(json_object_get(receiver, "spec"), "resources"), i, res) {
		const char *kind = sget(res, "kind"), *name = sget(res, "name");
		const char *av = sget(res, "apiVersion") ? sget(res, "apiVersion") : default_api_version(kind);
		cf_kube_ref ref = { av, kind, sget(res, "namespace") ? sget(res, "namespace") : rns, name };
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
				one.name = sget(json_object_get(o, "metadata"), "name");
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

static void on_event_post(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	void *body;
	size_t len;
	char msg[600];
	int rc;

	nng_http_req_get_data(req, &body, &len);
	pthread_mutex_lock(&http_ctl->api_mu);
	rc = dispatcher_event(http_ctl->d, http_ctl->api, body ? body : "", len);
	snprintf(msg, sizeof(msg), "%s\n", rc < 0 ? cf_err_msg() : "accepted");
	pthread_mutex_unlock(&http_ctl->api_mu);
	reply(aio, rc < 0 ? 400 : 202, msg);
}

static const char *req_header(void *ctx, const char *name)
{
	return nng_http_req_get_header(ctx, name);
}

static void on_hook(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	const char *uri = nng_http_req_get_uri(req), *why = NULL;
	json_t *e, *receiver = NULL;
	char *token = NULL, key[512] = "", msg[600];
	void *body;
	size_t len;
	cf_receiver_verdict v;
	int count = 0, rc;

	nng_http_req_get_data(req, &body, &len);
	pthread_mutex_lock(&http_ctl->mu);
	e = json_object_get(http_ctl->receivers, uri);
	if (e) {
		token = cf_strdup(sget(e, "token"));
		receiver = json_deep_copy(json_object_get(e, "receiver"));
		snprintf(key, sizeof(key), "%s", sget(e, "key"));
	}
	pthread_mutex_unlock(&http_ctl->mu);
	if (e == NULL) {
		reply(aio, 404, "no receiver at this path\n");
		return;
	}
	v = cf_receiver_check(receiver, token, req_header, req, body ? body : "", len, &why);
	if (v == CF_RECEIVER_ACT) {
		pthread_mutex_lock(&http_ctl->api_mu);
		rc = annotate_resources(http_ctl->api, receiver, &count);
		snprintf(msg, sizeof(msg), "%s", rc < 0 ? cf_err_msg() : "");
		pthread_mutex_unlock(&http_ctl->api_mu);
		if (rc < 0)
			cf_log(CF_LOG_ERROR, "webhook: annotating resources failed", "receiver", key, "error", msg, NULL);
		snprintf(msg, sizeof(msg), "%d resources annotated\n", count);
		cf_log(CF_LOG_INFO, "webhook accepted", "receiver", key, "annotated", msg, NULL);
		reply(aio, rc < 0 ? 500 : 200, msg);
	} else {
		snprintf(msg, sizeof(msg), "%s\n", why);
		cf_log(v == CF_RECEIVER_IGNORE ? CF_LOG_DEBUG : CF_LOG_WARN, "webhook not acted on", "receiver", key,
		       "why", why, NULL);
		reply(aio, v == CF_RECEIVER_IGNORE ? 200 : v == CF_RECEIVER_DENY ? 401 : 400, msg);
	}
	if (token)
		cf_free_secret(token, strlen(token));
	json_decref(receiver);
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
	rc = serve(0, c->events_http_addr, "/", on_event_post, 256u * 1024u);
	if (rc == 0)
		rc = serve(1, c->receiver_addr, "/hook", on_hook, CF_RECEIVER_BODY_MAX);   /* a tree: /hook/<digest> */
	return rc;
}

void http_stop(void)
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
}
