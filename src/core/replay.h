/*
 * Freshness of admin packets per sender: a (boot, counter) window. Pure:
 * no clock, no randomness, no I/O. Which boot is confirmed is the
 * caller's decision (the mesh core confirms a boot when the sender echoes
 * a challenge, see cookie.h); this module keeps the window and says what
 * a packet is. The model and why it resists replays is at the top of
 * replay.c.
 *
 * Receive path of the caller, for a packet that opened and decoded:
 *
 *   switch (replay_check(st, h->boot, h->counter)) {
 *   case REPLAY_OK:              handle it, then replay_commit()
 *   case REPLAY_NEEDS_CHALLENGE: if it echoes a valid challenge:
 *                                replay_confirm() and handle it; else
 *                                answer with a challenge and drop it
 *   case REPLAY_DUP, REPLAY_OLD_BOOT: drop (replay_verdict_drop())
 *   }
 */
#ifndef WGNM_CORE_REPLAY_H
#define WGNM_CORE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/wire.h"

/* Counters accepted out of order: any of the last REPLAY_WINDOW. */
#define REPLAY_WINDOW 1024
/* One extra word, because the ring is advanced a word at a time. */
#define REPLAY_WORDS (REPLAY_WINDOW / 64 + 1)

enum replay_verdict {
	REPLAY_OK = 0,
	REPLAY_DUP,		/* counter seen, or older than the window */
	REPLAY_OLD_BOOT,	/* boot older than the confirmed one */
	REPLAY_NEEDS_CHALLENGE,	/* no confirmed boot yet, or a newer boot */
};

struct replay_window {
	uint64_t top;			/* highest counter accepted; 0: none */
	uint64_t bits[REPLAY_WORDS];	/* ring: bit c % (64 * REPLAY_WORDS) */
};

struct replay_state {
	bool confirmed;			/* a boot passed the challenge */
	uint64_t boot;			/* the confirmed boot */
	struct replay_window win;	/* counters of that boot */
};

/* A sender never heard from: unconfirmed. */
void replay_init(struct replay_state *st);

/* Verdict for a packet; changes nothing. */
enum replay_verdict replay_check(const struct replay_state *st, uint64_t boot, uint64_t counter);

/*
 * Record an accepted packet's counter. Call only after the packet opened,
 * decoded and was accepted. Returns 0, or -EINVAL if replay_check() would
 * not say REPLAY_OK (nothing is changed then).
 */
int replay_commit(struct replay_state *st, uint64_t boot, uint64_t counter);

/*
 * The packet (boot, counter) proved that its sender is alive now (it
 * echoed a fresh challenge): boot becomes the confirmed boot, older or
 * newer than the one before, and its window restarts at counter with
 * every lower counter taken as seen (see replay.c for why). The same boot
 * again keeps its window and only records counter. Returns 0, -EINVAL
 * (counter or boot 0) or -EEXIST (the same boot, counter already seen);
 * nothing is changed on error.
 */
int replay_confirm(struct replay_state *st, uint64_t boot, uint64_t counter);

/* Forget the confirmed boot: whatever comes next must pass a challenge. */
void replay_forget(struct replay_state *st);

/* The drop reason for a verdict; REPLAY_OK gives WIRE_DROP__COUNT (none). */
enum wire_drop replay_verdict_drop(enum replay_verdict v);

/* The plain window, exported for tests and fuzzing. */
void replay_window_reset(struct replay_window *w);
/* Start at counter: it and everything below count as seen. */
void replay_window_start(struct replay_window *w, uint64_t counter);
bool replay_window_check(const struct replay_window *w, uint64_t counter);
/* Records counter; returns false (and changes nothing) if check says no. */
bool replay_window_commit(struct replay_window *w, uint64_t counter);

#endif
