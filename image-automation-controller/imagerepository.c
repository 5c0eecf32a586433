/* image-automation-controller/imagerepository.c - ImageRepository, as Flux's
 * image-reflector-controller scans (on runtime/reconcile.h):
 *
 *   body ─ spec.image "[host[:port]/]path" without a tag (else Stalled, ImageURLInvalid);
 *          canonical name as go-containerregistry's (Docker Hub: index.docker.io/library/x)
 *        ─ scan due? (never scanned, requestedAt new, image or exclusionList changed, no tag
 *          store, interval passed) else requeue at the next scan, nothing written
 *        ─ credentials: secretRef (.dockerconfigjson), serviceAccountName's imagePullSecrets,
 *          certSecretRef, insecure (AuthenticationFailed when a Secret cannot be read)
 *        ─ tags through source/oci (token auth, Link pages) ─ exclusionList (default ^.*\.sig$)
 *        ─ the tag store (tagstore.h) rewritten only when the tags changed; unchanged tags and
 *          an unchanged spec write no status either
 *        ─ status.lastScanResult {revision, tagCount, scanTime, latestTags (10, descending)},
 *          canonicalImageName, observedExclusionList; Ready "successful scan: found N tags
 *          with checksum <revision>"; an event when the tags changed
 *
 * Failures: ReadOperationFailed (the registry; AuthenticationFailed for a refused login),
 * ImageURLInvalid and InvalidSpec (an exclusion pattern) are Stalled. The store is removed
 * with the object (finalizer). */
#include "controller.h"
#include "imgregex.h"
#include "tagstore.h"

#include "runtime/condition.h"
#include "runtime/event.h"
#include "runtime/reconcile.h"
#include "runtime/status.h"
#include "source/oci.h"
#include "source/oci_client.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define R_URL      "ImageURLInvalid"
#define R_READ     "ReadOperationFailed"
#define R_AUTH     "AuthenticationFailed"
#define LATEST_TAGS 10
#define EXCLUSIONS_MAX 25
#define DEFAULT_EXCLUSION "^.*\\.sig$"

