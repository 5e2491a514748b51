/*
 * libFuzzer target: the replay window and the boot state of
 * src/core/replay.c, against a deliberately naive reference model.
 *
 * Input: a sequence of 4-byte ops (kind, a, b, c):
 *   kind % 6 == 0  packet: boot from a, counter = top + (int16_t)(b << 8 | c);
 *                  check, and commit if OK
 *   kind % 6 == 1  the caller forgets the sender (adjacency down)
 *   kind % 6 == 2  (no-op, kept so that old seeds still parse)
 *   kind % 6 == 3  confirm (a valid echo): boot from a, counter = top + (int8_t)b
 *   kind % 6 == 4  receiver restart: all state lost
 *   kind % 6 == 5  far jump: counter = top + (a << 16 | b << 8 | c) * 64
 * Boot from a: a % 4 picks confirmed boot - 1, same, + 1, + 2.
 *
 * The reference keeps every counter seen since the last (re)start in a
 * list, plus a floor at or below which everything counts as seen; it
 * knows nothing about rings or words.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 4096

struct ref {
	bool confirmed;
	uint64_t boot;
	uint64_t top, floor;
	uint64_t seen[MAX_OPS];
	size_t n;
};

static bool ref_window_ok(const struct ref *r, uint64_t c)
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

static void ref_window_add(struct ref *r, uint64_t c)
{
	r->seen[r->n++] = c;
	if (c > r->top)
		r->top = c;
}

static enum replay_verdict ref_check(const struct ref *r, uint64_t boot, uint64_t c)
{
	if (!r->confirmed || boot > r->boot)
		return REPLAY_NEEDS_CHALLENGE;
	if (boot < r->boot)
		return REPLAY_OLD_BOOT;
	return ref_window_ok(r, c) ? REPLAY_OK : REPLAY_DUP;
}

static int ref_confirm(struct ref *r, uint64_t boot, uint64_t c)
{
	if (c == 0 || boot == 0)
		return -EINVAL;
	if (r->confirmed && boot == r->boot) {
		if (!ref_window_ok(r, c))
			return -EEXIST;
		ref_window_add(r, c);
	} else {
		r->confirmed = true;
		r->boot = boot;
		r->n = 0;
		r->top = r->floor = c;
	}
	return 0;
}

static uint64_t add_sat(uint64_t a, int64_t d)
{
	if (d >= 0)
		return (uint64_t)d > UINT64_MAX - a ? UINT64_MAX : a + (uint64_t)d;
	return (uint64_t)-d > a ? 0 : a - (uint64_t)-d;
}

static uint64_t pick_boot(const struct ref *r, uint8_t a)
{
	uint64_t base = r->boot ? r->boot : 10;

	return add_sat(base, (int64_t)(a % 4) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref r;
	struct replay_state st;

	replay_init(&st);
	memset(&r, 0, sizeof(r));
	for (size_t off = 0; off + 4 <= size && off / 4 < MAX_OPS; off += 4) {
		uint8_t kind = data[off] % 6, a = data[off + 1], b = data[off + 2], c = data[off + 3];
		uint64_t boot = pick_boot(&r, a), counter;
		enum replay_verdict v;
		int rc;

		switch (kind) {
		case 0:
		case 5:
			counter = kind == 0 ? add_sat(r.top, (int16_t)(b << 8 | c))
					    : add_sat(r.top, (int64_t)((uint32_t)a << 16 | (uint32_t)b << 8 | c) * 64);
			if (kind == 5)
				boot = r.boot;
			v = replay_check(&st, boot, counter);
			if (v != ref_check(&r, boot, counter))
				abort();
			rc = replay_commit(&st, boot, counter);
			if ((rc == 0) != (v == REPLAY_OK))
				abort();
			if (rc == 0) {
				ref_window_add(&r, counter);
				if (replay_check(&st, boot, counter) != REPLAY_DUP)
					abort();
			}
			break;
		case 1:
			replay_forget(&st);
			memset(&r, 0, sizeof(r));
			break;
		case 2:
			break;
		case 3:
			counter = add_sat(r.top, (int8_t)b);
			rc = replay_confirm(&st, boot, counter);
			if (rc != ref_confirm(&r, boot, counter))
				abort();
			if (rc == 0 && replay_check(&st, boot, counter) != REPLAY_DUP)
				abort();
			break;
		case 4:
			replay_init(&st);
			memset(&r, 0, sizeof(r));
			break;
		}
		if (st.confirmed != r.confirmed || (r.confirmed && st.boot != r.boot))
			abort();
	}
	return 0;
}
