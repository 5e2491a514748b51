/*
 * One harness for the unit tests of the mesh core (test_mesh.c, test_adj.c,
 * test_flood.c, test_fib.c, test_direct.c, ...): a core under test ("A",
 * 10.99.0.LAST at 198.18.0.LAST:50001) with a fake clock, fake neighbours
 * whose packets the test writes field by field, and every action the core
 * emits collected and checked against a model of the route table (no
 * duplicate adds, no deletes of what is not there).
 *
 *   struct h t;  h_setup(&t, n_static, last);      the core, out of its start
 *   struct h_fake b;  h_fake_init(&t, &b, 2, "bob", 7);
 *   h_handshake(&t, &b);      the hello exchange, b initiating
 *   h_wg_up(&t, &b);          WireGuard reports a handshake with b's key
 *   h_neighbour_up(&t, &b, extra, n);   all of it, and b's record claiming A
 *   h_later(&t, ms);          timers up to now + ms
 *
 * What the actions built over all time: the route table (t.routes) and A's
 * WireGuard device (t.wg: a peer per key with its AllowedIPs; h_wg_holder,
 * h_wg_count; t.wg_overlaps counts AllowedIPs set while another peer held
 * them). Since the last h_reset: sends, peer sets and removals, route adds
 * and deletes, LAN broadcasts (t.lan, t.lan_at). For a direct call into a
 * module, h_at sets the core's clock with the fake one.
 *
 * Header-only on purpose: each test program is one translation unit.
 */
#ifndef WGNM_TESTS_CORE_HARNESS_H
#define WGNM_TESTS_CORE_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/mesh.h"
#include "core/mesh_int.h"
#include "sim/sim.h"

#define H_MAX_SEEN 1024
#define H_MAX_WG 64		/* WireGuard peers in the device model */
#define H_MAX_ALLOWED 64	/* AllowedIPs of one peer in the model */

struct h_sent {
	struct endpoint to;
	struct wire_msg msg;
	uint64_t at;		/* the fake clock when it was sent */
};

struct h_set {
	uint8_t key[WIRE_KEY_LEN];
	uint32_t flags;
	struct endpoint ep;
	uint16_t keepalive;
	uint64_t at;		/* the fake clock when it was set */
	size_t n;
	struct prefix allowed[16];
};

struct h {
	struct mesh *m;
	struct mesh_config cfg;
	struct mesh_static_peer statics[4];
	struct endpoint ep;	/* A's admin endpoint: where fakes send */
	uint64_t now;
	uint64_t rng;
	/* actions since the last h_reset */
	struct h_sent sent[H_MAX_SEEN];
	size_t n_sent;
	struct h_set sets[H_MAX_SEEN];
	size_t n_sets;
	uint8_t removed[H_MAX_SEEN][WIRE_KEY_LEN];
	size_t n_removed;
	struct prefix route_add[H_MAX_SEEN], route_del[H_MAX_SEEN];
	size_t n_route_add, n_route_del;
	/* the route table as the actions built it, over all time */
	struct prefix routes[H_MAX_SEEN];
	size_t n_routes;
	/* log lines containing log_grep (set by the test), over all time */
	char log_grep[64];
	unsigned log_hits;
	char log_last[200];
	/*
	 * A's WireGuard device as the actions built it, over all time: a peer
	 * per key and its AllowedIPs. wg_overlaps counts AllowedIPs set on a
	 * peer while another peer still held them (fib.c removes before it
	 * adds), wg_stray_removes removals of a peer not there.
	 */
	struct h_wg_peer {
		uint8_t key[WIRE_KEY_LEN];
		bool on;
		size_t n;
		struct prefix allowed[H_MAX_ALLOWED];
	} wg[H_MAX_WG];
	size_t n_wg;
	size_t wg_overlaps, wg_stray_removes;
	/* a network with a CA (h_setup_ca): its keys, A's identity, the fake wall clock */
	uint8_t ca_pk[32], ca_sk[64], id_sk[64];
	uint64_t unix_now;
	/* revocations the core asked to keep (MESH_ACT_REVOKED), over all time */
	struct revocation revoked[H_MAX_SEEN];
	size_t n_revoked;
	/* LAN broadcasts since the last h_reset, and when */
	struct wire_msg lan[H_MAX_SEEN];
	uint64_t lan_at[H_MAX_SEEN];
	size_t n_lan;
};

