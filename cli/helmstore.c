/* cli/helmstore.c - the objects of a HelmRelease's current release, read back from helm's
 * storage Secret (sh.helm.release.v1.NAME.vVERSION, decoded by cf_helm_release_decode: the
 * release JSON, whose "manifest" is the rendered YAML), as flux's tree reads them. */
#include "cli.h"

#include "runtime/kinds.h"
#include "source/helm.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

/* {group, kind, namespace, name} of each object of manifest; a namespaced one without a
 * namespace is in the release's (as flux sets it). */
static int manifest_objects(cf_kube *k, json_t *objs, const char *manifest, const char *release_ns)
{
	json_t *docs = NULL, *d;
	size_t i;
	int rc = cf_yaml_load_all(&docs, manifest, strlen(manifest), "manifest");

	json_array_foreach(docs, i, d) {
		const json_t *meta = json_object_get(d, "metadata");
		const char *av = cf_json_str(d, "apiVersion"), *kind = cf_json_str(d, "kind"), *ns = cf_json_str(meta, "namespace");
		const char *slash = av ? strchr(av, '/') : NULL;
		cf_kube_resource res;
		char group[254];
		if (rc < 0 || av == NULL || kind == NULL || cf_json_str(meta, "name") == NULL)
			continue;
		snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
		if ((ns == NULL || ns[0] == '\0') && cf_kube_resolve(k, &res, av, kind) == 0 && res.namespaced)
			ns = release_ns;
		json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s}", "group", group, "kind", kind,
						      "namespace", ns ? ns : "", "name", cf_json_str(meta, "name")));
	}
	json_decref(docs);
	return rc;
}

int cli_helm_release_objects(cf_kube *k, json_t **out, const char *ns, const char *name)
{
	json_t *hr = NULL, *secret = NULL, *release = NULL;
	const json_t *latest;
	const char *sns, *data;
	char sname[600];
	int rc;

	*out = json_array();
	if ((rc = cf_kube_get(k, &hr, &(cf_kube_ref){ CF_AV_HELMRELEASE, "HelmRelease", ns, name })) < 0) {
		rc = cli_fail(1, "%s", cf_err_msg());
		goto out;
	}
	latest = json_array_get(json_object_get(json_object_get(hr, "status"), "history"), 0);
	sns = cf_json_str(json_object_get(hr, "status"), "storageNamespace");
	rc = 0;
	/* a release of a remote cluster, or none yet: nothing to show, as flux */
	if (json_object_get(json_object_get(hr, "spec"), "kubeConfig") || sns == NULL || sns[0] == '\0' || latest == NULL)
		goto out;
	snprintf(sname, sizeof(sname), "sh.helm.release.v1.%s.v%lld", cf_json_str(latest, "name") ? cf_json_str(latest, "name") : "",
		 (long long)json_integer_value(json_object_get(latest, "version")));
	if ((rc = cf_kube_get(k, &secret, &(cf_kube_ref){ "v1", "Secret", sns, sname })) < 0) {
		rc = rc == CF_ENOTFOUND ? 0 : cli_fail(1, "failed to find the Helm storage object for HelmRelease '%s/%s': %s",
							ns, name, cf_err_msg());
		goto out;
	}
	if ((data = cf_json_str(json_object_get(secret, "data"), "release")) == NULL || cf_helm_release_decode(&release, data, strlen(data)) < 0 ||
	    cf_json_str(release, "manifest") == NULL) {
		rc = cli_fail(1, "failed to decode the Helm storage object for HelmRelease '%s/%s'", ns, name);
		goto out;
	}
	if (manifest_objects(k, *out, cf_json_str(release, "manifest"), cf_json_str(latest, "namespace")) < 0)
		rc = cli_fail(1, "failed to read the Helm storage object for HelmRelease '%s/%s': %s", ns, name, cf_err_msg());
out:
	json_decref(release);
	json_decref(secret);
	json_decref(hr);
	return rc;
}
