/*
 * Sample admin messages for the wire and seal tests, the corpus writer and
 * the benchmark: for every message type a minimal, a typical and a maximal
 * instance (longest name, IPv6 everywhere, every optional field, full
 * arrays). Builders start from a zeroed struct, so a decoded copy compares
 * equal with memcmp.
 */
#ifndef WGNM_TESTS_WIRE_SAMPLES_H
#define WGNM_TESTS_WIRE_SAMPLES_H

#include <string.h>

#include "addr.h"
#include "wire/wire.h"

enum sample_size { SAMPLE_MIN, SAMPLE_TYPICAL, SAMPLE_MAX };

/* The sharedKey fuzz/fuzz_receive.c uses; the corpus is sealed under it. */
#define SAMPLE_FUZZ_SHARED_BYTE 0x5a

static inline struct addr sample_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t v4[4] = { a, b, c, d };
	struct addr x;

	addr_from_v4(&x, v4);
	return x;
}

/* 2001:db8::<hi>:<lo>, a documentation address. */
static inline struct addr sample_v6(uint16_t hi, uint16_t lo)
{
	struct addr x;

	memset(&x, 0, sizeof(x));
	x.b[0] = 0x20;
	x.b[1] = 0x01;
	x.b[2] = 0x0d;
	x.b[3] = 0xb8;
	x.b[12] = (uint8_t)(hi >> 8);
	x.b[13] = (uint8_t)hi;
	x.b[14] = (uint8_t)(lo >> 8);
	x.b[15] = (uint8_t)lo;
	return x;
}

/* A certificate: IPv4 and no routes, or the largest (IPv6, 32-byte name, 8 IPv6 routes). */
static inline void sample_cert(struct cert *c, enum sample_size sz)
{
	memset(c, 0, sizeof(*c));
	c->serial = sz == SAMPLE_MAX ? UINT64_MAX : 0x1234;
	c->not_before = 1700000000;
	c->not_after = sz == SAMPLE_MAX ? UINT64_MAX : 1731536000;
	memset(c->identity, 0x1d, sizeof(c->identity));
	memset(c->sig, 0x5e, sizeof(c->sig));
	if (sz != SAMPLE_MAX) {
		c->addr = sample_v4(10, 1, 1, 21);
		memcpy(c->name, "charlie", 8);
		return;
	}
	c->flags = CERT_FLAG_EXIT;
	c->addr = sample_v6(0xffff, 0xfffe);
	memset(c->name, 'z', WIRE_NAME_MAX);
	c->n_routes = CERT_MAX_ROUTES;
	for (int i = 0; i < CERT_MAX_ROUTES; i++)
		c->routes[i] = (struct prefix){ sample_v6(0xdddd, (uint16_t)(0xff00 + i)), 128 };
}

static inline void sample_header(struct wire_msg *m, uint8_t type, enum sample_size sz)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	if (sz == SAMPLE_MAX) {
		m->hdr.sender = sample_v6(0xffff, 0xffff);
		m->hdr.boot = UINT64_MAX;
		m->hdr.counter = UINT64_MAX;
	} else {
		m->hdr.sender = sample_v4(10, 1, 1, 21);
		m->hdr.boot = sz == SAMPLE_MIN ? 1 : 1700000000123ULL;
		m->hdr.counter = sz == SAMPLE_MIN ? 1 : 4711;
	}
}

static inline void sample_name(char *dst, enum sample_size sz)
{
	if (sz == SAMPLE_MIN)
		strcpy(dst, "a");
	else if (sz == SAMPLE_TYPICAL)
		strcpy(dst, "charlie");
	else
		memset(dst, 'z', WIRE_NAME_MAX);
}

static inline void sample_hello(struct wire_msg *m, uint8_t type, enum sample_size sz)
{
	struct wire_hello *h = &m->u.hello;

	sample_header(m, type, sz);
	sample_name(h->name, sz);
	h->wg_port = sz == SAMPLE_MIN ? 1 : 51820;
	h->admin_port = sz == SAMPLE_MIN ? 1 : 50000;
	for (int i = 0; i < WIRE_KEY_LEN; i++)
		h->pubkey[i] = (uint8_t)(0xa0 + i);
	if (sz == SAMPLE_MIN) {
		h->has = WIRE_HELLO_LAN; /* the smallest: a LAN hello names no target */
		return;
	}
	h->has = WIRE_HELLO_HAS_TO | WIRE_HELLO_HAS_OBSERVED | WIRE_HELLO_HAS_ECHO;
	h->to.addr = sz == SAMPLE_MAX ? sample_v6(0xabcd, 0x0001) : sample_v4(203, 0, 113, 2);
	h->to.port = 50502;
	h->observed.addr = sz == SAMPLE_MAX ? sample_v6(0xabcd, 0x1234) : sample_v4(198, 51, 100, 7);
	h->observed.port = 61000;
	h->challenge = 0x1122334455667788ULL;
	h->echo = 0x8877665544332211ULL;
	h->record_seq = 12;
	if (sz == SAMPLE_MAX) {
		h->has |= WIRE_HELLO_HAS_PEER_BOOT | WIRE_HELLO_HAS_HELD_BOOT;
		h->flags = WIRE_NODE_KNOWN_FLAGS;
		h->challenge = h->echo = UINT64_MAX;
		h->peer_boot = h->held_boot = UINT64_MAX;
		h->record_seq = UINT64_MAX;
		h->wg_port = h->admin_port = UINT16_MAX;
		/* a network with a CA: the largest certificate, and the proof */
		h->has |= WIRE_HELLO_HAS_CERT | WIRE_HELLO_HAS_PROOF;
		sample_cert(&h->cert, SAMPLE_MAX);
		memset(h->proof, 0x9f, sizeof(h->proof));
	}
}

