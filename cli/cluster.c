/* cli/cluster.c - the cflux commands that talk to a cluster: create, get, reconcile, suspend,
 * resume, build, tree. Errors are one line on stderr; usage errors exit 2, failures 1. */
#include "cli.h"
#include "help.h"

#include "apply/apply.h"
#include "kube/kubeconfig.h"
#include "kustomize/fluxbuild.h"
#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "runtime/status.h"
#include "runtime/vars.h"
#include "source/git.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GITREPO_AV CF_AV_GITREPOSITORY
#define KS_AV CF_AV_KUSTOMIZATION
#define POS_MAX 8

static const char default_namespace[] = "flux-system";
cli_globals cli = { .namespace = default_namespace, .timeout_ms = 5L * 60 * 1000, .qps = "50", .burst = 300 };

static int tty(void)
{
	return isatty(STDERR_FILENO);
}

/* One line on stderr: the symbol flux prints before it on a terminal, plain text elsewhere. */
static void vline(const char *symbol, const char *plain, const char *fmt, va_list ap)
{
	fputs(tty() ? symbol : plain, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LINE_FN(name, symbol) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		vline(symbol, "", fmt, ap); \
		va_end(ap); \
	}
LINE_FN(cli_say, "\342\227\216 ")           /* ◎ */
LINE_FN(cli_action, "\342\226\272 ")        /* ► */
LINE_FN(cli_ok, "\342\234\224 ")            /* ✔ */
LINE_FN(cli_generate, "\342\234\232 ")      /* ✚ */
LINE_FN(cli_warn, "\342\232\240\357\270\217 ")   /* ⚠️ */

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("\342\234\227 ", "error: ", fmt, ap);   /* ✗ */
	va_end(ap);
	return code;
}

int cli_confirm(const char *question)
{
	char answer[64];
	int eof;

	fprintf(stderr, "? %s? [y/N] ", question);
	fflush(stderr);
	eof = fgets(answer, sizeof(answer), stdin) == NULL;
	if (eof)
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (!isatty(STDIN_FILENO))
		fputc('\n', stderr);
	if (strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0)
		return 0;
	return cli_fail(1, "%s", eof ? "^D" : "");
}

static cf_kubeconfig_overrides cli_overrides(void)
{
	return (cf_kubeconfig_overrides){ cli.cluster, cli.user, cli.server, cli.tls_server_name, cli.ca_file,
					  cli.insecure, cli.cert_file, cli.key_file, cli.token };
}

/* a repeatable flag's values, NULL-terminated, for cf_kube_opts */
static const char *const *cli_terminated(const char **v, const cf_flag_list *l)
{
	memcpy(v, l->items, l->n * sizeof(v[0]));
	v[l->n] = NULL;
	return v;
}

static int dns_label(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 63 || !isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)n[i]) || isdigit((unsigned char)n[i]) || n[i] == '-'))
			return 0;
	return 1;
}

int cli_global_takes_value(const char *arg)
{
	static const cf_flag globals[] = { CLI_GLOBAL_FLAGS };

	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		const char *name = globals[i].name, *bar = strchr(name, '|');
		size_t len = bar ? (size_t)(bar - name) : strlen(name);

		if (globals[i].kind == CF_FLAG_BOOL)
			continue;
		if ((arg[0] == '-' && arg[1] == '-' && strncmp(arg + 2, name, len) == 0 && arg[2 + len] == '\0') ||
		    (bar && arg[0] == '-' && arg[1] == bar[1] && arg[2] == '\0'))
			return 1;
	}
	return 0;
}

int cli_settle_namespace(void)
{
	static int settled;
	static char from_context[256];
	const char *env = getenv("FLUX_SYSTEM_NAMESPACE"), *follow = getenv("FLUX_NS_FOLLOWS_KUBE_CONTEXT");
	cf_kubeconfig_overrides over = cli_overrides();
	cf_kubeconfig *kc = NULL;

	if (settled)
		return 0;
	settled = 1;
	if (cli.namespace != default_namespace)   /* -n */
		return dns_label(cli.namespace) ? 0 : cli_fail(CLI_EXIT_USAGE, "namespace must be a valid DNS label: \"%s\"", cli.namespace);
	if (env && env[0]) {
		if (dns_label(env))
			cli.namespace = env;
		else
			fprintf(stderr, "%s ignoring invalid FLUX_SYSTEM_NAMESPACE: \"%s\"\n", tty() ? "\342\232\240\357\270\217 " : "warning:", env);
		return 0;
	}
	if (!cli.ns_follows && !(follow && follow[0]))
		return 0;
	/* the context's own namespace; none, or no kubeconfig: flux-system still */
	if (cf_kubeconfig_load_over(&kc, cli.kubeconfig, cli.context, &over) == 0 && kc->context_namespace) {
		snprintf(from_context, sizeof(from_context), "%s", kc->namespace);
		cli.namespace = from_context;
	}
	cf_kubeconfig_free(kc);
	cf_err_clear();
	return 0;
}

cf_kube *cli_client(void)
{
	cf_kube_opts o = CF_KUBE_OPTS_INIT;
	cf_kubeconfig_overrides over = cli_overrides();
	const char *groups[CF_FLAG_LIST_MAX + 1], *extra[CF_FLAG_LIST_MAX + 1];
	cf_kube *k = NULL;

	o.kubeconfig = cli.kubeconfig;
	o.context = cli.context;
	o.overrides = &over;
	o.as = cli.as && cli.as[0] ? cli.as : NULL;
	o.as_uid = cli.as_uid && cli.as_uid[0] ? cli.as_uid : NULL;
	o.as_groups = cli_terminated(groups, &cli.as_groups);
	o.as_extra = cli_terminated(extra, &cli.as_extra);
	o.no_compression = cli.disable_compression;
	o.user_agent = "cflux";
	o.max_retries = 1;
	o.timeout_ms = 15000;
	if (cf_kube_new(&k, &o) < 0) {
		cli_fail(1, "cannot reach the cluster: %s", cf_err_msg());
		return NULL;
	}
	if (cli.verbose)
		cli_say("API server %s, namespace %s%s", cf_kube_server(k), cli.namespace, cli.all_namespaces ? " (all namespaces)" : "");
	return k;
}

char cli_create_name[CLI_NAME_MAX];
int cli_create_name_pending;

static int valid_name(const char *n);
static int name_missing;

/* The new object's name when it came after the flags ("create alert --provider-ref p NAME", as
 * cobra takes it): the first positional argument, into cli_create_name. */
static int take_create_name(char **pos, size_t *npos)
{
	cli_create_name_pending = 0;
	if (*npos == 0) {
		name_missing = 1;   /* flux's exit 1, which cmd_create returns (1 here means --help) */
		return cli_fail(CLI_EXIT_USAGE, "name is required");
	}
	if (!valid_name(pos[0]))
		return cli_fail(1, "name '%s' is invalid, it should adhere to standard defined in RFC 1123, the name can only contain alphanumeric characters or '-'",
				pos[0]);
	snprintf(cli_create_name, sizeof(cli_create_name), "%s", pos[0]);
	memmove(pos, pos + 1, (*npos - 1) * sizeof(pos[0]));
	(*npos)--;
	return 0;
}

/* Parses a command's flags (its own, then the globals) and positional arguments. Returns 0,
 * 1 after --help (exit 0), or CLI_EXIT_USAGE after printing the error. */
