/*
 * The status renderings, whole: a snapshot built by hand, and the exact
 * bytes of each output (status_text.c, status_json.c, status_metrics.c,
 * status_tsv.c, status_edges.c) and of the explanations (status_collect.c).
 * tests/test_status.c checks pieces and properties; here a change of any
 * byte of `status`, `status --json`, `metrics` or top's feed shows up.
 *
 *        beta (LAN) ------ alpha (self) ------ gamma (NAT)
 *        /    \              |                    \
 *   epsilon   iota      delta (direct,          zeta (via gamma,
 *   (NAT       (static,  no transit)             trying direct)
 *   changes     silent)      \
 *   ports)                 theta (via delta, no handshake)
 *
 *   eta via 10.1.1.99 (no record), kappa left, lambda (static) and mu lost.
 *   Listed peers: beta answers, 10.1.1.9 never heard, 10.1.1.8 does not
 *   resolve, lambda silent for over a day, 10.1.1.11 no answer yet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/mesh.h"
#include "status.h"

#define NOW 1700000000	/* 2023-11-14 22:13:20 UTC */

static struct addr ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(&a, s), 0);
	return a;
}

static struct endpoint ep(const char *a, uint16_t port)
{
	return (struct endpoint){ .addr = ip(a), .port = port };
}

static struct status_node *add_node(struct status_snapshot *s, const char *name, const char *id,
				    enum status_path path)
{
	struct status_node *n = &s->nodes[s->n_nodes++];

	snprintf(n->name, sizeof(n->name), "%s", name);
	n->id = ip(id);
	n->path = path;
	return n;
}

static void peer(struct status_node *n, const char *via, struct endpoint e, int64_t hs_ago,
		 uint64_t rx, uint64_t tx)
{
	n->has |= STATUS_HAS_VIA | STATUS_HAS_TRAFFIC;
	n->via = ip(via);
	n->rx_bytes = rx;
	n->tx_bytes = tx;
	if (e.port) {
		n->endpoint = e;
		n->has |= STATUS_HAS_ENDPOINT;
	}
	if (hs_ago >= 0) {
		n->last_handshake = NOW - hs_ago;
		n->has |= STATUS_HAS_HANDSHAKE;
	}
}

static void measured(struct status_node *n, uint32_t rtt_ms, uint32_t cost, uint64_t since_s)
{
	n->has |= STATUS_HAS_RTT | STATUS_HAS_SINCE;
	n->rtt_ms = rtt_ms;
	n->cost = cost;
	n->since_s = since_s;
	n->adjacent = true;
}

static void via(struct status_node *n, const char *gw, uint32_t cost, uint64_t since_s)
{
	n->has |= STATUS_HAS_VIA | STATUS_HAS_SINCE;
	n->via = ip(gw);
	n->cost = cost;
	n->since_s = since_s;
}

static void add_nodes(struct status_snapshot *s)
{
	struct status_node *n;

	s->nodes = calloc(12, sizeof(*s->nodes));
	assert_non_null(s->nodes);
	n = add_node(s, "alpha", "10.1.1.1", STATUS_PATH_SELF);
	n->has = STATUS_HAS_SINCE | STATUS_HAS_KEY;
	n->since_s = s->uptime_s;
	n->is_static = true;
	snprintf(n->public_key, sizeof(n->public_key), "sZEJnEjTUxQORJQFaPh/4qWg6VJ6FtR6dHFgiZBlOxE=");

	n = add_node(s, "beta", "10.1.1.2", STATUS_PATH_LAN);
	peer(n, "10.1.1.2", ep("192.0.2.12", 50012), 5, 123456789, 987654);
	measured(n, 0, 1, 300);
	n->is_static = true;
	n->has |= STATUS_HAS_KEY;
	snprintf(n->public_key, sizeof(n->public_key), "hfvTd0DG6KM7ADcMOmOp+VpA9mNzQ3NLGFKrRg0WNjk=");

	n = add_node(s, "gamma", "10.1.1.3", STATUS_PATH_NAT);
	peer(n, "10.1.1.3", ep("203.0.113.7", 41234), 90, 2048, 1023);
	measured(n, 24, 20, 3599);

	n = add_node(s, "delta", "10.1.1.4", STATUS_PATH_DIRECT);
	peer(n, "10.1.1.4", ep("2001:db8::4", 50004), 3700, 0, 0);
	measured(n, 250, 10, 86401);
	n->no_transit = true;
	n->claims_refused = 2;

	n = add_node(s, "ep\"si\\lon", "10.1.1.5", STATUS_PATH_GATEWAY);
	via(n, "10.1.1.2", 21, 45);
	snprintf(n->direct_why, sizeof(n->direct_why), "the NAT changes its port per destination");

	n = add_node(s, "zeta", "10.1.1.6", STATUS_PATH_GATEWAY);
	via(n, "10.1.1.3", 40, 12);
	n->direct_phase = MESH_DIRECT_TRYING;
	n->direct_tries = 3;

	n = add_node(s, "eta", "10.1.1.7", STATUS_PATH_GATEWAY);
	peer(n, "10.1.1.99", ep("198.51.100.7", 50007), 130, 4096, 8192);
	via(n, "10.1.1.99", 30, 7200);

	n = add_node(s, "theta", "10.1.1.8", STATUS_PATH_GATEWAY);
	peer(n, "10.1.1.4", ep("198.51.100.8", 50008), -1, 0, 148);
	via(n, "10.1.1.4", 15, 1);

	n = add_node(s, "iota", "10.1.1.12", STATUS_PATH_GATEWAY);
	via(n, "10.1.1.2", 11, 600);
	n->is_static = true;

	n = add_node(s, "kappa", "10.1.1.13", STATUS_PATH_UNREACHABLE);
	n->has = STATUS_LEFT;

	n = add_node(s, "lambda", "10.1.1.10", STATUS_PATH_UNREACHABLE);
	n->is_static = true;

	n = add_node(s, "mu", "10.1.1.14", STATUS_PATH_UNREACHABLE);
	n->has = STATUS_HAS_KEY;
	snprintf(n->public_key, sizeof(n->public_key), "YbR2+xZ4ifNe4P1bpiVRxyDbJ5p3hGtTfVzsM1aeFHI=");
}

