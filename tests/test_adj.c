/*
 * Tests for src/core/adj.c through the harness (core_harness.h):
 * adjacencies as one core ("A", 10.99.0.1 at 198.18.0.1:50001) sees them.
 * First contact and its stateless challenges (bounded in number), hellos
 * bound to their path (no keyless splice, listed peers only at their
 * address, a new source proves itself), replays, claims of an address by
 * another start, clocks that went back or jump, hello retries to a static
 * peer, LAN hellos while alone, roaming, and a neighbour's LEAVE.
 * (Probes and costs: test_probe.c; the adjacency's WireGuard peer: test_fib.c.)
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- first contact ---- */

/*
 *   B --HELLO(chal b)------------------> A   nothing stored, REPLY(echo b, chal a)
 *   B <-HELLO_REPLY(echo b, chal a)----- A
 *   B --HELLO(echo a, peer_boot)-------> A   adjacency up, B's peer installed
 *   B <-HELLO_REPLY(peer_boot)---------- A
 *   WireGuard handshake                      A claims B in its record
 *   B --RECORD(B: A)-------------------> A   edge confirmed: AllowedIPs and route
 */
static void test_handshake(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg h;
	const struct wire_msg *reply;
	const struct h_set *ps;
	struct addr neigh[1];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	h_feed(&t, &b, &h);
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.echo == 0xb0b);
	assert_true(reply->u.hello.challenge != 0);
	/* the reply names where it went (B's source) and where B's packets came from */
	assert_true(reply->u.hello.has & WIRE_HELLO_HAS_TO);
	assert_true(endpoint_eq(&reply->u.hello.to, &b.ep));
	/* before the echo: nothing stored at all, only the reply */
	assert_int_equal(t.n_sent, 1);
	assert_int_equal(t.n_sets, 0);
	assert_null(mesh_peer_get(t.m, &b.id));
	assert_false(h_node_known(&t, &b.id));
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 1);

	/* a wrong echo confirms nothing */
	h_reset(&t);
	t.now += 200;
	h = h_hello(&t, &b, WIRE_HELLO, 0, reply->u.hello.challenge + 1);
	h_feed(&t, &b, &h);
	assert_null(mesh_peer_get(t.m, &b.id));
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 2);

	/* the echo: adjacency up, B's peer installed, but nothing claimed yet */
	b.a_boot = reply->hdr.boot;
	h_reset(&t);
	h = h_hello(&t, &b, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(&t, &b, &h);
	h_later(&t, 200);
	assert_true(h_adjacent(&t, &b.id));
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply); /* it learns that we confirmed it */
	assert_true(reply->u.hello.has & WIRE_HELLO_HAS_PEER_BOOT);
	assert_true(reply->u.hello.peer_boot == b.boot);
	ps = h_last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 0);
	assert_false(h_claims(&t, &b.id));
	assert_false(h_has_route(&t, &b.id));

	/* WireGuard completes a handshake: now the adjacency is ours to claim */
	h_reset(&t);
	h_wg_up(&t, &b);
	h_later(&t, 200);
	assert_true(h_claims(&t, &b.id));
	assert_non_null(h_sent_to(&t, &b, WIRE_RECORD));
	assert_false(h_has_route(&t, &b.id)); /* B does not claim us yet */

	/* B's record claims A: the edge is confirmed from both ends */
	h_reset(&t);
	neigh[0] = t.cfg.id;
	h_own_record(&t, &b, neigh, 1);
	h_later(&t, 200);
	ps = h_last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(h_allows(ps, &b.id));
	assert_true(h_has_route(&t, &b.id));
	assert_int_equal(t.n_routes, 1);
	h_teardown(&t);
}

/*
 * Anything but a hello from a (node, boot) not confirmed is answered with
 * a challenge, nothing else: no peer, no record, no answer to what it
 * says. A HELLO is answered with a HELLO_REPLY, anything else with a HELLO.
 */
