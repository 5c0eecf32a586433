/* cli/stats.c - cflux stats: per kind the objects (RUNNING), the failing and the suspended,
 * and for the sources the artifact storage they hold, as flux stats prints it. */
#include "cli.h"

#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <string.h>

/* Bytes as go-humanize's IBytes writes them ("512 B", "1.2 KiB", "14 MiB"). */
static void ibytes(char *out, size_t size, double n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;

	if (n < 10) {
		snprintf(out, size, "%.0f B", n);
		return;
	}
	while (n >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1024;
		u++;
	}
	snprintf(out, size, n < 10 ? "%.1f %s" : "%.0f %s", n, units[u]);
}

/* One row for kind, or NULL when its CRD is not served. */
static int kind_row(cf_kube *k, const cf_kind *kd, json_t *rows)
{
	json_t *list = NULL, *o;
	long total = 0, failing = 0, suspended = 0;
	double storage = 0;
	char t[32], f[32], s[32], st[32];
	size_t i;
	int rc = cf_kube_list(k, &list, &(cf_kube_ref){ kd->api_version, kd->kind, cli.all_namespaces ? NULL : cli.namespace, NULL }, NULL);

	if (rc == CF_ENOTSERVED) {
		cf_err_clear();
		return 0;
	}
	if (rc < 0)
		return cli_fail(1, "%s", cf_err_msg());
	json_array_foreach(json_object_get(list, "items"), i, o) {
		const json_t *ready = cf_condition_get(json_object_get(o, "status"), CF_COND_READY);
		total++;
		if (json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")))
			suspended++;
		if (ready && cf_json_str(ready, "status") && strcmp(cf_json_str(ready, "status"), "False") == 0)
			failing++;
		storage += (double)json_integer_value(json_object_get(json_object_get(json_object_get(o, "status"), "artifact"), "size"));
	}
	json_decref(list);
	snprintf(t, sizeof(t), "%ld", total);
	snprintf(f, sizeof(f), "%ld", failing);
	snprintf(s, sizeof(s), "%ld", suspended);
	if (strcmp(kd->group, CF_GROUP_SOURCE) == 0)
		ibytes(st, sizeof(st), storage);
	else
		snprintf(st, sizeof(st), "-");
	json_array_append_new(rows, json_pack("[s,s,s,s,s]", kd->kind, t, f, s, st));
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	const cf_flag own[] = { { "all-namespaces|A", CF_FLAG_BOOL, &cli.all_namespaces, "list the statistics for objects across all namespaces", 0 } };
	json_t *rows, *header;
	cf_kube *k;
	int rc;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux stats [-A]", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	if ((k = cli_client()) == NULL)
		return 1;
	rows = json_array();
	for (int id = 0; rc == 0 && id < CF_KIND_COUNT; id++) {
		const cf_kind *kd = cf_kind_get((cf_kind_id)id);
		if (cf_kind_shipped(kd))
			rc = kind_row(k, kd, rows);
	}
	if (rc == 0) {
		header = json_pack("[s,s,s,s,s]", "RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE");
		cli_table_print(header, rows);
		json_decref(header);
	}
	json_decref(rows);
	cf_kube_free(k);
	return rc;
}
