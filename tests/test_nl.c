/*
 * Tests for src/nl.c: the attribute table (last instance wins, types past
 * max and a malformed tail ignored), addresses in the family's size, and
 * the socket against the real kernel: a request answered, an error
 * returned only after its reply is drained (the next request gets its own
 * answer), a dump restarted before every attempt, and, as root in a
 * private network namespace, the kernel's extended-ack text kept for the
 * failed request and cleared by the next one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "addr.h"
#include "nl.h"

#define MSG_SIZE 1024

static struct addr ad(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(&a, s), 0);
	return a;
}

static struct nlmsghdr *msg_start(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	return nlh;
}

/* --- attribute table -------------------------------------------------- */

/*
 *   [ifinfomsg] [1: u32 5] [3: "a"] [1: u32 7] [9: u32 9] [2: nest [1: u8 1] [1: u8 2]]
 *
 * max = 4: tb[1] is the second 1 (7), type 9 is past max and dropped.
 */
static void test_attr_table(void **state)
{
	uint8_t buf[MSG_SIZE];
	const struct nlattr *tb[5], *in[3];
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
	struct nlattr *nest;
	(void)state;

	mnl_attr_put_u32(nlh, 1, 5);
	mnl_attr_put_strz(nlh, 3, "a");
	mnl_attr_put_u32(nlh, 1, 7);
	mnl_attr_put_u32(nlh, 9, 9);
	nest = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_u8(nlh, 1, 1);
	mnl_attr_put_u8(nlh, 1, 2);
	mnl_attr_nest_end(nlh, nest);

	memset(tb, 0xa5, sizeof(tb));
	nl_attr_table(nlh, sizeof(struct ifinfomsg), tb, 4);
	assert_null(tb[0]);
	assert_non_null(tb[1]);
	assert_int_equal(mnl_attr_get_u32(tb[1]), 7);
	assert_non_null(tb[2]);
	assert_non_null(tb[3]);
	assert_string_equal(mnl_attr_get_str(tb[3]), "a");
	assert_null(tb[4]);

	memset(in, 0xa5, sizeof(in));
	nl_attr_table_nested(tb[2], in, 2);
	assert_null(in[0]);
	assert_non_null(in[1]);
	assert_int_equal(mnl_attr_get_u8(in[1]), 2);
	assert_null(in[2]);
}

/* An attribute whose length runs past the message: what came before stays. */
static void test_attr_table_malformed_tail(void **state)
{
	uint8_t buf[MSG_SIZE];
	const struct nlattr *tb[4];
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
	struct nlattr *bad;
	(void)state;

	mnl_attr_put_u32(nlh, 1, 11);
	bad = (struct nlattr *)((uint8_t *)nlh + nlh->nlmsg_len);
	mnl_attr_put_u32(nlh, 2, 22);
	bad->nla_len = 200;     /* the message ends 8 bytes later */

	nl_attr_table(nlh, sizeof(struct ifinfomsg), tb, 3);
	assert_non_null(tb[1]);
	assert_int_equal(mnl_attr_get_u32(tb[1]), 11);
	assert_null(tb[2]);
	assert_null(tb[3]);
}

/* --- addresses ---------------------------------------------------------- */

static void test_addr_attrs(void **state)
{
	uint8_t buf[MSG_SIZE];
	const struct nlattr *tb[4];
	struct addr v4 = ad("192.0.2.7"), v6 = ad("2001:db8::7"), out;
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWADDR, 0);
	static const uint8_t want4[4] = { 192, 0, 2, 7 };
	uint32_t before;
	(void)state;

	assert_int_equal(nl_addr_family(&v4), AF_INET);
	assert_int_equal(nl_addr_family(&v6), AF_INET6);

	assert_true(nl_attr_put_addr(nlh, MSG_SIZE, 1, &v4));
	assert_true(nl_attr_put_addr(nlh, MSG_SIZE, 2, &v6));
	/* No room: nothing is written. */
	before = nlh->nlmsg_len;
	assert_false(nl_attr_put_addr(nlh, before + 8, 3, &v6));
	assert_int_equal(nlh->nlmsg_len, before);

	nl_attr_table(nlh, sizeof(struct ifinfomsg), tb, 3);
	assert_int_equal(mnl_attr_get_payload_len(tb[1]), 4);
	assert_memory_equal(mnl_attr_get_payload(tb[1]), want4, 4);
	assert_int_equal(mnl_attr_get_payload_len(tb[2]), 16);
	assert_null(tb[3]);

	assert_true(nl_attr_get_addr(tb[1], AF_INET, &out));
	assert_true(addr_eq(&out, &v4));
	assert_true(nl_attr_get_addr(tb[2], AF_INET6, &out));
	assert_true(addr_eq(&out, &v6));
	/* The size must be the family's. */
	assert_false(nl_attr_get_addr(tb[1], AF_INET6, &out));
	assert_false(nl_attr_get_addr(tb[2], AF_INET, &out));
	assert_false(nl_attr_get_addr(NULL, AF_INET, &out));
	assert_false(nl_attr_get_addr(tb[1], AF_UNSPEC, &out));
}

