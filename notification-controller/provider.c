/* notification-controller/provider.c - status for Providers and Alerts: a Provider is Ready
 * when what it needs to send is there (its secret, the fields its type requires), an Alert
 * when its Provider exists. Flux's v1beta3 writes no status for them; cflux's CRDs have the
 * subresource, so a misconfigured Provider is visible before an event is lost on it. */
#include "controller.h"

#include "kube/secret.h"
#include "notify.h"
#include "runtime/condition.h"
#include "runtime/status.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

#define PROBE_EVENT "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"ns\",\"name\":\"probe\"}," \
	"\"severity\":\"info\",\"message\":\"probe\",\"reason\":\"Probe\",\"reportingController\":\"cflux\"," \
	"\"metadata\":{\"revision\":\"main@sha1:0000000000000000000000000000000000000000\"}}"

/* Whether provider can send: its secrets exist and its type's request can be built. */
static int provider_check(cf_kube *k, const json_t *provider, const char **reason)
{
	const json_t *spec = json_object_get(provider, "spec");
	const char *ns = cf_json_str(json_object_get(provider, "metadata"), "namespace");
	const char *sref = cf_json_str(json_object_get(spec, "secretRef"), "name");
	const char *cref = cf_json_str(json_object_get(spec, "certSecretRef"), "name");
	json_t *secret = NULL, *certs = NULL, *event = NULL;
	cf_notify_request r;
	int rc = 0;

	*reason = "SecretNotFound";
	if (sref)
		rc = cf_kube_secret_get(k, &secret, ns, sref);
	if (rc == 0 && cref && (rc = cf_kube_secret_get(k, &certs, ns, cref)) == 0 && cf_json_str(certs, "ca.crt") == NULL)
		rc = cf_err_set(CF_EINVAL, "secret '%s/%s' has no 'ca.crt'", ns, cref);
	if (rc == 0) {
		*reason = "ValidationFailed";
		rc = cf_notify_parse_event(&event, PROBE_EVENT, strlen(PROBE_EVENT));
		if (rc == 0 && (rc = cf_notify_build(&r, provider, event, secret)) == 0)
			cf_notify_request_free(&r);
	}
	cf_notify_wipe(secret);
	json_decref(secret);
	json_decref(certs);
	json_decref(event);
	return rc;
}

static int write_status(cf_kube *k, json_t *obj, int ok, const char *reason, const char *msg)
{
	json_t *orig = json_object_get(obj, "status") ? json_deep_copy(json_object_get(obj, "status")) : json_object();
	json_t *st = json_deep_copy(orig);
	long long gen = json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
	int rc = 0;

	cf_status_mark_handled(st, obj);
	rc = cf_condition_set(st, CF_COND_READY, ok ? "True" : "False", ok ? CF_REASON_SUCCEEDED : reason, msg, gen);
	if (rc == 0 && !json_equal(orig, st))
		rc = cf_status_patch(k, obj, st);
	json_decref(orig);
	json_decref(st);
	return rc;
}

int provider_reconcile(nc_ctl *c, cf_kube *k, const char *kind, const char *ns, const char *name)
{
	json_t *obj = NULL;
	const char *reason = NULL;
	char msg[1024];
	int rc, ok;

	rc = cf_kube_get(k, &obj, &(cf_kube_ref){ NOTIFICATION_GROUP_V1BETA3, kind, ns, name });
	if (rc == CF_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (strcmp(kind, "Provider") == 0) {
		ok = provider_check(k, obj, &reason) == 0;
		snprintf(msg, sizeof(msg), "%s", ok ? "Initialized" : cf_err_msg());
	} else {
		const char *p = cf_json_str(json_object_get(json_object_get(obj, "spec"), "providerRef"), "name");
		char key[512];
		snprintf(key, sizeof(key), "%s/%s", ns, p ? p : "");
		pthread_mutex_lock(&c->mu);
		ok = p && json_object_get(c->providers, key) != NULL;
		pthread_mutex_unlock(&c->mu);
		reason = "ProviderNotFound";
		snprintf(msg, sizeof(msg), ok ? "Initialized" : "provider '%s' not found", key);
		if (ok && nc_refs_refused(c, kind, obj) < 0) {
			ok = 0;
			reason = "AccessDenied";
			snprintf(msg, sizeof(msg), "%s", cf_err_msg());
		}
	}
	rc = write_status(k, obj, ok, reason, msg);
	json_decref(obj);
	if (rc < 0 || ok)
		return rc;
	if (strcmp(kind, "Provider") == 0)   /* retried with backoff: its secret may come (the worker logs it) */
		return cf_err_set(CF_EINVAL, "%s", msg);
	/* an Alert is looked at again when its Provider comes */
	cf_log(CF_LOG_WARN, "not ready", "kind", kind, "object", name, "namespace", ns, "error", msg, NULL);
	return 0;
}
