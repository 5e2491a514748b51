/* Tests for src/wire/wire.c: round trips, limits, and every way to lie. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire/seal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#include "wire/wire.h"
#include "wire_samples.h"

static int encode_ok(const struct wire_msg *m, uint8_t *buf, size_t cap)
{
	int n = wire_encode(buf, cap, m);

	assert_true(n > 0);
	return n;
}

static void assert_rejected(const uint8_t *buf, size_t len)
{
	struct wire_msg out;
	enum wire_drop why = WIRE_DROP__COUNT;

	memset(&out, 0x77, sizeof(out));
	assert_int_equal(wire_decode(buf, len, &out, &why), -EBADMSG);
	assert_true(why == WIRE_DROP_MALFORMED || why == WIRE_DROP_UNKNOWN_TYPE);
	/* A rejected decode leaves the caller's struct alone. */
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(((uint8_t *)&out)[i], 0x77);
}

/* Every sample: decode(encode(m)) == m and encode(decode(b)) == b. */
static void test_round_trip_all(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m, out;
		uint8_t buf[WIRE_MAX_BODY], again[WIRE_MAX_BODY];
		enum wire_drop why;
		const char *name = sample_build(&m, i);
		int n = encode_ok(&m, buf, sizeof(buf));

		assert_int_equal(wire_decode(buf, (size_t)n, &out, &why), 0);
		if (memcmp(&m, &out, sizeof(m)) != 0)
			fail_msg("%s: decoded message differs", name);
		assert_int_equal(wire_encode(again, sizeof(again), &out), n);
		assert_memory_equal(buf, again, (size_t)n);
	}
}

/* The worst case of every type fits one sealed packet. */
static void test_max_sizes_fit_packet(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m;
		uint8_t buf[2048];
		const char *name = sample_build(&m, i);
		int n = encode_ok(&m, buf, sizeof(buf));

		if ((size_t)n + SEAL_OVERHEAD > WIRE_MAX_PACKET)
			fail_msg("%s: %d + %d > %d", name, n, SEAL_OVERHEAD, WIRE_MAX_PACKET);
	}
	/* The exact figures docs/PROTOCOL.md quotes. */
	{
		struct wire_msg m;
		uint8_t buf[2048];

		sample_hello(&m, WIRE_HELLO, SAMPLE_MAX);
		assert_int_equal(wire_encode(buf, sizeof(buf), &m), 567);
		sample_record(&m, SAMPLE_MAX);
		assert_int_equal(wire_encode(buf, sizeof(buf), &m), 1133);
		sample_digest(&m, WIRE_DIGEST, SAMPLE_MAX);
		assert_int_equal(wire_encode(buf, sizeof(buf), &m), 1101);
	}
}

static void test_truncation_and_trailing(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m;
		uint8_t buf[WIRE_MAX_BODY + 1];
		int n;

		sample_build(&m, i);
		n = encode_ok(&m, buf, sizeof(buf));
		for (int len = 0; len < n; len++)
			assert_rejected(buf, (size_t)len);
		buf[n] = 0;
		assert_rejected(buf, (size_t)n + 1);
	}
}

static void test_encode_nospace(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SAMPLE_COUNT; i++) {
		struct wire_msg m;
		uint8_t buf[WIRE_MAX_BODY];
		int n;

		sample_build(&m, i);
		n = encode_ok(&m, buf, sizeof(buf));
		for (int cap = 0; cap < n; cap++)
			assert_int_equal(wire_encode(buf, (size_t)cap, &m), -ENOSPC);
	}
}

/*
 * Byte edits of typical encodings that must be refused. Offsets follow
 * docs/PROTOCOL.md; each sample's total length is asserted first so a
 * layout change shows up here rather than as silently wrong offsets.
 *
 *   header (v4 sender): type 0, family 1, addr 2-5, boot 6-13, counter 14-21
 */
