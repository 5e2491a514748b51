/*
 * The mesh core at scale, in the simulator: 10, 100 and 1000 nodes, three
 * of them static and everyone else attached to those three, 20 ms one way
 * (+-2 ms jitter), nodes starting within the first second.
 *
 * Per size: virtual time until every ordered pair forwards hop by hop
 * (tests/sim's checker), admin packets and bytes per node per second at
 * steady state (sent, with seal and UDP/IP overhead, over 120 s of virtual
 * time from 60 s after convergence, once the first RTT probes have re-costed
 * the edges) on average and for the busiest node (a static one), heap per
 * node after convergence (mallinfo2 delta; core_B/n is that minus what the
 * simulator itself holds, sim_B/n), and wall time to converge (wall_cv) and
 * for the 180 s after (wall_ss).
 *
 * Columns: conv_s virtual seconds to convergence; join_pkt/n packets sent
 * per node until then; pkt/n/s, max_pkt/s, B/n/s at steady state.
 *
 * Then a mixed-NAT run (tests/sim's WireGuard data plane and NATs): 100
 * nodes, the 3 static ones public, every seventh other one public, small
 * shared LANs (3 nodes behind one NAT) and the rest alone behind a NAT of
 * their own, endpoint-independent, port-restricted and port-randomising in
 * turn. Printed: virtual time until every pair the NATs allow has a direct
 * path (and the counts of direct and relayed pairs against what the NATs
 * allow), and per node per second at steady state (after the
 * port-randomising pairs have given up and the idle NAT edges slept) admin
 * packets and bytes and WireGuard packets and bytes (handshakes and
 * keepalives; no overlay traffic runs).
 *
 *   make build/bench/bench_sim && build/bench/bench_sim [N...] [nat N]
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

#define N_STATIC 3
#define SETTLE_MS 60000
#define STEADY_MS 120000

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(size_t n)
{
	struct sim_config c = {
		.n_nodes = n, .n_static = n < N_STATIC ? n : N_STATIC, .latency_ms = 20,
		.jitter_ms = 2, .seed = 42, .start_spread_ms = 1000,
	};
	struct mallinfo2 mi0 = mallinfo2(), mi1;
	double w0 = wall(), w1, w2;
	struct sim *s = sim_new(&c);
	struct sim_traffic t0, t1, conv;
	struct sim_report r;
	uint64_t conv_ms, step = n >= 500 ? 250 : 50;
	size_t mem, own;
	uint64_t *hub0 = calloc(n, sizeof(*hub0)), busiest = 0;
	bool ok = sim_run_until_converged(s, 600000, step);

	w1 = wall();
	conv_ms = sim_now(s);
	sim_traffic_total(s, &conv);
	mi1 = mallinfo2();
	mem = mi1.uordblks + mi1.hblkhd - mi0.uordblks - mi0.hblkhd;
	own = sim_own_bytes(s);
	if (!ok) {
		sim_check(s, &r);
		printf("%5zu  NOT CONVERGED by %" PRIu64 " ms: %zu/%zu pairs: %s\n", n, conv_ms,
		       r.pairs_ok, r.pairs_ok + r.pairs_failed, r.first_failure);
		free(hub0);
		sim_free(s);
		return 1;
	}
	/* first RTT probes re-cost edges for a while after convergence */
	sim_run_for(s, SETTLE_MS);
	sim_traffic_total(s, &t0);
	for (size_t i = 0; i < n; i++)
		hub0[i] = sim_traffic(s, i)->tx_pkts;
	sim_run_for(s, STEADY_MS);
	sim_traffic_total(s, &t1);
	for (size_t i = 0; i < n; i++)
		if (sim_traffic(s, i)->tx_pkts - hub0[i] > busiest)
			busiest = sim_traffic(s, i)->tx_pkts - hub0[i];
	ok = sim_check(s, &r);
	w2 = wall();
	printf("%5zu %9.2f %11.1f %11.2f %9.1f %11.0f %9.0f %9.0f %8.1f %8.1f %s\n", n,
	       (double)conv_ms / 1000.0, (double)conv.tx_pkts / (double)n,
	       (double)(t1.tx_pkts - t0.tx_pkts) / (double)n / (STEADY_MS / 1000.0),
	       (double)busiest / (STEADY_MS / 1000.0),
	       (double)(t1.tx_bytes - t0.tx_bytes) / (double)n / (STEADY_MS / 1000.0),
	       (double)(mem - own) / (double)n, (double)own / (double)n, w1 - w0, w2 - w1,
	       ok ? "" : "(lost convergence at steady state)");
	fflush(stdout);
	free(hub0);
	sim_free(s);
	return ok ? 0 : 1;
}

/* i's view of j: a direct path? */
static bool direct_to(const struct sim *s, size_t i, size_t j)
{
	struct mesh_node_status st;
	struct addr id;

	sim_node_id(j, &id);
	for (size_t k = 0; mesh_node_status(sim_mesh(s, i), k, &st); k++)
		if (addr_eq(&st.id, &id))
			return st.path == MESH_PATH_DIRECT;
	return false;
}

