/*
 * The mesh core with a fake clock and hand-made packets: one core under
 * test ("A", 10.99.0.1) and fake neighbours whose packets the test writes
 * field by field. Every action the core emits is collected and checked
 * against a model of the route table (no duplicate adds, no deletes of
 * what is not there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/mesh.h"
#include "core/mesh_int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SEEN 256

/* ---- fixture: the core under test and what it did ---- */

struct sent {
	struct endpoint to;
	struct wire_msg msg;
};

struct peer_set {
	uint8_t key[WIRE_KEY_LEN];
	uint16_t keepalive;
	uint64_t at;		/* the fake clock when it was set */
	size_t n;
	struct prefix allowed[16];
};

struct t {
	struct mesh *m;
	struct mesh_config cfg;
	struct mesh_static_peer statics[2];
	uint64_t now;
	uint64_t rng;
	/* actions since the last reset */
	struct sent sent[MAX_SEEN];
	size_t n_sent;
	struct peer_set sets[MAX_SEEN];
	size_t n_sets;
	uint8_t removed[MAX_SEEN][WIRE_KEY_LEN];
	size_t n_removed;
	struct prefix route_add[MAX_SEEN], route_del[MAX_SEEN];
	size_t n_route_add, n_route_del;
	/* the route table as the actions built it, over all time */
	struct addr routes[MAX_SEEN];
	size_t n_routes;
};

static uint64_t t_random(void *arg)
{
	uint64_t *x = arg, z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void ip(struct addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	uint8_t v4[4] = { x, y, z, w };
	addr_from_v4(a, v4);
}

static void reset(struct t *t)
{
	t->n_sent = t->n_sets = t->n_removed = t->n_route_add = t->n_route_del = 0;
}

static long route_pos(const struct t *t, const struct addr *a)
{
	for (size_t i = 0; i < t->n_routes; i++)
		if (addr_eq(&t->routes[i], a))
			return (long)i;
	return -1;
}

/* Take the core's actions into the fixture. */
static void collect(struct t *t)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(t->m, &acts);

	for (size_t i = 0; i < n; i++) {
		const struct mesh_action *a = &acts[i];
		long pos;
		switch (a->type) {
		case MESH_ACT_SEND:
			assert_true(t->n_sent < MAX_SEEN);
			t->sent[t->n_sent++] = (struct sent){ a->u.send.to, a->u.send.msg };
			break;
		case MESH_ACT_PEER_SET: {
			struct peer_set *ps = &t->sets[t->n_sets++];
			assert_true(a->u.peer.n_allowed <= ARRAY_SIZE(ps->allowed));
			memcpy(ps->key, a->u.peer.pubkey, WIRE_KEY_LEN);
			ps->keepalive = a->u.peer.keepalive;
			ps->at = t->now;
			ps->n = a->u.peer.n_allowed;
			memcpy(ps->allowed, a->u.peer.allowed, ps->n * sizeof(ps->allowed[0]));
			break;
		}
		case MESH_ACT_PEER_REMOVE:
			memcpy(t->removed[t->n_removed++], a->u.peer.pubkey, WIRE_KEY_LEN);
			break;
		case MESH_ACT_ROUTE_ADD:
			pos = route_pos(t, &a->u.route.dst.addr);
			assert_int_equal(pos, -1); /* no duplicate adds */
			t->routes[t->n_routes++] = a->u.route.dst.addr;
			t->route_add[t->n_route_add++] = a->u.route.dst;
			break;
		case MESH_ACT_ROUTE_DEL:
			pos = route_pos(t, &a->u.route.dst.addr);
			assert_true(pos >= 0); /* only what was added */
			t->routes[pos] = t->routes[--t->n_routes];
			t->route_del[t->n_route_del++] = a->u.route.dst;
			break;
		case MESH_ACT_LOG:
		case MESH_ACT_SEND_LAN:
			break;
		}
	}
	mesh_actions_clear(t->m);
}

/* Run the core's timers up to now + ms, collecting what they do. */
static void later(struct t *t, uint64_t ms)
{
	uint64_t end = t->now + ms;

	for (;;) {
		uint64_t next = mesh_next_timer(t->m);
		if (next > end)
			break;
		if (next > t->now)
			t->now = next;
		mesh_on_timer(t->m, t->now);
		collect(t);
	}
	t->now = end;
}

