/* common/worker.c - the reconcile loop of a worker thread. */
#include "worker.h"

#include "err.h"
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 512

void *cf_worker_run(void *arg)
{
	const cf_worker *w = arg;
	cf_kube *k = NULL;
	char key[KEY_MAX];

	while (cf_workqueue_get(w->queue, key, sizeof(key)) == 0) {
		char *slash = strchr(key, '/');
		long requeue = 0;
		int rc;

		if (slash == NULL) {
			cf_workqueue_done(w->queue, key);
			continue;
		}
		if (k == NULL && w->new_client(w->ctx, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client", "error", cf_err_msg(), NULL);
			cf_workqueue_add_backoff(w->queue, key);
			cf_workqueue_done(w->queue, key);
			continue;
		}
		*slash = '\0';
		rc = w->reconcile(w->ctx, k, key, slash + 1, &requeue);
		*slash = '/';
		if (rc < 0) {
			long delay = cf_workqueue_add_backoff(w->queue, key);
			char d[32];
			snprintf(d, sizeof(d), "%ldms", delay);
			cf_log(CF_LOG_WARN, "reconcile failed", "object", key, "error", cf_err_msg(), "retry", d, NULL);
		} else {
			cf_workqueue_forget(w->queue, key);
			if (requeue > 0)
				cf_workqueue_add_after(w->queue, key, requeue);
		}
		cf_workqueue_done(w->queue, key);
	}
	cf_kube_free(k);
	return NULL;
}

void *cf_watcher_run(void *arg)
{
	const cf_watcher *w = arg;
	cf_kube_watch_opts o = CF_KUBE_WATCH_OPTS_INIT;
	cf_kube *k = NULL;

	o.stop = w->stop;
	o.label_selector = w->label_selector;
	while (!*w->stop) {
		if (k == NULL && w->new_client(w->ctx, &k) < 0) {
			cf_log(CF_LOG_ERROR, "cannot create an API client", "error", cf_err_msg(), NULL);
			for (int i = 0; i < 50 && !*w->stop; i++)
				usleep(100000);
			continue;
		}
		if (w->on_state)
			w->on_state(1, w->payload);
		if (cf_kube_watch(k, &w->ref, &o, w->cb, w->payload) < 0 && !*w->stop) {
			if (w->on_state)
				w->on_state(0, w->payload);
			cf_log(CF_LOG_ERROR, "watch failed; retrying", "kind", w->ref.kind, "error", cf_err_msg(), NULL);
			for (int i = 0; i < 50 && !*w->stop; i++)
				usleep(100000);
		}
	}
	if (w->on_state)
		w->on_state(0, w->payload);
	cf_kube_free(k);
	return NULL;
}
