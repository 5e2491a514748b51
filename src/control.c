/*
 * The control socket server and its line protocol; see control.h.
 *
 * Every client is a uv_pipe_t with a fixed input buffer of one request
 * line: the daemon never holds more than CONTROL_LINE_MAX bytes of a
 * client's input, and a request is answered at once from a fresh status
 * snapshot, so nothing waits on a client. Output goes through uv_write
 * (never blocking); the write queue of each client is watched and a client
 * that does not read is cut off. A client is freed in its close callback,
 * the server when its last handle has closed.
 */
#include "control.h"

#include "privdir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "netcheck.h"
#include "status.h"

#define CONTROL_VERSION_TEXT "wg_netmanager " WGNM_VERSION "\n"

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_TRACE] = "trace",
};

#define N_LEVELS (sizeof(level_names) / sizeof(level_names[0]))

static const char help_text[] =
	"status            the status table\n"
	"status json       the status as JSON\n"
	"status edges      the status table and every edge of the graph\n"
	"status edges json the status as JSON, with the edges\n"
	"status tsv        the status for the top view\n"
	"netcheck          this node's underlay as its neighbours see it\n"
	"netcheck json     the same as JSON\n"
	"metrics           Prometheus text format\n"
	"log [LEVEL] [time]  stream log lines (error, warning, info, debug, trace);\n"
	"                  with time: logt LEVEL MS TEXT, MS when it was logged\n"
	"nolog             stop streaming log lines\n"
	"revoke REVOCATION hand a revocation (wg_netmanager ca revoke) to the mesh\n"
	"version           the daemon's version\n"
	"help              this list\n"
	"quit              close the connection\n";

/* ---- the parser (pure) ---- */

#define MAX_WORDS 3

int control_parse(const char *line, size_t len, struct control_req *req, const char **why)
{
	char copy[CONTROL_LINE_MAX];
	const char *w[MAX_WORDS];
	size_t nw = 0, i = 0;

	memset(req, 0, sizeof(*req));
	req->level = LOG_LEVEL_INFO;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(copy)) {
		*why = "request too long";
		return -EINVAL;
	}
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)line[k];
		if (c < 0x20 || c > 0x7e) {
			*why = "request has a control or non-ASCII byte";
			return -EINVAL;
		}
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	while (i < len) {
		while (i < len && copy[i] == ' ')
			i++;
		if (i == len)
			break;
		if (nw == MAX_WORDS) {
			*why = "too many words";
			return -EINVAL;
		}
		w[nw++] = &copy[i];
		while (i < len && copy[i] != ' ')
			i++;
		copy[i++] = '\0'; /* i <= len < sizeof(copy) */
	}
	if (nw == 0) {
		*why = "empty request";
		return -EINVAL;
	}
	if (strcmp(w[0], "status") == 0) {
		bool json = false, tsv = false;

		req->cmd = CONTROL_STATUS;
		/* options in any order, each at most once */
		for (size_t k = 1; k < nw; k++) {
			bool *opt = strcmp(w[k], "json") == 0	 ? &json
				    : strcmp(w[k], "tsv") == 0	 ? &tsv
				    : strcmp(w[k], "edges") == 0 ? &req->edges
								 : NULL;
			if (!opt || *opt)
				goto bad_args;
			*opt = true;
		}
		if (tsv && (json || req->edges))
			goto bad_args;
		if (tsv)
			req->cmd = CONTROL_STATUS_TSV;
		else if (json)
			req->cmd = CONTROL_STATUS_JSON;
		return 0;
	}
	if (strcmp(w[0], "netcheck") == 0) {
		if (nw == 1)
			req->cmd = CONTROL_NETCHECK;
		else if (nw == 2 && strcmp(w[1], "json") == 0)
			req->cmd = CONTROL_NETCHECK_JSON;
		else
			goto bad_args;
		return 0;
	}
	if (strcmp(w[0], "log") == 0) {
		size_t k = 1;

		req->cmd = CONTROL_LOG;
		if (k < nw && strcmp(w[k], "time") != 0) {
			size_t l;

			for (l = 0; l < N_LEVELS; l++)
				if (strcmp(w[k], level_names[l]) == 0)
					break;
			if (l == N_LEVELS) {
				*why = "unknown log level (error, warning, info, debug, trace)";
				return -EINVAL;
			}
			req->level = (enum log_level)l;
			k++;
		}
		if (k < nw && strcmp(w[k], "time") == 0) {
			req->time = true;
			k++;
		}
		if (k < nw)
			goto bad_args;
		return 0;
	}
	if (strcmp(w[0], "revoke") == 0) {
		if (nw != 2)
			goto bad_args;
		req->cmd = CONTROL_REVOKE;
		snprintf(req->arg, sizeof(req->arg), "%s", w[1]);
		return 0;
	}
	static const struct {
		const char *word;
		enum control_cmd cmd;
	} simple[] = {
		{ "metrics", CONTROL_METRICS }, { "nolog", CONTROL_NOLOG },
		{ "version", CONTROL_VERSION }, { "help", CONTROL_HELP },
		{ "quit", CONTROL_QUIT },
	};
	for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
		if (strcmp(w[0], simple[k].word) == 0) {
			if (nw != 1)
				goto bad_args;
			req->cmd = simple[k].cmd;
			return 0;
		}
	}
	*why = "unknown request (try help)";
	return -EINVAL;
