/*
 * Tests for src/core/probe.c with a real core (core_harness.h): probe ids
 * and round-trip samples, the cost of an adjacency and its hysteresis,
 * when a silent neighbour is checked, what ends a check and how long a
 * check waits before the neighbour is dead. A is 10.99.0.1 (or .5) on
 * 198.18.0.0/24; its neighbours are fakes on that LAN.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A and neighbour f, up and quiet (the summary probe after the records answered). */
static struct mesh_peer *up(struct h *t, struct h_fake *f, uint8_t a_last, uint8_t f_last)
{
	h_setup(t, 0, a_last);
	h_fake_init(f, f_last, "bob", 7);
	h_neighbour_up(t, f, NULL, 0);
	h_answer_probes(t, f, 2 * MESH_SYNC_CHECK_MS);
	h_reset(t);
	return mesh_peer_get(t->m, &f->id);
}

/* The PINGs A sent to f since the last reset, and when. */
static size_t pings(const struct h *t, const struct h_fake *f, const struct wire_msg **msg,
		    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		if (t->sent[i].msg.hdr.type == WIRE_PING && endpoint_eq(&t->sent[i].to, &f->ep)) {
			if (n < max)
				msg[n] = &t->sent[i].msg;
			n++;
		}
	return n;
}

/* ---- probe ids and round trips ---- */

/*
 * Ten probes 10 ms apart, ids consecutive; a PONG at +100 ms gives a
 * round-trip sample only for one of the last MESH_PROBE_RING of them; an
 * id never sent, or long gone, gives none.
 *
 *   sent   id0 id1 id2 ... id9      (at 0, 10, 20, ... 90 ms)
 *   ring               id2 ... id9  (the last 8)
 */
static void test_probe_ring(void **state)
{
	static const struct {
		int64_t k;		/* id = first + k */
		uint32_t rtt;		/* 0: no sample */
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 80 }, { 5, 50 }, { 9, 10 },
		{ 10, 0 },		/* not sent yet */
		{ -1, 0 },		/* before the first */
		{ 1000000, 0 },
	};

	(void)state;
	assert_int_equal(MESH_PROBE_RING, 8);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b, 1, 2);
		const struct wire_msg *sent[10];
		uint64_t t0 = t.now + 1;
		struct wire_msg pong;

		for (int k = 0; k < 10; k++) {
			h_at(&t, t0 + 10u * (unsigned)k);
			probe_send(t.m, p);
			h_collect(&t);
		}
		assert_int_equal(pings(&t, &b, sent, 10), 10);
		for (int k = 1; k < 10; k++)
			assert_int_equal(sent[k]->u.ping.probe_id, sent[0]->u.ping.probe_id + (uint32_t)k);
		/* what every probe carries: our record seq and database summary */
		assert_true(sent[9]->u.ping.record_seq == t.m->seq);
		assert_true(sent[9]->u.ping.has & WIRE_PING_HAS_DB);
		assert_int_equal(sent[9]->u.ping.db_total, lsdb_count(&t.m->db));
		assert_true(sent[9]->u.ping.db_hash == lsdb_hash(&t.m->db));

		t.now = t0 + 100;
		p->adj.rtt_ms = 77777;
		pong = h_msg(&b, WIRE_PONG);
		pong.u.ping.probe_id = sent[0]->u.ping.probe_id + (uint32_t)cases[c].k;
		h_feed(&t, &b, &pong);
		if (p->adj.rtt_ms != (cases[c].rtt ? cases[c].rtt : 77777))
			fail_msg("answer to probe %lld: rtt %u", (long long)cases[c].k, p->adj.rtt_ms);
		h_teardown(&t);
	}
}

/* ---- costs ---- */

/*
 * The cost of an adjacency: its kind's (a hop 10, a LAN hop 1) plus the
 * base round trip (the window's minimum) rounded up to a power of two (8
 * and up; below 8 ms nothing). It moves only when the base leaves the
 * current bucket by a quarter: above 5/4 of it, or below 3/8 of it (the
 * bucket below ends at 1/2). A move makes our record due.
 */
