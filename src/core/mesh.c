/*
 * The mesh core: who is in the network and how to reach them.
 *
 * Adjacencies. A node says HELLO to every static peer (retried with
 * back-off: 250 ms doubling to 8 s) and answers any HELLO with a
 * HELLO_REPLY. A packet from an unknown (node, boot) changes nothing: it is
 * answered with a hello carrying a fresh challenge, and only a hello that
 * echoes it confirms the sender (replay.c). Both sides challenge, so a
 * first contact takes three packets:
 *
 *     A --HELLO(challenge a)----------> B   B: unknown A, challenge b
 *     A <-HELLO_REPLY(echo a, chal b)-- B   A: B confirmed
 *     A --HELLO(echo b)---------------> B   B: A confirmed
 *
 * A confirmed neighbour with a known key is an adjacency: it goes into our
 * own link-state record and becomes a WireGuard peer. A neighbour silent
 * for MESH_PING_IDLE_MS is probed; MESH_PING_TRIES lost probes in a row end
 * the adjacency, and so does a LEAVE. A newer boot of a neighbour replaces
 * the old one at once: its new key replaces the old peer.
 *
 * Link state. Every change of our adjacencies (and of our addresses or
 * reflexive endpoint) originates a new version of our record, at most one
 * per MESH_ORIGINATE_GAP_MS; flood.c spreads records and reconciles
 * databases by summaries carried in probes. Paths are recomputed after
 * every change (fib.c), at most once per MESH_SPF_GAP_MS, so nothing waits
 * for a periodic timer when an event can act. Direct paths to nodes that
 * are not neighbours (LAN shortcuts, NAT traversal) live in direct.c.
 *
 * Refused, while the rest goes on: a sender or record outside the subnet; a
 * wgIp that a live node of another name holds; records naming themselves or
 * a neighbour twice. Counters of everything are kept for the status view.
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

static const char *fmt_id(const struct addr *id, char *buf)
{
	return addr_fmt(id, buf, ADDR_STRLEN);
}

/* ---- peers ---- */

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
	p->hello_tries = 0;
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

	return p ? p : peer_new(m, id);
}

static void peer_free(struct mesh_peer *p)
{
	if (!p)
		return;
	free(p->wg_allowed);
	free(p);
}

static size_t count_strangers(const struct mesh *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		n += !p->is_static && !p->adj && p->direct.phase == DIRECT_IDLE;
	}
	return n;
}

bool mesh_peer_admin_ep(const struct mesh_peer *p, struct endpoint *ep)
{
	if (p->has_admin_ep)
		*ep = p->admin_ep;
	else if (p->is_static && p->static_resolved)
		*ep = p->static_admin;
	else
		return false;
	return true;
}

/* ---- sending ---- */

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

static uint64_t fresh_random(struct mesh *m)
{
	uint64_t r;

	do
		r = m->cfg.random64(m->cfg.random_arg);
	while (r == 0);
	return r;
}

/* A challenge if we have not confirmed this boot of the peer, else 0. */
static uint64_t challenge_for(struct mesh *m, struct mesh_peer *p, bool newer_boot_seen)
{
	uint64_t c = 0;

	if (p->replay.confirmed && !newer_boot_seen && !p->replay.challenge_pending)
		return 0;
	if (replay_challenge(&p->replay, fresh_random(m), m->now, MESH_CHALLENGE_MS, &c) < 0)
		return 0;
	return c;
}

static void send_hello(struct mesh *m, struct mesh_peer *p, const struct endpoint *to,
		       enum wire_type type, uint64_t challenge, uint64_t echo)
{
	struct wire_msg *msg = mesh_send(m, to, type);
	struct wire_hello *h;

	if (!msg)
		return;
	h = &msg->u.hello;
	snprintf(h->name, sizeof(h->name), "%s", m->cfg.name);
	h->wg_port = m->cfg.wg_port;
	h->admin_port = m->cfg.admin_port;
	h->flags = m->cfg.flags;
	memcpy(h->pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	if (p->has_admin_ep) {
		h->has |= WIRE_HELLO_HAS_OBSERVED;
		h->observed = p->admin_ep;
	}
	h->challenge = challenge;
	if (challenge)
		p->challenge_sent = m->now; /* its echo gives the first RTT */
	if (echo) {
		h->has |= WIRE_HELLO_HAS_ECHO;
		h->echo = echo;
	}
	h->record_seq = m->seq;
}

static uint64_t lan_jitter(struct mesh *m)
{
	return fresh_random(m) % MESH_LAN_HELLO_JITTER_MS;
}

static bool any_adjacency(const struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++)
		if (((const struct mesh_peer *)m->peers.items[i])->adj)
			return true;
	return false;
}

