/* tests/integration/test_kube.c - common/kube/kube against the real kube-apiserver of tests/env. */
#include "kube/kube.h"
#include "kube/kube_internal.h"
#include "kube_env.h"
#include "runtime/status.h"
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char ns[64];

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static json_t *configmap(const char *name, const char *key, const char *value, const char *label)
{
	json_t *cm = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
			       "metadata", "name", name, "namespace", ns, "data", key, value);
	if (label)
		json_object_set_new(json_object_get(cm, "metadata"), "labels", json_pack("{s:s}", "app", label));
	return cm;
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

static void setup_namespace(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	json_t *nsobj;

	snprintf(ns, sizeof(ns), "cflux-test-%ld", (long)getpid());
	if (k == NULL)
		return;
	nsobj = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	CHECK_OK(cf_kube_create(k, NULL, nsobj));
	json_decref(nsobj);
	cf_kube_free(k);
}

static void both_kubeconfigs_work(void)
{
	cf_kube *tok = kube_client("CFLUX_KUBECONFIG_TOKEN", NULL);
	cf_kube *cert = kube_client("CFLUX_KUBECONFIG_CERT", NULL);
	cf_kube *nobody = kube_client("CFLUX_KUBECONFIG_CERT", "cflux-nobody");
	cf_kube *files = kube_client("CFLUX_KUBECONFIG_CERT", "cflux-cert-files");
	cf_kube *insecure = kube_client("CFLUX_KUBECONFIG_CERT", "cflux-insecure");
	json_t *v = NULL, *obj = NULL;

	if (!tok || !cert || !nobody || !files || !insecure)
		goto out;
	/* client certificate and key as paths relative to the kubeconfig; then without a CA */
	CHECK_OK(cf_kube_get(files, NULL, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }));
	CHECK_OK(cf_kube_get(insecure, NULL, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }));
	CHECK_OK(cf_kube_request(tok, &v, "GET", "/version", NULL, NULL, 0));
	{
		/* tests/env exports the version it runs (1.37.2 by default, 1.20.2 for CFLUX_KUBE_VERSION=1.20) */
		char want[64];
		snprintf(want, sizeof(want), "v%s", getenv("CFLUX_KUBE_VERSION") ? getenv("CFLUX_KUBE_VERSION") : "1.20.2");
		CHECK_STR(json_string_value(json_object_get(v, "gitVersion")), want);
	}
	CHECK_OK(cf_kube_get(cert, &obj, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }));
	CHECK_STR(json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")), ns);
	CHECK_STR(cf_kube_namespace(tok), "default");
	/* the tokenFile user has no rights: the API's own words come back */
	CHECK(cf_kube_get(nobody, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "x" }) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "cflux-nobody");
	CHECK_CONTAINS(cf_err_msg(), "forbidden");
	CHECK_STR(cf_kube_last_reason(nobody), "Forbidden");
out:
	json_decref(v);
	json_decref(obj);
	cf_kube_free(tok);
	cf_kube_free(cert);
	cf_kube_free(nobody);
	cf_kube_free(files);
	cf_kube_free(insecure);
}

static const char *test_crd =
	"apiVersion: apiextensions.k8s.io/v1\n"
	"kind: CustomResourceDefinition\n"
	"metadata:\n  name: widgets.test.cflux.io\n"
	"spec:\n  group: test.cflux.io\n  scope: Namespaced\n"
	"  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}\n"
	"  versions:\n  - name: v1\n    served: true\n    storage: true\n"
	"    subresources: {status: {}}\n"
	"    schema:\n      openAPIV3Schema:\n        type: object\n"
	"        properties:\n          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	"          status: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	"  - name: v1beta1\n    served: true\n    storage: false\n"
	"    subresources: {status: {}}\n"
	"    schema:\n      openAPIV3Schema:\n        type: object\n"
	"        properties:\n          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	"          status: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";

static int wait_established(cf_kube *k, const char *name)
{
	for (int i = 0; i < 100; i++) {
		json_t *crd = NULL, *c;
		size_t j;
		int ok = 0;

		if (cf_kube_get(k, &crd, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition",
							 NULL, name }) == 0) {
			json_array_foreach(json_object_get(json_object_get(crd, "status"), "conditions"), j, c)
				if (strcmp(json_string_value(json_object_get(c, "type")), "Established") == 0 &&
				    strcmp(json_string_value(json_object_get(c, "status")), "True") == 0)
					ok = 1;
		}
		json_decref(crd);
		if (ok)
			return 0;
		msleep(100);
	}
	return -1;
}

