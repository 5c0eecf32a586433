/* cli/events.c - cflux events: the Kubernetes events of Flux objects, as flux events prints
 * them (LAST SEEN as an age, TYPE, REASON, OBJECT, MESSAGE), -A, --for Kind/name, --types,
 * --watch through the API's watch. */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct events_opts {
	const char *for_obj;
	cf_flag_list types;
} events_opts;

static const char *event_time(const json_t *e)
{
	const char *t = cf_json_str(e, "lastTimestamp");

	if (t == NULL)
		t = cf_json_str(e, "eventTime");
	if (t == NULL)
		t = cf_json_str(json_object_get(e, "metadata"), "creationTimestamp");
	return t ? t : "";
}

static int by_time(const void *a, const void *b)
{
	return strcmp(event_time(*(json_t *const *)a), event_time(*(json_t *const *)b));
}

/* Seconds since an RFC 3339 UTC time ("2026-01-02T03:04:05Z", fraction ignored); -1 if unparsable. */
static long age_seconds(const char *ts)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	long d = (long)(time(NULL) - timegm(&tm));
	return d < 0 ? 0 : d;
}

/* An age as Kubernetes' HumanDuration writes it ("45s", "3m20s", "15m", "5h3m", "2d4h", "30d"). */
static void human_age(char *out, size_t size, long s)
{
	long m = s / 60, h = s / 3600, d = s / 86400;

	if (s < 0)
		snprintf(out, size, "<unknown>");
	else if (s < 120)
		snprintf(out, size, "%lds", s);
	else if (m < 10)
		snprintf(out, size, s % 60 ? "%ldm%lds" : "%ldm", m, s % 60);
	else if (m < 180)
		snprintf(out, size, "%ldm", m);
	else if (h < 8)
		snprintf(out, size, m % 60 ? "%ldh%ldm" : "%ldh", h, m % 60);
	else if (h < 48)
		snprintf(out, size, "%ldh", h);
	else if (h < 192)
		snprintf(out, size, h % 24 ? "%ldd%ldh" : "%ldd", d, h % 24);
	else if (d < 730)
		snprintf(out, size, "%ldd", d);
	else
		snprintf(out, size, "%ldy", d / 365);
}

/* Whether the event passes --for (Kind/name, kind compared without case) and --types, or
 * without --for is about an object of a Flux kind. */
static int wanted(const json_t *e, const events_opts *o)
{
	const json_t *io = json_object_get(e, "involvedObject");
	const char *kind = cf_json_str(io, "kind") ? cf_json_str(io, "kind") : "", *name = cf_json_str(io, "name") ? cf_json_str(io, "name") : "";
	int ok = 0;

	if (o->for_obj) {
		const char *slash = strchr(o->for_obj, '/');
		ok = strlen(kind) == (size_t)(slash - o->for_obj) && strncasecmp(kind, o->for_obj, strlen(kind)) == 0 &&
		     strcmp(name, slash + 1) == 0;
	} else {
		ok = cf_kind_find(kind) != NULL;
	}
	if (ok && o->types.n > 0) {
		ok = 0;
		for (size_t i = 0; i < o->types.n; i++)
			ok |= cf_json_str(e, "type") && strcasecmp(cf_json_str(e, "type"), o->types.items[i]) == 0;
	}
	return ok;
}

static json_t *event_row(const json_t *e)
{
	const json_t *io = json_object_get(e, "involvedObject");
	char age[32], obj[400], msg[2048];
	json_t *row = json_array();

	human_age(age, sizeof(age), age_seconds(event_time(e)));
	snprintf(obj, sizeof(obj), "%s/%s", cf_json_str(io, "kind") ? cf_json_str(io, "kind") : "", cf_json_str(io, "name") ? cf_json_str(io, "name") : "");
	snprintf(msg, sizeof(msg), "%s", cf_json_str(e, "message") ? cf_json_str(e, "message") : "");
	for (char *nl = msg; (nl = strchr(nl, '\n')) != NULL;)
		*nl = ' ';
	if (cli.all_namespaces)
		json_array_append_new(row, json_string(cf_json_str(json_object_get(e, "metadata"), "namespace") ? cf_json_str(json_object_get(e, "metadata"), "namespace") : ""));
	json_array_append_new(row, json_string(age));
	json_array_append_new(row, json_string(cf_json_str(e, "type") ? cf_json_str(e, "type") : ""));
	json_array_append_new(row, json_string(cf_json_str(e, "reason") ? cf_json_str(e, "reason") : ""));
	json_array_append_new(row, json_string(obj));
	json_array_append_new(row, json_string(msg));
	return row;
}

