/* common/kube/kubeconfig.c - kubeconfig files (merged like kubectl) and in-cluster config. */
#include "kube/kubeconfig.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KUBECONFIG_MAX (16u * 1024u * 1024u)
#define SA_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"

void cf_kubeconfig_free(cf_kubeconfig *c)
{
	if (c == NULL)
		return;
	cf_free(c->context);
	cf_free(c->server);
	cf_free(c->namespace);
	cf_free(c->ca_file);
	cf_free(c->ca_data);
	cf_free(c->cert_file);
	cf_free(c->key_file);
	cf_free(c->cert_data);
	cf_free_secret(c->key_data, c->key_len);
	if (c->token)
		cf_free_secret(c->token, strlen(c->token));
	cf_free(c->token_file);
	cf_free(c->tls_server_name);
	cf_free(c);
}

/* One loaded file: its documents' first element and its directory, for relative paths. */
typedef struct kc_file {
	json_t *doc;
	char *dir;
	const char *path;
} kc_file;

static int kc_strdup(char **dst, const char *s)
{
	*dst = cf_strdup(s);
	return *dst ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

/* Paths in a kubeconfig are relative to the file that names them. */
static int kc_path(char **dst, const kc_file *f, const char *p)
{
	cf_buf b = CF_BUF_INIT(8192);

	if (p[0] == '/' || f->dir == NULL)
		return kc_strdup(dst, p);
	if (cf_buf_printf(&b, "%s/%s", f->dir, p) < 0) {
		cf_buf_free(&b);
		return cf_err_code();
	}
	*dst = cf_buf_detach(&b, NULL);
	return *dst ? 0 : CF_ENOMEM;
}

/* Finds {name: NAME, <field>: {...}} in the list `list` of any file, first file first. */
static json_t *kc_find(const kc_file *files, size_t n, const char *list, const char *field,
		       const char *name, const kc_file **from)
{
	for (size_t i = 0; i < n; i++) {
		json_t *arr = json_object_get(files[i].doc, list), *e;
		size_t k;

		json_array_foreach(arr, k, e) {
			const char *nm = json_string_value(json_object_get(e, "name"));
			if (nm && strcmp(nm, name) == 0 && json_is_object(json_object_get(e, field))) {
				*from = &files[i];
				return json_object_get(e, field);
			}
		}
	}
	return NULL;
}

static int kc_data(unsigned char **dst, size_t *len, const json_t *obj, const char *field,
		   const char *what, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, field));

	if (s == NULL)
		return 0;
	if (cf_base64_decode(dst, len, s, strlen(s)) < 0)
		return cf_err_prefix("%s \"%s\": field %s", what, name, field);
	return 0;
}

static int kc_cluster(cf_kubeconfig *c, const json_t *cl, const kc_file *f, const char *name)
{
	const char *server = json_string_value(json_object_get(cl, "server"));
	const char *ca = json_string_value(json_object_get(cl, "certificate-authority"));
	const char *sni = json_string_value(json_object_get(cl, "tls-server-name"));
	size_t len;

	if (server == NULL || server[0] == '\0')
		return cf_err_set(CF_EINVAL, "%s: cluster \"%s\" has no server", f->path, name);
	if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
		return cf_err_set(CF_EINVAL, "%s: cluster \"%s\": server \"%s\" is not an http(s) URL",
				  f->path, name, server);
	if (kc_strdup(&c->server, server) < 0)
		return CF_ENOMEM;
	len = strlen(c->server);
	while (len > 0 && c->server[len - 1] == '/')
		c->server[--len] = '\0';
	if (ca && kc_path(&c->ca_file, f, ca) < 0)
		return cf_err_code();
	if (kc_data(&c->ca_data, &c->ca_len, cl, "certificate-authority-data", "cluster", name) < 0)
		return cf_err_prefix("%s", f->path);
	c->insecure = json_is_true(json_object_get(cl, "insecure-skip-tls-verify"));
	if (sni && sni[0] && kc_strdup(&c->tls_server_name, sni) < 0)
		return CF_ENOMEM;
	return 0;
}

