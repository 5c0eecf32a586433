/* common/kustomize/kustomize_openapi.h - the schemas kustomize reads beside a kustomization.
 *
 * `openapi: {path: FILE}`: a swagger v2 document (JSON or YAML) whose `definitions` name resource
 * types with x-kubernetes-group-version-kind. A strategic merge patch on such a type merges a list
 * by the field's x-kubernetes-patch-strategy "merge" and its x-kubernetes-list-map-keys or
 * x-kubernetes-patch-merge-key, and replaces every other list. While a custom schema is in use it
 * is the only one (kustomize then parses no built-in schema), so the built-in kinds' keys are off;
 * unless it was chosen after objects were read (kustomize had then flagged its built-in schema
 * to be parsed as well): then the built-in kinds keep their keys, and a custom type's field of a
 * Kubernetes type the document does not define (a $ref to io.k8s.*) merges as that type does.
 *
 * `crds: [FILE]`: kube-openapi definition maps ({"group.version.Kind": {"Schema": {...}}}), read
 * as kustomize's crds loader reads them: x-kubernetes-object-ref-api-version/-kind (and
 * -name-key) become name references, x-kubernetes-annotation, -label-selector and -identity
 * become commonAnnotations, commonLabels and namePrefix field specs. They give no merge keys. */
#ifndef CF_KUSTOMIZE_OPENAPI_H
#define CF_KUSTOMIZE_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

typedef struct cf_kopenapi cf_kopenapi;

/* Parses a custom schema; *out is new (cf_kopenapi_free), NULL on failure, when the error names
 * what and the field. */
int  cf_kopenapi_parse(cf_kopenapi **out, const char *text, size_t len, const char *what);
/* Safe on NULL. */
void cf_kopenapi_free(cf_kopenapi *s);

/* The schema of a resource type, borrowed from s; NULL when s names no such type. */
const json_t *cf_kopenapi_resource(const cf_kopenapi *s, const char *api_version, const char *kind);
/* The schema of a field of an object schema (properties, else additionalProperties), or of the
 * elements of an array schema (field NULL), $ref resolved; borrowed; NULL when there is none. */
const json_t *cf_kopenapi_field(const cf_kopenapi *s, const json_t *node, const char *field);
/* The built-in schema is in use beside s (kustomize's delayed parse of its own); whether it is. */
void cf_kopenapi_add_builtin(cf_kopenapi *s);
int  cf_kopenapi_has_builtin(const cf_kopenapi *s);
/* Whether node's field (field NULL: its elements) is a Kubernetes type s does not define, while
 * the built-in schema is in use beside it: that field merges by the built-in keys. */
int  cf_kopenapi_builtin_ref(const cf_kopenapi *s, const json_t *node, const char *field);
/* The keys a merged list matches its elements by (names borrowed from the schema). */
#define CF_KOPENAPI_KEYS_MAX 8
typedef struct cf_kopenapi_keys {
	const char *names[CF_KOPENAPI_KEYS_MAX];
	size_t n;          /* 0: a list of scalars, merged by value */
} cf_kopenapi_keys;
/* How the list at a field with schema node merges: 1 by keys, 0 replaced whole. <0 when the
 * schema's extensions are not of their type (the error names field). */
int  cf_kopenapi_list_keys(const json_t *node, const char *field, cf_kopenapi_keys *keys);

/* crds: reads one definition map, appending to cfg (a `configurations` document: sections of
 * field specs, nameReference entries). 0, or <0 naming what. */
int  cf_kopenapi_crd_config(json_t *cfg, const char *text, size_t len, const char *what);

#endif
