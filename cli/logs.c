/* cli/logs.c - cflux logs: the controllers' log lines, either encoding, filtered by --kind,
 * --name, --namespace (-A: every one) and --level, printed as flux logs prints them
 * ("<ts> <level> <Kind>/<name>.<namespace> - <msg> <error>"). In a cluster they come from the
 * pods of the Deployments install made (pods/log, --tail, --since; --follow polls); for
 * controllers run as local processes from their log files (--log-dir, or $CFLUX_LOG_DIR:
 * every *.log in it, as tests/env and the e2e suites write them). */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX (64u << 20)
#define SOURCES_MAX 32

typedef struct logs_opts {
	const char *level, *kind, *name, *flux_ns, *log_dir;
	long tail, since_ms;
	int follow;
	char since_ts[CF_TIME_MAX];   /* lines older than this are left out ("" none) */
} logs_opts;

/* One source of lines: a local file (offset read so far) or a pod (last ts printed). */
typedef struct log_source {
	char path[1024];
	char pod[256];
	long offset;
	char last_ts[64];      /* a pod: the newest timestamp of the last read */
	long last_n;           /* ... and how many of its lines had it */
	char cur_ts[64];       /* the same for the read going on */
	long cur_n, at_last;   /* ... and lines at last_ts seen in it so far */
} log_source;

/* The object a line is about: Flux's JSON names it as an object under its kind
 * ("Kustomization":{"name","namespace"}) or controllerKind/name/namespace; ours as kind,
 * object ("ns/name" or "name") and namespace. */
/* kind and ns hold ks and nss bytes, name 300. */
static void line_object(const json_t *f, char *kind, size_t ks, char *name, char *ns, size_t nss)
{
	const char *k = cf_json_str(f, "kind") ? cf_json_str(f, "kind") : cf_json_str(f, "controllerKind");
	const char *n = cf_json_str(f, "name"), *o = cf_json_str(f, "object"), *s = cf_json_str(f, "namespace");
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)f, key, v)
		if (json_is_object(v) && cf_kind_find(key)) {
			k = key;
			n = cf_json_str(v, "name");
			s = cf_json_str(v, "namespace") ? cf_json_str(v, "namespace") : s;
		}
	if (n == NULL && o) {
		const char *slash = strchr(o, '/');
		n = slash ? slash + 1 : o;
		if (slash && s == NULL) {
			snprintf(ns, nss, "%.*s", (int)(slash - o), o);
			s = ns;
		}
	}
	snprintf(kind, ks, "%s", k ? k : "");
	snprintf(name, 300, "%s", n ? n : "");
	if (s != ns)
		snprintf(ns, nss, "%s", s ? s : "");
}

/* A poll of a pod's log asks for its last seconds again: a line older than the newest one
 * of the last read was printed then, and of the lines at that timestamp (several may share
 * a millisecond) as many as that read had. Counts the line into the read going on. */
static int pod_line_seen(log_source *src, const char *ts)
{
	int c = src->last_ts[0] ? strcmp(ts, src->last_ts) : 1;

	if (strcmp(ts, src->cur_ts) > 0) {
		snprintf(src->cur_ts, sizeof(src->cur_ts), "%s", ts);
		src->cur_n = 0;
	}
	if (strcmp(ts, src->cur_ts) == 0)
		src->cur_n++;
	return c < 0 || (c == 0 && ++src->at_last <= src->last_n);
}

/* A pod's read is over: what it saw is what the next one passes over. */
static void pod_read_done(log_source *src)
{
	if (src->cur_ts[0]) {
		snprintf(src->last_ts, sizeof(src->last_ts), "%s", src->cur_ts);
		src->last_n = src->cur_n;
	}
	src->cur_ts[0] = '\0';
	src->cur_n = src->at_last = 0;
}

/* Prints the line when it passes the filters. */
static void log_line(const logs_opts *o, const char *line, size_t len, log_source *src)
{
	json_t *f = NULL;
	char kind[128], name[300], ns[256];
	const char *ts, *lvl;

	if (cf_log_parse_line(&f, line, len) < 0) {
		cf_err_clear();
		return;
	}
	ts = cf_json_str(f, "ts") ? cf_json_str(f, "ts") : "";
	lvl = cf_json_str(f, "level") ? cf_json_str(f, "level") : "";
	line_object(f, kind, sizeof(kind), name, ns, sizeof(ns));
	if (src && src->pod[0] && pod_line_seen(src, ts))
		goto out;
	if ((o->since_ts[0] && strcmp(ts, o->since_ts) < 0) || (o->level && strcasecmp(o->level, lvl) != 0) ||
	    (o->kind && strcasecmp(o->kind, kind) != 0) || (o->name && strcasecmp(o->name, name) != 0) ||
	    (!cli.all_namespaces && strcasecmp(cli.namespace, ns) != 0))
		goto out;
	printf("%s %s %s", ts, lvl, kind);
	if (name[0])
		printf("/%s.%s", name, ns);
	printf(" - %s %s\n", cf_json_str(f, "msg"), cf_json_str(f, "error") ? cf_json_str(f, "error") : "");
out:
	json_decref(f);
}

