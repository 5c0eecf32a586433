/* common/source/git.c - libgit2 fetch, ref resolution and tree archiving. */
#include "source/git.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/semver.h"
#include "yaml/yaml.h"

#include <fnmatch.h>
#include <git2.h>
#include <git2/sys/repository.h>
#include <mbedtls/x509_crt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Leak checking around libgit2's network calls (sanitizer builds only). Debian's libgit2 1.5
 * leaks on every ssh connect (the known_hosts path) from static functions that its stripped
 * library leaves unnamed, so an LSan suppression could only name git_remote_connect_ext, which
 * would also hide every leak of the callbacks below that run inside it. Instead, what libgit2
 * allocates during a network call is not leak-checked, and each callback of ours turns checking
 * back on while it runs (tests/lsan.supp says the same). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
static _Thread_local int in_libgit2_net;
#define LIBGIT2_NET(call) (in_libgit2_net++ == 0 ? __lsan_disable() : (void)0, lsan_net_done(call))
static int lsan_net_done(int rc)
{
	if (--in_libgit2_net == 0)
		__lsan_enable();
	return rc;
}
#define CALLBACK_CHECKED(type, call) do { type rc_; \
	if (in_libgit2_net) __lsan_enable(); \
	rc_ = (call); \
	if (in_libgit2_net) __lsan_disable(); \
	return rc_; } while (0)
#else
#define LIBGIT2_NET(call) (call)
#define CALLBACK_CHECKED(type, call) return (call)
#endif

struct cf_git_repo {
	git_repository *repo;
	char *url;
	char host[256];
	int port;
	unsigned long received;
	unsigned reads;         /* objects read since the object database was last opened */
};

/* What the callbacks of one remote operation share. */
typedef struct git_ctx {
	const cf_git_auth *auth;
	const cf_git_repo *r;
	int cred_tries;
	int refused;            /* a callback refused the credentials or the server's certificate */
	int offered_key;        /* the credentials callback handed libssh2 a private key */
	time_t deadline;
	char err[1024];
	char *scanned;          /* cf_git_scan_host_key: the known_hosts line goes here, then abort */
	size_t scanned_size;
} git_ctx;

/* ---- the deadline of a network call ----
 * libgit2 1.5 has no server timeout, and its transfer callback runs only when bytes come: a
 * server that accepts the connection and never answers would hold the call (and its worker)
 * forever. So a call with a deadline arms a timer that signals this thread (DEADLINE_SIGNAL, a
 * handler that does nothing, installed without SA_RESTART) at the deadline and each second
 * after: the blocking connect/recv returns EINTR, libgit2 fails the call, and the error says
 * it timed out. */
#define DEADLINE_SIGNAL (SIGRTMIN + 3)

typedef struct net_deadline {
	timer_t timer;
	int armed;
	sigset_t old_mask;
} net_deadline;

static void on_deadline_signal(int sig)
{
	(void)sig;
}

static pthread_once_t deadline_once = PTHREAD_ONCE_INIT;
static void deadline_init_once(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline_signal;   /* no SA_RESTART: the blocked call returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(DEADLINE_SIGNAL, &sa, NULL);
}

static void deadline_arm(net_deadline *d, time_t deadline)
{
	struct sigevent sev;
	struct itimerspec its;
	sigset_t set;
	time_t left = deadline - time(NULL);

	d->armed = 0;
	if (deadline == 0)
		return;
	pthread_once(&deadline_once, deadline_init_once);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = DEADLINE_SIGNAL;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &d->timer) != 0)
		return;   /* then only the transfer callback bounds it, as before */
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = left > 0 ? left : 0;
	its.it_value.tv_nsec = left > 0 ? 0 : 1000000;
	its.it_interval.tv_sec = 1;
	if (timer_settime(d->timer, 0, &its, NULL) != 0) {
		timer_delete(d->timer);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, DEADLINE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, &d->old_mask);
	d->armed = 1;
}

/* Disarms; a call that failed past the deadline is recorded in ctx as timed out. */
static void deadline_disarm(net_deadline *d, struct git_ctx *ctx, int rc);

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static void git_init_once(void)
{
	git_libgit2_init();
}

/* The class of a failed network call, from libgit2's code and error class and what the
 * callbacks saw (never from the words): CF_EAUTH for refused credentials or certificates, else
 * CF_EIO. A key libssh2 cannot use fails as -1 of class GIT_ERROR_SSH, not GIT_EAUTH (libgit2
 * 1.5), so an SSH-class failure after a key was handed over counts as authentication too. */
static int net_code(const git_ctx *ctx, int lg_rc)
{
	const git_error *e = git_error_last();

	if (ctx->refused || lg_rc == GIT_EAUTH || lg_rc == GIT_ECERTIFICATE)
		return CF_EAUTH;
	if (ctx->offered_key && e && e->klass == GIT_ERROR_SSH)
		return CF_EAUTH;
	return CF_EIO;
}