static inline void sample_record(struct wire_msg *m, enum sample_size sz)
{
	struct wire_record *r = &m->u.record;

	sample_header(m, WIRE_RECORD, sz);
	sample_name(r->name, sz);
	r->id = m->hdr.sender;
	r->boot = m->hdr.boot;
	r->seq = sz == SAMPLE_MIN ? 0 : 12;
	for (int i = 0; i < WIRE_KEY_LEN; i++)
		r->pubkey[i] = (uint8_t)(0x10 + i);
	r->wg_port = 51820;
	r->admin_port = 50000;
	r->parts = 1;
	if (sz == SAMPLE_MIN)
		return;
	r->has = WIRE_RECORD_HAS_REFLEXIVE;
	if (sz == SAMPLE_TYPICAL) {
		r->n_local = 2;
		r->local[0] = sample_v4(192, 168, 1, 21);
		r->local[1] = sample_v6(1, 21);
		r->reflexive.addr = sample_v4(203, 0, 113, 9);
		r->reflexive.port = 40123;
		r->total_neighbours = 3;
		r->n_neighbours = 3;
		for (int i = 0; i < 3; i++) {
			r->neighbours[i].id = sample_v4(10, 1, 1, (uint8_t)(1 + i));
			r->neighbours[i].kind = (uint8_t)(WIRE_PATH_DIRECT + i);
			r->neighbours[i].cost = (uint16_t)(5 + 10 * i);
		}
		return;
	}
	r->flags = WIRE_NODE_KNOWN_FLAGS;
	r->seq = UINT64_MAX;
	r->n_local = WIRE_MAX_LOCAL_ADDRS;
	for (int i = 0; i < WIRE_MAX_LOCAL_ADDRS; i++)
		r->local[i] = sample_v6(0xfe, (uint16_t)(0xff00 + i));
	r->reflexive.addr = sample_v6(0xbeef, 0xffff);
	r->reflexive.port = UINT16_MAX;
	r->has |= WIRE_RECORD_HAS_ROUTES | WIRE_RECORD_HAS_SIG;
	r->cert_serial = UINT64_MAX;
	memset(r->sig, 0x7a, sizeof(r->sig));
	r->n_routes = WIRE_MAX_ROUTES;
	for (int i = 0; i < WIRE_MAX_ROUTES; i++)
		r->routes[i] = (struct prefix){ sample_v6(0xcccc, (uint16_t)(0xff00 + i)), 128 };
	/* A full part of a full record: 1024 neighbours, the last full part. */
	r->total_neighbours = WIRE_MAX_NEIGHBOURS;
	r->parts = (uint8_t)WIRE_MAX_PARTS;
	r->part = (uint8_t)(WIRE_MAX_NEIGHBOURS / WIRE_NEIGH_PER_PART - 1);
	r->n_neighbours = WIRE_NEIGH_PER_PART;
	for (int i = 0; i < WIRE_NEIGH_PER_PART; i++) {
		r->neighbours[i].id = sample_v6(0xeeee, (uint16_t)(0xff00 + i));
		r->neighbours[i].kind = WIRE_PATH_NAT;
		r->neighbours[i].cost = UINT16_MAX;
	}
}

static inline void sample_digest(struct wire_msg *m, uint8_t type, enum sample_size sz)
{
	struct wire_digest *d = &m->u.digest;
	unsigned n = sz == SAMPLE_MIN ? 0 : sz == SAMPLE_TYPICAL ? 3 : WIRE_DIGEST_MAX;

	sample_header(m, type, sz);
	d->total = (uint16_t)(sz == SAMPLE_MAX ? UINT16_MAX : n);
	d->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		struct wire_digest_entry *e = &d->entries[i];

		e->id = sz == SAMPLE_MAX ? sample_v6(0xdddd, (uint16_t)i) : sample_v4(10, 1, 1, (uint8_t)(i + 1));
		e->boot = sz == SAMPLE_MAX ? UINT64_MAX - i : 1000 + i;
		e->seq = sz == SAMPLE_MAX ? UINT64_MAX : i;
		d->hash = wire_digest_hash_add(d->hash, e);
	}
	if (sz == SAMPLE_MIN)
		d->hash = 0x0123456789abcdefULL;
}

