/* kustomize-controller/main.c - the process: flags, a watch on Kustomizations, a watch and
 * the nng notices of their sources, the drift watches, and a pool of reconcile workers.
 * SIGTERM finishes the reconciles in flight, then exits 0. */
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/condition.h"
#include "runtime/worker.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ks_ctl ctl = {
	.notify_addr = CF_DEFAULT_NOTIFY_ADDR,
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.log_level = "info",
	.concurrent = 4,
	.requeue_dependency_ms = 30000,
	.requeue_max_ms = 5L * 60 * 1000,
	.artifact_max_size = 256L * 1024 * 1024,
	.max_files = 100000,
};

static const cf_flag flags[] = {
	CF_CONTROLLER_COMMON_FLAGS(ctl, "nng address of notification-controller for events",
				   "file holding the token artifact requests and events are sent with"),
	{ "source-notify-addr", CF_FLAG_STRING, &ctl.notify_addr, "nng address the source-controller publishes new-artifact notices on", 0 },
	{ "concurrent", CF_FLAG_INT, &ctl.concurrent, "Kustomizations reconciled at the same time", 1 },
	{ "requeue-dependency", CF_FLAG_DURATION, &ctl.requeue_dependency_ms, "how often to look again at dependencies that are not ready", 1000 },
	{ "requeue-max", CF_FLAG_DURATION, &ctl.requeue_max_ms, "longest backoff after failures", 1000 },
	{ "artifact-max-size", CF_FLAG_SIZE, &ctl.artifact_max_size, "largest artifact, unpacked", 1024 },
	{ "artifact-max-files", CF_FLAG_INT, &ctl.max_files, "most entries in an artifact", 1 },
	{ "no-cross-namespace-refs", CF_FLAG_BOOL, &ctl.no_cross_namespace_refs,
	  "refuse a sourceRef or dependsOn in another namespace (Ready=False, AccessDenied)", 0 },
	{ "default-service-account", CF_FLAG_STRING, &ctl.default_service_account,
	  "service account to impersonate when a Kustomization sets no spec.serviceAccountName (default: the controller's own)", 0 },
	{ "no-remote-bases", CF_FLAG_BOOL, &ctl.no_remote_bases,
	  "refuse kustomizations that name remote bases (cflux never fetches them; this makes it a policy error)", 0 },
};

int ks_new_client(ks_ctl *c, cf_kube **k)
{
	return cf_kube_new_for(k, c->kubeconfig, c->context, KUSTOMIZE_CONTROLLER);
}

/* a new-artifact notice: the consumers of that source look now */
static void on_notice(void *payload, const char *kind, const char *ns, const char *name, const char *revision)
{
	(void)payload;
	(void)revision;
	ks_enqueue_for_source(&ctl, kind, ns, name);
}

static int worker_client(void *ctx, cf_kube **k)
{
	return ks_new_client(ctx, k);
}

/* The kinds: one row each (runtime/controller.h). Kustomizations are reconciled; sources are
 * watched as the backstop of the notices, HelmReleases for the Kustomizations that depend on them. */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_KUSTOMIZATION, ks_on_kustomization, kustomization_wants_reconcile, kustomization_reconcile },
	{ CF_KIND_GITREPOSITORY, ks_on_source, NULL, NULL },
	{ CF_KIND_HELMRELEASE, ks_on_helmrelease, NULL, NULL },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

int main(int argc, char **argv)
{
	static cf_worker worker;
	static cf_notice_listener listener = { NULL, on_notice, NULL, &ctl.stop };
	cf_kind_watches *watches = NULL;
	pthread_t notices, *workers = NULL;
	int rc;

	rc = cf_controller_flags(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, "kustomize-controller",
				 "usage: kustomize-controller [flags]\n\nBuilds Kustomizations from source artifacts and applies them.",
				 &ctl.log_level);
	if (rc >= 0)
		return rc;
	pthread_mutex_init(&ctl.mu, NULL);
	ctl.index = json_object();
	ctl.drift = json_object();
	ctl.watches = json_object();
	ctl.health_waits = json_object();
	if (ctl.index == NULL || ctl.drift == NULL || ctl.watches == NULL || ctl.health_waits == NULL ||
	    (ctl.internal_token_file && cf_bus_token_load(&ctl.internal_token, ctl.internal_token_file) < 0) ||
	    cf_workqueue_new(&ctl.queue, 1000, ctl.requeue_max_ms) < 0 ||
	    cf_objcache_new(&ctl.cache) < 0 ||
	    cf_bus_pub_open(&ctl.events, ctl.events_addr, 1) < 0 ||
	    cf_bus_pub_set_token(ctl.events, ctl.internal_token) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	cf_stop_on_signals(&ctl.stop);
	listener.addr = ctl.notify_addr;
	worker = (cf_worker){ ctl.queue, worker_client, &KINDS, &ctl };
	if (cf_worker_pool_start(&workers, ctl.concurrent, &worker) < 0 ||
	    cf_kind_watches_start(&watches, &KINDS, ctl.watch_namespace, ctl.queue, worker_client, &ctl, &ctl.stop) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	pthread_create(&notices, NULL, cf_notice_listener_run, &listener);
	cf_log(CF_LOG_INFO, "started", "notices", ctl.notify_addr, "events", ctl.events_addr, NULL);
	cf_wait_for_stop(&ctl.stop);
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);
	workers = NULL;
	cf_kind_watches_join(watches);
	pthread_join(notices, NULL);
	pthread_mutex_lock(&ctl.mu);   /* no drift watch starts after this */
	pthread_mutex_unlock(&ctl.mu);
	for (size_t i = 0; i < ctl.nwatch_threads; i++)
		pthread_join(ctl.watch_threads[i], NULL);
	rc = 0;
out:
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);   /* only after a failed start */
	cf_free(ctl.watch_threads);
	cf_bus_pub_free(ctl.events);
	cf_bus_token_free(ctl.internal_token);
	cf_objcache_free(ctl.cache);
	cf_workqueue_free(ctl.queue);
	json_decref(ctl.index);
	json_decref(ctl.drift);
	json_decref(ctl.watches);
	json_decref(ctl.health_waits);
	pthread_mutex_destroy(&ctl.mu);
	return rc;
}