/* spec.image as go-containerregistry's name.NewRepository reads it */
int iac_image_parse(iac_image *out, const char *text)
{
	const char *slash, *first_end, *colon = text ? strrchr(text, ':') : NULL, *last = text ? strrchr(text, '/') : NULL;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return cf_err_set(CF_EINVAL, "spec.image is required");
	if (strstr(text, "://"))
		return cf_err_set(CF_EINVAL, "spec.image '%.200s' must not start with a URL scheme", text);
	if (strchr(text, '@') || (colon && (last == NULL || colon > last)))
		return cf_err_set(CF_EINVAL, "spec.image '%.200s' must not contain a tag or a digest", text);
	slash = strchr(text, '/');
	first_end = slash ? slash : text + strlen(text);
	hlen = (size_t)(first_end - text);
	if (slash && (memchr(text, '.', hlen) || memchr(text, ':', hlen) || (hlen == 9 && strncmp(text, "localhost", 9) == 0))) {
		snprintf(out->registry, sizeof(out->registry), "%.*s", (int)hlen, text);
		snprintf(out->repository, sizeof(out->repository), "%s", slash + 1);
	} else {
		snprintf(out->registry, sizeof(out->registry), "index.docker.io");
		snprintf(out->repository, sizeof(out->repository), "%s%s", slash ? "" : "library/", text);
	}
	if (strcmp(out->registry, "docker.io") == 0)
		snprintf(out->registry, sizeof(out->registry), "index.docker.io");
	for (const char *p = out->repository; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
			return cf_err_set(CF_EINVAL, "spec.image '%.200s': repository must be lower-case letters, digits and ._-/", text);
	if (out->repository[0] == '\0' || strlen(out->repository) >= sizeof(out->repository) - 1)
		return cf_err_set(CF_EINVAL, "spec.image '%.200s' has no repository", text);
	snprintf(out->api_host, sizeof(out->api_host), "%s",
		 strcmp(out->registry, "index.docker.io") == 0 ? "registry-1.docker.io" : out->registry);
	snprintf(out->canonical, sizeof(out->canonical), "%s/%s", out->registry, out->repository);
	return 0;
}

typedef struct rec {
	cf_reconcile *p;
	iac_ctl *c;
	iac_image img;
	json_t *exclusions;       /* the list in force (spec's or the default) */
	iac_regex re[EXCLUSIONS_MAX];
	size_t nre;
	char dir[1024], file[1100];
} rec;

static const json_t *last_scan(const rec *r)
{
	return json_object_get(r->p->written, "lastScanResult");
}

/* Flux's shouldScan: 0 and *wait_ms when the last scan still stands */
static int scan_due(rec *r, long *wait_ms)
{
	const json_t *st = r->p->written, *scan = last_scan(r);
	const char *req = cf_json_str(json_object_get(json_object_get(r->p->obj, "metadata"), "annotations"),
				      CF_REQUESTED_AT_ANNOTATION);
	const char *handled = cf_json_str(st, "lastHandledReconcileAt"), *when = cf_json_str(scan, "scanTime");
	const char *canonical = cf_json_str(st, "canonicalImageName");
	struct tm tm = { 0 };
	long age_ms;

	*wait_ms = 0;
	if (scan == NULL || when == NULL || (req && (handled == NULL || strcmp(req, handled) != 0)))
		return 1;
	if (canonical == NULL || strcmp(canonical, r->img.canonical) != 0 ||
	    !json_equal(json_object_get(st, "observedExclusionList"), r->exclusions))
		return 1;
	if (access(r->file, R_OK) != 0 || json_integer_value(json_object_get(scan, "tagCount")) == 0)
		return 1;
	if (strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 1;
	age_ms = (long)(time(NULL) - timegm(&tm)) * 1000;
	if (age_ms < 0 || r->p->interval_ms - age_ms < 1000)
		return 1;
	*wait_ms = r->p->interval_ms - age_ms;
	return 0;
}

/* spec.exclusionList (default ^.*\.sig$), compiled into r->re */
static int read_exclusions(rec *r)
{
	const json_t *list = json_object_get(r->p->spec, "exclusionList"), *e;
	size_t i;

	r->exclusions = json_is_array(list) ? json_incref((json_t *)list) : json_pack("[s]", DEFAULT_EXCLUSION);
	if (r->exclusions == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (json_array_size(r->exclusions) > EXCLUSIONS_MAX)
		return cf_err_set(CF_EINVAL, "spec.exclusionList has more than %d patterns", EXCLUSIONS_MAX);
	json_array_foreach(r->exclusions, i, e) {
		char field[64];
		snprintf(field, sizeof(field), "spec.exclusionList[%zu]", i);
		if (!json_is_string(e))
			return cf_err_set(CF_EINVAL, "%s is not a string", field);
		if (iac_regex_compile(&r->re[i], json_string_value(e), field) < 0)
			return -1;
		r->nre++;
	}
	return 0;
}

/* tags without the excluded ones (a new array) */
static json_t *filter_tags(const rec *r, const json_t *tags)
{
	regmatch_t m[IAC_REGEX_GROUPS_MAX + 1];
	json_t *out = json_array(), *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		int excluded = 0;
		for (size_t j = 0; j < r->nre && !excluded; j++)
			excluded = iac_regex_match(&r->re[j], json_string_value(t), m);
		if (!excluded && out && json_array_append(out, t) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* status.lastScanResult for the stored tags (sorted ascending): the 10 latest descending */
static json_t *scan_result(const json_t *sorted, const char *revision)
{
	json_t *latest = json_array();
	size_t n = json_array_size(sorted);
	char now[32];

	for (size_t i = 0; i < LATEST_TAGS && i < n && latest; i++)
		json_array_append(latest, json_array_get(sorted, n - 1 - i));
	cf_time_now(now);
	return json_pack("{s:s,s:I,s:s,s:o}", "revision", revision, "tagCount", (json_int_t)n, "scanTime", now,
			 "latestTags", latest);
}

static int client_for(rec *r, cf_oci **client)
{
	cf_oci_client_options o = CF_OCI_CLIENT_OPTIONS_INIT;

	o.registry = r->img.api_host;
	o.timeout_ms = r->p->timeout_ms;
	o.user_agent = IMAGE_AUTOMATION_CONTROLLER;
	o.service_account = 1;
	return cf_oci_client_for_spec(client, r->p->k, r->p->ns, r->p->spec, &o);
}

/* the revision of a tag list: sha256 of its store bytes */
static int tags_revision(char out[72], const json_t *tags, size_t max)
{
	cf_buf b = CF_BUF_INIT(sizeof(IAC_TAGS_MAGIC) + 24 + max * (IAC_TAG_LEN_MAX + 1));
	int rc = iac_tags_encode(&b, tags, max);

	if (rc == 0)
		cf_sha256_of(out, b.data, b.len);
	cf_buf_free(&b);
	return rc;
}

/* lists, filters and stores the tags; status set; *changed when the store was rewritten */
static int scan(rec *r, int *changed)
{
	size_t max = (size_t)r->c->tags_max;
	json_t *tags = NULL, *kept = NULL, *stored = NULL;
	const char *old;
	cf_oci *client = NULL;
	char revision[72], msg[256];
	int rc;

	if ((rc = client_for(r, &client)) < 0) {
		rc = cf_reconcile_fail(r->p, R_AUTH, 0);
		goto out;
	}
	rc = r->c->tags_page_size > 0 ? cf_oci_tags_list_paged(client, &tags, r->img.repository, (int)r->c->tags_page_size)
				       : cf_oci_tags_list(client, &tags, r->img.repository);
	if (rc < 0) {
		cf_err_prefix("scan failed");
		rc = cf_reconcile_fail(r->p, rc == CF_EAUTH ? R_AUTH : R_READ, 0);
		goto out;
	}
	if ((kept = filter_tags(r, tags)) == NULL) {
		rc = cf_err_set(CF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = iac_tags_store(changed, r->dir, r->file, kept, max)) < 0 ||
	    (rc = iac_tags_load(&stored, r->file, max)) < 0 || (rc = tags_revision(revision, stored, max)) < 0) {
		cf_err_prefix("scan failed");
		rc = cf_reconcile_fail(r->p, R_READ, 0);
		goto out;
	}
	/* unchanged tags: the last scan result stands (no status write for a scan that found nothing new) */
	old = cf_json_str(last_scan(r), "revision");
	if (*changed || old == NULL || strcmp(old, revision) != 0)
		json_object_set_new(r->p->status, "lastScanResult", scan_result(stored, revision));
	json_object_set_new(r->p->status, "canonicalImageName", json_string(r->img.canonical));
	json_object_set(r->p->status, "observedExclusionList", r->exclusions);
	snprintf(r->p->revision, sizeof(r->p->revision), "%s", revision);
	snprintf(msg, sizeof(msg), "successful scan: found %zu tags with checksum %s", json_array_size(stored), revision);
	rc = cf_reconcile_ready(r->p, CF_REASON_SUCCEEDED, msg);
	cf_log(CF_LOG_DEBUG, "scanned", "object", r->p->key, "tags", msg, "stored", *changed ? "changed" : "unchanged", NULL);
out:
	cf_oci_free(client);
	json_decref(tags);
	json_decref(kept);
	json_decref(stored);
	return rc;
}

static int body(cf_reconcile *p)
{
	rec r = { .p = p, .c = p->ctx };
	const char *before = cf_json_str(json_object_get(p->written, "lastScanResult"), "revision");
	char before_rev[72];
	long wait_ms;
	int changed = 0, rc;

	snprintf(before_rev, sizeof(before_rev), "%s", before ? before : "");
	if (iac_image_parse(&r.img, cf_json_str(p->spec, "image")) < 0)
		return cf_reconcile_fail(p, R_URL, CF_FAIL_STALLED);
	if (iac_tags_path(r.dir, sizeof(r.dir), r.file, sizeof(r.file), r.c->storage_path, p->ns, p->name) < 0)
		return cf_reconcile_fail(p, R_READ, CF_FAIL_STALLED);
	if (read_exclusions(&r) < 0) {
		rc = cf_reconcile_fail(p, CF_REASON_INVALID_SPEC, CF_FAIL_STALLED);
		goto out;
	}
	if (!scan_due(&r, &wait_ms)) {
		p->requeue_ms = wait_ms;   /* the status as it is: Ready stays what the last scan said */
		rc = 0;
		goto out;
	}
	rc = scan(&r, &changed);
	/* Flux's event: the tags changed (the Ready message with them) */
	if (rc == 0 && strcmp(before_rev, p->revision) != 0 && cf_reconcile_write_status(p) == 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "successful scan: found %lld tags",
			 (long long)json_integer_value(json_object_get(json_object_get(p->status, "lastScanResult"), "tagCount")));
		cf_event_emit_revision(p->k, r.c->events, p->obj, "Normal", CF_REASON_SUCCEEDED, msg, p->revision, NULL,
				       IMAGE_AUTOMATION_CONTROLLER);
	}
out:
	for (size_t i = 0; i < r.nre; i++)
		iac_regex_free(&r.re[i]);
	json_decref(r.exclusions);
	return rc;
}

/* the store goes with the object */
static int remove_store(const char *storage, const char *ns, const char *name)
{
	char dir[1024], file[1100];

	if (iac_tags_path(dir, sizeof(dir), file, sizeof(file), storage, ns, name) < 0)
		return 0;
	unlink(file);
	rmdir(dir);
	return 0;
}

static int finalize(cf_reconcile *p)
{
	iac_ctl *c = p->ctx;

	return remove_store(c->storage_path, p->ns, p->name);
}

static int on_gone(const cf_reconciler *rc)
{
	iac_ctl *c = rc->ctx;

	return remove_store(c->storage_path, rc->ns, rc->name);
}

static void event_hook(cf_reconcile *p, const char *type, const char *reason, const char *message)
{
	iac_ctl *c = p->ctx;

	cf_event_emit_revision(p->k, c->events, p->obj, type, reason, message, NULL, NULL, IMAGE_AUTOMATION_CONTROLLER);
}

int imagerepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms)
{
	const cf_reconciler rc = {
		.k = k, .api_version = CF_AV_IMAGEREPOSITORY, .kind = "ImageRepository", .ns = ns, .name = name,
		.finalizer = CF_FINALIZER, .on_gone = on_gone, .finalize = finalize, .body = body,
		.event = event_hook, .ctx = c,
	};

	return cf_reconcile_run(requeue_ms, &rc);
}
