/* tests/unit/test_release.c - helm's JSON about a release (helm-controller/release.c), as helm
 * 4.1 prints it: history, status snapshots, "<chart>-<version>". */
#include "helm-controller/release.h"
#include "test.h"
#include "util/err.h"

#include <string.h>

#define H1 "{\"revision\":1,\"updated\":\"2026-12-02T01:48:39Z\",\"status\":\"superseded\",\"chart\":\"app-0.1.0\",\"app_version\":\"1.0\",\"description\":\"Install complete\"}"
#define H2 "{\"revision\":2,\"updated\":\"2026-12-02T01:49:23Z\",\"status\":\"deployed\",\"chart\":\"my-app-1.2.3-rc.1\",\"app_version\":\"1.1\",\"description\":\"Upgrade complete\"}"
#define H3 "{\"revision\":3,\"updated\":\"2026-12-02T01:50:00Z\",\"status\":\"pending-upgrade\",\"chart\":\"my-app-1.2.4\",\"description\":\"Preparing upgrade\"}"

static void history(void)
{
	const char *json = "[" H1 "," H2 "," H3 "]";
	hc_history h;

	CHECK_OK(hc_history_parse(&h, json, strlen(json)));
	CHECK(h.count == 3 && h.latest == 3 && h.previous_good == 2);
	CHECK_STR(h.latest_status, "pending-upgrade");
	CHECK(hc_status_pending(h.latest_status));
	CHECK(!hc_status_pending("deployed"));
	CHECK_STR(h.latest_chart, "my-app-1.2.4");
	CHECK_OK(hc_history_parse(&h, "[]", 2));
	CHECK(h.latest == 0 && h.previous_good == 0);
}

static void history_refuses_bad_output(void)
{
	static const char *const bad[] = { "", "{}", "[{\"revision\":\"1\",\"status\":\"deployed\"}]",
					   "[{\"revision\":2,\"status\":\"deployed\"},{\"revision\":1,\"status\":\"deployed\"}]",
					   "[{\"revision\":1}]", "[1]" };
	hc_history h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(hc_history_parse(&h, bad[i], strlen(bad[i])) == CF_EINVAL);
}

static void chart_split(void)
{
	char n[64], v[64];

	CHECK_OK(hc_chart_split(n, sizeof(n), v, sizeof(v), "my-app-1.2.3-rc.1"));
	CHECK_STR(n, "my-app");
	CHECK_STR(v, "1.2.3-rc.1");
	CHECK_OK(hc_chart_split(n, sizeof(n), v, sizeof(v), "podinfo-6.5.0"));
	CHECK_STR(n, "podinfo");
	CHECK_STR(v, "6.5.0");
	CHECK(hc_chart_split(n, sizeof(n), v, sizeof(v), "noversion") == CF_EINVAL);
	CHECK(hc_chart_split(n, sizeof(n), v, sizeof(v), "-1.0.0") == CF_EINVAL);
}

static void snapshot(void)
{
	const char *hist = "[" H1 "," H2 "]";
	const char *status = "{\"name\":\"app\",\"namespace\":\"apps\",\"version\":2,\"info\":{\"status\":\"deployed\","
			     "\"first_deployed\":\"2026-12-02T01:48:39Z\",\"last_deployed\":\"2026-12-02T01:49:23Z\"},"
			     "\"config\":{\"password\":\"hunter2\"},\"manifest\":\"---\"}";
	hc_history h;
	json_t *s = NULL;
	char *text;

	CHECK_OK(hc_history_parse(&h, hist, strlen(hist)));
	CHECK_OK(hc_release_snapshot(&s, status, strlen(status), &h));
	CHECK_STR(json_string_value(json_object_get(s, "chartName")), "my-app");
	CHECK_STR(json_string_value(json_object_get(s, "chartVersion")), "1.2.3-rc.1");
	CHECK_STR(json_string_value(json_object_get(s, "appVersion")), "1.1");
	CHECK_STR(json_string_value(json_object_get(s, "status")), "deployed");
	CHECK_STR(json_string_value(json_object_get(s, "firstDeployed")), "2026-12-02T01:48:39Z");
	CHECK(json_integer_value(json_object_get(s, "version")) == 2);
	CHECK(strncmp(json_string_value(json_object_get(s, "configDigest")) ?: "", "sha256:", 7) == 0);
	text = json_dumps(s, 0);
	CHECK(text && strstr(text, "hunter2") == NULL);   /* values are hashed, never copied */
	free(text);
	json_decref(s);
	h.latest = 3;   /* not the release status describes */
	CHECK(hc_release_snapshot(&s, status, strlen(status), &h) == CF_EINVAL && s == NULL);
}

