/*
 * The mesh simulator; see sim.h for the model.
 *
 * The convergence check walks the data plane as WireGuard would forward a
 * packet from i to j: at node cur, the peer whose AllowedIPs hold j's wgIp
 * is the next hop, and cur needs a route to j into the interface. That
 * peer's key must be the current key of a live node nx (else the packet
 * goes nowhere), and nx must have a peer with cur's current key whose
 * AllowedIPs hold i's wgIp (WireGuard drops a packet whose source is not
 * allowed on the peer it came from: paths must be symmetric). The walk
 * continues from nx and must reach j within N hops. In wireguard mode each
 * hop's endpoint must also take a packet to nx through the NATs as they
 * are now, unless both ends let the edge idle (keepalive off on both: the
 * core re-punches when traffic finds the NAT closed; counted as asleep).
 */
#include "sim/sim_int.h"

#include <sodium.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- randomness ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_mac64(void *arg, const void *data, size_t len)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES] = { 0x5a };
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v;

	(void)arg;
	crypto_shorthash(out, data, len, key);
	memcpy(&v, out, sizeof(v));
	return v;
}

static uint64_t node_random64(void *arg)
{
	return splitmix64(arg);
}

uint64_t sim_rand(struct sim *s)
{
	return splitmix64(&s->rng);
}

double sim_uniform(struct sim *s)
{
	return (double)(splitmix64(&s->rng) >> 11) / (double)(1ull << 53);
}

/* ---- addresses ---- */

static void host_addr(uint8_t a, uint8_t b, uint32_t host, struct addr *out)
{
	uint8_t v4[4] = { a, (uint8_t)(b + ((host >> 16) & 0xff)), (uint8_t)(host >> 8),
			  (uint8_t)host };
	addr_from_v4(out, v4);
}

void sim_node_id(size_t i, struct addr *wg_ip)
{
	host_addr(10, 99, (uint32_t)i + 1, wg_ip);
}

void sim_node_underlay(size_t i, struct addr *a)
{
	host_addr(198, 18, (uint32_t)i + 1, a);
}

/* Node index of an overlay /32 or underlay address, or -1. */
static long index_of(const struct sim *s, const struct addr *a, uint8_t b0, uint8_t b1,
		     bool wide)
{
	const uint8_t *v = a->b + 12;
	uint32_t host;

	if (!addr_is_v4(a) || v[0] != b0 || (wide ? (v[1] & 0xfe) != b1 : v[1] != b1))
		return -1;
	host = ((uint32_t)(v[1] - b1) << 16) | ((uint32_t)v[2] << 8) | v[3];
	if (host == 0 || host > s->n)
		return -1;
	return (long)host - 1;
}

static long node_of_wgip(const struct sim *s, const struct addr *a)
{
	return index_of(s, a, 10, 99, false);
}

long sim_node_of_prefix(const struct sim *s, const struct prefix *p)
{
	if (!addr_is_v4(&p->addr) || p->len != 32)
		return -1;
	return node_of_wgip(s, &p->addr);
}

static void make_key(size_t i, uint64_t boot, uint8_t key[WIRE_KEY_LEN])
{
	uint64_t x = (uint64_t)i * 0x100000001b3ull ^ boot;
	uint32_t idx = (uint32_t)i;

	memcpy(key, &idx, 4);
	memcpy(key + 4, &boot, 8);
	for (size_t k = 12; k < WIRE_KEY_LEN; k += 4) {
		uint32_t r = (uint32_t)splitmix64(&x);
		memcpy(key + k, &r, 4);
	}
}

long sim_key_owner(const struct sim *s, const uint8_t key[WIRE_KEY_LEN])
{
	uint32_t idx;
	uint64_t boot;
	uint8_t want[WIRE_KEY_LEN];

	memcpy(&idx, key, 4);
	memcpy(&boot, key + 4, 8);
	if (idx >= s->n)
		return -1;
	make_key(idx, boot, want);
	return memcmp(want, key, WIRE_KEY_LEN) == 0 ? (long)idx : -1;
}