static void add_statics(struct status_snapshot *s)
{
	struct status_static *st;

	s->statics = calloc(5, sizeof(*s->statics));
	assert_non_null(s->statics);
	s->n_statics = 5;
	st = &s->statics[0];
	*st = (struct status_static){ .id = ip("10.1.1.2"), .resolved = true, .answers = true,
				      .heard = true, .endpoint = ep("192.0.2.12", 50502) };
	snprintf(st->name, sizeof(st->name), "beta");
	s->statics[1] = (struct status_static){ .id = ip("10.1.1.9"), .resolved = true,
						.endpoint = ep("203.0.113.9", 50509),
						.has_silent = true, .silent_s = 62 };
	s->statics[2] = (struct status_static){ .id = ip("10.1.1.88") };
	st = &s->statics[3];
	*st = (struct status_static){ .id = ip("10.1.1.10"), .resolved = true, .heard = true,
				      .endpoint = ep("198.51.100.10", 50510), .has_silent = true,
				      .silent_s = 90061 };
	snprintf(st->name, sizeof(st->name), "lambda");
	s->statics[4] = (struct status_static){ .id = ip("10.1.1.11"), .resolved = true,
						.endpoint = ep("198.51.100.11", 50511) };
}

/* Edges: a few claims, one-sided ones, one to no record, and the listed peers that are silent. */
static void add_edges(struct status_snapshot *s)
{
	static const struct {
		const char *from, *to;
		uint8_t kind;
		uint16_t cost;
		bool both;
	} e[] = {
		{ "10.1.1.1", "10.1.1.2", WIRE_PATH_LAN, 1, true },
		{ "10.1.1.2", "10.1.1.1", WIRE_PATH_LAN, 1, true },
		{ "10.1.1.1", "10.1.1.3", WIRE_PATH_NAT, 20, true },
		{ "10.1.1.3", "10.1.1.1", WIRE_PATH_NAT, 20, true },
		{ "10.1.1.1", "10.1.1.4", WIRE_PATH_DIRECT, 10, true },
		{ "10.1.1.4", "10.1.1.1", WIRE_PATH_DIRECT, 10, true },
		{ "10.1.1.2", "10.1.1.5", WIRE_PATH_NAT, 20, false },
		{ "10.1.1.4", "10.1.1.99", WIRE_PATH_DIRECT, 10, false },
	};
	size_t n = sizeof(e) / sizeof(e[0]);

	s->has_edges = true;
	s->edges = calloc(n + 3, sizeof(*s->edges));
	assert_non_null(s->edges);
	for (size_t i = 0; i < n; i++)
		s->edges[s->n_edges++] = (struct status_edge){ .from = ip(e[i].from),
							       .to = ip(e[i].to), .kind = e[i].kind,
							       .cost = e[i].cost, .both = e[i].both };
	s->edges[s->n_edges++] = (struct status_edge){ .from = ip("10.1.1.1"), .to = ip("10.1.1.9"),
						       .kind = STATUS_EDGE_SILENT,
						       .endpoint = ep("203.0.113.9", 50509),
						       .has_silent = true, .silent_s = 62 };
	s->edges[s->n_edges++] = (struct status_edge){ .from = ip("10.1.1.1"), .to = ip("10.1.1.88"),
						       .kind = STATUS_EDGE_SILENT };
	s->edges[s->n_edges++] = (struct status_edge){ .from = ip("10.1.1.1"), .to = ip("10.1.1.11"),
						       .kind = STATUS_EDGE_SILENT,
						       .endpoint = ep("198.51.100.11", 50511) };
}

/*
 * Routes: one of ours, a LAN two nodes carry (gamma active, delta on
 * standby), a prefix refused, beta's exit offer in use (auto).
 */
static void add_routes(struct status_snapshot *s)
{
	static const struct {
		const char *dst;
		const char *node, *id, *path;
		bool exit, ours, active;
		uint8_t verdict;
	} r[] = {
		{ "10.20.0.0/16", "alpha", "10.1.1.1", "", false, true, false, MESH_ROUTE_OURS },
		{ "0.0.0.0/0", "beta", "10.1.1.2", "direct", true, false, true, MESH_ROUTE_ACCEPTED },
		{ "192.168.7.0/24", "gamma", "10.1.1.3", "direct (NAT)", false, false, true,
		  MESH_ROUTE_ACCEPTED },
		{ "192.168.7.0/24", "delta", "10.1.1.4", "via beta", false, false, false,
		  MESH_ROUTE_ACCEPTED },
		{ "172.31.0.0/16", "eta", "10.1.1.7", "LAN", false, false, false,
		  MESH_ROUTE_NOT_ACCEPTED },
	};

	s->routes = calloc(sizeof(r) / sizeof(r[0]), sizeof(*s->routes));
	assert_non_null(s->routes);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct status_route *x = &s->routes[s->n_routes++];
		assert_int_equal(prefix_parse(&x->dst, r[i].dst, NULL), 0);
		x->node = ip(r[i].id);
		snprintf(x->node_name, sizeof(x->node_name), "%s", r[i].node);
		snprintf(x->path, sizeof(x->path), "%s", r[i].path);
		x->exit = r[i].exit;
		x->ours = r[i].ours;
		x->active = r[i].active;
		x->verdict = r[i].verdict;
	}
	s->exit.use = MESH_EXIT_AUTO;
	s->exit.active = true;
	snprintf(s->exit.node_name, sizeof(s->exit.node_name), "beta");
	s->exit.refused = 1;
}

/*
 * Membership: a CA, our certificate ending in 3 days less an hour (a
 * warning), revocations and certificates held, refusals, and a change of
 * the shared key under way.
 */
static void add_member(struct status_snapshot *s)
{
	s->member.has_ca = true;
	s->member.serial = 0x606f808c41af0ce0ull;
	s->member.not_after = NOW + 3 * 86400 - 3600;
	s->member.n_revoked = 2;
	s->member.n_certs = 3;
	s->member.refused = 5;
	s->member.has_prev_key = true;
	s->member.prev_key_opened = 12;
}

static void make(struct status_snapshot *s, bool edges)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "wg0");
	snprintf(s->name, sizeof(s->name), "alpha");
	snprintf(s->backend, sizeof(s->backend), "userspace");
	s->id = ip("10.1.1.1");
	s->now = NOW;
	s->uptime_s = 93784;
	s->has_ctr = true;
	s->ctr.drops[WIRE_DROP_REPLAY] = 3;
	s->ctr.drops[WIRE_DROP_OPEN_FAILED] = 1;
	s->ctr.drops[WIRE_DROP_UNCONFIRMED] = 12;
	s->ctr.drops[WIRE_DROP_SELF] = 2;
	s->ctr.rx[WIRE_HELLO] = 5;
	s->ctr.rx[WIRE_RECORD] = 40;
	s->ctr.tx[WIRE_PING] = 7;
	s->ctr.tx[WIRE_PONG] = 8;
	s->ctr.route_changes = 4;
	s->ctr.spf_runs = 9;
	s->ctr.claims_refused = 1;
	s->ctr.takeovers = 2;
	s->ctr.boot_moves = 3;
	s->ctr.nodes_refused = 5;
	s->ctr.reply_limited = 6;
	s->socket_drops[0] = 17;
	s->has_socket_drops[0] = true;
	s->has_socket_drops[1] = true;
	add_nodes(s);
	add_statics(s);
	add_routes(s);
	add_member(s);
	if (edges)
		add_edges(s);
	status_explain(s);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* Render s with f into a string the caller frees. */