static void test_unconfirmed_packets(void **state)
{
	static const enum wire_type types[] = {
		WIRE_PING, WIRE_PONG, WIRE_RECORD, WIRE_DIGEST, WIRE_REQUEST, WIRE_LEAVE,
		WIRE_HELLO_REPLY,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct h t;
		struct h_fake b;
		struct wire_msg m;
		const struct wire_msg *chal;
		size_t records = 0;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		if (types[i] == WIRE_HELLO_REPLY) {
			m = h_hello(&t, &b, WIRE_HELLO_REPLY, 0x55, 0);
		} else if (types[i] == WIRE_RECORD) {
			m = h_record_msg(&b, &b.id, b.name, b.boot, 1, b.key, &t.cfg.id, 1);
		} else {
			m = h_msg(&b, types[i]);
			m.u.ping.probe_id = 3;
		}
		records = mesh_node_count(t.m);
		h_feed(&t, &b, &m);
		assert_int_equal(t.n_sent, 1);
		chal = h_sent_to(&t, &b, WIRE_HELLO);
		if (!chal)
			fail_msg("type %d: no challenge", types[i]);
		assert_true(chal->u.hello.challenge != 0);
		assert_true(h_ep_is(&chal->u.hello.to, b.ep));
		assert_null(mesh_peer_get(t.m, &b.id));
		assert_int_equal(mesh_node_count(t.m), records);
		assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 1);
		assert_int_equal(mesh_counters(t.m)->rx[types[i]], 0);
		h_teardown(&t);
	}
}

/*
 * An unauthenticated sender cannot make A create state, and a stream of
 * replays makes it send a bounded number of challenges: at most one per
 * source per MESH_CHALLENGE_GAP_MS, and MESH_CHALLENGE_BURST in all.
 */
static void test_challenges_bounded(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg h;
	size_t peers;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	peers = t.m->peers.n;
	/* the same datagram 57 times in 1 ms from one source: one challenge */
	for (int k = 0; k < 57; k++)
		h_feed(&t, &b, &h);
	assert_int_equal(h_count_sent(&t, WIRE_HELLO_REPLY), 1);
	assert_int_equal(t.m->peers.n, peers);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 57);
	/* from 1000 sources at once: the token bucket's burst, then its rate */
	h_reset(&t);
	for (int k = 0; k < 1000; k++) {
		b.ep = h_ep(198, 18, (uint8_t)(k >> 8), (uint8_t)k, (uint16_t)(40000 + k));
		h_feed(&t, &b, &h);
	}
	assert_true(h_count_sent(&t, WIRE_HELLO_REPLY) <= MESH_CHALLENGE_BURST);
	h_reset(&t);
	t.now += 1000;
	for (int k = 0; k < 1000; k++) {
		b.ep = h_ep(198, 19, (uint8_t)(k >> 8), (uint8_t)k, (uint16_t)(40000 + k));
		h_feed(&t, &b, &h);
	}
	assert_true(h_count_sent(&t, WIRE_HELLO_REPLY) <= MESH_CHALLENGE_RATE + 1);
	assert_int_equal(t.m->peers.n, peers);
	h_teardown(&t);
}

/*
 * The keyless splice: a third party E relays B's challenge to A. The
 * hello names E as its target, which is no address of A's: refused, no
 * answer, nothing stored. From a listed peer the check is not needed (A
 * talks to it only at its configured address) and its hello is taken.
 */
static void test_hello_to_other_endpoint(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg h;
	struct endpoint relay = h_ep(203, 0, 113, 66, 50001);
	uint64_t refused;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h = h_hello(&t, &b, WIRE_HELLO_REPLY, 0xb0b, 0);
	h.u.hello.to = relay;
	refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
	h_feed(&t, &b, &h);
	assert_int_equal(t.n_sent, 0);
	assert_null(mesh_peer_get(t.m, &b.id));
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED], refused + 1);
	/* the right port but another address, and our address but another port */
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	h.u.hello.to = h_ep(198, 18, 0, 77, 50001);
	h_feed(&t, &b, &h);
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	h.u.hello.to.port = 50002;
	h_feed(&t, &b, &h);
	assert_int_equal(t.n_sent, 0);
	h_teardown(&t);

	/* a listed peer: answered, at its configured endpoint */
	h_setup(&t, 1, 1);
	h_fake_init(&b, 100, "static", 7);
	b.ep = h_ep(203, 0, 113, 2, 50001);
	mesh_set_static_addr(t.m, 0, &b.ep.addr, t.now);
	h_collect(&t);
	h_reset(&t);
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	h.u.hello.to = relay; /* it sends to where it sees us: our NAT's address */
	h_feed(&t, &b, &h);
	assert_non_null(h_sent_to(&t, &b, WIRE_HELLO_REPLY));
	h_teardown(&t);
}

/*
 * A listed peer is talked to only at its configured address, whatever the
 * source of its packets: a relay that forwards its datagrams gains nothing.
 */
