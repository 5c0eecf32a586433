/* helm-controller/helmrun.c - helm's argument vector, its private work directory and kubeconfig,
 * and one run of it (fork/execve, no shell, timeout, capped output). */
#include "helmrun.h"

#include "kube/kubeconfig.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILL_GRACE_MS 5000
#define EXIT_DRAIN_MS 1000   /* reading on after helm exited, for what its pipes still hold */

static void msleep_short(void)
{
	struct timespec ts = { 0, 20 * 1000000L };

	nanosleep(&ts, NULL);
}

static const char *const VERBS[] = {
	[HC_HELM_INSTALL] = "install", [HC_HELM_UPGRADE] = "upgrade", [HC_HELM_ROLLBACK] = "rollback",
	[HC_HELM_UNINSTALL] = "uninstall", [HC_HELM_TEST] = "test", [HC_HELM_HISTORY] = "history",
	[HC_HELM_STATUS] = "status", [HC_HELM_MANIFEST] = "manifest",
};

const char *hc_helm_verb_str(hc_helm_verb v)
{
	return (unsigned)v < sizeof(VERBS) / sizeof(VERBS[0]) ? VERBS[v] : "?";
}

typedef struct argv_b {
	const char **argv;
	size_t n, max;
	char *scratch;
	size_t used, size;
	int err;
} argv_b;

static void add(argv_b *b, const char *s)
{
	if (b->n + 1 >= b->max)
		b->err = 1;
	else
		b->argv[b->n++] = s;
}

/* a formatted argument kept in the scratch space */
static void addf(argv_b *b, const char *fmt, long v)
{
	int n = snprintf(b->scratch + b->used, b->size - b->used, fmt, v);

	if (n < 0 || (size_t)n >= b->size - b->used) {
		b->err = 1;
		return;
	}
	add(b, b->scratch + b->used);
	b->used += (size_t)n + 1;
}

static void add_if(argv_b *b, int on, const char *flag)
{
	if (on)
		add(b, flag);
}

/* flags of the verbs that change the release */
static void add_change_flags(argv_b *b, const hc_helm_call *c)
{
	if (c->timeout_ms > 0)
		addf(b, "--timeout=%lds", (c->timeout_ms + 999) / 1000);
	add(b, c->wait ? "--wait=watcher" : "--wait=hookOnly");
	if (c->verb == HC_HELM_UPGRADE || c->verb == HC_HELM_ROLLBACK) {
		addf(b, "--history-max=%ld", c->max_history);
		/* replacement is a client-side strategy: helm 4 refuses it with server-side apply */
		add_if(b, c->force, "--force-replace");
		add_if(b, c->force, "--server-side=false");
		add_if(b, c->cleanup_on_fail, "--cleanup-on-fail");
	}
	if (c->verb == HC_HELM_INSTALL || c->verb == HC_HELM_UPGRADE) {
		add_if(b, c->crds == HC_CRDS_SKIP, "--skip-crds");
		add_if(b, c->verb == HC_HELM_INSTALL && c->create_namespace, "--create-namespace");
		if (c->verb == HC_HELM_UPGRADE)
			add(b, "--reset-values");   /* the HelmRelease's values are the whole truth */
		add(b, "--values");
		add(b, c->values_path);
		if (c->post_renderer) {
			add(b, "--post-renderer");
			add(b, c->post_renderer);
		}
	}
	if (c->description && c->verb != HC_HELM_ROLLBACK) {
		add(b, "--description");
		add(b, c->description);
	}
}

