/*
 * The WireGuard backend API of wgdev.h: chooses the backend for an
 * interface and hands every call to it. This file is the only one that
 * knows all three parts; none of them calls back here:
 *
 *   wgdev_genl.c   kernel WireGuard (generic netlink)
 *   wgdev_uapi.c   the UAPI protocol of a userspace implementation
 *   wgdev_child.c  the userspace implementation we start, as our child
 *
 * Choice (see wgdev.h): a new interface is made by the kernel if it has
 * the "wireguard" link kind (unless USERSPACE is asked for), else by a
 * child; an existing one is the userspace's if its UAPI socket answers
 * (unless KERNEL is asked for), else the kernel's. Interface indexes
 * come from kernel.h. Every failure is logged here, with what to install
 * or why, in the daemon's terms.
 */
#include "wgdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"
#include "wgdev_child.h"
#include "wgdev_device.h"
#include "wgdev_genl.h"
#include "wgdev_uapi.h"

struct wgdev {
	enum wgdev_backend backend;     /* KERNEL or USERSPACE once open */
	char ifname[WGDEV_IFNAMSIZ];
	unsigned ifindex;
	struct wgdev_genl *wk;
	struct wgdev_child child;       /* USERSPACE: the one we started, if any */
};

static const char install_hint[] =
	"install the wireguard kernel module, or wireguard-go / boringtun";

/* --- names ------------------------------------------------------------- */

int wgdev_backend_parse(const char *s, enum wgdev_backend *out)
{
	if (!strcmp(s, "auto"))
		*out = WGDEV_BACKEND_AUTO;
	else if (!strcmp(s, "kernel"))
		*out = WGDEV_BACKEND_KERNEL;
	else if (!strcmp(s, "userspace"))
		*out = WGDEV_BACKEND_USERSPACE;
	else
		return -EINVAL;
	return 0;
}

const char *wgdev_backend_name(enum wgdev_backend b)
{
	switch (b) {
	case WGDEV_BACKEND_AUTO:
		return "auto";
	case WGDEV_BACKEND_KERNEL:
		return "kernel";
	case WGDEV_BACKEND_USERSPACE:
		return "userspace";
	}
	return "?";
}

/* --- choosing ------------------------------------------------------------ */

static int link_index(const char *ifname, unsigned *ifindex)
{
	struct kernel *k = kernel_open();
	int ret;

	if (!k)
		return -errno;
	ret = kernel_link_index(k, ifname, ifindex);
	kernel_close(k);
	return ret;
}

static int open_existing(struct wgdev *wg, enum wgdev_backend pref)
{
	bool sock = wgdev_uapi_answers(wg->ifname);
	int ret;

	if (sock && pref != WGDEV_BACKEND_KERNEL) {
		wg->backend = WGDEV_BACKEND_USERSPACE;
		ret = link_index(wg->ifname, &wg->ifindex);
		if (ret < 0)
			log_warnx("%s: UAPI socket present but no such interface here: %s", wg->ifname,
				  strerror(-ret));
		return ret;
	}
	if (pref == WGDEV_BACKEND_USERSPACE) {
		log_warnx("%s: no userspace WireGuard is serving it (no %s/%s.sock)", wg->ifname,
			  WGDEV_UAPI_DIR, wg->ifname);
		return -ENODEV;
	}
	wg->backend = WGDEV_BACKEND_KERNEL;
	ret = wgdev_genl_open(wg->ifname, false, &wg->wk);
	if (ret == -ENODEV)
		log_warnx("%s: no such interface", wg->ifname);
	else if (ret < 0)
		log_warnx("%s: not a WireGuard interface we can reach (%s); %s", wg->ifname,
			  strerror(-ret), install_hint);
	else
		wg->ifindex = wgdev_genl_ifindex(wg->wk);
	return ret;
}

