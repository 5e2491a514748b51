/*
 * Tests for src/masq_nft.c: the nftables batch it sends, parsed back with
 * libnftnl and checked message by message and expression by expression;
 * bad input refused; and, when root, a live run against the kernel's
 * nf_tables inside a private network namespace (install twice, a second
 * interface left alone, remove twice).
 *
 * The rule each overlay prefix becomes, in nft's words:
 *
 *   table inet wgnm_IF {
 *     chain postrouting { type nat hook postrouting priority srcnat; policy accept;
 *       iifname "IF" oifname != "IF" meta nfproto ipv4 ip saddr 10.77.0.0/24 masquerade
 *     }
 *   }
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "masq_nft.h"

static uint8_t buf[MASQ_NFT_BATCH_SIZE];

static struct prefix pfx(const char *s, uint8_t len)
{
	struct prefix p = { .len = len };

	assert_int_equal(addr_parse(&p.addr, s), 0);
	return p;
}

/* --- walking a batch ------------------------------------------------------ */

struct batch {
	const struct nlmsghdr *msg[32];
	unsigned n;
};

static void split(const void *b, int len, struct batch *out)
{
	const struct nlmsghdr *nlh = b;

	memset(out, 0, sizeof(*out));
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		assert_true(out->n < 32);
		out->msg[out->n++] = nlh;
	}
	assert_int_equal(len, 0);       /* nothing trailing */
}

static uint16_t nft_type(uint16_t msg)
{
	return (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
}

/* Begin and end carry the subsystem and want no ack; every other message
 * is an inet one that asks for an ack, so each gets an answer. */
static void check_frame(const struct batch *b)
{
	const struct nfgenmsg *g;

	assert_true(b->n >= 4);
	assert_int_equal(b->msg[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	g = mnl_nlmsg_get_payload(b->msg[0]);
	assert_int_equal(ntohs(g->res_id), NFNL_SUBSYS_NFTABLES);
	assert_int_equal(b->msg[0]->nlmsg_flags & NLM_F_ACK, 0);
	assert_int_equal(b->msg[b->n - 1]->nlmsg_type, NFNL_MSG_BATCH_END);
	assert_int_equal(b->msg[b->n - 1]->nlmsg_flags & NLM_F_ACK, 0);
	for (unsigned i = 1; i + 1 < b->n; i++) {
		g = mnl_nlmsg_get_payload(b->msg[i]);
		assert_int_equal(g->nfgen_family, NFPROTO_INET);
		assert_int_not_equal(b->msg[i]->nlmsg_flags & NLM_F_ACK, 0);
	}
}

static void check_table(const struct nlmsghdr *nlh, uint16_t type, const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();

	assert_int_equal(nlh->nlmsg_type, nft_type(type));
	/* NEWTABLE without EXCL: an existing table is no error. */
	if (type == NFT_MSG_NEWTABLE)
		assert_int_equal(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE);
	assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
	assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), name);
	nftnl_table_free(t);
}

/* The fixed part of every remove and install: create-then-delete. */
static void check_reset(const struct batch *b, const char *table)
{
	check_frame(b);
	check_table(b->msg[1], NFT_MSG_NEWTABLE, table);
	check_table(b->msg[2], NFT_MSG_DELTABLE, table);
}

static void check_chain(const struct nlmsghdr *nlh, const char *table)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	assert_int_equal(nlh->nlmsg_type, nft_type(NFT_MSG_NEWCHAIN));
	assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), table);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), MASQ_NFT_CHAIN);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "nat");
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_POST_ROUTING);
	assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), 100); /* srcnat */
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_ACCEPT);
	nftnl_chain_free(c);
}

/* --- rules, expression by expression ----------------------------------------- */

struct want {
	const char *name;
	uint32_t key;           /* meta key; cmp op; payload offset */
	const void *data;       /* cmp data; bitwise mask */
	uint32_t len;           /* its length; payload length */
};

static const void *expr_data(const struct nftnl_expr *e, uint16_t type, uint32_t *len)
{
	assert_true(nftnl_expr_is_set(e, type));
	return nftnl_expr_get(e, type, len);
}

