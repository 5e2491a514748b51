/*
 * `wg_netmanager ca`: the network's certificate authority; see ca.h.
 *
 * Every subcommand checks all of its input before it touches a key, says
 * what is wrong in one line, and exits 2 for a usage error or bad input
 * (base64 of the wrong length, a name or address that is none, a CA key
 * file others can read), 1 when the system fails it (a file that cannot
 * be written, an existing ca.key). What goes to stdout is meant to be
 * pasted (or appended) into net.yaml or peer.yaml; explanations go to
 * stderr.
 */
#include "ca.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "config_member.h"
#include "config_routes.h"
#include "names.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define CA_KEY_FILE_MAX 256
#define B64_LEN(n) sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wg_netmanager ca init [-o DIR]\n"
		"       wg_netmanager ca sign -k CA_KEY -n NAME -a IP [--routes P,...] [--exit-node]\n"
		"                             [--days N] [--pubkey KEY]\n"
		"       wg_netmanager ca identity\n"
		"       wg_netmanager ca revoke -k CA_KEY (-n NAME | --serial S)\n"
		"\n"
		"init      a new network signing key, DIR/ca.key (default DIR: .); prints\n"
		"          the caKey line for net.yaml. Keep ca.key offline.\n"
		"sign      a certificate for node NAME at overlay address IP: prints a\n"
		"          peer.yaml fragment with a new identityKey; with --pubkey, signs\n"
		"          the identity made on the node ('ca identity') and prints only the\n"
		"          certificate. --routes: the subnets it may carry (at most %d);\n"
		"          --exit-node: it may offer itself as an exit node; --days: valid\n"
		"          for N days (default %d, at most %d).\n"
		"identity  a new identity key, made on the node itself: the identityKey line\n"
		"          for peer.yaml and its public key, for 'ca sign --pubkey'.\n"
		"revoke    a revocation of the node's certificates (by name, by serial as\n"
		"          'ca sign' printed it, or both): hand it to a running node with\n"
		"          'wg_netmanager revoke', or list it in network.revoked.\n"
		"See wg_netmanager(8).\n",
		CERT_MAX_ROUTES, CA_DEFAULT_DAYS, CA_MAX_DAYS);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wg_netmanager ca: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'wg_netmanager ca --help' for more information.\n");
	return EXIT_USAGE;
}

static int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wg_netmanager ca: writing to standard output: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* ---- keys ---- */

/* The CA's signing function (cert_sign_fn): arg is the 64-byte secret key. */
static void sign_with(void *arg, const uint8_t *msg, size_t len, uint8_t sig[CERT_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, arg);
}

int ca_cert_issue(struct cert *c, const uint8_t ca_seed[CA_SEED_LEN], uint64_t now, unsigned days)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int r;

	do
		randombytes_buf(&c->serial, sizeof(c->serial));
	while (c->serial == 0);
	c->not_before = now > CA_SKEW_S ? now - CA_SKEW_S : 0;
	c->not_after = now + (uint64_t)days * 86400u;
	crypto_sign_seed_keypair(pk, sk, ca_seed);
	r = cert_sign(c, sign_with, sk);
	sodium_memzero(sk, sizeof(sk));
	return r;
}

int ca_revocation_issue(struct revocation *r, const uint8_t ca_seed[CA_SEED_LEN], uint64_t now)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int ret;

	r->issued = now;
	crypto_sign_seed_keypair(pk, sk, ca_seed);
	ret = revocation_sign(r, sign_with, sk);
	sodium_memzero(sk, sizeof(sk));
	return ret;
}

static int read_key_text(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
	return -EFBIG;
}

/* The file's checks: ours, regular, nobody else's to read or change. */
static int key_file_ok(int fd, const char *path, char *why, size_t why_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		snprintf(why, why_len, "%s: others can read or change the CA key (mode %03o); run: "
				       "chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
		return -EPERM;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, why_len, "%s: belongs to uid %u, not to us", path, (unsigned)st.st_uid);
		return -EPERM;
	}
	return 0;
}

