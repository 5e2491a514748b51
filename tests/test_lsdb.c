/*
 * Tests for src/core/lsdb.c: the (boot, seq) order, storing only newer
 * versions, tombstones (their hold-down, expiry, cap and forgetting), the
 * order-independent summary hash, content comparison and the change
 * description of the debug log. Times are plain numbers (the core's ms).
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

#include "core/lsdb.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXU UINT64_MAX

static struct addr ip(uint8_t c, uint8_t d)
{
	uint8_t v4[4] = { 10, 99, c, d };
	struct addr a;

	addr_from_v4(&a, v4);
	return a;
}

static bool wanted(const struct lsdb *db, uint8_t c, uint8_t d, uint64_t boot, uint64_t seq,
		   uint64_t now)
{
	struct addr a = ip(c, d);

	return lsdb_wants(db, &a, boot, seq, now);
}

/* A record of node 10.99.0.LAST (name "nLAST"), no neighbours. */
static struct lsdb_record rec(uint8_t last, uint64_t boot, uint64_t seq)
{
	struct lsdb_record r;

	memset(&r, 0, sizeof(r));
	r.id = ip(0, last);
	snprintf(r.name, sizeof(r.name), "n%u", last);
	r.boot = boot;
	r.seq = seq;
	memset(r.pubkey, last, sizeof(r.pubkey));
	r.wg_port = 51820;
	r.admin_port = 50001;
	return r;
}

/* ---- order ---- */

static void test_order(void **state)
{
	static const struct {
		uint64_t b1, s1, b2, s2;
		int want;
	} cases[] = {
		{ 1, 1, 1, 1, 0 },
		{ 1, 2, 1, 1, 1 },
		{ 1, 1, 1, 2, -1 },
		/* the boot decides before the seq: a new start with seq 1 is newer */
		{ 2, 1, 1, 1000, 1 },
		{ 1, 1000, 2, 1, -1 },
		{ 0, 0, 0, 0, 0 },
		{ MAXU, 0, MAXU - 1, MAXU, 1 },
		{ MAXU, MAXU, MAXU, MAXU, 0 },
		{ MAXU, MAXU - 1, MAXU, MAXU, -1 },
		/* no wrap-around arithmetic: 0 is older than anything */
		{ 0, 1, MAXU, 0, -1 },
		{ 5, 0, 5, MAXU, -1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int o = lsdb_order(cases[i].b1, cases[i].s1, cases[i].b2, cases[i].s2);
		if (o != cases[i].want)
			fail_msg("case %zu: order %d, want %d", i, o, cases[i].want);
		/* antisymmetric */
		assert_int_equal(lsdb_order(cases[i].b2, cases[i].s2, cases[i].b1, cases[i].s1), -o);
	}
}

/* ---- storing versions ---- */

/*
 * One node's versions arrive in turn; each is stored only if newer than
 * the one held. `held` is the (boot, seq) held afterwards.
 */
static void test_put_versions(void **state)
{
	static const struct {
		uint64_t boot, seq;
		int put;		/* lsdb_put's result */
		uint64_t held_boot, held_seq;
	} steps[] = {
		{ 5, 1, 1, 5, 1 },	/* the first */
		{ 5, 1, 0, 5, 1 },	/* the same again */
		{ 5, 3, 1, 5, 3 },	/* newer seq */
		{ 5, 2, 0, 5, 3 },	/* older seq */
		{ 4, 99, 0, 5, 3 },	/* older boot, larger seq */
		{ 6, 1, 1, 6, 1 },	/* newer boot, smaller seq */
		{ 6, 1, 0, 6, 1 },
		{ MAXU, MAXU, 1, MAXU, MAXU },
		{ MAXU, MAXU, 0, MAXU, MAXU },
	};
	struct lsdb db;
	uint64_t now = 1000;

	(void)state;
	lsdb_init(&db);
	assert_null(lsdb_get(&db, &(struct addr){ { 0 } }));
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct lsdb_record r = rec(7, steps[i].boot, steps[i].seq);
		const struct lsdb_record *have;
		bool wanted = lsdb_wants(&db, &r.id, r.boot, r.seq, now);

		/* wants says beforehand what put will do */
		assert_int_equal(wanted, steps[i].put == 1);
		assert_int_equal(lsdb_put(&db, &r, now), steps[i].put);
		have = lsdb_get(&db, &r.id);
		assert_non_null(have);
		if (have->boot != steps[i].held_boot || have->seq != steps[i].held_seq)
			fail_msg("step %zu: holds (%llu, %llu)", i, (unsigned long long)have->boot,
				 (unsigned long long)have->seq);
		assert_int_equal(lsdb_count(&db), 1);
		assert_int_equal(lsdb_held_boot(&db, &r.id, now), steps[i].held_boot);
		if (steps[i].put == 1)
			assert_true(have->stored_at == now);
		now += 10;
	}
	lsdb_free(&db);
}

