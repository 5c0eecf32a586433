/* tests/env/token-server.c - a registry token service (the Docker/OCI token auth protocol) for
 * the env's docker-registry that runs with `auth: token`: GET /token?service=S&scope=...
 * with Basic credentials (--user NAME --password-file F) answers {"token": JWT} signed RS256
 * with --key, its certificate (--cert, the registry's rootcertbundle) in the x5c header, granting
 * the actions the scope asks for. Wrong or missing credentials get 401. Loopback only; runs
 * until SIGTERM. Only the test environment uses it: the registry itself is the real one. */
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/sha256.h"

#include <jansson.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ISSUER "cflux-token"
#define TOKEN_MAX 16384

static mbedtls_pk_context key;
static mbedtls_x509_crt cert;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_entropy_context entropy;
static const char *user;
static char password[256];
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* base64url without padding (JWS), from standard base64. */
static char *b64url(const void *data, size_t len)
{
	char *s = NULL;
	size_t n;

	if (cf_base64_encode(&s, data, len) < 0)
		return NULL;
	for (n = 0; s[n]; n++)
		s[n] = s[n] == '+' ? '-' : s[n] == '/' ? '_' : s[n];
	while (n && s[n - 1] == '=')
		s[--n] = '\0';
	return s;
}

/* The query parameter name of uri, URL-decoded, into out ("" if absent). */
static void query_param(char *out, size_t size, const char *uri, const char *name)
{
	const char *q = strchr(uri, '?');
	size_t nl = strlen(name), o = 0;

	out[0] = '\0';
	for (q = q ? q + 1 : NULL; q && *q; q = strchr(q, '&') ? strchr(q, '&') + 1 : NULL) {
		if (strncmp(q, name, nl) != 0 || q[nl] != '=')
			continue;
		for (const char *p = q + nl + 1; *p && *p != '&' && o + 1 < size; p++) {
			unsigned v;
			if (*p == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1) {
				out[o++] = (char)v;
				p += 2;
			} else {
				out[o++] = *p == '+' ? ' ' : *p;
			}
		}
		out[o] = '\0';
		return;
	}
}

static int authorized(nng_http_req *req)
{
	const char *h = nng_http_req_get_header(req, "Authorization");
	unsigned char *dec = NULL;
	size_t len = 0;
	char want[600];
	int ok;

	if (h == NULL || strncmp(h, "Basic ", 6) != 0 || cf_base64_decode(&dec, &len, h + 6, strlen(h + 6)) < 0)
		return 0;
	snprintf(want, sizeof(want), "%s:%s", user, password);
	ok = len == strlen(want) && memcmp(dec, want, len) == 0;
	cf_free_secret(dec, len);
	return ok;
}

/* "repository:NAME:pull,push" -> [{"type":"repository","name":NAME,"actions":["pull","push"]}] */
static json_t *access_of(const char *scope)
{
	json_t *list = json_array(), *actions = json_array();
	char type[64], name[512], acts[128];

	if (sscanf(scope, "%63[^:]:%511[^:]:%127s", type, name, acts) == 3) {
		for (char *save = NULL, *a = strtok_r(acts, ",", &save); a; a = strtok_r(NULL, ",", &save))
			json_array_append_new(actions, json_string(a));
		json_array_append_new(list, json_pack("{s:s,s:s,s:o}", "type", type, "name", name, "actions", actions));
	} else {
		json_decref(actions);
	}
	return list;
}

