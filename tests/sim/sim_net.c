/*
 * The simulator's underlay: public nodes, sites (a LAN behind one NAT)
 * and the NATs themselves.
 *
 * A datagram is translated by the sender's NAT when it leaves (that makes
 * or refreshes a binding) and filtered by the receiver's NAT when it
 * arrives, so two packets that cross in flight behave as they do between
 * real NATs: the first one out opens its own NAT for the answer, the one
 * arriving later passes. A binding is a public port mapped to a node's
 * (LAN address, port) and a remote it has sent to; it lives while packets
 * use it (either way, as conntrack does) and dies nat_timeout_ms after the
 * last one. The three kinds of NAT differ in two choices (RFC 4787):
 *
 *                  mapping per           keeps the port   lets in
 *   EIM            (node, port)          if free          any port of an address we sent to
 *   EIM_PORT       (node, port)          if free          exactly an endpoint we sent to
 *   SYMMETRIC      (node, port, remote)  never (random)   exactly that remote
 *
 * No hairpinning: a packet to the site's own public address is dropped.
 * Private addresses go nowhere off the LAN; with lan_overlap every site's
 * LAN has the same prefix, so a LAN candidate of a node on another site
 * lands on whatever host holds that number here (which drops a WireGuard
 * handshake meant for someone else).
 */
#include "sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

#define NAT_TIMEOUT_DEFAULT_MS 30000

enum net_class { NC_NONE = 0, NC_NODE, NC_LAN, NC_SITE };

struct net_where {
	enum net_class cls;
	long node;		/* NC_NODE */
	uint32_t net, host;	/* NC_LAN: 192.168.net.host */
	uint32_t site;		/* NC_SITE */
};

static void v4(struct addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	uint8_t b[4] = { x, y, z, w };

	addr_from_v4(a, b);
}

static uint8_t lan_net(const struct sim *s, uint32_t site)
{
	return s->cfg.lan_overlap ? 1 : (uint8_t)site;
}

static void site_public(uint32_t site, struct addr *a)
{
	v4(a, 203, 0, 113, (uint8_t)site);
}

void net_node_addr(const struct sim *s, size_t i, struct addr *a)
{
	const struct sim_node *nd = &s->nodes[i];

	if (nd->site == 0)
		sim_node_underlay(i, a);
	else
		v4(a, 192, 168, lan_net(s, nd->site), (uint8_t)nd->lan_host);
}

void net_node_prefix(const struct sim *s, size_t i, struct prefix *p)
{
	net_node_addr(s, i, &p->addr);
	p->len = s->nodes[i].site == 0 ? 32 : 24;
}

static struct net_where classify(const struct sim *s, const struct addr *a)
{
	struct net_where w = { .cls = NC_NONE, .node = -1 };
	const uint8_t *b = a->b + 12;

	if (!addr_is_v4(a))
		return w;
	if (b[0] == 198 && (b[1] & 0xfe) == 18) {
		uint32_t host = ((uint32_t)(b[1] - 18) << 16) | ((uint32_t)b[2] << 8) | b[3];
		if (host >= 1 && host <= s->n) {
			w.cls = NC_NODE;
			w.node = (long)host - 1;
		}
	} else if (b[0] == 192 && b[1] == 168 && b[3] != 0 && b[3] != 255) {
		w.cls = NC_LAN;
		w.net = b[2];
		w.host = b[3];
	} else if (b[0] == 203 && b[1] == 0 && b[2] == 113 && b[3] >= 1 &&
		   b[3] <= SIM_MAX_SITES) {
		w.cls = NC_SITE;
		w.site = b[3];
	}
	return w;
}

/* The node at 192.168.net.host as seen from a sender on `site`, or -1. */
static long lan_node(const struct sim *s, uint32_t site, const struct net_where *w)
{
	if (site == 0 || w->net != lan_net(s, site) || w->host > 255)
		return -1;
	return s->sites[site].host_node[w->host];
}

/* ---- NAT bindings ---- */

static uint64_t nat_timeout(const struct sim *s)
{
	return s->cfg.nat_timeout_ms ? s->cfg.nat_timeout_ms : NAT_TIMEOUT_DEFAULT_MS;
}

static bool bind_live(const struct sim *s, const struct sim_bind *b)
{
	return s->now - b->last < nat_timeout(s) &&
	       s->nodes[b->node].loc_gen == b->loc_gen;
}