static void crd_and_custom_resource(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube_resource res;
	json_t *crd = NULL, *w = NULL, *got = NULL;

	if (k == NULL)
		return;
	/* an unknown kind first, so the discovery cache holds the group without it */
	CHECK(cf_kube_resolve(k, &res, "test.cflux.io/v1", "Widget") == CF_ENOTSERVED);
	CHECK_CONTAINS(cf_err_msg(), "no matches for kind \"Widget\" in version \"test.cflux.io/v1\"");
	CHECK_OK(cf_yaml_load(&crd, test_crd, strlen(test_crd), "crd"));
	ao.field_manager = "cflux-test";
	CHECK_OK(cf_kube_apply(k, NULL, crd, &ao));
	CHECK(wait_established(k, "widgets.test.cflux.io") == 0);
	/* discovery refreshes by itself now that the kind exists */
	for (int i = 0; i < 50 && cf_kube_resolve(k, &res, "test.cflux.io/v1", "Widget") < 0; i++)
		msleep(100);
	CHECK_STR(res.plural, "widgets");
	CHECK(res.namespaced);
	w = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:i}}", "apiVersion", "test.cflux.io/v1", "kind", "Widget",
		      "metadata", "name", "w1", "namespace", ns, "spec", "size", 3);
	CHECK_OK(cf_kube_create(k, NULL, w));
	CHECK_OK(cf_kube_get(k, &got, &(cf_kube_ref){ "test.cflux.io/v1", "Widget", ns, "w1" }));
	CHECK(json_integer_value(json_object_get(json_object_get(got, "spec"), "size")) == 3);
	json_decref(crd);
	json_decref(w);
	json_decref(got);
	cf_kube_free(k);
}

static void status_patch(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_ref ref = { "test.cflux.io/v1", "Widget", ns, "w1" };
	json_t *patch = json_pack("{s:{s:[{s:s,s:s,s:s}],s:i}}", "status", "conditions", "type", "Ready",
				  "status", "True", "reason", "Succeeded", "observedGeneration", 1);
	json_t *got = NULL, *spec_patch = json_pack("{s:{s:i}}", "spec", "size", 5);

	if (k == NULL)
		return;
	CHECK_OK(cf_kube_patch_status(k, NULL, &ref, patch));
	/* a status patch changes status only; a plain patch of status is ignored by the API */
	CHECK_OK(cf_kube_merge_patch(k, NULL, &ref, spec_patch));
	CHECK_OK(cf_kube_get(k, &got, &ref));
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(got, "status"),
		"conditions"), 0), "reason")), "Succeeded");
	CHECK(json_integer_value(json_object_get(json_object_get(got, "spec"), "size")) == 5);
	json_decref(patch);
	json_decref(spec_patch);
	json_decref(got);
	cf_kube_free(k);
}

/* cf_status_patch makes the server's status equal to the one given: a field it no longer has
 * is sent as null (a merge patch keeps what it does not mention), nested ones too, and a second
 * write from the same object removes what the first one added. */
static void status_patch_removes_fields(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_ref ref = { "test.cflux.io/v1", "Widget", ns, "w1" };
	json_t *obj = NULL, *got = NULL, *st;

	if (k == NULL)
		return;
	CHECK_OK(cf_kube_get(k, &obj, &ref));
	st = json_pack("{s:s,s:{s:s,s:s},s:i}", "webhookPath", "/hook/abc", "artifact", "path", "p", "extra", "x",
		       "observedGeneration", 1);
	CHECK_OK(cf_status_patch(k, obj, st));
	/* the second write, from the same object: the path and the nested field go */
	json_object_del(st, "webhookPath");
	json_object_del(json_object_get(st, "artifact"), "extra");
	CHECK_OK(cf_status_patch(k, obj, st));
	CHECK_OK(cf_kube_get(k, &got, &ref));
	CHECK(json_object_get(json_object_get(got, "status"), "webhookPath") == NULL);
	CHECK(json_object_get(json_object_get(json_object_get(got, "status"), "artifact"), "extra") == NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(got, "status"), "artifact"), "path")), "p");
	CHECK(json_object_get(json_object_get(got, "status"), "conditions") == NULL);   /* dropped as well */
	json_decref(got);
	got = NULL;
	/* from a freshly read object too */
	json_decref(obj);
	obj = NULL;
	CHECK_OK(cf_kube_get(k, &obj, &ref));
	json_object_del(st, "artifact");
	CHECK_OK(cf_status_patch(k, obj, st));
	CHECK_OK(cf_kube_get(k, &got, &ref));
	CHECK(json_object_get(json_object_get(got, "status"), "artifact") == NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(got, "status"), "observedGeneration")) == 1);
	json_decref(st);
	json_decref(obj);
	json_decref(got);
	cf_kube_free(k);
}

