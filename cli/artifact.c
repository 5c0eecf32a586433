/* cli/artifact.c - Flux's OCI artifacts for OCIRepository users: build artifact (a directory as
 * a deterministic tar.gz), push artifact (that tar.gz as a Flux content layer with the
 * source/revision annotations), pull artifact (the layer unpacked into a directory), tag
 * artifact, list artifacts and diff artifact, on the one OCI client (common/source/oci.h).
 * Registry credentials (--creds user:pass) go to the client only, never to a message. */
#include "cli.h"

#include "source/artifact.h"
#include "source/oci.h"
#include "source/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/err.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARTIFACT_MAX    (512u * 1024u * 1024u)   /* a tar.gz built or pulled */
#define UNPACKED_MAX    (1024u * 1024u * 1024u)
#define FILES_MAX       100000u
#define FILE_MAX        (64u * 1024u * 1024u)
#define WALK_DEPTH_MAX  64
#define MT_FLUX_CONFIG  "application/vnd.cncf.flux.config.v1+json"
#define ANN_SOURCE      "org.opencontainers.image.source"
#define ANN_REVISION    "org.opencontainers.image.revision"
#define ANN_CREATED     "org.opencontainers.image.created"

/* What every artifact command takes about the registry. */
typedef struct reg_args {
	const char *creds, *provider;
	int insecure;
} reg_args;

#define REG_FLAGS(r) \
	{ "creds", CF_FLAG_STRING, &(r).creds, "credentials for OCI registry in the format <username>[:<password>] if --provider is generic", 0 }, \
	{ "provider", CF_FLAG_STRING, &(r).provider, "the OCI provider name, available options are: (generic, aws, azure, gcp)", 0 }, \
	{ "insecure-registry", CF_FLAG_BOOL, &(r).insecure, "allows artifacts to be pushed without TLS", 0 }

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the files under root/rel (sorted, ".git" left out, as flux's build leaves it out) to w. */
static int add_dir(cf_artifact_writer *w, const char *root, const char *rel, int depth)
{
	char dir[4096], *names[4096];
	size_t n = 0;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > WALK_DEPTH_MAX)
		return cf_err_set(CF_EINVAL, "%s: directories nested too deep", root);
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	if ((d = opendir(dir)) == NULL)
		return cf_err_set(CF_EIO, "cannot read directory %s", dir);
	while ((e = readdir(d)) != NULL && rc == 0) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, ".git") == 0)
			continue;
		if (n >= sizeof(names) / sizeof(names[0]))
			rc = cf_err_set(CF_ETOOBIG, "%s: too many entries", dir);
		else if ((names[n] = cf_strdup(e->d_name)) == NULL)
			rc = cf_err_set(CF_ENOMEM, "out of memory");
		else
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_string);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char path[4096], sub[4096];
		struct stat st;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", root, sub) >= sizeof(path)) {
			rc = cf_err_set(CF_ETOOBIG, "%s: path too long", root);
		} else if (lstat(path, &st) < 0) {
			rc = cf_err_set(CF_EIO, "cannot stat %s", path);
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_dir(w, root, sub, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t len = readlink(path, target, sizeof(target) - 1);
			if (len < 0)
				rc = cf_err_set(CF_EIO, "cannot read link %s", path);
			else {
				target[len] = '\0';
				rc = cf_artifact_writer_add_symlink(w, sub, target);
			}
		} else if (S_ISREG(st.st_mode)) {
			cf_buf b = CF_BUF_INIT(FILE_MAX);
			if ((rc = cf_buf_read_file(&b, path)) == 0)
				rc = cf_artifact_writer_add_file(w, sub, (st.st_mode & 0111) != 0, b.data ? b.data : "", b.len);
			cf_buf_free(&b);
		}
	}
	for (size_t i = 0; i < n; i++)
		cf_free(names[i]);
	return rc;
}

