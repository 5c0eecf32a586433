/* image-automation-controller/imageupdate.c - ImageUpdateAutomation, as Flux's
 * image-automation-controller runs it (on runtime/reconcile.h):
 *
 *   body ─ spec: sourceRef (a GitRepository; its URL, secretRef and timeout), git.checkout.ref
 *          (else the GitRepository's ref), git.push {branch, refspec} (else the checkout
 *          branch), git.commit {author, messageTemplate (checked on empty data first: a bad
 *          one is Stalled), signingKey (refused: Stalled)}, update {path, strategy Setters},
 *          policySelector (a label selector; bad: Stalled InvalidPolicySelector)
 *        ─ the ImagePolicies that have a latestRef: status.observedPolicies
 *        ─ unchanged source commit and policies since the last run: nothing to do
 *        ─ ls-remote, fetch the checkout commit into a bare cache (no checkout)
 *        ─ every .yaml/.yml under update.path through the setters (setters.h)
 *        ─ nothing changed: Ready "repository up-to-date", no commit
 *        ─ commit the changed files (cf_git_commit_files) with the rendered message, push to
 *          the push branch (forced when it is not the checkout branch, as Flux's default) and
 *          to refspec's destination; a remote that moved meanwhile (CF_ECONFLICT) is fetched
 *          again and the update made again on its new tip, up to PUSH_TRIES times
 *        ─ status lastPushCommit, lastPushTime, lastAutomationRunTime,
 *          observedSourceRevision; event "pushed commit '<short>' to branch '<b>'" */
#include "controller.h"
#include "imageupdate.h"
#include "msgtemplate.h"
#include "setters.h"

#include "kube/secret.h"
#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/git.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Flux's reasons */
#define R_SOURCE   "InvalidSourceConfiguration"
#define R_DENIED   "AccessDenied"
#define R_GIT      "GitOperationFailed"
#define R_UPDATE   "UpdateFailed"
#define R_SELECTOR "InvalidPolicySelector"
#define MSG_UP_TO_DATE "repository up-to-date"
#define PUSH_TRIES 3
#define DEFAULT_GIT_TIMEOUT_MS 60000L
#define SELECTOR_MAX 4096

/* One reconcile's working state. */
typedef struct iua {
	cf_reconcile *p;
	iac_ctl *c;
	const json_t *spec;
	json_t *gitrepo;          /* the source, as read */
	const char *url;
	cf_git_ref checkout;
	const char *push_branch, *refspec, *author_name, *author_email, *tpl, *path;
	long timeout_s;
	json_t *secret;           /* the GitRepository's secretRef, decoded; wiped at the end */
	cf_git_auth auth;
	json_t *policies;         /* "ns:name" -> {image, tag, digest} for the setters */
	json_t *observed;         /* status.observedPolicies */
	cf_git_repo *repo;
	cf_git_target target;
	json_t *files, *changes;  /* the update: path -> new text; the setters' records */
} iua;

static int iua_wants_reconcile(const char *type, const json_t *obj)
{
	return cf_status_wants_reconcile(type, obj, 0);
}

/* ---- the spec ---- */

