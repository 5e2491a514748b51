/*
 * Node certificates and revocations: the membership of a network with a
 * certificate authority (network.caKey). Pure encoders, decoders and
 * checks; the signatures themselves are made and verified by the caller's
 * functions (Ed25519 with libsodium in the daemon and the `ca` command),
 * so this file needs no crypto library and the core stays free of one.
 *
 * A certificate binds a node's identity key (Ed25519) to its name and
 * overlay address, the subnet routes it may announce and whether it may
 * offer itself as an exit node, for a validity period; the CA signs
 * CERT_DOMAIN followed by the certificate's body. A revocation, also
 * signed by the CA (REVOKE_DOMAIN followed by its body), names a serial,
 * a node name, or both: a certificate matching every field given is
 * revoked. Byte layouts: docs/PROTOCOL.md, "Certificates and revocations".
 *
 *   certificate: version u8 (1) | flags u8 (0x1 exit) | serial u64 |
 *                not_before u64 | not_after u64 (unix seconds) |
 *                identity 32 | addr | name | n_routes u8 | prefix * n |
 *                signature 64
 *   revocation:  version u8 (1) | flags u8 (0x1 serial, 0x2 name) |
 *                [serial u64] | [name] | issued u64 | signature 64
 */
#ifndef WGNM_WIRE_CERT_H
#define WGNM_WIRE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "wire/fields.h"

#define CERT_KEY_LEN 32		/* an Ed25519 public key */
#define CERT_SIG_LEN 64
#define CERT_MAX_ROUTES 8	/* as WIRE_MAX_ROUTES */
#define CERT_VERSION 1
#define CERT_FLAG_EXIT 0x1u
/* The largest encoding: IPv6 address, 32-byte name, 8 IPv6 routes. */
#define CERT_MAX_LEN (2 + 8 + 8 + 8 + CERT_KEY_LEN + 17 + 33 + 1 + CERT_MAX_ROUTES * 18 + CERT_SIG_LEN)
#define CERT_DOMAIN "wgnm-cert-1"

#define REVOKE_FLAG_SERIAL 0x1u
#define REVOKE_FLAG_NAME 0x2u
#define REVOKE_MAX_LEN (2 + 8 + 33 + 8 + CERT_SIG_LEN)
#define REVOKE_DOMAIN "wgnm-revoke-1"

struct cert {
	uint8_t flags;			/* CERT_FLAG_* */
	uint64_t serial;		/* chosen by the CA, not 0 */
	uint64_t not_before;		/* unix seconds */
	uint64_t not_after;
	uint8_t identity[CERT_KEY_LEN];	/* the node's Ed25519 public key */
	struct addr addr;		/* its overlay address (wgIp) */
	char name[WIRE_FIELD_NAME_MAX + 1];
	uint8_t n_routes;		/* the prefixes it may announce (routes inside them) */
	struct prefix routes[CERT_MAX_ROUTES];
	uint8_t sig[CERT_SIG_LEN];	/* the CA's */
};

struct revocation {
	uint8_t flags;			/* REVOKE_FLAG_*: which of serial and name apply */
	uint64_t serial;
	char name[WIRE_FIELD_NAME_MAX + 1];
	uint64_t issued;		/* unix seconds */
	uint8_t sig[CERT_SIG_LEN];	/* the CA's */
};

/* Signature functions of the caller (Ed25519). */
typedef bool (*cert_verify_fn)(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg,
			       size_t len, const uint8_t sig[CERT_SIG_LEN]);
typedef void (*cert_sign_fn)(void *arg, const uint8_t *msg, size_t len,
			     uint8_t sig[CERT_SIG_LEN]);

/*
 * The whole certificate (signature included) into out: its length, or
 * -EINVAL (a value out of range: see cert_decode), -ENOSPC.
 */
int cert_encode(uint8_t *out, size_t cap, const struct cert *c);
/*
 * Decode and check the syntax: version, flags, serial not 0, not_before
 * before not_after, a valid name, an address that is not unspecified,
 * canonical distinct routes, no trailing bytes. 0 or -EBADMSG. The
 * signature is not checked here (cert_check).
 */
int cert_decode(const uint8_t *buf, size_t len, struct cert *c);
/* What the CA signs: CERT_DOMAIN, then the body. Its length, or negative. */
int cert_signed_bytes(const struct cert *c, uint8_t *out, size_t cap);
/* Sign c (its sig field) with the CA's function. 0, or -EINVAL. */
int cert_sign(struct cert *c, cert_sign_fn sign, void *arg);

enum cert_verdict {
	CERT_OK = 0,
	CERT_BAD_SIGNATURE,	/* not signed by this network's CA */
	CERT_NOT_YET_VALID,
	CERT_EXPIRED,
	CERT_WRONG_ADDRESS,	/* issued for another address than the sender's */
	CERT_REVOKED,		/* (the caller's store decides; named here for messages) */
	CERT_VERDICT__COUNT,
};
const char *cert_verdict_name(enum cert_verdict v);
/*
 * Is c this network's (signed by ca), valid at now (unix seconds), for
 * address id? Revocation is the caller's question (cert_revoked).
 */
enum cert_verdict cert_check(const struct cert *c, const uint8_t ca[CERT_KEY_LEN], uint64_t now,
			     const struct addr *id, cert_verify_fn verify, void *arg);
/* May c's holder announce dst (inside one of its routes)? */
bool cert_allows_route(const struct cert *c, const struct prefix *dst);

int revocation_encode(uint8_t *out, size_t cap, const struct revocation *r);
/* Syntax: version, flags (at least one of serial and name), serial not 0 if given. */
int revocation_decode(const uint8_t *buf, size_t len, struct revocation *r);
int revocation_signed_bytes(const struct revocation *r, uint8_t *out, size_t cap);
int revocation_sign(struct revocation *r, cert_sign_fn sign, void *arg);
bool revocation_verify(const struct revocation *r, const uint8_t ca[CERT_KEY_LEN],
		       cert_verify_fn verify, void *arg);
/* Does r revoke c (every field r names matches)? */
bool revocation_matches(const struct revocation *r, const struct cert *c);
/* The same revocation (for sets): same flags, serial and name. */
bool revocation_same(const struct revocation *a, const struct revocation *b);

#endif
