/* image-automation-controller/tagstore.c - the tag store file (tagstore.h). */
#include "tagstore.h"

#include "source/artifact.h"
#include "source/oci.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int iac_tags_path(char *dir, size_t dir_size, char *file, size_t file_size, const char *storage,
		  const char *ns, const char *name)
{
	int n = snprintf(dir, dir_size, "%s/imagerepository/%s/%s", storage, ns, name);

	if (n < 0 || (size_t)n >= dir_size)
		return cf_err_set(CF_EINVAL, "storage path for %s/%s is too long", ns, name);
	n = snprintf(file, file_size, "%s/tags", dir);
	if (n < 0 || (size_t)n >= file_size)
		return cf_err_set(CF_EINVAL, "storage path for %s/%s is too long", ns, name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int iac_tags_encode(cf_buf *out, const json_t *tags, size_t max_tags)
{
	size_t n = json_array_size(tags), i, kept = 0;
	const char **v;
	int rc = 0;

	cf_buf_reset(out);
	if (n > max_tags)
		return cf_err_set(CF_ETOOBIG, "%zu tags, more than the %zu kept (--tags-max)", n, max_tags);
	if ((v = cf_calloc(n ? n : 1, sizeof(*v))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		v[i] = json_string_value(json_array_get(tags, i));
		if (v[i] == NULL || !cf_oci_tag_valid(v[i])) {
			rc = cf_err_set(CF_EINVAL, "'%.*s' is not a valid tag", 130, v[i] ? v[i] : "(not a string)");
			goto out;
		}
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		kept += i == 0 || strcmp(v[i], v[i - 1]) != 0;
	if ((rc = cf_buf_printf(out, IAC_TAGS_MAGIC "%zu\n", kept)) < 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			rc = cf_buf_printf(out, "%s\n", v[i]);
	if (rc < 0)
		cf_err_set(rc, "tag store: %s", rc == CF_ETOOBIG ? "too big" : "out of memory");
out:
	cf_free(v);
	return rc;
}

/* the count of the header line, which ends at *end */
static int parse_header(size_t *count, const char *data, size_t len, const char **end)
{
	size_t mlen = strlen(IAC_TAGS_MAGIC), c = 0, digits = 0;
	const char *p;

	if (len < mlen || memcmp(data, IAC_TAGS_MAGIC, mlen) != 0)
		return cf_err_set(CF_EINVAL, "tag store: not a '%s<count>' file", IAC_TAGS_MAGIC);
	for (p = data + mlen; p < data + len && *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
		c = c * 10 + (size_t)(*p - '0');
	if (digits == 0 || p >= data + len || *p != '\n')
		return cf_err_set(CF_EINVAL, "tag store: bad count in the header");
	*count = c;
	*end = p + 1;
	return 0;
}

int iac_tags_parse(json_t **tags, const char *data, size_t len, size_t max_tags)
{
	const char *p = data, *end = data + len, *prev = NULL, *nl;
	size_t count = 0, i, prev_len = 0;
	char tag[IAC_TAG_LEN_MAX + 1];
	json_t *out = NULL;
	int rc;

	*tags = NULL;
	if ((rc = parse_header(&count, data, len, &p)) < 0)
		return rc;
	if (count > max_tags)
		return cf_err_set(CF_ETOOBIG, "tag store: %zu tags, more than the %zu kept", count, max_tags);
	if ((out = json_array()) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		size_t n;
		if (p >= end || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			rc = cf_err_set(CF_EINVAL, "tag store: %zu tags found, the header says %zu", i, count);
			goto out;
		}
		n = (size_t)(nl - p);
		if (n == 0 || n > IAC_TAG_LEN_MAX) {
			rc = cf_err_set(CF_EINVAL, "tag store: line %zu is not a tag", i + 2);
			goto out;
		}
		memcpy(tag, p, n);
		tag[n] = '\0';
		if (!cf_oci_tag_valid(tag)) {
			rc = cf_err_set(CF_EINVAL, "tag store: line %zu is not a tag", i + 2);
			goto out;
		}
		if (prev && (strncmp(prev, tag, prev_len < n ? prev_len : n) > 0 ||
			     (strncmp(prev, tag, prev_len < n ? prev_len : n) == 0 && prev_len >= n))) {
			rc = cf_err_set(CF_EINVAL, "tag store: line %zu is out of order", i + 2);
			goto out;
		}
		if (json_array_append_new(out, json_string(tag)) < 0) {
			rc = cf_err_set(CF_ENOMEM, "out of memory");
			goto out;
		}
		prev = p;
		prev_len = n;
		p = nl + 1;
	}
	if (p != end) {
		rc = cf_err_set(CF_EINVAL, "tag store: bytes after the %zu tags", count);
		goto out;
	}
	*tags = out;
	out = NULL;
out:
	json_decref(out);
	return rc;
}

int iac_tags_load(json_t **tags, const char *file, size_t max_tags)
{
	cf_buf b = CF_BUF_INIT(sizeof(IAC_TAGS_MAGIC) + 24 + max_tags * (IAC_TAG_LEN_MAX + 1));
	int rc;

	*tags = NULL;
	if ((rc = cf_buf_read_file(&b, file)) == 0 && (rc = iac_tags_parse(tags, b.data ? b.data : "", b.len, max_tags)) < 0)
		cf_err_prefix("%s", file);
	cf_buf_free(&b);
	return rc;
}

int iac_tags_store(int *changed, const char *dir, const char *file, const json_t *tags, size_t max_tags)
{
	size_t cap = sizeof(IAC_TAGS_MAGIC) + 24 + max_tags * (IAC_TAG_LEN_MAX + 1);
	cf_buf now = CF_BUF_INIT(cap), old = CF_BUF_INIT(cap);
	int rc;

	*changed = 0;
	if ((rc = iac_tags_encode(&now, tags, max_tags)) < 0)
		goto out;
	rc = cf_buf_read_file(&old, file);
	if (rc == 0 && old.len == now.len && memcmp(old.data, now.data, now.len) == 0)
		goto out;
	cf_err_clear();
	if ((rc = cf_artifact_write_bytes(dir, "tags", now.data, now.len)) == 0)
		*changed = 1;
out:
	cf_buf_free(&now);
	cf_buf_free(&old);
	return rc;
}
