/* helm-controller/chart.c - the HelmChart template, the chart's source and its artifact. */
#include "chart.h"

#include "bus/bus.h"
#include "helmrun.h"
#include "postrender.h"
#include "runtime/kinds.h"
#include "source/helm.h"
#include "source/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define CHART_FILES_MAX 10000

/* The HelmChart of spec.chart, as Flux builds it from the template. */
static json_t *helmchart_from_template(const json_t *hr, const char *ns, const char *name)
{
	const json_t *md = json_object_get(hr, "metadata"), *spec = json_object_get(hr, "spec");
	const json_t *tpl = json_object_get(spec, "chart"), *ts = json_object_get(tpl, "spec");
	const json_t *tmeta = json_object_get(tpl, "metadata"), *src = json_object_get(ts, "sourceRef");
	json_t *labels = json_is_object(json_object_get(tmeta, "labels")) ? json_deep_copy(json_object_get(tmeta, "labels")) : json_object();
	json_t *hc, *hs;
	static const char *const copied[] = { "valuesFiles", "ignoreMissingValuesFiles", "verify" };

	json_object_set_new(labels, HC_LABEL_NAME, json_string(cf_json_str(md, "name")));
	json_object_set_new(labels, HC_LABEL_NAMESPACE, json_string(cf_json_str(md, "namespace")));
	hc = json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:{s:s,s:s,s:{s:s,s:s},s:s,s:s}}", "apiVersion", CF_AV_HELMCHART,
		       "kind", "HelmChart", "metadata", "name", name, "namespace", ns, "labels", labels,
		       "spec", "chart", cf_json_str(ts, "chart"), "version", cf_json_str(ts, "version") ? cf_json_str(ts, "version") : "*",
		       "sourceRef", "kind", cf_json_str(src, "kind"), "name", cf_json_str(src, "name"),
		       "interval", cf_json_str(ts, "interval") ? cf_json_str(ts, "interval") : cf_json_str(spec, "interval"),
		       "reconcileStrategy", cf_json_str(ts, "reconcileStrategy") ? cf_json_str(ts, "reconcileStrategy") : "ChartVersion");
	if (hc == NULL)
		return NULL;
	hs = json_object_get(hc, "spec");
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		if (json_object_get(ts, copied[i]))
			json_object_set(hs, copied[i], json_object_get(ts, copied[i]));
	if (json_is_object(json_object_get(tmeta, "annotations")))
		json_object_set(json_object_get(hc, "metadata"), "annotations", json_object_get(tmeta, "annotations"));
	return hc;
}

static int set_source(hc_chart *c, const char *kind, const char *ns, const char *name)
{
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	snprintf(c->name, sizeof(c->name), "%s", name);
	return 0;
}

int hc_chart_template(cf_kube *k, hc_chart *c, const json_t *hr)
{
	const json_t *md = json_object_get(hr, "metadata"), *spec = json_object_get(hr, "spec");
	const json_t *ref = json_object_get(spec, "chartRef"), *ts = json_object_get(json_object_get(spec, "chart"), "spec");
	const char *hns = cf_json_str(md, "namespace"), *hname = cf_json_str(md, "name"), *sns;
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	json_t *hc, *out = NULL;
	char name[600];
	int rc;

	memset(c, 0, sizeof(*c));
	if (ref && ts)
		return cf_err_set(CF_EINVAL, "either spec.chart or spec.chartRef must be set, not both");
	if (ref) {
		const char *kind = cf_json_str(ref, "kind"), *rname = cf_json_str(ref, "name");
		if (!kind || !rname || (strcmp(kind, "HelmChart") != 0 && strcmp(kind, "OCIRepository") != 0))
			return cf_err_set(CF_EINVAL, "spec.chartRef: kind HelmChart or OCIRepository and a name are required");
		return set_source(c, kind, cf_json_str(ref, "namespace") ? cf_json_str(ref, "namespace") : hns, rname);
	}
	if (!cf_json_str(ts, "chart") || !cf_json_str(json_object_get(ts, "sourceRef"), "kind") ||
	    !cf_json_str(json_object_get(ts, "sourceRef"), "name"))
		return cf_err_set(CF_EINVAL, "spec.chart.spec: chart and sourceRef (kind, name) are required, or spec.chartRef");
	sns = cf_json_str(json_object_get(ts, "sourceRef"), "namespace");
	sns = sns && sns[0] ? sns : hns;
	snprintf(name, sizeof(name), "%s-%s", hns, hname);
	if (strlen(name) > 253)
		return cf_err_set(CF_EINVAL, "HelmChart name '%s' is longer than 253 characters", name);
	if ((hc = helmchart_from_template(hr, sns, name)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	ao.field_manager = HC_FIELD_MANAGER;
	ao.force = 1;
	rc = cf_kube_apply(k, &out, hc, &ao);
	json_decref(hc);
	json_decref(out);
	if (rc < 0)
		return cf_err_prefix("failed to run server-side apply of HelmChart '%s/%s'", sns, name);
	set_source(c, "HelmChart", sns, name);
	snprintf(c->helmchart, sizeof(c->helmchart), "%s/%s", sns, name);
	return 0;
}

int hc_chart_template_delete(cf_kube *k, const json_t *hr)
{
	const char *ref = cf_json_str(json_object_get(hr, "status"), "helmChart"), *slash;
	char ns[254];
	int rc;

	if (ref == NULL || (slash = strchr(ref, '/')) == NULL || (size_t)(slash - ref) >= sizeof(ns))
		return 0;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - ref), ref);
	rc = cf_kube_delete(k, &(cf_kube_ref){ CF_AV_HELMCHART, "HelmChart", ns, slash + 1 }, NULL);
	if (rc == CF_ENOTFOUND) {
		cf_err_clear();
		return 0;
	}
	return rc < 0 ? cf_err_prefix("failed to delete HelmChart '%s'", ref) : 0;
}

