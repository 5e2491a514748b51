/*
 * WireGuard backend: one API over the kernel module and userspace
 * implementations (wireguard-go, boringtun). This is all the daemon sees;
 * wgdev.c chooses the backend and hands each call to it:
 *
 *   wgdev.c          the dispatcher: this API, the choice of backend
 *   wgdev_genl.c     kernel WireGuard (generic netlink, via nl.h)
 *   wgdev_uapi.c     the UAPI text protocol on a userspace socket
 *   wgdev_child.c    a userspace implementation run as our child
 *   wgdev_device.c   the device description below, shared by all
 *
 * The description below mirrors wireguard-tools' containers.h: optional
 * fields carry HAS_* bits, a set is a delta unless REPLACE_* says
 * otherwise. The same struct is what wgdev_get() fills in.
 *
 * Backend choice (wgdev_open): AUTO tries the kernel and falls back to a
 * userspace child when the kernel has no "wireguard" link kind; KERNEL and
 * USERSPACE insist. With existing=true nothing is created: a UAPI socket
 * for the interface means userspace, otherwise the kernel.
 */
#ifndef WGNM_WGDEV_H
#define WGNM_WGDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#define WGDEV_KEY_LEN 32
#define WGDEV_IFNAMSIZ 16

enum wgdev_backend {
	WGDEV_BACKEND_AUTO,
	WGDEV_BACKEND_KERNEL,
	WGDEV_BACKEND_USERSPACE,
};

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
};

struct wgdev_device {
	uint32_t flags;
	uint8_t private_key[WGDEV_KEY_LEN];
	uint8_t public_key[WGDEV_KEY_LEN];
	uint16_t listen_port;
	struct wgdev_peer *peers;
	size_t n_peers;
};

struct wgdev;

/*
 * Open the WireGuard device ifname. existing=false creates it (-EEXIST if
 * the name is taken); existing=true uses one that is there (-ENODEV if
 * not). On other failures logs what to install or why (-EEXIST is the
 * caller's to explain). *out is freed by wgdev_close().
 */
int wgdev_open(const char *ifname, enum wgdev_backend pref, bool existing, struct wgdev **out);
/* Apply dev. Private keys are wiped from every buffer used. */
int wgdev_set(struct wgdev *wg, const struct wgdev_device *dev);
/* *out is malloc'ed; release with wgdev_device_free(). */
int wgdev_get(struct wgdev *wg, struct wgdev_device **out);
void wgdev_device_free(struct wgdev_device *dev);
/*
 * Release wg. delete_link: remove the interface (kernel) or stop the
 * userspace child we started (SIGTERM, up to 2 s, then SIGKILL), which
 * takes its interface with it. Never touches a child of existing=true.
 */
void wgdev_close(struct wgdev *wg, bool delete_link);

enum wgdev_backend wgdev_backend_of(const struct wgdev *wg);
unsigned wgdev_ifindex(const struct wgdev *wg);

/*
 * The userspace child we spawned (wgdev_child.c), for the daemon to
 * watch: its pid (0 if none) and a pidfd (-1 if none or unsupported) that
 * polls readable when the child exits (put it on a uv_poll_t). The child
 * runs in its own process group, so a terminal's ^C reaches only the
 * daemon, which then stops it in order. Do not waitpid() it yourself:
 * call wgdev_child_check(), which reaps it and returns 1 (exited,
 * *status set, may be NULL), 0 (still running) or -ECHILD (no child).
 */
pid_t wgdev_child_pid(const struct wgdev *wg);
int wgdev_child_pidfd(const struct wgdev *wg);
int wgdev_child_check(struct wgdev *wg, int *status);

/* "auto" | "kernel" | "userspace" -> 0, else -EINVAL. */
int wgdev_backend_parse(const char *s, enum wgdev_backend *out);
const char *wgdev_backend_name(enum wgdev_backend b);

#endif
