/* tests/integration/test_source_controller.c - bin/source-controller as a process against the
 * real apiserver and Git servers: transports, refs, new commits, the cheap check, failures,
 * nng notices and artifacts, events, deletion, a Git server outage, restarts, the size cap. */
#include "bus/bus.h"
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "kustomize/kustomize.h"
#include "source/artifact.h"
#include "source/tree.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17120"
#define NOTIFY_ADDR "tcp://127.0.0.1:17121"
#define EVENTS_ADDR "tcp://127.0.0.1:17122"

static char ns[64], repo[64], store[] = "/tmp/cflux-sc-XXXXXX", bare[512], c1[41], c2[41], c3[41];
static pid_t controller;
static cf_kube *kube;
static cf_bus_sub *notices, *events;

static void start_controller(void)
{
	char log[600];
	const char *kubeconfig = controller_kubeconfig("source-controller"), *token_file = internal_token_file();

	snprintf(log, sizeof(log), "%s/controller.log", store);
	controller = fork();
	if (controller == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		execl("bin/source-controller", "source-controller", "--kubeconfig", kubeconfig,
		      "--internal-token-file", token_file, "--watch-namespace", ns, "--storage-path", store, "--artifact-addr", ART_ADDR,
		      "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR, "--artifact-max-size", "1Mi",
		      "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
}

static void stop_controller(int sig)
{
	int st;

	if (controller > 0) {
		kill(controller, sig);
		waitpid(controller, &st, 0);
		controller = 0;
	}
}

/* A GitRepository in the test namespace; spec is YAML (indented two spaces). */
static int apply_gitrepo(const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\n"
		   "kind: GitRepository\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%sEOT\n", name, ns, spec);
}

static json_t *get_repo(const char *name)
{
	json_t *o = NULL;

	if (kube)
		cf_kube_get(kube, &o, &(cf_kube_ref){ "source.toolkit.fluxcd.io/v1", "GitRepository", ns, name });
	return o;
}

/* Waits until Ready has status want and its message contains text (and, if rev, the
 * artifact has that revision). Returns the object (caller decrefs) or NULL after a failure. */
static json_t *wait_ready(const char *name, const char *want, const char *text, const char *rev, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *r;
		json_decref(o);
		o = get_repo(name);
		st = ready_field(o, "status");
		msg = ready_field(o, "message");
		r = json_string_value(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), "revision"));
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!rev || (r && strcmp(r, rev) == 0)))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: Ready is %s \"%s\", want %s with \"%s\"%s%s", name,
		     ready_field(o, "status") ? ready_field(o, "status") : "unset",
		     ready_field(o, "message") ? ready_field(o, "message") : "", want, text ? text : "",
		     rev ? " at " : "", rev ? rev : "");
	json_decref(o);
	return NULL;
}

static const char *artifact_field(const json_t *o, const char *f)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), f));
}

static void setup(void)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	json_t *nso;

	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || mkdtemp(store) == NULL)
		return;
	o.kubeconfig = getenv("CFLUX_KUBECONFIG_TOKEN");
	CHECK_OK(cf_kube_new(&kube, &o));
	snprintf(ns, sizeof(ns), "cflux-src-%ld", (long)getpid());
	snprintf(repo, sizeof(repo), "src-%ld", (long)getpid());
	nso = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	CHECK_OK(cf_kube_create(kube, NULL, nso));
	json_decref(nso);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	CHECK(run("sh tests/integration/testdata/make-repo.sh %s", repo) == 0);
	snprintf(bare, sizeof(bare), "%s/%s.git", getenv("CFLUX_GIT_REPOS"), repo);
	CHECK(capture(c1, sizeof(c1), "git -C %s rev-parse v1.0.0^{commit}", bare) == 0);
	CHECK(capture(c2, sizeof(c2), "git -C %s rev-parse main", bare) == 0);
	CHECK(capture(c3, sizeof(c3), "git -C %s rev-parse dev", bare) == 0);
	/* credentials the way users create them */
	CHECK(run("kubectl -n %s create secret generic https-ca --from-file=ca.crt=%s >/dev/null", ns, getenv("CFLUX_CA")) == 0);
	CHECK(run("kubectl -n %s create secret generic ssh-key --from-file=identity=%s --from-file=known_hosts=%s >/dev/null",
		  ns, getenv("CFLUX_SSH_IDENTITY"), getenv("CFLUX_SSH_KNOWN_HOSTS")) == 0);
	CHECK(run("kubectl -n %s create secret generic basic --from-literal=username=git --from-literal=password=%s >/dev/null",
		  ns, getenv("CFLUX_GIT_PASSWORD")) == 0);
	CHECK(run("kubectl -n %s create secret generic wrong-password --from-literal=username=git "
		  "--from-literal=password=not-it >/dev/null", ns) == 0);
	CHECK(run("kubectl -n %s create secret generic bad-known-hosts --from-file=identity=%s "
		  "--from-literal=known_hosts='[127.0.0.1]:%s ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' >/dev/null",
		  ns, getenv("CFLUX_SSH_IDENTITY"), strrchr(getenv("CFLUX_GIT_URL_SSH"), ':') + 1) == 0);
	CHECK_OK(cf_bus_sub_open(&notices, NOTIFY_ADDR, 0));
	CHECK_OK(cf_bus_sub_open(&events, EVENTS_ADDR, 1));
	CHECK_OK(cf_bus_sub_require_token(events, internal_token()));   /* the controller sends its token */
	start_controller();
	CHECK(controller > 0);
}