static char *render(const struct status_snapshot *s,
		    void (*f)(const struct status_snapshot *, struct status_buf *))
{
	struct status_buf b;
	char *out;

	status_buf_init(&b, 1 << 20);
	f(s, &b);
	assert_false(b.failed);
	assert_non_null(b.p);
	out = strdup(b.p);
	assert_non_null(out);
	status_buf_free(&b);
	return out;
}

static void metrics(const struct status_snapshot *s, struct status_buf *b)
{
	status_format_metrics(s, "0.1.0", b);
}

/* The first line that differs, then the whole output. */
static void same(const char *got, const char *want)
{
	size_t line = 1, i = 0;

	while (got[i] && got[i] == want[i]) {
		line += got[i] == '\n';
		i++;
	}
	if (got[i] != want[i])
		fail_msg("differs at line %zu, byte %zu:\n%s", line, i, got);
}

/* ---- the expected bytes ---- */

static const char want_text[] =
	"interface wg0, node alpha 10.1.1.1, backend userspace, up 1d02h; 12 nodes, 9 reachable, 3 "
	"direct\n"
	"NAME       ADDRESS    PATH           ENDPOINT             HANDSHAKE  RX         TX         "
	"RTT     SINCE\n"
	"alpha      10.1.1.1   self           -                    -          -          -          - "
	"      1d02h\n"
	"beta       10.1.1.2   LAN            192.0.2.12:50012     5s ago     117.7 MiB  964.5 KiB  "
	"<1 ms   5m00s\n"
	"gamma      10.1.1.3   direct (NAT)   203.0.113.7:41234    1m30s ago  2.0 KiB    1023 B     "
	"24 ms   59m59s\n"
	"delta      10.1.1.4   direct         [2001:db8::4]:50004  1h01m ago  0 B        0 B        "
	"250 ms  1d00h\n"
	"ep\"si\\lon  10.1.1.5   via beta       -                    -          -          -          "
	"-       45s\n"
	"zeta       10.1.1.6   via gamma      -                    -          -          -          - "
	"      12s\n"
	"eta        10.1.1.7   via 10.1.1.99  198.51.100.7:50007   2m10s ago  4.0 KiB    8.0 KiB    - "
	"      2h00m\n"
	"theta      10.1.1.8   via delta      198.51.100.8:50008   never      0 B        148 B      - "
	"      1s\n"
	"iota       10.1.1.12  via beta       -                    -          -          -          - "
	"      10m00s\n"
	"kappa      10.1.1.13  left           -                    -          -          -          - "
	"      -\n"
	"lambda     10.1.1.10  lost           -                    -          -          -          - "
	"      -\n"
	"mu         10.1.1.14  lost           -                    -          -          -          - "
	"      -\n"
	"  delta: refused 2 claim(s) of its address by another node (see the log)\n"
	"  ep\"si\\lon: no direct path: reachable via beta; direct: the NAT changes its port per "
	"destination\n"
	"  zeta: no direct path: reachable via gamma; trying a direct path (round 3)\n"
	"  eta: no direct path: reachable via 10.1.1.99; trying 198.51.100.7:50007 directly, last "
	"handshake 2m10s ago\n"
	"  theta: no direct path: reachable via delta; trying 198.51.100.8:50008 directly, no "
	"handshake yet\n"
	"  iota: no direct path: reachable via beta (its static endpoint does not answer)\n"
	"  kappa: left: it said goodbye\n"
	"  lambda: lost: its static endpoint does not answer\n"
	"  mu: lost: it stopped answering, no node has a link to it\n"
	"  static peer 10.1.1.9 at 203.0.113.9:50509: no answer since 22:12:18 (1m02s), never heard\n"
	"  static peer 10.1.1.88: its endPoint has no address (yet)\n"
	"  static peer lambda 10.1.1.10 at 198.51.100.10:50510: no answer since 2023-11-13 21:12:19 "
	"(1d01h)\n"
	"  static peer 10.1.1.11 at 198.51.100.11:50511: no answer yet\n"
	"routes:\n"
	"  PREFIX               NODE           PATH             STATE\n"
	"  10.20.0.0/16         (this node)    -                ours\n"
	"  exit node            beta           direct           active\n"
	"  192.168.7.0/24       gamma          direct (NAT)     active\n"
	"  192.168.7.0/24       delta          via beta         standby\n"
	"  172.31.0.0/16        eta            LAN              refused: outside network.acceptRoutes\n"
	"exit node: using beta (auto)\n"
	"membership: certificate 606f808c41af0ce0, valid until 2023-11-17 21:13 UTC (3 day(s) left); "
	"2 revocation(s) held, 3 other certificate(s) held, 5 refused for their certificate\n"
	"  warning: this node's certificate expires in 3 day(s): sign a new one (wg_netmanager ca sign)\n"
	"shared key: previousSharedKey accepted too; 12 datagram(s) opened with it since it was set\n"
	"admin port drops: open-failed 1, replay 3 (harmless: unconfirmed 12, self 2)\n";

