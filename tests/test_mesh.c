/*
 * The mesh core with a fake clock and hand-made packets (core_harness.h):
 * adjacencies, challenges, claims of an address, probes, records and
 * routes, as one core ("A", 10.99.0.1 at 198.18.0.1:50001) sees them.
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

/* Senders outside the subnet, or claiming A's own address. */
static void test_refused_senders(void **state)
{
	static const struct {
		uint8_t a, b, c, d;
		enum wire_drop why;
	} cases[] = {
		{ 10, 98, 0, 2, WIRE_DROP_REFUSED },
		{ 192, 168, 1, 1, WIRE_DROP_REFUSED },
		{ 10, 99, 0, 1, WIRE_DROP_SELF },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake x;
		struct wire_msg h;

		h_setup(&t, 0, 1);
		h_fake_init(&x, 9, "x", 3);
		x.id = h_ip(cases[i].a, cases[i].b, cases[i].c, cases[i].d);
		h = h_hello(&t, &x, WIRE_HELLO, 0x77, 0);
		h_feed(&t, &x, &h);
		assert_int_equal(t.n_sent, 0);
		assert_int_equal(mesh_counters(t.m)->drops[cases[i].why], 1);
		assert_int_equal(mesh_node_count(t.m), 1);
		h_teardown(&t);
	}
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

/*
 * A record of a neighbour of ours passed on by someone else must name the
 * start and key we talk to: a forged one is refused.
 */
static void test_neighbour_record_forged(void **state)
{
	struct h t;
	struct h_fake b, c;
	uint8_t key[WIRE_KEY_LEN];
	struct addr neigh[1];
	uint64_t refused;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_neighbour_up(&t, &c, NULL, 0);
	refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
	memset(key, 0xee, sizeof(key));
	neigh[0] = c.id;
	/* carol passes on "bob" with boot UINT64_MAX and another key */
	h_feed_record(&t, &c, &b.id, "bob", UINT64_MAX, 1, key, neigh, 1);
	h_later(&t, 200);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED], refused + 1);
	assert_true(lsdb_get(&t.m->db, &b.id)->boot == b.boot);
	assert_true(h_allows(h_last_set(&t, b.key), &b.id));
	h_teardown(&t);
}

/* Records that contradict themselves change nothing. */
static void test_bad_records(void **state)
{
	static const struct {
		const char *name;
		int neigh[3];	/* 0: c, 1: d, 2: c's own id twice is the self case */
		size_t n;
		bool stored;
	} cases[] = {
		{ "names itself", { 2 }, 1, false },
		{ "a neighbour twice", { 1, 1 }, 2, false },
		{ "itself among others", { 1, 2 }, 2, false },
		{ "fine", { 1 }, 1, true },
	};
	struct addr c = h_ip(10, 99, 0, 3), d = h_ip(10, 99, 0, 4);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b;
		struct addr neigh[3];
		uint8_t key[WIRE_KEY_LEN];
		uint64_t refused;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
		for (size_t k = 0; k < cases[i].n; k++)
			neigh[k] = cases[i].neigh[k] == 2 ? c : d;
		memset(key, 0xcc, sizeof(key));
		h_feed_record(&t, &b, &c, "carol", 4, 1, key, neigh, cases[i].n);
		h_later(&t, 200);
		if (cases[i].stored) {
			assert_true(h_node_known(&t, &c));
		} else {
			print_message("   %s\n", cases[i].name);
			assert_false(h_node_known(&t, &c));
			assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED],
					 refused + 1);
		}
		h_teardown(&t);
	}
}

/* The node cap: records of new nodes beyond it are refused and counted. */
static void test_node_cap(void **state)
{
	struct h t;
	struct h_fake b;
	uint8_t key[WIRE_KEY_LEN];
	struct addr neigh[1];

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
	assert_int_equal(mesh_counters(t.m)->nodes_refused, 14);
	h_teardown(&t);
}

/*
 * A REQUEST makes A send at most MESH_REPLY_BUDGET record parts, and an
 * entry repeated in it counts once: 32 copies of a 32-part record cost one
 * record, not 32.
 */
