/* tests/unit/test_trees.c - unpacked artifacts shared by digest (kustomize-controller/trees.h):
 * held trees stay, the last release with nothing due frees, a second unpack of the same digest
 * gives way to the first, and the idle bytes and the slots are bounded (least recently used
 * first). Leaks show under the sanitizer build. */
#include "kustomize-controller/trees.h"
#include "source/artifact.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/cflux-trees-XXXXXX";
static int made;

/* The tar.gz of one file of size bytes, written as the source-controller writes artifacts. */
static int archive_of(cf_buf *b, size_t size)
{
	cf_artifact_writer *w = NULL;
	char digest[72], p[600], *data = malloc(size);
	int rc = -1;

	if (!made)
		made = mkdtemp(dir) != NULL;
	CHECK(made && data != NULL);
	if (made && data != NULL) {
		memset(data, 'x', size);
		CHECK_OK(cf_artifact_writer_open(&w, dir, "a.tar.gz", 1u << 24));
		CHECK_OK(cf_artifact_writer_add_file(w, "f.yaml", 0, data, size));
		CHECK_OK(cf_artifact_writer_commit(w, digest, NULL));
		cf_artifact_writer_free(w);
		snprintf(p, sizeof(p), "%s/a.tar.gz", dir);
		cf_buf_reset(b);
		rc = cf_buf_read_file(b, p);
		CHECK_OK(rc);
		unlink(p);
	}
	free(data);
	return rc;
}

/* A tree of one file of size bytes, unpacked from a real artifact. */
static cf_tree *tree_of(size_t size)
{
	cf_buf b = CF_BUF_INIT(1u << 24);
	cf_tree *t = NULL;

	if (archive_of(&b, size) == 0)
		CHECK_OK(cf_tree_unpack(&t, b.data, b.len, 1u << 24, 10));
	cf_buf_free(&b);
	return t;
}

static void trees_shared_while_held_or_due(void)
{
	ks_trees *c = NULL;
	cf_tree *t, *u, *dup;

	CHECK_OK(ks_trees_new(&c, 1u << 20));
	CHECK(ks_trees_get(c, "sha256:a") == NULL);
	t = ks_trees_add(c, "sha256:a", tree_of(100));
	CHECK(t != NULL && ks_trees_len(c) == 1);
	u = ks_trees_get(c, "sha256:a");
	CHECK(u == t);
	/* a second reconcile unpacked the same archive meanwhile: the first tree wins */
	dup = ks_trees_add(c, "sha256:a", tree_of(100));
	CHECK(dup == t && ks_trees_len(c) == 1);
	ks_trees_release(c, dup, 0);
	ks_trees_release(c, u, 0);
	CHECK(ks_trees_len(c) == 1);   /* still held by the first */
	ks_trees_release(c, t, 1);
	CHECK(ks_trees_len(c) == 1);   /* nobody holds it, more work is due: kept */
	t = ks_trees_get(c, "sha256:a");
	CHECK(t != NULL);
	ks_trees_release(c, t, 0);
	CHECK(ks_trees_len(c) == 0);   /* nothing due: freed */
	CHECK(ks_trees_get(c, "sha256:a") == NULL);
	/* given back to the controller's end: freed with the cache */
	t = ks_trees_add(c, "sha256:b", tree_of(100));
	ks_trees_release(c, t, 1);
	CHECK(ks_trees_len(c) == 1);
	ks_trees_free(c);
}

