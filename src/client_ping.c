/*
 * wg_netmanager ping NODE, as `tailscale ping` does it: how the daemon
 * reaches NODE (LAN, direct, direct through NAT, or via which gateway, and
 * why not directly), the round trip its admin port measured where NODE is
 * a neighbour, then real ICMP echoes to NODE's overlay address through the
 * WireGuard interface (icmp.h), each timed. The daemon's view is read
 * again after every answer, so a path that changes while traffic flows (a
 * hole punched because of the pings) is shown as it happens.
 *
 * Exit status: 0 if NODE answered at least one echo, 1 if not (or no
 * daemon, or no ICMP socket), 2 usage (client.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "config.h"
#include "icmp.h"
#include "status.h"

#define PING_GAP_MS 200		/* probes at least this far apart */
#define NAMES_SUGGESTED 64	/* nodes considered for "did you mean" */

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000u),
			       .tv_nsec = (long)(us % 1000000u) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The daemon's current view; 0, or -1 after saying why. */
static int fetch(int fd, struct status_snapshot *s)
{
	char *body;
	size_t len;
	int r;

	if (client_request(fd, "status tsv\n", &body, &len) < 0)
		return -1;
	r = status_parse_tsv(body, len, s);
	free(body);
	if (r < 0) {
		fprintf(stderr, "wg_netmanager ping: the daemon's status is unreadable (another "
				"version?)\n");
		return -1;
	}
	return 0;
}

/* "direct (NAT) at 203.0.113.4:50021", "via beta", "this node". */
static void describe_path(const struct status_node *n, char *buf, size_t len)
{
	char label[WIRE_NAME_MAX + 16], ep[ENDPOINT_STRLEN];

	if (n->path == STATUS_PATH_SELF) {
		snprintf(buf, len, "this node");
		return;
	}
	status_path_label(n, label, sizeof(label));
	if (status_path_is_direct(n->path) && (n->has & STATUS_HAS_ENDPOINT))
		snprintf(buf, len, "%s at %s", label, endpoint_fmt(&n->endpoint, ep, sizeof(ep)));
	else
		snprintf(buf, len, "%s", label);
}

