/* Certificates and revocations; see cert.h. */
#include "wire/cert.h"

#include <errno.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/fields.h"
#include "wire/wire.h"

#define CERT_BODY_MAX (CERT_MAX_LEN - CERT_SIG_LEN)
#define REVOKE_BODY_MAX (REVOKE_MAX_LEN - CERT_SIG_LEN)

static const char *const verdict_names[CERT_VERDICT__COUNT] = {
	[CERT_OK] = "valid",
	[CERT_BAD_SIGNATURE] = "not signed by this network's CA",
	[CERT_NOT_YET_VALID] = "not valid yet",
	[CERT_EXPIRED] = "expired",
	[CERT_WRONG_ADDRESS] = "issued for another address",
	[CERT_REVOKED] = "revoked",
};

const char *cert_verdict_name(enum cert_verdict v)
{
	return (unsigned)v < CERT_VERDICT__COUNT ? verdict_names[v] : "?";
}

/* ---- certificates ---- */

static bool routes_ok(const struct cert *c)
{
	if (c->n_routes > CERT_MAX_ROUTES)
		return false;
	for (unsigned i = 0; i < c->n_routes; i++) {
		if (!prefix_valid(&c->routes[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (prefix_eq(&c->routes[i], &c->routes[j]))
				return false;
	}
	return true;
}

static bool cert_valid(const struct cert *c)
{
	return !(c->flags & ~CERT_FLAG_EXIT) && c->serial != 0 && c->not_before < c->not_after &&
	       wire_name_valid(c->name) && !addr_unspecified(&c->addr) && routes_ok(c);
}

static void put_cert_body(struct buf_writer *w, const struct cert *c)
{
	buf_put_u8(w, CERT_VERSION);
	buf_put_u8(w, c->flags);
	buf_put_u64(w, c->serial);
	buf_put_u64(w, c->not_before);
	buf_put_u64(w, c->not_after);
	buf_put_bytes(w, c->identity, CERT_KEY_LEN);
	wire_put_addr(w, &c->addr);
	wire_put_name(w, c->name);
	buf_put_u8(w, c->n_routes);
	for (unsigned i = 0; i < c->n_routes; i++)
		wire_put_prefix(w, &c->routes[i]);
}

int cert_encode(uint8_t *out, size_t cap, const struct cert *c)
{
	struct buf_writer w;

	if (!cert_valid(c))
		return -EINVAL;
	buf_writer_init(&w, out, cap);
	put_cert_body(&w, c);
	buf_put_bytes(&w, c->sig, CERT_SIG_LEN);
	return w.err ? -ENOSPC : (int)w.off;
}

int cert_decode(const uint8_t *buf, size_t len, struct cert *c)
{
	struct buf_reader r;

	memset(c, 0, sizeof(*c));
	buf_reader_init(&r, buf, len);
	if (buf_get_u8(&r) != CERT_VERSION)
		return -EBADMSG;
	c->flags = buf_get_u8(&r);
	c->serial = buf_get_u64(&r);
	c->not_before = buf_get_u64(&r);
	c->not_after = buf_get_u64(&r);
	buf_get_bytes(&r, c->identity, CERT_KEY_LEN);
	wire_get_addr(&r, &c->addr);
	wire_get_name(&r, c->name);
	c->n_routes = buf_get_u8(&r);
	if (c->n_routes > CERT_MAX_ROUTES)
		return -EBADMSG;
	for (unsigned i = 0; i < c->n_routes; i++)
		wire_get_prefix(&r, &c->routes[i]);
	buf_get_bytes(&r, c->sig, CERT_SIG_LEN);
	if (!buf_done(&r) || !cert_valid(c)) {
		memset(c, 0, sizeof(*c));
		return -EBADMSG;
	}
	return 0;
}

/* domain || body: what a signature covers. */
static int signed_bytes(const char *domain, const void *obj, void (*put)(struct buf_writer *, const void *),
			uint8_t *out, size_t cap)
{
	struct buf_writer w;
	size_t d = strlen(domain);

	buf_writer_init(&w, out, cap);
	buf_put_bytes(&w, domain, d);
	put(&w, obj);
	return w.err ? -ENOSPC : (int)w.off;
}

static void put_cert_body_v(struct buf_writer *w, const void *c)
{
	put_cert_body(w, c);
}

int cert_signed_bytes(const struct cert *c, uint8_t *out, size_t cap)
{
	if (!cert_valid(c))
		return -EINVAL;
	return signed_bytes(CERT_DOMAIN, c, put_cert_body_v, out, cap);
}

int cert_sign(struct cert *c, cert_sign_fn sign, void *arg)
{
	uint8_t msg[sizeof(CERT_DOMAIN) + CERT_BODY_MAX];
	int n = cert_signed_bytes(c, msg, sizeof(msg));

	if (n < 0)
		return n;
	sign(arg, msg, (size_t)n, c->sig);
	return 0;
}

enum cert_verdict cert_check(const struct cert *c, const uint8_t ca[CERT_KEY_LEN], uint64_t now,
			     const struct addr *id, cert_verify_fn verify, void *arg)
{
	uint8_t msg[sizeof(CERT_DOMAIN) + CERT_BODY_MAX];
	int n = cert_signed_bytes(c, msg, sizeof(msg));

	if (n < 0 || !verify(arg, ca, msg, (size_t)n, c->sig))
		return CERT_BAD_SIGNATURE;
	if (now < c->not_before)
		return CERT_NOT_YET_VALID;
	if (now >= c->not_after)
		return CERT_EXPIRED;
	if (id && !addr_eq(id, &c->addr))
		return CERT_WRONG_ADDRESS;
	return CERT_OK;
}

bool cert_allows_route(const struct cert *c, const struct prefix *dst)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		if (c->routes[i].len <= dst->len && prefix_contains(&c->routes[i], &dst->addr))
			return true;
	return false;
}

/* ---- revocations ---- */

static bool revocation_valid(const struct revocation *r)
{
	if (r->flags & ~(REVOKE_FLAG_SERIAL | REVOKE_FLAG_NAME) || !r->flags)
		return false;
	if ((r->flags & REVOKE_FLAG_SERIAL) && r->serial == 0)
		return false;
	if (!(r->flags & REVOKE_FLAG_SERIAL) && r->serial != 0)
		return false;
	if (r->flags & REVOKE_FLAG_NAME)
		return wire_name_valid(r->name);
	return r->name[0] == '\0';
}

static void put_revocation_body(struct buf_writer *w, const void *obj)
{
	const struct revocation *r = obj;

	buf_put_u8(w, CERT_VERSION);
	buf_put_u8(w, r->flags);
	if (r->flags & REVOKE_FLAG_SERIAL)
		buf_put_u64(w, r->serial);
	if (r->flags & REVOKE_FLAG_NAME)
		wire_put_name(w, r->name);
	buf_put_u64(w, r->issued);
}

int revocation_encode(uint8_t *out, size_t cap, const struct revocation *r)
{
	struct buf_writer w;

	if (!revocation_valid(r))
		return -EINVAL;
	buf_writer_init(&w, out, cap);
	put_revocation_body(&w, r);
	buf_put_bytes(&w, r->sig, CERT_SIG_LEN);
	return w.err ? -ENOSPC : (int)w.off;
}

int revocation_decode(const uint8_t *buf, size_t len, struct revocation *r)
{
	struct buf_reader rd;

	memset(r, 0, sizeof(*r));
	buf_reader_init(&rd, buf, len);
	if (buf_get_u8(&rd) != CERT_VERSION)
		return -EBADMSG;
	r->flags = buf_get_u8(&rd);
	if (r->flags & REVOKE_FLAG_SERIAL)
		r->serial = buf_get_u64(&rd);
	if (r->flags & REVOKE_FLAG_NAME)
		wire_get_name(&rd, r->name);
	r->issued = buf_get_u64(&rd);
	buf_get_bytes(&rd, r->sig, CERT_SIG_LEN);
	if (!buf_done(&rd) || !revocation_valid(r)) {
		memset(r, 0, sizeof(*r));
		return -EBADMSG;
	}
	return 0;
}

int revocation_signed_bytes(const struct revocation *r, uint8_t *out, size_t cap)
{
	if (!revocation_valid(r))
		return -EINVAL;
	return signed_bytes(REVOKE_DOMAIN, r, put_revocation_body, out, cap);
}

int revocation_sign(struct revocation *r, cert_sign_fn sign, void *arg)
{
	uint8_t msg[sizeof(REVOKE_DOMAIN) + REVOKE_BODY_MAX];
	int n = revocation_signed_bytes(r, msg, sizeof(msg));

	if (n < 0)
		return n;
	sign(arg, msg, (size_t)n, r->sig);
	return 0;
}

bool revocation_verify(const struct revocation *r, const uint8_t ca[CERT_KEY_LEN],
		       cert_verify_fn verify, void *arg)
{
	uint8_t msg[sizeof(REVOKE_DOMAIN) + REVOKE_BODY_MAX];
	int n = revocation_signed_bytes(r, msg, sizeof(msg));

	return n >= 0 && verify(arg, ca, msg, (size_t)n, r->sig);
}

bool revocation_matches(const struct revocation *r, const struct cert *c)
{
	if ((r->flags & REVOKE_FLAG_SERIAL) && r->serial != c->serial)
		return false;
	if ((r->flags & REVOKE_FLAG_NAME) && strcmp(r->name, c->name) != 0)
		return false;
	return r->flags != 0;
}

bool revocation_same(const struct revocation *a, const struct revocation *b)
{
	return a->flags == b->flags && a->serial == b->serial && strcmp(a->name, b->name) == 0;
}
