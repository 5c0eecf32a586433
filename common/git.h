/* common/git.h - Git sources through libgit2: a bare cache per repository, a cheap remote ref
 * listing, ref resolution as Flux does it, incremental fetch, and the tree of a commit
 * streamed into an artifact without a checkout. */
#ifndef CF_GIT_H
#define CF_GIT_H

#include <jansson.h>
#include <stddef.h>

#include "artifact.h"
#include "ignore.h"

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
} cf_git_auth;
#define CF_GIT_AUTH_VERSION 1
#define CF_GIT_AUTH_INIT { CF_GIT_AUTH_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL }

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

/* Checks a GitRepository URL: http, https, ssh, git or file; scp-style "user@host:path" is
 * refused with the message Flux users know. */
int  cf_git_check_url(const char *url);
/* Releases libgit2's global state; call once at exit, after every repository is closed. */
void cf_git_global_shutdown(void);
/* Opens (creating if missing) the bare cache at path for url. */
int  cf_git_open(cf_git_repo **out, const char *path, const char *url);
/* Safe on NULL. */
void cf_git_close(cf_git_repo *r);

/* Lists the remote's refs without fetching: *refs maps "refs/heads/main" -> "<hex>"; annotated
 * tags also have "refs/tags/v1^{}" -> the commit. timeout_s bounds the transfer. */
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
 * files met on the way are added to ig for their directory. Submodules are left out. */
int  cf_git_archive(cf_git_repo *r, const char *commit, cf_ignore *ig, cf_artifact_writer *w);
/* The first line of commit's message into out (for "stored artifact for commit '...'"). */
int  cf_git_commit_subject(cf_git_repo *r, const char *commit, char *out, size_t size);
/* Number of objects fetched by the last cf_git_fetch (0: nothing new). */
unsigned long cf_git_last_received(const cf_git_repo *r);

#endif