struct edit {
	const char *what;
	unsigned sample;	/* index for sample_build */
	unsigned off;
	unsigned width;		/* 1, 2 or 8 bytes, big-endian */
	uint64_t value;
	enum wire_drop why;
};

#define HELLO_T 1	/* hello-typical: 107 bytes */
#define RECORD_T 7	/* record-typical: 149 bytes */
#define DIGEST_T 10	/* digest-typical: 96 bytes */
#define LEAVE_T 16	/* leave-typical: 23 bytes */
#define PING_T 19	/* ping-typical: 52 bytes */

static const struct edit edits[] = {
	{ "type 0", PING_T, 0, 1, 0, WIRE_DROP_UNKNOWN_TYPE },
	{ "type 9", PING_T, 0, 1, WIRE_TYPE_MAX + 1, WIRE_DROP_UNKNOWN_TYPE },
	{ "type 255", PING_T, 0, 1, 255, WIRE_DROP_UNKNOWN_TYPE },
	{ "sender family 0", PING_T, 1, 1, 0, WIRE_DROP_MALFORMED },
	{ "sender family 5", PING_T, 1, 1, 5, WIRE_DROP_MALFORMED },
	{ "sender family 6 (too short)", PING_T, 1, 1, 6, WIRE_DROP_MALFORMED },
	{ "sender 0.0.0.0", PING_T, 2, 2, 0, WIRE_DROP_MALFORMED },	/* with the edit below */
	{ "header boot 0", PING_T, 6, 8, 0, WIRE_DROP_MALFORMED },
	{ "header counter 0", PING_T, 14, 8, 0, WIRE_DROP_MALFORMED },

	/* hello: has 22, name len 23, name 24-30 ("charlie"), wg 31, admin 33,
	 * flags 35, pubkey 37-68, to 69 (family) 70-73 port 74, observed 76
	 * (family) 77-80 port 81, challenge 83, echo 91, record_seq 99-106 */
	{ "hello has unknown bit", HELLO_T, 22, 1, 0x40 | 0xb, WIRE_DROP_MALFORMED },
	{ "hello has drops echo (lying)", HELLO_T, 22, 1, 0x9, WIRE_DROP_MALFORMED },
	{ "hello has adds lan only", HELLO_T, 22, 1, 0x4, WIRE_DROP_MALFORMED },
	{ "hello has lan and to", HELLO_T, 22, 1, 0xf, WIRE_DROP_MALFORMED },
	{ "hello has no to, not lan", HELLO_T, 22, 1, 0x3, WIRE_DROP_MALFORMED },
	{ "hello has peer boot (lying)", HELLO_T, 22, 1, 0x1b, WIRE_DROP_MALFORMED },
	{ "hello name len 0", HELLO_T, 23, 1, 0, WIRE_DROP_MALFORMED },
	{ "hello name len 6", HELLO_T, 23, 1, 6, WIRE_DROP_MALFORMED },
	{ "hello name len 8", HELLO_T, 23, 1, 8, WIRE_DROP_MALFORMED },
	{ "hello name len 33", HELLO_T, 23, 1, 33, WIRE_DROP_MALFORMED },
	{ "hello name len 255", HELLO_T, 23, 1, 255, WIRE_DROP_MALFORMED },
	{ "hello name NUL", HELLO_T, 26, 1, 0, WIRE_DROP_MALFORMED },
	{ "hello name control", HELLO_T, 26, 1, 0x1b, WIRE_DROP_MALFORMED },
	{ "hello name space", HELLO_T, 24, 1, ' ', WIRE_DROP_MALFORMED },
	{ "hello name DEL", HELLO_T, 30, 1, 0x7f, WIRE_DROP_MALFORMED },
	{ "hello name high bit", HELLO_T, 30, 1, 0xc3, WIRE_DROP_MALFORMED },
	{ "hello wg port 0", HELLO_T, 31, 2, 0, WIRE_DROP_MALFORMED },
	{ "hello admin port 0", HELLO_T, 33, 2, 0, WIRE_DROP_MALFORMED },
	{ "hello unknown flag", HELLO_T, 35, 2, 0x0010, WIRE_DROP_MALFORMED },
	{ "hello unknown high flag", HELLO_T, 35, 2, 0x8000, WIRE_DROP_MALFORMED },
	{ "hello to family 7", HELLO_T, 69, 1, 7, WIRE_DROP_MALFORMED },
	{ "hello to 0.0.0.0", HELLO_T, 70, 4, 0, WIRE_DROP_MALFORMED },
	{ "hello to port 0", HELLO_T, 74, 2, 0, WIRE_DROP_MALFORMED },
	{ "hello observed family 7", HELLO_T, 76, 1, 7, WIRE_DROP_MALFORMED },
	{ "hello observed port 0", HELLO_T, 81, 2, 0, WIRE_DROP_MALFORMED },

	/* record: has 22, name 23-30, id 31-35, boot 36, seq 44, pubkey 52,
	 * wg 84, admin 86, flags 88, n_local 90, local 91-95 + 96-112,
	 * reflexive 113-119, total 120, part 122, parts 123, n 124,
	 * neighbours 125 + 8 each (family, addr 4, kind, cost 2) */
	{ "record has unknown bit", RECORD_T, 22, 1, 0x3, WIRE_DROP_MALFORMED },
	{ "record has drops reflexive", RECORD_T, 22, 1, 0, WIRE_DROP_MALFORMED },
	{ "record name len 0", RECORD_T, 23, 1, 0, WIRE_DROP_MALFORMED },
	{ "record name len 33", RECORD_T, 23, 1, 33, WIRE_DROP_MALFORMED },
	{ "record id family 0", RECORD_T, 31, 1, 0, WIRE_DROP_MALFORMED },
	{ "record boot 0", RECORD_T, 36, 8, 0, WIRE_DROP_MALFORMED },
	{ "record wg port 0", RECORD_T, 84, 2, 0, WIRE_DROP_MALFORMED },
	{ "record unknown flag", RECORD_T, 88, 2, 0x0100, WIRE_DROP_MALFORMED },
	{ "record unknown low flag", RECORD_T, 88, 2, 0x0010, WIRE_DROP_MALFORMED },
	{ "record n_local 0", RECORD_T, 90, 1, 0, WIRE_DROP_MALFORMED },
	{ "record n_local 1", RECORD_T, 90, 1, 1, WIRE_DROP_MALFORMED },
	{ "record n_local 3", RECORD_T, 90, 1, 3, WIRE_DROP_MALFORMED },
	{ "record n_local 17", RECORD_T, 90, 1, 17, WIRE_DROP_MALFORMED },
	{ "record n_local 255", RECORD_T, 90, 1, 255, WIRE_DROP_MALFORMED },
	{ "record local family 6 for v4", RECORD_T, 91, 1, 6, WIRE_DROP_MALFORMED },
	{ "record reflexive port 0", RECORD_T, 118, 2, 0, WIRE_DROP_MALFORMED },
	{ "record total 0", RECORD_T, 120, 2, 0, WIRE_DROP_MALFORMED },
	{ "record total 2", RECORD_T, 120, 2, 2, WIRE_DROP_MALFORMED },
	{ "record total 4", RECORD_T, 120, 2, 4, WIRE_DROP_MALFORMED },
	{ "record total 33", RECORD_T, 120, 2, 33, WIRE_DROP_MALFORMED },
	{ "record total 1025", RECORD_T, 120, 2, 1025, WIRE_DROP_MALFORMED },
	{ "record total 65535", RECORD_T, 120, 2, 65535, WIRE_DROP_MALFORMED },
	{ "record part 1 of 1", RECORD_T, 122, 1, 1, WIRE_DROP_MALFORMED },
	{ "record part 255", RECORD_T, 122, 1, 255, WIRE_DROP_MALFORMED },
	{ "record parts 0", RECORD_T, 123, 1, 0, WIRE_DROP_MALFORMED },
	{ "record parts 2", RECORD_T, 123, 1, 2, WIRE_DROP_MALFORMED },
	{ "record n_neighbours 0", RECORD_T, 124, 1, 0, WIRE_DROP_MALFORMED },
	{ "record n_neighbours 2", RECORD_T, 124, 1, 2, WIRE_DROP_MALFORMED },
	{ "record n_neighbours 4", RECORD_T, 124, 1, 4, WIRE_DROP_MALFORMED },
	{ "record n_neighbours 33", RECORD_T, 124, 1, 33, WIRE_DROP_MALFORMED },
	{ "record n_neighbours 255", RECORD_T, 124, 1, 255, WIRE_DROP_MALFORMED },
	{ "record neighbour family 0", RECORD_T, 125, 1, 0, WIRE_DROP_MALFORMED },
	{ "record neighbour is self", RECORD_T, 129, 1, 21, WIRE_DROP_MALFORMED },
	{ "record neighbour duplicate", RECORD_T, 137, 1, 1, WIRE_DROP_MALFORMED },
	{ "record neighbour kind 0", RECORD_T, 130, 1, 0, WIRE_DROP_MALFORMED },
	{ "record neighbour kind 4", RECORD_T, 130, 1, 4, WIRE_DROP_MALFORMED },
	{ "record neighbour cost 0", RECORD_T, 131, 2, 0, WIRE_DROP_MALFORMED },

	/* digest: total 22, hash 24, n 32, entries 33 + 21 each
	 * (family, addr 4, boot 8, seq 8) */
	{ "digest n 0", DIGEST_T, 32, 1, 0, WIRE_DROP_MALFORMED },
	{ "digest n 2", DIGEST_T, 32, 1, 2, WIRE_DROP_MALFORMED },
	{ "digest n 4", DIGEST_T, 32, 1, 4, WIRE_DROP_MALFORMED },
	{ "digest n 33", DIGEST_T, 32, 1, 33, WIRE_DROP_MALFORMED },
	{ "digest entry family 9", DIGEST_T, 33, 1, 9, WIRE_DROP_MALFORMED },
	{ "digest entry boot 0", DIGEST_T, 38, 8, 0, WIRE_DROP_MALFORMED },

	{ "leave reason 2", LEAVE_T, 22, 1, 2, WIRE_DROP_MALFORMED },
	{ "leave reason 255", LEAVE_T, 22, 1, 255, WIRE_DROP_MALFORMED },

	/* ping: probe 22, seq 26, has 34, observed_wg 35 (family, addr 4,
	 * port 2), db_total 42, db_hash 44 */
	{ "ping has unknown bit", PING_T, 34, 1, 0x07, WIRE_DROP_MALFORMED },
	{ "ping has db only (trailing)", PING_T, 34, 1, 0x02, WIRE_DROP_MALFORMED },
	{ "ping has observed only (short)", PING_T, 34, 1, 0x01, WIRE_DROP_MALFORMED },
	{ "ping observed family 9", PING_T, 35, 1, 9, WIRE_DROP_MALFORMED },
	{ "ping observed port 0", PING_T, 40, 2, 0, WIRE_DROP_MALFORMED },
};

