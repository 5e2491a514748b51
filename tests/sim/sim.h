/*
 * A discrete-event simulator for the mesh core: N cores in one process in
 * virtual time (milliseconds).
 *
 * Events sit in one min-heap ordered by (time, sequence), so a run is a
 * pure function of the configuration and the seed. Two kinds: a packet
 * delivery and a node's timer. A node has at most one live timer entry;
 * every time the node is touched its mesh_next_timer() is read again and,
 * if it moved, a new entry is pushed and the old one is left in the heap
 * to be skipped when it comes up (lazy invalidation, so a thousand nodes
 * cost no heap searches).
 *
 * Node i (0-based) has:
 *   underlay  198.18.0.0/15 host i + 1, admin port SIM_ADMIN_PORT
 *   overlay   10.99.0.0/16 host i + 1 (its wgIp and node id), name "n<i>"
 *   boot      grows at every restart; the public key is a function of
 *             (i, boot) and carries both in its first bytes
 * Nodes 0 .. n_static - 1 are static: every node lists them in its
 * mesh_config.statics and is told their underlay address at start.
 *
 * Every SEND action is encoded with wire_encode() when it leaves and
 * decoded with wire_decode() when it arrives; sizes are counted with the
 * seal overhead and UDP/IPv4 headers. Links are FIFO unless reorder is
 * set (then every packet draws its own jitter, as across ECMP paths). A
 * packet is lost at random (loss),
 * dropped between different partition groups (checked on arrival), and
 * dropped when the receiver is down; a killed node's packets in flight die
 * with it, a leaving node's LEAVEs still arrive.
 *
 * PEER_SET / PEER_REMOVE / ROUTE_ADD / ROUTE_DEL are applied to a model of
 * the node's WireGuard device and route table, with WireGuard's rule that
 * an allowed IP set on one peer leaves every other peer of the device.
 * Anything odd (a route added twice, a missing peer removed, a prefix that
 * is not a node's /32) is counted in struct sim_anomalies.
 *
 * With sim_config.wireguard set, the devices also carry traffic
 * (sim_wg.c): handshakes, sessions, keepalives and overlay flows cross the
 * underlay as UDP, and every node's core is fed its device's counters
 * (mesh_on_wg_stats) as the daemon does. The underlay then has NATs
 * (sim_net.c): a node is public (site 0) or sits on a site, a LAN behind
 * one NAT of the site's type:
 *
 *   public node i   198.18.0.0/15 host i + 1 (its own /32)
 *   site k          LAN 192.168.k.0/24 (192.168.1.0/24 for every site
 *                   with lan_overlap), NAT public address 203.0.113.k
 *
 * Nodes on one site reach each other at their LAN addresses (and hear each
 * other's LAN broadcasts); everything else leaves through the site's NAT.
 * Static nodes must be public.
 */
#ifndef WGNM_SIM_H
#define WGNM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mesh.h"

#define SIM_ADMIN_PORT 50001
#define SIM_WG_PORT 51820
/* What seal.c and UDP/IPv4 add to an encoded body on the wire. */
#define SIM_PACKET_OVERHEAD (WIRE_SEAL_OVERHEAD + 28)

struct sim;

struct sim_config {
	size_t n_nodes;
	size_t n_static;		/* nodes 0 .. n_static-1 */
	uint32_t latency_ms;		/* one way, every link */
	uint32_t jitter_ms;		/* +- uniform, never below 1 ms in all */
	bool reorder;			/* jitter may reorder a link's packets; else FIFO */
	double loss;			/* 0 .. 1, each packet */
	uint64_t seed;
	uint32_t start_spread_ms;	/* nodes start at uniform times in [0, this] */
	/* Optional extra one-way latency for a link (added to latency_ms). */
	uint32_t (*link_latency)(void *arg, size_t from, size_t to);
	void *link_arg;
	/* Optional per-node WIRE_NODE_* flags (added to WIRE_NODE_STATIC). */
	uint32_t (*node_flags)(void *arg, size_t i);
	void *flags_arg;
	/* The WireGuard data plane and NATs (see above); off: no counters fed. */
	bool wireguard;
	uint32_t nat_timeout_ms;	/* a NAT binding idle this long is gone; 0: 30 s */
	bool lan_overlap;		/* every site's LAN is 192.168.1.0/24 */
	bool lan_discovery;		/* mesh_config.lan_discovery of every node */
	uint32_t direct_idle_ms;	/* mesh_config.direct_idle_ms of every node */
};

