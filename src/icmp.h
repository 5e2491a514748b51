/*
 * ICMP echo for `wg_netmanager ping`: a real ping of a node's overlay
 * address, through the WireGuard interface.
 *
 * The socket is the kernel's unprivileged ping socket (SOCK_DGRAM with
 * IPPROTO_ICMP or IPPROTO_ICMPV6) where net.ipv4.ping_group_range lets us
 * have one, else a raw socket (root, or CAP_NET_RAW). With -i it is bound
 * to the interface (SO_BINDTODEVICE), so a probe cannot leave any other
 * way. A reply counts only if it comes from the address pinged and echoes
 * our sequence number and a random token of this run (a raw socket sees
 * every echo reply of the host); on a raw socket the identifier must match
 * too (a ping socket's is the kernel's).
 *
 * The packet functions are pure (tests/test_icmp.c).
 */
#ifndef WGNM_ICMP_H
#define WGNM_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define ICMP_TOKEN_LEN 16		/* the payload: a random token */
#define ICMP_ECHO_LEN (8 + ICMP_TOKEN_LEN)

enum icmp_kind {
	ICMP_ANY = 0,			/* a ping socket if allowed, else raw */
	ICMP_DGRAM,
	ICMP_RAW,
};

struct icmp;

/*
 * An echo socket for IPv4 or IPv6, bound to ifname unless it is NULL.
 * Returns 0 or a negative errno (-EACCES/-EPERM: neither kind is allowed).
 */
int icmp_open(bool v6, const char *ifname, enum icmp_kind kind, struct icmp **out);
void icmp_close(struct icmp *ic);
/* Which kind it is ("ping socket" or "raw socket"). */
const char *icmp_kind_name(const struct icmp *ic);
int icmp_send(struct icmp *ic, const struct addr *dst, uint16_t seq);
/*
 * Wait up to timeout_ms for the reply to echo seq from dst (other packets
 * are read and ignored). Returns 0, -ETIMEDOUT or a negative errno.
 */
int icmp_wait(struct icmp *ic, const struct addr *dst, uint16_t seq, unsigned timeout_ms);

/* ---- packets (pure) ---- */

/* The Internet checksum (RFC 1071) of len bytes. */
uint16_t icmp_checksum(const uint8_t *p, size_t len);
/*
 * An echo request (type 8, or 128 for IPv6) carrying the token, into buf.
 * The checksum is set for IPv4; for IPv6 the kernel computes it (it covers
 * a pseudo-header). Returns the length, 0 if buf is too small.
 */
size_t icmp_echo_build(uint8_t *buf, size_t len, bool v6, uint16_t id, uint16_t seq,
		       const uint8_t token[ICMP_TOKEN_LEN]);
/*
 * An echo reply (type 0, or 129) as read from the socket: after an IPv4
 * header if ip_header (an IPv4 raw socket gets it). Returns 0 and its id,
 * seq and payload (pointing into buf), or -EINVAL for anything else.
 */
int icmp_echo_parse(const uint8_t *buf, size_t len, bool v6, bool ip_header, uint16_t *id,
		    uint16_t *seq, const uint8_t **payload, size_t *payload_len);

#endif