bad_args:
	*why = "wrong arguments (try help)";
	return -EINVAL;
}

long control_frame_parse(const char *buf, size_t len, struct control_frame *f)
{
	const char *nl = memchr(buf, '\n', len < CONTROL_LINE_MAX * 16 ? len : CONTROL_LINE_MAX * 16);
	size_t head;

	memset(f, 0, sizeof(*f));
	if (!nl)
		return len >= CONTROL_LINE_MAX * 16 ? -EPROTO : 0;
	head = (size_t)(nl - buf) + 1;
	if (head > 3 && memcmp(buf, "ok ", 3) == 0) {
		size_t n = 0;

		for (const char *p = buf + 3; p < nl; p++) {
			if (*p < '0' || *p > '9' || n > CONTROL_MAX_REPLY)
				return -EPROTO;
			n = n * 10 + (size_t)(*p - '0');
		}
		if (nl == buf + 3 || n > CONTROL_MAX_REPLY)
			return -EPROTO;
		if (len - head < n)
			return 0;
		f->type = CONTROL_FRAME_OK;
		f->body = nl + 1;
		f->body_len = n;
		return (long)(head + n);
	}
	if (head >= 6 && memcmp(buf, "error ", 6) == 0) {
		f->type = CONTROL_FRAME_ERROR;
		f->body = buf + 6;
		f->body_len = head - 7;
		return (long)head;
	}
	if ((head > 4 && memcmp(buf, "log ", 4) == 0) || (head > 5 && memcmp(buf, "logt ", 5) == 0)) {
		bool timed = buf[3] == 't';
		const char *lv = buf + (timed ? 5 : 4), *sp = memchr(lv, ' ', (size_t)(nl - lv));
		const char *text;

		if (!sp)
			return -EPROTO;
		text = sp + 1;
		if (timed) {
			const char *ms = text, *end = memchr(ms, ' ', (size_t)(nl - ms));
			int64_t t = 0;

			/* at most 15 digits: well past the year 30000, and no overflow */
			if (!end || end == ms || end - ms > 15)
				return -EPROTO;
			for (const char *p = ms; p < end; p++) {
				if (*p < '0' || *p > '9')
					return -EPROTO;
				t = t * 10 + (*p - '0');
			}
			f->has_time = true;
			f->time_ms = t;
			text = end + 1;
		}
		for (size_t l = 0; l < N_LEVELS; l++) {
			size_t n = strlen(level_names[l]);
			if ((size_t)(sp - lv) == n && memcmp(lv, level_names[l], n) == 0) {
				f->type = CONTROL_FRAME_LOG;
				f->level = (enum log_level)l;
				f->body = text;
				f->body_len = (size_t)(nl - text);
				return (long)head;
			}
		}
	}
	return -EPROTO;
}