/* path (a directory, or one file) as a tar.gz at out_dir/out_name; digest and size of it. */
static int build_tgz(const char *path, const char *out_dir, const char *out_name, char digest[72], size_t *size)
{
	cf_artifact_writer *w = NULL;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return cf_err_set(CF_ENOTFOUND, "invalid path '%s', path does not exist", path);
	if ((rc = cf_artifact_writer_open(&w, out_dir, out_name, ARTIFACT_MAX)) < 0)
		return rc;
	if (S_ISDIR(st.st_mode)) {
		rc = add_dir(w, path, "", 0);
	} else {
		cf_buf b = CF_BUF_INIT(FILE_MAX);
		const char *base = strrchr(path, '/');
		if ((rc = cf_buf_read_file(&b, path)) == 0)
			rc = cf_artifact_writer_add_file(w, base ? base + 1 : path, 0, b.data ? b.data : "", b.len);
		cf_buf_free(&b);
	}
	if (rc == 0)
		rc = cf_artifact_writer_commit(w, digest, size);
	cf_artifact_writer_free(w);
	return rc;
}

/* A client for ref's registry with the --creds credentials; NULL after printing the error. */
static cf_oci *client(const cf_oci_ref *ref, const reg_args *r)
{
	cf_oci_options o = CF_OCI_OPTIONS_INIT;
	char *user = NULL;
	cf_oci *c = NULL;

	o.registry = ref->registry;
	o.insecure = r->insecure;
	if (r->provider && strcmp(r->provider, "generic") != 0) {
		cli_fail(1, "provider '%s' needs a cloud's credentials, which cflux does not have: use --creds", r->provider);
		return NULL;
	}
	if (r->creds && *r->creds) {
		const char *colon = strchr(r->creds, ':');
		size_t ul = colon ? (size_t)(colon - r->creds) : strlen(r->creds);
		if ((user = cf_malloc(ul + 1)) == NULL) {
			cli_fail(1, "out of memory");
			return NULL;
		}
		memcpy(user, r->creds, ul);
		user[ul] = '\0';
		o.username = user;
		o.password = colon ? colon + 1 : "";
	}
	if (cf_oci_new(&c, &o) < 0)
		cli_fail(1, "%s", cf_err_msg());
	if (user)
		cf_free_secret(user, strlen(user) + 1);
	return c;
}

/* The oci:// URL argument as a reference; 0 or the exit code after the error. */
static int parse_url(cf_oci_ref *ref, const char *url, int need_tag)
{
	if (url == NULL)
		return cli_fail(1, "artifact URL is required");
	if (strncmp(url, "oci://", 6) != 0)
		return cli_fail(1, "URL must be in format 'oci://<domain>/<org>/<repo>'");
	if (cf_oci_ref_parse(ref, url) < 0)
		return cli_fail(1, "invalid URL: %s", cf_err_msg());
	if (need_tag && ref->tag[0] == '\0' && ref->digest[0] == '\0')
		snprintf(ref->tag, sizeof(ref->tag), "latest");
	return 0;
}

/* The Flux content layer of a manifest (else its only layer), or NULL. */
static const cf_oci_desc *content_layer(const cf_oci_manifest *m)
{
	for (size_t i = 0; i < m->n_items; i++)
		if (strcmp(m->items[i].media_type, CF_OCI_MT_FLUX_CONTENT) == 0)
			return &m->items[i];
	return m->n_items == 1 && !m->is_index ? &m->items[0] : NULL;
}

int cmd_build_artifact(int argc, char **argv);
int cmd_push_artifact(int argc, char **argv);
int cmd_pull_artifact(int argc, char **argv);
int cmd_tag_artifact(int argc, char **argv);
int cmd_list_artifacts(int argc, char **argv);
int cmd_diff_artifact(int argc, char **argv);

static int parse_cmd(const cf_flag *own, size_t n, int argc, char **argv, const char *usage, char **pos, size_t *npos)
{
	int rc = cli_parse(own, n, argc, argv, usage, pos, npos);

	return rc == 1 ? -1 : rc;
}

/* ---- build artifact ---- */

