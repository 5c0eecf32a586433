/* common/event.c - Flux event JSON. */
#include "event.h"

#include "condition.h"

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
