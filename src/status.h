/*
 * Status: what the operator sees. A snapshot is built from the mesh core's
 * public status API and the WireGuard device (wgdev_get), then rendered.
 * One header for the family of files, each with one job:
 *
 *   status.c          the snapshot: names of kinds, lookups, counts,
 *                     human formats shared by every view
 *   status_buf.c      the capped output buffer and the JSON pieces
 *   status_collect.c  collecting from the core and the device, and the
 *                     explanations (why a node is reached as it is)
 *   status_text.c     the table (`wg_netmanager status`)
 *   status_json.c     `status --json`
 *   status_metrics.c  Prometheus text (`metrics`)
 *   status_tsv.c      the tab-separated feed `top` reads back
 *   status_edges.c    the graph's edges (`status --edges`), text and JSON
 *   status_member.c   membership (network.caKey, previousSharedKey): a
 *                     section of the text view and the JSON member
 *
 * Apart from status_collect(), which reads the core, everything here is a
 * pure function of its arguments (tests/test_status.c,
 * tests/test_status_format.c).
 *
 * Path kinds are the status view's own: the core reports SELF, DIRECT,
 * GATEWAY and UNREACHABLE, and the kind of edge of our own WireGuard peers
 * (LAN, NAT); status_path_from_mesh and status_collect are where they are
 * mapped, so the JSON names and the metrics labels stay stable.
 */
#ifndef WGNM_STATUS_H
#define WGNM_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "core/mesh.h"

struct wgdev_device;

#define STATUS_JSON_VERSION 1
#define STATUS_REASON_MAX 128
#define STATUS_IFNAME_MAX 16
#define STATUS_KEY_B64 45

enum status_path {
	STATUS_PATH_SELF = 0,
	STATUS_PATH_LAN,		/* direct over a shared LAN */
	STATUS_PATH_DIRECT,		/* direct, no NAT in between */
	STATUS_PATH_NAT,		/* direct through NAT (hole punched) */
	STATUS_PATH_GATEWAY,		/* via another node */
	STATUS_PATH_UNREACHABLE,
	STATUS_PATH__COUNT,
};

/* Stable lower-case names (JSON, metrics, tsv): "self", "lan", ... */
const char *status_path_name(enum status_path p);
int status_path_parse(const char *s, enum status_path *out);
enum status_path status_path_from_mesh(enum mesh_path p);
bool status_path_is_direct(enum status_path p);
/* Stable lower-case message type names ("hello", ...); NULL if none. */
const char *status_type_name(unsigned type);

/* Optional fields of a node. */
#define STATUS_HAS_VIA 0x01u		/* via, via_name */
#define STATUS_HAS_ENDPOINT 0x02u	/* WireGuard endpoint */
#define STATUS_HAS_HANDSHAKE 0x04u	/* last_handshake */
#define STATUS_HAS_TRAFFIC 0x08u	/* rx_bytes, tx_bytes */
#define STATUS_HAS_RTT 0x10u
#define STATUS_HAS_SINCE 0x20u		/* since (path age) */
#define STATUS_HAS_KEY 0x40u		/* public_key */
#define STATUS_LEFT 0x80u		/* unreachable because it said goodbye (else lost) */

struct status_node {
	uint32_t has;			/* STATUS_HAS_* */
	char name[WIRE_NAME_MAX + 1];
	struct addr id;			/* its wgIp */
	enum status_path path;
	struct addr via;		/* first hop */
	char via_name[WIRE_NAME_MAX + 1];
	struct endpoint endpoint;
	int64_t last_handshake;		/* unix seconds */
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint32_t rtt_ms;
	uint32_t cost;
	uint64_t since_s;		/* seconds since the path last changed */
	bool is_static;
	bool adjacent;
	bool no_transit;
	char public_key[STATUS_KEY_B64];
	char reason[STATUS_REASON_MAX];	/* why not direct; "" for direct and self */
	uint64_t claims_refused;	/* other starts that claimed its address (not transported) */
	/* collected from the core, folded into reason (not transported) */
	uint8_t direct_phase;		/* enum mesh_direct_phase */
	unsigned direct_tries;
	char direct_why[112];
	/* what this neighbour sees of us (netcheck; not transported) */
	bool on_our_lan;		/* we reach it at an address on one of our LANs */
	bool has_observed_wg;
	struct endpoint observed_wg;	/* our WireGuard endpoint, as its WireGuard reports it */
	bool has_observed_admin;
	struct endpoint observed_admin;	/* our admin endpoint, as it sees our packets */
};

/* A peer listed in net.yaml (status; not transported). */
struct status_static {
	struct addr id;
	char name[WIRE_NAME_MAX + 1];	/* "" until it said hello */
	bool resolved;			/* its endPoint has an address */
	struct endpoint endpoint;	/* its admin endpoint, if resolved */
	bool answers;			/* adjacent */
	bool heard;			/* ever heard from */
	bool has_silent;		/* silent_s is set */
	uint64_t silent_s;		/* seconds without an answer */
};