/* A version the API no longer serves is CF_ENOTSERVED, for a client that knew the kind (its
 * discovery cache) and one that did not; an object that is not there is still CF_ENOTFOUND. */
static void unserved_version_is_not_not_found(void)
{
	cf_kube *k = kube_client(NULL, NULL), *fresh = NULL;
	cf_kube_ref ref = { "test.cflux.io/v1", "Widget", ns, "w1" }, missing = ref;
	cf_kube_resource res;
	json_t *list = NULL, *empty = json_object();
	int unserved = 0;

	missing.name = "not-there";
	if (k == NULL)
		return;
	CHECK_OK(cf_kube_get(k, NULL, &ref));
	CHECK(cf_kube_get(k, NULL, &missing) == CF_ENOTFOUND);
	CHECK(system("kubectl patch crd widgets.test.cflux.io --type json "
		     "-p '[{\"op\":\"replace\",\"path\":\"/spec/versions/0/served\",\"value\":false}]' >/dev/null") == 0);
	for (int i = 0; i < 100 && !unserved; i++) {
		unserved = cf_kube_request(k, NULL, "GET", "/apis/test.cflux.io/v1/namespaces/default/widgets", NULL, NULL, 0) < 0;
		if (!unserved)
			msleep(100);
	}
	CHECK(unserved);
	CHECK(cf_kube_get(k, NULL, &ref) == CF_ENOTSERVED);
	CHECK_CONTAINS(cf_err_msg(), "does not serve");
	CHECK(cf_kube_list(k, &list, &ref, NULL) == CF_ENOTSERVED);
	CHECK(cf_kube_merge_patch(k, NULL, &ref, empty) == CF_ENOTSERVED);
	fresh = kube_client(NULL, NULL);
	if (fresh) {
		CHECK(cf_kube_resolve(fresh, &res, "test.cflux.io/v1", "Widget") == CF_ENOTSERVED);
		CHECK(cf_kube_get(fresh, NULL, &ref) == CF_ENOTSERVED);
		CHECK_OK(cf_kube_get(fresh, NULL, &(cf_kube_ref){ "test.cflux.io/v1beta1", "Widget", ns, "w1" }));
	}
	CHECK(system("kubectl patch crd widgets.test.cflux.io --type json "
		     "-p '[{\"op\":\"replace\",\"path\":\"/spec/versions/0/served\",\"value\":true}]' >/dev/null") == 0);
	for (int i = 0; i < 100 && cf_kube_get(k, NULL, &ref) != 0; i++)
		msleep(100);
	CHECK_OK(cf_kube_get(k, NULL, &ref));
	CHECK(cf_kube_get(k, NULL, &missing) == CF_ENOTFOUND);
	json_decref(list);
	json_decref(empty);
	cf_kube_free(fresh);
	cf_kube_free(k);
}