/* The live node whose current key this is, or -1. */
long sim_key_current(const struct sim *s, const uint8_t key[WIRE_KEY_LEN])
{
	long i = sim_key_owner(s, key);

	if (i < 0 || !s->nodes[i].alive || memcmp(s->nodes[i].key, key, WIRE_KEY_LEN) != 0)
		return -1;
	return i;
}

/* ---- event heap ---- */

static bool ev_before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_heap_push(struct sim *s, struct ev e)
{
	size_t i;

	if (s->n_heap == s->cap_heap) {
		size_t cap = s->cap_heap ? s->cap_heap * 2 : 1024;
		struct ev *h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			abort();
		s->heap = h;
		s->cap_heap = cap;
	}
	e.seq = s->seq++;
	i = s->n_heap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(&e, &s->heap[parent]))
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = e;
}

static struct ev heap_pop(struct sim *s)
{
	struct ev top = s->heap[0], last = s->heap[--s->n_heap];
	size_t i = 0, n = s->n_heap;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
	return top;
}

/* ---- actions ---- */

static void trace(const struct sim *s, const char *what, size_t from, size_t to,
		  const struct wire_msg *msg)
{
	static const char *const names[] = { "?", "HELLO", "REPLY", "RECORD", "DIGEST",
					     "REQUEST", "LEAVE", "PING", "PONG" };

	if (s->trace < 0 || ((long)from != s->trace && (long)to != s->trace))
		return;
	fprintf(stderr, "%8" PRIu64 " %s n%zu->n%zu %s ctr %" PRIu64, s->now, what, from, to,
		msg->hdr.type <= WIRE_TYPE_MAX ? names[msg->hdr.type] : "?", msg->hdr.counter);
	if (msg->hdr.type == WIRE_RECORD)
		fprintf(stderr, " of n%u seq %" PRIu64 " part %u/%u", msg->u.record.id.b[15] - 1u,
			msg->u.record.seq, msg->u.record.part, msg->u.record.parts);
	if (msg->hdr.type == WIRE_DIGEST || msg->hdr.type == WIRE_REQUEST)
		fprintf(stderr, " n=%u total %u", msg->u.digest.n, msg->u.digest.total);
	if (msg->hdr.type == WIRE_HELLO || msg->hdr.type == WIRE_HELLO_REPLY)
		fprintf(stderr, " chal %d echo %d", msg->u.hello.challenge != 0,
			(msg->u.hello.has & WIRE_HELLO_HAS_ECHO) != 0);
	fputc('\n', stderr);
}

static void trace_peer(const struct sim *s, size_t i, const struct mesh_action *a)
{
	char ep[ENDPOINT_STRLEN];

	if (s->trace < 0 || (long)i != s->trace)
		return;
	if (a->type == MESH_ACT_PEER_REMOVE) {
		fprintf(stderr, "%8" PRIu64 " n%zu: peer n%ld removed\n", s->now, i,
			sim_key_owner(s, a->u.peer.pubkey));
		return;
	}
	fprintf(stderr, "%8" PRIu64 " n%zu: peer n%ld set: endpoint %s keepalive %u%s, %zu allowed\n",
		s->now, i, sim_key_owner(s, a->u.peer.pubkey),
		a->u.peer.flags & MESH_PEER_HAS_ENDPOINT
			? endpoint_fmt(&a->u.peer.endpoint, ep, sizeof(ep)) : "-",
		a->u.peer.keepalive, a->u.peer.flags & MESH_PEER_KICK ? " (kick)" : "",
		a->u.peer.n_allowed);
}

static void send_packet(struct sim *s, size_t from, const struct mesh_action *a)
{
	uint8_t buf[WIRE_MAX_BODY];
	int len = wire_encode(buf, sizeof(buf), &a->u.send.msg);
	struct sim_node *src = &s->nodes[from];

	if (len < 0) {
		s->an.encode_failed++;
		fprintf(stderr, "sim: node %zu: wire_encode type %u failed: %d\n", from,
			a->u.send.msg.hdr.type, len);
		return;
	}
	src->tr.tx_pkts++;
	src->tr.tx_bytes += (uint64_t)len + SIM_PACKET_OVERHEAD;
	if (a->u.send.msg.hdr.type <= WIRE_TYPE_MAX)
		src->tr.tx_type[a->u.send.msg.hdr.type]++;
	if (a->type == MESH_ACT_SEND_LAN) {
		net_broadcast(s, from, buf, (size_t)len);
		return;
	}
	if (!net_known_addr(s, from, &a->u.send.to)) {
		s->an.unroutable++;
		return;
	}
	net_send(s, from, SIM_ADMIN_PORT, &a->u.send.to, SIM_PROTO_ADMIN, buf, (size_t)len);
}

