/*
 * Userspace WireGuard through the cross-platform UAPI socket, and the
 * choice between it and the kernel backend (wgdev_genl.c).
 *
 * The UAPI protocol is line-based text on a unix stream socket,
 * /var/run/wireguard/IFNAME.sock: a request "set=1\n" or "get=1\n"
 * followed by key=value lines and a blank line; the reply is key=value
 * lines ending with "errno=N" and a blank line. Every exchange has one
 * deadline, so a wedged implementation cannot stall the daemon's loop for
 * more than UAPI_TIMEOUT_MS.
 *
 * When the kernel cannot make a "wireguard" link we start an
 * implementation ourselves, in the foreground, as our child: its own
 * process group (a ^C on the terminal is the daemon's to handle), and
 * PR_SET_PDEATHSIG so it cannot outlive a crashed daemon and hold the
 * interface. Its exit is ours to reap (wgdev_child_check()).
 */
#include "wgdev_uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"
#include "wgdev_child.h"
#include "wgdev_device.h"
#include "wgdev_genl.h"

#define UAPI_TIMEOUT_MS 2000
/* A get reply is ~150 bytes per peer plus ~40 per allowed IP. */
#define UAPI_REPLY_MAX (16u << 20)
#define UAPI_VALUE_MAX 128
#define MAX_ERRNO 4095

struct wgdev {
	enum wgdev_backend backend;     /* KERNEL or USERSPACE once open */
	char ifname[WGDEV_IFNAMSIZ];
	unsigned ifindex;
	struct wgdev_genl *wk;
	struct wgdev_child child;       /* USERSPACE: the one we started, if any */
};

static const char install_hint[] =
	"install the wireguard kernel module, or wireguard-go / boringtun";

/* --- small helpers ---------------------------------------------------- */

int wgdev_backend_parse(const char *s, enum wgdev_backend *out)
{
	if (!strcmp(s, "auto"))
		*out = WGDEV_BACKEND_AUTO;
	else if (!strcmp(s, "kernel"))
		*out = WGDEV_BACKEND_KERNEL;
	else if (!strcmp(s, "userspace"))
		*out = WGDEV_BACKEND_USERSPACE;
	else
		return -EINVAL;
	return 0;
}

const char *wgdev_backend_name(enum wgdev_backend b)
{
	switch (b) {
	case WGDEV_BACKEND_AUTO:
		return "auto";
	case WGDEV_BACKEND_KERNEL:
		return "kernel";
	case WGDEV_BACKEND_USERSPACE:
		return "userspace";
	}
	return "?";
}

int wgdev_uapi_path(const char *ifname, char *buf, size_t len)
{
	int n;

	if (!wgdev_device_ifname_ok(ifname))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", WGDEV_UAPI_DIR, ifname);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- building a set request -------------------------------------------- */

struct strbuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->overflow = true;
		return;
	}
	sb->len += (size_t)n;
}

static void sb_key_hex(struct strbuf *sb, const char *key, const uint8_t k[WGDEV_KEY_LEN])
{
	char hex[WGDEV_KEY_LEN * 2 + 1];

	sodium_bin2hex(hex, sizeof(hex), k, WGDEV_KEY_LEN);
	sb_printf(sb, "%s=%s\n", key, hex);
	sodium_memzero(hex, sizeof(hex));
}

