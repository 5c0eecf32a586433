/* tests/integration/test_kustomize_controller.c - bin/kustomize-controller as a process, with
 * bin/source-controller, against the real apiserver and the local Git daemon: a fleet
 * repository with a base and two overlays, pushes, pruning, drift, substitution, dependencies,
 * health checks, suspend, requests, bad manifests, deletion, impersonation and force. */
#include "bus.h"
#include "err.h"
#include "itest.h"
#include "kube.h"
#include "kube_env.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17130"
#define NOTIFY_ADDR "tcp://127.0.0.1:17131"
#define EVENTS_ADDR "tcp://127.0.0.1:17132"
#define KS "kustomize.toolkit.fluxcd.io/v1"

static char ns[64], repo[64], store[] = "/tmp/cflux-kc-XXXXXX", bare[512], work[600];
static pid_t source_ctl, kustomize_ctl;
static cf_kube *kube;
static cf_bus_sub *events;

static pid_t start(const char *bin, const char *const *args)
{
	char log[700];

	snprintf(log, sizeof(log), "%s/%s.log", store, bin + 4);
	return start_logged(bin, args, log);
}

static void stop(pid_t *p, int sig)
{
	int st;

	if (*p > 0) {
		kill(*p, sig);
		waitpid(*p, &st, 0);
		*p = 0;
	}
}

static void start_kustomize_controller(void)
{
	const char *args[] = { "--kubeconfig", getenv("CFLUX_KUBECONFIG_TOKEN"), "--watch-namespace", ns,
			       "--source-notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
			       "--requeue-dependency", "2s", "--log-level", "debug", NULL };
	kustomize_ctl = start("bin/kustomize-controller", args);
}

/* Commits what cmd changed in the work tree and pushes it; the source is asked to look now
 * (as a Receiver would), so nothing waits for an interval. */
static int push(const char *cmd, const char *message)
{
	char stamp[64];

	snprintf(stamp, sizeof(stamp), "%ld-%ld", (long)time(NULL), (long)clock());
	if (run("cd %s && %s && git add -A && git commit -qm '%s' && git push -q origin main", work, cmd, message) != 0)
		return -1;
	return run("kubectl -n %s annotate gitrepository fleet reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null",
		   ns, stamp);
}

static int head(char *out, size_t size)
{
	return capture(out, size, "git -C %s rev-parse HEAD", work);
}

/* A Kustomization in the test namespace; spec is YAML indented two spaces. */
static int apply_ks(const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: Kustomization\nmetadata:\n"
		   "  name: %s\n  namespace: %s\nspec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n"
		   "    name: fleet\n  targetNamespace: %s\n%sEOT\n", KS, name, ns, ns, spec);
}

static json_t *get(const char *api_version, const char *kind, const char *name)
{
	json_t *o = NULL;

	if (kube)
		cf_kube_get(kube, &o, &(cf_kube_ref){ api_version, kind, ns, name });
	return o;
}

static const char *cond(const json_t *o, const char *type, const char *field)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(o, "status"), "conditions"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return json_string_value(json_object_get(c, field));
	return NULL;
}

/* Waits until the Kustomization's Ready is want, its message contains text, and (if reason)
 * its reason is that. Returns the object (caller decrefs) or NULL after a failure. */
static json_t *wait_ks(const char *name, const char *want, const char *reason, const char *text, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *rs;
		json_decref(o);
		o = get(KS, "Kustomization", name);
		st = cond(o, "Ready", "status");
		msg = cond(o, "Ready", "message");
		rs = cond(o, "Ready", "reason");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!reason || (rs && strcmp(rs, reason) == 0)))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: Ready is %s %s \"%s\", want %s %s with \"%s\"", name,
		     cond(o, "Ready", "status") ? cond(o, "Ready", "status") : "(none)",
		     cond(o, "Ready", "reason") ? cond(o, "Ready", "reason") : "",
		     cond(o, "Ready", "message") ? cond(o, "Ready", "message") : "", want, reason ? reason : "", text ? text : "");
	json_decref(o);
	return NULL;
}

static const char *data_of(const json_t *cm, const char *key)
{
	return json_string_value(json_object_get(json_object_get(cm, "data"), key));
}

/* Waits until ConfigMap name's data[key] is want (NULL: until it is gone). */
static int wait_cm(const char *name, const char *key, const char *want, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		json_t *o = get("v1", "ConfigMap", name);
		const char *v = data_of(o, key);
		int ok = want ? (v && strcmp(v, want) == 0) : o == NULL;
		json_decref(o);
		if (ok)
			return 0;
		msleep(100);
	}
	return -1;
}

