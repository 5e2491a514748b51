/*
 * status, metrics and top: see client.h.
 *
 * status and metrics send one request and print the body of the answer.
 * top keeps a connection: it subscribes to log lines, asks for
 * "status tsv" every second and hands both to the view; when the daemon
 * goes away it says so and reconnects every two seconds (a restarting
 * service comes back in the same view). Answers come in request order,
 * so a small queue of what was asked matches "ok" frames to requests.
 */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "status.h"
#include "tui/tui.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define CLIENT_TIMEOUT_S 5
#define TOP_REFRESH_MS 1000
#define TOP_RECONNECT_MS 2000
#define TOP_PENDING 8

enum client_cmd { CMD_STATUS, CMD_METRICS, CMD_TOP };

struct client_opts {
	enum client_cmd cmd;
	const char *ifname;
	const char *run_dir;
	bool json;
	bool verbose;
};

bool client_is_command(const char *word)
{
	return strcmp(word, "status") == 0 || strcmp(word, "metrics") == 0 ||
	       strcmp(word, "top") == 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: wg_netmanager status [-i IF] [--json] [--run-dir DIR]\n"
		     "       wg_netmanager metrics [-i IF] [--run-dir DIR]\n"
		     "       wg_netmanager top [-i IF] [-v] [--run-dir DIR]\n"
		     "Asks the daemon serving IF (default: the only one running) through\n"
		     "DIR/IF.sock (DIR default " CONTROL_DEFAULT_DIR "). See wg_netmanager(8).\n");
}

/* The one IF.sock in dir, if there is exactly one. */
/* Does a daemon answer on dir/name? A killed one leaves its socket behind. */
static bool socket_alive(const char *dir, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name) >=
	    (int)sizeof(sun.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return r == 0;
}

static int pick_ifname(const char *dir, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char list[256] = "";
	size_t used = 0;
	int found = 0;

	if (!d) {
		fprintf(stderr, "wg_netmanager: %s: %s (is the daemon running?)\n", dir,
			strerror(errno));
		return -ENOENT;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int w;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".sock") != 0 ||
		    !socket_alive(dir, e->d_name))
			continue;
		if (found++ == 0)
			snprintf(buf, len, "%.*s", (int)(n - 5), e->d_name);
		w = snprintf(list + used, sizeof(list) - used, "%s%.*s", used ? ", " : "",
			     (int)(n - 5), e->d_name);
		if (w > 0 && used + (size_t)w < sizeof(list))
			used += (size_t)w;
	}
	closedir(d);
	if (found > 1) {
		fprintf(stderr, "wg_netmanager: several daemons run (%s): choose one with -i\n", list);
		return -EEXIST;
	}
	if (!found) {
		fprintf(stderr, "wg_netmanager: no daemon runs (no control socket in %s)\n", dir);
		return -ENOENT;
	}
	return 0;
}

