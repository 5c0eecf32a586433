/* tests/kustomize/test_parity.c - every case in tests/kustomize/cases is built by cflux and by
 * two references in this run: the machine's `kubectl kustomize` (kubectl 1.32, kustomize v5.5.0)
 * and kubectl 1.35 (kustomize v5.7.1, the line current Flux builds with; CFLUX_KUBECTL_135, which
 * tests/env/deps installs). The documents must be equal as parsed YAML (same order, same values;
 * key order and quoting style do not count). A case holding a file "v5.7.1-only" (it says why)
 * is one where the two references differ: cflux follows v5.7.1 and the v5.5.0 output must
 * differ from it (a stale mark fails). Cases with an expect-error file must fail in cflux and
 * the references, each for the reason the file gives: a line "kubectl: WORDS" that kubectl's
 * output must contain, and a line "WORDS" (or "cflux: WORDS") that cflux's message must
 * contain; a case that kubectl does not build (no-kubectl) has no kubectl line. A case holding
 * a file "load-restrictor-none" is built with LoadRestrictionsNone by all (`kubectl kustomize
 * --load-restrictor LoadRestrictionsNone`; Flux's own builds). A missing or wrong reference
 * fails the run. */
#include "kustomize/kustomize.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CASES "tests/kustomize/cases"
#define NEWER_ONLY "v5.7.1-only"
#define LOAD_NONE "load-restrictor-none"

typedef struct reference {
	const char *env;         /* variable naming the binary; NULL: "kubectl" on PATH */
	const char *cache_path;  /* below $CFLUX_CACHE when env is unset */
	const char *version;     /* the kustomize version it must report */
	int older;               /* 1: the reference a NEWER_ONLY case differs from */
	char bin[1024];
} reference;

static reference refs[] = {
	{ NULL, NULL, "v5.5.0", 1, "" },
	{ "CFLUX_KUBECTL_135", "kubectl-1.35.2/kubectl", "v5.7.1", 0, "" },
};

static int run_capture(const char *cmd, cf_buf *out)
{
	char chunk[8192];
	size_t n;
	FILE *p;

	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cf_buf_append(out, chunk, n);
	return pclose(p) == 0 ? 0 : 1;
}

/* Finds each reference and checks the kustomize version it carries. */
static void find_references(void)
{
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		reference *r = &refs[i];
		const char *v = r->env ? getenv(r->env) : NULL, *cache = getenv("CFLUX_CACHE"), *home = getenv("HOME");
		char cmd[1200], want[64];
		cf_buf out = CF_BUF_INIT(1 << 16);

		if (r->env == NULL)
			snprintf(r->bin, sizeof(r->bin), "kubectl");
		else if (v && *v)
			snprintf(r->bin, sizeof(r->bin), "%s", v);
		else if (cache && *cache)
			snprintf(r->bin, sizeof(r->bin), "%s/%s", cache, r->cache_path);
		else
			snprintf(r->bin, sizeof(r->bin), "%s/.cache/cflux/%s", home ? home : "", r->cache_path);
		snprintf(cmd, sizeof(cmd), "'%s' version --client 2>&1", r->bin);
		snprintf(want, sizeof(want), "Kustomize Version: %s", r->version);
		if (run_capture(cmd, &out) != 0 || out.data == NULL || strstr(out.data, want) == NULL)
			cf_test_fail(__FILE__, __LINE__, "reference %s (kustomize %s) is missing or another version%s%s: %.300s",
				     r->bin, r->version, r->env ? "; run make deps or set " : "", r->env ? r->env : "",
				     out.data ? out.data : "");
		cf_buf_free(&out);
	}
}

/* Builds dir with the reference. kubectl 1.32 logs its error as a quoted Go string (\" for ");
 * the quotes are undone so that one expect-error line fits both references. */
static int reference_build(const reference *r, const char *dir, int anywhere, cf_buf *out)
{
	char cmd[2200];
	int rc;
	size_t j = 0;

	snprintf(cmd, sizeof(cmd), "'%s' kustomize %s%s 2>&1", r->bin, anywhere ? "--load-restrictor LoadRestrictionsNone " : "", dir);
	rc = run_capture(cmd, out);
	if (rc == 0 || out->data == NULL)
		return rc;
	for (size_t i = 0; i < out->len; i++)
		if (!(out->data[i] == '\\' && i + 1 < out->len && out->data[i + 1] == '"'))
			out->data[j++] = out->data[i];
	out->len = j;
	out->data[j] = '\0';
	return rc;
}

static int exists(const char *dir, const char *file)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return stat(p, &st) == 0;
}

/* Compares one reference's result with cflux's; 0 if they agree, else 1 with the difference in
 * why. want_theirs is non-NULL for an error case. */
