/*
 * Tests for src/core/flood.c through the harness (core_harness.h): one
 * core "A" (10.99.0.1) and fake neighbours whose records, digests and
 * requests the tests write. Flooding (to every neighbour but the sender,
 * newer versions only, an older one answered with ours), reconciliation
 * (full digests, summaries in probes, bounded re-checks, the periodic
 * digest), bounded answers, and what is refused.
 *
 * In the drawings "--" is an adjacency of A's and ".." an edge only a
 * record claims.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How the fakes answer A's probes while time runs. */
enum answer { PLAIN, IN_SYNC, OUT_OF_SYNC };

/*
 * Timers up to now + ms in steps of (at most) 10 ms; every fake answers every probe
 * A sends it at once, its PONG with no summary (PLAIN), A's own (IN_SYNC)
 * or a different one (OUT_OF_SYNC).
 */
static void run(struct h *t, struct h_fake **f, size_t n, uint64_t ms, enum answer how)
{
	size_t seen = t->n_sent;

	for (uint64_t done = 0; done < ms; done += 10) {
		h_later(t, ms - done < 10 ? ms - done : 10);
		for (; seen < t->n_sent; seen++) {
			const struct wire_msg *ping = &t->sent[seen].msg;
			if (ping->hdr.type != WIRE_PING)
				continue;
			for (size_t k = 0; k < n; k++) {
				struct wire_msg pong;
				if (!endpoint_eq(&t->sent[seen].to, &f[k]->ep))
					continue;
				if (how == PLAIN) {
					h_answer_ping(t, f[k], ping);
					continue;
				}
				pong = h_summary_of_a(t, f[k], WIRE_PONG, ping->u.ping.probe_id);
				if (how == OUT_OF_SYNC)
					pong.u.ping.db_hash ^= 1;
				h_feed(t, f[k], &pong);
			}
		}
	}
}

/* Full digests (entries) and summaries (none) sent to f since the last reset. */
static size_t full_digests_to(const struct h *t, const struct h_fake *f)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == WIRE_DIGEST && t->sent[i].msg.u.digest.n > 0 &&
		     endpoint_eq(&t->sent[i].to, &f->ep);
	return n;
}

static size_t summaries_to(const struct h *t, const struct h_fake *f)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == WIRE_DIGEST && t->sent[i].msg.u.digest.n == 0 &&
		     endpoint_eq(&t->sent[i].to, &f->ep);
	return n;
}

/* The records A sent to f since the last reset: how many of node id, the last one's seq. */
static size_t records_to(const struct h *t, const struct h_fake *f, const struct addr *id,
			 uint64_t *seq)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++) {
		const struct wire_msg *m = &t->sent[i].msg;
		if (m->hdr.type != WIRE_RECORD || !endpoint_eq(&t->sent[i].to, &f->ep) ||
		    !addr_eq(&m->u.record.id, id))
			continue;
		n++;
		if (seq)
			*seq = m->u.record.seq;
	}
	return n;
}

/* A with neighbours B, C, D (all up, claimed from both ends, quiet again). */
struct fx {
	struct h t;
	struct h_fake b, c, d;
	struct h_fake *all[3];
	uint8_t xkey[WIRE_KEY_LEN];
	struct addr x, y;
};

static void fx_setup(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	h_setup(&x->t, 0, 1);
	h_fake_init(&x->b, 2, "bob", 7);
	h_fake_init(&x->c, 3, "carol", 7);
	h_fake_init(&x->d, 4, "dave", 7);
	x->all[0] = &x->b;
	x->all[1] = &x->c;
	x->all[2] = &x->d;
	h_neighbour_up(&x->t, &x->b, NULL, 0);
	h_neighbour_up(&x->t, &x->c, NULL, 0);
	h_neighbour_up(&x->t, &x->d, NULL, 0);
	run(&x->t, x->all, 3, 3000, PLAIN);
	memset(x->xkey, 0x58, sizeof(x->xkey));
	x->x = h_ip(10, 99, 0, 20);
	x->y = h_ip(10, 99, 0, 21);
	h_reset(&x->t);
}

/* X's record (boot 3), passed on by f, claiming f. */
static void feed_x(struct fx *x, struct h_fake *f, uint64_t seq)
{
	h_feed_record(&x->t, f, &x->x, "xavier", 3, seq, x->xkey, &f->id, 1);
}

/* ---- flooding ---- */

