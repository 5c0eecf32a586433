/* cli/create_secret.c - cflux create secret git | helm | oci | tls | githubapp | proxy | receiver |
 * notation: the Secrets Flux's sources and receivers read, with flux's keys, types and --export output. The values are credentials:
 * they go to the API server or to stdout with --export, never to a log line. */
#include "cli.h"
#include "sshkey.h"

#include "source/git.h"
#include "source/trustpolicy.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_FILE_MAX (1u << 20)
#define SECRET_FILES_MAX 32

/* What a secret command collected: the files' contents (owned), the string data and the
 * annotations (NULL: none). */
typedef struct secret_data {
	json_t *string_data, *annotations;
	cf_buf files[SECRET_FILES_MAX];
	size_t nfiles;
} secret_data;

static void secret_data_free(secret_data *d)
{
	const char *key;
	json_t *v;

	/* every value is a credential or beside one: wiped in jansson's copy too */
	json_object_foreach(d->string_data, key, v)
		cf_wipe((void *)json_string_value(v), json_string_length(v));
	json_decref(d->string_data);
	json_decref(d->annotations);
	for (size_t i = 0; i < d->nfiles; i++) {
		if (d->files[i].data)
			memset(d->files[i].data, 0, d->files[i].len);
		cf_buf_free(&d->files[i]);
	}
}

/* b = the file at path; 0, or negative with Go's words for what failed ("open PATH: no such file
 * or directory", "read PATH: is a directory"), as flux's os.ReadFile errors read. */
static int read_file(cf_buf *b, const char *path)
{
	struct stat st;
	char why[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC), dir;

	if (fd < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		return cf_err_set(CF_EIO, "open %s: %s", path, why);
	}
	dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	close(fd);
	if (dir)
		return cf_err_set(CF_EIO, "read %s: is a directory", path);
	return cf_buf_read_file(b, path);
}

/* stringData[key] = the file at path (when given); 0, or 1 after flux's words (what). */
static int add_file(secret_data *d, const char *key, const char *path, const char *what)
{
	cf_buf *b;

	if (path == NULL || *path == '\0')
		return 0;
	if (d->nfiles == SECRET_FILES_MAX)
		return cli_fail(1, "%s: more than %d files", what, SECRET_FILES_MAX - 1);
	b = &d->files[d->nfiles++];
	*b = (cf_buf)CF_BUF_INIT(SECRET_FILE_MAX);
	if (read_file(b, path) < 0)
		return cli_fail(1, "%s: %s", what, cf_err_msg());
	json_object_set_new(d->string_data, key, json_stringn(b->data ? b->data : "", b->len));
	return 0;
}

static void add_string(secret_data *d, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(d->string_data, key, json_string(v));
}

/* create secret tls prints with Print, the others with Println (one more newline) */
static int tls_export;
/* what flux calls the secret in its "created" line ("receiver ", "proxy ", ...) */
static const char *secret_what = "";

/* The Secret (type NULL: none, as flux's git secret has) applied, or printed with --export. */
static int secret_out(const char *name, const char *type, secret_data *d)
{
	json_t *s = json_pack("{s:s,s:s,s:{s:s,s:s},s:O}", "apiVersion", "v1", "kind", "Secret", "metadata", "name",
			      name, "namespace", cli.namespace, "stringData", d->string_data);
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube *k;
	int rc;

	if (type)
		json_object_set_new(s, "type", json_string(type));
	if (d->annotations)
		json_object_set(json_object_get(s, "metadata"), "annotations", d->annotations);
	if (json_object_size(d->string_data) == 0)
		json_object_del(s, "stringData");   /* omitempty, as Go marshals it */
	if ((rc = cli_create_labels(s)) != 0 || cli_create.export) {
		rc = rc ? rc : cli_export(s);
		/* flux prints these with Println after content that ends in a newline */
		if (rc == 0 && !tls_export)
			putchar('\n');
		json_decref(s);
		return rc;
	}
	if ((k = cli_client()) == NULL) {
		json_decref(s);
		return 1;
	}
	ao.field_manager = "cflux";
	ao.force = 1;
	if (cf_kube_apply(k, NULL, s, &ao) < 0)
		rc = cli_fail(1, "Secret '%s/%s': %s", cli.namespace, name, cf_err_msg());
	else
		cli_ok("%ssecret '%s' created in '%s' namespace", secret_what, name, cli.namespace);
	cf_kube_free(k);
	json_decref(s);
	return rc;
}

