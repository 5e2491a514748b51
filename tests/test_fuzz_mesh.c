/*
 * The seeds of fuzz/fuzz_mesh.c, and proof that they reach deep into the
 * core: each seed runs through the fuzz target (included here, so the
 * harness and its invariants are the fuzzer's own) and must get as far as
 * it says (adjacencies up, edges claimed, routes, direct paths, boot moves,
 * leaving). A change to the core or the harness that leaves the seeds
 * stuck at the door fails here, not silently in a fuzzing run.
 *
 * With WGNM_WRITE_CORPUS=dir set, the seeds are also written to dir/mesh/
 * (see fuzz/README.md):
 *
 *   make build/tests/test_fuzz_mesh
 *   WGNM_WRITE_CORPUS=fuzz/corpus build/tests/test_fuzz_mesh
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../fuzz/fuzz_mesh.c"

struct seq {
	uint8_t b[4096];
	size_t n;
};

static void put_bytes(struct seq *s, const int *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(s->n < sizeof(s->b));
		assert_true(b[i] >= 0 && b[i] <= 0xff);
		s->b[s->n++] = (uint8_t)b[i];
	}
}

/* put(s, byte...): the bytes, counted by the compiler */
#define put(s, ...) \
	put_bytes((s), (const int[]){ __VA_ARGS__ }, \
		  sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))

static void begin(struct seq *s, uint8_t cfg)
{
	s->n = 0;
	put(s, cfg, 1);
}

/* Endpoint selectors of fm_ep(): 1 + k is fake k's. */
#define EP_C 0
#define EP_FAKE(k) (1 + (k))
#define EP_LAN_OTHER 12		/* 198.18.0.200, on C's LAN */
#define EP_FAR 13		/* 203.0.113.200 */

static void neigh(struct seq *s, uint8_t k, int extra_id)
{
	put(s, FM_OP_NEIGH, k, extra_id < 0 ? 0 : 0x80 | extra_id);
}

static void run(struct seq *s, uint16_t ms)
{
	put(s, FM_OP_TIMER, 1, ms >> 8, ms & 0xff);
}

static void pong(struct seq *s, uint8_t k)
{
	put(s, FM_OP_PONG, k, 0, 0);
}

/* A record of node o (fm_id) relayed by fake k, claiming n ids (and one local address). */
static void record(struct seq *s, uint8_t k, uint8_t o, uint8_t flags, const uint8_t *ids,
		   uint8_t n, uint8_t local_ep)
{
	put(s, FM_OP_RECORD, k, o, flags, n);
	for (uint8_t i = 0; i < n; i++)
		put(s, ids[i], 0); /* kind DIRECT, cost 1 */
	if (flags & FM_R_LOCAL)
		put(s, 0, local_ep);
}

/* One WireGuard sample of a key of fm_key() (selector >= 0xc0). */
static void wg(struct seq *s, uint8_t key, uint8_t flags, uint8_t rx, uint8_t tx)
{
	put(s, FM_OP_WG, 0, 0xc0 | key, flags, rx, tx, 0);
}

static void wg_handshake_key(struct seq *s, uint8_t key)
{
	wg(s, key, FM_W_HANDSHAKE, 23, 37);
}

static void write_seed(const char *name, const struct seq *s)
{
	const char *dir = getenv("WGNM_WRITE_CORPUS");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/mesh", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/mesh/%s.bin", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s->b, 1, s->n, f), s->n);
	assert_int_equal(fclose(f), 0);
}

static void run_seed(const char *name, const struct seq *s)
{
	write_seed(name, s);
	assert_int_equal(LLVMFuzzerTestOneInput(s->b, s->n), 0);
}

/* Two neighbours, one on C's LAN: admitted, tunnels up, edges claimed, routes. */
static void test_seed_neighbours(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, -1);
	neigh(&s, 1, -1);
	pong(&s, 0);
	run(&s, 2000);
	run_seed("neighbours", &s);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 2);
	assert_int_equal(fuzz_mesh_stats.max_claimed, 2);
	assert_int_equal(fuzz_mesh_stats.max_routes, 2);
	assert_true(fuzz_mesh_stats.echoes >= 2);
	assert_true(fuzz_mesh_stats.sent[WIRE_RECORD] >= 2);
}

