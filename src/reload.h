/*
 * Reloading the configuration (SIGHUP, `systemctl reload`): what changed
 * between the running configuration and a newly loaded one, and what of it
 * can be applied to the running node.
 *
 * Applied at once: the shared key and previousSharedKey, the static peers
 * (added, removed, moved), no-transit, the MTU, directIdleSeconds,
 * maxNodes, the routes settings (routes, exitNode, useExitNode,
 * masquerade, acceptRoutes, allowExitNodes) and membership (caKey,
 * revoked, identityKey, certificate). Kept until a restart, with a
 * warning: the node's identity and sockets (name, wgIp, interface, ports,
 * subnet, LAN discovery port, -e), and a new certificate that is for
 * another name or address than the running one's. A configuration with
 * errors is refused whole by the caller before this runs: the old one
 * stays.
 */
#ifndef WGNM_RELOAD_H
#define WGNM_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define RELOAD_KEPT_MAX 12

struct reload_plan {
	bool shared_key;	/* derive the admin key again (and compare) */
	bool statics;		/* the list of static peers changed */
	bool options;		/* no-transit, directIdleSeconds or maxNodes changed */
	bool mtu;
	bool routes;		/* routes, exitNode, useExitNode, masquerade, acceptRoutes, allowExitNodes */
	bool member;		/* caKey, revoked, identityKey or certificate changed */
	bool prev_key;		/* derive previousSharedKey again (or drop it) */
	/* settings that need a restart: named, and left as they run */
	size_t n_kept;
	const char *kept[RELOAD_KEPT_MAX];
};

/*
 * Compare old and new; settings that need a restart are copied back from
 * old into new (so new can replace old as the running configuration) and
 * named in plan->kept. Returns true if anything is to be applied.
 */
bool reload_plan(const struct config *old, struct config *new, struct reload_plan *plan);

#endif
