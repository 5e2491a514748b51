/*
 * Tests for src/wire/seal.c: derivation, sealing, every bit flip, wrong
 * keys, sizes, the receive path, base64 keys.
 *
 * With WGNM_WRITE_CORPUS=dir set, test_write_corpus also writes the seed
 * corpora of fuzz/fuzz_wire and fuzz/fuzz_receive into dir/wire and
 * dir/receive (see fuzz/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sodium.h>

#include "wire/seal.h"
#include "wire/wire.h"
#include "wire_samples.h"

static struct seal_key key_a, key_b;

static int setup(void **state)
{
	uint8_t shared[32];

	(void)state;
	if (seal_init() < 0)
		return -1;
	memset(shared, 0x11, sizeof(shared));
	if (seal_key_derive(&key_a, shared) < 0)
		return -1;
	shared[31] ^= 1;
	return seal_key_derive(&key_b, shared);
}

/* The derivation docs/PROTOCOL.md states, spelled out with BLAKE2b. */
static void test_key_derivation(void **state)
{
	uint8_t shared[32], expect[32], salt[16] = { 1 }, personal[16] = "wgnm-adm";
	struct seal_key k, k2;

	(void)state;
	for (int i = 0; i < 32; i++)
		shared[i] = (uint8_t)i;
	assert_int_equal(seal_key_derive(&k, shared), 0);
	assert_int_equal(crypto_generichash_blake2b_salt_personal(expect, 32, NULL, 0, shared, 32,
								  salt, personal), 0);
	assert_memory_equal(k.k, expect, 32);
	assert_memory_not_equal(k.k, shared, 32);
	assert_int_equal(seal_key_derive(&k2, shared), 0);
	assert_memory_equal(k.k, k2.k, 32);
	seal_key_wipe(&k);
	memset(expect, 0, sizeof(expect));
	assert_memory_equal(k.k, expect, 32);
	assert_memory_not_equal(key_a.k, key_b.k, 32);
}

static void test_seal_open_all_samples(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m, out;
		uint8_t body[WIRE_MAX_BODY], pkt[WIRE_MAX_PACKET], opened[WIRE_MAX_BODY];
		enum wire_drop why;
		int n, p;

		sample_build(&m, i);
		n = wire_encode(body, sizeof(body), &m);
		assert_true(n > 0);
		p = seal_packet(pkt, sizeof(pkt), &key_a, body, (size_t)n);
		assert_int_equal(p, n + SEAL_OVERHEAD);
		assert_true(p <= WIRE_MAX_PACKET);
		assert_int_equal(seal_open(opened, sizeof(opened), &key_a, pkt, (size_t)p, &why), n);
		assert_memory_equal(opened, body, (size_t)n);
		assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &out, &why), 0);
		assert_memory_equal(&out, &m, sizeof(m));
		assert_int_equal(seal_encode(pkt, sizeof(pkt), &key_a, &m), p);
		assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &out, &why), 0);
		assert_memory_equal(&out, &m, sizeof(m));
	}
}

static void test_header_layout_and_nonce(void **state)
{
	const uint8_t body[3] = { 1, 2, 3 };
	uint8_t p1[64], p2[64];

	(void)state;
	assert_int_equal(seal_packet(p1, sizeof(p1), &key_a, body, 3), 3 + SEAL_OVERHEAD);
	assert_int_equal(seal_packet(p2, sizeof(p2), &key_a, body, 3), 3 + SEAL_OVERHEAD);
	assert_int_equal(p1[0], 'W');
	assert_int_equal(p1[1], 'N');
	assert_int_equal(p1[2], WIRE_VERSION);
	assert_int_equal(p1[3], 0);
	/* Random nonces: two seals of one body differ. */
	assert_memory_not_equal(p1 + 4, p2 + 4, SEAL_NONCE_LEN);
	assert_memory_not_equal(p1 + 28, p2 + 28, 3 + SEAL_TAG_LEN);
}

