/*
 * The simulator's WireGuard device: peers as the core sets them, and (in
 * wireguard mode) what WireGuard does with them on the wire.
 *
 * Model, after the kernel's timers.c and noise.c, at the grain the core
 * can see through its counters:
 *
 *  - A handshake is an initiation and a response. The initiation reaches
 *    the node whose key it was made for, which must hold a peer with the
 *    initiator's key; the response must come back while that initiation
 *    is still the peer's pending one (a peer removed and set again starts
 *    afresh: a new trial of direct.c is a new handshake). Both messages
 *    cross the underlay and its NATs like any datagram.
 *  - Sending with no usable session queues the packet (8 at most) and
 *    sends an initiation, at most one per REKEY_TIMEOUT (5 s); an
 *    unanswered one is retried every 5 s for REKEY_ATTEMPT_TIME (90 s).
 *    The initiator confirms a session with its first data packet (a
 *    keepalive if nothing is queued); the responder counts the handshake
 *    done, and sends on the session, only once that arrives. As the
 *    kernel's current, previous and next keypairs, the sessions of two
 *    handshakes that cross both stay decryptable.
 *  - Data sent and nothing received for 15 s: a new handshake.
 *  - Sessions rekey after 120 s (the initiator, when sending) and die
 *    after 180 s.
 *  - Persistent keepalive: a keepalive when nothing went either way for
 *    the interval. Setting it from 0 to non-zero sends one at once (that is
 *    how the core's kick starts a handshake; MESH_PEER_KICK does the same).
 *    Passive keepalive: data received and nothing sent for 10 s.
 *  - Every authenticated packet moves the peer's endpoint to its source
 *    (roaming); a PEER_SET with an endpoint moves it back.
 *  - Data: the receiver checks the inner source against the peer's
 *    AllowedIPs and forwards by its own AllowedIPs and routes, so overlay
 *    flows (sim_flow_*) cross the real forwarding state hop by hop.
 *
 * The device is sampled for the core as the daemon does: every 200 ms while
 * mesh_busy(), else every second.
 */
#include "sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

#define WG_TICK_MS 100
#define WG_REKEY_TIMEOUT_MS 5000
#define WG_REKEY_ATTEMPT_MS 90000
#define WG_REKEY_AFTER_MS 120000
#define WG_REJECT_AFTER_MS 180000
#define WG_KEEPALIVE_TIMEOUT_MS 10000
#define WG_STATS_MS 1000
#define WG_STATS_BUSY_MS 200
#define WG_INIT_SIZE 148
#define WG_RESP_SIZE 92
#define WG_DATA_OVERHEAD 32
#define WG_CLOCK_BASE_S 1600000000	/* the device's wall clock at virtual time 0 */

enum wg_type { WG_INIT = 1, WG_RESP = 2, WG_DATA = 4 };

struct wg_pkt {
	uint8_t type;
	bool has_inner;
	uint8_t from_key[WIRE_KEY_LEN];
	uint8_t to_key[WIRE_KEY_LEN];
	uint64_t id;		/* initiation number */
	uint64_t sid;		/* session */
	struct sim_inner inner;
};

size_t wg_pkt_size(const void *buf)
{
	const struct wg_pkt *p = buf;

	switch (p->type) {
	case WG_INIT:
		return WG_INIT_SIZE;
	case WG_RESP:
		return WG_RESP_SIZE;
	default:
		return WG_DATA_OVERHEAD + (p->has_inner ? p->inner.bytes : 0);
	}
}

/* ---- device: what the core sets ---- */

void dev_init(struct sim_dev *d, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->owner = malloc(n * sizeof(*d->owner));
	d->route = calloc(n, 1);
	if (!d->owner || !d->route)
		abort();
	for (size_t i = 0; i < n; i++)
		d->owner[i] = -1;
}

void dev_free(struct sim_dev *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->peers[i].allowed);
	free(d->peers);
	free(d->owner);
	free(d->route);
	memset(d, 0, sizeof(*d));
}

long dev_find(const struct sim_dev *d, const uint8_t key[WIRE_KEY_LEN])
{
	for (size_t i = 0; i < d->n; i++)
		if (memcmp(d->peers[i].key, key, WIRE_KEY_LEN) == 0)
			return (long)i;
	return -1;
}

/* Remove one prefix from a peer's list (WireGuard moving it elsewhere). */
static void peer_drop_prefix(struct sim_peer *p, const struct prefix *x)
{
	for (size_t k = 0; k < p->n_allowed; k++) {
		if (p->allowed[k].len == x->len && addr_eq(&p->allowed[k].addr, &x->addr)) {
			p->allowed[k] = p->allowed[--p->n_allowed];
			return;
		}
	}
}

