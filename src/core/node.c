/*
 * The node table: one struct mesh_peer per node we talk to, try a direct
 * path to, or list as a static peer, keyed by its overlay address; and the
 * facts about a node that several modules ask (its name against the ones
 * we know, the newest boot we hold for it, whether an address is on one of
 * our LANs). Bounded: at most max_nodes peers besides the static ones.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"


size_t mesh_max_nodes(const struct mesh *m)
{
	return m->cfg.max_nodes ? m->cfg.max_nodes : MESH_MAX_NODES_DEFAULT;
}

struct mesh_peer *mesh_peer_get(const struct mesh *m, const struct addr *id)
{
	return idtab_get(&m->peers, id);
}

struct mesh_peer *mesh_peer_new(struct mesh *m, const struct addr *id)
{
	struct mesh_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->id = *id;
	p->created = m->now;
	p->hello_backoff = MESH_HELLO_FIRST_MS;
	replay_init(&p->replay);
	if (idtab_insert(&m->peers, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

struct mesh_peer *mesh_peer_ensure(struct mesh *m, const struct addr *id)
{
	struct mesh_peer *p = mesh_peer_get(m, id);

	if (p)
		return p;
	if (m->peers.n >= mesh_max_nodes(m) + m->cfg.n_static) {
		m->ctr.nodes_refused++;
		return NULL;
	}
	return mesh_peer_new(m, id);
}

void mesh_peer_free(struct mesh_peer *p)
{
	if (!p)
		return;
	free(p->wg_allowed);
	free(p);
}

uint64_t mesh_last_heard(const struct mesh_peer *p)
{
	return p->last_rx > p->last_wg_rx ? p->last_rx : p->last_wg_rx;
}

uint64_t mesh_held_boot(const struct mesh *m, const struct addr *id)
{
	return lsdb_held_boot(&m->db, id, m->now);
}

bool mesh_on_local_lan(const struct mesh *m, const struct addr *a)
{
	for (size_t i = 0; i < m->n_local; i++)
		if (prefix_contains(&m->local_pfx[i], a))
			return true;
	return false;
}

bool mesh_id_taken(const struct mesh *m, const struct addr *id, const char *name)
{
	const struct mesh_peer *p = mesh_peer_get(m, id);
	const struct lsdb_record *r = lsdb_get(&m->db, id);

	if (p && p->has_info && p->adj && strcmp(p->name, name) != 0)
		return true;
	return r && r->route.reachable && strcmp(r->name, name) != 0;
}

bool mesh_name_ok(const char *name)
{
	return name[0] != '\0';
}


bool mesh_peer_admin_ep(const struct mesh_peer *p, struct endpoint *ep)
{
	if (p->is_static) {
		if (!p->static_resolved)
			return false;
		*ep = p->static_admin;
	} else if (p->has_admin_ep) {
		*ep = p->admin_ep;
	} else {
		return false;
	}
	return true;
}

/*
 * A newer record of ourselves is in the network: our boot moves past it
 * once the event is done (mesh.c), so that nobody deep in a receive path
 * changes our identity under its callers.
 */
void mesh_note_newer_self(struct mesh *m, uint64_t boot, const char *why)
{
	if (boot < m->cfg.boot || boot <= m->newer_self_boot)
		return;
	m->newer_self_boot = boot;
	m->newer_self_why = why;
}
