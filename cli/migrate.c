/* cli/migrate.c - cflux migrate -f PATH: the apiVersion lines of Flux kinds in YAML files
 * rewritten to the latest versions of a Flux minor release, as flux migrate's file-system mode
 * does it: line by line (an "apiVersion: " line followed at once by a "kind: " line), the old
 * version replaced in that line and nothing else, so a file stays byte for byte what it was
 * otherwise (comments, quoting, a missing final newline). Paths are relative to the working
 * directory and may not leave it (flux reads them through os.Root). Without -f, the cluster
 * mode: every object of the Flux CRDs rewritten in the CRD's storage version (a merge patch,
 * managedFields moved to that version as fluxcd/pkg/ssa's PatchMigrateToVersion does), then
 * status.storedVersions set to it alone. */
#include "cli.h"
#include "help.h"
#include "migrate_scan.h"

#include "runtime/kinds.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIGRATE_FILE_MAX (64u * 1024u * 1024u)
#define GROUP_SOURCE_EXT "source.extensions.fluxcd.io"

typedef cli_migrate_version latest_version;

/* The latest version of each Flux kind per release (flux's flux27LatestAPIVersions, which 2.7
 * to 2.9 share, and flux26LatestAPIVersions); NULL: not a kind of that release. */
enum { FLUX27, FLUX26, NRELEASE_TABLES };
static const struct { const char *group, *kind, *version[NRELEASE_TABLES]; } LATEST[] = {
	{ CF_GROUP_SOURCE, "Bucket", { "v1", "v1" } },
	{ CF_GROUP_SOURCE, "GitRepository", { "v1", "v1" } },
	{ CF_GROUP_SOURCE, "OCIRepository", { "v1", "v1" } },
	{ CF_GROUP_SOURCE, "HelmRepository", { "v1", "v1" } },
	{ CF_GROUP_SOURCE, "HelmChart", { "v1", "v1" } },
	{ CF_GROUP_SOURCE, "ExternalArtifact", { "v1", "v1" } },
	{ CF_GROUP_KUSTOMIZE, "Kustomization", { "v1", "v1" } },
	{ CF_GROUP_HELM, "HelmRelease", { "v2", "v2" } },
	{ CF_GROUP_NOTIFICATION, "Receiver", { "v1", "v1" } },
	{ CF_GROUP_NOTIFICATION, "Alert", { "v1beta3", "v1beta3" } },
	{ CF_GROUP_NOTIFICATION, "Provider", { "v1beta3", "v1beta3" } },
	{ CF_GROUP_IMAGE, "ImageRepository", { "v1", "v1beta2" } },
	{ CF_GROUP_IMAGE, "ImagePolicy", { "v1", "v1beta2" } },
	{ CF_GROUP_IMAGE, "ImageUpdateAutomation", { "v1", "v1beta2" } },
	{ GROUP_SOURCE_EXT, "ArtifactGenerator", { "v1beta1", NULL } },
};
#define NLATEST (sizeof(LATEST) / sizeof(LATEST[0]))
/* Newest first: the first is the default (flux's latestAPIVersions[0]). */
static const struct { const char *flux; int table; } RELEASES[] = {
	{ "2.9", FLUX27 }, { "2.8", FLUX27 }, { "2.7", FLUX27 }, { "2.6", FLUX26 },
};

/* The scan's table for one release, NULL-ended, into out. */
static void release_table(latest_version out[NLATEST + 1], int table)
{
	size_t n = 0;

	for (size_t i = 0; i < NLATEST; i++)
		if (LATEST[i].version[table])
			out[n++] = (latest_version){ LATEST[i].group, LATEST[i].kind, LATEST[i].version[table] };
	out[n] = (latest_version){ NULL, NULL, NULL };
}

typedef struct migrate_args {
	const latest_version *latest;
	cf_flag_list *extensions;
	int dry_run, yes;
} migrate_args;

typedef struct file_upgrades {
	char *path;
	cli_migrate_upgrade *ups;
	size_t n;
} file_upgrades;

typedef struct plan {
	file_upgrades *files;
	size_t n, cap;
} plan;

static void plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		cf_free(p->files[i].path);
		cf_free(p->files[i].ups);
	}
	cf_free(p->files);
}

static void warn_group_version(void *path, size_t line, const char *gv)
{
	cli_warn("%s:%zu: unexpected GroupVersion string: %s", (const char *)path, line + 1, gv);
}

