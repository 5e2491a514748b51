/*
 * libFuzzer target: wire_decode on raw bodies.
 *
 * Property checked beyond "no crash": the encoding is canonical, so a body
 * that decodes re-encodes to exactly the same bytes, and decoding those
 * gives the same message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[WIRE_MAX_BODY];
	struct wire_msg m, m2;
	enum wire_drop why = WIRE_DROP__COUNT;
	int n;

	if (wire_decode(data, size, &m, &why) != 0) {
		if (why != WIRE_DROP_MALFORMED && why != WIRE_DROP_UNKNOWN_TYPE)
			abort();
		return 0;
	}
	n = wire_encode(out, sizeof(out), &m);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	if (wire_decode(out, (size_t)n, &m2, &why) != 0 || memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
	return 0;
}
