/* source-controller/storage.c - what every source kind shares: where its artifacts and caches
 * live (<storage>/<kind>/<ns>/<name>, <kind> in lower case as Flux has it), their removal and
 * retention, the new-artifact notice, and the lifecycle's setup (finalizer, FetchFailed, the
 * storage removed on deletion, events, the body's metrics). A source kind writes its body. */
#include "controller.h"

#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/metrics.h"
#include "runtime/reconcile.h"
#include "source/artifact.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEEP_ARTIFACTS 2
#define KIND_DIR_MAX 64

/* The storage folder of a kind: "gitrepository". */
static void kind_dir(char out[KIND_DIR_MAX], cf_kind_id kind)
{
	const cf_kind *k = cf_kind_get(kind);
	size_t i = 0;

	for (; k && k->kind[i] && i + 1 < KIND_DIR_MAX; i++)
		out[i] = (char)tolower((unsigned char)k->kind[i]);
	out[i] = '\0';
}

int src_storage_dir(cf_buf *b, const src_ctl *c, cf_kind_id kind, int cache, const char *ns, const char *name)
{
	char kd[KIND_DIR_MAX];

	kind_dir(kd, kind);
	cf_buf_reset(b);
	return cf_buf_printf(b, "%s/%s%s/%s/%s", c->storage_path, cache ? ".cache/" : "", kd, ns, name);
}

int src_artifact_paths(cf_buf *dir, cf_buf *path, cf_buf *url, const src_ctl *c, cf_kind_id kind, const char *ns,
		       const char *name, const char *file)
{
	char kd[KIND_DIR_MAX];
	int rc;

	kind_dir(kd, kind);
	rc = src_storage_dir(dir, c, kind, 0, ns, name);
	cf_buf_reset(path);
	cf_buf_reset(url);
	if (rc == 0) rc = cf_buf_printf(path, "%s/%s/%s/%s", kd, ns, name, file);
	if (rc == 0) rc = cf_buf_printf(url, "%s/%s", c->advertise_addr, path->data);
	return rc;
}

static void remove_tree(const char *path)
{
	cf_buf cmd = CF_BUF_INIT(8192);
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cf_buf_reset(&cmd);
		if (cf_buf_printf(&cmd, "%s/%s", path, e->d_name) == 0)
			remove_tree(cmd.data);
	}
	closedir(d);
	rmdir(path);
	cf_buf_free(&cmd);
}

/* Keeps the newest KEEP_ARTIFACTS artifacts (the current one always) and removes temp files
 * that a killed process left. Every regular file not starting with '.' is an artifact. */
void src_storage_retain(const char *dir, const char *current)
{
	struct { char name[300]; double mtime; int current; } keep[64];
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 64) {
		if (strlen(dir) + strlen(e->d_name) + 2 > sizeof(path))
			continue;
		snprintf(path, sizeof(path), "%.3000s/%.255s", dir, e->d_name);
		if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-")) {
			unlink(path);
			continue;
		}
		if (e->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;   /* an artifact of any kind: .tar.gz, index-<hex>.yaml, <chart>.tgz */
		snprintf(keep[n].name, sizeof(keep[n].name), "%s", e->d_name);
		keep[n].current = strcmp(e->d_name, current) == 0;
		keep[n++].mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		size_t newer = 0;
		if (keep[i].current)
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && (keep[j].current || keep[j].mtime > keep[i].mtime ||
				       (keep[j].mtime == keep[i].mtime && strcmp(keep[j].name, keep[i].name) > 0)))
				newer++;
		if (newer >= KEEP_ARTIFACTS) {
			snprintf(path, sizeof(path), "%.3000s/%.299s", dir, keep[i].name);
			unlink(path);
		}
	}
}

void src_storage_remove(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name)
{
	cf_buf b = CF_BUF_INIT(8192);

	if (src_storage_dir(&b, c, kind, 0, ns, name) == 0)
		remove_tree(b.data);
	if (src_storage_dir(&b, c, kind, 1, ns, name) == 0)
		remove_tree(b.data);
	cf_buf_free(&b);
}

void src_notice_publish(const src_ctl *c, cf_kind_id kind, const char *ns, const char *name, const char *revision,
			const char *digest, const char *path)
{
	cf_buf notice = CF_BUF_INIT(1u << 16);

	if (cf_bus_encode_ready(&notice, cf_kind_get(kind)->kind, ns, name, revision, digest, path) == 0)
		cf_bus_pub_send(c->notices, &notice);
	cf_buf_free(&notice);
}