static bool remote_match(enum sim_nat nat, const struct sim_bind *b, const struct endpoint *ep)
{
	if (nat == SIM_NAT_EIM)
		return addr_eq(&b->remote.addr, &ep->addr);
	return endpoint_eq(&b->remote, ep);
}

static bool same_mapping(const struct sim *s, const struct sim_bind *b, size_t node,
			 uint16_t port)
{
	return b->node == node && b->int_port == port && b->loc_gen == s->nodes[node].loc_gen;
}

static bool pub_port_used(const struct sim *s, const struct sim_site *st, uint16_t port)
{
	for (size_t k = 0; k < st->n_b; k++)
		if (st->b[k].pub_port == port && bind_live(s, &st->b[k]))
			return true;
	return false;
}

static uint16_t pub_port_alloc(struct sim *s, const struct sim_site *st, uint16_t want)
{
	uint16_t p = want;

	while (!p || pub_port_used(s, st, p))
		p = (uint16_t)(20000 + sim_rand(s) % 40000);
	return p;
}

static void bind_add(struct sim *s, struct sim_site *st, const struct sim_bind *nb)
{
	if (st->n_b == st->cap_b) {
		size_t keep = 0;
		for (size_t k = 0; k < st->n_b; k++)
			if (bind_live(s, &st->b[k]))
				st->b[keep++] = st->b[k];
		st->n_b = keep;
	}
	if (st->n_b == st->cap_b) {
		size_t cap = st->cap_b ? st->cap_b * 2 : 16;
		struct sim_bind *b = realloc(st->b, cap * sizeof(*b));
		if (!b)
			abort();
		st->b = b;
		st->cap_b = cap;
	}
	st->b[st->n_b++] = *nb;
}

/* Outbound through the site's NAT: the public port the packet leaves from. */
static uint16_t nat_out(struct sim *s, uint32_t site, size_t node, uint16_t port,
			const struct endpoint *to)
{
	struct sim_site *st = &s->sites[site];
	uint16_t pub = 0;
	struct sim_bind nb;

	for (size_t k = 0; k < st->n_b; k++) {
		struct sim_bind *b = &st->b[k];
		if (!bind_live(s, b) || !same_mapping(s, b, node, port))
			continue;
		if (st->nat == SIM_NAT_SYMMETRIC) {
			if (endpoint_eq(&b->remote, to)) {
				b->last = s->now;
				return b->pub_port;
			}
			continue;
		}
		pub = b->pub_port;
		if (remote_match(st->nat, b, to)) {
			b->last = s->now;
			return pub;
		}
	}
	if (!pub)
		pub = pub_port_alloc(s, st, st->nat == SIM_NAT_SYMMETRIC ? 0 : port);
	nb = (struct sim_bind){ .node = (uint32_t)node, .loc_gen = s->nodes[node].loc_gen,
				.int_port = port, .pub_port = pub, .remote = *to, .last = s->now };
	bind_add(s, st, &nb);
	return pub;
}

/* What nat_out would use, without making anything (0: a new random port). */
static uint16_t nat_out_peek(const struct sim *s, uint32_t site, size_t node, uint16_t port,
			     const struct endpoint *to)
{
	const struct sim_site *st = &s->sites[site];

	for (size_t k = 0; k < st->n_b; k++) {
		const struct sim_bind *b = &st->b[k];
		if (!bind_live(s, b) || !same_mapping(s, b, node, port))
			continue;
		if (st->nat != SIM_NAT_SYMMETRIC || endpoint_eq(&b->remote, to))
			return b->pub_port;
	}
	if (st->nat == SIM_NAT_SYMMETRIC || pub_port_used(s, st, port))
		return 0;
	return port;
}

/* Inbound: the binding that lets this packet in, or -1. */
static long nat_in(const struct sim *s, uint32_t site, uint16_t pub_port,
		   const struct endpoint *src)
{
	const struct sim_site *st = &s->sites[site];

	for (size_t k = 0; k < st->n_b; k++) {
		const struct sim_bind *b = &st->b[k];
		if (b->pub_port == pub_port && bind_live(s, b) && remote_match(st->nat, b, src))
			return (long)k;
	}
	return -1;
}

void sim_nat_flush(struct sim *s, uint32_t site)
{
	if (site >= 1 && site <= SIM_MAX_SITES)
		s->sites[site].n_b = 0;
}

/* ---- sites ---- */

void net_init(struct sim *s)
{
	for (size_t k = 0; k <= SIM_MAX_SITES; k++) {
		for (size_t h = 0; h < 256; h++)
			s->sites[k].host_node[h] = -1;
		s->sites[k].nat = SIM_NAT_EIM;
	}
}

