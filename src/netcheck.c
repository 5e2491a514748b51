/* netcheck: see netcheck.h. */
#include "netcheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const nat_names[NETCHECK_NAT__COUNT] = {
	[NETCHECK_NAT_UNKNOWN] = "unknown",
	[NETCHECK_NAT_NONE] = "none",
	[NETCHECK_NAT_KEEPS_PORT] = "keeps-port",
	[NETCHECK_NAT_INDEPENDENT] = "endpoint-independent",
	[NETCHECK_NAT_RANDOM] = "randomises",
};

const char *netcheck_nat_name(enum netcheck_nat n)
{
	return (unsigned)n < NETCHECK_NAT__COUNT ? nat_names[n] : "unknown";
}

static bool in_v4(const struct addr *a, uint8_t b0, uint8_t b1, uint8_t mask1)
{
	return a->b[12] == b0 && (a->b[13] & mask1) == b1;
}

const char *netcheck_scope(const struct addr *a)
{
	if (addr_is_v4(a)) {
		if (a->b[12] == 10 || in_v4(a, 172, 16, 0xf0) || in_v4(a, 192, 168, 0xff))
			return "private";
		if (in_v4(a, 100, 64, 0xc0))
			return "shared";
		return "public";
	}
	if ((a->b[0] & 0xe0) == 0x20)
		return "global";
	if ((a->b[0] & 0xfe) == 0xfc)
		return "unique-local";
	return "other";
}

static bool is_ours(const struct status_snapshot *s, const struct addr *a)
{
	for (size_t i = 0; i < s->n_local; i++)
		if (addr_eq(&s->local[i].addr, a))
			return true;
	return false;
}

/* A neighbour whose reports count: up now, and not on one of our LANs. */
static bool counts(const struct status_node *n)
{
	return n->path != STATUS_PATH_SELF && n->adjacent && !n->on_our_lan &&
	       n->has_observed_wg;
}

static void add_port(struct netcheck *v, uint16_t port)
{
	for (size_t i = 0; i < v->n_ports; i++)
		if (v->ports[i] == port)
			return;
	if (v->n_ports < NETCHECK_MAX_PORTS)
		v->ports[v->n_ports++] = port;
}

static void families(const struct status_snapshot *s, struct netcheck *v)
{
	for (size_t i = 0; i < s->n_local; i++) {
		const struct addr *a = &s->local[i].addr;

		if (addr_is_v4(a))
			v->has_ipv4 = true;
		else if (strcmp(netcheck_scope(a), "other") != 0)
			v->has_ipv6 = true;
	}
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];
		bool v4, v6;

		if (n->path == STATUS_PATH_SELF || !n->adjacent)
			continue;
		v4 = (n->has_observed_wg && addr_is_v4(&n->observed_wg.addr)) ||
		     (n->has_observed_admin && addr_is_v4(&n->observed_admin.addr));
		v6 = (n->has_observed_wg && !addr_is_v4(&n->observed_wg.addr)) ||
		     (n->has_observed_admin && !addr_is_v4(&n->observed_admin.addr));
		v->reached_ipv4 += v4;
		v->reached_ipv6 += v6;
	}
}

void netcheck_evaluate(const struct status_snapshot *s, struct netcheck *v)
{
	size_t natted = 0;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];

		if (!counts(n))
			continue;
		v->reports++;
		if (is_ours(s, &n->observed_wg.addr)) {
			v->direct_reports++;
			if (!natted)
				v->seen = n->observed_wg;
			continue;
		}
		if (!natted++)
			v->seen = n->observed_wg;
		add_port(v, n->observed_wg.port);
	}
	if (!v->reports)
		v->nat = NETCHECK_NAT_UNKNOWN;
	else if (!natted)
		v->nat = NETCHECK_NAT_NONE;
	else if (v->n_ports == 1 && v->ports[0] == s->wg_port)
		v->nat = NETCHECK_NAT_KEEPS_PORT;
	else if (v->n_ports == 1 && natted > 1)
		v->nat = NETCHECK_NAT_INDEPENDENT;
	else /* ports that differ by neighbour, or one neighbour and another port than ours */
		v->nat = NETCHECK_NAT_RANDOM;
	families(s, v);
}

/* "1 neighbour", "3 neighbours". */
static const char *neighbours(size_t k, char *buf, size_t len)
{
	snprintf(buf, len, "%zu neighbour%s", k, k == 1 ? "" : "s");
	return buf;
}

