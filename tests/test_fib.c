/*
 * Tests for src/core/fib.c through the harness (core_harness.h): from the
 * records one core "A" (10.99.0.1, or .5) holds to the WireGuard peers and
 * kernel routes it asks for. The harness applies every action to a model
 * of A's device and route table, so the tests see what is installed and
 * whether an address ever sat on two peers at once.
 *
 * In the drawings "--" is an edge both ends claim (A's are adjacencies),
 * "-." one that only the left end claims, "*" a no-transit node.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_NODES 6

/* ---- AllowedIPs and routes from the graph ---- */

struct node_spec {
	uint8_t id;		/* 10.99.0.ID; 0 ends the list */
	bool neighbour;		/* of A (it claims A too) */
	uint8_t claims[4];	/* other nodes it claims, 0-terminated */
	uint32_t flags;
};

struct topo_case {
	const char *name;
	struct node_spec nodes[MAX_NODES];
	uint8_t hop[8];		/* by id: the first hop A uses, 0 = unreachable */
};

static const struct topo_case topos[] = {
	/*
	 *   A -- B -- C
	 */
	{ "line",
	  { { 2, true, { 3 }, 0 }, { 3, false, { 2 }, 0 } },
	  { [2] = 2, [3] = 2 } },
	/*
	 *   A -- B
	 *    \   |      C is a neighbour: direct beats two hops
	 *     -- C
	 */
	{ "triangle",
	  { { 2, true, { 3 }, 0 }, { 3, true, { 2 }, 0 } },
	  { [2] = 2, [3] = 3 } },
	/*
	 *   A -- B -- E
	 *   |         |    D via C (two hops), E via B (two hops)
	 *   C ------- D
	 */
	{ "the shorter way round",
	  { { 2, true, { 5 }, 0 }, { 3, true, { 4 }, 0 }, { 5, false, { 2, 4 }, 0 },
	    { 4, false, { 3, 5 }, 0 } },
	  { [2] = 2, [3] = 3, [4] = 3, [5] = 2 } },
	/*
	 *   A -- B .- C     B claims C, C does not claim B: C is unreachable
	 */
	{ "one-sided claim",
	  { { 2, true, { 3 }, 0 }, { 3, false, { 0 }, 0 } },
	  { [2] = 2, [3] = 0 } },
	/*
	 *   A -- B* -- C    no transit through B: C is unreachable
	 */
	{ "no transit in the middle",
	  { { 2, true, { 3 }, WIRE_NODE_NO_TRANSIT }, { 3, false, { 2 }, 0 } },
	  { [2] = 2, [3] = 0 } },
	/*
	 *   A -- B -- C*    a no-transit node is still a destination
	 */
	{ "no transit at the end",
	  { { 2, true, { 3 }, 0 }, { 3, false, { 2 }, WIRE_NODE_NO_TRANSIT } },
	  { [2] = 2, [3] = 2 } },
	/*
	 *   A -- B -- C -- D -- E
	 */
	{ "long line",
	  { { 2, true, { 3 }, 0 }, { 3, false, { 2, 4 }, 0 }, { 4, false, { 3, 5 }, 0 },
	    { 5, false, { 4 }, 0 } },
	  { [2] = 2, [3] = 2, [4] = 2, [5] = 2 } },
};

struct topo {
	struct h t;
	struct h_fake fakes[MAX_NODES];		/* by index in the case */
	uint8_t keys[8][WIRE_KEY_LEN];		/* by id */
};

static void node_addrs(const struct node_spec *n, const struct h *t, struct addr *out, size_t *k)
{
	*k = 0;
	if (n->neighbour)
		out[(*k)++] = t->cfg.id;
	for (size_t j = 0; j < ARRAY_SIZE(n->claims) && n->claims[j]; j++)
		out[(*k)++] = h_ip(10, 99, 0, n->claims[j]);
}

