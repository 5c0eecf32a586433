/* tests/integration/test_kustomize_controller.c - bin/kustomize-controller as a process, with
 * bin/source-controller, against the real apiserver and the local Git daemon: a fleet
 * repository with a base and two overlays, pushes, pruning, drift, substitution, dependencies,
 * health checks, suspend, requests, bad manifests, deletion, impersonation and force, and objects
 * that move between Kustomizations (never pruned by the one they left). */
#include "bus/bus.h"
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "test.h"
#include "util/err.h"
#include "yaml/yaml.h"

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

static void start_kustomize_controller(void)
{
	const char *args[] = { "--kubeconfig", controller_kubeconfig("kustomize-controller"), "--watch-namespace", ns,
			       "--internal-token-file", internal_token_file(),
			       "--source-notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
			       "--requeue-dependency", "2s", "--log-level", "debug", NULL };
	kustomize_ctl = start_in(store, "bin/kustomize-controller", args);
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

/* Waits until the Kustomization n/name's Ready is want, its message contains text, and (if
 * reason) its reason is that. Returns the object (caller decrefs) or NULL after a failure. */
static json_t *wait_ks_in(const char *n, const char *name, const char *want, const char *reason, const char *text,
			  int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *rs;
		json_decref(o);
		o = NULL;
		if (kube)
			cf_kube_get(kube, &o, &(cf_kube_ref){ KS, "Kustomization", n, name });
		st = cond_field(o, "Ready", "status");
		msg = cond_field(o, "Ready", "message");
		rs = cond_field(o, "Ready", "reason");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!reason || (rs && strcmp(rs, reason) == 0)))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s/%s: Ready is %s %s \"%s\", want %s %s with \"%s\"", n, name,
		     cond_field(o, "Ready", "status") ? cond_field(o, "Ready", "status") : "(none)",
		     cond_field(o, "Ready", "reason") ? cond_field(o, "Ready", "reason") : "",
		     cond_field(o, "Ready", "message") ? cond_field(o, "Ready", "message") : "", want, reason ? reason : "", text ? text : "");
	json_decref(o);
	return NULL;
}

static json_t *wait_ks(const char *name, const char *want, const char *reason, const char *text, int secs)
{
	return wait_ks_in(ns, name, want, reason, text, secs);
}

/* A Kustomization in the test namespace without targetNamespace, from source; spec as in apply_ks. */
static int apply_ks_from(const char *name, const char *source, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: Kustomization\nmetadata:\n"
		   "  name: %s\n  namespace: %s\nspec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n"
		   "    name: %s\n%sEOT\n", KS, name, ns, source, spec);
}

static int suspend(const char *name, int on)
{
	return run("kubectl -n %s patch kustomization %s --type merge -p '{\"spec\":{\"suspend\":%s}}' >/dev/null", ns, name,
		   on ? "true" : "false");
}

/* Asks Kustomization name for a reconcile and waits until the controller has handled the request
 * (it does also when suspended): what it did not do by then, it did not do for this state. */