static int read_text(cf_buf *b, const char *path)
{
	if (cf_buf_read_file(b, path) < 0)
		return cli_fail(1, "failed to read file %s: %s", path, cf_err_msg());
	return 0;
}

static int add_file(plan *p, const char *path, const migrate_args *a)
{
	cf_buf b = CF_BUF_INIT(MIGRATE_FILE_MAX);
	file_upgrades fu = { NULL, NULL, 0 };
	int rc;

	if ((rc = read_text(&b, path)) != 0)
		return rc;
	rc = cli_migrate_scan(&fu.ups, &fu.n, b.data ? b.data : "", b.len, a->latest, warn_group_version, (void *)path);
	cf_buf_free(&b);
	if (rc < 0 || fu.n == 0) {
		cf_free(fu.ups);
		return rc < 0 ? cli_fail(1, "%s", cf_err_msg()) : 0;
	}
	if (p->n == p->cap) {
		file_upgrades *more = cf_realloc(p->files, (p->cap ? p->cap * 2 : 16) * sizeof(*more));
		if (more == NULL) {
			cf_free(fu.ups);
			return cli_fail(1, "out of memory");
		}
		p->files = more;
		p->cap = p->cap ? p->cap * 2 : 16;
	}
	if ((fu.path = cf_strdup(path)) == NULL) {
		cf_free(fu.ups);
		return cli_fail(1, "out of memory");
	}
	p->files[p->n++] = fu;
	for (size_t i = 0; i < fu.n; i++)
		cli_generate("%s:%zu: %s %s -> %s", path, fu.ups[i].line + 1, fu.ups[i].kind, fu.ups[i].old_version,
			     fu.ups[i].new_version);
	return 0;
}

static int matches_extensions(const char *path, const cf_flag_list *ext)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < ext->n; i++) {
		size_t el = strlen(ext->items[i]);
		if (el <= len && memcmp(path + len - el, ext->items[i], el) == 0)
			return 1;
	}
	return 0;
}

/* Go's syscall error words: strerror's, first letter lower-case. */
static const char *go_errno(int e, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* fs.WalkDir's order: the entries of each directory sorted by name, a directory walked where it
 * sorts; symbolic links are not followed (and, with a matching name, skipped as irregular). */
static int walk(json_t *files, const char *dir, const migrate_args *a)
{
	struct dirent **names = NULL;
	char eb[128];
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0)
		return cli_fail(1, "failed to walk directory %s: openat %s: %s", dir, dir, go_errno(errno, eb, sizeof(eb)));
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *path = NULL;
		struct stat st;
		if (rc != 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (asprintf(&path, "%s/%s", strcmp(dir, ".") == 0 ? "" : dir, name) < 0) {
			rc = cli_fail(1, "out of memory");
			continue;
		}
		if (strcmp(dir, ".") == 0)
			memmove(path, path + 1, strlen(path));
		if (lstat(path, &st) != 0)
			rc = cli_fail(1, "failed to walk directory %s: lstat %s: %s", dir, path, go_errno(errno, eb, sizeof(eb)));
		else if (matches_extensions(path, a->extensions) && S_ISREG(st.st_mode))
			rc = json_array_append_new(files, json_string(path)) == 0 ? 0 : cli_fail(1, "out of memory");
		else if (matches_extensions(path, a->extensions) && !S_ISDIR(st.st_mode))
			cli_warn("skipping irregular file %s", path);
		if (rc == 0 && S_ISDIR(st.st_mode))
			rc = walk(files, path, a);
		free(path);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Go's filepath.Clean into out; -1 when the result is not an fs.ValidPath (rooted, or climbing
 * out with ".."), which flux's os.Root refuses. */
static int clean_path(char *out, size_t size, const char *in)
{
	int rooted = in[0] == '/', climbs = 0;
	size_t n = 0, kept = 0;   /* kept: elements after the leading ".."s */

	out[0] = '\0';
	for (const char *s = in; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (kept > 0) {   /* drop the last element */
				char *slash = strrchr(out, '/');
				n = slash ? (size_t)(slash - out) : 0;
				out[n] = '\0';
				kept--;
			} else if (!rooted) {
				if (n + 4 > size)
					return -1;
				n += (size_t)snprintf(out + n, size - n, "%s..", n ? "/" : "");
				climbs = 1;
			}
		} else if (len > 0 && !(len == 1 && s[0] == '.')) {
			if (n + len + 2 > size)
				return -1;
			n += (size_t)snprintf(out + n, size - n, "%s%.*s", n ? "/" : "", (int)len, s);
			kept++;
		}
		s += len;
		while (*s == '/')
			s++;
	}
	if (rooted) {
		if (n + 2 > size)
			return -1;
		memmove(out + 1, out, n + 1);
		out[0] = '/';
	} else if (n == 0) {
		snprintf(out, size, ".");
	}
	return rooted || climbs ? -1 : 0;
}

