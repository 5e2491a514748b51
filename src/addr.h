/*
 * Addresses, prefixes and endpoints: the one address type of the project.
 *
 * An address is 16 bytes; IPv4 is stored v4-mapped (::ffff:a.b.c.d), as
 * babeld does, so the core never branches on the family except where the
 * kernel or the wire needs it. Prefix lengths are kept in the family's own
 * terms (0..32 for IPv4, 0..128 for IPv6).
 */
#ifndef WGNM_ADDR_H
#define WGNM_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46      /* INET6_ADDRSTRLEN */
#define ENDPOINT_STRLEN 56  /* "[" addr "]:" port */
#define ENDPOINT_HOST_MAX 253

struct addr {
	uint8_t b[16];
};

struct prefix {
	struct addr addr;
	uint8_t len;
};

struct endpoint {
	struct addr addr;
	uint16_t port;
};

void addr_from_v4(struct addr *a, const uint8_t v4[4]);
bool addr_is_v4(const struct addr *a);
bool addr_is_zero(const struct addr *a);
/* :: or 0.0.0.0: no host's address. */
bool addr_unspecified(const struct addr *a);
/* An endpoint a datagram can be sent to (an address, a port other than 0). */
bool endpoint_sendable(const struct endpoint *e);
int addr_cmp(const struct addr *a, const struct addr *b);
bool addr_eq(const struct addr *a, const struct addr *b);
/* Last byte of the address: the original wg_netmanager derives ports from it. */
uint8_t addr_last_octet(const struct addr *a);
bool addr_is_loopback(const struct addr *a);
bool addr_is_link_local(const struct addr *a);

/* Parse a literal IPv4 or IPv6 address. Returns 0 or -EINVAL. */
int addr_parse(struct addr *out, const char *s);
/* Format into buf (ADDR_STRLEN bytes); returns buf. */
const char *addr_fmt(const struct addr *a, char *buf, size_t len);

/*
 * Parse "a.b.c.d/len" or "v6/len". Host bits set are cleared and reported
 * through *host_bits (may be NULL). Returns 0 or -EINVAL.
 */
int prefix_parse(struct prefix *out, const char *s, bool *host_bits);
const char *prefix_fmt(const struct prefix *p, char *buf, size_t len);
bool prefix_contains(const struct prefix *p, const struct addr *a);
/* Clear the host bits of p (10.1.1.5/24 -> 10.1.1.0/24). */
void prefix_mask(struct prefix *p);
/* Canonical: a length within the family's, and no host bits set. */
bool prefix_valid(const struct prefix *p);
bool prefix_eq(const struct prefix *a, const struct prefix *b);
/* Address, then length: a total order for sorted lists. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
/* One contains the other (same family). */
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);
/*
 * Overlaps a range no route may touch: 0.0.0.0/8, loopback, link-local,
 * multicast and reserved (224/3), ::1, fe80::/10, ff00::/8.
 */
bool prefix_touches_special(const struct prefix *p);
/* The host route of a: /32 or /128. */
struct prefix prefix_host(const struct addr *a);
/* The all-zero host and (IPv4) the all-ones host of p. */
bool prefix_is_network_addr(const struct prefix *p, const struct addr *a);
bool prefix_is_broadcast_addr(const struct prefix *p, const struct addr *a);
/* Prefix length in IPv6 terms (IPv4 /24 -> 120). */
unsigned prefix_len128(const struct prefix *p);

bool endpoint_eq(const struct endpoint *a, const struct endpoint *b);
const char *endpoint_fmt(const struct endpoint *e, char *buf, size_t len);

/*
 * Split "host:port", "ip:port" or "[v6]:port" into host and port without
 * resolving. host gets at most ENDPOINT_HOST_MAX chars. Returns 0, or
 * -EINVAL with *why set to a static explanation.
 */
int endpoint_split(const char *s, char *host, size_t host_len, uint16_t *port,
		   const char **why);

/* Parse a decimal port 1..65535. Returns 0 or -EINVAL. */
int port_parse(const char *s, uint16_t *port);

struct sockaddr;
struct sockaddr_storage;
/* Conversions at the I/O edge. */
unsigned endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss);
int endpoint_from_sockaddr(struct endpoint *e, const struct sockaddr *sa);

#endif
