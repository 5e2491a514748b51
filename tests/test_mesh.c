/*
 * The mesh core's entry points (src/core/mesh.c) with a fake clock and
 * hand-made packets (core_harness.h), as one core ("A", 10.99.0.1 at
 * 198.18.0.1:50001) sees them: creation, what an authentic packet is
 * given to, drops, timers, the host's inputs (static peers, options,
 * addresses), leaving, and the status view. Each module's own behaviour
 * is tested in its own file: test_adj.c, test_flood.c, test_fib.c,
 * test_probe.c, test_sample.c, test_self.c, test_node.c, test_actions.c,
 * test_direct.c, test_diag.c (the diagnostics accessors); and without a
 * core test_lsdb.c, test_reasm.c, test_idtab.c, test_cookie.c,
 * test_replay.c, test_spf.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- creation ---- */

/*
 * A core needs randomness and a MAC (its challenges): without either it
 * is refused (EINVAL); too many static peers too. The node cap is clamped
 * to what a digest can count. A new core holds its own record, version 1.
 */
static void test_new(void **state)
{
	static const struct {
		const char *what;
		bool no_mac, no_random;
		size_t n_static;
		size_t max_nodes, cap;
		bool ok;
	} cases[] = {
		{ "fine", false, false, 0, 0, MESH_MAX_NODES_DEFAULT, true },
		{ "a cap", false, false, 2, 10, 10, true },
		{ "a cap beyond the limit", false, false, 0, 1000000, MESH_MAX_NODES_LIMIT, true },
		{ "no MAC", true, false, 0, 0, 0, false },
		{ "no randomness", false, true, 0, 0, 0, false },
		{ "too many static peers", false, false, MESH_MAX_STATIC + 1, 0, 0, false },
	};
	static struct mesh_static_peer many[MESH_MAX_STATIC + 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct mesh *m;
		struct mesh_config cfg;
		struct mesh_node_status st;

		h_setup(&t, 0, 1);
		cfg = t.cfg;
		if (cases[i].no_mac)
			cfg.mac64 = NULL;
		if (cases[i].no_random)
			cfg.random64 = NULL;
		for (size_t k = 0; k < cases[i].n_static; k++)
			many[k] = (struct mesh_static_peer){ h_ip(10, 99, (uint8_t)(1 + k / 250),
								(uint8_t)(1 + k % 250)), 1, 2 };
		cfg.n_static = cases[i].n_static;
		cfg.statics = cases[i].n_static ? many : NULL;
		cfg.max_nodes = cases[i].max_nodes;
		errno = 0;
		m = mesh_new(&cfg, t.now);
		if ((m != NULL) != cases[i].ok)
			fail_msg("%s: %s", cases[i].what, m ? "made" : "refused");
		if (!m) {
			if (cases[i].no_mac || cases[i].no_random)
				assert_int_equal(errno, EINVAL);
			h_teardown(&t);
			continue;
		}
		assert_int_equal(mesh_max_nodes(m), cases[i].cap);
		assert_int_equal(mesh_config(m)->n_static, cases[i].n_static);
		assert_int_equal(mesh_node_count(m), 1);
		assert_true(mesh_node_status(m, 0, &st));
		assert_int_equal(st.path, MESH_PATH_SELF);
		assert_true(st.seq == 1 && st.boot == cfg.boot);
		mesh_free(m);
		h_teardown(&t);
	}
	mesh_free(NULL);
}

/* ---- packets ---- */

/* Senders outside the subnet, claiming A's own address, or at UDP port 0. */
static void test_refused_senders(void **state)
{
	static const struct {
		uint8_t a, b, c, d;
		uint16_t port;		/* its UDP source port */
		enum wire_drop why;
	} cases[] = {
		{ 10, 98, 0, 2, 50001, WIRE_DROP_REFUSED },
		{ 192, 168, 1, 1, 50001, WIRE_DROP_REFUSED },
		{ 10, 99, 0, 1, 50001, WIRE_DROP_SELF },
		/* from port 0: an answer could not be sent (the encoder refuses it) */
		{ 10, 99, 0, 9, 0, WIRE_DROP_REFUSED },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake x;
		struct wire_msg h;

		h_setup(&t, 0, 1);
		h_fake_init(&x, 9, "x", 3);
		x.id = h_ip(cases[i].a, cases[i].b, cases[i].c, cases[i].d);
		x.ep.port = cases[i].port;
		h = h_hello(&t, &x, WIRE_HELLO, 0x77, 0);
		h_feed(&t, &x, &h);
		assert_int_equal(t.n_sent, 0);
		assert_int_equal(mesh_counters(t.m)->drops[cases[i].why], 1);
		assert_int_equal(mesh_node_count(t.m), 1);
		h_teardown(&t);
	}
}

