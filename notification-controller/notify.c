/* notification-controller/notify.c - events, alert matching and provider payloads. */
#include "notify.h"

#include "kube/secret.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <mbedtls/md.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define SLACK_BOT_URL "https://slack.com/api/chat.postMessage"
#define TELEGRAM_URL "https://api.telegram.org"
#define FLUX_ICON "https://avatars.githubusercontent.com/u/52158677"

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- events ---- */

static int need_string(const json_t *o, const char *field, const char *where)
{
	const json_t *v = json_object_get(o, field);

	if (!json_is_string(v) || json_string_length(v) == 0)
		return cf_err_set(CF_EINVAL, "event: %s%s is required (a non-empty string)", where, field);
	return 0;
}

int cf_notify_parse_event(json_t **out, const char *data, size_t len)
{
	json_error_t je;
	json_t *ev, *io, *md, *v;
	const char *key, *sev;
	int rc = 0;

	*out = NULL;
	if (len > CF_NOTIFY_EVENT_MAX)
		return cf_err_set(CF_ETOOBIG, "event: %zu bytes, more than %u", len, CF_NOTIFY_EVENT_MAX);
	ev = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (ev == NULL)
		return cf_err_set(CF_EINVAL, "event: invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
	io = json_object_get(ev, "involvedObject");
	if (!json_is_object(ev))
		rc = cf_err_set(CF_EINVAL, "event: not a JSON object");
	else if (!json_is_object(io))
		rc = cf_err_set(CF_EINVAL, "event: involvedObject is required (an object)");
	if (rc == 0) rc = need_string(io, "kind", "involvedObject.");
	if (rc == 0) rc = need_string(io, "name", "involvedObject.");
	if (rc == 0) rc = need_string(io, "namespace", "involvedObject.");
	if (rc == 0) rc = need_string(ev, "severity", "");
	if (rc == 0) rc = need_string(ev, "reason", "");
	if (rc == 0) rc = need_string(ev, "message", "");
	if (rc == 0) rc = need_string(ev, "reportingController", "");
	sev = cf_json_str(ev, "severity");
	if (rc == 0 && !streq(sev, "info") && !streq(sev, "error"))
		rc = cf_err_set(CF_EINVAL, "event: severity must be info or error, not '%.40s'", sev);
	if (rc == 0 && json_object_get(ev, "timestamp") && !json_is_string(json_object_get(ev, "timestamp")))
		rc = cf_err_set(CF_EINVAL, "event: timestamp must be a string");
	md = json_object_get(ev, "metadata");
	if (rc == 0 && md && !json_is_object(md) && !json_is_null(md))
		rc = cf_err_set(CF_EINVAL, "event: metadata must be an object of strings");
	if (rc == 0 && json_is_object(md)) {
		void *tmp;
		/* a null value is no value, as Flux's decoding into map[string]string reads it */
		json_object_foreach_safe(md, tmp, key, v)
			if (json_is_null(v))
				json_object_del(md, key);
	}
	if (rc == 0 && json_is_object(md))
		json_object_foreach(md, key, v)
			if (!json_is_string(v)) {
				rc = cf_err_set(CF_EINVAL, "event: metadata.%.80s must be a string", key);
				break;
			}
	if (rc < 0) {
		json_decref(ev);
		return rc;
	}
	*out = ev;
	return 0;
}

/* ---- alerts ---- */

static int regex_any(const json_t *list, const char *text, int *bad)
{
	const json_t *p;
	size_t i;

	json_array_foreach(list, i, p) {
		regex_t re;
		int hit;
		if (!json_is_string(p) || regcomp(&re, json_string_value(p), REG_EXTENDED | REG_NOSUB) != 0) {
			*bad = 1;
			continue;
		}
		hit = regexec(&re, text, 0, NULL, 0) == 0;
		regfree(&re);
		if (hit)
			return 1;
	}
	return 0;
}

static int labels_match(const json_t *want, const json_t *have)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)want, k, v)
		if (!streq(json_string_value(v), cf_json_str(have, k)))
			return 0;
	return 1;
}

int cf_notify_alert_matches(const json_t *alert, const json_t *event, const json_t *labels, const char **why)
{
	const json_t *spec = json_object_get(alert, "spec"), *io = json_object_get(event, "involvedObject"), *src;
	const char *alert_ns = cf_json_str(json_object_get(alert, "metadata"), "namespace");
	const char *sev = cf_json_str(spec, "eventSeverity"), *msg = cf_json_str(event, "message");
	size_t i;
	int bad = 0, source = 0;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (json_is_true(json_object_get(spec, "suspend"))) {
		*why = "suspended";
		return 0;
	}
	if (streq(sev, "error") && !streq(cf_json_str(event, "severity"), "error")) {
		*why = "severity";
		return 0;
	}
	json_array_foreach(json_object_get(spec, "eventSources"), i, src) {
		const char *kind = cf_json_str(src, "kind"), *name = cf_json_str(src, "name");
		const char *ns = cf_json_str(src, "namespace") ? cf_json_str(src, "namespace") : alert_ns;
		const json_t *ml = json_object_get(src, "matchLabels");
		if (!streq(kind, cf_json_str(io, "kind")) || !streq(ns, cf_json_str(io, "namespace")))
			continue;
		if (streq(name, "*")) {
			if (json_object_size(ml) > 0 && !labels_match(ml, labels))
				continue;
		} else if (!streq(name, cf_json_str(io, "name"))) {
			continue;
		}
		source = 1;
		break;
	}
	if (!source) {
		*why = "source";
		return 0;
	}
	if (json_array_size(json_object_get(spec, "inclusionList")) > 0 &&
	    !regex_any(json_object_get(spec, "inclusionList"), msg ? msg : "", &bad)) {
		*why = bad ? "inclusionList has an invalid regular expression" : "inclusionList";
		return 0;
	}
	if (regex_any(json_object_get(spec, "exclusionList"), msg ? msg : "", &bad)) {
		*why = "exclusionList";
		return 0;
	}
	return 1;
}

/* ---- providers ---- */

static void lower_kind(char *out, size_t size, const char *kind)
{
	size_t i = 0;

	for (; kind && kind[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)kind[i]);
	out[i] = '\0';
}

/* "kustomization/podinfo.flux-system", as Flux names objects in messages. */
static void object_title(char *out, size_t size, const json_t *event)
{
	const json_t *io = json_object_get(event, "involvedObject");
	char kind[128];

	lower_kind(kind, sizeof(kind), cf_json_str(io, "kind"));
	snprintf(out, size, "%s/%s.%s", kind, cf_json_str(io, "name"), cf_json_str(io, "namespace"));
}

