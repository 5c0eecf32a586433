/* cli/debug.c - cflux debug kustomization|helmrelease NAME: the object's status, its history,
 * or what its controller composes from referred ConfigMaps and Secrets (a Kustomization's
 * post-build variables, a HelmRelease's values), as flux debug prints them. The last two print
 * Secret data to stdout: that is the command's purpose (flux's help warns of it); nothing else
 * here may show it, so errors carry only what the loaders record (names, never values). */
#include "cli.h"
#include "help.h"

#include "helm-controller/values.h"
#include "kube/secret.h"
#include "runtime/kinds.h"
#include "runtime/vars.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEBUG_OUT_MAX (64u << 20)

/* How Go's encoding/json writes one field of flux's typed object: flux decodes the object into
 * its Go type and marshals that, so a field the type lacks is never printed, and a missing one
 * is printed as its zero value unless the field is omitempty. */
typedef enum {
	GO_OMITEMPTY,     /* left out when zero ("", 0, false, null, empty) */
	GO_POINTER,       /* a pointer: left out only when absent or null */
	GO_ALWAYS,        /* no omitempty: the zero value when absent */
	GO_DURATION,      /* a metav1.Duration, always written, in Go's form ("1m30s") */
} go_field_kind;

typedef struct go_field {
	const char *name;
	go_field_kind kind;
	const char *zero;              /* GO_ALWAYS: the zero value as JSON ("\"\"", "0", "null") */
	const struct go_field *elem;   /* a list of typed objects: their fields, or NULL */
} go_field;

/* One kind flux debug knows: its words, its third flag and what that flag prints. */
typedef struct debug_kind {
	const char *words[2];                         /* "kustomization", "ks" */
	cf_kind_id id;
	const char *final_flag, *final_help;          /* "show-vars" */
	const char *status_help, *history_help;
	const char *status_doc, *history_doc;         /* the comment line before the YAML */
	const go_field *status, *snapshot;            /* the Go types of .status and a history entry */
	int (*show_final)(cf_kube *k, const json_t *obj);
} debug_kind;

/* metav1.Condition */
static const go_field condition[] = {
	{ "lastTransitionTime", GO_ALWAYS, "null", NULL }, { "message", GO_ALWAYS, "\"\"", NULL },
	{ "observedGeneration", GO_OMITEMPTY, NULL, NULL }, { "reason", GO_ALWAYS, "\"\"", NULL },
	{ "status", GO_ALWAYS, "\"\"", NULL }, { "type", GO_ALWAYS, "\"\"", NULL },
	{ NULL, 0, NULL, NULL }
};

/* kustomize-controller api/v1 KustomizationStatus and fluxcd/pkg's history Snapshot, as flux
 * 2.9.5 prints them (probed with fields of every name) */
static const go_field ks_snapshot[] = {
	{ "digest", GO_ALWAYS, "\"\"", NULL }, { "firstReconciled", GO_ALWAYS, "null", NULL },
	{ "lastReconciled", GO_ALWAYS, "null", NULL }, { "lastReconciledDuration", GO_DURATION, NULL, NULL },
	{ "lastReconciledStatus", GO_ALWAYS, "\"\"", NULL }, { "metadata", GO_OMITEMPTY, NULL, NULL },
	{ "totalReconciliations", GO_ALWAYS, "0", NULL },
	{ NULL, 0, NULL, NULL }
};
static const go_field ks_status[] = {
	{ "conditions", GO_OMITEMPTY, NULL, condition }, { "history", GO_OMITEMPTY, NULL, ks_snapshot },
	{ "inventory", GO_POINTER, NULL, NULL }, { "lastAppliedOriginRevision", GO_OMITEMPTY, NULL, NULL },
	{ "lastAppliedRevision", GO_OMITEMPTY, NULL, NULL }, { "lastAttemptedRevision", GO_OMITEMPTY, NULL, NULL },
	{ "lastHandledReconcileAt", GO_OMITEMPTY, NULL, NULL }, { "observedGeneration", GO_OMITEMPTY, NULL, NULL },
	{ NULL, 0, NULL, NULL }
};

