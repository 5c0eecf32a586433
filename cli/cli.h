/* cli/cli.h - what the cflux subcommands share: global flags, the API client, output. */
#ifndef CFLUX_CLI_H
#define CFLUX_CLI_H

#include "kube/kube.h"
#include "util/flags.h"

#include <stdio.h>

#define CLI_EXIT_USAGE 2

#ifndef CFLUX_VERSION
#define CFLUX_VERSION "0.1.0-dev"
#endif

/* The global flags every cluster command takes: flux's, which are kubectl's (the kubeconfig
 * overrides, impersonation) and its own. */
typedef struct cli_globals {
	const char *kubeconfig, *context, *namespace;
	long timeout_ms;
	int all_namespaces, verbose;
	const char *cluster, *user, *server, *tls_server_name, *ca_file, *cert_file, *key_file, *token;
	int insecure, disable_compression, ns_follows;
	const char *as, *as_uid, *cache_dir, *qps;
	cf_flag_list as_groups, as_extra;
	long burst;
} cli_globals;

extern cli_globals cli;
/* The global flags, to append to a command's own table (flux's order: by name). */
#define CLI_GLOBAL_FLAGS \
	{ "as", CF_FLAG_STRING, &cli.as, "Username to impersonate for the operation. User could be a regular user or a service account in a namespace.", 0 }, \
	{ "as-group", CF_FLAG_ARRAY, &cli.as_groups, "Group to impersonate for the operation, this flag can be repeated to specify multiple groups.", 0 }, \
	{ "as-uid", CF_FLAG_STRING, &cli.as_uid, "UID to impersonate for the operation.", 0 }, \
	{ "as-user-extra", CF_FLAG_ARRAY, &cli.as_extra, "User extras to impersonate for the operation, this flag can be repeated to specify multiple values for the same key.", 0 }, \
	{ "cache-dir", CF_FLAG_STRING, &cli.cache_dir, "Default cache directory", 0 }, \
	{ "certificate-authority", CF_FLAG_STRING, &cli.ca_file, "Path to a cert file for the certificate authority to authenticate the Kubernetes API server", 0 }, \
	{ "client-certificate", CF_FLAG_STRING, &cli.cert_file, "Path to a client certificate file for TLS authentication to the Kubernetes API server", 0 }, \
	{ "client-key", CF_FLAG_STRING, &cli.key_file, "Path to a client key file for TLS authentication to the Kubernetes API server", 0 }, \
	{ "cluster", CF_FLAG_STRING, &cli.cluster, "The name of the kubeconfig cluster to use", 0 }, \
	{ "context", CF_FLAG_STRING, &cli.context, "The name of the kubeconfig context to use", 0 }, \
	{ "disable-compression", CF_FLAG_BOOL, &cli.disable_compression, "If true, opt-out of response compression for all requests to the server", 0 }, \
	{ "insecure-skip-tls-verify", CF_FLAG_BOOL, &cli.insecure, "If true, the Kubernetes API server's certificate will not be checked for validity. This will make your HTTPS connections insecure", 0 }, \
	{ "kube-api-burst", CF_FLAG_INT, &cli.burst, "The maximum burst queries-per-second of requests sent to the Kubernetes API.", 0 }, \
	{ "kube-api-qps", CF_FLAG_STRING, &cli.qps, "The maximum queries-per-second of requests sent to the Kubernetes API.", 0 }, \
	{ "kubeconfig", CF_FLAG_STRING, &cli.kubeconfig, "Path to the kubeconfig file to use for CLI requests.", 0 }, \
	{ "namespace|n", CF_FLAG_STRING, &cli.namespace, "If present, the namespace scope for this CLI request", 0 }, \
	{ "ns-follows-kube-context", CF_FLAG_BOOL, &cli.ns_follows, "use the namespace from the kubeconfig context instead of the default flux-system namespace, can also be set via FLUX_NS_FOLLOWS_KUBE_CONTEXT env var", 0 }, \
	{ "server", CF_FLAG_STRING, &cli.server, "The address and port of the Kubernetes API server", 0 }, \
	{ "timeout", CF_FLAG_DURATION, &cli.timeout_ms, "timeout for this operation", 1000 }, \
	{ "tls-server-name", CF_FLAG_STRING, &cli.tls_server_name, "Server name to use for server certificate validation. If it is not provided, the hostname used to contact the server is used", 0 }, \
	{ "token", CF_FLAG_STRING, &cli.token, "Bearer token for authentication to the API server", 0 }, \
	{ "user", CF_FLAG_STRING, &cli.user, "The name of the kubeconfig user to use", 0 }, \
	{ "verbose|v", CF_FLAG_BOOL, &cli.verbose, "print generated objects", 0 }
