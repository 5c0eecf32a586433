/* tests/unit/test_yaml.c - YAML streams read the way kubectl reads them, and written back. */
#include "test.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <stdlib.h>

/* Parses "v: <text>" and compares the value of v, as compact JSON, with want. */
static const struct { const char *yaml; const char *json; } scalar_cases[] = {
	{ "yes", "true" }, { "Yes", "true" }, { "YES", "true" }, { "y", "true" }, { "on", "true" },
	{ "no", "false" }, { "N", "false" }, { "off", "false" }, { "False", "false" },
	{ "~", "null" }, { "null", "null" }, { "NULL", "null" }, { "", "null" },
	{ "0123", "83" }, { "0o17", "15" }, { "0x1F", "31" }, { "-0x10", "-16" }, { "0b101", "5" },
	{ "08", "8" }, { "1_000", "1000" }, { "+12", "12" }, { "-7", "-7" }, { "0", "0" },
	{ "1e3", "1000" }, { "1E3", "1000" }, { "1.5", "1.5" }, { ".5", "0.5" }, { "1.", "1" },
	{ "-1.25e-2", "-0.0125" }, { "1e400", "\"1e400\"" },
	{ "'0123'", "\"0123\"" }, { "\"yes\"", "\"yes\"" }, { "'~'", "\"~\"" }, { "\"1e3\"", "\"1e3\"" },
	{ "2001-12-14", "\"2001-12-14\"" }, { "12:30", "\"12:30\"" }, { "0x", "\"0x\"" },
	{ "yesno", "\"yesno\"" }, { "nginx:1.21", "\"nginx:1.21\"" }, { "<<x", "\"<<x\"" },
	{ "!!str 123", "\"123\"" }, { "!!int \"42\"", "42" }, { "!!bool yes", "true" },
	{ "!!float 1", "1" }, { "true", "true" }, { "+", "\"+\"" },
	{ "9223372036854775807", "9223372036854775807" },
	{ "|\n  line1\n  line2\n", "\"line1\\nline2\\n\"" },
	{ "|-\n  a\n  b\n", "\"a\\nb\"" },
	{ ">\n  folded\n  text\n\n  para\n", "\"folded text\\npara\\n\"" },
	{ "\"tab\\there\"", "\"tab\\there\"" },
};

static void scalars_resolve_as_kubectl(void)
{
	char text[256];

	for (size_t i = 0; i < sizeof(scalar_cases) / sizeof(scalar_cases[0]); i++) {
		json_t *doc = NULL;
		char *got;

		snprintf(text, sizeof(text), "v: %s\n", scalar_cases[i].yaml);
		if (cf_yaml_load(&doc, text, strlen(text), "case") < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", scalar_cases[i].yaml, cf_err_msg());
			continue;
		}
		got = json_dumps(json_object_get(doc, "v"), JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
		if (got == NULL || strcmp(got, scalar_cases[i].json) != 0)
			cf_test_fail(__FILE__, __LINE__, "v: %s -> %s, want %s", scalar_cases[i].yaml,
				     got ? got : "(null)", scalar_cases[i].json);
		free(got);
		json_decref(doc);
	}
}

static void special_floats_are_errors(void)
{
	json_t *doc;

	CHECK(cf_yaml_load(&doc, "v: .inf\n", 8, "f.yaml") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "f.yaml:1");
	CHECK(doc == NULL);
	/* the message says which scalar, once (it was once formatted into itself) */
	CHECK_STR(cf_err_msg(), "f.yaml:1: cannot decode scalar: .inf has no JSON form");
	CHECK(cf_yaml_load(&doc, "a: 1\nv: !!float .NaN\n", 21, "g.yaml") == CF_EINVAL);
	CHECK_STR(cf_err_msg(), "g.yaml:2: cannot decode scalar: .NaN has no JSON form");
	CHECK(cf_yaml_load(&doc, "v: [.nan]\n", 10, "h.yaml") == CF_EINVAL);
	CHECK_STR(cf_err_msg(), "h.yaml:1: cannot decode scalar: .nan has no JSON form");
}

static void multi_doc_skips_empty(void)
{
	const char *y = "---\n---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n---\n~\n";
	json_t *docs, *lines;

	CHECK_OK(cf_yaml_load_all_lines(&docs, &lines, y, strlen(y), "multi.yaml"));
	CHECK(json_array_size(docs) == 2);
	CHECK(json_integer_value(json_object_get(json_array_get(docs, 0), "a")) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(docs, 1), "b")) == 2);
	CHECK(json_integer_value(json_array_get(lines, 0)) == 2);
	CHECK(json_integer_value(json_array_get(lines, 1)) == 6);
	json_decref(docs);
	json_decref(lines);
	CHECK_OK(cf_yaml_load_all(&docs, "", 0, "empty"));
	CHECK(json_array_size(docs) == 0);
	json_decref(docs);
}

