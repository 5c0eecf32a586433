/* common/runtime/receiver.h - what a Receiver's webhook is, as Flux computes it: its path and
 * the HMAC signature of a request body. The notification-controller serves and checks them
 * (notification-controller/webhook.c); `cflux trigger receiver` sends to them. No I/O. */
#ifndef CF_RUNTIME_RECEIVER_H
#define CF_RUNTIME_RECEIVER_H

#include <stddef.h>

#define CF_RECEIVER_PATH_MAX 80
/* "/hook/<hex sha256(token + name + namespace)>", as Flux's Receiver.GetWebhookPath (a
 * generic-oidc Receiver has no token: ""). */
void cf_receiver_path(char out[CF_RECEIVER_PATH_MAX], const char *token, const char *name, const char *ns);

#define CF_RECEIVER_HMAC_MAX 129
/* The lower-case hex HMAC of data keyed with key, algo one of sha1, sha256, sha512 (any case;
 * algo_len bytes of it). 0, or CF_EINVAL for another algorithm. */
int cf_receiver_hmac_hex(char out[CF_RECEIVER_HMAC_MAX], const char *algo, size_t algo_len, const char *key,
			 const void *data, size_t len);

/* Constant-time comparison of two strings (lengths may differ): 1 when equal. */
int cf_receiver_equal(const char *a, const char *b);

#endif