static int kc_user(cf_kubeconfig *c, const json_t *u, const kc_file *f, const char *name)
{
	const char *cert = json_string_value(json_object_get(u, "client-certificate"));
	const char *key = json_string_value(json_object_get(u, "client-key"));
	const char *token = json_string_value(json_object_get(u, "token"));
	const char *token_file = json_string_value(json_object_get(u, "tokenFile"));

	if (json_object_get(u, "exec") || json_object_get(u, "auth-provider"))
		return cf_err_set(CF_EINVAL, "%s: user \"%s\" uses an exec or auth-provider credential "
				  "plugin, which cflux does not run; use a token or client certificate",
				  f->path, name);
	if (json_object_get(u, "username") || json_object_get(u, "password"))
		return cf_err_set(CF_EINVAL, "%s: user \"%s\": basic auth (username/password) was removed "
				  "from Kubernetes; use a token or client certificate", f->path, name);
	if ((cert && kc_path(&c->cert_file, f, cert) < 0) || (key && kc_path(&c->key_file, f, key) < 0) ||
	    (token && kc_strdup(&c->token, token) < 0) ||
	    (token_file && kc_path(&c->token_file, f, token_file) < 0))
		return cf_err_code();
	if (kc_data(&c->cert_data, &c->cert_len, u, "client-certificate-data", "user", name) < 0 ||
	    kc_data(&c->key_data, &c->key_len, u, "client-key-data", "user", name) < 0)
		return cf_err_prefix("%s", f->path);
	if ((c->cert_file || c->cert_data) != (c->key_file || c->key_data))
		return cf_err_set(CF_EINVAL, "%s: user \"%s\" has a client certificate without a key "
				  "or a key without a certificate", f->path, name);
	return 0;
}

static int kc_resolve(cf_kubeconfig *c, const kc_file *files, size_t n, const char *context,
		      const cf_kubeconfig_overrides *over)
{
	const char *ctx_name = context, *cluster_name = NULL, *user_name = NULL, *ns = NULL;
	const kc_file *from = NULL, *cfrom = NULL, *ufrom = NULL;
	const json_t *ctx = NULL, *cl, *u;
	int bare = over && over->server;   /* --server: a context is not needed */
	const char *where = n ? files[0].path : "kubeconfig";

	for (size_t i = 0; ctx_name == NULL && i < n; i++) {
		ctx_name = json_string_value(json_object_get(files[i].doc, "current-context"));
		if (ctx_name && ctx_name[0] == '\0')
			ctx_name = NULL;
	}
	if (ctx_name == NULL && !bare)
		return cf_err_set(CF_EINVAL, "%s: no current-context is set and no --context was given",
				  where);
	if (ctx_name && (ctx = kc_find(files, n, "contexts", "context", ctx_name, &from)) == NULL && (context || !bare))
		return cf_err_set(CF_ENOTFOUND, "%s: context \"%s\" not found", where, ctx_name);
	if (ctx) {
		cluster_name = json_string_value(json_object_get(ctx, "cluster"));
		user_name = json_string_value(json_object_get(ctx, "user"));
		ns = json_string_value(json_object_get(ctx, "namespace"));
	}
	if (over && over->cluster)
		cluster_name = over->cluster;
	if (over && over->user)
		user_name = over->user;
	c->context_namespace = ns && ns[0];
	if (kc_strdup(&c->context, ctx ? ctx_name : "") < 0 || kc_strdup(&c->namespace, ns && ns[0] ? ns : "default") < 0)
		return CF_ENOMEM;
	if (cluster_name == NULL && !bare)
		return cf_err_set(CF_EINVAL, "%s: context \"%s\" has no cluster", from->path, ctx_name);
	if (cluster_name) {
		cl = kc_find(files, n, "clusters", "cluster", cluster_name, &cfrom);
		if (cl == NULL && (!bare || (over && over->cluster)))
			return cf_err_set(CF_ENOTFOUND, "%s: %s%s%scluster \"%s\" not found", from ? from->path : where,
					  ctx ? "context \"" : "", ctx ? ctx_name : "", ctx ? "\": " : "", cluster_name);
		if (cl && kc_cluster(c, cl, cfrom, cluster_name) < 0)
			return cf_err_code();
	}
	if (user_name == NULL || user_name[0] == '\0')
		return 0;
	u = kc_find(files, n, "users", "user", user_name, &ufrom);
	if (u == NULL)
		return cf_err_set(CF_ENOTFOUND, "%s: %s%s%suser \"%s\" not found", from ? from->path : where,
				  ctx ? "context \"" : "", ctx ? ctx_name : "", ctx ? "\": " : "", user_name);
	return kc_user(c, u, ufrom, user_name);
}

static int kc_replace(char **dst, const char *s)
{
	cf_free(*dst);
	*dst = NULL;
	return s ? kc_strdup(dst, s) : 0;
}

