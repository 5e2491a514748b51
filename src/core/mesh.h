/*
 * The mesh core: a pure state machine. Events go in with the time as an
 * argument (milliseconds on a monotonic clock), effects come out as a list
 * of actions that the daemon (or the simulator) carries out. The core does
 * no I/O, reads no clock and holds no secret but public keys. See mesh.c's
 * header for the protocol model.
 */
#ifndef WGNM_CORE_MESH_H
#define WGNM_CORE_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "wire/cert.h"
#include "wire/wire.h"

#define MESH_MAX_STATIC 1024
#define MESH_MAX_LOCAL WIRE_MAX_LOCAL_ADDRS
/*
 * Nodes (records) held at most, by default. A digest counts records in 16
 * bits, so no setting goes above MESH_MAX_NODES_LIMIT.
 */
#define MESH_MAX_NODES_DEFAULT 4096
#define MESH_MAX_NODES_LIMIT 65535

struct mesh;

struct mesh_static_peer {
	struct addr id;			/* its wgIp */
	uint16_t admin_port;
	uint16_t wg_port;
};

struct mesh_config {
	struct addr id;			/* this node's wgIp */
	char name[WIRE_NAME_MAX + 1];
	struct prefix subnet;
	uint64_t boot;			/* this start's boot id, larger than earlier ones */
	uint8_t pubkey[WIRE_KEY_LEN];	/* this boot's WireGuard public key */
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;			/* WIRE_NODE_* */
	size_t n_static;
	const struct mesh_static_peer *statics;
	/* Randomness comes in from outside too (probe ids, jitter). */
	uint64_t (*random64)(void *arg);
	void *random_arg;
	/*
	 * A keyed 64-bit MAC under a secret of this start (SipHash in the
	 * daemon): challenges are computed with it, not stored (cookie.h).
	 */
	uint64_t (*mac64)(void *arg, const void *data, size_t len);
	void *mac_arg;
	size_t max_nodes;		/* nodes held at most; 0 = MESH_MAX_NODES_DEFAULT */
	/*
	 * This host's clock is not trusted (before the software's release):
	 * its boot id may be far behind its last one, so moving past a newer
	 * record of ours needs no bound.
	 */
	bool clock_untrusted;
	bool lan_discovery;		/* broadcast hellos while no neighbour answers */
	/* subnet routes: what we announce (WIRE_NODE_EXIT in flags offers the default) */
	size_t n_routes;		/* <= WIRE_MAX_ROUTES, canonical and distinct */
	struct prefix routes[WIRE_MAX_ROUTES];
	/* and what we accept from others (subnet.c) */
	size_t n_accept_routes;
	const struct prefix *accept_routes;
	bool allow_exit_nodes;
	enum mesh_use_exit { MESH_EXIT_NONE = 0, MESH_EXIT_NAMED, MESH_EXIT_AUTO } use_exit;
	char use_exit_name[WIRE_NAME_MAX + 1];
	uint32_t direct_idle_ms;	/* idle NAT edge: keepalive off after; 0 = default */
	/*
	 * Membership (network.caKey; member.c). has_ca false: the shared-key
	 * mode, and the rest of this block is ignored. Signatures are the
	 * host's (Ed25519): sign with this node's identity key, verify
	 * anyone's; unix_time for validity periods (the core reads no clock).
	 * unix_time is used without a CA too: direct paths retry on a grid of
	 * wall-clock time (direct.c); NULL: the core's own time.
	 */
	bool has_ca;
	uint8_t ca_key[CERT_KEY_LEN];
	struct cert cert;		/* ours, for our identity key and this address */
	cert_sign_fn sign;
	void *sign_arg;
	cert_verify_fn verify;
	void *verify_arg;
	uint64_t (*unix_time)(void *arg);
	void *time_arg;
	size_t n_revoked;		/* known at start: net.yaml's list and the stored ones */
	const struct revocation *revoked;	/* copied */
};

enum mesh_action_type {
	MESH_ACT_SEND = 1,	/* encode, seal and send msg to `to` */
	MESH_ACT_PEER_SET,	/* add or update a WireGuard peer */
	MESH_ACT_PEER_REMOVE,	/* remove a WireGuard peer */
	MESH_ACT_ROUTE_ADD,	/* kernel route to dst via the WireGuard interface */
	MESH_ACT_ROUTE_DEL,
	MESH_ACT_LOG,
	MESH_ACT_SEND_LAN,	/* encode, seal and broadcast msg on every local LAN */
	MESH_ACT_REVOKED,	/* a new revocation: keep it (it must survive restarts) */
};

enum mesh_log_level {
	MESH_LOG_WARN = 0,
	MESH_LOG_INFO = 1,
	MESH_LOG_DEBUG = 2,
};

