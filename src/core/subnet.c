/*
 * Subnet routes and exit nodes.
 *
 * Model. A node announces the prefixes it carries in its record (routes,
 * at most WIRE_MAX_ROUTES) and offers the default route with a flag
 * (WIRE_NODE_EXIT): an exit offer is never a route, so acceptRoutes can
 * never let a default route in. Every node judges every announcement of
 * every reachable node on its own (subnet_judge): the shared key lets any
 * holder announce anything, so what a record says is a claim, and the
 * policy in net.yaml (acceptRoutes, allowExitNodes) and a few rules no
 * list can override decide what is installed. A refusal is logged once per
 * announcement (node, start, prefix) and counted.
 *
 * Of the accepted announcements of one prefix, the one with the lowest
 * path cost carries it (ties: the lower node id), so all nodes agree
 * where the paths agree; when the carrier goes, the route moves to the
 * next at the next route computation. The carrier's prefix goes into the
 * AllowedIPs of the first hop toward it, with a kernel route (fib.c).
 *
 * An exit node is used only over a direct tunnel (it is its own first
 * hop): a gateway between would route our internet traffic by its own
 * table, not to the exit node. `auto` takes the nearest such offer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

static const char *const verdict_names[MESH_ROUTE__COUNT] = {
	[MESH_ROUTE_ACCEPTED] = "accepted",
	[MESH_ROUTE_OURS] = "ours too",
	[MESH_ROUTE_DEFAULT] = "a default route (offered only as an exit node)",
	[MESH_ROUTE_SPECIAL] = "overlaps loopback, link-local, multicast or 0.0.0.0/8",
	[MESH_ROUTE_OVERLAY] = "overlaps the overlay subnet",
	[MESH_ROUTE_OUR_UNDERLAY] = "holds an underlay address of this node",
	[MESH_ROUTE_ITS_UNDERLAY] = "holds the announcing node's public endpoint",
	[MESH_ROUTE_STATIC_ENDPOINT] = "holds a static peer's endpoint",
	[MESH_ROUTE_NOT_ACCEPTED] = "outside network.acceptRoutes",
	[MESH_ROUTE_EXITS_OFF] = "exit nodes are not allowed (network.allowExitNodes)",
	[MESH_ROUTE_NOT_CERTIFIED] = "beyond what its certificate allows",
};

const char *mesh_route_verdict_name(enum mesh_route_verdict v)
{
	return (unsigned)v < MESH_ROUTE__COUNT ? verdict_names[v] : "?";
}

static bool holds_any(const struct prefix *dst, const struct addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(dst, &a[i]))
			return true;
	return false;
}

static bool holds_static_endpoint(const struct mesh *m, const struct prefix *dst)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		if (p->is_static && p->static_resolved && prefix_contains(dst, &p->static_wg.addr))
			return true;
	}
	return false;
}

static bool we_announce(const struct mesh *m, const struct prefix *dst)
{
	for (size_t i = 0; i < m->cfg.n_routes; i++)
		if (prefix_eq(&m->cfg.routes[i], dst))
			return true;
	return false;
}

static bool inside_accept_list(const struct mesh *m, const struct prefix *dst)
{
	for (size_t i = 0; i < m->cfg.n_accept_routes; i++) {
		const struct prefix *acc = &m->cfg.accept_routes[i];
		if (acc->len <= dst->len && prefix_contains(acc, &dst->addr))
			return true;
	}
	return false;
}

/*
 * Security rules first: a route that would pull the overlay, our own
 * underlay or the paths to the other nodes into the tunnel breaks the mesh
 * itself, whatever acceptRoutes says.
 */
enum mesh_route_verdict subnet_judge(const struct mesh *m, const struct lsdb_record *r,
				 const struct prefix *dst)
{
	if (we_announce(m, dst))
		return MESH_ROUTE_OURS;
	if (dst->len == 0)
		return MESH_ROUTE_DEFAULT;
	if (prefix_touches_special(dst))
		return MESH_ROUTE_SPECIAL;
	if (prefix_overlaps(dst, &m->cfg.subnet))
		return MESH_ROUTE_OVERLAY;
	if (holds_any(dst, m->local, m->n_local))
		return MESH_ROUTE_OUR_UNDERLAY;
	/*
	 * Its public endpoint, where we reach it; not its local addresses: a
	 * subnet router's own address on the LAN it carries is inside it.
	 */
	if (r->has_reflexive && prefix_contains(dst, &r->reflexive.addr))
		return MESH_ROUTE_ITS_UNDERLAY;
	if (holds_static_endpoint(m, dst))
		return MESH_ROUTE_STATIC_ENDPOINT;
	if (!inside_accept_list(m, dst))
		return MESH_ROUTE_NOT_ACCEPTED;
	if (!member_allows_route(m, &r->id, dst))
		return MESH_ROUTE_NOT_CERTIFIED;
	return MESH_ROUTE_ACCEPTED;
}

