/*
 * Configuration: the schema of net.yaml and peer.yaml, defaults, the
 * command line on top and the checks of this node; see config.h.
 *
 * Each mapping of a file is a table of keys (struct yamlwalk_key), each
 * key with one reader that parses its value into struct config; yamlwalk
 * walks the document against the tables and reports unknown, duplicate
 * and missing keys. What needs more than one value (a wgIp against the
 * subnet, duplicate addresses, this node's ports against its static entry)
 * is checked after the walk, at the line of the value to blame.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "wire/seal.h"

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = CONFIG_DEFAULT_MTU;
	cfg->lan_port = CONFIG_DEFAULT_LAN_PORT;
	cfg->direct_idle_s = CONFIG_DEFAULT_DIRECT_IDLE_S;
	cfg->max_nodes = CONFIG_DEFAULT_MAX_NODES;
	config_routes_init(&cfg->rt);
	config_member_init(&cfg->mb);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	sodium_memzero(cfg->shared_key, sizeof(cfg->shared_key));
	config_member_free(&cfg->mb);
	free(cfg->peers);
	cfg->peers = NULL;
	cfg->n_peers = 0;
}

uint16_t config_default_wg_port(const struct addr *wg_ip)
{
	return (uint16_t)(CONFIG_WG_PORT_BASE + addr_last_octet(wg_ip));
}

uint16_t config_default_admin_port(const struct addr *wg_ip)
{
	return (uint16_t)(CONFIG_ADMIN_PORT_BASE + addr_last_octet(wg_ip));
}

static bool scalar_port(struct yamlwalk *w, const yaml_node_t *n, const char *key,
			uint16_t *out)
{
	const char *s = yamlwalk_scalar(w, n, key);

	if (!s)
		return false;
	if (port_parse(s, out) < 0) {
		yamlwalk_error(w, n, "%s must be a port number from 1 to 65535, not '%.40s'", key,
			       s);
		return false;
	}
	return true;
}

/* ---- net.yaml: network ---- */

static void read_shared_key(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	const char *s = yamlwalk_scalar(w, v, "sharedKey");
	int r;

	if (!s)
		return;
	r = seal_key_from_base64(cfg->shared_key, s);
	/* libyaml's copy of the key text goes now (the rest: with the document) */
	yamlwalk_wipe(v);
	if (r < 0) {
		yamlwalk_error(w, v, "sharedKey must be 32 bytes in base64 (make one with "
				     "'wg_netmanager genkey' or 'wg genkey')");
		return;
	}
	cfg->has_shared_key = true;
}

static void read_subnet(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	const char *s = yamlwalk_scalar(w, v, "subnet");
	char norm[ADDR_STRLEN + 8];
	bool host_bits = false;

	if (!s)
		return;
	if (prefix_parse(&cfg->subnet, s, &host_bits) < 0) {
		yamlwalk_error(w, v, "subnet '%.60s' is not a CIDR prefix like 10.1.1.0/24", s);
		return;
	}
	if (cfg->subnet.len == (addr_is_v4(&cfg->subnet.addr) ? 32 : 128)) {
		yamlwalk_error(w, v, "subnet '%.60s' holds a single address; it needs room for "
				     "nodes", s);
		return;
	}
	if (cfg->subnet.len < CONFIG_MIN_SUBNET_LEN) {
		yamlwalk_error(w, v, "subnet '%.60s' is too wide: at most a /%d (like 10.0.0.0/8); "
				     "a wider one would route others' networks into the mesh", s,
			       CONFIG_MIN_SUBNET_LEN);
		return;
	}
	cfg->has_subnet = true;
	if (host_bits)
		yamlwalk_warn(w, v, "subnet '%.60s' has host bits set; using %s", s,
			      prefix_fmt(&cfg->subnet, norm, sizeof(norm)));
}

static void read_mtu(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	unsigned mtu;

	if (yamlwalk_uint(w, v, "mtu", 1280, 9000, &mtu))
		cfg->mtu = (uint16_t)mtu;
}

static void read_lan_port(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	unsigned port;

	if (yamlwalk_uint(w, v, "lanPort", 0, 65535, &port))
		cfg->lan_port = (uint16_t)port;
}

static void read_direct_idle(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	yamlwalk_uint(w, v, "directIdleSeconds", 1, 86400, &cfg->direct_idle_s);
}

