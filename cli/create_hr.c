/* cli/create_hr.c - cflux create helmrelease (hr): a HelmRelease from a chart in a source
 * (chart.spec, for which the helm-controller makes a HelmChart) or from a chartRef, with flux's
 * flags, defaults, refusals and --export output. */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

#define VALUES_FILE_MAX (16u * 1024u * 1024u)

typedef struct hr_args {
	const char *source, *chart, *chart_ref, *chart_version, *chart_interval, *strategy, *crds;
	const char *release, *target_ns, *storage_ns, *sa, *kubeconfig_secret, *interval;
	int create_ns;
	cf_flag_list depends, values, values_from;
} hr_args;

/* "Kind/name[.namespace]" with Kind one of allowed: 0 and *out; -1 when malformed (the caller
 * words that); 1 after printing flux's refusal of the kind, after prefix. */
static int kind_ref(json_t **out, const char *text, const char *const *allowed, const char *prefix,
		    const char *what, const char *list)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	char kind[128];

	*out = NULL;
	if (slash == NULL || slash == text || slash[1] == '\0')
		return -1;
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - text), text);
	if (!cli_one_of(kind, allowed))
		return cli_fail(1, "%s%s '%s' is not supported, must be one of: %s", prefix, what, kind, list);
	*out = cli_object_ref(text, kind, 1);
	return *out ? 0 : -1;
}

static int chart_spec(json_t *spec, const hr_args *a)
{
	static const char *const kinds[] = { "HelmRepository", "GitRepository", "Bucket", NULL };
	static const char *const strategies[] = { "Revision", "ChartVersion", NULL };
	char every[CF_DURATION_MAX], prefix[600];
	json_t *src, *cs;
	int rc;

	snprintf(prefix, sizeof(prefix), "invalid argument \"%s\" for \"--source\" flag: ", a->source ? a->source : "");
	rc = kind_ref(&src, a->source, kinds, prefix, "source kind", "HelmRepository, GitRepository, Bucket");
	if (rc < 0)
		return cli_fail(1, "%sinvalid helm chart source '%s', must be in format <kind>/<name>", prefix,
				a->source ? a->source : "");
	if (rc > 0)
		return rc;
	if (!cli_one_of(a->strategy, strategies)) {
		json_decref(src);
		return cli_fail(1, "'%s' is an invalid reconcile strategy(valid: Revision, ChartVersion)", a->strategy);
	}
	cs = json_pack("{s:s,s:s,s:o}", "chart", a->chart, "reconcileStrategy", a->strategy, "sourceRef", src);
	if (a->chart_version)
		json_object_set_new(cs, "version", json_string(a->chart_version));
	if (a->chart_interval) {
		if ((rc = cli_go_duration(every, "chart-interval", a->chart_interval)) != 0) {
			json_decref(cs);
			return rc;
		}
		json_object_set_new(cs, "interval", json_string(every));
	}
	json_object_set_new(spec, "chart", json_pack("{s:o}", "spec", cs));
	return 0;
}

static int chart_ref(json_t *spec, const hr_args *a)
{
	static const char *const kinds[] = { "OCIRepository", "HelmChart", NULL };
	json_t *ref;
	int rc = kind_ref(&ref, a->chart_ref, kinds, "", "chart reference kind", "OCIRepository, HelmChart");

	if (rc > 0)
		return rc;
	if (rc < 0)
		return cli_fail(1, "invalid chart reference '%s', must be in format <kind>/<name>", a->chart_ref);
	json_object_set_new(spec, "chartRef", ref);
	return 0;
}