#define MESH_PEER_HAS_ENDPOINT 0x1u
/*
 * Send a keepalive now (WireGuard does so when the keepalive goes from 0
 * to non-zero): after roaming, our packets from the new address make the
 * peer's WireGuard follow us at once instead of at the next keepalive.
 */
#define MESH_PEER_KICK 0x2u

struct mesh_action {
	enum mesh_action_type type;
	union {
		struct {
			struct endpoint to;	/* unset for SEND_LAN */
			struct wire_msg msg;
		} send;
		struct {
			uint8_t pubkey[WIRE_KEY_LEN];
			uint32_t flags;		/* MESH_PEER_HAS_* */
			struct endpoint endpoint;
			uint16_t keepalive;	/* seconds, 0 = off */
			size_t n_allowed;	/* replaces the peer's AllowedIPs */
			struct prefix *allowed;	/* owned by the action list */
		} peer;
		struct {
			struct prefix dst;
		} route;
		struct {
			enum mesh_log_level level;
			char text[200];
		} log;
		struct revocation revoked;	/* MESH_ACT_REVOKED */
	} u;
};

/* Why an announced route or exit offer is (not) installed (subnet.c). */
enum mesh_route_verdict {
	MESH_ROUTE_ACCEPTED = 0,
	MESH_ROUTE_OURS,		/* we announce it too: our side of it is ours */
	MESH_ROUTE_DEFAULT,		/* a default route in routes: offered only as an exit node */
	MESH_ROUTE_SPECIAL,		/* overlaps loopback, link-local, multicast or 0.0.0.0/8 */
	MESH_ROUTE_OVERLAY,		/* overlaps the overlay subnet */
	MESH_ROUTE_OUR_UNDERLAY,	/* holds one of this node's underlay addresses */
	MESH_ROUTE_ITS_UNDERLAY,	/* holds the announcer's public (reflexive) endpoint */
	MESH_ROUTE_STATIC_ENDPOINT,	/* holds a static peer's endpoint */
	MESH_ROUTE_NOT_ACCEPTED,	/* outside network.acceptRoutes */
	MESH_ROUTE_EXITS_OFF,		/* an exit node offer; network.allowExitNodes is off */
	MESH_ROUTE_NOT_CERTIFIED,	/* beyond what the announcer's certificate allows */
	MESH_ROUTE__COUNT,
};
const char *mesh_route_verdict_name(enum mesh_route_verdict v);

/* An announcement as the status shows it: ours, or a reachable node's. */
struct mesh_route_status {
	struct prefix dst;		/* 0.0.0.0/0 for an exit offer */
	struct addr node;		/* who announces it (our own id: ours) */
	bool exit;			/* an exit node offer */
	bool ours;			/* this node announces it */
	uint8_t verdict;		/* enum mesh_route_verdict (ours: MESH_ROUTE_OURS) */
	bool active;			/* installed: that node carries it for us */
};

/* Which exit node this node uses, if any, and why not (status). */
struct mesh_exit_status {
	uint8_t use;			/* enum mesh_use_exit */
	char want[WIRE_NAME_MAX + 1];	/* MESH_EXIT_NAMED: the name */
	bool active;
	struct addr node;		/* the exit node in use */
	char why[96];			/* none used though one is wanted: why */
	bool offered;			/* this node offers itself as one */
	uint64_t refused;		/* announcements refused so far, each once */
};

/* A node as the status view shows it. */
enum mesh_path {
	MESH_PATH_SELF = 0,
	MESH_PATH_DIRECT,	/* our own WireGuard peer */
	MESH_PATH_GATEWAY,	/* via another node */
	MESH_PATH_UNREACHABLE,
};

/* How far a direct-path attempt to a node has come (core/direct.c). */
enum mesh_direct_phase {
	MESH_DIRECT_IDLE = 0,	/* nothing to try, or adjacent already */
	MESH_DIRECT_TRYING,	/* a trial WireGuard peer at a candidate endpoint */
	MESH_DIRECT_UP,		/* handshake seen: the edge is claimed */
	MESH_DIRECT_FAILED,	/* every candidate failed; tried again later */
};

