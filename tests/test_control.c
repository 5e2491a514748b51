/*
 * Tests for src/control.c: the request parser and the frame parser
 * (tables), then the server on a real libuv loop with unix-socket clients:
 * answers in order, permissions, limits (line length, client count), a
 * client that never reads (log lines dropped and counted, the loop never
 * blocked), stale and live sockets.
 *
 * With WGNM_WRITE_CORPUS=dir set, test_write_corpus writes the seed corpus
 * of fuzz/fuzz_control into dir/control.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <cmocka.h>

#include "control.h"
#include "status.h"

struct parse_case {
	const char *line;
	int ret;
	enum control_cmd cmd;
	enum log_level level;
};

#define OK(l, c) { l, 0, c, LOG_LEVEL_INFO }
#define OKL(l, lv) { l, 0, CONTROL_LOG, lv }
#define BAD(l) { l, -EINVAL, 0, 0 }

static const struct parse_case parse_cases[] = {
	OK("status", CONTROL_STATUS),
	OK("status\r", CONTROL_STATUS),
	OK("  status  ", CONTROL_STATUS),
	OK("status json", CONTROL_STATUS_JSON),
	OK("status   json", CONTROL_STATUS_JSON),
	OK("status tsv", CONTROL_STATUS_TSV),
	OK("status edges", CONTROL_STATUS),
	OK("status edges json", CONTROL_STATUS_JSON),
	OK("status json edges", CONTROL_STATUS_JSON),
	OK("netcheck", CONTROL_NETCHECK),
	OK("netcheck json", CONTROL_NETCHECK_JSON),
	OKL("log time", LOG_LEVEL_INFO),
	OKL("log debug time", LOG_LEVEL_DEBUG),
	OK("metrics", CONTROL_METRICS),
	OK("log", CONTROL_LOG),
	OKL("log debug", LOG_LEVEL_DEBUG),
	OKL("log warning", LOG_LEVEL_WARN),
	OKL("log trace", LOG_LEVEL_TRACE),
	OK("nolog", CONTROL_NOLOG),
	OK("version", CONTROL_VERSION),
	OK("help", CONTROL_HELP),
	OK("quit", CONTROL_QUIT),
	OK("revoke AQIHY2hhcmxpZQ==", CONTROL_REVOKE),
	OK(" revoke  x ", CONTROL_REVOKE),
	BAD("revoke"),
	BAD("revoke a b"),
	BAD(""),
	BAD("   "),
	BAD("\r"),
	BAD("STATUS"),
	BAD("status xml"),
	BAD("status json extra"),
	BAD("status json extra more"),
	BAD("log loud"),
	BAD("log debug more"),
	BAD("log time debug"),
	BAD("log time time"),
	BAD("status edges edges"),
	BAD("status json json"),
	BAD("status tsv edges"),
	BAD("status edges tsv"),
	BAD("status json tsv"),
	BAD("netcheck edges"),
	BAD("netcheck json json"),
	BAD("metrics now"),
	BAD("quit\r\r"),
	BAD("status\tjson"),
	BAD("stat\x01us"),
	BAD("st\xc3\xa4tus"),
	BAD("statu"),
	BAD("statuss"),
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct control_req req;
		const char *why = NULL;
		int r = control_parse(c->line, strlen(c->line), &req, &why);

		if (r != c->ret)
			fail_msg("'%s': %d, want %d", c->line, r, c->ret);
		if (r == 0) {
			assert_int_equal(req.cmd, c->cmd);
			if (c->cmd == CONTROL_LOG)
				assert_int_equal(req.level, c->level);
			assert_int_equal(req.edges, strstr(c->line, "edges") != NULL);
			assert_int_equal(req.time, strstr(c->line, "time") != NULL);
			if (c->cmd == CONTROL_REVOKE)
				assert_true(strlen(req.arg) > 0 && strchr(req.arg, ' ') == NULL);
		} else {
			assert_non_null(why);
		}
	}
}

static void test_parse_limits(void **state)
{
	char line[CONTROL_LINE_MAX + 8];
	struct control_req req;
	const char *why;

	(void)state;
	/* the longest accepted line: CONTROL_LINE_MAX - 1 bytes before "\n" */
	memset(line, ' ', sizeof(line));
	memcpy(line, "status", 6);
	assert_int_equal(control_parse(line, CONTROL_LINE_MAX - 1, &req, &why), 0);
	assert_int_equal(control_parse(line, CONTROL_LINE_MAX, &req, &why), -EINVAL);
	assert_string_equal(why, "request too long");
	/* a revocation of the largest kind fits: 156 bytes of base64 */
	memset(line, 'A', sizeof(line));
	memcpy(line, "revoke ", 7);
	assert_int_equal(control_parse(line, 7 + 156, &req, &why), 0);
	assert_int_equal(req.cmd, CONTROL_REVOKE);
	assert_int_equal(strlen(req.arg), 156);
	/* a NUL inside is a control byte, not the end */
	assert_int_equal(control_parse("status\0json", 11, &req, &why), -EINVAL);
	/* the length is what counts, not a terminator */
	assert_int_equal(control_parse("statusXYZ", 6, &req, &why), 0);
	assert_int_equal(req.cmd, CONTROL_STATUS);
}

