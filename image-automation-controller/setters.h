/* image-automation-controller/setters.h - Flux's Setters update strategy: scalars marked with a
 * line comment `# {"$imagepolicy": "ns:name"}` (or "ns:name:tag", ":name", ":digest") get the
 * latest image of that ImagePolicy. Only the marked scalars change; every other byte of the
 * file stays (comments, order, quoting, flow style, blank lines, CRLF, documents): the scalars
 * are found from libyaml's event marks and their bytes spliced, the file is never re-emitted. */
#ifndef IAC_SETTERS_H
#define IAC_SETTERS_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* The largest file the setters read (Flux reads whole files too; ours are capped). */
#define IUA_SETTERS_MAX_FILE (8u * 1024u * 1024u)

/* Rewrites data (len bytes; name for messages) into out (appended; out's cap applies).
 *
 * policies maps "ns:name" -> {"image": "<repo>", "tag": "<tag>", "digest": "sha256:..." or
 * absent}: the full setter writes image:tag (image:tag@digest with a digest), ":tag" the tag,
 * ":name" the image, ":digest" the digest (no digest: not set). A marker naming no policy, or
 * a value already equal, changes nothing.
 *
 * *changes (if not NULL) gets a new array (the caller's), in file order, one object per
 * scalar rewritten: {"setter": "ns:name[:part]", "old", "new", "start", "end" (byte span in
 * data), "text" (the bytes written in its place), "object": {"apiVersion", "kind", "name",
 * "namespace"} of its document (what is missing is "")}.
 *
 * Returns 0 (out holds the whole file, changed or not), CF_EINVAL when data is not YAML that
 * libyaml reads (the message names name, line and column; out is left as it was), CF_ENOMEM,
 * CF_ETOOBIG. */
int iua_setters_apply(cf_buf *out, json_t **changes, const char *data, size_t len, const char *name,
		      const json_t *policies);

/* The setter name a line comment carries: comment is the text after '#' up to the end of the
 * line; writes "ns:name[:part]" into out (size bytes) and returns 1, or 0 when the comment is
 * no $imagepolicy marker. */
int iua_setters_marker(char *out, size_t size, const char *comment, size_t len);

#endif