static int request_handled(const char *name, int secs)
{
	char stamp[64];

	snprintf(stamp, sizeof(stamp), "req-%ld-%ld", (long)time(NULL), (long)clock());
	if (run("kubectl -n %s annotate kustomization %s reconcile.fluxcd.io/requestedAt=%s --overwrite >/dev/null", ns, name,
		stamp) != 0)
		return -1;
	for (int i = 0; i < secs * 10; i++) {
		json_t *o = get(KS, "Kustomization", name);
		const char *h = json_string_value(json_object_get(json_object_get(o, "status"), "lastHandledReconcileAt"));
		int ok = h && strcmp(h, stamp) == 0;
		json_decref(o);
		if (ok)
			return 0;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: request %s not handled in %d s", name, stamp, secs);
	return -1;
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

	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || env_need("CFLUX_GIT_URL_HTTP") == NULL || mkdtemp(store) == NULL)
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
		  "mkdir sa; printf 'apiVersion: v1\\nkind: ServiceAccount\\nmetadata:\\n  name: sa-foreign\\n' > sa/foreign.yaml\n"
		  "printf 'apiVersion: v1\\nkind: ServiceAccount\\nmetadata:\\n  name: sa-ours\\n  labels:\\n    tier: back\\n' > sa/ours.yaml\n"
		  "mkdir adopt; printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: prod-app-config\\ndata:\\n  owner: adopter\\n' > adopt/cm.yaml\n"
		  "git add -A; git commit -qm fleet; git push -q origin main", work) == 0);
	CHECK(run("kubectl -n %s create configmap vars --from-literal=GREETING='hello from configmap' >/dev/null && "
		  "kubectl -n %s create secret generic secret-vars --from-literal=WORD=swordfish >/dev/null", ns, ns) == 0);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		  "metadata:\n  name: fleet\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n  ref:\n    branch: main\nEOT\n",
		  ns, url) == 0);
	CHECK_OK(cf_bus_sub_open(&events, EVENTS_ADDR, 1));
	CHECK_OK(cf_bus_sub_require_token(events, internal_token()));   /* the controllers send theirs */
	snprintf(sargs_store, sizeof(sargs_store), "%s/storage", store);
	src_args[0] = "--kubeconfig"; src_args[1] = controller_kubeconfig("source-controller");
	src_args[2] = "--watch-namespace"; src_args[3] = ns;
	src_args[4] = "--storage-path"; src_args[5] = sargs_store;
	src_args[6] = NULL;
	{
		const char *args[] = { src_args[0], src_args[1], src_args[2], src_args[3], src_args[4], src_args[5],
				       "--internal-token-file", internal_token_file(),
				       "--artifact-addr", ART_ADDR, "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR, NULL };
		source_ctl = start_in(store, "bin/source-controller", args);
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

static int in_inventory(const json_t *o, const char *id)
{
	const json_t *entries = json_object_get(json_object_get(json_object_get(o, "status"), "inventory"), "entries"), *e;
	size_t i;

	json_array_foreach(entries, i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			return 1;
	return 0;
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

/* Waits until a Kustomization event of the test namespace contains text. */
static int wait_event(const char *text, int secs)
{
	for (int i = 0; i < secs * 4; i++) {
		if (k8s_event_contains(text))
			return 1;
		msleep(250);
	}
	return 0;
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
	CHECK(wait_event("drift corrected", 10));
	CHECK(k8s_event_contains("Deployment/"));
}

/* How many lines of the kustomize-controller's log say "drift detected" about what (e.g.
 * "/dev-app-config modified"). */
static long drift_lines(const char *what)
{
	char out[64];

	if (capture(out, sizeof(out), "grep -F 'drift detected' %s/kustomize-controller.log | grep -cF '%s' || true", store, what) != 0)
		return -1;
	return strtol(out, NULL, 10);
}

static int sa_label_is(const char *name, const char *key, const char *want, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		json_t *o = get("v1", "ServiceAccount", name);
		const char *v = json_string_value(json_object_get(json_object_get(json_object_get(o, "metadata"), "labels"), key));
		int ok = v && strcmp(v, want) == 0;
		json_decref(o);
		if (ok)
			return 0;
		msleep(100);
	}
	return -1;
}

/* Issue 19: only the fields our field manager owns are drift. A label (kubectl-label), an
 * annotation (kubectl-annotate), a data key applied by another field manager and, on 1.20, the
 * token controller's `secrets:` on ServiceAccounts are not: no drift line, no reconcile, and the
 * other managers' fields stay. A change of our fields on a sibling of the same kind, made after
 * them, is corrected: a watch delivers a kind's events in order, so by then the others were seen. */
static void foreign_fields_are_not_drift(void)
{
	const char *kv = getenv("CFLUX_KUBE_VERSION");
	long cm_before, sa_before, prod_before;
	json_t *cm, *md;
	int ok = 0;

	CHECK(apply_ks("sa", "  path: ./sa\n  prune: true\n") == 0);
	json_decref(wait_ks("sa", "True", NULL, NULL, 60));
	if (kv && strncmp(kv, "1.20", 4) == 0)   /* the token controller adds secrets: to every account */
		for (int i = 0; i < 300 && !ok; i++) {
			json_t *a = get("v1", "ServiceAccount", "sa-foreign"), *b = get("v1", "ServiceAccount", "sa-ours");
			ok = json_array_size(json_object_get(a, "secrets")) > 0 && json_array_size(json_object_get(b, "secrets")) > 0;
			json_decref(a);
			json_decref(b);
			if (!ok)
				msleep(100);
		}
	if (kv && strncmp(kv, "1.20", 4) == 0)
		CHECK(ok);
	cm_before = drift_lines("/dev-app-config modified");
	sa_before = drift_lines("/sa-foreign modified");
	prod_before = drift_lines("/prod-app-config modified");
	CHECK(cm_before >= 0 && sa_before == 0);
	CHECK(run("kubectl -n %s label configmap dev-app-config other.io/team=x >/dev/null && "
		  "kubectl -n %s annotate configmap dev-app-config other.io/note=y >/dev/null && "
		  "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: dev-app-config\\n  namespace: %s\\ndata:\\n  other: \"1\"\\n' | "
		  "kubectl apply --server-side --field-manager=other-controller -f - >/dev/null && "
		  "kubectl -n %s label serviceaccount sa-foreign other.io/team=x >/dev/null", ns, ns, ns, ns) == 0);
	/* our fields, on siblings of the same kinds */
	CHECK(run("kubectl -n %s patch configmap prod-app-config --type merge -p '{\"data\":{\"color\":\"red\"}}' >/dev/null && "
		  "kubectl -n %s label serviceaccount sa-ours tier=front --overwrite >/dev/null", ns, ns) == 0);
	CHECK(wait_cm("prod-app-config", "color", "green", 20) == 0);   /* as push_is_applied_at_once left it */
	CHECK(sa_label_is("sa-ours", "tier", "back", 20) == 0);
	CHECK(drift_lines("/prod-app-config modified") > prod_before);   /* the log does show drift */
	CHECK(drift_lines("/sa-ours modified") >= 1);
	CHECK(drift_lines("/dev-app-config modified") == cm_before);
	CHECK(drift_lines("/sa-foreign modified") == 0);
	cm = get("v1", "ConfigMap", "dev-app-config");
	md = json_object_get(cm, "metadata");
	CHECK(cf_json_str(json_object_get(md, "labels"), "other.io/team") != NULL);
	CHECK(cf_json_str(json_object_get(md, "annotations"), "other.io/note") != NULL);
	CHECK(cf_json_str(json_object_get(cm, "data"), "other") != NULL);
	CHECK(cf_json_str(json_object_get(cm, "data"), "color") != NULL &&
	      strcmp(cf_json_str(json_object_get(cm, "data"), "color"), "green") == 0);
	json_decref(cm);
	CHECK(sa_label_is("sa-foreign", "other.io/team", "x", 1) == 0);
	CHECK(run("kubectl -n %s delete kustomization sa --wait=false >/dev/null", ns) == 0);
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

/* cross-kind: a Kustomization waits for a HelmRelease (Flux refuses this, flux2 #956) */
static void depends_on_a_helmrelease(void)
{
	json_t *o;

	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
		  "metadata:\n  name: db\n  namespace: %s\nspec:\n  interval: 1h\n  chartRef:\n    kind: HelmChart\n"
		  "    name: none\nEOT\n", ns) == 0);
	CHECK(apply_ks("on-hr", "  path: ./extra\n  namePrefix: hr-\n  prune: true\n  dependsOn:\n  - kind: HelmRelease\n    name: db\n") == 0);
	o = wait_ks("on-hr", "False", "DependencyNotReady", "HelmRelease/", 30);
	json_decref(o);
	o = get("v1", "ConfigMap", "hr-extra-one");
	CHECK(o == NULL);
	json_decref(o);
	/* as the helm-controller writes it once released */
	CHECK(mark_ready(kube, &(cf_kube_ref){ "helm.toolkit.fluxcd.io/v2", "HelmRelease", ns, "db" }, "InstallSucceeded") == 0);
	o = wait_ks("on-hr", "True", "ReconciliationSucceeded", NULL, 30);
	json_decref(o);
	o = get("v1", "ConfigMap", "hr-extra-one");
	CHECK(o != NULL);
	json_decref(o);
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
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "health-app");
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "timeout waiting for");
		CHECK_STR(cond_field(o, "Healthy", "status"), "False");
	}
	CHECK(took >= 3);
	json_decref(o);
	/* objects that are healthy as soon as they exist pass */
	CHECK(apply_ks("healthy", "  path: ./extra\n  namePrefix: healthy-\n  prune: false\n  healthChecks:\n  - apiVersion: v1\n"
				  "    kind: ConfigMap\n    name: healthy-extra-one\n") == 0);
	o = wait_ks("healthy", "True", NULL, NULL, 30);
	CHECK_STR(cond_field(o, "Healthy", "status"), "True");
	json_decref(o);
}