static char *sign_token(const char *service, const char *scope)
{
	char *x5c = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *hs = NULL, *ps = NULL, *out = NULL;
	unsigned char hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t sig_len = 0;
	cf_buf b = CF_BUF_INIT(TOKEN_MAX);
	long now = (long)time(NULL);
	char jti[32];
	cf_sha256 sh;
	json_t *header, *payload;

	snprintf(jti, sizeof(jti), "%ld-%d", now, rand());
	cf_base64_encode(&x5c, cert.raw.p, cert.raw.len);
	header = json_pack("{s:s,s:s,s:[s]}", "typ", "JWT", "alg", "RS256", "x5c", x5c ? x5c : "");
	payload = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:o}", "iss", ISSUER, "sub", user, "aud", service,
			    "exp", (json_int_t)(now + 300), "nbf", (json_int_t)(now - 10), "iat", (json_int_t)now, "jti", jti,
			    "access", access_of(scope));
	hs = json_dumps(header, JSON_COMPACT);
	ps = json_dumps(payload, JSON_COMPACT);
	if (hs && ps && (h64 = b64url(hs, strlen(hs))) && (p64 = b64url(ps, strlen(ps))) &&
	    cf_buf_printf(&b, "%s.%s", h64, p64) == 0) {
		cf_sha256_init(&sh);
		cf_sha256_update(&sh, b.data, b.len);
		cf_sha256_final(&sh, hash);
		if (mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len, mbedtls_ctr_drbg_random, &drbg) == 0 &&
		    (s64 = b64url(sig, sig_len)) && cf_buf_printf(&b, ".%s", s64) == 0)
			out = cf_buf_detach(&b, NULL);
	}
	json_decref(header);
	json_decref(payload);
	free(hs);
	free(ps);
	cf_free(x5c);
	cf_free(h64);
	cf_free(p64);
	cf_free(s64);
	cf_buf_free(&b);
	return out;
}

static void reply(nng_aio *aio, int status, const char *body)
{
	nng_http_res *res;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	nng_http_res_set_status(res, (uint16_t)status);
	nng_http_res_set_header(res, "Content-Type", "application/json");
	if (status == 401)
		nng_http_res_set_header(res, "WWW-Authenticate", "Basic realm=\"cflux-token\"");
	nng_http_res_copy_data(res, body, strlen(body));
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	const char *uri = nng_http_req_get_uri(req);
	char service[256], scope[600], *tok, body[TOKEN_MAX + 64];

	if (strncmp(uri, "/_ready", 7) == 0) {
		reply(aio, 200, "{}");
		return;
	}
	if (!authorized(req)) {
		reply(aio, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"wrong credentials\"}]}");
		return;
	}
	query_param(service, sizeof(service), uri, "service");
	query_param(scope, sizeof(scope), uri, "scope");
	if ((tok = sign_token(service, scope)) == NULL) {
		reply(aio, 500, "{\"error\":\"signing failed\"}");
		return;
	}
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"expires_in\":300}", tok);
	cf_free(tok);
	reply(aio, 200, body);
}

static int load(const char *key_path, const char *cert_path, const char *pw_path)
{
	FILE *f = fopen(pw_path, "r");

	if (f == NULL || fgets(password, sizeof(password), f) == NULL) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	password[strcspn(password, "\n")] = '\0';
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&cert);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	return mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) == 0 &&
	       mbedtls_pk_parse_keyfile(&key, key_path, NULL) == 0 && mbedtls_x509_crt_parse_file(&cert, cert_path) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *key_path = NULL, *cert_path = NULL, *pw_path = NULL;
	char url_text[256];
	nng_url *url = NULL;
	nng_http_server *srv = NULL;
	nng_http_handler *h = NULL;
	int rv;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0) listen = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0) key_path = argv[i + 1];
		else if (strcmp(argv[i], "--cert") == 0) cert_path = argv[i + 1];
		else if (strcmp(argv[i], "--user") == 0) user = argv[i + 1];
		else if (strcmp(argv[i], "--password-file") == 0) pw_path = argv[i + 1];
	}
	if (!listen || strncmp(listen, "127.", 4) != 0 || !key_path || !cert_path || !user || !pw_path) {
		fprintf(stderr, "usage: token-server --listen 127.0.0.1:PORT --key K --cert C --user U --password-file F\n");
		return 2;
	}
	if (load(key_path, cert_path, pw_path) < 0) {
		fprintf(stderr, "token-server: cannot load the key, certificate or password\n");
		return 1;
	}
	snprintf(url_text, sizeof(url_text), "http://%s", listen);
	if ((rv = nng_url_parse(&url, url_text)) != 0 || (rv = nng_http_server_hold(&srv, url)) != 0 ||
	    (rv = nng_http_handler_alloc(&h, "/", handle)) != 0 || (rv = nng_http_handler_set_tree(h)) != 0 ||
	    (rv = nng_http_server_add_handler(srv, h)) != 0 || (rv = nng_http_server_start(srv)) != 0) {
		fprintf(stderr, "token-server: %s: %s\n", url_text, nng_strerror(rv));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "token-server: listening on %s\n", url_text);
	while (!stopping)
		pause();
	nng_http_server_stop(srv);
	nng_http_server_release(srv);
	nng_url_free(url);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&cert);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}
