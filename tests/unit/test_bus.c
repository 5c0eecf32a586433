/* tests/unit/test_bus.c - the nng codec, the artifact service and notices (over ipc://). */
#include "bus/bus.h"
#include "source-controller/artifact_server.h"
#include "test.h"
#include "util/err.h"
#include "util/sha256.h"

#include <dirent.h>
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

	CHECK_OK(cf_bus_encode_get(&b, "t0ken", "gitrepository/ns/app/abc.tar.gz", 1048576));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK(m.type == CF_BUS_ARTIFACT_GET && m.offset == 1048576);
	CHECK_STR(m.token, "t0ken");
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
	CHECK_OK(cf_bus_encode_event(&b, "t0ken", "{\"reason\":\"x\"}"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK_STR(m.json, "{\"reason\":\"x\"}");
	CHECK_STR(m.token, "t0ken");
	CHECK_OK(cf_bus_encode_event(&b, NULL, "{}"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK_STR(m.token, "");
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
	CHECK_OK(cf_bus_encode_event(&b, NULL, "abc"));
	memcpy(copy, b.data, b.len);
	copy[15] = '\0';
	CHECK(cf_bus_decode(&m, &s, copy, b.len) == CF_EINVAL);
	CHECK(cf_bus_decode(&m, &s, "XYZ\001\001", 5) == CF_EINVAL);
	cf_buf_free(&b);
	cf_buf_free(&s);
}

#define TOKEN "s3cret-token"

static void token_fields(void)
{
	cf_buf b = CF_BUF_INIT(1u << 20), s = CF_BUF_INIT(1u << 20);
	char big[CF_BUS_TOKEN_MAX + 2];
	cf_bus_msg m;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(cf_bus_encode_get(&b, big, "p", 0) == CF_ETOOBIG);
	CHECK(cf_bus_encode_event(&b, big, "{}") == CF_ETOOBIG);
	big[CF_BUS_TOKEN_MAX] = '\0';
	CHECK_OK(cf_bus_encode_event(&b, big, "{}"));
	CHECK_OK(cf_bus_decode(&m, &s, b.data, b.len));
	CHECK(strlen(m.token) == CF_BUS_TOKEN_MAX);
	/* a version-1 EVENT (no token field) is refused by its version, not misread */
	CHECK_OK(cf_bus_encode_event(&b, NULL, "{}"));
	((unsigned char *)b.data)[3] = 1;
	CHECK(cf_bus_decode(&m, &s, b.data, b.len) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "protocol version 1");
	/* the comparison */
	CHECK(cf_bus_token_ok(TOKEN, TOKEN));
	CHECK(!cf_bus_token_ok(TOKEN, ""));
	CHECK(!cf_bus_token_ok(TOKEN, NULL));
	CHECK(!cf_bus_token_ok(TOKEN, "s3cret-toke"));
	CHECK(!cf_bus_token_ok(TOKEN, TOKEN "n"));
	CHECK(!cf_bus_token_ok(TOKEN, "S3cret-token"));
	CHECK(cf_bus_token_ok(NULL, "anything"));
	CHECK(cf_bus_token_ok("", NULL));
	cf_buf_free(&b);
	cf_buf_free(&s);
}

static void token_file(void)
{
	char path[] = "/tmp/cflux-token-XXXXXX", *t = NULL;
	int fd = mkstemp(path);
	FILE *f;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	CHECK(cf_bus_token_load(&t, path) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "is empty");
	f = fopen(path, "w");
	fputs("abc def\n", f);
	fclose(f);
	CHECK(cf_bus_token_load(&t, path) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), path);
	CHECK(strstr(cf_err_msg(), "abc") == NULL);
	f = fopen(path, "w");
	fputs(TOKEN "\n", f);
	fclose(f);
	CHECK_OK(cf_bus_token_load(&t, path));
	CHECK_STR(t, TOKEN);
	cf_bus_token_free(t);
	unlink(path);
	CHECK(cf_bus_token_load(&t, path) == CF_ENOTFOUND);
	CHECK(t == NULL);
}

static char dir[] = "/tmp/cflux-bus-XXXXXX";
static char addr[300];

static void artifact_service(void)
{
	cf_artifact_server *srv = NULL;
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
	CHECK_OK(cf_artifact_server_start(&srv, addr, path, TOKEN));
	CHECK_OK(cf_bus_fetch_artifact(&got, addr, TOKEN, "gitrepository/ns/app/c.tar.gz", digest, 5000));
	CHECK(got.len == sizeof(big) && memcmp(got.data, big, sizeof(big)) == 0);
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN, "gitrepository/ns/app/c.tar.gz",
				    "sha256:0000000000000000000000000000000000000000000000000000000000000000", 5000) == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "does not match");
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN, "gitrepository/ns/app/missing.tar.gz", digest, 5000) == CF_ENOTFOUND);
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN, "../../etc/passwd", digest, 5000) == CF_EINVAL);
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN, "/etc/passwd", digest, 5000) == CF_EINVAL);
	/* without the token, or with another one, nothing is served */
	CHECK(cf_bus_fetch_artifact(&got, addr, NULL, "gitrepository/ns/app/c.tar.gz", digest, 5000) == CF_EAUTH);
	CHECK_CONTAINS(cf_err_msg(), "missing or wrong internal token");
	CHECK(got.len == 0);
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN "x", "gitrepository/ns/app/c.tar.gz", digest, 5000) == CF_EAUTH);
	CHECK(cf_bus_fetch_artifact(&got, addr, "s3cret-tokem", "gitrepository/ns/app/c.tar.gz", digest, 5000) == CF_EAUTH);
	/* a cap smaller than the artifact stops the transfer */
	got.max = 1000;
	CHECK(cf_bus_fetch_artifact(&got, addr, TOKEN, "gitrepository/ns/app/c.tar.gz", digest, 5000) == CF_ETOOBIG);
	cf_artifact_server_free(srv);
	cf_buf_free(&got);
}