static void key_order_kept(void)
{
	const char *y = "z: 1\na: 2\nm: 3\n";
	json_t *doc;
	char *s;

	CHECK_OK(cf_yaml_load(&doc, y, strlen(y), "o"));
	s = json_dumps(doc, JSON_COMPACT);
	CHECK_STR(s, "{\"z\":1,\"a\":2,\"m\":3}");
	free(s);
	json_decref(doc);
}

static void anchors_aliases_merge(void)
{
	const char *y =
		"base: &b\n  cpu: 100m\n  mem: 1Gi\n"
		"list: &l [1, 2]\n"
		"copy: *b\n"
		"again: *l\n"
		"over:\n  <<: *b\n  mem: 2Gi\n"
		"multi:\n  <<: [{a: 1}, {a: 2, b: 3}]\n";
	json_t *doc;
	char *s;

	CHECK_OK(cf_yaml_load(&doc, y, strlen(y), "anchors"));
	s = json_dumps(doc, JSON_COMPACT);
	CHECK_STR(s, "{\"base\":{\"cpu\":\"100m\",\"mem\":\"1Gi\"},\"list\":[1,2],"
		     "\"copy\":{\"cpu\":\"100m\",\"mem\":\"1Gi\"},\"again\":[1,2],"
		     "\"over\":{\"cpu\":\"100m\",\"mem\":\"2Gi\"},\"multi\":{\"a\":1,\"b\":3}}");
	free(s);
	/* copies, not shared nodes */
	CHECK(json_object_get(doc, "copy") != json_object_get(doc, "base"));
	json_decref(doc);
}

static void non_string_keys_become_strings(void)
{
	const char *y = "1: a\ntrue: b\n~: c\n";
	json_t *doc;
	char *s;

	CHECK_OK(cf_yaml_load(&doc, y, strlen(y), "k"));
	s = json_dumps(doc, JSON_COMPACT);
	CHECK_STR(s, "{\"1\":\"a\",\"true\":\"b\",\"null\":\"c\"}");
	free(s);
	json_decref(doc);
}

static void errors_name_file_and_line(void)
{
	json_t *doc;
	const char *bad = "a: 1\nb: [1, 2\nc: 3\n";
	const char *dup = "a: 1\nb: 2\na: 3\n";
	const char *alias = "a: *nope\n";

	CHECK(cf_yaml_load_all(&doc, bad, strlen(bad), "deploy/app.yaml") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "deploy/app.yaml:");
	CHECK(doc == NULL);
	CHECK(cf_yaml_load_all(&doc, dup, strlen(dup), "dup.yaml") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "dup.yaml:3: duplicate mapping key a");
	CHECK(cf_yaml_load_all(&doc, alias, strlen(alias), "alias.yaml") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "unknown anchor");
	CHECK(cf_yaml_load(&doc, "a: 1\n---\nb: 2\n", 14, "two.yaml") == CF_EINVAL);
	CHECK_CONTAINS(cf_err_msg(), "expected one YAML document");
}

/* kubectl reads a kustomization.yaml into a struct: a key given twice keeps its last value, at
 * any depth; other errors stay errors. */
static void last_key_wins_for_kustomizations(void)
{
	json_t *doc = NULL, *want = json_pack("{s:[s],s:{s:i}}", "a", "x", "b", "c", 3);
	const char *dup = "a: 1\nb: {c: 2, c: 3}\na: [x]\n";

	CHECK_OK(cf_yaml_load_last_key_wins(&doc, dup, strlen(dup), "kustomization.yaml"));
	CHECK(json_equal(doc, want));
	json_decref(doc);
	json_decref(want);
	CHECK(cf_yaml_load_last_key_wins(&doc, "a: [1\n", 6, "bad.yaml") == CF_EINVAL);
	CHECK(doc == NULL);
	CHECK(cf_yaml_load_last_key_wins(&doc, "a: 1\n---\nb: 2\n", 14, "two.yaml") == CF_EINVAL);
}