/* Parses own plus the globals; 0 to go on, -1 after --help, else the exit code. */
static int parse(const cf_flag *own, size_t n, int argc, char **argv, const char *usage)
{
	char *pos[8];
	size_t npos;
	int rc = cli_parse(own, n, argc, argv, usage, pos, &npos);

	return rc == 1 ? -1 : rc;
}

#define KNOWN_HOSTS_MAX 16384

/* identity, identity.pub and known_hosts (and the key's password) for an ssh:// URL, as flux's
 * GenerateGit makes them: the key from key_file or a new pair, the host key scanned. */
static int ssh_data(secret_data *d, const char *url, const char *key_file, const char *pass, const char *algo,
		    const char *curve, long bits)
{
	char *priv = NULL, *pub = NULL, known[KNOWN_HOSTS_MAX];
	int rc;

	if (key_file && *key_file) {
		if ((rc = add_file(d, "identity", key_file, "failed to open private key file")) == 0)
			rc = cli_ssh_public_key(&pub, d->files[d->nfiles - 1].data ? d->files[d->nfiles - 1].data : "",
						d->files[d->nfiles - 1].len, pass);
	} else if ((rc = cli_ssh_keygen(&priv, &pub, algo, curve, bits)) == 0) {
		add_string(d, "identity", priv);
	}
	cli_ssh_key_free(priv);
	if (rc == 0 && cf_git_scan_host_key(known, sizeof(known), url, 30) < 0)
		rc = cli_fail(1, "cannot scan the host key: %s", cf_err_msg());
	if (rc == 0) {
		add_string(d, "identity.pub", pub);
		add_string(d, "known_hosts", known);
		add_string(d, "password", pass);
		if (!cli_create.export)
			cli_ok("deploy key: %s", pub);
	}
	cf_free(pub);
	return rc;
}

#define INTERVAL_FLAG(v) { "interval", CF_FLAG_STRING, &(v), "source sync interval", 0 }
#define BASIC_AUTH_FLAGS(user, pass) \
	{ "username|u", CF_FLAG_STRING, &(user), "basic authentication username", 0 }, \
	{ "password|p", CF_FLAG_STRING, &(pass), "basic authentication password", 0 }

int cmd_create_secret_git(int argc, char **argv, const char *name)
{
	const char *url = NULL, *user = NULL, *pass = NULL, *ca = NULL, *key = NULL, *token = NULL, *interval = "1m";
	const char *algo = "ecdsa", *curve = "p384";
	long bits = 2048;
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "git address, e.g. ssh://git@host/org/repository", 0 },
		BASIC_AUTH_FLAGS(user, pass),
		CLI_SSH_KEY_FLAGS(algo, bits, curve),
		{ "ca-crt-file", CF_FLAG_STRING, &ca, "path to TLS CA certificate file used for validating self-signed certificates", 0 },
		{ "private-key-file", CF_FLAG_STRING, &key, "path to a passwordless private key file used for authenticating to the Git SSH server", 0 },
		{ "bearer-token", CF_FLAG_STRING, &token, "bearer authentication token", 0 },
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret git NAME --url URL ...");
	int https = url && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);

	if (rc == 0 && (url == NULL || *url == '\0'))
		rc = cli_fail(1, "url is required");
	else if (rc == 0 && strncmp(url, "ssh://", 6) == 0) {
		if ((rc = ssh_data(&d, url, key, pass, algo, curve, bits)) == 0)
			rc = secret_out(name, NULL, &d);
		secret_data_free(&d);
		return rc;
	} else if (rc == 0 && !https) {
		const char *sep = strstr(url, "://");
		rc = cli_fail(1, "git URL scheme '%.*s' not supported, can be: ssh, http and https", sep ? (int)(sep - url) : 0, url);
	} else if (rc == 0 && (!user || !*user || !pass || !*pass) && (!token || !*token))
		rc = cli_fail(1, "for Git over HTTP/S the username and password, or a bearer token is required");
	else if (rc == 0 && user && *user && pass && *pass && token && *token)
		rc = cli_fail(1, "user credentials and bearer token cannot be used together");
	if (rc == 0) {
		if (user && *user && pass && *pass) {
			add_string(&d, "username", user);
			add_string(&d, "password", pass);
		}
		add_string(&d, "bearerToken", token);
		rc = add_file(&d, "ca.crt", ca, "unable to read TLS CA file");
	}
	if (rc == 0)
		rc = secret_out(name, NULL, &d);
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