static void read_max_nodes(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	yamlwalk_uint(w, v, "maxNodes", 2, CONFIG_MAX_MAX_NODES, &cfg->max_nodes);
}

/* Subnet routes and exit nodes: config_routes.c reads them into cfg->rt. */
#define ROUTES_READER(fn)                                                                  \
	static void fn(struct yamlwalk *w, yaml_node_t *v, void *arg)                     \
	{                                                                                  \
		config_##fn(w, v, &((struct config *)arg)->rt);                            \
	}
ROUTES_READER(read_accept_routes)
ROUTES_READER(read_allow_exit_nodes)
ROUTES_READER(read_routes)
ROUTES_READER(read_exit_node)
ROUTES_READER(read_use_exit_node)
ROUTES_READER(read_masquerade)

/* Membership: config_member.c reads them into cfg->mb. */
#define MEMBER_READER(fn)                                                                  \
	static void fn(struct yamlwalk *w, yaml_node_t *v, void *arg)                     \
	{                                                                                  \
		config_##fn(w, v, &((struct config *)arg)->mb);                            \
	}
MEMBER_READER(read_ca_key)
MEMBER_READER(read_revoked)
MEMBER_READER(read_prev_key)
MEMBER_READER(read_identity)
MEMBER_READER(read_certificate)

static const struct yamlwalk_key network_keys[] = {
	{ "sharedKey", true, read_shared_key },
	{ "subnet", true, read_subnet },
	{ "mtu", false, read_mtu },
	{ "lanPort", false, read_lan_port },
	{ "directIdleSeconds", false, read_direct_idle },
	{ "maxNodes", false, read_max_nodes },
	{ "acceptRoutes", false, read_accept_routes },
	{ "allowExitNodes", false, read_allow_exit_nodes },
	{ "caKey", false, read_ca_key },
	{ "revoked", false, read_revoked },
	{ "previousSharedKey", false, read_prev_key },
	{ NULL, false, NULL },
};

/* ---- net.yaml: peers ---- */

struct peer_walk {
	struct config_static_peer *p;
	bool has_wg_ip, has_admin_port;
};

static void read_peer_endpoint(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct peer_walk *pw = arg;
	const char *s = yamlwalk_scalar(w, v, "endPoint");
	const char *why = "";

	if (s && endpoint_split(s, pw->p->host, sizeof(pw->p->host), &pw->p->wg_port, &why) < 0)
		yamlwalk_error(w, v, "endPoint '%.60s': %s", s, why);
}

static void read_peer_admin_port(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct peer_walk *pw = arg;

	if (scalar_port(w, v, "adminPort", &pw->p->admin_port))
		pw->has_admin_port = true;
}

static void read_peer_wg_ip(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct peer_walk *pw = arg;
	const char *s = yamlwalk_scalar(w, v, "wgIp");

	if (!s)
		return;
	if (addr_parse(&pw->p->wg_ip, s) < 0) {
		yamlwalk_error(w, v, "wgIp '%.60s' is not an IP address", s);
		return;
	}
	pw->p->wg_ip_line = yamlwalk_line(v);
	pw->p->wg_ip_col = yamlwalk_col(v);
	pw->has_wg_ip = true;
}

static void read_peer_no_transit(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct peer_walk *pw = arg;

	yamlwalk_bool(w, v, "noTransit", &pw->p->no_transit);
}

static const struct yamlwalk_key peer_keys[] = {
	{ "endPoint", true, read_peer_endpoint },
	{ "adminPort", false, read_peer_admin_port },
	{ "wgIp", true, read_peer_wg_ip },
	{ "noTransit", false, read_peer_no_transit },
	{ NULL, false, NULL },
};

static void read_peer(struct yamlwalk *w, yaml_node_t *item, struct config *cfg)
{
	struct peer_walk pw = { .p = &cfg->peers[cfg->n_peers] };

	if (!item)
		return;
	memset(pw.p, 0, sizeof(*pw.p));
	pw.p->line = yamlwalk_line(item);
	if (!yamlwalk_mapping(w, item, "a peers entry", peer_keys, &pw))
		return;
	yamlwalk_require(w, item, "this peers entry", peer_keys);
	/*
	 * An entry with an error elsewhere stays in the list if it has an
	 * address, so check_peers still reports a wgIp outside the subnet or
	 * a duplicate; the errors make the whole load fail anyway.
	 */
	if (!pw.has_wg_ip)
		return;
	if (!pw.has_admin_port)
		pw.p->admin_port = config_default_admin_port(&pw.p->wg_ip);
	cfg->n_peers++;
}