int ca_key_read(const char *path, uint8_t seed[CA_SEED_LEN], char *why, size_t why_len)
{
	char text[CA_KEY_FILE_MAX + 1];
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r;

	if (fd < 0) {
		r = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(-r));
		return r;
	}
	r = key_file_ok(fd, path, why, why_len);
	if (r == 0 && (r = read_key_text(fd, text, CA_KEY_FILE_MAX, &len)) < 0)
		snprintf(why, why_len, "%s: %s", path,
			 r == -EFBIG ? "too long for a CA key" : strerror(-r));
	close(fd);
	if (r == 0) {
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
			len--;
		text[len] = '\0';
		if (config_b64_decode(seed, CA_SEED_LEN, text) < 0) {
			snprintf(why, why_len, "%s: not a CA key (32 bytes in base64, as 'wg_netmanager "
					       "ca init' writes it)", path);
			r = -EINVAL;
		}
	}
	sodium_memzero(text, sizeof(text));
	return r;
}

/* A key file's errors are bad input (2), but a missing or unreadable file is a failure (1). */
static int load_ca_key(const char *path, uint8_t seed[CA_SEED_LEN])
{
	char why[PATH_MAX + 128];
	int r;

	if (!path)
		return usage_error("%s", "which CA key? (-k CA_KEY, the ca.key of 'ca init')");
	r = ca_key_read(path, seed, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "wg_netmanager ca: %s\n", why);
		return r == -EINVAL || r == -EPERM || r == -EFBIG ? EXIT_USAGE : EXIT_RUNTIME;
	}
	return 0;
}

static void print_key_line(const char *label, const uint8_t *key, size_t n)
{
	char b64[B64_LEN(64)];

	sodium_bin2base64(b64, sizeof(b64), key, n, sodium_base64_VARIANT_ORIGINAL);
	printf("%s%s\n", label, b64);
	sodium_memzero(b64, sizeof(b64));
}

/* ---- ca init ---- */

static int write_key_file(const char *path, const uint8_t seed[CA_SEED_LEN])
{
	char b64[B64_LEN(CA_SEED_LEN) + 1];
	size_t n;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), r = 0;

	if (fd < 0)
		return -errno;
	sodium_bin2base64(b64, sizeof(b64), seed, CA_SEED_LEN, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	b64[n++] = '\n';
	if (fchmod(fd, 0600) < 0 || write(fd, b64, n) != (ssize_t)n || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	sodium_memzero(b64, sizeof(b64));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlink(path);
	return r;
}

static int cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".";
	uint8_t seed[CA_SEED_LEN], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char path[PATH_MAX];
	int c, r;

	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case ':': return usage_error("missing value for option '%s'", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("ca init: unexpected argument '%s'", argv[optind]);
	if ((size_t)snprintf(path, sizeof(path), "%s/" CA_KEY_FILE, dir) >= sizeof(path))
		return usage_error("-o '%s': too long", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "wg_netmanager ca: %s: %s\n", dir, strerror(errno));
		return EXIT_RUNTIME;
	}
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	r = write_key_file(path, seed);
	sodium_memzero(seed, sizeof(seed));
	if (r == -EEXIST) {
		fprintf(stderr, "wg_netmanager ca: %s exists; refusing to overwrite a CA key (every "
				"certificate of the network depends on it)\n", path);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		fprintf(stderr, "wg_netmanager ca: writing %s: %s\n", path, strerror(-r));
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "wrote %s (mode 600): the network's signing key; keep it offline.\n"
			"Put this line under 'network:' in net.yaml on every node:\n", path);
	print_key_line("caKey: ", pk, sizeof(pk));
	return flush_stdout();
}

/* ---- ca sign ---- */

struct sign_args {
	const char *key_path;
	const char *name;
	const char *addr;
	const char *routes;
	const char *pubkey;
	bool exit_node;
	unsigned days;
};

/* --routes P,Q,...: what the node may announce; 0 or an exit code. */
static int parse_routes(const char *list, struct cert *c)
{
	char buf[1024], *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return usage_error("--routes '%.60s...': too long", list);
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct prefix p;
		bool host_bits = false;
		const char *why;

		if (c->n_routes == CERT_MAX_ROUTES) {
			fprintf(stderr, "wg_netmanager ca: --routes: at most %d prefixes\n",
				CERT_MAX_ROUTES);
			return EXIT_USAGE;
		}
		if (prefix_parse(&p, tok, &host_bits) < 0) {
			fprintf(stderr, "wg_netmanager ca: --routes: '%.60s' is not a CIDR prefix like "
					"192.168.7.0/24\n", tok);
			return EXIT_USAGE;
		}
		if ((why = config_route_problem(&p, host_bits)) != NULL) {
			fprintf(stderr, "wg_netmanager ca: --routes: '%.60s' %s\n", tok, why);
			return EXIT_USAGE;
		}
		for (unsigned i = 0; i < c->n_routes; i++) {
			if (prefix_eq(&c->routes[i], &p)) {
				fprintf(stderr, "wg_netmanager ca: --routes: '%.60s' given twice\n", tok);
				return EXIT_USAGE;
			}
		}
		c->routes[c->n_routes++] = p;
	}
	if (c->n_routes == 0)
		return usage_error("--routes '%s': no prefix", list);
	return 0;
}