/*
 * What put keeps: a copy of the neighbours (the caller's array may go),
 * the time it was stored, and the route state across updates; a new node's
 * route counts from when it was stored.
 */
static void test_put_copies(void **state)
{
	struct lsdb db;
	struct wire_neighbour n[3] = {
		{ ip(0, 2), WIRE_PATH_DIRECT, 10 }, { ip(0, 3), WIRE_PATH_LAN, 1 },
		{ ip(0, 4), WIRE_PATH_NAT, 20 },
	};
	struct lsdb_record r = rec(1, 1, 1), *have;

	(void)state;
	lsdb_init(&db);
	r.n_neigh = 3;
	r.neigh = n;
	assert_int_equal(lsdb_put(&db, &r, 500), 1);
	n[0].cost = 99; /* the caller's array changes: the stored copy does not */
	have = lsdb_get(&db, &r.id);
	assert_ptr_not_equal(have->neigh, n);
	assert_int_equal(have->n_neigh, 3);
	assert_int_equal(have->neigh[0].cost, 10);
	assert_true(addr_eq(&have->neigh[2].id, &n[2].id));
	assert_false(have->route.reachable);
	assert_true(have->route.since == 500);

	/* the route computation marks it; a new version keeps that */
	have->route.reachable = true;
	have->route.first_hop = ip(0, 2);
	have->route.dist = 30;
	have->route.since = 600;
	r.seq = 2;
	r.n_neigh = 1;
	assert_int_equal(lsdb_put(&db, &r, 700), 1);
	have = lsdb_get(&db, &r.id);
	assert_int_equal(have->n_neigh, 1);
	assert_int_equal(have->neigh[0].cost, 99);
	assert_true(have->route.reachable);
	assert_true(addr_eq(&have->route.first_hop, &n[0].id));
	assert_int_equal(have->route.dist, 30);
	assert_true(have->route.since == 600);
	assert_true(have->stored_at == 700);

	/* no neighbours at all: nothing to copy */
	r.seq = 3;
	r.n_neigh = 0;
	r.neigh = NULL;
	assert_int_equal(lsdb_put(&db, &r, 800), 1);
	assert_int_equal(lsdb_get(&db, &r.id)->n_neigh, 0);
	lsdb_free(&db);
}

/* Records sit in id order: lsdb_at and lsdb_index agree with it. */
static void test_table_order(void **state)
{
	static const uint8_t ids[] = { 9, 3, 200, 1, 50 };
	static const uint8_t sorted[] = { 1, 3, 9, 50, 200 };
	struct lsdb db;

	(void)state;
	lsdb_init(&db);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct lsdb_record r = rec(ids[i], 1, 1);
		assert_int_equal(lsdb_put(&db, &r, 0), 1);
	}
	assert_int_equal(lsdb_count(&db), ARRAY_SIZE(ids));
	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++) {
		struct addr a = ip(0, sorted[i]);
		assert_true(addr_eq(&lsdb_at(&db, i)->id, &a));
		assert_int_equal(lsdb_index(&db, &a), (long)i);
	}
	assert_null(lsdb_at(&db, ARRAY_SIZE(ids)));
	assert_int_equal(lsdb_index(&db, &(struct addr){ { 0 } }), -1);
	lsdb_free(&db);
}

/* ---- tombstones ---- */

/*
 * A dropped record leaves a tombstone until now + keep: the version it
 * held, and anything older, is refused; a newer one is stored. After the
 * tombstone expires any version is welcome again.
 */
