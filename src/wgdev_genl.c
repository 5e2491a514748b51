/*
 * Kernel WireGuard over generic netlink (family "wireguard"), the layout
 * of uapi/linux/wireguard.h. The dispatcher, wgdev.c, chooses the backend
 * and calls wgdev_genl_open/set/get/close; the socket is nl.h's, the link
 * is made, found and removed through kernel.h.
 *
 * Two things the kernel interface forces on us (as in wireguard-tools
 * ipc-linux.h): a set-device with many peers or allowed IPs does not fit
 * one netlink message, so it is cut into several, carrying the device
 * attributes and REPLACE_PEERS only in the first, and repeating a peer's
 * public key (without REPLACE_ALLOWEDIPS) where its allowed IPs continue;
 * and a get-device dump may likewise split one peer over two messages,
 * which the parser merges back.
 */
#include "wgdev_genl.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel.h"
#include "log.h"
#include "nl.h"
#include "wgdev_device.h"

/*
 * uapi/linux/wireguard.h, restated: it is missing from older libc headers,
 * and tests/test_wgdev.c checks our messages against the installed copy,
 * which catches a slip here.
 */
#define WG_GENL_NAME "wireguard"
#define WG_GENL_VERSION 1
enum { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE };
enum { WGDEVICE_F_REPLACE_PEERS = 1U << 0 };
enum {
	WGDEVICE_A_UNSPEC, WGDEVICE_A_IFINDEX, WGDEVICE_A_IFNAME, WGDEVICE_A_PRIVATE_KEY,
	WGDEVICE_A_PUBLIC_KEY, WGDEVICE_A_FLAGS, WGDEVICE_A_LISTEN_PORT, WGDEVICE_A_FWMARK,
	WGDEVICE_A_PEERS, __WGDEVICE_A_LAST
};
#define WGDEVICE_A_MAX (__WGDEVICE_A_LAST - 1)
enum {
	WGPEER_F_REMOVE_ME = 1U << 0,
	WGPEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_F_UPDATE_ONLY = 1U << 2,
};
enum {
	WGPEER_A_UNSPEC, WGPEER_A_PUBLIC_KEY, WGPEER_A_PRESHARED_KEY, WGPEER_A_FLAGS,
	WGPEER_A_ENDPOINT, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, WGPEER_A_LAST_HANDSHAKE_TIME,
	WGPEER_A_RX_BYTES, WGPEER_A_TX_BYTES, WGPEER_A_ALLOWEDIPS, WGPEER_A_PROTOCOL_VERSION,
	__WGPEER_A_LAST
};
#define WGPEER_A_MAX (__WGPEER_A_LAST - 1)
enum {
	WGALLOWEDIP_A_UNSPEC, WGALLOWEDIP_A_FAMILY, WGALLOWEDIP_A_IPADDR, WGALLOWEDIP_A_CIDR_MASK,
	__WGALLOWEDIP_A_LAST
};
#define WGALLOWEDIP_A_MAX (__WGALLOWEDIP_A_LAST - 1)

/* What the kernel reads in one go (wireguard-tools uses the same). */
#define GENL_MSG_MAX 8192
/* Room for the device header plus one complete peer with one allowed IP;
 * anything smaller could not make progress. */
#define GENL_MSG_MIN 512

struct wgdev_genl {
	struct kernel *rt;
	struct nl_sock *nl;
	uint16_t family;
	char ifname[WGDEV_IFNAMSIZ];
	unsigned ifindex;
};

/* --- building -------------------------------------------------------- */

static struct nlmsghdr *genl_header(void *buf, uint16_t family, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = WG_GENL_VERSION;
	return nlh;
}

/* The kernel parses nests strictly: NLA_F_NESTED must be set. */
static struct nlattr *nest_start(struct nlmsghdr *nlh, size_t size, uint16_t type)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, size, type);

	if (n)
		n->nla_type |= NLA_F_NESTED;
	return n;
}

