/*
 * Carrying out the mesh core's actions on this host; see daemon_act.h.
 */
#include "daemon_act.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_member.h"
#include "gateway.h"
#include "kernel.h"
#include "log.h"
#include "udp.h"
#include "wgdev.h"
#include "wire/seal.h"

static void do_send(struct daemon_act *h, const struct mesh_action *a)
{
	uint8_t pkt[WIRE_MAX_PACKET];
	int n = seal_encode(pkt, sizeof(pkt), h->key, &a->u.send.msg);

	if (n < 0) {
		log_warnx("cannot encode a message of type %u: %s", a->u.send.msg.hdr.type,
			  strerror(-n));
		return;
	}
	if (udp_send(h->udp, &a->u.send.to, pkt, (size_t)n) < 0)
		h->send_errors++;
}

/* One sealed LAN hello to the broadcast address of every local IPv4 LAN. */
static void do_send_lan(struct daemon_act *h, const struct mesh_action *a)
{
	uint8_t pkt[WIRE_MAX_PACKET];
	int n = seal_encode(pkt, sizeof(pkt), h->key, &a->u.send.msg);

	if (n < 0)
		return;
	for (size_t i = 0; i < h->n_bcast; i++)
		if (udp_send(h->udp, &h->bcast[i], pkt, (size_t)n) < 0)
			h->send_errors++;
}

static void do_route(const struct daemon_act *h, const struct mesh_action *a)
{
	char p[ADDR_STRLEN + 8];
	int r;

	/*
	 * The default route (an exit node in use) never goes into the main
	 * table: WireGuard's own packets would follow it and the node would
	 * lock itself out. gateway.c puts it in a table of its own.
	 */
	if (a->u.route.dst.len == 0) {
		r = gateway_exit_route(h->gw, h->udp, a->type == MESH_ACT_ROUTE_ADD);
		if (r < 0)
			log_warnx("exit node route %s: %s", a->type == MESH_ACT_ROUTE_ADD ? "add" : "del",
				  strerror(-r));
		return;
	}
	if (a->type == MESH_ACT_ROUTE_ADD)
		r = kernel_route_replace(h->k, h->ifindex, &a->u.route.dst);
	else
		r = kernel_route_del(h->k, h->ifindex, &a->u.route.dst);
	if (r < 0 && !(a->type == MESH_ACT_ROUTE_DEL && r == -ESRCH))
		log_warnx("route %s %s: %s", a->type == MESH_ACT_ROUTE_ADD ? "add" : "del",
			  prefix_fmt(&a->u.route.dst, p, sizeof(p)), strerror(-r));
	else
		log_debug("route %s %s", a->type == MESH_ACT_ROUTE_ADD ? "add" : "del",
			  prefix_fmt(&a->u.route.dst, p, sizeof(p)));
}

static void fill_peer(struct wgdev_peer *wp, const struct mesh_action *a)
{
	memset(wp, 0, sizeof(*wp));
	memcpy(wp->public_key, a->u.peer.pubkey, WGDEV_KEY_LEN);
	if (a->type == MESH_ACT_PEER_REMOVE) {
		wp->flags = WGDEV_PEER_REMOVE;
		return;
	}
	wp->flags = WGDEV_PEER_REPLACE_ALLOWEDIPS | WGDEV_PEER_HAS_KEEPALIVE;
	if (a->u.peer.flags & MESH_PEER_HAS_ENDPOINT) {
		wp->flags |= WGDEV_PEER_HAS_ENDPOINT;
		wp->endpoint = a->u.peer.endpoint;
	}
	wp->keepalive = a->u.peer.keepalive;
	wp->allowed_ips = a->u.peer.allowed;
	wp->n_allowed_ips = a->u.peer.n_allowed;
}

/* All peer changes of one step go to WireGuard in one request, in order. */
static void do_peers(const struct daemon_act *h, const struct mesh_action *acts, size_t n)
{
	struct wgdev_peer *peers = calloc(n ? 2 * n : 1, sizeof(*peers));
	struct wgdev_device dev = { 0 };
	int r;

	if (!peers) {
		log_warnx("out of memory applying WireGuard peers");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type != MESH_ACT_PEER_SET && acts[i].type != MESH_ACT_PEER_REMOVE)
			continue;
		if (acts[i].type == MESH_ACT_PEER_SET && (acts[i].u.peer.flags & MESH_PEER_KICK)) {
			/* keepalive 0, then the real one: WireGuard sends one at once */
			struct wgdev_peer *k = &peers[dev.n_peers++];
			memcpy(k->public_key, acts[i].u.peer.pubkey, WGDEV_KEY_LEN);
			k->flags = WGDEV_PEER_HAS_KEEPALIVE | WGDEV_PEER_UPDATE_ONLY;
			k->keepalive = 0;
		}
		fill_peer(&peers[dev.n_peers++], &acts[i]);
	}
	dev.peers = peers;
	if (dev.n_peers && (r = wgdev_set(h->wg, &dev)) < 0)
		log_warnx("%s: setting %zu WireGuard peer(s) failed: %s", h->ifname,
			  dev.n_peers, strerror(-r));
	free(peers);
}

static void do_log(const struct mesh_action *a)
{
	switch (a->u.log.level) {
	case MESH_LOG_WARN:
		log_warnx("%s", a->u.log.text);
		break;
	case MESH_LOG_INFO:
		log_info("%s", a->u.log.text);
		break;
	case MESH_LOG_DEBUG:
		log_debug("%s", a->u.log.text);
		break;
	}
}

void daemon_act_apply(struct daemon_act *h, const struct mesh_action *acts, size_t n)
{
	do_peers(h, acts, n);
	for (size_t i = 0; i < n; i++) {
		switch (acts[i].type) {
		case MESH_ACT_SEND:
			do_send(h, &acts[i]);
			break;
		case MESH_ACT_SEND_LAN:
			do_send_lan(h, &acts[i]);
			break;
		case MESH_ACT_ROUTE_ADD:
		case MESH_ACT_ROUTE_DEL:
			do_route(h, &acts[i]);
			break;
		case MESH_ACT_REVOKED:
			daemon_member_keep(h->revoked_path, &acts[i].u.revoked);
			break;
		case MESH_ACT_LOG:
			do_log(&acts[i]);
			break;
		case MESH_ACT_PEER_SET:
		case MESH_ACT_PEER_REMOVE:
			break; /* done above */
		}
	}
}
