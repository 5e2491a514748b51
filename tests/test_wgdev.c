/*
 * Tests for the WireGuard backends: the generic netlink set-device layout
 * of uapi/linux/wireguard.h, its split over several messages and the merge
 * of a peer continued across get-device replies; the UAPI request text and
 * the UAPI reply parser on good and broken replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sodium.h>

#include "addr.h"
#include "wgdev.h"
#include "wgdev_genl.h"
#include "wgdev_uapi.h"

#define FAMILY 0x1b
#define MAXATTR 16

struct attrs {
	const struct nlattr *tb[MAXATTR];
	unsigned count;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	unsigned type = mnl_attr_get_type(a);

	assert_true(type < MAXATTR);
	at->tb[type] = a;
	at->count++;
	return MNL_CB_OK;
}

static void collect_nested(const struct nlattr *nest, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	/* The kernel parses these strictly: NLA_F_NESTED must be set. */
	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_parse_nested(nest, collect_cb, at), MNL_CB_OK);
}

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(&p, s, NULL), 0);
	return p;
}

static void fill_key(uint8_t k[WGDEV_KEY_LEN], uint8_t seed)
{
	for (int i = 0; i < WGDEV_KEY_LEN; i++)
		k[i] = (uint8_t)(seed + i);
}

/* The n-th peer's public key and allowed IPs of a generated device. */
static struct prefix gen_aip(size_t peer, size_t j)
{
	struct prefix p = { 0 };
	uint8_t v4[4] = { 10, (uint8_t)peer, (uint8_t)(j >> 8), (uint8_t)j };

	if (j % 3 == 2) {
		p.addr.b[0] = 0xfd;
		p.addr.b[1] = (uint8_t)peer;
		p.addr.b[14] = (uint8_t)(j >> 8);
		p.addr.b[15] = (uint8_t)j;
		p.len = 128;
	} else {
		addr_from_v4(&p.addr, v4);
		p.len = 32;
	}
	return p;
}

static struct wgdev_device *gen_device(size_t n_peers, size_t n_aips, uint32_t peer_flags)
{
	struct wgdev_device *dev = calloc(1, sizeof(*dev));

	dev->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	fill_key(dev->private_key, 0xa0);
	dev->listen_port = 51820;
	dev->peers = calloc(n_peers, sizeof(*dev->peers));
	dev->n_peers = n_peers;
	for (size_t i = 0; i < n_peers; i++) {
		struct wgdev_peer *p = &dev->peers[i];

		fill_key(p->public_key, (uint8_t)i);
		p->flags = peer_flags | WGDEV_PEER_HAS_ENDPOINT;
		addr_parse(&p->endpoint.addr, "192.0.2.1");
		p->endpoint.port = (uint16_t)(1000 + i);
		p->allowed_ips = calloc(n_aips ? n_aips : 1, sizeof(*p->allowed_ips));
		p->n_allowed_ips = n_aips;
		for (size_t j = 0; j < n_aips; j++)
			p->allowed_ips[j] = gen_aip(i, j);
	}
	return dev;
}

/* --- genetlink set-device layout ------------------------------------------ */