static void check_expr(const struct nftnl_expr *e, const struct want *w)
{
	static const uint8_t zero[16];
	const void *d;
	uint32_t len;

	assert_string_equal(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), w->name);
	if (!strcmp(w->name, "meta")) {
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY), w->key);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG), NFT_REG_1);
	} else if (!strcmp(w->name, "cmp")) {
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), NFT_REG_1);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), w->key);
		d = expr_data(e, NFTNL_EXPR_CMP_DATA, &len);
		assert_int_equal(len, w->len);
		assert_memory_equal(d, w->data, w->len);
	} else if (!strcmp(w->name, "payload")) {
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE),
				 NFT_PAYLOAD_NETWORK_HEADER);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET), w->key);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN), w->len);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG), NFT_REG_1);
	} else if (!strcmp(w->name, "bitwise")) {
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG), NFT_REG_1);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG), NFT_REG_1);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), w->len);
		d = expr_data(e, NFTNL_EXPR_BITWISE_MASK, &len);
		assert_int_equal(len, w->len);
		assert_memory_equal(d, w->data, w->len);
		d = expr_data(e, NFTNL_EXPR_BITWISE_XOR, &len);
		assert_int_equal(len, w->len);
		assert_memory_equal(d, zero, w->len);
	} else {
		assert_string_equal(w->name, "masq");
	}
}

static void check_rule(const struct nlmsghdr *nlh, const char *table, const struct want *w,
		       unsigned nw)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	unsigned i = 0;

	assert_int_equal(nlh->nlmsg_type, nft_type(NFT_MSG_NEWRULE));
	assert_int_equal(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_APPEND),
			 NLM_F_CREATE | NLM_F_APPEND);
	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
	assert_string_equal(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), table);
	assert_string_equal(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), MASQ_NFT_CHAIN);
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it)) != NULL) {
		assert_true(i < nw);
		check_expr(e, &w[i++]);
	}
	assert_int_equal(i, nw);
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
}

static const char wgx[16] = "wgx";
static const uint8_t v4proto = NFPROTO_IPV4, v6proto = NFPROTO_IPV6;

#define IFNAMES                                                                 \
	{ "meta", NFT_META_IIFNAME, NULL, 0 }, { "cmp", NFT_CMP_EQ, wgx, 16 },  \
	{ "meta", NFT_META_OIFNAME, NULL, 0 }, { "cmp", NFT_CMP_NEQ, wgx, 16 }

/* --- cases ----------------------------------------------------------------- */

static void test_remove_batch(void **state)
{
	struct batch b;
	int len;
	(void)state;

	len = masq_nft_build(buf, sizeof(buf), "wgx", NULL, 0);
	assert_true(len > 0);
	split(buf, len, &b);
	assert_int_equal(b.n, 4);
	check_reset(&b, "wgnm_wgx");
}

static void test_install_v4(void **state)
{
	/* Host bits in the prefix do not reach the rule. */
	struct prefix p = pfx("10.77.0.9", 24);
	static const uint8_t mask[4] = { 255, 255, 255, 0 }, net[4] = { 10, 77, 0, 0 };
	const struct want w[] = {
		IFNAMES,
		{ "meta", NFT_META_NFPROTO, NULL, 0 }, { "cmp", NFT_CMP_EQ, &v4proto, 1 },
		{ "payload", 12, NULL, 4 },     /* the IPv4 source address */
		{ "bitwise", 0, mask, 4 },      { "cmp", NFT_CMP_EQ, net, 4 },
		{ "masq", 0, NULL, 0 },
	};
	struct batch b;
	int len;
	(void)state;

	len = masq_nft_build(buf, sizeof(buf), "wgx", &p, 1);
	assert_true(len > 0);
	split(buf, len, &b);
	assert_int_equal(b.n, 7);
	check_reset(&b, "wgnm_wgx");
	check_table(b.msg[3], NFT_MSG_NEWTABLE, "wgnm_wgx");
	check_chain(b.msg[4], "wgnm_wgx");
	check_rule(b.msg[5], "wgnm_wgx", w, sizeof(w) / sizeof(w[0]));
}

