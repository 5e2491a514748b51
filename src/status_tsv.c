/*
 * The form `top` reads over the control socket: tab-separated lines, "H"
 * (this node), "N" (one per node), "C" (counters), written here and parsed
 * back in the client. Not a stable interface (JSON is); both ends are the
 * same build. The parser refuses anything it did not write: wrong field
 * counts, numbers out of range, a NUL, a line without its newline.
 */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void status_format_tsv(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN], v[ADDR_STRLEN], ep[ENDPOINT_STRLEN];

	status_buf_printf(b, "H\t%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRIu64 "\n", s->ifname, s->name,
			  addr_fmt(&s->id, a, sizeof(a)), s->backend[0] ? s->backend : "-",
			  s->now, s->uptime_s);
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];

		status_buf_printf(b,
				  "N\t%" PRIu32 "\t%s\t%s\t%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRIu64
				  "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu64 "\t%d%d%d\t%s\t%s\n",
				  n->has, n->name, addr_fmt(&n->id, a, sizeof(a)),
				  status_path_name(n->path), addr_fmt(&n->via, v, sizeof(v)),
				  n->via_name[0] ? n->via_name : "-",
				  endpoint_fmt(&n->endpoint, ep, sizeof(ep)), n->last_handshake,
				  n->rx_bytes, n->tx_bytes, n->rtt_ms, n->cost, n->since_s,
				  n->is_static, n->adjacent, n->no_transit,
				  n->public_key[0] ? n->public_key : "-",
				  n->reason[0] ? n->reason : "-");
	}
	status_buf_printf(b, "C\t%" PRIu64 "\t%" PRIu64, s->ctr.route_changes, s->ctr.spf_runs);
	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++)
		status_buf_printf(b, "\t%" PRIu64, s->ctr.drops[d]);
	status_buf_printf(b, "\n");
}

#define TSV_MAX_FIELDS 20

/* Split line (NUL-terminated, modified) at tabs. */
static size_t tsv_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return line ? max + 1 : n;
}

static int tsv_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int tsv_i64(const char *s, int64_t *out)
{
	char *end;

	if (!*s || *s == ' ' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int tsv_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (tsv_u64(s, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int tsv_copy(char *dst, size_t cap, const char *s, bool dash_empty)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -EINVAL;
	if (dash_empty && strcmp(s, "-") == 0)
		n = 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int tsv_endpoint(const char *s, struct endpoint *ep)
{
	char host[ENDPOINT_HOST_MAX + 1];
	const char *why;

	memset(ep, 0, sizeof(*ep));
	if (strcmp(s, "-") == 0)
		return 0;
	/* endpoint_fmt of an unset endpoint */
	if (endpoint_split(s, host, sizeof(host), &ep->port, &why) < 0) {
		if (strcmp(s, "[::]:0") == 0 || strcmp(s, "0.0.0.0:0") == 0 ||
		    strcmp(s, ":::0") == 0)
			return 0;
		return -EINVAL;
	}
	return addr_parse(&ep->addr, host);
}

static int tsv_node(char **f, size_t nf, struct status_node *n)
{
	if (nf != 17)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	if (tsv_u32(f[1], &n->has) < 0 || tsv_copy(n->name, sizeof(n->name), f[2], false) < 0 ||
	    addr_parse(&n->id, f[3]) < 0 || status_path_parse(f[4], &n->path) < 0 ||
	    addr_parse(&n->via, f[5]) < 0 ||
	    tsv_copy(n->via_name, sizeof(n->via_name), f[6], true) < 0 ||
	    tsv_i64(f[8], &n->last_handshake) < 0 || tsv_u64(f[9], &n->rx_bytes) < 0 ||
	    tsv_u64(f[10], &n->tx_bytes) < 0 || tsv_u32(f[11], &n->rtt_ms) < 0 ||
	    tsv_u32(f[12], &n->cost) < 0 || tsv_u64(f[13], &n->since_s) < 0 ||
	    strlen(f[14]) != 3 || tsv_copy(n->public_key, sizeof(n->public_key), f[15], true) < 0 ||
	    tsv_copy(n->reason, sizeof(n->reason), f[16], true) < 0)
		return -EINVAL;
	if ((n->has & STATUS_HAS_ENDPOINT) && tsv_endpoint(f[7], &n->endpoint) < 0)
		return -EINVAL;
	n->is_static = f[14][0] == '1';
	n->adjacent = f[14][1] == '1';
	n->no_transit = f[14][2] == '1';
	return 0;
}

static int tsv_line(char *line, struct status_snapshot *s, size_t cap)
{
	char *f[TSV_MAX_FIELDS];
	size_t nf = tsv_split(line, f, TSV_MAX_FIELDS);
	uint64_t v;

	if (nf > TSV_MAX_FIELDS)
		return -EINVAL;
	if (strcmp(f[0], "H") == 0) {
		if (nf != 7 || tsv_copy(s->ifname, sizeof(s->ifname), f[1], false) < 0 ||
		    tsv_copy(s->name, sizeof(s->name), f[2], false) < 0 ||
		    addr_parse(&s->id, f[3]) < 0 ||
		    tsv_copy(s->backend, sizeof(s->backend), f[4], true) < 0 ||
		    tsv_i64(f[5], &s->now) < 0 || tsv_u64(f[6], &s->uptime_s) < 0)
			return -EINVAL;
		return 0;
	}
	if (strcmp(f[0], "N") == 0) {
		if (s->n_nodes >= cap)
			return -EINVAL;
		if (tsv_node(f, nf, &s->nodes[s->n_nodes]) < 0)
			return -EINVAL;
		s->n_nodes++;
		return 0;
	}
	if (strcmp(f[0], "C") == 0) {
		if (nf != 3 + WIRE_DROP__COUNT || tsv_u64(f[1], &s->ctr.route_changes) < 0 ||
		    tsv_u64(f[2], &s->ctr.spf_runs) < 0)
			return -EINVAL;
		for (size_t d = 0; d < WIRE_DROP__COUNT; d++) {
			if (tsv_u64(f[3 + d], &v) < 0)
				return -EINVAL;
			s->ctr.drops[d] = v;
		}
		s->has_ctr = true;
		return 0;
	}
	return -EINVAL;
}

int status_parse_tsv(const char *buf, size_t len, struct status_snapshot *out)
{
	size_t lines = 0;
	char *copy, *p;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	copy = malloc(len + 1);
	out->nodes = calloc(lines ? lines : 1, sizeof(*out->nodes));
	if (!copy || !out->nodes) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (strlen(copy) != len) { /* a NUL inside */
		r = -EINVAL;
		goto out;
	}
	p = copy;
	while (*p) {
		char *nl = strchr(p, '\n');

		if (!nl) { /* every line ends with a newline */
			r = -EINVAL;
			goto out;
		}
		*nl = '\0';
		if ((r = tsv_line(p, out, lines)) < 0)
			goto out;
		p = nl + 1;
	}
out:
	free(copy);
	if (r < 0)
		status_snapshot_free(out);
	return r;
}