static const unsigned edit_lengths[][2] = {
	{ HELLO_T, 107 }, { RECORD_T, 149 }, { DIGEST_T, 96 }, { LEAVE_T, 23 }, { PING_T, 52 },
};

static void put_be(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static void test_lying_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(edit_lengths) / sizeof(edit_lengths[0]); i++) {
		struct wire_msg m;
		uint8_t buf[WIRE_MAX_BODY];

		sample_build(&m, edit_lengths[i][0]);
		assert_int_equal(wire_encode(buf, sizeof(buf), &m), (int)edit_lengths[i][1]);
	}
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *e = &edits[i];
		struct wire_msg m, out;
		uint8_t buf[WIRE_MAX_BODY];
		enum wire_drop why = WIRE_DROP__COUNT;
		int n;

		sample_build(&m, e->sample);
		n = encode_ok(&m, buf, sizeof(buf));
		assert_true(e->off + e->width <= (unsigned)n);
		put_be(buf + e->off, e->width, e->value);
		if (strcmp(e->what, "sender 0.0.0.0") == 0)
			put_be(buf + 4, 2, 0);
		if (wire_decode(buf, (size_t)n, &out, &why) != -EBADMSG)
			fail_msg("accepted: %s", e->what);
		if (why != e->why)
			fail_msg("%s: drop %s, want %s", e->what, wire_drop_name(why),
				 wire_drop_name(e->why));
	}
}

