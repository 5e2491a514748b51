/*
 * kernel.h on Linux: rtnetlink through libmnl; see kernel.h for the model.
 *
 * Every request on the command socket goes through nl_talk() (nl.h): one
 * outstanding request, replies matched by (seq, portid), the kernel's own
 * words for what it rejected put in the log line of the call that failed.
 */
#include "kernel_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "nl.h"

#ifndef IFA_F_NOPREFIXROUTE
#define IFA_F_NOPREFIXROUTE 0x200
#endif

struct kernel {
	struct nl_sock *nl;
};

struct kernel_events {
	int fd;
	uint8_t buf[NL_BUFSIZE];
};

/* --- attribute helpers ---------------------------------------------- */

static bool ifname_ok(const char *ifname)
{
	size_t n = strnlen(ifname, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ && !strchr(ifname, '/') && strcmp(ifname, ".") != 0 &&
	       strcmp(ifname, "..") != 0;
}

/* The builders' KERNEL_MSG_SIZE buffers always have room for it. */
static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct addr *a)
{
	(void)nl_attr_put_addr(nlh, KERNEL_MSG_SIZE, type, a);
}

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return dflt;
	return mnl_attr_get_u32(a);
}

/* --- builders -------------------------------------------------------- */

static struct nlmsghdr *put_header(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, KERNEL_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return nlh;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, unsigned ifindex)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return ifi;
}

struct nlmsghdr *kernel_build_link_create_msg(void *buf, const char *ifname, const char *kind)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info;

	put_ifinfo(nlh, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *kernel_build_link_del_msg(void *buf, unsigned ifindex)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_DELLINK, 0);

	put_ifinfo(nlh, ifindex);
	return nlh;
}

struct nlmsghdr *kernel_build_link_updown_msg(void *buf, unsigned ifindex, bool up)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh, ifindex);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nlh;
}

struct nlmsghdr *kernel_build_link_mtu_msg(void *buf, unsigned ifindex, unsigned mtu)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, 0);

	put_ifinfo(nlh, ifindex);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

struct nlmsghdr *kernel_build_addr_msg(void *buf, enum kernel_op op, unsigned ifindex,
				       const struct addr *addr, uint8_t plen)
{
	bool del = op == KERNEL_OP_DEL;
	/* REPLACE on add: a restart re-adds the address it already has. */
	struct nlmsghdr *nlh = put_header(buf, del ? RTM_DELADDR : RTM_NEWADDR,
					  del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	bool v4 = addr_is_v4(addr);

	ifa->ifa_family = (uint8_t)nl_addr_family(addr);
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	put_addr(nlh, IFA_LOCAL, addr);
	put_addr(nlh, IFA_ADDRESS, addr);
	if (!del) {
		/* NOPREFIXROUTE: the subnet route would send the whole overlay
		 * into the interface untagged; we add routes ourselves. NODAD:
		 * DAD on a tunnel only delays the address by a second. */
		uint32_t flags = IFA_F_NOPREFIXROUTE | (v4 ? 0 : IFA_F_NODAD);

		ifa->ifa_flags = (uint8_t)(flags & 0xff);
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	}
	return nlh;
}

struct nlmsghdr *kernel_build_route_msg(void *buf, enum kernel_op op, unsigned ifindex,
					const struct prefix *dst)
{
	struct nlmsghdr *nlh = kernel_route_msg_header(buf, op);
	struct rtmsg *rtm;
	bool v4 = addr_is_v4(&dst->addr);

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)nl_addr_family(&dst->addr);
	rtm->rtm_dst_len = dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	/* The tag also makes a delete match only our own route. */
	rtm->rtm_protocol = KERNEL_RTPROT;
	rtm->rtm_type = RTN_UNICAST;
	/* As ip(8) does: IPv4 device routes are link scope, IPv6 routes
	 * universe; a delete matches any scope. */
	if (op == KERNEL_OP_DEL)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = v4 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	put_addr(nlh, RTA_DST, &dst->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nlh;
}

/* --- command socket --------------------------------------------------- */

struct kernel *kernel_open(void)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int saved;

	if (!k)
		return NULL;
	k->nl = nl_open(NETLINK_ROUTE);
	if (!k->nl) {
		saved = errno;
		free(k);
		errno = saved;
		return NULL;
	}
	return k;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	nl_close(k->nl);
	free(k);
}