static void ssa_dry_run_conflict_force(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts a = CF_KUBE_APPLY_OPTS_INIT, b = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube_ref ref = { "v1", "ConfigMap", NULL, "ssa" };
	json_t *cm = configmap("ssa", "color", "blue", NULL), *out = NULL, *live = NULL;

	if (k == NULL)
		return;
	ref.namespace = ns;
	a.field_manager = "cflux-a";
	b.field_manager = "cflux-b";
	CHECK_OK(cf_kube_apply(k, &out, cm, &a));
	CHECK_STR(json_string_value(json_object_get(json_object_get(out, "data"), "color")), "blue");
	json_decref(out);
	/* dry-run: the API answers with the result and stores nothing */
	json_object_set_new(json_object_get(cm, "data"), "color", json_string("green"));
	a.dry_run = 1;
	CHECK_OK(cf_kube_apply(k, &out, cm, &a));
	CHECK_STR(json_string_value(json_object_get(json_object_get(out, "data"), "color")), "green");
	json_decref(out);
	CHECK_OK(cf_kube_get(k, &live, &ref));
	CHECK_STR(json_string_value(json_object_get(json_object_get(live, "data"), "color")), "blue");
	json_decref(live);
	/* another manager taking the same field: a conflict naming it, then force wins */
	json_object_set_new(json_object_get(cm, "data"), "color", json_string("red"));
	CHECK(cf_kube_apply(k, NULL, cm, &b) == CF_ECONFLICT);
	CHECK_CONTAINS(cf_err_msg(), "conflict");
	CHECK_CONTAINS(cf_err_msg(), "cflux-a");
	CHECK_STR(cf_kube_last_reason(k), "Conflict");
	b.force = 1;
	CHECK_OK(cf_kube_apply(k, &out, cm, &b));
	CHECK_STR(json_string_value(json_object_get(json_object_get(out, "data"), "color")), "red");
	json_decref(out);
	json_decref(cm);
	cf_kube_free(k);
}

static void list_selector_and_pages(void)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *k = NULL;
	json_t *list = NULL;
	char name[32];

	o.kubeconfig = env_need("CFLUX_KUBECONFIG_TOKEN");
	o.list_page_size = 2;
	if (o.kubeconfig == NULL || cf_kube_new(&k, &o) < 0) {
		CHECK(k != NULL);
		return;
	}
	for (int i = 0; i < 10; i++) {
		json_t *cm;
		snprintf(name, sizeof(name), "sel-%d", i);
		cm = configmap(name, "i", "x", i < 7 ? "picked" : "other");
		CHECK_OK(cf_kube_create(k, NULL, cm));
		json_decref(cm);
	}
	CHECK_OK(cf_kube_list(k, &list, &(cf_kube_ref){ "v1", "ConfigMap", ns, NULL }, "app=picked"));
	CHECK(json_array_size(json_object_get(list, "items")) == 7);
	CHECK(json_string_value(json_object_get(json_object_get(list, "metadata"), "resourceVersion")) != NULL);
	json_decref(list);
	CHECK_OK(cf_kube_list(k, &list, &(cf_kube_ref){ "v1", "ConfigMap", ns, NULL }, "app in (picked,other)"));
	CHECK(json_array_size(json_object_get(list, "items")) == 10);
	json_decref(list);
	cf_kube_free(k);
}

static void errors_reach_caller(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	json_t *bad = configmap("Not_Valid", "k", "v", NULL);

	if (k == NULL)
		return;
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "nope" }) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "configmaps \"nope\" not found");
	CHECK(cf_kube_last_code(k) == 404);
	CHECK_STR(cf_kube_last_reason(k), "NotFound");
	CHECK(cf_kube_create(k, NULL, bad) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "ConfigMap \"Not_Valid\" is invalid");
	CHECK(cf_kube_last_code(k) == 422);
	CHECK_STR(cf_kube_last_reason(k), "Invalid");
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "Gizmo", ns, "x" }) == CF_ENOTSERVED);
	CHECK_CONTAINS(cf_err_msg(), "no matches for kind \"Gizmo\"");
	json_decref(bad);
	cf_kube_free(k);
}

/* An immutable-field refusal is told from the Status (reason Invalid, its causes), not from
 * its words: an immutable ConfigMap (FieldValueForbidden) and a Deployment's selector
 * (FieldValueInvalid, "field is immutable") are; a bad name (Invalid too) is not. */