/* sourceRef -> the GitRepository, its URL, credentials and timeout. */
static int read_source(iua *u)
{
	const json_t *ref = json_object_get(u->spec, "sourceRef"), *gspec;
	const char *kind = cf_json_str(ref, "kind"), *name = cf_json_str(ref, "name"), *ns = cf_json_str(ref, "namespace");
	const char *secret, *timeout;
	long ms = DEFAULT_GIT_TIMEOUT_MS;
	int rc;

	if (kind && strcmp(kind, "GitRepository") != 0) {
		cf_err_set(CF_EINVAL, "spec.sourceRef.kind '%s' is not supported: only GitRepository", kind);
		return cf_reconcile_fail(u->p, R_SOURCE, CF_FAIL_STALLED);
	}
	if (name == NULL) {
		cf_err_set(CF_EINVAL, "spec.sourceRef.name is required");
		return cf_reconcile_fail(u->p, R_SOURCE, CF_FAIL_STALLED);
	}
	if (ns == NULL || ns[0] == '\0')
		ns = u->p->ns;
	rc = cf_kube_get(u->p->k, &u->gitrepo, &(cf_kube_ref){ CF_AV_GITREPOSITORY, "GitRepository", ns, name });
	if (rc < 0) {
		cf_err_prefix("failed to get source GitRepository '%s/%s'", ns, name);
		return cf_reconcile_fail(u->p, rc == CF_ENOTFOUND ? R_SOURCE : R_GIT, 0);
	}
	gspec = json_object_get(u->gitrepo, "spec");
	u->url = cf_json_str(gspec, "url");
	if (u->url == NULL || cf_git_check_url(u->url) < 0) {
		if (u->url == NULL)
			cf_err_set(CF_EINVAL, "GitRepository '%s/%s' has no spec.url", ns, name);
		return cf_reconcile_fail(u->p, R_SOURCE, 0);
	}
	if ((timeout = cf_json_str(gspec, "timeout")) != NULL && cf_duration_parse(&ms, timeout) < 0)
		ms = DEFAULT_GIT_TIMEOUT_MS;
	u->timeout_s = (ms + 999) / 1000;
	if ((secret = cf_json_str(json_object_get(gspec, "secretRef"), "name")) != NULL) {
		if ((rc = cf_kube_secret_get(u->p->k, &u->secret, ns, secret)) < 0) {
			cf_err_prefix("failed to get the GitRepository's secret '%s/%s'", ns, secret);
			return cf_reconcile_fail(u->p, R_GIT, 0);
		}
		cf_git_auth_from_secret(&u->auth, u->secret);
	}
	return 0;
}