/* --- shared with kernel_rules_linux.c ----------------------------------- */

struct nl_sock *kernel_nl(struct kernel *k)
{
	return k->nl;
}

int kernel_link_create(struct kernel *k, const char *ifname, const char *kind)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	char w[NL_KERNEL_SAYS_MAX];
	int ret;

	if (!ifname_ok(ifname))
		return -EINVAL;
	ret = nl_talk(k->nl, kernel_build_link_create_msg(buf, ifname, kind), NULL, NULL);
	if (ret < 0 && ret != -EEXIST)
		log_debug("creating %s link %s: %s%s", kind, ifname, strerror(-ret),
			  nl_kernel_says(k->nl, w, sizeof(w)));
	return ret;
}

static int report(struct kernel *k, int ret, const char *what, unsigned ifindex)
{
	char w[NL_KERNEL_SAYS_MAX];

	if (ret < 0)
		log_warnx("%s on ifindex %u: %s%s", what, ifindex, strerror(-ret),
			  nl_kernel_says(k->nl, w, sizeof(w)));
	return ret;
}

int kernel_link_delete(struct kernel *k, unsigned ifindex)
{
	uint8_t buf[KERNEL_MSG_SIZE];

	return report(k, nl_talk(k->nl, kernel_build_link_del_msg(buf, ifindex), NULL, NULL),
		      "deleting link", ifindex);
}

static int link_index_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return 0;
	ifi = mnl_nlmsg_get_payload(nlh);
	*(unsigned *)arg = (unsigned)ifi->ifi_index;
	return 0;
}

int kernel_link_index(struct kernel *k, const char *ifname, unsigned *ifindex)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh;
	unsigned idx = 0;
	int ret;

	if (!ifname_ok(ifname))
		return -EINVAL;
	nlh = put_header(buf, RTM_GETLINK, 0);
	put_ifinfo(nlh, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = nl_talk(k->nl, nlh, link_index_cb, &idx);
	if (ret < 0)
		return ret;
	if (idx == 0)
		return -ENODEV;
	*ifindex = idx;
	return 0;
}

struct link_kind {
	unsigned ifindex;
	char *kind;
	size_t kind_len;
};

static int link_kind_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct link_kind *lk = arg;
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];

	if (link_index_cb(nlh, &lk->ifindex) < 0 || lk->ifindex == 0)
		return 0;
	nl_attr_table(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	if (!tb[IFLA_LINKINFO])
		return 0;
	nl_attr_table_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
	if (info[IFLA_INFO_KIND] && mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
		snprintf(lk->kind, lk->kind_len, "%s", mnl_attr_get_str(info[IFLA_INFO_KIND]));
	return 0;
}

int kernel_link_kind(struct kernel *k, const char *ifname, unsigned *ifindex, char *kind,
		     size_t kind_len)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct link_kind lk = { .kind = kind, .kind_len = kind_len };
	struct nlmsghdr *nlh;
	int ret;

	if (!ifname_ok(ifname) || kind_len == 0)
		return -EINVAL;
	kind[0] = '\0';
	nlh = put_header(buf, RTM_GETLINK, 0);
	put_ifinfo(nlh, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = nl_talk(k->nl, nlh, link_kind_cb, &lk);
	if (ret < 0)
		return ret;
	if (lk.ifindex == 0)
		return -ENODEV;
	*ifindex = lk.ifindex;
	return 0;
}

int kernel_link_set_up(struct kernel *k, unsigned ifindex, bool up)
{
	uint8_t buf[KERNEL_MSG_SIZE];

	return report(k,
		      nl_talk(k->nl, kernel_build_link_updown_msg(buf, ifindex, up), NULL, NULL),
		      up ? "setting link up" : "setting link down", ifindex);
}

int kernel_link_set_mtu(struct kernel *k, unsigned ifindex, unsigned mtu)
{
	uint8_t buf[KERNEL_MSG_SIZE];

	return report(k, nl_talk(k->nl, kernel_build_link_mtu_msg(buf, ifindex, mtu), NULL, NULL),
		      "setting MTU", ifindex);
}

static int addr_op(struct kernel *k, enum kernel_op op, unsigned ifindex, const struct addr *addr,
		   uint8_t plen)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	char a[ADDR_STRLEN], w[NL_KERNEL_SAYS_MAX];
	int ret;

	if (plen > (addr_is_v4(addr) ? 32 : 128))
		return -EINVAL;
	ret = nl_talk(k->nl, kernel_build_addr_msg(buf, op, ifindex, addr, plen), NULL, NULL);
	if (ret < 0 && !(op == KERNEL_OP_DEL && ret == -EADDRNOTAVAIL))
		log_warnx("%s address %s/%u on ifindex %u: %s%s",
			  op == KERNEL_OP_DEL ? "deleting" : "adding", addr_fmt(addr, a, sizeof(a)),
			  plen, ifindex, strerror(-ret), nl_kernel_says(k->nl, w, sizeof(w)));
	return ret;
}