static void test_request_bounded(void **state)
{
	struct h t;
	struct h_fake b;
	struct wire_msg m;
	struct wire_record *r;
	static struct wire_neighbour all[WIRE_MAX_NEIGHBOURS];
	uint8_t key[WIRE_KEY_LEN];
	struct addr big[4];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	/* four records of 1024 neighbours (32 parts each), passed on by bob */
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
			m = h_msg(&b, WIRE_RECORD);
			r = &m.u.record;
			snprintf(fixed.name, sizeof(fixed.name), "hub%d", k);
			fixed.id = big[k];
			fixed.boot = 4;
			fixed.seq = 1;
			memcpy(fixed.pubkey, key, WIRE_KEY_LEN);
			fixed.wg_port = fixed.admin_port = 1;
			wire_record_part_fill(r, &fixed, all, WIRE_MAX_NEIGHBOURS, part);
			h_feed(&t, &b, &m);
		}
	}
	for (int k = 0; k < 4; k++)
		assert_true(h_node_known(&t, &big[k]));
	h_later(&t, 3000); /* past the flooding, with a full reply allowance */
	h_reset(&t);
	m = h_msg(&b, WIRE_REQUEST);
	m.u.digest.n = WIRE_DIGEST_MAX;
	for (int i = 0; i < WIRE_DIGEST_MAX; i++)
		m.u.digest.entries[i] = (struct wire_digest_entry){ big[0], 4, 1 };
	h_feed(&t, &b, &m);
	assert_int_equal(h_count_sent(&t, WIRE_RECORD), WIRE_MAX_PARTS);
	h_reset(&t);
	for (int i = 0; i < WIRE_DIGEST_MAX; i++)
		m.u.digest.entries[i] = (struct wire_digest_entry){ big[i % 4], 4, 1 };
	m.hdr.counter = ++b.counter;
	h_feed(&t, &b, &m);
	assert_true(h_count_sent(&t, WIRE_RECORD) <= MESH_REPLY_BUDGET);
	assert_true(mesh_counters(t.m)->reply_limited > 0);
	h_teardown(&t);
}

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
	size_t pings;

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
	pings = h_count_sent(&t, WIRE_PING);
	assert_int_equal(pings, 11);
	h_answer_ping(&t, &b, &t.sent[t.n_sent - 1].msg);
	h_later(&t, MESH_PROBE_DEAD_IDLE_MS);
	assert_true(h_adjacent(&t, &b.id));
	assert_int_equal(h_count_sent(&t, WIRE_PING), pings);

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

/*
 * Traffic into a tunnel that stays silent: the neighbour is checked at
 * once and dropped within MESH_PROBE_DEAD_STALL_MS: with a sample every
 * second, within 3 s of its death.
 */
static void test_stall(void **state)
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
	print_message("   dead after %llu ms\n", (unsigned long long)(t.now - died));
	assert_true(t.now - died <= 3000 + 1000);
	h_teardown(&t);
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

/*
 * And our own leave withdraws everything we installed, says so twice, and
 * floods a last record with the LEFT flag (the others show "left", not "lost").
 */
static void test_own_leave(void **state)
{
	struct h t;
	struct h_fake b;
	const struct wire_msg *rec;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_reset(&t);
	mesh_leave(t.m, t.now);
	h_collect(&t);
	assert_int_equal(h_count_sent(&t, WIRE_LEAVE), 2);
	rec = h_sent_to(&t, &b, WIRE_RECORD);
	assert_non_null(rec);
	assert_true(rec->u.record.flags & WIRE_NODE_LEFT);
	assert_int_equal(rec->u.record.total_neighbours, 0);
	assert_true(h_was_removed(&t, b.key));
	assert_int_equal(t.n_routes, 0);
	assert_true(mesh_next_timer(t.m) == UINT64_MAX);
	h_teardown(&t);
}

/*
 *   A ---- B ---- C        A's peer B holds B and C; A routes to both.
 *
 * Then the middle's view:  C ---- A ---- B   A's peer B holds B only, C only C.
 */
static void test_line_allowed_ips(void **state)
{
	struct h t;
	struct h_fake b, c;
	const struct h_set *ps;
	struct addr neigh[2];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, &c.id, 1);
	neigh[0] = b.id;
	h_feed_record(&t, &b, &c.id, c.name, c.boot, 1, c.key, neigh, 1);
	h_later(&t, 200);
	ps = h_last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 2);
	assert_true(h_allows(ps, &b.id));
	assert_true(h_allows(ps, &c.id));
	assert_null(h_last_set(&t, c.key));
	assert_true(h_has_route(&t, &b.id));
	assert_true(h_has_route(&t, &c.id));
	assert_int_equal(t.n_routes, 2);
	h_teardown(&t);

	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_neighbour_up(&t, &c, NULL, 0);
	ps = h_last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(h_allows(ps, &b.id));
	ps = h_last_set(&t, c.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(h_allows(ps, &c.id));
	assert_int_equal(t.n_routes, 2);
	h_teardown(&t);
}

/*
 * Routes change as diffs:  A -- B -- {C, D} -> A -- B -- {D} -> A -- B -- {D, E}
 * Each step adds or deletes exactly what changed; repeating a record is silent.
 */