/* helm-controller api/v2 HelmReleaseStatus and Snapshot, as flux 2.9.5 prints them */
static const go_field hr_snapshot[] = {
	{ "apiVersion", GO_OMITEMPTY, NULL, NULL }, { "appVersion", GO_OMITEMPTY, NULL, NULL },
	{ "chartName", GO_ALWAYS, "\"\"", NULL }, { "chartVersion", GO_ALWAYS, "\"\"", NULL },
	{ "configDigest", GO_ALWAYS, "\"\"", NULL }, { "deleted", GO_ALWAYS, "null", NULL },
	{ "digest", GO_ALWAYS, "\"\"", NULL }, { "firstDeployed", GO_ALWAYS, "null", NULL },
	{ "lastDeployed", GO_ALWAYS, "null", NULL }, { "name", GO_ALWAYS, "\"\"", NULL },
	{ "namespace", GO_ALWAYS, "\"\"", NULL }, { "ociDigest", GO_OMITEMPTY, NULL, NULL },
	{ "status", GO_ALWAYS, "\"\"", NULL }, { "testHooks", GO_POINTER, NULL, NULL },
	{ "version", GO_ALWAYS, "0", NULL },
	{ NULL, 0, NULL, NULL }
};
static const go_field hr_status[] = {
	{ "conditions", GO_OMITEMPTY, NULL, condition }, { "failures", GO_OMITEMPTY, NULL, NULL },
	{ "helmChart", GO_OMITEMPTY, NULL, NULL }, { "history", GO_OMITEMPTY, NULL, hr_snapshot },
	{ "installFailures", GO_OMITEMPTY, NULL, NULL }, { "inventory", GO_POINTER, NULL, NULL },
	{ "lastAttemptedConfigDigest", GO_OMITEMPTY, NULL, NULL }, { "lastAttemptedGeneration", GO_OMITEMPTY, NULL, NULL },
	{ "lastAttemptedReleaseAction", GO_OMITEMPTY, NULL, NULL }, { "lastAttemptedRevision", GO_OMITEMPTY, NULL, NULL },
	{ "lastAttemptedRevisionDigest", GO_OMITEMPTY, NULL, NULL }, { "lastAttemptedValuesChecksum", GO_OMITEMPTY, NULL, NULL },
	{ "lastHandledForceAt", GO_OMITEMPTY, NULL, NULL }, { "lastHandledReconcileAt", GO_OMITEMPTY, NULL, NULL },
	{ "lastHandledResetAt", GO_OMITEMPTY, NULL, NULL }, { "lastReleaseRevision", GO_OMITEMPTY, NULL, NULL },
	{ "observedCommonMetadataDigest", GO_OMITEMPTY, NULL, NULL }, { "observedGeneration", GO_OMITEMPTY, NULL, NULL },
	{ "observedPostRenderersDigest", GO_OMITEMPTY, NULL, NULL }, { "storageNamespace", GO_OMITEMPTY, NULL, NULL },
	{ "upgradeFailures", GO_OMITEMPTY, NULL, NULL },
	{ NULL, 0, NULL, NULL }
};