size_t wgdev_genl_build_get(void *buf, uint16_t family, const char *ifname)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, 256);
	nlh = genl_header(buf, family, NLM_F_REQUEST | NLM_F_DUMP, WG_CMD_GET_DEVICE);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	return nlh->nlmsg_len;
}

/* The header fields of a peer: on its first appearance only. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t size, const struct wgdev_peer *p)
{
	uint32_t flags = 0;

	if (p->flags & WGDEV_PEER_REMOVE)
		flags |= WGPEER_F_REMOVE_ME;
	if (p->flags & WGDEV_PEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (p->flags & WGDEV_PEER_UPDATE_ONLY)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (flags && !mnl_attr_put_u32_check(nlh, size, WGPEER_A_FLAGS, flags))
		return false;
	if (p->flags & WGDEV_PEER_REMOVE)
		return true;
	if (p->flags & WGDEV_PEER_HAS_ENDPOINT) {
		struct sockaddr_storage ss;
		unsigned sl = endpoint_to_sockaddr(&p->endpoint, &ss);

		if (!mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, sl, &ss))
			return false;
	}
	if ((p->flags & WGDEV_PEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, size, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive))
		return false;
	return true;
}

static bool put_allowed_ip(struct nlmsghdr *nlh, size_t size, const struct prefix *pf)
{
	struct nlattr *n = nest_start(nlh, size, 0);
	uint16_t family = (uint16_t)nl_addr_family(&pf->addr);

	if (!n)
		return false;
	if (!mnl_attr_put_u16_check(nlh, size, WGALLOWEDIP_A_FAMILY, family) ||
	    !nl_attr_put_addr(nlh, size, WGALLOWEDIP_A_IPADDR, &pf->addr) ||
	    !mnl_attr_put_u8_check(nlh, size, WGALLOWEDIP_A_CIDR_MASK, pf->len)) {
		mnl_attr_nest_cancel(nlh, n);
		return false;
	}
	mnl_attr_nest_end(nlh, n);
	return true;
}

int wgdev_genl_build_set(void *buf, size_t bufsize, uint16_t family, const char *ifname,
			 const struct wgdev_device *dev, struct wgdev_genl_cursor *cur)
{
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	size_t peers_here = 0;

	if (cur->done)
		return 0;
	if (bufsize < GENL_MSG_MIN)
		return -EINVAL;
	memset(buf, 0, bufsize);
	nlh = genl_header(buf, family, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	if (!cur->started) {
		/* Once only: REPLACE_PEERS in a later message would drop the
		 * peers the earlier ones added. */
		if (dev->flags & WGDEV_HAS_PRIVATE_KEY)
			mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WGDEV_KEY_LEN, dev->private_key);
		if (dev->flags & WGDEV_HAS_LISTEN_PORT)
			mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, dev->listen_port);
		if (dev->flags & WGDEV_HAS_FWMARK)
			mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, dev->fwmark);
		if (dev->flags & WGDEV_REPLACE_PEERS)
			mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
		cur->started = true;
	}
	if (cur->peer >= dev->n_peers)
		goto done;
	peers = nest_start(nlh, bufsize, WGDEVICE_A_PEERS);
	if (!peers)
		return -EMSGSIZE;
	for (; cur->peer < dev->n_peers; cur->peer++, cur->aip = 0) {
		const struct wgdev_peer *p = &dev->peers[cur->peer];
		struct nlattr *pn = nest_start(nlh, bufsize, 0), *aips;
		size_t aips_here = 0;

		if (!pn)
			goto full;
		if (!mnl_attr_put_check(nlh, bufsize, WGPEER_A_PUBLIC_KEY, WGDEV_KEY_LEN,
					p->public_key))
			goto cancel_peer;
		if (cur->aip == 0) {
			if (!put_peer_head(nlh, bufsize, p))
				goto cancel_peer;
		} else if ((p->flags & WGDEV_PEER_UPDATE_ONLY) &&
			   !mnl_attr_put_u32_check(nlh, bufsize, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY)) {
			/* Without it a continuation would create a peer that
			 * the first part declined to. */
			goto cancel_peer;
		}
		if ((p->flags & WGDEV_PEER_REMOVE) || cur->aip >= p->n_allowed_ips) {
			mnl_attr_nest_end(nlh, pn);
			peers_here++;
			continue;
		}
		aips = nest_start(nlh, bufsize, WGPEER_A_ALLOWEDIPS);
		if (!aips)
			goto cancel_peer;
		for (; cur->aip < p->n_allowed_ips; cur->aip++) {
			if (!put_allowed_ip(nlh, bufsize, &p->allowed_ips[cur->aip])) {
				if (aips_here == 0)
					goto cancel_peer;
				mnl_attr_nest_end(nlh, aips);
				mnl_attr_nest_end(nlh, pn);
				peers_here++;
				goto full;
			}
			aips_here++;
		}
		mnl_attr_nest_end(nlh, aips);
		mnl_attr_nest_end(nlh, pn);
		peers_here++;
		continue;
cancel_peer:
		mnl_attr_nest_cancel(nlh, pn);
		goto full;
	}
	mnl_attr_nest_end(nlh, peers);
