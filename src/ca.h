/*
 * The network's certificate authority, offline: `wg_netmanager ca`.
 *
 *     ca init [-o DIR]            a new CA key, DIR/ca.key (0600); prints caKey
 *     ca sign -k CA_KEY -n NAME -a IP [--routes P,...] [--exit-node]
 *             [--days N] [--pubkey KEY]
 *                                 a certificate (and a new identity, unless
 *                                 --pubkey), as a peer.yaml fragment
 *     ca identity                 a new identity on the node itself: the
 *                                 identityKey line and its public key
 *     ca revoke -k CA_KEY (-n NAME | --serial S)   a revocation, base64
 *
 * Keys are Ed25519 (libsodium); the CA key file holds the 32-byte seed in
 * base64 and is refused if anyone else can read or change it. Certificates
 * and revocations are src/wire/cert.h's; base64 is libsodium's. Nothing
 * secret is kept in memory longer than one command, and it is wiped.
 */
#ifndef WGNM_CA_H
#define WGNM_CA_H

#include <stddef.h>
#include <stdint.h>

#include "wire/cert.h"

#define CA_KEY_FILE "ca.key"
#define CA_SEED_LEN 32
#define CA_DEFAULT_DAYS 365
#define CA_MAX_DAYS 3650
#define CA_SKEW_S 60		/* not_before this much before now: clocks differ */

/* argv[0] is "ca". Returns the exit code: 0, 1 runtime failure, 2 usage or bad input. */
int ca_main(int argc, char **argv);

/*
 * Read a CA key file: a regular file of ours that nobody else may read or
 * change, holding the seed in base64. 0, or a negative errno with why
 * (a sentence) filled.
 */
int ca_key_read(const char *path, uint8_t seed[CA_SEED_LEN], char *why, size_t why_len);

/*
 * Fill the validity and serial of c (not_before now - CA_SKEW_S,
 * not_after now + days, a random non-zero serial) and sign it with the CA
 * seed. 0 or -EINVAL (c not encodable).
 */
int ca_cert_issue(struct cert *c, const uint8_t ca_seed[CA_SEED_LEN], uint64_t now, unsigned days);
/* Sign r with the CA seed. 0 or -EINVAL. */
int ca_revocation_issue(struct revocation *r, const uint8_t ca_seed[CA_SEED_LEN], uint64_t now);

#endif
