/*
 * Direct paths: LAN shortcuts and NAT traversal with WireGuard itself.
 *
 * Model. For every node X that we reach only through a gateway, both X and
 * we compute the same candidate endpoints from each other's records: first
 * X's local addresses that lie on one of our own LANs, then X's reflexive
 * WireGuard endpoint (what X's neighbours' WireGuard saw X come from). Each
 * side installs X as a WireGuard peer at the candidate with a 1 s keepalive
 * and no AllowedIPs, so the working route through the gateway is left
 * alone; the keepalive makes WireGuard send a handshake initiation at once.
 * Behind NAT the first side's initiation is dropped by the other NAT but
 * opens its own; the second side's then passes, and the handshake
 * completes (the NATs are "punched"). A handshake seen in WireGuard's
 * counters makes the edge ours: we claim it in our record, so does X, and
 * the shortest paths move X's address onto the direct peer.
 *
 *     IDLE --candidates--> TRYING --handshake--> UP
 *                            | all candidates      | tunnel stalls, or X
 *                            v failed              v stops claiming us
 *                          FAILED <----------------+
 *                            | retry_at (backoff)
 *                            +----> TRYING
 *
 * The two sides' rounds need not start together: a NAT candidate is tried
 * for 6 s, and the side that initiates (mesh_we_initiate) re-creates its
 * trial peer every 2 s (WireGuard itself would retry only after 5 s), so it
 * sends initiations at 0, 2 and 4 s; the other side's one initiation at its
 * start opens its NAT (and WireGuard repeats it after 5 s), so rounds up to
 * about 6 s apart still meet. A LAN candidate: 2 s, re-created after 1 s by
 * both. Only one side of a LAN pair initiates at first (fib.c's kick); the
 * other initiates MESH_ANSWER_WAIT_MS after its own (re-)creation if
 * nothing came.
 *
 * Crossing initiations. Through NAT both sides initiate at once (the first
 * initiation to arrive is normally dropped by the other NAT). When both
 * pass (the NATs were open already, or the path is so slow that each
 * side's initiation leaves before the other's arrives: 300 ms one way
 * suffices), each side answers the other's, which replaces its own
 * handshake, so both answers are refused and neither has a session.
 * Re-created in step every 2 s by both, they crossed every time; only one
 * side re-creating, its next initiation meets a peer that answers.
 *
 * Slow paths. Each handshake on a path measures its round trip (rtt_ms:
 * from our fresh peer, or from the last initiation we answered, to the
 * sample before the one that shows the handshake: a lower estimate, 0 when
 * it came within one sample, or came with the initiation we answered). The timers of trials, stalls and checks are
 * their constants plus a multiple of it, so that a 600 ms round trip is
 * not taken for silence, nor a handshake on its way destroyed by a fresh
 * peer; on a fast path (0) they are the constants.
 *
 * Bounds. A round tries each candidate for 2 s (LAN) or 6 s (NAT). A
 * failed round is tried again at the next multiple of DIRECT_RETRY_GRID_MS
 * of wall-clock time (Unix time, which every node's clock keeps within a
 * second or so; the core's own time where the host gives none). So two
 * sides that fail, or learn of each other, at different times try again
 * together, every 10 s: when each side waited on its own backoff (10 s,
 * 30 s, 90 s from its own failure), a side that started late stayed out of
 * phase, and under loss the two NAT punches never met (34-loss, 1 run in
 * 3 on a loaded machine). After DIRECT_MAX_ROUNDS failed rounds (a
 * port-randomising NAT) we stop until a candidate changes (roaming, a new
 * reflexive endpoint). The reason stays for the status.
 *
 * Keepalive policy (bounded idle cost). Persistent keepalive only where a
 * NAT mapping needs it: 25 s on NAT and public edges, none on LAN edges.
 * A NAT or public edge with no data for network.directIdleSeconds (default
 * DIRECT_IDLE_MS) goes to sleep: keepalive off,
 * the edge stays. When traffic returns through a mapping that has expired,
 * the tunnel stalls (we send, nothing comes back for 0.5 s). A stall alone
 * may be the far end's silence (traffic for a dead node beyond X), so we
 * check: a fresh peer makes WireGuard handshake at once, re-created every
 * 300 ms. No handshake in 1.5 s: we drop the edge, routing falls back to
 * the gateway, and we try again. So does a withdrawal of X by another
 * node (X may be gone: a direct path has no probes of its own). X notices that our
 * record no longer claims the edge and starts its own round too, so both
 * sides send and the NATs are punched again. No extra message is needed:
 * the records are the signal.
 */
