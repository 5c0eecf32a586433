/* common/bus.h - messages between cflux processes over nng, and the sockets that carry them.
 *
 * Every message starts with "CFB", the protocol version and its type; the fields of each type
 * follow in a fixed order (strings and byte strings as u32 length + bytes, integers
 * big-endian). A decoder refuses short input, fields over their caps, unknown types, another
 * protocol version, and bytes left over. nng is not trusted for integrity: artifacts are always
 * checked against the digest the API's status holds. */
#ifndef CF_BUS_H
#define CF_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CF_BUS_PROTOCOL_VERSION 1
#define CF_BUS_CHUNK_MAX (1u << 20)        /* bytes of artifact per reply */
#define CF_BUS_STRING_MAX (64u * 1024u)    /* any one string field */

typedef enum cf_bus_type {
	CF_BUS_ARTIFACT_GET = 1,    /* consumer -> source-controller (REQ/REP): path, offset */
	CF_BUS_ARTIFACT_CHUNK = 2,  /* reply: total size, offset, bytes */
	CF_BUS_ERROR = 3,           /* reply: cf_err code, message */
	CF_BUS_ARTIFACT_READY = 4,  /* source-controller PUB: a new artifact */
	CF_BUS_EVENT = 5,           /* any controller PUSH -> notification-controller: Flux event JSON */
} cf_bus_type;

/* A decoded message. Strings point into the decoded buffer (valid while it lives). */
typedef struct cf_bus_msg {
	cf_bus_type type;
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

int cf_bus_encode_get(cf_buf *out, const char *path, uint64_t offset);
int cf_bus_encode_chunk(cf_buf *out, uint64_t total, uint64_t offset, const void *data, size_t len);
int cf_bus_encode_error(cf_buf *out, int32_t code, const char *message);
int cf_bus_encode_ready(cf_buf *out, const char *kind, const char *ns, const char *name,
			const char *revision, const char *digest, const char *path);
int cf_bus_encode_event(cf_buf *out, const char *json);

/* Decodes data into m, copying string fields into *scratch (owned by the caller; free with
 * cf_buf_free) so they are NUL-terminated. CF_EINVAL with a message on any malformed input. */
int cf_bus_decode(cf_bus_msg *m, cf_buf *scratch, const void *data, size_t len);

/* ---- the artifact service (source-controller side) ---- */

typedef struct cf_bus_server cf_bus_server;
/* Listens on addr (e.g. "tcp://127.0.0.1:9790") and serves files under root in chunks, from
 * its own thread, until freed. Paths are relative to root; anything else gets an error reply. */
int  cf_bus_server_start(cf_bus_server **out, const char *addr, const char *root);
void cf_bus_server_free(cf_bus_server *s);

/* ---- consumers ---- */

/* Fetches path from the artifact service at addr into out (which caps the size), and checks
 * that its sha256 equals want_digest ("sha256:<hex>"); a mismatch is CF_EINVAL, an unknown
 * path CF_ENOTFOUND, no answer within timeout_ms CF_ETIMEOUT. */
int cf_bus_fetch_artifact(cf_buf *out, const char *addr, const char *path, const char *want_digest,
			  long timeout_ms);

/* ---- notices and events (fire and forget: a lost one costs latency, never correctness) ---- */

typedef struct cf_bus_pub cf_bus_pub;
/* PUB listening on addr (notices), or PUSH dialing addr (events) when push is set. */
int  cf_bus_pub_open(cf_bus_pub **out, const char *addr, int push);
/* Sends without blocking; a message nobody can take is dropped. */
int  cf_bus_pub_send(cf_bus_pub *p, const cf_buf *msg);
void cf_bus_pub_free(cf_bus_pub *p);

typedef struct cf_bus_sub cf_bus_sub;
/* SUB dialing addr (notices), or PULL listening on addr (events) when pull is set. */
int  cf_bus_sub_open(cf_bus_sub **out, const char *addr, int pull);
/* Waits up to timeout_ms for a message, decoded into m (strings in scratch). CF_ETIMEOUT if
 * none came. */
int  cf_bus_sub_recv(cf_bus_sub *s, cf_bus_msg *m, cf_buf *scratch, long timeout_ms);
void cf_bus_sub_free(cf_bus_sub *s);

#endif
