/* tests/unit/test_oci.c - the OCI client's parsers: references, WWW-Authenticate, manifests and
 * indexes, .dockerconfigjson, Link. (The client against a real registry: tests/integration/test_ocirepository.c.) */
#include "test.h"
#include "source/oci.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/sha256.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void ref_forms(void)
{
	cf_oci_ref r;

	CHECK_OK(cf_oci_ref_parse(&r, "oci://127.0.0.1:5000/org/app"));
	CHECK_STR(r.registry, "127.0.0.1:5000");
	CHECK_STR(r.repository, "org/app");
	CHECK(r.tag[0] == '\0' && r.digest[0] == '\0');
	CHECK_OK(cf_oci_ref_parse(&r, "ghcr.io/stefanprodan/manifests/podinfo:6.5.0@sha256:" D64));
	CHECK_STR(r.repository, "stefanprodan/manifests/podinfo");
	CHECK_STR(r.tag, "6.5.0");
	CHECK_STR(r.digest, "sha256:" D64);
	CHECK(cf_oci_ref_parse(&r, "oci://host") == CF_EINVAL);
	CHECK(cf_oci_ref_parse(&r, "oci://host/Upper") == CF_EINVAL);
	CHECK(cf_oci_ref_parse(&r, "oci://host/a//b") == CF_EINVAL);
	CHECK(cf_oci_ref_parse(&r, "oci://host/a@sha256:12") == CF_EINVAL);
	CHECK(cf_oci_ref_parse(&r, "oci://host/a:-bad") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "oci://host/a:-bad");
	CHECK(cf_oci_tag_valid("v1.2.3_x-y") && !cf_oci_tag_valid(".x") && !cf_oci_tag_valid(""));
}

static void challenge_bearer(void)
{
	cf_oci_challenge c;

	CHECK_OK(cf_oci_challenge_parse(&c, "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
					    "scope=\"repository:a/b:pull\""));
	CHECK_STR(c.scheme, "Bearer");
	CHECK_STR(c.realm, "https://auth.example/token");
	CHECK_STR(c.service, "registry.example");
	CHECK_STR(c.scope, "repository:a/b:pull");
	/* Bearer wins over an earlier Basic; bare tokens and escapes */
	CHECK_OK(cf_oci_challenge_parse(&c, "Basic realm=\"x\", Bearer realm=\"https://t/x?a=\\\"b\\\"\", service=svc"));
	CHECK_STR(c.scheme, "Bearer");
	CHECK_STR(c.realm, "https://t/x?a=\"b\"");
	CHECK_STR(c.service, "svc");
}

static void challenge_basic_and_bad(void)
{
	cf_oci_challenge c;

	CHECK_OK(cf_oci_challenge_parse(&c, "Basic realm=\"Registry Realm\""));
	CHECK_STR(c.scheme, "Basic");
	CHECK_STR(c.realm, "Registry Realm");
	CHECK(cf_oci_challenge_parse(&c, "Bearer realm=\"unterminated") == CF_EINVAL);
	CHECK(cf_oci_challenge_parse(&c, "Bearer service=x") == CF_EINVAL);
	CHECK(cf_oci_challenge_parse(&c, "") == CF_EINVAL);
}

static const char manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.cncf.flux.config.v1+json\",\"digest\":\"sha256:" D64 "\",\"size\":2},"
	"\"layers\":[{\"mediaType\":\"application/vnd.cncf.flux.content.v1.tar+gzip\",\"digest\":\"sha256:" D64 "\",\"size\":10}],"
	"\"annotations\":{\"org.opencontainers.image.revision\":\"main@sha1:abc\"}}";

static void manifest_read(void)
{
	cf_oci_manifest m;
	char d[72];

	CHECK_OK(cf_oci_manifest_parse(&m, manifest, strlen(manifest), NULL));
	CHECK(!m.is_index && m.n_items == 1 && m.items[0].size == 10);
	CHECK_STR(m.items[0].media_type, CF_OCI_MT_FLUX_CONTENT);
	CHECK_STR(m.config.media_type, "application/vnd.cncf.flux.config.v1+json");
	cf_sha256_of(d, manifest, strlen(manifest));
	CHECK_STR(m.digest, d);
	CHECK_STR(json_string_value(json_object_get(m.annotations, "org.opencontainers.image.revision")), "main@sha1:abc");
	cf_oci_manifest_free(&m);
}