/*
 *        B
 *        |
 *   X .. B -- A -- C        X's record comes from B: on to C and D,
 *             |             not back to B; a second later A compares
 *             D             summaries with C and D (a probe each).
 */
static void test_flood_but_sender(void **state)
{
	struct fx x;
	uint64_t seq = 0;

	(void)state;
	fx_setup(&x);
	feed_x(&x, &x.b, 1);
	assert_non_null(lsdb_get(&x.t.m->db, &x.x));
	assert_int_equal(records_to(&x.t, &x.b, &x.x, NULL), 0);
	assert_int_equal(records_to(&x.t, &x.c, &x.x, &seq), 1);
	assert_true(seq == 1);
	assert_int_equal(records_to(&x.t, &x.d, &x.x, NULL), 1);
	h_reset(&x.t);
	run(&x.t, x.all, 3, MESH_SYNC_CHECK_MS - 10, PLAIN);
	assert_int_equal(h_count_sent(&x.t, WIRE_PING), 0);
	run(&x.t, x.all, 3, 20, PLAIN);
	assert_int_equal(h_count_sent_to(&x.t, &x.c, WIRE_PING), 1);
	assert_int_equal(h_count_sent_to(&x.t, &x.d, WIRE_PING), 1);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), 0);
	h_teardown(&x.t);
}

/*
 * The probe after a flood, or its answer, is lost: A probes again (a
 * second and two round trips later), at most MESH_SYNC_TRIES probes in
 * all; one answer ends it. Before, nothing followed the first probe
 * until the idle check 15 s later, and a record lost under 20% loss
 * waited that long.
 */
static void test_sync_probe_repeated(void **state)
{
	struct fx x;
	uint64_t t0;

	(void)state;
	fx_setup(&x);
	feed_x(&x, &x.b, 1);
	t0 = x.t.now;
	h_reset(&x.t);
	/* C and D answer nothing for 10 s */
	h_later(&x.t, 10000);
	assert_int_equal(h_count_sent_to(&x.t, &x.c, WIRE_PING), MESH_SYNC_TRIES);
	assert_int_equal(h_count_sent_to(&x.t, &x.d, WIRE_PING), MESH_SYNC_TRIES);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), 0);
	assert_true(x.t.now - t0 < MESH_PROBE_IDLE_MS); /* none of them an idle check */

	/* again, and the first probe is answered: no second one */
	feed_x(&x, &x.b, 2);
	h_reset(&x.t);
	run(&x.t, x.all, 3, 4000, PLAIN);
	assert_int_equal(h_count_sent_to(&x.t, &x.c, WIRE_PING), 1);
	assert_int_equal(h_count_sent_to(&x.t, &x.d, WIRE_PING), 1);
	h_teardown(&x.t);
}

/*
 * Versions of X's record from different neighbours, in turn. Only a newer
 * one is stored and flooded (to all but its sender); the one held again
 * is ignored; an older one is answered with ours, to its sender only.
 */
static void test_versions(void **state)
{
	static const struct {
		int from;		/* 0 B, 1 C, 2 D */
		uint64_t seq;
		int sent[3];		/* X's records A sends to B, C, D */
		uint64_t held;
	} steps[] = {
		{ 0, 2, { 0, 1, 1 }, 2 },	/* new */
		{ 1, 2, { 0, 0, 0 }, 2 },	/* the same from another: ignored */
		{ 1, 1, { 0, 1, 0 }, 2 },	/* older: C gets ours */
		{ 2, 3, { 1, 1, 0 }, 3 },	/* newer from D */
		{ 0, 1, { 1, 0, 0 }, 3 },	/* older from B */
		{ 0, 3, { 0, 0, 0 }, 3 },
	};
	struct fx x;

	(void)state;
	fx_setup(&x);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct h_fake *from = x.all[steps[i].from];

		h_reset(&x.t);
		feed_x(&x, from, steps[i].seq);
		for (int k = 0; k < 3; k++) {
			uint64_t seq = 0;
			size_t n = records_to(&x.t, x.all[k], &x.x, &seq);
			if (n != (size_t)steps[i].sent[k])
				fail_msg("step %zu: %zu records to %s", i, n, x.all[k]->name);
			if (n)
				assert_true(seq == steps[i].held);
		}
		assert_true(lsdb_get(&x.t.m->db, &x.x)->seq == steps[i].held);
	}
	h_teardown(&x.t);
}

/* ---- digests ---- */

