/*
 * Tests for src/kernel_rules_linux.c (exit-node routing): the fib rule
 * and route messages, checked attribute by attribute against
 * linux/fib_rules.h and linux/rtnetlink.h; bad arguments refused; and,
 * when root, a live run inside a private network namespace, with the
 * kernel's state read back through a netlink socket of the test's own:
 *
 *   ip rule:  32764 not fwmark M lookup main suppress_prefixlength 0 proto 0x57
 *             32765 not fwmark M lookup T proto 0x57
 *   ip route show table T:  default dev wgnmr0 proto 0x57
 *
 * for two "daemons" (ids A and B) side by side: installing twice, removing
 * one family, removing A leaving B, and the flush finding what is left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel_linux.h"
#include "nl_attrs.h"

static void assert_attr_u32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 4);
	assert_int_equal(mnl_attr_get_u32(a), want);
}

/* --- messages ------------------------------------------------------------- */

struct rule_case {
	enum kernel_op op;
	int family;
	enum kernel_exit_rule which;
	uint32_t table;
	uint16_t type, flags;
	uint8_t frh_table;      /* what fits the 8-bit field */
	uint32_t lookup, prio;
};

static void test_exit_rule_msgs(void **state)
{
	static const uint32_t mark = 0x5767ca6c;
	static const struct rule_case cases[] = {
		{ KERNEL_OP_ADD, AF_INET, KERNEL_EXIT_RULE_SUPPRESS, 0x5767ca6c, RTM_NEWRULE,
		  NLM_F_CREATE | NLM_F_EXCL, RT_TABLE_MAIN, RT_TABLE_MAIN, 32764 },
		{ KERNEL_OP_ADD, AF_INET, KERNEL_EXIT_RULE_MARK, 0x5767ca6c, RTM_NEWRULE,
		  NLM_F_CREATE | NLM_F_EXCL, RT_TABLE_UNSPEC, 0x5767ca6c, 32765 },
		{ KERNEL_OP_ADD, AF_INET6, KERNEL_EXIT_RULE_MARK, 100, RTM_NEWRULE,
		  NLM_F_CREATE | NLM_F_EXCL, 100, 100, 32765 },
		{ KERNEL_OP_DEL, AF_INET6, KERNEL_EXIT_RULE_SUPPRESS, 100, RTM_DELRULE, 0,
		  RT_TABLE_MAIN, RT_TABLE_MAIN, 32764 },
		{ KERNEL_OP_DEL, AF_INET, KERNEL_EXIT_RULE_MARK, 0x5767ca6c, RTM_DELRULE, 0,
		  RT_TABLE_UNSPEC, 0x5767ca6c, 32765 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule_case *c = &cases[i];
		uint8_t buf[KERNEL_MSG_SIZE];
		struct nlmsghdr *nlh = kernel_build_exit_rule_msg(buf, c->op, c->family, c->which,
								  mark, c->table);
		const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
		bool suppress = c->which == KERNEL_EXIT_RULE_SUPPRESS;
		struct attrs at;

		assert_int_equal(nlh->nlmsg_type, c->type);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | c->flags);
		assert_true(mnl_nlmsg_get_payload_len(nlh) >= sizeof(*frh));
		assert_int_equal(frh->family, c->family);
		assert_int_equal(frh->dst_len, 0);
		assert_int_equal(frh->src_len, 0);
		assert_int_equal(frh->tos, 0);
		assert_int_equal(frh->action, FR_ACT_TO_TBL);
		assert_int_equal(frh->flags, FIB_RULE_INVERT);  /* "not fwmark" */
		assert_int_equal(frh->table, c->frh_table);
		collect(nlh, sizeof(*frh), &at);
		assert_int_equal(at.count, suppress ? 6 : 5);
		assert_attr_u32(at.tb[FRA_PRIORITY], c->prio);
		assert_attr_u32(at.tb[FRA_TABLE], c->lookup);
		assert_attr_u32(at.tb[FRA_FWMARK], mark);
		assert_attr_u32(at.tb[FRA_FWMASK], 0xffffffff);
		if (suppress)
			assert_attr_u32(at.tb[FRA_SUPPRESS_PREFIXLEN], 0);
		assert_non_null(at.tb[FRA_PROTOCOL]);
		assert_int_equal(mnl_attr_get_payload_len(at.tb[FRA_PROTOCOL]), 1);
		assert_int_equal(mnl_attr_get_u8(at.tb[FRA_PROTOCOL]), 0x57);
	}
}

struct route_case {
	enum kernel_op op;
	int family;
	uint32_t table;
	uint16_t type, flags;
	uint8_t rtm_table, scope;
};