enum sim_nat {
	SIM_NAT_NONE = 0,	/* public: no NAT */
	/* endpoint-independent mapping (keeps the port when free), address-dependent filtering */
	SIM_NAT_EIM,
	/* endpoint-independent mapping, address- and port-dependent filtering */
	SIM_NAT_EIM_PORT,
	/* a random public port per destination; inbound only from that destination */
	SIM_NAT_SYMMETRIC,
};

#define SIM_MAX_SITES 254

/* Overlay traffic between two nodes: a packet every interval, echoed back. */
struct sim_flow_stats {
	uint64_t sent;
	uint64_t arrived;		/* at the far end */
	uint64_t returned;		/* its echo back at the sender */
	uint64_t last_arrived;		/* ms */
	uint64_t last_returned;		/* ms */
	unsigned last_hops;		/* WireGuard hops of the last arrival (1: direct) */
	uint64_t no_route;		/* the sender had no peer or route for it */
};

/* One peer of a node's device, as `wg show` would tell. */
struct sim_wg_info {
	bool has_endpoint;
	struct endpoint endpoint;
	uint16_t keepalive;
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake;	/* ms of virtual time; 0 = never */
	bool session;			/* a usable session */
	size_t n_allowed;
};

struct sim_traffic {
	uint64_t tx_pkts, tx_bytes;
	uint64_t rx_pkts, rx_bytes;	/* delivered to this node */
	uint64_t tx_type[WIRE_TYPE_MAX + 1];
	/* WireGuard: handshakes, keepalives and overlay data (wireguard mode) */
	uint64_t wg_tx_pkts, wg_tx_bytes;
	uint64_t wg_hs_pkts;		/* of which handshake messages */
	uint64_t wg_ka_pkts;		/* of which keepalives (no payload) */
};

/* Things a correct core never makes the simulator see. */
struct sim_anomalies {
	uint64_t encode_failed;		/* wire_encode refused a SEND */
	uint64_t decode_failed;		/* wire_decode refused what wire_encode made */
	uint64_t unroutable;		/* SEND to an endpoint that is no node */
	uint64_t route_dup;		/* ROUTE_ADD of an installed route */
	uint64_t route_missing;		/* ROUTE_DEL of a route not installed */
	uint64_t peer_missing;		/* PEER_REMOVE of a key not on the device */
	uint64_t foreign_prefix;	/* an AllowedIP or route not a node's /32 */
	uint64_t addr_moved;		/* PEER_SET took an address another peer held */
	uint64_t timer_stuck;		/* mesh_next_timer() <= now right after the timer ran */
	uint64_t leave_leftovers;	/* peers or routes left after mesh_leave */
};

struct sim_report {
	size_t live;
	size_t pairs_ok;
	size_t pairs_failed;
	size_t stale_peers;		/* peers with a dead, old or unreachable key */
	size_t bad_routes;		/* routes to nodes not alive in the group */
	size_t dup_addrs;		/* an address on two peers of one device */
	size_t asleep_hops;		/* hops through an idle edge whose NAT forgot it */
	char first_failure[256];
};

/*
 * The keyed MAC of mesh_config.mac64 for tests and the simulator:
 * libsodium's crypto_shorthash (SipHash-2-4, as the daemon) under a fixed
 * key, so that runs stay a function of their seed.
 */
uint64_t sim_mac64(void *arg, const void *data, size_t len);

struct sim *sim_new(const struct sim_config *cfg);
void sim_free(struct sim *s);

