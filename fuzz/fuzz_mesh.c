/*
 * libFuzzer target: the sans-IO mesh core (src/core/mesh.h) under attack
 * by key holders.
 *
 * One core under test ("C", 10.99.0.10 or 10.99.0.250, admin endpoint
 * 198.18.0.10:50001 on 198.18.0.0/24) and six fake nodes F0..F5
 * (10.99.0.100..105, names f0..f5) that hold the shared key: whatever they
 * send is authentic, so it reaches the core as a decoded message, just as
 * the daemon passes it on after seal_open_decode. The input is a sequence
 * of operations; the fakes answer the core's challenges and probes when an
 * operation says so, which takes the core past admission into claims,
 * records, digests, requests, probes, boot moves, path checks and direct
 * paths.
 *
 * Input: two header bytes, then operations, each an opcode byte (modulo
 * FM_OP__COUNT) and its arguments; bytes past the end read as 0.
 *
 *   cfg byte   bits 0-1 static peers (F0.. as listed peers, 0..3), bit 2
 *              C listed too, bit 3 LAN discovery, bit 4 clock untrusted,
 *              bit 5 C is no-transit, bit 6 C's id above the fakes', bit 7
 *              local addresses not yet known at the start
 *   seed byte  the core's randomness (probe ids, jitter)
 *
 * Packets come from one of 16 endpoints (fm_ep): C's own, the fakes'
 * current ones, others on C's LAN, foreign, IPv6, C's address at another
 * port, one with source port 0. Node ids (fm_id): the fakes', C's, 23 more
 * in the subnet, two outside it. Keys (fm_key): the fakes', C's, another.
 *
 *   RAW f len16 body        wire_decode(body) from endpoint f, as it is
 *   PATCHED k f p len16 body  the same, patched by p to come from fake k:
 *                           its id, boot, next counter, `to` naming C, the
 *                           echo of C's last challenge to it, peer_boot,
 *                           key; then re-encoded (the core only ever gets
 *                           what wire_decode can produce)
 *   HELLO k fl fl2 a        a hello of fake k, field by field
 *   ECHO k sel fl           fake k echoes a challenge C sent (to k's
 *                           endpoint, or the sel-th latest), from where C
 *                           sent it
 *   ADMIT k                 k says hello, then echoes C's answer
 *   RECORD k o fl n ...     a record of node o sent by k (own, relayed,
 *                           C's own, old, new boot, with local addresses,
 *                           reflexive endpoint, up to 1024 neighbours in
 *                           parts, parts dropped or repeated)
 *   DIGEST k fl n ...       a DIGEST or REQUEST of n entries
 *   PING k fl a, PONG k sel a PING from k, or k's answer to C's probe
 *   BYE k r                 k's LEAVE
 *   TIMER mode amount16     the timer at mesh_next_timer, or the clock
 *                           jumps (ms, 16 ms or minute steps)
 *   WG n (key fl rx tx ep)*n  WireGuard samples: keys C installed, the
 *                           fakes' keys or others
 *   PREFIXES n (addr len)*n  C's local prefixes change (roaming; n with bit 7:
 *                           addresses only, mesh_set_local_addrs)
 *   STATIC i addr           a static peer's address resolves
 *   RESTART k mode key      fake k restarts: newer, older, far newer, same
 *                           boot; another key (maybe another node's)
 *   MOVE k ep               fake k speaks from elsewhere now
 *   NEIGH k x               ADMIT, a WireGuard handshake, k's record
 *                           claiming C (and node x), 200 ms of timers
 *   LEAVE                   C leaves
 *   ALIAS k id              fake k starts anew as node id (another fake's,
 *                           C's, one of 24 more, one outside the subnet):
 *                           many nodes, the node cap, two starts of one id
 *   RELOAD mask ports       a reloaded net.yaml (mesh_set_statics): fakes
 *                           listed or not, ports changed, C, a repeat
 *   OPTIONS fl idle         mesh_set_options: no-transit, direct paths'
 *                           idle time, node cap 16, 8, 4 or 2
 *   ANNOUNCE k o fl n ...   a record of node o announcing up to 8 routes
 *                           (fm_route: documentation and private ranges,
 *                           default routes, the overlay, C's LAN, special
 *                           ranges) and maybe the exit offer
 *   SET_ROUTES fl n ... a ...  mesh_set_routes: C's exit offer, its routes,
 *                           allowExitNodes, useExitNode, acceptRoutes
 *
 * Invariants, after every event (abort() on violation):
 *   - every SEND / SEND_LAN message encodes with wire_encode (and decodes
 *     again), comes from C's id with a boot no newer than C's and a
 *     counter larger than every earlier one;
 *   - the route model: no ROUTE_ADD of an installed route, no ROUTE_DEL of
 *     one that is not; a route is another node's address, or outside the
 *     overlay a subnet route the core chose a carrier for, or the default
 *     route while it uses an exit node (dst_ok), never C's own address;
 *     whenever the core has no route computation pending, the routes into
 *     the overlay are exactly the reachable nodes other than C;
 *   - the device model (keyed by public key, as WireGuard is): no
 *     PEER_REMOVE of a key not installed; an allowed IP never on two peers;
 *     allowed IPs as routes (dst_ok); the peers the
 *     core believes installed are exactly the device's peers, with the
 *     allowed IPs it believes;
 *   - mesh_node_count() <= max_nodes (FM_MAX_NODES), and no new node while
 *     a lowered cap (OPTIONS) is exceeded; every node's status readable,
 *     self first; the listed peers' status, C's own, the edge iterator
 *     ends within the records' claims;
 *   - at most FM_MAX_ACTIONS actions per event (see there);
 *   - no stuck timer: after mesh_on_timer(now), mesh_next_timer() > now,
 *     or a few more rounds at the same time make it so (timer_at); and
 *     UINT64_MAX once C has left; after leaving, no peer and no route is
 *     left and none is added again.
 *
 * Seeds (fuzz/corpus/mesh/) are written by tests/test_fuzz_mesh.c, which
 * includes this file, runs each seed and checks how deep it gets:
 *   WGNM_WRITE_CORPUS=fuzz/corpus build/tests/test_fuzz_mesh
 * FUZZ_MESH_VERBOSE=1 prints the core's log and every operation.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/mesh.h"
#include "core/mesh_int.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FM_MAX_NODES 16		/* cfg.max_nodes: small, so the cap is reached */
#define FM_FAKES 6
#define FM_STATICS_MAX (FM_FAKES + 2)	/* the fakes, C, one repeated */
#define FM_MAX_OPS 512		/* operations per input */
#define FM_TIMER_STEPS 200	/* timer runs per TIMER operation at most */
#define FM_TIMER_CATCHUP 3	/* rounds a late timer may need to catch up */
/*
 * Actions per event. With max_nodes 16 and at most 7 listed peers the core
 * holds at most 23 peers. The largest fan-out of one event is one record
 * flooded to every neighbour: a relayed record may have WIRE_MAX_NEIGHBOURS
 * neighbours in WIRE_MAX_PARTS (37) parts, so 37 x 23 = 851 sends; our own
 * record (<= 23 neighbours) is one part per neighbour. Besides: answers to
 * one datagram within MESH_REPLY_BUDGET (64) parts, one digest per
 * neighbour (16 records fit in one packet), a hello, probe, LEAVE x 2 per
 * peer, a set or remove per peer twice (fib_update runs at most twice per
 * finish), a route per node and subnet route twice, logs a few per peer
 * and announcement. Well under 1100;
 * 4096 leaves room for a legitimate change while catching a loop that
 * emits without bound.
 */
#define FM_MAX_ACTIONS 4096
#define FM_RING 16		/* C's hellos and probes remembered */
#define FM_DEV_MAX 64		/* WireGuard peers on the model device */
#define FM_DEV_ALLOWED 64
#define FM_ROUTES_MAX 64
#define FM_KEYS 8
#define FM_IDS 32
#define FM_EPS 16
#define FM_T0 1000000ull

enum fm_op {
	FM_OP_RAW = 0,
	FM_OP_PATCHED,
	FM_OP_HELLO,
	FM_OP_ECHO,
	FM_OP_ADMIT,
	FM_OP_RECORD,
	FM_OP_DIGEST,
	FM_OP_PING,
	FM_OP_PONG,
	FM_OP_BYE,
	FM_OP_TIMER,
	FM_OP_WG,
	FM_OP_PREFIXES,
	FM_OP_STATIC,
	FM_OP_RESTART,
	FM_OP_MOVE,
	FM_OP_NEIGH,
	FM_OP_LEAVE,
	FM_OP_ALIAS,
	FM_OP_RELOAD,
	FM_OP_OPTIONS,
	FM_OP_ANNOUNCE,
	FM_OP_SET_ROUTES,
	FM_OP__COUNT,
};

/* cfg byte */
#define FM_CFG_STATICS 0x03u
#define FM_CFG_SELF_LISTED 0x04u
#define FM_CFG_LAN 0x08u
#define FM_CFG_UNTRUSTED 0x10u
#define FM_CFG_NO_TRANSIT 0x20u
#define FM_CFG_HIGH_ID 0x40u
#define FM_CFG_NO_LOCAL 0x80u

/* PATCHED flags */
#define FM_P_SENDER 0x01u
#define FM_P_BOOT 0x02u
#define FM_P_COUNTER 0x04u
#define FM_P_TO 0x08u		/* hello: to = C; record: origin = k, k's version */
#define FM_P_ECHO 0x10u
#define FM_P_PEER_BOOT 0x20u
#define FM_P_KEY 0x40u
#define FM_P_FROM_FAKE 0x80u