struct h_fake {
	struct addr id;
	char name[WIRE_NAME_MAX + 1];
	uint64_t boot;
	uint64_t counter;
	uint64_t seq;
	uint8_t key[WIRE_KEY_LEN];
	struct endpoint ep;		/* where its packets come from */
	uint64_t a_boot;		/* A's boot it has confirmed (0: none) */
	uint64_t wg_rx, wg_tx;		/* its peer's counters on A's device */
	/* what its own record says beyond its edges (h_own_record) */
	uint32_t flags;			/* WIRE_NODE_* */
	uint8_t n_routes;
	struct prefix routes[WIRE_MAX_ROUTES];
	uint8_t n_local;
	struct addr local[4];
	/* a network with a CA: its identity and certificate (h_certify) */
	bool certified;
	uint8_t id_pk[32], id_sk[64];
	struct cert cert;
};

static inline uint64_t h_random(void *arg)
{
	uint64_t *x = arg, z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline struct addr h_ip(uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	uint8_t v4[4] = { x, y, z, w };
	struct addr a;

	addr_from_v4(&a, v4);
	return a;
}

static inline struct endpoint h_ep(uint8_t x, uint8_t y, uint8_t z, uint8_t w, uint16_t port)
{
	struct endpoint e = { .addr = h_ip(x, y, z, w), .port = port };

	return e;
}

/* Is e the endpoint want (for a want made in place by h_ep)? */
static inline bool h_ep_is(const struct endpoint *e, struct endpoint want)
{
	return endpoint_eq(e, &want);
}

static inline void h_reset(struct h *t)
{
	t->n_sent = t->n_sets = t->n_removed = t->n_route_add = t->n_route_del = 0;
	t->n_lan = 0;
}

static inline long h_route_pos(const struct h *t, const struct prefix *p)
{
	for (size_t i = 0; i < t->n_routes; i++)
		if (prefix_eq(&t->routes[i], p))
			return (long)i;
	return -1;
}

static inline struct h_wg_peer *h_wg_find(struct h *t, const uint8_t *key)
{
	for (size_t i = 0; i < t->n_wg; i++)
		if (memcmp(t->wg[i].key, key, WIRE_KEY_LEN) == 0)
			return &t->wg[i];
	return NULL;
}

/* The device model: a PEER_SET replaces the peer's AllowedIPs. */
static inline void h_wg_set(struct h *t, const struct mesh_action *a)
{
	struct h_wg_peer *w = h_wg_find(t, a->u.peer.pubkey);

	if (!w) {
		assert_true(t->n_wg < H_MAX_WG);
		w = &t->wg[t->n_wg++];
		memcpy(w->key, a->u.peer.pubkey, WIRE_KEY_LEN);
	}
	assert_true(a->u.peer.n_allowed <= H_MAX_ALLOWED);
	for (size_t i = 0; i < a->u.peer.n_allowed; i++)
		for (size_t k = 0; k < t->n_wg; k++) {
			const struct h_wg_peer *o = &t->wg[k];
			if (o == w || !o->on)
				continue;
			for (size_t j = 0; j < o->n; j++)
				t->wg_overlaps += prefix_eq(&o->allowed[j], &a->u.peer.allowed[i]);
		}
	w->on = true;
	w->n = a->u.peer.n_allowed;
	for (size_t i = 0; i < w->n; i++)
		w->allowed[i] = a->u.peer.allowed[i];
}

static inline void h_wg_remove(struct h *t, const uint8_t *key)
{
	struct h_wg_peer *w = h_wg_find(t, key);

	if (!w || !w->on) {
		t->wg_stray_removes++;
		return;
	}
	w->on = false;
	w->n = 0;
}

/* The peer of the device model whose AllowedIPs hold exactly p, or NULL. */
static inline const struct h_wg_peer *h_wg_holder_prefix(const struct h *t, const struct prefix *p)
{
	for (size_t k = 0; k < t->n_wg; k++)
		for (size_t j = 0; t->wg[k].on && j < t->wg[k].n; j++)
			if (prefix_eq(&t->wg[k].allowed[j], p))
				return &t->wg[k];
	return NULL;
}

/* The peer of the device model whose AllowedIPs hold a's host route, or NULL. */
static inline const struct h_wg_peer *h_wg_holder(const struct h *t, const struct addr *a)
{
	struct prefix p = prefix_host(a);

	return h_wg_holder_prefix(t, &p);
}

static inline size_t h_wg_count(const struct h *t)
{
	size_t n = 0;

	for (size_t k = 0; k < t->n_wg; k++)
		n += t->wg[k].on;
	return n;
}

/* Take the core's actions into the fixture. */
static inline void h_collect(struct h *t)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(t->m, &acts);

	for (size_t i = 0; i < n; i++) {
		const struct mesh_action *a = &acts[i];
		long pos;
		switch (a->type) {
		case MESH_ACT_SEND:
			assert_true(t->n_sent < H_MAX_SEEN);
			t->sent[t->n_sent++] = (struct h_sent){ a->u.send.to, a->u.send.msg, t->now };
			break;
		case MESH_ACT_PEER_SET: {
			struct h_set *ps;
			assert_true(t->n_sets < H_MAX_SEEN);
			ps = &t->sets[t->n_sets++];
			assert_true(a->u.peer.n_allowed <= sizeof(ps->allowed) / sizeof(ps->allowed[0]));
			memcpy(ps->key, a->u.peer.pubkey, WIRE_KEY_LEN);
			ps->flags = a->u.peer.flags;
			ps->ep = a->u.peer.endpoint;
			ps->keepalive = a->u.peer.keepalive;
			ps->at = t->now;
			ps->n = a->u.peer.n_allowed;
			if (ps->n)
				memcpy(ps->allowed, a->u.peer.allowed, ps->n * sizeof(ps->allowed[0]));
			h_wg_set(t, a);
			break;
		}
		case MESH_ACT_PEER_REMOVE:
			assert_true(t->n_removed < H_MAX_SEEN);
			memcpy(t->removed[t->n_removed++], a->u.peer.pubkey, WIRE_KEY_LEN);
			h_wg_remove(t, a->u.peer.pubkey);
			break;
		case MESH_ACT_ROUTE_ADD:
			pos = h_route_pos(t, &a->u.route.dst);
			assert_int_equal(pos, -1); /* no duplicate adds */
			t->routes[t->n_routes++] = a->u.route.dst;
			t->route_add[t->n_route_add++] = a->u.route.dst;
			break;
		case MESH_ACT_ROUTE_DEL:
			pos = h_route_pos(t, &a->u.route.dst);
			assert_true(pos >= 0); /* only what was added */
			t->routes[pos] = t->routes[--t->n_routes];
			t->route_del[t->n_route_del++] = a->u.route.dst;
			break;
		case MESH_ACT_REVOKED:
			assert_true(t->n_revoked < H_MAX_SEEN);
			t->revoked[t->n_revoked++] = a->u.revoked;
			break;
		case MESH_ACT_LOG:
			if (t->log_grep[0] && strstr(a->u.log.text, t->log_grep)) {
				t->log_hits++;
				snprintf(t->log_last, sizeof(t->log_last), "%s", a->u.log.text);
			}
			if (getenv("WGNM_TEST_VERBOSE"))
				fprintf(stderr, "%10llu %s\n", (unsigned long long)t->now,
					a->u.log.text);
			break;
		case MESH_ACT_SEND_LAN:
			assert_true(t->n_lan < H_MAX_SEEN);
			t->lan[t->n_lan] = a->u.send.msg;
			t->lan_at[t->n_lan++] = t->now;
			break;
		}
	}
	mesh_actions_clear(t->m);
}

