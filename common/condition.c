/* common/condition.c - status conditions. */
#include "condition.h"

#include "err.h"

#include <string.h>
#include <time.h>

void cf_time_now(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *cf_condition_get(const json_t *status, const char *type)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(status, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

void cf_condition_remove(json_t *status, const char *type)
{
	json_t *list = json_object_get(status, "conditions"), *c;
	size_t i;

	json_array_foreach(list, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t && strcmp(t, type) == 0) {
			json_array_remove(list, i);
			return;
		}
	}
}

int cf_condition_set(json_t *status, const char *type, const char *cstatus, const char *reason,
		     const char *message, long long generation)
{
	json_t *list = json_object_get(status, "conditions"), *old = cf_condition_get(status, type), *c;
	const char *old_status = old ? json_string_value(json_object_get(old, "status")) : NULL;
	char now[32];

	if (list == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(status, "conditions", list) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	cf_time_now(now);
	c = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}", "type", type, "status", cstatus,
		      "observedGeneration", (json_int_t)generation, "lastTransitionTime",
		      old && old_status && strcmp(old_status, cstatus) == 0 ?
			      json_string_value(json_object_get(old, "lastTransitionTime")) : now,
		      "reason", reason, "message", message ? message : "");
	if (c == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	if (old) {
		json_object_update(old, c);
		json_decref(c);
		return 0;
	}
	/* Ready first, as Flux lists it */
	if (strcmp(type, CF_COND_READY) == 0)
		return json_array_insert_new(list, 0, c) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
	return json_array_append_new(list, c) < 0 ? cf_err_set(CF_ENOMEM, "out of memory") : 0;
}