struct mesh_node_status {
	struct addr id;
	char name[WIRE_NAME_MAX + 1];
	enum mesh_path path;
	struct addr via;		/* first hop, for MESH_PATH_GATEWAY */
	bool is_static;
	bool adjacent;			/* admin adjacency up */
	struct endpoint admin_ep;	/* where we talk to it, if adjacent */
	uint32_t rtt_ms;		/* 0 = not measured */
	uint32_t cost;			/* path cost, 0 = unknown */
	uint64_t since;			/* ms: when the path last changed */
	uint64_t boot;
	uint64_t seq;
	uint8_t pubkey[WIRE_KEY_LEN];	/* its WireGuard key (this boot's) */
	uint32_t flags;			/* WIRE_NODE_* from its record */
	uint8_t edge_kind;		/* WIRE_PATH_* if it is our WireGuard peer, else 0 */
	bool left;			/* unreachable because it said goodbye (else lost) */
	uint64_t claims_refused;	/* other starts that claimed its address */
	uint8_t direct_phase;		/* enum mesh_direct_phase */
	unsigned direct_tries;		/* rounds of direct-path attempts so far */
	char direct_why[112];		/* why the last attempt failed, "" if none */
	bool has_wg_endpoint;
	struct endpoint wg_endpoint;	/* its WireGuard endpoint as our device sees it */
	/* what a neighbour sees of us (netcheck) */
	bool on_our_lan;		/* we talk to it at an address on one of our LANs */
	bool has_observed_wg;
	struct endpoint observed_wg;	/* our WireGuard endpoint, as its WireGuard reports it */
	bool has_observed_admin;
	struct endpoint observed_admin;	/* where our admin packets come from, as it sees them */
};

/* This node's own view of itself (netcheck). */
struct mesh_self_status {
	size_t n_local;
	struct prefix local[MESH_MAX_LOCAL];	/* underlay addresses, with prefix lengths */
	bool has_reflexive;
	struct endpoint reflexive;	/* our WireGuard endpoint as published */
	struct addr reflexive_from;	/* the neighbour that reported it */
};

/* A peer listed in net.yaml, whether it answers or not (status). */
struct mesh_static_status {
	struct addr id;
	char name[WIRE_NAME_MAX + 1];	/* "" until it said hello */
	bool resolved;			/* its endPoint has an address */
	struct endpoint admin_ep;	/* where our hellos go, if resolved */
	bool adjacent;
	uint64_t last_heard;		/* ms, 0 = never */
	uint64_t silent_since;		/* ms: our hellos unanswered since; 0 = answering */
};

/* One neighbour claim of a link-state record: a directed edge (status --edges). */
struct mesh_edge {
	struct addr from;
	struct addr to;
	uint8_t kind;			/* WIRE_PATH_* */
	uint16_t cost;			/* as from claims it */
	bool both;			/* to's record claims from too: it carries routes */
};

struct mesh_edge_iter {
	size_t rec;
	size_t neigh;
};

struct mesh_counters {
	uint64_t rx[WIRE_TYPE_MAX + 1];
	uint64_t tx[WIRE_TYPE_MAX + 1];
	uint64_t drops[WIRE_DROP__COUNT];
	uint64_t route_changes;
	uint64_t claims_refused;	/* a second start of a live node, refused */
	uint64_t takeovers;		/* a new start elsewhere replaced a silent one */
	uint64_t boot_moves;		/* our boot moved past a newer record of ours */
	uint64_t nodes_refused;		/* new nodes beyond max_nodes */
	uint64_t reply_limited;		/* record parts not sent: answer budget spent */
	uint64_t spf_runs;
	uint64_t spf_at;		/* ms: when routes were last computed */
};

struct mesh *mesh_new(const struct mesh_config *cfg, uint64_t now);
void mesh_free(struct mesh *m);

/* An authenticated, decoded packet from `from` (the daemon opened it). */
void mesh_on_packet(struct mesh *m, uint64_t now, const struct endpoint *from,
		    const struct wire_msg *msg);
/* A datagram dropped before the core saw it. */
void mesh_on_drop(struct mesh *m, enum wire_drop why);
/* Call when now >= mesh_next_timer(). */
void mesh_on_timer(struct mesh *m, uint64_t now);
uint64_t mesh_next_timer(const struct mesh *m);
/* A static peer's address (resolved from its endPoint); again on change. */
void mesh_set_static_addr(struct mesh *m, size_t idx, const struct addr *a, uint64_t now);
/*
 * A new list of static peers (a reloaded net.yaml). Peers that stay keep
 * their state; a new one is said hello to once its address is set
 * (mesh_set_static_addr, by the new list's index); one no longer listed
 * keeps its adjacency, now at the address it was reached at.
 */
int mesh_set_statics(struct mesh *m, const struct mesh_static_peer *statics, size_t n,
		     uint64_t now);
/* New WIRE_NODE_* flags (no-transit), idle time of direct paths, node cap (reload). */
void mesh_set_options(struct mesh *m, uint32_t flags, uint32_t direct_idle_ms, size_t node_cap,
		      uint64_t now);
/*
 * New routes settings (a reloaded configuration): the routes, exit offer
 * (WIRE_NODE_EXIT in c->flags), acceptRoutes, allowExitNodes and
 * useExitNode of c; the rest of c is ignored. 0 or -ENOMEM.
 */
