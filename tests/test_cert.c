/*
 * wire/cert.c: certificates and revocations, encoded and checked with real
 * Ed25519 keys (libsodium) as the daemon and the `ca` command use them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wire/cert.h"
#include "wire_samples.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t ca_pk[crypto_sign_PUBLICKEYBYTES], ca_sk[crypto_sign_SECRETKEYBYTES];
static uint8_t other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];

static void sign(void *arg, const uint8_t *msg, size_t len, uint8_t sig[CERT_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, arg);
}

static bool verify(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg, size_t len,
		   const uint8_t sig[CERT_SIG_LEN])
{
	(void)arg;
	return crypto_sign_verify_detached(sig, msg, len, key) == 0;
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(ca_pk, ca_sk);
	crypto_sign_keypair(other_pk, other_sk);
	return 0;
}

/* charlie's certificate, 10.1.1.21, valid 1000..2000, may carry 192.168.0.0/16. */
static struct cert charlie(void)
{
	struct cert c;

	sample_cert(&c, SAMPLE_TYPICAL);
	c.not_before = 1000;
	c.not_after = 2000;
	c.n_routes = 1;
	c.routes[0] = (struct prefix){ sample_v4(192, 168, 0, 0), 16 };
	assert_int_equal(cert_sign(&c, sign, ca_sk), 0);
	return c;
}

static void test_round_trip(void **state)
{
	static const enum sample_size sizes[] = { SAMPLE_MIN, SAMPLE_TYPICAL, SAMPLE_MAX };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct cert c, back;
		uint8_t buf[CERT_MAX_LEN + 1], again[CERT_MAX_LEN];
		int n;

		sample_cert(&c, sizes[i]);
		n = cert_encode(buf, sizeof(buf), &c);
		assert_true(n > 0 && n <= CERT_MAX_LEN);
		assert_int_equal(cert_decode(buf, (size_t)n, &back), 0);
		assert_memory_equal(&back, &c, sizeof(c));
		assert_int_equal(cert_encode(again, sizeof(again), &back), n);
		assert_memory_equal(again, buf, (size_t)n);
		for (int cap = 0; cap < n; cap++)
			assert_int_equal(cert_encode(buf, (size_t)cap, &c), -ENOSPC);
		/* every truncation, and a trailing byte, is refused */
		for (int len = 0; len < n; len++)
			assert_int_equal(cert_decode(buf, (size_t)len, &back), -EBADMSG);
		buf[n] = 0;
		assert_int_equal(cert_decode(buf, (size_t)n + 1, &back), -EBADMSG);
	}
	{
		struct cert c;
		uint8_t buf[CERT_MAX_LEN];
		sample_cert(&c, SAMPLE_MAX);
		assert_int_equal(cert_encode(buf, sizeof(buf), &c), CERT_MAX_LEN);
	}
}

/* What the encoder refuses (and so the decoder, which checks the same). */
static void test_refused(void **state)
{
	static const char *const what[] = {
		"unknown flag", "serial 0", "not_before == not_after", "empty name",
		"name with a space", "unspecified address", "route twice", "route with host bits",
		"9 routes",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
		struct cert c;
		uint8_t buf[CERT_MAX_LEN + 64];

		sample_cert(&c, SAMPLE_TYPICAL);
		c.n_routes = 2;
		c.routes[0] = (struct prefix){ sample_v4(192, 168, 7, 0), 24 };
		c.routes[1] = (struct prefix){ sample_v4(192, 168, 8, 0), 24 };
		switch (i) {
		case 0: c.flags = 0x2; break;
		case 1: c.serial = 0; break;
		case 2: c.not_after = c.not_before; break;
		case 3: c.name[0] = '\0'; break;
		case 4: memcpy(c.name, "a b", 4); break;
		case 5: c.addr = sample_v4(0, 0, 0, 0); break;
		case 6: c.routes[1] = c.routes[0]; break;
		case 7: c.routes[1].addr = sample_v4(192, 168, 8, 1); break;
		case 8: c.n_routes = 9; break;
		}
		if (cert_encode(buf, sizeof(buf), &c) != -EINVAL)
			fail_msg("encoded: %s", what[i]);
	}
	/* a version the decoder does not know */
	{
		struct cert c, back;
		uint8_t buf[CERT_MAX_LEN];
		int n;

		sample_cert(&c, SAMPLE_TYPICAL);
		n = cert_encode(buf, sizeof(buf), &c);
		buf[0] = 2;
		assert_int_equal(cert_decode(buf, (size_t)n, &back), -EBADMSG);
	}
}