static void apply_actions(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];
	const struct mesh_action *acts;
	size_t n = mesh_actions(nd->m, &acts);

	for (size_t k = 0; k < n; k++) {
		const struct mesh_action *a = &acts[k];
		switch (a->type) {
		case MESH_ACT_SEND:
		case MESH_ACT_SEND_LAN:
			send_packet(s, i, a);
			break;
		case MESH_ACT_PEER_SET:
			trace_peer(s, i, a);
			dev_peer_set(s, i, a);
			break;
		case MESH_ACT_PEER_REMOVE:
			trace_peer(s, i, a);
			dev_peer_remove(s, i, a->u.peer.pubkey);
			break;
		case MESH_ACT_ROUTE_ADD:
		case MESH_ACT_ROUTE_DEL:
			dev_route(s, &nd->dev, &a->u.route.dst, a->type == MESH_ACT_ROUTE_ADD);
			break;
		case MESH_ACT_LOG:
			if (s->verbose)
				fprintf(stderr, "%8" PRIu64 " n%zu: %s\n", s->now, i,
					a->u.log.text);
			break;
		case MESH_ACT_REVOKED:
			break; /* the simulator keeps nothing on disk */
		}
	}
	mesh_actions_clear(nd->m);
}

static void reschedule(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];
	uint64_t t;

	if (!nd->alive)
		return;
	t = mesh_next_timer(nd->m);
	if (t == nd->timer_at)
		return;
	nd->timer_gen++;
	nd->timer_at = t;
	if (t == UINT64_MAX)
		return;
	sim_heap_push(s, (struct ev){ .t = t < s->now ? s->now : t, .kind = EV_TIMER,
				  .node = (uint32_t)i, .tag = nd->timer_gen });
}

/* After any call into node i's core. */
void sim_settle(struct sim *s, size_t i)
{
	apply_actions(s, i);
	reschedule(s, i);
}

/* ---- nodes ---- */

static void node_start(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];
	struct mesh_config c;
	struct prefix pfx;

	memset(&c, 0, sizeof(c));
	sim_node_id(i, &c.id);
	snprintf(c.name, sizeof(c.name), "n%zu", i);
	sim_node_id(0, &c.subnet.addr);
	c.subnet.addr.b[15] = 0;
	c.subnet.addr.b[14] = 0;
	c.subnet.len = 16;
	c.boot = nd->boot;
	memcpy(c.pubkey, nd->key, WIRE_KEY_LEN);
	c.wg_port = SIM_WG_PORT;
	c.admin_port = SIM_ADMIN_PORT;
	c.flags = i < s->cfg.n_static ? WIRE_NODE_STATIC : 0;
	if (s->cfg.node_flags)
		c.flags |= s->cfg.node_flags(s->cfg.flags_arg, i);
	c.n_static = s->cfg.n_static;
	c.statics = s->statics;
	c.random64 = node_random64;
	c.random_arg = &nd->rng;
	c.mac64 = sim_mac64;
	c.lan_discovery = s->cfg.lan_discovery;
	c.direct_idle_ms = s->cfg.direct_idle_ms;
	nd->rng = s->cfg.seed ^ ((uint64_t)i << 32) ^ nd->boot;
	dev_free(&nd->dev);
	dev_init(&nd->dev, s->n);
	nd->m = mesh_new(&c, s->now);
	if (!nd->m)
		abort();
	nd->alive = true;
	nd->timer_at = UINT64_MAX;
	nd->timer_gen++;
	apply_actions(s, i);
	net_node_prefix(s, i, &pfx);
	mesh_set_local_prefixes(nd->m, &pfx, 1, s->now);
	apply_actions(s, i);
	for (size_t k = 0; k < s->cfg.n_static; k++) {
		struct addr a;
		sim_node_underlay(k, &a);
		mesh_set_static_addr(nd->m, k, &a, s->now);
		apply_actions(s, i);
	}
	wg_start(s, i);
	reschedule(s, i);
}

