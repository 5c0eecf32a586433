/* helm-controller/postrender.h - spec.postRenderers[].kustomize (patches, images; the
 * deprecated patchesStrategicMerge and patchesJson6902 of v2beta manifests too), applied to
 * what helm renders with cflux's kustomize engine, each post-renderer in turn, as Flux's.
 *
 * helm 4 takes a post-renderer only as a plugin (type postrenderer/v1, runtime subprocess):
 * each helm install and upgrade gets a private plugin (HELM_PLUGINS in its work directory)
 * whose command is this very binary, `helm-controller post-render SPECFILE`: the manifests on
 * stdin, the rendered ones on stdout, the spec in a 0600 file. No shell anywhere.
 *
 * After the user's post-renderers, always (also when there are none, so the plugin runs for
 * every install and upgrade), Flux's origin labels: helm.toolkit.fluxcd.io/name and /namespace
 * of the HelmRelease on every object's metadata.labels, over what the chart or a post-renderer
 * set (Flux's OriginLabels post-renderer, the last of its chain). They are not part of
 * status.observedPostRenderersDigest, which is of spec.postRenderers only, as in Flux. */
#ifndef HC_POSTRENDER_H
#define HC_POSTRENDER_H

#include <jansson.h>
#include <stddef.h>

#include "runtime/kinds.h"
#include "util/buf.h"

#define HC_POSTRENDER_PLUGIN "cflux-postrender"
#define HC_POSTRENDER_INPUT_MAX (64u << 20)
#define HC_POSTRENDER_ERR_SUFFIX ".err"
#define HC_LABEL_NAME CF_GROUP_HELM "/name"             /* Flux's origin labels */
#define HC_LABEL_NAMESPACE CF_GROUP_HELM "/namespace"

/* The HelmRelease a manifest is rendered for (borrowed strings). */
typedef struct hc_origin {
	const char *name, *namespace;
} hc_origin;

/* The post-renderers of spec (spec.postRenderers), checked: NULL in *out when there are none
 * (or only empty ones), else a new reference to the array. CF_EINVAL naming the entry and
 * field when one is malformed (a patch without text, an image without a name). */
int hc_postrender_spec(json_t **out, const json_t *spec);
/* "sha256:<hex>" of post-renderers (canonical JSON: keys sorted, compact) into out; "" for
 * NULL. status.observedPostRenderersDigest. */
void hc_postrender_digest(char out[72], const json_t *post_renderers);

/* Renders manifest (helm's YAML stream, len bytes) through post_renderers (as checked above;
 * NULL: none), then, when origin is not NULL, sets its origin labels on every object; into out
 * (YAML documents). Errors name the post-renderer and the patch, or the document that is not
 * an object. Pure. */
int hc_postrender_run(cf_buf *out, const char *manifest, size_t len, const json_t *post_renderers,
		      const hc_origin *origin);
/* The origin labels alone: every document of manifest (empty ones dropped) with origin's
 * labels set, into out. CF_EINVAL naming the document that is not an object. Pure. */
int hc_postrender_origin(cf_buf *out, const char *manifest, size_t len, const hc_origin *origin);

/* Writes the spec file (0600: {"postRenderers": post_renderers or absent, "origin": {"name",
 * "namespace"}}) and the plugin (plugin.yaml under dir/plugins) that makes helm run
 * `self post-render <spec file>`; self is this binary's absolute path. */
int hc_postrender_install(const char *dir, const char *self, const json_t *post_renderers, const hc_origin *origin);

/* What the plugin said when it failed in the last helm run in dir (helm itself says only that
 * it failed), into out; 1 when there was something, else 0. The note is removed. The error
 * recorded (cf_err) is left as it is. */
int hc_postrender_error(char *out, size_t size, const char *dir);

/* The post-render mode's main: argv[2] the spec file (as hc_postrender_install writes it; a
 * spec without "origin" is refused, so no object goes out unlabelled); stdin to stdout. Exit status 0, or 1
 * with the error on stderr (helm shows it). */
int hc_postrender_main(int argc, char **argv);

#endif