/*
 * An adjacency that comes up gets a full digest at once: every record A
 * holds (in packets of WIRE_DIGEST_MAX entries), with the total and hash.
 *
 *   A -- C .. {40 nodes}      E says hello: the digest lists 42 records
 */
static void test_full_digest_on_up(void **state)
{
	struct fx x;
	struct h_fake e;
	size_t entries = 0, packets = 0;
	struct addr neigh[1];

	(void)state;
	fx_setup(&x);
	neigh[0] = x.c.id;
	for (uint8_t i = 0; i < 40; i++) {
		struct addr id = h_ip(10, 99, 3, (uint8_t)(i + 1));
		char name[16];
		snprintf(name, sizeof(name), "n%u", i);
		x.xkey[0] = i;
		h_feed_record(&x.t, &x.c, &id, name, 1, 1, x.xkey, neigh, 1);
	}
	assert_int_equal(lsdb_count(&x.t.m->db), 1 + 3 + 40);
	h_fake_init(&e, 5, "erin", 7);
	h_reset(&x.t);
	h_handshake(&x.t, &e);
	for (size_t i = 0; i < x.t.n_sent; i++) {
		const struct wire_msg *m = &x.t.sent[i].msg;
		if (m->hdr.type != WIRE_DIGEST || !endpoint_eq(&x.t.sent[i].to, &e.ep))
			continue;
		packets++;
		assert_int_equal(m->u.digest.total, lsdb_count(&x.t.m->db));
		assert_true(m->u.digest.hash == lsdb_hash(&x.t.m->db));
		assert_true(m->u.digest.n <= WIRE_DIGEST_MAX);
		for (unsigned k = 0; k < m->u.digest.n; k++) {
			const struct wire_digest_entry *de = &m->u.digest.entries[k];
			const struct lsdb_record *r = lsdb_get(&x.t.m->db, &de->id);
			assert_non_null(r);
			assert_true(r->boot == de->boot && r->seq == de->seq);
			entries++;
		}
	}
	assert_int_equal(entries, 44);
	assert_int_equal(packets, 2);
	h_teardown(&x.t);
}

/*
 * Summaries in B's probes and digests. One that differs from ours is
 * answered with a full digest, at most once per MESH_FULL_DIGEST_GAP_MS
 * whichever carried it; one that agrees is not. (Every probe is answered.)
 */
static void test_summary_mismatch(void **state)
{
	static const struct {
		uint64_t at;
		enum wire_type type;	/* PING, PONG or DIGEST */
		bool agrees;
		bool digest;
	} steps[] = {
		{ 0, WIRE_PING, true, false },
		{ 10, WIRE_PING, false, true },
		{ 100, WIRE_PING, false, false },
		{ 200, WIRE_DIGEST, false, false },
		{ MESH_FULL_DIGEST_GAP_MS + 9, WIRE_PONG, false, false },
		{ MESH_FULL_DIGEST_GAP_MS + 10, WIRE_PING, false, true },
		{ MESH_FULL_DIGEST_GAP_MS + 20, WIRE_PING, true, false },
		{ 3 * MESH_FULL_DIGEST_GAP_MS, WIRE_DIGEST, false, true },
		{ 3 * MESH_FULL_DIGEST_GAP_MS + 10, WIRE_DIGEST, false, false },
		{ 3 * MESH_FULL_DIGEST_GAP_MS + 20, WIRE_PONG, false, false },
		{ 4 * MESH_FULL_DIGEST_GAP_MS + 10, WIRE_DIGEST, true, false },
		{ 5 * MESH_FULL_DIGEST_GAP_MS + 10, WIRE_PONG, false, true },
	};
	struct fx x;
	uint64_t t0;

	(void)state;
	fx_setup(&x);
	t0 = x.t.now;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct wire_msg m;

		x.t.now = t0 + steps[i].at;
		h_reset(&x.t);
		if (steps[i].type == WIRE_DIGEST) {
			m = h_msg(&x.b, WIRE_DIGEST);
			m.u.digest.total = (uint16_t)lsdb_count(&x.t.m->db);
			m.u.digest.hash = lsdb_hash(&x.t.m->db);
			if (!steps[i].agrees)
				m.u.digest.total++;
		} else {
			m = h_summary_of_a(&x.t, &x.b, steps[i].type, (uint32_t)i);
			if (!steps[i].agrees)
				m.u.ping.db_total++;
		}
		h_feed(&x.t, &x.b, &m);
		assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PONG), steps[i].type == WIRE_PING);
		if (full_digests_to(&x.t, &x.b) != steps[i].digest)
			fail_msg("at +%llu ms: %zu full digests", (unsigned long long)steps[i].at,
				 full_digests_to(&x.t, &x.b));
	}
	h_teardown(&x.t);
}

