/*
 * The WireGuard device description (struct wgdev_device, wgdev.h) as the
 * backends build it from a get-device reply, shared so that neither
 * backend needs the other: grown one peer and one allowed IP at a time,
 * and freed, wiped, by wgdev_device_free() (declared in wgdev.h, defined
 * in wgdev_device.c). Also the one rule for an interface name that every
 * backend applies.
 */
#ifndef WGNM_WGDEV_DEVICE_H
#define WGNM_WGDEV_DEVICE_H

#include <stdbool.h>

#include "addr.h"
#include "wgdev.h"

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
