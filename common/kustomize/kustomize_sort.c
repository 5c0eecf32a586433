/* common/kustomize/kustomize_sort.c - the output order (kustomize's SortOrderTransformer: legacy
 * kind order, with the kustomization's own orderFirst/orderLast, or fifo) and the end of a build
 * (sortOptions of the top kustomization, then buildMetadata). */
#include "kustomize/kustomize_internal.h"

#include "util/alloc.h"
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

/* "configuredIn: <path>\nconfiguredBy: ..." as kustomize writes an origin: a builtin kind (md:
 * its plugin config's metadata, whose name and namespace it names, or NULL) configured in path
 * (seen from the top); each line after the first indented by indent, the first led by lead */
static void configured_text(char *out, size_t size, const char *lead, const char *indent, const char *rel,
			    const char *kind, const json_t *md)
{
	const char *name = cf_json_str(md, "name"), *ns = cf_json_str(md, "namespace");

	snprintf(out, size, "%sconfiguredIn: %s\n%sconfiguredBy:\n%s  apiVersion: builtin\n%s  kind: %s\n%s%s%s%s%s%s%s%s", lead,
		 rel, indent, indent, indent, kind, name ? indent : "", name ? "  name: " : "", name ? name : "", name ? "\n" : "",
		 ns ? indent : "", ns ? "  namespace: " : "", ns ? ns : "", ns ? "\n" : "");
}

static void note_origin(kres *r, const char *file, const char *text)
{
	if (r->ctx && json_object_get(r->ctx, "origin") == NULL) {
		json_object_set_new(r->ctx, "origin", json_string(text));
		json_object_set_new(r->ctx, "origin_file", json_string(file));
	}
}

/* kustomize tracks origins when the top kustomization asks for any build metadata */
void kz_note_origins(const kctx *c, kset *s, size_t from, const char *path, const char *generator, const json_t *md)
{
	char rel[4200], text[5000];

	if (json_array_size(json_object_get(c->top, "buildMetadata")) == 0)
		return;
	rel_to_top(rel, sizeof(rel), c->stack[0], path);
	if (generator == NULL)
		snprintf(text, sizeof(text), "path: %s\n", rel);
	else
		configured_text(text, sizeof(text), "", "", rel, generator, md);
	for (size_t i = from; i < s->n; i++)
		note_origin(&s->v[i], path, text);
}

const char *kz_origin_file(const kres *r)
{
	return cf_json_str(r->ctx, "origin_file");
}

/* Every resource of s now went through kind: one more entry in its transformations, as kustomize's
 * AddTransformerAnnotation (a resource without an origin takes the transformer as its origin). */
void kz_note_transformer(const kctx *c, kset *s, const char *path, const char *kind, const json_t *md)
{
	char rel[4200], entry[5000];

	if (json_array_size(json_object_get(c->top, "buildMetadata")) == 0)
		return;
	rel_to_top(rel, sizeof(rel), c->stack[0], path);
	configured_text(entry, sizeof(entry), "- ", "  ", rel, kind, md);
	for (size_t i = 0; i < s->n; i++) {
		const char *old = cf_json_str(s->v[i].ctx, "transformations");
		char *all;
		size_t n;

		if (s->v[i].ctx == NULL)
			continue;
		if (json_object_get(s->v[i].ctx, "origin") == NULL) {
			char text[5000];
			configured_text(text, sizeof(text), "", "", rel, kind, md);
			note_origin(&s->v[i], path, text);
			continue;
		}
		n = (old ? strlen(old) : 0) + strlen(entry) + 1;
		if (n > KANNOTATION_MAX || (all = cf_malloc(n)) == NULL)
			continue;   /* past the cap the list stops growing (an apiserver refuses it anyway) */
		snprintf(all, n, "%s%s", old ? old : "", entry);
		json_object_set_new(s->v[i].ctx, "transformations", json_string(all));
		cf_free(all);
	}
}

/* the build metadata a resource's ctx holds, and the annotation kustomize keeps it in */
static const struct {
	const char *field, *key;
} meta_annotations[] = {
	{ "origin", "config.kubernetes.io/origin" },
	{ "transformations", "alpha.config.kubernetes.io/transformations" },
};

int kz_meta_show(kres *r)
{
	json_t *md = json_object_get(r->obj, "metadata"), *ann;
	int made = 0;

	if (!json_is_object(md))
		return 0;
	for (size_t i = 0; i < sizeof(meta_annotations) / sizeof(meta_annotations[0]); i++) {
		const char *text = cf_json_str(r->ctx, meta_annotations[i].field);
		if (text == NULL)
			continue;
		if (!json_is_object(ann = json_object_get(md, "annotations"))) {
			ann = json_object();
			json_object_set_new(md, "annotations", ann);
			made = 1;
		}
		json_object_set_new(ann, meta_annotations[i].key, json_string(text));
	}
	return made;
}