static int set_header(cf_notify_request *r, const char *name, const char *value)
{
	return json_object_set_new(r->headers, name, json_string(value)) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}

static int body_json(cf_notify_request *r, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	json_decref(body);
	if (text == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_buf_puts(&r->body, text);
	cf_wipe(text, strlen(text));   /* a PagerDuty routing key is in the body */
	free(text);
	if (rc == 0) rc = set_header(r, "Content-Type", "application/json");
	return rc;
}

static int hmac_sha256_hex(char out[65], const char *key, const cf_buf *body)
{
	unsigned char mac[32];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (md == NULL || mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key),
					  (const unsigned char *)(body->data ? body->data : ""), body->len, mac) != 0)
		return cf_err_set(CF_ERR, "HMAC failed");
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

static json_t *metadata_fields(const json_t *event)
{
	json_t *fields = json_array(), *v;
	const char *k;

	json_object_foreach(json_object_get(event, "metadata"), k, v)
		json_array_append_new(fields, json_pack("{s:s,s:O,s:b}", "title", k, "value", v, "short", 0));
	return fields;
}

/* Slack's attachment payload, also what Discord and Rocket.Chat take; icon may be NULL. */
static json_t *slack_body(const json_t *event, const char *username, const char *channel, const char *icon,
			  const char *good, const char *bad)
{
	char title[600];
	int error = streq(cf_json_str(event, "severity"), "error");
	json_t *att, *body;

	object_title(title, sizeof(title), event);
	att = json_pack("{s:s,s:s,s:s,s:[s]}", "color", error ? bad : good, "author_name", title,
			"text", cf_json_str(event, "message"), "mrkdwn_in", "text");
	if (att && json_object_size(json_object_get(event, "metadata")) > 0)
		json_object_set_new(att, "fields", metadata_fields(event));
	body = json_pack("{s:s*,s:s*,s:[o]}", "channel", channel, "username", username, "attachments", att);
	if (body && icon)
		json_object_set_new(body, "icon_url", json_string(icon));
	return body;
}

static json_t *msteams_body(const json_t *event)
{
	char title[600];
	int error = streq(cf_json_str(event, "severity"), "error");
	json_t *facts = json_array(), *v;
	const char *k;

	object_title(title, sizeof(title), event);
	json_object_foreach(json_object_get(event, "metadata"), k, v)
		json_array_append_new(facts, json_pack("{s:s,s:O}", "name", k, "value", v));
	return json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:o}]}", "@type", "MessageCard",
			 "@context", "https://schema.org/extensions", "themeColor", error ? "FF0000" : "0076D7",
			 "summary", title, "sections", "activityTitle", title, "activitySubtitle", cf_json_str(event, "message"),
			 "facts", facts);
}

static json_t *pagerduty_body(const char *routing_key, const json_t *event)
{
	const json_t *io = json_object_get(event, "involvedObject");
	char dedup[600], summary[1024], title[600];
	int error = streq(cf_json_str(event, "severity"), "error");

	object_title(title, sizeof(title), event);
	snprintf(dedup, sizeof(dedup), "%s/%s/%s", cf_json_str(io, "kind"), cf_json_str(io, "namespace"), cf_json_str(io, "name"));
	if (!error)
		return json_pack("{s:s,s:s,s:s}", "routing_key", routing_key, "event_action", "resolve", "dedup_key", dedup);
	snprintf(summary, sizeof(summary), "%s: %s", title, cf_json_str(event, "message"));
	return json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s*,s:s,s:s,s:s,s:O*}}", "routing_key", routing_key,
			 "event_action", "trigger", "dedup_key", dedup, "payload", "summary", summary,
			 "source", cf_json_str(event, "reportingController"), "severity", "error",
			 "timestamp", cf_json_str(event, "timestamp"), "component", cf_json_str(io, "kind"), "group", cf_json_str(io, "namespace"),
			 "class", cf_json_str(event, "reason"), "custom_details", json_object_get(event, "metadata"));
}

/* The commit of a Flux revision ("main@sha1:<hex>", "sha1:<hex>", "<hex>"). */
static int revision_commit(char out[65], const json_t *event)
{
	const char *rev = cf_json_str(json_object_get(event, "metadata"), "revision"), *p;
	size_t n;

	if (rev == NULL)
		return cf_err_set(CF_ENOTFOUND, "the event has no revision in its metadata");
	p = strrchr(rev, ':');
	p = p ? p + 1 : (strrchr(rev, '@') ? strrchr(rev, '@') + 1 : rev);
	n = strlen(p);
	if ((n != 40 && n != 64) || strspn(p, "0123456789abcdef") != n)
		return cf_err_set(CF_ENOTFOUND, "revision '%.100s' does not name a commit", rev);
	memcpy(out, p, n + 1);
	return 0;
}

/* scheme://host and "owner/repo" of a repository address (https://host/owner/repo(.git)). */
static int split_repo(char *base, size_t bsize, char *path, size_t psize, const char *address)
{
	const char *s = strstr(address, "://"), *slash;
	size_t n;

	if (s == NULL || (slash = strchr(s + 3, '/')) == NULL || slash[1] == '\0')
		return cf_err_set(CF_EINVAL, "the address is not a repository URL (https://host/owner/repo)");
	snprintf(base, bsize, "%.*s", (int)(slash - address), address);
	snprintf(path, psize, "%s", slash + 1);
	n = strlen(path);
	while (n && path[n - 1] == '/')
		path[--n] = '\0';
	if (n > 4 && strcmp(path + n - 4, ".git") == 0)
		path[n - 4] = '\0';
	return strchr(path, '/') ? 0 : cf_err_set(CF_EINVAL, "the address has no owner/repository path");
}