static void check_artifact_matches_git_archive(const json_t *o, const char *commit)
{
	char digest[72];
	const char *path = artifact_field(o, "path"), *want = artifact_field(o, "digest");
	char full[1024];

	if (path == NULL || want == NULL) {
		cf_test_fail(__FILE__, __LINE__, "no artifact in status");
		return;
	}
	snprintf(full, sizeof(full), "%s/%s", store, path);
	CHECK_OK(cf_artifact_file_digest(digest, NULL, full));
	CHECK_STR(digest, want);
	if (run("set -e; d=$(mktemp -d); mkdir $d/a $d/g; tar -xzf %s -C $d/a; git -C %s archive %s | tar -x -C $d/g; "
		"cd $d/g && rm -rf .github img docs apps/tmp; diff -r --no-dereference $d/a $d/g; rm -rf $d",
		full, bare, commit) != 0)
		cf_test_fail(__FILE__, __LINE__, "%s differs from git archive of %s minus ignored paths", path, commit);
}

static void transport(const char *name, const char *url_env, const char *secret)
{
	char spec[1024], rev[128];
	json_t *o;

	if (env_need(url_env) == NULL)
		return;
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: main\n%s%s%s",
		 getenv(url_env), repo, secret ? "  secretRef:\n    name: " : "", secret ? secret : "", secret ? "\n" : "");
	CHECK(apply_gitrepo(name, spec) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", c2);
	o = wait_ready(name, "True", "stored artifact for revision", rev, 30);
	if (o)
		check_artifact_matches_git_archive(o, c2);
	json_decref(o);
}

static void over_http(void)  { transport("via-http", "CFLUX_GIT_URL_HTTP", NULL); }
static void over_https_custom_ca(void) { transport("via-https", "CFLUX_GIT_URL_HTTPS", "https-ca"); }
static void over_ssh(void)   { transport("via-ssh", "CFLUX_GIT_URL_SSH", "ssh-key"); }
static void over_http_basic_auth(void) { transport("via-basic", "CFLUX_GIT_URL_HTTP_AUTH", "basic"); }

static void refs(void)
{
	static const struct { const char *name, *ref, *label; int which; } cases[] = {
		{ "ref-tag", "    tag: v1.0.0\n", "v1.0.0", 1 },
		{ "ref-semver", "    semver: \">=1.0.0 <2.0.0\"\n", "v1.2.0", 2 },
		{ "ref-name", "    name: refs/pull/1/head\n", "refs/pull/1/head", 3 },
		{ "ref-commit", NULL, "dev", 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[1024], rev[160];
		const char *c = cases[i].which == 1 ? c1 : cases[i].which == 2 ? c2 : c3;
		json_t *o;

		if (cases[i].ref)
			snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n%s",
				 getenv("CFLUX_GIT_URL_HTTP"), repo, cases[i].ref);
		else
			snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: dev\n    commit: %s\n",
				 getenv("CFLUX_GIT_URL_HTTP"), repo, c3);
		CHECK(apply_gitrepo(cases[i].name, spec) == 0);
		snprintf(rev, sizeof(rev), "%s@sha1:%s", cases[i].label, c);
		o = wait_ready(cases[i].name, "True", NULL, rev, 30);
		json_decref(o);
	}
}

static void suspend_and_resume(void)
{
	char spec[1024];
	json_t *o;
	int logged = 0;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  suspend: true\n  url: %s/%s.git\n  ref:\n    branch: main\n",
		 getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("paused", spec) == 0);
	for (int i = 0; i < 100 && !logged; i++) {
		logged = run("grep -q 'msg=suspended object=paused ' %s/controller.log", store) == 0;
		if (!logged)
			msleep(100);
	}
	CHECK(logged);
	o = get_repo("paused");
	CHECK(o != NULL && artifact_field(o, "revision") == NULL);   /* nothing fetched */
	json_decref(o);
	CHECK(run("kubectl -n %s patch gitrepository paused --type merge -p '{\"spec\":{\"suspend\":false}}' >/dev/null", ns) == 0);
	json_decref(wait_ready("paused", "True", NULL, NULL, 30));
}

static int push_commit(const char *file)
{
	return run("set -e; w=$(mktemp -d); git clone -q %s/%s.git $w/w; cd $w/w; date +%%s%%N > %s; git add -A; "
		   "git -c user.name=t -c user.email=t@t commit -qm 'change %s'; git push -q origin main; rm -rf $w",
		   getenv("CFLUX_GIT_URL_HTTP"), repo, file, file);
}

