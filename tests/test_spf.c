/*
 * Shortest paths: hand-drawn topologies, bad input, and a randomized
 * comparison with a naive reference that also checks hop-by-hop forwarding
 * from every node for loops.
 *
 * In the drawings a number on a line is its cost, "*" marks a no-transit
 * node, "-" is a link claimed by both ends and "." a claim by one end only.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/spf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define U SPF_UNREACHABLE
#define M SPF_DIST_MAX
#define NT SPF_NO_TRANSIT
#define LINK(a, b, c) { (a), (b), (c) }, { (b), (a), (c) }

#define CASE_NODES 8
#define CASE_EDGES 24

struct want {
	uint32_t dist;
	uint32_t first_hop;
	uint32_t prev;
};

struct spf_case {
	const char *name;
	uint32_t n_nodes;
	uint32_t flags[CASE_NODES];
	/* Terminated by the first edge of cost 0 (never valid input). */
	struct spf_edge edges[CASE_EDGES];
	struct want want[CASE_NODES];
};

static const struct spf_case cases[] = {
	/*
	 *  0 --1-- 1 --2-- 2 --3-- 3
	 */
	{
		.name = "line",
		.n_nodes = 4,
		.edges = { LINK(0, 1, 1), LINK(1, 2, 2), LINK(2, 3, 3) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 3, 1, 1 }, { 6, 1, 2 } },
	},
	/*
	 *          1
	 *          |1
	 *  4 --4-- 0 --2-- 2
	 *          |3
	 *          3
	 */
	{
		.name = "star, self at the hub",
		.n_nodes = 5,
		.edges = { LINK(0, 1, 1), LINK(0, 2, 2), LINK(0, 3, 3),
			   LINK(0, 4, 4) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 2, 2, 0 }, { 3, 3, 0 },
			  { 4, 4, 0 } },
	},
	/*
	 *  0 --5-- 1 --1-- 2
	 *         / \
	 *        2   3
	 *       /     \
	 *      3       4
	 */
	{
		.name = "star, self on a leaf",
		.n_nodes = 5,
		.edges = { LINK(0, 1, 5), LINK(1, 2, 1), LINK(1, 3, 2),
			   LINK(1, 4, 3) },
		.want = { { 0, 0, 0 }, { 5, 1, 0 }, { 6, 1, 1 }, { 7, 1, 1 },
			  { 8, 1, 1 } },
	},
	/*
	 * All costs 1; 3 is three hops away either way round and goes via
	 * the lower first hop, 1.
	 *
	 *      1 --- 2
	 *     /       \
	 *    0         3
	 *     \       /
	 *      5 --- 4
	 */
	{
		.name = "ring with ties",
		.n_nodes = 6,
		.edges = { LINK(0, 1, 1), LINK(1, 2, 1), LINK(2, 3, 1),
			   LINK(3, 4, 1), LINK(4, 5, 1), LINK(5, 0, 1) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 2, 1, 1 }, { 3, 1, 2 },
			  { 2, 5, 5 }, { 1, 5, 0 } },
	},
	/*
	 * 2 is at 3 both ways. Dijkstra reaches it via 3 first (3 is
	 * settled first), then must switch to the lower first hop 1.
	 *
	 *        2
	 *    0 ----- 1
	 *    |       |
	 *   1|       |1
	 *    |       |
	 *    3 ----- 2
	 *        2
	 */
	{
		.name = "tie found late switches to lower first hop",
		.n_nodes = 4,
		.edges = { LINK(0, 1, 2), LINK(0, 3, 1), LINK(1, 2, 1),
			   LINK(3, 2, 2) },
		.want = { { 0, 0, 0 }, { 2, 1, 0 }, { 3, 1, 1 }, { 1, 3, 0 } },
	},
	/*
	 * 4 is at 4 via 3 (settled first, at 2) and via 2 (at 3), same
	 * first hop; prev is the lower index, 2.
	 *
	 *    0 --1-- 1 --2-- 2
	 *            |       |
	 *            1       1
	 *            |       |
	 *            3 --2-- 4
	 */
	{
		.name = "equal paths, same first hop: lower prev",
		.n_nodes = 5,
		.edges = { LINK(0, 1, 1), LINK(1, 2, 2), LINK(1, 3, 1),
			   LINK(3, 4, 2), LINK(2, 4, 1) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 3, 1, 1 }, { 2, 1, 1 },
			  { 4, 1, 2 } },
	},
	/*
	 *    0 ...1...> 1        only 0 claims 0-1
	 *    |         /
	 *    1       1
	 *    |     /
	 *    2 --
	 *
	 *    3 ...1...> 0        only 3 claims 3-0
	 */
	{
		.name = "one-way claims ignored",
		.n_nodes = 4,
		.edges = { { 0, 1, 1 }, LINK(0, 2, 1), LINK(2, 1, 1),
			   { 3, 0, 1 } },
		.want = { { 0, 0, 0 }, { 2, 2, 2 }, { 1, 2, 0 }, { U, U, U } },
	},
	/*
	 * a/b: the left end claims a, the right end b. 0-1 is usable at 10,
	 * so 1 goes round via 2; 0-3 is usable at 5.
	 *
	 *    3 --2/5-- 0 --1/10-- 1
	 *              |         /
	 *              3       3
	 *              |     /
	 *              2 ---
	 */
	{
		.name = "asymmetric claims use the larger cost",
		.n_nodes = 4,
		.edges = { { 0, 1, 1 }, { 1, 0, 10 }, LINK(0, 2, 3),
			   LINK(2, 1, 3), { 0, 3, 5 }, { 3, 0, 2 } },
		.want = { { 0, 0, 0 }, { 6, 2, 2 }, { 3, 2, 0 }, { 5, 3, 0 } },
	},
	/*
	 *    0 --1-- 1* --1-- 2
	 *    |       |       |
	 *    5       1       5
	 *    |       |       |
	 *    3 ------+-------+
	 *            4              (4 only behind 1*: unreachable)
	 */
	{
		.name = "no-transit middle forces a detour or unreachability",
		.n_nodes = 5,
		.flags = { [1] = NT },
		.edges = { LINK(0, 1, 1), LINK(1, 2, 1), LINK(0, 3, 5),
			   LINK(3, 2, 5), LINK(1, 4, 1) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 10, 3, 3 }, { 5, 3, 0 },
			  { U, U, U } },
	},
	/*
	 *    0* --1-- 1 --1-- 2* --1-- 3
	 *
	 * A no-transit source reaches through its neighbours; a no-transit
	 * destination is reachable, but nothing behind it.
	 */
	{
		.name = "no-transit source and destination",
		.n_nodes = 4,
		.flags = { [0] = NT, [2] = NT },
		.edges = { LINK(0, 1, 1), LINK(1, 2, 1), LINK(2, 3, 1) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { 2, 1, 1 }, { U, U, U } },
	},
	/*
	 *    0 --1-- 1        2 --1-- 3
	 */
	{
		.name = "disconnected components",
		.n_nodes = 4,
		.edges = { LINK(0, 1, 1), LINK(2, 3, 1) },
		.want = { { 0, 0, 0 }, { 1, 1, 0 }, { U, U, U }, { U, U, U } },
	},
	/*
	 *    0
	 */
	{
		.name = "self only",
		.n_nodes = 1,
		.want = { { 0, 0, 0 } },
	},
	/*
	 *    0 (loop to itself)      1 (loop to itself)
	 */
	{
		.name = "self-loop claims are ignored",
		.n_nodes = 2,
		.edges = { { 0, 0, 1 }, { 1, 1, 1 }, LINK(0, 0, 7) },
		.want = { { 0, 0, 0 }, { U, U, U } },
	},
	/*
	 * 0 claims 0-1 at 5, 3, 7 and 1 claims 1-0 at 4, 9: each end's
	 * lowest claim counts, max(3, 4) = 4. 0 claims 0-2 at 2 twice and
	 * 2 claims 2-0 at 1: max(2, 1) = 2.
	 *
	 *    1 --4-- 0 --2-- 2
	 */
	{
		.name = "duplicate claims: each end's minimum",
		.n_nodes = 3,
		.edges = { { 0, 1, 5 }, { 1, 0, 9 }, { 0, 1, 3 }, { 0, 2, 2 },
			   { 1, 0, 4 }, { 2, 0, 1 }, { 0, 1, 7 }, { 0, 2, 2 } },
		.want = { { 0, 0, 0 }, { 4, 1, 0 }, { 2, 2, 0 } },
	},
	/*
	 * M = UINT32_MAX - 1. 5 is at 3M via 1 and at 3M - 1 via 3. Both
	 * report M, yet the exact sums pick 3.
	 *
	 *    0 --M-- 1 --M-- 2 --M---+
	 *    |                       5
	 *    +--M--- 3 --M-- 4 -M-1--+
	 */
	{
		.name = "distances saturate, comparisons stay exact",
		.n_nodes = 6,
		.edges = { LINK(0, 1, M), LINK(1, 2, M), LINK(2, 5, M),
			   LINK(0, 3, M), LINK(3, 4, M), LINK(4, 5, M - 1) },
		.want = { { 0, 0, 0 }, { M, 1, 0 }, { M, 1, 1 }, { M, 3, 0 },
			  { M, 3, 3 }, { M, 3, 4 } },
	},
};