/* How many '/'-separated parts path has. */
static int path_parts(const char *path)
{
	int n = 1;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* 0 when the repository path has the parts the type wants (shape: "owner/repo"); the path is
 * not named in the error, since the address may be the secret's. */
static int repo_shape(const char *repo, int parts, const char *type, const char *shape)
{
	if (path_parts(repo) == parts)
		return 0;
	return cf_err_set(CF_EINVAL, "%s provider: the address's repository path is not %s", type, shape);
}

static void sha1_hex(char out[41], const char *text)
{
	unsigned char d[20];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);

	if (md == NULL || mbedtls_md(md, (const unsigned char *)text, strlen(text), d) != 0)
		memset(d, 0, sizeof(d));
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Flux's description of a commit status: the event's reason split at its camel case and
 * lowercased ("ReconciliationFailed" -> "reconciliation failed"). */
static void reason_words(char *out, size_t size, const char *reason)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)(reason ? reason : ""); *p && o + 2 < size; p++) {
		int cls = islower(*p) ? 1 : isupper(*p) ? 2 : isdigit(*p) ? 3 : 4;
		int prev = p == (const unsigned char *)reason ? 0 :
			   islower(p[-1]) ? 1 : isupper(p[-1]) ? 2 : isdigit(p[-1]) ? 3 : 4;
		/* a new word where the class changes, and before the last capital of a run that
		 * a lower-case letter follows ("PDFLoader" -> "pdf loader") */
		int split = prev && (cls != prev ? !(prev == 2 && cls == 1) : (cls == 2 && islower(p[1])));
		if (split)
			out[o++] = ' ';
		out[o++] = (char)tolower(*p);
	}
	out[o] = '\0';
}

/* What a commit status is made of, the same for every Git host. */
typedef struct commit_in {
	char base[1024], repo[1024], sha[65];
	char name[300];          /* "kustomization/apps", Flux's lower-cased kind/name */
	char id[400];            /* Flux's commit status id: kind/name/<first part of the Provider's uid> */
	char desc[300];          /* the reason's words */
	char message[141];       /* the event's message, as cflux's github and gitlab describe it */
	int error, progressing;
} commit_in;

/* What a provider type's request is built from. */
typedef struct notify_in {
	const char *type, *address, *token, *channel, *username, *password;
	const json_t *provider, *event;
} notify_in;

/* skip_progressing: a Progressing event sets no status on this host (CF_ENOTFOUND: nothing to send). */
static int commit_prepare(commit_in *c, const notify_in *in, int skip_progressing)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	const char *uid = cf_json_str(json_object_get(in->provider, "metadata"), "uid");
	char kind[128];
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = revision_commit(c->sha, in->event)) < 0 ||
	    (rc = split_repo(c->base, sizeof(c->base), c->repo, sizeof(c->repo), in->address)) < 0)
		return rc;
	if (in->token == NULL && !(streq(in->type, "bitbucketserver") && in->username && in->password))
		return cf_err_set(CF_EINVAL, "%s provider: secretRef with a token is required", in->type);
	lower_kind(kind, sizeof(kind), cf_json_str(io, "kind"));
	snprintf(c->name, sizeof(c->name), "%s/%s", kind, cf_json_str(io, "name"));
	for (char *p = c->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(c->id, sizeof(c->id), "%s/%.*s", c->name, uid ? (int)strcspn(uid, "-") : 0, uid ? uid : "");
	reason_words(c->desc, sizeof(c->desc), cf_json_str(in->event, "reason"));
	snprintf(c->message, sizeof(c->message), "%s", cf_json_str(in->event, "message"));
	c->error = streq(cf_json_str(in->event, "severity"), "error");
	c->progressing = streq(cf_json_str(in->event, "reason"), "Progressing");
	if (skip_progressing && c->progressing)
		return cf_err_set(CF_ENOTFOUND, "%s: a Progressing event sets no commit status", in->type);
	return 0;
}

static int auth_header(cf_notify_request *r, const char *scheme, const char *credential)
{
	cf_buf auth = CF_BUF_INIT_SECRET(256u * 1024u);   /* a JWT may be kilobytes; wiped when freed */
	int rc = cf_buf_printf(&auth, "%s %s", scheme, credential);

	if (rc == 0)
		rc = set_header(r, "Authorization", auth.data);
	cf_buf_free(&auth);
	return rc;
}

static int bearer(cf_notify_request *r, const char *token)
{
	return auth_header(r, "Bearer", token);
}

/* Authorization: Basic base64(user:password). */
static int basic_auth(cf_notify_request *r, const char *user, const char *password)
{
	cf_buf pair = CF_BUF_INIT_SECRET(256u * 1024u);
	char *enc = NULL;
	int rc = cf_buf_printf(&pair, "%s:%s", user ? user : "", password ? password : "");

	if (rc == 0)
		rc = cf_base64_encode(&enc, (const unsigned char *)pair.data, pair.len);
	cf_buf_free(&pair);
	if (rc == 0)
		rc = auth_header(r, "Basic", enc);
	if (enc) {
		cf_wipe(enc, strlen(enc));
		cf_free(enc);
	}
	return rc;
}

/* GitHub's REST API for owner/repo on base: api.github.com, or GitHub Enterprise's /api/v3. */
static void github_api(cf_notify_request *r, const char *base, const char *repo, const char *what)
{
	if (strcmp(base, "https://github.com") == 0)
		snprintf(r->url, sizeof(r->url), "https://api.github.com/repos/%s/%s", repo, what);
	else
		snprintf(r->url, sizeof(r->url), "%s/api/v3/repos/%s/%s", base, repo, what);
}

static int build_github(cf_notify_request *r, const notify_in *in)
{
	char what[100];
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 0)) < 0)
		return rc;
	snprintf(what, sizeof(what), "statuses/%s", c.sha);
	github_api(r, c.base, c.repo, what);
	rc = body_json(r, json_pack("{s:s,s:s,s:s}", "state", c.error ? "failure" : "success", "context", c.name,
				    "description", c.message));
	if (rc == 0) rc = set_header(r, "Accept", "application/vnd.github+json");
	return rc == 0 ? bearer(r, in->token) : rc;
}

static int build_gitlab(cf_notify_request *r, const notify_in *in)
{
	char enc[2000], *o = enc;
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 0)) < 0)
		return rc;
	/* the project path URL-encoded */
	for (const char *p = c.repo; *p && o < enc + sizeof(enc) - 4; p++) {
		if (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
			*o++ = *p;
		else
			o += snprintf(o, 4, "%%%02X", (unsigned char)*p);
	}
	*o = '\0';
	snprintf(r->url, sizeof(r->url), "%s/api/v4/projects/%s/statuses/%s", c.base, enc, c.sha);
	rc = body_json(r, json_pack("{s:s,s:s,s:s}", "state", c.error ? "failed" : "success", "name", c.name,
				    "description", c.message));
	return rc == 0 ? set_header(r, "PRIVATE-TOKEN", in->token) : rc;
}

