/* tests/integration/test_yaml_kubectl.c - the yaml module reads exactly what kubectl reads:
 * one file, sent by kubectl to the real apiserver (server-side dry-run into a CRD that keeps
 * unknown fields) and read by cf_yaml_load_file, gives the same JSON. */
#include "kube/kube.h"
#include "kube_env.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARITY_FILE "tests/integration/testdata/yaml-parity.yaml"

static const char *crd =
	"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
	"metadata: {name: samples.parity.cflux.io}\n"
	"spec:\n  group: parity.cflux.io\n  scope: Cluster\n"
	"  names: {plural: samples, singular: sample, kind: Sample, listKind: SampleList}\n"
	"  versions:\n  - name: v1\n    served: true\n    storage: true\n"
	"    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n"
	"          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void report_differences(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		json_t *w = json_object_get(b, k);
		if (!json_equal(v, w)) {
			char *x = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			char *y = w ? json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			cf_test_fail(__FILE__, __LINE__, "spec.%s: cflux %s, kubectl %s", k, x ? x : "?", y ? y : "(missing)");
			free(x);
			free(y);
		}
	}
}

static void same_json_as_kubectl(void)
{
	cf_kube *k = kube_client(NULL, NULL);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	json_t *c = NULL, *ours = NULL, *theirs = NULL;
	cf_buf out = CF_BUF_INIT(1u << 20);
	char chunk[4096];
	FILE *p;
	size_t n;
	int ok = 0;

	if (k == NULL || env_need("KUBECONFIG") == NULL)
		goto out;
	ao.field_manager = "cflux-test";
	CHECK_OK(cf_yaml_load(&c, crd, strlen(crd), "crd"));
	CHECK_OK(cf_kube_apply(k, NULL, c, &ao));
	/* until the new kind is served, kubectl cannot map it */
	for (int i = 0; i < 100 && !ok; i++) {
		cf_buf_reset(&out);
		p = popen("kubectl create --dry-run=server -o json -f " PARITY_FILE " 2>&1", "r");
		if (p == NULL)
			break;
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			cf_buf_append(&out, chunk, n);
		ok = pclose(p) == 0;
		if (!ok)
			msleep(200);
	}
	if (!ok) {
		cf_test_fail(__FILE__, __LINE__, "kubectl failed: %s", out.data ? out.data : "");
		goto out;
	}
	theirs = json_loadb(out.data, out.len, 0, NULL);
	CHECK(theirs != NULL);
	CHECK_OK(cf_yaml_load_file(&ours, PARITY_FILE, 1u << 20));
	if (theirs && ours) {
		json_t *a = json_object_get(json_array_get(ours, 0), "spec");
		json_t *b = json_object_get(theirs, "spec");
		CHECK(json_object_size(a) > 15);
		if (!json_equal(a, b))
			report_differences(a, b);
	}
out:
	if (k)
		cf_kube_delete(k, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL,
						  "samples.parity.cflux.io" }, NULL);
	json_decref(c);
	json_decref(ours);
	json_decref(theirs);
	cf_buf_free(&out);
	cf_kube_free(k);
}

static const cf_test_case cases[] = {
	{ "same_json_as_kubectl", same_json_as_kubectl },
};
CF_TEST_MAIN(cases)
