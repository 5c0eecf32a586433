/* tests/unit/test_kubeconfig.c - kubeconfig files, merging, errors, in-cluster config. */
#include "kube/kubeconfig.h"
#include "test.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *full =
	"apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
	"clusters:\n"
	"- name: c1\n  cluster:\n    server: https://127.0.0.1:6443/\n    certificate-authority: pki/ca.crt\n"
	"- name: c2\n  cluster:\n    server: https://example.invalid\n    insecure-skip-tls-verify: true\n"
	"    certificate-authority-data: aGVsbG8=\n"
	"users:\n"
	"- name: u1\n  user:\n    token: abc123\n"
	"- name: u2\n  user:\n    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n"
	"- name: u3\n  user:\n    exec: {command: aws}\n"
	"- name: u4\n  user:\n    client-certificate: /abs/cert.pem\n"
	"- name: u5\n  user:\n    client-certificate-data: '***'\n    client-key-data: a2V5\n"
	"- name: u6\n  user:\n    tokenFile: token\n"
	"contexts:\n"
	"- name: dev\n  context: {cluster: c1, user: u1, namespace: team-a}\n"
	"- name: prod\n  context: {cluster: c2, user: u2}\n"
	"- name: plugin\n  context: {cluster: c1, user: u3}\n"
	"- name: halfcert\n  context: {cluster: c1, user: u4}\n"
	"- name: badb64\n  context: {cluster: c1, user: u5}\n"
	"- name: nocluster\n  context: {cluster: missing, user: u1}\n"
	"- name: tokfile\n  context: {cluster: c1, user: u6}\n";

static cf_kubeconfig *parse(const char *text, const char *context)
{
	cf_kubeconfig *c = NULL;

	if (cf_kubeconfig_parse(&c, text, strlen(text), "/etc/kube/config", context) < 0)
		return NULL;
	return c;
}

static void current_context_and_relative_paths(void)
{
	cf_kubeconfig *c = parse(full, NULL);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_STR(c->context, "dev");
	CHECK_STR(c->server, "https://127.0.0.1:6443");
	CHECK_STR(c->namespace, "team-a");
	CHECK_STR(c->ca_file, "/etc/kube/pki/ca.crt");
	CHECK_STR(c->token, "abc123");
	CHECK(c->insecure == 0);
	cf_kubeconfig_free(c);
}

static void context_flag_and_data_fields(void)
{
	cf_kubeconfig *c = parse(full, "prod");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_STR(c->namespace, "default");
	CHECK(c->insecure == 1);
	CHECK(c->ca_len == 5 && memcmp(c->ca_data, "hello", 5) == 0);
	CHECK(c->cert_len == 4 && memcmp(c->cert_data, "cert", 4) == 0);
	CHECK(c->key_len == 3 && memcmp(c->key_data, "key", 3) == 0);
	cf_kubeconfig_free(c);
	c = parse(full, "tokfile");
	CHECK(c != NULL && c->token_file != NULL);
	if (c)
		CHECK_STR(c->token_file, "/etc/kube/token");
	cf_kubeconfig_free(c);
}

