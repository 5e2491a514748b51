/*
 * The configuration of subnet routes and exit nodes: what this node
 * announces (peer.yaml routes, exitNode; --route, --exit-node), what it
 * uses (useExitNode; --use-exit-node), how it forwards (masquerade), and
 * what the network accepts (net.yaml network.acceptRoutes,
 * allowExitNodes). The readers take the value a yamlwalk key table hands
 * them and this struct; config.c embeds it in struct config.
 */
#ifndef WGNM_CONFIG_ROUTES_H
#define WGNM_CONFIG_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "addr.h"
#include "names.h"
#include "yamlwalk.h"

#define CONFIG_MAX_ROUTES 8		/* subnet routes a node announces (WIRE_MAX_ROUTES) */
#define CONFIG_MAX_ACCEPT_ROUTES 64	/* network.acceptRoutes entries */

/* useExitNode: none, a node by name, or the nearest exit node. */
enum config_use_exit { CONFIG_EXIT_NONE = 0, CONFIG_EXIT_NAMED, CONFIG_EXIT_AUTO };

/* A prefix from a file, with where it was written (line 0: the command line). */
struct config_prefix {
	struct prefix p;
	unsigned line, col;
};

struct config_routes {
	/* net.yaml */
	struct config_prefix accept[CONFIG_MAX_ACCEPT_ROUTES];	/* network.acceptRoutes */
	size_t n_accept;
	bool allow_exit_nodes;		/* network.allowExitNodes */
	/* peer.yaml, then the command line */
	struct config_prefix routes[CONFIG_MAX_ROUTES];	/* subnets this node carries */
	size_t n_routes;
	bool exit_node;			/* offers the default route */
	enum config_use_exit use_exit;
	char use_exit_name[NAME_MAX_LEN + 1];
	bool masquerade;		/* what it forwards out of the overlay (default on) */
};

/* What the command line says; zero/NULL means "not given". */
struct config_routes_cli {
	const char *routes[CONFIG_MAX_ROUTES + 1];	/* --route, repeatable (replaces routes:) */
	size_t n_routes;
	bool exit_node;				/* --exit-node */
	const char *use_exit;			/* --use-exit-node NAME|auto */
};

void config_routes_init(struct config_routes *rt);

void config_read_accept_routes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);
void config_read_allow_exit_nodes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);
void config_read_routes(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);
void config_read_exit_node(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);
void config_read_use_exit_node(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);
void config_read_masquerade(struct yamlwalk *w, yaml_node_t *v, struct config_routes *rt);

/* The command line over peer.yaml; problems to msgs as "command line". */
void config_routes_apply_cli(struct config_routes *rt, const struct config_routes_cli *cli,
			     struct config_msgs *msgs);

/* Where the whole configuration is known: what the checks need of it. */
struct config_routes_ctx {
	const struct prefix *subnet;	/* NULL if net.yaml had none */
	const char *self_name;
	const char *net_path, *peer_path;
};
void config_routes_check(const struct config_routes *rt, const struct config_routes_ctx *ctx,
			 struct config_msgs *msgs);

/*
 * A prefix this node may announce: canonical (no host bits), not a default
 * route, touching no special range. NULL, or why not.
 */
const char *config_route_problem(const struct prefix *p, bool host_bits);
/* Does the node carry traffic out of the overlay (routes or an exit)? */
bool config_routes_carry_out(const struct config_routes *rt);
bool config_routes_same(const struct config_routes *a, const struct config_routes *b);
void config_routes_print(const struct config_routes *rt, FILE *out);

#endif
