/*
 * Admin message bodies: encode and decode (layout in docs/PROTOCOL.md).
 *
 * Model: a body is a fixed sequence of big-endian fields, with explicit
 * counts and presence bits (HAS_*) instead of sentinels, addresses as a
 * family byte plus 4 or 16 bytes. The encoding is canonical: every valid
 * message has exactly one byte form, so decode(encode(m)) == m and
 * encode(decode(b)) == b (fuzz/fuzz_wire.c checks both).
 *
 * Decoding runs in two stages, as wireguard-tools' config parsing does:
 * the structural pass reads through a bounded cursor into a scratch
 * message (checking every count against its array before using it, and
 * that no byte is left over), then msg_valid() checks the values. Only a
 * message that passes both is copied out, so a caller never sees a
 * half-parsed message. wire_encode runs the same msg_valid() first, so the
 * two sides agree on what is valid and the core cannot emit a packet its
 * peers would drop.
 */
#include "wire/wire.h"

#include <errno.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/cert.h"
#include "wire/fields.h"

#define HELLO_KNOWN_HAS                                                                      \
	(WIRE_HELLO_HAS_OBSERVED | WIRE_HELLO_HAS_ECHO | WIRE_HELLO_LAN | WIRE_HELLO_HAS_TO |   \
	 WIRE_HELLO_HAS_PEER_BOOT | WIRE_HELLO_HAS_HELD_BOOT | WIRE_HELLO_HAS_CERT |            \
	 WIRE_HELLO_HAS_PROOF)
#define RECORD_KNOWN_HAS (WIRE_RECORD_HAS_REFLEXIVE | WIRE_RECORD_HAS_ROUTES | WIRE_RECORD_HAS_SIG)
#define PING_KNOWN_HAS (WIRE_PING_HAS_OBSERVED_WG | WIRE_PING_HAS_DB | WIRE_PING_HAS_REVOKED)

static const char *const drop_names[WIRE_DROP__COUNT] = {
	[WIRE_DROP_SHORT] = "short",
	[WIRE_DROP_OVERSIZE] = "oversize",
	[WIRE_DROP_BAD_MAGIC] = "bad-magic",
	[WIRE_DROP_BAD_VERSION] = "bad-version",
	[WIRE_DROP_OPEN_FAILED] = "open-failed",
	[WIRE_DROP_MALFORMED] = "malformed",
	[WIRE_DROP_UNKNOWN_TYPE] = "unknown-type",
	[WIRE_DROP_REPLAY] = "replay",
	[WIRE_DROP_OLD_BOOT] = "old-boot",
	[WIRE_DROP_UNCONFIRMED] = "unconfirmed",
	[WIRE_DROP_REFUSED] = "refused",
	[WIRE_DROP_SELF] = "self",
};

const char *wire_drop_name(enum wire_drop d)
{
	if ((unsigned)d >= WIRE_DROP__COUNT || !drop_names[d])
		return "unknown";
	return drop_names[d];
}

/* --- value checks shared by encode and decode ----------------------- */

/* :: and 0.0.0.0 name no node and no endpoint; optional ones use HAS_*. */

