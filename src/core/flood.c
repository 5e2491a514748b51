/*
 * Link-state distribution: our records and others' reach every node.
 *
 * Records are flooded: a node that stores a newer version (larger boot, or
 * larger seq within a boot) passes it to every neighbour but the one it
 * came from, so flooding ends and every node holds the same set. Nothing
 * is acknowledged; instead neighbours compare database summaries (count
 * and order-independent hash): at adjacency-up, in every probe and its
 * answer, and in a probe a second after records went to a neighbour. A
 * mismatch starts a full digest exchange (id, boot, seq of every record),
 * and each side requests what it lacks and sends what the other holds in
 * an older version.
 *
 * Refused, while the rest goes on: records outside the subnet, naming
 * themselves or a neighbour twice, or claiming an address a live node of
 * another name holds; parts that contradict each other (reasm.c); a
 * record of a neighbour of ours that names another start or key than the
 * one we talk to (we know better first-hand); a new node beyond the node
 * cap.
 *
 * Bounded answers. What a datagram makes us send back to its sender (the
 * records a REQUEST names, the newer versions a DIGEST shows it lacks) is
 * at most MESH_REPLY_BUDGET record parts, and at most MESH_REPLY_RATE per
 * second to one neighbour; entries repeated within a request count once.
 * A record that needs more waits for the next round of the exchange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

static void send_request(struct mesh *m, struct mesh_peer *p, const struct wire_digest *want)
{
	struct endpoint to;
	struct wire_msg *msg;

	if (!want->n || !mesh_peer_admin_ep(p, &to) || !(msg = mesh_send(m, &to, WIRE_REQUEST)))
		return;
	msg->u.digest = *want;
}

void flood_send_record(struct mesh *m, const struct mesh_peer *p, const struct lsdb_record *r)
{
	struct wire_record fixed;
	struct endpoint to;
	unsigned parts = wire_record_part_count(r->n_neigh);

	if (!mesh_peer_admin_ep(p, &to))
		return;
	reasm_record_to_wire(r, &fixed);
	for (unsigned i = 0; i < parts; i++) {
		struct wire_msg *msg = mesh_send(m, &to, WIRE_RECORD);
		if (!msg)
			return;
		wire_record_part_fill(&msg->u.record, &fixed, r->neigh, r->n_neigh, i);
	}
}

/*
 * A record sent as an answer to p's datagram: within *budget parts for
 * this datagram and p's per-second allowance. Returns false when spent.
 */
static bool answer_record(struct mesh *m, struct mesh_peer *p, const struct lsdb_record *r,
			  unsigned *budget)
{
	uint64_t parts = wire_record_part_count(r->n_neigh);
	uint64_t cap = 2ull * MESH_REPLY_RATE * 1000;

	p->sync.reply_tokens += (m->now - p->sync.reply_at) * MESH_REPLY_RATE;
	if (p->sync.reply_tokens > cap || !p->sync.reply_at)
		p->sync.reply_tokens = cap;
	p->sync.reply_at = m->now;
	if (parts > *budget || parts * 1000 > p->sync.reply_tokens) {
		m->ctr.reply_limited += parts;
		return false;
	}
	*budget -= (unsigned)parts;
	p->sync.reply_tokens -= parts * 1000;
	flood_send_record(m, p, r);
	return true;
}

/*
 * Records go out unacknowledged; a second after flooding to a neighbour we
 * probe it, and the database summaries in probe and answer reveal anything
 * lost on the way (a mismatch starts a digest exchange). The probe or its
 * answer may be lost too: until an answer comes we probe again, up to
 * MESH_SYNC_TRIES times (under 20% loss a lost record otherwise waited for
 * the next idle check or digest, 15 to 30 s). A quiet mesh sends no such
 * probes.
 */
void flood_record(struct mesh *m, const struct lsdb_record *r, const struct mesh_peer *except)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (!p->adj.up || p == except)
			continue;
		flood_send_record(m, p, r);
		if (!p->sync.at)
			p->sync.at = m->now + MESH_SYNC_CHECK_MS;
		p->sync.checks_left = MESH_SYNC_TRIES;
		p->sync.follow_up = false; /* an answer from before does not cover this */
	}
}