static void test_genl_set_layout(void **state)
{
	struct prefix aips[2] = { pfx("10.99.0.2/32"), pfx("fd00:99::/64") };
	struct wgdev_peer peers[2] = { 0 };
	struct wgdev_device dev = { 0 };
	struct wgdev_genl_cursor cur = { 0 };
	uint8_t buf[8192];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct genlmsghdr *g;
	struct attrs top, plist, p0, p1, alist, a0, a1;
	const struct sockaddr_in *sin;
	const struct nlattr *a;
	int n;
	(void)state;

	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	fill_key(dev.private_key, 1);
	dev.listen_port = 51821;
	dev.peers = peers;
	dev.n_peers = 2;
	fill_key(peers[0].public_key, 2);
	peers[0].flags = WGDEV_PEER_HAS_ENDPOINT | WGDEV_PEER_HAS_KEEPALIVE |
			 WGDEV_PEER_REPLACE_ALLOWEDIPS | WGDEV_PEER_UPDATE_ONLY;
	addr_parse(&peers[0].endpoint.addr, "192.0.2.2");
	peers[0].endpoint.port = 51822;
	peers[0].keepalive = 25;
	peers[0].allowed_ips = aips;
	peers[0].n_allowed_ips = 2;
	fill_key(peers[1].public_key, 3);
	peers[1].flags = WGDEV_PEER_REMOVE;
	peers[1].allowed_ips = aips;    /* ignored for a removal */
	peers[1].n_allowed_ips = 2;

	n = wgdev_genl_build_set(buf, sizeof(buf), FAMILY, "wg0", &dev, &cur);
	assert_true(n > 0);
	assert_int_equal(nlh->nlmsg_len, (unsigned)n);
	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	g = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(g->cmd, WG_CMD_SET_DEVICE);
	assert_int_equal(g->version, WG_GENL_VERSION);

	memset(&top, 0, sizeof(top));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*g), collect_cb, &top), MNL_CB_OK);
	assert_int_equal(top.count, 5);
	assert_int_equal(mnl_attr_get_payload_len(top.tb[WGDEVICE_A_IFNAME]), 4);
	assert_string_equal(mnl_attr_get_str(top.tb[WGDEVICE_A_IFNAME]), "wg0");
	assert_int_equal(mnl_attr_get_payload_len(top.tb[WGDEVICE_A_PRIVATE_KEY]), WG_KEY_LEN);
	assert_memory_equal(mnl_attr_get_payload(top.tb[WGDEVICE_A_PRIVATE_KEY]), dev.private_key,
			    WG_KEY_LEN);
	assert_int_equal(mnl_attr_get_payload_len(top.tb[WGDEVICE_A_LISTEN_PORT]), 2);
	assert_int_equal(mnl_attr_get_u16(top.tb[WGDEVICE_A_LISTEN_PORT]), 51821);
	assert_int_equal(mnl_attr_get_u32(top.tb[WGDEVICE_A_FLAGS]), WGDEVICE_F_REPLACE_PEERS);

	/* PEERS: a nest of nests, one per peer. */
	collect_nested(top.tb[WGDEVICE_A_PEERS], &plist);
	assert_int_equal(plist.count, 2);
	{
		const struct nlattr *list[2];
		size_t k = 0;
		mnl_attr_for_each_nested(a, top.tb[WGDEVICE_A_PEERS])
			list[k++] = a;
		assert_int_equal(k, 2);
		collect_nested(list[0], &p0);
		collect_nested(list[1], &p1);
	}
	assert_int_equal(p0.count, 5);
	assert_memory_equal(mnl_attr_get_payload(p0.tb[WGPEER_A_PUBLIC_KEY]), peers[0].public_key,
			    WG_KEY_LEN);
	assert_int_equal(mnl_attr_get_u32(p0.tb[WGPEER_A_FLAGS]),
			 WGPEER_F_REPLACE_ALLOWEDIPS | WGPEER_F_UPDATE_ONLY);
	assert_int_equal(mnl_attr_get_payload_len(p0.tb[WGPEER_A_ENDPOINT]), sizeof(*sin));
	sin = mnl_attr_get_payload(p0.tb[WGPEER_A_ENDPOINT]);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 51822);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc0000202);
	assert_int_equal(mnl_attr_get_payload_len(p0.tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]), 2);
	assert_int_equal(mnl_attr_get_u16(p0.tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]), 25);

	collect_nested(p0.tb[WGPEER_A_ALLOWEDIPS], &alist);
	assert_int_equal(alist.count, 2);
	{
		const struct nlattr *list[2];
		size_t k = 0;
		mnl_attr_for_each_nested(a, p0.tb[WGPEER_A_ALLOWEDIPS])
			list[k++] = a;
		collect_nested(list[0], &a0);
		collect_nested(list[1], &a1);
	}
	assert_int_equal(a0.count, 3);
	assert_int_equal(mnl_attr_get_payload_len(a0.tb[WGALLOWEDIP_A_FAMILY]), 2);
	assert_int_equal(mnl_attr_get_u16(a0.tb[WGALLOWEDIP_A_FAMILY]), AF_INET);
	assert_int_equal(mnl_attr_get_payload_len(a0.tb[WGALLOWEDIP_A_IPADDR]), 4);
	assert_memory_equal(mnl_attr_get_payload(a0.tb[WGALLOWEDIP_A_IPADDR]), aips[0].addr.b + 12, 4);
	assert_int_equal(mnl_attr_get_payload_len(a0.tb[WGALLOWEDIP_A_CIDR_MASK]), 1);
	assert_int_equal(mnl_attr_get_u8(a0.tb[WGALLOWEDIP_A_CIDR_MASK]), 32);
	assert_int_equal(mnl_attr_get_u16(a1.tb[WGALLOWEDIP_A_FAMILY]), AF_INET6);
	assert_int_equal(mnl_attr_get_payload_len(a1.tb[WGALLOWEDIP_A_IPADDR]), 16);
	assert_memory_equal(mnl_attr_get_payload(a1.tb[WGALLOWEDIP_A_IPADDR]), aips[1].addr.b, 16);
	assert_int_equal(mnl_attr_get_u8(a1.tb[WGALLOWEDIP_A_CIDR_MASK]), 64);

	/* A removal carries its key and the flag, nothing else. */
	assert_int_equal(p1.count, 2);
	assert_int_equal(mnl_attr_get_u32(p1.tb[WGPEER_A_FLAGS]), WGPEER_F_REMOVE_ME);

	/* Everything fit: the next call says done. */
	assert_int_equal(wgdev_genl_build_set(buf, sizeof(buf), FAMILY, "wg0", &dev, &cur), 0);
	sodium_memzero(buf, sizeof(buf));
}

static void test_genl_set_ipv6_endpoint(void **state)
{
	struct wgdev_peer peer = { 0 };
	struct wgdev_device dev = { .peers = &peer, .n_peers = 1 };
	struct wgdev_genl_cursor cur = { 0 };
	struct wgdev_device out = { 0 };
	uint8_t buf[1024];
	int n;
	(void)state;

	peer.flags = WGDEV_PEER_HAS_ENDPOINT;
	addr_parse(&peer.endpoint.addr, "2001:db8::2");
	peer.endpoint.port = 443;
	n = wgdev_genl_build_set(buf, sizeof(buf), FAMILY, "wg0", &dev, &cur);
	assert_true(n > 0);
	/* No device attributes were asked for: IFNAME and PEERS only. */
	assert_int_equal(wgdev_genl_parse_get(buf, (size_t)n, &out), 0);
	assert_int_equal(out.flags, 0);
	assert_int_equal(out.n_peers, 1);
	assert_true(out.peers[0].flags & WGDEV_PEER_HAS_ENDPOINT);
	assert_true(endpoint_eq(&out.peers[0].endpoint, &peer.endpoint));
	free(out.peers);
}

