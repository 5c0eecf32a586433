/* cli/get.c - cflux get: the status table of every kind, as flux get prints it (columns,
 * revisions truncated, tab-padded cells), -A, a NAME, --status-selector, --no-header,
 * --show-source, and --watch through the API's watch. */
#include "cli.h"

#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POS_MAX 8
#define CELL_MAX 4096
#define COLS_MAX 8

/* What a kind's table shows besides NAME, READY and MESSAGE (flux's columns per kind). */
enum { COL_THIRD = 1, COL_SUSPENDED = 2, COL_SOURCE = 4 };
static const struct get_columns {
	const char *third;   /* the header of the column after NAME, or NULL */
	const char *field;   /* its status field ("a.b"); NULL: the kind table's revision */
	unsigned cols;
} COLUMNS[CF_KIND_COUNT] = {
	[CF_KIND_GITREPOSITORY] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED },
	[CF_KIND_HELMREPOSITORY] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED },
	[CF_KIND_HELMCHART] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED },
	[CF_KIND_OCIREPOSITORY] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED },
	[CF_KIND_BUCKET] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED },
	[CF_KIND_KUSTOMIZATION] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED | COL_SOURCE },
	[CF_KIND_HELMRELEASE] = { "Revision", NULL, COL_THIRD | COL_SUSPENDED | COL_SOURCE },
	[CF_KIND_PROVIDER] = { NULL, NULL, 0 },
	[CF_KIND_ALERT] = { NULL, NULL, COL_SUSPENDED },
	[CF_KIND_RECEIVER] = { NULL, NULL, COL_SUSPENDED },
	[CF_KIND_IMAGEREPOSITORY] = { "Last scan", "lastScanResult.scanTime", COL_THIRD | COL_SUSPENDED },
	[CF_KIND_IMAGEPOLICY] = { "Latest image", "latestImage", COL_THIRD },
	[CF_KIND_IMAGEUPDATEAUTOMATION] = { "Last run", "lastAutomationRunTime", COL_THIRD | COL_SUSPENDED },
};

/* The groups `get sources all` and `get images all` list: the kinds whose CLI name starts so. */
static const struct get_group {
	const char *word, *prefix;
} GROUPS[] = { { "sources", "source " }, { "source", "source " }, { "images", "image " }, { "image", "image " } };

typedef struct get_opts {
	int no_header, watch, show_source, sel_negated;
	const char *selector, *name, *labels;
	char sel_type[128], sel_status[64];
} get_opts;

/* flux's TruncateHex: every hex run of 40 to 128 characters between word boundaries becomes
 * its first 8. */
