/* cli/cflux.c - the cflux command: the subcommands that exist so far. */
#include "err.h"
#include "buf.h"
#include "kustomize.h"
#include "yaml.h"

#include <stdio.h>
#include <string.h>

#ifndef CFLUX_VERSION
#define CFLUX_VERSION "0.1.0-dev"
#endif

#define YAML_INPUT_MAX (64u * 1024u * 1024u)

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("cflux %s\n", CFLUX_VERSION);
	return 0;
}

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
	{ "version", cmd_version, "print the version" },
	{ "yaml", cmd_yaml, "print YAML files as cflux reads them (normalised)" },
	{ "kustomize", cmd_kustomize, "build a kustomization directory (as kubectl kustomize does)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cflux COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "cflux: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
