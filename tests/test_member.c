/*
 * member.c: a network with a certificate authority, as core A sees it
 * (core_harness.h, h_setup_ca), with real Ed25519 keys. Fakes prove their
 * certificates in hellos and sign their records; others try not to.
 *
 *   A (10.99.0.1) -- B (10.99.0.2, certified) -- X (10.99.0.9, behind B)
 *                 -- C (10.99.0.3, certified)
 */
#include <errno.h>
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* b certified, adjacent, its record claiming A (and extra). */
static void certified_up(struct h *t, struct h_fake *b, uint8_t last, const char *name,
			 const struct addr *extra, size_t n_extra)
{
	h_fake_init(b, last, name, 7);
	h_certify(t, b);
	h_neighbour_up(t, b, extra, n_extra);
	assert_true(h_adjacent(t, &b->id));
}

/* A hello exchange that must not bring b up; the refusals counted. */
static void refused_hello(struct h *t, struct h_fake *b, const char *why)
{
	struct wire_msg h = h_hello(t, b, WIRE_HELLO, 0x1111, 0);
	const struct wire_msg *reply;
	uint64_t refused = t->m->member.refused;

	b->a_boot = 0;
	h_feed(t, b, &h);
	reply = h_sent_to(t, b, WIRE_HELLO_REPLY);
	assert_non_null(reply); /* a challenge costs nothing */
	snprintf(t->log_grep, sizeof(t->log_grep), "%s", why);
	t->log_hits = 0;
	h = h_hello(t, b, WIRE_HELLO, 0, reply->u.hello.challenge);
	h_feed(t, b, &h);
	h_later(t, 100);
	/* not admitted: no adjacency of this start (another start may hold the address) */
	{
		const struct mesh_peer *p = mesh_peer_get(t->m, &b->id);
		assert_true(!p || !p->adj.up || p->adj.replay.boot != b->boot);
	}
	assert_true(t->m->member.refused > refused);
	if (t->log_hits == 0)
		fail_msg("no log line with '%s' (last: %s)", why, t->log_last);
}

/* Certified: admitted, its signed record stored and routed; our hellos carry our proof. */
static void test_certified(void **state)
{
	struct h t;
	struct h_fake b;
	const struct wire_msg *ours;

	(void)state;
	h_setup_ca(&t, 0, 1);
	certified_up(&t, &b, 2, "bob", NULL, 0);
	assert_true(h_has_route(&t, &b.id));
	ours = NULL; /* our answer to bob's challenge */
	for (size_t i = 0; i < t.n_sent; i++)
		if (t.sent[i].msg.hdr.type == WIRE_HELLO_REPLY &&
		    (t.sent[i].msg.u.hello.has & WIRE_HELLO_HAS_ECHO))
			ours = &t.sent[i].msg;
	assert_non_null(ours);
	assert_true(ours->u.hello.has & WIRE_HELLO_HAS_CERT);
	assert_true(ours->u.hello.has & WIRE_HELLO_HAS_PROOF);
	assert_true(addr_eq(&ours->u.hello.cert.addr, &t.cfg.id));
	/* our own record is signed with our identity */
	assert_true(lsdb_get(&t.m->db, &t.cfg.id)->cert_serial == t.cfg.cert.serial);
	h_teardown(&t);
}

/*
 * Every refusal of a hello: no certificate; a certificate of another
 * address; a copied certificate whose key is not proved; expired; not yet
 * valid; signed by another CA.
 */
static void test_refused_hellos(void **state)
{
	static const char *const cases[] = {
		"without its certificate", "issued for another address", "key not proved",
		"expired", "not valid yet", "not signed by this network's CA",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h t;
		struct h_fake b, c;

		h_setup_ca(&t, 0, 1);
		h_fake_init(&b, 2, "bob", 7);
		h_fake_init(&c, 3, "carol", 7);
		h_certify(&t, &c);
		switch (i) {
		case 0:
			break;
		case 1:
			b.certified = true; /* carol's certificate, carol's key: another address */
			b.cert = c.cert;
			memcpy(b.id_sk, c.id_sk, sizeof(b.id_sk));
			break;
		case 2:
			h_certify(&t, &b);
			crypto_sign_keypair(b.id_pk, b.id_sk); /* the certificate, not its key */
			break;
		case 3:
		case 4:
			h_certify(&t, &b);
			t.unix_now += i == 3 ? 7200 : (uint64_t)-7200;
			break;
		case 5: {
			uint8_t pk[32], sk[64];
			h_certify(&t, &b);
			crypto_sign_keypair(pk, sk);
			assert_int_equal(cert_sign(&b.cert, h_ca_sign, sk), 0);
			break;
		}
		}
		refused_hello(&t, &b, cases[i]);
		h_teardown(&t);
	}
}

