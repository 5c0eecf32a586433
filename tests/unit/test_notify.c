/* tests/unit/test_notify.c - events checked, alerts matched, each provider's documented
 * payload, duplicate keys; receiver paths and request verification. */
#include "notification-controller/notify.h"
#include "notification-controller/webhook.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

#include <mbedtls/md.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define EVENT_ERR "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"flux-system\",\"name\":\"apps\"," \
	"\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\"},\"severity\":\"error\",\"timestamp\":\"2026-11-22T07:00:00Z\"," \
	"\"message\":\"Deployment/apps/web dry-run failed\",\"reason\":\"ReconciliationFailed\"," \
	"\"metadata\":{\"revision\":\"main@sha1:0123456789abcdef0123456789abcdef01234567\"}," \
	"\"reportingController\":\"kustomize-controller\",\"reportingInstance\":\"host\"}"

static json_t *parse(const char *text)
{
	json_t *e = NULL;
	CHECK_OK(cf_notify_parse_event(&e, text, strlen(text)));
	return e;
}

static void events_are_checked(void)
{
	static const struct { const char *json, *err; } bad[] = {
		{ "{", "invalid JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"severity\":\"info\"}", "involvedObject is required" },
		{ "{\"involvedObject\":{\"kind\":\"K\",\"name\":\"n\"},\"severity\":\"info\"}", "involvedObject.namespace" },
		{ "{\"involvedObject\":{\"kind\":\"K\",\"name\":\"n\",\"namespace\":\"ns\"},\"severity\":\"loud\",\"reason\":\"r\","
		  "\"message\":\"m\",\"reportingController\":\"c\"}", "severity must be info or error" },
		{ "{\"involvedObject\":{\"kind\":\"K\",\"name\":\"n\",\"namespace\":\"ns\"},\"severity\":\"info\",\"reason\":\"r\","
		  "\"message\":\"m\",\"reportingController\":\"c\",\"metadata\":{\"a\":1}}", "metadata.a must be a string" },
		{ "{\"a\":1,\"a\":2}", "invalid JSON" },
	};
	json_t *e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(cf_notify_parse_event(&e, bad[i].json, strlen(bad[i].json)) == CF_EINVAL);
		CHECK(e == NULL);
		CHECK_CONTAINS(cf_err_msg(), bad[i].err);
	}
	e = parse(EVENT_ERR);
	json_decref(e);
	/* a null metadata value (a controller's event without a digest) is no value, not a refusal */
	{
		const char *j = "{\"involvedObject\":{\"kind\":\"K\",\"name\":\"n\",\"namespace\":\"ns\"},\"severity\":\"info\","
				"\"reason\":\"r\",\"message\":\"m\",\"reportingController\":\"c\","
				"\"metadata\":{\"revision\":\"main@sha1:1\",\"digest\":null}}";
		CHECK_OK(cf_notify_parse_event(&e, j, strlen(j)));
		CHECK(e && json_object_get(json_object_get(e, "metadata"), "digest") == NULL);
		CHECK_STR(json_string_value(json_object_get(json_object_get(e, "metadata"), "revision")), "main@sha1:1");
		json_decref(e);
	}
}

static json_t *alert(const char *spec)
{
	json_t *s = json_loads(spec, 0, NULL);
	CHECK(s != NULL);
	return json_pack("{s:{s:s,s:s},s:o}", "metadata", "name", "a", "namespace", "flux-system", "spec", s);
}