#include <stdio.h>
#include <string.h>

#include "core/mesh_int.h"

#define DIRECT_TRY_LAN_MS 2000
#define DIRECT_TRY_NAT_MS 6000
#define DIRECT_REKICK_MS 2000	/* a fresh initiation this often while trying NAT */
#define DIRECT_REKICK_LAN_MS 1000	/* and while trying a LAN address */
#define DIRECT_MAX_ROUNDS 8
#define DIRECT_RETRY_GRID_MS 10000	/* failed rounds start again on this grid */
#define DIRECT_RETRY_LOST_MS 1000	/* an edge that stalled: try again soon */
#define DIRECT_IDLE_MS 120000
#define DIRECT_UNCLAIMED_MS 3000	/* up, but X does not claim us: re-punch */
/*
 * A stalled edge's new handshake must come within DIRECT_CHECK_MS, tried
 * afresh every DIRECT_CHECK_REKICK_MS: 8 tries, so that at 20% loss each
 * way (36% of handshakes lost) a live edge fails a check once in ~3500,
 * not once in ~170 as with 5 tries in 1.5 s (a flap a minute or so under
 * traffic, 39-loss-steady), while a dead node's edge goes in 2.5 s.
 */
#define DIRECT_CHECK_MS 2000
#define DIRECT_CHECK_REKICK_MS 250
#define DIRECT_STALL_MS 500		/* data out, nothing back this long: check the edge */
/*
 * After the tunnel answered a check, a stall counts only after this long:
 * what we send may be for a dead node beyond X, which X answers only with
 * WireGuard's passive keepalive (10 s). Re-checking every few seconds costs
 * a handshake each and notices X's own death in time.
 */
#define DIRECT_PATIENT_STALL_MS 2500
/*
 * Nothing heard this long on an awake edge: it is dead. WireGuard resets a
 * peer's keepalive timer on what it receives, so on a quiet edge only one
 * side sends keepalives; the other hears nothing but handshakes, at worst
 * when its session expires (180 s) and the next keepalive needs a new one.
 */
#define DIRECT_SILENT_MS 210000
#define DIRECT_RTT_MAX_MS 5000	/* a measured round trip counts up to this */
#define DIRECT_KEEPALIVE_BYTES 32	/* a WireGuard keepalive in its tx counter */
#define DIRECT_INITIATION_BYTES 148	/* a handshake initiation */
#define DIRECT_ACTIVE_BYTES 600		/* more than keepalives in a window */
#define DIRECT_TRIAL_KEEPALIVE 1
#define DIRECT_KEEPALIVE MESH_NAT_KEEPALIVE_S

const char *direct_phase_name(enum direct_phase ph)
{
	switch (ph) {
	case DIRECT_IDLE:
		return "idle";
	case DIRECT_TRYING:
		return "trying";
	case DIRECT_UP:
		return "up";
	case DIRECT_FAILED:
		return "failed";
	}
	return "?";
}

static bool is_local_of(const struct lsdb_record *r, const struct addr *a)
{
	for (unsigned i = 0; i < r->n_local; i++)
		if (addr_eq(&r->local[i], a))
			return true;
	return false;
}

/*
 * What failures refer to. The port of a reflexive endpoint is left out: a
 * port-randomising NAT shows each observer another port, so its port
 * changing is no new chance (it would restart the rounds without end).
 * Our own reflexive address is in: when it changes (we roamed behind
 * another NAT) X sees our record change and tries again at once, and so
 * must we, or the two sides punch at different times and miss.
 */
static uint64_t hash_cands(const struct direct_state *d, const struct lsdb_record *me)
{
	uint64_t h = 1469598103934665603ull;

	if (me && me->has_reflexive)
		for (unsigned k = 0; k < 16; k++)
			h = (h ^ me->reflexive.addr.b[k]) * 1099511628211ull;

	for (unsigned i = 0; i < d->n_cands; i++) {
		for (unsigned k = 0; k < 16; k++)
			h = (h ^ d->cands[i].addr.b[k]) * 1099511628211ull;
		if (d->cand_kind[i] == WIRE_PATH_LAN)
			h = (h ^ d->cands[i].port) * 1099511628211ull;
	}
	return h;
}

