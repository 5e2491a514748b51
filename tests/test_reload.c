/*
 * reload.c: what a reloaded configuration changes in a running node, and
 * what waits for a restart (kept as it runs, and named).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reload.h"

static void base(struct config *c)
{
	config_init(c);
	snprintf(c->name, sizeof(c->name), "alpha");
	assert_int_equal(addr_parse(&c->wg_ip, "10.1.1.1"), 0);
	assert_int_equal(prefix_parse(&c->subnet, "10.1.1.0/24", NULL), 0);
	snprintf(c->ifname, sizeof(c->ifname), "wg0");
	c->wg_port = 50001;
	c->admin_port = 50501;
	c->has_shared_key = true;
	c->n_peers = 1;
	c->peers = calloc(1, sizeof(*c->peers));
	assert_non_null(c->peers);
	snprintf(c->peers[0].host, sizeof(c->peers[0].host), "203.0.113.2");
	c->peers[0].wg_port = 50002;
	c->peers[0].admin_port = 50502;
	assert_int_equal(addr_parse(&c->peers[0].wg_ip, "10.1.1.2"), 0);
}

static void test_nothing_changed(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	b.has_shared_key = false; /* the running node wiped its key: only a new one counts */
	assert_false(reload_plan(&a, &b, &p));
	assert_int_equal(p.n_kept, 0);
	config_free(&a);
	config_free(&b);
}

static void test_applied(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	b.mtu = 1380;
	b.no_transit = true;
	b.peers[0].admin_port = 60000;
	assert_true(reload_plan(&a, &b, &p));
	assert_true(p.shared_key && p.statics && p.options && p.mtu);
	assert_int_equal(p.n_kept, 0);
	assert_int_equal(b.mtu, 1380); /* applied values stay in the new one */
	config_free(&b);
	/* a peer added */
	base(&b);
	b.n_peers = 2;
	b.peers = realloc(b.peers, 2 * sizeof(*b.peers));
	assert_non_null(b.peers);
	b.peers[1] = b.peers[0];
	b.peers[1].wg_ip.b[15] = 3;
	assert_true(reload_plan(&a, &b, &p));
	assert_true(p.statics);
	assert_false(p.options || p.mtu);
	config_free(&a);
	config_free(&b);
}

/* Identity and sockets wait for a restart: kept as they run, and named. */
static void test_kept(void **state)
{
	static const char *const want[] = { "name", "wgIp", "interface", "wgPort", "adminPort",
					    "subnet", "lanPort" };
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	base(&b);
	snprintf(b.name, sizeof(b.name), "omega");
	assert_int_equal(addr_parse(&b.wg_ip, "10.1.1.9"), 0);
	snprintf(b.ifname, sizeof(b.ifname), "wg7");
	b.wg_port = 1;
	b.admin_port = 2;
	assert_int_equal(prefix_parse(&b.subnet, "10.2.0.0/16", NULL), 0);
	b.lan_port = 9;
	reload_plan(&a, &b, &p);
	assert_int_equal(p.n_kept, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p.n_kept; i++)
		assert_string_equal(p.kept[i], want[i]);
	assert_string_equal(b.name, "alpha");
	assert_true(addr_eq(&b.wg_ip, &a.wg_ip));
	assert_string_equal(b.ifname, "wg0");
	assert_int_equal(b.wg_port, 50001);
	assert_int_equal(b.admin_port, 50501);
	assert_int_equal(b.subnet.len, 24);
	assert_int_equal(b.lan_port, a.lan_port);
	config_free(&a);
	config_free(&b);
}

/* A node with a CA, its certificate for alpha 10.1.1.1. */
static void member(struct config *c, uint8_t id)
{
	c->mb.has_ca = true;
	memset(c->mb.ca_key, 0xca, sizeof(c->mb.ca_key));
	c->mb.has_identity = c->mb.has_cert = true;
	memset(c->mb.identity_pub, id, sizeof(c->mb.identity_pub));
	memset(c->mb.identity, 0, sizeof(c->mb.identity));	/* wiped by the daemon */
	c->mb.cert.serial = 7;
	c->mb.cert.not_before = 1;
	c->mb.cert.not_after = 2;
	memcpy(c->mb.cert.identity, c->mb.identity_pub, sizeof(c->mb.cert.identity));
	c->mb.cert.addr = c->wg_ip;
	snprintf(c->mb.cert.name, sizeof(c->mb.cert.name), "%s", c->name);
}

/* Membership is applied on a reload: CA key, revocations, certificate, previousSharedKey. */
static void test_member(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	member(&a, 1);
	base(&b);
	b.has_shared_key = false;
	member(&b, 1);
	b.mb.identity[0] = 9;	/* the new file's seed: the public key is what counts */
	assert_false(reload_plan(&a, &b, &p));
	assert_false(p.member || p.prev_key);

	member(&b, 2);	/* a new identity and certificate */
	assert_true(reload_plan(&a, &b, &p));
	assert_true(p.member);
	member(&b, 1);
	b.mb.cert.serial = 8;	/* a new certificate, the same identity */
	assert_true(reload_plan(&a, &b, &p) && p.member);
	member(&b, 1);
	b.mb.ca_key[0] = 1;
	assert_true(reload_plan(&a, &b, &p) && p.member);
	member(&b, 1);
	b.mb.revoked = calloc(1, sizeof(*b.mb.revoked));
	assert_non_null(b.mb.revoked);
	b.mb.n_revoked = 1;
	b.mb.revoked[0].r.flags = REVOKE_FLAG_NAME;
	snprintf(b.mb.revoked[0].r.name, sizeof(b.mb.revoked[0].r.name), "mallory");
	assert_true(reload_plan(&a, &b, &p) && p.member);
	assert_int_equal(p.n_kept, 0);
	config_free(&b);

	/* previousSharedKey: added, and removed again */
	base(&b);
	b.has_shared_key = false;
	member(&b, 1);
	b.mb.has_prev_key = true;
	assert_true(reload_plan(&a, &b, &p) && p.prev_key && !p.member);
	a.mb.has_prev_key = true;
	b.mb.has_prev_key = false;
	assert_true(reload_plan(&a, &b, &p) && p.prev_key);
	config_free(&a);
	config_free(&b);
}

/*
 * A new name with a certificate for it: the name waits for a restart, and
 * so does the certificate (the running name's stays), or every other node
 * would refuse this one.
 */
static void test_member_kept(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	base(&a);
	member(&a, 1);
	base(&b);
	b.has_shared_key = false;
	snprintf(b.name, sizeof(b.name), "omega");
	member(&b, 2);
	reload_plan(&a, &b, &p);
	assert_int_equal(p.n_kept, 2);
	assert_string_equal(p.kept[0], "name");
	assert_string_equal(p.kept[1], "certificate (for another name or wgIp)");
	assert_string_equal(b.mb.cert.name, "alpha");
	assert_int_equal(b.mb.identity_pub[0], 1);
	assert_false(p.member);
	config_free(&a);
	config_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_changed),
		cmocka_unit_test(test_applied),
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_member),
		cmocka_unit_test(test_member_kept),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