struct frame_case {
	const char *in;
	long ret;		/* bytes, 0 need more, negative error */
	enum control_frame_type type;
	const char *body;
};

static const struct frame_case frame_cases[] = {
	{ "ok 0\n", 5, CONTROL_FRAME_OK, "" },
	{ "ok 5\nhello", 10, CONTROL_FRAME_OK, "hello" },
	{ "ok 5\nhello+more", 10, CONTROL_FRAME_OK, "hello" },
	{ "ok 5\nhel", 0, 0, NULL },
	{ "ok 5", 0, 0, NULL },
	{ "", 0, 0, NULL },
	{ "error busy\n", 11, CONTROL_FRAME_ERROR, "busy" },
	{ "error \n", 7, CONTROL_FRAME_ERROR, "" },
	{ "log info a b c\n", 15, CONTROL_FRAME_LOG, "a b c" },
	{ "logt info 1700000000123 a b\n", 28, CONTROL_FRAME_LOG, "a b" },
	{ "logt warning 0 \n", 16, CONTROL_FRAME_LOG, "" },
	{ "logt info 999999999999999 x\n", 28, CONTROL_FRAME_LOG, "x" },
	{ "logt info 1000000000000000 x\n", -EPROTO, 0, NULL },
	{ "logt info 17x0 a\n", -EPROTO, 0, NULL },
	{ "logt info -5 a\n", -EPROTO, 0, NULL },
	{ "logt info  a\n", -EPROTO, 0, NULL },
	{ "logt info 17\n", -EPROTO, 0, NULL },
	{ "logt loud 17 a\n", -EPROTO, 0, NULL },
	{ "log warning \n", 13, CONTROL_FRAME_LOG, "" },
	{ "log loud x\n", -EPROTO, 0, NULL },
	{ "log info\n", -EPROTO, 0, NULL },
	{ "ok\n", -EPROTO, 0, NULL },
	{ "ok \n", -EPROTO, 0, NULL },
	{ "ok -1\n", -EPROTO, 0, NULL },
	{ "ok 1x\n", -EPROTO, 0, NULL },
	{ "ok 99999999999999999999999\n", -EPROTO, 0, NULL },
	{ "ok 8388609\n", -EPROTO, 0, NULL },
	{ "error\n", -EPROTO, 0, NULL },
	{ "hello\n", -EPROTO, 0, NULL },
};

