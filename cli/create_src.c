/* cli/create_src.c - cflux create source helm | oci: a HelmRepository or an OCIRepository with
 * flux's flags, defaults, refusals and --export output (tests/e2e/test_flux_export.sh). */
#include "cli.h"
#include "help.h"

#include "runtime/kinds.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"

#include <string.h>

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

int cmd_create_source_oci(int argc, char **argv, const char *name)
{
	const char *url = NULL, *tag = NULL, *semver = NULL, *digest = NULL, *secret = NULL, *cert = NULL;
	const char *interval = "1m", *provider = "generic", *selector = NULL, *sa = NULL;
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
		cli_spec_ref(spec, "certSecretRef", cert);
		if (sa)
			json_object_set_new(spec, "serviceAccountName", json_string(sa));
		if ((rc = layer_selector(spec, selector)) == 0)
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
