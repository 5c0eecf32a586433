/* cli/migrate_scan.h - flux migrate's file-system mode without I/O: the scan of a YAML file's
 * lines for the apiVersion of a Flux kind that is not the latest of a Flux release (an
 * "apiVersion: " line followed at once by a "kind: " line, read as flux reads them), and the
 * rewrite that replaces the old version in those lines alone, leaving every other byte.
 * Fuzzed (tests/fuzz/fuzz_migrate.c). */
#ifndef CFLUX_CLI_MIGRATE_SCAN_H
#define CFLUX_CLI_MIGRATE_SCAN_H

#include "util/buf.h"

#include <stddef.h>

/* One row of a release's table: the latest version of group/kind. */
typedef struct cli_migrate_version {
	const char *group, *kind, *version;
} cli_migrate_version;

typedef struct cli_migrate_upgrade {
	size_t line;                 /* 0-based */
	char kind[256], old_version[1024];
	const char *new_version;     /* the table's */
} cli_migrate_upgrade;

/* Called for an apiVersion that is no group/version ("a/b/c"): its 0-based line and text. */
typedef void (*cli_migrate_warn_fn)(void *payload, size_t line, const char *group_version);

/* The upgrades in text against latest (ended by a NULL group) into *ups (freed with cf_free;
 * NULL when none) and *n. 0, or CF_ENOMEM. */
int cli_migrate_scan(cli_migrate_upgrade **ups, size_t *n, const char *text, size_t len,
		     const cli_migrate_version *latest, cli_migrate_warn_fn warn, void *payload);

/* text with each upgrade's line (ups in line order, as scanned) getting its first occurrence of
 * the old version replaced by the new one (flux's strings.Replace(line, old, new, 1)), appended
 * to out. 0, or out's error (CF_ETOOBIG, CF_ENOMEM). */
int cli_migrate_rewrite(cf_buf *out, const char *text, size_t len, const cli_migrate_upgrade *ups, size_t n);

#endif