static void new_commit_within_interval_and_on_request(void)
{
	char spec[1024], head[41], rev[128], stamp[32];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 2s\n  url: %s/%s.git\n  ref:\n    branch: main\n",
		 getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("fast", spec) == 0);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  url: %s/%s.git\n  ref:\n    branch: main\n",
		 getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("slow", spec) == 0);
	json_decref(wait_ready("slow", "True", NULL, NULL, 30));
	CHECK(push_commit("pushed.txt") == 0);
	CHECK(capture(head, sizeof(head), "git -C %s rev-parse main", bare) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", head);
	json_decref(wait_ready("fast", "True", NULL, rev, 15));   /* the 2s interval */
	CHECK(push_commit("pushed-again.txt") == 0);
	CHECK(capture(head, sizeof(head), "git -C %s rev-parse main", bare) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", head);
	json_decref(wait_ready("fast", "True", NULL, rev, 15));
	/* the 1h one only moves when asked */
	snprintf(stamp, sizeof(stamp), "%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate gitrepository slow reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null", ns, stamp) == 0);
	o = wait_ready("slow", "True", NULL, rev, 10);
	if (o)
		CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "lastHandledReconcileAt")), stamp);
	json_decref(o);
}

static void spec_ignore_and_retention(void)
{
	char spec[1024], list[4096] = "", full[1024];
	json_t *o;

	/* spec.ignore comes after the defaults and .sourceignore files, and can re-include */
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: main\n"
		 "  ignore: |\n    /deploy/\n    !/docs/\n", getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("ignoring", spec) == 0);
	o = wait_ready("ignoring", "True", NULL, NULL, 30);
	if (o && artifact_field(o, "path")) {
		snprintf(full, sizeof(full), "%s/%s", store, artifact_field(o, "path"));
		CHECK(capture(list, sizeof(list), "tar -tzf %s | sort | tr '\\n' ' '", full) == 0);
		CHECK(strstr(list, "deploy/") == NULL);
		CHECK_CONTAINS(list, "docs/guide.md");
		CHECK(strstr(list, "apps/tmp") == NULL);
		CHECK_CONTAINS(list, "apps/ns.yaml");
	}
	json_decref(o);
	/* "fast" has seen several commits: only the newest two artifacts stay */
	CHECK(capture(list, sizeof(list), "ls %s/gitrepository/%s/fast | grep -c 'tar.gz$'", store, ns) == 0);
	CHECK(atoi(list) >= 1 && atoi(list) <= 2);
}

static int count_events(const char *name, const char *reason)
{
	char out[64] = "";

	if (capture(out, sizeof(out), "kubectl -n %s get events --field-selector involvedObject.name=%s,reason=%s "
		    "-o name | wc -l", ns, name, reason) != 0)
		return -1;
	return atoi(out);
}

/* Waits until status.lastHandledReconcileAt is stamp; returns the object or NULL. */
static json_t *wait_handled(const char *name, const char *stamp, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		json_t *o = get_repo(name);
		const char *h = json_string_value(json_object_get(json_object_get(o, "status"), "lastHandledReconcileAt"));
		if (h && strcmp(h, stamp) == 0)
			return o;
		json_decref(o);
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: requestedAt %s not handled within %d s", name, stamp, secs);
	return NULL;
}

/* Status is a merge patch: a field the controller drops must be sent as null, or the server
 * keeps it. Without spec.ignore, observedIgnore goes; and the artifact, rebuilt once, is
 * current from then on: a reconcile request makes no new NewArtifact. */
static void removed_ignore_leaves_status(void)
{
	json_t *o = NULL;
	int gone = 0, before;
	char stamp[64];

	CHECK(run("kubectl -n %s patch gitrepository ignoring --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/ignore\"}]' "
		  ">/dev/null", ns) == 0);
	for (int i = 0; i < 300 && !gone; i++) {
		json_decref(o);
		o = get_repo("ignoring");
		gone = o && json_object_get(json_object_get(o, "status"), "observedIgnore") == NULL &&
		       json_integer_value(json_object_get(json_object_get(o, "status"), "observedGeneration")) ==
		       json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation"));
		if (!gone)
			msleep(100);
	}
	CHECK(gone);
	json_decref(o);
	/* the rebuilt artifact's event is in: count, then ask twice for a reconcile */
	for (int i = 0; i < 100 && count_events("ignoring", "NewArtifact") < 2; i++)
		msleep(100);
	before = count_events("ignoring", "NewArtifact");
	CHECK(before >= 2);
	for (int n = 0; n < 2; n++) {
		snprintf(stamp, sizeof(stamp), "noignore-%d-%ld", n, (long)time(NULL));
		CHECK(run("kubectl -n %s annotate gitrepository ignoring reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null",
			  ns, stamp) == 0);
		json_decref(wait_handled("ignoring", stamp, 30));
	}
	CHECK(count_events("ignoring", "NewArtifact") == before);
}

/* Flux admits http, https and ssh only: file:// would read the controller's disk (other
 * tenants' Git caches), git:// is not Flux's. The CRD refuses them; an object that got in
 * anyway (a CRD of before) is Stalled with a condition naming spec.url, and nothing is read. */
