/*
 * The cross-platform UAPI protocol of userspace WireGuard (wgdev_uapi.c):
 * text requests and replies on the unix socket an implementation opens
 * for its interface. The dispatcher (wgdev.c) sets and gets a device
 * through it; wgdev_child.c waits for a child's socket with it; iflock.c
 * asks who serves an interface.
 */
#ifndef WGNM_WGDEV_UAPI_H
#define WGNM_WGDEV_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "wgdev_device.h"

/* Where wireguard-go and boringtun put their sockets, shared by all
 * network namespaces. */
#define WGDEV_UAPI_DIR "/var/run/wireguard"

/* Path of ifname's UAPI socket. -ENAMETOOLONG / -EINVAL on a bad name. */
int wgdev_uapi_path(const char *ifname, char *buf, size_t len);
/* Does a userspace implementation answer on ifname's UAPI socket? */
bool wgdev_uapi_answers(const char *ifname);
/* The pid of the process listening there (SO_PEERCRED), or a negative errno. */
int wgdev_uapi_owner(const char *ifname, pid_t *pid);

/*
 * One exchange each, within a 2 s deadline; failures are logged. get:
 * *out is malloc'ed, release with wgdev_device_free(). Private keys are
 * wiped from the request and reply buffers.
 */
int wgdev_uapi_set(const char *ifname, const struct wgdev_device *dev);
int wgdev_uapi_get(const char *ifname, struct wgdev_device **out);

/*
 * The text itself (pure; for tests and fuzzing): build the "set=1"
 * request for dev (*out malloc'ed, NUL-terminated, wipe and free it) and
 * parse a "get=1" reply: (buf, len) in, a device or a negative errno out
 * (-EPROTO: malformed or no errno line; -EINVAL: bad value; -N: the
 * errno=N the peer reported).
 */
int wgdev_uapi_build_set(const struct wgdev_device *dev, char **out, size_t *len);
int wgdev_uapi_parse_get(const char *buf, size_t len, struct wgdev_device **out);

#endif
