/*
 * masq.h on Linux: nftables through libnftnl over libmnl, no `nft`
 * subprocess. See masq.h for the model.
 *
 * One table per WireGuard interface, "inet wgnm_IFNAME", holding one
 * chain hooked at postrouting with the source-NAT priority (100), and
 * one rule per overlay prefix:
 *
 *   iifname "wg0" oifname != "wg0" meta nfproto ipv4
 *       ip saddr & MASK == NET masquerade
 *
 * Every change is one nfnetlink batch, which the kernel applies as one
 * transaction or not at all. Both batches start with "create the table if
 * missing, then delete it", which succeeds whether or not it existed and
 * leaves nothing: remove needs no listing first, and install re-creates
 * the table from scratch, so no rule of an earlier run can survive it.
 * The interface is matched by name, not index, so the rules still hold
 * for an interface re-created by a restart.
 */
#include "masq_nft.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nl.h"

#define IFNAME_SIZE 16          /* IFNAMSIZ: the kernel compares names this long */
#define NAT_PRIO_SRCNAT 100     /* NF_IP_PRI_NAT_SRC, nft's "srcnat" */
/* No message of ours is longer (a rule of 9 expressions is ~500 bytes);
 * libnftnl's builders do not check bounds, so we check for this much room
 * before each one. */
#define MSG_ROOM 1024

struct masq {
	struct nl_sock *nl;
	uint8_t batch[MASQ_NFT_BATCH_SIZE];
};

/* --- names and checks -------------------------------------------------- */

static bool ifname_ok(const char *s)
{
	size_t n = strnlen(s, IFNAME_SIZE);

	return n > 0 && n < IFNAME_SIZE && !strchr(s, '/') && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

int masq_nft_table_name(const char *ifname, char *out, size_t len)
{
	int n;

	if (!ifname_ok(ifname))
		return -EINVAL;
	n = snprintf(out, len, "%s%s", MASQ_NFT_TABLE_PREFIX, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool prefix_ok(const struct prefix *p)
{
	return p->len > 0 && p->len <= (addr_is_v4(&p->addr) ? 32 : 128);
}

/* --- expressions -------------------------------------------------------- */

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static int add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add_expr(r, e);
}

static int add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add_expr(r, e);
}

static int add_payload(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return add_expr(r, e);
}

/* reg1 = reg1 & mask (^ 0): the host bits out of the address. */
static int add_mask(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	return add_expr(r, e);
}

/* "iifname IF oifname != IF": in from the tunnel, out by another way.
 * Locally sent packets have no input interface and never match. */
static int add_ifnames(struct nftnl_rule *r, const char *ifname)
{
	/* Zero-padded to IFNAMSIZ, as the kernel compares names. */
	char name[IFNAME_SIZE] = { 0 };
	int ret;

	snprintf(name, sizeof(name), "%s", ifname);
	ret = add_meta(r, NFT_META_IIFNAME);
	if (ret == 0)
		ret = add_cmp(r, NFT_CMP_EQ, name, sizeof(name));
	if (ret == 0)
		ret = add_meta(r, NFT_META_OIFNAME);
	if (ret == 0)
		ret = add_cmp(r, NFT_CMP_NEQ, name, sizeof(name));
	return ret;
}

/* "meta nfproto F  saddr & MASK == NET": an inet table sees both
 * families, and the address sits at another offset in each. */
static int add_saddr(struct nftnl_rule *r, const struct prefix *p)
{
	bool v4 = addr_is_v4(&p->addr);
	uint8_t proto = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint32_t len = v4 ? 4 : 16, bits = p->len;
	const uint8_t *a = v4 ? p->addr.b + 12 : p->addr.b;
	uint8_t mask[16] = { 0 }, net[16] = { 0 };
	int ret;

	for (uint32_t i = 0; i < len; i++) {
		uint32_t here = bits > 8 ? 8 : bits;

		mask[i] = (uint8_t)(0xff00u >> here);
		net[i] = a[i] & mask[i];
		bits -= here;
	}
	ret = add_meta(r, NFT_META_NFPROTO);
	if (ret == 0)
		ret = add_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
	if (ret == 0)
		ret = add_payload(r, v4 ? 12 : 8, len);
	/* A full-length prefix needs no mask, as nft leaves it out too. */
	if (ret == 0 && p->len < len * 8)
		ret = add_mask(r, mask, len);
	if (ret == 0)
		ret = add_cmp(r, NFT_CMP_EQ, net, len);
	return ret;
}

static int add_masq(struct nftnl_rule *r)
{
	return add_expr(r, nftnl_expr_alloc("masq"));
}

/* --- messages ---------------------------------------------------------- */

struct cursor {
	char *buf;
	size_t size, off;
};

/* The next message's place, or NULL when the buffer could overflow. */
static char *room(struct cursor *c)
{
	if (c->size - c->off < MSG_ROOM)
		return NULL;
	return c->buf + c->off;
}

static void advance(struct cursor *c, const struct nlmsghdr *nlh)
{
	c->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int put_table(struct cursor *c, uint16_t type, uint16_t flags, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char *p = room(c);

	if (!t)
		return -ENOMEM;
	if (!p || nftnl_table_set_str(t, NFTNL_TABLE_NAME, table) < 0) {
		nftnl_table_free(t);
		return p ? -ENOMEM : -EMSGSIZE;
	}
	nlh = nftnl_table_nlmsg_build_hdr(p, type, NFPROTO_INET, (uint16_t)(flags | NLM_F_ACK), 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	advance(c, nlh);
	nftnl_table_free(t);
	return 0;
}

static int put_chain(struct cursor *c, const char *table)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	char *p = room(c);
	int ret = -ENOMEM;

	if (!ch)
		return -ENOMEM;
	if (!p) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, MASQ_NFT_CHAIN) < 0 ||
	    nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "nat") < 0)
		goto out;
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, NAT_PRIO_SRCNAT);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nftnl_chain_nlmsg_build_hdr(p, NFT_MSG_NEWCHAIN, NFPROTO_INET,
					  NLM_F_CREATE | NLM_F_ACK, 0);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	advance(c, nlh);
	ret = 0;
