/* tests/integration/test_image_update.c - image automation end to end, over ssh and over https
 * git: a new tag pushed to Debian's docker-registry -> the ImageRepository scans it -> the
 * ImagePolicy picks it -> the ImageUpdateAutomation commits the setters' change with the
 * expected diff and message (Flux's documented template) and pushes it -> the source- and
 * kustomize-controller apply it -> the live Deployment runs the new image; the time from the
 * tag push to the live change is printed. Then: no commit when nothing changed, a push to a
 * protected branch and a missing checkout branch are clear conditions, a bad template and a
 * signingKey are Stalled, and a remote that moves during the update loses nothing. Every
 * controller runs with the ServiceAccount token `cflux install`'s RBAC gives it. */
#include "itest.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "registry_env.h"
#include "source/oci.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define ART_ADDR "tcp://127.0.0.1:17190"
#define NOTIFY_ADDR "tcp://127.0.0.1:17191"
#define EVENTS_ADDR "tcp://127.0.0.1:17192"
#define IMG_AV "image.toolkit.fluxcd.io/v1beta2"

static char ns[64], store[] = "/tmp/cflux-iua-XXXXXX";
static pid_t source_ctl, kustomize_ctl, image_ctl;
static cf_kube *kube;

/* Flux's documented messageTemplate (ImageUpdateAutomation v1beta2), indented for the spec */
static const char TEMPLATE[] =
	"      messageTemplate: |\n"
	"        Automated image update\n\n"
	"        Automation name: {{ .AutomationObject }}\n\n"
	"        Files:\n"
	"        {{ range $filename, $_ := .Changed.FileChanges -}}\n"
	"        - {{ $filename }}\n"
	"        {{ end -}}\n\n"
	"        Objects:\n"
	"        {{ range $resource, $changes := .Changed.Objects -}}\n"
	"        - {{ $resource.Kind }} {{ $resource.Name }}\n"
	"          Changes:\n"
	"        {{- range $_, $change := $changes }}\n"
	"            - {{ $change.OldValue }} -> {{ $change.NewValue }}\n"
	"        {{ end -}}\n"
	"        {{ end -}}\n";

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int push_tag(const char *repo, const char *tag)
{
	cf_oci *c = NULL;
	cf_buf cfg = CF_BUF_INIT(4096), man = CF_BUF_INIT(4096);
	char cd[72], layer[72], digest[72];
	int rc = registry_open(&c, "CFLUX_REGISTRY", 1, NULL, 0);

	if (rc == 0) rc = cf_buf_printf(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"t\":\"%s\"}},"
					"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", tag);
	if (rc == 0) rc = cf_oci_blob_push(c, repo, cfg.data, cfg.len, cd);
	if (rc == 0) rc = cf_oci_blob_push(c, repo, "layer", 5, layer);
	if (rc == 0)
		rc = cf_buf_printf(&man, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
				   "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":"
				   "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":5}]}",
				   CF_OCI_MT_MANIFEST, cd, cfg.len, layer);
	if (rc == 0) rc = cf_oci_manifest_push(c, repo, tag, CF_OCI_MT_MANIFEST, man.data, man.len, digest);
	if (rc < 0)
		cf_test_fail(__FILE__, __LINE__, "push %s:%s: %s", repo, tag, cf_err_msg());
	cf_oci_free(c);
	cf_buf_free(&cfg);
	cf_buf_free(&man);
	return rc;
}

static int apply(const char *av, const char *kind, const char *name, const char *spec)
{
	return run("cat <<'EOT' | kubectl apply -f - >/dev/null\napiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n"
		   "  namespace: %s\nspec:\n%sEOT\n", av, kind, name, ns, spec);
}

static json_t *get(const char *av, const char *kind, const char *name)
{
	json_t *o = NULL;

	cf_kube_get(kube, &o, &(cf_kube_ref){ av, kind, ns, name });
	return o;
}

static const char *status_str(const json_t *o, const char *field)
{
	return cf_json_str(json_object_get(o, "status"), field);
}

