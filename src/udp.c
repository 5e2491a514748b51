/* Admin UDP socket; see udp.h. */
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sock_diag.h>
#endif

#include "log.h"
#include "wire/wire.h"

struct udp {
	uv_udp_t handle;
	bool v6;		/* dual-stack socket: IPv4 goes v4-mapped */
	udp_recv_cb *cb;
	void *arg;
	uint64_t send_failures;
	/* datagrams larger than any valid packet are read whole and refused */
	uint8_t rxbuf[WIRE_MAX_PACKET * 2];
	bool rx_busy;
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct udp *u = h->data;

	(void)suggested;
	if (u->rx_busy) {
		buf->base = NULL;
		buf->len = 0;
		return;
	}
	u->rx_busy = true;
	buf->base = (char *)u->rxbuf;
	buf->len = sizeof(u->rxbuf);
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *sa,
		    unsigned flags)
{
	struct udp *u = h->data;
	struct endpoint from;

	(void)buf;
	u->rx_busy = false;
	if (nread < 0) {
		log_debug("admin socket: %s", uv_strerror((int)nread));
		return;
	}
	if (!sa || endpoint_from_sockaddr(&from, sa) < 0)
		return;
	if (flags & UV_UDP_PARTIAL)
		nread = (ssize_t)sizeof(u->rxbuf); /* truncated: certainly oversize */
	u->cb(u->rxbuf, (size_t)nread, &from, u->arg);
}

static int bind_any(struct udp *u, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int r;

	sin6.sin6_addr = in6addr_any;
	r = uv_udp_bind(&u->handle, (const struct sockaddr *)&sin6, 0);
	if (r == 0) {
		u->v6 = true;
		return 0;
	}
	if (r != UV_EAFNOSUPPORT && r != UV_EADDRNOTAVAIL)
		return r;
	/* no IPv6 here: IPv4 only */
	return uv_udp_bind(&u->handle, (const struct sockaddr *)&sin, 0);
}

static int open_common(uv_loop_t *loop, uint16_t port, bool lan, udp_recv_cb *cb, void *arg,
		       struct udp **out)
{
	struct udp *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	u->cb = cb;
	u->arg = arg;
	u->handle.data = u;
	r = uv_udp_init(loop, &u->handle);
	if (r < 0) {
		free(u);
		return r;
	}
	if (lan) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
		r = uv_udp_bind(&u->handle, (const struct sockaddr *)&sin, UV_UDP_REUSEADDR);
	} else {
		r = bind_any(u, port);
		if (r == 0) /* LAN hellos leave from the admin socket */
			r = uv_udp_set_broadcast(&u->handle, 1);
	}
	if (r == 0)
		r = uv_udp_recv_start(&u->handle, on_alloc, on_recv);
	if (r < 0) {
		/* the admin port is the daemon's; without it, it does not start */
		if (lan)
			log_warnx("LAN discovery port %u: %s", port, uv_strerror(r));
		else
			log_errx("admin port %u: %s", port, uv_strerror(r));
		udp_close(u);
		return r;
	}
	*out = u;
	return 0;
}

int udp_open(uv_loop_t *loop, uint16_t port, udp_recv_cb *cb, void *arg, struct udp **out)
{
	return open_common(loop, port, false, cb, arg, out);
}

int udp_open_lan(uv_loop_t *loop, uint16_t port, udp_recv_cb *cb, void *arg, struct udp **out)
{
	return open_common(loop, port, true, cb, arg, out);
}

int udp_send(struct udp *u, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)len);
	int r;

	if (u->v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		memset(&ss, 0, sizeof(ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(to->port);
		memcpy(&sin6->sin6_addr, to->addr.b, 16); /* v4 stays v4-mapped */
	} else if (addr_is_v4(&to->addr)) {
		endpoint_to_sockaddr(to, &ss);
	} else {
		u->send_failures++;
		return -EAFNOSUPPORT;
	}
	r = uv_udp_try_send(&u->handle, &b, 1, (const struct sockaddr *)&ss);
	if (r < 0) {
		u->send_failures++;
		return r;
	}
	return 0;
}

uint64_t udp_send_failures(const struct udp *u)
{
	return u->send_failures;
}

#ifdef __linux__
/*
 * SO_RXQ_OVFL would hand the counter over with every datagram as a
 * control message, which libuv's receive path does not pass on;
 * SO_MEMINFO reads the same counter (sk_drops) when asked.
 */
int udp_rx_drops(const struct udp *u, uint64_t *drops)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	uv_os_fd_t fd;

	if (uv_fileno((const uv_handle_t *)&u->handle, &fd) < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -errno;
	if (len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -EOPNOTSUPP;
	*drops = mem[SK_MEMINFO_DROPS];
	return 0;
}
#else
int udp_rx_drops(const struct udp *u, uint64_t *drops)
{
	(void)u;
	(void)drops;
	return -EOPNOTSUPP;
}
#endif

static bool bind_refused(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool busy;

	if (fd < 0)
		return false; /* no such family here */
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		/* [::] alone: an IPv4 socket on the port is asked about separately */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	}
	busy = bind(fd, (struct sockaddr *)&ss, len) < 0 && errno == EADDRINUSE;
	close(fd);
	return busy;
}

bool udp_port_busy(uint16_t port)
{
	return bind_refused(AF_INET, port) || bind_refused(AF_INET6, port);
}

#ifdef SO_MARK
int udp_set_mark(struct udp *u, uint32_t mark)
{
	uv_os_fd_t fd;

	if (uv_fileno((const uv_handle_t *)&u->handle, &fd) < 0)
		return -EBADF;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		return -errno;
	return 0;
}
#else
int udp_set_mark(struct udp *u, uint32_t mark)
{
	(void)u;
	(void)mark;
	return -EOPNOTSUPP;
}
#endif

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void udp_close(struct udp *u)
{
	if (!u)
		return;
	uv_close((uv_handle_t *)&u->handle, on_closed);
}