/* A v4-mapped address must use family 4: the encoding stays canonical. */
static void test_v6_family_carrying_v4_rejected(void **state)
{
	struct wire_msg m;
	uint8_t buf[WIRE_MAX_BODY], bad[WIRE_MAX_BODY + 12];
	int n;

	(void)state;
	sample_ping(&m, WIRE_PING, SAMPLE_TYPICAL);
	n = encode_ok(&m, buf, sizeof(buf));
	bad[0] = buf[0];
	bad[1] = 6;
	memcpy(bad + 2, m.hdr.sender.b, 16);
	memcpy(bad + 18, buf + 6, (size_t)n - 6);
	assert_rejected(bad, (size_t)n + 12);
	/* The same with a real IPv6 address decodes. */
	bad[2] = 0x20;
	{
		struct wire_msg out;
		enum wire_drop why;

		assert_int_equal(wire_decode(bad, (size_t)n + 12, &out, &why), 0);
	}
}

/*
 * Subnet routes in a record: IPv4 and IPv6 prefixes round-trip; the
 * encoder refuses (and the decoder would refuse) what is not canonical:
 * host bits set, a length beyond the family's, a prefix twice, more than
 * WIRE_MAX_ROUTES, the has bit without routes or routes without it.
 * A default route is well-formed here (refusing it is policy).
 */