int cli_parse(const cf_flag *own, size_t n_own, int argc, char **argv, const char *usage, char **pos,
	      size_t *npos)
{
	cf_flag all[CLI_GLOBAL_N + 64] = { CLI_GLOBAL_FLAGS };
	size_t n = CLI_GLOBAL_N;
	char *end;
	int rc;

	if (cli_help_asked(argc, argv) && cli_help_current()) {
		cli_help_print(stdout, cli_help_current(), own, n_own, all, n);
		return 1;
	}
	for (size_t i = 0; i < n_own && n < sizeof(all) / sizeof(all[0]); i++)
		all[n++] = own[i];
	rc = cf_flags_parse_pos(all, n, argc, argv, usage, pos, pos ? POS_MAX : 0, npos);
	if (rc < 0) {
		cli_fail(CLI_EXIT_USAGE, "%s", cf_err_msg());
		return CLI_EXIT_USAGE;
	}
	/* accepted as flux takes them; cflux's CLI sends one request at a time, below any limit */
	if (rc == 0 && (strtod(cli.qps, &end) < 0 || end == cli.qps || *end != '\0'))
		return cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--kube-api-qps\" flag: not a number", cli.qps);
	if (rc == 0 && (rc = cli_settle_namespace()) != 0)
		return rc;
	if (rc == 0 && cli_create_name_pending && pos)
		return take_create_name(pos, npos);
	return rc;
}

int cli_kind_args(char **pos, size_t npos, const char **av, const char **kind)
{
	size_t used;
	const cf_kind *k = cf_kind_from_args(pos, npos, &used);

	*av = *kind = NULL;
	if (k == NULL)
		return 0;
	*av = k->api_version;
	*kind = k->kind;
	return (int)used;
}

static const json_t *ready_cond(const json_t *o)
{
	return cf_condition_get(json_object_get(o, "status"), CF_COND_READY);
}

/* The line flux prints under "reconciliation completed" for a Ready obj of kind (its
 * successMessage): into out, "" when the kind has none. */
static void success_message(char *out, size_t size, const char *kind, const json_t *obj)
{
	const cf_kind *k = cf_kind_find(kind);
	const json_t *st = json_object_get(obj, "status"), *ref, *hist;
	const char *rev = k ? cf_kind_revision(k, obj) : NULL, *ready = cf_json_str(ready_cond(obj), "message");

	out[0] = '\0';
	if (k == NULL)
		return;
	switch (k->id) {
	case CF_KIND_KUSTOMIZATION:
		snprintf(out, size, "applied revision %s", rev ? rev : "");
		break;
	case CF_KIND_HELMRELEASE:
		hist = json_array_get(json_object_get(st, "history"), 0);
		snprintf(out, size, "applied revision %s", cf_json_str(hist, "chartVersion") ? cf_json_str(hist, "chartVersion") : rev ? rev : "");
		break;
	case CF_KIND_HELMREPOSITORY:
		if (cf_json_str(json_object_get(obj, "spec"), "type") && strcmp(cf_json_str(json_object_get(obj, "spec"), "type"), "oci") == 0) {
			snprintf(out, size, "%s", ready ? ready : "");
			break;
		}
		/* fall through */
	case CF_KIND_GITREPOSITORY:
	case CF_KIND_HELMCHART:
	case CF_KIND_OCIREPOSITORY:
	case CF_KIND_BUCKET:
		snprintf(out, size, "fetched revision %s", rev ? rev : "");
		break;
	case CF_KIND_IMAGEREPOSITORY:
		snprintf(out, size, "scan fetched %lld tags",
			 (long long)json_integer_value(json_object_get(json_object_get(st, "lastScanResult"), "tagCount")));
		break;
	case CF_KIND_IMAGEPOLICY:
		ref = json_object_get(st, "latestRef");
		snprintf(out, size, "selected ref %s:%s%s%s", cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "",
			 cf_json_str(ref, "tag") ? cf_json_str(ref, "tag") : "", cf_json_str(ref, "digest") ? "@" : "",
			 cf_json_str(ref, "digest") ? cf_json_str(ref, "digest") : "");
		break;
	case CF_KIND_IMAGEUPDATEAUTOMATION:
		snprintf(out, size, "%s", ready ? ready : "automation not yet run");
		break;
	default:   /* Alert, Provider, Receiver */
		snprintf(out, size, "%s reconciliation completed", kind);
		break;
	}
}

/* The error line for a failed GET or PATCH of kind cli.namespace/name: "not found" only for a
 * 404; anything else (no answer, 403, ...) in the API client's words. Returns 1. */
static int get_failed(int rc, const char *kind, const char *name)
{
	if (rc == CF_ENOTFOUND)
		return cli_fail(1, "%s '%s/%s' not found", kind, cli.namespace, name);
	return cli_fail(1, "%s '%s/%s': %s", kind, cli.namespace, name, cf_err_msg());
}

/* What flux create prints once the object it made is Ready (and bootstrap, which waits the
 * same way): each create command has its own words. */
static void created_message(const char *kind, const char *name, const json_t *obj)
{
	const cf_kind *k = cf_kind_find(kind);
	const char *rev = k ? cf_kind_revision(k, obj) : NULL;
	const json_t *spec = json_object_get(obj, "spec");

	switch (k ? k->id : CF_KIND_COUNT) {
	case CF_KIND_KUSTOMIZATION:
	case CF_KIND_HELMRELEASE:
	case CF_KIND_RECEIVER:
		cli_ok("%s %s is ready", kind, name);
		if (k->id == CF_KIND_RECEIVER)
			cli_ok("generated webhook URL %s", cf_json_str(json_object_get(obj, "status"), "webhookPath") ?: "");
		else {
			char msg[1024];
			success_message(msg, sizeof(msg), kind, obj);
			cli_ok("%s", msg);
		}
		break;
	case CF_KIND_GITREPOSITORY:
	case CF_KIND_HELMREPOSITORY:
	case CF_KIND_HELMCHART:
	case CF_KIND_BUCKET:
	case CF_KIND_OCIREPOSITORY:
		cli_ok("%s%s reconciliation completed", kind, k->id == CF_KIND_OCIREPOSITORY ? "" : " source");
		if (!(k->id == CF_KIND_HELMREPOSITORY && cf_json_str(spec, "type") && strcmp(cf_json_str(spec, "type"), "oci") == 0))
			cli_ok("fetched revision: %s", rev ? rev : "");
		break;
	default:   /* the image kinds */
		cli_ok("%s reconciliation completed", kind);
		break;
	}
}

/* Waits until obj's controller has handled generation/stamp and Ready settled; prints the
 * outcome. 0 when Ready, 1 when not, or on timeout. */
