/*
 * Shortest paths over the link-state graph; see spf.h for the interface.
 *
 * Model. Every node's link-state record claims directed edges "I reach X at
 * cost c". Records travel independently, so the database can hold one end
 * of a link before the other, or two ends that disagree. An edge is used
 * only when both ends claim it, at the larger of the two claims (each end's
 * smallest claim when it repeats one): a half-dead link, or one end that
 * advertises itself as cheap, does not attract traffic. The usable graph is
 * therefore undirected with symmetric costs. Nodes flagged SPF_NO_TRANSIT
 * are never relaxed through, except node 0 itself (a no-transit node still
 * reaches its own neighbours), so they appear only as source or destination.
 *
 * Why link-state and Dijkstra. Every node holds the same database (once
 * flooding settles) and runs the same computation over it, then forwards to
 * the first hop of a shortest path. Along such a path the distance to the
 * destination strictly drops at every hop: if x sends to y, the rest of x's
 * path is a valid path for y (it avoids no-transit intermediates, and y is
 * itself a transit node), so dist_y <= dist_x - cost(x, y) < dist_x. Hence
 * forwarding is loop-free by construction for any tie-breaking, with no
 * count-to-infinity and no feasibility conditions as a distance-vector
 * protocol needs. Dijkstra is the textbook method for non-negative costs.
 * That argument needs exact distances, so they are summed in 64 bits (n - 1
 * edges of cost < 2^32 cannot overflow) and only the reported dist
 * saturates at SPF_DIST_MAX; clamping inside the search would make long
 * paths compare equal and could break the strict descent.
 *
 * Tie-breaking. Each path is labelled (distance, first hop) and labels are
 * compared lexicographically; relaxation keeps the least label seen. The
 * rule: first_hop is the lowest-indexed neighbour of node 0 that starts
 * some shortest path to the node, and prev is the lowest-indexed u with
 * label(u) + cost(u, v) == label(v) (same first hop, distance adding up).
 * Both depend only on the graph, not on claim order or heap order: costs
 * are >= 1, so every u that can offer v its final label has a strictly
 * smaller distance and is settled, and has relaxed v, before v is popped.
 * The heap therefore orders by distance alone (then index). Following
 * prev from any node walks back to node 0 through its first_hop.
 *
 * Scratch. Claims are bucketed into CSR form with two counting-sort passes
 * (by "to", then stably by "from"), so every node's claims come out sorted
 * by neighbour: duplicates are adjacent and reverse claims are found by a
 * merge join. Build is O(V + E), search O((V + E) log V) with an
 * indexed binary heap (decrease-key, at most V entries). All scratch is
 * allocated per call and freed before return; out is written only once all
 * allocations have succeeded.
 */
#include "core/spf.h"

#include <errno.h>
#include <stdlib.h>

#define DIST_INF UINT64_MAX
#define POS_NONE UINT32_MAX

struct arc {
	uint32_t to;
	uint32_t cost;		/* 0 marks a claim without its reverse */
};

struct heap {
	uint32_t *node;		/* heap order */
	uint32_t *pos;		/* node -> index in node[], POS_NONE if absent */
	uint32_t len;
	const uint64_t *dist;
};

static bool heap_less(const struct heap *h, uint32_t a, uint32_t b)
{
	if (h->dist[a] != h->dist[b])
		return h->dist[a] < h->dist[b];
	return a < b;
}

static void heap_place(struct heap *h, uint32_t i, uint32_t v)
{
	h->node[i] = v;
	h->pos[v] = i;
}

static void heap_up(struct heap *h, uint32_t i)
{
	uint32_t v = h->node[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!heap_less(h, v, h->node[parent]))
			break;
		heap_place(h, i, h->node[parent]);
		i = parent;
	}
	heap_place(h, i, v);
}

