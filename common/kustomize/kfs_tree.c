/* common/kustomize/kfs_tree.c - the kustomize filesystem over an artifact unpacked in memory. */
#include "kustomize/kustomize.h"

#include "source/tree.h"
#include "util/err.h"

static int tree_read(void *ctx, const char *path, cf_buf *out)
{
	size_t len;
	const unsigned char *d = cf_tree_get(ctx, path, &len);

	return d ? cf_buf_append(out, d, len) : CF_ENOTFOUND;
}

static int tree_stat(void *ctx, const char *path)
{
	const cf_tree *t = ctx;

	if (cf_tree_is_dir(t, path))
		return 1;
	return cf_tree_get(t, path, NULL) ? 0 : CF_ENOTFOUND;
}

static int tree_list(void *ctx, const char *dir, json_t **names)
{
	int rc = cf_tree_list(ctx, dir, names);

	if (rc == 0)
		cf_kfs_sort_names(*names);
	return rc;
}

void cf_kfs_tree(cf_kfs *fs, cf_tree *t)
{
	fs->read = tree_read;
	fs->stat = tree_stat;
	fs->ctx = t;
	fs->list = tree_list;
}