static void test_cost_hysteresis(void **state)
{
	static const struct {
		const char *what;
		uint8_t kind;
		uint16_t cost;		/* before */
		uint32_t first;		/* the window restarts with it */
		uint32_t samples[10];	/* then these, 0-terminated */
		uint16_t want;
	} cases[] = {
		{ "9 ms: in bucket 16, not clearly above 8", WIRE_PATH_DIRECT, 10, 9, { 9 }, 10 },
		{ "11 ms: clearly above", WIRE_PATH_DIRECT, 10, 11, { 11 }, 26 },
		{ "20 ms: a quarter above 16 exactly", WIRE_PATH_DIRECT, 26, 20, { 20 }, 26 },
		{ "21 ms: beyond it", WIRE_PATH_DIRECT, 26, 21, { 21 }, 42 },
		{ "13 ms in 32: not clearly below", WIRE_PATH_DIRECT, 42, 13, { 13 }, 42 },
		{ "11 ms in 32: clearly below", WIRE_PATH_DIRECT, 42, 11, { 11 }, 26 },
		{ "6 ms in 16: 3/8 exactly", WIRE_PATH_DIRECT, 26, 6, { 6 }, 26 },
		{ "5 ms in 16: below, and below 8 ms", WIRE_PATH_DIRECT, 26, 5, { 5 }, 10 },
		{ "a LAN hop", WIRE_PATH_LAN, 1, 50, { 50 }, 65 },
		{ "a NAT hop", WIRE_PATH_NAT, 10, 50, { 50 }, 74 },
		{ "slow samples, a fast one still in the window", WIRE_PATH_DIRECT, 26, 16,
		  { 100, 100, 100, 100, 100, 100, 100 }, 26 },
		{ "a whole window of slow ones", WIRE_PATH_DIRECT, 26, 16,
		  { 100, 100, 100, 100, 100, 100, 100, 100 }, 138 },
		{ "one fast sample lowers it at once", WIRE_PATH_DIRECT, 138, 100,
		  { 100, 100, 100, 3 }, 10 },
		{ "very slow: the largest bucket", WIRE_PATH_DIRECT, 10, 60000, { 60000 }, 2058 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b, 1, 2);

		p->adj.kind = cases[c].kind;
		p->adj.cost = cases[c].cost;
		t.m->own_dirty = false;
		probe_rtt_first(p, cases[c].first);
		assert_int_equal(p->adj.cost, cases[c].cost); /* the first sample moves nothing */
		for (size_t k = 0; k < ARRAY_SIZE(cases[c].samples) && cases[c].samples[k]; k++)
			probe_rtt_sample(t.m, p, cases[c].samples[k]);
		if (p->adj.cost != cases[c].want)
			fail_msg("%s: cost %u, want %u", cases[c].what, p->adj.cost, cases[c].want);
		assert_int_equal(t.m->own_dirty, cases[c].want != cases[c].cost);
		assert_true(p->adj.cost <= MESH_COST_MAX);
		/* probe_cost is the cost without hysteresis */
		if (cases[c].want != cases[c].cost)
			assert_int_equal(probe_cost(p), cases[c].want);
		/* no cost while the adjacency is down */
		p->adj.up = false;
		t.m->own_dirty = false;
		probe_rtt_sample(t.m, p, 1);
		assert_int_equal(p->adj.cost, cases[c].want);
		assert_false(t.m->own_dirty);
		assert_int_equal(p->adj.rtt_ms, 1); /* still a sample */
		h_teardown(&t);
	}
}