static size_t count_edges(const struct spf_edge *edges)
{
	size_t n = 0;

	while (n < CASE_EDGES && edges[n].cost != 0)
		n++;
	return n;
}

static void run_case(void **state)
{
	const struct spf_case *c = *state;
	struct spf_graph g = {
		.n_nodes = c->n_nodes,
		.node_flags = c->flags,
		.n_edges = count_edges(c->edges),
		.edges = c->edges,
	};
	struct spf_result out[CASE_NODES];
	uint32_t v;

	assert_int_equal(spf_run(&g, out), 0);
	for (v = 0; v < c->n_nodes; v++) {
		if (out[v].dist != c->want[v].dist ||
		    out[v].first_hop != c->want[v].first_hop ||
		    out[v].prev != c->want[v].prev)
			fail_msg("%s: node %u: got dist %u first_hop %u prev %u, "
				 "want %u %u %u", c->name, v, out[v].dist,
				 out[v].first_hop, out[v].prev, c->want[v].dist,
				 c->want[v].first_hop, c->want[v].prev);
	}
}

static void test_bad_input(void **state)
{
	static const uint32_t flags[3];
	static const struct {
		const char *name;
		uint32_t n_nodes;
		struct spf_edge edge;
	} bad[] = {
		{ "from out of range", 3, { 3, 0, 1 } },
		{ "to out of range", 3, { 0, 3, 1 } },
		{ "far out of range", 3, { 0, UINT32_MAX, 1 } },
		{ "cost 0", 3, { 0, 1, 0 } },
		{ "no nodes", 0, { 0, 0, 1 } },
	};
	const struct spf_edge ok = { 0, 1, 1 };
	struct spf_result out[3], before[3];
	size_t i;

	(void)state;
	memset(out, 0xab, sizeof(out));
	memcpy(before, out, sizeof(out));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* The bad edge comes after a good one: all are checked first. */
		struct spf_edge edges[2] = { ok, bad[i].edge };
		struct spf_graph g = {
			.n_nodes = bad[i].n_nodes,
			.node_flags = flags,
			.n_edges = 2,
			.edges = edges,
		};

		if (spf_run(&g, out) != -EINVAL)
			fail_msg("%s: not rejected", bad[i].name);
		if (memcmp(out, before, sizeof(out)) != 0)
			fail_msg("%s: out written on error", bad[i].name);
	}

	struct spf_graph g = { .n_nodes = 3, .node_flags = flags };
	assert_int_equal(spf_run(NULL, out), -EINVAL);
	assert_int_equal(spf_run(&g, NULL), -EINVAL);
	g.node_flags = NULL;
	assert_int_equal(spf_run(&g, out), -EINVAL);
	g.node_flags = flags;
	g.n_edges = 1;
	assert_int_equal(spf_run(&g, out), -EINVAL);	/* edges NULL */
	assert_memory_equal(out, before, sizeof(out));

	/* No edges at all is fine (edges may then be NULL). */
	g.n_edges = 0;
	assert_int_equal(spf_run(&g, out), 0);
	assert_int_equal(out[0].dist, 0);
	assert_int_equal(out[1].dist, U);
	assert_int_equal(out[2].first_hop, U);
}

