/* cli/version.c - cflux version: the CLI's version and, unless --client, each installed
 * controller's (its Deployment's image tag), as text or -o json|yaml, as flux version. */
#include "cli.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdlib.h>
#include <string.h>


/* The tag of a Deployment's first container image ("ghcr.io/x/y:v1" -> "v1"), else its
 * app.kubernetes.io/version label. */
static const char *deployment_version(const json_t *d)
{
	const json_t *c = json_array_get(json_object_get(json_object_get(json_object_get(json_object_get(d, "spec"), "template"), "spec"), "containers"), 0);
	const char *image = cf_json_str(c, "image"), *colon = image ? strrchr(image, ':') : NULL;

	if (colon && strchr(colon, '/') == NULL)
		return colon + 1;
	return cf_json_str(json_object_get(json_object_get(d, "metadata"), "labels"), "app.kubernetes.io/version");
}

/* The controllers' versions into out, from the Deployments install labelled. */
static int server_versions(json_t *out)
{
	cf_kube *k = cli_client();
	json_t *list = NULL, *d;
	size_t i;
	int rc;

	if (k == NULL)
		return 1;
	rc = cf_kube_list(k, &list, &(cf_kube_ref){ "apps/v1", "Deployment", cli.namespace, NULL }, "app.kubernetes.io/part-of=cflux");
	if (rc < 0) {
		rc = cli_fail(1, "%s", cf_err_msg());
	} else {
		json_array_foreach(json_object_get(list, "items"), i, d) {
			const char *v = deployment_version(d);
			json_object_set_new(out, cf_json_str(json_object_get(d, "metadata"), "name"), json_string(v ? v : "unknown"));
		}
		if (json_array_size(json_object_get(list, "items")) == 0)
			rc = cli_fail(1, "no cflux components found in %s namespace", cli.namespace);
	}
	json_decref(list);
	cf_kube_free(k);
	return rc;
}

int cmd_version(int argc, char **argv)
{
	int client = 0, rc;
	const char *output = "yaml-text";
	const cf_flag own[] = {
		{ "client", CF_FLAG_BOOL, &client, "print only the client version", 0 },
		{ "output|o", CF_FLAG_STRING, &output, "the format in which the information should be printed: json or yaml", 0 },
	};
	json_t *v;
	cf_buf out = CF_BUF_INIT(1u << 20);

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux version [--client] [-o json|yaml]", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	if (strcmp(output, "yaml-text") != 0 && strcmp(output, "json") != 0 && strcmp(output, "yaml") != 0)
		return cli_fail(CLI_EXIT_USAGE, "--output must be json or yaml, not \"%s\"", output);
	v = json_pack("{s:s}", "cflux", CFLUX_VERSION);
	if (!client && (rc = server_versions(v)) != 0) {
		json_decref(v);
		return rc;
	}
	if (strcmp(output, "json") == 0) {
		char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "{}");
		free(text);
	} else if (strcmp(output, "yaml") == 0) {
		if (cf_yaml_dump(&out, v) == 0)
			fwrite(out.data ? out.data : "", 1, out.len, stdout);
	} else {
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val)
			printf("%s: %s\n", key, json_string_value(val));
	}
	cf_buf_free(&out);
	json_decref(v);
	return 0;
}
