/*
 * `wg_netmanager status --json`: version STATUS_JSON_VERSION. Every key is
 * always there, null where the value is not known, so that a consumer
 * never has to guess; new keys may be added, none is renamed or removed
 * within a version. A pure function of the snapshot.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>

static void json_node(const struct status_snapshot *s, const struct status_node *n,
		      struct status_buf *b)
{
	char a[ADDR_STRLEN], v[ADDR_STRLEN], ep[ENDPOINT_STRLEN];
	bool first = true;
	bool hs = n->has & STATUS_HAS_HANDSHAKE, tr = n->has & STATUS_HAS_TRAFFIC;
	bool via = n->has & STATUS_HAS_VIA, since = n->has & STATUS_HAS_SINCE;

	status_buf_printf(b, "    {");
	status_json_kstr(b, &first, "name", true, n->name);
	status_json_kstr(b, &first, "address", true, addr_fmt(&n->id, a, sizeof(a)));
	status_json_kstr(b, &first, "path", true, status_path_name(n->path));
	status_json_kstr(b, &first, "via", via, via ? addr_fmt(&n->via, v, sizeof(v)) : "");
	status_json_kstr(b, &first, "via_name", via && n->via_name[0], n->via_name);
	status_json_kstr(b, &first, "endpoint", n->has & STATUS_HAS_ENDPOINT,
			 endpoint_fmt(&n->endpoint, ep, sizeof(ep)));
	status_json_key(b, &first, "last_handshake");
	if (hs)
		status_buf_printf(b, "%" PRId64, n->last_handshake);
	else
		status_buf_printf(b, "null");
	status_json_ku64(b, &first, "last_handshake_age_s", hs,
			 status_age_of(s, n->last_handshake));
	status_json_ku64(b, &first, "rx_bytes", tr, n->rx_bytes);
	status_json_ku64(b, &first, "tx_bytes", tr, n->tx_bytes);
	status_json_ku64(b, &first, "rtt_ms", n->has & STATUS_HAS_RTT, n->rtt_ms);
	status_json_ku64(b, &first, "cost", true, n->cost);
	status_json_ku64(b, &first, "path_age_s", since, n->since_s);
	status_json_key(b, &first, "path_since");
	if (since)
		status_buf_printf(b, "%" PRId64, s->now - (int64_t)n->since_s);
	else
		status_buf_printf(b, "null");
	status_json_kbool(b, &first, "static", n->is_static);
	status_json_kbool(b, &first, "adjacent", n->adjacent);
	status_json_kbool(b, &first, "no_transit", n->no_transit);
	status_json_kstr(b, &first, "gone", n->path == STATUS_PATH_UNREACHABLE,
			 n->has & STATUS_LEFT ? "left" : "lost");
	status_json_ku64(b, &first, "claims_refused", true, n->claims_refused);
	status_json_kstr(b, &first, "public_key", n->has & STATUS_HAS_KEY, n->public_key);
	status_json_kstr(b, &first, "reason", n->reason[0] != '\0', n->reason);
	status_buf_printf(b, "}");
}

/* The per-reason counts stay in "drops"; this sums them by class. */
static void json_drops_summary(const struct status_snapshot *s, struct status_buf *b)
{
	uint64_t sum[2] = { 0, 0 };

	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++)
		sum[status_drop_harmless((enum wire_drop)d)] += s->ctr.drops[d];
	status_buf_printf(b, ",\n  \"drops_summary\": {\"harmless\": %" PRIu64
			  ", \"suspicious\": %" PRIu64 "}", sum[1], sum[0]);
}