int wgdev_uapi_build_set(const struct wgdev_device *dev, char **out, size_t *len)
{
	struct strbuf sb = { 0 };
	char tmp[ADDR_STRLEN + 8];

	/* Sized up front: growing with realloc would leave copies of the
	 * private key in freed memory. */
	sb.cap = 256 + 8;
	for (size_t i = 0; i < dev->n_peers; i++)
		sb.cap += 256 + dev->peers[i].n_allowed_ips * 64;
	sb.p = malloc(sb.cap);
	if (!sb.p)
		return -ENOMEM;
	sb_printf(&sb, "set=1\n");
	if (dev->flags & WGDEV_HAS_PRIVATE_KEY)
		sb_key_hex(&sb, "private_key", dev->private_key);
	if (dev->flags & WGDEV_HAS_LISTEN_PORT)
		sb_printf(&sb, "listen_port=%u\n", dev->listen_port);
	if (dev->flags & WGDEV_REPLACE_PEERS)
		sb_printf(&sb, "replace_peers=true\n");
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct wgdev_peer *p = &dev->peers[i];

		sb_key_hex(&sb, "public_key", p->public_key);
		if (p->flags & WGDEV_PEER_REMOVE) {
			sb_printf(&sb, "remove=true\n");
			continue;
		}
		if (p->flags & WGDEV_PEER_UPDATE_ONLY)
			sb_printf(&sb, "update_only=true\n");
		if (p->flags & WGDEV_PEER_HAS_ENDPOINT)
			sb_printf(&sb, "endpoint=%s\n", endpoint_fmt(&p->endpoint, tmp, sizeof(tmp)));
		if (p->flags & WGDEV_PEER_HAS_KEEPALIVE)
			sb_printf(&sb, "persistent_keepalive_interval=%u\n", p->keepalive);
		if (p->flags & WGDEV_PEER_REPLACE_ALLOWEDIPS)
			sb_printf(&sb, "replace_allowed_ips=true\n");
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			sb_printf(&sb, "allowed_ip=%s\n",
				  prefix_fmt(&p->allowed_ips[j], tmp, sizeof(tmp)));
	}
	sb_printf(&sb, "\n");
	if (sb.overflow) {
		sodium_memzero(sb.p, sb.cap);
		free(sb.p);
		return -EMSGSIZE;
	}
	*out = sb.p;
	*len = sb.len;
	return 0;
}

/* --- parsing a get reply ------------------------------------------------ */

static bool key_is(const char *k, size_t klen, const char *want)
{
	return strlen(want) == klen && memcmp(k, want, klen) == 0;
}

/* Decimal without sign or spaces, at most max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_key(const char *s, uint8_t key[WGDEV_KEY_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (strlen(s) != WGDEV_KEY_LEN * 2 ||
	    sodium_hex2bin(key, WGDEV_KEY_LEN, s, WGDEV_KEY_LEN * 2, NULL, &bin_len, &end) != 0 ||
	    bin_len != WGDEV_KEY_LEN || end != s + WGDEV_KEY_LEN * 2)
		return -EINVAL;
	return 0;
}

/* "a.b.c.d:port" or "[v6]:port", the v6 form possibly with a %scope. */
static int parse_endpoint(char *s, struct endpoint *ep)
{
	char *host = s, *port;

	if (*s == '[') {
		char *close = strchr(s, ']');
		char *pct;

		if (!close || close[1] != ':')
			return -EINVAL;
		host = s + 1;
		*close = '\0';
		port = close + 2;
		pct = strchr(host, '%');
		if (pct)
			*pct = '\0';
	} else {
		char *colon = strrchr(s, ':');

		if (!colon)
			return -EINVAL;
		*colon = '\0';
		port = colon + 1;
	}
	if (addr_parse(&ep->addr, host) < 0 || port_parse(port, &ep->port) < 0)
		return -EINVAL;
	return 0;
}

static int peer_line(struct wgdev_peer *p, const char *k, size_t klen, char *v)
{
	uint64_t n;

	if (key_is(k, klen, "endpoint")) {
		if (parse_endpoint(v, &p->endpoint) < 0)
			return -EINVAL;
		p->flags |= WGDEV_PEER_HAS_ENDPOINT;
	} else if (key_is(k, klen, "persistent_keepalive_interval")) {
		if (parse_u64(v, UINT16_MAX, &n) < 0)
			return -EINVAL;
		p->keepalive = (uint16_t)n;
		p->flags |= WGDEV_PEER_HAS_KEEPALIVE;
	} else if (key_is(k, klen, "last_handshake_time_sec")) {
		if (parse_u64(v, INT64_MAX, &n) < 0)
			return -EINVAL;
		p->last_handshake_sec = (int64_t)n;
	} else if (key_is(k, klen, "last_handshake_time_nsec")) {
		if (parse_u64(v, 999999999, &n) < 0)
			return -EINVAL;
		p->last_handshake_nsec = (int64_t)n;
	} else if (key_is(k, klen, "rx_bytes")) {
		if (parse_u64(v, UINT64_MAX, &p->rx_bytes) < 0)
			return -EINVAL;
	} else if (key_is(k, klen, "tx_bytes")) {
		if (parse_u64(v, UINT64_MAX, &p->tx_bytes) < 0)
			return -EINVAL;
	} else if (key_is(k, klen, "allowed_ip")) {
		struct prefix pf;

		if (prefix_parse(&pf, v, NULL) < 0)
			return -EINVAL;
		return wgdev_device_add_allowed_ip(p, &pf);
	}
	/* preshared_key, protocol_version and keys newer than us: ignored. */
	return 0;
}

