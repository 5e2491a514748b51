/*
 * spf_run timing on random meshes: a random spanning tree plus random
 * extra links for an average degree of about 6, each link claimed by both
 * ends at costs 1..100 (the two claims may differ), 10% no-transit nodes;
 * and a full mesh. Each run is timed alone; the table shows the median and
 * the 90th percentile per run, scratch allocation included.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/spf.h"

struct bench_graph {
	uint32_t *flags;
	struct spf_edge *edges;
	size_t n_edges;
	size_t cap;
	struct spf_graph g;
};

static uint64_t rng_state;

static uint32_t rng_below(uint32_t n)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) % n);
}

static void add_link(struct bench_graph *b, uint32_t x, uint32_t y)
{
	uint32_t c = 1 + rng_below(100);

	b->edges[b->n_edges++] = (struct spf_edge){ x, y, c };
	/* The far end mostly agrees, sometimes claims a little more. */
	b->edges[b->n_edges++] = (struct spf_edge){ y, x,
		rng_below(4) == 0 ? c + rng_below(10) : c };
}

static int bench_graph_init(struct bench_graph *b, uint32_t n, int full,
			    uint64_t seed)
{
	size_t links = full ? (size_t)n * (n - 1) / 2 : (size_t)n * 3;
	uint32_t i, j;

	rng_state = seed;
	memset(b, 0, sizeof(*b));
	b->cap = 2 * links;
	b->flags = calloc(n, sizeof(*b->flags));
	b->edges = calloc(b->cap, sizeof(*b->edges));
	if (b->flags == NULL || b->edges == NULL)
		return -ENOMEM;
	for (i = 1; i < n; i++)
		b->flags[i] = rng_below(10) == 0 ? SPF_NO_TRANSIT : 0;
	if (full) {
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				add_link(b, i, j);
	} else {
		for (i = 1; i < n; i++)
			add_link(b, i, rng_below(i));
		/* Duplicated random pairs just repeat claims, as real records may. */
		while (b->n_edges + 2 <= b->cap && n > 1) {
			i = rng_below(n);
			j = rng_below(n);
			if (i != j)
				add_link(b, i, j);
		}
	}
	b->g = (struct spf_graph){
		.n_nodes = n,
		.node_flags = b->flags,
		.n_edges = b->n_edges,
		.edges = b->edges,
	};
	return 0;
}

static void bench_graph_free(struct bench_graph *b)
{
	free(b->edges);
	free(b->flags);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run(const char *name, uint32_t n, int full, unsigned runs)
{
	struct bench_graph b;
	struct spf_result *out;
	double *t;
	uint32_t v, reached = 0;
	unsigned r;
	int ret;

	ret = bench_graph_init(&b, n, full, 0xbe9c0000u + n);
	out = calloc(n, sizeof(*out));
	t = calloc(runs, sizeof(*t));
	if (ret < 0 || out == NULL || t == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = spf_run(&b.g, out);	/* warm-up */
	for (r = 0; r < runs && ret == 0; r++) {
		double t0 = now_us();

		ret = spf_run(&b.g, out);
		t[r] = now_us() - t0;
	}
	if (ret < 0)
		goto out;
	for (v = 0; v < n; v++)
		reached += out[v].dist != SPF_UNREACHABLE;
	qsort(t, runs, sizeof(*t), cmp_double);
	printf("%-12s %6u %8zu %8u %6u %11.1f %11.1f\n", name, n, b.n_edges,
	       reached, runs, t[runs / 2], t[runs * 9 / 10]);
out:
	free(t);
	free(out);
	bench_graph_free(&b);
	return ret;
}

int main(void)
{
	static const struct {
		const char *name;
		uint32_t n;
		int full;
		unsigned runs;
	} sizes[] = {
		{ "random", 10, 0, 20001 },
		{ "random", 100, 0, 5001 },
		{ "random", 1000, 0, 501 },
		{ "random", 5000, 0, 101 },
		{ "full mesh", 200, 1, 201 },
	};
	size_t i;

	printf("%-12s %6s %8s %8s %6s %11s %11s\n", "graph", "nodes",
	       "claims", "reached", "runs", "median us", "p90 us");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ret = run(sizes[i].name, sizes[i].n, sizes[i].full,
			      sizes[i].runs);

		if (ret < 0) {
			fprintf(stderr, "bench_spf: %s %u: %s\n", sizes[i].name,
				sizes[i].n, strerror(-ret));
			return 1;
		}
	}
	return 0;
}