/*
 * An authentic packet from a neighbour goes to the module whose message
 * it is, and is counted by type:
 *
 *   HELLO -> a reply (adj)        PING -> a PONG (adj)      LEAVE -> down (adj)
 *   RECORD -> stored (flood)      DIGEST -> a REQUEST for what we lack (flood)
 *   REQUEST -> the record (flood)
 */
static void test_dispatch(void **state)
{
	static const enum wire_type types[] = {
		WIRE_HELLO, WIRE_HELLO_REPLY, WIRE_PING, WIRE_PONG, WIRE_RECORD, WIRE_DIGEST,
		WIRE_REQUEST, WIRE_LEAVE,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct h t;
		struct h_fake b;
		struct wire_msg m;
		struct addr x = h_ip(10, 99, 0, 20);
		uint8_t key[WIRE_KEY_LEN];
		uint64_t rx;

		h_setup(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_neighbour_up(&t, &b, NULL, 0);
		h_answer_probes(&t, &b, 2000);
		memset(key, 0x58, sizeof(key));
		rx = mesh_counters(t.m)->rx[types[i]];
		switch (types[i]) {
		case WIRE_HELLO:
		case WIRE_HELLO_REPLY:
			m = h_hello(&t, &b, types[i], 0x42, 0);
			break;
		case WIRE_RECORD:
			m = h_record_msg(&b, &x, "xavier", 1, 1, key, &b.id, 1);
			break;
		case WIRE_DIGEST:
			m = h_msg(&b, WIRE_DIGEST);
			m.u.digest.total = 9;
			m.u.digest.n = 1;
			m.u.digest.entries[0] = (struct wire_digest_entry){ x, 1, 1 };
			break;
		case WIRE_REQUEST:
			m = h_msg(&b, WIRE_REQUEST);
			m.u.digest.n = 1;
			m.u.digest.entries[0] = (struct wire_digest_entry){ t.cfg.id, t.cfg.boot, 1 };
			break;
		case WIRE_PING:
		case WIRE_PONG:
		case WIRE_LEAVE:
			m = h_msg(&b, types[i]);
			m.u.ping.record_seq = b.seq;
			break;
		case WIRE_CERT:
		case WIRE_CERT_REQUEST:
		case WIRE_REVOKE:
			fail_msg("networks with a CA: tests/test_member.c");
		}
		h_reset(&t);
		h_feed(&t, &b, &m);
		assert_true(mesh_counters(t.m)->rx[types[i]] == rx + 1);
		switch (types[i]) {
		case WIRE_HELLO:
			assert_int_equal(h_count_sent_to(&t, &b, WIRE_HELLO_REPLY), 1);
			break;
		case WIRE_HELLO_REPLY:
			/* its challenge is echoed in a hello */
			assert_true(h_sent_to(&t, &b, WIRE_HELLO)->u.hello.echo == 0x42);
			break;
		case WIRE_PING:
			assert_int_equal(h_count_sent_to(&t, &b, WIRE_PONG), 1);
			break;
		case WIRE_PONG:
			assert_int_equal(t.n_sent, 0);
			break;
		case WIRE_RECORD:
			assert_non_null(lsdb_get(&t.m->db, &x));
			break;
		case WIRE_DIGEST:
			assert_int_equal(h_count_sent_to(&t, &b, WIRE_REQUEST), 1);
			break;
		case WIRE_REQUEST:
			assert_int_equal(h_count_sent_to(&t, &b, WIRE_RECORD), 1);
			break;
		case WIRE_LEAVE:
			assert_false(h_adjacent(&t, &b.id));
			break;
		case WIRE_CERT:
		case WIRE_CERT_REQUEST:
		case WIRE_REVOKE:
			break;
		}
		if (types[i] != WIRE_LEAVE)
			assert_true(h_adjacent(&t, &b.id));
		h_teardown(&t);
	}
}

/* Datagrams dropped before the core saw them are counted by reason; others ignored. */
static void test_drops(void **state)
{
	struct h t;
	uint64_t want[WIRE_DROP__COUNT] = { 0 };

	(void)state;
	h_setup(&t, 0, 1);
	memcpy(want, mesh_counters(t.m)->drops, sizeof(want));
	for (unsigned k = 0; k < 3 * WIRE_DROP__COUNT; k++) {
		mesh_on_drop(t.m, (enum wire_drop)(k % WIRE_DROP__COUNT));
		want[k % WIRE_DROP__COUNT]++;
	}
	mesh_on_drop(t.m, WIRE_DROP__COUNT);
	mesh_on_drop(t.m, (enum wire_drop)-1);
	assert_memory_equal(mesh_counters(t.m)->drops, want, sizeof(want));
	h_teardown(&t);
}

/* ---- timers ---- */

/*
 * mesh_next_timer is when something is due: never later than the
 * housekeeping (5 s), the earliest module timer; after mesh_on_timer at
 * that time it has moved on (a host calling it then never spins). After
 * leaving there is none.
 *
 *   A with neighbours B (answers) and C (silent: checked, then down), and
 *   a static peer S that never answers (hellos backing off)
 */
static void test_timers(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct addr s = h_ip(203, 0, 113, 100);
	size_t seen = 0, calls = 0;
	uint64_t end;

	(void)state;
	h_setup(&t, 1, 1);
	assert_true(mesh_next_timer(t.m) > t.now);
	assert_true(mesh_next_timer(t.m) <= t.now + 5000);
	/* a static peer's address: the first hello at once, the next 250 ms later */
	mesh_set_static_addr(t.m, 0, &s, t.now);
	h_collect(&t);
	assert_int_equal(h_count_sent(&t, WIRE_HELLO), 1);
	assert_true(mesh_next_timer(t.m) == t.now + MESH_HELLO_FIRST_MS);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_neighbour_up(&t, &b, NULL, 0);
	h_neighbour_up(&t, &c, NULL, 0);
	end = t.now + 60000;
	while (t.now < end) {
		uint64_t next = mesh_next_timer(t.m);
		assert_true(next >= t.now);
		assert_true(next <= t.now + 5000);
		t.now = next;
		mesh_on_timer(t.m, t.now);
		h_collect(&t);
		calls++;
		assert_true(mesh_next_timer(t.m) > t.now);
		for (; seen < t.n_sent; seen++)
			if (t.sent[seen].msg.hdr.type == WIRE_PING &&
			    endpoint_eq(&t.sent[seen].to, &b.ep))
				h_answer_ping(&t, &b, &t.sent[seen].msg);
		if (t.n_sent > H_MAX_SEEN / 2) {
			h_reset(&t);
			seen = 0;
		}
	}
	assert_true(h_adjacent(&t, &b.id));
	assert_false(h_adjacent(&t, &c.id));
	assert_true(calls < 1000); /* a timer per event, not per millisecond */
	mesh_leave(t.m, t.now);
	h_collect(&t);
	assert_true(mesh_next_timer(t.m) == UINT64_MAX);
	h_reset(&t);
	mesh_on_timer(t.m, t.now + 100000);
	h_collect(&t);
	assert_int_equal(t.n_sent + t.n_sets + t.n_removed + t.n_lan, 0);
	h_teardown(&t);
}

/* ---- inputs from the host ---- */

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

/*
 * Options (a reload): new flags make a new version of our record; the
 * node cap is clamped and bounds the tombstones too; the same options
 * again change nothing.
 */
static void test_set_options(void **state)
{
	static const struct {
		uint32_t flags;
		size_t cap, want_cap;
		bool new_version;
	} steps[] = {
		{ 0, 0, MESH_MAX_NODES_DEFAULT, false },
		{ WIRE_NODE_NO_TRANSIT, 0, MESH_MAX_NODES_DEFAULT, true },
		{ WIRE_NODE_NO_TRANSIT, 100, 100, false },
		{ WIRE_NODE_NO_TRANSIT, 70000, MESH_MAX_NODES_LIMIT, false },
		{ 0, 7, 7, true },
	};
	struct h t;

	(void)state;
	h_setup(&t, 0, 1);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		uint64_t seq = lsdb_get(&t.m->db, &t.cfg.id)->seq;
		const struct lsdb_record *own;

		t.now += 1000;
		mesh_set_options(t.m, steps[i].flags, 5000, steps[i].cap, t.now);
		h_collect(&t);
		own = lsdb_get(&t.m->db, &t.cfg.id);
		assert_int_equal(own->seq != seq, steps[i].new_version);
		assert_int_equal(own->flags, steps[i].flags);
		assert_int_equal(mesh_config(t.m)->flags, steps[i].flags);
		assert_int_equal(mesh_max_nodes(t.m), steps[i].want_cap);
		assert_int_equal(t.m->db.max_tombs, steps[i].want_cap);
		assert_int_equal(mesh_config(t.m)->direct_idle_ms, 5000);
	}
	h_teardown(&t);
}