static bool parse_days(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < 1 || v > CA_MAX_DAYS)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The certificate's subject from the arguments; 0 or an exit code. */
static int sign_subject(const struct sign_args *a, struct cert *c)
{
	const char *why = "";
	int r;

	if (!a->name)
		return usage_error("%s", "ca sign: which node? (-n NAME)");
	if (!a->addr)
		return usage_error("%s", "ca sign: its overlay address? (-a IP, its wgIp)");
	if (!name_valid(a->name, &why)) {
		fprintf(stderr, "wg_netmanager ca: -n '%.40s': %s\n", a->name, why);
		return EXIT_USAGE;
	}
	snprintf(c->name, sizeof(c->name), "%s", a->name);
	if (addr_parse(&c->addr, a->addr) < 0 || addr_unspecified(&c->addr))
		return usage_error("-a '%.60s' is not an IP address", a->addr);
	if (a->routes && (r = parse_routes(a->routes, c)) != 0)
		return r;
	if (a->exit_node)
		c->flags |= CERT_FLAG_EXIT;
	if (a->pubkey) {
		uint8_t x[32];

		if (config_b64_decode(c->identity, CERT_KEY_LEN, a->pubkey) < 0 ||
		    crypto_sign_ed25519_pk_to_curve25519(x, c->identity) != 0)
			return usage_error("--pubkey '%.60s' is not an Ed25519 public key (32 bytes in "
					   "base64, as 'wg_netmanager ca identity' prints it)", a->pubkey);
	}
	return 0;
}