static void test_static_endpoint_fixed(void **state)
{
	struct h t;
	struct h_fake s, relayed;
	struct wire_msg h;
	const struct wire_msg *reply;
	struct endpoint conf = h_ep(203, 0, 113, 2, 50001);

	(void)state;
	h_setup(&t, 1, 1);
	h_fake_init(&s, 100, "static", 7);
	s.ep = conf;
	mesh_set_static_addr(t.m, 0, &conf.addr, t.now);
	h_collect(&t);
	h_handshake(&t, &s);
	h_later(&t, 100);
	/* its packets now come through a third party */
	relayed = s;
	relayed.ep = h_ep(203, 0, 113, 66, 50001);
	h_reset(&t);
	h = h_msg(&relayed, WIRE_PING);
	h.u.ping.probe_id = 9;
	h_feed(&t, &relayed, &h);
	assert_non_null(h_sent_to_ep(&t, &conf, WIRE_PONG));
	assert_null(h_sent_to_ep(&t, &relayed.ep, WIRE_PONG));
	/* a hello through it is answered at the configured address too */
	s.counter = relayed.counter;
	h_reset(&t);
	h = h_hello(&t, &relayed, WIRE_HELLO, 0x22, 0);
	h_feed(&t, &relayed, &h);
	reply = h_sent_to_ep(&t, &conf, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(endpoint_eq(&reply->u.hello.to, &conf));
	assert_int_equal(t.n_sent, 1);
	h_teardown(&t);
}

/*
 * A node not listed that speaks from a new source (it roamed, or someone
 * relays it) is answered there only after it proves the path: a challenge
 * sent there, echoed from there.
 */
static void test_path_check(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg m;
	const struct wire_msg *chal;
	struct endpoint old_ep, new_ep = h_ep(198, 18, 0, 42, 50001);
	struct endpoint ep;
	struct mesh_peer *p;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	old_ep = b.ep;
	b.ep = new_ep;
	h_reset(&t);
	m = h_msg(&b, WIRE_PING);
	m.u.ping.probe_id = 3;
	h_feed(&t, &b, &m);
	p = mesh_peer_get(t.m, &b.id);
	assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &old_ep));
	assert_non_null(h_sent_to_ep(&t, &old_ep, WIRE_PONG)); /* the proven path */
	chal = h_sent_to_ep(&t, &new_ep, WIRE_HELLO);
	assert_non_null(chal);
	assert_true(chal->u.hello.challenge != 0);
	assert_true(endpoint_eq(&chal->u.hello.to, &new_ep));
	/* the echo from elsewhere does not move it */
	b.ep = h_ep(198, 18, 0, 43, 50001);
	m = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, chal->u.hello.challenge);
	h_feed(&t, &b, &m);
	assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &old_ep));
	/* from the new path it does */
	b.ep = new_ep;
	m = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, chal->u.hello.challenge);
	h_feed(&t, &b, &m);
	assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &new_ep));
	assert_true(h_adjacent(&t, &b.id));
	h_teardown(&t);
}

/* ---- freshness and claims ---- */

/* A packet seen before (same boot and counter) is dropped and counted. */
static void test_replay(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg ping;
	uint64_t before;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	ping = h_msg(&b, WIRE_PING);
	ping.u.ping.probe_id = 42;
	ping.u.ping.record_seq = b.seq;
	h_reset(&t);
	h_feed(&t, &b, &ping);
	assert_non_null(h_sent_to(&t, &b, WIRE_PONG));
	before = mesh_counters(t.m)->drops[WIRE_DROP_REPLAY];
	h_reset(&t);
	h_feed(&t, &b, &ping);
	assert_int_equal(t.n_sent, 0);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REPLAY], before + 1);
	/* an older boot of B is dropped too */
	b.boot--;
	ping = h_msg(&b, WIRE_PING);
	h_reset(&t);
	h_feed(&t, &b, &ping);
	assert_int_equal(t.n_sent, 0);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_OLD_BOOT], 1);
	h_teardown(&t);
}

