/*
 * Configuration loading; see config.h for the model.
 *
 * The YAML is loaded as a libyaml document (a node tree with marks) and
 * walked against a small schema: each mapping lists its known keys, so
 * unknown keys get a warning naming the closest known one and duplicate
 * keys an error.
 *
 * Hostile input is bounded before the tree is built: a first pass over
 * libyaml's events refuses nesting deeper than CONFIG_MAX_DEPTH (libyaml's
 * scanner is quadratic in the depth of flow collections), aliases of lists
 * and mappings (so no node is walked twice: no alias bombs, no cycles) and
 * stops at a second document. Mappings longer than CONFIG_MAX_KEYS are not
 * walked, which keeps the duplicate-key check small.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <yaml.h>

#include "wire/seal.h"

void config_msgs_init(struct config_msgs *m)
{
	memset(m, 0, sizeof(*m));
}

void config_msg(struct config_msgs *m, bool warning, const char *file, unsigned line,
		unsigned col, const char *fmt, ...)
{
	if (warning)
		m->n_warnings++;
	else
		m->n_errors++;
	if (m->n_stored >= CONFIG_MSGS_MAX) {
		m->n_dropped++;
		return;
	}
	char *out = m->msg[m->n_stored].text;
	const char *sev = warning ? "warning: " : "";
	int n;
	if (file && line)
		n = snprintf(out, CONFIG_MSG_LEN, "%s:%u:%u: %s", file, line, col, sev);
	else if (file)
		n = snprintf(out, CONFIG_MSG_LEN, "%s: %s", file, sev);
	else
		n = snprintf(out, CONFIG_MSG_LEN, "%s", sev);
	if (n < 0)
		n = 0;
	if ((size_t)n < CONFIG_MSG_LEN) {
		/* the body goes straight after the location; long ones are cut */
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(out + n, CONFIG_MSG_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	m->msg[m->n_stored].warning = warning;
	m->n_stored++;
}

void config_msgs_print(const struct config_msgs *m, FILE *out)
{
	for (unsigned i = 0; i < m->n_stored; i++)
		fprintf(out, "%s\n", m->msg[i].text);
	if (m->n_dropped)
		fprintf(out, "... and %u more\n", m->n_dropped);
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = CONFIG_DEFAULT_MTU;
	cfg->lan_port = CONFIG_DEFAULT_LAN_PORT;
	cfg->direct_idle_s = CONFIG_DEFAULT_DIRECT_IDLE_S;
	cfg->max_nodes = CONFIG_DEFAULT_MAX_NODES;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	sodium_memzero(cfg->shared_key, sizeof(cfg->shared_key));
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

bool config_name_valid(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_NAME_MAX) {
		*why = "a name has 1 to 32 characters";
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
			*why = "a name may hold only letters, digits, '-', '_' and '.'";
			return false;
		}
	}
	return true;
}

bool config_ifname_valid(const char *ifname, const char **why)
{
	size_t n = strlen(ifname);

	if (n == 0 || n >= IFNAMSIZ) {
		*why = "an interface name has 1 to 15 characters";
		return false;
	}
	if (strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0 ||
	    strpbrk(ifname, "/: \t\n")) {
		*why = "an interface name may not be '.', '..' or hold '/', ':' or spaces";
		return false;
	}
	return true;
}

/* ---- YAML walking ---- */

struct walk {
	yaml_document_t *doc;
	const char *label;
	struct config_msgs *msgs;
	struct config *cfg;
};

static unsigned mark_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

static unsigned mark_col(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.column + 1;
}

#define AT(w, warn, node, ...) \
	config_msg((w)->msgs, warn, (w)->label, mark_line(node), mark_col(node), __VA_ARGS__)

/* A plain empty, '~' or 'null' scalar: "key:" with nothing after it. */
static bool is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return is_null(n) ? "an empty value" : "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

/*
 * Scalars with NULs or control characters (C0, DEL and, UTF-8 encoded, C1:
 * they could drive a terminal when a message quotes the value) are refused.
 */