static void only_flux_url_schemes(void)
{
	static const char *const refused[] = { "file:///etc", "git://127.0.0.1/x.git" };
	char spec[512], dir[1024];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		CHECK(run("cat <<'EOT' | kubectl apply -f - 2>&1 | grep -q 'spec.url'\napiVersion: source.toolkit.fluxcd.io/v1\n"
			  "kind: GitRepository\nmetadata:\n  name: scheme-%zu\n  namespace: %s\nspec:\n  interval: 1m\n  url: %s\nEOT\n",
			  i, ns, refused[i]) == 0);
	}
	/* a CRD without the pattern, for as long as the objects live */
	CHECK(run("kubectl patch crd gitrepositories.source.toolkit.fluxcd.io --type json -p "
		  "'[{\"op\":\"remove\",\"path\":\"/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/url/pattern\"}]' "
		  ">/dev/null") == 0);
	for (size_t i = 0; i < 2; i++) {
		char name[32];
		json_t *o = NULL;
		int ok = 0;

		snprintf(name, sizeof(name), "scheme-%zu", i);
		snprintf(spec, sizeof(spec), "  interval: 1m\n  url: %s\n", refused[i]);
		for (int t = 0; t < 50 && apply_gitrepo(name, spec) != 0; t++)
			msleep(100);   /* until the apiserver has the new schema */
		o = wait_ready(name, "False", "spec.url", NULL, 30);
		for (int t = 0; o && t < 50 && !ok; t++) {
			json_t *c;
			size_t j;
			json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), j, c)
				ok |= strcmp(json_string_value(json_object_get(c, "type")), "Stalled") == 0 &&
				      strcmp(json_string_value(json_object_get(c, "status")), "True") == 0 &&
				      strcmp(json_string_value(json_object_get(c, "reason")), "URLInvalid") == 0;
		}
		CHECK(ok);
		if (o)
			CHECK_CONTAINS(ready_field(o, "message"), "must start with http://, https:// or ssh://");
		json_decref(o);
		snprintf(dir, sizeof(dir), "%s/.cache/gitrepository/%s/%s", store, ns, name);
		CHECK(stat(dir, &st) != 0);   /* not even a cache was made */
		CHECK(run("kubectl -n %s delete gitrepository %s --wait=true --timeout=30s >/dev/null", ns, name) == 0);
	}
	CHECK(run("kubectl apply --server-side --force-conflicts -f manifests/crds/source.toolkit.fluxcd.io_gitrepositories.yaml "
		  ">/dev/null") == 0);
	CHECK(run("kubectl get crd gitrepositories.source.toolkit.fluxcd.io -o jsonpath='{.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.url.pattern}' | grep -q https") == 0);
}

/* Credentials written into spec.url never reach status, events or the log. */
static void url_credentials_redacted(void)
{
	const char *auth = env_need("CFLUX_GIT_URL_HTTP_AUTH");
	char spec[1024], log[700];

	if (auth == NULL)
		return;
	/* http://127.0.0.1:PORT/private -> http://git:PASSWORD@127.0.0.1:PORT/private, a repository that is not there */
	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: http://git:%s@%s/missing-%s.git\n  ref:\n    branch: main\n",
		 "pw-in-url-4711", auth + strlen("http://"), repo);
	CHECK(apply_gitrepo("creds-in-url", spec) == 0);
	json_decref(wait_ready("creds-in-url", "False", NULL, NULL, 30));
	for (int i = 0; i < 50 && count_events("creds-in-url", "GitOperationFailed") + count_events("creds-in-url", "AuthenticationFailed") < 1; i++)
		msleep(100);
	CHECK(run("kubectl -n %s get gitrepository creds-in-url -o jsonpath='{.status}' | grep -q 'missing-'", ns) == 0);
	CHECK(run("kubectl -n %s get gitrepository creds-in-url -o jsonpath='{.status}' | grep -q pw-in-url-4711", ns) != 0);
	CHECK(run("kubectl -n %s get events -o json | grep -q 'missing-%s'", ns, repo) == 0);
	CHECK(run("kubectl -n %s get events -o json | grep -q pw-in-url-4711", ns) != 0);
	snprintf(log, sizeof(log), "%s/controller.log", store);
	CHECK(run("grep -q 'creds-in-url' %s", log) == 0);
	CHECK(run("grep -q pw-in-url-4711 %s", log) != 0);
	CHECK(run("kubectl -n %s delete gitrepository creds-in-url --wait=true --timeout=30s >/dev/null", ns) == 0);
}

/* A GitRepository version that the API stops serving is not a deleted GitRepository: the
 * storage stays, the controller says so and backs off, and carries on once it is served. */