/* Gitea: its status API, the token as "token <t>" (the Gitea SDK's form); Progressing is pending. */
static int build_gitea(cf_notify_request *r, const notify_in *in)
{
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 0)) < 0)
		return rc;
	if ((rc = repo_shape(c.repo, 2, in->type, "owner/repo")) < 0)
		return rc;
	snprintf(r->url, sizeof(r->url), "%s/api/v1/repos/%s/statuses/%s", c.base, c.repo, c.sha);
	rc = body_json(r, json_pack("{s:s,s:s,s:s,s:s}", "state", c.progressing ? "pending" : c.error ? "failure" : "success",
				    "target_url", "", "description", c.desc, "context", c.id));
	return rc == 0 ? auth_header(r, "token", in->token) : rc;
}

/* Bitbucket Cloud: the token is "user:app-password"; the key is the sha1 of Flux's status id
 * (Bitbucket allows 40 characters). */
static int build_bitbucket(cf_notify_request *r, const notify_in *in)
{
	char key[41], user[512];
	const char *colon;
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 1)) < 0)
		return rc;
	colon = strchr(in->token, ':');
	if (colon == NULL || strchr(colon + 1, ':') || colon - in->token >= (long)sizeof(user))
		return cf_err_set(CF_EINVAL, "bitbucket provider: invalid token format, expected to be <user>:<password>");
	if ((rc = repo_shape(c.repo, 2, in->type, "owner/repo")) < 0)
		return rc;
	snprintf(r->url, sizeof(r->url), "https://api.bitbucket.org/2.0/repositories/%s/commit/%s/statuses/build", c.repo, c.sha);
	sha1_hex(key, c.id);
	rc = body_json(r, json_pack("{s:s,s:s,s:s,s:s,s:s}", "state", c.error ? "FAILED" : "SUCCESSFUL", "key", key,
				    "name", c.name, "description", c.desc, "url", "https://bitbucket.org"));
	snprintf(user, sizeof(user), "%.*s", (int)(colon - in->token), in->token);
	if (rc == 0) rc = basic_auth(r, user, colon + 1);
	cf_wipe(user, sizeof(user));
	return rc;
}

/* Bitbucket Server / Data Center: the build status API under the context path before /scm/. */
static int build_bitbucketserver(cf_notify_request *r, const notify_in *in)
{
	char key[41], name[700], path[1100];
	const char *scm = NULL, *slash;
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 1)) < 0)
		return rc;
	/* the path is "<context path>/scm/PROJECT/repo"; the API is under the context path */
	snprintf(path, sizeof(path), "/%s", c.repo);
	for (const char *p = path; (p = strstr(p, "/scm/")) != NULL; p++)
		scm = p;
	if (scm == NULL || path_parts(scm + 5) != 2)
		return cf_err_set(CF_EINVAL, "bitbucketserver provider: spec.address must be an http(s) clone URL (.../scm/PROJECT/repo.git)");
	slash = strchr(scm + 5, '/');
	snprintf(r->url, sizeof(r->url), "%s%.*s/rest/api/latest/projects/%.*s/repos/%s/commits/%s/builds", c.base,
		 (int)(scm - path), path, (int)(slash - scm - 5), scm + 5, slash + 1, c.sha);
	sha1_hex(key, c.id);
	snprintf(name, sizeof(name), "%s [%s]", c.name, c.desc);
	rc = body_json(r, json_pack("{s:s,s:s,s:s,s:s,s:s}", "key", key, "state", c.error ? "FAILED" : "SUCCESSFUL",
				    "url", in->address, "description", c.desc, "name", name));
	if (rc == 0) rc = in->token ? bearer(r, in->token) : basic_auth(r, in->username, in->password);
	if (rc == 0) rc = set_header(r, "x-atlassian-token", "no-check");
	if (rc == 0) rc = set_header(r, "x-requested-with", "XMLHttpRequest");
	return rc;
}

/* Azure DevOps: https://dev.azure.com/org/project/_git/repo; a PAT as Basic with no user. */
static int build_azuredevops(cf_notify_request *r, const notify_in *in)
{
	char org[256], proj[256], repo[256];
	commit_in c;
	int rc;

	if ((rc = commit_prepare(&c, in, 1)) < 0)
		return rc;
	if ((rc = repo_shape(c.repo, 4, in->type, "org/project/_git/repo")) < 0)
		return rc;
	if (sscanf(c.repo, "%255[^/]/%255[^/]/%*[^/]/%255[^/]", org, proj, repo) != 3)
		return repo_shape("", 4, in->type, "org/project/_git/repo");
	snprintf(r->url, sizeof(r->url), "%s/%s/%s/_apis/git/repositories/%s/commits/%s/statuses?api-version=6.0",
		 c.base, org, proj, repo, c.sha);
	rc = body_json(r, json_pack("{s:s,s:s,s:{s:s,s:s}}", "state", c.error ? "error" : "succeeded", "description", c.desc,
				    "context", "genre", "fluxcd", "name", c.id));
	return rc == 0 ? basic_auth(r, "", in->token) : rc;
}

static int secret_headers(cf_notify_request *r, const json_t *secret)
{
	const char *text = cf_json_str(secret, "headers"), *k;
	json_t *h = NULL, *v;
	int rc;

	if (text == NULL)
		return 0;
	if ((rc = cf_yaml_load(&h, text, strlen(text), "secret key 'headers'")) < 0)
		return rc;
	if (!json_is_object(h)) {
		json_decref(h);
		return cf_err_set(CF_EINVAL, "secret key 'headers' must be a map of header names to values");
	}
	json_object_foreach(h, k, v)
		if (json_is_string(v) && (rc = set_header(r, k, json_string_value(v))) < 0)
			break;
	cf_notify_wipe(h);
	json_decref(h);
	return rc;
}

/* "<emoji> kustomization/apps.flux-system": the heading of Lark's, Matrix's and Webex's messages. */
static void emoji_title(char *out, size_t size, const json_t *event, const char *info, const char *error)
{
	char title[600];

	object_title(title, sizeof(title), event);
	snprintf(out, size, "%s %s", streq(cf_json_str(event, "severity"), "error") ? error : info, title);
}

/* Each metadata entry as fmt (two %s: key, value) appended to b. */
static int metadata_lines(cf_buf *b, const json_t *event, const char *fmt)
{
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach(json_object_get(event, "metadata"), k, v)
		if (rc == 0)
			rc = cf_buf_printf(b, fmt, k, json_string_value(v));
	return rc;
}