/* The endpoints at which X might answer us directly, LAN first. */
static void build_cands(const struct mesh *m, const struct lsdb_record *r,
			struct direct_state *d)
{
	const struct lsdb_record *me = lsdb_get(&m->db, &m->cfg.id);

	d->n_cands = 0;
	for (unsigned i = 0; i < r->n_local && d->n_cands < DIRECT_MAX_CANDS; i++) {
		if (!mesh_on_local_lan(m, &r->local[i]))
			continue;
		d->cand_kind[d->n_cands] = WIRE_PATH_LAN;
		d->cands[d->n_cands++] = (struct endpoint){ .addr = r->local[i], .port = r->wg_port };
	}
	/* through NAT only if X can find us too: we need a reflexive endpoint */
	if (r->has_reflexive && me && me->has_reflexive && d->n_cands < DIRECT_MAX_CANDS) {
		d->cand_kind[d->n_cands] =
			is_local_of(r, &r->reflexive.addr) ? WIRE_PATH_DIRECT : WIRE_PATH_NAT;
		d->cands[d->n_cands++] = r->reflexive;
	}
	d->cand_hash = hash_cands(d, me);
}

static bool claims_us(const struct mesh *m, const struct lsdb_record *r)
{
	for (unsigned i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, &m->cfg.id))
			return true;
	return false;
}

static void set_phase(struct mesh *m, struct direct_state *d, enum direct_phase ph)
{
	if (d->phase == DIRECT_UP || ph == DIRECT_UP)
		m->own_dirty = true; /* the edge appears in or leaves our record */
	d->phase = ph;
	d->since = m->now;
	m->routes_dirty = true; /* the WireGuard peer changes */
}

/* The timers of a path: constants (a fast path) plus k round trips. */
static uint64_t rtts(const struct direct_state *d, unsigned k)
{
	return (uint64_t)k * d->rtt_ms;
}

static uint64_t rekick_ms(const struct direct_state *d)
{
	return d->kind == WIRE_PATH_LAN ? DIRECT_REKICK_LAN_MS : DIRECT_REKICK_MS + rtts(d, 2);
}

static uint64_t stall_ms(const struct direct_state *d)
{
	return (d->patient ? DIRECT_PATIENT_STALL_MS : DIRECT_STALL_MS) + rtts(d, 2);
}

static uint64_t unclaimed_ms(const struct direct_state *d)
{
	return DIRECT_UNCLAIMED_MS + rtts(d, 4);
}

/* A fresh peer: WireGuard starts a new handshake, whose round trip counts from now. */
static void fresh(struct mesh *m, struct mesh_peer *p)
{
	mesh_peer_fresh(p);
	p->direct.hs_from = m->now;
	m->routes_dirty = true;
}

/*
 * A handshake shows in this sample: it took at least from hs_from to the
 * sample before (when it had not come yet). A fresh peer that answers
 * rather than initiates (fib.c) starts its own initiation only after its
 * wait, so that counts from the wait's end. If this sample also brought
 * X's initiation (more than a response and a keepalive: a response is 92
 * bytes), we answered it and had the answer's confirmation within one
 * sample: a fast path, however long we had waited for X to begin.
 */
static void measure_rtt(struct mesh_peer *p, const struct mesh_wg_stats *s)
{
	struct direct_state *d = &p->direct;
	uint64_t rtt = p->seen.at > d->hs_from ? p->seen.at - d->hs_from : 0;

	if (s->rx_bytes >= p->seen.rx + DIRECT_INITIATION_BYTES + DIRECT_KEEPALIVE_BYTES)
		rtt = 0;
	d->rtt_ms = (uint32_t)(rtt < DIRECT_RTT_MAX_MS ? rtt : DIRECT_RTT_MAX_MS);
}

/* A sample before the handshake: what moves the start of its round trip. */
static void note_no_handshake(struct mesh *m, struct mesh_peer *p, const struct mesh_wg_stats *s)
{
	struct direct_state *d = &p->direct;

	if (s->rx_bytes > p->seen.rx)
		d->hs_from = m->now; /* an initiation, answered now (or a response refused) */
	if (p->fib.answer_until > d->hs_from)
		d->hs_from = p->fib.answer_until;
}

