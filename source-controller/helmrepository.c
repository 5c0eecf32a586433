/* source-controller/helmrepository.c - HelmRepository: index.yaml over HTTP(S) -> parsed and
 * checked -> stored as the artifact index-<hex>.yaml with revision = digest = sha256 of the
 * bytes fetched (as Flux since source-controller #1035); `type: oci` has no artifact, only
 * Ready. Also the repository's HTTP client (helm_repo_*), which HelmChart downloads use. */
#include "controller.h"

#include "kube/secret.h"
#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/artifact.h"
#include "source/helm.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 60000L

/* Flux's reasons */
#define R_AUTH "AuthenticationFailed"
#define R_INDEX "IndexationFailed"
#define R_STORAGE "StorageOperationFailed"
#define R_URL "URLInvalid"

/* ---- the client ---- */

static int secret_load(json_t **out, cf_kube *k, const char *ns, const json_t *ref, const char *field)
{
	const char *name = cf_json_str(ref, "name");

	*out = NULL;
	if (ref == NULL)
		return 0;
	if (name == NULL)
		return cf_err_set(CF_EINVAL, "spec.%s.name is required", field);
	if (cf_kube_secret_get(k, out, ns, name) < 0)
		return cf_err_prefix("failed to get secret '%s/%s'", ns, name);
	return 0;
}

static const char *sv(const json_t *s, const char *key, size_t *len)
{
	const json_t *v = json_object_get(s, key);

	if (len)
		*len = v ? json_string_length(v) : 0;
	return json_string_value(v);
}

/* TLS from certSecretRef (ca.crt, tls.crt, tls.key), else the old keys of secretRef (caFile,
 * certFile, keyFile), as Flux reads them. */
static void tls_from_secrets(cf_http_tls *tls, const json_t *cert, const json_t *auth)
{
	const json_t *s = cert ? cert : auth;
	const char *ca = cert ? "ca.crt" : "caFile", *crt = cert ? "tls.crt" : "certFile", *key = cert ? "tls.key" : "keyFile";

	tls->ca = sv(s, ca, &tls->ca_len);
	tls->cert = sv(s, crt, &tls->cert_len);
	tls->key = sv(s, key, &tls->key_len);
}

static void url_host(char *out, size_t size, const char *url)
{
	const char *p = strstr(url, "://");
	const char *end = p ? strchr(p + 3, '/') : NULL;

	snprintf(out, size, "%.*s", (int)(end ? (size_t)(end - url) : strlen(url)), url);
}

int helm_repo_open(helm_repo *r, cf_kube *k, const json_t *repo, long timeout_ms, const char **reason)
{
	const json_t *md = json_object_get(repo, "metadata"), *spec = json_object_get(repo, "spec");
	const char *ns = cf_json_str(md, "namespace"), *url = cf_json_str(spec, "url");
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	*reason = R_AUTH;
	snprintf(r->url, sizeof(r->url), "%s", url ? url : "");
	url_host(r->host, sizeof(r->host), r->url);
	r->pass_credentials = json_is_true(json_object_get(spec, "passCredentials"));
	r->timeout_ms = timeout_ms;
	if ((rc = secret_load(&r->secret, k, ns, json_object_get(spec, "secretRef"), "secretRef")) < 0 ||
	    (rc = secret_load(&r->cert_secret, k, ns, json_object_get(spec, "certSecretRef"), "certSecretRef")) < 0)
		goto fail;
	r->username = sv(r->secret, "username", NULL);
	r->password = sv(r->secret, "password", NULL);
	if (r->secret && (r->username == NULL) != (r->password == NULL)) {
		rc = cf_err_set(CF_EINVAL, "invalid '%s' secret data: required fields 'username' and 'password'",
				cf_json_str(json_object_get(spec, "secretRef"), "name"));
		goto fail;
	}
	o.user_agent = "cflux-source-controller";
	o.timeout_ms = timeout_ms;
	tls_from_secrets(&o.tls, r->cert_secret, r->secret);
	*reason = R_INDEX;
	if ((rc = cf_http_new(&r->http, &o)) < 0)
		goto fail;
	return 0;
fail:
	helm_repo_close(r);
	return rc;
}