/*
 * After a mismatch A looks again a second later (a probe whose answer
 * carries B's summary), at most MESH_RESYNC_TRIES times while they keep
 * differing; summaries that agree restore the tries.
 */
static void test_resync_bounded(void **state)
{
	struct fx x;
	struct wire_msg ping;

	(void)state;
	fx_setup(&x);
	ping = h_summary_of_a(&x.t, &x.b, WIRE_PING, 1);
	ping.u.ping.db_hash ^= 1;
	h_feed(&x.t, &x.b, &ping);
	h_reset(&x.t);
	/* B's answers keep differing: three re-checks, a second apart, then none */
	run(&x.t, x.all, 3, MESH_SYNC_CHECK_MS - 10, OUT_OF_SYNC);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), 0);
	run(&x.t, x.all, 3, 20, OUT_OF_SYNC);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), 1);
	run(&x.t, x.all, 3, 10000, OUT_OF_SYNC);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), MESH_RESYNC_TRIES);
	assert_int_equal(h_count_sent_to(&x.t, &x.c, WIRE_PING), 0);

	/* an agreeing summary restores them */
	ping = h_summary_of_a(&x.t, &x.b, WIRE_PING, 2);
	h_feed(&x.t, &x.b, &ping);
	ping = h_summary_of_a(&x.t, &x.b, WIRE_PING, 3);
	ping.u.ping.db_hash ^= 1;
	h_feed(&x.t, &x.b, &ping);
	h_reset(&x.t);
	run(&x.t, x.all, 3, 10000, OUT_OF_SYNC);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_PING), MESH_RESYNC_TRIES);
	h_teardown(&x.t);
}

/*
 * Without summaries in the probes (a neighbour that sends none), a
 * summary digest every MESH_DIGEST_MS; probes that carry one replace it.
 */
static void test_periodic_summary(void **state)
{
	struct fx x;

	(void)state;
	fx_setup(&x);
	run(&x.t, x.all, 3, 2 * MESH_DIGEST_MS + 1000, PLAIN);
	assert_int_equal(summaries_to(&x.t, &x.b), 2);
	assert_int_equal(summaries_to(&x.t, &x.c), 2);
	/* B's pings carry ours (in sync): no summary digest to B */
	h_reset(&x.t);
	for (int k = 0; k < 8; k++) {
		struct wire_msg ping = h_summary_of_a(&x.t, &x.b, WIRE_PING, (uint32_t)k);
		h_feed(&x.t, &x.b, &ping);
		run(&x.t, x.all, 3, MESH_DIGEST_MS / 4, PLAIN);
	}
	assert_int_equal(summaries_to(&x.t, &x.b), 0);
	assert_true(summaries_to(&x.t, &x.c) >= 1);
	h_teardown(&x.t);
}

/*
 * B's full digest, entry by entry: a newer version we lack is requested;
 * an older one than ours is answered with ours (once, however often it is
 * listed); one we hold in the same version changes nothing.
 *
 *   A holds X seq 5, Y seq 2.  B lists X seq 3 (twice), Y seq 4, Z seq 1, A's own.
 */