static void dev_unown(const struct sim *s, struct sim_dev *d, size_t slot)
{
	struct sim_peer *p = &d->peers[slot];

	for (size_t k = 0; k < p->n_allowed; k++) {
		long o = sim_node_of_prefix(s, &p->allowed[k]);
		if (o >= 0 && d->owner[o] == (int32_t)slot)
			d->owner[o] = -1;
	}
}

static void dev_remove_slot(const struct sim *s, struct sim_dev *d, size_t slot)
{
	dev_unown(s, d, slot);
	free(d->peers[slot].allowed);
	if (slot != d->n - 1) {
		struct sim_peer *moved = &d->peers[d->n - 1];
		for (size_t k = 0; k < moved->n_allowed; k++) {
			long o = sim_node_of_prefix(s, &moved->allowed[k]);
			if (o >= 0 && d->owner[o] == (int32_t)(d->n - 1))
				d->owner[o] = (int32_t)slot;
		}
		d->peers[slot] = *moved;
	}
	d->n--;
}

static void send_inner(struct sim *s, size_t i, size_t slot, const struct sim_inner *in);

void dev_peer_set(struct sim *s, size_t i, const struct mesh_action *a)
{
	struct sim_dev *d = &s->nodes[i].dev;
	long slot = dev_find(d, a->u.peer.pubkey);
	struct sim_peer *p;
	uint16_t old_keepalive;

	if (slot < 0) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 4;
			struct sim_peer *np = realloc(d->peers, cap * sizeof(*np));
			if (!np)
				abort();
			d->peers = np;
			d->cap = cap;
		}
		slot = (long)d->n++;
		memset(&d->peers[slot], 0, sizeof(d->peers[slot]));
		memcpy(d->peers[slot].key, a->u.peer.pubkey, WIRE_KEY_LEN);
	}
	p = &d->peers[slot];
	p->flags = a->u.peer.flags & ~MESH_PEER_KICK;
	if (a->u.peer.flags & MESH_PEER_HAS_ENDPOINT) {
		p->has_ep = true;
		p->ep = a->u.peer.endpoint;
	}
	old_keepalive = p->keepalive;
	p->keepalive = a->u.peer.keepalive;
	dev_unown(s, d, (size_t)slot);
	free(p->allowed);
	p->allowed = NULL;
	p->n_allowed = a->u.peer.n_allowed;
	if (p->n_allowed) {
		p->allowed = malloc(p->n_allowed * sizeof(*p->allowed));
		if (!p->allowed)
			abort();
		memcpy(p->allowed, a->u.peer.allowed, p->n_allowed * sizeof(*p->allowed));
	}
	for (size_t k = 0; k < p->n_allowed; k++) {
		const struct prefix *x = &p->allowed[k];
		long o = sim_node_of_prefix(s, x);

		if (o < 0) {
			s->an.foreign_prefix++;
			/* WireGuard semantics still hold for foreign prefixes */
			for (size_t q = 0; q < d->n; q++)
				if ((long)q != slot)
					peer_drop_prefix(&d->peers[q], x);
			continue;
		}
		if (d->owner[o] >= 0 && d->owner[o] != (int32_t)slot) {
			s->an.addr_moved++;
			peer_drop_prefix(&d->peers[d->owner[o]], x);
		}
		d->owner[o] = (int32_t)slot;
	}
	/* keepalive from 0 to non-zero (or the daemon's kick): one goes out now */
	if (s->cfg.wireguard && p->keepalive &&
	    (!old_keepalive || (a->u.peer.flags & MESH_PEER_KICK)))
		send_inner(s, i, (size_t)slot, NULL);
}

void dev_peer_remove(struct sim *s, size_t i, const uint8_t key[WIRE_KEY_LEN])
{
	struct sim_dev *d = &s->nodes[i].dev;
	long slot = dev_find(d, key);

	if (slot < 0) {
		s->an.peer_missing++;
		return;
	}
	dev_remove_slot(s, d, (size_t)slot);
}

void dev_route(struct sim *s, struct sim_dev *d, const struct prefix *dst, bool add)
{
	long o = sim_node_of_prefix(s, dst);

	if (o < 0) {
		s->an.foreign_prefix++;
		return;
	}
	if (add) {
		if (d->route[o])
			s->an.route_dup++;
		else
			d->n_routes++;
		d->route[o] = 1;
	} else {
		if (!d->route[o])
			s->an.route_missing++;
		else
			d->n_routes--;
		d->route[o] = 0;
	}
}

/* ---- WireGuard on the wire ---- */

