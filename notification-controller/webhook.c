/* notification-controller/webhook.c - webhook paths and request verification. */
#include "webhook.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* "algo=hex" checked against HMAC(token, body) with algo one of sha1, sha256, sha512. */
static int signature_ok(const char *sig, const char *token, const void *body, size_t len)
{
	char hex[CF_RECEIVER_HMAC_MAX];
	const char *eq = sig ? strchr(sig, '=') : NULL;

	if (eq == NULL || cf_receiver_hmac_hex(hex, sig, (size_t)(eq - sig), token, body, len) < 0)
		return 0;
	return cf_receiver_equal(eq + 1, hex);
}

/* Whether event is listed in spec.events (an empty list admits every event). */
static int event_listed(const json_t *spec, const char *event)
{
	const json_t *list = json_object_get(spec, "events"), *e;
	size_t i;

	if (json_array_size(list) == 0)
		return 1;
	json_array_foreach(list, i, e)
		if (event && json_string_value(e) && strcasecmp(json_string_value(e), event) == 0)
			return 1;
	return 0;
}

cf_receiver_verdict cf_receiver_check(const json_t *receiver, const char *token, cf_receiver_header_fn header,
				      void *ctx, const void *body, size_t len, const char **why)
{
	const json_t *spec = json_object_get(receiver, "spec");
	const char *type = json_string_value(json_object_get(spec, "type")), *dummy;

	if (why == NULL)
		why = &dummy;
	*why = "ok";
	if (len > CF_RECEIVER_BODY_MAX) {
		*why = "body too large";
		return CF_RECEIVER_BAD;
	}
	if (type == NULL || token == NULL) {
		*why = "receiver not ready";
		return CF_RECEIVER_BAD;
	}
	if (strcmp(type, "generic") == 0)
		return CF_RECEIVER_ACT;
	if (strcmp(type, "generic-hmac") == 0) {
		if (!signature_ok(header(ctx, "X-Signature"), token, body, len)) {
			*why = "invalid X-Signature";
			return CF_RECEIVER_DENY;
		}
		return CF_RECEIVER_ACT;
	}
	if (strcmp(type, "github") == 0) {
		const char *sig = header(ctx, "X-Hub-Signature-256"), *event = header(ctx, "X-GitHub-Event");
		if (sig == NULL)
			sig = header(ctx, "X-Hub-Signature");
		if (!signature_ok(sig, token, body, len)) {
			*why = "invalid X-Hub-Signature-256";
			return CF_RECEIVER_DENY;
		}
		if (event && strcmp(event, "ping") == 0) {
			*why = "pong";
			return CF_RECEIVER_IGNORE;
		}
		if (!event_listed(spec, event)) {
			*why = "event type not in spec.events";
			return CF_RECEIVER_IGNORE;
		}
		return CF_RECEIVER_ACT;
	}
	if (strcmp(type, "gitlab") == 0) {
		const char *got = header(ctx, "X-Gitlab-Token");
		if (got == NULL || !cf_receiver_equal(got, token)) {
			*why = "invalid X-Gitlab-Token";
			return CF_RECEIVER_DENY;
		}
		if (!event_listed(spec, header(ctx, "X-Gitlab-Event"))) {
			*why = "event type not in spec.events";
			return CF_RECEIVER_IGNORE;
		}
		return CF_RECEIVER_ACT;
	}
	*why = "receiver type not supported by cflux yet";
	return CF_RECEIVER_BAD;
}
