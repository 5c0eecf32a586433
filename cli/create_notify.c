/* cli/create_notify.c - cflux create alert | alert-provider | receiver: the notification kinds,
 * with flux's flags, refusals and --export output (tests/e2e/test_flux_export.sh). Alerts and
 * Providers have no status (v1beta3): they are ready once applied. */
#include "cli.h"

#include "runtime/kinds.h"

#include <string.h>

#define POS_MAX 8

static const char *const RECEIVER_TYPES[] = { "generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor",
					      "dockerhub", "quay", "gcr", "nexus", "acr", "cdevents", NULL };

int cli_receiver_type_check(const char *type)
{
	if (*type == '\0')
		return cli_fail(1, "invalid argument \"\" for \"--type\" flag: no receiver type given, please specify the receiver type");
	if (!cli_one_of(type, RECEIVER_TYPES))
		return cli_fail(1, "invalid argument \"%s\" for \"--type\" flag: receiver type '%s' is not supported, must be one of: generic, generic-hmac, github, gitlab, bitbucket, harbor, dockerhub, quay, gcr, nexus, acr, cdevents",
				type, type);
	return 0;
}

/* "<kind>/<name>[.<namespace>]" as flux's ParseObjectKindName[Namespace] splits it: the kind
 * only when there is exactly one '/', the namespace after the first '.' of the name. NULL when
 * it has no kind. */
static json_t *kind_name(const char *text, int with_ns)
{
	const char *slash = strchr(text, '/'), *name, *dot;
	json_t *ref;

	if (slash == NULL || strchr(slash + 1, '/') != NULL || slash == text)
		return NULL;
	name = slash + 1;
	dot = with_ns ? strchr(name, '.') : NULL;
	ref = json_pack("{s:s%,s:s%}", "kind", text, (size_t)(slash - text), "name", name,
			dot ? (size_t)(dot - name) : strlen(name));
	if (dot) {
		const char *end = strchr(dot + 1, '.');
		json_object_set_new(ref, "namespace", json_stringn(dot + 1, end ? (size_t)(end - dot - 1) : strlen(dot + 1)));
	}
	return ref;
}

/* The references of list as kind_name makes them (taken by *out); 0, or 1 after flux's error. */
static int refs(json_t **out, const cf_flag_list *list, int with_ns)
{
	json_t *a = json_array();

	for (size_t i = 0; i < list->n; i++) {
		json_t *r = kind_name(list->items[i], with_ns);
		if (r == NULL) {
			json_decref(a);
			*out = NULL;
			return cli_fail(1, "invalid event source '%s', must be in format <kind>/<name>", list->items[i]);
		}
		json_array_append_new(a, r);
	}
	*out = a;
	return 0;
}

static void set_string(json_t *spec, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(spec, key, json_string(v));
}

/* Parses argv with own; 0 to go on, else the exit code (0 after --help). */
static int parse(const cf_flag *own, size_t n, int argc, char **argv, const char *usage)
{
	char *pos[POS_MAX];
	size_t npos;
	int rc = cli_parse(own, n, argc, argv, usage, pos, &npos);

	return rc == 1 ? -1 : rc;
}

int cmd_create_alert(int argc, char **argv, const char *name)
{
	const char *provider = NULL, *severity = NULL, *interval = "1m";
	cf_flag_list sources = { .n = 0 };
	const cf_flag own[] = {
		{ "provider-ref", CF_FLAG_STRING, &provider, "reference to provider", 0 },
		{ "event-severity", CF_FLAG_STRING, &severity, "severity of events to send alerts for", 0 },
		{ "event-source", CF_FLAG_LIST, &sources, "sources that should generate alerts (<kind>/<name>), also accepts comma-separated values", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	json_t *spec = NULL, *list = NULL;
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create alert NAME --provider-ref P --event-source KIND/NAME");

	if (rc == 0 && (provider == NULL || *provider == '\0'))
		rc = cli_fail(1, "provider ref is required");
	if (rc == 0)
		rc = refs(&list, &sources, 1);
	if (rc == 0 && json_array_size(list) == 0)
		rc = cli_fail(1, "at least one event source is required");
	cf_flag_list_free(&sources);
	if (rc != 0) {
		json_decref(list);
		return rc < 0 ? 0 : rc;
	}
	spec = json_pack("{s:o}", "eventSources", list);
	set_string(spec, "eventSeverity", severity);
	cli_spec_ref(spec, "providerRef", provider);
	return cli_create_spec(CF_AV_ALERT, "Alert", name, spec);
}

int cmd_create_alert_provider(int argc, char **argv, const char *name)
{
	const char *type = NULL, *channel = NULL, *username = NULL, *address = NULL, *secret = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "type", CF_FLAG_STRING, &type, "type of provider", 0 },
		{ "channel", CF_FLAG_STRING, &channel, "channel to send messages to in the case of a chat provider", 0 },
		{ "username", CF_FLAG_STRING, &username, "bot username used by the provider", 0 },
		{ "address", CF_FLAG_STRING, &address, "path to either the git repository, chat provider or webhook", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "name of secret containing authentication token", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	json_t *spec;
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv, "usage: cflux create alert-provider NAME --type T [--address URL] [--secret-ref S]");

	if (rc == 0 && (type == NULL || *type == '\0'))
		rc = cli_fail(1, "Provider type is required");
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	spec = json_pack("{s:s}", "type", type);
	set_string(spec, "channel", channel);
	set_string(spec, "username", username);
	set_string(spec, "address", address);
	cli_spec_ref(spec, "secretRef", secret);
	return cli_create_spec(CF_AV_PROVIDER, "Provider", name, spec);
}

int cmd_create_receiver(int argc, char **argv, const char *name)
{
	const char *type = NULL, *secret = NULL, *interval = "1m";
	cf_flag_list events = { .n = 0 }, resources = { .n = 0 };
	const cf_flag own[] = {
		{ "type", CF_FLAG_STRING, &type, "the receiver type", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "", 0 },
		{ "event", CF_FLAG_LIST, &events, "also accepts comma-separated values", 0 },
		{ "resource", CF_FLAG_LIST, &resources, "also accepts comma-separated values", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	json_t *spec = NULL, *list = NULL, *ev;
	int rc = parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux create receiver NAME --type T --secret-ref S --resource KIND/NAME [--event E]");

	if (rc == 0 && type)
		rc = cli_receiver_type_check(type);
	if (rc == 0 && type == NULL)
		rc = cli_fail(1, "Receiver type is required");
	else if (rc == 0 && (secret == NULL || *secret == '\0'))
		rc = cli_fail(1, "secret ref is required");
	if (rc == 0)
		rc = refs(&list, &resources, 0);
	if (rc == 0 && json_array_size(list) == 0)
		rc = cli_fail(1, "atleast one resource is required");
	if (rc == 0) {
		spec = json_pack("{s:o,s:s}", "resources", list, "type", type);
		list = NULL;
		cli_spec_ref(spec, "secretRef", secret);
		if (events.n) {
			ev = json_array();
			for (size_t i = 0; i < events.n; i++)
				json_array_append_new(ev, json_string(events.items[i]));
			json_object_set_new(spec, "events", ev);
		}
	}
	json_decref(list);
	cf_flag_list_free(&events);
	cf_flag_list_free(&resources);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	return cli_create_spec(CF_AV_RECEIVER, "Receiver", name, spec);
}
