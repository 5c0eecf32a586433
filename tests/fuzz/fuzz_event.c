/* tests/fuzz/fuzz_event.c - the notification-controller's event decoder, then the event
 * through alert matching and every provider's payload builder. */
#include "notification-controller/notify.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "generic", "generic-hmac", "slack", "discord", "rocket", "msteams",
					     "googlechat", "webex", "lark", "matrix", "telegram", "opsgenie", "alertmanager",
					     "grafana", "datadog", "pagerduty", "github", "githubdispatch", "gitlab", "gitea",
					     "bitbucket", "bitbucketserver", "azuredevops" };
	json_t *e = NULL, *alert, *secret;

	if (cf_notify_parse_event(&e, (const char *)data, size) < 0)
		return 0;
	alert = json_pack("{s:{s:s},s:{s:[{s:s,s:s}],s:[s],s:[s]}}", "metadata", "namespace", "flux-system", "spec",
			  "eventSources", "kind", "Kustomization", "name", "*", "inclusionList", ".*", "exclusionList", "^x+$");
	secret = json_pack("{s:s,s:s,s:s,s:s}", "token", "u:t", "headers", "X-A: b\n", "username", "u", "password", "p");
	cf_notify_alert_matches(alert, e, NULL, NULL);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		json_t *p = json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:s}}", "metadata", "name", "p", "namespace", "ns", "spec",
				      "type", types[i], "address", "https://example.invalid/org/repo", "channel", "c");
		cf_notify_request r;
		if (cf_notify_build(&r, p, e, secret) == 0)
			cf_notify_request_free(&r);
		json_decref(p);
	}
	{
		char key[72];
		cf_notify_dedup_key(key, "ns/p", e);
	}
	json_decref(secret);
	json_decref(alert);
	json_decref(e);
	return 0;
}
