/* tests/unit/test_notify.c - events checked, alerts matched, each provider's documented
 * payload, duplicate keys; receiver paths and request verification. */
#include "notification-controller/notify.h"
#include "notification-controller/webhook.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

#include <mbedtls/md.h>
#include <stdio.h>
#include <stdlib.h>
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

#define REV_SHA "0123456789abcdef0123456789abcdef01234567"

/* A Provider with a uid (Flux's commit status ids take its first part). */
static json_t *provider_uid(const char *spec)
{
	json_t *p = provider(spec);
	json_object_set_new(json_object_get(p, "metadata"), "uid", json_string("a1b2c3d4-0000-4000-8000-000000000000"));
	return p;
}

static const char *path_str(const json_t *j, const char *path)
{
	char part[64];
	const json_t *v = j;

	while (*path && v) {
		size_t n = strcspn(path, ".");
		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(part)) : json_object_get(v, part);
		path += n + (path[n] == '.');
	}
	return json_string_value(v);
}

/* Builds p for e with secret, checks the URL and returns the body (the request in *r). */
static json_t *built(cf_notify_request *r, const json_t *p, const json_t *e, const json_t *secret, const char *url)
{
	CHECK_OK(cf_notify_build(r, p, e, secret));
	CHECK_STR(r->url, url);
	CHECK_STR(r->method, "POST");
	CHECK_STR(header(r, "Content-Type"), "application/json");
	return body_of(r);
}

static void done(cf_notify_request *r, json_t *p, json_t *b)
{
	json_decref(b);
	cf_notify_request_free(r);
	json_decref(p);
}