static int print_cert(const struct cert *c, const uint8_t *identity_seed, const char *note)
{
	uint8_t bin[CERT_MAX_LEN];
	char b64[B64_LEN(CERT_MAX_LEN)], t[40];
	int n = cert_encode(bin, sizeof(bin), c);

	if (n < 0) {
		fprintf(stderr, "wg_netmanager ca: cannot encode the certificate: %s\n", strerror(-n));
		return EXIT_RUNTIME;
	}
	sodium_bin2base64(b64, sizeof(b64), bin, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	fprintf(stderr, "certificate for %s, serial %016" PRIx64 ", valid until %s%s\n", c->name,
		c->serial, config_member_fmt_time(c->not_after, t, sizeof(t)), note);
	if (identity_seed) {
		char a[ADDR_STRLEN];

		printf("name: %s\nwgIp: %s\n", c->name, addr_fmt(&c->addr, a, sizeof(a)));
		print_key_line("identityKey: ", identity_seed, CONFIG_IDENTITY_LEN);
	}
	printf("certificate: %s\n", b64);
	return flush_stdout();
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "routes", required_argument, NULL, 'r' },
		{ "exit-node", no_argument, NULL, 'X' },
		{ "days", required_argument, NULL, 'd' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_args a = { .days = CA_DEFAULT_DAYS };
	struct cert c = { .flags = 0 };
	uint8_t ca[CA_SEED_LEN], id_seed[CONFIG_IDENTITY_LEN], sk[crypto_sign_SECRETKEYBYTES];
	int opt, r;

	while ((opt = getopt_long(argc, argv, ":k:n:a:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k': a.key_path = optarg; break;
		case 'n': a.name = optarg; break;
		case 'a': a.addr = optarg; break;
		case 'r': a.routes = optarg; break;
		case 'X': a.exit_node = true; break;
		case 'p': a.pubkey = optarg; break;
		case 'd':
			if (!parse_days(optarg, &a.days))
				return usage_error("--days '%s': a number of days from 1 to 3650", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case ':': return usage_error("missing value for option '%s'", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("ca sign: unexpected argument '%s'", argv[optind]);
	if ((r = sign_subject(&a, &c)) != 0)
		return r;
	if ((r = load_ca_key(a.key_path, ca)) != 0)
		return r;
	if (!a.pubkey) {
		randombytes_buf(id_seed, sizeof(id_seed));
		crypto_sign_seed_keypair(c.identity, sk, id_seed);
		sodium_memzero(sk, sizeof(sk));
	}
	r = ca_cert_issue(&c, ca, (uint64_t)time(NULL), a.days);
	sodium_memzero(ca, sizeof(ca));
	if (r < 0)
		fprintf(stderr, "wg_netmanager ca: cannot sign: %s\n", strerror(-r));
	else
		r = print_cert(&c, a.pubkey ? NULL : id_seed,
			       a.pubkey ? "" : "\n(identityKey is secret: keep peer.yaml mode 600)");
	sodium_memzero(id_seed, sizeof(id_seed));
	return r < 0 ? EXIT_RUNTIME : r;
}

/* ---- ca identity ---- */

static int cmd_identity(int argc, char **argv)
{
	uint8_t seed[CONFIG_IDENTITY_LEN], pk[crypto_sign_PUBLICKEYBYTES],
		sk[crypto_sign_SECRETKEYBYTES];
	char b64[B64_LEN(CERT_KEY_LEN)];

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1)
		return usage_error("ca identity takes no arguments, got '%s'", argv[1]);
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	print_key_line("identityKey: ", seed, sizeof(seed));
	sodium_memzero(seed, sizeof(seed));
	printf("# public key, for 'wg_netmanager ca sign --pubkey': %s\n", b64);
	fprintf(stderr, "Put both lines into this node's peer.yaml (mode 600: identityKey is "
			"secret), and have the CA sign the public key:\n"
			"  wg_netmanager ca sign -k ca.key -n NAME -a IP --pubkey %s\n", b64);
	return flush_stdout();
}

/* ---- ca revoke ---- */

static bool parse_serial(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v == 0)
		return false;
	*out = v;
	return true;
}

static int cmd_revoke(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "serial", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *why = "";
	struct revocation rv = { .flags = 0 };
	uint8_t ca[CA_SEED_LEN], bin[REVOKE_MAX_LEN];
	char b64[B64_LEN(REVOKE_MAX_LEN)];
	int opt, r, n;

	while ((opt = getopt_long(argc, argv, ":k:n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k': key_path = optarg; break;
		case 'n':
			if (!name_valid(optarg, &why)) {
				fprintf(stderr, "wg_netmanager ca: -n '%.40s': %s\n", optarg, why);
				return EXIT_USAGE;
			}
			rv.flags |= REVOKE_FLAG_NAME;
			snprintf(rv.name, sizeof(rv.name), "%s", optarg);
			break;
		case 's':
			if (!parse_serial(optarg, &rv.serial))
				return usage_error("--serial '%.40s': a certificate's serial, in hex as "
						   "'ca sign' printed it", optarg);
			rv.flags |= REVOKE_FLAG_SERIAL;
			break;
		case 'h': usage(stdout); return 0;
		case ':': return usage_error("missing value for option '%s'", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("ca revoke: unexpected argument '%s'", argv[optind]);
	if (!rv.flags)
		return usage_error("%s", "ca revoke: which certificates? (-n NAME, --serial S, or both)");
	if ((r = load_ca_key(key_path, ca)) != 0)
		return r;
	r = ca_revocation_issue(&rv, ca, (uint64_t)time(NULL));
	sodium_memzero(ca, sizeof(ca));
	if (r < 0 || (n = revocation_encode(bin, sizeof(bin), &rv)) < 0) {
		fprintf(stderr, "wg_netmanager ca: cannot make the revocation\n");
		return EXIT_RUNTIME;
	}
	sodium_bin2base64(b64, sizeof(b64), bin, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	fprintf(stderr, "revocation of %s%s%s%s; hand it to any running node:\n"
			"  wg_netmanager revoke %s\n"
			"and add it to network.revoked in net.yaml\n",
		rv.flags & REVOKE_FLAG_NAME ? "node " : "", rv.name,
		rv.flags == (REVOKE_FLAG_NAME | REVOKE_FLAG_SERIAL) ? ", " : "",
		rv.flags & REVOKE_FLAG_SERIAL ? "serial " : "", b64);
	if (rv.flags & REVOKE_FLAG_SERIAL)
		fprintf(stderr, "(serial %016" PRIx64 ")\n", rv.serial);
	printf("%s\n", b64);
	return flush_stdout();
}

int ca_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
		{ "init", cmd_init },
		{ "sign", cmd_sign },
		{ "identity", cmd_identity },
		{ "revoke", cmd_revoke },
	};

	if (argc < 2)
		return usage_error("%s", "which command? (init, sign, identity, revoke)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return flush_stdout();
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			opterr = 0;
			optind = 1;
			return cmds[i].run(argc - 1, argv + 1);
		}
	}
	return usage_error("unknown command '%s' (init, sign, identity, revoke)", argv[1]);
}
