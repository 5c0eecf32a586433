/* helm-controller/release.h - what helm says about a release, read from its JSON output
 * (`helm history -o json`, `helm status -o json`, `helm install|upgrade -o json`), and Flux's
 * snapshot of it. */
#ifndef HC_RELEASE_H
#define HC_RELEASE_H

#include <jansson.h>
#include <stddef.h>

#define HC_HISTORY_MAX 256

/* helm's release statuses */
#define HC_ST_DEPLOYED "deployed"
#define HC_ST_FAILED "failed"
#define HC_ST_SUPERSEDED "superseded"
#define HC_ST_UNINSTALLED "uninstalled"

/* `helm history -o json`, newest last as helm prints it. */
typedef struct hc_history {
	int count;
	int latest;                 /* the newest revision, 0: no release */
	char latest_status[32];     /* its status ("pending-upgrade", ...) */
	int previous_good;          /* the newest revision before it that was deployed or superseded, 0: none */
	char latest_chart[300];     /* its "chart" ("<name>-<version>") and "app_version" */
	char latest_app_version[128];
} hc_history;

/* Parses helm's history JSON (len bytes; need not be NUL-terminated). CF_EINVAL names what is
 * wrong. */
int hc_history_parse(hc_history *h, const char *json, size_t len);
/* Whether a status is one of helm's pending-* (a crashed or running operation holds the lock). */
int hc_status_pending(const char *status);

/* Flux's snapshot of the release in `helm status -o json` (len bytes): {name, namespace,
 * version, status, chartName, chartVersion, appVersion, configDigest, digest, firstDeployed,
 * lastDeployed}, digest the sha256 of the release helm printed without its chart and
 * info.resources (the same whichever command printed it); *snap is new. helm 4's status has no chart:
 * it comes from h (the history of the same release, whose latest revision it must be). The
 * values helm prints ("config") are hashed, never copied. CF_EINVAL names what is missing. */
int hc_release_snapshot(json_t **snap, const char *json, size_t len, const hc_history *h);
/* The same snapshot from what `helm install|upgrade -o json` printed (len bytes), which holds
 * the chart's metadata (name, version, appVersion): no helm history or status run after the
 * action. h, the history before the action, becomes the one after it (the printed revision its
 * latest, past h's). *snap is new; on failure (CF_EINVAL names what is missing, e.g. output cut
 * at HC_HELM_STDOUT_MAX) *snap is NULL and h unchanged. */
int hc_release_snapshot_action(json_t **snap, hc_history *h, const char *json, size_t len);
/* Splits helm's "<name>-<version>" at the last '-' after which a semantic version follows. */
int hc_chart_split(char *name, size_t nsize, char *version, size_t vsize, const char *chart);

#endif