/* A new start of x, from ep, through the whole exchange; true if A took it. */
static bool claim(struct h *t, struct h_fake *x)
{
	struct wire_msg h = h_hello(t, x, WIRE_HELLO, 0x3a1, 0);
	const struct wire_msg *reply;

	h_reset(t);
	x->a_boot = 0;
	t->now += MESH_CHALLENGE_GAP_MS;
	h_feed(t, x, &h);
	reply = h_sent_to(t, x, WIRE_HELLO_REPLY);
	if (!reply)
		return false;
	x->a_boot = reply->hdr.boot;
	h = h_hello(t, x, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(t, x, &h);
	return h_adjacent(t, &x->id) && mesh_peer_get(t->m, &x->id)->adj.replay.boot == x->boot;
}

/*
 * bob (10.99.0.2) is a live neighbour.
 *   - mallory claims 10.99.0.2 under another name: refused at once.
 *   - a copy of bob (same name, newer boot) from elsewhere: bob is checked
 *     first; it answers, so the copy is refused, loudly; bob keeps working.
 *   - bob falls silent: the copy takes over after the check (a takeover).
 *   - a restart in place (same endpoint) takes over at once.
 */
static void test_claims(void **state)
{
	struct h t;
	struct h_fake b, mal, copy;
	struct wire_msg ping;
	uint8_t old_key[WIRE_KEY_LEN];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	assert_non_null(h_last_set(&t, b.key));

	h_fake_init(&mal, 2, "mallory", 9);
	mal.ep = h_ep(198, 18, 0, 66, 50001);
	assert_false(claim(&t, &mal));
	assert_true(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED] >= 1);
	assert_int_equal(t.n_removed, 0);

	h_fake_init(&copy, 2, "bob", 9);
	copy.ep = h_ep(198, 18, 0, 67, 50001);
	assert_false(claim(&t, &copy));
	/* A checks bob: a probe; bob answers */
	assert_non_null(h_sent_to(&t, &b, WIRE_PING));
	h_answer_ping(&t, &b, h_sent_to(&t, &b, WIRE_PING));
	h_later(&t, 5000);
	assert_false(claim(&t, &copy));
	assert_true(mesh_counters(t.m)->claims_refused >= 1);
	assert_int_equal(mesh_counters(t.m)->takeovers, 0);
	assert_int_equal(t.n_removed, 0);
	assert_true(h_adjacent(&t, &b.id));
	/* bob is still heard */
	h_reset(&t);
	ping = h_msg(&b, WIRE_PING);
	ping.u.ping.probe_id = 5;
	h_feed(&t, &b, &ping);
	assert_non_null(h_sent_to(&t, &b, WIRE_PONG));

	/* bob goes silent; the copy's next claim checks it, then takes over */
	t.now += 200;
	copy.boot++;
	assert_false(claim(&t, &copy));
	h_later(&t, MESH_CLAIM_WAIT_MS + 100);
	assert_false(h_adjacent(&t, &b.id));
	assert_true(claim(&t, &copy));
	assert_int_equal(mesh_counters(t.m)->takeovers, 1);

	/* the copy restarts in place with a new key: at once */
	memcpy(old_key, copy.key, sizeof(old_key));
	h_wg_up(&t, &copy);
	copy.boot++;
	copy.counter = 0;
	copy.key[0]++;
	assert_true(claim(&t, &copy));
	h_later(&t, 100);
	assert_true(h_was_removed(&t, old_key));
	assert_non_null(h_last_set(&t, copy.key));
	h_teardown(&t);
}

/*
 * bob dies with WireGuard traffic not sampled yet; a new start of it from
 * elsewhere (new ports behind a changed NAT) claims the address. The
 * sample taken after the claim shows the traffic that arrived before bob
 * died: no proof that it still answers. The claim wins after the check.
 * (Before, such a sample counted, and the new start was refused until the
 * old one was found dead by other means, ten seconds and more later.)
 */
static void test_claim_late_sample(void **state)
{
	struct h t;
	struct h_fake b, again;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0); /* a sample: handshake, rx 92 */
	h_later(&t, 900);
	/* bob sends WireGuard traffic, then dies; the next sample is later */
	h_fake_init(&again, 2, "bob", 9);
	again.ep = h_ep(198, 18, 0, 99, 40000);
	t.now += 200;
	assert_false(claim(&t, &again)); /* the running one is checked first */
	t.now += 100;
	b.wg_rx += 500; /* what arrived before it died, sampled only now */
	h_wg_sample(&t, &b, false);
	h_later(&t, MESH_CLAIM_WAIT_MS + 100);
	assert_false(h_adjacent(&t, &b.id));
	assert_true(claim(&t, &again));
	assert_int_equal(mesh_counters(t.m)->claims_refused, 0);
	assert_int_equal(mesh_counters(t.m)->takeovers, 1);
	h_teardown(&t);
}

/*
 * A host whose clock went back: bob restarts in place with a smaller boot.
 * It is taken after the challenge, and told the newer boot A holds, so
 * that it can move past it; A's own boot moves past a held_boot it is told.
 */
