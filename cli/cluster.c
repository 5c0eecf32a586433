/* cli/cluster.c - the cflux commands that talk to a cluster: create, get, reconcile, suspend,
 * resume, build, tree. Errors are one line on stderr; usage errors exit 2, failures 1. */
#include "cli.h"

#include "apply/apply.h"
#include "kustomize/fluxbuild.h"
#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "runtime/status.h"
#include "runtime/vars.h"
#include "source/git.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GITREPO_AV CF_AV_GITREPOSITORY
#define KS_AV CF_AV_KUSTOMIZATION
#define POS_MAX 8

cli_globals cli = { NULL, NULL, "flux-system", 5L * 60 * 1000, 0, 0 };

static int tty(void)
{
	return isatty(STDERR_FILENO);
}

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(tty() ? "\342\234\227 " : "error: ", stderr);   /* ✗ */
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cli_say(const char *fmt, ...)
{
	va_list ap;

	fputs(tty() ? "\342\227\216 " : "", stderr);   /* ◎ */
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_ok(const char *fmt, ...)
{
	va_list ap;

	fputs(tty() ? "\342\234\224 " : "", stderr);   /* ✔ */
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

cf_kube *cli_client(void)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kube *k = NULL;

	o.kubeconfig = cli.kubeconfig;
	o.context = cli.context;
	o.user_agent = "cflux";
	o.max_retries = 1;
	o.timeout_ms = 15000;
	if (cf_kube_new(&k, &o) < 0) {
		cli_fail(1, "cannot reach the cluster: %s", cf_err_msg());
		return NULL;
	}
	if (cli.verbose)
		cli_say("API server %s, namespace %s%s", cf_kube_server(k), cli.namespace, cli.all_namespaces ? " (all namespaces)" : "");
	return k;
}

/* Parses a command's flags (its own, then the globals) and positional arguments. Returns 0,
 * 1 after --help (exit 0), or CLI_EXIT_USAGE after printing the error. */
int cli_parse(const cf_flag *own, size_t n_own, int argc, char **argv, const char *usage, char **pos,
	      size_t *npos)
{
	cf_flag all[40] = { CLI_GLOBAL_FLAGS };
	size_t n = 5;
	int rc;

	for (size_t i = 0; i < n_own && n < 40; i++)
		all[n++] = own[i];
	rc = cf_flags_parse_pos(all, n, argc, argv, usage, pos, pos ? POS_MAX : 0, npos);
	if (rc < 0) {
		cli_fail(CLI_EXIT_USAGE, "%s", cf_err_msg());
		return CLI_EXIT_USAGE;
	}
	return rc;
}

int cli_kind_args(char **pos, size_t npos, const char **av, const char **kind)
{
	size_t used;
	const cf_kind *k = cf_kind_from_args(pos, npos, &used);

	*av = *kind = NULL;
	if (k == NULL)
		return 0;
	*av = k->api_version;
	*kind = k->kind;
	return (int)used;
}

/* The revision obj reports, where the kind table says its kind keeps it; NULL when none. */
static const char *kind_revision(const char *kind, const json_t *obj)
{
	const cf_kind *k = cf_kind_find(kind);

	return k ? cf_kind_revision(k, obj) : NULL;
}

static const json_t *ready_cond(const json_t *o)
{
	return cf_condition_get(json_object_get(o, "status"), CF_COND_READY);
}

/* The error line for a failed GET or PATCH of kind cli.namespace/name: "not found" only for a
 * 404; anything else (no answer, 403, ...) in the API client's words. Returns 1. */
static int get_failed(int rc, const char *kind, const char *name)
{
	if (rc == CF_ENOTFOUND)
		return cli_fail(1, "%s '%s/%s' not found", kind, cli.namespace, name);
	return cli_fail(1, "%s '%s/%s': %s", kind, cli.namespace, name, cf_err_msg());
}

/* Waits until obj's controller has handled generation/stamp and Ready settled; prints the
 * outcome. 0 when Ready, 1 when not, or on timeout. */
int cli_wait_ready(cf_kube *k, const char *av, const char *kind, const char *name, const char *stamp)
{
	struct timespec nap = { 0, 250 * 1000000L };
	long waited = 0;

	cli_say("waiting for %s '%s/%s' to be reconciled", kind, cli.namespace, name);
	for (;;) {
		json_t *o = NULL;
		const json_t *st, *rc;
		int done;

		if (cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, name }) < 0)
			return cli_fail(1, "%s", cf_err_msg());
		st = json_object_get(o, "status");
		rc = ready_cond(o);
		done = rc && json_integer_value(json_object_get(st, "observedGeneration")) ==
			     json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")) &&
		       (stamp == NULL || (cf_json_str(st, "lastHandledReconcileAt") && strcmp(cf_json_str(st, "lastHandledReconcileAt"), stamp) == 0)) &&
		       !(cf_json_str(rc, "reason") && strcmp(cf_json_str(rc, "reason"), "Progressing") == 0);
		/* without a request to wait for, only Ready (or Stalled: it cannot get there) ends the
		 * wait: a first failure such as "artifact not found" is often transient */
		if (done && stamp == NULL && !(cf_json_str(rc, "status") && strcmp(cf_json_str(rc, "status"), "True") == 0)) {
			const json_t *stalled = cf_condition_get(st, CF_COND_STALLED);
			done = stalled && cf_json_str(stalled, "status") && strcmp(cf_json_str(stalled, "status"), "True") == 0;
			if (!done && waited >= cli.timeout_ms) {
				int r = cli_fail(1, "timed out after %lds waiting for %s '%s/%s': %s", waited / 1000, kind, cli.namespace,
						 name, cf_json_str(rc, "message") ? cf_json_str(rc, "message") : "");
				json_decref(o);
				return r;
			}
		}
		if (done) {
			int good = cf_json_str(rc, "status") && strcmp(cf_json_str(rc, "status"), "True") == 0;
			const char *rev = kind_revision(kind, o);
			if (good) {
				cli_ok("%s reconciliation completed", kind);
				if (rev)
					cli_ok("%s revision: %s", strcmp(kind, "Kustomization") != 0 ? "fetched" : "applied", rev);
			} else {
				cli_fail(1, "%s '%s/%s' is not ready: %s", kind, cli.namespace, name,
					 cf_json_str(rc, "message") ? cf_json_str(rc, "message") : "(no message)");
			}
			json_decref(o);
			return good ? 0 : 1;
		}
		json_decref(o);
		if (waited >= cli.timeout_ms)
			return cli_fail(1, "timed out after %lds waiting for %s '%s/%s'", waited / 1000, kind, cli.namespace, name);
		nanosleep(&nap, NULL);
		waited += 250;
	}
}