static void unserved_version_is_not_deleted(void)
{
	char dir[1024], log[700], head[41], rev[128];
	struct stat st;
	int said = 0;

	snprintf(dir, sizeof(dir), "%s/gitrepository/%s/fast", store, ns);
	snprintf(log, sizeof(log), "%s/controller.log", store);
	CHECK(stat(dir, &st) == 0);   /* "fast" reconciles every 2 s */
	CHECK(run("kubectl patch crd gitrepositories.source.toolkit.fluxcd.io --type json "
		  "-p '[{\"op\":\"replace\",\"path\":\"/spec/versions/0/served\",\"value\":false}]' >/dev/null") == 0);
	for (int i = 0; i < 300 && !said; i++) {
		said = run("grep 'msg=\"reconcile failed\" object=%s/fast ' %s | grep -q 'not serve'", ns, log) == 0;
		if (!said)
			msleep(100);
	}
	CHECK(said);
	CHECK(stat(dir, &st) == 0);
	CHECK(run("kubectl patch crd gitrepositories.source.toolkit.fluxcd.io --type json "
		  "-p '[{\"op\":\"replace\",\"path\":\"/spec/versions/0/served\",\"value\":true}]' >/dev/null") == 0);
	for (int i = 0; i < 100 && run("kubectl get --raw /apis/source.toolkit.fluxcd.io/v1 2>/dev/null | grep -q gitrepositories") != 0; i++)
		msleep(100);
	CHECK(stat(dir, &st) == 0);
	/* and it still follows its branch */
	CHECK(push_commit("after-unserved.txt") == 0);
	CHECK(capture(head, sizeof(head), "git -C %s rev-parse main", bare) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", head);
	json_decref(wait_ready("fast", "True", NULL, rev, 60));
}

static void unchanged_remote_costs_no_fetch(void)
{
	char marker[600], stamp[32], newer[4096] = "";
	json_t *before = get_repo("slow"), *after = NULL;
	const char *t0 = artifact_field(before, "lastUpdateTime");
	char t0copy[64];

	snprintf(t0copy, sizeof(t0copy), "%s", t0 ? t0 : "");
	snprintf(marker, sizeof(marker), "%s/marker", store);
	CHECK(run("touch %s && sleep 1.1", marker) == 0);
	snprintf(stamp, sizeof(stamp), "again-%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate gitrepository slow reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null", ns, stamp) == 0);
	for (int i = 0; i < 100; i++) {
		json_decref(after);
		after = get_repo("slow");
		const char *h = json_string_value(json_object_get(json_object_get(after, "status"), "lastHandledReconcileAt"));
		if (h && strcmp(h, stamp) == 0)
			break;
		msleep(100);
	}
	CHECK_STR(json_string_value(json_object_get(json_object_get(after, "status"), "lastHandledReconcileAt")), stamp);
	/* nothing new in the Git cache, no new artifact file, the artifact untouched */
	CHECK(capture(newer, sizeof(newer), "find %s/.cache/gitrepository/%s/slow %s/gitrepository/%s/slow -newer %s -type f",
		      store, ns, store, ns, marker) == 0);
	CHECK_STR(newer, "");
	CHECK_STR(artifact_field(after, "lastUpdateTime"), t0copy);
	/* and the controller says it did not fetch: its only fetch of "slow" was the first one
	 * and the one for the pushed commit */
	CHECK(capture(newer, sizeof(newer), "grep -c 'msg=fetched object=slow ' %s/controller.log", store) == 0);
	CHECK_STR(newer, "2");
	CHECK(run("grep -q 'msg=\"unchanged, no fetch\" object=slow ' %s/controller.log", store) == 0);
	json_decref(before);
	json_decref(after);
}

static void failures_are_clear(void)
{
	static const struct { const char *name, *url_env, *ref, *secret, *text; } cases[] = {
		{ "bad-password", "CFLUX_GIT_URL_HTTP_AUTH", "branch: main", "wrong-password", "authentication" },
		{ "bad-host-key", "CFLUX_GIT_URL_SSH", "branch: main", "bad-known-hosts", "unknown host key" },
		{ "missing-ref", "CFLUX_GIT_URL_HTTP", "branch: nope", NULL, "couldn't find remote ref \"refs/heads/nope\"" },
		{ "missing-secret", "CFLUX_GIT_URL_HTTP", "branch: main", "nowhere", "secrets \"nowhere\" not found" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[1024];
		snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    %s\n%s%s%s",
			 getenv(cases[i].url_env), repo, cases[i].ref, cases[i].secret ? "  secretRef:\n    name: " : "",
			 cases[i].secret ? cases[i].secret : "", cases[i].secret ? "\n" : "");
		CHECK(apply_gitrepo(cases[i].name, spec) == 0);
		json_decref(wait_ready(cases[i].name, "False", cases[i].text, NULL, 30));
	}
	CHECK(run("cat <<'EOT' | kubectl apply -f - 2>&1 | grep -q 'spec.url'\napiVersion: source.toolkit.fluxcd.io/v1\n"
		  "kind: GitRepository\nmetadata:\n  name: scp\n  namespace: %s\nspec:\n  interval: 1m\n  url: git@github.com:org/repo\nEOT\n", ns) == 0);
}

/* spec.verify (Flux's OpenPGP commit check) cannot be honoured: Stalled with VerificationError,
 * and no artifact, rather than an unverified one */