/*
 * Randomized comparison. The reference is deliberately naive: a cost
 * matrix built straight from the confirmed-edge rule, then Floyd-Warshall
 * with only transit nodes allowed as the intermediate k, in 64-bit exact
 * arithmetic. For a source s, the restricted D[s][v] is the spf distance
 * (s is never an intermediate of its own shortest path, so its own flag
 * does not matter).
 */
#define RAND_GRAPHS 500
#define RAND_MAX_NODES 40
#define RAND_MAX_EDGES (RAND_MAX_NODES * RAND_MAX_NODES * 4)
#define INF UINT64_MAX

struct rgraph {
	uint64_t seed;
	uint32_t n;
	uint32_t flags[RAND_MAX_NODES];
	size_t n_edges;
	struct spf_edge edges[RAND_MAX_EDGES];
	uint64_t cost[RAND_MAX_NODES][RAND_MAX_NODES];	/* usable, or INF */
	uint64_t d[RAND_MAX_NODES][RAND_MAX_NODES];
	uint32_t next[RAND_MAX_NODES][RAND_MAX_NODES];	/* next hop s -> v */
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

static uint32_t rand_cost(uint64_t *s, int mode)
{
	switch (mode) {
	case 0:
		return 1 + rng_below(s, 3);	/* many ties */
	case 1:
		return 1 + rng_below(s, 100);
	default:
		/* Near the top: sums of two or more saturate. */
		return rng_below(s, 4) == 0 ? 1 + rng_below(s, 10) :
			SPF_DIST_MAX - rng_below(s, 3);
	}
}

static void add_claim(struct rgraph *r, uint32_t from, uint32_t to, uint32_t cost)
{
	assert_true(r->n_edges < RAND_MAX_EDGES);
	r->edges[r->n_edges++] = (struct spf_edge){ from, to, cost };
}

static void add_claims(struct rgraph *r, uint64_t *s, uint32_t from,
		       uint32_t to, int mode)
{
	uint32_t k = 1 + (rng_below(s, 5) == 0 ? rng_below(s, 3) : 0);

	while (k-- > 0)
		add_claim(r, from, to, rand_cost(s, mode));
}

static void rand_graph(struct rgraph *r, uint64_t seed)
{
	uint64_t s = seed;
	uint32_t density = 1 + rng_below(&s, 50);	/* percent */
	uint32_t nt = rng_below(&s, 40);		/* percent */
	int mode = (int)rng_below(&s, 3);
	uint32_t a, b;
	size_t i;

	r->seed = seed;
	r->n = 1 + rng_below(&s, RAND_MAX_NODES);
	r->n_edges = 0;
	for (a = 0; a < r->n; a++)
		r->flags[a] = rng_below(&s, 100) < nt ? NT : 0;
	for (a = 0; a < r->n; a++) {
		for (b = a + 1; b < r->n; b++) {
			uint32_t kind;

			if (rng_below(&s, 100) >= density)
				continue;
			kind = rng_below(&s, 10);
			if (kind < 8 || kind == 8)
				add_claims(r, &s, a, b, mode);
			if (kind < 8 || kind == 9)
				add_claims(r, &s, b, a, mode);
		}
		if (rng_below(&s, 20) == 0)
			add_claim(r, a, a, 1 + rng_below(&s, 5));
	}
	for (i = r->n_edges; i > 1; i--) {
		size_t j = (size_t)(rng_next(&s) % i);
		struct spf_edge t = r->edges[i - 1];

		r->edges[i - 1] = r->edges[j];
		r->edges[j] = t;
	}
}

static bool transit(const struct rgraph *r, uint32_t v)
{
	return !(r->flags[v] & NT);
}

static void reference(struct rgraph *r)
{
	uint64_t claim[RAND_MAX_NODES][RAND_MAX_NODES];
	uint32_t i, j, k;
	size_t e;

	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->n; j++)
			claim[i][j] = INF;
	for (e = 0; e < r->n_edges; e++) {
		const struct spf_edge *x = &r->edges[e];

		if (x->cost < claim[x->from][x->to])
			claim[x->from][x->to] = x->cost;
	}
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->n; j++) {
			uint64_t ab = claim[i][j], ba = claim[j][i];

			r->cost[i][j] = i == j || ab == INF || ba == INF ? INF :
				(ab > ba ? ab : ba);
			r->d[i][j] = i == j ? 0 : r->cost[i][j];
		}
	}
	for (k = 0; k < r->n; k++) {
		if (!transit(r, k))
			continue;
		for (i = 0; i < r->n; i++) {
			if (r->d[i][k] == INF)
				continue;
			for (j = 0; j < r->n; j++)
				if (r->d[k][j] != INF &&
				    r->d[i][k] + r->d[k][j] < r->d[i][j])
					r->d[i][j] = r->d[i][k] + r->d[k][j];
		}
	}
}