void kz_meta_hide(kres *r, int made)
{
	json_t *md = json_object_get(r->obj, "metadata"), *ann = json_object_get(md, "annotations");

	if (r->ctx == NULL || !json_is_object(md))
		return;
	for (size_t i = 0; i < sizeof(meta_annotations) / sizeof(meta_annotations[0]); i++) {
		const json_t *v = json_object_get(ann, meta_annotations[i].key);
		if (json_is_string(v))
			json_object_set_new(r->ctx, meta_annotations[i].field, json_string(json_string_value(v)));
		else if (cf_json_str(r->ctx, meta_annotations[i].field))   /* the patch dropped it */
			json_object_del(r->ctx, meta_annotations[i].field);
		if (json_is_object(ann))
			json_object_del(ann, meta_annotations[i].key);
	}
	if (made && json_is_object(ann) && json_object_size(ann) == 0)
		json_object_del(md, "annotations");
}

/* A manifest that carries kustomize's build annotations (an earlier build's output): kustomize
 * reads them as its own, so they never reach the output unless asked for; the transformations
 * so far are kept, the origin becomes the file. */
void kz_take_meta(const kctx *c, kset *s, size_t from)
{
	int tracking = json_array_size(json_object_get(c->top, "buildMetadata")) > 0;

	for (size_t i = from; i < s->n; i++) {
		json_t *ann = json_object_get(json_object_get(s->v[i].obj, "metadata"), "annotations");
		const char *list = cf_json_str(ann, meta_annotations[1].key);
		if (!json_is_object(ann))
			continue;
		if (tracking && list && s->v[i].ctx)
			json_object_set_new(s->v[i].ctx, meta_annotations[1].field, json_string(list));
		for (size_t m = 0; m < sizeof(meta_annotations) / sizeof(meta_annotations[0]); m++)
			json_object_del(ann, meta_annotations[m].key);
	}
}

/* the transformers a kustomization's fields configure, in kustomize's order: one for the field,
 * or one per entry (each); labels: one per entry and one for commonLabels, when either is set.
 * patches and patchesJson6902 (one per entry) are noted as each entry runs. */
static const struct {
	const char *field, *kind;
	int each;
	const char *also;
} field_transformers[] = {
	{ "patchesStrategicMerge", "PatchStrategicMergeTransformer", 0, NULL },
	{ "namespace", "NamespaceTransformer", 0, NULL },
	{ "namePrefix", "PrefixTransformer", 0, NULL },
	{ "nameSuffix", "SuffixTransformer", 0, NULL },
	{ "labels", "LabelTransformer", 1, "commonLabels" },
	{ "commonAnnotations", "AnnotationsTransformer", 0, NULL },
	{ "replicas", "ReplicaCountTransformer", 1, NULL },
	{ "images", "ImageTagTransformer", 1, NULL },
	{ "replacements", "ReplacementTransformer", 0, NULL },
};

static size_t field_size(const json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v);
	return json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : 0;
}

void kz_note_field_transformers(const kctx *c, kset *s, const char *kpath, const json_t *k, const char *first,
				const char *last)
{
	size_t t = 0, nt = sizeof(field_transformers) / sizeof(field_transformers[0]);

	while (t < nt && strcmp(field_transformers[t].field, first) != 0)
		t++;
	for (; t < nt; t++) {
		size_t n = field_size(json_object_get(k, field_transformers[t].field));

		if (!field_transformers[t].each && n > 1)
			n = 1;
		if (field_transformers[t].also && (n > 0 || field_size(json_object_get(k, field_transformers[t].also)) > 0))
			n++;
		for (size_t i = 0; i < n; i++)
			kz_note_transformer(c, s, kpath, field_transformers[t].kind, NULL);
		if (strcmp(field_transformers[t].field, last) == 0)
			break;
	}
}

/* kustomize's version in the managed-by label: the v5.7.1 line that current Flux builds with */
#define KUSTOMIZE_VERSION "v5.7.1"

int kz_finish(const kctx *c, kset *s)
{
	const json_t *opts = json_object_get(c->top, "sortOptions");
	int rc;

	if ((rc = kz_check_sort_options(opts, "kustomization")) < 0)
		return rc;
	/* kubectl's build sorts by kustomize's legacy order by default; Flux's does not */
	if ((opts && !json_is_null(opts)) || !c->flux)
		if ((rc = kz_sort(s, json_is_null(opts) ? NULL : opts)) < 0)
			return rc;
	if (build_metadata(c->top, "managedByLabel")) {
		json_t *l = json_pack("{ss}", "app.kubernetes.io/managed-by", "kustomize-" KUSTOMIZE_VERSION);
		json_t *fs = json_pack("[{sssb}]", "path", "metadata/labels", "create", 1);
		kz_label_fields(s, l, fs);
		json_decref(l);
		json_decref(fs);
	}
	/* the build metadata asked for goes on the objects */
	for (size_t i = 0; i < s->n; i++) {
		json_t *md;

		if (!build_metadata(c->top, "originAnnotations"))
			json_object_del(s->v[i].ctx, "origin");
		if (!build_metadata(c->top, "transformerAnnotations"))
			json_object_del(s->v[i].ctx, "transformations");
		kz_meta_show(&s->v[i]);
		/* kustomize drops an annotations map left empty */
		md = json_object_get(s->v[i].obj, "metadata");
		if (json_is_object(json_object_get(md, "annotations")) && json_object_size(json_object_get(md, "annotations")) == 0)
			json_object_del(md, "annotations");
	}
	return 0;
}
