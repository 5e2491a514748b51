/*
 * Tests for src/core/sample.c with a real core (core_harness.h): what
 * WireGuard's counters of a neighbour's peer tell the core. Traffic
 * received proves it alive; counters that go back are a fresh peer;
 * sending into a silent tunnel starts a check; a handshake lets the
 * adjacency be claimed; the endpoint WireGuard sees is told to the
 * neighbour, once. A is 10.99.0.1, B 10.99.0.2 on A's LAN.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A's device reports f's peer with these counters (and endpoint, if any). */
static void sample(struct h *t, struct h_fake *f, uint64_t rx, uint64_t tx, bool handshake,
		   const struct endpoint *ep)
{
	struct mesh_wg_stats st;

	memset(&st, 0, sizeof(st));
	memcpy(st.pubkey, f->key, WIRE_KEY_LEN);
	st.rx_bytes = rx;
	st.tx_bytes = tx;
	st.last_handshake_sec = handshake ? 1600000000 : 0;
	if (ep) {
		st.has_endpoint = true;
		st.endpoint = *ep;
	}
	mesh_on_wg_stats(t->m, t->now, &st, 1);
	h_collect(t);
}

/* A and B up, quiet, B's counters at 10000/20000 (sampled). */
static struct mesh_peer *up(struct h *t, struct h_fake *b)
{
	h_setup(t, 0, 1);
	h_fake_init(b, 2, "bob", 7);
	h_neighbour_up(t, b, NULL, 0);
	h_answer_probes(t, b, 2 * MESH_SYNC_CHECK_MS);
	sample(t, b, 10000, 20000, true, NULL);
	h_reset(t);
	return mesh_peer_get(t->m, &b->id);
}

/*
 * Counters that go back mean a fresh peer in WireGuard (fib.c re-created
 * it): the baselines start from zero, so what the new peer received
 * counts as heard. Counters that only grow are compared as they are.
 *
 *   before 10000/20000 (rx/tx)
 */
static void test_counters_back(void **state)
{
	static const struct {
		const char *what;
		uint64_t rx, tx;
		bool heard;
	} cases[] = {
		{ "both back, something received", 92, 148, true },
		{ "both back, nothing received", 0, 148, false },
		{ "tx back only", 10000, 148, true },
		{ "rx back only", 50, 20000, true },
		{ "rx grew", 10001, 20000, true },
		{ "nothing moved", 10000, 20000, false },
		{ "tx grew", 10000, 30000, false },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b);

		t.now += 100;
		p->seen.last_rx = 1;
		sample(&t, &b, cases[c].rx, cases[c].tx, false, NULL);
		if ((p->seen.last_rx == t.now) != cases[c].heard)
			fail_msg("%s: heard %d", cases[c].what, !cases[c].heard);
		assert_true(p->seen.rx == cases[c].rx && p->seen.tx == cases[c].tx);
		assert_true(p->seen.at == t.now);
		h_teardown(&t);
	}
}

/*
 * Sending into a tunnel that stays silent: once nothing has been heard
 * from the neighbour (admin packets or WireGuard) for MESH_STALL_MS, a
 * sample showing traffic sent and none received starts a check at once
 * (a probe now), not at the idle timer. On a slow path (a smoothed round
 * trip of 600 ms, 300 ms each way) the answer to what we sent takes that
 * long: silence counts from two round trips (with 500 ms, a live
 * neighbour 600 ms away was checked every few seconds under traffic).
 */
