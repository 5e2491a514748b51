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