int hc_chart_ready(cf_kube *k, hc_chart *c, json_t **src)
{
	const cf_kind *kd = cf_kind_find(c->kind);
	const json_t *art, *st;
	long long gen;
	int rc;

	*src = NULL;
	if ((rc = cf_kube_get(k, src, &(cf_kube_ref){ kd->api_version, c->kind, c->ns, c->name })) < 0)
		return cf_err_prefix("could not get Source object");
	st = json_object_get(*src, "status");
	art = json_object_get(st, "artifact");
	gen = json_integer_value(json_object_get(json_object_get(*src, "metadata"), "generation"));
	if (json_integer_value(json_object_get(st, "observedGeneration")) < gen)
		rc = cf_err_set(CF_ENOTFOUND, "%s '%s/%s' is not ready: latest generation of object has not been reconciled",
				c->kind, c->ns, c->name);
	else if (!cf_json_str(art, "url") || !cf_json_str(art, "path") || !cf_json_str(art, "digest") || !cf_json_str(art, "revision"))
		rc = cf_err_set(CF_ENOTFOUND, "%s '%s/%s' is not ready: no artifact", c->kind, c->ns, c->name);
	if (rc < 0) {
		json_decref(*src);
		*src = NULL;
		return rc;
	}
	snprintf(c->revision, sizeof(c->revision), "%s", cf_json_str(art, "revision"));
	snprintf(c->digest, sizeof(c->digest), "%s", cf_json_str(art, "digest"));
	return 0;
}

/* The top directory's Chart.yaml of an unpacked chart (helm packages hold one top dir). */
static const unsigned char *chart_yaml(const cf_tree *t, size_t *len)
{
	json_t *names = NULL, *n;
	const unsigned char *data = cf_tree_get(t, "Chart.yaml", len);
	size_t i;

	if (data || cf_tree_list(t, ".", &names) < 0)
		return data;
	json_array_foreach(names, i, n) {
		char p[600];
		snprintf(p, sizeof(p), "%s/Chart.yaml", json_string_value(n));
		if ((data = cf_tree_get(t, p, len)) != NULL)
			break;
	}
	json_decref(names);
	return data;
}

int hc_chart_metadata(hc_chart *c, const void *data, size_t len, size_t max)
{
	cf_tree *t = NULL;
	json_t *meta = NULL;
	const unsigned char *y;
	size_t ylen = 0;
	int rc;

	if ((rc = cf_tree_unpack(&t, data, len, max, CHART_FILES_MAX)) < 0)
		return cf_err_prefix("chart package");
	if ((y = chart_yaml(t, &ylen)) == NULL)
		rc = cf_err_set(CF_EINVAL, "chart package holds no Chart.yaml");
	else
		rc = cf_helm_chart_yaml_parse(&meta, (const char *)y, ylen, "Chart.yaml");
	if (rc == 0) {
		snprintf(c->chart_name, sizeof(c->chart_name), "%s", cf_json_str(meta, "name"));
		snprintf(c->version, sizeof(c->version), "%s", cf_json_str(meta, "version"));
		snprintf(c->app_version, sizeof(c->app_version), "%s", cf_json_str(meta, "appVersion") ? cf_json_str(meta, "appVersion") : "");
	}
	json_decref(meta);
	cf_tree_free(t);
	return rc;
}

int hc_chart_fetch(hc_chart *c, const json_t *src, const char *token, size_t max, long timeout_ms, const char *workdir)
{
	const json_t *art = json_object_get(json_object_get(src, "status"), "artifact");
	const char *url = cf_json_str(art, "url"), *path = cf_json_str(art, "path");
	cf_buf data = CF_BUF_INIT(max);
	char addr[1024], *file = NULL;
	size_t plen = strlen(path), ulen = strlen(url);
	int rc;

	if (ulen <= plen + 1 || strcmp(url + ulen - plen, path) != 0 || url[ulen - plen - 1] != '/' ||
	    ulen - plen - 1 >= sizeof(addr))
		return cf_err_set(CF_EINVAL, "%s '%s/%s': artifact url '%s' does not end in its path", c->kind, c->ns, c->name, url);
	snprintf(addr, sizeof(addr), "%.*s", (int)(ulen - plen - 1), url);
	rc = cf_bus_fetch_artifact(&data, addr, token, path, c->digest, timeout_ms);
	if (rc == 0)
		rc = hc_chart_metadata(c, data.data, data.len, max * 4);
	if (rc == 0 && (rc = hc_helm_write_private(&file, workdir, "chart.tgz", data.data, data.len)) == 0)
		snprintf(c->path, sizeof(c->path), "%s", file);
	if (rc < 0)
		cf_err_prefix("could not load chart of %s '%s/%s' revision '%s'", c->kind, c->ns, c->name, c->revision);
	cf_free(file);
	cf_buf_free(&data);
	return rc;
}