/* what helm 4.1 install/upgrade -o json print: the release with its chart's metadata */
static void snapshot_from_action(void)
{
	const char *hist = "[" H1 "," H2 "]";
	const char *out = "{\"name\":\"app\",\"namespace\":\"apps\",\"version\":3,\"info\":{\"status\":\"deployed\","
			  "\"first_deployed\":\"2026-12-02T01:48:39Z\",\"last_deployed\":\"2026-12-02T01:50:00Z\"},"
			  "\"chart\":{\"metadata\":{\"name\":\"my-app\",\"version\":\"1.3.0\",\"appVersion\":\"1.2\"},"
			  "\"templates\":[]},\"config\":{\"password\":\"hunter2\"},\"manifest\":\"---\"}";
	const char *status = "{\"name\":\"app\",\"namespace\":\"apps\",\"version\":3,\"info\":{\"status\":\"deployed\","
			     "\"first_deployed\":\"2026-12-02T01:48:39Z\",\"last_deployed\":\"2026-12-02T01:50:00Z\","
			     "\"resources\":{}},\"config\":{\"password\":\"hunter2\"},\"manifest\":\"---\"}";
	hc_history h, before;
	json_t *s = NULL, *st = NULL;
	char *text;

	CHECK_OK(hc_history_parse(&h, hist, strlen(hist)));
	before = h;
	CHECK_OK(hc_release_snapshot_action(&s, &h, out, strlen(out)));
	CHECK(h.latest == 3 && h.previous_good == 2 && h.count == before.count + 1);
	CHECK_STR(h.latest_status, "deployed");
	CHECK_STR(h.latest_chart, "my-app-1.3.0");
	CHECK_STR(json_string_value(json_object_get(s, "chartName")), "my-app");
	CHECK_STR(json_string_value(json_object_get(s, "chartVersion")), "1.3.0");
	CHECK_STR(json_string_value(json_object_get(s, "appVersion")), "1.2");
	CHECK_STR(json_string_value(json_object_get(s, "lastDeployed")), "2026-12-02T01:50:00Z");
	CHECK(json_integer_value(json_object_get(s, "version")) == 3);
	text = json_dumps(s, 0);
	CHECK(text && strstr(text, "hunter2") == NULL);
	free(text);
	/* the same release read from helm status (after history) has the same snapshot */
	CHECK_OK(hc_release_snapshot(&st, status, strlen(status), &h));
	CHECK(st && json_equal(s, st));
	json_decref(st);
	json_decref(s);
	/* not past the history, no chart, not JSON (cut at the cap): refused, h as it was */
	before = h;
	CHECK(hc_release_snapshot_action(&s, &h, out, strlen(out)) == CF_EINVAL && s == NULL);
	CHECK(hc_release_snapshot_action(&s, &h, status, strlen(status)) == CF_EINVAL && s == NULL);
	CHECK(hc_release_snapshot_action(&s, &h, out, strlen(out) / 2) == CF_EINVAL && s == NULL);
	CHECK(memcmp(&h, &before, sizeof(h)) == 0);
}

static const cf_test_case cases[] = {
	{ "history", history },
	{ "history_refuses_bad_output", history_refuses_bad_output },
	{ "chart_split", chart_split },
	{ "snapshot", snapshot },
	{ "snapshot_from_action", snapshot_from_action },
};

int main(int argc, char **argv)
{
	return cf_test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
