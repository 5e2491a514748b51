/*
 * The mesh core: who is in the network and how to reach them.
 *
 * This file holds the entry points (events in, actions out), the node
 * table, the action list and our own link-state record. The parts:
 *
 *   adj.c     adjacencies: hello and challenge, claims of an address,
 *             probes and round trips, costs
 *   flood.c   records: flooding, reconciliation by digests
 *   fib.c     shortest paths -> WireGuard peers and kernel routes
 *   direct.c  LAN shortcuts and NAT traversal to non-neighbours
 *
 * Link state. Every change of our adjacencies (and of our addresses or
 * reflexive endpoint) originates a new version of our record, at most one
 * per MESH_ORIGINATE_GAP_MS; flood.c spreads records and reconciles
 * databases by summaries carried in probes. Paths are recomputed after
 * every change (fib.c), at most once per MESH_SPF_GAP_MS, so nothing waits
 * for a periodic timer when an event can act.
 *
 * Bounds. At most cfg.max_nodes nodes (records, peers and tombstones
 * alike); an unauthenticated datagram creates no state at all (adj.c);
 * what one datagram makes us send is bounded (flood.c, adj.c). Counters of
 * everything are kept for the status view.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

#define MESH_SPF_GAP_MS 50		/* at most one route computation per this */

/*
 * When routes may be computed again. A node that stores every record of a
 * thousand-node mesh in turn would otherwise run shortest paths over the
 * whole graph once per record: O(n^2 log n) per node while the mesh
 * forms. The first change after a quiet spell is still acted on at once.
 */
static uint64_t spf_due(const struct mesh *m)
{
	return m->ctr.spf_runs ? m->ctr.spf_at + MESH_SPF_GAP_MS : 0;
}

static void finish(struct mesh *m)
{
	if (m->leaving)
		return;
	self_apply_newer(m);
	if (m->own_dirty && m->now >= self_originate_due(m))
		self_originate(m);
	if (m->routes_dirty && m->now >= spf_due(m)) {
		if (fib_update(m) < 0)
			mesh_log(m, MESH_LOG_WARN, "route computation failed (out of memory?)");
		/* reachability changed: which direct paths to try, or to stop */
		direct_update_all(m);
		if (m->own_dirty && m->now >= self_originate_due(m))
			self_originate(m);
		if (m->routes_dirty && m->now >= spf_due(m) && fib_update(m) < 0)
			mesh_log(m, MESH_LOG_WARN, "route computation failed (out of memory?)");
	}
}

/*
 * Nodes a revocation named (member.c lists them): their adjacency goes,
 * their record goes everywhere (a tombstone keeps copies out), and routes
 * and WireGuard peers follow at the next computation.
 */
static void cut_revoked(struct mesh *m)
{
	for (size_t i = 0; i < m->member.n_cut; i++) {
		const struct addr *id = &m->member.cut[i];
		struct mesh_peer *p = mesh_peer_get(m, id);

		if (p && p->adj.up)
			adj_down(m, p, "its certificate was revoked");
		if (lsdb_get(&m->db, id)) {
			lsdb_drop(&m->db, id, m->now, MESH_TOMB_MS);
			m->routes_dirty = true;
		}
	}
	m->member.n_cut = 0;
}

/* ---- events ---- */

void mesh_on_packet(struct mesh *m, uint64_t now, const struct endpoint *from,
		    const struct wire_msg *msg)
{
	const struct wire_header *h = &msg->hdr;
	struct mesh_peer *p;
	bool came_up = false;

	m->now = now;
	if (m->leaving)
		return;
	if (addr_eq(&h->sender, &m->cfg.id)) {
		m->ctr.drops[WIRE_DROP_SELF]++;
		return;
	}
	/* from UDP port 0 (or no address): nothing we send could answer it */
	if (!endpoint_sendable(from)) {
		m->ctr.drops[WIRE_DROP_REFUSED]++;
		return;
	}
	if (!prefix_contains(&m->cfg.subnet, &h->sender)) {
		mesh_refuse(m, &h->sender, "a packet from outside the subnet");
		return;
	}
	p = adj_on_packet(m, from, msg, &came_up);
	if (p) {
		if (came_up) {
			flood_adjacency_up(m, p);
			member_adjacency_up(m, p);
		}
		switch ((enum wire_type)h->type) {
		case WIRE_HELLO:
		case WIRE_HELLO_REPLY:
			flood_on_hello(m, p, msg);
			break;
		case WIRE_PING:
		case WIRE_PONG:
			flood_on_summary(m, p, msg);
			break;
		case WIRE_RECORD:
			flood_on_record(m, p, msg);
			break;
		case WIRE_DIGEST:
			flood_on_digest(m, p, &msg->u.digest);
			break;
		case WIRE_REQUEST:
			flood_on_request(m, p, &msg->u.digest);
			break;
		case WIRE_CERT:
			if (member_on_cert(m, msg))
				flood_request_record(m, p, &msg->u.cert.addr);
			break;
		case WIRE_CERT_REQUEST:
			member_on_cert_request(m, p, msg);
			break;
		case WIRE_REVOKE:
			member_on_revoke(m, p, msg);
			break;
		case WIRE_LEAVE:
			break;
		}
	}
	cut_revoked(m);
	finish(m);
}

