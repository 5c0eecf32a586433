/* common/kube/kube_watch.c - a streaming watch that resumes, follows bookmarks, and lists again
 * on 410 Gone, reporting what changed meanwhile. */
#include "kube/kube.h"

#include "http/http.h"
#include "kube/kube_internal.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_LINE_MAX (64u * 1024u * 1024u)

typedef struct watch_state {
	cf_kube *k;
	const cf_kube_ref *ref;
	const cf_kube_watch_opts *opts;
	cf_kube_watch_cb cb;
	void *payload;
	cf_buf line;          /* the event being received */
	json_t *known;        /* "namespace/name" -> resourceVersion of what was delivered */
	int stopped;          /* by the callback or *stop */
	int gone;             /* an ERROR event with 410 */
	long error_code;      /* another ERROR event */
	unsigned long events; /* delivered on this connection */
} watch_state;

static int want_stop(const watch_state *w)
{
	return w->stopped || (w->opts->stop && *w->opts->stop);
}

static int object_key(char *buf, size_t size, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));

	if (name == NULL)
		return -1;
	snprintf(buf, size, "%s/%s", ns ? ns : "", name);
	return 0;
}

static void set_rv(cf_kube *k, const char *rv)
{
	if (rv && rv[0])
		snprintf(k->watch_rv, sizeof(k->watch_rv), "%s", rv);
}