int cmd_build_artifact(int argc, char **argv)
{
	const char *path = NULL, *output = "artifact.tgz";
	cf_flag_list ignore = { .n = 0 };
	const cf_flag own[] = {
		{ "path|p", CF_FLAG_STRING, &path, "Path to the directory where the Kubernetes manifests are located.", 0 },
		{ "output|o", CF_FLAG_STRING, &output, "Path to where the artifact tgz file should be written.", 0 },
		{ "ignore-paths", CF_FLAG_LIST, &ignore, "set paths to ignore in .gitignore format", 0 },
	};
	char *pos[8], digest[72], dir[4096];
	const char *slash;
	size_t npos;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux build artifact --path DIR [--output FILE]", pos, &npos);

	if (rc == 0 && ignore.n)
		rc = cli_fail(1, "--ignore-paths: not supported by cflux build artifact yet");
	cf_flag_list_free(&ignore);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (path == NULL)
		return cli_fail(1, "invalid path '', must point to an existing directory or file");
	slash = strrchr(output, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - output) : 1, slash ? output : ".");
	cli_say("building artifact from %s", path);
	if (build_tgz(path, dir, slash ? slash + 1 : output, digest, NULL) < 0)
		return cli_fail(1, "%s", cf_err_msg());
	cli_ok("artifact created at %s", output);
	return 0;
}

/* ---- push artifact ---- */

/* The manifest of a pushed artifact: the Flux config and content layer, the annotations. */
static int push_manifest(cf_buf *out, const char *cfg, const char *layer, size_t size, const char *source,
			 const char *revision, const cf_flag_list *annotations, int reproducible)
{
	char created[CF_TIME_MAX];
	json_t *ann, *m;
	char *text;
	int rc = 0;

	if (reproducible)
		snprintf(created, sizeof(created), "1970-01-01T00:00:00Z");
	else
		cf_time_rfc3339(created, 0);
	ann = json_pack("{s:s}", ANN_CREATED, created);
	if (source)
		json_object_set_new(ann, ANN_SOURCE, json_string(source));
	if (revision)
		json_object_set_new(ann, ANN_REVISION, json_string(revision));
	for (size_t i = 0; i < annotations->n && rc == 0; i++) {
		const char *eq = strchr(annotations->items[i], '=');
		if (eq == NULL || eq == annotations->items[i])
			rc = cli_fail(1, "invalid annotation %s, must be in the format key=value", annotations->items[i]);
		else {
			char key[320];
			snprintf(key, sizeof(key), "%.*s", (int)(eq - annotations->items[i]), annotations->items[i]);
			json_object_set_new(ann, key, json_string(eq + 1));
		}
	}
	m = json_pack("{s:i,s:s,s:{s:s,s:s,s:i},s:[{s:s,s:s,s:I}],s:o}", "schemaVersion", 2, "mediaType", CF_OCI_MT_MANIFEST,
		      "config", "mediaType", MT_FLUX_CONFIG, "digest", cfg, "size", 2, "layers", "mediaType",
		      CF_OCI_MT_FLUX_CONTENT, "digest", layer, "size", (json_int_t)size, "annotations", ann);
	text = (rc == 0 && m) ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(m);
	if (rc == 0 && text == NULL)
		rc = cli_fail(1, "out of memory");
	if (rc == 0 && cf_buf_append(out, text, strlen(text)) < 0)
		rc = cli_fail(1, "%s", cf_err_msg());
	free(text);
	return rc;
}