static uint32_t clamp(uint64_t d)
{
	return d == INF ? U : d > M ? M : (uint32_t)d;
}

/*
 * Run spf from old node s, relabelled by swapping s and 0 (an involution,
 * so perm maps both ways), check it against the reference and record the
 * next hops in old labels.
 */
static void check_from(struct rgraph *r, uint32_t s)
{
	static struct spf_edge edges[RAND_MAX_EDGES];
	static struct spf_edge reversed[RAND_MAX_EDGES];
	uint32_t perm[RAND_MAX_NODES], flags[RAND_MAX_NODES];
	struct spf_result res[RAND_MAX_NODES], again[RAND_MAX_NODES];
	struct spf_graph g = {
		.n_nodes = r->n,
		.node_flags = flags,
		.n_edges = r->n_edges,
		.edges = edges,
	};
	uint32_t v, y;
	size_t e;

	for (v = 0; v < r->n; v++)
		perm[v] = v;
	perm[0] = s;
	perm[s] = 0;
	for (v = 0; v < r->n; v++)
		flags[v] = r->flags[perm[v]];
	for (e = 0; e < r->n_edges; e++) {
		edges[e].from = perm[r->edges[e].from];
		edges[e].to = perm[r->edges[e].to];
		edges[e].cost = r->edges[e].cost;
		reversed[r->n_edges - 1 - e] = edges[e];
	}
	assert_int_equal(spf_run(&g, res), 0);

	/* The result depends on the graph only, not on claim order. */
	g.edges = reversed;
	assert_int_equal(spf_run(&g, again), 0);
	if (memcmp(res, again, sizeof(res[0]) * r->n) != 0)
		fail_msg("seed %llu source %u: result depends on edge order",
			 (unsigned long long)r->seed, s);

	for (v = 0; v < r->n; v++) {
		uint32_t o = perm[v], want_fh = U, want_prev = U;
		uint64_t dv = r->d[s][o];

		if (res[v].dist != clamp(dv))
			fail_msg("seed %llu source %u node %u: dist %u, want %u",
				 (unsigned long long)r->seed, s, o, res[v].dist,
				 clamp(dv));
		if (v == 0) {
			want_fh = 0;
			want_prev = 0;
		} else if (dv != INF) {
			/* Lowest neighbour of the source starting a shortest path. */
			for (y = 1; y < r->n && want_fh == U; y++) {
				uint32_t oy = perm[y];

				if (r->cost[s][oy] != INF &&
				    (oy == o || transit(r, oy)) &&
				    r->d[oy][o] != INF &&
				    r->cost[s][oy] + r->d[oy][o] == dv)
					want_fh = y;
			}
			/* Lowest predecessor with the same label, from res. */
			for (y = 0; y < r->n && want_prev == U; y++) {
				uint32_t oy = perm[y];

				if (oy == o || r->cost[oy][o] == INF ||
				    r->d[s][oy] == INF ||
				    r->d[s][oy] + r->cost[oy][o] != dv)
					continue;
				if (y == 0 ? res[v].first_hop == v :
				    transit(r, oy) &&
				    res[y].first_hop == res[v].first_hop)
					want_prev = y;
			}
		}
		if (res[v].first_hop != want_fh || res[v].prev != want_prev)
			fail_msg("seed %llu source %u node %u: first_hop %u prev %u, "
				 "want %u %u (new labels)",
				 (unsigned long long)r->seed, s, o,
				 res[v].first_hop, res[v].prev, want_fh, want_prev);
		r->next[s][o] = res[v].first_hop == U ? U : perm[res[v].first_hop];
	}
}