static void test_clock_back(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg h;
	const struct wire_msg *reply;
	struct addr neigh[1] = { { { 0 } } };
	uint64_t our_boot;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 1000);
	h_neighbour_up(&t, &b, NULL, 0);
	b.boot = 400;
	b.counter = 0;
	h_reset(&t);
	h = h_hello(&t, &b, WIRE_HELLO, 0x77, 0);
	b.a_boot = 0;
	h_feed(&t, &b, &h);
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply); /* challenged, not dropped as old-boot */
	assert_true(reply->u.hello.has & WIRE_HELLO_HAS_HELD_BOOT);
	assert_true(reply->u.hello.held_boot == 1000);
	b.a_boot = reply->hdr.boot;
	h = h_hello(&t, &b, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(&t, &b, &h);
	assert_true(h_adjacent(&t, &b.id));
	assert_true(mesh_peer_get(t.m, &b.id)->adj.replay.boot == 400);
	/* and bob moves past its old record: a new start, in place, at once */
	t.now += 200;
	b.boot = 1001;
	b.counter = 0;
	assert_true(claim(&t, &b));

	/* A is told that bob holds a newer record of A */
	our_boot = mesh_config(t.m)->boot;
	h_reset(&t);
	h = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, 0);
	h.u.hello.has |= WIRE_HELLO_HAS_HELD_BOOT;
	h.u.hello.held_boot = our_boot + 50;
	h_feed(&t, &b, &h);
	assert_true(mesh_config(t.m)->boot > our_boot + 50);
	assert_int_equal(mesh_counters(t.m)->boot_moves, 1);
	/* and says hello with it: bob must confirm the new start */
	reply = h_sent_to(&t, &b, WIRE_HELLO);
	assert_non_null(reply);
	assert_true(reply->hdr.boot == mesh_config(t.m)->boot);
	(void)neigh;
	h_teardown(&t);
}

/*
 * A hello's held_boot is a boot of ours newer than the one its sender
 * answers. One equal to our current boot is nothing newer: a neighbour
 * that already holds our current record, answering a hello of our
 * previous start (a hello in flight when our boot moved). It must not
 * move our boot again, nor warn that another node runs with our address.
 *
 *   A boot 500 -- B;  B passes on a record of A at boot 600: A moves to 601
 *   B's HELLO_REPLY to A's old start (peer_boot 500) with held_boot 601
 */
static void test_held_boot_ours(void **state)
{
	static const uint64_t after[] = { 10, MESH_NEWER_SELF_LOG_MS + 10 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(after); i++) {
		struct h t;
		struct h_fake b;
		struct wire_msg h;
		uint8_t key[WIRE_KEY_LEN];
		const struct mesh_action *acts;
		size_t n;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		memset(key, 0xa2, sizeof(key));
		h_feed_record(&t, &b, &t.cfg.id, "alice", 600, 1, key, &b.id, 1);
		assert_true(mesh_config(t.m)->boot == 601);
		assert_true(mesh_counters(t.m)->boot_moves == 1);
		h_answer_probes(&t, &b, after[i]);
		h = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, 0);
		h.u.hello.has |= WIRE_HELLO_HAS_PEER_BOOT | WIRE_HELLO_HAS_HELD_BOOT;
		h.u.hello.peer_boot = 500;
		h.u.hello.held_boot = 601;
		mesh_on_packet(t.m, t.now, &b.ep, &h);
		n = mesh_actions(t.m, &acts);
		for (size_t k = 0; k < n; k++)
			if (acts[k].type == MESH_ACT_LOG && acts[k].u.log.level == MESH_LOG_WARN)
				fail_msg("+%llu ms: warned: %s", (unsigned long long)after[i],
					 acts[k].u.log.text);
		h_collect(&t);
		if (mesh_config(t.m)->boot != 601)
			fail_msg("+%llu ms: our boot moved to %llu", (unsigned long long)after[i],
				 (unsigned long long)mesh_config(t.m)->boot);
		assert_true(mesh_counters(t.m)->boot_moves == 1);
		h_teardown(&t);
	}
}

/* A boot that jumps absurdly far past the one held is refused (forged). */
static void test_boot_jump(void **state)
{
	struct h t;
	struct h_fake b;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 1000);
	h_neighbour_up(&t, &b, NULL, 0);
	b.boot = UINT64_MAX - 5;
	b.counter = 0;
	assert_false(claim(&t, &b));
	assert_true(mesh_peer_get(t.m, &b.id)->adj.replay.boot == 1000);
	/* a start 30 days on is a restart */
	h_later(&t, 30000); /* bob silent: dead */
	b.boot = 1000 + ((uint64_t)30 * 86400 * 1000 << 22);
	assert_true(claim(&t, &b));
	h_teardown(&t);
}

/* ---- time ---- */

/*
 * Hellos to a silent static peer: four quick retries 250 ms apart (a peer
 * that is not up yet usually is a moment later), then doubling to 8 s.
 */
