/*
 * Tests for src/core/reasm.c: link-state records that arrive in parts.
 * Parts are cut by wire_record_part_fill, as flood.c sends them (and as
 * wire_decode lets them through: every part valid on its own); the tests
 * vary their order, loss, contradictions, versions, the slot limit and time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/reasm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct addr ip(uint8_t c, uint8_t d)
{
	uint8_t v4[4] = { 10, 99, c, d };
	struct addr a;

	addr_from_v4(&a, v4);
	return a;
}

/* A record of node 10.99.1.ID with `total` neighbours, cut into parts. */
struct rec {
	struct wire_record fixed;
	struct wire_neighbour all[WIRE_MAX_NEIGHBOURS];
	uint16_t total;
	unsigned parts;
};

static void rec_init(struct rec *r, uint8_t id, uint64_t boot, uint64_t seq, uint16_t total)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->fixed.name, sizeof(r->fixed.name), "node%u", id);
	r->fixed.id = ip(1, id);
	r->fixed.boot = boot;
	r->fixed.seq = seq;
	memset(r->fixed.pubkey, id, WIRE_KEY_LEN);
	r->fixed.wg_port = 51820;
	r->fixed.admin_port = 50001;
	r->fixed.n_local = 1;
	r->fixed.local[0] = ip(200, id);
	r->fixed.has = WIRE_RECORD_HAS_REFLEXIVE;
	r->fixed.reflexive.addr = ip(201, id);
	r->fixed.reflexive.port = 40000;
	r->total = total;
	for (unsigned i = 0; i < total; i++)
		r->all[i] = (struct wire_neighbour){ ip((uint8_t)(2 + i / 250), (uint8_t)(1 + i % 250)),
						     WIRE_PATH_DIRECT, (uint16_t)(1 + i) };
	r->parts = wire_record_part_count(total);
}

static struct wire_record part(const struct rec *r, unsigned idx)
{
	struct wire_record p;

	wire_record_part_fill(&p, &r->fixed, r->all, r->total, idx);
	return p;
}

/* The completed record is the one cut: fixed fields and every neighbour. */
static void check_done(const struct rec *r, const struct lsdb_record *out)
{
	assert_true(addr_eq(&out->id, &r->fixed.id));
	assert_string_equal(out->name, r->fixed.name);
	assert_true(out->boot == r->fixed.boot);
	assert_true(out->seq == r->fixed.seq);
	assert_memory_equal(out->pubkey, r->fixed.pubkey, WIRE_KEY_LEN);
	assert_int_equal(out->wg_port, r->fixed.wg_port);
	assert_int_equal(out->admin_port, r->fixed.admin_port);
	assert_int_equal(out->n_local, r->fixed.n_local);
	assert_true(addr_eq(&out->local[0], &r->fixed.local[0]));
	assert_int_equal(out->has_reflexive, (r->fixed.has & WIRE_RECORD_HAS_REFLEXIVE) != 0);
	assert_true(endpoint_eq(&out->reflexive, &r->fixed.reflexive));
	assert_int_equal(out->n_neigh, r->total);
	if (r->total)
		assert_memory_equal(out->neigh, r->all, r->total * sizeof(r->all[0]));
}

static unsigned slots_used(const struct reasm *ra)
{
	unsigned n = 0;

	for (unsigned i = 0; i < REASM_SLOTS; i++)
		n += ra->slot[i].used;
	return n;
}

#define END 255

/*
 * One record of 70 neighbours (3 parts: 28, 28, 14) or 1024 (37 parts),
 * its parts fed in the order given: the record is complete exactly at the
 * step marked, never before, and the slot is free again afterwards.
 */
static void test_orders(void **state)
{
	static const struct {
		const char *what;
		uint16_t total;
		uint8_t order[8];	/* part numbers, END-terminated */
		int done_at;		/* the step that completes it; -1: never */
	} cases[] = {
		{ "in order", 70, { 0, 1, 2, END }, 2 },
		{ "last first", 70, { 2, 0, 1, END }, 2 },
		{ "middle first", 70, { 1, 2, 0, END }, 2 },
		{ "a duplicate part counts once", 70, { 0, 0, 1, 1, 2, END }, 4 },
		{ "a part missing", 70, { 0, 2, 2, END }, -1 },
		{ "exactly two parts' worth", 2 * WIRE_NEIGH_PER_PART, { 1, 0, END }, 1 },
		{ "the largest record", 1024, { END }, WIRE_MAX_PARTS - 1 }, /* all, backwards */
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		static struct rec r;
		struct reasm ra;
		uint8_t order[WIRE_MAX_PARTS];
		size_t n = 0;

		rec_init(&r, 1, 5, 9, cases[c].total);
		reasm_init(&ra);
		for (; n < ARRAY_SIZE(cases[c].order) && cases[c].order[n] != END; n++)
			order[n] = cases[c].order[n];
		if (n == 0)
			for (; n < r.parts; n++)
				order[n] = (uint8_t)(r.parts - 1 - n);
		for (size_t k = 0; k < n; k++) {
			struct wire_record p = part(&r, order[k]);
			struct lsdb_record out;
			int ret = reasm_add(&ra, &p, 1000 + k, &out);

			if (ret != ((int)k == cases[c].done_at))
				fail_msg("%s: step %zu (part %u): %d", cases[c].what, k, order[k], ret);
			if (ret == 1) {
				check_done(&r, &out);
				assert_int_equal(slots_used(&ra), 0);
			} else {
				assert_int_equal(slots_used(&ra), 1);
			}
		}
		reasm_free(&ra);
	}
}

