/* tests/fuzz/fuzz_bus.c - the nng message decoder; whatever it accepts re-encodes the same. */
#include "bus/bus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_buf s = CF_BUF_INIT(1u << 22), again = CF_BUF_INIT(1u << 22);
	cf_bus_msg m;
	int rc = 0;

	if (cf_bus_decode(&m, &s, data, size) == 0) {
		switch (m.type) {
		case CF_BUS_ARTIFACT_GET:   rc = cf_bus_encode_get(&again, m.token, m.path, m.offset); break;
		case CF_BUS_ARTIFACT_CHUNK: rc = cf_bus_encode_chunk(&again, m.total, m.offset, m.data, m.data_len); break;
		case CF_BUS_ERROR:          rc = cf_bus_encode_error(&again, m.code, m.message); break;
		case CF_BUS_ARTIFACT_READY: rc = cf_bus_encode_ready(&again, m.kind, m.namespace, m.name, m.revision, m.digest, m.path); break;
		case CF_BUS_EVENT:          rc = cf_bus_encode_event(&again, m.token, m.json); break;
		}
		if (rc != 0 || again.len != size || memcmp(again.data, data, size) != 0)
			abort();
	}
	cf_buf_free(&s);
	cf_buf_free(&again);
	return 0;
}
