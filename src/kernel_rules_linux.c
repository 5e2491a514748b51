/*
 * kernel.h's exit-node routing on Linux: fib rules and a routing table of
 * our own over rtnetlink, on kernel_linux.c's command socket (nl.h). See
 * kernel.h for the model.
 *
 * Install goes in an order that makes its last step the switch: the
 * suppress rule alone changes nothing (the main rule finds the default
 * route it skipped), the route in our table is used by no one yet, and
 * only the mark rule sends traffic into the tunnel. Remove goes the other
 * way round, and tries every step even when one fails.
 *
 * The flush lists rules and routes and deletes the ones of ours by
 * sending each back as a delete, as `ip rule flush` and `ip route flush`
 * do, so that the kernel matches exactly what it showed.
 */
#include "kernel_linux.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "nl.h"

#define SRC_VALID_MARK "/proc/sys/net/ipv4/conf/all/src_valid_mark"

uint32_t kernel_exit_id(uint16_t wg_port)
{
	return KERNEL_EXIT_ID_BASE | wg_port;
}

/* --- builders -------------------------------------------------------- */

/* Tables above 255 only fit the 32-bit attribute. */
static uint8_t table_u8(uint32_t table)
{
	return table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
}

struct nlmsghdr *kernel_build_exit_rule_msg(void *buf, enum kernel_op op, int family,
					    enum kernel_exit_rule which, uint32_t mark,
					    uint32_t table)
{
	bool del = op == KERNEL_OP_DEL, suppress = which == KERNEL_EXIT_RULE_SUPPRESS;
	/* EXCL: a rule the same as one there is refused (EEXIST) rather
	 * than added twice. */
	struct nlmsghdr *nlh = kernel_msg_header(buf, del ? RTM_DELRULE : RTM_NEWRULE,
						 del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	uint32_t lookup = suppress ? RT_TABLE_MAIN : table;

	frh->family = (uint8_t)family;
	frh->action = FR_ACT_TO_TBL;
	frh->flags = FIB_RULE_INVERT;   /* "not fwmark" */
	frh->table = table_u8(lookup);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, KERNEL_EXIT_PRIO + (suppress ? 0 : 1));
	mnl_attr_put_u32(nlh, FRA_TABLE, lookup);
	mnl_attr_put_u32(nlh, FRA_FWMARK, mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, UINT32_MAX);
	if (suppress)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, KERNEL_RTPROT);
	return nlh;
}

struct nlmsghdr *kernel_build_exit_route_msg(void *buf, enum kernel_op op, unsigned ifindex,
					     int family, uint32_t table)
{
	struct nlmsghdr *nlh = kernel_route_msg_header(buf, op);
	struct rtmsg *rtm;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = 0;           /* the default route */
	rtm->rtm_table = table_u8(table);
	rtm->rtm_protocol = KERNEL_RTPROT;
	rtm->rtm_type = RTN_UNICAST;
	/* As for the main table's routes (kernel_linux.c): a delete matches
	 * any scope and any device, but only our tag. */
	if (op == KERNEL_OP_DEL)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (op != KERNEL_OP_DEL)
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nlh;
}

/* --- install and remove ---------------------------------------------- */

static bool args_ok(int family, uint32_t mark, uint32_t table)
{
	/* Mark 0 is every unmarked packet; the kernel's own tables are not
	 * ours to fill or flush. */
	return (family == AF_INET || family == AF_INET6) && mark != 0 &&
	       table != RT_TABLE_UNSPEC && table != RT_TABLE_DEFAULT && table != RT_TABLE_MAIN &&
	       table != RT_TABLE_LOCAL;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* One request; `fine` (0: none) is an error that means "already so". */
static int talk(struct kernel *k, struct nlmsghdr *nlh, int fine, const char *what, int family)
{
	char w[NL_KERNEL_SAYS_MAX];
	int ret = nl_talk(kernel_nl(k), nlh, NULL, NULL);

	if (ret == 0 || (fine && ret == fine))
		return 0;
	log_warnx("exit route (%s): %s: %s%s", family_name(family), what, strerror(-ret),
		  nl_kernel_says(kernel_nl(k), w, sizeof(w)));
	return ret;
}

/* Adding a rule that is there, or deleting one that is not, is fine. */
static int rule_op(struct kernel *k, enum kernel_op op, int family, enum kernel_exit_rule which,
		   uint32_t mark, uint32_t table)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	bool del = op == KERNEL_OP_DEL, suppress = which == KERNEL_EXIT_RULE_SUPPRESS;

	return talk(k, kernel_build_exit_rule_msg(buf, op, family, which, mark, table),
		    del ? -ENOENT : -EEXIST,
		    del ? (suppress ? "deleting the suppress rule" : "deleting the mark rule")
			: (suppress ? "adding the suppress rule" : "adding the mark rule"),
		    family);
}

static int route_op(struct kernel *k, enum kernel_op op, unsigned ifindex, int family,
		    uint32_t table)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	bool del = op == KERNEL_OP_DEL;

	return talk(k, kernel_build_exit_route_msg(buf, op, ifindex, family, table),
		    del ? -ESRCH : 0,
		    del ? "deleting the default route" : "adding the default route", family);
}

static int src_valid_mark(void)
{
	int ret = kernel_proc_enable(SRC_VALID_MARK);

	if (ret < 0) {
		errno = -ret;
		log_warn("exit route: setting %s", SRC_VALID_MARK);
	}
	return ret;
}