static void immutable_refusal_from_status(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts a = CF_KUBE_APPLY_OPTS_INIT;
	json_t *cm = configmap("frozen", "v", "1", NULL), *bad = configmap("Not_Valid", "k", "v", NULL), *svc;

	if (k == NULL)
		return;
	a.field_manager = "cflux-test";
	json_object_set_new(cm, "immutable", json_true());
	CHECK_OK(cf_kube_apply(k, NULL, cm, &a));
	CHECK(cf_kube_last_immutable(k) == 0);
	json_object_set_new(json_object_get(cm, "data"), "v", json_string("2"));
	CHECK(cf_kube_apply(k, NULL, cm, &a) == CF_EINVAL);
	CHECK(cf_kube_last_immutable(k) == 1);
	CHECK(cf_kube_create(k, NULL, bad) == CF_EINVAL);
	CHECK_STR(cf_kube_last_reason(k), "Invalid");
	CHECK(cf_kube_last_immutable(k) == 0);
	svc = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}}}", "apiVersion", "apps/v1",
			"kind", "Deployment", "metadata", "name", "fixed-selector", "namespace", ns, "spec", "selector",
			"matchLabels", "app", "one", "template", "metadata", "labels", "app", "one", "spec", "containers",
			"name", "c", "image", "example.invalid/none:1");
	CHECK_OK(cf_kube_apply(k, NULL, svc, &a));
	json_object_set_new(json_object_get(json_object_get(json_object_get(svc, "spec"), "selector"), "matchLabels"),
			    "app", json_string("two"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(json_object_get(svc, "spec"), "template"),
							    "metadata"), "labels"), "app", json_string("two"));
	CHECK(cf_kube_apply(k, NULL, svc, &a) == CF_EINVAL);
	CHECK(cf_kube_last_immutable(k) == 1);
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "frozen" }));
	CHECK(cf_kube_last_immutable(k) == 0);
	json_decref(svc);
	json_decref(bad);
	json_decref(cm);
	cf_kube_free(k);
}

static void events_and_delete(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_ref ref = { "v1", "ConfigMap", NULL, "sel-0" };
	json_t *cm = NULL, *events = NULL, *e, *ann = json_pack("{s:s}", "revision", "main@sha1:abc");
	size_t i;
	int found = 0, gone = 0;

	if (k == NULL)
		return;
	ref.namespace = ns;
	CHECK_OK(cf_kube_get(k, &cm, &ref));
	CHECK_OK(cf_kube_event(k, cm, "Warning", "BuildFailed", "kustomize build failed: x", "cflux-test", ann));
	CHECK_OK(cf_kube_list(k, &events, &(cf_kube_ref){ "v1", "Event", ns, NULL }, NULL));
	json_array_foreach(json_object_get(events, "items"), i, e) {
		const char *reason = json_string_value(json_object_get(e, "reason"));
		if (reason && strcmp(reason, "BuildFailed") == 0) {
			found = 1;
			CHECK_STR(json_string_value(json_object_get(json_object_get(e, "involvedObject"), "name")), "sel-0");
			CHECK_STR(json_string_value(json_object_get(json_object_get(e, "source"), "component")), "cflux-test");
			CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(e, "metadata"),
				"annotations"), "revision")), "main@sha1:abc");
		}
	}
	CHECK(found);
	CHECK_OK(cf_kube_delete(k, &ref, "Foreground"));
	for (int t = 0; t < 50 && !gone; t++) {
		gone = cf_kube_get(k, NULL, &ref) == CF_ENOTFOUND;
		if (!gone)
			msleep(100);
	}
	CHECK(gone);
	CHECK(cf_kube_delete(k, &ref, NULL) == CF_ENOTFOUND);
	json_decref(cm);
	json_decref(events);
	json_decref(ann);
	cf_kube_free(k);
}

static void impersonation(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	const char *groups[] = { "system:serviceaccounts", NULL };
	char user[128];

	if (k == NULL)
		return;
	snprintf(user, sizeof(user), "system:serviceaccount:%s:deployer", ns);
	CHECK_OK(cf_kube_impersonate(k, user, groups));
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "sel-1" }) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), user);
	CHECK_OK(cf_kube_impersonate(k, NULL, NULL));
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "sel-1" }));
	cf_kube_free(k);
}

/* ---- watch ---- */

typedef struct watch_seen {
	pthread_mutex_t lock;
	char want_name[64];
	char want_value[64];
	int found;
	int events;
	volatile int stop;
} watch_seen;