/* spec.values: the --values files merged in order, later ones winning, as helm's -f does */
static int values(json_t *spec, const cf_flag_list *files)
{
	json_t *merged;

	if (files->n == 0)
		return 0;
	merged = json_object();
	for (size_t i = 0; i < files->n; i++) {
		json_t *docs = NULL, *doc;
		int rc = cf_yaml_load_file(&docs, files->items[i], VALUES_FILE_MAX);

		doc = json_array_get(docs, 0);
		if (rc == 0 && json_array_size(docs) > 0 && !json_is_object(doc))
			rc = cf_err_set(CF_EINVAL, "%s: values must be a map", files->items[i]);
		if (rc == 0 && doc)
			rc = cf_json_merge_deep(merged, doc);
		json_decref(docs);
		if (rc < 0) {
			json_decref(merged);
			return cli_fail(1, "reading values from %s failed: %s", files->items[i], cf_err_msg());
		}
	}
	json_object_set_new(spec, "values", merged);
	return 0;
}

static int values_from(json_t *spec, const cf_flag_list *refs)
{
	static const char *const kinds[] = { "Secret", "ConfigMap", NULL };
	json_t *list = json_array();

	for (size_t i = 0; i < refs->n; i++) {
		const char *t = refs->items[i], *slash = strchr(t, '/');
		char kind[128];

		if (slash == NULL || slash == t || slash[1] == '\0') {
			json_decref(list);
			return cli_fail(1, "invalid reference '%s', must be in format <kind>/<name>", t);
		}
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - t), t);
		if (!cli_one_of(kind, kinds)) {
			json_decref(list);
			return cli_fail(1, "reference kind '%s' is not supported, must be one of: Secret, ConfigMap", kind);
		}
		json_array_append_new(list, json_pack("{s:s,s:s}", "kind", kind, "name", slash + 1));
	}
	if (refs->n)
		json_object_set_new(spec, "valuesFrom", list);
	else
		json_decref(list);
	return 0;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

/* Builds *spec from the flags; 0, or the exit code after printing the error. */
static int hr_spec(json_t **spec, const hr_args *a)
{
	static const char *const policies[] = { "Skip", "Create", "CreateReplace", NULL };
	char every[CF_DURATION_MAX];
	json_t *s;
	int rc;

	*spec = NULL;
	if (a->chart && a->chart_ref)
		return cli_fail(1, "cannot use --chart in combination with --chart-ref");
	if (!a->chart && !a->chart_ref)
		return cli_fail(1, "chart or chart-ref is required");
	if (a->crds && !cli_one_of(a->crds, policies))
		return cli_fail(1, "invalid argument \"%s\" for \"--crds\" flag: unsupported upgrade CRDs policy '%s', must be one of: Skip, Create, CreateReplace",
				a->crds, a->crds);
	if ((rc = cli_go_duration(every, "interval", a->interval)) != 0)
		return rc;
	s = json_pack("{s:s}", "interval", every);
	if ((rc = a->chart ? chart_spec(s, a) : chart_ref(s, a)) != 0 || (rc = values(s, &a->values)) != 0 ||
	    (rc = values_from(s, &a->values_from)) != 0) {
		json_decref(s);
		return rc;
	}
	cli_depends_on(s, &a->depends);
	set_str(s, "releaseName", a->release);
	set_str(s, "targetNamespace", a->target_ns);
	/* flux stores the release where it installs it unless told otherwise */
	set_str(s, "storageNamespace", a->storage_ns ? a->storage_ns : a->target_ns);
	set_str(s, "serviceAccountName", a->sa);
	if (a->kubeconfig_secret)
		json_object_set_new(s, "kubeConfig", json_pack("{s:{s:s}}", "secretRef", "name", a->kubeconfig_secret));
	/* flux: --crds is the upgrade policy; an install then always creates them */
	if (a->create_ns || a->crds) {
		json_t *install = json_object();
		if (a->crds)
			json_object_set_new(install, "crds", json_string("Create"));
		if (a->create_ns)
			json_object_set_new(install, "createNamespace", json_true());
		json_object_set_new(s, "install", install);
	}
	if (a->crds)
		json_object_set_new(s, "upgrade", json_pack("{s:s}", "crds", a->crds));
	*spec = s;
	return 0;
}

