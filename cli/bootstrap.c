/* cli/bootstrap.c - `cflux bootstrap git`, the way `flux bootstrap git` works: the components
 * and the sync objects are committed to <path>/flux-system in the repository (only if they
 * changed), pushed, applied to the cluster with the credentials as the flux-system Secret, and
 * the command waits until the cluster has reconciled itself from Git. */
#include "cli.h"
#include "sshkey.h"

#include "kustomize/fluxbuild.h"
#include "runtime/kinds.h"
#include "source/git.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define GIT_TIMEOUT_S 60
#define PASSWORD_MAX 4096
/* As flux bootstrap git: the password when --password is not given. */
#define PASSWORD_ENV "GIT_PASSWORD"

typedef struct boot {
	const char *url, *branch, *path, *key_file, *known_hosts_file, *username, *password, *ca_file;
	const char *components, *interval, *author_name, *author_email, *secret_name;
	const char *algo, *curve;   /* --ssh-key-algorithm, --ssh-ecdsa-curve: the key made without --private-key-file */
	long bits;
	int token_auth, password_stdin, bearer, silent;
	char *new_key, *new_pub;    /* the pair made for the Secret (the private half wiped at the end) */
	char *password_read;   /* from stdin: wiped and freed at the end */
	char *url_user, *url_password;   /* taken out of --url (freed, the password wiped, at the end) */
	cf_git_auth auth;
	cf_buf key, known_hosts, ca;
	char *scanned;
} boot;

static int read_file(cf_buf *b, const char *path, const char *flag)
{
	if (cf_buf_read_file(b, path) < 0)
		return cli_fail(1, "%s %s: %s", flag, path, cf_err_msg());
	if (cf_buf_putc(b, '\0') < 0)
		return cli_fail(1, "%s %s: too large", flag, path);
	b->len--;
	return 0;
}

/* The host key of an ssh:// URL, as `ssh-keyscan` prints it, when no known_hosts file is given. */
static int scan_host_key(boot *b)
{
	char host[256] = "", cmd[600], line[4096];
	int port = 22;
	const char *h = strstr(b->url, "://"), *at, *end;
	cf_buf out = CF_BUF_INIT(1u << 16);
	FILE *p;

	h = h ? h + 3 : b->url;
	at = strchr(h, '@');
	if (at && (strchr(h, '/') == NULL || at < strchr(h, '/')))
		h = at + 1;
	end = h + strcspn(h, ":/");
	snprintf(host, sizeof(host), "%.*s", (int)(end - h), h);
	if (*end == ':')
		port = atoi(end + 1);
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != strlen(host) || !host[0])
		return cli_fail(CLI_EXIT_USAGE, "cannot tell the host of %s", b->url);
	snprintf(cmd, sizeof(cmd), "ssh-keyscan -p %d -t ed25519,ecdsa,rsa %s 2>/dev/null", port, host);
	if ((p = popen(cmd, "r")) == NULL)
		return cli_fail(1, "cannot run ssh-keyscan: give --known-hosts-file");
	while (fgets(line, sizeof(line), p))
		if (line[0] != '#')
			cf_buf_puts(&out, line);
	pclose(p);
	if (out.len == 0) {
		cf_buf_free(&out);
		return cli_fail(1, "could not scan the host key of %s:%d: give --known-hosts-file", host, port);
	}
	cli_ok("scanned the host key of %s:%d (ssh-keyscan)", host, port);
	b->scanned = cf_buf_detach(&out, NULL);
	return 0;
}

