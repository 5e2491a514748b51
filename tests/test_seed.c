/*
 * seed.c: a static peer given only by its endpoint (--peer). A says hello
 * there, naming no one; whoever answers is admitted as a neighbour, and
 * then A stops. Unanswered, the hellos back off (1 s doubling).
 */
#include <stdlib.h>

#include "core_harness.h"

/* The open hellos A sent to ep since the last reset, and when. */
static size_t seed_hellos(const struct h *t, const struct endpoint *ep)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_sent; i++)
		n += t->sent[i].msg.hdr.type == WIRE_HELLO && endpoint_eq(&t->sent[i].to, ep) &&
		     (t->sent[i].msg.u.hello.has & WIRE_HELLO_LAN);
	return n;
}

static void test_seed_admits_whoever_answers(void **state)
{
	struct h t;
	struct h_fake b;
	const struct wire_msg *hello, *echo;
	struct wire_msg reply;

	(void)state;
	h_setup(&t, 0, 1);
	h_fake_init(&b, 2, "bob", 7);
	assert_int_equal(mesh_set_seeds(t.m, 1, t.now), 0);
	mesh_set_seed_endpoint(t.m, 0, &b.ep, t.now);
	h_collect(&t);
	hello = h_sent_to(&t, &b, WIRE_HELLO);
	assert_non_null(hello);
	assert_true(hello->u.hello.has & WIRE_HELLO_LAN);
	assert_false(hello->u.hello.has & WIRE_HELLO_HAS_TO);
	/* bob answers as to any open hello: a reply with its challenge */
	reply = h_hello(&t, &b, WIRE_HELLO_REPLY, 0x2222, 0);
	h_feed(&t, &b, &reply);
	echo = h_sent_to(&t, &b, WIRE_HELLO);
	assert_non_null(echo);
	assert_true(echo->u.hello.echo == 0x2222);
	/* bob confirms A with A's challenge: up */
	b.a_boot = echo->hdr.boot;
	reply = h_hello(&t, &b, WIRE_HELLO_REPLY, 0, echo->u.hello.challenge);
	h_feed(&t, &b, &reply);
	assert_true(h_adjacent(&t, &b.id));
	/* no more seed hellos while bob answers there */
	h_reset(&t);
	h_answer_probes(&t, &b, 10000);
	assert_int_equal(seed_hellos(&t, &b.ep), 0);
	h_teardown(&t);
}

static void test_seed_backoff(void **state)
{
	static const uint64_t at[] = { 0, 1000, 3000, 7000, 15000 };
	struct h t;
	struct endpoint ep = h_ep(203, 0, 113, 50, 50550);
	uint64_t start;
	size_t k = 0;

	(void)state;
	h_setup(&t, 0, 1);
	assert_int_equal(mesh_set_seeds(t.m, 2, t.now), 0);
	start = t.now;
	mesh_set_seed_endpoint(t.m, 1, &ep, t.now); /* seed 0 never resolves: nothing to it */
	h_collect(&t);
	h_later(&t, 16000);
	for (size_t i = 0; i < t.n_sent; i++) {
		if (t.sent[i].msg.hdr.type != WIRE_HELLO || !endpoint_eq(&t.sent[i].to, &ep))
			continue;
		assert_true(k < sizeof(at) / sizeof(at[0]));
		if (t.sent[i].at - start != at[k])
			fail_msg("hello %zu at %llu ms", k, (unsigned long long)(t.sent[i].at - start));
		k++;
	}
	assert_int_equal(k, sizeof(at) / sizeof(at[0]));
	/* a port-0 endpoint is no seed */
	mesh_set_seed_endpoint(t.m, 0, &(struct endpoint){ h_ip(203, 0, 113, 51), 0 }, t.now);
	assert_false(t.m->seeds[0].resolved);
	h_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_admits_whoever_answers),
		cmocka_unit_test(test_seed_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
