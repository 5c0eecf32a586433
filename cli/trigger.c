/* cli/trigger.c - cflux trigger receiver: a POST to a Receiver's webhook from outside the
 * cluster, as flux trigger receiver sends it. The path comes from the name, the namespace and
 * the token (runtime/receiver, the notification-controller's own computation), appended to
 * --url; generic-hmac signs the payload (X-Signature: sha256=...), generic-oidc sends an OIDC
 * token as a Bearer (from --oidc-token, FLUX_TRIGGER_RECEIVER_OIDC_TOKEN, or the GitHub/Forgejo
 * Actions token endpoint). Connection errors and 404, 408, 429, 5xx are retried --retries
 * times, --retry-delay apart, all within --timeout. No cluster access. The token and the OIDC
 * token go only into the request (headers that wipe themselves) and are wiped after it; the
 * error lines name the webhook URL with its /hook/ digest, as flux's do (the digest is what
 * the Receiver's status.webhookPath shows, not the token). */
#include "cli.h"
#include "help.h"

#include "http/http.h"
#include "runtime/receiver.h"
#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OIDC_ENV "FLUX_TRIGGER_RECEIVER_OIDC_TOKEN"
#define OIDC_AUDIENCE "notification-controller"
#define ACTIONS_URL_ENV "ACTIONS_ID_TOKEN_REQUEST_URL"
#define ACTIONS_TOKEN_ENV "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
#define OIDC_REPLY_MAX (64u * 1024u)

typedef struct trigger_args {
	const char *token, *url, *type, *oidc_provider, *oidc_token, *oidc_audience, *payload;
	long retries, retry_delay_ms;
} trigger_args;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int set(const char *s)
{
	return s && *s;
}

/* flux's checks of the type and of the token and OIDC flags, in its order and words. */
static int validate(const trigger_args *a)
{
	static const char *const types[] = { "generic", "generic-hmac", "generic-oidc", NULL };
	static const char *const providers[] = { "github", "forgejo", NULL };

	if (!cli_one_of(a->type, types))
		return cli_fail(1, "invalid --type \"%s\", must be one of: generic, generic-hmac, generic-oidc", a->type);
	if (strcmp(a->type, "generic-oidc") != 0) {
		if (!set(a->token))
			return cli_fail(1, "--token is required for --type=%s", a->type);
		if (set(a->oidc_provider) || set(a->oidc_token) || set(a->oidc_audience))
			return cli_fail(1, "--oidc-provider, --oidc-token and --oidc-audience can only be set for --type=generic-oidc");
		return 0;
	}
	if (set(a->token))
		return cli_fail(1, "--token must not be set for --type=generic-oidc, the Receiver of this type has no secret");
	if (set(a->oidc_provider) && set(a->oidc_token))
		return cli_fail(1, "--oidc-provider and --oidc-token are mutually exclusive");
	if (set(a->oidc_provider) && !cli_one_of(a->oidc_provider, providers))
		return cli_fail(1, "invalid --oidc-provider \"%s\", must be one of: github, forgejo", a->oidc_provider);
	if (set(a->oidc_audience) && !set(a->oidc_provider))
		return cli_fail(1, "--oidc-audience can only be set together with --oidc-provider");
	return 0;
}