/* Wait for A's next probe to f and answer it RTT ms later. */
static void probe_answered_after(struct h *t, struct h_fake *f, uint64_t rtt)
{
	size_t seen = t->n_sent;

	for (int k = 0; k < 600; k++) {
		h_later(t, 100);
		for (; seen < t->n_sent; seen++) {
			const struct wire_msg *ping = &t->sent[seen].msg;
			if (!endpoint_eq(&t->sent[seen].to, &f->ep) || ping->hdr.type != WIRE_PING)
				continue;
			t->now += rtt;
			h_answer_ping(t, f, ping);
			return;
		}
	}
	fail_msg("no probe to %s within 60 s", f->name);
}

static uint16_t own_cost_to(const struct h *t, const struct addr *id)
{
	const struct lsdb_record *r = lsdb_get(&t->m->db, &t->cfg.id);

	for (size_t i = 0; r && i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return r->neigh[i].cost;
	return 0;
}

/*
 * The same, end to end: the cost in our record follows the minimum of the
 * last MESH_RTT_WINDOW round trips: answers delayed by a busy host
 * (spikes) leave it and our record alone; a path that really got slower
 * raises it once every sample in the window shows it; a faster sample
 * lowers it at once.
 */
static void test_rtt_cost_ignores_load(void **state)
{
	static const uint64_t spikes[] = { 40, 90, 3, 250, 20, 60 };
	struct h t;
	struct h_fake b;
	uint16_t base_cost;
	uint64_t seq;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_later(&t, 3000);
	base_cost = own_cost_to(&t, &b.id);
	assert_int_not_equal(base_cost, 0);
	seq = lsdb_get(&t.m->db, &t.cfg.id)->seq;
	for (size_t i = 0; i < ARRAY_SIZE(spikes); i++)
		probe_answered_after(&t, &b, spikes[i]);
	assert_int_equal(own_cost_to(&t, &b.id), base_cost);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq); /* nothing flooded */
	/* slower for a whole window: the cost rises, once */
	for (int i = 0; i < MESH_RTT_WINDOW; i++)
		probe_answered_after(&t, &b, 40);
	h_later(&t, 1000);
	assert_true(own_cost_to(&t, &b.id) > base_cost);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq + 1);
	/* one fast answer: back down */
	probe_answered_after(&t, &b, 1);
	h_later(&t, 1000);
	assert_int_equal(own_cost_to(&t, &b.id), base_cost);
	h_teardown(&t);
}

/* ---- liveness ---- */

/*
 * A silent neighbour is checked after MESH_PROBE_IDLE_MS if its id is
 * higher than ours, MESH_PROBE_IDLE_SLACK_MS later if lower: usually one
 * side probes and its answer keeps the other quiet.
 *
 *   A = 10.99.0.5;  .9 is checked after 15 s, .2 after 17 s
 */
static void test_idle_asymmetry(void **state)
{
	static const struct {
		uint8_t id;
		uint64_t idle;
	} cases[] = {
		{ 9, MESH_PROBE_IDLE_MS },
		{ 200, MESH_PROBE_IDLE_MS },
		{ 2, MESH_PROBE_IDLE_MS + MESH_PROBE_IDLE_SLACK_MS },
		{ 4, MESH_PROBE_IDLE_MS + MESH_PROBE_IDLE_SLACK_MS },
	};

	(void)state;
	assert_int_equal(MESH_PROBE_IDLE_MS, 15000);
	assert_int_equal(MESH_PROBE_IDLE_MS + MESH_PROBE_IDLE_SLACK_MS, 17000);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake f;
		struct mesh_peer *p = up(&t, &f, 5, cases[c].id);
		uint64_t last = mesh_last_heard(p);

		assert_true(probe_idle_ms(t.m, p) == cases[c].idle);
		h_later(&t, last + cases[c].idle - 1 - t.now);
		if (h_count_sent_to(&t, &f, WIRE_PING) != 0)
			fail_msg(".%u: probed before %llu ms", cases[c].id,
				 (unsigned long long)cases[c].idle);
		h_later(&t, 1);
		assert_int_equal(h_count_sent_to(&t, &f, WIRE_PING), 1);
		h_teardown(&t);
	}
}