/*
 * This host's addresses: with prefix lengths (mesh_set_local_prefixes,
 * the LANs we share with others), or as host addresses
 * (mesh_set_local_addrs). Our record carries the addresses; the same set
 * again is no change.
 */
static void test_local_addrs(void **state)
{
	static const struct {
		uint8_t a, b, c, d;
		bool with_prefixes, as_hosts;
	} probes[] = {
		{ 198, 51, 100, 7, true, true },
		{ 198, 51, 100, 8, true, false },
		{ 192, 0, 2, 200, true, false },
		{ 192, 0, 3, 1, false, false },
	};
	struct prefix pfx[2] = { { h_ip(198, 51, 100, 7), 24 }, { h_ip(192, 0, 2, 1), 24 } };
	struct addr hosts[2] = { h_ip(198, 51, 100, 7), h_ip(192, 0, 2, 1) };
	struct h t;
	uint64_t seq;

	(void)state;
	h_setup(&t, 0, 1);
	mesh_set_local_prefixes(t.m, pfx, 2, t.now);
	h_collect(&t);
	h_later(&t, 200);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		struct addr a = h_ip(probes[i].a, probes[i].b, probes[i].c, probes[i].d);
		assert_int_equal(mesh_on_local_lan(t.m, &a), probes[i].with_prefixes);
	}
	seq = lsdb_get(&t.m->db, &t.cfg.id)->seq;
	assert_int_equal(lsdb_get(&t.m->db, &t.cfg.id)->n_local, 2);
	assert_true(addr_eq(&lsdb_get(&t.m->db, &t.cfg.id)->local[1], &hosts[1]));
	mesh_set_local_prefixes(t.m, pfx, 2, t.now + 500);
	h_collect(&t);
	h_later(&t, 1000);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq);

	mesh_set_local_addrs(t.m, hosts, 2, t.now);
	h_collect(&t);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		struct addr a = h_ip(probes[i].a, probes[i].b, probes[i].c, probes[i].d);
		assert_int_equal(mesh_on_local_lan(t.m, &a), probes[i].as_hosts);
	}
	/*
	 * one address on two interfaces is listed once: a record with an
	 * address twice is one the encoder refuses, never announced
	 */
	{
		struct prefix twice[3] = { pfx[0], pfx[1], pfx[0] };
		const struct lsdb_record *own;

		mesh_set_local_prefixes(t.m, twice, 3, t.now);
		h_collect(&t);
		h_later(&t, 1000);
		own = lsdb_get(&t.m->db, &t.cfg.id);
		assert_int_equal(own->n_local, 2);
		assert_true(addr_eq(&own->local[0], &hosts[0]));
		assert_true(addr_eq(&own->local[1], &hosts[1]));
	}
	h_teardown(&t);
}