static void read_peers(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	size_t n;

	if (!yamlwalk_list(w, v, "peers", CONFIG_MAX_PEERS, &n))
		return;
	free(cfg->peers);
	cfg->peers = calloc(n ? n : 1, sizeof(*cfg->peers));
	cfg->n_peers = 0;
	if (!cfg->peers) {
		yamlwalk_error(w, v, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		read_peer(w, yamlwalk_item(w, v, i), cfg);
}

/* Checks that need the whole file: addresses against the subnet, duplicates. */
static void check_peers(const struct config *cfg, const char *label, struct config_msgs *msgs)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8];

	for (size_t i = 0; i < cfg->n_peers && cfg->has_subnet; i++) {
		const struct config_static_peer *sp = &cfg->peers[i];
		unsigned line = sp->wg_ip_line, col = sp->wg_ip_col;

		addr_fmt(&sp->wg_ip, a, sizeof(a));
		prefix_fmt(&cfg->subnet, p, sizeof(p));
		if (!prefix_contains(&cfg->subnet, &sp->wg_ip))
			config_msg(msgs, false, label, line, col, "wgIp %s is outside subnet %s", a,
				   p);
		else if (prefix_is_network_addr(&cfg->subnet, &sp->wg_ip))
			config_msg(msgs, false, label, line, col,
				   "wgIp %s is the network address of subnet %s", a, p);
		else if (prefix_is_broadcast_addr(&cfg->subnet, &sp->wg_ip))
			config_msg(msgs, false, label, line, col,
				   "wgIp %s is the broadcast address of subnet %s", a, p);
		for (size_t j = 0; j < i; j++) {
			if (addr_eq(&cfg->peers[j].wg_ip, &sp->wg_ip)) {
				config_msg(msgs, false, label, line, col,
					   "duplicate wgIp %s (also at line %u)", a,
					   cfg->peers[j].wg_ip_line);
				break;
			}
		}
	}
}

/* ---- net.yaml: the document ---- */

static void read_network(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	if (yamlwalk_mapping(w, v, "network", network_keys, arg))
		yamlwalk_require(w, v, "network", network_keys);
}

static const struct yamlwalk_key network_file_keys[] = {
	{ "network", true, read_network },
	{ "peers", false, read_peers },
	{ NULL, false, NULL },
};

static const struct yamlwalk_schema network_file = {
	.expected = "a mapping with 'network' and 'peers'",
	.keys = network_file_keys,
};

int config_parse_network(struct config *cfg, const char *label, const char *buf,
			 size_t len, struct config_msgs *msgs)
{
	unsigned before = msgs->n_errors;
	int r;

	snprintf(cfg->net_path, sizeof(cfg->net_path), "%s", label);
	r = yamlwalk_document(label, buf, len, &network_file, cfg, msgs);
	if (r == -ENOMEM)
		return r;
	check_peers(cfg, label, msgs);
	return msgs->n_errors > before ? -EINVAL : 0;
}

/* ---- peer.yaml ---- */

static void read_name(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	const char *s = yamlwalk_scalar(w, v, "name"), *why = "";

	if (s && !name_valid(s, &why))
		yamlwalk_error(w, v, "name '%.40s': %s", s, why);
	else if (s)
		snprintf(cfg->name, sizeof(cfg->name), "%s", s);
}

static void read_wg_ip(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	const char *s = yamlwalk_scalar(w, v, "wgIp");
	struct addr a;

	if (!s)
		return;
	if (addr_parse(&a, s) < 0) {
		yamlwalk_error(w, v, "wgIp '%.60s' is not an IP address", s);
		return;
	}
	cfg->wg_ip = a;
	cfg->has_wg_ip = true;
	cfg->wg_ip_line = yamlwalk_line(v);
	cfg->wg_ip_col = yamlwalk_col(v);
}

