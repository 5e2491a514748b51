/*
 * The link-state database: the newest record of every node.
 *
 * A record is ordered by (boot, seq): a larger boot is a newer start of the
 * node, and within one boot a larger seq is a newer version. Only newer
 * records replace older ones, so flooding terminates and every node ends
 * with the same set. Records whose node stays unreachable are dropped after
 * a while; a tombstone keeps the dropped version so that a neighbour that
 * still holds it cannot bring it back (only a newer version can).
 */
#ifndef WGNM_CORE_LSDB_H
#define WGNM_CORE_LSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/idtab.h"
#include "wire/wire.h"

struct lsdb_record {
	struct addr id;			/* first member: idtab key */
	char name[WIRE_NAME_MAX + 1];
	uint64_t boot;
	uint64_t seq;
	uint8_t pubkey[WIRE_KEY_LEN];
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;
	uint8_t n_local;
	struct addr local[WIRE_MAX_LOCAL_ADDRS];
	bool has_reflexive;
	struct endpoint reflexive;
	uint8_t n_routes;		/* subnets it announces (as it sent them) */
	struct prefix routes[WIRE_MAX_ROUTES];
	/* networks with a CA: its certificate, and its identity's signature of the record */
	uint64_t cert_serial;		/* 0: unsigned */
	uint8_t sig[CERT_SIG_LEN];
	uint16_t n_neigh;
	struct wire_neighbour *neigh;	/* owned */
	uint64_t stored_at;		/* ms */
	struct lsdb_route {		/* set by the route computation, kept on update */
		bool reachable;
		struct addr first_hop;
		uint32_t dist;
		uint64_t since;		/* ms: when reachable/first_hop last changed */
	} route;
};

struct lsdb_tombstone {
	struct addr id;
	uint64_t boot;
	uint64_t seq;
	uint64_t until;
};

struct lsdb {
	struct idtab recs;
	struct lsdb_tombstone *tombs;
	size_t n_tombs;
	size_t cap_tombs;
	size_t max_tombs;		/* the oldest goes beyond (0: 4096) */
};

/* -1: (b1,s1) older than (b2,s2); 0: same; 1: newer. */
int lsdb_order(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2);

void lsdb_init(struct lsdb *db);
void lsdb_free(struct lsdb *db);
struct lsdb_record *lsdb_get(const struct lsdb *db, const struct addr *id);
/* Would a record of this version be stored (newer than held and tombstoned)? */
bool lsdb_wants(const struct lsdb *db, const struct addr *id, uint64_t boot, uint64_t seq,
		uint64_t now);
/*
 * Store a copy of rec (neigh array copied) if it is newer. Returns 1 if
 * stored, 0 if not newer, -ENOMEM.
 */
int lsdb_put(struct lsdb *db, const struct lsdb_record *rec, uint64_t now);
/* The newest boot held for id, in its record or a live tombstone; 0: none. */
uint64_t lsdb_held_boot(const struct lsdb *db, const struct addr *id, uint64_t now);
/* Forget id's tombstone (a start of it proved itself alive since). */
void lsdb_forget_tomb(struct lsdb *db, const struct addr *id);
/* Drop a record, leaving a tombstone until now + keep_ms (bounded in number). */
void lsdb_drop(struct lsdb *db, const struct addr *id, uint64_t now, uint64_t keep_ms);
/* Forget expired tombstones. */
void lsdb_expire(struct lsdb *db, uint64_t now);
size_t lsdb_count(const struct lsdb *db);
struct lsdb_record *lsdb_at(const struct lsdb *db, size_t i);
/* Position of id in the sorted table, or -1. */
long lsdb_index(const struct lsdb *db, const struct addr *id);
/* Order-independent digest of all (id, boot, seq). */
uint64_t lsdb_hash(const struct lsdb *db);
/* Same content (everything but boot, seq and local bookkeeping)? */
bool lsdb_same_content(const struct lsdb_record *a, const struct lsdb_record *b);
/*
 * What changed from OLD to NEW, for a debug log: "+name (kind cost)",
 * "-name", "name cost A->B", "local addresses", "reflexive endpoint",
 * "flags"; neighbours named from their records in DB. Truncated to LEN.
 */
void lsdb_describe_change(const struct lsdb *db, const struct lsdb_record *old,
			  const struct lsdb_record *new, char *out, size_t len);

#endif