/*
 * Alone (no neighbour answers, say no static peer is reachable): a sealed
 * hello broadcast on our LANs lets nodes there find us. It carries no
 * challenge: whoever hears it answers with one, and the usual three
 * packets follow. Backs off from 1 s to 30 s; nothing is sent once any
 * neighbour is up, so a connected mesh pays nothing for it.
 */
static void lan_hello_timer(struct mesh *m)
{
	struct mesh_action *a;
	struct wire_hello *h;

	if (!m->cfg.lan_discovery || !m->n_local || any_adjacency(m) || m->now < m->lan_hello_at)
		return;
	a = mesh_push(m, MESH_ACT_SEND_LAN);
	if (!a)
		return;
	a->u.send.msg.hdr.type = WIRE_HELLO;
	a->u.send.msg.hdr.sender = m->cfg.id;
	a->u.send.msg.hdr.boot = m->cfg.boot;
	a->u.send.msg.hdr.counter = ++m->counter;
	m->ctr.tx[WIRE_HELLO]++;
	h = &a->u.send.msg.u.hello;
	snprintf(h->name, sizeof(h->name), "%s", m->cfg.name);
	h->has = WIRE_HELLO_LAN;
	h->wg_port = m->cfg.wg_port;
	h->admin_port = m->cfg.admin_port;
	h->flags = m->cfg.flags;
	memcpy(h->pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	h->record_seq = m->seq;
	/* jittered: two nodes started together must not keep broadcasting in step */
	m->lan_hello_at = m->now + m->lan_hello_backoff + lan_jitter(m);
	m->lan_hello_backoff = m->lan_hello_backoff * 2 > MESH_LAN_HELLO_MAX_MS
				       ? MESH_LAN_HELLO_MAX_MS
				       : m->lan_hello_backoff * 2;
}






/* What every PING and PONG carries besides the probe id. */
static void fill_ping(const struct mesh *m, struct mesh_peer *p, struct wire_ping *ping)
{
	ping->record_seq = m->seq;
	ping->has = WIRE_PING_HAS_DB;
	ping->db_total = (uint16_t)lsdb_count(&m->db);
	ping->db_hash = lsdb_hash(&m->db);
	/* only once WireGuard heard from it: before, the endpoint is our guess */
	if (p->has_wg_endpoint && p->last_wg_rx) {
		ping->has |= WIRE_PING_HAS_OBSERVED_WG;
		ping->observed_wg = p->wg_endpoint;
		p->told_wg_endpoint = p->wg_endpoint;
		p->told_wg = true;
	}
}

void mesh_send_ping(struct mesh *m, struct mesh_peer *p)
{
	struct endpoint to;
	struct wire_msg *msg;

	if (!mesh_peer_admin_ep(p, &to) || !(msg = mesh_send(m, &to, WIRE_PING)))
		return;
	p->ping_id = (uint32_t)fresh_random(m);
	p->ping_out = true;
	p->ping_sent = m->now;
	msg->u.ping.probe_id = p->ping_id;
	fill_ping(m, p, &msg->u.ping);
}

/* ---- own record and adjacencies ---- */

/*
 * Edge costs: a hop (MESH_COST_DEFAULT; a LAN hop costs 1) plus the
 * measured round trip in ms where we have one, rounded up to a power of
 * two so that jitter does not re-flood records. Hop count decides between
 * paths of similar latency, measured latency where it differs. Direct
 * edges (direct.c) have no admin session to measure over and count as a
 * hop: a direct path is rarely slower than the detour through a gateway.
 */
static uint16_t kind_cost(uint8_t kind)
{
	return kind == WIRE_PATH_LAN ? 1 : MESH_COST_DEFAULT;
}

static uint16_t rtt_extra(uint32_t rtt_ms)
{
	uint16_t c = 8;

	if (rtt_ms < MESH_RTT_FLOOR_MS)
		return 0; /* LAN-like latency: hop count decides */
	while (c < rtt_ms && c < MESH_COST_MAX / 2)
		c = (uint16_t)(c * 2);
	return c;
}

/*
 * The base round trip of an adjacency: the minimum of its last
 * MESH_RTT_WINDOW samples (probes every 25 s or so: minutes). A busy host
 * delays answers by anything from a millisecond to a second; that only
 * ever adds to the path's own delay, so the minimum tracks the path and
 * the load drops out. With a smoothed average instead, fifty daemons on
 * one busy host moved their costs between buckets every few seconds, and
 * each move flooded a record to every node, which made the host busier.
 */
static uint32_t rtt_base(const struct mesh_peer *p)
{
	uint32_t b = UINT32_MAX;

	for (unsigned i = 0; i < p->rtt_n; i++)
		if (p->rtt_win[i] < b)
			b = p->rtt_win[i];
	return p->rtt_n ? b : 0;
}

static void rtt_push(struct mesh_peer *p, uint32_t rtt)
{
	p->rtt_win[p->rtt_pos] = rtt;
	p->rtt_pos = (uint8_t)((p->rtt_pos + 1) % MESH_RTT_WINDOW);
	if (p->rtt_n < MESH_RTT_WINDOW)
		p->rtt_n++;
}

/* The handshake's round trip: the first sample of a new contact. */
static void rtt_first(struct mesh_peer *p, uint32_t rtt)
{
	p->rtt_ms = p->srtt_ms = rtt;
	p->rtt_n = p->rtt_pos = 0;
	rtt_push(p, rtt);
}

/*
 * A new RTT sample. The cost follows the base RTT's bucket, and moves only
 * when the base leaves its bucket by a quarter, so a base at a bucket's
 * edge does not re-flood our record either.
 */
static void rtt_sample(struct mesh *m, struct mesh_peer *p, uint32_t rtt)
{
	uint16_t extra, cur;
	uint32_t base;

	p->srtt_ms = p->srtt_ms ? (3 * p->srtt_ms + rtt) / 4 : rtt;
	p->rtt_ms = rtt;
	rtt_push(p, rtt);
	if (!p->adj)
		return;
	base = rtt_base(p);
	extra = rtt_extra(base);
	cur = (uint16_t)(p->cost - kind_cost(p->adj_kind));
	if (extra == cur)
		return;
	if (extra > cur && base * 4 <= (uint32_t)(cur ? cur : MESH_RTT_FLOOR_MS) * 5)
		return; /* not clearly above the current bucket */
	if (extra < cur && base * 8 >= (uint32_t)cur * 3)
		return; /* not clearly below it (the bucket below ends at cur / 2) */
	p->cost = (uint16_t)(kind_cost(p->adj_kind) + extra);
	m->own_dirty = true;
}

bool mesh_on_local_lan(const struct mesh *m, const struct addr *a)
{
	for (size_t i = 0; i < m->n_local; i++)
		if (prefix_contains(&m->local_pfx[i], a))
			return true;
	return false;
}

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
	r.flags = m->cfg.flags;
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
		if (p->adj && p->has_info)
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = p->adj_kind, .cost = p->cost,
			};
		else if (direct_edge(p, &kind))
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = kind, .cost = kind_cost(kind),
			};
	}
	r.neigh = neigh;
	stored = lsdb_get(&m->db, &m->cfg.id);
	if (stored && !m->leaving_record) {
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

static void adj_up(struct mesh *m, struct mesh_peer *p)
{
	char id[ADDR_STRLEN];

	if (!p->adj)
		mesh_log(m, MESH_LOG_INFO, "neighbour %s (%s) is up", p->name, fmt_id(&p->id, id));
	p->adj = true;
	p->adj_since = m->now;
	p->adj_kind = p->has_admin_ep && mesh_on_local_lan(m, &p->admin_ep.addr) ? WIRE_PATH_LAN
									 : WIRE_PATH_DIRECT;
	/* the handshake measured the round trip: start with the real cost */
	p->cost = (uint16_t)(kind_cost(p->adj_kind) + rtt_extra(rtt_base(p)));
	p->ping_out = false;
	p->ping_tries = 0;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	p->hello_tries = 0;
	p->resync_left = MESH_RESYNC_TRIES;
	p->next_digest = m->now + MESH_DIGEST_MS;
	m->own_dirty = true;
	flood_send_full_digest(m, p);
}

static void adj_down(struct mesh *m, struct mesh_peer *p, const char *why)
{
	char id[ADDR_STRLEN];

	if (!p->adj)
		return;
	mesh_log(m, MESH_LOG_INFO, "neighbour %s (%s) is down: %s", p->name, fmt_id(&p->id, id),
		 why);
	p->adj = false;
	p->ping_out = false;
	/*
	 * Whatever boot comes next must pass a challenge again, even one
	 * numbered lower (a host whose clock went back): the echo proves it
	 * is alive now, which is all the boot order protects.
	 */
	p->replay.confirmed = false;
	p->next_hello = m->now;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	p->hello_tries = 0;
	m->own_dirty = true;
}

/* ---- receiving ---- */

bool mesh_name_ok(const char *name)
{
	return name[0] != '\0';
}

/* Is this id held by a live node of another name? */
bool mesh_id_taken(const struct mesh *m, const struct addr *id, const char *name)
{
	const struct mesh_peer *p = mesh_peer_get(m, id);
	const struct lsdb_record *r = lsdb_get(&m->db, id);

	if (p && p->has_info && p->adj && strcmp(p->name, name) != 0)
		return true;
	return r && r->route.reachable && strcmp(r->name, name) != 0;
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



static void on_hello(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		     const struct wire_msg *msg, bool new_boot)
{
	const struct wire_hello *h = &msg->u.hello;

	if (!mesh_name_ok(h->name) || mesh_id_taken(m, &p->id, h->name)) {
		mesh_refuse(m, &p->id, "a hello claiming an address another node holds");
		return;
	}
	snprintf(p->name, sizeof(p->name), "%s", h->name);
	memcpy(p->pubkey, h->pubkey, WIRE_KEY_LEN);
	p->wg_port = h->wg_port;
	p->admin_port = h->admin_port;
	p->flags = h->flags;
	p->has_info = true;
	if (h->has & WIRE_HELLO_HAS_OBSERVED) {
		if (!p->has_observed_me || !endpoint_eq(&p->observed_me, &h->observed))
			m->routes_dirty = true; /* may change our NAT keepalive */
		p->has_observed_me = true;
		p->observed_me = h->observed;
	}
	m->routes_dirty = true; /* key, ports or endpoint may have changed */
	/* the answer first: until it arrives the peer drops whatever else we send */
	if (msg->hdr.type == WIRE_HELLO)
		send_hello(m, p, from, WIRE_HELLO_REPLY, challenge_for(m, p, false), h->challenge);
	else if (h->challenge)
		send_hello(m, p, from, WIRE_HELLO, 0, h->challenge);
	if (!p->adj || new_boot)
		adj_up(m, p);
	flood_want_record(m, p, msg->hdr.boot, h->record_seq);
}









/*
 * Both PING and PONG: our reflexive WireGuard endpoint as the neighbour's
 * WireGuard sees it, and its database summary (the periodic digest).
 */
static void on_ping_common(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	const struct wire_ping *ping = &msg->u.ping;

	/* a cheap consistency check: ask for its record if we are behind */
	flood_want_record(m, p, msg->hdr.boot, ping->record_seq);
	/*
	 * A neighbour on one of our LANs sees our LAN address, which tells
	 * nobody outside anything: only farther neighbours reveal the
	 * endpoint a NAT gives us (or, with no NAT, our public address).
	 */
	/*
	 * Behind a port-randomising NAT every neighbour sees another port: the
	 * endpoint sticks to the neighbour that reported it first while that
	 * adjacency lasts, or each report would re-flood our record.
	 */
	const struct mesh_peer *from =
		m->has_reflexive ? mesh_peer_get(m, &m->reflexive_from) : NULL;
	if ((ping->has & WIRE_PING_HAS_OBSERVED_WG) &&
	    !(p->has_admin_ep && mesh_on_local_lan(m, &p->admin_ep.addr)) &&
	    (!from || from == p || !from->adj) &&
	    (!m->has_reflexive || !endpoint_eq(&m->reflexive, &ping->observed_wg))) {
		m->reflexive_from = p->id;
		char ep[ENDPOINT_STRLEN];
		m->has_reflexive = true;
		m->reflexive = ping->observed_wg;
		m->own_dirty = true;
		mesh_log(m, MESH_LOG_INFO, "our WireGuard endpoint as %s sees it: %s", p->name,
			 endpoint_fmt(&m->reflexive, ep, sizeof(ep)));
	}
	if (ping->has & WIRE_PING_HAS_DB) {
		p->next_digest = m->now + MESH_DIGEST_MS;
		if (ping->db_total != lsdb_count(&m->db) || ping->db_hash != lsdb_hash(&m->db)) {
			if (m->now - p->full_digest_sent >= MESH_FULL_DIGEST_GAP_MS)
				flood_send_full_digest(m, p);
			/*
			 * Look again soon, a few times: under loss the digest
			 * exchange itself may be lost. Bounded, so a mesh whose
			 * records keep changing is not flooded with probes.
			 */
			if (!p->sync_at && p->resync_left) {
				p->resync_left--;
				p->sync_at = m->now + MESH_SYNC_CHECK_MS;
			}
		} else {
			p->resync_left = MESH_RESYNC_TRIES;
		}
	}
}

static void on_ping(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		    const struct wire_msg *msg)
{
	struct wire_msg *pong = mesh_send(m, from, WIRE_PONG);

	if (pong) {
		pong->u.ping.probe_id = msg->u.ping.probe_id;
		fill_ping(m, p, &pong->u.ping);
	}
	on_ping_common(m, p, msg);
}

static void on_pong(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	if (!p->ping_out || msg->u.ping.probe_id != p->ping_id)
		return;
	p->ping_out = false;
	p->ping_tries = 0;
	rtt_sample(m, p, (uint32_t)(m->now - p->ping_sent));
	on_ping_common(m, p, msg);
}

static void on_leave(struct mesh *m, struct mesh_peer *p)
{
	adj_down(m, p, "it left");
}

/* An authentic packet from a (node, boot) not yet confirmed. */
static void challenge_sender(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
			     const struct wire_msg *msg)
{
	bool is_hello = msg->hdr.type == WIRE_HELLO || msg->hdr.type == WIRE_HELLO_REPLY;
	uint64_t echo = is_hello ? msg->u.hello.challenge : 0;
	enum wire_type reply = msg->hdr.type == WIRE_HELLO ? WIRE_HELLO_REPLY : WIRE_HELLO;

	m->ctr.drops[WIRE_DROP_UNCONFIRMED]++;
	send_hello(m, p, from, reply, challenge_for(m, p, true), echo);
}

static void dispatch(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		     const struct wire_msg *msg, bool new_boot)
{
	switch ((enum wire_type)msg->hdr.type) {
	case WIRE_HELLO:
	case WIRE_HELLO_REPLY:
		on_hello(m, p, from, msg, new_boot);
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
	case WIRE_LEAVE:
		on_leave(m, p);
		break;
	case WIRE_PING:
		on_ping(m, p, from, msg);
		break;
	case WIRE_PONG:
		on_pong(m, p, msg);
		break;
	}
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

static struct mesh_peer *peer_for_packet(struct mesh *m, const struct wire_msg *msg)
{
	struct mesh_peer *p = mesh_peer_get(m, &msg->hdr.sender);

	if (p || count_strangers(m) >= MESH_MAX_STRANGERS)
		return p;
	return peer_new(m, &msg->hdr.sender);
}

void mesh_on_packet(struct mesh *m, uint64_t now, const struct endpoint *from,
		    const struct wire_msg *msg)
{
	const struct wire_header *h = &msg->hdr;
	struct mesh_peer *p;
	enum replay_verdict v;
	bool new_boot = false;

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
	p = peer_for_packet(m, msg);
	if (!p) {
		m->ctr.drops[WIRE_DROP_UNCONFIRMED]++;
		return;
	}
	v = replay_check(&p->replay, h->boot, h->counter);
	if (v == REPLAY_NEEDS_CHALLENGE) {
		bool is_hello = msg->hdr.type == WIRE_HELLO || msg->hdr.type == WIRE_HELLO_REPLY;
		bool echoed = is_hello && (msg->u.hello.has & WIRE_HELLO_HAS_ECHO);

		/*
		 * Refuse before confirming: a confirmed newer boot makes the
		 * holder's packets OLD_BOOT, so a refused impostor would still
		 * cut the live node off.
		 */
		if (is_hello && mesh_id_taken(m, &p->id, msg->u.hello.name)) {
			mesh_refuse(m, &p->id, "a hello claiming an address another node holds");
			return;
		}
		new_boot = p->replay.confirmed;
		if (!echoed || replay_confirm(&p->replay, h->boot, h->counter, msg->u.hello.echo,
					      now) < 0) {
			challenge_sender(m, p, from, msg);
			finish(m);
			return;
		}
		if (p->challenge_sent && now >= p->challenge_sent)
			rtt_first(p, (uint32_t)(now - p->challenge_sent));
	} else if (v != REPLAY_OK) {
		m->ctr.drops[replay_verdict_drop(v)]++;
		return;
	} else {
		replay_commit(&p->replay, h->boot, h->counter);
	}
	m->ctr.rx[h->type]++;
	p->last_rx = now;
	p->ping_tries = 0;
	p->has_admin_ep = true;
	p->admin_ep = *from;
	dispatch(m, p, from, msg, new_boot);
	finish(m);
}

void mesh_on_drop(struct mesh *m, enum wire_drop why)
{
	if ((unsigned)why < WIRE_DROP__COUNT)
		m->ctr.drops[why]++;
}

/* ---- time ---- */

/* Admin packets and WireGuard traffic alike prove a neighbour alive. */
static uint64_t last_heard(const struct mesh_peer *p)
{
	return p->last_rx > p->last_wg_rx ? p->last_rx : p->last_wg_rx;
}

uint64_t mesh_ping_timeout_ms(const struct mesh_peer *p)
{
	uint64_t t = 4 * (uint64_t)p->srtt_ms;

	return t > MESH_PING_TIMEOUT_MS ? t : MESH_PING_TIMEOUT_MS;
}

uint64_t mesh_ping_idle_ms(const struct mesh *m, const struct mesh_peer *p)
{
	return addr_cmp(&m->cfg.id, &p->id) < 0 ? MESH_PING_IDLE_MS : MESH_PING_IDLE_MS * 3 / 2;
}

static void peer_timers(struct mesh *m, struct mesh_peer *p)
{
	if (p->is_static && !p->adj && p->static_resolved && m->now >= p->next_hello) {
		send_hello(m, p, &p->static_admin, WIRE_HELLO, challenge_for(m, p, false), 0);
		p->next_hello = m->now + p->hello_backoff;
		/* a peer not up yet usually is a moment later: a few quick tries first */
		if (++p->hello_tries > MESH_HELLO_QUICK_TRIES)
			p->hello_backoff = p->hello_backoff * 2 > MESH_HELLO_MAX_MS
						   ? MESH_HELLO_MAX_MS
						   : p->hello_backoff * 2;
	}
	/* a fresh peer's initiation did not come: initiate ourselves (fib.c) */
	if (p->wg_answer_until && m->now >= p->wg_answer_until) {
		p->wg_answer_until = 0;
		if (p->wg_on && !p->wg_handshake)
			m->routes_dirty = true;
	}
	if (!p->adj)
		return;
	if (p->ping_out && m->now - p->ping_sent >= mesh_ping_timeout_ms(p)) {
		if (++p->ping_tries >= MESH_PING_TRIES)
			adj_down(m, p, "no answer to probes");
		else
			mesh_send_ping(m, p);
	} else if (!p->ping_out && m->now - last_heard(p) >= mesh_ping_idle_ms(m, p)) {
		mesh_send_ping(m, p);
	}
	if (p->adj && p->sync_at && m->now >= p->sync_at) {
		if (p->ping_out) {
			p->sync_at = m->now + mesh_ping_timeout_ms(p); /* after this probe */
		} else {
			p->sync_at = 0;
			mesh_send_ping(m, p);
		}
	}
	if (p->adj && m->now >= p->next_digest) {
		flood_send_summary(m, p);
		p->next_digest = m->now + MESH_DIGEST_MS;
	}
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

	for (size_t i = 0; i < m->peers.n; i++)
		peer_timers(m, m->peers.items[i]);
	lan_hello_timer(m);
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
		if (p->is_static && !p->adj && p->static_resolved)
			t = min_u64(t, p->next_hello);
		t = min_u64(t, direct_next_timer(m, p));
		if (p->wg_answer_until)
			t = min_u64(t, p->wg_answer_until);
		if (!p->adj)
			continue;
		t = min_u64(t, p->ping_out ? p->ping_sent + mesh_ping_timeout_ms(p)
					   : last_heard(p) + mesh_ping_idle_ms(m, p));
		t = min_u64(t, p->next_digest);
		if (p->sync_at)
			t = min_u64(t, p->sync_at);
	}
	if (m->own_dirty)
		t = min_u64(t, originate_due(m));
	if (m->routes_dirty)
		t = min_u64(t, spf_due(m));
	if (m->cfg.lan_discovery && m->n_local && !any_adjacency(m))
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

	if (got) {
		p->last_wg_rx = m->now;
		p->stall_since = 0;
	} else if (sent && !p->stall_since) {
		p->stall_since = m->now;
	}
	/* a tunnel that swallows what we send: probe now, not at the idle timer */
	if (p->adj && p->stall_since && m->now - p->stall_since >= MESH_STALL_MS &&
	    !p->ping_out) {
		mesh_send_ping(m, p);
		p->stall_since = 0;
	}
	p->has_wg_endpoint = s->has_endpoint;
	if (s->has_endpoint)
		p->wg_endpoint = s->endpoint;
	if (s->last_handshake_sec && !p->wg_handshake) {
		p->wg_handshake = true;
		m->routes_dirty = true; /* the kick's keepalive can go (fib.c) */
	}
	/* tell a neighbour at once where its WireGuard packets come from */
	if (p->adj && p->has_wg_endpoint && p->last_wg_rx && !p->ping_out &&
	    (!p->told_wg || !endpoint_eq(&p->told_wg_endpoint, &p->wg_endpoint)))
		mesh_send_ping(m, p);
	direct_on_stats(m, p, s);
	p->wg_rx = s->rx_bytes;
	p->wg_tx = s->tx_bytes;
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
	struct mesh *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->now = now;
	m->started = now;
	/*
	 * With static peers, give them a moment first: LAN hellos are for when
	 * nobody answers. Fifty nodes on one LAN all "alone" in their first
	 * milliseconds would otherwise pair up all at once.
	 */
	m->lan_hello_at = now + (cfg->n_static ? MESH_LAN_HELLO_WAIT_MS : 0) +
			  lan_jitter(m);
	m->lan_hello_backoff = MESH_LAN_HELLO_FIRST_MS;
	lsdb_init(&m->db);
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
	p = mesh_peer_get(m, &sp->id);
	if (!p)
		return; /* ourselves */
	if (p->static_resolved && addr_eq(&p->static_admin.addr, a))
		return;
	p->static_resolved = true;
	p->static_admin = (struct endpoint){ .addr = *a, .port = sp->admin_port };
	p->static_wg = (struct endpoint){ .addr = *a, .port = sp->wg_port };
	p->next_hello = now;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	p->hello_tries = 0;
	m->routes_dirty = true;
	peer_timers(m, p);
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
		for (size_t i = 0; i < m->peers.n; i++) {
			struct mesh_peer *p = m->peers.items[i];
			/* a neighbour met on a LAN we just left is gone with it */
			if (p->adj && p->adj_kind == WIRE_PATH_LAN && p->has_admin_ep &&
			    !mesh_on_local_lan(m, &p->admin_ep.addr))
				adj_down(m, p, "we left its LAN");
			else if (p->adj && !p->ping_out)
				mesh_send_ping(m, p);
		}
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
	return direct_busy(m) || m->now - m->started < MESH_BUSY_START_MS;
}

void mesh_leave(struct mesh *m, uint64_t now)
{
	m->now = now;
	if (m->leaving)
		return;
	/*
	 * A last version of our record, with no edges, flooded before the
	 * LEAVE: nodes that reach us over a direct path get no LEAVE (that is
	 * for admin neighbours), and our older record would keep claiming
	 * those edges. Now every node drops them within a flood.
	 */
	m->leaving_record = true;
	originate(m);
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		struct endpoint to;
		/* twice: a lost LEAVE costs the others a probe timeout */
		for (int k = 0; k < 2 && p->adj && mesh_peer_admin_ep(p, &to); k++) {
			struct wire_msg *msg = mesh_send(m, &to, WIRE_LEAVE);
			if (msg)
				msg->u.leave.reason = 0;
		}
	}
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
	p = mesh_peer_get(m, &r->id);
	if (p) {
		uint8_t kind = 0;
		out->is_static = p->is_static;
		out->adjacent = p->adj;
		out->rtt_ms = p->rtt_ms;
		mesh_peer_admin_ep(p, &out->admin_ep);
		if (p->adj)
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
