/* tests/fuzz/fuzz_helm.c - the Helm readers: the input as a repository index (then a version
 * picked from it, as a HelmChart does) and as a Chart.yaml; and its first line as a path
 * joined under a chart directory. */
#include "source/helm.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_helm_index_pick pick;
	json_t *doc = NULL;
	char line[256], out[1024];
	size_t n = 0;

	if (cf_helm_index_parse(&doc, (const char *)data, size, "index.yaml") == 0) {
		const char *name;
		json_t *v;
		json_object_foreach(json_object_get(doc, "entries"), name, v) {
			cf_helm_index_select(&pick, doc, name, "*");
			cf_helm_index_select(&pick, doc, name, ">=0.1.0 <2");
			if (pick.url[0])
				cf_helm_chart_url(out, sizeof(out), "https://charts.example.com/sub", pick.url);
		}
		json_decref(doc);
	}
	if (cf_helm_chart_yaml_parse(&doc, (const char *)data, size, "Chart.yaml") == 0)
		json_decref(doc);
	while (n < size && n < sizeof(line) - 1 && data[n] != '\n' && data[n] != '\0') {
		line[n] = (char)data[n];
		n++;
	}
	line[n] = '\0';
	cf_helm_path_join(out, sizeof(out), "charts/app", line);
	return 0;
}
