/*
 * Shortest paths over the link-state graph.
 *
 * Input: nodes (index 0 is this node) with their flags, and directed edges
 * as each node's record claims them. An edge is usable only when both ends
 * claim it (confirmed from both ends); its cost is the larger of the two
 * claimed costs, so one optimistic end cannot attract traffic. Nodes flagged
 * no-transit are never an intermediate hop (they can still be a source or a
 * destination).
 *
 * Output: for every node, the distance and the first hop from node 0
 * (SPF_UNREACHABLE if none). Ties are broken by the lower node index of the
 * first hop, so the result is deterministic. Dijkstra with a binary heap:
 * O((V + E) log V); at 1000 nodes this is well under a millisecond.
 */
#ifndef WGNM_SPF_H
#define WGNM_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPF_UNREACHABLE UINT32_MAX
#define SPF_DIST_MAX (UINT32_MAX - 1)	/* longer paths report this */
#define SPF_NO_TRANSIT 0x1u

struct spf_edge {
	uint32_t from;
	uint32_t to;
	uint32_t cost;		/* >= 1 */
};

struct spf_result {
	uint32_t dist;		/* saturates at SPF_DIST_MAX; SPF_UNREACHABLE if unreachable */
	uint32_t first_hop;	/* node index of the neighbour to send via; self for 0 */
	uint32_t prev;		/* predecessor on the path (for status and tests); self for 0 */
};

struct spf_graph {
	uint32_t n_nodes;
	const uint32_t *node_flags;	/* n_nodes entries, SPF_* */
	size_t n_edges;
	const struct spf_edge *edges;	/* directed claims, any order, may repeat */
};

/*
 * Compute paths from node 0. out has n_nodes entries; first_hop and prev are
 * SPF_UNREACHABLE for unreachable nodes. Returns 0, or -ENOMEM (scratch
 * space is allocated per call and freed before return), or -EINVAL for
 * n_nodes == 0, a NULL array, an edge naming a node >= n_nodes or an edge
 * of cost 0. On error out is left untouched. Self-loop claims are ignored.
 */
int spf_run(const struct spf_graph *g, struct spf_result *out);

#endif