static void test_record_routes(void **state)
{
	static const struct {
		const char *what;
		struct prefix route;
		bool ok;
	} cases[] = {
		{ "v4 /24", { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 7, 0 } }, 24 }, true },
		{ "v4 /32", { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 7, 9 } }, 32 }, true },
		{ "v4 default", { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } }, 0 }, true },
		{ "v6 /48", { { { 0xfd, 0, 0, 7, 0, 1 } }, 48 }, true },
		{ "v4 host bits", { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 7, 9 } }, 24 }, false },
		{ "v4 /33", { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 7, 0 } }, 33 }, false },
		{ "v6 host bits", { { { 0xfd, 0, 0, 7, 0, 1, 0, 1 } }, 48 }, false },
		{ "v6 /129", { { { 0xfd } }, 129 }, false },
	};
	struct wire_msg m, out;
	uint8_t buf[WIRE_MAX_BODY];
	enum wire_drop why;
	int n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sample_record(&m, SAMPLE_TYPICAL);
		m.u.record.has |= WIRE_RECORD_HAS_ROUTES;
		m.u.record.n_routes = 1;
		m.u.record.routes[0] = cases[i].route;
		n = wire_encode(buf, sizeof(buf), &m);
		if ((n > 0) != cases[i].ok)
			fail_msg("%s: encode %d", cases[i].what, n);
		if (n <= 0)
			continue;
		assert_int_equal(wire_decode(buf, (size_t)n, &out, &why), 0);
		assert_int_equal(out.u.record.n_routes, 1);
		assert_true(prefix_eq(&out.u.record.routes[0], &cases[i].route));
	}
	/* twice; one too many; has bit without routes; routes without it */
	sample_record(&m, SAMPLE_TYPICAL);
	m.u.record.has |= WIRE_RECORD_HAS_ROUTES;
	m.u.record.n_routes = 2;
	m.u.record.routes[0] = m.u.record.routes[1] = cases[0].route;
	assert_int_equal(wire_encode(buf, sizeof(buf), &m), -EINVAL);
	m.u.record.n_routes = WIRE_MAX_ROUTES + 1;
	assert_int_equal(wire_encode(buf, sizeof(buf), &m), -EINVAL);
	m.u.record.n_routes = 0;
	assert_int_equal(wire_encode(buf, sizeof(buf), &m), -EINVAL);
	m.u.record.has &= ~WIRE_RECORD_HAS_ROUTES;
	m.u.record.n_routes = 1;
	assert_int_equal(wire_encode(buf, sizeof(buf), &m), -EINVAL);
	/* a count beyond the limit on the wire is refused by the decoder */
	m.u.record.has |= WIRE_RECORD_HAS_ROUTES;
	n = encode_ok(&m, buf, sizeof(buf));
	{
		int at = -1;
		for (int off = 0; off + 6 < n && at < 0; off++)
			if (buf[off] == 1 && buf[off + 1] == 4 /* v4 */ &&
			    memcmp(&buf[off + 2], &cases[0].route.addr.b[12], 4) == 0)
				at = off;
		assert_true(at > 0);
		buf[at] = WIRE_MAX_ROUTES + 1;
		assert_int_equal(wire_decode(buf, (size_t)n, &out, &why), -EBADMSG);
	}
}

