/*
 * The admin UDP socket on the libuv loop: one dual-stack socket ([::] with
 * IPv4 mapped) where the system allows it, IPv4 only otherwise. Sends
 * never block: a datagram the kernel cannot take now is dropped, as UDP
 * would drop it anyway, and counted.
 */
#ifndef WGNM_UDP_H
#define WGNM_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "addr.h"

struct udp;

typedef void udp_recv_cb(const uint8_t *buf, size_t len, const struct endpoint *from, void *arg);

int udp_open(uv_loop_t *loop, uint16_t port, udp_recv_cb *cb, void *arg, struct udp **out);
/*
 * The LAN discovery socket: IPv4, bound to port on every address with
 * SO_REUSEADDR, so that every daemon on a host hears the broadcasts.
 */
int udp_open_lan(uv_loop_t *loop, uint16_t port, udp_recv_cb *cb, void *arg, struct udp **out);
/* Returns 0 or a negative errno (the datagram is dropped). */
int udp_send(struct udp *u, const struct endpoint *to, const uint8_t *buf, size_t len);
uint64_t udp_send_failures(const struct udp *u);
/*
 * Datagrams the kernel dropped on this socket before we read them (its
 * receive buffer was full): the socket's own drop counter, the one
 * SO_RXQ_OVFL reports, read with SO_MEMINFO. Per socket, so per network
 * namespace, unlike /proc/net/snmp's RcvbufErrors. -EOPNOTSUPP where the
 * system has no such counter.
 */
int udp_rx_drops(const struct udp *u, uint64_t *drops);
/*
 * Is UDP port `port` bound by some socket in this network namespace (IPv4
 * or IPv6)? Found by binding a throwaway socket there; an error other than
 * EADDRINUSE says nothing (false).
 */
bool udp_port_busy(uint16_t port);
/*
 * Give the socket's packets the mark (SO_MARK; 0 clears it), so that
 * they keep the main routing table while exit-node rules send unmarked
 * traffic into the tunnel (kernel.h). Needs CAP_NET_ADMIN: -EPERM
 * without; -EOPNOTSUPP where the system has no such option.
 */
int udp_set_mark(struct udp *u, uint32_t mark);
/* Closes the socket; the memory goes in the close callback. NULL-safe. */
void udp_close(struct udp *u);

#endif
