/* helm-controller/main.c - the process: flags, watches on HelmReleases, their chart sources
 * (HelmChart, OCIRepository) and the Kustomizations they may depend on, the source-controller's
 * notices, and a pool of reconcile workers. SIGTERM finishes the reconciles in flight (a helm
 * run included), then exits 0. */
#include "controller.h"

#include "postrender.h"

#include "runtime/addr.h"
#include "runtime/condition.h"
#include "runtime/controller.h"
#include "runtime/depends.h"
#include "runtime/worker.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/flags.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 800

static hc_ctl ctl = {
	.notify_addr = CF_DEFAULT_NOTIFY_ADDR,
	.events_addr = CF_DEFAULT_EVENTS_ADDR,
	.log_level = "info",
	.helm_bin = "/usr/local/bin/helm",
	.tmp_dir = "/tmp",
	.concurrent = 4,
	.requeue_dependency_ms = 5000,
	.requeue_max_ms = 5L * 60 * 1000,
	.artifact_max_size = 64L * 1024 * 1024,
};

static const cf_flag flags[] = {
	CF_CONTROLLER_COMMON_FLAGS(ctl, "nng address of notification-controller for events",
				   "file holding the token artifact requests and events are sent with"),
	{ "source-notify-addr", CF_FLAG_STRING, &ctl.notify_addr, "nng address the source-controller publishes new-artifact notices on", 0 },
	{ "helm", CF_FLAG_STRING, &ctl.helm_bin, "path of the helm binary (default: $CFLUX_HELM, else /usr/local/bin/helm)", 0 },
	{ "tmp-dir", CF_FLAG_STRING, &ctl.tmp_dir, "where each helm run gets its private work directory", 0 },
	{ "concurrent", CF_FLAG_INT, &ctl.concurrent, "HelmReleases reconciled at the same time", 1 },
	{ "requeue-dependency", CF_FLAG_DURATION, &ctl.requeue_dependency_ms, "how often to look again at dependencies and sources that are not ready", 1000 },
	{ "requeue-max", CF_FLAG_DURATION, &ctl.requeue_max_ms, "longest backoff after failures", 1000 },
	{ "artifact-max-size", CF_FLAG_SIZE, &ctl.artifact_max_size, "largest chart artifact", 1024 },
	{ "default-service-account", CF_FLAG_STRING, &ctl.default_service_account,
	  "service account helm impersonates when a HelmRelease sets no spec.serviceAccountName (default: the controller's own)", 0 },
	{ "insecure-kubeconfig-tls", CF_FLAG_BOOL, &ctl.insecure_kubeconfig_tls,
	  "allow a spec.kubeConfig whose kubeconfig sets insecure-skip-tls-verify (refused otherwise)", 0 },
};

static const cf_controller_def def;

int hc_new_client(hc_ctl *c, cf_kube **k)
{
	(void)c;
	return cf_controller_client(&def, k);
}

/* ---- the index: sources and dependencies of each HelmRelease ---- */

