/*
 * WireGuard backend: one API over the kernel module and userspace
 * implementations (wireguard-go, boringtun). This is all the daemon sees;
 * wgdev.c chooses the backend and hands each call to it:
 *
 *   wgdev.c          the dispatcher: this API, the choice of backend
 *   wgdev_genl.c     kernel WireGuard (generic netlink, via nl.h)
 *   wgdev_uapi.c     the UAPI text protocol on a userspace socket
 *   wgdev_child.c    a userspace implementation run as our child
 *   wgdev_device.c   the device description (struct wgdev_device, what
 *                    wgdev_set() applies and wgdev_get() fills in),
 *                    shared by all; wgdev_device.h, included here
 *
 * Backend choice (wgdev_open): AUTO tries the kernel and falls back to a
 * userspace child when the kernel has no "wireguard" link kind; KERNEL and
 * USERSPACE insist. With existing=true nothing is created: a UAPI socket
 * for the interface means userspace, otherwise the kernel.
 */
#ifndef WGNM_WGDEV_H
#define WGNM_WGDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "wgdev_device.h"

enum wgdev_backend {
	WGDEV_BACKEND_AUTO,
	WGDEV_BACKEND_KERNEL,
	WGDEV_BACKEND_USERSPACE,
};

struct wgdev;

/*
 * Open the WireGuard device ifname. existing=false creates it (-EEXIST if
 * the name is taken); existing=true uses one that is there (-ENODEV if
 * not). On other failures logs what to install or why (-EEXIST is the
 * caller's to explain). *out is freed by wgdev_close().
 */
int wgdev_open(const char *ifname, enum wgdev_backend pref, bool existing, struct wgdev **out);
/* Apply dev (a delta, see wgdev_device.h). Private keys are wiped from
 * every buffer used. */
int wgdev_set(struct wgdev *wg, const struct wgdev_device *dev);
/* Set (mark != 0) or clear the fwmark of the device's own packets. */
int wgdev_set_fwmark(struct wgdev *wg, uint32_t mark);
/* *out is malloc'ed; release with wgdev_device_free(). */
int wgdev_get(struct wgdev *wg, struct wgdev_device **out);
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