void net_free(struct sim *s)
{
	for (size_t k = 0; k <= SIM_MAX_SITES; k++)
		free(s->sites[k].b);
}

void net_leave_site(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	if (nd->site && nd->lan_host)
		s->sites[nd->site].host_node[nd->lan_host] = -1;
	nd->lan_host = 0;
	nd->loc_gen++;
}

void net_join_site(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];
	struct sim_site *st = &s->sites[nd->site];

	nd->loc_gen++;
	if (!nd->site)
		return;
	if (st->next_host >= 254)
		abort(); /* a /24 is full */
	nd->lan_host = ++st->next_host;
	st->host_node[nd->lan_host] = (int32_t)i;
}

void sim_site(struct sim *s, uint32_t site, enum sim_nat nat)
{
	if (site < 1 || site > SIM_MAX_SITES)
		abort();
	s->sites[site].nat = nat;
	s->sites[site].used = true;
}

uint32_t sim_site_of(const struct sim *s, size_t i)
{
	return s->nodes[i].site;
}

enum sim_nat sim_nat_of(const struct sim *s, size_t i)
{
	uint32_t k = s->nodes[i].site;

	return k ? s->sites[k].nat : SIM_NAT_NONE;
}

bool sim_direct_possible(const struct sim *s, size_t i, size_t j)
{
	enum sim_nat a = sim_nat_of(s, i), b = sim_nat_of(s, j);

	if (s->nodes[i].site && s->nodes[i].site == s->nodes[j].site)
		return true; /* one LAN */
	if (a == SIM_NAT_NONE || b == SIM_NAT_NONE)
		return true; /* the NATed side's packets open the way */
	if (a == SIM_NAT_SYMMETRIC && b == SIM_NAT_SYMMETRIC)
		return false;
	/*
	 * A port-randomising NAT sends from a port the other side never saw;
	 * only a filter that looks at the address alone lets that in.
	 */
	if (a == SIM_NAT_SYMMETRIC)
		return b == SIM_NAT_EIM;
	if (b == SIM_NAT_SYMMETRIC)
		return a == SIM_NAT_EIM;
	return true;
}

uint64_t sim_nat_drops(const struct sim *s)
{
	return s->nat_drops;
}

/* ---- sending and delivering ---- */

bool net_known_addr(const struct sim *s, size_t from, const struct endpoint *to)
{
	struct net_where w = classify(s, &to->addr);

	(void)from;
	if (w.cls == NC_NODE)
		return to->port == SIM_ADMIN_PORT || to->port == SIM_WG_PORT;
	return w.cls != NC_NONE;
}

/*
 * The source the receiver sees, but for the port a NAT picks (*nat set):
 * false if the packet cannot leave (nowhere to go, or a hairpin).
 */
static bool source_of(const struct sim *s, size_t from, uint16_t port,
		      const struct net_where *w, struct endpoint *src, bool *nat)
{
	const struct sim_node *nd = &s->nodes[from];

	src->port = port;
	*nat = false;
	if (nd->site == 0 || w->cls == NC_LAN) {
		net_node_addr(s, from, &src->addr);
		return true;
	}
	if (w->cls == NC_NONE || (w->cls == NC_SITE && w->site == nd->site))
		return false;
	site_public(nd->site, &src->addr);
	*nat = true;
	return true;
}

/* Receiver node and its port, or -1; *bind: the NAT binding that let it in. */
static long resolve(const struct sim *s, uint32_t from_site, const struct endpoint *src,
		    const struct endpoint *dst, uint16_t *port, long *bind)
{
	struct net_where w = classify(s, &dst->addr);
	const struct sim_bind *b;
	long x = -1, k;

	*port = dst->port;
	*bind = -1;
	switch (w.cls) {
	case NC_NODE:
		x = s->nodes[w.node].site == 0 ? w.node : -1;
		break;
	case NC_LAN:
		x = lan_node(s, from_site, &w);
		break;
	case NC_SITE:
		k = nat_in(s, w.site, dst->port, src);
		if (k < 0)
			return -1;
		b = &s->sites[w.site].b[k];
		if (s->nodes[b->node].site != w.site)
			return -1;
		*port = b->int_port;
		*bind = k;
		x = b->node;
		break;
	case NC_NONE:
		break;
	}
	return x;
}