static void test_tombstone(void **state)
{
	static const struct {
		uint64_t boot, seq;
		bool wanted;
	} during[] = {
		{ 5, 7, false },	/* the dropped version, brought back by a neighbour */
		{ 5, 6, false },
		{ 4, 100, false },
		{ 5, 8, true },
		{ 6, 1, true },
	};
	struct lsdb db;
	struct lsdb_record r = rec(3, 5, 7);
	struct addr id = r.id;

	(void)state;
	lsdb_init(&db);
	assert_int_equal(lsdb_put(&db, &r, 1000), 1);
	lsdb_drop(&db, &id, 2000, 600);
	assert_null(lsdb_get(&db, &id));
	assert_int_equal(lsdb_count(&db), 0);
	assert_int_equal(db.n_tombs, 1);
	/* the held boot comes from the tombstone while it lasts */
	assert_true(lsdb_held_boot(&db, &id, 2000) == 5);
	assert_true(lsdb_held_boot(&db, &id, 2599) == 5);
	assert_true(lsdb_held_boot(&db, &id, 2600) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(during); i++) {
		assert_int_equal(lsdb_wants(&db, &id, during[i].boot, during[i].seq, 2599),
				 during[i].wanted);
		/* until is exclusive: at 2600 it is gone */
		assert_true(lsdb_wants(&db, &id, during[i].boot, during[i].seq, 2600));
	}
	r = rec(3, 5, 7);
	assert_int_equal(lsdb_put(&db, &r, 2500), 0);
	assert_null(lsdb_get(&db, &id));

	/* expiry forgets it */
	lsdb_expire(&db, 2599);
	assert_int_equal(db.n_tombs, 1);
	lsdb_expire(&db, 2600);
	assert_int_equal(db.n_tombs, 0);
	assert_int_equal(lsdb_put(&db, &r, 2700), 1);

	/* dropping what is not there changes nothing */
	lsdb_drop(&db, &(struct addr){ { 0 } }, 2800, 600);
	assert_int_equal(db.n_tombs, 0);
	assert_int_equal(lsdb_count(&db), 1);
	lsdb_free(&db);
}

/*
 * A newer version stored over a live tombstone: the held boot is the
 * newer of the two; dropping it again replaces the tombstone (one per
 * node), and forgetting it lets an older start back in (a node that
 * proved itself alive since).
 */
static void test_tombstone_forget(void **state)
{
	struct lsdb db;
	struct lsdb_record r = rec(3, 5, 7);
	struct addr id = r.id;

	(void)state;
	lsdb_init(&db);
	assert_int_equal(lsdb_put(&db, &r, 0), 1);
	lsdb_drop(&db, &id, 100, 1000);
	r = rec(3, 9, 1);
	assert_int_equal(lsdb_put(&db, &r, 200), 1);
	assert_true(lsdb_held_boot(&db, &id, 200) == 9);
	lsdb_drop(&db, &id, 300, 1000);
	assert_int_equal(db.n_tombs, 1);
	assert_false(lsdb_wants(&db, &id, 9, 1, 400));
	assert_true(lsdb_held_boot(&db, &id, 400) == 9);
	/* the tombstone outlives the first one's time: it is the second's */
	assert_false(lsdb_wants(&db, &id, 9, 1, 1200));

	lsdb_forget_tomb(&db, &id);
	assert_int_equal(db.n_tombs, 0);
	assert_true(lsdb_wants(&db, &id, 2, 1, 400));
	assert_true(lsdb_held_boot(&db, &id, 400) == 0);
	lsdb_forget_tomb(&db, &id); /* nothing there: fine */
	lsdb_free(&db);
}

/*
 * The tombstones are bounded: at max_tombs the one that would expire
 * first goes. Expired ones are cleared first, so they make room without
 * pushing out a live one.
 *
 *   max 3:  drop n1 (until 1100)  n2 (1300)  n3 (1200)  n4 -> n1 evicted
 *                                                       n5 -> n3 evicted
 *   at 1350 n6: n2 has expired, n4 and n5 stay;  at 1600 n7: only n6 stays
 */
