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

#define MESH_ORIGINATE_GAP_MS 100	/* at most one own record version per this */
#define MESH_SPF_GAP_MS 50		/* at most one route computation per this */
#define MESH_ACTS_KEEP 1024		/* action slots kept allocated between events */
#define MESH_BOOT_MOVE_GAP_MS 30000	/* our boot moves at most once per this */

/* ---- actions ---- */

struct mesh_action *mesh_push(struct mesh *m, enum mesh_action_type type)
{
	struct mesh_action *a;

	if (m->n_acts == m->cap_acts) {
		size_t cap = m->cap_acts ? m->cap_acts * 2 : 16;
		struct mesh_action *acts = realloc(m->acts, cap * sizeof(*acts));
		if (!acts)
			return NULL;
		m->acts = acts;
		m->cap_acts = cap;
	}
	a = &m->acts[m->n_acts++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

void mesh_log(struct mesh *m, enum mesh_log_level level, const char *fmt, ...)
{
	struct mesh_action *a = mesh_push(m, MESH_ACT_LOG);
	va_list ap;

	if (!a)
		return;
	a->u.log.level = level;
	va_start(ap, fmt);
	vsnprintf(a->u.log.text, sizeof(a->u.log.text), fmt, ap);
	va_end(ap);
}

size_t mesh_actions(const struct mesh *m, const struct mesh_action **out)
{
	*out = m->acts;
	return m->n_acts;
}

void mesh_actions_clear(struct mesh *m)
{
	for (size_t i = 0; i < m->n_acts; i++)
		if (m->acts[i].type == MESH_ACT_PEER_SET)
			free(m->acts[i].u.peer.allowed);
	m->n_acts = 0;
	/*
	 * A hub floods a record of many parts to every neighbour at once
	 * (32 x 1000 actions of 1.1 kB at 1000 nodes): do not keep that
	 * much memory for the quiet time between floods.
	 */
	if (m->cap_acts > MESH_ACTS_KEEP) {
		free(m->acts);
		m->acts = NULL;
		m->cap_acts = 0;
	}
}

struct wire_msg *mesh_send(struct mesh *m, const struct endpoint *to, enum wire_type type)
{
	struct mesh_action *a = mesh_push(m, MESH_ACT_SEND);

	if (!a)
		return NULL;
	a->u.send.to = *to;
	a->u.send.msg.hdr.type = (uint8_t)type;
	a->u.send.msg.hdr.sender = m->cfg.id;
	a->u.send.msg.hdr.boot = m->cfg.boot;
	a->u.send.msg.hdr.counter = ++m->counter;
	m->ctr.tx[type]++;
	return &a->u.send.msg;
}

uint64_t mesh_random(struct mesh *m)
{
	return m->cfg.random64(m->cfg.random_arg);
}

static const char *fmt_id(const struct addr *id, char *buf)
{
	return addr_fmt(id, buf, ADDR_STRLEN);
}

/* ---- the node table ---- */

static size_t max_nodes(const struct mesh *m)
{
	return m->cfg.max_nodes ? m->cfg.max_nodes : MESH_MAX_NODES_DEFAULT;
}

struct mesh_peer *mesh_peer_get(const struct mesh *m, const struct addr *id)
{
	return idtab_get(&m->peers, id);
}

static struct mesh_peer *peer_new(struct mesh *m, const struct addr *id)
{
	struct mesh_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->id = *id;
	p->created = m->now;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	replay_init(&p->replay);
	if (idtab_insert(&m->peers, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

struct mesh_peer *mesh_peer_ensure(struct mesh *m, const struct addr *id)
{
	struct mesh_peer *p = mesh_peer_get(m, id);

	if (p)
		return p;
	if (m->peers.n >= max_nodes(m) + m->cfg.n_static) {
		m->ctr.nodes_refused++;
		return NULL;
	}
	return peer_new(m, id);
}

static void peer_free(struct mesh_peer *p)
{
	if (!p)
		return;
	free(p->wg_allowed);
	free(p);
}

uint64_t mesh_last_heard(const struct mesh_peer *p)
{
	return p->last_rx > p->last_wg_rx ? p->last_rx : p->last_wg_rx;
}

uint64_t mesh_held_boot(const struct mesh *m, const struct addr *id)
{
	return lsdb_held_boot(&m->db, id, m->now);
}

bool mesh_on_local_lan(const struct mesh *m, const struct addr *a)
{
	for (size_t i = 0; i < m->n_local; i++)
		if (prefix_contains(&m->local_pfx[i], a))
			return true;
	return false;
}

bool mesh_id_taken(const struct mesh *m, const struct addr *id, const char *name)
{
	const struct mesh_peer *p = mesh_peer_get(m, id);
	const struct lsdb_record *r = lsdb_get(&m->db, id);

	if (p && p->has_info && p->adj && strcmp(p->name, name) != 0)
		return true;
	return r && r->route.reachable && strcmp(r->name, name) != 0;
}

bool mesh_name_ok(const char *name)
{
	return name[0] != '\0';
}

/* Counted always, logged at most once a second: input must not flood the log. */
void mesh_refuse(struct mesh *m, const struct addr *id, const char *what)
{
	char s[ADDR_STRLEN];

	m->ctr.drops[WIRE_DROP_REFUSED]++;
	if (m->refuse_logged && m->now - m->refuse_logged_at < MESH_REFUSE_LOG_MS) {
		m->refuse_unlogged++;
		return;
	}
	mesh_log(m, MESH_LOG_WARN, "refused %s from %s (%llu more refused since the last report)",
		 what, fmt_id(id, s), (unsigned long long)m->refuse_unlogged);
	m->refuse_logged = true;
	m->refuse_logged_at = m->now;
	m->refuse_unlogged = 0;
}

/* ---- our own record ---- */

static void originate(struct mesh *m)
{
	struct lsdb_record r;
	struct wire_neighbour neigh[WIRE_MAX_NEIGHBOURS];
	const struct lsdb_record *stored;

	memset(&r, 0, sizeof(r));
	r.id = m->cfg.id;
	snprintf(r.name, sizeof(r.name), "%s", m->cfg.name);
	r.boot = m->cfg.boot;
	r.seq = ++m->seq;
	memcpy(r.pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	r.wg_port = m->cfg.wg_port;
	r.admin_port = m->cfg.admin_port;
	r.flags = m->cfg.flags | (m->leaving_record ? WIRE_NODE_LEFT : 0);
	r.n_local = (uint8_t)m->n_local;
	memcpy(r.local, m->local, m->n_local * sizeof(r.local[0]));
	if (m->has_reflexive) {
		r.has_reflexive = true;
		r.reflexive = m->reflexive;
	}
	for (size_t i = 0; i < m->peers.n && r.n_neigh < WIRE_MAX_NEIGHBOURS; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		uint8_t kind;
		if (m->leaving_record)
			break;
		if (adj_claimed(p))
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = p->adj_kind, .cost = p->cost,
			};
		else if (!p->adj && direct_edge(p, &kind))
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = kind,
				.cost = kind == WIRE_PATH_LAN ? 1 : MESH_COST_DEFAULT,
			};
	}
	r.neigh = neigh;
	stored = lsdb_get(&m->db, &m->cfg.id);
	if (stored && stored->boot == r.boot && !m->leaving_record) {
		char what[240];
		if (lsdb_same_content(stored, &r)) {
			/* nothing to tell: a new version would cost a flood to every node */
			m->seq--;
			m->own_dirty = false;
			return;
		}
		lsdb_describe_change(&m->db, stored, &r, what, sizeof(what));
		mesh_log(m, MESH_LOG_DEBUG, "our record, version %llu:%s",
			 (unsigned long long)r.seq, what);
	}
	if (lsdb_put(&m->db, &r, m->now) < 0)
		return;
	stored = lsdb_get(&m->db, &m->cfg.id);
	flood_record(m, stored, NULL);
	m->own_dirty = false;
	m->routes_dirty = true;
}

/*
 * When our record may be originated again. One origination costs a packet
 * per record part per neighbour and is flooded on by every neighbour, so a
 * hub whose adjacencies come up one by one (a thousand nodes starting)
 * would otherwise flood a new version per adjacency: O(n) versions of an
 * O(n)-part record to O(n) nodes. The first change after a quiet spell
 * still goes out at once.
 */
static uint64_t originate_due(const struct mesh *m)
{
	const struct lsdb_record *own = lsdb_get(&m->db, &m->cfg.id);

	return own ? own->stored_at + MESH_ORIGINATE_GAP_MS : 0;
}

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
	if (m->own_dirty && m->now >= originate_due(m))
		originate(m);
	if (m->routes_dirty && m->now >= spf_due(m)) {
		if (fib_update(m) < 0)
			mesh_log(m, MESH_LOG_WARN, "route computation failed (out of memory?)");
		/* reachability changed: which direct paths to try, or to stop */
		direct_update_all(m);
		if (m->own_dirty && m->now >= originate_due(m))
			originate(m);
		if (m->routes_dirty && m->now >= spf_due(m) && fib_update(m) < 0)
			mesh_log(m, MESH_LOG_WARN, "route computation failed (out of memory?)");
	}
}

void mesh_boot_past(struct mesh *m, uint64_t boot, const char *why)
{
	uint64_t old = m->cfg.boot;

	if (boot < old || boot >= UINT64_MAX - 1)
		return;
	if (!m->cfg.clock_untrusted && boot - old > MESH_BOOT_JUMP_MAX) {
		if (!m->newer_self_logged_at ||
		    m->now - m->newer_self_logged_at >= MESH_NEWER_SELF_LOG_MS) {
			m->newer_self_logged_at = m->now;
			mesh_log(m, MESH_LOG_WARN,
				 "%s: the network holds a record of this node with a boot id far "
				 "ahead of ours (forged, or a clock far ahead once); not following it",
				 why);
		}
		return;
	}
	if (m->boot_bumped_at && m->now - m->boot_bumped_at < MESH_BOOT_MOVE_GAP_MS) {
		if (!m->newer_self_logged_at ||
		    m->now - m->newer_self_logged_at >= MESH_NEWER_SELF_LOG_MS) {
			m->newer_self_logged_at = m->now;
			mesh_log(m, MESH_LOG_WARN,
				 "%s again: another node may run with this node's address %s",
				 why, m->cfg.name);
		}
		return;
	}
	m->boot_bumped_at = m->now;
	m->cfg.boot = boot + 1;
	m->ctr.boot_moves++;
	mesh_log(m, MESH_LOG_WARN,
		 "%s (this host's clock went back since an earlier start?): moving our boot "
		 "id past it",
		 why);
	adj_our_boot_changed(m);
	m->own_dirty = true;
}

/* ---- events ---- */

void mesh_on_packet(struct mesh *m, uint64_t now, const struct endpoint *from,
		    const struct wire_msg *msg)
{
	const struct wire_header *h = &msg->hdr;

	m->now = now;
	if (m->leaving)
		return;
	if (addr_eq(&h->sender, &m->cfg.id)) {
		m->ctr.drops[WIRE_DROP_SELF]++;
		return;
	}
	if (!prefix_contains(&m->cfg.subnet, &h->sender)) {
		mesh_refuse(m, &h->sender, "a packet from outside the subnet");
		return;
	}
	adj_on_packet(m, from, msg);
	finish(m);
}

void mesh_on_drop(struct mesh *m, enum wire_drop why)
{
	if ((unsigned)why < WIRE_DROP__COUNT)
		m->ctr.drops[why]++;
}

static bool stranger_expired(const struct mesh *m, const struct mesh_peer *p)
{
	uint64_t last = p->last_rx > p->created ? p->last_rx : p->created;

	return !p->is_static && !p->adj && !p->wg_on && p->direct.phase == DIRECT_IDLE &&
	       m->now - last >= MESH_STRANGER_MS;
}

static void collect_garbage(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n;) {
		struct mesh_peer *p = m->peers.items[i];
		if (stranger_expired(m, p)) {
			peer_free(idtab_remove(&m->peers, &p->id));
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
		fib_peer_timers(m, m->peers.items[i]);
	}
	adj_lan_hello_timer(m);
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
		t = min_u64(t, fib_peer_next_timer(p));
		t = min_u64(t, direct_next_timer(m, p));
	}
	if (m->own_dirty)
		t = min_u64(t, originate_due(m));
	if (m->routes_dirty)
		t = min_u64(t, spf_due(m));
	if (m->cfg.lan_discovery && m->n_local && !adj_any(m))
		t = min_u64(t, m->lan_hello_at);
	return t;
}

static struct mesh_peer *peer_by_wg_key(const struct mesh *m, const uint8_t *key)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (p->wg_on && memcmp(p->wg_key, key, WIRE_KEY_LEN) == 0)
			return p;
	}
	return NULL;
}