/* Every line of text; with tail >= 0 only the last tail ones. */
static void log_text(const logs_opts *o, const char *text, size_t len, long tail, log_source *src)
{
	size_t start = 0;

	if (tail >= 0) {
		/* back over tail line ends, the final newline not counted */
		size_t pos = len > 0 && text[len - 1] == '\n' ? len - 1 : len;
		start = tail == 0 ? len : 0;
		for (long seen = 0; tail > 0 && pos > 0; pos--)
			if (text[pos - 1] == '\n' && ++seen == tail) {
				start = pos;
				break;
			}
	}
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t n = nl ? (size_t)(nl - text - start) : len - start;
		if (!nl && src && src->path[0])
			break;   /* a local file's line still being written: read it next time */
		log_line(o, text + start, n, src);
		start += n + 1;
	}
}

/* A local file from src->offset on; moves the offset past the complete lines. */
static int read_file_from(const logs_opts *o, log_source *src, long tail)
{
	cf_buf b = CF_BUF_INIT(LOG_MAX);
	int rc = cf_buf_read_file(&b, src->path);

	if (rc < 0) {
		cf_buf_free(&b);
		return cli_fail(1, "%s: %s", src->path, cf_err_msg());
	}
	if ((long)b.len < src->offset)
		src->offset = 0;   /* truncated or replaced */
	{
		const char *text = b.data ? b.data + src->offset : "";
		size_t len = b.len - (size_t)src->offset, end = len;
		while (end > 0 && text[end - 1] != '\n')
			end--;
		log_text(o, text, end, tail, src);
		src->offset += (long)end;
	}
	cf_buf_free(&b);
	return 0;
}

static int local_sources(const logs_opts *o, log_source *srcs, size_t *n)
{
	DIR *d = opendir(o->log_dir);
	struct dirent *e;

	*n = 0;
	if (d == NULL)
		return cli_fail(1, "--log-dir %s: cannot open it", o->log_dir);
	while ((e = readdir(d)) != NULL && *n < SOURCES_MAX) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".log") == 0) {
			memset(&srcs[*n], 0, sizeof(srcs[*n]));
			snprintf(srcs[*n].path, sizeof(srcs[*n].path), "%s/%s", o->log_dir, e->d_name);
			(*n)++;
		}
	}
	closedir(d);
	if (*n == 0)
		return cli_fail(1, "no controller log files (*.log) in %s", o->log_dir);
	return 0;
}

/* The first pod of each Deployment install made (label app.kubernetes.io/part-of=cflux). */
static int pod_sources(cf_kube *k, const logs_opts *o, log_source *srcs, size_t *n)
{
	json_t *deps = NULL, *d;
	size_t i;
	int rc;

	*n = 0;
	rc = cf_kube_list(k, &deps, &(cf_kube_ref){ "apps/v1", "Deployment", o->flux_ns, NULL }, "app.kubernetes.io/part-of=cflux");
	if (rc < 0)
		return cli_fail(1, "%s", cf_err_msg());
	json_array_foreach(json_object_get(deps, "items"), i, d) {
		/* the pods of the Deployment's selector (install labels them app=<controller>) */
		const char *app = cf_json_str(json_object_get(json_object_get(json_object_get(d, "spec"), "selector"), "matchLabels"), "app");
		char sel[300];
		json_t *pods = NULL;
		if (app == NULL || *n >= SOURCES_MAX)
			continue;
		snprintf(sel, sizeof(sel), "app=%s", app);
		if (cf_kube_list(k, &pods, &(cf_kube_ref){ "v1", "Pod", o->flux_ns, NULL }, sel) == 0 &&
		    json_array_size(json_object_get(pods, "items")) > 0) {
			memset(&srcs[*n], 0, sizeof(srcs[*n]));
			snprintf(srcs[*n].pod, sizeof(srcs[*n].pod), "%s",
				 cf_json_str(json_object_get(json_array_get(json_object_get(pods, "items"), 0), "metadata"), "name"));
			(*n)++;
		}
		cf_err_clear();
		json_decref(pods);
	}
	json_decref(deps);
	if (*n == 0)
		return cli_fail(1, "no cflux controller pods found in %s namespace (controllers run as local processes: --log-dir)", o->flux_ns);
	return 0;
}