int kernel_exit_route_install(struct kernel *k, unsigned wg_ifindex, int family, uint32_t mark,
			      uint32_t table)
{
	int ret;

	if (wg_ifindex == 0 || !args_ok(family, mark, table))
		return -EINVAL;
	ret = rule_op(k, KERNEL_OP_ADD, family, KERNEL_EXIT_RULE_SUPPRESS, mark, table);
	if (ret == 0)
		ret = route_op(k, KERNEL_OP_REPLACE, wg_ifindex, family, table);
	if (ret == 0 && family == AF_INET)
		ret = src_valid_mark();
	/* The switch: from here on, traffic goes into the tunnel. */
	if (ret == 0)
		ret = rule_op(k, KERNEL_OP_ADD, family, KERNEL_EXIT_RULE_MARK, mark, table);
	if (ret < 0)
		(void)kernel_exit_route_remove(k, family, mark, table);
	else
		log_info("exit route (%s): default dev ifindex %u in table %u, rules for mark 0x%x",
			 family_name(family), wg_ifindex, table, mark);
	return ret;
}

int kernel_exit_route_remove(struct kernel *k, int family, uint32_t mark, uint32_t table)
{
	int ret, r;

	if (!args_ok(family, mark, table))
		return -EINVAL;
	ret = rule_op(k, KERNEL_OP_DEL, family, KERNEL_EXIT_RULE_MARK, mark, table);
	r = route_op(k, KERNEL_OP_DEL, 0, family, table);
	if (ret == 0)
		ret = r;
	r = rule_op(k, KERNEL_OP_DEL, family, KERNEL_EXIT_RULE_SUPPRESS, mark, table);
	return ret == 0 ? r : ret;
}

/* --- flush ------------------------------------------------------------- */

struct found {
	uint32_t mark, table;
	struct nlmsghdr **v;
	size_t n, cap;
};

static uint32_t attr_u32(const struct nlattr *a, uint32_t dflt)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return dflt;
	return mnl_attr_get_u32(a);
}

static int keep(struct found *f, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		void *v = realloc(f->v, cap * sizeof(*f->v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, nlh, nlh->nlmsg_len);
	f->v[f->n++] = copy;
	return 0;
}

static int found_restart(void *arg)
{
	struct found *f = arg;

	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	f->n = 0;
	return 0;
}

/* Ours: tagged, and looking up our table, or main with our mark. */
static int rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct found *f = arg;
	const struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *frh;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh))
		return 0;
	frh = mnl_nlmsg_get_payload(nlh);
	nl_attr_table(nlh, sizeof(*frh), tb, FRA_MAX);
	if (!tb[FRA_PROTOCOL] || mnl_attr_validate(tb[FRA_PROTOCOL], MNL_TYPE_U8) < 0 ||
	    mnl_attr_get_u8(tb[FRA_PROTOCOL]) != KERNEL_RTPROT)
		return 0;
	table = attr_u32(tb[FRA_TABLE], frh->table);
	if (table == f->table ||
	    (table == RT_TABLE_MAIN && tb[FRA_SUPPRESS_PREFIXLEN] &&
	     attr_u32(tb[FRA_FWMARK], 0) == f->mark))
		return keep(f, nlh);
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct found *f = arg;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return 0;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_protocol != KERNEL_RTPROT)
		return 0;
	nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (attr_u32(tb[RTA_TABLE], rtm->rtm_table) != f->table)
		return 0;
	return keep(f, nlh);
}

/* List with get_type, keep what cb says, send each back as del_type. */
static int flush(struct kernel *k, struct found *f, uint16_t get_type, size_t hdrlen,
		 int (*cb)(const struct nlmsghdr *, void *), uint16_t del_type, unsigned *done)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *req = kernel_dump_msg(buf, get_type, hdrlen);
	int ret = nl_dump_consistent(kernel_nl(k), req, cb, found_restart, f);

	for (size_t i = 0; ret == 0 && i < f->n; i++) {
		int r;

		f->v[i]->nlmsg_type = del_type;
		f->v[i]->nlmsg_flags = NLM_F_REQUEST;
		r = nl_talk(kernel_nl(k), f->v[i], NULL, NULL);
		/* Gone meanwhile is as good as deleted by us. */
		if (r == 0)
			(*done)++;
		else if (r != -ENOENT && r != -ESRCH)
			ret = r;
	}
	(void)found_restart(f);
	return ret;
}

int kernel_exit_route_flush(struct kernel *k, uint32_t mark, uint32_t table, unsigned *count)
{
	struct found f = { .mark = mark, .table = table };
	unsigned done = 0;
	int ret;

	if (!args_ok(AF_INET, mark, table))
		return -EINVAL;
	/* Rules first: the mark rule is what sends traffic to the table. */
	ret = flush(k, &f, RTM_GETRULE, sizeof(struct fib_rule_hdr), rule_cb, RTM_DELRULE,
		    &done);
	if (ret == 0)
		ret = flush(k, &f, RTM_GETROUTE, sizeof(struct rtmsg), route_cb, RTM_DELROUTE,
			    &done);
	free(f.v);
	if (ret < 0)
		log_warnx("exit route: flushing table %u, mark 0x%x: %s", table, mark, strerror(-ret));
	else if (done)
		log_info("exit route: flushed %u tagged rules and routes of table %u, mark 0x%x",
			 done, table, mark);
	if (count)
		*count = done;
	return ret;
}