static const char want_json[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"interface\": \"wg0\",\n"
	"  \"node\": {\"name\": \"alpha\", \"address\": \"10.1.1.1\", \"backend\": \"userspace\"},\n"
	"  \"time\": 1700000000,\n"
	"  \"uptime_s\": 93784,\n"
	"  \"summary\": {\"known\": 12, \"reachable\": 9, \"direct\": 3},\n"
	"  \"nodes\": [\n"
	"    {\"name\": \"alpha\", \"address\": \"10.1.1.1\", \"path\": \"self\", \"via\": null, "
	"\"via_name\": null, \"endpoint\": null, \"last_handshake\": null, \"last_handshake_age_s\": "
	"null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, \"cost\": 0, \"path_age_s\": "
	"93784, \"path_since\": 1699906216, \"static\": true, \"adjacent\": false, \"no_transit\": "
	"false, \"gone\": null, \"claims_refused\": 0, \"public_key\": "
	"\"sZEJnEjTUxQORJQFaPh/4qWg6VJ6FtR6dHFgiZBlOxE=\", \"reason\": null},\n"
	"    {\"name\": \"beta\", \"address\": \"10.1.1.2\", \"path\": \"lan\", \"via\": "
	"\"10.1.1.2\", \"via_name\": \"beta\", \"endpoint\": \"192.0.2.12:50012\", "
	"\"last_handshake\": 1699999995, \"last_handshake_age_s\": 5, \"rx_bytes\": 123456789, "
	"\"tx_bytes\": 987654, \"rtt_ms\": 0, \"cost\": 1, \"path_age_s\": 300, \"path_since\": "
	"1699999700, \"static\": true, \"adjacent\": true, \"no_transit\": false, \"gone\": null, "
	"\"claims_refused\": 0, \"public_key\": \"hfvTd0DG6KM7ADcMOmOp+VpA9mNzQ3NLGFKrRg0WNjk=\", "
	"\"reason\": null},\n"
	"    {\"name\": \"gamma\", \"address\": \"10.1.1.3\", \"path\": \"nat\", \"via\": "
	"\"10.1.1.3\", \"via_name\": \"gamma\", \"endpoint\": \"203.0.113.7:41234\", "
	"\"last_handshake\": 1699999910, \"last_handshake_age_s\": 90, \"rx_bytes\": 2048, "
	"\"tx_bytes\": 1023, \"rtt_ms\": 24, \"cost\": 20, \"path_age_s\": 3599, \"path_since\": "
	"1699996401, \"static\": false, \"adjacent\": true, \"no_transit\": false, \"gone\": null, "
	"\"claims_refused\": 0, \"public_key\": null, \"reason\": null},\n"
	"    {\"name\": \"delta\", \"address\": \"10.1.1.4\", \"path\": \"direct\", \"via\": "
	"\"10.1.1.4\", \"via_name\": \"delta\", \"endpoint\": \"[2001:db8::4]:50004\", "
	"\"last_handshake\": 1699996300, \"last_handshake_age_s\": 3700, \"rx_bytes\": 0, "
	"\"tx_bytes\": 0, \"rtt_ms\": 250, \"cost\": 10, \"path_age_s\": 86401, \"path_since\": "
	"1699913599, \"static\": false, \"adjacent\": true, \"no_transit\": true, \"gone\": null, "
	"\"claims_refused\": 2, \"public_key\": null, \"reason\": null},\n"
	"    {\"name\": \"ep\\\"si\\\\lon\", \"address\": \"10.1.1.5\", \"path\": \"gateway\", "
	"\"via\": \"10.1.1.2\", \"via_name\": \"beta\", \"endpoint\": null, \"last_handshake\": null, "
	"\"last_handshake_age_s\": null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, "
	"\"cost\": 21, \"path_age_s\": 45, \"path_since\": 1699999955, \"static\": false, "
	"\"adjacent\": false, \"no_transit\": false, \"gone\": null, \"claims_refused\": 0, "
	"\"public_key\": null, \"reason\": \"no direct path: reachable via beta; direct: the NAT "
	"changes its port per destination\"},\n"
	"    {\"name\": \"zeta\", \"address\": \"10.1.1.6\", \"path\": \"gateway\", \"via\": "
	"\"10.1.1.3\", \"via_name\": \"gamma\", \"endpoint\": null, \"last_handshake\": null, "
	"\"last_handshake_age_s\": null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, "
	"\"cost\": 40, \"path_age_s\": 12, \"path_since\": 1699999988, \"static\": false, "
	"\"adjacent\": false, \"no_transit\": false, \"gone\": null, \"claims_refused\": 0, "
	"\"public_key\": null, \"reason\": \"no direct path: reachable via gamma; trying a direct "
	"path (round 3)\"},\n"
	"    {\"name\": \"eta\", \"address\": \"10.1.1.7\", \"path\": \"gateway\", \"via\": "
	"\"10.1.1.99\", \"via_name\": \"10.1.1.99\", \"endpoint\": \"198.51.100.7:50007\", "
	"\"last_handshake\": 1699999870, \"last_handshake_age_s\": 130, \"rx_bytes\": 4096, "
	"\"tx_bytes\": 8192, \"rtt_ms\": null, \"cost\": 30, \"path_age_s\": 7200, \"path_since\": "
	"1699992800, \"static\": false, \"adjacent\": false, \"no_transit\": false, \"gone\": null, "
	"\"claims_refused\": 0, \"public_key\": null, \"reason\": \"no direct path: reachable via "
	"10.1.1.99; trying 198.51.100.7:50007 directly, last handshake 2m10s ago\"},\n"
	"    {\"name\": \"theta\", \"address\": \"10.1.1.8\", \"path\": \"gateway\", \"via\": "
	"\"10.1.1.4\", \"via_name\": \"delta\", \"endpoint\": \"198.51.100.8:50008\", "
	"\"last_handshake\": null, \"last_handshake_age_s\": null, \"rx_bytes\": 0, \"tx_bytes\": "
	"148, \"rtt_ms\": null, \"cost\": 15, \"path_age_s\": 1, \"path_since\": 1699999999, "
	"\"static\": false, \"adjacent\": false, \"no_transit\": false, \"gone\": null, "
	"\"claims_refused\": 0, \"public_key\": null, \"reason\": \"no direct path: reachable via "
	"delta; trying 198.51.100.8:50008 directly, no handshake yet\"},\n"
	"    {\"name\": \"iota\", \"address\": \"10.1.1.12\", \"path\": \"gateway\", \"via\": "
	"\"10.1.1.2\", \"via_name\": \"beta\", \"endpoint\": null, \"last_handshake\": null, "
	"\"last_handshake_age_s\": null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, "
	"\"cost\": 11, \"path_age_s\": 600, \"path_since\": 1699999400, \"static\": true, "
	"\"adjacent\": false, \"no_transit\": false, \"gone\": null, \"claims_refused\": 0, "
	"\"public_key\": null, \"reason\": \"no direct path: reachable via beta (its static endpoint "
	"does not answer)\"},\n"
	"    {\"name\": \"kappa\", \"address\": \"10.1.1.13\", \"path\": \"unreachable\", \"via\": "
	"null, \"via_name\": null, \"endpoint\": null, \"last_handshake\": null, "
	"\"last_handshake_age_s\": null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, "
	"\"cost\": 0, \"path_age_s\": null, \"path_since\": null, \"static\": false, \"adjacent\": "
	"false, \"no_transit\": false, \"gone\": \"left\", \"claims_refused\": 0, \"public_key\": "
	"null, \"reason\": \"left: it said goodbye\"},\n"
	"    {\"name\": \"lambda\", \"address\": \"10.1.1.10\", \"path\": \"unreachable\", \"via\": "
	"null, \"via_name\": null, \"endpoint\": null, \"last_handshake\": null, "
	"\"last_handshake_age_s\": null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, "
	"\"cost\": 0, \"path_age_s\": null, \"path_since\": null, \"static\": true, \"adjacent\": "
	"false, \"no_transit\": false, \"gone\": \"lost\", \"claims_refused\": 0, \"public_key\": "
	"null, \"reason\": \"lost: its static endpoint does not answer\"},\n"
	"    {\"name\": \"mu\", \"address\": \"10.1.1.14\", \"path\": \"unreachable\", \"via\": null, "
	"\"via_name\": null, \"endpoint\": null, \"last_handshake\": null, \"last_handshake_age_s\": "
	"null, \"rx_bytes\": null, \"tx_bytes\": null, \"rtt_ms\": null, \"cost\": 0, \"path_age_s\": "
	"null, \"path_since\": null, \"static\": false, \"adjacent\": false, \"no_transit\": false, "
	"\"gone\": \"lost\", \"claims_refused\": 0, \"public_key\": "
	"\"YbR2+xZ4ifNe4P1bpiVRxyDbJ5p3hGtTfVzsM1aeFHI=\", \"reason\": \"lost: it stopped answering, "
	"no node has a link to it\"}\n"
	"  ],\n"
	"  \"drops\": {\"short\": 0, \"oversize\": 0, \"bad-magic\": 0, \"bad-version\": 0, "
	"\"open-failed\": 1, \"malformed\": 0, \"unknown-type\": 0, \"replay\": 3, \"old-boot\": 0, "
	"\"unconfirmed\": 12, \"refused\": 0, \"self\": 2},\n"
	"  \"packets\": {\"rx\": {\"hello\": 5, \"hello_reply\": 0, \"record\": 40, \"digest\": 0, "
	"\"request\": 0, \"leave\": 0, \"ping\": 0, \"pong\": 0, \"cert\": 0, "
	"\"cert_request\": 0, \"revoke\": 0}, \"tx\": {\"hello\": 0, "
	"\"hello_reply\": 0, \"record\": 0, \"digest\": 0, \"request\": 0, \"leave\": 0, \"ping\": 7, "
	"\"pong\": 8, \"cert\": 0, \"cert_request\": 0, \"revoke\": 0}},\n"
	"  \"route_changes\": 4,\n"
	"  \"spf_runs\": 9,\n"
	"  \"claims_refused\": 1,\n"
	"  \"takeovers\": 2,\n"
	"  \"boot_moves\": 3,\n"
	"  \"nodes_refused\": 5,\n"
	"  \"reply_limited\": 6,\n"
	"  \"drops_summary\": {\"harmless\": 14, \"suspicious\": 4},\n"
	"  \"static_peers\": [\n"
	"    {\"name\": \"beta\", \"address\": \"10.1.1.2\", \"endpoint\": \"192.0.2.12:50502\", "
	"\"answers\": true, \"heard\": true, \"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"name\": null, \"address\": \"10.1.1.9\", \"endpoint\": \"203.0.113.9:50509\", "
	"\"answers\": false, \"heard\": false, \"no_answer_since\": 1699999938, \"no_answer_s\": "
	"62},\n"
	"    {\"name\": null, \"address\": \"10.1.1.88\", \"endpoint\": null, \"answers\": false, "
	"\"heard\": false, \"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"name\": \"lambda\", \"address\": \"10.1.1.10\", \"endpoint\": "
	"\"198.51.100.10:50510\", \"answers\": false, \"heard\": true, \"no_answer_since\": "
	"1699909939, \"no_answer_s\": 90061},\n"
	"    {\"name\": null, \"address\": \"10.1.1.11\", \"endpoint\": \"198.51.100.11:50511\", "
	"\"answers\": false, \"heard\": false, \"no_answer_since\": null, \"no_answer_s\": null}\n"
	"  ],\n"
	"  \"routes\": [\n"
	"    {\"prefix\": \"10.20.0.0/16\", \"exit\": false, \"node\": \"alpha\", \"node_address\": \"10.1.1.1\", \"path\": null, \"state\": \"ours\", \"reason\": null},\n"
	"    {\"prefix\": \"0.0.0.0/0\", \"exit\": true, \"node\": \"beta\", \"node_address\": \"10.1.1.2\", \"path\": \"direct\", \"state\": \"active\", \"reason\": null},\n"
	"    {\"prefix\": \"192.168.7.0/24\", \"exit\": false, \"node\": \"gamma\", \"node_address\": \"10.1.1.3\", \"path\": \"direct (NAT)\", \"state\": \"active\", \"reason\": null},\n"
	"    {\"prefix\": \"192.168.7.0/24\", \"exit\": false, \"node\": \"delta\", \"node_address\": \"10.1.1.4\", \"path\": \"via beta\", \"state\": \"standby\", \"reason\": null},\n"
	"    {\"prefix\": \"172.31.0.0/16\", \"exit\": false, \"node\": \"eta\", \"node_address\": \"10.1.1.7\", \"path\": \"LAN\", \"state\": \"refused\", \"reason\": \"outside network.acceptRoutes\"}\n"
	"  ],\n"
	"  \"routes_left_out\": 0,\n"
	"  \"routes_refused\": 1,\n"
	"  \"exit_node\": {\"use\": \"auto\", \"want\": null, \"active\": \"beta\", \"why_none\": null, \"offered\": false},\n"
	"  \"membership\": {\"ca\": true, \"serial\": \"606f808c41af0ce0\", \"not_after\": 1700255600, "
	"\"days_left\": 3, \"expiry_warning\": true, \"revoked\": false, \"revocations\": 2, "
	"\"certificates\": 3, \"refused\": 5, \"previous_shared_key\": true, \"previous_key_opened\": 12},\n"
	"  \"edges\": [\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": \"beta\", \"to_address\": "
	"\"10.1.1.2\", \"kind\": \"lan\", \"cost\": 1, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"beta\", \"from_address\": \"10.1.1.2\", \"to\": \"alpha\", \"to_address\": "
	"\"10.1.1.1\", \"kind\": \"lan\", \"cost\": 1, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": \"gamma\", \"to_address\": "
	"\"10.1.1.3\", \"kind\": \"nat\", \"cost\": 20, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"gamma\", \"from_address\": \"10.1.1.3\", \"to\": \"alpha\", \"to_address\": "
	"\"10.1.1.1\", \"kind\": \"nat\", \"cost\": 20, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": \"delta\", \"to_address\": "
	"\"10.1.1.4\", \"kind\": \"direct\", \"cost\": 10, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"delta\", \"from_address\": \"10.1.1.4\", \"to\": \"alpha\", \"to_address\": "
	"\"10.1.1.1\", \"kind\": \"direct\", \"cost\": 10, \"both\": true, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"beta\", \"from_address\": \"10.1.1.2\", \"to\": \"ep\\\"si\\\\lon\", "
	"\"to_address\": \"10.1.1.5\", \"kind\": \"nat\", \"cost\": 20, \"both\": false, "
	"\"endpoint\": null, \"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"delta\", \"from_address\": \"10.1.1.4\", \"to\": null, \"to_address\": "
	"\"10.1.1.99\", \"kind\": \"direct\", \"cost\": 10, \"both\": false, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": null, \"to_address\": "
	"\"10.1.1.9\", \"kind\": \"silent\", \"cost\": null, \"both\": false, \"endpoint\": "
	"\"203.0.113.9:50509\", \"no_answer_since\": 1699999938, \"no_answer_s\": 62},\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": null, \"to_address\": "
	"\"10.1.1.88\", \"kind\": \"silent\", \"cost\": null, \"both\": false, \"endpoint\": null, "
	"\"no_answer_since\": null, \"no_answer_s\": null},\n"
	"    {\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": null, \"to_address\": "
	"\"10.1.1.11\", \"kind\": \"silent\", \"cost\": null, \"both\": false, \"endpoint\": "
	"\"198.51.100.11:50511\", \"no_answer_since\": null, \"no_answer_s\": null}\n"
	"  ]\n"
	"}\n";

static const char want_metrics[] =
	"# HELP wgnm_info This node; always 1.\n"
	"# TYPE wgnm_info gauge\n"
	"wgnm_info{interface=\"wg0\",name=\"alpha\",address=\"10.1.1.1\",version=\"0.1.0\"} 1\n"
	"# HELP wgnm_uptime_seconds Seconds since the daemon started.\n"
	"# TYPE wgnm_uptime_seconds gauge\n"
	"wgnm_uptime_seconds{interface=\"wg0\"} 93784\n"
	"# HELP wgnm_packets_total Admin packets by message type and direction.\n"
	"# TYPE wgnm_packets_total counter\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"hello\"} 5\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"hello_reply\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"record\"} 40\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"digest\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"request\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"leave\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"ping\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"pong\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"cert\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"cert_request\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"revoke\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"hello\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"hello_reply\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"record\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"digest\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"request\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"leave\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"ping\"} 7\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"pong\"} 8\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"cert\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"cert_request\"} 0\n"
	"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"revoke\"} 0\n"
	"# HELP wgnm_drops_total Admin port datagrams dropped, by reason.\n"
	"# TYPE wgnm_drops_total counter\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"short\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"oversize\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"bad-magic\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"bad-version\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"open-failed\"} 1\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"malformed\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"unknown-type\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"replay\"} 3\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"old-boot\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"unconfirmed\"} 12\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"refused\"} 0\n"
	"wgnm_drops_total{interface=\"wg0\",reason=\"self\"} 2\n"
	"# HELP wgnm_socket_drops_total Datagrams the kernel dropped on our sockets before we read "
	"them (receive buffer full), by socket.\n"
	"# TYPE wgnm_socket_drops_total counter\n"
	"wgnm_socket_drops_total{interface=\"wg0\",socket=\"admin\"} 17\n"
	"wgnm_socket_drops_total{interface=\"wg0\",socket=\"lan\"} 0\n"
	"# HELP wgnm_route_changes_total Kernel route changes made.\n"
	"# TYPE wgnm_route_changes_total counter\n"
	"wgnm_route_changes_total{interface=\"wg0\"} 4\n"
	"# HELP wgnm_spf_runs_total Shortest-path computations.\n"
	"# TYPE wgnm_spf_runs_total counter\n"
	"wgnm_spf_runs_total{interface=\"wg0\"} 9\n"
	"# HELP wgnm_claims_refused_total Second starts of a live node's address, refused.\n"
	"# TYPE wgnm_claims_refused_total counter\n"
	"wgnm_claims_refused_total{interface=\"wg0\"} 1\n"
	"# HELP wgnm_takeovers_total New starts elsewhere that replaced a node which stopped "
	"answering.\n"
	"# TYPE wgnm_takeovers_total counter\n"
	"wgnm_takeovers_total{interface=\"wg0\"} 2\n"
	"# HELP wgnm_boot_moves_total Times this node moved its boot id past a newer record of "
	"itself.\n"
	"# TYPE wgnm_boot_moves_total counter\n"
	"wgnm_boot_moves_total{interface=\"wg0\"} 3\n"
	"# HELP wgnm_nodes_refused_total Records or contacts of new nodes refused at the node cap.\n"
	"# TYPE wgnm_nodes_refused_total counter\n"
	"wgnm_nodes_refused_total{interface=\"wg0\"} 5\n"
	"# HELP wgnm_reply_limited_total Record parts not sent in answers: the per-datagram or "
	"per-second budget.\n"
	"# TYPE wgnm_reply_limited_total counter\n"
	"wgnm_reply_limited_total{interface=\"wg0\"} 6\n"
	"# HELP wgnm_nodes_known Nodes in the link-state database, self included.\n"
	"# TYPE wgnm_nodes_known gauge\n"
	"wgnm_nodes_known{interface=\"wg0\"} 12\n"
	"# HELP wgnm_nodes_reachable Nodes with a path, self included.\n"
	"# TYPE wgnm_nodes_reachable gauge\n"
	"wgnm_nodes_reachable{interface=\"wg0\"} 9\n"
	"# HELP wgnm_direct_peers Nodes reached directly (LAN, direct, NAT).\n"
	"# TYPE wgnm_direct_peers gauge\n"
	"wgnm_direct_peers{interface=\"wg0\"} 3\n"
	"# HELP wgnm_node_path 1 for the path kind each node is reached by (self, lan, direct, nat, "
	"gateway, unreachable).\n"
	"# TYPE wgnm_node_path gauge\n"
	"wgnm_node_path{interface=\"wg0\",node=\"alpha\",address=\"10.1.1.1\",path=\"self\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\",path=\"lan\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\",path=\"nat\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"delta\",address=\"10.1.1.4\",path=\"direct\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"ep\\\"si\\\\lon\",address=\"10.1.1.5\",path=\"gateway\"} "
	"1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"zeta\",address=\"10.1.1.6\",path=\"gateway\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"eta\",address=\"10.1.1.7\",path=\"gateway\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"theta\",address=\"10.1.1.8\",path=\"gateway\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"iota\",address=\"10.1.1.12\",path=\"gateway\"} 1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"kappa\",address=\"10.1.1.13\",path=\"unreachable\"} "
	"1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"lambda\",address=\"10.1.1.10\",path=\"unreachable\"} "
	"1\n"
	"wgnm_node_path{interface=\"wg0\",node=\"mu\",address=\"10.1.1.14\",path=\"unreachable\"} 1\n"
	"# HELP wgnm_node_rtt_seconds Round-trip time to a neighbour.\n"
	"# TYPE wgnm_node_rtt_seconds gauge\n"
	"wgnm_node_rtt_seconds{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 0.000\n"
	"wgnm_node_rtt_seconds{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\"} 0.024\n"
	"wgnm_node_rtt_seconds{interface=\"wg0\",node=\"delta\",address=\"10.1.1.4\"} 0.250\n"
	"# HELP wgnm_peer_rx_bytes_total WireGuard bytes received from a peer.\n"
	"# TYPE wgnm_peer_rx_bytes_total counter\n"
	"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 123456789\n"
	"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\"} 2048\n"
	"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"delta\",address=\"10.1.1.4\"} 0\n"
	"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"eta\",address=\"10.1.1.7\"} 4096\n"
	"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"theta\",address=\"10.1.1.8\"} 0\n"
	"# HELP wgnm_peer_tx_bytes_total WireGuard bytes sent to a peer.\n"
	"# TYPE wgnm_peer_tx_bytes_total counter\n"
	"wgnm_peer_tx_bytes_total{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 987654\n"
	"wgnm_peer_tx_bytes_total{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\"} 1023\n"
	"wgnm_peer_tx_bytes_total{interface=\"wg0\",node=\"delta\",address=\"10.1.1.4\"} 0\n"
	"wgnm_peer_tx_bytes_total{interface=\"wg0\",node=\"eta\",address=\"10.1.1.7\"} 8192\n"
	"wgnm_peer_tx_bytes_total{interface=\"wg0\",node=\"theta\",address=\"10.1.1.8\"} 148\n"
	"# HELP wgnm_peer_last_handshake_seconds Unix time of the last WireGuard handshake with a "
	"peer.\n"
	"# TYPE wgnm_peer_last_handshake_seconds gauge\n"
	"wgnm_peer_last_handshake_seconds{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} "
	"1699999995\n"
	"wgnm_peer_last_handshake_seconds{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\"} "
	"1699999910\n"
	"wgnm_peer_last_handshake_seconds{interface=\"wg0\",node=\"delta\",address=\"10.1.1.4\"} "
	"1699996300\n"
	"wgnm_peer_last_handshake_seconds{interface=\"wg0\",node=\"eta\",address=\"10.1.1.7\"} "
	"1699999870\n"
	"# HELP wgnm_routes Subnet routes and exit offers known, by state.\n"
	"# TYPE wgnm_routes gauge\n"
	"wgnm_routes{interface=\"wg0\",state=\"ours\"} 1\n"
	"wgnm_routes{interface=\"wg0\",state=\"active\"} 2\n"
	"wgnm_routes{interface=\"wg0\",state=\"standby\"} 1\n"
	"wgnm_routes{interface=\"wg0\",state=\"refused\"} 1\n"
	"# HELP wgnm_routes_refused_total Route and exit node announcements refused, each counted once.\n"
	"# TYPE wgnm_routes_refused_total counter\n"
	"wgnm_routes_refused_total{interface=\"wg0\"} 1\n"
	"# HELP wgnm_exit_node_active 1 while an exit node carries this node's internet traffic.\n"
	"# TYPE wgnm_exit_node_active gauge\n"
	"wgnm_exit_node_active{interface=\"wg0\"} 1\n"
	"# HELP wgnm_member_ca 1 when network.caKey is set: only certified nodes are admitted.\n"
	"# TYPE wgnm_member_ca gauge\n"
	"wgnm_member_ca{interface=\"wg0\"} 1\n"
	"# HELP wgnm_member_cert_expiry_seconds When this node's certificate ends, in unix seconds.\n"
	"# TYPE wgnm_member_cert_expiry_seconds gauge\n"
	"wgnm_member_cert_expiry_seconds{interface=\"wg0\",serial=\"606f808c41af0ce0\"} 1700255600\n"
	"# HELP wgnm_member_cert_days_left Days until this node's certificate ends, a day begun "
	"counted (negative: expired; the log and status warn from 7).\n"
	"# TYPE wgnm_member_cert_days_left gauge\n"
	"wgnm_member_cert_days_left{interface=\"wg0\"} 3\n"
	"# HELP wgnm_member_cert_revoked 1 when a revocation names this node's certificate.\n"
	"# TYPE wgnm_member_cert_revoked gauge\n"
	"wgnm_member_cert_revoked{interface=\"wg0\"} 0\n"
	"# HELP wgnm_member_revocations Revocations held.\n"
	"# TYPE wgnm_member_revocations gauge\n"
	"wgnm_member_revocations{interface=\"wg0\"} 2\n"
	"# HELP wgnm_member_certificates Other nodes' certificates held.\n"
	"# TYPE wgnm_member_certificates gauge\n"
	"wgnm_member_certificates{interface=\"wg0\"} 3\n"
	"# HELP wgnm_member_refused_total Hellos, records and certificates refused for their certificate.\n"
	"# TYPE wgnm_member_refused_total counter\n"
	"wgnm_member_refused_total{interface=\"wg0\"} 5\n"
	"# HELP wgnm_previous_key_opened_total Datagrams opened with network.previousSharedKey since it "
	"was set.\n"
	"# TYPE wgnm_previous_key_opened_total counter\n"
	"wgnm_previous_key_opened_total{interface=\"wg0\"} 12\n";

static const char want_tsv[] =
	"H\twg0\talpha\t10.1.1.1\tuserspace\t1700000000\t93784\n"
	"N\t96\talpha\t10.1.1.1\tself\t::\t-\t[::]:0\t0\t0\t0\t0\t0\t93784\t100\t"
	"sZEJnEjTUxQORJQFaPh/4qWg6VJ6FtR6dHFgiZBlOxE=\t-\n"
	"N\t127\tbeta\t10.1.1.2\tlan\t10.1.1.2\tbeta\t192.0.2.12:50012\t1699999995\t123456789\t"
	"987654\t0\t1\t300\t110\thfvTd0DG6KM7ADcMOmOp+VpA9mNzQ3NLGFKrRg0WNjk=\t-\n"
	"N\t63\tgamma\t10.1.1.3\tnat\t10.1.1.3\tgamma\t203.0.113.7:41234\t1699999910\t2048\t1023\t24\t"
	"20\t3599\t010\t-\t-\n"
	"N\t63\tdelta\t10.1.1.4\tdirect\t10.1.1.4\tdelta\t[2001:db8::4]:50004\t1699996300\t0\t0\t250\t"
	"10\t86401\t011\t-\t-\n"
	"N\t33\tep\"si\\lon\t10.1.1.5\tgateway\t10.1.1.2\tbeta\t[::]:0\t0\t0\t0\t0\t21\t45\t000\t-\t"
	"no direct path: reachable via beta; direct: the NAT changes its port per destination\n"
	"N\t33\tzeta\t10.1.1.6\tgateway\t10.1.1.3\tgamma\t[::]:0\t0\t0\t0\t0\t40\t12\t000\t-\tno "
	"direct path: reachable via gamma; trying a direct path (round 3)\n"
	"N\t47\teta\t10.1.1.7\tgateway\t10.1.1.99\t10.1.1.99\t198.51.100.7:50007\t1699999870\t4096\t"
	"8192\t0\t30\t7200\t000\t-\tno direct path: reachable via 10.1.1.99; trying "
	"198.51.100.7:50007 directly, last handshake 2m10s ago\n"
	"N\t43\ttheta\t10.1.1.8\tgateway\t10.1.1.4\tdelta\t198.51.100.8:50008\t0\t0\t148\t0\t15\t1\t"
	"000\t-\tno direct path: reachable via delta; trying 198.51.100.8:50008 directly, no "
	"handshake yet\n"
	"N\t33\tiota\t10.1.1.12\tgateway\t10.1.1.2\tbeta\t[::]:0\t0\t0\t0\t0\t11\t600\t100\t-\tno "
	"direct path: reachable via beta (its static endpoint does not answer)\n"
	"N\t128\tkappa\t10.1.1.13\tunreachable\t::\t-\t[::]:0\t0\t0\t0\t0\t0\t0\t000\t-\tleft: it "
	"said goodbye\n"
	"N\t0\tlambda\t10.1.1.10\tunreachable\t::\t-\t[::]:0\t0\t0\t0\t0\t0\t0\t100\t-\tlost: its "
	"static endpoint does not answer\n"
	"N\t64\tmu\t10.1.1.14\tunreachable\t::\t-\t[::]:0\t0\t0\t0\t0\t0\t0\t000\t"
	"YbR2+xZ4ifNe4P1bpiVRxyDbJ5p3hGtTfVzsM1aeFHI=\tlost: it stopped answering, no node has a link "
	"to it\n"
	"C\t4\t9\t0\t0\t0\t0\t1\t0\t0\t3\t0\t12\t0\t2\n";

static const char want_edges[] =
	"edges: 8 claimed in 12 records, 6 by both ends (only those carry routes); listed peers that "
	"do not answer as \"silent\"\n"
	"FROM   TO         KIND    COST  STATE\n"
	"alpha  10.1.1.11  silent  -     listed peer at 198.51.100.11:50511, no answer yet\n"
	"alpha  10.1.1.88  silent  -     listed peer; its endPoint has no address (yet)\n"
	"alpha  10.1.1.9   silent  -     listed peer at 203.0.113.9:50509, no answer since 22:12:18 "
	"(1m02s)\n"
	"alpha  beta       LAN     1     both ends\n"
	"alpha  delta      direct  10    both ends\n"
	"alpha  gamma      NAT     20    both ends\n"
	"beta   alpha      LAN     1     both ends\n"
	"beta   ep\"si\\lon  NAT     20    one end: ep\"si\\lon does not claim it\n"
	"delta  10.1.1.99  direct  10    one end: 10.1.1.99 does not claim it\n"
	"delta  alpha      direct  10    both ends\n"
	"gamma  alpha      NAT     20    both ends\n";

/* ---- the cases ---- */

static void test_text(void **state)
{
	struct status_snapshot s;
	char *t;

	(void)state;
	make(&s, false);
	t = render(&s, status_format_text);
	same(t, want_text);
	free(t);
	status_snapshot_free(&s);
}

/* The edges ride in the JSON only when collected; without them it ends after static_peers. */
static void test_json(void **state)
{
	static const char tail[] = ",\n  \"edges\": ";
	struct status_snapshot s;
	char *t, *cut;

	(void)state;
	make(&s, true);
	t = render(&s, status_format_json);
	same(t, want_json);
	free(t);
	status_snapshot_free(&s);

	make(&s, false);
	t = render(&s, status_format_json);
	cut = strstr(want_json, tail);
	assert_non_null(cut);
	assert_int_equal(strlen(t), (size_t)(cut - want_json) + strlen("\n}\n"));
	assert_memory_equal(t, want_json, (size_t)(cut - want_json));
	assert_string_equal(t + (cut - want_json), "\n}\n");
	free(t);
	status_snapshot_free(&s);
}

static void test_metrics(void **state)
{
	struct status_snapshot s;
	char *t;

	(void)state;
	make(&s, false);
	t = render(&s, metrics);
	same(t, want_metrics);
	free(t);
	status_snapshot_free(&s);
}

/* top's feed, and what it reads back renders the same bytes again. */
static void test_tsv(void **state)
{
	struct status_snapshot s, back;
	char *t, *again;

	(void)state;
	make(&s, false);
	t = render(&s, status_format_tsv);
	same(t, want_tsv);
	assert_int_equal(status_parse_tsv(t, strlen(t), &back), 0);
	assert_int_equal(back.n_nodes, s.n_nodes);
	again = render(&back, status_format_tsv);
	assert_string_equal(again, t);
	free(again);
	free(t);
	status_snapshot_free(&back);
	status_snapshot_free(&s);
}

static void test_edges(void **state)
{
	struct status_snapshot s;
	char *t;

	(void)state;
	make(&s, true);
	t = render(&s, status_format_edges_text);
	same(t, want_edges);
	free(t);
	/* beyond STATUS_EDGES_MAX: said in both forms */
	s.edges_left_out = 3;
	t = render(&s, status_format_edges_text);
	assert_int_equal(strlen(t), strlen(want_edges) + strlen("(3 more edges not shown)\n"));
	assert_string_equal(t + strlen(want_edges), "(3 more edges not shown)\n");
	free(t);
	t = render(&s, status_format_json);
	assert_non_null(strstr(t, "\n  ],\n  \"edges_left_out\": 3\n}\n"));
	free(t);
	status_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