int control_socket_path(const char *dir, const char *ifname, char *buf, size_t len)
{
	struct sockaddr_un sun;
	int n;

	if (!ifname[0] || strchr(ifname, '/'))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", dir, ifname);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* ---- the server ---- */

struct client {
	uv_pipe_t pipe;
	struct control *ctl;
	struct client *next;
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	bool logging;
	bool log_time;			/* logt frames */
	bool closing;
	enum log_level level;
	uint64_t log_dropped;
};

struct backlog_line {
	enum log_level level;
	int64_t time_ms;
	char text[256];
};

struct control {
	uv_pipe_t listen;
	bool listening;
	unsigned open_handles;		/* listener + clients not yet closed */
	bool closed;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_snapshot_fn *snapshot;
	void *arg;
	control_revoke_fn *revoke;
	void *revoke_ctx;
	struct client *clients;
	size_t n_clients;
	bool in_log;			/* a log line written here must not come back */
	struct backlog_line backlog[CONTROL_LOG_BACKLOG];	/* ring */
	size_t bl_next;
	size_t bl_n;
};

struct wreq {
	uv_write_t req;
	char data[];
};

static void control_maybe_free(struct control *c)
{
	if (c->closed && c->open_handles == 0)
		free(c);
}

static void on_client_closed(uv_handle_t *h)
{
	struct client *cl = h->data;
	struct control *c = cl->ctl;

	free(cl);
	c->open_handles--;
	control_maybe_free(c);
}

static void client_close(struct client *cl)
{
	struct control *c = cl->ctl;

	if (cl->closing)
		return;
	cl->closing = true;
	for (struct client **pp = &c->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			c->n_clients--;
			break;
		}
	}
	uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
}

/*
 * A client gone before its answer (EPIPE: the daemon ignores SIGPIPE) is
 * closed at once, not left to the next read. The handle outlives this
 * callback: libuv calls it, with UV_ECANCELED, before the close callback.
 */
static void on_written(uv_write_t *req, int status)
{
	struct client *cl = req->handle->data;

	free(req);
	if (status < 0 && cl && !cl->closing)
		client_close(cl);
}

/* Queue head + body as one write. Returns false if the client was dropped. */
static bool client_send(struct client *cl, const char *head, size_t hl, const char *body,
			size_t bl)
{
	struct wreq *w;
	uv_buf_t buf;

	if (cl->closing)
		return false;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe) + hl + bl > CONTROL_MAX_QUEUE) {
		client_close(cl); /* not reading: let it go */
		return false;
	}
	w = malloc(sizeof(*w) + hl + bl);
	if (!w) {
		client_close(cl);
		return false;
	}
	memcpy(w->data, head, hl);
	if (bl)
		memcpy(w->data + hl, body, bl);
	buf = uv_buf_init(w->data, (unsigned)(hl + bl));
	if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &buf, 1, on_written) < 0) {
		free(w);
		client_close(cl);
		return false;
	}
	return true;
}

static void send_error(struct client *cl, const char *text)
{
	char line[CONTROL_LINE_MAX + 32];
	int n = snprintf(line, sizeof(line), "error %s\n", text);

	if (n > 0)
		client_send(cl, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, NULL, 0);
}

static void send_ok(struct client *cl, const char *body, size_t len)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "ok %zu\n", len);

	client_send(cl, head, (size_t)n, body, len);
}

static void answer_status(struct client *cl, const struct control_req *req)
{
	struct control *c = cl->ctl;
	struct status_snapshot s;
	struct status_buf b;
	int r = c->snapshot(&s, req->edges ? STATUS_WANT_EDGES : 0, c->arg);

	if (r < 0) {
		send_error(cl, r == -EAGAIN ? "starting, try again" : strerror(-r));
		return;
	}
	status_buf_init(&b, CONTROL_MAX_REPLY);
	switch (req->cmd) {
	case CONTROL_STATUS_JSON:
		status_format_json(&s, &b);
		break;
	case CONTROL_STATUS_TSV:
		status_format_tsv(&s, &b);
		break;
	case CONTROL_NETCHECK:
		netcheck_format_text(&s, &b);
		break;
	case CONTROL_NETCHECK_JSON:
		netcheck_format_json(&s, &b);
		break;
	case CONTROL_METRICS:
		status_format_metrics(&s, WGNM_VERSION, &b);
		break;
	case CONTROL_STATUS:
	case CONTROL_LOG:
	case CONTROL_NOLOG:
	case CONTROL_VERSION:
	case CONTROL_HELP:
	case CONTROL_QUIT:
	case CONTROL_REVOKE:
		status_format_text(&s, &b);
		if (s.has_edges) {
			status_buf_printf(&b, "\n");
			status_format_edges_text(&s, &b);
		}
		break;
	}
	status_snapshot_free(&s);
	if (b.failed)
		send_error(cl, "reply too large or out of memory");
	else
		send_ok(cl, b.p ? b.p : "", b.len);
	status_buf_free(&b);
}

