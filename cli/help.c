/* cli/help.c - the help engine: rows found by the words typed, printed in cobra's layout. */
#include "help.h"

#include "cli.h"
#include "util/duration.h"

#include <stdlib.h>
#include <string.h>

#define FLAGS_MAX 64
#define LINE_MAX_LEN 160

static const cli_help *current;

/* Whether word is the last word of row h's path or one of its aliases. */
static int names(const cli_help *h, const char *word)
{
	const char *last = strrchr(h->path, ' '), *a = h->aliases;
	size_t wl = strlen(word);

	last = last ? last + 1 : h->path;
	if (strcmp(last, word) == 0)
		return 1;
	while (a && *a) {
		const char *comma = strchr(a, ',');
		size_t len = comma ? (size_t)(comma - a) : strlen(a);
		if (len == wl && strncmp(a, word, len) == 0)
			return 1;
		a = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Whether h is a child of parent (NULL: the root): its path is parent's and one word more. */
static int child_of(const cli_help *h, const cli_help *parent)
{
	size_t pl;

	if (parent && parent->path[0] == '\0')
		parent = NULL;   /* the root */
	pl = parent ? strlen(parent->path) : 0;

	if (parent && (strncmp(h->path, parent->path, pl) != 0 || h->path[pl] != ' '))
		return 0;
	return strchr(h->path + pl + (parent ? 1 : 0), ' ') == NULL && h->path[0] != '\0';
}

/* The child of parent named word, or NULL. */
static const cli_help *find_child(const cli_help *parent, const char *word)
{
	for (size_t t = 0; cli_help_tables[t]; t++)
		for (const cli_help *h = cli_help_tables[t]; h->path; h++)
			if (child_of(h, parent) && names(h, word))
				return h;
	return NULL;
}

/* The deepest row words[0..n) reach. */
static const cli_help *walk(char *const *words, size_t n)
{
	const cli_help *at = NULL, *next;

	for (size_t i = 0; i < n && (next = find_child(at, words[i])) != NULL; i++)
		at = next;
	return at;
}

void cli_help_words(int argc, char **argv)
{
	size_t n = 0;

	while ((int)n < argc && n < CLI_HELP_WORDS_MAX && argv[n][0] != '-')
		n++;
	current = walk(argv, n);
}

const cli_help *cli_help_current(void)
{
	return current;
}

const cli_help *cli_help_find(const char *path)
{
	char copy[256], *words[CLI_HELP_WORDS_MAX + 1], *save = NULL;
	size_t n = 0;
	const cli_help *h;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *t = strtok_r(copy, " ", &save); t && n <= CLI_HELP_WORDS_MAX; t = strtok_r(NULL, " ", &save))
		words[n++] = t;
	h = walk(words, n);
	/* only a row that all the words name */
	if (h == NULL)
		return NULL;
	{
		size_t depth = 1;
		for (const char *p = h->path; *p; p++)
			depth += *p == ' ';
		return depth == n ? h : NULL;
	}
}

int cli_help_asked(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* ---- flags, as pflag's FlagUsages prints them ---- */

static int long_len(const char *name)
{
	const char *bar = strchr(name, '|');
	return (int)(bar ? (size_t)(bar - name) : strlen(name));
}

/* cflux keeps Go durations such as --interval as text (they are written to the object as Go
 * prints them); flux declares them as durations, and its help says so. */
static int is_go_duration(const cf_flag *f)
{
	int len = long_len(f->name);

	return f->kind == CF_FLAG_DURATION ||
	       (f->kind == CF_FLAG_STRING && ((len >= 8 && strncmp(f->name + len - 8, "interval", 8) == 0) ||
					      (len >= 7 && strncmp(f->name + len - 7, "timeout", 7) == 0)));
}

/* The flag's name column ("  -n, --namespace string") into out. */
static void name_column(char *out, size_t size, const cf_flag *f)
{
	const char *bar = strchr(f->name, '|'), *type = "";
	int len = long_len(f->name);

	if (is_go_duration(f))
		type = " duration";
	else if (f->kind == CF_FLAG_STRING || f->kind == CF_FLAG_SIZE)
		type = " string";
	else if (f->kind == CF_FLAG_LIST)
		type = " strings";
	else if (f->kind == CF_FLAG_ARRAY)
		type = " stringArray";
	else if (f->kind == CF_FLAG_INT)
		type = " int";
	if (bar)
		snprintf(out, size, "  -%s, --%.*s%s", bar + 1, len, f->name, type);
	else
		snprintf(out, size, "      --%.*s%s", len, f->name, type);
}

/* pflag shows a default only when it is not the type's zero value. */
static void default_text(char *out, size_t size, const cf_flag *f)
{
	char d[CF_DURATION_MAX];
	long ms;

	out[0] = '\0';
	switch (f->kind) {
	case CF_FLAG_STRING: {
		const char *v = *(const char *const *)f->value;
		if (v == NULL || *v == '\0')
			break;
		if (is_go_duration(f) && cf_duration_parse(&ms, v) == 0) {
			cf_duration_format(d, ms);
			snprintf(out, size, " (default %s)", d);
		} else {
			snprintf(out, size, " (default \"%s\")", v);
		}
		break;
	}
	case CF_FLAG_BOOL:
		if (*(const int *)f->value)
			snprintf(out, size, " (default true)");
		break;
	case CF_FLAG_DURATION:
		if (*(const long *)f->value) {
			cf_duration_format(d, *(const long *)f->value);
			snprintf(out, size, " (default %s)", d);
		}
		break;
	case CF_FLAG_INT:
	case CF_FLAG_SIZE:
		if (*(const long *)f->value)
			snprintf(out, size, " (default %ld)", *(const long *)f->value);
		break;
	case CF_FLAG_LIST:
	case CF_FLAG_ARRAY: {
		const cf_flag_list *l = f->value;
		if (l->n == 0)
			break;
		size_t at = (size_t)snprintf(out, size, " (default [");
		for (size_t i = 0; i < l->n && at < size; i++)
			at += (size_t)snprintf(out + at, size - at, "%s%s", i ? "," : "", l->items[i]);
		if (at < size)
			snprintf(out + at, size - at, "])");
		break;
	}
	}
}

static int by_name(const void *a, const void *b)
{
	const cf_flag *x = *(const cf_flag *const *)a, *y = *(const cf_flag *const *)b;
	int lx = long_len(x->name), ly = long_len(y->name), c = strncmp(x->name, y->name, (size_t)(lx < ly ? lx : ly));

	return c ? c : lx - ly;
}

/* One flag set, sorted by name, the usage column aligned three spaces past the widest name. */
static void print_flags(FILE *f, const cf_flag *const *set, size_t n)
{
	char cols[FLAGS_MAX][LINE_MAX_LEN];
	size_t width = 0;

	for (size_t i = 0; i < n; i++) {
		name_column(cols[i], sizeof(cols[i]), set[i]);
		if (strlen(cols[i]) > width)
			width = strlen(cols[i]);
	}
	for (size_t i = 0; i < n; i++) {
		char dflt[LINE_MAX_LEN];
		default_text(dflt, sizeof(dflt), set[i]);
		fprintf(f, "%-*s   %s%s\n", (int)width, cols[i], set[i]->help, dflt);
	}
}

/* A parent's persistent flag, as cobra shows it under Global Flags: create's --export, --label
 * and --interval for every create command. */
static int inherited(const cli_help *h, const cf_flag *f)
{
	if (strncmp(h->path, "create ", 7) != 0)
		return 0;
	return f->value == &cli_create.export || f->value == &cli_create.labels || strcmp(f->name, "interval") == 0;
}

static void last_word(char *out, size_t size, const char *path)
{
	const char *sp = strrchr(path, ' ');
	snprintf(out, size, "%s", sp ? sp + 1 : path);
}

static void print_sub_commands(FILE *f, const cli_help *h)
{
	const cli_help *kids[64];
	size_t n = 0, pad = 11;

	for (size_t t = 0; cli_help_tables[t]; t++)
		for (const cli_help *k = cli_help_tables[t]; k->path && n < 64; k++)
			if (child_of(k, h))
				kids[n++] = k;
	for (size_t i = 1; i < n; i++)   /* sorted by name, as cobra sorts them */
		for (size_t j = i; j > 0 && strcmp(kids[j - 1]->path, kids[j]->path) > 0; j--) {
			const cli_help *t = kids[j];
			kids[j] = kids[j - 1];
			kids[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		char w[64];
		last_word(w, sizeof(w), kids[i]->path);
		if (strlen(w) > pad)
			pad = strlen(w);
	}
	fprintf(f, "\n\nAvailable Commands:");
	for (size_t i = 0; i < n; i++) {
		char w[64];
		last_word(w, sizeof(w), kids[i]->path);
		fprintf(f, "\n  %-*s %s", (int)pad, w, kids[i]->short_text);
	}
}

void cli_help_print(FILE *f, const cli_help *h, const cf_flag *own, size_t n_own, const cf_flag *globals,
		    size_t n_globals)
{
	static const int help_value = 0;
	char word[64], help_text[96];
	cf_flag help_flag = { "help|h", CF_FLAG_BOOL, (void *)&help_value, help_text, 0 };
	const cf_flag *local[FLAGS_MAX], *global[FLAGS_MAX];
	size_t nl = 0, ng = 0;

	last_word(word, sizeof(word), h->path[0] ? h->path : "cflux");
	snprintf(help_text, sizeof(help_text), "help for %s", word);
	local[nl++] = &help_flag;
	for (size_t i = 0; i < n_own && nl < FLAGS_MAX && ng < FLAGS_MAX; i++) {
		if (inherited(h, &own[i]))
			global[ng++] = &own[i];
		else
			local[nl++] = &own[i];
	}
	for (size_t i = 0; i < n_globals && ng < FLAGS_MAX; i++)
		global[ng++] = &globals[i];
	qsort(local, nl, sizeof(local[0]), by_name);
	qsort(global, ng, sizeof(global[0]), by_name);

	fprintf(f, "%s\n\nUsage:", h->long_text ? h->long_text : h->short_text);
	if (h->args)
		fprintf(f, "\n  cflux %s%s%s [flags]", h->path, h->args[0] ? " " : "", h->args);
	else
		fprintf(f, "\n  cflux%s%s [command]", h->path[0] ? " " : "", h->path);
	if (h->aliases) {   /* "ks,kustomization" as cobra lists them: "kustomizations, ks, kustomization" */
		fprintf(f, "\n\nAliases:\n  %s, ", word);
		for (const char *a = h->aliases; *a; a++)
			if (*a == ',')
				fputs(", ", f);
			else
				fputc(*a, f);
	}
	if (h->examples)
		fprintf(f, "\n\nExamples:\n%s", h->examples);
	if (h->args == NULL)
		print_sub_commands(f, h);
	fprintf(f, "\n\nFlags:\n");
	print_flags(f, local, nl);
	if (ng) {
		fprintf(f, "\nGlobal Flags:\n");
		print_flags(f, global, ng);
	}
	if (h->args == NULL)
		fprintf(f, "\nUse \"cflux%s%s [command] --help\" for more information about a command.\n", h->path[0] ? " " : "",
			h->path);
}

static const cli_help root = {
	"", NULL, NULL, "Command line utility for assembling Kubernetes CD pipelines",
	"Command line utility for assembling Kubernetes CD pipelines the GitOps way.",
	"  # Check prerequisites\n"
	"  cflux check --pre\n"
	"\n"
	"  # Install the latest version of cflux\n"
	"  cflux install\n"
	"\n"
	"  # Create a source for a public Git repository\n"
	"  cflux create source git webapp-latest \\\n"
	"    --url=https://github.com/stefanprodan/podinfo \\\n"
	"    --branch=master \\\n"
	"    --interval=3m\n"
	"\n"
	"  # List GitRepository sources and their status\n"
	"  cflux get sources git\n"
	"\n"
	"  # Trigger a GitRepository source reconciliation\n"
	"  cflux reconcile source git flux-system\n"
	"\n"
	"  # Create a Kustomization for deploying a series of microservices\n"
	"  cflux create kustomization webapp-dev \\\n"
	"    --source=webapp-latest \\\n"
	"    --path=\"./deploy/webapp/\" \\\n"
	"    --prune=true \\\n"
	"    --interval=5m \\\n"
	"    --health-check=\"Deployment/backend.webapp\" \\\n"
	"    --health-check-timeout=2m\n"
	"\n"
	"  # Trigger a git sync of the Kustomization's source and apply changes\n"
	"  cflux reconcile kustomization webapp-dev --with-source\n"
	"\n"
	"  # Uninstall and delete the CRDs\n"
	"  cflux uninstall",
};

void cli_help_root(FILE *f)
{
	const cf_flag globals[] = { CLI_GLOBAL_FLAGS };

	/* the root's persistent flags are its own flags */
	cli_help_print(f, &root, globals, sizeof(globals) / sizeof(globals[0]), NULL, 0);
}

/* What create's group help shows as its own flags (every create command takes them). */
static const char *group_interval = "1m";

int cli_help_group(int argc, char **argv)
{
	const cf_flag globals[] = { CLI_GLOBAL_FLAGS };
	const cf_flag create_flags[] = {
		CLI_CREATE_FLAGS,
		{ "interval", CF_FLAG_STRING, &group_interval, "source sync interval", 0 },
	};
	const cli_help *h = current;
	int create;

	if (h == NULL || h->args != NULL || !cli_help_asked(argc, argv))
		return 0;
	create = strcmp(h->path, "create") == 0;
	/* create's flags are its own in its help, and inherited in its subcommands' */
	cli_help_print(stdout, h, create ? create_flags : NULL, create ? 3 : 0, globals, sizeof(globals) / sizeof(globals[0]));
	return 1;
}
