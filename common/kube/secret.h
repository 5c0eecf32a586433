/* common/kube/secret.h - a Secret's data read once, decoded, and wiped after use. */
#ifndef CF_KUBE_SECRET_H
#define CF_KUBE_SECRET_H

#include <jansson.h>

#include "kube/kube.h"

/* Reads Secret ns/name and puts its data, decoded, into *out: an object of key -> string (the
 * caller's, to free with cf_kube_secret_free, which wipes it); values that are not UTF-8 text
 * are left out. The Secret as fetched is wiped
 * before it is freed. A missing Secret is CF_ENOTFOUND "secret 'ns/name' not found"; a value
 * that is not base64 is CF_EINVAL naming the key. On failure *out is NULL. */
int  cf_kube_secret_get(cf_kube *k, json_t **out, const char *ns, const char *name);
/* The data of secret (a Secret as the API returns it) decoded into *out, as above; secret is
 * left to the caller (wipe it with cf_kube_secret_free). */
int  cf_kube_secret_decode(json_t **out, const json_t *secret);
/* Overwrites every string in j (values, not keys) with zeros: for what held a secret, before
 * json_decref. Safe on NULL. */
void cf_json_wipe(json_t *j);
/* cf_json_wipe, then json_decref. Safe on NULL. */
void cf_kube_secret_free(json_t *secret);

#endif