/*
 * One directed edge of the link-state graph: a neighbour as `from`'s
 * record claims it. Only edges both ends claim carry routes. A listed peer
 * that does not answer shows as an edge of kind STATUS_EDGE_SILENT from
 * this node, with how long it has been silent.
 */
#define STATUS_EDGE_SILENT 0		/* not a WIRE_PATH_*: a listed peer, silent */
#define STATUS_EDGES_MAX 65536		/* edges collected at most */

struct status_edge {
	struct addr from;
	struct addr to;
	uint8_t kind;			/* WIRE_PATH_*, or STATUS_EDGE_SILENT */
	uint16_t cost;			/* as from claims it */
	bool both;			/* to claims it too */
	struct endpoint endpoint;	/* SILENT: where the hellos go (port 0: unresolved) */
	bool has_silent;
	uint64_t silent_s;		/* SILENT: seconds without an answer */
};

/* A subnet route or exit offer: ours, or a reachable node's, with its verdict. */
#define STATUS_ROUTES_MAX 4096		/* routes collected at most */

struct status_route {
	struct prefix dst;		/* 0.0.0.0/0 for an exit offer */
	struct addr node;
	char node_name[WIRE_NAME_MAX + 1];
	bool exit;			/* an exit node offer */
	bool ours;			/* this node announces it */
	bool active;			/* installed: that node carries it for us */
	uint8_t verdict;		/* enum mesh_route_verdict */
	char path[40];			/* how that node is reached ("direct (NAT)", "via beta") */
};

/* The exit node: used, wanted, offered. */
struct status_exit {
	uint8_t use;			/* enum mesh_use_exit */
	char want[WIRE_NAME_MAX + 1];
	bool active;
	char node_name[WIRE_NAME_MAX + 1];
	char why[96];
	bool offered;
	uint64_t refused;		/* route announcements refused, each once */
};

/*
 * Membership (network.caKey) and a change of the shared key
 * (previousSharedKey). Without a CA only the second half means anything.
 */
#define STATUS_MEMBER_WARN_DAYS 7	/* this close, the certificate's end is near (as the log warns) */

struct status_member {
	bool has_ca;
	uint64_t serial;		/* our certificate's */
	int64_t not_after;		/* unix seconds */
	bool own_revoked;		/* a revocation names our certificate */
	uint64_t refused;		/* hellos, records, certificates refused for their certificate */
	size_t n_revoked;		/* revocations held */
	size_t n_certs;			/* other nodes' certificates held */
	bool has_prev_key;		/* previousSharedKey set */
	uint64_t prev_key_opened;	/* datagrams opened with it since it was set */
};

struct status_snapshot {
	char ifname[STATUS_IFNAME_MAX];
	char name[WIRE_NAME_MAX + 1];
	struct addr id;
	char backend[16];
	int64_t now;			/* unix seconds when taken */
	uint64_t uptime_s;
	size_t n_nodes;			/* self first */
	struct status_node *nodes;	/* owned; status_snapshot_free */
	struct mesh_counters ctr;
	bool has_ctr;
	/* datagrams the kernel dropped on our sockets (receive buffer full)
	 * before we read them: [0] admin port, [1] LAN discovery; metrics only */
	uint64_t socket_drops[2];
	bool has_socket_drops[2];
	/* listed peers (not transported) */
	size_t n_statics;
	struct status_static *statics;	/* owned */
	/* STATUS_WANT_EDGES only (not transported) */
	bool has_edges;
	size_t n_edges;
	struct status_edge *edges;	/* owned */
	size_t edges_left_out;		/* beyond STATUS_EDGES_MAX */
	/* this node's own view of itself, for netcheck (not transported) */
	uint16_t wg_port;
	uint16_t admin_port;
	size_t n_local;
	struct prefix local[MESH_MAX_LOCAL];
	bool has_reflexive;
	struct endpoint reflexive;
	struct addr reflexive_from;
	/* subnet routes and the exit node (status_routes.c formats them) */
	size_t n_routes;
	struct status_route *routes;	/* owned */
	size_t routes_left_out;		/* beyond STATUS_ROUTES_MAX */
	struct status_exit exit;
	struct status_member member;	/* status_member.c formats it */
};

/* What status_collect gathers beyond the node table. */
#define STATUS_WANT_EDGES 0x1u

/* What status_collect reads. dev may be NULL (no WireGuard data). */
struct status_input {
	const struct mesh *mesh;
	const struct wgdev_device *dev;
	uint64_t now_ms;		/* the mesh's clock */
	uint64_t start_ms;		/* the mesh's clock at start */
	int64_t wall;			/* unix seconds */
	const char *ifname;
	const char *backend;
	uint64_t socket_drops[2];	/* as in status_snapshot */
	bool has_socket_drops[2];
	unsigned want;			/* STATUS_WANT_* */
	bool has_prev_key;		/* as in status_member (the daemon's, not the core's) */
	uint64_t prev_key_opened;
};

