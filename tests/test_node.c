/*
 * Tests for src/core/node.c: the node table of a real core
 * (core_harness.h): its cap, the static peers of net.yaml as lists are
 * set and reloaded and their addresses resolved, what a node says of
 * itself, where we reach it, and the questions other modules ask about a
 * node (is its address taken, is it on our LAN, the newest boot held).
 */
#include <errno.h>
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Is a log line containing `text` pending in the core's actions? */
static bool logged(const struct h *t, const char *text)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(t->m, &acts);

	for (size_t i = 0; i < n; i++)
		if (acts[i].type == MESH_ACT_LOG && strstr(acts[i].u.log.text, text))
			return true;
	return false;
}

/* ---- the cap ---- */

/*
 * At most max_nodes peers besides the static ones: mesh_peer_ensure
 * refuses a new node beyond that (counted in nodes_refused) but always
 * returns one it holds.
 */
static void test_cap(void **state)
{
	static const struct {
		size_t max_nodes, n_static, tried;
		size_t created;
	} cases[] = {
		{ 4, 0, 10, 4 },
		{ 4, 2, 10, 4 },	/* the static peers do not use up the cap */
		{ 1, 3, 5, 1 },
		{ 8, 0, 8, 8 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		size_t created = 0;

		h_setup_opts(&t, cases[c].n_static, 1, cases[c].max_nodes);
		assert_int_equal(t.m->peers.n, cases[c].n_static);
		assert_int_equal(mesh_max_nodes(t.m), cases[c].max_nodes);
		for (size_t i = 0; i < cases[c].tried; i++) {
			struct addr id = h_ip(10, 99, 2, (uint8_t)(i + 1));
			struct mesh_peer *p = mesh_peer_ensure(t.m, &id);
			if (p) {
				created++;
				assert_true(addr_eq(&p->id, &id));
				assert_ptr_equal(mesh_peer_get(t.m, &id), p);
				assert_true(p->created == t.m->now);
			}
		}
		if (created != cases[c].created)
			fail_msg("case %zu: %zu created", c, created);
		assert_true(mesh_counters(t.m)->nodes_refused == cases[c].tried - cases[c].created);
		/* at the cap, the ones held are still found, and not counted */
		for (size_t i = 0; i < cases[c].created; i++) {
			struct addr id = h_ip(10, 99, 2, (uint8_t)(i + 1));
			assert_non_null(mesh_peer_ensure(t.m, &id));
		}
		for (size_t i = 0; i < cases[c].n_static; i++)
			assert_non_null(mesh_peer_ensure(t.m, &t.statics[i].id));
		assert_true(mesh_counters(t.m)->nodes_refused == cases[c].tried - cases[c].created);
		h_teardown(&t);
	}
}

/* The default cap, and a full table refusing a new neighbour's hello exchange. */
static void test_cap_refuses_neighbour(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct wire_msg h;
	const struct wire_msg *reply;

	(void)state;
	h_setup(&t, 0, 1);
	assert_int_equal(mesh_max_nodes(t.m), MESH_MAX_NODES_DEFAULT);
	h_teardown(&t);

	h_setup_opts(&t, 0, 1, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	h_handshake(&t, &b);
	/* carol passes the challenge, but there is no room for her */
	h = h_hello(&t, &c, WIRE_HELLO, 0x1111, 0);
	h_feed(&t, &c, &h);
	reply = h_sent_to(&t, &c, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	h = h_hello(&t, &c, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(&t, &c, &h);
	assert_null(mesh_peer_get(t.m, &c.id));
	assert_true(mesh_counters(t.m)->nodes_refused == 1);
	assert_true(h_adjacent(&t, &b.id));
	h_teardown(&t);
}

/* ---- static peers ---- */

/*
 * Where a static peer is: node_static_addr sets its admin and WireGuard
 * endpoints (the configured ports at the resolved address) and returns
 * the peer when that is news; NULL when unchanged, out of range, or our
 * own entry (which says where the others reach us).
 *
 *   statics: 0 = 10.99.0.100, 1 = 10.99.0.101 (ports 50001, 51820)
 */
static void test_static_addr(void **state)
{
	static const struct {
		size_t idx;
		uint8_t addr;		/* 203.0.113.ADDR */
		bool news;
	} steps[] = {
		{ 0, 10, true },
		{ 0, 10, false },	/* unchanged */
		{ 1, 10, true },	/* another peer at the same address: its own news */
		{ 0, 11, true },	/* moved */
		{ 0, 11, false },
		{ 2, 12, false },	/* no such entry */
		{ 99, 12, false },
	};
	struct h t;

	(void)state;
	h_setup(&t, 2, 1);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct addr a = h_ip(203, 0, 113, steps[i].addr);
		struct mesh_peer *p = node_static_addr(t.m, steps[i].idx, &a);
		struct endpoint ep;

		if ((p != NULL) != steps[i].news)
			fail_msg("step %zu: news %d", i, p != NULL);
		if (!p)
			continue;
		assert_true(addr_eq(&p->id, &t.statics[steps[i].idx].id));
		assert_true(p->static_resolved);
		assert_true(h_ep_is(&p->static_admin, h_ep(203, 0, 113, steps[i].addr, 50001)));
		assert_true(h_ep_is(&p->static_wg, h_ep(203, 0, 113, steps[i].addr, 51820)));
		assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &p->static_admin));
	}
	assert_false(t.m->has_self_static);
	h_collect(&t);
	h_teardown(&t);
}

/*
 * A reloaded list (node_set_statics), step by step:
 *
 *   before    .100 (resolved at 203.0.113.10), .101 (resolved), .102 (not)
 *   new list  .100 same ports, .101 other admin port, .103 new, us (.1 admin 40000)
 *
 *   .100 stays resolved; .101 waits for its address again (its ports
 *   changed); .103 is a new static peer (logged), unresolved; .102, no
 *   longer listed, stays in the table as an ordinary node, reached where
 *   it was (nowhere: it was never resolved); our own entry makes us
 *   "listed", and its address where the others reach us.
 *
 *   then      .103 only: .100 and .101 (resolved again meanwhile) leave
 *             the list and keep their addresses as proved ones.
 */
static void test_set_statics(void **state)
{
	struct h t;
	struct mesh_static_peer next[4], last[1];
	struct mesh_peer *p100, *p101, *p102, *p103;
	struct addr a10 = h_ip(203, 0, 113, 10), a11 = h_ip(203, 0, 113, 11);
	struct addr a1 = h_ip(203, 0, 113, 1);
	struct endpoint ep;

	(void)state;
	h_setup(&t, 3, 1);
	p100 = node_static_addr(t.m, 0, &a10);
	p101 = node_static_addr(t.m, 1, &a11);
	p102 = mesh_peer_get(t.m, &t.statics[2].id);
	assert_non_null(p100);
	assert_non_null(p101);
	assert_non_null(p102);
	assert_false(t.m->self_listed);

	next[0] = t.statics[0];
	next[1] = t.statics[1];
	next[1].admin_port = 50002;
	next[2] = (struct mesh_static_peer){ h_ip(10, 99, 0, 103), 50001, 51820 };
	next[3] = (struct mesh_static_peer){ t.cfg.id, 40000, 51820 };
	assert_int_equal(node_set_statics(t.m, next, 4), 0);
	p103 = mesh_peer_get(t.m, &next[2].id);
	assert_non_null(p103);
	assert_true(logged(&t, "10.99.0.103 is a static peer now"));
	assert_true(logged(&t, "no longer a static peer"));
	assert_true(p100->is_static && p100->static_resolved);
	assert_true(p101->is_static && !p101->static_resolved);
	assert_false(mesh_peer_admin_ep(p101, &ep));
	assert_true(p103->is_static && !p103->static_resolved);
	assert_false(p102->is_static);
	assert_ptr_equal(mesh_peer_get(t.m, &t.statics[2].id), p102); /* kept */
	assert_false(mesh_peer_admin_ep(p102, &ep));
	assert_true(t.m->self_listed);
	assert_null(mesh_peer_get(t.m, &t.cfg.id));
	assert_int_equal(t.m->cfg.n_static, 4);
	/* the list is copied: the caller's may go */
	memset(next, 0, sizeof(next));
	assert_true(addr_eq(&t.m->statics[2].id, &p103->id));
	/* .101 at its old address, but with its new port: news */
	assert_ptr_equal(node_static_addr(t.m, 1, &a11), p101);
	assert_int_equal(p101->static_admin.port, 50002);
	/* our own entry */
	assert_null(node_static_addr(t.m, 3, &a1));
	assert_true(t.m->has_self_static);
	assert_true(h_ep_is(&t.m->self_static, h_ep(203, 0, 113, 1, 40000)));
	h_collect(&t);

	last[0] = t.m->statics[2];
	assert_int_equal(node_set_statics(t.m, last, 1), 0);
	assert_false(p100->is_static);
	assert_false(p100->static_resolved);
	assert_true(p100->has_admin_ep);
	assert_true(mesh_peer_admin_ep(p100, &ep) && h_ep_is(&ep, h_ep(203, 0, 113, 10, 50001)));
	assert_false(p101->is_static);
	assert_true(mesh_peer_admin_ep(p101, &ep) && h_ep_is(&ep, h_ep(203, 0, 113, 11, 50002)));
	assert_true(p103->is_static);
	assert_false(t.m->self_listed);
	assert_false(t.m->has_self_static);
	assert_int_equal(t.m->cfg.n_static, 1);
	/* indices follow the new list */
	assert_null(node_static_addr(t.m, 1, &a10));
	assert_ptr_equal(node_static_addr(t.m, 0, &a10), p103);
	h_collect(&t);

	/* too many: refused, nothing changed */
	{
		static struct mesh_static_peer many[MESH_MAX_STATIC + 1];
		assert_int_equal(node_set_statics(t.m, many, MESH_MAX_STATIC + 1), -EINVAL);
		assert_int_equal(t.m->cfg.n_static, 1);
		assert_true(p103->is_static);
	}
	/* none at all */
	assert_int_equal(node_set_statics(t.m, NULL, 0), 0);
	assert_false(p103->is_static);
	assert_true(mesh_peer_admin_ep(p103, &ep) && h_ep_is(&ep, h_ep(203, 0, 113, 10, 50001)));
	assert_null(t.m->statics);
	h_collect(&t);
	h_teardown(&t);
}

/*
 * A static peer listed again with other ports waits for its address
 * again (the host resolves it anew and tells us); with the same ports it
 * stays where it is.
 */
static void test_static_ports_changed(void **state)
{
	static const struct {
		const char *what;
		uint16_t admin_port, wg_port;
		bool resolved;
	} cases[] = {
		{ "the same ports", 50001, 51820, true },
		{ "another admin port", 50002, 51820, false },
		{ "another WireGuard port", 50001, 51821, false },
		{ "both", 1, 2, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct addr a = h_ip(203, 0, 113, 10);
		struct mesh_static_peer next;
		struct mesh_peer *p;

		h_setup(&t, 1, 1);
		p = node_static_addr(t.m, 0, &a);
		assert_non_null(p);
		next = (struct mesh_static_peer){ t.statics[0].id, cases[i].admin_port,
						  cases[i].wg_port };
		assert_int_equal(node_set_statics(t.m, &next, 1), 0);
		if (p->static_resolved != cases[i].resolved)
			fail_msg("%s: resolved %d", cases[i].what, p->static_resolved);
		/* told the same address: news only if it was waiting for it */
		assert_int_equal(node_static_addr(t.m, 0, &a) != NULL, !cases[i].resolved);
		assert_true(h_ep_is(&p->static_admin, h_ep(203, 0, 113, 10, cases[i].admin_port)));
		assert_true(h_ep_is(&p->static_wg, h_ep(203, 0, 113, 10, cases[i].wg_port)));
		h_collect(&t);
		h_teardown(&t);
	}
}

/* ---- what a node says, where it is ---- */

/*
 * mesh_peer_learn takes what a hello says; it reports a change only of
 * what the WireGuard peer is made of (key, WireGuard port), or the first
 * time.
 */
static void test_learn(void **state)
{
	static const struct {
		const char *name;
		uint8_t key;
		uint16_t wg_port, admin_port;
		uint32_t flags;
		bool changed;
	} steps[] = {
		{ "bob", 1, 51820, 50001, 0, true },	/* first */
		{ "bob", 1, 51820, 50001, 0, false },
		{ "robert", 1, 51820, 50001, 0, false },
		{ "robert", 1, 51820, 50002, 0, false },
		{ "robert", 1, 51820, 50002, WIRE_NODE_NO_TRANSIT, false },
		{ "robert", 2, 51820, 50002, WIRE_NODE_NO_TRANSIT, true },
		{ "robert", 2, 51821, 50002, WIRE_NODE_NO_TRANSIT, true },
		{ "robert", 2, 51821, 50002, WIRE_NODE_NO_TRANSIT, false },
	};
	struct h t;
	struct addr id = h_ip(10, 99, 0, 2);
	struct mesh_peer *p;

	(void)state;
	h_setup(&t, 0, 1);
	p = mesh_peer_ensure(t.m, &id);
	assert_non_null(p);
	assert_false(p->has_info);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		uint8_t key[WIRE_KEY_LEN];
		bool changed;

		memset(key, steps[i].key, sizeof(key));
		changed = mesh_peer_learn(p, steps[i].name, key, steps[i].wg_port,
					  steps[i].admin_port, steps[i].flags);
		if (changed != steps[i].changed)
			fail_msg("step %zu: changed %d", i, changed);
		assert_true(p->has_info);
		assert_string_equal(p->name, steps[i].name);
		assert_memory_equal(p->pubkey, key, WIRE_KEY_LEN);
		assert_int_equal(p->wg_port, steps[i].wg_port);
		assert_int_equal(p->admin_port, steps[i].admin_port);
		assert_int_equal(p->flags, steps[i].flags);
	}
	/* a fresh WireGuard peer is a new trial */
	{
		uint32_t trial = p->wg_trial;
		mesh_peer_fresh(p);
		assert_int_equal(p->wg_trial, trial + 1);
	}
	h_teardown(&t);
}

/*
 * Where we send to a node: a static peer only at its configured address
 * (a proof from elsewhere is ignored), any other at the endpoint it
 * proved; the source of its last packet is only noted.
 */
static void test_where(void **state)
{
	struct h t;
	struct addr id = h_ip(10, 99, 0, 2), a = h_ip(203, 0, 113, 10);
	struct endpoint proved = h_ep(198, 51, 100, 2, 50001), src = h_ep(198, 51, 100, 3, 4444);
	struct endpoint ep;
	struct mesh_peer *p, *s;

	(void)state;
	h_setup(&t, 1, 1);
	p = mesh_peer_ensure(t.m, &id);
	assert_false(mesh_peer_admin_ep(p, &ep));
	mesh_peer_heard(p, &src);
	assert_true(p->has_src && endpoint_eq(&p->src, &src));
	assert_false(mesh_peer_admin_ep(p, &ep)); /* heard is not proved */
	mesh_peer_proved(p, &proved);
	assert_true(mesh_peer_admin_ep(p, &ep) && endpoint_eq(&ep, &proved));

	s = mesh_peer_get(t.m, &t.statics[0].id);
	assert_false(mesh_peer_admin_ep(s, &ep)); /* not resolved yet */
	mesh_peer_proved(s, &proved);
	assert_false(s->has_admin_ep);
	assert_false(mesh_peer_admin_ep(s, &ep));
	assert_ptr_equal(node_static_addr(t.m, 0, &a), s);
	mesh_peer_proved(s, &proved);
	assert_true(mesh_peer_admin_ep(s, &ep) && h_ep_is(&ep, h_ep(203, 0, 113, 10, 50001)));
	h_teardown(&t);
}

/*
 * Is an address held by a live node of another name? A neighbour that
 * told us its name (adjacency up), or a reachable node's record.
 *
 *   A ---- bob ---- carol        dave: a record, unreachable
 *    \
 *     erin (adjacency up, no handshake, no record)
 */
static void test_id_taken(void **state)
{
	static const struct {
		uint8_t id;
		const char *name;
		bool taken;
	} cases[] = {
		{ 2, "bob", false }, { 2, "mallory", true },
		{ 3, "carol", false }, { 3, "mallory", true },
		{ 4, "mallory", false },	/* dave: not reachable */
		{ 5, "erin", false }, { 5, "mallory", true },
		{ 6, "mallory", false },	/* nobody */
		{ 7, "frank", false },		/* frank: a peer that is down */
		{ 7, "mallory", false },
	};
	struct h t;
	struct h_fake b, e, f;
	struct addr carol = h_ip(10, 99, 0, 3), dave = h_ip(10, 99, 0, 4), unknown = h_ip(10, 99, 9, 9);
	struct addr neigh[1];
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&e, 5, "erin", 7);
	h_fake_init(&f, 7, "frank", 7);
	h_neighbour_up(&t, &b, &carol, 1);
	memset(key, 0xcc, sizeof(key));
	neigh[0] = b.id;
	h_feed_record(&t, &b, &carol, "carol", 1, 1, key, neigh, 1);
	key[0]++;
	neigh[0] = unknown;
	h_feed_record(&t, &b, &dave, "dave", 1, 1, key, neigh, 1);
	h_handshake(&t, &e);
	h_handshake(&t, &f);
	h_reset(&t);
	{
		struct wire_msg leave = h_msg(&f, WIRE_LEAVE);
		h_feed(&t, &f, &leave);
	}
	h_later(&t, 200);
	assert_true(lsdb_get(&t.m->db, &carol)->route.reachable);
	assert_false(lsdb_get(&t.m->db, &dave)->route.reachable);
	assert_false(h_adjacent(&t, &f.id));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct addr id = h_ip(10, 99, 0, cases[i].id);
		if (mesh_id_taken(t.m, &id, cases[i].name) != cases[i].taken)
			fail_msg("10.99.0.%u as %s: taken %d", cases[i].id, cases[i].name,
				 !cases[i].taken);
	}
	h_teardown(&t);
}

