/*
 * The host's network stack: links, addresses, routes and their changes.
 * Platform-neutral: one .c per platform implements it (kernel_linux.c,
 * rtnetlink), and nothing here names the platform's mechanism.
 *
 * Model (babeld kernel.h): two sockets. The command socket does
 * synchronous request/ack and dumps; every request is bounded by a
 * timeout, and a listing the kernel reports torn is redone. The event
 * socket listens to link and address changes; the daemon polls its fd and
 * drains it with kernel_events_read().
 *
 * Routes this program installs carry the protocol tag KERNEL_RTPROT, so a
 * restart can find and flush what a crashed run left behind, and never
 * touches anyone else's routes.
 */
#ifndef WGNM_KERNEL_H
#define WGNM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * Private route protocol tag. 0x57 ('W') is not in iproute2's
 * rt_protos table nor in linux/rtnetlink.h (babeld uses 42, bird 12,
 * zebra 11, dhcp 16); `ip route show proto 0x57` lists our routes.
 */
#define KERNEL_RTPROT 0x57

#define KERNEL_IFNAMSIZ 16      /* IFNAMSIZ, without pulling in <net/if.h> */

/* --- Command socket ------------------------------------------------- */

struct kernel;

/* NULL with errno set. Requests time out after about 2 s. */
struct kernel *kernel_open(void);
void kernel_close(struct kernel *k);

/* Create a link of the given kind ("wireguard"). -EEXIST if the name is
 * taken; -EOPNOTSUPP when the kernel has no such kind. */
int kernel_link_create(struct kernel *k, const char *ifname, const char *kind);
int kernel_link_delete(struct kernel *k, unsigned ifindex);
/* -ENODEV when there is no such link. */
int kernel_link_index(struct kernel *k, const char *ifname, unsigned *ifindex);
/* Its index and kind ("wireguard", "tun", "veth"; "" if none). -ENODEV. */
int kernel_link_kind(struct kernel *k, const char *ifname, unsigned *ifindex, char *kind,
		     size_t kind_len);
int kernel_link_set_up(struct kernel *k, unsigned ifindex, bool up);
int kernel_link_set_mtu(struct kernel *k, unsigned ifindex, unsigned mtu);

/*
 * Add (or refresh) the node's address, IPv4 or IPv6, with
 * IFA_F_NOPREFIXROUTE: the daemon installs every route itself, tagged.
 * addr keeps its host bits; plen is in the family's terms.
 */
int kernel_addr_add(struct kernel *k, unsigned ifindex, const struct addr *addr, uint8_t plen);
int kernel_addr_del(struct kernel *k, unsigned ifindex, const struct addr *addr, uint8_t plen);

/* Device routes (no gateway) in the main table, tagged KERNEL_RTPROT.
 * add fails with -EEXIST if present; replace does not; del of a missing
 * route returns -ESRCH. */
int kernel_route_add(struct kernel *k, unsigned ifindex, const struct prefix *dst);
int kernel_route_replace(struct kernel *k, unsigned ifindex, const struct prefix *dst);
int kernel_route_del(struct kernel *k, unsigned ifindex, const struct prefix *dst);
/* Delete every route tagged KERNEL_RTPROT (on ifindex only, if nonzero).
 * *count (may be NULL) gets the number deleted. */
int kernel_route_flush(struct kernel *k, unsigned ifindex, unsigned *count);

struct kernel_addr {
	unsigned ifindex;
	struct addr addr;
	uint8_t plen;
};

/*
 * The host's usable local addresses, skipping skip_ifindex (0: none),
 * loopback, link-local (IPv6 fe80::/10 needs a scope we cannot publish,
 * IPv4 169.254/16 is not routable) and addresses still in or failed DAD.
 * *out is malloc'ed (caller frees), NULL when *n is 0.
 */
int kernel_addrs_dump(struct kernel *k, unsigned skip_ifindex, struct kernel_addr **out, size_t *n);

/* Write 1 to /proc/sys/net/ipv4/conf/IF/forwarding (and ipv6 if asked). */
int kernel_forwarding_enable(const char *ifname, bool ipv6);
/*
 * IPv4 forwarding between all interfaces on or off (a subnet router's LAN
 * and the tunnel: replies come in on the LAN interface); *was gets what
 * it was before.
 */
int kernel_forwarding_all(bool on, bool *was);

/* --- Exit-node routing ---------------------------------------------- */

