/*
 * Forwarding state: from the link-state database to WireGuard peers and
 * kernel routes.
 *
 * Model. After any change to the graph (a record stored, an adjacency up
 * or down) the core runs shortest paths from this node over the edges that
 * both ends claim (spf.c). Every reachable node then has exactly one first
 * hop, a neighbour of ours, and its address goes into that neighbour's
 * AllowedIPs and nowhere else; every reachable node gets a host route into
 * the WireGuard interface. What was installed before is remembered here, so
 * only differences leave the core: one PEER_SET for a peer whose AllowedIPs,
 * endpoint or keepalive changed, one ROUTE_ADD/DEL per route.
 *
 * Symmetry. WireGuard accepts a packet only from the peer whose AllowedIPs
 * hold the packet's source, so the path from B to A must be the reverse of
 * the path from A to B. Edge costs are symmetric (spf takes the larger of
 * the two claims) and each edge cost carries a small tie-breaker derived
 * from the unordered pair of ids, so equal-cost paths are rare and both
 * ends choose the same one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"
#include "core/spf.h"

#define TIEBREAK_BITS 10

/* A stable per-edge number in [0, 1024), the same seen from both ends. */
static uint32_t pair_tiebreak(const struct addr *a, const struct addr *b)
{
	const struct addr *lo = addr_cmp(a, b) < 0 ? a : b;
	const struct addr *hi = lo == a ? b : a;
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++) {
		h = (h ^ lo->b[i]) * 16777619u;
		h = (h ^ hi->b[i]) * 16777619u;
	}
	return (h ^ (h >> 16)) & ((1u << TIEBREAK_BITS) - 1);
}

static uint32_t edge_cost(uint16_t cost, const struct addr *a, const struct addr *b)
{
	uint32_t c = cost ? cost : 1;

	if (c > MESH_COST_MAX)
		c = MESH_COST_MAX;
	return (c << TIEBREAK_BITS) | pair_tiebreak(a, b);
}

/* Node index in the spf graph: self is 0, the rest in table order. */
static uint32_t spf_index(long pos, long self_pos)
{
	if (pos == self_pos)
		return 0;
	return (uint32_t)(pos < self_pos ? pos + 1 : pos);
}

static struct lsdb_record *record_of_index(const struct mesh *m, uint32_t idx, long self_pos)
{
	long pos;

	if (idx == 0)
		pos = self_pos;
	else
		pos = (long)idx <= self_pos ? (long)idx - 1 : (long)idx;
	return lsdb_at(&m->db, (size_t)pos);
}

struct graph {
	uint32_t n;
	uint32_t *flags;
	struct spf_edge *edges;
	size_t n_edges;
	struct spf_result *res;
};

static void graph_free(struct graph *g)
{
	free(g->flags);
	free(g->edges);
	free(g->res);
}

static int graph_build(const struct mesh *m, long self_pos, struct graph *g)
{
	size_t n = lsdb_count(&m->db), cap = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		cap += lsdb_at(&m->db, i)->n_neigh;
	g->n = (uint32_t)n;
	/* n >= 1 (our own record), but calloc(0) may return NULL: never ask for it */
	g->flags = calloc(n ? n : 1, sizeof(*g->flags));
	g->edges = malloc((cap ? cap : 1) * sizeof(*g->edges));
	g->res = calloc(n ? n : 1, sizeof(*g->res));
	if (!g->flags || !g->edges || !g->res)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct lsdb_record *r = lsdb_at(&m->db, i);
		uint32_t from = spf_index((long)i, self_pos);

		if (r->flags & WIRE_NODE_NO_TRANSIT)
			g->flags[from] |= SPF_NO_TRANSIT;
		for (size_t j = 0; j < r->n_neigh; j++) {
			long to = lsdb_index(&m->db, &r->neigh[j].id);
			if (to < 0 || to == (long)i)
				continue;
			g->edges[k++] = (struct spf_edge){
				.from = from,
				.to = spf_index(to, self_pos),
				.cost = edge_cost(r->neigh[j].cost, &r->id, &r->neigh[j].id),
			};
		}
	}
	g->n_edges = k;
	return 0;
}

