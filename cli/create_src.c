/* cli/create_src.c - cflux create source helm | oci | chart: a HelmRepository, an OCIRepository
 * or a HelmChart with
 * flux's flags, defaults, refusals and --export output (tests/e2e/test_flux_export.sh). */
#include "cli.h"
#include "help.h"

#include "runtime/kinds.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"

#include <string.h>
#include <strings.h>

#define POS_MAX 8

static const char *const OCI_PROVIDERS[] = { "generic", "aws", "azure", "gcp", NULL };

void cli_spec_ref(json_t *spec, const char *key, const char *name)
{
	if (name && *name)
		json_object_set_new(spec, key, json_pack("{s:s}", "name", name));
}

int cli_create_spec(const char *av, const char *kind, const char *name, json_t *spec)
{
	json_t *obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", av, "kind", kind, "metadata", "name", name,
				"namespace", cli.namespace, "spec", spec);
	int rc = cli_create_apply(obj, av, kind, name);

	json_decref(obj);
	return rc;
}

int cmd_create_source_helm(int argc, char **argv, const char *name)
{
	const char *url = NULL, *secret = NULL, *interval = "1m", *provider = NULL;
	const char *user = NULL, *password = NULL, *crt = NULL, *key = NULL, *ca = NULL;
	int pass = 0, rc, oci, made = 0;
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "Helm repository address", 0 },
		{ "username|u", CF_FLAG_STRING, &user, "basic authentication username", 0 },
		{ "password|p", CF_FLAG_STRING, &password, "basic authentication password", 0 },
		{ "cert-file", CF_FLAG_STRING, &crt, "TLS authentication cert file path", 0 },
		{ "key-file", CF_FLAG_STRING, &key, "TLS authentication key file path", 0 },
		{ "ca-file", CF_FLAG_STRING, &ca, "TLS authentication CA file path", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of an existing secret containing TLS, basic auth or docker-config credentials", 0 },
		{ "pass-credentials", CF_FLAG_BOOL, &pass, "pass credentials to all domains", 0 },
		{ "oci-provider", CF_FLAG_STRING, &provider, "OCI provider for authentication", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *spec;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			"usage: cflux create source helm NAME --url URL [--secret-ref S] [--pass-credentials] [--oci-provider P]",
			pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (url == NULL)
		return cli_fail(1, "url is required");
	oci = strncmp(url, "oci://", 6) == 0;
	if (!oci && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		const char *sep = strstr(url, "://");
		return cli_fail(1, "url scheme '%.*s' not supported, can be: http, https and oci", sep ? (int)(sep - url) : 0, url);
	}
	if ((rc = cli_go_duration(every, "interval", interval)) != 0)
		return rc;
	spec = json_pack("{s:s,s:s}", "interval", every, "url", url);
	/* flux sets the type from the URL, and the provider only for OCI */
	if (oci) {
		json_object_set_new(spec, "type", json_string("oci"));
		if (provider)
			json_object_set_new(spec, "provider", json_string(provider));
	}
	if (pass)
		json_object_set_new(spec, "passCredentials", json_true());
	cli_spec_ref(spec, "secretRef", secret);
	/* without --secret-ref, credentials become the Secret helm-NAME, as flux makes it */
	if (!cli_create.export && secret == NULL) {
		char secret_name[320];
		snprintf(secret_name, sizeof(secret_name), "helm-%s", name);
		if ((rc = cli_helm_credentials_secret(secret_name, user, password, crt, key, ca, &made)) != 0) {
			json_decref(spec);
			return rc;
		}
		if (made)
			cli_spec_ref(spec, "secretRef", secret_name);
	}
	return cli_create_spec(CF_AV_HELMREPOSITORY, "HelmRepository", name, spec);
}

/* spec.layerSelector from "<media-type>:<operation>"; 0, or the exit code after the error. */
static int layer_selector(json_t *spec, const char *selector)
{
	const char *colon = selector ? strrchr(selector, ':') : NULL;

	if (selector == NULL)
		return 0;
	if (colon == NULL || colon == selector || colon[1] == '\0')
		return cli_fail(1, "invalid --layer-selector \"%s\": must be in the format '<media-type>:<operation>'", selector);
	if (strcmp(colon + 1, "extract") != 0 && strcmp(colon + 1, "copy") != 0)
		return cli_fail(1, "invalid --layer-selector \"%s\": operation must be \"extract\" or \"copy\"", selector);
	json_object_set_new(spec, "layerSelector", json_pack("{s:s%,s:s}", "mediaType", selector,
							     (size_t)(colon - selector), "operation", colon + 1));
	return 0;
}

int cli_ignore_paths(json_t *spec, const cf_flag_list *paths)
{
	size_t len = 0, at = 0;
	char *text;

	if (paths->n == 0)
		return 0;
	for (size_t i = 0; i < paths->n; i++)
		len += strlen(paths->items[i]) + 1;
	if ((text = cf_malloc(len)) == NULL)
		return cli_fail(1, "out of memory");
	for (size_t i = 0; i < paths->n; i++)
		at += (size_t)snprintf(text + at, len - at, "%s%s", i ? "\n" : "", paths->items[i]);
	json_object_set_new(spec, "ignore", json_string(text));
	cf_free(text);
	return 0;
}

static int chart_verify(json_t *spec, const char *provider, const char *secret, const char *issuer, const char *subject,
			int subject_alone_refused);
/* flux's --verify-* flags of create source oci and create source chart */
#define CLI_VERIFY_FLAGS(provider, secret, subject, issuer) \
	{ "verify-provider", CF_FLAG_STRING, &(provider), "the OCI verify provider name to use for signature verification, available options are: (cosign)", 0 }, \
	{ "verify-secret-ref", CF_FLAG_STRING, &(secret), "the name of a secret to use for signature verification", 0 }, \
	{ "verify-subject", CF_FLAG_STRING, &(subject), "regular expression to use for the OIDC subject during signature verification", 0 }, \
	{ "verify-issuer", CF_FLAG_STRING, &(issuer), "regular expression to use for the OIDC issuer during signature verification", 0 }

int cmd_create_source_oci(int argc, char **argv, const char *name)
{
	const char *url = NULL, *tag = NULL, *semver = NULL, *digest = NULL, *secret = NULL, *cert = NULL;
	const char *interval = "1m", *provider = "generic", *selector = NULL, *sa = NULL, *proxy = NULL;
	const char *vprovider = NULL, *vsecret = NULL, *vsubject = NULL, *vissuer = NULL;
	int insecure = 0, rc;
	cf_flag_list ignore = { .n = 0 };
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "the OCI repository URL", 0 },
		{ "tag", CF_FLAG_STRING, &tag, "the OCI artifact tag", 0 },
		{ "tag-semver", CF_FLAG_STRING, &semver, "the OCI artifact tag semver range", 0 },
		{ "digest", CF_FLAG_STRING, &digest, "the OCI artifact digest", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of the Kubernetes image pull secret (type 'kubernetes.io/dockerconfigjson')", 0 },
		{ "cert-ref", CF_FLAG_STRING, &cert, "the name of a secret to use for TLS certificates", 0 },
		{ "service-account", CF_FLAG_STRING, &sa, "the name of the Kubernetes service account that refers to an image pull secret", 0 },
		{ "provider", CF_FLAG_STRING, &provider, "the OCI provider name, available options are: (generic, aws, azure, gcp)", 0 },
		{ "insecure", CF_FLAG_BOOL, &insecure, "for when connecting to a non-TLS registries over plain HTTP", 0 },
		{ "ignore-paths", CF_FLAG_LIST, &ignore, "set paths to ignore resources (can specify multiple paths with commas: path1,path2)", 0 },
		{ "layer-selector", CF_FLAG_STRING, &selector, "the OCI artifact layer selector in the format '<media-type>:<operation>'", 0 },
		{ "proxy-secret-ref", CF_FLAG_STRING, &proxy, "the name of an existing secret containing the proxy address and credentials", 0 },
		CLI_VERIFY_FLAGS(vprovider, vsecret, vsubject, vissuer),
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *spec = NULL;

	rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux create source oci NAME --url oci://HOST/REPO (--tag T | --tag-semver R | --digest D)", pos, &npos);
	if (rc == 1)
		rc = -1;   /* --help */
	else if (rc == 0 && url == NULL)
		rc = cli_fail(1, "url is required");
	else if (rc == 0 && !tag && !semver && !digest)
		rc = cli_fail(1, "--tag, --tag-semver or --digest is required");
	else if (rc == 0 && !cli_one_of(provider, OCI_PROVIDERS))
		rc = cli_fail(1, "invalid argument \"%s\" for \"--provider\" flag: source OCI provider '%s' is not supported, must be one of: generic, aws, azure, gcp",
			      provider, provider);
	if (rc == 0)
		rc = cli_go_duration(every, "interval", interval);
	if (rc == 0) {
		spec = json_pack("{s:s,s:s,s:{s:s*,s:s*,s:s*},s:s}", "interval", every, "provider", provider, "ref",
				 "digest", digest, "semver", semver, "tag", tag, "url", url);
		if (insecure)
			json_object_set_new(spec, "insecure", json_true());
		cli_spec_ref(spec, "secretRef", secret);
		cli_spec_ref(spec, "proxySecretRef", proxy);
		cli_spec_ref(spec, "certSecretRef", cert);
		if (sa)
			json_object_set_new(spec, "serviceAccountName", json_string(sa));
		if ((rc = chart_verify(spec, vprovider, vsecret, vissuer, vsubject, 1)) == 0 && (rc = layer_selector(spec, selector)) == 0)
			rc = cli_ignore_paths(spec, &ignore);
	}
	cf_flag_list_free(&ignore);
	if (rc != 0) {
		json_decref(spec);
		cf_flag_list_free(&cli_create.labels);
		return rc < 0 ? 0 : rc;
	}
	return cli_create_spec(CF_AV_OCIREPOSITORY, "OCIRepository", name, spec);
}

/* --source of a HelmChart as flux's LocalHelmChartSource takes it: "<kind>/<name>" (exactly one
 * '/'), the kind one of the three ignoring case and written as Flux spells it. */
static int chart_source(json_t **out, const char *text)
{
	static const char *const kinds[] = { "HelmRepository", "GitRepository", "Bucket" };
	const char *slash = strchr(text, '/'), *t = text;

	*out = NULL;
	while (*t == ' ' || *t == '\t' || *t == '\n')
		t++;
	if (*t == '\0')
		return cli_fail(1, "invalid argument \"%s\" for \"--source\" flag: no helm chart source given, please specify source that contains the chart in the format '<kind>/<name>', where kind must be one of: (HelmRepository, GitRepository, Bucket)",
				text);
	if (slash == NULL || slash == text || slash[1] == '\0' || strchr(slash + 1, '/'))
		return cli_fail(1, "invalid argument \"%s\" for \"--source\" flag: invalid helm chart source '%s', must be in format <kind>/<name>",
				text, text);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i]) == (size_t)(slash - text) && strncasecmp(kinds[i], text, (size_t)(slash - text)) == 0) {
			*out = json_pack("{s:s,s:s}", "kind", kinds[i], "name", slash + 1);
			return 0;
		}
	return cli_fail(1, "invalid argument \"%s\" for \"--source\" flag: source kind '%.*s' is not supported, must be one of: HelmRepository, GitRepository, Bucket",
			text, (int)(slash - text), text);
}