static void test_tombstone_cap(void **state)
{
	static const struct {
		uint8_t id;
		uint64_t now, keep;
	} drops[] = {
		{ 1, 100, 1000 }, { 2, 300, 1000 }, { 3, 200, 1000 }, { 4, 400, 1000 },
		{ 5, 500, 1000 },
	};
	static const bool held_after[] = { false, true, false, true, true }; /* n1..n5 */
	struct lsdb db;

	(void)state;
	lsdb_init(&db);
	db.max_tombs = 3;
	for (size_t i = 0; i < ARRAY_SIZE(drops); i++) {
		struct lsdb_record r = rec(drops[i].id, 1, 1);
		assert_int_equal(lsdb_put(&db, &r, 0), 1);
		lsdb_drop(&db, &r.id, drops[i].now, drops[i].keep);
		assert_true(db.n_tombs <= 3);
	}
	assert_int_equal(db.n_tombs, 3);
	for (size_t i = 0; i < ARRAY_SIZE(held_after); i++) {
		struct addr id = ip(0, (uint8_t)(i + 1));
		if (lsdb_wants(&db, &id, 1, 1, 600) == held_after[i])
			fail_msg("n%zu: tombstone %s", i + 1, held_after[i] ? "lost" : "kept");
	}

	/* n2's has expired by 1300: n6 takes its room, n4 and n5 stay */
	{
		struct lsdb_record r = rec(6, 1, 1);
		assert_int_equal(lsdb_put(&db, &r, 1350), 1);
		lsdb_drop(&db, &r.id, 1350, 1000);
	}
	assert_int_equal(db.n_tombs, 3);
	assert_false(wanted(&db, 0, 4, 1, 1, 1350));
	assert_false(wanted(&db, 0, 5, 1, 1, 1350));
	assert_false(wanted(&db, 0, 6, 1, 1, 1350));

	/* n4's (1400) and n5's (1500) have expired by 1600: n7 leaves two */
	{
		struct lsdb_record r = rec(7, 1, 1);
		assert_int_equal(lsdb_put(&db, &r, 1600), 1);
		lsdb_drop(&db, &r.id, 1600, 1000);
	}
	assert_int_equal(db.n_tombs, 2);
	assert_false(wanted(&db, 0, 6, 1, 1, 1600));
	assert_false(wanted(&db, 0, 7, 1, 1, 1600));
	lsdb_free(&db);
}

/* Without a cap set, 4096 tombstones: the 4097th drop evicts the oldest. */
static void test_tombstone_default_cap(void **state)
{
	struct lsdb db;

	(void)state;
	lsdb_init(&db);
	for (unsigned i = 0; i <= 4096; i++) {
		struct lsdb_record r = rec(0, 1, 1);
		r.id = ip((uint8_t)(1 + i / 250), (uint8_t)(1 + i % 250));
		assert_int_equal(lsdb_put(&db, &r, i), 1);
		lsdb_drop(&db, &r.id, i, 100000);
	}
	assert_int_equal(db.n_tombs, 4096);
	assert_true(wanted(&db, 1, 1, 1, 1, 5000)); /* the first */
	assert_false(wanted(&db, 1, 2, 1, 1, 5000));
	lsdb_free(&db);
}

/* ---- the summary hash ---- */

/*
 * The hash is the order-independent sum the other side computes over its
 * digest entries (wire_digest_hash_add): the same set gives the same hash
 * whatever order it was stored or summed in; any version change, record
 * added or dropped changes it; and an entry counted twice does not cancel
 * out (as it would with XOR), so a digest listing a record twice differs.
 */
static void test_hash(void **state)
{
	static const uint8_t ids[] = { 4, 1, 3, 2, 5 };
	struct lsdb a, b;
	struct wire_digest_entry e[ARRAY_SIZE(ids)];
	uint64_t sum = 0, rev = 0, without = 0, h, twice;

	(void)state;
	lsdb_init(&a);
	lsdb_init(&b);
	assert_true(lsdb_hash(&a) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct lsdb_record r = rec(ids[i], 10 + ids[i], 100 + ids[i]);
		assert_int_equal(lsdb_put(&a, &r, 0), 1);
		e[i] = (struct wire_digest_entry){ .id = r.id, .boot = r.boot, .seq = r.seq };
		sum = wire_digest_hash_add(sum, &e[i]);
	}
	for (size_t i = ARRAY_SIZE(ids); i-- > 0;) {
		struct lsdb_record r = rec(ids[i], 10 + ids[i], 100 + ids[i]);
		assert_int_equal(lsdb_put(&b, &r, 0), 1);
		rev = wire_digest_hash_add(rev, &e[i]);
	}
	h = lsdb_hash(&a);
	assert_true(h == lsdb_hash(&b));
	assert_true(h == sum);
	assert_true(h == rev);

	/* a listed twice is not the same set, and not the set without it */
	twice = wire_digest_hash_add(h, &e[0]);
	assert_true(twice != h);
	for (size_t i = 1; i < ARRAY_SIZE(ids); i++)
		without = wire_digest_hash_add(without, &e[i]);
	assert_true(twice != without);
	assert_true(h != without);

	/* one newer version changes it; the same change on both sides agrees again */
	{
		struct lsdb_record r = rec(3, 13, 104);
		assert_int_equal(lsdb_put(&a, &r, 0), 1);
		assert_true(lsdb_hash(&a) != h);
		assert_int_equal(lsdb_put(&b, &r, 0), 1);
		assert_true(lsdb_hash(&a) == lsdb_hash(&b));
	}
	/* a record dropped changes it; its version back restores it */
	h = lsdb_hash(&a);
	{
		struct addr one = ip(0, 1);
		lsdb_drop(&a, &one, 0, 10);
		assert_true(lsdb_hash(&a) != h);
		lsdb_forget_tomb(&a, &one);
	}
	{
		struct lsdb_record r = rec(1, 11, 101);
		assert_int_equal(lsdb_put(&a, &r, 0), 1);
	}
	assert_true(lsdb_hash(&a) == h);
	lsdb_free(&a);
	lsdb_free(&b);
}