/* Both families in one install, each its own rule; an odd length and a
 * full-length prefix (no mask then). */
static void test_install_both(void **state)
{
	struct prefix p[3] = { pfx("fd00:77::", 64), pfx("192.0.2.160", 27),
			       pfx("198.51.100.7", 32) };
	static const uint8_t mask6[16] = { 255, 255, 255, 255, 255, 255, 255, 255 };
	static const uint8_t net6[16] = { 0xfd, 0x00, 0x00, 0x77 };
	static const uint8_t mask27[4] = { 255, 255, 255, 0xe0 }, net27[4] = { 192, 0, 2, 160 };
	static const uint8_t host[4] = { 198, 51, 100, 7 };
	const struct want w6[] = {
		IFNAMES,
		{ "meta", NFT_META_NFPROTO, NULL, 0 }, { "cmp", NFT_CMP_EQ, &v6proto, 1 },
		{ "payload", 8, NULL, 16 },     /* the IPv6 source address */
		{ "bitwise", 0, mask6, 16 },    { "cmp", NFT_CMP_EQ, net6, 16 },
		{ "masq", 0, NULL, 0 },
	};
	const struct want w27[] = {
		IFNAMES,
		{ "meta", NFT_META_NFPROTO, NULL, 0 }, { "cmp", NFT_CMP_EQ, &v4proto, 1 },
		{ "payload", 12, NULL, 4 },
		{ "bitwise", 0, mask27, 4 },    { "cmp", NFT_CMP_EQ, net27, 4 },
		{ "masq", 0, NULL, 0 },
	};
	const struct want w32[] = {
		IFNAMES,
		{ "meta", NFT_META_NFPROTO, NULL, 0 }, { "cmp", NFT_CMP_EQ, &v4proto, 1 },
		{ "payload", 12, NULL, 4 },     { "cmp", NFT_CMP_EQ, host, 4 },
		{ "masq", 0, NULL, 0 },
	};
	struct batch b;
	int len;
	(void)state;

	len = masq_nft_build(buf, sizeof(buf), "wgx", p, 3);
	assert_true(len > 0);
	split(buf, len, &b);
	assert_int_equal(b.n, 9);
	check_reset(&b, "wgnm_wgx");
	check_chain(b.msg[4], "wgnm_wgx");
	check_rule(b.msg[5], "wgnm_wgx", w6, sizeof(w6) / sizeof(w6[0]));
	check_rule(b.msg[6], "wgnm_wgx", w27, sizeof(w27) / sizeof(w27[0]));
	check_rule(b.msg[7], "wgnm_wgx", w32, sizeof(w32) / sizeof(w32[0]));
}

/* The longest batch fits its buffer. */
static void test_install_max(void **state)
{
	struct prefix p[MASQ_PREFIX_MAX];
	struct batch b;
	int len;
	(void)state;

	for (unsigned i = 0; i < MASQ_PREFIX_MAX; i++)
		p[i] = pfx("2001:db8::", 128);
	len = masq_nft_build(buf, sizeof(buf), "wg-15-chars-max", p, MASQ_PREFIX_MAX);
	assert_true(len > 0);
	split(buf, len, &b);
	assert_int_equal(b.n, 6 + MASQ_PREFIX_MAX);
	check_reset(&b, "wgnm_wg-15-chars-max");
}

static void test_bad_input(void **state)
{
	struct prefix p[MASQ_PREFIX_MAX + 1];
	char name[64];
	(void)state;

	for (unsigned i = 0; i <= MASQ_PREFIX_MAX; i++)
		p[i] = pfx("10.77.0.0", 24);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "", p, 1), -EINVAL);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "a/b", p, 1), -EINVAL);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "..", p, 1), -EINVAL);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "wg-16-characters", p, 1), -EINVAL);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "wgx", p, MASQ_PREFIX_MAX + 1), -EINVAL);
	assert_int_equal(masq_nft_build(buf, MASQ_NFT_BATCH_SIZE - 1, "wgx", p, 1), -EINVAL);
	p[0].len = 0;           /* would masquerade everything from the tunnel */
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "wgx", p, 1), -EINVAL);
	p[0].len = 33;
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "wgx", p, 1), -EINVAL);
	p[0] = pfx("fd00::", 129);
	assert_int_equal(masq_nft_build(buf, sizeof(buf), "wgx", p, 1), -EINVAL);
	assert_int_equal(masq_nft_table_name("wg0", name, sizeof(name)), 0);
	assert_string_equal(name, "wgnm_wg0");
	assert_int_equal(masq_nft_table_name("wg0", name, 8), -ENAMETOOLONG);
}

