/*
 * Kernel WireGuard over generic netlink (wgdev_genl.c): the backend the
 * dispatcher (wgdev.c) opens where the kernel has the "wireguard" link
 * kind, and the message builders and parser its unit test checks byte by
 * byte. Linux only; the daemon uses wgdev.h.
 */
#ifndef WGNM_WGDEV_GENL_H
#define WGNM_WGDEV_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgdev_device.h"

/* --- The backend ----------------------------------------------------- */

struct wgdev_genl;

/* create: make the "wireguard" link first. -EOPNOTSUPP: no kernel module. */
int wgdev_genl_open(const char *ifname, bool create, struct wgdev_genl **out);
/* NULL-safe. delete_link: remove the interface too. */
void wgdev_genl_close(struct wgdev_genl *wk, bool delete_link);
unsigned wgdev_genl_ifindex(const struct wgdev_genl *wk);
int wgdev_genl_set(struct wgdev_genl *wk, const struct wgdev_device *dev);
int wgdev_genl_get(struct wgdev_genl *wk, struct wgdev_device **out);

/* --- Messages (for tests) -------------------------------------------- */

/*
 * Set-device is split over as many messages as needed, each at most
 * bufsize bytes. Start with a zeroed cursor; each call builds the next
 * message into buf and returns its length, or 0 when everything has been
 * sent (negative errno if bufsize is too small).
 */
struct wgdev_genl_cursor {
	size_t peer;    /* next peer to (continue to) put */
	size_t aip;     /* next allowed IP of that peer */
	bool started;   /* the device attributes went out */
	bool done;
};

int wgdev_genl_build_set(void *buf, size_t bufsize, uint16_t family, const char *ifname,
			 const struct wgdev_device *dev, struct wgdev_genl_cursor *cur);
/* Build the get-device dump request into buf (>= 256 bytes). */
size_t wgdev_genl_build_get(void *buf, uint16_t family, const char *ifname);
/*
 * Add one get-device reply message to *dev; a peer continued from the
 * previous message (same public key as the last peer) is merged.
 */
int wgdev_genl_parse_get(const void *msg, size_t len, struct wgdev_device *dev);

#endif