int cmd_push_artifact(int argc, char **argv)
{
	const char *path = NULL, *source = NULL, *revision = NULL, *output = NULL;
	reg_args r = { .provider = "generic" };
	cf_flag_list annotations = { .n = 0 }, ignore = { .n = 0 };
	int reproducible = 0;
	const cf_flag own[] = {
		{ "path|f", CF_FLAG_STRING, &path, "path to the directory where the Kubernetes manifests are located", 0 },
		{ "source", CF_FLAG_STRING, &source, "the source address, e.g. the Git URL", 0 },
		{ "revision", CF_FLAG_STRING, &revision, "the source revision in the format '<branch|tag>@sha1:<commit-sha>'", 0 },
		{ "annotations|a", CF_FLAG_LIST, &annotations, "Set custom OCI annotations in the format '<key>=<value>'", 0 },
		{ "ignore-paths", CF_FLAG_LIST, &ignore, "set paths to ignore in .gitignore format", 0 },
		{ "output|o", CF_FLAG_STRING, &output, "the format in which the artifact digest should be printed, can be 'json' or 'yaml'", 0 },
		{ "reproducible", CF_FLAG_BOOL, &reproducible, "ensure reproducible image digests by setting the created timestamp to '1970-01-01T00:00:00Z'", 0 },
		REG_FLAGS(r),
	};
	char *pos[8], tmp[] = "/tmp/cflux-push-XXXXXX", file[64], layer[72], cfg[72], digest[72];
	cf_buf tgz = CF_BUF_INIT(ARTIFACT_MAX), man = CF_BUF_INIT(1u << 20);
	size_t npos, size;
	cf_oci_ref ref;
	cf_oci *c = NULL;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv,
			   "usage: cflux push artifact oci://HOST/REPO:TAG --path DIR --source URL --revision REV", pos, &npos);

	if (rc == 0 && ignore.n)
		rc = cli_fail(1, "--ignore-paths: not supported by cflux push artifact yet");
	if (rc == 0 && (rc = parse_url(&ref, npos ? pos[0] : NULL, 1)) == 0 && (path == NULL || *path == '\0'))
		rc = cli_fail(1, "invalid path '', must point to an existing directory or file");
	if (rc == 0 && mkdtemp(tmp) == NULL)
		rc = cli_fail(1, "cannot make a temporary directory");
	if (rc == 0) {
		cli_say("pushing artifact to %s/%s:%s", ref.registry, ref.repository, ref.tag);
		snprintf(file, sizeof(file), "artifact.tgz");
		if (build_tgz(path, tmp, file, layer, &size) < 0) {
			rc = cli_fail(1, "%s", cf_err_msg());
		} else {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", tmp, file);
			if (cf_buf_read_file(&tgz, p) < 0)
				rc = cli_fail(1, "%s", cf_err_msg());
			unlink(p);
		}
		rmdir(tmp);
	}
	if (rc == 0 && (c = client(&ref, &r)) == NULL)
		rc = 1;
	if (rc == 0 && (cf_oci_blob_push(c, ref.repository, tgz.data, tgz.len, layer) < 0 ||
			cf_oci_blob_push(c, ref.repository, "{}", 2, cfg) < 0))
		rc = cli_fail(1, "%s", cf_err_msg());
	if (rc == 0)
		rc = push_manifest(&man, cfg, layer, tgz.len, source, revision, &annotations, reproducible);
	if (rc == 0 && cf_oci_manifest_push(c, ref.repository, ref.tag, CF_OCI_MT_MANIFEST, man.data, man.len, digest) < 0)
		rc = cli_fail(1, "%s", cf_err_msg());
	if (rc == 0) {
		if (output && strcmp(output, "json") == 0)
			printf("{\n  \"repository\": \"%s/%s\",\n  \"tag\": \"%s\",\n  \"digest\": \"%s\",\n  \"url\": \"%s/%s:%s@%s\"\n}\n",
			       ref.registry, ref.repository, ref.tag, digest, ref.registry, ref.repository, ref.tag, digest);
		else if (output && strcmp(output, "yaml") == 0)
			printf("digest: %s\nrepository: %s/%s\ntag: %s\nurl: %s/%s:%s@%s\n", digest, ref.registry, ref.repository,
			       ref.tag, ref.registry, ref.repository, ref.tag, digest);
		else
			cli_ok("artifact successfully pushed to %s/%s@%s", ref.registry, ref.repository, digest);
	}
	cf_oci_free(c);
	cf_buf_free(&tgz);
	cf_buf_free(&man);
	cf_flag_list_free(&annotations);
	cf_flag_list_free(&ignore);
	return rc < 0 ? 0 : rc;
}