int hc_helm_argv(const char **argv, size_t max, char *scratch, size_t size, const char *helm, const hc_helm_call *c)
{
	argv_b b = { argv, 0, max, scratch, 0, size, 0 };
	int changes = c->verb == HC_HELM_INSTALL || c->verb == HC_HELM_UPGRADE || c->verb == HC_HELM_ROLLBACK ||
		      c->verb == HC_HELM_UNINSTALL;

	if (helm == NULL || c->release == NULL || c->namespace == NULL || c->release[0] == '-' ||
	    ((c->verb == HC_HELM_INSTALL || c->verb == HC_HELM_UPGRADE) && (c->chart_path == NULL || c->values_path == NULL)))
		return cf_err_set(CF_EINVAL, "helm %s: release, namespace, chart and values are required", hc_helm_verb_str(c->verb));
	add(&b, helm);
	if (c->verb == HC_HELM_MANIFEST)
		add(&b, "get");
	add(&b, hc_helm_verb_str(c->verb));
	add(&b, c->release);
	if (c->verb == HC_HELM_INSTALL || c->verb == HC_HELM_UPGRADE)
		add(&b, c->chart_path);
	if (c->verb == HC_HELM_ROLLBACK && c->revision > 0)
		addf(&b, "%ld", c->revision);
	add(&b, "--namespace");
	add(&b, c->namespace);
	if (c->as_user) {
		add(&b, "--kube-as-user");
		add(&b, c->as_user);
	}
	if (changes)
		add_change_flags(&b, c);
	if (c->verb == HC_HELM_UNINSTALL) {
		add_if(&b, c->keep_history, "--keep-history");
		if (c->cascade) {
			add(&b, "--cascade");
			add(&b, c->cascade);
		}
	}
	if (c->verb == HC_HELM_TEST && c->timeout_ms > 0)
		addf(&b, "--timeout=%lds", (c->timeout_ms + 999) / 1000);
	if (c->verb == HC_HELM_HISTORY || c->verb == HC_HELM_STATUS || c->verb == HC_HELM_INSTALL || c->verb == HC_HELM_UPGRADE)
		add(&b, "--output=json");   /* install, upgrade: the release made, read instead of a status run */
	if (c->verb == HC_HELM_HISTORY)
		add(&b, "--max=256");
	if (b.err)
		return cf_err_set(CF_EINVAL, "helm %s: too many arguments", hc_helm_verb_str(c->verb));
	argv[b.n] = NULL;
	return (int)b.n;
}

/* ---- the work directory ---- */