static void node_stop(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	mesh_free(nd->m);
	nd->m = NULL;
	nd->alive = false;
	nd->timer_gen++;
	nd->tick_gen++;
	nd->timer_at = UINT64_MAX;
	dev_free(&nd->dev);
	dev_init(&nd->dev, s->n);
}

struct sim *sim_new(const struct sim_config *cfg)
{
	struct sim *s = calloc(1, sizeof(*s));
	const char *v = getenv("WGNM_SIM_VERBOSE");

	if (!s)
		abort();
	s->cfg = *cfg;
	s->n = cfg->n_nodes;
	s->rng = cfg->seed ^ 0x5157u;
	s->verbose = v && *v && strcmp(v, "0") != 0;
	v = getenv("WGNM_SIM_TRACE");
	s->trace = v && *v ? strtol(v, NULL, 10) : -1;
	s->nodes = calloc(s->n ? s->n : 1, sizeof(*s->nodes));
	net_init(s);
	s->statics = calloc(cfg->n_static ? cfg->n_static : 1, sizeof(*s->statics));
	if (!s->nodes || !s->statics)
		abort();
	if (cfg->jitter_ms && !cfg->reorder) {
		s->link_last = calloc(s->n ? s->n * s->n : 1, sizeof(*s->link_last));
		if (!s->link_last)
			abort();
	}
	for (size_t k = 0; k < cfg->n_static; k++) {
		sim_node_id(k, &s->statics[k].id);
		s->statics[k].admin_port = SIM_ADMIN_PORT;
		s->statics[k].wg_port = SIM_WG_PORT;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];
		uint64_t at = cfg->start_spread_ms ? splitmix64(&s->rng) % (cfg->start_spread_ms + 1) : 0;

		nd->boot = 1000 + (splitmix64(&s->rng) % 1000);
		make_key(i, nd->boot, nd->key);
		nd->timer_at = UINT64_MAX;
		dev_init(&nd->dev, s->n);
		sim_heap_push(s, (struct ev){ .t = at, .kind = EV_START, .node = (uint32_t)i });
		s->pending_starts++;
	}
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_heap; i++)
		free(s->heap[i].buf);
	for (size_t i = 0; i < s->n; i++) {
		mesh_free(s->nodes[i].m);
		dev_free(&s->nodes[i].dev);
	}
	net_free(s);
	free(s->flows);
	free(s->heap);
	free(s->link_last);
	free(s->nodes);
	free(s->statics);
	free(s);
}

/* ---- running ---- */

void sim_deliver_admin(struct sim *s, size_t to, const struct ev *e)
{
	struct sim_node *dst = &s->nodes[to];
	struct wire_msg msg;
	enum wire_drop why = WIRE_DROP_MALFORMED;

	dst->tr.rx_pkts++;
	dst->tr.rx_bytes += e->len + SIM_PACKET_OVERHEAD;
	if (wire_decode(e->buf, e->len, &msg, &why) < 0) {
		s->an.decode_failed++;
		mesh_on_drop(dst->m, why);
		return;
	}
	trace(s, "recv", e->from, to, &msg);
	mesh_on_packet(dst->m, s->now, &e->src, &msg);
	sim_settle(s, to);
}

static void fire_timer(struct sim *s, const struct ev *e)
{
	struct sim_node *nd = &s->nodes[e->node];
	uint64_t t;

	if (!nd->alive || e->tag != nd->timer_gen)
		return;
	nd->timer_at = UINT64_MAX;
	mesh_on_timer(nd->m, s->now);
	apply_actions(s, e->node);
	t = mesh_next_timer(nd->m);
	/* due again at once is fine (a zero timeout), but not over and over */
	if (t > s->now) {
		nd->spins = 0;
	} else if (++nd->spins > 3) {
		/* the core would spin; move on a millisecond so the sim does not */
		s->an.timer_stuck++;
		nd->timer_gen++;
		nd->timer_at = t;
		sim_heap_push(s, (struct ev){ .t = s->now + 1, .kind = EV_TIMER, .node = e->node,
					  .tag = nd->timer_gen });
		return;
	}
	reschedule(s, e->node);
}