/* Run the core's timers up to now + ms, collecting what they do. */
static inline void h_later(struct h *t, uint64_t ms)
{
	uint64_t end = t->now + ms;
	unsigned stuck = 0;

	for (;;) {
		uint64_t next = mesh_next_timer(t->m);
		if (next > end)
			break;
		if (next > t->now) {
			t->now = next;
			stuck = 0;
		} else if (++stuck > 100) {
			/* a timer that stays due after it ran: the host would spin */
			fail_msg("the core's next timer stays due at %llu ms",
				 (unsigned long long)t->now);
		}
		mesh_on_timer(t->m, t->now);
		h_collect(t);
	}
	t->now = end;
}

/*
 * A at 10.99.0.LAST (underlay 198.18.0.LAST/24, admin port 50001) with
 * N_STATIC listed peers at 10.99.0.100 and up (not yet resolved).
 */
static inline void h_setup_opts(struct h *t, size_t n_static, uint8_t last, size_t max_nodes)
{
	struct prefix pfx;

	memset(t, 0, sizeof(*t));
	t->now = 1000000;
	t->cfg.id = h_ip(10, 99, 0, last);
	snprintf(t->cfg.name, sizeof(t->cfg.name), "alice");
	t->cfg.subnet.addr = h_ip(10, 99, 0, 0);
	t->cfg.subnet.len = 16;
	t->cfg.boot = 500;
	memset(t->cfg.pubkey, 0xa1, WIRE_KEY_LEN);
	t->cfg.wg_port = 51820;
	t->cfg.admin_port = 50001;
	for (size_t i = 0; i < n_static; i++) {
		t->statics[i].id = h_ip(10, 99, 0, (uint8_t)(100 + i));
		t->statics[i].admin_port = 50001;
		t->statics[i].wg_port = 51820;
	}
	t->cfg.n_static = n_static;
	t->cfg.statics = t->statics;
	t->cfg.random64 = h_random;
	t->cfg.random_arg = &t->rng;
	t->cfg.mac64 = sim_mac64;
	t->cfg.max_nodes = max_nodes;
	t->ep = h_ep(198, 18, 0, last, 50001);
	t->m = mesh_new(&t->cfg, t->now);
	assert_non_null(t->m);
	pfx.addr = t->ep.addr;
	pfx.len = 24;
	mesh_set_local_prefixes(t->m, &pfx, 1, t->now);
	h_collect(t);
	h_later(t, 1000); /* out of every hold-down after the start */
	h_reset(t);
}