/* Split a device over messages of at most bufsize; check each message and
 * rebuild the device from them with the get-device parser (which merges a
 * peer continued from the previous message). */
static void split_and_merge(size_t n_peers, size_t n_aips, size_t bufsize, uint32_t peer_flags,
			    size_t min_msgs)
{
	struct wgdev_device *dev = gen_device(n_peers, n_aips, peer_flags);
	struct wgdev_device out = { 0 };
	struct wgdev_genl_cursor cur = { 0 };
	uint8_t *buf = malloc(bufsize);
	size_t msgs = 0;
	int n;

	while ((n = wgdev_genl_build_set(buf, bufsize, FAMILY, "wgsplit0", dev, &cur)) > 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		struct attrs top;
		const struct nlattr *a, *first = NULL;

		assert_true((size_t)n <= bufsize);
		assert_int_equal(nlh->nlmsg_len, (unsigned)n);
		memset(&top, 0, sizeof(top));
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, &top);
		assert_non_null(top.tb[WGDEVICE_A_IFNAME]);
		/* Device attributes, REPLACE_PEERS above all, only once. */
		if (msgs == 0) {
			assert_non_null(top.tb[WGDEVICE_A_PRIVATE_KEY]);
			assert_non_null(top.tb[WGDEVICE_A_FLAGS]);
		} else {
			assert_null(top.tb[WGDEVICE_A_PRIVATE_KEY]);
			assert_null(top.tb[WGDEVICE_A_LISTEN_PORT]);
			assert_null(top.tb[WGDEVICE_A_FLAGS]);
		}
		assert_non_null(top.tb[WGDEVICE_A_PEERS]);
		mnl_attr_for_each_nested(a, top.tb[WGDEVICE_A_PEERS]) {
			first = a;
			break;
		}
		assert_non_null(first);
		if (msgs > 0 && out.n_peers > 0) {
			struct attrs p;
			collect_nested(first, &p);
			/* A continued peer must not replace what the previous
			 * message gave it, and must keep UPDATE_ONLY. */
			if (!memcmp(mnl_attr_get_payload(p.tb[WGPEER_A_PUBLIC_KEY]),
				    out.peers[out.n_peers - 1].public_key, WG_KEY_LEN)) {
				uint32_t f = p.tb[WGPEER_A_FLAGS] ? mnl_attr_get_u32(p.tb[WGPEER_A_FLAGS]) : 0;
				assert_false(f & WGPEER_F_REPLACE_ALLOWEDIPS);
				assert_int_equal(!!(f & WGPEER_F_UPDATE_ONLY),
						 !!(peer_flags & WGDEV_PEER_UPDATE_ONLY));
				assert_null(p.tb[WGPEER_A_ENDPOINT]);
			}
		}
		assert_int_equal(wgdev_genl_parse_get(buf, (size_t)n, &out), 0);
		msgs++;
		assert_true(msgs < 100000);
	}
	assert_int_equal(n, 0);
	assert_true(msgs >= min_msgs);

	assert_int_equal(out.n_peers, n_peers);
	assert_memory_equal(out.private_key, dev->private_key, WGDEV_KEY_LEN);
	assert_int_equal(out.listen_port, dev->listen_port);
	for (size_t i = 0; i < n_peers; i++) {
		assert_memory_equal(out.peers[i].public_key, dev->peers[i].public_key, WGDEV_KEY_LEN);
		assert_true(endpoint_eq(&out.peers[i].endpoint, &dev->peers[i].endpoint));
		assert_int_equal(out.peers[i].n_allowed_ips, n_aips);
		for (size_t j = 0; j < n_aips; j++) {
			assert_true(addr_eq(&out.peers[i].allowed_ips[j].addr,
					    &dev->peers[i].allowed_ips[j].addr));
			assert_int_equal(out.peers[i].allowed_ips[j].len, dev->peers[i].allowed_ips[j].len);
		}
		free(out.peers[i].allowed_ips);
		free(dev->peers[i].allowed_ips);
	}
	free(out.peers);
	free(dev->peers);
	free(dev);
	sodium_memzero(buf, bufsize);
	free(buf);
}

static void test_genl_split_merge(void **state)
{
	(void)state;
	/* Fits: one message. */
	split_and_merge(3, 4, 8192, WGDEV_PEER_REPLACE_ALLOWEDIPS, 1);
	/* Many peers, many allowed IPs: several messages of the kernel's size. */
	split_and_merge(40, 100, 8192, WGDEV_PEER_REPLACE_ALLOWEDIPS, 10);
	/* One peer whose allowed IPs span many small messages. */
	split_and_merge(1, 300, 512, WGDEV_PEER_REPLACE_ALLOWEDIPS | WGDEV_PEER_UPDATE_ONLY, 20);
	/* Peers without allowed IPs, tiny messages. */
	split_and_merge(30, 0, 512, 0, 3);
	/* Every peer ends exactly somewhere: sweep the buffer size. */
	for (size_t size = 512; size < 1400; size += 37)
		split_and_merge(5, 17, size, WGDEV_PEER_REPLACE_ALLOWEDIPS, 1);
}

