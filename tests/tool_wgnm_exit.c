/*
 * tool_wgnm_exit: drives the exit-node edge modules from shell scripts
 * (netns-tests/44-exit-edge.sh): masquerade (masq.h), exit-node routing
 * (kernel.h) and a marked admin-like UDP socket (udp.h). Not installed.
 *
 *   id WGPORT                       "mark 0x... table N" for that port
 *   masq IFNAME PREFIX[,PREFIX...]  install the masquerade, exit
 *   unmasq IFNAME                   remove it
 *   exit IFNAME WGPORT 4|6|46       install exit routing through IFNAME
 *   unexit WGPORT 4|6|46            remove it
 *   flush WGPORT [IFNAME]           what a start does after a crash: flush
 *                                   the exit routing, remove IFNAME's
 *                                   masquerade; prints "flushed N"
 *   hold [masq IFNAME PREFIXES] [exit IFNAME WGPORT 4|6|46]
 *       install, print "ready", wait for SIGTERM/SIGINT, remove (a daemon's
 *       life; kill -9 leaves everything behind, as a crash does)
 *   udp-echo PORT SECONDS
 *       answer every datagram with "from ADDR:PORT" (the source it came
 *       from), for SECONDS
 *   udp-ask [mark MARK] ADDR PORT SECONDS
 *       from a socket with MARK (udp_set_mark), ask ADDR:PORT every 0.2 s
 *       until it answers; print the answer (exit 0) or give up (exit 2)
 *
 * WGNM_VERBOSE=N raises the log level. Exit 0 ok, 1 failure, 2 timeout,
 * 64 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "addr.h"
#include "kernel.h"
#include "log.h"
#include "masq.h"
#include "udp.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tool_wgnm_exit id WGPORT\n"
		"       tool_wgnm_exit masq IFNAME PREFIX[,PREFIX...] | unmasq IFNAME\n"
		"       tool_wgnm_exit exit IFNAME WGPORT 4|6|46 | unexit WGPORT 4|6|46\n"
		"       tool_wgnm_exit flush WGPORT [IFNAME]\n"
		"       tool_wgnm_exit hold [masq IFNAME PREFIXES] [exit IFNAME WGPORT 4|6|46]\n"
		"       tool_wgnm_exit udp-echo PORT SECONDS\n"
		"       tool_wgnm_exit udp-ask [mark MARK] ADDR PORT SECONDS\n");
	return 64;
}

/* --- arguments ------------------------------------------------------------ */

static int parse_prefixes(const char *list, struct prefix *out, size_t *n)
{
	char buf[512], *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return -EINVAL;
	*n = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == MASQ_PREFIX_MAX || prefix_parse(&out[*n], t, NULL) < 0)
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

/* "4", "6" or "46" -> which families. */
static int parse_families(const char *s, bool *v4, bool *v6)
{
	*v4 = !strcmp(s, "4") || !strcmp(s, "46");
	*v6 = !strcmp(s, "6") || !strcmp(s, "46");
	return *v4 || *v6 ? 0 : -EINVAL;
}

static long parse_seconds(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || v <= 0 || v > 600 ? -1 : v;
}

/* --- masquerade and exit routing --------------------------------------------- */

static int do_masq(const char *ifname, const char *list)
{
	struct prefix p[MASQ_PREFIX_MAX];
	struct masq *m;
	size_t n;
	int ret;

	if (parse_prefixes(list, p, &n) < 0) {
		fprintf(stderr, "bad prefix list %s\n", list);
		return -EINVAL;
	}
	m = masq_open();
	if (!m)
		return -errno;
	ret = masq_install(m, ifname, p, n);
	masq_close(m);
	return ret;
}

static int do_unmasq(const char *ifname)
{
	struct masq *m = masq_open();
	int ret;

	if (!m)
		return -errno;
	ret = masq_remove(m, ifname);
	masq_close(m);
	return ret;
}