/* Every verdict of cert_check, and what a route right covers. */
static void test_check(void **state)
{
	struct cert c = charlie(), forged;
	struct addr me = sample_v4(10, 1, 1, 21), other = sample_v4(10, 1, 1, 22);
	struct prefix in = { sample_v4(192, 168, 7, 0), 24 }, wide = { sample_v4(192, 0, 0, 0), 8 };

	(void)state;
	assert_int_equal(cert_check(&c, ca_pk, 1500, &me, verify, NULL), CERT_OK);
	assert_int_equal(cert_check(&c, ca_pk, 999, &me, verify, NULL), CERT_NOT_YET_VALID);
	assert_int_equal(cert_check(&c, ca_pk, 2000, &me, verify, NULL), CERT_EXPIRED);
	assert_int_equal(cert_check(&c, ca_pk, 1500, &other, verify, NULL), CERT_WRONG_ADDRESS);
	assert_int_equal(cert_check(&c, other_pk, 1500, &me, verify, NULL), CERT_BAD_SIGNATURE);
	/* any change after signing breaks it: the address, a route, the validity */
	forged = c;
	forged.addr = other;
	assert_int_equal(cert_check(&forged, ca_pk, 1500, &other, verify, NULL), CERT_BAD_SIGNATURE);
	forged = c;
	forged.routes[0].len = 8;
	forged.routes[0].addr = sample_v4(192, 0, 0, 0);
	assert_int_equal(cert_check(&forged, ca_pk, 1500, &me, verify, NULL), CERT_BAD_SIGNATURE);
	forged = c;
	forged.not_after = UINT64_MAX;
	assert_int_equal(cert_check(&forged, ca_pk, 1500, &me, verify, NULL), CERT_BAD_SIGNATURE);
	/* signed by another key than the CA's */
	forged = c;
	assert_int_equal(cert_sign(&forged, sign, other_sk), 0);
	assert_int_equal(cert_check(&forged, ca_pk, 1500, &me, verify, NULL), CERT_BAD_SIGNATURE);
	assert_true(cert_allows_route(&c, &in));
	assert_false(cert_allows_route(&c, &wide));
	assert_string_equal(cert_verdict_name(CERT_EXPIRED), "expired");
}

static void test_revocations(void **state)
{
	struct cert c = charlie(), d = charlie();
	struct revocation by_serial = { .flags = REVOKE_FLAG_SERIAL, .serial = c.serial, .issued = 5 };
	struct revocation by_name = { .flags = REVOKE_FLAG_NAME, .issued = 5 };
	struct revocation both, back;
	uint8_t buf[REVOKE_MAX_LEN + 1];
	int n;

	(void)state;
	memcpy(by_name.name, "charlie", 8);
	d.serial = c.serial + 1;
	assert_int_equal(revocation_sign(&by_serial, sign, ca_sk), 0);
	assert_int_equal(revocation_sign(&by_name, sign, ca_sk), 0);
	assert_true(revocation_verify(&by_serial, ca_pk, verify, NULL));
	assert_false(revocation_verify(&by_serial, other_pk, verify, NULL));
	assert_true(revocation_matches(&by_serial, &c));
	assert_false(revocation_matches(&by_serial, &d)); /* another serial */
	assert_true(revocation_matches(&by_name, &c));
	assert_true(revocation_matches(&by_name, &d)); /* every certificate of the name */
	both = by_name;
	both.flags |= REVOKE_FLAG_SERIAL;
	both.serial = d.serial;
	assert_false(revocation_matches(&both, &c));
	assert_true(revocation_matches(&both, &d));
	/* round trip; the signature covers every field */
	n = revocation_encode(buf, sizeof(buf), &by_name);
	assert_true(n > 0 && n <= REVOKE_MAX_LEN);
	assert_int_equal(revocation_decode(buf, (size_t)n, &back), 0);
	assert_memory_equal(&back, &by_name, sizeof(back));
	assert_true(revocation_same(&back, &by_name));
	back.issued++;
	assert_true(revocation_same(&back, &by_name)); /* the same revocation, issued again */
	assert_false(revocation_verify(&back, ca_pk, verify, NULL));
	/* refused: no flag, serial 0, a name without the flag, truncation */
	{
		struct revocation bad = by_serial;
		bad.flags = 0;
		assert_int_equal(revocation_encode(buf, sizeof(buf), &bad), -EINVAL);
		bad = by_serial;
		bad.serial = 0;
		assert_int_equal(revocation_encode(buf, sizeof(buf), &bad), -EINVAL);
		bad = by_serial;
		memcpy(bad.name, "x", 2);
		assert_int_equal(revocation_encode(buf, sizeof(buf), &bad), -EINVAL);
		for (int len = 0; len < n; len++)
			assert_int_equal(revocation_decode(buf, (size_t)len, &back), -EBADMSG);
	}
}

/*
 * With WGNM_WRITE_CORPUS=dir: the seeds of fuzz/fuzz_cert in dir/cert
 * (first byte 0: a certificate, 1: a revocation; then its encoding).
 */
static void write_seed(const char *dir, const char *name, uint8_t kind, const uint8_t *buf,
		       size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cert/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputc(kind, f), kind);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_write_corpus(void **state)
{
	static const char *const sizes[] = { "min", "typical", "max" };
	const char *dir = getenv("WGNM_WRITE_CORPUS");
	char path[512];

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/cert", dir);
	mkdir(path, 0755);
	for (int i = 0; i < 3; i++) {
		struct cert c;
		struct wire_msg m;
		uint8_t buf[CERT_MAX_LEN > REVOKE_MAX_LEN ? CERT_MAX_LEN : REVOKE_MAX_LEN];
		char name[32];
		int n;

		sample_cert(&c, (enum sample_size)i);
		n = cert_encode(buf, sizeof(buf), &c);
		assert_true(n > 0);
		snprintf(name, sizeof(name), "cert-%s", sizes[i]);
		write_seed(dir, name, 0, buf, (size_t)n);
		sample_cert_msg(&m, WIRE_REVOKE, (enum sample_size)i);
		n = revocation_encode(buf, sizeof(buf), &m.u.revoke);
		assert_true(n > 0);
		snprintf(name, sizeof(name), "revoke-%s", sizes[i]);
		write_seed(dir, name, 1, buf, (size_t)n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_revocations),
		cmocka_unit_test(test_write_corpus),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