static long long replicas_of(const char *name)
{
	json_t *o = get("apps/v1", "Deployment", name);
	long long r = json_integer_value(json_object_get(json_object_get(o, "spec"), "replicas"));
	json_decref(o);
	return r;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define FILE_(path, text) "mkdir -p $(dirname " path ") && printf '" text "' > " path

static void setup(void)
{
	const char *src_args[9];
	char url[600], sargs_store[700];
	json_t *nso;

	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || env_need("CFLUX_GIT_URL_GIT") == NULL || mkdtemp(store) == NULL)
		return;
	kube = kube_client(NULL, NULL);
	snprintf(ns, sizeof(ns), "cflux-kc-%ld", (long)getpid());
	snprintf(repo, sizeof(repo), "fleet-%ld", (long)getpid());
	snprintf(bare, sizeof(bare), "%s/%s.git", getenv("CFLUX_GIT_REPOS"), repo);
	snprintf(work, sizeof(work), "%s/work", store);
	nso = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	CHECK_OK(cf_kube_create(kube, NULL, nso));
	json_decref(nso);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	/* the fleet: a base, two overlays, a folder without a kustomization.yaml, bad manifests */
	CHECK(run("set -e; git init -q --bare -b main %s; git -C %s config daemon.receivepack true; "
		  "git init -q -b main %s; cd %s; git config user.name cflux; git config user.email cflux@localhost; "
		  "git remote add origin %s", bare, bare, work, work, bare) == 0);
	CHECK(run("set -e; cd %s; mkdir -p apps/base apps/dev apps/prod extra bad/yaml bad/kind bad/field health immutable\n"
		  "cat > apps/base/kustomization.yaml <<'EOT'\nresources: [deployment.yaml, service.yaml, config.yaml]\nEOT\n"
		  "cat > apps/base/deployment.yaml <<'EOT'\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
		  "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
		  "    spec:\n      containers:\n      - name: web\n        image: nginx:1.0\n        ports:\n        - containerPort: 80\nEOT\n"
		  "cat > apps/base/service.yaml <<'EOT'\napiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n"
		  "  selector: {app: web}\n  ports:\n  - port: 80\nEOT\n"
		  "cat > apps/base/config.yaml <<'EOT'\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n"
		  "data:\n  greeting: ${GREETING:=hello}\n  word: ${WORD}\n  literal: $${KEEP}\n  color: blue\nEOT\n"
		  "cat > apps/dev/kustomization.yaml <<'EOT'\nresources: [../base]\nnamePrefix: dev-\n"
		  "patches:\n- patch: '{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app\"},\"spec\":{\"replicas\":2}}'\nEOT\n"
		  "cat > apps/prod/kustomization.yaml <<'EOT'\nresources: [../base]\nnamePrefix: prod-\n"
		  "images:\n- name: nginx\n  newTag: \"2.0\"\n"
		  "patches:\n- patch: '{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app\"},\"spec\":{\"replicas\":3}}'\nEOT\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra-one\\ndata:\\n  count: \"1\"\\n' > extra/one.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra-kept\\n  annotations:\\n"
		  "    kustomize.toolkit.fluxcd.io/prune: disabled\\ndata:\\n  count: \"2\"\\n' > extra/kept.yaml\n"
		  "printf 'replicaCount: 3\\n' > extra/values.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: bad-yaml-cm\\ndata: {a: \"1\"}\\n' > bad/yaml/ok.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: broken\\n data:\\n   x: [\\n' > bad/yaml/broken.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: bad-kind-cm\\n' > bad/kind/ok.yaml\n"
		  "printf 'apiVersion: example.com/v1\\nkind: Frobnicator\\nmetadata:\\n  name: frob\\n' > bad/kind/frob.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: bad-field-cm\\n' > bad/field/ok.yaml\n"
		  "printf 'apiVersion: v1\\nkind: Service\\nmetadata:\\n  name: bad-field-svc\\nspec:\\n  ports:\\n  - port: many\\n' > bad/field/svc.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: frozen\\nimmutable: true\\ndata:\\n  v: \"1\"\\n' > immutable/cm.yaml\n"
		  "git add -A; git commit -qm fleet; git push -q origin main", work) == 0);
	CHECK(run("kubectl -n %s create configmap vars --from-literal=GREETING='hello from configmap' >/dev/null && "
		  "kubectl -n %s create secret generic secret-vars --from-literal=WORD=swordfish >/dev/null", ns, ns) == 0);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_GIT"), repo);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		  "metadata:\n  name: fleet\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n  ref:\n    branch: main\nEOT\n",
		  ns, url) == 0);
	CHECK_OK(cf_bus_sub_open(&events, EVENTS_ADDR, 1));
	snprintf(sargs_store, sizeof(sargs_store), "%s/storage", store);
	src_args[0] = "--kubeconfig"; src_args[1] = getenv("CFLUX_KUBECONFIG_TOKEN");
	src_args[2] = "--watch-namespace"; src_args[3] = ns;
	src_args[4] = "--storage-path"; src_args[5] = sargs_store;
	src_args[6] = NULL;
	{
		const char *args[] = { src_args[0], src_args[1], src_args[2], src_args[3], src_args[4], src_args[5],
				       "--artifact-addr", ART_ADDR, "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR, NULL };
		source_ctl = start("bin/source-controller", args);
	}
	start_kustomize_controller();
	CHECK(source_ctl > 0 && kustomize_ctl > 0);
}