/* The source's artifact is at the work tree's HEAD. */
static int wait_source_at_head(int secs)
{
	char c[64], rev[128];

	if (head(c, sizeof(c)) != 0)
		return -1;
	snprintf(rev, sizeof(rev), "main@sha1:%s", c);
	for (int i = 0; i < secs * 10; i++) {
		json_t *g = get("source.toolkit.fluxcd.io/v1", "GitRepository", "fleet");
		const char *r = json_string_value(json_object_get(json_object_get(json_object_get(g, "status"), "artifact"), "revision"));
		int ok = r && strcmp(r, rev) == 0;
		json_decref(g);
		if (ok)
			return 0;
		msleep(100);
	}
	return -1;
}

static void suspend_stops_applying(void)
{
	json_t *o, *cm;

	CHECK(suspend("extra", 1) == 0);
	CHECK(push(FILE_("extra/two.yaml", "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra-two\\ndata:\\n  count: \"2\"\\n"),
		   "extra-two") == 0);
	/* a pass of extra after the source has the commit: not suspended, it would apply it */
	CHECK(wait_source_at_head(20) == 0);
	CHECK(request_handled("extra", 20) == 0);
	cm = get("v1", "ConfigMap", "extra-two");
	CHECK(cm == NULL);   /* suspended: not applied */
	json_decref(cm);
	CHECK(suspend("extra", 0) == 0);
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
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "bad-field-svc");
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
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "forbidden");
	json_decref(o);
	o = get("v1", "ConfigMap", "nobody-extra-one");
	CHECK(o == NULL);
	json_decref(o);
}

