/*
 * The configuration of subnet routes and exit nodes; see config_routes.h.
 * Every problem is an error with file:line:col; the receiving side's
 * policy (src/core/subnet.c) judges what others announce, with the same
 * ranges refused.
 */
#include "config_routes.h"

#include <string.h>

void config_routes_init(struct config_routes *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->masquerade = true;
}

const char *config_route_problem(const struct prefix *p, bool host_bits)
{
	if (host_bits)
		return "has host bits set";
	if (p->len == 0)
		return "is a default route: offer it with 'exitNode: true'";
	if (prefix_touches_special(p))
		return "overlaps loopback, link-local, multicast or 0.0.0.0/8";
	return NULL;
}

/* Parse one prefix at v: false after an error (with the corrected form if it had host bits). */
static bool read_prefix(struct yamlwalk *w, yaml_node_t *v, const char *key, bool announce,
			struct config_prefix *out)
{
	const char *s = yamlwalk_scalar(w, v, key), *why;
	char norm[ADDR_STRLEN + 8];
	bool host_bits = false;

	if (!s)
		return false;
	if (prefix_parse(&out->p, s, &host_bits) < 0) {
		yamlwalk_error(w, v, "%s: '%.60s' is not a CIDR prefix like 192.168.7.0/24", key, s);
		return false;
	}
	why = announce ? config_route_problem(&out->p, host_bits)
		       : host_bits ? "has host bits set" : NULL;
	if (why) {
		if (host_bits)
			yamlwalk_error(w, v, "%s: '%.60s' %s (did you mean %s?)", key, s, why,
				       prefix_fmt(&out->p, norm, sizeof(norm)));
		else
			yamlwalk_error(w, v, "%s: '%.60s' %s", key, s, why);
		return false;
	}
	out->line = yamlwalk_line(v);
	out->col = yamlwalk_col(v);
	return true;
}

static bool listed_before(const struct config_prefix *list, size_t n, const struct prefix *p,
			  unsigned *line)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_eq(&list[i].p, p)) {
			*line = list[i].line;
			return true;
		}
	return false;
}

/* A list of prefixes at v into list (at most max), duplicates refused. */
static void read_prefix_list(struct yamlwalk *w, yaml_node_t *v, const char *key, bool announce,
			     struct config_prefix *list, size_t max, size_t *n_out)
{
	size_t n, k = 0;

	*n_out = 0;
	if (!yamlwalk_list(w, v, key, max, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yamlwalk_item(w, v, i);
		struct config_prefix cp;
		char p[ADDR_STRLEN + 8];
		unsigned line;

		if (!item || !read_prefix(w, item, key, announce, &cp))
			continue;
		if (listed_before(list, k, &cp.p, &line)) {
			yamlwalk_error(w, item, "%s: %s is listed twice (also at line %u)", key,
				       prefix_fmt(&cp.p, p, sizeof(p)), line);
			continue;
		}
		list[k++] = cp;
	}
	*n_out = k;
}

void config_read_accept_routes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	read_prefix_list(w, v, "acceptRoutes", false, rt->accept, CONFIG_MAX_ACCEPT_ROUTES,
			 &rt->n_accept);
}

void config_read_allow_exit_nodes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	yamlwalk_bool(w, v, "allowExitNodes", &rt->allow_exit_nodes);
}

void config_read_routes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	read_prefix_list(w, v, "routes", true, rt->routes, CONFIG_MAX_ROUTES, &rt->n_routes);
}

void config_read_exit_node(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	yamlwalk_bool(w, v, "exitNode", &rt->exit_node);
}

static bool set_use_exit(struct config_routes *rt, const char *s, const char **why)
{
	if (strcmp(s, "auto") == 0) {
		rt->use_exit = CONFIG_EXIT_AUTO;
		rt->use_exit_name[0] = '\0';
		return true;
	}
	if (!name_valid(s, why))
		return false;
	rt->use_exit = CONFIG_EXIT_NAMED;
	snprintf(rt->use_exit_name, sizeof(rt->use_exit_name), "%s", s);
	return true;
}

void config_read_use_exit_node(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	const char *s = yamlwalk_scalar(w, v, "useExitNode"), *why = "";

	if (s && !set_use_exit(rt, s, &why))
		yamlwalk_error(w, v, "useExitNode '%.40s': %s (a node name, or 'auto')", s, why);
}

void config_read_masquerade(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt)
{
	yamlwalk_bool(w, v, "masquerade", &rt->masquerade);
}

/* --route replaces peer.yaml's routes: the command line says the whole list. */
static void cli_routes(struct config_routes *rt, const struct config_routes_cli *cli,
		       struct config_msgs *msgs)
{
	size_t k = 0;

	for (size_t i = 0; i < cli->n_routes && i < CONFIG_MAX_ROUTES; i++) {
		struct config_prefix cp = { .line = 0 };
		bool host_bits = false;
		const char *why;
		unsigned line;

		if (prefix_parse(&cp.p, cli->routes[i], &host_bits) < 0) {
			config_msg(msgs, false, "command line", 0, 0,
				   "--route '%.60s' is not a CIDR prefix like 192.168.7.0/24",
				   cli->routes[i]);
			continue;
		}
		if ((why = config_route_problem(&cp.p, host_bits)) != NULL) {
			config_msg(msgs, false, "command line", 0, 0, "--route '%.60s' %s",
				   cli->routes[i], why);
			continue;
		}
		if (listed_before(rt->routes, k, &cp.p, &line)) {
			config_msg(msgs, false, "command line", 0, 0, "--route '%.60s' given twice",
				   cli->routes[i]);
			continue;
		}
		rt->routes[k++] = cp;
	}
	rt->n_routes = k;
}

