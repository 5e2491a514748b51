/*
 * The WireGuard device description: what wgdev_set() applies and
 * wgdev_get() fills in (wgdev.h), and what every backend turns into its
 * own messages and back. Here, not in wgdev.h, so that the backends share
 * it without knowing the dispatcher or each other.
 *
 * It mirrors wireguard-tools' containers.h: optional fields carry HAS_*
 * bits, a set is a delta unless REPLACE_* says otherwise. A device from a
 * get-device reply is grown one peer and one allowed IP at a time and
 * freed, wiped, with wgdev_device_free(). Also the one rule for an
 * interface name that every backend applies.
 */
#ifndef WGNM_WGDEV_DEVICE_H
#define WGNM_WGDEV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define WGDEV_KEY_LEN 32
#define WGDEV_IFNAMSIZ 16

enum {
	WGDEV_PEER_REMOVE = 1u << 0,
	WGDEV_PEER_REPLACE_ALLOWEDIPS = 1u << 1,
	WGDEV_PEER_HAS_ENDPOINT = 1u << 2,
	WGDEV_PEER_HAS_KEEPALIVE = 1u << 3,
	/* Only change a peer that exists; never create it. */
	WGDEV_PEER_UPDATE_ONLY = 1u << 4,
};

struct wgdev_peer {
	uint8_t public_key[WGDEV_KEY_LEN];
	uint32_t flags;
	struct endpoint endpoint;
	uint16_t keepalive;             /* seconds; 0 turns it off */
	struct prefix *allowed_ips;     /* set: caller's; get: freed by wgdev_device_free */
	size_t n_allowed_ips;
	/* Filled by wgdev_get() only. 0/0: never. */
	int64_t last_handshake_sec;
	int64_t last_handshake_nsec;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
};

enum {
	WGDEV_HAS_PRIVATE_KEY = 1u << 0,
	WGDEV_HAS_LISTEN_PORT = 1u << 1,
	WGDEV_REPLACE_PEERS = 1u << 2,
	WGDEV_HAS_PUBLIC_KEY = 1u << 3,  /* get only */
	/* set: apply fwmark (0 clears it); get: the device has a mark. */
	WGDEV_HAS_FWMARK = 1u << 4,
};

struct wgdev_device {
	uint32_t flags;
	uint8_t private_key[WGDEV_KEY_LEN];
	uint8_t public_key[WGDEV_KEY_LEN];
	uint16_t listen_port;
	/* SO_MARK on the device's UDP sockets: policy routing tells its
	 * packets apart by it (exit-node routing, kernel.h). */
	uint32_t fwmark;
	struct wgdev_peer *peers;
	size_t n_peers;
};

/* NULL-safe; wipes the device (it may hold the private key). */
void wgdev_device_free(struct wgdev_device *dev);

/* --- For the backends' parsers --------------------------------------- */

/* A new zeroed peer at the end of dev->peers; NULL when out of memory
 * (dev is unchanged). Earlier peer pointers may move. */
struct wgdev_peer *wgdev_device_add_peer(struct wgdev_device *dev);
/* Append pf to p's allowed IPs: 0 or -ENOMEM (p unchanged). */
int wgdev_device_add_allowed_ip(struct wgdev_peer *p, const struct prefix *pf);

/*
 * 1 to WGDEV_IFNAMSIZ - 1 bytes, no '/', not "." or "..": the name is
 * also a file name (the UAPI socket), so it must not leave its directory.
 */
bool wgdev_device_ifname_ok(const char *ifname);

#endif
