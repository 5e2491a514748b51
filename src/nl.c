/*
 * Netlink socket and message helpers of the Linux backends; see nl.h for
 * the model.
 */
#include "nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "log.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif

/* Long enough for a loaded box, short enough that a wedged request does
 * not stall the event loop noticeably. */
#define NL_TIMEOUT_MS 2000

struct nl_sock {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char errmsg[NL_ERRMSG_MAX];
	uint8_t buf[NL_BUFSIZE];
};

/* --- the socket ------------------------------------------------------ */

struct nl_sock *nl_open(int bus)
{
	struct nl_sock *nl;
	struct timeval tv = { .tv_sec = NL_TIMEOUT_MS / 1000,
			      .tv_usec = (NL_TIMEOUT_MS % 1000) * 1000 };
	int one = 1, saved;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		goto fail_free;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_close;
	/* Both are optional: old kernels just send plain errors. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail_close;
	nl->portid = mnl_socket_get_portid(nl->sock);
	return nl;

fail_close:
	saved = errno;
	mnl_socket_close(nl->sock);
	errno = saved;
fail_free:
	saved = errno;
	free(nl);
	errno = saved;
	return NULL;
}

void nl_close(struct nl_sock *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	sodium_memzero(nl->buf, sizeof(nl->buf));
	free(nl);
}

void nl_wipe(struct nl_sock *nl)
{
	sodium_memzero(nl->buf, sizeof(nl->buf));
}

const char *nl_errmsg(const struct nl_sock *nl)
{
	return nl->errmsg;
}

/* Pick NLMSGERR_ATTR_MSG out of an extended ack, if there is one. */
static void nl_ext_ack(struct nl_sock *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;
	const char *end;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (off > plen)
		return;
	end = (const char *)e + plen;
	for (a = (const void *)((const char *)e + ((off + 3) & ~(size_t)3));
	     mnl_attr_ok(a, (int)(end - (const char *)a)); a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return;
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", mnl_attr_get_str(a));
		log_debug("netlink: kernel says: %s", nl->errmsg);
		return;
	}
}

/* 0 for an ack, the negative errno otherwise. */
static int nl_error(struct nl_sock *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error == 0)
		return 0;
	nl_ext_ack(nl, nlh);
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	return e->error;
}

/* NLMSG_DONE may carry the error that ended a dump early. */
static int nl_done(const struct nlmsghdr *nlh)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err == 0)
		return 0;
	return err < 0 && err >= -4095 ? err : -EPROTO;
}

int nl_talk(struct nl_sock *nl, struct nlmsghdr *req,
		   int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool finished = false, intr = false;
	int ret = 0;
	uint32_t seq;

	if (++nl->seq == 0)
		++nl->seq;
	seq = nl->seq;
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	/* Without an ack a successful request would be answered by silence,
	 * indistinguishable from a timeout. */
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	nl->errmsg[0] = '\0';

	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	while (!finished) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				log_debug("netlink: no answer to request %u in %d ms", seq, NL_TIMEOUT_MS);
				return -ETIMEDOUT;
			}
			return -errno;
		}
		left = (int)n;
		for (nlh = (const void *)nl->buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			int err = 0;

			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid) {
				log_debug("netlink: skipping stale reply seq %u (want %u)",
					  nlh->nlmsg_seq, seq);
				continue;
			}
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				err = nl_error(nl, nlh);
				finished = true;
				break;
			case NLMSG_DONE:
				err = nl_done(nlh);
				finished = true;
				break;
			default:
				if (cb)
					err = cb(nlh, arg);
				break;
			}
			if (err < 0 && ret == 0)
				ret = err;
			if (finished)
				break;
		}
	}
	if (ret == 0 && intr)
		ret = -EINTR;
	return ret;
}

/* A dump the kernel keeps interrupting is retried this often. */
#define NL_DUMP_TRIES 5

int nl_dump_consistent(struct nl_sock *nl, struct nlmsghdr *req,
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
		ret = nl_talk(nl, req, cb, arg);
	}
	return ret;
}

/* Does seq lie in [first, last], counting across a wrap of the counter? */
static bool seq_in(uint32_t seq, uint32_t first, uint32_t last)
{
	return seq - first <= last - first;
}

/* Account the answers in one datagram; the first error wins. */
static int batch_replies(struct nl_sock *nl, size_t n, uint32_t first, uint32_t last,
			 unsigned *got)
{
	const struct nlmsghdr *nlh;
	int left = (int)n, ret = 0;

	for (nlh = (const void *)nl->buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int err;

		if (nlh->nlmsg_pid != nl->portid || !seq_in(nlh->nlmsg_seq, first, last) ||
		    nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		(*got)++;
		err = nl_error(nl, nlh);
		if (err < 0 && ret == 0)
			ret = err;
	}
	return ret;
}

/* Bounded: the kernel answers a batch of ours in a few datagrams. */
#define NL_DRAIN_MAX 16

int nl_talk_batch(struct nl_sock *nl, void *batch, size_t len)
{
	struct nlmsghdr *nlh;
	uint32_t first = 0, last = 0;
	unsigned want = 0, got = 0;
	int left, ret = 0;

	if (len == 0 || len > INT32_MAX)
		return -EINVAL;
	left = (int)len;
	for (nlh = batch; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (++nl->seq == 0)
			++nl->seq;
		if (first == 0) /* seq is never 0 */
			first = nl->seq;
		last = nl->seq;
		nlh->nlmsg_seq = nl->seq;
		nlh->nlmsg_pid = 0;
		if (nlh->nlmsg_flags & NLM_F_ACK)
			want++;
	}
	if (left != 0 || want == 0)
		return -EINVAL;
	nl->errmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, batch, len) < 0)
		return -errno;
	while (got < want && ret == 0) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		ret = batch_replies(nl, (size_t)n, first, last, &got);
	}
	/* Answers to the rest of a failed batch are queued already. */
	for (int i = 0; ret < 0 && i < NL_DRAIN_MAX; i++)
		if (recv(mnl_socket_get_fd(nl->sock), nl->buf, sizeof(nl->buf), MSG_DONTWAIT) < 0 &&
		    errno != EINTR)
			break;
	return ret;
}

const char *nl_kernel_says(const struct nl_sock *nl, char *buf, size_t len)
{
	const char *m = nl_errmsg(nl);

	if (!*m)
		return "";
	snprintf(buf, len, " (kernel: %s)", m);
	return buf;
}

/* --- messages -------------------------------------------------------- */

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
