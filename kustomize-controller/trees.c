/* kustomize-controller/trees.c - unpacked artifacts shared by digest (trees.h). */
#include "trees.h"

#include "util/alloc.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* At most this many trees are kept; a fleet's burst is of one revision, a few sources at most. */
#define KS_TREES_MAX 8

typedef struct kept {
	char digest[80];
	cf_tree *t;
	int refs;
	unsigned long long used;   /* the cache's clock at its last get or add: the LRU order */
} kept;

struct ks_trees {
	pthread_mutex_t mu;
	kept v[KS_TREES_MAX];
	size_t n;
	size_t max_idle_bytes;
	unsigned long long clock;
};

int ks_trees_new(ks_trees **out, size_t max_idle_bytes)
{
	ks_trees *c = cf_calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	c->max_idle_bytes = max_idle_bytes;
	*out = c;
	return 0;
}

void ks_trees_free(ks_trees *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		cf_tree_free(c->v[i].t);
	pthread_mutex_destroy(&c->mu);
	cf_free(c);
}

static void drop(ks_trees *c, size_t i)
{
	cf_tree_free(c->v[i].t);
	c->v[i] = c->v[--c->n];
}

/* Frees trees nobody holds: all of them (all), else the least recently used while there are
 * more than max_idle_bytes of them, or no free slot (room). Under c->mu. */
static void trim(ks_trees *c, int all, int room)
{
	for (;;) {
		size_t idle = 0, lru = c->n;
		for (size_t i = 0; i < c->n; i++) {
			if (c->v[i].refs > 0)
				continue;
			if (all) {
				drop(c, i--);
				continue;
			}
			idle += cf_tree_bytes(c->v[i].t);
			if (lru == c->n || c->v[i].used < c->v[lru].used)
				lru = i;
		}
		if (all || lru == c->n || (idle <= c->max_idle_bytes && !(room && c->n == KS_TREES_MAX)))
			return;
		drop(c, lru);
	}
}

/* The tree of digest, held, or NULL. Under c->mu. */
static cf_tree *hold(ks_trees *c, const char *digest)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].digest, digest) == 0) {
			c->v[i].refs++;
			c->v[i].used = ++c->clock;
			return c->v[i].t;
		}
	return NULL;
}

cf_tree *ks_trees_get(ks_trees *c, const char *digest)
{
	cf_tree *t;

	if (c == NULL)
		return NULL;
	pthread_mutex_lock(&c->mu);
	t = hold(c, digest);
	pthread_mutex_unlock(&c->mu);
	return t;
}

cf_tree *ks_trees_add(ks_trees *c, const char *digest, cf_tree *t)
{
	cf_tree *have;

	if (c == NULL)
		return t;
	pthread_mutex_lock(&c->mu);
	/* looked up and added under one lock: two reconciles that unpacked the same archive at
	 * once keep one tree, the first's */
	if ((have = hold(c, digest)) != NULL) {
		pthread_mutex_unlock(&c->mu);
		cf_tree_free(t);
		return have;
	}
	trim(c, 0, 1);
	if (c->n < KS_TREES_MAX && strlen(digest) < sizeof(c->v[0].digest)) {
		kept *k = &c->v[c->n++];
		snprintf(k->digest, sizeof(k->digest), "%s", digest);
		k->t = t;
		k->refs = 1;
		k->used = ++c->clock;
	}
	/* else every slot is held (or the digest is longer than a sha256 one): t is
	 * not kept, and its release frees it */
	pthread_mutex_unlock(&c->mu);
	return t;
}

void ks_trees_release(ks_trees *c, cf_tree *t, int more_due)
{
	int found = 0;

	if (t == NULL)
		return;
	if (c == NULL) {
		cf_tree_free(t);
		return;
	}
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n && !found; i++)
		if (c->v[i].t == t) {
			c->v[i].refs--;
			found = 1;
		}
	trim(c, !more_due, 0);
	pthread_mutex_unlock(&c->mu);
	if (!found)
		cf_tree_free(t);
}

size_t ks_trees_len(ks_trees *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}