static void send_pkt(struct sim *s, size_t i, size_t slot, struct wg_pkt *pkt)
{
	struct sim_node *nd = &s->nodes[i];
	struct sim_peer *p = &nd->dev.peers[slot];
	size_t size;

	if (!p->has_ep)
		return; /* WireGuard has nowhere to send it */
	memcpy(pkt->from_key, nd->key, WIRE_KEY_LEN);
	memcpy(pkt->to_key, p->key, WIRE_KEY_LEN);
	size = wg_pkt_size(pkt);
	p->tx_bytes += size;
	p->last_sent = s->now;
	nd->tr.wg_tx_pkts++;
	nd->tr.wg_tx_bytes += size + 28;
	if (pkt->type != WG_DATA)
		nd->tr.wg_hs_pkts++;
	else if (!pkt->has_inner)
		nd->tr.wg_ka_pkts++;
	net_send(s, i, SIM_WG_PORT, &p->ep, SIM_PROTO_WG, pkt, sizeof(*pkt));
}

static void initiate(struct sim *s, size_t i, size_t slot)
{
	struct sim_peer *p = &s->nodes[i].dev.peers[slot];
	struct wg_pkt pkt = { .type = WG_INIT };

	if (!p->has_ep || (p->init_sent && s->now - p->init_sent < WG_REKEY_TIMEOUT_MS))
		return;
	if (!p->init_id)
		p->init_first = s->now;
	p->init_id = ++s->wg_ids;
	p->init_sent = s->now;
	pkt.id = p->init_id;
	send_pkt(s, i, slot, &pkt);
}

/* The session to send on, or 0. */
static uint64_t send_sid(const struct sim *s, const struct sim_peer *p)
{
	return p->sid && s->now - p->sess_at < WG_REJECT_AFTER_MS ? p->sid : 0;
}

/* A packet into the tunnel to this peer; NULL: a keepalive. */
static void send_inner(struct sim *s, size_t i, size_t slot, const struct sim_inner *in)
{
	struct sim_peer *p = &s->nodes[i].dev.peers[slot];
	struct wg_pkt pkt = { .type = WG_DATA };
	uint64_t sid = send_sid(s, p);

	if (!sid) {
		if (in && p->n_queue < SIM_WG_QUEUE)
			p->queue[p->n_queue++] = *in;
		else if (!in && !p->n_queue)
			p->queue[p->n_queue++] = (struct sim_inner){ .bytes = 0 };
		initiate(s, i, slot);
		return;
	}
	pkt.sid = sid;
	if (in && in->bytes) {
		pkt.has_inner = true;
		pkt.inner = *in;
		if (!p->data_unanswered)
			p->data_unanswered = s->now;
	}
	send_pkt(s, i, slot, &pkt);
	if (p->initiator && s->now - p->sess_at >= WG_REKEY_AFTER_MS)
		initiate(s, i, slot);
}

static void flush(struct sim *s, size_t i, size_t slot, bool keepalive_if_empty)
{
	struct sim_peer *p = &s->nodes[i].dev.peers[slot];
	struct sim_inner q[SIM_WG_QUEUE];
	size_t n = p->n_queue;

	if (!n && keepalive_if_empty) {
		send_inner(s, i, slot, NULL);
		return;
	}
	memcpy(q, p->queue, n * sizeof(q[0]));
	p->n_queue = 0;
	for (size_t k = 0; k < n; k++)
		send_inner(s, i, slot, q[k].bytes ? &q[k] : NULL);
}

static void flow_arrive(struct sim *s, size_t at, const struct sim_inner *in);

/* An authenticated packet from this peer: counters, timers, roaming. */
static void heard(const struct sim *s, struct sim_peer *p, const struct endpoint *src,
		  size_t size)
{
	p->rx_bytes += size;
	p->last_recv = s->now;
	p->data_unanswered = 0;
	p->has_ep = true;
	p->ep = *src;
}

/* An overlay packet leaves node i by its own AllowedIPs and routes. */
static bool route_inner(struct sim *s, size_t i, struct sim_inner *in)
{
	const struct sim_dev *d = &s->nodes[i].dev;
	int32_t slot = d->owner[in->dst];

	if (slot < 0 || !d->route[in->dst] || in->hops > s->n)
		return false;
	in->hops++;
	send_inner(s, i, (size_t)slot, in);
	return true;
}