/* Store the result with each record; note path changes. */
static void record_paths(struct mesh *m, const struct graph *g, long self_pos)
{
	for (uint32_t i = 0; i < g->n; i++) {
		struct lsdb_record *r = record_of_index(m, i, self_pos);
		const struct spf_result *res = &g->res[i];
		struct lsdb_route nr = { .reachable = res->dist != SPF_UNREACHABLE };

		if (nr.reachable) {
			nr.dist = res->dist >> TIEBREAK_BITS;
			nr.first_hop = record_of_index(m, res->first_hop, self_pos)->id;
		}
		if (nr.reachable != r->route.reachable ||
		    !addr_eq(&nr.first_hop, &r->route.first_hop)) {
			nr.since = m->now;
			if (i != 0)
				m->ctr.route_changes++;
		} else {
			nr.since = r->route.since;
		}
		r->route = nr;
	}
}

static int prefix_sort_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* Desired WireGuard state of one neighbour. */
struct want {
	uint32_t flags;
	struct endpoint ep;
	uint16_t keepalive;
	bool answer;		/* a fresh peer that waits for the other's initiation */
	size_t n;
	struct prefix *allowed;	/* nodes' host routes and the subnets they carry */
};

static bool behind_nat(const struct mesh *m, const struct mesh_peer *p)
{
	if (!p->adj.has_observed_me || !m->local_known)
		return true; /* assume the worst: a keepalive costs little */
	for (size_t i = 0; i < m->n_local; i++)
		if (addr_eq(&m->local[i], &p->adj.observed_me.addr))
			return false;
	return true;
}

bool fib_claimed(const struct mesh_peer *p)
{
	return p->adj.up && p->has_info && p->fib.on && p->fib.handshake &&
	       memcmp(p->fib.key, p->pubkey, WIRE_KEY_LEN) == 0;
}

/* Is the peer in WireGuard as it is to stay (this key, no new trial due)? */
static bool installed_as_is(const struct mesh_peer *p)
{
	return p->fib.on && p->fib.trial == p->wg_trial &&
	       memcmp(p->fib.key, p->pubkey, WIRE_KEY_LEN) == 0;
}

/* Are we the side of this pair that initiates the first handshake? */
/*
 * Punching through NAT: each side's first initiation is normally dropped by
 * the other's NAT and only opens its own, so both initiate at once (a wait
 * would only delay the one that passes); a crossing, when both NATs happen
 * to be open already, is undone by the trial's re-creation every 2 s.
 */
static bool both_initiate(const struct mesh_peer *p)
{
	return p->direct.phase == DIRECT_TRYING && p->direct.kind == WIRE_PATH_NAT;
}

/*
 * A new peer's first handshake. A keepalive setting makes WireGuard
 * initiate at once. If both sides initiate within a round trip, each
 * answers the other's initiation, which replaces its own handshake state,
 * so both responses are refused and neither side has a session until
 * WireGuard retries after 5 s. So one side initiates (mesh_we_initiate: the
 * unlisted node toward a listed one, else the lower address), and the
 * other installs without keepalive and waits for it.
 *
 * A neighbour: the initiator waits until the neighbour has confirmed us
 * (its hello says so, or it sends us anything else), since only then has
 * it installed our key; an initiation before that would be dropped. The
 * answering side initiates itself only if nothing came within
 * MESH_NEIGH_ANSWER_WAIT_MS plus four round trips. Whoever initiates and
 * has no handshake MESH_HS_RETRY_MS plus three round trips later
 * re-creates the peer, which makes WireGuard initiate afresh (it would
 * retry only after 5 s): a lost initiation, a lost response, or one that
 * came before the other side was ready costs a retry, not five seconds.
 *
 * A direct trial (no admin session): one side initiates at once, the
 * other after MESH_ANSWER_WAIT_MS plus two round trips; trials through
 * NAT have both initiate (both_initiate) and re-create themselves
 * (direct.c).
 *
 * After the handshake the keepalive policy of the edge applies. After
 * roaming every peer is kicked once (MESH_PEER_KICK).
 */
static void kick(const struct mesh *m, const struct mesh_peer *p, struct want *w)
{
	bool fresh = !installed_as_is(p), initiate;

	if (p->fib.handshake && !fresh)
		return;
	if (p->adj.up)
		initiate = mesh_we_initiate(m, p) ? p->adj.peer_has_us
						 : !fresh && m->now >= p->fib.answer_until;
	else
		initiate = both_initiate(p) || mesh_we_initiate(m, p) ||
			   (!fresh && m->now >= p->fib.answer_until);
	if (!initiate) {
		w->keepalive = 0;
		w->answer = !mesh_we_initiate(m, p);
		return;
	}
	if (w->keepalive == 0)
		w->keepalive = 1;
}