static const char *scalar(const struct walk *w, const yaml_node_t *n, const char *key)
{
	const unsigned char *s;
	size_t len;

	if (n->type != YAML_SCALAR_NODE) {
		AT(w, false, n, "%s must be a single value, not %s", key, kind_name(n));
		return NULL;
	}
	if (is_null(n)) {
		AT(w, false, n, "%s has no value", key);
		return NULL;
	}
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (strlen((const char *)s) != len) {
		AT(w, false, n, "%s holds a NUL byte", key);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)) {
			AT(w, false, n, "%s holds a control character", key);
			return NULL;
		}
	}
	return (const char *)s;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool scalar_bool(const struct walk *w, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(w, n, key);

	if (!s)
		return false;
	if (!parse_bool(s, out)) {
		AT(w, false, n, "%s must be true or false, not '%s'", key, s);
		return false;
	}
	return true;
}

static bool scalar_port(const struct walk *w, const yaml_node_t *n, const char *key,
			uint16_t *out)
{
	const char *s = scalar(w, n, key);

	if (!s)
		return false;
	if (port_parse(s, out) < 0) {
		AT(w, false, n, "%s must be a port number from 1 to 65535, not '%.40s'", key, s);
		return false;
	}
	return true;
}

static bool scalar_uint(const struct walk *w, const yaml_node_t *n, const char *key,
			unsigned min, unsigned max, unsigned *out)
{
	const char *s = scalar(w, n, key);
	unsigned long v;
	char *end;

	if (!s)
		return false;
	errno = 0;
	v = s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
	if (s[0] < '0' || s[0] > '9' || errno || *end || v < min || v > max) {
		AT(w, false, n, "%s must be a number from %u to %u, not '%.40s'", key, min, max, s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[40];
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 39 || lb >= 39)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known word nearest to key, or NULL if none is near enough to suggest. */
const char *config_closest_word(const char *key, const char *const *known)
{
	const char *best = known[0];
	unsigned best_d = edit_distance(key, best);
	size_t len = strlen(key);

	for (size_t i = 1; known[i]; i++) {
		unsigned d = edit_distance(key, known[i]);
		if (d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best_d <= 2 || best_d <= len / 3 ? best : NULL;
}

static void warn_unknown_key(struct walk *w, const yaml_node_t *k, const char *key,
			     const char *what, const char *const *known)
{
	const char *best = config_closest_word(key, known);
	char list[128] = "";
	size_t off = 0;

	if (best) {
		AT(w, true, k, "unknown key '%.40s' in %s ignored (did you mean '%s'?)", key, what,
		   best);
		return;
	}
	for (size_t i = 0; known[i] && off < sizeof(list); i++) {
		int n = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", known[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	AT(w, true, k, "unknown key '%.40s' in %s ignored (known keys: %s)", key, what, list);
}

typedef void key_handler(struct walk *w, const char *key, yaml_node_t *value, void *arg);

/*
 * Walk a mapping: reject non-scalar and duplicate keys, warn about unknown
 * ones, hand known ones to the handler. Returns false if n is no mapping.
 */
static bool walk_mapping(struct walk *w, yaml_node_t *n, const char *what,
			 const char *const *known, key_handler *handle, void *arg)
{
	yaml_node_pair_t *p, *q;

	if (n->type != YAML_MAPPING_NODE) {
		AT(w, false, n, "%s must be a mapping (key: value), not %s", what, kind_name(n));
		return false;
	}
	if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > CONFIG_MAX_KEYS) {
		AT(w, false, n, "%s has %td keys; at most %d are allowed", what,
		   n->data.mapping.pairs.top - n->data.mapping.pairs.start, CONFIG_MAX_KEYS);
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		const char *key;
		bool dup = false, found = false;

		if (!k || !v)
			continue;
		key = scalar(w, k, "a key");
		if (!key)
			continue;
		for (q = n->data.mapping.pairs.start; q < p && !dup; q++) {
			yaml_node_t *k2 = yaml_document_get_node(w->doc, q->key);
			dup = k2 && k2->type == YAML_SCALAR_NODE &&
			      strcmp((const char *)k2->data.scalar.value, key) == 0;
		}
		if (dup) {
			AT(w, false, k, "duplicate key '%.40s' in %s", key, what);
			continue;
		}
		for (size_t i = 0; known[i] && !found; i++)
			found = strcmp(known[i], key) == 0;
		if (!found) {
			warn_unknown_key(w, k, key, what, known);
			continue;
		}
		handle(w, key, v, arg);
	}
	return true;
}

/* Find a required key's node for "missing" messages; NULL if absent. */
static bool has_key(const struct walk *w, const yaml_node_t *map, const char *key)
{
	const yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return true; /* already reported as a type error */
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return true;
	}
	return false;
}

static void require_keys(struct walk *w, const yaml_node_t *map, const char *what,
			 const char *const *required)
{
	for (size_t i = 0; required[i]; i++)
		if (!has_key(w, map, required[i]))
			AT(w, false, map, "%s lacks the required key '%s'", what, required[i]);
}

/* ---- net.yaml ---- */

static void on_network_key(struct walk *w, const char *key, yaml_node_t *v, void *arg)
{
	struct config *cfg = w->cfg;
	const char *s;
	int r;

	(void)arg;
	if (strcmp(key, "sharedKey") == 0) {
		s = scalar(w, v, "sharedKey");
		if (!s)
			return;
		r = seal_key_from_base64(cfg->shared_key, s);
		/* libyaml's copy of the key text goes now (the rest: wipe_document) */
		sodium_memzero(v->data.scalar.value, v->data.scalar.length);
		if (r < 0) {
			AT(w, false, v, "sharedKey must be 32 bytes in base64 (make one with "
					"'wg_netmanager genkey' or 'wg genkey')");
			return;
		}
		cfg->has_shared_key = true;
	} else if (strcmp(key, "subnet") == 0) {
		bool host_bits = false;

		s = scalar(w, v, "subnet");
		if (!s)
			return;
		if (prefix_parse(&cfg->subnet, s, &host_bits) < 0) {
			AT(w, false, v, "subnet '%.60s' is not a CIDR prefix like 10.1.1.0/24", s);
			return;
		}
		if (cfg->subnet.len == (addr_is_v4(&cfg->subnet.addr) ? 32 : 128)) {
			AT(w, false, v, "subnet '%.60s' holds a single address; it needs room for nodes",
			   s);
			return;
		}
		if (cfg->subnet.len < CONFIG_MIN_SUBNET_LEN) {
			AT(w, false, v, "subnet '%.60s' is too wide: at most a /%d (like 10.0.0.0/8); "
			   "a wider one would route others' networks into the mesh", s,
			   CONFIG_MIN_SUBNET_LEN);
			return;
		}
		cfg->has_subnet = true;
		if (host_bits) {
			char norm[ADDR_STRLEN + 8];
			AT(w, true, v, "subnet '%.60s' has host bits set; using %s", s,
			   prefix_fmt(&cfg->subnet, norm, sizeof(norm)));
		}
	} else if (strcmp(key, "mtu") == 0) {
		unsigned mtu;
		if (scalar_uint(w, v, "mtu", 1280, 9000, &mtu))
			cfg->mtu = (uint16_t)mtu;
	} else if (strcmp(key, "lanPort") == 0) {
		unsigned port;
		if (scalar_uint(w, v, "lanPort", 0, 65535, &port))
			cfg->lan_port = (uint16_t)port;
	} else if (strcmp(key, "directIdleSeconds") == 0) {
		unsigned secs;
		if (scalar_uint(w, v, "directIdleSeconds", 1, 86400, &secs))
			cfg->direct_idle_s = secs;
	} else if (strcmp(key, "maxNodes") == 0) {
		unsigned n;
		if (scalar_uint(w, v, "maxNodes", 2, CONFIG_MAX_MAX_NODES, &n))
			cfg->max_nodes = n;
	}
}

struct peer_walk {
	struct config_static_peer *p;
	bool has_endpoint, has_wg_ip, has_admin_port, ok;
};

static void on_peer_key(struct walk *w, const char *key, yaml_node_t *v, void *arg)
{
	struct peer_walk *pw = arg;
	const char *s;

	if (strcmp(key, "endPoint") == 0) {
		const char *why = "";
		s = scalar(w, v, "endPoint");
		if (!s) {
			pw->ok = false;
			return;
		}
		if (endpoint_split(s, pw->p->host, sizeof(pw->p->host), &pw->p->wg_port, &why) < 0) {
			AT(w, false, v, "endPoint '%.60s': %s", s, why);
			pw->ok = false;
			return;
		}
		pw->has_endpoint = true;
	} else if (strcmp(key, "adminPort") == 0) {
		if (scalar_port(w, v, "adminPort", &pw->p->admin_port))
			pw->has_admin_port = true;
		else
			pw->ok = false;
	} else if (strcmp(key, "wgIp") == 0) {
		s = scalar(w, v, "wgIp");
		if (!s || addr_parse(&pw->p->wg_ip, s) < 0) {
			if (s)
				AT(w, false, v, "wgIp '%.60s' is not an IP address", s);
			pw->ok = false;
			return;
		}
		pw->p->wg_ip_line = mark_line(v);
		pw->p->wg_ip_col = mark_col(v);
		pw->has_wg_ip = true;
	} else if (strcmp(key, "noTransit") == 0) {
		if (!scalar_bool(w, v, "noTransit", &pw->p->no_transit))
			pw->ok = false;
	}
}

static void parse_peers(struct walk *w, yaml_node_t *seq)
{
	static const char *const known[] = { "endPoint", "adminPort", "wgIp", "noTransit", NULL };
	static const char *const required[] = { "endPoint", "wgIp", NULL };
	struct config *cfg = w->cfg;
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE) {
		AT(w, false, seq, "peers must be a list, not %s", kind_name(seq));
		return;
	}
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > CONFIG_MAX_PEERS) {
		AT(w, false, seq, "peers lists %zu entries; at most %d are supported", n,
		   CONFIG_MAX_PEERS);
		return;
	}
	free(cfg->peers);
	cfg->peers = calloc(n ? n : 1, sizeof(*cfg->peers));
	cfg->n_peers = 0;
	if (!cfg->peers) {
		AT(w, false, seq, "out of memory");
		return;
	}
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(w->doc, *it);
		struct peer_walk pw = { .p = &cfg->peers[cfg->n_peers], .ok = true };

		if (!item)
			continue;
		memset(pw.p, 0, sizeof(*pw.p));
		pw.p->line = mark_line(item);
		if (!walk_mapping(w, item, "a peers entry", known, on_peer_key, &pw))
			continue;
		require_keys(w, item, "this peers entry", required);
		/*
		 * An entry with an error elsewhere stays in the list if it has an
		 * address, so check_peers still reports a wgIp outside the subnet or
		 * a duplicate; the errors make the whole load fail anyway.
		 */
		if (!pw.has_wg_ip)
			continue;
		if (!pw.has_admin_port)
			pw.p->admin_port = config_default_admin_port(&pw.p->wg_ip);
		cfg->n_peers++;
	}
}