static void heap_down(struct heap *h, uint32_t i)
{
	uint32_t v = h->node[i];

	for (;;) {
		/* 64-bit so that 2i + 1 cannot wrap for huge heaps. */
		uint64_t c = 2 * (uint64_t)i + 1;
		uint32_t child;

		if (c >= h->len)
			break;
		child = (uint32_t)c;
		if (child + 1 < h->len &&
		    heap_less(h, h->node[child + 1], h->node[child]))
			child++;
		if (!heap_less(h, h->node[child], v))
			break;
		heap_place(h, i, h->node[child]);
		i = child;
	}
	heap_place(h, i, v);
}

static void heap_push(struct heap *h, uint32_t v)
{
	h->len++;
	h->node[h->len - 1] = v;
	heap_up(h, h->len - 1);
}

static uint32_t heap_pop(struct heap *h)
{
	uint32_t top = h->node[0];

	h->pos[top] = POS_NONE;
	h->len--;
	if (h->len > 0) {
		h->node[0] = h->node[h->len];
		heap_down(h, 0);
	}
	return top;
}

static int validate(const struct spf_graph *g)
{
	size_t i;

	if (g->n_nodes == 0 || g->node_flags == NULL ||
	    (g->n_edges > 0 && g->edges == NULL))
		return -EINVAL;
	for (i = 0; i < g->n_edges; i++) {
		const struct spf_edge *e = &g->edges[i];

		if (e->from >= g->n_nodes || e->to >= g->n_nodes || e->cost == 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * Claims -> usable adjacency. On return arc[off[u], end[u]) lists u's
 * usable neighbours, ascending, each with its confirmed cost.
 */
static void build_adjacency(const struct spf_graph *g, size_t *off,
			    size_t *end, size_t *cur, size_t *tmp,
			    struct arc *arc)
{
	uint32_t n = g->n_nodes;
	size_t i, r, m = 0;
	uint32_t u;

	/* Pass 1: claims by "to" (self-loops carry no path, drop them). */
	for (i = 0; i < g->n_edges; i++)
		if (g->edges[i].from != g->edges[i].to)
			end[g->edges[i].to]++;
	for (u = 0; u < n; u++) {
		size_t c = end[u];

		end[u] = m;
		m += c;
	}
	for (i = 0; i < g->n_edges; i++)
		if (g->edges[i].from != g->edges[i].to)
			tmp[end[g->edges[i].to]++] = i;

	/* Pass 2: stably by "from", so each list is sorted by "to". */
	for (u = 0; u <= n; u++)
		off[u] = 0;
	for (r = 0; r < m; r++)
		off[g->edges[tmp[r]].from + 1]++;
	for (u = 0; u < n; u++) {
		off[u + 1] += off[u];
		end[u] = off[u];
	}
	for (r = 0; r < m; r++) {
		const struct spf_edge *e = &g->edges[tmp[r]];

		arc[end[e->from]++] = (struct arc){ .to = e->to, .cost = e->cost };
	}

	/* Repeated claims: keep the cheapest. */
	for (u = 0; u < n; u++) {
		size_t w = off[u];

		for (r = off[u]; r < end[u]; r++) {
			if (w > off[u] && arc[w - 1].to == arc[r].to) {
				if (arc[r].cost < arc[w - 1].cost)
					arc[w - 1].cost = arc[r].cost;
			} else {
				arc[w++] = arc[r];
			}
		}
		end[u] = w;
	}

	/*
	 * Confirm against the reverse claim. u ascends, so the claims that
	 * v is asked about ascend too: a forward-only cursor per node finds
	 * them (a merge join, O(E) in all; a binary search per claim spent
	 * most of its time in mispredicted branches). Updating in place is
	 * safe: lookups key on "to", which does not change; a raised cost is
	 * already the max, so the partner computes the same value; and a
	 * one-way claim (marked 0) is never looked up, since its target has
	 * no claim back.
	 */
	for (u = 0; u < n; u++)
		cur[u] = off[u];
	for (u = 0; u < n; u++) {
		for (r = off[u]; r < end[u]; r++) {
			uint32_t v = arc[r].to;
			size_t k = cur[v];

			while (k < end[v] && arc[k].to < u)
				k++;
			cur[v] = k;
			if (k == end[v] || arc[k].to != u)
				arc[r].cost = 0;
			else if (arc[k].cost > arc[r].cost)
				arc[r].cost = arc[k].cost;
		}
	}

	for (u = 0; u < n; u++) {
		size_t w = off[u];

		for (r = off[u]; r < end[u]; r++)
			if (arc[r].cost != 0)
				arc[w++] = arc[r];
		end[u] = w;
	}
}

static void relax(struct heap *h, uint64_t *dist, struct spf_result *out,
		  uint32_t u, uint32_t v, uint32_t cost)
{
	uint64_t nd = dist[u] + cost;
	uint32_t nf = u == 0 ? v : out[u].first_hop;

	if (dist[v] == DIST_INF) {
		dist[v] = nd;
		out[v].first_hop = nf;
		out[v].prev = u;
		heap_push(h, v);
	} else if (h->pos[v] == POS_NONE) {
		return;		/* settled */
	} else if (nd < dist[v] || (nd == dist[v] && nf < out[v].first_hop)) {
		dist[v] = nd;
		out[v].first_hop = nf;
		out[v].prev = u;
		heap_up(h, h->pos[v]);
	} else if (nd == dist[v] && nf == out[v].first_hop && u < out[v].prev) {
		out[v].prev = u;
	}
}

int spf_run(const struct spf_graph *g, struct spf_result *out)
{
	size_t *off = NULL, *end = NULL, *cur = NULL, *tmp = NULL;
	struct arc *arc = NULL;
	uint64_t *dist = NULL;
	struct heap h = { 0 };
	uint32_t n, u;
	size_t r;
	int ret;

	if (g == NULL || out == NULL)
		return -EINVAL;
	ret = validate(g);
	if (ret < 0)
		return ret;
	n = g->n_nodes;

	/* calloc checks count * size for overflow; +1 so that 0 edges is not NULL. */
	off = calloc((size_t)n + 1, sizeof(*off));
	end = calloc(n, sizeof(*end));
	cur = calloc(n, sizeof(*cur));
	tmp = calloc(g->n_edges + 1, sizeof(*tmp));
	arc = calloc(g->n_edges + 1, sizeof(*arc));
	dist = calloc(n, sizeof(*dist));
	h.node = calloc(n, sizeof(*h.node));
	h.pos = calloc(n, sizeof(*h.pos));
	if (!off || !end || !cur || !tmp || !arc || !dist || !h.node || !h.pos) {
		ret = -ENOMEM;
		goto out;
	}

	build_adjacency(g, off, end, cur, tmp, arc);

	for (u = 0; u < n; u++) {
		dist[u] = DIST_INF;
		h.pos[u] = POS_NONE;
		out[u] = (struct spf_result){
			.dist = SPF_UNREACHABLE,
			.first_hop = SPF_UNREACHABLE,
			.prev = SPF_UNREACHABLE,
		};
	}
	h.dist = dist;

	dist[0] = 0;
	out[0].first_hop = 0;
	out[0].prev = 0;
	heap_push(&h, 0);
	while (h.len > 0) {
		u = heap_pop(&h);
		if (u != 0 && (g->node_flags[u] & SPF_NO_TRANSIT))
			continue;
		for (r = off[u]; r < end[u]; r++)
			relax(&h, dist, out, u, arc[r].to, arc[r].cost);
	}

	for (u = 0; u < n; u++)
		if (dist[u] != DIST_INF)
			out[u].dist = dist[u] > SPF_DIST_MAX ?
				SPF_DIST_MAX : (uint32_t)dist[u];
	ret = 0;
out:
	free(h.pos);
	free(h.node);
	free(dist);
	free(arc);
	free(tmp);
	free(cur);
	free(end);
	free(off);
	return ret;
}