static void truncate_hex(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 1 < size;) {
		size_t n = 0;
		int start = i == 0 || !(isalnum((unsigned char)in[i - 1]) || in[i - 1] == '_');
		while (start && ((in[i + n] >= '0' && in[i + n] <= '9') || (in[i + n] >= 'a' && in[i + n] <= 'f')))
			n++;
		if (n >= 40 && n <= 128 && !(isalnum((unsigned char)in[i + n]) || in[i + n] == '_')) {
			for (size_t j = 0; j < 8 && o + 1 < size; j++)
				out[o++] = in[i + j];
			i += n;
		} else if (n > 0) {
			for (size_t j = 0; j < n && o + 1 < size; j++)
				out[o++] = in[i + j];
			i += n;
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = '\0';
}

static const char *status_field(const json_t *obj, const char *path)
{
	const json_t *v = json_object_get(obj, "status");
	char field[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(field, sizeof(field), "%.*s", (int)(dot - path), path);
		v = json_object_get(v, field);
		path = dot + 1;
	}
	return json_string_value(json_object_get(v, path));
}

/* "Kind/namespace/name" of a Kustomization's sourceRef or a HelmRelease's chartRef or
 * chart.spec.sourceRef (the namespace defaults to the object's own). */
static void source_column(char *out, size_t size, const json_t *o)
{
	const json_t *spec = json_object_get(o, "spec"), *ref = json_object_get(spec, "sourceRef");
	const char *ns;

	if (ref == NULL)
		ref = json_object_get(spec, "chartRef");
	if (ref == NULL)
		ref = json_object_get(json_object_get(json_object_get(spec, "chart"), "spec"), "sourceRef");
	ns = cf_json_str(ref, "namespace") ? cf_json_str(ref, "namespace") : cf_json_str(json_object_get(o, "metadata"), "namespace");
	if (ref == NULL)
		snprintf(out, size, "%s", "");
	else
		snprintf(out, size, "%s/%s/%s", cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "", ns ? ns : "",
			 cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
}

/* The header row of kind's table. */
static json_t *header_row(const cf_kind *kd, const get_opts *g)
{
	const struct get_columns *c = &COLUMNS[kd->id];
	json_t *h = json_array();

	if (cli.all_namespaces)
		json_array_append_new(h, json_string("NAMESPACE"));
	json_array_append_new(h, json_string("NAME"));
	if (c->cols & COL_THIRD) {
		char up[64];
		size_t i;
		for (i = 0; c->third[i] && i + 1 < sizeof(up); i++)
			up[i] = (char)toupper((unsigned char)c->third[i]);
		up[i] = '\0';
		json_array_append_new(h, json_string(up));
	}
	if (c->cols & COL_SUSPENDED)
		json_array_append_new(h, json_string("SUSPENDED"));
	json_array_append_new(h, json_string("READY"));
	json_array_append_new(h, json_string("MESSAGE"));
	if ((c->cols & COL_SOURCE) && g->show_source)
		json_array_append_new(h, json_string("SOURCE"));
	return h;
}

/* Whether o has the NAME asked for (flux asks the API with a field selector); whether it passes
 * --status-selector (flux: condition type and status compared without case, "!=" negates;
 * an object without the condition does not pass). */
static int named(const json_t *o, const get_opts *g)
{
	const char *name = cf_json_str(json_object_get(o, "metadata"), "name");

	return g->name == NULL || strcmp(g->name, name ? name : "") == 0;
}

static int selected(const cf_kind *kd, const json_t *o, const get_opts *g)
{
	const json_t *conds = json_object_get(json_object_get(o, "status"), "conditions"), *c, *hit = NULL;
	int match;
	size_t i;

	if (g->selector == NULL)
		return 1;
	if (kd->id == CF_KIND_ALERT || kd->id == CF_KIND_PROVIDER) {   /* no conditions: always Ready */
		match = strcasecmp(g->sel_type, "Ready") == 0 && strcasecmp(g->sel_status, "True") == 0;
	} else {
		json_array_foreach(conds, i, c)
			if (cf_json_str(c, "type") && strcasecmp(cf_json_str(c, "type"), g->sel_type) == 0)
				hit = c;
		match = hit && cf_json_str(hit, "status") && strcasecmp(cf_json_str(hit, "status"), g->sel_status) == 0;
	}
	return g->sel_negated ? !match : match;
}

/* One row of kind's table for o; with_kind (get all) names it kind/name. */
static json_t *item_row(const cf_kind *kd, const json_t *o, int with_kind, const get_opts *g)
{
	const struct get_columns *c = &COLUMNS[kd->id];
	const json_t *md = json_object_get(o, "metadata");
	const json_t *ready = cf_condition_get(json_object_get(o, "status"), CF_COND_READY);
	char name[400], cell[CELL_MAX];
	json_t *row = json_array();
	size_t at = 0;

	if (cli.all_namespaces)
		json_array_append_new(row, json_string(cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : ""));
	if (with_kind) {
		for (; kd->kind[at] && at + 2 < sizeof(name); at++)
			name[at] = (char)tolower((unsigned char)kd->kind[at]);
		name[at++] = '/';
	}
	snprintf(name + at, sizeof(name) - at, "%s", cf_json_str(md, "name") ? cf_json_str(md, "name") : "");
	json_array_append_new(row, json_string(name));
	if (c->cols & COL_THIRD) {
		const char *v = c->field ? status_field(o, c->field) : cf_kind_revision(kd, o);
		truncate_hex(cell, sizeof(cell), v ? v : "");
		json_array_append_new(row, json_string(cell));
	}
	if (c->cols & COL_SUSPENDED)
		json_array_append_new(row, json_string(json_is_true(json_object_get(json_object_get(o, "spec"), "suspend")) ? "True" : "False"));
	if (ready) {
		json_array_append_new(row, json_string(cf_json_str(ready, "status") ? cf_json_str(ready, "status") : "Unknown"));
		truncate_hex(cell, sizeof(cell), cf_json_str(ready, "message") ? cf_json_str(ready, "message") : "");
		json_array_append_new(row, json_string(cell));
	} else {
		json_array_append_new(row, json_string("False"));
		json_array_append_new(row, json_string("waiting to be reconciled"));
	}
	if ((c->cols & COL_SOURCE) && g->show_source) {
		source_column(cell, sizeof(cell), o);
		json_array_append_new(row, json_string(cell));
	}
	return row;
}

/* Display width: UTF-8 code points. */
static size_t width_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void cli_table_print(const json_t *header, const json_t *rows)
{
	size_t w[COLS_MAX] = { 0 }, i, c;
	const json_t *row;

	for (c = 0; header && c < json_array_size(header) && c < COLS_MAX; c++)
		w[c] = width_of(json_string_value(json_array_get(header, c)));
	json_array_foreach(rows, i, row)
		for (c = 0; c < json_array_size(row) && c < COLS_MAX; c++)
			if (width_of(json_string_value(json_array_get(row, c))) > w[c])
				w[c] = width_of(json_string_value(json_array_get(row, c)));
	/* as flux's tablewriter: cells padded and ended by a tab, but the header's last by a space */
	for (i = 0; i <= json_array_size(rows); i++) {
		const json_t *r = i == 0 ? header : json_array_get(rows, i - 1);
		size_t n = json_array_size(r);
		for (c = 0; r && c < n && c < COLS_MAX; c++) {
			const char *s = json_string_value(json_array_get(r, c));
			printf("%s%*s%c", s, (int)(w[c] - width_of(s)), "", i == 0 && c + 1 == n ? ' ' : '\t');
		}
		if (r)
			printf("\n");
	}
}

void cli_print_row(json_t *header, json_t *row)
{
	json_t *rows = json_pack("[o]", row);

	cli_table_print(header, rows);
	fflush(stdout);
	json_decref(header);
	json_decref(rows);
}

static const char *ns_words(char *buf, size_t size)
{
	if (cli.all_namespaces)
		return "any";
	snprintf(buf, size, "\"%s\"", cli.namespace);
	return buf;
}

/* Lists kind and prints its table. In get all (with_kind) a kind without rows prints nothing
 * and one whose CRD is not served is skipped; a table is followed by a blank line. */
static int get_kind(cf_kube *k, const cf_kind *kd, int with_kind, const get_opts *g)
{
	json_t *list = NULL, *rows = json_array(), *header, *o;
	char nsw[300];
	size_t i;
	size_t found = 0;
	int rc = cf_kube_list(k, &list, &(cf_kube_ref){ kd->api_version, kd->kind, cli.all_namespaces ? NULL : cli.namespace, NULL }, g->labels);

	if (rc < 0) {
		json_decref(rows);
		if (rc == CF_ENOTSERVED && with_kind) {
			cf_err_clear();
			return 0;
		}
		return cli_fail(1, "%s", cf_err_msg());
	}
	json_array_foreach(json_object_get(list, "items"), i, o)
		if (named(o, g) && ++found && selected(kd, o, g))
			json_array_append_new(rows, item_row(kd, o, with_kind, g));
	/* as flux: nothing listed is an error (not in get all); a status selector that leaves no
	 * row prints the header alone */
	if (found == 0 && !with_kind) {
		if (g->name)
			rc = cli_fail(1, "%s object '%s' not found in %s namespace", kd->kind, g->name, ns_words(nsw, sizeof(nsw)));
		else
			rc = cli_fail(1, "no %s objects found in %s namespace", kd->kind, ns_words(nsw, sizeof(nsw)));
	} else if (json_array_size(rows) > 0 || !with_kind) {
		header = g->no_header ? NULL : header_row(kd, g);
		cli_table_print(header, rows);
		json_decref(header);
		if (with_kind)
			printf("\n");
	}
	json_decref(rows);
	json_decref(list);
	return rc;
}

/* ---- --watch ---- */

static volatile int watch_stop;

static void watch_alarm(int sig)
{
	(void)sig;
	watch_stop = 1;
}

volatile int *cli_stop_at_timeout(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watch_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	alarm((unsigned)((cli.timeout_ms + 999) / 1000));
	return &watch_stop;
}

int cli_watch(cf_kube *k, const cf_kube_ref *ref, const char *labels, cf_kube_watch_cb cb, void *payload)
{
	cf_kube_watch_opts wo = CF_KUBE_WATCH_OPTS_INIT;
	int rc;

	wo.label_selector = labels;
	wo.stop = cli_stop_at_timeout();
	wo.server_timeout_s = 60;
	rc = cf_kube_watch(k, ref, &wo, cb, payload);
	alarm(0);
	return rc < 0 ? cli_fail(1, "%s", cf_err_msg()) : 0;
}

typedef struct watch_state {
	const cf_kind *kd;
	const get_opts *g;
	int printed;
} watch_state;

/* Each change as one row, the first with the header, as flux's watch prints them. */
static int watch_change(const char *type, json_t *obj, void *payload)
{
	watch_state *w = payload;
	json_t *header = NULL;

	(void)type;
	if (!named(obj, w->g) || !selected(w->kd, obj, w->g))
		return 0;
	if (!w->printed && !w->g->no_header)
		header = header_row(w->kd, w->g);
	cli_print_row(header, item_row(w->kd, obj, 0, w->g));
	w->printed = 1;
	return 0;
}

/* Watches kind until --timeout passes or SIGINT/SIGTERM: 0, or 1 when the watch failed. */
static int get_watch(cf_kube *k, const cf_kind *kd, const get_opts *g)
{
	watch_state w = { kd, g, 0 };

	return cli_watch(k, &(cf_kube_ref){ kd->api_version, kd->kind, cli.all_namespaces ? NULL : cli.namespace, NULL },
			 g->labels, watch_change, &w);
}

/* The kinds a `get` names: one kind (*one), or a group (sources all, images all, all) in
 * *prefix ("" for all). 0, or CLI_EXIT_USAGE when the arguments name none; *used gets how many
 * arguments named them. */
static int get_target(char **pos, size_t npos, const cf_kind **one, const char **prefix, size_t *used)
{
	*one = NULL;
	*prefix = NULL;
	if (npos >= 1 && strcmp(pos[0], "all") == 0) {
		*prefix = "";
		*used = 1;
		return 0;
	}
	for (size_t i = 0; npos >= 2 && i < sizeof(GROUPS) / sizeof(GROUPS[0]); i++)
		if (strcmp(pos[0], GROUPS[i].word) == 0 && strcmp(pos[1], "all") == 0) {
			*prefix = GROUPS[i].prefix;
			*used = 2;
			return 0;
		}
	*one = cf_kind_from_args(pos, npos, used);
	return *one ? 0 : CLI_EXIT_USAGE;
}

static const char GET_USAGE[] =
	"usage: cflux get all | sources all|git|helm|chart|oci | kustomizations|ks | helmreleases|hr | alerts |\n"
	"       alert-providers | receivers | images all [NAME] [-A] [--watch] [--status-selector ready=false] [--no-header]";

int cmd_get(int argc, char **argv)
{
	get_opts g;
	const cf_flag own[] = {
		{ "all-namespaces|A", CF_FLAG_BOOL, &cli.all_namespaces, "list the requested object(s) across all namespaces", 0 },
		{ "no-header", CF_FLAG_BOOL, &g.no_header, "skip the header when printing the results", 0 },
		{ "label-selector|l", CF_FLAG_STRING, &g.labels, "filter objects by label selector", 0 },
		{ "watch|w", CF_FLAG_BOOL, &g.watch, "After listing/getting the requested object, watch for changes.", 0 },
		{ "status-selector", CF_FLAG_STRING, &g.selector, "specify the status condition name and the desired state to filter the get result, e.g. ready=false or ready!=true", 0 },
		{ "show-source", CF_FLAG_BOOL, &g.show_source, "kustomizations, helmreleases: show the source Kind/namespace/name", 0 },
	};
	char *pos[POS_MAX];
	size_t npos, used = 0;
	const cf_kind *one;
	const char *prefix, *eq;
	cf_kube *k;
	int rc;

	memset(&g, 0, sizeof(g));
	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, GET_USAGE, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (get_target(pos, npos, &one, &prefix, &used) != 0 || npos > used + 1)
		return cli_fail(CLI_EXIT_USAGE, "%s", GET_USAGE);
	g.name = npos > used ? pos[used] : NULL;
	if (g.selector) {
		const char *ne = strstr(g.selector, "!=");   /* first: it contains "=" too */
		eq = ne ? ne : strchr(g.selector, '=');
		g.sel_negated = ne != NULL;
		if (eq == NULL || (size_t)(eq - g.selector) >= sizeof(g.sel_type) || strlen(eq + 1 + g.sel_negated) >= sizeof(g.sel_status))
			return cli_fail(1, "expected status selector in type=status or type!=status format, but found: %s", g.selector);
		snprintf(g.sel_type, sizeof(g.sel_type), "%.*s", (int)(eq - g.selector), g.selector);
		snprintf(g.sel_status, sizeof(g.sel_status), "%s", eq + 1 + g.sel_negated);
	}
	if (g.watch && one == NULL)
		return cli_fail(1, "expected a single resource type, but found %s", pos[used - 1]);
	if (g.show_source && one && !(COLUMNS[one->id].cols & COL_SOURCE))
		return cli_fail(CLI_EXIT_USAGE, "--show-source is for kustomizations and helmreleases, not %s", one->plural);
	if ((k = cli_client()) == NULL)
		return 1;
	if (one && g.watch) {
		rc = get_watch(k, one, &g);
	} else if (one) {
		rc = get_kind(k, one, 0, &g);
	} else {
		/* every kind of a shipped controller in the group, in the table's order (sources
		 * first), as flux get all */
		for (int id = 0; rc == 0 && id < CF_KIND_COUNT; id++) {
			const cf_kind *kd = cf_kind_get((cf_kind_id)id);
			if (cf_kind_shipped(kd) && strncmp(kd->cli[0], prefix, strlen(prefix)) == 0)
				rc = get_kind(k, kd, 1, &g);
		}
	}
	cf_kube_free(k);
	return rc;
}