static int seen_cmp(const void *pa, const void *pb)
{
	const struct subnet_seen *a = pa, *b = pb;
	int c = addr_cmp(&a->node, &b->node);

	if (c)
		return c;
	if (a->exit != b->exit)
		return a->exit ? 1 : -1;
	return prefix_cmp(&a->dst, &b->dst);
}

static bool same_announcement(const struct subnet_seen *a, const struct subnet_seen *b)
{
	return addr_eq(&a->node, &b->node) && a->boot == b->boot && a->exit == b->exit &&
	       prefix_eq(&a->dst, &b->dst);
}

static struct prefix any_v4(void)
{
	struct prefix p = { .len = 0 };

	p.addr.b[10] = p.addr.b[11] = 0xff;
	return p;
}

/* What every reachable node announces now, judged, sorted. */
static struct subnet_seen *collect(const struct mesh *m, size_t *n_out)
{
	size_t n = 0, cap = 0;
	struct subnet_seen *seen;

	for (size_t i = 0; i < lsdb_count(&m->db); i++) {
		const struct lsdb_record *r = lsdb_at(&m->db, i);
		cap += r->n_routes + ((r->flags & WIRE_NODE_EXIT) ? 1u : 0u);
	}
	seen = malloc((cap ? cap : 1) * sizeof(*seen));
	if (!seen)
		return NULL;
	for (size_t i = 0; i < lsdb_count(&m->db); i++) {
		const struct lsdb_record *r = lsdb_at(&m->db, i);
		if (addr_eq(&r->id, &m->cfg.id) || !r->route.reachable || (r->flags & WIRE_NODE_LEFT))
			continue;
		for (size_t k = 0; k < r->n_routes; k++)
			seen[n++] = (struct subnet_seen){
				.node = r->id, .boot = r->boot, .dst = r->routes[k],
				.verdict = (uint8_t)subnet_judge(m, r, &r->routes[k]),
			};
		if (r->flags & WIRE_NODE_EXIT)
			seen[n++] = (struct subnet_seen){
				.node = r->id, .boot = r->boot, .dst = any_v4(), .exit = true,
				.verdict = !m->cfg.allow_exit_nodes	      ? MESH_ROUTE_EXITS_OFF
					   : !member_allows_exit(m, &r->id) ? MESH_ROUTE_NOT_CERTIFIED
									     : MESH_ROUTE_ACCEPTED,
			};
	}
	qsort(seen, n, sizeof(*seen), seen_cmp);
	*n_out = n;
	return seen;
}

/* Refusals new since the last run (a new start, a new prefix): logged and counted once. */
static void tell_refusals(struct mesh *m, const struct subnet_seen *seen, size_t n)
{
	const struct subnet_state *old = &m->subnet;
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		const struct subnet_seen *s = &seen[i];
		const struct lsdb_record *r;
		char d[ADDR_STRLEN + 4];
		bool known = false;

		while (j < old->n_seen && seen_cmp(&old->seen[j], s) < 0)
			j++;
		if (j < old->n_seen && same_announcement(&old->seen[j], s))
			known = old->seen[j].verdict == s->verdict;
		if (known || s->verdict == MESH_ROUTE_ACCEPTED || s->verdict == MESH_ROUTE_OURS)
			continue;
		r = lsdb_get(&m->db, &s->node);
		m->subnet.refused++;
		m->ctr.drops[WIRE_DROP_REFUSED]++;
		mesh_log(m, MESH_LOG_WARN, "%s from %s refused: %s",
			 s->exit ? "exit node offer" : prefix_fmt(&s->dst, d, sizeof(d)),
			 r ? r->name : "?", mesh_route_verdict_name(s->verdict));
	}
}

/* An accepted route and its carrier's distance, for choosing per prefix. */
struct candidate {
	struct subnet_seen *s;
	uint32_t dist;
};

static int candidate_cmp(const void *pa, const void *pb)
{
	const struct candidate *a = pa, *b = pb;
	int c = prefix_cmp(&a->s->dst, &b->s->dst);

	if (c)
		return c;
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return addr_cmp(&a->s->node, &b->s->node);
}

static uint32_t dist_of(const struct mesh *m, const struct addr *node)
{
	return lsdb_get(&m->db, node)->route.dist;
}

/*
 * Of the accepted announcements of each prefix, the nearest carries it
 * (ties: the lower id): marked active, and listed by prefix in *active.
 */