static inline void h_setup(struct h *t, size_t n_static, uint8_t last)
{
	h_setup_opts(t, n_static, last, 0);
}

/* ---- a network with a CA ---- */

static inline void h_ca_sign(void *arg, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	crypto_sign_detached(sig, NULL, msg, len, arg);
}

static inline bool h_ca_verify(void *arg, const uint8_t key[32], const uint8_t *msg, size_t len,
			       const uint8_t sig[64])
{
	(void)arg;
	return crypto_sign_verify_detached(sig, msg, len, key) == 0;
}

static inline uint64_t h_unix_time(void *arg)
{
	return ((const struct h *)arg)->unix_now;
}

/*
 * A certificate signed by t's CA for (id, name), valid an hour around
 * t->unix_now; identity pk (and its secret sk) made here.
 */
static inline void h_make_cert(struct h *t, const struct addr *id, const char *name,
			       uint8_t pk[32], uint8_t sk[64], struct cert *c)
{
	crypto_sign_keypair(pk, sk);
	memset(c, 0, sizeof(*c));
	randombytes_buf(&c->serial, sizeof(c->serial));
	c->serial |= 1;
	c->not_before = t->unix_now - 3600;
	c->not_after = t->unix_now + 3600;
	memcpy(c->identity, pk, 32);
	c->addr = *id;
	snprintf(c->name, sizeof(c->name), "%s", name);
}

static inline void h_sign_cert(struct h *t, struct cert *c)
{
	assert_int_equal(cert_sign(c, h_ca_sign, t->ca_sk), 0);
}