static int inventory_is(const json_t *o, const char *const *ids)
{
	const json_t *entries = json_object_get(json_object_get(json_object_get(o, "status"), "inventory"), "entries"), *e;
	size_t i, n = 0;

	for (; ids[n]; n++)
		;
	if (json_array_size(entries) != n)
		return 0;
	json_array_foreach(entries, i, e) {
		int found = 0;
		for (size_t j = 0; j < n; j++)
			found |= strcmp(json_string_value(json_object_get(e, "id")), ids[j]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

static void overlays_applied_and_ready(void)
{
	char rev[128], c[64], ids[3][200];
	const char *want[4] = { ids[0], ids[1], ids[2], NULL };
	json_t *o, *d;
	const char *img;

	CHECK(head(c, sizeof(c)) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", c);
	CHECK(apply_ks("dev", "  path: ./apps/dev\n  prune: true\n  postBuild:\n    substitute:\n      EXTRA: x\n"
			      "    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n    - kind: Secret\n      name: secret-vars\n") == 0);
	CHECK(apply_ks("prod", "  path: ./apps/prod\n  prune: true\n") == 0);
	CHECK(apply_ks("extra", "  path: ./extra\n  prune: true\n  commonMetadata:\n    labels:\n      team: blue\n") == 0);
	for (int i = 0; i < 3; i++) {
		const char *n = i == 0 ? "dev" : i == 1 ? "prod" : "extra";
		o = wait_ks(n, "True", "ReconciliationSucceeded", rev, 60);
		if (o && i == 0) {
			snprintf(ids[0], sizeof(ids[0]), "%s_dev-app_apps_Deployment", ns);
			snprintf(ids[1], sizeof(ids[1]), "%s_dev-app__Service", ns);
			snprintf(ids[2], sizeof(ids[2]), "%s_dev-app-config__ConfigMap", ns);
			CHECK(inventory_is(o, want));
			CHECK_STR(json_string_value(json_object_get(json_object_get(o, "status"), "lastAppliedRevision")), rev);
		}
		if (o && i == 2) {
			snprintf(ids[0], sizeof(ids[0]), "%s_extra-one__ConfigMap", ns);
			snprintf(ids[1], sizeof(ids[1]), "%s_extra-kept__ConfigMap", ns);
			want[2] = NULL;   /* values.yaml is not a manifest: the generated kustomization leaves it out */
			CHECK(inventory_is(o, want));
		}
		json_decref(o);
	}
	CHECK(replicas_of("dev-app") == 2);
	CHECK(replicas_of("prod-app") == 3);
	d = get("apps/v1", "Deployment", "prod-app");
	img = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
		json_object_get(d, "spec"), "template"), "spec"), "containers"), 0), "image"));
	CHECK_STR(img, "nginx:2.0");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(d, "metadata"), "labels"),
						    "kustomize.toolkit.fluxcd.io/name")), "prod");
	json_decref(d);
	d = get("v1", "ConfigMap", "extra-one");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(d, "metadata"), "labels"), "team")), "blue");
	json_decref(d);
}

static void postbuild_substitution(void)
{
	json_t *dev = get("v1", "ConfigMap", "dev-app-config"), *prod = get("v1", "ConfigMap", "prod-app-config");

	CHECK_STR(data_of(dev, "greeting"), "hello from configmap");   /* ConfigMap beats the default */
	CHECK_STR(data_of(dev, "word"), "swordfish");                  /* from the Secret */
	CHECK_STR(data_of(dev, "literal"), "${KEEP}");                 /* $$ escapes */
	CHECK_STR(data_of(prod, "greeting"), "${GREETING:=hello}");    /* no postBuild: untouched */
	json_decref(dev);
	json_decref(prod);
}

static void push_is_applied_at_once(void)
{
	double t0;

	t0 = now_s();
	CHECK(push("sed -i 's/color: blue/color: green/' apps/base/config.yaml", "green") == 0);
	CHECK(wait_cm("dev-app-config", "color", "green", 20) == 0);
	CHECK(wait_cm("prod-app-config", "color", "green", 20) == 0);
	/* the interval is 1h: only the source's notice can have done this */
	printf("# push -> applied: %.2fs\n", now_s() - t0);
}