static void verify_fails_closed(void)
{
	char spec[1024];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: main\n"
		 "  verify:\n    mode: HEAD\n    secretRef:\n      name: pgp-public-keys\n", getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("verified", spec) == 0);
	o = wait_ready("verified", "False", "cflux does not verify signatures", NULL, 30);
	if (o) {
		const json_t *c, *conds = json_object_get(json_object_get(o, "status"), "conditions");
		size_t i;
		int stalled = 0;

		json_array_foreach(conds, i, c)
			if (strcmp(cf_json_str(c, "type") ? cf_json_str(c, "type") : "", "Stalled") == 0)
				stalled = strcmp(cf_json_str(c, "status") ? cf_json_str(c, "status") : "", "True") == 0 &&
					  strcmp(cf_json_str(c, "reason") ? cf_json_str(c, "reason") : "", "VerificationError") == 0;
		CHECK(stalled);
		CHECK(artifact_field(o, "revision") == NULL);
	}
	json_decref(o);
}

static void notices_artifacts_and_tampering(void)
{
	cf_buf scratch = CF_BUF_INIT(1u << 20), art = CF_BUF_INIT(8u << 20);
	char spec[1024], full[1024];
	cf_bus_msg m;
	json_t *o;
	int seen = 0;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: dev\n",
		 getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("notified", spec) == 0);
	for (int i = 0; i < 100 && !seen && notices; i++)
		if (cf_bus_sub_recv(notices, &m, &scratch, 300) == 0 && strcmp(m.name, "notified") == 0)
			seen = 1;
	CHECK(seen);
	if (!seen)
		goto out;
	CHECK_STR(m.kind, "GitRepository");
	CHECK_STR(m.namespace, ns);
	o = wait_ready("notified", "True", NULL, NULL, 10);
	if (o == NULL)
		goto out;
	CHECK_STR(m.digest, artifact_field(o, "digest"));
	CHECK_STR(m.revision, artifact_field(o, "revision"));
	/* a consumer fetches it over nng and checks it against the status, unpacks it in memory
	 * and builds the kustomization inside: the whole data path a kustomize-controller takes */
	CHECK_OK(cf_bus_fetch_artifact(&art, ART_ADDR, internal_token(), m.path, artifact_field(o, "digest"), 5000));
	CHECK(art.len > 0);
	{
		cf_tree *t = NULL;
		json_t *docs = NULL;
		cf_kfs fs;
		CHECK_OK(cf_tree_unpack(&t, art.data, art.len, 50u << 20, 10000));
		if (t) {
			cf_kfs_tree(&fs, t);
			CHECK_OK(cf_kustomize_build(&docs, &fs, "deploy"));
			CHECK(json_array_size(docs) == 1);
			CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(docs, 0), "metadata"), "name")),
				  "src-app");
		}
		json_decref(docs);
		cf_tree_free(t);
	}
	/* a tampered file on disk no longer matches the digest in status. A reconcile running at
	 * that moment may rebuild the file first (storage heals itself); a fetch that succeeds is
	 * only right if the file on disk really matches again, and then we tamper once more. */
	snprintf(full, sizeof(full), "%s/%s", store, m.path);
	int detected = 0;
	for (int attempt = 0; attempt < 5 && !detected; attempt++) {
		char disk[72];
		CHECK(run("printf x >> %s", full) == 0);
		int frc = cf_bus_fetch_artifact(&art, ART_ADDR, internal_token(), m.path, artifact_field(o, "digest"), 5000);
		if (frc == CF_EINVAL && strstr(cf_err_msg(), "does not match")) {
			detected = 1;
		} else if (frc == 0) {
			CHECK_OK(cf_artifact_file_digest(disk, NULL, full));
			CHECK_STR(disk, artifact_field(o, "digest"));
			msleep(500);
		} else {
			cf_test_fail(__FILE__, __LINE__, "fetch after tampering: %s", cf_err_msg());
			break;
		}
	}
	CHECK(detected);
	json_decref(o);
out:
	cf_buf_free(&scratch);
	cf_buf_free(&art);
}

/* Any pod can reach the artifact service: without the internal token, or with another one, it
 * serves nothing, and says so in its log without the token. */
static void artifact_requests_need_the_token(void)
{
	cf_buf art = CF_BUF_INIT(8u << 20);
	json_t *o = wait_ready("via-http", "True", NULL, NULL, 10);   /* not the one tampered with above */
	const char *path = artifact_field(o, "path"), *digest = artifact_field(o, "digest");

	CHECK(path != NULL && digest != NULL);
	if (path == NULL || digest == NULL)
		goto out;
	CHECK(cf_bus_fetch_artifact(&art, ART_ADDR, NULL, path, digest, 5000) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "missing or wrong internal token");
	CHECK(art.len == 0);
	CHECK(cf_bus_fetch_artifact(&art, ART_ADDR, "0123456789abcdef", path, digest, 5000) == CF_EAUTH);
	CHECK(art.len == 0);
	CHECK_OK(cf_bus_fetch_artifact(&art, ART_ADDR, internal_token(), path, digest, 5000));
	CHECK(art.len > 0);
	CHECK(run("grep -q 'artifact request refused: missing or wrong internal token' %s/controller.log", store) == 0);
	CHECK(run("grep -q '%s' %s/controller.log", internal_token(), store) != 0);
out:
	json_decref(o);
	cf_buf_free(&art);
}

