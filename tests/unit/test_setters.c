/* tests/unit/test_setters.c - the Setters strategy: each case's file before and after, every
 * byte but the marked scalars kept. */
#include "test.h"

#include "image-automation-controller/setters.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>

#define M(p) "# {\"$imagepolicy\": \"" p "\"}"
#define PODINFO "ghcr.io/stefanprodan/podinfo"

static json_t *policies(void)
{
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}}", "flux-system:podinfo", "image", PODINFO, "tag", "5.0.3",
			 "apps:app", "image", "reg.local/app", "tag", "2.0.0", "digest", "sha256:0123abcd");
}

static const struct {
	const char *name, *in, *want;
	int changes;
} cases[] = {
	{ "deployment, full image, comments kept",
	  "# top comment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo  # trailing\n"
	  "spec:\n  template:\n    spec:\n      containers:\n      - name: podinfod\n"
	  "        image: " PODINFO ":5.0.0 " M("flux-system:podinfo") "\n\n\n        # after blank lines\n",
	  "# top comment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo  # trailing\n"
	  "spec:\n  template:\n    spec:\n      containers:\n      - name: podinfod\n"
	  "        image: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\n\n\n        # after blank lines\n", 1 },
	{ "helm values, :name and :tag",
	  "image:\n  repository: old/repo   " M("flux-system:podinfo:name") "\n  tag: 5.0.0 " M("flux-system:podinfo:tag") "\n",
	  "image:\n  repository: " PODINFO "   " M("flux-system:podinfo:name") "\n  tag: 5.0.3 " M("flux-system:podinfo:tag") "\n", 2 },
	{ "quoting styles kept",
	  "a: \"" PODINFO ":1\" " M("flux-system:podinfo") "\nb: '" PODINFO ":1' " M("flux-system:podinfo") "\n",
	  "a: \"" PODINFO ":5.0.3\" " M("flux-system:podinfo") "\nb: '" PODINFO ":5.0.3' " M("flux-system:podinfo") "\n", 2 },
	{ "CRLF line ends kept",
	  "kind: Deployment\r\nspec:\r\n  image: x:1 " M("flux-system:podinfo") "\r\n  other: 1\r\n",
	  "kind: Deployment\r\nspec:\r\n  image: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\r\n  other: 1\r\n", 1 },
	{ "multi-document file",
	  "---\nkind: A\nimage: x:1 " M("flux-system:podinfo") "\n---\n# no marker\nkind: B\n...\n---\nkind: C\n"
	  "image: y:1 " M("apps:app:tag") "\n",
	  "---\nkind: A\nimage: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\n---\n# no marker\nkind: B\n...\n---\nkind: C\n"
	  "image: 2.0.0 " M("apps:app:tag") "\n", 2 },
	{ "flow style, the comment not on the scalar: unchanged",
	  "spec: {containers: [{name: a, image: x:1}]} " M("flux-system:podinfo") "\n",
	  "spec: {containers: [{name: a, image: x:1}]} " M("flux-system:podinfo") "\n", 0 },
	{ "flow style over lines, the marked scalar changed",
	  "image: {\n  name: old  " M("flux-system:podinfo:name") "\n  , tag: 1 }\n",
	  "image: {\n  name: " PODINFO "  " M("flux-system:podinfo:name") "\n  , tag: 1 }\n", 1 },
	{ "unknown policy, and an up-to-date value: unchanged",
	  "a: x:1 " M("flux-system:other") "\nb: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\nc: x " M("podinfo") "\n",
	  "a: x:1 " M("flux-system:other") "\nb: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\nc: x " M("podinfo") "\n", 0 },
	{ "digest: the full setter and :digest",
	  "image: reg.local/app:1.0.0 " M("apps:app") "\ndigest: none " M("apps:app:digest") "\n",
	  "image: reg.local/app:2.0.0@sha256:0123abcd " M("apps:app") "\ndigest: sha256:0123abcd " M("apps:app:digest") "\n", 2 },
	{ "an anchor and a tag stay",
	  "image: &img !!str x:1 " M("flux-system:podinfo") "\nother: *img\n",
	  "image: &img !!str " PODINFO ":5.0.3 " M("flux-system:podinfo") "\nother: *img\n", 1 },
	{ "UTF-8 before the scalar (libyaml counts characters)",
	  "# café ünïcödé\nnote: \"é\"\nimage: x:1 " M("flux-system:podinfo") "\n",
	  "# café ünïcödé\nnote: \"é\"\nimage: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\n", 1 },
	{ "a byte order mark",
	  "\xef\xbb\xbfimage: x:1 " M("flux-system:podinfo") "\n",
	  "\xef\xbb\xbfimage: " PODINFO ":5.0.3 " M("flux-system:podinfo") "\n", 1 },
	{ "a sequence item",
	  "images:\n- x:1 " M("flux-system:podinfo") "\n- y:2\n",
	  "images:\n- " PODINFO ":5.0.3 " M("flux-system:podinfo") "\n- y:2\n", 1 },
	{ "kustomization images newTag",
	  "images:\n- name: podinfo\n  newName: " PODINFO "\n  newTag: 5.0.0 " M("flux-system:podinfo:tag") "\n",
	  "images:\n- name: podinfo\n  newName: " PODINFO "\n  newTag: 5.0.3 " M("flux-system:podinfo:tag") "\n", 1 },
	{ "no space before '#': part of the scalar, unchanged",
	  "image: x:1#{\"$imagepolicy\":\"flux-system:podinfo\"}\n",
	  "image: x:1#{\"$imagepolicy\":\"flux-system:podinfo\"}\n", 0 },
	{ "a marker on a key's line: unchanged",
	  "image: " M("flux-system:podinfo") "\n  x:1\nkey: " M("flux-system:podinfo") "\n- a\n",
	  "image: " M("flux-system:podinfo") "\n  x:1\nkey: " M("flux-system:podinfo") "\n- a\n", 0 },
	{ "a marker on a key of a block value: unchanged",
	  "image: " M("flux-system:podinfo") "\n  sub: x:1\n",
	  "image: " M("flux-system:podinfo") "\n  sub: x:1\n", 0 },
	{ "whitespace inside the marker's JSON",
	  "image: x:1 #{ \"$imagepolicy\" :\"flux-system:podinfo\" }  \n",
	  "image: " PODINFO ":5.0.3 #{ \"$imagepolicy\" :\"flux-system:podinfo\" }  \n", 1 },
	{ "invalid YAML without a marker: copied",
	  "a: [unclosed\n{{ .Values.x }}\n", "a: [unclosed\n{{ .Values.x }}\n", 0 },
};