static inline void sample_leave(struct wire_msg *m, enum sample_size sz)
{
	sample_header(m, WIRE_LEAVE, sz);
	m->u.leave.reason = sz == SAMPLE_MIN ? WIRE_LEAVE_SHUTDOWN : WIRE_LEAVE_RESTART;
}

static inline void sample_ping(struct wire_msg *m, uint8_t type, enum sample_size sz)
{
	sample_header(m, type, sz);
	if (sz == SAMPLE_MIN)
		return;
	m->u.ping.probe_id = sz == SAMPLE_MAX ? UINT32_MAX : 7;
	m->u.ping.record_seq = sz == SAMPLE_MAX ? UINT64_MAX : 12;
	m->u.ping.has = WIRE_PING_HAS_DB;
	m->u.ping.db_total = sz == SAMPLE_MAX ? UINT16_MAX : 4;
	m->u.ping.db_hash = sz == SAMPLE_MAX ? UINT64_MAX : 0x1234;
	if (sz == SAMPLE_MAX) {
		/* the largest form: an IPv6 observed endpoint, a revocations summary */
		m->u.ping.has |= WIRE_PING_HAS_OBSERVED_WG | WIRE_PING_HAS_REVOKED;
		m->u.ping.rev_total = UINT16_MAX;
		m->u.ping.rev_hash = UINT64_MAX;
		memset(m->u.ping.observed_wg.addr.b, 0xfe, 16);
		m->u.ping.observed_wg.port = 65535;
	} else {
		static const uint8_t v4[4] = { 203, 0, 113, 4 };
		m->u.ping.has |= WIRE_PING_HAS_OBSERVED_WG;
		addr_from_v4(&m->u.ping.observed_wg.addr, v4);
		m->u.ping.observed_wg.port = 1234;
	}
}

static inline void sample_cert_msg(struct wire_msg *m, uint8_t type, enum sample_size sz)
{
	sample_header(m, type, sz);
	if (type == WIRE_CERT) {
		sample_cert(&m->u.cert, sz);
	} else if (type == WIRE_CERT_REQUEST) {
		m->u.cert_request.id = sz == SAMPLE_MAX ? sample_v6(0xffff, 0xfffe) : sample_v4(10, 1, 1, 2);
		m->u.cert_request.serial = sz == SAMPLE_MAX ? UINT64_MAX : 0x1234;
	} else {
		struct revocation *r = &m->u.revoke;
		r->flags = sz == SAMPLE_MIN	? REVOKE_FLAG_SERIAL
			   : sz == SAMPLE_MAX ? REVOKE_FLAG_SERIAL | REVOKE_FLAG_NAME
					      : REVOKE_FLAG_NAME;
		r->serial = r->flags & REVOKE_FLAG_SERIAL ? (sz == SAMPLE_MAX ? UINT64_MAX : 99) : 0;
		if (r->flags & REVOKE_FLAG_NAME)
			memset(r->name, sz == SAMPLE_MAX ? 'z' : 'c', sz == SAMPLE_MAX ? WIRE_NAME_MAX : 7);
		r->issued = sz == SAMPLE_MAX ? UINT64_MAX : 1700000000;
		memset(r->sig, 0x33, sizeof(r->sig));
	}
}

/* Build sample i of SAMPLE_COUNT (all types x 3 sizes); returns its name. */
#define SAMPLE_COUNT (WIRE_TYPE_MAX * 3)

static inline const char *sample_build(struct wire_msg *m, unsigned i)
{
	static const char *const names[SAMPLE_COUNT] = {
		"hello-min", "hello-typical", "hello-max",
		"hello_reply-min", "hello_reply-typical", "hello_reply-max",
		"record-min", "record-typical", "record-max",
		"digest-min", "digest-typical", "digest-max",
		"request-min", "request-typical", "request-max",
		"leave-min", "leave-typical", "leave-max",
		"ping-min", "ping-typical", "ping-max",
		"pong-min", "pong-typical", "pong-max",
		"cert-min", "cert-typical", "cert-max",
		"cert_request-min", "cert_request-typical", "cert_request-max",
		"revoke-min", "revoke-typical", "revoke-max",
	};
	uint8_t type = (uint8_t)(i / 3 + 1);
	enum sample_size sz = (enum sample_size)(i % 3);

	switch ((enum wire_type)type) {
	case WIRE_HELLO:
	case WIRE_HELLO_REPLY:
		sample_hello(m, type, sz);
		break;
	case WIRE_RECORD:
		sample_record(m, sz);
		break;
	case WIRE_DIGEST:
	case WIRE_REQUEST:
		sample_digest(m, type, sz);
		break;
	case WIRE_LEAVE:
		sample_leave(m, sz);
		break;
	case WIRE_PING:
	case WIRE_PONG:
		sample_ping(m, type, sz);
		break;
	case WIRE_CERT:
	case WIRE_CERT_REQUEST:
	case WIRE_REVOKE:
		sample_cert_msg(m, type, sz);
		break;
	}
	return names[i];
}

#endif
