/*
 * Netlink helpers shared by the two netlink backends: rtnetlink
 * (kernel_linux.c) and WireGuard's generic netlink family (wgdev_genl.c).
 *
 * The socket itself (request/ack, seq and portid matching, extended acks)
 * is kernel_nl_* in kernel.h; what lives here is what both backends did
 * around it: index attributes by type, carry an address in the size the
 * kernel expects for its family, redo a dump the kernel tore, and quote
 * the kernel's own complaint in a log line.
 */
#ifndef WGNM_NL_UTIL_H
#define WGNM_NL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "kernel.h"

struct nlattr;
struct nlmsghdr;

/* Longest extended-ack text kept from the kernel, NUL included. */
#define NL_ERRMSG_MAX 256
/* Room for nl_kernel_says(): the text and its " (kernel: ...)" frame. */
#define NL_KERNEL_SAYS_MAX (NL_ERRMSG_MAX + 16)

/*
 * Fill tb[0..max] with the attributes after a fixed header of hdrlen
 * bytes (or inside nest); absent or unknown types stay NULL, and a
 * repeated type keeps its last instance. Callers still check each
 * attribute's length before reading it.
 */
void nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		   unsigned max);
void nl_attr_table_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max);

/* AF_INET or AF_INET6: our addresses are v4-mapped, the kernel's are not. */
int nl_addr_family(const struct addr *a);
/* Put a as 4 bytes (IPv4) or 16 (IPv6); false if it does not fit in size. */
bool nl_attr_put_addr(struct nlmsghdr *nlh, size_t size, uint16_t type, const struct addr *a);
/* Read an address attribute of exactly the family's size; false otherwise. */
bool nl_attr_get_addr(const struct nlattr *a, int family, struct addr *out);

/*
 * kernel_nl_talk() a dump, redoing it while the kernel reports it
 * interrupted (the table changed under it), a bounded number of times.
 * restart (may be NULL) runs before every attempt to drop what a torn
 * one collected; a negative return from it ends the dump with that error.
 */
int nl_dump_consistent(struct kernel_nl *nl, struct nlmsghdr *req,
		       int (*cb)(const struct nlmsghdr *nlh, void *arg),
		       int (*restart)(void *arg), void *arg);

/* " (kernel: text)" for the last failed request on nl, or "" if it gave
 * none; buf should hold NL_KERNEL_SAYS_MAX bytes. */
const char *nl_kernel_says(const struct kernel_nl *nl, char *buf, size_t len);

#endif