static void test_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *c = &frame_cases[i];
		struct control_frame f;
		long r = control_frame_parse(c->in, strlen(c->in), &f);

		if (r != c->ret)
			fail_msg("'%s': %ld, want %ld", c->in, r, c->ret);
		if (r > 0) {
			assert_int_equal(f.type, c->type);
			assert_int_equal(f.body_len, strlen(c->body));
			assert_memory_equal(f.body, c->body, f.body_len);
			assert_int_equal(f.has_time, strncmp(c->in, "logt ", 5) == 0);
			if (f.has_time)
				assert_int_equal(f.time_ms, strtoll(strchr(c->in + 5, ' '), NULL, 10));
		}
	}
}

static void test_frames_long_header(void **state)
{
	size_t n = CONTROL_LINE_MAX * 16 + 10;
	char *buf = malloc(n);
	struct control_frame f;

	(void)state;
	memset(buf, 'x', n);
	assert_int_equal(control_frame_parse(buf, n, &f), -EPROTO);
	assert_int_equal(control_frame_parse(buf, 100, &f), 0);
	free(buf);
}

static void test_socket_path(void **state)
{
	char buf[200];

	(void)state;
	assert_int_equal(control_socket_path("/run/wg_netmanager", "wg0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/wg_netmanager/wg0.sock");
	assert_int_equal(control_socket_path("/run", "a/b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(control_socket_path("/run", "", buf, sizeof(buf)), -EINVAL);
	memset(buf, 'd', 150);
	buf[0] = '/';
	buf[150] = '\0';
	char out[300];
	assert_int_equal(control_socket_path(buf, "wg0", out, sizeof(out)), -ENAMETOOLONG);
}

/* ---- the server ---- */

struct fixture {
	uv_loop_t loop;
	char dir[40];
	char path[64];
	struct control *ctl;
	int snapshots;
	unsigned want;		/* what the last snapshot was asked for */
	bool fail_snapshot;
	char revoked[CONTROL_LINE_MAX];	/* what the revoke handler was given */
};

/* A daemon's revoke handler: "ok" for AQ==, refused otherwise. */
static int fake_revoke(const char *arg, char *answer, size_t len, void *ctx)
{
	struct fixture *fx = ctx;

	snprintf(fx->revoked, sizeof(fx->revoked), "%s", arg);
	if (strcmp(arg, "AQ==") == 0) {
		snprintf(answer, len, "revoked node x\n");
		return 0;
	}
	snprintf(answer, len, "not signed by this network's CA");
	return -EINVAL;
}

static int fake_snapshot(struct status_snapshot *s, unsigned want, void *arg)
{
	struct fixture *fx = arg;

	fx->snapshots++;
	fx->want = want;
	if (fx->fail_snapshot)
		return -EAGAIN;
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "wgt0");
	snprintf(s->name, sizeof(s->name), "alpha");
	addr_parse(&s->id, "10.1.1.1");
	s->nodes = calloc(1, sizeof(*s->nodes));
	s->n_nodes = 1;
	snprintf(s->nodes[0].name, sizeof(s->nodes[0].name), "alpha");
	s->nodes[0].id = s->id;
	s->has_ctr = true;
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/wgnm-ctl.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	/* the run dir itself is made by control_open */
	snprintf(fx->dir + strlen(fx->dir), sizeof(fx->dir) - strlen(fx->dir), "/run");
	snprintf(fx->path, sizeof(fx->path), "%s/wgt0.sock", fx->dir);
	uv_loop_init(&fx->loop);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *slash;

	control_close(fx->ctl);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&fx->loop), 0);
	rmdir(fx->dir);
	slash = strrchr(fx->dir, '/');
	*slash = '\0';
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int cli_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -errno;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void cli_send(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Run the loop until fd has want bytes (or EOF); returns what came. */
static size_t cli_read(struct fixture *fx, int fd, char *buf, size_t cap, size_t want, bool *eof)
{
	size_t got = 0;

	*eof = false;
	for (int i = 0; i < 2000 && got < want && !*eof; i++) {
		ssize_t n;

		uv_run(&fx->loop, UV_RUN_NOWAIT);
		n = read(fd, buf + got, cap - 1 - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			*eof = true;
		else
			usleep(1000);
	}
	buf[got] = '\0';
	return got;
}

static void test_server_requests(void **state)
{
	struct fixture *fx = *state;
	char buf[8192];
	struct stat st;
	bool eof;
	int fd;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	assert_int_equal(stat(fx->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	fd = cli_connect(fx->path);
	assert_true(fd >= 0);
	/* two requests in one write, one split over two writes */
	cli_send(fd, "version\nbogus\nsta");
	cli_read(fx, fd, buf, sizeof(buf), 20 + 6 + 33, &eof);
	assert_string_equal(buf, "ok 20\nwg_netmanager " WGNM_VERSION "\n"
				 "error unknown request (try help)\n");
	cli_send(fd, "tus json\n");
	cli_read(fx, fd, buf, sizeof(buf), 100, &eof);
	assert_true(strncmp(buf, "ok ", 3) == 0);
	assert_non_null(strstr(buf, "\"interface\": \"wgt0\""));
	assert_int_equal(fx->snapshots, 1);

	assert_int_equal(fx->want, 0);
	cli_send(fd, "status edges\n");
	cli_read(fx, fd, buf, sizeof(buf), 100, &eof);
	assert_true(strncmp(buf, "ok ", 3) == 0);
	assert_int_equal(fx->want, STATUS_WANT_EDGES);
	cli_send(fd, "netcheck\n");
	cli_read(fx, fd, buf, sizeof(buf), 30, &eof);
	assert_non_null(strstr(buf, "netcheck: alpha 10.1.1.1 on wgt0"));
	assert_int_equal(fx->want, 0);

	fx->fail_snapshot = true;
	cli_send(fd, "metrics\n");
	cli_read(fx, fd, buf, sizeof(buf), 27, &eof);
	assert_string_equal(buf, "error starting, try again\n");

	/* revoke: refused without a handler, then the handler's words */
	cli_send(fd, "revoke AQ==\n");
	cli_read(fx, fd, buf, sizeof(buf), 49, &eof);
	assert_string_equal(buf, "error revoke: this daemon takes no revocations\n");
	control_set_revoke(fx->ctl, fake_revoke, fx);
	cli_send(fd, "revoke AQ==\nrevoke Zm9v\n");
	cli_read(fx, fd, buf, sizeof(buf), 21 + 38, &eof);
	assert_string_equal(buf, "ok 15\nrevoked node x\nerror not signed by this network's CA\n");
	assert_string_equal(fx->revoked, "Zm9v");

	cli_send(fd, "quit\n");
	cli_read(fx, fd, buf, sizeof(buf), 1, &eof);
	assert_true(eof);
	close(fd);
}

static void test_server_long_line(void **state)
{
	struct fixture *fx = *state;
	char buf[256], big[CONTROL_LINE_MAX + 1];
	bool eof;
	int fd;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	fd = cli_connect(fx->path);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cli_send(fd, big);
	cli_read(fx, fd, buf, sizeof(buf), 200, &eof);
	assert_string_equal(buf, "error request too long\n");
	assert_true(eof);
	close(fd);
	assert_int_equal(control_clients(fx->ctl), 0);
}

static void test_server_client_limit(void **state)
{
	struct fixture *fx = *state;
	int fds[CONTROL_MAX_CLIENTS + 1];
	char buf[256];
	bool eof;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = cli_connect(fx->path);
		assert_true(fds[i] >= 0);
		for (int k = 0; k < 20; k++)
			uv_run(&fx->loop, UV_RUN_NOWAIT);
	}
	assert_int_equal(control_clients(fx->ctl), CONTROL_MAX_CLIENTS);
	fds[CONTROL_MAX_CLIENTS] = cli_connect(fx->path);
	cli_read(fx, fds[CONTROL_MAX_CLIENTS], buf, sizeof(buf), 200, &eof);
	assert_string_equal(buf, "error too many clients\n");
	assert_true(eof);
	/* the others still work */
	cli_send(fds[0], "version\n");
	cli_read(fx, fds[0], buf, sizeof(buf), 26, &eof);
	assert_true(strncmp(buf, "ok 20\n", 6) == 0);
	for (int i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
}

/* A client that asks for logs and never reads: the daemon goes on. */
static void test_server_slow_log_reader(void **state)
{
	struct fixture *fx = *state;
	char line[200], *buf = malloc(1 << 20);
	size_t total = 0;
	bool eof;
	int fd, sndbuf = 4096;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	fd = cli_connect(fx->path);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf));
	cli_send(fd, "log debug\n");
	cli_read(fx, fd, buf, 1 << 20, 5, &eof);
	assert_string_equal(buf, "ok 0\n");
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	/* far more than the log queue and the socket buffers take */
	for (int i = 0; i < 20000; i++) {
		control_log(fx->ctl, LOG_LEVEL_INFO, line);
		if (i % 100 == 0)
			uv_run(&fx->loop, UV_RUN_NOWAIT);
	}
	control_log(fx->ctl, LOG_LEVEL_TRACE, "not asked for"); /* above debug */
	/* now read everything; then one more line brings the drop notice */
	for (int round = 0; round < 200; round++) {
		size_t n = cli_read(fx, fd, buf, 1 << 20, 1 << 19, &eof);
		total += n;
		if (n == 0)
			break;
	}
	assert_true(total < 20000u * 210u); /* some were dropped */
	control_log(fx->ctl, LOG_LEVEL_WARN, "after");
	cli_read(fx, fd, buf, 1 << 20, 100, &eof);
	assert_non_null(strstr(buf, "log warning "));
	assert_non_null(strstr(buf, " log lines dropped\nlog warning after\n"));
	assert_null(strstr(buf, "not asked for"));
	close(fd);
	free(buf);
}

/* A new subscriber gets the recent lines first, filtered by its level. */
static void test_server_log_backlog(void **state)
{
	struct fixture *fx = *state;
	char buf[4096];
	bool eof;
	int fd;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	for (int i = 0; i < CONTROL_LOG_BACKLOG + 5; i++)
		control_log(fx->ctl, LOG_LEVEL_DEBUG, "old");
	control_log(fx->ctl, LOG_LEVEL_INFO, "one");
	control_log(fx->ctl, LOG_LEVEL_DEBUG, "two\nlines");
	control_log(fx->ctl, LOG_LEVEL_WARN, "three");
	fd = cli_connect(fx->path);
	cli_send(fd, "log\n");
	cli_read(fx, fd, buf, sizeof(buf), 5 + 13 + 20, &eof);
	assert_string_equal(buf, "ok 0\nlog info one\nlog warning three\n");
	cli_send(fd, "log debug\n"); /* already streaming: no second backlog */
	cli_read(fx, fd, buf, sizeof(buf), 5, &eof);
	assert_string_equal(buf, "ok 0\n");
	control_log(fx->ctl, LOG_LEVEL_DEBUG, "four\r");
	cli_read(fx, fd, buf, sizeof(buf), 16, &eof);
	assert_string_equal(buf, "log debug four \n");
	close(fd);
	fd = cli_connect(fx->path);
	cli_send(fd, "log debug\n");
	cli_read(fx, fd, buf, sizeof(buf), 5 + CONTROL_LOG_BACKLOG * 14, &eof);
	/* the ring holds the last CONTROL_LOG_BACKLOG lines, oldest first */
	assert_non_null(strstr(buf, "log debug old\nlog info one\nlog debug two lines\n"
				    "log warning three\nlog debug four \n"));
	close(fd);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * "log LEVEL time": every line says when it was logged, the backlog's too
 * (the time it was logged, not the time it is sent).
 */
static void test_server_log_time(void **state)
{
	struct fixture *fx = *state;
	char buf[4096];
	struct control_frame f;
	int64_t before, after, old_at;
	bool eof;
	long used;
	int fd;

	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	before = wall_ms();
	control_log(fx->ctl, LOG_LEVEL_INFO, "early");
	after = wall_ms();
	usleep(30000);
	fd = cli_connect(fx->path);
	cli_send(fd, "log info time\n");
	cli_read(fx, fd, buf, sizeof(buf), 5 + 30, &eof);
	assert_true(strncmp(buf, "ok 0\nlogt info ", 15) == 0);
	used = control_frame_parse(buf + 5, strlen(buf + 5), &f);
	assert_true(used > 0);
	assert_true(f.has_time);
	assert_true(f.time_ms >= before && f.time_ms <= after);
	assert_int_equal(f.body_len, 5);
	assert_memory_equal(f.body, "early", 5);
	old_at = f.time_ms;
	control_log(fx->ctl, LOG_LEVEL_WARN, "late");
	cli_read(fx, fd, buf, sizeof(buf), 30, &eof);
	assert_true(control_frame_parse(buf, strlen(buf), &f) > 0);
	assert_true(f.time_ms >= old_at + 30);
	assert_int_equal(f.level, LOG_LEVEL_WARN);
	close(fd);
}

static void test_server_stale_and_live(void **state)
{
	struct fixture *fx = *state;
	struct control *second = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	/* a stale socket: bound, nobody listening */
	assert_int_equal(mkdir(fx->dir, 0700), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &fx->ctl), 0);
	/* a live one: refused */
	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt0", fake_snapshot, fx, &second),
			 -EADDRINUSE);
	assert_null(second);
	/* a directory others may write to: refused */
	chmod(fx->dir, 0777);
	assert_int_equal(control_open(&fx->loop, fx->dir, "wgt1", fake_snapshot, fx, &second),
			 -EPERM);
	chmod(fx->dir, 0700);
	control_close(fx->ctl);
	fx->ctl = NULL;
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_int_equal(access(fx->path, F_OK), -1); /* removed on close */
}

/* Seeds for fuzz/fuzz_control: the first byte picks the parser. */
static void test_write_corpus(void **state)
{
	static const char *const seeds[] = {
		"Rstatus", "Rstatus json", "Rstatus tsv", "Rmetrics", "Rlog debug", "Rlog",
		"Rnolog", "Rversion", "Rhelp", "Rquit", "R  status   json\r", "Rlog loud",
		"Fok 5\nhello", "Ferror busy\n", "Flog info a line\n", "Fok 0\nlog warning x\n",
		"T" "H\twg0\talpha\t10.1.1.1\tkernel\t1700000000\t12\n"
		"N\t96\talpha\t10.1.1.1\tself\t::\t-\t[::]:0\t0\t0\t0\t0\t0\t12\t100\t-\t-\n"
		"N\t59\tbeta\t10.1.1.2\tdirect\t10.1.1.2\tbeta\t198.51.100.2:50002\t1699999990"
		"\t10\t20\t3\t3\t5\t110\t-\t-\n"
		"C\t1\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n",
		"Rstatus edges json", "Rnetcheck", "Rnetcheck json", "Rlog debug time",
		"Flogt info 1700000000123 a line\n",
	};
	const char *dir = getenv("WGNM_WRITE_CORPUS");
	char path[512];

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/control", dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/control/seed-%02zu", dir, i);
		f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(seeds[i], 1, strlen(seeds[i]), f);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_frames_long_header),
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test_setup_teardown(test_server_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_client_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_slow_log_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_log_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_log_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_stale_and_live, setup, teardown),
		cmocka_unit_test(test_write_corpus),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