int src_storage_current(const src_ctl *c, const json_t *status, const char *revision, const char *path)
{
	const json_t *art = json_object_get(status, "artifact");
	const char *rev = json_string_value(json_object_get(art, "revision"));
	const char *p = json_string_value(json_object_get(art, "path"));
	const char *digest = json_string_value(json_object_get(art, "digest"));
	char got[72], full[4096];

	if (!rev || !p || !digest || (revision && strcmp(rev, revision) != 0) || (path && strcmp(p, path) != 0))
		return 0;
	snprintf(full, sizeof(full), "%.2000s/%.2000s", c->storage_path, p);
	return cf_artifact_file_digest(got, NULL, full) == 0 && strcmp(got, digest) == 0;
}

int src_storage_set_artifact(json_t *status, const char *path, const char *url, const char *revision,
			     const char *digest, size_t size, int status_url)
{
	char now[32];
	json_t *art;

	cf_time_now(now);
	art = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "path", path, "url", url, "revision", revision,
			"digest", digest, "size", (json_int_t)size, "lastUpdateTime", now);
	if (art == NULL || json_object_set_new(status, "artifact", art) < 0 ||
	    (status_url && json_object_set_new(status, "url", json_string(url)) < 0))
		return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

/* ---- the lifecycle's hooks, the same for every source kind ---- */

static cf_kind_id reconciled_kind(const cf_reconciler *rc)
{
	return cf_kind_find(rc->kind)->id;
}

static void source_event(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	src_ctl *c = p->ctx;

	cf_event_emit(p->k, c->events, p->obj, type, reason, message, NULL, NULL, SOURCE_CONTROLLER);
}

/* Deleted: its artifacts and cache go before the finalizer. */
static int finalize(cf_reconcile *p)
{
	src_storage_remove(p->ctx, reconciled_kind(p->rc), p->ns, p->name);
	cf_log(CF_LOG_INFO, "storage removed", "kind", p->rc->kind, "object", p->name, "namespace", p->ns, NULL);
	return 0;
}

/* Deleted without our finalizer (or a late event): nothing of it may stay on disk. */
static int on_gone(const cf_reconciler *rc)
{
	src_storage_remove(rc->ctx, reconciled_kind(rc), rc->ns, rc->name);
	return 0;
}

/* The lifecycle's reconciler (first: the body finds the kind's own body behind it). */
typedef struct timed_reconciler {
	cf_reconciler rc;
	int (*body)(cf_reconcile *p);
} timed_reconciler;

/* The kind's body, with its metrics (runtime/metrics.h): how long the fetch and packaging took,
 * and the size of the artifact the status then holds. */
/* spec.verify (a GitRepository's OpenPGP commit check, an OCIRepository's or HelmChart's cosign
 * or notation signature check) asks for a proof cflux cannot make: the source fails closed,
 * Stalled, rather than hand out an artifact nobody verified. */
static int refuse_verify(cf_reconcile *p)
{
	const json_t *v = json_object_get(p->spec, "verify");

	if (v == NULL || json_is_null(v))
		return 0;
	cf_err_set(CF_EINVAL, "spec.verify: cflux does not verify signatures (OpenPGP commits, cosign or notation "
			      "artifacts), so it produces no artifact for this source; remove spec.verify or use Flux's source-controller");
	return cf_reconcile_fail(p, "VerificationError", CF_FAIL_STALLED);
}

static int timed_body(cf_reconcile *p)
{
	const char *obj[] = { p->rc->kind, p->name, p->ns };
	double t0 = cf_metrics_clock();
	const json_t *size;
	int rc;

	if ((rc = refuse_verify(p)) != 0)
		return rc;
	rc = ((const timed_reconciler *)p->rc)->body(p);
	cf_metric_observe(CF_M_SOURCE_FETCH_DURATION, obj, cf_metrics_clock() - t0);
	size = json_object_get(json_object_get(p->status, "artifact"), "size");
	if (json_is_integer(size))
		cf_metric_set(CF_M_ARTIFACT_SIZE, obj, (double)json_integer_value(size));
	return rc;
}

int src_source_reconcile(src_ctl *c, cf_kube *k, cf_kind_id kind, const char *ns, const char *name, long *requeue_ms,
			 int (*body)(cf_reconcile *p), long default_timeout_ms)
{
	const cf_kind *kd = cf_kind_get(kind);
	const timed_reconciler t = {
		{
			.k = k, .api_version = kd->api_version, .kind = kd->kind, .ns = ns, .name = name,
			.finalizer = SOURCE_FINALIZER, .default_timeout_ms = default_timeout_ms,
			.failure_condition = "FetchFailed",   /* Flux's; no retryInterval: failures back off */
			.on_gone = on_gone, .finalize = finalize, .body = timed_body, .event = source_event, .ctx = c,
		},
		body,
	};

	return cf_reconcile_run(requeue_ms, &t.rc);
}
