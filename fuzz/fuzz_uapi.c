/*
 * libFuzzer target: the UAPI get/set reply parser of wgdev_uapi.c. The
 * reply comes from whatever process owns /var/run/wireguard/IFNAME.sock,
 * so it is input we do not control.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wgdev_uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgdev_device *dev = NULL;

	if (wgdev_uapi_parse_get((const char *)data, size, &dev) == 0) {
		/* Walk what came out so ASan sees every byte of it. */
		volatile uint64_t sink = dev->listen_port;
		for (size_t i = 0; i < dev->n_peers; i++) {
			sink += dev->peers[i].rx_bytes + dev->peers[i].n_allowed_ips;
			for (size_t j = 0; j < dev->peers[i].n_allowed_ips; j++)
				sink += dev->peers[i].allowed_ips[j].len;
		}
		(void)sink;
		wgdev_device_free(dev);
	}
	return 0;
}