/* A at 10.99.0.LAST with N_STATIC listed peers at 10.99.0.100 and up. */
static void setup_node_at(struct t *t, size_t n_static, uint8_t last)
{
	memset(t, 0, sizeof(*t));
	t->now = 1000000;
	ip(&t->cfg.id, 10, 99, 0, last);
	snprintf(t->cfg.name, sizeof(t->cfg.name), "alice");
	ip(&t->cfg.subnet.addr, 10, 99, 0, 0);
	t->cfg.subnet.len = 16;
	t->cfg.boot = 500;
	memset(t->cfg.pubkey, 0xa1, WIRE_KEY_LEN);
	t->cfg.wg_port = 51820;
	t->cfg.admin_port = 50001;
	for (size_t i = 0; i < n_static; i++) {
		ip(&t->statics[i].id, 10, 99, 0, (uint8_t)(100 + i));
		t->statics[i].admin_port = 50001;
		t->statics[i].wg_port = 51820;
	}
	t->cfg.n_static = n_static;
	t->cfg.statics = t->statics;
	t->cfg.random64 = t_random;
	t->cfg.random_arg = &t->rng;
	t->m = mesh_new(&t->cfg, t->now);
	assert_non_null(t->m);
	collect(t);
	later(t, 1000); /* out of every hold-down after the start */
	reset(t);
}

static void setup_node(struct t *t, size_t n_static)
{
	setup_node_at(t, n_static, 1);
}

static void teardown_node(struct t *t)
{
	mesh_free(t->m);
}

/* ---- fake neighbours ---- */

struct fake {
	struct addr id;
	char name[WIRE_NAME_MAX + 1];
	uint64_t boot;
	uint64_t counter;
	uint64_t seq;
	uint8_t key[WIRE_KEY_LEN];
	struct endpoint ep;
};

static void fake_init(struct fake *f, uint8_t last, const char *name, uint64_t boot)
{
	memset(f, 0, sizeof(*f));
	ip(&f->id, 10, 99, 0, last);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->boot = boot;
	memset(f->key, last, WIRE_KEY_LEN);
	f->key[0] = (uint8_t)boot;
	ip(&f->ep.addr, 198, 18, 0, last);
	f->ep.port = 50001;
}

static struct wire_msg fake_msg(struct fake *f, enum wire_type type)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = (uint8_t)type;
	m.hdr.sender = f->id;
	m.hdr.boot = f->boot;
	m.hdr.counter = ++f->counter;
	return m;
}

static struct wire_msg fake_hello(struct fake *f, enum wire_type type, uint64_t challenge,
				  uint64_t echo)
{
	struct wire_msg m = fake_msg(f, type);

	snprintf(m.u.hello.name, sizeof(m.u.hello.name), "%s", f->name);
	m.u.hello.wg_port = 51820;
	m.u.hello.admin_port = 50001;
	memcpy(m.u.hello.pubkey, f->key, WIRE_KEY_LEN);
	m.u.hello.challenge = challenge;
	if (echo) {
		m.u.hello.has |= WIRE_HELLO_HAS_ECHO;
		m.u.hello.echo = echo;
	}
	m.u.hello.record_seq = f->seq;
	return m;
}

static void feed(struct t *t, const struct fake *f, const struct wire_msg *m)
{
	mesh_on_packet(t->m, t->now, &f->ep, m);
	collect(t);
}

/* The last message of this type sent to f, or NULL. */
static const struct wire_msg *sent_to(const struct t *t, const struct fake *f,
				      enum wire_type type)
{
	for (size_t i = t->n_sent; i-- > 0;)
		if (endpoint_eq(&t->sent[i].to, &f->ep) && t->sent[i].msg.hdr.type == type)
			return &t->sent[i].msg;
	return NULL;
}

static size_t count_sent(const struct t *t, enum wire_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == type;
	return n;
}

static bool node_known(const struct t *t, const struct addr *id)
{
	struct mesh_node_status st;

	for (size_t i = 0; mesh_node_status(t->m, i, &st); i++)
		if (addr_eq(&st.id, id))
			return true;
	return false;
}

static bool adjacent(const struct t *t, const struct addr *id)
{
	const struct mesh_peer *p = mesh_peer_get(t->m, id);

	return p && p->adj;
}