static void index_read(void)
{
	static const char idx[] = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				  "\"digest\":\"sha256:" D64 "\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	cf_oci_manifest m;

	CHECK_OK(cf_oci_manifest_parse(&m, idx, strlen(idx), CF_OCI_MT_DOCKER_LIST));
	CHECK(m.is_index && m.n_items == 1);
	CHECK_STR(m.media_type, CF_OCI_MT_DOCKER_LIST);
	CHECK_STR(m.items[0].platform, "linux/arm64");
	cf_oci_manifest_free(&m);
	CHECK_OK(cf_oci_manifest_parse(&m, idx, strlen(idx), "application/json"));
	CHECK(m.is_index);
	cf_oci_manifest_free(&m);
}

static void manifest_refused(void)
{
	cf_oci_manifest m;
	static const char *const bad[] = {
		"[]", "{\"schemaVersion\":1}",
		"{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:1\",\"size\":2},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" D64 "\",\"size\":-1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" D64 "\",\"size\":1}}",
		"{\"schemaVersion\":2,\"schemaVersion\":2}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cf_oci_manifest_parse(&m, bad[i], strlen(bad[i]), NULL);
		if (rc != CF_EINVAL)
			cf_test_fail(__FILE__, __LINE__, "case %zu: %d", i, rc);
		CHECK(m.raw == NULL && m.items == NULL);
		cf_oci_manifest_free(&m);
	}
}

static void dockerconfig_hosts(void)
{
	static const char cfg[] = "{\"auths\":{\"https://registry.example:5000/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
				  "\"https://index.docker.io/v1/\":{\"username\":\"hub\",\"password\":\"pw\"}}}";
	char *u = NULL, *p = NULL;

	CHECK_OK(cf_oci_dockerconfig_find(&u, &p, cfg, strlen(cfg), "registry.example:5000"));
	CHECK_STR(u, "user");
	CHECK_STR(p, "pa:ss");
	cf_free_secret(u, strlen(u) + 1);
	cf_free_secret(p, strlen(p) + 1);
	CHECK_OK(cf_oci_dockerconfig_find(&u, &p, cfg, strlen(cfg), "docker.io"));
	CHECK_STR(u, "hub");
	cf_free_secret(u, strlen(u) + 1);
	cf_free_secret(p, strlen(p) + 1);
	CHECK(cf_oci_dockerconfig_find(&u, &p, cfg, strlen(cfg), "registry.example") == CF_ENOTFOUND);
	CHECK(u == NULL && p == NULL);
}

static void dockerconfig_bad(void)
{
	static const char nob64[] = "{\"auths\":{\"h\":{\"auth\":\"!!secret!!\"}}}";
	static const char nocolon[] = "{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}";
	char *u = NULL, *p = NULL;

	CHECK(cf_oci_dockerconfig_find(&u, &p, nob64, strlen(nob64), "h") == CF_EINVAL);
	CHECK(strstr(cf_err_msg(), "secret") == NULL);
	CHECK(cf_oci_dockerconfig_find(&u, &p, nocolon, strlen(nocolon), "h") == CF_EINVAL);
	CHECK(cf_oci_dockerconfig_find(&u, &p, "{", 1, "h") == CF_EINVAL);
	CHECK(u == NULL && p == NULL);
}

static void link_next(void)
{
	char *n = NULL;

	CHECK_OK(cf_oci_link_next(&n, "</v2/a/tags/list?last=x&n=10>; rel=\"next\"", "http://r:5000"));
	CHECK_STR(n, "http://r:5000/v2/a/tags/list?last=x&n=10");
	cf_free(n);
	CHECK_OK(cf_oci_link_next(&n, "<http://r:5000/v2/a/tags/list?last=y>; rel=next", "http://r:5000"));
	CHECK_STR(n, "http://r:5000/v2/a/tags/list?last=y");
	cf_free(n);
	CHECK_OK(cf_oci_link_next(&n, "</x>; rel=\"prev\"", "http://r"));
	CHECK(n == NULL);
	CHECK(cf_oci_link_next(&n, "<http://evil/v2/x>; rel=\"next\"", "http://r") == CF_EINVAL);
	CHECK(cf_oci_link_next(&n, "<http://r:50001/v2/x>; rel=\"next\"", "http://r:5000") == CF_EINVAL);
	CHECK_OK(cf_oci_link_next(&n, NULL, "http://r"));
	CHECK(n == NULL);
}

static const cf_test_case cases[] = {
	{ "ref_forms", ref_forms },
	{ "challenge_bearer", challenge_bearer },
	{ "challenge_basic_and_bad", challenge_basic_and_bad },
	{ "manifest_read", manifest_read },
	{ "index_read", index_read },
	{ "manifest_refused", manifest_refused },
	{ "dockerconfig_hosts", dockerconfig_hosts },
	{ "dockerconfig_bad", dockerconfig_bad },
	{ "link_next", link_next },
};

CF_TEST_MAIN(cases)
