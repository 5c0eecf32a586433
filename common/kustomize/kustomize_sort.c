/* common/kustomize/kustomize_sort.c - the output order (kustomize's SortOrderTransformer: legacy
 * kind order, with the kustomization's own orderFirst/orderLast, or fifo) and the end of a build
 * (sortOptions of the top kustomization, then buildMetadata). */
#include "kustomize/kustomize_internal.h"

#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_first[] = { "Namespace", "ResourceQuota", "StorageClass",
	"CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole",
	"RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
	"LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment",
	"StatefulSet", "CronJob", "PodDisruptionBudget" };
static const char *const default_last[] = { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" };

/* the kinds named first and last; a kind in neither ranks 0, between them */
typedef struct order {
	const json_t *first, *last;   /* arrays of kind names; NULL: the defaults */
} order;

static int rank_in(const char *kind, const json_t *list, const char *const *dflt, size_t ndflt, size_t *n)
{
	*n = list ? json_array_size(list) : ndflt;
	for (size_t i = 0; i < *n; i++) {
		const char *k = list ? json_string_value(json_array_get(list, i)) : dflt[i];
		if (k && strcmp(kind, k) == 0)
			return (int)i;
	}
	return -1;
}

static int kind_rank(const order *o, const char *kind)
{
	size_t n;
	int i = rank_in(kind, o->first, default_first, sizeof(default_first) / sizeof(default_first[0]), &n);

	if (i >= 0)
		return i - (int)n;
	i = rank_in(kind, o->last, default_last, sizeof(default_last) / sizeof(default_last[0]), &n);
	return i >= 0 ? i + 1 : 0;
}

/* "group_version_kind" as kustomize spells a GVK, with ~G for the core group */
static void gvk_string(char *out, size_t size, const kres *r)
{
	const char *av = cf_json_str(r->obj, "apiVersion"), *slash = av ? strchr(av, '/') : NULL;

	if (slash)
		snprintf(out, size, "%.*s_%s_%s", (int)(slash - av), av, slash + 1, kz_res_kind(r));
	else
		snprintf(out, size, "~G_%s_%s", av && *av ? av : "~V", kz_res_kind(r));
}

static int res_cmp(const void *a, const void *b, void *arg)
{
	const kres *x = a, *y = b;
	int rx = kind_rank(arg, kz_res_kind(x)), ry = kind_rank(arg, kz_res_kind(y)), c;
	char gx[512], gy[512];

	if (rx != ry)
		return rx < ry ? -1 : 1;
	gvk_string(gx, sizeof(gx), x);
	gvk_string(gy, sizeof(gy), y);
	if ((c = strcmp(gx, gy)) != 0)
		return c;
	/* kustomize spells no namespace "~X", which sorts after every namespace */
	if ((c = strcmp(*kz_res_ns(x) ? kz_res_ns(x) : "~X", *kz_res_ns(y) ? kz_res_ns(y) : "~X")) != 0)
		return c;
	return strcmp(kz_res_name(x), kz_res_name(y));
}

static int kind_list(const json_t *l, const char *where, const char *field)
{
	size_t i;
	json_t *e;

	if (l == NULL || json_is_null(l))
		return 0;
	if (!json_is_array(l))
		return cf_err_set(CF_EINVAL, "%s: sortOptions.legacySortOptions.%s must be a list of kinds", where, field);
	json_array_foreach(l, i, e)
		if (!json_is_string(e))
			return cf_err_set(CF_EINVAL, "%s: sortOptions.legacySortOptions.%s entry %zu is not a kind", where, field, i);
	return 0;
}

/* kustomize's checks: order is legacy or fifo, and legacySortOptions only with legacy. */
int kz_check_sort_options(const json_t *opts, const char *where)
{
	const json_t *legacy = json_object_get(opts, "legacySortOptions");
	const char *ord = cf_json_str(opts, "order");
	int rc;

	if (opts == NULL || json_is_null(opts))
		return 0;
	if (!json_is_object(opts))
		return cf_err_set(CF_EINVAL, "%s: sortOptions must be a mapping", where);
	if (ord == NULL || (strcmp(ord, "legacy") != 0 && strcmp(ord, "fifo") != 0))
		return cf_err_set(CF_EINVAL, "%s: the field 'sortOptions.order' must be one of [fifo, legacy]", where);
	if (strcmp(ord, "fifo") == 0 && legacy && !json_is_null(legacy))
		return cf_err_set(CF_EINVAL, "%s: the field 'sortOptions.legacySortOptions' is set but the selected sort "
				  "order is 'fifo', not 'legacy'", where);
	if ((rc = kind_list(json_object_get(legacy, "orderFirst"), where, "orderFirst")) < 0)
		return rc;
	return kind_list(json_object_get(legacy, "orderLast"), where, "orderLast");
}

/* opts NULL: the legacy order with its default kinds. Checked options only. */
int kz_sort(kset *s, const json_t *opts)
{
	const json_t *legacy = json_object_get(opts, "legacySortOptions");
	const char *ord = cf_json_str(opts, "order");
	order o = { NULL, NULL };

	if (ord && strcmp(ord, "fifo") == 0)
		return 0;
	/* given options replace both default lists (an absent one is empty) */
	if (legacy && !json_is_null(legacy)) {
		static json_t *none;
		if (none == NULL)
			none = json_array();
		o.first = json_is_array(json_object_get(legacy, "orderFirst")) ? json_object_get(legacy, "orderFirst") : none;
		o.last = json_is_array(json_object_get(legacy, "orderLast")) ? json_object_get(legacy, "orderLast") : none;
	}
	if (s->n > 1)   /* s->v is NULL when a kustomization lists nothing */
		qsort_r(s->v, s->n, sizeof(*s->v), res_cmp, &o);
	return 0;
}

/* ---- the end of the build: order, then buildMetadata ---- */

static int build_metadata(const json_t *top, const char *opt)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(top, "buildMetadata"), i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), opt) == 0)
			return 1;
	return 0;
}