static void removed_file_is_pruned(void)
{
	char c[64], rev[128];
	json_t *o;

	CHECK(push("git rm -q extra/one.yaml extra/kept.yaml", "remove extra objects") == 0);
	CHECK(head(c, sizeof(c)) == 0);
	snprintf(rev, sizeof(rev), "main@sha1:%s", c);
	CHECK(wait_cm("extra-one", "count", NULL, 20) == 0);
	o = wait_ks("extra", "True", NULL, rev, 20);
	json_decref(o);
	o = get("v1", "ConfigMap", "extra-kept");
	CHECK(o != NULL);   /* prune: disabled */
	json_decref(o);
	CHECK(push(FILE_("extra/one.yaml", "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra-one\\ndata:\\n  count: \"1\"\\n"),
		   "extra-one back") == 0);
	CHECK(wait_cm("extra-one", "count", "1", 20) == 0);
}

static int k8s_event_contains(const char *text)
{
	char out[65536];

	if (capture(out, sizeof(out), "kubectl -n %s get events --field-selector involvedObject.kind=Kustomization "
		    "-o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}'", ns) != 0)
		return 0;
	return strstr(out, text) != NULL;
}

static void drift_is_reverted(void)
{
	int ok = 0;
	double t0 = now_s();

	CHECK(run("kubectl -n %s scale deployment dev-app --replicas=5 >/dev/null", ns) == 0);
	for (int i = 0; i < 100 && !ok; i++) {
		msleep(100);
		ok = replicas_of("dev-app") == 2;
	}
	CHECK(ok);
	printf("# scale reverted in %.2fs\n", now_s() - t0);
	CHECK(run("kubectl -n %s patch configmap dev-app-config --type merge -p '{\"data\":{\"color\":\"red\"}}' >/dev/null", ns) == 0);
	CHECK(wait_cm("dev-app-config", "color", "green", 10) == 0);
	CHECK(run("kubectl -n %s delete service dev-app >/dev/null", ns) == 0);
	ok = 0;
	for (int i = 0; i < 100 && !ok; i++) {
		json_t *s = get("v1", "Service", "dev-app");
		ok = s != NULL;
		json_decref(s);
		msleep(100);
	}
	CHECK(ok);
	msleep(500);
	CHECK(k8s_event_contains("drift corrected"));
	CHECK(k8s_event_contains("Deployment/"));
}

static void nng_events_carry_the_revision(void)
{
	cf_buf scratch = CF_BUF_INIT(1u << 20);
	cf_bus_msg m;
	int found = 0;

	/* everything sent so far is queued on the PULL socket */
	while (!found && cf_bus_sub_recv(events, &m, &scratch, 2000) == 0) {
		json_t *ev = json_loads(m.json, 0, NULL);
		const char *ctl = json_string_value(json_object_get(ev, "reportingController"));
		const char *rev = json_string_value(json_object_get(json_object_get(ev, "metadata"), "revision"));
		found = ctl && strcmp(ctl, "kustomize-controller") == 0 && rev && strncmp(rev, "main@sha1:", 10) == 0 &&
			json_object_get(ev, "involvedObject");
		json_decref(ev);
	}
	CHECK(found);
	cf_buf_free(&scratch);
}

static void depends_on_orders(void)
{
	json_t *o, *cm;

	CHECK(apply_ks("after", "  path: ./immutable\n  prune: true\n  dependsOn:\n  - name: before\n") == 0);
	o = wait_ks("after", "False", "DependencyNotReady", "dependency", 30);
	json_decref(o);
	cm = get("v1", "ConfigMap", "frozen");
	CHECK(cm == NULL);   /* nothing applied while the dependency is missing */
	json_decref(cm);
	CHECK(apply_ks("before", "  path: ./extra\n  namePrefix: before-\n  prune: true\n") == 0);
	o = wait_ks("before", "True", NULL, NULL, 30);
	json_decref(o);
	o = wait_ks("after", "True", "ReconciliationSucceeded", NULL, 30);
	json_decref(o);
	CHECK(wait_cm("frozen", "v", "1", 5) == 0);
}

static void immutable_change_needs_force(void)
{
	json_t *o;

	CHECK(push("sed -i 's/v: \"1\"/v: \"2\"/' immutable/cm.yaml", "change an immutable ConfigMap") == 0);
	o = wait_ks("after", "False", "ReconciliationFailed", "immutable", 30);
	json_decref(o);
	CHECK(wait_cm("frozen", "v", "1", 1) == 0);
	CHECK(run("kubectl -n %s patch kustomization after --type merge -p '{\"spec\":{\"force\":true}}' >/dev/null", ns) == 0);
	CHECK(wait_cm("frozen", "v", "2", 30) == 0);
	o = wait_ks("after", "True", NULL, NULL, 30);
	json_decref(o);
}