static void test_hello_backoff(void **state)
{
	static const uint64_t want[] = { 0,    250,  500,  750,	 1000,	1250,
					 1750, 2750, 4750, 8750, 16750, 24750 };
	struct h t;
	struct h_fake s;
	uint64_t t0;
	size_t k = 0;

	(void)state;
	h_setup(&t, 1, 1);
	h_fake_init(&s, 100, "gw", 1);
	s.ep = h_ep(198, 18, 0, 100, 50001);
	t0 = t.now;
	mesh_set_static_addr(t.m, 0, &s.ep.addr, t.now);
	h_collect(&t);
	while (k < ARRAY_SIZE(want)) {
		for (size_t i = 0; i < t.n_sent; i++) {
			if (t.sent[i].msg.hdr.type != WIRE_HELLO)
				continue;
			assert_true(k < ARRAY_SIZE(want));
			assert_true(endpoint_eq(&t.sent[i].to, &s.ep));
			assert_true(t.sent[i].msg.u.hello.challenge != 0);
			assert_int_equal(t.now - t0, want[k]);
			k++;
		}
		h_reset(&t);
		t.now = mesh_next_timer(t.m);
		mesh_on_timer(t.m, t.now);
		h_collect(&t);
	}
	h_teardown(&t);
}

/* The hellos A sent to f since the last reset, and the last of them. */
static size_t hellos_to(const struct h *t, const struct h_fake *f, const struct wire_msg **last)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		if (endpoint_eq(&t->sent[i].to, &f->ep) && t->sent[i].msg.hdr.type == WIRE_HELLO) {
			*last = &t->sent[i].msg;
			n++;
		}
	return n;
}

/*
 * A says hello to a static peer, which answers with its challenge; A's
 * echo is lost. A has the adjacency up, the peer has nothing: A asks again
 * (a hello with a fresh challenge, not the old echo, whose age would
 * give the peer a round trip inflated by the wait) at 250, 750, 1750,
 * 3750, 7750 and 11750 ms, until the peer shows it has A. Before, nothing
 * was sent until the idle check 15 s later.
 */
static void test_echo_resent(void **state)
{
	static const uint64_t want[] = { 250, 750, 1750, 3750, 7750, 11750 };
	struct h t;
	struct h_fake s;
	struct wire_msg h;
	const struct wire_msg *hello = NULL;
	uint64_t t0;
	size_t k = 0;

	(void)state;
	h_setup(&t, 1, 1);
	h_fake_init(&s, 100, "gw", 1);
	s.ep = h_ep(198, 18, 0, 100, 50001);
	mesh_set_static_addr(t.m, 0, &s.ep.addr, t.now);
	h_collect(&t);
	assert_int_equal(hellos_to(&t, &s, &hello), 1);
	/* the peer's answer: the echo of A's challenge and a challenge of its own */
	h = h_hello(&t, &s, WIRE_HELLO_REPLY, 0x5eed, hello->u.hello.challenge);
	h_reset(&t);
	t.now += 20;
	h_feed(&t, &s, &h);
	assert_true(h_adjacent(&t, &s.id));
	assert_int_equal(hellos_to(&t, &s, &hello), 1);
	assert_true(hello->u.hello.echo == 0x5eed); /* the echo: lost on the way */
	t0 = t.now;
	h_reset(&t);
	while (t.now - t0 < 14000) {
		h_later(&t, 10);
		if (!hellos_to(&t, &s, &hello))
			continue;
		assert_true(k < ARRAY_SIZE(want));
		assert_int_equal(t.now - t0, want[k]);
		assert_false(hello->u.hello.has & WIRE_HELLO_HAS_ECHO);
		assert_true(hello->u.hello.challenge != 0);
		k++;
		h_reset(&t);
	}
	assert_int_equal(k, ARRAY_SIZE(want));

	/* the peer answers an ask with a fresh challenge: echoed at once */
	s.a_boot = 0;
	h = h_hello(&t, &s, WIRE_HELLO_REPLY, 0xf00d, 0);
	h_feed(&t, &s, &h);
	assert_int_equal(hellos_to(&t, &s, &hello), 1);
	assert_true(hello->u.hello.echo == 0xf00d);

	/* the peer has A now (its hello names A's boot): no more asks */
	s.a_boot = t.cfg.boot;
	h = h_hello(&t, &s, WIRE_HELLO_REPLY, 0, 0);
	h_feed(&t, &s, &h);
	h_reset(&t);
	h_later(&t, 10000);
	assert_int_equal(hellos_to(&t, &s, &hello), 0);
	h_teardown(&t);
}

