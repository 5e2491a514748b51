/*
 * Reassembly of link-state records that arrive in parts.
 *
 * Memory and time are bounded: at most REASM_SLOTS records in flight (the
 * oldest slot is evicted), each holding at most WIRE_MAX_NEIGHBOURS
 * neighbours, and a slot untouched for REASM_TIMEOUT_MS is dropped. Parts
 * of a newer version of a record replace a slot holding an older version.
 * Parts must agree on the fixed fields; a part that contradicts its slot
 * discards the slot (authentic but inconsistent input changes nothing).
 */
#ifndef WGNM_CORE_REASM_H
#define WGNM_CORE_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/lsdb.h"
#include "wire/wire.h"

#define REASM_SLOTS 8
#define REASM_TIMEOUT_MS 5000

struct reasm_slot {
	bool used;
	uint64_t touched;
	struct wire_record fixed;	/* fixed fields of part 0..n */
	uint32_t got[(WIRE_MAX_PARTS + 31) / 32];
	unsigned n_got;
	struct wire_neighbour *neigh;	/* total_neighbours entries */
};

struct reasm {
	struct reasm_slot slot[REASM_SLOTS];
	struct wire_neighbour *done;	/* neighbours of the last completed record */
	struct wire_neighbour single[WIRE_NEIGH_PER_PART];
};

void reasm_init(struct reasm *r);
void reasm_free(struct reasm *r);
/*
 * Add a part. Returns 1 when the record is complete (*out filled; out->neigh
 * points into reassembly memory valid until the next reasm call), 0 while
 * parts are missing, -EBADMSG for an inconsistent part, -ENOMEM.
 */
int reasm_add(struct reasm *r, const struct wire_record *part, uint64_t now,
	      struct lsdb_record *out);
void reasm_expire(struct reasm *r, uint64_t now);
/* Convert the fixed fields of a wire record (no neighbours). */
void reasm_fixed_to_record(const struct wire_record *w, struct lsdb_record *out);
/* The fixed fields of a record part from a stored record (flooding, signing). */
void reasm_record_to_wire(const struct lsdb_record *r, struct wire_record *w);

#endif
