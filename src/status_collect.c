/*
 * Collecting a status snapshot: the mesh core's view (its public status
 * API in core/mesh.h: nodes, listed peers, edges, our own addresses)
 * joined with the WireGuard device's peers by public key (endpoint, last
 * handshake, traffic). The only part of the status that reads live state;
 * everything it produces is plain data (status.h).
 *
 * Then the explanations: why each node is reached the way it is, in
 * words. A node behind a gateway says which, and what the direct-path
 * attempts (core/direct.c) last found; an unreachable one says whether it
 * left or was lost. status_explain is a pure function of the snapshot, so
 * tests build snapshots by hand and check the words.
 */
#include "status.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgdev.h"

static const struct wgdev_peer *find_peer(const struct wgdev_device *dev, const uint8_t *key)
{
	if (!dev)
		return NULL;
	for (size_t i = 0; i < dev->n_peers; i++)
		if (memcmp(dev->peers[i].public_key, key, WGDEV_KEY_LEN) == 0)
			return &dev->peers[i];
	return NULL;
}

static bool key_is_zero(const uint8_t *k)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < WIRE_KEY_LEN; i++)
		acc |= k[i];
	return acc == 0;
}

static void node_from_mesh(struct status_node *n, const struct mesh_node_status *ns,
			   const struct status_input *in)
{
	const struct wgdev_peer *wp;

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", ns->name);
	n->id = ns->id;
	n->path = status_path_from_mesh(ns->path);
	/* our own WireGuard peer: say how it is reached */
	if (n->path == STATUS_PATH_DIRECT && ns->edge_kind == WIRE_PATH_LAN)
		n->path = STATUS_PATH_LAN;
	else if (n->path == STATUS_PATH_DIRECT && ns->edge_kind == WIRE_PATH_NAT)
		n->path = STATUS_PATH_NAT;
	n->direct_phase = ns->direct_phase;
	n->direct_tries = ns->direct_tries;
	snprintf(n->direct_why, sizeof(n->direct_why), "%s", ns->direct_why);
	if (n->path != STATUS_PATH_SELF && n->path != STATUS_PATH_UNREACHABLE &&
	    !addr_is_zero(&ns->via)) {
		n->via = ns->via;
		n->has |= STATUS_HAS_VIA;
	}
	if (ns->left)
		n->has |= STATUS_LEFT;
	n->claims_refused = ns->claims_refused;
	n->cost = ns->cost;
	n->is_static = ns->is_static || (ns->flags & WIRE_NODE_STATIC);
	n->adjacent = ns->adjacent;
	n->no_transit = (ns->flags & WIRE_NODE_NO_TRANSIT) != 0;
	/*
	 * The core says 0 for "not measured", but an adjacency comes up only
	 * once a challenge was answered, which measured the round trip: an
	 * adjacent node's 0 is a round trip under a millisecond.
	 */
	if (ns->rtt_ms || ns->adjacent) {
		n->rtt_ms = ns->rtt_ms;
		n->has |= STATUS_HAS_RTT;
	}
	if (in->now_ms >= ns->since && (ns->since || n->path == STATUS_PATH_SELF)) {
		n->since_s = (in->now_ms - (n->path == STATUS_PATH_SELF ? in->start_ms : ns->since)) /
			     1000;
		n->has |= STATUS_HAS_SINCE;
	}
	if (!key_is_zero(ns->pubkey)) {
		sodium_bin2base64(n->public_key, sizeof(n->public_key), ns->pubkey, WIRE_KEY_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		n->has |= STATUS_HAS_KEY;
	}
	if (n->path == STATUS_PATH_SELF || !(wp = find_peer(in->dev, ns->pubkey)))
		return;
	if (wp->flags & WGDEV_PEER_HAS_ENDPOINT || !addr_is_zero(&wp->endpoint.addr)) {
		if (wp->endpoint.port) {
			n->endpoint = wp->endpoint;
			n->has |= STATUS_HAS_ENDPOINT;
		}
	}
	if (wp->last_handshake_sec > 0) {
		n->last_handshake = wp->last_handshake_sec;
		n->has |= STATUS_HAS_HANDSHAKE;
	}
	n->rx_bytes = wp->rx_bytes;
	n->tx_bytes = wp->tx_bytes;
	n->has |= STATUS_HAS_TRAFFIC;
}

static void node_observed(struct status_node *n, const struct mesh_node_status *ns)
{
	n->on_our_lan = ns->on_our_lan;
	n->has_observed_wg = ns->has_observed_wg;
	n->observed_wg = ns->observed_wg;
	n->has_observed_admin = ns->has_observed_admin;
	n->observed_admin = ns->observed_admin;
}

static uint64_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

/* Listed peers, and how long each has not answered. */
static int collect_statics(const struct status_input *in, struct status_snapshot *out)
{
	size_t n = mesh_static_count(in->mesh);

	out->statics = calloc(n ? n : 1, sizeof(*out->statics));
	if (!out->statics)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct status_static *st = &out->statics[out->n_statics];
		struct mesh_static_status ms;

		if (!mesh_static_status(in->mesh, i, &ms))
			continue;
		out->n_statics++;
		st->id = ms.id;
		snprintf(st->name, sizeof(st->name), "%s", ms.name);
		st->resolved = ms.resolved;
		if (ms.resolved)
			st->endpoint = ms.admin_ep;
		st->answers = ms.adjacent;
		st->heard = ms.last_heard != 0;
		/* silent since it was last heard, or since the first unanswered hello */
		if (!ms.adjacent && (ms.last_heard || ms.silent_since)) {
			st->has_silent = true;
			st->silent_s = secs_since(in->now_ms,
						  ms.last_heard ? ms.last_heard : ms.silent_since);
		}
	}
	return 0;
}