/* The 3-packet handshake with f as the initiator. */
static void handshake(struct t *t, struct fake *f)
{
	struct wire_msg h = fake_hello(f, WIRE_HELLO, 0x1111, 0);
	const struct wire_msg *reply;

	feed(t, f, &h);
	reply = sent_to(t, f, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.has & WIRE_HELLO_HAS_ECHO);
	assert_true(reply->u.hello.echo == 0x1111);
	assert_true(reply->u.hello.challenge != 0);
	h = fake_hello(f, WIRE_HELLO, 0, reply->u.hello.challenge);
	feed(t, f, &h);
}

/* f sends the record of node (id, name, boot, seq, key) with these neighbours. */
static void feed_record(struct t *t, struct fake *f, const struct addr *id, const char *name,
			uint64_t boot, uint64_t seq, const uint8_t *key,
			const struct addr *neigh, size_t n)
{
	struct wire_msg m = fake_msg(f, WIRE_RECORD);
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
	feed(t, f, &m);
}

/* f's own record: its neighbours as given. */
static void fake_own_record(struct t *t, struct fake *f, const struct addr *neigh, size_t n)
{
	f->seq++;
	feed_record(t, f, &f->id, f->name, f->boot, f->seq, f->key, neigh, n);
}

/* Handshake, then f's record claiming A (and extra neighbours). */
static void neighbour_up(struct t *t, struct fake *f, const struct addr *extra, size_t n_extra)
{
	struct addr neigh[8];

	neigh[0] = t->cfg.id;
	if (n_extra)
		memcpy(&neigh[1], extra, n_extra * sizeof(*extra));
	handshake(t, f);
	fake_own_record(t, f, neigh, 1 + n_extra);
	later(t, 200);
}

static const struct peer_set *last_set(const struct t *t, const uint8_t *key)
{
	for (size_t i = t->n_sets; i-- > 0;)
		if (memcmp(t->sets[i].key, key, WIRE_KEY_LEN) == 0)
			return &t->sets[i];
	return NULL;
}

static bool was_removed(const struct t *t, const uint8_t *key)
{
	for (size_t i = 0; i < t->n_removed; i++)
		if (memcmp(t->removed[i], key, WIRE_KEY_LEN) == 0)
			return true;
	return false;
}

static bool allows(const struct peer_set *ps, const struct addr *a)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->allowed[i].len == 32 && addr_eq(&ps->allowed[i].addr, a))
			return true;
	return false;
}

static bool has_route(const struct t *t, const struct addr *a)
{
	return route_pos(t, a) >= 0;
}

/* ---- tests ---- */

/*
 *   B --HELLO(chal b)--------------> A   nothing stored, REPLY(echo b, chal a)
 *   B <-HELLO_REPLY(echo b, chal a)-- A
 *   B --HELLO(echo a)--------------> A   adjacency up
 *   B --RECORD(B: A)---------------> A   edge confirmed: peer and route
 */
static void test_handshake(void **state)
{
	struct t t;
	struct fake b;
	struct wire_msg h;
	const struct wire_msg *reply;
	const struct peer_set *ps;
	struct addr neigh[1];

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	h = fake_hello(&b, WIRE_HELLO, 0xb0b, 0);
	feed(&t, &b, &h);
	reply = sent_to(&t, &b, WIRE_HELLO_REPLY);
	assert_non_null(reply);
	assert_true(reply->u.hello.echo == 0xb0b);
	assert_true(reply->u.hello.challenge != 0);
	/* before the echo: no peer, no record, no adjacency, only the reply */
	assert_int_equal(t.n_sent, 1);
	assert_int_equal(t.n_sets, 0);
	assert_int_equal(mesh_node_count(t.m), 1);
	assert_false(node_known(&t, &b.id));
	assert_false(adjacent(&t, &b.id));
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 1);

	/* a wrong echo confirms nothing */
	reset(&t);
	h = fake_hello(&b, WIRE_HELLO, 0, reply->u.hello.challenge + 1);
	feed(&t, &b, &h);
	assert_false(adjacent(&t, &b.id));
	assert_int_equal(t.n_sets, 0);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_UNCONFIRMED], 2);

	/* the echo: adjacency up, our record goes to B, but no peer before B claims us */
	reset(&t);
	h = fake_hello(&b, WIRE_HELLO, 0, reply->u.hello.challenge);
	feed(&t, &b, &h);
	later(&t, 200);
	assert_true(adjacent(&t, &b.id));
	assert_non_null(sent_to(&t, &b, WIRE_RECORD));
	assert_int_equal(t.n_sets, 0);
	assert_false(has_route(&t, &b.id));

	/* B's record claims A: the edge is confirmed from both ends */
	reset(&t);
	neigh[0] = t.cfg.id;
	fake_own_record(&t, &b, neigh, 1);
	later(&t, 200);
	ps = last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(allows(ps, &b.id));
	assert_true(has_route(&t, &b.id));
	assert_int_equal(t.n_routes, 1);
	teardown_node(&t);
}

