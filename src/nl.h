/*
 * Netlink for the Linux backends: the socket and the message helpers
 * that rtnetlink (kernel_linux.c, kernel_rules_linux.c), WireGuard's
 * generic netlink family (wgdev_genl.c) and nftables (masq_nft.c) share.
 * Private to them: kernel.h, wgdev.h and masq.h show no netlink, so the
 * rest of the daemon and other platforms never see it.
 *
 * Model: one outstanding request per socket. nl_talk() stamps the request
 * with the next sequence number, asks for an ack, and reads until the ack
 * or the end of the dump; replies that do not carry that (seq, portid) are
 * skipped, so a late answer to a request that timed out is never taken for
 * the current one. Every receive is bounded by a timeout. NETLINK_CAP_ACK
 * keeps error replies small; NETLINK_EXT_ACK gives the kernel's own words
 * for what it rejected, kept for the caller's log line (nl_kernel_says()).
 * The receive buffer may hold a WireGuard private key: nl_wipe() and
 * nl_close() wipe it.
 */
#ifndef WGNM_NL_H
#define WGNM_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct nlattr;
struct nlmsghdr;

/* Longest extended-ack text kept from the kernel, NUL included. */
#define NL_ERRMSG_MAX 256
/* Receive buffer: libmnl's NL_BUFSIZE (missing before 1.0.5); dumps and
 * events come in datagrams of up to 32 KiB. */
#define NL_BUFSIZE 32768
/* Room for nl_kernel_says(): the text and its " (kernel: ...)" frame. */
#define NL_KERNEL_SAYS_MAX (NL_ERRMSG_MAX + 16)

/* --- The socket ------------------------------------------------------ */

struct nl_sock;

/* bus: NETLINK_ROUTE or NETLINK_GENERIC. NULL with errno set. */
struct nl_sock *nl_open(int bus);
void nl_close(struct nl_sock *nl);
/*
 * Send req (its seq is assigned here) and read until the ack or the end
 * of the dump, passing each data message to cb (may be NULL). cb returns
 * 0 or a negative errno; the first error is returned after the reply is
 * drained, so the socket stays in step. Returns -EINTR when the kernel
 * marked a dump interrupted (redo it), -ETIMEDOUT when the kernel did not
 * answer in time.
 */
int nl_talk(struct nl_sock *nl, struct nlmsghdr *req,
	    int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg);
/*
 * nl_talk() a dump, redoing it while the kernel reports it interrupted
 * (the table changed under it), a bounded number of times. restart (may
 * be NULL) runs before every attempt to drop what a torn one collected; a
 * negative return from it ends the dump with that error.
 */
int nl_dump_consistent(struct nl_sock *nl, struct nlmsghdr *req,
		       int (*cb)(const struct nlmsghdr *nlh, void *arg),
		       int (*restart)(void *arg), void *arg);
/*
 * Send a batch of len bytes, several messages back to back (nftables
 * takes a transaction as NFNL_MSG_BATCH_BEGIN ... END in one datagram),
 * each stamped here with its own sequence number. Waits for an answer to
 * every message that carries NLM_F_ACK, or for the first error, which is
 * returned (the kernel answers a whole batch before the send returns, so
 * what follows an error is read and dropped without waiting).
 */
int nl_talk_batch(struct nl_sock *nl, void *batch, size_t len);
/* The kernel's extended-ack text for the last failed request, or "". */
const char *nl_errmsg(const struct nl_sock *nl);
/* " (kernel: text)" for the last failed request on nl, or "" if it gave
 * none; buf should hold NL_KERNEL_SAYS_MAX bytes. */
const char *nl_kernel_says(const struct nl_sock *nl, char *buf, size_t len);
/* Wipe the receive buffer (it may have held a private key). */
void nl_wipe(struct nl_sock *nl);

/* --- Messages -------------------------------------------------------- */

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

#endif
