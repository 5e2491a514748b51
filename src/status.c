/* Status snapshots and their renderings; see status.h. */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wgdev.h"

static const char *const path_names[STATUS_PATH__COUNT] = {
	[STATUS_PATH_SELF] = "self",
	[STATUS_PATH_LAN] = "lan",
	[STATUS_PATH_DIRECT] = "direct",
	[STATUS_PATH_NAT] = "nat",
	[STATUS_PATH_GATEWAY] = "gateway",
	[STATUS_PATH_UNREACHABLE] = "unreachable",
};

static const char *const type_names[WIRE_TYPE_MAX + 1] = {
	[WIRE_HELLO] = "hello",
	[WIRE_HELLO_REPLY] = "hello_reply",
	[WIRE_RECORD] = "record",
	[WIRE_DIGEST] = "digest",
	[WIRE_REQUEST] = "request",
	[WIRE_LEAVE] = "leave",
	[WIRE_PING] = "ping",
	[WIRE_PONG] = "pong",
};

const char *status_path_name(enum status_path p)
{
	if ((unsigned)p >= STATUS_PATH__COUNT)
		return "unknown";
	return path_names[p];
}

int status_path_parse(const char *s, enum status_path *out)
{
	for (unsigned i = 0; i < STATUS_PATH__COUNT; i++) {
		if (strcmp(s, path_names[i]) == 0) {
			*out = (enum status_path)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The one mapping from the core's kinds; -Wswitch-enum flags new ones. */
enum status_path status_path_from_mesh(enum mesh_path p)
{
	switch (p) {
	case MESH_PATH_SELF:
		return STATUS_PATH_SELF;
	case MESH_PATH_DIRECT:
		return STATUS_PATH_DIRECT;
	case MESH_PATH_GATEWAY:
		return STATUS_PATH_GATEWAY;
	case MESH_PATH_UNREACHABLE:
		return STATUS_PATH_UNREACHABLE;
	}
	return STATUS_PATH_UNREACHABLE;
}

bool status_path_is_direct(enum status_path p)
{
	return p == STATUS_PATH_LAN || p == STATUS_PATH_DIRECT || p == STATUS_PATH_NAT;
}

const char *status_type_name(unsigned type)
{
	return type <= WIRE_TYPE_MAX ? type_names[type] : NULL;
}

/* ---- buffer ---- */

void status_buf_init(struct status_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void status_buf_free(struct status_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool buf_reserve(struct status_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len + n + 1 > b->max) {
		b->failed = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void status_buf_put(struct status_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void status_buf_printf(struct status_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- collecting ---- */

static const struct wgdev_peer *find_peer(const struct wgdev_device *dev, const uint8_t *key)
{
	if (!dev)
		return NULL;
	for (size_t i = 0; i < dev->n_peers; i++)
		if (memcmp(dev->peers[i].public_key, key, WGDEV_KEY_LEN) == 0)
			return &dev->peers[i];
	return NULL;
}

static bool key_is_zero(const uint8_t *k)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < WIRE_KEY_LEN; i++)
		acc |= k[i];
	return acc == 0;
}

static void node_from_mesh(struct status_node *n, const struct mesh_node_status *ns,
			   const struct status_input *in)
{
	const struct wgdev_peer *wp;

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", ns->name);
	n->id = ns->id;
	n->path = status_path_from_mesh(ns->path);
	/* our own WireGuard peer: say how it is reached */
	if (n->path == STATUS_PATH_DIRECT && ns->edge_kind == WIRE_PATH_LAN)
		n->path = STATUS_PATH_LAN;
	else if (n->path == STATUS_PATH_DIRECT && ns->edge_kind == WIRE_PATH_NAT)
		n->path = STATUS_PATH_NAT;
	n->direct_phase = ns->direct_phase;
	n->direct_tries = ns->direct_tries;
	snprintf(n->direct_why, sizeof(n->direct_why), "%s", ns->direct_why);
	if (n->path != STATUS_PATH_SELF && n->path != STATUS_PATH_UNREACHABLE &&
	    !addr_is_zero(&ns->via)) {
		n->via = ns->via;
		n->has |= STATUS_HAS_VIA;
	}
	if (ns->left)
		n->has |= STATUS_LEFT;
	n->claims_refused = ns->claims_refused;
	n->cost = ns->cost;
	n->is_static = ns->is_static || (ns->flags & WIRE_NODE_STATIC);
	n->adjacent = ns->adjacent;
	n->no_transit = (ns->flags & WIRE_NODE_NO_TRANSIT) != 0;
	/*
	 * The core says 0 for "not measured", but an adjacency comes up only
	 * once a challenge was answered, which measured the round trip: an
	 * adjacent node's 0 is a round trip under a millisecond.
	 */
	if (ns->rtt_ms || ns->adjacent) {
		n->rtt_ms = ns->rtt_ms;
		n->has |= STATUS_HAS_RTT;
	}
	if (in->now_ms >= ns->since && (ns->since || n->path == STATUS_PATH_SELF)) {
		n->since_s = (in->now_ms - (n->path == STATUS_PATH_SELF ? in->start_ms : ns->since)) /
			     1000;
		n->has |= STATUS_HAS_SINCE;
	}
	if (!key_is_zero(ns->pubkey)) {
		sodium_bin2base64(n->public_key, sizeof(n->public_key), ns->pubkey, WIRE_KEY_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		n->has |= STATUS_HAS_KEY;
	}
	if (n->path == STATUS_PATH_SELF || !(wp = find_peer(in->dev, ns->pubkey)))
		return;
	if (wp->flags & WGDEV_PEER_HAS_ENDPOINT || !addr_is_zero(&wp->endpoint.addr)) {
		if (wp->endpoint.port) {
			n->endpoint = wp->endpoint;
			n->has |= STATUS_HAS_ENDPOINT;
		}
	}
	if (wp->last_handshake_sec > 0) {
		n->last_handshake = wp->last_handshake_sec;
		n->has |= STATUS_HAS_HANDSHAKE;
	}
	n->rx_bytes = wp->rx_bytes;
	n->tx_bytes = wp->tx_bytes;
	n->has |= STATUS_HAS_TRAFFIC;
}

static void node_observed(struct status_node *n, const struct mesh_node_status *ns)
{
	n->on_our_lan = ns->on_our_lan;
	n->has_observed_wg = ns->has_observed_wg;
	n->observed_wg = ns->observed_wg;
	n->has_observed_admin = ns->has_observed_admin;
	n->observed_admin = ns->observed_admin;
}

static uint64_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

/* Listed peers, and how long each has not answered. */
static int collect_statics(const struct status_input *in, struct status_snapshot *out)
{
	size_t n = mesh_static_count(in->mesh);

	out->statics = calloc(n ? n : 1, sizeof(*out->statics));
	if (!out->statics)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct status_static *st = &out->statics[out->n_statics];
		struct mesh_static_status ms;

		if (!mesh_static_status(in->mesh, i, &ms))
			continue;
		out->n_statics++;
		st->id = ms.id;
		snprintf(st->name, sizeof(st->name), "%s", ms.name);
		st->resolved = ms.resolved;
		if (ms.resolved)
			st->endpoint = ms.admin_ep;
		st->answers = ms.adjacent;
		st->heard = ms.last_heard != 0;
		/* silent since it was last heard, or since the first unanswered hello */
		if (!ms.adjacent && (ms.last_heard || ms.silent_since)) {
			st->has_silent = true;
			st->silent_s = secs_since(in->now_ms,
						  ms.last_heard ? ms.last_heard : ms.silent_since);
		}
	}
	return 0;
}

/* Every record's claims, then the listed peers that do not answer. */
static int collect_edges(const struct status_input *in, struct status_snapshot *out)
{
	struct mesh_edge_iter it = { 0 };
	struct mesh_edge e;
	size_t cap = 64;

	out->has_edges = true;
	out->edges = calloc(cap, sizeof(*out->edges));
	if (!out->edges)
		return -ENOMEM;
	for (;;) {
		struct status_edge *se;
		bool more = mesh_edge_next(in->mesh, &it, &e);

		if (!more)
			break;
		if (out->n_edges == STATUS_EDGES_MAX) {
			out->edges_left_out++;
			continue;
		}
		if (out->n_edges == cap) {
			struct status_edge *grown = realloc(out->edges, 2 * cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			out->edges = grown;
			cap *= 2;
		}
		se = &out->edges[out->n_edges++];
		memset(se, 0, sizeof(*se));
		se->from = e.from;
		se->to = e.to;
		se->kind = e.kind;
		se->cost = e.cost;
		se->both = e.both;
	}
	for (size_t i = 0; i < out->n_statics; i++) {
		const struct status_static *st = &out->statics[i];
		struct status_edge *se;

		if (st->answers)
			continue;
		if (out->n_edges == cap) {
			struct status_edge *grown = realloc(out->edges, (cap + 1) * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			out->edges = grown;
			cap++;
		}
		se = &out->edges[out->n_edges++];
		memset(se, 0, sizeof(*se));
		se->from = out->id;
		se->to = st->id;
		se->kind = STATUS_EDGE_SILENT;
		se->endpoint = st->endpoint;
		se->has_silent = st->has_silent;
		se->silent_s = st->silent_s;
	}
	return 0;
}

static void collect_self(const struct status_input *in, struct status_snapshot *out)
{
	const struct mesh_config *mc = mesh_config(in->mesh);
	struct mesh_self_status self;

	mesh_self_status(in->mesh, &self);
	out->wg_port = mc->wg_port;
	out->admin_port = mc->admin_port;
	out->n_local = self.n_local;
	memcpy(out->local, self.local, self.n_local * sizeof(out->local[0]));
	out->has_reflexive = self.has_reflexive;
	out->reflexive = self.reflexive;
	out->reflexive_from = self.reflexive_from;
}

int status_collect(const struct status_input *in, struct status_snapshot *out)
{
	const struct mesh_config *mc = mesh_config(in->mesh);
	size_t n = mesh_node_count(in->mesh);

	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s", in->ifname ? in->ifname : "");
	snprintf(out->backend, sizeof(out->backend), "%s", in->backend ? in->backend : "");
	snprintf(out->name, sizeof(out->name), "%s", mc->name);
	out->id = mc->id;
	out->now = in->wall;
	out->uptime_s = in->now_ms >= in->start_ms ? (in->now_ms - in->start_ms) / 1000 : 0;
	out->ctr = *mesh_counters(in->mesh);
	out->has_ctr = true;
	for (size_t i = 0; i < 2; i++) {
		out->socket_drops[i] = in->socket_drops[i];
		out->has_socket_drops[i] = in->has_socket_drops[i];
	}
	out->nodes = calloc(n ? n : 1, sizeof(*out->nodes));
	if (!out->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct mesh_node_status ns;

		if (!mesh_node_status(in->mesh, i, &ns))
			break;
		node_from_mesh(&out->nodes[out->n_nodes], &ns, in);
		node_observed(&out->nodes[out->n_nodes++], &ns);
	}
	status_explain(out);
	collect_self(in, out);
	if (collect_statics(in, out) < 0 ||
	    ((in->want & STATUS_WANT_EDGES) && collect_edges(in, out) < 0)) {
		status_snapshot_free(out);
		return -ENOMEM;
	}
	return 0;
}

static uint64_t age_of(const struct status_snapshot *s, int64_t t)
{
	return s->now > t ? (uint64_t)(s->now - t) : 0;
}

static const struct status_node *find_node(const struct status_snapshot *s, const struct addr *id)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (addr_eq(&s->nodes[i].id, id))
			return &s->nodes[i];
	return NULL;
}

static void gateway_reason(const struct status_snapshot *s, struct status_node *n,
			   char a[ADDR_STRLEN])
{
	char ep[ENDPOINT_STRLEN], age[16], tail[136] = "";

	if (n->is_static && !n->adjacent)
		snprintf(tail, sizeof(tail), " (its static endpoint does not answer)");
	else if (n->direct_why[0])
		snprintf(tail, sizeof(tail), "; direct: %s", n->direct_why);
	else if (n->direct_phase == MESH_DIRECT_TRYING)
		snprintf(tail, sizeof(tail), "; trying a direct path (round %u)", n->direct_tries);
	else if ((n->has & STATUS_HAS_ENDPOINT) && (n->has & STATUS_HAS_HANDSHAKE))
		snprintf(tail, sizeof(tail), "; trying %s directly, last handshake %s ago",
			 endpoint_fmt(&n->endpoint, ep, sizeof(ep)),
			 status_fmt_age(age_of(s, n->last_handshake), age, sizeof(age)));
	else if (n->has & STATUS_HAS_ENDPOINT)
		snprintf(tail, sizeof(tail), "; trying %s directly, no handshake yet",
			 endpoint_fmt(&n->endpoint, ep, sizeof(ep)));
	snprintf(n->reason, sizeof(n->reason), "no direct path: reachable via %s%s",
		 n->via_name[0] ? n->via_name : addr_fmt(&n->via, a, ADDR_STRLEN), tail);
}

/*
 * Why a node is not reached directly: its gateway, and what the direct-path
 * attempts (core/direct.c) last found, e.g. a port-randomising NAT.
 */
void status_explain(struct status_snapshot *s)
{
	for (size_t i = 0; i < s->n_nodes; i++) {
		struct status_node *n = &s->nodes[i];
		const struct status_node *via = NULL;
		char a[ADDR_STRLEN];

		if (n->has & STATUS_HAS_VIA) {
			via = find_node(s, &n->via);
			if (via)
				snprintf(n->via_name, sizeof(n->via_name), "%s", via->name);
			else
				addr_fmt(&n->via, n->via_name, sizeof(n->via_name));
		}
		switch (n->path) {
		case STATUS_PATH_SELF:
		case STATUS_PATH_LAN:
		case STATUS_PATH_DIRECT:
		case STATUS_PATH_NAT:
		case STATUS_PATH__COUNT:
			n->reason[0] = '\0';
			break;
		case STATUS_PATH_GATEWAY:
			gateway_reason(s, n, a);
			break;
		case STATUS_PATH_UNREACHABLE:
			snprintf(n->reason, sizeof(n->reason), "%s",
				 n->has & STATUS_LEFT ? "left: it said goodbye"
				 : n->is_static && !n->adjacent
					 ? "lost: its static endpoint does not answer"
					 : "lost: it stopped answering, no node has a link to it");
			break;
		}
	}
}

void status_snapshot_free(struct status_snapshot *s)
{
	if (!s)
		return;
	free(s->nodes);
	s->nodes = NULL;
	s->n_nodes = 0;
	free(s->statics);
	s->statics = NULL;
	s->n_statics = 0;
	free(s->edges);
	s->edges = NULL;
	s->n_edges = 0;
	s->has_edges = false;
}

const struct status_node *status_find_node(const struct status_snapshot *s, const char *key)
{
	struct addr a;

	for (size_t i = 0; i < s->n_nodes; i++)
		if (strcmp(s->nodes[i].name, key) == 0)
			return &s->nodes[i];
	if (addr_parse(&a, key) < 0)
		return NULL;
	return find_node(s, &a);
}

bool status_drop_harmless(enum wire_drop d)
{
	return d == WIRE_DROP_SELF || d == WIRE_DROP_UNCONFIRMED;
}

size_t status_count_reachable(const struct status_snapshot *s)
{
	size_t c = 0;

	for (size_t i = 0; i < s->n_nodes; i++)
		c += s->nodes[i].path != STATUS_PATH_UNREACHABLE;
	return c;
}

size_t status_count_direct(const struct status_snapshot *s)
{
	size_t c = 0;

	for (size_t i = 0; i < s->n_nodes; i++)
		c += status_path_is_direct(s->nodes[i].path);
	return c;
}

/* ---- human formats ---- */

const char *status_fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *status_fmt_age(uint64_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	return buf;
}

const char *status_fmt_silence(int64_t now, uint64_t silent_s, char *buf, size_t len)
{
	time_t t = (time_t)(now - (int64_t)silent_s);
	char clock[32], age[16];
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(clock, sizeof(clock), silent_s < 86400 ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S",
		      &tm))
		snprintf(clock, sizeof(clock), "?");
	snprintf(buf, len, "no answer since %s (%s)", clock,
		 status_fmt_age(silent_s, age, sizeof(age)));
	return buf;
}

const char *status_fmt_rtt(const struct status_node *n, char *buf, size_t len)
{
	if (!(n->has & STATUS_HAS_RTT))
		snprintf(buf, len, "-");
	else if (n->rtt_ms == 0)
		snprintf(buf, len, "<1 ms");
	else
		snprintf(buf, len, "%" PRIu32 " ms", n->rtt_ms);
	return buf;
}

/* ---- text ---- */

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

/* The PATH column: "self", "LAN", "direct", "direct (NAT)", "via beta". */
void status_path_label(const struct status_node *n, char *buf, size_t len)
{
	switch (n->path) {
	case STATUS_PATH_LAN:
		snprintf(buf, len, "LAN");
		break;
	case STATUS_PATH_NAT:
		snprintf(buf, len, "direct (NAT)");
		break;
	case STATUS_PATH_GATEWAY:
		snprintf(buf, len, "via %s", n->via_name[0] ? n->via_name : "?");
		break;
	case STATUS_PATH_UNREACHABLE:
		snprintf(buf, len, "%s", n->has & STATUS_LEFT ? "left" : "lost");
		break;
	case STATUS_PATH_SELF:
	case STATUS_PATH_DIRECT:
	case STATUS_PATH__COUNT:
		snprintf(buf, len, "%s", status_path_name(n->path));
		break;
	}
}

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
			 status_fmt_age(age_of(s, n->last_handshake), age, sizeof(age)));
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

/* ---- JSON ---- */

static void json_str(struct status_buf *b, const char *s)
{
	status_buf_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			status_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			status_buf_printf(b, "\\u%04x", *p);
		else
			status_buf_put(b, (const char *)p, 1);
	}
	status_buf_put(b, "\"", 1);
}

static void json_key(struct status_buf *b, bool *first, const char *key)
{
	status_buf_printf(b, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
}

static void json_kstr(struct status_buf *b, bool *first, const char *key, bool has, const char *v)
{
	json_key(b, first, key);
	if (has)
		json_str(b, v);
	else
		status_buf_printf(b, "null");
}

static void json_ku64(struct status_buf *b, bool *first, const char *key, bool has, uint64_t v)
{
	json_key(b, first, key);
	if (has)
		status_buf_printf(b, "%" PRIu64, v);
	else
		status_buf_printf(b, "null");
}

static void json_kbool(struct status_buf *b, bool *first, const char *key, bool v)
{
	json_key(b, first, key);
	status_buf_printf(b, "%s", v ? "true" : "false");
}

static void json_node(const struct status_snapshot *s, const struct status_node *n,
		      struct status_buf *b)
{
	char a[ADDR_STRLEN], v[ADDR_STRLEN], ep[ENDPOINT_STRLEN];
	bool first = true;
	bool hs = n->has & STATUS_HAS_HANDSHAKE, tr = n->has & STATUS_HAS_TRAFFIC;
	bool via = n->has & STATUS_HAS_VIA, since = n->has & STATUS_HAS_SINCE;

	status_buf_printf(b, "    {");
	json_kstr(b, &first, "name", true, n->name);
	json_kstr(b, &first, "address", true, addr_fmt(&n->id, a, sizeof(a)));
	json_kstr(b, &first, "path", true, status_path_name(n->path));
	json_kstr(b, &first, "via", via, via ? addr_fmt(&n->via, v, sizeof(v)) : "");
	json_kstr(b, &first, "via_name", via && n->via_name[0], n->via_name);
	json_kstr(b, &first, "endpoint", n->has & STATUS_HAS_ENDPOINT,
		  endpoint_fmt(&n->endpoint, ep, sizeof(ep)));
	json_key(b, &first, "last_handshake");
	if (hs)
		status_buf_printf(b, "%" PRId64, n->last_handshake);
	else
		status_buf_printf(b, "null");
	json_ku64(b, &first, "last_handshake_age_s", hs, age_of(s, n->last_handshake));
	json_ku64(b, &first, "rx_bytes", tr, n->rx_bytes);
	json_ku64(b, &first, "tx_bytes", tr, n->tx_bytes);
	json_ku64(b, &first, "rtt_ms", n->has & STATUS_HAS_RTT, n->rtt_ms);
	json_ku64(b, &first, "cost", true, n->cost);
	json_ku64(b, &first, "path_age_s", since, n->since_s);
	json_key(b, &first, "path_since");
	if (since)
		status_buf_printf(b, "%" PRId64, s->now - (int64_t)n->since_s);
	else
		status_buf_printf(b, "null");
	json_kbool(b, &first, "static", n->is_static);
	json_kbool(b, &first, "adjacent", n->adjacent);
	json_kbool(b, &first, "no_transit", n->no_transit);
	json_kstr(b, &first, "gone", n->path == STATUS_PATH_UNREACHABLE,
		  n->has & STATUS_LEFT ? "left" : "lost");
	json_ku64(b, &first, "claims_refused", true, n->claims_refused);
	json_kstr(b, &first, "public_key", n->has & STATUS_HAS_KEY, n->public_key);
	json_kstr(b, &first, "reason", n->reason[0] != '\0', n->reason);
	status_buf_printf(b, "}");
}

/* The same, for status_edges.c and netcheck.c. */
void status_json_str(struct status_buf *b, const char *s)
{
	json_str(b, s);
}

void status_json_key(struct status_buf *b, bool *first, const char *key)
{
	json_key(b, first, key);
}

void status_json_kstr(struct status_buf *b, bool *first, const char *key, bool has,
		      const char *v)
{
	json_kstr(b, first, key, has, v);
}

void status_json_ku64(struct status_buf *b, bool *first, const char *key, bool has, uint64_t v)
{
	json_ku64(b, first, key, has, v);
}

void status_json_kbool(struct status_buf *b, bool *first, const char *key, bool v)
{
	json_kbool(b, first, key, v);
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
	json_kstr(b, &first, "name", st->name[0] != '\0', st->name);
	json_kstr(b, &first, "address", true, addr_fmt(&st->id, a, sizeof(a)));
	json_kstr(b, &first, "endpoint", st->resolved,
			 endpoint_fmt(&st->endpoint, ep, sizeof(ep)));
	json_kbool(b, &first, "answers", st->answers);
	json_kbool(b, &first, "heard", st->heard);
	json_key(b, &first, "no_answer_since");
	if (st->has_silent)
		status_buf_printf(b, "%" PRId64, s->now - (int64_t)st->silent_s);
	else
		status_buf_printf(b, "null");
	json_ku64(b, &first, "no_answer_s", st->has_silent, st->silent_s);
	status_buf_printf(b, "}");
}

void status_format_json(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN];
	bool first = true;

	status_buf_printf(b, "{\n  \"version\": %d,\n  \"interface\": ", STATUS_JSON_VERSION);
	json_str(b, s->ifname);
	status_buf_printf(b, ",\n  \"node\": {");
	json_kstr(b, &first, "name", true, s->name);
	json_kstr(b, &first, "address", true, addr_fmt(&s->id, a, sizeof(a)));
	json_kstr(b, &first, "backend", s->backend[0] != '\0', s->backend);
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
			if (!type_names[t])
				continue;
			status_buf_printf(b, "%s\"%s\": %" PRIu64, f ? "" : ", ", type_names[t], v[t]);
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
	if (s->has_edges) {
		status_buf_printf(b, ",\n  \"edges\": ");
		status_format_edges_json(s, b);
	}
	status_buf_printf(b, "\n}\n");
}

/* ---- Prometheus text exposition (version 0.0.4) ---- */

static void prom_label(struct status_buf *b, const char *s)
{
	status_buf_put(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			status_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			status_buf_printf(b, "\\n");
		else
			status_buf_put(b, p, 1);
	}
	status_buf_put(b, "\"", 1);
}

static void prom_head(struct status_buf *b, const char *name, const char *type, const char *help)
{
	status_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_if(struct status_buf *b, const char *name, const struct status_snapshot *s)
{
	status_buf_printf(b, "%s{interface=", name);
	prom_label(b, s->ifname);
}

static void prom_simple(struct status_buf *b, const struct status_snapshot *s, const char *name,
			const char *type, const char *help, uint64_t v)
{
	prom_head(b, name, type, help);
	prom_if(b, name, s);
	status_buf_printf(b, "} %" PRIu64 "\n", v);
}

static void prom_node(struct status_buf *b, const char *name, const struct status_snapshot *s,
		      const struct status_node *n)
{
	char a[ADDR_STRLEN];

	prom_if(b, name, s);
	status_buf_printf(b, ",node=");
	prom_label(b, n->name);
	status_buf_printf(b, ",address=");
	prom_label(b, addr_fmt(&n->id, a, sizeof(a)));
}

void status_format_metrics(const struct status_snapshot *s, const char *version,
			   struct status_buf *b)
{
	char a[ADDR_STRLEN];

	prom_head(b, "wgnm_info", "gauge", "This node; always 1.");
	prom_if(b, "wgnm_info", s);
	status_buf_printf(b, ",name=");
	prom_label(b, s->name);
	status_buf_printf(b, ",address=");
	prom_label(b, addr_fmt(&s->id, a, sizeof(a)));
	status_buf_printf(b, ",version=");
	prom_label(b, version ? version : "");
	status_buf_printf(b, "} 1\n");
	prom_simple(b, s, "wgnm_uptime_seconds", "gauge", "Seconds since the daemon started.",
		    s->uptime_s);
	prom_head(b, "wgnm_packets_total", "counter", "Admin packets by message type and direction.");
	for (int dir = 0; dir < 2; dir++)
		for (unsigned t = 0; t <= WIRE_TYPE_MAX; t++) {
			if (!type_names[t])
				continue;
			prom_if(b, "wgnm_packets_total", s);
			status_buf_printf(b, ",direction=\"%s\",type=\"%s\"} %" PRIu64 "\n",
					  dir ? "tx" : "rx", type_names[t],
					  dir ? s->ctr.tx[t] : s->ctr.rx[t]);
		}
	prom_head(b, "wgnm_drops_total", "counter", "Admin port datagrams dropped, by reason.");
	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++) {
		prom_if(b, "wgnm_drops_total", s);
		status_buf_printf(b, ",reason=\"%s\"} %" PRIu64 "\n",
				  wire_drop_name((enum wire_drop)d), s->ctr.drops[d]);
	}
	prom_head(b, "wgnm_socket_drops_total", "counter",
		  "Datagrams the kernel dropped on our sockets before we read them "
		  "(receive buffer full), by socket.");
	for (unsigned i = 0; i < 2; i++) {
		if (!s->has_socket_drops[i])
			continue;
		prom_if(b, "wgnm_socket_drops_total", s);
		status_buf_printf(b, ",socket=\"%s\"} %" PRIu64 "\n", i ? "lan" : "admin",
				  s->socket_drops[i]);
	}
	prom_simple(b, s, "wgnm_route_changes_total", "counter", "Kernel route changes made.",
		    s->ctr.route_changes);
	prom_simple(b, s, "wgnm_spf_runs_total", "counter", "Shortest-path computations.",
		    s->ctr.spf_runs);
	prom_simple(b, s, "wgnm_claims_refused_total", "counter",
		    "Second starts of a live node's address, refused.", s->ctr.claims_refused);
	prom_simple(b, s, "wgnm_takeovers_total", "counter",
		    "New starts elsewhere that replaced a node which stopped answering.",
		    s->ctr.takeovers);
	prom_simple(b, s, "wgnm_boot_moves_total", "counter",
		    "Times this node moved its boot id past a newer record of itself.",
		    s->ctr.boot_moves);
	prom_simple(b, s, "wgnm_nodes_refused_total", "counter",
		    "Records or contacts of new nodes refused at the node cap.", s->ctr.nodes_refused);
	prom_simple(b, s, "wgnm_reply_limited_total", "counter",
		    "Record parts not sent in answers: the per-datagram or per-second budget.",
		    s->ctr.reply_limited);
	prom_simple(b, s, "wgnm_nodes_known", "gauge", "Nodes in the link-state database, self included.",
		    s->n_nodes);
	prom_simple(b, s, "wgnm_nodes_reachable", "gauge", "Nodes with a path, self included.",
		    status_count_reachable(s));
	prom_simple(b, s, "wgnm_direct_peers", "gauge", "Nodes reached directly (LAN, direct, NAT).",
		    status_count_direct(s));
	prom_head(b, "wgnm_node_path", "gauge",
		  "1 for the path kind each node is reached by (self, lan, direct, nat, gateway, unreachable).");
	for (size_t i = 0; i < s->n_nodes; i++) {
		prom_node(b, "wgnm_node_path", s, &s->nodes[i]);
		status_buf_printf(b, ",path=\"%s\"} 1\n", status_path_name(s->nodes[i].path));
	}
	prom_head(b, "wgnm_node_rtt_seconds", "gauge", "Round-trip time to a neighbour.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_RTT) {
			prom_node(b, "wgnm_node_rtt_seconds", s, &s->nodes[i]);
			status_buf_printf(b, "} %.3f\n", s->nodes[i].rtt_ms / 1000.0);
		}
	prom_head(b, "wgnm_peer_rx_bytes_total", "counter", "WireGuard bytes received from a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_TRAFFIC) {
			prom_node(b, "wgnm_peer_rx_bytes_total", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRIu64 "\n", s->nodes[i].rx_bytes);
		}
	prom_head(b, "wgnm_peer_tx_bytes_total", "counter", "WireGuard bytes sent to a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_TRAFFIC) {
			prom_node(b, "wgnm_peer_tx_bytes_total", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRIu64 "\n", s->nodes[i].tx_bytes);
		}
	prom_head(b, "wgnm_peer_last_handshake_seconds", "gauge",
		  "Unix time of the last WireGuard handshake with a peer.");
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].has & STATUS_HAS_HANDSHAKE) {
			prom_node(b, "wgnm_peer_last_handshake_seconds", s, &s->nodes[i]);
			status_buf_printf(b, "} %" PRId64 "\n", s->nodes[i].last_handshake);
		}
}

/* ---- tsv, for the top view ---- */

void status_format_tsv(const struct status_snapshot *s, struct status_buf *b)
{
	char a[ADDR_STRLEN], v[ADDR_STRLEN], ep[ENDPOINT_STRLEN];

	status_buf_printf(b, "H\t%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRIu64 "\n", s->ifname, s->name,
			  addr_fmt(&s->id, a, sizeof(a)), s->backend[0] ? s->backend : "-",
			  s->now, s->uptime_s);
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct status_node *n = &s->nodes[i];

		status_buf_printf(b,
				  "N\t%" PRIu32 "\t%s\t%s\t%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRIu64
				  "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu64 "\t%d%d%d\t%s\t%s\n",
				  n->has, n->name, addr_fmt(&n->id, a, sizeof(a)),
				  status_path_name(n->path), addr_fmt(&n->via, v, sizeof(v)),
				  n->via_name[0] ? n->via_name : "-",
				  endpoint_fmt(&n->endpoint, ep, sizeof(ep)), n->last_handshake,
				  n->rx_bytes, n->tx_bytes, n->rtt_ms, n->cost, n->since_s,
				  n->is_static, n->adjacent, n->no_transit,
				  n->public_key[0] ? n->public_key : "-",
				  n->reason[0] ? n->reason : "-");
	}
	status_buf_printf(b, "C\t%" PRIu64 "\t%" PRIu64, s->ctr.route_changes, s->ctr.spf_runs);
	for (unsigned d = 0; d < WIRE_DROP__COUNT; d++)
		status_buf_printf(b, "\t%" PRIu64, s->ctr.drops[d]);
	status_buf_printf(b, "\n");
}

#define TSV_MAX_FIELDS 20

/* Split line (NUL-terminated, modified) at tabs. */
static size_t tsv_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return line ? max + 1 : n;
}

