/*
 * Subnet routes and exit nodes: which announcements this node accepts,
 * which announcer carries each prefix, and which exit node it uses.
 * Owned by subnet.c; fib.c installs the result (AllowedIPs of the first
 * hop toward the carrier, a kernel route), the status reads it.
 */
#ifndef WGNM_CORE_SUBNET_H
#define WGNM_CORE_SUBNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct mesh;

/* One announcement of a reachable node: a route, or an exit offer (0.0.0.0/0). */
struct subnet_seen {
	struct addr node;
	uint64_t boot;
	struct prefix dst;
	bool exit;		/* an exit node offer */
	uint8_t verdict;	/* enum mesh_route_verdict */
	bool active;		/* installed: this node carries it for us */
};

/* A prefix installed, and the node that carries it. */
struct subnet_route {
	struct prefix dst;
	struct addr node;
};

struct subnet_state {
	struct subnet_seen *seen;	/* sorted by (node, exit, dst) */
	size_t n_seen;
	struct subnet_route *active;	/* sorted by dst, each dst once */
	size_t n_active;
	bool has_exit;
	struct addr exit;		/* the exit node in use */
	char exit_why[96];		/* why none is used, when one is wanted */
	uint64_t refused;		/* announcements refused, each counted once */
	struct prefix *accept;		/* the copy m->cfg.accept_routes points to */
};

/*
 * Take what c says of routes: ours to announce, the exit offer
 * (WIRE_NODE_EXIT in c->flags), acceptRoutes (copied), allowExitNodes,
 * useExitNode. -ENOMEM leaves the old policy.
 */
int subnet_configure(struct mesh *m, const struct mesh_config *c);
/* Choose after the paths are computed; logs what changed. -ENOMEM keeps the old choice. */
int subnet_select(struct mesh *m);
void subnet_free(struct subnet_state *s);
struct lsdb_record;
/* The verdict on a route dst in record r (exit offers aside). */
enum mesh_route_verdict subnet_judge(const struct mesh *m, const struct lsdb_record *r,
				 const struct prefix *dst);

#endif