static void try_cand(struct mesh *m, struct mesh_peer *p, unsigned i)
{
	struct direct_state *d = &p->direct;

	d->cand = i;
	d->ep = d->cands[i];
	d->kind = d->cand_kind[i];
	d->deadline = m->now + (d->kind == WIRE_PATH_LAN ? DIRECT_TRY_LAN_MS
							 : DIRECT_TRY_NAT_MS + rtts(d, 6));
	d->rekick_at = m->now + rekick_ms(d);
	fresh(m, p); /* a fresh peer: WireGuard starts a new handshake */
	set_phase(m, d, DIRECT_TRYING);
}

static void start_round(struct mesh *m, struct mesh_peer *p)
{
	struct direct_state *d = &p->direct;
	char list[DIRECT_MAX_CANDS * (ENDPOINT_STRLEN + 6)] = "";
	size_t off = 0;

	for (unsigned i = 0; i < d->n_cands && off < sizeof(list); i++) {
		char ep[ENDPOINT_STRLEN];
		int n = snprintf(list + off, sizeof(list) - off, "%s%s %s", i ? ", " : "",
				 d->cand_kind[i] == WIRE_PATH_LAN ? "LAN" : "NAT",
				 endpoint_fmt(&d->cands[i], ep, sizeof(ep)));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	mesh_log(m, MESH_LOG_DEBUG, "trying a direct path to %s: %s", p->name, list);
	d->tries++;
	try_cand(m, p, 0);
}

/* ms from now to the next multiple of DIRECT_RETRY_GRID_MS of wall-clock time (see Bounds). */
static uint64_t wait_for_grid(const struct mesh *m)
{
	uint64_t unix_s = m->cfg.unix_time ? m->cfg.unix_time(m->cfg.time_arg) : 0;
	uint64_t clock = unix_s ? unix_s * 1000 : m->now;
	uint64_t wait = DIRECT_RETRY_GRID_MS - clock % DIRECT_RETRY_GRID_MS;

	/* a second's resolution: at least that, so that we are past the mark */
	return wait < 1000 ? wait + DIRECT_RETRY_GRID_MS : wait;
}

/* retry_ms: after this long, or 0: on the grid (see Bounds). */
static void fail_round(struct mesh *m, struct mesh_peer *p, const char *why, uint64_t retry_ms)
{
	struct direct_state *d = &p->direct;
	char ep[ENDPOINT_STRLEN];

	d->failures++;
	if (d->failures >= DIRECT_MAX_ROUNDS && !retry_ms) { /* a lost edge's quick retries do not count */
		d->retry_at = 0;
		snprintf(d->why, sizeof(d->why), "%s; gave up after %u tries (port-randomising NAT?)",
			 why, d->failures);
	} else {
		uint64_t wait = retry_ms ? retry_ms : wait_for_grid(m);

		d->retry_at = m->now + wait;
		snprintf(d->why, sizeof(d->why), "%s; try %u, next in %llu s", why, d->failures,
			 (unsigned long long)((wait + 999) / 1000));
	}
	mesh_log(m, MESH_LOG_DEBUG, "direct path to %s: %s (last tried %s)", p->name[0] ? p->name : "?",
		 d->why, endpoint_fmt(&d->ep, ep, sizeof(ep)));
	set_phase(m, d, DIRECT_FAILED);
}

static void stop(struct mesh *m, struct mesh_peer *p)
{
	if (p->direct.phase != DIRECT_IDLE)
		set_phase(m, &p->direct, DIRECT_IDLE);
}

static void lost(struct mesh *m, struct mesh_peer *p, const char *why)
{
	mesh_log(m, MESH_LOG_INFO, "direct path to %s lost: %s; back through the gateway",
		 p->name, why);
	fail_round(m, p, why, DIRECT_RETRY_LOST_MS);
}

/* A node we reach only through others, whose record we hold. */
static const struct lsdb_record *eligible(const struct mesh *m, const struct mesh_peer *p)
{
	const struct lsdb_record *r = lsdb_get(&m->db, &p->id);

	if (!r || p->adj.up || addr_eq(&p->id, &m->cfg.id) || m->leaving ||
	    (r->flags & WIRE_NODE_LEFT))
		return NULL;
	if (!r->route.reachable && p->direct.phase != DIRECT_UP)
		return NULL;
	return r;
}

static void adopt_record(struct mesh *m, struct mesh_peer *p, const struct lsdb_record *r)
{
	struct direct_state *d = &p->direct;

	if (d->boot == r->boot && memcmp(p->pubkey, r->pubkey, WIRE_KEY_LEN) == 0)
		return;
	/* a new start of X: a new key, and nothing of the old state holds */
	memset(d, 0, sizeof(*d));
	d->boot = r->boot;
	mesh_peer_learn_record(p, r);
	m->routes_dirty = true;
}

void direct_update(struct mesh *m, struct mesh_peer *p)
{
	struct direct_state *d = &p->direct;
	const struct lsdb_record *r = eligible(m, p);
	uint64_t old_hash = d->cand_hash;

	if (!r) {
		stop(m, p);
		return;
	}
	adopt_record(m, p, r);
	build_cands(m, r, d);
	/* it stopped claiming us (it lost a path to us): both sides try now */
	bool claimed = claims_us(m, r);
	if (d->peer_claimed && !claimed && d->phase == DIRECT_FAILED && d->retry_at)
		d->retry_at = m->now;
	if (claimed != d->peer_claimed)
		m->routes_dirty = true; /* the keepalive of an edge up on our side changes */
	d->peer_claimed = claimed;
	if (d->cand_hash != old_hash) {
		d->failures = 0; /* new candidates: a fresh chance */
		if (d->phase == DIRECT_FAILED)
			d->retry_at = m->now;
	}
	switch (d->phase) {
	case DIRECT_IDLE:
		if (d->n_cands)
			start_round(m, p);
		break;
	case DIRECT_FAILED:
		if (d->n_cands && d->retry_at && m->now >= d->retry_at)
			start_round(m, p);
		break;
	case DIRECT_TRYING:
		if (m->now < d->deadline)
			break;
		if (d->cand + 1 < d->n_cands)
			try_cand(m, p, d->cand + 1);
		else
			fail_round(m, p, "no WireGuard handshake at any candidate", 0);
		break;
	case DIRECT_UP:
		if (d->check_until && m->now >= d->check_until) {
			d->check_until = 0;
			lost(m, p, "the tunnel stopped answering");
			break;
		}
		if (claims_us(m, r)) {
			d->unclaimed_since = 0;
		} else if (!d->unclaimed_since) {
			d->unclaimed_since = m->now;
		} else if (m->now - d->unclaimed_since >= unclaimed_ms(d)) {
			/* it dropped the edge (a stall on its side): punch again, together */
			d->unclaimed_since = 0;
			d->failures = 0;
			start_round(m, p);
		}
		break;
	}
}

void direct_update_all(struct mesh *m)
{
	for (size_t i = 0; i < lsdb_count(&m->db); i++) {
		const struct lsdb_record *r = lsdb_at(&m->db, i);
		struct mesh_peer *p;

		if (addr_eq(&r->id, &m->cfg.id))
			continue;
		p = mesh_peer_get(m, &r->id);
		if (!p && r->route.reachable && !m->leaving) {
			struct direct_state probe = { 0 };
			build_cands(m, r, &probe);
			if (!probe.n_cands)
				continue;
			p = mesh_peer_ensure(m, &r->id);
		}
		if (p)
			direct_update(m, p);
	}
	/*
	 * A path whose node lost its record without a withdrawal (a revoked
	 * node's record is dropped at once) is not visited above: it ends here,
	 * and its WireGuard peer with it.
	 */
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];

		if (p->direct.phase != DIRECT_IDLE && !lsdb_get(&m->db, &p->id))
			stop(m, p);
	}
}

