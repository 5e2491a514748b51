/*
 * tool_wgnm_backend: drives the kernel and wgdev backends from shell
 * scripts (netns-tests/10-backend.sh). Not installed.
 *
 *   up IFNAME ADDR/LEN PRIVKEY_FILE LISTEN_PORT [ADDR6/LEN]
 *       create the interface with the backend WG_BACKEND asks for
 *       (auto|kernel|userspace), set key, port, MTU, address, forwarding,
 *       bring it up, print "ready ..." and hold it until SIGTERM/SIGINT,
 *       then close it (deleting the link / stopping the child).
 *   peer IFNAME PUBKEY [endpoint EP] [keepalive N] [allowed-ips P[,P...]]
 *       [replace-allowed-ips] [update-only] [remove]
 *   show IFNAME            get-device, one line per peer
 *   fwmark IFNAME MARK     set the device's fwmark (0 clears it)
 *   route-add IFNAME PREFIX | route-del IFNAME PREFIX
 *   flush-routes [IFNAME]
 *   addrs [SKIP_IFNAME]    the local address dump
 *   watch-addrs SECONDS [COUNT]
 *       print "ready", then address and link events until COUNT address
 *       events were seen (exit 0) or SECONDS passed (exit 2).
 *
 * WGNM_VERBOSE=N raises the log level. Exit 0 ok, 1 failure, 64 usage.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "kernel.h"
#include "log.h"
#include "wgdev.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tool_wgnm_backend up IFNAME ADDR/LEN PRIVKEY_FILE PORT [ADDR6/LEN]\n"
		"       tool_wgnm_backend peer IFNAME PUBKEY [endpoint EP] [keepalive N]\n"
		"                         [allowed-ips P,...] [replace-allowed-ips] [update-only] [remove]\n"
		"       tool_wgnm_backend show IFNAME\n"
		"       tool_wgnm_backend fwmark IFNAME MARK\n"
		"       tool_wgnm_backend route-add|route-del IFNAME PREFIX\n"
		"       tool_wgnm_backend flush-routes [IFNAME]\n"
		"       tool_wgnm_backend addrs [SKIP_IFNAME]\n"
		"       tool_wgnm_backend watch-addrs SECONDS [COUNT]\n");
	return 64;
}

static int key_from_b64(const char *s, uint8_t key[WGDEV_KEY_LEN])
{
	size_t len = 0;

	if (sodium_base642bin(key, WGDEV_KEY_LEN, s, strlen(s), " \t\r\n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != WGDEV_KEY_LEN)
		return -EINVAL;
	return 0;
}

static void key_to_b64(const uint8_t key[WGDEV_KEY_LEN], char *out, size_t len)
{
	sodium_bin2base64(out, len, key, WGDEV_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static int read_key_file(const char *path, uint8_t key[WGDEV_KEY_LEN])
{
	char buf[128];
	size_t n;
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ret = key_from_b64(buf, key);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

/* "a.b.c.d/len" keeping the host bits (prefix_parse clears them). */
static int addr_plen_parse(const char *s, struct addr *a, uint8_t *plen)
{
	char buf[ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	char *end;
	long l;

	if (!slash || (size_t)(slash - s) >= ADDR_STRLEN)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (addr_parse(a, buf) < 0)
		return -EINVAL;
	l = strtol(slash + 1, &end, 10);
	if (*end || l < 0 || l > (addr_is_v4(a) ? 32 : 128))
		return -EINVAL;
	*plen = (uint8_t)l;
	return 0;
}

static enum wgdev_backend backend_pref(void)
{
	const char *s = getenv("WG_BACKEND");
	enum wgdev_backend b = WGDEV_BACKEND_AUTO;

	if (s && *s && wgdev_backend_parse(s, &b) < 0)
		fprintf(stderr, "ignoring WG_BACKEND=%s\n", s);
	return b;
}

static int cmd_up(int argc, char **argv)
{
	const char *ifname;
	struct wgdev_device dev = { 0 };
	struct wgdev *wg = NULL;
	struct kernel *k = NULL;
	struct addr a4, a6;
	uint8_t p4, p6 = 0;
	bool have6 = argc > 6;
	sigset_t set;
	int sfd = -1, ret = 1;

	if (argc < 6 || argc > 7)
		return usage();
	ifname = argv[2];
	if (addr_plen_parse(argv[3], &a4, &p4) < 0 || (have6 && addr_plen_parse(argv[6], &a6, &p6) < 0) ||
	    port_parse(argv[5], &dev.listen_port) < 0) {
		fprintf(stderr, "bad address or port\n");
		return 64;
	}
	if (read_key_file(argv[4], dev.private_key) < 0) {
		fprintf(stderr, "cannot read a base64 key from %s\n", argv[4]);
		return 1;
	}
	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;

	/* Blocked before the child is forked; it resets its own mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		goto out;

	if (wgdev_open(ifname, backend_pref(), false, &wg) < 0)
		goto out;
	if (wgdev_set(wg, &dev) < 0)
		goto out;
	k = kernel_open();
	if (!k)
		goto out;
	if (kernel_link_set_mtu(k, wgdev_ifindex(wg), 1420) < 0 ||
	    kernel_addr_add(k, wgdev_ifindex(wg), &a4, p4) < 0 ||
	    (have6 && kernel_addr_add(k, wgdev_ifindex(wg), &a6, p6) < 0) ||
	    kernel_link_set_up(k, wgdev_ifindex(wg), true) < 0 ||
	    kernel_forwarding_enable(ifname, false) < 0)
		goto out;
	kernel_close(k);
	k = NULL;

	printf("ready backend=%s ifindex=%u pid=%d\n", wgdev_backend_name(wgdev_backend_of(wg)),
	       wgdev_ifindex(wg), (int)wgdev_child_pid(wg));
	fflush(stdout);

	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = wgdev_child_pidfd(wg), .events = POLLIN } };
		int n = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				fprintf(stderr, "signal %u: closing %s\n", si.ssi_signo, ifname);
			ret = 0;
			break;
		}
		if (pfd[1].revents && wgdev_child_check(wg, NULL) == 1) {
			fprintf(stderr, "userspace WireGuard exited\n");
			goto out;
		}
	}
out:
	sodium_memzero(&dev, sizeof(dev));
	kernel_close(k);
	wgdev_close(wg, true);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

static int split_prefixes(char *list, struct prefix **out, size_t *n)
{
	size_t cap = 1;
	char *save = NULL;

	for (const char *c = list; *c; c++)
		cap += *c == ',';
	*out = calloc(cap, sizeof(**out));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (prefix_parse(&(*out)[(*n)++], t, NULL) < 0)
			return -EINVAL;
	return 0;
}

static int cmd_peer(int argc, char **argv)
{
	struct wgdev_peer peer = { 0 };
	struct wgdev_device dev = { .peers = &peer, .n_peers = 1 };
	struct wgdev *wg = NULL;
	int ret = 1;

	if (argc < 4)
		return usage();
	if (key_from_b64(argv[3], peer.public_key) < 0) {
		fprintf(stderr, "bad public key\n");
		return 64;
	}
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "endpoint") && i + 1 < argc) {
			char host[ENDPOINT_HOST_MAX + 1];
			const char *why = "";
			if (endpoint_split(argv[++i], host, sizeof(host), &peer.endpoint.port, &why) < 0 ||
			    addr_parse(&peer.endpoint.addr, host) < 0) {
				fprintf(stderr, "bad endpoint %s %s\n", argv[i], why);
				goto out;
			}
			peer.flags |= WGDEV_PEER_HAS_ENDPOINT;
		} else if (!strcmp(argv[i], "keepalive") && i + 1 < argc) {
			peer.keepalive = (uint16_t)atoi(argv[++i]);
			peer.flags |= WGDEV_PEER_HAS_KEEPALIVE;
		} else if (!strcmp(argv[i], "allowed-ips") && i + 1 < argc) {
			if (split_prefixes(argv[++i], &peer.allowed_ips, &peer.n_allowed_ips) < 0) {
				fprintf(stderr, "bad allowed-ips\n");
				goto out;
			}
		} else if (!strcmp(argv[i], "replace-allowed-ips")) {
			peer.flags |= WGDEV_PEER_REPLACE_ALLOWEDIPS;
		} else if (!strcmp(argv[i], "update-only")) {
			peer.flags |= WGDEV_PEER_UPDATE_ONLY;
		} else if (!strcmp(argv[i], "remove")) {
			peer.flags |= WGDEV_PEER_REMOVE;
		} else {
			ret = usage();
			goto out;
		}
	}
	if (wgdev_open(argv[2], backend_pref(), true, &wg) < 0)
		goto out;
	if (wgdev_set(wg, &dev) == 0)
		ret = 0;
out:
	wgdev_close(wg, false);
	free(peer.allowed_ips);
	return ret;
}

static int cmd_show(int argc, char **argv)
{
	struct wgdev_device *dev = NULL;
	struct wgdev *wg = NULL;
	char b64[64], ep[ENDPOINT_STRLEN], pf[ADDR_STRLEN + 8];
	int ret = 1;

	if (argc != 3)
		return usage();
	if (wgdev_open(argv[2], backend_pref(), true, &wg) < 0 || wgdev_get(wg, &dev) < 0)
		goto out;
	key_to_b64(dev->public_key, b64, sizeof(b64));
	printf("interface %s backend %s ifindex %u fwmark 0x%x listen_port %u public_key %s\n",
	       argv[2], wgdev_backend_name(wgdev_backend_of(wg)), wgdev_ifindex(wg),
	       (dev->flags & WGDEV_HAS_FWMARK) ? dev->fwmark : 0, dev->listen_port,
	       (dev->flags & WGDEV_HAS_PUBLIC_KEY) ? b64 : "(none)");
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct wgdev_peer *p = &dev->peers[i];

		key_to_b64(p->public_key, b64, sizeof(b64));
		printf("peer %s endpoint %s handshake %lld rx %llu tx %llu keepalive %u allowed ", b64,
		       (p->flags & WGDEV_PEER_HAS_ENDPOINT) ? endpoint_fmt(&p->endpoint, ep, sizeof(ep))
							    : "(none)",
		       (long long)p->last_handshake_sec, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_bytes, p->keepalive);
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			printf("%s%s", j ? "," : "", prefix_fmt(&p->allowed_ips[j], pf, sizeof(pf)));
		printf("%s\n", p->n_allowed_ips ? "" : "(none)");
	}
	ret = 0;
out:
	wgdev_device_free(dev);
	wgdev_close(wg, false);
	return ret;
}

static int cmd_fwmark(int argc, char **argv)
{
	struct wgdev *wg = NULL;
	unsigned long mark;
	char *end;
	int ret = 1;

	if (argc != 4)
		return usage();
	mark = strtoul(argv[3], &end, 0);
	if (*end || mark > UINT32_MAX)
		return usage();
	if (wgdev_open(argv[2], backend_pref(), true, &wg) == 0 &&
	    wgdev_set_fwmark(wg, (uint32_t)mark) == 0)
		ret = 0;
	wgdev_close(wg, false);
	return ret;
}

static int cmd_route(int argc, char **argv, bool add)
{
	struct kernel *k;
	struct prefix pf;
	unsigned idx;
	int ret = 1;

	if (argc != 4)
		return usage();
	if (prefix_parse(&pf, argv[3], NULL) < 0) {
		fprintf(stderr, "bad prefix %s\n", argv[3]);
		return 64;
	}
	k = kernel_open();
	if (!k)
		return 1;
	if (kernel_link_index(k, argv[2], &idx) == 0 &&
	    (add ? kernel_route_replace(k, idx, &pf) : kernel_route_del(k, idx, &pf)) == 0)
		ret = 0;
	kernel_close(k);
	return ret;
}

static int cmd_flush(int argc, char **argv)
{
	struct kernel *k = kernel_open();
	unsigned idx = 0, count = 0;
	int ret = 1;

	if (!k)
		return 1;
	if (argc > 2 && kernel_link_index(k, argv[2], &idx) < 0)
		goto out;
	if (kernel_route_flush(k, idx, &count) == 0) {
		printf("flushed %u\n", count);
		ret = 0;
	}
out:
	kernel_close(k);
	return ret;
}

static int cmd_addrs(int argc, char **argv)
{
	struct kernel *k = kernel_open();
	struct kernel_addr *v = NULL;
	unsigned skip = 0;
	size_t n = 0;
	char a[ADDR_STRLEN];
	int ret = 1;

	if (!k)
		return 1;
	if (argc > 2 && kernel_link_index(k, argv[2], &skip) < 0)
		goto out;
	if (kernel_addrs_dump(k, skip, &v, &n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		printf("addr %u %s/%u\n", v[i].ifindex, addr_fmt(&v[i].addr, a, sizeof(a)), v[i].plen);
	ret = 0;
out:
	free(v);
	kernel_close(k);
	return ret;
}

struct watch {
	unsigned seen;
};

static void on_event(const struct kernel_event *e, void *arg)
{
	struct watch *w = arg;
	char a[ADDR_STRLEN];

	switch (e->type) {
	case KERNEL_EVENT_ADDR_ADD:
	case KERNEL_EVENT_ADDR_DEL:
		printf("%s %u %s/%u\n", e->type == KERNEL_EVENT_ADDR_ADD ? "add" : "del", e->ifindex,
		       addr_fmt(&e->addr, a, sizeof(a)), e->plen);
		w->seen++;
		break;
	case KERNEL_EVENT_LINK_UP:
	case KERNEL_EVENT_LINK_DOWN:
	case KERNEL_EVENT_LINK_DEL:
		printf("link-%s %u %s\n",
		       e->type == KERNEL_EVENT_LINK_UP ? "up" : e->type == KERNEL_EVENT_LINK_DOWN ? "down" : "del",
		       e->ifindex, e->ifname);
		break;
	}
	fflush(stdout);
}

static int cmd_watch(int argc, char **argv)
{
	struct kernel_events *ev;
	struct watch w = { 0 };
	struct timespec start, now;
	long secs, count;
	int ret = 2;

	if (argc < 3 || argc > 4)
		return usage();
	secs = strtol(argv[2], NULL, 10);
	count = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
	if (secs <= 0 || secs > 600 || count <= 0)
		return usage();
	ev = kernel_events_open();
	if (!ev) {
		perror("event socket");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = kernel_events_fd(ev), .events = POLLIN };
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = secs * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
				      (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) > 0 &&
		    kernel_events_read(ev, on_event, &w) == -ENOBUFS)
			printf("overflow\n");
		if (w.seen >= (unsigned long)count) {
			ret = 0;
			break;
		}
	}
	kernel_events_close(ev);
	return ret;
}

int main(int argc, char **argv)
{
	const char *v = getenv("WGNM_VERBOSE");

	if (argc < 2)
		return usage();
	if (sodium_init() < 0)
		return 1;
	log_init(v ? atoi(v) : 0, NULL, false);
	if (!strcmp(argv[1], "up"))
		return cmd_up(argc, argv);
	if (!strcmp(argv[1], "peer"))
		return cmd_peer(argc, argv);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc, argv);
	if (!strcmp(argv[1], "fwmark"))
		return cmd_fwmark(argc, argv);
	if (!strcmp(argv[1], "route-add"))
		return cmd_route(argc, argv, true);
	if (!strcmp(argv[1], "route-del"))
		return cmd_route(argc, argv, false);
	if (!strcmp(argv[1], "flush-routes"))
		return cmd_flush(argc, argv);
	if (!strcmp(argv[1], "addrs"))
		return cmd_addrs(argc, argv);
	if (!strcmp(argv[1], "watch-addrs"))
		return cmd_watch(argc, argv);
	return usage();
}