int helm_repo_get(helm_repo *r, const char *url, cf_buf *out, size_t max)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response resp;
	char host[512], shown[2048];
	int rc;

	url_host(host, sizeof(host), url);
	req.url = url;
	req.max_body = max;
	req.follow_redirects = 1;
	if (r->username && (r->pass_credentials || strcmp(host, r->host) == 0)) {
		req.username = r->username;
		req.password = r->password;
	}
	rc = cf_http_do(r->http, &req, &resp);
	cf_url_redact(shown, sizeof(shown), url);
	if (rc == CF_ETOOBIG)
		rc = cf_err_set(CF_ETOOBIG, "GET %s: the reply is over the %zu byte limit", shown, max);
	else if (rc == 0 && (resp.code == 401 || resp.code == 403))
		rc = cf_err_set(CF_EAUTH, "GET %s: %ld %s", shown, resp.code,
				resp.code == 401 ? "Unauthorized (wrong or missing credentials)" : "Forbidden");
	else if (rc == 0 && (resp.code < 200 || resp.code > 299))
		rc = cf_err_set(CF_EIO, "GET %s: HTTP %ld", shown, resp.code);
	else if (rc == 0) {
		cf_buf_reset(out);
		rc = cf_buf_append(out, resp.body.data ? resp.body.data : "", resp.body.len);
	}
	cf_http_response_free(&resp);
	return rc;
}

void helm_repo_close(helm_repo *r)
{
	cf_http_free(r->http);
	cf_kube_secret_free(r->secret);
	cf_kube_secret_free(r->cert_secret);
	memset(r, 0, sizeof(*r));
}

/* ---- the reconcile ---- */


static int succeed(cf_reconcile *p, const char *revision)
{
	char msg[300];
	int rc;

	snprintf(msg, sizeof(msg), "stored artifact: revision '%s'", revision);
	rc = cf_reconcile_ready(p, CF_REASON_SUCCEEDED, msg);
	if (rc == 0)
		rc = cf_condition_set(p->status, "ArtifactInStorage", "True", CF_REASON_SUCCEEDED, msg, p->generation);
	return rc;
}

/* Writes the index as index-<hex>.yaml, publishes status, then the event and the notice. */
static int store(cf_reconcile *p, const cf_buf *index, const char *digest)
{
	src_ctl *c = p->ctx;
	cf_buf dir = CF_BUF_INIT(8192), path = CF_BUF_INIT(8192), url = CF_BUF_INIT(8192);
	char file[100], msg[400];
	size_t size = index->len;
	int rc;

	snprintf(file, sizeof(file), "index-%s.yaml", digest + 7);
	rc = src_artifact_paths(&dir, &path, &url, c, CF_KIND_HELMREPOSITORY, p->ns, p->name, file);
	if (rc == 0) rc = cf_artifact_write_bytes(dir.data, file, index->data, index->len);
	if (rc < 0)
		goto out;
	src_storage_retain(dir.data, file);
	if ((rc = src_storage_set_artifact(p->status, path.data, url.data, digest, digest, size, 1)) < 0 ||
	    (rc = succeed(p, digest)) < 0 || (rc = cf_reconcile_write_status(p)) < 0)
		goto out;
	char shown[600];

	cf_url_redact(shown, sizeof(shown), cf_json_str(p->spec, "url") ? cf_json_str(p->spec, "url") : "");
	snprintf(msg, sizeof(msg), "stored fetched index of size %zu from '%.300s'", size, shown);
	cf_event_emit_revision(p->k, c->events, p->obj, "Normal", "NewArtifact", msg, digest, digest, SOURCE_CONTROLLER);
	src_notice_publish(c, CF_KIND_HELMREPOSITORY, p->ns, p->name, digest, digest, path.data);
	cf_log(CF_LOG_INFO, "stored artifact", "kind", "HelmRepository", "object", p->name, "namespace", p->ns,
	       "revision", digest, NULL);
out:
	cf_buf_free(&dir);
	cf_buf_free(&path);
	cf_buf_free(&url);
	return rc;
}