static void test_digest_entries(void **state)
{
	struct fx x;
	struct wire_msg m;
	const struct wire_msg *req;
	struct addr z = h_ip(10, 99, 0, 22);
	const struct lsdb_record *own;
	uint64_t seq = 0;

	(void)state;
	fx_setup(&x);
	feed_x(&x, &x.c, 5);
	h_feed_record(&x.t, &x.c, &x.y, "yvonne", 3, 2, x.xkey, &x.c.id, 1);
	run(&x.t, x.all, 3, 3000, PLAIN);
	own = lsdb_get(&x.t.m->db, &x.t.cfg.id);
	h_reset(&x.t);
	m = h_msg(&x.b, WIRE_DIGEST);
	m.u.digest.total = 40;
	m.u.digest.hash = 1;
	m.u.digest.entries[m.u.digest.n++] = (struct wire_digest_entry){ x.x, 3, 3 };
	m.u.digest.entries[m.u.digest.n++] = (struct wire_digest_entry){ x.y, 3, 4 };
	m.u.digest.entries[m.u.digest.n++] = (struct wire_digest_entry){ x.x, 3, 3 };
	m.u.digest.entries[m.u.digest.n++] = (struct wire_digest_entry){ z, 1, 1 };
	m.u.digest.entries[m.u.digest.n++] =
		(struct wire_digest_entry){ own->id, own->boot, own->seq };
	h_feed(&x.t, &x.b, &m);
	assert_int_equal(records_to(&x.t, &x.b, &x.x, &seq), 1);
	assert_true(seq == 5);
	assert_int_equal(records_to(&x.t, &x.b, &x.y, NULL), 0);
	assert_int_equal(records_to(&x.t, &x.b, &own->id, NULL), 0);
	assert_int_equal(h_count_sent_to(&x.t, &x.b, WIRE_REQUEST), 1);
	req = h_sent_to(&x.t, &x.b, WIRE_REQUEST);
	assert_int_equal(req->u.digest.n, 2);
	assert_true(addr_eq(&req->u.digest.entries[0].id, &x.y));
	assert_true(req->u.digest.entries[0].seq == 4);
	assert_true(addr_eq(&req->u.digest.entries[1].id, &z));
	/* their summary differs: our full digest lets them ask in turn */
	assert_int_equal(full_digests_to(&x.t, &x.b), 1);
	h_teardown(&x.t);
}

/*
 * A hello or probe announces the sender's record seq: a version we lack
 * is requested at once (its flooded record may have been lost, or have
 * overtaken the hello that confirmed the adjacency).
 */
