/* common/runtime/controller.c - a controller's kind table: work keys and watch events. */
#include "runtime/controller.h"

#include "util/err.h"

#include <stdio.h>
#include <string.h>

const cf_kind_handler *cf_kind_table_find(const cf_kind_table *t, const char *kind)
{
	for (size_t i = 0; kind && i < t->n; i++) {
		const cf_kind *k = cf_kind_get(t->rows[i].kind);
		if (k && strcmp(k->kind, kind) == 0)
			return &t->rows[i];
	}
	return NULL;
}

int cf_work_key(char *key, size_t size, cf_kind_id kind, const char *ns, const char *name)
{
	const cf_kind *k = cf_kind_get(kind);
	int n;

	if (k == NULL)
		return cf_err_set(CF_EINVAL, "work key: kind %d is not in the kind table", (int)kind);
	n = snprintf(key, size, "%s/%s/%s", k->kind, ns, name);
	if (n < 0 || (size_t)n >= size)
		return cf_err_set(CF_EINVAL, "work key %s/%s/%s: longer than %zu bytes", k->kind, ns, name, size - 1);
	return 0;
}

int cf_work_key_parse(char *key, const cf_kind_table *t, const cf_kind_handler **row, const char **ns,
		      const char **name)
{
	char *s1 = strchr(key, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	*row = NULL;
	if (s1 == NULL || s2 == NULL || s1 == key || s2 == s1 + 1 || s2[1] == '\0' || strchr(s2 + 1, '/'))
		return cf_err_set(CF_EINVAL, "work key \"%s\" is not Kind/namespace/name", key);
	*s1 = '\0';
	*row = cf_kind_table_find(t, key);
	if (*row == NULL || (*row)->reconcile == NULL) {
		*s1 = '/';
		*row = NULL;
		return cf_err_set(CF_EINVAL, "work key \"%s\": not a kind this controller reconciles", key);
	}
	*s2 = '\0';
	*ns = s1 + 1;
	*name = s2 + 1;
	return 0;
}

void cf_work_enqueue_name(cf_workqueue *q, cf_kind_id kind, const char *ns, const char *name)
{
	char key[CF_WORK_KEY_MAX];

	if (ns && name && cf_work_key(key, sizeof(key), kind, ns, name) == 0)
		cf_workqueue_add(q, key);
}

void cf_work_enqueue(cf_workqueue *q, cf_kind_id kind, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");

	cf_work_enqueue_name(q, kind, json_string_value(json_object_get(md, "namespace")),
			     json_string_value(json_object_get(md, "name")));
}

int cf_kind_watch_event(const cf_kind_handler *row, void *ctx, cf_workqueue *q, const char *type,
			const json_t *obj)
{
	if (row->on_event)
		row->on_event(ctx, cf_kind_get(row->kind), type, obj);
	if (row->wants_reconcile && row->reconcile && row->wants_reconcile(type, obj))
		cf_work_enqueue(q, row->kind, obj);
	return 0;
}