static enum wire_drop expected_flip_drop(size_t byte)
{
	if (byte < 2)
		return WIRE_DROP_BAD_MAGIC;
	if (byte < 4)
		return WIRE_DROP_BAD_VERSION;
	return WIRE_DROP_OPEN_FAILED;
}

/* Every single-bit flip of a sealed packet is caught, and by the right check. */
static void test_every_bit_flip_rejected(void **state)
{
	static const unsigned samples[] = { 1, 7, 23 };	/* hello, record, pong */

	(void)state;
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		struct wire_msg m;
		uint8_t pkt[WIRE_MAX_PACKET], body[WIRE_MAX_BODY];
		int p;

		sample_build(&m, samples[s]);
		p = seal_encode(pkt, sizeof(pkt), &key_a, &m);
		assert_true(p > 0);
		for (size_t byte = 0; byte < (size_t)p; byte++) {
			for (int bit = 0; bit < 8; bit++) {
				enum wire_drop why = WIRE_DROP__COUNT;
				int rc;

				pkt[byte] ^= (uint8_t)(1u << bit);
				rc = seal_open(body, sizeof(body), &key_a, pkt, (size_t)p, &why);
				pkt[byte] ^= (uint8_t)(1u << bit);
				if (rc >= 0)
					fail_msg("flip of byte %zu bit %d accepted", byte, bit);
				assert_int_equal(why, expected_flip_drop(byte));
			}
		}
		assert_true(seal_open(body, sizeof(body), &key_a, pkt, (size_t)p, &(enum wire_drop){ 0 }) > 0);
	}
}

static void test_wrong_key_and_sizes(void **state)
{
	struct wire_msg m;
	uint8_t pkt[WIRE_MAX_PACKET + 8], body[WIRE_MAX_PACKET];
	enum wire_drop why;
	int p;

	(void)state;
	sample_hello(&m, WIRE_HELLO, SAMPLE_TYPICAL);
	p = seal_encode(pkt, sizeof(pkt), &key_a, &m);
	assert_true(p > 0);

	assert_int_equal(seal_open(body, sizeof(body), &key_b, pkt, (size_t)p, &why), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_OPEN_FAILED);
	assert_int_equal(seal_open_decode(&key_b, pkt, (size_t)p, &m, &why), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_OPEN_FAILED);

	/* Every truncation. */
	for (int len = 0; len < p; len++) {
		int rc = seal_open(body, sizeof(body), &key_a, pkt, (size_t)len, &why);

		assert_true(rc < 0);
		assert_int_equal(why, len < SEAL_OVERHEAD ? WIRE_DROP_SHORT : WIRE_DROP_OPEN_FAILED);
	}
	/* An extra byte breaks the tag. */
	pkt[p] = 0;
	assert_true(seal_open(body, sizeof(body), &key_a, pkt, (size_t)p + 1, &why) < 0);
	assert_int_equal(why, WIRE_DROP_OPEN_FAILED);

	/* Oversize, checked before anything else. */
	memset(pkt, 0, sizeof(pkt));
	assert_int_equal(seal_open(body, sizeof(body), &key_a, pkt, WIRE_MAX_PACKET + 1, &why), -EMSGSIZE);
	assert_int_equal(why, WIRE_DROP_OVERSIZE);

	/* The empty body seals and opens; decode then refuses it. */
	p = seal_packet(pkt, sizeof(pkt), &key_a, body, 0);
	assert_int_equal(p, SEAL_OVERHEAD);
	assert_int_equal(seal_open(body, sizeof(body), &key_a, pkt, (size_t)p, &why), 0);
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_MALFORMED);

	/* Largest body fits exactly; one more does not. */
	memset(body, 0xab, sizeof(body));
	assert_int_equal(seal_packet(pkt, sizeof(pkt), &key_a, body, SEAL_MAX_BODY), WIRE_MAX_PACKET);
	assert_int_equal(seal_open(body, SEAL_MAX_BODY, &key_a, pkt, WIRE_MAX_PACKET, &why), SEAL_MAX_BODY);
	assert_int_equal(seal_open(body, SEAL_MAX_BODY - 1, &key_a, pkt, WIRE_MAX_PACKET, &why), -ENOSPC);
	assert_int_equal(seal_packet(pkt, sizeof(pkt), &key_a, body, SEAL_MAX_BODY + 1), -EMSGSIZE);
	assert_int_equal(seal_packet(pkt, 100, &key_a, body, 57), -ENOSPC);
	assert_int_equal(seal_packet(pkt, 101, &key_a, body, 57), 101);
}

