/* common/util/flags.c - table-driven flag parsing. */
#include "util/flags.h"

#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_size(long *out, const char *s)
{
	char *end;
	double v;
	long mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == 'K' || *end == 'k') mult = 1024;
	else if (*end == 'M') mult = 1024L * 1024;
	else if (*end == 'G') mult = 1024L * 1024 * 1024;
	else if (*end != '\0') return -1;
	if (*end && end[1] == 'i' && end[2] == '\0') end += 2;
	else if (*end) end += 1;
	if (*end != '\0' || v < 0)
		return -1;
	*out = (long)(v * (double)mult);
	return 0;
}

/* The long name's length ("namespace|n" -> 9). */
static int long_len(const char *name)
{
	const char *bar = strchr(name, '|');
	return (int)(bar ? (size_t)(bar - name) : strlen(name));
}

void cf_flag_list_free(cf_flag_list *l)
{
	for (size_t i = 0; i < l->nstore; i++)
		cf_free(l->store[i]);
	l->nstore = 0;
	l->n = 0;
}

/* Appends v's comma-separated parts (empty parts dropped, as cobra's string slices do); an
 * array's value whole. */
static int list_add(const cf_flag *f, const char *v)
{
	cf_flag_list *l = f->value;
	char *copy, *save = NULL;

	if (f->kind == CF_FLAG_ARRAY || strchr(v, ',') == NULL) {
		if (l->n >= CF_FLAG_LIST_MAX)
			goto full;
		l->items[l->n++] = v;
		return 0;
	}
	if (l->nstore >= CF_FLAG_LIST_MAX)
		goto full;
	if ((copy = cf_strdup(v)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	l->store[l->nstore++] = copy;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (l->n >= CF_FLAG_LIST_MAX)
			goto full;
		l->items[l->n++] = t;
	}
	return 0;
full:
	return cf_err_set(CF_EINVAL, "--%.*s: more than %d values", long_len(f->name), f->name, CF_FLAG_LIST_MAX);
}

static int set_value(const cf_flag *f, const char *v)
{
	long n;
	char *end;

	switch (f->kind) {
	case CF_FLAG_STRING:
		*(const char **)f->value = v;
		return 0;
	case CF_FLAG_LIST:
	case CF_FLAG_ARRAY:
		return list_add(f, v);
	case CF_FLAG_BOOL:
		if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*(int *)f->value = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*(int *)f->value = 0;
		else
			return cf_err_set(CF_EINVAL, "--%.*s: \"%s\" is not true or false", long_len(f->name), f->name, v);
		return 0;
	case CF_FLAG_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno)
			return cf_err_set(CF_EINVAL, "--%.*s: \"%s\" is not a whole number", long_len(f->name), f->name, v);
		break;
	case CF_FLAG_SIZE:
		if (parse_size(&n, v) < 0)
			return cf_err_set(CF_EINVAL, "--%.*s: \"%s\" is not a size like 50Mi", long_len(f->name), f->name, v);
		break;
	case CF_FLAG_DURATION:
		if (cf_duration_parse(&n, v) < 0)
			return cf_err_prefix("--%.*s", long_len(f->name), f->name);
		break;
	default:
		return cf_err_set(CF_EINVAL, "--%.*s: unknown kind", long_len(f->name), f->name);
	}
	if (n < f->min)
		return cf_err_set(CF_EINVAL, "--%.*s: %s is below the minimum of %ld", long_len(f->name), f->name, v, f->min);
	*(long *)f->value = n;
	return 0;
}

/* Whether flag name ("long" or "long|s") is a (len bytes, or one letter when shrt). */
static int named(const char *name, const char *a, size_t len, int shrt)
{
	const char *bar = strchr(name, '|');
	size_t long_len = bar ? (size_t)(bar - name) : strlen(name);

	if (shrt)
		return bar && len == 1 && bar[1] == a[0] && bar[2] == '\0';
	return long_len == len && strncmp(name, a, len) == 0;
}

int cf_flags_parse_pos(const cf_flag *flags, size_t n, int argc, char **argv, const char *usage,
		       char **pos, size_t max, size_t *npos)
{
	if (npos)
		*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *v = NULL;
		size_t len;
		const cf_flag *f = NULL;
		int rc, shrt;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cf_flags_usage(stdout, flags, n, usage);
			return 1;
		}
		shrt = a[0] == '-' && a[1] != '-' && a[1] != '\0';
		if (!shrt && strncmp(a, "--", 2) != 0) {
			if (pos == NULL)
				return cf_err_set(CF_EINVAL, "unexpected argument \"%s\" (flags start with --)", a);
			if (*npos >= max)
				return cf_err_set(CF_EINVAL, "unexpected argument \"%s\"", a);
			pos[(*npos)++] = argv[i];
			continue;
		}
		a += shrt ? 1 : 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (size_t k = 0; k < n; k++)
			if (named(flags[k].name, a, len, shrt))
				f = &flags[k];
		if (f == NULL)
			return cf_err_set(CF_EINVAL, "unknown flag %s%.*s (see --help)", shrt ? "-" : "--", (int)len, a);
		if (eq)
			v = eq + 1;
		else if (f->kind != CF_FLAG_BOOL) {
			if (i + 1 >= argc)
				return cf_err_set(CF_EINVAL, "%s%.*s needs a value", shrt ? "-" : "--", (int)len, a);
			v = argv[++i];
		}
		if ((rc = set_value(f, v)) < 0)
			return rc;
	}
	return 0;
}

int cf_flags_parse(const cf_flag *flags, size_t n, int argc, char **argv, const char *usage)
{
	return cf_flags_parse_pos(flags, n, argc, argv, usage, NULL, 0, NULL);
}

void cf_flags_usage(FILE *out, const cf_flag *flags, size_t n, const char *usage)
{
	fprintf(out, "%s\n\nflags:\n", usage);
	for (size_t i = 0; i < n; i++) {
		const cf_flag *f = &flags[i];
		const char *bar = strchr(f->name, '|');
		char name[64];
		if (bar)
			snprintf(name, sizeof(name), "-%s, --%.*s", bar + 1, (int)(bar - f->name), f->name);
		else
			snprintf(name, sizeof(name), "    --%s", f->name);
		fprintf(out, "  %-28s %s", name, f->help);
		switch (f->kind) {
		case CF_FLAG_STRING:
			if (*(const char **)f->value)
				fprintf(out, " (default \"%s\")", *(const char **)f->value);
			break;
		case CF_FLAG_BOOL:
			fprintf(out, " (default %s)", *(int *)f->value ? "true" : "false");
			break;
		case CF_FLAG_DURATION:
			fprintf(out, " (default %ldms)", *(long *)f->value);
			break;
		case CF_FLAG_LIST:
		case CF_FLAG_ARRAY:
			fprintf(out, " (repeatable)");
			break;
		default:
			fprintf(out, " (default %ld)", *(long *)f->value);
		}
		fputc('\n', out);
	}
}
