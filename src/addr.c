/* Addresses, prefixes and endpoints; see addr.h for the model. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_from_v4(struct addr *a, const uint8_t v4[4])
{
	memcpy(a->b, v4_mapped_prefix, 12);
	memcpy(a->b + 12, v4, 4);
}

bool addr_is_v4(const struct addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, 12) == 0;
}

bool addr_is_zero(const struct addr *a)
{
	static const struct addr zero;
	return memcmp(a->b, zero.b, 16) == 0;
}

bool addr_unspecified(const struct addr *a)
{
	static const uint8_t zero4[4];

	return addr_is_zero(a) || (addr_is_v4(a) && memcmp(a->b + 12, zero4, 4) == 0);
}

bool endpoint_sendable(const struct endpoint *e)
{
	return e->port != 0 && !addr_unspecified(&e->addr);
}

int addr_cmp(const struct addr *a, const struct addr *b)
{
	return memcmp(a->b, b->b, 16);
}

bool addr_eq(const struct addr *a, const struct addr *b)
{
	return addr_cmp(a, b) == 0;
}

uint8_t addr_last_octet(const struct addr *a)
{
	return a->b[15];
}

bool addr_is_loopback(const struct addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	if (addr_is_v4(a))
		return a->b[12] == 127;
	return memcmp(a->b, v6_loop, 16) == 0;
}

bool addr_is_link_local(const struct addr *a)
{
	if (addr_is_v4(a))
		return a->b[12] == 169 && a->b[13] == 254;
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

int addr_parse(struct addr *out, const char *s)
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		addr_from_v4(out, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1)
		return 0;
	return -EINVAL;
}

const char *addr_fmt(const struct addr *a, char *buf, size_t len)
{
	const char *ok;

	if (addr_is_v4(a))
		ok = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		ok = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	if (!ok && len > 0)
		snprintf(buf, len, "?");
	return buf;
}

unsigned prefix_len128(const struct prefix *p)
{
	return addr_is_v4(&p->addr) ? 96u + p->len : p->len;
}

/* Clear the bits of a beyond len128; report whether any were set. */
static bool clear_host_bits(struct addr *a, unsigned len128)
{
	bool had = false;

	for (unsigned i = 0; i < 16; i++) {
		unsigned first_bit = i * 8;
		uint8_t keep;

		if (first_bit + 8 <= len128)
			continue;
		if (first_bit >= len128)
			keep = 0;
		else
			keep = (uint8_t)(0xffu << (8u - (len128 - first_bit)));
		if (a->b[i] & (uint8_t)~keep)
			had = true;
		a->b[i] &= keep;
	}
	return had;
}

