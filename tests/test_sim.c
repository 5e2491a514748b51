/*
 * The mesh core in the simulator (tests/sim): whole networks in virtual
 * time, checked hop by hop through the modelled WireGuard devices.
 *
 * Nodes 0 .. n_static-1 are static (S); the rest (n) know only them.
 * The NAT tests run the WireGuard data plane and NATs of tests/sim: a node
 * is public or sits on a site (a LAN behind one NAT), see sim.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim.h"

/* As in src/core/direct.c: failed rounds before a pair stops trying. */
#define DIRECT_MAX_ROUNDS 8

static struct sim *make(size_t n, size_t n_static, uint32_t latency, double loss, uint64_t seed)
{
	struct sim_config c = {
		.n_nodes = n, .n_static = n_static, .latency_ms = latency,
		.jitter_ms = latency / 4, .reorder = true, .loss = loss, .seed = seed,
		.start_spread_ms = 200,
		/* adjacencies carry routes only after a WireGuard handshake */
		.wireguard = true,
	};
	struct sim *s = sim_new(&c);

	assert_non_null(s);
	return s;
}

static void no_anomalies(const struct sim *s)
{
	const struct sim_anomalies *a = sim_anomalies(s);

	assert_int_equal(a->encode_failed, 0);
	assert_int_equal(a->decode_failed, 0);
	assert_int_equal(a->unroutable, 0);
	assert_int_equal(a->route_dup, 0);
	assert_int_equal(a->route_missing, 0);
	assert_int_equal(a->peer_missing, 0);
	assert_int_equal(a->foreign_prefix, 0);
	assert_int_equal(a->timer_stuck, 0);
	assert_int_equal(a->leave_leftovers, 0);
}

/* Converge by deadline (absolute ms) or fail with the checker's words. */
static uint64_t converge(struct sim *s, uint64_t deadline, const char *what)
{
	struct sim_report r;
	uint64_t t0 = sim_now(s);

	if (!sim_run_until_converged(s, deadline, 50)) {
		sim_check(s, &r);
		print_error("%s: not converged at %llu ms: %zu/%zu pairs ok, %zu stale peers, "
			    "%zu bad routes: %s\n", what, (unsigned long long)sim_now(s),
			    r.pairs_ok, r.pairs_ok + r.pairs_failed, r.stale_peers, r.bad_routes,
			    r.first_failure);
		fail();
	}
	sim_check(s, &r);
	printf("   %s: converged after %llu ms (%zu pairs)\n", what,
	       (unsigned long long)(sim_now(s) - t0), r.pairs_ok);
	return sim_now(s) - t0;
}

/*
 *   S0 ---- n1
 */
static void test_two_nodes(void **state)
{
	struct sim *s = make(2, 1, 10, 0, 1);

	(void)state;
	converge(s, 3000, "2 nodes");
	assert_true(sim_has_peer(s, 0, 1));
	assert_true(sim_has_peer(s, 1, 0));
	assert_int_equal(sim_next_hop(s, 0, 1), 1);
	assert_int_equal(sim_next_hop(s, 1, 0), 0);
	no_anomalies(s);
	sim_free(s);
}

/*
 * The original README's network: one static gateway, three nodes that can
 * reach only it. Every pair of non-static nodes talks via S0.
 *
 *          S0
 *        / |  \
 *      n1  n2  n3
 */
static void test_readme_shape(void **state)
{
	struct sim *s = make(4, 1, 15, 0, 2);

	(void)state;
	/* each behind a port-randomising NAT of its own: no direct paths */
	for (uint32_t i = 1; i < 4; i++) {
		sim_site(s, i, SIM_NAT_SYMMETRIC);
		sim_place(s, i, i);
	}
	converge(s, 3000, "README shape");
	for (size_t i = 1; i < 4; i++) {
		assert_int_equal(sim_peer_count(s, i), 1);
		for (size_t j = 0; j < 4; j++)
			if (j != i)
				assert_int_equal(sim_next_hop(s, i, j), 0);
	}
	assert_int_equal(sim_peer_count(s, 0), 3);
	no_anomalies(s);
	sim_free(s);
}