static int read_pod(cf_kube *k, const logs_opts *o, log_source *src, long tail)
{
	cf_buf b = CF_BUF_INIT(LOG_MAX);
	char path[1024];
	int rc, at;

	at = snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/log?timestamps=false", o->flux_ns, src->pod);
	if (tail >= 0)
		at += snprintf(path + at, sizeof(path) - (size_t)at, "&tailLines=%ld", tail);
	if (o->since_ms > 0)
		snprintf(path + at, sizeof(path) - (size_t)at, "&sinceSeconds=%ld", (o->since_ms + 999) / 1000);
	rc = cf_kube_get_text(k, &b, path);
	if (rc == 0) {
		log_text(o, b.data ? b.data : "", b.len, -1, src);
		pod_read_done(src);
	} else
		rc = cli_fail(1, "pod %s/%s: %s", o->flux_ns, src->pod, cf_err_msg());
	cf_buf_free(&b);
	return rc;
}

int cmd_logs(int argc, char **argv)
{
	logs_opts o = { NULL, NULL, NULL, "flux-system", NULL, -1, 0, 0, "" };
	const char *since_time = NULL;
	const cf_flag own[] = {
		{ "level", CF_FLAG_STRING, &o.level, "log level, available options are: (debug, info, error)", 0 },
		{ "kind", CF_FLAG_STRING, &o.kind, "displays errors of a particular toolkit kind e.g GitRepository", 0 },
		{ "name", CF_FLAG_STRING, &o.name, "specifies the name of the object logs to be displayed", 0 },
		{ "follow|f", CF_FLAG_BOOL, &o.follow, "specifies if the logs should be streamed", 0 },
		{ "tail", CF_FLAG_INT, &o.tail, "lines of recent log file to display", -1 },
		{ "since", CF_FLAG_DURATION, &o.since_ms, "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.", 0 },
		{ "since-time", CF_FLAG_STRING, &since_time, "Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.", 0 },
		{ "flux-namespace", CF_FLAG_STRING, &o.flux_ns, "the namespace where the controllers are running", 0 },
		{ "all-namespaces|A", CF_FLAG_BOOL, &cli.all_namespaces, "displays logs for objects across all namespaces", 0 },
		{ "log-dir", CF_FLAG_STRING, &o.log_dir, "controllers run as local processes: the directory of their *.log files (default $CFLUX_LOG_DIR)", 0 },
	};
	log_source srcs[SOURCES_MAX];
	size_t n = 0;
	cf_kube *k = NULL;
	long long since_secs = 0;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux logs [--kind K] [--name N] [-n NS | -A] [--level L] [--tail N] [--since D | --since-time T] [-f] [--log-dir DIR]", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	if (o.level && strcmp(o.level, "debug") != 0 && strcmp(o.level, "info") != 0 && strcmp(o.level, "warn") != 0 && strcmp(o.level, "error") != 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--level\" flag: log level '%s' is not supported, must be one of: debug, info, warn, error", o.level, o.level);
	if (o.log_dir == NULL)
		o.log_dir = getenv("CFLUX_LOG_DIR");
	if (since_time && since_time[0] && o.since_ms != 0)
		return cli_fail(1, "at most one of `sinceTime` or `sinceDuration` may be specified");
	if (since_time && since_time[0]) {
		if (cf_time_parse_rfc3339(&since_secs, since_time) < 0)
			return cli_fail(1, "%s", cf_err_msg());
		/* as a duration back from now: the pods' log takes sinceSeconds, the files' lines compare */
		o.since_ms = since_secs < (long long)time(NULL) ? ((long long)time(NULL) - since_secs) * 1000 : 1;
	}
	if (o.since_ms > 0) {
		time_t t = since_secs ? (time_t)since_secs : time(NULL) - (time_t)(o.since_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(o.since_ts, sizeof(o.since_ts), "%Y-%m-%dT%H:%M:%S", &tm);
	}
	if (o.log_dir) {
		rc = local_sources(&o, srcs, &n);
	} else if ((k = cli_client()) == NULL) {
		return 1;
	} else {
		rc = pod_sources(k, &o, srcs, &n);
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = k ? read_pod(k, &o, &srcs[i], o.tail) : read_file_from(&o, &srcs[i], o.tail);
	if (rc == 0 && o.follow) {
		struct timespec nap = { 0, k ? 1000 * 1000000L : 200 * 1000000L };
		volatile int *stop = cli_stop_at_timeout();
		o.since_ms = k ? 5000 : 0;   /* a pod's log is asked again for its last seconds */
		fflush(stdout);
		while (!*stop && rc == 0) {
			nanosleep(&nap, NULL);
			for (size_t i = 0; rc == 0 && i < n; i++)
				rc = k ? read_pod(k, &o, &srcs[i], -1) : read_file_from(&o, &srcs[i], -1);
			fflush(stdout);
		}
		alarm(0);
	}
	cf_kube_free(k);
	return rc;
}