/*
 * One identity per address: another valid certificate for bob's address
 * (the CA issued two) is refused while bob's holds, and bob keeps its
 * adjacency and routes. Bob's own restart (same identity, new boot and
 * WireGuard key, another endpoint) takes over at once.
 */
static void test_one_identity(void **state)
{
	struct h t;
	struct h_fake b, mal, again;

	(void)state;
	h_setup_ca(&t, 0, 1);
	certified_up(&t, &b, 2, "bob", NULL, 0);
	h_fake_init(&mal, 2, "bob", 9);
	mal.ep = h_ep(198, 18, 0, 66, 50001);
	h_certify(&t, &mal);
	refused_hello(&t, &mal, "another identity holds this address");
	assert_true(h_adjacent(&t, &b.id));
	assert_true(h_has_route(&t, &b.id));
	assert_true(mesh_peer_get(t.m, &b.id)->adj.replay.boot == 7);

	/* bob restarts elsewhere with its own certificate: no contest, no wait */
	again = b;
	again.boot = 9;
	again.key[0] = 9;
	again.ep = h_ep(198, 18, 0, 77, 50001);
	again.counter = 0;
	h_handshake(&t, &again);
	assert_true(h_adjacent(&t, &b.id));
	assert_true(mesh_peer_get(t.m, &b.id)->adj.replay.boot == 9);
	assert_int_equal(mesh_counters(t.m)->claims_refused, 0);
	h_teardown(&t);
}

/*
 * A record of X, behind B: A lacks X's certificate, asks B for it, takes
 * it, asks for the record again and stores it. A record of X signed by
 * another key is refused.
 */
static void test_records(void **state)
{
	struct h t;
	struct h_fake b, x;
	struct addr b_neigh[1];
	struct h_record_extra xr = { 0 };
	const struct wire_msg *q;
	struct wire_msg cert;
	uint8_t pk[32], sk[64];

	(void)state;
	h_setup_ca(&t, 0, 1);
	h_fake_init(&x, 9, "xavier", 3);
	certified_up(&t, &b, 2, "bob", &x.id, 1);
	h_certify(&t, &x);
	b_neigh[0] = b.id;
	xr.sign_sk = x.id_sk;
	xr.cert_serial = x.cert.serial;
	h_reset(&t);
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 1, x.key, b_neigh, 1, &xr);
	assert_null(lsdb_get(&t.m->db, &x.id));
	q = h_sent_to(&t, &b, WIRE_CERT_REQUEST);
	assert_non_null(q);
	assert_true(addr_eq(&q->u.cert_request.id, &x.id));
	assert_true(q->u.cert_request.serial == x.cert.serial);
	/* B answers: A asks for the record again */
	h_reset(&t);
	cert = h_msg(&b, WIRE_CERT);
	cert.u.cert = x.cert;
	h_feed(&t, &b, &cert);
	assert_int_equal(h_count_sent_to(&t, &b, WIRE_REQUEST), 1);
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 1, x.key, b_neigh, 1, &xr);
	assert_non_null(lsdb_get(&t.m->db, &x.id));
	h_later(&t, 200);
	assert_true(h_has_route(&t, &x.id));

	/* a newer version signed by someone else: refused, the old one stays */
	crypto_sign_keypair(pk, sk);
	xr.sign_sk = sk;
	snprintf(t.log_grep, sizeof(t.log_grep), "signature does not match");
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 2, x.key, b_neigh, 1, &xr);
	assert_true(lsdb_get(&t.m->db, &x.id)->seq == 1);
	assert_int_equal(t.log_hits, 1);
	/* unsigned: refused */
	xr.sign_sk = NULL;
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 3, x.key, b_neigh, 1, &xr);
	assert_true(lsdb_get(&t.m->db, &x.id)->seq == 1);
	/* A answers a request for a certificate it holds, once per request */
	h_reset(&t);
	{
		struct wire_msg req = h_msg(&b, WIRE_CERT_REQUEST);
		req.u.cert_request.id = x.id;
		req.u.cert_request.serial = x.cert.serial;
		h_feed(&t, &b, &req);
		assert_int_equal(h_count_sent_to(&t, &b, WIRE_CERT), 1);
		assert_true(h_sent_to(&t, &b, WIRE_CERT)->u.cert.serial == x.cert.serial);
		req.hdr.counter = ++b.counter;
		req.u.cert_request.serial = x.cert.serial + 2; /* one it does not hold */
		h_feed(&t, &b, &req);
		assert_int_equal(h_count_sent_to(&t, &b, WIRE_CERT), 1);
	}
	h_teardown(&t);
}