static json_t *events_header(void)
{
	return cli.all_namespaces ? json_pack("[s,s,s,s,s,s]", "NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
				  : json_pack("[s,s,s,s,s]", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
}

typedef struct events_watch {
	const events_opts *o;
	int printed;
} events_watch;

static int event_change(const char *type, json_t *e, void *payload)
{
	events_watch *w = payload;

	if (strcmp(type, "DELETED") == 0 || !wanted(e, w->o))
		return 0;
	cli_print_row(w->printed ? NULL : events_header(), event_row(e));
	w->printed = 1;
	return 0;
}

/* Lists the events (sorted by time) and prints them; with watch, then prints each new one
 * until --timeout or a signal. */
static int events_run(cf_kube *k, const events_opts *o, int watch)
{
	cf_kube_ref ref = { "v1", "Event", cli.all_namespaces ? NULL : cli.namespace, NULL };
	json_t *list = NULL, *e, **v = NULL, *rows = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (watch) {
		events_watch w = { o, 0 };
		return cli_watch(k, &ref, NULL, event_change, &w);
	}
	if (cf_kube_list(k, &list, &ref, NULL) < 0)
		return cli_fail(1, "%s", cf_err_msg());
	v = cf_calloc(json_array_size(json_object_get(list, "items")) + 1, sizeof(*v));
	if (v == NULL) {
		rc = cli_fail(1, "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(list, "items"), i, e)
		if (wanted(e, o))
			v[n++] = e;
	qsort(v, n, sizeof(*v), by_time);
	if (n == 0) {
		cli_say("no events found in %s namespace", cli.all_namespaces ? "any" : cli.namespace);
		goto out;
	}
	rows = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(rows, event_row(v[i]));
	{
		json_t *header = events_header();
		cli_table_print(header, rows);
		json_decref(header);
	}
out:
	json_decref(rows);
	cf_free(v);
	json_decref(list);
	return rc;
}

int cmd_events(int argc, char **argv)
{
	events_opts o = { NULL, { { 0 }, 0, { 0 }, 0 } };
	int watch = 0, rc;
	const cf_flag own[] = {
		{ "for", CF_FLAG_STRING, &o.for_obj, "get the events for a particular object, as Kind/name", 0 },
		{ "types", CF_FLAG_LIST, &o.types, "the types of events to show (Normal, Warning)", 0 },
		{ "watch|w", CF_FLAG_BOOL, &watch, "indicate if the events should be streamed", 0 },
		{ "all-namespaces|A", CF_FLAG_BOOL, &cli.all_namespaces, "display events from all namespaces", 0 },
	};
	cf_kube *k;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux events [--for Kind/name] [--types Normal,Warning] [-A] [--watch]", NULL, NULL)) != 0) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (o.for_obj && (strchr(o.for_obj, '/') == NULL || strchr(o.for_obj, '/') == o.for_obj || strchr(o.for_obj, '/')[1] == '\0')) {
		rc = cli_fail(CLI_EXIT_USAGE, "--for wants Kind/name, not \"%s\"", o.for_obj);
		goto out;
	}
	for (size_t i = 0; i < o.types.n; i++)
		if (strcasecmp(o.types.items[i], "Normal") != 0 && strcasecmp(o.types.items[i], "Warning") != 0) {
			rc = cli_fail(CLI_EXIT_USAGE, "invalid --types value \"%s\": Normal or Warning", o.types.items[i]);
			goto out;
		}
	if ((k = cli_client()) == NULL) {
		rc = 1;
		goto out;
	}
	rc = events_run(k, &o, watch);
	cf_kube_free(k);
out:
	cf_flag_list_free(&o.types);
	return rc;
}
