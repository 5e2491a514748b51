/*
 * What a node that carries traffic out of the overlay sets up on its host,
 * and takes down again: a subnet router or an exit node forwards between
 * all interfaces (replies come in on the LAN side) and masquerades what
 * leaves the overlay; a node using an exit node routes its internet
 * traffic into the tunnel by policy rules that keep WireGuard's own
 * packets out of it. Thin: the decisions are the core's (subnet.c) and
 * the configuration's; this module only applies them and undoes them on
 * stop, and removes what a crashed run left at the next start.
 */
#ifndef WGNM_GATEWAY_H
#define WGNM_GATEWAY_H

#include <stdbool.h>

#include "config.h"
#include "kernel.h"

struct gateway;
struct iflock;
struct udp;
struct wgdev;

/*
 * Remove what a crashed run left, then set up what cfg asks (forwarding,
 * masquerade); NULL only without memory.
 */
struct gateway *gateway_start(struct kernel *k, struct wgdev *wg, struct iflock *lock,
			      const struct config *cfg, unsigned wg_ifindex);
/* A reloaded configuration: add or remove forwarding and masquerade. */
void gateway_reconfigure(struct gateway *g, const struct config *cfg);
/*
 * The core's default route (an exit node in use) on or off: 0 or -errno.
 * The first time on, WireGuard's socket and admin (the admin socket) get
 * the mark that keeps them on the main table.
 */
int gateway_exit_route(struct gateway *g, struct udp *admin, bool on);
/* Undo everything; frees g. NULL-safe. */
void gateway_stop(struct gateway *g);

#endif
