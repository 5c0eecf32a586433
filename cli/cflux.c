/* cli/cflux.c - the cflux command: the subcommands that exist so far. */
#include "cli.h"
#include "help.h"
#include "kustomize/kustomize.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define YAML_INPUT_MAX (64u * 1024u * 1024u)

/* Prints the normalised form of YAML files (or stdin with "-"): what cflux reads, as it reads
 * it. A check mode for manifests, and the golden-test tool for the yaml module. */
static int cmd_yaml(int argc, char **argv)
{
	int status = 0, rc;
	char *pos[8];
	size_t npos;

	if ((rc = cli_parse(NULL, 0, argc, argv, "usage: cflux yaml FILE... (\"-\" reads stdin)", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos == 0)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux yaml FILE... (\"-\" reads stdin)");
	for (size_t i = 0; i < npos; i++) {
		cf_buf in = CF_BUF_INIT(YAML_INPUT_MAX), out = CF_BUF_INIT(YAML_INPUT_MAX * 2);
		const char *name = strcmp(pos[i], "-") == 0 ? "/dev/stdin" : pos[i];
		json_t *docs = NULL;
		int rc = cf_buf_read_file(&in, name);

		if (rc == 0)
			rc = cf_yaml_load_all(&docs, in.data ? in.data : "", in.len, pos[i]);
		if (rc == 0)
			rc = cf_yaml_dump_all(&out, docs);
		if (rc == 0) {
			if (i > 0 && out.len)
				fputs("---\n", stdout);
			fwrite(out.data ? out.data : "", 1, out.len, stdout);
		} else {
			fprintf(stderr, "cflux: %s\n", cf_err_msg());
			status = 1;
		}
		json_decref(docs);
		cf_buf_free(&in);
		cf_buf_free(&out);
	}
	return status;
}

/* Builds a kustomization directory and prints the stream, as `kubectl kustomize DIR` does. */
static int cmd_kustomize(int argc, char **argv)
{
	static const char *const usage = "usage: cflux kustomize [--load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone] DIR";
	cf_buf out = CF_BUF_INIT(1u << 30);
	json_t *docs = NULL;
	const char *restrictor = "LoadRestrictionsRootOnly";
	const cf_flag own[] = { { "load-restrictor", CF_FLAG_STRING, &restrictor,
				  "if set to 'LoadRestrictionsNone', local kustomizations may load files from outside "
				  "their root, as Flux's builds do", 0 } };
	char *pos[8];
	size_t npos;
	int rc, anywhere;

	if ((rc = cli_parse(own, 1, argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos != 1)
		return cli_fail(CLI_EXIT_USAGE, "%s", usage);
	anywhere = strcmp(restrictor, "LoadRestrictionsNone") == 0;
	if (!anywhere && strcmp(restrictor, "LoadRestrictionsRootOnly") != 0)
		return cli_fail(CLI_EXIT_USAGE, "--load-restrictor: \"%s\" is neither LoadRestrictionsRootOnly nor LoadRestrictionsNone",
				restrictor);
	rc = cf_kustomize_build_dir(&docs, pos[0], anywhere);
	if (rc == 0)
		rc = cf_yaml_dump_all(&out, docs);
	if (rc == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	else
		fprintf(stderr, "Error: %s\n", cf_err_msg());
	json_decref(docs);
	cf_buf_free(&out);
	return rc == 0 ? 0 : 1;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "version", cmd_version },
	{ "yaml", cmd_yaml },
	{ "kustomize", cmd_kustomize },
	{ "create", cmd_create },
	{ "get", cmd_get },
	{ "reconcile", cmd_reconcile },
	{ "suspend", cmd_suspend },
	{ "resume", cmd_resume },
	{ "delete", cmd_delete },
	{ "build", cmd_build },
	{ "logs", cmd_logs },
	{ "stats", cmd_stats },
	{ "envsubst", cmd_envsubst },
	{ "tree", cmd_tree },
	{ "trace", cmd_trace },
	{ "debug", cmd_debug },
	{ "export", cmd_export },
	{ "events", cmd_events },
	{ "diff", cmd_diff },
	{ "completion", cmd_completion },
	{ "install", cmd_install },
	{ "uninstall", cmd_uninstall },
	{ "check", cmd_check },
	{ "bootstrap", cmd_bootstrap },
	{ "trigger", cmd_trigger },
	{ "migrate", cmd_migrate },
};

int main(int argc, char **argv)
{
	static char help_flag[] = "--help";
	char *args[256];
	int cmd = 1, n = 0, help = 0, rc;

	cf_kustomize_set_warnings(stderr);   /* kustomize's deprecation warnings, as kubectl and flux print them */

	/* global flags may come before the command ("cflux -n apps get kustomizations"): they are
	 * moved after it, where every command parses them */
	while (cmd < argc && argv[cmd][0] == '-' && strcmp(argv[cmd], "-h") != 0 && strcmp(argv[cmd], "--help") != 0)
		cmd += cli_global_takes_value(argv[cmd]) && cmd + 1 < argc ? 2 : 1;
	if (argc > 250 || cmd >= argc) {
		cli_help_root(stderr);
		return 2;
	}
	if (strcmp(argv[cmd], "-h") == 0 || strcmp(argv[cmd], "--help") == 0 ||
	    (strcmp(argv[cmd], "help") == 0 && cmd + 1 == argc)) {
		cli_help_root(stdout);
		return 0;
	}
	if (strcmp(argv[cmd], "help") == 0) {   /* "cflux help create source git": its --help */
		help = 1;
		cmd++;
	}
	args[n++] = argv[cmd];
	for (int i = cmd + 1; i < argc; i++)
		if (!help || strcmp(argv[i], "help") != 0)
			args[n++] = argv[i];
	if (help)
		args[n++] = help_flag;
	for (int i = 1; i < cmd; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	cli_help_words(n, args);
	if (cli_help_group(n, args))
		return 0;
	if ((rc = cli_artifact_command(n, args)) >= 0)
		return rc;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[cmd], commands[i].name) == 0)
			return commands[i].run(n, args);
	fprintf(stderr, "cflux: unknown command \"%s\" (see cflux --help)\n", argv[cmd]);
	return 2;
}