static void health_check_names_the_object(void)
{
	double t0 = now_s(), took;
	json_t *o;

	/* nothing runs pods here: a Deployment never becomes available */
	CHECK(apply_ks("health", "  path: ./apps/prod\n  namePrefix: health-\n  prune: false\n  wait: true\n  timeout: 3s\n") == 0);
	o = wait_ks("health", "False", "HealthCheckFailed", "Deployment/", 30);
	took = now_s() - t0;
	if (o) {
		CHECK_CONTAINS(cond(o, "Ready", "message"), "health-app");
		CHECK_CONTAINS(cond(o, "Ready", "message"), "timeout waiting for");
		CHECK_STR(cond(o, "Healthy", "status"), "False");
	}
	CHECK(took >= 3);
	json_decref(o);
	/* objects that are healthy as soon as they exist pass */
	CHECK(apply_ks("healthy", "  path: ./extra\n  namePrefix: healthy-\n  prune: false\n  healthChecks:\n  - apiVersion: v1\n"
				  "    kind: ConfigMap\n    name: healthy-extra-one\n") == 0);
	o = wait_ks("healthy", "True", NULL, NULL, 30);
	CHECK_STR(cond(o, "Healthy", "status"), "True");
	json_decref(o);
}

static void suspend_stops_applying(void)
{
	json_t *o;

	CHECK(run("kubectl -n %s patch kustomization extra --type merge -p '{\"spec\":{\"suspend\":true}}' >/dev/null", ns) == 0);
	msleep(1000);
	CHECK(push(FILE_("extra/two.yaml", "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra-two\\ndata:\\n  count: \"2\"\\n"),
		   "extra-two") == 0);
	CHECK(wait_cm("extra-two", "count", "2", 4) < 0);   /* suspended: not applied */
	CHECK(run("kubectl -n %s patch kustomization extra --type merge -p '{\"spec\":{\"suspend\":false}}' >/dev/null", ns) == 0);
	CHECK(wait_cm("extra-two", "count", "2", 20) == 0);
	o = wait_ks("extra", "True", NULL, NULL, 10);
	json_decref(o);
}

static void requested_at_forces_a_reconcile(void)
{
	json_t *o = NULL;
	int ok = 0;

	CHECK(run("kubectl -n %s annotate kustomization prod reconcile.fluxcd.io/requestedAt=now-1 --overwrite >/dev/null", ns) == 0);
	for (int i = 0; i < 100 && !ok; i++) {
		const char *h;
		json_decref(o);
		o = get(KS, "Kustomization", "prod");
		h = json_string_value(json_object_get(json_object_get(o, "status"), "lastHandledReconcileAt"));
		ok = h && strcmp(h, "now-1") == 0;
		msleep(100);
	}
	CHECK(ok);
	json_decref(o);
}

static void bad_manifests_fail_only_their_kustomization(void)
{
	json_t *o, *cm;

	CHECK(apply_ks("bad-yaml", "  path: ./bad/yaml\n  prune: false\n") == 0);
	CHECK(apply_ks("bad-kind", "  path: ./bad/kind\n  prune: false\n") == 0);
	CHECK(apply_ks("bad-field", "  path: ./bad/field\n  prune: false\n") == 0);
	o = wait_ks("bad-yaml", "False", "BuildFailed", "bad/yaml/broken.yaml", 30);
	json_decref(o);
	o = wait_ks("bad-kind", "False", "ReconciliationFailed", "Frobnicator", 30);
	json_decref(o);
	o = wait_ks("bad-field", "False", "ReconciliationFailed", "Service/", 30);
	if (o)
		CHECK_CONTAINS(cond(o, "Ready", "message"), "bad-field-svc");
	json_decref(o);
	/* nothing of a failed revision was applied */
	cm = get("v1", "ConfigMap", "bad-yaml-cm");
	CHECK(cm == NULL);
	json_decref(cm);
	cm = get("v1", "ConfigMap", "bad-kind-cm");
	CHECK(cm == NULL);
	json_decref(cm);
	cm = get("v1", "ConfigMap", "bad-field-cm");
	CHECK(cm == NULL);
	json_decref(cm);
	/* and the others are untouched */
	o = wait_ks("dev", "True", "ReconciliationSucceeded", NULL, 5);
	json_decref(o);
	CHECK(apply_ks("no-ns", "  path: ./extra\n  namePrefix: nons-\n  prune: false\n") == 0);
	CHECK(run("kubectl -n %s patch kustomization no-ns --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/targetNamespace\"}]' >/dev/null", ns) == 0);
	o = wait_ks("no-ns", "False", "BuildFailed", "namespace not specified", 30);
	json_decref(o);
}