static int apply_or_export(json_t *obj, int export, const char *av, const char *kind, const char *name)
{
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube *k;
	int rc;

	if (export) {
		cf_buf out = CF_BUF_INIT(1u << 20);
		rc = cf_yaml_dump(&out, obj);
		if (rc == 0)
			printf("---\n%.*s", (int)out.len, out.data);
		cf_buf_free(&out);
		return rc == 0 ? 0 : cli_fail(1, "%s", cf_err_msg());
	}
	if ((k = cli_client()) == NULL)
		return 1;
	cli_say("applying %s '%s/%s'", kind, cli.namespace, name);
	ao.field_manager = "cflux";
	ao.force = 1;
	rc = cf_kube_apply(k, NULL, obj, &ao);
	if (rc < 0) {
		rc = cli_fail(1, "%s", cf_err_msg());
	} else {
		cli_ok("%s created", kind);
		rc = cli_wait_ready(k, av, kind, name, NULL);
	}
	cf_kube_free(k);
	return rc;
}

/* "Kind/name.namespace", "Kind/name" or "name" (Kind defaulting to dflt). */
static json_t *object_ref(const char *text, const char *dflt_kind, int with_ns)
{
	char kind[128], name[300], *dot;
	const char *slash = strchr(text, '/');

	if (slash) {
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - text), text);
		snprintf(name, sizeof(name), "%s", slash + 1);
	} else {
		snprintf(kind, sizeof(kind), "%s", dflt_kind);
		snprintf(name, sizeof(name), "%s", text);
	}
	dot = with_ns ? strchr(name, '.') : NULL;
	if (dot)
		*dot = '\0';
	if (name[0] == '\0' || kind[0] == '\0')
		return NULL;
	return json_pack("{s:s,s:s,s:s*}", "kind", kind, "name", name, "namespace", dot ? dot + 1 : NULL);
}

/* ms as Go's time.Duration prints it, as flux writes spec.interval: "10m0s", "1h0m0s", "30s",
 * "1.5s", "500ms". */