static void test_want_announced(void **state)
{
	static const struct {
		enum wire_type type;
		int64_t ahead;		/* of the seq we hold of B's record */
		bool requested;
	} cases[] = {
		{ WIRE_PING, 0, false }, { WIRE_PING, 1, true }, { WIRE_PONG, 5, true },
		{ WIRE_HELLO_REPLY, 0, false }, { WIRE_HELLO_REPLY, 2, true },
		{ WIRE_PING, -1, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fx x;
		struct wire_msg m;
		uint64_t held;
		const struct wire_msg *req;

		fx_setup(&x);
		held = lsdb_get(&x.t.m->db, &x.b.id)->seq;
		if (cases[i].type == WIRE_HELLO_REPLY)
			m = h_hello(&x.t, &x.b, WIRE_HELLO_REPLY, 0, 0);
		else
			m = h_msg(&x.b, cases[i].type);
		m.u.hello.record_seq = 0;
		if (cases[i].type == WIRE_HELLO_REPLY)
			m.u.hello.record_seq = held + (uint64_t)cases[i].ahead;
		else
			m.u.ping.record_seq = held + (uint64_t)cases[i].ahead;
		h_feed(&x.t, &x.b, &m);
		req = h_sent_to(&x.t, &x.b, WIRE_REQUEST);
		if ((req != NULL) != cases[i].requested)
			fail_msg("case %zu: requested %d", i, req != NULL);
		if (req) {
			assert_int_equal(req->u.digest.n, 1);
			assert_true(addr_eq(&req->u.digest.entries[0].id, &x.b.id));
			assert_true(req->u.digest.entries[0].boot == x.b.boot);
			assert_true(req->u.digest.entries[0].seq == held + (uint64_t)cases[i].ahead);
		}
		h_teardown(&x.t);
	}
}

/* ---- bounded answers ---- */

static struct wire_neighbour all[WIRE_MAX_NEIGHBOURS];

/* Four records of 1024 neighbours (WIRE_MAX_PARTS parts each), passed on by f. */
static void feed_hubs(struct h *t, struct h_fake *f, struct addr *big)
{
	uint8_t key[WIRE_KEY_LEN];

	memset(key, 0xcc, sizeof(key));
	for (unsigned i = 0; i < WIRE_MAX_NEIGHBOURS; i++)
		all[i] = (struct wire_neighbour){ h_ip(10, 99, (uint8_t)(10 + i / 200),
						       (uint8_t)(1 + i % 200)),
						  WIRE_PATH_DIRECT, 10 };
	for (int k = 0; k < 4; k++) {
		big[k] = h_ip(10, 99, 2, (uint8_t)(k + 1));
		key[0] = (uint8_t)k;
		for (unsigned part = 0; part < WIRE_MAX_PARTS; part++) {
			struct wire_record fixed = { 0 };
			struct wire_msg m = h_msg(f, WIRE_RECORD);
			snprintf(fixed.name, sizeof(fixed.name), "hub%d", k);
			fixed.id = big[k];
			fixed.boot = 4;
			fixed.seq = 1;
			memcpy(fixed.pubkey, key, WIRE_KEY_LEN);
			fixed.wg_port = fixed.admin_port = 1;
			wire_record_part_fill(&m.u.record, &fixed, all, WIRE_MAX_NEIGHBOURS, part);
			h_feed(t, f, &m);
		}
	}
	for (int k = 0; k < 4; k++)
		assert_true(h_node_known(t, &big[k]));
}

/*
 * A REQUEST makes A send at most MESH_REPLY_BUDGET record parts, whole
 * records only, and an entry repeated in it counts once: 32 copies of a
 * full-size record cost one record, not 32.
 */
static void test_request_budget(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg m;
	struct addr big[4];
	uint64_t limited;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	feed_hubs(&t, &b, big);
	h_later(&t, 3000); /* past the flooding, with a full reply allowance */
	h_reset(&t);
	m = h_msg(&b, WIRE_REQUEST);
	m.u.digest.n = WIRE_DIGEST_MAX;
	for (int i = 0; i < WIRE_DIGEST_MAX; i++)
		m.u.digest.entries[i] = (struct wire_digest_entry){ big[0], 4, 1 };
	h_feed(&t, &b, &m);
	assert_int_equal(h_count_sent(&t, WIRE_RECORD), WIRE_MAX_PARTS);
	assert_true(mesh_counters(t.m)->reply_limited == 0);
	/* all four named (each 8 times): as many as fit the budget, the rest is counted */
	h_reset(&t);
	for (int i = 0; i < WIRE_DIGEST_MAX; i++)
		m.u.digest.entries[i] = (struct wire_digest_entry){ big[i % 4], 4, 1 };
	m.hdr.counter = ++b.counter;
	limited = mesh_counters(t.m)->reply_limited;
	h_feed(&t, &b, &m);
	{
		unsigned fit = MESH_REPLY_BUDGET / WIRE_MAX_PARTS;

		assert_true(fit >= 1 && fit < 4);
		assert_int_equal(h_count_sent(&t, WIRE_RECORD), fit * WIRE_MAX_PARTS);
		/* the first that does not fit ends the answer (counted) */
		assert_true(mesh_counters(t.m)->reply_limited == limited + WIRE_MAX_PARTS);
	}
	h_teardown(&t);
}

/*
 * And at most MESH_REPLY_RATE parts per second to one neighbour, with a
 * burst of two seconds' worth: a stream of requests gets 2000 parts at
 * once (62 records of 32), then 1000 a second.
 */
static void test_request_rate(void **state)
{
	struct h t;
	struct h_fake b;
	struct addr big[4];
	size_t sent = 0;
	uint64_t limited;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	feed_hubs(&t, &b, big);
	h_later(&t, 3000);
	limited = mesh_counters(t.m)->reply_limited;
	for (int k = 0; k < 100; k++) {
		struct wire_msg m = h_msg(&b, WIRE_REQUEST);
		m.u.digest.n = 2;
		m.u.digest.entries[0] = (struct wire_digest_entry){ big[k % 4], 4, 1 };
		m.u.digest.entries[1] = (struct wire_digest_entry){ big[(k + 1) % 4], 4, 1 };
		h_reset(&t);
		h_feed(&t, &b, &m);
		sent += h_count_sent(&t, WIRE_RECORD);
	}
	assert_int_equal(sent, 2 * MESH_REPLY_RATE / WIRE_MAX_PARTS * WIRE_MAX_PARTS);
	assert_true(mesh_counters(t.m)->reply_limited > limited);
	/* a second later: a second's worth more (with the 16 parts left over) */
	t.now += 1000;
	sent = 0;
	for (int k = 0; k < 100; k++) {
		struct wire_msg m = h_msg(&b, WIRE_REQUEST);
		m.u.digest.n = 1;
		m.u.digest.entries[0] = (struct wire_digest_entry){ big[k % 4], 4, 1 };
		h_reset(&t);
		h_feed(&t, &b, &m);
		sent += h_count_sent(&t, WIRE_RECORD);
	}
	assert_int_equal(sent, (MESH_REPLY_RATE + 16) / WIRE_MAX_PARTS * WIRE_MAX_PARTS);
	/* another neighbour has an allowance of its own */
	{
		struct h_fake c;
		struct wire_msg m;
		h_fake_init(&c, 3, "carol", 7);
		h_neighbour_up(&t, &c, NULL, 0);
		h_reset(&t);
		m = h_msg(&c, WIRE_REQUEST);
		m.u.digest.n = 1;
		m.u.digest.entries[0] = (struct wire_digest_entry){ big[0], 4, 1 };
		h_feed(&t, &c, &m);
		assert_int_equal(h_count_sent_to(&t, &c, WIRE_RECORD), WIRE_MAX_PARTS);
	}
	h_teardown(&t);
}

/* ---- refused ---- */

/*
 * A record of a neighbour of ours passed on by someone else must name the
 * start and key we talk to: a forged one is refused, a real update is not.
 *
 *   B -- A -- C        C passes on a record of B
 */
static void test_contradicting_neighbour(void **state)
{
	static const struct {
		uint64_t boot_ahead, seq;
		bool other_key;
		bool refused;
	} cases[] = {
		{ 1, 1, false, true },		/* another start */
		{ UINT64_MAX - 7, 1, true, true },
		{ 0, 50, true, true },		/* our start, another key */
		{ 0, 50, false, false },	/* a newer version of the one we know */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b, c;
		uint8_t key[WIRE_KEY_LEN];
		uint64_t refused, held;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_fake_init(&c, 3, "carol", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		h_neighbour_up(&t, &c, NULL, 0);
		refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
		held = lsdb_get(&t.m->db, &b.id)->seq;
		memcpy(key, b.key, sizeof(key));
		if (cases[i].other_key)
			memset(key, 0xee, sizeof(key));
		h_feed_record(&t, &c, &b.id, "bob", b.boot + cases[i].boot_ahead, cases[i].seq,
			      key, &t.cfg.id, 1);
		h_later(&t, 200);
		assert_true(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED] ==
			    refused + cases[i].refused);
		assert_true(lsdb_get(&t.m->db, &b.id)->boot == b.boot);
		assert_true(lsdb_get(&t.m->db, &b.id)->seq == (cases[i].refused ? held : cases[i].seq));
		assert_true(h_allows(h_last_set(&t, b.key), &b.id));
		h_teardown(&t);
	}
}

/* Records that contradict themselves or the subnet change nothing. */
static void test_bad_records(void **state)
{
	static const struct {
		const char *name;
		const char *node;	/* its name */
		uint8_t id_net;		/* 10.ID_NET.0.3 */
		int neigh[3];		/* 0: itself, 1: d, 2: outside the subnet */
		size_t n;
		bool stored;
	} cases[] = {
		{ "names itself", "carol", 99, { 0 }, 1, false },
		{ "a neighbour twice", "carol", 99, { 1, 1 }, 2, false },
		{ "itself among others", "carol", 99, { 1, 0 }, 2, false },
		{ "a neighbour outside the subnet", "carol", 99, { 1, 2 }, 2, false },
		{ "outside the subnet", "carol", 98, { 1 }, 1, false },
		{ "no name", "", 99, { 1 }, 1, false },
		{ "fine", "carol", 99, { 1 }, 1, true },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b;
		struct addr neigh[3], c = h_ip(10, cases[i].id_net, 0, 3);
		uint8_t key[WIRE_KEY_LEN];
		uint64_t refused;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
		for (size_t k = 0; k < cases[i].n; k++)
			neigh[k] = cases[i].neigh[k] == 0 ? c
				   : cases[i].neigh[k] == 1 ? h_ip(10, 99, 0, 4)
							    : h_ip(10, 98, 0, 4);
		memset(key, 0xcc, sizeof(key));
		h_feed_record(&t, &b, &c, cases[i].node, 4, 1, key, neigh, cases[i].n);
		h_later(&t, 200);
		if (h_node_known(&t, &c) != cases[i].stored)
			fail_msg("%s: stored %d", cases[i].name, !cases[i].stored);
		assert_true(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED] ==
			    refused + !cases[i].stored);
		h_teardown(&t);
	}
}