/* Records libgit2's (or a callback's) words; credentials in a URL never reach the message. */
static int git_fail(const git_ctx *ctx, int code, const char *what)
{
	const git_error *e = git_error_last();
	char raw[2048], shown[2048];

	if (ctx && ctx->err[0])
		snprintf(raw, sizeof(raw), "%s", ctx->err);
	else
		snprintf(raw, sizeof(raw), "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
	cf_url_redact(shown, sizeof(shown), raw);
	return cf_err_set(code, "%s", shown);
}

static void deadline_disarm(net_deadline *d, git_ctx *ctx, int rc)
{
	if (!d->armed)
		return;
	timer_delete(d->timer);
	pthread_sigmask(SIG_SETMASK, &d->old_mask, NULL);
	d->armed = 0;
	if (rc < 0 && ctx->deadline && time(NULL) >= ctx->deadline && ctx->err[0] == '\0')
		snprintf(ctx->err, sizeof(ctx->err), "%s: timed out (no answer within the timeout)", ctx->r->url);
}

void cf_git_global_shutdown(void)
{
	git_libgit2_shutdown();
}

int cf_git_check_url(const char *url)
{
	/* Flux's: a file:// (or git://) URL would read the controller's own disk, another
	 * tenant's caches included */
	static const char *const schemes[] = { "https://", "http://", "ssh://" };
	const char *colon, *slash;
	char shown[1024];

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(url, schemes[i], strlen(schemes[i])) == 0 && url[strlen(schemes[i])] != '\0')
			return 0;
	cf_url_redact(shown, sizeof(shown), url);
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if (colon && strchr(url, '@') && (!slash || colon < slash))
		return cf_err_set(CF_EINVAL, "url \"%s\" is in scp-like form (user@host:path), which is not "
				  "supported; use ssh://user@host/path", shown);
	return cf_err_set(CF_EINVAL, "url \"%s\" must start with http://, https:// or ssh://", shown);
}

/* host and port of an ssh:// URL, for known_hosts */
static void parse_host(cf_git_repo *r, const char *url)
{
	const char *p = strstr(url, "://"), *end, *at, *colon;

	r->port = 22;
	if (p == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		r->port = atoi(colon + 1);
		end = colon;
	}
	snprintf(r->host, sizeof(r->host), "%.*s", (int)(end - p), p);
}