/* type: oci - nothing to fetch: the URL is checked, and Ready says so (Flux's OCI reconciler
 * logs in to check credentials; charts are pulled by the HelmChart). */
static int reconcile_oci(cf_reconcile *p, const char *url)
{
	if (strncmp(url, "oci://", 6) != 0) {
		char shown[600];
		cf_url_redact(shown, sizeof(shown), url);   /* credentials written in the URL stay out */
		cf_err_set(CF_EINVAL, "invalid Helm repository URL '%s': type 'oci' needs an oci:// URL", shown);
		return cf_reconcile_fail(p, R_URL, CF_FAIL_STALLED);
	}
	json_object_del(p->status, "artifact");
	json_object_del(p->status, "url");
	cf_condition_remove(p->status, "ArtifactInStorage");
	return cf_reconcile_ready(p, CF_REASON_SUCCEEDED, "Helm repository is Ready");
}

static int fetch_index(cf_reconcile *p, cf_buf *index, char digest[72])
{
	const char *url = cf_json_str(p->spec, "url"), *reason = R_INDEX;
	char index_url[2200];
	json_t *parsed = NULL;
	helm_repo r;
	int rc;

	if ((rc = helm_repo_open(&r, p->k, p->obj, p->timeout_ms, &reason)) < 0)
		return cf_reconcile_fail(p, reason, 0);
	rc = cf_helm_chart_url(index_url, sizeof(index_url), url, "index.yaml");
	if (rc == 0) rc = helm_repo_get(&r, index_url, index, CF_HELM_INDEX_MAX);
	if (rc == 0) rc = cf_helm_index_parse(&parsed, index->data, index->len, "index.yaml");
	helm_repo_close(&r);
	json_decref(parsed);
	if (rc < 0) {
		cf_err_prefix("failed to fetch Helm repository index");
		return cf_reconcile_fail(p, rc == CF_EAUTH ? R_AUTH : R_INDEX, 0);
	}
	cf_sha256_of(digest, index->data, index->len);
	snprintf(p->revision, sizeof(p->revision), "%s", digest);
	return 0;
}

static int body(cf_reconcile *p)
{
	const char *url = cf_json_str(p->spec, "url"), *type = cf_json_str(p->spec, "type");
	cf_buf index = CF_BUF_INIT(CF_HELM_INDEX_MAX);
	char digest[72];
	int rc;

	if (url == NULL || *url == '\0') {
		cf_err_set(CF_EINVAL, "spec.url is required");
		return cf_reconcile_fail(p, R_URL, CF_FAIL_STALLED);
	}
	if (type && strcmp(type, "oci") == 0)
		return reconcile_oci(p, url);
	if (type && *type && strcmp(type, "default") != 0) {
		cf_err_set(CF_EINVAL, "spec.type '%s' is not supported: 'default' or 'oci'", type);
		return cf_reconcile_fail(p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		char shown[600];
		cf_url_redact(shown, sizeof(shown), url);
		cf_err_set(CF_EINVAL, "invalid Helm repository URL '%s': scheme must be http or https", shown);
		return cf_reconcile_fail(p, R_URL, CF_FAIL_STALLED);
	}
	if ((rc = fetch_index(p, &index, digest)) < 0)
		goto out;
	if (src_storage_current(p->ctx, p->status, digest, NULL)) {
		/* unchanged index: nothing written, status only if something in it is stale */
		cf_log(CF_LOG_DEBUG, "index unchanged", "kind", "HelmRepository", "object", p->name, "namespace", p->ns,
		       "revision", digest, NULL);
		rc = succeed(p, digest);
		goto out;
	}
	if ((rc = store(p, &index, digest)) < 0)
		rc = cf_reconcile_fail(p, R_STORAGE, 0);
out:
	cf_buf_free(&index);
	return rc;
}

int helmrepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	return src_source_reconcile(c, k, CF_KIND_HELMREPOSITORY, ns, name, requeue_ms, body, DEFAULT_TIMEOUT_MS);
}
