/* cli/delete.c - cflux delete KIND NAME...: asks first (unless --silent), deletes, and waits
 * until the object is gone (its controller's finalizer has run), as flux delete does. */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/err.h"

#include <string.h>
#include <time.h>

#define POS_MAX 8

/* flux's confirmation prompt: "y" (or "yes") goes on, anything else (EOF too) aborts. */
static int confirmed(const char *kind)
{
	char line[64];

	fprintf(stderr, "? Are you sure you want to delete this %s? [y/N] ", kind);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* Polls until ref is gone: 0, 1 on timeout or a failed GET. */
static int wait_gone(cf_kube *k, const cf_kube_ref *ref)
{
	struct timespec nap = { 0, 250 * 1000000L };

	for (long waited = 0;; waited += 250) {
		int rc = cf_kube_get(k, NULL, ref);
		if (rc == CF_ENOTFOUND) {
			cf_err_clear();
			return 0;
		}
		if (rc < 0)
			return cli_fail(1, "%s '%s/%s': %s", ref->kind, ref->namespace, ref->name, cf_err_msg());
		if (waited >= cli.timeout_ms)
			return cli_fail(1, "timed out after %lds waiting for %s '%s/%s' to be deleted (its finalizer has not run)",
					waited / 1000, ref->kind, ref->namespace, ref->name);
		nanosleep(&nap, NULL);
	}
}

static int delete_one(cf_kube *k, const cf_kind *kd, const char *name, int silent)
{
	cf_kube_ref ref = { kd->api_version, kd->kind, cli.namespace, name };
	json_t *o = NULL;
	int rc = cf_kube_get(k, &o, &ref);

	if (rc == CF_ENOTFOUND)
		return cli_fail(1, "%s '%s/%s' not found", kd->kind, cli.namespace, name);
	if (rc < 0)
		return cli_fail(1, "%s '%s/%s': %s", kd->kind, cli.namespace, name, cf_err_msg());
	if (!silent) {
		int suspended = json_is_true(json_object_get(json_object_get(o, "spec"), "suspend"));
		if (kd->id == CF_KIND_KUSTOMIZATION && !suspended)
			cli_say("This action will remove the Kubernetes objects previously applied by the %s kustomization!", name);
		if (kd->id == CF_KIND_HELMRELEASE && !suspended)
			cli_say("This action will remove the Kubernetes objects previously applied by the %s Helm release!", name);
		if (!confirmed(kd->kind)) {
			json_decref(o);
			return cli_fail(1, "aborting");
		}
	}
	json_decref(o);
	cli_say("deleting %s %s in %s namespace", kd->cli[0], name, cli.namespace);
	if ((rc = cf_kube_delete(k, &ref, NULL)) < 0 && rc != CF_ENOTFOUND)
		return cli_fail(1, "%s '%s/%s': %s", kd->kind, cli.namespace, name, cf_err_msg());
	if (wait_gone(k, &ref) != 0)
		return 1;
	cli_ok("%s deleted", kd->cli[0]);
	return 0;
}

int cmd_delete(int argc, char **argv)
{
	int silent = 0, rc, failed = 0;
	const cf_flag own[] = { { "silent|s", CF_FLAG_BOOL, &silent, "delete the resource without asking for confirmation", 0 } };
	const char *usage = "usage: cflux delete KIND NAME... [--silent] (KIND: source git|helm|chart|oci, kustomization, helmrelease, alert, alert-provider, receiver)";
	char *pos[POS_MAX];
	size_t npos, used;
	const cf_kind *kd;
	cf_kube *k;

	if ((rc = cli_parse(own, 1, argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	kd = cf_kind_from_args(pos, npos, &used);
	if (kd == NULL || npos <= used)
		return cli_fail(CLI_EXIT_USAGE, "%s", usage);
	if ((k = cli_client()) == NULL)
		return 1;
	for (size_t i = used; i < npos; i++)
		failed |= delete_one(k, kd, pos[i], silent) != 0;
	cf_kube_free(k);
	return failed ? 1 : 0;
}