static void want_of(const struct mesh *m, const struct mesh_peer *p, struct want *w)
{
	w->flags = 0;
	w->keepalive = 0;
	w->answer = false;
	memset(&w->ep, 0, sizeof(w->ep));
	if (direct_wants_peer(p, &w->ep, &w->keepalive)) {
		/*
		 * A LAN or NAT path (direct.c): a trial's candidate goes into
		 * its new peer; once the edge is up WireGuard's endpoint
		 * follows the other side (roaming), and setting ours again,
		 * sampled up to a second ago, could undo that.
		 */
		if (p->direct.phase == DIRECT_UP && installed_as_is(p))
			memset(&w->ep, 0, sizeof(w->ep));
		else
			w->flags |= MESH_PEER_HAS_ENDPOINT;
		kick(m, p, w);
		return;
	}
	if (p->is_static && p->static_resolved) {
		w->flags |= MESH_PEER_HAS_ENDPOINT;
		w->ep = p->static_wg;
		/* we reach it at a fixed address; from behind NAT keep the mapping open */
		if (behind_nat(m, p))
			w->keepalive = MESH_NAT_KEEPALIVE_S;
	} else if (p->has_admin_ep) {
		/*
		 * A guess: its WireGuard port at the address its admin packets
		 * come from. Right for public nodes; behind NAT the peer's own
		 * handshakes correct it (WireGuard roams to the true source).
		 * So the guess goes only into a new peer: set again with new
		 * AllowedIPs it would undo the roaming, and a sampled endpoint
		 * may be older than WireGuard's own.
		 */
		if (!installed_as_is(p)) {
			w->flags |= MESH_PEER_HAS_ENDPOINT;
			w->ep.addr = p->admin_ep.addr;
			w->ep.port = p->wg_port;
		}
	}
	kick(m, p, w);
}

static bool same_allowed(const struct mesh_peer *p, const struct want *w)
{
	return p->fib.n_allowed == w->n &&
	       (w->n == 0 || memcmp(p->fib.allowed, w->allowed, w->n * sizeof(*w->allowed)) == 0);
}

/*
 * The round trip to it: a neighbour's probes measure it; a direct path's
 * handshakes do (direct.c; a LAN candidate's is short whatever was measured
 * through NAT).
 */
static uint32_t peer_rtt(const struct mesh_peer *p)
{
	if (p->adj.up)
		return p->adj.srtt_ms;
	return p->direct.kind == WIRE_PATH_LAN ? 0 : p->direct.rtt_ms;
}

static void emit_peer_set(struct mesh *m, struct mesh_peer *p, struct want *w)
{
	struct mesh_action *a;
	struct prefix *allowed = NULL;
	struct prefix *kept = NULL;

	if (w->n) {
		allowed = malloc(w->n * sizeof(*allowed));
		kept = malloc(w->n * sizeof(*kept));
		if (!allowed || !kept) {
			free(allowed);
			free(kept);
			return; /* retried on the next update: installed state unchanged */
		}
		memcpy(allowed, w->allowed, w->n * sizeof(*allowed));
		memcpy(kept, w->allowed, w->n * sizeof(*kept));
	}
	a = mesh_push(m, MESH_ACT_PEER_SET);
	if (!a) {
		free(allowed);
		free(kept);
		return;
	}
	memcpy(a->u.peer.pubkey, p->pubkey, WIRE_KEY_LEN);
	a->u.peer.flags = w->flags;
	a->u.peer.endpoint = w->ep;
	a->u.peer.keepalive = w->keepalive;
	a->u.peer.n_allowed = w->n;
	a->u.peer.allowed = allowed;
	p->fib.trial = p->wg_trial;
	if (!p->fib.on) {
		/* a fresh peer in WireGuard: its counters start at zero */
		p->fib.handshake = false;
		p->fib.answer_until = !w->answer ? 0
				     : p->adj.up   ? m->now + MESH_NEIGH_ANSWER_WAIT_MS + 4u * peer_rtt(p)
						: m->now + MESH_ANSWER_WAIT_MS + 2u * peer_rtt(p);
	}
	/* initiating a neighbour's first handshake: retry it if none comes */
	if (p->adj.up && !p->fib.handshake && w->keepalive && !p->fib.retry_at) {
		p->fib.retry_ms = MESH_HS_RETRY_MS + 3u * p->adj.srtt_ms;
		p->fib.retry_at = m->now + p->fib.retry_ms;
	}
	p->fib.on = true;
	memcpy(p->fib.key, p->pubkey, WIRE_KEY_LEN);
	p->fib.flags = w->flags;
	p->fib.ep = w->ep;
	p->fib.keepalive = w->keepalive;
	free(p->fib.allowed);
	p->fib.allowed = kept;
	p->fib.n_allowed = w->n;
}

