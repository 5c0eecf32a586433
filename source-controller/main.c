/* source-controller/main.c - the process: flags, a watch per kind (GitRepository,
 * HelmRepository, HelmChart), a pool of
 * reconcile workers, the artifact service and the notice publisher. SIGTERM finishes the
 * reconciles in flight, then exits 0. */
#include "artifact_server.h"
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/worker.h"
#include "source/git.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_MAX 512

static src_ctl ctl = {
	.kubeconfig = NULL,
	.storage_path = "/data",
	.artifact_addr = CF_DEFAULT_ARTIFACT_ADDR,
	.notify_addr = CF_DEFAULT_NOTIFY_ADDR,
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.advertise_addr = NULL,
	.log_level = "info",
	.concurrent = 4,
	.artifact_max_size = 50L * 1024 * 1024,
	.requeue_max_ms = 5L * 60 * 1000,
};

static const cf_flag flags[] = {
	CF_CONTROLLER_COMMON_FLAGS(ctl, "nng address of notification-controller for events",
				   "file holding the token artifact requests must carry and events are sent with"),
	{ "storage-path", CF_FLAG_STRING, &ctl.storage_path, "where artifacts and Git caches live", 0 },
	{ "artifact-addr", CF_FLAG_STRING, &ctl.artifact_addr, "nng address the artifact service listens on", 0 },
	{ "notify-addr", CF_FLAG_STRING, &ctl.notify_addr, "nng address new-artifact notices are published on", 0 },
	{ "storage-adv-addr", CF_FLAG_STRING, &ctl.advertise_addr, "address written into status.artifact.url (default: --artifact-addr)", 0 },
	{ "concurrent", CF_FLAG_INT, &ctl.concurrent, "objects reconciled at the same time", 1 },
	{ "artifact-max-size", CF_FLAG_SIZE, &ctl.artifact_max_size, "largest artifact, compressed", 1024 },
	{ "requeue-max", CF_FLAG_DURATION, &ctl.requeue_max_ms, "longest backoff after failures", 1000 },
};

static int new_client(cf_kube **k)
{
	return cf_kube_new_for(k, ctl.kubeconfig, ctl.context, SOURCE_CONTROLLER);
}

/* The kinds this controller reconciles, each with its watch filter and reconcile. Work keys are
 * "Kind/ns/name". */
static const struct {
	cf_kind_id kind;
	int (*wants)(const char *type, const json_t *obj);
	int (*reconcile)(src_ctl *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
} KINDS[] = {
	{ CF_KIND_GITREPOSITORY, gitrepository_wants_reconcile, gitrepository_reconcile },
	{ CF_KIND_HELMREPOSITORY, src_wants_reconcile, helmrepository_reconcile },
	{ CF_KIND_HELMCHART, src_wants_reconcile, helmchart_reconcile },
};
#define NKINDS (sizeof(KINDS) / sizeof(KINDS[0]))

/* HelmChart key -> "SourceKind/ns/name", and source -> last artifact revision seen: a new
 * artifact of a source enqueues the charts built from it. */
static pthread_mutex_t chart_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *chart_sources, *source_revisions;

static void enqueue(const char *kind, const char *ns, const char *name)
{
	char key[KEY_MAX];

	snprintf(key, sizeof(key), "%s/%s/%s", kind, ns, name);
	cf_workqueue_add(ctl.queue, key);
}

static void track_chart(const char *type, const json_t *obj, const char *ns, const char *name)
{
	const json_t *ref = json_object_get(json_object_get(obj, "spec"), "sourceRef");
	char key[KEY_MAX], src[KEY_MAX];

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	snprintf(src, sizeof(src), "%s/%s/%s", cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "",
		 ns, cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
	pthread_mutex_lock(&chart_mu);
	if (strcmp(type, "DELETED") == 0)
		json_object_del(chart_sources, key);
	else
		json_object_set_new(chart_sources, key, json_string(src));
	pthread_mutex_unlock(&chart_mu);
}

static void source_changed(const char *kind, const json_t *obj, const char *ns, const char *name)
{
	const char *rev = cf_json_str(json_object_get(json_object_get(obj, "status"), "artifact"), "revision");
	const char *seen, *key;
	char src[KEY_MAX];
	json_t *v, *todo = json_array();

	snprintf(src, sizeof(src), "%s/%s/%s", kind, ns, name);
	pthread_mutex_lock(&chart_mu);
	seen = cf_json_str(source_revisions, src);
	if (rev && (seen == NULL || strcmp(seen, rev) != 0)) {
		json_object_set_new(source_revisions, src, json_string(rev));
		json_object_foreach(chart_sources, key, v)
			if (strcmp(json_string_value(v), src) == 0)
				json_array_append_new(todo, json_string(key));
	}
	pthread_mutex_unlock(&chart_mu);
	for (size_t i = 0; i < json_array_size(todo); i++) {
		char key2[KEY_MAX];
		snprintf(key2, sizeof(key2), "HelmChart/%s", json_string_value(json_array_get(todo, i)));
		cf_workqueue_add(ctl.queue, key2);
	}
	json_decref(todo);
}

static int on_watch(const char *type, json_t *obj, void *payload)
{
	const size_t i = (size_t)(uintptr_t)payload;
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *kind = cf_kind_get(KINDS[i].kind)->kind;

	if (ns == NULL || name == NULL)
		return 0;
	if (KINDS[i].kind == CF_KIND_HELMCHART)
		track_chart(type, obj, ns, name);
	else if (strcmp(type, "DELETED") != 0)
		source_changed(kind, obj, ns, name);
	if (KINDS[i].wants(type, obj))
		enqueue(kind, ns, name);
	return 0;
}

static int worker_client(void *ctx, cf_kube **k)
{
	(void)ctx;
	return new_client(k);
}

/* The worker hands over the part of the key before the first '/' (the Kind) and the rest. */
static int worker_reconcile(void *ctx, cf_kube *k, const char *kind, const char *nsname, long *requeue_ms)
{
	const char *slash = strchr(nsname, '/');
	char ns[256];

	*requeue_ms = 0;
	if (slash == NULL || (size_t)(slash - nsname) >= sizeof(ns))
		return cf_err_set(CF_EINVAL, "work key \"%s/%s\" is not Kind/namespace/name", kind, nsname);
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - nsname), nsname);
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(cf_kind_get(KINDS[i].kind)->kind, kind) == 0)
			return KINDS[i].reconcile(ctx, k, ns, slash + 1, requeue_ms);
	return cf_err_set(CF_EINVAL, "work key \"%s/%s\": not a kind of this controller", kind, nsname);
}