/* spec.verify from the --verify-* flags, refused as flux refuses them. For create source chart
 * flux tests the subject of create source oci's flags, not its own: there a subject alone is not
 * refused (nor kept); subject_alone_refused for create source oci itself. */
static int chart_verify(json_t *spec, const char *provider, const char *secret, const char *issuer, const char *subject,
			int subject_alone_refused)
{
	json_t *v;

	if (provider && *provider == '\0')
		return cli_fail(1, "invalid argument \"\" for \"--verify-provider\" flag: no source OCI verify provider given, please specify the OCI verify provider name to use for signature verification, available options are: (cosign)");
	if (provider && strcmp(provider, "cosign") != 0)
		return cli_fail(1, "invalid argument \"%s\" for \"--verify-provider\" flag: source OCI verify provider '%s' is not supported, must be one of: cosign",
				provider, provider);
	if (provider == NULL && secret && *secret)
		return cli_fail(1, "a verification provider must be specified when a secret is specified");
	if (provider == NULL && ((issuer && *issuer) || (subject_alone_refused && subject && *subject)))
		return cli_fail(1, "a verification provider must be specified when OIDC issuer/subject is specified");
	if (provider == NULL)
		return 0;
	v = json_pack("{s:s}", "provider", provider);
	cli_spec_ref(v, "secretRef", secret);
	if ((issuer && *issuer) || (subject && *subject))
		json_object_set_new(v, "matchOIDCIdentity", json_pack("[{s:s,s:s}]", "issuer", issuer ? issuer : "",
								      "subject", subject ? subject : ""));
	json_object_set_new(spec, "verify", v);
	return 0;
}