/* ---- pull artifact ---- */

/* Writes tree t's directory rel under out. */
static int write_tree(const cf_tree *t, const char *rel, const char *out, int depth)
{
	json_t *names = NULL, *n;
	size_t i;
	int rc;

	if (depth > WALK_DEPTH_MAX)
		return cf_err_set(CF_EINVAL, "artifact nested too deep");
	if ((rc = cf_tree_list(t, rel, &names)) < 0)
		return rc;
	json_array_foreach(names, i, n) {
		char sub[4096], path[4096];
		const unsigned char *data;
		size_t len;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", strcmp(rel, ".") ? rel : "", strcmp(rel, ".") ? "/" : "",
				     json_string_value(n)) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", out, sub) >= sizeof(path)) {
			rc = cf_err_set(CF_ETOOBIG, "%s: path too long", out);
		} else if (cf_tree_is_dir(t, sub)) {
			if ((rc = cf_artifact_mkdir_p(path)) == 0)
				rc = write_tree(t, sub, out, depth + 1);
		} else if ((data = cf_tree_get(t, sub, &len)) != NULL) {
			const char *slash = strrchr(path, '/');
			char dir[4096];
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
			rc = cf_artifact_write_bytes(dir, slash + 1, data, len);
		}
		if (rc < 0)
			break;
	}
	json_decref(names);
	return rc;
}

/* The content layer of ref's manifest fetched into memory, with the manifest. */
static int fetch_content(cf_oci *c, const cf_oci_ref *ref, cf_oci_manifest *m, void **blob, size_t *len)
{
	const cf_oci_desc *layer;

	*blob = NULL;
	if (cf_oci_manifest_get(c, m, ref->repository, ref->digest[0] ? ref->digest : ref->tag) < 0)
		return cli_fail(1, "failed to pull artifact: %s", cf_err_msg());
	if ((layer = content_layer(m)) == NULL)
		return cli_fail(1, "no Flux content layer in %s/%s", ref->registry, ref->repository);
	if (cf_oci_blob_get(c, blob, len, ref->repository, layer->digest, ARTIFACT_MAX) < 0)
		return cli_fail(1, "failed to pull artifact: %s", cf_err_msg());
	return 0;
}

int cmd_pull_artifact(int argc, char **argv)
{
	const char *output = NULL;
	reg_args r = { .provider = "generic" };
	const cf_flag own[] = {
		{ "output|o", CF_FLAG_STRING, &output, "path where the artifact content should be extracted.", 0 },
		REG_FLAGS(r),
	};
	char *pos[8];
	size_t npos, len = 0;
	cf_oci_ref ref;
	cf_oci_manifest m = { .n_items = 0 };
	cf_oci *c = NULL;
	cf_tree *t = NULL;
	void *blob = NULL;
	const char *src, *rev;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux pull artifact oci://HOST/REPO:TAG --output DIR", pos, &npos);

	if (rc == 0 && (rc = parse_url(&ref, npos ? pos[0] : NULL, 1)) == 0 && (output == NULL || *output == '\0'))
		rc = cli_fail(1, "invalid output path ''");
	if (rc == 0 && (c = client(&ref, &r)) == NULL)
		rc = 1;
	if (rc == 0) {
		cli_say("pulling artifact from %s/%s", ref.registry, ref.repository);
		rc = fetch_content(c, &ref, &m, &blob, &len);
	}
	if (rc == 0 && cf_tree_unpack(&t, blob, len, UNPACKED_MAX, FILES_MAX) < 0)
		rc = cli_fail(1, "failed to extract artifact: %s", cf_err_msg());
	if (rc == 0) {
		src = json_string_value(json_object_get(m.annotations, ANN_SOURCE));
		rev = json_string_value(json_object_get(m.annotations, ANN_REVISION));
		if (src)
			cli_ok("source %s", src);
		if (rev)
			cli_ok("revision %s", rev);
		if (cf_artifact_mkdir_p(output) < 0 || write_tree(t, ".", output, 0) < 0)
			rc = cli_fail(1, "failed to extract artifact: %s", cf_err_msg());
		else
			cli_ok("artifact content extracted to %s", output);
	}
	cf_tree_free(t);
	cf_free(blob);
	cf_oci_manifest_free(&m);
	cf_oci_free(c);
	return rc < 0 ? 0 : rc;
}

