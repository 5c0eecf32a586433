/* tests/unit/test_log.c - key=value and JSON log lines, and reading them back. */
#include "test.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *capture(cf_log_level level, const char *msg, const char *k, const char *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cf_log_set_stream(f);
	cf_log(level, msg, k, v, NULL);
	cf_log_set_stream(NULL);
	fclose(f);
	return out;
}

static void fields_and_quoting(void)
{
	char *line = capture(CF_LOG_INFO, "artifact stored", "revision", "main@sha1:abc");

	CHECK_CONTAINS(line, " level=info msg=\"artifact stored\" revision=main@sha1:abc\n");
	CHECK(strncmp(line, "ts=", 3) == 0);
	free(line);
	line = capture(CF_LOG_ERROR, "x", "error", "say \"hi\"\nbye");
	CHECK_CONTAINS(line, "error=\"say \\\"hi\\\"\\nbye\"");
	free(line);
	line = capture(CF_LOG_WARN, "x", "empty", "");
	CHECK_CONTAINS(line, "empty=\"\"");
	free(line);
}

static void level_filters(void)
{
	char *line;

	cf_log_set_level(CF_LOG_WARN);
	line = capture(CF_LOG_INFO, "hidden", "k", "v");
	CHECK(line != NULL && line[0] == '\0');
	free(line);
	cf_log_set_level(CF_LOG_INFO);
}

static void parse_levels(void)
{
	cf_log_level l;

	CHECK_OK(cf_log_parse_level(&l, "debug"));
	CHECK(l == CF_LOG_DEBUG);
	CHECK(cf_log_parse_level(&l, "loud") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "\"loud\"");
}

/* a line in each encoding reads back to the same fields, escapes undone */
static void json_and_read_back(void)
{
	const char *tricky = "say \"hi\"\n\tbye\\ \x01";
	json_t *f = NULL;
	char *line;

	for (int json = 0; json < 2; json++) {
		CHECK_OK(cf_log_set_encoding(json ? "json" : "console"));
		line = capture(CF_LOG_WARN, "reconcile failed", "error", tricky);
		if (json)
			CHECK(strncmp(line, "{\"level\":\"warn\",\"ts\":\"", 22) == 0);
		CHECK_OK(cf_log_parse_line(&f, line, strlen(line)));
		CHECK(f && strcmp(json_string_value(json_object_get(f, "msg")), "reconcile failed") == 0);
		CHECK(f && strcmp(json_string_value(json_object_get(f, "level")), "warn") == 0);
		CHECK(f && strcmp(json_string_value(json_object_get(f, "error")), tricky) == 0);
		json_decref(f);
		f = NULL;
		free(line);
	}
	CHECK_OK(cf_log_set_encoding("console"));
	CHECK(cf_log_set_encoding("xml") == CF_EINVAL);
	CHECK(cf_log_parse_line(&f, "ts=1 msg=\"open", 14) == CF_EINVAL && f == NULL);
	CHECK(cf_log_parse_line(&f, "no equals here", 14) == CF_EINVAL);
	CHECK(cf_log_parse_line(&f, "{\"level\":\"info\"}", 16) == CF_EINVAL);
	{
		const char *flux = "{\"msg\":\"m\",\"Kustomization\":{\"name\":\"a\"},\"n\":1}\n";
		CHECK_OK(cf_log_parse_line(&f, flux, strlen(flux)));
	}
	CHECK(json_is_object(json_object_get(f, "Kustomization")) && json_object_get(f, "n") == NULL);
	json_decref(f);
}

static const cf_test_case cases[] = {
	{ "json_and_read_back", json_and_read_back },
	{ "fields_and_quoting", fields_and_quoting },
	{ "level_filters", level_filters },
	{ "parse_levels", parse_levels },
};
CF_TEST_MAIN(cases)