/* --- the socket, live ---------------------------------------------------- */

static struct nlmsghdr *getlink(void *buf, const char *ifname)
{
	struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, NLM_F_REQUEST);

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nlh;
}

struct seen {
	unsigned msgs;
	unsigned restarts;
	int ifindex;
	int fail_with;          /* cb returns this (0: ok) */
	int restart_with;
};

static int seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;

	s->msgs++;
	if (nlh->nlmsg_type == RTM_NEWLINK && mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct ifinfomsg))
		s->ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
	return s->fail_with;
}

static int seen_restart(void *arg)
{
	struct seen *s = arg;

	s->restarts++;
	s->msgs = 0;
	return s->restart_with;
}

static void test_talk(void **state)
{
	uint8_t buf[MSG_SIZE];
	char w[NL_KERNEL_SAYS_MAX];
	struct seen s = { 0 };
	struct nl_sock *nl = nl_open(NETLINK_ROUTE);
	struct nlmsghdr *req;
	(void)state;

	assert_non_null(nl);
	req = getlink(buf, "lo");
	assert_int_equal(nl_talk(nl, req, seen_cb, &s), 0);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.ifindex, 1);
	/* A plain request is acked, so the answer is never silence. */
	assert_true(req->nlmsg_flags & NLM_F_ACK);

	/* No such link: the kernel's errno, and no text of its own. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(nl_talk(nl, getlink(buf, "wgnm-absent"), seen_cb, &s), -ENODEV);
	assert_int_equal(s.msgs, 0);
	assert_string_equal(nl_errmsg(nl), "");
	assert_string_equal(nl_kernel_says(nl, w, sizeof(w)), "");

	nl_wipe(nl);
	nl_close(nl);
	nl_close(NULL);
}

static struct nlmsghdr *dump_addrs(void *buf)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg));
	return nlh;
}

/*
 * cb fails on every message of a dump: the first error comes back only
 * after the whole dump was read (cb saw every message), and the next
 * request on the socket gets its own answer.
 */
static void test_talk_error_drains(void **state)
{
	uint8_t buf[MSG_SIZE];
	struct seen s = { 0 };
	struct nl_sock *nl = nl_open(NETLINK_ROUTE);
	unsigned all;
	(void)state;

	assert_non_null(nl);
	assert_int_equal(nl_talk(nl, dump_addrs(buf), seen_cb, &s), 0);
	all = s.msgs;
	/* lo's 127.0.0.1 at least */
	assert_true(all >= 1);

	memset(&s, 0, sizeof(s));
	s.fail_with = -E2BIG;
	assert_int_equal(nl_talk(nl, dump_addrs(buf), seen_cb, &s), -E2BIG);
	assert_int_equal(s.msgs, all);

	memset(&s, 0, sizeof(s));
	assert_int_equal(nl_talk(nl, getlink(buf, "lo"), seen_cb, &s), 0);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.ifindex, 1);
	nl_close(nl);
}

/*
 * A batch: several requests in one datagram, each answered. rtnetlink
 * takes them one after another as nfnetlink takes a transaction, so the
 * accounting is checked here with no root: every ack awaited, the first
 * error returned, and the socket still in step afterwards.
 */
static size_t batch_of(uint8_t *batch, const char *const *names, size_t n, bool ack)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh = getlink(batch + off, names[i]);

		if (ack)
			nlh->nlmsg_flags |= NLM_F_ACK;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return off;
}

