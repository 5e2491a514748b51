/*
 * subnet.c: which announced routes and exit offers A accepts, which
 * announcer carries each prefix, which exit node A uses, and what reaches
 * the device and the route table (core_harness.h).
 *
 *   A (10.99.0.1, underlay 198.18.0.1/24)
 *   |-- B (10.99.0.2)  neighbours of A, each with its own record
 *   |-- C (10.99.0.3)
 *   X (10.99.0.9) behind B, known only by its record
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct prefix pfx(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
{
	struct prefix p = { h_ip(a, b, c, d), len };
	return p;
}

/* A's routes settings: acceptRoutes 192.168.0.0/16 and 172.16.0.0/12, exits as given. */
static void policy(struct h *t, bool allow_exits, enum mesh_use_exit use, const char *name,
		   const struct prefix *own, size_t n_own)
{
	static struct prefix accept[2];
	struct mesh_config c = t->cfg;

	accept[0] = pfx(192, 168, 0, 0, 16);
	accept[1] = pfx(172, 16, 0, 0, 12);
	c.accept_routes = accept;
	c.n_accept_routes = 2;
	c.allow_exit_nodes = allow_exits;
	c.use_exit = use;
	snprintf(c.use_exit_name, sizeof(c.use_exit_name), "%s", name ? name : "");
	c.n_routes = n_own;
	if (n_own)
		memcpy(c.routes, own, n_own * sizeof(*own));
	assert_int_equal(mesh_set_routes(t->m, &c, t->now), 0);
	h_collect(t);
	h_later(t, 1000); /* past the route computation's hold-down */
}

static bool allows_prefix(const struct h_set *ps, const struct prefix *p)
{
	for (size_t i = 0; ps && i < ps->n; i++)
		if (prefix_eq(&ps->allowed[i], p))
			return true;
	return false;
}

/*
 * Every reason an announcement is refused, and the accepted cases. X's
 * record lists its address 192.168.7.1 on the LAN it carries (local) and
 * 198.51.100.40 (reflexive, where we reach it); A has a static peer at
 * 192.0.2.55; A announces 172.20.0.0/16 itself.
 */
static void test_judge(void **state)
{
	const struct {
		struct prefix dst;
		enum mesh_route_verdict want;
	} cases[] = {
		{ pfx(0, 0, 0, 0, 0), MESH_ROUTE_DEFAULT },
		{ pfx(0, 0, 0, 0, 1), MESH_ROUTE_SPECIAL }, /* half the internet */
		{ pfx(127, 0, 0, 0, 8), MESH_ROUTE_SPECIAL },
		{ pfx(169, 254, 0, 0, 16), MESH_ROUTE_SPECIAL },
		{ pfx(224, 0, 0, 0, 4), MESH_ROUTE_SPECIAL },
		{ pfx(10, 99, 7, 0, 24), MESH_ROUTE_OVERLAY },
		{ pfx(10, 0, 0, 0, 8), MESH_ROUTE_OVERLAY }, /* around it */
		{ pfx(198, 18, 0, 0, 24), MESH_ROUTE_OUR_UNDERLAY },
		{ pfx(198, 51, 100, 0, 24), MESH_ROUTE_ITS_UNDERLAY }, /* X's reflexive endpoint */
		{ pfx(192, 168, 7, 0, 24), MESH_ROUTE_ACCEPTED },	/* X's own LAN address inside */
		{ pfx(192, 0, 2, 0, 24), MESH_ROUTE_STATIC_ENDPOINT },
		{ pfx(8, 8, 8, 0, 24), MESH_ROUTE_NOT_ACCEPTED },
		{ pfx(172, 0, 0, 0, 8), MESH_ROUTE_NOT_ACCEPTED }, /* wider than the list */
		{ pfx(172, 20, 0, 0, 16), MESH_ROUTE_OURS },
		{ pfx(192, 168, 7, 0, 24), MESH_ROUTE_ACCEPTED },
		{ pfx(172, 16, 5, 128, 25), MESH_ROUTE_ACCEPTED },
	};
	struct prefix own = pfx(172, 20, 0, 0, 16);
	struct lsdb_record x = { 0 };
	struct addr st = h_ip(192, 0, 2, 55);
	struct h t;

	(void)state;
	h_setup(&t, 1, 1);
	mesh_set_static_addr(t.m, 0, &st, t.now);
	h_collect(&t);
	policy(&t, false, MESH_EXIT_NONE, NULL, &own, 1);
	x.id = h_ip(10, 99, 0, 9);
	x.n_local = 1;
	x.local[0] = h_ip(192, 168, 7, 1);
	x.has_reflexive = true;
	x.reflexive = h_ep(198, 51, 100, 40, 40000);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum mesh_route_verdict v = subnet_judge(t.m, &x, &cases[i].dst);
		char s[64];
		if (v != cases[i].want)
			fail_msg("%s: %s, not %s", prefix_fmt(&cases[i].dst, s, sizeof(s)),
				 mesh_route_verdict_name(v), mesh_route_verdict_name(cases[i].want));
	}
	h_teardown(&t);
}

