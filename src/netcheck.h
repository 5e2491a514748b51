/*
 * netcheck: this node's place in the underlay, as the daemon knows it
 * (`wg_netmanager netcheck`, Tailscale's netcheck in spirit). No probe is
 * sent: the neighbours already tell each node what they see of it.
 *
 *   - its underlay addresses (the daemon's local addresses);
 *   - its WireGuard endpoint as each neighbour's WireGuard reports it
 *     (observed_wg in PING and PONG), and its admin endpoint as each
 *     neighbour sees its packets (observed in hellos);
 *   - what the NAT in front of it does, from the neighbours outside its
 *     LANs (on a LAN a neighbour sees a LAN address, which says nothing):
 *     none (they see one of our own addresses), it keeps the port (they
 *     all see our port), it keeps one mapping for everyone on another port
 *     (endpoint-independent), or it randomises (they see different ports;
 *     or the one neighbour sees another port than ours);
 *   - IPv4 and IPv6: an address of the family (for IPv6 a global or
 *     unique-local one), and whether any neighbour reaches us over it.
 *
 * Everything here is a pure function of a status snapshot
 * (tests/test_netcheck.c).
 */
#ifndef WGNM_NETCHECK_H
#define WGNM_NETCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define NETCHECK_JSON_VERSION 1
#define NETCHECK_MAX_PORTS 8	/* distinct reported ports kept */

enum netcheck_nat {
	NETCHECK_NAT_UNKNOWN = 0,	/* no neighbour outside our LANs reported yet */
	NETCHECK_NAT_NONE,		/* they see one of our own addresses */
	NETCHECK_NAT_KEEPS_PORT,	/* they all see our WireGuard port */
	NETCHECK_NAT_INDEPENDENT,	/* they all see one other port */
	NETCHECK_NAT_RANDOM,		/* they see different ports, or one sees another port */
	NETCHECK_NAT__COUNT,
};

struct netcheck {
	enum netcheck_nat nat;
	size_t reports;			/* neighbours outside our LANs that reported */
	size_t direct_reports;		/* of which saw one of our own addresses */
	size_t n_ports;			/* distinct ports behind NAT (at most NETCHECK_MAX_PORTS) */
	uint16_t ports[NETCHECK_MAX_PORTS];
	struct endpoint seen;		/* a reported endpoint (behind NAT, if any is) */
	bool has_ipv4, has_ipv6;	/* an address of the family (IPv6: global or ULA) */
	size_t reached_ipv4, reached_ipv6;	/* neighbours that see us over it */
};

/* "unknown", "none", "keeps-port", "endpoint-independent", "randomises". */
const char *netcheck_nat_name(enum netcheck_nat n);
/* "public", "private", "shared" (100.64/10), "global", "unique-local", "other". */
const char *netcheck_scope(const struct addr *a);
void netcheck_evaluate(const struct status_snapshot *s, struct netcheck *out);
void netcheck_format_text(const struct status_snapshot *s, struct status_buf *b);
void netcheck_format_json(const struct status_snapshot *s, struct status_buf *b);

#endif
