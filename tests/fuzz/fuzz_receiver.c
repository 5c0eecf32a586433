/* tests/fuzz/fuzz_receiver.c - webhook requests against each receiver type, so each payload
 * parser (Docker Hub, Quay, ACR, Nexus, GCR's Pub/Sub wrapper, CDEvents). Input: the first line
 * is a header value (used for every header), the rest the body. */
#include "notification-controller/webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *header(void *ctx, const char *name)
{
	(void)name;
	return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor",
					     "dockerhub", "quay", "gcr", "nexus", "acr", "cdevents", "generic-oidc" };
	char *text = malloc(size + 1), *nl;
	const char *body;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = memchr(text, '\n', size);
	body = nl ? nl + 1 : "";
	if (nl)
		*nl = '\0';
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		json_t *r = json_pack("{s:{s:s,s:[s]}}", "spec", "type", types[i], "events", "push");
		cf_receiver_check(r, "token", header, text, body, size - (size_t)(body - text > 0 ? body - text : 0), NULL);
		cf_receiver_check(r, "token", header, NULL, body, 0, NULL);
		json_decref(r);
	}
	{
		char path[80];
		cf_receiver_path(path, text, body, "ns");
	}
	free(text);
	return 0;
}