static void impersonation_applies_as_the_account(void)
{
	json_t *o;

	CHECK(apply_ks("as-nobody", "  path: ./extra\n  namePrefix: nobody-\n  prune: false\n  serviceAccountName: nobody\n") == 0);
	o = wait_ks("as-nobody", "False", "ReconciliationFailed", "system:serviceaccount:", 30);
	if (o)
		CHECK_CONTAINS(cond(o, "Ready", "message"), "forbidden");
	json_decref(o);
	o = get("v1", "ConfigMap", "nobody-extra-one");
	CHECK(o == NULL);
	json_decref(o);
}

static void deletion_prunes_only_its_objects(void)
{
	json_t *o;

	CHECK(run("kubectl -n %s delete kustomization prod --wait=true --timeout=30s >/dev/null", ns) == 0);
	CHECK(wait_cm("prod-app-config", "color", NULL, 10) == 0);
	o = get("apps/v1", "Deployment", "prod-app");
	CHECK(o == NULL);
	json_decref(o);
	o = get("apps/v1", "Deployment", "dev-app");   /* another Kustomization's */
	CHECK(o != NULL);
	json_decref(o);
	o = get("v1", "ConfigMap", "vars");            /* never in an inventory */
	CHECK(o != NULL);
	json_decref(o);
}

/* ---- lockdown: a tenant namespace with its own source-controller and a kustomize-controller
 * run with Flux's multi-tenancy flags and one worker ---- */

#define T_ART_ADDR "tcp://127.0.0.1:17133"
#define T_NOTIFY_ADDR "tcp://127.0.0.1:17134"
#define T_SOURCE "  sourceRef:\n    kind: GitRepository\n    name: fleet\n"

static char tns[80];
static pid_t tenant_source_ctl, tenant_ctl;

/* A Kustomization in the tenant namespace; spec (YAML indented two spaces) has its sourceRef,
 * and prune: false unless it says. */
static int apply_tenant_ks(const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: Kustomization\nmetadata:\n"
		   "  name: %s\n  namespace: %s\nspec:\n  interval: 1h\n  retryInterval: 2s\n  targetNamespace: %s\n%s%sEOT\n",
		   KS, name, tns, tns, strstr(spec, "  prune:") ? "" : "  prune: false\n", spec);
}

static json_t *get_tenant(const char *api_version, const char *kind, const char *name)
{
	json_t *o = NULL;

	if (kube)
		cf_kube_get(kube, &o, &(cf_kube_ref){ api_version, kind, tns, name });
	return o;
}

/* As wait_ks, in the tenant namespace. */
static json_t *wait_tenant_ks(const char *name, const char *want, const char *reason, const char *text, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *rs;
		json_decref(o);
		o = get_tenant(KS, "Kustomization", name);
		st = cond(o, "Ready", "status");
		msg = cond(o, "Ready", "message");
		rs = cond(o, "Ready", "reason");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!reason || (rs && strcmp(rs, reason) == 0)))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s/%s: Ready is %s %s \"%s\", want %s %s with \"%s\"", tns, name,
		     cond(o, "Ready", "status") ? cond(o, "Ready", "status") : "(none)",
		     cond(o, "Ready", "reason") ? cond(o, "Ready", "reason") : "",
		     cond(o, "Ready", "message") ? cond(o, "Ready", "message") : "", want, reason ? reason : "", text ? text : "");
	json_decref(o);
	return NULL;
}

static void lockdown_setup(void)
{
	char url[600], storage[700], log[700];

	snprintf(tns, sizeof(tns), "%s-tenant", ns);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_GIT"), repo);
	CHECK(run("kubectl create namespace %s >/dev/null", tns) == 0);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		  "metadata:\n  name: fleet\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n  ref:\n    branch: main\nEOT\n",
		  tns, url) == 0);
	/* a kustomization with a remote base, for --no-remote-bases */
	CHECK(push(FILE_("remote/kustomization.yaml", "resources:\\n- https://github.com/fluxcd/flux2//manifests/install?ref=main\\n"),
		   "a remote base") == 0);
	snprintf(storage, sizeof(storage), "%s/tenant-storage", store);
	{
		const char *args[] = { "--kubeconfig", getenv("CFLUX_KUBECONFIG_TOKEN"), "--watch-namespace", tns,
				       "--storage-path", storage, "--artifact-addr", T_ART_ADDR, "--notify-addr", T_NOTIFY_ADDR,
				       "--events-addr", EVENTS_ADDR, NULL };
		snprintf(log, sizeof(log), "%s/tenant-source-controller.log", store);
		tenant_source_ctl = start_logged("bin/source-controller", args, log);
	}
	{
		const char *args[] = { "--kubeconfig", getenv("CFLUX_KUBECONFIG_TOKEN"), "--watch-namespace", tns,
				       "--source-notify-addr", T_NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
				       "--no-cross-namespace-refs", "--default-service-account", "tenant", "--no-remote-bases=true",
				       "--concurrent", "1", "--log-level", "debug", NULL };
		snprintf(log, sizeof(log), "%s/tenant-kustomize-controller.log", store);
		tenant_ctl = start_logged("bin/kustomize-controller", args, log);
	}
	CHECK(tenant_source_ctl > 0 && tenant_ctl > 0);
}