/* HELLO flags */
#define FM_H_REPLY 0x01u
#define FM_H_CHALLENGE 0x02u
#define FM_H_LAN 0x04u
#define FM_H_TO_OTHER 0x08u
#define FM_H_ECHO 0x10u
#define FM_H_PEER_BOOT 0x20u
#define FM_H_HELD_BOOT 0x40u
#define FM_H_OBSERVED 0x80u
/* HELLO flags 2: bits 0-1 name, 2-4 node flags */
#define FM_H2_KEY 0x20u
#define FM_H2_PORT 0x40u
#define FM_H2_FROM 0x80u

/* RECORD flags: bits 0-1 version */
#define FM_R_NAME 0x04u
#define FM_R_LOCAL 0x08u
#define FM_R_REFLEXIVE 0x10u
#define FM_R_NO_TRANSIT 0x20u
#define FM_R_LEFT 0x40u
#define FM_R_BIG 0x80u

/* WG entry flags */
#define FM_W_HANDSHAKE 0x01u
#define FM_W_ENDPOINT 0x02u
#define FM_W_RESET 0x04u
#define FM_W_BIG 0x08u
#define FM_W_NO_RX 0x10u

struct fuzz_mesh_stats {
	size_t ops;
	size_t events;
	size_t sends;
	size_t sent[WIRE_TYPE_MAX + 1];
	size_t echoes;		/* hellos echoing a challenge of C, fed */
	size_t max_nodes;	/* mesh_node_count() */
	size_t max_adjacent;	/* neighbours with the adjacency up */
	size_t max_claimed;	/* edges in C's own record */
	size_t max_routes;
	size_t max_subnet_routes;	/* routes outside the overlay */
	size_t exit_used;	/* events after which an exit node was in use */
	size_t subnet_refused;	/* announcements refused */
	size_t peer_sets, peer_removes, route_adds, route_dels;
	size_t direct_up;	/* a direct path came up */
	size_t boot_moves;
	size_t takeovers;	/* a new start took over a silent one's address */
	size_t claims_refused;
	size_t nodes_refused;	/* new nodes beyond the cap */
	size_t reply_limited;	/* record parts not sent: answer budget spent */
	size_t refused;
	size_t catchups;	/* timer rounds run again at the same time */
	bool left;
};

extern struct fuzz_mesh_stats fuzz_mesh_stats;
struct fuzz_mesh_stats fuzz_mesh_stats;

struct fm_in {
	const uint8_t *p;
	size_t n, off;
};

struct fm_fake {
	struct addr id;
	struct addr id0;		/* its first id: the one net.yaml may list */
	char name[WIRE_NAME_MAX + 1];
	uint64_t boot, counter, seq;
	unsigned key;			/* index into fm_key() */
	struct endpoint ep;		/* where its packets come from */
	uint64_t c_boot;		/* C's boot it has confirmed (0: none) */
	uint64_t chal;
};

struct fm_hello_seen {
	struct endpoint to;
	uint64_t boot;
	uint64_t challenge;
};

struct fm_ping_seen {
	struct endpoint to;
	uint32_t probe_id;
};

struct fm_dev_peer {
	uint8_t key[WIRE_KEY_LEN];
	size_t n;
	struct prefix allowed[FM_DEV_ALLOWED];
	uint64_t rx, tx;
	bool handshake;
	bool has_ep;
	struct endpoint ep;
};

struct fm {
	struct mesh *m;
	struct mesh_config cfg;
	struct mesh_static_peer statics[FM_STATICS_MAX];
	size_t n_statics;		/* the list C has now (reloads change it) */
	bool static_set[FM_FAKES];	/* fake k (its first id) listed, its address set */
	struct endpoint static_ep[FM_FAKES];
	size_t node_cap;		/* max_nodes now (reloads change it) */
	size_t prev_count;		/* mesh_node_count() after the last event */
	struct endpoint ep;		/* C's admin endpoint */
	uint64_t now;
	uint64_t rng;
	struct fm_fake fake[FM_FAKES];
	struct { uint64_t boot, seq; } ver[FM_IDS];	/* relayed records' versions */
	struct fm_hello_seen hellos[FM_RING];
	size_t n_hellos;
	struct fm_ping_seen pings[FM_RING];
	size_t n_pings;
	struct fm_dev_peer dev[FM_DEV_MAX];
	size_t n_dev;
	struct prefix routes[FM_ROUTES_MAX];
	size_t n_routes;
	uint64_t last_counter;
	bool left;
	bool verbose;
	size_t op;
};

static struct fm fm_state;

__attribute__((noreturn, format(printf, 2, 3))) static void violated(const struct fm *t,
								     const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_mesh: invariant violated at op %zu, t=%llu ms: ", t->op,
		(unsigned long long)(t->now - FM_T0));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- input ---- */

static bool in_more(const struct fm_in *in)
{
	return in->off < in->n;
}

static uint8_t u8(struct fm_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static uint16_t u16(struct fm_in *in)
{
	uint16_t hi = u8(in);

	return (uint16_t)(hi << 8 | u8(in));
}

/* ---- the cast: addresses, endpoints, ids, keys ---- */

static uint64_t fm_random(void *arg)
{
	uint64_t *x = arg, z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The secret of the challenges: a keyed MAC, as the daemon's (SipHash). */
static uint64_t fm_mac64(void *arg, const void *data, size_t len)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES] = { 0x6d, 0x65, 0x73, 0x68 };
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v;

	(void)arg;
	crypto_shorthash(out, data, len, key);
	memcpy(&v, out, sizeof(v));
	return v;
}

static struct addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t q[4] = { a, b, c, d };
	struct addr x;

	addr_from_v4(&x, q);
	return x;
}

static struct endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct endpoint e = { .addr = v4(a, b, c, d), .port = port };

	return e;
}

static struct addr v6(uint16_t last)
{
	struct addr x = { .b = { 0x20, 0x01, 0x0d, 0xb8 } };

	x.b[14] = (uint8_t)(last >> 8);
	x.b[15] = (uint8_t)last;
	return x;
}

/* Endpoints packets come from and addresses are taken from. */
static struct endpoint fm_ep(const struct fm *t, uint8_t sel)
{
	struct endpoint e;

	sel %= FM_EPS;
	if (sel >= 1 && sel <= FM_FAKES)
		return t->fake[sel - 1].ep;
	switch (sel) {
	case 0:
		return t->ep; /* C's own */
	case 7:
		return ep4(203, 0, 113, 7, 50001);
	case 8:
		return ep4(198, 51, 100, 8, 4242);
	case 9:
		return ep4(198, 18, 0, 9, 50001); /* C's LAN */
	case 10:
		e.addr = v6(10);
		e.port = 50001;
		return e;
	case 11:
		e = t->ep;
		e.port = 50002; /* C's address, another port */
		return e;
	case 12:
		return ep4(198, 18, 0, 200, 51820);
	case 13:
		return ep4(203, 0, 113, 200, 50001);
	case 14:
		return ep4(198, 51, 100, 14, 0); /* UDP delivers source port 0 too */
	default:
		return ep4(198, 18, 0, 100, 51820); /* F0's LAN address, WireGuard port */
	}
}

static struct addr fm_addr(const struct fm *t, uint8_t sel)
{
	return fm_ep(t, sel).addr;
}

/*
 * Node ids: the fakes' (as they start), C, others in the subnet, and two
 * outside it.
 */
static struct addr fm_id(const struct fm *t, uint8_t sel)
{
	sel %= FM_IDS;
	if (sel < FM_FAKES)
		return v4(10, 99, 0, (uint8_t)(100 + sel));
	if (sel == 6)
		return t->cfg.id;
	if (sel <= 12)
		return v4(10, 99, 0, (uint8_t)(30 + sel - 7));
	if (sel == 13)
		return v4(10, 99, 1, 1);
	if (sel == 14)
		return v4(10, 98, 0, 1);
	if (sel == 15)
		return v6(99);
	return v4(10, 99, 0, (uint8_t)(40 + sel - 16));
}

/*
 * Route prefixes (canonical): documentation and private ranges, the
 * default routes, the overlay and a node in it, C's LAN and address, the
 * fakes' underlay, loopback, multicast, link-local.
 */
static struct prefix fm_route(uint8_t sel, uint8_t len)
{
	static const uint8_t v4s[13][4] = {
		{ 192, 0, 2, 0 },  { 198, 51, 100, 0 }, { 0, 0, 0, 0 },   { 10, 99, 0, 0 },
		{ 10, 99, 0, 100 }, { 198, 18, 0, 0 },  { 203, 0, 113, 0 }, { 127, 0, 0, 0 },
		{ 224, 0, 0, 0 },  { 192, 0, 2, 128 }, { 10, 0, 0, 0 },   { 172, 16, 0, 0 },
		{ 198, 18, 0, 10 },
	};
	struct prefix p;

	sel %= 16;
	if (sel < 13) {
		p.addr = v4(v4s[sel][0], v4s[sel][1], v4s[sel][2], v4s[sel][3]);
		p.len = (uint8_t)(len % 33);
	} else {
		memset(&p.addr, 0, sizeof(p.addr));
		if (sel == 13)
			p.addr = v6(0); /* 2001:db8:: */
		else if (sel == 15)
			p.addr.b[0] = 0xfe, p.addr.b[1] = 0x80;
		p.len = (uint8_t)(len % 129);
	}
	prefix_mask(&p);
	return p;
}

