/*
 * A userspace WireGuard implementation (wireguard-go, boringtun) run as
 * our child, for the dispatcher (wgdev.c) when the kernel cannot make a
 * "wireguard" link.
 *
 * Model: the binary is looked for in fixed directories, never in $PATH;
 * the child gets an environment of its own (nothing of ours passes but
 * the implementations' log level), its own process group (a ^C on the
 * terminal is the daemon's to handle), default signal dispositions, stdin
 * on /dev/null, and PR_SET_PDEATHSIG, so it cannot outlive a crashed
 * daemon and hold the interface. It is up once it answers on its UAPI
 * socket (wgdev_uapi.h). It is stopped with SIGTERM, then SIGKILL after
 * 2 s; only that one pid is ever signalled. Its exit is ours to reap, and
 * a pidfd lets the daemon's loop notice it.
 */
#ifndef WGNM_WGDEV_CHILD_H
#define WGNM_WGDEV_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "wgdev_device.h"

struct wgdev_child {
	char ifname[WGDEV_IFNAMSIZ];
	pid_t pid;      /* 0: none (or already reaped) */
	int pidfd;      /* -1: none, or the kernel has no pidfd_open */
};

/* No child yet, for ifname. */
void wgdev_child_init(struct wgdev_child *c, const char *ifname);
/*
 * Start an implementation for c->ifname and wait up to 3 s for its
 * socket: $WG_QUICK_USERSPACE_IMPLEMENTATION if set (an absolute path or a
 * bare name), then wireguard-go, boringtun, boringtun-cli. -ENOENT: none
 * is installed; otherwise the last failure (-ECHILD: it exited early,
 * -ETIMEDOUT: no socket in time). Each attempt is logged.
 */
int wgdev_child_start(struct wgdev_child *c);
/* Stop and reap it (SIGTERM, up to 2 s, then SIGKILL and remove the
 * socket it left). Nothing to do if there is no child. */
void wgdev_child_stop(struct wgdev_child *c);
/* Reap it if it exited: 1 (exited, *status set, may be NULL), 0 (still
 * running) or -ECHILD (no child). */
int wgdev_child_reap(struct wgdev_child *c, int *status);

/* name: a bare name, looked up in the fixed directories, or an absolute
 * path. The path of the executable in out, or false. */
bool wgdev_child_find(const char *name, char *out, size_t len);

#endif