/* The files to look at (flux's listFiles), into the array files, in walk order. */
static int list_files(json_t *files, const char *path, const migrate_args *a)
{
	struct stat st;
	char eb[128];

	if (stat(path, &st) != 0)
		return cli_fail(1, "failed to stat path %s: openat %s: %s", path, path, go_errno(errno, eb, sizeof(eb)));
	if (S_ISDIR(st.st_mode))
		return walk(files, path, a);
	if (!matches_extensions(path, a->extensions)) {
		cf_buf list = CF_BUF_INIT(65536);
		for (size_t i = 0; i < a->extensions->n; i++)
			cf_buf_printf(&list, "%s%s", i ? ", " : "", a->extensions->items[i]);
		cli_fail(1, "file %s does not match the specified extensions: %s", path, list.data ? list.data : "");
		cf_buf_free(&list);
		return 1;
	}
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return cli_fail(1, "file %s is irregular", path);
	return json_array_append_new(files, json_string(path)) == 0 ? 0 : cli_fail(1, "out of memory");
}

/* Rewrites one file in place (flux's os.WriteFile: same inode and mode). */
static int migrate_file(const file_upgrades *fu)
{
	cf_buf in = CF_BUF_INIT(MIGRATE_FILE_MAX), out = CF_BUF_INIT(MIGRATE_FILE_MAX * 2);
	FILE *f = NULL;
	int rc;

	if ((rc = read_text(&in, fu->path)) != 0)
		return rc;
	rc = cli_migrate_rewrite(&out, in.data ? in.data : "", in.len, fu->ups, fu->n);
	cf_buf_free(&in);
	if (rc == 0 && ((f = fopen(fu->path, "w")) == NULL || fwrite(out.data ? out.data : "", 1, out.len, f) != out.len))
		rc = cf_err_set(CF_EIO, "open %s: %s", fu->path, strerror(errno));
	if (f && fclose(f) != 0 && rc == 0)
		rc = cf_err_set(CF_EIO, "close %s: %s", fu->path, strerror(errno));
	cf_buf_free(&out);
	return rc < 0 ? cli_fail(1, "failed to write file %s: %s", fu->path, cf_err_msg()) : 0;
}

static int migrate_files(const char *path_flag, const migrate_args *a)
{
	plan p = { NULL, 0, 0 };
	json_t *files = json_array(), *f;
	char path[4096];
	size_t i;
	int rc = 0;

	cli_action("starting migration of custom resources");
	if (clean_path(path, sizeof(path), path_flag) < 0) {
		json_decref(files);
		return cli_fail(1, "failed to stat path %s: open %s: invalid argument", path, path);
	}
	if (files == NULL) {
		rc = cli_fail(1, "out of memory");
		goto out;
	}
	if ((rc = list_files(files, path, a)) != 0)
		goto out;
	json_array_foreach(files, i, f)   /* all listed first: the walk's warnings come before */
		if ((rc = add_file(&p, json_string_value(f), a)) != 0)
			goto out;
	if (p.n == 0) {
		cli_ok("no custom resources found that require migration");
		goto out;
	}
	if (a->dry_run) {
		cli_ok("dry-run mode enabled, no changes will be made");
		goto out;
	}
	if (!a->yes && (rc = cli_confirm("Are you sure you want to proceed with the above upgrades")) != 0)
		goto out;
	for (i = 0; i < p.n && rc == 0; i++)
		if ((rc = migrate_file(&p.files[i])) == 0)
			cli_ok("file %s migrated successfully", p.files[i].path);
	if (rc == 0)
		cli_ok("custom resources migrated successfully");
out:
	json_decref(files);
	plan_free(&p);
	return rc;
}