/* Up to max distinct route prefixes from the input. */
static size_t read_routes(struct fm_in *in, struct prefix *out, size_t n, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t sel = u8(in), len = u8(in);
		struct prefix p = fm_route(sel, len);
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= prefix_eq(&out[j], &p);
		if (!dup && k < max)
			out[k++] = p;
	}
	return k;
}

static void fm_key(unsigned k, uint8_t out[WIRE_KEY_LEN])
{
	k %= FM_KEYS;
	if (k == 6) {
		memset(out, 0xa1, WIRE_KEY_LEN); /* C's own */
		return;
	}
	memset(out, (int)(0x11 * (k + 1)), WIRE_KEY_LEN);
	out[0] = (uint8_t)k;
}

static void fm_name_of(const struct fm *t, uint8_t sel, char *out)
{
	sel %= FM_IDS;
	if (sel < FM_FAKES)
		snprintf(out, WIRE_NAME_MAX + 1, "%s", t->fake[sel].name);
	else if (sel == 6)
		snprintf(out, WIRE_NAME_MAX + 1, "%s", t->cfg.name);
	else
		snprintf(out, WIRE_NAME_MAX + 1, "n%u", (unsigned)sel);
}

/* ---- the action list against the models ---- */

static long dev_find(const struct fm *t, const uint8_t *key)
{
	for (size_t i = 0; i < t->n_dev; i++)
		if (memcmp(t->dev[i].key, key, WIRE_KEY_LEN) == 0)
			return (long)i;
	return -1;
}

static long route_find(const struct fm *t, const struct prefix *p)
{
	for (size_t i = 0; i < t->n_routes; i++)
		if (prefix_eq(&t->routes[i], p))
			return (long)i;
	return -1;
}

static struct prefix host_of(const struct addr *a)
{
	struct prefix p = { .addr = *a, .len = addr_is_v4(a) ? 32 : 128 };

	return p;
}

static bool is_host(const struct prefix *p)
{
	return p->len == (addr_is_v4(&p->addr) ? 32 : 128);
}

/*
 * A destination the core may route into the tunnel (a route, an allowed
 * IP): another node's address, or outside the overlay a subnet route it
 * chose a carrier for, or the default route while it uses an exit node.
 */
/* A route into the overlay (the default route aside) */
static bool in_overlay(const struct fm *t, const struct prefix *p)
{
	return p->len && prefix_overlaps(p, &t->cfg.subnet);
}

static bool dst_ok(const struct fm *t, const struct prefix *p)
{
	const struct subnet_state *sn = &t->m->subnet;

	if (p->len == 0)
		return sn->has_exit;
	if (in_overlay(t, p))
		return is_host(p) && prefix_contains(&t->cfg.subnet, &p->addr) &&
		       !addr_eq(&p->addr, &t->cfg.id);
	for (size_t i = 0; i < sn->n_active; i++)
		if (prefix_eq(&sn->active[i].dst, p))
			return true;
	return false;
}

/* Not 0.0.0.0 or ::, not port 0 */
static bool endpoint_usable(const struct endpoint *e)
{
	static const uint8_t v4_any[4];

	if (addr_is_zero(&e->addr) || (addr_is_v4(&e->addr) && !memcmp(&e->addr.b[12], v4_any, 4)))
		return false;
	return e->port != 0;
}

static void remember_send(struct fm *t, const struct endpoint *to, const struct wire_msg *msg)
{
	const struct wire_hello *h = &msg->u.hello;

	if ((msg->hdr.type == WIRE_HELLO || msg->hdr.type == WIRE_HELLO_REPLY) && h->challenge) {
		struct fm_hello_seen *s = &t->hellos[t->n_hellos++ % FM_RING];
		s->to = *to;
		s->boot = msg->hdr.boot;
		s->challenge = h->challenge;
	} else if (msg->hdr.type == WIRE_PING) {
		struct fm_ping_seen *s = &t->pings[t->n_pings++ % FM_RING];
		s->to = *to;
		s->probe_id = msg->u.ping.probe_id;
	}
}

static void check_send(struct fm *t, const struct mesh_action *a)
{
	static uint8_t buf[WIRE_MAX_BODY];
	const struct wire_msg *msg = &a->u.send.msg;
	struct wire_msg back;
	enum wire_drop why;
	int n = wire_encode(buf, sizeof(buf), msg);

	if (n <= 0)
		violated(t, "the core emitted a message of type %u that wire_encode refuses (%d)",
		     msg->hdr.type, n);
	if (wire_decode(buf, (size_t)n, &back, &why) != 0)
		violated(t, "the core's message of type %u does not decode", msg->hdr.type);
	if (!addr_eq(&msg->hdr.sender, &t->cfg.id))
		violated(t, "the core sent a message in another node's name");
	if (msg->hdr.boot > mesh_config(t->m)->boot)
		violated(t, "the core sent a boot newer than its own");
	if (msg->hdr.counter <= t->last_counter)
		violated(t, "the core's packet counter did not increase (%llu after %llu)",
		     (unsigned long long)msg->hdr.counter, (unsigned long long)t->last_counter);
	t->last_counter = msg->hdr.counter;
	fuzz_mesh_stats.sends++;
	fuzz_mesh_stats.sent[msg->hdr.type]++;
	if (a->type == MESH_ACT_SEND)
		remember_send(t, &a->u.send.to, msg);
}

static void dev_set(struct fm *t, const struct mesh_action *a)
{
	long i = dev_find(t, a->u.peer.pubkey);
	struct fm_dev_peer *d;

	if (t->left)
		violated(t, "PEER_SET after leaving");
	if (a->u.peer.n_allowed > FM_DEV_ALLOWED)
		violated(t, "PEER_SET with %zu allowed IPs (more nodes than the cap)",
		     a->u.peer.n_allowed);
	if (a->u.peer.n_allowed && !a->u.peer.allowed)
		violated(t, "PEER_SET without its allowed IPs");
	for (size_t k = 0; k < a->u.peer.n_allowed; k++)
		if (!dst_ok(t, &a->u.peer.allowed[k]))
			violated(t, "PEER_SET allows a prefix that is neither another node's "
				    "address nor a route the core chose");
	if (i < 0) {
		if (t->n_dev == FM_DEV_MAX)
			violated(t, "more than %d WireGuard peers", FM_DEV_MAX);
		i = (long)t->n_dev++;
		memset(&t->dev[i], 0, sizeof(t->dev[i]));
		memcpy(t->dev[i].key, a->u.peer.pubkey, WIRE_KEY_LEN);
	}
	d = &t->dev[i];
	d->n = a->u.peer.n_allowed;
	if (d->n)
		memcpy(d->allowed, a->u.peer.allowed, d->n * sizeof(d->allowed[0]));
	if (a->u.peer.flags & MESH_PEER_HAS_ENDPOINT) {
		if (!endpoint_usable(&a->u.peer.endpoint))
			violated(t, "PEER_SET with an endpoint WireGuard cannot send to");
		d->has_ep = true;
		d->ep = a->u.peer.endpoint;
	}
	fuzz_mesh_stats.peer_sets++;
}

static void dev_remove(struct fm *t, const struct mesh_action *a)
{
	long i = dev_find(t, a->u.peer.pubkey);

	if (i < 0)
		violated(t, "PEER_REMOVE of a key that is not installed");
	t->dev[i] = t->dev[--t->n_dev];
	fuzz_mesh_stats.peer_removes++;
}

static void route_add(struct fm *t, const struct prefix *p)
{
	if (t->left)
		violated(t, "ROUTE_ADD after leaving");
	if (!dst_ok(t, p))
		violated(t, "ROUTE_ADD of a prefix that is neither another node's address "
			    "nor a route the core chose");
	if (route_find(t, p) >= 0)
		violated(t, "ROUTE_ADD of a route already installed");
	if (t->n_routes == FM_ROUTES_MAX)
		violated(t, "more than %d routes", FM_ROUTES_MAX);
	t->routes[t->n_routes++] = *p;
	fuzz_mesh_stats.route_adds++;
}

static void route_del(struct fm *t, const struct prefix *p)
{
	long i = route_find(t, p);

	if (i < 0)
		violated(t, "ROUTE_DEL of a route not installed");
	t->routes[i] = t->routes[--t->n_routes];
	fuzz_mesh_stats.route_dels++;
}

/* The status calls: bounded, and they end. */
static void check_status(const struct fm *t)
{
	const struct mesh *m = t->m;
	struct mesh_self_status self;
	struct mesh_static_status st;
	struct mesh_edge_iter it = { 0 };
	struct mesh_edge e;
	size_t claims = 0, edges = 0;

	mesh_self_status(m, &self);
	if (self.n_local > MESH_MAX_LOCAL)
		violated(t, "%zu local addresses in the status", self.n_local);
	if (mesh_static_count(m) != t->n_statics)
		violated(t, "%zu listed peers in the status, %zu listed", mesh_static_count(m),
			 t->n_statics);
	for (size_t i = 0; i < t->n_statics; i++)
		(void)mesh_static_status(m, i, &st);
	for (size_t i = 0; i < lsdb_count(&m->db); i++)
		claims += lsdb_at(&m->db, i)->n_neigh;
	while (mesh_edge_next(m, &it, &e))
		if (++edges > claims)
			violated(t, "more edges than the records claim (%zu)", claims);
}