void mesh_on_drop(struct mesh *m, enum wire_drop why)
{
	if ((unsigned)why < WIRE_DROP__COUNT)
		m->ctr.drops[why]++;
}

static bool stranger_expired(const struct mesh *m, const struct mesh_peer *p)
{
	uint64_t last = p->adj.last_rx > p->created ? p->adj.last_rx : p->created;

	return !p->is_static && !p->adj.up && !p->fib.on && p->direct.phase == DIRECT_IDLE &&
	       m->now - last >= MESH_STRANGER_MS;
}

static void collect_garbage(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n;) {
		struct mesh_peer *p = m->peers.items[i];
		if (stranger_expired(m, p)) {
			mesh_peer_free(idtab_remove(&m->peers, &p->id));
			continue;
		}
		i++;
	}
	for (size_t i = 0; i < lsdb_count(&m->db);) {
		struct lsdb_record *r = lsdb_at(&m->db, i);
		if (!r->route.reachable && !addr_eq(&r->id, &m->cfg.id) &&
		    m->now - r->route.since >= MESH_GC_MS) {
			lsdb_drop(&m->db, &r->id, m->now, MESH_TOMB_MS);
			m->routes_dirty = true;
			continue;
		}
		i++;
	}
	lsdb_expire(&m->db, m->now);
	reasm_expire(&m->reasm, m->now);
}

void mesh_on_timer(struct mesh *m, uint64_t now)
{
	m->now = now;
	if (m->leaving)
		return;

	for (size_t i = 0; i < m->peers.n; i++) {
		adj_timers(m, m->peers.items[i]);
		flood_timers(m, m->peers.items[i]);
		fib_peer_timers(m, m->peers.items[i]);
	}
	adj_lan_hello_timer(m);
	fib_timers(m);
	member_timers(m);
	seed_timers(m);
	direct_update_all(m);
	finish(m);
	collect_garbage(m);
	finish(m);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t mesh_next_timer(const struct mesh *m)
{
	/* garbage collection and reassembly expiry need no more than this */
	uint64_t t = m->now + 5000;

	if (m->leaving)
		return UINT64_MAX;
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		t = min_u64(t, adj_next_timer(m, p));
		t = min_u64(t, flood_next_timer(p));
		t = min_u64(t, fib_peer_next_timer(p));
		t = min_u64(t, direct_next_timer(m, p));
	}
	t = min_u64(t, fib_next_timer(m));
	t = min_u64(t, seed_next_timer(m));
	if (m->own_dirty)
		t = min_u64(t, self_originate_due(m));
	if (m->routes_dirty)
		t = min_u64(t, spf_due(m));
	if (m->cfg.lan_discovery && m->n_local && !adj_any(m))
		t = min_u64(t, m->lan_hello_at);
	return t;
}

void mesh_on_wg_stats(struct mesh *m, uint64_t now, const struct mesh_wg_stats *s, size_t n)
{
	m->now = now;
	if (m->leaving)
		return;
	sample_on_stats(m, s, n);
	finish(m);
}

/* ---- setup and inputs from the host ---- */

struct mesh *mesh_new(const struct mesh_config *cfg, uint64_t now)
{
	struct mesh *m;

