/* kustomize-controller/objcache.h - what the kustomize-controller last applied, and whether the cluster
 * still holds it. It lets a re-reconcile skip objects that are unchanged on both sides (no
 * dry run, no write), and turns watch events into drift: a change of a field our field
 * manager owned after the apply (not another manager's fields, not status) or the object's
 * deletion names the Kustomization to reconcile. Thread-safe. */
#ifndef CF_OBJCACHE_H
#define CF_OBJCACHE_H

#include <jansson.h>
#include <stddef.h>

typedef struct cf_objcache cf_objcache;

int  cf_objcache_new(cf_objcache **out);
void cf_objcache_free(cf_objcache *c);

/* The cluster now holds desired (live: as the API returned it), applied for owner ("ns/name"). */
void cf_objcache_applied(cf_objcache *c, const char *owner, const json_t *desired, const json_t *live);
/* 1 when desired is what was last applied, the object's kind is watched, and no change to it
 * has been seen since. */
int  cf_objcache_unchanged(cf_objcache *c, const json_t *desired);
/* A watch event about live ("ADDED", "MODIFIED", "DELETED"). Returns 1 and fills owner and
 * what ("Deployment/ns/name modified") when it is drift, else 0. */
int  cf_objcache_observe(cf_objcache *c, const char *type, const json_t *live, char *owner, size_t owner_size,
			 char *what, size_t what_size);
/* Whether events for apiVersion/kind arrive (a watch runs); unwatched kinds are never skipped. */
void cf_objcache_set_watched(cf_objcache *c, const char *api_version, const char *kind, int watched);
/* Drops the entry of an object that left owner's inventory (id in Flux's inventory format),
 * unless another owner ("ns/name") has applied it since; owner NULL: whoever applied it. */
void cf_objcache_forget_id(cf_objcache *c, const char *owner, const char *id);
size_t cf_objcache_len(cf_objcache *c);

/* The build of owner: input (a hash of its artifact digest, spec and substitution inputs) was
 * built and applied whole; NULL forgets it (a build of other input starts). One hash per
 * Kustomization. */
void cf_objcache_built(cf_objcache *c, const char *owner, const char *input);
/* 1 when owner's last build was of input and every object of inventory ([{id, v}]) is as that
 * apply left it (applied for owner, its kind watched, no change seen since): building and
 * applying input again would change nothing. */
int  cf_objcache_clean(cf_objcache *c, const char *owner, const json_t *inventory, const char *input);

#endif