void flood_send_summary(struct mesh *m, struct mesh_peer *p)
{
	struct endpoint to;
	struct wire_msg *msg;

	if (!mesh_peer_admin_ep(p, &to) || !(msg = mesh_send(m, &to, WIRE_DIGEST)))
		return;
	msg->u.digest.total = (uint16_t)lsdb_count(&m->db);
	msg->u.digest.hash = lsdb_hash(&m->db);
}

void flood_send_full_digest(struct mesh *m, struct mesh_peer *p)
{
	size_t n = lsdb_count(&m->db);
	uint64_t hash = lsdb_hash(&m->db);
	struct endpoint to;
	struct wire_msg *msg = NULL;

	if (!mesh_peer_admin_ep(p, &to))
		return;
	p->sync.full_digest_sent = m->now;
	for (size_t i = 0; i < n; i++) {
		const struct lsdb_record *r = lsdb_at(&m->db, i);
		if (!msg || msg->u.digest.n == WIRE_DIGEST_MAX) {
			msg = mesh_send(m, &to, WIRE_DIGEST);
			if (!msg)
				return;
			msg->u.digest.total = (uint16_t)n;
			msg->u.digest.hash = hash;
		}
		msg->u.digest.entries[msg->u.digest.n++] =
			(struct wire_digest_entry){ .id = r->id, .boot = r->boot, .seq = r->seq };
	}
}

/*
 * Hellos and probes carry the sender's record seq: ask for a version we
 * lack. The record a neighbour floods when the adjacency comes up can
 * overtake the hello that confirms it (UDP reorders) and is then dropped
 * unconfirmed; without this only the next summary digest, MESH_DIGEST_MS
 * later, would bring it, and the edge would stay one-sided until then.
 */
void flood_want_record(struct mesh *m, struct mesh_peer *p, uint64_t boot, uint64_t seq)
{
	struct wire_digest want = { .n = 1 };

	if (!seq || !lsdb_wants(&m->db, &p->id, boot, seq, m->now))
		return;
	want.entries[0] = (struct wire_digest_entry){ .id = p->id, .boot = boot, .seq = seq };
	send_request(m, p, &want);
}

static size_t max_records(const struct mesh *m)
{
	return m->cfg.max_nodes ? m->cfg.max_nodes : MESH_MAX_NODES_DEFAULT;
}

/* A record that contradicts itself or the subnet changes nothing. */
static int addr_qsort_cmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/* Sorted, not pairwise: a hub's record names every node of the mesh. */
static bool neighbour_twice(const struct lsdb_record *r)
{
	struct addr *ids;
	bool twice = false;

	if (r->n_neigh < 2)
		return false;
	ids = malloc(r->n_neigh * sizeof(*ids));
	if (!ids)
		return true; /* cannot tell: refuse, a later copy may pass */
	for (size_t i = 0; i < r->n_neigh; i++)
		ids[i] = r->neigh[i].id;
	qsort(ids, r->n_neigh, sizeof(*ids), addr_qsort_cmp);
	for (size_t i = 1; i < r->n_neigh && !twice; i++)
		twice = addr_eq(&ids[i - 1], &ids[i]);
	free(ids);
	return twice;
}

/*
 * A neighbour of ours we talk to in this very start and key: its record
 * must name the same, whoever passes it on (a forged record of a live
 * node would move its traffic elsewhere).
 */
static bool contradicts_neighbour(const struct mesh *m, const struct lsdb_record *r)
{
	const struct mesh_peer *n = mesh_peer_get(m, &r->id);

	return n && n->adj.up && n->has_info &&
	       (r->boot != n->adj.replay.boot || memcmp(r->pubkey, n->pubkey, WIRE_KEY_LEN) != 0);
}

static bool record_valid(const struct mesh *m, const struct lsdb_record *r)
{
	if (!prefix_contains(&m->cfg.subnet, &r->id) || !mesh_name_ok(r->name))
		return false;
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, &r->id) ||
		    !prefix_contains(&m->cfg.subnet, &r->neigh[i].id))
			return false;
	return !neighbour_twice(r);
}

/*
 * A neighbour's new record that no longer lists us: it lost us (it roamed,
 * or its probes failed). Probe it now rather than at the idle timer, so a
 * dead adjacency ends in about two seconds.
 */
