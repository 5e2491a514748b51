/*
 * Internals of the mesh core shared by mesh.c (protocol: adjacencies,
 * flooding, reconciliation) and fib.c (routes: shortest paths, WireGuard
 * peers and kernel routes as diffs). Nothing outside src/core includes it.
 */
#ifndef WGNM_CORE_MESH_INT_H
#define WGNM_CORE_MESH_INT_H

#include "core/direct.h"
#include "core/idtab.h"
#include "core/lsdb.h"
#include "core/mesh.h"
#include "core/reasm.h"
#include "core/replay.h"

/* Timing, in ms. Chosen for "seconds, not minutes" with little idle traffic. */
#define MESH_HELLO_FIRST_MS 250		/* first hello retry; doubles */
#define MESH_HELLO_MAX_MS 8000		/* hello retry cap toward a static peer */
#define MESH_HELLO_QUICK_TRIES 4	/* retries at the first interval before doubling */
#define MESH_PING_IDLE_MS 25000		/* probe a neighbour silent this long */
#define MESH_PING_TIMEOUT_MS 1500	/* a probe unanswered this long is lost (at least) */
#define MESH_PING_TRIES 3		/* lost probes in a row: neighbour is dead */
#define MESH_STALL_MS 1000		/* sending into a silent tunnel this long: probe */
#define MESH_ANSWER_WAIT_MS 100		/* + 2 RTT: the answering side of a new peer waits (fib.c) */
#define MESH_DIGEST_MS 30000		/* summary digest to each neighbour */
#define MESH_SYNC_CHECK_MS 1000		/* after sending records: compare summaries */
#define MESH_RESYNC_TRIES 3		/* quick re-checks of a mismatch before waiting */
#define MESH_FULL_DIGEST_GAP_MS 2000	/* at most one full digest per neighbour per gap */
#define MESH_CHALLENGE_MS 5000		/* an echo must come back within */
#define MESH_STRANGER_MS 60000		/* forget an unconfirmed contact after */
#define MESH_GC_MS 300000		/* drop a record unreachable this long */
#define MESH_TOMB_MS 600000		/* and refuse that version for this long */
#define MESH_NAT_KEEPALIVE_S 25		/* WireGuard keepalive from behind NAT */
#define MESH_COST_DEFAULT 10		/* edge cost before an RTT is measured */
#define MESH_COST_MAX 4095
#define MESH_RTT_FLOOR_MS 8		/* round trips below count nothing */
#define MESH_RTT_WINDOW 8		/* samples whose minimum sets the cost */
#define MESH_MAX_STRANGERS 256		/* unconfirmed contacts held at once */
#define MESH_LAN_HELLO_WAIT_MS 1500	/* with static peers: alone this long first */
#define MESH_LAN_HELLO_FIRST_MS 1000	/* LAN hello while alone; doubles */
#define MESH_LAN_HELLO_JITTER_MS 500	/* random delay added to each */
#define MESH_LAN_HELLO_MAX_MS 30000
#define MESH_BUSY_START_MS 5000		/* sample WireGuard often this long after start */
#define MESH_REFUSE_LOG_MS 1000		/* at most one refusal logged per interval */
#define MESH_NEWER_SELF_LOG_MS 30000	/* and one warning about a newer self */

struct mesh_peer {
	struct addr id;			/* first member: idtab key */
	char name[WIRE_NAME_MAX + 1];
	bool has_info;			/* a confirmed hello gave us the fields below */
	uint8_t pubkey[WIRE_KEY_LEN];
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;
	struct replay_state replay;

	bool is_static;
	bool static_resolved;
	struct endpoint static_admin;
	struct endpoint static_wg;

	bool has_admin_ep;		/* source of its last authentic packet */
	struct endpoint admin_ep;
	bool has_observed_me;
	struct endpoint observed_me;	/* where it sees our packets come from */

	bool adj;			/* adjacency up: we claim it in our record */
	uint8_t adj_kind;		/* WIRE_PATH_* of the adjacency */
	uint16_t cost;			/* claimed cost of the adjacency */
	uint64_t adj_since;
	uint64_t created;
	uint64_t last_rx;
	uint64_t next_hello;
	uint32_t hello_backoff;
	unsigned hello_tries;
	bool ping_out;
	uint32_t ping_id;
	uint64_t ping_sent;
	unsigned ping_tries;
	uint32_t rtt_ms;			/* last sample */
	uint32_t srtt_ms;		/* smoothed: probe timeouts, the status view */
	uint32_t rtt_win[MESH_RTT_WINDOW]; /* the last samples: the cost follows their minimum */
	uint8_t rtt_n, rtt_pos;
	uint64_t challenge_sent;	/* ms: when we last sent it a challenge */
	uint64_t wg_rx;			/* last sampled WireGuard counters */
	uint64_t wg_tx;
	uint64_t last_wg_rx;		/* ms: when WireGuard last received from it */
	uint64_t stall_since;		/* ms: sending without receiving since; 0 = no */
	bool has_wg_endpoint;
	struct endpoint wg_endpoint;	/* as WireGuard sees it (reflexive behind NAT) */
	bool told_wg;			/* we told it wg_endpoint in a ping or pong */
	struct endpoint told_wg_endpoint;
	uint64_t next_digest;
	uint64_t sync_at;		/* probe to compare summaries then; 0 = none */
	unsigned resync_left;		/* quick re-checks left until summaries agree */
	uint64_t full_digest_sent;

