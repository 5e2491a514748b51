/*
 * tool_delaybridge: a userspace Ethernet bridge between two interfaces of
 * one network namespace that delays, jitters and drops frames, for a kernel
 * without netem (netns-tests/delay-lib.sh puts it on the testbed's
 * "internet"). Not installed.
 *
 *   tool_delaybridge [-d MS] [-j MS] [-l PCT] [-o] [-F] [-q FRAMES] [-b BYTES]
 *                    [-s SEED] IF1 IF2
 *
 *   -d MS      delay every frame by MS milliseconds (default 0)
 *   -j MS      plus a uniform random jitter in [-MS, +MS] (clamped at 0)
 *   -l PCT     drop PCT percent of the frames at random (0..100, decimals ok)
 *   -o         one way: delay and drop only frames from IF1 to IF2; frames
 *              from IF2 to IF1 pass at once
 *   -F         keep each direction's order (FIFO): a frame never leaves
 *              before the one received before it. Without -F every frame
 *              leaves at its own time, so jitter reorders frames, as netem
 *              does with jitter.
 *   -q FRAMES  at most FRAMES frames queued per direction (default 4096)
 *   -b BYTES   at most BYTES bytes queued per direction (default 16 MiB);
 *              a frame that does not fit is dropped and counted
 *   -s SEED    seed the random generator (default: from getrandom)
 *
 * Model. Two AF_PACKET raw sockets, one bound to each interface, each in
 * promiscuous mode and ignoring its own outgoing frames, carry every frame
 * with its virtio-net header (PACKET_VNET_HDR): a frame whose checksum the
 * sender left to offload (veth does) or a GSO super-frame keeps its
 * offload state on the way through, so it reaches the receiver valid.
 * Each received frame gets a due time now + delay + jitter (monotonic
 * clock) and goes into its direction's min-heap keyed by (due, arrival);
 * with -F the due time is raised to the previous frame's, so heap order is
 * arrival order. poll() waits for a socket or the earliest due frame, with
 * a signalfd for SIGTERM/SIGINT: on those it stops, frees every queued
 * frame and prints its counters. The interfaces must be up and carry no
 * address the kernel would answer for (they are wires, not hosts).
 *
 * Prints "ready" on stdout once both sockets listen. On exit, one line of
 * counters on stderr. Exit 0 on a signal, 1 on a socket error, 64 usage.
 */
#include <errno.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

/* virtio-net header, then the largest frame a GSO super-frame can be. */
#define DB_FRAME_MAX (sizeof(struct virtio_net_hdr) + 65536u + 64u)
#define DB_BATCH 64 /* frames read per socket per wake-up, so neither starves */

struct db_frame {
	uint64_t due_us;
	uint64_t seq;
	size_t len;
	uint8_t data[]; /* virtio_net_hdr + Ethernet frame */
};

struct db_dir {
	const char *name; /* "IF1->IF2" */
	int in_fd, out_fd;
	bool shaped; /* delay, jitter and loss apply */
	bool blocked; /* the output socket was full: wait for POLLOUT */
	struct db_frame **heap;
	size_t n, cap;
	size_t bytes;
	uint64_t last_due_us;
	uint64_t forwarded, lost, queue_full, too_big, send_err;
};

struct db_opts {
	uint64_t delay_us, jitter_us;
	uint32_t loss_ppm; /* parts per million */
	bool one_way, fifo;
	size_t max_frames, max_bytes;
	uint64_t seed;
	bool seeded;
};

static uint64_t rng_state;

/* xorshift64*: fast, good enough for jitter and loss, reproducible by seed */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(void)
{
	fprintf(stderr, "usage: tool_delaybridge [-d MS] [-j MS] [-l PCT] [-o] [-F] [-q FRAMES]\n"
			"                        [-b BYTES] [-s SEED] IF1 IF2\n");
	return 64;
}

/* parse_u64 S MAX: a decimal number in [0, MAX] or -1 with a message. */
static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "tool_delaybridge: -%s %s: expected a whole number 0..%llu\n", opt,
			s, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_loss(const char *s, uint32_t *ppm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 100.0)) {
		fprintf(stderr, "tool_delaybridge: -l %s: expected a percentage 0..100\n", s);
		return -1;
	}
	*ppm = (uint32_t)(v * 10000.0 + 0.5);
	return 0;
}

static bool frame_before(const struct db_frame *a, const struct db_frame *b)
{
	return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

static void heap_push(struct db_dir *d, struct db_frame *f)
{
	size_t i = d->n++;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!frame_before(f, d->heap[p]))
			break;
		d->heap[i] = d->heap[p];
		i = p;
	}
	d->heap[i] = f;
}