int cf_git_open(cf_git_repo **out, const char *path, const char *url)
{
	cf_git_repo *r;
	int rc;

	*out = NULL;
	if ((rc = cf_git_check_url(url)) < 0)
		return rc;
	pthread_once(&git_once, git_init_once);
	r = cf_calloc(1, sizeof(*r));
	if (r == NULL || (r->url = cf_strdup(url)) == NULL) {
		cf_free(r);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	parse_host(r, url);
	if (git_repository_open_bare(&r->repo, path) < 0 && git_repository_init(&r->repo, path, 1) < 0) {
		rc = git_fail(NULL, CF_EIO, path);
		cf_git_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void cf_git_close(cf_git_repo *r)
{
	if (r == NULL)
		return;
	git_repository_free(r->repo);
	cf_free(r->url);
	cf_free(r);
}

unsigned long cf_git_last_received(const cf_git_repo *r)
{
	return r->received;
}

/* ---- callbacks ---- */

static int on_credentials(git_credential **out, const char *url, const char *user_from_url,
			  unsigned int allowed, void *payload)
{
	git_ctx *ctx = payload;
	const cf_git_auth *a = ctx->auth;
	const char *user = user_from_url && user_from_url[0] ? user_from_url : "git";

	if (++ctx->cred_tries > 1) {
		snprintf(ctx->err, sizeof(ctx->err), "authentication failed for %s: the credentials "
			 "were refused", url);
		ctx->refused = 1;
		return GIT_EUSER;
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && a && a->identity) {
		ctx->offered_key = 1;
		return git_credential_ssh_key_memory_new(out, user, NULL, a->identity, a->identity_password);
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && a && a->ssh_agent) {
		ctx->offered_key = 1;
		return git_credential_ssh_key_from_agent(out, user);
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && a && a->username)
		return git_credential_userpass_plaintext_new(out, a->username, a->password ? a->password : "");
	if ((allowed & GIT_CREDENTIAL_USERNAME))
		return git_credential_username_new(out, user);
	/* libgit2 asks for a "default" credential only for Negotiate; none is ever made here (so
	 * GSS-API is never called: source/gssapi_absent.c) */
	if (allowed == GIT_CREDENTIAL_DEFAULT)
		snprintf(ctx->err, sizeof(ctx->err), "%s offers only Negotiate (Kerberos) authentication, "
			 "which cflux does not speak, as Flux does not: use Basic (username and password), "
			 "a bearer token or an SSH key", url);
	else
		snprintf(ctx->err, sizeof(ctx->err), "%s asks for credentials and the GitRepository gives "
			 "none (set spec.secretRef)", url);
	ctx->refused = 1;
	return GIT_EUSER;
}

/* Does known_hosts list this host (and port) with this key (base64 of the raw key blob)? */
static int known_host(const char *known_hosts, const char *host, int port, const char *key_b64)
{
	char name[300];
	const char *line = known_hosts;

	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[16384], *save = NULL, *hosts, *type, *key;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			hosts = strtok_r(buf, " \t", &save);
			type = hosts ? strtok_r(NULL, " \t", &save) : NULL;
			key = type ? strtok_r(NULL, " \t\r", &save) : NULL;
			if (hosts && key && hosts[0] != '#' && hosts[0] != '|') {
				char *hsave = NULL;
				for (char *h = strtok_r(hosts, ",", &hsave); h; h = strtok_r(NULL, ",", &hsave)) {
					/* "[host]:port" is literal; known_hosts wildcards are only * and ? */
					int hit = h[0] == '[' ? strcmp(h, name) == 0 : fnmatch(h, name, FNM_NOESCAPE) == 0;
					if (hit && strcmp(key, key_b64) == 0)
						return 1;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* The known_hosts line of the host key (its type is the blob's first string), for a scan. */
static int scan_hostkey(git_ctx *ctx, const git_cert_hostkey *hk)
{
	const unsigned char *k = (const unsigned char *)hk->hostkey;
	char name[300], *b64 = NULL;
	size_t tlen;

	if (!(hk->type & GIT_CERT_SSH_RAW) || hk->hostkey_len < 4)
		return GIT_EUSER;
	tlen = (size_t)k[0] << 24 | (size_t)k[1] << 16 | (size_t)k[2] << 8 | k[3];
	if (tlen == 0 || tlen > 64 || tlen + 4 > hk->hostkey_len ||
	    cf_base64_encode(&b64, k, hk->hostkey_len) < 0)
		return GIT_EUSER;
	if (ctx->r->port == 22)
		snprintf(name, sizeof(name), "%s", ctx->r->host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", ctx->r->host, ctx->r->port);
	snprintf(ctx->scanned, ctx->scanned_size, "%s %.*s %s\n", name, (int)tlen, (const char *)k + 4, b64);
	cf_free(b64);
	return GIT_EUSER;   /* the key is all a scan wants */
}

static int check_hostkey(git_ctx *ctx, const git_cert_hostkey *hk)
{
	const cf_git_auth *a = ctx->auth;
	char *b64 = NULL;
	int ok;

	if (ctx->scanned)
		return scan_hostkey(ctx, hk);
	if (a == NULL || a->known_hosts == NULL) {
		snprintf(ctx->err, sizeof(ctx->err), "ssh host %s: no known_hosts in the secret; the host "
			 "key cannot be verified", ctx->r->host);
		return GIT_EUSER;
	}
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		snprintf(ctx->err, sizeof(ctx->err), "ssh host %s: the host key is not available to verify",
			 ctx->r->host);
		return GIT_EUSER;
	}
	if (cf_base64_encode(&b64, (const unsigned char *)hk->hostkey, hk->hostkey_len) < 0)
		return GIT_EUSER;
	ok = known_host(a->known_hosts, ctx->r->host, ctx->r->port, b64);
	cf_free(b64);
	if (!ok) {
		snprintf(ctx->err, sizeof(ctx->err), "ssh host %s port %d: unknown host key (not in "
			 "known_hosts)", ctx->r->host, ctx->r->port);
		return GIT_EUSER;
	}
	return 0;
}

/* The server certificate against the repository's own CA only. */
static int check_x509(git_ctx *ctx, const git_cert_x509 *x, int valid, const char *host)
{
	const cf_git_auth *a = ctx->auth;
	mbedtls_x509_crt ca, leaf;
	uint32_t flags = 0;
	int rc;

	if (a == NULL || a->ca_pem == NULL) {
		if (valid)
			return 0;
		snprintf(ctx->err, sizeof(ctx->err), "TLS: the certificate of %s is not trusted (add ca.crt "
			 "to the secret for a private CA)", host);
		return GIT_EUSER;
	}
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&leaf);
	/* mbedtls wants PEM including its terminating NUL */
	rc = mbedtls_x509_crt_parse(&ca, (const unsigned char *)a->ca_pem, a->ca_len + 1);
	if (rc == 0)
		rc = mbedtls_x509_crt_parse_der(&leaf, x->data, x->len);
	if (rc == 0)
		rc = mbedtls_x509_crt_verify(&leaf, &ca, NULL, host, &flags, NULL, NULL);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&leaf);
	if (rc != 0) {
		char why[256] = "";
		if (flags)
			mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
		why[strcspn(why, "\n")] = '\0';
		snprintf(ctx->err, sizeof(ctx->err), "TLS: the certificate of %s does not verify against "
			 "the secret's ca.crt%s%s", host, why[0] ? ": " : "", why);
		return GIT_EUSER;
	}
	return 0;
}

static int on_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	git_ctx *ctx = payload;
	int rc;

	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2)
		rc = check_hostkey(ctx, (const git_cert_hostkey *)cert);
	else if (cert->cert_type == GIT_CERT_X509)
		rc = check_x509(ctx, (const git_cert_x509 *)cert, valid, host);
	else
		rc = valid ? 0 : GIT_EUSER;
	ctx->refused |= rc < 0;
	return rc;
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
	git_ctx *ctx = payload;

	(void)stats;
	if (ctx->deadline && time(NULL) > ctx->deadline) {
		snprintf(ctx->err, sizeof(ctx->err), "fetch from %s timed out", ctx->r->url);
		return GIT_EUSER;
	}
	return 0;
}

/* The callbacks as libgit2 calls them: leak-checked (see LIBGIT2_NET). */
static int checked_credentials(git_credential **out, const char *url, const char *user_from_url,
			       unsigned int allowed, void *payload)
{
	CALLBACK_CHECKED(int, on_credentials(out, url, user_from_url, allowed, payload));
}

static int checked_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	CALLBACK_CHECKED(int, on_certificate(cert, valid, host, payload));
}

static int checked_transfer(const git_indexer_progress *stats, void *payload)
{
	CALLBACK_CHECKED(int, on_transfer(stats, payload));
}

static void setup_callbacks(git_remote_callbacks *cbs, git_ctx *ctx)
{
	git_remote_init_callbacks(cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs->credentials = checked_credentials;
	cbs->certificate_check = checked_certificate;
	cbs->transfer_progress = checked_transfer;
	cbs->payload = ctx;
}

/* "Authorization: Bearer ..." for a token, as Flux sends it. */
static int bearer_header(git_strarray *h, char **storage, const cf_git_auth *a)
{
	cf_buf b = CF_BUF_INIT(64u * 1024u);

	h->count = 0;
	h->strings = NULL;
	*storage = NULL;
	if (a == NULL || a->bearer_token == NULL)
		return 0;
	if (cf_buf_printf(&b, "Authorization: Bearer %s", a->bearer_token) < 0)
		return cf_err_code();
	*storage = cf_buf_detach(&b, NULL);
	if (*storage == NULL)
		return CF_ENOMEM;
	h->strings = storage;
	h->count = 1;
	return 0;
}

/* ---- ls-remote, resolve, fetch ---- */

int cf_git_ls_remote(cf_git_repo *r, json_t **refs, const cf_git_auth *auth, long timeout_s)
{
	git_ctx ctx = { .auth = auth, .r = r };
	git_remote_callbacks cbs;
	git_remote *remote = NULL;
	const git_remote_head **heads;
	net_deadline dl;
	git_strarray headers;
	char *hdr = NULL;
	size_t n;
	int rc;

	*refs = NULL;
	ctx.deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	setup_callbacks(&cbs, &ctx);
	if ((rc = bearer_header(&headers, &hdr, auth)) < 0)
		return rc;
	if (git_remote_create_detached(&remote, r->url) < 0) {
		rc = git_fail(&ctx, CF_EINVAL, r->url);
		goto out;
	}
	deadline_arm(&dl, ctx.deadline);
	rc = LIBGIT2_NET(git_remote_connect(remote, GIT_DIRECTION_FETCH, &cbs, NULL, &headers));
	deadline_disarm(&dl, &ctx, rc);
	if (rc < 0 || (rc = git_remote_ls(&heads, &n, remote)) < 0) {
		rc = git_fail(&ctx, net_code(&ctx, rc), r->url);
		goto out;
	}
	*refs = json_object();
	for (size_t i = 0; *refs && i < n; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &heads[i]->oid);
		if (json_object_set_new(*refs, heads[i]->name, json_string(hex)) < 0) {
			json_decref(*refs);
			*refs = NULL;
		}
	}
	if (*refs == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
out:
	if (remote) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	if (hdr)
		cf_free_secret(hdr, strlen(hdr));
	return rc;
}

int cf_git_scan_host_key(char *out, size_t size, const char *url, long timeout_s)
{
	cf_git_repo r = { .url = (char *)url };
	git_ctx ctx = { .r = &r, .scanned = out, .scanned_size = size };
	git_remote_callbacks cbs;
	git_remote *remote = NULL;
	int rc;

	out[0] = '\0';
	if (strncmp(url, "ssh://", 6) != 0)
		return cf_err_set(CF_EINVAL, "%s: not an ssh:// URL", url);
	pthread_once(&git_once, git_init_once);
	parse_host(&r, url);
	ctx.deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	setup_callbacks(&cbs, &ctx);
	if (git_remote_create_detached(&remote, url) < 0)
		return git_fail(&ctx, CF_EINVAL, url);
	rc = LIBGIT2_NET(git_remote_connect(remote, GIT_DIRECTION_FETCH, &cbs, NULL, NULL));
	git_remote_disconnect(remote);
	git_remote_free(remote);
	if (out[0])
		return 0;
	(void)rc;
	ctx.err[0] = '\0';
	return git_fail(&ctx, CF_EIO, url);
}

static int target_set(cf_git_target *t, const char *label, const char *commit, const char *refspec)
{
	snprintf(t->label, sizeof(t->label), "%s", label);
	snprintf(t->commit, sizeof(t->commit), "%s", commit);
	snprintf(t->refspec, sizeof(t->refspec), "%s", refspec);
	if (commit[0])
		snprintf(t->revision, sizeof(t->revision), "%s%ssha1:%s", label, label[0] ? "@" : "", commit);
	return 0;
}

/* The commit a tag points at: the peeled entry for annotated tags. */
static const char *tag_commit(const json_t *refs, const char *tagref)
{
	char peeled[600];
	const char *c;

	snprintf(peeled, sizeof(peeled), "%s^{}", tagref);
	c = json_string_value(json_object_get(refs, peeled));
	return c ? c : json_string_value(json_object_get(refs, tagref));
}

static int resolve_semver(cf_git_target *out, const json_t *refs, const char *constraint)
{
	const char *name, *best = NULL;
	cf_semver best_v = { 0 }, v;
	json_t *val;
	char spec[1200], ref[560];
	int m;

	json_object_foreach((json_t *)refs, name, val) {
		const char *tag;
		(void)val;
		if (strncmp(name, "refs/tags/", 10) != 0 || strstr(name, "^{}"))
			continue;
		tag = name + 10;
		if (cf_semver_parse(&v, tag) < 0)
			continue;
		m = cf_semver_match(constraint, &v);
		if (m < 0)
			return m;
		if (m && (best == NULL || cf_semver_compare(&v, &best_v) > 0)) {
			best = tag;
			best_v = v;
		}
	}
	cf_err_clear();
	if (best == NULL)
		return cf_err_set(CF_ENOTFOUND, "no tag matches the semver constraint \"%s\"", constraint);
	snprintf(ref, sizeof(ref), "refs/tags/%s", best);
	snprintf(spec, sizeof(spec), "+%s:%s", ref, ref);
	return target_set(out, best, tag_commit(refs, ref), spec);
}

int cf_git_resolve(cf_git_target *out, const json_t *refs, const cf_git_ref *ref)
{
	char name[560], spec[1200];
	const char *c;

	memset(out, 0, sizeof(*out));
	if (ref->commit && ref->commit[0]) {
		if (strlen(ref->commit) != 40 || strspn(ref->commit, "0123456789abcdef") != 40)
			return cf_err_set(CF_EINVAL, "spec.ref.commit \"%s\" is not a full 40-hex SHA-1", ref->commit);
		if (ref->branch && ref->branch[0]) {
			snprintf(spec, sizeof(spec), "+refs/heads/%s:refs/remotes/origin/%s", ref->branch, ref->branch);
			target_set(out, ref->branch, "", spec);
		} else {
			target_set(out, "", "", "+refs/heads/*:refs/remotes/origin/*");
		}
		return 0;   /* the commit is checked after the fetch */
	}
	if (ref->name && ref->name[0]) {
		if (strncmp(ref->name, "refs/", 5) != 0)
			return cf_err_set(CF_EINVAL, "spec.ref.name \"%s\" must be a full ref (refs/...)", ref->name);
		c = strncmp(ref->name, "refs/tags/", 10) == 0 ? tag_commit(refs, ref->name)
							      : json_string_value(json_object_get(refs, ref->name));
		if (c == NULL)
			return cf_err_set(CF_ENOTFOUND, "couldn't find remote ref \"%s\"", ref->name);
		snprintf(spec, sizeof(spec), "+%s:refs/cflux/named", ref->name);
		return target_set(out, ref->name, c, spec);
	}
	if (ref->semver && ref->semver[0])
		return resolve_semver(out, refs, ref->semver);
	if (ref->tag && ref->tag[0]) {
		snprintf(name, sizeof(name), "refs/tags/%s", ref->tag);
		if ((c = tag_commit(refs, name)) == NULL)
			return cf_err_set(CF_ENOTFOUND, "couldn't find remote ref \"%s\"", name);
		snprintf(spec, sizeof(spec), "+%s:%s", name, name);
		return target_set(out, ref->tag, c, spec);
	}
	const char *branch = ref->branch && ref->branch[0] ? ref->branch : "master";
	snprintf(name, sizeof(name), "refs/heads/%s", branch);
	if ((c = json_string_value(json_object_get(refs, name))) == NULL)
		return cf_err_set(CF_ENOTFOUND, "couldn't find remote ref \"%s\"", name);
	snprintf(spec, sizeof(spec), "+%s:refs/remotes/origin/%s", name, branch);
	return target_set(out, branch, c, spec);
}

int cf_git_has_commit(cf_git_repo *r, const char *commit)
{
	git_oid oid;
	git_commit *c = NULL;
	int ok;

	if (git_oid_fromstr(&oid, commit) < 0)
		return 0;
	ok = git_commit_lookup(&c, r->repo, &oid) == 0;
	git_commit_free(c);
	return ok;
}

int cf_git_fetch(cf_git_repo *r, const char *refspec, const cf_git_auth *auth, long timeout_s)
{
	git_ctx ctx = { .auth = auth, .r = r };
	git_fetch_options fo;
	git_remote *remote = NULL;
	char *specs[1] = { (char *)refspec }, *hdr = NULL;
	git_strarray refspecs = { specs, 1 };
	net_deadline dl;
	int rc = 0;

	r->received = 0;
	ctx.deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	setup_callbacks(&fo.callbacks, &ctx);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if ((rc = bearer_header(&fo.custom_headers, &hdr, auth)) < 0)
		return rc;
	if (git_remote_create_anonymous(&remote, r->repo, r->url) < 0) {
		rc = git_fail(&ctx, CF_EINVAL, r->url);
		goto out;
	}
	deadline_arm(&dl, ctx.deadline);
	rc = LIBGIT2_NET(git_remote_fetch(remote, &refspecs, &fo, NULL));
	deadline_disarm(&dl, &ctx, rc);
	if (rc < 0) {
		rc = git_fail(&ctx, net_code(&ctx, rc), r->url);
		goto out;
	}
	r->received = git_remote_stats(remote)->received_objects;
out:
	git_remote_free(remote);
	if (hdr)
		cf_free_secret(hdr, strlen(hdr));
	return rc;
}

int cf_git_complete_commit(cf_git_repo *r, cf_git_target *t, const char *commit)
{
	if (!cf_git_has_commit(r, commit)) {
		char shown[1024];
		cf_url_redact(shown, sizeof(shown), r->url);
		return cf_err_set(CF_ENOTFOUND, "commit %s not found in %s%s%s", commit, shown,
				  t->label[0] ? " branch " : "", t->label);
	}
	char label[sizeof(t->label)], refspec[sizeof(t->refspec)];

	memcpy(label, t->label, sizeof(label));       /* target_set writes over both */
	memcpy(refspec, t->refspec, sizeof(refspec));
	return target_set(t, label, commit, refspec);
}

/* ---- archive ---- */

static int archive_tree(cf_git_repo *r, const git_tree *tree, const char *prefix, cf_ignore *ig,
			cf_artifact_writer *w, cf_buf *left_out);

int cf_git_symlink_in_tree(const char *path, const char *target)
{
	long depth = 0;
	const char *p;

	if (target[0] == '/' || target[0] == '\0')
		return 0;
	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		depth++;   /* the link's directory: one level per '/' in its path */
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* libgit2 1.5 keeps every delta base it resolves in a cache of the pack, up to a compile-time
 * 16 MiB (GIT_PACK_CACHE_MEMORY_LIMIT), for as long as the pack is open, and it fetches whole
 * histories (shallow fetch came in 1.7), so reading the files of one commit walks delta chains
 * through many old versions and fills that cache. Every READS_PER_ODB object reads the object
 * database is opened afresh, which closes the packs and drops their caches: on make bench's
 * 10,000-file repository the new-commit fetch and archive peak at 12 MiB instead of 27, in about
 * the same time (every 256 reads: 10 MiB, 40% slower). The old database is
 * let go before the new one opens: libgit2 shares open packs by path, so opening first would
 * only take another reference to the same pack and its cache. */
#define READS_PER_ODB 1024

static int bound_pack_cache(cf_git_repo *r)
{
	git_odb *empty = NULL, *odb = NULL;
	git_buf dir = GIT_BUF_INIT;
	int rc = 0;

	if (++r->reads < READS_PER_ODB)
		return 0;
	r->reads = 0;
	if (git_repository_item_path(&dir, r->repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0 || git_odb_new(&empty) < 0 ||
	    git_repository_set_odb(r->repo, empty) < 0 || git_odb_open(&odb, dir.ptr) < 0 ||
	    git_repository_set_odb(r->repo, odb) < 0)
		rc = git_fail(NULL, CF_EIO, "reopen the object database");
	git_odb_free(empty);
	git_odb_free(odb);
	git_buf_dispose(&dir);
	return rc;
}

static int read_sourceignore(cf_git_repo *r, const git_tree *tree, const char *prefix, cf_ignore *ig)
{
	const git_tree_entry *e = git_tree_entry_byname(tree, ".sourceignore");
	git_blob *blob = NULL;
	int rc;

	if (e == NULL || git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
		return git_fail(NULL, CF_EIO, "read .sourceignore");
	rc = cf_ignore_add(ig, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), prefix);
	git_blob_free(blob);
	return rc;
}

static int archive_entry(cf_git_repo *r, const git_tree_entry *e, const char *path, cf_ignore *ig,
			 cf_artifact_writer *w, cf_buf *left_out)
{
	git_filemode_t mode = git_tree_entry_filemode(e);
	git_object_t type = git_tree_entry_type(e);
	int rc = 0;

	if (type == GIT_OBJECT_TREE) {
		git_tree *sub = NULL;
		if (cf_ignore_match(ig, path, 1))
			return 0;
		if ((rc = bound_pack_cache(r)) < 0)
			return rc;
		if (git_tree_lookup(&sub, r->repo, git_tree_entry_id(e)) < 0)
			return git_fail(NULL, CF_EIO, path);
		rc = archive_tree(r, sub, path, ig, w, left_out);
		git_tree_free(sub);
		return rc;
	}
	if (type != GIT_OBJECT_BLOB || cf_ignore_match(ig, path, 0))
		return 0;   /* submodules are left out, as Flux does without recurseSubmodules */
	git_blob *blob = NULL;
	if ((rc = bound_pack_cache(r)) < 0)
		return rc;
	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
		return git_fail(NULL, CF_EIO, path);
	if (mode == GIT_FILEMODE_LINK) {
		char *target = cf_strndup(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		if (target == NULL)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
		else if (cf_git_symlink_in_tree(path, target))
			rc = cf_artifact_writer_add_symlink(w, path, target);
		else if (left_out && cf_buf_printf(left_out, "%s%s -> %s", left_out->len ? ", " : "", path, target) == CF_ENOMEM)
			rc = CF_ENOMEM;   /* past its cap the list (for the event) stops growing; the artifact is still written */
		cf_free(target);
	} else {
		rc = cf_artifact_writer_add_file(w, path, mode == GIT_FILEMODE_BLOB_EXECUTABLE,
						 git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	}
	git_blob_free(blob);
	return rc;
}

static int archive_tree(cf_git_repo *r, const git_tree *tree, const char *prefix, cf_ignore *ig,
			cf_artifact_writer *w, cf_buf *left_out)
{
	size_t n = git_tree_entrycount(tree);
	int rc = read_sourceignore(r, tree, prefix, ig);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		cf_buf path = CF_BUF_INIT(8192);

		rc = cf_buf_printf(&path, "%s%s%s", prefix, prefix[0] ? "/" : "", git_tree_entry_name(e));
		if (rc == 0)
			rc = archive_entry(r, e, path.data, ig, w, left_out);
		cf_buf_free(&path);
	}
	return rc;
}

int cf_git_archive(cf_git_repo *r, const char *commit, cf_ignore *ig, cf_artifact_writer *w, cf_buf *left_out)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int rc;

	if (git_oid_fromstr(&oid, commit) < 0)
		return cf_err_set(CF_EINVAL, "\"%s\" is not a commit id", commit);
	if (git_commit_lookup(&c, r->repo, &oid) < 0 || git_commit_tree(&tree, c) < 0) {
		rc = git_fail(NULL, CF_ENOTFOUND, commit);
		goto out;
	}
	rc = archive_tree(r, tree, "", ig, w, left_out);
out:
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int cf_git_commit_subject(cf_git_repo *r, const char *commit, char *out, size_t size)
{
	git_oid oid;
	git_commit *c = NULL;
	const char *msg;

	out[0] = '\0';
	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, r->repo, &oid) < 0)
		return git_fail(NULL, CF_ENOTFOUND, commit);
	msg = git_commit_summary(c);
	snprintf(out, size, "%s", msg ? msg : "");
	git_commit_free(c);
	return 0;
}

/* ---- writing: commits and pushes (bootstrap) ---- */

/* base's tree with blob placed at path (components split on '/'); *out the new tree. */
static int tree_with(cf_git_repo *r, git_oid *out, const git_tree *base, const char *path, const git_oid *blob)
{
	const char *slash = strchr(path, '/');
	git_treebuilder *bld = NULL;
	char name[256];
	int rc = 0;

	snprintf(name, sizeof(name), "%.*s", slash ? (int)(slash - path) : (int)strlen(path), path);
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cf_err_set(CF_EINVAL, "bad path \"%s\"", path);
	if (git_treebuilder_new(&bld, r->repo, base) < 0)
		return git_fail(NULL, CF_EIO, "tree builder");
	if (slash == NULL) {
		if (git_treebuilder_insert(NULL, bld, name, blob, GIT_FILEMODE_BLOB) < 0)
			rc = git_fail(NULL, CF_EIO, name);
	} else {
		const git_tree_entry *e = git_treebuilder_get(bld, name);
		git_tree *sub = NULL;
		git_oid sub_oid;
		if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE && git_tree_lookup(&sub, r->repo, git_tree_entry_id(e)) < 0)
			rc = git_fail(NULL, CF_EIO, name);
		if (rc == 0) rc = tree_with(r, &sub_oid, sub, slash + 1, blob);
		if (rc == 0 && git_treebuilder_insert(NULL, bld, name, &sub_oid, GIT_FILEMODE_TREE) < 0)
			rc = git_fail(NULL, CF_EIO, name);
		git_tree_free(sub);
	}
	if (rc == 0 && git_treebuilder_write(out, bld) < 0)
		rc = git_fail(NULL, CF_EIO, "write tree");
	git_treebuilder_free(bld);
	return rc;
}

int cf_git_commit_files(cf_git_repo *r, char new_commit[41], const char *parent, const json_t *files,
			const char *message, const char *author_name, const char *author_email)
{
	git_commit *pc = NULL;
	git_tree *tree = NULL, *next = NULL;
	git_signature *sig = NULL;
	git_oid oid, tree_oid, commit_oid;
	const git_commit *parents[1];
	const char *path;
	json_t *content;
	int rc = 0;

	new_commit[0] = '\0';
	if (parent && parent[0]) {
		if (git_oid_fromstr(&oid, parent) < 0 || git_commit_lookup(&pc, r->repo, &oid) < 0 ||
		    git_commit_tree(&tree, pc) < 0) {
			rc = git_fail(NULL, CF_ENOTFOUND, parent);
			goto out;
		}
	}
	json_object_foreach((json_t *)files, path, content) {
		git_oid blob;
		const char *text = json_string_value(content);
		if (text == NULL || git_blob_create_from_buffer(&blob, r->repo, text, strlen(text)) < 0) {
			rc = text ? git_fail(NULL, CF_EIO, path) : cf_err_set(CF_EINVAL, "%s: not text", path);
			goto out;
		}
		if ((rc = tree_with(r, &tree_oid, tree, path, &blob)) < 0)
			goto out;
		git_tree_free(tree);
		tree = NULL;
		if (git_tree_lookup(&tree, r->repo, &tree_oid) < 0) {
			rc = git_fail(NULL, CF_EIO, "tree");
			goto out;
		}
	}
	if (tree == NULL) {
		rc = cf_err_set(CF_EINVAL, "nothing to commit");
		goto out;
	}
	/* nothing changed: no commit */
	if (pc && git_oid_equal(git_tree_id(tree), git_commit_tree_id(pc)))
		goto out;
	if (git_signature_now(&sig, author_name, author_email) < 0 || git_tree_lookup(&next, r->repo, git_tree_id(tree)) < 0) {
		rc = git_fail(NULL, CF_EINVAL, "author");
		goto out;
	}
	parents[0] = pc;
	if (git_commit_create(&commit_oid, r->repo, NULL, sig, sig, "UTF-8", message, next, pc ? 1 : 0, parents) < 0) {
		rc = git_fail(NULL, CF_EIO, "commit");
		goto out;
	}
	git_oid_tostr(new_commit, 41, &commit_oid);
out:
	git_signature_free(sig);
	git_tree_free(next);
	git_tree_free(tree);
	git_commit_free(pc);
	return rc;
}

/* The server's answer for each ref: a rejection lands in ctx->err. */
static int on_push_ref(const char *ref, const char *status, void *payload);

static int checked_push_ref(const char *ref, const char *status, void *payload)
{
	CALLBACK_CHECKED(int, on_push_ref(ref, status, payload));
}

static int on_push_ref(const char *ref, const char *status, void *payload)
{
	git_ctx *ctx = payload;

	if (status)
		snprintf(ctx->err, sizeof(ctx->err), "push of %s refused: %s", ref, status);
	return 0;
}

int cf_git_push_ref(cf_git_repo *r, const char *commit, const char *dst_ref, int force, const cf_git_auth *auth,
		    long timeout_s)
{
	git_ctx ctx = { .auth = auth, .r = r };
	git_push_options po;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_oid oid;
	char spec[700], local[600], *hdr = NULL;
	char *specs[1] = { spec };
	git_strarray refspecs = { specs, 1 };
	int rc = 0;

	if (strncmp(dst_ref, "refs/", 5) != 0 || strlen(dst_ref) > 500)
		return cf_err_set(CF_EINVAL, "push destination \"%.500s\" is not a full ref name (refs/...)", dst_ref);
	ctx.deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	snprintf(local, sizeof(local), "refs/cflux/push/%s", dst_ref + 5);
	snprintf(spec, sizeof(spec), "%s%s:%s", force ? "+" : "", local, dst_ref);
	if (git_oid_fromstr(&oid, commit) < 0 || git_reference_create(&ref, r->repo, local, &oid, 1, "cflux push") < 0)
		return git_fail(NULL, CF_EINVAL, commit);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	setup_callbacks(&po.callbacks, &ctx);
	po.callbacks.push_update_reference = checked_push_ref;
	if ((rc = bearer_header(&po.custom_headers, &hdr, auth)) < 0)
		goto out;
	if (git_remote_create_anonymous(&remote, r->repo, r->url) < 0) {
		rc = git_fail(&ctx, CF_EINVAL, r->url);
		goto out;
	}
	if ((rc = LIBGIT2_NET(git_remote_push(remote, &refspecs, &po))) < 0 || ctx.err[0]) {
		/* the remote's ref moved past what we built on (libgit2 checks before sending) */
		rc = git_fail(&ctx, rc == GIT_ENONFASTFORWARD ? CF_ECONFLICT : net_code(&ctx, rc), r->url);
		goto out;
	}
out:
	git_remote_free(remote);
	git_reference_free(ref);
	if (hdr)
		cf_free_secret(hdr, strlen(hdr));
	return rc;
}

int cf_git_push(cf_git_repo *r, const char *commit, const char *branch, const cf_git_auth *auth, long timeout_s)
{
	char dst[300];

	snprintf(dst, sizeof(dst), "refs/heads/%s", branch);
	return cf_git_push_ref(r, commit, dst, 0, auth, timeout_s);
}

/* ---- reading the files of a commit without a checkout ---- */

typedef struct walk_ctx {
	cf_git_repo *r;
	const char *dir;
	size_t dir_len, max;
	cf_git_file_cb cb;
	void *payload;
	int rc;
} walk_ctx;

static int walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
	walk_ctx *w = payload;
	git_filemode_t mode = git_tree_entry_filemode(e);
	git_blob *b = NULL;
	char path[4096];

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(e)) >= sizeof(path))
		return 0;
	if (w->dir_len && (strncmp(path, w->dir, w->dir_len) != 0 || path[w->dir_len] != '/'))
		return 0;
	if ((w->rc = bound_pack_cache(w->r)) < 0)
		return -1;
	if (git_blob_lookup(&b, w->r->repo, git_tree_entry_id(e)) < 0) {
		w->rc = git_fail(NULL, CF_EIO, path);
		return -1;
	}
	if ((size_t)git_blob_rawsize(b) <= w->max)
		w->rc = w->cb(path, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), w->payload);
	git_blob_free(b);
	return w->rc < 0 ? -1 : 0;
}