static int tsv_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int tsv_i64(const char *s, int64_t *out)
{
	char *end;

	if (!*s || *s == ' ' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int tsv_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (tsv_u64(s, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int tsv_copy(char *dst, size_t cap, const char *s, bool dash_empty)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -EINVAL;
	if (dash_empty && strcmp(s, "-") == 0)
		n = 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int tsv_endpoint(const char *s, struct endpoint *ep)
{
	char host[ENDPOINT_HOST_MAX + 1];
	const char *why;

	memset(ep, 0, sizeof(*ep));
	if (strcmp(s, "-") == 0)
		return 0;
	/* endpoint_fmt of an unset endpoint */
	if (endpoint_split(s, host, sizeof(host), &ep->port, &why) < 0) {
		if (strcmp(s, "[::]:0") == 0 || strcmp(s, "0.0.0.0:0") == 0 ||
		    strcmp(s, ":::0") == 0)
			return 0;
		return -EINVAL;
	}
	return addr_parse(&ep->addr, host);
}

static int tsv_node(char **f, size_t nf, struct status_node *n)
{
	if (nf != 17)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	if (tsv_u32(f[1], &n->has) < 0 || tsv_copy(n->name, sizeof(n->name), f[2], false) < 0 ||
	    addr_parse(&n->id, f[3]) < 0 || status_path_parse(f[4], &n->path) < 0 ||
	    addr_parse(&n->via, f[5]) < 0 ||
	    tsv_copy(n->via_name, sizeof(n->via_name), f[6], true) < 0 ||
	    tsv_i64(f[8], &n->last_handshake) < 0 || tsv_u64(f[9], &n->rx_bytes) < 0 ||
	    tsv_u64(f[10], &n->tx_bytes) < 0 || tsv_u32(f[11], &n->rtt_ms) < 0 ||
	    tsv_u32(f[12], &n->cost) < 0 || tsv_u64(f[13], &n->since_s) < 0 ||
	    strlen(f[14]) != 3 || tsv_copy(n->public_key, sizeof(n->public_key), f[15], true) < 0 ||
	    tsv_copy(n->reason, sizeof(n->reason), f[16], true) < 0)
		return -EINVAL;
	if ((n->has & STATUS_HAS_ENDPOINT) && tsv_endpoint(f[7], &n->endpoint) < 0)
		return -EINVAL;
	n->is_static = f[14][0] == '1';
	n->adjacent = f[14][1] == '1';
	n->no_transit = f[14][2] == '1';
	return 0;
}

static int tsv_line(char *line, struct status_snapshot *s, size_t cap)
{
	char *f[TSV_MAX_FIELDS];
	size_t nf = tsv_split(line, f, TSV_MAX_FIELDS);
	uint64_t v;

	if (nf > TSV_MAX_FIELDS)
		return -EINVAL;
	if (strcmp(f[0], "H") == 0) {
		if (nf != 7 || tsv_copy(s->ifname, sizeof(s->ifname), f[1], false) < 0 ||
		    tsv_copy(s->name, sizeof(s->name), f[2], false) < 0 ||
		    addr_parse(&s->id, f[3]) < 0 ||
		    tsv_copy(s->backend, sizeof(s->backend), f[4], true) < 0 ||
		    tsv_i64(f[5], &s->now) < 0 || tsv_u64(f[6], &s->uptime_s) < 0)
			return -EINVAL;
		return 0;
	}
	if (strcmp(f[0], "N") == 0) {
		if (s->n_nodes >= cap)
			return -EINVAL;
		if (tsv_node(f, nf, &s->nodes[s->n_nodes]) < 0)
			return -EINVAL;
		s->n_nodes++;
		return 0;
	}
	if (strcmp(f[0], "C") == 0) {
		if (nf != 3 + WIRE_DROP__COUNT || tsv_u64(f[1], &s->ctr.route_changes) < 0 ||
		    tsv_u64(f[2], &s->ctr.spf_runs) < 0)
			return -EINVAL;
		for (size_t d = 0; d < WIRE_DROP__COUNT; d++) {
			if (tsv_u64(f[3 + d], &v) < 0)
				return -EINVAL;
			s->ctr.drops[d] = v;
		}
		s->has_ctr = true;
		return 0;
	}
	return -EINVAL;
}

int status_parse_tsv(const char *buf, size_t len, struct status_snapshot *out)
{
	size_t lines = 0;
	char *copy, *p;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	copy = malloc(len + 1);
	out->nodes = calloc(lines ? lines : 1, sizeof(*out->nodes));
	if (!copy || !out->nodes) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (strlen(copy) != len) { /* a NUL inside */
		r = -EINVAL;
		goto out;
	}
	p = copy;
	while (*p) {
		char *nl = strchr(p, '\n');

		if (!nl) { /* every line ends with a newline */
			r = -EINVAL;
			goto out;
		}
		*nl = '\0';
		if ((r = tsv_line(p, out, lines)) < 0)
			goto out;
		p = nl + 1;
	}
out:
	free(copy);
	if (r < 0)
		status_snapshot_free(out);
	return r;
}
