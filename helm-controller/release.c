/* helm-controller/release.c - helm's JSON about a release: history, status, and the release
 * install and upgrade print. */
#include "release.h"

#include "kube/secret.h"
#include "util/err.h"
#include "util/semver.h"
#include "util/sha256.h"
#include "values.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

int hc_status_pending(const char *status)
{
	return status && strncmp(status, "pending-", 8) == 0;
}

static json_t *load(const char *json, size_t len, const char *what)
{
	json_error_t e;
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &e);

	if (j == NULL)
		/* line and column only: jansson's text quotes the input near the error, which may
		 * be part of the release's values */
		cf_err_set(CF_EINVAL, "helm %s output is not JSON (line %d, column %d)", what, e.line, e.column);
	return j;
}

int hc_history_parse(hc_history *h, const char *json, size_t len)
{
	json_t *arr = load(json, len, "history"), *e;
	long long prev = 0;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (arr == NULL)
		return CF_EINVAL;
	if (!json_is_array(arr) || json_array_size(arr) > HC_HISTORY_MAX) {
		json_decref(arr);
		return cf_err_set(CF_EINVAL, "helm history output is not a list of at most %d revisions", HC_HISTORY_MAX);
	}
	json_array_foreach(arr, i, e) {
		json_t *rev = json_object_get(e, "revision");
		const char *st = cf_json_str(e, "status");
		if (!json_is_integer(rev) || json_integer_value(rev) <= 0 || json_integer_value(rev) > 1000000000 || st == NULL ||
		    json_integer_value(rev) <= prev) {
			json_decref(arr);
			return cf_err_set(CF_EINVAL, "helm history entry %zu: revision (increasing) and status are required", i);
		}
		prev = json_integer_value(rev);
		if (h->latest && (strcmp(h->latest_status, HC_ST_DEPLOYED) == 0 || strcmp(h->latest_status, HC_ST_SUPERSEDED) == 0))
			h->previous_good = h->latest;
		h->latest = (int)prev;
		snprintf(h->latest_status, sizeof(h->latest_status), "%s", st);
		snprintf(h->latest_chart, sizeof(h->latest_chart), "%s", cf_json_str(e, "chart") ? cf_json_str(e, "chart") : "");
		snprintf(h->latest_app_version, sizeof(h->latest_app_version), "%s",
			 cf_json_str(e, "app_version") ? cf_json_str(e, "app_version") : "");
		h->count++;
	}
	json_decref(arr);
	return 0;
}

int hc_chart_split(char *name, size_t nsize, char *version, size_t vsize, const char *chart)
{
	const char *dash;
	cf_semver v;

	for (dash = chart ? strrchr(chart, '-') : NULL; dash; ) {
		if (dash > chart && cf_semver_parse(&v, dash + 1) == 0 && (size_t)(dash - chart) < nsize &&
		    strlen(dash + 1) < vsize) {
			snprintf(name, nsize, "%.*s", (int)(dash - chart), chart);
			snprintf(version, vsize, "%s", dash + 1);
			return 0;
		}
		if (dash <= chart)   /* never step before the string */
			break;
		while (--dash > chart && *dash != '-')
			;
		if (dash <= chart)
			break;
	}
	cf_err_clear();
	return cf_err_set(CF_EINVAL, "helm history: chart '%s' is not <name>-<version>", chart ? chart : "");
}

static int need_str(const json_t *o, const char *key, const char *where, const char **out)
{
	*out = cf_json_str(o, key);
	return *out ? 0 : cf_err_set(CF_EINVAL, "helm release output: %s%s is missing", where, key);
}

/* sha256 of the release as helm stores it, whichever command printed it: without the chart
 * (only install and upgrade print it) and info.resources (only status prints them) */
static int release_digest(char out[72], const json_t *rel)
{
	json_t *copy = json_copy((json_t *)rel), *info = json_copy(json_object_get(rel, "info"));
	int rc;

	if (copy == NULL || (json_object_get(rel, "info") && info == NULL)) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	json_object_del(copy, "chart");
	if (info) {
		json_object_del(info, "resources");
		json_object_set(copy, "info", info);
	}
	rc = hc_values_digest(out, copy);
out:
	json_decref(info);
	json_decref(copy);
	return rc;
}

