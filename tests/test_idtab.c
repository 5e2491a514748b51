/*
 * Tests for src/core/idtab.c: the sorted table of objects keyed by node id.
 * Tables of operations on one table, then long random runs checked against
 * a deliberately naive reference (an unsorted array searched linearly).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/idtab.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An item as the core keeps them: the id first. */
struct item {
	struct addr id;
	unsigned tag;
};

static struct addr ip(uint8_t c, uint8_t d)
{
	uint8_t v4[4] = { 10, 99, c, d };
	struct addr a;

	addr_from_v4(&a, v4);
	return a;
}

/* The table is sorted, without duplicates, and index() agrees with get(). */
static void check_sorted(const struct idtab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct item *it = t->items[i];
		assert_ptr_equal(idtab_get(t, &it->id), it);
		assert_int_equal(idtab_index(t, &it->id), (long)i);
		if (i)
			assert_true(addr_cmp(&((const struct item *)t->items[i - 1])->id, &it->id) < 0);
	}
}

enum op { INS, DUP, DEL, MISS, END };

/*
 * One table, operations in turn: INS inserts (0), DUP inserts an id that is
 * there (-EEXIST, the table unchanged), DEL removes (the item returned),
 * MISS removes or looks up an id that is not there (NULL, -1). After each,
 * the table is sorted and holds exactly `after` (ids by last octet).
 */
static const struct {
	const char *what;
	struct {
		enum op op;
		uint8_t id;
		uint8_t after[6];	/* 0-terminated */
	} ops[8];
} cases[] = {
	{ "ascending inserts", {
		{ INS, 1, { 1 } }, { INS, 2, { 1, 2 } }, { INS, 3, { 1, 2, 3 } }, { END, 0, { 0 } } } },
	{ "descending inserts land sorted", {
		{ INS, 9, { 9 } }, { INS, 5, { 5, 9 } }, { INS, 1, { 1, 5, 9 } }, { END, 0, { 0 } } } },
	{ "insert in the middle", {
		{ INS, 1, { 1 } }, { INS, 9, { 1, 9 } }, { INS, 5, { 1, 5, 9 } },
		{ INS, 7, { 1, 5, 7, 9 } }, { END, 0, { 0 } } } },
	{ "duplicates refused", {
		{ INS, 4, { 4 } }, { DUP, 4, { 4 } }, { INS, 2, { 2, 4 } }, { DUP, 2, { 2, 4 } },
		{ DUP, 4, { 2, 4 } }, { END, 0, { 0 } } } },
	{ "remove first, middle, last", {
		{ INS, 1, { 1 } }, { INS, 2, { 1, 2 } }, { INS, 3, { 1, 2, 3 } },
		{ INS, 4, { 1, 2, 3, 4 } }, { DEL, 1, { 2, 3, 4 } }, { DEL, 3, { 2, 4 } },
		{ DEL, 4, { 2 } }, { END, 0, { 0 } } } },
	{ "absent ids", {
		{ MISS, 1, { 0 } }, { INS, 5, { 5 } }, { MISS, 4, { 5 } }, { MISS, 6, { 5 } },
		{ DEL, 5, { 0 } }, { MISS, 5, { 0 } }, { INS, 5, { 5 } }, { END, 0, { 0 } } } },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct idtab t = { 0 };
		struct item items[256];

		for (unsigned i = 0; i < ARRAY_SIZE(items); i++)
			items[i] = (struct item){ ip(0, (uint8_t)i), i };
		for (size_t k = 0; k < ARRAY_SIZE(cases[c].ops) && cases[c].ops[k].op != END; k++) {
			uint8_t id = cases[c].ops[k].id;
			const uint8_t *after = cases[c].ops[k].after;
			size_t n = 0;

			switch (cases[c].ops[k].op) {
			case INS:
				assert_int_equal(idtab_insert(&t, &items[id]), 0);
				break;
			case DUP: {
				/* another object with the same id: refused, the first stays */
				struct item other = { items[id].id, 1000 };
				assert_int_equal(idtab_insert(&t, &other), -EEXIST);
				assert_ptr_equal(idtab_get(&t, &items[id].id), &items[id]);
				break;
			}
			case DEL:
				assert_ptr_equal(idtab_remove(&t, &items[id].id), &items[id]);
				break;
			case MISS:
				assert_null(idtab_get(&t, &items[id].id));
				assert_int_equal(idtab_index(&t, &items[id].id), -1);
				assert_null(idtab_remove(&t, &items[id].id));
				break;
			case END:
				break;
			}
			check_sorted(&t);
			while (n < ARRAY_SIZE(cases[c].ops[k].after) && after[n])
				n++;
			if (t.n != n)
				fail_msg("%s: op %zu: %zu items, want %zu", cases[c].what, k, t.n, n);
			for (size_t i = 0; i < n; i++)
				assert_ptr_equal(t.items[i], &items[after[i]]);
		}
		idtab_free(&t);
		assert_int_equal(t.n, 0);
		assert_null(t.items);
	}
}