/* path (clean, from the root of the tree) as seen from the top kustomization's directory */
static void rel_to_top(char *out, size_t size, const char *top, const char *path)
{
	size_t common = 0, len = 0, ups = 0;

	if (strcmp(top, ".") != 0) {
		size_t n = strlen(top);
		while (common < n && path[common] == top[common])
			common++;
		if (common == n && path[n] == '/')
			common = n + 1;
		else   /* back to the last whole directory both share */
			while (common > 0 && !(top[common - 1] == '/' && path[common - 1] == '/'))
				common--;
		for (size_t i = common; i < n; i++)
			ups += top[i] == '/';
		ups += common < n;
	}
	out[0] = '\0';
	for (size_t i = 0; i < ups && len + 3 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "../");
	snprintf(out + len, size - len, "%s", path + common);
}

void kz_note_origins(const kctx *c, kset *s, size_t from, const char *path, const char *generator, const char *name)
{
	char rel[4200], text[5000];

	if (!build_metadata(c->top, "originAnnotations"))
		return;
	rel_to_top(rel, sizeof(rel), c->stack[0], path);
	if (generator == NULL)
		snprintf(text, sizeof(text), "path: %s\n", rel);
	else
		snprintf(text, sizeof(text), "configuredIn: %s\nconfiguredBy:\n  apiVersion: builtin\n  kind: %s\n%s%s%s", rel,
			 generator, name ? "  name: " : "", name ? name : "", name ? "\n" : "");
	for (size_t i = from; i < s->n; i++)
		if (s->v[i].ctx && json_object_get(s->v[i].ctx, "origin") == NULL)
			json_object_set_new(s->v[i].ctx, "origin", json_string(text));
}

static void set_origins(kset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *origin = cf_json_str(s->v[i].ctx, "origin");
		json_t *md = json_object_get(s->v[i].obj, "metadata"), *ann;
		if (origin == NULL || !json_is_object(md))
			continue;
		if (!json_is_object(ann = json_object_get(md, "annotations"))) {
			ann = json_object();
			json_object_set_new(md, "annotations", ann);
		}
		json_object_set_new(ann, "config.kubernetes.io/origin", json_string(origin));
	}
}

/* kustomize's version in the managed-by label: the v5.7.1 line that current Flux builds with */
#define KUSTOMIZE_VERSION "v5.7.1"

int kz_finish(const kctx *c, kset *s)
{
	const json_t *opts = json_object_get(c->top, "sortOptions");
	int rc;

	if ((rc = kz_check_sort_options(opts, "kustomization")) < 0 || (rc = kz_sort(s, json_is_null(opts) ? NULL : opts)) < 0)
		return rc;
	if (build_metadata(c->top, "managedByLabel")) {
		json_t *l = json_pack("{ss}", "app.kubernetes.io/managed-by", "kustomize-" KUSTOMIZE_VERSION);
		json_t *fs = json_pack("[{sssb}]", "path", "metadata/labels", "create", 1);
		kz_label_fields(s, l, fs);
		json_decref(l);
		json_decref(fs);
	}
	if (build_metadata(c->top, "originAnnotations"))
		set_origins(s);
	return 0;
}