static void table(void)
{
	json_t *pol = policies();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_buf out = CF_BUF_INIT(1u << 20);
		json_t *ch = NULL;
		int rc = iua_setters_apply(&out, &ch, cases[i].in, strlen(cases[i].in), "f.yaml", pol);

		if (cases[i].want == NULL) {
			if (rc != CF_EINVAL || out.len != 0)
				cf_test_fail(__FILE__, __LINE__, "%s: rc %d, want invalid", cases[i].name, rc);
		} else if (rc < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", cases[i].name, cf_err_msg());
		} else if (strcmp(out.data, cases[i].want) != 0 || (int)json_array_size(ch) != cases[i].changes) {
			cf_test_fail(__FILE__, __LINE__, "%s: %zu changes, got\n%s", cases[i].name, json_array_size(ch),
				     out.data);
		}
		json_decref(ch);
		cf_buf_free(&out);
	}
	json_decref(pol);
}

static void change_records(void)
{
	const char *in = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  image: x:1 " M("flux-system:podinfo") "\n"
			 "metadata:\n  name: web\n  namespace: prod\n---\nkind: ConfigMap\nv: 1 " M("flux-system:podinfo:tag") "\n";
	json_t *pol = policies(), *ch = NULL, *c0, *c1;
	cf_buf out = CF_BUF_INIT(1u << 20);

	CHECK_OK(iua_setters_apply(&out, &ch, in, strlen(in), "f.yaml", pol));
	CHECK(json_array_size(ch) == 2);
	c0 = json_array_get(ch, 0);
	c1 = json_array_get(ch, 1);
	CHECK_STR(json_string_value(json_object_get(c0, "setter")), "flux-system:podinfo");
	CHECK_STR(json_string_value(json_object_get(c0, "old")), "x:1");
	CHECK_STR(json_string_value(json_object_get(c0, "new")), PODINFO ":5.0.3");
	/* the identity is known when the document ends, even from fields after the marker */
	CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "object"), "name")), "web");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "object"), "namespace")), "prod");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "object"), "kind")), "Deployment");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c1, "object"), "kind")), "ConfigMap");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c1, "object"), "name")), "");
	CHECK_STR(json_string_value(json_object_get(c1, "new")), "5.0.3");
	json_decref(ch);
	json_decref(pol);
	cf_buf_free(&out);
}

static void bad_yaml_named(void)
{
	const char *in = "a: x:1 " M("flux-system:podinfo") "\n b: [\n";
	json_t *pol = policies(), *ch = NULL;
	cf_buf out = CF_BUF_INIT(1u << 20);

	CHECK(iua_setters_apply(&out, &ch, in, strlen(in), "deploy/app.yaml", pol) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "deploy/app.yaml:");
	CHECK(ch == NULL && out.len == 0);
	json_decref(pol);
	cf_buf_free(&out);
}

static void quoting_new_values(void)
{
	/* a value plain YAML would misread is written double-quoted */
	const char *in = "a: x " M("ns:p") "\n";
	json_t *pol = json_pack("{s:{s:s, s:s}}", "ns:p", "image", "reg/x", "tag", "a: b");
	cf_buf out = CF_BUF_INIT(1u << 20);

	CHECK_OK(iua_setters_apply(&out, NULL, in, strlen(in), "f", pol));
	CHECK_STR(out.data, "a: \"reg/x:a: b\" " M("ns:p") "\n");
	json_decref(pol);
	cf_buf_free(&out);
}

static int marker(char *s, size_t size, const char *comment)
{
	return iua_setters_marker(s, size, comment, strlen(comment));
}

static void markers(void)
{
	char s[128];

	CHECK(marker(s, sizeof(s), " {\"$imagepolicy\": \"a:b:tag\"}") == 1);
	CHECK_STR(s, "a:b:tag");
	CHECK(marker(s, sizeof(s), " {\"$imagepolicy\": 3}") == 0);
	CHECK(marker(s, sizeof(s), " {\"$setter\": \"a\"}") == 0);
	CHECK(marker(s, sizeof(s), " plain words") == 0);
	CHECK(marker(s, sizeof(s), " {\"$imagepolicy\": \"a:b\"} extra") == 0);
}

static const cf_test_case tests[] = {
	{ "table of files", table },
	{ "change records name their object", change_records },
	{ "invalid YAML with a marker names the file", bad_yaml_named },
	{ "new values quoted when plain would misread", quoting_new_values },
	{ "marker comments", markers },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