static uint64_t idle_ms(const struct mesh *m)
{
	return m->cfg.direct_idle_ms ? m->cfg.direct_idle_ms : DIRECT_IDLE_MS;
}

/*
 * We sent data into an up edge and heard nothing back. That is a dead
 * tunnel (an expired NAT mapping) or only a silent far end: what we send
 * may be bound for a node beyond X that is gone, and X, having nothing to
 * say, answers only with WireGuard's passive keepalive 10 s later. Dropping
 * the edge on a mere stall made it flap while any node behind it was
 * unreachable. So ask the tunnel: a fresh peer makes WireGuard handshake at
 * once, and X answers a handshake whatever happens beyond it.
 */
static void check_tunnel(struct mesh *m, struct mesh_peer *p, const char *why)
{
	struct direct_state *d = &p->direct;

	mesh_log(m, MESH_LOG_DEBUG, "direct path to %s: %s; checking it with a new handshake",
		 p->name, why);
	d->data_since = 0;
	d->check_until = m->now + DIRECT_CHECK_MS + rtts(d, 8);
	d->rekick_at = m->now + DIRECT_CHECK_REKICK_MS + rtts(d, 4);
	fresh(m, p);
}

void direct_check(struct mesh *m, struct mesh_peer *p, const char *why)
{
	if (p->direct.phase == DIRECT_UP && !p->direct.check_until)
		check_tunnel(m, p, why);
}

