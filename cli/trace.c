/* cli/trace.c - `cflux trace`, as `flux trace` does it: from live objects to the Kustomization or
 * HelmRelease that manages them (their kustomize.toolkit.fluxcd.io or helm.toolkit.fluxcd.io
 * name/namespace labels, or an owner's), then that object's source and revision, in flux's
 * layout. Objects are named as kubectl names them (`deployment x`, `deploy/x cm/y`) or by
 * --kind and --api-version. */
#include "cli.h"

#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POS_MAX 8
#define TRACE_MSG_MAX 1024
#define OWNER_DEPTH_MAX 10
/* As flux's trace.go: the usage error of the builder for `<resource> <name>` arguments. */
#define ARGS_MSG "either `<resource>/<name>` or `<resource> <name>` is required as an argument"
#define TRACE_USAGE "usage: cflux trace <resource> <name> [<name> ...]"

/* A kind as discovery lists it, with the names kubectl accepts for it. */
typedef struct resource {
	char api_version[320];
	char group[254];
	char kind[128];
	char plural[128];
} resource;

/* ---- finding the objects ---- */

/* Whether word names the discovery entry r (its plural, singular, kind or a short name). */
static int names_resource(const json_t *r, const char *word)
{
	const json_t *s;
	size_t i;

	if (strcasecmp(word, cf_json_str(r, "name") ? cf_json_str(r, "name") : "") == 0 ||
	    strcasecmp(word, cf_json_str(r, "singularName") ? cf_json_str(r, "singularName") : "") == 0 ||
	    strcasecmp(word, cf_json_str(r, "kind") ? cf_json_str(r, "kind") : "") == 0)
		return 1;
	json_array_foreach(json_object_get(r, "shortNames"), i, s)
		if (json_string_value(s) && strcasecmp(word, json_string_value(s)) == 0)
			return 1;
	return 0;
}

/* Looks word up in the resources of one group/version; 1 found (out filled), 0 not, <0 error. */
static int find_in_version(cf_kube *k, resource *out, const char *group, const char *av, const char *word, int by_kind)
{
	char path[400];
	json_t *list = NULL, *r;
	size_t i;
	int rc, found = 0;

	snprintf(path, sizeof(path), group[0] ? "/apis/%s" : "/api/%s", av);
	if ((rc = cf_kube_request(k, &list, "GET", path, NULL, NULL, 0)) < 0)
		return rc == CF_ENOTFOUND || rc == CF_ENOTSERVED ? 0 : rc;
	json_array_foreach(json_object_get(list, "resources"), i, r) {
		const char *name = cf_json_str(r, "name");
		if (name == NULL || strchr(name, '/') || cf_json_str(r, "kind") == NULL)
			continue;
		if (by_kind ? strcasecmp(word, cf_json_str(r, "kind")) != 0 : !names_resource(r, word))
			continue;
		snprintf(out->api_version, sizeof(out->api_version), "%s", av);
		snprintf(out->group, sizeof(out->group), "%s", group);
		snprintf(out->kind, sizeof(out->kind), "%s", cf_json_str(r, "kind"));
		snprintf(out->plural, sizeof(out->plural), "%s", name);
		found = 1;
		break;
	}
	json_decref(list);
	return found;
}

/* The kind a kubectl resource word names ("deploy", "deployments.apps", "cm"): the core group
 * first, then every group at its preferred version, as kubectl's mapper resolves it. 0, or 1
 * after printing the error. */
