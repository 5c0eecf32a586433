/* cli/udiff.h - a unified diff of two texts in process, as `diff -u --label A --label B` prints
 * it, so that `cflux diff` needs neither an external diff nor a shell. */
#ifndef CFLUX_UDIFF_H
#define CFLUX_UDIFF_H

#include "util/buf.h"

/* Past this many differing lines (after the common head and tail are set aside) the middle is
 * shown as all removed and all added: still a correct diff, without quadratic memory. */
#define CLI_UDIFF_MAX_EDITS 2048

/* Appends to out the unified diff of a (alen bytes) and b, with `context` lines of context and
 * the headers "--- label_a" and "+++ label_b". Appends nothing when the texts are equal.
 * Returns 1 when they differ, 0 when equal, CF_ENOMEM, or CF_ETOOBIG from out's cap (out then
 * holds a partial diff that the caller discards). */
int cli_udiff(cf_buf *out, const char *a, size_t alen, const char *b, size_t blen,
	      const char *label_a, const char *label_b, int context);

#endif
