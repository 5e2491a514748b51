/*
 * Revocations kept on disk (revstore.c) and the daemon's side of
 * membership (daemon_member.c) with a real core: the identity key taken
 * out of the configuration, revocations of net.yaml and of the store
 * handed to the core at start, an operator's revocation answered in words
 * for every outcome, what the core learns kept in the store, a reload
 * that keeps or replaces the key, previousSharedKey derived and wiped.
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
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "ca.h"
#include "config.h"
#include "daemon_member.h"
#include "revstore.h"
#include "wire/seal.h"

#define KEY "8Ls3lTyPqH2oX6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY="
#define KEY2 "YDUBM6FhERePZ4gPlxzAbCN7K61BPjy7HApWYL+P128="

static char scratch[64];
static uint8_t ca_seed[32], other_seed[32];

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch, name);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/wgnm-test-revstore.XXXXXX");
	if (!mkdtemp(scratch) || sodium_init() < 0)
		return -1;
	randombytes_buf(ca_seed, sizeof(ca_seed));
	randombytes_buf(other_seed, sizeof(other_seed));
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static struct revocation named(const char *name, const uint8_t seed[32])
{
	struct revocation r = { .flags = REVOKE_FLAG_NAME };

	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(ca_revocation_issue(&r, seed, (uint64_t)time(NULL)), 0);
	return r;
}

static void b64_of(const struct revocation *r, char *out, size_t cap)
{
	uint8_t bin[REVOKE_MAX_LEN];
	int n = revocation_encode(bin, sizeof(bin), r);

	assert_true(n > 0);
	sodium_bin2base64(out, cap, bin, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
}

/* ---- the store ---- */

static void test_store(void **state)
{
	char dir[128], path[256];
	struct revocation *got = NULL, a = named("charlie", ca_seed), b = named("delta", ca_seed);
	size_t n, bad;
	struct stat st;
	int fd;

	(void)state;
	path_of(dir, sizeof(dir), "state");
	assert_int_equal(revstore_path(dir, "wg0", path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/state/wg0/revoked"));
	assert_int_equal(revstore_path(dir, "../x", path, sizeof(path)), -EINVAL);
	assert_int_equal(revstore_path(dir, "..", path, sizeof(path)), -EINVAL);
	assert_int_equal(revstore_path(dir, "wg0", path, 10), -ENAMETOOLONG);
	assert_int_equal(revstore_path(dir, "wg0", path, sizeof(path)), 0);

	/* nothing yet: none, no error */
	assert_int_equal(revstore_load(path, &got, &n, &bad), 0);
	assert_null(got);
	assert_int_equal(n, 0);

	assert_int_equal(revstore_append(path, &a), 0);
	assert_int_equal(revstore_append(path, &b), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(revstore_load(path, &got, &n, &bad), 0);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 0);
	assert_true(revocation_same(&got[0], &a));
	assert_true(revocation_same(&got[1], &b));
	assert_int_equal(got[1].issued, b.issued);
	free(got);

	/* a torn or edited line is skipped and counted, the rest read */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "AQID\n\n  \ngarbage", 16), 16);
	close(fd);
	assert_int_equal(revstore_append(path, &a), 0);	/* joins the torn line: both lost */
	assert_int_equal(revstore_load(path, &got, &n, &bad), 0);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 3);	/* AQID, "  ", garbage+a */
	free(got);

	/* a directory others may write is not used */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(revstore_append(path, &a), -EPERM);
	assert_int_equal(chmod(dir, 0700), 0);
	unlink(path);
}

/* The store stops at REVSTORE_MAX lines; reading takes at most that many. */
static void test_store_bounded(void **state)
{
	char dir[128], path[256];
	struct revocation *got = NULL, r = { .flags = REVOKE_FLAG_SERIAL };
	size_t n, bad, i;
	int err = 0;

	(void)state;
	path_of(dir, sizeof(dir), "bounded");
	assert_int_equal(revstore_path(dir, "wg1", path, sizeof(path)), 0);
	for (i = 0; i < REVSTORE_MAX + 5 && err == 0; i++) {
		r.serial = i + 1;
		memset(r.sig, (int)i, sizeof(r.sig));	/* signatures are the core's to check */
		err = revstore_append(path, &r);
	}
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(i - 1, REVSTORE_MAX);
	assert_int_equal(revstore_load(path, &got, &n, &bad), 0);
	assert_int_equal(n, REVSTORE_MAX);
	assert_int_equal(bad, 0);
	free(got);
}

/* ---- the daemon's side, with a core ---- */

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
}

