/*
 * WireGuard backend: one API over the kernel module (generic netlink,
 * wgdev_genl.c) and userspace implementations (wireguard-go, boringtun)
 * spoken to through the cross-platform UAPI socket (wgdev_uapi.c).
 *
 * The description below mirrors wireguard-tools' containers.h: optional
 * fields carry HAS_* bits, a set is a delta unless REPLACE_* says
 * otherwise. The same struct is what wgdev_get() fills in.
 *
 * Backend choice (wgdev_open): AUTO tries the kernel and falls back to a
 * userspace child when the kernel has no "wireguard" link kind; KERNEL and
 * USERSPACE insist. With existing=true nothing is created: a UAPI socket
 * for the interface means userspace, otherwise genetlink.
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
/* Where wireguard-go and boringtun put their sockets, shared by all
 * network namespaces. */
#define WGDEV_UAPI_DIR "/var/run/wireguard"

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
const char *wgdev_ifname(const struct wgdev *wg);
unsigned wgdev_ifindex(const struct wgdev *wg);

/*
 * The userspace child we spawned, for the daemon to watch: its pid (0 if
 * none) and a pidfd (-1 if none or unsupported) that polls readable when
 * the child exits (put it on a uv_poll_t). The child runs in its own
 * process group, so a terminal's ^C reaches only the daemon, which then
 * stops it in order. Do not waitpid() it yourself: call
 * wgdev_child_check(), which reaps it and returns 1 (exited, *status
 * set, may be NULL), 0 (still running) or -ECHILD (no child).
 */
pid_t wgdev_child_pid(const struct wgdev *wg);
int wgdev_child_pidfd(const struct wgdev *wg);
int wgdev_child_check(struct wgdev *wg, int *status);

/* "auto" | "kernel" | "userspace" -> 0, else -EINVAL. */
int wgdev_backend_parse(const char *s, enum wgdev_backend *out);
const char *wgdev_backend_name(enum wgdev_backend b);

/* --- Backend internals exported for unit tests and fuzzing ----------- */

/*
 * UAPI: build the "set=1" request for dev (*out malloc'ed, NUL-terminated,
 * wipe and free it) and parse a "get=1" reply. The parser is pure: (buf,
 * len) in, a device or a negative errno out (-EPROTO: malformed or no
 * errno line; -EINVAL: bad value; -N: the errno=N the peer reported).
 */
int wgdev_uapi_build_set(const struct wgdev_device *dev, char **out, size_t *len);
int wgdev_uapi_parse_get(const char *buf, size_t len, struct wgdev_device **out);
/* Path of ifname's UAPI socket. -ENAMETOOLONG / -EINVAL on a bad name. */
int wgdev_uapi_path(const char *ifname, char *buf, size_t len);
/* Does a userspace implementation answer on ifname's UAPI socket? */
bool wgdev_uapi_answers(const char *ifname);
/* The pid of the process listening there (SO_PEERCRED), or a negative errno. */
int wgdev_uapi_owner(const char *ifname, pid_t *pid);

/*
 * Generic netlink: set-device is split over as many messages as needed,
 * each at most bufsize bytes. Start with a zeroed cursor; each call
 * builds the next message into buf and returns its length, or 0 when
 * everything has been sent (negative errno if bufsize is too small).
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


/* --- Kernel backend hooks: wgdev_genl.c on Linux, used by wgdev_uapi.c - */

struct wgdev_kernel;

/* create: make the "wireguard" link first. -EOPNOTSUPP: no kernel module. */
int wgdev_kernel_open(const char *ifname, bool create, struct wgdev_kernel **out);
void wgdev_kernel_close(struct wgdev_kernel *wk, bool delete_link);
unsigned wgdev_kernel_ifindex(const struct wgdev_kernel *wk);
int wgdev_kernel_set(struct wgdev_kernel *wk, const struct wgdev_device *dev);
int wgdev_kernel_get(struct wgdev_kernel *wk, struct wgdev_device **out);

#endif
