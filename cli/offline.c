/* cli/offline.c - what cflux builds from a local checkout: build kustomization (from the
 * cluster's Kustomization, or offline from --kustomization-file with --dry-run), the files
 * rooted at the working directory as Flux roots its secure filesystem there, --ignore-paths;
 * and envsubst with the controller's substitution rules. */
#include "cli.h"

#include "kustomize/fluxbuild.h"
#include "runtime/kinds.h"
#include "runtime/vars.h"
#include "source/ignore.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POS_MAX 8
#define KS_FILE_MAX (16u << 20)
#define ENVSUBST_MAX (64u << 20)

cli_build_args cli_build;

/* ---- the filesystem: disk under a root, less what --ignore-paths excludes ---- */

typedef struct ignoring_fs {
	cf_kfs disk;
	const cf_ignore *ig;
} ignoring_fs;

/* Whether path or one of its parent directories is excluded (an excluded directory hides
 * everything below it, as a walker skips it). */
static int ignored(const ignoring_fs *f, const char *path)
{
	char part[4096];
	size_t n = strlen(path);

	if (f->ig == NULL || n >= sizeof(part) || strcmp(path, ".") == 0)
		return 0;
	memcpy(part, path, n + 1);
	for (size_t i = 0; i <= n; i++) {
		if (part[i] != '/' && part[i] != '\0')
			continue;
		part[i] = '\0';
		int last = i == n, dir = last ? f->disk.stat(f->disk.ctx, path) == 1 : 1;
		if (cf_ignore_match(f->ig, part, dir))
			return 1;
		if (!last)
			part[i] = '/';
	}
	return 0;
}

static int ig_read(void *ctx, const char *path, cf_buf *out)
{
	ignoring_fs *f = ctx;

	return ignored(f, path) ? CF_ENOTFOUND : f->disk.read(f->disk.ctx, path, out);
}

static int ig_stat(void *ctx, const char *path)
{
	ignoring_fs *f = ctx;

	return ignored(f, path) ? CF_ENOTFOUND : f->disk.stat(f->disk.ctx, path);
}

static int ig_list(void *ctx, const char *dir, json_t **names)
{
	ignoring_fs *f = ctx;
	json_t *all = NULL, *v;
	size_t i;
	int rc = f->disk.list(f->disk.ctx, dir, &all);

	*names = NULL;
	if (rc < 0)
		return rc;
	*names = json_array();
	json_array_foreach(all, i, v) {
		char p[4096];
		snprintf(p, sizeof(p), "%s%s%s", strcmp(dir, ".") == 0 ? "" : dir, strcmp(dir, ".") == 0 ? "" : "/", json_string_value(v));
		if (!ignored(f, p))
			json_array_append(*names, v);
	}
	json_decref(all);
	return 0;
}

/* The root and the spec.path of a build of --path: the working directory and the path below
 * it, as flux does; a path outside the working directory is its own root. root holds
 * PATH_MAX bytes, rel 4096. */
static int build_root(char *root, char *rel, size_t rel_size, const char *path)
{
	char *abs = realpath(path, NULL), cwd[PATH_MAX];
	size_t n;

	if (abs == NULL)
		return cf_err_set(CF_ENOTFOUND, "--path %s: %s", path, errno == ENOENT ? "no such directory" : strerror(errno));
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		free(abs);
		return cf_err_set(CF_EIO, "the working directory: %s", strerror(errno));
	}
	n = strlen(cwd);
	if (strcmp(cwd, "/") == 0 || (strncmp(abs, cwd, n) == 0 && (abs[n] == '/' || abs[n] == '\0'))) {
		const char *below = strcmp(cwd, "/") == 0 ? abs + 1 : abs + n + (abs[n] == '/');
		snprintf(root, PATH_MAX, "%s", cwd);
		snprintf(rel, rel_size, "./%s", below);
	} else {
		snprintf(root, PATH_MAX, "%s", abs);
		snprintf(rel, rel_size, "./");
	}
	free(abs);
	return 0;
}