static json_t *index_entry(const json_t *obj)
{
	const json_t *spec = json_object_get(obj, "spec");
	const char *ns = cf_json_str(json_object_get(obj, "metadata"), "namespace");
	const char *name = cf_json_str(json_object_get(obj, "metadata"), "name");
	const json_t *ref = json_object_get(spec, "chartRef");
	char src[KEY_MAX];

	if (ref)
		snprintf(src, sizeof(src), "%s/%s/%s", cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "",
			 cf_json_str(ref, "namespace") ? cf_json_str(ref, "namespace") : ns, cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
	else {
		const char *sns = cf_json_str(json_object_get(json_object_get(json_object_get(spec, "chart"), "spec"), "sourceRef"), "namespace");
		snprintf(src, sizeof(src), "HelmChart/%s/%s-%s", sns ? sns : ns, ns, name);
	}
	return json_pack("{s:s,s:o*}", "source", src, "deps", cf_dependency_keys(json_object_get(spec, "dependsOn"), ns, CF_KIND_HELMRELEASE));
}

void hc_index_update(hc_ctl *c, const char *type, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	char key[KEY_MAX];

	snprintf(key, sizeof(key), "%s/%s", cf_json_str(md, "namespace"), cf_json_str(md, "name"));
	pthread_mutex_lock(&c->mu);
	if (strcmp(type, "DELETED") == 0)
		json_object_del(c->index, key);
	else
		json_object_set_new(c->index, key, index_entry(obj));
	pthread_mutex_unlock(&c->mu);
}

/* Enqueues the HelmReleases whose "source" is (what "source") or whose "deps" hold (what
 * "deps") Kind/ns/name. */
void hc_enqueue_for(hc_ctl *c, const char *what, const char *kind, const char *ns, const char *name)
{
	char want[KEY_MAX];
	const char *key;
	json_t *e, *v;
	size_t i;

	snprintf(want, sizeof(want), "%s/%s/%s", kind, ns, name);
	pthread_mutex_lock(&c->mu);
	json_object_foreach(c->index, key, e) {
		int hit = 0;
		if (strcmp(what, "source") == 0)
			hit = cf_json_str(e, "source") && strcmp(cf_json_str(e, "source"), want) == 0;
		else
			json_array_foreach(json_object_get(e, "deps"), i, v)
				hit |= strcmp(json_string_value(v), want) == 0;
		if (hit) {
			const char *slash = strchr(key, '/');
			char kns[254];
			if (slash == NULL || (size_t)(slash - key) >= sizeof(kns))
				continue;
			snprintf(kns, sizeof(kns), "%.*s", (int)(slash - key), key);
			cf_work_enqueue_name(c->queue, CF_KIND_HELMRELEASE, kns, slash + 1);
		}
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- watches ---- */

static void names(const json_t *obj, const char **ns, const char **name)
{
	const json_t *md = json_object_get(obj, "metadata");

	*ns = cf_json_str(md, "namespace");
	*name = cf_json_str(md, "name");
}

/* every HelmRelease event: the index, and its dependents when it turned Ready */
static void on_helmrelease(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const char *ns, *name;

	(void)ctx;
	(void)kind;
	names(obj, &ns, &name);
	if (ns == NULL || name == NULL)
		return;
	hc_index_update(&ctl, type, obj);
	if (strcmp(type, "DELETED") != 0 && cf_condition_ready_at_generation(obj))
		hc_enqueue_for(&ctl, "deps", "HelmRelease", ns, name);
}

/* HelmCharts and OCIRepositories: a new artifact enqueues the HelmReleases of it (the backstop
 * of the notices) */
static void on_source(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const char *ns, *name;

	(void)ctx;
	names(obj, &ns, &name);
	if (ns && name && strcmp(type, "DELETED") != 0 && json_object_get(json_object_get(obj, "status"), "artifact"))
		hc_enqueue_for(&ctl, "source", kind->kind, ns, name);
}

/* Kustomizations: one turning Ready enqueues the HelmReleases that depend on it */
static void on_kustomization(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	const char *ns, *name;

	(void)ctx;
	(void)kind;
	names(obj, &ns, &name);
	if (ns && name && strcmp(type, "DELETED") != 0 && cf_condition_ready_at_generation(obj))
		hc_enqueue_for(&ctl, "deps", "Kustomization", ns, name);
}

/* a new-artifact notice: the consumers of that source look now */
static void on_notice(void *payload, const char *kind, const char *ns, const char *name, const char *revision,
		      const char *digest)
{
	(void)payload;
	(void)revision;
	(void)digest;
	hc_enqueue_for(&ctl, "source", kind, ns, name);
}

static int reconcile_hr(void *ctx, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return helmrelease_reconcile(ctx, k, ns, name, requeue_ms);
}

/* The kinds: one row each (runtime/controller.h). HelmReleases are reconciled; their chart
 * sources (HelmCharts, OCIRepositories) and the Kustomizations they may depend on are watched. */
static const cf_kind_handler KIND_ROWS[] = {
	{ CF_KIND_HELMRELEASE, on_helmrelease, helmrelease_wants_reconcile, reconcile_hr, 0 },
	{ CF_KIND_HELMCHART, on_source, NULL, NULL, 0 },
	{ CF_KIND_OCIREPOSITORY, on_source, NULL, NULL, 0 },
	{ CF_KIND_KUSTOMIZATION, on_kustomization, NULL, NULL, 0 },
};
static const cf_kind_table KINDS = { KIND_ROWS, sizeof(KIND_ROWS) / sizeof(KIND_ROWS[0]) };

static pthread_t notices;
static cf_notice_listener listener = { NULL, on_notice, NULL, &ctl.stop };

/* after the flags: the helm binary must be there; the index */
static int setup(void *ctx)
{
	const char *env = getenv("CFLUX_HELM");
	ssize_t n;

	(void)ctx;
	if (env && env[0] && strcmp(ctl.helm_bin, "/usr/local/bin/helm") == 0)
		ctl.helm_bin = env;
	if (access(ctl.helm_bin, X_OK) != 0)
		return cf_err_set(CF_ENOTFOUND, "helm binary %s is not executable (--helm or $CFLUX_HELM)", ctl.helm_bin);
	/* the post-renderer plugin's command: this binary, by its absolute path */
	n = readlink("/proc/self/exe", ctl.self_exe, sizeof(ctl.self_exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(ctl.self_exe) - 1)
		return cf_err_set(CF_EIO, "cannot find this binary's path (/proc/self/exe) for helm's post-renderer");
	ctl.self_exe[n] = '\0';
	pthread_mutex_init(&ctl.mu, NULL);
	return (ctl.index = json_object()) ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

static int run(void *ctx)
{
	(void)ctx;
	listener.addr = ctl.notify_addr;
	if (pthread_create(&notices, NULL, cf_notice_listener_run, &listener) != 0)
		return cf_err_set(CF_ERR, "cannot start the notice thread");
	cf_log(CF_LOG_INFO, "started", "helm", ctl.helm_bin, "notices", ctl.notify_addr, "events", ctl.events_addr, NULL);
	return 0;
}

static void join(void *ctx)
{
	(void)ctx;
	pthread_join(notices, NULL);
}

static void teardown(void *ctx)
{
	(void)ctx;
	json_decref(ctl.index);
	pthread_mutex_destroy(&ctl.mu);
}

static const cf_controller_def def = {
	.name = HELM_CONTROLLER,
	.usage = "usage: helm-controller [flags]\n\nInstalls and upgrades HelmReleases with helm.",
	.flags = flags, .nflags = sizeof(flags) / sizeof(flags[0]), .kinds = &KINDS, .ctx = &ctl,
	.bind = CF_CONTROLLER_BIND(ctl), .workers = &ctl.concurrent, .requeue_max_ms = &ctl.requeue_max_ms,
	.events = &ctl.events, .setup = setup, .run = run, .join = join, .teardown = teardown,
};

int main(int argc, char **argv)
{
	/* helm runs this binary as its post-renderer plugin (postrender.h) */
	if (argc > 1 && strcmp(argv[1], "post-render") == 0)
		return hc_postrender_main(argc, argv);
	return cf_controller_main(&def, argc, argv);
}