#define CLI_GLOBAL_N 23
/* Whether a global flag takes a value (for flags before the command: "cflux -n apps get ks"). */
int cli_global_takes_value(const char *arg);
/* After the flags are parsed: the namespace as flux settles it (-n, else FLUX_SYSTEM_NAMESPACE,
 * else the kubeconfig context's with --ns-follows-kube-context or FLUX_NS_FOLLOWS_KUBE_CONTEXT,
 * else flux-system); 0, or an exit code after the error. */
int cli_settle_namespace(void);

/* flux's flags for a new ssh key pair (create secret git, create source git, bootstrap git). */
#define CLI_SSH_KEY_FLAGS(algo, bits, curve) \
	{ "ssh-key-algorithm", CF_FLAG_STRING, &(algo), "SSH public key algorithm (rsa, ecdsa, ed25519)", 0 }, \
	{ "ssh-rsa-bits", CF_FLAG_INT, &(bits), "SSH RSA public key bit size (multiplies of 8, min 1024, max 8192)", 1024 }, \
	{ "ssh-ecdsa-curve", CF_FLAG_STRING, &(curve), "SSH ECDSA public key curve (p256, p384, p521)", 0 }

/* What every `create` command takes besides its own flags (flux's create flags). */
typedef struct cli_create_args {
	int export;
	cf_flag_list labels;     /* key=value */
} cli_create_args;
extern cli_create_args cli_create;
#define CLI_CREATE_FLAGS \
	{ "export", CF_FLAG_BOOL, &cli_create.export, "export in YAML format to stdout", 0 }, \
	{ "label", CF_FLAG_LIST, &cli_create.labels, "set labels on the resource (can specify multiple labels with commas: label1=value1,label2=value2)", 0 }

/* Applies obj (or prints it with --export, keys sorted as flux prints them), with the --label
 * labels, then waits for it to be Ready. Returns the exit code. */
int cli_create_apply(json_t *obj, const char *av, const char *kind, const char *name);
#define CLI_NAME_MAX 320
/* A create command's name given after its flags: cmd_create sets pending and passes
 * cli_create_name as the name; cli_parse fills it from the first positional argument. */
extern char cli_create_name[CLI_NAME_MAX];
extern int cli_create_name_pending;
/* The new object of kind named name in cli.namespace around spec (taken), applied and waited
 * for, or exported: cli_create_apply's exit code. */
int cli_create_spec(const char *av, const char *kind, const char *name, json_t *spec);
/* spec[key] = {name: name} unless name is NULL or empty. */
void cli_spec_ref(json_t *spec, const char *key, const char *name);
/* spec.ignore from --ignore-paths, one path a line, as flux writes it; 0 or 1 after the error. */
int cli_ignore_paths(json_t *spec, const cf_flag_list *paths);
/* Applies the Secret name with a Git source's https credentials (username and password when
 * both are given, ca.crt from ca_file), as flux's create source git makes it; *made says
 * whether there was one to make. 0 or 1 after the error. */
int cli_git_credentials_secret(const char *name, const char *user, const char *pass, const char *ca_file, int *made);
/* The same for an ssh:// Git source: identity (key_file's, or a new algo/curve/bits pair),
 * identity.pub, known_hosts (scanned), password; prints the deploy key and, unless silent, asks
 * whether it was added (no answer, or not yes: 1, "aborting", as flux). */
int cli_git_ssh_secret(const char *name, const char *url, const char *key_file, const char *pass, const char *algo,
		       const char *curve, long bits, int silent, int *made);
/* The same for a HelmRepository's credentials (flux's GenerateHelm: a client certificate pair,
 * else basic auth with an optional CA, else a CA). */
int cli_helm_credentials_secret(const char *name, const char *user, const char *pass, const char *crt,
				const char *key, const char *ca, int *made);
/* metadata.labels of obj from --label key=value; 0, or 1 after flux's words on a malformed one. */
int cli_create_labels(json_t *obj);
/* A deep copy of v with every object's keys in byte order (NULL: out of memory): flux marshals
 * through JSON maps (sigs.k8s.io/yaml), so what it prints is sorted that way. */
json_t *cli_sorted_copy(const json_t *v);
/* qsort's comparison of two const char * in byte order (Go's sort.Strings). */
int cli_cmp_strings(const void *a, const void *b);
/* Prints obj as flux's --export does ("---" then YAML, keys sorted); 0 or 1 after the error. */
int cli_export(const json_t *obj);
/* "Kind/name.namespace", "Kind/name" or "name" (Kind dflt_kind) as {kind, name[, namespace]};
 * NULL when malformed. */