/* Percent-decodes n bytes of URL user info into a new string (NULL when out of memory). */
static char *url_decode(const char *s, size_t n)
{
	char *out = cf_calloc(1, n + 1), *o = out;

	for (size_t i = 0; out && i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	return out;
}

/* A password in --url (https://user:token@host/repo) would be committed to the repository in
 * gotk-sync.yaml and shown in every message and status: it moves to the credentials (the
 * Secret), and the URL keeps the host and path (and, for ssh, the user name). The result is
 * written to clean. */
static int split_url_credentials(boot *b, char *clean, size_t size)
{
	const char *p = strstr(b->url, "://"), *host, *at = NULL, *colon;
	int ssh = strncmp(b->url, "ssh://", 6) == 0;

	snprintf(clean, size, "%s", b->url);
	if (p == NULL)
		return 0;
	host = p + 3;
	for (const char *q = host; *q && *q != '/'; q++)
		if (*q == '@')
			at = q;
	if (at == NULL || (ssh && memchr(host, ':', (size_t)(at - host)) == NULL))
		return 0;
	if (ssh)
		return cli_fail(CLI_EXIT_USAGE, "an ssh --url takes no password: give --private-key-file (and the key's passphrase as a password)");
	colon = memchr(host, ':', (size_t)(at - host));
	b->url_user = url_decode(host, (size_t)((colon ? colon : at) - host));
	b->url_password = colon ? url_decode(colon + 1, (size_t)(at - colon - 1)) : NULL;
	if (b->url_user == NULL || (colon && b->url_password == NULL))
		return cli_fail(1, "out of memory");
	if (b->username && strcmp(b->username, b->url_user) != 0)
		return cli_fail(CLI_EXIT_USAGE, "--username \"%s\" and the user name in --url differ", b->username);
	if (b->url_password && (b->password || b->password_stdin))
		return cli_fail(CLI_EXIT_USAGE, "a password is in --url and given again (--password or --password-stdin)");
	b->username = b->url_user;
	if (b->url_password)
		b->password = b->url_password;
	snprintf(clean, size, "%.*s%s", (int)(host - b->url), b->url, at + 1);
	return 0;
}

/* The first line of stdin as the password; on a terminal after a prompt, without echo. */
static int read_password(boot *b)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len;

	if ((b->password_read = cf_calloc(1, PASSWORD_MAX + 1)) == NULL)
		return cli_fail(1, "out of memory");
	if (tty) {
		fputs("Please enter your Git repository password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(b->password_read, PASSWORD_MAX + 1, stdin) == NULL)
		b->password_read[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strcspn(b->password_read, "\r\n");
	if (b->password_read[len] == '\0' && len == PASSWORD_MAX)
		return cli_fail(CLI_EXIT_USAGE, "the password on stdin is longer than %d bytes", PASSWORD_MAX);
	b->password_read[len] = '\0';
	if (len == 0)
		return cli_fail(CLI_EXIT_USAGE, "no password on stdin");
	b->password = b->password_read;
	return 0;
}

/* --password, else $GIT_PASSWORD (the key's passphrase for ssh; for http(s) when a user name
 * or --token-auth says a password is wanted), else stdin with --password-stdin (or, as Flux
 * does, with --token-auth and no password yet): the secret need not be on the command line. */
static int password_source(boot *b, int ssh)
{
	const char *env = getenv(PASSWORD_ENV);

	if (b->password && b->password_stdin)
		return cli_fail(CLI_EXIT_USAGE, "--password and --password-stdin exclude each other");
	if (b->password == NULL && !b->password_stdin && env && env[0] && (ssh || b->username || b->token_auth))
		b->password = env;
	if (b->password == NULL && (b->password_stdin || b->token_auth))
		return read_password(b);
	return 0;
}

static int credentials(boot *b)
{
	int ssh = strncmp(b->url, "ssh://", 6) == 0, rc;

	b->auth = (cf_git_auth)CF_GIT_AUTH_INIT;
	if ((rc = password_source(b, ssh)) != 0)
		return rc;
	if (ssh) {
		/* as flux: without a key file the CLI pushes with the ssh-agent's keys, and the
		 * cluster gets a new key pair of its own (confirm_public_key) */
		if (b->key_file == NULL && (getenv("SSH_AUTH_SOCK") == NULL || getenv("SSH_AUTH_SOCK")[0] == '\0'))
			return cli_fail(CLI_EXIT_USAGE, "an ssh URL without --private-key-file is pushed to with the keys of your "
					"ssh-agent, and none is running (SSH_AUTH_SOCK is not set): start one, or give --private-key-file");
		if (b->key_file && read_file(&b->key, b->key_file, "--private-key-file") != 0)
			return 1;
		b->auth.identity = b->key.data;
		b->auth.ssh_agent = b->key_file == NULL;
		/* made now, so that a bad --ssh-key-algorithm fails before anything is pushed */
		if (b->auth.ssh_agent && (rc = cli_ssh_keygen(&b->new_key, &b->new_pub, b->algo, b->curve, b->bits)) != 0)
			return rc;
		b->auth.identity_password = b->password;
		if (b->known_hosts_file) {
			if (read_file(&b->known_hosts, b->known_hosts_file, "--known-hosts-file") != 0)
				return 1;
			b->auth.known_hosts = b->known_hosts.data;
		} else {
			if (scan_host_key(b) != 0)
				return 1;
			b->auth.known_hosts = b->scanned;
		}
		return 0;
	}
	if (b->bearer) {
		if (b->password == NULL || b->username)
			return cli_fail(CLI_EXIT_USAGE, "--with-bearer-token takes the token as the password (--password, $%s or --password-stdin) and no --username", PASSWORD_ENV);
		b->auth.bearer_token = b->password;
	} else {
		/* a password alone goes with the user "git", as flux bootstrap git does */
		if ((b->token_auth || b->password) && b->username == NULL)
			b->username = "git";
		if (b->username && b->password == NULL)
			return cli_fail(CLI_EXIT_USAGE, "--username needs a password (--password, $%s or --password-stdin)", PASSWORD_ENV);
		b->auth.username = b->username;
		b->auth.password = b->password;
	}
	if (b->ca_file) {
		if (read_file(&b->ca, b->ca_file, "--ca-file") != 0)
			return 1;
		b->auth.ca_pem = b->ca.data;
		b->auth.ca_len = b->ca.len;
	}
	return 0;
}

static char *dump(const json_t *objs, const char *header)
{
	cf_buf out = CF_BUF_INIT(64u << 20);

	cf_buf_puts(&out, header);
	for (size_t i = 0; i < json_array_size(objs); i++) {
		cf_buf_puts(&out, "---\n");
		if (cf_yaml_dump(&out, json_array_get(objs, i)) < 0) {
			cf_buf_free(&out);
			return NULL;
		}
	}
	return cf_buf_detach(&out, NULL);
}

static json_t *sync_objects(const boot *b, const char *path)
{
	char kpath[4200];

	snprintf(kpath, sizeof(kpath), "./%s", path);
	return json_pack("[{s:s,s:s,s:{s:s,s:s},s:{s:s,s:{s:s},s:{s:s},s:s}},"
			 "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:b,s:{s:s,s:s}}}]",
			 "apiVersion", CF_AV_GITREPOSITORY, "kind", "GitRepository",
			 "metadata", "name", "flux-system", "namespace", cli.namespace,
			 "spec", "interval", b->interval, "ref", "branch", b->branch, "secretRef", "name", b->secret_name, "url", b->url,
			 "apiVersion", CF_AV_KUSTOMIZATION, "kind", "Kustomization",
			 "metadata", "name", "flux-system", "namespace", cli.namespace,
			 "spec", "interval", "10m0s", "path", kpath, "prune", 1, "sourceRef", "kind", "GitRepository", "name", "flux-system");
}

static json_t *secret_object(const boot *b)
{
	json_t *data = json_object();

	if (b->new_key || b->auth.identity) {
		json_object_set_new(data, "identity", json_string(b->new_key ? b->new_key : b->auth.identity));
		if (b->new_pub)
			json_object_set_new(data, "identity.pub", json_string(b->new_pub));
		json_object_set_new(data, "known_hosts", json_string(b->auth.known_hosts));
		if (b->password)
			json_object_set_new(data, "password", json_string(b->password));
	} else if (b->bearer) {
		json_object_set_new(data, "bearerToken", json_string(b->password));
	} else if (b->username) {
		json_object_set_new(data, "username", json_string(b->username));
		json_object_set_new(data, "password", json_string(b->password));
	}
	if (b->auth.ca_pem)
		json_object_set_new(data, "ca.crt", json_string(b->auth.ca_pem));
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:o}", "apiVersion", "v1", "kind", "Secret", "metadata",
			 "name", b->secret_name, "namespace", cli.namespace, "type", "Opaque", "stringData", data);
}

/* Clone (fetch the branch), write the three files, commit if they changed, push. */
static int update_repository(boot *b, const char *dir, const json_t *components, const json_t *sync)
{
	cf_git_repo *r = NULL;
	json_t *refs = NULL, *files = NULL;
	char parent[41] = "", commit[41], ref[300], base[4200];
	char *comp = NULL, *syn = NULL;
	const char *head;
	int rc = 1;

	cli_say("connecting to %s", b->url);
	if ((rc = cf_git_open(&r, dir, b->url)) < 0 || (rc = cf_git_ls_remote(r, &refs, &b->auth, GIT_TIMEOUT_S)) < 0) {
		cli_fail(1, "%s%s", cf_err_msg(), rc == CF_EAUTH ?
			 " (check --private-key-file, --username/--password or --token-auth)" : "");
		rc = 1;
		goto out;
	}
	snprintf(ref, sizeof(ref), "refs/heads/%s", b->branch);
	head = json_string_value(json_object_get(refs, ref));
	if (head) {
		char spec[700];
		snprintf(spec, sizeof(spec), "+%s:refs/remotes/origin/%s", ref, b->branch);
		if (cf_git_fetch(r, spec, &b->auth, GIT_TIMEOUT_S) < 0) {
			cli_fail(1, "cloning branch \"%s\": %s", b->branch, cf_err_msg());
			goto out;
		}
		snprintf(parent, sizeof(parent), "%s", head);
		cli_ok("cloned branch \"%s\" at %.12s", b->branch, head);
	} else {
		cli_say("branch \"%s\" does not exist yet: it will be created", b->branch);
	}
	comp = dump(components, "# This manifest was generated by cflux. DO NOT EDIT.\n");
	syn = dump(sync, "# This manifest was generated by cflux. DO NOT EDIT.\n");
	snprintf(base, sizeof(base), "%s/%s", b->path, cli.namespace);
	files = json_object();
	{
		char p1[4300], p2[4300], p3[4300];
		snprintf(p1, sizeof(p1), "%s/gotk-components.yaml", base);
		snprintf(p2, sizeof(p2), "%s/gotk-sync.yaml", base);
		snprintf(p3, sizeof(p3), "%s/kustomization.yaml", base);
		json_object_set_new(files, p1, json_string(comp ? comp : ""));
		json_object_set_new(files, p2, json_string(syn ? syn : ""));
		json_object_set_new(files, p3, json_string("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
							    "resources:\n- gotk-components.yaml\n- gotk-sync.yaml\n"));
	}
	if (cf_git_commit_files(r, commit, parent, files, "Add cflux sync manifests", b->author_name, b->author_email) < 0) {
		cli_fail(1, "committing to %s: %s", base, cf_err_msg());
		goto out;
	}
	if (commit[0] == '\0') {
		cli_ok("component manifests are up to date (no commit)");
		rc = 0;
		goto out;
	}
	cli_ok("committed sync manifests to \"%s\" (\"%.12s\")", b->branch, commit);
	cli_say("pushing to %s", b->url);
	if (cf_git_push(r, commit, b->branch, &b->auth, GIT_TIMEOUT_S) < 0) {
		cli_fail(1, "push to %s refused: %s", b->url, cf_err_msg());
		goto out;
	}
	cli_ok("pushed");
	rc = 0;
out:
	cf_free(comp);
	cf_free(syn);
	json_decref(files);
	json_decref(refs);
	cf_git_close(r);
	return rc;
}

/* An ssh URL without --private-key-file: the new key pair's public half printed, and unless
 * --silent the question flux asks before the cluster uses it (anything but "y", or no answer
 * on stdin, aborts, as flux's prompt does off a terminal too). */
static int confirm_public_key(const boot *b)
{
	char answer[16] = "";

	cli_ok("public key: %.*s", (int)strcspn(b->new_pub, "\r\n"), b->new_pub);
	if (b->silent)
		return 0;
	fputs("? Please give the key access to your repository? [y/N] ", stderr);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (isatty(STDIN_FILENO) == 0)
		fputc('\n', stderr);
	if (strcmp(answer, "y") != 0 && strcmp(answer, "Y") != 0)
		return cli_fail(1, "aborting");
	return 0;
}

/* The flux-system Secret (*out NULL: kept as it is). As flux: one that exists is left alone
 * when no credentials were given ("source secret up to date"), so a second bootstrap makes
 * no new key; else the credentials, or a new ssh key pair. 0, or the exit code. */
static int source_secret(boot *b, cf_kube *k, json_t **out)
{
	int rc, given = b->key_file || b->username || b->password || b->ca_file;

	*out = NULL;
	cli_say("determining if source secret \"%s/%s\" exists", cli.namespace, b->secret_name);
	rc = cf_kube_get(k, NULL, &(cf_kube_ref){ "v1", "Secret", cli.namespace, b->secret_name });
	if (rc < 0 && rc != CF_ENOTFOUND)
		return cli_fail(1, "failed to determine if deploy key secret exists: %s", cf_err_msg());
	if (rc == 0 && !given) {
		cli_ok("source secret up to date");
		return 0;
	}
	if (b->new_key && (rc = confirm_public_key(b)) != 0)
		return rc;
	*out = json_pack("[o]", secret_object(b));
	return 0;
}

/* The forges flux bootstraps through their APIs; cflux points at bootstrap git instead. */
static const char *const FORGES[] = { "github", "gitlab", "gitea", "bitbucket-server", NULL };

int cmd_bootstrap(int argc, char **argv)
{
	boot b = { .branch = "main", .components = "source-controller,kustomize-controller,helm-controller,notification-controller",
		   .interval = "1m0s", .author_name = "cflux", .author_email = "cflux@users.noreply.localhost",
		   .secret_name = "flux-system", .algo = "ecdsa", .curve = "p384", .bits = 2048 };
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &b.url, "Git repository URL (ssh://, https://, http://)", 0 },
		{ "branch", CF_FLAG_STRING, &b.branch, "branch to commit to and sync from", 0 },
		{ "path", CF_FLAG_STRING, &b.path, "path in the repository for this cluster (e.g. clusters/prod)", 0 },
		{ "private-key-file", CF_FLAG_STRING, &b.key_file, "ssh private key (ssh URLs)", 0 },
		{ "known-hosts-file", CF_FLAG_STRING, &b.known_hosts_file, "known_hosts for the ssh host (default: scanned)", 0 },
		{ "username|u", CF_FLAG_STRING, &b.username, "basic auth user name (https)", 0 },
		{ "password|p", CF_FLAG_STRING, &b.password, "basic auth password or token (or the ssh key's passphrase); "
		  "other users can read a command line: prefer $" PASSWORD_ENV " or --password-stdin", 0 },
		{ "password-stdin", CF_FLAG_BOOL, &b.password_stdin, "read the password from the first line of stdin", 0 },
		{ "token-auth", CF_FLAG_BOOL, &b.token_auth, "the password is a token (user name \"git\" unless given; "
		  "asked for on stdin when not given)", 0 },
		{ "ca-file", CF_FLAG_STRING, &b.ca_file, "CA to trust for the https server", 0 },
		{ "components", CF_FLAG_STRING, &b.components, "controllers to install", 0 },
		{ "interval", CF_FLAG_STRING, &b.interval, "how often the GitRepository is fetched", 0 },
		{ "author-name", CF_FLAG_STRING, &b.author_name, "commit author name", 0 },
		{ "author-email", CF_FLAG_STRING, &b.author_email, "commit author email", 0 },
		{ "secret-name", CF_FLAG_STRING, &b.secret_name, "name of the secret the sync credentials can be found in or stored to", 0 },
		{ "with-bearer-token", CF_FLAG_BOOL, &b.bearer, "use the password as a bearer token (the Secret gets bearerToken)", 0 },
		{ "silent|s", CF_FLAG_BOOL, &b.silent, "assumes the deploy key is already setup, skips confirmation", 0 },
		CLI_SSH_KEY_FLAGS(b.algo, b.bits, b.curve),
		CLI_INSTALL_FLAGS,
	};
	char *pos[8], dir[] = "/tmp/cflux-bootstrap-XXXXXX", clean[4096], url[4096], every[CF_DURATION_MAX];
	size_t npos;
	json_t *components = NULL, *sync = NULL, *secret = NULL, *rest = NULL;
	cf_kube *k = NULL;
	int rc;

	/* before the flags: a forge's own flags (--owner, --repository, ...) are not ours */
	if (argc >= 2 && cli_one_of(argv[1], FORGES))
		return cli_fail(1, "bootstrap %s talks to the %s API, which cflux does not: create the repository and a deploy key "
			       "there, then run: cflux bootstrap git --url ssh://git@HOST/OWNER/REPO.git --private-key-file KEY --path clusters/NAME",
			       argv[1], argv[1]);
	b.key = (cf_buf)CF_BUF_INIT(1u << 20);
	b.known_hosts = (cf_buf)CF_BUF_INIT(1u << 20);
	b.ca = (cf_buf)CF_BUF_INIT(1u << 20);
	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux bootstrap git --url URL --branch main --path clusters/NAME "
			    "[--private-key-file F | --username U [--password-stdin] | --token-auth] [--ca-file F]\n"
			    "The password (or token, or the key's passphrase) is --password, else $" PASSWORD_ENV
			    ", or with --password-stdin the first line of stdin.", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos != 1 || strcmp(pos[0], "git") != 0)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux bootstrap git --url URL --path clusters/NAME ...");
	if (b.url == NULL || b.path == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--url and --path are required");
	if ((rc = cli_go_duration(every, "interval", b.interval)) != 0)
		return rc;
	b.interval = every;
	if (cf_git_check_url(b.url) < 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --url: %s", cf_err_msg());
	if ((rc = split_url_credentials(&b, url, sizeof(url))) != 0)
		goto out;
	b.url = url;
	if (cf_flux_clean_path(clean, sizeof(clean), b.path) < 0 || strcmp(clean, ".") == 0) {
		rc = cli_fail(CLI_EXIT_USAGE, "invalid --path \"%s\": give a folder inside the repository, like clusters/my-cluster", b.path);
		goto out;
	}
	b.path = clean;
	if ((rc = credentials(&b)) != 0)
		goto out;
	if (cli_install_manifests(&components, b.components, cli.namespace) < 0) {
		rc = cli_fail(CLI_EXIT_USAGE, "%s", cf_err_msg());
		goto out;
	}
	sync = sync_objects(&b, clean);
	/* the cluster answers before anything is pushed to Git */
	if ((k = cli_client()) == NULL || cf_kube_request(k, NULL, "GET", "/version", NULL, NULL, 0) < 0) {
		rc = k ? cli_fail(1, "the API server does not answer (%s): nothing was pushed to Git", cf_err_msg()) : 1;
		goto out;
	}
	cf_kube_free(k);
	k = NULL;
	if (mkdtemp(dir) == NULL) {
		rc = cli_fail(1, "cannot create a temporary directory");
		goto out;
	}
	rc = update_repository(&b, dir, components, sync);
	{
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			cli_say("could not remove %s", dir);
	}
	if (rc != 0)
		goto out;
	/* the cluster: components, the credentials, then the sync objects */
	if ((rc = cli_apply_all(components, "installing components:")) != 0)
		goto out;
	if ((k = cli_client()) == NULL) {
		rc = 1;
		goto out;
	}
	if ((rc = source_secret(&b, k, &secret)) != 0)
		goto out;
	if (secret && (rc = cli_apply_all(secret, "applying the source secret:")) != 0)
		goto out;
	rest = json_incref(sync);
	if ((rc = cli_apply_all(rest, "applying the sync manifests:")) != 0)
		goto out;
	/* the controllers' internal token: made in the cluster, never committed */
	if ((rc = cli_install_token(k, cli.namespace)) != 0)
		goto out;
	rc = cli_wait_reconciled(k, CF_AV_GITREPOSITORY, "GitRepository", "flux-system");
	if (rc == 0)
		rc = cli_wait_reconciled(k, CF_AV_KUSTOMIZATION, "Kustomization", "flux-system");
	if (rc == 0)
		cli_ok("bootstrap finished");
out:
	cf_kube_free(k);
	json_decref(components);
	json_decref(sync);
	json_decref(secret);
	json_decref(rest);
	cf_free_secret(b.key.data, b.key.len);
	b.key.data = NULL;
	cf_buf_free(&b.key);
	cf_buf_free(&b.known_hosts);
	cf_buf_free(&b.ca);
	cf_free(b.scanned);
	cli_ssh_key_free(b.new_key);
	cf_free(b.new_pub);
	if (b.password_read)
		cf_free_secret(b.password_read, PASSWORD_MAX + 1);
	cf_free(b.url_user);
	if (b.url_password)
		cf_free_secret(b.url_password, strlen(b.url_password));
	return rc;
}
