/* image-automation-controller/main.c - the process: flags, watches on ImageRepositories,
 * ImagePolicies and ImageUpdateAutomations, and a pool of reconcile workers. One process owns
 * what Flux runs as two (image-reflector-controller: ImageRepository, ImagePolicy;
 * image-automation-controller: ImageUpdateAutomation). SIGTERM finishes the reconciles in
 * flight, then exits 0. */
#include "controller.h"
#include "imageupdate.h"

#include "runtime/addr.h"
#include "runtime/controller.h"
#include "runtime/status.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static iac_ctl ctl = {
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.log_level = "info",
	.storage_path = "/data",
	.concurrent = 4,
	.requeue_max_ms = 5L * 60 * 1000,
	.tags_max = 100000,
};

static const cf_flag flags[] = {
	CF_CONTROLLER_COMMON_FLAGS(ctl, "nng address of notification-controller for events",
				   "file holding the token events are sent with"),
	{ "storage-path", CF_FLAG_STRING, &ctl.storage_path, "where the scanned tags of each ImageRepository are kept", 0 },
	{ "concurrent", CF_FLAG_INT, &ctl.concurrent, "objects reconciled at the same time", 1 },
	{ "requeue-max", CF_FLAG_DURATION, &ctl.requeue_max_ms, "longest backoff after failures", 1000 },
	{ "tags-max", CF_FLAG_INT, &ctl.tags_max, "tags kept for one ImageRepository, at most (past it the scan fails)", 1 },
	{ "no-cross-namespace-refs", CF_FLAG_BOOL, &ctl.no_cross_namespace_refs,
	  "refuse an ImagePolicy's imageRepositoryRef to another namespace (Ready=False, AccessDenied)", 0 },
	{ "tags-page-size", CF_FLAG_INT, &ctl.tags_page_size, "tags asked for a page of a registry's tag list (0: the registry's own paging)", 0 },
};

static int wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 0);
}

/* The kinds: one row each (runtime/controller.h). */
static cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_IMAGEREPOSITORY, imagepolicy_on_repository, wants_reconcile, imagerepository_reconcile, 0 },
	{ CF_KIND_IMAGEPOLICY, imagepolicy_on_event, wants_reconcile, imagepolicy_reconcile, 0 },
	/* ---- SLOT: ImageUpdateAutomation, the row of imageupdate.c (iua_handler), copied in by
	 * main() (an extern object is no constant initialiser) ---- */
	{ CF_KIND_IMAGEUPDATEAUTOMATION, NULL, NULL, NULL, 0 },
	/* ---- SLOT: ImagePolicy watched for the automations (iua_policy_handler), after the
	 * policy's own row, which the work keys find first ---- */
	{ CF_KIND_IMAGEPOLICY, NULL, NULL, NULL, 0 },
};
#define IUA_SLOT 2
#define IUA_POLICY_SLOT 3
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

static int setup(void *ctx)
{
	(void)ctx;
	if (mkdir(ctl.storage_path, 0755) < 0 && errno != EEXIST)
		return cf_err_set(CF_EIO, "cannot create --storage-path %s: %s", ctl.storage_path, strerror(errno));
	pthread_mutex_init(&ctl.mu, NULL);
	return (ctl.policies = json_object()) ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

static int run(void *ctx)
{
	(void)ctx;
	cf_log(CF_LOG_INFO, "started", "storage", ctl.storage_path, "events", ctl.events_addr, NULL);
	return 0;
}

static void teardown(void *ctx)
{
	(void)ctx;
	json_decref(ctl.policies);
	pthread_mutex_destroy(&ctl.mu);
}

static const cf_controller_def def = {
	.name = IMAGE_AUTOMATION_CONTROLLER,
	.usage = "usage: image-automation-controller [flags]\n\nScans image registries for tags (ImageRepository), "
		 "picks the latest (ImagePolicy) and commits it back to Git (ImageUpdateAutomation).",
	.flags = flags, .nflags = sizeof(flags) / sizeof(flags[0]), .kinds = &KINDS, .ctx = &ctl,
	.bind = CF_CONTROLLER_BIND(ctl), .workers = &ctl.concurrent, .requeue_max_ms = &ctl.requeue_max_ms,
	.events = &ctl.events, .setup = setup, .run = run, .teardown = teardown,
};

int main(int argc, char **argv)
{
	KIND_ROWS[IUA_SLOT] = iua_handler;
	KIND_ROWS[IUA_POLICY_SLOT] = iua_policy_handler;
	return cf_controller_main(&def, argc, argv);
}