static void go_duration(char *out, size_t size, long ms)
{
	long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
	char sec[32];

	if (ms < 1000) {
		snprintf(out, size, "%ldms", ms);
		return;
	}
	if (frac) {
		snprintf(sec, sizeof(sec), "%ld.%03ld", s, frac);
		for (size_t n = strlen(sec); sec[n - 1] == '0'; n--)
			sec[n - 1] = '\0';
	} else {
		snprintf(sec, sizeof(sec), "%ld", s);
	}
	if (h)
		snprintf(out, size, "%ldh%ldm%ss", h, m, sec);
	else if (m)
		snprintf(out, size, "%ldm%ss", m, sec);
	else
		snprintf(out, size, "%ss", sec);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object with its keys in alphabetical order (recursively), as flux's --export prints them. */
static json_t *keys_sorted(const json_t *o)
{
	const char *keys[64], *key;
	size_t n = 0;
	json_t *out, *v;

	if (!json_is_object(o))
		return json_deep_copy(o);
	json_object_foreach((json_t *)o, key, v)
		if (n < 64)
			keys[n++] = key;
	qsort(keys, n, sizeof(keys[0]), cmp_str_ptr);
	out = json_object();
	for (size_t i = 0; out && i < n; i++)
		json_object_set_new(out, keys[i], keys_sorted(json_object_get(o, keys[i])));
	return out;
}

/* cflux create source oci NAME --url oci://...: Flux's flags (--tag, --tag-semver or --digest
 * required; --layer-selector MEDIA-TYPE:OPERATION); provider generic is left out, as flux does. */
static int create_source_oci(int argc, char **argv, const char *name)
{
	const char *url = NULL, *tag = NULL, *semver = NULL, *digest = NULL, *secret = NULL, *cert = NULL;
	const char *interval = "1m", *provider = "generic", *selector = NULL, *ignore = NULL, *sa = NULL;
	int export = 0, insecure = 0, rc;
	long ms;
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "the OCI repository URL", 0 },
		{ "tag", CF_FLAG_STRING, &tag, "the OCI artifact tag", 0 },
		{ "tag-semver", CF_FLAG_STRING, &semver, "the OCI artifact tag semver range", 0 },
		{ "digest", CF_FLAG_STRING, &digest, "the OCI artifact digest", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of the Kubernetes image pull secret (type 'kubernetes.io/dockerconfigjson')", 0 },
		{ "cert-ref", CF_FLAG_STRING, &cert, "the name of a secret to use for TLS certificates", 0 },
		{ "service-account", CF_FLAG_STRING, &sa, "the name of the Kubernetes service account that refers to an image pull secret", 0 },
		{ "provider", CF_FLAG_STRING, &provider, "the OCI provider name (cflux supports generic)", 0 },
		{ "insecure", CF_FLAG_BOOL, &insecure, "for when connecting to a non-TLS registries over plain HTTP", 0 },
		{ "ignore-paths", CF_FLAG_STRING, &ignore, "set paths to ignore resources (can specify multiple paths with commas: path1,path2)", 0 },
		{ "layer-selector", CF_FLAG_STRING, &selector, "the OCI artifact layer selector in the format '<media-type>:<operation>'", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		{ "export", CF_FLAG_BOOL, &export, "export in YAML format to stdout", 0 },
	};
	char *pos[POS_MAX], *ign = NULL, every[64];
	size_t npos;
	json_t *obj, *spec;
	const char *colon;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			"usage: cflux create source oci NAME --url oci://HOST/REPO (--tag T | --tag-semver R | --digest D)",
			pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (url == NULL)
		return cli_fail(CLI_EXIT_USAGE, "url is required");
	if (tag == NULL && semver == NULL && digest == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--tag, --tag-semver or --digest is required");
	if (strncmp(url, "oci://", 6) != 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --url \"%s\": must start with oci://", url);
	colon = selector ? strchr(selector, ':') : NULL;
	if (selector && (colon == NULL || colon == selector || colon[1] == '\0'))
		return cli_fail(CLI_EXIT_USAGE, "invalid --layer-selector \"%s\": must be in the format '<media-type>:<operation>'", selector);
	if (colon && strcmp(colon + 1, "extract") != 0 && strcmp(colon + 1, "copy") != 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --layer-selector \"%s\": operation must be \"extract\" or \"copy\"", selector);
	if (cf_duration_parse(&ms, interval) < 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --interval \"%s\": %s", interval, cf_err_msg());
	go_duration(every, sizeof(every), ms);
	spec = json_pack("{s:s,s:{s:s*,s:s*,s:s*},s:s}", "interval", every, "ref", "digest", digest, "semver", semver,
			 "tag", tag, "url", url);
	if (strcmp(provider, "generic") != 0)
		json_object_set_new(spec, "provider", json_string(provider));
	if (insecure)
		json_object_set_new(spec, "insecure", json_true());
	if (secret)
		json_object_set_new(spec, "secretRef", json_pack("{s:s}", "name", secret));
	if (cert)
		json_object_set_new(spec, "certSecretRef", json_pack("{s:s}", "name", cert));
	if (sa)
		json_object_set_new(spec, "serviceAccountName", json_string(sa));
	if (colon)
		json_object_set_new(spec, "layerSelector", json_pack("{s:s%,s:s}", "mediaType", selector, (size_t)(colon - selector),
								    "operation", colon + 1));
	if (ignore && (ign = cf_strdup(ignore)) != NULL) {
		for (char *p = ign; *p; p++)
			if (*p == ',')
				*p = '\n';
		json_object_set_new(spec, "ignore", json_string(ign));
		cf_free(ign);
	}
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", CF_AV_OCIREPOSITORY, "kind", "OCIRepository",
			"metadata", "name", name, "namespace", cli.namespace, "spec", keys_sorted(spec));
	json_decref(spec);
	rc = apply_or_export(obj, export, CF_AV_OCIREPOSITORY, "OCIRepository", name);
	json_decref(obj);
	return rc;
}

static int create_source_git(int argc, char **argv, const char *name)
{
	const char *url = NULL, *branch = NULL, *tag = NULL, *semver = NULL, *commit = NULL, *refname = NULL;
	const char *secret = NULL, *interval = "1m";
	int export = 0, rc;
	long ms;
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "Git repository address (https, http, ssh)", 0 },
		{ "branch", CF_FLAG_STRING, &branch, "branch to follow (default master)", 0 },
		{ "tag", CF_FLAG_STRING, &tag, "tag", 0 },
		{ "tag-semver", CF_FLAG_STRING, &semver, "semver range of tags", 0 },
		{ "commit", CF_FLAG_STRING, &commit, "commit SHA", 0 },
		{ "ref-name", CF_FLAG_STRING, &refname, "a Git reference (refs/...)", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "Secret with the credentials", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "how often to look for new commits", 0 },
		{ "export", CF_FLAG_BOOL, &export, "print the object as YAML instead of applying it", 0 },
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *obj, *ref;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			"usage: cflux create source git NAME --url URL [--branch B | --tag T | --tag-semver R | --commit C | --ref-name N]",
			pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (url == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--url is required");
	if (cf_git_check_url(url) < 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --url: %s", cf_err_msg());
	if (cf_duration_parse(&ms, interval) < 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --interval \"%s\": %s", interval, cf_err_msg());
	ref = json_pack("{s:s*,s:s*,s:s*,s:s*,s:s*}", "branch", branch, "tag", tag, "semver", semver, "commit", commit,
			"name", refname);
	if (json_object_size(ref) == 0)
		json_object_set_new(ref, "branch", json_string("master"));
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:o}}", "apiVersion", GITREPO_AV, "kind", "GitRepository",
			"metadata", "name", name, "namespace", cli.namespace, "spec", "interval", interval, "url", url, "ref", ref);
	if (secret)
		json_object_set_new(json_object_get(obj, "spec"), "secretRef", json_pack("{s:s}", "name", secret));
	rc = apply_or_export(obj, export, GITREPO_AV, "GitRepository", name);
	json_decref(obj);
	return rc;
}