/* A packet seen before (same boot and counter) is dropped and counted. */
static void test_replay(void **state)
{
	struct t t;
	struct fake b;
	struct wire_msg ping;
	uint64_t before;

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	ping = fake_msg(&b, WIRE_PING);
	ping.u.ping.probe_id = 42;
	ping.u.ping.record_seq = b.seq;
	reset(&t);
	feed(&t, &b, &ping);
	assert_non_null(sent_to(&t, &b, WIRE_PONG));
	before = mesh_counters(t.m)->drops[WIRE_DROP_REPLAY];
	reset(&t);
	feed(&t, &b, &ping);
	assert_int_equal(t.n_sent, 0);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REPLAY], before + 1);
	/* an older boot of B is dropped too */
	b.boot--;
	ping = fake_msg(&b, WIRE_PING);
	reset(&t);
	feed(&t, &b, &ping);
	assert_int_equal(t.n_sent, 0);
	assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_OLD_BOOT], 1);
	teardown_node(&t);
}

/* Senders outside the subnet, or claiming A's own address. */
static void test_refused_senders(void **state)
{
	static const struct {
		uint8_t a, b, c, d;
		enum wire_drop why;
	} cases[] = {
		{ 10, 98, 0, 2, WIRE_DROP_REFUSED },
		{ 192, 168, 1, 1, WIRE_DROP_REFUSED },
		{ 10, 99, 0, 1, WIRE_DROP_SELF },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct t t;
		struct fake x;
		struct wire_msg h;

		setup_node(&t, 0);
		fake_init(&x, 9, "x", 3);
		ip(&x.id, cases[i].a, cases[i].b, cases[i].c, cases[i].d);
		h = fake_hello(&x, WIRE_HELLO, 0x77, 0);
		feed(&t, &x, &h);
		assert_int_equal(t.n_sent, 0);
		assert_int_equal(mesh_counters(t.m)->drops[cases[i].why], 1);
		assert_int_equal(mesh_node_count(t.m), 1);
		teardown_node(&t);
	}
}

/*
 * bob (10.99.0.2) is a live neighbour. mallory claims 10.99.0.2 with a newer
 * boot: refused, and bob keeps working. Then bob restarts (newer boot, new
 * key): it takes over at once.
 */
static void test_identity(void **state)
{
	struct t t;
	struct fake b, mal;
	struct wire_msg h, ping;
	const struct wire_msg *reply;
	uint8_t old_key[WIRE_KEY_LEN];
	struct addr neigh[1];

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	assert_non_null(last_set(&t, b.key));

	fake_init(&mal, 2, "mallory", 9);
	reset(&t);
	h = fake_hello(&mal, WIRE_HELLO, 0x3a1, 0);
	feed(&t, &mal, &h);
	reply = sent_to(&t, &mal, WIRE_HELLO_REPLY);
	if (reply) {
		h = fake_hello(&mal, WIRE_HELLO, 0, reply->u.hello.challenge);
		feed(&t, &mal, &h);
	}
	later(&t, 200);
	assert_true(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED] >= 1);
	assert_int_equal(t.n_removed, 0);
	assert_int_equal(t.n_sets, 0);
	assert_true(adjacent(&t, &b.id));
	/* bob is still heard */
	reset(&t);
	ping = fake_msg(&b, WIRE_PING);
	ping.u.ping.probe_id = 5;
	feed(&t, &b, &ping);
	assert_non_null(sent_to(&t, &b, WIRE_PONG));

	/* bob restarts with a new key */
	memcpy(old_key, b.key, sizeof(old_key));
	b.boot = 8;
	b.counter = 0;
	b.seq = 0;
	b.key[0] = 8;
	reset(&t);
	handshake(&t, &b);
	neigh[0] = t.cfg.id;
	fake_own_record(&t, &b, neigh, 1);
	later(&t, 200);
	assert_true(was_removed(&t, old_key));
	assert_non_null(last_set(&t, b.key));
	assert_true(allows(last_set(&t, b.key), &b.id));
	assert_true(has_route(&t, &b.id));
	teardown_node(&t);
}

