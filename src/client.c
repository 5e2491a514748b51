/*
 * status, metrics, netcheck, top and ping: see client.h.
 *
 * status, metrics and netcheck send one request and print the body of the
 * answer (client_conn.c); ping is in client_ping.c.
 * top keeps a connection: it subscribes to log lines, asks for
 * "status tsv" every second and hands both to the view; when the daemon
 * goes away it says so and reconnects every two seconds (a restarting
 * service comes back in the same view). Answers come in request order,
 * so a small queue of what was asked matches "ok" frames to requests.
 */
#include "client.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "config_member.h"
#include "control.h"
#include "status.h"
#include "tui/tui.h"

#define TOP_REFRESH_MS 1000
#define TOP_RECONNECT_MS 2000
#define TOP_PENDING 8

static const char *const command_names[] = {
	[CMD_STATUS] = "status", [CMD_METRICS] = "metrics", [CMD_TOP] = "top",
	[CMD_NETCHECK] = "netcheck", [CMD_PING] = "ping", [CMD_REVOKE] = "revoke",
};

#define N_COMMANDS (sizeof(command_names) / sizeof(command_names[0]))

bool client_is_command(const char *word)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(word, command_names[i]) == 0)
			return true;
	return false;
}

/* The command's usage line; with full, the others' and what they do. */
static void usage(FILE *out, enum client_cmd cmd, bool full)
{
	static const char *const lines[] = {
		[CMD_STATUS] = "status [-i IF] [--json] [--edges] [--run-dir DIR]",
		[CMD_METRICS] = "metrics [-i IF] [--run-dir DIR]",
		[CMD_TOP] = "top [-i IF] [-v] [--run-dir DIR]",
		[CMD_NETCHECK] = "netcheck [-i IF] [--json] [--run-dir DIR]",
		[CMD_PING] = "ping [-i IF] [-c COUNT] [-W SECONDS] [--run-dir DIR] NODE",
		[CMD_REVOKE] = "revoke [-i IF] [--run-dir DIR] REVOCATION",
	};

	fprintf(out, "usage: wg_netmanager %s\n", lines[cmd]);
	if (!full) {
		fprintf(out, "Try 'wg_netmanager %s --help' for more information.\n",
			command_names[cmd]);
		return;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (i != (size_t)cmd)
			fprintf(out, "       wg_netmanager %s\n", lines[i]);
	fprintf(out, "Asks the daemon serving IF (default: the only one running) through\n"
		     "DIR/IF.sock (DIR default " CONTROL_DEFAULT_DIR "). ping NODE (a name or an\n"
		     "overlay address) says how NODE is reached and pings it over the overlay,\n"
		     "COUNT times (default %u, at most %u), waiting SECONDS for each answer\n"
		     "(default %u, at most %u): exit 0 if it answered, 1 if not. revoke\n"
		     "hands a revocation ('wg_netmanager ca revoke') to the daemon, which\n"
		     "applies it and floods it to the mesh. See wg_netmanager(8).\n",
		     CLIENT_PING_COUNT, CLIENT_PING_COUNT_MAX, CLIENT_PING_WAIT_S,
		     CLIENT_PING_WAIT_MAX_S);
}

/* status, metrics, netcheck and revoke: one request, one answer. */
static int run_once(const struct client_opts *o)
{
	const char *req;
	char *body, revoke[CONTROL_LINE_MAX + 8];
	size_t len;
	int fd = client_connect(o, false), code = EXIT_RUNTIME;

	if (o->cmd == CMD_REVOKE) {
		snprintf(revoke, sizeof(revoke), "revoke %s\n", o->revocation);
		req = revoke;
	} else if (o->cmd == CMD_METRICS)
		req = "metrics\n";
	else if (o->cmd == CMD_NETCHECK)
		req = o->json ? "netcheck json\n" : "netcheck\n";
	else if (o->edges)
		req = o->json ? "status edges json\n" : "status edges\n";
	else
		req = o->json ? "status json\n" : "status\n";
	if (fd < 0)
		return EXIT_RUNTIME;
	if (client_request(fd, req, &body, &len) == 0) {
		fwrite(body, 1, len, stdout);
		code = fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_RUNTIME;
		free(body);
	}
	close(fd);
	return code;
}

/* ---- top ---- */

static volatile sig_atomic_t top_quit, top_winch;

static void on_top_signal(int sig)
{
	if (sig == SIGWINCH)
		top_winch = 1;
	else
		top_quit = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct top {
	const struct client_opts *o;
	struct tui *view;
	int fd;
	struct client_inbuf in;
	enum control_cmd pending[TOP_PENDING];
	size_t n_pending;
	uint64_t next_refresh;
	uint64_t next_connect;
};

static void top_disconnect(struct top *t, const char *why)
{
	char msg[96];

	if (t->fd >= 0) {
		close(t->fd);
		snprintf(msg, sizeof(msg), "disconnected: %s; retrying", why);
		tui_set_message(t->view, msg);
		tui_log(t->view, LOG_LEVEL_WARN, msg);
	}
	t->fd = -1;
	t->in.len = 0;
	t->n_pending = 0;
	t->next_connect = mono_ms() + TOP_RECONNECT_MS;
}

static void top_send(struct top *t, const char *req, enum control_cmd cmd)
{
	int r;

	if (t->fd < 0 || t->n_pending == TOP_PENDING)
		return;
	if ((r = client_write_all(t->fd, req, strlen(req))) < 0) {
		top_disconnect(t, strerror(-r));
		return;
	}
	t->pending[t->n_pending++] = cmd;
}

static void top_connect(struct top *t)
{
	t->fd = client_connect(t->o, true);
	if (t->fd < 0) {
		t->next_connect = mono_ms() + TOP_RECONNECT_MS;
		tui_set_message(t->view, "no daemon; retrying");
		return;
	}
	tui_set_message(t->view, NULL);
	top_send(t, t->o->verbose ? "log debug time\n" : "log info time\n", CONTROL_LOG);
	top_send(t, "status tsv\n", CONTROL_STATUS_TSV);
	t->next_refresh = mono_ms() + TOP_REFRESH_MS;
}

static void top_frame(struct top *t, const struct control_frame *f)
{
	enum control_cmd what;
	char line[1100];

	if (f->type == CONTROL_FRAME_LOG) {
		snprintf(line, sizeof(line), "%.*s", (int)f->body_len, f->body);
		if (f->has_time)
			tui_log_at(t->view, f->level, f->time_ms, line);
		else
			tui_log(t->view, f->level, line);
		return;
	}
	if (t->n_pending == 0)
		return;
	what = t->pending[0];
	memmove(t->pending, t->pending + 1, --t->n_pending * sizeof(t->pending[0]));
	if (f->type == CONTROL_FRAME_ERROR) {
		snprintf(line, sizeof(line), "daemon: %.*s", (int)f->body_len, f->body);
		tui_set_message(t->view, line);
		return;
	}
	if (what == CONTROL_STATUS_TSV) {
		struct status_snapshot s;

		if (status_parse_tsv(f->body, f->body_len, &s) == 0) {
			tui_set_snapshot(t->view, &s);
			tui_set_message(t->view, NULL);
		} else {
			tui_set_message(t->view, "unreadable status (daemon of another version?)");
		}
	}
}

static void top_readable(struct top *t)
{
	struct control_frame f;
	long used;
	int r = client_inbuf_read(t->fd, &t->in);

	if (r < 0) {
		top_disconnect(t, r == -ECONNRESET ? "the daemon closed the connection" : strerror(-r));
		return;
	}
	while ((used = control_frame_parse(t->in.p, t->in.len, &f)) > 0) {
		top_frame(t, &f);
		client_inbuf_consume(&t->in, (size_t)used);
	}
	if (used < 0)
		top_disconnect(t, "protocol error");
}

static int run_top(const struct client_opts *o)
{
	struct top t = { .o = o, .fd = -1 };
	struct sigaction sa = { .sa_handler = on_top_signal };
	char title[64];
	int code = 0;

	snprintf(title, sizeof(title), "wg_netmanager top");
	sigemptyset(&sa.sa_mask);
	/* connect once before taking the screen, so a typo fails plainly */
	t.fd = client_connect(o, false);
	if (t.fd < 0)
		return EXIT_RUNTIME;
	t.view = tui_new(title);
	if (!t.view) {
		fprintf(stderr, "wg_netmanager: top needs a terminal\n");
		close(t.fd);
		return EXIT_RUNTIME;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL); /* after ncurses: ours resizes */
	signal(SIGPIPE, SIG_IGN);
	close(t.fd);
	top_connect(&t);
	while (!top_quit) {
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				       { .fd = t.fd, .events = POLLIN } };
		uint64_t now;

		poll(p, t.fd >= 0 ? 2 : 1, 200);
		if (top_winch) {
			top_winch = 0;
			tui_resize(t.view);
		}
		if (tui_input(t.view) == TUI_QUIT)
			break;
		if (t.fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			top_readable(&t);
		now = mono_ms();
		if (t.fd < 0 && now >= t.next_connect)
			top_connect(&t);
		if (t.fd >= 0 && now >= t.next_refresh) {
			t.next_refresh = now + TOP_REFRESH_MS;
			if (t.n_pending == 0)
				top_send(&t, "status tsv\n", CONTROL_STATUS_TSV);
		}
		tui_draw(t.view, false);
	}
	tui_free(t.view);
	if (t.fd >= 0)
		close(t.fd);
	free(t.in.p);
	return code;
}

/* A number within [min, max] for option opt; false after saying why. */
static bool number_arg(const char *cmd, const char *opt, const char *s, unsigned min,
		       unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < min || v > max) {
		fprintf(stderr, "wg_netmanager %s: %s '%s': a number from %u to %u\n", cmd, opt, s,
			min, max);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* A revocation as `ca revoke` prints it; else false after saying why. */
static bool revocation_text_valid(const char *s)
{
	uint8_t bin[REVOKE_MAX_LEN + 1];
	struct revocation r;
	int n = strlen(s) < CONTROL_LINE_MAX - 8 ? config_b64_decode_var(bin, sizeof(bin), s) : -1;

	if (n < 0 || revocation_decode(bin, (size_t)n, &r) < 0) {
		fprintf(stderr, "wg_netmanager revoke: '%.24s%s' is not a revocation in base64 (make "
				"one with 'wg_netmanager ca revoke')\n", s, strlen(s) > 24 ? "..." : "");
		return false;
	}
	return true;
}

/* Options that only some commands take. */
static bool option_fits(enum client_cmd cmd, int c)
{
	switch (c) {
	case 'j':
		return cmd == CMD_STATUS || cmd == CMD_NETCHECK;
	case 'E':
		return cmd == CMD_STATUS;
	case 'c':
	case 'W':
		return cmd == CMD_PING;
	default:
		return true;
	}
}

int client_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wireguard-interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "edges", no_argument, NULL, 'E' },
		{ "count", required_argument, NULL, 'c' },
		{ "wait", required_argument, NULL, 'W' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client_opts o = { .run_dir = CONTROL_DEFAULT_DIR, .count = CLIENT_PING_COUNT,
				 .wait_s = CLIENT_PING_WAIT_S };
	const char *cmd = argv[0];
	char ifbuf[64];
	int c;

	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(cmd, command_names[i]) == 0)
			o.cmd = (enum client_cmd)i;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:c:W:vh", longopts, NULL)) != -1) {
		if (c != ':' && c != '?' && c != 'h' && !option_fits(o.cmd, c)) {
			fprintf(stderr, "wg_netmanager %s: %s does not go with %s\n", cmd,
				c == 'j' ? "--json" : c == 'E' ? "--edges" : c == 'c' ? "-c" : "-W",
				cmd);
			usage(stderr, o.cmd, false);
			return EXIT_USAGE;
		}
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'R': o.run_dir = optarg; break;
		case 'v': o.verbose = true; break;
		case 'j': o.json = true; break;
		case 'E': o.edges = true; break;
		case 'c':
			if (!number_arg(cmd, "-c", optarg, 1, CLIENT_PING_COUNT_MAX, &o.count))
				return EXIT_USAGE;
			break;
		case 'W':
			if (!number_arg(cmd, "-W", optarg, 1, CLIENT_PING_WAIT_MAX_S, &o.wait_s))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout, o.cmd, true); return 0;
		default:
			fprintf(stderr, "wg_netmanager %s: %s '%s'\n", cmd,
				c == ':' ? "missing value for option" : "unknown option",
				argv[optind - 1]);
			usage(stderr, o.cmd, false);
			return EXIT_USAGE;
		}
	}
	if (o.cmd == CMD_REVOKE) {
		if (optind >= argc) {
			fprintf(stderr, "wg_netmanager revoke: which revocation? (the line 'wg_netmanager "
					"ca revoke' printed)\n");
			usage(stderr, o.cmd, false);
			return EXIT_USAGE;
		}
		o.revocation = argv[optind++];
		if (!revocation_text_valid(o.revocation))
			return EXIT_USAGE;
	}
	if (o.cmd == CMD_PING) {
		if (optind >= argc) {
			fprintf(stderr, "wg_netmanager ping: which node? (a name or an overlay address)\n");
			usage(stderr, o.cmd, false);
			return EXIT_USAGE;
		}
		o.node = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "wg_netmanager %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (!o.ifname) {
		if (client_pick_ifname(o.run_dir, ifbuf, sizeof(ifbuf)) < 0)
			return EXIT_RUNTIME;
		o.ifname = ifbuf;
	}
	switch (o.cmd) {
	case CMD_TOP:
		return run_top(&o);
	case CMD_PING:
		return client_ping(&o);
	case CMD_STATUS:
	case CMD_METRICS:
	case CMD_NETCHECK:
	case CMD_REVOKE:
		break;
	}
	return run_once(&o);
}
