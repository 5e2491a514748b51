/*
 * Tests for src/core/actions.c: the action list of a core (core_harness.h
 * makes a real one; these tests push into it directly): numbering and
 * counting of what is sent, log lines, the memory the list keeps between
 * events, and the rate limit on logging refused input.
 */
#include <stdlib.h>

#include "core_harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* As in src/core/actions.c. */
#define MESH_ACTS_KEEP 1024

/* A core with no pending action. */
static void setup(struct h *t)
{
	h_setup(t, 0, 1);
	assert_int_equal(t->m->n_acts, 0);
}

/*
 * Every datagram gets the next counter of this boot, our id and boot, and
 * is counted by type; log lines and other actions take no counter.
 */
static void test_send_numbering(void **state)
{
	static const enum wire_type types[] = {
		WIRE_HELLO, WIRE_PING, WIRE_PING, WIRE_RECORD, WIRE_LEAVE, WIRE_DIGEST,
	};
	struct h t;
	struct endpoint to = h_ep(198, 18, 0, 9, 50001);
	uint64_t counter, tx[WIRE_TYPE_MAX + 1];
	const struct mesh_action *acts;

	(void)state;
	setup(&t);
	counter = t.m->counter;
	memcpy(tx, mesh_counters(t.m)->tx, sizeof(tx));
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct wire_msg *msg = mesh_send(t.m, &to, types[i]);

		assert_non_null(msg);
		assert_int_equal(msg->hdr.type, types[i]);
		assert_true(msg->hdr.counter == counter + i + 1);
		assert_true(addr_eq(&msg->hdr.sender, &t.cfg.id));
		assert_true(msg->hdr.boot == t.cfg.boot);
		tx[types[i]]++;
		/* a log line in between takes no number */
		mesh_log(t.m, MESH_LOG_DEBUG, "between %zu", i);
		assert_non_null(mesh_push(t.m, MESH_ACT_ROUTE_ADD));
	}
	assert_memory_equal(mesh_counters(t.m)->tx, tx, sizeof(tx));
	assert_int_equal(mesh_counters(t.m)->tx[WIRE_PING], tx[WIRE_PING]);
	/* in order, as pushed */
	assert_int_equal(mesh_actions(t.m, &acts), 3 * ARRAY_SIZE(types));
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		char want[32];
		assert_int_equal(acts[3 * i].type, MESH_ACT_SEND);
		assert_true(endpoint_eq(&acts[3 * i].u.send.to, &to));
		assert_int_equal(acts[3 * i].u.send.msg.hdr.type, types[i]);
		assert_int_equal(acts[3 * i + 1].type, MESH_ACT_LOG);
		snprintf(want, sizeof(want), "between %zu", i);
		assert_string_equal(acts[3 * i + 1].u.log.text, want);
		assert_int_equal(acts[3 * i + 2].type, MESH_ACT_ROUTE_ADD);
	}
	/* the counter goes on across events: never reused in one boot */
	mesh_actions_clear(t.m);
	assert_true(mesh_send(t.m, &to, WIRE_PONG)->hdr.counter == counter + ARRAY_SIZE(types) + 1);
	h_collect(&t);
	h_teardown(&t);
}

/* A pushed action starts zeroed but for its type (nothing of a reused slot). */
static void test_push_zeroed(void **state)
{
	struct h t;
	struct mesh_action *a, zero;

	(void)state;
	setup(&t);
	a = mesh_push(t.m, MESH_ACT_SEND);
	memset(&a->u, 0xab, sizeof(a->u));
	mesh_actions_clear(t.m);
	a = mesh_push(t.m, MESH_ACT_LOG);
	memset(&zero, 0, sizeof(zero));
	zero.type = MESH_ACT_LOG;
	assert_memory_equal(a, &zero, sizeof(zero));
	mesh_actions_clear(t.m);
	h_teardown(&t);
}

/* Log lines keep their level, and are cut to the text buffer, terminated. */
static void test_log(void **state)
{
	static const enum mesh_log_level levels[] = { MESH_LOG_WARN, MESH_LOG_INFO, MESH_LOG_DEBUG };
	struct h t;
	char long_text[400];
	const struct mesh_action *acts;
	size_t n;

	(void)state;
	setup(&t);
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		mesh_log(t.m, levels[i], "level %d: %s", (int)levels[i], i == 2 ? long_text : "short");
	n = mesh_actions(t.m, &acts);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(acts[i].type, MESH_ACT_LOG);
		assert_int_equal(acts[i].u.log.level, levels[i]);
	}
	assert_string_equal(acts[0].u.log.text, "level 0: short");
	assert_int_equal(strlen(acts[2].u.log.text), sizeof(acts[2].u.log.text) - 1);
	assert_memory_equal(acts[2].u.log.text, "level 2: xxx", 12);
	h_collect(&t);
	h_teardown(&t);
}

/* PEER_SET n_allowed prefixes, owned by the list (freed by the clear). */
static void push_peer_set(struct h *t, size_t n)
{
	struct mesh_action *a = mesh_push(t->m, MESH_ACT_PEER_SET);

	assert_non_null(a);
	a->u.peer.n_allowed = n;
	a->u.peer.allowed = n ? calloc(n, sizeof(*a->u.peer.allowed)) : NULL;
	assert_true(!n || a->u.peer.allowed);
}