/* over on top of the merged kubeconfig, as client-go's ConfigOverrides */
static int kc_override(cf_kubeconfig *c, const cf_kubeconfig_overrides *over)
{
	size_t len;

	if (over == NULL)
		return 0;
	if (over->server) {
		if (strncmp(over->server, "https://", 8) != 0 && strncmp(over->server, "http://", 7) != 0)
			return cf_err_set(CF_EINVAL, "--server \"%s\" is not an http(s) URL", over->server);
		if (kc_replace(&c->server, over->server) < 0)
			return CF_ENOMEM;
		len = strlen(c->server);
		while (len > 0 && c->server[len - 1] == '/')
			c->server[--len] = '\0';
	}
	if (c->server == NULL)
		return cf_err_set(CF_EINVAL, "cluster \"%s\" not found and no --server was given", over->cluster ? over->cluster : "");
	if (over->tls_server_name && kc_replace(&c->tls_server_name, over->tls_server_name) < 0)
		return CF_ENOMEM;
	if (over->insecure || over->ca_file) {   /* either replaces the file's trust settings */
		if (over->insecure && over->ca_file)
			return cf_err_set(CF_EINVAL, "specifying a root certificates file with the insecure flag is not allowed");
		c->insecure = over->insecure;
		cf_free(c->ca_data);
		c->ca_data = NULL;
		c->ca_len = 0;
		if (kc_replace(&c->ca_file, over->ca_file) < 0)
			return CF_ENOMEM;
	}
	if (over->cert_file || over->key_file) {
		if (!over->cert_file || !over->key_file)
			return cf_err_set(CF_EINVAL, "--client-certificate and --client-key go together");
		cf_free(c->cert_data);
		cf_free_secret(c->key_data, c->key_len);
		c->cert_data = c->key_data = NULL;
		c->cert_len = c->key_len = 0;
		if (kc_replace(&c->cert_file, over->cert_file) < 0 || kc_replace(&c->key_file, over->key_file) < 0)
			return CF_ENOMEM;
	}
	if (over->token) {
		if (c->token)
			cf_free_secret(c->token, strlen(c->token));
		c->token = NULL;
		if (kc_strdup(&c->token, over->token) < 0 || kc_replace(&c->token_file, NULL) < 0)
			return CF_ENOMEM;
	}
	return 0;
}

static int kc_load_docs(kc_file *f, json_t *docs, const char *path)
{
	const char *slash;

	f->path = path;
	f->doc = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	if (f->doc != NULL && !json_is_object(f->doc)) {
		json_decref(f->doc);
		f->doc = NULL;
		return cf_err_set(CF_EINVAL, "%s: not a kubeconfig (expected a mapping)", path);
	}
	slash = strrchr(path, '/');
	f->dir = slash ? cf_strndup(path, (size_t)(slash - path == 0 ? 1 : slash - path)) : NULL;
	if (slash && f->dir == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	return 0;
}

static int kc_load_file(kc_file *f, const char *path)
{
	json_t *docs = NULL;
	int rc = cf_yaml_load_file(&docs, path, KUBECONFIG_MAX);

	if (rc < 0)
		return rc;
	return kc_load_docs(f, docs, path);
}

static void kc_files_free(kc_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(files[i].doc);
		cf_free(files[i].dir);
	}
}