/*
 * Sending the host's traffic through an exit node the way wg-quick does,
 * so that the tunnel's own packets, the admin port and the LAN keep their
 * normal routes:
 *
 *   table TABLE:  default dev WG                      (tagged KERNEL_RTPROT)
 *   rule 32764:   not fwmark MARK lookup main suppress_prefixlength 0
 *   rule 32765:   not fwmark MARK lookup TABLE
 *   net.ipv4.conf.all.src_valid_mark = 1
 *
 * Unmarked packets first try the main table, ignoring its default route
 * (the suppress rule keeps the LAN and every more specific route), then
 * take the default route through the tunnel. Packets carrying MARK (the
 * WireGuard device's own, once its fwmark is MARK, and sockets given
 * MARK, such as the admin port) skip both rules and route as before; so
 * set the device's fwmark (wgdev_set_fwmark) before installing. The
 * suppress rule carries "not fwmark MARK" where wg-quick's has none: for
 * marked packets the two rules are skipped either way, and it makes the
 * rules of two daemons on one host distinct, so that neither removes the
 * other's. src_valid_mark makes reverse-path filtering look a source up
 * with the packet's mark, as its reply will be routed; it is left set on
 * removal, as wg-quick leaves it.
 *
 * Rules and route carry the protocol tag (rules since Linux 4.17), so a
 * start after a crash finds what was left: kernel_exit_route_flush().
 */

/* The high half of kernel_exit_id(): 'W' 'g'. */
#define KERNEL_EXIT_ID_BASE 0x57670000u
/* The suppress rule; the mark rule comes next, both before main (32766),
 * where wg-quick's rules end up on a host with no other rules. */
#define KERNEL_EXIT_PRIO 32764u

/*
 * The mark and table number for the daemon whose WireGuard port is
 * wg_port: KERNEL_EXIT_ID_BASE | wg_port (51820 -> 0x5767ca6c). No two
 * daemons in one network namespace listen on one port, so theirs differ;
 * it stays the same across restarts, so the next start finds a crashed
 * run's table; and it is none of wg-quick's (51820 up) nor a table anyone
 * numbers by hand.
 */
uint32_t kernel_exit_id(uint16_t wg_port);

/*
 * Install the table, rules and sysctl above for family (AF_INET or
 * AF_INET6: default route ::/0, no sysctl). Idempotent. On failure what
 * it added is removed again. -EINVAL: no ifindex, another family, mark 0
 * or table 0 / 253..255 (the kernel's own).
 */
int kernel_exit_route_install(struct kernel *k, unsigned wg_ifindex, int family, uint32_t mark,
			      uint32_t table);
/* Remove them again: 0, also when they were not there. */
int kernel_exit_route_remove(struct kernel *k, int family, uint32_t mark, uint32_t table);
/*
 * Remove whatever any run left for (mark, table) in both families: the
 * tagged rules that look up table, or main with "not fwmark mark", and
 * the tagged routes in table. *count (may be NULL) gets how many.
 */
int kernel_exit_route_flush(struct kernel *k, uint32_t mark, uint32_t table, unsigned *count);

/* --- Event socket --------------------------------------------------- */

enum kernel_event_type {
	KERNEL_EVENT_ADDR_ADD,
	KERNEL_EVENT_ADDR_DEL,
	KERNEL_EVENT_LINK_UP,
	KERNEL_EVENT_LINK_DOWN,
	KERNEL_EVENT_LINK_DEL,
};

struct kernel_event {
	enum kernel_event_type type;
	unsigned ifindex;
	struct addr addr;               /* ADDR_* only */
	uint8_t plen;                   /* ADDR_* only */
	char ifname[KERNEL_IFNAMSIZ];   /* LINK_* only; may be empty */
};

struct kernel_events;

/* Non-blocking socket subscribed to link and IPv4/IPv6 address groups. */
struct kernel_events *kernel_events_open(void);
void kernel_events_close(struct kernel_events *ev);
/* For the caller's poll loop (uv_poll_t). */
int kernel_events_fd(const struct kernel_events *ev);
/*
 * Drain the socket, calling cb for each event. Address events skip the
 * same addresses kernel_addrs_dump() skips. Returns 0, or -ENOBUFS when
 * the kernel dropped events (the caller should re-dump), or another
 * negative errno.
 */
int kernel_events_read(struct kernel_events *ev,
		       void (*cb)(const struct kernel_event *e, void *arg), void *arg);

#endif