static void test_route_diffs(void **state)
{
	struct h t;
	struct h_fake b;
	struct addr c = h_ip(10, 99, 0, 3), d = h_ip(10, 99, 0, 4), e = h_ip(10, 99, 0, 5);
	struct addr neigh[3], back[1];
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	memset(key, 0xcc, sizeof(key));
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	neigh[0] = c;
	neigh[1] = d;
	h_neighbour_up(&t, &b, neigh, 2);
	back[0] = b.id;
	h_feed_record(&t, &b, &c, "carol", 1, 1, key, back, 1);
	key[0]++;
	h_feed_record(&t, &b, &d, "dave", 1, 1, key, back, 1);
	h_later(&t, 200);
	assert_int_equal(t.n_routes, 3);

	h_reset(&t);
	neigh[0] = t.cfg.id;
	neigh[1] = d;
	h_own_record(&t, &b, neigh, 2);
	h_later(&t, 200);
	assert_int_equal(t.n_route_add, 0);
	assert_int_equal(t.n_route_del, 1);
	assert_true(addr_eq(&t.route_del[0].addr, &c));
	assert_int_equal(t.n_routes, 2);

	h_reset(&t);
	neigh[2] = e;
	h_own_record(&t, &b, neigh, 3);
	key[0]++;
	h_feed_record(&t, &b, &e, "erin", 1, 1, key, back, 1);
	h_later(&t, 200);
	assert_int_equal(t.n_route_del, 0);
	assert_int_equal(t.n_route_add, 1);
	assert_true(addr_eq(&t.route_add[0].addr, &e));
	assert_int_equal(t.n_routes, 3);
	assert_int_equal(h_last_set(&t, b.key)->n, 3);

	/* the same record again: nothing */
	h_reset(&t);
	h_feed_record(&t, &b, &e, "erin", 1, 1, key, back, 1);
	h_later(&t, 200);
	assert_int_equal(t.n_route_add + t.n_route_del + t.n_sets + t.n_removed, 0);
	h_teardown(&t);
}

/*
 * A neighbour's first handshake comes from one side only, and only once
 * the other side has confirmed us (installed our key): two initiations
 * crossing, or one arriving before the key, would leave both sides
 * without a session until WireGuard's 5 s retry.
 *   - we are lower: we initiate once it has confirmed us, and retry with a
 *     fresh peer if no handshake comes (never WireGuard's 5 s);
 *   - we are higher: we install without keepalive and initiate only if
 *     nothing came within MESH_NEIGH_ANSWER_WAIT_MS;
 *   - a listed node waits for an unlisted one, whatever the addresses.
 */