static void alias_bomb_is_capped(void)
{
	cf_buf b = CF_BUF_INIT(1 << 20);
	json_t *doc;

	CHECK_OK(cf_buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"));
	for (int i = 1; i < 9; i++)
		CHECK_OK(cf_buf_printf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
				       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1));
	CHECK(cf_yaml_load_all(&doc, b.data, b.len, "bomb.yaml") == CF_ETOOBIG);
	CHECK_CONTAINS(cf_err_msg(), "too many nodes");
	cf_buf_free(&b);
}

static void deep_nesting_is_capped(void)
{
	cf_buf b = CF_BUF_INIT(1 << 20);
	json_t *doc;

	for (int i = 0; i < 2000; i++)
		CHECK_OK(cf_buf_putc(&b, '['));
	CHECK(cf_yaml_load_all(&doc, b.data, b.len, "deep") < 0);
	cf_buf_free(&b);
}

static void long_strings(void)
{
	size_t n = 200000;
	cf_buf b = CF_BUF_INIT(n + 100);
	json_t *doc;

	CHECK_OK(cf_buf_puts(&b, "v: "));
	for (size_t i = 0; i < n; i++)
		CHECK_OK(cf_buf_putc(&b, (char)('a' + i % 26)));
	CHECK_OK(cf_yaml_load(&doc, b.data, b.len, "long"));
	CHECK(json_string_length(json_object_get(doc, "v")) == n);
	json_decref(doc);
	cf_buf_free(&b);
}

static void round_trip(const char *yaml)
{
	json_t *a = NULL, *b = NULL;
	cf_buf out = CF_BUF_INIT(1 << 20);

	CHECK_OK(cf_yaml_load_all(&a, yaml, strlen(yaml), "in"));
	CHECK_OK(cf_yaml_dump_all(&out, a));
	CHECK_OK(cf_yaml_load_all(&b, out.data ? out.data : "", out.len, "out"));
	if (!json_equal(a, b))
		cf_test_fail(__FILE__, __LINE__, "round trip changed:\n%s", out.data);
	json_decref(a);
	json_decref(b);
	cf_buf_free(&out);
}

static void dump_round_trips_tricky_strings(void)
{
	round_trip("s1: \"yes\"\ns2: \"0123\"\ns3: \"\"\ns4: \"null\"\ns5: \"~\"\ns6: \"1e3\"\n"
		   "s7: \"a: b\"\ns8: \"- x\"\ns9: \"#c\"\ns10: \"<<\"\ns11: \"line1\\nline2\\n\"\n"
		   "s12: \" lead\"\ns13: \"trail \"\ns14: \"tab\\tx\"\ns15: \"ünïcode\"\ns16: \"08\"\n"
		   "s17: \"@at\"\ns18: \"*star\"\ns19: \"&amp\"\ns20: \"!bang\"\ns21: \"%pct\"\n"
		   "s22: \"{x}\"\ns23: \"[y]\"\ns24: \"on\"\ns25: \"Y\"\ns26: \".5\"\n\"yes\": key\n");
	round_trip("n: 1\nf: 1.5\nbig: 1e+300\nneg: -0.001\nb: true\nz: null\ne: {}\nl: []\n"
		   "nested:\n  - a: [1, {b: c}]\n  - - deep\n");
	round_trip("a: 1\n---\nb: [x]\n---\nc: {d: e}\n");
}

static void dump_output_is_block_style(void)
{
	json_t *doc = json_pack("{s:s,s:{s:[s,i]},s:s}", "apiVersion", "v1", "data",
				"items", "a", 1, "q", "yes");
	cf_buf out = CF_BUF_INIT(4096);

	CHECK_OK(cf_yaml_dump(&out, doc));
	CHECK_STR(out.data, "apiVersion: v1\ndata:\n  items:\n  - a\n  - 1\nq: \"yes\"\n");
	json_decref(doc);
	cf_buf_free(&out);
}

/* go-yaml v2 reads these as timestamps, so Go's YAML (flux's output) quotes them; the plain
 * dump does not, and neither quotes what is no timestamp */
