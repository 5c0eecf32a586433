/* tests/integration/test_git.c - common/source/git against the real Git servers of tests/env:
 * every transport, every kind of ref, the artifact against `git archive`, and the failures. */
#include "kube_env.h"
#include "source/artifact.h"
#include "source/git.h"
#include "source/gssapi_absent.h"
#include "source/ignore.h"
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char repo[64], work[] = "/tmp/cflux-gittest-XXXXXX", bare[512];
static char c1[41], c2[41], c3[41];
static cf_buf identity = CF_BUF_INIT(1u << 20), known_hosts = CF_BUF_INIT(1u << 20),
	      ca = CF_BUF_INIT(1u << 20);

static int capture(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (p == NULL)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n'))
		out[--n] = '\0';
	return pclose(p) == 0 ? 0 : -1;
}

static void setup(void)
{
	char cmd[1024];
	const char *repos = env_need("CFLUX_GIT_REPOS");

	if (repos == NULL || mkdtemp(work) == NULL)
		return;
	snprintf(repo, sizeof(repo), "gittest-%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "sh tests/integration/testdata/make-repo.sh %s", repo);
	CHECK(system(cmd) == 0);
	snprintf(bare, sizeof(bare), "%s/%s.git", repos, repo);
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse v1.0.0^{commit}", bare);
	CHECK(capture(c1, sizeof(c1), cmd) == 0);
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse main", bare);
	CHECK(capture(c2, sizeof(c2), cmd) == 0);
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse dev", bare);
	CHECK(capture(c3, sizeof(c3), cmd) == 0);
	CHECK_OK(cf_buf_read_file(&identity, getenv("CFLUX_SSH_IDENTITY")));
	CHECK_OK(cf_buf_read_file(&known_hosts, getenv("CFLUX_SSH_KNOWN_HOSTS")));
	CHECK_OK(cf_buf_read_file(&ca, getenv("CFLUX_CA")));
}

/* Fetches ref from base/name.git into a fresh cache and archives it; returns the target. */
static int fetch_archive_of(const char *name, cf_git_target *t, const char *base_env, const cf_git_ref *ref,
			    const cf_git_auth *auth, const char *tag, char digest[72])
{
	char url[512], cache[600];
	cf_git_repo *r = NULL;
	json_t *refs = NULL;
	cf_ignore *ig = NULL;
	cf_artifact_writer *w = NULL;
	int rc;

	snprintf(url, sizeof(url), "%s/%s.git", getenv(base_env), name);
	snprintf(cache, sizeof(cache), "%s/cache-%s", work, tag);
	rc = cf_git_open(&r, cache, url);
	if (rc == 0) rc = cf_git_ls_remote(r, &refs, auth, 30);
	if (rc == 0) rc = cf_git_resolve(t, refs, ref);
	if (rc == 0) rc = cf_git_fetch(r, t->refspec, auth, 30);
	if (rc == 0 && t->commit[0] == '\0') rc = cf_git_complete_commit(r, t, ref->commit);
	if (rc == 0) rc = cf_ignore_new(&ig);
	if (rc == 0) rc = cf_ignore_add_defaults(ig);
	if (rc == 0) rc = cf_artifact_writer_open(&w, work, tag, 50u << 20);
	if (rc == 0) rc = cf_git_archive(r, t->commit, ig, w, NULL);
	if (rc == 0) rc = cf_artifact_writer_commit(w, digest, NULL);
	cf_artifact_writer_free(w);
	cf_ignore_free(ig);
	json_decref(refs);
	cf_git_close(r);
	return rc;
}

static int fetch_archive(cf_git_target *t, const char *base_env, const cf_git_ref *ref, const cf_git_auth *auth,
			 const char *tag, char digest[72])
{
	return fetch_archive_of(repo, t, base_env, ref, auth, tag, digest);
}

/* The artifact holds git archive's files of the bare repository at path, minus the ignored
 * ones, byte for byte (Flux keeps .sourceignore files themselves). */
static void compare_with_archive_of(const char *path, const char *tag, const char *commit)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "set -e; d=%s/cmp-%s; rm -rf $d; mkdir -p $d/a $d/g; tar -xzf %s/%s -C $d/a; "
		 "git -C %s archive %s | tar -x -C $d/g; "
		 "cd $d/g && rm -rf .github img docs apps/tmp; cd $d; "
		 "diff -r --no-dereference a g",
		 work, tag, work, tag, path, commit);
	if (system(cmd) != 0)
		cf_test_fail(__FILE__, __LINE__, "%s: artifact differs from git archive of %s", tag, commit);
}

