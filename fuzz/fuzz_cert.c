/*
 * libFuzzer target: the certificate and revocation decoders (wire/cert.c).
 * The first byte chooses which; the rest is the encoding.
 *
 * Properties beyond "no crash": the encodings are canonical (what decodes
 * re-encodes to the same bytes, and decodes again to the same struct),
 * and the checks run on whatever decodes without reading out of bounds:
 * cert_check with a verifier that accepts everything (so the validity and
 * address checks are reached) and one that refuses everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool yes(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg, size_t len,
		const uint8_t sig[CERT_SIG_LEN])
{
	(void)arg, (void)key, (void)msg, (void)len, (void)sig;
	return true;
}

static bool no(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg, size_t len,
	       const uint8_t sig[CERT_SIG_LEN])
{
	(void)arg, (void)key, (void)msg, (void)len, (void)sig;
	return false;
}

static void cert_case(const uint8_t *data, size_t size)
{
	static const uint8_t ca[CERT_KEY_LEN];
	uint8_t out[CERT_MAX_LEN];
	struct cert c, c2;
	struct prefix p;
	int n;

	if (cert_decode(data, size, &c) != 0)
		return;
	n = cert_encode(out, sizeof(out), &c);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	if (cert_decode(out, (size_t)n, &c2) != 0 || memcmp(&c, &c2, sizeof(c)) != 0)
		abort();
	if (cert_check(&c, ca, c.not_before, &c.addr, yes, NULL) != CERT_OK)
		abort(); /* valid at its start, for its address */
	if (cert_check(&c, ca, c.not_after, NULL, yes, NULL) != CERT_EXPIRED)
		abort();
	if (cert_check(&c, ca, c.not_before, &c.addr, no, NULL) != CERT_BAD_SIGNATURE)
		abort();
	p = c.n_routes ? c.routes[0] : (struct prefix){ c.addr, 0 };
	(void)cert_allows_route(&c, &p);
}

static void revocation_case(const uint8_t *data, size_t size)
{
	static const uint8_t ca[CERT_KEY_LEN];
	uint8_t out[REVOKE_MAX_LEN];
	struct revocation r, r2;
	int n;

	if (revocation_decode(data, size, &r) != 0)
		return;
	n = revocation_encode(out, sizeof(out), &r);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	if (revocation_decode(out, (size_t)n, &r2) != 0 || !revocation_same(&r, &r2))
		abort();
	if (revocation_verify(&r, ca, no, NULL) || !revocation_verify(&r, ca, yes, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		revocation_case(data + 1, size - 1);
	else
		cert_case(data + 1, size - 1);
	return 0;
}