static int find_resource(cf_kube *k, resource *out, const char *word)
{
	char type[256], group[254] = "";
	const char *dot = strchr(word, '.');
	json_t *groups = NULL, *g;
	size_t i;
	int rc;

	snprintf(type, sizeof(type), "%.*s", dot ? (int)(dot - word) : (int)strlen(word), word);
	if (dot)
		snprintf(group, sizeof(group), "%s", dot + 1);
	if (!dot && (rc = find_in_version(k, out, "", "v1", type, 0)) != 0)
		return rc < 0 ? cli_fail(1, "%s", cf_err_msg()) : 0;
	if ((rc = cf_kube_request(k, &groups, "GET", "/apis", NULL, NULL, 0)) < 0)
		return cli_fail(1, "%s", cf_err_msg());
	rc = 0;
	json_array_foreach(json_object_get(groups, "groups"), i, g) {
		const char *name = cf_json_str(g, "name");
		const char *av = cf_json_str(json_object_get(g, "preferredVersion"), "groupVersion");
		if (name == NULL || av == NULL || (dot && strcmp(name, group) != 0))
			continue;
		if ((rc = find_in_version(k, out, name, av, type, 0)) != 0)
			break;
	}
	json_decref(groups);
	if (rc < 0)
		return cli_fail(1, "%s", cf_err_msg());
	if (rc == 0)
		return cli_fail(1, "the server doesn't have a resource type \"%s\"", word);
	return 0;
}

/* The API server's words for a missing object ("deployments.apps \"x\" not found"). */
static void not_found(char *out, size_t size, const resource *r, const char *name)
{
	snprintf(out, size, "%s%s%s \"%s\" not found", r->plural, r->group[0] ? "." : "", r->group, name);
}

/* GETs name (in cli.namespace when the kind is namespaced) into *obj; on failure the reason
 * goes to err. */
static int get_object(cf_kube *k, json_t **obj, const resource *r, const char *ns, const char *name, char *err, size_t size)
{
	int rc = cf_kube_get(k, obj, &(cf_kube_ref){ r->api_version, r->kind, ns, name });

	if (rc == CF_ENOTFOUND)
		not_found(err, size, r, name);
	else if (rc < 0)
		snprintf(err, size, "%s", cf_err_msg());
	return rc;
}

/* --kind and --api-version: the one object name (the first argument), as flux's
 * getObjectStatic finds it; the kind keeps the spelling given, as flux prints it. */
static int object_static(cf_kube *k, json_t *objs, const char *kind, const char *av, const char *name)
{
	char err[TRACE_MSG_MAX], group[254] = "";
	const char *slash = strchr(av ? av : "", '/');
	resource r;
	json_t *obj = NULL;
	int rc;

	if (slash)
		snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
	if ((rc = find_in_version(k, &r, group, av, kind, 1)) < 0)
		return cli_fail(1, "failed to find object: %s", cf_err_msg());
	if (rc == 0)
		return cli_fail(1, "failed to find object: no matches for kind \"%s\" in version \"%s\"", kind, av);
	if (get_object(k, &obj, &r, cli.namespace, name, err, sizeof(err)) < 0)
		return cli_fail(1, "failed to find object: %s", err);
	json_object_set_new(obj, "kind", json_string(kind));
	json_array_append_new(objs, obj);
	return 0;
}

/* The arguments as [type, name] pairs, as kubectl's builder reads them: "type/name" each, or
 * "type[,type...] name..." (every type with every name, types outermost). */
static json_t *type_name_pairs(char **pos, size_t npos)
{
	json_t *pairs = json_array();
	int slash_form = strchr(pos[0], '/') != NULL;

	if (slash_form) {
		for (size_t i = 0; i < npos; i++) {
			const char *s = strchr(pos[i], '/');
			json_array_append_new(pairs, json_pack("[s#,s]", pos[i], (int)(s - pos[i]), s + 1));
		}
		return pairs;
	}
	for (const char *t = pos[0]; *t; t += strcspn(t, ",") + (t[strcspn(t, ",")] == ',')) {
		size_t n = strcspn(t, ",");
		for (size_t i = 1; n && i < npos; i++)
			json_array_append_new(pairs, json_pack("[s#,s]", t, (int)n, pos[i]));
	}
	return pairs;
}

/* kubectl's `<resource> <name>...` or `<resource>/<name>...` arguments, as flux's
 * getObjectDynamic reads them: the objects found go to objs; a missing one fails the whole
 * command after the lookups, as the builder's aggregated error does ("x: " is flux's). */