static void compare_with_git_archive(const char *tag, const char *commit)
{
	compare_with_archive_of(bare, tag, commit);
}

static void transport(const char *env, const cf_git_auth *auth, const char *tag)
{
	cf_git_ref ref = { .branch = "main" };
	cf_git_target t;
	char digest[72], want[600];

	if (env_need(env) == NULL)
		return;
	if (fetch_archive(&t, env, &ref, auth, tag, digest) < 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: %s", tag, cf_err_msg());
		return;
	}
	snprintf(want, sizeof(want), "main@sha1:%s", c2);
	CHECK_STR(t.revision, want);
	compare_with_git_archive(tag, c2);
}

/* Flux admits http, https and ssh: a file:// URL would read the controller's disk (another
 * tenant's caches), git:// is not Flux either; nothing is opened or created for them */
static void only_flux_schemes(void)
{
	static const char *const refused[] = { "file:///etc", "git://127.0.0.1/x.git", "/var/lib/x.git", "ftp://h/x" };
	char cache[600];
	cf_git_repo *r = NULL;

	snprintf(cache, sizeof(cache), "%s/cache-refused", work);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CHECK(cf_git_open(&r, cache, refused[i]) == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), "must start with http://, https:// or ssh://");
		CHECK(r == NULL);
		CHECK(access(cache, F_OK) != 0);
	}
	CHECK_OK(cf_git_check_url("ssh://git@host/x.git"));
	CHECK_OK(cf_git_check_url("https://host/x.git"));
}

/* credentials in a URL never reach a message: not libgit2's, not ours */
static void url_credentials_not_shown(void)
{
	char url[512], cache[600];
	cf_git_repo *r = NULL;
	cf_git_target t;
	json_t *refs = NULL;
	const char *http = env_need("CFLUX_GIT_URL_HTTP_AUTH");

	if (http == NULL)
		return;
	/* http://127.0.0.1:PORT/private -> http://git:s3cr3t-pw@127.0.0.1:PORT/private/nope.git */
	snprintf(url, sizeof(url), "http://git:s3cr3t-pw@%s/nope-%s.git", http + strlen("http://"), repo);
	snprintf(cache, sizeof(cache), "%s/cache-creds", work);
	CHECK_OK(cf_git_open(&r, cache, url));
	if (r == NULL)
		return;
	CHECK(cf_git_ls_remote(r, &refs, NULL, 30) < 0);
	CHECK(strstr(cf_err_msg(), "s3cr3t-pw") == NULL);
	CHECK(cf_git_fetch(r, "+refs/heads/main:refs/heads/main", NULL, 30) < 0);
	CHECK(strstr(cf_err_msg(), "s3cr3t-pw") == NULL);
	CHECK(cf_git_resolve(&t, NULL, &(cf_git_ref){ .commit = "0123456789012345678901234567890123456789" }) == 0);
	CHECK(cf_git_complete_commit(r, &t, "0123456789012345678901234567890123456789") == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "://***@");
	CHECK(strstr(cf_err_msg(), "s3cr3t-pw") == NULL);
	CHECK(cf_git_open(&(cf_git_repo *){ NULL }, cache, "file://git:s3cr3t-pw@host/x") == CF_EINVAL);
	CHECK(strstr(cf_err_msg(), "s3cr3t-pw") == NULL);
	json_decref(refs);
	cf_git_close(r);
}