static void emit_peer_remove(struct mesh *m, struct mesh_peer *p)
{
	struct mesh_action *a = mesh_push(m, MESH_ACT_PEER_REMOVE);

	if (!a)
		return;
	memcpy(a->u.peer.pubkey, p->fib.key, WIRE_KEY_LEN);
	fib_peer_forget(p);
}

void fib_peer_forget(struct mesh_peer *p)
{
	p->fib.on = false;
	p->fib.handshake = false;
	free(p->fib.allowed);
	p->fib.allowed = NULL;
	p->fib.n_allowed = 0;
}

/*
 * The device keys its peers by public key: a node announcing a key that
 * another installed peer (or we) hold would, if installed, take that peer
 * over (its allowed IPs replaced, and removed with the claimant). Only a
 * holder of the shared key can announce one, and a key it does not hold
 * the private half of can never complete a handshake: the first holder
 * keeps it, the claimant is not installed, and the operator is told once.
 */
static bool key_held_by_another(struct mesh *m, struct mesh_peer *p)
{
	const struct mesh_peer *holder = NULL;
	char s[ADDR_STRLEN];

	if (memcmp(p->pubkey, m->cfg.pubkey, WIRE_KEY_LEN) != 0)
		for (size_t i = 0; i < m->peers.n && !holder; i++) {
			const struct mesh_peer *q = m->peers.items[i];
			if (q != p && q->fib.on && memcmp(q->fib.key, p->pubkey, WIRE_KEY_LEN) == 0)
				holder = q;
		}
	else
		holder = p; /* our own key */
	if (holder && !p->fib.key_clash) {
		mesh_log(m, MESH_LOG_WARN,
			 "%s (%s) announces the WireGuard key of %s: not installing it", p->name,
			 addr_fmt(&p->id, s, sizeof(s)), holder == p ? "this node" : holder->name);
	}
	p->fib.key_clash = holder != NULL;
	return holder != NULL;
}

/* Bring one neighbour's WireGuard peer in line with what we want. */
static void sync_peer(struct mesh *m, struct mesh_peer *p, struct want *w)
{
	struct endpoint ep;
	uint16_t ka;
	bool want_on = !m->leaving && ((p->adj.up && p->has_info) || direct_wants_peer(p, &ep, &ka));

	if (want_on && !(p->fib.on && memcmp(p->fib.key, p->pubkey, WIRE_KEY_LEN) == 0))
		want_on = !key_held_by_another(m, p);

	/* gone, restarted with a new key, or a new trial that needs a fresh handshake */
	if (p->fib.on && (!want_on || memcmp(p->fib.key, p->pubkey, WIRE_KEY_LEN) != 0 ||
			 p->fib.trial != p->wg_trial))
		emit_peer_remove(m, p);
	if (!want_on)
		return;
	qsort(w->allowed, w->n, sizeof(*w->allowed), prefix_sort_cmp);
	if (p->fib.kick && p->fib.on) {
		w->flags |= MESH_PEER_KICK;
		mesh_log(m, MESH_LOG_DEBUG, "kicking the WireGuard peer for %s (keepalive %u s)",
			 p->name, w->keepalive);
	}
	p->fib.kick = false;
	if (!p->fib.on || (w->flags & MESH_PEER_KICK) || p->fib.flags != w->flags ||
	    !endpoint_eq(&p->fib.ep, &w->ep) || p->fib.keepalive != w->keepalive ||
	    !same_allowed(p, w)) {
		emit_peer_set(m, p, w);
		p->fib.flags &= ~MESH_PEER_KICK; /* a one-off, not a state */
	}
}

/*
 * Every destination this node routes, with the peer it goes to: each
 * reachable node's host route, each subnet route to the first hop toward
 * its carrier, and the default route to the exit node in use. Sorted by
 * prefix. The same list makes the kernel routes and the AllowedIPs.
 */
struct dest {
	struct prefix dst;
	long hop;		/* index in m->peers, -1 if not a peer of ours */
};

