/* source-controller/gitrepository.c - GitRepository: remote refs -> fetch -> artifact ->
 * status, events and a notice. */
#include "controller.h"

#include "kube/secret.h"
#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/artifact.h"
#include "source/git.h"
#include "source/ignore.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 60000L

/* Flux's reasons */
#define R_AUTH "AuthenticationFailed"
#define R_GIT "GitOperationFailed"
#define R_STORAGE "StorageOperationFailed"
#define R_URL "URLInvalid"

/* One reconcile's working state (the lifecycle's pass, and what the body adds). */
typedef struct rec {
	cf_reconcile *p;
	src_ctl *c;
	cf_kube *k;
	json_t *obj;
	const char *ns, *name;
	long long generation;
	json_t *status;       /* the status being built (the pass's) */
	cf_git_auth auth;     /* its strings are borrowed from secret */
	json_t *secret;       /* spec.secretRef decoded (cf_kube_secret_decode), wiped by wipe_auth */
} rec;

int gitrepository_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 1);
}

/* ---- credentials ---- */

static int load_auth(rec *r, const char **reason)
{
	const char *secret = cf_json_str(json_object_get(json_object_get(r->obj, "spec"), "secretRef"), "name");
	json_t *s = NULL;
	int rc;

	r->auth = (cf_git_auth)CF_GIT_AUTH_INIT;
	if (secret == NULL)
		return 0;
	rc = cf_kube_get(r->k, &s, &(cf_kube_ref){ "v1", "Secret", r->ns, secret });
	if (rc == 0) {
		rc = cf_kube_secret_decode(&r->secret, s);
		cf_kube_secret_free(s);
	}
	if (rc < 0) {
		*reason = R_AUTH;
		return cf_err_prefix("failed to get secret '%s/%s'", r->ns, secret);
	}
	cf_git_auth_from_secret(&r->auth, r->secret);
	return 0;
}

static void wipe_auth(rec *r)
{
	cf_kube_secret_free(r->secret);
	r->secret = NULL;
	r->auth = (cf_git_auth)CF_GIT_AUTH_INIT;
}

/* ---- status and events ---- */

/* Ready=True for revision, and its artifact in storage. */
static int succeed(rec *r, const char *revision)
{
	char msg[800];
	int rc;

	snprintf(msg, sizeof(msg), "stored artifact for revision '%s'", revision);
	rc = cf_reconcile_ready(r->p, CF_REASON_SUCCEEDED, msg);
	if (rc == 0)
		rc = cf_condition_set(r->status, "ArtifactInStorage", "True", CF_REASON_SUCCEEDED, msg, r->generation);
	return rc;
}

/* ---- the steps ---- */

/* Does status already describe an artifact for this revision, built with these ignore rules,
 * that is still on disk with its digest? Then there is nothing to do. */
static int artifact_current(rec *r, const char *revision, const char *path)
{
	const char *ign = cf_json_str(json_object_get(r->obj, "spec"), "ignore");
	const char *seen = json_string_value(json_object_get(r->status, "observedIgnore"));

	if ((ign == NULL) != (seen == NULL) || (ign && strcmp(ign, seen) != 0))
		return 0;
	return src_storage_current(r->c, r->status, revision, path);
}

static int build_artifact(rec *r, cf_git_repo *repo, const cf_git_target *t, const char *dir,
			  const char *file, char digest[72], size_t *size, cf_buf *left_out)
{
	const char *ign = cf_json_str(json_object_get(r->obj, "spec"), "ignore");
	cf_artifact_writer *w = NULL;
	cf_ignore *ig = NULL;
	int rc;

	rc = cf_ignore_new(&ig);
	if (rc == 0) rc = cf_ignore_add_defaults(ig);
	if (rc == 0 && ign) rc = cf_ignore_add_last(ig, ign, strlen(ign));
	if (rc == 0) rc = cf_artifact_writer_open(&w, dir, file, (size_t)r->c->artifact_max_size);
	if (rc == 0) rc = cf_git_archive(repo, t->commit, ig, w, left_out);
	if (rc == 0) rc = cf_artifact_writer_commit(w, digest, size);
	cf_artifact_writer_free(w);
	cf_ignore_free(ig);
	return rc;
}