static void alerts_match(void)
{
	json_t *e = parse(EVENT_ERR), *labels = json_pack("{s:s}", "team", "web");
	static const struct { const char *spec; int want; } cases[] = {
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]}", 1 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"apps\"}]}", 1 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"other\"}]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"GitRepository\",\"name\":\"*\"}]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"namespace\":\"elsewhere\"}]}", 0 },
		{ "{\"eventSeverity\":\"error\",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]}", 1 },
		{ "{\"suspend\":true,\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"matchLabels\":{\"team\":\"web\"}}]}", 1 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"matchLabels\":{\"team\":\"db\"}}]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"dry-run\"]}", 1 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"^Applied\"]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"exclusionList\":[\"Deployment/.*failed\"]}", 0 },
		{ "{\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"(\"]}", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *a = alert(cases[i].spec);
		const char *why = NULL;
		if (cf_notify_alert_matches(a, e, labels, &why) != cases[i].want)
			cf_test_fail(__FILE__, __LINE__, "case %zu: want %d (%s)", i, cases[i].want, why ? why : "");
		json_decref(a);
	}
	/* an info event does not pass an error-only alert */
	json_object_set_new(e, "severity", json_string("info"));
	{
		json_t *a = alert("{\"eventSeverity\":\"error\",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]}");
		CHECK(cf_notify_alert_matches(a, e, NULL, NULL) == 0);
		json_decref(a);
	}
	json_decref(labels);
	json_decref(e);
}

static json_t *provider(const char *spec)
{
	json_t *s = json_loads(spec, 0, NULL);
	CHECK(s != NULL);
	return json_pack("{s:{s:s,s:s},s:o}", "metadata", "name", "p", "namespace", "flux-system", "spec", s);
}

static const char *header(const cf_notify_request *r, const char *name)
{
	return json_string_value(json_object_get(r->headers, name));
}

static json_t *body_of(const cf_notify_request *r)
{
	json_t *b = json_loadb(r->body.data, r->body.len, 0, NULL);
	CHECK(b != NULL);
	return b;
}