static int objects_dynamic(cf_kube *k, json_t *objs, char **pos, size_t npos)
{
	cf_buf missing = CF_BUF_INIT(TRACE_MSG_MAX * 4);
	json_t *pairs = type_name_pairs(pos, npos), *p;
	char type[256] = "";
	size_t i, nmissing = 0;
	resource r;
	int rc = 0;

	json_array_foreach(pairs, i, p) {
		const char *t = json_string_value(json_array_get(p, 0)), *name = json_string_value(json_array_get(p, 1));
		char err[TRACE_MSG_MAX];
		json_t *obj = NULL;
		if (strcmp(type, t) != 0) {   /* discovery once a type */
			snprintf(type, sizeof(type), "%s", t);
			if ((rc = find_resource(k, &r, type)) != 0)
				break;
		}
		if (get_object(k, &obj, &r, cli.namespace, name, err, sizeof(err)) < 0) {
			cf_buf_printf(&missing, "%s%s", nmissing++ ? ", " : "", err);
			continue;
		}
		json_array_append_new(objs, obj);
	}
	/* several errors: the brackets of an aggregated error */
	if (rc == 0 && nmissing)
		rc = cli_fail(1, "x: %s%s%s", nmissing > 1 ? "[" : "", missing.data, nmissing > 1 ? "]" : "");
	json_decref(pairs);
	cf_buf_free(&missing);
	return rc;
}

/* The arguments' checks, before any request: flux's words for what is missing or mixed, as
 * its getObjectStatic and kubectl's builder say them. 0, or the usage exit code. */
static int check_args(const char *kind, const char *av, char **pos, size_t npos)
{
	const char *slash = strchr(av ? av : "", '/');
	size_t slashes = 0;

	if (kind || av) {
		if (npos < 1)
			return cli_fail(CLI_EXIT_USAGE, "object name is required");
		if (kind == NULL || kind[0] == '\0')
			return cli_fail(CLI_EXIT_USAGE, "object kind is required (--kind)");
		if (av == NULL || av[0] == '\0')
			return cli_fail(CLI_EXIT_USAGE, "object apiVersion is required (--api-version)");
		if (slash && strchr(slash + 1, '/'))   /* flux's own spelling of the message */
			return cli_fail(CLI_EXIT_USAGE, "invaild apiVersion: unexpected GroupVersion string: %s", av);
		return 0;
	}
	for (size_t i = 0; i < npos; i++) {
		const char *s = strchr(pos[i], '/');
		slashes += s != NULL;
		if (s && (s == pos[i] || s[1] == '\0' || strchr(s + 1, '/')))
			return cli_fail(CLI_EXIT_USAGE, "arguments in resource/name form must have a single resource and name");
	}
	if (npos == 0)
		return cli_fail(CLI_EXIT_USAGE, ARGS_MSG);
	if (slashes > 0 && slashes != npos)
		return cli_fail(CLI_EXIT_USAGE, "there is no need to specify a resource type as a separate argument when passing "
				"arguments in resource/name form (e.g. 'cflux get resource/<resource_name>' instead of "
				"'cflux get resource resource/<resource_name>'");
	if (slashes == 0 && npos == 1)
		return cli_fail(CLI_EXIT_USAGE, "resource(s) were provided, but no name was specified");
	return 0;
}

/* ---- the managing object ---- */

/* The label-named Kustomization or HelmRelease (group's name/namespace labels) of obj. */
static int managed_by(const json_t *obj, const char *group, char *ns, size_t ns_size, char *name, size_t name_size)
{
	const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	char key[300];
	const char *v;

	snprintf(key, sizeof(key), "%s/name", group);
	if ((v = cf_json_str(labels, key)) == NULL || v[0] == '\0')
		return 0;
	snprintf(name, name_size, "%s", v);
	snprintf(key, sizeof(key), "%s/namespace", group);
	snprintf(ns, ns_size, "%s", cf_json_str(labels, key) ? cf_json_str(labels, key) : "");
	return 1;
}