/* State the models can be compared with after any event. */
static void check_state(struct fm *t)
{
	struct mesh *m = t->m;
	struct mesh_node_status st;
	size_t n = mesh_node_count(m), adj = 0, i;
	const struct lsdb_record *own;
	long d;

	if (n > FM_MAX_NODES)
		violated(t, "%zu nodes held, max_nodes is %d", n, FM_MAX_NODES);
	/* a lowered cap keeps the nodes held, but takes no new one */
	if (n > t->node_cap && n > t->prev_count)
		violated(t, "%zu nodes held after %zu, the cap is %zu", n, t->prev_count,
			 t->node_cap);
	t->prev_count = n;
	for (i = 0; mesh_node_status(m, i, &st); i++)
		if (i == 0 && !addr_eq(&st.id, &t->cfg.id))
			violated(t, "the first node of the status is not the core");
	if (i != n)
		violated(t, "%zu of %zu nodes have a status", i, n);
	(void)mesh_busy(m);
	check_status(t);
	/* an allowed IP on two peers: WireGuard would move it, silently */
	for (size_t a = 0; a < t->n_dev; a++)
		for (size_t b = a; b < t->n_dev; b++)
			for (size_t x = 0; x < t->dev[a].n; x++)
				for (size_t y = a == b ? x + 1 : 0; y < t->dev[b].n; y++)
					if (prefix_eq(&t->dev[a].allowed[x], &t->dev[b].allowed[y]))
						violated(t, "an allowed IP on two WireGuard peers");
	if (t->left) {
		if (t->n_dev || t->n_routes)
			violated(t, "%zu peers and %zu routes left after leaving", t->n_dev,
			     t->n_routes);
		return;
	}
	/* the peers the core believes installed are the device's, and only those */
	for (i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		adj += p->adj.up;
		if (p->direct.phase == DIRECT_UP)
			fuzz_mesh_stats.direct_up++;
		if (!p->fib.on)
			continue;
		d = dev_find(t, p->fib.key);
		if (d < 0)
			violated(t, "the core believes a WireGuard peer installed that the device lacks");
		if (t->dev[d].n != p->fib.n_allowed)
			violated(t, "a WireGuard peer has %zu allowed IPs on the device, the core "
				    "believes %zu", t->dev[d].n, p->fib.n_allowed);
		for (size_t k = 0; k < p->fib.n_allowed; k++)
			if (!prefix_eq(&t->dev[d].allowed[k], &p->fib.allowed[k]))
				violated(t, "a WireGuard peer's allowed IPs on the device are not "
					    "the ones the core believes");
	}
	for (size_t x = 0; x < t->n_dev; x++) {
		bool found = false;
		for (i = 0; i < m->peers.n && !found; i++) {
			const struct mesh_peer *p = m->peers.items[i];
			found = p->fib.on && memcmp(p->fib.key, t->dev[x].key, WIRE_KEY_LEN) == 0;
		}
		if (!found)
			violated(t, "a WireGuard peer on the device that the core does not know of");
	}
	/*
	 * With no computation pending, the routes into the overlay are
	 * exactly the reachable nodes, and the others are routes the core
	 * chose (dst_ok).
	 */
	if (!m->routes_dirty) {
		size_t reachable = 0, overlay = 0;
		for (i = 0; i < lsdb_count(&m->db); i++) {
			const struct lsdb_record *r = lsdb_at(&m->db, i);
			struct prefix h = host_of(&r->id);
			if (addr_eq(&r->id, &t->cfg.id))
				continue;
			if (r->route.reachable != (route_find(t, &h) >= 0))
				violated(t, "a node %s but %s", r->route.reachable ? "reachable" : "unreachable",
				     r->route.reachable ? "not routed" : "routed");
			reachable += r->route.reachable;
		}
		for (i = 0; i < t->n_routes; i++) {
			if (in_overlay(t, &t->routes[i]))
				overlay++;
			else if (!dst_ok(t, &t->routes[i]))
				violated(t, "a subnet route installed that the core no longer chooses");
		}
		if (reachable != overlay)
			violated(t, "%zu routes into the overlay for %zu reachable nodes", overlay,
				 reachable);
	}
	own = lsdb_get(&m->db, &t->cfg.id);
	if (!own)
		violated(t, "the core holds no record of itself");
	if (n > fuzz_mesh_stats.max_nodes)
		fuzz_mesh_stats.max_nodes = n;
	if (adj > fuzz_mesh_stats.max_adjacent)
		fuzz_mesh_stats.max_adjacent = adj;
	if (own->n_neigh > fuzz_mesh_stats.max_claimed)
		fuzz_mesh_stats.max_claimed = own->n_neigh;
	if (t->n_routes > fuzz_mesh_stats.max_routes)
		fuzz_mesh_stats.max_routes = t->n_routes;
	{
		size_t sub = 0;
		for (i = 0; i < t->n_routes; i++)
			sub += !in_overlay(t, &t->routes[i]);
		if (sub > fuzz_mesh_stats.max_subnet_routes)
			fuzz_mesh_stats.max_subnet_routes = sub;
	}
	fuzz_mesh_stats.exit_used += m->subnet.has_exit;
	fuzz_mesh_stats.subnet_refused = m->subnet.refused;
	fuzz_mesh_stats.boot_moves = mesh_counters(m)->boot_moves;
	fuzz_mesh_stats.takeovers = mesh_counters(m)->takeovers;
	fuzz_mesh_stats.claims_refused = mesh_counters(m)->claims_refused;
	fuzz_mesh_stats.nodes_refused = mesh_counters(m)->nodes_refused;
	fuzz_mesh_stats.reply_limited = mesh_counters(m)->reply_limited;
	fuzz_mesh_stats.refused = mesh_counters(m)->drops[WIRE_DROP_REFUSED];
}

static void print_action(const struct fm *t, const struct mesh_action *a)
{
	char s[ENDPOINT_STRLEN], p[64];

	fprintf(stderr, "%8llu -> ", (unsigned long long)(t->now - FM_T0));
	switch (a->type) {
	case MESH_ACT_SEND:
	case MESH_ACT_SEND_LAN:
		fprintf(stderr, "type %u to %s counter %llu\n", a->u.send.msg.hdr.type,
			a->type == MESH_ACT_SEND ? endpoint_fmt(&a->u.send.to, s, sizeof(s)) : "LAN",
			(unsigned long long)a->u.send.msg.hdr.counter);
		break;
	case MESH_ACT_PEER_SET:
		fprintf(stderr, "PEER_SET key %02x%02x.. keepalive %u, %zu allowed%s%s\n",
			a->u.peer.pubkey[0], a->u.peer.pubkey[1], a->u.peer.keepalive,
			a->u.peer.n_allowed, (a->u.peer.flags & MESH_PEER_HAS_ENDPOINT) ?
			", endpoint " : "", (a->u.peer.flags & MESH_PEER_HAS_ENDPOINT) ?
			endpoint_fmt(&a->u.peer.endpoint, s, sizeof(s)) : "");
		break;
	case MESH_ACT_PEER_REMOVE:
		fprintf(stderr, "PEER_REMOVE key %02x%02x..\n", a->u.peer.pubkey[0],
			a->u.peer.pubkey[1]);
		break;
	case MESH_ACT_ROUTE_ADD:
	case MESH_ACT_ROUTE_DEL:
		fprintf(stderr, "ROUTE_%s %s\n", a->type == MESH_ACT_ROUTE_ADD ? "ADD" : "DEL",
			prefix_fmt(&a->u.route.dst, p, sizeof(p)));
		break;
	case MESH_ACT_LOG:
		break;
	case MESH_ACT_REVOKED:
		fprintf(stderr, "REVOKED\n");
		break;
	}
}

/* Take the actions of one event into the models. */
static void collect(struct fm *t)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(t->m, &acts);

	fuzz_mesh_stats.events++;
	if (n > FM_MAX_ACTIONS)
		violated(t, "%zu actions from one event", n);
	for (size_t i = 0; i < n; i++) {
		const struct mesh_action *a = &acts[i];
		if (t->verbose && a->type != MESH_ACT_LOG)
			print_action(t, a);
		switch (a->type) {
		case MESH_ACT_SEND:
		case MESH_ACT_SEND_LAN:
			check_send(t, a);
			break;
		case MESH_ACT_PEER_SET:
			dev_set(t, a);
			break;
		case MESH_ACT_PEER_REMOVE:
			dev_remove(t, a);
			break;
		case MESH_ACT_ROUTE_ADD:
			route_add(t, &a->u.route.dst);
			break;
		case MESH_ACT_ROUTE_DEL:
			route_del(t, &a->u.route.dst);
			break;
		case MESH_ACT_LOG:
			if (t->verbose)
				fprintf(stderr, "%8llu   %s\n", (unsigned long long)(t->now - FM_T0),
					a->u.log.text);
			break;
		case MESH_ACT_REVOKED: /* a network without a CA has no revocations */
			violated(t, "a revocation in a network without a CA");
			break;
		default:
			violated(t, "an action of unknown type %d", (int)a->type);
		}
	}
	mesh_actions_clear(t->m);
	check_state(t);
}

/* ---- events ---- */

/*
 * The timer, as the daemon runs it: mesh_on_timer(now), and at once again
 * while mesh_next_timer() <= now. A timer that ran late (the host slept)
 * may leave one more deadline due that the same round could not see (a
 * check that just ended makes the idle deadline, long past, the next);
 * the next round takes it. A timer still due after FM_TIMER_CATCHUP more
 * rounds at the same time is stuck: the daemon would spin.
 */