int hc_helm_workdir(char **dir, const char *parent)
{
	char path[1024];

	*dir = NULL;
	snprintf(path, sizeof(path), "%s/cflux-helm-XXXXXX", parent && parent[0] ? parent : "/tmp");
	if (mkdtemp(path) == NULL)
		return cf_err_set(CF_EIO, "cannot create a work directory in %s: %s", parent, strerror(errno));
	if ((*dir = cf_strdup(path)) == NULL) {
		rmdir(path);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void hc_helm_workdir_remove(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	cf_free(dir);
}

int hc_helm_write_private(char **path, const char *dir, const char *name, const void *data, size_t len)
{
	char p[1200];
	const char *at = data;
	int fd;

	*path = NULL;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cf_err_set(CF_EIO, "cannot create %s: %s", p, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, at, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(p);
			return cf_err_set(CF_EIO, "cannot write %s: %s", p, strerror(errno));
		}
		at += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0) {
		unlink(p);
		return cf_err_set(CF_EIO, "cannot write %s: %s", p, strerror(errno));
	}
	if ((*path = cf_strdup(p)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

/* "  key: <base64 of data>\n" or "  key: <path>\n" */
static int kc_field(cf_buf *b, const char *key, const char *file, const unsigned char *data, size_t len)
{
	char *enc = NULL;
	int rc = 0;

	if (data && len) {
		if ((rc = cf_base64_encode(&enc, data, len)) < 0)
			return rc;
		rc = cf_buf_printf(b, "    %s-data: %s\n", key, enc);
		cf_free_secret(enc, strlen(enc));
	} else if (file) {
		rc = cf_buf_printf(b, "    %s: \"%s\"\n", key, file);
	}
	return rc;
}

int hc_helm_kubeconfig(char **path, const char *dir, const char *kubeconfig, const char *context)
{
	cf_kubeconfig *kc = NULL;
	int rc;

	*path = NULL;
	if ((rc = cf_kubeconfig_load(&kc, kubeconfig, context)) < 0)
		return rc;
	rc = hc_helm_kubeconfig_of(path, dir, kc);
	cf_kubeconfig_free(kc);
	return rc;
}

int hc_helm_kubeconfig_of(char **path, const char *dir, const cf_kubeconfig *kc)
{
	cf_buf b = CF_BUF_INIT_SECRET(1u << 20);
	int rc;

	*path = NULL;
	rc = cf_buf_printf(&b, "apiVersion: v1\nkind: Config\ncurrent-context: cflux\nclusters:\n- name: cflux\n  cluster:\n"
			       "    server: \"%s\"\n%s", kc->server, kc->insecure ? "    insecure-skip-tls-verify: true\n" : "");
	if (rc == 0)
		rc = kc_field(&b, "certificate-authority", kc->ca_file, kc->ca_data, kc->ca_len);
	if (rc == 0)
		rc = cf_buf_printf(&b, "contexts:\n- name: cflux\n  context:\n    cluster: cflux\n    user: cflux\n"
				       "    namespace: \"%s\"\nusers:\n- name: cflux\n  user:\n", kc->namespace);
	if (rc == 0)
		rc = kc_field(&b, "client-certificate", kc->cert_file, kc->cert_data, kc->cert_len);
	if (rc == 0)
		rc = kc_field(&b, "client-key", kc->key_file, kc->key_data, kc->key_len);
	if (rc == 0 && kc->token_file)
		rc = cf_buf_printf(&b, "    tokenFile: \"%s\"\n", kc->token_file);
	else if (rc == 0 && kc->token)
		rc = cf_buf_printf(&b, "    token: \"%s\"\n", kc->token);
	if (rc == 0)
		rc = hc_helm_write_private(path, dir, "kubeconfig", b.data, b.len);
	else
		cf_err_set(rc, "cannot write helm's kubeconfig");
	cf_buf_free(&b);
	return rc;
}

/* ---- one run ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: stdin /dev/null, stdout/stderr the pipes, its own process group (a timeout
 * ends helm and whatever it started), then helm itself. Never returns. */
static void child(const char *const *argv, char *const *envp, int out, int err)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	/* nothing else of the controller reaches helm: other threads' files and sockets (a Secret
	 * being read, an API connection) are not all close-on-exec */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], (char *const *)argv, envp);
	_exit(127);
}

/* Appends what fd has to b; bytes past the cap are read and dropped, and *capped says so.
 * 0 at EOF. */
static int drain(int fd, cf_buf *b, int *capped)
{
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n > 0 && (b->len + (size_t)n > b->max || cf_buf_append(b, chunk, (size_t)n) < 0))
		*capped = 1;
	if (n > 0)
		cf_wipe(chunk, (size_t)n);   /* values pass through here */
	return n > 0;
}

/* Reads both pipes until they close, signalling helm's process group when the deadline
 * passes, and reaps helm (*st). A descendant that left the group (setsid) may hold the pipes
 * open for ever: reading stops EXIT_DRAIN_MS after helm itself has exited, and never waits
 * past the SIGKILL by more than that. */
