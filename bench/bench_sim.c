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
 *   make build/bench/bench_sim && build/bench/bench_sim [N...]
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
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
		for (int i = 1; i < argc; i++)
			err |= run((size_t)strtoul(argv[i], NULL, 10));
	} else {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			err |= run(sizes[i]);
	}
	return err;
}