/* The NAT line's explanation, after "NAT: ". */
static void nat_text(const struct status_snapshot *s, const struct netcheck *v, char *buf,
		     size_t len)
{
	char ep[ENDPOINT_STRLEN], ports[8 * NETCHECK_MAX_PORTS] = "", n[32];
	size_t natted = v->reports - v->direct_reports;

	endpoint_fmt(&v->seen, ep, sizeof(ep));
	for (size_t i = 0, used = 0; i < v->n_ports; i++) {
		int w = snprintf(ports + used, sizeof(ports) - used, "%s%u", i ? ", " : "",
				 (unsigned)v->ports[i]);
		if (w > 0 && used + (size_t)w < sizeof(ports))
			used += (size_t)w;
	}
	switch (v->nat) {
	case NETCHECK_NAT_UNKNOWN:
	case NETCHECK_NAT__COUNT:
		snprintf(buf, len, "unknown: no neighbour outside our LANs has reported our "
			 "WireGuard endpoint yet");
		break;
	case NETCHECK_NAT_NONE:
		snprintf(buf, len, "none: %s outside our LANs %s our own address %s",
			 neighbours(v->reports, n, sizeof(n)), v->reports == 1 ? "sees" : "see", ep);
		break;
	case NETCHECK_NAT_KEEPS_PORT:
		snprintf(buf, len, "keeps the port (endpoint-independent): %s outside our LANs %s "
			 "%s, our port %u", neighbours(natted, n, sizeof(n)),
			 natted == 1 ? "sees" : "see", ep, (unsigned)s->wg_port);
		break;
	case NETCHECK_NAT_INDEPENDENT:
		snprintf(buf, len, "endpoint-independent, another port: %zu neighbours outside our "
			 "LANs all see %s (our port %u)", natted, ep, (unsigned)s->wg_port);
		break;
	case NETCHECK_NAT_RANDOM:
		if (v->n_ports > 1)
			snprintf(buf, len, "randomises the port: neighbours outside our LANs see "
				 "ports %s (our port %u); direct paths through it are unlikely",
				 ports, (unsigned)s->wg_port);
		else
			snprintf(buf, len, "randomises the port: the one neighbour outside our LANs "
				 "sees %s, not our port %u; direct paths through it are unlikely",
				 ep, (unsigned)s->wg_port);
		break;
	}
}

static void family_text(const char *fam, bool has, size_t reached, bool v6, char *buf,
			size_t len)
{
	const char *addr = has ? "an address" : v6 ? "no global or unique-local address"
					  : "no address";

	char n[32];

	if (reached)
		snprintf(buf, len, "%s: yes: %s, %s %s us over %s", fam, addr,
			 neighbours(reached, n, sizeof(n)), reached == 1 ? "reaches" : "reach", fam);
	else
		snprintf(buf, len, "%s: %s: %s, no neighbour reaches us over %s", fam,
			 has ? "unused" : "no", addr, fam);
}

/* The neighbour's name for "as beta sees it", or its address. */
static const char *name_of(const struct status_snapshot *s, const struct addr *id, char *buf,
			   size_t len)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (addr_eq(&s->nodes[i].id, id))
			return s->nodes[i].name;
	return addr_fmt(id, buf, len);
}

void netcheck_format_text(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8], ep[ENDPOINT_STRLEN], ep2[ENDPOINT_STRLEN];
	char line[256];
	size_t w_name = 9, w_addr = 7, listed = 0;
	struct netcheck v;

	netcheck_evaluate(s, &v);
	status_buf_printf(b, "netcheck: %s %s on %s (WireGuard port %u, admin port %u)\n", s->name,
			  addr_fmt(&s->id, a, sizeof(a)), s->ifname, (unsigned)s->wg_port,
			  (unsigned)s->admin_port);
	status_buf_printf(b, "underlay addresses:");
	for (size_t i = 0; i < s->n_local; i++)
		status_buf_printf(b, " %s (%s)", prefix_fmt(&s->local[i], p, sizeof(p)),
				  netcheck_scope(&s->local[i].addr));
	status_buf_printf(b, "%s\n", s->n_local ? "" : " none known");
	if (s->has_reflexive)
		status_buf_printf(b, "published WireGuard endpoint: %s (as %s reports it)\n",
				  endpoint_fmt(&s->reflexive, ep, sizeof(ep)),
				  name_of(s, &s->reflexive_from, a, sizeof(a)));
	else
		status_buf_printf(b, "published WireGuard endpoint: none yet\n");
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];

		if (n->path == STATUS_PATH_SELF || !n->adjacent)
			continue;
		if (strlen(n->name) > w_name)
			w_name = strlen(n->name);
		if (strlen(addr_fmt(&n->id, a, sizeof(a))) > w_addr)
			w_addr = strlen(a);
		listed++;
	}
	if (!listed) {
		status_buf_printf(b, "no neighbour is up: nothing reported\n");
	} else {
		status_buf_printf(b, "%-*s  %-*s  %-6s  %-21s  %s\n", (int)w_name, "NEIGHBOUR",
				  (int)w_addr, "ADDRESS", "WHERE", "OUR WIREGUARD ENDPOINT",
				  "OUR ADMIN ENDPOINT");
		for (size_t i = 0; i < s->n_nodes; i++) {
			const struct status_node *n = &s->nodes[i];

			if (n->path == STATUS_PATH_SELF || !n->adjacent)
				continue;
			status_buf_printf(b, "%-*s  %-*s  %-6s  %-21s  %s\n", (int)w_name, n->name,
					  (int)w_addr, addr_fmt(&n->id, a, sizeof(a)),
					  n->on_our_lan ? "LAN" : "remote",
					  n->has_observed_wg
						  ? endpoint_fmt(&n->observed_wg, ep, sizeof(ep))
						  : "-",
					  n->has_observed_admin
						  ? endpoint_fmt(&n->observed_admin, ep2, sizeof(ep2))
						  : "-");
		}
	}
	nat_text(s, &v, line, sizeof(line));
	status_buf_printf(b, "NAT: %s\n", line);
	family_text("IPv4", v.has_ipv4, v.reached_ipv4, false, line, sizeof(line));
	status_buf_printf(b, "%s\n", line);
	family_text("IPv6", v.has_ipv6, v.reached_ipv6, true, line, sizeof(line));
	status_buf_printf(b, "%s\n", line);
}

