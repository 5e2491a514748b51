/*
 * This node's own state in the link-state database: its record, versioned
 * and originated at most once per MESH_ORIGINATE_GAP_MS, and its boot id,
 * which moves past a newer record of itself that the network holds (a
 * start whose clock ran ahead, or another node with our address).
 */
#include <stdio.h>
#include <string.h>

#include "core/mesh_int.h"

#define MESH_ORIGINATE_GAP_MS 100	/* at most one own record version per this */
#define MESH_BOOT_MOVE_GAP_MS 30000	/* our boot moves at most once per this */


void self_originate(struct mesh *m)
{
	struct lsdb_record r;
	struct wire_neighbour neigh[WIRE_MAX_NEIGHBOURS];
	const struct lsdb_record *stored;

	memset(&r, 0, sizeof(r));
	r.id = m->cfg.id;
	snprintf(r.name, sizeof(r.name), "%s", m->cfg.name);
	r.boot = m->cfg.boot;
	r.seq = ++m->seq;
	memcpy(r.pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	r.wg_port = m->cfg.wg_port;
	r.admin_port = m->cfg.admin_port;
	r.flags = m->cfg.flags | (m->leaving_record ? WIRE_NODE_LEFT : 0);
	r.n_local = (uint8_t)m->n_local;
	memcpy(r.local, m->local, m->n_local * sizeof(r.local[0]));
	if (m->has_reflexive) {
		r.has_reflexive = true;
		r.reflexive = m->reflexive;
	}
	r.n_routes = (uint8_t)m->cfg.n_routes;
	memcpy(r.routes, m->cfg.routes, m->cfg.n_routes * sizeof(r.routes[0]));
	for (size_t i = 0; i < m->peers.n && r.n_neigh < WIRE_MAX_NEIGHBOURS; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		uint8_t kind;
		if (m->leaving_record)
			break;
		if (fib_claimed(p))
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = p->adj.kind, .cost = p->adj.cost,
			};
		else if (!p->adj.up && direct_edge(p, &kind))
			neigh[r.n_neigh++] = (struct wire_neighbour){
				.id = p->id, .kind = kind,
				.cost = kind == WIRE_PATH_LAN ? 1 : MESH_COST_DEFAULT,
			};
	}
	r.neigh = neigh;
	stored = lsdb_get(&m->db, &m->cfg.id);
	if (stored && stored->boot == r.boot && !m->leaving_record) {
		char what[240];
		if (lsdb_same_content(stored, &r)) {
			/* nothing to tell: a new version would cost a flood to every node */
			m->seq--;
			m->own_dirty = false;
			return;
		}
		lsdb_describe_change(&m->db, stored, &r, what, sizeof(what));
		mesh_log(m, MESH_LOG_DEBUG, "our record, version %llu:%s",
			 (unsigned long long)r.seq, what);
	}
	member_sign_record(m, &r); /* a network with a CA: signed with our identity */
	if (lsdb_put(&m->db, &r, m->now) < 0)
		return;
	stored = lsdb_get(&m->db, &m->cfg.id);
	flood_record(m, stored, NULL);
	m->own_dirty = false;
	m->routes_dirty = true;
}

/*
 * When our record may be originated again. One origination costs a packet
 * per record part per neighbour and is flooded on by every neighbour, so a
 * hub whose adjacencies come up one by one (a thousand nodes starting)
 * would otherwise flood a new version per adjacency: O(n) versions of an
 * O(n)-part record to O(n) nodes. The first change after a quiet spell
 * still goes out at once.
 */
uint64_t self_originate_due(const struct mesh *m)
{
	const struct lsdb_record *own = lsdb_get(&m->db, &m->cfg.id);

	return own ? own->stored_at + MESH_ORIGINATE_GAP_MS : 0;
}

static void boot_past(struct mesh *m, uint64_t boot, const char *why)
{
	uint64_t old = m->cfg.boot;

	if (boot < old || boot >= UINT64_MAX - 1)
		return;
	if (!m->cfg.clock_untrusted && boot - old > MESH_BOOT_JUMP_MAX) {
		if (!m->newer_self_logged_at ||
		    m->now - m->newer_self_logged_at >= MESH_NEWER_SELF_LOG_MS) {
			m->newer_self_logged_at = m->now;
			mesh_log(m, MESH_LOG_WARN,
				 "%s: the network holds a record of this node with a boot id far "
				 "ahead of ours (forged, or a clock far ahead once); not following it",
				 why);
		}
		return;
	}
	if (m->boot_bumped_at && m->now - m->boot_bumped_at < MESH_BOOT_MOVE_GAP_MS) {
		if (!m->newer_self_logged_at ||
		    m->now - m->newer_self_logged_at >= MESH_NEWER_SELF_LOG_MS) {
			m->newer_self_logged_at = m->now;
			mesh_log(m, MESH_LOG_WARN,
				 "%s again: another node may run with this node's address %s",
				 why, m->cfg.name);
		}
		return;
	}
	m->boot_bumped_at = m->now;
	m->cfg.boot = boot + 1;
	m->ctr.boot_moves++;
	mesh_log(m, MESH_LOG_WARN,
		 "%s (this host's clock went back since an earlier start?): moving our boot "
		 "id past it",
		 why);
	adj_our_boot_changed(m);
	m->own_dirty = true;
}


void self_apply_newer(struct mesh *m)
{
	uint64_t boot = m->newer_self_boot;

	if (!boot)
		return;
	m->newer_self_boot = 0;
	boot_past(m, boot, m->newer_self_why ? m->newer_self_why : "a newer record of this node");
}
