/* common/source/git.h - Git sources through libgit2: a bare cache per repository, a cheap remote ref
 * listing, ref resolution as Flux does it, incremental fetch, and the tree of a commit
 * streamed into an artifact without a checkout. */
#ifndef CF_GIT_H
#define CF_GIT_H

#include <jansson.h>
#include <stddef.h>

#include "source/artifact.h"
#include "source/ignore.h"
#include "util/buf.h"

/* Credentials from a GitRepository's secretRef; every field optional. Strings are NUL-ended. */
typedef struct cf_git_auth {
	unsigned version;
	const char *username, *password;
	const char *bearer_token;
	const char *ca_pem;            /* ca.crt: trusted for this repository only */
	size_t ca_len;
	const char *identity;          /* ssh private key (OpenSSH or PEM) */
	const char *identity_password;
	const char *known_hosts;       /* required for ssh */
	int ssh_agent;                 /* no identity: the keys of the ssh-agent at $SSH_AUTH_SOCK (the CLI's) */
} cf_git_auth;
#define CF_GIT_AUTH_VERSION 1
#define CF_GIT_AUTH_INIT { CF_GIT_AUTH_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0 }

/* spec.ref; precedence as in Flux: commit, then name, semver, tag, branch (default master). */
typedef struct cf_git_ref {
	const char *branch, *tag, *semver, *name, *commit;
} cf_git_ref;

/* What a ref resolved to. */
typedef struct cf_git_target {
	char commit[41];        /* "" when only a fetch can tell (a commit ref) */
	char revision[600];     /* "main@sha1:<hex>", "v1.2.0@sha1:<hex>", "sha1:<hex>" */
	char refspec[600];      /* what to fetch */
	char label[520];        /* the part before "@" ("" for a bare commit) */
} cf_git_target;

typedef struct cf_git_repo cf_git_repo;

/* Checks a GitRepository URL: http, https or ssh, as Flux admits (file:// and git:// are
 * refused); scp-style "user@host:path" is refused with the message Flux users know. Messages
 * of this module never show the credentials of a URL (cf_url_redact). */
int  cf_git_check_url(const char *url);
/* Connects to the ssh:// URL's server only to read its host key, as ssh-keyscan does: the
 * known_hosts line ("host type base64\n", "[host]:port" when not 22) into out (size bytes).
 * CF_EIO naming the URL when the server cannot be reached. */
int  cf_git_scan_host_key(char *out, size_t size, const char *url, long timeout_s);
/* Releases libgit2's global state; call once at exit, after every repository is closed. */
void cf_git_global_shutdown(void);
/* The network calls (ls-remote, fetch, push) fail with CF_EAUTH when the server refused the
 * credentials or none were given for a server that asks, and when its certificate or host key
 * does not verify (from libgit2's codes and the callbacks, not from messages); other network
 * failures are CF_EIO. */

/* Opens (creating if missing) the bare cache at path for url. *out is NULL on failure. */
int  cf_git_open(cf_git_repo **out, const char *path, const char *url);
/* Safe on NULL. */
void cf_git_close(cf_git_repo *r);

/* Lists the remote's refs without fetching: *refs maps "refs/heads/main" -> "<hex>"; annotated
 * tags also have "refs/tags/v1^{}" -> the commit (the caller's, json_decref); NULL on failure.
 * timeout_s bounds the transfer. */
int  cf_git_ls_remote(cf_git_repo *r, json_t **refs, const cf_git_auth *auth, long timeout_s);
/* Resolves ref against refs (from cf_git_ls_remote). Missing refs and semver constraints that
 * match no tag are CF_ENOTFOUND with a message naming them. */
int  cf_git_resolve(cf_git_target *out, const json_t *refs, const cf_git_ref *ref);
/* 1 if the cache holds commit (hex) as a commit, else 0. */
int  cf_git_has_commit(cf_git_repo *r, const char *commit);
/* Fetches refspec into the cache (incremental: only missing objects move). */
int  cf_git_fetch(cf_git_repo *r, const char *refspec, const cf_git_auth *auth, long timeout_s);
/* For a commit ref after the fetch: checks it exists and fills target->commit/revision. */
int  cf_git_complete_commit(cf_git_repo *r, cf_git_target *t, const char *commit);
/* Writes the tree of commit into w, in tree order, leaving out what ig excludes; .sourceignore
 * files met on the way are added to ig for their directory. Submodules are left out, and so are
 * symlinks whose target is absolute or climbs out of the tree (as Flux leaves them out, rather
 * than fail every consumer of the artifact): each one is added to left_out (if not NULL) as a
 * line "path -> target". */
int  cf_git_archive(cf_git_repo *r, const char *commit, cf_ignore *ig, cf_artifact_writer *w, cf_buf *left_out);
/* 1 if a symlink at path (a '/'-separated path in the tree) with target stays inside the tree. */
int  cf_git_symlink_in_tree(const char *path, const char *target);
/* The first line of commit's message into out (for "stored artifact for commit '...'"). */
int  cf_git_commit_subject(cf_git_repo *r, const char *commit, char *out, size_t size);
/* Writes files (an object path -> text) over parent's tree (NULL or "": a first commit) and
 * commits the result with message and author, without a checkout. *new_commit gets the hex,
 * or "" when the tree did not change (nothing is committed then). */
int  cf_git_commit_files(cf_git_repo *r, char new_commit[41], const char *parent, const json_t *files,
			 const char *message, const char *author_name, const char *author_email);
/* Pushes commit to the remote's refs/heads/branch (a fast-forward; a refusal is an error
 * naming the server's reason). */
int  cf_git_push(cf_git_repo *r, const char *commit, const char *branch, const cf_git_auth *auth, long timeout_s);
/* Pushes commit to the remote's dst_ref (a full name, "refs/heads/auto"); force replaces what
 * is there, else only a fast-forward. CF_ECONFLICT when the remote ref moved to a commit that
 * commit does not descend from (fetch, rebuild, push again); a refusal by the server (a
 * protected branch, a hook) is CF_EIO naming its reason. */
int  cf_git_push_ref(cf_git_repo *r, const char *commit, const char *dst_ref, int force, const cf_git_auth *auth,
		     long timeout_s);
/* Called for each regular file of a walk: path from the tree's root, its bytes (borrowed for
 * the call). A negative return stops the walk with that code. */
typedef int (*cf_git_file_cb)(const char *path, const char *data, size_t len, void *payload);
/* Calls cb for each regular file under dir ("" or NULL: all) at commit, in tree order, without
 * a checkout; files larger than max_size are passed over. */
int  cf_git_walk_files(cf_git_repo *r, const char *commit, const char *dir, size_t max_size, cf_git_file_cb cb,
		       void *payload);
/* The credentials a GitRepository's secretRef holds (secret: its data decoded, as
 * cf_kube_secret_decode gives it): username/password, bearerToken, ca.crt (or caFile),
 * identity (+ password as its passphrase), known_hosts. a's strings are borrowed from secret. */
void cf_git_auth_from_secret(cf_git_auth *a, const json_t *secret);
/* Appends the content of path at commit to out; CF_ENOTFOUND when it is not there. */
int  cf_git_read_file(cf_git_repo *r, cf_buf *out, const char *commit, const char *path);
/* Number of objects fetched by the last cf_git_fetch (0: nothing new). */
unsigned long cf_git_last_received(const cf_git_repo *r);

#endif
