/* source-controller/storage.c - where a source's artifacts live on disk, and their clean-up,
 * for the kinds that are not GitRepository (which keeps its own .tar.gz rules). */
#include "controller.h"

#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/artifact.h"
#include "util/buf.h"
#include "util/err.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEEP_ARTIFACTS 2
#define RETAIN_SCAN 64

int src_storage_dir(cf_buf *b, const src_ctl *c, const char *kind_dir, const char *ns, const char *name)
{
	cf_buf_reset(b);
	return cf_buf_printf(b, "%s/%s/%s/%s", c->storage_path, kind_dir, ns, name);
}

void src_storage_remove_tree(const char *path)
{
	cf_buf sub = CF_BUF_INIT(8192);
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cf_buf_reset(&sub);
		if (cf_buf_printf(&sub, "%s/%s", path, e->d_name) == 0)
			src_storage_remove_tree(sub.data);
	}
	closedir(d);
	rmdir(path);
	cf_buf_free(&sub);
}

void src_storage_remove(const src_ctl *c, const char *kind_dir, const char *ns, const char *name)
{
	cf_buf b = CF_BUF_INIT(8192);

	if (src_storage_dir(&b, c, kind_dir, ns, name) == 0)
		src_storage_remove_tree(b.data);
	cf_buf_free(&b);
}

/* The newest entries of the scan, by mtime then name; current always counts as newest. */
static int newer_than(const struct stat *a, const char *an, int acur, const struct stat *b, const char *bn)
{
	if (acur)
		return 1;
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return a->st_mtim.tv_sec > b->st_mtim.tv_sec;
	if (a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		return a->st_mtim.tv_nsec > b->st_mtim.tv_nsec;
	return strcmp(an, bn) > 0;
}

void src_storage_retain(const char *dir, const char *current)
{
	struct { char name[256]; struct stat st; } f[RETAIN_SCAN];
	char path[4096];
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < RETAIN_SCAN) {
		if (strlen(dir) + strlen(e->d_name) + 2 > sizeof(path) || strlen(e->d_name) >= sizeof(f[n].name))
			continue;
		snprintf(path, sizeof(path), "%.3000s/%.255s", dir, e->d_name);
		if (e->d_name[0] == '.') {
			if (strstr(e->d_name, ".tmp-"))
				unlink(path);   /* left by a killed process */
			continue;
		}
		if (stat(path, &f[n].st) < 0 || !S_ISREG(f[n].st.st_mode))
			continue;
		snprintf(f[n++].name, sizeof(f[0].name), "%s", e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		size_t newer = 0;
		if (strcmp(f[i].name, current) == 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && newer_than(&f[j].st, f[j].name, strcmp(f[j].name, current) == 0, &f[i].st, f[i].name))
				newer++;
		if (newer >= KEEP_ARTIFACTS) {
			snprintf(path, sizeof(path), "%.3000s/%.255s", dir, f[i].name);
			unlink(path);
		}
	}
}

/* Does status.artifact describe path, still on disk with its digest? */
int src_storage_current(const src_ctl *c, const json_t *status, const char *revision, const char *path)
{
	const json_t *art = json_object_get(status, "artifact");
	const char *rev = json_string_value(json_object_get(art, "revision"));
	const char *p = json_string_value(json_object_get(art, "path"));
	const char *digest = json_string_value(json_object_get(art, "digest"));
	char got[72], full[4096];

	if (!rev || !p || !digest || (revision && strcmp(rev, revision) != 0) || (path && strcmp(p, path) != 0))
		return 0;
	snprintf(full, sizeof(full), "%s/%s", c->storage_path, p);
	return cf_artifact_file_digest(got, NULL, full) == 0 && strcmp(got, digest) == 0;
}


int src_storage_set_artifact(const src_ctl *c, json_t *status, const char *path, const char *revision,
			     const char *digest, size_t size, int status_url)
{
	cf_buf url = CF_BUF_INIT(8192);
	char now[32];
	json_t *art;
	int rc;

	cf_time_now(now);
	if ((rc = cf_buf_printf(&url, "%s/%s", c->advertise_addr, path)) < 0)
		return rc;
	art = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "path", path, "url", url.data, "revision", revision,
			"digest", digest, "size", (json_int_t)size, "lastUpdateTime", now);
	if (art == NULL || json_object_set_new(status, "artifact", art) < 0 ||
	    (status_url && json_object_set_new(status, "url", json_string(url.data)) < 0))
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	cf_buf_free(&url);
	return rc;
}

/* ---- the lifecycle of a kind whose storage is <kind in lower case>/ns/name ---- */

static void kind_dir(char *out, size_t size, const char *kind)
{
	size_t i;

	for (i = 0; kind[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)kind[i]);
	out[i] = '\0';
}

static void stored_event(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	src_ctl *c = p->ctx;

	cf_event_emit(p->k, c->events, p->obj, type, reason, message, NULL, NULL, SOURCE_CONTROLLER);
}

static int stored_finalize(cf_reconcile *p)
{
	char dir[64];

	kind_dir(dir, sizeof(dir), p->rc->kind);
	src_storage_remove(p->ctx, dir, p->ns, p->name);
	return 0;
}

static int stored_gone(const cf_reconciler *rc)
{
	char dir[64];

	kind_dir(dir, sizeof(dir), rc->kind);
	src_storage_remove(rc->ctx, dir, rc->ns, rc->name);
	return 0;
}

int src_reconcile_stored(src_ctl *c, cf_kube *k, const char *api_version, const char *kind, const char *ns,
			 const char *name, long *requeue_ms, long default_timeout_ms, int (*body)(cf_reconcile *))
{
	const cf_reconciler rc = {
		.k = k, .api_version = api_version, .kind = kind, .ns = ns, .name = name,
		.finalizer = SOURCE_FINALIZER, .default_timeout_ms = default_timeout_ms,
		.failure_condition = "FetchFailed",   /* Flux's; no retryInterval: failures back off */
		.on_gone = stored_gone, .finalize = stored_finalize, .body = body, .event = stored_event, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}

int src_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 1);
}