static const char *uid_of(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o, "metadata"), "uid"));
}

static const char *owner_of(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(o, "metadata"), "labels"),
						 "kustomize.toolkit.fluxcd.io/name"));
}

/* Deleting a Kustomization prunes what is still its own: not an object of its inventory that
 * another Kustomization has adopted since. (The controller is stopped while prod is deleted and
 * resumed, so that prod's last pass is its finalizer, with the adopted object in its inventory.) */
static void deletion_prunes_only_its_objects(void)
{
	json_t *o, *cm;
	char uid[64] = "", id[300];

	CHECK(suspend("prod", 1) == 0);
	CHECK(apply_ks("adopter", "  path: ./adopt\n  prune: false\n") == 0);
	o = wait_ks("adopter", "True", "ReconciliationSucceeded", NULL, 30);
	json_decref(o);
	cm = get("v1", "ConfigMap", "prod-app-config");
	CHECK_STR(owner_of(cm), "adopter");
	snprintf(uid, sizeof(uid), "%s", uid_of(cm) ? uid_of(cm) : "");
	json_decref(cm);
	o = get(KS, "Kustomization", "prod");   /* still in prod's inventory */
	snprintf(id, sizeof(id), "%s_prod-app-config__ConfigMap", ns);
	CHECK(in_inventory(o, id));
	json_decref(o);
	CHECK(sigterm_exits_zero(&kustomize_ctl));
	CHECK(run("kubectl -n %s delete kustomization prod --wait=false >/dev/null", ns) == 0);
	CHECK(suspend("prod", 0) == 0);
	start_kustomize_controller();
	CHECK(run("kubectl -n %s wait --for=delete kustomization/prod --timeout=30s >/dev/null 2>&1", ns) == 0);
	o = get("apps/v1", "Deployment", "prod-app");   /* prod's own */
	CHECK(o == NULL || json_object_get(json_object_get(o, "metadata"), "deletionTimestamp"));
	json_decref(o);
	cm = get("v1", "ConfigMap", "prod-app-config");  /* was prod's, adopted */
	CHECK(cm != NULL);
	CHECK_STR(uid_of(cm), uid);
	CHECK(json_object_get(json_object_get(cm, "metadata"), "deletionTimestamp") == NULL);
	json_decref(cm);
	o = get("apps/v1", "Deployment", "dev-app");   /* another Kustomization's */
	CHECK(o != NULL);
	json_decref(o);
	o = get("v1", "ConfigMap", "vars");            /* never in an inventory */
	CHECK(o != NULL);
	json_decref(o);
}

/* ---- objects that move from one Kustomization to another ---- */

/* The Namespace, CRD and PVC of group g: what a wrong prune would destroy with their contents. */
enum { MOVED_KINDS = 3 };

static void moved_ref(int g, int kind, char *name, size_t size, const char **api_version, const char **k, int *namespaced)
{
	static const char *const avs[] = { "v1", "apiextensions.k8s.io/v1", "v1" };
	static const char *const kinds[] = { "Namespace", "CustomResourceDefinition", "PersistentVolumeClaim" };

	if (kind == 0)
		snprintf(name, size, "kc-%ld-n%d", (long)getpid(), g);
	else if (kind == 1)
		snprintf(name, size, "things%d.kc%ld.cflux.io", g, (long)getpid());
	else
		snprintf(name, size, "data%d", g);
	*api_version = avs[kind];
	*k = kinds[kind];
	*namespaced = kind == 2;
}

static json_t *moved_get(int g, int kind)
{
	char name[200];
	const char *av, *k;
	int namespaced;
	json_t *o = NULL;

	moved_ref(g, kind, name, sizeof(name), &av, &k, &namespaced);
	cf_kube_get(kube, &o, &(cf_kube_ref){ av, k, namespaced ? ns : NULL, name });
	return o;
}