static int choose_carriers(const struct mesh *m, struct subnet_seen *seen, size_t n,
			   struct subnet_route **active, size_t *n_active)
{
	struct candidate *c = malloc((n ? n : 1) * sizeof(*c));
	size_t k = 0, a = 0;

	*active = malloc((n ? n : 1) * sizeof(**active));
	if (!c || !*active) {
		free(c);
		free(*active);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i].exit && seen[i].verdict == MESH_ROUTE_ACCEPTED)
			c[k++] = (struct candidate){ &seen[i], dist_of(m, &seen[i].node) };
	qsort(c, k, sizeof(*c), candidate_cmp);
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && prefix_eq(&c[i].s->dst, &c[i - 1].s->dst))
			continue;
		c[i].s->active = true;
		(*active)[a++] = (struct subnet_route){ c[i].s->dst, c[i].s->node };
	}
	*n_active = a;
	free(c);
	return 0;
}

static bool nearer(const struct mesh *m, const struct subnet_seen *a, const struct subnet_seen *b)
{
	uint32_t da = dist_of(m, &a->node), db = dist_of(m, &b->node);

	return da != db ? da < db : addr_cmp(&a->node, &b->node) < 0;
}

/* A usable exit offer: accepted, and over a direct tunnel. */
static bool exit_usable(const struct mesh *m, const struct subnet_seen *s)
{
	const struct lsdb_record *r = lsdb_get(&m->db, &s->node);

	return s->exit && s->verdict == MESH_ROUTE_ACCEPTED && r &&
	       addr_eq(&r->route.first_hop, &r->id);
}

static struct subnet_seen *choose_exit(struct mesh *m, struct subnet_seen *seen, size_t n,
				       char *why, size_t why_len)
{
	struct subnet_seen *best = NULL;
	bool named_seen = false;

	why[0] = '\0';
	if (m->cfg.use_exit == MESH_EXIT_NONE)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct lsdb_record *r = lsdb_get(&m->db, &seen[i].node);
		if (!seen[i].exit)
			continue;
		if (m->cfg.use_exit == MESH_EXIT_NAMED) {
			if (!r || strcmp(r->name, m->cfg.use_exit_name) != 0)
				continue;
			named_seen = true;
		}
		if (exit_usable(m, &seen[i]) && (!best || nearer(m, &seen[i], best)))
			best = &seen[i];
	}
	if (best)
		best->active = true;
	else if (m->cfg.use_exit == MESH_EXIT_NAMED && !named_seen)
		snprintf(why, why_len, "%s offers no exit (not reachable, or not an exit node)",
			 m->cfg.use_exit_name);
	else if (!m->cfg.allow_exit_nodes)
		snprintf(why, why_len, "exit nodes are not allowed (network.allowExitNodes)");
	else
		snprintf(why, why_len, "no exit node reachable over a direct tunnel");
	return best;
}

static void tell_exit_change(struct mesh *m, const struct subnet_seen *chosen, const char *why)
{
	const struct subnet_state *old = &m->subnet;
	const struct lsdb_record *r = chosen ? lsdb_get(&m->db, &chosen->node) : NULL;
	const struct lsdb_record *was = old->has_exit ? lsdb_get(&m->db, &old->exit) : NULL;

	if (chosen && old->has_exit && addr_eq(&chosen->node, &old->exit))
		return;
	if (chosen)
		mesh_log(m, MESH_LOG_INFO, "using exit node %s%s%s", r->name,
			 old->has_exit ? " instead of " : "",
			 old->has_exit ? (was ? was->name : "a node gone") : "");
	else if (old->has_exit && !why[0])
		mesh_log(m, MESH_LOG_INFO, "exit node %s no longer used (useExitNode is off)",
			 was ? was->name : "gone");
	else if (old->has_exit)
		mesh_log(m, MESH_LOG_WARN, "exit node %s no longer usable: no exit node (%s)",
			 was ? was->name : "gone", why);
	else if (strcmp(why, old->exit_why) != 0 && why[0])
		mesh_log(m, MESH_LOG_INFO, "no exit node: %s", why);
}

static const char *node_name(const struct mesh *m, const struct addr *id)
{
	const struct lsdb_record *r = lsdb_get(&m->db, id);

	return r ? r->name : "a node gone";
}

