/* tests/integration/test_apply.c - common/apply/apply against the real apiserver: staging (a custom
 * resource applied with its CRD and namespace in one set), defaults, change detection, the
 * all-or-nothing dry run, inventory ids, and prune: prune: disabled, owner labels, the keep hook. */
#include "apply/apply.h"
#include "kube/kube.h"
#include "kube_env.h"
#include "test.h"
#include "util/err.h"
#include "yaml/yaml.h"

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
	/* in Flux's order: CRD, Namespace, ConfigMaps, Service, Deployment, then the Gadget */
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 5), "id")), id);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 5), "v")), "v1");
	snprintf(id, sizeof(id), "%s_g1_apply.cflux.io_Gadget", ns);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.inventory, 6), "id")), id);
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
	CHECK(strstr(json_string_value(json_array_get(r.changes, 6)), "Gadget/") != NULL);
	CHECK(strstr(json_string_value(json_array_get(r.changes, 6)), "configured") != NULL);
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
	CHECK_OK(cf_apply_prune(k, &deleted, NULL, inventory, left, &(cf_apply_prune_opts)CF_APPLY_PRUNE_OPTS_INIT));
	CHECK(json_array_size(deleted) == 1);
	CHECK_CONTAINS(json_string_value(json_array_get(deleted, 0)), "ConfigMap/");
	CHECK_CONTAINS(json_string_value(json_array_get(deleted, 0)), "/goes deleted");
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "keep" }));
	json_decref(left);
	json_decref(deleted);
}

static int keep_named_hooked(const char *id, void *payload)
{
	(void)payload;
	return strstr(id, "_hooked_") != NULL;
}

/* Only objects that still carry every owner label are deleted (one another owner adopted is
 * left, and said so), whatever their kind and scope; the keep hook is not second-guessed. */
static void prune_only_what_carries_the_owner_labels(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_prune_opts po = CF_APPLY_PRUNE_OPTS_INIT;
	cf_apply_result r;
	json_t *set = NULL, *deleted = NULL, *skipped = NULL, *none = json_array(), *owner;
	char text[4096], line[300];
	static const char *const gone[][3] = { { "v1", "ConfigMap", "mine" }, { "apply.cflux.io/v1", "Gadget", "g2" },
					       { "rbac.authorization.k8s.io/v1", "ClusterRole", NULL } };
	char role[80];

	if (k == NULL)
		return;
	snprintf(role, sizeof(role), "cflux-apply-%ld", (long)getpid());
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine, namespace: %s, labels: {o/name: a, o/ns: x}}\n"
		 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: theirs, namespace: %s, labels: {o/name: b, o/ns: x}}\n"
		 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: unlabelled, namespace: %s}\n"
		 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: hooked, namespace: %s, labels: {o/name: a, o/ns: x}}\n"
		 "---\napiVersion: apply.cflux.io/v1\nkind: Gadget\nmetadata: {name: g2, namespace: %s, labels: {o/name: a, o/ns: x}}\n"
		 "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: %s, labels: {o/name: a, o/ns: x}}\n"
		 "rules: []\n", ns, ns, ns, ns, ns, role);
	CHECK_OK(cf_yaml_load_all(&set, text, strlen(text), "owned"));
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	owner = json_pack("{s:s,s:s}", "o/name", "a", "o/ns", "x");
	po.owner_labels = owner;
	po.keep = keep_named_hooked;
	CHECK_OK(cf_apply_prune(k, &deleted, &skipped, r.inventory, none, &po));
	CHECK(json_array_size(deleted) == 3);
	CHECK(json_array_size(skipped) == 2);
	snprintf(line, sizeof(line), "ConfigMap/%s/theirs not pruned: label o/name is 'b', not 'a'", ns);
	CHECK_STR(json_string_value(json_array_get(skipped, 0)), line);
	snprintf(line, sizeof(line), "ConfigMap/%s/unlabelled not pruned: label o/name is not set", ns);
	CHECK_STR(json_string_value(json_array_get(skipped, 1)), line);
	for (size_t i = 0; i < 3; i++) {
		int rc = CF_ERR;
		/* background deletion: the API may still show it for a moment */
		for (int t = 0; t < 50 && rc != CF_ENOTFOUND; t++) {
			rc = cf_kube_get(k, NULL, &(cf_kube_ref){ gone[i][0], gone[i][1], gone[i][2] ? ns : NULL,
								  gone[i][2] ? gone[i][2] : role });
			if (rc != CF_ENOTFOUND)
				usleep(100000);
		}
		CHECK(rc == CF_ENOTFOUND);
	}
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "theirs" }));
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "unlabelled" }));
	CHECK_OK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "hooked" }));
	cf_apply_result_free(&r);
	json_decref(owner);
	json_decref(none);
	json_decref(deleted);
	json_decref(skipped);
	json_decref(set);
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