static void timer_at(struct fm *t, uint64_t at)
{
	uint64_t next;

	if (at > t->now)
		t->now = at;
	mesh_on_timer(t->m, t->now);
	collect(t);
	for (unsigned r = 0; (next = mesh_next_timer(t->m)) <= t->now; r++) {
		if (r == FM_TIMER_CATCHUP)
			violated(t, "a stuck timer: mesh_next_timer() is %llu after %u rounds of "
				"mesh_on_timer(%llu)",
			     (unsigned long long)next, r + 1, (unsigned long long)t->now);
		fuzz_mesh_stats.catchups++;
		mesh_on_timer(t->m, t->now);
		collect(t);
	}
	if (t->left && next != UINT64_MAX)
		violated(t, "mesh_next_timer() is %llu after leaving", (unsigned long long)next);
}

/* Timers up to now + ms, as the daemon's loop would run them. */
static void run_timers(struct fm *t, uint64_t ms)
{
	uint64_t end = t->now + ms;

	for (unsigned k = 0; k < FM_TIMER_STEPS; k++) {
		uint64_t next = mesh_next_timer(t->m);
		if (next > end)
			break;
		timer_at(t, next);
	}
	if (end > t->now)
		t->now = end;
}

/*
 * Feed a message as the daemon would: only what wire_decode produces
 * reaches the core, so a struct the encoder refuses is not sent at all.
 */
static bool feed(struct fm *t, const struct endpoint *from, const struct wire_msg *msg)
{
	static uint8_t buf[WIRE_MAX_BODY];
	struct wire_msg dec;
	enum wire_drop why;
	int n = wire_encode(buf, sizeof(buf), msg);

	if (n <= 0 || wire_decode(buf, (size_t)n, &dec, &why) != 0)
		return false;
	if (t->verbose) {
		char s[ENDPOINT_STRLEN], id[ADDR_STRLEN];
		fprintf(stderr, "%8llu <- type %u from %s (%s) boot %llu counter %llu\n",
			(unsigned long long)(t->now - FM_T0), dec.hdr.type,
			addr_fmt(&dec.hdr.sender, id, sizeof(id)), endpoint_fmt(from, s, sizeof(s)),
			(unsigned long long)dec.hdr.boot, (unsigned long long)dec.hdr.counter);
	}
	mesh_on_packet(t->m, t->now, from, &dec);
	collect(t);
	return true;
}

static struct wire_msg fake_msg(struct fm_fake *f, enum wire_type type)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = (uint8_t)type;
	m.hdr.sender = f->id;
	m.hdr.boot = f->boot;
	m.hdr.counter = ++f->counter;
	return m;
}

static bool is_static_ep(const struct fm *t, unsigned k, const struct endpoint *ep)
{
	return t->static_set[k] && endpoint_eq(&t->static_ep[k], ep);
}

/* The fake whose first id a listed peer has, or -1 (C, or none). */
static int static_fake(const struct fm *t, size_t idx)
{
	for (unsigned k = 0; k < FM_FAKES; k++)
		if (addr_eq(&t->statics[idx].id, &t->fake[k].id0))
			return (int)k;
	return -1;
}

/*
 * The challenge C sent last to fake k (at its endpoint, or at its listed
 * address), or the sel-th latest of any when sel has bit 7.
 */
static const struct fm_hello_seen *challenge_for(const struct fm *t, unsigned k, uint8_t sel)
{
	size_t have = t->n_hellos < FM_RING ? t->n_hellos : FM_RING;

	if (!have)
		return NULL;
	if (sel & 0x80)
		return &t->hellos[(t->n_hellos - 1 - (sel & 0x7fu) % have) % FM_RING];
	for (size_t i = 0; i < have; i++) {
		const struct fm_hello_seen *s = &t->hellos[(t->n_hellos - 1 - i) % FM_RING];
		if (endpoint_eq(&s->to, &t->fake[k].ep) || is_static_ep(t, k, &s->to))
			return s;
	}
	return NULL;
}

static void fill_hello(const struct fm *t, const struct fm_fake *f, struct wire_msg *m)
{
	struct wire_hello *h = &m->u.hello;

	snprintf(h->name, sizeof(h->name), "%s", f->name);
	h->wg_port = 51820;
	h->admin_port = 50001;
	fm_key(f->key, h->pubkey);
	h->has = WIRE_HELLO_HAS_TO;
	h->to = t->ep;
	h->record_seq = f->seq;
	if (f->c_boot) {
		h->has |= WIRE_HELLO_HAS_PEER_BOOT;
		h->peer_boot = f->c_boot;
	}
}

static uint64_t fake_challenge(struct fm_fake *f)
{
	return 0x5a5a000000000000ull | ++f->chal;
}

/* Fake k answers challenge s from where C sent it. */
static void echo(struct fm *t, unsigned k, const struct fm_hello_seen *s, uint8_t fl)
{
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, (fl & 1) ? WIRE_HELLO_REPLY : WIRE_HELLO);
	struct wire_hello *h = &m.u.hello;

	f->ep = s->to;
	f->c_boot = s->boot; /* it confirmed C: C's hello echoed its challenge */
	fill_hello(t, f, &m);
	h->has |= WIRE_HELLO_HAS_ECHO;
	h->echo = s->challenge;
	if (fl & 2)
		h->challenge = fake_challenge(f);
	if (fl & 4) {
		h->has |= WIRE_HELLO_HAS_OBSERVED;
		h->observed = t->ep;
	}
	if (fl & 8)
		h->has &= ~WIRE_HELLO_HAS_PEER_BOOT;
	if (feed(t, &f->ep, &m))
		fuzz_mesh_stats.echoes++;
}

static void op_admit(struct fm *t, unsigned k)
{
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, WIRE_HELLO);
	const struct fm_hello_seen *s;
	size_t before = t->n_hellos;

	fill_hello(t, f, &m);
	m.u.hello.challenge = fake_challenge(f);
	feed(t, &f->ep, &m);
	if (t->n_hellos == before)
		return; /* not challenged: confirmed already, or refused */
	s = challenge_for(t, k, 0);
	if (s)
		echo(t, k, s, 0);
}

static void op_raw(struct fm *t, struct fm_in *in, bool patched)
{
	unsigned k = patched ? u8(in) % FM_FAKES : 0;
	uint8_t fsel = u8(in), pf = patched ? u8(in) : 0;
	size_t len = u16(in) % (WIRE_MAX_BODY + 1u), avail = in->n - in->off;
	struct endpoint from = fm_ep(t, fsel);
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m;
	enum wire_drop why = WIRE_DROP__COUNT;

	if (len > avail)
		len = avail;
	if (wire_decode(in->p + in->off, len, &m, &why) != 0) {
		in->off += len;
		if (why != WIRE_DROP_MALFORMED && why != WIRE_DROP_UNKNOWN_TYPE)
			violated(t, "wire_decode failed with drop reason %d", (int)why);
		mesh_on_drop(t->m, why);
		collect(t);
		return;
	}
	in->off += len;
	if (!patched) {
		mesh_on_packet(t->m, t->now, &from, &m);
		collect(t);
		return;
	}
	if (pf & FM_P_FROM_FAKE)
		from = f->ep;
	if (pf & FM_P_SENDER)
		m.hdr.sender = f->id;
	if (pf & FM_P_BOOT)
		m.hdr.boot = f->boot;
	if (pf & FM_P_COUNTER)
		m.hdr.counter = ++f->counter;
	if (m.hdr.type == WIRE_HELLO || m.hdr.type == WIRE_HELLO_REPLY) {
		struct wire_hello *h = &m.u.hello;
		const struct fm_hello_seen *s = challenge_for(t, k, 0);
		if ((pf & FM_P_TO) && !(h->has & WIRE_HELLO_LAN)) {
			h->has |= WIRE_HELLO_HAS_TO;
			h->to = t->ep;
		}
		if ((pf & FM_P_ECHO) && s) {
			h->has |= WIRE_HELLO_HAS_ECHO;
			h->echo = s->challenge;
		}
		if (pf & FM_P_PEER_BOOT) {
			h->has |= WIRE_HELLO_HAS_PEER_BOOT;
			h->peer_boot = mesh_config(t->m)->boot;
		}
		if (pf & FM_P_KEY)
			fm_key(f->key, h->pubkey);
	} else if (m.hdr.type == WIRE_RECORD && (pf & FM_P_TO)) {
		m.u.record.id = f->id;
		m.u.record.boot = f->boot;
		m.u.record.seq = ++f->seq;
		if (pf & FM_P_KEY)
			fm_key(f->key, m.u.record.pubkey);
	}
	feed(t, &from, &m);
}