static void count_pairs(const struct sim *s, size_t *direct, size_t *possible, size_t *wrong)
{
	size_t n = sim_size(s);

	*direct = *possible = *wrong = 0;
	for (size_t i = N_STATIC; i < n; i++) {
		for (size_t j = N_STATIC; j < n; j++) {
			bool d, p;
			if (i == j)
				continue;
			d = direct_to(s, i, j);
			p = sim_direct_possible(s, i, j);
			*direct += d;
			*possible += p;
			*wrong += d != p;
		}
	}
}

static int run_nat(size_t n)
{
	static const enum sim_nat kinds[] = { SIM_NAT_EIM, SIM_NAT_EIM_PORT, SIM_NAT_SYMMETRIC };
	struct sim_config c = {
		.n_nodes = n, .n_static = N_STATIC, .latency_ms = 20, .jitter_ms = 2, .seed = 42,
		.start_spread_ms = 1000, .wireguard = true,
	};
	struct sim *s = sim_new(&c);
	struct sim_traffic t0, t1;
	struct sim_report r;
	size_t direct = 0, possible = 0, wrong = 1, lan = 0;
	uint32_t site = 0;
	uint64_t conv = 0, t_direct = 0;
	double w0 = wall();
	bool ok;

	for (size_t i = N_STATIC; i < n; i++) {
		if (i % 7 == 0)
			continue;
		/* every fifth NAT has three nodes on its LAN */
		if (site && site % 5 == 0 && lan < 2) {
			lan++;
		} else {
			if (site == SIM_MAX_SITES)
				break;
			site++;
			sim_site(s, site, kinds[site % 3]);
			lan = 0;
		}
		sim_place(s, i, site);
	}
	ok = sim_run_until_converged(s, 120000, 100);
	conv = sim_now(s);
	while (ok && sim_now(s) < conv + 120000) {
		sim_run_for(s, 500);
		count_pairs(s, &direct, &possible, &wrong);
		if (!wrong) {
			t_direct = sim_now(s);
			break;
		}
	}
	/* the port-randomising pairs give up after ~160 s, idle edges sleep after 120 s */
	sim_run_until(s, 240000);
	sim_traffic_total(s, &t0);
	sim_run_for(s, STEADY_MS);
	sim_traffic_total(s, &t1);
	count_pairs(s, &direct, &possible, &wrong);
	ok = ok && sim_check(s, &r);
	printf("%5zu %9.2f %9.2f %7zu %8zu %7zu %6zu %9.2f %9.0f %9.2f %9.0f %8.1f %s\n", n,
	       (double)conv / 1000.0, t_direct ? (double)t_direct / 1000.0 : -1.0, direct,
	       possible, (n - N_STATIC) * (n - N_STATIC - 1) - direct, wrong,
	       (double)(t1.tx_pkts - t0.tx_pkts) / (double)n / (STEADY_MS / 1000.0),
	       (double)(t1.tx_bytes - t0.tx_bytes) / (double)n / (STEADY_MS / 1000.0),
	       (double)(t1.wg_tx_pkts - t0.wg_tx_pkts) / (double)n / (STEADY_MS / 1000.0),
	       (double)(t1.wg_tx_bytes - t0.wg_tx_bytes) / (double)n / (STEADY_MS / 1000.0),
	       wall() - w0, ok ? "" : r.first_failure);
	fflush(stdout);
	sim_free(s);
	return ok && !wrong ? 0 : 1;
}

static void nat_header(void)
{
	printf("\nmixed NATs (WireGuard data plane), steady state over %d s from 240 s\n",
	       STEADY_MS / 1000);
	printf("%5s %9s %9s %7s %8s %7s %6s %9s %9s %9s %9s %8s\n", "nodes", "conv_s", "direct_s",
	       "direct", "possible", "relayed", "wrong", "pkt/n/s", "B/n/s", "wg_pkt/n/s",
	       "wg_B/n/s", "wall");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 10, 100, 1000 };
	int err = 0;

	printf("%d static nodes, 20 ms +-2 ms one way (FIFO links), steady state over %d s of "
	       "virtual time from %d s after convergence\n", N_STATIC, STEADY_MS / 1000,
	       SETTLE_MS / 1000);
	printf("%5s %9s %11s %11s %9s %11s %9s %9s %8s %8s\n", "nodes", "conv_s", "join_pkt/n",
	       "pkt/n/s", "max_pkt/s", "B/n/s", "core_B/n", "sim_B/n", "wall_cv", "wall_ss");
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "nat") == 0 && i + 1 < argc) {
				nat_header();
				err |= run_nat((size_t)strtoul(argv[++i], NULL, 10));
			} else {
				err |= run((size_t)strtoul(argv[i], NULL, 10));
			}
		}
	} else {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			err |= run(sizes[i]);
		nat_header();
		err |= run_nat(100);
	}
	return err;
}
