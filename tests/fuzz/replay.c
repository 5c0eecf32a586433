/* tests/fuzz/replay.c - runs a fuzz target over every file of its corpus (for make test);
 * a crash or sanitizer report fails the run. */
#include "util/buf.h"
#include "util/err.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL) {
			printf("FAIL corpus %s: cannot open\n", argv[i]);
			failed++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			cf_buf b = CF_BUF_INIT(1u << 24);

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (cf_buf_read_file(&b, path) < 0) {
				printf("FAIL %s: %s\n", path, cf_err_msg());
				failed++;
				continue;
			}
			LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
			cf_buf_free(&b);
			printf("PASS %s\n", path);
			passed++;
		}
		closedir(d);
	}
	if (passed + failed == 0) {
		printf("FAIL no corpus files\n");
		failed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
