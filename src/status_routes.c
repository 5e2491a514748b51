/*
 * Subnet routes and the exit node in the status: a section of the text
 * view and the JSON members "routes" and "exit_node" (the metrics are
 * status_metrics.c's). Every
 * announcement is listed with its state: "ours" (this node announces it),
 * "active" (installed: that node carries it for us), "standby" (accepted,
 * another node carries it) or "refused" (with the reason).
 */
#include "status.h"

#include <inttypes.h>
#include <string.h>

static const char *const use_names[] = {
	[MESH_EXIT_NONE] = "none", [MESH_EXIT_NAMED] = "named", [MESH_EXIT_AUTO] = "auto",
};

const char *status_route_state(const struct status_route *r)
{
	if (r->ours)
		return "ours";
	if (r->active)
		return "active";
	if (r->verdict == MESH_ROUTE_ACCEPTED || r->verdict == MESH_ROUTE_OURS)
		return "standby";
	return "refused";
}

static bool refused(const struct status_route *r)
{
	return !r->ours && r->verdict != MESH_ROUTE_ACCEPTED && r->verdict != MESH_ROUTE_OURS;
}

static const char *use_name(uint8_t use)
{
	return use < sizeof(use_names) / sizeof(use_names[0]) ? use_names[use] : "?";
}

static void route_line(const struct status_route *r, struct status_buf *b)
{
	char d[ADDR_STRLEN + 8];

	status_buf_printf(b, "  %-20s %-14s %-16s %s",
			  r->exit ? "exit node" : prefix_fmt(&r->dst, d, sizeof(d)),
			  r->ours ? "(this node)" : r->node_name[0] ? r->node_name : "?",
			  r->ours ? "-" : r->path[0] ? r->path : "-", status_route_state(r));
	if (refused(r))
		status_buf_printf(b, ": %s", mesh_route_verdict_name(r->verdict));
	else if (r->verdict == MESH_ROUTE_OURS && !r->ours)
		status_buf_printf(b, " (this node carries it too)");
	status_buf_printf(b, "\n");
}

static void exit_line(const struct status_snapshot *s, struct status_buf *b)
{
	const struct status_exit *e = &s->exit;

	if (e->offered)
		status_buf_printf(b, "exit node: this node offers itself as one\n");
	if (e->use == MESH_EXIT_NONE)
		return;
	if (e->active)
		status_buf_printf(b, "exit node: using %s (%s%s)\n", e->node_name,
				  e->use == MESH_EXIT_AUTO ? "auto" : "useExitNode ",
				  e->use == MESH_EXIT_AUTO ? "" : e->want);
	else
		status_buf_printf(b, "exit node: none (%s)\n", e->why[0] ? e->why : "none offered");
}

void status_format_routes_text(const struct status_snapshot *s, struct status_buf *b)
{
	if (!s->n_routes && s->exit.use == MESH_EXIT_NONE && !s->exit.offered)
		return;
	if (s->n_routes) {
		status_buf_printf(b, "routes:\n  %-20s %-14s %-16s %s\n", "PREFIX", "NODE", "PATH",
				  "STATE");
		for (size_t i = 0; i < s->n_routes; i++)
			route_line(&s->routes[i], b);
		if (s->routes_left_out)
			status_buf_printf(b, "  (%zu more not shown)\n", s->routes_left_out);
	}
	exit_line(s, b);
}

static void json_route(const struct status_route *r, bool first_item, struct status_buf *b)
{
	char d[ADDR_STRLEN + 8], a[ADDR_STRLEN];
	bool first = true;

	status_buf_printf(b, "%s\n    {", first_item ? "" : ",");
	status_json_kstr(b, &first, "prefix", true, prefix_fmt(&r->dst, d, sizeof(d)));
	status_json_kbool(b, &first, "exit", r->exit);
	status_json_kstr(b, &first, "node", r->node_name[0] != '\0', r->node_name);
	status_json_kstr(b, &first, "node_address", true, addr_fmt(&r->node, a, sizeof(a)));
	status_json_kstr(b, &first, "path", r->path[0] != '\0', r->path);
	status_json_kstr(b, &first, "state", true, status_route_state(r));
	status_json_kstr(b, &first, "reason", refused(r), mesh_route_verdict_name(r->verdict));
	status_buf_printf(b, "}");
}

void status_format_routes_json(const struct status_snapshot *s, struct status_buf *b)
{
	const struct status_exit *e = &s->exit;
	bool first = true;

	status_buf_printf(b, ",\n  \"routes\": [");
	for (size_t i = 0; i < s->n_routes; i++)
		json_route(&s->routes[i], i == 0, b);
	status_buf_printf(b, "%s],\n  \"routes_left_out\": %zu,\n  \"routes_refused\": %" PRIu64,
			  s->n_routes ? "\n  " : "", s->routes_left_out, e->refused);
	status_buf_printf(b, ",\n  \"exit_node\": {");
	status_json_kstr(b, &first, "use", true, use_name(e->use));
	status_json_kstr(b, &first, "want", e->use == MESH_EXIT_NAMED, e->want);
	status_json_kstr(b, &first, "active", e->active, e->node_name);
	status_json_kstr(b, &first, "why_none", !e->active && e->why[0], e->why);
	status_json_kbool(b, &first, "offered", e->offered);
	status_buf_printf(b, "}");
}