/*
 * B announces an accepted and a refused prefix: the accepted one goes into
 * B's AllowedIPs with a kernel route; the refused one nowhere, logged and
 * counted once, however often B's record changes. A new start of B is a
 * new announcement: told again.
 */
static void test_install_and_refuse(void **state)
{
	struct h t;
	struct h_fake b;
	struct prefix lan = pfx(192, 168, 7, 0, 24), bad = pfx(8, 8, 8, 0, 24);
	uint64_t drops;

	(void)state;
	h_setup(&t, 0, 1);
	policy(&t, false, MESH_EXIT_NONE, NULL, NULL, 0);
	h_fake_init(&b, 2, "bob", 7);
	b.n_routes = 2;
	b.routes[0] = lan;
	b.routes[1] = bad;
	snprintf(t.log_grep, sizeof(t.log_grep), "refused");
	drops = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
	h_neighbour_up(&t, &b, NULL, 0);
	assert_false(allows_prefix(h_last_set(&t, b.key), &bad));
	assert_true(h_has_prefix_route(&t, &lan));
	assert_false(h_has_prefix_route(&t, &bad));
	assert_int_equal(t.log_hits, 1);
	assert_non_null(strstr(t.log_last, "8.8.8.0/24 from bob refused: outside network.acceptRoutes"));
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED], drops + 1);
	/* new versions of the record: no new warning */
	for (int i = 0; i < 3; i++) {
		struct addr neigh = t.cfg.id;
		h_own_record(&t, &b, &neigh, 1);
		h_later(&t, 200);
	}
	assert_int_equal(t.log_hits, 1);
	/* it withdraws the route: gone from AllowedIPs and the table */
	b.n_routes = 1;
	b.routes[0] = bad;
	{
		struct addr neigh = t.cfg.id;
		h_own_record(&t, &b, &neigh, 1);
	}
	h_later(&t, 200);
	assert_false(allows_prefix(h_last_set(&t, b.key), &lan));
	assert_false(h_has_prefix_route(&t, &lan));
	assert_int_equal(t.log_hits, 1);
	assert_int_equal(t.wg_overlaps, 0);
	h_teardown(&t);
}

/*
 * B and C announce the same prefix; C is nearer (its edge is cheaper), so C
 * carries it. When C goes, B carries it at the next route computation;
 * the kernel route stays. X, behind B, announcing a prefix: B's peer holds it.
 */
