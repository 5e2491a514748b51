/*
 * Tests for src/kernel_linux.c: the rtnetlink messages we send, checked
 * attribute by attribute against linux/rtnetlink.h and linux/if_addr.h;
 * the event parser on crafted kernel messages; and, when root, a live run
 * against the kernel inside a private network namespace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "addr.h"
#include "kernel_linux.h"

#include "nl_attrs.h"

static void collect_nested(const struct nlattr *nest, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	assert_true(mnl_attr_get_type(nest) == (nest->nla_type & NLA_TYPE_MASK));
	assert_int_equal(mnl_attr_parse_nested(nest, collect_cb, at), MNL_CB_OK);
}

static void assert_attr_bytes(const struct nlattr *a, const void *want, size_t len)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), len);
	assert_memory_equal(mnl_attr_get_payload(a), want, len);
}

static void assert_attr_u32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 4);
	assert_int_equal(mnl_attr_get_u32(a), want);
}

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(&p, s, NULL), 0);
	return p;
}

static struct addr ad(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(&a, s), 0);
	return a;
}

/* --- routes ------------------------------------------------------------ */

struct route_case {
	const char *dst;
	enum kernel_op op;
	uint16_t type, flags;
	uint8_t family, scope;
	size_t addrlen;
};

static void test_route_msgs(void **state)
{
	static const struct route_case cases[] = {
		{ "10.99.5.0/24", KERNEL_OP_ADD, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, AF_INET,
		  RT_SCOPE_LINK, 4 },
		{ "10.99.0.7/32", KERNEL_OP_REPLACE, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
		  AF_INET, RT_SCOPE_LINK, 4 },
		{ "10.99.0.7/32", KERNEL_OP_DEL, RTM_DELROUTE, 0, AF_INET, RT_SCOPE_NOWHERE, 4 },
		{ "fd00:99::/64", KERNEL_OP_ADD, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, AF_INET6,
		  RT_SCOPE_UNIVERSE, 16 },
		{ "fd00:99::2/128", KERNEL_OP_REPLACE, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
		  AF_INET6, RT_SCOPE_UNIVERSE, 16 },
		{ "fd00:99::2/128", KERNEL_OP_DEL, RTM_DELROUTE, 0, AF_INET6, RT_SCOPE_NOWHERE, 16 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_case *c = &cases[i];
		uint8_t buf[KERNEL_MSG_SIZE];
		struct prefix dst = pfx(c->dst);
		struct nlmsghdr *nlh = kernel_build_route_msg(buf, c->op, 7, &dst);
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		struct attrs at;

		assert_ptr_equal(nlh, buf);
		assert_int_equal(nlh->nlmsg_type, c->type);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | c->flags);
		assert_true(mnl_nlmsg_get_payload_len(nlh) >= sizeof(*rtm));
		assert_int_equal(rtm->rtm_family, c->family);
		assert_int_equal(rtm->rtm_dst_len, dst.len);
		assert_int_equal(rtm->rtm_src_len, 0);
		assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
		assert_int_equal(rtm->rtm_protocol, KERNEL_RTPROT);
		assert_int_equal(rtm->rtm_protocol, 0x57);
		assert_int_equal(rtm->rtm_scope, c->scope);
		assert_int_equal(rtm->rtm_type, RTN_UNICAST);
		collect(nlh, sizeof(*rtm), &at);
		assert_int_equal(at.count, 2);
		assert_attr_bytes(at.tb[RTA_DST], c->addrlen == 4 ? dst.addr.b + 12 : dst.addr.b,
				  c->addrlen);
		assert_attr_u32(at.tb[RTA_OIF], 7);
	}
}

/* --- addresses ---------------------------------------------------------- */

