/*
 * What kernel_linux.c shows besides kernel.h, for its unit tests: the
 * rtnetlink messages it sends, built without a socket so the bytes can be
 * checked, and the parser of the messages its event socket receives.
 * Linux only; the daemon uses kernel.h.
 */
#ifndef WGNM_KERNEL_LINUX_H
#define WGNM_KERNEL_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "kernel.h"

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

/* Parse a buffer of netlink messages as received (pure). */
int kernel_events_parse(const void *buf, size_t len,
			void (*cb)(const struct kernel_event *e, void *arg), void *arg);

#endif
