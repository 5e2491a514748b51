/*
 * Userspace WireGuard through the cross-platform UAPI socket.
 *
 * The protocol is line-based text on a unix stream socket,
 * /var/run/wireguard/IFNAME.sock: a request "set=1\n" or "get=1\n"
 * followed by key=value lines and a blank line; the reply is key=value
 * lines ending with "errno=N" and a blank line. Every exchange has one
 * deadline, so a wedged implementation cannot stall the daemon's loop for
 * more than UAPI_TIMEOUT_MS. The parser is pure and validates every value
 * (it is fuzzed: fuzz/fuzz_uapi.c): the reply comes from whatever process
 * owns the socket. Private keys are wiped from every buffer that held
 * them; buffers that may hold one never grow with realloc.
 *
 * Nothing here knows the kernel backend or the child: the dispatcher,
 * wgdev.c, decides when to speak UAPI, and wgdev_child.c starts the
 * implementation that answers.
 */
#include "wgdev_uapi.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wgdev_device.h"

#define UAPI_TIMEOUT_MS 2000
/* A get reply is ~150 bytes per peer plus ~40 per allowed IP. */
#define UAPI_REPLY_MAX (16u << 20)
#define UAPI_VALUE_MAX 128
#define MAX_ERRNO 4095

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
	if (dev->flags & WGDEV_HAS_FWMARK)
		sb_printf(&sb, "fwmark=%u\n", dev->fwmark);
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
			} else {
				dev->fwmark = (uint32_t)n;
				if (n)
					dev->flags |= WGDEV_HAS_FWMARK;
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

bool wgdev_uapi_answers(const char *ifname)
{
	int fd = uapi_connect(ifname);

	if (fd < 0)
		return false;
	close(fd);
	return true;
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