/* Both lists sorted by dst: a new carrier, or none any more, is logged. */
static void tell_carrier_changes(struct mesh *m, const struct subnet_route *now, size_t n)
{
	const struct subnet_route *was = m->subnet.active;
	size_t i = 0, j = 0, n_was = m->subnet.n_active;
	char d[ADDR_STRLEN + 4];

	while (i < n || j < n_was) {
		int c = i == n ? 1 : j == n_was ? -1 : prefix_cmp(&now[i].dst, &was[j].dst);
		if (c < 0 || (c == 0 && !addr_eq(&now[i].node, &was[j].node)))
			mesh_log(m, MESH_LOG_INFO, "route %s via %s",
				 prefix_fmt(&now[i].dst, d, sizeof(d)), node_name(m, &now[i].node));
		else if (c > 0)
			mesh_log(m, MESH_LOG_INFO, "route %s withdrawn: no node carries it",
				 prefix_fmt(&was[j].dst, d, sizeof(d)));
		i += c <= 0;
		j += c >= 0;
	}
}

static void drop_lists(struct subnet_state *s)
{
	free(s->seen);
	free(s->active);
	s->seen = NULL;
	s->active = NULL;
	s->n_seen = s->n_active = 0;
}

int subnet_select(struct mesh *m)
{
	size_t n = 0, n_active = 0;
	struct subnet_seen *seen = collect(m, &n), *exit;
	struct subnet_route *active = NULL;
	char why[sizeof(m->subnet.exit_why)];

	if (!seen || choose_carriers(m, seen, n, &active, &n_active) < 0) {
		free(seen);
		return -ENOMEM;
	}
	tell_refusals(m, seen, n);
	exit = choose_exit(m, seen, n, why, sizeof(why));
	tell_exit_change(m, exit, why);
	tell_carrier_changes(m, active, n_active);
	drop_lists(&m->subnet);
	m->subnet.seen = seen;
	m->subnet.n_seen = n;
	m->subnet.active = active;
	m->subnet.n_active = n_active;
	m->subnet.has_exit = exit != NULL;
	if (exit)
		m->subnet.exit = exit->node;
	memcpy(m->subnet.exit_why, why, sizeof(why));
	return 0;
}

size_t mesh_routes(const struct mesh *m, struct mesh_route_status *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->cfg.n_routes; i++, n++)
		if (n < max)
			out[n] = (struct mesh_route_status){
				.dst = m->cfg.routes[i], .node = m->cfg.id, .ours = true,
				.verdict = MESH_ROUTE_OURS,
			};
	for (size_t i = 0; i < m->subnet.n_seen; i++, n++) {
		const struct subnet_seen *s = &m->subnet.seen[i];
		if (n < max)
			out[n] = (struct mesh_route_status){
				.dst = s->dst, .node = s->node, .exit = s->exit,
				.verdict = s->verdict, .active = s->active,
			};
	}
	return n;
}

void mesh_exit_status(const struct mesh *m, struct mesh_exit_status *out)
{
	memset(out, 0, sizeof(*out));
	out->use = (uint8_t)m->cfg.use_exit;
	memcpy(out->want, m->cfg.use_exit_name, sizeof(out->want));
	out->active = m->subnet.has_exit;
	out->node = m->subnet.exit;
	memcpy(out->why, m->subnet.exit_why, sizeof(out->why));
	out->offered = (m->cfg.flags & WIRE_NODE_EXIT) != 0;
	out->refused = m->subnet.refused;
}

int subnet_configure(struct mesh *m, const struct mesh_config *c)
{
	struct prefix *accept = malloc((c->n_accept_routes ? c->n_accept_routes : 1) *
				       sizeof(*accept));
	size_t n_routes = c->n_routes < WIRE_MAX_ROUTES ? c->n_routes : WIRE_MAX_ROUTES;

	if (!accept)
		return -ENOMEM;
	if (c->n_accept_routes)
		memcpy(accept, c->accept_routes, c->n_accept_routes * sizeof(*accept));
	free(m->subnet.accept);
	m->subnet.accept = accept;
	m->cfg.accept_routes = accept;
	m->cfg.n_accept_routes = c->n_accept_routes;
	m->cfg.n_routes = n_routes;
	memcpy(m->cfg.routes, c->routes, n_routes * sizeof(c->routes[0]));
	m->cfg.flags = (m->cfg.flags & ~WIRE_NODE_EXIT) | (c->flags & WIRE_NODE_EXIT);
	m->cfg.allow_exit_nodes = c->allow_exit_nodes;
	m->cfg.use_exit = c->use_exit;
	memcpy(m->cfg.use_exit_name, c->use_exit_name, sizeof(m->cfg.use_exit_name));
	m->own_dirty = true;
	m->routes_dirty = true;
	return 0;
}

void subnet_free(struct subnet_state *s)
{
	drop_lists(s);
	free(s->accept);
	s->accept = NULL;
}