/* A, its neighbours up, every node's record (via the first neighbour). */
static void topo_build(struct topo *x, const struct topo_case *c)
{
	struct h_fake *via = NULL;

	memset(x, 0, sizeof(*x));
	h_setup(&x->t, 0, 1);
	for (size_t i = 0; i < MAX_NODES && c->nodes[i].id; i++) {
		const struct node_spec *n = &c->nodes[i];
		struct h_fake *f = &x->fakes[i];
		struct addr neigh[8];
		size_t k;
		struct wire_msg m;
		char name[8];

		snprintf(name, sizeof(name), "n%u", n->id);
		h_fake_init(f, n->id, name, 7);
		memcpy(x->keys[n->id], f->key, WIRE_KEY_LEN);
		node_addrs(n, &x->t, neigh, &k);
		if (n->neighbour) {
			h_neighbour_up(&x->t, f, neigh + 1, k - 1);
			if (!via)
				via = f;
			if (!n->flags)
				continue;
			m = h_record_msg(f, &f->id, f->name, f->boot, ++f->seq, f->key, neigh, k);
			m.u.record.flags = n->flags;
			h_feed(&x->t, f, &m);
			continue;
		}
		assert_non_null(via);
		m = h_record_msg(via, &f->id, f->name, f->boot, 1, f->key, neigh, k);
		m.u.record.flags = n->flags;
		h_feed(&x->t, via, &m);
	}
	h_later(&x->t, 200);
}

/*
 * Every reachable node's address is in the AllowedIPs of exactly one
 * peer, its first hop's, and has a route; an unreachable one has neither.
 * Only first hops are peers with AllowedIPs.
 */
static void test_first_hop_only(void **state)
{
	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(topos); c++) {
		const struct topo_case *tc = &topos[c];
		struct topo x;
		size_t reachable = 0;

		topo_build(&x, tc);
		for (size_t i = 0; i < MAX_NODES && tc->nodes[i].id; i++) {
			uint8_t id = tc->nodes[i].id, hop = tc->hop[id];
			struct addr a = h_ip(10, 99, 0, id);
			const struct h_wg_peer *holder = h_wg_holder(&x.t, &a);

			if (!hop) {
				if (holder || h_has_route(&x.t, &a))
					fail_msg("%s: n%u installed, should be unreachable", tc->name, id);
				continue;
			}
			reachable++;
			if (!holder || memcmp(holder->key, x.keys[hop], WIRE_KEY_LEN) != 0)
				fail_msg("%s: n%u not on n%u's peer", tc->name, id, hop);
			if (!h_has_route(&x.t, &a))
				fail_msg("%s: no route to n%u", tc->name, id);
		}
		assert_int_equal(x.t.n_routes, reachable);
		assert_int_equal(x.t.wg_overlaps, 0);
		assert_int_equal(x.t.wg_stray_removes, 0);
		/* the first hops' AllowedIPs hold nothing else */
		for (size_t k = 0; k < x.t.n_wg; k++) {
			size_t want = 0;
			for (size_t i = 0; i < MAX_NODES && tc->nodes[i].id; i++)
				want += tc->hop[tc->nodes[i].id] &&
					memcmp(x.keys[tc->hop[tc->nodes[i].id]], x.t.wg[k].key,
					       WIRE_KEY_LEN) == 0;
			if (x.t.wg[k].n != want)
				fail_msg("%s: a peer holds %zu addresses, want %zu", tc->name,
					 x.t.wg[k].n, want);
		}
		h_teardown(&x.t);
	}
}

/*
 * A destination moving from one first hop to another: the peer that loses
 * it is set first, so no address is ever on two peers (WireGuard would
 * move it, but a failed second request would leave it on the wrong one).
 *
 *   A -- B -- C          B drops C:     A -- B    C      C via D now
 *   |         |                         |         |
 *   D --------+                         D --------+
 */
