/*
 * Membership with a certificate authority; see member.h.
 *
 * Model. The CA's public key is in every node's network file; its secret
 * stays offline. A certificate binds a node's identity key to its name and
 * address (and route rights). A node proves it holds its certificate's key
 * in the hello that answers our challenge (the proof signs our challenge,
 * its boot and its WireGuard key), and signs each version of its record
 * with it. So a holder of the shared key without a certificate is never
 * admitted, cannot speak for another address, and cannot forge another
 * node's record: a record is stored only with a valid signature of its
 * originator's certificate, which a node that lacks it asks the neighbour
 * that sent the record for (CERT_REQUEST, CERT).
 *
 * One identity per address: the first valid certificate held for an
 * address stays until it expires or is revoked; another identity's is
 * refused meanwhile, restart or not. The same identity's new start (a new
 * WireGuard key, a new boot) takes over at once: it has proved it is the
 * node. To give an address to a new device, revoke the old certificate.
 *
 * Revocations, signed by the CA, name a serial, a node name or both. Each
 * one is checked, kept (the host stores it: MESH_ACT_REVOKED), applied (the
 * nodes it names lose their certificate, their adjacency and their record
 * everywhere) and flooded to every neighbour. Neighbours compare the sets
 * by count and hash in their pings and send what the other lacks, so a
 * node that was away learns them from its first neighbour.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

#define MEMBER_ASK_GAP_MS 1000		/* the same certificate asked again after */
#define MEMBER_CERT_RATE 1000		/* certificates sent in answer per second */
#define MEMBER_REV_BURST 32		/* revocations sent to a neighbour at a time */
#define MEMBER_EXPIRY_WARN_S (7u * 86400u)
#define MEMBER_EXPIRY_REPEAT_S 86400u

struct member_cert {
	struct addr id;			/* first member: idtab key */
	struct cert cert;
};

static uint64_t unix_now(const struct mesh *m)
{
	return m->cfg.unix_time ? m->cfg.unix_time(m->cfg.time_arg) : 0;
}

static bool is_revoked(const struct mesh *m, const struct cert *c)
{
	for (size_t i = 0; i < m->member.n_revoked; i++)
		if (revocation_matches(&m->member.revoked[i], c))
			return true;
	return false;
}

const struct cert *member_cert_of(const struct mesh *m, const struct addr *id)
{
	const struct member_cert *mc;

	if (addr_eq(id, &m->cfg.id))
		return &m->cfg.cert;
	mc = idtab_get(&m->member.certs, id);
	return mc ? &mc->cert : NULL;
}

static void forget_cert(struct mesh *m, const struct addr *id)
{
	free(idtab_remove(&m->member.certs, id));
}

/*
 * Is c acceptable for address id: this network's, valid now, not revoked,
 * and not another identity than the valid one we hold? *why for the log.
 */
static bool acceptable(struct mesh *m, const struct cert *c, const struct addr *id,
		       const char **why)
{
	const struct cert *held;
	enum cert_verdict v = cert_check(c, m->cfg.ca_key, unix_now(m), id, m->cfg.verify,
					  m->cfg.verify_arg);

	if (v != CERT_OK) {
		*why = cert_verdict_name(v);
		return false;
	}
	if (is_revoked(m, c)) {
		*why = cert_verdict_name(CERT_REVOKED);
		return false;
	}
	held = member_cert_of(m, id);
	if (held && memcmp(held->identity, c->identity, CERT_KEY_LEN) != 0) {
		if (cert_check(held, m->cfg.ca_key, unix_now(m), id, m->cfg.verify,
			       m->cfg.verify_arg) == CERT_OK && !is_revoked(m, held)) {
			*why = "another identity holds this address";
			return false;
		}
		forget_cert(m, id); /* expired or revoked: the address is free */
	}
	return true;
}

/* Keep c as id's certificate (a newer serial of the same identity replaces the old). */
static void keep_cert(struct mesh *m, const struct addr *id, const struct cert *c)
{
	struct member_cert *mc = idtab_get(&m->member.certs, id);

	if (addr_eq(id, &m->cfg.id))
		return;
	if (!mc) {
		mc = calloc(1, sizeof(*mc));
		if (!mc)
			return;
		mc->id = *id;
		if (idtab_insert(&m->member.certs, mc) < 0) {
			free(mc);
			return;
		}
	}
	mc->cert = *c;
}

static void refuse(struct mesh *m, const struct addr *id, const char *what, const char *why)
{
	char text[160];

	m->member.refused++;
	snprintf(text, sizeof(text), "%s: certificate %s", what, why);
	mesh_refuse(m, id, text);
}

/* ---- hellos ---- */