/* Inlined: the duplicate checks of a full record compare ~500 pairs. */
static inline bool same_addr(const struct addr *a, const struct addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static bool endpoint_valid(const struct endpoint *e)
{
	return endpoint_sendable(e);
}

static bool header_valid(const struct wire_header *h)
{
	return !addr_unspecified(&h->sender) && h->boot != 0 && h->counter != 0;
}

static bool hello_valid(const struct wire_msg *m)
{
	const struct wire_hello *h = &m->u.hello;

	if (h->has & ~HELLO_KNOWN_HAS || h->flags & ~WIRE_NODE_KNOWN_FLAGS)
		return false;
	if (!wire_name_valid(h->name) || h->wg_port == 0 || h->admin_port == 0)
		return false;
	if ((h->has & WIRE_HELLO_HAS_OBSERVED) && !endpoint_valid(&h->observed))
		return false;
	/* a LAN hello goes to a broadcast address; every other names its target */
	if (!(h->has & WIRE_HELLO_LAN) != !!(h->has & WIRE_HELLO_HAS_TO))
		return false;
	if ((h->has & WIRE_HELLO_HAS_TO) && !endpoint_valid(&h->to))
		return false;
	if ((h->has & WIRE_HELLO_HAS_PEER_BOOT) && h->peer_boot == 0)
		return false;
	if ((h->has & WIRE_HELLO_HAS_HELD_BOOT) && h->held_boot == 0)
		return false;
	/* a proof answers a challenge, with the certificate it proves */
	if ((h->has & WIRE_HELLO_HAS_PROOF) &&
	    (!(h->has & WIRE_HELLO_HAS_ECHO) || !(h->has & WIRE_HELLO_HAS_CERT)))
		return false;
	if (h->has & WIRE_HELLO_HAS_CERT) {
		uint8_t tmp[CERT_MAX_LEN];
		if (cert_encode(tmp, sizeof(tmp), &h->cert) < 0)
			return false;
	}
	return true;
}

static unsigned part_slice(uint16_t total, unsigned idx)
{
	unsigned first = idx * WIRE_NEIGH_PER_PART;

	if (first >= total)
		return 0;
	return total - first < WIRE_NEIGH_PER_PART ? total - first : WIRE_NEIGH_PER_PART;
}

static bool neighbours_valid(const struct wire_record *rec)
{
	for (unsigned i = 0; i < rec->n_neighbours; i++) {
		const struct wire_neighbour *nb = &rec->neighbours[i];

		if (addr_unspecified(&nb->id) || same_addr(&nb->id, &rec->id))
			return false;
		if (nb->kind < WIRE_PATH_DIRECT || nb->kind > WIRE_PATH_NAT || nb->cost == 0)
			return false;
		/* A repeated edge would be counted twice by SPF. 32 entries: O(n^2) is fine. */
		for (unsigned j = 0; j < i; j++)
			if (same_addr(&nb->id, &rec->neighbours[j].id))
				return false;
	}
	return true;
}

/*
 * Routes: present (the has bit) exactly when there are some, each in
 * canonical form (no host bits) and none twice. Whether a route is
 * acceptable is the receiver's policy, not the wire's.
 */
static bool routes_valid(const struct wire_record *rec)
{
	if (((rec->has & WIRE_RECORD_HAS_ROUTES) != 0) != (rec->n_routes != 0))
		return false;
	if (rec->n_routes > WIRE_MAX_ROUTES)
		return false;
	for (unsigned i = 0; i < rec->n_routes; i++) {
		if (!prefix_valid(&rec->routes[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (prefix_eq(&rec->routes[i], &rec->routes[j]))
				return false;
	}
	return true;
}

static bool record_valid(const struct wire_msg *m)
{
	const struct wire_record *rec = &m->u.record;

	if (rec->has & ~RECORD_KNOWN_HAS || rec->flags & ~WIRE_NODE_KNOWN_FLAGS)
		return false;
	if (!wire_name_valid(rec->name) || addr_unspecified(&rec->id) || rec->boot == 0)
		return false;
	if (rec->wg_port == 0 || rec->admin_port == 0)
		return false;
	if (rec->n_local > WIRE_MAX_LOCAL_ADDRS)
		return false;
	for (unsigned i = 0; i < rec->n_local; i++) {
		if (addr_unspecified(&rec->local[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (same_addr(&rec->local[i], &rec->local[j]))
				return false;
	}
	if ((rec->has & WIRE_RECORD_HAS_REFLEXIVE) && !endpoint_valid(&rec->reflexive))
		return false;
	if (!routes_valid(rec))
		return false;
	/* Every part states the same split; the slice size follows from it. */
	if (rec->total_neighbours > WIRE_MAX_NEIGHBOURS)
		return false;
	if (rec->parts != wire_record_part_count(rec->total_neighbours) || rec->part >= rec->parts)
		return false;
	if (rec->n_neighbours > WIRE_NEIGH_PER_PART ||
	    rec->n_neighbours != part_slice(rec->total_neighbours, rec->part))
		return false;
	return neighbours_valid(rec);
}

static bool digest_valid(const struct wire_msg *m)
{
	const struct wire_digest *d = &m->u.digest;

	if (d->n > WIRE_DIGEST_MAX)
		return false;
	for (unsigned i = 0; i < d->n; i++)
		if (addr_unspecified(&d->entries[i].id) || d->entries[i].boot == 0)
			return false;
	return true;
}

static bool leave_valid(const struct wire_msg *m)
{
	return m->u.leave.reason == WIRE_LEAVE_SHUTDOWN || m->u.leave.reason == WIRE_LEAVE_RESTART;
}

static bool ping_valid(const struct wire_msg *m)
{
	const struct wire_ping *p = &m->u.ping;

	if (p->has & ~PING_KNOWN_HAS)
		return false;
	return !(p->has & WIRE_PING_HAS_OBSERVED_WG) || endpoint_valid(&p->observed_wg);
}

/* --- per-type bodies ------------------------------------------------ */

/* A certificate inside a message: its length (u16), then cert_encode's bytes. */
static void put_cert(struct buf_writer *w, const struct cert *c)
{
	uint8_t tmp[CERT_MAX_LEN];
	int n = cert_encode(tmp, sizeof(tmp), c);

	if (n < 0) {
		w->err = true; /* hello_valid / cert_valid refused it before: not reached */
		return;
	}
	buf_put_u16(w, (uint16_t)n);
	buf_put_bytes(w, tmp, (size_t)n);
}

static void get_cert(struct buf_reader *r, struct cert *c)
{
	size_t n = buf_get_u16(r);
	const uint8_t *p = n <= CERT_MAX_LEN ? buf_take(r, n) : NULL;

	if (!p || cert_decode(p, n, c) < 0)
		r->err = true;
}

static void put_revocation(struct buf_writer *w, const struct revocation *rv)
{
	uint8_t tmp[REVOKE_MAX_LEN];
	int n = revocation_encode(tmp, sizeof(tmp), rv);

	if (n < 0) {
		w->err = true;
		return;
	}
	buf_put_u16(w, (uint16_t)n);
	buf_put_bytes(w, tmp, (size_t)n);
}

static void get_revocation(struct buf_reader *r, struct revocation *rv)
{
	size_t n = buf_get_u16(r);
	const uint8_t *p = n <= REVOKE_MAX_LEN ? buf_take(r, n) : NULL;

	if (!p || revocation_decode(p, n, rv) < 0)
		r->err = true;
}

static void put_hello(struct buf_writer *w, const struct wire_msg *m)
{
	const struct wire_hello *h = &m->u.hello;

	buf_put_u8(w, (uint8_t)h->has);
	wire_put_name(w, h->name);
	buf_put_u16(w, h->wg_port);
	buf_put_u16(w, h->admin_port);
	buf_put_u16(w, (uint16_t)h->flags);
	buf_put_bytes(w, h->pubkey, WIRE_KEY_LEN);
	if (h->has & WIRE_HELLO_HAS_TO)
		wire_put_endpoint(w, &h->to);
	if (h->has & WIRE_HELLO_HAS_OBSERVED)
		wire_put_endpoint(w, &h->observed);
	buf_put_u64(w, h->challenge);
	if (h->has & WIRE_HELLO_HAS_ECHO)
		buf_put_u64(w, h->echo);
	if (h->has & WIRE_HELLO_HAS_PEER_BOOT)
		buf_put_u64(w, h->peer_boot);
	if (h->has & WIRE_HELLO_HAS_HELD_BOOT)
		buf_put_u64(w, h->held_boot);
	buf_put_u64(w, h->record_seq);
	if (h->has & WIRE_HELLO_HAS_CERT)
		put_cert(w, &h->cert);
	if (h->has & WIRE_HELLO_HAS_PROOF)
		buf_put_bytes(w, h->proof, CERT_SIG_LEN);
}

static void get_hello(struct buf_reader *r, struct wire_msg *m)
{
	struct wire_hello *h = &m->u.hello;

	h->has = buf_get_u8(r);
	wire_get_name(r, h->name);
	h->wg_port = buf_get_u16(r);
	h->admin_port = buf_get_u16(r);
	h->flags = buf_get_u16(r);
	buf_get_bytes(r, h->pubkey, WIRE_KEY_LEN);
	if (h->has & WIRE_HELLO_HAS_TO)
		wire_get_endpoint(r, &h->to);
	if (h->has & WIRE_HELLO_HAS_OBSERVED)
		wire_get_endpoint(r, &h->observed);
	h->challenge = buf_get_u64(r);
	if (h->has & WIRE_HELLO_HAS_ECHO)
		h->echo = buf_get_u64(r);
	if (h->has & WIRE_HELLO_HAS_PEER_BOOT)
		h->peer_boot = buf_get_u64(r);
	if (h->has & WIRE_HELLO_HAS_HELD_BOOT)
		h->held_boot = buf_get_u64(r);
	h->record_seq = buf_get_u64(r);
	if (h->has & WIRE_HELLO_HAS_CERT)
		get_cert(r, &h->cert);
	if (h->has & WIRE_HELLO_HAS_PROOF)
		buf_get_bytes(r, h->proof, CERT_SIG_LEN);
}

/* The fields every part repeats, up to the neighbour count. */
static void put_record_fixed(struct buf_writer *w, const struct wire_record *rec)
{
	buf_put_u8(w, (uint8_t)rec->has);
	wire_put_name(w, rec->name);
	wire_put_addr(w, &rec->id);
	buf_put_u64(w, rec->boot);
	buf_put_u64(w, rec->seq);
	buf_put_bytes(w, rec->pubkey, WIRE_KEY_LEN);
	buf_put_u16(w, rec->wg_port);
	buf_put_u16(w, rec->admin_port);
	buf_put_u16(w, (uint16_t)rec->flags);
	buf_put_u8(w, rec->n_local);
	for (unsigned i = 0; i < rec->n_local; i++)
		wire_put_addr(w, &rec->local[i]);
	if (rec->has & WIRE_RECORD_HAS_REFLEXIVE)
		wire_put_endpoint(w, &rec->reflexive);
	if (rec->has & WIRE_RECORD_HAS_ROUTES) {
		buf_put_u8(w, rec->n_routes);
		for (unsigned i = 0; i < rec->n_routes; i++)
			wire_put_prefix(w, &rec->routes[i]);
	}
	if (rec->has & WIRE_RECORD_HAS_SIG)
		buf_put_u64(w, rec->cert_serial);
	buf_put_u16(w, rec->total_neighbours);
}

static void put_neighbours(struct buf_writer *w, const struct wire_neighbour *n, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		wire_put_addr(w, &n[i].id);
		buf_put_u8(w, n[i].kind);
		buf_put_u16(w, n[i].cost);
	}
}

static void put_record(struct buf_writer *w, const struct wire_msg *m)
{
	const struct wire_record *rec = &m->u.record;

	put_record_fixed(w, rec);
	buf_put_u8(w, rec->part);
	buf_put_u8(w, rec->parts);
	buf_put_u8(w, rec->n_neighbours);
	put_neighbours(w, rec->neighbours, rec->n_neighbours);
	if (rec->has & WIRE_RECORD_HAS_SIG)
		buf_put_bytes(w, rec->sig, CERT_SIG_LEN);
}

int wire_record_signed_bytes(const struct wire_record *fixed, const struct wire_neighbour *all,
			     uint16_t total, uint8_t *out, size_t cap)
{
	static const char domain[] = "wgnm-record-1";
	struct wire_record f = *fixed;
	struct buf_writer w;

	f.has |= WIRE_RECORD_HAS_SIG;
	f.total_neighbours = total;
	buf_writer_init(&w, out, cap);
	buf_put_bytes(&w, domain, sizeof(domain) - 1);
	put_record_fixed(&w, &f);
	put_neighbours(&w, all, total);
	return w.err ? -ENOSPC : (int)w.off;
}

int wire_hello_proof_bytes(const struct wire_header *h, const struct wire_hello *hello,
			   const struct addr *receiver, uint8_t *out, size_t cap)
{
	static const char domain[] = "wgnm-hello-1";
	struct buf_writer w;

	buf_writer_init(&w, out, cap);
	buf_put_bytes(&w, domain, sizeof(domain) - 1);
	wire_put_addr(&w, &h->sender);
	buf_put_u64(&w, h->boot);
	buf_put_u64(&w, hello->echo);
	buf_put_bytes(&w, hello->pubkey, WIRE_KEY_LEN);
	wire_put_addr(&w, receiver);
	return w.err ? -ENOSPC : (int)w.off;
}

static void get_record(struct buf_reader *r, struct wire_msg *m)
{
	struct wire_record *rec = &m->u.record;

	rec->has = buf_get_u8(r);
	wire_get_name(r, rec->name);
	wire_get_addr(r, &rec->id);
	rec->boot = buf_get_u64(r);
	rec->seq = buf_get_u64(r);
	buf_get_bytes(r, rec->pubkey, WIRE_KEY_LEN);
	rec->wg_port = buf_get_u16(r);
	rec->admin_port = buf_get_u16(r);
	rec->flags = buf_get_u16(r);
	rec->n_local = buf_get_u8(r);
	if (rec->n_local > WIRE_MAX_LOCAL_ADDRS) {
		r->err = true;
		return;
	}
	for (unsigned i = 0; i < rec->n_local; i++)
		wire_get_addr(r, &rec->local[i]);
	if (rec->has & WIRE_RECORD_HAS_REFLEXIVE)
		wire_get_endpoint(r, &rec->reflexive);
	if (rec->has & WIRE_RECORD_HAS_ROUTES) {
		rec->n_routes = buf_get_u8(r);
		if (rec->n_routes > WIRE_MAX_ROUTES) {
			r->err = true;
			return;
		}
		for (unsigned i = 0; i < rec->n_routes; i++)
			wire_get_prefix(r, &rec->routes[i]);
	}
	if (rec->has & WIRE_RECORD_HAS_SIG)
		rec->cert_serial = buf_get_u64(r);
	rec->total_neighbours = buf_get_u16(r);
	rec->part = buf_get_u8(r);
	rec->parts = buf_get_u8(r);
	rec->n_neighbours = buf_get_u8(r);
	if (rec->n_neighbours > WIRE_NEIGH_PER_PART) {
		r->err = true;
		return;
	}
	for (unsigned i = 0; i < rec->n_neighbours; i++) {
		wire_get_addr(r, &rec->neighbours[i].id);
		rec->neighbours[i].kind = buf_get_u8(r);
		rec->neighbours[i].cost = buf_get_u16(r);
	}
	if (rec->has & WIRE_RECORD_HAS_SIG)
		buf_get_bytes(r, rec->sig, CERT_SIG_LEN);
}

static void put_digest(struct buf_writer *w, const struct wire_msg *m)
{
	const struct wire_digest *d = &m->u.digest;

	buf_put_u16(w, d->total);
	buf_put_u64(w, d->hash);
	buf_put_u8(w, d->n);
	for (unsigned i = 0; i < d->n; i++) {
		wire_put_addr(w, &d->entries[i].id);
		buf_put_u64(w, d->entries[i].boot);
		buf_put_u64(w, d->entries[i].seq);
	}
}

static void get_digest(struct buf_reader *r, struct wire_msg *m)
{
	struct wire_digest *d = &m->u.digest;

	d->total = buf_get_u16(r);
	d->hash = buf_get_u64(r);
	d->n = buf_get_u8(r);
	if (d->n > WIRE_DIGEST_MAX) {
		r->err = true;
		return;
	}
	for (unsigned i = 0; i < d->n; i++) {
		wire_get_addr(r, &d->entries[i].id);
		d->entries[i].boot = buf_get_u64(r);
		d->entries[i].seq = buf_get_u64(r);
	}
}

static void put_leave(struct buf_writer *w, const struct wire_msg *m)
{
	buf_put_u8(w, m->u.leave.reason);
}

static void get_leave(struct buf_reader *r, struct wire_msg *m)
{
	m->u.leave.reason = buf_get_u8(r);
}

static void put_ping(struct buf_writer *w, const struct wire_msg *m)
{
	const struct wire_ping *p = &m->u.ping;

	buf_put_u32(w, p->probe_id);
	buf_put_u64(w, p->record_seq);
	buf_put_u8(w, (uint8_t)p->has);
	if (p->has & WIRE_PING_HAS_OBSERVED_WG)
		wire_put_endpoint(w, &p->observed_wg);
	if (p->has & WIRE_PING_HAS_DB) {
		buf_put_u16(w, p->db_total);
		buf_put_u64(w, p->db_hash);
	}
	if (p->has & WIRE_PING_HAS_REVOKED) {
		buf_put_u16(w, p->rev_total);
		buf_put_u64(w, p->rev_hash);
	}
}

static void get_ping(struct buf_reader *r, struct wire_msg *m)
{
	struct wire_ping *p = &m->u.ping;

	p->probe_id = buf_get_u32(r);
	p->record_seq = buf_get_u64(r);
	p->has = buf_get_u8(r);
	if (p->has & WIRE_PING_HAS_OBSERVED_WG)
		wire_get_endpoint(r, &p->observed_wg);
	if (p->has & WIRE_PING_HAS_DB) {
		p->db_total = buf_get_u16(r);
		p->db_hash = buf_get_u64(r);
	}
	if (p->has & WIRE_PING_HAS_REVOKED) {
		p->rev_total = buf_get_u16(r);
		p->rev_hash = buf_get_u64(r);
	}
}

/* --- certificates, their requests, revocations ---------------------- */

static void put_cert_msg(struct buf_writer *w, const struct wire_msg *m)
{
	put_cert(w, &m->u.cert);
}

static void get_cert_msg(struct buf_reader *r, struct wire_msg *m)
{
	get_cert(r, &m->u.cert);
}

static bool cert_msg_valid(const struct wire_msg *m)
{
	uint8_t tmp[CERT_MAX_LEN];

	return cert_encode(tmp, sizeof(tmp), &m->u.cert) > 0;
}

static void put_cert_request(struct buf_writer *w, const struct wire_msg *m)
{
	wire_put_addr(w, &m->u.cert_request.id);
	buf_put_u64(w, m->u.cert_request.serial);
}

static void get_cert_request(struct buf_reader *r, struct wire_msg *m)
{
	wire_get_addr(r, &m->u.cert_request.id);
	m->u.cert_request.serial = buf_get_u64(r);
}

static bool cert_request_valid(const struct wire_msg *m)
{
	return !addr_unspecified(&m->u.cert_request.id) && m->u.cert_request.serial != 0;
}

static void put_revoke(struct buf_writer *w, const struct wire_msg *m)
{
	put_revocation(w, &m->u.revoke);
}

static void get_revoke(struct buf_reader *r, struct wire_msg *m)
{
	get_revocation(r, &m->u.revoke);
}

static bool revoke_valid(const struct wire_msg *m)
{
	uint8_t tmp[REVOKE_MAX_LEN];

	return revocation_encode(tmp, sizeof(tmp), &m->u.revoke) > 0;
}

uint64_t wire_revocation_hash_add(uint64_t acc, const struct revocation *rv)
{
	uint8_t tmp[REVOKE_MAX_LEN];
	int n = revocation_encode(tmp, sizeof(tmp), rv);
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < n; i++)
		h = (h ^ tmp[i]) * 0x100000001b3ULL;
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ULL;
	h ^= h >> 27;
	return acc + h;
}

struct wire_codec {
	void (*put)(struct buf_writer *, const struct wire_msg *);
	void (*get)(struct buf_reader *, struct wire_msg *);
	bool (*valid)(const struct wire_msg *);
};

static const struct wire_codec codecs[WIRE_TYPE_MAX + 1] = {
	[WIRE_HELLO] = { put_hello, get_hello, hello_valid },
	[WIRE_HELLO_REPLY] = { put_hello, get_hello, hello_valid },
	[WIRE_RECORD] = { put_record, get_record, record_valid },
	[WIRE_DIGEST] = { put_digest, get_digest, digest_valid },
	[WIRE_REQUEST] = { put_digest, get_digest, digest_valid },
	[WIRE_LEAVE] = { put_leave, get_leave, leave_valid },
	[WIRE_PING] = { put_ping, get_ping, ping_valid },
	[WIRE_PONG] = { put_ping, get_ping, ping_valid },
	[WIRE_CERT] = { put_cert_msg, get_cert_msg, cert_msg_valid },
	[WIRE_CERT_REQUEST] = { put_cert_request, get_cert_request, cert_request_valid },
	[WIRE_REVOKE] = { put_revoke, get_revoke, revoke_valid },
};

static const struct wire_codec *codec_for(unsigned type)
{
	if (type == 0 || type > WIRE_TYPE_MAX || !codecs[type].put)
		return NULL;
	return &codecs[type];
}

/* --- entry points --------------------------------------------------- */

int wire_encode(uint8_t *out, size_t cap, const struct wire_msg *m)
{
	const struct wire_codec *c = codec_for(m->hdr.type);
	struct buf_writer w;

	if (!c || !header_valid(&m->hdr) || !c->valid(m))
		return -EINVAL;
	buf_writer_init(&w, out, cap);
	buf_put_u8(&w, m->hdr.type);
	wire_put_addr(&w, &m->hdr.sender);
	buf_put_u64(&w, m->hdr.boot);
	buf_put_u64(&w, m->hdr.counter);
	c->put(&w, m);
	if (w.err)
		return -ENOSPC;
	return (int)w.off;
}

int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m, enum wire_drop *drop)
{
	const struct wire_codec *c;
	struct buf_reader r;
	struct wire_msg tmp;

	/* Zeroed so that fields a message leaves out (HAS_* off) read as 0 and
	 * two decodes of the same bytes compare equal with memcmp. */
	memset(&tmp, 0, sizeof(tmp));
	buf_reader_init(&r, buf, len);
	tmp.hdr.type = buf_get_u8(&r);
	if (r.err) {
		*drop = WIRE_DROP_MALFORMED;
		return -EBADMSG;
	}
	c = codec_for(tmp.hdr.type);
	if (!c) {
		*drop = WIRE_DROP_UNKNOWN_TYPE;
		return -EBADMSG;
	}
	wire_get_addr(&r, &tmp.hdr.sender);
	tmp.hdr.boot = buf_get_u64(&r);
	tmp.hdr.counter = buf_get_u64(&r);
	c->get(&r, &tmp);
	if (!buf_done(&r) || !header_valid(&tmp.hdr) || !c->valid(&tmp)) {
		*drop = WIRE_DROP_MALFORMED;
		return -EBADMSG;
	}
	memcpy(m, &tmp, sizeof(*m));
	return 0;
}

unsigned wire_record_part_count(uint16_t total_neighbours)
{
	/* A record without neighbours still travels, as one part. */
	if (total_neighbours == 0)
		return 1;
	return ((unsigned)total_neighbours + WIRE_NEIGH_PER_PART - 1) / WIRE_NEIGH_PER_PART;
}

void wire_record_part_fill(struct wire_record *part, const struct wire_record *fixed,
			   const struct wire_neighbour *all, uint16_t total, unsigned idx)
{
	unsigned n = part_slice(total, idx);

	if (part != fixed)
		memcpy(part, fixed, sizeof(*part));
	memset(part->neighbours, 0, sizeof(part->neighbours));
	part->total_neighbours = total;
	part->parts = (uint8_t)wire_record_part_count(total);
	part->part = (uint8_t)idx;
	part->n_neighbours = (uint8_t)n;
	if (n)
		memcpy(part->neighbours, all + (size_t)idx * WIRE_NEIGH_PER_PART,
		       n * sizeof(*all));
}

/*
 * FNV-1a over the entry's wire-order bytes, then the splitmix64 finalizer
 * so that nearby seqs spread over all bits. Entries are combined by
 * addition, which is order-independent and, unlike XOR, does not cancel a
 * record listed twice.
 */
uint64_t wire_digest_hash_add(uint64_t acc, const struct wire_digest_entry *e)
{
	uint8_t bytes[32];
	uint64_t h = 0xcbf29ce484222325ULL;
	struct buf_writer w;

	buf_writer_init(&w, bytes, sizeof(bytes));
	buf_put_bytes(&w, e->id.b, 16);
	buf_put_u64(&w, e->boot);
	buf_put_u64(&w, e->seq);
	for (size_t i = 0; i < sizeof(bytes); i++) {
		h ^= bytes[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return acc + h;
}