/* cflux create source helm NAME --url URL: Flux's flags; an oci:// URL makes `type: oci`, as
 * flux infers it. Credentials come from an existing Secret (--secret-ref). */
static int create_source_helm(int argc, char **argv, const char *name)
{
	const char *url = NULL, *secret = NULL, *interval = "1m", *timeout = NULL, *provider = NULL;
	int export = 0, pass = 0, rc, oci;
	long ms;
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "Helm repository address (https, http, or oci://)", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of an existing secret containing TLS or basic auth credentials", 0 },
		{ "pass-credentials", CF_FLAG_BOOL, &pass, "pass credentials to all domains", 0 },
		{ "oci-provider", CF_FLAG_STRING, &provider, "OCI provider name (generic, aws, azure, gcp)", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "how often to fetch the index", 0 },
		{ "timeout", CF_FLAG_STRING, &timeout, "timeout of the index download", 0 },
		{ "export", CF_FLAG_BOOL, &export, "print the object as YAML instead of applying it", 0 },
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *obj, *spec;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			"usage: cflux create source helm NAME --url URL [--secret-ref S] [--pass-credentials] [--interval D]",
			pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (url == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--url is required");
	oci = strncmp(url, "oci://", 6) == 0;
	if (!oci && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid --url \"%s\": want http://, https:// or oci://", url);
	if (cf_duration_parse(&ms, interval) < 0 || (timeout && cf_duration_parse(&ms, timeout) < 0))
		return cli_fail(CLI_EXIT_USAGE, "invalid duration: %s", cf_err_msg());
	spec = json_pack("{s:s,s:s}", "interval", interval, "url", url);
	if (oci) {
		json_object_set_new(spec, "type", json_string("oci"));
		if (provider)
			json_object_set_new(spec, "provider", json_string(provider));
	}
	if (timeout)
		json_object_set_new(spec, "timeout", json_string(timeout));
	if (pass)
		json_object_set_new(spec, "passCredentials", json_true());
	if (secret)
		json_object_set_new(spec, "secretRef", json_pack("{s:s}", "name", secret));
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", CF_AV_HELMREPOSITORY, "kind", "HelmRepository",
			"metadata", "name", name, "namespace", cli.namespace, "spec", spec);
	rc = apply_or_export(obj, export, CF_AV_HELMREPOSITORY, "HelmRepository", name);
	json_decref(obj);
	return rc;
}