static void test_addr_msgs(void **state)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct addr a4 = ad("10.99.0.1"), a6 = ad("fd00:99::1");
	const struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	struct attrs at;
	(void)state;

	nlh = kernel_build_addr_msg(buf, KERNEL_OP_ADD, 3, &a4, 16);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 16);
	assert_int_equal(ifa->ifa_index, 3);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	collect(nlh, sizeof(*ifa), &at);
	assert_int_equal(at.count, 3);
	assert_attr_bytes(at.tb[IFA_LOCAL], a4.b + 12, 4);
	assert_attr_bytes(at.tb[IFA_ADDRESS], a4.b + 12, 4);
	/* 0x200 does not fit ifa_flags (u8): it must travel in IFA_FLAGS. */
	assert_attr_u32(at.tb[IFA_FLAGS], IFA_F_NOPREFIXROUTE);

	nlh = kernel_build_addr_msg(buf, KERNEL_OP_ADD, 3, &a6, 64);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	collect(nlh, sizeof(*ifa), &at);
	assert_attr_bytes(at.tb[IFA_LOCAL], a6.b, 16);
	assert_attr_bytes(at.tb[IFA_ADDRESS], a6.b, 16);
	assert_attr_u32(at.tb[IFA_FLAGS], IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);

	nlh = kernel_build_addr_msg(buf, KERNEL_OP_DEL, 3, &a4, 16);
	assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	collect(nlh, sizeof(*ifa), &at);
	assert_null(at.tb[IFA_FLAGS]);
	assert_attr_bytes(at.tb[IFA_LOCAL], a4.b + 12, 4);
}

/* --- links ---------------------------------------------------------------- */

static void test_link_msgs(void **state)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	const struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	struct attrs at, info;
	(void)state;

	nlh = kernel_build_link_create_msg(buf, "wgnm0", "wireguard");
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	collect(nlh, sizeof(*ifi), &at);
	assert_int_equal(at.count, 2);
	assert_attr_bytes(at.tb[IFLA_IFNAME], "wgnm0", 6);  /* NUL included */
	assert_non_null(at.tb[IFLA_LINKINFO]);
	assert_true(at.tb[IFLA_LINKINFO]->nla_type & NLA_F_NESTED);
	collect_nested(at.tb[IFLA_LINKINFO], &info);
	assert_int_equal(info.count, 1);
	assert_attr_bytes(info.tb[IFLA_INFO_KIND], "wireguard", 10);

	nlh = kernel_build_link_del_msg(buf, 9);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 9);
	assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(*ifi)));

	nlh = kernel_build_link_updown_msg(buf, 9, true);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	nlh = kernel_build_link_updown_msg(buf, 9, false);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, 0);

	nlh = kernel_build_link_mtu_msg(buf, 9, 1420);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 9);
	assert_int_equal(ifi->ifi_change, 0);
	collect(nlh, sizeof(*ifi), &at);
	assert_int_equal(at.count, 1);
	assert_attr_u32(at.tb[IFLA_MTU], 1420);
}

/* --- events ---------------------------------------------------------------- */

struct evlog {
	struct kernel_event ev[16];
	size_t n;
};

static void record(const struct kernel_event *e, void *arg)
{
	struct evlog *l = arg;

	assert_true(l->n < 16);
	l->ev[l->n++] = *e;
}

/* Append an address message to buf at *off as the kernel would send it. */
static void put_addr_msg(uint8_t *buf, size_t *off, uint16_t type, unsigned ifindex,
			 const char *addr, uint8_t plen, uint8_t scope, uint32_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr a = ad(addr);
	bool v4 = addr_is_v4(&a);

	nlh->nlmsg_type = type;
	ifa->ifa_family = v4 ? AF_INET : AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = scope;
	ifa->ifa_index = ifindex;
	ifa->ifa_flags = (uint8_t)flags;
	mnl_attr_put(nlh, IFA_ADDRESS, v4 ? 4 : 16, v4 ? a.b + 12 : a.b);
	if (v4)
		mnl_attr_put(nlh, IFA_LOCAL, 4, a.b + 12);
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	*off += nlh->nlmsg_len;
}

static void put_link_msg(uint8_t *buf, size_t *off, uint16_t type, unsigned ifindex,
			 unsigned flags, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = type;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	*off += nlh->nlmsg_len;
}