/* ---- tag artifact ---- */

int cmd_tag_artifact(int argc, char **argv)
{
	reg_args r = { .provider = "generic" };
	cf_flag_list tags = { .n = 0 };
	const cf_flag own[] = {
		{ "tag", CF_FLAG_LIST, &tags, "tag name", 0 },
		REG_FLAGS(r),
	};
	char *pos[8], digest[72];
	size_t npos;
	cf_oci_ref ref;
	cf_oci_manifest m = { .n_items = 0 };
	cf_oci *c = NULL;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux tag artifact oci://HOST/REPO:TAG --tag NEW", pos, &npos);

	if (rc == 0 && (rc = parse_url(&ref, npos ? pos[0] : NULL, 1)) == 0 && tags.n == 0)
		rc = cli_fail(1, "--tag is required");
	for (size_t i = 0; rc == 0 && i < tags.n; i++)
		if (!cf_oci_tag_valid(tags.items[i]))
			rc = cli_fail(1, "invalid tag '%s'", tags.items[i]);
	if (rc == 0 && (c = client(&ref, &r)) == NULL)
		rc = 1;
	if (rc == 0 && cf_oci_manifest_get(c, &m, ref.repository, ref.digest[0] ? ref.digest : ref.tag) < 0)
		rc = cli_fail(1, "%s", cf_err_msg());
	for (size_t i = 0; rc == 0 && i < tags.n; i++) {
		cli_say("tagging artifact");
		if (cf_oci_manifest_push(c, ref.repository, tags.items[i], m.media_type, m.raw, m.raw_len, digest) < 0)
			rc = cli_fail(1, "%s", cf_err_msg());
		else
			cli_ok("artifact tagged as %s/%s:%s", ref.registry, ref.repository, tags.items[i]);
	}
	cf_oci_manifest_free(&m);
	cf_oci_free(c);
	cf_flag_list_free(&tags);
	return rc < 0 ? 0 : rc;
}

/* ---- list artifacts ---- */

int cmd_list_artifacts(int argc, char **argv)
{
	const char *filter = NULL;
	reg_args r = { .provider = "generic" };
	const cf_flag own[] = {
		{ "filter", CF_FLAG_STRING, &filter, "filter tags returned from the oci repository using a glob-like prefix ('*' at the end)", 0 },
		REG_FLAGS(r),
	};
	char *pos[8];
	size_t npos, i, plen = 0;
	cf_oci_ref ref;
	cf_oci *c = NULL;
	json_t *tags = NULL, *tag;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux list artifacts oci://HOST/REPO", pos, &npos);

	if (rc == 0)
		rc = parse_url(&ref, npos ? pos[0] : NULL, 0);
	if (rc == 0 && (c = client(&ref, &r)) == NULL)
		rc = 1;
	if (rc == 0 && cf_oci_tags_list(c, &tags, ref.repository) < 0)
		rc = cli_fail(1, "%s", cf_err_msg());
	if (filter)
		plen = strlen(filter) && filter[strlen(filter) - 1] == '*' ? strlen(filter) - 1 : strlen(filter);
	if (rc == 0)
		printf("%-40s %-72s %-40s %s\n", "ARTIFACT", "DIGEST", "SOURCE", "REVISION");
	json_array_foreach(tags, i, tag) {
		const char *t = json_string_value(tag), *src, *rev;
		cf_oci_manifest m = { .n_items = 0 };
		char name[1024];
		if (rc != 0)
			break;
		if (filter && (strncmp(t, filter, plen) != 0 || (plen == strlen(filter) && strcmp(t, filter) != 0)))
			continue;
		if (cf_oci_manifest_get(c, &m, ref.repository, t) < 0) {
			rc = cli_fail(1, "%s", cf_err_msg());
			cf_oci_manifest_free(&m);
			break;
		}
		src = json_string_value(json_object_get(m.annotations, ANN_SOURCE));
		rev = json_string_value(json_object_get(m.annotations, ANN_REVISION));
		snprintf(name, sizeof(name), "%s/%s:%s", ref.registry, ref.repository, t);
		printf("%-40s %-72s %-40s %s\n", name, m.digest, src ? src : "", rev ? rev : "");
		cf_oci_manifest_free(&m);
	}
	json_decref(tags);
	cf_oci_free(c);
	return rc < 0 ? 0 : rc;
}