/* A's device reports f's peer with these counters. */
static void sample(struct h *t, const struct h_fake *f, uint64_t rx, uint64_t tx)
{
	struct mesh_wg_stats st;

	memset(&st, 0, sizeof(st));
	memcpy(st.pubkey, f->key, WIRE_KEY_LEN);
	st.rx_bytes = rx;
	st.tx_bytes = tx;
	st.last_handshake_sec = 1600000000;
	mesh_on_wg_stats(t->m, t->now, &st, 1);
	h_collect(t);
}

/*
 * Busy (the host samples WireGuard often): the first seconds after the
 * start, a first handshake pending, traffic sent, a check running;
 * otherwise not.
 */
static void test_busy(void **state)
{
	struct h t;
	struct h_fake b;
	struct mesh_peer *p;

	(void)state;
	h_setup(&t, 0, 1);
	assert_true(mesh_busy(t.m));
	h_later(&t, MESH_BUSY_START_MS);
	h_at(&t, t.now);
	assert_false(mesh_busy(t.m));
	h_fake_init(&b, 2, "bob", 7);
	h_handshake(&t, &b);
	h_later(&t, 100);
	p = mesh_peer_get(t.m, &b.id);
	assert_true(p->fib.on && !p->fib.handshake);
	assert_true(mesh_busy(t.m)); /* its first handshake */
	sample(&t, &b, 100, 100);
	assert_true(mesh_busy(t.m)); /* traffic sent in the last sample */
	t.now += 100;
	sample(&t, &b, 100, 100);
	assert_false(mesh_busy(t.m)); /* quiet */
	h_at(&t, t.now + 1);
	probe_check(t.m, p, MESH_PROBE_DEAD_IDLE_MS, "a test");
	h_collect(&t);
	assert_true(mesh_busy(t.m)); /* a check */
	h_teardown(&t);
}

