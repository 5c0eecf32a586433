/* cli/cli.h - what the cflux subcommands share: global flags, the API client, output. */
#ifndef CFLUX_CLI_H
#define CFLUX_CLI_H

#include "flags.h"
#include "kube.h"

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

/* An API client for the global flags, or NULL after printing the error. */
cf_kube *cli_client(void);
/* One error line on stderr ("✗ ..." on a terminal); returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A progress line on stderr ("◎ ..." on a terminal). */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_create(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_suspend(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_tree(int argc, char **argv);

#endif