/* the snapshot of rel (helm's release JSON) at version, of chart "<name>-<version>" */
static int snapshot_of(json_t **snap, json_t *rel, long long version, const char *chart, const char *app_version)
{
	json_t *info = json_object_get(rel, "info"), *config = json_object_get(rel, "config");
	const char *name, *ns, *st;
	char digest[72], config_digest[72], cname[300], cver[300];
	int rc;

	if ((rc = need_str(rel, "name", "", &name)) < 0 || (rc = need_str(rel, "namespace", "", &ns)) < 0 ||
	    (rc = need_str(info, "status", "info.", &st)) < 0)
		return rc;
	if ((rc = hc_chart_split(cname, sizeof(cname), cver, sizeof(cver), chart)) < 0)
		return rc;
	if (!json_is_object(config))
		json_object_set_new(rel, "config", config = json_object());
	if ((rc = hc_values_digest(config_digest, config)) < 0 || (rc = release_digest(digest, rel)) < 0)
		return rc;
	*snap = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s*,s:s,s:s,s:s*,s:s*}", "name", name, "namespace", ns,
			  "version", (json_int_t)version, "status", st, "chartName", cname, "chartVersion", cver,
			  "appVersion", app_version && app_version[0] ? app_version : NULL, "configDigest", config_digest,
			  "digest", digest, "firstDeployed", cf_json_str(info, "first_deployed"),
			  "lastDeployed", cf_json_str(info, "last_deployed"));
	return *snap ? 0 : cf_err_set(CF_ENOMEM, "out of memory");
}

int hc_release_snapshot(json_t **snap, const char *json, size_t len, const hc_history *h)
{
	json_t *rel = load(json, len, "status");
	int rc;

	*snap = NULL;
	if (rel == NULL)
		return CF_EINVAL;
	if (!json_is_integer(json_object_get(rel, "version")) || json_integer_value(json_object_get(rel, "version")) != h->latest)
		rc = cf_err_set(CF_EINVAL, "helm status output: version is missing or not the latest in the history (%d)", h->latest);
	else
		rc = snapshot_of(snap, rel, h->latest, h->latest_chart, h->latest_app_version);
	cf_kube_secret_free(rel);   /* config holds the values */
	return rc;
}

/* h after the action that made revision version (status st) of chart */
static void history_advance(hc_history *h, int version, const char *st, const char *chart, const char *app_version)
{
	if (h->latest && (strcmp(h->latest_status, HC_ST_DEPLOYED) == 0 || strcmp(h->latest_status, HC_ST_SUPERSEDED) == 0))
		h->previous_good = h->latest;
	h->latest = version;
	h->count++;
	snprintf(h->latest_status, sizeof(h->latest_status), "%s", st);
	snprintf(h->latest_chart, sizeof(h->latest_chart), "%s", chart);
	snprintf(h->latest_app_version, sizeof(h->latest_app_version), "%s", app_version ? app_version : "");
}

int hc_release_snapshot_action(json_t **snap, hc_history *h, const char *json, size_t len)
{
	json_t *rel = load(json, len, "install/upgrade"), *version, *meta;
	const char *cname, *cver, *st;
	char chart[300];
	int rc;

	*snap = NULL;
	if (rel == NULL)
		return CF_EINVAL;
	version = json_object_get(rel, "version");
	meta = json_object_get(json_object_get(rel, "chart"), "metadata");
	if (!json_is_integer(version) || json_integer_value(version) <= h->latest || json_integer_value(version) > 1000000000) {
		rc = cf_err_set(CF_EINVAL, "helm install/upgrade output: version is missing or not past the history's latest (%d)",
				h->latest);
		goto out;
	}
	if ((rc = need_str(meta, "name", "chart.metadata.", &cname)) < 0 ||
	    (rc = need_str(meta, "version", "chart.metadata.", &cver)) < 0 ||
	    (rc = need_str(json_object_get(rel, "info"), "status", "info.", &st)) < 0)
		goto out;
	if ((size_t)snprintf(chart, sizeof(chart), "%s-%s", cname, cver) >= sizeof(chart) || strlen(st) >= sizeof(h->latest_status)) {
		rc = cf_err_set(CF_EINVAL, "helm install/upgrade output: chart name, version or status is too long");
		goto out;
	}
	if ((rc = snapshot_of(snap, rel, json_integer_value(version), chart, cf_json_str(meta, "appVersion"))) == 0)
		history_advance(h, (int)json_integer_value(version), st, chart, cf_json_str(meta, "appVersion"));
out:
	cf_kube_secret_free(rel);   /* config holds the values */
	return rc;
}