static void events_reach_notification_address(void)
{
	cf_buf scratch = CF_BUF_INIT(1u << 20);
	cf_bus_msg m;
	int found = 0;

	for (int i = 0; i < 200 && !found && events; i++) {
		json_t *ev;
		if (cf_bus_sub_recv(events, &m, &scratch, 100) < 0)
			continue;
		ev = json_loads(m.json, 0, NULL);
		if (ev && strcmp(json_string_value(json_object_get(ev, "reason")), "NewArtifact") == 0) {
			found = 1;
			CHECK_STR(json_string_value(json_object_get(json_object_get(ev, "involvedObject"), "kind")), "GitRepository");
			CHECK_STR(json_string_value(json_object_get(ev, "reportingController")), "source-controller");
			CHECK(json_object_get(json_object_get(ev, "metadata"), "revision") != NULL);
			CHECK(json_object_get(json_object_get(ev, "metadata"), "digest") != NULL);
		}
		json_decref(ev);
	}
	CHECK(found);
	cf_buf_free(&scratch);
	CHECK(run("kubectl -n %s get events --field-selector reason=NewArtifact -o name | grep -q .", ns) == 0);
	/* the Kubernetes Event carries the revision and digest as annotations of the kind's group */
	CHECK(run("kubectl -n %s get events --field-selector reason=NewArtifact -o jsonpath="
		  "'{.items[*].metadata.annotations.source\\.toolkit\\.fluxcd\\.io/revision}' | grep -q '@sha1:'", ns) == 0);
	CHECK(run("kubectl -n %s get events --field-selector reason=NewArtifact -o jsonpath="
		  "'{.items[*].metadata.annotations.source\\.toolkit\\.fluxcd\\.io/digest}' | grep -q 'sha256:'", ns) == 0);
}

static void git_server_outage(void)
{
	char stamp[32];
	json_t *o = get_repo("via-http"), *after;
	char digest[72] = "", path[512] = "";
	cf_buf art = CF_BUF_INIT(8u << 20);

	if (o && artifact_field(o, "digest")) {
		snprintf(digest, sizeof(digest), "%s", artifact_field(o, "digest"));
		snprintf(path, sizeof(path), "%s", artifact_field(o, "path"));
	}
	json_decref(o);
	CHECK(run("sh tests/env/down git-http") == 0);
	snprintf(stamp, sizeof(stamp), "down-%ld", (long)time(NULL));
	CHECK(run("kubectl -n %s annotate gitrepository via-http reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null", ns, stamp) == 0);
	json_decref(wait_ready("via-http", "False", "127.0.0.1", NULL, 30));
	/* the last good artifact is still served */
	CHECK_OK(cf_bus_fetch_artifact(&art, ART_ADDR, internal_token(), path, digest, 5000));
	CHECK(run("sh tests/env/up git-http >/dev/null 2>&1") == 0);
	/* recovers by itself: the failure backoff retries without being asked */
	after = wait_ready("via-http", "True", NULL, NULL, 60);
	json_decref(after);
	cf_buf_free(&art);
}

static void kill_9_and_restart(void)
{
	char tmp[1024];
	struct stat st;
	json_t *o;

	stop_controller(SIGKILL);
	/* what a kill during a write leaves behind */
	snprintf(tmp, sizeof(tmp), "%s/gitrepository/%s/via-https/.deadbeef.tar.gz.tmp-XXXXXX", store, ns);
	CHECK(run("touch %s", tmp) == 0);
	CHECK(push_commit("after-kill.txt") == 0);
	start_controller();
	CHECK(run("kubectl -n %s annotate gitrepository via-https reconcile.fluxcd.io/requestedAt=restart --overwrite >/dev/null", ns) == 0);
	/* the request handled means the new commit's artifact was written, and the temp files
	 * beside it swept, before the status write */
	o = wait_handled("via-https", "restart", 60);
	json_decref(o);
	o = wait_ready("via-https", "True", NULL, NULL, 30);
	json_decref(o);
	CHECK(stat(tmp, &st) != 0);
	json_decref(wait_ready("via-ssh", "True", NULL, NULL, 10));
}

/* A symlink that points out of the repository would make every consumer refuse the artifact
 * (the tree reader refuses links out of the tree): it is left out, as Flux leaves it out, and
 * a Warning event says so; links inside the tree stay. */
