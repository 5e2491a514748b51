/*
 * Freshness of admin packets per sender: a (boot, counter) window and a
 * challenge on first contact. Pure: no clock, no randomness, no I/O; time
 * ("now", milliseconds on any monotonic scale) and challenge values come
 * in from the caller. The model and why it resists replays is at the top
 * of replay.c.
 *
 * Receive path of the caller, for a packet that opened and decoded:
 *
 *   switch (replay_check(st, h->boot, h->counter)) {
 *   case REPLAY_OK:              handle it, then replay_commit()
 *   case REPLAY_NEEDS_CHALLENGE: if it is a HELLO with HAS_ECHO and
 *                                replay_confirm() == 0: handle it;
 *                                else replay_challenge() and send a hello
 *                                carrying the challenge; drop the packet
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
	bool confirmed;			/* boot passed the challenge */
	uint64_t boot;			/* the confirmed boot */
	struct replay_window win;	/* counters of that boot */
	bool challenge_pending;
	uint64_t challenge;		/* value the sender has to echo */
	uint64_t challenge_expiry;	/* ms; the echo must arrive before */
};

/* A sender never heard from: unconfirmed, no challenge pending. */
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
 * The challenge to send to this sender. If one is pending and not expired
 * it is kept (so replayed packets cannot churn it under the live sender's
 * echo); otherwise fresh (a non-zero random value from the caller) becomes
 * the pending challenge, valid until now + timeout_ms. Returns 0 with
 * *challenge set, or -EINVAL for fresh == 0 (0 means "none" on the wire).
 */
int replay_challenge(struct replay_state *st, uint64_t fresh, uint64_t now,
		     uint64_t timeout_ms, uint64_t *challenge);

/*
 * A packet (boot, counter) echoes a challenge. If the echo matches the
 * pending challenge before its expiry and boot is not older than the
 * confirmed one, boot becomes the confirmed boot and its window restarts
 * at counter with every lower counter taken as seen (see replay.c for
 * why), and the challenge is used up. Returns 0, -ENOENT (no
 * challenge pending), -ETIMEDOUT (expired; it is dropped), -EPERM (echo
 * does not match), -ESTALE (boot older than the confirmed one), -EEXIST
 * (counter already seen in the confirmed boot), -EINVAL (counter 0). On
 * any error but -ETIMEDOUT the state is unchanged.
 */
int replay_confirm(struct replay_state *st, uint64_t boot, uint64_t counter,
		   uint64_t echo, uint64_t now);

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