int wgdev_uapi_parse_get(const char *buf, size_t len, struct wgdev_device **out)
{
	struct wgdev_device *dev = calloc(1, sizeof(*dev));
	struct wgdev_peer *peer = NULL;
	char v[UAPI_VALUE_MAX];
	bool have_errno = false, ended = false;
	uint64_t err = 0;
	size_t off = 0;
	int ret = 0;

	if (!dev)
		return -ENOMEM;
	while (off < len && !ended) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off), *eq;
		size_t llen, klen, vlen;

		if (!nl) {
			ret = -EPROTO;  /* truncated */
			break;
		}
		llen = (size_t)(nl - line);
		off += llen + 1;
		if (llen == 0) {
			ended = true;
			break;
		}
		eq = memchr(line, '=', llen);
		if (!eq || eq == line) {
			ret = -EPROTO;
			break;
		}
		klen = (size_t)(eq - line);
		vlen = llen - klen - 1;
		if (vlen >= sizeof(v) || memchr(eq + 1, '\0', vlen)) {
			ret = -EINVAL;
			break;
		}
		memcpy(v, eq + 1, vlen);
		v[vlen] = '\0';

		if (key_is(line, klen, "errno")) {
			/* wireguard-go writes the errno negated, the protocol
			 * text has it positive: take either. */
			if (parse_u64(v[0] == '-' ? v + 1 : v, MAX_ERRNO, &err) < 0) {
				ret = -EPROTO;
				break;
			}
			have_errno = true;
		} else if (key_is(line, klen, "public_key")) {
			peer = wgdev_device_add_peer(dev);
			if (!peer) {
				ret = -ENOMEM;
				break;
			}
			if (parse_key(v, peer->public_key) < 0)
				ret = -EINVAL;
		} else if (key_is(line, klen, "private_key") || key_is(line, klen, "listen_port") ||
			   key_is(line, klen, "fwmark")) {
			uint64_t n;

			/* Device keys come before the first peer. */
			if (peer) {
				ret = -EPROTO;
			} else if (line[0] == 'p') {
				if (parse_key(v, dev->private_key) < 0)
					ret = -EINVAL;
				else
					dev->flags |= WGDEV_HAS_PRIVATE_KEY;
			} else if (line[0] == 'l') {
				if (parse_u64(v, UINT16_MAX, &n) < 0) {
					ret = -EINVAL;
				} else {
					dev->listen_port = (uint16_t)n;
					dev->flags |= WGDEV_HAS_LISTEN_PORT;
				}
			} else if (parse_u64(v, UINT32_MAX, &n) < 0) {
				ret = -EINVAL;
			}
		} else if (peer) {
			ret = peer_line(peer, line, klen, v);
		}
		sodium_memzero(v, sizeof(v));
		if (ret < 0)
			break;
	}
	if (ret == 0 && (!have_errno || !ended))
		ret = -EPROTO;
	if (ret == 0 && err != 0)
		ret = -(int)err;
	if (ret < 0) {
		wgdev_device_free(dev);
		return ret;
	}
	if (dev->flags & WGDEV_HAS_PRIVATE_KEY) {
		/* UAPI gives only the private key; derive what the kernel
		 * would have told us. */
		if (crypto_scalarmult_base(dev->public_key, dev->private_key) == 0)
			dev->flags |= WGDEV_HAS_PUBLIC_KEY;
	}
	*out = dev;
	return 0;
}

/* --- socket I/O ------------------------------------------------------------ */

