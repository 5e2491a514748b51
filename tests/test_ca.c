/*
 * The certificate authority and the membership configuration, with real
 * libsodium keys: certificates and revocations issued by ca.c verify with
 * the CA's public key and with no other, CA key files are refused for
 * every reason there is, every check of config_member_check says what it
 * must (a table of certificates made wrong in one way each), --peer is
 * parsed, and the `ca` and `revoke` commands of the binary named by
 * $WGNM_TEST_DAEMON (set by `make test`) do what wg_netmanager(8) says.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "ca.h"
#include "config.h"

#define KEY "8Ls3lTyPqH2oX6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY="
#define KEY2 "YDUBM6FhERePZ4gPlxzAbCN7K61BPjy7HApWYL+P128="
#define DAY 86400u

static char scratch[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/wgnm-test-ca.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	return sodium_init() < 0 ? -1 : 0;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch, name);
}

static int group_teardown(void **state)
{
	static const char *const files[] = { "net.yaml", "peer.yaml", "stdout", "stderr",
					     "key", "ca/ca.key", "ca", NULL };
	char p[128];

	(void)state;
	for (size_t i = 0; files[i]; i++) {
		path_of(p, sizeof(p), files[i]);
		if (unlink(p) < 0)
			rmdir(p);
	}
	rmdir(scratch);
	return 0;
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void b64(char *out, size_t cap, const uint8_t *bin, size_t n)
{
	sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
}

static bool verify(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg, size_t len,
		   const uint8_t sig[CERT_SIG_LEN])
{
	(void)arg;
	return crypto_sign_verify_detached(sig, msg, len, key) == 0;
}

static void ca_pub(const uint8_t seed[32], uint8_t pk[32])
{
	uint8_t sk[64];

	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
}

static struct cert subject(const char *name, const char *ip, const uint8_t id_seed[32])
{
	struct cert c = { .flags = 0 };
	uint8_t sk[64];

	snprintf(c.name, sizeof(c.name), "%s", name);
	assert_int_equal(addr_parse(&c.addr, ip), 0);
	crypto_sign_seed_keypair(c.identity, sk, id_seed);
	return c;
}

/* ---- issuing and verifying ---- */

static void test_round_trip(void **state)
{
	uint8_t ca[32], other[32], pk[32], opk[32], id[32], bin[CERT_MAX_LEN];
	uint64_t now = (uint64_t)time(NULL);
	struct cert c, d;
	struct revocation r, q;
	int n;

	(void)state;
	randombytes_buf(ca, sizeof(ca));
	randombytes_buf(other, sizeof(other));
	randombytes_buf(id, sizeof(id));
	ca_pub(ca, pk);
	ca_pub(other, opk);
	c = subject("charlie", "10.1.1.21", id);
	c.flags = CERT_FLAG_EXIT;
	c.n_routes = 1;
	assert_int_equal(prefix_parse(&c.routes[0], "192.168.7.0/24", &(bool){ false }), 0);
	assert_int_equal(ca_cert_issue(&c, ca, now, 30), 0);
	assert_true(c.serial != 0);
	assert_int_equal(c.not_before, now - CA_SKEW_S);
	assert_int_equal(c.not_after, now + 30 * DAY);

	n = cert_encode(bin, sizeof(bin), &c);
	assert_true(n > 0);
	assert_int_equal(cert_decode(bin, (size_t)n, &d), 0);
	assert_memory_equal(&c.identity, &d.identity, sizeof(c.identity));
	assert_int_equal(cert_check(&d, pk, now, &c.addr, verify, NULL), CERT_OK);
	assert_int_equal(cert_check(&d, opk, now, &c.addr, verify, NULL), CERT_BAD_SIGNATURE);
	assert_int_equal(cert_check(&d, pk, now + 31 * DAY, NULL, verify, NULL), CERT_EXPIRED);
	d.sig[5] ^= 1;
	assert_int_equal(cert_check(&d, pk, now, NULL, verify, NULL), CERT_BAD_SIGNATURE);
	d.sig[5] ^= 1;
	d.flags = 0;	/* the rights are signed too */
	assert_int_equal(cert_check(&d, pk, now, NULL, verify, NULL), CERT_BAD_SIGNATURE);

	/* serials differ (64 random bits) */
	d = c;
	assert_int_equal(ca_cert_issue(&d, ca, now, 30), 0);
	assert_true(d.serial != c.serial);

	memset(&r, 0, sizeof(r));
	r.flags = REVOKE_FLAG_SERIAL;
	r.serial = c.serial;
	assert_int_equal(ca_revocation_issue(&r, ca, now), 0);
	assert_int_equal(r.issued, now);
	n = revocation_encode(bin, sizeof(bin), &r);
	assert_true(n > 0);
	assert_int_equal(revocation_decode(bin, (size_t)n, &q), 0);
	assert_true(revocation_verify(&q, pk, verify, NULL));
	assert_false(revocation_verify(&q, opk, verify, NULL));
	assert_true(revocation_matches(&q, &c));
	assert_false(revocation_matches(&q, &d));
	/* the verifier the daemon and the configuration use agrees */
	assert_true(revocation_verify(&q, pk, config_member_verify, NULL));
	q.issued++;
	assert_false(revocation_verify(&q, pk, config_member_verify, NULL));
	sodium_memzero(ca, sizeof(ca));
}