static void test_events_parse(void **state)
{
	uint8_t buf[4096] __attribute__((aligned(4))) = { 0 };
	struct evlog l = { 0 };
	size_t off = 0;
	char s[ADDR_STRLEN];
	(void)state;

	put_addr_msg(buf, &off, RTM_NEWADDR, 2, "198.51.100.7", 24, RT_SCOPE_UNIVERSE, 0);
	put_addr_msg(buf, &off, RTM_NEWADDR, 2, "2001:db8::5", 64, RT_SCOPE_UNIVERSE,
		     IFA_F_TENTATIVE);                                     /* skipped */
	put_addr_msg(buf, &off, RTM_NEWADDR, 2, "2001:db8::5", 64, RT_SCOPE_UNIVERSE, 0);
	put_addr_msg(buf, &off, RTM_NEWADDR, 2, "fe80::1", 64, RT_SCOPE_LINK, 0);  /* skipped */
	put_addr_msg(buf, &off, RTM_NEWADDR, 1, "127.0.0.1", 8, RT_SCOPE_HOST, 0); /* skipped */
	put_addr_msg(buf, &off, RTM_NEWADDR, 2, "169.254.3.4", 16, RT_SCOPE_LINK, 0); /* skipped */
	put_addr_msg(buf, &off, RTM_DELADDR, 2, "198.51.100.7", 24, RT_SCOPE_UNIVERSE, 0);
	put_link_msg(buf, &off, RTM_NEWLINK, 5, IFF_UP | IFF_RUNNING, "veth9");
	put_link_msg(buf, &off, RTM_NEWLINK, 5, 0, "veth9");
	put_link_msg(buf, &off, RTM_DELLINK, 5, 0, "veth9");
	put_link_msg(buf, &off, RTM_NEWROUTE, 5, 0, "ignored");

	assert_int_equal(kernel_events_parse(buf, off, record, &l), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.ev[0].type, KERNEL_EVENT_ADDR_ADD);
	assert_int_equal(l.ev[0].ifindex, 2);
	assert_string_equal(addr_fmt(&l.ev[0].addr, s, sizeof(s)), "198.51.100.7");
	assert_int_equal(l.ev[0].plen, 24);
	assert_int_equal(l.ev[1].type, KERNEL_EVENT_ADDR_ADD);
	assert_string_equal(addr_fmt(&l.ev[1].addr, s, sizeof(s)), "2001:db8::5");
	assert_int_equal(l.ev[1].plen, 64);
	assert_int_equal(l.ev[2].type, KERNEL_EVENT_ADDR_DEL);
	assert_int_equal(l.ev[3].type, KERNEL_EVENT_LINK_UP);
	assert_int_equal(l.ev[3].ifindex, 5);
	assert_string_equal(l.ev[3].ifname, "veth9");
	assert_int_equal(l.ev[4].type, KERNEL_EVENT_LINK_DOWN);
	assert_int_equal(l.ev[5].type, KERNEL_EVENT_LINK_DEL);

	/* Every truncation is survived without reading past the end. */
	for (size_t cut = 0; cut < off; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		l.n = 0;
		assert_int_equal(kernel_events_parse(copy, cut, record, &l), 0);
		assert_true(l.n <= 6);
		free(copy);
	}
}

/* An address message whose attributes lie about their sizes. */
static void test_events_malformed(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4))) = { 0 };
	struct evlog l = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	static const uint8_t three[4] = { 1, 2, 3, 4 };
	(void)state;

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = 2;
	mnl_attr_put(nlh, IFA_LOCAL, 3, three);      /* IPv4 with 3 bytes */
	assert_int_equal(kernel_events_parse(buf, nlh->nlmsg_len, record, &l), 0);
	assert_int_equal(l.n, 0);

	ifa->ifa_family = AF_INET6;                  /* family/size mismatch */
	nlh->nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(*ifa));
	mnl_attr_put(nlh, IFA_ADDRESS, 4, three);
	assert_int_equal(kernel_events_parse(buf, nlh->nlmsg_len, record, &l), 0);
	assert_int_equal(l.n, 0);

	nlh->nlmsg_len = 8;                          /* shorter than a header */
	assert_int_equal(kernel_events_parse(buf, sizeof(buf), record, &l), 0);
	assert_int_equal(l.n, 0);
}

/* --- live, in a private network namespace ------------------------------- */

static bool has_addr(const struct kernel_addr *v, size_t n, unsigned idx, const char *a, uint8_t plen)
{
	struct addr want = ad(a);

	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == idx && addr_eq(&v[i].addr, &want) && v[i].plen == plen)
			return true;
	return false;
}