/* ---- diff artifact ---- */

int cmd_diff_artifact(int argc, char **argv)
{
	const char *path = NULL;
	reg_args r = { .provider = "generic" };
	const cf_flag own[] = {
		{ "path", CF_FLAG_STRING, &path, "path to the directory where the Kubernetes manifests are located", 0 },
		REG_FLAGS(r),
	};
	char *pos[8], tmp[] = "/tmp/cflux-diff-XXXXXX", local[72];
	size_t npos, len = 0;
	cf_oci_ref ref;
	cf_oci_manifest m = { .n_items = 0 };
	cf_oci *c = NULL;
	void *blob = NULL;
	int rc = parse_cmd(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux diff artifact oci://HOST/REPO:TAG --path DIR", pos, &npos);

	if (rc == 0 && (rc = parse_url(&ref, npos ? pos[0] : NULL, 1)) == 0 && (path == NULL || *path == '\0'))
		rc = cli_fail(1, "invalid path '%s', must point to an existing directory or file", path ? path : "");
	if (rc == 0 && mkdtemp(tmp) == NULL)
		rc = cli_fail(1, "cannot make a temporary directory");
	if (rc == 0) {
		char p[4096];
		if (build_tgz(path, tmp, "local.tgz", local, NULL) < 0)
			rc = cli_fail(1, "%s", cf_err_msg());
		snprintf(p, sizeof(p), "%s/local.tgz", tmp);
		unlink(p);
		rmdir(tmp);
	}
	if (rc == 0 && (c = client(&ref, &r)) == NULL)
		rc = 1;
	if (rc == 0)
		rc = fetch_content(c, &ref, &m, &blob, &len);
	if (rc == 0) {
		const cf_oci_desc *layer = content_layer(&m);
		/* cflux's tar.gz is deterministic: the same tree gives the same digest */
		if (strcmp(layer->digest, local) != 0)
			rc = cli_fail(1, "the remote artifact contents differs from the local one");
		else
			cli_ok("no changes detected");
	}
	cf_free(blob);
	cf_oci_manifest_free(&m);
	cf_oci_free(c);
	return rc < 0 ? 0 : rc;
}

/* ---- dispatch: "push artifact", "build artifact", ... ---- */

int cli_artifact_command(int argc, char **argv)
{
	static const struct { const char *verb, *noun; int (*run)(int, char **); } cmds[] = {
		{ "push", "artifact", cmd_push_artifact }, { "pull", "artifact", cmd_pull_artifact },
		{ "tag", "artifact", cmd_tag_artifact }, { "list", "artifacts", cmd_list_artifacts },
		{ "build", "artifact", cmd_build_artifact }, { "diff", "artifact", cmd_diff_artifact },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].verb) == 0) {
			if (argc > 1 && strcmp(argv[1], cmds[i].noun) == 0)
				return cmds[i].run(argc - 1, argv + 1);
			if (strcmp(cmds[i].verb, "build") != 0 && strcmp(cmds[i].verb, "diff") != 0)
				return cli_fail(CLI_EXIT_USAGE, "usage: cflux %s %s ... (see cflux %s --help)", cmds[i].verb, cmds[i].noun,
						cmds[i].verb);
		}
	return -1;   /* not an artifact command */
}