/* Records that contradict themselves change nothing. */
static void test_bad_records(void **state)
{
	struct addr c, d;
	static const struct {
		const char *name;
		int neigh[3];	/* 0: c, 1: d, 2: c's own id twice is the self case */
		size_t n;
		bool stored;
	} cases[] = {
		{ "names itself", { 2 }, 1, false },
		{ "a neighbour twice", { 1, 1 }, 2, false },
		{ "itself among others", { 1, 2 }, 2, false },
		{ "fine", { 1 }, 1, true },
	};

	(void)state;
	ip(&c, 10, 99, 0, 3);
	ip(&d, 10, 99, 0, 4);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct t t;
		struct fake b;
		struct addr neigh[3];
		uint8_t key[WIRE_KEY_LEN];
		uint64_t refused;

		setup_node(&t, 0);
		fake_init(&b, 2, "bob", 7);
		neighbour_up(&t, &b, NULL, 0);
		refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
		for (size_t k = 0; k < cases[i].n; k++)
			neigh[k] = cases[i].neigh[k] == 2 ? c : d;
		memset(key, 0xcc, sizeof(key));
		feed_record(&t, &b, &c, "carol", 4, 1, key, neigh, cases[i].n);
		later(&t, 200);
		if (cases[i].stored) {
			assert_true(node_known(&t, &c));
		} else {
			print_message("   %s\n", cases[i].name);
			assert_false(node_known(&t, &c));
			assert_int_equal(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED],
					 refused + 1);
		}
		teardown_node(&t);
	}
}

/*
 * Hellos to a silent static peer: four quick retries 250 ms apart (a peer
 * that is not up yet usually is a moment later), then doubling to 8 s.
 */
static void test_hello_backoff(void **state)
{
	static const uint64_t want[] = { 0,    250,  500,  750,	 1000,	1250,
					 1750, 2750, 4750, 8750, 16750, 24750 };
	struct t t;
	struct fake s;
	struct addr under;
	uint64_t t0;
	size_t k = 0;

	(void)state;
	setup_node(&t, 1);
	fake_init(&s, 100, "gw", 1);
	ip(&under, 198, 18, 0, 100);
	t0 = t.now;
	mesh_set_static_addr(t.m, 0, &under, t.now);
	collect(&t);
	while (k < ARRAY_SIZE(want)) {
		for (size_t i = 0; i < t.n_sent; i++) {
			if (t.sent[i].msg.hdr.type != WIRE_HELLO)
				continue;
			assert_true(k < ARRAY_SIZE(want));
			assert_true(endpoint_eq(&t.sent[i].to, &s.ep));
			assert_int_equal(t.now - t0, want[k]);
			k++;
		}
		reset(&t);
		t.now = mesh_next_timer(t.m);
		mesh_on_timer(t.m, t.now);
		collect(&t);
	}
	/* an answer resets the back-off: after the adjacency drops, retry soon */
	teardown_node(&t);
}

static uint64_t last_answer;

/* Let ms pass in 100 ms steps, answering every probe sent to f at once. */
/* f's pong to one of A's probes. */
static void answer_ping(struct t *t, struct fake *f, const struct wire_msg *ping)
{
	struct wire_msg pong = fake_msg(f, WIRE_PONG);

	pong.u.ping.probe_id = ping->u.ping.probe_id;
	pong.u.ping.record_seq = f->seq;
	feed(t, f, &pong);
}

static void answer_probes(struct t *t, struct fake *f, uint64_t ms)
{
	size_t seen = t->n_sent;

	last_answer = t->now;
	for (uint64_t done = 0; done < ms; done += 100) {
		later(t, 100);
		for (; seen < t->n_sent; seen++) {
			const struct wire_msg *ping = &t->sent[seen].msg;
			if (!endpoint_eq(&t->sent[seen].to, &f->ep) || ping->hdr.type != WIRE_PING)
				continue;
			answer_ping(t, f, ping);
			last_answer = t->now;
		}
	}
}

/*
 * A silent neighbour is probed after mesh_ping_idle_ms(); MESH_PING_TRIES lost
 * probes in a row (each MESH_PING_TIMEOUT_MS) end the adjacency; a pong
 * keeps it.
 */