/* ---- facts about a node ---- */

/*
 * A newer record of ourselves is noted for the end of the event
 * (self.c moves our boot): only the newest, never one older than ours.
 */
static void test_note_newer_self(void **state)
{
	static const struct {
		uint64_t boot;
		uint64_t pending;	/* newer_self_boot afterwards */
	} steps[] = {
		{ 499, 0 },	/* older than ours (500) */
		{ 500, 500 },	/* ours: another start of ours, same boot */
		{ 600, 600 },
		{ 550, 600 },	/* not newer than the one noted */
		{ 600, 600 },
		{ 601, 601 },
	};
	struct h t;

	(void)state;
	h_setup(&t, 0, 1);
	assert_true(t.m->cfg.boot == 500);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		mesh_note_newer_self(t.m, steps[i].boot, "why");
		assert_true(t.m->newer_self_boot == steps[i].pending);
	}
	assert_string_equal(t.m->newer_self_why, "why");
	t.m->newer_self_boot = 0; /* not applied here: self.c's */
	h_teardown(&t);
}

/*
 * Heard from last: an admin packet or WireGuard traffic, whichever came
 * later. On our LAN: inside one of our prefixes. The newest boot held:
 * a record's or a tombstone's. A name: not empty.
 */
static void test_facts(void **state)
{
	static const struct {
		uint64_t adj, wg, last;
	} heard[] = { { 0, 0, 0 }, { 5, 0, 5 }, { 0, 7, 7 }, { 9, 8, 9 }, { 8, 9, 9 } };
	static const struct {
		uint8_t a, b, c, d;
		bool lan;
	} lans[] = {
		{ 198, 18, 0, 1, true }, { 198, 18, 0, 255, true }, { 198, 18, 1, 1, false },
		{ 192, 168, 5, 77, true }, { 192, 168, 6, 1, false }, { 10, 99, 0, 2, false },
	};
	struct h t;
	struct mesh_peer *p;
	struct addr id = h_ip(10, 99, 0, 2);
	struct prefix pfx[2] = { { h_ip(198, 18, 0, 1), 24 }, { h_ip(192, 168, 5, 9), 23 } };
	struct h_fake b;

	(void)state;
	h_setup(&t, 0, 1);
	p = mesh_peer_ensure(t.m, &id);
	for (size_t i = 0; i < ARRAY_SIZE(heard); i++) {
		p->adj.last_rx = heard[i].adj;
		p->seen.last_rx = heard[i].wg;
		assert_true(mesh_last_heard(p) == heard[i].last);
	}
	p->adj.last_rx = p->seen.last_rx = 0;

	mesh_set_local_prefixes(t.m, pfx, 2, t.now);
	h_collect(&t);
	for (size_t i = 0; i < ARRAY_SIZE(lans); i++) {
		struct addr a = h_ip(lans[i].a, lans[i].b, lans[i].c, lans[i].d);
		assert_int_equal(mesh_on_local_lan(t.m, &a), lans[i].lan);
	}

	assert_true(mesh_name_ok("x"));
	assert_false(mesh_name_ok(""));

	h_fake_init(&b, 3, "bob", 77);
	assert_true(mesh_held_boot(t.m, &b.id) == 0);
	h_neighbour_up(&t, &b, NULL, 0);
	assert_true(mesh_held_boot(t.m, &b.id) == 77);
	lsdb_drop(&t.m->db, &b.id, t.now, MESH_TOMB_MS);
	assert_true(mesh_held_boot(t.m, &b.id) == 77); /* the tombstone's */
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cap_refuses_neighbour),
		cmocka_unit_test(test_static_addr),
		cmocka_unit_test(test_set_statics),
		cmocka_unit_test(test_static_ports_changed),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_id_taken),
		cmocka_unit_test(test_note_newer_self),
		cmocka_unit_test(test_facts),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