/* The Kustomization named name in --kustomization-file (the only one when name is NULL). */
static int ks_from_file(json_t **ks, const char *file, const char *name)
{
	cf_buf in = CF_BUF_INIT(KS_FILE_MAX);
	json_t *docs = NULL, *d;
	size_t i;
	int rc;

	*ks = NULL;
	if ((rc = cf_buf_read_file(&in, file)) == 0)
		rc = cf_yaml_load_all(&docs, in.data ? in.data : "", in.len, file);
	cf_buf_free(&in);
	if (rc < 0)
		return cf_err_prefix("--kustomization-file");
	/* as flux: the name, in the namespace of -n or in none */
	json_array_foreach(docs, i, d) {
		const char *dn = cf_json_str(json_object_get(d, "metadata"), "name"),
			   *dns = cf_json_str(json_object_get(d, "metadata"), "namespace");
		if (cf_kind_find_gvk(cf_json_str(d, "apiVersion"), cf_json_str(d, "kind")) == cf_kind_get(CF_KIND_KUSTOMIZATION) &&
		    (name == NULL || (dn && strcmp(dn, name) == 0 && (dns == NULL || *dns == '\0' ||
								    strcmp(dns, cli.namespace) == 0)))) {
			*ks = json_incref(d);
			break;
		}
	}
	json_decref(docs);
	if (*ks == NULL)
		return cf_err_set(CF_ENOTFOUND, "--kustomization-file %s: no Kustomization '%s' (%s) in namespace '%s' in "
				  "it (-n names the namespace)", file, name ? name : "", CF_AV_KUSTOMIZATION, cli.namespace);
	if (json_object_get(json_object_get(*ks, "metadata"), "namespace") == NULL)
		json_object_set_new(json_object_get(*ks, "metadata"), "namespace", json_string(cli.namespace));
	return 0;
}

/* postBuild variables: from the cluster (substituteFrom and substitute), or with --dry-run
 * only spec.postBuild.substitute, as flux's dry run reads no cluster. */
static int build_vars(cf_kube *k, const json_t *ks, json_t **vars)
{
	const json_t *post = json_object_get(json_object_get(ks, "spec"), "postBuild");

	*vars = NULL;
	if (post == NULL)
		return 0;
	if (k)
		return cf_flux_load_vars(k, ks, vars);
	*vars = json_deep_copy(json_object_get(post, "substitute"));
	if (*vars == NULL)
		*vars = json_object();
	return 0;
}

int cli_build_local(cf_kube *k, const char *name, const char *path, json_t **ks_out, json_t **objs)
{
	char root[PATH_MAX], rel[4096];
	const char *rootp = root;
	json_t *ks = NULL, *vars = NULL;
	cf_ignore *ig = NULL;
	ignoring_fs igfs;
	cf_kfs fs;
	int rc;

	*objs = NULL;
	if (ks_out)
		*ks_out = NULL;
	if ((rc = build_root(root, rel, sizeof(rel), path)) < 0)
		return rc;
	if (cli_build.ks_file)
		rc = ks_from_file(&ks, cli_build.ks_file, name);
	else if ((rc = cf_kube_get(k, &ks, &(cf_kube_ref){ CF_AV_KUSTOMIZATION, "Kustomization", cli.namespace, name })) < 0)
		rc = rc == CF_ENOTFOUND ? cf_err_set(rc, "Kustomization '%s/%s' not found", cli.namespace, name)
					: cf_err_prefix("Kustomization '%s/%s'", cli.namespace, name);
	if (rc < 0)
		goto out;
	/* the spec as the controller reads it, over the local directory */
	json_object_set_new(json_object_get(ks, "spec"), "path", json_string(rel));
	if ((rc = build_vars(k, ks, &vars)) < 0)
		goto out;
	cf_kfs_disk(&igfs.disk, &rootp);
	igfs.ig = NULL;
	fs = igfs.disk;
	if (cli_build.ignore.n > 0) {
		if ((rc = cf_ignore_new(&ig)) < 0)
			goto out;
		for (size_t i = 0; rc == 0 && i < cli_build.ignore.n; i++)
			rc = cf_ignore_add(ig, cli_build.ignore.items[i], strlen(cli_build.ignore.items[i]), "");
		if (rc < 0)
			goto out;
		igfs.ig = ig;
		fs = (cf_kfs){ ig_read, ig_stat, &igfs, ig_list };
	}
	rc = cf_flux_build(objs, &fs, ks, vars);
out:
	cf_ignore_free(ig);
	json_decref(vars);
	if (rc == 0 && ks_out)
		*ks_out = ks;
	else
		json_decref(ks);
	return rc;
}