static void trees_bounded_idle_bytes_and_slots(void)
{
	ks_trees *c = NULL;
	cf_tree *held[9], *t;
	size_t one;
	char d[32];

	t = tree_of(4096);
	one = t ? cf_tree_bytes(t) : 0;
	CHECK(one >= 4096);
	/* room for two idle trees: the least recently used goes when a third is given back */
	CHECK_OK(ks_trees_new(&c, 2 * one + one / 2));
	ks_trees_release(c, ks_trees_add(c, "sha256:a", t), 1);
	ks_trees_release(c, ks_trees_add(c, "sha256:b", tree_of(4096)), 1);
	t = ks_trees_get(c, "sha256:a");   /* a is now more recent than b */
	ks_trees_release(c, t, 1);
	ks_trees_release(c, ks_trees_add(c, "sha256:c", tree_of(4096)), 1);
	CHECK(ks_trees_len(c) == 2);
	CHECK((t = ks_trees_get(c, "sha256:b")) == NULL);
	CHECK((t = ks_trees_get(c, "sha256:a")) != NULL);
	ks_trees_release(c, t, 1);
	CHECK((t = ks_trees_get(c, "sha256:c")) != NULL);
	ks_trees_release(c, t, 0);
	CHECK(ks_trees_len(c) == 0);
	ks_trees_free(c);

	/* a tree larger than the idle budget is shared while held, and freed once given back */
	CHECK_OK(ks_trees_new(&c, 16));
	t = ks_trees_add(c, "sha256:big", tree_of(4096));
	CHECK(ks_trees_get(c, "sha256:big") == t);
	ks_trees_release(c, t, 1);
	ks_trees_release(c, t, 1);
	CHECK(ks_trees_len(c) == 0);
	ks_trees_free(c);

	/* every slot held: a ninth tree is used unkept, and its release frees it */
	CHECK_OK(ks_trees_new(&c, 1u << 20));
	for (int i = 0; i < 9; i++) {
		snprintf(d, sizeof(d), "sha256:%d", i);
		held[i] = ks_trees_add(c, d, tree_of(10));
		CHECK(held[i] != NULL);
	}
	CHECK(ks_trees_len(c) == 8);
	CHECK(ks_trees_get(c, "sha256:8") == NULL);
	for (int i = 0; i < 9; i++)
		ks_trees_release(c, held[i], 1);
	CHECK(ks_trees_len(c) == 8);
	ks_trees_free(c);

	/* no cache: nothing kept, the tree freed on release */
	CHECK(ks_trees_get(NULL, "sha256:a") == NULL);
	t = ks_trees_add(NULL, "sha256:a", tree_of(10));
	CHECK(t != NULL);
	ks_trees_release(NULL, t, 1);
	if (made)
		rmdir(dir);
}

/* Reconciles that unpacked the same archive add it at once: one tree is kept, all use it, the
 * others are freed (the sanitizer build sees a leak or a double free). The lookup and the add
 * share one lock; the window this guards is too short for a test to hit reliably (the version
 * with two locks passed this too), so this checks the contract under concurrency, not the race. */
#define RACERS 8
static ks_trees *race_cache;
static cf_tree *race_in[RACERS], *race_out[RACERS];
static pthread_barrier_t race_start;

static void *racer(void *arg)
{
	size_t i = (size_t)arg;

	pthread_barrier_wait(&race_start);
	race_out[i] = ks_trees_add(race_cache, "sha256:same", race_in[i]);
	return NULL;
}

static void trees_same_digest_added_at_once_kept_once(void)
{
	pthread_t th[RACERS];
	cf_buf b = CF_BUF_INIT(1u << 24);
	int apart = 0, ok = archive_of(&b, 10) == 0;

	for (int round = 0; round < 20 && ok; round++) {
		CHECK_OK(ks_trees_new(&race_cache, 1u << 20));
		for (size_t i = 0; i < RACERS; i++)
			CHECK_OK(cf_tree_unpack(&race_in[i], b.data, b.len, 1u << 24, 10));
		pthread_barrier_init(&race_start, NULL, RACERS);
		for (size_t i = 0; i < RACERS; i++)
			CHECK(pthread_create(&th[i], NULL, racer, (void *)i) == 0);
		for (size_t i = 0; i < RACERS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&race_start);
		apart += ks_trees_len(race_cache) != 1;
		for (size_t i = 1; i < RACERS; i++)
			apart += race_out[i] != race_out[0];
		for (size_t i = 0; i < RACERS; i++)
			ks_trees_release(race_cache, race_out[i], 0);
		CHECK(ks_trees_len(race_cache) == 0);
		ks_trees_free(race_cache);
	}
	CHECK(ok && apart == 0);
	cf_buf_free(&b);
}

static const cf_test_case cases[] = {
	{ "trees_bounded_idle_bytes_and_slots", trees_bounded_idle_bytes_and_slots },
	{ "trees_same_digest_added_at_once_kept_once", trees_same_digest_added_at_once_kept_once },
	{ "trees_shared_while_held_or_due", trees_shared_while_held_or_due },
};
CF_TEST_MAIN(cases)