int cf_git_walk_files(cf_git_repo *r, const char *commit, const char *dir, size_t max_size, cf_git_file_cb cb,
		      void *payload)
{
	walk_ctx w = { .r = r, .dir = dir ? dir : "", .max = max_size, .cb = cb, .payload = payload };
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid oid;

	w.dir_len = strlen(w.dir);
	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, r->repo, &oid) < 0 || git_commit_tree(&t, c) < 0)
		w.rc = git_fail(NULL, CF_ENOTFOUND, commit);
	else if (git_tree_walk(t, GIT_TREEWALK_PRE, walk_entry, &w) < 0 && w.rc == 0)
		w.rc = git_fail(NULL, CF_EIO, commit);
	git_tree_free(t);
	git_commit_free(c);
	return w.rc;
}

void cf_git_auth_from_secret(cf_git_auth *a, const json_t *secret)
{
	const json_t *ca = json_object_get(secret, "ca.crt");

	*a = (cf_git_auth)CF_GIT_AUTH_INIT;
	if (ca == NULL)
		ca = json_object_get(secret, "caFile");
	a->username = cf_json_str(secret, "username");
	a->password = cf_json_str(secret, "password");
	a->bearer_token = cf_json_str(secret, "bearerToken");
	a->ca_pem = json_string_value(ca);
	a->ca_len = json_string_length(ca);
	a->identity = cf_json_str(secret, "identity");
	a->known_hosts = cf_json_str(secret, "known_hosts");
	if (a->identity)
		a->identity_password = a->password;
}

int cf_git_read_file(cf_git_repo *r, cf_buf *out, const char *commit, const char *path)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	git_oid oid;
	int rc = 0;

	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, r->repo, &oid) < 0 || git_commit_tree(&t, c) < 0)
		rc = git_fail(NULL, CF_ENOTFOUND, commit);
	else if (git_tree_entry_bypath(&e, t, path) < 0 || git_blob_lookup(&b, r->repo, git_tree_entry_id(e)) < 0)
		rc = cf_err_set(CF_ENOTFOUND, "%s: not in commit %.12s", path, commit);
	else
		rc = cf_buf_append(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}