static void symlinks_out_of_tree_left_out(void)
{
	char spec[1024], lrepo[64], list[4096] = "";
	const char *path;
	json_t *o;

	snprintf(lrepo, sizeof(lrepo), "links-%ld", (long)getpid());
	CHECK(run("set -e; b=%s/%s.git; git init -q --bare -b main $b; git -C $b config http.receivepack true; "
		  "w=$(mktemp -d); git init -q -b main $w; cd $w; mkdir -p deploy/sub; "
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: c}\\n' > deploy/cm.yaml; "
		  "ln -s ../cm.yaml deploy/sub/inside.yaml; ln -s /etc/passwd deploy/abs; ln -s ../../../outside deploy/sub/up; "
		  "git add -A; git -c user.name=t -c user.email=t@t commit -qm links; git push -q $b main; rm -rf $w",
		  getenv("CFLUX_GIT_REPOS"), lrepo) == 0);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  url: %s/%s.git\n  ref:\n    branch: main\n",
		 getenv("CFLUX_GIT_URL_HTTP"), lrepo);
	CHECK(apply_gitrepo("links", spec) == 0);
	o = wait_ready("links", "True", "stored artifact", NULL, 30);
	path = artifact_field(o, "path");
	if (path)
		CHECK(capture(list, sizeof(list), "tar -tzvf %s/%s | awk '{print $6 $7 $8}' | tr '\\n' ' '", store, path) == 0);
	CHECK_CONTAINS(list, "deploy/cm.yaml");
	CHECK_CONTAINS(list, "deploy/sub/inside.yaml->../cm.yaml");
	CHECK(strstr(list, "deploy/abs") == NULL);
	CHECK(strstr(list, "deploy/sub/up") == NULL);
	json_decref(o);
	for (int i = 0; i < 100 && count_events("links", "SymlinksLeftOut") < 1; i++)
		msleep(100);
	CHECK(count_events("links", "SymlinksLeftOut") == 1);
	CHECK(run("kubectl -n %s get events --field-selector involvedObject.name=links,reason=SymlinksLeftOut "
		  "-o jsonpath='{.items[0].message}' | grep -q 'deploy/abs -> /etc/passwd, deploy/sub/up -> ../../../outside'",
		  ns) == 0);
}

static void artifact_over_cap_keeps_previous(void)
{
	char spec[1024], before[72] = "";
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 10m\n  url: %s/%s.git\n  ref:\n    branch: main\n",
		 getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(apply_gitrepo("capped", spec) == 0);
	o = wait_ready("capped", "True", NULL, NULL, 30);
	if (o && artifact_field(o, "digest"))
		snprintf(before, sizeof(before), "%s", artifact_field(o, "digest"));
	json_decref(o);
	/* 2 MiB that does not compress, over the controller's 1 MiB cap */
	CHECK(run("set -e; w=$(mktemp -d); git clone -q %s/%s.git $w/w; cd $w/w; head -c 2097152 /dev/urandom > big.bin; "
		  "git add -A; git -c user.name=t -c user.email=t@t commit -qm big; git push -q origin main; rm -rf $w",
		  getenv("CFLUX_GIT_URL_HTTP"), repo) == 0);
	CHECK(run("kubectl -n %s annotate gitrepository capped reconcile.fluxcd.io/requestedAt=big --overwrite >/dev/null", ns) == 0);
	o = wait_ready("capped", "False", "larger than the limit", NULL, 30);
	if (o)
		CHECK_STR(artifact_field(o, "digest"), before);
	json_decref(o);
}

static void deletion_removes_storage(void)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/gitrepository/%s/ref-tag", store, ns);
	CHECK(deletion_removes_dir(dir, ns, "gitrepository", "ref-tag"));
}

static void sigterm_exits_cleanly(void)
{
	CHECK(sigterm_exits_zero(&controller));
}

static void cleanup(void)
{
	stop_controller(SIGKILL);
	if (kube)
		cf_kube_delete(kube, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	/* the finalizer would hold the namespace: drop finalizers of what is left */
	run("for g in $(kubectl -n %s get gitrepositories -o name 2>/dev/null); do "
	    "kubectl -n %s patch $g --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done", ns, ns);
	run("rm -rf %s %s", store, bare);
	cf_bus_sub_free(notices);
	cf_bus_sub_free(events);
	cf_kube_free(kube);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "over_http", over_http },
	{ "over_https_custom_ca", over_https_custom_ca },
	{ "over_ssh", over_ssh },
	{ "over_http_basic_auth", over_http_basic_auth },
	{ "refs", refs },
	{ "suspend_and_resume", suspend_and_resume },
	{ "new_commit_within_interval_and_on_request", new_commit_within_interval_and_on_request },
	{ "spec_ignore_and_retention", spec_ignore_and_retention },
	{ "removed_ignore_leaves_status", removed_ignore_leaves_status },
	{ "unchanged_remote_costs_no_fetch", unchanged_remote_costs_no_fetch },
	{ "only_flux_url_schemes", only_flux_url_schemes },
	{ "url_credentials_redacted", url_credentials_redacted },
	{ "failures_are_clear", failures_are_clear },
	{ "verify_fails_closed", verify_fails_closed },
	{ "notices_artifacts_and_tampering", notices_artifacts_and_tampering },
	{ "artifact_requests_need_the_token", artifact_requests_need_the_token },
	{ "events_reach_notification_address", events_reach_notification_address },
	{ "git_server_outage", git_server_outage },
	{ "unserved_version_is_not_deleted", unserved_version_is_not_deleted },
	{ "kill_9_and_restart", kill_9_and_restart },
	{ "symlinks_out_of_tree_left_out", symlinks_out_of_tree_left_out },
	{ "artifact_over_cap_keeps_previous", artifact_over_cap_keeps_previous },
	{ "deletion_removes_storage", deletion_removes_storage },
	{ "sigterm_exits_cleanly", sigterm_exits_cleanly },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