	if (!cfg->mac64 || !cfg->random64) {
		errno = EINVAL; /* no challenges without a secret */
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	if (m->cfg.max_nodes > MESH_MAX_NODES_LIMIT)
		m->cfg.max_nodes = MESH_MAX_NODES_LIMIT;
	m->cookie.mac = cfg->mac64;
	m->cookie.arg = cfg->mac_arg;
	m->now = now;
	m->started = now;
	m->chal_at = now;
	m->chal_tokens = (uint64_t)MESH_CHALLENGE_BURST * 1000;
	/*
	 * With static peers, give them a moment first: LAN hellos are for when
	 * nobody answers. Fifty nodes on one LAN all "alone" in their first
	 * milliseconds would otherwise pair up all at once.
	 */
	m->lan_hello_at = now + (cfg->n_static ? MESH_LAN_HELLO_WAIT_MS : 0) +
			  mesh_random(m) % MESH_LAN_HELLO_JITTER_MS;
	m->lan_hello_backoff = MESH_LAN_HELLO_FIRST_MS;
	lsdb_init(&m->db);
	m->db.max_tombs = mesh_max_nodes(m);
	reasm_init(&m->reasm);
	m->cfg.statics = NULL; /* node.c keeps its own copy */
	m->cfg.n_static = 0;
	m->cfg.accept_routes = NULL; /* subnet.c too */
	m->cfg.n_accept_routes = 0;
	if (node_set_statics(m, cfg->statics, cfg->n_static) < 0 || subnet_configure(m, cfg) < 0 ||
	    member_configure(m, cfg) < 0)
		goto fail;
	self_originate(m);
	finish(m);
	return m;
fail:
	mesh_free(m);
	return NULL;
}

void mesh_free(struct mesh *m)
{
	if (!m)
		return;
	mesh_actions_clear(m);
	free(m->acts);
	for (size_t i = 0; i < m->peers.n; i++)
		mesh_peer_free(m->peers.items[i]);
	idtab_free(&m->peers);
	lsdb_free(&m->db);
	reasm_free(&m->reasm);
	free(m->kroutes);
	subnet_free(&m->subnet);
	member_free(&m->member);
	seed_free(m);
	free(m->statics);
	free(m);
}

void mesh_set_static_addr(struct mesh *m, size_t idx, const struct addr *a, uint64_t now)
{
	struct mesh_peer *p;

	m->now = now;
	p = node_static_addr(m, idx, a);
	if (!p)
		return; /* ourselves, or unchanged */
	m->routes_dirty = true;
	adj_static_moved(m, p);
	finish(m);
}

int mesh_set_statics(struct mesh *m, const struct mesh_static_peer *statics, size_t n,
		     uint64_t now)
{
	int r;

	m->now = now;
	r = node_set_statics(m, statics, n);
	if (r < 0)
		return r;
	m->routes_dirty = true;
	finish(m);
	return 0;
}

void mesh_set_options(struct mesh *m, uint32_t flags, uint32_t direct_idle_ms, size_t node_cap,
		      uint64_t now)
{
	m->now = now;
	m->cfg.direct_idle_ms = direct_idle_ms;
	m->cfg.max_nodes = node_cap > MESH_MAX_NODES_LIMIT ? MESH_MAX_NODES_LIMIT : node_cap;
	m->db.max_tombs = mesh_max_nodes(m);
	if (m->cfg.flags != flags) {
		m->cfg.flags = flags;
		m->own_dirty = true; /* the record carries them */
		m->routes_dirty = true;
	}
	finish(m);
}

void mesh_set_local_addrs(struct mesh *m, const struct addr *addrs, size_t n, uint64_t now)
{
	struct prefix pfx[MESH_MAX_LOCAL];

	if (n > MESH_MAX_LOCAL)
		n = MESH_MAX_LOCAL;
	for (size_t i = 0; i < n; i++)
		pfx[i] = (struct prefix){ .addr = addrs[i], .len = addr_is_v4(&addrs[i]) ? 32 : 128 };
	mesh_set_local_prefixes(m, pfx, n, now);
}

static bool same_locals(const struct mesh *m, const struct prefix *pfx, size_t n)
{
	if (n != m->n_local)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!addr_eq(&pfx[i].addr, &m->local[i]) || pfx[i].len != m->local_pfx[i].len)
			return false;
	return true;
}

/*
 * Roaming: a changed address makes us re-announce (our record), re-learn
 * our reflexive endpoint (probes make the neighbours' WireGuard see our new
 * source and tell us) and re-probe direct paths, all at once.
 */
/*
 * One address on two interfaces (or listed twice by the host) is kept
 * once: a record listing it twice is one the encoder refuses, and we would
 * never announce ourselves again.
 */
static size_t unique_prefixes(const struct prefix *pfx, size_t n, struct prefix *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < MESH_MAX_LOCAL; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = addr_eq(&out[j].addr, &pfx[i].addr);
		if (!dup)
			out[k++] = pfx[i];
	}
	return k;
}

