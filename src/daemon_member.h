/*
 * The daemon's side of membership (network.caKey): this node's identity
 * key and certificate handed to the core with the signature and time
 * functions it needs (Ed25519 by libsodium, the wall clock), revocations
 * kept on disk (revstore.h) and read at start, a revocation from the
 * operator (`wg_netmanager revoke`) checked and answered in words, and
 * what of it changes on a reload.
 *
 * The identity's secret key lives in sodium_malloc'd memory (guard pages,
 * no swap), is wiped when replaced and at exit, and the configuration's
 * copy of the seed is wiped as soon as it is taken.
 */
#ifndef WGNM_DAEMON_MEMBER_H
#define WGNM_DAEMON_MEMBER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core/mesh.h"

struct daemon_member {
	uint8_t *sk;			/* the identity's secret key (64 bytes), sodium_malloc'd */
	uint8_t pub[CERT_KEY_LEN];	/* its public key */
	char revoked_path[PATH_MAX];	/* STATE_DIR/IFNAME/revoked; "" without a CA */
	struct revocation *buf;		/* the revocations handed to the core (it copies) */
	size_t n_buf;
};

/*
 * Take cfg's identity (its seed is wiped from cfg) and fill the
 * membership block of mc, with the revocations of net.yaml and of the
 * store under state_dir. 0, or a negative errno (logged).
 */
int daemon_member_start(struct daemon_member *dm, struct config *cfg, const char *state_dir,
			struct mesh_config *mc);
/* What mc pointed into is no longer needed (after mesh_new or mesh_set_membership). */
void daemon_member_settled(struct daemon_member *dm);

/*
 * A reload: the new configuration's membership into the core (identity,
 * certificate, CA key, net.yaml's revocations). 0 or a negative errno.
 */
int daemon_member_reload(struct daemon_member *dm, struct mesh *m, struct config *nc,
			 uint64_t now);

/*
 * The operator's revocation (base64) for the core: 0 with answer saying
 * what became of it ("...\n"), or a negative errno with answer saying why
 * (one line, no "\n"). The caller runs the actions that follow.
 */
int daemon_member_revoke(struct mesh *m, const char *b64, uint64_t now, char *answer,
			 size_t len);

/* Keep a revocation the core learned (MESH_ACT_REVOKED) in the store at path; logged. */
void daemon_member_keep(const char *path, const struct revocation *r);

struct seal_key;
/*
 * network.previousSharedKey of cfg, derived into *key (cfg's copy is
 * wiped): true if there is one (and it derived), else false with *key
 * wiped.
 */
bool daemon_member_prev_key(struct config *cfg, struct seal_key *key);

/* Wipe and free. NULL-safe. */
void daemon_member_free(struct daemon_member *dm);

#endif
