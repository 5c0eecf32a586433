/* cli/cli.h - what the cflux subcommands share: global flags, the API client, output. */
#ifndef CFLUX_CLI_H
#define CFLUX_CLI_H

#include "kube/kube.h"
#include "util/flags.h"

#include <stdio.h>

#define CLI_EXIT_USAGE 2

/* The global flags every cluster command takes. */
typedef struct cli_globals {
	const char *kubeconfig, *context, *namespace;
	long timeout_ms;
	int all_namespaces, verbose;
} cli_globals;

extern cli_globals cli;
/* The global flags, to append to a command's own table. */
#define CLI_GLOBAL_FLAGS \
	{ "kubeconfig", CF_FLAG_STRING, &cli.kubeconfig, "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)", 0 }, \
	{ "context", CF_FLAG_STRING, &cli.context, "kubeconfig context", 0 }, \
	{ "namespace|n", CF_FLAG_STRING, &cli.namespace, "namespace of the objects", 0 }, \
	{ "timeout", CF_FLAG_DURATION, &cli.timeout_ms, "how long to wait for a result", 1000 }, \
	{ "verbose|v", CF_FLAG_BOOL, &cli.verbose, "say more", 0 }

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

/* A success line on stderr ("✔ ..." on a terminal). */
void cli_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses a command's own flags plus the globals, and up to 8 positional arguments (pos NULL:
 * none allowed). 0, 1 after --help, or CLI_EXIT_USAGE after printing the error. */
int cli_parse(const cf_flag *own, size_t n_own, int argc, char **argv, const char *usage, char **pos, size_t *npos);
/* Staged server-side apply of objs as field manager "cflux", with a summary line. */
int cli_apply_all(json_t *objs, const char *what);
/* What install applies: CRDs, the namespace, and the chosen components (comma separated;
 * extra, may be NULL: more of them, duplicates added once). */
int cli_install_manifests(json_t **out, const char *components, const char *extra, const char *ns);
/* Creates the controllers' internal token Secret in ns unless it exists; prints the outcome. */
int cli_install_token(cf_kube *k, const char *ns);
/* Waits until the object's controller reports it Ready; prints the outcome (0 ready, 1 not). */
int cli_wait_ready(cf_kube *k, const char *av, const char *kind, const char *name, const char *stamp);

/* Builds Kustomization NAME's spec over the local directory path (postBuild variables from the
 * cluster); *ks_out (may be NULL) gets the Kustomization. */
int cli_build_local(cf_kube *k, const char *name, const char *path, json_t **ks_out, json_t **objs);

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

#endif
