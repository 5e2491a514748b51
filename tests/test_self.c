/*
 * Tests for src/core/self.c with a real core (core_harness.h): our own
 * record (what it claims and carries, new versions only for new content,
 * at most one per 100 ms) and our boot, which moves past a newer record of
 * ourselves at most once per 30 s and never by an absurd jump unless the
 * clock is not trusted. A is 10.99.0.1 at 198.18.0.1, boot 500.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* As in src/core/self.c. */
#define MESH_ORIGINATE_GAP_MS 100
#define MESH_BOOT_MOVE_GAP_MS 30000

static const struct lsdb_record *own(const struct h *t)
{
	const struct lsdb_record *r = lsdb_get(&t->m->db, &t->cfg.id);

	assert_non_null(r);
	return r;
}

static const struct wire_neighbour *claim_of(const struct lsdb_record *r, const struct addr *id)
{
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return &r->neigh[i];
	return NULL;
}

/* A's device reports f's peer: a handshake, traffic received. */
static void handshake_sample(struct h *t, const uint8_t *key)
{
	struct mesh_wg_stats st;

	memset(&st, 0, sizeof(st));
	memcpy(st.pubkey, key, WIRE_KEY_LEN);
	st.rx_bytes = 92;
	st.tx_bytes = 148;
	st.last_handshake_sec = 1600000000;
	mesh_on_wg_stats(t->m, t->now, &st, 1);
	h_collect(t);
}

/*
 * What our record claims and carries:
 *
 *        B (LAN, handshake done)        claimed: LAN, its cost
 *        |  .. X (direct LAN path up)   claimed: LAN, cost 1
 *   C -- A                              C: no handshake yet, not claimed
 *        |
 *        D (203.0.113.4, handshake)     claimed: DIRECT; it tells A its
 *                                       reflexive endpoint
 *
 * with our local address, flags, name, key and ports; and leaving, a last
 * version with no edges and the LEFT flag.
 */
static void test_content(void **state)
{
	struct h t;
	struct h_fake b, c, d;
	struct addr x = h_ip(10, 99, 0, 20);
	uint8_t xkey[WIRE_KEY_LEN];
	struct endpoint refl = h_ep(203, 0, 113, 200, 41000);
	struct wire_msg m;
	const struct lsdb_record *r;
	const struct wire_neighbour *n;
	struct addr bx[2];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_fake_init(&d, 4, "dave", 7);
	d.ep = h_ep(203, 0, 113, 4, 50001);
	h_neighbour_up(&t, &b, &x, 1);
	h_neighbour_up(&t, &d, NULL, 0);
	h_handshake(&t, &c);
	/* X behind B, with an address on A's LAN: a direct LAN path */
	memset(xkey, 0x58, sizeof(xkey));
	bx[0] = b.id;
	m = h_record_msg(&b, &x, "xavier", 3, 1, xkey, bx, 1);
	m.u.record.n_local = 1;
	m.u.record.local[0] = h_ip(198, 18, 0, 20);
	h_feed(&t, &b, &m);
	h_later(&t, 200);
	assert_int_equal(mesh_peer_get(t.m, &x)->direct.phase, DIRECT_TRYING);
	handshake_sample(&t, xkey);
	assert_int_equal(mesh_peer_get(t.m, &x)->direct.phase, DIRECT_UP);
	/* D tells A where A's WireGuard packets come from */
	m = h_msg(&d, WIRE_PING);
	m.u.ping.has = WIRE_PING_HAS_OBSERVED_WG;
	m.u.ping.observed_wg = refl;
	h_feed(&t, &d, &m);
	mesh_set_options(t.m, WIRE_NODE_NO_TRANSIT, 0, 0, t.now);
	h_collect(&t);
	h_later(&t, 200);

	r = own(&t);
	assert_string_equal(r->name, "alice");
	assert_true(r->boot == t.cfg.boot);
	assert_memory_equal(r->pubkey, t.cfg.pubkey, WIRE_KEY_LEN);
	assert_int_equal(r->wg_port, 51820);
	assert_int_equal(r->admin_port, 50001);
	assert_int_equal(r->flags, WIRE_NODE_NO_TRANSIT);
	assert_int_equal(r->n_local, 1);
	assert_true(addr_eq(&r->local[0], &t.ep.addr));
	assert_true(r->has_reflexive);
	assert_true(endpoint_eq(&r->reflexive, &refl));
	assert_int_equal(r->n_neigh, 3);
	n = claim_of(r, &b.id);
	assert_non_null(n);
	assert_int_equal(n->kind, WIRE_PATH_LAN);
	assert_int_equal(n->cost, mesh_peer_get(t.m, &b.id)->adj.cost);
	n = claim_of(r, &d.id);
	assert_non_null(n);
	assert_int_equal(n->kind, WIRE_PATH_DIRECT);
	assert_int_equal(n->cost, mesh_peer_get(t.m, &d.id)->adj.cost);
	n = claim_of(r, &x);
	assert_non_null(n);
	assert_int_equal(n->kind, WIRE_PATH_LAN);
	assert_int_equal(n->cost, 1);
	assert_null(claim_of(r, &c.id));
	assert_true(h_adjacent(&t, &c.id));

	/* leaving: a last version, no edges, LEFT, flooded to the neighbours */
	h_reset(&t);
	mesh_leave(t.m, t.now);
	h_collect(&t);
	r = own(&t);
	assert_int_equal(r->n_neigh, 0);
	assert_int_equal(r->flags, WIRE_NODE_NO_TRANSIT | WIRE_NODE_LEFT);
	assert_non_null(h_sent_to(&t, &b, WIRE_RECORD));
	assert_non_null(h_sent_to(&t, &d, WIRE_RECORD));
	assert_true(h_sent_to(&t, &b, WIRE_RECORD)->u.record.flags & WIRE_NODE_LEFT);
	h_teardown(&t);
}

