/* tests/fuzz/fuzz_kustomize.c - kustomization.yaml and patch handling on an in-memory tree.
 * The input is split at "\n===\n" into kustomization.yaml, res.yaml, patch.yaml, plugins.yaml
 * (generators/transformers configs, vars, sortOptions) and sub/kustomization.yaml (a directory:
 * a base, a component or a directory of plugin configs). */
#include "kustomize/kustomize.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFILES 5

typedef struct mem_tree {
	const char *names[NFILES];
	const char *data[NFILES];
	size_t len[NFILES];
} mem_tree;

static int mem_read(void *ctx, const char *path, cf_buf *out)
{
	mem_tree *t = ctx;

	for (int i = 0; i < NFILES; i++)
		if (strcmp(path, t->names[i]) == 0)
			return cf_buf_append(out, t->data[i], t->len[i]);
	return -4; /* CF_ENOTFOUND */
}

static int mem_stat(void *ctx, const char *path)
{
	mem_tree *t = ctx;

	if (strcmp(path, ".") == 0 || strcmp(path, "sub") == 0)
		return 1;
	for (int i = 0; i < NFILES; i++)
		if (strcmp(path, t->names[i]) == 0)
			return 0;
	return -4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mem_tree t = { { "kustomization.yaml", "res.yaml", "patch.yaml", "plugins.yaml", "sub/kustomization.yaml" },
		       { "", "", "", "", "" }, { 0, 0, 0, 0, 0 } };
	cf_kfs fs = { mem_read, mem_stat, &t, NULL };
	const char *p = (const char *)data, *end = p + size;
	json_t *out = NULL;

	for (int i = 0; i < NFILES; i++) {
		const char *sep = NULL;
		for (const char *s = p; s + 5 <= end; s++)
			if (memcmp(s, "\n===\n", 5) == 0) {
				sep = s;
				break;
			}
		t.data[i] = p;
		t.len[i] = (size_t)((sep ? sep : end) - p);
		p = sep ? sep + 5 : end;
	}
	if (cf_kustomize_build(&out, &fs, ".") == 0)
		json_decref(out);
	return 0;
}