static void test_probes(void **state)
{
	struct t t;
	struct fake b;
	uint64_t t0, idle;
	const struct wire_msg *ping;
	struct wire_msg pong;

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	assert_true(has_route(&t, &b.id));
	/* B is alive: it answers every probe (the summary probe after records) */
	answer_probes(&t, &b, 3 * MESH_SYNC_CHECK_MS);
	t0 = last_answer; /* B's last packet */

	/* answered probe */
	reset(&t);
	idle = mesh_ping_idle_ms(t.m, mesh_peer_get(t.m, &b.id));
	later(&t, t0 + idle - t.now);
	ping = sent_to(&t, &b, WIRE_PING);
	assert_non_null(ping);
	assert_int_equal(count_sent(&t, WIRE_PING), 1);
	pong = fake_msg(&b, WIRE_PONG);
	pong.u.ping.probe_id = ping->u.ping.probe_id;
	pong.u.ping.record_seq = b.seq;
	/* 1 ms: the cost bucket of the handshake's RTT, so no new record */
	t.now += 1;
	feed(&t, &b, &pong);
	t0 = t.now;
	assert_int_equal(mesh_peer_get(t.m, &b.id)->rtt_ms, 1);

	/* now B falls silent */
	reset(&t);
	later(&t, t0 + idle - 1 - t.now);
	assert_int_equal(count_sent(&t, WIRE_PING), 0);
	later(&t, 1);
	assert_int_equal(count_sent(&t, WIRE_PING), 1);
	for (unsigned k = 1; k < MESH_PING_TRIES; k++) {
		later(&t, MESH_PING_TIMEOUT_MS);
		assert_int_equal(count_sent(&t, WIRE_PING), k + 1);
		assert_true(adjacent(&t, &b.id));
		assert_int_equal(t.n_removed, 0);
	}
	later(&t, MESH_PING_TIMEOUT_MS - 1);
	assert_true(adjacent(&t, &b.id));
	later(&t, 1);
	assert_false(adjacent(&t, &b.id));
	assert_true(was_removed(&t, b.key));
	assert_false(has_route(&t, &b.id));
	teardown_node(&t);
}

/* LEAVE ends the adjacency at once: peer and route go in the same call. */
static void test_leave(void **state)
{
	struct t t;
	struct fake b;
	struct wire_msg m;

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	assert_true(has_route(&t, &b.id));
	reset(&t);
	m = fake_msg(&b, WIRE_LEAVE);
	feed(&t, &b, &m);
	assert_false(adjacent(&t, &b.id));
	assert_true(was_removed(&t, b.key));
	assert_int_equal(t.n_route_del, 1);
	assert_false(has_route(&t, &b.id));
	/* its second LEAVE changes nothing */
	reset(&t);
	m = fake_msg(&b, WIRE_LEAVE);
	feed(&t, &b, &m);
	later(&t, 200);
	assert_int_equal(t.n_removed + t.n_route_del + t.n_sets, 0);
	teardown_node(&t);
}

/* And our own leave withdraws everything we installed, and says so twice. */
static void test_own_leave(void **state)
{
	struct t t;
	struct fake b;

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	reset(&t);
	mesh_leave(t.m, t.now);
	collect(&t);
	assert_int_equal(count_sent(&t, WIRE_LEAVE), 2);
	assert_true(was_removed(&t, b.key));
	assert_int_equal(t.n_routes, 0);
	assert_true(mesh_next_timer(t.m) == UINT64_MAX);
	teardown_node(&t);
}

/*
 *   A ---- B ---- C        A's peer B holds B and C; A routes to both.
 *
 * Then the middle's view:  C ---- A ---- B   A's peer B holds B only, C only C.
 */
static void test_line_allowed_ips(void **state)
{
	struct t t;
	struct fake b, c;
	const struct peer_set *ps;
	struct addr neigh[2];

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	fake_init(&c, 3, "carol", 7);
	neigh[0] = t.cfg.id;
	neigh[1] = c.id;
	handshake(&t, &b);
	fake_own_record(&t, &b, neigh, 2);
	neigh[0] = b.id;
	feed_record(&t, &b, &c.id, c.name, c.boot, 1, c.key, neigh, 1);
	later(&t, 200);
	ps = last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 2);
	assert_true(allows(ps, &b.id));
	assert_true(allows(ps, &c.id));
	assert_null(last_set(&t, c.key));
	assert_true(has_route(&t, &b.id));
	assert_true(has_route(&t, &c.id));
	assert_int_equal(t.n_routes, 2);
	teardown_node(&t);

	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	fake_init(&c, 3, "carol", 7);
	neighbour_up(&t, &b, NULL, 0);
	neighbour_up(&t, &c, NULL, 0);
	ps = last_set(&t, b.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(allows(ps, &b.id));
	ps = last_set(&t, c.key);
	assert_non_null(ps);
	assert_int_equal(ps->n, 1);
	assert_true(allows(ps, &c.id));
	assert_int_equal(t.n_routes, 2);
	teardown_node(&t);
}

