/* The difference between two configurations; see reload.h. */
#include "reload.h"

#include <string.h>

static void keep(struct reload_plan *plan, const char *what)
{
	if (plan->n_kept < RELOAD_KEPT_MAX)
		plan->kept[plan->n_kept++] = what;
}

static bool same_peer(const struct config_static_peer *a, const struct config_static_peer *b)
{
	return strcmp(a->host, b->host) == 0 && a->wg_port == b->wg_port &&
	       a->admin_port == b->admin_port && addr_eq(&a->wg_ip, &b->wg_ip) &&
	       a->no_transit == b->no_transit;
}

static bool same_peers(const struct config *a, const struct config *b)
{
	if (a->n_peers != b->n_peers)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!same_peer(&a->peers[i], &b->peers[i]))
			return false;
	return true;
}

/* Identity and sockets: the running node keeps the old ones. */
static void keep_identity(const struct config *old, struct config *new, struct reload_plan *plan)
{
	if (strcmp(old->name, new->name) != 0) {
		keep(plan, "name");
		memcpy(new->name, old->name, sizeof(new->name));
		new->name_from_hostname = old->name_from_hostname;
	}
	if (!addr_eq(&old->wg_ip, &new->wg_ip)) {
		keep(plan, "wgIp");
		new->wg_ip = old->wg_ip;
	}
	if (strcmp(old->ifname, new->ifname) != 0) {
		keep(plan, "interface");
		memcpy(new->ifname, old->ifname, sizeof(new->ifname));
	}
	if (old->existing_interface != new->existing_interface) {
		keep(plan, "existingInterface");
		new->existing_interface = old->existing_interface;
	}
	if (old->wg_port != new->wg_port) {
		keep(plan, "wgPort");
		new->wg_port = old->wg_port;
	}
	if (old->admin_port != new->admin_port) {
		keep(plan, "adminPort");
		new->admin_port = old->admin_port;
	}
	if (!addr_eq(&old->subnet.addr, &new->subnet.addr) || old->subnet.len != new->subnet.len) {
		keep(plan, "subnet");
		new->subnet = old->subnet;
	}
	if (old->lan_port != new->lan_port) {
		keep(plan, "lanPort");
		new->lan_port = old->lan_port;
	}
}

/*
 * A certificate for the new name or address, while the running node keeps
 * its old ones: the others would refuse it. The running identity and
 * certificate stay (the daemon keeps its key for the same public key).
 */
static void keep_certificate(const struct config *old, struct config *new,
			     struct reload_plan *plan)
{
	const struct config_member *o = &old->mb;
	struct config_member *n = &new->mb;

	if (!n->has_ca || !n->has_cert || !o->has_cert ||
	    (addr_eq(&n->cert.addr, &new->wg_ip) && strcmp(n->cert.name, new->name) == 0))
		return;
	keep(plan, "certificate (for another name or wgIp)");
	n->cert = o->cert;
	n->has_identity = o->has_identity;
	memcpy(n->identity_pub, o->identity_pub, sizeof(n->identity_pub));
}

bool reload_plan(const struct config *old, struct config *new, struct reload_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	keep_identity(old, new, plan);
	keep_certificate(old, new, plan);
	/*
	 * The running node wiped its copy of the key after deriving the admin
	 * key: the caller derives the new one and compares those.
	 */
	plan->shared_key = new->has_shared_key;
	plan->statics = !same_peers(old, new);
	plan->options = old->no_transit != new->no_transit ||
			old->direct_idle_s != new->direct_idle_s || old->max_nodes != new->max_nodes ||
			(old->self_static != NULL) != (new->self_static != NULL);
	plan->mtu = old->mtu != new->mtu;
	plan->routes = !config_routes_same(&old->rt, &new->rt);
	plan->member = !config_member_same(&old->mb, &new->mb);
	/* as the shared key: the running node keeps only the derived key */
	plan->prev_key = old->mb.has_prev_key || new->mb.has_prev_key;
	return plan->shared_key || plan->statics || plan->options || plan->mtu || plan->routes ||
	       plan->member || plan->prev_key;
}
