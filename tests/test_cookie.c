/*
 * Tests for src/core/cookie.c: stateless challenges of the hello exchange.
 * A challenge verifies only for the sender id and endpoint it was made for,
 * under the key it was made with, within COOKIE_VALID_MS (across the 2^24
 * ms wrap of its clock too); its age is the round trip; it is never 0.
 * The MAC is libsodium's SipHash, as the daemon passes it in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "core/cookie.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define WRAP (1ull << 24)

static uint64_t key_mac(void *arg, const void *data, size_t len)
{
	const uint8_t *k = arg;
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(out, data, len, k);
	memcpy(&v, out, sizeof(v));
	return v;
}

/* A MAC that is always 0: the challenge must still not be 0 ("none"). */
static uint64_t zero_mac(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return 0;
}

static uint8_t k1[crypto_shorthash_KEYBYTES] = { 1 }, k2[crypto_shorthash_KEYBYTES] = { 2 };

struct fixture {
	struct cookie_key a, b;
	struct addr id, other;
	struct endpoint ep;
};

static void fixture(struct fixture *f)
{
	f->a = (struct cookie_key){ key_mac, k1 };
	f->b = (struct cookie_key){ key_mac, k2 };
	assert_int_equal(addr_parse(&f->id, "10.1.1.21"), 0);
	assert_int_equal(addr_parse(&f->other, "10.1.1.22"), 0);
	assert_int_equal(addr_parse(&f->ep.addr, "198.51.100.21"), 0);
	f->ep.port = 50521;
}

/*
 * Made at `made`, echoed at `made + after`: valid up to and including
 * COOKIE_VALID_MS, the age reported exactly; whatever the absolute time
 * (near 0, just before the 24-bit wrap, far beyond it).
 */
static void test_age_window(void **state)
{
	static const uint64_t starts[] = { 1000, WRAP - 3000, WRAP - 1, WRAP, 5ull << 40,
					   UINT64_MAX - 10000 };
	static const struct {
		uint64_t after;
		bool valid;
	} ages[] = {
		{ 0, true }, { 1, true }, { 37, true }, { COOKIE_VALID_MS - 1, true },
		{ COOKIE_VALID_MS, true }, { COOKIE_VALID_MS + 1, false }, { 60000, false },
		{ WRAP / 2, false },
	};
	struct fixture f;

	(void)state;
	fixture(&f);
	for (size_t i = 0; i < ARRAY_SIZE(starts); i++) {
		uint64_t c = cookie_make(&f.a, &f.id, &f.ep, starts[i]);

		assert_true(c != 0);
		for (size_t j = 0; j < ARRAY_SIZE(ages); j++) {
			uint32_t age = 0xdead;
			bool ok = cookie_check(&f.a, c, &f.id, &f.ep, starts[i] + ages[j].after, &age);

			if (ok != ages[j].valid)
				fail_msg("made at %llu, checked %llu ms later: %d",
					 (unsigned long long)starts[i], (unsigned long long)ages[j].after,
					 ok);
			if (ok)
				assert_int_equal(age, ages[j].after);
			else
				assert_int_equal(age, 0xdead); /* untouched */
		}
		/* from the future (the clock went back, or a forged time) */
		assert_false(cookie_check(&f.a, c, &f.id, &f.ep, starts[i] - 1, NULL));
		/* the age is optional */
		assert_true(cookie_check(&f.a, c, &f.id, &f.ep, starts[i] + 5, NULL));
	}
}

/* Everything the MAC covers: another sender, path, key or time does not verify. */
static void test_binding(void **state)
{
	static const char *const what[] = {
		"another node", "another address", "another port", "the port's high byte",
		"another key (a restart)", "a flipped MAC bit", "an earlier-looking time",
		"a later-looking time",
	};
	struct fixture f;
	const uint64_t now = 123456;

	(void)state;
	fixture(&f);
	for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
		uint64_t c = cookie_make(&f.a, &f.id, &f.ep, now), echo = c;
		const struct cookie_key *k = &f.a;
		struct addr id = f.id;
		struct endpoint ep = f.ep;
		uint64_t at = now + 10;

		switch (i) {
		case 0: id = f.other; break;
		case 1: ep.addr.b[15] ^= 1; break;
		case 2: ep.port++; break;
		case 3: ep.port ^= 0x100; break;
		case 4: k = &f.b; break;
		case 5: echo ^= 1ull << 20; break;
		/* the time field moved: the round trip cannot be forged low or high */
		case 6: echo += 1ull << 40; break;
		case 7: echo -= 1ull << 40; at = now + 2; break;
		}
		if (cookie_check(k, echo, &id, &ep, at, NULL))
			fail_msg("verified with %s", what[i]);
		/* the genuine one still does */
		assert_true(cookie_check(&f.a, c, &f.id, &f.ep, at, NULL));
	}
}

/*
 * Deterministic and distinct: the same inputs make the same challenge;
 * another node, path or millisecond makes another; IPv6 works as well.
 */
static void test_make(void **state)
{
	struct fixture f;
	struct addr id6;
	struct endpoint ep6;
	uint64_t c;

	(void)state;
	fixture(&f);
	c = cookie_make(&f.a, &f.id, &f.ep, 777);
	assert_true(c == cookie_make(&f.a, &f.id, &f.ep, 777));
	assert_true(c != cookie_make(&f.a, &f.id, &f.ep, 778));
	assert_true(c != cookie_make(&f.a, &f.other, &f.ep, 777));
	assert_true(c != cookie_make(&f.b, &f.id, &f.ep, 777));
	/* the time sits in the top 24 bits */
	assert_true(c >> 40 == 777);
	assert_int_equal(addr_parse(&id6, "fd00:99::21"), 0);
	assert_int_equal(addr_parse(&ep6.addr, "2001:db8::21"), 0);
	ep6.port = 50521;
	c = cookie_make(&f.a, &id6, &ep6, 1);
	assert_true(cookie_check(&f.a, c, &id6, &ep6, 2, NULL));
	assert_false(cookie_check(&f.a, c, &f.id, &ep6, 2, NULL));
}

/* Never 0 (0 means "no challenge" on the wire), even at time 0 with a MAC of 0. */
static void test_never_zero(void **state)
{
	struct cookie_key z = { zero_mac, NULL };
	struct fixture f;

	(void)state;
	fixture(&f);
	for (uint64_t now = 0; now < 3 * WRAP; now += WRAP)
		assert_true(cookie_make(&z, &f.id, &f.ep, now) != 0);
	for (uint64_t now = 0; now < 2000; now++)
		assert_true(cookie_make(&f.a, &f.id, &f.ep, now) != 0);
	/* and 0 itself is no valid echo */
	assert_false(cookie_check(&f.a, 0, &f.id, &f.ep, 0, NULL));
	assert_false(cookie_check(&z, 0, &f.id, &f.ep, 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age_window),
		cmocka_unit_test(test_binding),
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_never_zero),
	};

	if (sodium_init() < 0)
		return 1;
	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