static struct db_frame *heap_pop(struct db_dir *d)
{
	struct db_frame *top = d->heap[0], *last = d->heap[--d->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= d->n)
			break;
		if (c + 1 < d->n && frame_before(d->heap[c + 1], d->heap[c]))
			c++;
		if (!frame_before(d->heap[c], last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->n > 0)
		d->heap[i] = last;
	return top;
}

static int open_port(const char *ifname, unsigned int *ifindex)
{
	struct sockaddr_ll sll = { 0 };
	struct packet_mreq mr = { 0 };
	int fd, one = 1;

	*ifindex = if_nametoindex(ifname);
	if (*ifindex == 0 || *ifindex > INT_MAX) {
		fprintf(stderr, "tool_delaybridge: %s: no such interface\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "tool_delaybridge: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	/* before bind: no frame may arrive without its header */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		fprintf(stderr, "tool_delaybridge: %s: packet socket options: %s\n", ifname,
			strerror(errno));
		goto fail;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)*ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "tool_delaybridge: bind to %s: %s\n", ifname, strerror(errno));
		goto fail;
	}
	mr.mr_ifindex = (int)*ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		fprintf(stderr, "tool_delaybridge: promiscuous mode on %s: %s\n", ifname,
			strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static uint64_t frame_delay_us(const struct db_opts *o)
{
	uint64_t span, r;

	if (o->jitter_us == 0)
		return o->delay_us;
	span = 2 * o->jitter_us + 1;
	r = rng_next() % span; /* 0 .. 2J, i.e. -J .. +J around the delay */
	if (o->delay_us + r < o->jitter_us)
		return 0;
	return o->delay_us + r - o->jitter_us;
}

/* Read up to DB_BATCH frames from d's input and queue (or drop) them. */
static int receive(struct db_dir *d, const struct db_opts *o, uint8_t *buf, uint64_t *seq)
{
	for (int k = 0; k < DB_BATCH; k++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(d->in_fd, buf, DB_FRAME_MAX, MSG_TRUNC, (struct sockaddr *)&from,
				     &fl);
		struct db_frame *f;
		uint64_t due;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			fprintf(stderr, "tool_delaybridge: %s: recv: %s\n", d->name, strerror(errno));
			return -1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n > DB_FRAME_MAX) {
			d->too_big++;
			continue;
		}
		if (d->shaped && o->loss_ppm > 0 && rng_next() % 1000000u < o->loss_ppm) {
			d->lost++;
			continue;
		}
		if (d->n >= d->cap || d->bytes + (size_t)n > o->max_bytes) {
			d->queue_full++;
			continue;
		}
		due = now_us() + (d->shaped ? frame_delay_us(o) : 0);
		if (o->fifo && due < d->last_due_us)
			due = d->last_due_us;
		f = malloc(sizeof(*f) + (size_t)n);
		if (!f) {
			d->queue_full++;
			continue;
		}
		f->due_us = due;
		f->seq = (*seq)++;
		f->len = (size_t)n;
		memcpy(f->data, buf, (size_t)n);
		d->last_due_us = due;
		d->bytes += f->len;
		heap_push(d, f);
	}
	return 0;
}

/* Send every frame of d that is due; a full socket buffer keeps the rest. */
static void transmit(struct db_dir *d, uint64_t now)
{
	while (d->n > 0 && d->heap[0]->due_us <= now) {
		struct db_frame *f = d->heap[0];

		if (send(d->out_fd, f->data, f->len, MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
				d->blocked = true; /* the rest waits for room, in order */
				return;
			}
			if (errno == EMSGSIZE)
				d->too_big++;
			else
				d->send_err++;
		} else {
			d->forwarded++;
		}
		heap_pop(d);
		d->bytes -= f->len;
		free(f);
	}
}

static int poll_timeout_ms(const struct db_dir *dirs, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < 2; i++)
		if (!dirs[i].blocked && dirs[i].n > 0 && dirs[i].heap[0]->due_us < next)
			next = dirs[i].heap[0]->due_us;
	if (next == UINT64_MAX)
		return 1000;
	if (next <= now)
		return 0;
	/* round up: waking early would only spin */
	return (int)((next - now + 999) / 1000 > 1000 ? 1000 : (next - now + 999) / 1000);
}

static void dir_free(struct db_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->heap[i]);
	free(d->heap);
	d->heap = NULL;
	d->n = 0;
}