static void annotate(const char *resource, const char *name)
{
	CHECK(run("kubectl -n %s annotate %s %s reconcile.fluxcd.io/requestedAt=%.0f --overwrite >/dev/null", ns, resource,
		  name, now_s() * 1000) == 0);
}

/* Waits until the automation's Ready is want with text in its message; the object or NULL. */
static json_t *wait_iua(const char *name, const char *want, const char *reason, const char *text, int secs)
{
	json_t *o = NULL;

	for (int i = 0; i < secs * 10; i++) {
		const char *st, *msg, *why;
		json_decref(o);
		o = get(IMG_AV, "ImageUpdateAutomation", name);
		st = obj_condition(o, "Ready", "status");
		msg = obj_condition(o, "Ready", "message");
		why = obj_condition(o, "Ready", "reason");
		if (st && strcmp(st, want) == 0 && msg && (!text || strstr(msg, text)) && (!reason || (why && strcmp(why, reason) == 0)))
			return o;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "ImageUpdateAutomation %s: Ready %s %s \"%s\", want %s %s with \"%s\"", name,
		     obj_condition(o, "Ready", "status") ? obj_condition(o, "Ready", "status") : "unset",
		     obj_condition(o, "Ready", "reason") ? obj_condition(o, "Ready", "reason") : "",
		     obj_condition(o, "Ready", "message") ? obj_condition(o, "Ready", "message") : "", want,
		     reason ? reason : "", text ? text : "");
	json_decref(o);
	return NULL;
}

/* Waits until the automation's lastPushCommit differs from before; its value into out. */
static int wait_push(const char *name, const char *before, char out[41], int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		json_t *o = get(IMG_AV, "ImageUpdateAutomation", name);
		const char *c = status_str(o, "lastPushCommit");
		int done = c && strlen(c) == 40 && (!before || strcmp(c, before) != 0);
		if (done)
			snprintf(out, 41, "%s", c);
		json_decref(o);
		if (done)
			return 0;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "%s: no new lastPushCommit in %d s", name, secs);
	return -1;
}

/* The image of the live Deployment's first container is want, within secs. */
static int wait_live_image(const char *deployment, const char *want, int secs)
{
	char img[600] = "";

	for (int i = 0; i < secs * 10; i++) {
		if (capture(img, sizeof(img), "kubectl -n %s get deployment %s -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null",
			    ns, deployment) == 0 && strcmp(img, want) == 0)
			return 0;
		msleep(100);
	}
	cf_test_fail(__FILE__, __LINE__, "deployment %s runs \"%s\", want %s", deployment, img, want);
	return -1;
}

/* A bare repository name.git on the env's git servers with deploy/ holding a Deployment app
 * whose image is marked for policy, and legacy/ with a second marked copy (never applied). */
static int make_fleet(const char *name, const char *app, const char *image)
{
	return run("set -e; bare=$CFLUX_GIT_REPOS/%s.git; w=%s/%s; rm -rf $bare $w; git init -q --bare -b main $bare; "
		   "git -C $bare config http.receivepack true; git init -q -b main $w; cd $w; mkdir deploy legacy; "
		   "printf 'resources:\\n- deployment.yaml\\n' > deploy/kustomization.yaml; "
		   "cat > deploy/deployment.yaml <<'EOT'\n"
		   "# the app's Deployment: the image line is kept current by an ImageUpdateAutomation\n"
		   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s  # its name\n  labels: {app: %s}\n"
		   "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: %s\n\n  template:\n"
		   "    metadata:\n      labels:\n        app: \"%s\"\n    spec:\n      containers:\n"
		   "      - name: app\n        image: %s:1.0.0 # {\"$imagepolicy\": \"%s:%s\"}\n"
		   "        args: ['--port', \"8080\"]   # quoted two ways\nEOT\n"
		   "cp deploy/deployment.yaml legacy/deployment.yaml; "
		   "git add -A; git -c user.name=dev -c user.email=dev@localhost commit -qm init; git remote add origin $bare; "
		   "git push -q origin main", name, store, name, app, app, app, app, image, ns, app);
}