out:
	nftnl_chain_free(ch);
	return ret;
}

static int put_rule(struct cursor *c, const char *table, const char *ifname,
		    const struct prefix *p)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	char *at = room(c);
	int ret = -ENOMEM;

	if (!r)
		return -ENOMEM;
	if (!at) {
		ret = -EMSGSIZE;
		goto out;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, MASQ_NFT_CHAIN) < 0)
		goto out;
	ret = add_ifnames(r, ifname);
	if (ret == 0)
		ret = add_saddr(r, p);
	if (ret == 0)
		ret = add_masq(r);
	if (ret < 0)
		goto out;
	nlh = nftnl_rule_nlmsg_build_hdr(at, NFT_MSG_NEWRULE, NFPROTO_INET,
					 NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	advance(c, nlh);
out:
	nftnl_rule_free(r);
	return ret;
}

static int put_batch_mark(struct cursor *c, bool begin)
{
	char *p = room(c);

	if (!p)
		return -EMSGSIZE;
	advance(c, begin ? nftnl_batch_begin(p, 0) : nftnl_batch_end(p, 0));
	return 0;
}

static int build_install(struct cursor *c, const char *table, const char *ifname,
			 const struct prefix *overlay, size_t n)
{
	int ret = put_table(c, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);

	if (ret == 0)
		ret = put_chain(c, table);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = put_rule(c, table, ifname, &overlay[i]);
	return ret;
}

int masq_nft_build(void *buf, size_t size, const char *ifname, const struct prefix *overlay,
		   size_t n)
{
	struct cursor c = { .buf = buf, .size = size };
	char table[IFNAME_SIZE + sizeof(MASQ_NFT_TABLE_PREFIX)];
	int ret;

	if (size < MASQ_NFT_BATCH_SIZE || n > MASQ_PREFIX_MAX ||
	    masq_nft_table_name(ifname, table, sizeof(table)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!prefix_ok(&overlay[i]))
			return -EINVAL;
	memset(buf, 0, size);
	ret = put_batch_mark(&c, true);
	/* Create-then-delete: succeeds whether or not it was there. */
	if (ret == 0)
		ret = put_table(&c, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);
	if (ret == 0)
		ret = put_table(&c, NFT_MSG_DELTABLE, 0, table);
	if (ret == 0 && n > 0)
		ret = build_install(&c, table, ifname, overlay, n);
	if (ret == 0)
		ret = put_batch_mark(&c, false);
	return ret < 0 ? ret : (int)c.off;
}

/* --- the socket -------------------------------------------------------- */

struct masq *masq_open(void)
{
	struct masq *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nl = nl_open(NETLINK_NETFILTER);
	if (!m->nl) {
		/* No nfnetlink at all: say it as "not supported here". */
		int saved = errno == EPROTONOSUPPORT ? EOPNOTSUPP : errno;

		free(m);
		errno = saved;
		return NULL;
	}
	return m;
}

void masq_close(struct masq *m)
{
	if (!m)
		return;
	nl_close(m->nl);
	free(m);
}

static int run(struct masq *m, const char *ifname, const struct prefix *overlay, size_t n)
{
	char w[NL_KERNEL_SAYS_MAX];
	int len = masq_nft_build(m->batch, sizeof(m->batch), ifname, overlay, n);
	int ret;

	if (len < 0) {
		log_warnx("masquerade on %s: %s", ifname, len == -EINVAL ?
			  "bad interface name or overlay prefix" : strerror(-len));
		return len;
	}
	ret = nl_talk_batch(m->nl, m->batch, (size_t)len);
	if (ret == 0)
		return 0;
	if (n == 0 && ret == -EOPNOTSUPP) {
		/* No nf_tables: nothing of ours can be there. */
		log_debug("removing masquerade on %s: no nf_tables here", ifname);
		return ret;
	}
	/* A missing "nat" chain type or "masq" expression reads ENOENT:
	 * the kernel lacks NAT for nf_tables, say it as such. */
	if (ret == -ENOENT && n > 0)
		ret = -EOPNOTSUPP;
	log_warnx("%s masquerade on %s: %s%s%s", n ? "installing" : "removing", ifname,
		  strerror(-ret), nl_kernel_says(m->nl, w, sizeof(w)),
		  ret == -EOPNOTSUPP ? "; the kernel needs nf_tables with NAT "
				       "(nf_tables, nft_chain_nat, nft_masq)" : "");
	return ret;
}

int masq_install(struct masq *m, const char *wg_ifname, const struct prefix *overlay, size_t n)
{
	if (n == 0) {
		log_warnx("masquerade on %s: no overlay prefix", wg_ifname);
		return -EINVAL;
	}
	return run(m, wg_ifname, overlay, n);
}

int masq_remove(struct masq *m, const char *wg_ifname)
{
	return run(m, wg_ifname, NULL, 0);
}