/* managed_by for obj or, as flux's isOwnerManagedByFlux, its owners (a ReplicaSet's Deployment). */
static int owner_managed_by(cf_kube *k, const json_t *obj, const char *group, char *ns, size_t ns_size,
			    char *name, size_t name_size, int depth)
{
	const json_t *meta = json_object_get(obj, "metadata"), *ref;
	size_t i;

	if (managed_by(obj, group, ns, ns_size, name, name_size))
		return 1;
	json_array_foreach(json_object_get(meta, "ownerReferences"), i, ref) {
		json_t *owner = NULL;
		int found;
		if (depth >= OWNER_DEPTH_MAX || cf_kube_get(k, &owner, &(cf_kube_ref){ cf_json_str(ref, "apiVersion"),
		    cf_json_str(ref, "kind"), cf_json_str(meta, "namespace"), cf_json_str(ref, "name") }) < 0)
			return 0;
		found = managed_by(owner, group, ns, ns_size, name, name_size);
		if (!found && json_array_size(json_object_get(json_object_get(owner, "metadata"), "ownerReferences")))
			found = owner_managed_by(k, owner, group, ns, ns_size, name, name_size, depth + 1);
		json_decref(owner);
		return found;   /* flux follows the first owner only */
	}
	return 0;
}

/* ---- printing, in flux's templates ---- */

/* One "Key:   value" line of a template whose values start at column width. */
static void field(int width, const char *key, const char *value)
{
	printf("%-*s%s\n", width, key, value ? value : "");
}