/* --tls-crt-file, --tls-key-file, --ca-crt-file as flux's TLS secret takes them: the pair
 * (both or neither) makes a kubernetes.io/tls Secret; *type gets the type. */
static int tls_files(secret_data *d, const char **type, const char *crt, const char *key, const char *ca)
{
	int has_crt = crt && *crt, has_key = key && *key;
	int rc;

	if (has_crt != has_key)
		return cli_fail(1, "%s", has_crt ? "found certificate but missing private key"
						 : "found private key but missing certificate");
	if ((rc = add_file(d, "tls.crt", crt, "failed to read cert file")) != 0 ||
	    (rc = add_file(d, "tls.key", key, "failed to read key file")) != 0 ||
	    (rc = add_file(d, "ca.crt", ca, "unable to read TLS CA file")) != 0)
		return rc;
	*type = has_crt ? "kubernetes.io/tls" : "Opaque";
	return 0;
}

#define TLS_FLAGS(crt, key, ca) \
	{ "tls-crt-file", CF_FLAG_STRING, &(crt), "TLS authentication cert file path", 0 }, \
	{ "tls-key-file", CF_FLAG_STRING, &(key), "TLS authentication key file path", 0 }, \
	{ "ca-crt-file", CF_FLAG_STRING, &(ca), "TLS authentication CA file path", 0 }

/* The Secret of a Helm repository as flux's GenerateHelm makes it: a client certificate, else
 * basic auth (with a CA), else a CA, else empty; *type gets its type. 0 or 1 after the error. */
static int helm_data(secret_data *d, const char **type, const char *user, const char *pass, const char *crt,
		     const char *key, const char *ca)
{
	int rc = 0;

	if ((crt && *crt) || (key && *key))
		return tls_files(d, type, crt, key, ca);
	if ((user && *user) || (pass && *pass)) {
		if (!user || !*user || !pass || !*pass)
			return cli_fail(1, "%s is required", !user || !*user ? "username" : "password");
		add_string(d, "username", user);
		add_string(d, "password", pass);
		*type = "kubernetes.io/basic-auth";
		return add_file(d, "ca.crt", ca, "unable to read TLS CA file");
	}
	if (ca && *ca)
		rc = tls_files(d, type, NULL, NULL, ca);
	return rc;
}

