/* ICMP echo over the overlay; see icmp.h. */
#include "icmp.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ECHO_REQUEST_V4 8
#define ECHO_REPLY_V4 0
#define ECHO_REQUEST_V6 128
#define ECHO_REPLY_V6 129

struct icmp {
	int fd;
	bool v6;
	bool raw;
	uint16_t id;			/* ours on a raw socket */
	uint8_t token[ICMP_TOKEN_LEN];
};

/* ---- packets ---- */

uint16_t icmp_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t icmp_echo_build(uint8_t *buf, size_t len, bool v6, uint16_t id, uint16_t seq,
		       const uint8_t token[ICMP_TOKEN_LEN])
{
	uint16_t sum;

	if (len < ICMP_ECHO_LEN)
		return 0;
	memset(buf, 0, ICMP_ECHO_LEN);
	buf[0] = v6 ? ECHO_REQUEST_V6 : ECHO_REQUEST_V4;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	memcpy(buf + 8, token, ICMP_TOKEN_LEN);
	if (!v6) {
		sum = icmp_checksum(buf, ICMP_ECHO_LEN);
		buf[2] = (uint8_t)(sum >> 8);
		buf[3] = (uint8_t)sum;
	}
	return ICMP_ECHO_LEN;
}

int icmp_echo_parse(const uint8_t *buf, size_t len, bool v6, bool ip_header, uint16_t *id,
		    uint16_t *seq, const uint8_t **payload, size_t *payload_len)
{
	if (ip_header) {
		size_t ihl;

		if (v6 || len < 20 || (buf[0] >> 4) != 4)
			return -EINVAL;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || ihl > len)
			return -EINVAL;
		buf += ihl;
		len -= ihl;
	}
	if (len < 8 || buf[0] != (v6 ? ECHO_REPLY_V6 : ECHO_REPLY_V4) || buf[1] != 0)
		return -EINVAL;
	*id = (uint16_t)(buf[4] << 8 | buf[5]);
	*seq = (uint16_t)(buf[6] << 8 | buf[7]);
	*payload = buf + 8;
	*payload_len = len - 8;
	return 0;
}

/* ---- the socket ---- */

static int open_kind(bool v6, bool raw)
{
	return socket(v6 ? AF_INET6 : AF_INET, (raw ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC,
		      v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
}

int icmp_open(bool v6, const char *ifname, enum icmp_kind kind, struct icmp **out)
{
	struct icmp *ic = calloc(1, sizeof(*ic));
	int r;

	if (!ic)
		return -ENOMEM;
	ic->v6 = v6;
	ic->fd = -1;
	if (kind != ICMP_RAW)
		ic->fd = open_kind(v6, false);
	if (ic->fd < 0 && kind != ICMP_DGRAM) {
		ic->fd = open_kind(v6, true);
		ic->raw = true;
	}
	if (ic->fd < 0) {
		r = -errno;
		free(ic);
		return r;
	}
	if (ifname && setsockopt(ic->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 (socklen_t)strlen(ifname) + 1) < 0) {
		r = -errno;
		icmp_close(ic);
		return r;
	}
	randombytes_buf(ic->token, sizeof(ic->token));
	randombytes_buf(&ic->id, sizeof(ic->id));
	*out = ic;
	return 0;
}

void icmp_close(struct icmp *ic)
{
	if (!ic)
		return;
	if (ic->fd >= 0)
		close(ic->fd);
	free(ic);
}

const char *icmp_kind_name(const struct icmp *ic)
{
	return ic->raw ? "raw socket" : "ping socket";
}

int icmp_send(struct icmp *ic, const struct addr *dst, uint16_t seq)
{
	struct endpoint ep = { .addr = *dst };
	struct sockaddr_storage ss;
	uint8_t pkt[ICMP_ECHO_LEN];
	size_t n = icmp_echo_build(pkt, sizeof(pkt), ic->v6, ic->id, seq, ic->token);
	unsigned sl;

	if (addr_is_v4(dst) == ic->v6)
		return -EAFNOSUPPORT;
	sl = endpoint_to_sockaddr(&ep, &ss);
	if (sendto(ic->fd, pkt, n, 0, (const struct sockaddr *)&ss, (socklen_t)sl) < 0)
		return -errno;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Is this datagram the reply to our echo seq from dst? */
static bool ours(const struct icmp *ic, const uint8_t *buf, size_t len,
		 const struct sockaddr_storage *from, const struct addr *dst, uint16_t seq)
{
	struct endpoint src;
	const uint8_t *payload;
	size_t plen;
	uint16_t id, s;

	if (endpoint_from_sockaddr(&src, (const struct sockaddr *)from) < 0 ||
	    !addr_eq(&src.addr, dst))
		return false;
	if (icmp_echo_parse(buf, len, ic->v6, ic->raw && !ic->v6, &id, &s, &payload, &plen) < 0)
		return false;
	return s == seq && (!ic->raw || id == ic->id) && plen >= ICMP_TOKEN_LEN &&
	       memcmp(payload, ic->token, ICMP_TOKEN_LEN) == 0;
}

int icmp_wait(struct icmp *ic, const struct addr *dst, uint16_t seq, unsigned timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = ic->fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint8_t buf[1500];
		uint64_t now = mono_ms();
		ssize_t n;
		int r;

		if (now >= end)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(end - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = recvfrom(ic->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (ours(ic, buf, (size_t)n, &from, dst, seq))
			return 0;
	}
}
