/* common/runtime/remote.c - spec.kubeConfig: a client for the cluster a Secret's kubeconfig names. */
#include "runtime/remote.h"

#include "kube/kubeconfig.h"
#include "kube/secret.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

int cf_remote_wanted(const json_t *spec)
{
	return json_object_get(spec, "kubeConfig") != NULL && !json_is_null(json_object_get(spec, "kubeConfig"));
}

/* The kubeconfig text of obj's spec.kubeConfig (*text a new string; *where names the Secret and
 * key for errors), or CF_EINVAL/CF_ENOTFOUND naming what is missing. */
static int secret_text(cf_kube *k, const json_t *obj, char **text, char *where, size_t wsize)
{
	const json_t *md = json_object_get(obj, "metadata");
	const json_t *kc = json_object_get(json_object_get(obj, "spec"), "kubeConfig");
	const json_t *ref = json_object_get(kc, "secretRef");
	const char *ns = cf_json_str(md, "namespace"), *name = cf_json_str(ref, "name"), *key = cf_json_str(ref, "key");
	const char *val = NULL;
	json_t *data = NULL;
	int rc;

	*text = NULL;
	snprintf(where, wsize, "spec.kubeConfig");
	if (!json_is_object(kc))
		return cf_err_set(CF_EINVAL, "spec.kubeConfig must be an object");
	if (json_object_get(kc, "configMapRef"))
		return cf_err_set(CF_EINVAL, "spec.kubeConfig.configMapRef (workload identity) is not supported: "
				  "give spec.kubeConfig.secretRef a Secret with the kubeconfig");
	if (name == NULL || name[0] == '\0')
		return cf_err_set(CF_EINVAL, "spec.kubeConfig.secretRef.name is required");
	if ((rc = cf_kube_secret_get(k, &data, ns, name)) < 0)
		return cf_err_prefix("unable to read KubeConfig secret '%s/%s'", ns ? ns : "", name);
	if (key && key[0]) {
		val = cf_json_str(data, key);
	} else if ((val = cf_json_str(data, "value")) != NULL) {
		key = "value";
	} else if ((val = cf_json_str(data, "value.yaml")) != NULL) {
		key = "value.yaml";
	}
	snprintf(where, wsize, "KubeConfig secret '%s/%s' key '%s'", ns ? ns : "", name,
		 key && key[0] ? key : "value");
	if (val == NULL || val[0] == '\0')
		rc = key && key[0] ? cf_err_set(CF_ENOTFOUND, "KubeConfig secret '%s/%s' has no key '%s'", ns ? ns : "", name, key)
				   : cf_err_set(CF_ENOTFOUND, "KubeConfig secret '%s/%s' has neither 'value' nor 'value.yaml'",
						ns ? ns : "", name);
	else if ((*text = cf_strdup(val)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	cf_kube_secret_free(data);
	return rc;
}

/* The checks of the header on cfg, loaded from where. */
static int check_config(const cf_kubeconfig *cfg, const cf_remote_opts *opts, const char *where)
{
	const char *file = cfg->ca_file ? "certificate-authority" : cfg->cert_file ? "client-certificate" :
			   cfg->key_file ? "client-key" : cfg->token_file ? "tokenFile" : NULL;

	if (file)
		return cf_err_set(CF_EINVAL, "%s: %s names a file; a kubeconfig from a Secret must carry its data "
				  "inline (%s%s)", where, file, strcmp(file, "tokenFile") == 0 ? "token" : file,
				  strcmp(file, "tokenFile") == 0 ? "" : "-data");
	if (cfg->insecure && !(opts && opts->insecure_tls))
		return cf_err_set(CF_EINVAL, "%s: insecure-skip-tls-verify is refused unless the controller runs with "
				  "--insecure-kubeconfig-tls", where);
	return 0;
}

int cf_remote_config(cf_kube *k, const json_t *obj, const cf_remote_opts *opts, cf_kubeconfig **cfg)
{
	char where[700], *text = NULL;
	int rc;

	*cfg = NULL;
	if ((rc = secret_text(k, obj, &text, where, sizeof(where))) < 0)
		return rc;
	/* no context named: the kubeconfig's current-context, as Flux */
	rc = cf_kubeconfig_parse(cfg, text, strlen(text), where, NULL);
	if (rc == 0 && (rc = check_config(*cfg, opts, where)) < 0) {
		cf_kubeconfig_free(*cfg);
		*cfg = NULL;
	}
	memset(text, 0, strlen(text));
	cf_free(text);
	return rc;
}

int cf_remote_client(cf_kube *k, const json_t *obj, const cf_remote_opts *opts, const char *user_agent,
		     cf_kube **out)
{
	cf_kubeconfig *cfg = NULL;
	int rc;

	*out = NULL;
	if (!cf_remote_wanted(json_object_get(obj, "spec")))
		return 0;
	if ((rc = cf_remote_config(k, obj, opts, &cfg)) < 0)
		return rc;
	return cf_kube_new_config(out, cfg, user_agent);
}
