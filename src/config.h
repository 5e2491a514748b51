/*
 * Configuration: net.yaml (shared by all nodes) and peer.yaml (this node),
 * in the original wg_netmanager format, plus the command line on top.
 *
 * This is the schema: which keys there are, what their values mean, the
 * defaults, the command-line overrides and the checks that need the whole
 * configuration (addresses against the subnet, duplicates, this node's
 * ports). Reading a file and walking its YAML is yamlwalk's job; every
 * problem, from the files and the command line alike, goes to one struct
 * config_msgs as "file:line:col: message", never stopping at the first.
 * The parsers work on a buffer (fuzz target fuzz/fuzz_config.c).
 */
#ifndef WGNM_CONFIG_H
#define WGNM_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "config_member.h"
#include "config_routes.h"
#include "names.h"
#include "yamlwalk.h"

#define CONFIG_NET_PATH "/etc/wg_netmanager/network.yaml"
#define CONFIG_PEER_PATH "/etc/wg_netmanager/peer.yaml"
#define CONFIG_MAX_FILE (256 * 1024)
#define CONFIG_MAX_PEERS 1024
#define CONFIG_NAME_MAX 32
#define CONFIG_WG_PORT_BASE 50000
#define CONFIG_ADMIN_PORT_BASE 50500
#define CONFIG_DEFAULT_IFNAME "wg0"
#define CONFIG_DEFAULT_MTU 1420
#define CONFIG_DEFAULT_LAN_PORT 50400		/* LAN discovery broadcasts; 0: off */
#define CONFIG_DEFAULT_DIRECT_IDLE_S 120	/* idle NAT path: keepalive off after */
#define CONFIG_DEFAULT_MAX_NODES 4096		/* nodes held at most (MESH_MAX_NODES_DEFAULT) */
#define CONFIG_MAX_MAX_NODES 65535		/* a digest counts records in 16 bits */
/*
 * The widest overlay: a /8 (IPv4 and IPv6 alike). 10.0.0.0/8 is the
 * largest private IPv4 block and fd00::/8 all of locally assigned IPv6
 * ULA; a mesh of at most CONFIG_MAX_PEERS static peers never needs more,
 * and a wider subnet (a typo like /0 or /1) would take routes to a large
 * part of the internet into the tunnel.
 */
#define CONFIG_MIN_SUBNET_LEN 8

struct config_static_peer {
	char host[ENDPOINT_HOST_MAX + 1];	/* name or literal address */
	uint16_t wg_port;			/* the port of endPoint */
	uint16_t admin_port;
	struct addr wg_ip;
	bool no_transit;
	unsigned line;				/* of the list item, 1-based */
	unsigned wg_ip_line;			/* of its wgIp value */
	unsigned wg_ip_col;
};

/* What the command line says; zero/NULL means "not given". */
struct config_cli {
	const char *net_path;
	const char *peer_path;
	const char *ifname;
	const char *address;
	const char *name;
	bool existing;
	uint16_t wg_port;
	uint16_t admin_port;
	bool no_transit;
	struct config_routes_cli rt;	/* --route, --exit-node, --use-exit-node */
	struct config_member_cli mb;	/* --peer */
};

struct config {
	/* net.yaml */
	char net_path[256];
	uint8_t shared_key[32];
	bool has_shared_key;
	struct prefix subnet;
	bool has_subnet;
	uint16_t mtu;
	uint16_t lan_port;		/* network.lanPort */
	unsigned direct_idle_s;		/* network.directIdleSeconds */
	unsigned max_nodes;		/* network.maxNodes */
	struct config_static_peer *peers;
	size_t n_peers;

	/* this node: peer.yaml, then the command line */
	char peer_path[256];
	bool peer_file_used;
	char name[CONFIG_NAME_MAX + 1];
	bool name_from_hostname;
	struct addr wg_ip;
	bool has_wg_ip;
	unsigned wg_ip_line, wg_ip_col;	/* in peer.yaml; 0 if from the command line */
	char ifname[IFNAMSIZ];
	bool existing_interface;
	uint16_t wg_port;
	uint16_t admin_port;
	bool no_transit;
	struct config_routes rt;		/* subnet routes and exit nodes, both files */
	struct config_member mb;		/* CA, certificate, revocations, previous key, --peer */
	bool name_from_cert;			/* the name came from the certificate */
	const struct config_static_peer *self_static;	/* this node's peers[] entry */
};

void config_init(struct config *cfg);
/* Wipes the keys and frees the peer list and the revocations. NULL-safe. */
void config_free(struct config *cfg);

/*
 * Parse net.yaml from buf (label names it in messages). Fills cfg and adds
 * to msgs. Returns 0 if no error was added, else -EINVAL.
 */
int config_parse_network(struct config *cfg, const char *label, const char *buf,
			 size_t len, struct config_msgs *msgs);
int config_parse_peer(struct config *cfg, const char *label, const char *buf, size_t len,
		      struct config_msgs *msgs);

/*
 * Read a whole file (at most CONFIG_MAX_FILE bytes) into a NUL-terminated
 * malloc'd buffer. holds_secret (net.yaml, the shared key): refuse a file
 * others can write or that belongs to another user than root or us; warn
 * if others can read it (yamlwalk_read_file).
 */
int config_read_file(const char *path, bool holds_secret, char **buf, size_t *len,
		     struct config_msgs *msgs);

/*
 * The whole load: net.yaml, peer.yaml (if present or named), command line
 * overrides, defaults, and checks of this node. Returns 0 or -EINVAL; all
 * problems are in msgs.
 */
int config_load(struct config *cfg, const struct config_cli *cli, struct config_msgs *msgs);

/* Print the effective configuration, never the key. */
void config_print(const struct config *cfg, FILE *out);

/* Defaults of the original: 50000/50500 + last octet of wgIp. */
uint16_t config_default_wg_port(const struct addr *wg_ip);
uint16_t config_default_admin_port(const struct addr *wg_ip);

#endif
