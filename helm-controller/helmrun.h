/* helm-controller/helmrun.h - the real helm binary, run without a shell: an argument vector built
 * from the HelmRelease (values only ever as a file), a private 0700 work directory holding the
 * controller's kubeconfig (0600), the values (0600) and the chart, a timeout, capped output. */
#ifndef HC_HELMRUN_H
#define HC_HELMRUN_H

#include "util/buf.h"

#include <jansson.h>

#include <stddef.h>

#define HC_HELM_ARGV_MAX 64
#define HC_HELM_STDOUT_MAX (16u << 20)   /* `install|upgrade -o json` holds the chart's files */
#define HC_HELM_STDERR_MAX (64u << 10)

typedef enum hc_helm_verb {
	HC_HELM_INSTALL,
	HC_HELM_UPGRADE,
	HC_HELM_ROLLBACK,
	HC_HELM_UNINSTALL,
	HC_HELM_TEST,
	HC_HELM_HISTORY,
	HC_HELM_STATUS,
	HC_HELM_MANIFEST,              /* helm get manifest */
} hc_helm_verb;

/* CRD policies (install.crds, upgrade.crds) */
typedef enum hc_crds {
	HC_CRDS_SKIP,
	HC_CRDS_CREATE,
	HC_CRDS_CREATE_REPLACE,
} hc_crds;

/* One helm command. Strings are borrowed; NULL or 0 leaves the flag out. */
typedef struct hc_helm_call {
	hc_helm_verb verb;
	const char *release, *namespace;
	const char *chart_path;        /* install, upgrade */
	const char *values_path;       /* install, upgrade: the 0600 file, never its content */
	const char *post_renderer;     /* install, upgrade: a postrenderer/v1 plugin's name */
	const char *as_user;           /* --kube-as-user (impersonation) */
	long timeout_ms;
	int max_history;               /* upgrade, rollback: --history-max (0: unlimited) */
	int wait;                      /* install, upgrade, rollback, uninstall: --wait=watcher */
	int create_namespace, force, cleanup_on_fail, keep_history;
	hc_crds crds;
	int revision;                  /* rollback: the revision (0: the previous) */
	const char *cascade;           /* uninstall: background|foreground|orphan */
	const char *description;
} hc_helm_call;

/* Builds argv (argv[0] = helm, NULL-ended) for call into argv; strings point into call and
 * into scratch (size bytes, for formatted numbers). Returns the number of arguments or
 * CF_EINVAL (a field is missing or too long). Pure. */
int hc_helm_argv(const char **argv, size_t max, char *scratch, size_t size, const char *helm,
		 const hc_helm_call *call);
const char *hc_helm_verb_str(hc_helm_verb v);

/* A private work directory (mkdtemp under parent, 0700); *dir gets its path (cf_free).
 * hc_helm_workdir_remove removes it and all it holds (safe on NULL). */
int  hc_helm_workdir(char **dir, const char *parent);
void hc_helm_workdir_remove(char *dir);
/* Writes data to dir/name with mode 0600 (never more); *path (cf_free) gets where. */
int  hc_helm_write_private(char **path, const char *dir, const char *name, const void *data, size_t len);
/* Writes the controller's own identity (kubeconfig at kubeconfig/context, or in-cluster) as
 * a kubeconfig file for helm into dir (0600); *path (cf_free). */
int  hc_helm_kubeconfig(char **path, const char *dir, const char *kubeconfig, const char *context);
/* The same for a kubeconfig already loaded (spec.kubeConfig's remote cluster): its server, CA
 * and user only, whatever else the original held. */
struct cf_kubeconfig;
int  hc_helm_kubeconfig_of(char **path, const char *dir, const struct cf_kubeconfig *kc);

/* The result of one run. */
typedef struct hc_helm_result {
	int exited, status;            /* exited: normal exit with status; else killed */
	int timed_out;
	cf_buf out, err;               /* capped at HC_HELM_STDOUT_MAX / HC_HELM_STDERR_MAX (secret
	                                  buffers: values pass through them) */
	int out_capped, err_capped;    /* bytes were dropped (over the cap, or never read: the pipe
	                                  was still held open after helm exited) */
} hc_helm_result;

/* Runs argv (argv[0] the helm binary's path) with execve: environment only HOME and the
 * HELM_*_HOME directories under workdir, HELM_PLUGINS=workdir/plugins, KUBECONFIG=kubeconfig,
 * PATH. stdin is /dev/null. After timeout_ms its process group is sent SIGTERM, SIGKILL 5 s
 * later; reading stops 1 s after helm exited (or was killed) even when a descendant that left
 * the group still holds the pipes, so a run never hangs. Returns 0 when it ran (whatever
 * its exit status: see res), or an error when it could not be started. res is the
 * caller's to free with hc_helm_result_free, also on failure. */
int  hc_helm_exec(hc_helm_result *res, const char *const *argv, const char *workdir, const char *kubeconfig,
		  long timeout_ms);
void hc_helm_result_free(hc_helm_result *res);
/* helm's error in words (its stderr without the "Error: " prefix and trailing space, at most
 * size-1 bytes), into out. */
void hc_helm_error_text(char *out, size_t size, const hc_helm_result *res);

/* What a run came to: 0 when helm exited 0 and, for a verb whose reply is parsed (history,
 * status, get manifest), its whole stdout was read; CF_ETOOBIG when that reply was cut (never
 * parsed in part); else CF_EAPI with helm's error in words (hc_helm_error_text), every
 * occurrence of a string of redact (an array of strings, NULL: none) replaced by "***", and
 * a hint (hc_helm_hint). The message is recorded (cf_err). */
int  hc_helm_outcome(const hc_helm_result *res, hc_helm_verb verb, long timeout_ms, const json_t *redact);
/* Replaces in msg (NUL-terminated, rewritten in place) every occurrence of each string of redact
 * (shorter than 3 bytes: left, they would mangle words) with "***". Returns msg. Pure. */
char *hc_helm_redact(char *msg, const json_t *redact);

/* helm's error in words a user can act on: msg (size bytes, rewritten in place) with a hint
 * appended when it is one helm gives for a known cause; timeout_ms is helm's --timeout. Returns
 * msg. Pure. */
const char *hc_helm_hint(char *msg, size_t size, long timeout_ms);

#endif