static int create_kustomization(int argc, char **argv, const char *name)
{
	const char *source = NULL, *path = "./", *interval = "1m", *health = NULL, *depends = NULL, *target = NULL;
	int prune = 0, wait = 0, export = 0, rc;
	long ms;
	const cf_flag own[] = {
		{ "source", CF_FLAG_STRING, &source, "the source: GitRepository/NAME[.NAMESPACE] or NAME", 0 },
		{ "path", CF_FLAG_STRING, &path, "path in the source", 0 },
		{ "prune", CF_FLAG_BOOL, &prune, "delete what leaves the source", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "how often to reconcile", 0 },
		{ "wait", CF_FLAG_BOOL, &wait, "wait for every applied object to be ready", 0 },
		{ "health-check", CF_FLAG_STRING, &health, "an object to wait for: Kind/name.namespace", 0 },
		{ "depends-on", CF_FLAG_STRING, &depends, "Kustomizations applied first (NAME or NAMESPACE/NAME, comma separated)", 0 },
		{ "target-namespace", CF_FLAG_STRING, &target, "namespace for every object", 0 },
		{ "export", CF_FLAG_BOOL, &export, "print the object as YAML instead of applying it", 0 },
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *obj, *spec, *src;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			"usage: cflux create kustomization NAME --source GitRepository/NAME --path PATH [--prune]", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (source == NULL)
		return cli_fail(CLI_EXIT_USAGE, "--source is required");
	if ((src = object_ref(source, "GitRepository", 1)) == NULL)
		return cli_fail(CLI_EXIT_USAGE, "invalid --source \"%s\" (want Kind/name[.namespace])", source);
	if (cf_duration_parse(&ms, interval) < 0) {
		json_decref(src);
		return cli_fail(CLI_EXIT_USAGE, "invalid --interval \"%s\": %s", interval, cf_err_msg());
	}
	spec = json_pack("{s:s,s:s,s:b,s:o}", "interval", interval, "path", path, "prune", prune, "sourceRef", src);
	if (wait)
		json_object_set_new(spec, "wait", json_true());
	if (target)
		json_object_set_new(spec, "targetNamespace", json_string(target));
	if (health) {
		json_t *h = object_ref(health, "", 1);
		if (h == NULL || strchr(health, '/') == NULL) {
			json_decref(h);
			json_decref(spec);
			return cli_fail(CLI_EXIT_USAGE, "invalid --health-check \"%s\" (want Kind/name.namespace)", health);
		}
		json_object_set_new(spec, "healthChecks", json_pack("[o]", h));
	}
	if (depends) {
		json_t *list = json_array();
		char *copy = cf_strdup(depends), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char *slash = strchr(t, '/');
			if (slash) {
				*slash = '\0';
				json_array_append_new(list, json_pack("{s:s,s:s}", "namespace", t, "name", slash + 1));
			} else {
				json_array_append_new(list, json_pack("{s:s}", "name", t));
			}
		}
		cf_free(copy);
		json_object_set_new(spec, "dependsOn", list);
	}
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", KS_AV, "kind", "Kustomization", "metadata", "name", name,
			"namespace", cli.namespace, "spec", spec);
	rc = apply_or_export(obj, export, KS_AV, "Kustomization", name);
	json_decref(obj);
	return rc;
}

int cmd_create(int argc, char **argv)
{
	const char *av, *kind;
	int used;

	/* cflux create source git NAME ... | cflux create kustomization NAME ... */
	used = argc > 1 ? cli_kind_args(argv + 1, (size_t)(argc - 1), &av, &kind) : 0;
	if (used == 0 || argc < 2 + used || argv[1 + used][0] == '-')
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux create source git|helm|oci NAME --url URL ... | cflux create kustomization NAME --source ...");
	if (strcmp(kind, "GitRepository") == 0)
		return create_source_git(argc - 1 - used, argv + 1 + used, argv[1 + used]);
	if (strcmp(kind, "HelmRepository") == 0)
		return create_source_helm(argc - 1 - used, argv + 1 + used, argv[1 + used]);
	if (strcmp(kind, "OCIRepository") == 0)
		return create_source_oci(argc - 1 - used, argv + 1 + used, argv[1 + used]);
	if (strcmp(kind, "Kustomization") != 0)
		return cli_fail(CLI_EXIT_USAGE, "cflux create does not make %s objects: source git, source helm, source oci or kustomization", kind);
	return create_kustomization(argc - 1 - used, argv + 1 + used, argv[1 + used]);
}

/* ---- get ---- */

typedef struct table {
	json_t *rows;   /* arrays of strings */
} table;

