/* notification-controller/notify.c - events, alert matching and provider payloads. */
#include "notify.h"

#include "kube/secret.h"

#include "util/alloc.h"
#include "util/err.h"
#include "util/sha256.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <mbedtls/md.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define SLACK_BOT_URL "https://slack.com/api/chat.postMessage"
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

static json_t *slack_body(const json_t *provider, const json_t *event, const char *username, const char *channel)
{
	char title[600];
	int error = streq(cf_json_str(event, "severity"), "error");
	json_t *att, *body;

	(void)provider;
	object_title(title, sizeof(title), event);
	att = json_pack("{s:s,s:s,s:s,s:[s]}", "color", error ? "danger" : "good", "author_name", title,
			"text", cf_json_str(event, "message"), "mrkdwn_in", "text");
	if (att && json_object_size(json_object_get(event, "metadata")) > 0)
		json_object_set_new(att, "fields", metadata_fields(event));
	body = json_pack("{s:s*,s:s*,s:s,s:[o]}", "channel", channel, "username", username, "icon_url", FLUX_ICON,
			 "attachments", att);
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
		return cf_err_set(CF_EINVAL, "spec.address '%s' is not a repository URL (https://host/owner/repo)", address);
	snprintf(base, bsize, "%.*s", (int)(slash - address), address);
	snprintf(path, psize, "%s", slash + 1);
	n = strlen(path);
	while (n && path[n - 1] == '/')
		path[--n] = '\0';
	if (n > 4 && strcmp(path + n - 4, ".git") == 0)
		path[n - 4] = '\0';
	return strchr(path, '/') ? 0 : cf_err_set(CF_EINVAL, "spec.address '%s' has no owner/repository path", address);
}

static int commit_status(cf_notify_request *r, const char *type, const char *address, const char *token,
			 const json_t *event)
{
	char base[1024], repo[1024], sha[65], context[300], kind[128], desc[141];
	int error = streq(cf_json_str(event, "severity"), "error"), rc;

	if ((rc = revision_commit(sha, event)) < 0 || (rc = split_repo(base, sizeof(base), repo, sizeof(repo), address)) < 0)
		return rc;
	if (token == NULL)
		return cf_err_set(CF_EINVAL, "%s provider: secretRef with a token is required", type);
	lower_kind(kind, sizeof(kind), cf_json_str(json_object_get(event, "involvedObject"), "kind"));
	snprintf(context, sizeof(context), "%s/%s", kind, cf_json_str(json_object_get(event, "involvedObject"), "name"));
	snprintf(desc, sizeof(desc), "%s", cf_json_str(event, "message"));
	if (strcmp(type, "github") == 0) {
		if (strcmp(base, "https://github.com") == 0)
			snprintf(r->url, sizeof(r->url), "https://api.github.com/repos/%s/statuses/%s", repo, sha);
		else
			snprintf(r->url, sizeof(r->url), "%s/api/v3/repos/%s/statuses/%s", base, repo, sha);
		rc = body_json(r, json_pack("{s:s,s:s,s:s}", "state", error ? "failure" : "success", "context", context,
					    "description", desc));
		if (rc == 0) rc = set_header(r, "Accept", "application/vnd.github+json");
		if (rc == 0) {
			char auth[1100];
			snprintf(auth, sizeof(auth), "Bearer %s", token);
			rc = set_header(r, "Authorization", auth);
			cf_wipe(auth, sizeof(auth));
		}
		return rc;
	}
	/* gitlab: the project path URL-encoded */
	{
		char enc[2000], *o = enc;
		for (const char *p = repo; *p && o < enc + sizeof(enc) - 4; p++) {
			if (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
				*o++ = *p;
			else
				o += snprintf(o, 4, "%%%02X", (unsigned char)*p);
		}
		*o = '\0';
		snprintf(r->url, sizeof(r->url), "%s/api/v4/projects/%s/statuses/%s", base, enc, sha);
	}
	rc = body_json(r, json_pack("{s:s,s:s,s:s}", "state", error ? "failed" : "success", "name", context,
				    "description", desc));
	if (rc == 0) rc = set_header(r, "PRIVATE-TOKEN", token);
	return rc;
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

/* What a provider type's request is built from. */
typedef struct notify_in {
	const char *type, *address, *token, *channel, *username;
	const json_t *provider, *event;
} notify_in;

static int bearer(cf_notify_request *r, const char *token)
{
	char auth[1100];
	int rc;

	snprintf(auth, sizeof(auth), "Bearer %s", token);
	rc = set_header(r, "Authorization", auth);
	cf_wipe(auth, sizeof(auth));
	return rc;
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
	rc = body_json(r, slack_body(in->provider, in->event, in->username, in->channel));
	return rc == 0 && in->token ? bearer(r, in->token) : rc;
}

/* Discord takes Slack's payload on its webhook URL + "/slack". */
static int build_discord(cf_notify_request *r, const notify_in *in)
{
	if (strlen(r->url) < 6 || strcmp(r->url + strlen(r->url) - 6, "/slack") != 0)
		strncat(r->url, "/slack", sizeof(r->url) - strlen(r->url) - 1);
	return body_json(r, slack_body(in->provider, in->event, in->username, in->channel));
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

static int build_commit_status(cf_notify_request *r, const notify_in *in)
{
	return commit_status(r, in->type, in->address, in->token, in->event);
}

/* The provider types: how each request is built, the address used when spec.address and the
 * secret give none (Slack's only with a bot token), and whether the secret's 'headers' go along. */
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
	{ "msteams", NULL, 0, 1, build_msteams },
	{ "pagerduty", PAGERDUTY_URL, 0, 1, build_pagerduty },
	{ "github", NULL, 0, 0, build_commit_status },
	{ "gitlab", NULL, 0, 0, build_commit_status },
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
			 provider, event };
	int rc = 0;

	memset(r, 0, sizeof(*r));
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
