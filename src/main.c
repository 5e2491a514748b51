/*
 * wg_netmanager: argument parsing, configuration check and wiring only.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error
 * (the daemon also exits 2 when the interface exists and is not ours).
 * Errors written to stderr here carry the journal's "<3>" under systemd.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "client.h"
#include "config.h"
#include "daemon.h"
#include "log.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static const char *const commands[] = { "check", "genkey", "status", "metrics", "top",
					"netcheck", "ping", "help", "install", "ca",
					"revoke", NULL };

static bool is_command(const char *word)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(word, commands[i]) == 0)
			return true;
	return false;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wg_netmanager [options] [INTERFACE ADDRESS NAME]   run the daemon\n"
		"       wg_netmanager check [options]    validate and print the configuration\n"
		"       wg_netmanager genkey             print a new shared key\n"
		"       wg_netmanager status [-i IF] [--json] [--edges]   the running daemon's view\n"
		"       wg_netmanager metrics [-i IF]    its metrics (Prometheus text)\n"
		"       wg_netmanager top [-i IF]        its full-screen status view\n"
		"       wg_netmanager ping [-i IF] [-c N] NODE   how NODE is reached; ping it\n"
		"       wg_netmanager netcheck [-i IF] [--json]  NAT and addresses, as neighbours see them\n"
		"       wg_netmanager ca init|sign|identity|revoke ...   the network's certificates\n"
		"       wg_netmanager revoke [-i IF] REVOCATION   hand a revocation to the daemon\n"
		"       wg_netmanager help [COMMAND]     this help\n"
		"\n"
		"  -c, --network_config FILE     network YAML (default " CONFIG_NET_PATH ")\n"
		"  -p, --peer_config FILE        this node's YAML (default " CONFIG_PEER_PATH ")\n"
		"  -i, --wireguard-interface IF  WireGuard interface (default " CONFIG_DEFAULT_IFNAME ")\n"
		"  -a, --wireguard-address IP    this node's overlay address (wgIp)\n"
		"  -n, --name NAME               this node's name\n"
		"  -e, --existing-wg             use an existing interface as it is\n"
		"  -w, --wireguard-port PORT     WireGuard port (default 50000 + last octet)\n"
		"  -u, --admin-port PORT         admin port (default 50500 + last octet)\n"
		"  -N, --no-transit              never carry other nodes' traffic\n"
		"      --route PREFIX            carry this subnet into the mesh (repeatable;\n"
		"                                replaces peer.yaml's routes)\n"
		"      --exit-node               offer this node as an exit node (default route)\n"
		"      --use-exit-node NAME|auto send internet traffic through an exit node\n"
		"      --peer HOST:PORT[/ADMINPORT]  a static peer by its endpoint only\n"
		"                                (repeatable; ADMINPORT default PORT + 500)\n"
		"  -b, --backend auto|kernel|userspace   WireGuard backend (default auto)\n"
		"  -t, --tui                     full-screen status view\n"
		"  -l, --log-file [FILE]         also log to FILE (alone: NAME.log, as the original)\n"
		"  -v, --verbose                 more log output (repeatable)\n"
		"      --run-dir DIR             control sockets (default /run/wg_netmanager)\n"
		"      --state-dir DIR           kept revocations (default /var/lib/wg_netmanager)\n"
		"  -h, --help                    this help\n"
		"  -V, --version                 print the version\n"
		"\n"
		"The positional form takes all three words. The command line overrides\n"
		"peer.yaml. See wg_netmanager(8).\n");
}

/* Under systemd the "<3>" prefix makes these error lines in the journal. */
static int usage_error(const char *what, const char *arg)
{
	const char *pfx = log_stderr_prefix(LOG_LEVEL_ERR);

	fprintf(stderr, "%swg_netmanager: %s '%s'\n", pfx, what, arg);
	fprintf(stderr, "%sTry 'wg_netmanager --help' for more information.\n", pfx);
	return EXIT_USAGE;
}

