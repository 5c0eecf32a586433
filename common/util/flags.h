/* common/util/flags.h - one table drives a program's flags: name, kind, default, help, validation. */
#ifndef CF_FLAGS_H
#define CF_FLAGS_H

#include <stdio.h>

typedef enum cf_flag_kind {
	CF_FLAG_STRING,    /* const char * */
	CF_FLAG_INT,       /* long, >= min */
	CF_FLAG_SIZE,      /* long bytes, with K/M/G (Ki/Mi/Gi) suffixes */
	CF_FLAG_DURATION,  /* long milliseconds */
	CF_FLAG_BOOL,      /* int; "--name" or "--name=false" */
	CF_FLAG_LIST,      /* cf_flag_list: repeatable, each value also split at commas */
	CF_FLAG_ARRAY,     /* cf_flag_list: repeatable, values whole (cobra's stringArray) */
} cf_flag_kind;

#define CF_FLAG_LIST_MAX 64
/* The values of a repeatable flag, in order ("--x a,b --x c": a, b, c); each points into argv
 * or into store, which the list owns: free with cf_flag_list_free. */
typedef struct cf_flag_list {
	const char *items[CF_FLAG_LIST_MAX];
	size_t n;
	char *store[CF_FLAG_LIST_MAX];
	size_t nstore;
} cf_flag_list;
void cf_flag_list_free(cf_flag_list *l);

typedef struct cf_flag {
	const char *name;          /* without "--"; "long|s" adds the short form -s */
	cf_flag_kind kind;
	void *value;               /* where the parsed value goes; holds the default before parsing */
	const char *help;
	long min;                  /* INT, SIZE, DURATION: smallest accepted */
} cf_flag;

/* Parses argv ("--name=value" or "--name value"); "-h"/"--help" prints usage and returns 1.
 * Errors name the flag; the return is CF_EINVAL (exit 2 in callers). */
int  cf_flags_parse(const cf_flag *flags, size_t n, int argc, char **argv, const char *usage);
/* The same, but arguments that are not flags go to pos (at most max; *npos counts them), and
 * a flag named "long|s" also answers to -s. */
int  cf_flags_parse_pos(const cf_flag *flags, size_t n, int argc, char **argv, const char *usage,
			char **pos, size_t max, size_t *npos);
void cf_flags_usage(FILE *f, const cf_flag *flags, size_t n, const char *usage);

#endif