static int wait_ready(cf_kube *k, const char *av, const char *kind, const char *name, const char *stamp, int bootstrap)
{
	struct timespec nap = { 0, 250 * 1000000L };
	long waited = 0;

	if (bootstrap)
		cli_say("waiting for %s \"%s/%s\" to be reconciled", kind, cli.namespace, name);
	else
		cli_say("waiting for %s '%s/%s' to be reconciled", kind, cli.namespace, name);
	for (;;) {
		json_t *o = NULL;
		const json_t *st, *rc;
		int done;

		if (cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, name }) < 0)
			return cli_fail(1, "%s", cf_err_msg());
		st = json_object_get(o, "status");
		rc = ready_cond(o);
		done = rc && json_integer_value(json_object_get(st, "observedGeneration")) ==
			     json_integer_value(json_object_get(json_object_get(o, "metadata"), "generation")) &&
		       (stamp == NULL || (cf_json_str(st, "lastHandledReconcileAt") && strcmp(cf_json_str(st, "lastHandledReconcileAt"), stamp) == 0)) &&
		       !(cf_json_str(rc, "reason") && strcmp(cf_json_str(rc, "reason"), "Progressing") == 0);
		/* without a request to wait for, only Ready (or Stalled: it cannot get there) ends the
		 * wait: a first failure such as "artifact not found" is often transient */
		if (done && stamp == NULL && !(cf_json_str(rc, "status") && strcmp(cf_json_str(rc, "status"), "True") == 0)) {
			const json_t *stalled = cf_condition_get(st, CF_COND_STALLED);
			done = stalled && cf_json_str(stalled, "status") && strcmp(cf_json_str(stalled, "status"), "True") == 0;
			if (!done && waited >= cli.timeout_ms) {
				int r = cli_fail(1, "timed out after %lds waiting for %s '%s/%s': %s", waited / 1000, kind, cli.namespace,
						 name, cf_json_str(rc, "message") ? cf_json_str(rc, "message") : "");
				json_decref(o);
				return r;
			}
		}
		if (done) {
			int good = cf_json_str(rc, "status") && strcmp(cf_json_str(rc, "status"), "True") == 0;
			char msg[1024];
			if (good && stamp) {
				cli_ok("%s reconciliation completed", kind);
				success_message(msg, sizeof(msg), kind, o);
				if (msg[0])
					cli_ok("%s", msg);
			} else if (good && bootstrap) {
				cli_ok("%s reconciled successfully", kind);
			} else if (good) {
				created_message(kind, name, o);
			} else {
				cli_fail(1, "%s '%s/%s' is not ready: %s", kind, cli.namespace, name,
					 cf_json_str(rc, "message") ? cf_json_str(rc, "message") : "(no message)");
			}
			json_decref(o);
			return good ? 0 : 1;
		}
		json_decref(o);
		if (waited >= cli.timeout_ms)
			return cli_fail(1, "timed out after %lds waiting for %s '%s/%s'", waited / 1000, kind, cli.namespace, name);
		nanosleep(&nap, NULL);
		waited += 250;
	}
}

int cli_wait_ready(cf_kube *k, const char *av, const char *kind, const char *name, const char *stamp)
{
	return wait_ready(k, av, kind, name, stamp, 0);
}

int cli_wait_reconciled(cf_kube *k, const char *av, const char *kind, const char *name)
{
	return wait_ready(k, av, kind, name, NULL, 1);
}

int cli_cmp_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int apply_or_export(json_t *obj, int export, const char *av, const char *kind, const char *name);

json_t *cli_sorted_copy(const json_t *v)
{
	json_t *out;
	size_t i, n;

	if (json_is_array(v)) {
		json_t *e;
		if ((out = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, e)
			if (json_array_append_new(out, cli_sorted_copy(e)) < 0)
				goto fail;
		return out;
	}
	if (!json_is_object(v))
		return json_deep_copy(v);
	n = json_object_size(v);
	{
		const char **keys = cf_calloc(n ? n : 1, sizeof(*keys)), *k;
		json_t *e;
		if (keys == NULL || (out = json_object()) == NULL) {
			cf_free(keys);
			return NULL;
		}
		i = 0;
		json_object_foreach((json_t *)v, k, e)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cli_cmp_strings);
		for (i = 0; i < n; i++)
			if (json_object_set_new(out, keys[i], cli_sorted_copy(json_object_get(v, keys[i]))) < 0) {
				cf_free(keys);
				goto fail;
			}
		cf_free(keys);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

cli_create_args cli_create;

int cli_export(const json_t *obj)
{
	cf_buf out = CF_BUF_INIT(1u << 20);
	json_t *sorted = cli_sorted_copy(obj);
	int rc = sorted ? cf_yaml_dump(&out, sorted) : cf_err_set(CF_ENOMEM, "out of memory");

	json_decref(sorted);
	if (rc == 0)
		printf("---\n%.*s", (int)out.len, out.data);
	cf_buf_free(&out);
	return rc == 0 ? 0 : cli_fail(1, "%s", cf_err_msg());
}

/* Kinds without a status to wait for (notification v1beta3 Alert and Provider): ready once
 * applied, as flux's isStaticObjectReadyConditionFunc has them. */
static int static_kind(const char *kind)
{
	static const char *const kinds[] = { "Alert", "Provider", NULL };

	return cli_one_of(kind, kinds);
}

int cli_one_of(const char *v, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(v, allowed[i]) == 0)
			return 1;
	return 0;
}

int cli_create_labels(json_t *obj)
{
	json_t *labels;

	if (cli_create.labels.n == 0)
		return 0;
	labels = json_object();
	for (size_t i = 0; i < cli_create.labels.n; i++) {
		const char *l = cli_create.labels.items[i], *eq = strchr(l, '=');
		if (eq == NULL || eq == l || strchr(eq + 1, '=')) {
			json_decref(labels);
			return cli_fail(1, "invalid label format '%s', must be key=value", l);
		}
		char key[320];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - l), l);
		json_object_set_new(labels, key, json_string(eq + 1));
	}
	json_object_set_new(json_object_get(obj, "metadata"), "labels", labels);
	return 0;
}

int cli_create_apply(json_t *obj, const char *av, const char *kind, const char *name)
{
	int rc = cli_create_labels(obj);

	cf_flag_list_free(&cli_create.labels);
	if (rc != 0)
		return rc;
	return apply_or_export(obj, cli_create.export, av, kind, name);
}

static int apply_or_export(json_t *obj, int export, const char *av, const char *kind, const char *name)
{
	cf_kube_apply_opts ao = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube *k;
	int rc;

	if (export)
		return cli_export(obj);
	if ((k = cli_client()) == NULL)
		return 1;
	cli_say("applying %s '%s/%s'", kind, cli.namespace, name);
	ao.field_manager = "cflux";
	ao.force = 1;
	rc = cf_kube_apply(k, NULL, obj, &ao);
	if (rc < 0) {
		rc = cli_fail(1, "%s", cf_err_msg());
	} else {
		cli_ok("%s created", kind);
		rc = static_kind(kind) ? (cli_ok("%s %s is ready", kind, name), 0) : cli_wait_ready(k, av, kind, name, NULL);
	}
	cf_kube_free(k);
	return rc;
}

json_t *cli_object_ref(const char *text, const char *dflt_kind, int with_ns)
{
	char kind[128], name[300], *dot;
	const char *slash = strchr(text, '/');

	if (slash) {
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - text), text);
		snprintf(name, sizeof(name), "%s", slash + 1);
	} else {
		snprintf(kind, sizeof(kind), "%s", dflt_kind);
		snprintf(name, sizeof(name), "%s", text);
	}
	dot = with_ns ? strchr(name, '.') : NULL;
	if (dot)
		*dot = '\0';
	if (name[0] == '\0' || kind[0] == '\0')
		return NULL;
	return json_pack("{s:s,s:s,s:s*}", "kind", kind, "name", name, "namespace", dot ? dot + 1 : NULL);
}

int cli_go_duration(char *out, const char *flag, const char *text)
{
	long ms;

	if (cf_duration_parse(&ms, text) < 0)
		return cli_fail(1, "invalid argument \"%s\" for \"--%s\" flag: %s", text, flag, cf_err_msg());
	cf_duration_format(out, ms);
	return 0;
}

