/*
 * The WireGuard device description shared by the backends; see
 * wgdev_device.h. Peers and allowed IPs grow with realloc: a device holds
 * no private key while it grows (get-device replies put the key on the
 * device, never on a peer), and wgdev_device_free() wipes what it frees.
 */
#include "wgdev_device.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct wgdev_peer *wgdev_device_add_peer(struct wgdev_device *dev)
{
	void *v = realloc(dev->peers, (dev->n_peers + 1) * sizeof(*dev->peers));

	if (!v)
		return NULL;
	dev->peers = v;
	memset(&dev->peers[dev->n_peers], 0, sizeof(dev->peers[0]));
	return &dev->peers[dev->n_peers++];
}

int wgdev_device_add_allowed_ip(struct wgdev_peer *p, const struct prefix *pf)
{
	void *v = realloc(p->allowed_ips, (p->n_allowed_ips + 1) * sizeof(*p->allowed_ips));

	if (!v)
		return -ENOMEM;
	p->allowed_ips = v;
	p->allowed_ips[p->n_allowed_ips++] = *pf;
	return 0;
}

void wgdev_device_free(struct wgdev_device *dev)
{
	if (!dev)
		return;
	for (size_t i = 0; i < dev->n_peers; i++)
		free(dev->peers[i].allowed_ips);
	free(dev->peers);
	sodium_memzero(dev, sizeof(*dev));
	free(dev);
}

bool wgdev_device_ifname_ok(const char *ifname)
{
	size_t n = strnlen(ifname, WGDEV_IFNAMSIZ);

	return n > 0 && n < WGDEV_IFNAMSIZ && !strchr(ifname, '/') && strcmp(ifname, ".") != 0 &&
	       strcmp(ifname, "..") != 0;
}