/* A text message: the body built into a scratch buffer, then set as field of o. */
static json_t *with_text(json_t *o, const char *field, cf_buf *text, int rc)
{
	if (rc == 0 && o)
		json_object_set_new(o, field, json_string(text->data ? text->data : ""));
	cf_buf_free(text);
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The event's time in Unix seconds (RFC 3339, as Flux's events carry it); now when absent. */
static long long event_unix(const json_t *event)
{
	const char *ts = cf_json_str(event, "timestamp");
	struct tm tm;
	int off_h = 0, off_m = 0, n = 0;
	char sign = 0;
	long long t;

	memset(&tm, 0, sizeof(tm));
	if (ts == NULL || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				 &tm.tm_min, &tm.tm_sec, &n) != 6)
		return (long long)time(NULL);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (long long)timegm(&tm);
	ts += n;
	ts += strspn(ts, ".0123456789");   /* fractional seconds */
	if (sscanf(ts, "%c%2d:%2d", &sign, &off_h, &off_m) == 3 && (sign == '+' || sign == '-'))
		t -= (sign == '+' ? 1 : -1) * (off_h * 3600LL + off_m * 60LL);
	return t;
}

static int build_generic(cf_notify_request *r, const notify_in *in)
{
	char *text = json_dumps(in->event, JSON_COMPACT);
	int rc = text ? cf_buf_puts(&r->body, text) : cf_err_set(CF_ENOMEM, "out of memory");

	free(text);
	if (rc == 0) rc = set_header(r, "Content-Type", "application/json");
	if (rc == 0) rc = set_header(r, "Gotk-Component", cf_json_str(in->event, "reportingController"));
	return rc;
}

static int build_generic_hmac(cf_notify_request *r, const notify_in *in)
{
	char hex[65], sig[80];
	int rc = build_generic(r, in);

	if (rc < 0)
		return rc;
	if (in->token == NULL)
		return cf_err_set(CF_EINVAL, "generic-hmac provider: secretRef with a token is required");
	rc = hmac_sha256_hex(hex, in->token, &r->body);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	return rc == 0 ? set_header(r, "X-Signature", sig) : rc;
}

static int build_slack(cf_notify_request *r, const notify_in *in)
{
	int rc;

	if (in->token && in->channel == NULL)
		return cf_err_set(CF_EINVAL, "slack provider: spec.channel is required with a bot token");
	rc = body_json(r, slack_body(in->event, in->username, in->channel, FLUX_ICON, "good", "danger"));
	return rc == 0 && in->token ? bearer(r, in->token) : rc;
}

/* Discord takes Slack's payload on its webhook URL + "/slack". */
static int build_discord(cf_notify_request *r, const notify_in *in)
{
	if (strlen(r->url) < 6 || strcmp(r->url + strlen(r->url) - 6, "/slack") != 0)
		strncat(r->url, "/slack", sizeof(r->url) - strlen(r->url) - 1);
	return body_json(r, slack_body(in->event, in->username, in->channel, FLUX_ICON, "good", "danger"));
}

/* Rocket.Chat: Slack's payload, Flux's own colours, no icon. */
static int build_rocket(cf_notify_request *r, const notify_in *in)
{
	return body_json(r, slack_body(in->event, in->username, in->channel, NULL, "#0076D7", "#FF0000"));
}

static int build_msteams(cf_notify_request *r, const notify_in *in)
{
	return body_json(r, msteams_body(in->event));
}

static int build_pagerduty(cf_notify_request *r, const notify_in *in)
{
	const char *key = in->token ? in->token : in->channel;

	if (key == NULL)
		return cf_err_set(CF_EINVAL, "pagerduty provider: a routing key is required (the secret's token, or spec.channel)");
	return body_json(r, pagerduty_body(key, in->event));
}

/* Google Chat: one card, the object as title, the message (red on error), metadata as key/values. */
static int build_googlechat(cf_notify_request *r, const notify_in *in)
{
	const json_t *md = json_object_get(in->event, "metadata");
	char title[600], *text;
	json_t *sections, *kv = json_array(), *v;
	const char *k, *msg = cf_json_str(in->event, "message");
	size_t n = strlen(msg) + 40;
	int rc;

	object_title(title, sizeof(title), in->event);
	if ((text = cf_malloc(n)) == NULL) {
		json_decref(kv);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	snprintf(text, n, streq(cf_json_str(in->event, "severity"), "error") ? "<font color=\"#ff0000\">%s</font>" : "%s", msg);
	sections = json_pack("[{s:s,s:[{s:{s:s},s:n}]}]", "header", "", "widgets", "textParagraph", "text", text, "keyValue");
	cf_free(text);
	json_object_foreach((json_t *)md, k, v)
		json_array_append_new(kv, json_pack("{s:n,s:{s:s,s:O,s:b,s:n,s:n}}", "textParagraph", "keyValue", "topLabel", k,
						    "content", v, "contentMultiline", 0, "bottomLabel", "icon"));
	if (sections && json_array_size(kv) > 0)
		json_array_append_new(sections, json_pack("{s:s,s:O}", "header", "", "widgets", kv));
	json_decref(kv);
	rc = body_json(r, sections ? json_pack("{s:[{s:{s:s,s:s,s:n,s:n},s:o}]}", "cards", "header", "title", title,
					       "subtitle", cf_json_str(in->event, "reportingController"), "imageUrl", "imageStyle",
					       "sections", sections) : NULL);
	return rc;
}

/* Webex: the bot token as bearer, spec.channel the roomId, a markdown message. */
static int build_webex(cf_notify_request *r, const notify_in *in)
{
	cf_buf md = CF_BUF_INIT(CF_NOTIFY_EVENT_MAX * 2);
	char title[700];
	int rc;

	object_title(title, sizeof(title), in->event);
	rc = cf_buf_printf(&md, "%s **%s**\n%s\n", streq(cf_json_str(in->event, "severity"), "error") ? "💣" : "✅", title,
			   cf_json_str(in->event, "message"));
	if (rc == 0) rc = metadata_lines(&md, in->event, ">**%s**: %s\n");
	rc = body_json(r, with_text(json_pack("{s:s*}", "roomId", in->channel && in->channel[0] ? in->channel : NULL),
				    "markdown", &md, rc));
	return rc == 0 && in->token ? bearer(r, in->token) : rc;
}

/* Lark (Feishu): an interactive card. */
static int build_lark(cf_notify_request *r, const notify_in *in)
{
	cf_buf text = CF_BUF_INIT(CF_NOTIFY_EVENT_MAX * 2);
	char title[700];
	int error = streq(cf_json_str(in->event, "severity"), "error");
	int rc = cf_buf_printf(&text, "**%s**\n\n", cf_json_str(in->event, "message"));
	json_t *div;

	if (rc == 0) rc = metadata_lines(&text, in->event, "%s: %s\n");
	emoji_title(title, sizeof(title), in->event, "💫", "🚨");
	div = with_text(json_pack("{s:s}", "tag", "lark_md"), "content", &text, rc);
	return body_json(r, div ? json_pack("{s:s,s:{s:{s:b},s:{s:{s:s,s:s},s:s},s:[{s:s,s:o}]}}", "msg_type", "interactive",
					    "card", "config", "wide_screen_mode", 1, "header", "title", "tag", "plain_text",
					    "content", title, "template", error ? "red" : "turquoise", "elements", "tag", "div",
					    "text", div) : NULL);
}

/* Matrix: PUT to the room's send endpoint on the homeserver, the event's sha1 as transaction id. */
static int build_matrix(cf_notify_request *r, const notify_in *in)
{
	cf_buf text = CF_BUF_INIT(CF_NOTIFY_EVENT_MAX * 2);
	char title[700], txn[41], *ev;
	int rc;

	if (in->channel == NULL || in->token == NULL)
		return cf_err_set(CF_EINVAL, "matrix provider: spec.channel (the room id) and a token are required");
	if ((ev = json_dumps(in->event, JSON_COMPACT)) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	sha1_hex(txn, ev);
	free(ev);
	emoji_title(title, sizeof(title), in->event, "💫", "🚨");
	rc = cf_buf_printf(&text, "%s\n%s\n", title, cf_json_str(in->event, "message"));
	if (rc == 0) rc = metadata_lines(&text, in->event, "- %s: %s\n");
	snprintf(r->method, sizeof(r->method), "PUT");
	snprintf(r->url, sizeof(r->url), "%s/_matrix/client/r0/rooms/%s/send/m.room.message/%s", in->address, in->channel, txn);
	rc = body_json(r, with_text(json_pack("{s:s}", "msgtype", "m.text"), "body", &text, rc));
	return rc == 0 ? bearer(r, in->token) : rc;
}

/* Telegram's MarkdownV2 wants these characters escaped. */
static int telegram_escape(cf_buf *b, const char *s)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++)
		rc = strchr("\\.-_[]()~>`#+=|{}!*", *s) ? cf_buf_printf(b, "\\%c", *s) : cf_buf_putc(b, *s);
	return rc;
}

