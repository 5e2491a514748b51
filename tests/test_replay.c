/*
 * Tests for src/core/replay.c: the counter window (tables and a naive
 * reference on random sequences) and the boot/challenge state machine with
 * a fake clock.
 *
 * With WGNM_WRITE_CORPUS=dir set, test_write_corpus writes the seed corpus
 * of fuzz/fuzz_replay into dir/replay (op format in fuzz/fuzz_replay.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "core/replay.h"

#define STOP { 0, false, true }
#define Y(c) { (c), true, false }
#define N(c) { (c), false, false }
#define MAXC UINT64_MAX

struct win_case {
	const char *what;
	uint64_t start;		/* replay_window_start(start) first if non-zero */
	struct {
		uint64_t counter;
		bool accept;
		bool stop;
	} ops[12];
};

static const struct win_case win_cases[] = {
	{ "in order, then duplicates", 0,
	  { Y(1), Y(2), Y(3), N(3), N(2), N(1), STOP } },
	{ "counter 0 is never valid", 0, { N(0), Y(1), N(0), STOP } },
	{ "reordering inside the window", 0,
	  { Y(10), Y(5), Y(7), Y(6), Y(9), Y(8),
	    N(7), Y(11), Y(1), N(1), STOP } },
	{ "window edge: 1024 back is too old", 0,
	  { Y(2000), Y(977), N(976), Y(1999), N(977), STOP } },
	{ "jump beyond the ring clears it", 0,
	  { Y(100), Y(100 + 1088), N(100), Y(188), Y(165),
	    N(164), Y(100 + 2 * 1088), N(1188), Y(1276), N(1251), STOP } },
	{ "same ring slot, one lap later", 0,
	  { Y(64), Y(64 + 1088), Y(64 + 1088 - 1), N(64 + 1088), STOP } },
	{ "top of the counter space", 0,
	  { Y(MAXC - 1), Y(MAXC), N(MAXC), N(MAXC - 1), Y(MAXC - 1023),
	    N(MAXC - 1024), STOP } },
	{ "start: lower counters count as seen", 500,
	  { N(500), N(499), N(1), Y(502), Y(501), N(501), STOP } },
	{ "start at a word's last bit", 127,
	  { N(127), N(126), Y(128), Y(130), Y(129), STOP } },
	{ "start, then a jump reopens nothing", 63,
	  { Y(64 + 64 * 17), N(63), Y(64 + 64 * 17 - 1000), N(64 + 64 * 17 - 1000),
	    STOP } },
};

static void test_window_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(win_cases) / sizeof(win_cases[0]); i++) {
		const struct win_case *c = &win_cases[i];
		struct replay_window w;

		replay_window_reset(&w);
		if (c->start)
			replay_window_start(&w, c->start);
		for (size_t j = 0; j < 12 && !c->ops[j].stop; j++) {
			bool check = replay_window_check(&w, c->ops[j].counter);

			if (check != c->ops[j].accept)
				fail_msg("%s: op %zu counter %llu: check %d", c->what, j,
					 (unsigned long long)c->ops[j].counter, check);
			assert_int_equal(replay_window_commit(&w, c->ops[j].counter), check);
			/* Whatever was just committed is now a duplicate. */
			assert_false(replay_window_check(&w, c->ops[j].counter));
		}
	}
}

/* A deliberately naive window: a list of what was seen since the last
 * start, and a floor at or below which everything counts as seen. */
struct naive {
	uint64_t top, floor;
	uint64_t seen[1 << 14];
	size_t n;
};