static int on_watch(const char *type, json_t *obj, void *payload)
{
	watch_seen *s = payload;
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const char *v = json_string_value(json_object_get(json_object_get(obj, "data"), "v"));

	pthread_mutex_lock(&s->lock);
	s->events++;
	if (strcmp(type, "DELETED") != 0 && name && strcmp(name, s->want_name) == 0 && v &&
	    strcmp(v, s->want_value) == 0)
		s->found = 1;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void *watch_thread(void *arg)
{
	watch_seen *s = arg;
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_watch_opts o = CF_KUBE_WATCH_OPTS_INIT;

	if (k == NULL)
		return NULL;
	o.stop = &s->stop;
	o.server_timeout_s = 30;
	if (cf_kube_watch(k, &(cf_kube_ref){ "v1", "ConfigMap", ns, NULL }, &o, on_watch, s) < 0)
		fprintf(stdout, "  watch ended: %s\n", cf_err_msg());
	cf_kube_free(k);
	return NULL;
}

static void expect(watch_seen *s, const char *name, const char *value)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->want_name, sizeof(s->want_name), "%s", name);
	snprintf(s->want_value, sizeof(s->want_value), "%s", value);
	s->found = 0;
	pthread_mutex_unlock(&s->lock);
}

static int wait_found(watch_seen *s, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		int f;
		pthread_mutex_lock(&s->lock);
		f = s->found;
		pthread_mutex_unlock(&s->lock);
		if (f)
			return 1;
		msleep(100);
	}
	return 0;
}

static void watch_sees_kubectl_and_restart(void)
{
	watch_seen s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	cf_kube *k = kube_client(NULL, NULL);
	json_t *cm = configmap("watched", "v", "one", NULL);
	pthread_t t;
	char cmd[512];

	if (k == NULL || getenv("KUBECONFIG") == NULL) {
		CHECK(getenv("KUBECONFIG") != NULL);
		cf_kube_free(k);
		json_decref(cm);
		return;
	}
	expect(&s, "watched", "one");
	CHECK_OK(cf_kube_create(k, NULL, cm));
	CHECK(pthread_create(&t, NULL, watch_thread, &s) == 0);
	CHECK(wait_found(&s, 20));             /* from the initial list */
	/* an edit by kubectl reaches the watch */
	expect(&s, "watched", "two");
	snprintf(cmd, sizeof(cmd), "kubectl -n %s patch configmap watched --type merge -p '{\"data\":{\"v\":\"two\"}}' >/dev/null", ns);
	CHECK(sh("%s", cmd) == 0);
	CHECK(wait_found(&s, 20));
	/* the API server goes away and comes back: the watch resumes by itself */
	CHECK(sh("%s", "sh tests/env/down apiserver && sh tests/env/up apiserver >/dev/null 2>&1") == 0);
	expect(&s, "watched", "three");
	json_object_set_new(json_object_get(cm, "data"), "v", json_string("three"));
	json_t *patch = json_pack("{s:{s:s}}", "data", "v", "three");
	CHECK_OK(cf_kube_merge_patch(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "watched" }, patch));
	json_decref(patch);
	CHECK(wait_found(&s, 60));
	s.stop = 1;
	pthread_join(t, NULL);
	json_decref(cm);
	cf_kube_free(k);
}

/* ---- in-cluster config: a service account token from the token controller ---- */