static void json_static(const struct status_snapshot *s, const struct status_static *st,
			bool first_item, struct status_buf *b)
{
	char a[ADDR_STRLEN], ep[ENDPOINT_STRLEN];
	bool first = true;

	status_buf_printf(b, "%s\n    {", first_item ? "" : ",");
	status_json_kstr(b, &first, "name", st->name[0] != '\0', st->name);
	status_json_kstr(b, &first, "address", true, addr_fmt(&st->id, a, sizeof(a)));
	status_json_kstr(b, &first, "endpoint", st->resolved,
			 endpoint_fmt(&st->endpoint, ep, sizeof(ep)));
	status_json_kbool(b, &first, "answers", st->answers);
	status_json_kbool(b, &first, "heard", st->heard);
	status_json_key(b, &first, "no_answer_since");
	if (st->has_silent)
		status_buf_printf(b, "%" PRId64, s->now - (int64_t)st->silent_s);
	else
		status_buf_printf(b, "null");
	status_json_ku64(b, &first, "no_answer_s", st->has_silent, st->silent_s);
	status_buf_printf(b, "}");
}

void status_format_json(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN];
	bool first = true;

	status_buf_printf(b, "{\n  \"version\": %d,\n  \"interface\": ", STATUS_JSON_VERSION);
	status_json_str(b, s->ifname);
	status_buf_printf(b, ",\n  \"node\": {");
	status_json_kstr(b, &first, "name", true, s->name);
	status_json_kstr(b, &first, "address", true, addr_fmt(&s->id, a, sizeof(a)));
	status_json_kstr(b, &first, "backend", s->backend[0] != '\0', s->backend);
	status_buf_printf(b, "},\n  \"time\": %" PRId64 ",\n  \"uptime_s\": %" PRIu64 ",\n",
			  s->now, s->uptime_s);
	status_buf_printf(b, "  \"summary\": {\"known\": %zu, \"reachable\": %zu, \"direct\": %zu},\n",
			  s->n_nodes, status_count_reachable(s), status_count_direct(s));
	status_buf_printf(b, "  \"nodes\": [\n");
	for (size_t i = 0; i < s->n_nodes; i++) {
		json_node(s, &s->nodes[i], b);
		status_buf_printf(b, "%s\n", i + 1 < s->n_nodes ? "," : "");
	}
	status_buf_printf(b, "  ],\n  \"drops\": {");
	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++)
		status_buf_printf(b, "%s\"%s\": %" PRIu64, d ? ", " : "",
				  wire_drop_name((enum wire_drop)d), s->ctr.drops[d]);
	status_buf_printf(b, "},\n  \"packets\": {");
	for (int dir = 0; dir < 2; dir++) {
		const uint64_t *v = dir ? s->ctr.tx : s->ctr.rx;
		bool f = true;

		status_buf_printf(b, "%s\"%s\": {", dir ? ", " : "", dir ? "tx" : "rx");
		for (unsigned t = 0; t <= WIRE_TYPE_MAX; t++) {
			const char *name = status_type_name(t);

			if (!name)
				continue;
			status_buf_printf(b, "%s\"%s\": %" PRIu64, f ? "" : ", ", name, v[t]);
			f = false;
		}
		status_buf_printf(b, "}");
	}
	status_buf_printf(b, "},\n  \"route_changes\": %" PRIu64 ",\n  \"spf_runs\": %" PRIu64,
			  s->ctr.route_changes, s->ctr.spf_runs);
	status_buf_printf(b, ",\n  \"claims_refused\": %" PRIu64 ",\n  \"takeovers\": %" PRIu64
			  ",\n  \"boot_moves\": %" PRIu64 ",\n  \"nodes_refused\": %" PRIu64
			  ",\n  \"reply_limited\": %" PRIu64,
			  s->ctr.claims_refused, s->ctr.takeovers, s->ctr.boot_moves,
			  s->ctr.nodes_refused, s->ctr.reply_limited);
	json_drops_summary(s, b);
	status_buf_printf(b, ",\n  \"static_peers\": [");
	for (size_t i = 0; i < s->n_statics; i++)
		json_static(s, &s->statics[i], i == 0, b);
	status_buf_printf(b, "%s]", s->n_statics ? "\n  " : "");
	status_format_routes_json(s, b);
	status_format_member_json(s, b);
	if (s->has_edges) {
		status_buf_printf(b, ",\n  \"edges\": ");
		status_format_edges_json(s, b);
	}
	status_buf_printf(b, "\n}\n");
}
