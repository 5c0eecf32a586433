/* helm-controller/postrender.c - spec.postRenderers[].kustomize through cflux's kustomize
 * engine, then Flux's origin labels, and the helm 4 plugin that runs them (this binary in
 * post-render mode). */
#include "postrender.h"

#include "helmrun.h"
#include "kube/secret.h"
#include "kustomize/kustomize.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INPUT_FILE "helm-output.yaml"   /* Flux's name for helm's output in the kustomization */
#define KFILE "kustomization.yaml"
#define SPEC_MAX (1u << 20)
#define SPEC_FILE "postrenderers.json"

/* The fields of a kustomize post-renderer, and what each entry must hold. */
static const struct field {
	const char *name, *required;   /* required: a string field every entry has */
} FIELDS[] = {
	{ "patches", "patch" },
	{ "images", "name" },
	{ "patchesStrategicMerge", NULL },
	{ "patchesJson6902", NULL },
};

static int check_entries(const json_t *k, size_t i)
{
	for (size_t f = 0; f < sizeof(FIELDS) / sizeof(FIELDS[0]); f++) {
		const json_t *list = json_object_get(k, FIELDS[f].name), *e;
		size_t j;
		if (list == NULL)
			continue;
		if (!json_is_array(list))
			return cf_err_set(CF_EINVAL, "spec.postRenderers[%zu].kustomize.%s must be a list", i, FIELDS[f].name);
		json_array_foreach(list, j, e) {
			if (!json_is_object(e) || (FIELDS[f].required && !json_is_string(json_object_get(e, FIELDS[f].required))))
				return cf_err_set(CF_EINVAL, "spec.postRenderers[%zu].kustomize.%s[%zu]: %s%s", i, FIELDS[f].name, j,
						  FIELDS[f].required ? FIELDS[f].required : "an object", FIELDS[f].required ? " is required" : " is expected");
			if (json_object_get(e, "target") && !json_is_object(json_object_get(e, "target")))
				return cf_err_set(CF_EINVAL, "spec.postRenderers[%zu].kustomize.%s[%zu].target must be a map", i,
						  FIELDS[f].name, j);
		}
	}
	return 0;
}

int hc_postrender_spec(json_t **out, const json_t *spec)
{
	const json_t *prs = json_object_get(spec, "postRenderers"), *pr;
	size_t i;
	int rc, any = 0;

	*out = NULL;
	if (prs == NULL || json_is_null(prs))
		return 0;
	if (!json_is_array(prs))
		return cf_err_set(CF_EINVAL, "spec.postRenderers must be a list");
	json_array_foreach(prs, i, pr) {
		const json_t *k = json_object_get(pr, "kustomize");
		if (json_is_null(k))   /* "kustomize:" with nothing under it */
			k = NULL;
		if (!json_is_object(pr) || (k && !json_is_object(k)))
			return cf_err_set(CF_EINVAL, "spec.postRenderers[%zu]: kustomize must be a map", i);
		if (k && (rc = check_entries(k, i)) < 0)
			return rc;
		any |= k != NULL;
	}
	if (any)
		*out = json_incref((json_t *)prs);
	return 0;
}

