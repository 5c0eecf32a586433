/* source-controller/announce.c - on start, the artifacts already stored are announced on the
 * notice socket (ARTIFACT_READY), so that consumers that failed to fetch while the
 * source-controller was down go at once instead of on their backoff.
 *
 * PUB/SUB drops what is published before a subscriber has (re)connected (the slow joiner), and
 * subscribers dial again on their own schedule after the restart; so the announce is repeated
 * at the times of ANNOUNCE_AT_MS after start. A duplicate costs a consumer a reconcile that
 * finds nothing new; a lost one costs it its backoff (seconds), never correctness. */
#include "controller.h"

#include "runtime/kinds.h"
#include "util/err.h"
#include "yaml/yaml.h"
#include "util/log.h"

#include <time.h>

static const long ANNOUNCE_AT_MS[] = { 0, 1000, 3000, 8000 };
static const cf_kind_id KINDS[] = {
	CF_KIND_GITREPOSITORY, CF_KIND_OCIREPOSITORY, CF_KIND_HELMCHART, CF_KIND_HELMREPOSITORY,
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps until at (monotonic ms) or until asked to stop; 0 when at came. */
static int wait_until(src_ctl *c, long long at)
{
	while (!c->stop) {
		long long left = at - now_ms();
		struct timespec ts = { 0, 100 * 1000000L };
		if (left <= 0)
			return 0;
		if (left < 100)
			ts.tv_nsec = left * 1000000L;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Appends [kind, ns, name, revision, digest, path] for every object of kind whose artifact is
 * stored and whole. */
static int collect(src_ctl *c, cf_kube *k, cf_kind_id id, json_t *out)
{
	const cf_kind *kind = cf_kind_get(id);
	json_t *list = NULL;
	const json_t *o;
	size_t i;
	int rc;

	rc = cf_kube_list(k, &list, &(cf_kube_ref){ kind->api_version, kind->kind, c->watch_namespace, NULL }, NULL);
	if (rc < 0)
		return cf_err_prefix("listing %s", kind->plural);
	json_array_foreach(json_object_get(list, "items"), i, o) {
		const json_t *md = json_object_get(o, "metadata"), *st = json_object_get(o, "status");
		const json_t *art = json_object_get(st, "artifact");
		json_t *e;
		if (!cf_json_str(md, "namespace") || !cf_json_str(md, "name") || !src_storage_current(c, st, NULL, NULL))
			continue;
		e = json_pack("[s,s,s,s,s,s]", kind->kind, cf_json_str(md, "namespace"), cf_json_str(md, "name"),
			      cf_json_str(art, "revision"), cf_json_str(art, "digest"), cf_json_str(art, "path"));
		if (e == NULL || json_array_append_new(out, e) < 0) {
			json_decref(list);
			return cf_err_set(CF_ENOMEM, "out of memory");
		}
	}
	json_decref(list);
	return 0;
}

/* The list of what is stored and whole now, or NULL when the API cannot say (logged). */
static json_t *stored_now(src_ctl *c, cf_kube **k)
{
	json_t *all;

	if (*k == NULL && c->new_client(c, k) < 0) {
		cf_log(CF_LOG_WARN, "announce: cannot create an API client", "error", cf_err_msg(), NULL);
		return NULL;
	}
	if ((all = json_array()) == NULL)
		return NULL;
	for (size_t j = 0; j < sizeof(KINDS) / sizeof(KINDS[0]); j++)
		if (collect(c, *k, KINDS[j], all) < 0) {
			cf_log(CF_LOG_WARN, "announce: stored artifacts not listed, trying again", "error", cf_err_msg(), NULL);
			json_decref(all);
			return NULL;
		}
	return all;
}

void *src_announce_run(void *arg)
{
	src_ctl *c = arg;
	cf_kube *k = NULL;
	json_t *all = NULL;
	long long start = now_ms();
	size_t round, i;
	const json_t *e;
	char n[32];

	/* the list, as soon as the API answers (it may be down while we start) */
	while (!c->stop && (all = stored_now(c, &k)) == NULL)
		if (wait_until(c, now_ms() + 1000) < 0)
			break;
	if (all == NULL) {
		cf_kube_free(k);
		return NULL;
	}
	snprintf(n, sizeof(n), "%zu", json_array_size(all));
	for (round = 0; round < sizeof(ANNOUNCE_AT_MS) / sizeof(ANNOUNCE_AT_MS[0]); round++) {
		if (wait_until(c, start + ANNOUNCE_AT_MS[round]) < 0)
			break;
		/* listed again for each round after the first: an artifact stored again since start
		 * (one found not whole is fetched again at once) is announced too, as its own notice
		 * went out before the subscribers were back */
		if (round > 0) {
			json_t *again = stored_now(c, &k);
			if (again) {
				json_decref(all);
				all = again;
			}
		}
		json_array_foreach(all, i, e) {
			cf_kind_id id = cf_kind_find(json_string_value(json_array_get(e, 0)))->id;
			src_notice_publish(c, id, json_string_value(json_array_get(e, 1)), json_string_value(json_array_get(e, 2)),
					   json_string_value(json_array_get(e, 3)), json_string_value(json_array_get(e, 4)),
					   json_string_value(json_array_get(e, 5)));
		}
		if (round == 0)
			cf_log(CF_LOG_INFO, "stored artifacts announced", "artifacts", n, NULL);
	}
	cf_kube_free(k);
	json_decref(all);
	return NULL;
}
