/*
 * Freshness of admin packets without clocks.
 *
 * Every packet carries (sender, boot, counter). A sender picks a new,
 * larger boot id at each start and numbers its packets 1, 2, 3... within
 * the boot. The receiver keeps, per sender, one confirmed boot and a window
 * over that boot's counters:
 *
 *   - counter above the highest seen: accepted, the window slides up;
 *   - within the last REPLAY_WINDOW counters and not seen: accepted (UDP
 *     reorders; 1024 covers any burst the daemon sends);
 *   - seen, or older than the window: REPLAY_DUP;
 *   - boot older than the confirmed boot: REPLAY_OLD_BOOT;
 *   - no confirmed boot, or a newer boot: REPLAY_NEEDS_CHALLENGE.
 *
 * A boot becomes confirmed only by echoing a challenge: the receiver sends
 * a value that did not exist before (a keyed MAC over the sender, the
 * endpoint it was sent to and the time, cookie.c) in a HELLO, and the
 * sender's next HELLO carries it back in `echo`. Only a sender that is
 * alive now, at that endpoint, can do that. Checking (replay_check) and
 * recording (replay_commit) are separate so that a packet that fails
 * later (does not decode, is refused) leaves no trace in the window.
 *
 * Why a replay changes nothing, even after the receiver lost all state:
 *
 *   - Replayed packets of the confirmed boot are DUP (in or below the
 *     window) and of an older boot are OLD_BOOT.
 *   - When the receiver has no confirmed boot (it restarted, or never met
 *     the sender) or the packet claims another boot, the packet is not
 *     acted on at all: the only answer is a challenge. A replayed HELLO may
 *     carry an echo, but of a challenge from the past, which has expired
 *     or was made under a key the receiver no longer has. The live sender
 *     answers the challenge with its current boot, which is what the
 *     receiver should learn anyway. So a recorded packet can at most make
 *     the receiver send a (rate-limited) challenge.
 *   - Confirming a boot starts its window at the echoing packet's counter
 *     with everything below marked seen. Otherwise a receiver that lost
 *     its state and re-confirmed the sender's unchanged boot at counter n
 *     would take captured packets n-1023..n-1 of that boot as merely late.
 *     (The price: packets the sender sent just before its echo and that
 *     arrive after it are dropped; the protocol repeats state anyway.)
 *   - An older boot can be confirmed again (a host whose clock went back
 *     across a restart), but only through a fresh echo, which a recording
 *     cannot give; the mesh core also refuses it while the newer boot
 *     still answers.
 *
 * This protects against outsiders without sharedKey; what a member can do
 * is bounded by the mesh core (docs/PROTOCOL.md, "Threat model").
 *
 * The window is a ring of REPLAY_WORDS 64-bit words as in WireGuard's
 * counter.c (RFC 6479): sliding up clears whole words, so one word beyond
 * REPLAY_WINDOW / 64 keeps a full REPLAY_WINDOW of history at any offset.
 */
#include "core/replay.h"

#include <errno.h>
#include <string.h>

#define RING_BITS ((uint64_t)REPLAY_WORDS * 64)

void replay_window_reset(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

static bool window_seen(const struct replay_window *w, uint64_t counter)
{
	uint64_t bit = counter % RING_BITS;

	return (w->bits[bit / 64] >> (bit % 64)) & 1;
}

bool replay_window_check(const struct replay_window *w, uint64_t counter)
{
	/* Counters start at 1, so top == 0 means nothing was seen yet. */
	if (counter == 0)
		return false;
	if (counter > w->top)
		return true;
	if (w->top - counter >= REPLAY_WINDOW)
		return false;
	return !window_seen(w, counter);
}

bool replay_window_commit(struct replay_window *w, uint64_t counter)
{
	uint64_t bit;

	if (!replay_window_check(w, counter))
		return false;
	if (counter > w->top) {
		uint64_t old_word = w->top / 64, new_word = counter / 64;

		/* Words between the old top's and the new top's held counters
		 * more than a ring ago: clear them before reuse. */
		if (new_word - old_word >= REPLAY_WORDS) {
			memset(w->bits, 0, sizeof(w->bits));
		} else {
			for (uint64_t i = old_word + 1; i <= new_word; i++)
				w->bits[i % REPLAY_WORDS] = 0;
		}
		w->top = counter;
	}
	bit = counter % RING_BITS;
	w->bits[bit / 64] |= (uint64_t)1 << (bit % 64);
	return true;
}

void replay_window_start(struct replay_window *w, uint64_t counter)
{
	uint64_t bit = counter % RING_BITS;

	/* Every ring slot holds a counter <= top, except the bits above top in
	 * top's own word: those are for counters not sent yet. */
	memset(w->bits, 0xff, sizeof(w->bits));
	w->bits[bit / 64] = bit % 64 == 63 ? UINT64_MAX : ((uint64_t)1 << (bit % 64 + 1)) - 1;
	w->top = counter;
}

void replay_init(struct replay_state *st)
{
	memset(st, 0, sizeof(*st));
}

void replay_forget(struct replay_state *st)
{
	replay_init(st);
}

enum replay_verdict replay_check(const struct replay_state *st, uint64_t boot, uint64_t counter)
{
	if (!st->confirmed || boot > st->boot)
		return REPLAY_NEEDS_CHALLENGE;
	if (boot < st->boot)
		return REPLAY_OLD_BOOT;
	return replay_window_check(&st->win, counter) ? REPLAY_OK : REPLAY_DUP;
}

int replay_commit(struct replay_state *st, uint64_t boot, uint64_t counter)
{
	if (replay_check(st, boot, counter) != REPLAY_OK)
		return -EINVAL;
	return replay_window_commit(&st->win, counter) ? 0 : -EINVAL;
}

int replay_confirm(struct replay_state *st, uint64_t boot, uint64_t counter)
{
	if (counter == 0 || boot == 0)
		return -EINVAL;
	/* Same boot: the sender echoed although we already trusted it (our
	 * challenge crossed its packets, or checked a new path); keep the
	 * window, it stays valid, and the echoing packet must be new. */
	if (st->confirmed && boot == st->boot) {
		if (!replay_window_commit(&st->win, counter))
			return -EEXIST;
		return 0;
	}
	st->confirmed = true;
	st->boot = boot;
	replay_window_start(&st->win, counter);
	return 0;
}

enum wire_drop replay_verdict_drop(enum replay_verdict v)
{
	switch (v) {
	case REPLAY_OK:
		return WIRE_DROP__COUNT;
	case REPLAY_DUP:
		return WIRE_DROP_REPLAY;
	case REPLAY_OLD_BOOT:
		return WIRE_DROP_OLD_BOOT;
	case REPLAY_NEEDS_CHALLENGE:
		return WIRE_DROP_UNCONFIRMED;
	}
	return WIRE_DROP_MALFORMED;
}