static void op_hello(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	uint8_t fl = u8(in), fl2 = u8(in), arg = u8(in);
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, (fl & FM_H_REPLY) ? WIRE_HELLO_REPLY : WIRE_HELLO);
	struct wire_hello *h = &m.u.hello;
	struct endpoint from = (fl2 & FM_H2_FROM) ? fm_ep(t, arg) : f->ep;
	uint64_t c_boot = mesh_config(t->m)->boot;

	fill_hello(t, f, &m);
	if (fl & FM_H_CHALLENGE)
		h->challenge = fake_challenge(f);
	if (fl & FM_H_LAN) {
		h->has &= ~WIRE_HELLO_HAS_TO;
		h->has |= WIRE_HELLO_LAN;
	} else if (fl & FM_H_TO_OTHER) {
		h->to = fm_ep(t, arg);
	}
	if (fl & FM_H_ECHO) {
		const struct fm_hello_seen *s = challenge_for(t, k, arg);
		h->has |= WIRE_HELLO_HAS_ECHO;
		h->echo = s ? s->challenge : (uint64_t)arg << 40 | arg;
	}
	if (fl & FM_H_PEER_BOOT) {
		h->has |= WIRE_HELLO_HAS_PEER_BOOT;
		h->peer_boot = (arg & 1) ? c_boot : c_boot - 1;
	}
	if (fl & FM_H_HELD_BOOT) {
		h->has |= WIRE_HELLO_HAS_HELD_BOOT;
		h->held_boot = arg == 0xff ? UINT64_MAX - 1
			       : arg >= 0xf0 ? c_boot + MESH_BOOT_JUMP_MAX + arg
					     : c_boot + (arg & 7);
	}
	if (fl & FM_H_OBSERVED) {
		h->has |= WIRE_HELLO_HAS_OBSERVED;
		h->observed = fm_ep(t, (uint8_t)(arg >> 4));
	}
	switch (fl2 & 3) {
	case 1:
		fm_name_of(t, arg, h->name); /* another node's name */
		break;
	case 2:
		snprintf(h->name, sizeof(h->name), "x%u", arg & 3u);
		break;
	default:
		break;
	}
	h->flags = (fl2 >> 2) & WIRE_NODE_KNOWN_FLAGS;
	if (fl2 & FM_H2_KEY)
		fm_key(arg, h->pubkey);
	if (fl2 & FM_H2_PORT)
		h->wg_port = (uint16_t)(51820 + arg);
	feed(t, &from, &m);
}

/* A version of node o's record: the fake's own, C's, or a relayed one. */
static void record_version(struct fm *t, uint8_t o, uint8_t mode, uint64_t *boot, uint64_t *seq)
{
	uint64_t *b, *s;
	uint64_t c_boot = mesh_config(t->m)->boot, c_seq = t->m->seq;

	o %= FM_IDS;
	if (o < FM_FAKES) {
		b = &t->fake[o].boot;
		s = &t->fake[o].seq;
	} else if (o == 6) {
		/* C's own record: as held, newer, or a newer boot (a clock gone back) */
		*boot = c_boot + (mode == 3);
		*seq = mode == 2 ? c_seq : c_seq + 1;
		return;
	} else {
		b = &t->ver[o].boot;
		s = &t->ver[o].seq;
	}
	switch (mode & 3) {
	case 0:
		++*s;
		break;
	case 1:
		break; /* the version held: a repeat */
	case 2:
		if (*s > 1)
			--*s;
		break;
	default:
		++*b;
		*s = 1;
		break;
	}
	if (!*s)
		*s = 1;
	*boot = *b;
	*seq = *s;
}

static void op_record(struct fm *t, struct fm_in *in)
{
	static struct wire_neighbour all[WIRE_MAX_NEIGHBOURS];
	unsigned k = u8(in) % FM_FAKES;
	uint8_t o = u8(in) % FM_IDS, fl = u8(in), n = u8(in) % 9, skip = 0xff, twice = 0xff;
	struct fm_fake *f = &t->fake[k];
	struct wire_record fixed;
	uint16_t total = n;
	unsigned parts;

	memset(&fixed, 0, sizeof(fixed));
	fixed.id = fm_id(t, o);
	record_version(t, o, fl & 3, &fixed.boot, &fixed.seq);
	fm_name_of(t, (fl & FM_R_NAME) ? (uint8_t)(o + 1) : o, fixed.name);
	if (o < FM_FAKES)
		fm_key(t->fake[o].key, fixed.pubkey);
	else
		fm_key(o == 6 ? 6 : o, fixed.pubkey);
	fixed.wg_port = 51820;
	fixed.admin_port = 50001;
	fixed.flags = ((fl & FM_R_NO_TRANSIT) ? WIRE_NODE_NO_TRANSIT : 0) |
		      ((fl & FM_R_LEFT) ? WIRE_NODE_LEFT : 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t id = u8(in), kc = u8(in);
		all[i] = (struct wire_neighbour){
			.id = fm_id(t, id),
			.kind = (uint8_t)(kc % 3 + 1),
			.cost = (uint16_t)(1 + (kc >> 2) * 64),
		};
	}
	if (fl & FM_R_LOCAL) {
		uint8_t nl = u8(in) % 3 + 1;
		for (unsigned i = 0; i < nl; i++)
			fixed.local[fixed.n_local++] = fm_addr(t, u8(in));
	}
	if (fl & FM_R_REFLEXIVE) {
		fixed.has = WIRE_RECORD_HAS_REFLEXIVE;
		fixed.reflexive = fm_ep(t, u8(in));
		fixed.reflexive.port = 51820;
	}
	if (fl & FM_R_BIG) {
		/* many neighbours, in parts: one may be lost, one repeated */
		uint8_t more = u8(in), pert = u8(in);
		total = (uint16_t)(n + 32u + more * 4u);
		if (total > WIRE_MAX_NEIGHBOURS)
			total = WIRE_MAX_NEIGHBOURS;
		for (unsigned i = n; i < total; i++)
			all[i] = (struct wire_neighbour){
				.id = v4(10, 99, (uint8_t)(2 + i / 250), (uint8_t)(1 + i % 250)),
				.kind = WIRE_PATH_DIRECT,
				.cost = 10,
			};
		if (pert & 0x80)
			skip = pert & 0x3f;
		if (pert & 0x40)
			twice = (pert >> 1) & 0x3f;
	}
	fixed.total_neighbours = total;
	parts = wire_record_part_count(total);
	for (unsigned p = 0; p < parts; p++) {
		struct wire_msg m = fake_msg(f, WIRE_RECORD);
		if (p == skip)
			continue;
		wire_record_part_fill(&m.u.record, &fixed, all, total, p);
		if (!feed(t, &f->ep, &m))
			return; /* the encoder refused it (a neighbour twice, itself) */
		if (p == twice) {
			m.hdr.counter = ++f->counter;
			feed(t, &f->ep, &m);
		}
	}
}

/*
 * A record of node o sent by fake k that announces routes (and maybe the
 * exit offer): one part, up to 8 neighbours, up to 8 routes.
 */
static void op_announce(struct fm *t, struct fm_in *in)
{
	struct wire_neighbour nb[8];
	unsigned k = u8(in) % FM_FAKES;
	uint8_t o = u8(in) % FM_IDS, fl = u8(in), n = u8(in) % 9;
	struct fm_fake *f = &t->fake[k];
	struct wire_record fixed;
	struct wire_msg m = fake_msg(f, WIRE_RECORD);

	memset(&fixed, 0, sizeof(fixed));
	fixed.id = fm_id(t, o);
	record_version(t, o, fl & 3, &fixed.boot, &fixed.seq);
	fm_name_of(t, o, fixed.name);
	fm_key(o < FM_FAKES ? t->fake[o].key : o, fixed.pubkey);
	fixed.wg_port = 51820;
	fixed.admin_port = 50001;
	fixed.flags = (fl & 4) ? WIRE_NODE_EXIT : 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t id = u8(in), kc = u8(in);
		nb[i] = (struct wire_neighbour){
			.id = fm_id(t, id), .kind = (uint8_t)(kc % 3 + 1), .cost = (uint16_t)(1 + kc),
		};
	}
	fixed.n_routes = (uint8_t)read_routes(in, fixed.routes, (fl >> 3) % 9, WIRE_MAX_ROUTES);
	if (fixed.n_routes)
		fixed.has |= WIRE_RECORD_HAS_ROUTES;
	fixed.total_neighbours = n;
	wire_record_part_fill(&m.u.record, &fixed, nb, n, 0);
	feed(t, &f->ep, &m);
}

/*
 * C's routes settings change (mesh_set_routes, a reload): the exit offer,
 * allowExitNodes, useExitNode (none, a fake by name, auto), its own routes,
 * acceptRoutes.
 */
static void op_set_routes(struct fm *t, struct fm_in *in)
{
	static struct prefix accept[4];
	struct mesh_config c = *mesh_config(t->m);
	uint8_t fl = u8(in), nr = u8(in) % 9;

	c.flags = (c.flags & ~WIRE_NODE_EXIT) | ((fl & 1) ? WIRE_NODE_EXIT : 0);
	c.allow_exit_nodes = (fl & 2) != 0;
	c.use_exit = (enum mesh_use_exit)((fl >> 2) % 3);
	fm_name_of(t, (uint8_t)(fl >> 4), c.use_exit_name);
	c.n_routes = read_routes(in, c.routes, nr, WIRE_MAX_ROUTES);
	c.n_accept_routes = read_routes(in, accept, u8(in) % 5, 4);
	c.accept_routes = accept;
	if (mesh_set_routes(t->m, &c, t->now) < 0)
		violated(t, "mesh_set_routes failed");
	collect(t);
}

static void op_digest(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	uint8_t fl = u8(in), n = u8(in) % (WIRE_DIGEST_MAX + 1);
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, (fl & 1) ? WIRE_REQUEST : WIRE_DIGEST);
	struct wire_digest *d = &m.u.digest;

	for (unsigned i = 0; i < n; i++) {
		uint8_t idsel = u8(in), v = u8(in);
		struct wire_digest_entry *e = &d->entries[d->n++];
		const struct lsdb_record *r;
		e->id = fm_id(t, idsel);
		r = lsdb_get(&t->m->db, &e->id);
		e->boot = r ? r->boot : 5000;
		e->seq = r ? r->seq : 1;
		/* v: boot -1/0/+1, seq -2..+2 */
		e->boot = e->boot + (v % 3) - 1;
		e->seq = e->seq + ((v >> 2) % 5) - 2;
		if (!e->boot)
			e->boot = 1;
	}
	if (fl & 2) {
		d->total = (uint16_t)lsdb_count(&t->m->db);
		d->hash = lsdb_hash(&t->m->db);
	} else {
		uint64_t acc = 0;
		for (unsigned i = 0; i < d->n; i++)
			acc = wire_digest_hash_add(acc, &d->entries[i]);
		d->total = (fl & 4) ? (uint16_t)(fl >> 3) : d->n;
		d->hash = acc;
	}
	feed(t, &f->ep, &m);
}