/* The node cap: records of new nodes beyond it are refused and counted; updates pass. */
static void test_record_cap(void **state)
{
	struct h t;
	struct h_fake b;
	uint8_t key[WIRE_KEY_LEN];
	struct addr neigh[1], first = h_ip(10, 99, 1, 1);

	(void)state;
	h_setup_opts(&t, 0, 1, 8);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	neigh[0] = b.id;
	memset(key, 0xcc, sizeof(key));
	for (uint8_t k = 0; k < 20; k++) {
		struct addr x = h_ip(10, 99, 1, k + 1);
		char name[16];
		snprintf(name, sizeof(name), "x%u", k);
		key[0] = k;
		h_feed_record(&t, &b, &x, name, 4, 1, key, neigh, 1);
	}
	assert_int_equal(mesh_node_count(t.m), 8);
	assert_true(mesh_counters(t.m)->nodes_refused == 14);
	key[0] = 0;
	h_feed_record(&t, &b, &first, "x0", 4, 2, key, neigh, 1);
	assert_true(lsdb_get(&t.m->db, &first)->seq == 2);
	assert_true(mesh_counters(t.m)->nodes_refused == 14);
	h_teardown(&t);
}

/* ---- checks after records ---- */

/*
 * A record that withdraws an edge to a node we reach makes A check that
 * node, unless it was heard within the last second; so does a neighbour's
 * record that no longer lists us, once the adjacency is 2 s old. B stays
 * silent: it is down after the check's budget (1 s for another's loss of
 * it, 2 s for its own record), to the millisecond.
 *
 *   A -- B           C's new record drops B: check B
 *   |    :           B's new record, passed on by C, drops A: check B
 *   C ...+
 *
 * B's record dropping A sent by B itself starts a check too, but that
 * very packet answers it: B is alive.
 */
