/*
 * Membership in a network with a certificate authority (network.caKey):
 * certificates held per node, revocations, and the checks of hellos and
 * records. Owned by member.c; the rest of the core asks it (adj.c at a
 * hello that answers a challenge, flood.c before storing a record, self.c
 * to sign our record, subnet.c for route rights).
 */
#ifndef WGNM_CORE_MEMBER_H
#define WGNM_CORE_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/idtab.h"
#include "wire/cert.h"

#define MEMBER_MAX_REVOKED 1024		/* revocations held at most */
#define MEMBER_ASKED 16			/* certificate requests remembered (no repeats) */
#define MEMBER_CUT_MAX 64		/* nodes cut off by one revocation, handled at once */

struct member_state {
	struct idtab certs;		/* struct member_cert: the valid certificate per node */
	struct revocation *revoked;	/* every revocation known, verified */
	size_t n_revoked;
	uint64_t rev_hash;		/* wire_revocation_hash_add over them */
	size_t rev_next;		/* where the next batch to a neighbour starts */
	struct {
		struct addr id;
		uint64_t serial;
		uint64_t at;
	} asked[MEMBER_ASKED];
	unsigned asked_next;
	uint64_t cert_tokens;		/* certificates sent in answer (x1000), a bucket */
	uint64_t cert_at;
	uint64_t refused;		/* hellos and records refused for their certificate */
	uint64_t warned_expiry_at;	/* unix seconds: our certificate's expiry last said */
	bool own_revoked;
	struct addr cut[MEMBER_CUT_MAX];	/* revoked just now: mesh.c cuts them off */
	size_t n_cut;
};

/* What a hello that answers our challenge proves. */
enum member_verdict {
	MEMBER_REFUSED = 0,	/* no valid certificate or proof: not admitted */
	MEMBER_NEW,		/* a valid certificate: first of this address, or the same identity's */
	MEMBER_SAME_IDENTITY,	/* the identity we hold for its address: its restart takes over */
};

#endif
