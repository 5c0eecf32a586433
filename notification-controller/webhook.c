/* notification-controller/webhook.c - webhook paths and request verification. */
#include "webhook.h"

#include "util/alloc.h"
#include "util/base64.h"
#include "yaml/yaml.h"

#include <ctype.h>
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

/* ---- receiver types, as Flux's validate (internal/server/receiver_handlers.go) ---- */

typedef struct hook_request {
	const json_t *spec;
	const char *token;
	cf_receiver_header_fn header;
	void *ctx;
	const void *body;
	size_t len;
	const char **why;
} hook_request;

static cf_receiver_verdict refuse(const hook_request *r, cf_receiver_verdict v, const char *why)
{
	*r->why = why;
	return v;
}

/* The event header's value checked against spec.events, as Flux does for the sender types
 * that have events; an event not listed is answered and acted on not at all. */
static cf_receiver_verdict listed_or_ignored(const hook_request *r, const char *header)
{
	if (!event_listed(r->spec, r->header(r->ctx, header)))
		return refuse(r, CF_RECEIVER_IGNORE, "event type not in spec.events");
	return CF_RECEIVER_ACT;
}

/* Whether Go's url.ParseQuery takes body: no ';' and every '%' a two-digit hex escape. */
static int form_ok(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (body[i] == ';')
			return 0;
		if (body[i] == '%' && (i + 2 >= len || !isxdigit((unsigned char)body[i + 1]) ||
				       !isxdigit((unsigned char)body[i + 2])))
			return 0;
	}
	return 1;
}

/* go-github's ValidatePayload, which Flux uses for GitHub and Bitbucket Server: a JSON or form
 * body (by Content-Type, parameters aside; a form must parse), signed in the sha256 header,
 * else the sha1 one, over the body as sent. */
static cf_receiver_verdict hub_payload_verdict(const hook_request *r, const char *deny)
{
	static const char *const media[] = { "application/json", "application/x-www-form-urlencoded" };
	const char *ct = r->header(r->ctx, "Content-Type"), *sig = r->header(r->ctx, "X-Hub-Signature-256");
	size_t n = ct ? strcspn(ct, "; \t") : 0, kind = 0;

	while (kind < 2 && !(n == strlen(media[kind]) && strncasecmp(ct, media[kind], n) == 0))
		kind++;
	if (kind == 2)
		return refuse(r, CF_RECEIVER_BAD, "webhook request has unsupported Content-Type");
	if (kind == 1 && !form_ok(r->body, r->len))
		return refuse(r, CF_RECEIVER_BAD, "the form body does not parse");
	if (sig == NULL)
		sig = r->header(r->ctx, "X-Hub-Signature");
	if (!signature_ok(sig, r->token, r->body, r->len))
		return refuse(r, CF_RECEIVER_DENY, deny);
	return CF_RECEIVER_ACT;
}

/* A header that must equal the token (GitLab's X-Gitlab-Token, Harbor's Authorization). */
static int header_is_token(const hook_request *r, const char *name)
{
	const char *got = r->header(r->ctx, name);

	return got != NULL && cf_receiver_equal(got, r->token);
}

/* ---- payloads: what Go's encoding/json admits into Flux's payload structs ---- */

typedef enum { SHAPE_STRING, SHAPE_STRINGS, SHAPE_TIME, SHAPE_OBJECT } shape_kind;

/* A field of a Go struct Flux decodes into; fields of an object end with a NULL key. */
typedef struct shape {
	const char *key;
	shape_kind kind;
	const struct shape *fields;
} shape;