static struct revocation revoke_name(struct h *t, const char *name)
{
	struct revocation r = { .flags = REVOKE_FLAG_NAME, .issued = t->unix_now };

	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(revocation_sign(&r, h_ca_sign, t->ca_sk), 0);
	return r;
}

/*
 * The operator revokes bob: cut off at once (adjacency, record, routes,
 * WireGuard peer), the revocation kept (MESH_ACT_REVOKED) and flooded to
 * carol; bob's next hello is refused. Known again: 0; not the CA's: -EINVAL.
 */
static void test_revoke(void **state)
{
	struct h t;
	struct h_fake b, c;
	struct revocation r, fake;
	uint8_t pk[32], sk[64];

	(void)state;
	h_setup_ca(&t, 0, 1);
	certified_up(&t, &b, 2, "bob", NULL, 0);
	certified_up(&t, &c, 3, "carol", NULL, 0);
	r = revoke_name(&t, "bob");
	h_reset(&t);
	assert_int_equal(mesh_revoke(t.m, &r, t.now), 1);
	h_collect(&t);
	assert_false(h_adjacent(&t, &b.id));
	assert_true(h_was_removed(&t, b.key));
	h_later(&t, 200);
	assert_false(h_has_route(&t, &b.id));
	assert_null(lsdb_get(&t.m->db, &b.id));
	assert_int_equal(t.n_revoked, 1);
	assert_int_equal(h_count_sent_to(&t, &c, WIRE_REVOKE), 1);
	assert_true(h_adjacent(&t, &c.id));
	refused_hello(&t, &b, "revoked");
	assert_int_equal(mesh_revoke(t.m, &r, t.now), 0);
	crypto_sign_keypair(pk, sk);
	fake = revoke_name(&t, "carol");
	assert_int_equal(revocation_sign(&fake, h_ca_sign, sk), 0);
	assert_int_equal(mesh_revoke(t.m, &fake, t.now), -EINVAL);
	assert_true(h_adjacent(&t, &c.id));
	assert_int_equal(t.n_revoked, 1);
	h_teardown(&t);
}

/*
 * A revocation from a neighbour is taken and flooded on (not back); a
 * neighbour whose ping shows another set gets ours.
 */
static void test_revocations_spread(void **state)
{
	struct h t;
	struct h_fake b, c, d;
	struct wire_msg m;
	struct wire_ping ours = { 0 };

	(void)state;
	h_setup_ca(&t, 0, 1);
	certified_up(&t, &b, 2, "bob", NULL, 0);
	certified_up(&t, &c, 3, "carol", NULL, 0);
	h_fake_init(&d, 4, "dave", 7);
	h_certify(&t, &d);
	h_reset(&t);
	m = h_msg(&b, WIRE_REVOKE);
	m.u.revoke = revoke_name(&t, "dave");
	h_feed(&t, &b, &m);
	assert_int_equal(t.n_revoked, 1);
	assert_int_equal(h_count_sent_to(&t, &c, WIRE_REVOKE), 1);
	assert_int_equal(h_count_sent_to(&t, &b, WIRE_REVOKE), 0);
	refused_hello(&t, &d, "revoked");
	/* carol says it holds none: it gets ours */
	h_reset(&t);
	m = h_msg(&c, WIRE_PING);
	m.u.ping.has = WIRE_PING_HAS_REVOKED;
	m.u.ping.rev_total = 0;
	h_feed(&t, &c, &m);
	assert_int_equal(h_count_sent_to(&t, &c, WIRE_REVOKE), 1);
	/* the same set: nothing */
	h_reset(&t);
	member_fill_ping(t.m, &ours);
	m = h_msg(&c, WIRE_PING);
	m.u.ping.has = WIRE_PING_HAS_REVOKED;
	m.u.ping.rev_total = ours.rev_total;
	m.u.ping.rev_hash = ours.rev_hash;
	h_feed(&t, &c, &m);
	assert_int_equal(h_count_sent_to(&t, &c, WIRE_REVOKE), 0);
	h_teardown(&t);
}

/*
 * A revoked node we reach by a direct path: the path goes with its
 * record, and with it the WireGuard peer (it must not stay up answering
 * handshakes, as it did when only the adjacency and record went).
 *
 *   A (198.18.0.1/24) -- B -- X (198.18.0.9, on A's LAN)
 *    \_______ direct (LAN) _______/
 */