/* 33 */
/* Struct-level mistakes the encoder must refuse (-EINVAL). */
static void break_name_unterminated(struct wire_msg *m) { memset(m->u.hello.name, 'a', sizeof(m->u.hello.name)); }
static void break_name_empty(struct wire_msg *m) { m->u.hello.name[0] = 0; }
static void break_name_control(struct wire_msg *m) { m->u.hello.name[1] = '\n'; }
static void break_hello_has(struct wire_msg *m) { m->u.hello.has |= 0x100; }
static void break_hello_flags(struct wire_msg *m) { m->u.hello.flags = 0x10000; }
static void break_hello_port(struct wire_msg *m) { m->u.hello.admin_port = 0; }
static void break_hello_observed(struct wire_msg *m) { m->u.hello.observed.port = 0; }
static void break_hello_to(struct wire_msg *m) { m->u.hello.to.port = 0; }
static void break_hello_no_to(struct wire_msg *m) { m->u.hello.has &= ~WIRE_HELLO_HAS_TO; }
static void break_hello_lan_to(struct wire_msg *m) { m->u.hello.has |= WIRE_HELLO_LAN; }
static void break_hello_peer_boot(struct wire_msg *m) { m->u.hello.has |= WIRE_HELLO_HAS_PEER_BOOT; }
static void break_type0(struct wire_msg *m) { m->hdr.type = 0; }
static void break_type9(struct wire_msg *m) { m->hdr.type = WIRE_TYPE_MAX + 1; }
static void break_sender(struct wire_msg *m) { memset(&m->hdr.sender, 0, sizeof(m->hdr.sender)); }
static void break_boot(struct wire_msg *m) { m->hdr.boot = 0; }
static void break_counter(struct wire_msg *m) { m->hdr.counter = 0; }
static void break_rec_nlocal(struct wire_msg *m) { m->u.record.n_local = WIRE_MAX_LOCAL_ADDRS + 1; }
static void break_rec_local_dup(struct wire_msg *m) { m->u.record.local[1] = m->u.record.local[0]; }
static void break_rec_nneigh(struct wire_msg *m) { m->u.record.n_neighbours = WIRE_NEIGH_PER_PART + 1; }
static void break_rec_total(struct wire_msg *m) { m->u.record.total_neighbours = WIRE_MAX_NEIGHBOURS + 1; }
static void break_rec_parts(struct wire_msg *m) { m->u.record.parts = 2; }
static void break_rec_part(struct wire_msg *m) { m->u.record.part = 1; }
static void break_rec_cost(struct wire_msg *m) { m->u.record.neighbours[2].cost = 0; }
static void break_rec_kind(struct wire_msg *m) { m->u.record.neighbours[0].kind = 0; }
static void break_rec_kind4(struct wire_msg *m) { m->u.record.neighbours[0].kind = 4; }
static void break_rec_self(struct wire_msg *m) { m->u.record.neighbours[1].id = m->u.record.id; }
static void break_rec_boot(struct wire_msg *m) { m->u.record.boot = 0; }
static void break_rec_id(struct wire_msg *m) { memset(&m->u.record.id, 0, sizeof(struct addr)); }
static void break_digest_n(struct wire_msg *m) { m->u.digest.n = WIRE_DIGEST_MAX + 1; }
static void break_digest_boot(struct wire_msg *m) { m->u.digest.entries[0].boot = 0; }
static void break_leave(struct wire_msg *m) { m->u.leave.reason = 2; }

