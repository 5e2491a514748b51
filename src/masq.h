/*
 * Masquerade of overlay traffic leaving through the host's other
 * interfaces: what a node that carries a subnet route or offers an exit
 * node does, so that hosts behind it (a LAN, the internet) need no route
 * back to the overlay. A thin host-side module: it installs what it is
 * told; which node masquerades what is the caller's decision.
 * Platform-neutral; masq_nft.c implements it with nftables on Linux.
 *
 * Model: everything for one WireGuard interface lives in one firewall
 * object of this program's own, named after the interface (on Linux the
 * nftables table "inet wgnm_IFNAME"). So several daemons on one host
 * never touch each other's rules, and removing that object by the
 * interface's name removes all of it: stop and the cleanup after a
 * crashed run are the same call. Install replaces the whole object in
 * one transaction: the rules are never half there, and installing again
 * is harmless.
 *
 * The rule: a packet that came in from the WireGuard interface, leaves
 * through any other interface and has a source inside an overlay prefix
 * gets the address of the interface it leaves by.
 */
#ifndef WGNM_MASQ_H
#define WGNM_MASQ_H

#include <stddef.h>

#include "addr.h"

/* The most overlay prefixes one install takes (an IPv4 and an IPv6
 * overlay are two). */
#define MASQ_PREFIX_MAX 8

struct masq;

/*
 * NULL with errno set: EOPNOTSUPP when the kernel has no netfilter
 * netlink at all (nothing can have been installed then), EPERM without
 * CAP_NET_ADMIN, ENOMEM.
 */
struct masq *masq_open(void);
/* NULL-safe. Leaves the rules in place (masq_remove() takes them). */
void masq_close(struct masq *m);

/*
 * Masquerade traffic from wg_ifname whose source lies in one of the n
 * overlay prefixes (IPv4 and IPv6 alike; each rule matches the family of
 * its prefix), replacing whatever was installed for wg_ifname before.
 * Errors: -EINVAL (bad interface name; n is 0 or above MASQ_PREFIX_MAX;
 * a prefix of length 0 or beyond its family), -EOPNOTSUPP (the kernel has
 * no nf_tables, or no NAT in it: nf_nat, nft_chain_nat, nft_masq; the
 * kernel's words are in the log), -EPERM, -ETIMEDOUT, or another negative
 * errno from the kernel. On failure nothing changed.
 */
int masq_install(struct masq *m, const char *wg_ifname, const struct prefix *overlay, size_t n);
/*
 * Remove everything installed for wg_ifname: 0, also when there was
 * nothing. -EOPNOTSUPP: the kernel has no nf_tables (so nothing can be
 * there).
 */
int masq_remove(struct masq *m, const char *wg_ifname);

#endif