/* --path as flux's safeRelativePath makes it: trimmed, cleaned without going above the root,
 * then "./" in front ("/abs" -> "./abs", "../x" -> "./x", "" -> "./"). */
static void safe_relative_path(char *out, size_t size, const char *text)
{
	char copy[1024], *save = NULL, *seg[256];
	size_t n = 0, at;
	const char *end;

	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	snprintf(copy, sizeof(copy), "%.*s", (int)(end - text), text);
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n)
				n--;
		} else if (n < sizeof(seg) / sizeof(seg[0])) {
			seg[n++] = t;
		}
	}
	at = (size_t)snprintf(out, size, "./");
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%s%s", i ? "/" : "", seg[i]);
}

/* flux's refusal of a scheme other than ssh, http and https, word for word */
static int git_url_scheme_ok(const char *url)
{
	const char *sep = strstr(url, "://");
	size_t n = 0;

	if (sep) {
		n = (size_t)(sep - url);
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)url[i]) && url[i] != '+' && url[i] != '-' && url[i] != '.')
				n = 0;
	}
	if ((n == 3 && strncmp(url, "ssh", 3) == 0) || (n == 4 && strncmp(url, "http", 4) == 0) ||
	    (n == 5 && strncmp(url, "https", 5) == 0))
		return 0;
	if (sep == NULL && strchr(url, '@') && strchr(url, ':'))
		return 0;   /* scp-like: cf_git_check_url says what to write instead */
	return cli_fail(1, "git URL scheme '%.*s' not supported, can be: ssh, http and https", (int)n, url);
}

static const char *const GIT_PROVIDERS[] = { "generic", "github", "aws", "azure", NULL };

/* spec.ref as flux picks it: a commit (with its branch), else the ref name, the semver range,
 * the tag, the branch — one of them. */
static json_t *git_ref(const char *branch, const char *tag, const char *semver, const char *commit, const char *refname)
{
	if (commit)
		return json_pack("{s:s*,s:s}", "branch", branch, "commit", commit);
	if (refname)
		return json_pack("{s:s}", "name", refname);
	if (semver)
		return json_pack("{s:s}", "semver", semver);
	if (tag)
		return json_pack("{s:s}", "tag", tag);
	return json_pack("{s:s}", "branch", branch);
}

static int create_source_git(int argc, char **argv, const char *name)
{
	const char *url = NULL, *branch = NULL, *tag = NULL, *semver = NULL, *commit = NULL, *refname = NULL;
	const char *secret = NULL, *interval = "1m", *user = NULL, *pass = NULL, *provider = NULL, *ca = NULL;
	const char *key_file = NULL, *proxy = NULL, *algo = "ecdsa", *curve = "p384", *fetch_timeout = NULL;
	long bits = 2048;
	int rc, submodules = 0, silent = 0;
	cf_flag_list ignore = { .n = 0 }, sparse = { .n = 0 };
	const cf_flag own[] = {
		{ "url", CF_FLAG_STRING, &url, "git address, e.g. ssh://git@host/org/repository", 0 },
		{ "branch", CF_FLAG_STRING, &branch, "git branch", 0 },
		{ "tag", CF_FLAG_STRING, &tag, "git tag", 0 },
		{ "tag-semver", CF_FLAG_STRING, &semver, "git tag semver range", 0 },
		{ "ref-name", CF_FLAG_STRING, &refname, "git reference name", 0 },
		{ "commit", CF_FLAG_STRING, &commit, "git commit", 0 },
		{ "username|u", CF_FLAG_STRING, &user, "basic authentication username", 0 },
		{ "password|p", CF_FLAG_STRING, &pass, "basic authentication password", 0 },
		CLI_SSH_KEY_FLAGS(algo, bits, curve),
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of an existing secret containing SSH or basic credentials or github app authentication", 0 },
		{ "proxy-secret-ref", CF_FLAG_STRING, &proxy, "the name of an existing secret containing the proxy address and credentials", 0 },
		{ "provider", CF_FLAG_STRING, &provider, "the Git provider name", 0 },
		{ "ca-file", CF_FLAG_STRING, &ca, "path to TLS CA file used for validating self-signed certificates", 0 },
		{ "private-key-file", CF_FLAG_STRING, &key_file, "path to a passwordless private key file used for authenticating to the Git SSH server", 0 },
		{ "recurse-submodules", CF_FLAG_BOOL, &submodules, "when enabled, configures the GitRepository source to initialize and include Git submodules in the artifact it produces", 0 },
		{ "silent|s", CF_FLAG_BOOL, &silent, "assumes the deploy key is already setup, skips confirmation", 0 },
		{ "ignore-paths", CF_FLAG_LIST, &ignore, "set paths to ignore in git resource (can specify multiple paths with commas: path1,path2)", 0 },
		{ "sparse-checkout-paths", CF_FLAG_LIST, &sparse, "set paths to sparse checkout in git resource (can specify multiple paths with commas: path1,path2)", 0 },
		{ "fetch-timeout", CF_FLAG_STRING, &fetch_timeout, "set a timeout for fetch operations performed by source-controller (e.g. 'git clone' or 'helm repo add')", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX], timeout[CF_DURATION_MAX];
	size_t npos;
	json_t *obj = NULL, *spec;

	rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux create source git NAME --url URL (--branch B | --tag T | --tag-semver R | --commit C | --ref-name N)",
		       pos, &npos);
	if (rc == 1)
		rc = -1;   /* --help */
	else if (rc == 0 && url == NULL)
		rc = cli_fail(1, "url is required");
	else if (rc == 0 && provider && !cli_one_of(provider, GIT_PROVIDERS))
		rc = cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--provider\" flag: source Git provider '%s' is not supported, must be one of: generic|github|aws|azure",
			      provider, provider);
	else if (rc == 0 && (rc = git_url_scheme_ok(url)) == 0 && cf_git_check_url(url) < 0)
		rc = cli_fail(1, "invalid --url: %s", cf_err_msg());
	if (rc == 0 && (rc = cli_go_duration(every, "interval", interval)) == 0 && fetch_timeout)
		rc = cli_go_duration(timeout, "fetch-timeout", fetch_timeout);
	if (rc == 0 && !branch && !tag && !semver && !commit && !refname)
		rc = cli_fail(1, "a Git ref is required, use one of the following: --branch, --tag, --commit, --ref-name or --tag-semver");
	else if (rc == 0 && ca && strncmp(url, "ssh://", 6) == 0)
		rc = cli_fail(1, "specifying a CA file is not supported for Git over SSH");
	if (rc == 0) {
		spec = json_pack("{s:s,s:s,s:o}", "interval", every, "url", url, "ref", git_ref(branch, tag, semver, commit, refname));
		obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", GITREPO_AV, "kind", "GitRepository", "metadata",
				"name", name, "namespace", cli.namespace, "spec", spec);
		if (submodules)
			json_object_set_new(spec, "recurseSubmodules", json_true());
		if (fetch_timeout)
			json_object_set_new(spec, "timeout", json_string(timeout));
		if (provider && strcmp(provider, "") != 0)
			json_object_set_new(spec, "provider", json_string(provider));
		if (sparse.n) {
			json_t *paths = json_array();
			for (size_t i = 0; i < sparse.n; i++)
				json_array_append_new(paths, json_string(sparse.items[i]));
			json_object_set_new(spec, "sparseCheckout", paths);
		}
		cli_spec_ref(spec, "secretRef", secret);
		cli_spec_ref(spec, "proxySecretRef", proxy);
		rc = cli_ignore_paths(spec, &ignore);
	}
	/* without --secret-ref, credentials become a Secret of the source's name, as flux makes it */
	if (rc == 0 && !cli_create.export && secret == NULL && strncmp(url, "ssh://", 6) == 0) {
		int made;
		if ((rc = cli_git_ssh_secret(name, url, key_file, pass, algo, curve, bits, silent, &made)) == 0 && made)
			cli_spec_ref(json_object_get(obj, "spec"), "secretRef", name);
	} else if (rc == 0 && !cli_create.export && secret == NULL && ((user && pass) || ca)) {
		if (strncmp(url, "http://", 7) == 0)
			cli_say("insecure configuration: credentials configured for an HTTP URL");
		int made;
		if ((rc = cli_git_credentials_secret(name, user, pass, ca, &made)) == 0 && made)
			cli_spec_ref(json_object_get(obj, "spec"), "secretRef", name);
	}
	cf_flag_list_free(&ignore);
	cf_flag_list_free(&sparse);
	if (rc == 0)
		rc = cli_create_apply(obj, GITREPO_AV, "GitRepository", name);
	json_decref(obj);
	return rc < 0 ? 0 : rc;
}