/* ---- CA key files ---- */

static void test_key_read(void **state)
{
	uint8_t seed[32], got[32];
	char path[128], text[128], why[256];
	char dir[128];

	(void)state;
	path_of(path, sizeof(path), "key");
	randombytes_buf(seed, sizeof(seed));
	b64(text, sizeof(text), seed, sizeof(seed));
	strcat(text, "\n");
	put_file(path, text, 0600);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), 0);
	assert_memory_equal(seed, got, sizeof(seed));

	put_file(path, text, 0640);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "others can read or change the CA key (mode 640); run: chmod 600"));
	put_file(path, text, 0604);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EPERM);

	put_file(path, KEY2 "x\n", 0600);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a CA key (32 bytes in base64"));
	put_file(path, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n", 0600);	/* 31 bytes */
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EINVAL);
	put_file(path, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n", 0600);	/* 33, no padding */
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EINVAL);
	put_file(path, "", 0600);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EINVAL);
	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	{
		char big[600];

		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		put_file(path, big, 0600);
		assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EFBIG);
		assert_non_null(strstr(why, "too long for a CA key"));
	}
	unlink(path);
	assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -ENOENT);
	path_of(dir, sizeof(dir), "ca");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(ca_key_read(dir, got, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	rmdir(dir);
	if (geteuid() == 0) {
		b64(text, sizeof(text), seed, sizeof(seed));
		put_file(path, text, 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(ca_key_read(path, got, why, sizeof(why)), -EPERM);
		assert_non_null(strstr(why, "belongs to uid 65534"));
	}
	unlink(path);
}

/* ---- the checks of the configuration ---- */

/*
 * One setup per row: a CA, a node charlie 10.1.1.21 with its identity
 * and certificate, changed in one way.
 */
struct member_setup {
	bool no_ca;		/* net.yaml without caKey */
	bool other_ca;		/* the certificate signed by another CA */
	bool no_identity, no_cert;
	bool other_identity;	/* peer.yaml's identityKey is not the certified one */
	const char *cert_name, *cert_ip;
	uint64_t issued_shift_neg;	/* issued this long ago */
	uint64_t issued_shift_pos;	/* issued in the future */
	unsigned days;
	bool exit_right;
	const char *cert_routes;	/* one prefix, or NULL */
	const char *peer_extra;		/* more peer.yaml */
	const char *net_extra;		/* more net.yaml, under network: */
	bool revoke_name;		/* net.yaml revokes charlie by name */
	bool revoke_other_ca;		/* a revocation signed by another CA */
	bool peer_name;			/* peer.yaml says name: charlie */
};

struct member_case {
	const char *name;
	struct member_setup set;
	unsigned errors, warnings;
	const char *says[3];	/* in the messages, in order */
};

static const struct member_case member_cases[] = {
	{ "valid", { .days = 365, .peer_name = true }, 0, 0, { NULL } },
	{ "name_from_cert", { .days = 365 }, 0, 0, { NULL } },
	{ "no_identity_no_cert", { .days = 365, .no_identity = true, .no_cert = true }, 1, 0,
	  { "network.caKey is set, so this node needs identityKey and certificate in " } },
	{ "no_cert", { .days = 365, .no_cert = true }, 1, 0,
	  { "network.caKey is set, so this node needs certificate in " } },
	{ "no_identity", { .days = 365, .no_identity = true }, 1, 0,
	  { "network.caKey is set, so this node needs identityKey in " } },
	{ "other_ca", { .days = 365, .other_ca = true }, 1, 0,
	  { "certificate is not signed by network.caKey (signed by another CA, or changed)" } },
	{ "other_identity", { .days = 365, .other_identity = true }, 1, 0,
	  { "certificate is for another identity key than identityKey (line 1)" } },
	{ "wrong_address", { .days = 365, .cert_ip = "10.1.1.22" }, 1, 0,
	  { "certificate is for address 10.1.1.22, but this node's wgIp is 10.1.1.21" } },
	{ "wrong_name", { .days = 365, .cert_name = "delta", .peer_name = true }, 1, 0,
	  { "certificate is for node 'delta', but this node's name is 'charlie'" } },
	{ "expired", { .days = 30, .issued_shift_neg = 31 * DAY }, 1, 0,
	  { "certificate expired on ", "; have a new one signed ('wg_netmanager ca sign')" } },
	{ "expiring", { .days = 3 }, 0, 1,
	  { "warning: certificate expires on ", "(in 3 day(s)); have a new one signed" } },
	{ "not_yet_valid", { .days = 30, .issued_shift_pos = DAY }, 0, 1,
	  { "warning: certificate is valid only from ",
	    "the others refuse this node until then (is this host's clock right?)" } },
	{ "revoked_by_name", { .days = 365, .revoke_name = true }, 1, 0,
	  { "this node's certificate is revoked by network.revoked (" } },
	{ "revocation_of_other_ca", { .days = 365, .revoke_other_ca = true }, 1, 0,
	  { "revoked: not signed by network.caKey (a revocation of another network's CA?)" } },
	{ "route_outside_cert", { .days = 365, .cert_routes = "192.168.7.0/24",
				  .peer_extra = "routes: [192.168.7.128/25, 192.168.8.0/24]\n" },
	  0, 1,
	  { "warning: route 192.168.8.0/24 is not among the routes of this node's certificate: "
	    "the others will refuse it" } },
	{ "exit_without_right", { .days = 365, .peer_extra = "exitNode: true\n" }, 0, 1,
	  { "warning: exitNode is set but this node's certificate gives no exit-node right" } },
	{ "exit_with_right", { .days = 365, .exit_right = true, .peer_extra = "exitNode: true\n" },
	  0, 0, { NULL } },
	{ "ignored_without_ca", { .days = 365, .no_ca = true, .peer_name = true }, 0, 1,
	  { "warning: identityKey and certificate are ignored: net.yaml sets no network.caKey "
	    "(shared-key mode)" } },
	{ "revoked_ignored_without_ca", { .days = 365, .no_ca = true, .no_identity = true,
					  .no_cert = true, .revoke_name = true, .peer_name = true },
	  0, 1, { "warning: revoked is ignored: network.caKey is not set" } },
	{ "prev_key_same", { .days = 365, .net_extra = "  previousSharedKey: " KEY "\n" }, 0, 1,
	  { "warning: previousSharedKey is the same as sharedKey: it does nothing; remove it" } },
	{ "prev_key_other", { .days = 365, .net_extra = "  previousSharedKey: " KEY2 "\n" }, 0, 0,
	  { NULL } },
};

static void revocation_line(char *out, size_t cap, const uint8_t ca[32])
{
	struct revocation r = { .flags = REVOKE_FLAG_NAME };
	uint8_t bin[REVOKE_MAX_LEN];
	int n;

	snprintf(r.name, sizeof(r.name), "charlie");
	assert_int_equal(ca_revocation_issue(&r, ca, (uint64_t)time(NULL)), 0);
	n = revocation_encode(bin, sizeof(bin), &r);
	assert_true(n > 0);
	b64(out, cap, bin, (size_t)n);
}

static void write_member_files(const struct member_setup *st, const char *net, const char *peer)
{
	uint8_t ca[32], other[32], pk[32], id[32], id2[32], bin[CERT_MAX_LEN];
	char text[4096], k[64], certb64[600], rv[256];
	uint64_t now = (uint64_t)time(NULL);
	struct cert c;
	size_t off;
	int n;

	randombytes_buf(ca, sizeof(ca));
	randombytes_buf(other, sizeof(other));
	randombytes_buf(id, sizeof(id));
	randombytes_buf(id2, sizeof(id2));
	ca_pub(ca, pk);
	b64(k, sizeof(k), pk, sizeof(pk));
	off = (size_t)snprintf(text, sizeof(text),
			       "network:\n  sharedKey: " KEY "\n  subnet: 10.1.1.0/24\n%s%s%s%s",
			       st->no_ca ? "" : "  caKey: ", st->no_ca ? "" : k, st->no_ca ? "" : "\n",
			       st->net_extra ? st->net_extra : "");
	if (st->revoke_name || st->revoke_other_ca) {
		revocation_line(rv, sizeof(rv), st->revoke_other_ca ? other : ca);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "  revoked:\n    - %s\n", rv);
	}
	put_file(net, text, 0600);

	c = subject(st->cert_name ? st->cert_name : "charlie", st->cert_ip ? st->cert_ip : "10.1.1.21",
		    id);
	if (st->exit_right)
		c.flags = CERT_FLAG_EXIT;
	if (st->cert_routes) {
		c.n_routes = 1;
		assert_int_equal(prefix_parse(&c.routes[0], st->cert_routes, &(bool){ false }), 0);
	}
	assert_int_equal(ca_cert_issue(&c, st->other_ca ? other : ca,
				       now - st->issued_shift_neg + st->issued_shift_pos, st->days),
			 0);
	n = cert_encode(bin, sizeof(bin), &c);
	assert_true(n > 0);
	b64(certb64, sizeof(certb64), bin, (size_t)n);
	b64(k, sizeof(k), st->other_identity ? id2 : id, sizeof(id));
	snprintf(text, sizeof(text), "%s%s%s%s%s%s%s%s", st->no_identity ? "" : "identityKey: ",
		 st->no_identity ? "" : k, st->no_identity ? "" : "\n",
		 st->no_cert ? "" : "certificate: ", st->no_cert ? "" : certb64,
		 st->no_cert ? "" : "\n", st->peer_name ? "name: charlie\n" : "",
		 st->peer_extra ? st->peer_extra : "");
	if (!text[0])
		snprintf(text, sizeof(text), "{}\n");
	put_file(peer, text, 0600);
	sodium_memzero(ca, sizeof(ca));
	sodium_memzero(other, sizeof(other));
}

static void dump(const char *name, const struct config_msgs *m)
{
	print_message("case %s produced:\n", name);
	for (unsigned i = 0; i < m->n_stored; i++)
		print_message("  %s\n", m->msg[i].text);
}

static void test_member_checks(void **state)
{
	char net[128], peer[128];

	(void)state;
	path_of(net, sizeof(net), "net.yaml");
	path_of(peer, sizeof(peer), "peer.yaml");
	for (size_t i = 0; i < sizeof(member_cases) / sizeof(member_cases[0]); i++) {
		const struct member_case *mc = &member_cases[i];
		struct config_cli cli = { .net_path = net, .peer_path = peer, .address = "10.1.1.21" };
		struct config cfg;
		struct config_msgs m;
		const char *at;
		int r;

		write_member_files(&mc->set, net, peer);
		config_init(&cfg);
		config_msgs_init(&m);
		r = config_load(&cfg, &cli, &m);
		if (m.n_errors != mc->errors || m.n_warnings != mc->warnings)
			dump(mc->name, &m);
		assert_int_equal(m.n_errors, mc->errors);
		assert_int_equal(m.n_warnings, mc->warnings);
		assert_int_equal(r, mc->errors ? -EINVAL : 0);
		/* every part, in order, in the one message */
		at = m.n_stored ? m.msg[0].text : "";
		for (size_t j = 0; j < 3 && mc->says[j]; j++) {
			const char *p = strstr(at, mc->says[j]);
			if (!p)
				dump(mc->name, &m);
			assert_non_null(p);
			at = p;
		}
		if (r == 0 && !mc->set.no_ca) {
			assert_string_equal(cfg.name, mc->set.cert_name ? mc->set.cert_name : "charlie");
			assert_true(cfg.mb.has_ca && cfg.mb.has_cert && cfg.mb.has_identity);
			assert_int_equal(cfg.name_from_cert, !mc->set.peer_name);
		}
		config_free(&cfg);
		assert_false(cfg.mb.has_identity);	/* wiped */
	}
}

/* A certificate checked as the others check it: config_print says what it holds, never a secret. */
static void test_member_print(void **state)
{
	struct member_setup st = { .days = 365, .exit_right = true, .cert_routes = "192.168.7.0/24",
				   .net_extra = "  previousSharedKey: " KEY2 "\n" };
	char net[128], peer[128], idline[128];
	struct config_cli cli = { .net_path = net, .peer_path = peer, .address = "10.1.1.21" };
	struct config cfg;
	struct config_msgs m;
	char *out = NULL, *p, *text;
	size_t outlen = 0, len;
	FILE *f;

	(void)state;
	path_of(net, sizeof(net), "net.yaml");
	path_of(peer, sizeof(peer), "peer.yaml");
	write_member_files(&st, net, peer);
	config_init(&cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(&cfg, &cli, &m), 0);
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	config_print(&cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "name:            charlie (from the certificate)\n"));
	assert_non_null(strstr(out, "previous key:    set (32 bytes, not shown"));
	assert_non_null(strstr(out, "membership:      certificates of CA "));
	assert_non_null(strstr(out, "cert rights:     exit node yes; routes 192.168.7.0/24\n"));
	assert_non_null(strstr(out, "(365 day(s) left)\n"));
	assert_null(strstr(out, KEY2));
	assert_null(strstr(out, KEY));
	/* the identityKey line of peer.yaml is not in the output */
	f = fopen(peer, "r");
	assert_non_null(f);
	assert_non_null(fgets(idline, sizeof(idline), f));
	fclose(f);
	p = strchr(idline, ' ');
	assert_non_null(p);
	text = p + 1;
	len = strcspn(text, "\n");
	text[len] = '\0';
	assert_true(len == 44);
	assert_null(strstr(out, text));
	free(out);
	config_free(&cfg);
}