int main(int argc, char **argv)
{
	static cf_worker worker;
	static cf_watcher watch[NKINDS];
	cf_artifact_server *server = NULL;
	pthread_t watcher[NKINDS], *workers = NULL;
	int rc;

	rc = cf_controller_flags(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, "source-controller",
				 "usage: source-controller [flags]\n\nFetches GitRepositories, HelmRepositories and HelmCharts and serves their artifacts over nng.",
				 &ctl.log_level);
	if (rc >= 0)
		return rc;
	if (ctl.advertise_addr == NULL)
		ctl.advertise_addr = ctl.artifact_addr;
	mkdir(ctl.storage_path, 0755);
	chart_sources = json_object();
	source_revisions = json_object();
	if ((ctl.internal_token_file && cf_bus_token_load(&ctl.internal_token, ctl.internal_token_file) < 0) ||
	    cf_workqueue_new(&ctl.queue, 1000, ctl.requeue_max_ms) < 0 ||
	    cf_artifact_server_start(&server, ctl.artifact_addr, ctl.storage_path, ctl.internal_token) < 0 ||
	    cf_bus_pub_open(&ctl.notices, ctl.notify_addr, 0) < 0 ||
	    cf_bus_pub_open(&ctl.events, ctl.events_addr, 1) < 0 ||
	    cf_bus_pub_set_token(ctl.events, ctl.internal_token) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	cf_stop_on_signals(&ctl.stop);
	worker = (cf_worker){ ctl.queue, worker_client, worker_reconcile, &ctl };
	if (cf_worker_pool_start(&workers, ctl.concurrent, &worker) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < NKINDS; i++) {
		const cf_kind *kd = cf_kind_get(KINDS[i].kind);
		watch[i] = (cf_watcher){ { kd->api_version, kd->kind, ctl.watch_namespace, NULL }, NULL, on_watch,
					 (void *)(uintptr_t)i, worker_client, &ctl, NULL, &ctl.stop };
		pthread_create(&watcher[i], NULL, cf_watcher_run, &watch[i]);
	}
	if (ctl.internal_token == NULL)
		cf_log(CF_LOG_WARN, "no --internal-token-file: anyone who reaches the artifact service can read every artifact", NULL);
	cf_log(CF_LOG_INFO, "started", "storage", ctl.storage_path, "artifacts", ctl.artifact_addr,
	       "notices", ctl.notify_addr, NULL);
	cf_wait_for_stop(&ctl.stop);
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);
	workers = NULL;
	for (size_t i = 0; i < NKINDS; i++)
		pthread_join(watcher[i], NULL);
	rc = 0;
out:
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);   /* only after a failed start */
	cf_artifact_server_free(server);
	cf_bus_pub_free(ctl.notices);
	cf_bus_pub_free(ctl.events);
	cf_workqueue_free(ctl.queue);
	cf_bus_token_free(ctl.internal_token);
	json_decref(chart_sources);
	json_decref(source_revisions);
	cf_git_global_shutdown();
	return rc;
}
