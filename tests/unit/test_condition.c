/* tests/unit/test_condition.c - status conditions: set, replace, transition time, order,
 * messages that are not UTF-8, remove. */
#include "runtime/condition.h"
#include "test.h"

#include <jansson.h>

#define OLD_TIME "2020-01-01T00:00:00Z"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (v == NULL)
		cf_test_fail(__FILE__, __LINE__, "bad JSON in table: %s", text);
	return v;
}

static const char *field(const json_t *status, const char *type, const char *f)
{
	return json_string_value(json_object_get(cf_condition_get(status, type), f));
}

/* One cf_condition_set on a status: what the condition and the list look like after. */
typedef struct set_case {
	const char *name;
	const char *status;
	const char *type, *cstatus, *message;
	int keeps_time;          /* lastTransitionTime stays OLD_TIME */
	size_t count;            /* conditions after */
	size_t index;            /* where type is */
	const char *message_after;
} set_case;

#define READY_TRUE "{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"Succeeded\",\"message\":\"m\",\"observedGeneration\":1,\"lastTransitionTime\":\"" OLD_TIME "\"}"
#define STALLED "{\"type\":\"Stalled\",\"status\":\"True\",\"reason\":\"InvalidSpec\",\"message\":\"m\",\"lastTransitionTime\":\"" OLD_TIME "\"}"

static const set_case sets[] = {
	{ "new_on_empty_status", "{}", "Ready", "True", "ok", 0, 1, 0, "ok" },
	{ "same_status_keeps_transition_time", "{\"conditions\":[" READY_TRUE "]}", "Ready", "True", "new message", 1, 1, 0, "new message" },
	{ "status_change_moves_transition_time", "{\"conditions\":[" READY_TRUE "]}", "Ready", "False", "broken", 0, 1, 0, "broken" },
	{ "ready_goes_first", "{\"conditions\":[" STALLED "]}", "Ready", "False", "x", 0, 2, 0, "x" },
	{ "others_go_last", "{\"conditions\":[" READY_TRUE "]}", "Healthy", "True", "x", 0, 2, 1, "x" },
	{ "replaced_in_place", "{\"conditions\":[" READY_TRUE "," STALLED "]}", "Stalled", "True", "y", 1, 2, 1, "y" },
	{ "not_utf8_becomes_question_marks", "{}", "Ready", "False", "bad \xff\xfe bytes", 0, 1, 0, "bad ?? bytes" },
	{ "null_message_is_empty", "{}", "Ready", "False", NULL, 0, 1, 0, "" },
};

static void set_table(void)
{
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const set_case *c = &sets[i];
		json_t *st = parse(c->status);
		const json_t *list, *at;
		const char *t;

		if (cf_condition_set(st, c->type, c->cstatus, "Why", c->message, 7) < 0)
			cf_test_fail(__FILE__, __LINE__, "%s: set failed", c->name);
		list = json_object_get(st, "conditions");
		at = json_array_get(list, c->index);
		t = field(st, c->type, "lastTransitionTime");
		if (json_array_size(list) != c->count || at != cf_condition_get(st, c->type))
			cf_test_fail(__FILE__, __LINE__, "%s: %zu conditions, %s not at %zu", c->name, json_array_size(list),
				     c->type, c->index);
		if (t == NULL || (strcmp(t, OLD_TIME) == 0) != c->keeps_time)
			cf_test_fail(__FILE__, __LINE__, "%s: lastTransitionTime %s", c->name, t ? t : "(none)");
		if (!field(st, c->type, "status") || strcmp(field(st, c->type, "status"), c->cstatus) != 0 ||
		    !field(st, c->type, "reason") || strcmp(field(st, c->type, "reason"), "Why") != 0 ||
		    !field(st, c->type, "message") || strcmp(field(st, c->type, "message"), c->message_after) != 0 ||
		    json_integer_value(json_object_get(cf_condition_get(st, c->type), "observedGeneration")) != 7)
			cf_test_fail(__FILE__, __LINE__, "%s: condition not as set", c->name);
		json_decref(st);
	}
}

static void remove_and_get(void)
{
	json_t *st = parse("{\"conditions\":[" READY_TRUE "," STALLED "]}");

	CHECK(cf_condition_get(st, "Reconciling") == NULL);
	cf_condition_remove(st, "Reconciling");   /* absent: nothing happens */
	CHECK(json_array_size(json_object_get(st, "conditions")) == 2);
	cf_condition_remove(st, "Ready");
	CHECK(cf_condition_get(st, "Ready") == NULL);
	CHECK_STR(field(st, "Stalled", "reason"), "InvalidSpec");
	cf_condition_remove(st, "Stalled");
	CHECK(json_array_size(json_object_get(st, "conditions")) == 0);
	CHECK(cf_condition_get(NULL, "Ready") == NULL);
	json_decref(st);
}

static void time_now_is_rfc3339(void)
{
	char now[32];

	cf_time_now(now);
	CHECK(strlen(now) == 20 && now[4] == '-' && now[10] == 'T' && now[19] == 'Z');
}

static const cf_test_case cases[] = {
	{ "set_table", set_table },
	{ "remove_and_get", remove_and_get },
	{ "time_now_is_rfc3339", time_now_is_rfc3339 },
};
CF_TEST_MAIN(cases)