static void provider_payloads(void)
{
	json_t *e = parse(EVENT_ERR), *p, *secret, *b;
	cf_notify_request r;
	unsigned char mac[32];
	char hex[65];

	/* generic: the event itself, with Gotk-Component and the secret's headers */
	p = provider("{\"type\":\"generic\",\"address\":\"http://127.0.0.1:1/hook\"}");
	secret = json_pack("{s:s}", "headers", "X-Team: web\nAuthorization: Bearer t\n");
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	CHECK_STR(r.url, "http://127.0.0.1:1/hook");
	CHECK_STR(header(&r, "Gotk-Component"), "kustomize-controller");
	CHECK_STR(header(&r, "X-Team"), "web");
	b = body_of(&r);
	CHECK(json_equal(b, e));
	json_decref(b);
	cf_notify_request_free(&r);
	json_decref(p);
	json_decref(secret);
	/* generic-hmac: X-Signature is the HMAC-SHA256 of the body with the token */
	p = provider("{\"type\":\"generic-hmac\",\"address\":\"http://127.0.0.1:1/hook\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "token is required");
	secret = json_pack("{s:s}", "token", "s3cret");
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const unsigned char *)"s3cret", 6,
			(const unsigned char *)r.body.data, r.body.len, mac);
	strcpy(hex, "");
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	CHECK(header(&r, "X-Signature") && strncmp(header(&r, "X-Signature"), "sha256=", 7) == 0 &&
	      strcmp(header(&r, "X-Signature") + 7, hex) == 0);
	cf_notify_request_free(&r);
	json_decref(p);
	/* slack: an attachment, red for errors, the object named, the revision as a field */
	p = provider("{\"type\":\"slack\",\"address\":\"http://127.0.0.1:1/slack\",\"channel\":\"ops\",\"username\":\"flux\"}");
	CHECK_OK(cf_notify_build(&r, p, e, NULL));
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "channel")), "ops");
	CHECK_STR(json_string_value(json_object_get(b, "username")), "flux");
	{
		json_t *att = json_array_get(json_object_get(b, "attachments"), 0);
		CHECK_STR(json_string_value(json_object_get(att, "color")), "danger");
		CHECK_STR(json_string_value(json_object_get(att, "author_name")), "kustomization/apps.flux-system");
		CHECK_STR(json_string_value(json_object_get(att, "text")), "Deployment/apps/web dry-run failed");
		CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(att, "fields"), 0), "title")), "revision");
	}
	json_decref(b);
	cf_notify_request_free(&r);
	/* a bot token needs a channel and goes in Authorization */
	json_object_del(json_object_get(p, "spec"), "channel");
	CHECK(cf_notify_build(&r, p, e, secret) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "spec.channel is required");
	json_decref(p);
	/* discord: Slack's payload on the /slack endpoint */
	p = provider("{\"type\":\"discord\",\"address\":\"http://127.0.0.1:1/api/webhooks/1/x\"}");
	CHECK_OK(cf_notify_build(&r, p, e, NULL));
	CHECK_STR(r.url, "http://127.0.0.1:1/api/webhooks/1/x/slack");
	cf_notify_request_free(&r);
	json_decref(p);
	/* msteams: a MessageCard */
	p = provider("{\"type\":\"msteams\",\"address\":\"http://127.0.0.1:1/teams\"}");
	CHECK_OK(cf_notify_build(&r, p, e, NULL));
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "@type")), "MessageCard");
	CHECK_STR(json_string_value(json_object_get(b, "themeColor")), "FF0000");
	json_decref(b);
	cf_notify_request_free(&r);
	json_decref(p);
	/* pagerduty: trigger on error, resolve on recovery, routing key from the secret */
	p = provider("{\"type\":\"pagerduty\",\"address\":\"http://127.0.0.1:1/v2/enqueue\",\"channel\":\"fallback\"}");
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "routing_key")), "s3cret");
	CHECK_STR(json_string_value(json_object_get(b, "event_action")), "trigger");
	CHECK_STR(json_string_value(json_object_get(b, "dedup_key")), "Kustomization/flux-system/apps");
	CHECK_STR(json_string_value(json_object_get(json_object_get(b, "payload"), "severity")), "error");
	json_decref(b);
	cf_notify_request_free(&r);
	json_object_set_new(e, "severity", json_string("info"));
	CHECK_OK(cf_notify_build(&r, p, e, NULL));
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "routing_key")), "fallback");
	CHECK_STR(json_string_value(json_object_get(b, "event_action")), "resolve");
	json_decref(b);
	cf_notify_request_free(&r);
	json_decref(p);
	/* github and gitlab: a commit status for the revision */
	p = provider("{\"type\":\"github\",\"address\":\"https://github.com/org/app.git\"}");
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	CHECK_STR(r.url, "https://api.github.com/repos/org/app/statuses/0123456789abcdef0123456789abcdef01234567");
	CHECK_STR(header(&r, "Authorization"), "Bearer s3cret");
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "state")), "success");
	CHECK_STR(json_string_value(json_object_get(b, "context")), "kustomization/apps");
	json_decref(b);
	cf_notify_request_free(&r);
	json_decref(p);
	p = provider("{\"type\":\"gitlab\",\"address\":\"http://127.0.0.1:1/group/sub/app\"}");
	json_object_set_new(e, "severity", json_string("error"));
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	CHECK_STR(r.url, "http://127.0.0.1:1/api/v4/projects/group%2Fsub%2Fapp/statuses/0123456789abcdef0123456789abcdef01234567");
	CHECK_STR(header(&r, "PRIVATE-TOKEN"), "s3cret");
	b = body_of(&r);
	CHECK_STR(json_string_value(json_object_get(b, "state")), "failed");
	json_decref(b);
	cf_notify_request_free(&r);
	/* no revision: nothing to send */
	json_object_del(e, "metadata");
	CHECK(cf_notify_build(&r, p, e, secret) == CF_ENOTFOUND);
	json_decref(p);
	/* no address */
	p = provider("{\"type\":\"generic\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "address is required");
	json_decref(p);
	json_decref(secret);
	json_decref(e);
}

static void dedup_keys(void)
{
	json_t *a = parse(EVENT_ERR), *b = parse(EVENT_ERR);
	char ka[72], kb[72];

	json_object_set_new(json_object_get(b, "involvedObject"), "resourceVersion", json_string("99"));
	cf_notify_dedup_key(ka, "ns/p", a);
	cf_notify_dedup_key(kb, "ns/p", b);
	CHECK_STR(ka, kb);   /* the same event, another resourceVersion: a duplicate */
	cf_notify_dedup_key(kb, "ns/q", b);
	CHECK(strcmp(ka, kb) != 0);
	json_object_set_new(b, "message", json_string("other"));
	cf_notify_dedup_key(kb, "ns/p", b);
	CHECK(strcmp(ka, kb) != 0);
	json_decref(a);
	json_decref(b);
}

