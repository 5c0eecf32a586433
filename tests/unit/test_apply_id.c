/* tests/unit/test_apply_id.c - Flux's inventory ids parsed once (apply: cf_apply_id_parse). */
#include "apply/apply.h"
#include "test.h"
#include "util/err.h"

static const struct { const char *id, *ns, *name, *group, *kind; int ok; } cases[] = {
	{ "apps_web_apps_Deployment", "apps", "web", "apps", "Deployment", 1 },
	{ "apps_cfg__ConfigMap", "apps", "cfg", "", "ConfigMap", 1 },
	{ "_apps__Namespace", "", "apps", "", "Namespace", 1 },
	{ "flux-system_podinfo_kustomize.toolkit.fluxcd.io_Kustomization", "flux-system", "podinfo",
	  "kustomize.toolkit.fluxcd.io", "Kustomization", 1 },
	{ "apps_web_apps", NULL, NULL, NULL, NULL, 0 },         /* three parts */
	{ "apps__apps_Deployment", NULL, NULL, NULL, NULL, 0 },  /* no name */
	{ "apps_web_apps_", NULL, NULL, NULL, NULL, 0 },         /* no kind */
	{ "", NULL, NULL, NULL, NULL, 0 },
};

static void table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_apply_id x;
		int rc = cf_apply_id_parse(&x, cases[i].id);
		if ((rc == 0) != cases[i].ok) {
			cf_test_fail(__FILE__, __LINE__, "\"%s\": rc %d", cases[i].id, rc);
			continue;
		}
		if (!cases[i].ok) {
			CHECK(rc == CF_EINVAL);
			continue;
		}
		CHECK_STR(x.ns, cases[i].ns);
		CHECK_STR(x.name, cases[i].name);
		CHECK_STR(x.group, cases[i].group);
		CHECK_STR(x.kind, cases[i].kind);
	}
}

static void describe(void)
{
	char out[200];

	CHECK_OK(cf_apply_id_describe(out, sizeof(out), "apps_web_apps_Deployment"));
	CHECK_STR(out, "Deployment/apps/web");
	CHECK_OK(cf_apply_id_describe(out, sizeof(out), "_apps__Namespace"));
	CHECK_STR(out, "Namespace/apps");
	CHECK(cf_apply_id_describe(out, sizeof(out), "nope") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "'nope' is not an inventory id");
}

static const cf_test_case tests[] = {
	{ "parse_table", table },
	{ "describe", describe },
};
CF_TEST_MAIN(tests)
