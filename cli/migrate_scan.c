/* cli/migrate_scan.c - the line scan and rewrite of flux migrate -f. */
#include "migrate_scan.h"

#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

/* Go's strings.TrimSpace for ASCII, then the text up to the first space (flux's
 * strings.Split(TrimSpace(v), " ")[0]), into out; 0, or -1 when it does not fit (no Flux
 * group, version or kind is that long, so the line is no Flux object's). */
static int first_word(char *out, size_t size, const char *s, size_t len)
{
	size_t n;

	while (len && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++, len--;
	while (len && (s[len - 1] == ' ' || (s[len - 1] >= '\t' && s[len - 1] <= '\r')))
		len--;
	for (n = 0; n < len && s[n] != ' '; n++)
		;
	if (n >= size)
		return -1;
	snprintf(out, size, "%.*s", (int)n, s);
	return 0;
}

/* The value after "prefix" in the line [s, s + len), as flux reads it; 0 when absent (or too
 * long to be a Flux one). */
static int value_after(char *out, size_t size, const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	for (size_t i = 0; i + pl <= len; i++)
		if (memcmp(s + i, prefix, pl) == 0)
			return first_word(out, size, s + i + pl, len - i - pl) == 0;
	return 0;
}

static const char *latest_for(const cli_migrate_version *t, const char *group, const char *kind)
{
	for (; t->group; t++)
		if (strcmp(t->group, group) == 0 && strcmp(t->kind, kind) == 0)
			return t->version;
	return NULL;
}

/* apimachinery's ParseGroupVersion: "" and "/" empty, "v1" the core group, "g/v"; more slashes
 * an error (-1). */
static int parse_group_version(char *group, size_t gsize, const char **version, const char *gv)
{
	const char *slash = strchr(gv, '/');

	group[0] = '\0';
	*version = "";
	if (gv[0] == '\0' || strcmp(gv, "/") == 0)
		return 0;
	if (slash == NULL) {
		*version = gv;
		return 0;
	}
	if (strchr(slash + 1, '/'))
		return -1;
	snprintf(group, gsize, "%.*s", (int)(slash - gv), gv);
	*version = slash + 1;
	return 0;
}

int cli_migrate_scan(cli_migrate_upgrade **ups, size_t *n, const char *text, size_t len,
		     const cli_migrate_version *latest, cli_migrate_warn_fn warn, void *payload)
{
	size_t line = 0, cap = 0;
	const char *s = text, *end = text + len;

	*ups = NULL;
	*n = 0;
	for (;; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *le = nl ? nl : end;
		char gv[1024], kind[256], group[1024];
		const char *version, *want;
		if (value_after(gv, sizeof(gv), s, (size_t)(le - s), "apiVersion: ")) {
			if (parse_group_version(group, sizeof(group), &version, gv) < 0) {
				if (warn)
					warn(payload, line, gv);
			} else if (nl) {
				const char *k = nl + 1, *knl = memchr(k, '\n', (size_t)(end - k));
				if (value_after(kind, sizeof(kind), k, (size_t)((knl ? knl : end) - k), "kind: ") &&
				    (want = latest_for(latest, group, kind)) && strcmp(want, version) != 0) {
					if (*n == cap) {
						cli_migrate_upgrade *more = cf_realloc(*ups, (cap ? cap * 2 : 8) * sizeof(*more));
						if (more == NULL) {
							cf_free(*ups);
							*ups = NULL;
							*n = 0;
							return cf_err_set(CF_ENOMEM, "out of memory");
						}
						*ups = more;
						cap = cap ? cap * 2 : 8;
					}
					(*ups)[*n].line = line;
					snprintf((*ups)[*n].kind, sizeof((*ups)[*n].kind), "%s", kind);
					snprintf((*ups)[*n].old_version, sizeof((*ups)[*n].old_version), "%s", version);
					(*ups)[(*n)++].new_version = want;
				}
			}
		}
		if (nl == NULL)
			return 0;
		s = nl + 1;
	}
}

int cli_migrate_rewrite(cf_buf *out, const char *text, size_t len, const cli_migrate_upgrade *ups, size_t n)
{
	const char *s = text, *end = text + len;
	size_t next = 0;
	int rc = 0;

	for (size_t line = 0;; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *le = nl ? nl : end, *hit = NULL;
		size_t ll = (size_t)(le - s), ol = 0;
		if (next < n && ups[next].line == line) {
			const cli_migrate_upgrade *u = &ups[next++];
			ol = strlen(u->old_version);
			for (size_t i = 0; ol && i + ol <= ll && hit == NULL; i++)
				if (memcmp(s + i, u->old_version, ol) == 0)
					hit = s + i;
			if (hit && (rc = cf_buf_append(out, s, (size_t)(hit - s))) == 0 &&
			    (rc = cf_buf_puts(out, u->new_version)) == 0)
				rc = cf_buf_append(out, hit + ol, (size_t)(le - hit - ol));
		}
		if (hit == NULL)
			rc = cf_buf_append(out, s, ll);
		if (rc == 0 && nl)
			rc = cf_buf_putc(out, '\n');
		if (rc < 0 || nl == NULL)
			return rc;
		s = nl + 1;
	}
}
