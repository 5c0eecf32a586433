/* kustomize-controller/main.c - the process: flags, its kind rows (Kustomizations reconciled, their
 * sources watched), the nng notices of the sources, the drift watches, and a pool of reconcile workers.
 * SIGTERM finishes the reconciles in flight, then exits 0. */
#include "controller.h"

#include "runtime/addr.h"
#include "runtime/controller.h"
#include "runtime/worker.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"

#include <pthread.h>
#include <unistd.h>

static ks_ctl ctl = {
	.notify_addr = CF_DEFAULT_NOTIFY_ADDR,
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.log_level = "info",
	.concurrent = 4,
	.concurrent_ssa = 4,
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
	{ "concurrent-ssa", CF_FLAG_INT, &ctl.concurrent_ssa,
	  "server-side apply requests (dry runs and applies) in flight at once for one Kustomization", 1 },
	{ "requeue-dependency", CF_FLAG_DURATION, &ctl.requeue_dependency_ms, "how often to look again at dependencies that are not ready", 1000 },
	{ "requeue-max", CF_FLAG_DURATION, &ctl.requeue_max_ms, "longest backoff after failures", 1000 },
	{ "artifact-max-size", CF_FLAG_SIZE, &ctl.artifact_max_size, "largest artifact, unpacked", 1024 },
	{ "artifact-max-files", CF_FLAG_INT, &ctl.max_files, "most entries in an artifact", 1 },
	{ "no-cross-namespace-refs", CF_FLAG_BOOL, &ctl.no_cross_namespace_refs,
	  "refuse a sourceRef or dependsOn in another namespace (Ready=False, AccessDenied)", 0 },
	{ "default-service-account", CF_FLAG_STRING, &ctl.default_service_account,
	  "service account to impersonate when a Kustomization sets no spec.serviceAccountName (default: the controller's own)", 0 },
	{ "insecure-kubeconfig-tls", CF_FLAG_BOOL, &ctl.insecure_kubeconfig_tls,
	  "allow a spec.kubeConfig whose kubeconfig sets insecure-skip-tls-verify (refused otherwise)", 0 },
	{ "no-remote-bases", CF_FLAG_BOOL, &ctl.no_remote_bases,
	  "refuse kustomizations that name remote bases (cflux never fetches them; this makes it a policy error)", 0 },
};

static const cf_controller_def def;

int ks_new_client(ks_ctl *c, cf_kube **k)
{
	(void)c;
	return cf_controller_client(&def, k);
}

/* a new-artifact notice: the consumers of that source look now */
static void on_notice(void *payload, const char *kind, const char *ns, const char *name, const char *revision,
		      const char *digest)
{
	(void)payload;
	ks_source_notified(&ctl, kind, ns, name, revision, digest);   /* read from the API until the watch shows it */
	ks_enqueue_for_source(&ctl, kind, ns, name);
}

/* The kinds: one row each (runtime/controller.h). Kustomizations are reconciled, each read from
 * what the watch showed (kept: a fleet's unchanged reconcile is one status write, no GET); sources
 * are watched as the backstop of the notices, HelmReleases for the Kustomizations that depend on
 * them. */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_KUSTOMIZATION, ks_on_kustomization, kustomization_wants_reconcile, kustomization_reconcile, 1 },
	{ CF_KIND_GITREPOSITORY, ks_on_source, NULL, NULL, 0 },
	{ CF_KIND_OCIREPOSITORY, ks_on_source, NULL, NULL, 0 },
	{ CF_KIND_HELMRELEASE, ks_on_helmrelease, NULL, NULL, 0 },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

static pthread_t notices;
static cf_notice_listener listener = { NULL, on_notice, NULL, &ctl.stop };

static int setup(void *ctx)
{
	(void)ctx;
	pthread_mutex_init(&ctl.mu, NULL);
	ctl.index = json_object();
	ctl.drift = json_object();
	ctl.watches = json_object();
	ctl.health_waits = json_object();
	ctl.sources = json_object();
	ctl.builds = json_object();
	if (ctl.index == NULL || ctl.drift == NULL || ctl.watches == NULL || ctl.health_waits == NULL || ctl.sources == NULL ||
	    ctl.builds == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (ks_trees_new(&ctl.trees, (size_t)ctl.artifact_max_size) < 0)
		return CF_ENOMEM;
	return cf_objcache_new(&ctl.cache);
}

static int run(void *ctx)
{
	(void)ctx;
	listener.addr = ctl.notify_addr;
	if (pthread_create(&notices, NULL, cf_notice_listener_run, &listener) != 0)
		return cf_err_set(CF_ERR, "cannot start the notice thread");
	cf_log(CF_LOG_INFO, "started", "notices", ctl.notify_addr, "events", ctl.events_addr, NULL);
	return 0;
}

static void join(void *ctx)
{
	(void)ctx;
	pthread_join(notices, NULL);
	pthread_mutex_lock(&ctl.mu);   /* no drift watch starts after this */
	pthread_mutex_unlock(&ctl.mu);
	for (size_t i = 0; i < ctl.nwatch_threads; i++)
		pthread_join(ctl.watch_threads[i], NULL);
}

static void teardown(void *ctx)
{
	(void)ctx;
	cf_free(ctl.watch_threads);
	cf_objcache_free(ctl.cache);
	ks_trees_free(ctl.trees);
	json_decref(ctl.index);
	json_decref(ctl.drift);
	json_decref(ctl.watches);
	json_decref(ctl.health_waits);
	json_decref(ctl.sources);
	json_decref(ctl.builds);
	pthread_mutex_destroy(&ctl.mu);
}

static const cf_controller_def def = {
	.name = KUSTOMIZE_CONTROLLER,
	.usage = "usage: kustomize-controller [flags]\n\nBuilds Kustomizations from source artifacts and applies them.",
	.flags = flags, .nflags = sizeof(flags) / sizeof(flags[0]), .kinds = &KINDS, .ctx = &ctl,
	.bind = CF_CONTROLLER_BIND(ctl), .workers = &ctl.concurrent, .requeue_max_ms = &ctl.requeue_max_ms,
	.events = &ctl.events, .setup = setup, .run = run, .join = join, .teardown = teardown,
};

int main(int argc, char **argv)
{
	return cf_controller_main(&def, argc, argv);
}
