/* tests/integration/test_apply.c - common/apply against the real apiserver: staging (a custom
 * resource applied with its CRD and namespace in one set), defaults, change detection, the
 * all-or-nothing dry run, inventory ids, and prune with prune: disabled. */
#include "apply.h"
#include "err.h"
#include "kube.h"
#include "kube_env.h"
#include "test.h"
#include "yaml.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char ns[64];
static cf_kube *k;
static json_t *inventory;

static json_t *objects(const char *extra)
{
	char text[8192];
	json_t *docs = NULL;

	snprintf(text, sizeof(text),
		 "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
		 "metadata: {name: gadgets.apply.cflux.io}\n"
		 "spec:\n  group: apply.cflux.io\n  scope: Namespaced\n"
		 "  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}\n"
		 "  versions:\n  - name: v1\n    served: true\n    storage: true\n"
		 "    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n"
		 "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"
		 "---\napiVersion: apply.cflux.io/v1\nkind: Gadget\nmetadata: {name: g1, namespace: %s}\nspec: {size: 1}\n"
		 "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: %s}\n"
		 "spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: web}}\n"
		 "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: %s}\n"
		 "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
		 "    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}\n"
		 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep, namespace: %s, annotations: "
		 "{kustomize.toolkit.fluxcd.io/prune: disabled}}\ndata: {a: \"1\"}\n"
		 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: goes, namespace: %s}\ndata: {a: \"1\"}\n%s",
		 ns, ns, ns, ns, ns, ns, extra ? extra : "");
	if (cf_yaml_load_all(&docs, text, strlen(text), "set") < 0)
		cf_test_fail(__FILE__, __LINE__, "%s", cf_err_msg());
	return docs;
}

static void setup(void)
{
	snprintf(ns, sizeof(ns), "cflux-apply-%ld", (long)getpid());
	k = kube_client(NULL, NULL);
}

static void staged_apply_creates_all(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result r;
	json_t *set = objects(NULL), *svc = NULL;
	char id[300];

	if (k == NULL || set == NULL)
		return;
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	CHECK(r.created == 7);
	CHECK(json_array_size(r.inventory) == 7);
	snprintf(id, sizeof(id), "%s_web_apps_Deployment", ns);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 4), "id")), id);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 4), "v")), "v1");
	snprintf(id, sizeof(id), "_%s__Namespace", ns);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 1), "id")), id);
	/* defaults the 1.20 apiserver needs for server-side apply were filled in */
	CHECK_OK(cf_kube_get(k, &svc, &(cf_kube_ref){ "v1", "Service", ns, "web" }));
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(svc, "spec"), "ports"), 0),
		"protocol")), "TCP");
	inventory = json_incref(r.inventory);
	cf_apply_result_free(&r);
	json_decref(svc);
	json_decref(set);
}

static void reapply_is_unchanged_then_configured(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result r;
	json_t *set = objects(NULL);

	if (k == NULL || set == NULL)
		return;
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	CHECK(r.unchanged == 7 && r.created == 0 && r.configured == 0);
	cf_apply_result_free(&r);
	json_object_set_new(json_object_get(json_array_get(set, 2), "spec"), "size", json_integer(2));
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	CHECK(r.configured == 1 && r.unchanged == 6);
	CHECK(strstr(json_string_value(json_array_get(r.changes, 2)), "Gadget/") != NULL);
	CHECK(strstr(json_string_value(json_array_get(r.changes, 2)), "configured") != NULL);
	cf_apply_result_free(&r);
	json_decref(set);
}

static void bad_object_applies_nothing(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result r;
	char extra[512];
	json_t *set;

	snprintf(extra, sizeof(extra), "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: new-one, namespace: %s}\n"
		 "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken, namespace: %s}\n"
		 "spec: {replicas: many}\n", ns, ns);
	set = objects(extra);
	if (k == NULL || set == NULL)
		return;
	/* (this 1.20 apiserver answers a server-side apply type error with 500, not 422) */
	CHECK(cf_apply_set(k, &r, set, &o) < 0);
	CHECK_CONTAINS(cf_err_msg(), "Deployment/");
	CHECK_CONTAINS(cf_err_msg(), "broken");
	CHECK_CONTAINS(cf_err_msg(), ".spec.replicas");
	/* the valid new object of the same set was not created */
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "new-one" }) == CF_ENOTFOUND);
	json_decref(set);
}