/*
 * The other way round: the peer says hello with a challenge, A answers
 * with the echo (a HELLO_REPLY) and takes the adjacency up; that echo is
 * lost. A asks again as above (LAN discovery and --peer seeds start so).
 */
static void test_echo_resent_answering(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg h;
	const struct wire_msg *reply, *hello = NULL;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h = h_hello(&t, &b, WIRE_HELLO, 0xb0b, 0);
	h_feed(&t, &b, &h);
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	/* B echoes A's challenge and asks one of its own; it has not got A yet */
	h = h_hello(&t, &b, WIRE_HELLO, 0xcafe, reply->u.hello.challenge);
	h_reset(&t);
	h_feed(&t, &b, &h);
	assert_true(h_adjacent(&t, &b.id));
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.echo == 0xcafe); /* lost on the way */
	h_reset(&t);
	h_later(&t, 300);
	assert_int_equal(hellos_to(&t, &b, &hello), 1);
	assert_true(hello->u.hello.challenge != 0);
	h_teardown(&t);
}

/* A with LAN discovery on, alone (and N_STATIC unresolved static peers). */
static void setup_lan(struct h *t, size_t n_static)
{
	struct prefix pfx = { h_ip(198, 18, 0, 1), 24 };

	h_setup(t, n_static, 1);
	mesh_free(t->m);
	t->cfg.lan_discovery = true;
	t->m = mesh_new(&t->cfg, t->now);
	assert_non_null(t->m);
	mesh_set_local_prefixes(t->m, &pfx, 1, t->now);
	h_collect(t);
	h_reset(t);
}

/*
 * Alone on a LAN: a sealed hello broadcast, first within the jitter
 * (after MESH_LAN_HELLO_WAIT_MS with static peers to try first), then
 * backing off 1 s, 2 s, 4 s .. 30 s, each plus up to
 * MESH_LAN_HELLO_JITTER_MS. It carries no challenge and no target. None
 * once a neighbour is up; they resume when it is gone.
 */
static void test_lan_hello(void **state)
{
	static const size_t statics[] = { 0, 1 };

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(statics); c++) {
		struct h t;
		struct h_fake b;
		uint64_t t0, backoff = MESH_LAN_HELLO_FIRST_MS, wait;
		struct wire_msg leave;

		setup_lan(&t, statics[c]);
		t0 = t.now;
		h_later(&t, 200000);
		assert_true(t.n_lan >= 10);
		wait = statics[c] ? MESH_LAN_HELLO_WAIT_MS : 0;
		assert_true(t.lan_at[0] - t0 >= wait);
		assert_true(t.lan_at[0] - t0 < wait + MESH_LAN_HELLO_JITTER_MS);
		for (size_t k = 1; k < t.n_lan; k++) {
			uint64_t gap = t.lan_at[k] - t.lan_at[k - 1];
			if (gap < backoff || gap >= backoff + MESH_LAN_HELLO_JITTER_MS)
				fail_msg("LAN hello %zu after %llu ms (back-off %llu)", k,
					 (unsigned long long)gap, (unsigned long long)backoff);
			backoff = backoff * 2 > MESH_LAN_HELLO_MAX_MS ? MESH_LAN_HELLO_MAX_MS
								      : backoff * 2;
		}
		assert_true(backoff == MESH_LAN_HELLO_MAX_MS);
		for (size_t k = 0; k < t.n_lan; k++) {
			const struct wire_hello *hl = &t.lan[k].u.hello;
			assert_int_equal(t.lan[k].hdr.type, WIRE_HELLO);
			assert_true(hl->has & WIRE_HELLO_LAN);
			assert_false(hl->has & WIRE_HELLO_HAS_TO);
			assert_true(hl->challenge == 0);
			assert_string_equal(hl->name, "alice");
		}
		/* a neighbour: quiet */
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		h_reset(&t);
		h_answer_probes(&t, &b, 100000);
		assert_int_equal(t.n_lan, 0);
		/* alone again: broadcasting again */
		leave = h_msg(&b, WIRE_LEAVE);
		h_feed(&t, &b, &leave);
		h_later(&t, MESH_LAN_HELLO_MAX_MS + MESH_LAN_HELLO_JITTER_MS);
		assert_true(t.n_lan >= 1);
		h_teardown(&t);
	}
}

/*
 * A LAN hello heard: answered with a challenge at its source (a
 * HELLO_REPLY), nothing stored; not answered by a node that already has
 * the sender as a neighbour.
 */