static void on_top_key(struct walk *w, const char *key, yaml_node_t *v, void *arg)
{
	static const char *const known[] = { "sharedKey",	  "subnet",   "mtu", "lanPort",
					     "directIdleSeconds", "maxNodes", NULL };
	static const char *const required[] = { "sharedKey", "subnet", NULL };

	(void)arg;
	if (strcmp(key, "network") == 0) {
		if (walk_mapping(w, v, "network", known, on_network_key, NULL))
			require_keys(w, v, "network", required);
	} else if (strcmp(key, "peers") == 0) {
		parse_peers(w, v);
	}
}

/* Checks that need the whole file: addresses against the subnet, duplicates. */
static void check_peers(struct walk *w)
{
	const struct config *cfg = w->cfg;
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8];

	for (size_t i = 0; i < cfg->n_peers && cfg->has_subnet; i++) {
		const struct config_static_peer *sp = &cfg->peers[i];
		unsigned line = sp->wg_ip_line, col = sp->wg_ip_col;

		addr_fmt(&sp->wg_ip, a, sizeof(a));
		if (!prefix_contains(&cfg->subnet, &sp->wg_ip))
			config_msg(w->msgs, false, w->label, line, col,
				   "wgIp %s is outside subnet %s", a,
				   prefix_fmt(&cfg->subnet, p, sizeof(p)));
		else if (prefix_is_network_addr(&cfg->subnet, &sp->wg_ip))
			config_msg(w->msgs, false, w->label, line, col,
				   "wgIp %s is the network address of subnet %s", a,
				   prefix_fmt(&cfg->subnet, p, sizeof(p)));
		else if (prefix_is_broadcast_addr(&cfg->subnet, &sp->wg_ip))
			config_msg(w->msgs, false, w->label, line, col,
				   "wgIp %s is the broadcast address of subnet %s", a,
				   prefix_fmt(&cfg->subnet, p, sizeof(p)));
		for (size_t j = 0; j < i; j++) {
			if (addr_eq(&cfg->peers[j].wg_ip, &sp->wg_ip)) {
				config_msg(w->msgs, false, w->label, line, col,
					   "duplicate wgIp %s (also at line %u)", a,
					   cfg->peers[j].wg_ip_line);
				break;
			}
		}
	}
}