static void fill_db(const struct fm *t, struct wire_ping *p, bool right, uint8_t arg)
{
	p->has |= WIRE_PING_HAS_DB;
	p->db_total = right ? (uint16_t)lsdb_count(&t->m->db) : arg;
	p->db_hash = right ? lsdb_hash(&t->m->db) : (uint64_t)arg * 0x100000001b3ull;
}

static void op_ping(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	uint8_t fl = u8(in), arg = u8(in);
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, (fl & 1) ? WIRE_PONG : WIRE_PING);
	struct wire_ping *p = &m.u.ping;

	p->probe_id = (uint32_t)arg * 0x01010101u;
	p->record_seq = (fl & 2) ? f->seq + arg : f->seq;
	if (fl & 4) {
		p->has |= WIRE_PING_HAS_OBSERVED_WG;
		p->observed_wg = fm_ep(t, arg);
		p->observed_wg.port = (uint16_t)(51820 + (fl >> 5));
	}
	if (fl & 8)
		fill_db(t, p, fl & 16, arg);
	feed(t, &f->ep, &m);
}

/* Fake k answers a probe C sent (to its endpoint, or the sel-th latest). */
static void op_pong(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	uint8_t sel = u8(in), arg = u8(in);
	size_t have = t->n_pings < FM_RING ? t->n_pings : FM_RING;
	struct fm_fake *f = &t->fake[k];
	const struct fm_ping_seen *s = NULL;
	struct wire_msg m;

	if (!have)
		return;
	if (sel & 0x80) {
		s = &t->pings[(t->n_pings - 1 - (sel & 0x1fu) % have) % FM_RING];
	} else {
		for (size_t i = 0; i < have && !s; i++) {
			const struct fm_ping_seen *c = &t->pings[(t->n_pings - 1 - i) % FM_RING];
			if (endpoint_eq(&c->to, &f->ep) || is_static_ep(t, k, &c->to))
				s = c;
		}
	}
	if (!s)
		return;
	m = fake_msg(f, WIRE_PONG);
	m.u.ping.probe_id = s->probe_id;
	m.u.ping.record_seq = f->seq;
	if (sel & 0x40) {
		m.u.ping.has |= WIRE_PING_HAS_OBSERVED_WG;
		m.u.ping.observed_wg = fm_ep(t, arg);
		m.u.ping.observed_wg.port = 51820;
	}
	fill_db(t, &m.u.ping, !(sel & 0x20), arg);
	feed(t, &s->to, &m);
}

static void op_bye(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	struct fm_fake *f = &t->fake[k];
	struct wire_msg m = fake_msg(f, WIRE_LEAVE);

	m.u.leave.reason = u8(in) & 1;
	feed(t, &f->ep, &m);
}

static void op_timer(struct fm *t, struct fm_in *in)
{
	uint8_t mode = u8(in) % 4;
	uint64_t amount = (uint64_t)u16(in) + 1;

	switch (mode) {
	case 0: {
		uint64_t next = mesh_next_timer(t->m);
		if (next != UINT64_MAX)
			timer_at(t, next);
		break;
	}
	case 1:
		run_timers(t, amount);
		break;
	case 2:
		run_timers(t, amount * 16);
		break;
	default:
		/* the host slept: one late timer, long after it was due */
		t->now += amount * 60000;
		if (t->now >= mesh_next_timer(t->m))
			timer_at(t, t->now);
		break;
	}
}

static void op_wg(struct fm *t, struct fm_in *in)
{
	struct mesh_wg_stats st[4];
	size_t n = u8(in) % 4 + 1;

	memset(st, 0, sizeof(st));
	for (size_t i = 0; i < n; i++) {
		uint8_t ks = u8(in), fl = u8(in), rx = u8(in), tx = u8(in), es = u8(in);
		struct fm_dev_peer scratch, *d;
		long di;

		if (ks < 0xc0 && t->n_dev)
			memcpy(st[i].pubkey, t->dev[ks % t->n_dev].key, WIRE_KEY_LEN);
		else
			fm_key(ks, st[i].pubkey);
		di = dev_find(t, st[i].pubkey);
		memset(&scratch, 0, sizeof(scratch));
		d = di >= 0 ? &t->dev[di] : &scratch;
		if (fl & FM_W_RESET)
			d->rx = d->tx = 0;
		if (!(fl & FM_W_NO_RX))
			d->rx += (uint64_t)rx * ((fl & FM_W_BIG) ? 4096 : 4);
		d->tx += (uint64_t)tx * ((fl & FM_W_BIG) ? 4096 : 4);
		if (fl & FM_W_HANDSHAKE)
			d->handshake = true;
		st[i].rx_bytes = d->rx;
		st[i].tx_bytes = d->tx;
		st[i].last_handshake_sec = d->handshake ? 1600000000 + (int64_t)(t->now / 1000) : 0;
		if (fl & FM_W_ENDPOINT) {
			d->has_ep = true;
			d->ep = fm_ep(t, es);
		}
		st[i].has_endpoint = d->has_ep;
		st[i].endpoint = d->ep;
	}
	mesh_on_wg_stats(t->m, t->now, st, n);
	collect(t);
}

/* n with bit 7: addresses only (mesh_set_local_addrs: host prefixes) */
static void op_prefixes(struct fm *t, struct fm_in *in)
{
	struct prefix pfx[4];
	struct addr addrs[4];
	uint8_t nb = u8(in);
	size_t n = nb % 5;

	for (size_t i = 0; i < n; i++) {
		uint8_t a = u8(in), len = u8(in);
		pfx[i].addr = addrs[i] = fm_addr(t, a);
		pfx[i].len = (uint8_t)(len % (addr_is_v4(&pfx[i].addr) ? 33 : 129));
	}
	if (nb & 0x80)
		mesh_set_local_addrs(t->m, addrs, n, t->now);
	else
		mesh_set_local_prefixes(t->m, pfx, n, t->now);
	collect(t);
}

static void op_static(struct fm *t, struct fm_in *in)
{
	size_t idx = u8(in) % (t->n_statics + 1);
	struct addr a = fm_addr(t, u8(in));
	int k = idx < t->n_statics ? static_fake(t, idx) : -1;

	if (k >= 0) {
		t->static_set[k] = true;
		t->static_ep[k] = (struct endpoint){ .addr = a, .port = t->statics[idx].admin_port };
	}
	mesh_set_static_addr(t->m, idx, &a, t->now);
	collect(t);
}

/*
 * A reloaded net.yaml: the fakes of mask bits 0-5 listed (ports changed
 * for those of bits 0-5 of `ports`), C with bit 6, the first entry again
 * with bit 7.
 */
static void op_reload(struct fm *t, struct fm_in *in)
{
	uint8_t mask = u8(in), ports = u8(in);
	size_t n = 0;

	for (unsigned k = 0; k < FM_FAKES; k++) {
		const struct mesh_static_peer *old = NULL;
		uint16_t wg_port = (ports >> k) & 1 ? 51821 : 51820;
		for (size_t i = 0; i < t->n_statics; i++)
			if (addr_eq(&t->statics[i].id, &t->fake[k].id0))
				old = &t->statics[i];
		/* a new listing, or new ports: its address is looked up again */
		if (!(mask >> k & 1) || !old || old->wg_port != wg_port)
			t->static_set[k] = false;
		if (mask >> k & 1)
			t->statics[n++] = (struct mesh_static_peer){
				.id = t->fake[k].id0, .admin_port = 50001, .wg_port = wg_port,
			};
	}
	if (mask & 0x40)
		t->statics[n++] = (struct mesh_static_peer){
			.id = t->cfg.id, .admin_port = 50001, .wg_port = 51820,
		};
	if ((mask & 0x80) && n)
		t->statics[n++] = t->statics[0];
	t->n_statics = n;
	if (mesh_set_statics(t->m, t->statics, n, t->now) < 0)
		violated(t, "mesh_set_statics refused a list of %zu", n);
	collect(t);
}

/* New options (a reload): no-transit, direct paths' idle time, node cap. */
static void op_options(struct fm *t, struct fm_in *in)
{
	static const size_t caps[4] = { FM_MAX_NODES, 8, 4, 2 };
	uint8_t fl = u8(in), idle = u8(in);

	t->node_cap = caps[(fl >> 1) & 3];
	mesh_set_options(t->m, (fl & 1) ? WIRE_NODE_NO_TRANSIT : 0, (uint32_t)idle * 1000,
			 t->node_cap, t->now);
	collect(t);
}

static void op_restart(struct fm *t, struct fm_in *in)
{
	struct fm_fake *f = &t->fake[u8(in) % FM_FAKES];
	uint8_t mode = u8(in), key = u8(in);

	switch (mode % 4) {
	case 0:
		f->boot += 1 + (mode >> 2);
		break;
	case 1:
		if (f->boot > 1)
			f->boot--; /* its clock went back */
		break;
	case 2:
		f->boot += MESH_BOOT_JUMP_MAX + 1; /* forged, far ahead */
		break;
	default:
		break; /* the same boot again: its counters start over */
	}
	f->key = key % FM_KEYS;
	f->counter = 0;
	f->seq = 0;
	f->c_boot = 0;
}