/* f gets an identity and a certificate of t's CA (routes and rights may be added before h_sign_cert). */
static inline void h_certify(struct h *t, struct h_fake *f)
{
	h_make_cert(t, &f->id, f->name, f->id_pk, f->id_sk, &f->cert);
	h_sign_cert(t, &f->cert);
	f->certified = true;
}

/* A in a network with a CA: its own certificate, the CA's key, a wall clock. */
static inline void h_setup_ca(struct h *t, size_t n_static, uint8_t last)
{
	struct h tmp;
	uint8_t pk[32];

	if (sodium_init() < 0)
		fail_msg("libsodium");
	memset(&tmp, 0, sizeof(tmp));
	tmp.unix_now = 1700000000;
	crypto_sign_keypair(tmp.ca_pk, tmp.ca_sk);
	h_setup(t, n_static, last);
	memcpy(t->ca_pk, tmp.ca_pk, 32);
	memcpy(t->ca_sk, tmp.ca_sk, 64);
	t->unix_now = tmp.unix_now;
	t->cfg.has_ca = true;
	memcpy(t->cfg.ca_key, t->ca_pk, 32);
	h_make_cert(t, &t->cfg.id, t->cfg.name, pk, t->id_sk, &t->cfg.cert);
	h_sign_cert(t, &t->cfg.cert);
	t->cfg.sign = h_ca_sign;
	t->cfg.sign_arg = t->id_sk;
	t->cfg.verify = h_ca_verify;
	t->cfg.unix_time = h_unix_time;
	t->cfg.time_arg = t;
	assert_int_equal(mesh_set_membership(t->m, &t->cfg, t->now), 0);
	h_collect(t);
	h_later(t, 1000);
	h_reset(t);
}

static inline void h_teardown(struct h *t)
{
	mesh_free(t->m);
}

/* ---- fake neighbours ---- */

/* A node at 10.99.0.LAST, underlay 198.18.0.LAST:50001 (A's LAN). */
static inline void h_fake_init(struct h_fake *f, uint8_t last, const char *name, uint64_t boot)
{
	memset(f, 0, sizeof(*f));
	f->id = h_ip(10, 99, 0, last);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->boot = boot;
	memset(f->key, last, WIRE_KEY_LEN);
	f->key[0] = (uint8_t)boot;
	f->ep = h_ep(198, 18, 0, last, 50001);
}

static inline struct wire_msg h_msg(struct h_fake *f, enum wire_type type)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = (uint8_t)type;
	m.hdr.sender = f->id;
	m.hdr.boot = f->boot;
	m.hdr.counter = ++f->counter;
	return m;
}

/* f's hello to A (at A's admin endpoint). */
static inline struct wire_msg h_hello(const struct h *t, struct h_fake *f, enum wire_type type,
				      uint64_t challenge, uint64_t echo)
{
	struct wire_msg m = h_msg(f, type);
	struct wire_hello *h = &m.u.hello;

	snprintf(h->name, sizeof(h->name), "%s", f->name);
	h->wg_port = 51820;
	h->admin_port = 50001;
	memcpy(h->pubkey, f->key, WIRE_KEY_LEN);
	h->has = WIRE_HELLO_HAS_TO;
	h->to = t->ep;
	h->challenge = challenge;
	if (echo) {
		h->has |= WIRE_HELLO_HAS_ECHO;
		h->echo = echo;
	}
	if (f->a_boot) {
		h->has |= WIRE_HELLO_HAS_PEER_BOOT;
		h->peer_boot = f->a_boot;
	}
	h->record_seq = f->seq;
	if (f->certified) {
		h->has |= WIRE_HELLO_HAS_CERT;
		h->cert = f->cert;
		if (echo) {
			uint8_t proof[128];
			int n = wire_hello_proof_bytes(&m.hdr, h, &t->cfg.id, proof, sizeof(proof));
			assert_true(n > 0);
			crypto_sign_detached(h->proof, NULL, proof, (size_t)n, f->id_sk);
			h->has |= WIRE_HELLO_HAS_PROOF;
		}
	}
	return m;
}