/* 50 nodes, 3 static ones fully meshed, everyone else attached to all 3. */
static void test_fifty_nodes(void **state)
{
	struct sim *s = make(50, 3, 20, 0, 3);
	struct sim_traffic t;

	(void)state;
	converge(s, 10000, "50 nodes, 3 static");
	sim_traffic_total(s, &t);
	printf("   50 nodes: %llu packets, %llu bytes until convergence\n",
	       (unsigned long long)t.tx_pkts, (unsigned long long)t.tx_bytes);
	/* and it stays converged */
	sim_run_for(s, 60000);
	converge(s, sim_now(s), "50 nodes after 60 s");
	no_anomalies(s);
	sim_free(s);
}

/*
 * Partition: S0 with n3..n9 on one side, S1, S2 and the rest on the other.
 * Each side converges on its own (checked within groups), then heals.
 */
static void test_partition_heal(void **state)
{
	struct sim *s = make(20, 3, 20, 0, 4);
	uint64_t t;

	(void)state;
	converge(s, 5000, "20 nodes");
	sim_set_group(s, 0, 1);
	for (size_t i = 3; i < 10; i++)
		sim_set_group(s, i, 1);
	/* the other side is silent: every edge across is checked within 30 s */
	t = converge(s, sim_now(s) + 40000, "partitioned");
	assert_true(t <= 30000);
	sim_heal(s);
	t = converge(s, sim_now(s) + 30000, "healed");
	assert_true(t <= 15000);
	no_anomalies(s);
	sim_free(s);
}

/* kill -9 of a node, then a restart with a new boot and key. */
static void test_kill_restart(void **state)
{
	struct sim *s = make(10, 2, 20, 0, 5);
	uint8_t old_key[WIRE_KEY_LEN];
	uint64_t t;

	(void)state;
	converge(s, 5000, "10 nodes");
	memcpy(old_key, sim_key(s, 5), sizeof(old_key));
	/* its two gateways, and the public nodes it found direct paths to */
	assert_true(sim_key_holders(s, old_key) >= 2);
	sim_kill(s, 5);
	/* dropped everywhere within 30 s of silence (the probe period and a check) */
	t = converge(s, sim_now(s) + 40000, "after kill");
	assert_true(t <= 30000);
	assert_int_equal(sim_key_holders(s, old_key), 0);
	sim_restart(s, 5);
	t = converge(s, sim_now(s) + 10000, "after restart");
	assert_true(t <= 3000);
	assert_int_equal(sim_key_holders(s, old_key), 0);
	assert_true(sim_key_holders(s, sim_key(s, 5)) >= 2);

	/* a restart before anyone noticed the crash: the new boot takes over at once */
	memcpy(old_key, sim_key(s, 5), sizeof(old_key));
	sim_kill(s, 5);
	sim_run_for(s, 500);
	sim_restart(s, 5);
	t = converge(s, sim_now(s) + 10000, "quick restart");
	assert_true(t <= 3000);
	assert_int_equal(sim_key_holders(s, old_key), 0);
	no_anomalies(s);
	sim_free(s);
}

/* A graceful leave: the others drop the node within a second. */
static void test_leave(void **state)
{
	struct sim *s = make(10, 2, 20, 0, 6);
	uint8_t key[WIRE_KEY_LEN];
	struct sim_report r;

	(void)state;
	converge(s, 5000, "10 nodes");
	memcpy(key, sim_key(s, 7), sizeof(key));
	sim_leave(s, 7);
	sim_run_for(s, 1000);
	if (!sim_check(s, &r)) {
		print_error("1 s after leave: %s\n", r.first_failure);
		fail();
	}
	assert_int_equal(sim_key_holders(s, key), 0);
	/* a static node leaving too */
	sim_leave(s, 1);
	sim_run_for(s, 1000);
	if (!sim_check(s, &r)) {
		print_error("1 s after the static node left: %s\n", r.first_failure);
		fail();
	}
	/* and it comes back */
	sim_restart(s, 1);
	converge(s, sim_now(s) + 10000, "static node back");
	no_anomalies(s);
	sim_free(s);
}

