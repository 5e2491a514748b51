/* Stateless challenges; see cookie.h for the model. */
#include "core/cookie.h"

#include <string.h>

#define T_BITS 24
#define T_MASK ((1u << T_BITS) - 1)
#define MAC_BITS 40
#define MAC_MASK ((1ull << MAC_BITS) - 1)

static uint64_t mac40(const struct cookie_key *k, const struct addr *id,
		      const struct endpoint *ep, uint32_t t24)
{
	uint8_t in[16 + 16 + 2 + 3];

	memcpy(in, id->b, 16);
	memcpy(in + 16, ep->addr.b, 16);
	in[32] = (uint8_t)(ep->port >> 8);
	in[33] = (uint8_t)ep->port;
	in[34] = (uint8_t)(t24 >> 16);
	in[35] = (uint8_t)(t24 >> 8);
	in[36] = (uint8_t)t24;
	/* never 0, so that the challenge is never 0 ("none" on the wire) */
	return (k->mac(k->arg, in, sizeof(in)) & MAC_MASK) | 1;
}

uint64_t cookie_make(const struct cookie_key *k, const struct addr *id,
		     const struct endpoint *ep, uint64_t now)
{
	uint32_t t24 = (uint32_t)(now & T_MASK);

	return (uint64_t)t24 << MAC_BITS | mac40(k, id, ep, t24);
}

bool cookie_check(const struct cookie_key *k, uint64_t echo, const struct addr *id,
		  const struct endpoint *ep, uint64_t now, uint32_t *age_ms)
{
	uint32_t t24 = (uint32_t)(echo >> MAC_BITS) & T_MASK;
	uint32_t age = ((uint32_t)(now & T_MASK) - t24) & T_MASK;

	if (age > COOKIE_VALID_MS)
		return false;
	if ((echo & MAC_MASK) != mac40(k, id, ep, t24))
		return false;
	if (age_ms)
		*age_ms = age;
	return true;
}
