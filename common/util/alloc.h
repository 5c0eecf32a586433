/* common/util/alloc.h - the one allocation wrapper; tests can make the Nth allocation fail. */
#ifndef CF_ALLOC_H
#define CF_ALLOC_H

#include <stddef.h>

/* Each returns NULL when the allocation fails (or is made to fail); the caller frees with cf_free. */
void *cf_malloc(size_t n);
void *cf_calloc(size_t count, size_t size);
void *cf_realloc(void *p, size_t n);
char *cf_strdup(const char *s);
char *cf_strndup(const char *s, size_t n);
/* Safe on NULL. */
void  cf_free(void *p);
/* Overwrites n bytes with zeros in a way the compiler keeps (for secrets). Safe on NULL. */
void  cf_wipe(void *p, size_t n);
/* cf_wipe, then cf_free. */
void  cf_free_secret(void *p, size_t n);

/* Test hook: the nth allocation from now (1-based) and every one after it fails; 0 disables. */
void  cf_alloc_fail_after(unsigned long n);
/* Allocations attempted since start (successful or not). */
unsigned long cf_alloc_count(void);
/* Test hook: fn sees every block cf_free and cf_free_secret give back, just before free (NULL: none). */
void  cf_alloc_on_free(void (*fn)(void *p));
/* Makes jansson allocate through this wrapper, so failure injection reaches JSON trees too. */
void  cf_alloc_hook_jansson(void);

#endif