/* PUSH -> PULL: an event without the token, or with another one, is refused; with it, taken. */
static void events_need_the_token(void)
{
	char eaddr[400];
	cf_bus_pub *good = NULL, *bad = NULL;
	cf_bus_sub *pull = NULL;
	cf_buf s = CF_BUF_INIT(1u << 20);
	cf_bus_msg m;
	int refused = 0, taken = 0;

	snprintf(eaddr, sizeof(eaddr), "ipc://%s/events.sock", dir);
	CHECK_OK(cf_bus_sub_open(&pull, eaddr, 1));
	CHECK_OK(cf_bus_sub_require_token(pull, TOKEN));
	CHECK_OK(cf_bus_pub_open(&bad, eaddr, 1));
	CHECK_OK(cf_bus_pub_open(&good, eaddr, 1));
	CHECK_OK(cf_bus_pub_set_token(good, TOKEN));
	if (pull == NULL || bad == NULL || good == NULL)
		goto out;
	/* the forged event first, then the real one: the first one taken must be the real one */
	CHECK_OK(cf_bus_pub_send_event(bad, "{\"reason\":\"forged\"}"));
	for (int i = 0; i < 100 && !refused; i++)
		refused = cf_bus_sub_recv(pull, &m, &s, 100) == CF_EAUTH;
	CHECK(refused);
	CHECK_OK(cf_bus_pub_send_event(good, "{\"reason\":\"real\"}"));
	for (int i = 0; i < 100 && !taken; i++)
		taken = cf_bus_sub_recv(pull, &m, &s, 100) == 0;
	CHECK(taken);
	if (taken)
		CHECK_STR(m.json, "{\"reason\":\"real\"}");
out:
	cf_bus_pub_free(good);
	cf_bus_pub_free(bad);
	cf_bus_sub_free(pull);
	cf_buf_free(&s);
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
	events_need_the_token();
	snprintf(paddr, sizeof(paddr), "rm -rf %s", dir);
	CHECK(system(paddr) == 0);
	msleep(1);
}

/* The nng that cflux links (tests/env/build-nng) starts 7 threads whatever the CPUs; Debian's
 * libnng starts 3 per CPU and more (13 on 2 cores). Counted once nng runs: after the cases
 * above, or after a socket of its own here. */
static void nng_threads_fixed(void)
{
	cf_bus_pub *pub = NULL;
	struct dirent *e;
	char path[300], name[64];
	int nng = 0;
	DIR *d;

	CHECK_OK(cf_bus_pub_open(&pub, "inproc://nng-threads", 0));
	CHECK((d = opendir("/proc/self/task")) != NULL);
	while (d && (e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(name, sizeof(name), f) && strncmp(name, "nng:", 4) == 0)
			nng++;
		fclose(f);
	}
	if (d)
		closedir(d);
	CHECK(nng > 0);
	if (nng > 7)
		fprintf(stderr, "nng_threads_fixed: %d nng threads on %ld CPUs (7 expected: tests/env/build-nng)\n",
			nng, sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(nng <= 7);
	cf_bus_pub_free(pub);
}

static const cf_test_case cases[] = {
	{ "round_trips", round_trips },
	{ "malformed_input_is_refused", malformed_input_is_refused },
	{ "token_fields", token_fields },
	{ "token_file", token_file },
	{ "artifact_service", artifact_service },
	{ "notices", notices },
	{ "nng_threads_fixed", nng_threads_fixed },
};
CF_TEST_MAIN(cases)