/* The Kustomization's spec from its create flags (the strings point into argv). */
typedef struct ks_args {
	const char *source, *path, *interval, *retry, *health_timeout, *target, *sa;
	const char *decrypt_provider, *decrypt_secret, *kubeconfig_secret, *validation;
	int prune, wait;
	cf_flag_list health, depends;
} ks_args;

static int ks_health_checks(json_t *spec, const cf_flag_list *l)
{
	json_t *list = json_array();

	for (size_t i = 0; i < l->n; i++) {
		const char *text = l->items[i], *slash = strchr(text, '/'), *dot = slash ? strchr(slash, '.') : NULL;
		if (slash == NULL || dot == NULL || slash == text || dot == slash + 1 || dot[1] == '\0') {
			json_decref(list);
			return cli_fail(1, "invalid health check '%s' must be in the format 'kind/name.namespace'", text);
		}
		json_array_append_new(list, json_pack("{s:s%,s:s%,s:s}", "kind", text, (size_t)(slash - text), "name",
						      slash + 1, (size_t)(dot - slash - 1), "namespace", dot + 1));
	}
	if (l->n)
		json_object_set_new(spec, "healthChecks", list);
	else
		json_decref(list);
	return 0;
}

void cli_depends_on(json_t *spec, const cf_flag_list *l)
{
	json_t *list = json_array();

	for (size_t i = 0; i < l->n; i++) {
		const char *t = l->items[i], *slash = strchr(t, '/');
		if (slash)
			json_array_append_new(list, json_pack("{s:s,s:s%}", "name", slash + 1, "namespace", t, (size_t)(slash - t)));
		else
			json_array_append_new(list, json_pack("{s:s}", "name", t));
	}
	if (l->n)
		json_object_set_new(spec, "dependsOn", list);
	else
		json_decref(list);
}

/* Builds *spec; a usage error returns its exit code. */
static int ks_spec(json_t **spec, const ks_args *a)
{
	char every[CF_DURATION_MAX], retry[CF_DURATION_MAX], timeout[CF_DURATION_MAX], path[1024];
	json_t *src, *s;
	int rc;

	*spec = NULL;
	if (a->source == NULL)
		return cli_fail(1, "source is required");
	if ((src = cli_object_ref(a->source, "GitRepository", 1)) == NULL)
		return cli_fail(CLI_EXIT_USAGE, "invalid --source \"%s\" (want Kind/name[.namespace])", a->source);
	if ((rc = cli_go_duration(every, "interval", a->interval)) != 0 ||
	    (a->retry && (rc = cli_go_duration(retry, "retry-interval", a->retry)) != 0) ||
	    (rc = cli_go_duration(timeout, "health-check-timeout", a->health_timeout)) != 0) {
		json_decref(src);
		return rc;
	}
	safe_relative_path(path, sizeof(path), a->path);
	s = json_pack("{s:s,s:s,s:b,s:o}", "interval", every, "path", path, "prune", a->prune, "sourceRef", src);
	if (a->retry && strcmp(retry, "0s") != 0)
		json_object_set_new(s, "retryInterval", json_string(retry));
	if (a->wait)
		json_object_set_new(s, "wait", json_true());
	if (a->target)
		json_object_set_new(s, "targetNamespace", json_string(a->target));
	if (a->sa)
		json_object_set_new(s, "serviceAccountName", json_string(a->sa));
	if (a->kubeconfig_secret)
		json_object_set_new(s, "kubeConfig", json_pack("{s:{s:s}}", "secretRef", "name", a->kubeconfig_secret));
	if (a->decrypt_provider) {
		json_t *d = json_pack("{s:s}", "provider", a->decrypt_provider);
		if (a->decrypt_secret)
			json_object_set_new(d, "secretRef", json_pack("{s:s}", "name", a->decrypt_secret));
		json_object_set_new(s, "decryption", d);
	}
	if ((rc = ks_health_checks(s, &a->health)) != 0) {
		json_decref(s);
		return rc;
	}
	cli_depends_on(s, &a->depends);
	if (a->wait || a->health.n)
		json_object_set_new(s, "timeout", json_string(timeout));
	*spec = s;
	return 0;
}

static int create_kustomization(int argc, char **argv, const char *name)
{
	ks_args a = { .path = "./", .interval = "1m", .health_timeout = "2m" };
	int rc;
	const cf_flag own[] = {
		{ "source", CF_FLAG_STRING, &a.source, "source that contains the Kubernetes manifests in the format '[<kind>/]<name>.<namespace>', where kind must be one of: (GitRepository,OCIRepository,Bucket), if kind is not specified it defaults to GitRepository", 0 },
		{ "path", CF_FLAG_STRING, &a.path, "path to the directory containing a kustomization.yaml file", 0 },
		{ "prune", CF_FLAG_BOOL, &a.prune, "enable garbage collection", 0 },
		{ "interval", CF_FLAG_STRING, &a.interval, "source sync interval", 0 },
		{ "retry-interval", CF_FLAG_STRING, &a.retry, "the interval at which to retry a previously failed reconciliation", 0 },
		{ "wait", CF_FLAG_BOOL, &a.wait, "enable health checking of all the applied resources", 0 },
		{ "health-check", CF_FLAG_LIST, &a.health, "workload to be included in the health assessment, in the format '<kind>/<name>.<namespace>'", 0 },
		{ "health-check-timeout", CF_FLAG_STRING, &a.health_timeout, "timeout of health checking operations", 0 },
		{ "depends-on", CF_FLAG_LIST, &a.depends, "Kustomization that must be ready before this Kustomization can be applied, supported formats '<name>' and '<namespace>/<name>'", 0 },
		{ "target-namespace", CF_FLAG_STRING, &a.target, "overrides the namespace of all Kustomization objects reconciled by this Kustomization", 0 },
		{ "service-account", CF_FLAG_STRING, &a.sa, "the name of the service account to impersonate when reconciling this Kustomization", 0 },
		{ "decryption-provider", CF_FLAG_STRING, &a.decrypt_provider, "decryption provider, available options are: (sops)", 0 },
		{ "decryption-secret", CF_FLAG_STRING, &a.decrypt_secret, "set the Kubernetes secret name that contains the OpenPGP private keys used for sops decryption", 0 },
		{ "kubeconfig-secret-ref", CF_FLAG_STRING, &a.kubeconfig_secret, "the name of the Kubernetes Secret that contains a key with the kubeconfig file for connecting to a remote cluster", 0 },
		{ "validation", CF_FLAG_STRING, &a.validation, "deprecated: no longer used", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *obj, *spec = NULL;

	rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux create kustomization NAME --source [KIND/]NAME[.NAMESPACE] --path PATH [--prune]", pos, &npos);
	if (rc == 1) {   /* --help */
		cf_flag_list_free(&a.health);
		cf_flag_list_free(&a.depends);
		return 0;
	}
	/* on stdout, where flux (cobra) writes it, even with --export */
	if (rc == 0 && a.validation)
		printf("Flag --validation has been deprecated, this arg is no longer used, all resources are validated using server-side apply dry-run\n");
	if (rc == 0 && a.decrypt_provider && strcmp(a.decrypt_provider, "sops") != 0)
		rc = cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--decryption-provider\" flag: decryption provider '%s' is not supported, must be one of: sops",
			      a.decrypt_provider, a.decrypt_provider);
	if (rc == 0)
		rc = ks_spec(&spec, &a);
	cf_flag_list_free(&a.health);
	cf_flag_list_free(&a.depends);
	if (rc != 0)
		return rc;
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", KS_AV, "kind", "Kustomization", "metadata", "name", name,
			"namespace", cli.namespace, "spec", spec);
	rc = cli_create_apply(obj, KS_AV, "Kustomization", name);
	json_decref(obj);
	return rc;
}

