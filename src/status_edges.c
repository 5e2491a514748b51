/*
 * The whole graph, as `status --edges` shows it (tinc's `dump edges`):
 * every neighbour every record claims, one directed edge each, and the
 * listed peers this node calls without an answer. Routes use an edge only
 * when both ends claim it (core/spf.c), so each edge says whether the
 * other end does. Pure functions of a snapshot (tests/test_status.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

static const char *const kind_names[] = {
	[STATUS_EDGE_SILENT] = "silent",
	[WIRE_PATH_DIRECT] = "direct",
	[WIRE_PATH_LAN] = "lan",
	[WIRE_PATH_NAT] = "nat",
};

const char *status_edge_kind_name(uint8_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : NULL;
}

/* The KIND column, as the PATH column writes the same kinds. */
static const char *kind_label(uint8_t kind)
{
	switch (kind) {
	case WIRE_PATH_LAN:
		return "LAN";
	case WIRE_PATH_NAT:
		return "NAT";
	case WIRE_PATH_DIRECT:
		return "direct";
	case STATUS_EDGE_SILENT:
		return "silent";
	default:
		return "?";
	}
}

/* Names by address: the nodes sorted once, then a binary search per lookup. */
struct names {
	const struct status_node **by_id;
	size_t n;
};

static int node_id_cmp(const void *a, const void *b)
{
	const struct status_node *const *x = a, *const *y = b;

	return addr_cmp(&(*x)->id, &(*y)->id);
}

static int names_init(struct names *nm, const struct status_snapshot *s)
{
	nm->n = s->n_nodes;
	nm->by_id = calloc(s->n_nodes ? s->n_nodes : 1, sizeof(*nm->by_id));
	if (!nm->by_id)
		return -1;
	for (size_t i = 0; i < s->n_nodes; i++)
		nm->by_id[i] = &s->nodes[i];
	qsort(nm->by_id, nm->n, sizeof(*nm->by_id), node_id_cmp);
	return 0;
}

/* The node's name, or NULL if no record of it is held. */
static const char *names_get(const struct names *nm, const struct addr *id)
{
	size_t lo = 0, hi = nm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = addr_cmp(&nm->by_id[mid]->id, id);

		if (c == 0)
			return nm->by_id[mid]->name;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct edge_row {
	char from[WIRE_NAME_MAX + 1];
	char to[WIRE_NAME_MAX + 1];
	const struct status_edge *e;
};

static int row_cmp(const void *a, const void *b)
{
	const struct edge_row *x = a, *y = b;
	int c = strcmp(x->from, y->from);

	if (c == 0)
		c = strcmp(x->to, y->to);
	if (c == 0)
		c = (int)x->e->kind - (int)y->e->kind;
	return c;
}

/* "name", or the address where no record names it. */
static void label(const struct names *nm, const struct addr *id, char *buf, size_t len)
{
	const char *name = names_get(nm, id);
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s", name ? name : addr_fmt(id, a, sizeof(a)));
}

/* The STATE column. */
static void edge_state(const struct status_snapshot *s, const struct edge_row *r, char *buf,
		       size_t len)
{
	char ep[ENDPOINT_STRLEN], since[64];
	const struct status_edge *e = r->e;

	if (e->kind != STATUS_EDGE_SILENT) {
		if (e->both)
			snprintf(buf, len, "both ends");
		else
			snprintf(buf, len, "one end: %s does not claim it", r->to);
		return;
	}
	if (!e->endpoint.port)
		snprintf(buf, len, "listed peer; its endPoint has no address (yet)");
	else if (e->has_silent)
		snprintf(buf, len, "listed peer at %s, %s",
			 endpoint_fmt(&e->endpoint, ep, sizeof(ep)),
			 status_fmt_silence(s->now, e->silent_s, since, sizeof(since)));
	else
		snprintf(buf, len, "listed peer at %s, no answer yet",
			 endpoint_fmt(&e->endpoint, ep, sizeof(ep)));
}

void status_format_edges_text(const struct status_snapshot *s, struct status_buf *b)
{
	struct names nm;
	struct edge_row *rows;
	size_t w_from = 4, w_to = 2, w_kind = 4, w_cost = 4, both = 0, silent = 0;
	char cost[8], state[160];

	if (names_init(&nm, s) < 0) {
		b->failed = true;
		return;
	}
	rows = calloc(s->n_edges ? s->n_edges : 1, sizeof(*rows));
	if (!rows) {
		free(nm.by_id);
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < s->n_edges; i++) {
		struct edge_row *r = &rows[i];

		r->e = &s->edges[i];
		label(&nm, &r->e->from, r->from, sizeof(r->from));
		label(&nm, &r->e->to, r->to, sizeof(r->to));
		if (strlen(r->from) > w_from)
			w_from = strlen(r->from);
		if (strlen(r->to) > w_to)
			w_to = strlen(r->to);
		if (strlen(kind_label(r->e->kind)) > w_kind)
			w_kind = strlen(kind_label(r->e->kind));
		both += r->e->both;
		silent += r->e->kind == STATUS_EDGE_SILENT;
	}
	qsort(rows, s->n_edges, sizeof(*rows), row_cmp);
	status_buf_printf(b, "edges: %zu claimed in %zu records, %zu by both ends (only those "
			  "carry routes)%s\n",
			  s->n_edges - silent, s->n_nodes, both,
			  silent ? "; listed peers that do not answer as \"silent\"" : "");
	status_buf_printf(b, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)w_from, "FROM", (int)w_to, "TO",
			  (int)w_kind, "KIND", (int)w_cost, "COST", "STATE");
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct edge_row *r = &rows[i];

		if (r->e->kind == STATUS_EDGE_SILENT)
			snprintf(cost, sizeof(cost), "-");
		else
			snprintf(cost, sizeof(cost), "%u", (unsigned)r->e->cost);
		edge_state(s, r, state, sizeof(state));
		status_buf_printf(b, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)w_from, r->from, (int)w_to,
				  r->to, (int)w_kind, kind_label(r->e->kind), (int)w_cost, cost,
				  state);
	}
	if (s->edges_left_out)
		status_buf_printf(b, "(%zu more edges not shown)\n", s->edges_left_out);
	free(rows);
	free(nm.by_id);
}