int cf_kubeconfig_parse(cf_kubeconfig **out, const char *data, size_t len, const char *path,
			const char *context)
{
	kc_file f;
	json_t *docs = NULL;
	cf_kubeconfig *c = NULL;
	int rc;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	rc = cf_yaml_load_all(&docs, data, len, path);
	if (rc == 0)
		rc = kc_load_docs(&f, docs, path);
	if (rc == 0 && f.doc == NULL)
		rc = cf_err_set(CF_EINVAL, "%s: empty kubeconfig", path);
	if (rc == 0 && (c = cf_calloc(1, sizeof(*c))) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = kc_resolve(c, &f, 1, context, NULL);
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
	cf_kubeconfig_free(c);
	kc_files_free(&f, 1);
	return rc;
}

static int kc_file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

int cf_kubeconfig_load(cf_kubeconfig **out, const char *path, const char *context)
{
	return cf_kubeconfig_load_over(out, path, context, NULL);
}

int cf_kubeconfig_load_over(cf_kubeconfig **out, const char *path, const char *context,
			    const cf_kubeconfig_overrides *over)
{
	char *list = NULL, *save = NULL, *home_path = NULL;
	kc_file files[16];
	size_t n = 0;
	cf_kubeconfig *c = NULL;
	int rc = 0;

	*out = NULL;
	memset(files, 0, sizeof(files));
	if (path == NULL && getenv("KUBECONFIG") && getenv("KUBECONFIG")[0]) {
		list = cf_strdup(getenv("KUBECONFIG"));
		if (list == NULL)
			return cf_err_set(CF_ENOMEM, "out of memory");
		for (char *p = strtok_r(list, ":", &save); p && n < 16; p = strtok_r(NULL, ":", &save)) {
			if (!kc_file_exists(p))
				continue;   /* kubectl ignores missing entries of the list */
			if ((rc = kc_load_file(&files[n++], p)) < 0)
				goto out;
		}
		if (n == 0 && !(over && over->server)) {   /* with --server the flags alone will do */
			rc = cf_err_set(CF_ENOTFOUND, "KUBECONFIG=%s: none of its files exists", getenv("KUBECONFIG"));
			goto out;
		}
	} else if (path != NULL) {
		if ((rc = kc_load_file(&files[n++], path)) < 0)
			goto out;
	} else {
		const char *home = getenv("HOME");
		cf_buf b = CF_BUF_INIT(4096);

		if (home && cf_buf_printf(&b, "%s/.kube/config", home) == 0 && kc_file_exists(b.data)) {
			home_path = cf_buf_detach(&b, NULL);
			if (home_path == NULL || (rc = kc_load_file(&files[n++], home_path)) < 0)
				goto out;
		} else if (over && over->server) {
			cf_buf_free(&b);   /* the flags alone: no file */
		} else {
			cf_buf_free(&b);
			rc = cf_kubeconfig_in_cluster(out, NULL);
			if (rc < 0)
				cf_err_prefix("no kubeconfig (KUBECONFIG unset, no ~/.kube/config) and not in a cluster");
			else if ((rc = kc_override(*out, over)) < 0) {
				cf_kubeconfig_free(*out);
				*out = NULL;
			}
			goto out;
		}
	}
	c = cf_calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	rc = kc_resolve(c, files, n, context, over);
	if (rc == 0)
		rc = kc_override(c, over);
	if (rc < 0)
		goto out;
	*out = c;
	c = NULL;
out:
	kc_files_free(files, n);
	cf_kubeconfig_free(c);
	cf_free(list);
	cf_free(home_path);
	return rc;
}

static int sa_read(char **dst, const char *dir, const char *file, int required)
{
	cf_buf path = CF_BUF_INIT(4096), data = CF_BUF_INIT_SECRET(1u << 20);   /* a token, a key */
	int rc;

	*dst = NULL;
	if ((rc = cf_buf_printf(&path, "%s/%s", dir, file)) < 0)
		goto out;
	rc = cf_buf_read_file(&data, path.data);
	if (rc == CF_ENOTFOUND && !required) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	while (data.len && (data.data[data.len - 1] == '\n' || data.data[data.len - 1] == '\r'))
		data.data[--data.len] = '\0';
	*dst = cf_buf_detach(&data, NULL);
	rc = *dst ? 0 : CF_ENOMEM;
out:
	cf_buf_free(&path);
	cf_buf_free(&data);
	return rc;
}

static int sa_path(char **dst, const char *dir, const char *file)
{
	cf_buf p = CF_BUF_INIT(4096);
	int rc = cf_buf_printf(&p, "%s/%s", dir, file);

	*dst = NULL;
	if (rc == 0 && (*dst = cf_buf_detach(&p, NULL)) == NULL)
		rc = CF_ENOMEM;
	cf_buf_free(&p);
	return rc;
}

int cf_kubeconfig_in_cluster(cf_kubeconfig **out, const char *sa_dir)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	cf_kubeconfig *c;
	cf_buf b = CF_BUF_INIT(1024);
	char *ns = NULL;
	int rc;

	*out = NULL;
	if (sa_dir == NULL)
		sa_dir = SA_DIR_DEFAULT;
	if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0')
		return cf_err_set(CF_ENOTFOUND, "in-cluster config: KUBERNETES_SERVICE_HOST/PORT are not set");
	c = cf_calloc(1, sizeof(*c));
	if (c == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	/* an IPv6 service address needs brackets in a URL */
	rc = cf_buf_printf(&b, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	if (rc == 0 && (c->server = cf_buf_detach(&b, NULL)) == NULL)
		rc = CF_ENOMEM;
	if (rc == 0)
		rc = kc_strdup(&c->context, "in-cluster");
	if (rc == 0)
		rc = sa_path(&c->token_file, sa_dir, "token");
	if (rc == 0 && !kc_file_exists(c->token_file))
		rc = cf_err_set(CF_ENOTFOUND, "in-cluster config: %s does not exist", c->token_file);
	if (rc == 0)
		rc = sa_path(&c->ca_file, sa_dir, "ca.crt");
	if (rc == 0)
		rc = sa_read(&ns, sa_dir, "namespace", 0);
	if (rc == 0)
		rc = kc_strdup(&c->namespace, ns && ns[0] ? ns : "default");
	cf_free(ns);
	cf_buf_free(&b);
	if (rc < 0) {
		cf_kubeconfig_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