/* ---- content ---- */

enum field {
	F_NONE, F_BOOT, F_SEQ, F_STORED, F_ROUTE,	/* bookkeeping: same content */
	F_NAME, F_KEY, F_WG_PORT, F_ADMIN_PORT, F_FLAGS, F_N_LOCAL, F_LOCAL,
	F_HAS_REFLEXIVE, F_REFLEXIVE, F_N_NEIGH, F_NEIGH_ID, F_NEIGH_KIND, F_NEIGH_COST,
	F_REFLEXIVE_UNSET,	/* the endpoint differs, but neither has one */
	F_LOCAL_BEYOND,		/* past n_local: not content */
};

static const struct endpoint refl = { .addr = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
						   203, 0, 113, 7 } },
				      .port = 40000 };

/* A record with two neighbours, a local address and a reflexive endpoint. */
static struct lsdb_record full(struct wire_neighbour *n)
{
	struct lsdb_record r = rec(1, 5, 9);

	n[0] = (struct wire_neighbour){ ip(0, 2), WIRE_PATH_DIRECT, 10 };
	n[1] = (struct wire_neighbour){ ip(0, 3), WIRE_PATH_LAN, 1 };
	r.n_neigh = 2;
	r.neigh = n;
	r.n_local = 1;
	r.local[0] = ip(50, 1);
	r.has_reflexive = true;
	r.reflexive = refl;
	return r;
}

static void change(struct lsdb_record *r, enum field f)
{
	switch (f) {
	case F_NONE: break;
	case F_BOOT: r->boot++; break;
	case F_SEQ: r->seq++; break;
	case F_STORED: r->stored_at += 1000; break;
	case F_ROUTE: r->route.reachable = !r->route.reachable; r->route.dist = 7; break;
	case F_NAME: r->name[0] = 'x'; break;
	case F_KEY: r->pubkey[31] ^= 1; break;
	case F_WG_PORT: r->wg_port++; break;
	case F_ADMIN_PORT: r->admin_port++; break;
	case F_FLAGS: r->flags |= WIRE_NODE_NO_TRANSIT; break;
	case F_N_LOCAL: r->local[1] = ip(50, 2); r->n_local = 2; break;
	case F_LOCAL: r->local[0] = ip(50, 9); break;
	case F_HAS_REFLEXIVE: r->has_reflexive = false; break;
	case F_REFLEXIVE: r->reflexive.port++; break;
	case F_N_NEIGH: r->n_neigh = 1; break;
	case F_NEIGH_ID: r->neigh[1].id = ip(0, 4); break;
	case F_NEIGH_KIND: r->neigh[0].kind = WIRE_PATH_NAT; break;
	case F_NEIGH_COST: r->neigh[0].cost = 11; break;
	case F_REFLEXIVE_UNSET: r->has_reflexive = false; r->reflexive.port++; break;
	case F_LOCAL_BEYOND: r->local[5] = ip(50, 5); break;
	}
}