static inline void h_feed(struct h *t, const struct h_fake *f, const struct wire_msg *m)
{
	mesh_on_packet(t->m, t->now, &f->ep, m);
	h_collect(t);
}

/* The last message of this type sent to endpoint ep, or NULL. */
static inline const struct wire_msg *h_sent_to_ep(const struct h *t, const struct endpoint *ep,
						  enum wire_type type)
{
	for (size_t i = t->n_sent; i-- > 0;)
		if (endpoint_eq(&t->sent[i].to, ep) && t->sent[i].msg.hdr.type == type)
			return &t->sent[i].msg;
	return NULL;
}

static inline const struct wire_msg *h_sent_to(const struct h *t, const struct h_fake *f,
					       enum wire_type type)
{
	return h_sent_to_ep(t, &f->ep, type);
}

static inline size_t h_count_sent(const struct h *t, enum wire_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == type;
	return n;
}

static inline bool h_adjacent(const struct h *t, const struct addr *id)
{
	const struct mesh_peer *p = mesh_peer_get(t->m, id);

	return p && p->adj.up;
}

static inline bool h_node_known(const struct h *t, const struct addr *id)
{
	struct mesh_node_status st;

	for (size_t i = 0; mesh_node_status(t->m, i, &st); i++)
		if (addr_eq(&st.id, id))
			return true;
	return false;
}

/*
 * The hello exchange with f as the initiator:
 *
 *   f --HELLO(chal)--------------> A   A: challenge f (stateless)
 *   f <-HELLO_REPLY(echo, chal a)-- A
 *   f --HELLO(echo a, peer_boot)--> A   A: f confirmed, adjacency up
 *   f <-HELLO_REPLY(peer_boot)----- A   (f: A has confirmed it)
 */
