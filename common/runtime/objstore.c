/* common/runtime/objstore.c - the reconciled objects as their watches last showed them. */
#include "runtime/objstore.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Kind -> "ns/name" -> [resourceVersion as a number (-1: not one), compact JSON] */
static json_t *kinds;

int cf_objstore_keep(const char *kind)
{
	int rc = 0;

	pthread_mutex_lock(&mu);
	if (kinds == NULL)
		kinds = json_object();
	if (kinds == NULL || (json_object_get(kinds, kind) == NULL && json_object_set_new(kinds, kind, json_object()) < 0))
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	pthread_mutex_unlock(&mu);
	return rc;
}

/* metadata.resourceVersion as a number, or -1 */
static json_int_t rv_of(const json_t *obj)
{
	const char *rv = cf_json_str(json_object_get(obj, "metadata"), "resourceVersion");
	char *end;
	unsigned long long v;

	if (rv == NULL || *rv < '0' || *rv > '9')
		return -1;
	errno = 0;
	v = strtoull(rv, &end, 10);
	return errno || *end || v > (unsigned long long)LLONG_MAX ? -1 : (json_int_t)v;
}

/* The kind's table and obj's "ns/name" (ns "" for a cluster-scoped object); NULL when the kind
 * is not kept or obj has no name. Under mu. */
static json_t *table_of(const json_t *obj, char *key, size_t size)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *kind = cf_json_str(obj, "kind"), *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	json_t *t = kinds && kind ? json_object_get(kinds, kind) : NULL;

	if (t == NULL || name == NULL || (size_t)snprintf(key, size, "%s/%s", ns ? ns : "", name) >= size)
		return NULL;
	return t;
}

/* [rv, compact JSON of obj without managedFields], or NULL without memory */
static json_t *entry_of(const json_t *obj, json_int_t rv)
{
	json_t *copy = json_copy((json_t *)obj), *md = json_copy(json_object_get(obj, "metadata")), *e = NULL;
	char *text = NULL;

	if (copy && md) {
		(void)json_object_del(md, "managedFields");   /* -1: there was none */
		if (json_object_set(copy, "metadata", md) == 0 && (text = json_dumps(copy, JSON_COMPACT)) != NULL)
			e = json_pack("[I,s]", rv, text);
	}
	free(text);
	json_decref(md);
	json_decref(copy);
	return e;
}

/* reply: a write's reply (replaces only a kept entry older than it) or a watch event (replaces
 * unless the entry is newer) */
static void put(const json_t *obj, int reply)
{
	char key[600];
	json_t *t, *old, *e;
	json_int_t rv = rv_of(obj), old_rv;

	pthread_mutex_lock(&mu);
	if ((t = table_of(obj, key, sizeof(key))) == NULL) {
		pthread_mutex_unlock(&mu);
		return;
	}
	old = json_object_get(t, key);
	old_rv = old ? json_integer_value(json_array_get(old, 0)) : -1;
	if (reply ? old == NULL || rv < 0 || old_rv < 0 || rv <= old_rv : old != NULL && rv >= 0 && old_rv > rv) {
		pthread_mutex_unlock(&mu);
		return;
	}
	if ((e = entry_of(obj, rv)) == NULL || json_object_set_new(t, key, e) < 0)
		json_object_del(t, key);   /* without memory: read from the API */
	pthread_mutex_unlock(&mu);
}

void cf_objstore_event(const char *type, const json_t *obj)
{
	char key[600];
	json_t *t;

	if (strcmp(type, "DELETED") != 0) {
		put(obj, 0);
		return;
	}
	pthread_mutex_lock(&mu);
	if ((t = table_of(obj, key, sizeof(key))) != NULL)
		json_object_del(t, key);
	pthread_mutex_unlock(&mu);
}

void cf_objstore_written(const json_t *obj)
{
	put(obj, 1);
}

json_t *cf_objstore_get(const char *kind, const char *ns, const char *name)
{
	char key[600];
	json_t *t, *obj = NULL;
	const char *text;

	if ((size_t)snprintf(key, sizeof(key), "%s/%s", ns ? ns : "", name) >= sizeof(key))
		return NULL;
	pthread_mutex_lock(&mu);
	t = kinds ? json_object_get(kinds, kind) : NULL;
	text = json_string_value(json_array_get(json_object_get(t, key), 1));
	if (text)
		obj = json_loads(text, 0, NULL);
	pthread_mutex_unlock(&mu);
	if (obj && json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp")) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

void cf_objstore_reset(void)
{
	pthread_mutex_lock(&mu);
	json_decref(kinds);
	kinds = NULL;
	pthread_mutex_unlock(&mu);
}