static void test_removals_first(void **state)
{
	struct h t;
	struct h_fake b, d, *from, *to;
	struct addr c = h_ip(10, 99, 0, 3), neigh[2];
	uint8_t ckey[WIRE_KEY_LEN];
	const struct h_wg_peer *holder;
	long lost = -1, got = -1;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&d, 4, "dave", 7);
	h_neighbour_up(&t, &b, &c, 1);
	h_neighbour_up(&t, &d, &c, 1);
	memset(ckey, 0xc3, sizeof(ckey));
	neigh[0] = b.id;
	neigh[1] = d.id;
	h_feed_record(&t, &b, &c, "carol", 1, 1, ckey, neigh, 2);
	h_later(&t, 200);
	holder = h_wg_holder(&t, &c);
	assert_non_null(holder);
	from = memcmp(holder->key, b.key, WIRE_KEY_LEN) == 0 ? &b : &d;
	to = from == &b ? &d : &b;
	h_reset(&t);
	h_own_record(&t, from, &t.cfg.id, 1);
	h_later(&t, 200);
	holder = h_wg_holder(&t, &c);
	assert_non_null(holder);
	assert_memory_equal(holder->key, to->key, WIRE_KEY_LEN);
	for (size_t i = 0; i < t.n_sets; i++) {
		if (memcmp(t.sets[i].key, from->key, WIRE_KEY_LEN) == 0 && !h_allows(&t.sets[i], &c))
			lost = (long)i;
		if (memcmp(t.sets[i].key, to->key, WIRE_KEY_LEN) == 0 && h_allows(&t.sets[i], &c) &&
		    got < 0)
			got = (long)i;
	}
	assert_true(lost >= 0 && got >= 0);
	assert_true(lost < got);
	assert_int_equal(t.wg_overlaps, 0);
	/* C stayed reachable throughout: no route change */
	assert_int_equal(t.n_route_add + t.n_route_del, 0);
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
	assert_int_equal(t.wg_overlaps, 0);
	h_teardown(&t);
}

/* ---- claims and first handshakes ---- */

/*
 * An adjacency is claimed (in our record, and so carries routes) only
 * once WireGuard completed a handshake with the neighbour's current key.
 * A restart of B with a new key needs a new handshake, with the new key:
 * one the device reports for the old key's peer does not count.
 */
static void test_claimed_after_handshake(void **state)
{
	struct h t;
	struct h_fake b, old;
	struct mesh_peer *p;
	struct wire_msg h;
	const struct wire_msg *reply;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_handshake(&t, &b);
	h_later(&t, 10);
	p = mesh_peer_get(t.m, &b.id);
	assert_true(p->adj.up && p->fib.on);
	assert_false(fib_claimed(p));
	h_wg_sample(&t, &b, false);
	h_later(&t, 200);
	assert_false(fib_claimed(p));
	assert_false(h_claims(&t, &b.id));
	h_wg_up(&t, &b);
	h_later(&t, 200);
	assert_true(fib_claimed(p));
	assert_true(h_claims(&t, &b.id));

	/* B restarts in place with a new key */
	old = b;
	b.boot++;
	b.counter = 0;
	b.key[0]++;
	b.a_boot = 0;
	t.now += MESH_CHALLENGE_GAP_MS;
	h = h_hello(&t, &b, WIRE_HELLO, 0x3a1, 0);
	h_feed(&t, &b, &h);
	reply = h_sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	b.a_boot = reply->hdr.boot;
	h = h_hello(&t, &b, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(&t, &b, &h);
	h_later(&t, 200);
	assert_true(p->adj.up);
	assert_false(fib_claimed(p));
	assert_false(h_claims(&t, &b.id));
	assert_true(h_wg_find(&t, old.key) && !h_wg_find(&t, old.key)->on);
	/* the old key's handshake: no peer of ours has that key any more */
	h_wg_up(&t, &old);
	h_later(&t, 200);
	assert_false(fib_claimed(p));
	h_wg_up(&t, &b);
	h_later(&t, 200);
	assert_true(fib_claimed(p));
	assert_true(h_claims(&t, &b.id));
	h_teardown(&t);
}

/* The WireGuard PEER_SETs of key with a keepalive (initiations) since the last reset. */
static size_t initiations(const struct h *t, const uint8_t *key, uint64_t *at, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sets; i++)
		if (memcmp(t->sets[i].key, key, WIRE_KEY_LEN) == 0 && t->sets[i].keepalive) {
			if (n < max)
				at[n] = t->sets[i].at;
			n++;
		}
	return n;
}

/*
 * A neighbour's first handshake, initiated by us (the lower address) and
 * never completed: a fresh peer (WireGuard initiates again at once) after
 * MESH_HS_RETRY_MS plus three round trips, then after waits doubling up to
 * MESH_HS_RETRY_MAX_MS, each jittered to 3/4 .. 5/4 of it: never later
 * than WireGuard's own 5 s retry. A retry is decided on a WireGuard sample
 * that shows no handshake, never on a timer alone (the handshake may have
 * come and not been sampled yet). A handshake ends the retries.
 */