json_t *cli_object_ref(const char *text, const char *dflt_kind, int with_ns);
/* A --interval-like flag's value as flux writes it ("1m" -> "1m0s"); 0, or the exit code
 * after printing the error. out holds CF_DURATION_MAX bytes. */
int cli_go_duration(char *out, const char *flag, const char *text);
/* Whether v is one of the NULL-ended allowed values (a flag's choices). */
int cli_one_of(const char *v, const char *const *allowed);
/* spec.dependsOn from --depends-on values "name" or "namespace/name" (none: left out). */
void cli_depends_on(json_t *spec, const cf_flag_list *l);
int cmd_create_helmrelease(int argc, char **argv, const char *name);
int cmd_create_source_helm(int argc, char **argv, const char *name);
int cmd_create_source_oci(int argc, char **argv, const char *name);
int cmd_create_alert(int argc, char **argv, const char *name);
int cmd_create_alert_provider(int argc, char **argv, const char *name);
int cmd_create_receiver(int argc, char **argv, const char *name);
int cmd_create_tenant(int argc, char **argv, const char *name);
int cmd_create_source_bucket(int argc, char **argv, const char *name);
int cmd_create_secret_git(int argc, char **argv, const char *name);
int cmd_create_secret_helm(int argc, char **argv, const char *name);
int cmd_create_secret_oci(int argc, char **argv, const char *name);
int cmd_create_secret_tls(int argc, char **argv, const char *name);
int cmd_create_secret_githubapp(int argc, char **argv, const char *name);
int cmd_create_secret_receiver(int argc, char **argv, const char *name);
int cmd_create_secret_proxy(int argc, char **argv, const char *name);
int cmd_create_secret_notation(int argc, char **argv, const char *name);
int cmd_create_source_chart(int argc, char **argv, const char *name);
/* --type of a Receiver (create receiver, create secret receiver): 0, or 1 after flux's words. */
int cli_receiver_type_check(const char *type);
int cmd_create_image_update(int argc, char **argv, const char *name);
int cmd_create_image_repository(int argc, char **argv, const char *name);
int cmd_create_image_policy(int argc, char **argv, const char *name);

/* The kind that pos names ("source git", "kustomization", "ks", ...: the kind table's CLI
 * names): its apiVersion and Kind, and how many arguments named it (0: none, *av and *kind NULL). */
