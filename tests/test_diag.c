/*
 * What the core tells the operator's diagnostics (core_harness.h): the
 * endpoints each neighbour reports for us (netcheck), the listed peers
 * that do not answer (the warning, once, and "no answer since" in the
 * status), and the edge iterator behind `status --edges`.
 *
 *            198.18.0.0/24 (A's LAN)            elsewhere
 *   A 10.99.0.1 ---- B 10.99.0.2           C 10.99.0.3 at 203.0.113.5
 *     \___________________________________/
 *                 S 10.99.0.100 (listed) at 203.0.113.2
 */
#include <stdlib.h>

#include "core_harness.h"

static bool status_of(const struct h *t, const struct addr *id, struct mesh_node_status *st)
{
	for (size_t i = 0; mesh_node_status(t->m, i, st); i++)
		if (addr_eq(&st->id, id))
			return true;
	return false;
}

/* f's PING to A, telling A where A's WireGuard packets come from. */
static void ping_observed(struct h *t, struct h_fake *f, enum wire_type type,
			  const struct endpoint *seen)
{
	struct wire_msg m = h_msg(f, type);

	m.u.ping.probe_id = 0x5eed;
	m.u.ping.record_seq = f->seq;
	m.u.ping.has = WIRE_PING_HAS_OBSERVED_WG;
	m.u.ping.observed_wg = *seen;
	h_feed(t, f, &m);
}

/*
 * Each neighbour's report is kept: B (on our LAN) sees a LAN address, C
 * (elsewhere) the NAT's mapping; a later report replaces the earlier one
 * of the same neighbour. The published reflexive endpoint stays C's.
 */
static void test_observed_per_neighbour(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct mesh_node_status st;
	struct mesh_self_status self;
	struct endpoint b_sees = h_ep(198, 18, 0, 1, 51820), c_sees = h_ep(203, 0, 113, 9, 41000);
	struct endpoint c_later = h_ep(203, 0, 113, 9, 41007);

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_fake_init(&c, 3, "carol", 8);
	c.ep = h_ep(203, 0, 113, 5, 50001);
	h_neighbour_up(&t, &b, NULL, 0);
	h_neighbour_up(&t, &c, NULL, 0);
	assert_true(status_of(&t, &b.id, &st));
	assert_false(st.has_observed_wg);

	ping_observed(&t, &b, WIRE_PING, &b_sees);
	ping_observed(&t, &c, WIRE_PONG, &c_sees);
	assert_true(status_of(&t, &b.id, &st));
	assert_true(st.on_our_lan);
	assert_true(st.has_observed_wg);
	assert_true(endpoint_eq(&st.observed_wg, &b_sees));
	assert_true(status_of(&t, &c.id, &st));
	assert_false(st.on_our_lan);
	assert_true(endpoint_eq(&st.observed_wg, &c_sees));

	ping_observed(&t, &c, WIRE_PING, &c_later);
	assert_true(status_of(&t, &c.id, &st));
	assert_true(endpoint_eq(&st.observed_wg, &c_later));
	assert_true(status_of(&t, &b.id, &st));
	assert_true(endpoint_eq(&st.observed_wg, &b_sees));

	/* our own view: the LAN address with its length; the reflexive from C, not B */
	mesh_self_status(t.m, &self);
	assert_int_equal(self.n_local, 1);
	assert_true(addr_eq(&self.local[0].addr, &t.ep.addr));
	assert_int_equal(self.local[0].len, 24);
	assert_true(self.has_reflexive);
	assert_true(addr_eq(&self.reflexive_from, &c.id));
	h_teardown(&t);
}

/* The admin endpoint a neighbour saw our hello come from. */
static void test_observed_admin(void **state)
{
	struct h t;
	struct h_fake c;
	struct wire_msg h;
	struct mesh_node_status st;
	struct endpoint seen = h_ep(203, 0, 113, 9, 40501);

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&c, 3, "carol", 8);
	c.ep = h_ep(203, 0, 113, 5, 50001);
	h_neighbour_up(&t, &c, NULL, 0);
	h = h_hello(&t, &c, WIRE_HELLO_REPLY, 0, 0);
	h.u.hello.has |= WIRE_HELLO_HAS_OBSERVED;
	h.u.hello.observed = seen;
	h_feed(&t, &c, &h);
	assert_true(status_of(&t, &c.id, &st));
	assert_true(st.has_observed_admin);
	assert_true(endpoint_eq(&st.observed_admin, &seen));
	h_teardown(&t);
}

/*
 * A listed peer that does not answer: one warning after 10 s, none after
 * that however long it stays silent; once it answered and fell silent
 * again, one more (with its name, known by then).
 */