/* peer.yaml with identityKey is a secret's file: read by others warned, written refused. */
static void test_member_file_modes(void **state)
{
	struct member_setup st = { .days = 365 };
	char net[128], peer[128];
	struct config_cli cli = { .net_path = net, .peer_path = peer, .address = "10.1.1.21" };
	struct config cfg;
	struct config_msgs m;

	(void)state;
	path_of(net, sizeof(net), "net.yaml");
	path_of(peer, sizeof(peer), "peer.yaml");
	write_member_files(&st, net, peer);
	chmod(peer, 0644);
	config_init(&cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(&cfg, &cli, &m), 0);
	assert_int_equal(m.n_warnings, 1);
	assert_non_null(strstr(m.msg[0].text, "warning: holds the identity key (identityKey) but "
					      "others can read it (mode 644)"));
	config_free(&cfg);
	chmod(peer, 0664);
	config_init(&cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(&cfg, &cli, &m), -EINVAL);
	assert_non_null(strstr(m.msg[0].text, "holds the identity key (identityKey) but others can "
					      "change it (mode 664)"));
	config_free(&cfg);
	/* without identityKey peer.yaml holds no secret */
	st.no_ca = st.no_identity = st.no_cert = st.peer_name = true;
	write_member_files(&st, net, peer);
	chmod(peer, 0666);
	config_init(&cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(&cfg, &cli, &m), 0);
	config_free(&cfg);
}

