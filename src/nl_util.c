/*
 * Netlink helpers shared by kernel_linux.c and wgdev_genl.c; see
 * nl_util.h. Nothing here owns a socket or allocates.
 */
#include "nl_util.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* A dump the kernel keeps interrupting is retried this often. */
#define NL_DUMP_TRIES 5

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_table_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(a);

	/* Types newer than our headers are not ours to read. */
	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

void nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		   unsigned max)
{
	struct attr_table t = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	/* A malformed tail stops the walk; what came before it stays. */
	(void)mnl_attr_parse(nlh, (unsigned)hdrlen, attr_table_cb, &t);
}

void nl_attr_table_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct attr_table t = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	(void)mnl_attr_parse_nested(nest, attr_table_cb, &t);
}

int nl_addr_family(const struct addr *a)
{
	return addr_is_v4(a) ? AF_INET : AF_INET6;
}

bool nl_attr_put_addr(struct nlmsghdr *nlh, size_t size, uint16_t type, const struct addr *a)
{
	if (addr_is_v4(a))
		return mnl_attr_put_check(nlh, size, type, 4, a->b + 12);
	return mnl_attr_put_check(nlh, size, type, 16, a->b);
}

bool nl_attr_get_addr(const struct nlattr *a, int family, struct addr *out)
{
	if (!a)
		return false;
	if (family == AF_INET && mnl_attr_get_payload_len(a) == 4) {
		addr_from_v4(out, mnl_attr_get_payload(a));
		return true;
	}
	if (family == AF_INET6 && mnl_attr_get_payload_len(a) == 16) {
		memcpy(out->b, mnl_attr_get_payload(a), 16);
		return true;
	}
	return false;
}

int nl_dump_consistent(struct kernel_nl *nl, struct nlmsghdr *req,
		       int (*cb)(const struct nlmsghdr *nlh, void *arg),
		       int (*restart)(void *arg), void *arg)
{
	int ret = -EINTR;

	for (int tries = 0; tries < NL_DUMP_TRIES && ret == -EINTR; tries++) {
		if (restart) {
			ret = restart(arg);
			if (ret < 0)
				return ret;
		}
		ret = kernel_nl_talk(nl, req, cb, arg);
	}
	return ret;
}

const char *nl_kernel_says(const struct kernel_nl *nl, char *buf, size_t len)
{
	const char *m = kernel_nl_errmsg(nl);

	if (!*m)
		return "";
	snprintf(buf, len, " (kernel: %s)", m);
	return buf;
}