static void test_exit_route_msgs(void **state)
{
	static const struct route_case cases[] = {
		{ KERNEL_OP_REPLACE, AF_INET, 0x5767ca6c, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
		  RT_TABLE_UNSPEC, RT_SCOPE_LINK },
		{ KERNEL_OP_ADD, AF_INET6, 100, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 100,
		  RT_SCOPE_UNIVERSE },
		{ KERNEL_OP_DEL, AF_INET, 0x5767ca6c, RTM_DELROUTE, 0, RT_TABLE_UNSPEC,
		  RT_SCOPE_NOWHERE },
		{ KERNEL_OP_DEL, AF_INET6, 100, RTM_DELROUTE, 0, 100, RT_SCOPE_NOWHERE },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_case *c = &cases[i];
		uint8_t buf[KERNEL_MSG_SIZE];
		struct nlmsghdr *nlh = kernel_build_exit_route_msg(buf, c->op, 9, c->family, c->table);
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		bool del = c->op == KERNEL_OP_DEL;
		struct attrs at;

		assert_int_equal(nlh->nlmsg_type, c->type);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | c->flags);
		assert_int_equal(rtm->rtm_family, c->family);
		assert_int_equal(rtm->rtm_dst_len, 0);          /* default route */
		assert_int_equal(rtm->rtm_src_len, 0);
		assert_int_equal(rtm->rtm_table, c->rtm_table);
		assert_int_equal(rtm->rtm_protocol, 0x57);
		assert_int_equal(rtm->rtm_scope, c->scope);
		assert_int_equal(rtm->rtm_type, RTN_UNICAST);
		collect(nlh, sizeof(*rtm), &at);
		/* No RTA_DST: the kernel takes dst_len 0 for 0.0.0.0/0, ::/0. A
		 * delete names no device: ours is the one tagged in the table. */
		assert_int_equal(at.count, del ? 1 : 2);
		assert_null(at.tb[RTA_DST]);
		assert_attr_u32(at.tb[RTA_TABLE], c->table);
		if (del)
			assert_null(at.tb[RTA_OIF]);
		else
			assert_attr_u32(at.tb[RTA_OIF], 9);
	}
}

static void test_exit_id(void **state)
{
	(void)state;
	assert_int_equal(kernel_exit_id(51820), 0x5767ca6c);
	assert_int_equal(kernel_exit_id(1), 0x57670001);
	assert_int_not_equal(kernel_exit_id(51820), 51820);    /* wg-quick's */
	assert_int_not_equal(kernel_exit_id(51820), kernel_exit_id(51821));
}

/* Refused before anything reaches the kernel (no socket needed). */
static void test_bad_args(void **state)
{
	struct kernel *k = NULL;
	unsigned count = 7;
	(void)state;

	assert_int_equal(kernel_exit_route_install(k, 0, AF_INET, 1, 100), -EINVAL);
	assert_int_equal(kernel_exit_route_install(k, 3, AF_UNIX, 1, 100), -EINVAL);
	assert_int_equal(kernel_exit_route_install(k, 3, AF_INET, 0, 100), -EINVAL);
	assert_int_equal(kernel_exit_route_install(k, 3, AF_INET, 1, 0), -EINVAL);
	for (uint32_t t = RT_TABLE_DEFAULT; t <= RT_TABLE_LOCAL; t++) {
		assert_int_equal(kernel_exit_route_install(k, 3, AF_INET6, 1, t), -EINVAL);
		assert_int_equal(kernel_exit_route_remove(k, AF_INET6, 1, t), -EINVAL);
		assert_int_equal(kernel_exit_route_flush(k, 1, t, &count), -EINVAL);
	}
	assert_int_equal(kernel_exit_route_remove(k, AF_INET, 0, 100), -EINVAL);
	assert_int_equal(kernel_exit_route_flush(k, 0, 100, &count), -EINVAL);
}

/* --- live ---------------------------------------------------------------------- */

/* What the kernel holds for (mark, table), counted independently of the
 * code under test. */
struct state {
	uint32_t mark, table;
	unsigned rules4, rules6, routes4, routes6, oif;
};

static int state_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct state *s = arg;
	struct attrs at;

	if (nlh->nlmsg_type == RTM_NEWRULE) {
		const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

		collect(nlh, sizeof(*frh), &at);
		if (!at.tb[FRA_PROTOCOL] || mnl_attr_get_u8(at.tb[FRA_PROTOCOL]) != 0x57 ||
		    !at.tb[FRA_FWMARK] || mnl_attr_get_u32(at.tb[FRA_FWMARK]) != s->mark)
			return MNL_CB_OK;
		assert_true(frh->flags & FIB_RULE_INVERT);
		if (frh->family == AF_INET)
			s->rules4++;
		else
			s->rules6++;
	} else if (nlh->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		collect(nlh, sizeof(*rtm), &at);
		if (!at.tb[RTA_TABLE] || mnl_attr_get_u32(at.tb[RTA_TABLE]) != s->table)
			return MNL_CB_OK;
		assert_int_equal(rtm->rtm_protocol, 0x57);
		assert_int_equal(rtm->rtm_dst_len, 0);
		s->oif = at.tb[RTA_OIF] ? mnl_attr_get_u32(at.tb[RTA_OIF]) : 0;
		if (rtm->rtm_family == AF_INET)
			s->routes4++;
		else
			s->routes6++;
	}
	return MNL_CB_OK;
}

