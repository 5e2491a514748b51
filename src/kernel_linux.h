/*
 * What kernel_linux.c and kernel_rules_linux.c show besides kernel.h:
 * the rtnetlink messages they send, built without a socket so the bytes
 * can be checked, the parser of the messages the event socket receives
 * (for the unit tests), and what the two files share. Linux only; the
 * daemon uses kernel.h.
 */
#ifndef WGNM_KERNEL_LINUX_H
#define WGNM_KERNEL_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "kernel.h"

struct nl_sock;
struct nlmsghdr;

/* Each builder takes a buffer of at least this many bytes. */
#define KERNEL_MSG_SIZE 1024

enum kernel_op {
	KERNEL_OP_ADD,
	KERNEL_OP_REPLACE,
	KERNEL_OP_DEL,
};

struct nlmsghdr *kernel_build_link_create_msg(void *buf, const char *ifname, const char *kind);
struct nlmsghdr *kernel_build_link_del_msg(void *buf, unsigned ifindex);
struct nlmsghdr *kernel_build_link_updown_msg(void *buf, unsigned ifindex, bool up);
struct nlmsghdr *kernel_build_link_mtu_msg(void *buf, unsigned ifindex, unsigned mtu);
struct nlmsghdr *kernel_build_addr_msg(void *buf, enum kernel_op op, unsigned ifindex,
				       const struct addr *addr, uint8_t plen);
struct nlmsghdr *kernel_build_route_msg(void *buf, enum kernel_op op, unsigned ifindex,
					const struct prefix *dst);

/* The two rules of exit-node routing (kernel.h). */
enum kernel_exit_rule {
	KERNEL_EXIT_RULE_SUPPRESS,      /* not fwmark M lookup main suppress_prefixlength 0 */
	KERNEL_EXIT_RULE_MARK,          /* not fwmark M lookup TABLE */
};

/* family: AF_INET or AF_INET6. ADD creates (EXCL), DEL matches every
 * attribute put, the tag included. */
struct nlmsghdr *kernel_build_exit_rule_msg(void *buf, enum kernel_op op, int family,
					    enum kernel_exit_rule which, uint32_t mark,
					    uint32_t table);
/* The default route dev ifindex in table; REPLACE or DEL (ifindex unused). */
struct nlmsghdr *kernel_build_exit_route_msg(void *buf, enum kernel_op op, unsigned ifindex,
					     int family, uint32_t table);

/* Parse a buffer of netlink messages as received (pure). */
int kernel_events_parse(const void *buf, size_t len,
			void (*cb)(const struct kernel_event *e, void *arg), void *arg);

/* Shared by kernel_linux.c and kernel_rules_linux.c. */
struct nl_sock *kernel_nl(struct kernel *k);
/* A request (with ack) or a dump of both families, in a zeroed buffer of
 * KERNEL_MSG_SIZE bytes; the dump's fixed header of hdrlen bytes is 0. */
struct nlmsghdr *kernel_msg_header(void *buf, uint16_t type, uint16_t flags);
struct nlmsghdr *kernel_dump_msg(void *buf, uint16_t type, size_t hdrlen);
/* A route request's header: RTM_NEWROUTE (create, or replace) or RTM_DELROUTE. */
struct nlmsghdr *kernel_route_msg_header(void *buf, enum kernel_op op);
/* Write "1" to a /proc/sys file: 0 or a negative errno. */
int kernel_proc_enable(const char *path);

#endif