static const struct {
	const char *what;
	unsigned sample;
	void (*edit)(struct wire_msg *);
} bad_structs[] = {
	{ "name unterminated", HELLO_T, break_name_unterminated },
	{ "name empty", HELLO_T, break_name_empty },
	{ "name control", HELLO_T, break_name_control },
	{ "hello has", HELLO_T, break_hello_has },
	{ "hello flags", HELLO_T, break_hello_flags },
	{ "hello port", HELLO_T, break_hello_port },
	{ "hello observed", HELLO_T, break_hello_observed },
	{ "hello to port", HELLO_T, break_hello_to },
	{ "hello without to", HELLO_T, break_hello_no_to },
	{ "hello lan with to", HELLO_T, break_hello_lan_to },
	{ "hello peer boot 0", HELLO_T, break_hello_peer_boot },
	{ "type 0", PING_T, break_type0 },
	{ "type 9", PING_T, break_type9 },
	{ "sender zero", PING_T, break_sender },
	{ "boot zero", PING_T, break_boot },
	{ "counter zero", PING_T, break_counter },
	{ "n_local", RECORD_T, break_rec_nlocal },
	{ "local dup", RECORD_T, break_rec_local_dup },
	{ "n_neighbours", RECORD_T, break_rec_nneigh },
	{ "total", RECORD_T, break_rec_total },
	{ "parts", RECORD_T, break_rec_parts },
	{ "part", RECORD_T, break_rec_part },
	{ "cost", RECORD_T, break_rec_cost },
	{ "kind 0", RECORD_T, break_rec_kind },
	{ "kind 4", RECORD_T, break_rec_kind4 },
	{ "self edge", RECORD_T, break_rec_self },
	{ "record boot", RECORD_T, break_rec_boot },
	{ "record id", RECORD_T, break_rec_id },
	{ "digest n", DIGEST_T, break_digest_n },
	{ "digest boot", DIGEST_T, break_digest_boot },
	{ "leave reason", LEAVE_T, break_leave },
};

static void test_encode_refuses_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_structs) / sizeof(bad_structs[0]); i++) {
		struct wire_msg m;
		uint8_t buf[WIRE_MAX_BODY];

		sample_build(&m, bad_structs[i].sample);
		bad_structs[i].edit(&m);
		if (wire_encode(buf, sizeof(buf), &m) != -EINVAL)
			fail_msg("encoded: %s", bad_structs[i].what);
	}
}

static void test_name_valid(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "a", true }, { "charlie", true }, { "node-1.example_x", true },
		{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", true },	/* 32 */
		{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false },	/* 33 */
		{ "", false }, { "a b", false }, { "tab\t", false }, { "\x7f", false },
		{ "caf\xc3\xa9", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wire_name_valid(cases[i].name) != cases[i].ok)
			fail_msg("wire_name_valid(\"%s\") != %d", cases[i].name, cases[i].ok);
}