static void probe_if_dropped_us(struct mesh *m, const struct lsdb_record *r)
{
	struct mesh_peer *n = r ? mesh_peer_get(m, &r->id) : NULL;

	if (!n || !fib_claimed(n) || r->boot != n->adj.replay.boot || m->now - n->adj.since < 2000)
		return;
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, &m->cfg.id))
			return;
	probe_check(m, n, MESH_PROBE_DEAD_STALL_MS, "its record no longer lists us");
}

static bool lists(const struct lsdb_record *r, const struct addr *id)
{
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return true;
	return false;
}

/*
 * Someone withdrew its edge to a node we reach: maybe that node is gone,
 * and the other found out first. Check it, over a direct path (which has
 * no probes of its own) or an adjacency not heard from for a second; so a
 * dead node found by one is dropped by all within a few seconds more.
 */
static void withdrawn_edges(struct mesh *m, const struct lsdb_record *old,
			    const struct lsdb_record *new)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (!lists(old, &p->id) || lists(new, &p->id))
			continue;
		if (p->direct.phase == DIRECT_UP)
			direct_check(m, p, "another node lost its edge to it");
		else if (p->adj.up && m->now - mesh_last_heard(p) >= 1000)
			probe_check(m, p, MESH_PROBE_DEAD_HINT_MS, "another node lost its edge to it");
	}
}

void flood_on_record(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	const struct wire_record *w = &msg->u.record;
	struct lsdb_record r;
	const struct lsdb_record *have = lsdb_get(&m->db, &w->id);
	int done;

	/* flooding brings a copy from every neighbour: skip the one we hold */
	if (have && lsdb_order(w->boot, w->seq, have->boot, have->seq) == 0)
		return;
	done = reasm_add(&m->reasm, w, m->now, &r);
	if (done < 0) {
		mesh_refuse(m, &msg->u.record.id, "an inconsistent record part");
		return;
	}
	if (done == 0)
		return;
	if (addr_eq(&r.id, &m->cfg.id)) {
		if (r.boot > m->cfg.boot || (r.boot == m->cfg.boot && r.seq > m->seq))
			mesh_note_newer_self(m, r.boot, "the network holds a newer record of this node");
		return;
	}
	if (!record_valid(m, &r) || mesh_id_taken(m, &r.id, r.name)) {
		mesh_refuse(m, &r.id, "a record");
		return;
	}
	if (contradicts_neighbour(m, &r)) {
		mesh_refuse(m, &r.id, "a record of a neighbour naming another start or key");
		return;
	}
	have = lsdb_get(&m->db, &r.id);
	if (have && lsdb_order(r.boot, r.seq, have->boot, have->seq) < 0) {
		unsigned budget = MESH_REPLY_BUDGET;
		answer_record(m, p, have, &budget); /* the sender is behind: bring it up to date */
		return;
	}
	if (!have && lsdb_count(&m->db) >= max_records(m)) {
		m->ctr.nodes_refused++;
		mesh_refuse(m, &r.id, "a record of a new node (the node table is full)");
		return;
	}
	/* a network with a CA: signed by its originator's certificate (asked for if missing) */
	if (m->cfg.has_ca && !member_record_ok(m, p, &r))
		return;
	{
		struct lsdb_record old = have ? *have : r;
		struct wire_neighbour *old_neigh = NULL;
		if (have && have->n_neigh) {
			old_neigh = malloc(have->n_neigh * sizeof(*old_neigh));
			if (old_neigh)
				memcpy(old_neigh, have->neigh, have->n_neigh * sizeof(*old_neigh));
			else
				old.n_neigh = 0;
		}
		old.neigh = old_neigh;
		if (lsdb_put(&m->db, &r, m->now) != 1) {
			free(old_neigh);
			return;
		}
		if (have)
			withdrawn_edges(m, &old, lsdb_get(&m->db, &r.id));
		free(old_neigh);
	}
	flood_record(m, lsdb_get(&m->db, &r.id), p);
	m->routes_dirty = true;
	probe_if_dropped_us(m, lsdb_get(&m->db, &r.id));
}

/* Is entry i of d the first with its id (a repeated entry counts once)? */
static bool first_of_id(const struct wire_digest *d, unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (addr_eq(&d->entries[j].id, &d->entries[i].id))
			return false;
	return true;
}