/* The checks build and diff share: NAME, --path, and --dry-run only with a file. */
int cli_build_check(char **pos, size_t npos, const char *path, const char *usage)
{
	if (npos != 2 || cf_kind_from_args(pos, 1, &(size_t){ 0 }) != cf_kind_get(CF_KIND_KUSTOMIZATION) || path == NULL)
		return cli_fail(CLI_EXIT_USAGE, "%s", usage);
	if (cli_build.dry_run && cli_build.ks_file == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--dry-run needs --kustomization-file (no cluster is read)");
	return 0;
}

int cmd_build(int argc, char **argv)
{
	const char *path = NULL;
	const cf_flag own[] = { { "path", CF_FLAG_STRING, &path, "path to the manifests location (files under the working directory are readable)", 0 },
				CLI_BUILD_FLAGS };
	const char *usage = "usage: cflux build kustomization NAME --path DIR [--kustomization-file FILE [--dry-run]] [--ignore-paths P,...]";
	char *pos[POS_MAX];
	size_t npos;
	json_t *objs = NULL;
	cf_buf out = CF_BUF_INIT(1u << 30);
	cf_kube *k = NULL;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = cli_build_check(pos, npos, path, usage)) != 0)
		goto out;
	if (!cli_build.dry_run && (k = cli_client()) == NULL) {
		rc = 1;
		goto out;
	}
	if ((rc = cli_build_local(k, pos[1], path, NULL, &objs)) == 0 && (rc = cf_yaml_dump_all(&out, objs)) == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	else
		rc = cli_fail(1, "%s", cf_err_msg());
out:
	cf_flag_list_free(&cli_build.ignore);
	json_decref(objs);
	cf_buf_free(&out);
	cf_kube_free(k);
	return rc;
}

/* ---- envsubst ---- */

extern char **environ;

/* The environment as postBuild variables (names the controller would accept). */
static json_t *env_vars(void)
{
	json_t *vars = json_object();

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[256];
		if (eq == NULL || (size_t)(eq - *e) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
		if (cf_flux_check_var_name(name) == 0)
			json_object_set_new(vars, name, json_string(eq + 1));
		else
			cf_err_clear();
	}
	return vars;
}

/* --strict: every ${var} without a default must be set (flux's strict mode). */
static int strict_check(const char *text, size_t len, const json_t *vars)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] == '$' && text[i + 1] == '$') {
			i++;
			continue;
		}
		if (text[i] != '$' || text[i + 1] != '{')
			continue;
		size_t j = i + 2;
		while (j < len && (text[j] == '_' || (text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z') ||
				   (j > i + 2 && text[j] >= '0' && text[j] <= '9')))
			j++;
		if (j < len && text[j] == '}') {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(j - i - 2), text + i + 2);
			if (json_object_get(vars, name) == NULL)
				return cf_err_set(CF_EINVAL, "variable not set (strict mode): \"%s\"", name);
		}
	}
	return 0;
}

int cmd_envsubst(int argc, char **argv)
{
	int strict = 0, rc;
	const cf_flag own[] = { { "strict", CF_FLAG_BOOL, &strict, "fail if a variable without a default value is declared in the input but is missing from the environment", 0 } };
	cf_buf in = CF_BUF_INIT(ENVSUBST_MAX), out = CF_BUF_INIT(ENVSUBST_MAX * 2);
	json_t *vars = NULL;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux envsubst [--strict] < INPUT", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	vars = env_vars();
	rc = cf_buf_read_file(&in, "/dev/stdin");
	if (rc == 0 && strict)
		rc = strict_check(in.data ? in.data : "", in.len, vars);
	if (rc == 0)
		rc = cf_envsubst(&out, in.data ? in.data : "", in.len, vars);
	if (rc == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	else
		rc = cli_fail(1, "%s", cf_err_msg());
	json_decref(vars);
	cf_buf_free(&in);
	cf_buf_free(&out);
	return rc;
}