static void push_packet(struct sim *s, size_t from, long guess, enum sim_proto proto,
			const struct endpoint *src, const struct endpoint *dst, const void *buf,
			size_t len)
{
	struct sim_node *nd = &s->nodes[from];
	size_t to = guess >= 0 ? (size_t)guess : from;
	int64_t lat = s->cfg.latency_ms;
	struct ev e;

	if (s->cfg.loss > 0 && sim_uniform(s) < s->cfg.loss)
		return;
	if (s->cfg.link_latency && guess >= 0)
		lat += s->cfg.link_latency(s->cfg.link_arg, from, to);
	if (s->cfg.jitter_ms)
		lat += (int64_t)(sim_rand(s) % (2 * (uint64_t)s->cfg.jitter_ms + 1)) -
		       s->cfg.jitter_ms;
	if (lat < 1)
		lat = 1;
	if (s->link_last && guess >= 0) {
		uint64_t *last = &s->link_last[from * s->n + to];
		if (s->now + (uint64_t)lat < *last)
			lat = (int64_t)(*last - s->now);
		*last = s->now + (uint64_t)lat;
	}
	e = (struct ev){ .t = s->now + (uint64_t)lat, .kind = EV_DELIVER, .node = (uint32_t)to,
			 .from = (uint32_t)from, .tag = nd->epoch, .len = (uint32_t)len,
			 .proto = (uint8_t)proto, .from_site = nd->site, .src = *src, .dst = *dst };
	e.buf = malloc(len ? len : 1);
	if (!e.buf)
		abort();
	memcpy(e.buf, buf, len);
	s->pkt_bytes += len;
	sim_heap_push(s, e);
}

void net_send(struct sim *s, size_t from, uint16_t port, const struct endpoint *to,
	      enum sim_proto proto, const void *buf, size_t len)
{
	struct net_where w = classify(s, &to->addr);
	struct endpoint src;
	uint16_t dport;
	long guess, bind;
	bool nat;

	if (!source_of(s, from, port, &w, &src, &nat)) {
		s->nat_drops++;
		return;
	}
	if (nat)
		src.port = nat_out(s, s->nodes[from].site, from, port, to);
	guess = resolve(s, s->nodes[from].site, &src, to, &dport, &bind);
	push_packet(s, from, guess, proto, &src, to, buf, len);
}

void net_broadcast(struct sim *s, size_t from, const void *buf, size_t len)
{
	const struct sim_node *nd = &s->nodes[from];
	struct endpoint src = { .port = SIM_ADMIN_PORT }, dst = { .port = SIM_ADMIN_PORT };

	if (!nd->site)
		return; /* a public host's /32: nobody else on it */
	net_node_addr(s, from, &src.addr);
	for (size_t h = 1; h < 256; h++) {
		long j = s->sites[nd->site].host_node[h];
		if (j < 0 || (size_t)j == from)
			continue;
		net_node_addr(s, (size_t)j, &dst.addr);
		push_packet(s, from, j, SIM_PROTO_ADMIN, &src, &dst, buf, len);
	}
}

void net_deliver(struct sim *s, const struct ev *e)
{
	uint16_t port;
	long bind, x = resolve(s, e->from_site, &e->src, &e->dst, &port, &bind);
	struct sim_node *dst, *src = &s->nodes[e->from];

	if (x < 0) {
		s->nat_drops++;
		return;
	}
	if (bind >= 0)
		s->sites[s->nodes[x].site].b[bind].last = s->now; /* conntrack: both ways */
	dst = &s->nodes[x];
	if (!dst->alive || src->epoch != e->tag || src->group != dst->group)
		return;
	if (e->proto == SIM_PROTO_ADMIN && port == SIM_ADMIN_PORT)
		sim_deliver_admin(s, (size_t)x, e);
	else if (e->proto == SIM_PROTO_WG && port == SIM_WG_PORT && s->cfg.wireguard)
		wg_receive(s, (size_t)x, &e->src, e->buf, e->len);
}

long net_peek_wg(const struct sim *s, size_t i, const struct endpoint *to)
{
	struct net_where w = classify(s, &to->addr);
	struct endpoint src;
	uint16_t port;
	long x, bind;
	bool nat;

	if (!source_of(s, i, SIM_WG_PORT, &w, &src, &nat))
		return -1;
	if (nat)
		src.port = nat_out_peek(s, s->nodes[i].site, i, SIM_WG_PORT, to);
	x = resolve(s, s->nodes[i].site, &src, to, &port, &bind);
	if (x < 0 || port != SIM_WG_PORT || !s->nodes[x].alive)
		return -1;
	return x;
}