static void read_wg_interface(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;
	const char *s = yamlwalk_scalar(w, v, "wgInterface"), *why = "";

	if (s && !ifname_valid(s, &why))
		yamlwalk_error(w, v, "wgInterface '%.40s': %s", s, why);
	else if (s)
		snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", s);
}

static void read_existing(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	yamlwalk_bool(w, v, "existingInterface", &cfg->existing_interface);
}

static void read_wg_port(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	scalar_port(w, v, "wgPort", &cfg->wg_port);
}

static void read_admin_port(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	scalar_port(w, v, "adminPort", &cfg->admin_port);
}

static void read_no_transit(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	struct config *cfg = arg;

	yamlwalk_bool(w, v, "noTransit", &cfg->no_transit);
}

static const struct yamlwalk_key peer_file_keys[] = {
	{ "name", false, read_name },
	{ "wgIp", false, read_wg_ip },
	{ "wgInterface", false, read_wg_interface },
	{ "existingInterface", false, read_existing },
	{ "wgPort", false, read_wg_port },
	{ "adminPort", false, read_admin_port },
	{ "noTransit", false, read_no_transit },
	{ "routes", false, read_routes },
	{ "exitNode", false, read_exit_node },
	{ "useExitNode", false, read_use_exit_node },
	{ "masquerade", false, read_masquerade },
	{ "identityKey", false, read_identity },
	{ "certificate", false, read_certificate },
	{ NULL, false, NULL },
};

static const struct yamlwalk_schema peer_file = {
	.expected = "a mapping like 'name: alice'",
	.keys = peer_file_keys,
};

int config_parse_peer(struct config *cfg, const char *label, const char *buf, size_t len,
		      struct config_msgs *msgs)
{
	snprintf(cfg->peer_path, sizeof(cfg->peer_path), "%s", label);
	return yamlwalk_document(label, buf, len, &peer_file, cfg, msgs);
}

/* ---- files ---- */

int config_read_file(const char *path, bool holds_secret, char **buf, size_t *len,
		     struct config_msgs *msgs)
{
	return yamlwalk_read_file(path, CONFIG_MAX_FILE, holds_secret ? "the shared key" : NULL,
				  buf, len, msgs);
}

static int load_file(struct config *cfg, const char *path, bool is_net, struct config_msgs *msgs)
{
	char *buf;
	size_t len;
	int r = config_read_file(path, is_net, &buf, &len, msgs);

	if (r < 0)
		return r;
	if (is_net)
		r = config_parse_network(cfg, path, buf, len, msgs);
	else
		r = config_parse_peer(cfg, path, buf, len, msgs);
	sodium_memzero(buf, len);
	free(buf);
	/* peer.yaml is a secret's file only once it holds identityKey */
	if (!is_net && cfg->mb.has_identity &&
	    yamlwalk_check_secret(path, "the identity key (identityKey)", msgs) < 0 && r == 0)
		r = -EPERM;
	return r;
}

/* ---- the whole load ---- */

static void apply_cli(struct config *cfg, const struct config_cli *cli, struct config_msgs *msgs)
{
	const char *why = "";

	if (cli->name) {
		if (!name_valid(cli->name, &why))
			config_msg(msgs, false, "command line", 0, 0, "-n '%.40s': %s", cli->name, why);
		else
			snprintf(cfg->name, sizeof(cfg->name), "%s", cli->name);
	}
	if (cli->address) {
		struct addr a;

		if (addr_parse(&a, cli->address) < 0) {
			config_msg(msgs, false, "command line", 0, 0,
				   "-a '%.60s' is not an IP address", cli->address);
		} else {
			cfg->wg_ip = a;
			cfg->has_wg_ip = true;
			cfg->wg_ip_line = cfg->wg_ip_col = 0;
		}
	}
	if (cli->ifname) {
		if (!ifname_valid(cli->ifname, &why))
			config_msg(msgs, false, "command line", 0, 0, "-i '%.40s': %s", cli->ifname,
				   why);
		else
			snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", cli->ifname);
	}
	if (cli->existing)
		cfg->existing_interface = true;
	if (cli->wg_port)
		cfg->wg_port = cli->wg_port;
	if (cli->admin_port)
		cfg->admin_port = cli->admin_port;
	if (cli->no_transit)
		cfg->no_transit = true;
	config_routes_apply_cli(&cfg->rt, &cli->rt, msgs);
	config_member_apply_cli(&cfg->mb, &cli->mb, msgs);
}

