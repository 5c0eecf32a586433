/* tests/unit/test_bus.c - the nng codec, the artifact service and notices (over ipc://). */
#include "bus.h"
#include "err.h"
#include "sha256.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void round_trips(void)
{
	cf_buf b = CF_BUF_INIT(1u << 22), s = CF_BUF_INIT(1u << 22);
	cf_bus_msg m;

	CHECK_OK(cf_bus_encode_get(&b, "gitrepository/ns/app/abc.tar.gz", 1048576));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK(m.type == CF_BUS_ARTIFACT_GET && m.offset == 1048576);
	CHECK_STR(m.path, "gitrepository/ns/app/abc.tar.gz");
	CHECK_OK(cf_bus_encode_chunk(&b, 5, 2, "xyz", 3));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK(m.type == CF_BUS_ARTIFACT_CHUNK && m.total == 5 && m.offset == 2 && m.data_len == 3);
	CHECK(memcmp(m.data, "xyz", 3) == 0);
	CHECK_OK(cf_bus_encode_error(&b, CF_ENOTFOUND, "artifact not found"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK(m.type == CF_BUS_ERROR && m.code == CF_ENOTFOUND);
	CHECK_STR(m.message, "artifact not found");
	CHECK_OK(cf_bus_encode_ready(&b, "GitRepository", "flux-system", "app", "main@sha1:1", "sha256:2", "p"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK_STR(m.kind, "GitRepository");
	CHECK_STR(m.namespace, "flux-system");
	CHECK_STR(m.revision, "main@sha1:1");
	CHECK_STR(m.digest, "sha256:2");
	CHECK_STR(cf_bus_type_str(m.type), "ARTIFACT_READY");
	CHECK_OK(cf_bus_encode_event(&b, "{\"reason\":\"x\"}"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK_STR(m.json, "{\"reason\":\"x\"}");
	cf_buf_free(&b);
	cf_buf_free(&s);
}

static void malformed_input_is_refused(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20), s = CF_BUF_INIT(1u << 20);
	cf_bus_msg m;
	char copy[256];

	CHECK_OK(cf_bus_encode_ready(&b, "GitRepository", "ns", "n", "r", "d", "p"));
	for (size_t n = 0; n < b.len; n++)
		if (cf_bus_decode(&m, &s, b.data, n) != CF_EINVAL)
			cf_test_fail(__FILE__, __LINE__, "a %zu-byte prefix was accepted", n);
	memcpy(copy, b.data, b.len);
	copy[b.len] = 'x';
	CHECK(cf_bus_decode(&m, &s, copy, b.len + 1) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "1 bytes left over");
	copy[3] = 9;
	CHECK(cf_bus_decode(&m, &s, copy, b.len) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "protocol version 9");
	memcpy(copy, b.data, b.len);
	copy[4] = 77;
	CHECK(cf_bus_decode(&m, &s, copy, b.len) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "unknown message type 77");
	/* a NUL inside a string */
	CHECK_OK(cf_bus_encode_event(&b, "abc"));
	memcpy(copy, b.data, b.len);
	copy[10] = '\0';
	CHECK(cf_bus_decode(&m, &s, copy, b.len) == CF_EINVAL);
	CHECK(cf_bus_decode(&m, &s, "XYZ\001\001", 5) == CF_EINVAL);
	cf_buf_free(&b);
	cf_buf_free(&s);
}

static char dir[] = "/tmp/cflux-bus-XXXXXX";
static char addr[300];

static void artifact_service(void)
{
	cf_bus_server *srv = NULL;
	cf_buf got = CF_BUF_INIT(8u << 20);
	char path[400], digest[72];
	static char big[3 * 1024 * 1024 + 17];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(addr, sizeof(addr), "ipc://%s/artifacts.sock", dir);
	snprintf(path, sizeof(path), "mkdir -p %s/store/gitrepository/ns/app", dir);
	CHECK(system(path) == 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 31 + (i >> 9));
	snprintf(path, sizeof(path), "%s/store/gitrepository/ns/app/c.tar.gz", dir);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(big, 1, sizeof(big), f) == sizeof(big));
	fclose(f);
	cf_sha256_of(digest, big, sizeof(big));
	snprintf(path, sizeof(path), "%s/store", dir);
	CHECK_OK(cf_bus_server_start(&srv, addr, path));
	CHECK_OK(cf_bus_fetch_artifact(&got, addr, "gitrepository/ns/app/c.tar.gz", digest, 5000));
	CHECK(got.len == sizeof(big) && memcmp(got.data, big, sizeof(big)) == 0);
	CHECK(cf_bus_fetch_artifact(&got, addr, "gitrepository/ns/app/c.tar.gz",
				    "sha256:0000000000000000000000000000000000000000000000000000000000000000", 5000) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "does not match");
	CHECK(cf_bus_fetch_artifact(&got, addr, "gitrepository/ns/app/missing.tar.gz", digest, 5000) == CF_ENOTFOUND);
	CHECK(cf_bus_fetch_artifact(&got, addr, "../../etc/passwd", digest, 5000) == CF_EINVAL);
	CHECK(cf_bus_fetch_artifact(&got, addr, "/etc/passwd", digest, 5000) == CF_EINVAL);
	/* a cap smaller than the artifact stops the transfer */
	got.max = 1000;
	CHECK(cf_bus_fetch_artifact(&got, addr, "gitrepository/ns/app/c.tar.gz", digest, 5000) == CF_ETOOBIG);
	cf_bus_server_free(srv);
	cf_buf_free(&got);
}

static void notices(void)
{
	char paddr[400];
	cf_bus_pub *pub = NULL;
	cf_bus_sub *sub = NULL;
	cf_buf msg = CF_BUF_INIT(4096), s = CF_BUF_INIT(1u << 20);
	cf_bus_msg m;
	int got = 0;

	snprintf(paddr, sizeof(paddr), "ipc://%s/notices.sock", dir);
	CHECK_OK(cf_bus_pub_open(&pub, paddr, 0));
	CHECK_OK(cf_bus_sub_open(&sub, paddr, 0));
	CHECK_OK(cf_bus_encode_ready(&msg, "GitRepository", "ns", "app", "main@sha1:1", "sha256:2", "p"));
	/* a subscriber sees messages once connected: publish until one arrives */
	for (int i = 0; i < 50 && !got && pub && sub; i++) {
		CHECK_OK(cf_bus_pub_send(pub, &msg));
		got = cf_bus_sub_recv(sub, &m, &s, 100) == 0;
	}
	CHECK(got);
	if (got)
		CHECK_STR(m.name, "app");
	cf_bus_pub_free(pub);
	cf_bus_sub_free(sub);
	cf_buf_free(&msg);
	cf_buf_free(&s);
	snprintf(paddr, sizeof(paddr), "rm -rf %s", dir);
	CHECK(system(paddr) == 0);
	msleep(1);
}

static const cf_test_case cases[] = {
	{ "round_trips", round_trips },
	{ "malformed_input_is_refused", malformed_input_is_refused },
	{ "artifact_service", artifact_service },
	{ "notices", notices },
};
CF_TEST_MAIN(cases)