void hc_postrender_digest(char out[72], const json_t *post_renderers)
{
	char *text;

	out[0] = '\0';
	if (post_renderers == NULL || (text = json_dumps(post_renderers, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return;
	cf_sha256_of(out, text, strlen(text));
	free(text);   /* jansson's */
}

/* ---- the build: a kustomization of helm's output and one post-renderer, in memory ---- */

typedef struct memfs {
	const char *kustomization, *input;
	size_t klen, ilen;
} memfs;

static int mem_read(void *ctx, const char *path, cf_buf *out)
{
	const memfs *m = ctx;

	if (strcmp(path, KFILE) == 0)
		return cf_buf_append(out, m->kustomization, m->klen);
	if (strcmp(path, INPUT_FILE) == 0)
		return cf_buf_append(out, m->input, m->ilen);
	return cf_err_set(CF_ENOTFOUND, "%s: no such file", path);
}

static int mem_stat(void *ctx, const char *path)
{
	(void)ctx;
	if (strcmp(path, ".") == 0)
		return 1;
	if (strcmp(path, KFILE) == 0 || strcmp(path, INPUT_FILE) == 0)
		return 0;
	return CF_ENOTFOUND;
}

/* The kustomization of post-renderer k: helm's output as its one resource, k's fields. */
static json_t *kustomization_of(const json_t *k)
{
	json_t *ks = json_pack("{s:s,s:s,s:[s]}", "apiVersion", "kustomize.config.k8s.io/v1beta1", "kind", "Kustomization",
			       "resources", INPUT_FILE);

	for (size_t f = 0; ks && f < sizeof(FIELDS) / sizeof(FIELDS[0]); f++) {
		json_t *list = json_object_get(k, FIELDS[f].name), *copy, *e;
		size_t j;
		if (list == NULL)
			continue;
		copy = json_deep_copy(list);
		/* v2beta's patchesJson6902 holds the operations as objects; kustomize reads a text */
		json_array_foreach(copy, j, e) {
			json_t *ops = json_object_get(e, "patch");
			char *text;
			if (strcmp(FIELDS[f].name, "patchesJson6902") == 0 && json_is_array(ops) &&
			    (text = json_dumps(ops, JSON_COMPACT)) != NULL) {
				json_object_set_new(e, "patch", json_string(text));
				free(text);   /* jansson's */
			}
		}
		json_object_set_new(ks, FIELDS[f].name, copy);
	}
	return ks;
}

static int render_one(cf_buf *out, const char *input, size_t len, const json_t *k, size_t i)
{
	memfs m = { NULL, input, 0, len };
	cf_kfs fs = { mem_read, mem_stat, &m, NULL };
	json_t *ks = kustomization_of(k), *objs = NULL;
	char *text = ks ? json_dumps(ks, JSON_COMPACT) : NULL;   /* JSON is YAML */
	int rc;

	json_decref(ks);
	if (text == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	m.kustomization = text;
	m.klen = strlen(text);
	rc = cf_kustomize_build(&objs, &fs, ".");
	free(text);   /* jansson's */
	if (rc == 0)
		rc = cf_yaml_dump_all(out, objs);
	cf_kube_secret_free(objs);   /* the chart's Secrets, rendered with the values */
	return rc < 0 ? cf_err_prefix("post-renderer %zu (kustomize)", i) : 0;
}

/* ---- Flux's origin labels ---- */

/* o's map at key, made when absent or null; NULL when it is something else */
static json_t *map_at(json_t *o, const char *key)
{
	json_t *m = json_object_get(o, key);

	if (m == NULL || json_is_null(m)) {
		if ((m = json_object()) == NULL || json_object_set_new(o, key, m) < 0)
			return NULL;
	}
	return json_is_object(m) ? m : NULL;
}

static int set_origin(json_t *objs, const hc_origin *origin)
{
	json_t *o, *labels;
	size_t i;

	json_array_foreach(objs, i, o) {
		if (!json_is_object(o))
			return cf_err_set(CF_EINVAL, "document %zu is not an object", i + 1);
		if ((labels = map_at(o, "metadata")) == NULL || (labels = map_at(labels, "labels")) == NULL)
			return cf_err_set(CF_EINVAL, "document %zu (%s %s): metadata.labels must be a map", i + 1,
					  cf_json_str(o, "kind") ? cf_json_str(o, "kind") : "?",
					  cf_json_str(json_object_get(o, "metadata"), "name") ? cf_json_str(json_object_get(o, "metadata"), "name") : "?");
		if (json_object_set_new(labels, HC_LABEL_NAME, json_string(origin->name)) < 0 ||
		    json_object_set_new(labels, HC_LABEL_NAMESPACE, json_string(origin->namespace)) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	return 0;
}

int hc_postrender_origin(cf_buf *out, const char *manifest, size_t len, const hc_origin *origin)
{
	json_t *objs = NULL;
	int rc;

	if ((rc = cf_yaml_load_all(&objs, manifest, len, "manifest")) == 0 && (rc = set_origin(objs, origin)) == 0)
		rc = cf_yaml_dump_all(out, objs);
	cf_kube_secret_free(objs);   /* the chart's Secrets, rendered with the values */
	return rc < 0 ? cf_err_prefix("origin labels") : 0;
}

int hc_postrender_run(cf_buf *out, const char *manifest, size_t len, const json_t *post_renderers, const hc_origin *origin)
{
	/* helm's output holds the chart's Secrets as rendered with the values */
	cf_buf cur = CF_BUF_INIT_SECRET(HC_POSTRENDER_INPUT_MAX), next = CF_BUF_INIT_SECRET(HC_POSTRENDER_INPUT_MAX);
	const json_t *pr;
	size_t i;
	int rc;

	if ((rc = cf_buf_append(&cur, manifest, len)) < 0)
		goto out;
	json_array_foreach(post_renderers, i, pr) {
		const json_t *k = json_object_get(pr, "kustomize");
		if (!json_is_object(k))
			continue;
		cf_buf_reset(&next);
		if ((rc = render_one(&next, cur.data ? cur.data : "", cur.len, k, i)) < 0)
			goto out;
		cf_buf_reset(&cur);
		if ((rc = cf_buf_append(&cur, next.data ? next.data : "", next.len)) < 0)
			goto out;
	}
	/* Flux's chain ends with OriginLabels: over what the chart or a post-renderer set */
	if (origin)
		rc = hc_postrender_origin(out, cur.data ? cur.data : "", cur.len, origin);
	else
		rc = cf_buf_append(out, cur.data ? cur.data : "", cur.len);
out:
	cf_buf_free(&cur);
	cf_buf_free(&next);
	return rc;
}

/* ---- the plugin ---- */

int hc_postrender_install(const char *dir, const char *self, const json_t *post_renderers, const hc_origin *origin)
{
	char plugins[1100], pdir[1200], *spec_path = NULL, *plugin_path = NULL, *spec = NULL, *plugin = NULL;
	json_t *p = NULL, *sp;
	int rc;

	snprintf(plugins, sizeof(plugins), "%s/plugins", dir);
	snprintf(pdir, sizeof(pdir), "%s/" HC_POSTRENDER_PLUGIN, plugins);
	if ((mkdir(plugins, 0700) < 0 && errno != EEXIST) || mkdir(pdir, 0700) < 0)
		return cf_err_set(CF_EIO, "cannot create %s: %s", pdir, strerror(errno));
	sp = json_pack("{s:{s:s,s:s}}", "origin", "name", origin->name, "namespace", origin->namespace);
	if (sp && post_renderers && json_object_set(sp, "postRenderers", (json_t *)post_renderers) < 0) {
		json_decref(sp);   /* never a spec that silently lacks the post-renderers */
		sp = NULL;
	}
	spec = sp ? json_dumps(sp, JSON_COMPACT) : NULL;
	json_decref(sp);
	if (spec == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = hc_helm_write_private(&spec_path, dir, SPEC_FILE, spec, strlen(spec))) < 0)
		goto out;
	/* helm 4's plugin.yaml (JSON is YAML): the command and its arguments, no shell */
	p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:[{s:s,s:[s,s]}]}}", "apiVersion", "v1", "type", "postrenderer/v1", "name",
		      HC_POSTRENDER_PLUGIN, "version", "0.1.0", "runtime", "subprocess", "runtimeConfig", "platformCommand",
		      "command", self, "args", "post-render", spec_path);
	if (p == NULL || (plugin = json_dumps(p, JSON_INDENT(2))) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	rc = hc_helm_write_private(&plugin_path, pdir, "plugin.yaml", plugin, strlen(plugin));
out:
	json_decref(p);
	free(spec);     /* jansson's */
	free(plugin);
	cf_free(spec_path);
	cf_free(plugin_path);
	return rc;
}

static int read_stdin(cf_buf *in)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cf_err_set(CF_EIO, "reading the manifests: %s", strerror(errno));
		if (cf_buf_append(in, chunk, (size_t)n) < 0) {
			cf_wipe(chunk, sizeof(chunk));
			return cf_err_prefix("the manifests");
		}
	}
	cf_wipe(chunk, sizeof(chunk));
	return 0;
}

/* helm says only that the plugin failed: the words go to SPECFILE.err for the controller */
static void note_error(const char *spec, const char *msg)
{
	char path[1200];
	int fd;

	snprintf(path, sizeof(path), "%s" HC_POSTRENDER_ERR_SUFFIX, spec);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return;
	if (write(fd, msg, strlen(msg)) < 0)
		(void)0;   /* the message on stderr stays */
	close(fd);
}

int hc_postrender_error(char *out, size_t size, const char *dir)
{
	char path[1200];
	ssize_t n = 0;
	int fd;

	/* read with no cf_err: the error helm's run recorded is the caller's, still to report */
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/" SPEC_FILE HC_POSTRENDER_ERR_SUFFIX, dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		while ((n = read(fd, out, size - 1)) < 0 && errno == EINTR)
			;
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
	unlink(path);
	return out[0] != '\0';
}

int hc_postrender_main(int argc, char **argv)
{
	cf_buf spec = CF_BUF_INIT(SPEC_MAX), in = CF_BUF_INIT_SECRET(HC_POSTRENDER_INPUT_MAX),
	       out = CF_BUF_INIT_SECRET(HC_POSTRENDER_INPUT_MAX);
	json_t *sp = NULL;
	hc_origin origin;
	json_error_t je;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: helm-controller post-render SPECFILE  (manifests on stdin, rendered on stdout)\n");
		return 2;
	}
	if ((rc = cf_buf_read_file(&spec, argv[2])) == 0 && (sp = json_loadb(spec.data ? spec.data : "", spec.len, 0, &je)) == NULL)
		rc = cf_err_set(CF_EINVAL, "%s: %s", argv[2], je.text);
	origin = (hc_origin){ cf_json_str(json_object_get(sp, "origin"), "name"), cf_json_str(json_object_get(sp, "origin"), "namespace") };
	if (rc == 0 && (origin.name == NULL || origin.namespace == NULL))
		rc = cf_err_set(CF_EINVAL, "%s: origin.name and origin.namespace are required", argv[2]);
	if (rc == 0)
		rc = read_stdin(&in);
	if (rc == 0)
		rc = hc_postrender_run(&out, in.data ? in.data : "", in.len, json_object_get(sp, "postRenderers"), &origin);
	if (rc == 0 && out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
		rc = cf_err_set(CF_EIO, "writing the rendered manifests: %s", strerror(errno));
	if (rc == 0 && fflush(stdout) != 0)
		rc = cf_err_set(CF_EIO, "writing the rendered manifests: %s", strerror(errno));
	if (rc < 0) {
		fprintf(stderr, "post-renderer: %s\n", cf_err_msg());
		note_error(argv[2], cf_err_msg());
	}
	json_decref(sp);
	cf_buf_free(&spec);
	cf_buf_free(&in);
	cf_buf_free(&out);
	return rc < 0 ? 1 : 0;
}