/* A full disk or closed pipe must not look like success. */
static int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wg_netmanager: writing to standard output: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int cmd_genkey(void)
{
	uint8_t key[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	printf("%s\n", b64);
	sodium_memzero(b64, sizeof(b64));
	return flush_stdout();
}

/* The original's "install" printed a unit file; ours ships one. */
static int cmd_install(void)
{
	printf("wg_netmanager does not install itself. 'make install' (or the package) puts\n"
	       "the binary, the man pages and the systemd unit wg_netmanager@.service in\n"
	       "place. Then, as root:\n"
	       "\n"
	       "  install -d -m 0700 /etc/wg_netmanager\n"
	       "  install -m 0600 net.yaml " CONFIG_NET_PATH "\n"
	       "  install -m 0600 peer.yaml " CONFIG_PEER_PATH "   # name and wgIp\n"
	       "  wg_netmanager check\n"
	       "  systemctl enable --now wg_netmanager@wg0\n"
	       "\n"
	       "FreeBSD and OpenRC scripts are in the documentation directory (rc.d/).\n"
	       "See wg_netmanager(8).\n");
	return flush_stdout();
}

static int cmd_help(int argc, char **argv)
{
	static char help_opt[] = "--help";
	const char *near;

	if (argc > 3)
		return usage_error("help takes at most one command, got", argv[3]);
	if (argc == 3 && client_is_command(argv[2])) {
		char *cargv[] = { argv[2], help_opt, NULL };
		return client_main(2, cargv);
	}
	if (argc == 3 && strcmp(argv[2], "ca") == 0) {
		char *cargv[] = { argv[2], help_opt, NULL };
		return ca_main(2, cargv);
	}
	if (argc == 3 && !is_command(argv[2])) {
		near = config_closest_word(argv[2], commands);
		fprintf(stderr, "%swg_netmanager: no command '%s'%s%s%s\n",
			log_stderr_prefix(LOG_LEVEL_ERR), argv[2], near ? " (did you mean " : "",
			near ? near : "", near ? "?)" : "");
		return EXIT_USAGE;
	}
	usage(stdout);
	return flush_stdout();
}

struct args {
	struct config_cli cli;
	struct daemon_opts opts;
	bool log_to_name;	/* -l without a file: NAME.log, as the original */
};

/*
 * Words left after the options that are not the three of the positional
 * form: a command in the wrong place, a mistyped command, or an
 * incomplete positional form. Never a daemon on an interface named after
 * a typo.
 */
static int positional_error(char **words, int n)
{
	const char *pfx = log_stderr_prefix(LOG_LEVEL_ERR);
	const char *w = words[0], *near = NULL;

	if (is_command(w))
		fprintf(stderr, "%swg_netmanager: '%s' is a command; it comes first: wg_netmanager %s ...\n",
			pfx, w, w);
	else if (n > 3)
		fprintf(stderr, "%swg_netmanager: unexpected argument '%s'\n", pfx, words[3]);
	else if ((near = config_closest_word(w, commands)) != NULL)
		fprintf(stderr, "%swg_netmanager: unknown command '%s' (did you mean %s?)\n", pfx, w,
			near);
	else
		fprintf(stderr,
			"%swg_netmanager: '%s': INTERFACE ADDRESS NAME are given together, all three "
			"(or with -i, -a and -n)\n", pfx, w);
	fprintf(stderr, "%sTry 'wg_netmanager --help' for more information.\n", pfx);
	return EXIT_USAGE;
}

static int parse_port_arg(const char *opt, const char *s, uint16_t *port)
{
	if (port_parse(s, port) < 0) {
		fprintf(stderr, "wg_netmanager: %s '%s': a port is a number from 1 to 65535\n", opt, s);
		fprintf(stderr, "Try 'wg_netmanager --help' for more information.\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * The option getopt stopped at. A short one comes from optopt: argv[optind-1]
 * is wrong inside combined flags ("-ex" or "-xe"). getopt_long sets optopt
 * to 0 for an unknown long option, and to the option's value for a long
 * option lacking its argument (always the last word then).
 */
static const char *bad_option(int c, int argc, char **argv, char *buf, size_t len)
{
	const char *word = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
	size_t n;

	if ((c == '?' && optopt != 0) || (c == ':' && strncmp(word, "--", 2) != 0)) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	/* "--opt=value": name the option, not the value */
	n = strcspn(word, "=");
	snprintf(buf, len, "%.*s", (int)(n < 64 ? n : 64), word);
	return buf;
}

/* Returns 0 to go on, or an exit code + 1 (so 0 stays "go on"). */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "network_config", required_argument, NULL, 'c' },
		{ "network-config", required_argument, NULL, 'c' },
		{ "peer_config", required_argument, NULL, 'p' },
		{ "peer-config", required_argument, NULL, 'p' },
		{ "wireguard-interface", required_argument, NULL, 'i' },
		{ "wireguard-address", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "existing-wg", no_argument, NULL, 'e' },
		{ "wireguard-port", required_argument, NULL, 'w' },
		{ "admin-port", required_argument, NULL, 'u' },
		{ "no-transit", no_argument, NULL, 'N' },
		{ "backend", required_argument, NULL, 'b' },
		{ "tui", no_argument, NULL, 't' },
		/* required, so that "-l FILE" works; "-l" alone is handled below */
		{ "log-file", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "route", required_argument, NULL, 'r' },
		{ "exit-node", no_argument, NULL, 'X' },
		{ "use-exit-node", required_argument, NULL, 'U' },
		{ "peer", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char optbuf[72];
	int c, npos;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:p:i:a:n:ew:u:Nb:tl:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a->cli.net_path = optarg; break;
		case 'p': a->cli.peer_path = optarg; break;
		case 'i': a->cli.ifname = optarg; break;
		case 'a': a->cli.address = optarg; break;
		case 'n': a->cli.name = optarg; break;
		case 'e': a->cli.existing = true; break;
		case 'w':
			if (parse_port_arg("-w", optarg, &a->cli.wg_port) < 0)
				return EXIT_USAGE + 1;
			break;
		case 'u':
			if (parse_port_arg("-u", optarg, &a->cli.admin_port) < 0)
				return EXIT_USAGE + 1;
			break;
		case 'N': a->cli.no_transit = true; break;
		case 'b':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kernel") && strcmp(optarg, "userspace"))
				return usage_error("-b: choose auto, kernel or userspace, not", optarg) + 1;
			a->opts.backend = optarg;
			break;
		case 't': a->opts.tui = true; break;
		case 'l':
			/*
			 * The original's -l took no file name (it logged to
			 * NAME.log): "-l -v" must not log to a file "-v". Give
			 * the option word back to getopt, which allows moving
			 * optind back.
			 */
			if (optarg == argv[optind - 1] && optarg[0] == '-' && optarg[1] != '\0') {
				optind--;
				a->log_to_name = true;
			} else {
				a->opts.log_file = optarg;
			}
			break;
		case 'R': a->opts.run_dir = optarg; break;
		case 'S': a->opts.state_dir = optarg; break;
		case 'r':
			/* one over the limit is kept, so that config_load says so */
			if (a->cli.rt.n_routes <= CONFIG_MAX_ROUTES)
				a->cli.rt.routes[a->cli.rt.n_routes++] = optarg;
			break;
		case 'X': a->cli.rt.exit_node = true; break;
		case 'U': a->cli.rt.use_exit = optarg; break;
		case 'P':
			/* one over the limit is kept, so that config_load says so */
			if (a->cli.mb.n_seeds <= CONFIG_MAX_SEEDS)
				a->cli.mb.seeds[a->cli.mb.n_seeds++] = optarg;
			break;
		case 'v': a->opts.verbosity++; break;
		case 'h': usage(stdout); return 0 + 1;
		case 'V': printf("wg_netmanager %s\n", WGNM_VERSION); return 0 + 1;
		case ':':
			if (optopt == 'l') { /* -l last: the original's switch */
				a->log_to_name = true;
				break;
			}
			return usage_error("missing value for option",
					   bad_option(c, argc, argv, optbuf, sizeof(optbuf))) + 1;
		default:
			return usage_error(optopt ? "unknown option" : "unknown or ambiguous option",
					   bad_option(c, argc, argv, optbuf, sizeof(optbuf))) + 1;
		}
	}
	/* The original's positional form: INTERFACE ADDRESS NAME, all three. */
	npos = argc - optind;
	if (npos == 0)
		return 0;
	if (npos != 3 || is_command(argv[optind]))
		return positional_error(argv + optind, npos) + 1;
	a->cli.ifname = argv[optind];
	a->cli.address = argv[optind + 1];
	a->cli.name = argv[optind + 2];
	return 0;
}

/* Errors and warnings at their priority when stderr is the journal. */
static int load_config(struct config *cfg, const struct config_cli *cli)
{
	struct config_msgs msgs;
	const char *err = log_stderr_prefix(LOG_LEVEL_ERR);
	int r;

	config_msgs_init(&msgs);
	r = config_load(cfg, cli, &msgs);
	for (unsigned i = 0; i < msgs.n_stored; i++)
		fprintf(stderr, "%s%s\n",
			msgs.msg[i].warning ? log_stderr_prefix(LOG_LEVEL_WARN) : err,
			msgs.msg[i].text);
	if (msgs.n_dropped)
		fprintf(stderr, "%s... and %u more\n", err, msgs.n_dropped);
	if (r < 0)
		fprintf(stderr, "%swg_netmanager: %u configuration error%s\n", err, msgs.n_errors,
			msgs.n_errors == 1 ? "" : "s");
	return r;
}

int main(int argc, char **argv)
{
	struct args a = { .opts = { .backend = "auto" } };
	struct config cfg;
	char log_name[CONFIG_NAME_MAX + 8];
	bool check_only = false;
	int r;

	if (sodium_init() < 0) {
		fprintf(stderr, "%swg_netmanager: libsodium failed to initialise\n",
			log_stderr_prefix(LOG_LEVEL_ERR));
		return EXIT_RUNTIME;
	}
	if (argc >= 2 && strcmp(argv[1], "genkey") == 0) {
		if (argc > 2)
			return usage_error("genkey takes no arguments, got", argv[2]);
		return cmd_genkey();
	}
	if (argc >= 2 && strcmp(argv[1], "ca") == 0)
		return ca_main(argc - 1, argv + 1);
	if (argc >= 2 && client_is_command(argv[1]))
		return client_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "help") == 0)
		return cmd_help(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "install") == 0)
		return cmd_install();
	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		check_only = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	r = parse_args(argc, argv, &a);
	if (r)
		return r - 1;

	config_init(&cfg);
	if (load_config(&cfg, &a.cli) < 0) {
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (check_only) {
		config_print(&cfg, stdout);
		config_free(&cfg);
		return flush_stdout();
	}
	if (a.log_to_name && !a.opts.log_file) {
		snprintf(log_name, sizeof(log_name), "%s.log", cfg.name);
		a.opts.log_file = log_name;
	}
	a.opts.cli = &a.cli;
	r = daemon_run(&cfg, &a.opts);
	config_free(&cfg);
	return r;
}
