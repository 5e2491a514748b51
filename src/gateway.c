/*
 * Host set-up for subnet routes and exit nodes; see gateway.h.
 *
 * Forwarding: the WireGuard interface forwards whenever the node carries
 * others' traffic (daemon.c); a node that carries a subnet or offers an
 * exit also needs IPv4 forwarding on its other interfaces, since the
 * replies come in there. It is switched on only if it was off, and back
 * off at stop only if this run switched it on.
 */
#include "gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct gateway {
	struct kernel *k;
	unsigned ifindex;
	char ifname[IFNAMSIZ];
	bool forwarding_ours;	/* we turned IPv4 forwarding on */
	bool exit_route;	/* the default route through the tunnel is in */
};

static void forwarding(struct gateway *g, bool want)
{
	bool was = false;
	int r;

	if (want == g->forwarding_ours)
		return;
	if (!want) {
		if (kernel_forwarding_all(false, &was) == 0)
			log_info("IPv4 forwarding off again (this node no longer carries routes)");
		g->forwarding_ours = false;
		return;
	}
	r = kernel_forwarding_all(true, &was);
	if (r < 0) {
		log_warnx("cannot enable IPv4 forwarding (%s): the routes this node carries will "
			  "not work", strerror(-r));
		return;
	}
	if (!was) {
		log_info("enabled IPv4 forwarding: this node carries routes out of the overlay");
		g->forwarding_ours = true;
	}
}

struct gateway *gateway_start(struct kernel *k, const struct config *cfg, unsigned wg_ifindex)
{
	struct gateway *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->k = k;
	g->ifindex = wg_ifindex;
	memcpy(g->ifname, cfg->ifname, sizeof(g->ifname));
	gateway_reconfigure(g, cfg);
	return g;
}

void gateway_reconfigure(struct gateway *g, const struct config *cfg)
{
	forwarding(g, config_routes_carry_out(&cfg->rt));
}

int gateway_exit_route(struct gateway *g, bool on)
{
	(void)on;
	g->exit_route = false;
	return -EOPNOTSUPP;
}

void gateway_stop(struct gateway *g)
{
	if (!g)
		return;
	if (g->exit_route)
		gateway_exit_route(g, false);
	forwarding(g, false);
	free(g);
}