static void count_applied_atomic(const json_t *obj, const json_t *live, void *payload)
{
	(void)obj;
	if (json_is_object(live))
		__atomic_add_fetch((int *)payload, 1, __ATOMIC_RELAXED);
}

/* n ConfigMaps prefix-0..n-1 (data a=value), and the broken Deployment at index bad (-1: none) */
static json_t *config_maps(const char *prefix, int n, const char *value, int bad)
{
	json_t *set = json_array();

	for (int i = 0; i < n && set; i++) {
		char name[64];
		if (i == bad)
			json_array_append_new(set, json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "apiVersion", "apps/v1",
							     "kind", "Deployment", "metadata", "name", "broken", "namespace", ns,
							     "spec", "replicas", "many"));
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		json_array_append_new(set, json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
						     "metadata", "name", name, "namespace", ns, "data", "a", value));
	}
	return set;
}

/* --concurrent-ssa: dry runs and applies over k's helpers; the results in the set's order,
 * the counts and hooks as one at a time, and a bad object still stops the set before any write */
static void concurrent_apply(void)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result r;
	json_t *set = config_maps("par", 24, "1", -1);
	long w0, w1;
	int applied = 0;

	if (k == NULL || set == NULL)
		return;
	o.concurrency = 4;
	o.applied = count_applied_atomic;
	o.payload = &applied;
	cf_kube_stats(k, NULL, &w0);
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	cf_kube_stats(k, NULL, &w1);
	CHECK(r.created == 24 && applied == 24);
	CHECK(w1 - w0 == 24);   /* the helpers' writes counted with k's */
	CHECK(json_array_size(r.changes) == 24);
	/* in Flux's order: by name, as text (par-0, par-1, par-10, ... par-19, par-2, par-20, ...) */
	for (size_t i = 0, prev = 0; i < json_array_size(r.changes); i++) {
		const char *c = json_string_value(json_array_get(r.changes, i));
		CHECK(c != NULL && strstr(c, " created") != NULL);
		CHECK(i == 0 || strcmp(json_string_value(json_array_get(r.changes, prev)), c) < 0);
		prev = i;
	}
	cf_apply_result_free(&r);
	/* three changed, at 8 at once: configured, the rest unchanged and not written */
	for (int i = 5; i < 8; i++)
		json_object_set_new(json_object_get(json_array_get(set, (size_t)i), "data"), "a", json_string("2"));
	o.concurrency = 8;
	cf_kube_stats(k, NULL, &w0);
	CHECK_OK(cf_apply_set(k, &r, set, &o));
	cf_kube_stats(k, NULL, &w1);
	CHECK(r.configured == 3 && r.unchanged == 21 && w1 - w0 == 3);
	CHECK_CONTAINS(json_string_value(json_array_get(r.changes, 20)), "par-6 configured");   /* 20th by name */
	cf_apply_result_free(&r);
	json_decref(set);
	/* a bad object in the middle: named, and nothing of the set written */
	set = config_maps("par-bad", 24, "1", 12);
	o.concurrency = 4;
	cf_kube_stats(k, NULL, &w0);
	CHECK(cf_apply_set(k, &r, set, &o) < 0);
	cf_kube_stats(k, NULL, &w1);
	CHECK_CONTAINS(cf_err_msg(), "Deployment/");
	CHECK_CONTAINS(cf_err_msg(), "broken");
	CHECK(w1 == w0);
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "par-bad-0" }) == CF_ENOTFOUND);
	CHECK(cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "ConfigMap", ns, "par-bad-23" }) == CF_ENOTFOUND);
	json_decref(set);
}

static void cleanup(void)
{
	if (k == NULL)
		return;
	cf_kube_delete(k, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background");
	cf_kube_delete(k, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
					  "gadgets.apply.cflux.io" }, NULL);
	{
		char role[80];
		snprintf(role, sizeof(role), "cflux-apply-%ld", (long)getpid());
		cf_kube_delete(k, &(cf_kube_ref){ "rbac.authorization.k8s.io/v1", "ClusterRole", NULL, role }, NULL);
	}
	json_decref(inventory);
	cf_kube_free(k);
}

static const cf_test_case cases[] = {
	CF_TEST_SETUP("setup", setup),
	{ "staged_apply_creates_all", staged_apply_creates_all },
	{ "reapply_is_unchanged_then_configured", reapply_is_unchanged_then_configured },
	{ "bad_object_applies_nothing", bad_object_applies_nothing },
	{ "prune_respects_disabled", prune_respects_disabled },
	{ "prune_only_what_carries_the_owner_labels", prune_only_what_carries_the_owner_labels },
	{ "ssa_annotations_and_hooks", ssa_annotations_and_hooks },
	{ "concurrent_apply", concurrent_apply },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