/*
 * Listed peers F0, F1 and C itself: C says hello to F0's configured
 * address, F0 echoes from there (and challenges C), C confirms it.
 */
static void test_seed_static(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 2 | FM_CFG_SELF_LISTED);
	put(&s, FM_OP_STATIC, 0, EP_FAKE(0));
	put(&s, FM_OP_STATIC, 1, EP_FAR);
	put(&s, FM_OP_STATIC, 2, EP_C); /* C's own listed address */
	put(&s, FM_OP_ECHO, 0, 0, 1 | 2); /* HELLO_REPLY, with a challenge */
	run(&s, 50);
	wg_handshake_key(&s, 0);
	record(&s, 0, 0, 0, (const uint8_t[]){ 6 }, 1, 0);
	run(&s, 300);
	put(&s, FM_OP_ECHO, 1, 0, 1); /* F1 at its listed address, no challenge */
	run(&s, 16000);
	pong(&s, 0);
	pong(&s, 1);
	run(&s, 3000);
	run_seed("static", &s);
	assert_true(fuzz_mesh_stats.max_adjacent >= 1);
	assert_int_equal(fuzz_mesh_stats.max_claimed, 1);
	assert_int_equal(fuzz_mesh_stats.max_routes, 1);
}

/*
 * C -- F1 -- X (10.99.0.30): F1 relays X's record, whose local address
 * lies on C's LAN; C tries X there, WireGuard reports a handshake, the
 * direct path is up. F0 on the other side carries F2 beyond it.
 */
static void test_seed_direct(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 1, 7);
	record(&s, 1, 7, FM_R_LOCAL, (const uint8_t[]){ 1 }, 1, EP_LAN_OTHER);
	run(&s, 100);
	wg_handshake_key(&s, 7);
	run(&s, 500);
	neigh(&s, 0, 2);
	record(&s, 0, 2, 0, (const uint8_t[]){ 0 }, 1, 0);
	run(&s, 3000);
	pong(&s, 1);
	run(&s, 5000);
	run_seed("direct", &s);
	assert_true(fuzz_mesh_stats.direct_up > 0);
	assert_int_equal(fuzz_mesh_stats.max_routes, 4);
	assert_int_equal(fuzz_mesh_stats.max_nodes, 5);
}

/*
 * A direct path through NAT: F1 tells C its reflexive endpoint, X's record
 * has one too and claims C. Up; idle (keepalive off); busy again; then it
 * swallows what C sends: checked with a new handshake, none comes, lost.
 */
static void test_seed_direct_nat(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 1, 7);
	put(&s, FM_OP_PING, 1, 4, EP_FAR); /* observed_wg: C's reflexive endpoint */
	run(&s, 200);
	put(&s, FM_OP_RECORD, 1, 7, FM_R_REFLEXIVE, 2, 1, 0, 6, 0, 8);
	run(&s, 100);
	wg_handshake_key(&s, 7);
	run(&s, 1000);
	for (int i = 0; i < 3; i++) {
		run(&s, 50000);
		wg(&s, 7, 0, 1, 1);
	}
	wg(&s, 7, FM_W_BIG, 1, 1);
	run(&s, 1000);
	wg(&s, 7, FM_W_NO_RX, 0, 40);
	run(&s, 1100);
	wg(&s, 7, FM_W_NO_RX, 0, 40);
	run(&s, 3000);
	run_seed("direct-nat", &s);
	assert_true(fuzz_mesh_stats.direct_up > 0);
	assert_true(fuzz_mesh_stats.peer_removes >= 2);
}

/*
 * F0 relays the records of a chain of 16 nodes behind it (F0 - 16 - 17 -
 * ... - 31): C holds 16 nodes in all and refuses the rest.
 */