static void cross_namespace_source_refused(void)
{
	char spec[300], want[300];
	json_t *o, *cm;

	snprintf(spec, sizeof(spec), "  sourceRef:\n    kind: GitRepository\n    name: fleet\n    namespace: %s\n"
		 "  path: ./extra\n  namePrefix: cross-\n", ns);
	CHECK(apply_tenant_ks("cross-source", spec) == 0);
	snprintf(want, sizeof(want), "can't access 'GitRepository/%s/fleet', cross-namespace references have been blocked", ns);
	o = wait_tenant_ks("cross-source", "False", "AccessDenied", want, 30);
	if (o)
		CHECK_STR(cond(o, "Stalled", "status"), "True");
	json_decref(o);
	cm = get_tenant("v1", "ConfigMap", "cross-extra-one");
	CHECK(cm == NULL);
	json_decref(cm);
}

static void cross_namespace_dependency_refused(void)
{
	char spec[300], want[300];
	json_t *o;

	snprintf(spec, sizeof(spec), T_SOURCE "  path: ./extra\n  namePrefix: dep-\n  dependsOn:\n  - name: dev\n    namespace: %s\n", ns);
	CHECK(apply_tenant_ks("cross-dep", spec) == 0);
	snprintf(want, sizeof(want), "can't access 'Kustomization/%s/dev', cross-namespace references have been blocked", ns);
	o = wait_tenant_ks("cross-dep", "False", "AccessDenied", want, 30);
	json_decref(o);
	o = get_tenant("v1", "ConfigMap", "dep-extra-one");
	CHECK(o == NULL);
	json_decref(o);
}

/* Without serviceAccountName the apply is made as --default-service-account: refused until
 * that account is given rights in the namespace; a named account still wins. */
static void default_service_account_impersonated(void)
{
	char want[200];
	json_t *o;

	CHECK(apply_tenant_ks("as-default", T_SOURCE "  path: ./extra\n  namePrefix: tenant-\n  prune: true\n") == 0);
	snprintf(want, sizeof(want), "system:serviceaccount:%s:tenant", tns);
	o = wait_tenant_ks("as-default", "False", "ReconciliationFailed", want, 30);
	if (o)
		CHECK_CONTAINS(cond(o, "Ready", "message"), "forbidden");
	json_decref(o);
	o = get_tenant("v1", "ConfigMap", "tenant-extra-one");
	CHECK(o == NULL);
	json_decref(o);
	CHECK(run("kubectl -n %s create role tenant-all --verb='*' --resource='*.*' >/dev/null && "
		  "kubectl -n %s create rolebinding tenant-all --role=tenant-all --serviceaccount=%s:tenant >/dev/null",
		  tns, tns, tns) == 0);
	o = wait_tenant_ks("as-default", "True", "ReconciliationSucceeded", NULL, 30);
	json_decref(o);
	o = get_tenant("v1", "ConfigMap", "tenant-extra-one");
	CHECK(o != NULL);
	json_decref(o);
	CHECK(apply_tenant_ks("as-named", T_SOURCE "  path: ./extra\n  namePrefix: named-\n  serviceAccountName: nobody\n") == 0);
	snprintf(want, sizeof(want), "system:serviceaccount:%s:nobody", tns);
	o = wait_tenant_ks("as-named", "False", "ReconciliationFailed", want, 30);
	json_decref(o);
}

static void remote_base_refused(void)
{
	json_t *o;

	CHECK(apply_tenant_ks("remote", T_SOURCE "  path: ./remote\n") == 0);
	o = wait_tenant_ks("remote", "False", "BuildFailed", "--no-remote-bases", 30);
	if (o) {
		CHECK_CONTAINS(cond(o, "Ready", "message"), "remote/kustomization.yaml");
		CHECK_CONTAINS(cond(o, "Ready", "message"), "https://github.com/fluxcd/flux2//manifests/install");
	}
	json_decref(o);
}

