/* tests/kustomize/test_parity.c - every case in tests/kustomize/cases is built by cflux and by
 * `kubectl kustomize` in this run; the documents must be equal as parsed YAML (same order,
 * same values; key order and quoting style do not count). Cases with an expect-error file must
 * fail in both, each for the reason the file gives: a line "kubectl: WORDS" that kubectl's
 * output must contain, and a line "WORDS" (or "cflux: WORDS") that cflux's message must
 * contain; a case that kubectl does not build (no-kubectl) has no kubectl line. */
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

static int kubectl_build(const char *dir, cf_buf *out)
{
	char cmd[1024], chunk[8192];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "kubectl kustomize %s 2>&1", dir);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cf_buf_append(out, chunk, n);
	return pclose(p) == 0 ? 0 : 1;
}

static int exists(const char *dir, const char *file)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return stat(p, &st) == 0;
}

static void one_case(const char *name)
{
	char dir[600], expect_path[700];
	cf_buf theirs = CF_BUF_INIT(256u << 20), expect = CF_BUF_INIT(4096);
	json_t *ours = NULL, *ref = NULL;
	int our_rc, their_rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", CASES, name);
	our_rc = cf_kustomize_build_dir(&ours, dir);
	if (!exists(dir, "no-kubectl"))
		their_rc = kubectl_build(dir, &theirs);
	if (exists(dir, "expect-error")) {
		const char *want_ours = NULL, *want_theirs = NULL;
		snprintf(expect_path, sizeof(expect_path), "%s/expect-error", dir);
		if (cf_buf_read_file(&expect, expect_path) < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", name, cf_err_msg());
			goto out;
		}
		for (char *line = expect.data, *next; line && *line; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (strncmp(line, "kubectl: ", 9) == 0)
				want_theirs = line + 9;
			else if (*line)
				want_ours = strncmp(line, "cflux: ", 7) == 0 ? line + 7 : line;
		}
		if (want_ours == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: expect-error has no line for cflux's error", name);
		else if (our_rc == 0)
			cf_test_fail(__FILE__, __LINE__, "%s: cflux built it, want an error", name);
		else if (strstr(cf_err_msg(), want_ours) == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: cflux said \"%s\", want \"%s\"", name, cf_err_msg(), want_ours);
		if (exists(dir, "no-kubectl"))
			goto out;
		if (want_theirs == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: expect-error has no \"kubectl: \" line (the words kubectl's "
				     "error must contain, so that a failure for another reason does not pass)", name);
		else if (their_rc == 0)
			cf_test_fail(__FILE__, __LINE__, "%s: kubectl kustomize built it, but the case expects an error", name);
		else if (strstr(theirs.data ? theirs.data : "", want_theirs) == NULL)
			cf_test_fail(__FILE__, __LINE__, "%s: kubectl failed for another reason: %.600s\n    want \"%s\"", name,
				     theirs.data ? theirs.data : "", want_theirs);
		goto out;
	}
	if (their_rc != 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: kubectl kustomize failed: %.300s", name, theirs.data ? theirs.data : "");
		goto out;
	}
	if (our_rc < 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: cflux failed: %s", name, cf_err_msg());
		goto out;
	}
	if (cf_yaml_load_all(&ref, theirs.data ? theirs.data : "", theirs.len, "kubectl output") < 0) {
		cf_test_fail(__FILE__, __LINE__, "%s: kubectl output unreadable: %s", name, cf_err_msg());
		goto out;
	}
	if (json_array_size(ours) != json_array_size(ref))
		cf_test_fail(__FILE__, __LINE__, "%s: %zu documents, kubectl has %zu", name, json_array_size(ours),
			     json_array_size(ref));
	for (size_t i = 0; i < json_array_size(ours) && i < json_array_size(ref); i++)
		if (!json_equal(json_array_get(ours, i), json_array_get(ref, i))) {
			char *a = json_dumps(json_array_get(ours, i), JSON_COMPACT | JSON_SORT_KEYS);
			char *b = json_dumps(json_array_get(ref, i), JSON_COMPACT | JSON_SORT_KEYS);
			cf_test_fail(__FILE__, __LINE__, "%s: document %zu differs\n    cflux:   %s\n    kubectl: %s", name, i, a, b);
			free(a);
			free(b);
			break;
		}
out:
	json_decref(ours);
	json_decref(ref);
	cf_buf_free(&theirs);
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

/* Each directory under tests/kustomize/cases is one named case. */
int main(int argc, char **argv)
{
	struct dirent **list;
	int n = scandir(CASES, &list, NULL, by_name), k = 0, rc;
	cf_test_case *cases;

	if (n < 0) {
		printf("FAIL %s: cannot list\n0 passed, 1 failed\n", CASES);
		return 1;
	}
	cases = calloc((size_t)n, sizeof(*cases));
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