static int store(rec *r, cf_git_repo *repo, const cf_git_target *t)
{
	cf_buf dir = CF_BUF_INIT(8192), path = CF_BUF_INIT(8192), url = CF_BUF_INIT(8192);
	cf_buf left_out = CF_BUF_INIT(4096);
	char digest[72], file[64], subject[512], msg[800];
	const char *ign = cf_json_str(json_object_get(r->obj, "spec"), "ignore");
	size_t size = 0;
	int rc;

	snprintf(file, sizeof(file), "%s.tar.gz", t->commit);
	rc = src_artifact_paths(&dir, &path, &url, r->c, CF_KIND_GITREPOSITORY, r->ns, r->name, file);
	if (rc < 0)
		goto out;
	if (artifact_current(r, t->revision, path.data)) {
		rc = 1;   /* nothing new */
		goto out;
	}
	if ((rc = build_artifact(r, repo, t, dir.data, file, digest, &size, &left_out)) < 0)
		goto out;
	src_storage_retain(dir.data, file);
	if ((rc = src_storage_set_artifact(r->status, path.data, url.data, t->revision, digest, size, 0)) < 0)
		goto out;
	if (ign)
		json_object_set_new(r->status, "observedIgnore", json_string(ign));
	else
		json_object_del(r->status, "observedIgnore");
	cf_git_commit_subject(repo, t->commit, subject, sizeof(subject));
	snprintf(msg, sizeof(msg), "stored artifact for commit '%s'", subject);
	/* written before the event and the notice: whoever they reach reads this artifact */
	if ((rc = succeed(r, t->revision)) < 0 || (rc = cf_reconcile_write_status(r->p)) < 0)
		goto out;
	cf_event_emit_revision(r->k, r->c->events, r->obj, "Normal", "NewArtifact", msg, t->revision, digest, SOURCE_CONTROLLER);
	if (left_out.len) {
		/* as Flux: such links are not in the artifact, so one cannot fail every consumer */
		char warn[1200];
		snprintf(warn, sizeof(warn), "symlinks pointing outside the repository left out of the artifact: %.1000s",
			 left_out.data);
		cf_event_emit_revision(r->k, r->c->events, r->obj, "Warning", "SymlinksLeftOut", warn, t->revision, digest,
				       SOURCE_CONTROLLER);
		cf_log(CF_LOG_WARN, "symlinks left out", "object", r->name, "namespace", r->ns, "links", left_out.data, NULL);
	}
	src_notice_publish(r->c, CF_KIND_GITREPOSITORY, r->ns, r->name, t->revision, digest, path.data);
	cf_log(CF_LOG_INFO, "stored artifact", "object", r->name, "namespace", r->ns,
	       "revision", t->revision, "digest", digest, NULL);
out:
	cf_buf_free(&dir);
	cf_buf_free(&path);
	cf_buf_free(&url);
	cf_buf_free(&left_out);
	return rc;
}

static void log_fetch(rec *r, cf_git_repo *repo, int rc)
{
	char n[32];

	if (rc < 0)
		return;
	snprintf(n, sizeof(n), "%lu", cf_git_last_received(repo));
	cf_log(CF_LOG_DEBUG, "fetched", "object", r->name, "namespace", r->ns, "objects", n, NULL);
}

static int sync_source(rec *r, long timeout_ms)
{
	const json_t *spec = json_object_get(r->obj, "spec"), *ref = json_object_get(spec, "ref");
	const char *url = cf_json_str(spec, "url"), *reason = R_GIT;
	cf_git_ref gref = { cf_json_str(ref, "branch"), cf_json_str(ref, "tag"), cf_json_str(ref, "semver"),
			    cf_json_str(ref, "name"), cf_json_str(ref, "commit") };
	cf_buf cache = CF_BUF_INIT(8192);
	cf_git_repo *repo = NULL;
	cf_git_target t;
	json_t *refs = NULL;
	long timeout_s = (timeout_ms + 999) / 1000;
	int rc;

	if (url == NULL || cf_git_check_url(url) < 0) {
		if (url == NULL)
			cf_err_set(CF_EINVAL, "spec.url is required");
		else
			cf_err_prefix("invalid spec.url");
		return cf_reconcile_fail(r->p, R_URL, CF_FAIL_STALLED);
	}
	if ((rc = load_auth(r, &reason)) < 0)
		return cf_reconcile_fail(r->p, reason, 0);
	rc = src_storage_dir(&cache, r->c, CF_KIND_GITREPOSITORY, 1, r->ns, r->name);
	if (rc == 0) rc = cf_git_open(&repo, cache.data, url);
	if (rc == 0 && gref.commit == NULL) {
		/* the cheap check: refs only; an unchanged remote stops here */
		rc = cf_git_ls_remote(repo, &refs, &r->auth, timeout_s);
		if (rc == 0) rc = cf_git_resolve(&t, refs, &gref);
		if (rc == 0 && !cf_git_has_commit(repo, t.commit)) {
			rc = cf_git_fetch(repo, t.refspec, &r->auth, timeout_s);
			log_fetch(r, repo, rc);
		} else if (rc == 0) {
			cf_log(CF_LOG_DEBUG, "unchanged, no fetch", "object", r->name, "namespace", r->ns,
			       "commit", t.commit, NULL);
		}
	} else if (rc == 0) {
		rc = cf_git_resolve(&t, NULL, &gref);
		if (rc == 0 && !cf_git_has_commit(repo, gref.commit)) {
			rc = cf_git_fetch(repo, t.refspec, &r->auth, timeout_s);
			log_fetch(r, repo, rc);
		}
		if (rc == 0) rc = cf_git_complete_commit(repo, &t, gref.commit);
	}
	if (rc < 0) {
		reason = rc == CF_EAUTH ? R_AUTH : R_GIT;
		rc = cf_reconcile_fail(r->p, reason, 0);
		goto out;
	}
	rc = store(r, repo, &t);
	if (rc < 0) {
		rc = cf_reconcile_fail(r->p, R_STORAGE, 0);
	} else if (rc == 1) {
		/* unchanged: the lifecycle writes status only if something in it is out of date */
		rc = succeed(r, t.revision);
	}
out:
	json_decref(refs);
	cf_git_close(repo);
	cf_buf_free(&cache);
	wipe_auth(r);
	return rc;
}

static int body(cf_reconcile *p)
{
	rec r = { .p = p, .c = p->ctx, .k = p->k, .obj = p->obj, .ns = p->ns, .name = p->name,
		  .generation = p->generation, .status = p->status };

	return sync_source(&r, p->timeout_ms);
}

int gitrepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return src_source_reconcile(c, k, CF_KIND_GITREPOSITORY, ns, name, requeue_ms, body, DEFAULT_TIMEOUT_MS);
}