/*
 * Events that leave the content as it is make no new version (a version
 * costs a flood to every node); those that change it make one, flooded.
 *
 *   A -- B (claimed)
 */
static void test_new_version_only_for_news(void **state)
{
	enum ev { SAME_FLAGS, NEW_FLAGS, SAME_PREFIXES, NEW_PREFIX, UNCLAIMED_UP, CLAIMED_UP,
		  ONE_RTT_SAMPLE };
	static const struct {
		const char *what;
		enum ev ev;
		bool news;
	} cases[] = {
		{ "the same flags", SAME_FLAGS, false },
		{ "new flags", NEW_FLAGS, true },
		{ "the same addresses", SAME_PREFIXES, false },
		{ "a new address", NEW_PREFIX, true },
		{ "a neighbour up, no handshake yet", UNCLAIMED_UP, false },
		{ "a neighbour up and claimed", CLAIMED_UP, true },
		{ "a round trip inside the cost's bucket", ONE_RTT_SAMPLE, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b, c;
		struct prefix pfx[2] = { { h_ip(198, 18, 0, 1), 24 }, { h_ip(203, 0, 113, 9), 24 } };
		uint64_t seq;
		struct mesh_peer *p;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_fake_init(&c, 3, "carol", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		h_answer_probes(&t, &b, 3000);
		seq = own(&t)->seq;
		h_reset(&t);
		switch (cases[i].ev) {
		case SAME_FLAGS:
			mesh_set_options(t.m, 0, 0, 0, t.now);
			break;
		case NEW_FLAGS:
			mesh_set_options(t.m, WIRE_NODE_NO_TRANSIT, 0, 0, t.now);
			break;
		case SAME_PREFIXES:
			mesh_set_local_prefixes(t.m, pfx, 1, t.now);
			break;
		case NEW_PREFIX:
			mesh_set_local_prefixes(t.m, pfx, 2, t.now);
			break;
		case UNCLAIMED_UP:
			h_handshake(&t, &c);
			break;
		case CLAIMED_UP:
			h_neighbour_up(&t, &c, NULL, 0);
			break;
		case ONE_RTT_SAMPLE:
			p = mesh_peer_get(t.m, &b.id);
			h_at(&t, t.now);
			probe_rtt_sample(t.m, p, 1);
			t.m->own_dirty = true; /* as if something asked for a new version */
			break;
		}
		h_collect(&t);
		h_later(&t, 500);
		if ((own(&t)->seq != seq) != cases[i].news)
			fail_msg("%s: seq %llu -> %llu", cases[i].what, (unsigned long long)seq,
				 (unsigned long long)own(&t)->seq);
		if (cases[i].news)
			assert_true(own(&t)->seq == seq + 1);
		assert_int_equal(h_count_sent_to(&t, &b, WIRE_RECORD) != 0, cases[i].news);
		assert_false(t.m->own_dirty);
		h_teardown(&t);
	}
}

/*
 * At most one version per MESH_ORIGINATE_GAP_MS: the first change after a
 * quiet spell goes out at once, later ones together when the gap is over;
 * changes that cancel out within the gap make none.
 */
static void test_originate_gap(void **state)
{
	enum ev { NONE, TRANSIT_OFF, TRANSIT_ON, ROAM };
	static const struct {
		const char *what;
		struct {
			uint64_t at;
			enum ev ev;
			uint64_t versions;	/* new versions by then */
		} steps[6];
	} cases[] = {
		{ "two changes 10 ms apart", {
			{ 0, TRANSIT_OFF, 1 }, { 10, ROAM, 1 }, { 99, NONE, 1 },
			{ 100, NONE, 2 }, { 1000, NONE, 2 } } },
		{ "changes that cancel out", {
			{ 0, TRANSIT_OFF, 1 }, { 10, TRANSIT_ON, 1 }, { 50, TRANSIT_OFF, 1 },
			{ 100, NONE, 1 }, { 1000, NONE, 1 } } },
		{ "changes far apart", {
			{ 0, TRANSIT_OFF, 1 }, { 100, TRANSIT_ON, 2 }, { 250, ROAM, 3 },
			{ 1000, NONE, 3 } } },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct prefix pfx[2] = { { h_ip(198, 18, 0, 1), 24 }, { h_ip(203, 0, 113, 9), 24 } };
		uint64_t seq, t0;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		h_answer_probes(&t, &b, 3000);
		seq = own(&t)->seq;
		t0 = t.now;
		for (size_t k = 0; k < ARRAY_SIZE(cases[c].steps); k++) {
			uint64_t at = cases[c].steps[k].at;
			if (k && !at)
				break;
			h_later(&t, t0 + at - t.now);
			switch (cases[c].steps[k].ev) {
			case NONE:
				break;
			case TRANSIT_OFF:
				mesh_set_options(t.m, WIRE_NODE_NO_TRANSIT, 0, 0, t.now);
				break;
			case TRANSIT_ON:
				mesh_set_options(t.m, 0, 0, 0, t.now);
				break;
			case ROAM:
				mesh_set_local_prefixes(t.m, pfx, 2, t.now);
				break;
			}
			h_collect(&t);
			if (own(&t)->seq - seq != cases[c].steps[k].versions)
				fail_msg("%s: at +%llu ms %llu versions", cases[c].what,
					 (unsigned long long)at,
					 (unsigned long long)(own(&t)->seq - seq));
		}
		h_teardown(&t);
	}
}

/* Are there warnings containing `text` among the pending actions? */
static bool warned(const struct h *t, const char *text)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(t->m, &acts);

	for (size_t i = 0; i < n; i++)
		if (acts[i].type == MESH_ACT_LOG && acts[i].u.log.level == MESH_LOG_WARN &&
		    strstr(acts[i].u.log.text, text))
			return true;
	return false;
}

/*
 * A newer record of ourselves (noted during an event, applied at its end):
 * our boot moves past it, at most once per MESH_BOOT_MOVE_GAP_MS (another
 * node may run with our address: two nodes moving past each other must
 * not race) and never further than MESH_BOOT_JUMP_MAX (a forged record
 * would push us beyond any real boot), unless this host's clock is not
 * trusted. Each refusal is a warning, at most one per 30 s.
 *
 *   boot 500 at t = 0
 */
#define JUMP MESH_BOOT_JUMP_MAX
static void test_boot_moves(void **state)
{
	static const struct {
		uint64_t at;		/* s */
		uint64_t newer;		/* of the boot before the step */
		bool untrusted;
		uint64_t boot;		/* ours afterwards */
		const char *warning;	/* NULL: none */
	} steps[] = {
		{ 0, 600, false, 601, "moving our boot id past it" },
		{ 10, 700, false, 601, "another node may run with this node's address" },
		{ 20, 700, false, 601, NULL },		/* warned 10 s ago */
		{ 30, 700, false, 701, "moving our boot id past it" },
		{ 70, 701 + JUMP + 1, false, 701, "far ahead of ours" },
		{ 71, 701 + JUMP + 1, false, 701, NULL },
		{ 80, 701 + JUMP, false, 702 + JUMP, "moving our boot id past it" },
		{ 120, UINT64_MAX - 1, true, 702 + JUMP, NULL },	/* never the top */
		{ 150, 702 + 3 * JUMP, true, 703 + 3 * JUMP, "moving our boot id past it" },
		{ 200, 702 + 3 * JUMP, false, 703 + 3 * JUMP, NULL },	/* older than ours */
	};
	struct h t;
	struct h_fake b;
	uint64_t t0, moves = 0;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	t0 = t.now;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		uint64_t before = t.m->cfg.boot;

		h_answer_probes(&t, &b, t0 + steps[i].at * 1000 - t.now);
		h_at(&t, t.now);
		t.m->cfg.clock_untrusted = steps[i].untrusted;
		h_reset(&t);
		mesh_note_newer_self(t.m, steps[i].newer, "a test");
		self_apply_newer(t.m);
		if (t.m->cfg.boot != steps[i].boot)
			fail_msg("step %zu: boot %llu", i, (unsigned long long)t.m->cfg.boot);
		if (steps[i].warning ? !warned(&t, steps[i].warning) : warned(&t, ""))
			fail_msg("step %zu: warning", i);
		moves += t.m->cfg.boot != before;
		assert_true(mesh_counters(t.m)->boot_moves == moves);
		assert_true(t.m->newer_self_boot == 0);
		h_collect(&t);
		if (t.m->cfg.boot != before) {
			/* a new start to the neighbours: hello with it; a record of it */
			const struct wire_msg *hello = h_sent_to(&t, &b, WIRE_HELLO);
			assert_non_null(hello);
			assert_true(hello->hdr.boot == t.m->cfg.boot);
			h_answer_probes(&t, &b, 200);
			assert_true(own(&t)->boot == t.m->cfg.boot);
		}
	}
	h_teardown(&t);
}
#undef JUMP

