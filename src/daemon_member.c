/*
 * The daemon's side of membership; see daemon_member.h.
 *
 * At start the identity seed of the configuration becomes a secret key in
 * sodium_malloc'd memory, the certificate and CA key go into the core's
 * configuration with the signing, verifying and time functions, and the
 * revocations the core starts with are net.yaml's followed by those kept
 * in the store (the core checks their signatures and skips duplicates).
 * A reload replaces the key (the old one is freed, wiped, only once the
 * core holds the new one). Revocations the core learns later come back as
 * MESH_ACT_REVOKED and are appended to the store (daemon_act.c).
 */
#include "daemon_member.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "log.h"
#include "revstore.h"
#include "wire/seal.h"

/* cert_sign_fn: arg is the identity's secret key. */
static void identity_sign(void *arg, const uint8_t *msg, size_t len, uint8_t sig[CERT_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, arg);
}

static uint64_t unix_now(void *arg)
{
	time_t t = time(NULL);

	(void)arg;
	return t > 0 ? (uint64_t)t : 0;
}

/*
 * The secret key of cfg's identity, in guarded memory, its public key in
 * pk; cfg's seed is wiped. NULL on failure.
 */
static uint8_t *take_identity(struct config *cfg, uint8_t pk[CERT_KEY_LEN])
{
	uint8_t *sk;

	if (!cfg->mb.has_identity)
		return NULL;
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (sk) {
		crypto_sign_seed_keypair(pk, sk, cfg->mb.identity);
		if (sodium_mprotect_readonly(sk) < 0)
			log_debug("identity key: cannot make its memory read-only");
	}
	sodium_memzero(cfg->mb.identity, sizeof(cfg->mb.identity));
	return sk;
}

/* "node charlie", "serial 5ed0947e87db15de", or both. */
static const char *describe(const struct revocation *r, char *buf, size_t len)
{
	char serial[40] = "";

	if (r->flags & REVOKE_FLAG_SERIAL)
		snprintf(serial, sizeof(serial), "serial %016" PRIx64, r->serial);
	if ((r->flags & REVOKE_FLAG_NAME) && serial[0])
		snprintf(buf, len, "node %s, %s", r->name, serial);
	else if (r->flags & REVOKE_FLAG_NAME)
		snprintf(buf, len, "node %s", r->name);
	else
		snprintf(buf, len, "%s", serial);
	return buf;
}

/*
 * mc's membership block from cfg, with sk as the signing key. The
 * revocations: net.yaml's, then extra[0..n_extra) (the store's), in
 * dm->buf.
 */
static int fill(struct daemon_member *dm, const struct config *cfg, uint8_t *sk,
		const struct revocation *extra, size_t n_extra, struct mesh_config *mc)
{
	const struct config_member *mb = &cfg->mb;
	size_t n = mb->n_revoked + n_extra;

	/* wall-clock time: certificates' validity, and the grid direct paths retry on */
	mc->unix_time = unix_now;
	mc->time_arg = NULL;
	mc->has_ca = mb->has_ca;
	if (!mb->has_ca)
		return 0;
	memcpy(mc->ca_key, mb->ca_key, sizeof(mc->ca_key));
	mc->cert = mb->cert;
	mc->sign = identity_sign;
	mc->sign_arg = sk;
	mc->verify = config_member_verify;
	mc->verify_arg = NULL;
	free(dm->buf);
	dm->buf = calloc(n ? n : 1, sizeof(*dm->buf));
	dm->n_buf = 0;
	if (!dm->buf)
		return -ENOMEM;
	for (size_t i = 0; i < mb->n_revoked; i++)
		dm->buf[dm->n_buf++] = mb->revoked[i].r;
	for (size_t i = 0; i < n_extra; i++)
		dm->buf[dm->n_buf++] = extra[i];
	mc->revoked = dm->buf;
	mc->n_revoked = dm->n_buf;
	return 0;
}

/* The store's revocations: said in the log, never fatal. */
static void load_store(const char *path, struct revocation **out, size_t *n)
{
	size_t bad = 0;
	int r = revstore_load(path, out, n, &bad);

	if (r < 0)
		log_warnx("%s: %s; revocations kept there are not read", path, strerror(-r));
	if (bad)
		log_warnx("%s: %zu line(s) are no revocation and were skipped", path, bad);
	if (*n)
		log_info("%zu revocation(s) read from %s", *n, path);
}

int daemon_member_start(struct daemon_member *dm, struct config *cfg, const char *state_dir,
			struct mesh_config *mc)
{
	struct revocation *stored = NULL;
	size_t n_stored = 0;
	char when[40];
	int r;

	memset(dm, 0, sizeof(*dm));
	mc->unix_time = unix_now; /* used without a CA too (fill) */
	mc->time_arg = NULL;
	if (!cfg->mb.has_ca) {
		sodium_memzero(cfg->mb.identity, sizeof(cfg->mb.identity));
		return 0;
	}
	if (!(dm->sk = take_identity(cfg, dm->pub))) {
		log_errx("out of memory for the identity key");
		return -ENOMEM;
	}
	r = revstore_path(state_dir ? state_dir : REVSTORE_DEFAULT_DIR, cfg->ifname,
			  dm->revoked_path, sizeof(dm->revoked_path));
	if (r < 0) {
		log_warnx("%s/%s: %s: revocations are not kept across restarts",
			  state_dir ? state_dir : REVSTORE_DEFAULT_DIR, cfg->ifname, strerror(-r));
		dm->revoked_path[0] = '\0';
	} else {
		load_store(dm->revoked_path, &stored, &n_stored);
	}
	r = fill(dm, cfg, dm->sk, stored, n_stored, mc);
	free(stored);
	if (r < 0) {
		log_errx("out of memory for the revocations");
		return r;
	}
	log_info("member of the network by certificate %016" PRIx64 " (%s), valid until %s",
		 cfg->mb.cert.serial, cfg->mb.cert.name,
		 config_member_fmt_time(cfg->mb.cert.not_after, when, sizeof(when)));
	return 0;
}

