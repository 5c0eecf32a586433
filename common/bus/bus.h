/* common/bus/bus.h - messages between cflux processes over nng, and the sockets that carry them.
 *
 * Every message starts with "CFB", the protocol version and its type; the fields of each type
 * follow in a fixed order (strings and byte strings as u32 length + bytes, integers
 * big-endian). A decoder refuses short input, fields over their caps, unknown types, another
 * protocol version, and bytes left over. nng is not trusted for integrity: artifacts are always
 * checked against the digest the API's status holds.
 *
 * Requests that read an artifact (GET) or that page someone (EVENT) carry the internal token,
 * a secret that `cflux install` puts in the cflux-internal-token Secret and the controllers
 * read from --internal-token-file. A receiver given a token refuses a message without it or
 * with another one (compared in constant time); one given none accepts any (local runs). */
#ifndef CF_BUS_H
#define CF_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CF_BUS_PROTOCOL_VERSION 2   /* 2: GET and EVENT carry the internal token */
#define CF_BUS_CHUNK_MAX (1u << 20)        /* bytes of artifact per reply */
#define CF_BUS_STRING_MAX (64u * 1024u)    /* any one string field */
#define CF_BUS_TOKEN_MAX 512u              /* the internal token */

typedef enum cf_bus_type {
	CF_BUS_ARTIFACT_GET = 1,    /* consumer -> source-controller (REQ/REP): token, path, offset */
	CF_BUS_ARTIFACT_CHUNK = 2,  /* reply: total size, offset, bytes */
	CF_BUS_ERROR = 3,           /* reply: cf_err code, message */
	CF_BUS_ARTIFACT_READY = 4,  /* source-controller PUB: a new artifact */
	CF_BUS_EVENT = 5,           /* any controller PUSH -> notification-controller: token, Flux event JSON */
} cf_bus_type;

/* A decoded message. Strings point into the decoded buffer (valid while it lives). */
typedef struct cf_bus_msg {
	cf_bus_type type;
	const char *token;          /* GET, EVENT ("" when the sender has none) */
	const char *path;           /* GET, READY */
	uint64_t offset;            /* GET, CHUNK */
	uint64_t total;             /* CHUNK */
	const unsigned char *data;  /* CHUNK */
	size_t data_len;
	int32_t code;               /* ERROR */
	const char *message;        /* ERROR */
	const char *kind, *namespace, *name, *revision, *digest;   /* READY */
	const char *json;           /* EVENT */
} cf_bus_msg;

const char *cf_bus_type_str(cf_bus_type t);

/* token may be NULL (sent as ""). */
int cf_bus_encode_get(cf_buf *out, const char *token, const char *path, uint64_t offset);
int cf_bus_encode_chunk(cf_buf *out, uint64_t total, uint64_t offset, const void *data, size_t len);
int cf_bus_encode_error(cf_buf *out, int32_t code, const char *message);
int cf_bus_encode_ready(cf_buf *out, const char *kind, const char *ns, const char *name,
			const char *revision, const char *digest, const char *path);
int cf_bus_encode_event(cf_buf *out, const char *token, const char *json);

/* Decodes data into m, copying string fields into *scratch (owned by the caller; free with
 * cf_buf_free) so they are NUL-terminated. CF_EINVAL with a message on any malformed input. */
int cf_bus_decode(cf_bus_msg *m, cf_buf *scratch, const void *data, size_t len);

/* ---- the internal token ---- */

/* Reads the token from path (trailing newline and spaces dropped): a new string the caller
 * frees with cf_bus_token_free. CF_EINVAL if the file is empty, has spaces inside or is over
 * CF_BUS_TOKEN_MAX; the error names the file, never the content. */
int  cf_bus_token_load(char **out, const char *path);
/* Wipes and frees. Safe on NULL. */
void cf_bus_token_free(char *token);
/* 1 if got equals want, in time that depends on neither's content; with want NULL or "" any
 * got is accepted (no token configured). */
int  cf_bus_token_ok(const char *want, const char *got);

/* ---- consumers ---- */

/* Fetches path from the artifact service at addr into out (which caps the size), sending token
 * (NULL for none), and checks that its sha256 equals want_digest ("sha256:<hex>"); a mismatch
 * is CF_EINVAL, an unknown path CF_ENOTFOUND, a refused token CF_EAUTH, no answer within
 * timeout_ms CF_ETIMEOUT, nothing listening at addr (refused, reset: the source-controller is
 * restarting) CF_EUNAVAIL ("artifact service at ADDR unreachable: ..."). */
int cf_bus_fetch_artifact(cf_buf *out, const char *addr, const char *token, const char *path,
			  const char *want_digest, long timeout_ms);

/* ---- notices and events (fire and forget: a lost one costs latency, never correctness) ---- */

typedef struct cf_bus_pub cf_bus_pub;
/* PUB listening on addr (notices), or PUSH dialing addr (events) when push is set. */
int  cf_bus_pub_open(cf_bus_pub **out, const char *addr, int push);
/* Sends without blocking; a message nobody can take is dropped. */
int  cf_bus_pub_send(cf_bus_pub *p, const cf_buf *msg);
/* The token events sent with cf_bus_pub_send_event carry (copied; NULL for none). */
int  cf_bus_pub_set_token(cf_bus_pub *p, const char *token);
/* Encodes json as an EVENT with p's token and sends it as cf_bus_pub_send does. */
int  cf_bus_pub_send_event(cf_bus_pub *p, const char *json);
void cf_bus_pub_free(cf_bus_pub *p);

typedef struct cf_bus_sub cf_bus_sub;
/* SUB dialing addr (notices), or PULL listening on addr (events) when pull is set. */
int  cf_bus_sub_open(cf_bus_sub **out, const char *addr, int pull);
/* The token an EVENT or GET received must carry (copied; NULL for none). */
int  cf_bus_sub_require_token(cf_bus_sub *s, const char *token);
/* Waits up to timeout_ms for a message, decoded into m (strings in scratch). CF_ETIMEOUT if
 * none came; CF_EAUTH (and a warning in the log) for an EVENT or GET without the token. */
int  cf_bus_sub_recv(cf_bus_sub *s, cf_bus_msg *m, cf_buf *scratch, long timeout_ms);
void cf_bus_sub_free(cf_bus_sub *s);

#endif
