/* cli/cflux.c - the cflux command: the subcommands that exist so far. */
#include "cli.h"
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
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: cflux yaml FILE... (\"-\" reads stdin)\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		cf_buf in = CF_BUF_INIT(YAML_INPUT_MAX), out = CF_BUF_INIT(YAML_INPUT_MAX * 2);
		const char *name = strcmp(argv[i], "-") == 0 ? "/dev/stdin" : argv[i];
		json_t *docs = NULL;
		int rc = cf_buf_read_file(&in, name);

		if (rc == 0)
			rc = cf_yaml_load_all(&docs, in.data ? in.data : "", in.len, argv[i]);
		if (rc == 0)
			rc = cf_yaml_dump_all(&out, docs);
		if (rc == 0) {
			if (i > 1 && out.len)
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
	cf_buf out = CF_BUF_INIT(1u << 30);
	json_t *docs = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: cflux kustomize DIR\n");
		return 2;
	}
	rc = cf_kustomize_build_dir(&docs, argv[1]);
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
	const char *help;
} commands[] = {
	{ "version", cmd_version, "the CLI's and the controllers' versions (--client, -o json|yaml)" },
	{ "yaml", cmd_yaml, "print YAML files as cflux reads them (normalised)" },
	{ "kustomize", cmd_kustomize, "build a kustomization directory (as kubectl kustomize does)" },
	{ "create", cmd_create, "create or update a GitRepository (create source git), a HelmRepository (create source helm), an OCIRepository (create source oci) or a Kustomization" },
	{ "get", cmd_get, "the status of objects: all, sources all|git|helm|chart|oci, kustomizations, helmreleases, alerts, alert-providers, receivers [NAME] (-A, --watch, --status-selector, --show-source, --no-header)" },
	{ "reconcile", cmd_reconcile, "reconcile KIND NAME...: ask for a reconcile now and wait for the result (--with-source; hr: --force --reset)" },
	{ "suspend", cmd_suspend, "suspend KIND NAME... | KIND --all: stop reconciling" },
	{ "resume", cmd_resume, "resume KIND NAME... | KIND --all: reconcile again and wait for the result" },
	{ "delete", cmd_delete, "delete KIND NAME: delete an object and wait for its finalizer (--silent: no question)" },
	{ "build", cmd_build, "build kustomization NAME --path DIR: what the controller would apply (--kustomization-file F --dry-run: no cluster; --ignore-paths)" },
	{ "logs", cmd_logs, "the controllers' logs (--kind --name --level --tail --since -f -A; --log-dir for local processes)" },
	{ "stats", cmd_stats, "per kind: objects, failing, suspended, and the sources' storage (-A)" },
	{ "envsubst", cmd_envsubst, "substitute ${var} from the environment in stdin, as postBuild does (--strict)" },
	{ "tree", cmd_tree, "tree kustomization NAME: the objects it applied" },
	{ "export", cmd_export, "export KIND NAME | KIND --all: objects as YAML to apply elsewhere (no status)" },
	{ "events", cmd_events, "the events of Flux objects (--for Kind/name, --types, -A, --watch)" },
	{ "diff", cmd_diff, "diff kustomization NAME --path DIR: exit 0 no change, 1 changes, 3 error (--kustomization-file, --ignore-paths, --progress-bar)" },
	{ "completion", cmd_completion, "completion bash|zsh|fish|powershell: the shell completion script" },
	{ "install", cmd_install, "install the CRDs and the controllers (--components[-extra], --registry, --image-pull-secret, --toleration-keys, --network-policy, --watch-all-namespaces, --export)" },
	{ "uninstall", cmd_uninstall, "remove what install made (finalizers first)" },
	{ "check", cmd_check, "check the API server (--pre), the CRDs and their versions, the controllers" },
	{ "bootstrap", cmd_bootstrap, "bootstrap git: commit the sync manifests to a repository and sync the cluster from it (github|gitlab|gitea|bitbucket-server: use bootstrap git)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cflux COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

/* Global flags may come before the command ("cflux -n apps get kustomizations"): they are
 * moved after it, where every command parses them. */
static int takes_value(const char *a)
{
	static const char *const valued[] = { "--kubeconfig", "--context", "--namespace", "-n", "--timeout" };

	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (strcmp(a, valued[i]) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	char *args[256];
	int cmd = 1, n = 0;

	while (cmd < argc && argv[cmd][0] == '-' && strcmp(argv[cmd], "-h") != 0 && strcmp(argv[cmd], "--help") != 0)
		cmd += takes_value(argv[cmd]) && cmd + 1 < argc ? 2 : 1;
	if (argc > 250 || cmd >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[cmd], "-h") == 0 || strcmp(argv[cmd], "--help") == 0 || strcmp(argv[cmd], "help") == 0) {
		usage(stdout);
		return 0;
	}
	args[n++] = argv[cmd];
	for (int i = cmd + 1; i < argc; i++)
		args[n++] = argv[i];
	for (int i = 1; i < cmd; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[cmd], commands[i].name) == 0)
			return commands[i].run(n, args);
	fprintf(stderr, "cflux: unknown command \"%s\" (see cflux --help)\n", argv[cmd]);
	return 2;
}
