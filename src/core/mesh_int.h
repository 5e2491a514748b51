/*
 * Internals of the mesh core shared by its modules: mesh.c (entry points,
 * the node table, the action list, our own record), adj.c (adjacencies:
 * hello and challenge, probes, costs), flood.c (records), fib.c (routes
 * and WireGuard peers) and direct.c (LAN and NAT paths). Nothing outside
 * src/core includes it.
 */
#ifndef WGNM_CORE_MESH_INT_H
#define WGNM_CORE_MESH_INT_H

#include "core/cookie.h"
#include "core/direct.h"
#include "core/idtab.h"
#include "core/lsdb.h"
#include "core/member.h"
#include "core/mesh.h"
#include "core/reasm.h"
#include "core/replay.h"
#include "core/subnet.h"

/* Timing, in ms. Chosen for "seconds, not minutes" with little idle traffic. */
#define MESH_HELLO_FIRST_MS 250		/* first hello retry; doubles */
#define MESH_HELLO_MAX_MS 8000		/* hello retry cap toward a static peer */
#define MESH_HELLO_QUICK_TRIES 4	/* retries at the first interval before doubling */
#define MESH_ECHO_FIRST_MS 250		/* first resend of an unconfirmed echo; doubles */
#define MESH_ECHO_MAX_MS 4000		/* its cap */
#define MESH_ECHO_TRIES 6		/* asks, the last at 11.75 s, before the idle check */
#define MESH_PROBE_IDLE_MS 15000	/* probe a neighbour silent this long (adj.c) */
#define MESH_PROBE_IDLE_SLACK_MS 2000	/* the higher id waits this much longer */
#define MESH_PROBE_EVERY_MS 250		/* probes of one check this far apart, at least */
#define MESH_PROBE_DEAD_IDLE_MS 3000	/* a silent neighbour: dead after this much more */
#define MESH_PROBE_DEAD_STALL_MS 2000	/* a stalled tunnel: dead after this much more */
#define MESH_PROBE_DEAD_HINT_MS 1000	/* another node lost it: dead after this much more */
#define MESH_PROBE_RING 8		/* send times kept for RTT samples */
#define MESH_STALL_MS 500		/* sending into a silent tunnel this long (or 2 RTT): probe */
#define MESH_ANSWER_WAIT_MS 100		/* + 2 RTT: the answering side of a direct path waits (fib.c) */
#define MESH_NEIGH_ANSWER_WAIT_MS 500	/* + 4 RTT: and of a neighbour's new peer */
#define MESH_HS_RETRY_MS 300		/* + 3 RTT: no first handshake, a fresh initiation */
#define MESH_HS_RETRY_MAX_MS 4000
#define MESH_DIGEST_MS 30000		/* summary digest to each neighbour */
#define MESH_SYNC_CHECK_MS 1000		/* after sending records: compare summaries */
#define MESH_RESYNC_TRIES 3		/* quick re-checks of a mismatch before waiting */
#define MESH_SYNC_TRIES 4		/* probes after a flood until one is answered */
#define MESH_FULL_DIGEST_GAP_MS 2000	/* at most one full digest per neighbour per gap */
#define MESH_CHALLENGE_GAP_MS 100	/* at most one challenge per source or peer per gap */
#define MESH_CHALLENGE_RATE 50		/* challenges per second to all sources, sustained */
#define MESH_CHALLENGE_BURST 100	/* and in a burst */
#define MESH_CHALLENGE_SLOTS 256	/* per-source rate limit: hashed slots */
#define MESH_CLAIM_WAIT_MS 2000		/* + 4 RTT: a new start elsewhere waits for the old */
#define MESH_STRANGER_MS 60000		/* forget a contact with no adjacency after */
#define MESH_GC_MS 300000		/* drop a record unreachable this long */
#define MESH_TOMB_MS 600000		/* and refuse that version for this long */
#define MESH_NAT_KEEPALIVE_S 25		/* WireGuard keepalive from behind NAT */
#define MESH_COST_DEFAULT 10		/* edge cost before an RTT is measured */
#define MESH_COST_MAX 4095
#define MESH_RTT_FLOOR_MS 8		/* round trips below count nothing */
#define MESH_RTT_WINDOW 8		/* samples whose minimum sets the cost */
#define MESH_LAN_HELLO_WAIT_MS 1500	/* with static peers: alone this long first */
#define MESH_ROAM_KICK_MS 1000		/* after roaming, kicks again at 1, 2 and 4 s */
#define MESH_ROAM_KICKS 3
#define MESH_LAN_HELLO_FIRST_MS 1000	/* LAN hello while alone; doubles */
#define MESH_LAN_HELLO_JITTER_MS 500	/* random delay added to each */
#define MESH_LAN_HELLO_MAX_MS 30000
#define MESH_BUSY_START_MS 5000		/* sample WireGuard often this long after start */
#define MESH_REFUSE_LOG_MS 1000		/* at most one refusal logged per interval */
#define MESH_NEWER_SELF_LOG_MS 30000	/* and one warning about a newer self */
#define MESH_REPLY_BUDGET 64		/* record parts sent in answer to one datagram */
#define MESH_REPLY_RATE 1000		/* such parts per second to one neighbour */
#define MESH_STATIC_SILENT_MS 10000	/* a listed peer's hellos unanswered this long: warn */
/*
 * How far a node's boot id may grow past the newest one we hold for it:
 * 400 days of the boot id's millisecond clock (daemon.c). A node restarted
 * after longer was forgotten long ago; a forged boot near 2^64 would lock
 * the real node out for good.
 */