static bool naive_check(const struct naive *r, uint64_t c)
{
	if (c == 0 || c <= r->floor)
		return false;
	if (c <= r->top && r->top - c >= REPLAY_WINDOW)
		return false;
	for (size_t i = 0; i < r->n; i++)
		if (r->seen[i] == c)
			return false;
	return true;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void test_window_vs_naive(void **state)
{
	static struct naive r;

	(void)state;
	for (int round = 0; round < 8; round++) {
		struct replay_window w;

		replay_window_reset(&w);
		memset(&r, 0, sizeof(r));
		for (size_t op = 0; op < 8000 && r.n < sizeof(r.seen) / sizeof(r.seen[0]); op++) {
			uint64_t x = rng(), c;
			bool a, b;

			switch (x % 8) {
			case 0:
				c = r.top + 1 + (x >> 8) % 3000;	/* jump ahead */
				break;
			case 1:
				/* A new epoch (boot): what was seen before is gone. */
				replay_window_start(&w, r.top + 5);
				r.top = r.floor = r.top + 5;
				r.n = 0;
				continue;
			default:
				c = r.top + 2 - (x >> 8) % 1100;	/* around the window */
				break;
			}
			a = replay_window_check(&w, c);
			b = naive_check(&r, c);
			if (a != b)
				fail_msg("round %d op %zu counter %llu top %llu: window %d naive %d", round,
					 op, (unsigned long long)c, (unsigned long long)r.top, a, b);
			assert_int_equal(replay_window_commit(&w, c), a);
			if (a) {
				r.seen[r.n++] = c;
				if (c > r.top)
					r.top = c;
			}
		}
	}
}

/*
 * State machine. Time line of one test:
 *
 *   A (boot 7)                         B
 *   (7,1) ---------------------------> unconfirmed: NEEDS_CHALLENGE, drop
 *         <---------- hello challenge=C (computed, not stored: cookie.c)
 *   (7,2) hello echo=C --------------> the caller checks C: confirm boot 7, window at 2
 *   (7,3) ---------------------------> OK
 */
static void test_confirm_flow(void **state)
{
	struct replay_state st;

	(void)state;
	replay_init(&st);
	assert_int_equal(replay_check(&st, 7, 1), REPLAY_NEEDS_CHALLENGE);
	assert_int_equal(replay_commit(&st, 7, 1), -EINVAL);
	assert_int_equal(replay_confirm(&st, 7, 0), -EINVAL);
	assert_int_equal(replay_confirm(&st, 0, 2), -EINVAL);
	assert_false(st.confirmed);
	assert_int_equal(replay_confirm(&st, 7, 2), 0);
	assert_true(st.confirmed && st.boot == 7);
	assert_int_equal(replay_check(&st, 7, 2), REPLAY_DUP);
	assert_int_equal(replay_check(&st, 7, 1), REPLAY_DUP);
	assert_int_equal(replay_check(&st, 7, 3), REPLAY_OK);
	/* check alone changes nothing; commit does. */
	assert_int_equal(replay_check(&st, 7, 3), REPLAY_OK);
	assert_int_equal(replay_commit(&st, 7, 3), 0);
	assert_int_equal(replay_check(&st, 7, 3), REPLAY_DUP);
	assert_int_equal(replay_commit(&st, 7, 3), -EINVAL);
	assert_int_equal(replay_check(&st, 6, 100), REPLAY_OLD_BOOT);
	assert_int_equal(replay_check(&st, 8, 1), REPLAY_NEEDS_CHALLENGE);
	replay_forget(&st);
	assert_int_equal(replay_check(&st, 7, 4), REPLAY_NEEDS_CHALLENGE);
}

/* A new start, newer or older, replaces the confirmed one only by a confirm. */
static void test_new_boot(void **state)
{
	struct replay_state st;

	(void)state;
	replay_init(&st);
	assert_int_equal(replay_confirm(&st, 7, 40), 0);
	assert_int_equal(replay_commit(&st, 7, 41), 0);

	/* Node restarted with boot 9; its packets wait for the challenge. */
	assert_int_equal(replay_check(&st, 9, 1), REPLAY_NEEDS_CHALLENGE);
	assert_int_equal(replay_check(&st, 7, 42), REPLAY_OK);	/* old boot still confirmed */
	assert_int_equal(replay_confirm(&st, 9, 2), 0);
	assert_true(st.boot == 9);
	assert_int_equal(replay_check(&st, 9, 1), REPLAY_DUP);	/* before the echo */
	assert_int_equal(replay_check(&st, 9, 3), REPLAY_OK);
	assert_int_equal(replay_check(&st, 7, 42), REPLAY_OLD_BOOT);

	/* An echo for the already confirmed boot keeps its window. */
	assert_int_equal(replay_commit(&st, 9, 10), 0);
	assert_int_equal(replay_confirm(&st, 9, 10), -EEXIST);
	assert_int_equal(replay_confirm(&st, 9, 5), 0);
	assert_int_equal(replay_check(&st, 9, 6), REPLAY_OK);
	assert_int_equal(replay_check(&st, 9, 5), REPLAY_DUP);

	/* A host whose clock went back: an older boot, confirmed by an echo. */
	assert_int_equal(replay_confirm(&st, 4, 1), 0);
	assert_true(st.boot == 4);
	assert_int_equal(replay_check(&st, 4, 2), REPLAY_OK);
	assert_int_equal(replay_check(&st, 9, 11), REPLAY_NEEDS_CHALLENGE);
}

/*
 * Receiver B restarts and an attacker replays everything it captured from
 * A (boot 7, counters 1..60). Nothing is accepted; B only challenges.
 * When live A echoes, the captured packets are still refused.
 */
static void test_replay_after_receiver_restart(void **state)
{
	struct replay_state st;

	(void)state;
	replay_init(&st);
	assert_int_equal(replay_confirm(&st, 7, 1), 0);
	for (uint64_t c = 2; c <= 60; c++)
		assert_int_equal(replay_commit(&st, 7, c), 0);

	replay_init(&st);	/* B restarted */
	for (uint64_t c = 1; c <= 60; c++) {
		assert_int_equal(replay_check(&st, 7, c), REPLAY_NEEDS_CHALLENGE);
		assert_int_equal(replay_commit(&st, 7, c), -EINVAL);
	}
	assert_false(st.confirmed);

	/* Live A, still in boot 7 at counter 75, answers. */
	assert_int_equal(replay_confirm(&st, 7, 75), 0);
	for (uint64_t c = 1; c <= 75; c++)
		assert_int_equal(replay_check(&st, 7, c), REPLAY_DUP);
	assert_int_equal(replay_check(&st, 7, 76), REPLAY_OK);
}

static void test_verdict_drop(void **state)
{
	(void)state;
	assert_int_equal(replay_verdict_drop(REPLAY_OK), WIRE_DROP__COUNT);
	assert_int_equal(replay_verdict_drop(REPLAY_DUP), WIRE_DROP_REPLAY);
	assert_int_equal(replay_verdict_drop(REPLAY_OLD_BOOT), WIRE_DROP_OLD_BOOT);
	assert_int_equal(replay_verdict_drop(REPLAY_NEEDS_CHALLENGE), WIRE_DROP_UNCONFIRMED);
}

/* Seeds for fuzz/fuzz_replay: ops of 4 bytes (kind, a, b, c), see there. */
static void test_write_corpus(void **state)
{
	/* Every seed starts by confirming boot 10 (a no-op, then a confirm). */
#define CONFIRM 2, 7, 10, 0, 3, 1, 1, 0
	static const struct {
		const char *name;
		uint8_t ops[48];
		size_t n;
	} seeds[] = {
		{ "in-order", { CONFIRM, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0 }, 24 },
		{ "reorder", { CONFIRM, 0, 1, 0, 10, 0, 1, 0xff, 0xfb, 0, 1, 0xff, 0xfe, 0, 1, 0, 1 }, 24 },
		{ "newer-boot", { CONFIRM, 0, 2, 0, 1, 2, 9, 10, 0, 3, 2, 5, 0, 0, 0, 0, 1 }, 24 },
		{ "older-boot", { CONFIRM, 0, 1, 0, 1, 1, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 1 }, 24 },
		{ "restart", { CONFIRM, 0, 1, 0, 5, 4, 0, 0, 0, 0, 1, 0, 1, 2, 2, 0, 0, 3, 1, 1, 1,
			       3, 1, 1, 0 }, 32 },
		{ "jump", { CONFIRM, 5, 0, 0, 20, 0, 1, 0xfc, 0x00, 0, 1, 0xfc, 0x01 }, 20 },
	};
#undef CONFIRM
	const char *dir = getenv("WGNM_WRITE_CORPUS");
	char path[512];

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/replay", dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/replay/%s.bin", dir, seeds[i].name);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(seeds[i].ops, 1, seeds[i].n, f), seeds[i].n);
		assert_int_equal(fclose(f), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_table),
		cmocka_unit_test(test_window_vs_naive),
		cmocka_unit_test(test_confirm_flow),
		cmocka_unit_test(test_new_boot),
		cmocka_unit_test(test_replay_after_receiver_restart),
		cmocka_unit_test(test_verdict_drop),
		cmocka_unit_test(test_write_corpus),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