/* Install (ifname set) or remove (NULL) for each family asked. */
static int do_exit(const char *ifname, const char *port_s, const char *fam)
{
	struct kernel *k;
	uint16_t port;
	uint32_t id;
	unsigned idx = 0;
	bool v4, v6;
	int ret = 0;

	if (port_parse(port_s, &port) < 0 || parse_families(fam, &v4, &v6) < 0)
		return -EINVAL;
	id = kernel_exit_id(port);
	k = kernel_open();
	if (!k)
		return -errno;
	if (ifname)
		ret = kernel_link_index(k, ifname, &idx);
	for (int f = 0; f < 2 && ret == 0; f++) {
		int family = f ? AF_INET6 : AF_INET;

		if (!(f ? v6 : v4))
			continue;
		ret = ifname ? kernel_exit_route_install(k, idx, family, id, id)
			     : kernel_exit_route_remove(k, family, id, id);
	}
	kernel_close(k);
	return ret;
}

static int cmd_flush(int argc, char **argv)
{
	struct kernel *k;
	unsigned count = 0;
	uint16_t port;
	int ret;

	if (argc < 3 || argc > 4 || port_parse(argv[2], &port) < 0)
		return usage();
	k = kernel_open();
	if (!k)
		return 1;
	ret = kernel_exit_route_flush(k, kernel_exit_id(port), kernel_exit_id(port), &count);
	kernel_close(k);
	if (ret == 0 && argc == 4)
		ret = do_unmasq(argv[3]);
	if (ret < 0)
		return 1;
	printf("flushed %u\n", count);
	return 0;
}

/* What hold installed, to remove on the way out. */
struct held {
	const char *masq_if, *masq_list;
	const char *exit_if, *exit_port, *exit_fam;
};

static int hold_args(int argc, char **argv, struct held *h)
{
	for (int i = 2; i < argc;) {
		if (!strcmp(argv[i], "masq") && i + 2 < argc) {
			h->masq_if = argv[i + 1];
			h->masq_list = argv[i + 2];
			i += 3;
		} else if (!strcmp(argv[i], "exit") && i + 3 < argc) {
			h->exit_if = argv[i + 1];
			h->exit_port = argv[i + 2];
			h->exit_fam = argv[i + 3];
			i += 4;
		} else {
			return -EINVAL;
		}
	}
	return h->masq_if || h->exit_if ? 0 : -EINVAL;
}

static int cmd_hold(int argc, char **argv)
{
	struct held h = { 0 };
	sigset_t set;
	int sig = 0, ret = 0;

	if (hold_args(argc, argv, &h) < 0)
		return usage();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (h.masq_if)
		ret = do_masq(h.masq_if, h.masq_list);
	if (ret == 0 && h.exit_if)
		ret = do_exit(h.exit_if, h.exit_port, h.exit_fam);
	if (ret == 0) {
		printf("ready\n");
		fflush(stdout);
		sigwait(&set, &sig);
		fprintf(stderr, "signal %d: removing\n", sig);
	}
	/* Remove on failure too: nothing half-installed stays. */
	if (h.exit_if && do_exit(NULL, h.exit_port, h.exit_fam) < 0)
		ret = -EIO;
	if (h.masq_if && do_unmasq(h.masq_if) < 0)
		ret = -EIO;
	return ret < 0 ? 1 : 0;
}

/* --- UDP ---------------------------------------------------------------------- */

struct talk {
	uv_loop_t loop;
	uv_timer_t deadline, resend;
	struct udp *u;
	struct endpoint to;
	bool answered;
};

static void stop(struct talk *t)
{
	udp_close(t->u);
	t->u = NULL;
	uv_close((uv_handle_t *)&t->deadline, NULL);
	uv_close((uv_handle_t *)&t->resend, NULL);
}

static void on_deadline(uv_timer_t *tm)
{
	stop(tm->data);
}

static void on_echo(const uint8_t *buf, size_t len, const struct endpoint *from, void *arg)
{
	struct talk *t = arg;
	char ep[ENDPOINT_STRLEN], out[ENDPOINT_STRLEN + 8];
	int n;

	(void)buf;
	(void)len;
	n = snprintf(out, sizeof(out), "from %s", endpoint_fmt(from, ep, sizeof(ep)));
	printf("%s\n", out);
	fflush(stdout);
	if (t->u && n > 0)
		(void)udp_send(t->u, from, (const uint8_t *)out, (size_t)n);
}

static void on_answer(const uint8_t *buf, size_t len, const struct endpoint *from, void *arg)
{
	struct talk *t = arg;

	/* Any source: an echo on a host with several addresses answers from
	 * the one its route back picks, not always the one asked. */
	(void)from;
	if (!t->u)
		return;
	printf("%.*s\n", (int)len, (const char *)buf);
	t->answered = true;
	stop(t);
}