static void test_first_handshake_retries(void **state)
{
	static const uint32_t rtts[] = { 0, 40, 100 };

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(rtts); c++) {
		struct h t;
		struct h_fake hi;
		struct wire_msg h;
		const struct wire_msg *reply;
		uint64_t at[16];
		uint32_t ms;
		size_t n;

		h_setup(&t, 0, 5);
		h_fake_init(&hi, 9, "hi", 7);
		h = h_hello(&t, &hi, WIRE_HELLO, 0x1111, 0);
		h_feed(&t, &hi, &h);
		reply = h_sent_to(&t, &hi, WIRE_HELLO_REPLY);
		assert_non_null(reply);
		t.now += rtts[c]; /* the challenge's round trip */
		hi.a_boot = reply->hdr.boot;
		h = h_hello(&t, &hi, WIRE_HELLO, 0, reply->u.hello.challenge);
		h_feed(&t, &hi, &h);
		assert_int_equal(mesh_peer_get(t.m, &hi.id)->adj.srtt_ms, rtts[c]);
		n = initiations(&t, hi.key, at, ARRAY_SIZE(at));
		assert_int_equal(n, 1); /* at once: it has confirmed us */
		/* silent, but not yet checked by probes; sampled every 10 ms */
		for (int k = 0; k < 1400; k++) {
			h_later(&t, 10);
			h_wg_sample(&t, &hi, false);
		}
		n = initiations(&t, hi.key, at, ARRAY_SIZE(at));
		assert_true(n >= 6 && n <= ARRAY_SIZE(at));
		ms = MESH_HS_RETRY_MS + 3 * rtts[c];
		/* a retry is decided on the first sample after its time */
		if (at[1] - at[0] < ms || at[1] - at[0] > ms + 10)
			fail_msg("rtt %u: first retry after %llu ms", rtts[c],
				 (unsigned long long)(at[1] - at[0]));
		for (size_t k = 2; k < n; k++) {
			uint64_t gap = at[k] - at[k - 1];
			ms = ms * 2 > MESH_HS_RETRY_MAX_MS ? MESH_HS_RETRY_MAX_MS : ms * 2;
			if (gap < ms * 3 / 4 || gap > ms * 3 / 4 + ms / 2 + 10)
				fail_msg("rtt %u: retry %zu after %llu ms (wait %u)", rtts[c], k,
					 (unsigned long long)gap, ms);
			assert_true(gap <= 5000);
		}
		assert_int_equal(ms, MESH_HS_RETRY_MAX_MS);
		/* each retry is a fresh peer: removed, then set */
		assert_true(t.n_removed >= n - 1);
		assert_int_equal(t.wg_stray_removes, 0);
		h_wg_up(&t, &hi);
		h_reset(&t);
		h_later(&t, 2500);
		assert_false(h_was_removed(&t, hi.key));
		h_teardown(&t);
	}
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
 * A static peer is installed at its configured WireGuard endpoint; we keep
 * a NAT mapping open toward it (a 25 s keepalive) unless its hello shows
 * our packets arrive from one of our own addresses (no NAT between).
 */
static void test_static_keepalive(void **state)
{
	static const struct {
		const char *what;
		bool has_observed;
		uint8_t observed;	/* 198.18.0.OBSERVED: 1 is ours */
		uint16_t keepalive;
	} cases[] = {
		{ "it sees our own address", true, 1, 0 },
		{ "it sees another address (NAT)", true, 77, MESH_NAT_KEEPALIVE_S },
		{ "it does not say", false, 0, MESH_NAT_KEEPALIVE_S },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake s;
		struct wire_msg h;
		const struct h_set *ps;

		h_setup(&t, 1, 1);
		h_fake_init(&s, 100, "gw", 7);
		s.ep = h_ep(203, 0, 113, 100, 50001);
		mesh_set_static_addr(t.m, 0, &s.ep.addr, t.now);
		h_collect(&t);
		h_handshake(&t, &s);
		h_later(&t, 100);
		h_wg_up(&t, &s);
		h = h_hello(&t, &s, WIRE_HELLO_REPLY, 0, 0);
		if (cases[i].has_observed) {
			h.u.hello.has |= WIRE_HELLO_HAS_OBSERVED;
			h.u.hello.observed = h_ep(198, 18, 0, cases[i].observed, 50001);
		}
		h_feed(&t, &s, &h);
		h_later(&t, 200);
		ps = h_last_set(&t, s.key);
		assert_non_null(ps);
		assert_true(ps->flags & MESH_PEER_HAS_ENDPOINT);
		assert_true(h_ep_is(&ps->ep, h_ep(203, 0, 113, 100, 51820)));
		if (ps->keepalive != cases[i].keepalive)
			fail_msg("%s: keepalive %u", cases[i].what, ps->keepalive);
		h_teardown(&t);
	}
}