static void over_http(void)  { transport("CFLUX_GIT_URL_HTTP", NULL, "http.tar.gz"); }

static void over_https_with_ca(void)
{
	cf_git_auth a = CF_GIT_AUTH_INIT;

	a.ca_pem = ca.data;
	a.ca_len = ca.len;
	transport("CFLUX_GIT_URL_HTTPS", &a, "https.tar.gz");
}

/* libgit2 offers Negotiate only for a "default" credential, which cflux never makes: a server
 * that offers Negotiate beside Basic is answered with Basic, one that offers only Negotiate gets
 * an error that names it, and no GSS-API function is called. This binary links the functions of
 * the release controllers' static link (common/source/gssapi_absent.c), which stand in front of
 * the ones libgit2's shared library would bring, and count their calls. */
static void negotiate_never_asked(void)
{
	cf_git_auth a = CF_GIT_AUTH_INIT;
	cf_git_ref ref = { .branch = "main" };
	cf_git_target t;
	char digest[72];
	unsigned long before = cf_gssapi_calls();

	a.ca_pem = ca.data;
	a.ca_len = ca.len;
	a.username = env_need("CFLUX_GIT_USER");
	a.password = env_need("CFLUX_GIT_PASSWORD");
	if (a.username == NULL || a.password == NULL || env_need("CFLUX_GIT_URL_HTTPS_NEGOTIATE_ONLY") == NULL)
		return;
	transport("CFLUX_GIT_URL_HTTPS_NEGOTIATE", &a, "negotiate.tar.gz");
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTPS_NEGOTIATE_ONLY", &ref, &a, "negotiate-only.tar.gz",
			    digest) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "offers only Negotiate (Kerberos) authentication");
	CHECK(cf_gssapi_calls() == before);
}

static void over_ssh(void)
{
	cf_git_auth a = CF_GIT_AUTH_INIT;

	a.identity = identity.data;
	a.known_hosts = known_hosts.data;
	transport("CFLUX_GIT_URL_SSH", &a, "ssh.tar.gz");
}

static void same_tree_same_digest(void)
{
	cf_git_ref ref = { .branch = "main" };
	cf_git_target t;
	char a[72], b[72];

	cf_git_auth ssh = CF_GIT_AUTH_INIT;

	ssh.identity = identity.data;
	ssh.known_hosts = known_hosts.data;
	CHECK_OK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &ref, NULL, "d1.tar.gz", a));
	CHECK_OK(fetch_archive(&t, "CFLUX_GIT_URL_SSH", &ref, &ssh, "d2.tar.gz", b));
	CHECK_STR(a, b);
}

static void refs_resolve(void)
{
	static const struct { cf_git_ref ref; const char *label; int which; } cases[] = {
		{ { .tag = "v1.0.0" }, "v1.0.0", 1 },
		{ { .tag = "v1.2.0" }, "v1.2.0", 2 },            /* annotated: peeled to the commit */
		{ { .semver = ">=1.0.0 <2.0.0" }, "v1.2.0", 2 },
		{ { .semver = "1.0.x" }, "v1.0.0", 1 },
		{ { .semver = ">=2.0.0-rc.0" }, "v2.0.0-rc.1", 2 },
		{ { .branch = "dev" }, "dev", 3 },
		{ { .name = "refs/pull/1/head" }, "refs/pull/1/head", 3 },
		{ { .branch = "main", .tag = "v1.0.0" }, "v1.0.0", 1 },   /* tag over branch */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_git_target t;
		char digest[72], want[600], tag[32];
		const char *c = cases[i].which == 1 ? c1 : cases[i].which == 2 ? c2 : c3;

		snprintf(tag, sizeof(tag), "ref%zu.tar.gz", i);
		if (fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &cases[i].ref, NULL, tag, digest) < 0) {
			cf_test_fail(__FILE__, __LINE__, "case %zu: %s", i, cf_err_msg());
			continue;
		}
		snprintf(want, sizeof(want), "%s@sha1:%s", cases[i].label, c);
		CHECK_STR(t.revision, want);
	}
}