/* libyaml's reader reports a byte offset, not a mark: count lines and characters. */
static void offset_to_mark(const char *buf, size_t len, size_t off, unsigned *line,
			   unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The byte at a 1-based line and (character) column, or 0. */
static char char_at(const char *buf, size_t len, unsigned line, unsigned col)
{
	size_t i = 0;

	for (unsigned l = 1; l < line; l++) {
		const char *nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			return 0;
		i = (size_t)(nl - buf) + 1;
	}
	for (unsigned c = 1; i < len && buf[i] != '\n'; i++) {
		if (((unsigned char)buf[i] & 0xc0) == 0x80)
			continue;
		if (c++ == col)
			return buf[i];
	}
	return 0;
}

static void yaml_error(struct walk *w, const yaml_parser_t *parser, const char *buf, size_t len)
{
	const char *problem = parser->problem ? parser->problem : "unknown problem";
	unsigned line, col;

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		config_msg(w->msgs, false, w->label, 0, 0, "out of memory");
		return;
	case YAML_READER_ERROR:
		offset_to_mark(buf, len, parser->problem_offset, &line, &col);
		if (parser->problem_value < 0)
			config_msg(w->msgs, false, w->label, line, col, "YAML error: %s", problem);
		else if (strstr(problem, "UTF-8"))
			config_msg(w->msgs, false, w->label, line, col,
				   "YAML error: %s (byte 0x%02x); the file must be UTF-8 text",
				   problem, (unsigned)parser->problem_value & 0xff);
		else
			config_msg(w->msgs, false, w->label, line, col, "YAML error: %s (U+%04X)",
				   problem, (unsigned)parser->problem_value);
		return;
	case YAML_NO_ERROR:
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
	case YAML_COMPOSER_ERROR:
	case YAML_WRITER_ERROR:
	case YAML_EMITTER_ERROR:
		break;
	}
	line = (unsigned)parser->problem_mark.line + 1;
	col = (unsigned)parser->problem_mark.column + 1;
	if (char_at(buf, len, line, col) == '\t')
		config_msg(w->msgs, false, w->label, line, col,
			   "YAML error: a tab character; YAML indents with spaces only");
	else if (parser->context && (parser->context_mark.line != parser->problem_mark.line ||
				     parser->context_mark.column != parser->problem_mark.column))
		config_msg(w->msgs, false, w->label, line, col,
			   "YAML error: %s %s started at %u:%u", problem, parser->context,
			   (unsigned)parser->context_mark.line + 1,
			   (unsigned)parser->context_mark.column + 1);
	else if (parser->context)
		config_msg(w->msgs, false, w->label, line, col, "YAML error: %s %s", problem,
			   parser->context);
	else
		config_msg(w->msgs, false, w->label, line, col, "YAML error: %s", problem);
}