static int connect_to(const struct client_opts *o, bool quiet)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };
	char path[sizeof(sun.sun_path)];
	int fd, r;

	if ((r = control_socket_path(o->run_dir, o->ifname, path, sizeof(path))) < 0) {
		fprintf(stderr, "wg_netmanager: bad control socket path for %s: %s\n", o->ifname,
			strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		if (!quiet)
			fprintf(stderr, "wg_netmanager: %s: %s%s\n", path, strerror(-r),
				r == -ENOENT || r == -ECONNREFUSED ? " (no daemon serves "
								       "this interface)"
				: r == -EACCES			   ? " (run as root)"
								   : "");
		close(fd);
		return r;
	}
	return fd;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* An input buffer of frames. */
struct inbuf {
	char *p;
	size_t len;
	size_t cap;
};

static int inbuf_read(int fd, struct inbuf *in)
{
	ssize_t n;

	if (in->cap - in->len < 4096) {
		size_t cap = in->cap ? in->cap * 2 : 65536;
		char *p;

		if (cap > CONTROL_MAX_REPLY + 4096)
			return -EMSGSIZE;
		p = realloc(in->p, cap);
		if (!p)
			return -ENOMEM;
		in->p = p;
		in->cap = cap;
	}
	n = recv(fd, in->p + in->len, in->cap - in->len, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	in->len += (size_t)n;
	return (int)n;
}

static void inbuf_consume(struct inbuf *in, size_t n)
{
	memmove(in->p, in->p + n, in->len - n);
	in->len -= n;
}

/* status and metrics: one request, one answer. */
static int run_once(const struct client_opts *o)
{
	const char *req = o->cmd == CMD_METRICS ? "metrics\n" : o->json ? "status json\n" : "status\n";
	struct inbuf in = { 0 };
	struct control_frame f;
	int fd = connect_to(o, false), r, code = EXIT_RUNTIME;
	long used;

	if (fd < 0)
		return EXIT_RUNTIME;
	if ((r = write_all(fd, req, strlen(req))) < 0) {
		fprintf(stderr, "wg_netmanager: sending the request: %s\n", strerror(-r));
		goto out;
	}
	for (;;) {
		used = control_frame_parse(in.p ? in.p : "", in.len, &f);
		if (used < 0) {
			fprintf(stderr, "wg_netmanager: the daemon's answer makes no sense\n");
			goto out;
		}
		if (used > 0 && f.type != CONTROL_FRAME_LOG)
			break;
		if (used > 0) {
			inbuf_consume(&in, (size_t)used);
			continue;
		}
		if ((r = inbuf_read(fd, &in)) < 0) {
			fprintf(stderr, "wg_netmanager: reading the answer: %s\n",
				r == -EAGAIN ? "timed out" : strerror(-r));
			goto out;
		}
	}
	if (f.type == CONTROL_FRAME_ERROR) {
		fprintf(stderr, "wg_netmanager: the daemon says: %.*s\n", (int)f.body_len, f.body);
		goto out;
	}
	fwrite(f.body, 1, f.body_len, stdout);
	code = fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
out:
	free(in.p);
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
	struct inbuf in;
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
	if ((r = write_all(t->fd, req, strlen(req))) < 0) {
		top_disconnect(t, strerror(-r));
		return;
	}
	t->pending[t->n_pending++] = cmd;
}

static void top_connect(struct top *t)
{
	t->fd = connect_to(t->o, true);
	if (t->fd < 0) {
		t->next_connect = mono_ms() + TOP_RECONNECT_MS;
		tui_set_message(t->view, "no daemon; retrying");
		return;
	}
	tui_set_message(t->view, NULL);
	top_send(t, t->o->verbose ? "log debug\n" : "log info\n", CONTROL_LOG);
	top_send(t, "status tsv\n", CONTROL_STATUS_TSV);
	t->next_refresh = mono_ms() + TOP_REFRESH_MS;
}

static void top_frame(struct top *t, const struct control_frame *f)
{
	enum control_cmd what;
	char line[1100];

	if (f->type == CONTROL_FRAME_LOG) {
		snprintf(line, sizeof(line), "%.*s", (int)f->body_len, f->body);
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
	int r = inbuf_read(t->fd, &t->in);

	if (r < 0) {
		top_disconnect(t, r == -ECONNRESET ? "the daemon closed the connection" : strerror(-r));
		return;
	}
	while ((used = control_frame_parse(t->in.p, t->in.len, &f)) > 0) {
		top_frame(t, &f);
		inbuf_consume(&t->in, (size_t)used);
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
	t.fd = connect_to(o, false);
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

int client_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wireguard-interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client_opts o = { .run_dir = CONTROL_DEFAULT_DIR };
	char ifbuf[64];
	int c;

	if (strcmp(argv[0], "metrics") == 0)
		o.cmd = CMD_METRICS;
	else if (strcmp(argv[0], "top") == 0)
		o.cmd = CMD_TOP;
	else
		o.cmd = CMD_STATUS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'R': o.run_dir = optarg; break;
		case 'v': o.verbose = true; break;
		case 'j':
			if (o.cmd != CMD_STATUS) {
				fprintf(stderr, "wg_netmanager: --json goes with status\n");
				return EXIT_USAGE;
			}
			o.json = true;
			break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "wg_netmanager %s: %s '%s'\n", argv[0],
				c == ':' ? "missing value for option" : "unknown option",
				argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wg_netmanager %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if (!o.ifname) {
		if (pick_ifname(o.run_dir, ifbuf, sizeof(ifbuf)) < 0)
			return EXIT_RUNTIME;
		o.ifname = ifbuf;
	}
	return o.cmd == CMD_TOP ? run_top(&o) : run_once(&o);
}