static const char *object_rv(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

/* Delivers one change and keeps `known` in step. */
static int deliver(watch_state *w, const char *type, json_t *obj)
{
	char key[600];
	const char *rv = object_rv(obj);

	if (object_key(key, sizeof(key), obj) == 0) {
		if (strcmp(type, "DELETED") == 0)
			json_object_del(w->known, key);
		else if (json_object_set_new(w->known, key, json_string(rv ? rv : "")) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	set_rv(w->k, rv);
	w->events++;
	if (w->cb(type, obj, w->payload) != 0)
		w->stopped = 1;
	return 0;
}

static int handle_event(watch_state *w, const char *text, size_t len)
{
	json_t *ev = json_loadb(text, len, 0, NULL), *obj;
	const char *type;
	int rc = 0;

	if (ev == NULL) {
		cf_log(CF_LOG_WARN, "watch: undecodable event skipped", "kind", w->ref->kind, NULL);
		return 0;
	}
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	if (type == NULL || !json_is_object(obj)) {
		json_decref(ev);
		return 0;
	}
	if (strcmp(type, "BOOKMARK") == 0) {
		set_rv(w->k, object_rv(obj));
	} else if (strcmp(type, "ERROR") == 0) {
		long code = (long)json_integer_value(json_object_get(obj, "code"));
		const char *msg = json_string_value(json_object_get(obj, "message"));
		if (code == 410)
			w->gone = 1;
		else {
			w->error_code = code ? code : 500;
			cf_err_set(CF_EAPI, "watch %s: %s", w->ref->kind, msg ? msg : "error event");
		}
	} else {
		rc = deliver(w, type, obj);
	}
	json_decref(ev);
	return rc;
}

/* The sink of a watch connection: whole lines are events. A negative return ends the
 * connection; watch_once then tells why from the state. */
static int on_stream(const void *p, size_t len, void *payload)
{
	watch_state *w = payload;
	char *nl;
	int rc;

	if ((rc = cf_buf_append(&w->line, p, len)) < 0)
		return cf_err_set(rc, "watch %s: an event larger than %u bytes", w->ref->kind, WATCH_LINE_MAX);
	while (w->line.len && (nl = memchr(w->line.data, '\n', w->line.len)) != NULL) {
		size_t l = (size_t)(nl - w->line.data);
		if ((rc = handle_event(w, w->line.data, l)) < 0)
			return rc;
		cf_buf_consume(&w->line, l + 1);
		if (want_stop(w) || w->gone || w->error_code)
			return CF_ESTOPPED;
	}
	return 0;
}

/* Lists, and reports the difference from what was delivered before. */
static int relist(watch_state *w)
{
	json_t *list = NULL, *seen = json_object(), *item;
	const char *key;
	json_t *val;
	void *tmp;
	size_t i;
	int rc;

	if (seen == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_kube_list(w->k, &list, w->ref, w->opts->label_selector);
	json_array_foreach(json_object_get(list, "items"), i, item) {
		char k[600];
		const char *rv = object_rv(item), *old;

		if (rc < 0 || want_stop(w) || object_key(k, sizeof(k), item) < 0)
			continue;
		/* items of built-in kinds come without apiVersion and kind */
		if (!json_object_get(item, "apiVersion"))
			json_object_set_new(item, "apiVersion", json_string(w->ref->api_version));
		if (!json_object_get(item, "kind"))
			json_object_set_new(item, "kind", json_string(w->ref->kind));
		json_object_set_new(seen, k, json_true());
		old = json_string_value(json_object_get(w->known, k));
		if (old && rv && strcmp(old, rv) == 0)
			continue;
		rc = deliver(w, old ? "MODIFIED" : "ADDED", item);
	}
	json_object_foreach_safe(w->known, tmp, key, val) {
		(void)val;
		if (rc < 0 || want_stop(w) || json_object_get(seen, key))
			continue;
		const char *slash = strchr(key, '/');
		char ns[300];
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
		json_t *gone = json_pack("{s:s,s:s,s:{s:s,s:s*}}", "apiVersion", w->ref->api_version,
					 "kind", w->ref->kind, "metadata", "name", slash + 1,
					 "namespace", ns[0] ? ns : NULL);
		if (gone == NULL) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			continue;
		}
		rc = deliver(w, "DELETED", gone);
		json_decref(gone);
	}
	if (rc == 0)
		set_rv(w->k, json_string_value(json_object_get(json_object_get(list, "metadata"), "resourceVersion")));
	json_decref(list);
	json_decref(seen);
	return rc;
}

static void watch_sleep(watch_state *w, int attempt)
{
	long ms = 250L << (attempt > 5 ? 5 : attempt);
	struct timespec slice = { 0, 100 * 1000000L };

	if (ms > 5000)
		ms = 5000;
	ms = ms / 2 + (long)(rand_r(&w->k->rand_state) % (unsigned)(ms / 2 + 1));
	for (long t = 0; t < ms && !want_stop(w); t += 100)
		nanosleep(&slice, NULL);
}

static int transient(int rc)
{
	return rc == CF_EIO || rc == CF_ETIMEOUT || rc == CF_EAPI || rc == CF_EGONE;
}

static int watch_path(watch_state *w, cf_buf *path, const char *timeout)
{
	cf_kube *k = w->k;
	cf_kube_resource res;
	int rc = kube_path(k, path, &res, w->ref, NULL, 1);

	if (rc == 0) rc = kube_query(path, "watch", "1");
	if (rc == 0) rc = kube_query(path, "allowWatchBookmarks", "true");
	if (rc == 0) rc = kube_query(path, "timeoutSeconds", timeout);
	if (rc == 0 && k->watch_rv[0]) rc = kube_query(path, "resourceVersion", k->watch_rv);
	if (rc == 0 && w->opts->label_selector && w->opts->label_selector[0])
		rc = kube_query(path, "labelSelector", w->opts->label_selector);
	return rc;
}

/* One watch connection from k->watch_rv. Returns 0 when it ended normally (timeout, stop),
 * CF_EGONE when the resourceVersion is too old, or another error. */
static int watch_once(watch_state *w)
{
	cf_kube *k = w->k;
	cf_buf path = CF_BUF_INIT(8192), url = CF_BUF_INIT(16384);
	cf_http_headers headers = CF_HTTP_HEADERS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response r;
	char timeout[32];
	int rc;

	memset(&r, 0, sizeof(r));
	w->gone = 0;
	w->error_code = 0;
	w->events = 0;
	cf_buf_reset(&w->line);
	snprintf(timeout, sizeof(timeout), "%ld", w->opts->server_timeout_s > 0 ? w->opts->server_timeout_s : 300);
	rc = watch_path(w, &path, timeout);
	if (rc == 0) rc = cf_buf_printf(&url, "%s%s", k->cfg->server, path.data);
	if (rc == 0) rc = kube_build_headers(k, &headers, NULL);
	if (rc < 0)
		goto out;
	req.url = url.data;
	req.headers = (const char *const *)headers.lines;
	req.sink = on_stream;
	req.sink_payload = w;
	req.timeout_ms = (atol(timeout) + 30) * 1000L;
	req.cancel = w->opts->stop;
	req.max_retries = 0;   /* cf_kube_watch reconnects, with its own backoff and a log line */
	rc = cf_http_do(k->http, &req, &r);
	kube_note_reply(k, &r);
	if (want_stop(w))
		rc = 0;
	else if (w->gone || r.code == 410)
		rc = cf_err_set(CF_EGONE, "watch %s: resourceVersion %s is too old", w->ref->kind, k->watch_rv);
	else if (w->error_code)
		rc = CF_EAPI;
	else if (r.code != 0 && r.code != 200)
		rc = kube_status_error(k, r.code, r.body.data, r.body.len, "WATCH", path.data);
	else if (rc < 0 && w->events > 0)
		rc = 0;   /* the connection broke after events came: resume from the last */
	else if (rc < 0)
		cf_err_prefix("watch %s", w->ref->kind);
out:
	cf_http_headers_free(&headers);
	cf_http_response_free(&r);
	cf_buf_free(&path);
	cf_buf_free(&url);
	return rc;
}

int cf_kube_watch(cf_kube *k, const cf_kube_ref *ref, const cf_kube_watch_opts *opts,
		  cf_kube_watch_cb cb, void *payload)
{
	cf_kube_watch_opts defaults = CF_KUBE_WATCH_OPTS_INIT;
	watch_state w;
	int rc = 0, attempt = 0, need_list;

	if (opts == NULL)
		opts = &defaults;
	if (opts->version != CF_KUBE_WATCH_OPTS_VERSION)
		return cf_err_set(CF_EINVAL, "cf_kube_watch_opts version %u is not %u", opts->version,
				  CF_KUBE_WATCH_OPTS_VERSION);
	memset(&w, 0, sizeof(w));
	w.k = k;
	w.ref = ref;
	w.opts = opts;
	w.cb = cb;
	w.payload = payload;
	cf_buf_init(&w.line, WATCH_LINE_MAX);
	w.known = json_object();
	if (w.known == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	k->watch_rv[0] = '\0';
	need_list = opts->resource_version == NULL || opts->resource_version[0] == '\0';
	if (!need_list)
		set_rv(k, opts->resource_version);
	while (!want_stop(&w)) {
		rc = need_list ? relist(&w) : watch_once(&w);
		if (want_stop(&w)) {
			rc = 0;
			break;
		}
		if (rc == 0) {
			if (need_list && opts->on_listed)
				opts->on_listed(opts->listed_payload);
			need_list = 0;
			attempt = 0;
			continue;
		}
		if (rc == CF_EGONE) {
			cf_log(CF_LOG_INFO, "watch: resourceVersion too old, listing again", "kind", ref->kind, NULL);
			need_list = 1;
			continue;
		}
		if (!transient(rc))
			break;
		cf_log(CF_LOG_WARN, "watch: reconnecting", "kind", ref->kind, "error", cf_err_msg(), NULL);
		watch_sleep(&w, attempt++);
		rc = 0;
	}
	json_decref(w.known);
	cf_buf_free(&w.line);
	return rc;
}