static void test_two_carriers(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct prefix lan = pfx(192, 168, 7, 0, 24), far = pfx(172, 16, 9, 0, 24);
	struct addr x = h_ip(10, 99, 0, 9), b_neigh[2];
	uint8_t xkey[WIRE_KEY_LEN];
	struct h_record_extra xr = { 0 };

	(void)state;
	h_setup(&t, 0, 1);
	policy(&t, false, MESH_EXIT_NONE, NULL, NULL, 0);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 7);
	b.n_routes = c.n_routes = 1;
	b.routes[0] = c.routes[0] = lan;
	h_neighbour_up(&t, &b, &x, 1);
	h_neighbour_up(&t, &c, NULL, 0);
	memset(xkey, 0x99, sizeof(xkey));
	b_neigh[0] = b.id;
	xr.n_routes = 1;
	xr.routes = &far;
	h_feed_record_extra(&t, &b, &x, "xavier", 3, 1, xkey, b_neigh, 1, &xr);
	h_later(&t, 200);
	/* both at the same edge cost: the tie goes the same way on every node */
	{
		const struct h_wg_peer *w = h_wg_holder_prefix(&t, &lan);
		assert_non_null(w);
		assert_true(memcmp(w->key, b.key, WIRE_KEY_LEN) == 0 ||
			    memcmp(w->key, c.key, WIRE_KEY_LEN) == 0);
	}
	assert_true(h_has_prefix_route(&t, &lan));
	assert_memory_equal(h_wg_holder_prefix(&t, &far)->key, b.key, WIRE_KEY_LEN);
	assert_true(h_has_prefix_route(&t, &far));
	/* the carrier leaves: the other one takes it, the kernel route stays */
	{
		const struct h_wg_peer *w = h_wg_holder_prefix(&t, &lan);
		struct h_fake *gone = memcmp(w->key, b.key, WIRE_KEY_LEN) == 0 ? &b : &c;
		struct h_fake *other = gone == &b ? &c : &b;
		struct wire_msg leave = h_msg(gone, WIRE_LEAVE);

		h_reset(&t);
		h_feed(&t, gone, &leave);
		h_later(&t, 200);
		if (gone == &b) /* X was behind B: its route goes with it */
			assert_false(h_has_prefix_route(&t, &far));
		assert_memory_equal(h_wg_holder_prefix(&t, &lan)->key, other->key, WIRE_KEY_LEN);
		assert_true(h_has_prefix_route(&t, &lan));
		for (size_t i = 0; i < t.n_route_del; i++)
			assert_false(prefix_eq(&t.route_del[i], &lan));
	}
	assert_int_equal(t.wg_overlaps, 0);
	h_teardown(&t);
}

/* Exit offers: B (a neighbour, direct) and X (behind B, not direct). */
static void exits_setup(struct h *t, struct h_fake *b, struct addr *x)
{
	struct addr b_neigh[1];
	uint8_t xkey[WIRE_KEY_LEN];
	struct h_record_extra xr = { .flags = WIRE_NODE_EXIT };

	h_setup(t, 0, 1);
	h_fake_init(b, 2, "bob", 7);
	b->flags = WIRE_NODE_EXIT;
	*x = h_ip(10, 99, 0, 9);
	h_neighbour_up(t, b, x, 1);
	memset(xkey, 0x99, sizeof(xkey));
	b_neigh[0] = b->id;
	h_feed_record_extra(t, b, x, "xavier", 3, 1, xkey, b_neigh, 1, &xr);
	h_later(t, 200);
}

/*
 * useExitNode: auto takes B (direct), never X (behind a gateway, which
 * would route our traffic by its own table); naming X uses none and says
 * why; exits not allowed: none, the offers refused and logged once. In
 * use: 0.0.0.0/0 in B's AllowedIPs and a default route for the host's exit
 * table; B gone: withdrawn, and said.
 */