#define MAX_COLLECTION_ANCHORS 64

/*
 * net.yaml holds the shared key: libyaml's copies of the text go before
 * libyaml frees them (yaml_free does not wipe). Reached are the parser's
 * input buffers, tokens still queued after an error, every scalar of an
 * event and of the document. Not reached: the scanner's growing string
 * buffers, which realloc may leave behind in freed memory (the daemon is
 * not dumpable, so a core dump shows none of it).
 */
static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start)
		sodium_memzero(p->raw_buffer.start,
			       (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start)
		sodium_memzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
	for (yaml_token_t *t = p->tokens.head; t && t < p->tokens.tail; t++)
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value)
			sodium_memzero(t->data.scalar.value, t->data.scalar.length);
}

static void wipe_event(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		sodium_memzero(ev->data.scalar.value, ev->data.scalar.length);
}

static void wipe_document(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			sodium_memzero(n->data.scalar.value, n->data.scalar.length);
}

/*
 * First pass over the events: syntax errors, nesting depth, aliases of
 * collections, a second document (its location goes to *second_line/col, to
 * be reported after the first document's messages). Returns false if the
 * tree must not be built.
 */
static bool precheck(struct walk *w, const char *buf, size_t len, unsigned *second_line,
		     unsigned *second_col)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	char *anchors[MAX_COLLECTION_ANCHORS];
	size_t n_anchors = 0;
	unsigned depth = 0, docs = 0, before = w->msgs->n_errors;
	bool done = false;

	*second_line = *second_col = 0;
	if (!yaml_parser_initialize(&parser)) {
		config_msg(w->msgs, false, w->label, 0, 0, "out of memory");
		return false;
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		const char *anchor = NULL;
		unsigned line, col;

		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_error(w, &parser, buf, len);
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		col = (unsigned)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				*second_line = line;
				*second_col = col;
				done = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = ev.type == YAML_SEQUENCE_START_EVENT
					 ? (const char *)ev.data.sequence_start.anchor
					 : (const char *)ev.data.mapping_start.anchor;
			if (++depth > CONFIG_MAX_DEPTH) {
				config_msg(w->msgs, false, w->label, line, col,
					   "lists and mappings nested deeper than %d levels",
					   CONFIG_MAX_DEPTH);
				done = true;
			} else if (anchor && n_anchors == MAX_COLLECTION_ANCHORS) {
				config_msg(w->msgs, false, w->label, line, col,
					   "more than %d anchors on lists or mappings",
					   MAX_COLLECTION_ANCHORS);
				done = true;
			} else if (anchor) {
				anchors[n_anchors] = strdup(anchor);
				if (!anchors[n_anchors]) {
					config_msg(w->msgs, false, w->label, 0, 0, "out of memory");
					done = true;
				} else {
					n_anchors++;
				}
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			for (size_t i = 0; i < n_anchors; i++) {
				if (strcmp(anchors[i], (const char *)ev.data.alias.anchor) == 0) {
					config_msg(w->msgs, false, w->label, line, col,
						   "alias *%.40s refers to a list or mapping; only "
						   "single values may be aliased", anchors[i]);
					break;
				}
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_NO_EVENT:
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
		case YAML_SCALAR_EVENT:
			break;
		}
		wipe_event(&ev);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < n_anchors; i++)
		free(anchors[i]);
	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	return w->msgs->n_errors == before;
}