void sim_run_until(struct sim *s, uint64_t t)
{
	while (s->n_heap && s->heap[0].t <= t) {
		struct ev e = heap_pop(s);

		s->now = e.t;
		s->events++;
		switch (e.kind) {
		case EV_DELIVER:
			net_deliver(s, &e);
			s->pkt_bytes -= e.len;
			free(e.buf);
			break;
		case EV_TIMER:
			fire_timer(s, &e);
			break;
		case EV_START:
			s->pending_starts--;
			if (!s->nodes[e.node].alive)
				node_start(s, e.node);
			break;
		case EV_WG_TICK:
			wg_tick(s, &e);
			break;
		case EV_FLOW:
			wg_flow_tick(s, &e);
			break;
		}
	}
	if (t > s->now)
		s->now = t;
}

void sim_run_for(struct sim *s, uint64_t ms)
{
	sim_run_until(s, s->now + ms);
}

uint64_t sim_now(const struct sim *s)
{
	return s->now;
}

/* A necessary condition that costs O(N): route and address counts. */
static bool quick_check(const struct sim *s)
{
	size_t *live_in = calloc(s->n ? s->n : 1, sizeof(*live_in));
	bool ok = true;

	if (!live_in)
		abort();
	for (size_t i = 0; i < s->n; i++)
		if (s->nodes[i].alive && s->nodes[i].group < s->n)
			live_in[s->nodes[i].group]++;
	for (size_t i = 0; i < s->n && ok; i++) {
		const struct sim_node *nd = &s->nodes[i];
		size_t want, owned = 0;
		if (!nd->alive)
			continue;
		want = (nd->group < s->n ? live_in[nd->group] : 1) - 1;
		for (size_t k = 0; k < nd->dev.n; k++)
			owned += nd->dev.peers[k].n_allowed;
		ok = nd->dev.n_routes == want && owned == want;
	}
	free(live_in);
	return ok;
}

bool sim_run_until_converged(struct sim *s, uint64_t deadline, uint64_t step_ms)
{
	struct sim_report r;

	for (;;) {
		if (!s->pending_starts && quick_check(s) && sim_check(s, &r))
			return true;
		if (s->now >= deadline)
			return false;
		sim_run_until(s, s->now + step_ms > deadline ? deadline : s->now + step_ms);
	}
}

static void fail(struct sim_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct sim_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->first_failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_failure, sizeof(r->first_failure), fmt, ap);
	va_end(ap);
}

/*
 * Does cur's peer (slot) take a packet to nx through the NATs now? An edge
 * both ends let idle (keepalive off on both) may have lost its NAT state:
 * the core finds out when traffic returns, so that passes, counted.
 */
static bool hop_reaches(const struct sim *s, size_t cur, size_t slot, size_t nx,
			struct sim_report *r)
{
	const struct sim_peer *p = &s->nodes[cur].dev.peers[slot];
	const struct sim_dev *nd = &s->nodes[nx].dev;
	long back;

	if (p->has_ep && net_peek_wg(s, cur, &p->ep) == (long)nx)
		return true;
	back = dev_find(nd, s->nodes[cur].key);
	if (p->keepalive == 0 && back >= 0 && nd->peers[back].keepalive == 0) {
		r->asleep_hops++;
		return true;
	}
	return false;
}