/*
 * A check ends with anything that proves the neighbour alive: any
 * authentic packet from it, or WireGuard traffic from it received after
 * the check began; no more probes, and it stays up past the check's
 * budget. Nothing: down after it. Traffic that shows in the first sample
 * after the check began may have arrived before it (the neighbour may
 * have died since): that proves nothing, the next sample's does.
 */
static void test_check_ends_on_any_packet(void **state)
{
	enum what { NOTHING, PONG, PING, DIGEST, RECORD, HELLO, WG_RX, WG_RX_BEFORE, WG_TX };
	static const struct {
		enum what what;
		bool alive;
	} cases[] = {
		{ NOTHING, false }, { PONG, true }, { PING, true }, { DIGEST, true },
		{ RECORD, true }, { HELLO, true }, { WG_RX, true },
		{ WG_RX_BEFORE, false }, /* maybe before the check began */
		{ WG_TX, false },	/* our traffic to it proves nothing */
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b, 1, 2);
		const struct wire_msg *first[1] = { NULL };
		struct wire_msg m;
		uint64_t t0 = t.now + 1;

		h_at(&t, t0);
		probe_check(t.m, p, MESH_PROBE_DEAD_IDLE_MS, "a test");
		h_collect(&t);
		assert_int_equal(pings(&t, &b, first, 1), 1);
		t.now = t0 + 100;
		switch (cases[c].what) {
		case NOTHING:
			break;
		case PONG:
			h_answer_ping(&t, &b, first[0]);
			break;
		case PING:
			m = h_msg(&b, WIRE_PING);
			h_feed(&t, &b, &m);
			break;
		case DIGEST:
			m = h_msg(&b, WIRE_DIGEST);
			m.u.digest.total = 2;
			h_feed(&t, &b, &m);
			break;
		case RECORD:
			h_own_record(&t, &b, &t.cfg.id, 1);
			break;
		case HELLO:
			m = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, 0);
			h_feed(&t, &b, &m);
			break;
		case WG_RX:
			t.now = t0 + 50;
			h_wg_sample(&t, &b, false); /* a sample after the check began */
			t.now = t0 + 100;
			h_wg_sample(&t, &b, true); /* traffic since then */
			break;
		case WG_RX_BEFORE:
			h_wg_sample(&t, &b, true);
			break;
		case WG_TX:
			h_wg_sample(&t, &b, false);
			break;
		}
		h_reset(&t);
		h_later(&t, MESH_PROBE_DEAD_IDLE_MS);
		if (h_adjacent(&t, &b.id) != cases[c].alive)
			fail_msg("case %zu: adjacent %d", c, !cases[c].alive);
		if (cases[c].alive)
			assert_int_equal(h_count_sent_to(&t, &b, WIRE_PING), 0);
		else
			assert_true(h_count_sent_to(&t, &b, WIRE_PING) > 5);
		h_teardown(&t);
	}
}

/*
 * A check's budget is its own (3 s silent, 2 s stalled, 1 s another node
 * lost it, 2 s a claim) or four smoothed round trips, whichever is longer;
 * it probes every MESH_PROBE_EVERY_MS, or half a round trip if longer.
 * The neighbour is down at the budget's end, to the millisecond.
 */