/* The maker that argv[1..] names: a kind of the kind table ("source git", "ks") or one of the
 * words of what is not a kind ("tenant", "secret git"); *used gets how many words named it. */
typedef int (*create_fn)(int, char **, const char *);
static create_fn create_maker(int argc, char **argv, int *used)
{
	static const struct { const char *kind; create_fn create; } makers[] = {
		{ "GitRepository", create_source_git }, { "HelmRepository", cmd_create_source_helm },
		{ "OCIRepository", cmd_create_source_oci }, { "Kustomization", create_kustomization },
		{ "HelmRelease", cmd_create_helmrelease }, { "Alert", cmd_create_alert },
		{ "Provider", cmd_create_alert_provider }, { "Receiver", cmd_create_receiver },
		{ "Bucket", cmd_create_source_bucket }, { "ImageUpdateAutomation", cmd_create_image_update },
		{ "ImageRepository", cmd_create_image_repository }, { "ImagePolicy", cmd_create_image_policy },
		{ "HelmChart", cmd_create_source_chart },
	};
	static const struct { const char *w1, *w2; create_fn create; } words[] = {
		{ "tenant", NULL, cmd_create_tenant }, { "secret", "git", cmd_create_secret_git },
		{ "secret", "helm", cmd_create_secret_helm }, { "secret", "oci", cmd_create_secret_oci },
		{ "secret", "tls", cmd_create_secret_tls }, { "secret", "githubapp", cmd_create_secret_githubapp },
		{ "secret", "receiver", cmd_create_secret_receiver }, { "secret", "proxy", cmd_create_secret_proxy },
		{ "secret", "notation", cmd_create_secret_notation },
	};
	const char *av, *kind;

	*used = 0;
	if (argc < 2)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(argv[1], words[i].w1) == 0 &&
		    (words[i].w2 == NULL || (argc > 2 && strcmp(argv[2], words[i].w2) == 0))) {
			*used = words[i].w2 ? 2 : 1;
			return words[i].create;
		}
	*used = cli_kind_args(argv + 1, (size_t)(argc - 1), &av, &kind);
	for (size_t i = 0; *used && i < sizeof(makers) / sizeof(makers[0]); i++)
		if (strcmp(kind, makers[i].kind) == 0)
			return makers[i].create;
	if (*used)
		cli_fail(CLI_EXIT_USAGE, "cflux create cannot make a %s yet", kind);
	return NULL;
}

/* flux's check of the new object's name (RFC 1123 label, at most 63 characters) */
static int valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len < 2 || len > 63 || n[0] == '-' || n[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)n[i]) || isdigit((unsigned char)n[i]) || n[i] == '-'))
			return 0;
	return 1;
}

int cmd_create(int argc, char **argv)
{
	int used, rc;
	create_fn create = create_maker(argc, argv, &used);

	/* cflux create source git NAME ... | cflux create kustomization NAME ... */
	if (create == NULL)
		return used ? CLI_EXIT_USAGE : cli_fail(CLI_EXIT_USAGE, "usage: cflux create source git|helm|oci NAME --url URL ... | kustomization NAME --source ... | helmrelease NAME ... (see cflux create --help)");
	if ((argc < 2 + used || argv[1 + used][0] == '-') && cli_help_asked(argc, argv))
		return create(argc - used, argv + used, "");   /* --help without a name */
	if (argc < 2 + used)
		return cli_fail(1, "name is required");
	if (argv[1 + used][0] == '-') {   /* the name after the flags: cli_parse takes it */
		cli_create_name[0] = '\0';
		cli_create_name_pending = 1;
		rc = create(argc - used, argv + used, cli_create_name);
		cf_flag_list_free(&cli_create.labels);
		return name_missing ? 1 : rc;
	}
	if (!valid_name(argv[1 + used]))
		return cli_fail(1, "name '%s' is invalid, it should adhere to standard defined in RFC 1123, the name can only contain alphanumeric characters or '-'",
				argv[1 + used]);
	rc = create(argc - 1 - used, argv + 1 + used, argv[1 + used]);
	cf_flag_list_free(&cli_create.labels);   /* whichever way the command ended */
	return rc;
}

/* ---- get ---- */

/* ---- reconcile, suspend, resume ---- */

/* Annotates the object with requestedAt (and, for a HelmRelease, forceAt/resetAt: the same
 * stamp, as flux does) and waits until its controller has handled it. */
static int request_with(cf_kube *k, const char *av, const char *kind, const char *name, int force, int reset)
{
	json_t *o = NULL, *patch, *ann;
	char stamp[64];
	int rc;

	if ((rc = cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, name })) < 0)
		return get_failed(rc, kind, name);
	if (json_is_true(json_object_get(json_object_get(o, "spec"), "suspend"))) {
		json_decref(o);
		return cli_fail(1, "%s '%s/%s' is suspended: resume it first (cflux resume)", kind, cli.namespace, name);
	}
	json_decref(o);
	cf_time_rfc3339(stamp, 9);
	cli_say("annotating %s '%s/%s' in %s namespace", kind, cli.namespace, name, cli.namespace);
	patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", CF_REQUESTED_AT_ANNOTATION, stamp);
	ann = json_object_get(json_object_get(patch, "metadata"), "annotations");
	if (force)
		json_object_set_new(ann, CF_FORCE_AT_ANNOTATION, json_string(stamp));
	if (reset)
		json_object_set_new(ann, CF_RESET_AT_ANNOTATION, json_string(stamp));
	rc = cf_kube_merge_patch(k, NULL, &(cf_kube_ref){ av, kind, cli.namespace, name }, patch);
	json_decref(patch);
	if (rc < 0)
		return cli_fail(1, "%s", cf_err_msg());
	cli_ok("%s annotated", kind);
	return cli_wait_ready(k, av, kind, name, stamp);
}

static int request(cf_kube *k, const char *av, const char *kind, const char *name)
{
	return request_with(k, av, kind, name, 0, 0);
}