static void test_same_content(void **state)
{
	static const struct {
		enum field f;
		bool same;
	} cases[] = {
		{ F_NONE, true }, { F_BOOT, true }, { F_SEQ, true }, { F_STORED, true },
		{ F_ROUTE, true }, { F_LOCAL_BEYOND, true }, { F_REFLEXIVE_UNSET, true },
		{ F_NAME, false }, { F_KEY, false }, { F_WG_PORT, false }, { F_ADMIN_PORT, false },
		{ F_FLAGS, false }, { F_N_LOCAL, false }, { F_LOCAL, false },
		{ F_HAS_REFLEXIVE, false }, { F_REFLEXIVE, false }, { F_N_NEIGH, false },
		{ F_NEIGH_ID, false }, { F_NEIGH_KIND, false }, { F_NEIGH_COST, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wire_neighbour na[2], nb[2];
		struct lsdb_record a = full(na), b = full(nb);

		if (cases[i].f == F_REFLEXIVE_UNSET)
			a.has_reflexive = false;
		change(&b, cases[i].f);
		if (lsdb_same_content(&a, &b) != cases[i].same)
			fail_msg("case %zu (field %d): same %d", i, cases[i].f, !cases[i].same);
		assert_int_equal(lsdb_same_content(&b, &a), cases[i].same);
	}
}

/*
 * The debug line of a new version of a record: neighbours added, changed
 * and removed (named from their records, "?" when unknown), then the
 * other fields that changed.
 */
static void test_describe_change(void **state)
{
	static const struct {
		enum field f;
		const char *want;
	} cases[] = {
		{ F_NONE, "" },
		{ F_SEQ, "" },
		{ F_N_NEIGH, " -n3" },
		{ F_NEIGH_ID, " +? (kind 2, cost 1) -n3" },
		{ F_NEIGH_KIND, " n2 kind 1->3 cost 10->10" },
		{ F_NEIGH_COST, " n2 kind 1->1 cost 10->11" },
		{ F_N_LOCAL, " local addresses" },
		{ F_LOCAL, " local addresses" },
		{ F_HAS_REFLEXIVE, " reflexive endpoint" },
		{ F_REFLEXIVE, " reflexive endpoint" },
		{ F_FLAGS, " flags" },
		{ F_NAME, "" },		/* the name is not among what it describes */
	};
	struct lsdb db;
	char out[240];

	(void)state;
	lsdb_init(&db);
	for (uint8_t id = 1; id <= 3; id++) {
		struct lsdb_record r = rec(id, 1, 1);
		assert_int_equal(lsdb_put(&db, &r, 0), 1);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wire_neighbour no[2], nn[2];
		struct lsdb_record old = full(no), new = full(nn);

		change(&new, cases[i].f);
		memset(out, 'z', sizeof(out));
		lsdb_describe_change(&db, &old, &new, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].want);
	}

	/* from nothing: every neighbour added; and everything at once, in order */
	{
		struct wire_neighbour no[2], nn[2];
		struct lsdb_record old = full(no), new = full(nn);

		old.n_neigh = 0;
		lsdb_describe_change(&db, &old, &new, out, sizeof(out));
		assert_string_equal(out, " +n2 (kind 1, cost 10) +n3 (kind 2, cost 1)");
		old = full(no);
		change(&new, F_NEIGH_COST);
		change(&new, F_NEIGH_ID);
		change(&new, F_LOCAL);
		change(&new, F_REFLEXIVE);
		change(&new, F_FLAGS);
		lsdb_describe_change(&db, &old, &new, out, sizeof(out));
		assert_string_equal(out, " n2 kind 1->1 cost 10->11 +? (kind 2, cost 1) -n3 local "
					 "addresses reflexive endpoint flags");
		/* truncated to the buffer, always terminated; nothing written into none */
		for (size_t len = 1; len < 40; len++) {
			char small[40];
			memset(small, 'z', sizeof(small));
			lsdb_describe_change(&db, &old, &new, small, len);
			assert_int_equal(strlen(small), len - 1);
			assert_memory_equal(small, out, len - 1);
			assert_int_equal(small[len], 'z');
		}
		out[0] = 'z';
		lsdb_describe_change(&db, &old, &new, out, 0);
		assert_int_equal(out[0], 'z');
	}
	lsdb_free(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_put_versions),
		cmocka_unit_test(test_put_copies),
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_tombstone),
		cmocka_unit_test(test_tombstone_forget),
		cmocka_unit_test(test_tombstone_cap),
		cmocka_unit_test(test_tombstone_default_cap),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_same_content),
		cmocka_unit_test(test_describe_change),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