static void test_exit_nodes(void **state)
{
	struct h t;
	struct h_fake b;
	struct addr x;
	struct prefix any = pfx(0, 0, 0, 0, 0);

	(void)state;
	/* not allowed */
	exits_setup(&t, &b, &x); /* (allowExitNodes is off by default) */
	policy(&t, false, MESH_EXIT_AUTO, NULL, NULL, 0);
	h_later(&t, 200);
	assert_false(h_has_prefix_route(&t, &any));
	assert_int_equal(t.m->subnet.refused, 2); /* bob's and xavier's, once each */
	snprintf(t.log_grep, sizeof(t.log_grep), "exit node offer from");
	policy(&t, false, MESH_EXIT_AUTO, NULL, NULL, 0);
	h_later(&t, 200);
	assert_int_equal(t.m->subnet.refused, 2);
	assert_int_equal(t.log_hits, 0);
	assert_false(t.m->subnet.has_exit);
	assert_non_null(strstr(t.m->subnet.exit_why, "not allowed"));
	h_teardown(&t);

	/* auto: the direct one */
	exits_setup(&t, &b, &x);
	policy(&t, true, MESH_EXIT_AUTO, NULL, NULL, 0);
	h_later(&t, 200);
	assert_true(t.m->subnet.has_exit);
	assert_true(addr_eq(&t.m->subnet.exit, &b.id));
	assert_true(allows_prefix(h_last_set(&t, b.key), &any));
	assert_true(h_has_prefix_route(&t, &any));
	/* B leaves: no exit node, the default route withdrawn, and said */
	{
		struct wire_msg leave = h_msg(&b, WIRE_LEAVE);
		snprintf(t.log_grep, sizeof(t.log_grep), "no longer usable");
		h_feed(&t, &b, &leave);
		h_later(&t, 200);
	}
	assert_false(t.m->subnet.has_exit);
	assert_false(h_has_prefix_route(&t, &any));
	assert_int_equal(t.log_hits, 1);
	h_teardown(&t);

	/* named, but only reachable through a gateway: none, and why */
	exits_setup(&t, &b, &x);
	policy(&t, true, MESH_EXIT_NAMED, "xavier", NULL, 0);
	h_later(&t, 200);
	assert_false(t.m->subnet.has_exit);
	assert_false(h_has_prefix_route(&t, &any));
	assert_non_null(strstr(t.m->subnet.exit_why, "direct tunnel"));
	/* named, and an exit node we reach directly */
	policy(&t, true, MESH_EXIT_NAMED, "bob", NULL, 0);
	h_later(&t, 200);
	assert_true(t.m->subnet.has_exit);
	assert_true(h_has_prefix_route(&t, &any));
	/* a name nobody has */
	policy(&t, true, MESH_EXIT_NAMED, "nobody", NULL, 0);
	h_later(&t, 200);
	assert_false(t.m->subnet.has_exit);
	assert_false(h_has_prefix_route(&t, &any));
	assert_non_null(strstr(t.m->subnet.exit_why, "nobody offers no exit"));
	/* in use, then no exit wanted any more: said so, with the reason */
	policy(&t, true, MESH_EXIT_NAMED, "bob", NULL, 0);
	h_later(&t, 200);
	assert_true(t.m->subnet.has_exit);
	snprintf(t.log_grep, sizeof(t.log_grep), "exit node bob no longer");
	policy(&t, true, MESH_EXIT_NONE, NULL, NULL, 0);
	h_later(&t, 200);
	assert_false(h_has_prefix_route(&t, &any));
	assert_int_equal(t.log_hits, 1);
	assert_non_null(strstr(t.log_last, "no longer used (useExitNode is off)"));
	h_teardown(&t);
}

/* Our own routes go into our record (and the exit flag), and changes re-announce them. */
static void test_own_announcement(void **state)
{
	struct h t;
	struct prefix own[2] = { pfx(192, 168, 7, 0, 24), pfx(172, 16, 0, 0, 12) };
	const struct lsdb_record *r;

	(void)state;
	h_setup(&t, 0, 1);
	policy(&t, false, MESH_EXIT_NONE, NULL, own, 2);
	h_later(&t, 200);
	r = lsdb_get(&t.m->db, &t.cfg.id);
	assert_int_equal(r->n_routes, 2);
	assert_true(prefix_eq(&r->routes[0], &own[0]));
	assert_true(prefix_eq(&r->routes[1], &own[1]));
	policy(&t, false, MESH_EXIT_NONE, NULL, own, 1);
	h_later(&t, 200);
	assert_int_equal(lsdb_get(&t.m->db, &t.cfg.id)->n_routes, 1);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_install_and_refuse),
		cmocka_unit_test(test_two_carriers),
		cmocka_unit_test(test_exit_nodes),
		cmocka_unit_test(test_own_announcement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