static void test_stall_starts_check(void **state)
{
	static const struct {
		const char *what;
		uint64_t silent;	/* ms since B was last heard */
		uint64_t drx, dtx;	/* counter growth in the sample */
		bool up;
		bool checked;
		uint32_t srtt;		/* ms; 0: as measured (a few ms) */
	} cases[] = {
		{ "silent 499 ms", MESH_STALL_MS - 1, 0, 1000, true, false, 0 },
		{ "silent 500 ms", MESH_STALL_MS, 0, 1000, true, true, 0 },
		{ "silent 5 s", 5000, 0, 1000, true, true, 0 },
		{ "silent, but nothing sent", 5000, 0, 0, true, false, 0 },
		{ "something came back", 5000, 92, 1000, true, false, 0 },
		{ "no adjacency", 5000, 0, 1000, false, false, 0 },
		{ "srtt 200 ms, silent 500 ms", MESH_STALL_MS, 0, 1000, true, true, 200 },
		{ "srtt 600 ms, silent 800 ms", 800, 0, 1000, true, false, 600 },
		{ "srtt 600 ms, silent 1199 ms", 1199, 0, 1000, true, false, 600 },
		{ "srtt 600 ms, silent 1200 ms", 1200, 0, 1000, true, true, 600 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		struct h_fake b;
		struct mesh_peer *p = up(&t, &b);
		struct wire_msg ping = h_msg(&b, WIRE_PING);

		ping.u.ping.record_seq = b.seq;
		h_feed(&t, &b, &ping);
		if (cases[c].srtt)
			p->adj.srtt_ms = cases[c].srtt;
		if (!cases[c].up)
			adj_down(t.m, p, "a test");
		h_collect(&t);
		h_reset(&t);
		t.now += cases[c].silent;
		sample(&t, &b, 10000 + cases[c].drx, 20000 + cases[c].dtx, false, NULL);
		if ((h_count_sent_to(&t, &b, WIRE_PING) == 1) != cases[c].checked)
			fail_msg("%s: %zu probes", cases[c].what, h_count_sent_to(&t, &b, WIRE_PING));
		assert_int_equal(p->adj.check_since != 0, cases[c].checked);
		if (cases[c].checked) /* at least 4 RTT (probe.c) */
			assert_true(p->adj.check_dead_ms ==
				    (4u * p->adj.srtt_ms > MESH_PROBE_DEAD_STALL_MS ? 4u * p->adj.srtt_ms
										  : MESH_PROBE_DEAD_STALL_MS));
		/* the stall is noted (the host samples more often) whenever we send into silence */
		assert_int_equal(p->seen.stall_since != 0, cases[c].dtx && !cases[c].drx);
		h_teardown(&t);
	}
}

/*
 * Traffic into a tunnel that stays silent, end to end: the neighbour is
 * checked at once and dropped within MESH_PROBE_DEAD_STALL_MS: with a
 * sample every second, within 3 s of its death.
 */
static void test_stall_end_to_end(void **state)
{
	struct h t;
	struct h_fake b;
	uint64_t died;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_later(&t, 5000);
	h_wg_sample(&t, &b, false); /* traffic both ways so far */
	b.wg_rx += 1000;
	h_wg_sample(&t, &b, false);
	died = t.now;
	h_reset(&t);
	for (int k = 0; k < 10 && h_adjacent(&t, &b.id); k++) {
		h_later(&t, 1000);
		b.wg_tx += 5000; /* we send; nothing comes back */
		h_wg_sample(&t, &b, false);
	}
	assert_false(h_adjacent(&t, &b.id));
	assert_true(t.now - died <= 3000 + 1000);
	h_teardown(&t);
}

/*
 * A handshake in a sample lets the adjacency be claimed (our record names
 * B); without one it stays unclaimed. Samples of a key we have no peer for
 * change nothing.
 */
static void test_handshake_reported(void **state)
{
	struct h t;
	struct h_fake b, stranger;
	struct mesh_peer *p;
	uint64_t seq;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&stranger, 9, "stranger", 7);
	h_handshake(&t, &b);
	h_later(&t, 100);
	p = mesh_peer_get(t.m, &b.id);
	assert_true(p->fib.on);
	sample(&t, &b, 0, 148, false, NULL);
	h_later(&t, 200);
	assert_false(p->fib.handshake);
	assert_false(h_claims(&t, &b.id));
	seq = lsdb_get(&t.m->db, &t.cfg.id)->seq;
	h_reset(&t);
	sample(&t, &stranger, 92, 148, true, NULL);
	h_later(&t, 200);
	assert_int_equal(t.n_sent + t.n_sets + t.n_removed, 0);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq);
	sample(&t, &b, 92, 296, true, NULL);
	assert_true(p->fib.handshake);
	h_later(&t, 200);
	assert_true(h_claims(&t, &b.id));
	assert_non_null(h_sent_to(&t, &b, WIRE_RECORD)); /* our new record, to B too */
	h_teardown(&t);
}

/*
 * The endpoint A's WireGuard sees B's packets come from (B's reflexive
 * endpoint behind NAT) is told to B in a probe at once, and again only
 * when it changes; not before WireGuard has heard from B (until then it is
 * our own guess), and not to a node that is no neighbour.
 */
static void test_tell_endpoint(void **state)
{
	static const struct {
		const char *what;
		uint8_t ep;		/* 203.0.113.EP:40000; 0 = none */
		uint64_t drx;
		bool told;
	} steps[] = {
		{ "no endpoint", 0, 92, false },
		{ "an endpoint", 5, 92, true },
		{ "the same", 5, 92, false },
		{ "the same, quiet", 5, 0, false },
		{ "another", 6, 0, true },
		{ "back to the first", 5, 92, true },
	};
	struct h t;
	struct h_fake b;
	uint64_t rx = 0, tx = 0;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_handshake(&t, &b);
	h_later(&t, 100);
	/* nothing heard through WireGuard yet: not told */
	h_reset(&t);
	sample(&t, &b, 0, 148, false, &(struct endpoint){ h_ip(203, 0, 113, 4), 40000 });
	assert_int_equal(h_count_sent_to(&t, &b, WIRE_PING), 0);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct endpoint ep = h_ep(203, 0, 113, steps[i].ep, 40000);
		const struct wire_msg *ping;

		h_reset(&t);
		t.now += 100;
		rx += steps[i].drx;
		tx += 148;
		sample(&t, &b, rx, tx, true, steps[i].ep ? &ep : NULL);
		ping = h_sent_to(&t, &b, WIRE_PING);
		if ((ping != NULL) != steps[i].told)
			fail_msg("%s: told %d", steps[i].what, ping != NULL);
		if (ping) {
			assert_true(ping->u.ping.has & WIRE_PING_HAS_OBSERVED_WG);
			assert_true(endpoint_eq(&ping->u.ping.observed_wg, &ep));
		}
	}
	/* an endpoint with port 0 is none (a probe carrying it would not encode) */
	h_reset(&t);
	t.now += 100;
	sample(&t, &b, rx += 92, tx += 148, true, &(struct endpoint){ h_ip(203, 0, 113, 7), 0 });
	assert_int_equal(h_count_sent_to(&t, &b, WIRE_PING), 0);
	assert_false(mesh_peer_get(t.m, &b.id)->seen.has_endpoint);
	/* B is no neighbour any more: nothing told */
	adj_down(t.m, mesh_peer_get(t.m, &b.id), "a test");
	h_collect(&t);
	h_reset(&t);
	sample(&t, &b, rx + 92, tx + 148, true, &(struct endpoint){ h_ip(203, 0, 113, 9), 1 });
	assert_int_equal(h_count_sent_to(&t, &b, WIRE_PING), 0);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_back),
		cmocka_unit_test(test_stall_starts_check),
		cmocka_unit_test(test_stall_end_to_end),
		cmocka_unit_test(test_handshake_reported),
		cmocka_unit_test(test_tell_endpoint),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