done:
	cur->done = true;
	return (int)nlh->nlmsg_len;
full:
	if (peers_here == 0)
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, peers);
	return (int)nlh->nlmsg_len;
}

/* --- parsing ---------------------------------------------------------- */

#define for_each_nested(a, nest)                                                          \
	for ((a) = mnl_attr_get_payload(nest);                                            \
	     mnl_attr_ok((a), (int)((const char *)mnl_attr_get_payload(nest) +            \
				    mnl_attr_get_payload_len(nest) - (const char *)(a))); \
	     (a) = mnl_attr_next(a))

static bool attr_len_is(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len;
}

static int parse_allowed_ip(const struct nlattr *nest, struct wgdev_peer *p)
{
	const struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	struct prefix pf = { 0 };
	uint16_t fam;
	uint8_t cidr;

	nl_attr_table_nested(nest, tb, WGALLOWEDIP_A_MAX);
	if (!attr_len_is(tb[WGALLOWEDIP_A_FAMILY], 2) || !attr_len_is(tb[WGALLOWEDIP_A_CIDR_MASK], 1) ||
	    !tb[WGALLOWEDIP_A_IPADDR])
		return -EBADMSG;
	fam = mnl_attr_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	cidr = mnl_attr_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	if (!nl_attr_get_addr(tb[WGALLOWEDIP_A_IPADDR], fam, &pf.addr) ||
	    cidr > (fam == AF_INET ? 32 : 128))
		return -EBADMSG;
	pf.len = cidr;
	return wgdev_device_add_allowed_ip(p, &pf);
}

static int parse_endpoint(const struct nlattr *a, struct wgdev_peer *p)
{
	struct sockaddr_storage ss = { 0 };
	size_t len = mnl_attr_get_payload_len(a);

	if (len < sizeof(struct sockaddr_in) || len > sizeof(ss))
		return -EBADMSG;
	memcpy(&ss, mnl_attr_get_payload(a), len);
	if ((ss.ss_family == AF_INET6 && len < sizeof(struct sockaddr_in6)) ||
	    endpoint_from_sockaddr(&p->endpoint, (const struct sockaddr *)&ss) < 0)
		return -EBADMSG;
	p->flags |= WGDEV_PEER_HAS_ENDPOINT;
	return 0;
}