static void test_check_budget(void **state)
{
	static const struct {
		uint32_t srtt;
		uint64_t dead_ms;
		uint64_t budget, every;
	} cases[] = {
		{ 0, MESH_PROBE_DEAD_IDLE_MS, 3000, 250 },
		{ 0, MESH_PROBE_DEAD_HINT_MS, 1000, 250 },
		{ 100, MESH_PROBE_DEAD_STALL_MS, 2000, 250 },
		{ 600, MESH_PROBE_DEAD_STALL_MS, 2400, 300 },
		{ 1000, MESH_PROBE_DEAD_IDLE_MS, 4000, 500 },
		{ 2000, MESH_PROBE_DEAD_HINT_MS, 8000, 1000 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b, 1, 2);
		const struct wire_msg *sent[64];
		uint64_t t0 = t.now + 1;
		size_t n;

		p->adj.srtt_ms = cases[c].srtt;
		h_at(&t, t0);
		probe_check(t.m, p, cases[c].dead_ms, "a test");
		h_collect(&t);
		assert_true(p->adj.check_dead_ms == cases[c].budget);
		/* a second check while one runs changes nothing */
		probe_check(t.m, p, 1, "another");
		assert_true(p->adj.check_since == t0 && p->adj.check_dead_ms == cases[c].budget);
		h_later(&t, cases[c].budget - 1);
		assert_true(h_adjacent(&t, &b.id));
		h_later(&t, 1);
		if (h_adjacent(&t, &b.id))
			fail_msg("srtt %u: up after %llu ms", cases[c].srtt,
				 (unsigned long long)cases[c].budget);
		n = pings(&t, &b, sent, ARRAY_SIZE(sent));
		assert_true(n == (cases[c].budget + cases[c].every - 1) / cases[c].every);
		assert_true(p->adj.check_since == 0);
		h_teardown(&t);
	}
}

/*
 * A silent neighbour is checked after probe_idle_ms(): probes every
 * MESH_PROBE_EVERY_MS; the first answer ends the check; none for
 * MESH_PROBE_DEAD_IDLE_MS ends the adjacency: within 30 s of silence.
 * Many probes make a lossy link survive: one answer of twelve is enough.
 */
static void test_probes(void **state)
{
	struct h t;
	struct h_fake b;
	uint64_t idle, t0;
	size_t n;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	assert_true(h_has_route(&t, &b.id));
	/* the summary probe a second after the records: answered */
	h_answer_probes(&t, &b, 2 * MESH_SYNC_CHECK_MS);
	idle = probe_idle_ms(t.m, mesh_peer_get(t.m, &b.id));
	assert_true(idle + MESH_PROBE_DEAD_IDLE_MS <= 30000);
	t0 = mesh_last_heard(mesh_peer_get(t.m, &b.id));
	h_reset(&t);
	h_later(&t, t0 + idle - 1 - t.now);
	assert_int_equal(h_count_sent(&t, WIRE_PING), 0);
	h_later(&t, 1);
	assert_int_equal(h_count_sent(&t, WIRE_PING), 1);
	/* lossy: the 11th probe is answered; the check ends, bob stays */
	h_later(&t, 10 * MESH_PROBE_EVERY_MS);
	n = h_count_sent(&t, WIRE_PING);
	assert_int_equal(n, 11);
	h_answer_ping(&t, &b, &t.sent[t.n_sent - 1].msg);
	h_later(&t, MESH_PROBE_DEAD_IDLE_MS);
	assert_true(h_adjacent(&t, &b.id));
	assert_int_equal(h_count_sent(&t, WIRE_PING), n);

	/* now B falls silent for good */
	t0 = mesh_last_heard(mesh_peer_get(t.m, &b.id));
	h_reset(&t);
	h_later(&t, t0 + idle + MESH_PROBE_DEAD_IDLE_MS - 1 - t.now);
	assert_true(h_adjacent(&t, &b.id));
	h_later(&t, 1);
	assert_false(h_adjacent(&t, &b.id));
	assert_true(h_was_removed(&t, b.key));
	assert_false(h_has_route(&t, &b.id));
	assert_true(t.now - t0 <= 30000);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_ring),
		cmocka_unit_test(test_cost_hysteresis),
		cmocka_unit_test(test_rtt_cost_ignores_load),
		cmocka_unit_test(test_idle_asymmetry),
		cmocka_unit_test(test_check_ends_on_any_packet),
		cmocka_unit_test(test_check_budget),
		cmocka_unit_test(test_probes),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