int cli_kind_args(char **pos, size_t npos, const char **av, const char **kind);
/* An API client for the global flags, or NULL after printing the error. */
cf_kube *cli_client(void);
/* One error line on stderr ("✗ ..." on a terminal); returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A progress line on stderr ("◎ ..." on a terminal). */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An action line on stderr ("► ..." on a terminal), flux's Actionf. */
void cli_action(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* flux's Generatef ("✚ ...") and Warningf ("⚠️ ...") lines, likewise. */
void cli_generate(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* flux's confirmation (promptui): "? question? [y/N] "; 0 for y or Y, else 1 after flux's
 * error ("^D" at the end of input, nothing otherwise). */
int cli_confirm(const char *question);
/* A success line on stderr ("✔ ..." on a terminal). */
void cli_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses a command's own flags plus the globals, and up to 8 positional arguments (pos NULL:
 * none allowed). 0, 1 after --help, or CLI_EXIT_USAGE after printing the error. */
int cli_parse(const cf_flag *own, size_t n_own, int argc, char **argv, const char *usage, char **pos, size_t *npos);
/* Staged server-side apply of objs as field manager "cflux", with a summary line. */
int cli_apply_all(json_t *objs, const char *what);
/* How install (and bootstrap) lay out the controllers: flux install's flags. */
typedef struct cli_install_args {
	const char *registry;       /* images are <registry>/<controller>:<version> */
	const char *extra;          /* --components-extra, added to --components */
	const char *pull_secret;    /* --image-pull-secret: the pods' imagePullSecrets */
	const char *log_level;
	cf_flag_list tolerations;   /* --toleration-keys: tolerations {key, operator: Exists} */
	int network_policy;         /* Flux's three NetworkPolicies (default on) */
	int watch_all;              /* off: each controller gets --watch-namespace=<namespace> */
} cli_install_args;
extern cli_install_args cli_install;
#define CLI_INSTALL_FLAGS \
	{ "components-extra", CF_FLAG_STRING, &cli_install.extra, "list of components in addition to those supplied or defaulted, accepts comma-separated values", 0 }, \
	{ "registry", CF_FLAG_STRING, &cli_install.registry, "container registry where the toolkit images are published", 0 }, \
	{ "image-pull-secret", CF_FLAG_STRING, &cli_install.pull_secret, "Kubernetes secret name used for pulling the toolkit images from a private registry", 0 }, \
	{ "toleration-keys", CF_FLAG_LIST, &cli_install.tolerations, "list of toleration keys used to schedule the components pods onto nodes with matching taints", 0 }, \
	{ "network-policy", CF_FLAG_BOOL, &cli_install.network_policy, "deny ingress access to the toolkit controllers from other namespaces using network policies", 0 }, \
	{ "watch-all-namespaces", CF_FLAG_BOOL, &cli_install.watch_all, "watch for custom resources in all namespaces, if set to false it will only watch the namespace where the toolkit is installed", 0 }, \
	{ "log-level", CF_FLAG_STRING, &cli_install.log_level, "log level, available options are: (debug, info, warn, error)", 0 }

/* What install applies: CRDs, the namespace, and the chosen components (comma separated) plus
 * --components-extra, laid out as cli_install says. */
int cli_install_manifests(json_t **out, const char *components, const char *ns);
/* nbytes (at most 64) random bytes from /dev/urandom as lowercase hex into out (2 * nbytes + 1
 * bytes); 0, or 1 after the error. The caller wipes out. */
#define CLI_TOKEN_BYTES 32
int cli_random_hex(char *out, size_t nbytes);
/* Creates the controllers' internal token Secret in ns unless it exists; prints the outcome. */
int cli_install_token(cf_kube *k, const char *ns);
/* Waits until the object's controller reports it Ready; prints the outcome (0 ready, 1 not). */
int cli_wait_ready(cf_kube *k, const char *av, const char *kind, const char *name, const char *stamp);
/* The same wait without a request stamp, ending in flux bootstrap's words ("GitRepository
 * reconciled successfully") instead of create's. */
int cli_wait_reconciled(cf_kube *k, const char *av, const char *kind, const char *name);

/* What build and diff kustomization take besides --path (flux's flags). */
typedef struct cli_build_args {
	const char *ks_file;     /* --kustomization-file: the Kustomization from a file, not the cluster */
	int dry_run;             /* with ks_file: no cluster at all (substituteFrom not read) */
	cf_flag_list ignore;     /* --ignore-paths, gitignore patterns */
} cli_build_args;
extern cli_build_args cli_build;
#define CLI_BUILD_FLAGS \
	{ "kustomization-file", CF_FLAG_STRING, &cli_build.ks_file, "path to the Flux Kustomization YAML file", 0 }, \
	{ "dry-run", CF_FLAG_BOOL, &cli_build.dry_run, "dry run mode: no cluster is read (needs --kustomization-file)", 0 }, \
	{ "ignore-paths", CF_FLAG_LIST, &cli_build.ignore, "set paths to ignore in .gitignore format", 0 }

/* Builds Kustomization NAME's spec over the local directory path, the files rooted at the
 * working directory (a path outside it is its own root), less --ignore-paths; the
 * Kustomization and postBuild variables from the cluster, or from --kustomization-file (k
 * NULL with --dry-run: inline substitute only). *ks_out (may be NULL) gets the Kustomization. */
int cli_build_local(cf_kube *k, const char *name, const char *path, json_t **ks_out, json_t **objs);
/* build/diff's argument checks: 0, or the usage exit code after printing the error. */
int cli_build_check(char **pos, size_t npos, const char *path, const char *usage);
int cmd_envsubst(int argc, char **argv);

/* Prints rows (arrays of strings; header first when not NULL) as flux's table printer does:
 * every cell padded to its column's width and followed by a tab. */
void cli_table_print(const json_t *header, const json_t *rows);
/* Prints one row (a watch's change; header first when not NULL) and flushes; takes both. */
void cli_print_row(json_t *header, json_t *row);
/* Installs the SIGINT/SIGTERM handlers and an alarm at --timeout; returns the flag they set. */
volatile int *cli_stop_at_timeout(void);
/* Watches ref (labels: a label selector, or NULL) with cb until --timeout passes or a signal:
 * 0, or 1 after printing the error. */
int cli_watch(cf_kube *k, const cf_kube_ref *ref, const char *labels, cf_kube_watch_cb cb, void *payload);

/* push|pull|tag artifact, list artifacts, build|diff artifact (argv[0] the verb): the exit
 * code, or -1 when argv names none of them. */
int cli_artifact_command(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_bootstrap(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_suspend(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_trace(int argc, char **argv);
/* The objects of HelmRelease ns/name's current release, from helm's storage Secret, as
 * {group, kind, namespace, name} (*out a new array, empty without a release or storage, or for
 * a remote cluster's). 0, or 1 after printing flux's error. */
int cli_helm_release_objects(cf_kube *k, json_t **out, const char *ns, const char *name);
int cmd_version(int argc, char **argv);
int cmd_debug(int argc, char **argv);

#endif