static void test_first_handshake(void **state)
{
	struct h t;
	struct h_fake hi, lo, st;
	const struct h_set *ps;
	struct wire_msg h;
	const struct wire_msg *reply;
	uint64_t installed;
	size_t sets;

	(void)state;
	h_setup(&t, 0, 5);
	h_fake_init(&hi, 9, "hi", 7);
	/* hi's echo does not say it confirmed us yet: we wait */
	h = h_hello(&t, &hi, WIRE_HELLO, 0x1111, 0);
	h_feed(&t, &hi, &h);
	reply = h_sent_to(&t, &hi, WIRE_HELLO_REPLY);
	h = h_hello(&t, &hi, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(&t, &hi, &h);
	h_later(&t, 10);
	ps = h_last_set(&t, hi.key);
	assert_non_null(ps);
	assert_int_equal(ps->keepalive, 0);
	/* its answer says it did: we initiate */
	hi.a_boot = t.cfg.boot;
	h = h_hello(&t, &hi, WIRE_HELLO_REPLY, 0, 0);
	h_feed(&t, &hi, &h);
	h_later(&t, 100);
	ps = h_last_set(&t, hi.key);
	assert_int_equal(ps->keepalive, 1);
	installed = ps->at;
	/*
	 * no handshake: a fresh peer (a new initiation), again and again,
	 * sooner than 5 s; decided on samples that show none (every 200 ms
	 * meanwhile), never on a timer alone
	 */
	h_reset(&t);
	h_later(&t, 500);
	assert_false(h_was_removed(&t, hi.key)); /* no sample, no retry */
	for (int k = 0; k < 23; k++) {
		h_later(&t, 200);
		h_wg_sample(&t, &hi, false);
	}
	assert_true(h_was_removed(&t, hi.key));
	sets = 0;
	for (size_t i = 0; i < t.n_sets; i++)
		sets += memcmp(t.sets[i].key, hi.key, WIRE_KEY_LEN) == 0 && t.sets[i].keepalive == 1;
	print_message("   %zu fresh initiations in 5 s\n", sets);
	assert_true(sets >= 3);
	assert_true(t.sets[0].at - installed < 1000);
	/* the handshake: keepalive off (a LAN neighbour), no more retries */
	h_wg_up(&t, &hi);
	h_later(&t, 10);
	assert_int_equal(h_last_set(&t, hi.key)->keepalive, 0);
	h_reset(&t);
	h_later(&t, 5000);
	assert_false(h_was_removed(&t, hi.key));
	h_teardown(&t);

	/* lower: it initiates; we wait, and initiate only if nothing came */
	h_setup(&t, 0, 5);
	h_fake_init(&lo, 2, "lo", 7);
	h_handshake(&t, &lo);
	h_later(&t, 10);
	ps = h_last_set(&t, lo.key);
	assert_non_null(ps);
	assert_int_equal(ps->keepalive, 0);
	installed = ps->at;
	h_wg_sample(&t, &lo, false);
	h_later(&t, installed + MESH_NEIGH_ANSWER_WAIT_MS - 1 - t.now);
	assert_int_equal(h_last_set(&t, lo.key)->keepalive, 0);
	h_later(&t, 50);
	ps = h_last_set(&t, lo.key);
	assert_int_equal(ps->keepalive, 1); /* nothing came: we initiate */
	h_teardown(&t);

	/* its initiation arrives in time: we never initiate */
	h_setup(&t, 0, 5);
	h_fake_init(&lo, 2, "lo", 7);
	h_neighbour_up(&t, &lo, NULL, 0);
	h_later(&t, 2000);
	assert_int_equal(h_last_set(&t, lo.key)->keepalive, 0);
	h_teardown(&t);

	/* a listed node waits for the unlisted one, whatever the addresses */
	h_setup(&t, 1, 200);
	h_fake_init(&st, 100, "static", 7);
	mesh_set_static_addr(t.m, 0, &st.ep.addr, t.now);
	h_collect(&t);
	h_handshake(&t, &st);
	h_later(&t, 100);
	assert_non_null(h_last_set(&t, st.key));
	/* higher, but unlisted: it initiates (its NAT keepalive does, at once) */
	assert_true(h_last_set(&t, st.key)->keepalive > 0);
	h_teardown(&t);
}

/*
 * A reloaded list of static peers: one dropped from the list stays a
 * neighbour, now talked to where it was reached; a new one is said hello to
 * once its address is known.
 */
static void test_set_statics(void **state)
{
	struct h t;
	struct h_fake s0;
	struct mesh_static_peer next[1] = { { .admin_port = 50001, .wg_port = 51820 } };
	struct endpoint ep, s1 = h_ep(198, 18, 0, 101, 50001);
	struct mesh_peer *p;

	(void)state;
	h_setup(&t, 1, 1);
	h_fake_init(&s0, 100, "gw", 7);
	mesh_set_static_addr(t.m, 0, &s0.ep.addr, t.now);
	h_collect(&t);
	h_handshake(&t, &s0);
	p = mesh_peer_get(t.m, &s0.id);
	assert_true(p->is_static && p->adj.up);

	next[0].id = h_ip(10, 99, 0, 101);
	h_reset(&t);
	assert_int_equal(mesh_set_statics(t.m, next, 1, t.now), 0);
	h_collect(&t);
	assert_false(p->is_static);
	assert_true(p->adj.up);
	assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &s0.ep));
	assert_non_null(mesh_peer_get(t.m, &next[0].id));
	assert_true(mesh_peer_get(t.m, &next[0].id)->is_static);
	h_later(&t, 1000);
	assert_null(h_sent_to_ep(&t, &s1, WIRE_HELLO)); /* no address yet */
	mesh_set_static_addr(t.m, 0, &s1.addr, t.now);
	h_collect(&t);
	assert_non_null(h_sent_to_ep(&t, &s1, WIRE_HELLO));
	assert_int_equal(mesh_config(t.m)->n_static, 1);
	h_teardown(&t);
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
 * The cost of an adjacency follows the minimum of its last MESH_RTT_WINDOW
 * round trips: answers delayed by a busy host (spikes) leave it and our
 * record alone; a path that really got slower raises it once every sample
 * in the window shows it; a faster sample lowers it at once.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_challenges_bounded),
		cmocka_unit_test(test_hello_to_other_endpoint),
		cmocka_unit_test(test_static_endpoint_fixed),
		cmocka_unit_test(test_path_check),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_refused_senders),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_claim_late_sample),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_boot_jump),
		cmocka_unit_test(test_neighbour_record_forged),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_node_cap),
		cmocka_unit_test(test_request_bounded),
		cmocka_unit_test(test_hello_backoff),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_own_leave),
		cmocka_unit_test(test_line_allowed_ips),
		cmocka_unit_test(test_route_diffs),
		cmocka_unit_test(test_first_handshake),
		cmocka_unit_test(test_set_statics),
		cmocka_unit_test(test_rtt_cost_ignores_load),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