/* A record of one part is complete at once and takes no slot. */
static void test_single_part(void **state)
{
	static const uint16_t totals[] = { 0, 1, WIRE_NEIGH_PER_PART - 1, WIRE_NEIGH_PER_PART };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(totals); i++) {
		static struct rec r, other;
		struct reasm ra;
		struct lsdb_record out;
		struct wire_record p;

		reasm_init(&ra);
		/* another record in flight is left alone */
		rec_init(&other, 2, 1, 1, 40);
		p = part(&other, 0);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 0);
		rec_init(&r, 1, 5, 9, totals[i]);
		assert_int_equal(r.parts, 1);
		p = part(&r, 0);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 1);
		check_done(&r, &out);
		assert_int_equal(slots_used(&ra), 1);
		p = part(&other, 1);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 1);
		check_done(&other, &out);
		reasm_free(&ra);
	}
}

/*
 * A part that contradicts the slot (same node and version, other fixed
 * fields) discards the slot: -EBADMSG, and the parts had before count
 * for nothing; the record completes only from a fresh, consistent set.
 */
static void test_inconsistent(void **state)
{
	static const char *const what[] = {
		"name", "key", "wg port", "admin port", "flags", "local count", "local address",
		"reflexive flag", "reflexive endpoint", "neighbour count",
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(what); c++) {
		static struct rec r, bad;
		struct reasm ra;
		struct lsdb_record out;
		struct wire_record p;

		rec_init(&r, 1, 5, 9, 70);
		bad = r;
		switch (c) {
		case 0: bad.fixed.name[0] = 'x'; break;
		case 1: bad.fixed.pubkey[5] ^= 1; break;
		case 2: bad.fixed.wg_port++; break;
		case 3: bad.fixed.admin_port++; break;
		case 4: bad.fixed.flags = WIRE_NODE_NO_TRANSIT; break;
		case 5: bad.fixed.n_local = 2; bad.fixed.local[1] = ip(200, 99); break;
		case 6: bad.fixed.local[0] = ip(200, 99); break;
		case 7: bad.fixed.has = 0; break;
		case 8: bad.fixed.reflexive.port++; break;
		case 9: bad.total = 90; bad.parts = 3; break; /* still 3 parts, other slices */
		}
		reasm_init(&ra);
		p = part(&r, 0);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 0);
		p = part(&r, 1);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 0);
		p = part(&bad, 2);
		if (reasm_add(&ra, &p, 0, &out) != -EBADMSG)
			fail_msg("a part with another %s was taken", what[c]);
		assert_int_equal(slots_used(&ra), 0);
		/* the good last part now starts over: not complete */
		p = part(&r, 2);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 0);
		p = part(&r, 0);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 0);
		p = part(&r, 1);
		assert_int_equal(reasm_add(&ra, &p, 0, &out), 1);
		check_done(&r, &out);
		reasm_free(&ra);
	}
}

/*
 * Versions: parts of a newer version replace a slot holding an older one
 * (the older parts are dropped); parts of an older version while a newer
 * one is in flight are ignored.
 *
 *   seq 1: part 0          slot: seq 1 {0}
 *   seq 2: part 1          slot: seq 2 {1}     (seq 1's part 0 is gone)
 *   seq 1: parts 1, 2      ignored
 *   seq 2: parts 0, 2      complete: seq 2
 */
static void test_versions(void **state)
{
	static struct rec v1, v2, b2;
	struct reasm ra;
	struct lsdb_record out;
	struct wire_record p;

	(void)state;
	rec_init(&v1, 1, 5, 1, 70);
	rec_init(&v2, 1, 5, 2, 70);
	v2.all[3].cost = 77;	/* the newer version says something else */
	reasm_init(&ra);
	p = part(&v1, 0);
	assert_int_equal(reasm_add(&ra, &p, 10, &out), 0);
	p = part(&v2, 1);
	assert_int_equal(reasm_add(&ra, &p, 20, &out), 0);
	assert_int_equal(slots_used(&ra), 1);
	p = part(&v1, 1);
	assert_int_equal(reasm_add(&ra, &p, 30, &out), 0);
	p = part(&v1, 2);
	assert_int_equal(reasm_add(&ra, &p, 40, &out), 0);
	assert_int_equal(slots_used(&ra), 1);
	p = part(&v2, 0);
	assert_int_equal(reasm_add(&ra, &p, 50, &out), 0);
	p = part(&v2, 2);
	assert_int_equal(reasm_add(&ra, &p, 60, &out), 1);
	check_done(&v2, &out);
	assert_int_equal(out.neigh[3].cost, 77);

	/* a new boot is newer whatever its seq */
	rec_init(&b2, 1, 6, 1, 70);
	p = part(&v2, 0);
	assert_int_equal(reasm_add(&ra, &p, 70, &out), 0);
	for (unsigned i = 0; i < 3; i++) {
		p = part(&b2, i);
		assert_int_equal(reasm_add(&ra, &p, 80, &out), i == 2);
	}
	check_done(&b2, &out);
	assert_int_equal(slots_used(&ra), 0);
	reasm_free(&ra);
}