/* ---- --peer ---- */

static void test_seeds(void **state)
{
	static const struct {
		const char *arg;
		const char *host;
		uint16_t wg, admin;
		const char *error;	/* the message, or NULL */
	} cases[] = {
		{ "203.0.113.2:50002", "203.0.113.2", 50002, 50502, NULL },
		{ "203.0.113.2:50002/60000", "203.0.113.2", 50002, 60000, NULL },
		{ "[2001:db8::1]:51820", "2001:db8::1", 51820, 52320, NULL },
		{ "[2001:db8::1]:51820/1", "2001:db8::1", 51820, 1, NULL },
		{ "vps.example.net:50001", "vps.example.net", 50001, 50501, NULL },
		{ "203.0.113.2", NULL, 0, 0, "--peer '203.0.113.2': " },
		{ "203.0.113.2:65100", NULL, 0, 0,
		  "--peer '203.0.113.2:65100': its admin port would be PORT + 500, past 65535: give "
		  "HOST:PORT/ADMINPORT (HOST:PORT or HOST:PORT/ADMINPORT)" },
		{ "203.0.113.2:50002/", NULL, 0, 0,
		  "--peer '203.0.113.2:50002/': ADMINPORT after '/' must be a port number from 1 to "
		  "65535" },
		{ "203.0.113.2:50002/50002", NULL, 0, 0,
		  "--peer '203.0.113.2:50002/50002': PORT and ADMINPORT are the same" },
		{ "/50500", NULL, 0, 0, "--peer '/50500': " },
	};
	struct config_member mb;
	struct config_msgs m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config_member_cli cli = { .seeds = { cases[i].arg }, .n_seeds = 1 };

		config_member_init(&mb);
		config_msgs_init(&m);
		config_member_apply_cli(&mb, &cli, &m);
		if (!cases[i].error) {
			assert_int_equal(m.n_stored, 0);
			assert_int_equal(mb.n_seeds, 1);
			assert_string_equal(mb.seeds[0].host, cases[i].host);
			assert_int_equal(mb.seeds[0].wg_port, cases[i].wg);
			assert_int_equal(mb.seeds[0].admin_port, cases[i].admin);
		} else {
			if (m.n_errors != 1 || !strstr(m.msg[0].text, cases[i].error))
				print_message("case %s: %s\n", cases[i].arg,
					      m.n_stored ? m.msg[0].text : "(nothing)");
			assert_int_equal(m.n_errors, 1);
			assert_non_null(strstr(m.msg[0].text, cases[i].error));
			assert_int_equal(mb.n_seeds, 0);
		}
		config_member_free(&mb);
	}
	/* twice, and too many */
	{
		struct config_member_cli cli = { .seeds = { "h:1", "h:1" }, .n_seeds = 2 };

		config_member_init(&mb);
		config_msgs_init(&m);
		config_member_apply_cli(&mb, &cli, &m);
		assert_int_equal(m.n_errors, 1);
		assert_string_equal(m.msg[0].text, "command line: --peer 'h:1' given twice");
		assert_int_equal(mb.n_seeds, 1);
		cli.n_seeds = CONFIG_MAX_SEEDS + 1;
		config_msgs_init(&m);
		config_member_apply_cli(&mb, &cli, &m);
		assert_string_equal(m.msg[0].text, "command line: --peer given more than 16 times");
	}
}

