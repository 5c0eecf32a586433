/* tests/fuzz/fuzz_helm_json.c - what the helm-controller reads from helm's JSON output: the
 * first byte picks the reader (history; status, or install/upgrade's release, with the history
 * before it split off at the first NUL); whatever history accepts is consistent, whatever status
 * or install/upgrade accepts names a chart, and install/upgrade's history stays consistent. */
#include "helm-controller/release.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void history_only(const char *p, size_t n)
{
	hc_history h;

	if (hc_history_parse(&h, p, n) < 0)
		return;
	if ((h.latest == 0) != (h.count == 0) || h.previous_good < 0 || (h.latest > 0 && h.previous_good >= h.latest) ||
	    (h.latest == 0 && h.previous_good != 0) || memchr(h.latest_status, '\0', sizeof(h.latest_status)) == NULL)
		abort();
}

static void status_after_history(const char *p, size_t n)
{
	const char *nul = memchr(p, '\0', n);
	hc_history h;
	json_t *snap = NULL;

	if (nul == NULL || hc_history_parse(&h, p, (size_t)(nul - p)) < 0)
		return;
	if (hc_release_snapshot(&snap, nul + 1, n - (size_t)(nul - p) - 1, &h) == 0) {
		if (!json_is_string(json_object_get(snap, "chartName")) || !json_is_string(json_object_get(snap, "chartVersion")) ||
		    json_integer_value(json_object_get(snap, "version")) != h.latest)
			abort();
		json_decref(snap);
	} else if (snap != NULL) {
		abort();
	}
}

static void action_after_history(const char *p, size_t n)
{
	const char *nul = memchr(p, '\0', n);
	hc_history h, before;
	json_t *snap = NULL;

	if (nul == NULL || hc_history_parse(&h, p, (size_t)(nul - p)) < 0)
		return;
	before = h;
	if (hc_release_snapshot_action(&snap, &h, nul + 1, n - (size_t)(nul - p) - 1) == 0) {
		if (!json_is_string(json_object_get(snap, "chartName")) || !json_is_string(json_object_get(snap, "chartVersion")) ||
		    json_integer_value(json_object_get(snap, "version")) != h.latest || h.latest <= before.latest ||
		    h.previous_good >= h.latest || h.count != before.count + 1 ||
		    memchr(h.latest_status, '\0', sizeof(h.latest_status)) == NULL)
			abort();
		json_decref(snap);
	} else if (snap != NULL || memcmp(&h, &before, sizeof(h)) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 2)
		action_after_history((const char *)data + 1, size - 1);
	else if (data[0] & 1)
		status_after_history((const char *)data + 1, size - 1);
	else
		history_only((const char *)data + 1, size - 1);
	return 0;
}
