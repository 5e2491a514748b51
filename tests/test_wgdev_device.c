/*
 * Tests for src/wgdev_device.c: a device grown peer by peer and allowed
 * IP by allowed IP keeps what it had and starts each peer empty; the
 * interface-name rule every backend applies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "addr.h"
#include "wgdev_device.h"

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(&p, s, NULL), 0);
	return p;
}

/*
 * Three peers, peer i with i + 1 allowed IPs 192.0.2.(10 i + j)/32, added
 * in an interleaved order (a parser meets them in reply order): every
 * pointer taken before a realloc is re-fetched, every value survives.
 */
static void test_grow(void **state)
{
	struct wgdev_device *dev = calloc(1, sizeof(*dev));
	(void)state;

	assert_non_null(dev);
	for (size_t i = 0; i < 3; i++) {
		struct wgdev_peer *p = wgdev_device_add_peer(dev);

		assert_non_null(p);
		assert_int_equal(dev->n_peers, i + 1);
		assert_ptr_equal(p, &dev->peers[i]);
		/* a fresh peer carries nothing over */
		assert_int_equal(p->flags, 0);
		assert_null(p->allowed_ips);
		assert_int_equal(p->n_allowed_ips, 0);
		assert_int_equal(p->rx_bytes, 0);
		memset(p->public_key, (int)(0x10 + i), WGDEV_KEY_LEN);
		for (size_t j = 0; j <= i; j++) {
			char s[32];
			struct prefix pf;

			snprintf(s, sizeof(s), "192.0.2.%zu/32", 10 * i + j);
			pf = pfx(s);
			assert_int_equal(wgdev_device_add_allowed_ip(&dev->peers[i], &pf), 0);
		}
	}
	for (size_t i = 0; i < 3; i++) {
		const struct wgdev_peer *p = &dev->peers[i];

		assert_int_equal(p->public_key[0], 0x10 + i);
		assert_int_equal(p->public_key[WGDEV_KEY_LEN - 1], 0x10 + i);
		assert_int_equal(p->n_allowed_ips, i + 1);
		for (size_t j = 0; j <= i; j++) {
			char s[32];
			struct prefix want;

			snprintf(s, sizeof(s), "192.0.2.%zu/32", 10 * i + j);
			want = pfx(s);
			assert_true(addr_eq(&p->allowed_ips[j].addr, &want.addr));
			assert_int_equal(p->allowed_ips[j].len, 32);
		}
	}
	wgdev_device_free(dev);
	wgdev_device_free(NULL);
}

static void test_ifname_rule(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "wg0", true },
		{ "a", true },
		{ "abcdefghijklmno", true },    /* 15 bytes: IFNAMSIZ - 1 */
		{ "abcdefghijklmnop", false },  /* 16 */
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ "...", true },
		{ "a/b", false },
		{ "/", false },
		{ "../etc", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (wgdev_device_ifname_ok(cases[i].name) != cases[i].ok)
			fail_msg("\"%s\": want %s", cases[i].name, cases[i].ok ? "ok" : "refused");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_ifname_rule),
	};

	if (sodium_init() < 0)
		return 1;
	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