/*
 * The tunnel answered: the silence was the far end's. Until the edge is
 * re-established or goes to sleep, only a silence longer than WireGuard's
 * passive keepalive counts as a stall.
 */
static void check_passed(struct mesh *m, struct mesh_peer *p)
{
	struct direct_state *d = &p->direct;

	mesh_log(m, MESH_LOG_DEBUG, "direct path to %s answers a new handshake: keeping it",
		 p->name);
	d->check_until = 0;
	d->patient = true;
	m->routes_dirty = true; /* the check's keepalive can go */
}

void direct_on_stats(struct mesh *m, struct mesh_peer *p, const struct mesh_wg_stats *s)
{
	struct direct_state *d = &p->direct;
	const struct lsdb_record *r;

	if (d->phase == DIRECT_TRYING) {
		if (s->last_handshake_sec == 0) {
			note_no_handshake(m, p, s);
			/*
			 * Re-create the trial peer (a fresh initiation) only on a
			 * sample that shows no handshake yet: on a timer it could
			 * destroy a session completed since the last sample, which
			 * the other side already counts as up. Through NAT only the
			 * side that initiates (see the top: crossings).
			 */
			if (d->rekick_at && m->now >= d->rekick_at && m->now < d->deadline &&
			    (d->kind != WIRE_PATH_NAT || mesh_we_initiate(m, p))) {
				fresh(m, p);
				d->rekick_at = m->now + rekick_ms(d);
			}
			return;
		}
		measure_rtt(p, s);
		r = lsdb_get(&m->db, &p->id);
		d->ep = s->has_endpoint ? s->endpoint : d->ep;
		if (r && is_local_of(r, &d->ep.addr) && mesh_on_local_lan(m, &d->ep.addr))
			d->kind = WIRE_PATH_LAN;
		d->failures = 0;
		d->why[0] = '\0';
		d->active_at = m->now;
		d->base_rx = s->rx_bytes;
		d->base_tx = s->tx_bytes;
		d->asleep = false;
		d->unclaimed_since = 0;
		d->data_since = 0;
		d->check_until = 0;
		d->patient = false;
		mesh_log(m, MESH_LOG_INFO, "direct path to %s is up (%s)", p->name,
			 d->kind == WIRE_PATH_LAN ? "LAN" : d->kind == WIRE_PATH_NAT ? "through NAT"
										   : "public");
		if (d->rtt_ms)
			mesh_log(m, MESH_LOG_DEBUG,
				 "direct path to %s: a slow path, round trip %u ms or more", p->name,
				 d->rtt_ms);
		set_phase(m, d, DIRECT_UP);
		return;
	}
	if (d->phase != DIRECT_UP)
		return;
	if (s->has_endpoint && !endpoint_eq(&s->endpoint, &d->ep))
		d->ep = s->endpoint; /* WireGuard roamed with it */
	if (s->rx_bytes - d->base_rx + s->tx_bytes - d->base_tx > DIRECT_ACTIVE_BYTES) {
		d->active_at = m->now;
		d->base_rx = s->rx_bytes;
		d->base_tx = s->tx_bytes;
		if (d->asleep) {
			d->asleep = false;
			m->routes_dirty = true; /* keepalive back on */
		}
	} else if (d->kind != WIRE_PATH_LAN && !d->asleep &&
		   m->now - d->active_at >= idle_ms(m)) {
		d->asleep = true;
		d->patient = false; /* waking, it may find its NAT mapping gone: notice fast */
		m->routes_dirty = true; /* keepalive off */
		mesh_log(m, MESH_LOG_DEBUG, "direct path to %s idle: keepalive off", p->name);
	}
	/*
	 * A stall is data (more than one keepalive in a sample: the sender of
	 * a quiet edge's keepalives never hears back) with no answer since.
	 * p->seen.rx and p->seen.tx still hold the previous sample here.
	 */
	if (d->check_until) {
		if (s->last_handshake_sec) {
			measure_rtt(p, s);
			check_passed(m, p);
			return;
		}
		note_no_handshake(m, p, s);
		if (m->now >= d->rekick_at) {
			/*
			 * No handshake yet: a fresh initiation (WireGuard would
			 * retry only after 5 s). Several tries in the check's time
			 * make a lossy path (20% loss) almost never fail a check.
			 */
			fresh(m, p);
			d->rekick_at = m->now + DIRECT_CHECK_REKICK_MS + rtts(d, 4);
		}
		return; /* no answer: direct_update gives up at check_until */
	}
	/* the silence began no later than the previous sample */
	if (s->rx_bytes > p->seen.rx)
		d->data_since = 0;
	else if (s->tx_bytes > p->seen.tx + DIRECT_KEEPALIVE_BYTES && !d->data_since)
		d->data_since = p->seen.at ? p->seen.at : m->now;
	if (d->data_since && m->now - d->data_since >= stall_ms(d))
		check_tunnel(m, p, "no answer to what we sent");
	else if (d->kind != WIRE_PATH_LAN && !d->asleep && p->seen.last_rx &&
		 m->now - p->seen.last_rx >= DIRECT_SILENT_MS)
		lost(m, p, "no keepalive from it");
}

