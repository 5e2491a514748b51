/*
 * `wg_netmanager metrics`: the Prometheus text exposition format (0.0.4),
 * every series labelled with the interface, per-node series with the
 * node's name and overlay address. Counters only grow while the daemon
 * runs; a restart starts them again (uptime says when). A pure function of
 * the snapshot.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Prometheus text exposition (version 0.0.4) ---- */

static void prom_label(struct status_buf *b, const char *s)
{
	status_buf_put(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			status_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			status_buf_printf(b, "\\n");
		else
			status_buf_put(b, p, 1);
	}
	status_buf_put(b, "\"", 1);
}

static void prom_head(struct status_buf *b, const char *name, const char *type, const char *help)
{
	status_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_if(struct status_buf *b, const char *name, const struct status_snapshot *s)
{
	status_buf_printf(b, "%s{interface=", name);
	prom_label(b, s->ifname);
}

static void prom_simple(struct status_buf *b, const struct status_snapshot *s, const char *name,
			const char *type, const char *help, uint64_t v)
{
	prom_head(b, name, type, help);
	prom_if(b, name, s);
	status_buf_printf(b, "} %" PRIu64 "\n", v);
}

static void prom_node(struct status_buf *b, const char *name, const struct status_snapshot *s,
		      const struct status_node *n)
{
	char a[ADDR_STRLEN];

	prom_if(b, name, s);
	status_buf_printf(b, ",node=");
	prom_label(b, n->name);
	status_buf_printf(b, ",address=");
	prom_label(b, addr_fmt(&n->id, a, sizeof(a)));
}

static void routes_metrics(const struct status_snapshot *s, struct status_buf *b);
static void member_metrics(const struct status_snapshot *s, struct status_buf *b);

void status_format_metrics(const struct status_snapshot *s, const char *version,
			   struct status_buf *b)
{
	char a[ADDR_STRLEN];

	prom_head(b, "wgnm_info", "gauge", "This node; always 1.");
	prom_if(b, "wgnm_info", s);
	status_buf_printf(b, ",name=");
	prom_label(b, s->name);
	status_buf_printf(b, ",address=");
	prom_label(b, addr_fmt(&s->id, a, sizeof(a)));
	status_buf_printf(b, ",version=");
	prom_label(b, version ? version : "");
	status_buf_printf(b, "} 1\n");
	prom_simple(b, s, "wgnm_uptime_seconds", "gauge", "Seconds since the daemon started.",
		    s->uptime_s);
	prom_head(b, "wgnm_packets_total", "counter", "Admin packets by message type and direction.");
	for (int dir = 0; dir < 2; dir++)
		for (unsigned t = 0; t <= WIRE_TYPE_MAX; t++) {
			const char *type = status_type_name(t);

			if (!type)
				continue;
			prom_if(b, "wgnm_packets_total", s);
			status_buf_printf(b, ",direction=\"%s\",type=\"%s\"} %" PRIu64 "\n",
					  dir ? "tx" : "rx", type,
					  dir ? s->ctr.tx[t] : s->ctr.rx[t]);
		}
	prom_head(b, "wgnm_drops_total", "counter", "Admin port datagrams dropped, by reason.");
	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++) {
		prom_if(b, "wgnm_drops_total", s);
		status_buf_printf(b, ",reason=\"%s\"} %" PRIu64 "\n",
				  wire_drop_name((enum wire_drop)d), s->ctr.drops[d]);
	}
	prom_head(b, "wgnm_socket_drops_total", "counter",
		  "Datagrams the kernel dropped on our sockets before we read them "
		  "(receive buffer full), by socket.");
	for (unsigned i = 0; i < 2; i++) {
		if (!s->has_socket_drops[i])
			continue;
		prom_if(b, "wgnm_socket_drops_total", s);
		status_buf_printf(b, ",socket=\"%s\"} %" PRIu64 "\n", i ? "lan" : "admin",
				  s->socket_drops[i]);
	}
	prom_simple(b, s, "wgnm_route_changes_total", "counter", "Kernel route changes made.",
		    s->ctr.route_changes);
	prom_simple(b, s, "wgnm_spf_runs_total", "counter", "Shortest-path computations.",
		    s->ctr.spf_runs);
	prom_simple(b, s, "wgnm_claims_refused_total", "counter",
		    "Second starts of a live node's address, refused.", s->ctr.claims_refused);
	prom_simple(b, s, "wgnm_takeovers_total", "counter",
		    "New starts elsewhere that replaced a node which stopped answering.",
		    s->ctr.takeovers);
	prom_simple(b, s, "wgnm_boot_moves_total", "counter",
		    "Times this node moved its boot id past a newer record of itself.",
		    s->ctr.boot_moves);
	prom_simple(b, s, "wgnm_nodes_refused_total", "counter",
		    "Records or contacts of new nodes refused at the node cap.", s->ctr.nodes_refused);
	prom_simple(b, s, "wgnm_reply_limited_total", "counter",
		    "Record parts not sent in answers: the per-datagram or per-second budget.",
		    s->ctr.reply_limited);
	prom_simple(b, s, "wgnm_nodes_known", "gauge", "Nodes in the link-state database, self included.",
		    s->n_nodes);
	prom_simple(b, s, "wgnm_nodes_reachable", "gauge", "Nodes with a path, self included.",
		    status_count_reachable(s));
	prom_simple(b, s, "wgnm_direct_peers", "gauge", "Nodes reached directly (LAN, direct, NAT).",
		    status_count_direct(s));
	prom_head(b, "wgnm_node_path", "gauge",
		  "1 for the path kind each node is reached by (self, lan, direct, nat, gateway, unreachable).");
	for (size_t i = 0; i < s->n_nodes; i++) {
		prom_node(b, "wgnm_node_path", s, &s->nodes[i]);
		status_buf_printf(b, ",path=\"%s\"} 1\n", status_path_name(s->nodes[i].path));
	}
	prom_head(b, "wgnm_node_rtt_seconds", "gauge", "Round-trip time to a neighbour.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_RTT) {
			prom_node(b, "wgnm_node_rtt_seconds", s, &s->nodes[i]);
			status_buf_printf(b, "} %.3f\n", s->nodes[i].rtt_ms / 1000.0);
		}
	prom_head(b, "wgnm_peer_rx_bytes_total", "counter", "WireGuard bytes received from a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_TRAFFIC) {
			prom_node(b, "wgnm_peer_rx_bytes_total", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRIu64 "\n", s->nodes[i].rx_bytes);
		}
	prom_head(b, "wgnm_peer_tx_bytes_total", "counter", "WireGuard bytes sent to a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_TRAFFIC) {
			prom_node(b, "wgnm_peer_tx_bytes_total", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRIu64 "\n", s->nodes[i].tx_bytes);
		}
	prom_head(b, "wgnm_peer_last_handshake_seconds", "gauge",
		  "Unix time of the last WireGuard handshake with a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_HANDSHAKE) {
			prom_node(b, "wgnm_peer_last_handshake_seconds", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRId64 "\n", s->nodes[i].last_handshake);
		}
	routes_metrics(s, b);
	member_metrics(s, b);
}

