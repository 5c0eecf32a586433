/* common/source/helm.h - Helm repository indexes, Chart.yaml, and chart archives as `helm
 * package` writes them: what the source-controller builds HelmChart artifacts from, and what
 * the helm-controller reads charts with. No network and no API here. */
#ifndef CF_SOURCE_HELM_H
#define CF_SOURCE_HELM_H

#include <jansson.h>
#include <stddef.h>

#include "source/artifact.h"
#include "source/tree.h"

/* Flux's cap on a repository index (helm's own default is 0: none). */
#define CF_HELM_INDEX_MAX (50u * 1024u * 1024u)
/* Chart.yaml and values files read from a chart */
#define CF_HELM_META_MAX (1u * 1024u * 1024u)
/* files in one packaged chart (dependencies included) */
#define CF_HELM_MAX_FILES 20000u

/* Parses an index.yaml (one document): apiVersion must be set and entries must be a map of
 * chart name -> list of versions, as helm requires. *out is a new reference (NULL on failure);
 * errors name `name`. Entries without a string version are dropped, as helm skips them. */
int cf_helm_index_parse(json_t **out, const char *data, size_t len, const char *name);

/* One chart version picked from an index. */
typedef struct cf_helm_index_pick {
	char version[128];
	char url[2048];          /* the first of urls, as written (relative or absolute) */
	char digest[72];         /* "sha256:<hex>" from the index's digest, "" when it has none */
} cf_helm_index_pick;

/* The newest version of chart in index that satisfies constraint (NULL or "" means "*", which
 * as in Flux takes no pre-releases). CF_ENOTFOUND names the chart and the constraint;
 * CF_EINVAL for a constraint that does not parse. */
int cf_helm_index_select(cf_helm_index_pick *out, const json_t *index, const char *chart, const char *constraint);

/* Resolves a chart URL from an index against the index's base URL (the repository URL):
 * absolute URLs stay, relative ones are joined as helm joins them. out is always NUL-ended. */
int cf_helm_chart_url(char *out, size_t size, const char *repo_url, const char *chart_url);

/* Parses Chart.yaml: apiVersion, name and a semver version are required (helm's messages).
 * *out is a new reference. */
int cf_helm_chart_yaml_parse(json_t **out, const char *data, size_t len, const char *name);

/* A chart being assembled in memory: entries "<name>/<path>" -> bytes. */
typedef struct cf_helm_pack cf_helm_pack;

/* Starts a chart from directory dir of tree t (".": the root): every file under it, as
 * "<chart name>/<relative path>". Chart.yaml must be there and parse; *meta (if not NULL)
 * gets it (borrowed from the pack). Errors name dir. */
int  cf_helm_pack_from_tree(cf_helm_pack **out, const cf_tree *t, const char *dir);
/* The chart's name and version (from Chart.yaml, the version as set by set_version). */
const char *cf_helm_pack_name(const cf_helm_pack *p);
const char *cf_helm_pack_version(const cf_helm_pack *p);
const json_t *cf_helm_pack_meta(const cf_helm_pack *p);
/* Adds (or replaces) the file "<chart name>/<path>" with a copy of data. */
int  cf_helm_pack_put(cf_helm_pack *p, const char *path, const void *data, size_t len);
/* Adds directory dir of t under "<chart name>/<under>/" (a file:// dependency, unpacked into
 * charts/<name>). */
int  cf_helm_pack_put_tree(cf_helm_pack *p, const char *under, const cf_tree *t, const char *dir);
/* The chart's file at path (relative to the chart) or NULL. */
const unsigned char *cf_helm_pack_get(const cf_helm_pack *p, const char *path, size_t *len);
/* Sets Chart.yaml's version (e.g. "0.1.0+abcdef012345"), rewriting Chart.yaml. */
int  cf_helm_pack_set_version(cf_helm_pack *p, const char *version);
/* Writes every entry, sorted by path, into w (the caller opens and commits it). */
int  cf_helm_pack_write(cf_helm_pack *p, cf_artifact_writer *w);
/* Safe on NULL. */
void cf_helm_pack_free(cf_helm_pack *p);

/* Joins dir and a relative path, resolving "." and "..": "a/b" + "../c" -> "a/c". Fails with
 * CF_EINVAL when the result would leave the root or rel is absolute. */
int cf_helm_path_join(char *out, size_t size, const char *dir, const char *rel);

/* helm's stored release (a storage Secret's data.release: the API's base64 around helm's
 * base64 of the gzipped release JSON) as *out, a new JSON object (NULL on failure, CF_EINVAL on
 * bad input; at most CF_HELM_RELEASE_MAX bytes unpacked). */
#define CF_HELM_RELEASE_MAX (64u << 20)
int cf_helm_release_decode(json_t **out, const char *data, size_t len);

#endif
