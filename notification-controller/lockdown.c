/* notification-controller/lockdown.c - --no-cross-namespace-refs: a Receiver's resources and
 * an Alert's eventSources stay in their own namespace, in Flux's words. */
#include "controller.h"

#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

int nc_refs_refused(const nc_ctl *c, const char *kind, const json_t *obj)
{
	const char *own = cf_json_str(json_object_get(obj, "metadata"), "namespace");
	const char *field = strcmp(kind, "Receiver") == 0 ? "resources" : "eventSources";
	const json_t *ref;
	size_t i;

	if (!c->no_cross_namespace_refs)
		return 0;
	json_array_foreach(json_object_get(json_object_get(obj, "spec"), field), i, ref) {
		const char *ns = cf_json_str(ref, "namespace");
		if (ns && ns[0] && own && strcmp(ns, own) != 0)
			return cf_err_set(CF_EAUTH, "spec.%s[%zu]: can't access '%s/%s/%s', cross-namespace references have been blocked",
					  field, i, cf_json_str(ref, "kind") ? cf_json_str(ref, "kind") : "", ns,
					  cf_json_str(ref, "name") ? cf_json_str(ref, "name") : "");
	}
	return 0;
}

int nc_event_refused(const nc_ctl *c, const json_t *alert, const json_t *event)
{
	const json_t *md = json_object_get(alert, "metadata"), *io = json_object_get(event, "involvedObject");
	const char *ans = cf_json_str(md, "namespace"), *ens = cf_json_str(io, "namespace");
	char msg[1024];

	if (!c->no_cross_namespace_refs || (ans && ens && strcmp(ans, ens) == 0))
		return 0;
	snprintf(msg, sizeof(msg), "alert '%s/%s' can't process event from '%s/%s/%s', cross-namespace references have been blocked",
		 ans ? ans : "", cf_json_str(md, "name") ? cf_json_str(md, "name") : "", cf_json_str(io, "kind") ? cf_json_str(io, "kind") : "",
		 ens ? ens : "", cf_json_str(io, "name") ? cf_json_str(io, "name") : "");
	cf_log(CF_LOG_WARN, "discarding event, access denied to cross-namespace sources", "error", msg, NULL);
	return 1;
}
