/* common/runtime/event.c - Flux event JSON. */
#include "runtime/event.h"

#include "runtime/condition.h"
#include "runtime/kinds.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

json_t *cf_event_new(const json_t *obj, const char *severity, const char *reason,
		     const char *message, const json_t *metadata, const char *controller)
{
	const json_t *md = json_object_get(obj, "metadata");
	char now[32], host[256] = "";
	json_t *ev;

	cf_time_now(now);
	gethostname(host, sizeof(host) - 1);
	ev = json_pack("{s:{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?},s:s,s:s,s:s,s:s,s:O?,s:s,s:s}",
		"involvedObject",
		"kind", json_object_get(obj, "kind"), "namespace", json_object_get(md, "namespace"),
		"name", json_object_get(md, "name"), "uid", json_object_get(md, "uid"),
		"apiVersion", json_object_get(obj, "apiVersion"),
		"resourceVersion", json_object_get(md, "resourceVersion"),
		"severity", severity, "timestamp", now, "message", message, "reason", reason,
		"metadata", metadata, "reportingController", controller, "reportingInstance", host);
	return ev;
}

void cf_event_emit(cf_kube *k, cf_bus_pub *pub, const json_t *obj, const char *type, const char *reason,
		   const char *message, const json_t *annotations, const json_t *metadata, const char *controller)
{
	json_t *ev;
	char *text;

	if (cf_kube_event(k, obj, type, reason, message, controller, annotations) < 0)
		cf_log(CF_LOG_WARN, "event not recorded", "error", cf_err_msg(), NULL);
	ev = cf_event_new(obj, strcmp(type, "Warning") == 0 ? "error" : "info", reason, message, metadata, controller);
	text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (text)
		cf_bus_pub_send_event(pub, text);
	free(text);
	json_decref(ev);
}

void cf_event_emit_revision(cf_kube *k, cf_bus_pub *pub, const json_t *obj, const char *type,
			    const char *reason, const char *message, const char *revision,
			    const char *digest, const char *controller)
{
	const cf_kind *kind = cf_kind_find(json_string_value(json_object_get(obj, "kind")));
	char rev_key[128], digest_key[128];
	json_t *ann = NULL, *meta = NULL;

	if (revision && revision[0]) {
		meta = json_pack("{s:s,s:s*}", "revision", revision, "digest", digest);   /* no digest: no key */
		if (kind) {   /* not a Flux kind: no group to prefix the annotations with */
			snprintf(rev_key, sizeof(rev_key), "%s/revision", kind->group);
			snprintf(digest_key, sizeof(digest_key), "%s/digest", kind->group);
			ann = json_pack("{s:s,s:s*}", rev_key, revision, digest_key, digest);
		}
	}
	cf_event_emit(k, pub, obj, type, reason, message, ann, meta, controller);
	json_decref(ann);
	json_decref(meta);
}