#define MESH_BOOT_JUMP_MAX ((uint64_t)400 * 86400 * 1000 << 22)

/*
 * Adjacency state (adj.c and probe.c; the rest of the core reads it):
 * whether the neighbour is confirmed and up, its probes, round trips and
 * cost, and a claim of its address by another start.
 */
struct adj_state {
	struct replay_state replay;
	bool up;			/* adjacency up (claimed once WireGuard agrees: fib.c) */
	uint8_t kind;			/* WIRE_PATH_* of the adjacency */
	uint16_t cost;			/* claimed cost of the adjacency */
	uint64_t since;
	uint64_t last_rx;		/* ms: its last authentic admin packet */
	uint64_t next_hello;		/* to a static peer not up yet */
	uint32_t hello_backoff;
	unsigned hello_tries;
	bool peer_has_us;		/* it has confirmed our current boot */
	/*
	 * Our echo of its challenge may not have reached it: we ask again
	 * until it shows it has us (peer_has_us), since the last message of
	 * the hello exchange is not acknowledged otherwise (adj.c, "Echo").
	 */
	uint64_t next_echo;		/* ms: ask again then; 0 = not */
	uint32_t echo_backoff;
	unsigned echo_tries;
	uint64_t challenge_at;		/* ms: no challenge to it before */
	bool has_observed_me;
	struct endpoint observed_me;	/* where it sees our packets come from */
	bool told_wg;			/* we told it its WireGuard endpoint in a probe */
	struct endpoint told_wg_endpoint;
	/* Another start claims its address while the one we know may live. */
	struct {
		bool on;
		uint64_t boot;		/* the claimant's */
		struct endpoint from;
		uint64_t since;
		uint64_t refused_boot;	/* last claimant refused (logged once) */
	} claim;
	uint64_t claims_refused;
	/* probes: every PING has an id; a check is a run of them (probe.c) */
	uint32_t probe_base;		/* ids probe_base .. probe_base + probe_n - 1 */
	uint32_t probe_n;
	uint64_t probe_sent[MESH_PROBE_RING];
	uint64_t check_since;		/* liveness check running since; 0 = none */
	uint64_t check_dead_ms;		/* its budget */
	uint64_t next_probe;
	uint32_t rtt_ms;		/* last sample */
	uint32_t srtt_ms;		/* smoothed: probe timeouts, the status view */
	uint32_t rtt_win[MESH_RTT_WINDOW]; /* the last samples: the cost follows their minimum */
	uint8_t rtt_n, rtt_pos;
	/* diagnostics only (status, netcheck): nothing routes on these */
	bool has_observed_wg;
	struct endpoint observed_wg;	/* our WireGuard endpoint in its last PING or PONG */
	uint64_t silent_since;		/* ms: a listed peer's hellos unanswered since; 0 = not */
	struct endpoint silent_ep;	/* where those hellos go */
	bool silent_warned;		/* "does not answer" said, until it answers */
};