void wg_receive(struct sim *s, size_t x, const struct endpoint *src, const void *buf,
		size_t len)
{
	struct sim_node *nd = &s->nodes[x];
	struct wg_pkt pkt;
	struct sim_peer *p;
	long slot;

	if (len != sizeof(pkt))
		return;
	memcpy(&pkt, buf, sizeof(pkt));
	slot = dev_find(&nd->dev, pkt.from_key);
	/* made for another key, or from a key we do not hold: it does not decrypt */
	if (slot < 0 || memcmp(pkt.to_key, nd->key, WIRE_KEY_LEN) != 0)
		return;
	p = &nd->dev.peers[slot];
	switch (pkt.type) {
	case WG_INIT: {
		/* the responder's new session waits as "next" for its confirmation */
		struct wg_pkt resp = { .type = WG_RESP, .id = pkt.id };
		p->next_sid = ++s->wg_ids;
		p->next_at = s->now;
		p->prev_sid = 0;
		resp.sid = p->next_sid;
		heard(s, p, src, WG_INIT_SIZE);
		send_pkt(s, x, (size_t)slot, &resp);
		return;
	}
	case WG_RESP:
		if (!p->init_id || p->init_id != pkt.id)
			return;
		/* a pending next session stays decryptable as the previous one */
		p->prev_sid = p->next_sid ? p->next_sid : p->sid;
		p->next_sid = 0;
		p->sid = pkt.sid;
		p->sess_at = s->now;
		p->initiator = true;
		p->last_hs = s->now;
		p->init_id = 0;
		heard(s, p, src, WG_RESP_SIZE);
		flush(s, x, (size_t)slot, true);
		return;
	case WG_DATA:
		break;
	default:
		return;
	}
	if (!pkt.sid || (pkt.sid != p->sid && pkt.sid != p->prev_sid && pkt.sid != p->next_sid))
		return;
	heard(s, p, src, wg_pkt_size(&pkt));
	if (pkt.sid == p->next_sid) {
		/* confirmed: the next session becomes the current one */
		p->prev_sid = p->sid;
		p->sid = p->next_sid;
		p->sess_at = p->next_at;
		p->next_sid = 0;
		p->initiator = false;
		p->last_hs = s->now;
		flush(s, x, (size_t)slot, false);
		p = &nd->dev.peers[slot];
	}
	if (!pkt.has_inner)
		return;
	p->last_data_recv = s->now;
	/* WireGuard drops what comes from a source not allowed on this peer */
	if (nd->dev.owner[pkt.inner.src] != (int32_t)slot)
		return;
	if (pkt.inner.dst == x)
		flow_arrive(s, x, &pkt.inner);
	else
		route_inner(s, x, &pkt.inner);
}

static void feed_stats(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];
	struct mesh_wg_stats *st = calloc(nd->dev.n ? nd->dev.n : 1, sizeof(*st));

	if (!st)
		abort();
	for (size_t k = 0; k < nd->dev.n; k++) {
		const struct sim_peer *p = &nd->dev.peers[k];
		memcpy(st[k].pubkey, p->key, WIRE_KEY_LEN);
		st[k].rx_bytes = p->rx_bytes;
		st[k].tx_bytes = p->tx_bytes;
		st[k].last_handshake_sec =
			p->last_hs ? (int64_t)(WG_CLOCK_BASE_S + p->last_hs / 1000) : 0;
		st[k].has_endpoint = p->has_ep;
		st[k].endpoint = p->ep;
	}
	mesh_on_wg_stats(nd->m, s->now, st, nd->dev.n);
	free(st);
	sim_settle(s, i);
}

static void peer_timers(struct sim *s, size_t i, size_t slot)
{
	struct sim_peer *p = &s->nodes[i].dev.peers[slot];
	uint64_t last = p->last_sent > p->last_recv ? p->last_sent : p->last_recv;

	if (p->init_id && s->now - p->init_sent >= WG_REKEY_TIMEOUT_MS) {
		if (s->now - p->init_first < WG_REKEY_ATTEMPT_MS) {
			initiate(s, i, slot);
		} else {
			p->init_id = 0; /* WireGuard gives up and drops the queue */
			p->n_queue = 0;
		}
	}
	if (p->sid && s->now - p->sess_at >= WG_REJECT_AFTER_MS)
		p->sid = p->prev_sid = 0;
	if (p->next_sid && s->now - p->next_at >= WG_REJECT_AFTER_MS)
		p->next_sid = 0;
	/* data out and nothing back for 15 s: a new handshake */
	if (p->data_unanswered &&
	    s->now - p->data_unanswered >= WG_KEEPALIVE_TIMEOUT_MS + WG_REKEY_TIMEOUT_MS) {
		p->data_unanswered = 0;
		initiate(s, i, slot);
	}
	if (p->keepalive && p->has_ep && s->now - last >= (uint64_t)p->keepalive * 1000)
		send_inner(s, i, slot, NULL);
	else if (p->last_data_recv > p->last_sent &&
		 s->now - p->last_data_recv >= WG_KEEPALIVE_TIMEOUT_MS)
		send_inner(s, i, slot, NULL);
}