/* A name from peer.yaml or -n, else the host name if it is a valid one. */
static void self_name(struct config *cfg, struct config_msgs *msgs)
{
	char host[256] = "";
	const char *why;

	if (cfg->name[0])
		return;
	/* a certified node not named otherwise is the name its certificate holds */
	if (config_member_cert_name(&cfg->mb)) {
		snprintf(cfg->name, sizeof(cfg->name), "%s", config_member_cert_name(&cfg->mb));
		cfg->name_from_cert = true;
		return;
	}
	if (gethostname(host, sizeof(host) - 1) == 0 && name_valid(host, &why)) {
		snprintf(cfg->name, sizeof(cfg->name), "%s", host);
		cfg->name_from_hostname = true;
	} else {
		config_msg(msgs, false, "command line", 0, 0,
			   "no name for this node: give -n NAME or 'name:' in peer.yaml");
	}
}

/* The address inside the subnet, neither its network nor its broadcast address. */
static void self_address(const struct config *cfg, struct config_msgs *msgs)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8];
	/* blame the line of peer.yaml that gave the address, or -a */
	const char *where = cfg->wg_ip_line ? cfg->peer_path : "command line";

	addr_fmt(&cfg->wg_ip, a, sizeof(a));
	prefix_fmt(&cfg->subnet, p, sizeof(p));
	if (!prefix_contains(&cfg->subnet, &cfg->wg_ip))
		config_msg(msgs, false, where, cfg->wg_ip_line, cfg->wg_ip_col,
			   "this node's wgIp %s is outside subnet %s", a, p);
	else if (prefix_is_network_addr(&cfg->subnet, &cfg->wg_ip) ||
		 prefix_is_broadcast_addr(&cfg->subnet, &cfg->wg_ip))
		config_msg(msgs, false, where, cfg->wg_ip_line, cfg->wg_ip_col,
			   "this node's wgIp %s is the network or broadcast address of %s", a, p);
}

/*
 * Ports and noTransit: the command line or peer.yaml, else this node's
 * static entry in net.yaml, else the defaults of its address.
 */
static void self_ports(struct config *cfg, struct config_msgs *msgs)
{
	const struct config_static_peer *sp;

	for (size_t i = 0; i < cfg->n_peers; i++)
		if (addr_eq(&cfg->peers[i].wg_ip, &cfg->wg_ip))
			cfg->self_static = &cfg->peers[i];
	sp = cfg->self_static;
	if (!cfg->wg_port)
		cfg->wg_port = sp ? sp->wg_port : config_default_wg_port(&cfg->wg_ip);
	if (!cfg->admin_port)
		cfg->admin_port = sp ? sp->admin_port : config_default_admin_port(&cfg->wg_ip);
	if (sp && sp->no_transit)
		cfg->no_transit = true;
	/* the others reach this node at its static ports; other ones would strand it */
	if (sp && cfg->wg_port != sp->wg_port)
		config_msg(msgs, true, cfg->net_path, sp->wg_ip_line, sp->wg_ip_col,
			   "this node's endPoint port is %u, but it listens on WireGuard port %u",
			   sp->wg_port, cfg->wg_port);
	if (sp && cfg->admin_port != sp->admin_port)
		config_msg(msgs, true, cfg->net_path, sp->wg_ip_line, sp->wg_ip_col,
			   "this node's adminPort is %u, but it listens on admin port %u",
			   sp->admin_port, cfg->admin_port);
	if (cfg->wg_port == cfg->admin_port)
		config_msg(msgs, false, "command line", 0, 0,
			   "WireGuard port and admin port are both %u", cfg->wg_port);
}

/* Membership: the certificate against this node, as the others will check it. */
static void self_member(const struct config *cfg, struct config_msgs *msgs)
{
	struct config_member_ctx ctx = {
		.name = cfg->name_from_hostname ? "" : cfg->name,
		.wg_ip = cfg->has_wg_ip ? &cfg->wg_ip : NULL,
		.rt = &cfg->rt,
		.shared_key = cfg->has_shared_key ? cfg->shared_key : NULL,
		.now = (uint64_t)time(NULL),
		.net_path = cfg->net_path,
		.peer_path = cfg->peer_path,
		.peer_file_used = cfg->peer_file_used,
	};

	config_member_check(&cfg->mb, &ctx, msgs);
}