/*
 * Check buf (precheck), load its first document as a tree and hand the root
 * mapping to on_key.
 */
static int load_document(struct walk *w, const char *buf, size_t len, const char *what,
			 const char *const *known, const char *const *required,
			 key_handler *on_key)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	unsigned before = w->msgs->n_errors, second_line, second_col;

	if (!precheck(w, buf, len, &second_line, &second_col))
		return -EINVAL;
	if (!yaml_parser_initialize(&parser)) {
		config_msg(w->msgs, false, w->label, 0, 0, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_error(w, &parser, buf, len);
		wipe_parser(&parser);
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	w->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root))
		config_msg(w->msgs, false, w->label, 1, 1, "empty document; expected %s", what);
	else if (walk_mapping(w, root, "the document", known, on_key, NULL))
		require_keys(w, root, "the document", required);
	/* a second document is almost always a mistake (a stray ---) */
	if (second_line)
		config_msg(w->msgs, false, w->label, second_line, second_col,
			   "a second YAML document; a config file holds only one");
	wipe_document(&doc);
	yaml_document_delete(&doc);
	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	w->doc = NULL;
	return w->msgs->n_errors > before ? -EINVAL : 0;
}

int config_parse_network(struct config *cfg, const char *label, const char *buf,
			 size_t len, struct config_msgs *msgs)
{
	static const char *const known[] = { "network", "peers", NULL };
	static const char *const required[] = { "network", NULL };
	struct walk w = { .label = label, .msgs = msgs, .cfg = cfg };
	unsigned before = msgs->n_errors;
	int r;

	snprintf(cfg->net_path, sizeof(cfg->net_path), "%s", label);
	r = load_document(&w, buf, len, "a mapping with 'network' and 'peers'", known, required,
			  on_top_key);
	if (r == -ENOMEM)
		return r;
	check_peers(&w);
	return msgs->n_errors > before ? -EINVAL : 0;
}

