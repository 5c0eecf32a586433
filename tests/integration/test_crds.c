/* tests/integration/test_crds.c - manifests/crds on the real apiserver: they establish, and
 * Flux users' manifests (current and older versions) apply and read back unchanged. */
#include "kube/kube.h"
#include "kube_env.h"
#include "test.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char ns[64];

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Every field of want is in got with the same value (the API may add defaults). */
static int subset(const json_t *want, const json_t *got, char *where, size_t size)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(want)) {
		if (!json_is_object(got))
			return snprintf(where, size, "not an object"), 0;
		json_object_foreach((json_t *)want, k, v)
			if (!subset(v, json_object_get(got, k), where, size)) {
				char inner[512];
				snprintf(inner, sizeof(inner), "%s", where);
				snprintf(where, size, "%s.%s", k, inner);
				return 0;
			}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got) || json_array_size(got) != json_array_size(want))
			return snprintf(where, size, "array differs"), 0;
		json_array_foreach(want, i, v)
			if (!subset(v, json_array_get(got, i), where, size))
				return 0;
		return 1;
	}
	if (!json_equal(want, got))
		return snprintf(where, size, "value differs"), 0;
	return 1;
}

static int established(cf_kube *k, const char *name)
{
	json_t *crd = NULL, *c;
	size_t i;
	int ok = 0;

	if (cf_kube_get(k, &crd, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition",
						 NULL, name }) == 0)
		json_array_foreach(json_object_get(json_object_get(crd, "status"), "conditions"), i, c)
			if (strcmp(json_string_value(json_object_get(c, "type")), "Established") == 0 &&
			    strcmp(json_string_value(json_object_get(c, "status")), "True") == 0)
				ok = 1;
	json_decref(crd);
	return ok;
}

static void crds_apply_and_establish(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	DIR *d = opendir("manifests/crds");
	struct dirent *e;
	int count = 0;

	CHECK(d != NULL);
	if (k == NULL || d == NULL)
		goto out;
	ao.field_manager = "cflux-test";
	ao.force = 1;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		json_t *docs = NULL;
		const char *name;

		if (strstr(e->d_name, ".toolkit.fluxcd.io_") == NULL)
			continue;
		snprintf(path, sizeof(path), "manifests/crds/%s", e->d_name);
		CHECK_OK(cf_yaml_load_file(&docs, path, 1u << 20));
		CHECK(json_array_size(docs) == 1);
		name = json_string_value(json_object_get(json_object_get(json_array_get(docs, 0), "metadata"), "name"));
		CHECK_OK(cf_kube_apply(k, NULL, json_array_get(docs, 0), &ao));
		for (int i = 0; i < 100 && name && !established(k, name); i++)
			msleep(100);
		if (name == NULL || !established(k, name))
			cf_test_fail(__FILE__, __LINE__, "%s: CRD not established", path);
		count++;
		json_decref(docs);
	}
	CHECK(count == 12);   /* the kinds of manifests/crds/kustomization.yaml */
out:
	if (d)
		closedir(d);
	cf_kube_free(k);
}

static void flux_manifests_apply_unchanged(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	json_t *docs = NULL, *obj, *nsobj;
	size_t i;

	if (k == NULL)
		return;
	snprintf(ns, sizeof(ns), "cflux-crds-%ld", (long)getpid());
	nsobj = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	CHECK_OK(cf_kube_create(k, NULL, nsobj));
	json_decref(nsobj);
	ao.field_manager = "cflux-test";
	CHECK_OK(cf_yaml_load_file(&docs, "tests/integration/testdata/flux-objects.yaml", 1u << 20));
	CHECK(json_array_size(docs) == 14);
	json_array_foreach(docs, i, obj) {
		json_t *got = NULL;
		cf_kube_ref ref;
		char where[1024] = "";

		json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
		ref.api_version = json_string_value(json_object_get(obj, "apiVersion"));
		ref.kind = json_string_value(json_object_get(obj, "kind"));
		ref.namespace = ns;
		ref.name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
		if (cf_kube_apply(k, NULL, obj, &ao) < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s %s: %s", ref.api_version, ref.kind, cf_err_msg());
			continue;
		}
		CHECK_OK(cf_kube_get(k, &got, &ref));
		if (!subset(json_object_get(obj, "spec"), json_object_get(got, "spec"), where, sizeof(where)))
			cf_test_fail(__FILE__, __LINE__, "%s %s/%s: spec.%s after a round trip", ref.api_version,
				     ref.kind, ref.name, where);
		json_decref(got);
	}
	json_decref(docs);
	cf_kube_free(k);
}

static void invalid_objects_are_refused(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	const char *y =
		"apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
		"metadata: {name: bad}\nspec: {interval: 5 minutes, url: 'git@github.com:org/repo'}\n";
	json_t *obj = NULL;

	if (k == NULL)
		return;
	ao.field_manager = "cflux-test";
	CHECK_OK(cf_yaml_load(&obj, y, strlen(y), "bad.yaml"));
	json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
	CHECK(cf_kube_apply(k, NULL, obj, &ao) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "spec.url");
	CHECK_CONTAINS(cf_err_msg(), "spec.interval");
	json_decref(obj);
	cf_kube_free(k);
}

static void printer_columns_and_short_names(void)
{
	char cmd[512], out[4096] = "";
	size_t n;
	FILE *p;

	if (env_need("KUBECONFIG") == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "kubectl get gitrepo,ks,hr,hc,helmrepo,imagerepo,imagepol,iua -n %s 2>&1", ns);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (p == NULL)
		return;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	CHECK(pclose(p) == 0);
	CHECK_CONTAINS(out, "gitrepository.source.toolkit.fluxcd.io/podinfo");
	CHECK_CONTAINS(out, "URL");
	CHECK_CONTAINS(out, "READY");
	CHECK_CONTAINS(out, "STATUS");
	CHECK_CONTAINS(out, "AGE");
	CHECK_CONTAINS(out, "kustomization.kustomize.toolkit.fluxcd.io/apps");
	CHECK_CONTAINS(out, "helmrelease.helm.toolkit.fluxcd.io/redis");
	CHECK_CONTAINS(out, "imagepolicy.image.toolkit.fluxcd.io/podinfo");
}

static void cleanup(void)
{
	cf_kube *k = kube_client(NULL, NULL);

	if (k == NULL)
		return;
	CHECK_OK(cf_kube_delete(k, &(cf_kube_ref){ "v1", "Namespace", NULL, ns }, "Background"));
	cf_kube_free(k);
}

static const cf_test_case cases[] = {
	{ "crds_apply_and_establish", crds_apply_and_establish },
	{ "flux_manifests_apply_unchanged", flux_manifests_apply_unchanged },
	{ "invalid_objects_are_refused", invalid_objects_are_refused },
	{ "printer_columns_and_short_names", printer_columns_and_short_names },
	CF_TEST_CLEANUP("cleanup", cleanup),
};
CF_TEST_MAIN(cases)
