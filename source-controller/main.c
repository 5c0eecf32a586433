/* source-controller/main.c - the process: flags, a watch per kind (GitRepository), a pool of
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

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static int worker_client(void *ctx, cf_kube **k)
{
	(void)ctx;
	return new_client(k);
}

/* The kinds: one row each (runtime/controller.h). */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_GITREPOSITORY, NULL, gitrepository_wants_reconcile, gitrepository_reconcile },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

int main(int argc, char **argv)
{
	static cf_worker worker;
	cf_artifact_server *server = NULL;
	cf_kind_watches *watches = NULL;
	pthread_t *workers = NULL;
	int rc;

	rc = cf_controller_flags(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, "source-controller",
				 "usage: source-controller [flags]\n\nFetches GitRepositories and serves their artifacts over nng.",
				 &ctl.log_level);
	if (rc >= 0)
		return rc;
	if (ctl.advertise_addr == NULL)
		ctl.advertise_addr = ctl.artifact_addr;
	mkdir(ctl.storage_path, 0755);
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
	worker = (cf_worker){ ctl.queue, worker_client, &KINDS, &ctl };
	if (cf_worker_pool_start(&workers, ctl.concurrent, &worker) < 0 ||
	    cf_kind_watches_start(&watches, &KINDS, ctl.watch_namespace, ctl.queue, worker_client, &ctl, &ctl.stop) < 0) {
		cf_log(CF_LOG_ERROR, "cannot start", "error", cf_err_msg(), NULL);
		rc = 1;
		goto out;
	}
	if (ctl.internal_token == NULL)
		cf_log(CF_LOG_WARN, "no --internal-token-file: anyone who reaches the artifact service can read every artifact", NULL);
	cf_log(CF_LOG_INFO, "started", "storage", ctl.storage_path, "artifacts", ctl.artifact_addr,
	       "notices", ctl.notify_addr, NULL);
	cf_wait_for_stop(&ctl.stop);
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);
	workers = NULL;
	cf_kind_watches_join(watches);
	rc = 0;
out:
	cf_worker_pool_join(workers, ctl.concurrent, ctl.queue);   /* only after a failed start */
	cf_artifact_server_free(server);
	cf_bus_pub_free(ctl.notices);
	cf_bus_pub_free(ctl.events);
	cf_workqueue_free(ctl.queue);
	cf_bus_token_free(ctl.internal_token);
	cf_git_global_shutdown();
	return rc;
}