void config_routes_apply_cli(struct config_routes *rt, const struct config_routes_cli *cli,
			     struct config_msgs *msgs)
{
	const char *why = "";

	if (cli->n_routes > CONFIG_MAX_ROUTES)
		config_msg(msgs, false, "command line", 0, 0, "--route given more than %d times",
			   CONFIG_MAX_ROUTES);
	else if (cli->n_routes)
		cli_routes(rt, cli, msgs);
	if (cli->exit_node)
		rt->exit_node = true;
	if (cli->use_exit && !set_use_exit(rt, cli->use_exit, &why))
		config_msg(msgs, false, "command line", 0, 0,
			   "--use-exit-node '%.40s': %s (a node name, or 'auto')", cli->use_exit, why);
}

/* Where a route was given, for messages: peer.yaml's line, or the command line. */
static const char *route_file(const struct config_routes_ctx *ctx, const struct config_prefix *cp)
{
	return cp->line ? ctx->peer_path : "command line";
}

void config_routes_check(const struct config_routes *rt, const struct config_routes_ctx *ctx,
			 struct config_msgs *msgs)
{
	char p[ADDR_STRLEN + 8], s[ADDR_STRLEN + 8];

	for (size_t i = 0; i < rt->n_routes && ctx->subnet; i++) {
		const struct config_prefix *cp = &rt->routes[i];
		if (prefix_overlaps(&cp->p, ctx->subnet))
			config_msg(msgs, false, route_file(ctx, cp), cp->line, cp->col,
				   "route %s overlaps the overlay subnet %s",
				   prefix_fmt(&cp->p, p, sizeof(p)), prefix_fmt(ctx->subnet, s, sizeof(s)));
	}
	if (rt->use_exit == CONFIG_EXIT_NAMED && strcmp(rt->use_exit_name, ctx->self_name) == 0)
		config_msg(msgs, false, "command line", 0, 0,
			   "useExitNode names this node (%s): name another node, or 'auto'",
			   ctx->self_name);
	if (rt->use_exit != CONFIG_EXIT_NONE && rt->exit_node)
		config_msg(msgs, false, "command line", 0, 0,
			   "this node offers an exit (exitNode) and would use one (useExitNode): "
			   "choose one");
	if (rt->use_exit != CONFIG_EXIT_NONE && !rt->allow_exit_nodes)
		config_msg(msgs, true, ctx->net_path, 0, 0,
			   "useExitNode is set but network.allowExitNodes is off: no exit node "
			   "will be used");
}

bool config_routes_carry_out(const struct config_routes *rt)
{
	return rt->n_routes > 0 || rt->exit_node;
}

static bool same_prefixes(const struct config_prefix *a, size_t na, const struct config_prefix *b,
			  size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!prefix_eq(&a[i].p, &b[i].p))
			return false;
	return true;
}

bool config_routes_same(const struct config_routes *a, const struct config_routes *b)
{
	return same_prefixes(a->routes, a->n_routes, b->routes, b->n_routes) &&
	       same_prefixes(a->accept, a->n_accept, b->accept, b->n_accept) &&
	       a->exit_node == b->exit_node && a->use_exit == b->use_exit &&
	       strcmp(a->use_exit_name, b->use_exit_name) == 0 && a->masquerade == b->masquerade &&
	       a->allow_exit_nodes == b->allow_exit_nodes;
}

void config_routes_print(const struct config_routes *cfg, FILE *out)
{
	char p[ADDR_STRLEN + 8];

	fprintf(out, "routes:          %s", cfg->n_routes ? "" : "none\n");
	for (size_t i = 0; i < cfg->n_routes; i++)
		fprintf(out, "%s%s", prefix_fmt(&cfg->routes[i].p, p, sizeof(p)),
			i + 1 < cfg->n_routes ? " " : "\n");
	fprintf(out, "exit node:       %s\n", cfg->exit_node ? "offered" : "not offered");
	fprintf(out, "use exit node:   %s\n",
		cfg->use_exit == CONFIG_EXIT_AUTO    ? "auto (the nearest)"
		: cfg->use_exit == CONFIG_EXIT_NAMED ? cfg->use_exit_name
						     : "no");
	if (cfg->n_routes || cfg->exit_node)
		fprintf(out, "masquerade:      %s\n", cfg->masquerade ? "yes" : "no");
	fprintf(out, "accept routes:   %s", cfg->n_accept ? "" : "none\n");
	for (size_t i = 0; i < cfg->n_accept; i++)
		fprintf(out, "%s%s", prefix_fmt(&cfg->accept[i].p, p, sizeof(p)),
			i + 1 < cfg->n_accept ? " " : "\n");
	fprintf(out, "exit nodes:      %s\n",
		cfg->allow_exit_nodes ? "allowed" : "not allowed (network.allowExitNodes)");
}