static int parse_args(int argc, char **argv, struct db_opts *o)
{
	uint64_t v;
	int c;

	while ((c = getopt(argc, argv, "d:j:l:oFq:b:s:")) != -1) {
		switch (c) {
		case 'd':
			if (parse_u64("d", optarg, 600000, &v) < 0)
				return -1;
			o->delay_us = v * 1000u;
			break;
		case 'j':
			if (parse_u64("j", optarg, 600000, &v) < 0)
				return -1;
			o->jitter_us = v * 1000u;
			break;
		case 'l':
			if (parse_loss(optarg, &o->loss_ppm) < 0)
				return -1;
			break;
		case 'o':
			o->one_way = true;
			break;
		case 'F':
			o->fifo = true;
			break;
		case 'q':
			if (parse_u64("q", optarg, 1u << 20, &v) < 0 || v == 0)
				return -1;
			o->max_frames = (size_t)v;
			break;
		case 'b':
			if (parse_u64("b", optarg, 1ull << 32, &v) < 0 || v < DB_FRAME_MAX)
				return -1;
			o->max_bytes = (size_t)v;
			break;
		case 's':
			if (parse_u64("s", optarg, UINT64_MAX, &v) < 0)
				return -1;
			o->seed = v;
			o->seeded = true;
			break;
		default:
			return -1;
		}
	}
	return argc - optind == 2 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct db_opts o = { .max_frames = 4096, .max_bytes = 16u << 20 };
	struct db_dir dirs[2] = { { 0 } };
	char names[2][2 * IF_NAMESIZE + 3];
	unsigned int idx[2];
	int fds[2] = { -1, -1 }, sfd = -1, status = 1;
	uint8_t *buf = NULL;
	uint64_t seq = 0;
	sigset_t mask;

	if (parse_args(argc, argv, &o) < 0)
		return usage();
	if (!o.seeded && getrandom(&o.seed, sizeof(o.seed), 0) != (ssize_t)sizeof(o.seed))
		o.seed = now_us();
	rng_state = o.seed ? o.seed : 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "tool_delaybridge: signalfd: %s\n", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if ((fds[i] = open_port(argv[optind + i], &idx[i])) < 0)
			goto out;
	if (idx[0] == idx[1]) {
		fprintf(stderr, "tool_delaybridge: IF1 and IF2 are the same interface\n");
		goto out;
	}
	buf = malloc(DB_FRAME_MAX);
	if (!buf)
		goto out;
	for (int i = 0; i < 2; i++) {
		struct db_dir *d = &dirs[i];

		snprintf(names[i], sizeof(names[i]), "%s->%s", argv[optind + i],
			 argv[optind + 1 - i]);
		d->name = names[i];
		d->in_fd = fds[i];
		d->out_fd = fds[1 - i];
		d->shaped = i == 0 || !o.one_way;
		d->cap = o.max_frames;
		d->heap = calloc(d->cap, sizeof(*d->heap));
		if (!d->heap)
			goto out;
	}
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		/* fds[j] is the input of dirs[j] and the output of dirs[1 - j] */
		struct pollfd pfd[3] = {
			{ .fd = fds[0], .events = (short)(POLLIN | (dirs[1].blocked ? POLLOUT : 0)) },
			{ .fd = fds[1], .events = (short)(POLLIN | (dirs[0].blocked ? POLLOUT : 0)) },
			{ .fd = sfd, .events = POLLIN },
		};
		int r = poll(pfd, 3, poll_timeout_ms(dirs, now_us()));

		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "tool_delaybridge: poll: %s\n", strerror(errno));
			goto out;
		}
		if (r > 0 && pfd[2].revents) {
			status = 0;
			goto out;
		}
		for (int i = 0; r > 0 && i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "tool_delaybridge: %s: the interface went away\n",
					dirs[i].name);
				goto out;
			}
			if (pfd[i].revents & POLLOUT)
				dirs[1 - i].blocked = false;
			if ((pfd[i].revents & POLLIN) && receive(&dirs[i], &o, buf, &seq) < 0)
				goto out;
		}
		for (int i = 0; i < 2; i++)
			transmit(&dirs[i], now_us());
	}
out:
	for (int i = 0; i < 2; i++) {
		struct db_dir *d = &dirs[i];

		if (d->name)
			fprintf(stderr,
				"tool_delaybridge: %s: forwarded %llu, lost %llu, queue full %llu, "
				"too big %llu, send errors %llu, left in queue %zu\n",
				d->name, (unsigned long long)d->forwarded,
				(unsigned long long)d->lost, (unsigned long long)d->queue_full,
				(unsigned long long)d->too_big, (unsigned long long)d->send_err,
				d->n);
		dir_free(d);
	}
	free(buf);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (sfd >= 0)
		close(sfd);
	return status;
}