static int dest_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct dest *)a)->dst, &((const struct dest *)b)->dst);
}

static long hop_toward(const struct mesh *m, const struct addr *node)
{
	const struct lsdb_record *r = lsdb_get(&m->db, node);

	if (!r || !r->route.reachable)
		return -1;
	return idtab_index(&m->peers, &r->route.first_hop);
}

static struct dest *destinations(const struct mesh *m, size_t *n_out)
{
	size_t nr = lsdb_count(&m->db), n = 0;
	size_t cap = nr + m->subnet.n_active + 1;
	struct dest *d = malloc(cap * sizeof(*d));

	if (!d)
		return NULL;
	for (size_t k = 0; k < nr && !m->leaving; k++) {
		const struct lsdb_record *r = lsdb_at(&m->db, k);
		if (r->route.reachable && !addr_eq(&r->id, &m->cfg.id))
			d[n++] = (struct dest){ prefix_host(&r->id),
						idtab_index(&m->peers, &r->route.first_hop) };
	}
	for (size_t k = 0; k < m->subnet.n_active && !m->leaving; k++)
		d[n++] = (struct dest){ m->subnet.active[k].dst,
					hop_toward(m, &m->subnet.active[k].node) };
	if (m->subnet.has_exit && !m->leaving) {
		struct prefix any = prefix_host(&m->subnet.exit);
		any.len = 0;
		prefix_mask(&any);
		d[n++] = (struct dest){ any, hop_toward(m, &m->subnet.exit) };
	}
	qsort(d, n, sizeof(*d), dest_cmp);
	*n_out = n;
	return d;
}

/*
 * Group the destinations by peer: one array of all of them grouped by
 * first hop (a hub has as many neighbours as there are nodes, so an array
 * per neighbour would cost O(n^2) per run).
 */
static int sync_peers(struct mesh *m, const struct dest *d, size_t nd)
{
	size_t np = m->peers.n, off = 0;
	struct want *want = calloc(np ? np : 1, sizeof(*want));
	struct prefix *all = malloc((nd ? nd : 1) * sizeof(*all));
	int err = 0;

	if (!want || !all) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nd; i++)
		if (d[i].hop >= 0)
			want[d[i].hop].n++;
	for (size_t i = 0; i < np; i++) {
		want_of(m, m->peers.items[i], &want[i]);
		want[i].allowed = all + off;
		off += want[i].n;
		want[i].n = 0;
	}
	for (size_t i = 0; i < nd; i++)
		if (d[i].hop >= 0)
			want[d[i].hop].allowed[want[d[i].hop].n++] = d[i].dst;
	/* removals first, so an address never sits on two peers at once */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < np; i++) {
			struct mesh_peer *p = m->peers.items[i];
			bool shrinking = p->fib.on && want[i].n <= p->fib.n_allowed;
			if ((pass == 0) == shrinking)
				sync_peer(m, p, &want[i]);
		}
	}
out:
	free(all);
	free(want);
	return err;
}

/* Kernel routes: a route for every destination with a peer to carry it. */
static void sync_routes(struct mesh *m, const struct dest *d, size_t nd)
{
	struct prefix *want = malloc((nd ? nd : 1) * sizeof(*want));
	size_t i = 0, j = 0, n = 0;

	if (!want)
		return;
	for (size_t k = 0; k < nd; k++)
		if (d[k].hop >= 0 || d[k].dst.len == (addr_is_v4(&d[k].dst.addr) ? 32 : 128))
			want[n++] = d[k].dst;
	/* merge two sorted lists: what to add, what to delete */
	while (i < n || j < m->n_kroutes) {
		int c = i == n ? 1 : j == m->n_kroutes ? -1 : prefix_cmp(&want[i], &m->kroutes[j]);
		struct mesh_action *a;
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		a = mesh_push(m, c < 0 ? MESH_ACT_ROUTE_ADD : MESH_ACT_ROUTE_DEL);
		if (a)
			a->u.route.dst = c < 0 ? want[i] : m->kroutes[j];
		if (c < 0)
			i++;
		else
			j++;
	}
	free(m->kroutes);
	m->kroutes = want;
	m->n_kroutes = n;
}

