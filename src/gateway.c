/*
 * Host set-up for subnet routes and exit nodes; see gateway.h.
 *
 * Forwarding: the WireGuard interface forwards whenever the node carries
 * others' traffic (daemon.c); a node that carries a subnet or offers an
 * exit also needs IPv4 forwarding on its other interfaces, since the
 * replies come in there. It is switched on only if it was off, and back
 * off at stop only if this run switched it on.
 *
 * Masquerade (masq.h): what comes in from the tunnel with an overlay
 * source and leaves by another interface, on a node that carries routes
 * or offers an exit, unless masquerade: false.
 *
 * Exit routing (kernel.h, as wg-quick does it): the default route in a
 * table of our own and policy rules that send unmarked traffic there,
 * while WireGuard's socket and the admin socket carry the mark and keep
 * the main table. The mark is set on both sockets before the rules go in,
 * or WireGuard's own packets would follow the default route into the
 * tunnel. Mark and table: kernel_exit_id(our WireGuard port), stable
 * across restarts, so a start after a crash finds and removes what was
 * left (with the masquerade table, by the interface's name).
 */
#include "gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "iflock.h"
#include "log.h"
#include "masq.h"
#include "udp.h"
#include "wgdev.h"

struct gateway {
	struct kernel *k;
	struct iflock *lock;	/* where we note that forwarding is ours */
	struct wgdev *wg;
	unsigned ifindex;
	char ifname[IFNAMSIZ];
	struct prefix overlay;
	uint32_t exit_id;	/* fwmark and table */
	struct masq *masq;	/* NULL: no nf_tables here */
	bool forwarding_ours;	/* we turned IPv4 forwarding on */
	bool masquerading;
	bool marked;		/* the sockets carry exit_id */
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
		iflock_note_forwarding(g->lock, false);
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
		iflock_note_forwarding(g->lock, true);
	}
}

static void masquerade(struct gateway *g, bool want)
{
	int r;

	if (want == g->masquerading)
		return;
	if (!g->masq) {
		if (want)
			log_warnx("no nftables here: what this node forwards out of the overlay is "
				  "not masqueraded (hosts behind it need a route back)");
		return;
	}
	r = want ? masq_install(g->masq, g->ifname, &g->overlay, 1)
		 : masq_remove(g->masq, g->ifname);
	if (r < 0) {
		log_warnx("%s masquerade for %s: %s", want ? "installing" : "removing", g->ifname,
			  strerror(-r));
		return;
	}
	g->masquerading = want;
	if (want)
		log_info("masquerading traffic from the overlay that leaves by other interfaces");
}

/* What a crashed run may have left: its masquerade table, its exit rules. */
static void remove_leftovers(struct gateway *g)
{
	unsigned n = 0;

	if (g->masq && masq_remove(g->masq, g->ifname) < 0)
		log_debug("no masquerade table of an earlier run to remove");
	if (kernel_exit_route_flush(g->k, g->exit_id, g->exit_id, &n) == 0 && n)
		log_info("removed %u exit node rule(s) and route(s) left by an earlier run", n);
}

struct gateway *gateway_start(struct kernel *k, struct wgdev *wg, struct iflock *lock,
			      const struct config *cfg, unsigned wg_ifindex)
{
	struct gateway *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->k = k;
	g->lock = lock;
	/* a crashed run of ours turned forwarding on: it is ours to turn off */
	if (iflock_forwarding_left(lock)) {
		g->forwarding_ours = true;
		iflock_note_forwarding(lock, true);
	}
	g->wg = wg;
	g->ifindex = wg_ifindex;
	memcpy(g->ifname, cfg->ifname, sizeof(g->ifname));
	g->overlay = cfg->subnet;
	g->exit_id = kernel_exit_id(cfg->wg_port);
	g->masq = masq_open();
	if (!g->masq && errno != EOPNOTSUPP)
		log_warn("nftables");
	remove_leftovers(g);
	gateway_reconfigure(g, cfg);
	return g;
}

void gateway_reconfigure(struct gateway *g, const struct config *cfg)
{
	bool out = config_routes_carry_out(&cfg->rt);

	forwarding(g, out);
	masquerade(g, out && cfg->rt.masquerade);
}

/* Both sockets marked before any rule sends traffic into the tunnel. */
static int mark_sockets(struct gateway *g, struct udp *admin)
{
	int r;

	if (g->marked)
		return 0;
	if ((r = wgdev_set_fwmark(g->wg, g->exit_id)) < 0) {
		log_warnx("%s: setting WireGuard's fwmark: %s", g->ifname, strerror(-r));
		return r;
	}
	if (admin && (r = udp_set_mark(admin, g->exit_id)) < 0) {
		log_warnx("marking the admin socket: %s", strerror(-r));
		return r;
	}
	g->marked = true;
	return 0;
}

int gateway_exit_route(struct gateway *g, struct udp *admin, bool on)
{
	int r;

	if (on == g->exit_route)
		return 0;
	if (!on) {
		r = kernel_exit_route_remove(g->k, AF_INET, g->exit_id, g->exit_id);
		if (r == 0) {
			g->exit_route = false;
			log_info("internet traffic no longer goes through an exit node");
		}
		return r;
	}
	if ((r = mark_sockets(g, admin)) < 0)
		return r;
	r = kernel_exit_route_install(g->k, g->ifindex, AF_INET, g->exit_id, g->exit_id);
	if (r == 0) {
		g->exit_route = true;
		log_info("internet traffic goes through the exit node (table %u, rules %u and %u)",
			 g->exit_id, KERNEL_EXIT_PRIO, KERNEL_EXIT_PRIO + 1);
	}
	return r;
}

void gateway_stop(struct gateway *g)
{
	if (!g)
		return;
	if (g->exit_route)
		gateway_exit_route(g, NULL, false);
	masquerade(g, false);
	forwarding(g, false);
	masq_close(g->masq);
	free(g);
}