void status_format_edges_json(const struct status_snapshot *s, struct status_buf *b)
{
	struct names nm;
	char a[ADDR_STRLEN], ep[ENDPOINT_STRLEN];

	if (names_init(&nm, s) < 0) {
		b->failed = true;
		return;
	}
	status_buf_printf(b, "[");
	for (size_t i = 0; i < s->n_edges; i++) {
		const struct status_edge *e = &s->edges[i];
		const char *from = names_get(&nm, &e->from), *to = names_get(&nm, &e->to);
		bool silent = e->kind == STATUS_EDGE_SILENT, first = true;

		status_buf_printf(b, "%s\n    {", i ? "," : "");
		status_json_kstr(b, &first, "from", from != NULL, from);
		status_json_kstr(b, &first, "from_address", true, addr_fmt(&e->from, a, sizeof(a)));
		status_json_kstr(b, &first, "to", to != NULL, to);
		status_json_kstr(b, &first, "to_address", true, addr_fmt(&e->to, a, sizeof(a)));
		status_json_kstr(b, &first, "kind", true, status_edge_kind_name(e->kind));
		status_json_ku64(b, &first, "cost", !silent, e->cost);
		status_json_kbool(b, &first, "both", e->both);
		status_json_kstr(b, &first, "endpoint", silent && e->endpoint.port,
				 endpoint_fmt(&e->endpoint, ep, sizeof(ep)));
		status_json_key(b, &first, "no_answer_since");
		if (silent && e->has_silent)
			status_buf_printf(b, "%" PRId64, s->now - (int64_t)e->silent_s);
		else
			status_buf_printf(b, "null");
		status_json_ku64(b, &first, "no_answer_s", silent && e->has_silent, e->silent_s);
		status_buf_printf(b, "}");
	}
	status_buf_printf(b, "%s]", s->n_edges ? "\n  " : "");
	if (s->edges_left_out)
		status_buf_printf(b, ",\n  \"edges_left_out\": %zu", s->edges_left_out);
	free(nm.by_id);
}