void mesh_set_local_prefixes(struct mesh *m, const struct prefix *given, size_t n_given,
			     uint64_t now)
{
	bool was_known = m->local_known;
	struct prefix pfx[MESH_MAX_LOCAL];
	size_t n = unique_prefixes(given, n_given, pfx);

	m->now = now;
	if (m->local_known && same_locals(m, pfx, n))
		return;
	memcpy(m->local_pfx, pfx, n * sizeof(*pfx));
	for (size_t i = 0; i < n; i++) {
		m->local[i] = pfx[i].addr;
		prefix_mask(&m->local_pfx[i]); /* the LAN, for prefix_contains */
	}
	m->n_local = n;
	m->local_known = true;
	m->own_dirty = true;
	m->routes_dirty = true;
	if (was_known) {
		mesh_log(m, MESH_LOG_INFO, "local addresses changed: re-announcing and re-probing");
		m->has_reflexive = false;
		adj_roamed(m);
		m->lan_hello_at = now;
		m->lan_hello_backoff = MESH_LAN_HELLO_FIRST_MS;
		fib_roamed(m);
		direct_roamed(m);
		direct_update_all(m);
	}
	finish(m);
}

int mesh_revoke(struct mesh *m, const struct revocation *r, uint64_t now)
{
	int ret;

	m->now = now;
	ret = member_revoke(m, r);
	cut_revoked(m);
	finish(m);
	return ret;
}

int mesh_set_membership(struct mesh *m, const struct mesh_config *c, uint64_t now)
{
	int ret;

	m->now = now;
	ret = member_configure(m, c);
	cut_revoked(m);
	finish(m);
	return ret;
}

int mesh_set_routes(struct mesh *m, const struct mesh_config *c, uint64_t now)
{
	int r;

	m->now = now;
	r = subnet_configure(m, c);
	finish(m);
	return r;
}

bool mesh_busy(const struct mesh *m)
{
	if (direct_busy(m) || m->now - m->started < MESH_BUSY_START_MS)
		return true;
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		/*
		 * A check running, a tunnel that may stall, a first handshake,
		 * or traffic flowing (a stall is to be noticed within seconds)
		 */
		if (p->adj.check_since || p->seen.stall_since || (p->fib.on && !p->fib.handshake) ||
		    p->seen.sending || p->direct.data_since || p->direct.check_until)
			return true;
	}
	return false;
}

void mesh_leave(struct mesh *m, uint64_t now)
{
	m->now = now;
	if (m->leaving)
		return;
	/*
	 * A last version of our record, with no edges and the LEFT flag,
	 * flooded before the LEAVE: nodes that reach us over a direct path get
	 * no LEAVE (that is for admin neighbours), and our older record would
	 * keep claiming those edges. Now every node drops them within a flood.
	 */
	m->leaving_record = true;
	self_originate(m);
	adj_leave(m);
	fib_withdraw_all(m);
}

/* ---- status ---- */

size_t mesh_node_count(const struct mesh *m)
{
	return lsdb_count(&m->db);
}

/* What a neighbour reported about us, for netcheck. */
static void node_status_observed(const struct mesh *m, const struct mesh_peer *p,
				 struct mesh_node_status *out)
{
	struct endpoint ep;

	out->on_our_lan = mesh_peer_admin_ep(p, &ep) && mesh_on_local_lan(m, &ep.addr);
	out->has_observed_wg = p->adj.has_observed_wg;
	out->observed_wg = p->adj.observed_wg;
	out->has_observed_admin = p->adj.has_observed_me;
	out->observed_admin = p->adj.observed_me;
}

/* mesh_node_status hands direct.c's phase out as the public enum. */
_Static_assert((int)MESH_DIRECT_IDLE == DIRECT_IDLE && (int)MESH_DIRECT_TRYING == DIRECT_TRYING &&
		       (int)MESH_DIRECT_UP == DIRECT_UP && (int)MESH_DIRECT_FAILED == DIRECT_FAILED,
	       "enum mesh_direct_phase follows enum direct_phase");

