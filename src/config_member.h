/*
 * The configuration of membership: a network with a certificate authority
 * (net.yaml network.caKey, network.revoked), this node's identity and
 * certificate (peer.yaml identityKey, certificate), the shared key being
 * replaced (network.previousSharedKey) and static peers given on the
 * command line by their endpoint only (--peer HOST:PORT[/ADMINPORT]).
 * The readers take the value a yamlwalk key table hands them and this
 * struct; config.c embeds it in struct config.
 *
 * Secrets here (identityKey, previousSharedKey) are fixed arrays, wiped by
 * config_member_free and never printed; libyaml's copy of their text is
 * wiped as soon as it is read. Signatures are checked with libsodium
 * (Ed25519): a certificate in peer.yaml is checked as the others will
 * check it, so that a node that would be refused says so before it starts.
 */
#ifndef WGNM_CONFIG_MEMBER_H
#define WGNM_CONFIG_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "config_routes.h"
#include "wire/cert.h"
#include "yamlwalk.h"

#define CONFIG_MAX_REVOKED 1024		/* network.revoked entries */
#define CONFIG_MAX_SEEDS 16		/* --peer */
#define CONFIG_SEED_ADMIN_OFFSET 500	/* ADMINPORT default: PORT + 500 (50000/50500) */
#define CONFIG_CERT_WARN_S (7 * 86400)	/* a certificate this close to its end is warned about */
#define CONFIG_IDENTITY_LEN 32		/* an Ed25519 seed: identityKey */

/* A revocation of net.yaml, with where it was written. */
struct config_revocation {
	struct revocation r;
	unsigned line, col;
};

/* A static peer known only by its endpoint (--peer HOST:PORT[/ADMINPORT]). */
struct config_seed {
	char host[ENDPOINT_HOST_MAX + 1];	/* name or literal address */
	uint16_t wg_port;
	uint16_t admin_port;
};

struct config_member {
	/* net.yaml */
	bool has_ca;
	uint8_t ca_key[CERT_KEY_LEN];		/* network.caKey: public */
	unsigned ca_line, ca_col;
	struct config_revocation *revoked;	/* network.revoked, malloc'd */
	size_t n_revoked;
	bool has_prev_key;
	uint8_t prev_shared_key[32];		/* network.previousSharedKey: secret */
	/* peer.yaml */
	bool has_identity;
	uint8_t identity[CONFIG_IDENTITY_LEN];	/* identityKey: secret (Ed25519 seed) */
	uint8_t identity_pub[CERT_KEY_LEN];	/* its public key */
	unsigned identity_line, identity_col;
	bool has_cert;
	struct cert cert;			/* certificate */
	unsigned cert_line, cert_col;
	/* the command line */
	struct config_seed seeds[CONFIG_MAX_SEEDS];
	size_t n_seeds;
};

/* What the command line says. */
struct config_member_cli {
	const char *seeds[CONFIG_MAX_SEEDS + 1];	/* --peer, repeatable (one over: an error) */
	size_t n_seeds;
};

void config_member_init(struct config_member *mb);
/* Wipe the secrets and free the revocations. NULL-safe. */
void config_member_free(struct config_member *mb);

void config_read_ca_key(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb);
void config_read_revoked(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb);
void config_read_prev_key(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb);
void config_read_identity(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb);
void config_read_certificate(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb);

/* --peer on top; problems to msgs as "command line". */
void config_member_apply_cli(struct config_member *mb, const struct config_member_cli *cli,
			     struct config_msgs *msgs);

/* Where the whole configuration is known: what the checks need of it. */
struct config_member_ctx {
	const char *name;		/* this node's name; "" if none was given */
	const struct addr *wg_ip;	/* NULL if none */
	const struct config_routes *rt;	/* what this node announces */
	const uint8_t *shared_key;	/* NULL if net.yaml had none */
	uint64_t now;			/* unix seconds */
	const char *net_path, *peer_path;
	bool peer_file_used;
};

/*
 * The checks of the whole configuration: revocations and the certificate
 * against caKey, the certificate against identityKey, this node's address
 * and name, its routes and exit offer; expiry (an error when past, a
 * warning CONFIG_CERT_WARN_S before). Without caKey, identityKey,
 * certificate and revoked are ignored with a warning.
 */
void config_member_check(const struct config_member *mb, const struct config_member_ctx *ctx,
			 struct config_msgs *msgs);

/*
 * A certificate's time for people: "2027-12-07 20:52 UTC" (after the year
 * 9999, the number). Returns buf.
 */
const char *config_member_fmt_time(uint64_t t, char *buf, size_t len);

/* The node name the certificate holds, for a node not named otherwise; NULL if none. */
const char *config_member_cert_name(const struct config_member *mb);

/*
 * Base64 (sodium's original variant with padding) of exactly n bytes into
 * out: 0, or -EINVAL. Never hand-written; shared with the ca command.
 */
int config_b64_decode(uint8_t *out, size_t n, const char *b64);
/* Decode at most cap bytes: the length, or -EINVAL. */
int config_b64_decode_var(uint8_t *out, size_t cap, const char *b64);

/* Is this Ed25519 signature of the CA key's? (libsodium) */
bool config_member_verify(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg,
			  size_t len, const uint8_t sig[CERT_SIG_LEN]);

/*
 * The same membership: CA key, revocations, identity (by its public key:
 * the daemon wipes the seed once it has it) and certificate.
 */
bool config_member_same(const struct config_member *a, const struct config_member *b);
/* Print the settings, never a secret. now: unix seconds, for the days left. */
void config_member_print(const struct config_member *mb, uint64_t now, FILE *out);

#endif