/* IPv4 (v4-mapped) and IPv6 ids sort by their 16 bytes: the mapped ones first. */
static void test_mixed_families(void **state)
{
	static const char *const ids[] = { "fd00::1", "10.99.0.2", "::1", "fd00::", "10.99.0.1" };
	static const char *const sorted[] = { "::1", "10.99.0.1", "10.99.0.2", "fd00::", "fd00::1" };
	struct item items[ARRAY_SIZE(ids)];
	struct idtab t = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(addr_parse(&items[i].id, ids[i]), 0);
		assert_int_equal(idtab_insert(&t, &items[i]), 0);
	}
	check_sorted(&t);
	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++) {
		struct addr a;
		assert_int_equal(addr_parse(&a, sorted[i]), 0);
		assert_int_equal(idtab_index(&t, &a), (long)i);
	}
	idtab_free(&t);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Many entries: random inserts and removes over 4096 ids (growth well past
 * the first allocation, shrinking to empty and growing again), checked
 * after every operation against a naive unsorted list.
 */
static void test_many_vs_naive(void **state)
{
	enum { IDS = 4096, OPS = 40000 };
	static struct item items[IDS];
	static bool in[IDS];
	struct idtab t = { 0 };
	size_t n_in = 0;

	(void)state;
	for (unsigned i = 0; i < IDS; i++)
		items[i] = (struct item){ ip((uint8_t)(i >> 8), (uint8_t)i), i };
	for (int op = 0; op < OPS; op++) {
		uint64_t x = rng();
		unsigned i = (unsigned)(x % IDS);
		/* phases: mostly grow, then mostly shrink, then grow again */
		bool grow = (op / 10000) % 2 == 0 ? (x >> 32) % 4 != 0 : (x >> 32) % 4 == 0;

		if (grow) {
			assert_int_equal(idtab_insert(&t, &items[i]), in[i] ? -EEXIST : 0);
			n_in += !in[i];
			in[i] = true;
		} else {
			assert_ptr_equal(idtab_remove(&t, &items[i].id), in[i] ? &items[i] : NULL);
			n_in -= in[i];
			in[i] = false;
		}
		assert_int_equal(t.n, n_in);
		/* a sample of lookups, all of them now and then */
		for (unsigned k = 0; k < (op % 997 == 0 ? IDS : 8u); k++) {
			unsigned j = op % 997 == 0 ? k : (unsigned)(rng() % IDS);
			assert_ptr_equal(idtab_get(&t, &items[j].id), in[j] ? &items[j] : NULL);
			assert_true((idtab_index(&t, &items[j].id) >= 0) == in[j]);
		}
		if (op % 997 == 0)
			check_sorted(&t);
	}
	check_sorted(&t);
	/* empty it: every remaining id comes out exactly once */
	for (unsigned i = 0; i < IDS; i++)
		assert_ptr_equal(idtab_remove(&t, &items[i].id), in[i] ? &items[i] : NULL);
	assert_int_equal(t.n, 0);
	idtab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_mixed_families),
		cmocka_unit_test(test_many_vs_naive),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
