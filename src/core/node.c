/*
 * The node table: one struct mesh_peer per node we talk to, try a direct
 * path to, or list as a static peer, keyed by its overlay address; and the
 * facts about a node that several modules ask (its name against the ones
 * we know, the newest boot we hold for it, whether an address is on one of
 * our LANs). Bounded: at most max_nodes peers besides the static ones.
 */
#include <errno.h>
#include <stdio.h>
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
	replay_init(&p->adj.replay);
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
	free(p->fib.allowed);
	free(p);
}

bool mesh_peer_sampled(const struct mesh_peer *p)
{
	return p->fib.on && memcmp(p->seen.key, p->fib.key, WIRE_KEY_LEN) == 0;
}

bool mesh_heard_since(const struct mesh_peer *p, uint64_t t)
{
	return p->adj.last_rx >= t || (p->seen.last_rx && p->seen.rx_after >= t);
}

uint64_t mesh_last_heard(const struct mesh_peer *p)
{
	return p->adj.last_rx > p->seen.last_rx ? p->adj.last_rx : p->seen.last_rx;
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

	if (p && p->has_info && p->adj.up && strcmp(p->name, name) != 0)
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

/*
 * Which side of a pair starts WireGuard's handshake where only one should
 * (fib.c) and re-creates a trial through NAT (direct.c): the node not
 * listed toward a listed one (a listed node has a known endpoint, the
 * other may sit behind NAT), else the lower overlay address.
 */
bool mesh_we_initiate(const struct mesh *m, const struct mesh_peer *p)
{
	/* a listed node has a known endpoint; the other may sit behind NAT */
	if (m->self_listed != p->is_static)
		return !m->self_listed;
	return addr_cmp(&m->cfg.id, &p->id) < 0;
}

/* ---- the identity of a node ---- */

bool mesh_peer_learn(struct mesh_peer *p, const char *name, const uint8_t *pubkey,
		     uint16_t wg_port, uint16_t admin_port, uint32_t flags)
{
	bool changed = !p->has_info || memcmp(p->pubkey, pubkey, WIRE_KEY_LEN) != 0 ||
		       p->wg_port != wg_port;

	snprintf(p->name, sizeof(p->name), "%s", name);
	memcpy(p->pubkey, pubkey, WIRE_KEY_LEN);
	p->wg_port = wg_port;
	p->admin_port = admin_port;
	p->flags = flags;
	p->has_info = true;
	return changed;
}

void mesh_peer_learn_record(struct mesh_peer *p, const struct lsdb_record *r)
{
	memcpy(p->pubkey, r->pubkey, WIRE_KEY_LEN);
	snprintf(p->name, sizeof(p->name), "%s", r->name);
	p->wg_port = r->wg_port;
}

void mesh_peer_fresh(struct mesh_peer *p)
{
	p->wg_trial++;
}

/* ---- where we reach it ---- */

void mesh_peer_proved(struct mesh_peer *p, const struct endpoint *ep)
{
	if (p->is_static)
		return; /* reached at its configured address, whatever it proves */
	p->has_admin_ep = true;
	p->admin_ep = *ep;
}

void mesh_peer_heard(struct mesh_peer *p, const struct endpoint *from)
{
	p->has_src = true;
	p->src = *from;
}

/* ---- static peers ---- */

static const struct mesh_static_peer *find_static(const struct mesh_static_peer *s, size_t n,
						   const struct addr *id)
{
	for (size_t i = 0; i < n; i++)
		if (addr_eq(&s[i].id, id))
			return &s[i];
	return NULL;
}

int node_set_statics(struct mesh *m, const struct mesh_static_peer *statics, size_t n)
{
	struct mesh_static_peer *copy = NULL;
	char id[ADDR_STRLEN];

	if (n > MESH_MAX_STATIC)
		return -EINVAL;
	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, statics, n * sizeof(*copy));
	}
	/* no longer listed: talked to where it was reached, as any other node */
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (!p->is_static || find_static(copy, n, &p->id))
			continue;
		mesh_log(m, MESH_LOG_INFO, "%s (%s) is no longer a static peer",
			 p->name[0] ? p->name : "?", addr_fmt(&p->id, id, sizeof(id)));
		p->is_static = false;
		if (p->static_resolved)
			mesh_peer_proved(p, &p->static_admin);
		p->static_resolved = false;
	}
	m->self_listed = false;
	m->has_self_static = false;
	for (size_t i = 0; i < n; i++) {
		struct mesh_peer *p;
		const struct mesh_static_peer *old = find_static(m->statics, m->cfg.n_static,
								 &copy[i].id);
		if (addr_eq(&copy[i].id, &m->cfg.id)) {
			m->self_listed = true;
			continue;
		}
		p = mesh_peer_get(m, &copy[i].id);
		if (!p && !(p = mesh_peer_new(m, &copy[i].id))) {
			free(copy);
			return -ENOMEM;
		}
		if (!p->is_static && m->statics)
			mesh_log(m, MESH_LOG_INFO, "%s is a static peer now",
				 addr_fmt(&p->id, id, sizeof(id)));
		/* new, or its ports changed: wait for its address again */
		if (!p->is_static || !old || old->admin_port != copy[i].admin_port ||
		    old->wg_port != copy[i].wg_port)
			p->static_resolved = false;
		p->is_static = true;
	}
	free(m->statics);
	m->statics = copy;
	m->cfg.statics = copy;
	m->cfg.n_static = n;
	return 0;
}

struct mesh_peer *node_static_addr(struct mesh *m, size_t idx, const struct addr *a)
{
	const struct mesh_static_peer *sp;
	struct mesh_peer *p;

	if (idx >= m->cfg.n_static)
		return NULL;
	sp = &m->statics[idx];
	if (addr_eq(&sp->id, &m->cfg.id)) {
		/* ourselves: where the others reach us (maybe a port forward) */
		m->has_self_static = true;
		m->self_static = (struct endpoint){ .addr = *a, .port = sp->admin_port };
		return NULL;
	}
	p = mesh_peer_get(m, &sp->id);
	if (!p || (p->static_resolved && addr_eq(&p->static_admin.addr, a)))
		return NULL;
	p->static_resolved = true;
	p->static_admin = (struct endpoint){ .addr = *a, .port = sp->admin_port };
	p->static_wg = (struct endpoint){ .addr = *a, .port = sp->wg_port };
	return p;
}
