/* source-controller/artifact_server.h - the artifact service of the bus protocol (common/bus). */
#ifndef SOURCE_ARTIFACT_SERVER_H
#define SOURCE_ARTIFACT_SERVER_H

typedef struct cf_artifact_server cf_artifact_server;
/* Listens on addr (e.g. "tcp://127.0.0.1:9790") and serves files under root in chunks, from
 * its own thread, until freed. Paths are relative to root; anything else gets an error reply.
 * With a token (copied; NULL for none), a request without it gets CF_EAUTH and is logged. */
int  cf_artifact_server_start(cf_artifact_server **out, const char *addr, const char *root, const char *token);
void cf_artifact_server_free(cf_artifact_server *s);

#endif