int kernel_addr_add(struct kernel *k, unsigned ifindex, const struct addr *addr, uint8_t plen)
{
	return addr_op(k, KERNEL_OP_ADD, ifindex, addr, plen);
}

int kernel_addr_del(struct kernel *k, unsigned ifindex, const struct addr *addr, uint8_t plen)
{
	return addr_op(k, KERNEL_OP_DEL, ifindex, addr, plen);
}

static int route_op(struct kernel *k, enum kernel_op op, unsigned ifindex, const struct prefix *dst)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	char p[ADDR_STRLEN + 8], w[NL_KERNEL_SAYS_MAX];
	int ret;

	if (dst->len > (addr_is_v4(&dst->addr) ? 32 : 128))
		return -EINVAL;
	ret = nl_talk(k->nl, kernel_build_route_msg(buf, op, ifindex, dst), NULL, NULL);
	/* Callers that reconcile tolerate these and decide themselves. */
	if (ret < 0 && ret != -EEXIST && ret != -ESRCH)
		log_warnx("%s route %s dev %u: %s%s", op == KERNEL_OP_DEL ? "deleting" : "adding",
			  prefix_fmt(dst, p, sizeof(p)), ifindex, strerror(-ret),
			  nl_kernel_says(k->nl, w, sizeof(w)));
	return ret;
}

int kernel_route_add(struct kernel *k, unsigned ifindex, const struct prefix *dst)
{
	return route_op(k, KERNEL_OP_ADD, ifindex, dst);
}

int kernel_route_replace(struct kernel *k, unsigned ifindex, const struct prefix *dst)
{
	return route_op(k, KERNEL_OP_REPLACE, ifindex, dst);
}

int kernel_route_del(struct kernel *k, unsigned ifindex, const struct prefix *dst)
{
	return route_op(k, KERNEL_OP_DEL, ifindex, dst);
}

struct route_list {
	unsigned want_ifindex;
	struct {
		struct prefix dst;
		unsigned ifindex;
	} *v;
	size_t n, cap;
};

/* Keep the array for the next attempt; only its contents were torn. */
static int route_list_restart(void *arg)
{
	((struct route_list *)arg)->n = 0;
	return 0;
}

static int route_collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_list *l = arg;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	struct prefix dst = { 0 };
	unsigned oif;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return 0;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_protocol != KERNEL_RTPROT)
		return 0;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX);
	table = get_u32(tb[RTA_TABLE], rtm->rtm_table);
	oif = get_u32(tb[RTA_OIF], 0);
	/* We only ever install into main; a tagged route elsewhere is not
	 * ours to delete. */
	if (table != RT_TABLE_MAIN || (l->want_ifindex && oif != l->want_ifindex))
		return 0;
	if (rtm->rtm_family == AF_INET) {
		static const uint8_t any4[4];
		addr_from_v4(&dst.addr, any4);
	}
	if (tb[RTA_DST] && !nl_attr_get_addr(tb[RTA_DST], rtm->rtm_family, &dst.addr))
		return 0;
	dst.len = rtm->rtm_dst_len;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].dst = dst;
	l->v[l->n].ifindex = oif;
	l->n++;
	return 0;
}

static struct nlmsghdr *dump_msg(void *buf, uint16_t type, size_t hdrlen)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, KERNEL_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	/* Family AF_UNSPEC (zero): both IPv4 and IPv6. */
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

