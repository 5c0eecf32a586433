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
} cf_kubeconfig;

/* Loads a kubeconfig. path NULL: $KUBECONFIG (a colon-separated list, merged first-wins as
 * kubectl does), else ~/.kube/config, else the in-cluster service account. context NULL: the
 * current-context. Errors name the file, context, cluster or user and the field. */
int  cf_kubeconfig_load(cf_kubeconfig **out, const char *path, const char *context);
/* The same from text already in memory; path names it in errors and anchors relative paths. */
int  cf_kubeconfig_parse(cf_kubeconfig **out, const char *data, size_t len, const char *path,
			 const char *context);
/* In-cluster config from KUBERNETES_SERVICE_HOST/PORT and sa_dir (NULL: the standard
 * /var/run/secrets/kubernetes.io/serviceaccount) holding token, ca.crt and namespace. */
int  cf_kubeconfig_in_cluster(cf_kubeconfig **out, const char *sa_dir);
/* Safe on NULL. */
void cf_kubeconfig_free(cf_kubeconfig *c);

#endif