void wg_start(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	if (!s->cfg.wireguard)
		return;
	nd->tick_gen++;
	nd->stats_at = s->now + WG_STATS_BUSY_MS;
	sim_heap_push(s, (struct ev){ .t = s->now + WG_TICK_MS, .kind = EV_WG_TICK,
				      .node = (uint32_t)i, .tag = nd->tick_gen });
}

void wg_tick(struct sim *s, const struct ev *e)
{
	struct sim_node *nd = &s->nodes[e->node];

	if (!nd->alive || e->tag != nd->tick_gen)
		return;
	for (size_t k = 0; k < nd->dev.n; k++)
		peer_timers(s, e->node, k);
	if (s->now >= nd->stats_at) {
		feed_stats(s, e->node);
		nd->stats_at = s->now + (mesh_busy(nd->m) ? WG_STATS_BUSY_MS : WG_STATS_MS);
	}
	sim_heap_push(s, (struct ev){ .t = s->now + WG_TICK_MS, .kind = EV_WG_TICK,
				      .node = e->node, .tag = nd->tick_gen });
}

/* ---- overlay flows ---- */

size_t sim_flow_start(struct sim *s, size_t from, size_t to, uint32_t interval_ms)
{
	struct sim_flow *f;

	if (!s->cfg.wireguard || from == to || !interval_ms)
		abort();
	if (s->n_flows == s->cap_flows) {
		size_t cap = s->cap_flows ? s->cap_flows * 2 : 8;
		struct sim_flow *nf = realloc(s->flows, cap * sizeof(*nf));
		if (!nf)
			abort();
		s->flows = nf;
		s->cap_flows = cap;
	}
	f = &s->flows[s->n_flows];
	memset(f, 0, sizeof(*f));
	f->a = (uint32_t)from;
	f->b = (uint32_t)to;
	f->interval = interval_ms;
	f->on = true;
	sim_heap_push(s, (struct ev){ .t = s->now, .kind = EV_FLOW, .node = (uint32_t)s->n_flows,
				      .tag = f->gen });
	return s->n_flows++;
}

void sim_flow_stop(struct sim *s, size_t f)
{
	s->flows[f].on = false;
	s->flows[f].gen++;
}

const struct sim_flow_stats *sim_flow_stats(const struct sim *s, size_t f)
{
	return &s->flows[f].st;
}

static void flow_arrive(struct sim *s, size_t at, const struct sim_inner *in)
{
	struct sim_flow *f = &s->flows[in->flow];
	struct sim_inner echo;

	if (in->echo) {
		f->st.returned++;
		f->st.last_returned = s->now;
		return;
	}
	f->st.arrived++;
	f->st.last_arrived = s->now;
	f->st.last_hops = in->hops;
	echo = (struct sim_inner){ .src = (uint32_t)at, .dst = in->src, .flow = in->flow,
				   .bytes = in->bytes, .echo = 1 };
	route_inner(s, at, &echo);
}

void wg_flow_tick(struct sim *s, const struct ev *e)
{
	struct sim_flow *f = &s->flows[e->node];
	struct sim_inner in;

	if (!f->on || e->tag != f->gen)
		return;
	if (s->nodes[f->a].alive) {
		in = (struct sim_inner){ .src = f->a, .dst = f->b, .flow = e->node, .bytes = 200 };
		f->st.sent++;
		if (!route_inner(s, f->a, &in))
			f->st.no_route++;
	}
	sim_heap_push(s, (struct ev){ .t = s->now + f->interval, .kind = EV_FLOW,
				      .node = e->node, .tag = f->gen });
}

bool sim_wg_peer(const struct sim *s, size_t i, size_t j, struct sim_wg_info *out)
{
	const struct sim_dev *d = &s->nodes[i].dev;
	long slot = dev_find(d, s->nodes[j].key);
	const struct sim_peer *p;

	memset(out, 0, sizeof(*out));
	if (slot < 0)
		return false;
	p = &d->peers[slot];
	out->has_endpoint = p->has_ep;
	out->endpoint = p->ep;
	out->keepalive = p->keepalive;
	out->rx_bytes = p->rx_bytes;
	out->tx_bytes = p->tx_bytes;
	out->last_handshake = p->last_hs;
	out->session = send_sid(s, p) != 0;
	out->n_allowed = p->n_allowed;
	return true;
}
