/*
 * Sealing admin datagrams: AEAD, key derivation, key parsing, wiping.
 *
 *   datagram = "WN" | version | 0 | nonce[24] | XChaCha20-Poly1305(body) | tag[16]
 *
 * The 4-byte clear header and the nonce are the associated data, so none of
 * the datagram can be changed unnoticed. Nonces are random: 192 bits make
 * collisions a non-issue without any nonce state to persist. The AEAD key
 * is derived from the network's sharedKey for this one purpose; the raw
 * sharedKey is never used as a key. Layout and derivation: docs/PROTOCOL.md.
 *
 * This is the only wire module that touches libsodium; wire.c stays pure.
 */
#ifndef WGNM_WIRE_SEAL_H
#define WGNM_WIRE_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define SEAL_HEADER_LEN 4
#define SEAL_NONCE_LEN 24
#define SEAL_TAG_LEN 16
#define SEAL_OVERHEAD (SEAL_HEADER_LEN + SEAL_NONCE_LEN + SEAL_TAG_LEN)
#define SEAL_MAX_BODY (WIRE_MAX_PACKET - SEAL_OVERHEAD)
#define SEAL_KEY_LEN 32
/* Base64 of a 32-byte key with padding, plus the NUL. */
#define SEAL_KEY_B64_LEN 45

_Static_assert(SEAL_OVERHEAD == WIRE_SEAL_OVERHEAD, "wire.h and seal.h disagree on overhead");

struct seal_key {
	uint8_t k[SEAL_KEY_LEN];
};

/* Initialise libsodium; idempotent. Returns 0 or -EIO. */
int seal_init(void);

/* Derive the admin-packet key from the 32-byte sharedKey. Returns 0 or -EIO. */
int seal_key_derive(struct seal_key *key, const uint8_t shared[SEAL_KEY_LEN]);
void seal_key_wipe(struct seal_key *key);

/*
 * Seal body (len <= SEAL_MAX_BODY) into out; the two must not overlap.
 * A fresh random nonce per call. Returns the datagram length
 * (len + SEAL_OVERHEAD), -EMSGSIZE for a body too large, -ENOSPC if cap is
 * too small.
 */
int seal_packet(uint8_t *out, size_t cap, const struct seal_key *key,
		const uint8_t *body, size_t len);

/*
 * Check and open a datagram into body_out. Returns the body length, or a
 * negative errno with *why set: -EMSGSIZE (SHORT, OVERSIZE), -EPROTO
 * (BAD_MAGIC, BAD_VERSION), -EBADMSG (OPEN_FAILED), -ENOSPC if cap is too
 * small for the body. Nothing unauthenticated is left in body_out.
 */
int seal_open(uint8_t *body_out, size_t cap, const struct seal_key *key,
	      const uint8_t *pkt, size_t len, enum wire_drop *why);

/*
 * The receive path: seal_open into a scratch buffer (wiped afterwards),
 * then wire_decode. Returns 0, or a negative errno with *why set. Replay
 * and policy checks are the caller's (src/core/replay.h).
 */
int seal_open_decode(const struct seal_key *key, const uint8_t *pkt, size_t len,
		     struct wire_msg *m, enum wire_drop *why);

/*
 * seal_open_decode during a change of the shared key: with `key`, and,
 * when that fails to open it (and only then), with `prev` (NULL: none).
 * *with_prev says which key opened it. A datagram sealed with neither
 * keeps key's drop reason. New datagrams are sealed with `key` only.
 */
int seal_open_decode_either(const struct seal_key *key, const struct seal_key *prev,
			    const uint8_t *pkt, size_t len, struct wire_msg *m,
			    enum wire_drop *why, bool *with_prev);

/* Encode and seal in one step. Returns the datagram length or -errno. */
int seal_encode(uint8_t *out, size_t cap, const struct seal_key *key, const struct wire_msg *m);

/*
 * Parse standard base64 (with padding, as `wg genkey` prints) of exactly
 * 32 bytes, in constant time. Returns 0 or -EINVAL; out is untouched on
 * failure.
 */
int seal_key_from_base64(uint8_t out[SEAL_KEY_LEN], const char *b64);
/* Format a 32-byte key as base64 into out (SEAL_KEY_B64_LEN bytes). */
void seal_key_to_base64(char out[SEAL_KEY_B64_LEN], const uint8_t key[SEAL_KEY_LEN]);

#endif