int mesh_set_routes(struct mesh *m, const struct mesh_config *c, uint64_t now);
/*
 * A revocation handed in by the operator (`wg_netmanager revoke`, or a
 * reloaded net.yaml): checked against the CA, applied (the nodes it
 * names are cut off) and flooded. 1 new, 0 already known, -EINVAL not
 * signed by this network's CA, -EPERM no CA configured, -ENOSPC the store
 * is full.
 */
int mesh_revoke(struct mesh *m, const struct revocation *r, uint64_t now);
/*
 * New membership settings (a reload): the CA key, our certificate, the
 * revocations of net.yaml (added to those known; none is forgotten).
 * Only the membership block of c is read.
 */
int mesh_set_membership(struct mesh *m, const struct mesh_config *c, uint64_t now);
/*
 * Static peers given only by an endpoint (--peer HOST:PORT/ADMINPORT):
 * hellos go there, LAN-style (whoever answers), while no neighbour
 * answers from that endpoint. n seeds; their endpoints set (again) with
 * mesh_set_seed_endpoint once resolved.
 */
int mesh_set_seeds(struct mesh *m, size_t n, uint64_t now);
void mesh_set_seed_endpoint(struct mesh *m, size_t idx, const struct endpoint *admin_ep,
			    uint64_t now);
/* This host's addresses outside the overlay (for NAT detection). */
void mesh_set_local_addrs(struct mesh *m, const struct addr *addrs, size_t n, uint64_t now);
/* One WireGuard peer as the device reports it (sampled about every second). */
struct mesh_wg_stats {
	uint8_t pubkey[WIRE_KEY_LEN];
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	int64_t last_handshake_sec;	/* wall clock of the device; 0 = never */
	bool has_endpoint;
	struct endpoint endpoint;	/* where WireGuard last heard it from */
};
/*
 * The device's peers. Traffic received from a neighbour proves it alive (no
 * probe needed); traffic sent to it with nothing coming back for
 * MESH_STALL_MS makes the core probe it at once instead of waiting for the
 * idle timer, so a dead gateway is noticed within seconds.
 */
void mesh_on_wg_stats(struct mesh *m, uint64_t now, const struct mesh_wg_stats *s, size_t n);
/*
 * This host's addresses with their prefix lengths: a node whose published
 * address lies in one of these prefixes shares a LAN with us. A change is
 * roaming: re-announce, re-learn the reflexive endpoint, re-probe.
 */
void mesh_set_local_prefixes(struct mesh *m, const struct prefix *pfx, size_t n, uint64_t now);
/*
 * Routes for the status: our own first, then every announcement of every
 * reachable node with its verdict, into out[0..max); returns how many
 * there are (more than max: the rest left out).
 */
size_t mesh_routes(const struct mesh *m, struct mesh_route_status *out, size_t max);
void mesh_exit_status(const struct mesh *m, struct mesh_exit_status *out);
/* Membership with a CA (status): our certificate, what was refused, what is revoked. */
struct mesh_member_status {
	bool has_ca;
	uint64_t serial;		/* our certificate's */
	uint64_t not_after;		/* unix seconds */
	bool own_revoked;		/* a revocation names our certificate */
	uint64_t refused;		/* hellos and records refused for their certificate */
	size_t n_revoked;		/* revocations known */
	size_t n_certs;			/* other nodes' certificates held */
};
void mesh_member_status(const struct mesh *m, struct mesh_member_status *out);
/* Direct paths are being tried or the start is recent: sample WireGuard often. */
bool mesh_busy(const struct mesh *m);
/* Leaving: tell the neighbours and withdraw everything installed. */
void mesh_leave(struct mesh *m, uint64_t now);

/* The pending actions; valid until mesh_actions_clear or the next event. */
size_t mesh_actions(const struct mesh *m, const struct mesh_action **out);
void mesh_actions_clear(struct mesh *m);

/* Status: all known nodes, self first. */
size_t mesh_node_count(const struct mesh *m);
bool mesh_node_status(const struct mesh *m, size_t i, struct mesh_node_status *out);
const struct mesh_counters *mesh_counters(const struct mesh *m);
const struct mesh_config *mesh_config(const struct mesh *m);
void mesh_self_status(const struct mesh *m, struct mesh_self_status *out);
/*
 * Listed peers, i < mesh_static_count(): false for an entry that names
 * this node itself (or repeats another), which is no peer.
 */
size_t mesh_static_count(const struct mesh *m);
bool mesh_static_status(const struct mesh *m, size_t i, struct mesh_static_status *out);
/* Every edge of every record; start with a zeroed iterator. */
bool mesh_edge_next(const struct mesh *m, struct mesh_edge_iter *it, struct mesh_edge *out);

#endif