static void test_lan_hello_heard(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct wire_msg m;
	const struct wire_msg *reply;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	m = h_hello(&t, &c, WIRE_HELLO, 0, 0);
	m.u.hello.has = WIRE_HELLO_LAN;
	h_feed(&t, &c, &m);
	reply = h_sent_to(&t, &c, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.challenge != 0);
	assert_false(reply->u.hello.has & WIRE_HELLO_HAS_ECHO);
	assert_null(mesh_peer_get(t.m, &c.id));
	/* the usual exchange follows from there */
	c.a_boot = reply->hdr.boot;
	m = h_hello(&t, &c, WIRE_HELLO, 0x77, reply->u.hello.challenge);
	h_feed(&t, &c, &m);
	assert_true(h_adjacent(&t, &c.id));

	h_neighbour_up(&t, &b, NULL, 0);
	h_reset(&t);
	t.now += 1000;
	m = h_hello(&t, &b, WIRE_HELLO, 0, 0);
	m.u.hello.has = WIRE_HELLO_LAN;
	h_feed(&t, &b, &m);
	assert_int_equal(t.n_sent, 0);
	assert_true(h_adjacent(&t, &b.id));
	h_teardown(&t);
}

/*
 * Roaming (our addresses change): a neighbour met on a LAN we left is
 * down at once; the others are probed at once (they see our new source,
 * check our new path and tell us our new reflexive endpoint).
 *
 *   A (198.18.0.1/24) -- B (198.18.0.2, LAN)
 *                     -- D (203.0.113.4)
 */
static void test_roamed(void **state)
{
	static const struct {
		const char *what;
		uint8_t keep_lan;	/* keep 198.18.0.1/24 */
		bool b_up;
	} cases[] = {
		{ "a new address beside the old", 1, true },
		{ "the LAN left", 0, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b, d;
		struct prefix pfx[2] = { { h_ip(198, 18, 0, 1), 24 }, { h_ip(192, 0, 2, 1), 24 } };

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_fake_init(&d, 4, "dave", 7);
		d.ep = h_ep(203, 0, 113, 4, 50001);
		h_neighbour_up(&t, &b, NULL, 0);
		h_neighbour_up(&t, &d, NULL, 0);
		assert_int_equal(mesh_peer_get(t.m, &b.id)->adj.kind, WIRE_PATH_LAN);
		assert_int_equal(mesh_peer_get(t.m, &d.id)->adj.kind, WIRE_PATH_DIRECT);
		h_later(&t, 2000);
		h_reset(&t);
		mesh_set_local_prefixes(t.m, cases[i].keep_lan ? pfx : pfx + 1,
					cases[i].keep_lan ? 2 : 1, t.now);
		h_collect(&t);
		if (h_adjacent(&t, &b.id) != cases[i].b_up)
			fail_msg("%s: B %s", cases[i].what, cases[i].b_up ? "down" : "up");
		assert_int_equal(h_count_sent_to(&t, &b, WIRE_PING), cases[i].b_up);
		assert_int_equal(h_count_sent_to(&t, &d, WIRE_PING), 1);
		assert_true(h_adjacent(&t, &d.id));
		h_teardown(&t);
	}
}

/* LEAVE ends the adjacency at once: peer and route go in the same call. */
static void test_leave(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg m;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	assert_true(h_has_route(&t, &b.id));
	h_reset(&t);
	m = h_msg(&b, WIRE_LEAVE);
	h_feed(&t, &b, &m);
	assert_false(h_adjacent(&t, &b.id));
	assert_true(h_was_removed(&t, b.key));
	assert_int_equal(t.n_route_del, 1);
	assert_false(h_has_route(&t, &b.id));
	/* its second LEAVE changes nothing */
	h_reset(&t);
	m = h_msg(&b, WIRE_LEAVE);
	h_feed(&t, &b, &m);
	h_later(&t, 200);
	assert_int_equal(t.n_removed + t.n_route_del + t.n_sets, 0);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_unconfirmed_packets),
		cmocka_unit_test(test_challenges_bounded),
		cmocka_unit_test(test_hello_to_other_endpoint),
		cmocka_unit_test(test_static_endpoint_fixed),
		cmocka_unit_test(test_path_check),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_claim_late_sample),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_held_boot_ours),
		cmocka_unit_test(test_boot_jump),
		cmocka_unit_test(test_hello_backoff),
		cmocka_unit_test(test_echo_resent),
		cmocka_unit_test(test_echo_resent_answering),
		cmocka_unit_test(test_lan_hello),
		cmocka_unit_test(test_lan_hello_heard),
		cmocka_unit_test(test_roamed),
		cmocka_unit_test(test_leave),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