static void no_such_node(const struct status_snapshot *s, const char *key)
{
	const char *names[NAMES_SUGGESTED + 1];
	const char *near;
	size_t n = 0;

	for (size_t i = 0; i < s->n_nodes && n < NAMES_SUGGESTED; i++)
		names[n++] = s->nodes[i].name;
	names[n] = NULL;
	near = config_closest_word(key, names);
	fprintf(stderr, "wg_netmanager ping: no node '%s' in the network%s%s%s\n", key,
		near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
}

/* What the daemon knows: path, why not direct, the admin port's round trip. */
static void print_view(const struct status_node *n)
{
	char a[ADDR_STRLEN], path[160], rtt[16];

	describe_path(n, path, sizeof(path));
	printf("%s %s: %s\n", n->name, addr_fmt(&n->id, a, sizeof(a)), path);
	if (n->reason[0])
		printf("  why: %s\n", n->reason);
	if (n->path == STATUS_PATH_SELF)
		return;
	if (n->adjacent && (n->has & STATUS_HAS_RTT))
		printf("  admin port: a neighbour, round trip %s\n",
		       status_fmt_rtt(n, rtt, sizeof(rtt)));
	else if (n->adjacent)
		printf("  admin port: a neighbour, round trip not measured yet\n");
	else
		printf("  admin port: not a neighbour (round trips are measured to neighbours only)\n");
}

struct ping_run {
	unsigned sent, answered;
	uint64_t min_us, max_us, sum_us;
};

static void fmt_ms(uint64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%02" PRIu64 " ms", us / 1000, us % 1000 / 10);
}

/* After an answer: say so if the daemon's path to the node changed. */
static void follow_path(int fd, const char *key, char *last, size_t len)
{
	struct status_snapshot s;
	const struct status_node *n;
	char path[160];

	if (fetch(fd, &s) < 0)
		return;
	n = status_find_node(&s, key);
	if (n) {
		describe_path(n, path, sizeof(path));
		if (strcmp(path, last) != 0) {
			printf("  path now: %s\n", path);
			snprintf(last, len, "%s", path);
		}
	}
	status_snapshot_free(&s);
}

static int probe(const struct client_opts *o, int fd, const struct status_node *n,
		 struct ping_run *run)
{
	bool self = n->path == STATUS_PATH_SELF;
	char a[ADDR_STRLEN], ms[32], last[160];
	struct icmp *ic = NULL;
	int r;

	addr_fmt(&n->id, a, sizeof(a));
	describe_path(n, last, sizeof(last));
	/* ourselves through lo; everyone else through the WireGuard interface only */
	r = icmp_open(!addr_is_v4(&n->id), self ? NULL : o->ifname, ICMP_ANY, &ic);
	if (r < 0) {
		fprintf(stderr, "wg_netmanager ping: no ICMP socket: %s%s\n", strerror(-r),
			r == -EPERM || r == -EACCES
				? " (needs root, or a group in net.ipv4.ping_group_range)"
				: "");
		return -1;
	}
	for (unsigned seq = 1; seq <= o->count; seq++) {
		uint64_t t0 = mono_us(), dt;

		run->sent++;
		r = icmp_send(ic, &n->id, (uint16_t)seq);
		if (r == 0)
			r = icmp_wait(ic, &n->id, (uint16_t)seq, o->wait_s * 1000u);
		dt = mono_us() - t0;
		if (r == 0) {
			fmt_ms(dt, ms, sizeof(ms));
			printf("  overlay: reply from %s: seq %u, %s\n", a, seq, ms);
			run->answered++;
			run->sum_us += dt;
			if (run->answered == 1 || dt < run->min_us)
				run->min_us = dt;
			if (dt > run->max_us)
				run->max_us = dt;
			if (!self)
				follow_path(fd, o->node, last, sizeof(last));
		} else if (r == -ETIMEDOUT) {
			printf("  overlay: seq %u: no answer within %u s\n", seq, o->wait_s);
		} else {
			printf("  overlay: seq %u: %s\n", seq, strerror(-r));
		}
		fflush(stdout);
		if (seq < o->count && mono_us() - t0 < PING_GAP_MS * 1000u)
			sleep_us(PING_GAP_MS * 1000u - (mono_us() - t0));
	}
	icmp_close(ic);
	return 0;
}

int client_ping(const struct client_opts *o)
{
	struct status_snapshot s;
	const struct status_node *found;
	struct status_node n;
	struct ping_run run = { 0 };
	char a[ADDR_STRLEN], mn[32], av[32], mx[32];
	int fd = client_connect(o, false), code = EXIT_RUNTIME;

	if (fd < 0)
		return EXIT_RUNTIME;
	if (fetch(fd, &s) < 0)
		goto out_fd;
	found = status_find_node(&s, o->node);
	if (!found) {
		no_such_node(&s, o->node);
		status_snapshot_free(&s);
		goto out_fd;
	}
	n = *found;
	status_snapshot_free(&s);
	print_view(&n);
	fflush(stdout);
	if (probe(o, fd, &n, &run) < 0)
		goto out_fd;
	addr_fmt(&n.id, a, sizeof(a));
	if (run.answered) {
		fmt_ms(run.min_us, mn, sizeof(mn));
		fmt_ms(run.sum_us / run.answered, av, sizeof(av));
		fmt_ms(run.max_us, mx, sizeof(mx));
		printf("%s answered %u of %u overlay pings: round trip min %s, avg %s, max %s\n",
		       n.name, run.answered, run.sent, mn, av, mx);
		code = 0;
	} else {
		printf("%s did not answer: 0 of %u overlay pings\n", n.name, run.sent);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		code = EXIT_RUNTIME;
out_fd:
	close(fd);
	return code;
}