/* 10% of all packets lost, in both directions. */
static void test_loss(void **state)
{
	struct sim *s = make(20, 3, 20, 0.1, 7);

	(void)state;
	converge(s, 60000, "20 nodes at 10% loss");
	sim_kill(s, 12);
	converge(s, sim_now(s) + 60000, "kill at 10% loss");
	sim_restart(s, 12);
	converge(s, sim_now(s) + 60000, "restart at 10% loss");
	no_anomalies(s);
	sim_free(s);
}

/*
 * Two static gateways; the one carrying n2 <-> n3 dies and the traffic
 * moves to the other.
 *
 *     S0 --- S1
 *     | \   / |
 *     |  \ /  |
 *     |  / \  |
 *     n2     n3
 */
static void test_gateway_failover(void **state)
{
	struct sim *s = make(4, 2, 20, 0, 8);
	long gw, other;

	(void)state;
	/* behind port-randomising NATs: they need a gateway */
	for (uint32_t i = 2; i < 4; i++) {
		sim_site(s, i, SIM_NAT_SYMMETRIC);
		sim_place(s, i, i);
	}
	converge(s, 5000, "two gateways");
	gw = sim_next_hop(s, 2, 3);
	assert_true(gw == 0 || gw == 1);
	assert_int_equal(sim_next_hop(s, 3, 2), gw);
	other = 1 - gw;
	sim_kill(s, (size_t)gw);
	converge(s, sim_now(s) + 30000, "gateway killed");
	assert_int_equal(sim_next_hop(s, 2, 3), other);
	assert_int_equal(sim_next_hop(s, 3, 2), other);
	sim_restart(s, (size_t)gw);
	converge(s, sim_now(s) + 20000, "gateway back");
	no_anomalies(s);
	sim_free(s);
}


/* ---- NATs and direct paths ---- */

static struct sim *make_nat(size_t n, uint64_t seed, uint32_t idle_ms)
{
	struct sim_config c = {
		.n_nodes = n, .n_static = 3, .latency_ms = 20, .jitter_ms = 2, .seed = seed,
		.start_spread_ms = 1000, .wireguard = true, .direct_idle_ms = idle_ms,
	};
	struct sim *s = sim_new(&c);

	assert_non_null(s);
	return s;
}

/* What i's core says about j. */
static void status_of(const struct sim *s, size_t i, size_t j, struct mesh_node_status *st)
{
	struct addr id;

	sim_node_id(j, &id);
	for (size_t k = 0; mesh_node_status(sim_mesh(s, i), k, st); k++)
		if (addr_eq(&st->id, &id))
			return;
	fail_msg("n%zu does not know n%zu", i, j);
}

/* The edge kind a direct path between i and j must have, seen from i. */
static uint8_t want_kind(const struct sim *s, size_t i, size_t j)
{
	if (sim_site_of(s, i) && sim_site_of(s, i) == sim_site_of(s, j))
		return WIRE_PATH_LAN;
	if (j < 3 || i < 3 || sim_nat_of(s, j) == SIM_NAT_NONE)
		return WIRE_PATH_DIRECT; /* its reflexive endpoint is its own address */
	return WIRE_PATH_NAT;
}

static void must_check(const struct sim *s, const char *when)
{
	struct sim_report r;

	if (!sim_check(s, &r)) {
		print_error("%s at %llu ms: %zu/%zu pairs ok: %s\n", when,
			    (unsigned long long)sim_now(s), r.pairs_ok, r.pairs_ok + r.pairs_failed,
			    r.first_failure);
		fail();
	}
}

struct direct_count {
	size_t direct, direct_ok, relayed, possible, wrong;
	char first_wrong[200];
};

