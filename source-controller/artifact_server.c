/* source-controller/artifact_server.c - the artifact service: files under the storage root
 * served in chunks over nng REP to the bus's artifact client (common/bus). */
#include "artifact_server.h"

#include "bus/bus.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cf_artifact_server {
	nng_socket sock;
	pthread_t thread;
	char *root;
	char *token;          /* NULL: any request is served */
	int running;
};

/* A path under root: relative, no empty or dot-led components. */
static int safe_path(const char *p)
{
	if (p[0] == '\0' || p[0] == '/')
		return 0;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		/* no empty, ".", ".." or hidden components: caches and temp files stay private */
		if (n == 0 || s[0] == '.')
			return 0;
		s += n;
		if (*s == '/')
			s++;
	}
	return 1;
}

static void serve_one(cf_artifact_server *s, const cf_bus_msg *m, cf_buf *reply)
{
	cf_buf full = CF_BUF_INIT(8192);
	unsigned char *chunk;
	struct stat st;
	uint64_t left;
	size_t want;
	ssize_t n;
	int fd;

	if (m->type != CF_BUS_ARTIFACT_GET) {
		cf_bus_encode_error(reply, CF_EINVAL, "expected ARTIFACT_GET");
		return;
	}
	if (!cf_bus_token_ok(s->token, m->token)) {
		/* the path is the requester's word, the token never logged */
		cf_log(CF_LOG_WARN, "artifact request refused: missing or wrong internal token", "path", m->path,
		       "token", m->token[0] ? "wrong" : "missing", NULL);
		cf_bus_encode_error(reply, CF_EAUTH, "artifact request refused: missing or wrong internal token");
		return;
	}
	if (!safe_path(m->path)) {
		cf_bus_encode_error(reply, CF_EINVAL, "artifact path must be relative and clean");
		return;
	}
	if (cf_buf_printf(&full, "%s/%s", s->root, m->path) < 0 ||
	    (fd = open(full.data, O_RDONLY | O_NOFOLLOW)) < 0) {
		cf_bus_encode_error(reply, CF_ENOTFOUND, "artifact not found");
		cf_buf_free(&full);
		return;
	}
	cf_buf_free(&full);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || m->offset > (uint64_t)st.st_size) {
		close(fd);
		cf_bus_encode_error(reply, CF_EINVAL, "bad offset or not a file");
		return;
	}
	/* the chunk on the heap for this request only: a buffer kept (or static) would stay
	 * resident at its 1 MiB after the first large artifact served */
	left = (uint64_t)st.st_size - m->offset;
	want = left < CF_BUS_CHUNK_MAX ? (size_t)left : CF_BUS_CHUNK_MAX;
	if ((chunk = cf_malloc(want ? want : 1)) == NULL) {
		close(fd);
		cf_bus_encode_error(reply, CF_ENOMEM, "out of memory");
		return;
	}
	n = pread(fd, chunk, want, (off_t)m->offset);
	close(fd);
	if (n < 0)
		cf_bus_encode_error(reply, CF_EIO, "read failed");
	else
		cf_bus_encode_chunk(reply, (uint64_t)st.st_size, m->offset, chunk, (size_t)n);
	cf_free(chunk);
}

/* A reply buffer past this is given back after its send, not kept for the next request. */
#define REPLY_KEEP (64u * 1024)

/* Single-threaded on purpose: one chunk is a pread of at most 1 MiB, and one request at a
 * time bounds what the service holds to that. */
static void *server_loop(void *arg)
{
	cf_artifact_server *s = arg;
	cf_buf reply = CF_BUF_INIT(CF_BUS_CHUNK_MAX + 4096), scratch = CF_BUF_INIT(CF_BUS_STRING_MAX * 2);

	while (s->running) {
		char *req = NULL;
		size_t len = 0;
		cf_bus_msg m;
		int rv = nng_recv(s->sock, &req, &len, NNG_FLAG_ALLOC);

		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		if (cf_bus_decode(&m, &scratch, req, len) < 0)
			cf_bus_encode_error(&reply, CF_EINVAL, cf_err_msg());
		else
			serve_one(s, &m, &reply);
		nng_free(req, len);
		if ((rv = nng_send(s->sock, reply.data, reply.len, 0)) != 0)
			cf_log(CF_LOG_WARN, "artifact service: reply not sent", "error", nng_strerror(rv), NULL);
		if (reply.cap > REPLY_KEEP)
			cf_buf_free(&reply);
	}
	cf_buf_free(&reply);
	cf_wipe(scratch.data, scratch.len);
	cf_buf_free(&scratch);
	return NULL;
}

int cf_artifact_server_start(cf_artifact_server **out, const char *addr, const char *root, const char *token)
{
	cf_artifact_server *s;
	int rv;

	*out = NULL;
	s = cf_calloc(1, sizeof(*s));
	if (s == NULL || (s->root = cf_strdup(root)) == NULL || (token && token[0] && (s->token = cf_strdup(token)) == NULL)) {
		if (s)
			cf_free(s->root);
		cf_free(s);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		cf_bus_token_free(s->token);
		cf_free(s->root);
		cf_free(s);
		return cf_err_set(CF_EIO, "artifact service: %s", nng_strerror(rv));
	}
	nng_socket_set_ms(s->sock, NNG_OPT_RECVTIMEO, 500);
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, 64 * 1024);
	if ((rv = nng_listen(s->sock, addr, NULL, 0)) != 0) {
		nng_close(s->sock);
		cf_bus_token_free(s->token);
		cf_free(s->root);
		cf_free(s);
		return cf_err_set(CF_EIO, "%s: %s", addr, nng_strerror(rv));
	}
	s->running = 1;
	if (pthread_create(&s->thread, NULL, server_loop, s) != 0) {
		nng_close(s->sock);
		cf_bus_token_free(s->token);
		cf_free(s->root);
		cf_free(s);
		return cf_err_set(CF_ERR, "artifact service: cannot start a thread");
	}
	*out = s;
	return 0;
}

void cf_artifact_server_free(cf_artifact_server *s)
{
	if (s == NULL)
		return;
	s->running = 0;
	pthread_join(s->thread, NULL);
	nng_close(s->sock);
	cf_bus_token_free(s->token);
	cf_free(s->root);
	cf_free(s);
}
