/* notification-controller/provider.c - status for Providers and Alerts: a Provider is Ready
 * when what it needs to send is there (its secret, the fields its type requires), an Alert
 * when its Provider exists; both on the reconcile lifecycle (runtime/reconcile.h). Flux's v1beta3 writes no status for them; cflux's CRDs have the
 * subresource, so a misconfigured Provider is visible before an event is lost on it. */
#include "controller.h"

#include "kube/secret.h"
#include "notify.h"
#include "runtime/condition.h"
#include "runtime/reconcile.h"
#include "util/err.h"
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

/* A Provider's body: Ready when it can send; else a failure retried with backoff (its secret
 * may come). */
static int provider_body(cf_reconcile *r)
{
	const char *reason = NULL;

	if (provider_check(r->k, r->obj, &reason) < 0)
		return cf_reconcile_fail(r, reason, 0);
	return cf_reconcile_ready(r, CF_REASON_SUCCEEDED, "Initialized");
}

/* An Alert's body: Ready when its Provider exists (a quiet failure, looked at again when the
 * Provider comes, and retried with backoff), unless --no-cross-namespace-refs refuses its
 * eventSources (Stalled until the spec changes). */
static int alert_body(cf_reconcile *r)
{
	nc_ctl *c = r->ctx;
	const char *p = cf_json_str(json_object_get(r->spec, "providerRef"), "name");
	char key[512];
	int ok;

	snprintf(key, sizeof(key), "%s/%s", r->ns, p ? p : "");
	pthread_mutex_lock(&c->mu);
	ok = p && json_object_get(c->providers, key) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (!ok) {
		cf_err_set(CF_ENOTFOUND, "provider '%s' not found", key);
		return cf_reconcile_fail(r, "ProviderNotFound", CF_FAIL_QUIET);
	}
	if (nc_refs_refused(c, "Alert", r->obj) < 0)
		return cf_reconcile_fail(r, "AccessDenied", CF_FAIL_STALLED);
	return cf_reconcile_ready(r, CF_REASON_SUCCEEDED, "Initialized");
}

static int run(nc_ctl *c, cf_kube *k, cf_kind_id kind, const char *ns, const char *name, long *requeue_ms,
	       int (*body)(cf_reconcile *r))
{
	const cf_kind *kd = cf_kind_get(kind);
	const cf_reconciler rc = {
		.k = k, .api_version = kd->api_version, .kind = kd->kind, .ns = ns, .name = name,
		.no_interval = 1,   /* v1beta3: looked at on changes only, no finalizer (kept in memory) */
		.body = body, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}

int provider_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return run(c, k, CF_KIND_PROVIDER, ns, name, requeue_ms, provider_body);
}

int alert_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return run(c, k, CF_KIND_ALERT, ns, name, requeue_ms, alert_body);
}