typedef struct hdrs { const char *names[4], *values[4]; } hdrs;

static const char *get_header(void *ctx, const char *name)
{
	hdrs *h = ctx;
	for (int i = 0; i < 4 && h->names[i]; i++)
		if (strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	return NULL;
}

static void hmac_hex(char out[129], mbedtls_md_type_t t, const char *key, const char *body)
{
	unsigned char mac[64];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(t);

	mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key), (const unsigned char *)body, strlen(body), mac);
	for (size_t i = 0; i < mbedtls_md_get_size(md); i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void receivers_verify(void)
{
	const char *body = "{\"ref\":\"refs/heads/main\"}";
	char path[80], hex[129], sig[160];
	json_t *gh = json_pack("{s:{s:s,s:[s]}}", "spec", "type", "github", "events", "push");
	json_t *gl = json_pack("{s:{s:s}}", "spec", "type", "gitlab");
	json_t *hm = json_pack("{s:{s:s}}", "spec", "type", "generic-hmac");
	json_t *gen = json_pack("{s:{s:s}}", "spec", "type", "generic");
	hdrs h = { { NULL }, { NULL } };
	const char *why;

	cf_receiver_path(path, "token", "receiver", "flux-system");
	CHECK(strncmp(path, "/hook/", 6) == 0 && strlen(path) == 70);
	hmac_hex(hex, MBEDTLS_MD_SHA256, "token", body);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	h = (hdrs){ { "X-Hub-Signature-256", "X-GitHub-Event", "Content-Type" }, { sig, "push", "application/json" } };
	CHECK(cf_receiver_check(gh, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_ACT);
	h.values[1] = "ping";
	CHECK(cf_receiver_check(gh, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_IGNORE);
	h.values[1] = "issues";
	CHECK(cf_receiver_check(gh, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_IGNORE);
	h.values[1] = "push";
	CHECK(cf_receiver_check(gh, "other-token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_DENY);
	CHECK(cf_receiver_check(gh, "token", get_header, &h, "{}", 2, &why) == CF_RECEIVER_DENY);
	h = (hdrs){ { "X-GitHub-Event", "Content-Type" }, { "push", "application/json" } };
	CHECK(cf_receiver_check(gh, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_DENY);
	/* generic-hmac takes sha1, sha256 and sha512 */
	hmac_hex(hex, MBEDTLS_MD_SHA512, "token", body);
	snprintf(sig, sizeof(sig), "sha512=%s", hex);
	h = (hdrs){ { "X-Signature" }, { sig } };
	CHECK(cf_receiver_check(hm, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_ACT);
	sig[10] ^= 1;
	CHECK(cf_receiver_check(hm, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_DENY);
	h = (hdrs){ { "X-Gitlab-Token", "X-Gitlab-Event" }, { "token", "Push Hook" } };
	CHECK(cf_receiver_check(gl, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_ACT);
	h.values[0] = "tokem";
	CHECK(cf_receiver_check(gl, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_DENY);
	CHECK(cf_receiver_check(gen, "token", get_header, &h, body, strlen(body), &why) == CF_RECEIVER_ACT);
	CHECK(cf_receiver_check(gen, "token", get_header, &h, body, CF_RECEIVER_BODY_MAX + 1, &why) == CF_RECEIVER_BAD);
	CHECK(cf_receiver_equal("abc", "abc") && !cf_receiver_equal("abc", "abd") && !cf_receiver_equal("abc", "abcd"));
	json_decref(gh);
	json_decref(gl);
	json_decref(hm);
	json_decref(gen);
}

#define CDEVENT(type, id) "{\"context\":{\"specversion\":\"0.4.1\",\"id\":\"" id "\",\"source\":\"/ci\"," \
	"\"type\":\"" type "\",\"timestamp\":\"2026-12-08T00:00:00Z\"},\"subject\":{\"id\":\"pr-1\",\"content\":{}}}"
#define JSON_CT { "Content-Type", "application/json" }
#define GCR_DATA_OK "eyJhY3Rpb24iOiJJTlNFUlQiLCJkaWdlc3QiOiJnY3IuaW8vcC9hcHBAc2hhMjU2OjAwIiwidGFnIjoiZ2NyLmlvL3AvYXBwOnYxIn0="
#define GCR_BODY(data, time) "{\"message\":{\"data\":\"" data "\",\"messageId\":\"1\",\"publishTime\":\"" time "\"," \
	"\"subscription\":\"projects/p/subscriptions/s\"}}"

/* Header values that stand for a signature of the case's body: "sha256=" or "sha1=" with
 * HMAC(token), the bare hex of HMAC-SHA1 (Nexus), or an HMAC-SHA256 with another key. */
static const char *sign(char out[160], const char *v, const char *body)
{
	static const struct { const char *mark, *prefix, *key; mbedtls_md_type_t t; } marks[] = {
		{ "SIG256", "sha256=", "token", MBEDTLS_MD_SHA256 }, { "SIG1", "sha1=", "token", MBEDTLS_MD_SHA1 },
		{ "HEX1", "", "token", MBEDTLS_MD_SHA1 }, { "OTHER256", "sha256=", "other", MBEDTLS_MD_SHA256 },
		{ "OTHERHEX1", "", "other", MBEDTLS_MD_SHA1 }, { "PREFIXEDHEX1", "sha1=", "token", MBEDTLS_MD_SHA1 },
	};
	char hex[129];

	for (size_t i = 0; v && i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strcmp(v, marks[i].mark) == 0) {
			hmac_hex(hex, marks[i].t, marks[i].key, body);
			snprintf(out, 160, "%s%s", marks[i].prefix, hex);
			return out;
		}
	return v;
}

/* The types beyond generic/github/gitlab, expectations from Flux's validate
 * (internal/server/receiver_handlers.go): cflux answers a wrong or missing signature or token
 * DENY (401), an event not in spec.events IGNORE (200), a payload Flux cannot decode BAD. */
static void receivers_more_types(void)
{
	static const struct {
		const char *name, *type, *event;   /* event: the one spec.events entry, or NULL */
		const char *h[3][2], *body;
		cf_receiver_verdict want;
		const char *why;                   /* part of *why, or NULL */
	} cases[] = {
		{ "bitbucket signed sha256", "bitbucket", "repo:refs_changed",
		  { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "repo:refs_changed" }, JSON_CT }, "{\"changes\":[]}", CF_RECEIVER_ACT, NULL },
		{ "bitbucket signed sha1", "bitbucket", NULL, { { "X-Hub-Signature", "SIG1" }, { "X-Event-Key", "repo:refs_changed" }, JSON_CT },
		  "{}", CF_RECEIVER_ACT, NULL },
		{ "bitbucket event case folded", "bitbucket", "repo:refs_changed",
		  { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "Repo:Refs_Changed" }, JSON_CT }, "{}", CF_RECEIVER_ACT, NULL },
		{ "bitbucket other key", "bitbucket", NULL, { { "X-Hub-Signature", "OTHER256" }, { "X-Event-Key", "repo:refs_changed" }, JSON_CT },
		  "{}", CF_RECEIVER_DENY, NULL },
		{ "bitbucket unsigned", "bitbucket", NULL, { { "X-Event-Key", "repo:refs_changed" }, JSON_CT }, "{}", CF_RECEIVER_DENY, NULL },
		{ "bitbucket event not listed", "bitbucket", "repo:refs_changed",
		  { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "pr:opened" }, JSON_CT }, "{}", CF_RECEIVER_IGNORE, "spec.events" },
		{ "bitbucket form body", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "repo:refs_changed" },
		  { "Content-Type", "application/x-www-form-urlencoded" } }, "payload=%7B%7D", CF_RECEIVER_ACT, NULL },
		{ "bitbucket form body not a form", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "x" },
		  { "Content-Type", "application/x-www-form-urlencoded" } }, "payload=%7B%7", CF_RECEIVER_BAD, "form" },
		{ "bitbucket form body with a semicolon", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "x" },
		  { "Content-Type", "application/x-www-form-urlencoded" } }, "a=1;b=2", CF_RECEIVER_BAD, "form" },
		{ "bitbucket no Content-Type", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "repo:refs_changed" } },
		  "{}", CF_RECEIVER_BAD, "Content-Type" },
		{ "bitbucket text body", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "repo:refs_changed" },
		  { "Content-Type", "text/plain" } }, "{}", CF_RECEIVER_BAD, "Content-Type" },
		{ "bitbucket json with charset", "bitbucket", NULL, { { "X-Hub-Signature", "SIG256" }, { "X-Event-Key", "x" },
		  { "Content-Type", "Application/JSON; charset=utf-8" } }, "{}", CF_RECEIVER_ACT, NULL },
		{ "harbor token", "harbor", NULL, { { "Authorization", "token" } }, "not json: harbor's body is not read",
		  CF_RECEIVER_ACT, NULL },
		{ "harbor bearer is not the token", "harbor", NULL, { { "Authorization", "Bearer token" } }, "{}", CF_RECEIVER_DENY, "Harbor" },
		{ "harbor no header", "harbor", NULL, { { NULL, NULL } }, "{}", CF_RECEIVER_DENY, NULL },
		{ "dockerhub push", "dockerhub", NULL, { { NULL, NULL } },
		  "{\"push_data\":{\"tag\":\"latest\",\"pusher\":\"u\"},\"repository\":{\"repo_url\":\"https://hub.docker.com/r/u/app\",\"star_count\":3}}",
		  CF_RECEIVER_ACT, NULL },
		{ "dockerhub not json", "dockerhub", NULL, { { NULL, NULL } }, "push", CF_RECEIVER_BAD, "DockerHub" },
		{ "dockerhub empty", "dockerhub", NULL, { { NULL, NULL } }, "", CF_RECEIVER_BAD, NULL },
		{ "dockerhub tag a number", "dockerhub", NULL, { { NULL, NULL } }, "{\"push_data\":{\"tag\":1}}", CF_RECEIVER_BAD, NULL },
		{ "dockerhub keys folded", "dockerhub", NULL, { { NULL, NULL } }, "{\"Push_Data\":{\"TAG\":1}}", CF_RECEIVER_BAD, NULL },
		{ "dockerhub push_data a string", "dockerhub", NULL, { { NULL, NULL } }, "{\"push_data\":\"x\"}", CF_RECEIVER_BAD, NULL },
		{ "dockerhub an array", "dockerhub", NULL, { { NULL, NULL } }, "[]", CF_RECEIVER_BAD, NULL },
		{ "dockerhub null decodes", "dockerhub", NULL, { { NULL, NULL } }, "null", CF_RECEIVER_ACT, NULL },
		{ "dockerhub rest after the value unread", "dockerhub", NULL, { { NULL, NULL } }, "{\"repository\":null} tail",
		  CF_RECEIVER_ACT, NULL },
		{ "quay push", "quay", NULL, { { NULL, NULL } }, "{\"docker_url\":\"quay.io/o/app\",\"updated_tags\":[\"v1\",null]}",
		  CF_RECEIVER_ACT, NULL },
		{ "quay tags a string", "quay", NULL, { { NULL, NULL } }, "{\"updated_tags\":\"v1\"}", CF_RECEIVER_BAD, "Quay" },
		{ "quay tag a number", "quay", NULL, { { NULL, NULL } }, "{\"updated_tags\":[1]}", CF_RECEIVER_BAD, NULL },
		{ "acr push", "acr", NULL, { { NULL, NULL } }, "{\"action\":\"push\",\"target\":{\"repository\":\"app\",\"tag\":\"v1\"}}",
		  CF_RECEIVER_ACT, NULL },
		{ "acr tag a number", "acr", NULL, { { NULL, NULL } }, "{\"target\":{\"tag\":2}}", CF_RECEIVER_BAD, "ACR" },
		{ "nexus signed", "nexus", NULL, { { "X-Nexus-Webhook-Signature", "HEX1" } },
		  "{\"action\":\"CREATED\",\"repositoryName\":\"docker-hosted\"}", CF_RECEIVER_ACT, NULL },
		{ "nexus unsigned", "nexus", NULL, { { NULL, NULL } }, "{}", CF_RECEIVER_DENY, "missing" },
		{ "nexus other key", "nexus", NULL, { { "X-Nexus-Webhook-Signature", "OTHERHEX1" } }, "{}", CF_RECEIVER_DENY, "invalid Nexus" },
		{ "nexus signature with an algo", "nexus", NULL, { { "X-Nexus-Webhook-Signature", "PREFIXEDHEX1" } }, "{}",
		  CF_RECEIVER_DENY, NULL },
		{ "nexus signed, rest after the value", "nexus", NULL, { { "X-Nexus-Webhook-Signature", "HEX1" } }, "{} {}",
		  CF_RECEIVER_BAD, "Nexus" },
		{ "nexus signed, action a number", "nexus", NULL, { { "X-Nexus-Webhook-Signature", "HEX1" } }, "{\"action\":3}",
		  CF_RECEIVER_BAD, NULL },
		{ "gcr without a bearer", "gcr", NULL, { { NULL, NULL } }, GCR_BODY(GCR_DATA_OK, "2026-12-08T00:00:00.123Z"),
		  CF_RECEIVER_DENY, "Authorization" },
		{ "gcr decoded, token not verified", "gcr", NULL, { { "Authorization", "Bearer eyJ.x.y" } },
		  GCR_BODY(GCR_DATA_OK, "2026-12-08T00:00:00.123Z"), CF_RECEIVER_BAD, "OIDC" },
		{ "gcr not json", "gcr", NULL, { { "Authorization", "Bearer eyJ.x.y" } }, "{", CF_RECEIVER_BAD, "GCR webhook payload" },
		{ "gcr publishTime not a time", "gcr", NULL, { { "Authorization", "Bearer eyJ.x.y" } }, GCR_BODY(GCR_DATA_OK, "2026-02-30T00:00:00Z"),
		  CF_RECEIVER_BAD, "GCR webhook payload" },
		{ "gcr data not a GCR event", "gcr", NULL, { { "Authorization", "Bearer eyJ.x.y" } }, GCR_BODY("bm90IGpzb24=", "2026-12-08T00:00:00Z"),
		  CF_RECEIVER_BAD, "GCR webhook body" },
		{ "gcr no data", "gcr", NULL, { { "Authorization", "Bearer eyJ.x.y" } }, "{\"message\":{}}", CF_RECEIVER_BAD, "GCR webhook body" },
		{ "cdevents listed", "cdevents", "dev.cdevents.change.merged.0.2.0",
		  { { "Ce-Type", "dev.cdevents.change.merged.0.2.0" } }, CDEVENT("dev.cdevents.change.merged.0.2.0", "1"), CF_RECEIVER_ACT, NULL },
		{ "cdevents not listed", "cdevents", "dev.cdevents.change.merged.0.2.0",
		  { { "Ce-Type", "dev.cdevents.build.started.0.2.0" } }, CDEVENT("dev.cdevents.build.started.0.2.0", "1"),
		  CF_RECEIVER_IGNORE, NULL },
		{ "cdevents no id", "cdevents", NULL, { { "Ce-Type", "dev.cdevents.change.merged.0.2.0" } },
		  CDEVENT("dev.cdevents.change.merged.0.2.0", ""), CF_RECEIVER_BAD, "CDEvent" },
		{ "cdevents type not a cdevent", "cdevents", NULL, { { "Ce-Type", "x" } }, CDEVENT("com.example.push", "1"), CF_RECEIVER_BAD, NULL },
		{ "cdevents not json", "cdevents", NULL, { { "Ce-Type", "x" } }, "push", CF_RECEIVER_BAD, NULL },
		{ "generic-oidc refused", "generic-oidc", NULL, { { "Authorization", "Bearer a.b.c" } }, "{}", CF_RECEIVER_BAD, "generic-oidc" },
		{ "unknown type", "svn", NULL, { { NULL, NULL } }, "{}", CF_RECEIVER_BAD, "not supported" },
	};
	char sigs[2][160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = cases[i].event ? json_pack("{s:{s:s,s:[s]}}", "spec", "type", cases[i].type, "events", cases[i].event)
					   : json_pack("{s:{s:s}}", "spec", "type", cases[i].type);
		hdrs h = { { cases[i].h[0][0], cases[i].h[1][0], cases[i].h[2][0] },
			   { sign(sigs[0], cases[i].h[0][1], cases[i].body), sign(sigs[1], cases[i].h[1][1], cases[i].body),
			     cases[i].h[2][1] } };
		const char *why = NULL;
		cf_receiver_verdict v = cf_receiver_check(r, "token", get_header, &h, cases[i].body, strlen(cases[i].body), &why);
		if (v != cases[i].want || (cases[i].why && strstr(why, cases[i].why) == NULL))
			fprintf(stderr, "case '%s': verdict %d (want %d), why '%s'\n", cases[i].name, (int)v, (int)cases[i].want, why);
		CHECK(v == cases[i].want);
		CHECK(cases[i].why == NULL || strstr(why, cases[i].why) != NULL);
		json_decref(r);
	}
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Secrets held in jansson strings are overwritten before they are freed. */
static void secrets_are_wiped(void)
{
	json_t *j = json_pack("{s:s,s:{s:s},s:[s,i]}", "token", "s3cret-token", "nested", "password", "hunter2",
			      "list", "xoxb-123", 7);
	json_t *provider = json_pack("{s:{s:s,s:s,s:s}}", "spec", "type", "slack", "channel", "ops",
				     "address", "https://slack.example/api");
	json_t *secret = json_pack("{s:s}", "token", "xoxb-bot-token");
	json_t *e = parse(EVENT_ERR);
	const char *tok = json_string_value(json_object_get(j, "token"));
	const char *pw = json_string_value(json_object_get(json_object_get(j, "nested"), "password"));
	const char *item = json_string_value(json_array_get(json_object_get(j, "list"), 0));
	cf_notify_request r;

	cf_notify_wipe(j);
	CHECK(all_zero(tok, strlen("s3cret-token")));
	CHECK(all_zero(pw, strlen("hunter2")));
	CHECK(all_zero(item, strlen("xoxb-123")));
	CHECK(json_integer_value(json_array_get(json_object_get(j, "list"), 1)) == 7);
	CHECK(json_object_get(j, "token") != NULL);   /* keys stay: only values are secret */
	cf_notify_wipe(NULL);
	json_decref(j);

	/* a request's headers (the bearer token) and body are wiped when it is freed: the header
	 * object is kept alive here only to look at its bytes after the free */
	CHECK_OK(cf_notify_build(&r, provider, e, secret));
	{
		json_t *headers = json_incref(r.headers);
		const char *auth = json_string_value(json_object_get(headers, "Authorization"));
		CHECK_STR(auth, "Bearer xoxb-bot-token");
		cf_notify_request_free(&r);
		CHECK(auth && all_zero(auth, strlen("Bearer xoxb-bot-token")));
		json_decref(headers);
	}
	json_decref(provider);
	json_decref(secret);
	json_decref(e);
}

static const cf_test_case cases[] = {
	{ "events_are_checked", events_are_checked },
	{ "alerts_match", alerts_match },
	{ "provider_payloads", provider_payloads },
	{ "dedup_keys", dedup_keys },
	{ "receivers_verify", receivers_verify },
	{ "receivers_more_types", receivers_more_types },
	{ "secrets_are_wiped", secrets_are_wiped },
};
CF_TEST_MAIN(cases)