/* Reconciliation with a neighbour (flood.c). */
struct flood_sync {
	uint64_t next_digest;		/* summary digest then (unless probes carried one) */
	uint64_t at;			/* probe to compare summaries then; 0 = none */
	unsigned resync_left;		/* quick re-checks left until summaries agree */
	unsigned checks_left;		/* probes left after a flood until one is answered */
	bool follow_up;			/* `at` is such a probe again, not a first one */
	uint64_t full_digest_sent;
	uint64_t reply_tokens;		/* record parts we may send it in answers (x1000) */
	uint64_t reply_at;
};

/* WireGuard's counters of its peer, as last sampled (sample.c). */
struct wg_seen {
	uint8_t key[WIRE_KEY_LEN];	/* the peer these samples are of */
	uint64_t rx, tx;
	uint64_t last_rx;		/* ms: the sample that showed it received from it */
	uint64_t rx_after;		/* ms: and that was after this (the sample before) */
	uint64_t at;			/* ms: the previous sample */
	bool sending;			/* the last sample showed traffic sent to it */
	uint64_t stall_since;		/* ms: sending without receiving since; 0 = no */
	bool has_endpoint;
	struct endpoint endpoint;	/* as WireGuard sees it (reflexive behind NAT) */
};

/* What we told the WireGuard backend about it, and its first handshake (fib.c). */
struct fib_peer {
	bool on;
	uint32_t trial;			/* the wg_trial it was installed for */
	bool handshake;			/* this installed peer has completed a handshake */
	bool kick;			/* send it a keepalive now (roaming) */
	bool key_clash;			/* not installed: another peer holds its key */
	uint64_t answer_until;		/* fresh peer: wait for its initiation until */
	uint64_t retry_at;		/* initiating: no handshake by then, a fresh peer */
	uint32_t retry_ms;
	uint8_t key[WIRE_KEY_LEN];
	uint32_t flags;
	struct endpoint ep;
	uint16_t keepalive;
	size_t n_allowed;
	struct prefix *allowed;		/* sorted (prefix_cmp) */
};

/*
 * One node we talk to, try a direct path to, or list as a static peer.
 * Each group of fields has one owner that writes it (the others read):
 * the top-level fields node.c (mesh_peer_*), adj adj.c and probe.c, sync
 * flood.c, seen sample.c, direct direct.c, fib fib.c.
 */
struct mesh_peer {
	struct addr id;			/* first member: idtab key */
	/* identity: from its hello, or its record (a direct path) */
	char name[WIRE_NAME_MAX + 1];
	bool has_info;			/* a confirmed hello gave us the fields below */
	uint8_t pubkey[WIRE_KEY_LEN];
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;
	uint64_t created;
	uint32_t wg_trial;		/* bumped for each new peer in WireGuard (mesh_peer_fresh) */
	/* listed in net.yaml: talked to only at its configured address */
	bool is_static;
	bool static_resolved;
	struct endpoint static_admin;
	struct endpoint static_wg;
	/*
	 * Where we talk to a node not listed: the endpoint it proved, one
	 * whose challenge it echoed from there in a hello addressed to us.
	 */
	bool has_admin_ep;
	struct endpoint admin_ep;
	bool has_src;
	struct endpoint src;		/* source of its last authentic packet */

	struct adj_state adj;
	struct flood_sync sync;
	struct wg_seen seen;
	struct direct_state direct;	/* LAN shortcut / NAT traversal */
	struct fib_peer fib;
};

