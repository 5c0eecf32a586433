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

/* Per object: owner, desired (hash of what was applied), fields (the fieldsV1 set our field
 * manager owned right after the apply, shared by all objects of the same shape through
 * fieldsets) and fh (its hash), content (hash of the live object's values at those fields; of
 * the whole object without status when the server kept no managedFields), dirty. */
struct cf_objcache {
	pthread_mutex_t mu;
	json_t *entries;   /* inventory id -> {owner, desired, fields, fh, content, dirty} */
	json_t *fieldsets; /* fh -> fieldsV1 set, one per distinct set */
	json_t *watched;   /* "apiVersion/kind" -> true */
	json_t *builds;    /* owner -> hash of the input of its last whole apply */
};

int cf_objcache_new(cf_objcache **out)
{
	cf_objcache *c = cf_calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return -1;
	c->entries = json_object();
	c->fieldsets = json_object();
	c->watched = json_object();
	c->builds = json_object();
	if (c->entries == NULL || c->fieldsets == NULL || c->watched == NULL || c->builds == NULL) {
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
	json_decref(c->fieldsets);
	json_decref(c->watched);
	json_decref(c->builds);
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
	json_t *c = cf_apply_comparable(live);

	hash_of(out, c);
	json_decref(c);
}

/* The fieldsV1 set of our field manager's Apply entry in live's managedFields, or NULL. */
static json_t *owned_fields(const json_t *live)
{
	const json_t *mf = json_object_get(json_object_get(live, "metadata"), "managedFields"), *e;
	size_t i;

	json_array_foreach(mf, i, e) {
		const char *m = cf_json_str(e, "manager"), *op = cf_json_str(e, "operation");
		if (m && op && strcmp(m, CF_APPLY_FIELD_MANAGER) == 0 && strcmp(op, "Apply") == 0 &&
		    json_is_object(json_object_get(e, "fieldsV1")))
			return json_object_get(e, "fieldsV1");
	}
	return NULL;
}

/* The element of list v whose fields equal those of key ("k:" of fieldsV1, JSON), or NULL. */
static const json_t *element_by_key(const json_t *v, const char *key)
{
	json_t *want = json_loads(key, 0, NULL), *el, *kv;
	const json_t *found = NULL;
	const char *k;
	size_t i;

	json_array_foreach(v, i, el) {
		int match = json_is_object(want);
		json_object_foreach(want, k, kv)
			match = match && json_equal(json_object_get(el, k), kv);
		if (match) {
			found = el;
			break;
		}
	}
	json_decref(want);
	return found;
}

static int list_holds(const json_t *v, const char *value)
{
	json_t *want = json_loads(value, JSON_DECODE_ANY, NULL), *el;
	size_t i;
	int found = 0;

	json_array_foreach(v, i, el)
		found = found || json_equal(el, want);
	json_decref(want);
	return found;
}

/* The values of v at the paths of the fieldsV1 set fs ("f:" fields, "k:" keyed and "v:" set
 * list elements, "i:" indices); what is missing is a marker, so that a removed field differs. */
static json_t *project(const json_t *v, const json_t *fs)
{
	const char *k;
	json_t *sub, *out;

	if (v == NULL)
		return json_string("\001absent");
	if (json_object_size(fs) == 0 || (json_object_size(fs) == 1 && json_object_get(fs, ".")))
		return json_incref((json_t *)v);
	if ((out = json_object()) == NULL)
		return NULL;
	json_object_foreach((json_t *)fs, k, sub) {
		json_t *part = NULL;
		if (strncmp(k, "f:", 2) == 0)
			part = project(json_object_get(v, k + 2), sub);
		else if (strncmp(k, "k:", 2) == 0)
			part = project(element_by_key(v, k + 2), sub);
		else if (strncmp(k, "v:", 2) == 0)
			part = json_boolean(list_holds(v, k + 2));
		else if (strncmp(k, "i:", 2) == 0)
			part = project(json_array_get(v, (size_t)strtoul(k + 2, NULL, 10)), sub);
		else
			continue;
		if (part == NULL || json_object_set_new(out, k, part) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* The content hash of live: its values at fields fs, or (fs NULL) all but status. */
static void owned_hash(char out[72], const json_t *live, const json_t *fs)
{
	json_t *p = fs ? project(live, fs) : NULL;

	if (p)
		hash_of(out, p);
	else
		content_hash(out, live);
	json_decref(p);
}

/* Drops e's reference to its field set, and the set when no other entry holds it. Locked. */
static void release_fields(cf_objcache *c, const json_t *e)
{
	const char *fh = cf_json_str(e, "fh");
	const json_t *fs = fh ? json_object_get(c->fieldsets, fh) : NULL;

	if (fs && fs->refcount <= 2)   /* the table's and e's */
		json_object_del(c->fieldsets, fh);
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
	char id[600], d[72], h[72], fh[72];
	json_t *e, *fs, *old;

	if (cf_apply_inventory_id(id, sizeof(id), desired) < 0 || !json_is_object(live))
		return;
	fs = owned_fields(live);
	hash_of(d, desired);
	owned_hash(h, live, fs);
	if (fs)
		hash_of(fh, fs);
	e = json_pack("{s:s,s:s,s:s,s:b}", "owner", owner, "desired", d, "content", h, "dirty", 0);
	pthread_mutex_lock(&c->mu);
	if (e && fs) {
		json_t *shared = json_object_get(c->fieldsets, fh);
		if (shared == NULL && json_object_set(c->fieldsets, fh, fs) == 0)
			shared = fs;
		if (shared == NULL || json_object_set(e, "fields", shared) < 0 || json_object_set_new(e, "fh", json_string(fh)) < 0) {
			json_decref(e);
			e = NULL;
		}
	}
	if ((old = json_object_get(c->entries, id)) != NULL)
		release_fields(c, old);
	if (e)
		json_object_set_new(c->entries, id, e);
	else
		json_object_del(c->entries, id);
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
	json_t *e, *fs = NULL;
	int drift = 0, deleted = strcmp(type, "DELETED") == 0;

	if (cf_apply_inventory_id(id, sizeof(id), live) < 0)
		return 0;
	/* only the fields we owned when we applied count: what other managers (a token
	 * controller, kubectl label, a webhook) set beside them, and status, are not drift */
	pthread_mutex_lock(&c->mu);
	e = json_object_get(c->entries, id);
	if (e == NULL) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	fs = json_incref(json_object_get(e, "fields"));
	pthread_mutex_unlock(&c->mu);
	if (!deleted)
		owned_hash(h, live, fs);
	json_decref(fs);
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

void cf_objcache_forget_id(cf_objcache *c, const char *owner, const char *id)
{
	const json_t *e;

	pthread_mutex_lock(&c->mu);
	e = json_object_get(c->entries, id);
	if (e && (owner == NULL || (cf_json_str(e, "owner") && strcmp(cf_json_str(e, "owner"), owner) == 0))) {
		release_fields(c, e);
		json_object_del(c->entries, id);
	}
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

void cf_objcache_built(cf_objcache *c, const char *owner, const char *input)
{
	pthread_mutex_lock(&c->mu);
	if (input == NULL || json_object_set_new(c->builds, owner, json_string(input)) < 0)
		json_object_del(c->builds, owner);
	pthread_mutex_unlock(&c->mu);
}

int cf_objcache_clean(cf_objcache *c, const char *owner, const json_t *inventory, const char *input)
{
	const json_t *v, *e;
	const char *built;
	size_t i;
	int clean;

	pthread_mutex_lock(&c->mu);
	built = cf_json_str(c->builds, owner);
	clean = built && strcmp(built, input) == 0 && json_is_array(inventory);
	json_array_foreach(inventory, i, v) {
		const char *id = cf_json_str(v, "id");
		cf_apply_id x;
		char key[512];
		if (!clean)
			break;
		e = id ? json_object_get(c->entries, id) : NULL;
		clean = e && cf_json_str(e, "owner") && strcmp(cf_json_str(e, "owner"), owner) == 0 &&
			!json_is_true(json_object_get(e, "dirty")) && cf_apply_id_parse(&x, id) == 0 && cf_json_str(v, "v");
		if (clean) {
			snprintf(key, sizeof(key), "%s%s%s/%s", x.group, x.group[0] ? "/" : "", cf_json_str(v, "v"), x.kind);
			clean = json_object_get(c->watched, key) != NULL;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return clean;
}