static void op_alias(struct fm *t, struct fm_in *in)
{
	struct fm_fake *f = &t->fake[u8(in) % FM_FAKES];
	uint8_t sel = u8(in) % FM_IDS;

	f->id = fm_id(t, sel);
	fm_name_of(t, sel, f->name);
	f->boot = t->ver[sel].boot;
	f->key = sel % FM_KEYS;
	f->counter = 0;
	f->seq = 0;
	f->c_boot = 0;
}

static void op_move(struct fm *t, struct fm_in *in)
{
	struct fm_fake *f = &t->fake[u8(in) % FM_FAKES];

	f->ep = fm_ep(t, u8(in));
}

/* The whole of a neighbour coming up, as tests/core_harness.h's h_neighbour_up. */
static void op_neigh(struct fm *t, struct fm_in *in)
{
	unsigned k = u8(in) % FM_FAKES;
	uint8_t x = u8(in);
	struct fm_fake *f = &t->fake[k];
	struct wire_neighbour nb[2];
	struct wire_msg m;
	uint8_t key[WIRE_KEY_LEN];
	unsigned n = 1;
	long di;

	op_admit(t, k);
	run_timers(t, 100); /* past the route computation's hold-down: the peer is set */
	fm_key(f->key, key);
	di = dev_find(t, key);
	if (di >= 0) {
		struct mesh_wg_stats st;
		memset(&st, 0, sizeof(st));
		memcpy(st.pubkey, key, WIRE_KEY_LEN);
		t->dev[di].handshake = true;
		t->dev[di].rx += 92;
		t->dev[di].tx += 148;
		st.rx_bytes = t->dev[di].rx;
		st.tx_bytes = t->dev[di].tx;
		st.last_handshake_sec = 1600000000 + (int64_t)(t->now / 1000);
		mesh_on_wg_stats(t->m, t->now, &st, 1);
		collect(t);
	}
	nb[0] = (struct wire_neighbour){ .id = t->cfg.id, .kind = WIRE_PATH_DIRECT, .cost = 10 };
	if (x & 0x80) {
		nb[1] = (struct wire_neighbour){ .id = fm_id(t, x), .kind = WIRE_PATH_DIRECT, .cost = 10 };
		n = 2;
	}
	m = fake_msg(f, WIRE_RECORD);
	snprintf(m.u.record.name, sizeof(m.u.record.name), "%s", f->name);
	m.u.record.id = f->id;
	m.u.record.boot = f->boot;
	m.u.record.seq = ++f->seq;
	fm_key(f->key, m.u.record.pubkey);
	m.u.record.wg_port = 51820;
	m.u.record.admin_port = 50001;
	m.u.record.total_neighbours = (uint16_t)n;
	m.u.record.parts = 1;
	m.u.record.n_neighbours = (uint8_t)n;
	memcpy(m.u.record.neighbours, nb, n * sizeof(nb[0]));
	feed(t, &f->ep, &m);
	run_timers(t, 200);
}

static void op_leave(struct fm *t)
{
	mesh_leave(t->m, t->now);
	t->left = true;
	fuzz_mesh_stats.left = true;
	collect(t);
	if (mesh_next_timer(t->m) != UINT64_MAX)
		violated(t, "a timer pending after leaving");
}

/* ---- setup ---- */

static void setup(struct fm *t, uint8_t cfgb, uint8_t seed)
{
	size_t n_static = cfgb & FM_CFG_STATICS;

	memset(t, 0, sizeof(*t));
	t->verbose = getenv("FUZZ_MESH_VERBOSE") != NULL;
	t->now = FM_T0;
	t->rng = seed;
	t->ep = ep4(198, 18, 0, 10, 50001);
	for (unsigned i = 0; i < FM_FAKES; i++) {
		struct fm_fake *f = &t->fake[i];
		f->id = f->id0 = v4(10, 99, 0, (uint8_t)(100 + i));
		snprintf(f->name, sizeof(f->name), "f%u", i);
		f->boot = 7 + i;
		f->key = i;
		f->ep = (i & 1) ? ep4(203, 0, 113, (uint8_t)(100 + i), 50001)
				: ep4(198, 18, 0, (uint8_t)(100 + i), 50001);
	}
	for (unsigned i = 0; i < FM_IDS; i++) {
		t->ver[i].boot = 5000 + i;
		t->ver[i].seq = 0;
	}
	t->cfg.id = v4(10, 99, 0, (cfgb & FM_CFG_HIGH_ID) ? 250 : 10);
	snprintf(t->cfg.name, sizeof(t->cfg.name), "core");
	t->cfg.subnet.addr = v4(10, 99, 0, 0);
	t->cfg.subnet.len = 16;
	t->cfg.boot = 500;
	memset(t->cfg.pubkey, 0xa1, WIRE_KEY_LEN);
	t->cfg.wg_port = 51820;
	t->cfg.admin_port = 50001;
	t->cfg.flags = (cfgb & FM_CFG_NO_TRANSIT) ? WIRE_NODE_NO_TRANSIT : 0;
	for (size_t i = 0; i < n_static; i++)
		t->statics[i] = (struct mesh_static_peer){
			.id = t->fake[i].id, .admin_port = 50001, .wg_port = 51820,
		};
	if (cfgb & FM_CFG_SELF_LISTED)
		t->statics[n_static++] = (struct mesh_static_peer){
			.id = t->cfg.id, .admin_port = 50001, .wg_port = 51820,
		};
	t->cfg.n_static = t->n_statics = n_static;
	t->cfg.statics = t->statics;
	t->node_cap = FM_MAX_NODES;
	t->prev_count = 1;
	t->cfg.random64 = fm_random;
	t->cfg.random_arg = &t->rng;
	t->cfg.mac64 = fm_mac64;
	t->cfg.max_nodes = FM_MAX_NODES;
	t->cfg.clock_untrusted = (cfgb & FM_CFG_UNTRUSTED) != 0;
	t->cfg.lan_discovery = (cfgb & FM_CFG_LAN) != 0;
	t->m = mesh_new(&t->cfg, t->now);
	if (!t->m)
		violated(t, "mesh_new failed");
	collect(t);
	if (!(cfgb & FM_CFG_NO_LOCAL)) {
		struct prefix pfx = { .addr = t->ep.addr, .len = 24 };
		mesh_set_local_prefixes(t->m, &pfx, 1, t->now);
		collect(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool sodium_ready;
	struct fm *t = &fm_state;
	struct fm_in in = { .p = data, .n = size };
	uint8_t cfgb, seed;

	if (!sodium_ready) {
		if (sodium_init() < 0)
			abort();
		sodium_ready = true;
	}
	memset(&fuzz_mesh_stats, 0, sizeof(fuzz_mesh_stats));
	cfgb = u8(&in);
	seed = u8(&in);
	setup(t, cfgb, seed);
	for (t->op = 0; in_more(&in) && t->op < FM_MAX_OPS; t->op++) {
		uint8_t op = u8(&in) % FM_OP__COUNT;
		if (t->verbose)
			fprintf(stderr, "%8llu op %u\n", (unsigned long long)(t->now - FM_T0), op);
		switch ((enum fm_op)op) {
		case FM_OP_RAW:
			op_raw(t, &in, false);
			break;
		case FM_OP_PATCHED:
			op_raw(t, &in, true);
			break;
		case FM_OP_HELLO:
			op_hello(t, &in);
			break;
		case FM_OP_ECHO: {
			unsigned k = u8(&in) % FM_FAKES;
			uint8_t sel = u8(&in), fl = u8(&in);
			const struct fm_hello_seen *s = challenge_for(t, k, sel);
			if (s)
				echo(t, k, s, fl);
			break;
		}
		case FM_OP_ADMIT:
			op_admit(t, u8(&in) % FM_FAKES);
			break;
		case FM_OP_RECORD:
			op_record(t, &in);
			break;
		case FM_OP_DIGEST:
			op_digest(t, &in);
			break;
		case FM_OP_PING:
			op_ping(t, &in);
			break;
		case FM_OP_PONG:
			op_pong(t, &in);
			break;
		case FM_OP_BYE:
			op_bye(t, &in);
			break;
		case FM_OP_TIMER:
			op_timer(t, &in);
			break;
		case FM_OP_WG:
			op_wg(t, &in);
			break;
		case FM_OP_PREFIXES:
			op_prefixes(t, &in);
			break;
		case FM_OP_STATIC:
			op_static(t, &in);
			break;
		case FM_OP_RESTART:
			op_restart(t, &in);
			break;
		case FM_OP_MOVE:
			op_move(t, &in);
			break;
		case FM_OP_NEIGH:
			op_neigh(t, &in);
			break;
		case FM_OP_LEAVE:
			if (!t->left)
				op_leave(t);
			break;
		case FM_OP_ALIAS:
			op_alias(t, &in);
			break;
		case FM_OP_RELOAD:
			op_reload(t, &in);
			break;
		case FM_OP_OPTIONS:
			op_options(t, &in);
			break;
		case FM_OP_ANNOUNCE:
			op_announce(t, &in);
			break;
		case FM_OP_SET_ROUTES:
			op_set_routes(t, &in);
			break;
		case FM_OP__COUNT:
			break;
		}
	}
	fuzz_mesh_stats.ops = t->op;
	mesh_free(t->m);
	t->m = NULL;
	return 0;
}
