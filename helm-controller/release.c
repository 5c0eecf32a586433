/* helm-controller/release.c - helm's JSON about a release: history and status. */
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
		cf_err_set(CF_EINVAL, "helm %s output is not JSON: %s (line %d)", what, e.text, e.line);
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
	return *out ? 0 : cf_err_set(CF_EINVAL, "helm status output: %s%s is missing", where, key);
}

int hc_release_snapshot(json_t **snap, const char *json, size_t len, const hc_history *h)
{
	json_t *rel = load(json, len, "status"), *info, *config;
	const char *name, *ns, *st;
	char digest[72], config_digest[72], cname[300], cver[300];
	int rc;

	*snap = NULL;
	if (rel == NULL)
		return CF_EINVAL;
	info = json_object_get(rel, "info");
	config = json_object_get(rel, "config");
	if ((rc = need_str(rel, "name", "", &name)) < 0 || (rc = need_str(rel, "namespace", "", &ns)) < 0 ||
	    (rc = need_str(info, "status", "info.", &st)) < 0)
		goto out;
	if (!json_is_integer(json_object_get(rel, "version")) || json_integer_value(json_object_get(rel, "version")) != h->latest) {
		rc = cf_err_set(CF_EINVAL, "helm status output: version is missing or not the latest in the history (%d)", h->latest);
		goto out;
	}
	if ((rc = hc_chart_split(cname, sizeof(cname), cver, sizeof(cver), h->latest_chart)) < 0)
		goto out;
	cf_sha256_of(digest, json, len);
	if (!json_is_object(config))
		json_object_set_new(rel, "config", config = json_object());
	if ((rc = hc_values_digest(config_digest, config)) < 0)
		goto out;
	*snap = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s*,s:s,s:s,s:s*,s:s*}", "name", name, "namespace", ns,
			  "version", (json_int_t)h->latest, "status", st, "chartName", cname, "chartVersion", cver,
			  "appVersion", h->latest_app_version[0] ? h->latest_app_version : NULL, "configDigest", config_digest,
			  "digest", digest, "firstDeployed", cf_json_str(info, "first_deployed"),
			  "lastDeployed", cf_json_str(info, "last_deployed"));
	if (*snap == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
out:
	cf_kube_secret_free(rel);   /* config holds the values */
	return rc;
}