/* Prints v as flux's sigs.k8s.io/yaml marshals it: keys sorted, "{}" or "[]" when empty. */
static int print_yaml(const json_t *v)
{
	cf_buf out = CF_BUF_INIT_SECRET(DEBUG_OUT_MAX);
	json_t *sorted = NULL;
	int rc = 0;

	if (json_is_object(v) && json_object_size(v) == 0)
		fputs("{}\n", stdout);
	else if (json_is_array(v) && json_array_size(v) == 0)
		fputs("[]\n", stdout);
	else if ((sorted = cli_sorted_copy(v)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	else if ((rc = cf_yaml_dump_go(&out, sorted)) == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	cf_kube_secret_free(sorted);   /* values may hold Secret data: wiped as the buffer is */
	cf_buf_free(&out);
	return rc == 0 ? 0 : cli_fail(1, "%s", cf_err_msg());
}

/* Go's omitempty: false, 0, "", null, and empty arrays and maps are left out. */
static int zero_value(const json_t *v)
{
	return v == NULL || json_is_null(v) || json_is_false(v) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) || (json_is_real(v) && json_real_value(v) == 0) ||
	       (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0) || (json_is_object(v) && json_object_size(v) == 0);
}

/* A metav1.Duration as Go writes it: what the API holds, parsed, or "0s". */
static json_t *go_duration(const json_t *v)
{
	char out[CF_DURATION_MAX];
	long ms = 0;

	if (json_is_string(v) && cf_duration_parse(&ms, json_string_value(v)) < 0) {
		cf_err_clear();
		return json_deep_copy(v);
	}
	cf_duration_format(out, ms);
	return json_string(out);
}

static json_t *go_typed(const json_t *v, const go_field *fields);

/* A list of typed objects, each as its fields say; NULL when out of memory. */
static json_t *go_list(const json_t *list, const go_field *elem)
{
	json_t *out = json_array();
	const json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (out && json_array_append_new(out, go_typed(e, elem)) < 0) {
			json_decref(out);
			out = NULL;
		}
	return out;
}

/* One field of v as Go writes it (see go_field), or NULL when Go leaves it out. */
static json_t *go_value(const json_t *v, const go_field *f)
{
	const json_t *x = json_object_get(v, f->name);

	switch (f->kind) {
	case GO_OMITEMPTY:
		if (zero_value(x))
			return NULL;
		return f->elem && json_is_array(x) ? go_list(x, f->elem) : json_deep_copy(x);
	case GO_POINTER:
		return x == NULL || json_is_null(x) ? NULL : json_deep_copy(x);
	case GO_ALWAYS:
		return x ? json_deep_copy(x) : json_loads(f->zero, JSON_DECODE_ANY, NULL);
	case GO_DURATION:
		return go_duration(x);
	}
	return NULL;
}

/* v (an object of the API) as Go's typed object marshals it: a new object, or NULL when out
 * of memory. */
static json_t *go_typed(const json_t *v, const go_field *fields)
{
	json_t *out = json_object();

	for (size_t i = 0; out && fields[i].name; i++) {
		json_t *w = go_value(v, &fields[i]);
		if (w && json_object_set_new(out, fields[i].name, w) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Prints doc, then v (taken). */
static int print_doc(const char *doc, json_t *v)
{
	int rc;

	if (v == NULL)
		return cli_fail(1, "out of memory");
	printf("%s\n", doc);
	rc = print_yaml(v);
	json_decref(v);
	return rc;
}

static int show_status(const debug_kind *dk, const json_t *obj)
{
	return print_doc(dk->status_doc, go_typed(json_object_get(obj, "status"), dk->status));
}

static int show_history(const debug_kind *dk, const json_t *obj)
{
	return print_doc(dk->history_doc, go_list(json_object_get(json_object_get(obj, "status"), "history"), dk->snapshot));
}

/* --show-vars: the variables the kustomize-controller substitutes (substituteFrom in order,
 * then substitute), in dot-env form, sorted; newlines are dropped from values, as Flux does. */
static int ks_show_vars(cf_kube *k, const json_t *ks)
{
	json_t *vars = NULL, *v;
	const char **keys = NULL, *key;
	size_t n = 0;
	int rc;

	if (json_object_get(json_object_get(ks, "spec"), "postBuild") == NULL)
		return cli_fail(1, "no post build substitutions found");
	if (cf_flux_load_vars(k, ks, &vars) < 0)
		return cli_fail(1, "%s", cf_err_msg());
	if ((keys = cf_calloc(json_object_size(vars) + 1, sizeof(*keys))) == NULL) {
		rc = cli_fail(1, "out of memory");
		goto out;
	}
	json_object_foreach(vars, key, v)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), cli_cmp_strings);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_object_get(vars, keys[i]));
		printf("%s=", keys[i]);
		for (; s && *s; s++)
			if (*s != '\n')
				putchar(*s);
		putchar('\n');
	}
	rc = 0;
out:
	cf_free(keys);
	cf_flux_ref_data_free(vars);
	return rc;
}

/* --show-values: valuesFrom merged in order, then spec.values, by the helm-controller's code. */
static int hr_show_values(cf_kube *k, const json_t *hr)
{
	json_t *values = NULL, *secrets = NULL;
	int rc;

	if (hc_values_load(k, hr, &values, &secrets) < 0)
		return cli_fail(1, "%s", cf_err_msg());
	rc = print_yaml(values);
	cf_kube_secret_free(values);
	cf_kube_secret_free(secrets);
	return rc;
}

static const debug_kind debug_kinds[] = {
	{ { "kustomization", "ks" }, CF_KIND_KUSTOMIZATION, "show-vars",
	  "print the final vars of the Flux Kustomization in dot env format",
	  "print the status of the Flux Kustomization",
	  "print the reconciliation history of the Flux Kustomization",
	  "# Status documentation: https://fluxcd.io/flux/components/kustomize/kustomizations/#kustomization-status",
	  "# History documentation: https://fluxcd.io/flux/components/kustomize/kustomizations/#history",
	  ks_status, ks_snapshot, ks_show_vars },
	{ { "helmrelease", "hr" }, CF_KIND_HELMRELEASE, "show-values",
	  "print the final values of the Helm release",
	  "print the status of the Helm release",
	  "print the reconciliation history of the Helm release",
	  "# Status documentation: https://fluxcd.io/flux/components/helm/helmreleases/#helmrelease-status",
	  "# History documentation: https://fluxcd.io/flux/components/helm/helmreleases/#history",
	  hr_status, hr_snapshot, hr_show_values },
};

static const debug_kind *debug_kind_of(const char *word)
{
	for (size_t i = 0; word && i < sizeof(debug_kinds) / sizeof(debug_kinds[0]); i++)
		if (strcmp(word, debug_kinds[i].words[0]) == 0 || strcmp(word, debug_kinds[i].words[1]) == 0)
			return &debug_kinds[i];
	return NULL;
}

/* Reads the object and prints what the one flag given asks for. */
static int debug_run(const debug_kind *dk, const char *name, int status, int final, int history)
{
	const cf_kind *kd = cf_kind_get(dk->id);
	json_t *obj = NULL;
	cf_kube *k;
	int rc;

	if (status + final + history != 1)
		return cli_fail(1, "exactly one of --show-status, --%s, or --show-history must be set", dk->final_flag);
	if ((k = cli_client()) == NULL)
		return 1;
	rc = cf_kube_get(k, &obj, &(cf_kube_ref){ kd->api_version, kd->kind, cli.namespace, name });
	if (rc == CF_ENOTFOUND)   /* flux prints the API's error as it is */
		rc = cli_fail(1, "%s.%s \"%s\" not found", kd->plural, kd->group, name);
	else if (rc < 0)
		rc = cli_fail(1, "%s", cf_err_msg());
	else if (status)
		rc = show_status(dk, obj);
	else if (history)
		rc = show_history(dk, obj);
	else
		rc = dk->show_final(k, obj);
	json_decref(obj);
	cf_kube_free(k);
	return rc;
}

int cmd_debug(int argc, char **argv)
{
	static const char usage[] = "usage: cflux debug kustomization|helmrelease NAME --show-status|--show-history|--show-vars|--show-values";
	const debug_kind *dk = debug_kind_of(argc > 1 ? argv[1] : NULL);
	int status = 0, final = 0, history = 0, rc;
	char *pos[8];
	size_t npos;

	if (dk == NULL) {   /* as cobra answers a group without a command it knows: its help, exit 0 */
		const cf_flag globals[] = { CLI_GLOBAL_FLAGS };
		cli_help_print(stdout, cli_help_find("debug"), NULL, 0, globals, sizeof(globals) / sizeof(globals[0]));
		return 0;
	}
	{
		const cf_flag own[] = {
			{ "show-history", CF_FLAG_BOOL, &history, dk->history_help, 0 },
			{ "show-status", CF_FLAG_BOOL, &status, dk->status_help, 0 },
			{ dk->final_flag, CF_FLAG_BOOL, &final, dk->final_help, 0 },
		};
		if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc - 1, argv + 1, usage, pos, &npos)) != 0)
			return rc == 1 ? 0 : rc;
	}
	if (npos != 1)   /* cobra's ExactArgs(1), before the command runs */
		return cli_fail(1, "accepts 1 arg(s), received %zu", npos);
	return debug_run(dk, pos[0], status, final, history);
}