/* A metav1.Time as Go's template prints it: time.Time's String() in the local zone. */
static void go_time(char *out, size_t size, const char *rfc3339)
{
	struct tm tm;
	time_t t;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = rfc3339 ? strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (end == NULL || *end != '\0') {
		snprintf(out, size, "%s", rfc3339 ? rfc3339 : "");
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

/* The Ready lines: "Last reconciled at T" (or, where flux's template tells failures apart,
 * "Last reconciliation failed at T") and the message; "Unknown" without a Ready condition. */
static void ready_lines(int width, const json_t *obj, int tells_failure)
{
	const json_t *c = cf_condition_get(json_object_get(obj, "status"), "Ready");
	char when[80], line[120];
	int failed = c && tells_failure && cf_json_str(c, "status") && strcmp(cf_json_str(c, "status"), "False") == 0;

	if (c == NULL) {
		field(width, "Status:", "Unknown");
		return;
	}
	go_time(when, sizeof(when), cf_json_str(c, "lastTransitionTime"));
	snprintf(line, sizeof(line), "%s %s", failed ? "Last reconciliation failed at" : "Last reconciled at", when);
	field(width, "Status:", line);
	field(width, "Message:", cf_json_str(c, "message"));
}

typedef enum { REF_NONE, REF_GIT, REF_OCI } ref_style;

/* The kinds a trace prints as a source section, with what flux's templates show of each. */
typedef struct source_kind {
	const char *kind, *av, *title;
	int url;               /* a URL: line (spec.url) */
	int chart;             /* HelmChart: Chart: and Version: */
	int source_ref;        /* ExternalArtifact: a Source: line */
	ref_style ref;
	int tells_failure;     /* "Last reconciliation failed at" when Ready is False */
	int oci_origin;        /* the Kustomization template's Origin lines after Revision */
	int helm_width;        /* the HelmRelease template's column for this section */
} source_kind;

static const source_kind SOURCES[] = {
	{ "GitRepository", CF_AV_GITREPOSITORY, "GitRepository:", 1, 0, 0, REF_GIT, 1, 0, 15 },
	{ "OCIRepository", CF_AV_OCIREPOSITORY, "OCIRepository:", 1, 0, 0, REF_OCI, 1, 1, 17 },
	{ "ExternalArtifact", CF_GROUP_SOURCE "/v1", "ExternalArtifact:", 0, 0, 1, REF_NONE, 1, 1, 17 },
	{ "HelmRepository", CF_AV_HELMREPOSITORY, "HelmRepository:", 1, 0, 0, REF_NONE, 0, 0, 16 },
	{ "HelmChart", CF_AV_HELMCHART, "HelmChart:", 0, 1, 0, REF_NONE, 0, 0, 16 },
};
/* What each template shows as the source of its object (flux fetches no other kind). */
static const char *const KS_SOURCES[] = { "GitRepository", "OCIRepository", "ExternalArtifact", NULL };
static const char *const CHART_SOURCES[] = { "GitRepository", "HelmRepository", NULL };
static const char *const CHART_REF_SOURCES[] = { "OCIRepository", "ExternalArtifact", NULL };

static const source_kind *source_kind_of(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(SOURCES) / sizeof(SOURCES[0]); i++)
		if (strcmp(SOURCES[i].kind, kind) == 0)
			return &SOURCES[i];
	return NULL;
}

static void ref_lines(int width, const json_t *ref, ref_style style)
{
	const char *tag = cf_json_str(ref, "tag"), *semver = cf_json_str(ref, "semver");
	const char *last = cf_json_str(ref, style == REF_GIT ? "branch" : "digest");

	if (ref == NULL || style == REF_NONE)
		return;
	if (tag && tag[0])
		field(width, "Tag:", tag);
	else if (semver && semver[0])
		field(width, "Tag:", semver);
	else if (last && last[0])
		field(width, style == REF_GIT ? "Branch:" : "Digest:", last);
}

/* The artifact's OCI origin annotations, as the Kustomization template ranges over them (a
 * line each, empty when the metadata lacks it). */
static void origin_lines(const json_t *artifact)
{
	static const char *const keys[][2] = {
		{ "Origin Revision: ", "org.opencontainers.image.revision" },
		{ "Origin Source:   ", "org.opencontainers.image.source" },
	};
	const json_t *md = json_object_get(artifact, "metadata");

	if (json_object_size(md) == 0)
		return;
	for (size_t i = 0; i < 2; i++) {
		const char *v = cf_json_str(md, keys[i][1]);
		printf("\n%s%s", v && v[0] ? keys[i][0] : "", v && v[0] ? v : "");
	}
}

/* One source section ("---" first) of kind sk at column width; origin: the Kustomization
 * template's OCI origin lines. */
static void source_section(int width, const source_kind *sk, const json_t *src, int origin)
{
	const json_t *spec = json_object_get(src, "spec"), *meta = json_object_get(src, "metadata");
	const json_t *artifact = json_object_get(json_object_get(src, "status"), "artifact");

	puts("---");
	field(width, sk->title, cf_json_str(meta, "name"));
	field(width, "Namespace:", cf_json_str(meta, "namespace"));
	if (sk->url)
		field(width, "URL:", cf_json_str(spec, "url"));
	if (sk->chart) {
		field(width, "Chart:", cf_json_str(spec, "chart"));
		field(width, "Version:", cf_json_str(spec, "version"));
	}
	if (sk->source_ref) {
		const json_t *r = json_object_get(spec, "sourceRef");
		char line[800];
		snprintf(line, sizeof(line), "%s/%s/%s", cf_json_str(r, "kind") ? cf_json_str(r, "kind") : "",
			 cf_json_str(r, "namespace") ? cf_json_str(r, "namespace") : "", cf_json_str(r, "name") ? cf_json_str(r, "name") : "");
		field(width, "Source:", line);
	}
	ref_lines(width, json_object_get(spec, "ref"), sk->ref);
	if (artifact) {
		printf("%-*s%s", width, "Revision:", cf_json_str(artifact, "revision") ? cf_json_str(artifact, "revision") : "");
		if (origin && sk->oci_origin)
			origin_lines(artifact);
		putchar('\n');
	}
	ready_lines(width, src, sk->tells_failure);
}

/* The object's own lines, the start of both templates. */
static void object_lines(int width, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	char name[600];

	snprintf(name, sizeof(name), "%s/%s", cf_json_str(obj, "kind") ? cf_json_str(obj, "kind") : "",
		 cf_json_str(meta, "name") ? cf_json_str(meta, "name") : "");
	printf("\n");
	field(width, "Object:", name);
	if (cf_json_str(meta, "namespace") && cf_json_str(meta, "namespace")[0])
		field(width, "Namespace:", cf_json_str(meta, "namespace"));
	field(width, "Status:", "Managed by Flux");
}

/* GETs the source a reference names (namespace: the ref's, else dflt_ns); *out NULL when its
 * kind is not one of shown, as flux prints nothing then. <0 after writing the error to err. */
static int get_source(cf_kube *k, json_t **out, const source_kind **sk, const json_t *ref, const char *const *shown,
		      const char *dflt_ns, char *err, size_t size)
{
	const char *ns = cf_json_str(ref, "namespace");
	char nf[TRACE_MSG_MAX];
	resource r;
	int rc;

	*out = NULL;
	if (!cli_one_of(cf_json_str(ref, "kind"), shown) || (*sk = source_kind_of(cf_json_str(ref, "kind"))) == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	snprintf(r.api_version, sizeof(r.api_version), "%s", (*sk)->av);
	snprintf(r.group, sizeof(r.group), "%s", CF_GROUP_SOURCE);
	snprintf(r.kind, sizeof(r.kind), "%s", (*sk)->kind);
	/* the kind table's plural (helmrepositories), as the API's not-found message names it */
	snprintf(r.plural, sizeof(r.plural), "%s", cf_kind_find((*sk)->kind) ? cf_kind_find((*sk)->kind)->plural : (*sk)->kind);
	rc = get_object(k, out, &r, ns && ns[0] ? ns : dflt_ns, cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "", nf, sizeof(nf));
	if (rc < 0) {
		snprintf(err, size, "failed to find %s: %.700s", (*sk)->kind, nf);
		return rc;
	}
	if ((*sk)->source_ref && json_object_get(json_object_get(*out, "spec"), "sourceRef") == NULL) {
		snprintf(err, size, "ExternalArtifact %s/%s is missing spec.sourceRef", cf_json_str(json_object_get(*out, "metadata"), "namespace"),
			 cf_json_str(json_object_get(*out, "metadata"), "name"));
		json_decref(*out);
		*out = NULL;
		return CF_EINVAL;
	}
	return 0;
}

/* The Kustomization template of flux's traceKustomization. */
static int trace_kustomization(cf_kube *k, const json_t *obj, const char *ns, const char *name, char *err, size_t size)
{
	resource r = { CF_AV_KUSTOMIZATION, CF_GROUP_KUSTOMIZE, "Kustomization", "kustomizations" };
	json_t *ks = NULL, *src = NULL;
	const json_t *spec, *status;
	const source_kind *sk = NULL;
	char nf[TRACE_MSG_MAX];
	const char *tn;
	const int w = 17;

	if (get_object(k, &ks, &r, ns, name, nf, sizeof(nf)) < 0) {
		snprintf(err, size, "failed to find kustomization: %.700s", nf);
		return -1;
	}
	spec = json_object_get(ks, "spec");
	status = json_object_get(ks, "status");
	if (get_source(k, &src, &sk, json_object_get(spec, "sourceRef"), KS_SOURCES, cf_json_str(json_object_get(ks, "metadata"), "namespace"), err, size) < 0) {
		json_decref(ks);
		return -1;
	}
	object_lines(w, obj);
	puts("---");
	field(w, "Kustomization:", cf_json_str(json_object_get(ks, "metadata"), "name"));
	field(w, "Namespace:", cf_json_str(json_object_get(ks, "metadata"), "namespace"));
	if ((tn = cf_json_str(spec, "targetNamespace")) && tn[0])
		field(w, "Target:", tn);
	field(w, "Path:", cf_json_str(spec, "path"));
	field(w, "Revision:", cf_json_str(status, "lastAppliedRevision"));
	ready_lines(w, ks, 0);
	if (src)
		source_section(w, sk, src, 1);
	json_decref(src);
	json_decref(ks);
	return 0;
}

/* The HelmRelease template of flux's traceHelm: the release, its HelmChart, the chart's source
 * (or the chartRef's OCIRepository or ExternalArtifact). */
static int trace_helm(cf_kube *k, const json_t *obj, const char *ns, const char *name, char *err, size_t size)
{
	resource r = { CF_AV_HELMRELEASE, CF_GROUP_HELM, "HelmRelease", "helmreleases" };
	json_t *hr = NULL, *chart = NULL, *src = NULL;
	const json_t *spec, *status;
	const source_kind *sk = NULL, *ck = NULL;
	const char *chart_name, *tn, *hr_ns;
	char nf[TRACE_MSG_MAX];
	int rc = -1;

	if (get_object(k, &hr, &r, ns, name, nf, sizeof(nf)) < 0) {
		snprintf(err, size, "failed to find HelmRelease: %.700s", nf);
		return -1;
	}
	spec = json_object_get(hr, "spec");
	status = json_object_get(hr, "status");
	hr_ns = cf_json_str(json_object_get(hr, "metadata"), "namespace");
	if ((chart_name = cf_json_str(status, "helmChart")) && chart_name[0]) {
		const char *slash = strchr(chart_name, '/');
		char cns[256];
		json_t *cref;
		snprintf(cns, sizeof(cns), "%.*s", slash ? (int)(slash - chart_name) : 0, chart_name);
		cref = json_pack("{s:s,s:s,s:s}", "kind", "HelmChart", "namespace", cns, "name", slash ? slash + 1 : chart_name);
		rc = get_source(k, &chart, &ck, cref, (const char *const[]){ "HelmChart", NULL }, hr_ns, err, size);
		json_decref(cref);
		if (rc < 0)
			goto out;
	}
	if (json_object_get(spec, "chart"))
		rc = get_source(k, &src, &sk, json_object_get(json_object_get(json_object_get(spec, "chart"), "spec"), "sourceRef"),
				CHART_SOURCES, hr_ns, err, size);
	else
		rc = get_source(k, &src, &sk, json_object_get(spec, "chartRef"), CHART_REF_SOURCES, hr_ns, err, size);
	if (rc < 0)
		goto out;
	object_lines(16, obj);
	puts("---");
	field(16, "HelmRelease:", cf_json_str(json_object_get(hr, "metadata"), "name"));
	field(16, "Namespace:", hr_ns);
	if ((tn = cf_json_str(spec, "targetNamespace")) && tn[0])
		field(16, "Target:", tn);
	field(16, "Revision:", cf_json_str(status, "lastAttemptedRevision"));
	ready_lines(16, hr, 0);
	if (chart)
		source_section(16, ck, chart, 0);
	if (src)
		source_section(sk->helm_width, sk, src, 0);
	rc = 0;
out:
	json_decref(chart);
	json_decref(src);
	json_decref(hr);
	return rc;
}

/* Traces one object: 0, or -1 with flux's reason in err. */
static int trace_object(cf_kube *k, const json_t *obj, char *err, size_t size)
{
	char ns[256], name[256];

	if (owner_managed_by(k, obj, CF_GROUP_KUSTOMIZE, ns, sizeof(ns), name, sizeof(name), 0))
		return trace_kustomization(k, obj, ns, name, err, size);
	if (owner_managed_by(k, obj, CF_GROUP_HELM, ns, sizeof(ns), name, sizeof(name), 0))
		return trace_helm(k, obj, ns, name, err, size);
	snprintf(err, size, "object not managed by Flux");
	return -1;
}

int cmd_trace(int argc, char **argv)
{
	const char *kind = NULL, *av = NULL;
	const cf_flag own[] = {
		{ "kind", CF_FLAG_STRING, &kind, "the Kubernetes object kind, e.g. Deployment'", 0 },
		{ "api-version", CF_FLAG_STRING, &av, "the Kubernetes object API version, e.g. 'apps/v1'", 0 },
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *objs = NULL;
	cf_kube *k = NULL;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, TRACE_USAGE, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = check_args(kind, av, pos, npos)) != 0)
		return rc;
	if ((k = cli_client()) == NULL)
		return 1;
	objs = json_array();
	rc = kind || av ? object_static(k, objs, kind, av, pos[0]) : objects_dynamic(k, objs, pos, npos);
	for (size_t i = 0; rc == 0 && i < json_array_size(objs); i++) {
		const json_t *obj = json_array_get(objs, i), *meta = json_object_get(obj, "metadata");
		char err[TRACE_MSG_MAX];
		if (trace_object(k, obj, err, sizeof(err)) < 0) {
			/* flux reports it and goes on: the command still succeeds */
			fprintf(stderr, "failed to trace %s/%s in namespace %s: %s\n", cf_json_str(obj, "kind"),
				cf_json_str(meta, "name"), cf_json_str(meta, "namespace") ? cf_json_str(meta, "namespace") : "", err);
		}
		if (i + 1 < json_array_size(objs))
			puts("---");
		fflush(stdout);
	}
	json_decref(objs);
	cf_kube_free(k);
	return rc;
}