static void test_seed_many_nodes(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, 16);
	for (uint8_t o = 16; o < 32; o++)
		record(&s, 0, o, 0, (const uint8_t[]){ o == 16 ? 0 : o - 1, (o + 1) % 32 }, 2, 0);
	run(&s, 300);
	run_seed("many-nodes", &s);
	assert_int_equal(fuzz_mesh_stats.max_nodes, FM_MAX_NODES);
	assert_true(fuzz_mesh_stats.nodes_refused >= 1);
	assert_int_equal(fuzz_mesh_stats.max_routes, FM_MAX_NODES - 1);
}

/*
 * F2 comes back under ever new ids until C's node table is full; it also
 * tries C's own id and one outside the subnet.
 */
static void test_seed_aliases(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	/* 150 ms apart: C challenges one source at most every 100 ms */
	for (uint8_t id = 16; id < 32; id++) {
		put(&s, FM_OP_ALIAS, 2, id);
		put(&s, FM_OP_ADMIT, 2);
		run(&s, 150);
	}
	for (uint8_t id = 7; id < 10; id++) {
		put(&s, FM_OP_ALIAS, 3, id);
		put(&s, FM_OP_ADMIT, 3);
		run(&s, 150);
	}
	put(&s, FM_OP_ALIAS, 4, 6);
	put(&s, FM_OP_ADMIT, 4);
	put(&s, FM_OP_ALIAS, 4, 14);
	put(&s, FM_OP_ADMIT, 4);
	run(&s, 1000);
	run_seed("aliases", &s);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, FM_MAX_NODES);
	assert_true(fuzz_mesh_stats.nodes_refused >= 1);
}

/*
 * Three relayed records of 993 neighbours each (36 parts), requested at
 * once: more than one datagram's answer budget.
 */
static void test_seed_big_records(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, -1);
	for (uint8_t o = 7; o < 10; o++)
		put(&s, FM_OP_RECORD, 0, o, FM_R_BIG, 1, 0, 0, 240, 0);
	run(&s, 200);
	put(&s, FM_OP_DIGEST, 0, 1, 3, 7, 0, 8, 0, 9, 0);
	run(&s, 200);
	run_seed("big-records", &s);
	assert_true(fuzz_mesh_stats.reply_limited >= 1);
	assert_true(fuzz_mesh_stats.sent[WIRE_RECORD] >= wire_record_part_count(993));
}

/* Summaries differ: digests, requests, answers; probes answered. */
static void test_seed_digests(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, 8);
	record(&s, 0, 8, 0, (const uint8_t[]){ 0 }, 1, 0);
	run(&s, 2500); /* past the gap between two full digests */
	/* a DIGEST naming F0, C and node 8 a little off; then a REQUEST */
	put(&s, FM_OP_DIGEST, 0, 0, 3, 0, 1 + 4, 6, 1 + 8, 8, 2);
	put(&s, FM_OP_DIGEST, 0, 1, 2, 6, 0, 8, 0);
	/* a PING with a wrong summary: a full digest back */
	put(&s, FM_OP_PING, 0, 8, 3);
	run(&s, 16000);
	pong(&s, 0);
	run(&s, 2000);
	run_seed("digests", &s);
	assert_true(fuzz_mesh_stats.sent[WIRE_DIGEST] >= 2);
	assert_true(fuzz_mesh_stats.sent[WIRE_RECORD] >= 2);
	assert_true(fuzz_mesh_stats.sent[WIRE_PONG] >= 1);
	assert_true(fuzz_mesh_stats.sent[WIRE_PING] >= 1);
	assert_int_equal(fuzz_mesh_stats.max_routes, 2);
}

/*
 * F0 restarts elsewhere while the start C knows is up: a claim. C checks
 * the known one; it goes silent; the new start takes over.
 */