/* charlie 10.1.1.21 with a certificate; net.yaml revokes "mallory". */
static void load_config(struct config *cfg, bool with_ca, const char *prev_key)
{
	char net[128], peer[128], text[2048], k[64], cert[600], rv[256];
	uint8_t pk[32], sk[64], id[32], bin[CERT_MAX_LEN];
	struct config_cli cli = { .net_path = net, .peer_path = peer, .address = "10.1.1.21" };
	struct config_msgs m;
	struct revocation mallory = named("mallory", ca_seed);
	struct cert c = { .flags = 0 };
	int n;

	path_of(net, sizeof(net), "net.yaml");
	path_of(peer, sizeof(peer), "peer.yaml");
	crypto_sign_seed_keypair(pk, sk, ca_seed);
	sodium_bin2base64(k, sizeof(k), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	b64_of(&mallory, rv, sizeof(rv));
	snprintf(text, sizeof(text), "network:\n  sharedKey: " KEY "\n  subnet: 10.1.1.0/24\n"
		 "%s%s%s%s%s%s%s%s", with_ca ? "  caKey: " : "", with_ca ? k : "", with_ca ? "\n" : "",
		 with_ca ? "  revoked: [" : "", with_ca ? rv : "", with_ca ? "]\n" : "",
		 prev_key ? "  previousSharedKey: " : "", prev_key ? prev_key : "");
	strcat(text, "\n");
	put_file(net, text);
	randombytes_buf(id, sizeof(id));
	snprintf(c.name, sizeof(c.name), "charlie");
	assert_int_equal(addr_parse(&c.addr, "10.1.1.21"), 0);
	crypto_sign_seed_keypair(c.identity, sk, id);
	assert_int_equal(ca_cert_issue(&c, ca_seed, (uint64_t)time(NULL), 30), 0);
	n = cert_encode(bin, sizeof(bin), &c);
	assert_true(n > 0);
	sodium_bin2base64(cert, sizeof(cert), bin, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(k, sizeof(k), id, sizeof(id), sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "identityKey: %s\ncertificate: %s\n", k, cert);
	put_file(peer, with_ca ? text : "name: charlie\n");
	config_init(cfg);
	config_msgs_init(&m);
	assert_int_equal(config_load(cfg, &cli, &m), 0);
}

static uint64_t rnd(void *arg)
{
	(void)arg;
	return randombytes_random();
}

static uint64_t mac(void *arg, const void *data, size_t len)
{
	uint64_t v = 0;

	(void)arg;
	crypto_generichash((uint8_t *)&v, sizeof(v), data, len, NULL, 0);
	return v;
}

static struct mesh *start(struct daemon_member *dm, struct config *cfg, const char *state_dir)
{
	struct mesh_config mc = { 0 };
	struct mesh *m;

	mc.id = cfg->wg_ip;
	snprintf(mc.name, sizeof(mc.name), "%s", cfg->name);
	mc.subnet = cfg->subnet;
	mc.boot = 1;
	mc.wg_port = 50021;
	mc.admin_port = 50521;
	mc.random64 = rnd;
	mc.mac64 = mac;
	assert_int_equal(daemon_member_start(dm, cfg, state_dir, &mc), 0);
	m = mesh_new(&mc, 1000);
	assert_non_null(m);
	daemon_member_settled(dm);
	return m;
}

static size_t count_revoked_actions(struct mesh *m)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(m, &acts), k = 0;

	for (size_t i = 0; i < n; i++)
		k += acts[i].type == MESH_ACT_REVOKED;
	return k;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_daemon_member(void **state)
{
	struct revocation stored = named("delta", ca_seed), fresh = named("echo", ca_seed);
	struct revocation foreign = named("charlie", other_seed);
	char dir[128], path[256], b64[256], answer[256];
	struct daemon_member dm;
	struct config cfg;
	struct mesh *m;
	struct revocation *got;
	size_t n, bad;
	uint8_t *sk;

	(void)state;
	path_of(dir, sizeof(dir), "dm");
	assert_int_equal(revstore_path(dir, "wg0", path, sizeof(path)), 0);
	assert_int_equal(revstore_append(path, &stored), 0);
	load_config(&cfg, true, NULL);
	m = start(&dm, &cfg, dir);
	assert_non_null(dm.sk);
	assert_string_equal(dm.revoked_path, path);
	assert_true(all_zero(cfg.mb.identity, sizeof(cfg.mb.identity)));	/* taken, wiped */
	assert_null(dm.buf);
	assert_int_equal(count_revoked_actions(m), 0);	/* known at start: not kept again */

	/* known from net.yaml and from the store */
	b64_of(&stored, b64, sizeof(b64));
	assert_int_equal(daemon_member_revoke(m, b64, 2000, answer, sizeof(answer)), 0);
	assert_string_equal(answer, "already known: node delta (nothing new)\n");
	b64_of(&fresh, b64, sizeof(b64));
	assert_int_equal(daemon_member_revoke(m, b64, 2000, answer, sizeof(answer)), 0);
	assert_string_equal(answer, "revoked node echo: cut off here, spreading to the mesh\n");
	assert_int_equal(count_revoked_actions(m), 1);
	{
		const struct mesh_action *acts;
		size_t na = mesh_actions(m, &acts);

		for (size_t i = 0; i < na; i++)
			if (acts[i].type == MESH_ACT_REVOKED)
				daemon_member_keep(dm.revoked_path, &acts[i].u.revoked);
		mesh_actions_clear(m);
	}
	assert_int_equal(revstore_load(path, &got, &n, &bad), 0);
	assert_int_equal(n, 2);
	assert_true(revocation_same(&got[1], &fresh));
	free(got);
	assert_int_equal(daemon_member_revoke(m, b64, 2000, answer, sizeof(answer)), 0);
	assert_string_equal(answer, "already known: node echo (nothing new)\n");

	b64_of(&foreign, b64, sizeof(b64));
	assert_int_equal(daemon_member_revoke(m, b64, 2000, answer, sizeof(answer)), -EINVAL);
	assert_string_equal(answer, "revocation of node charlie refused: not signed by this "
				    "network's CA (network.caKey)");
	assert_int_equal(daemon_member_revoke(m, "AQID", 2000, answer, sizeof(answer)), -EINVAL);
	assert_string_equal(answer, "not a revocation in base64 (make one with 'wg_netmanager ca revoke')");
	assert_int_equal(daemon_member_revoke(m, KEY, 2000, answer, sizeof(answer)), -EINVAL);
	assert_int_equal(count_revoked_actions(m), 0);

	/* a reload with the same identity keeps the key; another replaces it */
	sk = dm.sk;
	{
		struct config nc;

		config_init(&nc);
		nc = cfg;	/* the same membership (the seed was wiped: the public key counts) */
		nc.mb.revoked = NULL;
		nc.mb.n_revoked = 0;
		assert_int_equal(daemon_member_reload(&dm, m, &nc, 3000), 0);
		assert_ptr_equal(dm.sk, sk);
		load_config(&nc, true, NULL);	/* a new identity and certificate */
		assert_int_equal(daemon_member_reload(&dm, m, &nc, 3000), 0);
		assert_ptr_not_equal(dm.sk, NULL);
		assert_memory_equal(dm.pub, nc.mb.identity_pub, 32);
		assert_true(all_zero(nc.mb.identity, sizeof(nc.mb.identity)));
		config_free(&nc);
		/* revocations are never forgotten by a reload */
		b64_of(&fresh, b64, sizeof(b64));
		assert_int_equal(daemon_member_revoke(m, b64, 3000, answer, sizeof(answer)), 0);
		assert_string_equal(answer, "already known: node echo (nothing new)\n");
		/* no CA any more: the shared-key mode */
		load_config(&nc, false, NULL);
		assert_int_equal(daemon_member_reload(&dm, m, &nc, 3000), 0);
		assert_null(dm.sk);
		assert_int_equal(daemon_member_revoke(m, b64, 3000, answer, sizeof(answer)), -EPERM);
		assert_string_equal(answer, "refused: this network has no CA (network.caKey), so "
					    "nothing can be revoked");
		config_free(&nc);
	}
	mesh_free(m);
	daemon_member_free(&dm);
	daemon_member_free(&dm);	/* twice is harmless */
	daemon_member_free(NULL);
	config_free(&cfg);
}

/* Without a CA: nothing taken, nothing kept, the core in the shared-key mode. */
static void test_daemon_member_no_ca(void **state)
{
	struct daemon_member dm;
	struct config cfg;
	char dir[128], answer[256], b64[256];
	struct revocation r = named("x", ca_seed);
	struct mesh *m;

	(void)state;
	path_of(dir, sizeof(dir), "noca");
	load_config(&cfg, false, NULL);
	m = start(&dm, &cfg, dir);
	assert_null(dm.sk);
	assert_string_equal(dm.revoked_path, "");
	b64_of(&r, b64, sizeof(b64));
	assert_int_equal(daemon_member_revoke(m, b64, 2000, answer, sizeof(answer)), -EPERM);
	assert_int_equal(access(dir, F_OK), -1);	/* no state directory made */
	mesh_free(m);
	daemon_member_free(&dm);
	config_free(&cfg);
}

/* previousSharedKey: derived as the shared key is, and wiped from the configuration. */
static void test_prev_key(void **state)
{
	struct config cfg;
	struct seal_key k, want;
	uint8_t raw[32];
	size_t len;

	(void)state;
	load_config(&cfg, false, KEY2);
	assert_true(cfg.mb.has_prev_key);
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), KEY2, strlen(KEY2), NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(seal_key_derive(&want, raw), 0);
	assert_true(daemon_member_prev_key(&cfg, &k));
	assert_memory_equal(k.k, want.k, sizeof(k.k));
	assert_true(all_zero(cfg.mb.prev_shared_key, 32));
	config_free(&cfg);
	load_config(&cfg, false, NULL);
	assert_false(daemon_member_prev_key(&cfg, &k));
	assert_true(all_zero(k.k, sizeof(k.k)));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_bounded),
		cmocka_unit_test(test_daemon_member),
		cmocka_unit_test(test_daemon_member_no_ca),
		cmocka_unit_test(test_prev_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