static int collect(hc_helm_result *res, pid_t pid, int out, int err, long timeout_ms, int *st)
{
	struct pollfd fds[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	long long deadline = now_ms() + timeout_ms, kill_at = 0, stop_at = 0;
	int open_fds = 2, reaped = 0;

	while (open_fds > 0 || !reaped) {
		long long now = now_ms();
		if (!reaped) {
			pid_t w = waitpid(pid, st, WNOHANG);
			if (w < 0 && errno != EINTR)
				return cf_err_set(CF_EIO, "helm (pid %ld): waitpid: %s", (long)pid, strerror(errno));
			if (w == pid) {
				reaped = 1;
				stop_at = now + EXIT_DRAIN_MS;
			}
		}
		if (reaped) {
			/* helm's pid may be another's now: no more signals */
		} else if (!res->timed_out && timeout_ms > 0 && now >= deadline) {
			res->timed_out = 1;
			kill(-pid, SIGTERM);
			kill_at = now + KILL_GRACE_MS;
		} else if (kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = 0;
			if (!stop_at || stop_at > now + EXIT_DRAIN_MS)
				stop_at = now + EXIT_DRAIN_MS;
		}
		if (stop_at && now >= stop_at && open_fds > 0) {
			res->out_capped |= fds[0].fd >= 0;   /* what is still unread never came: not a whole reply */
			break;
		}
		if (open_fds == 0) {   /* both closed: helm is exiting */
			msleep_short();
			continue;
		}
		if (poll(fds, 2, 100) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !drain(fds[i].fd, i == 0 ? &res->out : &res->err, i == 0 ? &res->out_capped : &res->err_capped)) {
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	if (!reaped && waitpid(pid, st, 0) < 0)
		return cf_err_set(CF_EIO, "helm (pid %ld): waitpid: %s", (long)pid, strerror(errno));
	return 0;
}

static int make_env(char env[][1200], char **envp, const char *workdir, const char *kubeconfig)
{
	static const char *const homes[] = { "HOME", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME" };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++)
		snprintf(env[n++], 1200, "%s=%s/%s", homes[i], workdir, i == 0 ? "home" : homes[i] + 5);
	snprintf(env[n++], 1200, "HELM_PLUGINS=%s/plugins", workdir);   /* only the controller's own post-renderer */
	snprintf(env[n++], 1200, "KUBECONFIG=%s", kubeconfig);
	snprintf(env[n++], 1200, "PATH=/usr/local/bin:/usr/bin:/bin");
	snprintf(env[n++], 1200, "HELM_DRIVER=secret");
	for (size_t i = 0; i < n; i++)
		envp[i] = env[i];
	envp[n] = NULL;
	return 0;
}

int hc_helm_exec(hc_helm_result *res, const char *const *argv, const char *workdir, const char *kubeconfig,
		 long timeout_ms)
{
	char env[9][1200], *envp[10];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, st = 0, rc;
	pid_t pid;

	/* stdout of status, install, upgrade -o json holds the values; stderr may echo them */
	*res = (hc_helm_result){ .out = CF_BUF_INIT_SECRET(HC_HELM_STDOUT_MAX), .err = CF_BUF_INIT_SECRET(HC_HELM_STDERR_MAX) };
	make_env(env, envp, workdir, kubeconfig);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		return cf_err_set(CF_EIO, "cannot run helm: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		child(argv, envp, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		return cf_err_set(CF_EIO, "cannot run helm: fork: %s", strerror(errno));
	}
	rc = collect(res, pid, out[0], err[0], timeout_ms, &st);
	close(out[0]);
	close(err[0]);
	if (rc < 0) {
		res->exited = 0;
		res->status = -1;
		return rc;
	}
	res->exited = WIFEXITED(st);
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (res->exited && res->status == 127)
		return cf_err_set(CF_ENOTFOUND, "cannot run helm: %s could not be executed", argv[0]);
	return 0;
}

void hc_helm_result_free(hc_helm_result *res)
{
	cf_buf_free(&res->out);   /* both secret: wiped */
	cf_buf_free(&res->err);
}

void hc_helm_error_text(char *out, size_t size, const hc_helm_result *res)
{
	const char *e = res->err.data ? res->err.data : "", *last = e, *p;
	size_t n;

	/* helm prints warnings first; the error is the line that starts with "Error: " */
	for (p = e; (p = strstr(p, "Error: ")) != NULL; p++)
		if (p == e || p[-1] == '\n')
			last = p + 7;
	n = strlen(last);
	while (n > 0 && (last[n - 1] == '\n' || last[n - 1] == ' '))
		n--;
	if (res->timed_out)
		snprintf(out, size, "helm timed out (killed)%s%.*s", n ? ": " : "", (int)n, last);
	else if (n == 0)
		snprintf(out, size, "helm exited with status %d", res->status);
	else
		snprintf(out, size, "%.*s", (int)n, last);
	for (char *c = out; *c; c++)   /* one line, as a condition message reads */
		if (*c == '\n')
			*c = ' ';
}

/* helm's words for a cause, and what to do about it */
static const struct hint {
	const char *says, *hint;
} HINTS[] = {
	{ "context deadline exceeded", "the resources did not become ready within spec.timeout (%lds): look at the "
				       "workloads' events, or raise spec.timeout" },
	{ "timed out waiting for the condition", "the resources did not become ready within spec.timeout (%lds): look "
						 "at the workloads' events, or raise spec.timeout" },
	{ "another operation (install/upgrade/rollback) is in progress", "a helm operation holds the release; cflux "
									  "recovers a release left pending on its next reconcile" },
	{ "cannot re-use a name that is still in use", "a release of this name exists outside this HelmRelease: "
						       "uninstall it or set spec.releaseName" },
	{ "exists and cannot be imported into the current release", "an object the chart renders already exists and "
								    "belongs to no release or to another one: delete it or "
								    "label/annotate it for this release" },
	{ "is forbidden", "the identity helm runs as (spec.serviceAccountName or the controller's) lacks RBAC "
			  "permissions for it" },
	{ "parse error", "the chart's templates do not render: fix the chart or the values it is given" },
	{ "execution error", "the chart's templates do not render with these values: check spec.values and valuesFrom" },
	{ "values don't meet the specifications of the schema", "the values do not match the chart's "
								"values.schema.json: fix spec.values or valuesFrom" },
	{ "chart requires kubeVersion", "the chart does not support this cluster's Kubernetes version: use a chart "
					"version that does" },
};

const char *hc_helm_hint(char *msg, size_t size, long timeout_ms)
{
	size_t n = strlen(msg);

	for (size_t i = 0; i < sizeof(HINTS) / sizeof(HINTS[0]); i++) {
		if (strstr(msg, HINTS[i].says) == NULL)
			continue;
		if (n + 3 < size) {
			snprintf(msg + n, size - n, " (");
			n += 2;
			snprintf(msg + n, size - n, HINTS[i].hint, (timeout_ms + 999) / 1000);
			n = strlen(msg);
			if (n + 1 < size)
				snprintf(msg + n, size - n, ")");
		}
		break;
	}
	return msg;
}

char *hc_helm_redact(char *msg, const json_t *redact)
{
	static const char stars[] = "***";
	const json_t *v;
	size_t i;

	json_array_foreach(redact, i, v) {
		const char *s = json_string_value(v);
		size_t n = s ? strlen(s) : 0;
		char *from = msg, *at;
		if (n < 3)
			continue;
		while ((at = strstr(from, s)) != NULL) {
			/* the stars are no longer than what they replace: always fits */
			memmove(at + sizeof(stars) - 1, at + n, strlen(at + n) + 1);
			memcpy(at, stars, sizeof(stars) - 1);
			from = at + sizeof(stars) - 1;
		}
	}
	return msg;
}

int hc_helm_outcome(const hc_helm_result *res, hc_helm_verb verb, long timeout_ms, const json_t *redact)
{
	char text[4096];
	int parsed = verb == HC_HELM_HISTORY || verb == HC_HELM_STATUS || verb == HC_HELM_MANIFEST;

	if (res->exited && res->status == 0) {
		if (parsed && res->out_capped)
			return cf_err_set(CF_ETOOBIG, "helm %s: its reply was cut at %u bytes (over the cap, or not all read); "
					  "not read in part", hc_helm_verb_str(verb), (unsigned)res->out.len);
		return 0;
	}
	hc_helm_error_text(text, sizeof(text), res);
	hc_helm_redact(text, redact);
	return cf_err_set(CF_EAPI, "%s", hc_helm_hint(text, sizeof(text), timeout_ms));
}