static void wg_sample(struct mesh *m, struct mesh_peer *p, const struct mesh_wg_stats *s)
{
	bool sent = s->tx_bytes > p->wg_tx, got = s->rx_bytes > p->wg_rx;

	if (got)
		p->last_wg_rx = m->now;
	/*
	 * A tunnel that swallows what we send: check the neighbour now, not at
	 * the idle timer. The silence counts from the last thing heard, so a
	 * dead node with traffic flowing to it is down within about three
	 * seconds (a sample, MESH_STALL_MS and MESH_PROBE_DEAD_STALL_MS).
	 */
	if (p->adj && sent && !got && m->now - mesh_last_heard(p) >= MESH_STALL_MS)
		adj_check(m, p, MESH_PROBE_DEAD_STALL_MS, "sending into a silent tunnel");
	p->stall_since = sent && !got ? (p->stall_since ? p->stall_since : m->now) : 0;
	p->has_wg_endpoint = s->has_endpoint;
	if (s->has_endpoint)
		p->wg_endpoint = s->endpoint;
	if (s->last_handshake_sec && !p->wg_handshake) {
		p->wg_handshake = true;
		p->hs_retry_at = 0;
		m->own_dirty = true;	/* the adjacency can be claimed now */
		m->routes_dirty = true; /* and the kick's keepalive can go (fib.c) */
	}
	/* tell a neighbour at once where its WireGuard packets come from */
	if (p->adj && p->has_wg_endpoint && p->last_wg_rx &&
	    (!p->told_wg || !endpoint_eq(&p->told_wg_endpoint, &p->wg_endpoint)))
		mesh_send_ping(m, p);
	direct_on_stats(m, p, s);
	p->wg_sending = sent;
	p->wg_rx = s->rx_bytes;
	p->wg_tx = s->tx_bytes;
	p->wg_sampled_at = m->now;
}