static inline void h_handshake(struct h *t, struct h_fake *f)
{
	struct wire_msg h = h_hello(t, f, WIRE_HELLO, 0x1111, 0);
	const struct wire_msg *reply;

	f->a_boot = 0;
	h_feed(t, f, &h);
	reply = h_sent_to(t, f, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.has & WIRE_HELLO_HAS_ECHO);
	assert_true(reply->u.hello.echo == 0x1111);
	assert_true(reply->u.hello.challenge != 0);
	f->a_boot = reply->hdr.boot; /* it confirmed A on the echo */
	h = h_hello(t, f, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(t, f, &h);
	assert_true(h_adjacent(t, &f->id));
}

/* A's device reports f's peer: a handshake now (or none yet). */
static inline void h_wg_sample(struct h *t, struct h_fake *f, bool handshake)
{
	struct mesh_wg_stats st;

	memset(&st, 0, sizeof(st));
	memcpy(st.pubkey, f->key, WIRE_KEY_LEN);
	if (handshake) {
		f->wg_rx += 92;
		st.last_handshake_sec = 1600000000;
	}
	f->wg_tx += 148;
	st.rx_bytes = f->wg_rx;
	st.tx_bytes = f->wg_tx;
	mesh_on_wg_stats(t->m, t->now, &st, 1);
	h_collect(t);
}

static inline void h_wg_up(struct h *t, struct h_fake *f)
{
	h_wg_sample(t, f, true);
}

/* f's own record (or one it passes on): node (id, name, boot, seq, key). */
/* What a record says beyond its edges: flags, routes, local addresses. */
struct h_record_extra {
	uint32_t flags;
	uint8_t n_routes;
	const struct prefix *routes;
	uint8_t n_local;
	const struct addr *local;
	/* a network with a CA: the originator's identity signs it, naming this certificate */
	const uint8_t *sign_sk;
	uint64_t cert_serial;
};

/* Sign a one-part record as its originator would (a network with a CA). */
static inline void h_sign_record(struct wire_record *r, const uint8_t *sk, uint64_t serial)
{
	uint8_t buf[4096];
	int n;

	r->has |= WIRE_RECORD_HAS_SIG;
	r->cert_serial = serial;
	n = wire_record_signed_bytes(r, r->neighbours, r->total_neighbours, buf, sizeof(buf));
	assert_true(n > 0);
	crypto_sign_detached(r->sig, NULL, buf, (size_t)n, sk);
}

static inline void h_feed_record_extra(struct h *t, struct h_fake *f, const struct addr *id,
				       const char *name, uint64_t boot, uint64_t seq,
				       const uint8_t *key, const struct addr *neigh, size_t n,
				       const struct h_record_extra *x)
{
	struct wire_msg m = h_msg(f, WIRE_RECORD);
	struct wire_record *r = &m.u.record;

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->id = *id;
	r->boot = boot;
	r->seq = seq;
	memcpy(r->pubkey, key, WIRE_KEY_LEN);
	r->wg_port = 51820;
	r->admin_port = 50001;
	r->flags = x->flags;
	r->n_routes = x->n_routes;
	if (x->n_routes) {
		r->has |= WIRE_RECORD_HAS_ROUTES;
		memcpy(r->routes, x->routes, x->n_routes * sizeof(r->routes[0]));
	}
	r->n_local = x->n_local;
	if (x->n_local)
		memcpy(r->local, x->local, x->n_local * sizeof(r->local[0]));
	r->total_neighbours = (uint16_t)n;
	r->parts = 1;
	r->n_neighbours = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		r->neighbours[i] = (struct wire_neighbour){ neigh[i], WIRE_PATH_DIRECT, 10 };
	if (x->sign_sk)
		h_sign_record(r, x->sign_sk, x->cert_serial);
	h_feed(t, f, &m);
}

static inline void h_feed_record(struct h *t, struct h_fake *f, const struct addr *id,
				 const char *name, uint64_t boot, uint64_t seq, const uint8_t *key,
				 const struct addr *neigh, size_t n)
{
	struct wire_msg m = h_msg(f, WIRE_RECORD);
	struct wire_record *r = &m.u.record;

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->id = *id;
	r->boot = boot;
	r->seq = seq;
	memcpy(r->pubkey, key, WIRE_KEY_LEN);
	r->wg_port = 51820;
	r->admin_port = 50001;
	r->total_neighbours = (uint16_t)n;
	r->parts = 1;
	r->n_neighbours = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		r->neighbours[i] = (struct wire_neighbour){ neigh[i], WIRE_PATH_DIRECT, 10 };
	h_feed(t, f, &m);
}

static inline void h_own_record(struct h *t, struct h_fake *f, const struct addr *neigh, size_t n)
{
	struct h_record_extra x = { f->flags, f->n_routes, f->routes, f->n_local, f->local,
				    f->certified ? f->id_sk : NULL, f->cert.serial };

	f->seq++;
	h_feed_record_extra(t, f, &f->id, f->name, f->boot, f->seq, f->key, neigh, n, &x);
}

/* Hello exchange, WireGuard handshake, then f's record claiming A (and extras). */
static inline void h_neighbour_up(struct h *t, struct h_fake *f, const struct addr *extra,
				  size_t n_extra)
{
	struct addr neigh[8];

	neigh[0] = t->cfg.id;
	if (n_extra)
		memcpy(&neigh[1], extra, n_extra * sizeof(*extra));
	h_handshake(t, f);
	h_later(t, 10);
	h_wg_up(t, f);
	h_own_record(t, f, neigh, 1 + n_extra);
	h_later(t, 200);
}

static inline const struct h_set *h_last_set(const struct h *t, const uint8_t *key)
{
	for (size_t i = t->n_sets; i-- > 0;)
		if (memcmp(t->sets[i].key, key, WIRE_KEY_LEN) == 0)
			return &t->sets[i];
	return NULL;
}

static inline bool h_was_removed(const struct h *t, const uint8_t *key)
{
	for (size_t i = 0; i < t->n_removed; i++)
		if (memcmp(t->removed[i], key, WIRE_KEY_LEN) == 0)
			return true;
	return false;
}

static inline bool h_allows(const struct h_set *ps, const struct addr *a)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->allowed[i].len == 32 && addr_eq(&ps->allowed[i].addr, a))
			return true;
	return false;
}