/* Every ordered pair: direct where the NATs allow it, through a gateway elsewhere. */
static void count_direct(const struct sim *s, size_t from, struct direct_count *dc)
{
	size_t n = sim_size(s);

	memset(dc, 0, sizeof(*dc));
	for (size_t i = from; i < n; i++) {
		for (size_t j = from; j < n; j++) {
			struct mesh_node_status st;
			bool possible, ok;
			if (i == j)
				continue;
			possible = sim_direct_possible(s, i, j);
			status_of(s, i, j, &st);
			dc->possible += possible;
			if (st.path == MESH_PATH_DIRECT) {
				dc->direct++;
				ok = possible && st.edge_kind == want_kind(s, i, j);
				dc->direct_ok += ok;
			} else {
				dc->relayed++;
				ok = !possible && st.path == MESH_PATH_GATEWAY;
			}
			if (!ok && !dc->wrong++)
				snprintf(dc->first_wrong, sizeof(dc->first_wrong),
					 "n%zu->n%zu (nat %d/%d, sites %u/%u): path %d kind %u, "
					 "phase %u, tries %u, why \"%s\"", i, j, sim_nat_of(s, i),
					 sim_nat_of(s, j), sim_site_of(s, i), sim_site_of(s, j),
					 st.path, st.edge_kind, st.direct_phase, st.direct_tries,
					 st.direct_why);
		}
	}
}

/*
 * The mixed network: S0..S2 public and static; shared LANs on sites 1-4
 * (one behind each kind of NAT, two behind endpoint-independent ones);
 * every seventh other node public; the rest alone behind a NAT of its own,
 * the three kinds in turn.
 *
 *   site 1 EIM:  n3 n4 n5 n6     site 2 EIM_PORT:  n7 n8 n9
 *   site 3 SYM:  n10 n11 n12     site 4 EIM:       n13 n14
 */
static void place_mixed(struct sim *s)
{
	static const enum sim_nat kinds[] = { SIM_NAT_EIM, SIM_NAT_SYMMETRIC, SIM_NAT_EIM_PORT };
	uint32_t site = 5;

	sim_site(s, 1, SIM_NAT_EIM);
	sim_site(s, 2, SIM_NAT_EIM_PORT);
	sim_site(s, 3, SIM_NAT_SYMMETRIC);
	sim_site(s, 4, SIM_NAT_EIM);
	for (size_t i = 3; i < 15; i++)
		sim_place(s, i, i < 7 ? 1 : i < 10 ? 2 : i < 13 ? 3 : 4);
	for (size_t i = 15; i < sim_size(s); i++) {
		if (i % 7 == 0)
			continue;
		sim_site(s, site, kinds[i % 3]);
		sim_place(s, i, site++);
	}
}

/*
 * 50 nodes, mixed NATs: direct paths wherever the NATs allow them, the
 * gateway elsewhere after a bounded number of attempts, and every pair
 * forwarding (hop by hop, through the NATs) all along. Overlay flows
 * between a few pairs check the data plane itself.
 */
static void test_nat_mixed(void **state)
{
	struct sim *s = make_nat(50, 21, 0);
	struct direct_count dc;
	uint64_t t0, t_direct = 0;
	size_t flows[12], n_flows = 0;
	struct sim_traffic t;

	(void)state;
	place_mixed(s);
	converge(s, 20000, "50 nodes, mixed NATs");
	t0 = sim_now(s);
	for (size_t k = 0; k < 12; k++)
		flows[n_flows++] = sim_flow_start(s, 3 + k * 4, 3 + (k * 5 + 11) % 47, 500);
	while (sim_now(s) < 60000) {
		sim_run_for(s, 500);
		count_direct(s, 3, &dc);
		if (!t_direct && !dc.wrong)
			t_direct = sim_now(s);
		if (sim_now(s) % 2000 == 0)
			must_check(s, "mixed NATs");
	}
	printf("   all direct paths %llu ms after convergence (%llu ms after start)\n",
	       (unsigned long long)(t_direct - t0), (unsigned long long)t_direct);
	count_direct(s, 3, &dc);
	printf("   non-static pairs: %zu direct (%zu possible), %zu through a gateway\n",
	       dc.direct, dc.possible, dc.relayed);
	if (dc.wrong) {
		print_error("%zu pairs wrong, first %s\n", dc.wrong, dc.first_wrong);
		fail();
	}
	assert_int_equal(dc.direct, dc.possible);
	assert_true(t_direct && t_direct - t0 <= 20000);
	/* the statics are everyone's neighbours */
	count_direct(s, 0, &dc);
	assert_int_equal(dc.wrong, 0);

	/* the pairs that cannot punch give up after DIRECT_MAX_ROUNDS and say why */
	while (sim_now(s) < 170000) {
		sim_run_for(s, 5000);
		must_check(s, "mixed NATs, later");
	}
	for (size_t i = 3; i < 50; i++) {
		for (size_t j = 3; j < 50; j++) {
			struct mesh_node_status st;
			if (i == j || sim_direct_possible(s, i, j))
				continue;
			status_of(s, i, j, &st);
			assert_int_equal(st.path, MESH_PATH_GATEWAY);
			if (st.direct_tries > DIRECT_MAX_ROUNDS || !strstr(st.direct_why, "gave up")) {
				print_error("n%zu->n%zu: %u tries, why \"%s\"\n", i, j,
					    st.direct_tries, st.direct_why);
				fail();
			}
		}
	}
	count_direct(s, 3, &dc);
	assert_int_equal(dc.wrong, 0);
	for (size_t k = 0; k < n_flows; k++) {
		const struct sim_flow_stats *f = sim_flow_stats(s, flows[k]);
		/* two packets a second; a re-punched edge may cost a few */
		assert_true(f->returned + 10 >= f->sent);
		assert_true(sim_now(s) - f->last_returned < 1000);
	}
	sim_traffic_total(s, &t);
	printf("   %llu WireGuard packets (%llu handshake, %llu keepalive), NAT drops %llu\n",
	       (unsigned long long)t.wg_tx_pkts, (unsigned long long)t.wg_hs_pkts,
	       (unsigned long long)t.wg_ka_pkts, (unsigned long long)sim_nat_drops(s));
	no_anomalies(s);
	sim_free(s);
}