static void test_withdrawn_edges(void **state)
{
	enum who { C_DROPS_B, B_DROPS_A_VIA_C, B_DROPS_A };
	static const struct {
		enum who who;
		uint64_t b_heard;	/* ms before the record */
		bool probed, down;
	} cases[] = {
		{ C_DROPS_B, 500, false, false },
		{ C_DROPS_B, 999, false, false },
		{ C_DROPS_B, 1000, true, true },
		{ C_DROPS_B, 5000, true, true },
		{ B_DROPS_A_VIA_C, 1000, true, true },
		{ B_DROPS_A_VIA_C, 100, true, true },	/* whenever B was heard */
		{ B_DROPS_A, 1000, true, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b, c;
		struct h_fake *both[2] = { &b, &c };
		struct wire_msg ping;
		uint64_t check_at, budget;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_fake_init(&c, 3, "carol", 7);
		h_neighbour_up(&t, &b, &c.id, 1);
		h_neighbour_up(&t, &c, &b.id, 1);
		run(&t, both, 2, 3000, PLAIN);
		ping = h_msg(&b, WIRE_PING);
		ping.u.ping.record_seq = b.seq;
		h_feed(&t, &b, &ping);
		run(&t, both, 2, cases[i].b_heard, PLAIN);
		h_reset(&t);
		switch (cases[i].who) {
		case C_DROPS_B:
			h_own_record(&t, &c, &t.cfg.id, 1);
			break;
		case B_DROPS_A_VIA_C:
			h_feed_record(&t, &c, &b.id, b.name, b.boot, ++b.seq, b.key, &c.id, 1);
			break;
		case B_DROPS_A:
			h_own_record(&t, &b, &c.id, 1);
			break;
		}
		check_at = t.now;
		if ((h_count_sent_to(&t, &b, WIRE_PING) == 1) != cases[i].probed)
			fail_msg("case %zu: %zu probes to B", i, h_count_sent_to(&t, &b, WIRE_PING));
		budget = cases[i].who == C_DROPS_B ? MESH_PROBE_DEAD_HINT_MS : MESH_PROBE_DEAD_STALL_MS;
		h_later(&t, budget - 1);
		assert_true(h_adjacent(&t, &b.id));
		h_later(&t, 1);
		if (h_adjacent(&t, &b.id) == cases[i].down)
			fail_msg("case %zu: B %s after %llu ms", i, cases[i].down ? "up" : "down",
				 (unsigned long long)(t.now - check_at));
		h_teardown(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_but_sender),
		cmocka_unit_test(test_sync_probe_repeated),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_full_digest_on_up),
		cmocka_unit_test(test_summary_mismatch),
		cmocka_unit_test(test_resync_bounded),
		cmocka_unit_test(test_periodic_summary),
		cmocka_unit_test(test_digest_entries),
		cmocka_unit_test(test_want_announced),
		cmocka_unit_test(test_request_budget),
		cmocka_unit_test(test_request_rate),
		cmocka_unit_test(test_contradicting_neighbour),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_record_cap),
		cmocka_unit_test(test_withdrawn_edges),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
