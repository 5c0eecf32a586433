/* common/runtime/condition.c - status conditions. */
#include "runtime/condition.h"

#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"

#include <string.h>
#include <time.h>

void cf_time_now(char out[32])
{
	char t[CF_TIME_MAX];

	cf_time_rfc3339(t, 0);
	snprintf(out, 32, "%.31s", t);
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

/* The length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 :
		   s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (n == 3 && s[0] == 0xED && s[1] > 0x9F) ||
	    (n == 4 && s[0] == 0xF0 && s[1] < 0x90) || (n == 4 && s[0] == 0xF4 && s[1] > 0x8F))
		return 0;   /* overlong, surrogate, past U+10FFFF */
	return n;
}

/* message as a JSON string; bytes that are not UTF-8 (a message cut by someone else, a Git
 * server's words in another encoding) become '?', so that a condition is always written. */
static json_t *message_string(const char *message)
{
	json_t *j = json_string(message ? message : "");
	size_t len, n;
	char *copy;

	if (j != NULL || message == NULL)
		return j;
	len = strlen(message);
	if ((copy = cf_malloc(len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += n) {
		n = utf8_seq((const unsigned char *)message + i);
		if (n == 0) {
			copy[i] = '?';
			n = 1;
		} else {
			memcpy(copy + i, message + i, n);
		}
	}
	copy[len] = '\0';
	j = json_string(copy);
	cf_free(copy);
	return j;
}

int cf_condition_set(json_t *status, const char *type, const char *cstatus, const char *reason,
		     const char *message, long long generation)
{
	json_t *list = json_object_get(status, "conditions"), *old = cf_condition_get(status, type), *c;
	const char *old_status = old ? json_string_value(json_object_get(old, "status")) : NULL;
	const char *old_time = old ? json_string_value(json_object_get(old, "lastTransitionTime")) : NULL;
	char now[32];

	if (list == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(status, "conditions", list) < 0)
			return cf_err_set(CF_ENOMEM, "out of memory");
	}
	cf_time_now(now);
	c = json_pack("{s:s,s:s,s:I,s:s,s:s,s:o}", "type", type, "status", cstatus,
		      "observedGeneration", (json_int_t)generation, "lastTransitionTime",
		      old_time && old_status && strcmp(old_status, cstatus) == 0 ? old_time : now,
		      "reason", reason, "message", message_string(message));
	if (c == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory setting condition %s", type);
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

int cf_condition_ready_at_generation(const json_t *obj)
{
	const json_t *st = json_object_get(obj, "status"), *ready = cf_condition_get(st, CF_COND_READY);
	const char *s = ready ? json_string_value(json_object_get(ready, "status")) : NULL;

	return s && strcmp(s, "True") == 0 &&
	       json_integer_value(json_object_get(st, "observedGeneration")) ==
	       json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
}