int cmd_create_secret_helm(int argc, char **argv, const char *name)
{
	const char *user = NULL, *pass = NULL, *crt = NULL, *key = NULL, *ca = NULL, *interval = "1m", *type = NULL;
	const cf_flag own[] = {
		BASIC_AUTH_FLAGS(user, pass),
		TLS_FLAGS(crt, key, ca),
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret helm NAME [--username U --password P] [--tls-crt-file F --tls-key-file F] [--ca-crt-file F]");

	if (rc == 0)
		rc = helm_data(&d, &type, user, pass, crt, key, ca);
	if (rc == 0)
		rc = secret_out(name, type, &d);
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

int cmd_create_secret_tls(int argc, char **argv, const char *name)
{
	const char *crt = NULL, *key = NULL, *ca = NULL, *interval = "1m", *type = NULL;
	const cf_flag own[] = {
		TLS_FLAGS(crt, key, ca),
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret tls NAME (--tls-crt-file F --tls-key-file F | --ca-crt-file F)");

	if (rc == 0 && !(crt && *crt) && !(key && *key) && !(ca && *ca))
		rc = cli_fail(1, "no CA certificate or client certificate pair found");
	if (rc == 0)
		rc = tls_files(&d, &type, crt, key, ca);
	tls_export = 1;
	if (rc == 0)
		rc = secret_out(name, type, &d);
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

/* .dockerconfigjson as flux writes it: Go's json.MarshalIndent of {auths: {server: {username,
 * password, auth}}}, two spaces, no newline at the end. */
static int docker_config(secret_data *d, const char *server, const char *user, const char *pass)
{
	size_t cred_len = strlen(user) + strlen(pass) + 2;
	char *cred = cf_malloc(cred_len), *auth = NULL, *text = NULL;
	json_t *cfg;
	int rc = 1;

	if (cred == NULL)
		return cli_fail(1, "out of memory");
	snprintf(cred, cred_len, "%s:%s", user, pass);
	if (cf_base64_encode(&auth, (const unsigned char *)cred, strlen(cred)) < 0)
		goto out;
	cfg = json_pack("{s:{s:{s:s,s:s,s:s}}}", "auths", server, "username", user, "password", pass, "auth", auth);
	text = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(cfg);
	if (text) {
		json_object_set_new(d->string_data, ".dockerconfigjson", json_string(text));
		memset(text, 0, strlen(text));
		rc = 0;
	}
out:
	memset(cred, 0, cred_len);
	cf_free(cred);
	if (auth)
		memset(auth, 0, strlen(auth));
	cf_free(auth);
	free(text);
	return rc ? cli_fail(1, "out of memory") : 0;
}

int cmd_create_secret_oci(int argc, char **argv, const char *name)
{
	const char *url = NULL, *user = NULL, *pass = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "oci repository address e.g ghcr.io/stefanprodan/charts", 0 },
		BASIC_AUTH_FLAGS(user, pass),
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret oci NAME --url REGISTRY --username U --password P");

	if (rc == 0 && (url == NULL || *url == '\0'))
		rc = cli_fail(1, "--url is required");
	else if (rc == 0 && (user == NULL || *user == '\0'))
		rc = cli_fail(1, "--username is required");
	else if (rc == 0 && (pass == NULL || *pass == '\0'))
		rc = cli_fail(1, "--password is required");
	else if (rc == 0 && (strstr(url, "://") || strchr(url, ' ')))
		rc = cli_fail(1, "error parsing url: 'could not parse reference: %s'", url);
	if (rc == 0)
		rc = docker_config(&d, url, user, pass);
	if (rc == 0)
		rc = secret_out(name, "kubernetes.io/dockerconfigjson", &d);
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

int cmd_create_secret_githubapp(int argc, char **argv, const char *name)
{
	const char *id = NULL, *owner = NULL, *inst = NULL, *key = NULL, *base = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "app-id", CF_FLAG_STRING, &id, "github app ID", 0 },
		{ "app-installation-owner", CF_FLAG_STRING, &owner, "github app installation owner (user or organization)", 0 },
		{ "app-installation-id", CF_FLAG_STRING, &inst, "github app installation ID", 0 },
		{ "app-private-key", CF_FLAG_STRING, &key, "github app private key file path", 0 },
		{ "app-base-url", CF_FLAG_STRING, &base, "github app base URL", 0 },
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret githubapp NAME --app-id ID --app-private-key FILE (--app-installation-owner O | --app-installation-id ID)");

	if (rc == 0)
		rc = add_file(&d, "githubAppPrivateKey", key, "unable to read private key file");
	if (rc == 0 && (id == NULL || *id == '\0'))
		rc = cli_fail(1, "githubAppID is required");
	else if (rc == 0 && (key == NULL || *key == '\0'))
		rc = cli_fail(1, "githubAppPrivateKey is required");
	else if (rc == 0 && !(owner && *owner) == !(inst && *inst))
		rc = cli_fail(1, "exactly one of githubAppInstallationOwner or githubAppInstallationID must be provided");
	if (rc == 0) {
		add_string(&d, "githubAppID", id);
		add_string(&d, "githubAppInstallationOwner", owner);
		add_string(&d, "githubAppInstallationID", inst);
		add_string(&d, "githubAppBaseURL", base);
		rc = secret_out(name, "Opaque", &d);
	}
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

/* https://<host>/hook/<hex sha256 of token, name and namespace>: the path notification-controller
 * gives the Receiver whose Secret this is (Receiver.GetWebhookPath). */
static void webhook_url(char *out, size_t size, const char *host, const char *token, const char *name)
{
	unsigned char sum[32];
	char digest[72];
	cf_sha256 h;

	cf_sha256_init(&h);
	cf_sha256_update(&h, token, strlen(token));
	cf_sha256_update(&h, name, strlen(name));
	cf_sha256_update(&h, cli.namespace, strlen(cli.namespace));
	cf_sha256_final(&h, sum);
	cf_sha256_digest_string(digest, sum);
	snprintf(out, size, "https://%s/hook/%s", host, digest + strlen("sha256:"));
}

int cmd_create_secret_receiver(int argc, char **argv, const char *name)
{
	const char *type = NULL, *token = NULL, *host = NULL, *email = NULL, *audience = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "type", CF_FLAG_STRING, &type, "the receiver type", 0 },
		{ "token", CF_FLAG_STRING, &token, "webhook token used for payload validation and URL computation, auto-generated if not specified", 0 },
		{ "hostname", CF_FLAG_STRING, &host, "hostname for the webhook URL e.g. flux.example.com", 0 },
		{ "email-claim", CF_FLAG_STRING, &email, "IAM service account email, required for gcr type", 0 },
		{ "audience-claim", CF_FLAG_STRING, &audience, "custom OIDC token audience for gcr type, defaults to the webhook URL", 0 },
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	char made[2 * CLI_TOKEN_BYTES + 1] = "", url[1024];
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret receiver NAME --type T --hostname H [--token T] [--email-claim E [--audience-claim A]]");
	int gcr = type && strcmp(type, "gcr") == 0;

	if (rc == 0 && type)
		rc = cli_receiver_type_check(type);
	if (rc == 0 && type == NULL)
		rc = cli_fail(1, "--type is required");
	else if (rc == 0 && (host == NULL || *host == '\0'))
		rc = cli_fail(1, "--hostname is required");
	else if (rc == 0 && gcr && (email == NULL || *email == '\0'))
		rc = cli_fail(1, "--email-claim is required for gcr receiver type");
	if (rc == 0 && (token == NULL || *token == '\0') && (rc = cli_random_hex(made, CLI_TOKEN_BYTES)) == 0)
		token = made;
	if (rc == 0) {
		webhook_url(url, sizeof(url), host, token, name);
		add_string(&d, "token", token);
		d.annotations = json_pack("{s:s}", "notification.toolkit.fluxcd.io/webhook", url);
		if (gcr) {
			add_string(&d, "email", email);
			add_string(&d, "audience", audience && *audience ? audience : url);
		}
		secret_what = "receiver ";
		rc = secret_out(name, NULL, &d);
	}
	cf_wipe(made, sizeof(made));
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

int cmd_create_secret_proxy(int argc, char **argv, const char *name)
{
	const char *address = NULL, *user = NULL, *pass = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "address", CF_FLAG_STRING, &address, "proxy address", 0 },
		BASIC_AUTH_FLAGS(user, pass),
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret proxy NAME --address URL [--username U --password P]");

	if (rc == 0 && (address == NULL || *address == '\0'))
		rc = cli_fail(1, "address is required");
	if (rc == 0) {
		add_string(&d, "address", address);
		add_string(&d, "username", user);
		add_string(&d, "password", pass);
		secret_what = "proxy ";
		rc = secret_out(name, "Opaque", &d);
	}
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

/* stringData[<file's base name>] = each --ca-cert-file, which must end in .crt or .pem; every
 * failure is told, one a line, as flux joins them. 0 or 1. */
static int notation_certs(secret_data *d, const cf_flag_list *files)
{
	char msg[4096] = "";
	size_t at = 0;

	for (size_t i = 0; i < files->n; i++) {
		const char *path = files->items[i], *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
		size_t n = strlen(base);
		cf_buf *b;

		if (n < 4 || (strcmp(base + n - 4, ".crt") != 0 && strcmp(base + n - 4, ".pem") != 0)) {
			at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%s%s must end with either .crt or .pem", at ? "\n" : "", base);
		} else if (d->nfiles == SECRET_FILES_MAX) {
			at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%smore than %d --ca-cert-file", at ? "\n" : "", SECRET_FILES_MAX - 1);
		} else {
			b = &d->files[d->nfiles++];
			*b = (cf_buf)CF_BUF_INIT(SECRET_FILE_MAX);
			if (read_file(b, path) < 0)
				at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%sunable to read TLS CA file: %s", at ? "\n" : "", cf_err_msg());
			else
				json_object_set_new(d->string_data, base, json_stringn(b->data ? b->data : "", b->len));
		}
		if (at >= sizeof(msg))
			at = sizeof(msg) - 1;
	}
	return at ? cli_fail(1, "%s", msg) : 0;
}

int cmd_create_secret_notation(int argc, char **argv, const char *name)
{
	const char *policy = NULL, *interval = "1m";
	cf_flag_list certs = { .n = 0 };
	const cf_flag own[] = {
		{ "trust-policy-file", CF_FLAG_STRING, &policy, "notation trust policy file path", 0 },
		{ "ca-cert-file", CF_FLAG_LIST, &certs, "root ca cert file path", 0 },
		INTERVAL_FLAG(interval),
		CLI_CREATE_FLAGS,
	};
	secret_data d = { .string_data = json_object() };
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create secret notation NAME --trust-policy-file F --ca-cert-file F ..."), decoded;

	if (rc == 0 && certs.n == 0)
		rc = cli_fail(1, "--ca-cert-file is required");
	else if (rc == 0 && (policy == NULL || *policy == '\0'))
		rc = cli_fail(1, "--trust-policy-file is required");
	if (rc == 0 && (rc = add_file(&d, "trustpolicy.json", policy, "unable to read trust policy file")) == 0 &&
	    cf_trustpolicy_check(d.files[0].data ? d.files[0].data : "", d.files[0].len, &decoded) < 0)
		rc = decoded ? cli_fail(1, "invalid trust policy: %s", cf_err_msg())
			     : cli_fail(1, "failed to unmarshal trust policy %s: %s", policy, cf_err_msg());
	if (rc == 0)
		rc = notation_certs(&d, &certs);
	if (rc == 0) {
		secret_what = "notation configuration ";
		rc = secret_out(name, NULL, &d);
	}
	cf_flag_list_free(&certs);
	secret_data_free(&d);
	return rc < 0 ? 0 : rc;
}

/* Applies d as the Secret a create source command makes (never exported; the source's labels
 * are not the Secret's, as flux has it); *made says whether there was anything to apply. */
static int apply_credentials(const char *name, const char *type, secret_data *d, int *made)
{
	int rc = 0, export = cli_create.export;
	size_t nlabels = cli_create.labels.n;

	*made = json_object_size(d->string_data) > 0;
	if (!*made)
		return 0;
	cli_create.export = 0;
	cli_create.labels.n = 0;
	cli_say("applying secret with repository credentials");
	rc = secret_out(name, type, d);
	cli_create.export = export;
	cli_create.labels.n = nlabels;
	return rc;
}

int cli_git_credentials_secret(const char *name, const char *user, const char *pass, const char *ca_file, int *made)
{
	secret_data d = { .string_data = json_object() };
	int rc;

	*made = 0;
	if (user && *user && pass && *pass) {
		add_string(&d, "username", user);
		add_string(&d, "password", pass);
	}
	if ((rc = add_file(&d, "ca.crt", ca_file, "unable to read TLS CA file")) == 0)
		rc = apply_credentials(name, NULL, &d, made);
	secret_data_free(&d);
	return rc;
}

int cli_helm_credentials_secret(const char *name, const char *user, const char *pass, const char *crt,
				const char *key, const char *ca, int *made)
{
	secret_data d = { .string_data = json_object() };
	const char *type = NULL;
	int rc;

	*made = 0;
	if (!(crt && *crt && key && *key))
		crt = key = NULL;   /* flux reads the pair only when both are given */
	if ((rc = helm_data(&d, &type, user, pass, crt, key, ca)) == 0)
		rc = apply_credentials(name, type, &d, made);
	secret_data_free(&d);
	return rc;
}

int cli_git_ssh_secret(const char *name, const char *url, const char *key_file, const char *pass, const char *algo,
		       const char *curve, long bits, int silent, int *made)
{
	secret_data d = { .string_data = json_object() };
	int rc, export = cli_create.export;
	char answer[16] = "";

	cli_create.export = 1;   /* ssh_data prints the deploy key itself only when asked to here */
	rc = ssh_data(&d, url, key_file, pass, algo, curve, bits);
	cli_create.export = export;
	if (rc == 0) {
		cli_ok("deploy key: %s", json_string_value(json_object_get(d.string_data, "identity.pub")));
		if (!silent) {
			/* flux asks and aborts on anything but yes; the answer may come from a pipe
			 * (`echo y | cflux create source git ...`), as flux's prompt reads it */
			fprintf(stderr, "? Have you added the deploy key to your repository [y/N] ");
			fflush(stderr);
			if (fgets(answer, sizeof(answer), stdin) == NULL)
				answer[0] = '\0';
			answer[strcspn(answer, "\r\n")] = '\0';
			if (!isatty(STDIN_FILENO))
				fputc('\n', stderr);
			if (strcmp(answer, "y") != 0 && strcmp(answer, "Y") != 0)
				rc = cli_fail(1, "aborting");
		}
	}
	if (rc == 0)
		rc = apply_credentials(name, NULL, &d, made);
	secret_data_free(&d);
	return rc;
}
