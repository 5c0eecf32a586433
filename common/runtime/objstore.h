/* common/runtime/objstore.h - the objects of a reconciled kind as its watch last showed them, so
 * that a reconcile reads its object from memory, not with a GET (what Flux's controllers read
 * from their informers' caches). A kind is kept once its row asks for it (cf_kind_handler.cached);
 * each object is kept as compact JSON without metadata.managedFields.
 *
 * What keeps it current: every watch event of the kind (ADDED and MODIFIED replace, DELETED
 * removes), and the replies of the controller's own writes to the object (status, finalizers):
 * a reply replaces an entry only when its resourceVersion is newer, and a watch event older than
 * the entry (a write of another that the reply already holds) does not replace it. The order
 * compares resourceVersions as numbers, which the API server's are (etcd revisions); when one is
 * not a number an event replaces and a reply does not. A reply never adds an entry that is not
 * there (the object may have been deleted meanwhile), and an object marked for deletion is never
 * served (its reconcile reads the API). Thread-safe. */
#ifndef CF_RUNTIME_OBJSTORE_H
#define CF_RUNTIME_OBJSTORE_H

#include <jansson.h>

/* Keep the objects of Kind kind from now on (its watch's events). 0, or CF_ENOMEM. */
int cf_objstore_keep(const char *kind);
/* A watch event of obj (its kind, metadata.namespace and metadata.name name the entry); objects
 * of kinds not kept are passed over. */
void cf_objstore_event(const char *type, const json_t *obj);
/* obj as the API server replied to a write of the controller's. */
void cf_objstore_written(const json_t *obj);
/* A new copy of Kind ns/name as kept, or NULL: not kept, not seen, marked for deletion, or out
 * of memory (the caller reads the API). */
json_t *cf_objstore_get(const char *kind, const char *ns, const char *name);
/* Forgets every kind and object (tests; a process that stops). */
void cf_objstore_reset(void);

#endif