static void table_print(table *t, int with_ns)
{
	size_t w[6] = { 0 }, i, c;
	json_t *row;
	const char *head[6] = { "NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE" };

	for (c = with_ns ? 0 : 1; c < 6; c++)
		w[c] = strlen(head[c]);
	json_array_foreach(t->rows, i, row)
		for (c = 0; c < 6; c++)
			if (strlen(json_string_value(json_array_get(row, c))) > w[c])
				w[c] = strlen(json_string_value(json_array_get(row, c)));
	for (c = with_ns ? 0 : 1; c < 5; c++)
		printf("%-*s  ", (int)w[c], head[c]);
	printf("%s\n", head[5]);
	json_array_foreach(t->rows, i, row) {
		for (c = with_ns ? 0 : 1; c < 5; c++)
			printf("%-*s  ", (int)w[c], json_string_value(json_array_get(row, c)));
		printf("%s\n", json_string_value(json_array_get(row, 5)));
	}
}

static int get_kind(cf_kube *k, const char *av, const char *kind, int print_kind)
{
	json_t *list = NULL, *o;
	table t = { json_array() };
	size_t i;
	int rc;

	rc = cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, cli.all_namespaces ? NULL : cli.namespace, NULL }, NULL);
	if (rc < 0) {
		json_decref(t.rows);
		return cli_fail(1, "%s", cf_err_msg());
	}
	json_array_foreach(json_object_get(list, "items"), i, o) {
		const json_t *md = json_object_get(o, "metadata"), *r = ready_cond(o);
		const char *rev = kind_revision(kind, o);
		char name[400];
		size_t at = 0;
		if (print_kind) {
			for (; kind[at] && at + 2 < sizeof(name); at++)
				name[at] = (char)tolower((unsigned char)kind[at]);
			name[at++] = '/';
		}
		snprintf(name + at, sizeof(name) - at, "%s", cf_json_str(md, "name"));
		json_array_append_new(t.rows, json_pack("[s,s,s,s,s,s]", cf_json_str(md, "namespace"), name, rev ? rev : "",
							json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")) ? "True" : "False",
							r && cf_json_str(r, "status") ? cf_json_str(r, "status") : "Unknown",
							r && cf_json_str(r, "message") ? cf_json_str(r, "message") : ""));
	}
	if (json_array_size(t.rows) == 0)
		cli_fail(0, "no %s objects found in %s", kind, cli.all_namespaces ? "any namespace" : cli.namespace);
	else
		table_print(&t, cli.all_namespaces);
	json_decref(t.rows);
	json_decref(list);
	return 0;
}

int cmd_get(int argc, char **argv)
{
	const cf_flag own[] = { { "all-namespaces|A", CF_FLAG_BOOL, &cli.all_namespaces, "every namespace", 0 } };
	char *pos[POS_MAX];
	size_t npos;
	const char *av, *kind;
	cf_kube *k;
	int rc;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux get sources git|helm|chart|oci | kustomizations | all [-A]", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos == 1 && strcmp(pos[0], "all") == 0) {
		if ((k = cli_client()) == NULL)
			return 1;
		rc = get_kind(k, GITREPO_AV, "GitRepository", 1);
		printf("\n");
		if (rc == 0)
			rc = get_kind(k, CF_AV_OCIREPOSITORY, "OCIRepository", 1);
		printf("\n");
		if (rc == 0)
			rc = get_kind(k, KS_AV, "Kustomization", 1);
		cf_kube_free(k);
		return rc;
	}
	if (npos == 0 || cli_kind_args(pos, npos, &av, &kind) != (int)npos)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux get sources git|helm|chart|oci | kustomizations | all [-A]");
	if ((k = cli_client()) == NULL)
		return 1;
	rc = get_kind(k, av, kind, 0);
	cf_kube_free(k);
	return rc;
}

/* ---- reconcile, suspend, resume ---- */

static int request(cf_kube *k, const char *av, const char *kind, const char *name)
{
	json_t *o = NULL, *patch;
	char stamp[64];
	int rc;

	if ((rc = cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, name })) < 0)
		return get_failed(rc, kind, name);
	if (json_is_true(json_object_get(json_object_get(o, "spec"), "suspend"))) {
		json_decref(o);
		return cli_fail(1, "%s '%s/%s' is suspended: resume it first (cflux resume)", kind, cli.namespace, name);
	}
	json_decref(o);
	cf_time_rfc3339(stamp, 9);
	cli_say("annotating %s '%s/%s' in %s namespace", kind, cli.namespace, name, cli.namespace);
	patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", CF_REQUESTED_AT_ANNOTATION, stamp);
	rc = cf_kube_merge_patch(k, NULL, &(cf_kube_ref){ av, kind, cli.namespace, name }, patch);
	json_decref(patch);
	if (rc < 0)
		return cli_fail(1, "%s", cf_err_msg());
	cli_ok("%s annotated", kind);
	return cli_wait_ready(k, av, kind, name, stamp);
}