/* One worker: a Kustomization that waits for a Deployment that never becomes available does
 * not keep another one from being applied meanwhile. */
static void health_wait_frees_the_worker(void)
{
	json_t *o;
	double t0;

	CHECK(apply_tenant_ks("slow", T_SOURCE "  path: ./apps/prod\n  namePrefix: slow-\n  wait: true\n  timeout: 40s\n") == 0);
	o = wait_tenant_ks("slow", "Unknown", "Progressing", NULL, 30);
	if (o) {
		CHECK_STR(cond(o, "Reconciling", "status"), "True");
		CHECK_CONTAINS(cond(o, "Reconciling", "message"), "Running health checks for revision main@sha1:");
		CHECK_CONTAINS(cond(o, "Reconciling", "message"), "with a timeout of 40s");
	}
	json_decref(o);
	t0 = now_s();
	CHECK(apply_tenant_ks("quick", T_SOURCE "  path: ./extra\n  namePrefix: quick-\n") == 0);
	o = wait_tenant_ks("quick", "True", "ReconciliationSucceeded", NULL, 15);
	json_decref(o);
	printf("# applied while another waits for health: %.2fs\n", now_s() - t0);
	o = get_tenant(KS, "Kustomization", "slow");
	CHECK_STR(cond(o, "Ready", "status"), "Unknown");   /* still waiting, and the worker was free */
	json_decref(o);
	/* the wait ends at its deadline, as Flux words it */
	CHECK(run("kubectl -n %s patch kustomization slow --type merge -p '{\"spec\":{\"timeout\":\"2s\"}}' >/dev/null", tns) == 0);
	o = wait_tenant_ks("slow", "False", "HealthCheckFailed", "timeout waiting for: [Deployment/", 30);
	json_decref(o);
}

static void lockdown_cleanup(void)
{
	stop(&tenant_ctl, SIGKILL);
	stop(&tenant_source_ctl, SIGKILL);
	if (tns[0] == '\0')
		return;
	run("for k in gitrepositories kustomizations; do for g in $(kubectl -n %s get $k -o name 2>/dev/null); do "
	    "kubectl -n %s patch $g --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; done", tns, tns);
	run("kubectl delete namespace %s --wait=false >/dev/null 2>&1", tns);
}

static void sigterm_exits_cleanly(void)
{
	CHECK(sigterm_exits_zero(&kustomize_ctl));
}

static void cleanup(void)
{
	stop(&kustomize_ctl, SIGKILL);
	stop(&source_ctl, SIGKILL);
	if (kube)
		cf_kube_delete(kube, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	run("for k in gitrepositories kustomizations; do for g in $(kubectl -n %s get $k -o name 2>/dev/null); do "
	    "kubectl -n %s patch $g --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; done", ns, ns);
	if (getenv("CFLUX_KEEP_LOGS") == NULL)
		run("rm -rf %s %s", store, bare);
	cf_bus_sub_free(events);
	cf_kube_free(kube);
}

static const cf_test_case cases[] = {
	{ "setup", setup },
	{ "overlays_applied_and_ready", overlays_applied_and_ready },
	{ "postbuild_substitution", postbuild_substitution },
	{ "push_is_applied_at_once", push_is_applied_at_once },
	{ "removed_file_is_pruned", removed_file_is_pruned },
	{ "drift_is_reverted", drift_is_reverted },
	{ "nng_events_carry_the_revision", nng_events_carry_the_revision },
	{ "depends_on_orders", depends_on_orders },
	{ "immutable_change_needs_force", immutable_change_needs_force },
	{ "health_check_names_the_object", health_check_names_the_object },
	{ "suspend_stops_applying", suspend_stops_applying },
	{ "requested_at_forces_a_reconcile", requested_at_forces_a_reconcile },
	{ "bad_manifests_fail_only_their_kustomization", bad_manifests_fail_only_their_kustomization },
	{ "impersonation_applies_as_the_account", impersonation_applies_as_the_account },
	{ "deletion_prunes_only_its_objects", deletion_prunes_only_its_objects },
	{ "lockdown_setup", lockdown_setup },
	{ "cross_namespace_source_refused", cross_namespace_source_refused },
	{ "cross_namespace_dependency_refused", cross_namespace_dependency_refused },
	{ "default_service_account_impersonated", default_service_account_impersonated },
	{ "remote_base_refused", remote_base_refused },
	{ "health_wait_frees_the_worker", health_wait_frees_the_worker },
	{ "lockdown_cleanup", lockdown_cleanup },
	{ "sigterm_exits_cleanly", sigterm_exits_cleanly },
	{ "cleanup", cleanup },
};
CF_TEST_MAIN(cases)