void mesh_on_wg_stats(struct mesh *m, uint64_t now, const struct mesh_wg_stats *s, size_t n)
{
	m->now = now;
	if (m->leaving)
		return;
	for (size_t i = 0; i < n; i++) {
		struct mesh_peer *p = peer_by_wg_key(m, s[i].pubkey);
		if (p)
			wg_sample(m, p, &s[i]);
	}
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
	m->db.max_tombs = max_nodes(m);
	reasm_init(&m->reasm);
	if (cfg->n_static) {
		m->statics = calloc(cfg->n_static, sizeof(*m->statics));
		if (!m->statics)
			goto fail;
		memcpy(m->statics, cfg->statics, cfg->n_static * sizeof(*m->statics));
	}
	m->cfg.statics = m->statics;
	for (size_t i = 0; i < cfg->n_static; i++) {
		struct mesh_peer *p;
		if (addr_eq(&cfg->statics[i].id, &cfg->id))
			m->self_listed = true;
		if (addr_eq(&cfg->statics[i].id, &cfg->id) || mesh_peer_get(m, &cfg->statics[i].id))
			continue;
		p = peer_new(m, &cfg->statics[i].id);
		if (!p)
			goto fail;
		p->is_static = true;
	}
	originate(m);
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
		peer_free(m->peers.items[i]);
	idtab_free(&m->peers);
	lsdb_free(&m->db);
	reasm_free(&m->reasm);
	free(m->routes);
	free(m->statics);
	free(m);
}