/* The chat and alerting types, each as Flux's internal/notifier builds it. */
static void provider_payloads_chat(void)
{
	json_t *e = parse(EVENT_ERR), *p, *b, *secret = json_pack("{s:s}", "token", "t0k");
	cf_notify_request r;

	/* rocket: Slack's attachment with #FF0000 on error, no icon */
	p = provider("{\"type\":\"rocket\",\"address\":\"http://127.0.0.1:1/hooks/x\",\"channel\":\"ops\",\"username\":\"flux\"}");
	json_object_set_new(secret, "headers", json_string("X-Team: web\n"));
	b = built(&r, p, e, secret, "http://127.0.0.1:1/hooks/x");
	CHECK(header(&r, "X-Team") == NULL);   /* as in Flux, the secret's headers go with generic types only */
	json_object_del(secret, "headers");
	CHECK_STR(path_str(b, "channel"), "ops");
	CHECK_STR(path_str(b, "username"), "flux");
	CHECK(json_object_get(b, "icon_url") == NULL);
	CHECK_STR(path_str(b, "attachments.0.color"), "#FF0000");
	CHECK_STR(path_str(b, "attachments.0.author_name"), "kustomization/apps.flux-system");
	CHECK_STR(path_str(b, "attachments.0.text"), "Deployment/apps/web dry-run failed");
	CHECK_STR(path_str(b, "attachments.0.fields.0.value"), "main@sha1:" REV_SHA);
	done(&r, p, b);
	/* googlechat: a card, the message in red, metadata as key/values */
	p = provider("{\"type\":\"googlechat\",\"address\":\"http://127.0.0.1:1/v1/spaces/x\"}");
	b = built(&r, p, e, NULL, "http://127.0.0.1:1/v1/spaces/x");
	CHECK_STR(path_str(b, "cards.0.header.title"), "kustomization/apps.flux-system");
	CHECK_STR(path_str(b, "cards.0.header.subtitle"), "kustomize-controller");
	CHECK_STR(path_str(b, "cards.0.sections.0.widgets.0.textParagraph.text"),
		  "<font color=\"#ff0000\">Deployment/apps/web dry-run failed</font>");
	CHECK_STR(path_str(b, "cards.0.sections.1.widgets.0.keyValue.topLabel"), "revision");
	CHECK_STR(path_str(b, "cards.0.sections.1.widgets.0.keyValue.content"), "main@sha1:" REV_SHA);
	done(&r, p, b);
	/* webex: bearer token, channel as roomId, markdown */
	p = provider("{\"type\":\"webex\",\"address\":\"http://127.0.0.1:1/v1/messages\",\"channel\":\"room1\"}");
	b = built(&r, p, e, secret, "http://127.0.0.1:1/v1/messages");
	CHECK_STR(header(&r, "Authorization"), "Bearer t0k");
	CHECK_STR(path_str(b, "roomId"), "room1");
	CHECK_STR(path_str(b, "markdown"), "💣 **kustomization/apps.flux-system**\nDeployment/apps/web dry-run failed\n"
					   ">**revision**: main@sha1:" REV_SHA "\n");
	done(&r, p, b);
	/* lark: an interactive card, red on error */
	p = provider("{\"type\":\"lark\",\"address\":\"http://127.0.0.1:1/open-apis/bot/v2/hook/x\"}");
	b = built(&r, p, e, NULL, "http://127.0.0.1:1/open-apis/bot/v2/hook/x");
	CHECK_STR(path_str(b, "msg_type"), "interactive");
	CHECK(json_is_true(json_object_get(json_object_get(json_object_get(b, "card"), "config"), "wide_screen_mode")));
	CHECK_STR(path_str(b, "card.header.title.tag"), "plain_text");
	CHECK_STR(path_str(b, "card.header.title.content"), "🚨 kustomization/apps.flux-system");
	CHECK_STR(path_str(b, "card.header.template"), "red");
	CHECK_STR(path_str(b, "card.elements.0.tag"), "div");
	CHECK_STR(path_str(b, "card.elements.0.text.tag"), "lark_md");
	CHECK_STR(path_str(b, "card.elements.0.text.content"), "**Deployment/apps/web dry-run failed**\n\nrevision: main@sha1:" REV_SHA "\n");
	done(&r, p, b);
	/* matrix: PUT to the room's send endpoint, a sha1 transaction id, bearer token */
	p = provider("{\"type\":\"matrix\",\"address\":\"http://127.0.0.1:1\",\"channel\":\"!room:example.org\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	CHECK_OK(cf_notify_build(&r, p, e, secret));
	CHECK_STR(r.method, "PUT");
	{
		const char *prefix = "http://127.0.0.1:1/_matrix/client/r0/rooms/!room:example.org/send/m.room.message/";
		CHECK(strncmp(r.url, prefix, strlen(prefix)) == 0);
		CHECK(strlen(r.url + strlen(prefix)) == 40 && strspn(r.url + strlen(prefix), "0123456789abcdef") == 40);
	}
	CHECK_STR(header(&r, "Authorization"), "Bearer t0k");
	b = body_of(&r);
	CHECK_STR(path_str(b, "msgtype"), "m.text");
	CHECK_STR(path_str(b, "body"), "🚨 kustomization/apps.flux-system\nDeployment/apps/web dry-run failed\n- revision: main@sha1:" REV_SHA "\n");
	done(&r, p, b);
	/* telegram: the Bot API URL with the token, chat:thread split, MarkdownV2 escaped */
	p = provider("{\"type\":\"telegram\",\"channel\":\"-100123:42\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "token");
	b = built(&r, p, e, secret, "https://api.telegram.org/bott0k/sendMessage");
	CHECK_STR(path_str(b, "chat_id"), "-100123");
	CHECK_STR(path_str(b, "message_thread_id"), "42");
	CHECK_STR(path_str(b, "parse_mode"), "MarkdownV2");
	CHECK_STR(path_str(b, "text"), "*🚨 kustomization/apps/flux\\-system*\nDeployment/apps/web dry\\-run failed\n"
				       "\\- *revision*: main@sha1:" REV_SHA "\n");
	done(&r, p, b);
	p = provider("{\"type\":\"telegram\",\"channel\":\"@chan\"}");
	b = built(&r, p, e, secret, "https://api.telegram.org/bott0k/sendMessage");
	CHECK_STR(path_str(b, "chat_id"), "@chan");
	CHECK(json_object_get(b, "message_thread_id") == NULL);
	done(&r, p, b);
	/* opsgenie: GenieKey, Kind/name, details with the severity */
	p = provider("{\"type\":\"opsgenie\",\"address\":\"http://127.0.0.1:1/v2/alerts\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	b = built(&r, p, e, secret, "http://127.0.0.1:1/v2/alerts");
	CHECK_STR(header(&r, "Authorization"), "GenieKey t0k");
	CHECK_STR(path_str(b, "message"), "Kustomization/apps");
	CHECK_STR(path_str(b, "description"), "Deployment/apps/web dry-run failed");
	CHECK_STR(path_str(b, "details.severity"), "error");
	CHECK_STR(path_str(b, "details.revision"), "main@sha1:" REV_SHA);
	done(&r, p, b);
	json_decref(secret);
	json_decref(e);
}

static void provider_payloads_alerting(void)
{
	json_t *e = parse(EVENT_ERR), *p, *b, *secret;
	cf_notify_request r;

	/* alertmanager: one firing alert, labels from the event, summary as an annotation, basic auth */
	json_object_set_new(json_object_get(e, "metadata"), "summary", json_string("apps are down"));
	p = provider("{\"type\":\"alertmanager\",\"address\":\"http://127.0.0.1:1/api/v2/alerts\"}");
	secret = json_pack("{s:s,s:s}", "username", "u", "password", "p");
	b = built(&r, p, e, secret, "http://127.0.0.1:1/api/v2/alerts");
	CHECK(json_is_array(b) && json_array_size(b) == 1);
	CHECK_STR(path_str(b, "0.status"), "firing");
	CHECK_STR(path_str(b, "0.labels.alertname"), "FluxKustomizationReconciliationfailed");
	CHECK_STR(path_str(b, "0.labels.severity"), "error");
	CHECK_STR(path_str(b, "0.labels.reason"), "ReconciliationFailed");
	CHECK_STR(path_str(b, "0.labels.kind"), "Kustomization");
	CHECK_STR(path_str(b, "0.labels.name"), "apps");
	CHECK_STR(path_str(b, "0.labels.namespace"), "flux-system");
	CHECK_STR(path_str(b, "0.labels.reportingcontroller"), "kustomize-controller");
	CHECK_STR(path_str(b, "0.labels.revision"), "main@sha1:" REV_SHA);
	CHECK(path_str(b, "0.labels.summary") == NULL);
	CHECK_STR(path_str(b, "0.annotations.summary"), "apps are down");
	CHECK_STR(path_str(b, "0.annotations.message"), "Deployment/apps/web dry-run failed");
	CHECK_STR(path_str(b, "0.startsAt"), "2026-11-22T07:00:00Z");
	CHECK_STR(header(&r, "Authorization"), "Basic dTpw");
	json_decref(b);
	cf_notify_request_free(&r);
	/* cases.Title: '_' is inside a word, '-' between words */
	json_object_set_new(e, "reason", json_string("dependency_NOT-ready"));
	b = built(&r, p, e, secret, "http://127.0.0.1:1/api/v2/alerts");
	CHECK_STR(path_str(b, "0.labels.alertname"), "FluxKustomizationDependency_not-Ready");
	done(&r, p, b);
	json_object_set_new(e, "reason", json_string("ReconciliationFailed"));
	json_decref(secret);
	json_object_del(json_object_get(e, "metadata"), "summary");
	/* grafana: an annotation, ':' in metadata turned to '|', bearer token over basic auth */
	p = provider("{\"type\":\"grafana\",\"address\":\"http://127.0.0.1:1/api/annotations\"}");
	secret = json_pack("{s:s,s:s,s:s}", "token", "gtok", "username", "u", "password", "p");
	b = built(&r, p, e, secret, "http://127.0.0.1:1/api/annotations");
	CHECK(json_integer_value(json_object_get(b, "when")) == 1795330800);
	CHECK_STR(path_str(b, "text"), "kustomization/apps.flux-system");
	{
		static const char *want[] = { "flux", "kustomize-controller", "revision: main@sha1|" REV_SHA,
					      "kind: Kustomization", "name: apps", "namespace: flux-system" };
		json_t *tags = json_object_get(b, "tags");
		CHECK(json_array_size(tags) == 6);
		for (size_t i = 0; i < 6; i++)
			CHECK_STR(json_string_value(json_array_get(tags, i)), want[i]);
	}
	CHECK_STR(header(&r, "Authorization"), "Bearer gtok");
	done(&r, p, b);
	{   /* a JWT behind an OAuth proxy is kilobytes: sent whole, never cut */
		char jwt[3001];
		char want[3010];

		memset(jwt, 'j', sizeof(jwt) - 1);
		jwt[sizeof(jwt) - 1] = '\0';
		snprintf(want, sizeof(want), "Bearer %s", jwt);
		json_object_set_new(secret, "token", json_string(jwt));
		p = provider("{\"type\":\"grafana\",\"address\":\"http://127.0.0.1:1/api/annotations\"}");
		b = built(&r, p, e, secret, "http://127.0.0.1:1/api/annotations");
		CHECK_STR(header(&r, "Authorization"), want);
		done(&r, p, b);
	}
	json_object_del(secret, "token");
	p = provider("{\"type\":\"grafana\",\"address\":\"http://127.0.0.1:1/api/annotations\"}");
	b = built(&r, p, e, secret, "http://127.0.0.1:1/api/annotations");
	CHECK_STR(header(&r, "Authorization"), "Basic dTpw");
	done(&r, p, b);
	json_decref(secret);
	/* datadog: the v1 events API on the address's host, DD-API-KEY, lower-cased tags */
	secret = json_pack("{s:s}", "token", "ddkey");
	p = provider("{\"type\":\"datadog\",\"address\":\"http://127.0.0.1:1/ignored/path\"}");
	CHECK(cf_notify_build(&r, p, e, NULL) == CF_EINVAL);
	b = built(&r, p, e, secret, "http://127.0.0.1:1/api/v1/events");
	CHECK_STR(header(&r, "DD-API-KEY"), "ddkey");
	CHECK_STR(path_str(b, "title"), "Events from the Kustomization apps/flux-system");
	CHECK_STR(path_str(b, "text"), "Deployment/apps/web dry-run failed");
	CHECK_STR(path_str(b, "source_type_name"), "fluxcd");
	CHECK_STR(path_str(b, "alert_type"), "error");
	CHECK(json_integer_value(json_object_get(b, "date_happened")) == 1795330800);
	{
		static const char *want[] = { "flux_reporting_controller:kustomize-controller", "flux_reason:reconciliationfailed",
					      "kube_kind:kustomization", "kube_name:apps", "kube_namespace:flux-system",
					      "revision:main@sha1:" REV_SHA };
		json_t *tags = json_object_get(b, "tags");
		CHECK(json_array_size(tags) == 6);
		for (size_t i = 0; i < 6; i++)
			CHECK_STR(json_string_value(json_array_get(tags, i)), want[i]);
	}
	done(&r, p, b);
	/* githubdispatch: repository_dispatch with the event as client_payload */
	p = provider("{\"type\":\"githubdispatch\",\"address\":\"https://github.com/org/app\"}");
	b = built(&r, p, e, secret, "https://api.github.com/repos/org/app/dispatches");
	CHECK_STR(header(&r, "Authorization"), "Bearer ddkey");
	CHECK_STR(path_str(b, "event_type"), "Kustomization/apps.flux-system");
	CHECK(json_equal(json_object_get(b, "client_payload"), e));
	done(&r, p, b);
	p = provider("{\"type\":\"githubdispatch\",\"address\":\"https://ghe.example/org/app.git\"}");
	b = built(&r, p, e, secret, "https://ghe.example/api/v3/repos/org/app/dispatches");
	json_object_set_new(json_object_get(e, "metadata"), "commit_status", json_string("update"));
	cf_notify_request_free(&r);
	CHECK(cf_notify_build(&r, p, e, secret) == CF_ENOTFOUND);
	json_decref(b);
	json_decref(p);
	json_decref(secret);
	json_decref(e);
}

/* gitea, bitbucket, bitbucketserver, azuredevops: Flux's commit status for the revision, its
 * description the reason's words, its id kind/name/<uid's first part>. */
static void provider_payloads_commit_status(void)
{
	json_t *e = parse(EVENT_ERR), *p, *b, *secret = json_pack("{s:s}", "token", "s3cret");
	cf_notify_request r;

	p = provider_uid("{\"type\":\"gitea\",\"address\":\"https://gitea.example/org/app.git\"}");
	b = built(&r, p, e, secret, "https://gitea.example/api/v1/repos/org/app/statuses/" REV_SHA);
	CHECK_STR(header(&r, "Authorization"), "token s3cret");
	CHECK_STR(path_str(b, "state"), "failure");
	CHECK_STR(path_str(b, "description"), "reconciliation failed");
	CHECK_STR(path_str(b, "context"), "kustomization/apps/a1b2c3d4");
	CHECK_STR(path_str(b, "target_url"), "");
	json_decref(b);
	cf_notify_request_free(&r);
	json_object_set_new(e, "reason", json_string("Progressing"));
	b = built(&r, p, e, secret, "https://gitea.example/api/v1/repos/org/app/statuses/" REV_SHA);
	CHECK_STR(path_str(b, "state"), "pending");
	done(&r, p, b);
	/* bitbucket and bitbucketserver and azuredevops skip Progressing */
	p = provider_uid("{\"type\":\"bitbucket\",\"address\":\"https://bitbucket.org/org/app\"}");
	json_object_set_new(secret, "token", json_string("user:pass"));
	CHECK(cf_notify_build(&r, p, e, secret) == CF_ENOTFOUND);
	json_object_set_new(e, "reason", json_string("HealthCheckFailed"));
	b = built(&r, p, e, secret, "https://api.bitbucket.org/2.0/repositories/org/app/commit/" REV_SHA "/statuses/build");
	CHECK_STR(header(&r, "Authorization"), "Basic dXNlcjpwYXNz");
	CHECK_STR(path_str(b, "state"), "FAILED");
	CHECK_STR(path_str(b, "key"), "000c638c8e8b3c70a42fb830860a1db487343df5");   /* sha1("kustomization/apps/a1b2c3d4") */
	CHECK_STR(path_str(b, "name"), "kustomization/apps");
	CHECK_STR(path_str(b, "description"), "health check failed");
	CHECK_STR(path_str(b, "url"), "https://bitbucket.org");
	done(&r, p, b);
	p = provider_uid("{\"type\":\"bitbucket\",\"address\":\"https://bitbucket.org/org/app\"}");
	json_object_set_new(secret, "token", json_string("no-colon"));
	CHECK(cf_notify_build(&r, p, e, secret) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "<user>:<password>");
	json_decref(p);
	/* bitbucketserver: under the context path before /scm/; a token as bearer, else basic */
	json_object_set_new(e, "severity", json_string("info"));
	json_object_set_new(secret, "token", json_string("s3cret"));
	p = provider_uid("{\"type\":\"bitbucketserver\",\"address\":\"https://bb.example/ctx/scm/PROJ/app.git\"}");
	b = built(&r, p, e, secret, "https://bb.example/ctx/rest/api/latest/projects/PROJ/repos/app/commits/" REV_SHA "/builds");
	CHECK_STR(header(&r, "Authorization"), "Bearer s3cret");
	CHECK_STR(header(&r, "x-atlassian-token"), "no-check");
	CHECK_STR(header(&r, "x-requested-with"), "XMLHttpRequest");
	CHECK_STR(path_str(b, "state"), "SUCCESSFUL");
	CHECK_STR(path_str(b, "key"), "000c638c8e8b3c70a42fb830860a1db487343df5");
	CHECK_STR(path_str(b, "name"), "kustomization/apps [health check failed]");
	CHECK_STR(path_str(b, "url"), "https://bb.example/ctx/scm/PROJ/app.git");
	done(&r, p, b);
	{
		json_t *up = json_pack("{s:s,s:s}", "username", "user", "password", "pass");
		p = provider_uid("{\"type\":\"bitbucketserver\",\"address\":\"https://bb.example/scm/PROJ/app\"}");
		b = built(&r, p, e, up, "https://bb.example/rest/api/latest/projects/PROJ/repos/app/commits/" REV_SHA "/builds");
		CHECK_STR(header(&r, "Authorization"), "Basic dXNlcjpwYXNz");
		done(&r, p, b);
		p = provider_uid("{\"type\":\"bitbucketserver\",\"address\":\"https://bb.example/PROJ/app\"}");
		CHECK(cf_notify_build(&r, p, e, up) == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), "/scm/");
		json_decref(p);
		json_decref(up);
	}
	/* azuredevops: org/project/_git/repo; the PAT as Basic with an empty user */
	p = provider_uid("{\"type\":\"azuredevops\",\"address\":\"https://dev.azure.com/org/proj/_git/app\"}");
	b = built(&r, p, e, secret, "https://dev.azure.com/org/proj/_apis/git/repositories/app/commits/" REV_SHA
				    "/statuses?api-version=6.0");
	CHECK_STR(header(&r, "Authorization"), "Basic OnMzY3JldA==");
	CHECK_STR(path_str(b, "state"), "succeeded");
	CHECK_STR(path_str(b, "description"), "health check failed");
	CHECK_STR(path_str(b, "context.genre"), "fluxcd");
	CHECK_STR(path_str(b, "context.name"), "kustomization/apps/a1b2c3d4");
	done(&r, p, b);
	p = provider_uid("{\"type\":\"azuredevops\",\"address\":\"https://dev.azure.com/org/app\"}");
	CHECK(cf_notify_build(&r, p, e, secret) == CF_EINVAL);
	json_decref(p);
	/* an address from the secret is not named in errors (they reach the Provider's status) */
	{
		json_t *sa = json_pack("{s:s,s:s}", "token", "s3cret", "address", "https://gitea.example/hidden-hook-token");
		p = provider_uid("{\"type\":\"gitea\"}");
		CHECK(cf_notify_build(&r, p, e, sa) == CF_EINVAL);
		CHECK(strstr(cf_err_msg(), "hidden-hook-token") == NULL);
		json_decref(p);
		p = provider_uid("{\"type\":\"githubdispatch\"}");
		json_object_set_new(sa, "address", json_string("https://github.com/a/b/hidden-hook-token"));
		CHECK(cf_notify_build(&r, p, e, sa) == CF_EINVAL);
		CHECK_CONTAINS(cf_err_msg(), "owner/repo");
		CHECK(strstr(cf_err_msg(), "hidden-hook-token") == NULL);
		json_decref(p);
		json_decref(sa);
	}
	/* still not supported: a clear error */
	p = provider("{\"type\":\"nats\",\"address\":\"http://127.0.0.1:1\"}");
	CHECK(cf_notify_build(&r, p, e, secret) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "not supported by cflux yet");
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
	{ "provider_payloads_chat", provider_payloads_chat },
	{ "provider_payloads_alerting", provider_payloads_alerting },
	{ "provider_payloads_commit_status", provider_payloads_commit_status },
	{ "dedup_keys", dedup_keys },
	{ "receivers_verify", receivers_verify },
	{ "receivers_more_types", receivers_more_types },
	{ "secrets_are_wiped", secrets_are_wiped },
};
CF_TEST_MAIN(cases)