static void test_seed_claim(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, -1);
	put(&s, FM_OP_MOVE, 0, 7);
	put(&s, FM_OP_RESTART, 0, 0, 0);
	put(&s, FM_OP_ADMIT, 0);
	run(&s, 4000);
	put(&s, FM_OP_ADMIT, 0);
	run(&s, 1000);
	neigh(&s, 0, -1);
	run(&s, 1000);
	run_seed("claim", &s);
	assert_int_equal(fuzz_mesh_stats.takeovers, 1);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 1);
	assert_true(fuzz_mesh_stats.sent[WIRE_PING] >= 2);
}

/* A neighbour holds a newer record of C: C moves its boot past it. */
static void test_seed_boot_move(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, -1);
	put(&s, FM_OP_HELLO, 0, FM_H_HELD_BOOT | FM_H_PEER_BOOT, 0, 3);
	run(&s, 100);
	put(&s, FM_OP_ADMIT, 0);
	/* F0 keeps talking past the 30 s between two moves */
	for (int i = 0; i < 4; i++) {
		run(&s, 8000);
		put(&s, FM_OP_PING, 0, 0, 0);
	}
	record(&s, 0, 6, 3, NULL, 0, 0); /* C's own record, a newer boot */
	run(&s, 1000);
	run_seed("boot-move", &s);
	assert_int_equal(fuzz_mesh_stats.boot_moves, 2);
}

/*
 * The host sleeps through F0's probes: a minute late, the timer starts a
 * check, F0 answers, and the next timer, another minute late, ends the
 * check with the idle deadline long past: one more round at once.
 */
static void test_seed_late_timer(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 0, -1);
	put(&s, FM_OP_TIMER, 3, 0, 0);
	put(&s, FM_OP_ADMIT, 0);
	put(&s, FM_OP_TIMER, 3, 0, 0);
	pong(&s, 0);
	run(&s, 1000);
	run_seed("late-timer", &s);
	assert_true(fuzz_mesh_stats.catchups >= 1);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 1);
}

/*
 * Reloads: C holds five nodes when its cap drops to 4 (it keeps them, takes
 * no new one), becomes no-transit, and a new net.yaml lists F2, C itself
 * and F2 again instead of F0 and F1; F2 is met at its listed address.
 */
static void test_seed_reload(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 2);
	put(&s, FM_OP_STATIC, 0, EP_FAKE(0));
	put(&s, FM_OP_ECHO, 0, 0, 1 | 2);
	run(&s, 50);
	wg_handshake_key(&s, 0);
	record(&s, 0, 0, 0, (const uint8_t[]){ 6 }, 1, 0);
	run(&s, 300);
	for (uint8_t o = 16; o < 19; o++)
		record(&s, 0, o, 0, (const uint8_t[]){ 0 }, 1, 0);
	put(&s, FM_OP_OPTIONS, 2 << 1, 5); /* cap 4, direct paths idle after 5 s */
	record(&s, 0, 19, 0, (const uint8_t[]){ 0 }, 1, 0);
	put(&s, FM_OP_OPTIONS, 1, 0); /* no-transit, cap 16 */
	run(&s, 200);
	put(&s, FM_OP_RELOAD, 0x04 | 0x40 | 0x80, 0);
	put(&s, FM_OP_STATIC, 0, EP_FAKE(2));
	put(&s, FM_OP_ECHO, 2, 0, 1 | 2);
	run(&s, 1000);
	run_seed("reload", &s);
	assert_int_equal(fuzz_mesh_stats.max_nodes, 5);
	assert_true(fuzz_mesh_stats.nodes_refused >= 1);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 2);
}

/*
 * Subnet routes and an exit node. C accepts 198.51.100.0/24 and 10.0.0.0/8,
 * allows exit nodes and picks one by itself, and announces 192.0.2.128/25.
 * F0 announces 198.51.100.0/24, 10.0.0.0/16 and what no node may (the
 * default route as a route, part of the overlay, loopback, part of C's
 * LAN) and offers the exit; X behind it announces 198.51.100.0/24 too (F0
 * is nearer) and C's own prefix.
 */
