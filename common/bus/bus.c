/* common/bus/bus.c - the nng message codec, the artifact client (the service is the
 * source-controller's artifact_server.c), PUB/SUB and PUSH/PULL for notices and events. */
#include "bus/bus.h"

#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char bus_magic[3] = { 'C', 'F', 'B' };

const char *cf_bus_type_str(cf_bus_type t)
{
	switch (t) {
	case CF_BUS_ARTIFACT_GET:   return "ARTIFACT_GET";
	case CF_BUS_ARTIFACT_CHUNK: return "ARTIFACT_CHUNK";
	case CF_BUS_ERROR:          return "ERROR";
	case CF_BUS_ARTIFACT_READY: return "ARTIFACT_READY";
	case CF_BUS_EVENT:          return "EVENT";
	}
	return "UNKNOWN";
}

/* ---- writer ---- */

static int put_u32(cf_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };
	return cf_buf_append(b, x, 4);
}

static int put_u64(cf_buf *b, uint64_t v)
{
	int rc = put_u32(b, (uint32_t)(v >> 32));
	return rc < 0 ? rc : put_u32(b, (uint32_t)v);
}

static int put_bytes(cf_buf *b, const void *p, size_t len, size_t cap)
{
	int rc;

	if (len > cap)
		return cf_err_set(CF_ETOOBIG, "bus field of %zu bytes over its cap of %zu", len, cap);
	rc = put_u32(b, (uint32_t)len);
	return rc < 0 ? rc : cf_buf_append(b, p, len);
}

static int put_str(cf_buf *b, const char *s)
{
	int rc = put_bytes(b, s ? s : "", s ? strlen(s) : 0, CF_BUS_STRING_MAX);
	return rc < 0 ? rc : cf_buf_putc(b, '\0');
}

static int put_header(cf_buf *b, cf_bus_type t)
{
	unsigned char h[5] = { 'C', 'F', 'B', CF_BUS_PROTOCOL_VERSION, (unsigned char)t };

	cf_buf_reset(b);
	return cf_buf_append(b, h, sizeof(h));
}

/* The token field: its own cap, so that a token never crowds the message's other fields. */
static int put_token(cf_buf *b, const char *token)
{
	size_t len = token ? strlen(token) : 0;
	int rc;

	if (len > CF_BUS_TOKEN_MAX)
		return cf_err_set(CF_ETOOBIG, "bus: internal token of %zu bytes over its cap of %u", len, CF_BUS_TOKEN_MAX);
	rc = put_bytes(b, token ? token : "", len, CF_BUS_TOKEN_MAX);
	return rc < 0 ? rc : cf_buf_putc(b, '\0');
}

int cf_bus_encode_get(cf_buf *out, const char *token, const char *path, uint64_t offset)
{
	int rc = put_header(out, CF_BUS_ARTIFACT_GET);
	if (rc == 0) rc = put_token(out, token);
	if (rc == 0) rc = put_str(out, path);
	if (rc == 0) rc = put_u64(out, offset);
	return rc;
}

int cf_bus_encode_chunk(cf_buf *out, uint64_t total, uint64_t offset, const void *data, size_t len)
{
	int rc = put_header(out, CF_BUS_ARTIFACT_CHUNK);
	if (rc == 0) rc = put_u64(out, total);
	if (rc == 0) rc = put_u64(out, offset);
	if (rc == 0) rc = put_bytes(out, data, len, CF_BUS_CHUNK_MAX);
	return rc;
}

int cf_bus_encode_error(cf_buf *out, int32_t code, const char *message)
{
	int rc = put_header(out, CF_BUS_ERROR);
	if (rc == 0) rc = put_u32(out, (uint32_t)code);
	if (rc == 0) rc = put_str(out, message);
	return rc;
}

int cf_bus_encode_ready(cf_buf *out, const char *kind, const char *ns, const char *name,
			const char *revision, const char *digest, const char *path)
{
	int rc = put_header(out, CF_BUS_ARTIFACT_READY);
	if (rc == 0) rc = put_str(out, kind);
	if (rc == 0) rc = put_str(out, ns);
	if (rc == 0) rc = put_str(out, name);
	if (rc == 0) rc = put_str(out, revision);
	if (rc == 0) rc = put_str(out, digest);
	if (rc == 0) rc = put_str(out, path);
	return rc;
}

int cf_bus_encode_event(cf_buf *out, const char *token, const char *json)
{
	int rc = put_header(out, CF_BUS_EVENT);
	if (rc == 0) rc = put_token(out, token);
	if (rc == 0) rc = put_str(out, json);
	return rc;
}

/* ---- reader ---- */

typedef struct reader {
	const unsigned char *p;
	size_t left;
	int bad;
} reader;