static void start_controllers(void)
{
	char storage[700], img_storage[700];
	const char *tok = internal_token_file();

	snprintf(storage, sizeof(storage), "%s/source", store);
	snprintf(img_storage, sizeof(img_storage), "%s/image", store);
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("source-controller"), "--watch-namespace", ns,
				       "--storage-path", storage, "--internal-token-file", tok, "--artifact-addr", ART_ADDR,
				       "--notify-addr", NOTIFY_ADDR, "--events-addr", EVENTS_ADDR, NULL };
		source_ctl = start_in(store, "bin/source-controller", args);
	}
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("kustomize-controller"), "--watch-namespace", ns,
				       "--internal-token-file", tok, "--source-notify-addr", NOTIFY_ADDR,
				       "--events-addr", EVENTS_ADDR, NULL };
		kustomize_ctl = start_in(store, "bin/kustomize-controller", args);
	}
	{
		const char *args[] = { "--kubeconfig", controller_kubeconfig("image-automation-controller"), "--watch-namespace", ns,
				       "--storage-path", img_storage, "--internal-token-file", tok, "--events-addr", EVENTS_ADDR,
				       "--log-level", "debug", NULL };
		image_ctl = start_in(store, "bin/image-automation-controller", args);
	}
	CHECK(source_ctl > 0 && kustomize_ctl > 0 && image_ctl > 0);
}

static void setup(void)
{
	if (env_need("CFLUX_KUBECONFIG_TOKEN") == NULL || env_need("CFLUX_REGISTRY") == NULL ||
	    env_need("CFLUX_GIT_URL_SSH") == NULL || env_need("CFLUX_GIT_URL_HTTPS") == NULL || mkdtemp(store) == NULL) {
		cf_test_fail(__FILE__, __LINE__, "environment missing (tests/env/up with registry, git-ssh, git-https)");
		return;
	}
	kube = kube_client("CFLUX_KUBECONFIG_TOKEN", NULL);
	snprintf(ns, sizeof(ns), "cflux-iua-%ld", (long)getpid());
	CHECK(run("kubectl create namespace %s >/dev/null", ns) == 0);
	CHECK(run("kubectl apply --server-side -k manifests/crds >/dev/null && "
		  "kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null") == 0);
	CHECK(run("kubectl -n %s create secret generic ssh-key --from-file=identity=%s --from-file=known_hosts=%s >/dev/null",
		  ns, getenv("CFLUX_SSH_IDENTITY"), getenv("CFLUX_SSH_KNOWN_HOSTS")) == 0);
	CHECK(run("kubectl -n %s create secret generic https-ca --from-file=ca.crt=%s >/dev/null", ns, getenv("CFLUX_CA")) == 0);
	start_controllers();
}

static void cleanup(void)
{
	/* the controllers stop first: running, they would put a finalizer back (see
	 * test_image_controller.c) */
	if (image_ctl > 0)
		CHECK(sigterm_exits_zero(&image_ctl));
	stop_pid(&kustomize_ctl, SIGTERM);
	stop_pid(&source_ctl, SIGTERM);
	if (ns[0])
		run("for k in imagepolicies imagerepositories imageupdateautomations kustomizations gitrepositories; do "
		    "kubectl -n %s get $k -o name 2>/dev/null | xargs -r kubectl -n %s patch --type merge "
		    "-p '{\"metadata\":{\"finalizers\":null}}' >/dev/null 2>&1; done; "
		    "kubectl delete namespace %s --wait=false >/dev/null 2>&1", ns, ns, ns);
	cf_kube_free(kube);
	if (run("! grep -l 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:' %s/*.log", store) != 0)
		cf_test_fail(__FILE__, __LINE__, "sanitizer reports in the controller logs in %s", store);
	fprintf(stderr, "logs in %s\n", store);
}

/* ---- the chain, once per transport ---- */

typedef struct lane {
	const char *t;           /* "ssh" or "https" */
	char fleet[64], app[64], image[300], url[700], secret[32];
	char pushed[41];
} lane;

static lane lanes[2] = { { .t = "ssh" }, { .t = "https" } };

