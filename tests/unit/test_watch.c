/* tests/unit/test_watch.c - the kustomize-controller's source cache (kustomize-controller/
 * watch.c, linked from build/<mode>/libkustomize-controller.a): a source is read from what its
 * watch last showed, from the API only while a notice told of an artifact the watch has not
 * shown yet. */
#include "kustomize-controller/controller.h"
#include "runtime/kinds.h"
#include "test.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>

/* main.c's, which the drift watches of watch.c call; this test starts none */
int ks_new_client(ks_ctl *c, cf_kube **k)
{
	(void)c;
	*k = NULL;
	return -1;
}

static json_t *gitrepo(const char *revision, const char *digest)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s,s:s,s:s,s:s}}}", "apiVersion", "source.toolkit.fluxcd.io/v1",
			 "kind", "GitRepository", "metadata", "name", "apps", "namespace", "flux-system", "status",
			 "artifact", "path", "p.tar.gz", "url", "http://sc/p.tar.gz", "revision", revision, "digest", digest);
}

/* the revision of the cached source, "" when the cache says: read the API */
static const char *cached_revision(ks_ctl *c, char *out, size_t size)
{
	json_t *s = ks_source_cached(c, "GitRepository", "flux-system", "apps");
	const char *rev = json_string_value(json_object_get(json_object_get(json_object_get(s, "status"), "artifact"), "revision"));

	snprintf(out, size, "%s", rev ? rev : "");
	json_decref(s);
	return out;
}

static void notice_after_watch_keeps_cache(void)
{
	ks_ctl c = { 0 };
	const cf_kind *kind = cf_kind_get(CF_KIND_GITREPOSITORY);
	json_t *a = gitrepo("main@sha1:aaa", "sha256:1111"), *b = gitrepo("main@sha1:bbb", "sha256:2222");
	json_t *again = gitrepo("main@sha1:bbb", "sha256:3333");
	char rev[128];

	pthread_mutex_init(&c.mu, NULL);
	c.index = json_object();
	c.sources = json_object();
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "");   /* not seen: the API */
	ks_on_source(&c, kind, "ADDED", a);
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "main@sha1:aaa");
	/* the notice of what the watch shows already (it came after the status write) */
	ks_source_notified(&c, "GitRepository", "flux-system", "apps", "main@sha1:aaa", "sha256:1111");
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "main@sha1:aaa");
	/* a notice ahead of the watch: the API until the watch shows that revision */
	ks_source_notified(&c, "GitRepository", "flux-system", "apps", "main@sha1:bbb", "sha256:2222");
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "");
	ks_on_source(&c, kind, "MODIFIED", b);
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "main@sha1:bbb");
	/* the same revision stored again (a new digest): the API until the watch shows it */
	ks_source_notified(&c, "GitRepository", "flux-system", "apps", "main@sha1:bbb", "sha256:3333");
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "");
	ks_on_source(&c, kind, "MODIFIED", again);
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "main@sha1:bbb");
	/* a notice without a digest is not trusted to be the cached one */
	ks_source_notified(&c, "GitRepository", "flux-system", "apps", "main@sha1:bbb", "");
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "");
	ks_on_source(&c, kind, "DELETED", again);
	CHECK_STR(cached_revision(&c, rev, sizeof(rev)), "");
	json_decref(a);
	json_decref(b);
	json_decref(again);
	json_decref(c.index);
	json_decref(c.sources);
	pthread_mutex_destroy(&c.mu);
}

static const cf_test_case cases[] = {
	{ "notice_after_watch_keeps_cache", notice_after_watch_keeps_cache },
};
CF_TEST_MAIN(cases)