static void test_static_silent_warning(void **state)
{
	struct h t;
	struct h_fake s;
	struct mesh_static_status ss;
	uint64_t resolved_at;

	(void)state;
	h_setup(&t, 1, 1);
	snprintf(t.log_grep, sizeof(t.log_grep), "does not answer");
	h_fake_init(&s, 100, "sam", 7);
	s.ep = h_ep(203, 0, 113, 2, 50001);
	assert_int_equal(mesh_static_count(t.m), 1);
	assert_true(mesh_static_status(t.m, 0, &ss));
	assert_false(ss.resolved);
	assert_int_equal(ss.silent_since, 0);

	mesh_set_static_addr(t.m, 0, &s.ep.addr, t.now);
	h_collect(&t);
	resolved_at = t.now;
	h_later(&t, MESH_STATIC_SILENT_MS - 1);
	assert_int_equal(t.log_hits, 0);
	assert_true(h_count_sent(&t, WIRE_HELLO) > 5); /* it was called, again and again */
	h_later(&t, 1);
	assert_int_equal(t.log_hits, 1);
	assert_string_equal(t.log_last, "static peer 10.99.0.100 (203.0.113.2:50001) does not "
					"answer: no hello answered for 10 s (down, blocked, or "
					"another sharedKey?)");
	h_later(&t, 600000);
	assert_int_equal(t.log_hits, 1);
	assert_true(mesh_static_status(t.m, 0, &ss));
	assert_true(ss.resolved);
	assert_false(ss.adjacent);
	assert_true(endpoint_eq(&ss.admin_ep, &s.ep));
	assert_int_equal(ss.last_heard, 0);
	assert_int_equal(ss.silent_since, resolved_at);
	assert_string_equal(ss.name, "");

	/* it answers: no longer silent */
	h_handshake(&t, &s);
	h_later(&t, 10);
	assert_true(mesh_static_status(t.m, 0, &ss));
	assert_true(ss.adjacent);
	assert_int_equal(ss.silent_since, 0);
	assert_true(ss.last_heard >= resolved_at);
	assert_string_equal(ss.name, "sam");

	/* it dies: the probes go unanswered, the adjacency drops, hellos resume */
	h_later(&t, 30000);
	assert_false(h_adjacent(&t, &s.id));
	assert_true(mesh_static_status(t.m, 0, &ss));
	assert_true(ss.silent_since > 0);
	h_later(&t, MESH_STATIC_SILENT_MS);
	assert_int_equal(t.log_hits, 2);
	assert_non_null(strstr(t.log_last, "static peer sam (203.0.113.2:50001) does not answer"));
	h_later(&t, 60000);
	assert_int_equal(t.log_hits, 2);
	h_teardown(&t);
}

/* A peer listed twice, or this node itself in the list, is no peer of its own. */
static void test_static_status_skips_self(void **state)
{
	struct h t;
	struct mesh_static_status ss;

	(void)state;
	memset(&t, 0, sizeof(t));
	h_setup(&t, 2, 100); /* A is 10.99.0.100, the first listed peer */
	assert_int_equal(mesh_static_count(t.m), 2);
	assert_false(mesh_static_status(t.m, 0, &ss));
	assert_true(mesh_static_status(t.m, 1, &ss));
	assert_true(addr_eq(&ss.id, &t.statics[1].id));
	assert_false(mesh_static_status(t.m, 2, &ss));
	h_teardown(&t);
}

struct edge_want {
	struct addr from, to;
	bool both;
};

static size_t count_edges(const struct h *t, const struct edge_want *want, size_t n_want,
			  size_t *matched)
{
	struct mesh_edge_iter it = { 0 };
	struct mesh_edge e;
	size_t n = 0;

	*matched = 0;
	while (mesh_edge_next(t->m, &it, &e)) {
		n++;
		for (size_t i = 0; i < n_want; i++)
			if (addr_eq(&e.from, &want[i].from) && addr_eq(&e.to, &want[i].to) &&
			    e.both == want[i].both)
				(*matched)++;
	}
	return n;
}

/*
 *   A ==== B ---- C      B claims C before C's record is here: one-sided;
 *                        then C's record claims B: both ends.
 */
static void test_edges(void **state)
{
	struct h t;
	struct h_fake b;
	struct addr c = h_ip(10, 99, 0, 3);
	uint8_t c_key[WIRE_KEY_LEN];
	size_t matched;

	(void)state;
	memset(c_key, 0xcc, sizeof(c_key));
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	h_neighbour_up(&t, &b, &c, 1);
	{
		const struct edge_want want[] = {
			{ t.cfg.id, b.id, true },
			{ b.id, t.cfg.id, true },
			{ b.id, c, false },
		};

		assert_int_equal(count_edges(&t, want, 3, &matched), 3);
		assert_int_equal(matched, 3);
	}
	h_feed_record(&t, &b, &c, "carol", 9, 1, c_key, &b.id, 1);
	h_later(&t, 200);
	{
		const struct edge_want want[] = {
			{ t.cfg.id, b.id, true },
			{ b.id, t.cfg.id, true },
			{ b.id, c, true },
			{ c, b.id, true },
		};

		assert_int_equal(count_edges(&t, want, 4, &matched), 4);
		assert_int_equal(matched, 4);
	}
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observed_per_neighbour),
		cmocka_unit_test(test_observed_admin),
		cmocka_unit_test(test_static_silent_warning),
		cmocka_unit_test(test_static_status_skips_self),
		cmocka_unit_test(test_edges),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