int cmd_create_source_chart(int argc, char **argv, const char *name)
{
	const char *chart = NULL, *version = NULL, *source = NULL, *strategy = "ChartVersion", *interval = "1m";
	const char *provider = NULL, *secret = NULL, *subject = NULL, *issuer = NULL, *fetch_timeout = NULL;
	const cf_flag own[] = {
		{ "chart", CF_FLAG_STRING, &chart, "Helm chart name or path", 0 },
		{ "chart-version", CF_FLAG_STRING, &version, "Helm chart version, accepts a semver range (ignored for charts from GitRepository sources)", 0 },
		{ "source", CF_FLAG_STRING, &source, "source that contains the chart in the format '<kind>/<name>', where kind must be one of: (HelmRepository, GitRepository, Bucket)", 0 },
		{ "reconcile-strategy", CF_FLAG_STRING, &strategy, "the reconcile strategy for helm chart (accepted values: Revision and ChartRevision)", 0 },
		CLI_VERIFY_FLAGS(provider, secret, subject, issuer),
		{ "fetch-timeout", CF_FLAG_STRING, &fetch_timeout, "set a timeout for fetch operations performed by source-controller (e.g. 'git clone' or 'helm repo update')", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *ref = NULL, *spec = NULL;
	int rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			   "usage: cflux create source chart NAME --source KIND/NAME --chart CHART [--chart-version V]", pos, &npos);

	if (rc == 1)
		return 0;   /* --help */
	if (rc == 0 && source)
		rc = chart_source(&ref, source);
	if (rc == 0 && ref == NULL)
		rc = cli_fail(1, "chart source is required");
	else if (rc == 0 && (chart == NULL || *chart == '\0'))
		rc = cli_fail(1, "chart name or path is required");
	if (rc == 0)
		rc = cli_go_duration(every, "interval", interval);
	if (rc == 0) {
		spec = json_pack("{s:s,s:s,s:s,s:O}", "chart", chart, "interval", every, "reconcileStrategy", strategy,
				 "sourceRef", ref);
		if (version && *version)
			json_object_set_new(spec, "version", json_string(version));
		rc = chart_verify(spec, provider, secret, issuer, subject, 0);
	}
	json_decref(ref);
	if (rc != 0) {
		json_decref(spec);
		return rc;
	}
	return cli_create_spec(CF_AV_HELMCHART, "HelmChart", name, spec);
}

int cmd_create_source_bucket(int argc, char **argv, const char *name)
{
	char *pos[8];
	size_t npos;
	int rc;

	(void)name;
	if (cli_help_asked(argc, argv)) {
		rc = cli_parse(NULL, 0, argc, argv, "usage: cflux create source bucket NAME", pos, &npos);
		return rc == 1 ? 0 : rc;
	}
	return cli_fail(1, "create source bucket: cflux's source-controller does not reconcile Buckets yet; "
			   "publish the manifests with cflux push artifact and use create source oci, or use create source git");
}
