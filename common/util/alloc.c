/* common/util/alloc.c - one allocation wrapper with failure injection for tests. */
#include "util/alloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static unsigned long alloc_count;
static unsigned long alloc_fail_at; /* 0: never fail */
static void (*on_free)(void *p);

void cf_alloc_on_free(void (*fn)(void *p))
{
	on_free = fn;
}

static int alloc_should_fail(void)
{
	alloc_count++;
	return alloc_fail_at != 0 && alloc_count >= alloc_fail_at;
}

void cf_alloc_fail_after(unsigned long n)
{
	alloc_fail_at = n == 0 ? 0 : alloc_count + n;
}

unsigned long cf_alloc_count(void)
{
	return alloc_count;
}

void *cf_malloc(size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *cf_calloc(size_t count, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
}

void *cf_realloc(void *p, size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return realloc(p, n == 0 ? 1 : n);
}

char *cf_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = cf_malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *cf_strdup(const char *s)
{
	return cf_strndup(s, strlen(s));
}

void cf_free(void *p)
{
	if (on_free && p)
		on_free(p);
	free(p);
}

void cf_wipe(void *p, size_t n)
{
	/* volatile stores are not elided the way a memset before free may be */
	volatile unsigned char *v = p;

	if (p == NULL)
		return;
	while (n--)
		*v++ = 0;
}

void cf_free_secret(void *p, size_t n)
{
	cf_wipe(p, n);
	if (on_free && p)
		on_free(p);
	free(p);
}

void cf_alloc_hook_jansson(void)
{
	json_set_alloc_funcs(cf_malloc, cf_free);
}
