/*
 * The mesh core's actions (core/mesh.h), carried out on this host after
 * each event: datagrams sealed and sent (LAN hellos to the broadcast
 * address of every local IPv4 LAN), all WireGuard peer changes of the step
 * in one request and in order, kernel routes added or removed, log lines
 * at the core's level. Failures are logged and counted, never fatal: the
 * core's next step states again what it wants.
 *
 * The host's handles come in a struct filled by the daemon for each call,
 * so this file knows nothing of the daemon's loop or of its state.
 */
#ifndef WGNM_DAEMON_ACT_H
#define WGNM_DAEMON_ACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/mesh.h"

struct gateway;
struct kernel;
struct seal_key;
struct udp;
struct wgdev;

struct daemon_act {
	const struct seal_key *key;	/* the admin key datagrams are sealed with */
	struct udp *udp;		/* the admin socket */
	const struct endpoint *bcast;	/* our LANs' broadcast addresses, for LAN hellos */
	size_t n_bcast;
	struct kernel *k;		/* routes */
	unsigned ifindex;		/* of the WireGuard interface */
	struct wgdev *wg;
	struct gateway *gw;		/* the default route (an exit node in use) */
	const char *ifname;		/* for the log */
	const char *revoked_path;	/* where revocations are kept ("": nowhere) */
	uint64_t send_errors;		/* out: datagrams the socket did not take */
};

/* Carry out acts[0..n): the peers first, in one request, then the rest in order. */
void daemon_act_apply(struct daemon_act *h, const struct mesh_action *acts, size_t n);

#endif
