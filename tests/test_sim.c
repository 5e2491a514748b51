/*
 * The mesh core in the simulator (tests/sim): whole networks in virtual
 * time, checked hop by hop through the modelled WireGuard devices.
 *
 * Nodes 0 .. n_static-1 are static (S); the rest (n) know only them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim.h"

static struct sim *make(size_t n, size_t n_static, uint32_t latency, double loss, uint64_t seed)
{
	struct sim_config c = {
		.n_nodes = n, .n_static = n_static, .latency_ms = latency,
		.jitter_ms = latency / 4, .reorder = true, .loss = loss, .seed = seed,
		.start_spread_ms = 200,
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
	t = converge(s, sim_now(s) + 30000, "partitioned");
	assert_true(t <= 20000);
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
	assert_int_equal(sim_key_holders(s, old_key), 2);
	sim_kill(s, 5);
	t = converge(s, sim_now(s) + 30000, "after kill");
	assert_true(t <= 15000);
	assert_int_equal(sim_key_holders(s, old_key), 0);
	sim_restart(s, 5);
	t = converge(s, sim_now(s) + 10000, "after restart");
	assert_true(t <= 3000);
	assert_int_equal(sim_key_holders(s, old_key), 0);
	assert_int_equal(sim_key_holders(s, sim_key(s, 5)), 2);

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
	converge(s, 5000, "two gateways");
	gw = sim_next_hop(s, 2, 3);
	assert_true(gw == 0 || gw == 1);
	assert_int_equal(sim_next_hop(s, 3, 2), gw);
	other = 1 - gw;
	sim_kill(s, (size_t)gw);
	converge(s, sim_now(s) + 20000, "gateway killed");
	assert_int_equal(sim_next_hop(s, 2, 3), other);
	assert_int_equal(sim_next_hop(s, 3, 2), other);
	sim_restart(s, (size_t)gw);
	converge(s, sim_now(s) + 20000, "gateway back");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