static void test_seed_routes(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	put(&s, FM_OP_SET_ROUTES, 2 | (2 << 2), 1, 9, 25, 2, 1, 24, 10, 8);
	neigh(&s, 0, 7);
	put(&s, FM_OP_ANNOUNCE, 0, 0, 4 | (6 << 3), 2, 6, 0, 7, 0,
	    1, 24, 10, 16, 2, 0, 3, 24, 7, 8, 5, 25);
	put(&s, FM_OP_ANNOUNCE, 0, 7, 2 << 3, 1, 0, 0, 1, 24, 9, 25);
	run(&s, 500);
	put(&s, FM_OP_SET_ROUTES, 0, 0, 0); /* nothing accepted any more */
	run(&s, 500);
	run_seed("routes", &s);
	assert_int_equal(fuzz_mesh_stats.max_subnet_routes, 3); /* two routes, the exit's default */
	assert_true(fuzz_mesh_stats.exit_used > 0);
	assert_true(fuzz_mesh_stats.subnet_refused >= 5);
}

/* Roaming to another network, a LEAVE from F1, then C leaves. */
static void test_seed_roam_leave(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, FM_CFG_LAN);
	neigh(&s, 0, -1); /* on C's LAN: gone when C leaves it */
	neigh(&s, 1, -1);
	neigh(&s, 3, -1);
	put(&s, FM_OP_PREFIXES, 2, 7, 24, 10, 64);
	run(&s, 500);
	put(&s, FM_OP_BYE, 3, 0);
	run(&s, 500);
	put(&s, FM_OP_LEAVE);
	run(&s, 1000);
	run_seed("roam-leave", &s);
	assert_true(fuzz_mesh_stats.left);
	assert_int_equal(fuzz_mesh_stats.route_dels, 3);
	assert_int_equal(fuzz_mesh_stats.peer_removes, 3);
	assert_true(fuzz_mesh_stats.sent[WIRE_LEAVE] >= 2);
}

/* Bodies from the input: a raw hello, and one patched to come from F3. */
static void test_seed_raw(void **state)
{
	struct wire_msg m;
	uint8_t body[WIRE_MAX_BODY];
	struct seq s;
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.hdr.type = WIRE_HELLO;
	m.hdr.sender = v4(10, 99, 0, 120);
	m.hdr.boot = 1;
	m.hdr.counter = 1;
	snprintf(m.u.hello.name, sizeof(m.u.hello.name), "raw");
	m.u.hello.wg_port = 51820;
	m.u.hello.admin_port = 50001;
	m.u.hello.has = WIRE_HELLO_HAS_TO;
	m.u.hello.to = ep4(198, 18, 0, 10, 50001);
	m.u.hello.challenge = 77;
	n = wire_encode(body, sizeof(body), &m);
	assert_true(n > 0);
	begin(&s, 0);
	put(&s, FM_OP_RAW, EP_FAR, n >> 8, n & 0xff);
	for (int i = 0; i < n; i++)
		put(&s, body[i]);
	/* F3 sends it, then sends it again echoing C's challenge: admitted */
	put(&s, FM_OP_PATCHED, 3, 0, FM_P_SENDER | FM_P_BOOT | FM_P_COUNTER | FM_P_KEY |
		FM_P_FROM_FAKE, n >> 8, n & 0xff);
	for (int i = 0; i < n; i++)
		put(&s, body[i]);
	put(&s, FM_OP_PATCHED, 3, 0, FM_P_SENDER | FM_P_BOOT | FM_P_COUNTER | FM_P_KEY |
		FM_P_FROM_FAKE | FM_P_ECHO | FM_P_PEER_BOOT, n >> 8, n & 0xff);
	for (int i = 0; i < n; i++)
		put(&s, body[i]);
	run(&s, 100);
	run_seed("raw", &s);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 1);
	assert_true(fuzz_mesh_stats.sent[WIRE_HELLO_REPLY] >= 2);
}

/*
 * The five faults fuzz_mesh found (fixed in 922dc29), each run through the
 * target's invariants; on the core before the fix each aborted.
 */