/*
 * The clear frees what PEER_SETs own (under ASan a leak fails the run),
 * and keeps the array for the next event up to MESH_ACTS_KEEP slots: a
 * burst beyond that (a hub flooding a large record) is given back.
 */
static void test_clear(void **state)
{
	static const struct {
		size_t pushed;
		size_t cap_after;	/* slots kept after the clear */
	} cases[] = {
		{ 1, 16 },
		{ 16, 16 },
		{ 17, 32 },
		{ MESH_ACTS_KEEP, MESH_ACTS_KEEP },
		{ MESH_ACTS_KEEP + 1, 0 },
		{ 5000, 0 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct h t;
		const struct mesh_action *acts;

		setup(&t);
		/* a fresh list: the core's start left nothing allocated */
		mesh_actions_clear(t.m);
		free(t.m->acts);
		t.m->acts = NULL;
		t.m->cap_acts = 0;
		for (size_t i = 0; i < cases[c].pushed; i++) {
			if (i % 3 == 0)
				push_peer_set(&t, i % 2 + 1);
			else if (i % 3 == 1)
				push_peer_set(&t, 0);
			else
				assert_non_null(mesh_push(t.m, MESH_ACT_LOG));
		}
		assert_int_equal(mesh_actions(t.m, &acts), cases[c].pushed);
		assert_true(t.m->cap_acts >= cases[c].pushed);
		mesh_actions_clear(t.m);
		assert_int_equal(mesh_actions(t.m, &acts), 0);
		if (t.m->cap_acts != cases[c].cap_after)
			fail_msg("%zu pushed: %zu slots kept, want %zu", cases[c].pushed,
				 t.m->cap_acts, cases[c].cap_after);
		assert_true((t.m->acts == NULL) == (cases[c].cap_after == 0));
		/* and the list works as before */
		push_peer_set(&t, 3);
		assert_int_equal(mesh_actions(t.m, &acts), 1);
		assert_int_equal(acts[0].u.peer.n_allowed, 3);
		mesh_actions_clear(t.m);
		h_teardown(&t);
	}
}

static size_t refusal_lines(const struct mesh *m, const char **last)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(m, &acts), k = 0;

	for (size_t i = 0; i < n; i++)
		if (acts[i].type == MESH_ACT_LOG && strncmp(acts[i].u.log.text, "refused ", 8) == 0) {
			assert_int_equal(acts[i].u.log.level, MESH_LOG_WARN);
			*last = acts[i].u.log.text;
			k++;
		}
	return k;
}

/*
 * Refused input is always counted, but logged at most once per
 * MESH_REFUSE_LOG_MS; the next line says how many went unlogged.
 *
 *   t (ms)   0    1  500  999  1000  1001  1999  2000  5000
 *   logged   y    .   .    .    y     .     .     y     y
 *   "more"   0              3                 2     0
 */
static void test_refuse_rate(void **state)
{
	static const struct {
		uint64_t at;
		const char *line;	/* NULL: not logged */
	} steps[] = {
		{ 0, "refused a record from 10.99.0.7 (0 more refused since the last report)" },
		{ 1, NULL },
		{ 500, NULL },
		{ MESH_REFUSE_LOG_MS - 1, NULL },
		{ MESH_REFUSE_LOG_MS,
		  "refused a record from 10.99.0.7 (3 more refused since the last report)" },
		{ MESH_REFUSE_LOG_MS + 1, NULL },
		{ 2 * MESH_REFUSE_LOG_MS - 1, NULL },
		{ 2 * MESH_REFUSE_LOG_MS,
		  "refused a record from 10.99.0.7 (2 more refused since the last report)" },
		{ 5 * MESH_REFUSE_LOG_MS,
		  "refused a record from 10.99.0.7 (0 more refused since the last report)" },
	};
	struct h t;
	struct addr id = h_ip(10, 99, 0, 7);
	uint64_t t0, refused;

	(void)state;
	setup(&t);
	t0 = t.now;
	refused = mesh_counters(t.m)->drops[WIRE_DROP_REFUSED];
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		const char *line = NULL;
		size_t n;

		h_at(&t, t0 + steps[i].at);
		mesh_refuse(t.m, &id, "a record");
		assert_true(mesh_counters(t.m)->drops[WIRE_DROP_REFUSED] == refused + i + 1);
		n = refusal_lines(t.m, &line);
		if (n != (steps[i].line != NULL))
			fail_msg("at %llu ms: %zu lines", (unsigned long long)steps[i].at, n);
		if (steps[i].line)
			assert_string_equal(line, steps[i].line);
		h_collect(&t);
	}
	h_teardown(&t);
}

/* Randomness comes from the host's function, with its argument. */
static void test_random(void **state)
{
	struct h t;
	uint64_t copy;

	(void)state;
	setup(&t);
	copy = t.rng;
	for (int i = 0; i < 4; i++) {
		uint64_t want = h_random(&copy);
		assert_true(mesh_random(t.m) == want);
	}
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_numbering),
		cmocka_unit_test(test_push_zeroed),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_refuse_rate),
		cmocka_unit_test(test_random),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