/* --- live ---------------------------------------------------------------------- */

struct listing {
	unsigned tables, rules;
	char names[4][32];
};

static int list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct listing *l = arg;

	if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE) {
		struct nftnl_table *t = nftnl_table_alloc();

		assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
		if (l->tables < 4)
			snprintf(l->names[l->tables], sizeof(l->names[0]), "%s",
				 nftnl_table_get_str(t, NFTNL_TABLE_NAME));
		l->tables++;
		nftnl_table_free(t);
	} else if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWRULE) {
		l->rules++;
	}
	return MNL_CB_OK;
}

/* A dump of every table or every rule, through a socket of the test's own. */
static void list(uint16_t what, struct listing *l)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	static uint8_t rx[65536];
	char req[256];
	struct nlmsghdr *nlh;
	ssize_t n;
	int r = MNL_CB_OK;

	assert_non_null(s);
	assert_int_equal(mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID), 0);
	nlh = nftnl_nlmsg_build_hdr(req, what, NFPROTO_UNSPEC, NLM_F_DUMP, 7);
	assert_true(mnl_socket_sendto(s, nlh, nlh->nlmsg_len) > 0);
	while (r > MNL_CB_STOP && (n = mnl_socket_recvfrom(s, rx, sizeof(rx))) > 0)
		r = mnl_cb_run(rx, (size_t)n, 7, mnl_socket_get_portid(s), list_cb, l);
	assert_int_equal(r, MNL_CB_STOP);
	mnl_socket_close(s);
}

static void test_live(void **state)
{
	struct prefix p[2] = { pfx("10.77.0.0", 24), pfx("fd00:77::", 64) };
	struct listing l;
	struct masq *m;
	(void)state;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		skip();
		return;
	}
	m = masq_open();
	assert_non_null(m);
	assert_int_equal(masq_remove(m, "wga"), 0);     /* nothing there: fine */
	assert_int_equal(masq_install(m, "wga", p, 2), 0);
	assert_int_equal(masq_install(m, "wga", p, 2), 0);      /* replaces, no doubles */
	assert_int_equal(masq_install(m, "wgb", p, 1), 0);
	memset(&l, 0, sizeof(l));
	list(NFT_MSG_GETTABLE, &l);
	list(NFT_MSG_GETRULE, &l);
	assert_int_equal(l.tables, 2);
	assert_int_equal(l.rules, 3);
	assert_int_equal(masq_install(m, "wga", p, 1), 0);      /* fewer prefixes */
	assert_int_equal(masq_remove(m, "wgb"), 0);
	memset(&l, 0, sizeof(l));
	list(NFT_MSG_GETTABLE, &l);
	list(NFT_MSG_GETRULE, &l);
	assert_int_equal(l.tables, 1);
	assert_string_equal(l.names[0], "wgnm_wga");
	assert_int_equal(l.rules, 1);
	assert_int_equal(masq_install(m, "wga", p, 0), -EINVAL);
	assert_int_equal(masq_install(m, "a/b", p, 1), -EINVAL);
	assert_int_equal(masq_remove(m, "wga"), 0);
	assert_int_equal(masq_remove(m, "wga"), 0);
	memset(&l, 0, sizeof(l));
	list(NFT_MSG_GETTABLE, &l);
	assert_int_equal(l.tables, 0);
	masq_close(m);
	masq_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_batch),
		cmocka_unit_test(test_install_v4),
		cmocka_unit_test(test_install_both),
		cmocka_unit_test(test_install_max),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_live),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