/*
 * Roaming: n3 shares site 1 with n4 (LAN), n5 and n6 sit behind NATs of
 * their own, n7 is public. n3 moves to a NAT of its own, then onto n5's
 * LAN; direct paths come back each time.
 *
 *   site 1 EIM: n3 n4    site 2 EIM: n5    site 3 SYM: n6    n7 public
 */
static void test_nat_roaming(void **state)
{
	struct sim *s = make_nat(8, 22, 0);
	struct direct_count dc;
	uint64_t t0;

	(void)state;
	sim_site(s, 1, SIM_NAT_EIM);
	sim_site(s, 2, SIM_NAT_EIM);
	sim_site(s, 3, SIM_NAT_SYMMETRIC);
	sim_site(s, 4, SIM_NAT_EIM_PORT);
	sim_place(s, 3, 1);
	sim_place(s, 4, 1);
	sim_place(s, 5, 2);
	sim_place(s, 6, 3);
	converge(s, 20000, "8 nodes");
	sim_run_for(s, 15000);
	count_direct(s, 3, &dc);
	assert_int_equal(dc.wrong, 0);
	assert_int_equal(dc.direct, dc.possible);

	for (int step = 0; step < 2; step++) {
		uint32_t to = step == 0 ? 4 : 2;
		struct mesh_node_status st;
		sim_place(s, 3, to);
		t0 = sim_now(s);
		do {
			sim_run_for(s, 250);
			count_direct(s, 3, &dc);
		} while ((dc.wrong || dc.direct != dc.possible) && sim_now(s) - t0 < 30000);
		printf("   n3 to site %u: direct paths back after %llu ms (%zu of %zu)\n", to,
		       (unsigned long long)(sim_now(s) - t0), dc.direct, dc.possible);
		if (dc.wrong) {
			print_error("%s\n", dc.first_wrong);
			fail();
		}
		assert_int_equal(dc.direct, dc.possible);
		must_check(s, "after roaming");
		status_of(s, 3, 5, &st);
		assert_int_equal(st.edge_kind, step == 0 ? WIRE_PATH_NAT : WIRE_PATH_LAN);
		status_of(s, 3, 4, &st);
		assert_int_equal(st.edge_kind, WIRE_PATH_NAT);
	}
	no_anomalies(s);
	sim_free(s);
}

/*
 * Idle: n3 and n4, each behind an endpoint-independent NAT, talk, then
 * fall silent. The edge goes to sleep (keepalive off on both sides) and
 * the NATs forget it. Traffic comes back: it stalls, moves to the gateway
 * within seconds, and the pair punches through again.
 */