int cmd_create_helmrelease(int argc, char **argv, const char *name)
{
	hr_args a = { .strategy = "ChartVersion", .interval = "1m" };
	const cf_flag own[] = {
		{ "source", CF_FLAG_STRING, &a.source, "source that contains the chart in the format '<kind>/<name>.<namespace>', where kind must be one of: (HelmRepository, GitRepository, Bucket)", 0 },
		{ "chart", CF_FLAG_STRING, &a.chart, "Helm chart name or path", 0 },
		{ "chart-ref", CF_FLAG_STRING, &a.chart_ref, "the name of the HelmChart resource to use as source for the HelmRelease, in the format '<kind>/<name>.<namespace>', where kind must be one of: (OCIRepository,HelmChart)", 0 },
		{ "chart-version", CF_FLAG_STRING, &a.chart_version, "Helm chart version, accepts a semver range (ignored for charts from GitRepository sources)", 0 },
		{ "chart-interval", CF_FLAG_STRING, &a.chart_interval, "the interval of which to check for new chart versions", 0 },
		{ "reconcile-strategy", CF_FLAG_STRING, &a.strategy, "the reconcile strategy for helm chart created by the helm release(accepted values: Revision and ChartRevision)", 0 },
		{ "crds", CF_FLAG_STRING, &a.crds, "upgrade CRDs policy: Skip|Create|CreateReplace", 0 },
		{ "create-target-namespace", CF_FLAG_BOOL, &a.create_ns, "create the target namespace if it does not exist", 0 },
		{ "depends-on", CF_FLAG_LIST, &a.depends, "HelmReleases that must be ready before this release can be installed, supported formats '<name>' and '<namespace>/<name>'", 0 },
		{ "kubeconfig-secret-ref", CF_FLAG_STRING, &a.kubeconfig_secret, "the name of the Kubernetes Secret that contains a key with the kubeconfig file for connecting to a remote cluster", 0 },
		{ "release-name", CF_FLAG_STRING, &a.release, "name used for the Helm release, defaults to a composition of '[<target-namespace>-]<HelmRelease-name>'", 0 },
		{ "service-account", CF_FLAG_STRING, &a.sa, "the name of the service account to impersonate when reconciling this HelmRelease", 0 },
		{ "storage-namespace", CF_FLAG_STRING, &a.storage_ns, "namespace to store the Helm release, defaults to the target namespace", 0 },
		{ "target-namespace", CF_FLAG_STRING, &a.target_ns, "namespace to install this release, defaults to the HelmRelease namespace", 0 },
		{ "values", CF_FLAG_LIST, &a.values, "local path to values.yaml files, also accepts comma-separated values", 0 },
		{ "values-from", CF_FLAG_LIST, &a.values_from, "a Kubernetes object reference that contains the values.yaml data key in the format '<kind>/<name>', where kind must be one of: (Secret,ConfigMap)", 0 },
		{ "interval", CF_FLAG_STRING, &a.interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[8];
	size_t npos;
	json_t *obj = NULL, *spec = NULL;
	int rc;

	rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux create helmrelease NAME (--source KIND/NAME[.NS] --chart CHART | --chart-ref KIND/NAME[.NS]) [flags]",
		       pos, &npos);
	if (rc == 0)
		rc = hr_spec(&spec, &a);
	else if (rc == 1)   /* --help */
		rc = -1;
	cf_flag_list_free(&a.depends);
	cf_flag_list_free(&a.values);
	cf_flag_list_free(&a.values_from);
	if (rc != 0) {
		cf_flag_list_free(&cli_create.labels);
		return rc < 0 ? 0 : rc;
	}
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", CF_AV_HELMRELEASE, "kind", "HelmRelease",
			"metadata", "name", name, "namespace", cli.namespace, "spec", spec);
	rc = cli_create_apply(obj, CF_AV_HELMRELEASE, "HelmRelease", name);
	json_decref(obj);
	return rc;
}