static void test_genl_set_too_small(void **state)
{
	struct wgdev_device *dev = gen_device(1, 1, 0);
	struct wgdev_genl_cursor cur = { 0 };
	uint8_t buf[256];
	(void)state;

	assert_int_equal(wgdev_genl_build_set(buf, sizeof(buf), FAMILY, "wg0", dev, &cur), -EINVAL);
	free(dev->peers[0].allowed_ips);
	free(dev->peers);
	free(dev);
}

/* --- genetlink get-device replies --------------------------------------------- */

/* A reply message as the kernel builds it: device attributes, then peers
 * given as (key seed, first aip, count). */
struct reply_peer {
	uint8_t seed;
	size_t aip_from, aip_n;
	bool stats;
};

/* A get-device dump message with no attributes yet. */
static struct nlmsghdr *put_reply_header(uint8_t *buf, size_t size)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return nlh;
}

/* One entry of WGPEER_A_ALLOWEDIPS, as given: no check that it makes sense. */
static void put_allowed_ip(struct nlmsghdr *nlh, uint16_t fam, const void *ip, size_t alen,
			   uint8_t cidr)
{
	struct nlattr *an = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, fam);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, alen, ip);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, an);
}

static size_t build_reply(uint8_t *buf, size_t size, bool device_attrs, const struct reply_peer *peers,
			  size_t n)
{
	struct nlmsghdr *nlh = put_reply_header(buf, size);
	struct nlattr *plist;

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 4);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	if (device_attrs) {
		uint8_t k[WG_KEY_LEN];
		fill_key(k, 0x40);
		mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, k);
		fill_key(k, 0x50);
		mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, k);
		mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
		mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0);
	}
	plist = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	for (size_t i = 0; i < n; i++) {
		struct nlattr *pn = mnl_attr_nest_start(nlh, 0), *al;
		uint8_t k[WG_KEY_LEN];

		fill_key(k, peers[i].seed);
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, k);
		if (peers[i].stats) {
			struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(51822) };
			int64_t ts[2] = { 1700000000, 123456789 };
			memset(k, 0, sizeof(k));
			mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, k);
			inet_pton(AF_INET6, "2001:db8::2", &sin6.sin6_addr);
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
			mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
			mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), ts);
			mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1000);
			mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 2000);
			mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
		}
		al = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
		for (size_t j = peers[i].aip_from; j < peers[i].aip_from + peers[i].aip_n; j++) {
			uint8_t v4[4] = { 10, peers[i].seed, 0, (uint8_t)j };
			put_allowed_ip(nlh, AF_INET, v4, 4, 32);
		}
		mnl_attr_nest_end(nlh, al);
		mnl_attr_nest_end(nlh, pn);
	}
	mnl_attr_nest_end(nlh, plist);
	assert_true(nlh->nlmsg_len <= size);
	return nlh->nlmsg_len;
}

static void test_genl_get_merge(void **state)
{
	/* Peer 7 spans the two messages; peer 9 starts in the second. */
	static const struct reply_peer m1[] = { { 5, 0, 2, true }, { 7, 0, 3, true } };
	static const struct reply_peer m2[] = { { 7, 3, 2, false }, { 9, 0, 1, false } };
	/* Peer 9 again but not first in its message: a new peer. */
	static const struct reply_peer m3[] = { { 11, 0, 1, false }, { 9, 0, 1, false } };
	uint8_t buf[4096];
	struct wgdev_device dev = { 0 };
	uint8_t k[WG_KEY_LEN];
	char s[ENDPOINT_STRLEN];
	size_t n;
	(void)state;

	n = build_reply(buf, sizeof(buf), true, m1, 2);
	assert_int_equal(wgdev_genl_parse_get(buf, n, &dev), 0);
	n = build_reply(buf, sizeof(buf), false, m2, 2);
	assert_int_equal(wgdev_genl_parse_get(buf, n, &dev), 0);

	assert_int_equal(dev.flags, WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_PUBLIC_KEY | WGDEV_HAS_LISTEN_PORT);
	fill_key(k, 0x50);
	assert_memory_equal(dev.public_key, k, WG_KEY_LEN);
	assert_int_equal(dev.listen_port, 51820);
	assert_int_equal(dev.n_peers, 3);
	assert_int_equal(dev.peers[0].n_allowed_ips, 2);
	assert_int_equal(dev.peers[1].n_allowed_ips, 5);
	for (size_t j = 0; j < 5; j++)
		assert_int_equal(dev.peers[1].allowed_ips[j].addr.b[15], j);
	assert_int_equal(dev.peers[2].n_allowed_ips, 1);
	/* Stats from the first part survive the merge. */
	assert_int_equal(dev.peers[1].rx_bytes, 1000);
	assert_int_equal(dev.peers[1].tx_bytes, 2000);
	assert_int_equal(dev.peers[1].last_handshake_sec, 1700000000);
	assert_int_equal(dev.peers[1].last_handshake_nsec, 123456789);
	assert_int_equal(dev.peers[1].keepalive, 25);
	assert_string_equal(endpoint_fmt(&dev.peers[1].endpoint, s, sizeof(s)), "[2001:db8::2]:51822");

	n = build_reply(buf, sizeof(buf), false, m3, 2);
	assert_int_equal(wgdev_genl_parse_get(buf, n, &dev), 0);
	assert_int_equal(dev.n_peers, 5);

	for (size_t i = 0; i < dev.n_peers; i++)
		free(dev.peers[i].allowed_ips);
	free(dev.peers);
}

