/*
 * Direct paths to nodes we otherwise reach through a gateway: LAN
 * shortcuts and NAT traversal with WireGuard itself. See direct.c.
 */
#ifndef WGNM_CORE_DIRECT_H
#define WGNM_CORE_DIRECT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "wire/wire.h"

struct mesh;
struct mesh_peer;
struct mesh_wg_stats;

enum direct_phase {
	DIRECT_IDLE = 0,	/* nothing to try, or not our business (adjacent) */
	DIRECT_TRYING,		/* a trial WireGuard peer at a candidate endpoint */
	DIRECT_UP,		/* handshake seen: the edge is ours to claim */
	DIRECT_FAILED,		/* every candidate failed; retry_at says when again */
};

#define DIRECT_MAX_CANDS (WIRE_MAX_LOCAL_ADDRS + 1)

struct direct_state {
	enum direct_phase phase;
	uint8_t kind;			/* WIRE_PATH_* of the candidate or edge */
	struct endpoint ep;		/* candidate being tried, or in use */
	unsigned cand;			/* index of the candidate being tried */
	unsigned n_cands;
	struct endpoint cands[DIRECT_MAX_CANDS];
	uint8_t cand_kind[DIRECT_MAX_CANDS];
	uint64_t cand_hash;		/* the candidate set failures refer to */
	uint64_t boot;			/* the boot of the node the state is about */
	uint64_t since;			/* ms: entered this phase */
	uint64_t deadline;		/* trying: give up this candidate */
	uint64_t rekick_at;		/* trying NAT: re-create the trial peer then */
	uint64_t retry_at;		/* failed: try again (0: only on change) */
	unsigned failures;		/* rounds failed in a row */
	unsigned tries;			/* rounds started, in all */
	uint64_t active_at;		/* ms: data last moved (idle policy) */
	uint64_t base_rx, base_tx;	/* counters at active_at */
	bool asleep;			/* idle NAT edge: keepalive off */
	uint64_t unclaimed_since;	/* up, but its record does not claim us */
	uint64_t data_since;		/* up: data sent, nothing heard since; 0 = no */
	uint64_t check_until;		/* up, stalled: a new handshake must come by then */
	bool patient;			/* up: the tunnel answered a check; see direct.c */
	uint32_t rtt_ms;		/* the path's round trip, from its last handshake (direct.c) */
	uint64_t hs_from;		/* ms: a handshake from now on took at least now - this */
	bool peer_claimed;		/* its record claimed us when last looked at */
	char why[112];			/* the last failure, for the status view */
};

/* Re-evaluate one node (record changed, timer, roaming). */
void direct_update(struct mesh *m, struct mesh_peer *p);
/* Walk every known node: start, retry or stop attempts. */
void direct_update_all(struct mesh *m);
/* A WireGuard sample for a peer in a direct phase. */
void direct_on_stats(struct mesh *m, struct mesh_peer *p, const struct mesh_wg_stats *s);
/*
 * Something suggests the node beyond an up edge is gone (another node lost
 * its edge to it): check the tunnel with a fresh handshake.
 */
void direct_check(struct mesh *m, struct mesh_peer *p, const char *why);
/* Our addresses changed: every failed or idle pair gets a fresh chance. */
void direct_roamed(struct mesh *m);
uint64_t direct_next_timer(const struct mesh *m, const struct mesh_peer *p);
/* Should fib.c install a WireGuard peer for it, and how? */
bool direct_wants_peer(const struct mesh_peer *p, struct endpoint *ep, uint16_t *keepalive);
/* Is it an edge of ours (claimed in our record), and of which kind? */
bool direct_edge(const struct mesh_peer *p, uint8_t *kind);
/* Anything being tried: the host should sample WireGuard more often. */
bool direct_busy(const struct mesh *m);
const char *direct_phase_name(enum direct_phase ph);

#endif