static void on_peer_file_key(struct walk *w, const char *key, yaml_node_t *v, void *arg)
{
	struct config *cfg = w->cfg;
	const char *s, *why = "";

	(void)arg;
	if (strcmp(key, "name") == 0) {
		s = scalar(w, v, "name");
		if (s && !config_name_valid(s, &why))
			AT(w, false, v, "name '%.40s': %s", s, why);
		else if (s)
			snprintf(cfg->name, sizeof(cfg->name), "%s", s);
	} else if (strcmp(key, "wgIp") == 0) {
		struct addr a;

		s = scalar(w, v, "wgIp");
		if (s && addr_parse(&a, s) < 0) {
			AT(w, false, v, "wgIp '%.60s' is not an IP address", s);
		} else if (s) {
			cfg->wg_ip = a;
			cfg->has_wg_ip = true;
			cfg->wg_ip_line = mark_line(v);
			cfg->wg_ip_col = mark_col(v);
		}
	} else if (strcmp(key, "wgInterface") == 0) {
		s = scalar(w, v, "wgInterface");
		if (s && !config_ifname_valid(s, &why))
			AT(w, false, v, "wgInterface '%.40s': %s", s, why);
		else if (s)
			snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", s);
	} else if (strcmp(key, "existingInterface") == 0) {
		scalar_bool(w, v, "existingInterface", &cfg->existing_interface);
	} else if (strcmp(key, "wgPort") == 0) {
		scalar_port(w, v, "wgPort", &cfg->wg_port);
	} else if (strcmp(key, "adminPort") == 0) {
		scalar_port(w, v, "adminPort", &cfg->admin_port);
	} else if (strcmp(key, "noTransit") == 0) {
		scalar_bool(w, v, "noTransit", &cfg->no_transit);
	}
}

int config_parse_peer(struct config *cfg, const char *label, const char *buf, size_t len,
		      struct config_msgs *msgs)
{
	static const char *const known[] = { "name", "wgIp", "wgInterface", "existingInterface",
					     "wgPort", "adminPort", "noTransit", NULL };
	static const char *const required[] = { NULL };
	struct walk w = { .label = label, .msgs = msgs, .cfg = cfg };

	snprintf(cfg->peer_path, sizeof(cfg->peer_path), "%s", label);
	return load_document(&w, buf, len, "a mapping like 'name: alice'", known, required,
			     on_peer_file_key);
}

/* ---- files ---- */