/* A host route to a (the route table as the actions built it). */
static inline bool h_has_route(const struct h *t, const struct addr *a)
{
	struct prefix p = prefix_host(a);

	return h_route_pos(t, &p) >= 0;
}

static inline bool h_has_prefix_route(const struct h *t, const struct prefix *p)
{
	return h_route_pos(t, p) >= 0;
}

/* Does A's own record claim id? */
static inline bool h_claims(const struct h *t, const struct addr *id)
{
	const struct lsdb_record *r = lsdb_get(&t->m->db, &t->cfg.id);

	for (size_t i = 0; r && i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return true;
	return false;
}

/* f's pong to one of A's probes. */
static inline void h_answer_ping(struct h *t, struct h_fake *f, const struct wire_msg *ping)
{
	struct wire_msg pong = h_msg(f, WIRE_PONG);

	pong.u.ping.probe_id = ping->u.ping.probe_id;
	pong.u.ping.record_seq = f->seq;
	h_feed(t, f, &pong);
}

/* Let ms pass in 10 ms steps, f answering every probe A sends it at once. */
static inline void h_answer_probes(struct h *t, struct h_fake *f, uint64_t ms)
{
	size_t seen = t->n_sent;

	for (uint64_t done = 0; done < ms; done += 10) {
		h_later(t, 10);
		for (; seen < t->n_sent; seen++)
			if (endpoint_eq(&t->sent[seen].to, &f->ep) &&
			    t->sent[seen].msg.hdr.type == WIRE_PING)
				h_answer_ping(t, f, &t->sent[seen].msg);
	}
}

/*
 * The core's clock for a direct call into one of its modules (entry points
 * set it themselves): the fake clock and the core's move to now.
 */
static inline void h_at(struct h *t, uint64_t now)
{
	t->now = now;
	t->m->now = now;
}

static inline size_t h_count_sent_to(const struct h *t, const struct h_fake *f,
				     enum wire_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == type && endpoint_eq(&t->sent[i].to, &f->ep);
	return n;
}

/*
 * A one-part record that f sends (its own or one it passes on), for the
 * test to add to (local addresses, reflexive endpoint, flags) before h_feed.
 */
static inline struct wire_msg h_record_msg(struct h_fake *f, const struct addr *id,
					   const char *name, uint64_t boot, uint64_t seq,
					   const uint8_t *key, const struct addr *neigh, size_t n)
{
	struct wire_msg m = h_msg(f, WIRE_RECORD);
	struct wire_record *r = &m.u.record;

	assert_true(n <= WIRE_NEIGH_PER_PART);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->id = *id;
	r->boot = boot;
	r->seq = seq;
	memcpy(r->pubkey, key, WIRE_KEY_LEN);
	r->wg_port = 51820;
	r->admin_port = 50001;
	r->total_neighbours = (uint16_t)n;
	r->parts = 1;
	r->n_neighbours = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		r->neighbours[i] = (struct wire_neighbour){ neigh[i], WIRE_PATH_DIRECT, 10 };
	return m;
}

/* f's probe to A carrying a database summary (total, hash). */
static inline struct wire_msg h_summary(struct h_fake *f, enum wire_type type, uint32_t probe_id,
					uint16_t total, uint64_t hash)
{
	struct wire_msg m = h_msg(f, type);

	m.u.ping.probe_id = probe_id;
	m.u.ping.record_seq = f->seq;
	m.u.ping.has = WIRE_PING_HAS_DB;
	m.u.ping.db_total = total;
	m.u.ping.db_hash = hash;
	return m;
}

/* The summary of A's own database: what a neighbour in sync would send. */
static inline struct wire_msg h_summary_of_a(const struct h *t, struct h_fake *f,
					     enum wire_type type, uint32_t probe_id)
{
	return h_summary(f, type, probe_id, (uint16_t)lsdb_count(&t->m->db),
			 lsdb_hash(&t->m->db));
}

#endif