void flood_on_digest(struct mesh *m, struct mesh_peer *p, const struct wire_digest *d)
{
	bool differs = d->total != lsdb_count(&m->db) || d->hash != lsdb_hash(&m->db);
	struct wire_digest want = { 0 };
	unsigned budget = MESH_REPLY_BUDGET;

	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_digest_entry *e = &d->entries[i];
		const struct lsdb_record *have = lsdb_get(&m->db, &e->id);

		if (!first_of_id(d, i))
			continue;
		if (lsdb_wants(&m->db, &e->id, e->boot, e->seq, m->now))
			want.entries[want.n++] = *e;
		else if (have && lsdb_order(have->boot, have->seq, e->boot, e->seq) > 0)
			answer_record(m, p, have, &budget);
	}
	send_request(m, p, &want);
	/* they may lack records we hold: our full digest lets them ask */
	if (differs && m->now - p->sync.full_digest_sent >= MESH_FULL_DIGEST_GAP_MS)
		flood_send_full_digest(m, p);
}

void flood_on_request(struct mesh *m, struct mesh_peer *p, const struct wire_digest *d)
{
	unsigned budget = MESH_REPLY_BUDGET;

	for (unsigned i = 0; i < d->n; i++) {
		const struct lsdb_record *have = lsdb_get(&m->db, &d->entries[i].id);
		if (have && first_of_id(d, i) && !answer_record(m, p, have, &budget))
			break;
	}
}

/* ---- with a neighbour: summaries and the periodic digest ---- */

void flood_adjacency_up(struct mesh *m, struct mesh_peer *p)
{
	p->sync.resync_left = MESH_RESYNC_TRIES;
	p->sync.next_digest = m->now + MESH_DIGEST_MS;
	flood_send_full_digest(m, p);
}

/* Ask p for node id's record now (its certificate just arrived: it can be checked). */
void flood_request_record(struct mesh *m, struct mesh_peer *p, const struct addr *id)
{
	struct wire_digest want = { .n = 1 };

	want.entries[0].id = *id;
	want.entries[0].boot = 1;
	send_request(m, p, &want);
}

void flood_on_hello(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	flood_want_record(m, p, msg->hdr.boot, msg->u.hello.record_seq);
}

/*
 * The database summary in every PING and PONG (it replaces the periodic
 * digest): a cheap consistency check.
 */
void flood_on_summary(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	const struct wire_ping *ping = &msg->u.ping;

	if (msg->hdr.type == WIRE_PONG) {
		/* an answer: no probe again for a flood (what it says is below) */
		p->sync.checks_left = 0;
		if (p->sync.follow_up)
			p->sync.at = 0;
		p->sync.follow_up = false;
	}
	flood_want_record(m, p, msg->hdr.boot, ping->record_seq);
	if (!(ping->has & WIRE_PING_HAS_DB))
		return;
	p->sync.next_digest = m->now + MESH_DIGEST_MS;
	if (ping->db_total == lsdb_count(&m->db) && ping->db_hash == lsdb_hash(&m->db)) {
		p->sync.resync_left = MESH_RESYNC_TRIES;
		return;
	}
	if (m->now - p->sync.full_digest_sent >= MESH_FULL_DIGEST_GAP_MS)
		flood_send_full_digest(m, p);
	/*
	 * Look again soon, a few times: under loss the digest exchange itself
	 * may be lost. Bounded, so a mesh whose records keep changing is not
	 * flooded with probes.
	 */
	if (!p->sync.at && p->sync.resync_left) {
		p->sync.resync_left--;
		p->sync.at = m->now + MESH_SYNC_CHECK_MS;
	}
}

void flood_timers(struct mesh *m, struct mesh_peer *p)
{
	if (!p->adj.up)
		return;
	if (p->sync.at && m->now >= p->sync.at) {
		p->sync.at = 0;
		probe_send(m, p); /* its answer carries the summary */
		/* again if no answer came by then (the probe or the answer lost) */
		if (p->sync.checks_left && --p->sync.checks_left) {
			p->sync.at = m->now + MESH_SYNC_CHECK_MS + 2u * p->adj.srtt_ms;
			p->sync.follow_up = true;
		}
	}
	if (m->now >= p->sync.next_digest) {
		flood_send_summary(m, p);
		p->sync.next_digest = m->now + MESH_DIGEST_MS;
	}
}

uint64_t flood_next_timer(const struct mesh_peer *p)
{
	uint64_t t = p->sync.next_digest;

	if (!p->adj.up)
		return UINT64_MAX;
	return p->sync.at && p->sync.at < t ? p->sync.at : t;
}