static int parse_peer(const struct nlattr *nest, struct wgdev_device *dev, bool first_in_msg)
{
	const struct nlattr *tb[WGPEER_A_MAX + 1], *a;
	struct wgdev_peer *p;
	int ret;

	nl_attr_table_nested(nest, tb, WGPEER_A_MAX);
	if (!attr_len_is(tb[WGPEER_A_PUBLIC_KEY], WGDEV_KEY_LEN))
		return -EBADMSG;
	if (first_in_msg && dev->n_peers > 0 &&
	    memcmp(dev->peers[dev->n_peers - 1].public_key,
		   mnl_attr_get_payload(tb[WGPEER_A_PUBLIC_KEY]), WGDEV_KEY_LEN) == 0) {
		p = &dev->peers[dev->n_peers - 1];
	} else {
		p = wgdev_device_add_peer(dev);
		if (!p)
			return -ENOMEM;
		memcpy(p->public_key, mnl_attr_get_payload(tb[WGPEER_A_PUBLIC_KEY]), WGDEV_KEY_LEN);
	}
	if (tb[WGPEER_A_ENDPOINT] && (ret = parse_endpoint(tb[WGPEER_A_ENDPOINT], p)) < 0)
		return ret;
	if (attr_len_is(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], 2)) {
		p->keepalive = mnl_attr_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		p->flags |= WGDEV_PEER_HAS_KEEPALIVE;
	}
	if (attr_len_is(tb[WGPEER_A_LAST_HANDSHAKE_TIME], 16)) {
		/* struct __kernel_timespec: two 64-bit fields. */
		int64_t ts[2];

		memcpy(ts, mnl_attr_get_payload(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		p->last_handshake_sec = ts[0];
		p->last_handshake_nsec = ts[1];
	}
	if (attr_len_is(tb[WGPEER_A_RX_BYTES], 8))
		p->rx_bytes = mnl_attr_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (attr_len_is(tb[WGPEER_A_TX_BYTES], 8))
		p->tx_bytes = mnl_attr_get_u64(tb[WGPEER_A_TX_BYTES]);
	if (tb[WGPEER_A_ALLOWEDIPS]) {
		for_each_nested(a, tb[WGPEER_A_ALLOWEDIPS]) {
			ret = parse_allowed_ip(a, p);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

int wgdev_genl_parse_get(const void *msg, size_t len, struct wgdev_device *dev)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[WGDEVICE_A_MAX + 1], *a;
	bool first = true;
	int ret;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EBADMSG;
	nl_attr_table(nlh, sizeof(struct genlmsghdr), tb, WGDEVICE_A_MAX);
	if (attr_len_is(tb[WGDEVICE_A_PRIVATE_KEY], WGDEV_KEY_LEN)) {
		memcpy(dev->private_key, mnl_attr_get_payload(tb[WGDEVICE_A_PRIVATE_KEY]),
		       WGDEV_KEY_LEN);
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
	}
	if (attr_len_is(tb[WGDEVICE_A_PUBLIC_KEY], WGDEV_KEY_LEN)) {
		memcpy(dev->public_key, mnl_attr_get_payload(tb[WGDEVICE_A_PUBLIC_KEY]),
		       WGDEV_KEY_LEN);
		dev->flags |= WGDEV_HAS_PUBLIC_KEY;
	}
	if (attr_len_is(tb[WGDEVICE_A_LISTEN_PORT], 2)) {
		dev->listen_port = mnl_attr_get_u16(tb[WGDEVICE_A_LISTEN_PORT]);
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
	}
	/* The kernel always says it; UAPI only when set: flag it alike. */
	if (attr_len_is(tb[WGDEVICE_A_FWMARK], 4)) {
		dev->fwmark = mnl_attr_get_u32(tb[WGDEVICE_A_FWMARK]);
		if (dev->fwmark)
			dev->flags |= WGDEV_HAS_FWMARK;
	}
	if (!tb[WGDEVICE_A_PEERS])
		return 0;
	for_each_nested(a, tb[WGDEVICE_A_PEERS]) {
		ret = parse_peer(a, dev, first);
		if (ret < 0)
			return ret;
		first = false;
	}
	return 0;
}

/* --- I/O -------------------------------------------------------------- */

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];

	nl_attr_table(nlh, sizeof(struct genlmsghdr), tb, CTRL_ATTR_MAX);
	if (attr_len_is(tb[CTRL_ATTR_FAMILY_ID], 2))
		*(uint16_t *)arg = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

static int resolve_family(struct nl_sock *nl, uint16_t *family)
{
	uint8_t buf[256] = { 0 };
	struct nlmsghdr *nlh = genl_header(buf, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY);
	int ret;

	*family = 0;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	ret = nl_talk(nl, nlh, family_cb, family);
	if (ret < 0)
		return ret;
	return *family ? 0 : -ENOENT;
}

int wgdev_genl_open(const char *ifname, bool create, struct wgdev_genl **out)
{
	struct wgdev_genl *wk = calloc(1, sizeof(*wk));
	int ret;

	if (!wk)
		return -ENOMEM;
	snprintf(wk->ifname, sizeof(wk->ifname), "%s", ifname);
	wk->rt = kernel_open();
	if (!wk->rt) {
		ret = -errno;
		goto fail;
	}
	if (create) {
		ret = kernel_link_create(wk->rt, ifname, "wireguard");
		if (ret < 0)
			goto fail;
	}
	ret = kernel_link_index(wk->rt, ifname, &wk->ifindex);
	if (ret < 0)
		goto fail_link;
	wk->nl = nl_open(NETLINK_GENERIC);
	if (!wk->nl) {
		ret = -errno;
		goto fail_link;
	}
	ret = resolve_family(wk->nl, &wk->family);
	if (ret < 0) {
		log_debug("generic netlink family %s: %s", WG_GENL_NAME, strerror(-ret));
		ret = -EOPNOTSUPP;
		goto fail_link;
	}
	*out = wk;
	return 0;

fail_link:
	if (create && wk->ifindex)
		(void)kernel_link_delete(wk->rt, wk->ifindex);
fail:
	nl_close(wk->nl);
	kernel_close(wk->rt);
	free(wk);
	return ret;
}

void wgdev_genl_close(struct wgdev_genl *wk, bool delete_link)
{
	if (!wk)
		return;
	if (delete_link && wk->ifindex)
		(void)kernel_link_delete(wk->rt, wk->ifindex);
	nl_close(wk->nl);
	kernel_close(wk->rt);
	free(wk);
}

unsigned wgdev_genl_ifindex(const struct wgdev_genl *wk)
{
	return wk->ifindex;
}

int wgdev_genl_set(struct wgdev_genl *wk, const struct wgdev_device *dev)
{
	struct wgdev_genl_cursor cur = { 0 };
	uint8_t *buf = malloc(GENL_MSG_MAX);
	int ret = 0, n;

	if (!buf)
		return -ENOMEM;
	while ((n = wgdev_genl_build_set(buf, GENL_MSG_MAX, wk->family, wk->ifname, dev, &cur)) > 0) {
		ret = nl_talk(wk->nl, (struct nlmsghdr *)buf, NULL, NULL);
		sodium_memzero(buf, GENL_MSG_MAX);
		if (ret < 0) {
			char w[NL_KERNEL_SAYS_MAX];

			log_warnx("configuring WireGuard on %s: %s%s", wk->ifname, strerror(-ret),
				  nl_kernel_says(wk->nl, w, sizeof(w)));
			break;
		}
	}
	if (n < 0)
		ret = n;
	sodium_memzero(buf, GENL_MSG_MAX);
	free(buf);
	nl_wipe(wk->nl);
	return ret;
}

/* arg: the struct wgdev_device * being filled. */
static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	return wgdev_genl_parse_get(nlh, nlh->nlmsg_len, *(struct wgdev_device **)arg);
}

/* A fresh device per attempt: a torn dump's peers would be listed twice. */
static int get_restart(void *arg)
{
	struct wgdev_device **dev = arg;

	wgdev_device_free(*dev);
	*dev = calloc(1, sizeof(**dev));
	return *dev ? 0 : -ENOMEM;
}

int wgdev_genl_get(struct wgdev_genl *wk, struct wgdev_device **out)
{
	uint8_t buf[256];
	struct wgdev_device *dev = NULL;
	int ret;

	wgdev_genl_build_get(buf, wk->family, wk->ifname);
	ret = nl_dump_consistent(wk->nl, (struct nlmsghdr *)buf, get_cb, get_restart, &dev);
	/* The reply carried the private key. */
	nl_wipe(wk->nl);
	if (ret < 0) {
		wgdev_device_free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}
