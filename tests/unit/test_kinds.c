/* tests/unit/test_kinds.c - the kind table: every row complete, lookups by Kind, by
 * apiVersion and by the CLI's names, and the revision read from status. */
#include "runtime/kinds.h"
#include "test.h"

#include <string.h>

static void rows_complete(void)
{
	for (int i = 0; i < CF_KIND_COUNT; i++) {
		const cf_kind *k = cf_kind_get((cf_kind_id)i);
		CHECK(k != NULL && k->id == (cf_kind_id)i);
		if (k == NULL)
			continue;
		CHECK(k->kind && k->group && k->api_version && k->plural && k->cli[0] && k->controller);
		CHECK(strncmp(k->api_version, k->group, strlen(k->group)) == 0 && k->api_version[strlen(k->group)] == '/');
		CHECK(cf_controller_find(k->controller) != NULL);
		CHECK(cf_kind_find(k->kind) == k);
	}
	CHECK(cf_kind_get(CF_KIND_COUNT) == NULL);
}

static void by_kind_and_version(void)
{
	const cf_kind *g = cf_kind_find("GitRepository");

	CHECK(g != NULL && strcmp(g->api_version, "source.toolkit.fluxcd.io/v1") == 0);
	CHECK(g && strcmp(g->plural, "gitrepositories") == 0 && strcmp(cf_kind_version(g), "v1") == 0);
	CHECK(cf_kind_find_gvk("source.toolkit.fluxcd.io/v1", "GitRepository") == g);
	CHECK(cf_kind_find_gvk("source.toolkit.fluxcd.io/v1beta2", "GitRepository") == g);
	CHECK(cf_kind_find_gvk("source.toolkit.fluxcd.io/v2", "GitRepository") == NULL);
	CHECK(cf_kind_find_gvk("kustomize.toolkit.fluxcd.io/v1", "GitRepository") == NULL);
	CHECK(cf_kind_find_gvk("source.toolkit.fluxcd.iox/v1", "GitRepository") == NULL);
	CHECK(cf_kind_find("gitrepository") == NULL);
	CHECK(cf_kind_find("Deployment") == NULL);
	CHECK(cf_kind_find(NULL) == NULL);
	CHECK(strcmp(cf_kind_get(CF_KIND_OCIREPOSITORY)->api_version, "source.toolkit.fluxcd.io/v1") == 0);
	CHECK(strcmp(cf_kind_get(CF_KIND_HELMRELEASE)->api_version, "helm.toolkit.fluxcd.io/v2") == 0);
	CHECK(strcmp(cf_kind_get(CF_KIND_PROVIDER)->api_version, "notification.toolkit.fluxcd.io/v1beta3") == 0);
	CHECK(strcmp(cf_kind_get(CF_KIND_RECEIVER)->api_version, "notification.toolkit.fluxcd.io/v1") == 0);
}

static const struct {
	const char *args[3];
	const char *kind; /* NULL: no kind */
	size_t used;
} cli_cases[] = {
	{ { "source", "git", "podinfo" }, "GitRepository", 2 },
	{ { "sources", "git" }, "GitRepository", 2 },
	{ { "kustomization", "apps" }, "Kustomization", 1 },
	{ { "ks" }, "Kustomization", 1 },
	{ { "kustomizations" }, "Kustomization", 1 },
	{ { "alert-provider", "slack" }, "Provider", 1 },
	{ { "alert", "a" }, "Alert", 1 },
	{ { "receiver" }, "Receiver", 1 },
	{ { "source" }, NULL, 0 },
	{ { "source", "gitx" }, NULL, 0 },
	{ { "sourc", "git" }, NULL, 0 },
	{ { "hr", "podinfo" }, "HelmRelease", 1 },
	{ { "helmreleases" }, "HelmRelease", 1 },
	{ { "image", "policy" }, "ImagePolicy", 2 },
	{ { "image", "repository" }, "ImageRepository", 2 },
	{ { "image", "update" }, "ImageUpdateAutomation", 2 },
	{ { "deployment" }, NULL, 0 },
};

static void cli_names(void)
{
	for (size_t i = 0; i < sizeof(cli_cases) / sizeof(cli_cases[0]); i++) {
		char *pos[3];
		size_t n = 0, used = 99;
		const cf_kind *k;

		for (; n < 3 && cli_cases[i].args[n]; n++)
			pos[n] = (char *)cli_cases[i].args[n];
		k = cf_kind_from_args(pos, n, &used);
		if ((k ? k->kind : NULL) != cli_cases[i].kind &&
		    (k == NULL || cli_cases[i].kind == NULL || strcmp(k->kind, cli_cases[i].kind) != 0))
			cf_test_fail(__FILE__, __LINE__, "\"%s %s\": got %s, want %s", pos[0], n > 1 ? pos[1] : "",
				     k ? k->kind : "none", cli_cases[i].kind ? cli_cases[i].kind : "none");
		if (used != cli_cases[i].used)
			cf_test_fail(__FILE__, __LINE__, "\"%s\": used %zu, want %zu", pos[0], used, cli_cases[i].used);
	}
	CHECK(cf_kind_from_args(NULL, 0, &(size_t){ 0 }) == NULL);
}

static void revision(void)
{
	json_t *g = json_pack("{s:{s:{s:s}}}", "status", "artifact", "revision", "main@sha1:abc");
	json_t *ks = json_pack("{s:{s:s}}", "status", "lastAppliedRevision", "main@sha1:def");

	CHECK(g && ks);
	CHECK_STR(cf_kind_revision(cf_kind_get(CF_KIND_GITREPOSITORY), g), "main@sha1:abc");
	CHECK_STR(cf_kind_revision(cf_kind_get(CF_KIND_KUSTOMIZATION), ks), "main@sha1:def");
	CHECK(cf_kind_revision(cf_kind_get(CF_KIND_KUSTOMIZATION), g) == NULL);
	CHECK(cf_kind_revision(cf_kind_get(CF_KIND_PROVIDER), g) == NULL);
	json_decref(g);
	json_decref(ks);
}

static void controllers(void)
{
	size_t n = 0;
	const cf_controller *c = cf_controllers(&n);

	CHECK(n == 5 && strcmp(c[0].name, "source-controller") == 0 && c[0].shipped);
	CHECK(cf_controller_find("helm-controller") && cf_controller_find("helm-controller")->shipped);
	CHECK(cf_controller_find("image-automation-controller") && cf_controller_find("image-automation-controller")->shipped);
	CHECK(cf_controller_find("image-reflector-controller") == NULL);   /* one process owns its kinds */
	CHECK(cf_controller_find("nope") == NULL);
	CHECK(cf_kind_shipped(cf_kind_get(CF_KIND_KUSTOMIZATION)));
	CHECK(cf_kind_shipped(cf_kind_get(CF_KIND_HELMRELEASE)));
	CHECK(cf_kind_shipped(cf_kind_get(CF_KIND_IMAGEPOLICY)));
}

static const cf_test_case tests[] = {
	{ "rows_complete", rows_complete },
	{ "by_kind_and_version", by_kind_and_version },
	{ "cli_names", cli_names },
	{ "revision", revision },
	{ "controllers", controllers },
};
CF_TEST_MAIN(tests)