static void test_live(void **state)
{
	struct kernel *k;
	struct kernel_events *ev;
	struct kernel_addr *v = NULL;
	struct evlog l = { 0 };
	struct prefix r4 = pfx("198.51.100.0/24"), r6 = pfx("2001:db8:1::/64"), h4 = pfx("203.0.113.9/32");
	struct addr a4 = ad("192.0.2.5");
	unsigned idx, count = 0;
	size_t n = 0;
	int ret;
	(void)state;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		skip();
		return;
	}
	k = kernel_open();
	assert_non_null(k);
	ev = kernel_events_open();
	assert_non_null(ev);

	assert_int_equal(kernel_link_index(k, "wgnmt0", &idx), -ENODEV);
	/* veth without a peer spec gets an auto-named peer. */
	assert_int_equal(kernel_link_create(k, "wgnmt0", "veth"), 0);
	assert_int_equal(kernel_link_create(k, "wgnmt0", "veth"), -EEXIST);
	ret = kernel_link_create(k, "wgnmt1", "no-such-kind");
	assert_true(ret == -EOPNOTSUPP || ret == -EINVAL);
	assert_int_equal(kernel_link_index(k, "wgnmt0", &idx), 0);
	assert_true(idx > 0);
	assert_int_equal(kernel_link_set_mtu(k, idx, 1400), 0);
	assert_int_equal(kernel_link_set_up(k, idx, true), 0);
	assert_int_equal(kernel_addr_add(k, idx, &a4, 24), 0);
	assert_int_equal(kernel_addr_add(k, idx, &a4, 24), 0);   /* idempotent */

	/* The event arrives on the listen socket. */
	for (int i = 0; i < 20 && l.n == 0; i++) {
		struct pollfd pfd = { .fd = kernel_events_fd(ev), .events = POLLIN };
		if (poll(&pfd, 1, 100) > 0) {
			struct evlog tmp = { 0 };
			assert_int_equal(kernel_events_read(ev, record, &tmp), 0);
			for (size_t j = 0; j < tmp.n; j++)
				if (tmp.ev[j].type == KERNEL_EVENT_ADDR_ADD && addr_eq(&tmp.ev[j].addr, &a4))
					l.ev[l.n++] = tmp.ev[j];
		}
	}
	/* One per add: the idempotent re-add is announced too. */
	assert_true(l.n >= 1);
	assert_int_equal(l.ev[0].ifindex, idx);

	assert_int_equal(kernel_addrs_dump(k, 0, &v, &n), 0);
	assert_true(has_addr(v, n, idx, "192.0.2.5", 24));
	free(v);
	assert_int_equal(kernel_addrs_dump(k, idx, &v, &n), 0);
	assert_false(has_addr(v, n, idx, "192.0.2.5", 24));
	free(v);

	assert_int_equal(kernel_route_add(k, idx, &r4), 0);
	assert_int_equal(kernel_route_add(k, idx, &r4), -EEXIST);
	assert_int_equal(kernel_route_replace(k, idx, &r4), 0);
	assert_int_equal(kernel_route_replace(k, idx, &h4), 0);
	assert_int_equal(kernel_route_add(k, idx, &r6), 0);
	assert_int_equal(kernel_route_del(k, idx, &h4), 0);
	assert_int_equal(kernel_route_del(k, idx, &h4), -ESRCH);
	assert_int_equal(kernel_route_flush(k, idx + 1000, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(kernel_route_flush(k, idx, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(kernel_route_flush(k, 0, &count), 0);
	assert_int_equal(count, 0);

	assert_int_equal(kernel_addr_del(k, idx, &a4, 24), 0);
	assert_int_equal(kernel_forwarding_enable("wgnmt0", true), 0);
	assert_int_equal(kernel_forwarding_enable("../x", false), -EINVAL);
	assert_int_equal(kernel_link_delete(k, idx), 0);
	assert_int_equal(kernel_link_index(k, "wgnmt0", &idx), -ENODEV);
	kernel_events_close(ev);
	kernel_close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_msgs),
		cmocka_unit_test(test_addr_msgs),
		cmocka_unit_test(test_link_msgs),
		cmocka_unit_test(test_events_parse),
		cmocka_unit_test(test_events_malformed),
		cmocka_unit_test(test_live),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