/* The fleet repository, its GitRepository and Kustomization, the image's repository and
 * policy, and the automation with Flux's template. */
static void lane_setup(lane *l)
{
	char spec[4096];

	snprintf(l->fleet, sizeof(l->fleet), "fleet-%s-%ld", l->t, (long)getpid());
	snprintf(l->app, sizeof(l->app), "app-%s", l->t);
	snprintf(l->image, sizeof(l->image), "%s/cflux/%s-%ld", getenv("CFLUX_REGISTRY"), l->app, (long)getpid());
	snprintf(l->url, sizeof(l->url), "%s/%s.git", getenv(strcmp(l->t, "ssh") == 0 ? "CFLUX_GIT_URL_SSH" : "CFLUX_GIT_URL_HTTPS"),
		 l->fleet);
	snprintf(l->secret, sizeof(l->secret), "%s", strcmp(l->t, "ssh") == 0 ? "ssh-key" : "https-ca");
	CHECK(push_tag(strchr(l->image, '/') + 1, "1.0.0") == 0);
	CHECK(make_fleet(l->fleet, l->app, l->image) == 0);
	snprintf(spec, sizeof(spec), "  interval: 2s\n  url: %s\n  ref:\n    branch: main\n  secretRef:\n    name: %s\n", l->url, l->secret);
	CHECK(apply("source.toolkit.fluxcd.io/v1", "GitRepository", l->fleet, spec) == 0);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  path: ./deploy\n  prune: true\n  targetNamespace: %s\n  sourceRef:\n"
		 "    kind: GitRepository\n    name: %s\n", ns, l->fleet);
	CHECK(apply("kustomize.toolkit.fluxcd.io/v1", "Kustomization", l->app, spec) == 0);
	snprintf(spec, sizeof(spec), "  image: %s\n  interval: 1h\n  insecure: true\n", l->image);
	CHECK(apply(IMG_AV, "ImageRepository", l->app, spec) == 0);
	snprintf(spec, sizeof(spec), "  imageRepositoryRef:\n    name: %s\n  policy:\n    semver:\n      range: '>=1.0.0'\n", l->app);
	CHECK(apply(IMG_AV, "ImagePolicy", l->app, spec) == 0);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: %s\n  git:\n"
		 "    checkout:\n      ref:\n        branch: main\n    commit:\n      author:\n        name: fluxcdbot\n"
		 "        email: fluxcdbot@users.noreply.github.com\n%s    push:\n      branch: main\n"
		 "  update:\n    path: ./deploy\n    strategy: Setters\n", l->fleet, TEMPLATE);
	CHECK(apply(IMG_AV, "ImageUpdateAutomation", l->app, spec) == 0);
}

static lane *lane_of(void)
{
	return strstr(cf_test_current_name(), "https") ? &lanes[1] : &lanes[0];
}

static void lanes_up(void)
{
	lane_setup(&lanes[0]);
	lane_setup(&lanes[1]);
}

/* Before any new tag: the policy picks 1.0.0, the file already says so, nothing is pushed,
 * and the Deployment runs 1.0.0. */
static void initial_state(void)
{
	char want[400];

	for (int i = 0; i < 2; i++) {
		json_t *o = wait_iua(lanes[i].app, "True", "Succeeded", "repository up-to-date", 120);
		/* an automation that ran before its policy chose a tag is up to date with no policy
		 * observed; the policy's latestRef wakes it again */
		for (int t = 0; o && t < 600 &&
		     !json_object_get(json_object_get(json_object_get(o, "status"), "observedPolicies"), lanes[i].app); t++) {
			msleep(100);
			json_decref(o);
			o = wait_iua(lanes[i].app, "True", "Succeeded", "repository up-to-date", 120);
		}
		CHECK(o && status_str(o, "lastPushCommit") == NULL);
		CHECK(o && json_object_get(json_object_get(json_object_get(o, "status"), "observedPolicies"), lanes[i].app));
		json_decref(o);
		snprintf(want, sizeof(want), "%s:1.0.0", lanes[i].image);
		wait_live_image(lanes[i].app, want, 60);
	}
}