/* Telegram: the Bot API's sendMessage (the token is in its path; spec.address is not used);
 * spec.channel is the chat id, or "chat:thread" for a forum topic. */
static int build_telegram(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	cf_buf text = CF_BUF_INIT(CF_NOTIFY_EVENT_MAX * 4);
	char kind[128], heading[700], chat[512];
	const char *colon, *k;
	json_t *body, *v;
	int rc;

	if (in->channel == NULL || in->channel[0] == '\0')
		return cf_err_set(CF_EINVAL, "telegram provider: spec.channel (the chat id) is required");
	if (in->token == NULL || in->token[0] == '\0')
		return cf_err_set(CF_EINVAL, "telegram provider: secretRef with a token is required");
	lower_kind(kind, sizeof(kind), cf_json_str(io, "kind"));
	snprintf(heading, sizeof(heading), "%s %s/%s/%s", streq(cf_json_str(in->event, "severity"), "error") ? "🚨" : "💫",
		 kind, cf_json_str(io, "name"), cf_json_str(io, "namespace"));
	rc = cf_buf_putc(&text, '*');
	if (rc == 0) rc = telegram_escape(&text, heading);
	if (rc == 0) rc = cf_buf_puts(&text, "*\n");
	if (rc == 0) rc = telegram_escape(&text, cf_json_str(in->event, "message"));
	if (rc == 0) rc = cf_buf_putc(&text, '\n');
	json_object_foreach(json_object_get(in->event, "metadata"), k, v) {
		if (rc == 0) rc = cf_buf_puts(&text, "\\- *");
		if (rc == 0) rc = telegram_escape(&text, k);
		if (rc == 0) rc = cf_buf_puts(&text, "*: ");
		if (rc == 0) rc = telegram_escape(&text, json_string_value(v));
		if (rc == 0) rc = cf_buf_putc(&text, '\n');
	}
	colon = strchr(in->channel, ':');
	snprintf(chat, sizeof(chat), "%.*s", colon ? (int)(colon - in->channel) : (int)strlen(in->channel), in->channel);
	body = json_pack("{s:s,s:s}", "chat_id", chat, "parse_mode", "MarkdownV2");
	if (body && colon && colon[1])
		json_object_set_new(body, "message_thread_id", json_string(colon + 1));
	snprintf(r->url, sizeof(r->url), "https://api.telegram.org/bot%s/sendMessage", in->token);
	return body_json(r, with_text(body, "text", &text, rc));
}

/* Opsgenie: an alert, the API key as "GenieKey <token>". */
static int build_opsgenie(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	json_t *details = json_deep_copy(json_object_get(in->event, "metadata"));
	char message[600];
	int rc;

	if (in->token == NULL || in->token[0] == '\0') {
		json_decref(details);
		return cf_err_set(CF_EINVAL, "opsgenie provider: secretRef with a token (the API key) is required");
	}
	if (details == NULL)
		details = json_object();
	json_object_set_new(details, "severity", json_string(cf_json_str(in->event, "severity")));
	snprintf(message, sizeof(message), "%s/%s", cf_json_str(io, "kind"), cf_json_str(io, "name"));
	rc = body_json(r, json_pack("{s:s,s:s,s:o}", "message", message, "description", cf_json_str(in->event, "message"),
				    "details", details));
	return rc == 0 ? auth_header(r, "GenieKey", in->token) : rc;
}

/* RFC 3339 in UTC, as Go formats a time parsed from one. */
static void rfc3339(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Alertmanager: one firing alert; the event's metadata are its labels (its summary an
 * annotation), alertname Flux<Kind><Reason in title case>. */