int cmd_reconcile(int argc, char **argv)
{
	int with_source = 0, rc, used;
	const cf_flag own[] = { { "with-source", CF_FLAG_BOOL, &with_source, "reconcile the source first", 0 } };
	char *pos[POS_MAX];
	size_t npos;
	const char *av, *kind;
	cf_kube *k;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux reconcile source git|helm|chart|oci NAME | kustomization NAME [--with-source]",
			pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	used = cli_kind_args(pos, npos, &av, &kind);
	if (used == 0 || npos != (size_t)used + 1)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux reconcile source git|helm|chart|oci NAME | kustomization NAME [--with-source]");
	if ((k = cli_client()) == NULL)
		return 1;
	rc = 0;
	if (with_source && (strcmp(kind, "Kustomization") == 0 || strcmp(kind, "HelmChart") == 0)) {
		json_t *o = NULL;
		const json_t *src;
		if ((rc = cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, pos[used] })) < 0) {
			rc = get_failed(rc, kind, pos[used]);
		} else {
			const char *saved = cli.namespace;
			src = json_object_get(json_object_get(o, "spec"), "sourceRef");
			if (cf_json_str(src, "namespace"))
				cli.namespace = cf_json_str(src, "namespace");
			const cf_kind *sk = cf_kind_find(cf_json_str(src, "kind") ? cf_json_str(src, "kind") : "GitRepository");
			rc = sk ? request(k, sk->api_version, sk->kind, cf_json_str(src, "name"))
				: cli_fail(1, "%s '%s': sourceRef.kind '%s' is not a kind cflux knows", kind, pos[used],
					   cf_json_str(src, "kind"));
			cli.namespace = saved;
		}
		json_decref(o);
	}
	if (rc == 0)
		rc = request(k, av, kind, pos[used]);
	cf_kube_free(k);
	return rc;
}

static int set_suspend(int argc, char **argv, int suspend)
{
	int all = 0, rc, used, failed = 0;
	const cf_flag own[] = { { "all", CF_FLAG_BOOL, &all, "every object of the kind in the namespace", 0 } };
	char *pos[POS_MAX];
	size_t npos, i;
	const char *av, *kind;
	json_t *names = json_array(), *v;
	cf_kube *k;

	if ((rc = cli_parse(own, 1, argc, argv, suspend ? "usage: cflux suspend source git|kustomization NAME | --all"
						    : "usage: cflux resume source git|kustomization NAME | --all", pos, &npos)) != 0) {
		json_decref(names);
		return rc == 1 ? 0 : rc;
	}
	used = cli_kind_args(pos, npos, &av, &kind);
	if (used == 0 || (all ? npos != (size_t)used : npos != (size_t)used + 1)) {
		json_decref(names);
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux %s source git NAME | kustomization NAME | ... --all", suspend ? "suspend" : "resume");
	}
	if ((k = cli_client()) == NULL) {
		json_decref(names);
		return 1;
	}
	if (all) {
		json_t *list = NULL, *o;
		if (cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, cli.namespace, NULL }, NULL) < 0)
			failed = cli_fail(1, "%s", cf_err_msg());
		json_array_foreach(json_object_get(list, "items"), i, o)
			json_array_append_new(names, json_string(cf_json_str(json_object_get(o, "metadata"), "name")));
		json_decref(list);
	} else {
		json_array_append_new(names, json_string(pos[used]));
	}
	json_array_foreach(names, i, v) {
		json_t *patch = json_pack("{s:{s:b}}", "spec", "suspend", suspend);
		const char *name = json_string_value(v);
		cli_say("%s %s '%s/%s'", suspend ? "suspending" : "resuming", kind, cli.namespace, name);
		rc = cf_kube_merge_patch(k, NULL, &(cf_kube_ref){ av, kind, cli.namespace, name }, patch);
		json_decref(patch);
		if (rc < 0) {
			failed = rc == CF_ENOTFOUND ? get_failed(rc, kind, name) : cli_fail(1, "%s", cf_err_msg());
			continue;
		}
		cli_ok("%s %s", kind, suspend ? "suspended" : "resumed");
		if (!suspend && request(k, av, kind, name) != 0)
			failed = 1;
	}
	json_decref(names);
	cf_kube_free(k);
	return failed ? 1 : 0;
}

int cmd_suspend(int argc, char **argv) { return set_suspend(argc, argv, 1); }
int cmd_resume(int argc, char **argv) { return set_suspend(argc, argv, 0); }

/* ---- build, tree ---- */

