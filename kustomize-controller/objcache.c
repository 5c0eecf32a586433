/* kustomize-controller/objcache.c - last-applied state per object, for skipping and for drift. */
#include "objcache.h"

#include "apply/apply.h"
#include "util/alloc.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cf_objcache {
	pthread_mutex_t mu;
	json_t *entries;   /* inventory id -> {owner, desired, content, dirty} */
	json_t *watched;   /* "apiVersion/kind" -> true */
};

int cf_objcache_new(cf_objcache **out)
{
	cf_objcache *c = cf_calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return -1;
	c->entries = json_object();
	c->watched = json_object();
	if (c->entries == NULL || c->watched == NULL) {
		cf_objcache_free(c);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return 0;
}

void cf_objcache_free(cf_objcache *c)
{
	if (c == NULL)
		return;
	json_decref(c->entries);
	json_decref(c->watched);
	pthread_mutex_destroy(&c->mu);
	cf_free(c);
}

static void hash_of(char out[72], const json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

	cf_sha256_of(out, text ? text : "", text ? strlen(text) : 0);
	free(text);
}

/* The hash of what someone could change on purpose: not status, not the server's bookkeeping. */
static void content_hash(char out[72], const json_t *live)
{
	json_t *c = json_deep_copy(live), *md = json_object_get(c, "metadata");

	json_object_del(c, "status");
	json_object_del(md, "managedFields");
	json_object_del(md, "resourceVersion");
	json_object_del(md, "generation");
	hash_of(out, c);
	json_decref(c);
}

static int watched(cf_objcache *c, const json_t *obj)
{
	char key[512];

	snprintf(key, sizeof(key), "%s/%s", cf_json_str(obj, "apiVersion") ? cf_json_str(obj, "apiVersion") : "",
		 cf_json_str(obj, "kind") ? cf_json_str(obj, "kind") : "");
	return json_object_get(c->watched, key) != NULL;
}

void cf_objcache_applied(cf_objcache *c, const char *owner, const json_t *desired, const json_t *live)
{
	char id[600], d[72], h[72];
	json_t *e;

	if (cf_apply_inventory_id(id, sizeof(id), desired) < 0 || !json_is_object(live))
		return;
	hash_of(d, desired);
	content_hash(h, live);
	e = json_pack("{s:s,s:s,s:s,s:b}", "owner", owner, "desired", d, "content", h, "dirty", 0);
	pthread_mutex_lock(&c->mu);
	if (e)
		json_object_set_new(c->entries, id, e);
	pthread_mutex_unlock(&c->mu);
}

int cf_objcache_unchanged(cf_objcache *c, const json_t *desired)
{
	char id[600], d[72];
	const json_t *e;
	int same;

	if (cf_apply_inventory_id(id, sizeof(id), desired) < 0)
		return 0;
	hash_of(d, desired);
	pthread_mutex_lock(&c->mu);
	e = json_object_get(c->entries, id);
	same = e && watched(c, desired) && !json_is_true(json_object_get(e, "dirty")) &&
	       strcmp(cf_json_str(e, "desired"), d) == 0;
	pthread_mutex_unlock(&c->mu);
	return same;
}

int cf_objcache_observe(cf_objcache *c, const char *type, const json_t *live, char *owner, size_t owner_size,
			char *what, size_t what_size)
{
	const json_t *md = json_object_get(live, "metadata");
	char id[600], h[72];
	json_t *e;
	int drift = 0, deleted = strcmp(type, "DELETED") == 0;

	if (cf_apply_inventory_id(id, sizeof(id), live) < 0)
		return 0;
	if (!deleted)
		content_hash(h, live);
	pthread_mutex_lock(&c->mu);
	e = json_object_get(c->entries, id);
	if (e && (deleted || strcmp(cf_json_str(e, "content"), h) != 0)) {
		drift = !json_is_true(json_object_get(e, "dirty"));
		json_object_set_new(e, "dirty", json_true());
		snprintf(owner, owner_size, "%s", cf_json_str(e, "owner"));
		snprintf(what, what_size, "%s/%s%s%s %s", cf_json_str(live, "kind"), cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : "",
			 cf_json_str(md, "namespace") ? "/" : "", cf_json_str(md, "name"), deleted ? "deleted" : "modified");
	}
	pthread_mutex_unlock(&c->mu);
	return drift;
}

void cf_objcache_set_watched(cf_objcache *c, const char *api_version, const char *kind, int on)
{
	char key[512];

	snprintf(key, sizeof(key), "%s/%s", api_version, kind);
	pthread_mutex_lock(&c->mu);
	if (on)
		json_object_set_new(c->watched, key, json_true());
	else
		json_object_del(c->watched, key);
	pthread_mutex_unlock(&c->mu);
}

void cf_objcache_forget_id(cf_objcache *c, const char *id)
{
	pthread_mutex_lock(&c->mu);
	json_object_del(c->entries, id);
	pthread_mutex_unlock(&c->mu);
}

size_t cf_objcache_len(cf_objcache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = json_object_size(c->entries);
	pthread_mutex_unlock(&c->mu);
	return n;
}