#define CRD_AV "apiextensions.k8s.io/v1"
/* flux's CRDs are part-of flux, cflux's part-of cflux */
#define FLUX_CRDS "app.kubernetes.io/part-of in (flux,cflux)"

static const char *storage_version(const json_t *crd)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(crd, "spec"), "versions"), i, v)
		if (json_is_true(json_object_get(v, "storage")))
			return cf_json_str(v, "name");
	return NULL;
}

/* Rewrites one object in apiVersion (flux's migrateCR, one item). */
static int migrate_object(cf_kube *k, json_t *item, const char *api_version, const char *version)
{
	json_t *md = json_object_get(item, "metadata"), *fields = json_deep_copy(json_object_get(md, "managedFields")), *e;
	const char *kind = cf_json_str(item, "kind"), *ns = cf_json_str(md, "namespace"), *name = cf_json_str(md, "name");
	cf_kube_ref ref = { api_version, kind, ns, name };
	json_t *patch;
	size_t i;
	int changed = 0, rc;

	json_array_foreach(fields, i, e)
		if (!cf_json_str(e, "apiVersion") || strcmp(cf_json_str(e, "apiVersion"), api_version) != 0) {
			json_object_set_new(e, "apiVersion", json_string(api_version));
			changed = 1;
		}
	/* unchanged: an empty patch, which the apiserver still writes in the storage version */
	patch = changed ? json_pack("{s:{s:O}}", "metadata", "managedFields", fields) : json_object();
	rc = patch ? cf_kube_merge_patch(k, NULL, &ref, patch) : cf_err_set(CF_ENOMEM, "out of memory");
	json_decref(patch);
	json_decref(fields);
	if (rc == CF_ENOTFOUND) {   /* deleted meanwhile */
		cf_err_clear();
		rc = 0;
	} else if (rc < 0) {
		return cli_fail(1, " %s/%s/%s failed to migrate%s: %s", kind, ns ? ns : "", name, changed ? " managed fields" : "",
				cf_err_msg());
	}
	cli_ok("%s/%s/%s migrated to version %s", kind, ns ? ns : "", name, version);
	return 0;
}

/* flux's migrateCRD: the objects, then the stored versions. */
static int migrate_crd(cf_kube *k, const char *crd_name)
{
	json_t *crd = NULL, *list = NULL, *item, *stored, *patch;
	const char *storage, *group, *kind;
	char av[512];
	size_t i;
	int rc;

	if (cf_kube_get(k, &crd, &(cf_kube_ref){ CRD_AV, "CustomResourceDefinition", NULL, crd_name }) < 0)
		return cli_fail(1, "failed to get CRD %s: %s", crd_name, cf_err_msg());
	rc = 0;
	group = cf_json_str(json_object_get(crd, "spec"), "group");
	kind = cf_json_str(json_object_get(json_object_get(crd, "spec"), "names"), "kind");
	if ((storage = storage_version(crd)) == NULL || group == NULL || kind == NULL) {
		rc = cli_fail(1, "no storage version found for CRD %s", crd_name);
		goto out;
	}
	snprintf(av, sizeof(av), "%s/%s", group, storage);
	if (cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, NULL, NULL }, NULL) < 0) {
		rc = cli_fail(1, "failed to migrate resources for CRD %s: failed to list resources for CRD %s: %s", crd_name,
			      crd_name, cf_err_msg());
		goto out;
	}
	json_array_foreach(json_object_get(list, "items"), i, item) {
		if (!cf_json_str(item, "kind"))
			json_object_set_new(item, "kind", json_string(kind));
		if ((rc = migrate_object(k, item, av, storage)) != 0)
			goto out;
	}
	stored = json_object_get(json_object_get(crd, "status"), "storedVersions");
	if (json_array_size(stored) > 1 || !json_string_value(json_array_get(stored, 0)) ||
	    strcmp(json_string_value(json_array_get(stored, 0)), storage) != 0) {
		patch = json_pack("{s:{s:[s]}}", "status", "storedVersions", storage);
		rc = patch ? cf_kube_patch_status(k, NULL, &(cf_kube_ref){ CRD_AV, "CustomResourceDefinition", NULL, crd_name }, patch)
			   : cf_err_set(CF_ENOMEM, "out of memory");
		json_decref(patch);
		if (rc < 0) {
			rc = cli_fail(1, "failed to update CRD %s status: %s", crd_name, cf_err_msg());
			goto out;
		}
		rc = 0;
		cli_ok("%s migrated to storage version %s", crd_name, storage);
	}