int fib_update(struct mesh *m)
{
	long self_pos = lsdb_index(&m->db, &m->cfg.id);
	struct graph g = { 0 };
	int err;

	if (self_pos < 0)
		return -ENOENT;
	err = graph_build(m, self_pos, &g);
	if (!err) {
		struct spf_graph sg = {
			.n_nodes = g.n, .node_flags = g.flags, .n_edges = g.n_edges, .edges = g.edges,
		};
		err = spf_run(&sg, g.res);
		m->ctr.spf_runs++;
		m->ctr.spf_at = m->now;
	}
	if (!err) {
		struct dest *d;
		size_t nd = 0;

		record_paths(m, &g, self_pos);
		err = subnet_select(m);
		d = err ? NULL : destinations(m, &nd);
		if (!err && !d)
			err = -ENOMEM;
		if (!err)
			err = sync_peers(m, d, nd);
		if (!err)
			sync_routes(m, d, nd);
		free(d);
	}
	graph_free(&g);
	if (!err)
		m->routes_dirty = false;
	return err;
}

void fib_peer_timers(struct mesh *m, struct mesh_peer *p)
{
	/* a fresh peer's initiation did not come: initiate ourselves (kick) */
	if (p->fib.answer_until && m->now >= p->fib.answer_until) {
		p->fib.answer_until = 0;
		if (p->fib.on && !p->fib.handshake)
			m->routes_dirty = true;
	}
}

/*
 * A neighbour's first handshake did not come: a fresh peer (WireGuard
 * initiates again at once), with the wait doubled and jittered so that two
 * sides out of step do not keep crossing. Only on a sample that shows no
 * handshake: on a timer it could destroy a session completed since the
 * last sample (the other side, having sent its first data on it, would
 * then send into a peer that no longer has its keys).
 */
void fib_on_sample(struct mesh *m, struct mesh_peer *p, bool handshake)
{
	if (!p->fib.retry_at || m->now < p->fib.retry_at)
		return;
	if (handshake || !p->adj.up || !p->fib.on || p->fib.handshake) {
		p->fib.retry_at = 0;
		return;
	}
	mesh_log(m, MESH_LOG_DEBUG, "no WireGuard handshake with %s after %u ms: initiating again",
		 p->name, p->fib.retry_ms);
	mesh_peer_fresh(p);
	p->fib.retry_ms = p->fib.retry_ms * 2 > MESH_HS_RETRY_MAX_MS ? MESH_HS_RETRY_MAX_MS
								 : p->fib.retry_ms * 2;
	p->fib.retry_at = m->now + p->fib.retry_ms * 3 / 4 + mesh_random(m) % (p->fib.retry_ms / 2 + 1);
	m->routes_dirty = true;
}

static void kick_all(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++)
		((struct mesh_peer *)m->peers.items[i])->fib.kick = true;
	m->routes_dirty = true;
}

/*
 * Roaming: a keepalive to every peer from the new address makes their
 * WireGuard follow us. The first may find no route yet (an address comes
 * before its default route; the packet is lost, "network is unreachable"),
 * and the next would be a persistent keepalive 25 s later: so kick again
 * after 1, 2 and 4 s.
 */
void fib_roamed(struct mesh *m)
{
	kick_all(m);
	m->roam_kicks = 0;
	m->roam_kick_at = m->now + MESH_ROAM_KICK_MS;
}

void fib_timers(struct mesh *m)
{
	if (!m->roam_kick_at || m->now < m->roam_kick_at)
		return;
	kick_all(m);
	m->roam_kicks++;
	m->roam_kick_at = m->roam_kicks < MESH_ROAM_KICKS
				  ? m->now + ((uint64_t)MESH_ROAM_KICK_MS << m->roam_kicks)
				  : 0;
}

uint64_t fib_next_timer(const struct mesh *m)
{
	return m->roam_kick_at ? m->roam_kick_at : UINT64_MAX;
}

void fib_on_handshake(struct mesh *m, struct mesh_peer *p)
{
	if (p->fib.handshake)
		return;
	p->fib.handshake = true;
	p->fib.retry_at = 0;
	m->own_dirty = true;	/* the adjacency can be claimed now */
	m->routes_dirty = true; /* and the kick's keepalive can go */
}

uint64_t fib_peer_next_timer(const struct mesh_peer *p)
{
	return p->fib.answer_until ? p->fib.answer_until : UINT64_MAX;
}

void fib_withdraw_all(struct mesh *m)
{
	m->leaving = true;
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (p->fib.on)
			emit_peer_remove(m, p);
	}
	sync_routes(m, NULL, 0);
}