/* The source `reconcile --with-source` reconciles first: a Kustomization's or a HelmChart's
 * sourceRef; a HelmRelease's HelmChart (<ns>-<name>, in its source's namespace) or chartRef. */
static int source_of(const char *kind, const json_t *o, const char **src_kind, const char **src_name,
		     const char **src_ns, char *chart_name, size_t size)
{
	const json_t *spec = json_object_get(o, "spec"), *md = json_object_get(o, "metadata"), *ref;

	*src_ns = NULL;
	if (strcmp(kind, "HelmRelease") == 0 && json_object_get(spec, "chartRef") == NULL) {
		ref = json_object_get(json_object_get(json_object_get(spec, "chart"), "spec"), "sourceRef");
		snprintf(chart_name, size, "%s-%s", cf_json_str(md, "namespace"), cf_json_str(md, "name"));
		*src_kind = "HelmChart";
		*src_name = chart_name;
		*src_ns = cf_json_str(ref, "namespace");
		return 0;
	}
	ref = json_object_get(spec, strcmp(kind, "HelmRelease") == 0 ? "chartRef" : "sourceRef");
	*src_kind = cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "GitRepository";
	*src_name = cf_json_str(ref, "name");
	*src_ns = cf_json_str(ref, "namespace");
	return *src_name ? 0 : cli_fail(1, "%s '%s': no source to reconcile", kind, cf_json_str(md, "name"));
}

/* Reconciles one object (its source first with --with-source) and waits for the result. */
static int reconcile_one(cf_kube *k, const char *av, const char *kind, const char *name, int with_source, int force, int reset)
{
	char chart[600];
	int rc = 0;

	if (with_source && (strcmp(kind, "Kustomization") == 0 || strcmp(kind, "HelmChart") == 0 ||
			    strcmp(kind, "HelmRelease") == 0)) {
		json_t *o = NULL;
		const char *skind, *sname, *sns, *saved = cli.namespace;
		if ((rc = cf_kube_get(k, &o, &(cf_kube_ref){ av, kind, cli.namespace, name })) < 0) {
			rc = get_failed(rc, kind, name);
		} else if ((rc = source_of(kind, o, &skind, &sname, &sns, chart, sizeof(chart))) == 0) {
			const cf_kind *sk = cf_kind_find(skind);
			if (sns)
				cli.namespace = sns;
			rc = sk ? request(k, sk->api_version, sk->kind, sname)
				: cli_fail(1, "%s '%s': source kind '%s' is not a kind cflux knows", kind, name, skind);
			cli.namespace = saved;
		}
		json_decref(o);
	}
	if (rc == 0)
		rc = request_with(k, av, kind, name, force, reset);
	return rc;
}

int cmd_reconcile(int argc, char **argv)
{
	int with_source = 0, force = 0, reset = 0, rc, used;
	const cf_flag own[] = {
		{ "with-source", CF_FLAG_BOOL, &with_source, "reconcile the source first", 0 },
		{ "force", CF_FLAG_BOOL, &force, "HelmRelease: force a one-off install or upgrade of the HelmRelease resource", 0 },
		{ "reset", CF_FLAG_BOOL, &reset, "HelmRelease: reset the retry counter for the HelmRelease resource", 0 },
	};
	const char *usage = "usage: cflux reconcile source git|helm|chart|oci NAME... | kustomization NAME... [--with-source] | helmrelease NAME... [--with-source] [--force] [--reset] | alert|alert-provider|receiver NAME...";
	char *pos[POS_MAX];
	size_t npos;
	const char *av, *kind;
	cf_kube *k;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	used = cli_kind_args(pos, npos, &av, &kind);
	if (used == 0 || npos <= (size_t)used)
		return cli_fail(CLI_EXIT_USAGE, "%s", usage);
	if ((force || reset) && strcmp(kind, "HelmRelease") != 0)
		return cli_fail(CLI_EXIT_USAGE, "--force and --reset are for a HelmRelease, not a %s", kind);
	if ((k = cli_client()) == NULL)
		return 1;
	rc = 0;
	for (size_t i = (size_t)used; i < npos; i++)
		if (reconcile_one(k, av, kind, pos[i], with_source, force, reset) != 0)
			rc = 1;
	cf_kube_free(k);
	return rc;
}

static int set_suspend(int argc, char **argv, int suspend)
{
	int all = 0, rc, used, failed = 0;
	const cf_flag own[] = { { "all", CF_FLAG_BOOL, &all, "every object of the kind in the namespace", 0 } };
	char *pos[POS_MAX];
	size_t npos, i;
	const char *av, *kind;
	json_t *names = json_array(), *v;
	cf_kube *k;

	if ((rc = cli_parse(own, 1, argc, argv, suspend ? "usage: cflux suspend KIND NAME [NAME...] | KIND --all"
						    : "usage: cflux resume KIND NAME [NAME...] | KIND --all", pos, &npos)) != 0) {
		json_decref(names);
		return rc == 1 ? 0 : rc;
	}
	used = cli_kind_args(pos, npos, &av, &kind);
	if (used == 0 || (all ? npos != (size_t)used : npos <= (size_t)used)) {
		json_decref(names);
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux %s KIND NAME [NAME...] | KIND --all (KIND: source git|helm|chart|oci, kustomization, helmrelease, alert, alert-provider, receiver)", suspend ? "suspend" : "resume");
	}
	if ((k = cli_client()) == NULL) {
		json_decref(names);
		return 1;
	}
	if (all) {
		json_t *list = NULL, *o;
		if (cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, cli.namespace, NULL }, NULL) < 0)
			failed = cli_fail(1, "%s", cf_err_msg());
		json_array_foreach(json_object_get(list, "items"), i, o)
			json_array_append_new(names, json_string(cf_json_str(json_object_get(o, "metadata"), "name")));
		json_decref(list);
	} else {
		for (i = (size_t)used; i < npos; i++)
			json_array_append_new(names, json_string(pos[i]));
	}
	json_array_foreach(names, i, v) {
		json_t *patch = json_pack("{s:{s:b}}", "spec", "suspend", suspend);
		const char *name = json_string_value(v);
		cli_say("%s %s '%s/%s'", suspend ? "suspending" : "resuming", kind, cli.namespace, name);
		rc = cf_kube_merge_patch(k, NULL, &(cf_kube_ref){ av, kind, cli.namespace, name }, patch);
		json_decref(patch);
		if (rc < 0) {
			failed = rc == CF_ENOTFOUND ? get_failed(rc, kind, name) : cli_fail(1, "%s", cf_err_msg());
			continue;
		}
		cli_ok("%s %s", kind, suspend ? "suspended" : "resumed");
		if (!suspend && request(k, av, kind, name) != 0)
			failed = 1;
	}
	json_decref(names);
	cf_kube_free(k);
	return failed ? 1 : 0;
}

int cmd_suspend(int argc, char **argv) { return set_suspend(argc, argv, 1); }
int cmd_resume(int argc, char **argv) { return set_suspend(argc, argv, 0); }

/* ---- tree ---- */

#define TREE_DEPTH_MAX 10
/* flux's --compact keeps the objects of its own API groups */
#define TREE_COMPACT_GROUP "toolkit.fluxcd.io"