/* Walk i -> j through the device models; 0 or a failure described in r. */
static bool walk(const struct sim *s, size_t i, size_t j, struct sim_report *r)
{
	size_t cur = i;

	for (size_t hops = 0; hops <= s->n; hops++) {
		const struct sim_dev *d = &s->nodes[cur].dev;
		const struct sim_dev *nd;
		int32_t slot, back;
		long nx;

		if (cur == j)
			return true;
		slot = d->owner[j];
		if (slot < 0) {
			fail(r, "n%zu->n%zu: at n%zu no peer allows n%zu", i, j, cur, j);
			return false;
		}
		if (!d->route[j]) {
			fail(r, "n%zu->n%zu: at n%zu no route to n%zu", i, j, cur, j);
			return false;
		}
		nx = sim_key_current(s, d->peers[slot].key);
		if (nx < 0) {
			fail(r, "n%zu->n%zu: at n%zu the peer for n%zu has a dead or old key "
				"(of n%ld)", i, j, cur, j, sim_key_owner(s, d->peers[slot].key));
			return false;
		}
		nd = &s->nodes[nx].dev;
		back = nd->owner[i];
		if (back < 0 ||
		    memcmp(nd->peers[back].key, s->nodes[cur].key, WIRE_KEY_LEN) != 0) {
			fail(r, "n%zu->n%zu: n%ld drops it from n%zu: source n%zu allowed on %s",
			     i, j, nx, cur, i,
			     back < 0 ? "no peer" : "another peer");
			return false;
		}
		if (s->cfg.wireguard && !hop_reaches(s, cur, (size_t)slot, (size_t)nx, r)) {
			char ep[ENDPOINT_STRLEN];
			fail(r, "n%zu->n%zu: at n%zu the peer for n%ld has endpoint %s, which "
				"does not reach it", i, j, cur, nx,
			     d->peers[slot].has_ep ? endpoint_fmt(&d->peers[slot].ep, ep, sizeof(ep))
						   : "none");
			return false;
		}
		cur = (size_t)nx;
	}
	fail(r, "n%zu->n%zu: a loop", i, j);
	return false;
}

bool sim_check(const struct sim *s, struct sim_report *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < s->n; i++) {
		const struct sim_node *nd = &s->nodes[i];
		if (!nd->alive)
			continue;
		r->live++;
		for (size_t k = 0; k < nd->dev.n; k++) {
			const struct sim_peer *p = &nd->dev.peers[k];
			long o = sim_key_current(s, p->key);
			if (o < 0 || s->nodes[o].group != nd->group) {
				r->stale_peers++;
				fail(r, "n%zu holds a peer with a stale key (of n%ld)", i,
				     sim_key_owner(s, p->key));
			}
			for (size_t a = 0; a < p->n_allowed; a++) {
				long x = sim_node_of_prefix(s, &p->allowed[a]);
				if (x >= 0 && nd->dev.owner[x] != (int32_t)k) {
					r->dup_addrs++;
					fail(r, "n%zu: n%ld's address on two peers", i, x);
				}
			}
		}
		for (size_t j = 0; j < s->n; j++) {
			if (nd->dev.route[j] &&
			    (!s->nodes[j].alive || s->nodes[j].group != nd->group || j == i)) {
				r->bad_routes++;
				fail(r, "n%zu routes to n%zu, which is down or cut off", i, j);
			}
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!s->nodes[i].alive)
			continue;
		for (size_t j = 0; j < s->n; j++) {
			if (j == i || !s->nodes[j].alive || s->nodes[j].group != s->nodes[i].group)
				continue;
			if (walk(s, i, j, r))
				r->pairs_ok++;
			else
				r->pairs_failed++;
		}
	}
	return r->pairs_failed == 0 && r->stale_peers == 0 && r->bad_routes == 0 &&
	       r->dup_addrs == 0;
}

/* ---- operations ---- */

void sim_kill(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	if (!nd->alive)
		return;
	nd->epoch++;
	node_stop(s, i);
}

void sim_restart(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	if (nd->alive)
		sim_kill(s, i);
	nd->boot += 1 + splitmix64(&s->rng) % 1000;
	make_key(i, nd->boot, nd->key);
	node_start(s, i);
}

void sim_leave(struct sim *s, size_t i)
{
	struct sim_node *nd = &s->nodes[i];

	if (!nd->alive)
		return;
	mesh_leave(nd->m, s->now);
	apply_actions(s, i);
	if (nd->dev.n || nd->dev.n_routes)
		s->an.leave_leftovers++;
	node_stop(s, i);
}

void sim_place(struct sim *s, size_t i, uint32_t site)
{
	struct sim_node *nd = &s->nodes[i];
	struct prefix pfx;

	if (site > SIM_MAX_SITES || (site && i < s->cfg.n_static))
		abort(); /* static nodes are public */
	if (site)
		s->sites[site].used = true;
	net_leave_site(s, i);
	nd->site = site;
	net_join_site(s, i);
	if (!nd->alive)
		return;
	net_node_prefix(s, i, &pfx);
	mesh_set_local_prefixes(nd->m, &pfx, 1, s->now);
	sim_settle(s, i);
}