static void send_backlog(struct client *cl);

static void answer_revoke(struct client *cl, const struct control_req *req)
{
	struct control *c = cl->ctl;
	char answer[512] = "";

	if (!c->revoke) {
		send_error(cl, "revoke: this daemon takes no revocations");
		return;
	}
	if (c->revoke(req->arg, answer, sizeof(answer), c->revoke_ctx) < 0)
		send_error(cl, answer[0] ? answer : "revoke: refused");
	else
		send_ok(cl, answer, strlen(answer));
}

/* Returns false if the client is gone. */
static bool handle_line(struct client *cl, const char *line, size_t len)
{
	struct control_req req;
	const char *why = NULL;

	if (control_parse(line, len, &req, &why) < 0) {
		send_error(cl, why);
		return !cl->closing;
	}
	switch (req.cmd) {
	case CONTROL_STATUS:
	case CONTROL_STATUS_JSON:
	case CONTROL_STATUS_TSV:
	case CONTROL_NETCHECK:
	case CONTROL_NETCHECK_JSON:
	case CONTROL_METRICS:
		answer_status(cl, &req);
		break;
	case CONTROL_LOG:
		send_ok(cl, "", 0);
		cl->level = req.level;
		cl->log_time = req.time;
		if (!cl->logging)
			send_backlog(cl);
		cl->logging = true;
		break;
	case CONTROL_NOLOG:
		cl->logging = false;
		send_ok(cl, "", 0);
		break;
	case CONTROL_VERSION:
		send_ok(cl, CONTROL_VERSION_TEXT, strlen(CONTROL_VERSION_TEXT));
		break;
	case CONTROL_HELP:
		send_ok(cl, help_text, strlen(help_text));
		break;
	case CONTROL_QUIT:
		client_close(cl);
		break;
	case CONTROL_REVOKE:
		answer_revoke(cl, &req);
		break;
	}
	return !cl->closing;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct client *cl = h->data;

	(void)suggested;
	*buf = uv_buf_init(cl->in + cl->in_len, (unsigned)(sizeof(cl->in) - cl->in_len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *cl = s->data;
	size_t start = 0;

	(void)buf;
	if (nread < 0) {
		client_close(cl);
		return;
	}
	cl->in_len += (size_t)nread;
	for (size_t i = 0; i < cl->in_len; i++) {
		if (cl->in[i] != '\n')
			continue;
		if (!handle_line(cl, cl->in + start, i - start))
			return;
		start = i + 1;
	}
	memmove(cl->in, cl->in + start, cl->in_len - start);
	cl->in_len -= start;
	if (cl->in_len == sizeof(cl->in)) {
		send_error(cl, "request too long");
		client_close(cl);
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct control *c = server->data;
	struct client *cl;

	if (status < 0)
		return;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return; /* the connection waits in the backlog */
	cl->ctl = c;
	if (uv_pipe_init(server->loop, &cl->pipe, 0) < 0) {
		free(cl);
		return;
	}
	cl->pipe.data = cl;
	c->open_handles++;
	cl->next = c->clients;
	c->clients = cl;
	c->n_clients++;
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
		client_close(cl);
		return;
	}
	if (c->n_clients > CONTROL_MAX_CLIENTS) {
		static const char busy[] = "error too many clients\n";
		uv_buf_t b = uv_buf_init((char *)(uintptr_t)busy, sizeof(busy) - 1);

		uv_try_write((uv_stream_t *)&cl->pipe, &b, 1);
		client_close(cl);
		return;
	}
	if (uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read) < 0)
		client_close(cl);
}

/* One "log LEVEL TEXT" (or "logt LEVEL MS TEXT") frame; the text has no newline. */
static void send_log_line(struct client *cl, enum log_level level, int64_t time_ms,
			  const char *line)
{
	char head[64], text[1100];
	size_t tl = strnlen(line, sizeof(text) - 2);
	int n = cl->log_time ? snprintf(head, sizeof(head), "logt %s %lld ", level_names[level],
					(long long)time_ms)
			     : snprintf(head, sizeof(head), "log %s ", level_names[level]);

	memcpy(text, line, tl);
	for (size_t i = 0; i < tl; i++)
		if (text[i] == '\n' || text[i] == '\r')
			text[i] = ' ';
	text[tl++] = '\n';
	client_send(cl, head, (size_t)n, text, tl);
}

/* A new subscriber first gets the recent lines, oldest first. */
static void send_backlog(struct client *cl)
{
	struct control *c = cl->ctl;

	for (size_t k = 0; k < c->bl_n && !cl->closing; k++) {
		const struct backlog_line *b =
			&c->backlog[(c->bl_next + CONTROL_LOG_BACKLOG - c->bl_n + k) % CONTROL_LOG_BACKLOG];
		if (b->level <= cl->level)
			send_log_line(cl, b->level, b->time_ms, b->text);
	}
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void control_log(struct control *c, enum log_level level, const char *line)
{
	struct client *cl, *next;
	struct backlog_line *b;

	if (!c || c->in_log || c->closed || (unsigned)level >= N_LEVELS)
		return;
	c->in_log = true;
	b = &c->backlog[c->bl_next];
	b->level = level;
	b->time_ms = wall_ms();
	snprintf(b->text, sizeof(b->text), "%s", line);
	c->bl_next = (c->bl_next + 1) % CONTROL_LOG_BACKLOG;
	if (c->bl_n < CONTROL_LOG_BACKLOG)
		c->bl_n++;
	for (cl = c->clients; cl; cl = next) {
		char head[64];
		int n;

		next = cl->next;
		if (!cl->logging || level > cl->level)
			continue;
		if (uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe) > CONTROL_LOG_QUEUE) {
			cl->log_dropped++;
			continue;
		}
		if (cl->log_dropped) {
			n = snprintf(head, sizeof(head), "log warning %llu log lines dropped\n",
				     (unsigned long long)cl->log_dropped);
			cl->log_dropped = 0;
			if (!client_send(cl, head, (size_t)n, NULL, 0))
				continue;
		}
		send_log_line(cl, level, b->time_ms, line);
	}
	c->in_log = false;
}

void control_set_revoke(struct control *c, control_revoke_fn *fn, void *ctx)
{
	if (!c)
		return;
	c->revoke = fn;
	c->revoke_ctx = ctx;
}

size_t control_clients(const struct control *c)
{
	return c ? c->n_clients : 0;
}

/* A socket left at path: in use by a live daemon, or stale. */
static int check_stale(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void on_listen_closed(uv_handle_t *h)
{
	struct control *c = h->data;

	c->open_handles--;
	control_maybe_free(c);
}

int control_open(struct uv_loop_s *loop, const char *dir, const char *ifname,
		 control_snapshot_fn *fn, void *arg, struct control **out)
{
	struct control *c = calloc(1, sizeof(*c));
	mode_t old;
	int r;

	if (!c)
		return -ENOMEM;
	c->snapshot = fn;
	c->arg = arg;
	if ((r = control_socket_path(dir, ifname, c->path, sizeof(c->path))) < 0 ||
	    (r = privdir_prepare(dir)) < 0 || (r = check_stale(c->path)) < 0)
		goto fail_free;
	if ((r = uv_pipe_init(loop, &c->listen, 0)) < 0)
		goto fail_free;
	c->listen.data = c;
	c->open_handles = 1;
	old = umask(0177); /* no window in which others may connect */
	r = uv_pipe_bind(&c->listen, c->path);
	umask(old);
	if (r < 0)
		goto fail_close;
	c->listening = true;
	if (chmod(c->path, 0600) < 0 || (r = uv_listen((uv_stream_t *)&c->listen, 8,
							on_connection)) < 0) {
		r = r < 0 ? r : -errno;
		goto fail_close;
	}
	*out = c;
	return 0;
fail_close:
	if (c->listening)
		unlink(c->path);
	c->closed = true;
	uv_close((uv_handle_t *)&c->listen, on_listen_closed);
	return r;
fail_free:
	free(c);
	return r;
}

void control_close(struct control *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	while (c->clients)
		client_close(c->clients);
	unlink(c->path);
	uv_close((uv_handle_t *)&c->listen, on_listen_closed);
}
