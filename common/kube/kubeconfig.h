/* common/kube/kubeconfig.h - where the API is and who we are: kubeconfig files or in-cluster. */
#ifndef CF_KUBECONFIG_H
#define CF_KUBECONFIG_H

#include <stddef.h>

/* Everything is owned by the struct; secrets (key, token) are wiped by cf_kubeconfig_free. */
typedef struct cf_kubeconfig {
	char *context;          /* context name used, or "in-cluster" */
	char *server;           /* https://host:port, without a trailing slash */
	char *namespace;        /* the context's namespace, "default" when unset */
	char *ca_file;          /* paths are absolute (relative ones resolved against the file) */
	unsigned char *ca_data;
	size_t ca_len;
	char *cert_file, *key_file;
	unsigned char *cert_data, *key_data;
	size_t cert_len, key_len;
	char *token;
	char *token_file;       /* read again for every request (rotation) */
	int insecure;           /* insecure-skip-tls-verify */
	char *tls_server_name;  /* the name the server's certificate is checked for, and SNI */
	int context_namespace;  /* namespace came from the context (not the "default" fallback) */
} cf_kubeconfig;

/* What a command line puts over the kubeconfig, as kubectl's (and flux's) global flags do:
 * --cluster and --user pick those entries instead of the context's; --server,
 * --tls-server-name, --certificate-authority (or --insecure-skip-tls-verify, which drops
 * the file's CA), --client-certificate/--client-key and --token replace the merged values.
 * NULL or 0: the kubeconfig's. */
typedef struct cf_kubeconfig_overrides {
	const char *cluster, *user;
	const char *server, *tls_server_name, *ca_file;
	int insecure;
	const char *cert_file, *key_file, *token;
} cf_kubeconfig_overrides;

/* Loads a kubeconfig. path NULL: $KUBECONFIG (a colon-separated list, merged first-wins as
 * kubectl does), else ~/.kube/config, else the in-cluster service account. context NULL: the
 * current-context. Errors name the file, context, cluster or user and the field. */
int  cf_kubeconfig_load(cf_kubeconfig **out, const char *path, const char *context);
/* The same with over (may be NULL) applied. With --server, no kubeconfig file is needed. */
int  cf_kubeconfig_load_over(cf_kubeconfig **out, const char *path, const char *context,
			     const cf_kubeconfig_overrides *over);
/* The same from text already in memory; path names it in errors and anchors relative paths. */
int  cf_kubeconfig_parse(cf_kubeconfig **out, const char *data, size_t len, const char *path,
			 const char *context);
/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and sa_dir (NULL: the standard
 * /var/run/secrets/kubernetes.io/serviceaccount) holding token, ca.crt and namespace. */
int  cf_kubeconfig_in_cluster(cf_kubeconfig **out, const char *sa_dir);
/* Safe on NULL. */
void cf_kubeconfig_free(cf_kubeconfig *c);

#endif