void sim_set_group(struct sim *s, size_t i, uint32_t group)
{
	s->nodes[i].group = group;
}

void sim_heal(struct sim *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->nodes[i].group = 0;
}

void sim_set_loss(struct sim *s, double loss)
{
	s->cfg.loss = loss;
}

/* ---- queries ---- */

size_t sim_size(const struct sim *s)
{
	return s->n;
}

bool sim_alive(const struct sim *s, size_t i)
{
	return s->nodes[i].alive;
}

struct mesh *sim_mesh(const struct sim *s, size_t i)
{
	return s->nodes[i].m;
}

uint64_t sim_boot(const struct sim *s, size_t i)
{
	return s->nodes[i].boot;
}

const uint8_t *sim_key(const struct sim *s, size_t i)
{
	return s->nodes[i].key;
}

size_t sim_peer_count(const struct sim *s, size_t i)
{
	return s->nodes[i].dev.n;
}

bool sim_has_peer(const struct sim *s, size_t i, size_t j)
{
	return dev_find(&s->nodes[i].dev, s->nodes[j].key) >= 0;
}

size_t sim_key_holders(const struct sim *s, const uint8_t key[WIRE_KEY_LEN])
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->nodes[i].alive && dev_find(&s->nodes[i].dev, key) >= 0;
	return n;
}

bool sim_has_any_key_of(const struct sim *s, size_t i, size_t j)
{
	const struct sim_dev *d = &s->nodes[i].dev;

	for (size_t k = 0; k < d->n; k++)
		if (sim_key_owner(s, d->peers[k].key) == (long)j)
			return true;
	return false;
}

long sim_next_hop(const struct sim *s, size_t i, size_t j)
{
	int32_t slot = s->nodes[i].dev.owner[j];

	return slot < 0 ? -1 : sim_key_current(s, s->nodes[i].dev.peers[slot].key);
}

bool sim_has_route(const struct sim *s, size_t i, size_t j)
{
	return s->nodes[i].dev.route[j] != 0;
}

size_t sim_route_count(const struct sim *s, size_t i)
{
	return s->nodes[i].dev.n_routes;
}

const struct sim_traffic *sim_traffic(const struct sim *s, size_t i)
{
	return &s->nodes[i].tr;
}

void sim_traffic_total(const struct sim *s, struct sim_traffic *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n; i++) {
		const struct sim_traffic *t = &s->nodes[i].tr;
		out->tx_pkts += t->tx_pkts;
		out->wg_tx_pkts += t->wg_tx_pkts;
		out->wg_tx_bytes += t->wg_tx_bytes;
		out->wg_hs_pkts += t->wg_hs_pkts;
		out->wg_ka_pkts += t->wg_ka_pkts;
		out->tx_bytes += t->tx_bytes;
		out->rx_pkts += t->rx_pkts;
		out->rx_bytes += t->rx_bytes;
		for (size_t k = 0; k <= WIRE_TYPE_MAX; k++)
			out->tx_type[k] += t->tx_type[k];
	}
}

const struct sim_anomalies *sim_anomalies(const struct sim *s)
{
	return &s->an;
}

size_t sim_own_bytes(const struct sim *s)
{
	size_t b = sizeof(*s) + s->n * sizeof(*s->nodes) + s->cap_heap * sizeof(*s->heap) +
		   s->pkt_bytes + s->cfg.n_static * sizeof(*s->statics) +
		   (s->link_last ? s->n * s->n * sizeof(*s->link_last) : 0);

	for (size_t i = 0; i < s->n; i++) {
		const struct sim_dev *d = &s->nodes[i].dev;
		b += d->cap * sizeof(*d->peers) + s->n * (sizeof(*d->owner) + 1);
		for (size_t k = 0; k < d->n; k++)
			b += d->peers[k].n_allowed * sizeof(struct prefix);
	}
	return b;
}

uint64_t sim_events(const struct sim *s)
{
	return s->events;
}