/*
 * A change of the shared key (previousSharedKey): what either key sealed
 * opens, the new key first; what neither sealed keeps the new key's
 * reason; without a previous key only the new one opens.
 */
static void test_key_rotation(void **state)
{
	struct wire_msg m, out;
	uint8_t pkt_a[WIRE_MAX_PACKET], pkt_b[WIRE_MAX_PACKET], pkt_c[WIRE_MAX_PACKET];
	uint8_t shared[32], body[8] = { WIRE_PING };
	struct seal_key key_c;
	enum wire_drop why;
	bool with_prev = true;
	int pa, pb, pc, pu;

	(void)state;
	memset(shared, 0x33, sizeof(shared));
	assert_int_equal(seal_key_derive(&key_c, shared), 0);
	sample_hello(&m, WIRE_HELLO, SAMPLE_TYPICAL);
	pa = seal_encode(pkt_a, sizeof(pkt_a), &key_a, &m);
	pb = seal_encode(pkt_b, sizeof(pkt_b), &key_b, &m);
	pc = seal_encode(pkt_c, sizeof(pkt_c), &key_c, &m);
	assert_true(pa > 0 && pb > 0 && pc > 0);

	/* new key b, previous key a */
	assert_int_equal(seal_open_decode_either(&key_b, &key_a, pkt_b, (size_t)pb, &out, &why,
						 &with_prev), 0);
	assert_false(with_prev);
	assert_int_equal(seal_open_decode_either(&key_b, &key_a, pkt_a, (size_t)pa, &out, &why,
						 &with_prev), 0);
	assert_true(with_prev);
	assert_int_equal(out.hdr.type, WIRE_HELLO);
	assert_int_equal(seal_open_decode_either(&key_b, &key_a, pkt_c, (size_t)pc, &out, &why,
						 &with_prev), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_OPEN_FAILED);
	assert_false(with_prev);
	/* sealed with the previous key but undecodable: the decoder's reason */
	pu = seal_packet(pkt_c, sizeof(pkt_c), &key_a, body, sizeof(body));
	assert_int_equal(seal_open_decode_either(&key_b, &key_a, pkt_c, (size_t)pu, &out, &why,
						 &with_prev), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_MALFORMED);
	/* the previous key dropped: only b opens */
	assert_int_equal(seal_open_decode_either(&key_b, NULL, pkt_a, (size_t)pa, &out, &why,
						 &with_prev), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_OPEN_FAILED);
	assert_int_equal(seal_open_decode_either(&key_b, NULL, pkt_b, (size_t)pb, &out, &why,
						 &with_prev), 0);
	/* a short datagram is short with either key: the previous one is not tried */
	assert_int_equal(seal_open_decode_either(&key_b, &key_a, pkt_a, 10, &out, &why,
						 &with_prev), -EMSGSIZE);
	assert_int_equal(why, WIRE_DROP_SHORT);
	seal_key_wipe(&key_c);
}