uint64_t sim_now(const struct sim *s);
/* Process every event up to and including time t; then now = t. */
void sim_run_until(struct sim *s, uint64_t t);
void sim_run_for(struct sim *s, uint64_t ms);
/*
 * Run until sim_check() passes, testing every step_ms, at most until
 * deadline. Returns true with now at the first passing check.
 */
bool sim_run_until_converged(struct sim *s, uint64_t deadline, uint64_t step_ms);

/* Full convergence check (see sim.c); true if everything holds. */
bool sim_check(const struct sim *s, struct sim_report *r);

/* Crash: no LEAVE, packets in flight from it are lost, its device is gone. */
void sim_kill(struct sim *s, size_t i);
/* Start a killed or departed node again: new boot, new key, empty device. */
void sim_restart(struct sim *s, size_t i);
/* mesh_leave(), deliver what it sends, then stop the node. */
void sim_leave(struct sim *s, size_t i);
/* Partition groups: packets between nodes of different groups are lost. */
void sim_set_group(struct sim *s, size_t i, uint32_t group);
void sim_heal(struct sim *s);
void sim_set_loss(struct sim *s, double loss);

size_t sim_size(const struct sim *s);
bool sim_alive(const struct sim *s, size_t i);
struct mesh *sim_mesh(const struct sim *s, size_t i);
void sim_node_id(size_t i, struct addr *wg_ip);
void sim_node_underlay(size_t i, struct addr *a);
uint64_t sim_boot(const struct sim *s, size_t i);
const uint8_t *sim_key(const struct sim *s, size_t i);
/* Node index for a key of any boot of a node, or -1. */
long sim_key_owner(const struct sim *s, const uint8_t key[WIRE_KEY_LEN]);

/* Device model queries. */
size_t sim_peer_count(const struct sim *s, size_t i);
/* Is there a peer on node i's device with node j's current key? */
bool sim_has_peer(const struct sim *s, size_t i, size_t j);
/* Node whose current key holds node j's wgIp on node i's device, or -1. */
long sim_next_hop(const struct sim *s, size_t i, size_t j);
bool sim_has_route(const struct sim *s, size_t i, size_t j);
size_t sim_route_count(const struct sim *s, size_t i);
/* Devices (of live nodes) holding a peer with this key. */
size_t sim_key_holders(const struct sim *s, const uint8_t key[WIRE_KEY_LEN]);
/* Any peer (any boot) of node j on node i's device. */
bool sim_has_any_key_of(const struct sim *s, size_t i, size_t j);

/*
 * Sites (wireguard mode): the NAT in front of site 1..SIM_MAX_SITES, and
 * which site node i is on (0: public). Before the node starts, or later:
 * then the node roams (new address, mesh_set_local_prefixes).
 */
void sim_site(struct sim *s, uint32_t site, enum sim_nat nat);
void sim_place(struct sim *s, size_t i, uint32_t site);
uint32_t sim_site_of(const struct sim *s, size_t i);
enum sim_nat sim_nat_of(const struct sim *s, size_t i);
/* Can i and j have a direct WireGuard path through the NATs between them? */
bool sim_direct_possible(const struct sim *s, size_t i, size_t j);
/* Forget every NAT binding of this site, as a NAT reboot would. */
void sim_nat_flush(struct sim *s, uint32_t site);
uint64_t sim_nat_drops(const struct sim *s);

/* Overlay flows (wireguard mode); ids from 0 in start order. */
size_t sim_flow_start(struct sim *s, size_t from, size_t to, uint32_t interval_ms);
void sim_flow_stop(struct sim *s, size_t f);
const struct sim_flow_stats *sim_flow_stats(const struct sim *s, size_t f);
/* Node i's device peer for node j's current key. */
bool sim_wg_peer(const struct sim *s, size_t i, size_t j, struct sim_wg_info *out);

const struct sim_traffic *sim_traffic(const struct sim *s, size_t i);
void sim_traffic_total(const struct sim *s, struct sim_traffic *out);
const struct sim_anomalies *sim_anomalies(const struct sim *s);
/* Bytes the simulator itself holds (device models, heap, packets). */
size_t sim_own_bytes(const struct sim *s);
uint64_t sim_events(const struct sim *s);

#endif