enum member_verdict member_on_hello(struct mesh *m, const struct wire_msg *msg)
{
	const struct wire_hello *h = &msg->u.hello;
	const struct cert *held;
	uint8_t proof[128];
	const char *why = "missing";
	int n;

	if (!(h->has & WIRE_HELLO_HAS_CERT) || !(h->has & WIRE_HELLO_HAS_PROOF)) {
		refuse(m, &msg->hdr.sender, "a hello without its certificate", why);
		return MEMBER_REFUSED;
	}
	if (!acceptable(m, &h->cert, &msg->hdr.sender, &why)) {
		refuse(m, &msg->hdr.sender, "a hello", why);
		return MEMBER_REFUSED;
	}
	n = wire_hello_proof_bytes(&msg->hdr, h, &m->cfg.id, proof, sizeof(proof));
	if (n < 0 || !m->cfg.verify(m->cfg.verify_arg, h->cert.identity, proof, (size_t)n,
				     h->proof)) {
		refuse(m, &msg->hdr.sender, "a hello", "key not proved (a copied certificate?)");
		return MEMBER_REFUSED;
	}
	held = member_cert_of(m, &msg->hdr.sender);
	keep_cert(m, &msg->hdr.sender, &h->cert);
	return held ? MEMBER_SAME_IDENTITY : MEMBER_NEW;
}

void member_fill_hello(struct mesh *m, struct wire_msg *msg, const struct addr *to_id)
{
	struct wire_hello *h = &msg->u.hello;
	uint8_t proof[128];
	int n;

	if (!m->cfg.has_ca)
		return;
	h->has |= WIRE_HELLO_HAS_CERT;
	h->cert = m->cfg.cert;
	if (!(h->has & WIRE_HELLO_HAS_ECHO) || !to_id)
		return;
	n = wire_hello_proof_bytes(&msg->hdr, h, to_id, proof, sizeof(proof));
	if (n < 0)
		return;
	m->cfg.sign(m->cfg.sign_arg, proof, (size_t)n, h->proof);
	h->has |= WIRE_HELLO_HAS_PROOF;
}

/* ---- records ---- */

