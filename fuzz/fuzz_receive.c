/*
 * libFuzzer target: the admin receive path, seal_open_decode.
 *
 * The first input byte picks a mode (its low bit):
 *   0  the rest is a datagram, opened under the fixed key below. Random
 *      bytes almost never authenticate, so this mode exercises the header
 *      checks and the AEAD failure path; the seeds are real datagrams.
 *   1  the rest is a body: it is sealed first, then received, so the
 *      decoder behind the seal is reached. The result must agree with
 *      wire_decode on the plain body, and a one-bit flip of the datagram
 *      (position taken from the input) must be refused.
 *
 * The key is derived from a sharedKey of 32 bytes 0x5a, as in
 * tests/test_seal.c, which writes the seed corpus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/seal.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct seal_key key;
static int have_key;

static void get_key(void)
{
	uint8_t shared[32];

	if (have_key)
		return;
	memset(shared, 0x5a, sizeof(shared));
	if (seal_key_derive(&key, shared) != 0)
		abort();
	have_key = 1;
}

static void check_drop(enum wire_drop why)
{
	if ((unsigned)why >= WIRE_DROP__COUNT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[WIRE_MAX_PACKET];
	struct wire_msg m, plain;
	enum wire_drop why = WIRE_DROP__COUNT, why_plain = WIRE_DROP__COUNT;
	int n, rc, rc_plain;
	size_t bit;

	if (size < 1)
		return 0;
	get_key();
	if (!(data[0] & 1)) {
		rc = seal_open_decode(&key, data + 1, size - 1, &m, &why);
		if (rc != 0)
			check_drop(why);
		return 0;
	}
	n = seal_packet(pkt, sizeof(pkt), &key, data + 1, size - 1);
	if (size - 1 > SEAL_MAX_BODY) {
		if (n != -EMSGSIZE)
			abort();
		return 0;
	}
	if (n != (int)(size - 1 + SEAL_OVERHEAD))
		abort();
	rc = seal_open_decode(&key, pkt, (size_t)n, &m, &why);
	rc_plain = wire_decode(data + 1, size - 1, &plain, &why_plain);
	if ((rc == 0) != (rc_plain == 0))
		abort();
	if (rc == 0 && memcmp(&m, &plain, sizeof(m)) != 0)
		abort();
	if (rc != 0 && why != why_plain)
		abort();
	bit = (size * 2654435761u) % ((size_t)n * 8);
	pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (seal_open_decode(&key, pkt, (size_t)n, &m, &why) == 0)
		abort();
	check_drop(why);
	return 0;
}