/* A node of flux's ObjMetadataTree, as it marshals: resource {Namespace, Name, GroupKind}. */
static json_t *tree_node(const char *group, const char *kind, const char *ns, const char *name)
{
	return json_pack("{s:{s:s,s:s,s:{s:s,s:s}}}", "resource", "Namespace", ns, "Name", name,
			 "GroupKind", "Group", group, "Kind", kind);
}

/* Adds the objects of the HelmRelease's current release under node, as flux's tree does. */
static int tree_helm_release(cf_kube *k, json_t *node, const char *ns, const char *name, int compact)
{
	json_t *objs = NULL, *o, *list = json_array();
	size_t i;
	int rc = cli_helm_release_objects(k, &objs, ns, name);

	json_array_foreach(objs, i, o)
		if (rc == 0 && !(compact && strstr(cf_json_str(o, "group"), TREE_COMPACT_GROUP) == NULL))
			json_array_append_new(list, tree_node(cf_json_str(o, "group"), cf_json_str(o, "kind"),
							      cf_json_str(o, "namespace"), cf_json_str(o, "name")));
	if (json_array_size(list))
		json_object_set(node, "resources", list);
	json_decref(list);
	json_decref(objs);
	return rc;
}

/* Adds the inventory of Kustomization ks under node, descending into the Kustomizations it
 * applied (not into one that targets a remote cluster), as flux's treeKustomization does.
 * 0, or 1 after printing the error. */
static int tree_fill(cf_kube *k, json_t *node, const json_t *ks, int compact, int depth)
{
	const json_t *meta = json_object_get(ks, "metadata"), *e;
	const json_t *entries = json_object_get(json_object_get(json_object_get(ks, "status"), "inventory"), "entries");
	int remote = json_object_get(json_object_get(ks, "spec"), "kubeConfig") != NULL;
	size_t i;

	json_array_foreach(entries, i, e) {
		json_t *child, *sub = NULL, *list;
		cf_apply_id x;
		int is_ks, rc;
		if (cf_apply_id_parse(&x, cf_json_str(e, "id") ? cf_json_str(e, "id") : "") < 0)
			return cli_fail(1, "unable to parse stored object metadata: %s", cf_json_str(e, "id") ? cf_json_str(e, "id") : "");
		if (compact && strstr(x.group, TREE_COMPACT_GROUP) == NULL)
			continue;
		is_ks = strcmp(x.kind, "Kustomization") == 0 && strcmp(x.group, CF_GROUP_KUSTOMIZE) == 0;
		if (is_ks && strcmp(x.ns, cf_json_str(meta, "namespace") ? cf_json_str(meta, "namespace") : "") == 0 &&
		    strcmp(x.name, cf_json_str(meta, "name") ? cf_json_str(meta, "name") : "") == 0)
			continue;   /* itself */
		if ((list = json_object_get(node, "resources")) == NULL)
			json_object_set_new(node, "resources", list = json_array());
		json_array_append_new(list, child = tree_node(x.group, x.kind, x.ns, x.name));
		if (strcmp(x.kind, "HelmRelease") == 0 && strcmp(x.group, CF_GROUP_HELM) == 0 &&
		    (rc = tree_helm_release(k, child, x.ns, x.name, compact)) != 0)
			return rc;
		if (!is_ks || remote || depth >= TREE_DEPTH_MAX)
			continue;
		if ((rc = cf_kube_get(k, &sub, &(cf_kube_ref){ KS_AV, "Kustomization", x.ns, x.name })) < 0)
			return cli_fail(1, "failed to find object: %s", cf_err_msg());
		rc = tree_fill(k, child, sub, compact, depth + 1);
		json_decref(sub);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* "Kind/namespace/name" (cluster-scoped: "Kind/name"), as flux's FmtObjMetadata. */
static void tree_text(const json_t *node)
{
	const json_t *r = json_object_get(node, "resource");
	const char *ns = cf_json_str(r, "Namespace");

	printf("%s/%s%s%s\n", cf_json_str(json_object_get(r, "GroupKind"), "Kind"), ns ? ns : "", ns && ns[0] ? "/" : "",
	       cf_json_str(r, "Name"));
}

/* The children of node in flux's tree printer: "├── " and "└── " under "│   " or "    ". */
static void tree_print_items(const json_t *node, const char *prefix)
{
	const json_t *list = json_object_get(node, "resources"), *c;
	size_t i, n = json_array_size(list);

	json_array_foreach(list, i, c) {
		char next[4 * TREE_DEPTH_MAX * 8 + 64];
		int last = i + 1 == n;
		printf("%s%s", prefix, last ? "\342\224\224\342\224\200\342\224\200 " : "\342\224\234\342\224\200\342\224\200 ");
		tree_text(c);
		snprintf(next, sizeof(next), "%s%s", prefix, last ? "    " : "\342\224\202   ");
		tree_print_items(c, next);
	}
}

/* The tree as flux prints it: the text tree, or -o json (MarshalIndent) or yaml (keys sorted),
 * each followed by the newline of flux's Println. */
static int tree_print(const json_t *root, const char *output)
{
	cf_buf out = CF_BUF_INIT(64u << 20);
	json_t *sorted;
	char *text;
	int rc = 0;

	if (output && strcmp(output, "json") == 0) {
		if ((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
			return cli_fail(1, "out of memory");
		printf("%s\n", text);
		free(text);
	} else if (output && strcmp(output, "yaml") == 0) {
		sorted = cli_sorted_copy(root);
		rc = sorted ? cf_yaml_dump(&out, sorted) : cf_err_set(CF_ENOMEM, "out of memory");
		json_decref(sorted);
		if (rc == 0)
			printf("%.*s\n", (int)out.len, out.data ? out.data : "");
		else
			rc = cli_fail(1, "%s", cf_err_msg());
	} else {   /* flux prints the text tree for any other -o */
		tree_text(root);
		tree_print_items(root, "");
		putchar('\n');
	}
	cf_buf_free(&out);
	return rc;
}

int cmd_tree(int argc, char **argv)
{
	const char *output = NULL;
	int compact = 0;
	const cf_flag own[] = {
		{ "compact", CF_FLAG_BOOL, &compact, "list Flux resources only.", 0 },
		{ "output|o", CF_FLAG_STRING, &output, "the format in which the tree should be printed. can be 'json' or 'yaml'", 0 },
	};
	char *pos[POS_MAX];
	size_t npos;
	json_t *ks = NULL, *root = NULL;
	cf_kube *k;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux tree kustomization NAME", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos < 1 || (strcmp(pos[0], "kustomization") != 0 && strcmp(pos[0], "ks") != 0) || npos > 2)
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux tree kustomization NAME");
	if (npos == 1)
		return cli_fail(CLI_EXIT_USAGE, "kustomization name is required");
	if ((k = cli_client()) == NULL)
		return 1;
	if ((rc = cf_kube_get(k, &ks, &(cf_kube_ref){ KS_AV, "Kustomization", cli.namespace, pos[1] })) < 0) {
		/* flux prints the API's error as it is */
		rc = rc == CF_ENOTFOUND ? cli_fail(1, "kustomizations.%s \"%s\" not found", CF_GROUP_KUSTOMIZE, pos[1])
					: get_failed(rc, "Kustomization", pos[1]);
		goto out;
	}
	root = tree_node(CF_GROUP_KUSTOMIZE, "Kustomization", cli.namespace, pos[1]);
	if ((rc = tree_fill(k, root, ks, compact, 0)) == 0)
		rc = tree_print(root, output);
out:
	json_decref(root);
	json_decref(ks);
	cf_kube_free(k);
	return rc;
}