/* The commit's diff is the one image line, and its message Flux's template's. */
static void check_commit(const lane *l, const char *commit, const char *old_tag, const char *new_tag)
{
	char out[4096], want[4096];

	CHECK(capture(out, sizeof(out), "git -C $CFLUX_GIT_REPOS/%s.git diff -U0 %s^ %s | grep '^[-+] '", l->fleet, commit,
		      commit) == 0);
	snprintf(want, sizeof(want), "-        image: %s:%s # {\"$imagepolicy\": \"%s:%s\"}\n"
		 "+        image: %s:%s # {\"$imagepolicy\": \"%s:%s\"}", l->image, old_tag, ns, l->app, l->image, new_tag, ns, l->app);
	CHECK_STR(out, want);
	CHECK(capture(out, sizeof(out), "git -C $CFLUX_GIT_REPOS/%s.git diff --stat %s^ %s | tail -1", l->fleet, commit, commit) == 0);
	CHECK_CONTAINS(out, "1 file changed, 1 insertion(+), 1 deletion(-)");
	CHECK(capture(out, sizeof(out), "git -C $CFLUX_GIT_REPOS/%s.git log -1 --format=%%B %s", l->fleet, commit) == 0);
	snprintf(want, sizeof(want), "Automated image update\n\nAutomation name: %s/%s\n\nFiles:\n- deployment.yaml\nObjects:\n"
		 "- Deployment %s\n  Changes:\n    - %s:%s -> %s:%s", ns, l->app, l->app, l->image, old_tag, l->image, new_tag);
	CHECK_STR(out, want);
	CHECK(capture(out, sizeof(out), "git -C $CFLUX_GIT_REPOS/%s.git log -1 --format='%%an <%%ae>' %s", l->fleet, commit) == 0);
	CHECK_STR(out, "fluxcdbot <fluxcdbot@users.noreply.github.com>");
}

/* A new tag to the live Deployment, timed. */
static void new_tag_to_live(void)
{
	lane *l = lane_of();
	char want[400], head[64];
	double t0;

	CF_TEST_REQUIRE("initial state");
	t0 = now_s();
	CHECK(push_tag(strchr(l->image, '/') + 1, "1.0.1") == 0);
	annotate("imagerepository", l->app);   /* cflux reconcile image repository */
	if (wait_push(l->app, NULL, l->pushed, 60) < 0)
		return;
	CHECK(capture(head, sizeof(head), "git -C $CFLUX_GIT_REPOS/%s.git rev-parse main", l->fleet) == 0);
	CHECK_STR(head, l->pushed);
	check_commit(l, l->pushed, "1.0.0", "1.0.1");
	snprintf(want, sizeof(want), "%s:1.0.1", l->image);
	if (wait_live_image(l->app, want, 120) == 0)
		printf("  %s: tag push to live Deployment in %.2f s\n", l->t, now_s() - t0);
}