/*
 * At most REASM_SLOTS records in flight: a new one evicts the slot touched
 * longest ago, and only that one.
 *
 *   ids 1..8 part 0 at times 100..800, then id 3 touched again (900);
 *   id 9 arrives: id 1 goes; id 10: id 2 goes (id 3 was touched since).
 */
static void test_slots(void **state)
{
	static struct rec r[11];
	struct reasm ra;
	struct lsdb_record out;
	struct wire_record p;

	(void)state;
	assert_int_equal(REASM_SLOTS, 8);
	reasm_init(&ra);
	for (uint8_t id = 1; id <= 10; id++)
		rec_init(&r[id], id, 1, 1, 70);
	for (uint8_t id = 1; id <= 8; id++) {
		p = part(&r[id], 0);
		assert_int_equal(reasm_add(&ra, &p, 100u * id, &out), 0);
	}
	assert_int_equal(slots_used(&ra), 8);
	p = part(&r[3], 1);
	assert_int_equal(reasm_add(&ra, &p, 900, &out), 0);
	p = part(&r[9], 0);
	assert_int_equal(reasm_add(&ra, &p, 1000, &out), 0);
	p = part(&r[10], 0);
	assert_int_equal(reasm_add(&ra, &p, 1100, &out), 0);
	assert_int_equal(slots_used(&ra), 8);
	/* ids 3..10 complete with their remaining parts (freeing a slot each) */
	for (uint8_t id = 3; id <= 10; id++) {
		for (unsigned i = id == 3 ? 2 : 1; i < 3; i++) {
			p = part(&r[id], i);
			if (reasm_add(&ra, &p, 1200, &out) != (i == 2))
				fail_msg("id %u part %u", id, i);
		}
		check_done(&r[id], &out);
	}
	assert_int_equal(slots_used(&ra), 0);
	/* ids 1 and 2 lost their part 0 */
	for (uint8_t id = 1; id <= 2; id++)
		for (unsigned i = 1; i < 3; i++) {
			p = part(&r[id], i);
			assert_int_equal(reasm_add(&ra, &p, 1300, &out), 0);
		}
	reasm_free(&ra);
}

/*
 * A slot untouched for REASM_TIMEOUT_MS is dropped; every part touches it.
 *
 *   part 0 at t, part 1 at t + 4000: at t + 8999 it is kept (4999 ms
 *   untouched) and part 2 completes it; at t + 9000 it would be gone.
 */
static void test_expiry(void **state)
{
	static const struct {
		uint64_t expire_at;	/* after part 1 at 4000 */
		bool kept;
	} cases[] = {
		{ 4000, true },
		{ 4000 + REASM_TIMEOUT_MS - 1, true },
		{ 4000 + REASM_TIMEOUT_MS, false },
		{ 4000 + 10 * REASM_TIMEOUT_MS, false },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		static struct rec r;
		struct reasm ra;
		struct lsdb_record out;
		struct wire_record p;
		const uint64_t t = 1000000;

		rec_init(&r, 1, 5, 9, 70);
		reasm_init(&ra);
		p = part(&r, 0);
		assert_int_equal(reasm_add(&ra, &p, t, &out), 0);
		p = part(&r, 1);
		assert_int_equal(reasm_add(&ra, &p, t + 4000, &out), 0);
		reasm_expire(&ra, t + cases[c].expire_at);
		assert_int_equal(slots_used(&ra), cases[c].kept);
		p = part(&r, 2);
		if (reasm_add(&ra, &p, t + cases[c].expire_at, &out) != cases[c].kept)
			fail_msg("case %zu: expiry at +%llu", c,
				 (unsigned long long)cases[c].expire_at);
		if (cases[c].kept)
			check_done(&r, &out);
		reasm_free(&ra);
	}
}

/* The fixed fields of a wire record as a stored record (no neighbours). */
static void test_fixed_to_record(void **state)
{
	static struct rec r;
	struct lsdb_record out;

	(void)state;
	rec_init(&r, 4, 3, 2, 0);
	memset(&out, 0x5a, sizeof(out));
	reasm_fixed_to_record(&r.fixed, &out);
	assert_int_equal(out.n_neigh, 0);
	assert_null(out.neigh);
	assert_false(out.route.reachable);
	r.total = 0;
	check_done(&r, &out);
	r.fixed.has = 0;
	reasm_fixed_to_record(&r.fixed, &out);
	assert_false(out.has_reflexive);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_fixed_to_record),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