/* This node: a name, an address inside the subnet, ports, its static entry. */
static void finish_self(struct config *cfg, struct config_msgs *msgs)
{
	if (!cfg->ifname[0])
		snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", CONFIG_DEFAULT_IFNAME);
	self_name(cfg, msgs);
	self_member(cfg, msgs);
	if (!cfg->has_wg_ip) {
		config_msg(msgs, false, "command line", 0, 0,
			   "no address for this node: give -a ADDRESS or 'wgIp:' in peer.yaml");
		return;
	}
	if (!cfg->has_subnet)
		return;
	self_address(cfg, msgs);
	self_ports(cfg, msgs);
	{
		struct config_routes_ctx ctx = { cfg->has_subnet ? &cfg->subnet : NULL, cfg->name,
						 cfg->net_path, cfg->peer_path };
		config_routes_check(&cfg->rt, &ctx, msgs);
	}
}

int config_load(struct config *cfg, const struct config_cli *cli, struct config_msgs *msgs)
{
	const char *net = cli->net_path ? cli->net_path : CONFIG_NET_PATH;
	const char *peer = cli->peer_path ? cli->peer_path : CONFIG_PEER_PATH;
	unsigned before = msgs->n_errors;

	snprintf(cfg->peer_path, sizeof(cfg->peer_path), "%s", peer);
	load_file(cfg, net, true, msgs);
	/* peer.yaml is optional unless named on the command line */
	if (cli->peer_path || access(peer, F_OK) == 0) {
		if (load_file(cfg, peer, false, msgs) == 0)
			cfg->peer_file_used = true;
	}
	apply_cli(cfg, cli, msgs);
	finish_self(cfg, msgs);
	return msgs->n_errors > before ? -EINVAL : 0;
}

void config_print(const struct config *cfg, FILE *out)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8];

	fprintf(out, "network config:  %s\n", cfg->net_path);
	fprintf(out, "peer config:     %s\n", cfg->peer_file_used ? cfg->peer_path : "(none)");
	fprintf(out, "sharedKey:       %s\n", cfg->has_shared_key ? "set (32 bytes, not shown)" : "missing");
	fprintf(out, "subnet:          %s\n", prefix_fmt(&cfg->subnet, p, sizeof(p)));
	fprintf(out, "name:            %s%s\n", cfg->name,
		cfg->name_from_hostname ? " (from the host name)"
		: cfg->name_from_cert	? " (from the certificate)"
					: "");
	fprintf(out, "wgIp:            %s\n", addr_fmt(&cfg->wg_ip, a, sizeof(a)));
	fprintf(out, "interface:       %s (%s)\n", cfg->ifname,
		cfg->existing_interface ? "existing, used as it is" : "created and removed by wg_netmanager");
	fprintf(out, "mtu:             %u\n", cfg->mtu);
	if (cfg->lan_port)
		fprintf(out, "LAN discovery:   broadcast to port %u\n", cfg->lan_port);
	else
		fprintf(out, "LAN discovery:   off\n");
	fprintf(out, "direct idle:     %u s\n", cfg->direct_idle_s);
	fprintf(out, "max nodes:       %u\n", cfg->max_nodes);
	fprintf(out, "WireGuard port:  %u\n", cfg->wg_port);
	fprintf(out, "admin port:      %u\n", cfg->admin_port);
	fprintf(out, "transit:         %s\n", cfg->no_transit ? "no (never forwards others' traffic)" : "yes");
	config_routes_print(&cfg->rt, out);
	config_member_print(&cfg->mb, (uint64_t)time(NULL), out);
	fprintf(out, "static peers:    %zu\n", cfg->n_peers);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct config_static_peer *sp = &cfg->peers[i];
		bool v6 = strchr(sp->host, ':') != NULL;
		fprintf(out, "  %-15s endPoint %s%s%s:%u  adminPort %u%s%s\n",
			addr_fmt(&sp->wg_ip, a, sizeof(a)), v6 ? "[" : "", sp->host, v6 ? "]" : "",
			sp->wg_port, sp->admin_port, sp->no_transit ? "  noTransit" : "",
			sp == cfg->self_static ? "  (this node)" : "");
	}
}