/* The token endpoint's URL with audience=aud in its query (an audience it had is replaced). */
static int oidc_request_url(cf_buf *out, const char *base, const char *aud)
{
	const char *q = strchr(base, '?'), *frag = strchr(base, '#');
	char *esc = cf_http_escape(aud);
	int rc = esc ? 0 : cf_err_set(CF_ENOMEM, "out of memory"), first = 1;

	if (frag && q && frag < q)
		q = NULL;
	if (rc == 0)
		rc = cf_buf_append(out, base, (size_t)((q ? q : frag ? frag : base + strlen(base)) - base));
	for (const char *p = q ? q + 1 : NULL; rc == 0 && p && *p && p != frag;) {
		size_t n = strcspn(p, frag ? "&#" : "&");
		if (n > 0 && !(strncmp(p, "audience", 8) == 0 && (n == 8 || p[8] == '='))) {
			rc = cf_buf_printf(out, "%c%.*s", first ? '?' : '&', (int)n, p);
			first = 0;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	if (rc == 0)
		rc = cf_buf_printf(out, "%caudience=%s", first ? '?' : '&', esc);
	if (rc == 0 && frag)
		rc = cf_buf_puts(out, frag);
	cf_free(esc);
	return rc;
}

/* An OIDC token from the GitHub or Forgejo Actions endpoint (they share the protocol): GET the
 * request URL with the audience, "Authorization: bearer" the request token, {"value": token}.
 * *out is freed with cf_free_secret; 0, or 1 after flux's words. */
static int oidc_fetch(char **out, const char *audience, long timeout_ms)
{
	const char *base = getenv(ACTIONS_URL_ENV), *req_token = getenv(ACTIONS_TOKEN_ENV), *value;
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response resp;
	cf_http_headers hdr = CF_HTTP_HEADERS_INIT;
	cf_buf url = CF_BUF_INIT(16384);
	char bearer[8] = "bearer ";
	cf_http *h = NULL;
	json_t *reply = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	if (!set(base) || !set(req_token))
		return cli_fail(1, "%s and %s must be set in the environment; ensure the Actions job has the 'id-token: write' permission",
				ACTIONS_URL_ENV, ACTIONS_TOKEN_ENV);
	o.user_agent = "cflux/v" CFLUX_VERSION;
	o.timeout_ms = timeout_ms;
	o.max_retries = 0;
	o.proxy_from_env = 1;
	o.http2 = 1;
	if ((rc = oidc_request_url(&url, base, audience)) < 0 || (rc = cf_http_new(&h, &o)) < 0) {
		rc = cli_fail(1, "failed to create OIDC token request: %s", cf_err_msg());
		goto out;
	}
	{
		size_t n = strlen(req_token);
		char *v = cf_malloc(n + sizeof(bearer));
		if (v == NULL) {
			rc = cli_fail(1, "out of memory");
			goto out;
		}
		memcpy(v, bearer, sizeof(bearer) - 1);
		memcpy(v + sizeof(bearer) - 1, req_token, n + 1);
		rc = cf_http_headers_add(&hdr, "Authorization", v);
		cf_free_secret(v, n + sizeof(bearer));
		if (rc < 0) {
			rc = cli_fail(1, "failed to create OIDC token request: %s", cf_err_msg());
			goto out;
		}
	}
	req.method = "GET";
	req.url = url.data;
	req.headers = (const char *const *)hdr.lines;
	req.follow_redirects = 1;
	req.max_body = OIDC_REPLY_MAX;
	req.max_retries = 0;
	req.secret = 1;
	req.shown_as = "the OIDC token endpoint";   /* its URL may carry a signed query */
	if ((rc = cf_http_do(h, &req, &resp)) < 0) {
		rc = cli_fail(1, "OIDC token request failed: %s", cf_err_msg());
		goto out;
	}
	if (resp.code != 200) {
		cf_buf msg = CF_BUF_INIT(OIDC_REPLY_MAX);
		cf_buf_puts(&msg, cf_http_body(&resp));
		rc = cli_fail(1, "OIDC token request failed with status %ld %s: %s", resp.code, cf_http_status_text(resp.code),
			      msg.data ? msg.data : "");
		cf_buf_free(&msg);
		goto out;
	}
	if ((reply = json_loadb(cf_http_body(&resp), resp.body.len, JSON_DECODE_ANY, &jerr)) == NULL) {
		rc = cli_fail(1, "failed to decode OIDC token response: %s", jerr.text);
		goto out;
	}
	value = json_is_object(reply) ? cf_json_str(reply, "value") : NULL;
	if (!set(value)) {
		rc = cli_fail(1, json_is_object(reply) ? "the OIDC token response did not contain a token"
						       : "failed to decode OIDC token response: not a JSON object");
		goto out;
	}
	rc = (*out = cf_strdup(value)) ? 0 : cli_fail(1, "out of memory");
out:
	if (reply && json_is_object(reply) && json_string_value(json_object_get(reply, "value"))) {
		json_t *v = json_object_get(reply, "value");
		cf_wipe((char *)json_string_value(v), json_string_length(v));
	}
	json_decref(reply);
	cf_http_response_free(&resp);
	cf_http_headers_free(&hdr);
	cf_http_free(h);
	cf_buf_free(&url);
	return rc;
}

/* The Bearer of a generic-oidc request: fetched, --oidc-token, or the environment's. */
static int oidc_token(char **out, const trigger_args *a, long timeout_ms)
{
	const char *env = getenv(OIDC_ENV);

	*out = NULL;
	if (set(a->oidc_provider))
		return oidc_fetch(out, set(a->oidc_audience) ? a->oidc_audience : OIDC_AUDIENCE, timeout_ms);
	if (set(a->oidc_token))
		return (*out = cf_strdup(a->oidc_token)) ? 0 : cli_fail(1, "out of memory");
	if (!set(env))
		return cli_fail(1, "no OIDC token provided: set --oidc-provider, --oidc-token or the %s environment variable", OIDC_ENV);
	return (*out = cf_strdup(env)) ? 0 : cli_fail(1, "out of memory");
}

/* The request's headers besides the user agent: Content-Type and the type's proof. */
static int trigger_headers(cf_http_headers *hdr, const trigger_args *a, long timeout_ms)
{
	char mac[CF_RECEIVER_HMAC_MAX], sig[CF_RECEIVER_HMAC_MAX + 8];
	char *bearer = NULL;
	int rc;

	if (cf_http_headers_add(hdr, "Content-Type", "application/json") < 0)
		return cli_fail(1, "unable to create request: %s", cf_err_msg());
	if (strcmp(a->type, "generic-hmac") == 0) {
		if (cf_receiver_hmac_hex(mac, "sha256", 6, a->token, a->payload, strlen(a->payload)) < 0)
			return cli_fail(1, "unable to create request: %s", cf_err_msg());
		snprintf(sig, sizeof(sig), "sha256=%s", mac);
		return cf_http_headers_add(hdr, "X-Signature", sig) < 0 ? cli_fail(1, "unable to create request: %s", cf_err_msg()) : 0;
	}
	if (strcmp(a->type, "generic-oidc") != 0)
		return 0;
	if ((rc = oidc_token(&bearer, a, timeout_ms)) != 0)
		return rc;
	{
		size_t n = strlen(bearer) + 8;
		char *v = cf_malloc(n);
		if (v)
			snprintf(v, n, "Bearer %s", bearer);
		rc = v ? cf_http_headers_add(hdr, "Authorization", v) : cf_err_set(CF_ENOMEM, "out of memory");
		cf_free_secret(v, n);
	}
	cf_free_secret(bearer, strlen(bearer));
	return rc < 0 ? cli_fail(1, "unable to create request: %s", cf_err_msg()) : 0;
}

/* A 2xx reply's body is not read (flux reads and drops it). */
static int discard(const void *data, size_t len, void *payload)
{
	(void)data;
	(void)len;
	(void)payload;
	return 0;
}

static int retryable_status(long code)
{
	return code == 404 || code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

/* One attempt: 0 when a 2xx came, else -1 with flux's message in err and *retry set for a
 * connection error or a retryable status. */
static int send_once(cf_http *h, const char *url, const cf_http_headers *hdr, const char *payload, long timeout_ms,
		     int *retry, cf_buf *err)
{
	cf_http_request req = CF_HTTP_REQUEST_INIT;
	cf_http_response resp;
	const char *body;
	size_t len;
	int rc;

	req.method = "POST";
	req.url = url;
	req.headers = (const char *const *)hdr->lines;
	req.body = payload;
	req.body_len = strlen(payload);
	req.idempotent = 0;
	req.max_retries = 0;   /* the retries are flux's, below, with its delay and its lines */
	req.follow_redirects = 1;
	req.timeout_ms = timeout_ms;
	req.sink = discard;
	cf_buf_reset(err);
	rc = cf_http_do(h, &req, &resp);
	if (rc < 0) {
		*retry = 1;
		cf_buf_printf(err, "request to %s failed: %s", url, rc == CF_ETIMEOUT ? "context deadline exceeded" : cf_err_msg());
	} else if (resp.code < 200 || resp.code >= 300) {
		*retry = retryable_status(resp.code);
		for (body = cf_http_body(&resp), len = strlen(body); len && isspace((unsigned char)body[len - 1]); len--)
			;
		while (len && isspace((unsigned char)*body))
			body++, len--;
		cf_buf_printf(err, "request to %s failed with status %ld %s%s%.*s", url, resp.code, cf_http_status_text(resp.code),
			      len ? ": " : "", (int)len, body);
		rc = -1;
	}
	cf_http_response_free(&resp);
	return rc;
}

/* Sleeps ms, or until the deadline: 0, or -1 when the deadline came first. */
static int delay(long ms, long deadline)
{
	long left = deadline - now_ms();
	struct timespec t;

	if (ms >= left)
		ms = left;
	if (ms > 0) {
		t.tv_sec = ms / 1000;
		t.tv_nsec = (ms % 1000) * 1000000L;
		while (nanosleep(&t, &t) != 0)
			;
	}
	return now_ms() >= deadline ? -1 : 0;
}

static int trigger_receiver(const char *name, const trigger_args *a)
{
	cf_http_options o = CF_HTTP_OPTIONS_INIT;
	cf_http_headers hdr = CF_HTTP_HEADERS_INIT;
	cf_buf url = CF_BUF_INIT(1u << 20), err = CF_BUF_INIT(1u << 20);
	char path[CF_RECEIVER_PATH_MAX], wait[CF_DURATION_MAX];
	long deadline = now_ms() + cli.timeout_ms;
	size_t base = strlen(a->url);
	cf_http *h = NULL;
	int rc, retry = 0;

	while (base > 0 && a->url[base - 1] == '/')
		base--;
	/* a generic-oidc Receiver has no secret: its path is salted with an empty token */
	cf_receiver_path(path, strcmp(a->type, "generic-oidc") == 0 ? "" : a->token, name, cli.namespace);
	if (cf_buf_append(&url, a->url, base) < 0 || cf_buf_puts(&url, path) < 0) {
		rc = cli_fail(1, "unable to create request: %s", cf_err_msg());
		goto out;
	}
	if ((rc = trigger_headers(&hdr, a, cli.timeout_ms)) != 0)
		goto out;
	o.user_agent = "cflux/v" CFLUX_VERSION;
	o.max_retries = 0;
	o.proxy_from_env = 1;   /* Go's default client: the environment's proxies, HTTP/2 over TLS */
	o.http2 = 1;
	o.timeout_ms = 0;
	if (cf_http_new(&h, &o) < 0) {
		rc = cli_fail(1, "unable to create request: %s", cf_err_msg());
		goto out;
	}
	cli_action("triggering Receiver %s/%s", cli.namespace, name);
	cf_duration_format(wait, a->retry_delay_ms);
	for (long attempt = 0;; attempt++) {
		long left = deadline - now_ms();
		if (left <= 0) {
			rc = cli_fail(1, "context deadline exceeded");
			break;
		}
		if (send_once(h, url.data, &hdr, a->payload, left, &retry, &err) == 0) {
			cli_ok("Receiver %s/%s triggered", cli.namespace, name);
			rc = 0;
			break;
		}
		if (!retry || attempt >= a->retries) {
			rc = cli_fail(1, "%s", err.data);
			break;
		}
		cli_say("%s; retrying in %s (%ld/%ld)", err.data, wait, attempt + 1, a->retries);
		if (delay(a->retry_delay_ms, deadline) < 0) {
			rc = cli_fail(1, "context deadline exceeded");
			break;
		}
	}
out:
	cf_http_headers_free(&hdr);
	cf_http_free(h);
	cf_buf_free(&url);
	cf_buf_free(&err);
	return rc;
}

int cmd_trigger(int argc, char **argv)
{
	static const char *const usage = "usage: cflux trigger receiver NAME --url URL [--token TOKEN] [--type generic|generic-hmac|generic-oidc]";
	trigger_args a = { NULL, NULL, "generic", NULL, NULL, NULL, "{}", 10, 10000 };
	const cf_flag own[] = {
		{ "token", CF_FLAG_STRING, &a.token, "the Receiver token, required for all types except generic-oidc where it must not be set", 0 },
		{ "url", CF_FLAG_STRING, &a.url, "the base URL of the notification-controller webhook receiver, may contain a base path", 0 },
		{ "type", CF_FLAG_STRING, &a.type, "the Receiver type, one of: generic, generic-hmac, generic-oidc", 0 },
		{ "oidc-provider", CF_FLAG_STRING, &a.oidc_provider, "the OIDC provider to fetch the token from, one of: github, forgejo (generic-oidc only, mutually exclusive with --oidc-token)", 0 },
		{ "oidc-token", CF_FLAG_STRING, &a.oidc_token, "the OIDC token to authenticate the request (generic-oidc only, mutually exclusive with --oidc-provider); defaults to the " OIDC_ENV " environment variable", 0 },
		{ "oidc-audience", CF_FLAG_STRING, &a.oidc_audience, "the audience of the OIDC token to fetch (requires --oidc-provider); defaults to \"" OIDC_AUDIENCE "\"", 0 },
		{ "payload", CF_FLAG_STRING, &a.payload, "the JSON payload to send in the request body", 0 },
		{ "retries", CF_FLAG_INT, &a.retries, "the number of times to retry on connection errors or retryable HTTP status codes (404, 408, 429, 5xx); set to 0 to disable", LONG_MIN },
		{ "retry-delay", CF_FLAG_DURATION, &a.retry_delay_ms, "the delay between retries", 0 },
	};
	char *pos[8];
	size_t npos;
	int rc;

	if (argc < 2 || strcmp(argv[1], "receiver") != 0) {   /* flux prints the group's help */
		const cf_flag globals[] = { CLI_GLOBAL_FLAGS };
		cli_help_print(stdout, cli_help_find("trigger"), NULL, 0, globals, sizeof(globals) / sizeof(globals[0]));
		return 0;
	}
	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (npos != 2)   /* "receiver" and the name */
		return cli_fail(1, "accepts 1 arg(s), received %zu", npos - 1);
	if (!set(a.url))
		return cli_fail(1, "--url is required");
	if ((rc = validate(&a)) != 0)
		return rc;
	return trigger_receiver(pos[1], &a);
}