static void test_talk_batch(void **state)
{
	static const char *const good[] = { "lo", "lo", "lo" };
	static const char *const bad[] = { "lo", "wgnm-no-such", "lo" };
	uint8_t batch[3 * MSG_SIZE], buf[MSG_SIZE];
	struct seen s = { 0 };
	struct nl_sock *nl = nl_open(NETLINK_ROUTE);
	size_t len;
	(void)state;

	assert_non_null(nl);
	memset(batch, 0, sizeof(batch));
	len = batch_of(batch, good, 3, true);
	assert_int_equal(nl_talk_batch(nl, batch, len), 0);
	/* Each message got its own sequence number. */
	assert_int_not_equal(((struct nlmsghdr *)batch)->nlmsg_seq,
			     ((struct nlmsghdr *)(batch + len / 3))->nlmsg_seq);

	memset(batch, 0, sizeof(batch));
	len = batch_of(batch, bad, 3, true);
	assert_int_equal(nl_talk_batch(nl, batch, len), -ENODEV);
	assert_int_equal(nl_talk(nl, getlink(buf, "lo"), seen_cb, &s), 0);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.ifindex, 1);

	/* Nothing to wait for, nothing at all, or a torn message: refused. */
	memset(batch, 0, sizeof(batch));
	len = batch_of(batch, good, 2, false);
	assert_int_equal(nl_talk_batch(nl, batch, len), -EINVAL);
	assert_int_equal(nl_talk_batch(nl, batch, 0), -EINVAL);
	len = batch_of(batch, good, 2, true);
	assert_int_equal(nl_talk_batch(nl, batch, len - 4), -EINVAL);
	nl_close(nl);
}

static void test_dump_consistent(void **state)
{
	uint8_t buf[MSG_SIZE];
	struct seen s = { 0 };
	struct nl_sock *nl = nl_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	(void)state;

	assert_non_null(nl);
	nlh = msg_start(buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nl_dump_consistent(nl, nlh, seen_cb, seen_restart, &s), 0);
	/* Restarted before the first attempt; lo is in every namespace. */
	assert_true(s.restarts >= 1);
	assert_true(s.msgs >= 1);

	/* A restart that fails ends the dump before anything is read. */
	memset(&s, 0, sizeof(s));
	s.restart_with = -ENOMEM;
	assert_int_equal(nl_dump_consistent(nl, nlh, seen_cb, seen_restart, &s), -ENOMEM);
	assert_int_equal(s.restarts, 1);
	assert_int_equal(s.msgs, 0);

	/* Without a restart hook. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(nl_dump_consistent(nl, nlh, seen_cb, NULL, &s), 0);
	assert_true(s.msgs >= 1);
	nl_close(nl);
}

/* Root only, in a private namespace: creating a link asks for CAP_NET_ADMIN. */
static void test_kernel_says(void **state)
{
	uint8_t buf[MSG_SIZE];
	char w[NL_KERNEL_SAYS_MAX];
	struct nl_sock *nl;
	struct nlmsghdr *nlh;
	struct nlattr *info;
	int ret;
	(void)state;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		skip();
		return;
	}
	nl = nl_open(NETLINK_ROUTE);
	assert_non_null(nl);
	nlh = msg_start(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wgnmnl0");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "no-such-kind");
	mnl_attr_nest_end(nlh, info);
	ret = nl_talk(nl, nlh, NULL, NULL);
	assert_true(ret == -EOPNOTSUPP || ret == -EINVAL);
	/* Kernels since 4.12 say why ("Unknown device type"). */
	if (*nl_errmsg(nl)) {
		assert_non_null(strstr(nl_kernel_says(nl, w, sizeof(w)), " (kernel: "));
		assert_non_null(strstr(w, nl_errmsg(nl)));
	}
	/* The next request starts with no complaint. */
	assert_int_equal(nl_talk(nl, getlink(buf, "lo"), NULL, NULL), 0);
	assert_string_equal(nl_errmsg(nl), "");
	nl_close(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_table),
		cmocka_unit_test(test_attr_table_malformed_tail),
		cmocka_unit_test(test_addr_attrs),
		cmocka_unit_test(test_talk),
		cmocka_unit_test(test_talk_error_drains),
		cmocka_unit_test(test_talk_batch),
		cmocka_unit_test(test_dump_consistent),
		cmocka_unit_test(test_kernel_says),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