static void dump(struct mnl_socket *s, uint16_t type, size_t hdrlen, struct state *st)
{
	static uint8_t rx[65536];
	uint8_t req[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	uint32_t seq = (uint32_t)type;
	ssize_t n;
	int r = MNL_CB_OK;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);        /* AF_UNSPEC: both */
	assert_true(mnl_socket_sendto(s, nlh, nlh->nlmsg_len) > 0);
	while (r > MNL_CB_STOP && (n = mnl_socket_recvfrom(s, rx, sizeof(rx))) > 0)
		r = mnl_cb_run(rx, (size_t)n, seq, mnl_socket_get_portid(s), state_cb, st);
	assert_int_equal(r, MNL_CB_STOP);
}

static struct state look(uint32_t id)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);
	struct state st = { .mark = id, .table = id };

	assert_non_null(s);
	assert_int_equal(mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID), 0);
	dump(s, RTM_GETRULE, sizeof(struct fib_rule_hdr), &st);
	dump(s, RTM_GETROUTE, sizeof(struct rtmsg), &st);
	mnl_socket_close(s);
	return st;
}

static void assert_state(uint32_t id, unsigned rules4, unsigned routes4, unsigned rules6,
			 unsigned routes6)
{
	struct state st = look(id);

	assert_int_equal(st.rules4, rules4);
	assert_int_equal(st.routes4, routes4);
	assert_int_equal(st.rules6, rules6);
	assert_int_equal(st.routes6, routes6);
}

static char proc_value(const char *path)
{
	char c = '?';
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, &c, 1), 1);
	close(fd);
	return c;
}

/* Our namespace's own: whatever it inherited, start from 0. */
static void set_proc(const char *path, char c)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, &c, 1), 1);
	close(fd);
	assert_int_equal(proc_value(path), c);
}

static void test_live(void **state)
{
	const uint32_t a = kernel_exit_id(51820), b = kernel_exit_id(51821);
	struct kernel *k;
	unsigned idx, count = 99;
	(void)state;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		skip();
		return;
	}
	k = kernel_open();
	assert_non_null(k);
	assert_int_equal(kernel_link_create(k, "wgnmr0", "veth"), 0);
	assert_int_equal(kernel_link_index(k, "wgnmr0", &idx), 0);
	assert_int_equal(kernel_link_set_up(k, idx, true), 0);
	set_proc("/proc/sys/net/ipv4/conf/all/src_valid_mark", '0');

	/* Nothing there yet: remove and flush are fine with that. */
	assert_int_equal(kernel_exit_route_remove(k, AF_INET, a, a), 0);
	assert_int_equal(kernel_exit_route_flush(k, a, a, &count), 0);
	assert_int_equal(count, 0);

	assert_int_equal(kernel_exit_route_install(k, idx, AF_INET, a, a), 0);
	assert_int_equal(kernel_exit_route_install(k, idx, AF_INET, a, a), 0);  /* idempotent */
	assert_int_equal(kernel_exit_route_install(k, idx, AF_INET6, a, a), 0);
	assert_int_equal(proc_value("/proc/sys/net/ipv4/conf/all/src_valid_mark"), '1');
	assert_state(a, 2, 1, 2, 1);
	assert_int_equal(look(a).oif, idx);

	/* A second daemon with its own id: its rules are distinct. */
	assert_int_equal(kernel_exit_route_install(k, idx, AF_INET, b, b), 0);
	assert_state(b, 2, 1, 0, 0);

	assert_int_equal(kernel_exit_route_remove(k, AF_INET, a, a), 0);
	assert_int_equal(kernel_exit_route_remove(k, AF_INET, a, a), 0);
	assert_state(a, 0, 0, 2, 1);
	assert_state(b, 2, 1, 0, 0);

	/* A crashed run's IPv6 half is found and removed. */
	assert_int_equal(kernel_exit_route_flush(k, a, a, &count), 0);
	assert_int_equal(count, 3);
	assert_state(a, 0, 0, 0, 0);
	assert_state(b, 2, 1, 0, 0);
	assert_int_equal(kernel_exit_route_flush(k, a, a, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(kernel_exit_route_flush(k, b, b, &count), 0);
	assert_int_equal(count, 3);
	assert_state(b, 0, 0, 0, 0);

	/* A device that is not there: refused, nothing left behind. */
	assert_int_not_equal(kernel_exit_route_install(k, idx + 1000, AF_INET, a, a), 0);
	assert_state(a, 0, 0, 0, 0);

	assert_int_equal(kernel_link_delete(k, idx), 0);
	kernel_close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_rule_msgs),
		cmocka_unit_test(test_exit_route_msgs),
		cmocka_unit_test(test_exit_id),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_live),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
