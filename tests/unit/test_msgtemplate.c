/* tests/unit/test_msgtemplate.c - messageTemplate: Flux's documented templates give what Go's
 * text/template gives; what is not supported is an error naming the template. */
#include "test.h"

#include "image-automation-controller/msgtemplate.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>

#define OLD "ghcr.io/stefanprodan/podinfo:5.0.0"
#define NEW "ghcr.io/stefanprodan/podinfo:5.0.3"

/* what the setters report for one Deployment, and a tag in a second file */
static json_t *data(void)
{
	json_t *changes = json_pack(
		"[{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}, {s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}]", "file",
		"deploy/podinfo.yaml", "setter", "flux-system:podinfo", "old", OLD, "new", NEW, "object", "apiVersion",
		"apps/v1", "kind", "Deployment", "name", "podinfo", "namespace", "default", "file", "apps/values.yaml",
		"setter", "flux-system:podinfo:tag", "old", "5.0.0", "new", "5.0.3", "object", "apiVersion", "v1", "kind",
		"ConfigMap", "name", "values", "namespace", "");
	json_t *values = json_pack("{s:s}", "cluster", "prod"), *d = NULL;

	if (iua_msg_data(&d, "flux-system", "podinfo-update", changes, values) < 0)
		d = NULL;
	json_decref(changes);
	json_decref(values);
	return d;
}

/* the two templates of Flux's ImageUpdateAutomation page (v1beta2), as YAML hands them over */
static const char FLUX_DOC_1[] =
	"Automated image update\n\nAutomation name: {{ .AutomationObject }}\n\nFiles:\n"
	"{{ range $filename, $_ := .Changed.FileChanges -}}\n- {{ $filename }}\n{{ end -}}\n\n"
	"Objects:\n{{ range $resource, $changes := .Changed.Objects -}}\n- {{ $resource.Kind }} {{ $resource.Name }}\n"
	"  Changes:\n{{- range $_, $change := $changes }}\n    - {{ $change.OldValue }} -> {{ $change.NewValue }}\n"
	"{{ end -}}\n{{ end -}}\n";
static const char FLUX_DOC_2[] =
	"Automated image update\n\nAutomation name: {{ .AutomationObject }}\n\nFiles:\n"
	"{{ range $filename, $_ := .Changed.FileChanges -}}\n- {{ $filename }}\n{{ end -}}\n\n"
	"Objects:\n{{ range $resource, $changes := .Changed.Objects -}}\n"
	"- {{ $resource.Kind | lower }} {{ $resource.Name | lower }}\n  Changes:\n{{- range $_, $change := $changes }}\n"
	"  {{ if contains \"5.0.3\" $change.NewValue -}}\n    - {{ $change.OldValue }} -> {{ $change.NewValue }}\n"
	"  {{ else -}}\n    [skip ci] wrong image\n  {{ end -}}\n{{ end -}}\n{{ end -}}\n";

static const struct {
	const char *name, *tpl, *want;   /* want NULL: an error containing err */
	const char *err;
} cases[] = {
	{ "the default message", IUA_MSG_DEFAULT_TEMPLATE, "Update from image update automation" },
	{ "Flux's doc template: files, objects, changes", FLUX_DOC_1,
	  "Automated image update\n\nAutomation name: flux-system/podinfo-update\n\nFiles:\n"
	  "- apps/values.yaml\n- deploy/podinfo.yaml\nObjects:\n"
	  "- Deployment podinfo\n  Changes:\n    - " OLD " -> " NEW "\n"
	  "- ConfigMap values\n  Changes:\n    - 5.0.0 -> 5.0.3\n" },
	{ "Flux's doc template with lower, contains, if/else", FLUX_DOC_2,
	  "Automated image update\n\nAutomation name: flux-system/podinfo-update\n\nFiles:\n"
	  "- apps/values.yaml\n- deploy/podinfo.yaml\nObjects:\n"
	  "- deployment podinfo\n  Changes:\n  - " OLD " -> " NEW "\n  "
	  "- configmap values\n  Changes:\n  - 5.0.0 -> 5.0.3\n  " },
	{ "messageTemplateValues", "Automated image update by Flux for cluster {{ .Values.cluster }}.",
	  "Automated image update by Flux for cluster prod." },
	{ "v1beta1's .Updated.Images with println (flux create image update's example)",
	  "{{range .Updated.Images}}{{println .}}{{end}}", NEW "\n" },
	{ ".Changed.Changes, len, else if", "{{ len .Changed.Changes }} changes{{ range .Changed.Changes }}"
	  "{{ if eq .Setter \"x\" }} x{{ else if hasSuffix \":tag\" .Setter }} tag:{{ .NewValue }}{{ else }} full{{ end }}{{ end }}",
	  "2 changes full tag:5.0.3" },
	{ "with, variables, assignment, parentheses, comments",
	  "{{/* a comment */}}{{ with .AutomationObject }}{{ .Namespace }}{{ end }}{{ $n := 1 }}{{ $n = (len .Changed.Changes) }}"
	  " {{ $n }} {{ upper (print \"a\" \"b\") }} {{ \"q\" | quote }} {{ trunc 3 \"abcdef\" }}",
	  "flux-system 2 AB \"q\" abc" },
	{ "range else on nothing", "{{ range .Values.missing }}x{{ else }}none{{ end }} {{ .Values.missing }}",
	  "none <no value>" },
	{ "Flux's Gerrit example: printf is refused by name",
	  "Change-Id: {{ printf \"I%s\" ( sha256sum .AutomationObject | trunc 40 ) }}", NULL,
	  "template: commit:1: function not defined in cflux's messageTemplate: printf" },
	{ "a missing field", "a\n{{ .Changed.Nope }}", NULL, "template: commit:2: can't evaluate field Nope" },
	{ "an unclosed action", "x {{ .AutomationObject", NULL, "template: commit:1: unclosed action" },
	{ "an unclosed range", "{{ range .Changed.Changes }}x", NULL, "unexpected EOF" },
	{ "define is not supported", "{{ define \"x\" }}{{ end }}", NULL, "not supported in cflux's messageTemplate: define" },
	{ "an end without a start", "{{ end }}", NULL, "unexpected end" },
	{ "a bad argument type", "{{ lower .Changed.Changes }}", NULL, "not a string" },
};

static void table(void)
{
	json_t *d = data();

	CHECK(d != NULL);
	for (size_t i = 0; d && i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_buf out = CF_BUF_INIT(1u << 20);
		int rc = iua_msg_render(&out, cases[i].tpl, "commit", d);

		if (cases[i].want && rc < 0)
			cf_test_fail(__FILE__, __LINE__, "%s: %s", cases[i].name, cf_err_msg());
		else if (cases[i].want && strcmp(out.data ? out.data : "", cases[i].want) != 0)
			cf_test_fail(__FILE__, __LINE__, "%s: got\n[%s]\nwant\n[%s]", cases[i].name, out.data, cases[i].want);
		else if (!cases[i].want && (rc != CF_EINVAL || strstr(cf_err_msg(), cases[i].err) == NULL))
			cf_test_fail(__FILE__, __LINE__, "%s: rc %d: %s", cases[i].name, rc, cf_err_msg());
		cf_buf_free(&out);
	}
	json_decref(d);
}

static const cf_test_case tests[] = {
	{ "templates", table },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