static void in_cluster_config(void)
{
	cf_kube *admin = kube_client(NULL, NULL);
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *k = NULL;
	json_t *secret = NULL;
	char dir[] = "/tmp/cflux-sa-XXXXXX", path[512], user[160];
	const char *secret_name = NULL;
	FILE *f;

	if (admin == NULL || env_need("CFLUX_CA") == NULL || mkdtemp(dir) == NULL) {
		cf_kube_free(admin);
		return;
	}
	/* Since 1.24 no token Secret is made for a service account by itself; one asked for (type
	 * service-account-token, naming the account) is filled by the token controller on every
	 * version, 1.20 included. */
	snprintf(path, sizeof(path), "kubectl -n %s apply -f - >/dev/null <<'EOT'\napiVersion: v1\nkind: Secret\n"
		 "metadata:\n  name: default-token\n  annotations: {kubernetes.io/service-account.name: default}\n"
		 "type: kubernetes.io/service-account-token\nEOT\n", ns);
	CHECK(system(path) == 0);
	for (int i = 0; i < 100 && secret_name == NULL; i++) {
		json_decref(secret);
		secret = NULL;
		if (cf_kube_get(admin, &secret, &(cf_kube_ref){ "v1", "Secret", ns, "default-token" }) == 0 &&
		    json_object_get(json_object_get(secret, "data"), "token"))
			secret_name = "default-token";
		if (secret_name == NULL)
			msleep(100);
	}
	CHECK(secret_name != NULL);
	if (secret_name == NULL)
		goto out;
	/* write the three files a pod would see, as the kubelet would */
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	if (f) {
		const char *b64 = json_string_value(json_object_get(json_object_get(secret, "data"), "token"));
		char cmd[4096];
		fclose(f);
		snprintf(cmd, sizeof(cmd), "echo '%s' | base64 -d > %s", b64 ? b64 : "", path);
		CHECK(system(cmd) == 0);
	}
	snprintf(path, sizeof(path), "cp %s %s/ca.crt && printf %s > %s/namespace", getenv("CFLUX_CA"), dir, ns, dir);
	CHECK(system(path) == 0);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", strrchr(getenv("CFLUX_APISERVER"), ':') + 1, 1);
	o.in_cluster = 1;
	o.sa_dir = dir;
	CHECK_OK(cf_kube_new(&k, &o));
	if (k) {
		CHECK_STR(cf_kube_namespace(k), ns);
		/* it is the service account that speaks: it may discover, not read config maps */
		CHECK_OK(cf_kube_request(k, NULL, "GET", "/api", NULL, NULL, 0));
		snprintf(user, sizeof(user), "system:serviceaccount:%s:default", ns);
		CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", NULL, "sel-1" }) == CF_EAUTH);
		CHECK_CONTAINS(cf_err_msg(), user);
	}
out:
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
	json_decref(secret);
	cf_kube_free(k);
	cf_kube_free(admin);
}

static void connections_reused_over_http2(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	long conns = -1, version = 0;

	if (k == NULL)
		return;
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }));
	for (int i = 0; i < 5; i++) {
		CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }));
		cf_kube_last_conn(k, &conns, &version);
		CHECK(conns == 0);
	}
	CHECK(version == 20);
	cf_kube_free(k);
}

/* A client of the webhook sink, whose /fail/TAG answers 500 to every request and records it. */
static cf_kube *failing_client(const char *tag, char *kubeconfig, size_t size)
{
	const char *sink = env_need("CFLUX_SINK_URL");
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *k = NULL;
	FILE *f;

	if (sink == NULL)
		return NULL;
	snprintf(kubeconfig, size, "/tmp/cflux-%s.kubeconfig", tag);
	f = fopen(kubeconfig, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return NULL;
	fprintf(f, "current-context: s\ncontexts: [{name: s, context: {cluster: s, user: u}}]\n"
		"clusters: [{name: s, cluster: {server: '%s/fail/%s'}}]\n"
		"users: [{name: u, user: {token: tok-%s}}]\n", sink, tag, tag);
	fclose(f);
	o.kubeconfig = kubeconfig;
	o.max_retries = 2;
	CHECK_OK(cf_kube_new(&k, &o));
	return k;
}

/* How many requests the sink has recorded whose path contains tag. */
static int sink_hits(const char *tag)
{
	cf_buf b = CF_BUF_INIT(64u << 20);
	int hits = 0;

	CHECK_OK(cf_buf_read_file(&b, getenv("CFLUX_SINK_LOG")));
	for (const char *p = b.data; p && (p = strstr(p, tag)) != NULL; p++)
		if (strncmp(p - 1, "/", 1) == 0)   /* the path, not the token header */
			hits++;
	cf_buf_free(&b);
	return hits;
}

/* A server answering 500: the client retries max_retries times, then reports the failure. */
static void server_errors_are_retried(void)
{
	char path[256], tag[64];
	cf_kube *k;

	snprintf(tag, sizeof(tag), "retry-%ld", (long)getpid());
	if (env_need("CFLUX_SINK_LOG") == NULL || (k = failing_client(tag, path, sizeof(path))) == NULL)
		return;
	CHECK(cf_kube_request(k, NULL, "GET", "/api/v1/namespaces", NULL, NULL, 0) == CF_EAPI);
	CHECK_CONTAINS(cf_err_msg(), "HTTP 500");
	CHECK(cf_kube_last_code(k) == 500);
	CHECK(sink_hits(tag) == 3);
	cf_kube_free(k);
	unlink(path);
}

/* A 500 may come after the server acted: a POST (an Event, a create) sent again would make a
 * second one, a JSON patch could add twice. Only requests that are the same done twice go again. */
static void only_idempotent_requests_are_retried(void)
{
	static const struct { const char *method, *type; int hits; } cases[] = {
		{ "POST", "application/json", 1 },
		{ "PATCH", "application/json-patch+json", 1 },
		{ "PUT", "application/json", 3 },
		{ "DELETE", "application/json", 3 },
		{ "PATCH", "application/merge-patch+json", 3 },
		{ "PATCH", "application/apply-patch+yaml", 3 },
	};
	char path[256], tag[64], req[128];
	cf_kube *k;

	snprintf(tag, sizeof(tag), "idem-%ld", (long)getpid());
	if (env_need("CFLUX_SINK_LOG") == NULL || (k = failing_client(tag, path, sizeof(path))) == NULL)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[128];
		snprintf(req, sizeof(req), "/case-%zu", i);
		CHECK(cf_kube_request(k, NULL, cases[i].method, req, cases[i].type, "{}", 2) == CF_EAPI);
		snprintf(want, sizeof(want), "%s/case-%zu", tag, i);
		if (sink_hits(want) != cases[i].hits)
			cf_test_fail(__FILE__, __LINE__, "%s %s: sent %d times, want %d", cases[i].method, cases[i].type,
				     sink_hits(want), cases[i].hits);
	}
	cf_kube_free(k);
	unlink(path);
}