/* The bytes a record's signature covers: a malloc'd buffer, its length in *len. */
static uint8_t *record_bytes(const struct lsdb_record *r, size_t *len)
{
	struct wire_record fixed;
	size_t cap = 1500 + (size_t)r->n_neigh * 20;
	uint8_t *buf = malloc(cap);
	int n;

	if (!buf)
		return NULL;
	reasm_record_to_wire(r, &fixed);
	n = wire_record_signed_bytes(&fixed, r->neigh, r->n_neigh, buf, cap);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

void member_sign_record(struct mesh *m, struct lsdb_record *r)
{
	size_t len;
	uint8_t *buf;

	if (!m->cfg.has_ca)
		return;
	r->cert_serial = m->cfg.cert.serial;
	buf = record_bytes(r, &len);
	if (!buf)
		return; /* unsigned: refused by the others until the next version */
	m->cfg.sign(m->cfg.sign_arg, buf, len, r->sig);
	free(buf);
}

/* Ask the neighbour that sent a record for its originator's certificate, once a second. */
static void ask_cert(struct mesh *m, struct mesh_peer *from, const struct addr *id,
		     uint64_t serial)
{
	struct member_state *s = &m->member;
	struct endpoint to;
	struct wire_msg *msg;

	for (unsigned i = 0; i < MEMBER_ASKED; i++)
		if (addr_eq(&s->asked[i].id, id) && s->asked[i].serial == serial &&
		    m->now - s->asked[i].at < MEMBER_ASK_GAP_MS)
			return;
	if (!from || !mesh_peer_admin_ep(from, &to) || !(msg = mesh_send(m, &to, WIRE_CERT_REQUEST)))
		return;
	msg->u.cert_request.id = *id;
	msg->u.cert_request.serial = serial;
	s->asked[s->asked_next].id = *id;
	s->asked[s->asked_next].serial = serial;
	s->asked[s->asked_next].at = m->now;
	s->asked_next = (s->asked_next + 1) % MEMBER_ASKED;
}

bool member_record_ok(struct mesh *m, struct mesh_peer *from, const struct lsdb_record *r)
{
	const struct cert *c;
	size_t len;
	uint8_t *buf;
	bool ok;

	if (!m->cfg.has_ca)
		return true; /* shared-key mode: records are not signed */
	c = member_cert_of(m, &r->id);
	if (!r->cert_serial) {
		refuse(m, &r->id, "an unsigned record", "missing");
		return false;
	}
	if (!c || c->serial != r->cert_serial) {
		ask_cert(m, from, &r->id, r->cert_serial); /* it comes again with the digests */
		return false;
	}
	buf = record_bytes(r, &len);
	ok = buf && m->cfg.verify(m->cfg.verify_arg, c->identity, buf, len, r->sig);
	free(buf);
	if (!ok)
		refuse(m, &r->id, "a record", "signature does not match (forged?)");
	return ok;
}

/* ---- certificates asked for and given ---- */

static bool cert_budget(struct mesh *m)
{
	struct member_state *s = &m->member;
	uint64_t cap = 2ull * MEMBER_CERT_RATE * 1000;

	s->cert_tokens += (m->now - s->cert_at) * MEMBER_CERT_RATE;
	if (s->cert_tokens > cap || !s->cert_at)
		s->cert_tokens = cap;
	s->cert_at = m->now;
	if (s->cert_tokens < 1000)
		return false;
	s->cert_tokens -= 1000;
	return true;
}

void member_on_cert_request(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	const struct wire_cert_request *q = &msg->u.cert_request;
	const struct cert *c = member_cert_of(m, &q->id);
	struct endpoint to;
	struct wire_msg *out;

	if (!m->cfg.has_ca || !c || c->serial != q->serial || !cert_budget(m))
		return;
	if (mesh_peer_admin_ep(p, &to) && (out = mesh_send(m, &to, WIRE_CERT)) != NULL)
		out->u.cert = *c;
}

bool member_on_cert(struct mesh *m, const struct wire_msg *msg)
{
	const struct cert *c = &msg->u.cert;
	const char *why = "";

	if (!m->cfg.has_ca || addr_eq(&c->addr, &m->cfg.id))
		return false;
	if (!acceptable(m, c, &c->addr, &why)) {
		refuse(m, &c->addr, "a certificate", why);
		return false;
	}
	keep_cert(m, &c->addr, c);
	return true;
}

/* ---- route rights ---- */

bool member_allows_route(const struct mesh *m, const struct addr *id, const struct prefix *dst)
{
	const struct cert *c;

	if (!m->cfg.has_ca)
		return true;
	c = member_cert_of(m, id);
	return c && cert_allows_route(c, dst);
}

bool member_allows_exit(const struct mesh *m, const struct addr *id)
{
	const struct cert *c;

	if (!m->cfg.has_ca)
		return true;
	c = member_cert_of(m, id);
	return c && (c->flags & CERT_FLAG_EXIT);
}

/* ---- revocations ---- */

/*
 * Every node the revocation names loses its certificate here; its
 * adjacency and record go in mesh.c (mesh_cut_revoked), from m->member.cut.
 */
static void apply(struct mesh *m, const struct revocation *r)
{

	if (revocation_matches(r, &m->cfg.cert) && !m->member.own_revoked) {
		m->member.own_revoked = true;
		mesh_log(m, MESH_LOG_WARN, "this node's certificate is revoked: the others refuse "
					   "it (a new certificate is needed)");
	}
	for (size_t i = 0; i < m->member.certs.n;) {
		struct member_cert *mc = m->member.certs.items[i];
		struct addr id = mc->id;

		if (!revocation_matches(r, &mc->cert)) {
			i++;
			continue;
		}
		mesh_log(m, MESH_LOG_WARN, "%s: its certificate was revoked; cut off", mc->cert.name);
		forget_cert(m, &id);
		if (m->member.n_cut < MEMBER_CUT_MAX)
			m->member.cut[m->member.n_cut++] = id;
	}
}

static bool known(const struct mesh *m, const struct revocation *r)
{
	for (size_t i = 0; i < m->member.n_revoked; i++)
		if (revocation_same(&m->member.revoked[i], r))
			return true;
	return false;
}

static int store(struct mesh *m, const struct revocation *r)
{
	struct member_state *s = &m->member;
	struct revocation *n;

	if (s->n_revoked >= MEMBER_MAX_REVOKED)
		return -ENOSPC;
	n = realloc(s->revoked, (s->n_revoked + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->revoked = n;
	s->revoked[s->n_revoked++] = *r;
	s->rev_hash = wire_revocation_hash_add(s->rev_hash, r);
	return 0;
}

static void send_revocation(struct mesh *m, struct mesh_peer *p, const struct revocation *r)
{
	struct endpoint to;
	struct wire_msg *msg;

	if (mesh_peer_admin_ep(p, &to) && (msg = mesh_send(m, &to, WIRE_REVOKE)) != NULL)
		msg->u.revoke = *r;
}

/* A new revocation (from -- may be NULL -- or the operator): kept, applied, flooded. */
static int take(struct mesh *m, const struct revocation *r, struct mesh_peer *from, bool tell_host)
{
	struct mesh_action *a;
	int err;

	if (!m->cfg.has_ca)
		return -EPERM;
	if (!revocation_verify(r, m->cfg.ca_key, m->cfg.verify, m->cfg.verify_arg))
		return -EINVAL;
	if (known(m, r))
		return 0;
	if ((err = store(m, r)) < 0) {
		mesh_log(m, MESH_LOG_WARN, "a revocation not kept: %s",
			 err == -ENOSPC ? "the store is full" : "out of memory");
		return err;
	}
	if (tell_host && (a = mesh_push(m, MESH_ACT_REVOKED)) != NULL)
		a->u.revoked = *r;
	apply(m, r);
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (p->adj.up && p != from)
			send_revocation(m, p, r);
	}
	return 1;
}

int member_revoke(struct mesh *m, const struct revocation *r)
{
	return take(m, r, NULL, true);
}

void member_on_revoke(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	if (take(m, &msg->u.revoke, p, true) == -EINVAL)
		mesh_refuse(m, &msg->hdr.sender, "a revocation not signed by this network's CA");
}

void member_fill_ping(const struct mesh *m, struct wire_ping *ping)
{
	if (!m->cfg.has_ca)
		return;
	ping->has |= WIRE_PING_HAS_REVOKED;
	ping->rev_total = (uint16_t)m->member.n_revoked;
	ping->rev_hash = m->member.rev_hash;
}

/* Its set differs from ours: send it a batch of ours (it does the same). */
void member_on_ping(struct mesh *m, struct mesh_peer *p, const struct wire_ping *ping)
{
	struct member_state *s = &m->member;

	if (!m->cfg.has_ca || !(ping->has & WIRE_PING_HAS_REVOKED) || !s->n_revoked ||
	    (ping->rev_total == s->n_revoked && ping->rev_hash == s->rev_hash))
		return;
	for (size_t k = 0; k < MEMBER_REV_BURST && k < s->n_revoked; k++)
		send_revocation(m, p, &s->revoked[(s->rev_next + k) % s->n_revoked]);
	s->rev_next = (s->rev_next + MEMBER_REV_BURST) % s->n_revoked;
}

void member_adjacency_up(struct mesh *m, struct mesh_peer *p)
{
	for (size_t k = 0; m->cfg.has_ca && k < MEMBER_REV_BURST && k < m->member.n_revoked; k++)
		send_revocation(m, p, &m->member.revoked[k]);
}

/* ---- setup and time ---- */

int member_configure(struct mesh *m, const struct mesh_config *c)
{
	m->cfg.has_ca = c->has_ca;
	memcpy(m->cfg.ca_key, c->ca_key, sizeof(m->cfg.ca_key));
	m->cfg.cert = c->cert;
	m->cfg.sign = c->sign;
	m->cfg.sign_arg = c->sign_arg;
	m->cfg.verify = c->verify;
	m->cfg.verify_arg = c->verify_arg;
	m->cfg.unix_time = c->unix_time;
	m->cfg.time_arg = c->time_arg;
	m->cfg.revoked = NULL; /* ours are in m->member */
	m->cfg.n_revoked = 0;
	if (m->cfg.has_ca && (!m->cfg.sign || !m->cfg.verify))
		return -EINVAL;
	for (size_t i = 0; m->cfg.has_ca && i < c->n_revoked; i++)
		if (take(m, &c->revoked[i], NULL, false) == -EINVAL)
			mesh_log(m, MESH_LOG_WARN, "a revocation of the configuration is not signed "
						   "by this network's CA: ignored");
	m->own_dirty = true;
	return 0;
}

void member_timers(struct mesh *m)
{
	uint64_t now;

	if (!m->cfg.has_ca)
		return;
	now = unix_now(m);
	if (now + MEMBER_EXPIRY_WARN_S < m->cfg.cert.not_after ||
	    now - m->member.warned_expiry_at < MEMBER_EXPIRY_REPEAT_S)
		return;
	m->member.warned_expiry_at = now;
	if (now >= m->cfg.cert.not_after)
		mesh_log(m, MESH_LOG_WARN, "this node's certificate has expired: the others refuse it");
	else
		mesh_log(m, MESH_LOG_WARN, "this node's certificate expires in %llu day(s): sign a new one",
			 (unsigned long long)((m->cfg.cert.not_after - now + 86399) / 86400));
}

void mesh_member_status(const struct mesh *m, struct mesh_member_status *out)
{
	memset(out, 0, sizeof(*out));
	out->has_ca = m->cfg.has_ca;
	if (!out->has_ca)
		return;
	out->serial = m->cfg.cert.serial;
	out->not_after = m->cfg.cert.not_after;
	out->own_revoked = m->member.own_revoked;
	out->refused = m->member.refused;
	out->n_revoked = m->member.n_revoked;
	out->n_certs = m->member.certs.n;
}

void member_free(struct member_state *s)
{
	for (size_t i = 0; i < s->certs.n; i++)
		free(s->certs.items[i]);
	idtab_free(&s->certs);
	free(s->revoked);
	memset(s, 0, sizeof(*s));
}