void mesh_set_static_addr(struct mesh *m, size_t idx, const struct addr *a, uint64_t now)
{
	struct mesh_peer *p;
	const struct mesh_static_peer *sp;

	m->now = now;
	if (idx >= m->cfg.n_static)
		return;
	sp = &m->statics[idx];
	if (addr_eq(&sp->id, &m->cfg.id)) {
		/* ourselves: where the others reach us (maybe a port forward) */
		m->has_self_static = true;
		m->self_static = (struct endpoint){ .addr = *a, .port = sp->admin_port };
		return;
	}
	p = mesh_peer_get(m, &sp->id);
	if (!p || (p->static_resolved && addr_eq(&p->static_admin.addr, a)))
		return;
	p->static_resolved = true;
	p->static_admin = (struct endpoint){ .addr = *a, .port = sp->admin_port };
	p->static_wg = (struct endpoint){ .addr = *a, .port = sp->wg_port };
	p->next_hello = now;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	p->hello_tries = 0;
	m->routes_dirty = true;
	adj_timers(m, p);
	finish(m);
}

static const struct mesh_static_peer *find_static(const struct mesh_static_peer *s, size_t n,
						   const struct addr *id)
{
	for (size_t i = 0; i < n; i++)
		if (addr_eq(&s[i].id, id))
			return &s[i];
	return NULL;
}