struct nlmsghdr *kernel_msg_header(void *buf, uint16_t type, uint16_t flags)
{
	return put_header(buf, type, flags);
}

struct nlmsghdr *kernel_route_msg_header(void *buf, enum kernel_op op)
{
	switch (op) {
	case KERNEL_OP_ADD:
		return put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	case KERNEL_OP_REPLACE:
		return put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	case KERNEL_OP_DEL:
		break;
	}
	return put_header(buf, RTM_DELROUTE, 0);
}

struct nlmsghdr *kernel_dump_msg(void *buf, uint16_t type, size_t hdrlen)
{
	return dump_msg(buf, type, hdrlen);
}

int kernel_route_flush(struct kernel *k, unsigned ifindex, unsigned *count)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct route_list l = { .want_ifindex = ifindex };
	unsigned done = 0;
	int ret;

	ret = nl_dump_consistent(k->nl, dump_msg(buf, RTM_GETROUTE, sizeof(struct rtmsg)),
				 route_collect_cb, route_list_restart, &l);
	if (ret < 0) {
		log_warnx("listing routes: %s", strerror(-ret));
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		int r = kernel_route_del(k, l.v[i].ifindex, &l.v[i].dst);
		if (r == 0)
			done++;
		else if (r != -ESRCH && ret == 0)
			ret = r;
	}
	if (done)
		log_info("flushed %u route%s with protocol %u", done, done == 1 ? "" : "s",
			 KERNEL_RTPROT);
out:
	free(l.v);
	if (count)
		*count = done;
	return ret;
}

/* --- addresses ------------------------------------------------------- */

/*
 * Turn an RTM_NEWADDR/RTM_DELADDR into (ifindex, addr, plen). Returns
 * false for anything kernel_addrs_dump() would not list.
 */