struct mesh {
	struct mesh_config cfg;
	struct mesh_static_peer *statics;
	struct cookie_key cookie;
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
	bool self_listed;		/* net.yaml lists us among the peers */
	bool has_self_static;		/* and where the others reach us (resolved) */
	struct endpoint self_static;
	bool has_reflexive;		/* our WireGuard endpoint as a neighbour sees it */
	struct endpoint reflexive;
	struct addr reflexive_from;	/* the neighbour that reported it */
	bool local_known;
	struct prefix *kroutes;		/* installed kernel routes, sorted (fib.c) */
	size_t n_kroutes;
	struct subnet_state subnet;	/* announced routes and exit nodes (subnet.c) */
	struct member_state member;	/* certificates and revocations (member.c) */
	/* seed endpoints: hellos to whoever answers there (seed.c) */
	struct seed {
		bool resolved;
		struct endpoint ep;
		uint64_t next;
		uint32_t backoff;
	} *seeds;
	size_t n_seeds;
	struct mesh_action *acts;
	size_t n_acts;
	size_t cap_acts;
	struct mesh_counters ctr;
	uint64_t started;
	uint64_t lan_hello_at;		/* next LAN hello while no neighbour is up */
	uint32_t lan_hello_backoff;
	/* kicks again after roaming (fib.c) */
	uint64_t roam_kick_at;
	uint8_t roam_kicks;
	/* challenges: a token bucket (x1000) and per-source slots (adj.c) */
	uint64_t chal_tokens;
	uint64_t chal_at;
	uint64_t chal_slot[MESH_CHALLENGE_SLOTS];
	bool refuse_logged;
	uint64_t refuse_logged_at;
	uint64_t refuse_unlogged;
	uint64_t newer_self_logged_at;	/* last warning about a newer record of us */
	uint64_t boot_bumped_at;	/* last time we moved our boot past a stale one */
	uint64_t newer_self_boot;	/* a newer record of us seen: move past it (mesh.c) */
	const char *newer_self_why;
};