int mesh_set_statics(struct mesh *m, const struct mesh_static_peer *statics, size_t n,
		     uint64_t now)
{
	struct mesh_static_peer *copy = NULL;
	char id[ADDR_STRLEN];

	m->now = now;
	if (n > MESH_MAX_STATIC)
		return -EINVAL;
	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, statics, n * sizeof(*copy));
	}
	/* no longer listed: talked to where it was reached, as any other node */
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (!p->is_static || find_static(copy, n, &p->id))
			continue;
		mesh_log(m, MESH_LOG_INFO, "%s (%s) is no longer a static peer",
			 p->name[0] ? p->name : "?", addr_fmt(&p->id, id, sizeof(id)));
		if (p->static_resolved) {
			p->has_admin_ep = true;
			p->admin_ep = p->static_admin;
		}
		p->is_static = false;
		p->static_resolved = false;
	}
	m->self_listed = false;
	m->has_self_static = false;
	for (size_t i = 0; i < n; i++) {
		struct mesh_peer *p;
		const struct mesh_static_peer *old = find_static(m->statics, m->cfg.n_static,
								 &copy[i].id);
		if (addr_eq(&copy[i].id, &m->cfg.id)) {
			m->self_listed = true;
			continue;
		}
		p = mesh_peer_get(m, &copy[i].id);
		if (!p && !(p = peer_new(m, &copy[i].id))) {
			free(copy);
			return -ENOMEM;
		}
		if (!p->is_static)
			mesh_log(m, MESH_LOG_INFO, "%s is a static peer now",
				 addr_fmt(&p->id, id, sizeof(id)));
		/* new, or its ports changed: wait for its address again */
		if (!p->is_static || !old || old->admin_port != copy[i].admin_port ||
		    old->wg_port != copy[i].wg_port)
			p->static_resolved = false;
		p->is_static = true;
	}
	free(m->statics);
	m->statics = copy;
	m->cfg.statics = copy;
	m->cfg.n_static = n;
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
	m->db.max_tombs = max_nodes(m);
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
void mesh_set_local_prefixes(struct mesh *m, const struct prefix *pfx, size_t n, uint64_t now)
{
	bool was_known = m->local_known;

	m->now = now;
	if (n > MESH_MAX_LOCAL)
		n = MESH_MAX_LOCAL;
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
		for (size_t i = 0; i < m->peers.n; i++)
			((struct mesh_peer *)m->peers.items[i])->wg_kick = true;
		direct_roamed(m);
		direct_update_all(m);
	}
	finish(m);
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
		if (p->check_since || p->stall_since || (p->wg_on && !p->wg_handshake) ||
		    p->wg_sending || p->direct.data_since || p->direct.check_until)
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
	originate(m);
	adj_leave(m);
	fib_withdraw_all(m);
}

/* ---- status ---- */

size_t mesh_node_count(const struct mesh *m)
{
	return lsdb_count(&m->db);
}

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
		out->adjacent = p->adj;
		out->rtt_ms = p->rtt_ms;
		out->claims_refused = p->claims_refused;
		mesh_peer_admin_ep(p, &out->admin_ep);
		if (adj_claimed(p))
			out->edge_kind = p->adj_kind;
		else if (direct_edge(p, &kind))
			out->edge_kind = kind;
		out->direct_phase = (uint8_t)p->direct.phase;
		out->direct_tries = p->direct.tries;
		snprintf(out->direct_why, sizeof(out->direct_why), "%s", p->direct.why);
		if (p->wg_on) {
			out->has_wg_endpoint = p->has_wg_endpoint;
			out->wg_endpoint = p->wg_endpoint;
		}
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