int cli_build_local(cf_kube *k, const char *name, const char *path, json_t **ks_out, json_t **objs)
{
	json_t *ks = NULL, *vars = NULL;
	cf_kfs fs;
	int rc;

	*objs = NULL;
	if (ks_out)
		*ks_out = NULL;
	if (access(path, R_OK) != 0)
		return cf_err_set(CF_ENOTFOUND, "--path %s: no such directory", path);
	if ((rc = cf_kube_get(k, &ks, &(cf_kube_ref){ KS_AV, "Kustomization", cli.namespace, name })) < 0)
		return rc == CF_ENOTFOUND ? cf_err_set(rc, "Kustomization '%s/%s' not found", cli.namespace, name)
					  : cf_err_prefix("Kustomization '%s/%s'", cli.namespace, name);
	/* the spec as the controller reads it, over the local directory */
	json_object_set_new(json_object_get(ks, "spec"), "path", json_string("."));
	if (json_object_get(json_object_get(ks, "spec"), "postBuild"))
		rc = cf_flux_load_vars(k, ks, &vars);
	cf_kfs_disk(&fs, &path);
	if (rc == 0)
		rc = cf_flux_build(objs, &fs, ks, vars);
	json_decref(vars);
	if (rc == 0 && ks_out)
		*ks_out = ks;
	else
		json_decref(ks);
	return rc;
}

int cmd_build(int argc, char **argv)
{
	const char *path = NULL;
	const cf_flag own[] = { { "path", CF_FLAG_STRING, &path, "the local directory to build (the Kustomization's spec.path in your checkout)", 0 } };
	char *pos[POS_MAX];
	size_t npos;
	json_t *objs = NULL;
	cf_buf out = CF_BUF_INIT(1u << 30);
	cf_kube *k;
	int rc;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux build kustomization NAME --path DIR", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos != 2 || (strcmp(pos[0], "kustomization") != 0 && strcmp(pos[0], "ks") != 0) || path == NULL)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux build kustomization NAME --path DIR");
	if ((k = cli_client()) == NULL)
		return 1;
	if ((rc = cli_build_local(k, pos[1], path, NULL, &objs)) == 0 && (rc = cf_yaml_dump_all(&out, objs)) == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	else
		rc = cli_fail(1, "%s", cf_err_msg());
	json_decref(objs);
	cf_buf_free(&out);
	cf_kube_free(k);
	return rc;
}

/* Prints the inventory of Kustomization ns/name, descending into Kustomizations it applied
 * (the heading first, at the top). 0, or the code of the failed GET of the top one. */
static int tree_of(cf_kube *k, const char *ns, const char *name, const char *indent, int depth)
{
	json_t *ks = NULL;
	const json_t *entries, *e;
	size_t i, n;
	int rc;

	if ((rc = cf_kube_get(k, &ks, &(cf_kube_ref){ KS_AV, "Kustomization", ns, name })) < 0)
		return depth == 0 ? rc : 0;
	if (depth == 0)
		printf("Kustomization/%s/%s\n", ns, name);
	entries = json_object_get(json_object_get(json_object_get(ks, "status"), "inventory"), "entries");
	n = json_array_size(entries);
	json_array_foreach(entries, i, e) {
		const char *id = cf_json_str(e, "id");
		const char *branch = i + 1 == n ? "\342\224\224\342\224\200\342\224\200" : "\342\224\234\342\224\200\342\224\200";
		char next[256];
		cf_apply_id x;
		if (id == NULL || cf_apply_id_parse(&x, id) < 0) {
			printf("%s%s %s\n", indent, branch, id ? id : "(no id)");
			continue;
		}
		printf("%s%s %s/%s%s%s\n", indent, branch, x.kind, x.ns, x.ns[0] ? "/" : "", x.name);
		if (strcmp(x.kind, "Kustomization") == 0 && strcmp(x.group, CF_GROUP_KUSTOMIZE) == 0 && depth < 10) {
			snprintf(next, sizeof(next), "%s%s", indent, i + 1 == n ? "    " : "\342\224\202   ");
			tree_of(k, x.ns, x.name, next, depth + 1);
		}
	}
	json_decref(ks);
	return 0;
}

int cmd_tree(int argc, char **argv)
{
	char *pos[POS_MAX];
	size_t npos;
	cf_kube *k;
	int rc;

	if ((rc = cli_parse(NULL, 0, argc, argv, "usage: cflux tree kustomization NAME", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos != 2 || (strcmp(pos[0], "kustomization") != 0 && strcmp(pos[0], "ks") != 0))
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux tree kustomization NAME");
	if ((k = cli_client()) == NULL)
		return 1;
	rc = tree_of(k, cli.namespace, pos[1], "", 0);
	if (rc < 0)
		rc = get_failed(rc, "Kustomization", pos[1]);
	cf_kube_free(k);
	return rc;
}
