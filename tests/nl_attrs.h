/*
 * Netlink attributes of a message built by the code under test, indexed by
 * type, for tests/test_kernel.c and tests/test_kernel_rules.c: each
 * attribute at most once, and the whole message parsed.
 */
#ifndef WGNM_TESTS_NL_ATTRS_H
#define WGNM_TESTS_NL_ATTRS_H

#include <libmnl/libmnl.h>
#include <string.h>

#define MAXATTR 64

struct attrs {
	const struct nlattr *tb[MAXATTR];
	unsigned count;
};

static inline int collect_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	unsigned type = mnl_attr_get_type(a);

	assert_true(type < MAXATTR);
	assert_null(at->tb[type]);      /* no attribute twice */
	at->tb[type] = a;
	at->count++;
	return MNL_CB_OK;
}

/* Parse attributes after a fixed header; the whole message must be used. */
static inline void collect(const struct nlmsghdr *nlh, size_t hdrlen, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	assert_int_equal(mnl_attr_parse(nlh, (unsigned)hdrlen, collect_cb, at), MNL_CB_OK);
}

#endif