	struct direct_state direct;	/* LAN shortcut / NAT traversal (direct.c) */
	uint32_t wg_trial;		/* bumped for each new trial: a fresh peer */

	/* what we told the WireGuard backend */
	uint32_t wg_trial_installed;
	bool wg_handshake;		/* this installed peer has completed a handshake */
	bool wg_kick;			/* send it a keepalive now (roaming) */
	uint64_t wg_answer_until;	/* fresh peer: wait for its initiation until */
	bool wg_on;
	uint8_t wg_key[WIRE_KEY_LEN];
	uint32_t wg_flags;
	struct endpoint wg_ep;
	uint16_t wg_keepalive;
	size_t n_wg_allowed;
	struct addr *wg_allowed;	/* sorted */
};

struct mesh {
	struct mesh_config cfg;
	struct mesh_static_peer *statics;
	uint64_t now;
	uint64_t counter;		/* per-boot packet counter */
	uint64_t seq;			/* own record version */
	bool own_dirty;			/* adjacencies changed: originate a record */
	bool routes_dirty;		/* the graph changed: recompute */
	bool leaving;
	bool leaving_record;		/* originate our last record: no edges */
	struct idtab peers;		/* struct mesh_peer */
	struct lsdb db;
	struct reasm reasm;
	struct addr local[MESH_MAX_LOCAL];
	struct prefix local_pfx[MESH_MAX_LOCAL];	/* the same, with prefix lengths */
	size_t n_local;
	bool has_reflexive;		/* our WireGuard endpoint as a neighbour sees it */
	struct endpoint reflexive;
	struct addr reflexive_from;	/* the neighbour that reported it */
	bool local_known;
	struct addr *routes;		/* installed kernel routes, sorted */
	size_t n_routes;
	struct mesh_action *acts;
	size_t n_acts;
	size_t cap_acts;
	struct mesh_counters ctr;
	uint64_t started;
	uint64_t lan_hello_at;		/* next LAN hello while no neighbour is up */
	uint32_t lan_hello_backoff;
	bool refuse_logged;
	uint64_t refuse_logged_at;
	uint64_t refuse_unlogged;
	uint64_t newer_self_logged_at;	/* last warning about a newer record of us */
};

/* mesh.c */
struct mesh_action *mesh_push(struct mesh *m, enum mesh_action_type type);
void mesh_log(struct mesh *m, enum mesh_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct mesh_peer *mesh_peer_get(const struct mesh *m, const struct addr *id);
/* Does a lie on one of our LANs (a prefix of a local address)? */
bool mesh_on_local_lan(const struct mesh *m, const struct addr *a);
/*
 * How long a neighbour may be silent before we probe it: MESH_PING_IDLE_MS
 * from the side with the lower id, half as long again from the other, so
 * one side probes and its answer keeps the other quiet.
 */
uint64_t mesh_ping_idle_ms(const struct mesh *m, const struct mesh_peer *p);
/*
 * How long a probe may go unanswered: MESH_PING_TIMEOUT_MS, or four smoothed
 * round trips on a slow link. Too short a wait turns a loaded machine or a
 * satellite link into flapping adjacencies, and every flap is a flood.
 */
uint64_t mesh_ping_timeout_ms(const struct mesh_peer *p);
/* The peer for id, created if needed (NULL only when out of memory). */
struct mesh_peer *mesh_peer_ensure(struct mesh *m, const struct addr *id);

/* mesh.c, for flood.c: sending and peer checks */
struct wire_msg *mesh_send(struct mesh *m, const struct endpoint *to, enum wire_type type);
bool mesh_peer_admin_ep(const struct mesh_peer *p, struct endpoint *ep);
void mesh_refuse(struct mesh *m, const struct addr *id, const char *what);
bool mesh_id_taken(const struct mesh *m, const struct addr *id, const char *name);
bool mesh_name_ok(const char *name);
void mesh_send_ping(struct mesh *m, struct mesh_peer *p);

/* flood.c */
void flood_send_record(struct mesh *m, const struct mesh_peer *p, const struct lsdb_record *r);
/* To every neighbour but except; then a summary probe to each a second later. */
void flood_record(struct mesh *m, const struct lsdb_record *r, const struct mesh_peer *except);
void flood_send_summary(struct mesh *m, struct mesh_peer *p);
void flood_send_full_digest(struct mesh *m, struct mesh_peer *p);
/* Ask p for its record if it announces a version we lack. */
void flood_want_record(struct mesh *m, struct mesh_peer *p, uint64_t boot, uint64_t seq);
void flood_on_record(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg);
void flood_on_digest(struct mesh *m, struct mesh_peer *p, const struct wire_digest *d);
void flood_on_request(struct mesh *m, struct mesh_peer *p, const struct wire_digest *d);

/* fib.c */
/* Recompute paths, then emit WireGuard and route changes as diffs. */
int fib_update(struct mesh *m);
/* Withdraw every installed peer and route (leaving). */
void fib_withdraw_all(struct mesh *m);
void fib_peer_forget(struct mesh_peer *p);

#endif
