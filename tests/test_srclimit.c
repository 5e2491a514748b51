/*
 * src/srclimit.c: a warning about a source at most once per interval per
 * source, in a table of fixed size that a stream of new sources can only
 * fill, never grow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srclimit.h"

#define MIN10 (10u * 60 * 1000)

static struct endpoint src(uint8_t last, uint16_t port)
{
	uint8_t v4[4] = { 203, 0, 113, last };
	struct endpoint e = { .port = port };

	addr_from_v4(&e.addr, v4);
	return e;
}

static void test_once_per_source(void **state)
{
	struct srclimit t;
	struct endpoint a = src(9, 50509), a2 = src(9, 50510), b = src(10, 50509);

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_true(srclimit_allow(&t, &a, 1000, MIN10));
	/* the same source: quiet for ten minutes, however often */
	for (uint64_t now = 1000; now < 1000 + MIN10; now += 997)
		assert_false(srclimit_allow(&t, &a, now, MIN10));
	/* another port or another address is another source */
	assert_true(srclimit_allow(&t, &a2, 2000, MIN10));
	assert_true(srclimit_allow(&t, &b, 2000, MIN10));
	/* ten minutes later: said again, once */
	assert_true(srclimit_allow(&t, &a, 1000 + MIN10, MIN10));
	assert_false(srclimit_allow(&t, &a, 1001 + MIN10, MIN10));
}

static void test_bounded(void **state)
{
	struct srclimit t;
	struct endpoint e;
	unsigned allowed = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	/* a thousand sources within the interval: only the table's worth are said */
	for (unsigned i = 0; i < 1000; i++) {
		e = src((uint8_t)(i % 250), (uint16_t)(40000 + i));
		allowed += srclimit_allow(&t, &e, 5000 + i, MIN10);
	}
	assert_int_equal(allowed, SRCLIMIT_SLOTS);
	assert_int_equal(t.unreported, 1000 - SRCLIMIT_SLOTS);
	/* and none of the first ones twice */
	e = src(0, 40000);
	assert_false(srclimit_allow(&t, &e, 6000, MIN10));
	/* once the interval has passed, the oldest slot takes a new source */
	e = src(200, 1);
	assert_true(srclimit_allow(&t, &e, 5000 + MIN10, MIN10));
	e = src(201, 1);
	assert_true(srclimit_allow(&t, &e, 5001 + MIN10, MIN10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_source),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