static void dump_go_quotes_timestamps(void)
{
	static const struct { const char *s; int quoted; } cases[] = {
		{ "2026-12-08T00:00:00Z", 1 }, { "2026-12-08", 1 }, { "2026-1-2", 1 },
		{ "2026-12-08t10:20:30.123456789+02:00", 1 }, { "2026-12-08 10:20:30", 1 },
		{ "2026-12-08 10:20:30Z", 0 }, { "2026-13-08", 0 }, { "2026-12-08T10:20", 0 },
		{ "12026-12-08", 0 }, { "2026-12-08T00:00:00.1234567890Z", 0 }, { "1.5s", 0 },
		{ "main@sha1:0123", 0 }, { "2026-12-08T00:00:00Zx", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = json_pack("{s:s}", "t", cases[i].s), *back = NULL;
		cf_buf go = CF_BUF_INIT(4096), plain = CF_BUF_INIT(4096);
		char want[128];

		CHECK_OK(cf_yaml_dump_go(&go, doc));
		snprintf(want, sizeof(want), cases[i].quoted ? "t: \"%s\"\n" : "t: %s\n", cases[i].s);
		CHECK_STR(go.data, want);
		CHECK_OK(cf_yaml_load(&back, go.data, go.len, "go"));
		CHECK(json_equal(doc, back));
		CHECK_OK(cf_yaml_dump(&plain, doc));
		snprintf(want, sizeof(want), "t: %s\n", cases[i].s);
		if (strchr(cases[i].s, ' ') == NULL || !cases[i].quoted)
			CHECK_STR(plain.data, want);
		json_decref(doc);
		json_decref(back);
		cf_buf_free(&go);
		cf_buf_free(&plain);
	}
}

static void alloc_failures_do_not_leak(void)
{
	const char *y = "a: &x {b: [1, 2, {c: d}]}\ne: *x\nf:\n  <<: *x\n  g: h\n---\ni: j\n";
	int failures = 0, successes = 0;

	cf_alloc_hook_jansson();
	for (unsigned long n = 1; n < 400; n++) {
		json_t *docs = NULL;
		int rc;

		cf_alloc_fail_after(n);
		rc = cf_yaml_load_all(&docs, y, strlen(y), "oom");
		cf_alloc_fail_after(0);
		if (rc == 0) {
			successes++;
			CHECK(json_array_size(docs) == 2);
			json_decref(docs);
		} else {
			failures++;
			CHECK(docs == NULL);
		}
	}
	CHECK(failures > 10);
	CHECK(successes > 0);
	json_set_alloc_funcs(malloc, free);
}

/* Helm's merge of values files: maps merge key by key, lists and scalars are replaced, and a
 * map replaces a scalar (and the other way round) */
static void merge_deep_as_helm(void)
{
	json_t *dst = json_loads("{\"a\":{\"x\":1,\"y\":{\"k\":1}},\"l\":[1,2],\"s\":\"v\",\"m\":{\"q\":1}}", 0, NULL);
	json_t *src = json_loads("{\"a\":{\"y\":{\"j\":2},\"z\":3},\"l\":[3],\"s\":{\"now\":\"map\"},\"m\":7,\"n\":null}", 0, NULL);
	json_t *want = json_loads("{\"a\":{\"x\":1,\"y\":{\"k\":1,\"j\":2},\"z\":3},\"l\":[3],\"s\":{\"now\":\"map\"},\"m\":7,\"n\":null}", 0, NULL);

	CHECK_OK(cf_json_merge_deep(dst, src));
	CHECK(json_equal(dst, want));
	/* src was copied, not taken: changing it leaves dst alone */
	json_object_set_new(json_object_get(src, "a"), "z", json_integer(9));
	CHECK(json_integer_value(json_object_get(json_object_get(dst, "a"), "z")) == 3);
	CHECK(cf_json_merge_deep(dst, json_object_get(src, "l")) == CF_EINVAL);
	json_decref(dst);
	json_decref(src);
	json_decref(want);
}

static const cf_test_case cases[] = {
	{ "merge_deep_as_helm", merge_deep_as_helm },
	{ "dump_go_quotes_timestamps", dump_go_quotes_timestamps },
	{ "scalars_resolve_as_kubectl", scalars_resolve_as_kubectl },
	{ "special_floats_are_errors", special_floats_are_errors },
	{ "multi_doc_skips_empty", multi_doc_skips_empty },
	{ "key_order_kept", key_order_kept },
	{ "anchors_aliases_merge", anchors_aliases_merge },
	{ "non_string_keys_become_strings", non_string_keys_become_strings },
	{ "errors_name_file_and_line", errors_name_file_and_line },
	{ "last_key_wins_for_kustomizations", last_key_wins_for_kustomizations },
	{ "alias_bomb_is_capped", alias_bomb_is_capped },
	{ "deep_nesting_is_capped", deep_nesting_is_capped },
	{ "long_strings", long_strings },
	{ "dump_round_trips_tricky_strings", dump_round_trips_tricky_strings },
	{ "dump_output_is_block_style", dump_output_is_block_style },
	{ "alloc_failures_do_not_leak", alloc_failures_do_not_leak },
};
CF_TEST_MAIN(cases)
