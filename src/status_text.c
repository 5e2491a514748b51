/*
 * `wg_netmanager status`: the node table with its columns sized to fit,
 * then one line per explanation, per refused claim and per listed peer
 * that does not answer, and the admin port's drops, those worth a look
 * apart from the harmless ones. A pure function of the snapshot.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text_row {
	char name[WIRE_NAME_MAX + 1];
	char addr[ADDR_STRLEN];
	char path[WIRE_NAME_MAX + 8];
	char ep[ENDPOINT_STRLEN];
	char hs[24];
	char rx[24];
	char tx[24];
	char rtt[16];
	char since[24];
};

static void text_row_fill(const struct status_snapshot *s, const struct status_node *n,
			  struct text_row *r)
{
	char age[16];

	snprintf(r->name, sizeof(r->name), "%s", n->name);
	addr_fmt(&n->id, r->addr, sizeof(r->addr));
	status_path_label(n, r->path, sizeof(r->path));
	if (n->has & STATUS_HAS_ENDPOINT)
		endpoint_fmt(&n->endpoint, r->ep, sizeof(r->ep));
	else
		snprintf(r->ep, sizeof(r->ep), "-");
	if (n->has & STATUS_HAS_HANDSHAKE)
		snprintf(r->hs, sizeof(r->hs), "%s ago",
			 status_fmt_age(status_age_of(s, n->last_handshake), age, sizeof(age)));
	else
		snprintf(r->hs, sizeof(r->hs), "%s", n->path == STATUS_PATH_SELF ? "-" :
			 (n->has & STATUS_HAS_TRAFFIC) ? "never" : "-");
	if (n->has & STATUS_HAS_TRAFFIC) {
		status_fmt_bytes(n->rx_bytes, r->rx, sizeof(r->rx));
		status_fmt_bytes(n->tx_bytes, r->tx, sizeof(r->tx));
	} else {
		snprintf(r->rx, sizeof(r->rx), "-");
		snprintf(r->tx, sizeof(r->tx), "-");
	}
	status_fmt_rtt(n, r->rtt, sizeof(r->rtt));
	if (n->has & STATUS_HAS_SINCE)
		status_fmt_age(n->since_s, r->since, sizeof(r->since));
	else
		snprintf(r->since, sizeof(r->since), "-");
}

#define TEXT_COLS 9

static const char *text_col(const struct text_row *r, int c)
{
	const char *cols[TEXT_COLS] = { r->name, r->addr, r->path, r->ep, r->hs,
					r->rx, r->tx, r->rtt, r->since };
	return cols[c];
}

/*
 * The drops of one class, " replay 3, open-failed 1" (" none" if there are
 * none); b NULL only counts. Returns the number of reasons listed.
 */
static unsigned drop_list(const struct status_snapshot *s, bool harmless, struct status_buf *b)
{
	unsigned listed = 0;

	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++) {
		if (!s->ctr.drops[d] || status_drop_harmless((enum wire_drop)d) != harmless)
			continue;
		if (b)
			status_buf_printf(b, "%s %s %" PRIu64, listed ? "," : "",
					  wire_drop_name((enum wire_drop)d), s->ctr.drops[d]);
		listed++;
	}
	if (b && !listed)
		status_buf_printf(b, " none");
	return listed;
}

/* A listed peer that does not answer: since when, and where we call it. */
static void static_line(const struct status_snapshot *s, const struct status_static *st,
			struct status_buf *b)
{
	char a[ADDR_STRLEN], ep[ENDPOINT_STRLEN], since[64];

	if (st->answers)
		return;
	status_buf_printf(b, "  static peer %s%s%s", st->name, st->name[0] ? " " : "",
			  addr_fmt(&st->id, a, sizeof(a)));
	if (!st->resolved) {
		status_buf_printf(b, ": its endPoint has no address (yet)\n");
		return;
	}
	status_buf_printf(b, " at %s: ", endpoint_fmt(&st->endpoint, ep, sizeof(ep)));
	if (st->has_silent)
		status_buf_printf(b, "%s%s\n", status_fmt_silence(s->now, st->silent_s, since,
								     sizeof(since)),
				  st->heard ? "" : ", never heard");
	else
		status_buf_printf(b, "no answer yet\n");
}

void status_format_text(const struct status_snapshot *s, struct status_buf *b)
{
	static const struct text_row head = { "NAME", "ADDRESS", "PATH", "ENDPOINT",
					      "HANDSHAKE", "RX", "TX", "RTT", "SINCE" };
	struct text_row *rows = calloc(s->n_nodes + 1, sizeof(*rows));
	size_t w[TEXT_COLS] = { 0 };
	char a[ADDR_STRLEN], up[16];

	if (!rows) {
		b->failed = true;
		return;
	}
	rows[0] = head;
	for (size_t i = 0; i < s->n_nodes; i++)
		text_row_fill(s, &s->nodes[i], &rows[i + 1]);
	for (size_t i = 0; i <= s->n_nodes; i++)
		for (int c = 0; c < TEXT_COLS; c++) {
			size_t l = strlen(text_col(&rows[i], c));
			if (l > w[c])
				w[c] = l;
		}
	status_buf_printf(b, "interface %s, node %s %s, backend %s, up %s; %zu nodes, %zu reachable, %zu direct\n",
			  s->ifname, s->name, addr_fmt(&s->id, a, sizeof(a)),
			  s->backend[0] ? s->backend : "-",
			  status_fmt_age(s->uptime_s, up, sizeof(up)), s->n_nodes,
			  status_count_reachable(s), status_count_direct(s));
	for (size_t i = 0; i <= s->n_nodes; i++) {
		for (int c = 0; c < TEXT_COLS - 1; c++)
			status_buf_printf(b, "%-*s  ", (int)w[c], text_col(&rows[i], c));
		status_buf_printf(b, "%s\n", text_col(&rows[i], TEXT_COLS - 1));
	}
	free(rows);
	for (size_t i = 0; i < s->n_nodes; i++) {
		if (s->nodes[i].reason[0])
			status_buf_printf(b, "  %s: %s\n", s->nodes[i].name, s->nodes[i].reason);
		if (s->nodes[i].claims_refused)
			status_buf_printf(b, "  %s: refused %" PRIu64 " claim(s) of its address by "
					  "another node (see the log)\n",
					  s->nodes[i].name, s->nodes[i].claims_refused);
	}
	for (size_t i = 0; i < s->n_statics; i++)
		static_line(s, &s->statics[i], b);
	status_format_routes_text(s, b);
	status_format_member_text(s, b);
	if (!s->has_ctr)
		return;
	status_buf_printf(b, "admin port drops:");
	drop_list(s, false, b);
	if (!drop_list(s, true, NULL)) {
		status_buf_printf(b, "\n");
		return;
	}
	status_buf_printf(b, " (harmless:");
	drop_list(s, true, b);
	status_buf_printf(b, ")\n");
}
