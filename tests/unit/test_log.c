/* tests/unit/test_log.c - key=value log lines. */
#include "test.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>

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

static const cf_test_case cases[] = {
	{ "fields_and_quoting", fields_and_quoting },
	{ "level_filters", level_filters },
	{ "parse_levels", parse_levels },
};
CF_TEST_MAIN(cases)