static void test_record_parts(void **state)
{
	static const struct { uint16_t total; unsigned parts; } counts[] = {
		{ 0, 1 }, { 1, 1 }, { 23, 1 }, { 24, 1 }, { 25, 2 }, { 48, 2 }, { 49, 3 },
		{ 1007, 42 }, { 1008, 42 }, { 1009, 43 }, { 1024, 43 },
	};
	static struct wire_neighbour all[WIRE_MAX_NEIGHBOURS];
	static const uint16_t totals[] = { 0, 1, 24, 25, 100, WIRE_MAX_NEIGHBOURS };
	struct wire_msg fixed;

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		assert_int_equal(wire_record_part_count(counts[i].total), counts[i].parts);
	assert_int_equal(WIRE_MAX_PARTS, wire_record_part_count(WIRE_MAX_NEIGHBOURS));

	for (unsigned i = 0; i < WIRE_MAX_NEIGHBOURS; i++) {
		all[i].id = sample_v6((uint16_t)(i >> 8), (uint16_t)(i + 1));
		all[i].kind = (uint8_t)(1 + i % 3);
		all[i].cost = (uint16_t)(1 + i);
	}
	sample_record(&fixed, SAMPLE_MAX);
	for (size_t t = 0; t < sizeof(totals) / sizeof(totals[0]); t++) {
		unsigned parts = wire_record_part_count(totals[t]), seen = 0;

		for (unsigned p = 0; p < parts; p++) {
			struct wire_msg part, out;
			uint8_t buf[WIRE_MAX_BODY];
			enum wire_drop why;
			int n;

			part.hdr = fixed.hdr;
			wire_record_part_fill(&part.u.record, &fixed.u.record, all, totals[t], p);
			n = encode_ok(&part, buf, sizeof(buf));
			assert_true((size_t)n <= WIRE_MAX_BODY);
			assert_int_equal(wire_decode(buf, (size_t)n, &out, &why), 0);
			assert_int_equal(out.u.record.part, p);
			assert_int_equal(out.u.record.parts, parts);
			assert_memory_equal(out.u.record.neighbours, all + seen,
					    out.u.record.n_neighbours * sizeof(all[0]));
			seen += out.u.record.n_neighbours;
		}
		assert_int_equal(seen, totals[t]);
	}
}

static void test_digest_hash(void **state)
{
	struct wire_digest_entry e[3];
	uint64_t a = 0, b = 0, c;

	(void)state;
	memset(e, 0, sizeof(e));
	for (int i = 0; i < 3; i++) {
		e[i].id = sample_v4(10, 1, 1, (uint8_t)(i + 1));
		e[i].boot = 5;
		e[i].seq = (uint64_t)i;
	}
	for (int i = 0; i < 3; i++)
		a = wire_digest_hash_add(a, &e[i]);
	for (int i = 2; i >= 0; i--)
		b = wire_digest_hash_add(b, &e[i]);
	assert_true(a == b);
	e[1].seq++;
	c = 0;
	for (int i = 0; i < 3; i++)
		c = wire_digest_hash_add(c, &e[i]);
	assert_true(a != c);
	/* A record listed twice does not cancel out. */
	assert_true(wire_digest_hash_add(wire_digest_hash_add(0, &e[0]), &e[0]) != 0);
}

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < WIRE_DROP__COUNT; i++) {
		const char *n = wire_drop_name((enum wire_drop)i);

		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, wire_drop_name((enum wire_drop)j));
	}
	assert_string_equal(wire_drop_name(WIRE_DROP__COUNT), "unknown");
	assert_string_equal(wire_drop_name((enum wire_drop)1000), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_max_sizes_fit_packet),
		cmocka_unit_test(test_truncation_and_trailing),
		cmocka_unit_test(test_encode_nospace),
		cmocka_unit_test(test_lying_fields),
		cmocka_unit_test(test_v6_family_carrying_v4_rejected),
		cmocka_unit_test(test_encode_refuses_invalid),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_record_routes),
		cmocka_unit_test(test_record_parts),
		cmocka_unit_test(test_digest_hash),
		cmocka_unit_test(test_drop_names),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