/* Another run with nothing new: no commit. */
static void nothing_changed_no_commit(void)
{
	lane *l = &lanes[1];
	char head[64], out[8192];
	json_t *o;

	CF_TEST_REQUIRE("new tag to live over https");
	/* flux reconcile image update: returns when the controller has handled the request */
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s reconcile image update %s 2>&1", ns, l->app) == 0);
	CHECK_CONTAINS(out, "ImageUpdateAutomation reconciliation completed");
	o = wait_iua(l->app, "True", "Succeeded", "repository up-to-date", 30);
	CHECK(o && status_str(o, "lastPushCommit") && strcmp(status_str(o, "lastPushCommit"), l->pushed) == 0);
	json_decref(o);
	CHECK(capture(head, sizeof(head), "git -C $CFLUX_GIT_REPOS/%s.git rev-parse main", l->fleet) == 0);
	CHECK_STR(head, l->pushed);
	/* get images update, suspend (reconcile refused), resume (Ready again) */
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get images update 2>&1", ns) == 0);
	CHECK_CONTAINS(out, l->app);
	CHECK_CONTAINS(out, "repository up-to-date");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s get images all 2>&1", ns) == 0);
	CHECK_CONTAINS(out, "imageupdateautomation/");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s export image update %s 2>&1", ns, l->app) == 0);
	CHECK_CONTAINS(out, "kind: ImageUpdateAutomation");
	CHECK(strstr(out, "status:") == NULL);
	CHECK(run("bin/cflux -n %s suspend image update %s >/dev/null 2>&1", ns, l->app) == 0);
	o = get(IMG_AV, "ImageUpdateAutomation", l->app);
	CHECK(o && json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")));
	json_decref(o);
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s reconcile image update %s 2>&1", ns, l->app) != 0);
	CHECK_CONTAINS(out, "suspended");
	CHECK(capture(out, sizeof(out), "bin/cflux -n %s resume image update %s 2>&1", ns, l->app) == 0);
	CHECK_CONTAINS(out, "ImageUpdateAutomation reconciliation completed");
	o = get(IMG_AV, "ImageUpdateAutomation", l->app);
	CHECK(o && !json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")));
	json_decref(o);
}

/* The specs below write sourceRef.kind, as Flux's docs do: the CRD defaults it, but kubectl
 * validates on the client against Kubernetes 1.20's OpenAPI v2, where it is still required. */
/* A server hook refuses the push branch; a checkout branch that does not exist. */
static void protected_and_missing_branch(void)
{
	lane *l = &lanes[1];
	char spec[2048];
	json_t *o;

	CF_TEST_REQUIRE("new tag to live over https");
	CHECK(run("printf '#!/bin/sh\\n[ \"$1\" = refs/heads/protected ] && { echo \"branch protected by policy\" >&2; exit 1; }\\nexit 0\\n' "
		  "> $CFLUX_GIT_REPOS/%s.git/hooks/update && chmod +x $CFLUX_GIT_REPOS/%s.git/hooks/update", l->fleet, l->fleet) == 0);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: %s\n  git:\n    checkout:\n      ref:\n        branch: main\n"
		 "    commit:\n      author:\n        email: bot@localhost\n    push:\n      branch: protected\n  update:\n    path: legacy\n",
		 l->fleet);
	CHECK(apply(IMG_AV, "ImageUpdateAutomation", "to-protected", spec) == 0);
	o = wait_iua("to-protected", "False", "GitOperationFailed", "push of refs/heads/protected refused: hook declined", 60);
	if (o)
		printf("  protected: %s\n", obj_condition(o, "Ready", "message"));
	json_decref(o);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: %s\n  git:\n    checkout:\n      ref:\n        branch: nope\n"
		 "    commit:\n      author:\n        email: bot@localhost\n  update:\n    path: legacy\n", l->fleet);
	CHECK(apply(IMG_AV, "ImageUpdateAutomation", "missing-branch", spec) == 0);
	o = wait_iua("missing-branch", "False", "GitOperationFailed", "nope", 60);
	if (o)
		printf("  missing: %s\n", obj_condition(o, "Ready", "message"));
	json_decref(o);
}

/* Specs that cannot work are Stalled, naming the field. */
static void stalled_specs(void)
{
	lane *l = &lanes[1];
	char spec[2048];
	json_t *o;

	snprintf(spec, sizeof(spec), "  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: %s\n  git:\n    commit:\n      author:\n"
		 "        email: bot@localhost\n      messageTemplate: 'x {{ printf \"%%s\" .AutomationObject }}'\n"
		 "  update:\n    path: legacy\n", l->fleet);
	CHECK(apply(IMG_AV, "ImageUpdateAutomation", "bad-template", spec) == 0);
	o = wait_iua("bad-template", "False", "UpdateFailed", "spec.git.commit.messageTemplate", 60);
	CHECK(o && obj_condition(o, "Stalled", "status") && strcmp(obj_condition(o, "Stalled", "status"), "True") == 0);
	CHECK(o && strstr(obj_condition(o, "Ready", "message"), "printf"));
	json_decref(o);
	snprintf(spec, sizeof(spec), "  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: %s\n  git:\n    commit:\n      author:\n"
		 "        email: bot@localhost\n      signingKey:\n        secretRef:\n          name: gpg\n  update:\n    path: legacy\n",
		 l->fleet);
	CHECK(apply(IMG_AV, "ImageUpdateAutomation", "signing", spec) == 0);
	o = wait_iua("signing", "False", NULL, "signingKey", 60);
	CHECK(o && obj_condition(o, "Stalled", "status") && strcmp(obj_condition(o, "Stalled", "status"), "True") == 0);
	json_decref(o);
}