static void errors_name_what_is_wrong(void)
{
	static const struct { const char *context; const char *want; } cases[] = {
		{ "plugin", "user \"u3\" uses an exec or auth-provider credential plugin" },
		{ "halfcert", "user \"u4\" has a client certificate without a key" },
		{ "badb64", "field client-certificate-data" },
		{ "nocluster", "context \"nocluster\": cluster \"missing\" not found" },
		{ "nosuch", "context \"nosuch\" not found" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_kubeconfig *c = parse(full, cases[i].context);
		CHECK(c == NULL);
		CHECK_CONTAINS(cf_err_msg(), cases[i].want);
		CHECK_CONTAINS(cf_err_msg(), "/etc/kube/config");
		cf_kubeconfig_free(c);
	}
	CHECK(parse("clusters: []\n", NULL) == NULL);
	CHECK_CONTAINS(cf_err_msg(), "no current-context");
	CHECK(parse("a: [\n", NULL) == NULL);
	CHECK_CONTAINS(cf_err_msg(), "/etc/kube/config:");
	CHECK(parse("", NULL) == NULL);
	CHECK_CONTAINS(cf_err_msg(), "empty kubeconfig");
	CHECK(parse("- a list\n", NULL) == NULL);
	CHECK_CONTAINS(cf_err_msg(), "not a kubeconfig");
	CHECK(parse("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
		    "clusters: [{name: c, cluster: {server: 'ftp://x'}}]\n", NULL) == NULL);
	CHECK_CONTAINS(cf_err_msg(), "is not an http(s) URL");
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void kubeconfig_list_merges_first_wins(void)
{
	char dir[] = "/tmp/cflux-kc-XXXXXX", a[256], b[256], list[600];
	cf_kubeconfig *c = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	CHECK(write_file(a, "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
			    "clusters: [{name: c, cluster: {server: 'https://first:1'}}]\n") == 0);
	CHECK(write_file(b, "current-context: other\n"
			    "clusters: [{name: c, cluster: {server: 'https://second:2'}}]\n"
			    "users: [{name: u, user: {token: from-b}}]\n") == 0);
	snprintf(list, sizeof(list), "%s/missing:%s:%s", dir, a, b);
	setenv("KUBECONFIG", list, 1);
	CHECK_OK(cf_kubeconfig_load(&c, NULL, NULL));
	if (c) {
		CHECK_STR(c->context, "x");
		CHECK_STR(c->server, "https://first:1");
		CHECK_STR(c->token, "from-b");
	}
	cf_kubeconfig_free(c);
	/* an explicit path wins over KUBECONFIG */
	CHECK_OK(cf_kubeconfig_load(&c, b, "x") == CF_ENOTFOUND ? 0 : -1);
	unsetenv("KUBECONFIG");
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/* the CLI's flags over a kubeconfig, as client-go's ConfigOverrides */
static void overrides_as_kubectl_flags(void)
{
	char dir[] = "/tmp/cflux-kco-XXXXXX", path[256], bare[256];
	cf_kubeconfig *c = NULL;
	cf_kubeconfig_overrides o;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(bare, sizeof(bare), "%s/bare", dir);
	CHECK(write_file(path, full) == 0);
	CHECK(write_file(bare, "apiVersion: v1\nkind: Config\n") == 0);
	/* --cluster and --user pick other entries; the context's namespace stays */
	o = (cf_kubeconfig_overrides){ .cluster = "c2", .user = "u6" };
	CHECK_OK(cf_kubeconfig_load_over(&c, path, NULL, &o));
	if (c) {
		CHECK_STR(c->server, "https://example.invalid");
		CHECK(c->insecure == 1 && c->token == NULL);
		CHECK(c->token_file != NULL && strncmp(c->token_file, dir, strlen(dir)) == 0 &&
		      strcmp(c->token_file + strlen(dir), "/token") == 0);
		CHECK_STR(c->namespace, "team-a");
		CHECK(c->context_namespace == 1);
	}
	cf_kubeconfig_free(c);
	/* --server, --token and --certificate-authority replace; the token file goes */
	o = (cf_kubeconfig_overrides){ .user = "u6", .server = "https://other:7443/", .token = "t0k", .ca_file = "/ca.pem" };
	CHECK_OK(cf_kubeconfig_load_over(&c, path, "prod", &o));
	if (c) {
		CHECK_STR(c->server, "https://other:7443");
		CHECK_STR(c->token, "t0k");
		CHECK(c->token_file == NULL && c->ca_data == NULL && c->insecure == 0);
		CHECK_STR(c->ca_file, "/ca.pem");
		CHECK_STR(c->namespace, "default");
		CHECK(c->context_namespace == 0);
	}
	cf_kubeconfig_free(c);
	/* --insecure-skip-tls-verify drops the file's CA; with a CA as well it is refused */
	o = (cf_kubeconfig_overrides){ .insecure = 1 };
	CHECK_OK(cf_kubeconfig_load_over(&c, path, NULL, &o));
	if (c)
		CHECK(c->insecure == 1 && c->ca_file == NULL && c->ca_data == NULL);
	cf_kubeconfig_free(c);
	o = (cf_kubeconfig_overrides){ .insecure = 1, .ca_file = "/ca.pem" };
	CHECK(cf_kubeconfig_load_over(&c, path, NULL, &o) == CF_EINVAL && c == NULL);
	CHECK_CONTAINS(cf_err_msg(), "insecure flag is not allowed");
	/* client certificate files replace the data; one without the other is refused */
	o = (cf_kubeconfig_overrides){ .cert_file = "/c.pem", .key_file = "/k.pem" };
	CHECK_OK(cf_kubeconfig_load_over(&c, path, "prod", &o));
	if (c) {
		CHECK(c->cert_data == NULL && c->key_data == NULL);
		CHECK_STR(c->cert_file, "/c.pem");
		CHECK_STR(c->key_file, "/k.pem");
	}
	cf_kubeconfig_free(c);
	o = (cf_kubeconfig_overrides){ .cert_file = "/c.pem" };
	CHECK(cf_kubeconfig_load_over(&c, path, "prod", &o) == CF_EINVAL);
	/* a file with no context: --server alone is enough; without it, the error says so */
	o = (cf_kubeconfig_overrides){ .server = "https://127.0.0.1:1", .token = "t", .tls_server_name = "kubernetes" };
	CHECK_OK(cf_kubeconfig_load_over(&c, bare, NULL, &o));
	if (c) {
		CHECK_STR(c->server, "https://127.0.0.1:1");
		CHECK_STR(c->tls_server_name, "kubernetes");
		CHECK_STR(c->context, "");
		CHECK_STR(c->namespace, "default");
	}
	cf_kubeconfig_free(c);
	CHECK(cf_kubeconfig_load_over(&c, bare, NULL, NULL) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "no current-context");
	o = (cf_kubeconfig_overrides){ .cluster = "nope" };
	CHECK(cf_kubeconfig_load_over(&c, path, NULL, &o) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "context \"dev\": cluster \"nope\" not found");
	o = (cf_kubeconfig_overrides){ .server = "127.0.0.1:6443" };
	CHECK(cf_kubeconfig_load_over(&c, path, NULL, &o) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "is not an http(s) URL");
	unlink(path);
	unlink(bare);
	rmdir(dir);
}

static void in_cluster(void)
{
	char dir[] = "/tmp/cflux-sa-XXXXXX", p[256];
	cf_kubeconfig *c = NULL;

	CHECK(mkdtemp(dir) != NULL);
	unsetenv("KUBERNETES_SERVICE_HOST");
	CHECK(cf_kubeconfig_in_cluster(&c, dir) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "KUBERNETES_SERVICE_HOST");
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	CHECK(cf_kubeconfig_in_cluster(&c, dir) == CF_ENOTFOUND);
	CHECK_CONTAINS(cf_err_msg(), "/token does not exist");
	snprintf(p, sizeof(p), "%s/token", dir);
	CHECK(write_file(p, "tok\n") == 0);
	snprintf(p, sizeof(p), "%s/namespace", dir);
	CHECK(write_file(p, "flux-system\n") == 0);
	CHECK_OK(cf_kubeconfig_in_cluster(&c, dir));
	if (c) {
		CHECK_STR(c->server, "https://[fd00::1]:443");
		CHECK_STR(c->namespace, "flux-system");
		CHECK_CONTAINS(c->ca_file, "/ca.crt");
		CHECK_CONTAINS(c->token_file, "/token");
	}
	cf_kubeconfig_free(c);
	unlink(p);
	snprintf(p, sizeof(p), "%s/token", dir);
	unlink(p);
	rmdir(dir);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void alloc_failures_do_not_leak(void)
{
	int failures = 0;

	cf_alloc_hook_jansson();
	for (unsigned long n = 1; n < 300; n++) {
		cf_kubeconfig *c = NULL;
		int rc;

		cf_alloc_fail_after(n);
		rc = cf_kubeconfig_parse(&c, full, strlen(full), "/etc/kube/config", "prod");
		cf_alloc_fail_after(0);
		if (rc < 0) {
			failures++;
			CHECK(c == NULL);
		}
		cf_kubeconfig_free(c);
	}
	CHECK(failures > 20);
	json_set_alloc_funcs(malloc, free);
}

static const cf_test_case cases[] = {
	{ "current_context_and_relative_paths", current_context_and_relative_paths },
	{ "context_flag_and_data_fields", context_flag_and_data_fields },
	{ "errors_name_what_is_wrong", errors_name_what_is_wrong },
	{ "kubeconfig_list_merges_first_wins", kubeconfig_list_merges_first_wins },
	{ "overrides_as_kubectl_flags", overrides_as_kubectl_flags },
	{ "in_cluster", in_cluster },
	{ "alloc_failures_do_not_leak", alloc_failures_do_not_leak },
};
CF_TEST_MAIN(cases)