static void commit_refs(void)
{
	cf_git_ref with_branch = { .branch = "dev", .commit = c1 }, bare_commit = { .commit = c3 };
	cf_git_target t;
	char digest[72], want[600];

	CHECK_OK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &with_branch, NULL, "cb.tar.gz", digest));
	snprintf(want, sizeof(want), "dev@sha1:%s", c1);
	CHECK_STR(t.revision, want);
	CHECK_OK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &bare_commit, NULL, "c.tar.gz", digest));
	snprintf(want, sizeof(want), "sha1:%s", c3);
	CHECK_STR(t.revision, want);
}

static void unchanged_remote_fetches_nothing(void)
{
	char url[512], cache[600];
	cf_git_ref ref = { .branch = "main" };
	cf_git_target t;
	cf_git_repo *r = NULL;
	json_t *refs = NULL;

	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_HTTP"), repo);
	snprintf(cache, sizeof(cache), "%s/cache-incremental", work);
	CHECK_OK(cf_git_open(&r, cache, url));
	if (r == NULL)
		return;
	CHECK_OK(cf_git_ls_remote(r, &refs, NULL, 30));
	CHECK_OK(cf_git_resolve(&t, refs, &ref));
	CHECK(!cf_git_has_commit(r, t.commit));
	CHECK_OK(cf_git_fetch(r, t.refspec, NULL, 30));
	CHECK(cf_git_last_received(r) > 0);
	CHECK(cf_git_has_commit(r, t.commit));
	CHECK_OK(cf_git_fetch(r, t.refspec, NULL, 30));
	CHECK(cf_git_last_received(r) == 0);
	json_decref(refs);
	cf_git_close(r);
}

static void failures_say_why(void)
{
	cf_git_ref ref = { .branch = "main" }, missing = { .branch = "nope" }, nosemver = { .semver = ">=9" };
	cf_git_auth no_hosts = CF_GIT_AUTH_INIT, wrong_hosts = CF_GIT_AUTH_INIT, wrong_pw = CF_GIT_AUTH_INIT;
	cf_git_target t;
	cf_git_repo *r = NULL;
	char digest[72];

	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &missing, NULL, "f1.tar.gz", digest) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "couldn't find remote ref \"refs/heads/nope\"");
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &nosemver, NULL, "f2.tar.gz", digest) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "no tag matches the semver constraint \">=9\"");
	/* https with a private CA and no ca.crt */
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTPS", &ref, NULL, "f3.tar.gz", digest) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "is not trusted");
	/* ssh without known_hosts, and with a known_hosts that lacks this host */
	no_hosts.identity = identity.data;
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_SSH", &ref, &no_hosts, "f4.tar.gz", digest) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "no known_hosts");
	wrong_hosts.identity = identity.data;
	wrong_hosts.known_hosts = "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_SSH", &ref, &wrong_hosts, "f5.tar.gz", digest) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "unknown host key");
	/* ssh with no key at all */
	wrong_hosts.identity = NULL;
	wrong_hosts.known_hosts = known_hosts.data;
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_SSH", &ref, &wrong_hosts, "f6.tar.gz", digest) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "credentials");
	/* the error class comes from libgit2 and the callbacks, never from the words: a refused
	 * password is CF_EAUTH, a missing ref is not */
	wrong_pw.username = "git";
	wrong_pw.password = "not-the-password";
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP_AUTH", &ref, &wrong_pw, "f7.tar.gz", digest) == CF_EAUTH);
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_HTTP", &missing, NULL, "f8.tar.gz", digest) == CF_ENOTFOUND);
	/* a key libssh2 cannot read: refused as authentication, not as an I/O failure */
	wrong_hosts.identity = "not a key\n";
	CHECK(fetch_archive(&t, "CFLUX_GIT_URL_SSH", &ref, &wrong_hosts, "f9.tar.gz", digest) == CF_EAUTH);
	CHECK(cf_git_open(&r, "/tmp/x", "git@github.com:org/repo.git") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "scp-like");
}

