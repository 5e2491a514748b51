/*
 * Stateless challenges ("cookies") for the hello exchange.
 *
 * A node answers a packet from an unconfirmed (node, boot) with a HELLO
 * carrying a challenge and acts on nothing else until a HELLO echoes it.
 * Keeping a pending challenge per sender would let anyone with one
 * captured datagram make the node create state; so the challenge is
 * computed, not stored, in the manner of TCP SYN cookies and DTLS's
 * HelloVerifyRequest:
 *
 *     challenge = t24 << 40 | MAC40(id, endpoint, t24)
 *
 * t24 is the time in ms modulo 2^24 (4.6 hours), MAC40 the low 40 bits of
 * a keyed MAC (the host passes one in: SipHash under a per-start random
 * key, libsodium's crypto_shorthash) over the claimed sender id, the
 * endpoint the challenge was sent to and t24. An echo is valid when its
 * MAC matches for the echoing sender and the endpoint the echo came from,
 * and t24 lies within COOKIE_VALID_MS of now. So an echo proves that its
 * sender received our challenge at that endpoint recently, which is what
 * confirming a boot and validating a new path need; and the time in it
 * gives the round trip of the exchange, which cannot be forced low (the
 * MAC covers t24). Pure: time and the MAC come from the caller.
 */
#ifndef WGNM_CORE_COOKIE_H
#define WGNM_CORE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define COOKIE_VALID_MS 5000	/* an echo must come back within */

/* A keyed 64-bit MAC over len bytes (the host's secret key stays there). */
typedef uint64_t (*cookie_mac_fn)(void *arg, const void *data, size_t len);

struct cookie_key {
	cookie_mac_fn mac;
	void *arg;
};

/* The challenge for a sender id reached at ep, at time now (never 0). */
uint64_t cookie_make(const struct cookie_key *k, const struct addr *id,
		     const struct endpoint *ep, uint64_t now);
/*
 * Is echo a challenge we made for id at ep no longer than COOKIE_VALID_MS
 * ago? On success *age_ms is how long ago (the round trip).
 */
bool cookie_check(const struct cookie_key *k, uint64_t echo, const struct addr *id,
		  const struct endpoint *ep, uint64_t now, uint32_t *age_ms);

#endif