static uint32_t get_u32(reader *r)
{
	uint32_t v;

	if (r->bad || r->left < 4) {
		r->bad = 1;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

static uint64_t get_u64(reader *r)
{
	uint64_t hi = get_u32(r);
	return hi << 32 | get_u32(r);
}

static const unsigned char *get_bytes(reader *r, size_t *len, size_t cap)
{
	uint32_t n = get_u32(r);
	const unsigned char *p = r->p;

	if (r->bad || n > cap || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	*len = n;
	return p;
}

static const char *get_str_cap(reader *r, size_t cap)
{
	size_t len = 0;
	const char *s = (const char *)get_bytes(r, &len, cap);

	/* the NUL after the bytes is part of the encoding; no NUL may hide inside */
	if (r->bad || r->left < 1 || r->p[0] != '\0' || memchr(s, '\0', len) != NULL) {
		r->bad = 1;
		return NULL;
	}
	r->p++;
	r->left--;
	return s;
}

static const char *get_str(reader *r)
{
	return get_str_cap(r, CF_BUS_STRING_MAX);
}

int cf_bus_decode(cf_bus_msg *m, cf_buf *scratch, const void *data, size_t len)
{
	reader r;
	int rc;

	memset(m, 0, sizeof(*m));
	cf_buf_reset(scratch);
	if (len < 5 || memcmp(data, bus_magic, 3) != 0)
		return cf_err_set(CF_EINVAL, "bus: not a cflux message (%zu bytes)", len);
	if (((const unsigned char *)data)[3] != CF_BUS_PROTOCOL_VERSION)
		return cf_err_set(CF_EINVAL, "bus: protocol version %u, this build speaks %u",
				  ((const unsigned char *)data)[3], CF_BUS_PROTOCOL_VERSION);
	if ((rc = cf_buf_append(scratch, data, len)) < 0)
		return rc;
	m->type = (cf_bus_type)((const unsigned char *)scratch->data)[4];
	r.p = (const unsigned char *)scratch->data + 5;
	r.left = len - 5;
	r.bad = 0;
	switch (m->type) {
	case CF_BUS_ARTIFACT_GET:
		m->token = get_str_cap(&r, CF_BUS_TOKEN_MAX);
		m->path = get_str(&r);
		m->offset = get_u64(&r);
		break;
	case CF_BUS_ARTIFACT_CHUNK:
		m->total = get_u64(&r);
		m->offset = get_u64(&r);
		m->data = get_bytes(&r, &m->data_len, CF_BUS_CHUNK_MAX);
		break;
	case CF_BUS_ERROR:
		m->code = (int32_t)get_u32(&r);
		m->message = get_str(&r);
		break;
	case CF_BUS_ARTIFACT_READY:
		m->kind = get_str(&r);
		m->namespace = get_str(&r);
		m->name = get_str(&r);
		m->revision = get_str(&r);
		m->digest = get_str(&r);
		m->path = get_str(&r);
		break;
	case CF_BUS_EVENT:
		m->token = get_str_cap(&r, CF_BUS_TOKEN_MAX);
		m->json = get_str(&r);
		break;
	default:
		return cf_err_set(CF_EINVAL, "bus: unknown message type %u", (unsigned)m->type);
	}
	if (r.bad)
		return cf_err_set(CF_EINVAL, "bus: %s message is truncated or has a field over its cap",
				  cf_bus_type_str(m->type));
	if (r.left != 0)
		return cf_err_set(CF_EINVAL, "bus: %s message has %zu bytes left over",
				  cf_bus_type_str(m->type), r.left);
	return 0;
}

/* ---- the internal token ---- */

int cf_bus_token_load(char **out, const char *path)
{
	char buf[CF_BUS_TOKEN_MAX + 2];
	size_t n = 0;
	ssize_t got;
	int fd, rc = 0;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cf_err_set(errno == ENOENT ? CF_ENOTFOUND : CF_EIO, "internal token file %s: %s", path, strerror(errno));
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)got;
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n == 0)
		rc = cf_err_set(CF_EINVAL, "internal token file %s is empty", path);
	else if (n > CF_BUS_TOKEN_MAX)
		rc = cf_err_set(CF_EINVAL, "internal token file %s holds more than %u bytes", path, CF_BUS_TOKEN_MAX);
	else if (memchr(buf, '\0', n) || memchr(buf, ' ', n) || memchr(buf, '\n', n) || memchr(buf, '\t', n))
		rc = cf_err_set(CF_EINVAL, "internal token file %s: the token has spaces, newlines or NULs inside", path);
	else if ((*out = cf_strndup(buf, n)) == NULL)
		rc = cf_err_set(CF_ENOMEM, "out of memory");
	cf_wipe(buf, sizeof(buf));
	return rc;
}

void cf_bus_token_free(char *token)
{
	if (token)
		cf_free_secret(token, strlen(token));
}

int cf_bus_token_ok(const char *want, const char *got)
{
	size_t wl, gl, i;
	unsigned char diff;

	if (want == NULL || want[0] == '\0')
		return 1;
	if (got == NULL)
		got = "";
	wl = strlen(want);
	gl = strlen(got);
	/* every byte of want is compared, whatever got's length; a length difference is a difference */
	diff = (unsigned char)(wl != gl);
	for (i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < gl ? got[i] : 0);
	return diff == 0;
}

static char *token_dup(const char *token)
{
	return token && token[0] ? cf_strdup(token) : NULL;
}

static int nng_fail(int code, const char *what, int rv)
{
	return cf_err_set(code, "%s: %s", what, nng_strerror(rv));
}

/* ---- client ---- */

/* Whether a dial failed because nothing listens there now (the service is restarting), as
 * opposed to an address that cannot work. */
static int unreachable(int rv)
{
	return rv == NNG_ECONNREFUSED || rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT || rv == NNG_ECONNABORTED ||
	       rv == NNG_ENOENT || rv == NNG_EUNREACHABLE || rv == NNG_ETIMEDOUT;
}

static int request(nng_socket sock, const cf_buf *req, cf_bus_msg *m, cf_buf *scratch)
{
	char *rep = NULL;
	size_t len = 0;
	int rv, rc;

	if ((rv = nng_send(sock, req->data, req->len, 0)) != 0)
		return nng_fail(rv == NNG_ETIMEDOUT ? CF_ETIMEOUT : CF_EIO, "artifact request", rv);
	if ((rv = nng_recv(sock, &rep, &len, NNG_FLAG_ALLOC)) != 0)
		return nng_fail(rv == NNG_ETIMEDOUT ? CF_ETIMEOUT : CF_EIO, "artifact reply", rv);
	rc = cf_bus_decode(m, scratch, rep, len);
	nng_free(rep, len);
	return rc;
}

int cf_bus_fetch_artifact(cf_buf *out, const char *addr, const char *token, const char *path,
			  const char *want_digest, long timeout_ms)
{
	cf_buf req = CF_BUF_INIT(CF_BUS_STRING_MAX + 64), scratch = CF_BUF_INIT(CF_BUS_CHUNK_MAX + 4096);
	nng_socket sock;
	uint64_t total = 0;
	char got[72];
	int rv, rc = 0;

	cf_buf_reset(out);
	if ((rv = nng_req0_open(&sock)) != 0)
		return nng_fail(CF_EIO, "artifact client", rv);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, CF_BUS_CHUNK_MAX + 4096);
	if ((rv = nng_dial(sock, addr, NULL, 0)) != 0) {
		rc = unreachable(rv) ? cf_err_set(CF_EUNAVAIL, "artifact service at %s unreachable: %s", addr, nng_strerror(rv))
				     : nng_fail(CF_EIO, addr, rv);
		goto out;
	}
	do {
		cf_bus_msg m;
		if ((rc = cf_bus_encode_get(&req, token, path, out->len)) < 0 ||
		    (rc = request(sock, &req, &m, &scratch)) < 0)
			break;
		if (m.type == CF_BUS_ERROR) {
			rc = cf_err_set(m.code < 0 ? m.code : CF_EIO, "%s: %s", path, m.message);
			break;
		}
		if (m.type != CF_BUS_ARTIFACT_CHUNK || m.offset != out->len ||
		    (out->len > 0 && m.total != total) || (m.data_len == 0 && m.total > out->len)) {
			rc = cf_err_set(CF_EINVAL, "%s: unexpected reply from the artifact service", path);
			break;
		}
		total = m.total;
		if ((rc = cf_buf_append(out, m.data, m.data_len)) < 0) {
			cf_err_prefix("artifact %s", path);
			break;
		}
	} while (out->len < total);
	if (rc == 0) {
		cf_sha256_of(got, out->data ? out->data : "", out->len);
		if (strcmp(got, want_digest) != 0)
			rc = cf_err_set(CF_EINVAL, "artifact %s: digest %s does not match %s from the "
					"source's status", path, got, want_digest);
	}
out:
	nng_close(sock);
	cf_wipe(req.data, req.len);
	cf_buf_free(&req);
	cf_buf_free(&scratch);
	return rc;
}