static void test_nat_idle(void **state)
{
	struct sim *s = make_nat(5, 23, 10000);
	struct sim_wg_info w3, w4;
	struct mesh_node_status st;
	const struct sim_flow_stats *f;
	size_t flow;
	uint64_t t0, back = 0, direct_again = 0, returned;

	(void)state;
	sim_site(s, 1, SIM_NAT_EIM);
	sim_site(s, 2, SIM_NAT_EIM);
	sim_place(s, 3, 1);
	sim_place(s, 4, 2);
	converge(s, 20000, "5 nodes");
	sim_run_for(s, 5000);
	status_of(s, 3, 4, &st);
	assert_int_equal(st.path, MESH_PATH_DIRECT);
	assert_int_equal(st.edge_kind, WIRE_PATH_NAT);
	flow = sim_flow_start(s, 3, 4, 200);
	sim_run_for(s, 5000);
	f = sim_flow_stats(s, flow);
	assert_int_equal(f->last_hops, 1);
	assert_true(f->returned + 2 >= f->sent);
	sim_flow_stop(s, flow);

	/* asleep after direct_idle_ms, then the NAT bindings expire (30 s) */
	sim_run_for(s, 12000);
	assert_true(sim_wg_peer(s, 3, 4, &w3) && sim_wg_peer(s, 4, 3, &w4));
	assert_int_equal(w3.keepalive, 0);
	assert_int_equal(w4.keepalive, 0);
	sim_run_for(s, 35000);
	status_of(s, 3, 4, &st);
	assert_int_equal(st.path, MESH_PATH_DIRECT); /* nobody knows yet */
	must_check(s, "asleep");

	flow = sim_flow_start(s, 3, 4, 200);
	f = sim_flow_stats(s, flow);
	t0 = sim_now(s);
	returned = f->returned;
	while (sim_now(s) - t0 < 30000 && !direct_again) {
		sim_run_for(s, 100);
		if (!back && f->returned > returned && f->last_hops == 2)
			back = sim_now(s) - t0;
		status_of(s, 3, 4, &st);
		if (back && st.path == MESH_PATH_DIRECT && f->last_hops == 1)
			direct_again = sim_now(s) - t0;
	}
	printf("   traffic after the NATs forgot: through the gateway after %llu ms, "
	       "direct again after %llu ms\n", (unsigned long long)back,
	       (unsigned long long)direct_again);
	assert_true(back && back <= 5000);
	assert_true(direct_again && direct_again <= 20000);
	sim_run_for(s, 5000);
	assert_true(f->returned + 30 >= f->sent);
	assert_int_equal(f->last_hops, 1);
	must_check(s, "re-punched");
	no_anomalies(s);
	sim_free(s);
}

/*
 * No static node reachable: two nodes on one LAN find each other by the
 * LAN hello (MESH_ACT_SEND_LAN) and talk over it.
 */
static void test_lan_discovery(void **state)
{
	struct sim_config c = {
		.n_nodes = 3, .n_static = 1, .latency_ms = 5, .seed = 24, .wireguard = true,
		.lan_discovery = true,
	};
	struct sim *s = sim_new(&c);
	struct mesh_node_status st;

	(void)state;
	sim_site(s, 1, SIM_NAT_EIM);
	sim_place(s, 1, 1);
	sim_place(s, 2, 1);
	sim_set_group(s, 0, 1); /* the static node is cut off */
	converge(s, 10000, "LAN only");
	status_of(s, 1, 2, &st);
	assert_int_equal(st.path, MESH_PATH_DIRECT);
	assert_true(st.adjacent);
	assert_int_equal(st.edge_kind, WIRE_PATH_LAN);
	assert_true(sim_traffic(s, 1)->tx_type[WIRE_HELLO] >= 1);
	no_anomalies(s);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_readme_shape),
		cmocka_unit_test(test_fifty_nodes),
		cmocka_unit_test(test_partition_heal),
		cmocka_unit_test(test_kill_restart),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_gateway_failover),
		cmocka_unit_test(test_nat_mixed),
		cmocka_unit_test(test_nat_roaming),
		cmocka_unit_test(test_nat_idle),
		cmocka_unit_test(test_lan_discovery),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