static bool addr_usable(const struct nlmsghdr *nlh, bool is_add, struct kernel_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	uint32_t flags;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return false;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return false;
	nl_attr_table(nlh, sizeof(*ifa), tb, IFA_MAX);
	flags = get_u32(tb[IFA_FLAGS], ifa->ifa_flags);
	/* A tentative address is announced again once DAD is done. */
	if (is_add && (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return false;
	if (ifa->ifa_scope == RT_SCOPE_HOST)
		return false;
	/* IFA_LOCAL is ours; IFA_ADDRESS is the peer on point-to-point. */
	if (!nl_attr_get_addr(tb[IFA_LOCAL], ifa->ifa_family, &out->addr) &&
	    !nl_attr_get_addr(tb[IFA_ADDRESS], ifa->ifa_family, &out->addr))
		return false;
	if (addr_is_loopback(&out->addr) || addr_is_link_local(&out->addr))
		return false;
	out->ifindex = ifa->ifa_index;
	out->plen = ifa->ifa_prefixlen;
	return true;
}

struct addr_list {
	unsigned skip;
	struct kernel_addr *v;
	size_t n, cap;
};

static int addr_list_restart(void *arg)
{
	((struct addr_list *)arg)->n = 0;
	return 0;
}

static int addr_collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_list *l = arg;
	struct kernel_addr ka;

	if (nlh->nlmsg_type != RTM_NEWADDR || !addr_usable(nlh, true, &ka))
		return 0;
	if (l->skip && ka.ifindex == l->skip)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ka;
	return 0;
}

int kernel_addrs_dump(struct kernel *k, unsigned skip_ifindex, struct kernel_addr **out, size_t *n)
{
	uint8_t buf[KERNEL_MSG_SIZE];
	struct addr_list l = { .skip = skip_ifindex };
	int ret;

	ret = nl_dump_consistent(k->nl, dump_msg(buf, RTM_GETADDR, sizeof(struct ifaddrmsg)),
				 addr_collect_cb, addr_list_restart, &l);
	if (ret < 0) {
		free(l.v);
		log_warnx("listing local addresses: %s", strerror(-ret));
		return ret;
	}
	if (l.n == 0) {
		free(l.v);
		l.v = NULL;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* --- sysctl ----------------------------------------------------------- */

int kernel_proc_enable(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static int read_proc_flag(const char *path, bool *on)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1) {
		close(fd);
		return -EIO;
	}
	close(fd);
	*on = c == '1';
	return 0;
}

int kernel_forwarding_all(bool on, bool *was)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	int fd, ret = read_proc_flag(path, was);

	if (ret < 0)
		return ret;
	if (*was == on)
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

int kernel_forwarding_enable(const char *ifname, bool ipv6)
{
	char path[128];
	int ret, n;

	if (!ifname_ok(ifname))
		return -EINVAL;
	n = snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	ret = kernel_proc_enable(path);
	if (ret < 0) {
		errno = -ret;
		log_warn("enabling IPv4 forwarding on %s", ifname);
		return ret;
	}
	log_info("enabled IPv4 forwarding on %s", ifname);
	if (!ipv6)
		return 0;
	n = snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	ret = kernel_proc_enable(path);
	if (ret < 0) {
		errno = -ret;
		log_warn("enabling IPv6 forwarding on %s", ifname);
		return ret;
	}
	log_info("enabled IPv6 forwarding on %s", ifname);
	return 0;
}

/* --- event socket ------------------------------------------------------ */

struct kernel_events *kernel_events_open(void)
{
	struct kernel_events *ev = calloc(1, sizeof(*ev));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	/* Bursts (an interface with many addresses going away) should not
	 * overflow before the loop gets to us. */
	int rcvbuf = 1 << 20, saved;

	if (!ev)
		return NULL;
	ev->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (ev->fd < 0)
		goto fail;
	(void)setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(ev->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	return ev;
fail:
	saved = errno;
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev);
	errno = saved;
	return NULL;
}

void kernel_events_close(struct kernel_events *ev)
{
	if (!ev)
		return;
	close(ev->fd);
	free(ev);
}

int kernel_events_fd(const struct kernel_events *ev)
{
	return ev->fd;
}

static void link_event(const struct nlmsghdr *nlh,
		       void (*cb)(const struct kernel_event *e, void *arg), void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	struct kernel_event e = { 0 };

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	ifi = mnl_nlmsg_get_payload(nlh);
	nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (nlh->nlmsg_type == RTM_DELLINK)
		e.type = KERNEL_EVENT_LINK_DEL;
	else
		e.type = (ifi->ifi_flags & IFF_UP) ? KERNEL_EVENT_LINK_UP : KERNEL_EVENT_LINK_DOWN;
	e.ifindex = (unsigned)ifi->ifi_index;
	if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
		snprintf(e.ifname, sizeof(e.ifname), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	cb(&e, arg);
}

int kernel_events_parse(const void *buf, size_t len,
			void (*cb)(const struct kernel_event *e, void *arg), void *arg)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct kernel_event e = { 0 };
		struct kernel_addr ka;

		switch (nlh->nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
			if (!addr_usable(nlh, nlh->nlmsg_type == RTM_NEWADDR, &ka))
				break;
			e.type = nlh->nlmsg_type == RTM_NEWADDR ? KERNEL_EVENT_ADDR_ADD
								: KERNEL_EVENT_ADDR_DEL;
			e.ifindex = ka.ifindex;
			e.addr = ka.addr;
			e.plen = ka.plen;
			cb(&e, arg);
			break;
		case RTM_NEWLINK:
		case RTM_DELLINK:
			link_event(nlh, cb, arg);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Bounded so a flood cannot starve the rest of the loop; the fd stays
 * readable and the poll fires again. */
#define EVENTS_MAX_READS 64

int kernel_events_read(struct kernel_events *ev,
		       void (*cb)(const struct kernel_event *e, void *arg), void *arg)
{
	bool lost = false;

	for (int i = 0; i < EVENTS_MAX_READS; i++) {
		struct sockaddr_nl sa;
		socklen_t salen = sizeof(sa);
		ssize_t n = recvfrom(ev->fd, ev->buf, sizeof(ev->buf), 0, (struct sockaddr *)&sa,
				     &salen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				log_debug("netlink events: kernel dropped events");
				lost = true;
				continue;
			}
			return -errno;
		}
		/* Only the kernel speaks on these groups. */
		if (salen < sizeof(sa) || sa.nl_pid != 0)
			continue;
		kernel_events_parse(ev->buf, (size_t)n, cb, arg);
	}
	return lost ? -ENOBUFS : 0;
}