int prefix_parse(struct prefix *out, const char *s, bool *host_bits)
{
	char buf[ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	char *end;
	long len;
	bool had;
	unsigned max;

	if (!slash || (size_t)(slash - s) >= ADDR_STRLEN)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (addr_parse(&out->addr, buf) < 0)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	max = addr_is_v4(&out->addr) ? 32 : 128;
	if (errno || *end || len < 0 || len > (long)max)
		return -EINVAL;
	out->len = (uint8_t)len;
	had = clear_host_bits(&out->addr, prefix_len128(out));
	if (host_bits)
		*host_bits = had;
	return 0;
}

const char *prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_fmt(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

void prefix_mask(struct prefix *p)
{
	clear_host_bits(&p->addr, prefix_len128(p));
}

bool prefix_valid(const struct prefix *p)
{
	struct addr masked = p->addr;

	if (p->len > (addr_is_v4(&p->addr) ? 32 : 128))
		return false;
	return !clear_host_bits(&masked, prefix_len128(p));
}

bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && addr_eq(&a->addr, &b->addr);
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c = addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return a->len <= b->len ? prefix_contains(a, &b->addr) : prefix_contains(b, &a->addr);
}

static struct prefix v4_prefix(uint8_t a, uint8_t b, uint8_t len)
{
	struct prefix p = { .len = len };

	p.addr.b[10] = p.addr.b[11] = 0xff;
	p.addr.b[12] = a;
	p.addr.b[13] = b;
	return p;
}

static struct prefix v6_prefix(uint8_t a, uint8_t b, uint8_t last, uint8_t len)
{
	struct prefix p = { .len = len };

	p.addr.b[0] = a;
	p.addr.b[1] = b;
	p.addr.b[15] = last;
	return p;
}

bool prefix_touches_special(const struct prefix *dst)
{
	const struct prefix ranges[] = {
		v4_prefix(0, 0, 8),	   /* "this network" */
		v4_prefix(127, 0, 8),	   /* loopback */
		v4_prefix(169, 254, 16),   /* link-local */
		v4_prefix(224, 0, 3),	   /* multicast and reserved (224/4, 240/4) */
		v6_prefix(0, 0, 1, 128),   /* ::1 */
		v6_prefix(0xfe, 0x80, 0, 10),
		v6_prefix(0xff, 0, 0, 8),
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (prefix_overlaps(dst, &ranges[i]))
			return true;
	return false;
}

struct prefix prefix_host(const struct addr *a)
{
	struct prefix p = { .addr = *a, .len = addr_is_v4(a) ? 32 : 128 };
	return p;
}

bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	struct addr masked = *a;

	if (addr_is_v4(&p->addr) != addr_is_v4(a))
		return false;
	clear_host_bits(&masked, prefix_len128(p));
	return addr_eq(&masked, &p->addr);
}

bool prefix_is_network_addr(const struct prefix *p, const struct addr *a)
{
	unsigned max = addr_is_v4(&p->addr) ? 32 : 128;

	return p->len < max - 1 && addr_eq(a, &p->addr);
}

bool prefix_is_broadcast_addr(const struct prefix *p, const struct addr *a)
{
	unsigned len128 = prefix_len128(p);

	if (!addr_is_v4(&p->addr) || p->len >= 31 || !prefix_contains(p, a))
		return false;
	for (unsigned bit = len128; bit < 128; bit++)
		if (!(a->b[bit / 8] & (0x80 >> (bit % 8))))
			return false;
	return true;
}

bool endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && addr_eq(&a->addr, &b->addr);
}

const char *endpoint_fmt(const struct endpoint *e, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_fmt(&e->addr, a, sizeof(a));
	if (addr_is_v4(&e->addr))
		snprintf(buf, len, "%s:%u", a, e->port);
	else
		snprintf(buf, len, "[%s]:%u", a, e->port);
	return buf;
}

int port_parse(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static bool host_chars_ok(const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return n > 0;
}

int endpoint_split(const char *s, char *host, size_t host_len, uint16_t *port,
		   const char **why)
{
	const char *colon, *h = s;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':') {
			*why = "expected [IPv6]:port";
			return -EINVAL;
		}
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			*why = "expected host:port";
			return -EINVAL;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			*why = "IPv6 addresses need brackets: [addr]:port";
			return -EINVAL;
		}
		n = (size_t)(colon - s);
	}
	if (n == 0 || n > ENDPOINT_HOST_MAX || n >= host_len) {
		*why = n == 0 ? "empty host" : "host name too long";
		return -EINVAL;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (s[0] != '[' && !host_chars_ok(host, n)) {
		*why = "host contains characters not allowed in a host name";
		return -EINVAL;
	}
	if (s[0] == '[') {
		struct addr a;
		if (addr_parse(&a, host) < 0 || addr_is_v4(&a)) {
			*why = "not an IPv6 address inside the brackets";
			return -EINVAL;
		}
	}
	if (port_parse(colon + 1, port) < 0) {
		*why = "port must be a number from 1 to 65535";
		return -EINVAL;
	}
	return 0;
}

unsigned endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(&e->addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		memcpy(&sin->sin_addr, e->addr.b + 12, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(e->port);
	memcpy(&sin6->sin6_addr, e->addr.b, 16);
	return sizeof(*sin6);
}

int endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		addr_from_v4(&e->addr, (const uint8_t *)&sin->sin_addr);
		e->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(e->addr.b, &sin6->sin6_addr, 16);
		e->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}