/* ---- the commands ---- */

struct run {
	int status;
	char out[8192];
	char err[8192];
};

static void read_all(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static void run(struct run *r, const char *const *args)
{
	const char *bin = getenv("WGNM_TEST_DAEMON");
	char out_path[128], err_path[128];
	char *argv[24];
	size_t n = 1;
	pid_t pid;
	int st;

	path_of(out_path, sizeof(out_path), "stdout");
	path_of(err_path, sizeof(err_path), "stderr");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		argv[0] = strdup(bin);
		for (; args[n - 1] && n < 23; n++)
			argv[n] = strdup(args[n - 1]);
		argv[n] = NULL;
		dup2(o, 1);
		dup2(e, 2);
		execv(bin, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	read_all(out_path, r->out, sizeof(r->out));
	read_all(err_path, r->err, sizeof(r->err));
}

#define RUN(r, ...) run(r, (const char *const[]){ __VA_ARGS__, NULL })

static void need_binary(void)
{
	const char *bin = getenv("WGNM_TEST_DAEMON");

	if (!bin || !*bin) {
		print_message("WGNM_TEST_DAEMON is not set; skipping (run with `make test`)\n");
		skip();
	}
}

/* The value of "key: value" in text, into out. */
static void value_of(const char *text, const char *key, char *out, size_t cap)
{
	const char *p = strstr(text, key);
	size_t n;

	assert_non_null(p);
	p += strlen(key);
	n = strcspn(p, "\n");
	assert_true(n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

static void test_commands(void **state)
{
	char dir[128], key[128], net[128], peer[128], text[4096], ca_key[64], cert[600], pub[64];
	char rv[256], idkey[64];
	uint8_t pk[32], bin[CERT_MAX_LEN];
	struct config_cli cli = { .net_path = net, .peer_path = peer };
	struct config cfg;
	struct config_msgs m;
	struct revocation r;
	struct cert c;
	struct stat st;
	struct run out;
	int n;

	(void)state;
	need_binary();
	path_of(dir, sizeof(dir), "ca");
	path_of(key, sizeof(key), "ca/ca.key");
	path_of(net, sizeof(net), "net.yaml");
	path_of(peer, sizeof(peer), "peer.yaml");

	RUN(&out, "ca", "init", "-o", dir);
	assert_int_equal(out.status, 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	value_of(out.out, "caKey: ", ca_key, sizeof(ca_key));
	assert_int_equal(strlen(ca_key), 44);
	RUN(&out, "ca", "init", "-o", dir);	/* never overwritten */
	assert_int_equal(out.status, 1);
	assert_non_null(strstr(out.err, "exists; refusing to overwrite a CA key"));

	/* a node: the fragment goes into peer.yaml as it is */
	RUN(&out, "ca", "sign", "-k", key, "-n", "charlie", "-a", "10.1.1.21", "--routes",
	    "192.168.7.0/24,10.7.0.0/16", "--exit-node", "--days", "10");
	assert_int_equal(out.status, 0);
	put_file(peer, out.out, 0600);
	snprintf(text, sizeof(text), "network:\n  sharedKey: " KEY "\n  subnet: 10.1.1.0/24\n"
		 "  caKey: %s\n", ca_key);
	put_file(net, text, 0600);
	config_init(&cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(&cfg, &cli, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_string_equal(cfg.name, "charlie");
	assert_int_equal(cfg.mb.cert.n_routes, 2);
	assert_true(cfg.mb.cert.flags & CERT_FLAG_EXIT);
	assert_int_equal(cfg.mb.cert.not_after - cfg.mb.cert.not_before, 10 * DAY + CA_SKEW_S);
	config_free(&cfg);

	/* an identity made on the node, signed by its public key */
	RUN(&out, "ca", "identity");
	assert_int_equal(out.status, 0);
	value_of(out.out, "identityKey: ", idkey, sizeof(idkey));
	value_of(out.out, "--pubkey': ", pub, sizeof(pub));
	RUN(&out, "ca", "sign", "-k", key, "-n", "delta", "-a", "10.1.1.22", "--pubkey", pub);
	assert_int_equal(out.status, 0);
	assert_null(strstr(out.out, "identityKey"));
	value_of(out.out, "certificate: ", cert, sizeof(cert));
	n = config_b64_decode_var(bin, sizeof(bin), cert);
	assert_true(n > 0);
	assert_int_equal(cert_decode(bin, (size_t)n, &c), 0);
	assert_int_equal(config_b64_decode(pk, sizeof(pk), pub), 0);
	assert_memory_equal(c.identity, pk, 32);
	assert_int_equal(config_b64_decode(pk, sizeof(pk), ca_key), 0);
	assert_int_equal(cert_check(&c, pk, (uint64_t)time(NULL), NULL, verify, NULL), CERT_OK);
	assert_int_equal(c.not_after - c.not_before, CA_DEFAULT_DAYS * DAY + CA_SKEW_S);

	/* a revocation: by name and serial, signed by the CA */
	snprintf(text, sizeof(text), "%016llx", (unsigned long long)c.serial);
	RUN(&out, "ca", "revoke", "-k", key, "-n", "delta", "--serial", text);
	assert_int_equal(out.status, 0);
	value_of(out.out, "", rv, sizeof(rv));
	n = config_b64_decode_var(bin, sizeof(bin), rv);
	assert_true(n > 0);
	assert_int_equal(revocation_decode(bin, (size_t)n, &r), 0);
	assert_true(revocation_verify(&r, pk, verify, NULL));
	assert_true(revocation_matches(&r, &c));
	assert_int_equal(r.flags, REVOKE_FLAG_NAME | REVOKE_FLAG_SERIAL);

	/* bad input: exit 2 and why, before any key is used */
	{
		static const struct {
			const char *args[12];
			const char *says;
		} bad[] = {
			{ { "ca" }, "which command?" },
			{ { "ca", "sing" }, "unknown command 'sing'" },
			{ { "ca", "sign", "-n", "x", "-a", "10.1.1.9" }, "which CA key? (-k CA_KEY" },
			{ { "ca", "sign", "-k", "K", "-a", "10.1.1.9" }, "which node? (-n NAME)" },
			{ { "ca", "sign", "-k", "K", "-n", "x" }, "its overlay address? (-a IP" },
			{ { "ca", "sign", "-k", "K", "-n", "a/b", "-a", "10.1.1.9" }, "-n 'a/b': " },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1" }, "-a '10.1.1' is not an IP address" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "0.0.0.0" }, "-a '0.0.0.0' is not an IP address" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--routes", "10.7.0.1/16" },
			  "--routes: '10.7.0.1/16' has host bits set" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--routes", "0.0.0.0/0" },
			  "is a default route" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--routes", "a,b" },
			  "--routes: 'a' is not a CIDR prefix" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--days", "0" },
			  "--days '0': a number of days from 1 to 3650" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--days", "3651" },
			  "--days '3651'" },
			{ { "ca", "sign", "-k", "K", "-n", "x", "-a", "10.1.1.9", "--pubkey", "AQ==" },
			  "--pubkey 'AQ==' is not an Ed25519 public key" },
			{ { "ca", "revoke", "-k", "K" }, "which certificates? (-n NAME, --serial S, or both)" },
			{ { "ca", "revoke", "-k", "K", "--serial", "0" }, "--serial '0': a certificate's serial" },
			{ { "ca", "revoke", "-k", "K", "--serial", "xyz" }, "--serial 'xyz'" },
			{ { "ca", "identity", "now" }, "ca identity takes no arguments" },
			{ { "ca", "init", "extra" }, "unexpected argument 'extra'" },
			{ { "revoke", "AQ==" }, "'AQ==' is not a revocation in base64" },
			{ { "revoke", KEY }, "is not a revocation in base64" },
			{ { "revoke" }, "which revocation?" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			run(&out, bad[i].args);
			if (out.status != 2 || !strstr(out.err, bad[i].says))
				print_message("case %zu: exit %d: %s", i, out.status, out.err);
			assert_int_equal(out.status, 2);
			assert_non_null(strstr(out.err, bad[i].says));
			assert_string_equal(out.out, "");
		}
	}
	/* a CA key others can read is refused, and so is one that is no key */
	chmod(key, 0640);
	RUN(&out, "ca", "sign", "-k", key, "-n", "x", "-a", "10.1.1.9");
	assert_int_equal(out.status, 2);
	assert_non_null(strstr(out.err, "others can read or change the CA key (mode 640)"));
	assert_string_equal(out.out, "");
	put_file(key, "AQ==\n", 0600);
	RUN(&out, "ca", "revoke", "-k", key, "-n", "x");
	assert_int_equal(out.status, 2);
	assert_non_null(strstr(out.err, "not a CA key"));
	unlink(key);
	RUN(&out, "ca", "revoke", "-k", key, "-n", "x");
	assert_int_equal(out.status, 1);
	assert_non_null(strstr(out.err, "No such file or directory"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_key_read),
		cmocka_unit_test(test_member_checks),
		cmocka_unit_test(test_member_print),
		cmocka_unit_test(test_member_file_modes),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_commands),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
