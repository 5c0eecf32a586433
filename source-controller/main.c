/* source-controller/main.c - the process: flags, a watch per kind (GitRepository,
 * HelmRepository, HelmChart, OCIRepository), a pool of
 * reconcile workers, the artifact service and the notice publisher. SIGTERM finishes the
 * reconciles in flight, then exits 0. */
#include "artifact_server.h"
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/controller.h"
#include "source/git.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"

#include <pthread.h>
#include <sys/stat.h>

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

/* The kinds: one row each (runtime/controller.h). */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_GITREPOSITORY, helmchart_source_event, gitrepository_wants_reconcile, gitrepository_reconcile, 0 },
	{ CF_KIND_HELMREPOSITORY, helmchart_source_event, gitrepository_wants_reconcile, helmrepository_reconcile, 0 },
	{ CF_KIND_HELMCHART, helmchart_on_event, gitrepository_wants_reconcile, helmchart_reconcile, 0 },
	{ CF_KIND_OCIREPOSITORY, NULL, ocirepository_wants_reconcile, ocirepository_reconcile, 0 },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

static cf_artifact_server *server;
static pthread_t announcer;
static int announcing;
static const cf_controller_def def;

static int new_client(void *c, cf_kube **k)
{
	(void)c;
	return cf_controller_client(&def, k);
}

static int setup(void *ctx)
{
	(void)ctx;
	if (ctl.advertise_addr == NULL)
		ctl.advertise_addr = ctl.artifact_addr;
	mkdir(ctl.storage_path, 0755);
	if (cf_artifact_server_start(&server, ctl.artifact_addr, ctl.storage_path, ctl.internal_token) < 0)
		return -1;
	return cf_bus_pub_open(&ctl.notices, ctl.notify_addr, 0);
}

static int run(void *ctx)
{
	(void)ctx;
	if (ctl.internal_token == NULL)
		cf_log(CF_LOG_WARN, "no --internal-token-file: anyone who reaches the artifact service can read every artifact", NULL);
	ctl.new_client = new_client;
	if (pthread_create(&announcer, NULL, src_announce_run, &ctl) != 0)
		return cf_err_set(CF_ERR, "cannot start the announce thread");
	announcing = 1;
	cf_log(CF_LOG_INFO, "started", "storage", ctl.storage_path, "artifacts", ctl.artifact_addr,
	       "notices", ctl.notify_addr, NULL);
	return 0;
}

static void join(void *ctx)
{
	(void)ctx;
	if (announcing)
		pthread_join(announcer, NULL);
}

static void teardown(void *ctx)
{
	(void)ctx;
	cf_artifact_server_free(server);
	cf_bus_pub_free(ctl.notices);
	cf_git_global_shutdown();
	helmchart_index_free();
}

static const cf_controller_def def = {
	.name = SOURCE_CONTROLLER,
	.usage = "usage: source-controller [flags]\n\nFetches GitRepositories, HelmRepositories, HelmCharts and OCIRepositories and serves their artifacts over nng.",
	.flags = flags, .nflags = sizeof(flags) / sizeof(flags[0]), .kinds = &KINDS, .ctx = &ctl,
	.bind = CF_CONTROLLER_BIND(ctl), .workers = &ctl.concurrent, .requeue_max_ms = &ctl.requeue_max_ms,
	.events = &ctl.events, .setup = setup, .run = run, .join = join, .teardown = teardown,
};

int main(int argc, char **argv)
{
	return cf_controller_main(&def, argc, argv);
}