static int build_alertmanager(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	json_t *labels = json_deep_copy(json_object_get(in->event, "metadata")), *ann;
	char name[400], starts[32];
	const char *reason = cf_json_str(in->event, "reason");
	size_t o;
	int rc;

	if (labels == NULL)
		labels = json_object();
	ann = json_pack("{s:s}", "message", cf_json_str(in->event, "message"));
	if (ann && json_object_get(labels, "summary")) {
		json_object_set(ann, "summary", json_object_get(labels, "summary"));
		json_object_del(labels, "summary");
	}
	/* cases.Title: the first letter of each word upper, the rest lower ('_' joins words, as in
	 * Unicode's word breaks) */
	o = (size_t)snprintf(name, sizeof(name), "Flux%.128s", cf_json_str(io, "kind"));
	for (size_t i = 0; reason[i] && o + 1 < sizeof(name); i++, o++) {
		unsigned char ch = (unsigned char)reason[i];
		int first = i == 0 || (!isalnum((unsigned char)reason[i - 1]) && reason[i - 1] != '_');
		name[o] = (char)(first ? toupper(ch) : tolower(ch));
	}
	name[o] = '\0';
	json_object_set_new(labels, "alertname", json_string(name));
	json_object_set_new(labels, "severity", json_string(cf_json_str(in->event, "severity")));
	json_object_set_new(labels, "reason", json_string(reason));
	json_object_set_new(labels, "kind", json_string(cf_json_str(io, "kind")));
	json_object_set_new(labels, "name", json_string(cf_json_str(io, "name")));
	json_object_set_new(labels, "namespace", json_string(cf_json_str(io, "namespace")));
	json_object_set_new(labels, "reportingcontroller", json_string(cf_json_str(in->event, "reportingController")));
	rfc3339(starts, event_unix(in->event));
	/* Go's omitempty leaves a zero time in: Flux sends endsAt 0001-01-01T00:00:00Z */
	rc = body_json(r, ann ? json_pack("[{s:s,s:o,s:o,s:s,s:s}]", "status", "firing", "labels", labels, "annotations", ann,
					  "startsAt", starts, "endsAt", "0001-01-01T00:00:00Z") : NULL);
	if (rc == 0 && in->token) rc = bearer(r, in->token);
	if (rc == 0 && in->username && in->password) rc = basic_auth(r, in->username, in->password);
	return rc;
}

/* Grafana: an annotation (Graphite format) tagged with the event's metadata. */
static int build_grafana(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	json_t *tags = json_pack("[s,s]", "flux", cf_json_str(in->event, "reportingController")), *v;
	char title[600];
	const char *k;
	int rc;

	json_object_foreach(json_object_get(in->event, "metadata"), k, v) {
		char *tag = NULL;
		size_t n = strlen(k) + json_string_length(v) + 3;
		if ((tag = cf_malloc(n)) == NULL) {
			json_decref(tags);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
		snprintf(tag, n, "%s: %s", k, json_string_value(v));
		for (char *p = tag; *p; p++)   /* ':' means key:value to Grafana's tags */
			if (*p == ':' && p != tag + strlen(k))
				*p = '|';
		json_array_append_new(tags, json_string(tag));
		cf_free(tag);
	}
	snprintf(title, sizeof(title), "kind: %s", cf_json_str(io, "kind"));
	json_array_append_new(tags, json_string(title));
	snprintf(title, sizeof(title), "name: %s", cf_json_str(io, "name"));
	json_array_append_new(tags, json_string(title));
	snprintf(title, sizeof(title), "namespace: %s", cf_json_str(io, "namespace"));
	json_array_append_new(tags, json_string(title));
	object_title(title, sizeof(title), in->event);
	rc = body_json(r, json_pack("{s:I,s:s,s:o}", "when", (json_int_t)event_unix(in->event), "text", title, "tags", tags));
	if (rc == 0 && in->token)
		rc = bearer(r, in->token);
	else if (rc == 0 && in->username && in->password)
		rc = basic_auth(r, in->username, in->password);
	return rc;
}

/* Datadog: the v1 events API on the address's scheme and host, the API key as DD-API-KEY. */
static int build_datadog(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	const char *host = strstr(in->address, "://") + 3;
	char title[700], tag[1200];
	json_t *tags = json_array(), *v;
	const char *k;
	int rc;

	if (in->token == NULL || in->token[0] == '\0') {
		json_decref(tags);
		return cf_err_set(CF_EINVAL, "datadog provider: secretRef with a token (the API key) is required");
	}
	snprintf(r->url, sizeof(r->url), "%.*s/api/v1/events", (int)(host - in->address + strcspn(host, "/?#")), in->address);
	snprintf(title, sizeof(title), "Events from the %s %s/%s", cf_json_str(io, "kind"), cf_json_str(io, "name"),
		 cf_json_str(io, "namespace"));
	/* Datadog lower-cases tags; Flux does it before sending */
#define DD_TAG(...) do { \
		snprintf(tag, sizeof(tag), __VA_ARGS__); \
		for (char *t = tag; *t; t++) \
			*t = (char)tolower((unsigned char)*t); \
		json_array_append_new(tags, json_string(tag)); \
	} while (0)
	DD_TAG("flux_reporting_controller:%s", cf_json_str(in->event, "reportingController"));
	DD_TAG("flux_reason:%s", cf_json_str(in->event, "reason"));
	DD_TAG("kube_kind:%s", cf_json_str(io, "kind"));
	DD_TAG("kube_name:%s", cf_json_str(io, "name"));
	DD_TAG("kube_namespace:%s", cf_json_str(io, "namespace"));
	json_object_foreach(json_object_get(in->event, "metadata"), k, v)
		DD_TAG("%s:%s", k, json_string_value(v));
#undef DD_TAG
	rc = body_json(r, json_pack("{s:s,s:s,s:o,s:s,s:I,s:s}", "title", title, "text", cf_json_str(in->event, "message"),
				    "tags", tags, "source_type_name", "fluxcd", "date_happened", (json_int_t)event_unix(in->event),
				    "alert_type", streq(cf_json_str(in->event, "severity"), "error") ? "error" : "info"));
	if (rc == 0) rc = set_header(r, "Accept", "application/json");
	return rc == 0 ? set_header(r, "DD-API-KEY", in->token) : rc;
}

/* GitHub repository_dispatch: event_type Kind/name.namespace, the event as client_payload.
 * A commit status update event (metadata commit_status: update) is not dispatched. */