/* Subnet routes by state, refusals, whether an exit node is in use. */
static void routes_metrics(const struct status_snapshot *s, struct status_buf *b)
{
	static const char *const states[] = { "ours", "active", "standby", "refused" };

	prom_head(b, "wgnm_routes", "gauge", "Subnet routes and exit offers known, by state.");
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
		uint64_t n = 0;

		for (size_t i = 0; i < s->n_routes; i++)
			n += strcmp(status_route_state(&s->routes[i]), states[k]) == 0;
		prom_if(b, "wgnm_routes", s);
		status_buf_printf(b, ",state=\"%s\"} %" PRIu64 "\n", states[k], n);
	}
	prom_simple(b, s, "wgnm_routes_refused_total", "counter",
		    "Route and exit node announcements refused, each counted once.", s->exit.refused);
	prom_simple(b, s, "wgnm_exit_node_active", "gauge",
		    "1 while an exit node carries this node's internet traffic.",
		    s->exit.active ? 1 : 0);
}


/*
 * Membership: whether a CA is set; with one, our certificate (its serial
 * as a label of its end), what is held and refused; and datagrams opened
 * with previousSharedKey while one is set.
 */
static void member_metrics(const struct status_snapshot *s, struct status_buf *b)
{
	const struct status_member *m = &s->member;

	prom_simple(b, s, "wgnm_member_ca", "gauge",
		    "1 when network.caKey is set: only certified nodes are admitted.", m->has_ca);
	if (m->has_ca) {
		prom_head(b, "wgnm_member_cert_expiry_seconds", "gauge",
			  "When this node's certificate ends, in unix seconds.");
		prom_if(b, "wgnm_member_cert_expiry_seconds", s);
		status_buf_printf(b, ",serial=\"%016" PRIx64 "\"} %" PRId64 "\n", m->serial,
				  m->not_after);
		prom_head(b, "wgnm_member_cert_days_left", "gauge",
			  "Days until this node's certificate ends, a day begun counted "
			  "(negative: expired; the log and status warn from 7).");
		prom_if(b, "wgnm_member_cert_days_left", s);
		status_buf_printf(b, "} %" PRId64 "\n", status_member_days_left(s));
		prom_simple(b, s, "wgnm_member_cert_revoked", "gauge",
			    "1 when a revocation names this node's certificate.", m->own_revoked);
		prom_simple(b, s, "wgnm_member_revocations", "gauge", "Revocations held.",
			    m->n_revoked);
		prom_simple(b, s, "wgnm_member_certificates", "gauge",
			    "Other nodes' certificates held.", m->n_certs);
		prom_simple(b, s, "wgnm_member_refused_total", "counter",
			    "Hellos, records and certificates refused for their certificate.",
			    m->refused);
	}
	if (m->has_prev_key)
		prom_simple(b, s, "wgnm_previous_key_opened_total", "counter",
			    "Datagrams opened with network.previousSharedKey since it was set.",
			    m->prev_key_opened);
}