/* ---- leaving ---- */

/*
 * Our own leave withdraws everything we installed, says so twice, and
 * floods a last record with the LEFT flag (the others show "left", not "lost").
 */
static void test_own_leave(void **state)
{
	struct h t;
	struct h_fake b;
	const struct wire_msg *rec;
	struct wire_msg h;

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
	/* once: a second leave, and whatever arrives after, does nothing */
	h_reset(&t);
	mesh_leave(t.m, t.now + 10);
	h = h_hello(&t, &b, WIRE_HELLO, 0x77, 0);
	h_feed(&t, &b, &h);
	h_wg_up(&t, &b);
	mesh_set_options(t.m, WIRE_NODE_NO_TRANSIT, 0, 0, t.now + 20);
	h_collect(&t);
	assert_int_equal(t.n_sent + t.n_sets + t.n_removed + t.n_route_add + t.n_route_del, 0);
	h_teardown(&t);
}

/* ---- status ---- */

/*
 * The status view: self first, then every node in table order, each with
 * how we reach it.
 *
 *          B -- C            A = 10.99.0.5; B .2 (neighbour, LAN), C .3 via B;
 *         /                  D .4: a record, unreachable (lost);
 *   D    A                   E .6: unreachable, its last record said it left
 *   E
 */
static void test_status(void **state)
{
	static const struct {
		uint8_t id;
		enum mesh_path path;
		uint8_t via;
		bool adjacent, left;
		uint8_t edge_kind;
	} want[] = {
		{ 5, MESH_PATH_SELF, 0, false, false, 0 },
		{ 2, MESH_PATH_DIRECT, 2, true, false, WIRE_PATH_LAN },
		{ 3, MESH_PATH_GATEWAY, 2, false, false, 0 },
		{ 4, MESH_PATH_UNREACHABLE, 0, false, false, 0 },
		{ 6, MESH_PATH_UNREACHABLE, 0, false, true, 0 },
	};
	struct h t;
	struct h_fake b;
	struct addr c = h_ip(10, 99, 0, 3), d = h_ip(10, 99, 0, 4), e = h_ip(10, 99, 0, 6);
	struct addr nobody = h_ip(10, 99, 9, 9);
	uint8_t key[WIRE_KEY_LEN];
	struct wire_msg m;
	struct mesh_node_status st;

	(void)state;
	h_setup(&t, 0, 5);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, &c, 1);
	memset(key, 0xcc, sizeof(key));
	h_feed_record(&t, &b, &c, "carol", 1, 1, key, &b.id, 1);
	key[0]++;
	h_feed_record(&t, &b, &d, "dave", 1, 1, key, &nobody, 1);
	key[0]++;
	m = h_record_msg(&b, &e, "erin", 1, 1, key, NULL, 0);
	m.u.record.flags = WIRE_NODE_LEFT;
	h_feed(&t, &b, &m);
	h_later(&t, 200);
	assert_int_equal(mesh_node_count(t.m), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct addr id = h_ip(10, 99, 0, want[i].id);
		const struct lsdb_record *r = lsdb_get(&t.m->db, &id);

		assert_true(mesh_node_status(t.m, i, &st));
		if (!addr_eq(&st.id, &id))
			fail_msg("entry %zu is not 10.99.0.%u", i, want[i].id);
		assert_string_equal(st.name, r->name);
		assert_true(st.boot == r->boot && st.seq == r->seq);
		assert_memory_equal(st.pubkey, r->pubkey, WIRE_KEY_LEN);
		if (st.path != want[i].path)
			fail_msg("10.99.0.%u: path %d", want[i].id, st.path);
		assert_int_equal(st.adjacent, want[i].adjacent);
		assert_int_equal(st.left, want[i].left);
		assert_int_equal(st.edge_kind, want[i].edge_kind);
		if (want[i].via) {
			struct addr via = h_ip(10, 99, 0, want[i].via);
			assert_true(addr_eq(&st.via, &via));
			assert_true(st.cost > 0);
		}
	}
	/* a neighbour's details */
	assert_true(mesh_node_status(t.m, 1, &st));
	assert_true(endpoint_eq(&st.admin_ep, &b.ep));
	assert_false(st.is_static);
	assert_false(mesh_node_status(t.m, ARRAY_SIZE(want), &st));
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_refused_senders),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_set_statics),
		cmocka_unit_test(test_set_options),
		cmocka_unit_test(test_local_addrs),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_own_leave),
		cmocka_unit_test(test_status),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