static int uapi_connect(const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	ret = wgdev_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static bool uapi_present(const char *ifname)
{
	int fd = uapi_connect(ifname);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool wgdev_uapi_answers(const char *ifname)
{
	return uapi_present(ifname);
}

int wgdev_uapi_owner(const char *ifname, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = uapi_connect(ifname), ret = 0;

	if (fd < 0)
		return fd;
	/* the credentials of the process that called listen() */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		ret = -errno;
	else
		*pid = cred.pid;
	close(fd);
	return ret;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

/* Grow without realloc: the old buffer may hold a private key. */
static int grow(char **buf, size_t *cap, size_t len)
{
	size_t ncap = *cap ? *cap * 2 : 4096;
	char *n;

	if (ncap > UAPI_REPLY_MAX)
		return -EMSGSIZE;
	n = malloc(ncap);
	if (!n)
		return -ENOMEM;
	if (*buf) {
		memcpy(n, *buf, len);
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = n;
	*cap = ncap;
	return 0;
}

/*
 * Send req and read the reply up to its terminating blank line. *reply
 * is malloc'ed (wipe and free it).
 */
static int uapi_transact(const char *ifname, const char *req, size_t reqlen, char **reply,
			 size_t *replylen)
{
	int64_t deadline = now_ms() + UAPI_TIMEOUT_MS;
	char *buf = NULL;
	size_t len = 0, cap = 0, sent = 0;
	int fd, ret = 0;

	fd = uapi_connect(ifname);
	if (fd < 0)
		return fd;
	while (sent < reqlen) {
		ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_fd(fd, POLLOUT, deadline);
			if (ret < 0)
				goto out;
			continue;
		}
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		sent += (size_t)n;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap && (ret = grow(&buf, &cap, len)) < 0)
			goto out;
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ret = wait_fd(fd, POLLIN, deadline);
			if (ret < 0)
				goto out;
			continue;
		}
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if ((len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n') ||
		    (len == 1 && buf[0] == '\n'))
			break;
	}
	buf[len] = '\0';
	*reply = buf;
	*replylen = len;
	buf = NULL;
out:
	if (buf) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	close(fd);
	if (ret == -ETIMEDOUT)
		log_warnx("%s: no answer on the UAPI socket within %d ms", ifname, UAPI_TIMEOUT_MS);
	return ret;
}

int wgdev_uapi_set(const char *ifname, const struct wgdev_device *dev)
{
	struct wgdev_device *r = NULL;
	char *req = NULL, *reply = NULL;
	size_t reqlen = 0, replylen = 0;
	int ret;

	ret = wgdev_uapi_build_set(dev, &req, &reqlen);
	if (ret < 0)
		return ret;
	ret = uapi_transact(ifname, req, reqlen, &reply, &replylen);
	sodium_memzero(req, reqlen);
	free(req);
	if (ret < 0)
		return ret;
	ret = wgdev_uapi_parse_get(reply, replylen, &r);
	free(reply);
	wgdev_device_free(r);
	if (ret < 0)
		log_warnx("configuring WireGuard on %s: %s", ifname, strerror(-ret));
	return ret;
}

int wgdev_uapi_get(const char *ifname, struct wgdev_device **out)
{
	static const char req[] = "get=1\n\n";
	char *reply = NULL;
	size_t replylen = 0;
	int ret;

	ret = uapi_transact(ifname, req, sizeof(req) - 1, &reply, &replylen);
	if (ret < 0)
		return ret;
	ret = wgdev_uapi_parse_get(reply, replylen, out);
	sodium_memzero(reply, replylen);
	free(reply);
	if (ret < 0)
		log_warnx("reading WireGuard state of %s: %s", ifname, strerror(-ret));
	return ret;
}

/* --- choosing and dispatching --------------------------------------------- */

static int link_index(const char *ifname, unsigned *ifindex)
{
	struct kernel *k = kernel_open();
	int ret;

	if (!k)
		return -errno;
	ret = kernel_link_index(k, ifname, ifindex);
	kernel_close(k);
	return ret;
}

static int open_existing(struct wgdev *wg, enum wgdev_backend pref)
{
	bool sock = uapi_present(wg->ifname);
	int ret;

	if (sock && pref != WGDEV_BACKEND_KERNEL) {
		wg->backend = WGDEV_BACKEND_USERSPACE;
		ret = link_index(wg->ifname, &wg->ifindex);
		if (ret < 0)
			log_warnx("%s: UAPI socket present but no such interface here: %s", wg->ifname,
				  strerror(-ret));
		return ret;
	}
	if (pref == WGDEV_BACKEND_USERSPACE) {
		log_warnx("%s: no userspace WireGuard is serving it (no %s/%s.sock)", wg->ifname,
			  WGDEV_UAPI_DIR, wg->ifname);
		return -ENODEV;
	}
	wg->backend = WGDEV_BACKEND_KERNEL;
	ret = wgdev_genl_open(wg->ifname, false, &wg->wk);
	if (ret == -ENODEV)
		log_warnx("%s: no such interface", wg->ifname);
	else if (ret < 0)
		log_warnx("%s: not a WireGuard interface we can reach (%s); %s", wg->ifname,
			  strerror(-ret), install_hint);
	else
		wg->ifindex = wgdev_genl_ifindex(wg->wk);
	return ret;
}

static int open_new(struct wgdev *wg, enum wgdev_backend pref)
{
	unsigned idx;
	int ret;

	if (pref != WGDEV_BACKEND_USERSPACE) {
		ret = wgdev_genl_open(wg->ifname, true, &wg->wk);
		if (ret == 0) {
			wg->backend = WGDEV_BACKEND_KERNEL;
			wg->ifindex = wgdev_genl_ifindex(wg->wk);
			return 0;
		}
		if (ret == -EEXIST) {
			log_debug("%s: interface already exists", wg->ifname);
			return ret;
		}
		if (ret == -EPERM || ret == -EACCES) {
			log_warnx("%s: cannot create an interface: %s; needs root (CAP_NET_ADMIN)",
				  wg->ifname, strerror(-ret));
			return ret;
		}
		if (pref == WGDEV_BACKEND_KERNEL) {
			log_warnx("%s: cannot create a kernel WireGuard interface: %s; %s",
				  wg->ifname, strerror(-ret), install_hint);
			return ret;
		}
		log_info("%s: no kernel WireGuard (%s); trying a userspace implementation",
			 wg->ifname, strerror(-ret));
	}
	if (link_index(wg->ifname, &idx) == 0 || uapi_present(wg->ifname)) {
		log_debug("%s: interface already exists", wg->ifname);
		return -EEXIST;
	}
	ret = wgdev_child_start(&wg->child);
	if (ret < 0) {
		log_warnx("%s: no WireGuard implementation could create it; %s", wg->ifname,
			  install_hint);
		return ret;
	}
	wg->backend = WGDEV_BACKEND_USERSPACE;
	ret = link_index(wg->ifname, &wg->ifindex);
	if (ret < 0) {
		log_warnx("%s: userspace WireGuard runs but the interface is missing: %s", wg->ifname,
			  strerror(-ret));
		wgdev_child_stop(&wg->child);
	}
	return ret;
}

int wgdev_open(const char *ifname, enum wgdev_backend pref, bool existing, struct wgdev **out)
{
	struct wgdev *wg;
	int ret;

	if (!wgdev_device_ifname_ok(ifname))
		return -EINVAL;
	wg = calloc(1, sizeof(*wg));
	if (!wg)
		return -ENOMEM;
	snprintf(wg->ifname, sizeof(wg->ifname), "%s", ifname);
	wgdev_child_init(&wg->child, ifname);
	ret = existing ? open_existing(wg, pref) : open_new(wg, pref);
	if (ret < 0) {
		wgdev_genl_close(wg->wk, false);
		free(wg);
		return ret;
	}
	log_info("%s: WireGuard backend %s%s", ifname, wgdev_backend_name(wg->backend),
		 existing ? " (existing interface)" : "");
	*out = wg;
	return 0;
}

int wgdev_set(struct wgdev *wg, const struct wgdev_device *dev)
{
	if (wg->backend == WGDEV_BACKEND_KERNEL)
		return wgdev_genl_set(wg->wk, dev);
	return wgdev_uapi_set(wg->ifname, dev);
}

int wgdev_get(struct wgdev *wg, struct wgdev_device **out)
{
	if (wg->backend == WGDEV_BACKEND_KERNEL)
		return wgdev_genl_get(wg->wk, out);
	return wgdev_uapi_get(wg->ifname, out);
}

void wgdev_close(struct wgdev *wg, bool delete_link)
{
	if (!wg)
		return;
	if (wg->backend == WGDEV_BACKEND_KERNEL) {
		wgdev_genl_close(wg->wk, delete_link);
	} else if (wg->child.pid > 0) {
		/* Always: PDEATHSIG would end it with us anyway, and it takes
		 * its interface along. */
		wgdev_child_stop(&wg->child);
	} else if (delete_link && wg->ifindex) {
		/* Someone else's implementation: removing the tun device
		 * makes it shut down. */
		struct kernel *k = kernel_open();
		if (k) {
			(void)kernel_link_delete(k, wg->ifindex);
			kernel_close(k);
		}
	}
	free(wg);
}

enum wgdev_backend wgdev_backend_of(const struct wgdev *wg)
{
	return wg->backend;
}

unsigned wgdev_ifindex(const struct wgdev *wg)
{
	return wg->ifindex;
}

pid_t wgdev_child_pid(const struct wgdev *wg)
{
	return wg->child.pid;
}

int wgdev_child_pidfd(const struct wgdev *wg)
{
	return wg->child.pidfd;
}

int wgdev_child_check(struct wgdev *wg, int *status)
{
	return wgdev_child_reap(&wg->child, status);
}