int config_read_file(const char *path, bool holds_secret, char **buf, size_t *len,
		     struct config_msgs *msgs)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, err = 0;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO given as the config must not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		config_msg(msgs, false, path, 0, 0, "cannot open: %s", strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		config_msg(msgs, false, path, 0, 0, "not a regular file");
		err = -EINVAL;
		goto out;
	}
	if (st.st_size > CONFIG_MAX_FILE) {
		config_msg(msgs, false, path, 0, 0, "file is %lld bytes; the limit is %d",
			   (long long)st.st_size, CONFIG_MAX_FILE);
		err = -EFBIG;
		goto out;
	}
	/*
	 * Whoever can change the file can change the key and the peers:
	 * writable by others or owned by someone else (not root, not us) is
	 * an error; readable by others a warning (they can join the network).
	 */
	if (holds_secret && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		config_msg(msgs, false, path, 0, 0,
			   "holds the shared key but others can change it (mode %03o); "
			   "run: chmod 600 %s", (unsigned)(st.st_mode & 0777), path);
		err = -EPERM;
	} else if (holds_secret && st.st_uid != 0 && st.st_uid != geteuid()) {
		config_msg(msgs, false, path, 0, 0,
			   "holds the shared key but belongs to uid %u, not to root or to us; "
			   "run: chown root %s", (unsigned)st.st_uid, path);
		err = -EPERM;
	} else if (holds_secret && (st.st_mode & (S_IRGRP | S_IROTH))) {
		config_msg(msgs, true, path, 0, 0,
			   "holds the shared key but others can read it (mode %03o); "
			   "run: chmod 600 %s", (unsigned)(st.st_mode & 0777), path);
	}
	if (err < 0)
		goto out;
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		err = -ENOMEM;
		goto out;
	}
	/* read up to one byte past the stat size to notice a growing file */
	while (got <= (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			config_msg(msgs, false, path, 0, 0, "read failed: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > (size_t)st.st_size) {
		config_msg(msgs, false, path, 0, 0, "file changed while being read");
		err = -EAGAIN;
		goto out;
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	data = NULL;
out:
	if (data && holds_secret)
		sodium_memzero(data, (size_t)st.st_size + 1);
	free(data);
	close(fd);
	return err;
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
	return r;
}

/* ---- the whole load ---- */

static void apply_cli(struct config *cfg, const struct config_cli *cli, struct config_msgs *msgs)
{
	const char *why = "";

	if (cli->name) {
		if (!config_name_valid(cli->name, &why))
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
		if (!config_ifname_valid(cli->ifname, &why))
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
}

/* This node: address inside the subnet, a name, ports, its static entry. */
static void finish_self(struct config *cfg, struct config_msgs *msgs)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN + 8];
	const char *where;

	if (!cfg->ifname[0])
		snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", CONFIG_DEFAULT_IFNAME);
	if (!cfg->name[0]) {
		char host[256] = "";
		const char *why;
		if (gethostname(host, sizeof(host) - 1) == 0 && config_name_valid(host, &why)) {
			snprintf(cfg->name, sizeof(cfg->name), "%s", host);
			cfg->name_from_hostname = true;
		} else {
			config_msg(msgs, false, "command line", 0, 0,
				   "no name for this node: give -n NAME or 'name:' in peer.yaml");
		}
	}
	if (!cfg->has_wg_ip) {
		config_msg(msgs, false, "command line", 0, 0,
			   "no address for this node: give -a ADDRESS or 'wgIp:' in peer.yaml");
		return;
	}
	if (!cfg->has_subnet)
		return;
	addr_fmt(&cfg->wg_ip, a, sizeof(a));
	prefix_fmt(&cfg->subnet, p, sizeof(p));
	/* blame the line of peer.yaml that gave the address, or -a */
	where = cfg->wg_ip_line ? cfg->peer_path : "command line";
	if (!prefix_contains(&cfg->subnet, &cfg->wg_ip))
		config_msg(msgs, false, where, cfg->wg_ip_line, cfg->wg_ip_col,
			   "this node's wgIp %s is outside subnet %s", a, p);
	else if (prefix_is_network_addr(&cfg->subnet, &cfg->wg_ip) ||
		 prefix_is_broadcast_addr(&cfg->subnet, &cfg->wg_ip))
		config_msg(msgs, false, where, cfg->wg_ip_line, cfg->wg_ip_col,
			   "this node's wgIp %s is the network or broadcast address of %s", a, p);
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (addr_eq(&cfg->peers[i].wg_ip, &cfg->wg_ip))
			cfg->self_static = &cfg->peers[i];
	if (!cfg->wg_port)
		cfg->wg_port = cfg->self_static ? cfg->self_static->wg_port
						: config_default_wg_port(&cfg->wg_ip);
	if (!cfg->admin_port)
		cfg->admin_port = cfg->self_static ? cfg->self_static->admin_port
						   : config_default_admin_port(&cfg->wg_ip);
	if (cfg->self_static && cfg->self_static->no_transit)
		cfg->no_transit = true;
	/* the others reach this node at its static ports; other ones would strand it */
	if (cfg->self_static && cfg->wg_port != cfg->self_static->wg_port)
		config_msg(msgs, true, cfg->net_path, cfg->self_static->wg_ip_line,
			   cfg->self_static->wg_ip_col,
			   "this node's endPoint port is %u, but it listens on WireGuard port %u",
			   cfg->self_static->wg_port, cfg->wg_port);
	if (cfg->self_static && cfg->admin_port != cfg->self_static->admin_port)
		config_msg(msgs, true, cfg->net_path, cfg->self_static->wg_ip_line,
			   cfg->self_static->wg_ip_col,
			   "this node's adminPort is %u, but it listens on admin port %u",
			   cfg->self_static->admin_port, cfg->admin_port);
	if (cfg->wg_port == cfg->admin_port)
		config_msg(msgs, false, "command line", 0, 0,
			   "WireGuard port and admin port are both %u", cfg->wg_port);
}

int config_load(struct config *cfg, const struct config_cli *cli, struct config_msgs *msgs)
{
	const char *net = cli->net_path ? cli->net_path : CONFIG_NET_PATH;
	const char *peer = cli->peer_path ? cli->peer_path : CONFIG_PEER_PATH;
	unsigned before = msgs->n_errors;

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
		cfg->name_from_hostname ? " (from the host name)" : "");
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