void netcheck_format_json(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN], ep[ENDPOINT_STRLEN], line[256];
	bool first = true, any = false;
	struct netcheck v;

	netcheck_evaluate(s, &v);
	status_buf_printf(b, "{\n  \"version\": %d,\n  \"interface\": ", NETCHECK_JSON_VERSION);
	status_json_str(b, s->ifname);
	status_buf_printf(b, ",\n  \"node\": {");
	status_json_kstr(b, &first, "name", true, s->name);
	status_json_kstr(b, &first, "address", true, addr_fmt(&s->id, a, sizeof(a)));
	status_buf_printf(b, "},\n  \"wg_port\": %u,\n  \"admin_port\": %u,\n  \"addresses\": [",
			  (unsigned)s->wg_port, (unsigned)s->admin_port);
	for (size_t i = 0; i < s->n_local; i++) {
		first = true;
		status_buf_printf(b, "%s{", i ? ", " : "");
		status_json_kstr(b, &first, "address", true,
				 addr_fmt(&s->local[i].addr, a, sizeof(a)));
		status_json_ku64(b, &first, "prefix_len", true, s->local[i].len);
		status_json_kstr(b, &first, "family", true,
				 addr_is_v4(&s->local[i].addr) ? "ipv4" : "ipv6");
		status_json_kstr(b, &first, "scope", true, netcheck_scope(&s->local[i].addr));
		status_buf_printf(b, "}");
	}
	status_buf_printf(b, "],\n  \"reflexive\": ");
	if (s->has_reflexive) {
		const struct status_node *by = status_find_id(s, &s->reflexive_from);
		const char *from = by ? by->name : NULL;

		first = true;
		status_buf_printf(b, "{");
		status_json_kstr(b, &first, "endpoint", true,
				 endpoint_fmt(&s->reflexive, ep, sizeof(ep)));
		status_json_kstr(b, &first, "from", from != NULL, from);
		status_json_kstr(b, &first, "from_address", true,
				 addr_fmt(&s->reflexive_from, a, sizeof(a)));
		status_buf_printf(b, "}");
	} else {
		status_buf_printf(b, "null");
	}
	status_buf_printf(b, ",\n  \"neighbours\": [");
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];

		if (n->path == STATUS_PATH_SELF || !n->adjacent)
			continue;
		first = true;
		status_buf_printf(b, "%s\n    {", any ? "," : "");
		any = true;
		status_json_kstr(b, &first, "name", true, n->name);
		status_json_kstr(b, &first, "address", true, addr_fmt(&n->id, a, sizeof(a)));
		status_json_kbool(b, &first, "lan", n->on_our_lan);
		status_json_kstr(b, &first, "wg_endpoint", n->has_observed_wg,
				 endpoint_fmt(&n->observed_wg, ep, sizeof(ep)));
		status_json_kstr(b, &first, "admin_endpoint", n->has_observed_admin,
				 endpoint_fmt(&n->observed_admin, ep, sizeof(ep)));
		status_buf_printf(b, "}");
	}
	status_buf_printf(b, "%s],\n  \"nat\": {", any ? "\n  " : "");
	first = true;
	status_json_kstr(b, &first, "verdict", true, netcheck_nat_name(v.nat));
	status_json_ku64(b, &first, "reports", true, v.reports);
	status_json_key(b, &first, "ports");
	status_buf_printf(b, "[");
	for (size_t i = 0; i < v.n_ports; i++)
		status_buf_printf(b, "%s%u", i ? ", " : "", (unsigned)v.ports[i]);
	status_buf_printf(b, "]");
	nat_text(s, &v, line, sizeof(line));
	status_json_kstr(b, &first, "summary", true, line);
	status_buf_printf(b, "},\n  \"ipv4\": {\"address\": %s, \"reached_by\": %zu},\n"
			  "  \"ipv6\": {\"address\": %s, \"reached_by\": %zu}\n}\n",
			  v.has_ipv4 ? "true" : "false", v.reached_ipv4,
			  v.has_ipv6 ? "true" : "false", v.reached_ipv6);
}