/*
 * The same, end to end: B passes on a record of A with a newer boot (a
 * start of ours whose clock ran ahead): A's boot moves past it within the
 * event, and B must confirm the new start.
 */
static void test_newer_record_of_us(void **state)
{
	struct h t;
	struct h_fake b;
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	memset(key, 0xa2, sizeof(key));
	h_reset(&t);
	h_feed_record(&t, &b, &t.cfg.id, "alice", 900, 4, key, &b.id, 1);
	assert_true(t.m->cfg.boot == 901);
	assert_non_null(h_sent_to(&t, &b, WIRE_HELLO));
	assert_true(h_sent_to(&t, &b, WIRE_HELLO)->hdr.boot == 901);
	/* the same boot, a newer seq than ours: a copy of us elsewhere; it moves too */
	h_answer_probes(&t, &b, MESH_BOOT_MOVE_GAP_MS);
	h_feed_record(&t, &b, &t.cfg.id, "alice", 901, t.m->seq + 10, key, &b.id, 1);
	assert_true(t.m->cfg.boot == 902);
	/* our own record as we hold it: nothing */
	h_answer_probes(&t, &b, MESH_BOOT_MOVE_GAP_MS);
	h_feed_record(&t, &b, &t.cfg.id, "alice", 902, t.m->seq, key, &b.id, 1);
	assert_true(t.m->cfg.boot == 902);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_new_version_only_for_news),
		cmocka_unit_test(test_originate_gap),
		cmocka_unit_test(test_boot_moves),
		cmocka_unit_test(test_newer_record_of_us),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
