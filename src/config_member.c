/*
 * The configuration of membership; see config_member.h. Values are parsed
 * where they are read (base64, the certificate's and revocations' syntax);
 * what needs the whole configuration (signatures against caKey, which may
 * come after them in the file; the certificate against this node's key,
 * address, name and routes; expiry) is config_member_check's, at the line
 * of the value to blame. The clock is the caller's (ctx->now).
 */
#include "config_member.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

void config_member_init(struct config_member *mb)
{
	memset(mb, 0, sizeof(*mb));
}

void config_member_free(struct config_member *mb)
{
	if (!mb)
		return;
	sodium_memzero(mb->identity, sizeof(mb->identity));
	sodium_memzero(mb->prev_shared_key, sizeof(mb->prev_shared_key));
	mb->has_identity = mb->has_prev_key = false;
	free(mb->revoked);
	mb->revoked = NULL;
	mb->n_revoked = 0;
}

int config_b64_decode_var(uint8_t *out, size_t cap, const char *b64)
{
	size_t n = 0, len = strlen(b64);
	const char *end = NULL;

	if (sodium_base642bin(out, cap, b64, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + len || n > (size_t)INT32_MAX)
		return -EINVAL;
	return (int)n;
}

int config_b64_decode(uint8_t *out, size_t n, const char *b64)
{
	uint8_t tmp[64];
	int r;

	if (n > sizeof(tmp))
		return -EINVAL;
	/* one byte of room more than wanted: a longer value is refused, not cut */
	r = config_b64_decode_var(tmp, n + 1, b64);
	if (r == (int)n)
		memcpy(out, tmp, n);
	sodium_memzero(tmp, sizeof(tmp));
	return r == (int)n ? 0 : -EINVAL;
}

bool config_member_verify(void *arg, const uint8_t key[CERT_KEY_LEN], const uint8_t *msg,
			  size_t len, const uint8_t sig[CERT_SIG_LEN])
{
	(void)arg;
	return crypto_sign_verify_detached(sig, msg, len, key) == 0;
}

/* ---- net.yaml ---- */

void config_read_ca_key(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb)
{
	const char *s = yamlwalk_scalar(w, v, "caKey");
	uint8_t x[32];

	if (!s)
		return;
	/* a point that is no Ed25519 public key cannot verify anything */
	if (config_b64_decode(mb->ca_key, CERT_KEY_LEN, s) < 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(x, mb->ca_key) != 0) {
		yamlwalk_error(w, v, "caKey must be an Ed25519 public key, 32 bytes in base64 (make "
				     "one with 'wg_netmanager ca init')");
		memset(mb->ca_key, 0, sizeof(mb->ca_key));
		return;
	}
	mb->has_ca = true;
	mb->ca_line = yamlwalk_line(v);
	mb->ca_col = yamlwalk_col(v);
}

static bool read_revocation(struct yamlwalk *w, yaml_node_t *v, struct config_revocation *out)
{
	const char *s = yamlwalk_scalar(w, v, "revoked");
	uint8_t bin[REVOKE_MAX_LEN + 1];
	int n;

	if (!s)
		return false;
	n = config_b64_decode_var(bin, sizeof(bin), s);
	if (n < 0 || revocation_decode(bin, (size_t)n, &out->r) < 0) {
		yamlwalk_error(w, v, "revoked: '%.20s...' is not a revocation in base64 (make one "
				     "with 'wg_netmanager ca revoke')", s);
		return false;
	}
	out->line = yamlwalk_line(v);
	out->col = yamlwalk_col(v);
	return true;
}

void config_read_revoked(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb)
{
	size_t n, k = 0;

	if (!yamlwalk_list(w, v, "revoked", CONFIG_MAX_REVOKED, &n))
		return;
	free(mb->revoked);
	mb->n_revoked = 0;
	mb->revoked = calloc(n ? n : 1, sizeof(*mb->revoked));
	if (!mb->revoked) {
		yamlwalk_error(w, v, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yamlwalk_item(w, v, i);
		struct config_revocation cr;
		bool dup = false;

		if (!item || !read_revocation(w, item, &cr))
			continue;
		for (size_t j = 0; j < k && !dup; j++) {
			if (revocation_same(&mb->revoked[j].r, &cr.r)) {
				yamlwalk_error(w, item, "revoked: the same revocation is listed twice "
							"(also at line %u)", mb->revoked[j].line);
				dup = true;
			}
		}
		if (!dup)
			mb->revoked[k++] = cr;
	}
	mb->n_revoked = k;
}

void config_read_prev_key(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb)
{
	const char *s = yamlwalk_scalar(w, v, "previousSharedKey");
	int r;

	if (!s)
		return;
	r = config_b64_decode(mb->prev_shared_key, sizeof(mb->prev_shared_key), s);
	yamlwalk_wipe(v);
	if (r < 0) {
		yamlwalk_error(w, v, "previousSharedKey must be 32 bytes in base64 (the sharedKey "
				     "being replaced)");
		return;
	}
	mb->has_prev_key = true;
}

/* ---- peer.yaml ---- */

void config_read_identity(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb)
{
	const char *s = yamlwalk_scalar(w, v, "identityKey");
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	int r;

	if (!s)
		return;
	r = config_b64_decode(mb->identity, sizeof(mb->identity), s);
	yamlwalk_wipe(v);
	if (r < 0) {
		yamlwalk_error(w, v, "identityKey must be 32 bytes in base64 (make one with "
				     "'wg_netmanager ca sign' or 'wg_netmanager ca identity')");
		sodium_memzero(mb->identity, sizeof(mb->identity));
		return;
	}
	crypto_sign_seed_keypair(mb->identity_pub, sk, mb->identity);
	sodium_memzero(sk, sizeof(sk));
	mb->has_identity = true;
	mb->identity_line = yamlwalk_line(v);
	mb->identity_col = yamlwalk_col(v);
}

void config_read_certificate(struct yamlwalk *w, yaml_node_t *v, struct config_member *mb)
{
	const char *s = yamlwalk_scalar(w, v, "certificate");
	uint8_t bin[CERT_MAX_LEN + 1];
	int n;

	if (!s)
		return;
	n = config_b64_decode_var(bin, sizeof(bin), s);
	if (n < 0 || cert_decode(bin, (size_t)n, &mb->cert) < 0) {
		yamlwalk_error(w, v, "certificate: not a node certificate in base64 (make one with "
				     "'wg_netmanager ca sign')");
		return;
	}
	mb->has_cert = true;
	mb->cert_line = yamlwalk_line(v);
	mb->cert_col = yamlwalk_col(v);
}

/* ---- the command line ---- */

/* HOST:PORT[/ADMINPORT] into s; false with *why. */
static bool parse_seed(const char *arg, struct config_seed *s, const char **why)
{
	char ep[ENDPOINT_HOST_MAX + 16];
	const char *slash = strrchr(arg, '/');
	size_t len = slash ? (size_t)(slash - arg) : strlen(arg);

	if (len >= sizeof(ep)) {
		*why = "too long";
		return false;
	}
	memcpy(ep, arg, len);
	ep[len] = '\0';
	if (endpoint_split(ep, s->host, sizeof(s->host), &s->wg_port, why) < 0)
		return false;
	if (slash) {
		if (port_parse(slash + 1, &s->admin_port) < 0) {
			*why = "ADMINPORT after '/' must be a port number from 1 to 65535";
			return false;
		}
	} else if (s->wg_port > 65535 - CONFIG_SEED_ADMIN_OFFSET) {
		*why = "its admin port would be PORT + 500, past 65535: give HOST:PORT/ADMINPORT";
		return false;
	} else {
		s->admin_port = (uint16_t)(s->wg_port + CONFIG_SEED_ADMIN_OFFSET);
	}
	if (s->admin_port == s->wg_port) {
		*why = "PORT and ADMINPORT are the same";
		return false;
	}
	return true;
}

static bool same_seed(const struct config_seed *a, const struct config_seed *b)
{
	return strcmp(a->host, b->host) == 0 && a->wg_port == b->wg_port &&
	       a->admin_port == b->admin_port;
}

void config_member_apply_cli(struct config_member *mb, const struct config_member_cli *cli,
			     struct config_msgs *msgs)
{
	if (cli->n_seeds > CONFIG_MAX_SEEDS) {
		config_msg(msgs, false, "command line", 0, 0, "--peer given more than %d times",
			   CONFIG_MAX_SEEDS);
		return;
	}
	mb->n_seeds = 0;
	for (size_t i = 0; i < cli->n_seeds; i++) {
		struct config_seed s = { .wg_port = 0 };
		const char *why = "";
		bool dup = false;

		if (!parse_seed(cli->seeds[i], &s, &why)) {
			config_msg(msgs, false, "command line", 0, 0,
				   "--peer '%.60s': %s (HOST:PORT or HOST:PORT/ADMINPORT)",
				   cli->seeds[i], why);
			continue;
		}
		for (size_t j = 0; j < mb->n_seeds; j++)
			dup = dup || same_seed(&mb->seeds[j], &s);
		if (dup) {
			config_msg(msgs, false, "command line", 0, 0, "--peer '%.60s' given twice",
				   cli->seeds[i]);
			continue;
		}
		mb->seeds[mb->n_seeds++] = s;
	}
}

/* ---- the checks ---- */

const char *config_member_fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)(t > 253402300799u ? 0 : t);	/* after the year 9999: a number */
	struct tm tm;

	if (t > 253402300799u || !gmtime_r(&tt, &tm) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

/* Whole days until t, a day begun counted: "in 3 days" for a certificate of 3 days. */
static uint64_t days_left(uint64_t t, uint64_t now)
{
	return t > now ? (t - now + 86399) / 86400 : 0;
}

const char *config_member_cert_name(const struct config_member *mb)
{
	return mb->has_ca && mb->has_cert ? mb->cert.name : NULL;
}

static bool signed_by_ca(const struct config_member *mb, const struct cert *c)
{
	/* at a time inside its validity: only the signature is asked here */
	return cert_check(c, mb->ca_key, c->not_before, NULL, config_member_verify, NULL) !=
	       CERT_BAD_SIGNATURE;
}

static void check_revoked(const struct config_member *mb, const struct config_member_ctx *ctx,
			  struct config_msgs *msgs)
{
	for (size_t i = 0; i < mb->n_revoked; i++) {
		const struct config_revocation *cr = &mb->revoked[i];

		if (!revocation_verify(&cr->r, mb->ca_key, config_member_verify, NULL))
			config_msg(msgs, false, ctx->net_path, cr->line, cr->col,
				   "revoked: not signed by network.caKey (a revocation of another "
				   "network's CA?)");
	}
}

static void check_validity(const struct cert *c, const struct config_member_ctx *ctx,
			   struct config_msgs *msgs, unsigned line, unsigned col)
{
	char t[40];

	if (ctx->now >= c->not_after)
		config_msg(msgs, false, ctx->peer_path, line, col,
			   "certificate expired on %s; have a new one signed ('wg_netmanager ca "
			   "sign')", config_member_fmt_time(c->not_after, t, sizeof(t)));
	else if (ctx->now < c->not_before)
		config_msg(msgs, true, ctx->peer_path, line, col,
			   "certificate is valid only from %s: the others refuse this node until "
			   "then (is this host's clock right?)", config_member_fmt_time(c->not_before, t, sizeof(t)));
	else if (c->not_after - ctx->now < CONFIG_CERT_WARN_S)
		config_msg(msgs, true, ctx->peer_path, line, col,
			   "certificate expires on %s (in %llu day(s)); have a new one signed "
			   "('wg_netmanager ca sign')", config_member_fmt_time(c->not_after, t, sizeof(t)),
			   (unsigned long long)days_left(c->not_after, ctx->now));
}

/* What this node announces, against what its certificate allows: warnings. */
static void check_rights(const struct cert *c, const struct config_member_ctx *ctx,
			 struct config_msgs *msgs)
{
	char p[ADDR_STRLEN + 8];

	for (size_t i = 0; ctx->rt && i < ctx->rt->n_routes; i++) {
		const struct config_prefix *cp = &ctx->rt->routes[i];

		if (!cert_allows_route(c, &cp->p))
			config_msg(msgs, true, cp->line ? ctx->peer_path : "command line", cp->line,
				   cp->col, "route %s is not among the routes of this node's "
				   "certificate: the others will refuse it",
				   prefix_fmt(&cp->p, p, sizeof(p)));
	}
	if (ctx->rt && ctx->rt->exit_node && !(c->flags & CERT_FLAG_EXIT))
		config_msg(msgs, true, ctx->peer_path, 0, 0,
			   "exitNode is set but this node's certificate gives no exit-node right "
			   "('ca sign --exit-node'): the others will refuse the offer");
}

static void check_cert(const struct config_member *mb, const struct config_member_ctx *ctx,
		       struct config_msgs *msgs)
{
	const struct cert *c = &mb->cert;
	unsigned line = mb->cert_line, col = mb->cert_col;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (!signed_by_ca(mb, c))
		config_msg(msgs, false, ctx->peer_path, line, col,
			   "certificate is not signed by network.caKey (signed by another CA, or "
			   "changed)");
	if (mb->has_identity && sodium_memcmp(c->identity, mb->identity_pub, CERT_KEY_LEN) != 0)
		config_msg(msgs, false, ctx->peer_path, line, col,
			   "certificate is for another identity key than identityKey (line %u)",
			   mb->identity_line);
	if (ctx->wg_ip && !addr_eq(ctx->wg_ip, &c->addr))
		config_msg(msgs, false, ctx->peer_path, line, col,
			   "certificate is for address %s, but this node's wgIp is %s",
			   addr_fmt(&c->addr, a, sizeof(a)), addr_fmt(ctx->wg_ip, b, sizeof(b)));
	if (ctx->name[0] && strcmp(ctx->name, c->name) != 0)
		config_msg(msgs, false, ctx->peer_path, line, col,
			   "certificate is for node '%s', but this node's name is '%s'", c->name,
			   ctx->name);
	check_validity(c, ctx, msgs, line, col);
	for (size_t i = 0; i < mb->n_revoked; i++) {
		if (revocation_matches(&mb->revoked[i].r, c) &&
		    revocation_verify(&mb->revoked[i].r, mb->ca_key, config_member_verify, NULL)) {
			config_msg(msgs, false, ctx->peer_path, line, col,
				   "this node's certificate is revoked by network.revoked (%s line "
				   "%u)", ctx->net_path, mb->revoked[i].line);
			break;
		}
	}
	check_rights(c, ctx, msgs);
}

void config_member_check(const struct config_member *mb, const struct config_member_ctx *ctx,
			 struct config_msgs *msgs)
{
	if (mb->has_prev_key && ctx->shared_key &&
	    sodium_memcmp(mb->prev_shared_key, ctx->shared_key, sizeof(mb->prev_shared_key)) == 0)
		config_msg(msgs, true, ctx->net_path, 0, 0,
			   "previousSharedKey is the same as sharedKey: it does nothing; remove it");
	if (!mb->has_ca) {
		if (mb->has_identity || mb->has_cert)
			config_msg(msgs, true, ctx->peer_path,
				   mb->has_identity ? mb->identity_line : mb->cert_line,
				   mb->has_identity ? mb->identity_col : mb->cert_col,
				   "identityKey and certificate are ignored: net.yaml sets no "
				   "network.caKey (shared-key mode)");
		if (mb->n_revoked)
			config_msg(msgs, true, ctx->net_path, mb->revoked[0].line, mb->revoked[0].col,
				   "revoked is ignored: network.caKey is not set");
		return;
	}
	check_revoked(mb, ctx, msgs);
	if (!mb->has_identity || !mb->has_cert) {
		config_msg(msgs, false, ctx->peer_file_used ? ctx->peer_path : "command line", 0, 0,
			   "network.caKey is set, so this node needs %s in %s (from 'wg_netmanager "
			   "ca sign')",
			   !mb->has_identity && !mb->has_cert ? "identityKey and certificate"
			   : !mb->has_identity		       ? "identityKey"
							       : "certificate",
			   ctx->peer_path);
		if (!mb->has_cert)
			return;
	}
	check_cert(mb, ctx, msgs);
}

/* ---- comparing and printing ---- */

static bool same_revoked(const struct config_member *a, const struct config_member *b)
{
	if (a->n_revoked != b->n_revoked)
		return false;
	for (size_t i = 0; i < a->n_revoked; i++)
		if (!revocation_same(&a->revoked[i].r, &b->revoked[i].r) ||
		    a->revoked[i].r.issued != b->revoked[i].r.issued)
			return false;
	return true;
}

static bool same_cert(const struct cert *a, const struct cert *b)
{
	uint8_t ea[CERT_MAX_LEN], eb[CERT_MAX_LEN];
	int na = cert_encode(ea, sizeof(ea), a), nb = cert_encode(eb, sizeof(eb), b);

	return na == nb && (na < 0 || memcmp(ea, eb, (size_t)na) == 0);
}

bool config_member_same(const struct config_member *a, const struct config_member *b)
{
	return a->has_ca == b->has_ca && memcmp(a->ca_key, b->ca_key, CERT_KEY_LEN) == 0 &&
	       same_revoked(a, b) && a->has_identity == b->has_identity &&
	       memcmp(a->identity_pub, b->identity_pub, sizeof(a->identity_pub)) == 0 &&
	       a->has_cert == b->has_cert && (!a->has_cert || same_cert(&a->cert, &b->cert));
}

static void print_cert(const struct cert *c, uint64_t now, FILE *out)
{
	char a[ADDR_STRLEN], t[40], p[ADDR_STRLEN + 8];

	fprintf(out, "certificate:     serial %016llx, %s %s, valid until %s",
		(unsigned long long)c->serial, c->name, addr_fmt(&c->addr, a, sizeof(a)),
		config_member_fmt_time(c->not_after, t, sizeof(t)));
	if (now >= c->not_after)
		fprintf(out, " (expired)\n");
	else
		fprintf(out, " (%llu day(s) left)\n", (unsigned long long)days_left(c->not_after, now));
	fprintf(out, "cert rights:     exit node %s; routes %s", c->flags & CERT_FLAG_EXIT ? "yes" : "no",
		c->n_routes ? "" : "none\n");
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(out, "%s%s", prefix_fmt(&c->routes[i], p, sizeof(p)),
			i + 1 < c->n_routes ? " " : "\n");
}

void config_member_print(const struct config_member *mb, uint64_t now, FILE *out)
{
	char b64[sodium_base64_ENCODED_LEN(CERT_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];

	fprintf(out, "previous key:    %s\n",
		mb->has_prev_key ? "set (32 bytes, not shown; packets sealed with it are accepted)"
				 : "none");
	if (!mb->has_ca) {
		fprintf(out, "membership:      shared key only (no network.caKey)\n");
	} else {
		sodium_bin2base64(b64, sizeof(b64), mb->ca_key, CERT_KEY_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		fprintf(out, "membership:      certificates of CA %s\n", b64);
		if (mb->has_identity) {
			sodium_bin2base64(b64, sizeof(b64), mb->identity_pub, CERT_KEY_LEN,
					  sodium_base64_VARIANT_ORIGINAL);
			fprintf(out, "identity:        public key %s (identityKey not shown)\n", b64);
		}
		if (mb->has_cert)
			print_cert(&mb->cert, now, out);
		fprintf(out, "revoked:         %zu in net.yaml\n", mb->n_revoked);
	}
	fprintf(out, "command-line peers: %zu\n", mb->n_seeds);
	for (size_t i = 0; i < mb->n_seeds; i++) {
		bool v6 = strchr(mb->seeds[i].host, ':') != NULL;
		fprintf(out, "  %s%s%s:%u  adminPort %u\n", v6 ? "[" : "", mb->seeds[i].host,
			v6 ? "]" : "", mb->seeds[i].wg_port, mb->seeds[i].admin_port);
	}
}