static void test_seed_findings(void **state)
{
	struct seq s;

	(void)state;
	/* C moves to an address it holds twice: its new record must encode */
	begin(&s, 0);
	neigh(&s, 1, -1);
	put(&s, FM_OP_PREFIXES, 2, 7, 24, 7, 32);
	run_seed("duplicate-local-address-own-record-unencodable", &s);
	assert_true(fuzz_mesh_stats.sent[WIRE_RECORD] >= 3);

	/* F1 comes back with F0's WireGuard key: F0's peer must stay as it is */
	begin(&s, 0);
	neigh(&s, 0, -1);
	put(&s, FM_OP_RESTART, 1, 0, 0);
	neigh(&s, 1, -1);
	run_seed("two-nodes-one-wireguard-key", &s);
	assert_int_equal(fuzz_mesh_stats.max_adjacent, 2);

	/* X tried on C's LAN, which C leaves: the failed pair must not spin */
	begin(&s, 0);
	neigh(&s, 1, 7);
	record(&s, 1, 7, FM_R_LOCAL, (const uint8_t[]){ 1 }, 1, EP_LAN_OTHER);
	run(&s, 100);
	put(&s, FM_OP_PREFIXES, 1, 7, 24);
	put(&s, FM_OP_TIMER, 2, 0x03, 0xe8);
	run_seed("direct-failed-no-candidates-stuck-timer", &s);

	/* a hello from UDP source port 0 */
	begin(&s, 0);
	put(&s, FM_OP_HELLO, 0, 0, FM_H2_FROM, 14);
	run_seed("source-port-0-answered-unencodable", &s);

	/* WireGuard reports F3's endpoint with port 0 */
	begin(&s, 0);
	neigh(&s, 3, -1);
	put(&s, FM_OP_WG, 0, 0, FM_W_ENDPOINT, 1, 1, 14);
	run_seed("wireguard-endpoint-port-0-in-ping-unencodable", &s);
}

/*
 * The sixth (fixed in 460d9fd): a direct path up, then WireGuard reports
 * X's endpoint with port 0 while what C sends goes unanswered; the check's
 * fresh peer was set to port 0.
 */
static void test_seed_direct_endpoint_port_0(void **state)
{
	struct seq s;

	(void)state;
	begin(&s, 0);
	neigh(&s, 1, 7);
	record(&s, 1, 7, FM_R_LOCAL, (const uint8_t[]){ 1 }, 1, EP_LAN_OTHER);
	run(&s, 100);
	wg_handshake_key(&s, 7);
	run(&s, 500);
	put(&s, FM_OP_WG, 0, 0xc0 | 7, FM_W_ENDPOINT | FM_W_NO_RX | FM_W_BIG, 0, 30, 14);
	run(&s, 1000);
	put(&s, FM_OP_WG, 0, 0xc0 | 7, FM_W_NO_RX | FM_W_BIG, 0, 30, 0);
	run(&s, 3000);
	run_seed("wireguard-endpoint-port-0-direct-peer", &s);
	assert_true(fuzz_mesh_stats.direct_up > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_neighbours),
		cmocka_unit_test(test_seed_static),
		cmocka_unit_test(test_seed_direct),
		cmocka_unit_test(test_seed_direct_nat),
		cmocka_unit_test(test_seed_many_nodes),
		cmocka_unit_test(test_seed_aliases),
		cmocka_unit_test(test_seed_big_records),
		cmocka_unit_test(test_seed_digests),
		cmocka_unit_test(test_seed_claim),
		cmocka_unit_test(test_seed_boot_move),
		cmocka_unit_test(test_seed_late_timer),
		cmocka_unit_test(test_seed_reload),
		cmocka_unit_test(test_seed_routes),
		cmocka_unit_test(test_seed_roam_leave),
		cmocka_unit_test(test_seed_raw),
		cmocka_unit_test(test_seed_findings),
		cmocka_unit_test(test_seed_direct_endpoint_port_0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