static void test_revoke_direct(void **state)
{
	struct h t;
	struct h_fake b, x;
	struct addr x_local = h_ip(198, 18, 0, 9), b_neigh[1];
	struct h_record_extra xr = { 0 };
	struct wire_msg cert;
	struct revocation r;
	const struct mesh_peer *p;

	(void)state;
	h_setup_ca(&t, 0, 1);
	h_fake_init(&x, 9, "xavier", 3);
	h_certify(&t, &x);
	certified_up(&t, &b, 2, "bob", &x.id, 1);
	/* X's record through B: its certificate asked for, then the record again */
	b_neigh[0] = b.id;
	xr.sign_sk = x.id_sk;
	xr.cert_serial = x.cert.serial;
	xr.n_local = 1;
	xr.local = &x_local;
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 1, x.key, b_neigh, 1, &xr);
	cert = h_msg(&b, WIRE_CERT);
	cert.u.cert = x.cert;
	h_feed(&t, &b, &cert);
	h_feed_record_extra(&t, &b, &x.id, "xavier", 3, 1, x.key, b_neigh, 1, &xr);
	h_later(&t, 1000);
	p = mesh_peer_get(t.m, &x.id);
	assert_non_null(p);
	assert_int_equal(p->direct.phase, DIRECT_TRYING);
	h_wg_up(&t, &x);
	h_later(&t, 200);
	assert_int_equal(p->direct.phase, DIRECT_UP);
	assert_true(h_wg_find(&t, x.key) && h_wg_find(&t, x.key)->on);

	r = revoke_name(&t, "xavier");
	h_reset(&t);
	assert_int_equal(mesh_revoke(t.m, &r, t.now), 1);
	h_collect(&t);
	h_later(&t, 500); /* route computations are paced: well within 2 s */
	assert_true(h_was_removed(&t, x.key));
	assert_false(h_wg_find(&t, x.key)->on);
	/* and it stays off while X's WireGuard still answers */
	for (int i = 0; i < 10; i++) {
		h_wg_up(&t, &x);
		h_later(&t, 1000);
	}
	assert_false(h_wg_find(&t, x.key)->on);
	assert_null(h_wg_holder(&t, &x.id));
	h_teardown(&t);
}

/* Routes and exit offers only within the certificate's rights, on top of acceptRoutes. */
static void test_route_rights(void **state)
{
	static struct prefix accept[1];
	struct h t;
	struct h_fake b;
	struct mesh_config c;
	struct prefix lan = { h_ip(192, 168, 7, 0), 24 }, other = { h_ip(192, 168, 200, 0), 24 };

	(void)state;
	h_setup_ca(&t, 0, 1);
	c = t.cfg;
	accept[0] = (struct prefix){ h_ip(192, 168, 0, 0), 16 };
	c.accept_routes = accept;
	c.n_accept_routes = 1;
	c.allow_exit_nodes = true;
	assert_int_equal(mesh_set_routes(t.m, &c, t.now), 0);
	h_collect(&t);
	h_later(&t, 1000);
	h_fake_init(&b, 2, "bob", 7);
	h_make_cert(&t, &b.id, b.name, b.id_pk, b.id_sk, &b.cert);
	b.cert.n_routes = 1;
	b.cert.routes[0] = (struct prefix){ h_ip(192, 168, 7, 0), 24 };
	h_sign_cert(&t, &b.cert);
	b.certified = true;
	b.flags = WIRE_NODE_EXIT; /* no exit right in its certificate */
	b.n_routes = 2;
	b.routes[0] = lan;
	b.routes[1] = other;
	h_neighbour_up(&t, &b, NULL, 0);
	h_later(&t, 200);
	assert_true(h_has_prefix_route(&t, &lan));
	assert_false(h_has_prefix_route(&t, &other));
	for (size_t i = 0; i < t.m->subnet.n_seen; i++) {
		const struct subnet_seen *s = &t.m->subnet.seen[i];
		if (s->exit || prefix_eq(&s->dst, &other))
			assert_int_equal(s->verdict, MESH_ROUTE_NOT_CERTIFIED);
	}
	assert_false(t.m->subnet.has_exit);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certified),
		cmocka_unit_test(test_refused_hellos),
		cmocka_unit_test(test_one_identity),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_revocations_spread),
		cmocka_unit_test(test_revoke_direct),
		cmocka_unit_test(test_route_rights),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
