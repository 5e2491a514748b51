/*
 * Internals of the simulator shared by sim.c (events, nodes, checks),
 * sim_net.c (underlay addresses, NATs, LANs) and sim_wg.c (the WireGuard
 * device model). Nothing outside tests/sim includes it.
 */
#ifndef WGNM_SIM_INT_H
#define WGNM_SIM_INT_H

#include "sim/sim.h"

enum ev_kind { EV_DELIVER = 1, EV_TIMER, EV_START, EV_WG_TICK, EV_FLOW };

enum sim_proto { SIM_PROTO_ADMIN = 1, SIM_PROTO_WG };

struct ev {
	uint64_t t;
	uint64_t seq;
	uint32_t kind;
	uint32_t node;		/* timer owner / flow; for a packet its first guess of a receiver */
	uint32_t from;		/* sender */
	uint32_t tag;		/* timer generation, or the sender's epoch */
	uint32_t len;
	uint8_t proto;		/* enum sim_proto of a packet */
	uint32_t from_site;	/* the sender's site when it sent */
	struct endpoint src;	/* source as the receiver sees it (after the sender's NAT) */
	struct endpoint dst;	/* where it was sent */
	uint8_t *buf;
};

/* A packet inside the tunnels (sim_wg.c). */
struct sim_inner {
	uint32_t src, dst;	/* node indices */
	uint32_t flow;
	uint16_t bytes;
	uint8_t echo;
	uint8_t hops;
};

#define SIM_WG_QUEUE 8

struct sim_peer {
	uint8_t key[WIRE_KEY_LEN];
	uint32_t flags;
	bool has_ep;
	struct endpoint ep;
	uint16_t keepalive;
	size_t n_allowed;
	struct prefix *allowed;
	/* WireGuard's own state for this peer */
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_hs;	/* ms; 0 = never */
	/* sessions (0: none), as WireGuard's current, previous and next keypairs */
	uint64_t sid, prev_sid, next_sid;
	uint64_t sess_at, next_at;
	bool initiator;		/* of the current session */
	uint64_t init_id;	/* a pending initiation (0: none) */
	uint64_t init_sent, init_first;
	uint64_t last_sent, last_recv, last_data_recv;
	uint64_t data_unanswered;	/* data sent since the last receive: when first */
	struct sim_inner queue[SIM_WG_QUEUE];
	size_t n_queue;
};

struct sim_dev {
	struct sim_peer *peers;
	size_t n, cap;
	int32_t *owner;		/* per node index: peer slot holding its /32, or -1 */
	uint8_t *route;		/* per node index: route installed */
	size_t n_routes;
};

struct sim_node {
	bool alive;
	uint32_t epoch;		/* bumped by a crash: its packets in flight die */
	uint64_t boot;
	uint8_t key[WIRE_KEY_LEN];
	uint64_t rng;
	uint32_t group;
	struct mesh *m;
	uint64_t timer_at;	/* of the live timer entry; UINT64_MAX: none */
	uint32_t timer_gen;
	unsigned spins;		/* timer runs in a row that left a timer due now */
	struct sim_dev dev;
	struct sim_traffic tr;
	/* where it is (sim_net.c) */
	uint32_t site;		/* 0: public */
	uint32_t lan_host;	/* its host number on the site's LAN */
	uint32_t loc_gen;	/* bumped by every move */
	/* WireGuard model (sim_wg.c) */
	uint32_t tick_gen;
	uint64_t stats_at;
};

/* One NAT binding: a mapping and the remote it lets in. */
struct sim_bind {
	uint32_t node;
	uint32_t loc_gen;
	uint16_t int_port;
	uint16_t pub_port;
	struct endpoint remote;
	uint64_t last;
};

struct sim_site {
	enum sim_nat nat;
	bool used;
	uint32_t next_host;
	int32_t host_node[256];	/* LAN host number -> node, or -1 */
	struct sim_bind *b;
	size_t n_b, cap_b;
};

struct sim_flow {
	uint32_t a, b;
	uint32_t interval;
	uint32_t gen;		/* bumped by stop */
	bool on;
	struct sim_flow_stats st;
};

struct sim {
	struct sim_config cfg;
	size_t n;
	struct sim_node *nodes;
	struct mesh_static_peer *statics;
	struct ev *heap;
	size_t n_heap, cap_heap;
	uint64_t seq;
	uint64_t now;
	uint64_t rng;
	uint64_t events;
	size_t pkt_bytes;	/* packet buffers in flight */
	size_t pending_starts;
	uint64_t *link_last;	/* FIFO links: last arrival per (from, to) */
	bool verbose;
	long trace;		/* WGNM_SIM_TRACE=i: print node i's packets */
	struct sim_anomalies an;
	struct sim_site sites[SIM_MAX_SITES + 1];
	uint64_t nat_drops;
	uint64_t wg_ids;	/* handshake and session numbers */
	struct sim_flow *flows;
	size_t n_flows, cap_flows;
};

/* sim.c */
uint64_t sim_rand(struct sim *s);
double sim_uniform(struct sim *s);
void sim_heap_push(struct sim *s, struct ev e);
void sim_settle(struct sim *s, size_t i);
long sim_key_current(const struct sim *s, const uint8_t key[WIRE_KEY_LEN]);
long sim_node_of_prefix(const struct sim *s, const struct prefix *p);
void sim_deliver_admin(struct sim *s, size_t to, const struct ev *e);

/* sim_net.c */
void net_init(struct sim *s);
void net_free(struct sim *s);
/* The node's address on its LAN (site > 0) or its public address. */
void net_node_addr(const struct sim *s, size_t i, struct addr *a);
void net_node_prefix(const struct sim *s, size_t i, struct prefix *p);
/* Send one datagram from node i's port into the underlay; buf is copied. */
void net_send(struct sim *s, size_t from, uint16_t port, const struct endpoint *to,
	      enum sim_proto proto, const void *buf, size_t len);
/* Deliver to every other live node on i's LAN, to the admin port. */
void net_broadcast(struct sim *s, size_t from, const void *buf, size_t len);
void net_deliver(struct sim *s, const struct ev *e);
/* Where would a packet from i's WireGuard port to `to` land now (-1: nowhere)? */
long net_peek_wg(const struct sim *s, size_t i, const struct endpoint *to);
/* Is `to` an address of the underlay at all (a node, a site's NAT or LAN)? */
bool net_known_addr(const struct sim *s, size_t from, const struct endpoint *to);
void net_leave_site(struct sim *s, size_t i);
void net_join_site(struct sim *s, size_t i);

/* sim_wg.c */
void dev_init(struct sim_dev *d, size_t n);
void dev_free(struct sim_dev *d);
long dev_find(const struct sim_dev *d, const uint8_t key[WIRE_KEY_LEN]);
void dev_peer_set(struct sim *s, size_t i, const struct mesh_action *a);
void dev_peer_remove(struct sim *s, size_t i, const uint8_t key[WIRE_KEY_LEN]);
void dev_route(struct sim *s, struct sim_dev *d, const struct prefix *dst, bool add);
void wg_start(struct sim *s, size_t i);
void wg_tick(struct sim *s, const struct ev *e);
void wg_receive(struct sim *s, size_t to, const struct endpoint *src, const void *buf,
		size_t len);
void wg_flow_tick(struct sim *s, const struct ev *e);
size_t wg_pkt_size(const void *buf);

#endif
