/* helm-controller/chart.h - a HelmRelease's chart: spec.chart made into the HelmChart
 * `<namespace>-<name>` in the source's namespace (as Flux), or spec.chartRef (a HelmChart or an
 * OCIRepository); its artifact fetched over nng, its digest checked, written to the work dir. */
#ifndef HC_CHART_H
#define HC_CHART_H

#include <jansson.h>

#include "kube/kube.h"

#define HC_FIELD_MANAGER "helm-controller"

typedef struct hc_chart {
	char kind[64], ns[254], name[254];   /* the source of the artifact */
	char helmchart[600];                 /* "ns/name" of the HelmChart made from spec.chart, or "" */
	char revision[512], digest[80];      /* the artifact's */
	char chart_name[254], version[128], app_version[128];   /* from its Chart.yaml */
	char path[1200];                     /* the chart package in the work dir */
} hc_chart;

/* Applies the HelmChart of spec.chart (labels helm.toolkit.fluxcd.io/name and /namespace) and
 * fills c->kind/ns/name and c->helmchart; with spec.chartRef only fills kind/ns/name (a kind
 * other than HelmChart or OCIRepository is CF_EINVAL). */
int hc_chart_template(cf_kube *k, hc_chart *c, const json_t *hr);
/* Deletes the HelmChart this HelmRelease made (status.helmChart), if any. */
int hc_chart_template_delete(cf_kube *k, const json_t *hr);
/* The source's artifact when it is ready: CF_ENOTFOUND "... is not ready" when it has none
 * or has not reconciled its latest generation. Fills revision and digest; *src (new) keeps the
 * object for hc_chart_fetch. */
int hc_chart_ready(cf_kube *k, hc_chart *c, json_t **src);
/* Fetches src's artifact (capped at max bytes) from its URL's nng address with token, checks
 * its digest, reads Chart.yaml, and writes the package into workdir (0600). */
int hc_chart_fetch(hc_chart *c, const json_t *src, const char *token, size_t max, long timeout_ms,
		   const char *workdir);
/* name, version and appVersion of the chart package data (a .tgz whose top directory holds
 * Chart.yaml). Pure. */
int hc_chart_metadata(hc_chart *c, const void *data, size_t len, size_t max);

#endif