void daemon_member_settled(struct daemon_member *dm)
{
	free(dm->buf);
	dm->buf = NULL;
	dm->n_buf = 0;
}

int daemon_member_reload(struct daemon_member *dm, struct mesh *m, struct config *nc,
			 uint64_t now)
{
	struct mesh_config mc = { 0 };
	uint8_t *sk = NULL, pub[CERT_KEY_LEN];
	bool same_key = dm->sk && memcmp(dm->pub, nc->mb.identity_pub, sizeof(pub)) == 0;
	int r;

	/* the same identity (or the running one kept: reload.c) keeps its key */
	if (nc->mb.has_ca && !same_key && !(sk = take_identity(nc, pub))) {
		log_warnx("reload: out of memory for the identity key; membership unchanged");
		return -ENOMEM;
	}
	sodium_memzero(nc->mb.identity, sizeof(nc->mb.identity));
	if (same_key)
		sk = dm->sk;
	if ((r = fill(dm, nc, sk, NULL, 0, &mc)) == 0)
		r = mesh_set_membership(m, &mc, now);
	daemon_member_settled(dm);
	if (r < 0) {
		log_warnx("reload: membership unchanged: %s", strerror(-r));
		if (sk != dm->sk)
			sodium_free(sk);
		return r;
	}
	/* the core signs with the new key from now on: the old one goes */
	if (sk != dm->sk) {
		sodium_free(dm->sk);
		dm->sk = sk;
		memcpy(dm->pub, pub, sizeof(pub));
	}
	if (nc->mb.has_ca && !dm->revoked_path[0])
		log_warnx("reload: network.caKey is new: revocations are kept on disk after a restart");
	log_info("reload: membership %s", nc->mb.has_ca ? "applied (CA key, certificate, revocations)"
							: "off: shared-key mode");
	return 0;
}

int daemon_member_revoke(struct mesh *m, const char *b64, uint64_t now, char *answer,
			 size_t len)
{
	uint8_t bin[REVOKE_MAX_LEN + 1];
	struct revocation rv;
	char what[80];
	int n = config_b64_decode_var(bin, sizeof(bin), b64), r;

	if (n < 0 || revocation_decode(bin, (size_t)n, &rv) < 0) {
		snprintf(answer, len, "not a revocation in base64 (make one with 'wg_netmanager ca "
				      "revoke')");
		return -EINVAL;
	}
	describe(&rv, what, sizeof(what));
	r = mesh_revoke(m, &rv, now);
	switch (r) {
	case 1:
		log_info("revocation of %s from the operator: applied, spreading to the mesh", what);
		snprintf(answer, len, "revoked %s: cut off here, spreading to the mesh\n", what);
		return 0;
	case 0:
		snprintf(answer, len, "already known: %s (nothing new)\n", what);
		return 0;
	case -EINVAL:
		snprintf(answer, len, "revocation of %s refused: not signed by this network's CA "
				      "(network.caKey)", what);
		break;
	case -EPERM:
		snprintf(answer, len, "refused: this network has no CA (network.caKey), so nothing "
				      "can be revoked");
		break;
	case -ENOSPC:
		snprintf(answer, len, "refused: %d revocations are known, no more are kept",
			 REVSTORE_MAX);
		break;
	default:
		snprintf(answer, len, "refused: %s", strerror(r < 0 ? -r : EINVAL));
		break;
	}
	return r < 0 ? r : -EINVAL;
}

void daemon_member_keep(const char *path, const struct revocation *r)
{
	char what[80];
	int err;

	describe(r, what, sizeof(what));
	if (!path || !path[0]) {
		log_warnx("revocation of %s: applied, but not kept across restarts (no state "
			  "directory)", what);
		return;
	}
	err = revstore_append(path, r);
	if (err == 0)
		log_info("revocation of %s kept in %s", what, path);
	else
		log_warnx("revocation of %s: applied, but not kept in %s (%s): list it in "
			  "network.revoked", what, path,
			  err == -ENOSPC ? "the file is full" : strerror(-err));
}

bool daemon_member_prev_key(struct config *cfg, struct seal_key *key)
{
	bool ok = cfg->mb.has_prev_key && seal_key_derive(key, cfg->mb.prev_shared_key) == 0;

	sodium_memzero(cfg->mb.prev_shared_key, sizeof(cfg->mb.prev_shared_key));
	if (!ok)
		seal_key_wipe(key);
	return ok;
}

void daemon_member_free(struct daemon_member *dm)
{
	if (!dm)
		return;
	sodium_free(dm->sk); /* wipes it */
	dm->sk = NULL;
	daemon_member_settled(dm);
}