out:
	json_decref(list);
	json_decref(crd);
	return rc;
}

/* flux migrate without -f: every Flux CRD's objects into its storage version. */
static int migrate_cluster(void)
{
	json_t *crds = NULL, *crd;
	cf_kube *k;
	size_t i;
	int rc = 0;

	cli_action("starting migration of custom resources");
	if ((k = cli_client()) == NULL)
		return 1;
	if (cf_kube_list(k, &crds, &(cf_kube_ref){ CRD_AV, "CustomResourceDefinition", NULL, NULL }, FLUX_CRDS) < 0) {
		rc = cli_fail(1, "failed to list CRDs: %s", cf_err_msg());
		goto out;
	}
	json_array_foreach(json_object_get(crds, "items"), i, crd)
		if ((rc = migrate_crd(k, cf_json_str(json_object_get(crd, "metadata"), "name"))) != 0)
			goto out;
	cli_ok("custom resources migrated successfully");
out:
	json_decref(crds);
	cf_kube_free(k);
	return rc;
}

/* pflag gives -v to --version here; cflux's globals give it to --verbose elsewhere. */
static void version_short(int argc, char **argv)
{
	static char buf[8][512];
	int used = 0;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			argv[i] = (char *)"--version";
		} else if (strncmp(argv[i], "-v", 2) == 0 && used < 8) {
			snprintf(buf[used], sizeof(buf[used]), "--version=%s", argv[i] + (argv[i][2] == '=' ? 3 : 2));
			argv[i] = buf[used++];
		}
	}
}

int cmd_migrate(int argc, char **argv)
{
	static const char *const usage = "usage: cflux migrate -f PATH [--extensions .yaml,.yml] [--version 2.9] [--dry-run] [--yes]";
	const char *path = NULL, *version = NULL;
	cf_flag_list extensions = { { NULL }, 0, { NULL }, 0 };
	migrate_args a = { NULL, &extensions, 0, 0 };
	latest_version table[NLATEST + 1];
	int release = 0;
	const cf_flag own[] = {
		{ "path|f", CF_FLAG_STRING, &path, "the path to the directory containing the manifests to migrate", 0 },
		{ "extensions|e", CF_FLAG_LIST, &extensions, "the file extensions to consider when migrating manifests, only applicable with --path", 0 },
		{ "version|v", CF_FLAG_STRING, &version, "the target Flux minor version to migrate manifests to, only applicable with --path (defaults to the version of the CLI)", 0 },
		{ "yes|y", CF_FLAG_BOOL, &a.yes, "skip confirmation prompts when migrating manifests, only applicable with --path", 0 },
		{ "dry-run", CF_FLAG_BOOL, &a.dry_run, "simulate the migration of manifests without making any changes, only applicable with --path", 0 },
	};
	int rc;

	version_short(argc, argv);
	if (cli_help_asked(argc, argv)) {   /* the default, as pflag shows it */
		extensions.items[extensions.n++] = ".yaml";
		extensions.items[extensions.n++] = ".yml";
	}
	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, usage, NULL, NULL)) != 0) {
		cf_flag_list_free(&extensions);
		return rc == 1 ? 0 : rc;
	}
	if (extensions.n == 0) {
		extensions.items[extensions.n++] = ".yaml";
		extensions.items[extensions.n++] = ".yml";
	}
	if (path == NULL || path[0] == '\0') {
		rc = migrate_cluster();
		goto out;
	}
	if (version && version[0]) {
		cf_buf supported = CF_BUF_INIT(256);
		release = -1;
		for (size_t i = 0; i < sizeof(RELEASES) / sizeof(RELEASES[0]) && release < 0; i++) {
			if (strcmp(RELEASES[i].flux, version) == 0)
				release = (int)i;
			else
				cf_buf_printf(&supported, "%s%s", i ? ", " : "", RELEASES[i].flux);
		}
		if (release < 0)
			rc = cli_fail(1, "version %s is not supported, supported versions are: %s", version, supported.data ? supported.data : "");
		cf_buf_free(&supported);
		if (rc)
			goto out;
	}
	release_table(table, RELEASES[release].table);
	a.latest = table;
	rc = migrate_files(path, &a);
out:
	cf_flag_list_free(&extensions);
	return rc;
}