/* ---- roaming and leaving ---- */

static size_t kicks(const struct h *t, const uint8_t *key)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sets; i++)
		n += memcmp(t->sets[i].key, key, WIRE_KEY_LEN) == 0 &&
		     (t->sets[i].flags & MESH_PEER_KICK);
	return n;
}

/*
 * After roaming (our addresses changed) every installed peer is kicked (a
 * keepalive now, so the other side's WireGuard follows us) at once and
 * again after 1, 2 and 4 s (the first may have found no route yet), a
 * peer not installed is not, and the kick is no lasting state: B's peer
 * set again later for X is not kicked again.
 *
 *   A -- B (.. X later), A -- C;  D a static peer, not resolved (no peer)
 */
static void test_kick_once(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct prefix pfx[2] = { { h_ip(198, 18, 0, 1), 24 }, { h_ip(203, 0, 113, 9), 24 } };
	struct addr x = h_ip(10, 99, 0, 20), claims[2];
	uint8_t xkey[WIRE_KEY_LEN];

	(void)state;
	memset(xkey, 0x58, sizeof(xkey));
	h_setup(&t, 1, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_neighbour_up(&t, &c, NULL, 0);
	claims[0] = t.cfg.id;
	claims[1] = x;
	h_later(&t, 1000);
	h_reset(&t);
	mesh_set_local_prefixes(t.m, pfx, 2, t.now);
	h_collect(&t);
	{
		static const uint64_t at[] = { 0, 1000, 3000, 7000 };
		uint64_t roamed = t.now;

		h_later(&t, 8000); /* the last kick, and before the idle probes */
		assert_int_equal(kicks(&t, b.key), ARRAY_SIZE(at));
		assert_int_equal(kicks(&t, c.key), ARRAY_SIZE(at));
		assert_int_equal(t.n_sets, 2 * ARRAY_SIZE(at));
		for (size_t i = 0; i < t.n_sets; i++)
			if (t.sets[i].at - roamed != at[i / 2])
				fail_msg("kick %zu at %llu ms", i,
					 (unsigned long long)(t.sets[i].at - roamed));
	}
	assert_int_equal(t.n_removed, 0);
	/* B's peer changes later (X behind it): set again, not kicked again */
	h_own_record(&t, &b, claims, 2);
	h_feed_record(&t, &b, &x, "xavier", 1, 1, xkey, &b.id, 1);
	h_reset(&t);
	h_later(&t, 200);
	assert_int_equal(t.n_sets, 1);
	assert_true(h_allows(h_last_set(&t, b.key), &x));
	assert_int_equal(kicks(&t, b.key), 0);
	/* the same addresses again: no roaming, no kick */
	h_reset(&t);
	mesh_set_local_prefixes(t.m, pfx, 2, t.now);
	h_collect(&t);
	h_later(&t, 1000);
	assert_int_equal(t.n_sets, 0);
	h_teardown(&t);
}

/*
 * A node announcing another's WireGuard key (a holder of the shared key
 * copying bob's from its record) is not installed: the device keys peers
 * by public key, and installing it would have replaced bob's allowed IPs
 * with its own and removed bob's peer with it. Bob keeps its peer and
 * routes; one warning names both. Nor is a node announcing our own key.
 * Once bob is gone, the key is free.
 */
static void test_key_clash(void **state)
{
	struct h t;
	struct h_fake b, mal, self;
	const struct h_wg_peer *holder;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&mal, 3, "mallory", 7);
	h_fake_init(&self, 4, "mirror", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	memcpy(mal.key, b.key, WIRE_KEY_LEN);
	h_reset(&t);
	snprintf(t.log_grep, sizeof(t.log_grep), "announces the WireGuard key of");
	h_handshake(&t, &mal);
	h_own_record(&t, &mal, &t.cfg.id, 1);
	h_later(&t, 500);
	holder = h_wg_holder(&t, &b.id);
	assert_non_null(holder);
	assert_memory_equal(holder->key, b.key, WIRE_KEY_LEN);
	assert_null(h_wg_holder(&t, &mal.id));
	assert_int_equal(t.wg_overlaps, 0);
	assert_false(h_was_removed(&t, b.key));
	for (size_t i = 0; i < t.n_sets; i++)
		assert_false(h_allows(&t.sets[i], &mal.id));
	assert_int_equal(t.log_hits, 1);
	assert_non_null(strstr(t.log_last, "mallory (10.99.0.3) announces the WireGuard key of bob"));
	assert_true(mesh_peer_get(t.m, &mal.id)->fib.key_clash);

	/* our own key */
	memcpy(self.key, t.cfg.pubkey, WIRE_KEY_LEN);
	h_handshake(&t, &self);
	h_later(&t, 500);
	assert_null(h_last_set(&t, t.cfg.pubkey));
	assert_int_equal(t.log_hits, 2);
	assert_non_null(strstr(t.log_last, "the WireGuard key of this node"));

	/* bob leaves: the key is free, and the node that announces it is installed */
	{
		struct wire_msg leave = h_msg(&b, WIRE_LEAVE);
		h_reset(&t);
		h_feed(&t, &b, &leave);
	}
	h_later(&t, 500);
	assert_true(h_was_removed(&t, b.key));
	assert_non_null(h_last_set(&t, b.key)); /* mallory's peer, now */
	assert_true(mesh_peer_get(t.m, &mal.id)->fib.on);
	assert_false(mesh_peer_get(t.m, &mal.id)->fib.key_clash);
	assert_int_equal(h_wg_count(&t), 1);
	h_teardown(&t);
}

/*
 * Leaving withdraws everything installed: no WireGuard peer and no route
 * is left in the model, nothing is removed twice, and nothing is set again
 * afterwards, whatever arrives.
 *
 *   C -- A -- B -- D
 *             |
 *             E
 */
static void test_withdraw_all(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct addr d = h_ip(10, 99, 0, 4), e = h_ip(10, 99, 0, 5), extra[2] = { d, e };
	uint8_t key[WIRE_KEY_LEN];
	struct wire_msg ping;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, extra, 2);
	h_neighbour_up(&t, &c, NULL, 0);
	memset(key, 0xdd, sizeof(key));
	h_feed_record(&t, &b, &d, "dave", 1, 1, key, &b.id, 1);
	key[0]++;
	h_feed_record(&t, &b, &e, "erin", 1, 1, key, &b.id, 1);
	h_later(&t, 200);
	assert_int_equal(t.n_routes, 4);
	assert_int_equal(h_wg_count(&t), 2);
	h_reset(&t);
	mesh_leave(t.m, t.now);
	h_collect(&t);
	assert_int_equal(t.n_routes, 0);
	assert_int_equal(t.n_route_del, 4);
	assert_int_equal(h_wg_count(&t), 0);
	assert_int_equal(t.n_removed, 2);
	assert_int_equal(t.n_sets, 0);
	assert_int_equal(t.wg_stray_removes, 0);
	/* later input changes nothing */
	h_reset(&t);
	ping = h_msg(&b, WIRE_PING);
	h_feed(&t, &b, &ping);
	h_wg_up(&t, &b);
	mesh_on_timer(t.m, t.now + 10000);
	h_collect(&t);
	assert_int_equal(t.n_sets + t.n_removed + t.n_route_add + t.n_route_del + t.n_sent, 0);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_hop_only),
		cmocka_unit_test(test_removals_first),
		cmocka_unit_test(test_line_allowed_ips),
		cmocka_unit_test(test_route_diffs),
		cmocka_unit_test(test_claimed_after_handshake),
		cmocka_unit_test(test_first_handshake_retries),
		cmocka_unit_test(test_first_handshake),
		cmocka_unit_test(test_static_keepalive),
		cmocka_unit_test(test_kick_once),
		cmocka_unit_test(test_key_clash),
		cmocka_unit_test(test_withdraw_all),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