static int count_file(const char *path, const char *data, size_t len, void *payload)
{
	(void)path, (void)data, (void)len;
	++*(int *)payload;
	return 0;
}

/* A tree of 2,000 files with 400 commits of history: the archive and the file walk reopen the
 * object database several times on the way (bound_pack_cache in git.c), and every file is still
 * there, byte for byte. */
static void many_files_long_history(void)
{
	cf_git_ref ref = { .branch = "main" };
	cf_git_target t;
	cf_git_repo *r = NULL;
	char name[80], path[700], cmd[1024], digest[72], cache[700], url[700];
	int files = 0;

	snprintf(name, sizeof(name), "%s-many", repo);
	snprintf(path, sizeof(path), "%s/%s.git", getenv("CFLUX_GIT_REPOS"), name);
	snprintf(cmd, sizeof(cmd), "sh tests/bench/gen-repo.sh %s 2000 400", path);
	CHECK(system(cmd) == 0);
	if (fetch_archive_of(name, &t, "CFLUX_GIT_URL_HTTP", &ref, NULL, "many.tar.gz", digest) < 0) {
		cf_test_fail(__FILE__, __LINE__, "many: %s", cf_err_msg());
		return;
	}
	compare_with_archive_of(path, "many.tar.gz", t.commit);
	snprintf(cache, sizeof(cache), "%s/cache-many.tar.gz", work);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_HTTP"), name);
	CHECK_OK(cf_git_open(&r, cache, url));
	CHECK_OK(cf_git_walk_files(r, t.commit, "apps", 1u << 20, count_file, &files));
	CHECK(files == 2000);
	cf_git_close(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	CHECK(system(cmd) == 0);
}

static void cleanup(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", work, bare);
	CHECK(system(cmd) == 0);
	cf_buf_free(&identity);
	cf_buf_free(&known_hosts);
	cf_buf_free(&ca);
	cf_git_global_shutdown();
}

/* Which symlinks stay in an artifact: relative targets that do not climb out of the tree. */
static void symlinks_in_tree(void)
{
	static const struct { const char *path, *target; int in; } cases[] = {
		{ "a", "b", 1 }, { "d/a", "../b", 1 }, { "d/e/a", "../../b", 1 }, { "a", "../b", 0 },
		{ "d/a", "../../b", 0 }, { "a", "/etc/passwd", 0 }, { "a", "", 0 }, { "d/a", "./x/../../b", 1 },
		{ "d/a", "x/../../../b", 0 }, { "a", "x//y/./z", 1 }, { "d/a", "..", 1 }, { "a", "..", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cf_git_symlink_in_tree(cases[i].path, cases[i].target) != cases[i].in)
			cf_test_fail(__FILE__, __LINE__, "%s -> %s: want %s", cases[i].path, cases[i].target,
				     cases[i].in ? "in the tree" : "out of it");
}

static const cf_test_case cases[] = {
	{ "symlinks_in_tree", symlinks_in_tree },
	CF_TEST_SETUP("setup", setup),
	{ "only_flux_schemes", only_flux_schemes },
	{ "url_credentials_not_shown", url_credentials_not_shown },
	{ "over_http", over_http },
	{ "over_https_with_ca", over_https_with_ca },
	{ "negotiate_never_asked", negotiate_never_asked },
	{ "over_ssh", over_ssh },
	{ "same_tree_same_digest", same_tree_same_digest },
	{ "refs_resolve", refs_resolve },
	{ "commit_refs", commit_refs },
	{ "unchanged_remote_fetches_nothing", unchanged_remote_fetches_nothing },
	{ "failures_say_why", failures_say_why },
	{ "many_files_long_history", many_files_long_history },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