/* The bearer token is copied into the request's header lines: they are zeroed before they are
 * freed (cf_http zeroes its own copies for curl the same way). */
static void header_lists_are_wiped(void)
{
	char path[256], tag[64];
	cf_http_headers h = CF_HTTP_HEADERS_INIT;
	int auth = 0, clean = 1;
	cf_kube *k;

	snprintf(tag, sizeof(tag), "wipe-%ld", (long)getpid());
	if ((k = failing_client(tag, path, sizeof(path))) == NULL)
		return;
	size_t lens[16], n_lines = 0;

	CHECK_OK(kube_build_headers(k, &h, "application/json"));
	for (size_t i = 0; i < h.n && n_lines < 16; i++) {
		auth += strstr(h.lines[i], "Authorization: Bearer tok-") != NULL;
		lens[n_lines++] = strlen(h.lines[i]);
	}
	CHECK(auth == 1);
	CHECK(h.lines != NULL && h.lines[h.n] == NULL);
	cf_http_headers_wipe(&h);
	for (size_t i = 0; i < n_lines; i++)
		for (size_t j = 0; j < lens[i]; j++)
			clean &= h.lines[i][j] == '\0';
	CHECK(clean);
	cf_http_headers_free(&h);
	CHECK(h.lines == NULL && h.n == 0);
	cf_kube_free(k);
	unlink(path);
}

static void cleanup(void)
{
	cf_kube *k = kube_client(NULL, NULL);

	if (k == NULL)
		return;
	CHECK_OK(cf_kube_delete(k, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background"));
	CHECK_OK(cf_kube_delete(k, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition",
						  NULL, "widgets.test.cflux.io" }, NULL));
	cf_kube_free(k);
}

static const cf_test_case cases[] = {
	{ "setup_namespace", setup_namespace },
	{ "both_kubeconfigs_work", both_kubeconfigs_work },
	{ "crd_and_custom_resource", crd_and_custom_resource },
	{ "status_patch", status_patch },
	{ "status_patch_removes_fields", status_patch_removes_fields },
	{ "unserved_version_is_not_not_found", unserved_version_is_not_not_found },
	{ "ssa_dry_run_conflict_force", ssa_dry_run_conflict_force },
	{ "list_selector_and_pages", list_selector_and_pages },
	{ "errors_reach_caller", errors_reach_caller },
	{ "immutable_refusal_from_status", immutable_refusal_from_status },
	{ "events_and_delete", events_and_delete },
	{ "impersonation", impersonation },
	{ "in_cluster_config", in_cluster_config },
	{ "watch_sees_kubectl_and_restart", watch_sees_kubectl_and_restart },
	{ "connections_reused_over_http2", connections_reused_over_http2 },
	{ "server_errors_are_retried", server_errors_are_retried },
	{ "only_idempotent_requests_are_retried", only_idempotent_requests_are_retried },
	{ "header_lists_are_wiped", header_lists_are_wiped },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