/* git.checkout.ref (else the GitRepository's ref), push branch and refspec, the commit. */
static int read_git(iua *u)
{
	const json_t *git = json_object_get(u->spec, "git"), *commit = json_object_get(git, "commit");
	const json_t *ref = json_object_get(json_object_get(git, "checkout"), "ref"), *push = json_object_get(git, "push");
	const json_t *author = json_object_get(commit, "author");

	if (ref == NULL)
		ref = json_object_get(json_object_get(u->gitrepo, "spec"), "ref");
	u->checkout = (cf_git_ref){ cf_json_str(ref, "branch"), cf_json_str(ref, "tag"), cf_json_str(ref, "semver"),
				    cf_json_str(ref, "name"), cf_json_str(ref, "commit") };
	if (u->checkout.branch == NULL && u->checkout.tag == NULL && u->checkout.semver == NULL &&
	    u->checkout.name == NULL && u->checkout.commit == NULL)
		u->checkout.branch = "master";   /* the GitRepository's default */
	u->push_branch = cf_json_str(push, "branch");
	u->refspec = cf_json_str(push, "refspec");
	if (u->push_branch == NULL)
		u->push_branch = u->checkout.branch;
	if (u->push_branch == NULL && u->refspec == NULL) {
		cf_err_set(CF_EINVAL, "no push branch: spec.git.push.branch is unset and the checkout ref is not a branch");
		return cf_reconcile_fail(u->p, R_SOURCE, CF_FAIL_STALLED);
	}
	u->author_name = cf_json_str(author, "name");
	u->author_email = cf_json_str(author, "email");
	if (u->author_email == NULL || u->author_email[0] == '\0') {
		cf_err_set(CF_EINVAL, "spec.git.commit.author.email is required");
		return cf_reconcile_fail(u->p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	/* Flux makes the name optional; a Git signature needs one: the email stands in */
	if (u->author_name == NULL || u->author_name[0] == '\0')
		u->author_name = u->author_email;
	if (json_object_get(commit, "signingKey")) {
		cf_err_set(CF_EINVAL, "spec.git.commit.signingKey: cflux does not sign commits (no OpenPGP library); "
				      "remove signingKey or sign outside the automation");
		return cf_reconcile_fail(u->p, R_UPDATE, CF_FAIL_STALLED);
	}
	u->tpl = cf_json_str(commit, "messageTemplate");
	if (u->tpl == NULL || u->tpl[0] == '\0')
		u->tpl = IUA_MSG_DEFAULT_TEMPLATE;
	return 0;
}

/* update {path, strategy}: the directory the setters walk ("" for the root). */
static int read_update(iua *u)
{
	const json_t *update = json_object_get(u->spec, "update");
	const char *strategy = cf_json_str(update, "strategy"), *path = cf_json_str(update, "path");

	if (strategy && strcmp(strategy, "Setters") != 0) {
		cf_err_set(CF_EINVAL, "spec.update.strategy '%s' is not supported: only Setters", strategy);
		return cf_reconcile_fail(u->p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	if (path == NULL)
		path = "";
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/')
		path++;
	if (strcmp(path, ".") == 0)
		path = "";
	if (strstr(path, "..")) {
		cf_err_set(CF_EINVAL, "spec.update.path '%s' climbs out of the repository", path);
		return cf_reconcile_fail(u->p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	u->path = path;
	return 0;
}

/* The message template checked on empty data: what does not parse fails before any Git work. */
static int check_template(iua *u)
{
	json_t *d = NULL, *none = json_array();
	cf_buf out = CF_BUF_INIT(IUA_MSG_MAX);
	int rc = none ? iua_msg_data(&d, u->p->ns, u->p->name, none, NULL) : cf_err_set(CF_ENOMEM, "out of memory");

	if (rc == 0 && (rc = iua_msg_render(&out, u->tpl, "commit message", d)) < 0) {
		cf_err_prefix("spec.git.commit.messageTemplate");
		rc = cf_reconcile_fail(u->p, R_UPDATE, CF_FAIL_STALLED);
	}
	json_decref(d);
	json_decref(none);
	cf_buf_free(&out);
	return rc;
}

/* ---- policies ---- */

/* A metav1.LabelSelector as the API's labelSelector query. */
static int selector_string(cf_buf *b, const json_t *sel)
{
	static const struct { const char *op, *fmt; int values; } OPS[] = {
		{ "In", "%s in (", 1 }, { "NotIn", "%s notin (", 1 }, { "Exists", "%s", 0 }, { "DoesNotExist", "!%s", 0 },
	};
	const json_t *v, *e;
	const char *k;
	size_t i, j;
	int rc = 0;

	json_object_foreach((json_t *)json_object_get(sel, "matchLabels"), k, v) {
		if (!json_is_string(v))
			return cf_err_set(CF_EINVAL, "spec.policySelector.matchLabels.%s: not a string", k);
		rc = cf_buf_printf(b, "%s%s=%s", b->len ? "," : "", k, json_string_value(v));
		if (rc < 0) return rc;
	}
	json_array_foreach(json_object_get(sel, "matchExpressions"), i, e) {
		const char *key = cf_json_str(e, "key"), *op = cf_json_str(e, "operator");
		size_t o = sizeof(OPS) / sizeof(OPS[0]);
		for (size_t n = 0; op && n < sizeof(OPS) / sizeof(OPS[0]); n++)
			if (strcmp(OPS[n].op, op) == 0)
				o = n;
		if (key == NULL || o == sizeof(OPS) / sizeof(OPS[0]))
			return cf_err_set(CF_EINVAL, "spec.policySelector.matchExpressions[%zu]: %s", i,
					  key ? "operator must be In, NotIn, Exists or DoesNotExist" : "key is required");
		if (OPS[o].values && json_array_size(json_object_get(e, "values")) == 0)
			return cf_err_set(CF_EINVAL, "spec.policySelector.matchExpressions[%zu]: %s needs values", i, op);
		if ((rc = cf_buf_puts(b, b->len ? "," : "")) < 0 || (rc = cf_buf_printf(b, OPS[o].fmt, key)) < 0)
			return rc;
		json_array_foreach(json_object_get(e, "values"), j, v)
			if (OPS[o].values && (rc = cf_buf_printf(b, "%s%s", j ? "," : "", json_string_value(v) ? json_string_value(v) : "")) < 0)
				return rc;
		if (OPS[o].values && (rc = cf_buf_putc(b, ')')) < 0)
			return rc;
	}
	return 0;
}

/* The namespace's ImagePolicies that policySelector picks and that have a latestRef. */
static int read_policies(iua *u)
{
	cf_buf sel = CF_BUF_INIT(SELECTOR_MAX);
	json_t *list = NULL, *item;
	size_t i;
	int rc;

	if ((rc = selector_string(&sel, json_object_get(u->spec, "policySelector"))) < 0) {
		rc = cf_reconcile_fail(u->p, R_SELECTOR, CF_FAIL_STALLED);
		goto out;
	}
	rc = cf_kube_list(u->p->k, &list, &(cf_kube_ref){ CF_AV_IMAGEPOLICY, "ImagePolicy", u->p->ns, NULL },
			  sel.len ? sel.data : NULL);
	if (rc < 0) {
		cf_err_prefix("failed to list ImagePolicies");
		rc = cf_reconcile_fail(u->p, rc == CF_EINVAL ? R_SELECTOR : R_UPDATE, rc == CF_EINVAL ? CF_FAIL_STALLED : 0);
		goto out;
	}
	u->policies = json_object();
	u->observed = json_object();
	json_array_foreach(json_object_get(list, "items"), i, item) {
		const json_t *ref = json_object_get(json_object_get(item, "status"), "latestRef");
		const char *name = cf_json_str(json_object_get(item, "metadata"), "name");
		const char *image = cf_json_str(ref, "name"), *tag = cf_json_str(ref, "tag"), *digest = cf_json_str(ref, "digest");
		char key[600];
		json_t *obs;
		if (name == NULL || image == NULL || tag == NULL)
			continue;   /* not ready yet: as Flux, left out */
		snprintf(key, sizeof(key), "%s:%s", u->p->ns, name);
		obs = json_pack("{s:s, s:s}", "name", image, "tag", tag);
		if (obs && digest && digest[0])
			json_object_set_new(obs, "digest", json_string(digest));
		json_object_set_new(u->observed, name, obs);
		json_object_set_new(u->policies, key, json_pack("{s:s, s:s, s:s}", "image", image, "tag", tag, "digest",
								 digest ? digest : ""));
	}
	if (u->policies == NULL || u->observed == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
out:
	json_decref(list);
	cf_buf_free(&sel);
	return rc;
}

/* ---- the update ---- */

static int has_yaml_ext(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/* One file of the walk: through the setters; a changed one into u->files. */
static int update_file(const char *path, const char *data, size_t len, void *payload)
{
	iua *u = payload;
	cf_buf out = CF_BUF_INIT(IUA_SETTERS_MAX_FILE * 2);
	json_t *ch = NULL, *c;
	const char *rel = path + (u->path[0] ? strlen(u->path) + 1 : 0);
	size_t i;
	int rc;

	if (!has_yaml_ext(path))
		return 0;
	if ((rc = iua_setters_apply(&out, &ch, data, len, path, u->policies)) < 0)
		goto out;
	if (json_array_size(ch) == 0)
		goto out;
	/* Flux names the files from the update path */
	json_array_foreach(ch, i, c)
		json_object_set_new(c, "file", json_string(rel));
	if (json_object_set_new(u->files, path, json_stringn(out.data, out.len)) < 0 || json_array_extend(u->changes, ch) < 0)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
out:
	json_decref(ch);
	cf_buf_free(&out);
	return rc;
}

/* The remote's checkout commit, in the cache. */
static int fetch_checkout(iua *u)
{
	json_t *refs = NULL;
	int rc = 0;

	if (u->checkout.commit == NULL) {
		rc = cf_git_ls_remote(u->repo, &refs, &u->auth, u->timeout_s);
		if (rc == 0) rc = cf_git_resolve(&u->target, refs, &u->checkout);
		if (rc == 0 && !cf_git_has_commit(u->repo, u->target.commit))
			rc = cf_git_fetch(u->repo, u->target.refspec, &u->auth, u->timeout_s);
	} else {
		rc = cf_git_resolve(&u->target, NULL, &u->checkout);
		if (rc == 0 && !cf_git_has_commit(u->repo, u->checkout.commit))
			rc = cf_git_fetch(u->repo, u->target.refspec, &u->auth, u->timeout_s);
		if (rc == 0) rc = cf_git_complete_commit(u->repo, &u->target, u->checkout.commit);
	}
	json_decref(refs);
	return rc;
}

/* The setters over the checkout commit's files under update.path. */
static int apply_setters(iua *u)
{
	int rc;

	json_decref(u->files);
	json_decref(u->changes);
	u->files = json_object();
	u->changes = json_array();
	if (u->files == NULL || u->changes == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_git_walk_files(u->repo, u->target.commit, u->path, IUA_SETTERS_MAX_FILE, update_file, u);
	if (rc < 0)
		cf_err_prefix("failed to apply the setters");
	return rc;
}

/* "src:dst" of spec.git.push.refspec: dst receives the commit ('+': forced). */
static int push_refspec(iua *u, const char *commit)
{
	const char *colon = strrchr(u->refspec, ':'), *dst = colon ? colon + 1 : u->refspec;

	if (dst[0] == '\0')
		return cf_err_set(CF_EINVAL, "spec.git.push.refspec '%s' has no destination", u->refspec);
	return cf_git_push_ref(u->repo, commit, dst, u->refspec[0] == '+', &u->auth, u->timeout_s);
}

static int push(iua *u, const char *commit)
{
	int rc = 0;

	if (u->push_branch) {
		char dst[300];
		/* a push branch apart from the checkout branch is reset to checkout + update */
		int force = u->checkout.branch == NULL || strcmp(u->push_branch, u->checkout.branch) != 0;
		snprintf(dst, sizeof(dst), "refs/heads/%s", u->push_branch);
		if ((rc = cf_git_push_ref(u->repo, commit, dst, force, &u->auth, u->timeout_s)) < 0) {
			if (rc != CF_ECONFLICT)
				cf_err_prefix("failed to push to branch '%s'", u->push_branch);
			return rc;
		}
	}
	if (u->refspec && (rc = push_refspec(u, commit)) < 0 && rc != CF_ECONFLICT)
		cf_err_prefix("failed to push refspec '%s'", u->refspec);
	return rc;
}

/* The commit message for the changes (a template error at run time is Stalled too). */
static int render_message(iua *u, cf_buf *msg)
{
	const json_t *values = json_object_get(json_object_get(json_object_get(u->spec, "git"), "commit"),
					       "messageTemplateValues");
	json_t *d = NULL;
	int rc = iua_msg_data(&d, u->p->ns, u->p->name, u->changes, values);

	if (rc == 0 && (rc = iua_msg_render(msg, u->tpl, "commit message", d)) < 0)
		cf_err_prefix("spec.git.commit.messageTemplate");
	json_decref(d);
	return rc;
}

static void set_run_status(iua *u)
{
	char now[32];

	cf_time_now(now);
	json_object_set_new(u->p->status, "lastAutomationRunTime", json_string(now));
	json_object_set(u->p->status, "observedPolicies", u->observed);
	json_object_set_new(u->p->status, "observedSourceRevision", json_string(u->target.revision));
}

static void pushed(iua *u, const char *commit, const char *message)
{
	char now[32], ev[IUA_MSG_MAX / 4];

	cf_time_now(now);
	json_object_set_new(u->p->status, "lastPushCommit", json_string(commit));
	json_object_set_new(u->p->status, "lastPushTime", json_string(now));
	snprintf(ev, sizeof(ev), "pushed commit '%.7s' to %s '%s'\n%s", commit, u->push_branch ? "branch" : "refspec",
		 u->push_branch ? u->push_branch : u->refspec, message);
	cf_log(CF_LOG_INFO, "pushed", "object", u->p->name, "namespace", u->p->ns, "commit", commit, "branch",
	       u->push_branch ? u->push_branch : u->refspec, NULL);
	if (cf_reconcile_write_status(u->p) == 0)
		cf_event_emit_revision(u->p->k, u->c->events, u->p->obj, "Normal", CF_REASON_SUCCEEDED, ev, commit, NULL,
				       IMAGE_AUTOMATION_CONTROLLER);
}

/* Nothing moved since the last run that succeeded: the same source commit and policies. */
static int unchanged_since_last_run(const iua *u)
{
	const json_t *st = u->p->written;
	const char *seen = cf_json_str(st, "observedSourceRevision");
	const json_t *ready = cf_condition_get(st, "Ready");

	return seen && strcmp(seen, u->target.revision) == 0 && json_equal(json_object_get(st, "observedPolicies"), u->observed) &&
	       ready && strcmp(cf_json_str(ready, "status") ? cf_json_str(ready, "status") : "", "True") == 0 &&
	       cf_condition_ready_at_generation(u->p->obj);
}

/* fetch -> setters -> commit -> push, again on the new tip when the remote moved. */
static int update_and_push(iua *u)
{
	cf_buf msg = CF_BUF_INIT(IUA_MSG_MAX);
	char commit[41] = "";
	int rc = 0;

	for (int attempt = 1; attempt <= PUSH_TRIES; attempt++) {
		if ((rc = fetch_checkout(u)) < 0) {
			cf_err_prefix("failed to checkout source");
			rc = cf_reconcile_fail(u->p, R_GIT, 0);
			goto out;
		}
		snprintf(u->p->revision, sizeof(u->p->revision), "%.500s", u->target.revision);
		if (attempt == 1 && unchanged_since_last_run(u)) {
			set_run_status(u);
			rc = cf_reconcile_ready(u->p, CF_REASON_SUCCEEDED, MSG_UP_TO_DATE);
			goto out;
		}
		if ((rc = apply_setters(u)) < 0) {
			rc = cf_reconcile_fail(u->p, R_UPDATE, 0);
			goto out;
		}
		if (json_object_size(u->files) == 0)
			break;
		cf_buf_reset(&msg);
		if ((rc = render_message(u, &msg)) < 0) {
			rc = cf_reconcile_fail(u->p, R_UPDATE, CF_FAIL_STALLED);
			goto out;
		}
		rc = cf_git_commit_files(u->repo, commit, u->target.commit, u->files, msg.data, u->author_name, u->author_email);
		if (rc < 0) {
			cf_err_prefix("failed to commit");
			rc = cf_reconcile_fail(u->p, R_GIT, 0);
			goto out;
		}
		if (commit[0] == '\0')
			break;
		if ((rc = push(u, commit)) == 0)
			break;
		if (rc != CF_ECONFLICT || attempt == PUSH_TRIES) {
			if (rc == CF_ECONFLICT)
				cf_err_prefix("the remote moved during %d tries to push", PUSH_TRIES);
			rc = cf_reconcile_fail(u->p, R_GIT, 0);
			goto out;
		}
		cf_log(CF_LOG_INFO, "remote moved, updating on its new tip", "object", u->p->name, "namespace", u->p->ns, NULL);
		commit[0] = '\0';
	}
	set_run_status(u);
	if (commit[0])
		pushed(u, commit, msg.data);
	rc = cf_reconcile_ready(u->p, CF_REASON_SUCCEEDED, MSG_UP_TO_DATE);
out:
	cf_buf_free(&msg);
	return rc;
}

static int open_cache(iua *u)
{
	char dir[1200];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/imageupdateautomation/%s/%s.git", u->c->storage_path, u->p->ns,
			     u->p->name) >= sizeof(dir))
		return cf_err_set(CF_EINVAL, "storage path for %s/%s is too long", u->p->ns, u->p->name);
	return cf_git_open(&u->repo, dir, u->url);
}

static int body(cf_reconcile *p)
{
	iua u = { .p = p, .c = p->ctx, .spec = p->spec, .auth = CF_GIT_AUTH_INIT };
	int rc;

	if ((rc = read_source(&u)) < 0 || (rc = read_git(&u)) < 0 || (rc = read_update(&u)) < 0 ||
	    (rc = check_template(&u)) < 0 || (rc = read_policies(&u)) < 0)
		goto out;
	if ((rc = open_cache(&u)) < 0) {
		rc = cf_reconcile_fail(p, R_GIT, 0);
		goto out;
	}
	rc = update_and_push(&u);
out:
	cf_git_close(u.repo);
	cf_kube_secret_free(u.secret);
	u.auth = (cf_git_auth)CF_GIT_AUTH_INIT;
	json_decref(u.gitrepo);
	json_decref(u.policies);
	json_decref(u.observed);
	json_decref(u.files);
	json_decref(u.changes);
	return rc;
}

static void event_hook(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	iac_ctl *c = p->ctx;

	cf_event_emit_revision(p->k, c->events, p->obj, type, reason, message, NULL, NULL, IMAGE_AUTOMATION_CONTROLLER);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* The object's Git cache goes with it. */
static int finalize(cf_reconcile *p)
{
	iac_ctl *c = p->ctx;
	char dir[1200];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/imageupdateautomation/%s/%s.git", c->storage_path, p->ns, p->name) <
	    sizeof(dir))
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int iua_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = CF_AV_IMAGEUPDATEAUTOMATION, .kind = "ImageUpdateAutomation", .ns = ns,
		.name = name, .finalizer = CF_FINALIZER, .body = body, .finalize = finalize, .event = event_hook, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}

/* ---- waking: an ImagePolicy's new latestRef enqueues the automations of its namespace ---- */

static pthread_mutex_t index_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *automations;   /* "ns/name" of each ImageUpdateAutomation -> true */
static json_t *latest;        /* "ns/name" of each ImagePolicy -> its latestRef as last seen */

/* The automations index, kept by their own watch. */
static void iua_on_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	char key[600];

	(void)ctx;
	(void)kind;
	if (cf_status_key(key, sizeof(key), obj) < 0)
		return;
	pthread_mutex_lock(&index_mu);
	if (automations == NULL)
		automations = json_object();
	if (strcmp(type, "DELETED") == 0)
		json_object_del(automations, key);
	else
		json_object_set_new(automations, key, json_true());
	pthread_mutex_unlock(&index_mu);
}

static void iua_on_policy(void *ctx, const cf_kind *kind, const char *type, const json_t *obj)
{
	iac_ctl *c = ctx;
	const json_t *ref = json_object_get(json_object_get(obj, "status"), "latestRef");
	const char *ns = cf_json_str(json_object_get(obj, "metadata"), "namespace"), *k;
	char key[600], prefix[300];
	json_t *v;
	int moved;

	(void)kind;
	if (ns == NULL || cf_status_key(key, sizeof(key), obj) < 0)
		return;
	pthread_mutex_lock(&index_mu);
	if (latest == NULL)
		latest = json_object();
	moved = strcmp(type, "DELETED") == 0 ? json_object_get(latest, key) != NULL
					      : ref && !json_equal(json_object_get(latest, key), ref);
	if (strcmp(type, "DELETED") == 0)
		json_object_del(latest, key);
	else if (ref)
		json_object_set_new(latest, key, json_deep_copy(ref));
	snprintf(prefix, sizeof(prefix), "%s/", ns);
	json_object_foreach(automations, k, v) {
		if (moved && c->queue && strncmp(k, prefix, strlen(prefix)) == 0)
			cf_work_enqueue_name(c->queue, CF_KIND_IMAGEUPDATEAUTOMATION, ns, k + strlen(prefix));
	}
	pthread_mutex_unlock(&index_mu);
}

const cf_kind_handler iua_handler = { CF_KIND_IMAGEUPDATEAUTOMATION, iua_on_event, iua_wants_reconcile, iua_reconcile, 0 };
const cf_kind_handler iua_policy_handler = { CF_KIND_IMAGEPOLICY, iua_on_policy, NULL, NULL, 0 };