bool mesh_node_status(const struct mesh *m, size_t i, struct mesh_node_status *out)
{
	long self_pos = lsdb_index(&m->db, &m->cfg.id);
	const struct lsdb_record *r;
	const struct mesh_peer *p;

	if (i >= lsdb_count(&m->db) || self_pos < 0)
		return false;
	/* self first, then the table order */
	if (i == 0)
		r = lsdb_at(&m->db, (size_t)self_pos);
	else
		r = lsdb_at(&m->db, (long)i <= self_pos ? i - 1 : i);
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	snprintf(out->name, sizeof(out->name), "%s", r->name);
	out->boot = r->boot;
	out->seq = r->seq;
	memcpy(out->pubkey, r->pubkey, sizeof(out->pubkey));
	out->flags = r->flags;
	out->since = r->route.since;
	out->left = (r->flags & WIRE_NODE_LEFT) != 0;
	p = mesh_peer_get(m, &r->id);
	if (p) {
		uint8_t kind = 0;
		out->is_static = p->is_static;
		out->adjacent = p->adj.up;
		out->rtt_ms = p->adj.rtt_ms;
		out->claims_refused = p->adj.claims_refused;
		mesh_peer_admin_ep(p, &out->admin_ep);
		if (fib_claimed(p))
			out->edge_kind = p->adj.kind;
		else if (direct_edge(p, &kind))
			out->edge_kind = kind;
		out->direct_phase = (uint8_t)p->direct.phase;
		out->direct_tries = p->direct.tries;
		snprintf(out->direct_why, sizeof(out->direct_why), "%s", p->direct.why);
		if (p->fib.on) {
			out->has_wg_endpoint = p->seen.has_endpoint;
			out->wg_endpoint = p->seen.endpoint;
		}
		node_status_observed(m, p, out);
	}
	if (i == 0)
		out->path = MESH_PATH_SELF;
	else if (!r->route.reachable)
		out->path = MESH_PATH_UNREACHABLE;
	else if (addr_eq(&r->route.first_hop, &r->id))
		out->path = MESH_PATH_DIRECT;
	else
		out->path = MESH_PATH_GATEWAY;
	out->via = r->route.first_hop;
	out->cost = r->route.dist;
	return true;
}

const struct mesh_counters *mesh_counters(const struct mesh *m)
{
	return &m->ctr;
}

const struct mesh_config *mesh_config(const struct mesh *m)
{
	return &m->cfg;
}

void mesh_self_status(const struct mesh *m, struct mesh_self_status *out)
{
	memset(out, 0, sizeof(*out));
	out->n_local = m->n_local;
	for (size_t i = 0; i < m->n_local; i++)
		out->local[i] = (struct prefix){ .addr = m->local[i], .len = m->local_pfx[i].len };
	out->has_reflexive = m->has_reflexive;
	out->reflexive = m->reflexive;
	out->reflexive_from = m->reflexive_from;
}

size_t mesh_static_count(const struct mesh *m)
{
	return m->cfg.n_static;
}

bool mesh_static_status(const struct mesh *m, size_t i, struct mesh_static_status *out)
{
	const struct mesh_peer *p;

	if (i >= m->cfg.n_static || addr_eq(&m->statics[i].id, &m->cfg.id))
		return false;
	for (size_t k = 0; k < i; k++)
		if (addr_eq(&m->statics[k].id, &m->statics[i].id))
			return false;
	p = mesh_peer_get(m, &m->statics[i].id);
	if (!p)
		return false;
	memset(out, 0, sizeof(*out));
	out->id = p->id;
	if (p->has_info)
		snprintf(out->name, sizeof(out->name), "%s", p->name);
	out->resolved = p->static_resolved;
	out->admin_ep = p->static_admin;
	out->adjacent = p->adj.up;
	out->last_heard = mesh_last_heard(p);
	out->silent_since = p->adj.up ? 0 : p->adj.silent_since;
	return true;
}

static bool record_claims(const struct lsdb_record *r, const struct addr *id)
{
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return true;
	return false;
}

bool mesh_edge_next(const struct mesh *m, struct mesh_edge_iter *it, struct mesh_edge *out)
{
	while (it->rec < lsdb_count(&m->db)) {
		const struct lsdb_record *r = lsdb_at(&m->db, it->rec);
		const struct wire_neighbour *nb;
		const struct lsdb_record *back;

		if (it->neigh >= r->n_neigh) {
			it->rec++;
			it->neigh = 0;
			continue;
		}
		nb = &r->neigh[it->neigh++];
		if (addr_eq(&nb->id, &r->id))
			continue; /* a self-loop carries nothing (spf.c ignores it) */
		back = lsdb_get(&m->db, &nb->id);
		memset(out, 0, sizeof(*out));
		out->from = r->id;
		out->to = nb->id;
		out->kind = nb->kind;
		out->cost = nb->cost;
		out->both = back && record_claims(back, &r->id);
		return true;
	}
	return false;
}