/* actions.c: the action list */
struct mesh_action *mesh_push(struct mesh *m, enum mesh_action_type type);
void mesh_log(struct mesh *m, enum mesh_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct wire_msg *mesh_send(struct mesh *m, const struct endpoint *to, enum wire_type type);
/* Counted always, logged at most once a second: input must not flood the log. */
void mesh_refuse(struct mesh *m, const struct addr *id, const char *what);
uint64_t mesh_random(struct mesh *m);

/* node.c: the node table */
struct mesh_peer *mesh_peer_get(const struct mesh *m, const struct addr *id);
/* What a node says of itself; true if its key or WireGuard port changed. */
bool mesh_peer_learn(struct mesh_peer *p, const char *name, const uint8_t *pubkey,
		     uint16_t wg_port, uint16_t admin_port, uint32_t flags);
/* What its record says (a node we know only from records: direct paths). */
void mesh_peer_learn_record(struct mesh_peer *p, const struct lsdb_record *r);
/* A fresh peer in WireGuard: it initiates a new handshake (fib.c installs it). */
void mesh_peer_fresh(struct mesh_peer *p);
/* It proved it is reached at ep (an echo from there); it spoke from `from`. */
void mesh_peer_proved(struct mesh_peer *p, const struct endpoint *ep);
void mesh_peer_heard(struct mesh_peer *p, const struct endpoint *from);
/* The static peers of net.yaml (a copy is kept); their addresses as resolved. */
int node_set_statics(struct mesh *m, const struct mesh_static_peer *statics, size_t n);
/* The peer whose address newly is a, or NULL (ourselves, unchanged). */
struct mesh_peer *node_static_addr(struct mesh *m, size_t idx, const struct addr *a);
/* A new peer, not counted against the cap (static peers), or NULL. */
struct mesh_peer *mesh_peer_new(struct mesh *m, const struct addr *id);
void mesh_peer_free(struct mesh_peer *p);
size_t mesh_max_nodes(const struct mesh *m);
/* The peer for id, created if needed (NULL when out of memory or at the cap). */
struct mesh_peer *mesh_peer_ensure(struct mesh *m, const struct addr *id);
/* Does a lie on one of our LANs (a prefix of a local address)? */
bool mesh_on_local_lan(const struct mesh *m, const struct addr *a);
/* Is this id held by a live node of another name? */
bool mesh_id_taken(const struct mesh *m, const struct addr *id, const char *name);
bool mesh_name_ok(const char *name);
/* The newest boot we hold for id, in a record or a tombstone (0: none). */
/* Do we start this pair's first handshake, and a NAT trial's re-creation? */
bool mesh_we_initiate(const struct mesh *m, const struct mesh_peer *p);
uint64_t mesh_held_boot(const struct mesh *m, const struct addr *id);
/*
 * A newer record of ourselves is in the network (a start of ours whose
 * clock ran ahead, or another node with our address): our boot moves past
 * it when the event is done, unless that would be an absurd jump (a
 * forgery). why: a string constant.
 */
void mesh_note_newer_self(struct mesh *m, uint64_t boot, const char *why);
/* Where we send to it, if anywhere. */
bool mesh_peer_admin_ep(const struct mesh_peer *p, struct endpoint *ep);
/* Admin packets and WireGuard traffic alike prove a neighbour alive. */
uint64_t mesh_last_heard(const struct mesh_peer *p);
/*
 * Has it proven alive at or after t? Admin packets count at their
 * arrival; WireGuard traffic only if the sample before the one that
 * showed it was taken at or after t (a sample shows what arrived since the
 * one before, which may be from before t: a node that just died).
 */
bool mesh_heard_since(const struct mesh_peer *p, uint64_t t);
/* Do the WireGuard samples describe the peer installed now (not an earlier key's)? */
bool mesh_peer_sampled(const struct mesh_peer *p);

/* sample.c: WireGuard's counters of every peer */
void sample_on_stats(struct mesh *m, const struct mesh_wg_stats *s, size_t n);

/* self.c: our own record and boot */
void self_originate(struct mesh *m);
/* When our record may be originated again. */
uint64_t self_originate_due(const struct mesh *m);
/* Move our boot past a newer record of us noted meanwhile (mesh_note_newer_self). */
void self_apply_newer(struct mesh *m);

/* adj.c: adjacencies */
/*
 * An authenticated, decoded packet: freshness, admission, and the
 * adjacency's own messages. Returns the sender's peer if the packet is
 * for the other modules too (records, digests; the summary in probes),
 * else NULL. *came_up: the adjacency came up with it.
 */
struct mesh_peer *adj_on_packet(struct mesh *m, const struct endpoint *from,
				const struct wire_msg *msg, bool *came_up);
void adj_timers(struct mesh *m, struct mesh_peer *p);
uint64_t adj_next_timer(const struct mesh *m, const struct mesh_peer *p);
void adj_down(struct mesh *m, struct mesh_peer *p, const char *why);
/* A static peer's address is (newly) known: say hello there now. */
void adj_static_moved(struct mesh *m, struct mesh_peer *p);
/* The LAN hello while alone. */
void adj_lan_hello_timer(struct mesh *m);
bool adj_any(const struct mesh *m);
/* Our boot changed: every neighbour must confirm it again. */
void adj_our_boot_changed(struct mesh *m);
/* Our addresses changed (roaming). */
void adj_roamed(struct mesh *m);
void adj_leave(struct mesh *m);

/* probe.c: probes, round trips, costs */
/* A PING (information, and an RTT sample); not a liveness check. */
void probe_send(struct mesh *m, struct mesh_peer *p);
/* What every PING and PONG carries besides the probe id. */
void probe_fill(const struct mesh *m, struct mesh_peer *p, struct wire_ping *ping);
/* A PONG: a round-trip sample if it answers one of our last probes. */
void probe_answered(struct mesh *m, struct mesh_peer *p, uint32_t probe_id);
/* Start a liveness check of a neighbour: probes until it answers, or dead. */
void probe_check(struct mesh *m, struct mesh_peer *p, uint64_t dead_ms, const char *why);
/* Checks of a neighbour; true (why filled) when it is dead. */
bool probe_timers(struct mesh *m, struct mesh_peer *p, char *why, size_t len);
uint64_t probe_next_timer(const struct mesh *m, const struct mesh_peer *p);
/* How long a neighbour may be silent before we check it. */
uint64_t probe_idle_ms(const struct mesh *m, const struct mesh_peer *p);
/* The first round trip (the challenge's), and later samples. */
void probe_rtt_first(struct mesh_peer *p, uint32_t rtt);
void probe_rtt_sample(struct mesh *m, struct mesh_peer *p, uint32_t rtt);
/* The cost of the adjacency from its kind and base round trip. */
uint16_t probe_cost(const struct mesh_peer *p);

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
/* A new adjacency: a full digest to it, and its summaries from now. */
void flood_adjacency_up(struct mesh *m, struct mesh_peer *p);
/* The record seq a hello announces. */
void flood_on_hello(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg);
/* The summary every PING and PONG carries. */
void flood_on_summary(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg);
void flood_timers(struct mesh *m, struct mesh_peer *p);
uint64_t flood_next_timer(const struct mesh_peer *p);

/* fib.c */
/* Is it an adjacency we claim in our record (WireGuard has agreed)? */
bool fib_claimed(const struct mesh_peer *p);
/* Recompute paths, then emit WireGuard and route changes as diffs. */
int fib_update(struct mesh *m);
/* Withdraw every installed peer and route (leaving). */
void fib_withdraw_all(struct mesh *m);
void fib_peer_forget(struct mesh_peer *p);
/* The first handshake of a neighbour's peer: the answering side's wait. */
void fib_peer_timers(struct mesh *m, struct mesh_peer *p);
/* A WireGuard sample of it: retry a first handshake that did not come. */
void fib_on_sample(struct mesh *m, struct mesh_peer *p, bool handshake);
uint64_t fib_peer_next_timer(const struct mesh_peer *p);
/* After roaming: a keepalive to every peer now and a few times after, so that they follow us. */
void fib_roamed(struct mesh *m);
void fib_timers(struct mesh *m);
uint64_t fib_next_timer(const struct mesh *m);
/* WireGuard reports a handshake with the installed peer. */
void fib_on_handshake(struct mesh *m, struct mesh_peer *p);

/* adj.c: a hello naming no target (LAN broadcast, seeds) */
void adj_fill_open_hello(struct mesh *m, struct wire_msg *msg);
/* seed.c: static peers given by an endpoint only (--peer) */
void seed_timers(struct mesh *m);
uint64_t seed_next_timer(const struct mesh *m);
void seed_free(struct mesh *m);

/* flood.c: ask p for a node's record */
void flood_request_record(struct mesh *m, struct mesh_peer *p, const struct addr *id);

/* member.c: membership with a certificate authority (has_ca) */
int member_configure(struct mesh *m, const struct mesh_config *c);
void member_free(struct member_state *s);
void member_timers(struct mesh *m);
const struct cert *member_cert_of(const struct mesh *m, const struct addr *id);
/* A hello that answered our challenge: its certificate and proof. */
enum member_verdict member_on_hello(struct mesh *m, const struct wire_msg *msg);
/* Our certificate into a hello, and the proof if it answers a challenge of to_id. */
void member_fill_hello(struct mesh *m, struct wire_msg *msg, const struct addr *to_id);
/* A record before it is stored: signed by its originator's certificate (asked for if missing). */
bool member_record_ok(struct mesh *m, struct mesh_peer *from, const struct lsdb_record *r);
void member_sign_record(struct mesh *m, struct lsdb_record *r);
void member_on_cert_request(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg);
/* A certificate we asked for: true if kept (then ask for the record again). */
bool member_on_cert(struct mesh *m, const struct wire_msg *msg);
void member_on_revoke(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg);
int member_revoke(struct mesh *m, const struct revocation *r);
void member_fill_ping(const struct mesh *m, struct wire_ping *ping);
void member_on_ping(struct mesh *m, struct mesh_peer *p, const struct wire_ping *ping);
void member_adjacency_up(struct mesh *m, struct mesh_peer *p);
bool member_allows_route(const struct mesh *m, const struct addr *id, const struct prefix *dst);
bool member_allows_exit(const struct mesh *m, const struct addr *id);

#endif