/* status_collect.c */
int status_collect(const struct status_input *in, struct status_snapshot *out);
/* Fill path-derived fields: via_name and reason (from the node list). */
void status_explain(struct status_snapshot *s);

void status_snapshot_free(struct status_snapshot *s);
size_t status_count_reachable(const struct status_snapshot *s);
size_t status_count_direct(const struct status_snapshot *s);
/* A node of the snapshot by name, or else by its overlay address; NULL. */
const struct status_node *status_find_node(const struct status_snapshot *s, const char *name_or_addr);
/* A node of the snapshot by its overlay address; NULL. */
const struct status_node *status_find_id(const struct status_snapshot *s, const struct addr *id);
/* Seconds from unix time t to the snapshot's time; 0 if t is not earlier. */
uint64_t status_age_of(const struct status_snapshot *s, int64_t t);

/*
 * Drop reasons that are part of normal operation: our own broadcast coming
 * back (self), and packets of a neighbour that is starting, before its
 * challenge is answered (unconfirmed). The rest is worth a look.
 */
bool status_drop_harmless(enum wire_drop d);

/* status_buf.c: a growable output buffer with a hard cap; failed is sticky. */
struct status_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	bool failed;
};

void status_buf_init(struct status_buf *b, size_t max);
void status_buf_free(struct status_buf *b);
void status_buf_printf(struct status_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void status_buf_put(struct status_buf *b, const char *s, size_t n);

/* Human helpers: "1.5 KiB", "3m12s"; return buf. */
const char *status_fmt_bytes(uint64_t n, char *buf, size_t len);
const char *status_fmt_age(uint64_t secs, char *buf, size_t len);
/* The PATH column: "self", "LAN", "direct", "direct (NAT)", "via beta", "lost". */
void status_path_label(const struct status_node *n, char *buf, size_t len);
/* "no answer since 12:01:33 (1m02s)", local time; now in unix seconds. */
const char *status_fmt_silence(int64_t now, uint64_t silent_s, char *buf, size_t len);
/* The RTT column: "3 ms", "<1 ms" (measured, under a millisecond), "-". */
const char *status_fmt_rtt(const struct status_node *n, char *buf, size_t len);

/* status_text.c, status_json.c */
void status_format_text(const struct status_snapshot *s, struct status_buf *b);
void status_format_json(const struct status_snapshot *s, struct status_buf *b);
/* The edge table (text; status --edges) and its JSON array (status_edges.c). */
void status_format_edges_text(const struct status_snapshot *s, struct status_buf *b);
void status_format_edges_json(const struct status_snapshot *s, struct status_buf *b);
/*
 * Routes and the exit node (status_routes.c): a section of the text view
 * (nothing when there are none), the JSON members "routes" and
 * "exit_node".
 */
void status_format_routes_text(const struct status_snapshot *s, struct status_buf *b);
void status_format_routes_json(const struct status_snapshot *s, struct status_buf *b);
/* "active", "standby", "refused", "ours" */
const char *status_route_state(const struct status_route *r);
/* Stable edge kind names: "direct", "lan", "nat", "silent"; NULL for others. */
const char *status_edge_kind_name(uint8_t kind);

/* JSON pieces (status_buf.c), shared by the renderings of status, edges and netcheck. */
void status_json_str(struct status_buf *b, const char *s);
void status_json_key(struct status_buf *b, bool *first, const char *key);
void status_json_kstr(struct status_buf *b, bool *first, const char *key, bool has,
		      const char *v);
void status_json_ku64(struct status_buf *b, bool *first, const char *key, bool has, uint64_t v);
void status_json_kbool(struct status_buf *b, bool *first, const char *key, bool v);

/*
 * Membership (status_member.c): a section of the text view (nothing
 * without a CA or a previous shared key) and the JSON member
 * "membership". Days left of our certificate at the snapshot's time, a
 * day begun counted as the log counts them (negative: expired), and
 * whether to warn of it.
 */
void status_format_member_text(const struct status_snapshot *s, struct status_buf *b);
void status_format_member_json(const struct status_snapshot *s, struct status_buf *b);
int64_t status_member_days_left(const struct status_snapshot *s);
bool status_member_warn(const struct status_snapshot *s);

/* status_metrics.c */
void status_format_metrics(const struct status_snapshot *s, const char *version,
			   struct status_buf *b);
/*
 * status_tsv.c: the form `top` reads: one "H" line, one "N" line per node, one "C" line
 * of counters, tab-separated. Not a stable interface (use JSON).
 */
void status_format_tsv(const struct status_snapshot *s, struct status_buf *b);
/* Parse it back. Returns 0 or -EINVAL (*out is then empty). */
int status_parse_tsv(const char *buf, size_t len, struct status_snapshot *out);

#endif