/*
 * Routes change as diffs:  A -- B -- {C, D} -> A -- B -- {D} -> A -- B -- {D, E}
 * Each step adds or deletes exactly what changed; repeating a record is silent.
 */
static void test_route_diffs(void **state)
{
	struct t t;
	struct fake b;
	struct addr c, d, e, neigh[3], back[1];
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	ip(&c, 10, 99, 0, 3);
	ip(&d, 10, 99, 0, 4);
	ip(&e, 10, 99, 0, 5);
	memset(key, 0xcc, sizeof(key));
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neigh[0] = t.cfg.id;
	neigh[1] = c;
	neigh[2] = d;
	handshake(&t, &b);
	fake_own_record(&t, &b, neigh, 3);
	back[0] = b.id;
	feed_record(&t, &b, &c, "carol", 1, 1, key, back, 1);
	key[0]++;
	feed_record(&t, &b, &d, "dave", 1, 1, key, back, 1);
	later(&t, 200);
	assert_int_equal(t.n_routes, 3);

	reset(&t);
	neigh[1] = d;
	fake_own_record(&t, &b, neigh, 2);
	later(&t, 200);
	assert_int_equal(t.n_route_add, 0);
	assert_int_equal(t.n_route_del, 1);
	assert_true(addr_eq(&t.route_del[0].addr, &c));
	assert_int_equal(t.n_routes, 2);

	reset(&t);
	neigh[2] = e;
	fake_own_record(&t, &b, neigh, 3);
	key[0]++;
	feed_record(&t, &b, &e, "erin", 1, 1, key, back, 1);
	later(&t, 200);
	assert_int_equal(t.n_route_del, 0);
	assert_int_equal(t.n_route_add, 1);
	assert_true(addr_eq(&t.route_add[0].addr, &e));
	assert_int_equal(t.n_routes, 3);
	assert_int_equal(last_set(&t, b.key)->n, 3);

	/* the same record again: nothing */
	reset(&t);
	feed_record(&t, &b, &e, "erin", 1, 1, key, back, 1);
	later(&t, 200);
	assert_int_equal(t.n_route_add + t.n_route_del + t.n_sets + t.n_removed, 0);
	teardown_node(&t);
}

/* A WireGuard sample of f's peer: a handshake or none yet. */
static void wg_sample_of(struct t *t, const struct fake *f, bool handshake)
{
	struct mesh_wg_stats st;

	memset(&st, 0, sizeof(st));
	memcpy(st.pubkey, f->key, WIRE_KEY_LEN);
	st.last_handshake_sec = handshake ? 1600000000 : 0;
	st.rx_bytes = handshake ? 92 : 0;
	st.tx_bytes = 148; /* its initiation, sent either way */
	mesh_on_wg_stats(t->m, t->now, &st, 1);
	collect(t);
}

/*
 * A new peer's first handshake comes from one side only: two initiations
 * crossing each other leave both sides without a session until WireGuard's
 * 5 s retry. The lower address initiates (keepalive set at once); the
 * higher installs without keepalive and initiates only if nothing came
 * within MESH_ANSWER_WAIT_MS.
 */