/* Authentic but undecodable bodies: the drop reason comes from the decoder. */
static void test_open_decode_reasons(void **state)
{
	uint8_t pkt[WIRE_MAX_PACKET], body[8] = { 0 };
	struct wire_msg m;
	enum wire_drop why;
	int p;

	(void)state;
	body[0] = 200;
	p = seal_packet(pkt, sizeof(pkt), &key_a, body, sizeof(body));
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_UNKNOWN_TYPE);
	body[0] = WIRE_PING;
	p = seal_packet(pkt, sizeof(pkt), &key_a, body, sizeof(body));
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EBADMSG);
	assert_int_equal(why, WIRE_DROP_MALFORMED);

	memcpy(pkt, "XN", 2);
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EPROTO);
	assert_int_equal(why, WIRE_DROP_BAD_MAGIC);
	memcpy(pkt, "WN\x03", 3);
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EPROTO);
	assert_int_equal(why, WIRE_DROP_BAD_VERSION);
	memcpy(pkt, "WN\x01", 3); /* version 1 (before the hello named its target) */
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EPROTO);
	assert_int_equal(why, WIRE_DROP_BAD_VERSION);
	memcpy(pkt, "WN\x02\x01", 4);
	assert_int_equal(seal_open_decode(&key_a, pkt, (size_t)p, &m, &why), -EPROTO);
	assert_int_equal(why, WIRE_DROP_BAD_VERSION);
	assert_int_equal(seal_open_decode(&key_a, pkt, 10, &m, &why), -EMSGSIZE);
	assert_int_equal(why, WIRE_DROP_SHORT);
}

static void test_base64_keys(void **state)
{
	static const struct {
		const char *b64;
		bool ok;
	} cases[] = {
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", true },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true },
		{ "//////////////////////////////////////////8=", true },
		{ "", false },
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk", false },	/* no padding */
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk==", false },
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n", false },
		{ " yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", false },
		{ "yAnz5TF-lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", false },	/* url-safe */
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=", false },
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=", false },	/* padding bits set */
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBg==", false },	/* 31 bytes */
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkA", false },	/* 33 bytes */
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkAAA==", false },
		{ "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkyAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[32], canary[32];
		int rc;

		memset(out, 0xcc, sizeof(out));
		memset(canary, 0xcc, sizeof(canary));
		rc = seal_key_from_base64(out, cases[i].b64);
		if (cases[i].ok != (rc == 0))
			fail_msg("\"%s\": rc %d", cases[i].b64, rc);
		if (rc == 0) {
			char back[SEAL_KEY_B64_LEN];

			seal_key_to_base64(back, out);
			assert_string_equal(back, cases[i].b64);
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_memory_equal(out, canary, sizeof(out));
		}
	}
}

static int write_file(const char *dir, const char *sub, const char *name,
		      const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/*
 * Seeds: fuzz_wire takes a body; fuzz_receive takes a mode byte (0: the
 * rest is a datagram, 1: the rest is a body to seal first) and its
 * datagrams are sealed under the fuzz target's fixed key.
 */
static void test_write_corpus(void **state)
{
	const char *dir = getenv("WGNM_WRITE_CORPUS");
	uint8_t shared[32];
	struct seal_key fk;

	(void)state;
	if (!dir)
		skip();
	memset(shared, SAMPLE_FUZZ_SHARED_BYTE, sizeof(shared));
	assert_int_equal(seal_key_derive(&fk, shared), 0);
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m;
		uint8_t buf[1 + WIRE_MAX_PACKET];
		char name[64];
		const char *base = sample_build(&m, i);
		int n;

		n = wire_encode(buf + 1, WIRE_MAX_BODY, &m);
		assert_true(n > 0);
		snprintf(name, sizeof(name), "%s.bin", base);
		assert_int_equal(write_file(dir, "wire", name, buf + 1, (size_t)n), 0);
		buf[0] = 1;
		snprintf(name, sizeof(name), "%s-body.bin", base);
		assert_int_equal(write_file(dir, "receive", name, buf, (size_t)n + 1), 0);
		n = seal_encode(buf + 1, WIRE_MAX_PACKET, &fk, &m);
		assert_true(n > 0);
		buf[0] = 0;
		snprintf(name, sizeof(name), "%s-sealed.bin", base);
		assert_int_equal(write_file(dir, "receive", name, buf, (size_t)n + 1), 0);
	}
	seal_key_wipe(&fk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_derivation),
		cmocka_unit_test(test_seal_open_all_samples),
		cmocka_unit_test(test_header_layout_and_nonce),
		cmocka_unit_test(test_every_bit_flip_rejected),
		cmocka_unit_test(test_wrong_key_and_sizes),
		cmocka_unit_test(test_open_decode_reasons),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_base64_keys),
		cmocka_unit_test(test_write_corpus),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, setup, NULL);
}
