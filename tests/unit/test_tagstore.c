/* tests/unit/test_tagstore.c - image-automation-controller/tagstore.c: the store's bytes, its
 * parser's refusals, and a rewrite only when the tags changed. */
#include "image-automation-controller/tagstore.h"

#include "test.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void encode_sorted_unique(void)
{
	cf_buf b = CF_BUF_INIT(1 << 16);
	json_t *tags = json_pack("[s,s,s,s]", "v2", "1.0.0", "latest", "1.0.0"), *back = NULL;

	CHECK_OK(iac_tags_encode(&b, tags, 10));
	CHECK_STR(b.data, "cflux-tags 1 3\n1.0.0\nlatest\nv2\n");
	CHECK_OK(iac_tags_parse(&back, b.data, b.len, 10));
	CHECK(json_array_size(back) == 3 && strcmp(json_string_value(json_array_get(back, 2)), "v2") == 0);
	json_decref(back);
	CHECK(iac_tags_encode(&b, tags, 3) == CF_ETOOBIG);
	json_array_append_new(tags, json_string("bad tag"));
	CHECK(iac_tags_encode(&b, tags, 10) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "'bad tag' is not a valid tag");
	json_decref(tags);
	cf_buf_free(&b);
}

static void parse_refuses(void)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "", "not a 'cflux-tags 1 <count>' file" },
		{ "cflux-tags 2 0\n", "not a" },
		{ "cflux-tags 1 x\n", "bad count" },
		{ "cflux-tags 1 2\na\n", "1 tags found, the header says 2" },
		{ "cflux-tags 1 1\na\nb\n", "bytes after" },
		{ "cflux-tags 1 2\nb\na\n", "out of order" },
		{ "cflux-tags 1 2\na\na\n", "out of order" },
		{ "cflux-tags 1 1\na b\n", "not a tag" },
		{ "cflux-tags 1 1\n\n", "not a tag" },
		{ "cflux-tags 1 1\na", "tags found" },
		{ "cflux-tags 1 99\n", "more than" },
	};
	json_t *tags = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iac_tags_parse(&tags, bad[i].text, strlen(bad[i].text), 10) >= 0) {
			cf_test_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i].text);
			json_decref(tags);
			continue;
		}
		CHECK(tags == NULL);
		CHECK_CONTAINS(cf_err_msg(), bad[i].why);
	}
	CHECK_OK(iac_tags_parse(&tags, "cflux-tags 1 0\n", 15, 10));
	CHECK(json_array_size(tags) == 0);
	json_decref(tags);
}

static void store_only_on_change(void)
{
	char dir[] = "/tmp/cflux-tagstore-XXXXXX", sub[256], file[300];
	json_t *tags = json_pack("[s,s]", "b", "a"), *same = json_pack("[s,s]", "a", "b"), *loaded = NULL;
	struct stat st1, st2;
	int changed = -1;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_OK(iac_tags_path(sub, sizeof(sub), file, sizeof(file), dir, "ns", "repo"));
	CHECK(iac_tags_load(&loaded, file, 10) == CF_ENOTFOUND);
	CHECK_OK(iac_tags_store(&changed, sub, file, tags, 10));
	CHECK(changed == 1);
	CHECK(stat(file, &st1) == 0);
	CHECK_OK(iac_tags_store(&changed, sub, file, same, 10));   /* the same set */
	CHECK(changed == 0);
	CHECK(stat(file, &st2) == 0 && st1.st_ino == st2.st_ino);
	json_array_append_new(tags, json_string("c"));
	CHECK_OK(iac_tags_store(&changed, sub, file, tags, 10));
	CHECK(changed == 1);
	CHECK_OK(iac_tags_load(&loaded, file, 10));
	CHECK(json_array_size(loaded) == 3);
	json_decref(loaded);
	CHECK(iac_tags_load(&loaded, file, 2) == CF_ETOOBIG && loaded == NULL);
	unlink(file);
	rmdir(sub);
	snprintf(file, sizeof(file), "%s/imagerepository/ns", dir);
	rmdir(file);
	snprintf(file, sizeof(file), "%s/imagerepository", dir);
	rmdir(file);
	rmdir(dir);
	json_decref(tags);
	json_decref(same);
}

static const cf_test_case tests[] = {
	{ "encode_sorted_unique", encode_sorted_unique },
	{ "parse_refuses", parse_refuses },
	{ "store_only_on_change", store_only_on_change },
};
CF_TEST_MAIN(tests)