static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* time.Time's UnmarshalJSON: RFC 3339 with optional fractional seconds, fields in range. */
static int rfc3339_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh, om;
	size_t i = 19;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59 ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return 0;
	if (s[i] == '.') {
		size_t f = ++i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	if (s[i] == 'Z')
		return s[i + 1] == '\0';
	return (s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 && digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
	       digits(s + i + 4, 2, &om) && oh < 24 && om < 60;
}

/* Whether v decodes into a Go value of this kind: null always does; object keys match field
 * names case-insensitively, as encoding/json's do, and unknown keys are skipped. */
static int shape_ok(const json_t *v, shape_kind kind, const shape *fields)
{
	const char *key;
	json_t *e;
	size_t i;

	if (json_is_null(v))
		return 1;
	switch (kind) {
	case SHAPE_STRING:
		return json_is_string(v);
	case SHAPE_TIME:
		return json_is_string(v) && rfc3339_ok(json_string_value(v));
	case SHAPE_STRINGS:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
			if (!json_is_string(e) && !json_is_null(e))
				return 0;
		return 1;
	case SHAPE_OBJECT:
		if (!json_is_object(v))
			return 0;
		json_object_foreach((json_t *)v, key, e)
			for (const shape *f = fields; f->key; f++)
				if (strcasecmp(key, f->key) == 0 && !shape_ok(e, f->kind, f->fields))
					return 0;
		return 1;
	}
	return 0;
}

/* The payload decoded as Flux does: json.NewDecoder(body).Decode reads the first value and
 * leaves what follows (whole = 0); json.Unmarshal wants nothing after it (whole = 1). A new
 * reference, or NULL when Flux's decode fails. */
static json_t *payload_decode(const void *body, size_t len, int whole, const shape *fields)
{
	size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL | (whole ? 0 : JSON_DISABLE_EOF_CHECK);
	json_t *v = json_loadb(body, len, flags, NULL);

	if (v != NULL && !shape_ok(v, SHAPE_OBJECT, fields)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static cf_receiver_verdict payload_verdict(const hook_request *r, int whole, const shape *fields, const char *why)
{
	json_t *v = payload_decode(r->body, r->len, whole, fields);

	json_decref(v);
	return v ? CF_RECEIVER_ACT : refuse(r, CF_RECEIVER_BAD, why);
}

static const shape QUAY[] = { { "docker_url", SHAPE_STRING, NULL }, { "updated_tags", SHAPE_STRINGS, NULL }, { NULL, 0, NULL } };
static const shape DOCKERHUB_PUSH[] = { { "tag", SHAPE_STRING, NULL }, { NULL, 0, NULL } };
static const shape DOCKERHUB_REPO[] = { { "repo_url", SHAPE_STRING, NULL }, { NULL, 0, NULL } };
static const shape DOCKERHUB[] = { { "push_data", SHAPE_OBJECT, DOCKERHUB_PUSH },
				   { "repository", SHAPE_OBJECT, DOCKERHUB_REPO }, { NULL, 0, NULL } };
static const shape NEXUS[] = { { "action", SHAPE_STRING, NULL }, { "repositoryName", SHAPE_STRING, NULL }, { NULL, 0, NULL } };
static const shape ACR_TARGET[] = { { "repository", SHAPE_STRING, NULL }, { "tag", SHAPE_STRING, NULL }, { NULL, 0, NULL } };
static const shape ACR[] = { { "action", SHAPE_STRING, NULL }, { "target", SHAPE_OBJECT, ACR_TARGET }, { NULL, 0, NULL } };
static const shape GCR_MESSAGE[] = { { "data", SHAPE_STRING, NULL }, { "messageId", SHAPE_STRING, NULL },
				     { "publishTime", SHAPE_TIME, NULL }, { "subscription", SHAPE_STRING, NULL },
				     { NULL, 0, NULL } };
static const shape GCR[] = { { "message", SHAPE_OBJECT, GCR_MESSAGE }, { NULL, 0, NULL } };
static const shape GCR_DATA[] = { { "action", SHAPE_STRING, NULL }, { "digest", SHAPE_STRING, NULL },
				  { "tag", SHAPE_STRING, NULL }, { NULL, 0, NULL } };

/* ---- one function a type ---- */

static cf_receiver_verdict check_generic(const hook_request *r)
{
	(void)r;
	return CF_RECEIVER_ACT;
}

static cf_receiver_verdict check_generic_hmac(const hook_request *r)
{
	if (!signature_ok(r->header(r->ctx, "X-Signature"), r->token, r->body, r->len))
		return refuse(r, CF_RECEIVER_DENY, "invalid X-Signature");
	return CF_RECEIVER_ACT;
}

static cf_receiver_verdict check_github(const hook_request *r)
{
	const char *event = r->header(r->ctx, "X-GitHub-Event");
	cf_receiver_verdict v = hub_payload_verdict(r, "invalid X-Hub-Signature-256");

	if (v != CF_RECEIVER_ACT)
		return v;
	if (event && strcmp(event, "ping") == 0)
		return refuse(r, CF_RECEIVER_IGNORE, "pong");
	return listed_or_ignored(r, "X-GitHub-Event");
}

static cf_receiver_verdict check_gitlab(const hook_request *r)
{
	if (!header_is_token(r, "X-Gitlab-Token"))
		return refuse(r, CF_RECEIVER_DENY, "invalid X-Gitlab-Token");
	return listed_or_ignored(r, "X-Gitlab-Event");
}

/* Bitbucket Server signs as GitHub does (X-Hub-Signature "sha256=..."); events in X-Event-Key. */
static cf_receiver_verdict check_bitbucket(const hook_request *r)
{
	cf_receiver_verdict v = hub_payload_verdict(r, "invalid X-Hub-Signature");

	return v != CF_RECEIVER_ACT ? v : listed_or_ignored(r, "X-Event-Key");
}

/* Harbor sends the token verbatim as its Authorization header; the body is not read. */
static cf_receiver_verdict check_harbor(const hook_request *r)
{
	if (!header_is_token(r, "Authorization"))
		return refuse(r, CF_RECEIVER_DENY, "the Harbor Authorization header value does not match the receiver token");
	return CF_RECEIVER_ACT;
}

/* Docker Hub, Quay and ACR sign nothing: the secret path is the proof; the body must decode. */
static cf_receiver_verdict check_dockerhub(const hook_request *r)
{
	return payload_verdict(r, 0, DOCKERHUB, "cannot decode DockerHub webhook payload");
}

static cf_receiver_verdict check_quay(const hook_request *r)
{
	return payload_verdict(r, 0, QUAY, "cannot decode Quay webhook payload");
}

static cf_receiver_verdict check_acr(const hook_request *r)
{
	return payload_verdict(r, 0, ACR, "cannot decode ACR webhook payload");
}

/* Nexus: X-Nexus-Webhook-Signature is the hex HMAC-SHA1 of the body, then the body must
 * unmarshal whole. */
static cf_receiver_verdict check_nexus(const hook_request *r)
{
	const char *sig = r->header(r->ctx, "X-Nexus-Webhook-Signature");
	char algo_sig[200];

	if (sig == NULL || sig[0] == '\0')
		return refuse(r, CF_RECEIVER_DENY, "the Nexus signature is missing from header");
	if (strlen(sig) >= sizeof(algo_sig) - 5 || strchr(sig, '=') != NULL)
		return refuse(r, CF_RECEIVER_DENY, "invalid Nexus signature");
	snprintf(algo_sig, sizeof(algo_sig), "sha1=%s", sig);
	if (!signature_ok(algo_sig, r->token, r->body, r->len))
		return refuse(r, CF_RECEIVER_DENY, "invalid Nexus signature");
	return payload_verdict(r, 1, NEXUS, "cannot decode Nexus webhook payload");
}

/* GCR: a Pub/Sub push, the GCR event base64 JSON in message.data, proved by a Google-signed
 * OIDC ID token. Verifying that token needs Google's keys and token service, which cflux does
 * not call, so after the checks that need no Google the request is refused with that said. */
static cf_receiver_verdict check_gcr(const hook_request *r)
{
	const char *auth = r->header(r->ctx, "Authorization"), *data;
	json_t *p, *inner = NULL;
	unsigned char *raw = NULL;
	size_t n = 0;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
		return refuse(r, CF_RECEIVER_DENY, "the Authorization header is missing or malformed");
	if ((p = payload_decode(r->body, r->len, 0, GCR)) == NULL)
		return refuse(r, CF_RECEIVER_BAD, "cannot decode GCR webhook payload");
	data = cf_json_str(json_object_get(p, "message"), "data");
	if (data && cf_base64_decode(&raw, &n, data, strlen(data)) == 0)
		inner = payload_decode(raw, n, 1, GCR_DATA);
	cf_free(raw);
	json_decref(p);
	if (inner == NULL)
		return refuse(r, CF_RECEIVER_BAD, "cannot decode GCR webhook body");
	json_decref(inner);
	return refuse(r, CF_RECEIVER_BAD, "cannot authenticate GCR request: cflux does not verify Google's OIDC ID tokens "
		      "(gcr receivers are not supported)");
}

/* "MAJOR.MINOR.PATCH", a pre-release after '-' allowed. */
static int version_ok(const char *p)
{
	for (int part = 0; part < 3; part++) {
		const char *start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start || (part < 2 && *p++ != '.'))
			return 0;
	}
	return *p == '\0' || (*p == '-' && p[1] != '\0');
}

/* "dev.cdevents.<subject>.<predicate>.<version>" (CDEvents v0.4 context.type). */
static int cdevent_type_ok(const char *t)
{
	const char *p = t;
	int parts = 0;

	if (t == NULL || strncmp(t, "dev.cdevents.", 13) != 0)
		return 0;
	for (p = t + 13; parts < 2; parts++) {
		const char *dot = strchr(p, '.');
		if (dot == NULL || dot == p)
			return 0;
		for (const char *c = p; c < dot; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
				return 0;
		p = dot + 1;
	}
	return version_ok(p);
}

/* CDEvents: the body must be a CDEvent (context with its required fields and a known form of
 * type, a subject with an id); spec.events filters on the Ce-Type header, as in Flux. */
static cf_receiver_verdict check_cdevents(const hook_request *r)
{
	static const char *const required[] = { "specversion", "id", "source", "type", "timestamp" };
	json_t *v = json_loadb(r->body, r->len, JSON_ALLOW_NUL, NULL);
	const json_t *context = json_object_get(v, "context"), *subject = json_object_get(v, "subject");
	int ok = json_is_object(context) && json_is_object(subject) && json_is_string(json_object_get(subject, "id"));

	for (size_t i = 0; ok && i < sizeof(required) / sizeof(required[0]); i++)
		ok = json_string_length(json_object_get(context, required[i])) > 0;
	ok = ok && cdevent_type_ok(cf_json_str(context, "type")) && rfc3339_ok(cf_json_str(context, "timestamp"));
	json_decref(v);
	if (!ok)
		return refuse(r, CF_RECEIVER_BAD, "unable to validate CDEvent event");
	return listed_or_ignored(r, "Ce-Type");
}

/* generic-oidc verifies an OIDC token through the issuer's discovery and CEL validations. */
static cf_receiver_verdict check_generic_oidc(const hook_request *r)
{
	return refuse(r, CF_RECEIVER_BAD, "generic-oidc receivers are not supported by cflux yet");
}

static const struct {
	const char *type;
	cf_receiver_verdict (*check)(const hook_request *r);
} RECEIVER_TYPES[] = {
	{ "generic", check_generic }, { "generic-hmac", check_generic_hmac }, { "github", check_github },
	{ "gitlab", check_gitlab }, { "bitbucket", check_bitbucket }, { "harbor", check_harbor },
	{ "dockerhub", check_dockerhub }, { "quay", check_quay }, { "gcr", check_gcr }, { "nexus", check_nexus },
	{ "acr", check_acr }, { "cdevents", check_cdevents }, { "generic-oidc", check_generic_oidc },
};

cf_receiver_verdict cf_receiver_check(const json_t *receiver, const char *token, cf_receiver_header_fn header,
				      void *ctx, const void *body, size_t len, const char **why)
{
	const json_t *spec = json_object_get(receiver, "spec");
	const char *type = json_string_value(json_object_get(spec, "type")), *dummy;
	hook_request r = { spec, token, header, ctx, body, len, why ? why : &dummy };

	*r.why = "ok";
	if (len > CF_RECEIVER_BODY_MAX)
		return refuse(&r, CF_RECEIVER_BAD, "body too large");
	if (type == NULL || token == NULL)
		return refuse(&r, CF_RECEIVER_BAD, "receiver not ready");
	for (size_t i = 0; i < sizeof(RECEIVER_TYPES) / sizeof(RECEIVER_TYPES[0]); i++)
		if (strcmp(type, RECEIVER_TYPES[i].type) == 0)
			return RECEIVER_TYPES[i].check(&r);
	return refuse(&r, CF_RECEIVER_BAD, "receiver type not supported by cflux");
}