static void prune_respects_disabled(void)
{
	json_t *left = json_array(), *deleted = NULL, *e;
	size_t i;
	char goes[300], keep[300];

	if (k == NULL || inventory == NULL)
		return;
	snprintf(goes, sizeof(goes), "%s_goes__ConfigMap", ns);
	snprintf(keep, sizeof(keep), "%s_keep__ConfigMap", ns);
	/* the new inventory lacks both ConfigMaps */
	json_array_foreach(inventory, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		if (strcmp(id, goes) != 0 && strcmp(id, keep) != 0)
			json_array_append(left, e);
	}
	CHECK_OK(cf_apply_prune(k, &deleted, inventory, left));
	CHECK(json_array_size(deleted) == 1);
	CHECK_CONTAINS(json_string_value(json_array_get(deleted, 0)), "ConfigMap/");
	CHECK_CONTAINS(json_string_value(json_array_get(deleted, 0)), "/goes deleted");
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "keep" }));
	json_decref(left);
	json_decref(deleted);
}

static int always_unchanged(const json_t *obj, void *payload)
{
	(void)obj;
	(void)payload;
	return 1;
}

static void count_applied(const json_t *obj, const json_t *live, void *payload)
{
	(void)obj;
	*(int *)payload += json_is_object(live);
}

/* kustomize.toolkit.fluxcd.io/ssa: Ignore and IfNotPresent, and the caller's skip and record hooks */
static void ssa_annotations_and_hooks(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result r;
	char text[1024];
	json_t *set = NULL, *cm = NULL;
	long w0, w1;
	int applied = 0;

	if (k == NULL)
		return;
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored\n  namespace: %s\n  annotations:\n"
		 "    kustomize.toolkit.fluxcd.io/ssa: Ignore\ndata: {a: \"1\"}\n---\n"
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: once\n  namespace: %s\n  annotations:\n"
		 "    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent\ndata: {a: \"1\"}\n", ns, ns);
	CHECK_OK(cf_yaml_load_all(&set, text, strlen(text), "ssa"));
	o.applied = count_applied;
	o.payload = &applied;
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	CHECK(r.skipped == 1 && r.created == 1 && applied == 1);
	cf_apply_result_free(&r);
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "ignored" }) == CF_ENOTFOUND);
	/* IfNotPresent: a second apply with other data leaves the object as it is */
	json_object_set_new(json_object_get(json_array_get(set, 1), "data"), "a", json_string("2"));
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	CHECK(r.skipped == 2);
	cf_apply_result_free(&r);
	CHECK_OK(cf_kube_get(k, &cm, &(cf_kube_ref){ "v1", "ConfigMap", ns, "once" }));
	CHECK_STR(json_string_value(json_object_get(json_object_get(cm, "data"), "a")), "1");
	json_decref(cm);
	json_decref(set);
	/* objects the caller knows unchanged are neither dry-run nor written */
	set = objects(NULL);
	o = (cf_apply_opts)CF_APPLY_OPTS_INIT;
	o.unchanged = always_unchanged;
	cf_kube_stats(k, NULL, &w0);
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	cf_kube_stats(k, NULL, &w1);
	CHECK(r.unchanged == json_array_size(set) && r.created == 0 && r.configured == 0);
	CHECK(w1 == w0);
	cf_apply_result_free(&r);
	json_decref(set);
}

static void cleanup(void)
{
	if (k == NULL)
		return;
	cf_kube_delete(k, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	cf_kube_delete(k, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
					  "gadgets.apply.cflux.io" }, NULL);
	json_decref(inventory);
	cf_kube_free(k);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "staged_apply_creates_all", staged_apply_creates_all },
	{ "reapply_is_unchanged_then_configured", reapply_is_unchanged_then_configured },
	{ "bad_object_applies_nothing", bad_object_applies_nothing },
	{ "prune_respects_disabled", prune_respects_disabled },
	{ "ssa_annotations_and_hooks", ssa_annotations_and_hooks },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