/* One peer with one allowed IP whose family, address size and prefix
 * length are given; the rest of the reply is well formed. */
static size_t build_allowed_ip_reply(uint8_t *buf, size_t size, uint16_t fam, size_t alen,
				     uint8_t cidr)
{
	static const uint8_t ip[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3 };
	struct nlmsghdr *nlh = put_reply_header(buf, size);
	struct nlattr *plist, *pn, *al;
	uint8_t k[WG_KEY_LEN];

	plist = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	fill_key(k, 0x21);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, k);
	al = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed_ip(nlh, fam, alen == 4 ? ip + 12 : ip, alen, cidr);
	mnl_attr_nest_end(nlh, al);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, plist);
	assert_true(nlh->nlmsg_len <= size);
	return nlh->nlmsg_len;
}

static void test_genl_get_allowed_ip_bounds(void **state)
{
	static const struct {
		uint16_t fam;
		size_t alen;
		uint8_t cidr;
		int want;
		const char *prefix;
	} cases[] = {
		{ AF_INET, 4, 0, 0, "10.1.2.3/0" },
		{ AF_INET, 4, 32, 0, "10.1.2.3/32" },
		{ AF_INET, 4, 33, -EBADMSG, NULL },
		{ AF_INET6, 16, 128, 0, "fd00::a01:203/128" },
		{ AF_INET6, 16, 129, -EBADMSG, NULL },
		{ AF_INET, 16, 32, -EBADMSG, NULL },   /* size of the other family */
		{ AF_INET6, 4, 32, -EBADMSG, NULL },
		{ AF_INET, 5, 32, -EBADMSG, NULL },
		{ AF_UNIX, 4, 32, -EBADMSG, NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[512];
		struct wgdev_device dev = { 0 };
		size_t n = build_allowed_ip_reply(buf, sizeof(buf), cases[i].fam, cases[i].alen,
						  cases[i].cidr);
		char s[ADDR_STRLEN + 8];

		assert_int_equal(wgdev_genl_parse_get(buf, n, &dev), cases[i].want);
		assert_int_equal(dev.n_peers, 1);
		if (cases[i].prefix) {
			assert_int_equal(dev.peers[0].n_allowed_ips, 1);
			assert_string_equal(prefix_fmt(&dev.peers[0].allowed_ips[0], s, sizeof(s)),
					    cases[i].prefix);
		} else {
			assert_int_equal(dev.peers[0].n_allowed_ips, 0);
		}
		free(dev.peers[0].allowed_ips);
		free(dev.peers);
	}
}

static void test_genl_get_malformed(void **state)
{
	static const struct reply_peer one[] = { { 5, 0, 1, true } };
	uint8_t buf[4096], copy[4096];
	struct wgdev_device dev = { 0 };
	size_t n = build_reply(buf, sizeof(buf), true, one, 1);
	(void)state;

	/* Message longer than the buffer it came in. */
	assert_int_equal(wgdev_genl_parse_get(buf, n - 4, &dev), -EBADMSG);
	assert_int_equal(wgdev_genl_parse_get(buf, 10, &dev), -EBADMSG);

	/* Flip the allowed IP's family to IPv6 while its address stays 4 bytes. */
	memcpy(copy, buf, n);
	for (size_t off = 0; off + 6 <= n; off += 4) {
		uint16_t len, type, fam;
		memcpy(&len, copy + off, 2);
		memcpy(&type, copy + off + 2, 2);
		memcpy(&fam, copy + off + 4, 2);
		if (len == 6 && type == WGALLOWEDIP_A_FAMILY && fam == AF_INET) {
			fam = AF_INET6;
			memcpy(copy + off + 4, &fam, 2);
			break;
		}
	}
	assert_int_equal(wgdev_genl_parse_get(copy, n, &dev), -EBADMSG);
	for (size_t i = 0; i < dev.n_peers; i++)
		free(dev.peers[i].allowed_ips);
	free(dev.peers);
	memset(&dev, 0, sizeof(dev));

	/* Every truncation of the message is refused or parsed within bounds. */
	for (size_t cut = 0; cut < n; cut++) {
		struct wgdev_device d = { 0 };
		uint8_t *b = malloc(n);
		struct nlmsghdr *nlh = (struct nlmsghdr *)b;
		memcpy(b, buf, n);
		nlh->nlmsg_len = (uint32_t)cut;
		(void)wgdev_genl_parse_get(b, n, &d);
		for (size_t i = 0; i < d.n_peers; i++)
			free(d.peers[i].allowed_ips);
		free(d.peers);
		free(b);
	}
}

/* --- UAPI ---------------------------------------------------------------------- */

static void test_uapi_build_set(void **state)
{
	struct prefix aips[2] = { pfx("10.99.0.2/32"), pfx("fd00:99::/64") };
	struct wgdev_peer peers[3] = { 0 };
	struct wgdev_device dev = { 0 };
	char *s = NULL;
	size_t len = 0;
	char want[2048];
	(void)state;

	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	fill_key(dev.private_key, 0);
	dev.listen_port = 51820;
	dev.peers = peers;
	dev.n_peers = 3;
	fill_key(peers[0].public_key, 0x10);
	peers[0].flags = WGDEV_PEER_HAS_ENDPOINT | WGDEV_PEER_HAS_KEEPALIVE |
			 WGDEV_PEER_REPLACE_ALLOWEDIPS;
	addr_parse(&peers[0].endpoint.addr, "2001:db8::2");
	peers[0].endpoint.port = 51822;
	peers[0].keepalive = 25;
	peers[0].allowed_ips = aips;
	peers[0].n_allowed_ips = 2;
	fill_key(peers[1].public_key, 0x20);
	peers[1].flags = WGDEV_PEER_REMOVE | WGDEV_PEER_HAS_ENDPOINT;
	fill_key(peers[2].public_key, 0x30);
	peers[2].flags = WGDEV_PEER_UPDATE_ONLY | WGDEV_PEER_HAS_ENDPOINT;
	addr_parse(&peers[2].endpoint.addr, "192.0.2.7");
	peers[2].endpoint.port = 1;

	assert_int_equal(wgdev_uapi_build_set(&dev, &s, &len), 0);
	snprintf(want, sizeof(want),
		 "set=1\n"
		 "private_key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		 "listen_port=51820\n"
		 "replace_peers=true\n"
		 "public_key=101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
		 "endpoint=[2001:db8::2]:51822\n"
		 "persistent_keepalive_interval=25\n"
		 "replace_allowed_ips=true\n"
		 "allowed_ip=10.99.0.2/32\n"
		 "allowed_ip=fd00:99::/64\n"
		 "public_key=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
		 "remove=true\n"
		 "public_key=303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f\n"
		 "update_only=true\n"
		 "endpoint=192.0.2.7:1\n"
		 "\n");
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
	sodium_memzero(s, len);
	free(s);

	/* Big enough for many peers with many allowed IPs. */
	{
		struct wgdev_device *big = gen_device(50, 200, WGDEV_PEER_REPLACE_ALLOWEDIPS);
		assert_int_equal(wgdev_uapi_build_set(big, &s, &len), 0);
		assert_int_equal(len, strlen(s));
		free(s);
		for (size_t i = 0; i < big->n_peers; i++)
			free(big->peers[i].allowed_ips);
		free(big->peers);
		free(big);
	}
}

/* Captured from wireguard-go v0.0.20220316 (fuzz/corpus/uapi/). */
static const char reply_three_peers[] =
	"private_key=08ac4b73b41c999023f9fe800c57ef4f5cdbd8b5a55cde303a42654806876d6b\n"
	"listen_port=51821\n"
	"public_key=5d379c802d28f5612f0e29d8f000c321b55712d96b11048e0f9ae3b16270be29\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"endpoint=[2001:db8::2]:51822\n"
	"last_handshake_time_sec=1795366619\n"
	"last_handshake_time_nsec=849303529\n"
	"tx_bytes=712\n"
	"rx_bytes=476\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.99.0.2/32\n"
	"allowed_ip=10.99.5.0/24\n"
	"allowed_ip=fd00:99::/64\n"
	"public_key=d74f09a5db2af4d6a12786456fdc0155ce5e37fe77b2c1a0abb41255e3c40602\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"endpoint=198.51.100.9:51820\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.99.0.3/32\n"
	"public_key=8951411e8493c11aac3029f36e5de4174f488811538dd027d1e3e42d410ec037\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"errno=0\n"
	"\n";

static void test_uapi_parse_good(void **state)
{
	struct wgdev_device *dev = NULL;
	uint8_t k[WGDEV_KEY_LEN];
	char s[ENDPOINT_STRLEN];
	(void)state;

	assert_int_equal(wgdev_uapi_parse_get(reply_three_peers, strlen(reply_three_peers), &dev), 0);
	assert_int_equal(dev->flags, WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_PUBLIC_KEY | WGDEV_HAS_LISTEN_PORT);
	assert_int_equal(dev->listen_port, 51821);
	assert_int_equal(dev->private_key[0], 0x08);
	assert_int_equal(dev->private_key[31], 0x6b);
	assert_int_equal(dev->n_peers, 3);
	assert_int_equal(dev->peers[0].public_key[0], 0x5d);
	assert_int_equal(dev->peers[0].flags, WGDEV_PEER_HAS_ENDPOINT | WGDEV_PEER_HAS_KEEPALIVE);
	assert_string_equal(endpoint_fmt(&dev->peers[0].endpoint, s, sizeof(s)), "[2001:db8::2]:51822");
	assert_int_equal(dev->peers[0].last_handshake_sec, 1795366619);
	assert_int_equal(dev->peers[0].last_handshake_nsec, 849303529);
	assert_int_equal(dev->peers[0].tx_bytes, 712);
	assert_int_equal(dev->peers[0].rx_bytes, 476);
	assert_int_equal(dev->peers[0].keepalive, 25);
	assert_int_equal(dev->peers[0].n_allowed_ips, 3);
	assert_int_equal(dev->peers[0].allowed_ips[1].len, 24);
	assert_int_equal(dev->peers[1].n_allowed_ips, 1);
	assert_string_equal(endpoint_fmt(&dev->peers[1].endpoint, s, sizeof(s)), "198.51.100.9:51820");
	assert_false(dev->peers[2].flags & WGDEV_PEER_HAS_ENDPOINT);
	assert_int_equal(dev->peers[2].n_allowed_ips, 0);
	wgdev_device_free(dev);

	/* The public key is derived from the private one: this pair comes
	 * from the two ends of the capture. */
	{
		static const char r[] =
			"private_key=985305a8637a899122e484ce6f2ee8d5bc566b9d338a2084cf34a9d5be935350\n"
			"errno=0\n\n";
		assert_int_equal(wgdev_uapi_parse_get(r, strlen(r), &dev), 0);
		assert_true(dev->flags & WGDEV_HAS_PUBLIC_KEY);
		assert_int_equal(dev->public_key[0], 0x5d);
		assert_int_equal(dev->public_key[1], 0x37);
		assert_int_equal(dev->public_key[31], 0x29);
		wgdev_device_free(dev);
	}

	/* Unknown keys, an IPv6 scope, the largest counters: accepted. */
	{
		static const char r[] =
			"listen_port=65535\n"
			"future_device_key=whatever\n"
			"public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
			"endpoint=[fe80::1%eth0]:1\n"
			"rx_bytes=18446744073709551615\n"
			"last_handshake_time_nsec=999999999\n"
			"future_peer_key=1\n"
			"errno=0\n\n";
		assert_int_equal(wgdev_uapi_parse_get(r, strlen(r), &dev), 0);
		assert_int_equal(dev->listen_port, 65535);
		assert_int_equal(dev->peers[0].rx_bytes, UINT64_MAX);
		assert_int_equal(dev->peers[0].endpoint.port, 1);
		memset(k, 0, sizeof(k));
		assert_memory_equal(dev->peers[0].public_key, k, WGDEV_KEY_LEN);
		wgdev_device_free(dev);
	}

	/* Set replies. */
	assert_int_equal(wgdev_uapi_parse_get("errno=0\n\n", 9, &dev), 0);
	assert_int_equal(dev->n_peers, 0);
	wgdev_device_free(dev);
}

struct bad_case {
	const char *reply;
	int want;
};

static void test_uapi_parse_bad(void **state)
{
	static const struct bad_case cases[] = {
		/* wireguard-go reports errors negated; the text form is positive. */
		{ "errno=-22\n\n", -EINVAL },
		{ "errno=22\n\n", -EINVAL },
		{ "errno=1\n\n", -EPERM },
		{ "errno=99999999999\n\n", -EPROTO },
		{ "errno=\n\n", -EPROTO },
		{ "errno=x\n\n", -EPROTO },
		/* no errno, no end */
		{ "listen_port=1\n\n", -EPROTO },
		{ "", -EPROTO },
		{ "\n", -EPROTO },
		{ "errno=0\n", -EPROTO },
		{ "errno=0", -EPROTO },
		{ "listen_port=51820\npublic_key=00", -EPROTO },
		/* malformed lines */
		{ "garbage\nerrno=0\n\n", -EPROTO },
		{ "=1\nerrno=0\n\n", -EPROTO },
		/* bad hex */
		{ "private_key=zz\nerrno=0\n\n", -EINVAL },
		{ "private_key=0000000000000000000000000000000000000000000000000000000000000g00\nerrno=0\n\n", -EINVAL },
		{ "public_key=00000000000000000000000000000000000000000000000000000000000000\nerrno=0\n\n", -EINVAL },
		{ "public_key=000000000000000000000000000000000000000000000000000000000000000000\nerrno=0\n\n", -EINVAL },
		/* huge or signed numbers */
		{ "listen_port=65536\nerrno=0\n\n", -EINVAL },
		{ "listen_port=-1\nerrno=0\n\n", -EINVAL },
		{ "listen_port= 1\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "rx_bytes=18446744073709551616\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "tx_bytes=99999999999999999999999\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "last_handshake_time_nsec=1000000000\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "persistent_keepalive_interval=65536\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "last_handshake_time_sec=9223372036854775808\nerrno=0\n\n", -EINVAL },
		/* bad endpoints and allowed IPs */
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "endpoint=192.0.2.1\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "endpoint=[2001:db8::1:1\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "endpoint=example.com:1\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "allowed_ip=10.0.0.0/33\nerrno=0\n\n", -EINVAL },
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "allowed_ip=10.0.0.0\nerrno=0\n\n", -EINVAL },
		/* device key after a peer */
		{ "public_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		  "listen_port=1\nerrno=0\n\n", -EPROTO },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wgdev_device *dev = (struct wgdev_device *)0x1;
		int ret = wgdev_uapi_parse_get(cases[i].reply, strlen(cases[i].reply), &dev);

		if (ret != cases[i].want)
			print_error("case %zu: %s\n", i, cases[i].reply);
		assert_int_equal(ret, cases[i].want);
		/* Untouched on failure. */
		assert_ptr_equal(dev, (struct wgdev_device *)0x1);
	}

	/* An over-long value and an embedded NUL. */
	{
		char r[512];
		struct wgdev_device *dev = NULL;
		memset(r, 0, sizeof(r));
		strcpy(r, "listen_port=");
		memset(r + 12, '1', 300);
		strcat(r, "\nerrno=0\n\n");
		assert_int_equal(wgdev_uapi_parse_get(r, strlen(r), &dev), -EINVAL);
		static const char nul[] = "listen_port=1\0\nerrno=0\n\n";
		assert_int_equal(wgdev_uapi_parse_get(nul, sizeof(nul) - 1, &dev), -EINVAL);
	}

	/* Every prefix of a good reply: a clean error, never a crash. */
	for (size_t cut = 0; cut < strlen(reply_three_peers) - 1; cut++) {
		struct wgdev_device *dev = NULL;
		char *copy = malloc(cut ? cut : 1);
		memcpy(copy, reply_three_peers, cut);
		assert_true(wgdev_uapi_parse_get(copy, cut, &dev) < 0);
		free(copy);
	}
}

static void test_uapi_path_and_names(void **state)
{
	char path[108];
	enum wgdev_backend b;
	(void)state;

	assert_int_equal(wgdev_uapi_path("wg0", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/run/wireguard/wg0.sock");
	assert_int_equal(wgdev_uapi_path("../etc", path, sizeof(path)), -EINVAL);
	assert_int_equal(wgdev_uapi_path("", path, sizeof(path)), -EINVAL);
	assert_int_equal(wgdev_uapi_path("abcdefghijklmnop", path, sizeof(path)), -EINVAL);
	assert_int_equal(wgdev_uapi_path("wg0", path, 10), -ENAMETOOLONG);

	assert_int_equal(wgdev_backend_parse("auto", &b), 0);
	assert_int_equal(b, WGDEV_BACKEND_AUTO);
	assert_int_equal(wgdev_backend_parse("kernel", &b), 0);
	assert_int_equal(b, WGDEV_BACKEND_KERNEL);
	assert_int_equal(wgdev_backend_parse("userspace", &b), 0);
	assert_int_equal(b, WGDEV_BACKEND_USERSPACE);
	assert_int_equal(wgdev_backend_parse("boringtun", &b), -EINVAL);
	assert_string_equal(wgdev_backend_name(WGDEV_BACKEND_USERSPACE), "userspace");
}

/* --- fwmark (exit-node routing) ------------------------------------------------ */

/* Set: the mark travels when flagged, 0 (clear) included; get: both
 * backends flag a device that has one, and only then. */
static void test_fwmark(void **state)
{
	static const struct { uint32_t flags, mark; bool put; } set_cases[] = {
		{ WGDEV_HAS_FWMARK, 0x5767ca6c, true },
		{ WGDEV_HAS_FWMARK, 0, true },
		{ WGDEV_HAS_LISTEN_PORT, 0x5767ca6c, false },
	};
	uint8_t buf[4096];
	struct wgdev_device *dev = NULL, got = { 0 };
	struct nlmsghdr *nlh;
	char *s = NULL;
	size_t len = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		struct wgdev_device d = { .flags = set_cases[i].flags, .fwmark = set_cases[i].mark,
					  .listen_port = 1 };
		struct wgdev_genl_cursor cur = { 0 };
		struct attrs top = { 0 };
		char want[64];

		assert_true(wgdev_genl_build_set(buf, sizeof(buf), FAMILY, "wg0", &d, &cur) > 0);
		nlh = (struct nlmsghdr *)buf;
		assert_int_equal(mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, &top),
				 MNL_CB_OK);
		if (set_cases[i].put) {
			assert_non_null(top.tb[WGDEVICE_A_FWMARK]);
			assert_int_equal(mnl_attr_get_payload_len(top.tb[WGDEVICE_A_FWMARK]), 4);
			assert_int_equal(mnl_attr_get_u32(top.tb[WGDEVICE_A_FWMARK]), set_cases[i].mark);
			snprintf(want, sizeof(want), "set=1\nfwmark=%u\n\n", set_cases[i].mark);
		} else {
			assert_null(top.tb[WGDEVICE_A_FWMARK]);
			snprintf(want, sizeof(want), "set=1\nlisten_port=1\n\n");
		}
		assert_int_equal(wgdev_uapi_build_set(&d, &s, &len), 0);
		assert_string_equal(s, want);
		free(s);
	}

	/* A kernel reply with a mark (build_reply's has 0: no flag there). */
	nlh = put_reply_header(buf, sizeof(buf));
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x5767ca6c);
	assert_int_equal(wgdev_genl_parse_get(buf, nlh->nlmsg_len, &got), 0);
	assert_int_equal(got.flags, WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK);
	assert_int_equal(got.fwmark, 0x5767ca6c);

	/* wireguard-go says fwmark= only when one is set. */
	static const char with[] = "listen_port=51820\nfwmark=1466419820\nerrno=0\n\n";
	static const char zero[] = "listen_port=51820\nfwmark=0\nerrno=0\n\n";
	static const char big[] = "fwmark=4294967296\nerrno=0\n\n";
	assert_int_equal(wgdev_uapi_parse_get(with, strlen(with), &dev), 0);
	assert_int_equal(dev->flags, WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK);
	assert_int_equal(dev->fwmark, 0x5767ca6c);
	wgdev_device_free(dev);
	assert_int_equal(wgdev_uapi_parse_get(zero, strlen(zero), &dev), 0);
	assert_int_equal(dev->flags, WGDEV_HAS_LISTEN_PORT);
	assert_int_equal(dev->fwmark, 0);
	wgdev_device_free(dev);
	assert_int_equal(wgdev_uapi_parse_get(big, strlen(big), &dev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genl_set_layout),
		cmocka_unit_test(test_genl_set_ipv6_endpoint),
		cmocka_unit_test(test_genl_split_merge),
		cmocka_unit_test(test_genl_set_too_small),
		cmocka_unit_test(test_genl_get_merge),
		cmocka_unit_test(test_genl_get_malformed),
		cmocka_unit_test(test_genl_get_allowed_ip_bounds),
		cmocka_unit_test(test_uapi_build_set),
		cmocka_unit_test(test_uapi_parse_good),
		cmocka_unit_test(test_uapi_parse_bad),
		cmocka_unit_test(test_uapi_path_and_names),
		cmocka_unit_test(test_fwmark),
	};

	if (sodium_init() < 0)
		return 1;
	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