/* Writes group g's objects to path (in the work tree). */
static int write_moved(int g, const char *path)
{
	char file[900];
	FILE *f;
	long pid = (long)getpid();

	snprintf(file, sizeof(file), "%s/%s", work, path);
	if (run("mkdir -p $(dirname %s)", file) != 0 || (f = fopen(file, "w")) == NULL)
		return -1;
	fprintf(f, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kc-%ld-n%d\n---\n"
		"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things%d.kc%ld.cflux.io\n"
		"spec:\n  group: kc%ld.cflux.io\n  scope: Namespaced\n"
		"  names: {plural: things%d, singular: thing%d, kind: Thing%d, listKind: Thing%dList}\n"
		"  versions:\n  - name: v1\n    served: true\n    storage: true\n"
		"    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n---\n"
		"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data%d\n  namespace: %s\n"
		"spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Mi}}\n",
		pid, g, g, pid, pid, g, g, g, g, g, ns);
	return fclose(f) == 0 ? 0 : -1;
}

static int write_keep(const char *dir, const char *name)
{
	char file[900];
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s/keep.yaml", work, dir);
	if (run("mkdir -p %s/%s", work, dir) != 0 || (f = fopen(file, "w")) == NULL)
		return -1;
	fprintf(f, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata: {a: \"1\"}\n", name, ns);
	return fclose(f) == 0 ? 0 : -1;
}

static char moved_uids[4][MOVED_KINDS][64];

static void record_uids(int g)
{
	for (int kind = 0; kind < MOVED_KINDS; kind++) {
		json_t *o = moved_get(g, kind);
		CHECK(uid_of(o) != NULL);
		snprintf(moved_uids[g][kind], sizeof(moved_uids[g][kind]), "%s", uid_of(o) ? uid_of(o) : "");
		json_decref(o);
	}
}

/* Group g's objects are the ones first created (same uid), not being deleted, and owned by owner. */
static void same_objects(int g, const char *owner, int line)
{
	for (int kind = 0; kind < MOVED_KINDS; kind++) {
		json_t *o = moved_get(g, kind);
		const char *u = uid_of(o), *w = owner_of(o);
		if (u == NULL || strcmp(u, moved_uids[g][kind]) != 0 ||
		    json_object_get(json_object_get(o, "metadata"), "deletionTimestamp") || !w || strcmp(w, owner) != 0)
			cf_test_fail(__FILE__, line, "group %d %s: uid %s (was %s), owner %s (want %s)%s", g,
				     kind == 0 ? "Namespace" : kind == 1 ? "CRD" : "PVC", u ? u : "(gone)", moved_uids[g][kind],
				     w ? w : "(none)", owner, json_object_get(json_object_get(o, "metadata"), "deletionTimestamp") ?
				     ", being deleted" : "");
		json_decref(o);
	}
}

static int head_rev(char *rev, size_t size)
{
	char c[64];

	if (head(c, sizeof(c)) != 0)
		return -1;
	snprintf(rev, size, "main@sha1:%s", c);
	return 0;
}

static int request_source(const char *name)
{
	return run("kubectl -n %s annotate gitrepository %s reconcile.fluxcd.io/requestedAt=%ld-%ld --overwrite >/dev/null",
		   ns, name, (long)time(NULL), (long)clock());
}

/* As Flux: an object moved from A to B (A suspended while B adopts it) is not pruned by A,
 * neither when A resumes (group 2, its reconcile) nor when A is deleted with its inventory still
 * listing it (group 1, its finalizer). B reads another GitRepository of the same repository, so
 * that only the owner labels protect the objects here. */
static void moved_objects_stay_with_their_new_owner(void)
{
	char url[600], rev[128];
	json_t *o;

	CHECK(write_moved(1, "move/a1/objects.yaml") == 0 && write_moved(2, "move/a2/objects.yaml") == 0 &&
	      write_keep("move/a2", "a2-keep") == 0 && write_keep("move/b", "b-keep") == 0);
	CHECK(push("true", "objects of a1 and a2") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		  "metadata:\n  name: fleet2\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n  ref:\n    branch: main\nEOT\n",
		  ns, url) == 0);
	CHECK(apply_ks_from("a1", "fleet", "  path: ./move/a1\n  prune: true\n") == 0);
	CHECK(apply_ks_from("a2", "fleet", "  path: ./move/a2\n  prune: true\n") == 0);
	CHECK(apply_ks_from("b", "fleet2", "  path: ./move/b\n  prune: true\n") == 0);
	o = wait_ks("a1", "True", NULL, rev, 60);
	json_decref(o);
	o = wait_ks("a2", "True", NULL, rev, 30);
	json_decref(o);
	o = wait_ks("b", "True", NULL, rev, 30);
	json_decref(o);
	record_uids(1);
	record_uids(2);
	same_objects(1, "a1", __LINE__);
	same_objects(2, "a2", __LINE__);
	/* B adopts them while A is suspended */
	CHECK(suspend("a1", 1) == 0 && suspend("a2", 1) == 0);
	CHECK(push("git mv move/a1/objects.yaml move/b/objects1.yaml && git mv move/a2/objects.yaml move/b/objects2.yaml",
		   "a1 and a2 give their objects to b") == 0);
	CHECK(request_source("fleet2") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	o = wait_ks("b", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(1, "b", __LINE__);
	same_objects(2, "b", __LINE__);
	/* a2 resumes: its prune leaves what b owns now */
	CHECK(suspend("a2", 0) == 0);
	o = wait_ks("a2", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(2, "b", __LINE__);
	CHECK(wait_event("not pruned: label kustomize.toolkit.fluxcd.io/name is 'b'", 10));
	/* a1 resumes at a revision it cannot build (its folder is gone): the inventory stays */
	CHECK(suspend("a1", 0) == 0);
	o = wait_ks("a1", "False", "BuildFailed", NULL, 30);
	json_decref(o);
	o = get(KS, "Kustomization", "a1");
	CHECK(json_array_size(json_object_get(json_object_get(json_object_get(o, "status"), "inventory"), "entries")) == 3);
	json_decref(o);
	/* deleting both prunes nothing of b's */
	CHECK(run("kubectl -n %s delete kustomization a1 a2 --wait=true --timeout=30s >/dev/null", ns) == 0);
	same_objects(1, "b", __LINE__);
	same_objects(2, "b", __LINE__);
	CHECK(request_handled("b", 20) == 0);
	o = wait_ks("b", "True", "ReconciliationSucceeded", rev, 10);
	json_decref(o);
	same_objects(1, "b", __LINE__);
	same_objects(2, "b", __LINE__);
}

/* Beyond Flux: objects moved from c-a to c-b (same source) in one commit keep their uids
 * whichever of the two reconciles first. The one that goes first is chosen by suspending the other. */
static void one_commit_move_hands_over(void)
{
	char rev[128], line[300];
	json_t *o;

	CHECK(write_moved(3, "move/c/a/objects.yaml") == 0 && write_keep("move/c/a", "ca-keep") == 0 &&
	      write_keep("move/c/b", "cb-keep") == 0);
	CHECK(push("true", "objects of c-a") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	CHECK(apply_ks_from("c-a", "fleet", "  path: ./move/c/a\n  prune: true\n") == 0);
	CHECK(apply_ks_from("c-b", "fleet", "  path: ./move/c/b\n  prune: true\n") == 0);
	o = wait_ks("c-a", "True", NULL, rev, 60);
	json_decref(o);
	o = wait_ks("c-b", "True", NULL, rev, 30);
	json_decref(o);
	record_uids(3);
	same_objects(3, "c-a", __LINE__);

	/* the old owner first: c-a leaves them to c-b, which adopts them when it runs */
	CHECK(suspend("c-b", 1) == 0);
	CHECK(push("git mv move/c/a/objects.yaml move/c/b/objects.yaml", "c-a gives its objects to c-b") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	o = wait_ks("c-a", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(3, "c-a", __LINE__);   /* left in place, not yet adopted */
	snprintf(line, sizeof(line), "Namespace/kc-%ld-n3 handed over to Kustomization/%s/c-b", (long)getpid(), ns);
	CHECK(wait_event(line, 10));
	CHECK(suspend("c-b", 0) == 0);
	o = wait_ks("c-b", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(3, "c-b", __LINE__);

	/* the new owner first: c-a adopts them back, then c-b's prune leaves them */
	CHECK(suspend("c-b", 1) == 0);
	CHECK(push("git mv move/c/b/objects.yaml move/c/a/objects.yaml", "c-b gives the objects back to c-a") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	o = wait_ks("c-a", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(3, "c-a", __LINE__);
	CHECK(suspend("c-b", 0) == 0);
	o = wait_ks("c-b", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(3, "c-a", __LINE__);
}

/* A Kustomization deleted in the commit that moves its objects to a sibling (as when both are
 * managed from Git) leaves them to the sibling on its way out. The controller is stopped across
 * the commit and the deletion, so that c-a's next pass is its finalizer; c-b is suspended, so it
 * has not adopted them yet. */
static void deletion_hands_over_to_a_sibling(void)
{
	char rev[128];
	json_t *o;

	same_objects(3, "c-a", __LINE__);
	CHECK(suspend("c-b", 1) == 0);
	CHECK(sigterm_exits_zero(&kustomize_ctl));
	CHECK(push("git mv move/c/a/objects.yaml move/c/b/objects.yaml", "c-a goes, c-b takes its objects") == 0);
	CHECK(head_rev(rev, sizeof(rev)) == 0);
	CHECK(wait_source_at_head(20) == 0);
	CHECK(run("kubectl -n %s delete kustomization c-a --wait=false >/dev/null", ns) == 0);
	start_kustomize_controller();
	CHECK(run("kubectl -n %s wait --for=delete kustomization/c-a --timeout=30s >/dev/null 2>&1", ns) == 0);
	same_objects(3, "c-a", __LINE__);   /* left for c-b */
	CHECK(suspend("c-b", 0) == 0);
	o = wait_ks("c-b", "True", NULL, rev, 30);
	json_decref(o);
	same_objects(3, "c-b", __LINE__);
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
	return wait_ks_in(tns, name, want, reason, text, secs);
}

static void lockdown_setup(void)
{
	char url[600], storage[700], log[700];

	snprintf(tns, sizeof(tns), "%s-tenant", ns);
	snprintf(url, sizeof(url), "%s/%s.git", getenv("CFLUX_GIT_URL_HTTP"), repo);
	CHECK(run("kubectl create namespace %s >/dev/null", tns) == 0);
	CHECK(run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		  "metadata:\n  name: fleet\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s\n  ref:\n    branch: main\nEOT\n",
		  tns, url) == 0);
	/* a kustomization with a remote base, for --no-remote-bases */
	CHECK(push(FILE_("remote/kustomization.yaml", "resources:\\n- https://github.com/fluxcd/flux2//manifests/install?ref=main\\n"),
		   "a remote base") == 0);
	snprintf(storage, sizeof(storage), "%s/tenant-storage", store);
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("source-controller"), "--watch-namespace", tns,
				       "--internal-token-file", internal_token_file(), "--storage-path", storage, "--artifact-addr", T_ART_ADDR, "--notify-addr", T_NOTIFY_ADDR,
				       "--events-addr", EVENTS_ADDR, NULL };
		snprintf(log, sizeof(log), "%s/tenant-source-controller.log", store);
		tenant_source_ctl = start_logged("bin/source-controller", args, log);
	}
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("kustomize-controller"), "--watch-namespace", tns,
				       "--internal-token-file", internal_token_file(), "--source-notify-addr", T_NOTIFY_ADDR, "--events-addr", EVENTS_ADDR,
				       "--no-cross-namespace-refs", "--default-service-account", "tenant", "--no-remote-bases=true",
				       "--concurrent", "1", "--log-level", "debug", NULL };
		snprintf(log, sizeof(log), "%s/tenant-kustomize-controller.log", store);
		tenant_ctl = start_logged("bin/kustomize-controller", args, log);
	}
	CHECK(tenant_source_ctl > 0 && tenant_ctl > 0);
}

static void cross_namespace_source_refused(void)
{
	CF_TEST_REQUIRE("lockdown_setup");
	char spec[300], want[300];
	json_t *o, *cm;

	snprintf(spec, sizeof(spec), "  sourceRef:\n    kind: GitRepository\n    name: fleet\n    namespace: %s\n"
		 "  path: ./extra\n  namePrefix: cross-\n", ns);
	CHECK(apply_tenant_ks("cross-source", spec) == 0);
	snprintf(want, sizeof(want), "can't access 'GitRepository/%s/fleet', cross-namespace references have been blocked", ns);
	o = wait_tenant_ks("cross-source", "False", "AccessDenied", want, 30);
	if (o)
		CHECK_STR(cond_field(o, "Stalled", "status"), "True");
	json_decref(o);
	cm = get_tenant("v1", "ConfigMap", "cross-extra-one");
	CHECK(cm == NULL);
	json_decref(cm);
}

static void cross_namespace_dependency_refused(void)
{
	CF_TEST_REQUIRE("lockdown_setup");
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
	CF_TEST_REQUIRE("lockdown_setup");
	char want[200];
	json_t *o;

	CHECK(apply_tenant_ks("as-default", T_SOURCE "  path: ./extra\n  namePrefix: tenant-\n  prune: true\n") == 0);
	snprintf(want, sizeof(want), "system:serviceaccount:%s:tenant", tns);
	o = wait_tenant_ks("as-default", "False", "ReconciliationFailed", want, 30);
	if (o)
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "forbidden");
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
	CF_TEST_REQUIRE("lockdown_setup");
	json_t *o;

	CHECK(apply_tenant_ks("remote", T_SOURCE "  path: ./remote\n") == 0);
	o = wait_tenant_ks("remote", "False", "BuildFailed", "--no-remote-bases", 30);
	if (o) {
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "remote/kustomization.yaml");
		CHECK_CONTAINS(cond_field(o, "Ready", "message"), "https://github.com/fluxcd/flux2//manifests/install");
	}
	json_decref(o);
}

/* One worker: a Kustomization that waits for a Deployment that never becomes available does
 * not keep another one from being applied meanwhile. */
static void health_wait_frees_the_worker(void)
{
	CF_TEST_REQUIRE("lockdown_setup");
	json_t *o;
	double t0;

	CHECK(apply_tenant_ks("slow", T_SOURCE "  path: ./apps/prod\n  namePrefix: slow-\n  wait: true\n  timeout: 40s\n") == 0);
	o = wait_tenant_ks("slow", "Unknown", "Progressing", NULL, 30);
	if (o) {
		CHECK_STR(cond_field(o, "Reconciling", "status"), "True");
		CHECK_CONTAINS(cond_field(o, "Reconciling", "message"), "Running health checks for revision main@sha1:");
		CHECK_CONTAINS(cond_field(o, "Reconciling", "message"), "with a timeout of 40s");
	}
	json_decref(o);
	t0 = now_s();
	CHECK(apply_tenant_ks("quick", T_SOURCE "  path: ./extra\n  namePrefix: quick-\n") == 0);
	o = wait_tenant_ks("quick", "True", "ReconciliationSucceeded", NULL, 15);
	json_decref(o);
	printf("# applied while another waits for health: %.2fs\n", now_s() - t0);
	o = get_tenant(KS, "Kustomization", "slow");
	CHECK_STR(cond_field(o, "Ready", "status"), "Unknown");   /* still waiting, and the worker was free */
	json_decref(o);
	/* the wait ends at its deadline, as Flux words it */
	CHECK(run("kubectl -n %s patch kustomization slow --type merge -p '{\"spec\":{\"timeout\":\"2s\"}}' >/dev/null", tns) == 0);
	o = wait_tenant_ks("slow", "False", "HealthCheckFailed", "timeout waiting for: [Deployment/", 30);
	json_decref(o);
}

static void lockdown_cleanup(void)
{
	stop_pid(&tenant_ctl, SIGKILL);
	stop_pid(&tenant_source_ctl, SIGKILL);
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
	stop_pid(&kustomize_ctl, SIGKILL);
	stop_pid(&source_ctl, SIGKILL);
	if (kube)
		cf_kube_delete(kube, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	run("for k in gitrepositories kustomizations; do for g in $(kubectl -n %s get $k -o name 2>/dev/null); do "
	    "kubectl -n %s patch $g --type merge -p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; done", ns, ns);
	for (int g = 1; g <= 3; g++)
		run("kubectl delete --wait=false namespace/kc-%ld-n%d crd/things%d.kc%ld.cflux.io >/dev/null 2>&1",
		    (long)getpid(), g, g, (long)getpid());
	if (getenv("CFLUX_KEEP_LOGS") == NULL)
		run("rm -rf %s %s", store, bare);
	cf_bus_sub_free(events);
	cf_kube_free(kube);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "overlays_applied_and_ready", overlays_applied_and_ready },
	{ "postbuild_substitution", postbuild_substitution },
	{ "push_is_applied_at_once", push_is_applied_at_once },
	{ "removed_file_is_pruned", removed_file_is_pruned },
	{ "drift_is_reverted", drift_is_reverted },
	{ "foreign_fields_are_not_drift", foreign_fields_are_not_drift },
	{ "nng_events_carry_the_revision", nng_events_carry_the_revision },
	{ "depends_on_orders", depends_on_orders },
	{ "depends_on_a_helmrelease", depends_on_a_helmrelease },
	{ "immutable_change_needs_force", immutable_change_needs_force },
	{ "health_check_names_the_object", health_check_names_the_object },
	{ "suspend_stops_applying", suspend_stops_applying },
	{ "requested_at_forces_a_reconcile", requested_at_forces_a_reconcile },
	{ "bad_manifests_fail_only_their_kustomization", bad_manifests_fail_only_their_kustomization },
	{ "impersonation_applies_as_the_account", impersonation_applies_as_the_account },
	{ "deletion_prunes_only_its_objects", deletion_prunes_only_its_objects },
	{ "moved_objects_stay_with_their_new_owner", moved_objects_stay_with_their_new_owner },
	{ "one_commit_move_hands_over", one_commit_move_hands_over },
	{ "deletion_hands_over_to_a_sibling", deletion_hands_over_to_a_sibling },
	{ "lockdown_setup", lockdown_setup },
	{ "cross_namespace_source_refused", cross_namespace_source_refused },
	{ "cross_namespace_dependency_refused", cross_namespace_dependency_refused },
	{ "default_service_account_impersonated", default_service_account_impersonated },
	{ "remote_base_refused", remote_base_refused },
	{ "health_wait_frees_the_worker", health_wait_frees_the_worker },
	{ "lockdown_cleanup", lockdown_cleanup },
	{ "sigterm_exits_cleanly", sigterm_exits_cleanly },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