/*
 * Our addresses changed: NAT mappings behind us are new, so edges that
 * were up are punched again (the other side notices our record change and
 * joins in), and failed pairs get a fresh chance at once.
 */
void direct_roamed(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		struct direct_state *d = &p->direct;
		d->failures = 0;
		if (d->phase == DIRECT_FAILED)
			d->retry_at = m->now;
		else if (d->phase == DIRECT_UP)
			start_round(m, p);
	}
}

uint64_t direct_next_timer(const struct mesh *m, const struct mesh_peer *p)
{
	const struct direct_state *d = &p->direct;

	switch (d->phase) {
	case DIRECT_TRYING:
		return d->deadline; /* re-kicks happen on WireGuard samples */
	case DIRECT_FAILED:
		/* nothing to try (its candidates are gone): no retry is due */
		return d->retry_at && d->n_cands ? d->retry_at : UINT64_MAX;
	case DIRECT_UP: {
		uint64_t t = d->check_until ? d->check_until : UINT64_MAX;
		if (d->unclaimed_since && d->unclaimed_since + unclaimed_ms(d) < t)
			t = d->unclaimed_since + unclaimed_ms(d);
		return t;
	}
	case DIRECT_IDLE:
		break;
	}
	(void)m;
	return UINT64_MAX;
}

bool direct_wants_peer(const struct mesh_peer *p, struct endpoint *ep, uint16_t *keepalive)
{
	const struct direct_state *d = &p->direct;

	if (p->adj.up || (d->phase != DIRECT_TRYING && d->phase != DIRECT_UP))
		return false;
	*ep = d->ep;
	/*
	 * Trying, or up on our side only: the side that initiated has its
	 * session when the response arrives, the other only with our first
	 * data packet; if that one is lost it would wait for the next
	 * keepalive. So 1 s keepalives until the other side claims the edge.
	 */
	if (d->phase == DIRECT_TRYING || !d->peer_claimed || d->check_until)
		*keepalive = DIRECT_TRIAL_KEEPALIVE;
	else
		*keepalive = d->kind == WIRE_PATH_LAN || d->asleep ? 0 : DIRECT_KEEPALIVE;
	return true;
}

bool direct_edge(const struct mesh_peer *p, uint8_t *kind)
{
	if (p->adj.up || p->direct.phase != DIRECT_UP)
		return false;
	*kind = p->direct.kind;
	return true;
}

bool direct_busy(const struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++)
		if (((const struct mesh_peer *)m->peers.items[i])->direct.phase == DIRECT_TRYING)
			return true;
	return false;
}