/* Another writer pushes to main while the automation works: its commits and the update all
 * land (the push that finds the remote moved is made again on the new tip). */
static void remote_moves_nothing_lost(void)
{
	lane *l = &lanes[0];
	char out[256], want[400], writer[1200], pidbuf[32];
	int notes = 0;

	CF_TEST_REQUIRE("new tag to live over ssh");
	snprintf(writer, sizeof(writer),
		 "w=%s/writer; rm -rf $w; git clone -q $CFLUX_GIT_REPOS/%s.git $w; cd $w; mkdir -p notes; i=0; "
		 "while [ $i -lt 40 ]; do i=$((i+1)); echo $i > notes/$i.txt; git add notes; "
		 "git -c user.name=w -c user.email=w@localhost commit -qm note-$i; "
		 "until git push -q origin HEAD:main 2>/dev/null; do git pull -q --rebase origin main || exit 1; done; "
		 "sleep 0.1; done > %s/writer.log 2>&1 & echo $!", store, l->fleet, store);
	CHECK(capture(pidbuf, sizeof(pidbuf), "%s", writer) == 0);
	/* the writer is pushing (its first note is on main) before the tag comes */
	for (int i = 0; i < 300 && run("git -C $CFLUX_GIT_REPOS/%s.git cat-file -e main:notes/1.txt 2>/dev/null", l->fleet) != 0; i++)
		msleep(100);
	CHECK(run("git -C $CFLUX_GIT_REPOS/%s.git cat-file -e main:notes/1.txt", l->fleet) == 0);
	CHECK(push_tag(strchr(l->image, '/') + 1, "1.0.2") == 0);
	annotate("imagerepository", l->app);
	CHECK(wait_push(l->app, l->pushed, l->pushed, 60) == 0);
	/* the writer ends by itself (40 notes) */
	for (int i = 0; i < 300 && run("kill -0 %s 2>/dev/null", pidbuf) == 0; i++)
		msleep(100);
	CHECK(run("kill -0 %s 2>/dev/null", pidbuf) != 0);
	annotate("gitrepository", l->fleet);
	snprintf(want, sizeof(want), "%s:1.0.2", l->image);
	wait_live_image(l->app, want, 120);
	CHECK(capture(out, sizeof(out), "git -C $CFLUX_GIT_REPOS/%s.git ls-tree --name-only main notes/ | wc -l", l->fleet) == 0);
	notes = atoi(out);
	CHECK(notes == 40);
	CHECK(run("git -C $CFLUX_GIT_REPOS/%s.git show main:deploy/deployment.yaml | grep -q '%s:1.0.2 # '", l->fleet, l->image) == 0);
	CHECK(run("git -C $CFLUX_GIT_REPOS/%s.git merge-base --is-ancestor %s main", l->fleet, l->pushed) == 0);
	capture(out, sizeof(out), "grep -c 'remote moved' %s/image-automation-controller.log", store);
	printf("  notes kept: %d of 40; pushes retried on a moved remote: %s\n", notes, out[0] ? out : "0");
}

static const cf_test_case tests[] = {
	CF_TEST_SETUP("setup", setup),
	{ "lanes", lanes_up },
	{ "initial state", initial_state },
	{ "new tag to live over ssh", new_tag_to_live },
	{ "new tag to live over https", new_tag_to_live },
	{ "nothing changed: no commit; reconcile, get, suspend, resume image update", nothing_changed_no_commit },
	{ "protected and missing branch", protected_and_missing_branch },
	{ "stalled specs", stalled_specs },
	{ "remote moves, nothing lost", remote_moves_nothing_lost },
	CF_TEST_CLEANUP("cleanup", cleanup),
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