/* ---- notices and events ---- */

struct cf_bus_pub {
	nng_socket sock;
	char *token;
};

int cf_bus_pub_open(cf_bus_pub **out, const char *addr, int push)
{
	cf_bus_pub *p = cf_calloc(1, sizeof(*p));
	int rv;

	*out = NULL;
	if (p == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rv = push ? nng_push0_open(&p->sock) : nng_pub0_open(&p->sock);
	if (rv == 0)   /* a burst waits in the socket instead of being dropped while the peer is busy */
		nng_socket_set_int(p->sock, NNG_OPT_SENDBUF, 1024);
	if (rv == 0)
		rv = push ? nng_dial(p->sock, addr, NULL, NNG_FLAG_NONBLOCK) : nng_listen(p->sock, addr, NULL, 0);
	if (rv != 0) {
		nng_close(p->sock);
		cf_free(p);
		return nng_fail(CF_EIO, addr, rv);
	}
	*out = p;
	return 0;
}

int cf_bus_pub_send(cf_bus_pub *p, const cf_buf *msg)
{
	int rv = nng_send(p->sock, msg->data, msg->len, NNG_FLAG_NONBLOCK);

	if (rv != 0 && rv != NNG_EAGAIN)
		return nng_fail(CF_EIO, "bus send", rv);
	return 0;
}

int cf_bus_pub_set_token(cf_bus_pub *p, const char *token)
{
	char *t = token_dup(token);

	if (token && token[0] && t == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	cf_bus_token_free(p->token);
	p->token = t;
	return 0;
}

int cf_bus_pub_send_event(cf_bus_pub *p, const char *json)
{
	cf_buf msg = CF_BUF_INIT(CF_BUS_STRING_MAX + CF_BUS_TOKEN_MAX + 64);
	int rc = cf_bus_encode_event(&msg, p->token, json);

	if (rc == 0)
		rc = cf_bus_pub_send(p, &msg);
	cf_wipe(msg.data, msg.len);
	cf_buf_free(&msg);
	return rc;
}

void cf_bus_pub_free(cf_bus_pub *p)
{
	if (p == NULL)
		return;
	nng_close(p->sock);
	cf_bus_token_free(p->token);
	cf_free(p);
}

struct cf_bus_sub {
	nng_socket sock;
	char *token;
};

int cf_bus_sub_open(cf_bus_sub **out, const char *addr, int pull)
{
	cf_bus_sub *s = cf_calloc(1, sizeof(*s));
	int rv;

	*out = NULL;
	if (s == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rv = pull ? nng_pull0_open(&s->sock) : nng_sub0_open(&s->sock);
	if (rv == 0 && !pull)
		rv = nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	if (rv == 0)
		nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, 4 * CF_BUS_STRING_MAX + 64);
	if (rv == 0)
		nng_socket_set_int(s->sock, NNG_OPT_RECVBUF, 1024);
	if (rv == 0)
		rv = pull ? nng_listen(s->sock, addr, NULL, 0) : nng_dial(s->sock, addr, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		nng_close(s->sock);
		cf_free(s);
		return nng_fail(CF_EIO, addr, rv);
	}
	*out = s;
	return 0;
}

int cf_bus_sub_recv(cf_bus_sub *s, cf_bus_msg *m, cf_buf *scratch, long timeout_ms)
{
	char *data = NULL;
	size_t len = 0;
	int rv, rc;

	nng_socket_set_ms(s->sock, NNG_OPT_RECVTIMEO, timeout_ms);
	rv = nng_recv(s->sock, &data, &len, NNG_FLAG_ALLOC);
	if (rv == NNG_ETIMEDOUT)
		return cf_err_set(CF_ETIMEOUT, "no message within %ld ms", timeout_ms);
	if (rv != 0)
		return nng_fail(CF_EIO, "bus receive", rv);
	rc = cf_bus_decode(m, scratch, data, len);
	nng_free(data, len);
	if (rc == 0 && (m->type == CF_BUS_EVENT || m->type == CF_BUS_ARTIFACT_GET) && !cf_bus_token_ok(s->token, m->token)) {
		cf_log(CF_LOG_WARN, "bus message refused: missing or wrong internal token", "type", cf_bus_type_str(m->type),
		       "token", m->token[0] ? "wrong" : "missing", NULL);
		rc = cf_err_set(CF_EAUTH, "bus: %s refused: missing or wrong internal token", cf_bus_type_str(m->type));
		cf_wipe(scratch->data, scratch->len);
		memset(m, 0, sizeof(*m));
	}
	return rc;
}

int cf_bus_sub_require_token(cf_bus_sub *s, const char *token)
{
	char *t = token_dup(token);

	if (token && token[0] && t == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	cf_bus_token_free(s->token);
	s->token = t;
	return 0;
}

void cf_bus_sub_free(cf_bus_sub *s)
{
	if (s == NULL)
		return;
	nng_close(s->sock);
	cf_bus_token_free(s->token);
	cf_free(s);
}
