/* cli/help.h - `--help` for every cflux command in Flux's (cobra's) layout: the description,
 * Usage:, Aliases:, Examples:, Available Commands:, Flags: and Global Flags:.
 *
 * A command is a row of a help table, named by its words ("create source git"). main() records
 * the words a user typed (cli_help_words); cli_parse() answers -h/--help with the row they name
 * and the command's own flag table, so a command gets Flux's help by having a row — its code
 * does not change. Groups (rows with children: "create", "create source") are answered by main()
 * through cli_help_group(). */
#ifndef CFLUX_CLI_HELP_H
#define CFLUX_CLI_HELP_H

#include "util/flags.h"

#include <stdio.h>

typedef struct cli_help {
	const char *path;        /* the command's words: "create source git" */
	const char *aliases;     /* other names of its last word, comma separated ("ks"), or NULL */
	const char *args;        /* what follows the path in Usage: ("[name]"; "" none); NULL: a group */
	const char *short_text;  /* one line, shown in the parent's Available Commands */
	const char *long_text;   /* the text at the top (NULL: short_text) */
	const char *examples;    /* indented example lines, or NULL */
} cli_help;

/* The help tables, each ended by a row with a NULL path: help.c's (the command tree and the
 * create/secret/tenant/artifact commands) and any a later file adds to cli_help_tables. */
extern const cli_help *const cli_help_tables[];

#define CLI_HELP_WORDS_MAX 4
/* Records the leading words of argv (argv[0] is the command, as main passes it; the words end at
 * the first flag) that name a row. Called by main before dispatch; argv must outlive the call. */
void cli_help_words(int argc, char **argv);
/* The row the recorded words name (the deepest one they reach), or NULL. */
const cli_help *cli_help_current(void);
/* The row for path ("create source git", aliases allowed), or NULL. */
const cli_help *cli_help_find(const char *path);

/* Prints h's help to f, with the command's flags (own, n_own; may be 0) and the global flags
 * (globals, n_globals). Flags whose value lives in an inherited table (inherited(flag) true)
 * are listed under Global Flags, as cobra lists a parent's persistent flags. */
void cli_help_print(FILE *f, const cli_help *h, const cf_flag *own, size_t n_own,
		    const cf_flag *globals, size_t n_globals);

/* `cflux --help`: every command, and the global flags. */
void cli_help_root(FILE *f);
/* Whether argv (after argv[0]) asks for help (-h or --help before a "--"). */
int cli_help_asked(int argc, char **argv);
/* For main: when the recorded words name a group and help is asked for ("create --help",
 * "create source -h"), prints the group's help and returns 1; else 0. */
int cli_help_group(int argc, char **argv);

#endif