/* Every record's claims, then the listed peers that do not answer. */
static int collect_edges(const struct status_input *in, struct status_snapshot *out)
{
	struct mesh_edge_iter it = { 0 };
	struct mesh_edge e;
	size_t cap = 64;

	out->has_edges = true;
	out->edges = calloc(cap, sizeof(*out->edges));
	if (!out->edges)
		return -ENOMEM;
	for (;;) {
		struct status_edge *se;
		bool more = mesh_edge_next(in->mesh, &it, &e);

		if (!more)
			break;
		if (out->n_edges == STATUS_EDGES_MAX) {
			out->edges_left_out++;
			continue;
		}
		if (out->n_edges == cap) {
			struct status_edge *grown = realloc(out->edges, 2 * cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			out->edges = grown;
			cap *= 2;
		}
		se = &out->edges[out->n_edges++];
		memset(se, 0, sizeof(*se));
		se->from = e.from;
		se->to = e.to;
		se->kind = e.kind;
		se->cost = e.cost;
		se->both = e.both;
	}
	for (size_t i = 0; i < out->n_statics; i++) {
		const struct status_static *st = &out->statics[i];
		struct status_edge *se;

		if (st->answers)
			continue;
		if (out->n_edges == cap) {
			struct status_edge *grown = realloc(out->edges, (cap + 1) * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			out->edges = grown;
			cap++;
		}
		se = &out->edges[out->n_edges++];
		memset(se, 0, sizeof(*se));
		se->from = out->id;
		se->to = st->id;
		se->kind = STATUS_EDGE_SILENT;
		se->endpoint = st->endpoint;
		se->has_silent = st->has_silent;
		se->silent_s = st->silent_s;
	}
	return 0;
}

static void collect_self(const struct status_input *in, struct status_snapshot *out)
{
	const struct mesh_config *mc = mesh_config(in->mesh);
	struct mesh_self_status self;

	mesh_self_status(in->mesh, &self);
	out->wg_port = mc->wg_port;
	out->admin_port = mc->admin_port;
	out->n_local = self.n_local;
	memcpy(out->local, self.local, self.n_local * sizeof(out->local[0]));
	out->has_reflexive = self.has_reflexive;
	out->reflexive = self.reflexive;
	out->reflexive_from = self.reflexive_from;
}

static void collect_member(const struct status_input *in, struct status_snapshot *out)
{
	struct mesh_member_status ms;

	mesh_member_status(in->mesh, &ms);
	out->member.has_ca = ms.has_ca;
	out->member.serial = ms.serial;
	out->member.not_after = (int64_t)ms.not_after;
	out->member.own_revoked = ms.own_revoked;
	out->member.refused = ms.refused;
	out->member.n_revoked = ms.n_revoked;
	out->member.n_certs = ms.n_certs;
	out->member.has_prev_key = in->has_prev_key;
	out->member.prev_key_opened = in->prev_key_opened;
}

/* Routes and the exit node, after the nodes (their names and paths). */
static int collect_routes(const struct status_input *in, struct status_snapshot *out)
{
	size_t n = mesh_routes(in->mesh, NULL, 0), keep = n < STATUS_ROUTES_MAX ? n : STATUS_ROUTES_MAX;
	struct mesh_route_status *mr = calloc(keep ? keep : 1, sizeof(*mr));
	struct mesh_exit_status ex;
	const struct status_node *node;

	out->routes = calloc(keep ? keep : 1, sizeof(*out->routes));
	if (!mr || !out->routes) {
		free(mr);
		return -ENOMEM;
	}
	mesh_routes(in->mesh, mr, keep);
	for (size_t i = 0; i < keep; i++) {
		struct status_route *r = &out->routes[i];
		r->dst = mr[i].dst;
		r->node = mr[i].node;
		r->exit = mr[i].exit;
		r->ours = mr[i].ours;
		r->active = mr[i].active;
		r->verdict = mr[i].verdict;
		if ((node = status_find_id(out, &r->node)) != NULL) {
			snprintf(r->node_name, sizeof(r->node_name), "%s", node->name);
			status_path_label(node, r->path, sizeof(r->path));
		}
	}
	out->n_routes = keep;
	out->routes_left_out = n - keep;
	free(mr);
	mesh_exit_status(in->mesh, &ex);
	out->exit.use = ex.use;
	memcpy(out->exit.want, ex.want, sizeof(out->exit.want));
	out->exit.active = ex.active;
	if (ex.active && (node = status_find_id(out, &ex.node)) != NULL)
		snprintf(out->exit.node_name, sizeof(out->exit.node_name), "%s", node->name);
	memcpy(out->exit.why, ex.why, sizeof(out->exit.why));
	out->exit.offered = ex.offered;
	out->exit.refused = ex.refused;
	return 0;
}

int status_collect(const struct status_input *in, struct status_snapshot *out)
{
	const struct mesh_config *mc = mesh_config(in->mesh);
	size_t n = mesh_node_count(in->mesh);

	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s", in->ifname ? in->ifname : "");
	snprintf(out->backend, sizeof(out->backend), "%s", in->backend ? in->backend : "");
	snprintf(out->name, sizeof(out->name), "%s", mc->name);
	out->id = mc->id;
	out->now = in->wall;
	out->uptime_s = in->now_ms >= in->start_ms ? (in->now_ms - in->start_ms) / 1000 : 0;
	out->ctr = *mesh_counters(in->mesh);
	out->has_ctr = true;
	for (size_t i = 0; i < 2; i++) {
		out->socket_drops[i] = in->socket_drops[i];
		out->has_socket_drops[i] = in->has_socket_drops[i];
	}
	out->nodes = calloc(n ? n : 1, sizeof(*out->nodes));
	if (!out->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct mesh_node_status ns;

		if (!mesh_node_status(in->mesh, i, &ns))
			break;
		node_from_mesh(&out->nodes[out->n_nodes], &ns, in);
		node_observed(&out->nodes[out->n_nodes++], &ns);
	}
	status_explain(out);
	collect_self(in, out);
	collect_member(in, out);
	if (collect_statics(in, out) < 0 || collect_routes(in, out) < 0 ||
	    ((in->want & STATUS_WANT_EDGES) && collect_edges(in, out) < 0)) {
		status_snapshot_free(out);
		return -ENOMEM;
	}
	return 0;
}

static void gateway_reason(const struct status_snapshot *s, struct status_node *n,
			   char a[ADDR_STRLEN])
{
	char ep[ENDPOINT_STRLEN], age[16], tail[136] = "";

	if (n->is_static && !n->adjacent)
		snprintf(tail, sizeof(tail), " (its static endpoint does not answer)");
	else if (n->direct_why[0])
		snprintf(tail, sizeof(tail), "; direct: %s", n->direct_why);
	else if (n->direct_phase == MESH_DIRECT_TRYING)
		snprintf(tail, sizeof(tail), "; trying a direct path (round %u)", n->direct_tries);
	else if ((n->has & STATUS_HAS_ENDPOINT) && (n->has & STATUS_HAS_HANDSHAKE))
		snprintf(tail, sizeof(tail), "; trying %s directly, last handshake %s ago",
			 endpoint_fmt(&n->endpoint, ep, sizeof(ep)),
			 status_fmt_age(status_age_of(s, n->last_handshake), age, sizeof(age)));
	else if (n->has & STATUS_HAS_ENDPOINT)
		snprintf(tail, sizeof(tail), "; trying %s directly, no handshake yet",
			 endpoint_fmt(&n->endpoint, ep, sizeof(ep)));
	snprintf(n->reason, sizeof(n->reason), "no direct path: reachable via %s%s",
		 n->via_name[0] ? n->via_name : addr_fmt(&n->via, a, ADDR_STRLEN), tail);
}

/*
 * Why a node is not reached directly: its gateway, and what the direct-path
 * attempts (core/direct.c) last found, e.g. a port-randomising NAT.
 */
void status_explain(struct status_snapshot *s)
{
	for (size_t i = 0; i < s->n_nodes; i++) {
		struct status_node *n = &s->nodes[i];
		const struct status_node *via = NULL;
		char a[ADDR_STRLEN];

		if (n->has & STATUS_HAS_VIA) {
			via = status_find_id(s, &n->via);
			if (via)
				snprintf(n->via_name, sizeof(n->via_name), "%s", via->name);
			else
				addr_fmt(&n->via, n->via_name, sizeof(n->via_name));
		}
		switch (n->path) {
		case STATUS_PATH_SELF:
		case STATUS_PATH_LAN:
		case STATUS_PATH_DIRECT:
		case STATUS_PATH_NAT:
		case STATUS_PATH__COUNT:
			n->reason[0] = '\0';
			break;
		case STATUS_PATH_GATEWAY:
			gateway_reason(s, n, a);
			break;
		case STATUS_PATH_UNREACHABLE:
			snprintf(n->reason, sizeof(n->reason), "%s",
				 n->has & STATUS_LEFT ? "left: it said goodbye"
				 : n->is_static && !n->adjacent
					 ? "lost: its static endpoint does not answer"
					 : "lost: it stopped answering, no node has a link to it");
			break;
		}
	}
}