static int open_new(struct wgdev *wg, enum wgdev_backend pref)
{
	unsigned idx;
	int ret;

	if (pref != WGDEV_BACKEND_USERSPACE) {
		ret = wgdev_genl_open(wg->ifname, true, &wg->wk);
		if (ret == 0) {
			wg->backend = WGDEV_BACKEND_KERNEL;
			wg->ifindex = wgdev_genl_ifindex(wg->wk);
			return 0;
		}
		if (ret == -EEXIST) {
			log_debug("%s: interface already exists", wg->ifname);
			return ret;
		}
		if (ret == -EPERM || ret == -EACCES) {
			log_warnx("%s: cannot create an interface: %s; needs root (CAP_NET_ADMIN)",
				  wg->ifname, strerror(-ret));
			return ret;
		}
		if (pref == WGDEV_BACKEND_KERNEL) {
			log_warnx("%s: cannot create a kernel WireGuard interface: %s; %s",
				  wg->ifname, strerror(-ret), install_hint);
			return ret;
		}
		log_info("%s: no kernel WireGuard (%s); trying a userspace implementation",
			 wg->ifname, strerror(-ret));
	}
	if (link_index(wg->ifname, &idx) == 0 || wgdev_uapi_answers(wg->ifname)) {
		log_debug("%s: interface already exists", wg->ifname);
		return -EEXIST;
	}
	ret = wgdev_child_start(&wg->child);
	if (ret < 0) {
		log_warnx("%s: no WireGuard implementation could create it; %s", wg->ifname,
			  install_hint);
		return ret;
	}
	wg->backend = WGDEV_BACKEND_USERSPACE;
	ret = link_index(wg->ifname, &wg->ifindex);
	if (ret < 0) {
		log_warnx("%s: userspace WireGuard runs but the interface is missing: %s", wg->ifname,
			  strerror(-ret));
		wgdev_child_stop(&wg->child);
	}
	return ret;
}

int wgdev_open(const char *ifname, enum wgdev_backend pref, bool existing, struct wgdev **out)
{
	struct wgdev *wg;
	int ret;

	if (!wgdev_device_ifname_ok(ifname))
		return -EINVAL;
	wg = calloc(1, sizeof(*wg));
	if (!wg)
		return -ENOMEM;
	snprintf(wg->ifname, sizeof(wg->ifname), "%s", ifname);
	wgdev_child_init(&wg->child, ifname);
	ret = existing ? open_existing(wg, pref) : open_new(wg, pref);
	if (ret < 0) {
		wgdev_genl_close(wg->wk, false);
		free(wg);
		return ret;
	}
	log_info("%s: WireGuard backend %s%s", ifname, wgdev_backend_name(wg->backend),
		 existing ? " (existing interface)" : "");
	*out = wg;
	return 0;
}

/* --- dispatching --------------------------------------------------------- */

int wgdev_set(struct wgdev *wg, const struct wgdev_device *dev)
{
	if (wg->backend == WGDEV_BACKEND_KERNEL)
		return wgdev_genl_set(wg->wk, dev);
	return wgdev_uapi_set(wg->ifname, dev);
}

int wgdev_set_fwmark(struct wgdev *wg, uint32_t mark)
{
	const struct wgdev_device dev = { .flags = WGDEV_HAS_FWMARK, .fwmark = mark };

	return wgdev_set(wg, &dev);
}

int wgdev_get(struct wgdev *wg, struct wgdev_device **out)
{
	if (wg->backend == WGDEV_BACKEND_KERNEL)
		return wgdev_genl_get(wg->wk, out);
	return wgdev_uapi_get(wg->ifname, out);
}

void wgdev_close(struct wgdev *wg, bool delete_link)
{
	if (!wg)
		return;
	if (wg->backend == WGDEV_BACKEND_KERNEL) {
		wgdev_genl_close(wg->wk, delete_link);
	} else if (wg->child.pid > 0) {
		/* Always: PDEATHSIG would end it with us anyway, and it takes
		 * its interface along. */
		wgdev_child_stop(&wg->child);
	} else if (delete_link && wg->ifindex) {
		/* Someone else's implementation: removing the tun device
		 * makes it shut down. */
		struct kernel *k = kernel_open();
		if (k) {
			(void)kernel_link_delete(k, wg->ifindex);
			kernel_close(k);
		}
	}
	free(wg);
}

enum wgdev_backend wgdev_backend_of(const struct wgdev *wg)
{
	return wg->backend;
}

unsigned wgdev_ifindex(const struct wgdev *wg)
{
	return wg->ifindex;
}

pid_t wgdev_child_pid(const struct wgdev *wg)
{
	return wg->child.pid;
}

int wgdev_child_pidfd(const struct wgdev *wg)
{
	return wg->child.pidfd;
}

int wgdev_child_check(struct wgdev *wg, int *status)
{
	return wgdev_child_reap(&wg->child, status);
}
