/* notification-controller/webhook.h - the notification-controller's webhook receivers, without I/O:
 * whether a request proves it comes from the configured sender (HMAC signatures and tokens
 * compared in constant time) and asks for a reconcile. The webhook path and the HMAC are
 * runtime/receiver.h's, which cflux trigger receiver shares. */
#ifndef CF_RECEIVER_H
#define CF_RECEIVER_H

#include "runtime/receiver.h"

#include <jansson.h>
#include <stddef.h>

#define CF_RECEIVER_BODY_MAX (1u << 20)

typedef enum cf_receiver_verdict {
	CF_RECEIVER_ACT = 0,      /* valid: annotate the resources (200) */
	CF_RECEIVER_IGNORE = 1,   /* valid, nothing to do: a ping, an event type not listed (200) */
	CF_RECEIVER_DENY = 2,     /* signature or token missing or wrong (401) */
	CF_RECEIVER_BAD = 3,      /* unsupported receiver type, body over the cap (400) */
} cf_receiver_verdict;

/* Looks up a request header (case-insensitive), or NULL. */
typedef const char *(*cf_receiver_header_fn)(void *ctx, const char *name);

/* Checks a request to receiver (a Receiver object) whose secret token is token. *why (may be
 * NULL) gets a short reason for logs and the reply body. */
cf_receiver_verdict cf_receiver_check(const json_t *receiver, const char *token, cf_receiver_header_fn header,
				      void *ctx, const void *body, size_t len, const char **why);

#endif
