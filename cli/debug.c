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
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEBUG_OUT_MAX (64u << 20)

/* One kind flux debug knows: its words, its third flag and what that flag prints. */
typedef struct debug_kind {
	const char *words[2];                         /* "kustomization", "ks" */
	cf_kind_id id;
	const char *final_flag, *final_help;          /* "show-vars" */
	const char *status_help, *history_help;
	const char *status_doc, *history_doc;         /* the comment line before the YAML */
	/* The status fields of flux's Go type, all omitempty: flux decodes the object into it, so
	 * a field it does not know, or a zero value, is not printed. */
	const char *const *status_fields;
	int (*show_final)(cf_kube *k, const json_t *obj);
	void (*fix_history_entry)(json_t *entry);     /* or NULL */
} debug_kind;

static const char *const ks_status_fields[] = {
	"observedGeneration", "lastHandledReconcileAt", "conditions", "lastAppliedRevision",
	"lastAppliedOriginRevision", "lastAttemptedRevision", "inventory", "history", NULL
};

static const char *const hr_status_fields[] = {
	"observedGeneration", "observedPostRenderersDigest", "observedCommonMetadataDigest",
	"lastHandledReconcileAt", "lastAttemptedGeneration", "conditions", "helmChart",
	"storageNamespace", "history", "lastAttemptedReleaseAction", "failures", "installFailures",
	"upgradeFailures", "lastAppliedRevision", "lastAttemptedRevision", "lastAttemptedRevisionDigest",
	"lastAttemptedValuesChecksum", "lastReleaseRevision", "lastAttemptedConfigDigest",
	"lastHandledForceAt", "lastHandledResetAt", "inventory", NULL
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

/* The status as flux's typed object holds it (see debug_kind.status_fields). */
static json_t *typed_status(const debug_kind *dk, const json_t *obj)
{
	const json_t *status = json_object_get(obj, "status");
	json_t *out = json_object();

	for (size_t i = 0; out && dk->status_fields[i]; i++) {
		const json_t *v = json_object_get(status, dk->status_fields[i]);
		if (!zero_value(v))
			json_object_set_new(out, dk->status_fields[i], json_deep_copy(v));
	}
	return out;
}

/* A HelmRelease snapshot's `deleted` is a metav1.Time, a struct: omitempty never drops it, so
 * flux prints null where the API holds nothing. */
static void hr_history_entry(json_t *entry)
{
	if (json_is_object(entry) && json_object_get(entry, "deleted") == NULL)
		json_object_set_new(entry, "deleted", json_null());
}

/* Prints doc, then v (taken) with its history entries as flux's type has them. */
static int print_typed(const debug_kind *dk, const char *doc, json_t *v, json_t *history)
{
	const json_t *e;
	size_t i;
	int rc;

	if (v == NULL)
		return cli_fail(1, "out of memory");
	if (dk->fix_history_entry)
		json_array_foreach(history, i, e)
			dk->fix_history_entry((json_t *)e);
	printf("%s\n", doc);
	rc = print_yaml(v);
	json_decref(v);
	return rc;
}

static int show_status(const debug_kind *dk, const json_t *obj)
{
	json_t *status = typed_status(dk, obj);

	return print_typed(dk, dk->status_doc, status, json_object_get(status, "history"));
}

static int show_history(const debug_kind *dk, const json_t *obj)
{
	const json_t *history = json_object_get(json_object_get(obj, "status"), "history");
	json_t *copy = json_is_array(history) ? json_deep_copy(history) : json_array();

	return print_typed(dk, dk->history_doc, copy, copy);
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
	  ks_status_fields, ks_show_vars, NULL },
	{ { "helmrelease", "hr" }, CF_KIND_HELMRELEASE, "show-values",
	  "print the final values of the Helm release",
	  "print the status of the Helm release",
	  "print the reconciliation history of the Helm release",
	  "# Status documentation: https://fluxcd.io/flux/components/helm/helmreleases/#helmrelease-status",
	  "# History documentation: https://fluxcd.io/flux/components/helm/helmreleases/#history",
	  hr_status_fields, hr_show_values, hr_history_entry },
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