static int agrees(const reference *r, const char *dir, int anywhere, const json_t *ours, const char *want_theirs,
		  char *why, size_t whylen)
{
	cf_buf theirs = CF_BUF_INIT(256u << 20);
	json_t *ref = NULL;
	int rc = 1, their_rc = reference_build(r, dir, anywhere, &theirs);
	const char *text = theirs.data ? theirs.data : "";

	if (want_theirs) {
		if (their_rc == 0)
			snprintf(why, whylen, "kustomize %s built it, but the case expects an error", r->version);
		else if (strstr(text, want_theirs) == NULL)
			snprintf(why, whylen, "kustomize %s failed for another reason: %.600s\n    want \"%s\"", r->version,
				 text, want_theirs);
		else
			rc = 0;
		goto out;
	}
	if (their_rc != 0) {
		snprintf(why, whylen, "kustomize %s failed: %.300s", r->version, text);
		goto out;
	}
	if (cf_yaml_load_all(&ref, text, theirs.len, "kubectl output") < 0) {
		snprintf(why, whylen, "kustomize %s output unreadable: %s", r->version, cf_err_msg());
		goto out;
	}
	if (json_array_size(ours) != json_array_size(ref)) {
		snprintf(why, whylen, "%zu documents, kustomize %s has %zu", json_array_size(ours), r->version,
			 json_array_size(ref));
		goto out;
	}
	for (size_t i = 0; i < json_array_size(ours); i++)
		if (!json_equal(json_array_get(ours, i), json_array_get(ref, i))) {
			char *a = json_dumps(json_array_get(ours, i), JSON_COMPACT | JSON_SORT_KEYS);
			char *b = json_dumps(json_array_get(ref, i), JSON_COMPACT | JSON_SORT_KEYS);
			snprintf(why, whylen, "document %zu differs\n    cflux:   %s\n    %s: %s", i, a, r->version, b);
			free(a);
			free(b);
			goto out;
		}
	rc = 0;
out:
	json_decref(ref);
	cf_buf_free(&theirs);
	return rc;
}

/* Reads expect-error: the words cflux's and kubectl's errors must hold. 0, or -1 (reported). */
static int read_expect(const char *name, const char *dir, cf_buf *expect, const char **want_ours,
		       const char **want_theirs)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/expect-error", dir);
	if (cf_buf_read_file(expect, path) < 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: %s", name, cf_err_msg());
		return -1;
	}
	for (char *line = expect->data, *next; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "kubectl: ", 9) == 0)
			*want_theirs = line + 9;
		else if (*line)
			*want_ours = strncmp(line, "cflux: ", 7) == 0 ? line + 7 : line;
	}
	if (*want_ours == NULL) {
		cf_test_fail(__FILE__, __LINE__, "%s: expect-error has no line for cflux's error", name);
		return -1;
	}
	if (*want_theirs == NULL && !exists(dir, "no-kubectl")) {
		cf_test_fail(__FILE__, __LINE__, "%s: expect-error has no \"kubectl: \" line (the words kubectl's "
			     "error must contain, so that a failure for another reason does not pass)", name);
		return -1;
	}
	return 0;
}

static void one_case(const char *name)
{
	char dir[600], why[4096];
	cf_buf expect = CF_BUF_INIT(4096);
	json_t *ours = NULL;
	const char *want_ours = NULL, *want_theirs = NULL;
	int our_rc, is_error, newer_only, anywhere;

	snprintf(dir, sizeof(dir), "%s/%s", CASES, name);
	is_error = exists(dir, "expect-error");
	newer_only = exists(dir, NEWER_ONLY);
	anywhere = exists(dir, LOAD_NONE);
	our_rc = cf_kustomize_build_dir(&ours, dir, anywhere);
	if (is_error) {
		if (read_expect(name, dir, &expect, &want_ours, &want_theirs) < 0)
			goto out;
		if (our_rc == 0)
			cf_test_fail(__FILE__, __LINE__, "%s: cflux built it, want an error", name);
		else if (strstr(cf_err_msg(), want_ours) == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: cflux said \"%s\", want \"%s\"", name, cf_err_msg(), want_ours);
		if (exists(dir, "no-kubectl"))
			goto out;
	} else if (our_rc < 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: cflux failed: %s", name, cf_err_msg());
		goto out;
	}
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		int differs = agrees(&refs[i], dir, anywhere, ours, is_error ? want_theirs : NULL, why, sizeof(why));
		if (newer_only && refs[i].older) {
			if (!differs)
				cf_test_fail(__FILE__, __LINE__, "%s: marked %s, but kustomize %s agrees now: remove the mark",
					     name, NEWER_ONLY, refs[i].version);
		} else if (differs) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", name, why);
		}
	}
out:
	json_decref(ours);
	cf_buf_free(&expect);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_current(void)
{
	one_case(cf_test_current_name());
}

/* The references are checked first (a setup: when one is missing every case is skipped and the
 * run fails); then each directory under tests/kustomize/cases is one named case. */
int main(int argc, char **argv)
{
	struct dirent **list;
	int n = scandir(CASES, &list, NULL, by_name), k = 0, rc;
	cf_test_case *cases;

	if (n < 0) {
		printf("FAIL %s: cannot list\n0 passed, 1 failed\n", CASES);
		return 1;
	}
	cases = calloc((size_t)n + 1, sizeof(*cases));
	if (cases) {
		cases[k].name = strdup("references");
		cases[k].fn = find_references;
		cases[k++].kind = CF_TEST_SETUP_FIXTURE;
	}
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && cases) {
			cases[k].name = strdup(list[i]->d_name);
			cases[k++].fn = run_current;
		}
		free(list[i]);
	}
	free(list);
	rc = cf_test_main(argc, argv, cases, (size_t)k);
	for (int i = 0; i < k; i++)
		free((char *)cases[i].name);
	free(cases);
	return rc;
}