static int build_githubdispatch(cf_notify_request *r, const notify_in *in)
{
	const json_t *io = json_object_get(in->event, "involvedObject");
	char base[1024], repo[1024], type[700];
	int rc;

	if (in->token == NULL || in->token[0] == '\0')
		return cf_err_set(CF_EINVAL, "githubdispatch provider: secretRef with a token is required");
	if ((rc = split_repo(base, sizeof(base), repo, sizeof(repo), in->address)) < 0)
		return rc;
	if ((rc = repo_shape(repo, 2, in->type, "owner/repo")) < 0)
		return rc;
	if (streq(cf_json_str(json_object_get(in->event, "metadata"), "commit_status"), "update"))
		return cf_err_set(CF_ENOTFOUND, "githubdispatch: a commit status update is not dispatched");
	github_api(r, base, repo, "dispatches");
	snprintf(type, sizeof(type), "%s/%s.%s", cf_json_str(io, "kind"), cf_json_str(io, "name"), cf_json_str(io, "namespace"));
	rc = body_json(r, json_pack("{s:s,s:O}", "event_type", type, "client_payload", in->event));
	if (rc == 0) rc = set_header(r, "Accept", "application/vnd.github.v3+json");
	return rc == 0 ? bearer(r, in->token) : rc;
}

/* The provider types: how each request is built, the address used when spec.address and the
 * secret give none (Slack's only with a bot token), and whether the secret's 'headers' go along
 * (Flux sends them with generic and generic-hmac only; cflux also with the types it had first). */
static const struct provider_type {
	const char *name;
	const char *default_address;
	int default_needs_token;
	int secret_headers;
	int (*build)(cf_notify_request *r, const notify_in *in);
} PROVIDER_TYPES[] = {
	{ "generic", NULL, 0, 1, build_generic },
	{ "generic-hmac", NULL, 0, 1, build_generic_hmac },
	{ "slack", SLACK_BOT_URL, 1, 1, build_slack },
	{ "discord", NULL, 0, 1, build_discord },
	{ "rocket", NULL, 0, 0, build_rocket },
	{ "msteams", NULL, 0, 1, build_msteams },
	{ "googlechat", NULL, 0, 0, build_googlechat },
	{ "webex", NULL, 0, 0, build_webex },
	{ "lark", NULL, 0, 0, build_lark },
	{ "matrix", NULL, 0, 0, build_matrix },
	{ "telegram", TELEGRAM_URL, 0, 0, build_telegram },
	{ "opsgenie", NULL, 0, 0, build_opsgenie },
	{ "alertmanager", NULL, 0, 0, build_alertmanager },
	{ "grafana", NULL, 0, 0, build_grafana },
	{ "datadog", NULL, 0, 0, build_datadog },
	{ "pagerduty", PAGERDUTY_URL, 0, 1, build_pagerduty },
	{ "github", NULL, 0, 0, build_github },
	{ "githubdispatch", NULL, 0, 0, build_githubdispatch },
	{ "gitlab", NULL, 0, 0, build_gitlab },
	{ "gitea", NULL, 0, 0, build_gitea },
	{ "bitbucket", NULL, 0, 0, build_bitbucket },
	{ "bitbucketserver", NULL, 0, 0, build_bitbucketserver },
	{ "azuredevops", NULL, 0, 0, build_azuredevops },
};

static const struct provider_type *provider_type(const char *name)
{
	for (size_t i = 0; i < sizeof(PROVIDER_TYPES) / sizeof(PROVIDER_TYPES[0]); i++)
		if (streq(name, PROVIDER_TYPES[i].name))
			return &PROVIDER_TYPES[i];
	return NULL;
}

int cf_notify_build(cf_notify_request *r, const json_t *provider, const json_t *event, const json_t *secret)
{
	const json_t *spec = json_object_get(provider, "spec");
	const struct provider_type *pt;
	notify_in in = { cf_json_str(spec, "type"),
			 cf_json_str(secret, "address") ? cf_json_str(secret, "address") : cf_json_str(spec, "address"),
			 cf_json_str(secret, "token"), cf_json_str(spec, "channel"),
			 cf_json_str(spec, "username") ? cf_json_str(spec, "username") : cf_json_str(secret, "username"),
			 cf_json_str(secret, "password"), provider, event };
	int rc = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->method, sizeof(r->method), "POST");
	cf_buf_init(&r->body, CF_NOTIFY_EVENT_MAX * 4);
	r->headers = json_object();
	if (r->headers == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (in.type == NULL) {
		rc = cf_err_set(CF_EINVAL, "spec.type is required");
		goto out;
	}
	pt = provider_type(in.type);
	if (pt && pt->default_address && (in.address == NULL || in.address[0] == '\0') &&
	    (!pt->default_needs_token || in.token))
		in.address = pt->default_address;
	if (in.address == NULL || in.address[0] == '\0' ||
	    (strncmp(in.address, "http://", 7) != 0 && strncmp(in.address, "https://", 8) != 0)) {
		rc = cf_err_set(CF_EINVAL, "%s provider: an http(s) address is required (spec.address or the secret's address)", in.type);
		goto out;
	}
	snprintf(r->url, sizeof(r->url), "%s", in.address);
	if (pt == NULL) {
		rc = cf_err_set(CF_EINVAL, "provider type '%s' is not supported by cflux yet", in.type);
		goto out;
	}
	rc = pt->build(r, &in);
	if (rc == 0 && pt->secret_headers)
		rc = secret_headers(r, secret);
out:
	if (rc < 0)
		cf_notify_request_free(r);
	return rc;
}

void cf_notify_request_free(cf_notify_request *r)
{
	if (r->body.data)
		cf_wipe(r->body.data, r->body.cap);
	cf_buf_free(&r->body);
	cf_notify_wipe(r->headers);
	json_decref(r->headers);
	r->headers = NULL;
	cf_wipe(r->url, sizeof(r->url));   /* Telegram's bot token, an address from a secret */
}

void cf_notify_wipe(json_t *j)
{
	cf_json_wipe(j);
}

void cf_notify_dedup_key(char out[72], const char *provider_key, const json_t *event)
{
	const json_t *io = json_object_get(event, "involvedObject");
	json_t *k = json_pack("{s:s,s:[O?,O?,O?],s:O?,s:O?,s:O?,s:O?}", "p", provider_key ? provider_key : "",
			      "o", json_object_get(io, "kind"), json_object_get(io, "namespace"), json_object_get(io, "name"),
			      "s", json_object_get(event, "severity"),
			      "r", json_object_get(event, "reason"), "m", json_object_get(event, "message"),
			      "md", json_object_get(event, "metadata"));
	char *text = k ? json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	cf_sha256_of(out, text ? text : "", text ? strlen(text) : 0);
	free(text);
	json_decref(k);
}