/*
 * Every node forwards to its own first hop: from every source to every
 * reachable destination the walk must arrive within n - 1 hops, through
 * transit nodes only, with the true distance falling at each hop.
 */
static void check_forwarding(const struct rgraph *r)
{
	uint32_t s, d, cur, hops;

	for (s = 0; s < r->n; s++) {
		for (d = 0; d < r->n; d++) {
			if (d == s || r->d[s][d] == INF)
				continue;
			for (cur = s, hops = 0; cur != d; hops++) {
				uint32_t nx = r->next[cur][d];

				if (hops >= r->n - 1 || nx == U ||
				    (cur != s && !transit(r, cur)) ||
				    r->cost[cur][nx] == INF ||
				    r->d[nx][d] >= r->d[cur][d])
					fail_msg("seed %llu: walk %u -> %u stuck or "
						 "looping at %u after %u hops (next %u)",
						 (unsigned long long)r->seed, s, d,
						 cur, hops, nx);
				cur = nx;
			}
		}
	}
}

static void test_random_vs_reference(void **state)
{
	static struct rgraph r;
	uint64_t i;
	uint32_t s;

	(void)state;
	for (i = 0; i < RAND_GRAPHS; i++) {
		rand_graph(&r, 0x5eed0000u + i);
		reference(&r);
		for (s = 0; s < r.n; s++)
			check_from(&r, s);
		check_forwarding(&r);
	}
}

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(cases) + 2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tests[i] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = run_case,
			.initial_state = (void *)(uintptr_t)&cases[i],
		};
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_bad_input);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_random_vs_reference);
	return cmocka_run_group_tests_name("spf", tests, NULL, NULL);
}
