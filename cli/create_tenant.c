/* cli/create_tenant.c - cflux create tenant: per namespace of the tenant a Namespace, a
 * ServiceAccount and a RoleBinding of it (and of the gotk:<ns>:reconciler user) to a
 * ClusterRole, labelled toolkit.fluxcd.io/tenant, as flux makes them; --export prints them. */
#include "cli.h"

#include <string.h>

#define TENANT_LABEL "toolkit.fluxcd.io/tenant"
#define RBAC_GROUP "rbac.authorization.k8s.io"

typedef struct tenant_args {
	const char *name, *role, *account;
	int skip_ns;
} tenant_args;

/* Kubernetes' IsQualifiedName, for the names flux checks with it: [prefix/]name, the name at
 * most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric. */
static int qualified(const char *s)
{
	const char *slash = strrchr(s, '/'), *n = slash ? slash + 1 : s;
	size_t len = strlen(n);

	if (len == 0 || len > 63 || (slash && slash == s))
		return 0;
	for (size_t i = 0; i < len; i++) {
		int alnum = (n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9');
		if (!alnum && ((i == 0 || i == len - 1) || (n[i] != '-' && n[i] != '_' && n[i] != '.')))
			return 0;
	}
	return 1;
}

/* metadata.labels: the --label ones and the tenant's; 0 or 1 after the error. */
static int labels(json_t *obj, const char *tenant)
{
	json_t *md = json_object_get(obj, "metadata");
	int rc = cli_create_labels(obj);

	if (rc == 0) {
		if (json_object_get(md, "labels") == NULL)
			json_object_set_new(md, "labels", json_object());
		json_object_set_new(json_object_get(md, "labels"), TENANT_LABEL, json_string(tenant));
	}
	return rc;
}

/* The objects for namespace ns appended to objs; 0, or 1 after the error. */
static int tenant_objects(json_t *objs, const tenant_args *a, const char *ns)
{
	const char *account = a->account ? a->account : a->name;
	char binding[320], user[320];
	json_t *o[3];
	size_t n = 0;
	int rc = 0;

	if (!qualified(ns))
		return cli_fail(1, "invalid namespace '%s': must be a qualified name", ns);
	if (!qualified(account))
		return cli_fail(1, "invalid service-account name '%s': must be a qualified name", account);
	snprintf(binding, sizeof(binding), "%s-reconciler", a->name);
	snprintf(user, sizeof(user), "gotk:%s:reconciler", ns);
	if (!a->skip_ns)
		o[n++] = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	o[n++] = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "v1", "kind", "ServiceAccount", "metadata", "name",
			   account, "namespace", ns);
	o[n++] = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s},s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "apiVersion",
			   RBAC_GROUP "/v1", "kind", "RoleBinding", "metadata", "name", binding, "namespace", ns, "roleRef",
			   "apiGroup", RBAC_GROUP, "kind", "ClusterRole", "name", a->role, "subjects", "apiGroup", RBAC_GROUP,
			   "kind", "User", "name", user, "kind", "ServiceAccount", "name", account, "namespace", ns);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = labels(o[i], a->name);
		json_array_append_new(objs, o[i]);
	}
	return rc;
}

int cmd_create_tenant(int argc, char **argv, const char *name)
{
	tenant_args a = { .name = name, .role = "cluster-admin" };
	const char *interval = "1m";
	cf_flag_list namespaces = { .n = 0 };
	const cf_flag own[] = {
		{ "with-namespace", CF_FLAG_LIST, &namespaces, "namespace belonging to this tenant", 0 },
		{ "cluster-role", CF_FLAG_STRING, &a.role, "cluster role of the tenant role binding", 0 },
		{ "with-service-account", CF_FLAG_STRING, &a.account, "service account belonging to this tenant", 0 },
		{ "skip-namespace", CF_FLAG_BOOL, &a.skip_ns, "skip namespace creation (namespace must exist already)", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[8];
	size_t npos;
	json_t *objs = json_array();
	int rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			   "usage: cflux create tenant NAME --with-namespace NS [--cluster-role R]", pos, &npos);

	if (rc == 1)
		rc = -1;   /* --help */
	else if (rc == 0 && !qualified(name))
		rc = cli_fail(1, "invalid tenant name '%s': must be a qualified name", name);
	else if (rc == 0 && *a.role == '\0')
		rc = cli_fail(1, "cluster-role is required");
	else if (rc == 0 && namespaces.n == 0)
		rc = cli_fail(1, "with-namespace is required");
	for (size_t i = 0; rc == 0 && i < namespaces.n; i++)
		rc = tenant_objects(objs, &a, namespaces.items[i]);
	for (size_t i = 0; rc == 0 && cli_create.export && i < json_array_size(objs); i++)
		rc = cli_export(json_array_get(objs, i));
	if (rc == 0 && !cli_create.export && (rc = cli_apply_all(objs, "applying tenant")) == 0)
		cli_ok("tenant setup completed");
	json_decref(objs);
	cf_flag_list_free(&namespaces);
	return rc < 0 ? 0 : rc;
}