static void test_first_handshake_one_side(void **state)
{
	struct t t;
	struct fake hi, lo;
	const struct peer_set *ps;
	uint64_t installed;

	(void)state;
	setup_node_at(&t, 0, 5);
	fake_init(&hi, 9, "hi", 7);
	neighbour_up(&t, &hi, NULL, 0);
	ps = last_set(&t, hi.key);
	assert_non_null(ps);
	assert_int_equal(ps->keepalive, 1); /* we are lower: we initiate */

	fake_init(&lo, 2, "lo", 7);
	reset(&t);
	handshake(&t, &lo);
	fake_own_record(&t, &lo, &t.cfg.id, 1);
	for (int k = 0; k < 200 && !last_set(&t, lo.key); k++)
		later(&t, 5);
	ps = last_set(&t, lo.key);
	assert_non_null(ps);
	assert_int_equal(ps->keepalive, 0); /* it initiates: we wait */
	installed = ps->at;
	wg_sample_of(&t, &lo, false);
	later(&t, installed + MESH_ANSWER_WAIT_MS - 1 - t.now);
	assert_int_equal(last_set(&t, lo.key)->keepalive, 0);
	later(&t, 50);
	ps = last_set(&t, lo.key);
	assert_int_equal(ps->keepalive, 1); /* nothing came: we initiate */
	assert_true(ps->at >= installed + MESH_ANSWER_WAIT_MS);
	assert_false(was_removed(&t, lo.key));
	teardown_node(&t);

	/* its initiation arrives in time: we never initiate */
	setup_node_at(&t, 0, 5);
	fake_init(&lo, 2, "lo", 7);
	neighbour_up(&t, &lo, NULL, 0);
	wg_sample_of(&t, &lo, true);
	later(&t, 2000);
	assert_int_equal(last_set(&t, lo.key)->keepalive, 0);
	teardown_node(&t);

	/* a listed (static) node waits for the unlisted one, whatever the addresses */
	setup_node_at(&t, 1, 200);
	fake_init(&lo, 100, "static", 7);
	neighbour_up(&t, &lo, NULL, 0);
	assert_int_equal(last_set(&t, lo.key)->keepalive, 1); /* higher, but unlisted */
	teardown_node(&t);
}

/* Wait for A's next probe to f and answer it RTT ms later. */
static void probe_answered_after(struct t *t, struct fake *f, uint64_t rtt)
{
	size_t seen = t->n_sent;

	for (int k = 0; k < 600; k++) {
		later(t, 100);
		for (; seen < t->n_sent; seen++) {
			const struct wire_msg *ping = &t->sent[seen].msg;
			if (!endpoint_eq(&t->sent[seen].to, &f->ep) || ping->hdr.type != WIRE_PING)
				continue;
			t->now += rtt;
			answer_ping(t, f, ping);
			return;
		}
	}
	fail_msg("no probe to %s within 60 s", f->name);
}

static uint16_t own_cost_to(const struct t *t, const struct addr *id)
{
	const struct lsdb_record *r = lsdb_get(&t->m->db, &t->cfg.id);

	for (size_t i = 0; r && i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return r->neigh[i].cost;
	return 0;
}

/*
 * The cost of an adjacency follows the minimum of its last MESH_RTT_WINDOW
 * round trips: answers delayed by a busy host (spikes) leave it and our
 * record alone; a path that really got slower raises it once every sample
 * in the window shows it; a faster sample lowers it at once.
 */
static void test_rtt_cost_ignores_load(void **state)
{
	static const uint64_t spikes[] = { 40, 90, 3, 250, 20, 60 };
	struct t t;
	struct fake b;
	uint16_t base_cost;
	uint64_t seq;

	(void)state;
	setup_node(&t, 0);
	fake_init(&b, 2, "bob", 7);
	neighbour_up(&t, &b, NULL, 0);
	answer_probes(&t, &b, 3 * MESH_SYNC_CHECK_MS);
	base_cost = own_cost_to(&t, &b.id);
	assert_int_not_equal(base_cost, 0);
	seq = lsdb_get(&t.m->db, &t.cfg.id)->seq;
	for (size_t i = 0; i < ARRAY_SIZE(spikes); i++)
		probe_answered_after(&t, &b, spikes[i]);
	assert_int_equal(own_cost_to(&t, &b.id), base_cost);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq); /* nothing flooded */
	/* slower for a whole window: the cost rises, once */
	for (int i = 0; i < MESH_RTT_WINDOW; i++)
		probe_answered_after(&t, &b, 40);
	later(&t, 1000);
	assert_true(own_cost_to(&t, &b.id) > base_cost);
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->seq == seq + 1);
	/* one fast answer: back down */
	probe_answered_after(&t, &b, 1);
	later(&t, 1000);
	assert_int_equal(own_cost_to(&t, &b.id), base_cost);
	teardown_node(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_refused_senders),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_hello_backoff),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_own_leave),
		cmocka_unit_test(test_line_allowed_ips),
		cmocka_unit_test(test_route_diffs),
		cmocka_unit_test(test_first_handshake_one_side),
		cmocka_unit_test(test_rtt_cost_ignores_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