static void on_resend(uv_timer_t *tm)
{
	struct talk *t = tm->data;
	static const uint8_t ask[] = "ask";

	if (t->u)
		(void)udp_send(t->u, &t->to, ask, sizeof(ask) - 1);
}

/* The loop is initialised by the caller (so talk_finish always has one). */
static int talk_start(struct talk *t, uint16_t port, udp_recv_cb *cb, long seconds)
{
	int r;

	uv_timer_init(&t->loop, &t->deadline);
	uv_timer_init(&t->loop, &t->resend);
	t->deadline.data = t->resend.data = t;
	uv_timer_start(&t->deadline, on_deadline, (uint64_t)seconds * 1000, 0);
	r = udp_open(&t->loop, port, cb, t, &t->u);
	if (r < 0)
		stop(t);
	return r;
}

static int talk_finish(struct talk *t)
{
	uv_run(&t->loop, UV_RUN_DEFAULT);
	return uv_loop_close(&t->loop) == 0 ? 0 : -EBUSY;
}

static int cmd_echo(int argc, char **argv)
{
	struct talk t = { 0 };
	uint16_t port;
	long secs;

	if (argc != 4 || port_parse(argv[2], &port) < 0 || (secs = parse_seconds(argv[3])) < 0)
		return usage();
	if (uv_loop_init(&t.loop) < 0)
		return 1;
	if (talk_start(&t, port, on_echo, secs) == 0) {
		printf("ready\n");
		fflush(stdout);
	}
	return talk_finish(&t) == 0 ? 0 : 1;
}

static int cmd_ask(int argc, char **argv)
{
	struct talk t = { 0 };
	unsigned long mark = 0;
	int i = 2, ret = 0;
	long secs;
	char *end;

	if (argc == 7 && !strcmp(argv[2], "mark")) {
		mark = strtoul(argv[3], &end, 0);
		if (*end || mark > UINT32_MAX)
			return usage();
		i = 4;
	}
	if (argc != i + 3 || addr_parse(&t.to.addr, argv[i]) < 0 ||
	    port_parse(argv[i + 1], &t.to.port) < 0 || (secs = parse_seconds(argv[i + 2])) < 0)
		return usage();
	if (uv_loop_init(&t.loop) < 0)
		return 1;
	ret = talk_start(&t, 0, on_answer, secs);
	if (ret == 0 && mark)
		ret = udp_set_mark(t.u, (uint32_t)mark);
	if (ret == 0)
		uv_timer_start(&t.resend, on_resend, 0, 200);
	else if (t.u)
		stop(&t);
	if (ret < 0)
		fprintf(stderr, "udp-ask: %s\n", strerror(-ret));
	if (talk_finish(&t) < 0 || ret < 0)
		return 1;
	return t.answered ? 0 : 2;
}

/* --- main ------------------------------------------------------------------------- */

static int done(int ret)
{
	if (ret == -EINVAL)
		return 64;
	if (ret < 0)
		fprintf(stderr, "failed: %s\n", strerror(-ret));
	return ret < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *v = getenv("WGNM_VERBOSE");
	uint16_t port;

	if (argc < 2)
		return usage();
	log_init(v ? atoi(v) : 0, NULL, false);
	if (!strcmp(argv[1], "id") && argc == 3 && port_parse(argv[2], &port) == 0) {
		printf("mark 0x%x table %u\n", kernel_exit_id(port), kernel_exit_id(port));
		return 0;
	}
	if (!strcmp(argv[1], "masq") && argc == 4)
		return done(do_masq(argv[2], argv[3]));
	if (!strcmp(argv[1], "unmasq") && argc == 3)
		return done(do_unmasq(argv[2]));
	if (!strcmp(argv[1], "exit") && argc == 5)
		return done(do_exit(argv[2], argv[3], argv[4]));
	if (!strcmp(argv[1], "unexit") && argc == 4)
		return done(do_exit(NULL, argv[2], argv[3]));
	if (!strcmp(argv[1], "flush"))
		return cmd_flush(argc, argv);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc, argv);
	if (!strcmp(argv[1], "udp-echo"))
		return cmd_echo(argc, argv);
	if (!strcmp(argv[1], "udp-ask"))
		return cmd_ask(argc, argv);
	return usage();
}
