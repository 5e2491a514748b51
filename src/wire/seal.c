/*
 * Sealing admin datagrams; see seal.h for the layout and docs/PROTOCOL.md
 * for the derivation. Checks run cheapest first (length, magic, version)
 * so that junk on the admin port costs no cryptography; every secret and
 * every plaintext scratch buffer is wiped on every path.
 */
#include "wire/seal.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

_Static_assert(SEAL_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(SEAL_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");
_Static_assert(SEAL_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");
_Static_assert(SEAL_KEY_LEN == crypto_kdf_KEYBYTES, "kdf key size");
_Static_assert(SEAL_KEY_B64_LEN ==
	       sodium_base64_ENCODED_LEN(SEAL_KEY_LEN, sodium_base64_VARIANT_ORIGINAL),
	       "base64 size");

#define SEAL_MAGIC0 'W'
#define SEAL_MAGIC1 'N'
#define SEAL_AD_LEN (SEAL_HEADER_LEN + SEAL_NONCE_LEN)

/*
 * crypto_kdf context and subkey id of the admin-packet key. Another use of
 * sharedKey must take another id (or context), never this one.
 */
static const char seal_kdf_ctx[crypto_kdf_CONTEXTBYTES + 1] = "wgnm-adm";
#define SEAL_KDF_ID_ADMIN 1

int seal_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int seal_key_derive(struct seal_key *key, const uint8_t shared[SEAL_KEY_LEN])
{
	if (seal_init() < 0)
		return -EIO;
	if (crypto_kdf_derive_from_key(key->k, sizeof(key->k), SEAL_KDF_ID_ADMIN,
				       seal_kdf_ctx, shared) != 0) {
		sodium_memzero(key->k, sizeof(key->k));
		return -EIO;
	}
	return 0;
}

void seal_key_wipe(struct seal_key *key)
{
	sodium_memzero(key->k, sizeof(key->k));
}

int seal_packet(uint8_t *out, size_t cap, const struct seal_key *key,
		const uint8_t *body, size_t len)
{
	unsigned long long clen = 0;

	if (len > SEAL_MAX_BODY)
		return -EMSGSIZE;
	if (cap < len + SEAL_OVERHEAD)
		return -ENOSPC;
	out[0] = SEAL_MAGIC0;
	out[1] = SEAL_MAGIC1;
	out[2] = WIRE_VERSION;
	out[3] = 0;
	randombytes_buf(out + SEAL_HEADER_LEN, SEAL_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_AD_LEN, &clen, body, len,
						       out, SEAL_AD_LEN, NULL,
						       out + SEAL_HEADER_LEN, key->k) != 0)
		return -EIO;
	return (int)(SEAL_AD_LEN + clen);
}

int seal_open(uint8_t *body_out, size_t cap, const struct seal_key *key,
	      const uint8_t *pkt, size_t len, enum wire_drop *why)
{
	unsigned long long mlen = 0;
	size_t blen;

	if (len > WIRE_MAX_PACKET) {
		*why = WIRE_DROP_OVERSIZE;
		return -EMSGSIZE;
	}
	if (len < SEAL_OVERHEAD) {
		*why = WIRE_DROP_SHORT;
		return -EMSGSIZE;
	}
	if (pkt[0] != SEAL_MAGIC0 || pkt[1] != SEAL_MAGIC1) {
		*why = WIRE_DROP_BAD_MAGIC;
		return -EPROTO;
	}
	/* The reserved byte is part of the header format: a sender that sets
	 * it speaks a format we do not know, as with a newer version. */
	if (pkt[2] != WIRE_VERSION || pkt[3] != 0) {
		*why = WIRE_DROP_BAD_VERSION;
		return -EPROTO;
	}
	blen = len - SEAL_OVERHEAD;
	if (cap < blen) {
		*why = WIRE_DROP_OVERSIZE;
		return -ENOSPC;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(body_out, &mlen, NULL,
						       pkt + SEAL_AD_LEN, len - SEAL_AD_LEN,
						       pkt, SEAL_AD_LEN,
						       pkt + SEAL_HEADER_LEN, key->k) != 0) {
		sodium_memzero(body_out, blen);
		*why = WIRE_DROP_OPEN_FAILED;
		return -EBADMSG;
	}
	return (int)mlen;
}

int seal_open_decode(const struct seal_key *key, const uint8_t *pkt, size_t len,
		     struct wire_msg *m, enum wire_drop *why)
{
	uint8_t body[SEAL_MAX_BODY];
	int n, rc;

	n = seal_open(body, sizeof(body), key, pkt, len, why);
	if (n < 0) {
		rc = n;
		goto out;
	}
	rc = wire_decode(body, (size_t)n, m, why);
out:
	sodium_memzero(body, sizeof(body));
	return rc;
}

int seal_open_decode_either(const struct seal_key *key, const struct seal_key *prev,
			    const uint8_t *pkt, size_t len, struct wire_msg *m,
			    enum wire_drop *why, bool *with_prev)
{
	int rc = seal_open_decode(key, pkt, len, m, why);

	*with_prev = false;
	if (rc >= 0 || !prev || *why != WIRE_DROP_OPEN_FAILED)
		return rc;
	/* opened by the previous key but undecodable: the decoder's reason */
	rc = seal_open_decode(prev, pkt, len, m, why);
	*with_prev = rc >= 0;
	return rc;
}

int seal_encode(uint8_t *out, size_t cap, const struct seal_key *key, const struct wire_msg *m)
{
	uint8_t body[SEAL_MAX_BODY];
	int n;

	n = wire_encode(body, sizeof(body), m);
	if (n >= 0)
		n = seal_packet(out, cap, key, body, (size_t)n);
	sodium_memzero(body, sizeof(body));
	return n;
}

int seal_key_from_base64(uint8_t out[SEAL_KEY_LEN], const char *b64)
{
	/* One spare byte: a longer input must fail on length, not be cut. */
	uint8_t tmp[SEAL_KEY_LEN + 1];
	size_t b64_len, bin_len = 0;
	const char *end = NULL;
	int rc = -EINVAL;

	b64_len = strnlen(b64, SEAL_KEY_B64_LEN + 1);
	if (b64_len != SEAL_KEY_B64_LEN - 1)
		goto out;
	if (sodium_base642bin(tmp, sizeof(tmp), b64, b64_len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		goto out;
	if (end != b64 + b64_len || bin_len != SEAL_KEY_LEN)
		goto out;
	memcpy(out, tmp, SEAL_KEY_LEN);
	rc = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return rc;
}

void seal_key_to_base64(char out[SEAL_KEY_B64_LEN], const uint8_t key[SEAL_KEY_LEN])
{
	sodium_bin2base64(out, SEAL_KEY_B64_LEN, key, SEAL_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}
