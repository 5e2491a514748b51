/*
 * Tests for src/status.c (snapshots, text, JSON, Prometheus, tsv) and
 * src/notify.c (sd_notify datagrams).
 *
 * The hand-made snapshot used by most cases:
 *
 *     alpha (self) ---- beta ---- gamma        delta: known, no path
 *        \___ direct ___/   \_ via beta
 *
 * test_collect_three_meshes runs three real cores in memory (packets are
 * handed from one to the other without sealing) on the same shape and
 * checks that status_collect sees gamma via beta, with WireGuard data
 * matched to beta by its public key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/mesh.h"
#include "notify.h"
#include "status.h"
#include "sim/sim.h"
#include "tui/tui.h"
#include "wgdev.h"

static struct addr ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(&a, s), 0);
	return a;
}

static void make_snapshot(struct status_snapshot *s)
{
	struct status_node *n;

	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "wg0");
	snprintf(s->name, sizeof(s->name), "alpha");
	snprintf(s->backend, sizeof(s->backend), "kernel");
	s->id = ip("10.1.1.1");
	s->now = 1700000000;
	s->uptime_s = 3725;
	s->has_ctr = true;
	s->ctr.drops[WIRE_DROP_REPLAY] = 3;
	s->ctr.drops[WIRE_DROP_OPEN_FAILED] = 1;
	s->ctr.rx[WIRE_HELLO] = 5;
	s->ctr.tx[WIRE_PING] = 7;
	s->ctr.route_changes = 4;
	s->ctr.spf_runs = 9;
	s->n_nodes = 4;
	s->nodes = calloc(4, sizeof(*s->nodes));
	assert_non_null(s->nodes);

	n = &s->nodes[0];
	snprintf(n->name, sizeof(n->name), "alpha");
	n->id = ip("10.1.1.1");
	n->path = STATUS_PATH_SELF;
	n->has = STATUS_HAS_SINCE | STATUS_HAS_KEY;
	n->since_s = 3725;
	n->is_static = true;
	snprintf(n->public_key, sizeof(n->public_key), "%s",
		 "sZEJnEjTUxQORJQFaPh/4qWg6VJ6FtR6dHFgiZBlOxE=");

	n = &s->nodes[1];
	snprintf(n->name, sizeof(n->name), "beta");
	n->id = ip("10.1.1.2");
	n->path = STATUS_PATH_DIRECT;
	n->has = STATUS_HAS_VIA | STATUS_HAS_ENDPOINT | STATUS_HAS_HANDSHAKE | STATUS_HAS_TRAFFIC |
		 STATUS_HAS_RTT | STATUS_HAS_SINCE;
	n->via = n->id;
	n->endpoint.addr = ip("198.51.100.2");
	n->endpoint.port = 50002;
	n->last_handshake = s->now - 12;
	n->rx_bytes = 1536;
	n->tx_bytes = 100;
	n->rtt_ms = 3;
	n->cost = 3;
	n->since_s = 61;
	n->adjacent = true;

	n = &s->nodes[2];
	snprintf(n->name, sizeof(n->name), "gamma");
	n->id = ip("10.1.1.3");
	n->path = STATUS_PATH_GATEWAY;
	n->has = STATUS_HAS_VIA | STATUS_HAS_SINCE;
	n->via = ip("10.1.1.2");
	n->cost = 13;
	n->since_s = 59;

	n = &s->nodes[3];
	snprintf(n->name, sizeof(n->name), "de\"lta");
	n->id = ip("10.1.1.4");
	n->path = STATUS_PATH_UNREACHABLE;
	n->is_static = true;
	status_explain(s);
}

static void test_paths(void **state)
{
	static const struct {
		enum mesh_path in;
		enum status_path out;
		const char *name;
	} cases[] = {
		{ MESH_PATH_SELF, STATUS_PATH_SELF, "self" },
		{ MESH_PATH_DIRECT, STATUS_PATH_DIRECT, "direct" },
		{ MESH_PATH_GATEWAY, STATUS_PATH_GATEWAY, "gateway" },
		{ MESH_PATH_UNREACHABLE, STATUS_PATH_UNREACHABLE, "unreachable" },
	};
	enum status_path p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(status_path_from_mesh(cases[i].in), cases[i].out);
		assert_string_equal(status_path_name(cases[i].out), cases[i].name);
	}
	for (unsigned i = 0; i < STATUS_PATH__COUNT; i++) {
		assert_int_equal(status_path_parse(status_path_name((enum status_path)i), &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(status_path_parse("sideways", &p), -EINVAL);
	assert_true(status_path_is_direct(STATUS_PATH_LAN));
	assert_true(status_path_is_direct(STATUS_PATH_NAT));
	assert_false(status_path_is_direct(STATUS_PATH_GATEWAY));
	assert_false(status_path_is_direct(STATUS_PATH_SELF));
	assert_string_equal(status_type_name(WIRE_HELLO_REPLY), "hello_reply");
	assert_null(status_type_name(0));
	assert_null(status_type_name(WIRE_TYPE_MAX + 1));
}

static void test_human(void **state)
{
	static const struct {
		uint64_t v;
		const char *bytes, *age;
	} cases[] = {
		{ 0, "0 B", "0s" },
		{ 59, "59 B", "59s" },
		{ 60, "60 B", "1m00s" },
		{ 1023, "1023 B", "17m03s" },
		{ 1536, "1.5 KiB", "25m36s" },
		{ 3725, "3.6 KiB", "1h02m" },
		{ 90000, "87.9 KiB", "1d01h" },
		{ 5ull << 30, "5.0 GiB", "62137d20h" },
	};
	char b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(status_fmt_bytes(cases[i].v, b, sizeof(b)), cases[i].bytes);
		assert_string_equal(status_fmt_age(cases[i].v, b, sizeof(b)), cases[i].age);
	}
}

/* The RTT column: a round trip under a millisecond is "<1 ms", not blank. */
static void test_rtt_column(void **state)
{
	struct status_snapshot s;
	struct status_buf b;
	char rtt[16];

	(void)state;
	make_snapshot(&s);
	assert_string_equal(status_fmt_rtt(&s.nodes[1], rtt, sizeof(rtt)), "3 ms");
	assert_string_equal(status_fmt_rtt(&s.nodes[2], rtt, sizeof(rtt)), "-");
	s.nodes[1].rtt_ms = 0;
	assert_string_equal(status_fmt_rtt(&s.nodes[1], rtt, sizeof(rtt)), "<1 ms");
	status_buf_init(&b, 1 << 20);
	status_format_text(&s, &b);
	assert_non_null(strstr(b.p, " <1 ms "));
	status_buf_free(&b);
	/* and in the metrics: 0 seconds, present */
	status_buf_init(&b, 1 << 20);
	status_format_metrics(&s, "0.1.0", &b);
	assert_non_null(strstr(b.p, "wgnm_node_rtt_seconds{interface=\"wg0\",node=\"beta\","
				   "address=\"10.1.1.2\"} 0.000\n"));
	status_buf_free(&b);
	status_snapshot_free(&s);
}

static void test_explain(void **state)
{
	struct status_snapshot s;

	(void)state;
	make_snapshot(&s);
	assert_string_equal(s.nodes[0].reason, "");
	assert_string_equal(s.nodes[1].reason, "");
	assert_string_equal(s.nodes[2].via_name, "beta");
	assert_string_equal(s.nodes[2].reason, "no direct path: reachable via beta");
	assert_string_equal(s.nodes[3].reason, "lost: its static endpoint does not answer");
	s.nodes[3].is_static = false;
	status_explain(&s);
	assert_string_equal(s.nodes[3].reason, "lost: it stopped answering, no node has a link to it");
	s.nodes[3].has |= STATUS_LEFT;
	status_explain(&s);
	assert_string_equal(s.nodes[3].reason, "left: it said goodbye");
	s.nodes[3].has &= ~STATUS_LEFT;
	/* a direct attempt under way (a WireGuard peer at its endpoint) */
	s.nodes[2].has |= STATUS_HAS_ENDPOINT;
	s.nodes[2].endpoint.addr = ip("203.0.113.3");
	s.nodes[2].endpoint.port = 50003;
	status_explain(&s);
	assert_string_equal(s.nodes[2].reason, "no direct path: reachable via beta; trying "
					       "203.0.113.3:50003 directly, no handshake yet");
	s.nodes[2].has |= STATUS_HAS_HANDSHAKE;
	s.nodes[2].last_handshake = s.now - 75;
	status_explain(&s);
	assert_string_equal(s.nodes[2].reason, "no direct path: reachable via beta; trying "
					       "203.0.113.3:50003 directly, last handshake 1m15s ago");
	assert_int_equal(status_count_reachable(&s), 3);
	assert_int_equal(status_count_direct(&s), 1);
	status_snapshot_free(&s);
	status_snapshot_free(&s); /* idempotent */
	status_snapshot_free(NULL);
}

static void test_buf_cap(void **state)
{
	struct status_buf b;

	(void)state;
	status_buf_init(&b, 16);
	status_buf_printf(&b, "%s", "0123456789");
	assert_false(b.failed);
	assert_string_equal(b.p, "0123456789");
	status_buf_printf(&b, "%s", "0123456789");
	assert_true(b.failed);
	assert_int_equal(b.len, 10); /* nothing partial */
	status_buf_put(&b, "x", 1);
	assert_int_equal(b.len, 10); /* sticky */
	status_buf_free(&b);
}

static void test_text(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	make_snapshot(&s);
	status_buf_init(&b, 1 << 20);
	status_format_text(&s, &b);
	assert_false(b.failed);
	assert_non_null(strstr(b.p, "interface wg0, node alpha 10.1.1.1, backend kernel, up 1h02m; "
				    "4 nodes, 3 reachable, 1 direct\n"));
	assert_non_null(strstr(b.p, "NAME    ADDRESS   PATH      ENDPOINT"));
	assert_non_null(strstr(b.p, "\nbeta    10.1.1.2  direct    198.51.100.2:50002  12s ago    "
				    "1.5 KiB  100 B  3 ms  1m01s\n"));
	assert_non_null(strstr(b.p, "\ngamma   10.1.1.3  via beta  -"));
	assert_non_null(strstr(b.p, "\nde\"lta  10.1.1.4  lost"));
	assert_non_null(strstr(b.p, "  gamma: no direct path: reachable via beta\n"));
	assert_non_null(strstr(b.p, "admin port drops: open-failed 1, replay 3\n"));
	status_buf_free(&b);
	memset(s.ctr.drops, 0, sizeof(s.ctr.drops));
	status_buf_init(&b, 1 << 20);
	status_format_text(&s, &b);
	assert_non_null(strstr(b.p, "admin port drops: none\n"));
	status_buf_free(&b);
	status_snapshot_free(&s);
}

/* ---- a small JSON syntax checker, enough to catch broken output ---- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = js_string(js_ws(p));
				if (!p)
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = js_value(p, depth + 1);
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char *end;
		strtod(p, &end);
		return end;
	}
	return NULL;
}

static bool json_valid(const char *s)
{
	const char *end = js_value(s, 0);

	return end && *js_ws(end) == '\0';
}

static void test_json_checker(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\": [1, -2.5, true, null, \"x\\\"y\\u0001\"], \"b\": {}}"));
	assert_false(json_valid("{\"a\": 1,}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("[\"tab\there\"]"));
	assert_false(json_valid("{} x"));
}

static void test_json(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	make_snapshot(&s);
	status_buf_init(&b, 1 << 20);
	status_format_json(&s, &b);
	assert_false(b.failed);
	if (!json_valid(b.p))
		fail_msg("invalid JSON:\n%s", b.p);
	assert_non_null(strstr(b.p, "\"version\": 1,"));
	assert_non_null(strstr(b.p, "\"interface\": \"wg0\""));
	assert_non_null(strstr(b.p, "\"summary\": {\"known\": 4, \"reachable\": 3, \"direct\": 1}"));
	assert_non_null(strstr(b.p, "{\"name\": \"beta\", \"address\": \"10.1.1.2\", \"path\": "
				    "\"direct\", \"via\": \"10.1.1.2\", \"via_name\": \"beta\", "
				    "\"endpoint\": \"198.51.100.2:50002\", \"last_handshake\": "
				    "1699999988, \"last_handshake_age_s\": 12, \"rx_bytes\": 1536, "
				    "\"tx_bytes\": 100, \"rtt_ms\": 3, \"cost\": 3, \"path_age_s\": "
				    "61, \"path_since\": 1699999939, \"static\": false, \"adjacent\": "
				    "true, \"no_transit\": false, \"gone\": null, \"claims_refused\": 0, "
				    "\"public_key\": null, \"reason\": null}"));
	assert_non_null(strstr(b.p, "\"path\": \"gateway\", \"via\": \"10.1.1.2\", \"via_name\": "
				    "\"beta\", \"endpoint\": null"));
	assert_non_null(strstr(b.p, "\"reason\": \"no direct path: reachable via beta\""));
	assert_non_null(strstr(b.p, "\"name\": \"de\\\"lta\""));
	assert_non_null(strstr(b.p, "\"replay\": 3"));
	assert_non_null(strstr(b.p, "\"rx\": {\"hello\": 5,"));
	assert_non_null(strstr(b.p, "\"ping\": 7,"));
	assert_non_null(strstr(b.p, "\"route_changes\": 4,\n  \"spf_runs\": 9,\n"));
	assert_non_null(strstr(b.p, "\"takeovers\": 0,"));
	status_buf_free(&b);
	status_snapshot_free(&s);
}

/* Every sample line: name{labels} value, labels quoted and escaped. */
static void check_prom_line(const char *line)
{
	const char *p = line;

	if (line[0] == '#') {
		assert_true(strncmp(line, "# HELP wgnm_", 12) == 0 ||
			    strncmp(line, "# TYPE wgnm_", 12) == 0);
		return;
	}
	while ((*p >= 'a' && *p <= 'z') || *p == '_')
		p++;
	if (*p != '{')
		fail_msg("no labels: %s", line);
	p++;
	while (*p != '}') {
		while (*p >= 'a' && *p <= 'z')
			p++;
		if (p[0] != '=' || p[1] != '"')
			fail_msg("bad label: %s", line);
		p += 2;
		while (*p != '"') {
			if (!*p)
				fail_msg("open label: %s", line);
			p += *p == '\\' ? 2 : 1;
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			fail_msg("bad label list: %s", line);
	}
	p++;
	if (*p != ' ')
		fail_msg("no value: %s", line);
	char *end;
	strtod(p + 1, &end);
	if (*end != '\0' || end == p + 1)
		fail_msg("bad value: %s", line);
}

static void test_metrics(void **state)
{
	struct status_snapshot s;
	struct status_buf b;
	char *copy, *line, *save;

	(void)state;
	make_snapshot(&s);
	s.socket_drops[0] = 17;
	s.has_socket_drops[0] = true;
	status_buf_init(&b, 1 << 20);
	status_format_metrics(&s, "0.1.0", &b);
	assert_false(b.failed);
	copy = strdup(b.p);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		check_prom_line(line);
	free(copy);
	static const char *const want[] = {
		"wgnm_info{interface=\"wg0\",name=\"alpha\",address=\"10.1.1.1\",version=\"0.1.0\"} 1\n",
		"wgnm_uptime_seconds{interface=\"wg0\"} 3725\n",
		"wgnm_packets_total{interface=\"wg0\",direction=\"rx\",type=\"hello\"} 5\n",
		"wgnm_packets_total{interface=\"wg0\",direction=\"tx\",type=\"ping\"} 7\n",
		"wgnm_drops_total{interface=\"wg0\",reason=\"replay\"} 3\n",
		"wgnm_drops_total{interface=\"wg0\",reason=\"short\"} 0\n",
		"wgnm_route_changes_total{interface=\"wg0\"} 4\n",
		"wgnm_spf_runs_total{interface=\"wg0\"} 9\n",
		"wgnm_nodes_known{interface=\"wg0\"} 4\n",
		"wgnm_nodes_reachable{interface=\"wg0\"} 3\n",
		"wgnm_direct_peers{interface=\"wg0\"} 1\n",
		"wgnm_node_path{interface=\"wg0\",node=\"gamma\",address=\"10.1.1.3\",path=\"gateway\"} 1\n",
		"wgnm_node_path{interface=\"wg0\",node=\"de\\\"lta\",address=\"10.1.1.4\",path=\"unreachable\"} 1\n",
		"wgnm_node_rtt_seconds{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 0.003\n",
		"wgnm_peer_rx_bytes_total{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 1536\n",
		"wgnm_peer_last_handshake_seconds{interface=\"wg0\",node=\"beta\",address=\"10.1.1.2\"} 1699999988\n",
		"# TYPE wgnm_drops_total counter\n",
		"wgnm_socket_drops_total{interface=\"wg0\",socket=\"admin\"} 17\n",
		"# TYPE wgnm_socket_drops_total counter\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(b.p, want[i]))
			fail_msg("missing %s in\n%s", want[i], b.p);
	/* no LAN socket: no line for it */
	assert_null(strstr(b.p, "socket=\"lan\""));
	status_buf_free(&b);
	status_snapshot_free(&s);
}

static void test_tsv_roundtrip(void **state)
{
	struct status_snapshot s, t;
	struct status_buf b;

	(void)state;
	make_snapshot(&s);
	status_buf_init(&b, 1 << 20);
	status_format_tsv(&s, &b);
	assert_false(b.failed);
	assert_int_equal(status_parse_tsv(b.p, b.len, &t), 0);
	assert_string_equal(t.ifname, s.ifname);
	assert_string_equal(t.name, s.name);
	assert_string_equal(t.backend, s.backend);
	assert_true(addr_eq(&t.id, &s.id));
	assert_int_equal(t.now, s.now);
	assert_int_equal(t.uptime_s, s.uptime_s);
	assert_int_equal(t.n_nodes, s.n_nodes);
	assert_memory_equal(t.ctr.drops, s.ctr.drops, sizeof(s.ctr.drops));
	assert_int_equal(t.ctr.spf_runs, 9);
	for (size_t i = 0; i < s.n_nodes; i++) {
		const struct status_node *x = &s.nodes[i], *y = &t.nodes[i];

		assert_int_equal(x->has, y->has);
		assert_string_equal(x->name, y->name);
		assert_true(addr_eq(&x->id, &y->id));
		assert_int_equal(x->path, y->path);
		if (x->has & STATUS_HAS_ENDPOINT)
			assert_true(endpoint_eq(&x->endpoint, &y->endpoint));
		assert_int_equal(x->last_handshake, y->last_handshake);
		assert_int_equal(x->rx_bytes, y->rx_bytes);
		assert_int_equal(x->rtt_ms, y->rtt_ms);
		assert_int_equal(x->since_s, y->since_s);
		assert_int_equal(x->is_static, y->is_static);
		assert_int_equal(x->adjacent, y->adjacent);
		assert_string_equal(x->via_name, y->via_name);
		assert_string_equal(x->public_key, y->public_key);
		assert_string_equal(x->reason, y->reason);
	}
	status_snapshot_free(&t);
	status_buf_free(&b);
	status_snapshot_free(&s);
}

static void test_tsv_rejects(void **state)
{
	static const char *const bad[] = {
		"H\twg0\talpha\t10.1.1.1\tkernel\t1\t2",		/* no newline */
		"X\tfoo\n",
		"H\twg0\talpha\tnot-an-ip\tkernel\t1\t2\n",
		"H\twg0\talpha\t10.1.1.1\tkernel\t1\n",			/* short */
		"H\twg0toolongforaninterface\talpha\t10.1.1.1\tk\t1\t2\n",
		"N\t0\ta\t10.1.1.2\tsideways\t::\t-\t-\t0\t0\t0\t0\t0\t0\t000\t-\t-\n",
		"N\t0\ta\t10.1.1.2\tdirect\t::\t-\t-\t0\t-1\t0\t0\t0\t0\t000\t-\t-\n",
		"N\t2\ta\t10.1.1.2\tdirect\t::\t-\tnonsense\t0\t0\t0\t0\t0\t0\t000\t-\t-\n",
		"N\t0\ta\t10.1.1.2\tdirect\t::\t-\t-\t0\t0\t0\t99999999999\t0\t0\t000\t-\t-\n",
		"C\t1\t2\n",
		"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n",
	};
	struct status_snapshot s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (status_parse_tsv(bad[i], strlen(bad[i]), &s) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(s.nodes);
	}
	assert_int_equal(status_parse_tsv("H\tx\x00y\n", 6, &s), -EINVAL);
	assert_int_equal(status_parse_tsv("", 0, &s), 0);
	assert_int_equal(s.n_nodes, 0);
	status_snapshot_free(&s);
}

static void test_sort(void **state)
{
	struct status_snapshot s;

	(void)state;
	make_snapshot(&s);
	tui_sort_nodes(&s, TUI_SORT_NAME, true);
	assert_string_equal(s.nodes[0].name, "alpha"); /* self stays on top */
	assert_string_equal(s.nodes[1].name, "gamma");
	assert_string_equal(s.nodes[3].name, "beta");
	tui_sort_nodes(&s, TUI_SORT_RTT, false);
	assert_string_equal(s.nodes[1].name, "beta"); /* measured first */
	tui_sort_nodes(&s, TUI_SORT_PATH, false);
	assert_int_equal(s.nodes[1].path, STATUS_PATH_DIRECT);
	assert_int_equal(s.nodes[3].path, STATUS_PATH_UNREACHABLE);
	assert_string_equal(tui_sort_name(TUI_SORT_SINCE), "since");
	status_snapshot_free(&s);
}

/* ---- three cores in memory ---- */

#define NET 3

struct pkt {
	size_t to;
	struct endpoint from;
	struct wire_msg msg;
};

struct net {
	struct mesh *m[NET];
	struct endpoint ep[NET];
	struct pkt *q;
	size_t nq, cap;
};

static uint64_t rnd(void *arg)
{
	static uint64_t x = 88172645463325252ull;

	(void)arg;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void drain(struct net *n, size_t i)
{
	const struct mesh_action *a;
	size_t k = mesh_actions(n->m[i], &a);

	for (size_t j = 0; j < k; j++) {
		if (a[j].type != MESH_ACT_SEND)
			continue;
		for (size_t t = 0; t < NET; t++) {
			if (!endpoint_eq(&a[j].u.send.to, &n->ep[t]))
				continue;
			if (n->nq == n->cap) {
				n->cap = n->cap ? n->cap * 2 : 64;
				n->q = realloc(n->q, n->cap * sizeof(*n->q));
				assert_non_null(n->q);
			}
			n->q[n->nq++] = (struct pkt){ t, n->ep[i], a[j].u.send.msg };
		}
	}
	mesh_actions_clear(n->m[i]);
}

/*
 *   alpha ---- beta (static) ---- gamma
 * alpha and gamma know only beta's address.
 */
static void test_collect_three_meshes(void **state)
{
	static const char *const names[NET] = { "alpha", "beta", "gamma" };
	struct mesh_static_peer beta = { .id = ip("10.1.1.2"), .admin_port = 50502,
					 .wg_port = 50002 };
	struct net n = { 0 };
	struct wgdev_peer wp = { 0 };
	struct wgdev_device dev = { .peers = &wp, .n_peers = 1 };
	struct status_input in = { 0 };
	struct status_snapshot s;
	struct mesh_node_status ns;
	uint64_t now = 1000;

	(void)state;
	for (size_t i = 0; i < NET; i++) {
		struct mesh_config mc = { 0 };
		uint8_t v4[4] = { 198, 51, 100, (uint8_t)(i + 1) };

		mc.id = ip(i == 0 ? "10.1.1.1" : i == 1 ? "10.1.1.2" : "10.1.1.3");
		snprintf(mc.name, sizeof(mc.name), "%s", names[i]);
		assert_int_equal(prefix_parse(&mc.subnet, "10.1.1.0/24", NULL), 0);
		mc.boot = 100 + i;
		memset(mc.pubkey, (int)(0x10 + i), sizeof(mc.pubkey));
		mc.wg_port = (uint16_t)(50001 + i);
		mc.admin_port = (uint16_t)(50501 + i);
		mc.flags = i == 1 ? WIRE_NODE_STATIC : 0;
		mc.n_static = 1;
		mc.statics = &beta;
		mc.random64 = rnd;
		mc.mac64 = sim_mac64;
		addr_from_v4(&n.ep[i].addr, v4);
		n.ep[i].port = mc.admin_port;
		n.m[i] = mesh_new(&mc, now);
		assert_non_null(n.m[i]);
	}
	for (size_t i = 0; i < NET; i++) {
		mesh_set_local_addrs(n.m[i], &n.ep[i].addr, 1, now);
		mesh_set_static_addr(n.m[i], 0, &n.ep[1].addr, now);
		drain(&n, i);
	}
	for (; now < 20000; now += 10) {
		for (size_t i = 0; i < NET; i++) {
			/* WireGuard: a handshake with every peer a node installs */
			struct mesh_wg_stats st[NET] = { 0 };
			for (size_t j = 0; j < NET; j++) {
				memset(st[j].pubkey, (int)(0x10 + j), sizeof(st[j].pubkey));
				st[j].last_handshake_sec = 1699999990;
			}
			mesh_on_wg_stats(n.m[i], now, st, NET);
			if (mesh_next_timer(n.m[i]) <= now)
				mesh_on_timer(n.m[i], now);
			drain(&n, i);
		}
		for (size_t k = 0; k < n.nq; k++) {
			mesh_on_packet(n.m[n.q[k].to], now, &n.q[k].from, &n.q[k].msg);
			drain(&n, n.q[k].to);
		}
		n.nq = 0;
	}
	assert_int_equal(mesh_node_count(n.m[0]), 3);
	assert_true(mesh_node_status(n.m[0], 1, &ns));
	assert_memory_equal(ns.pubkey, (uint8_t[WIRE_KEY_LEN]){ [0 ... WIRE_KEY_LEN - 1] = 0x11 },
			    WIRE_KEY_LEN);

	memset(wp.public_key, 0x11, sizeof(wp.public_key));
	wp.flags = WGDEV_PEER_HAS_ENDPOINT;
	wp.endpoint.addr = n.ep[1].addr;
	wp.endpoint.port = 50002;
	wp.last_handshake_sec = 1699999990;
	wp.rx_bytes = 4242;
	wp.tx_bytes = 2424;
	in.mesh = n.m[0];
	in.dev = &dev;
	in.now_ms = now;
	in.start_ms = 1000;
	in.wall = 1700000000;
	in.ifname = "wg0";
	in.backend = "userspace";
	assert_int_equal(status_collect(&in, &s), 0);
	assert_int_equal(s.n_nodes, 3);
	assert_string_equal(s.name, "alpha");
	assert_int_equal(s.uptime_s, (now - 1000) / 1000);
	assert_int_equal(s.nodes[0].path, STATUS_PATH_SELF);
	assert_string_equal(s.nodes[1].name, "beta");
	assert_int_equal(s.nodes[1].path, STATUS_PATH_DIRECT);
	assert_true(s.nodes[1].is_static);
	assert_true(s.nodes[1].has & STATUS_HAS_ENDPOINT);
	assert_int_equal(s.nodes[1].endpoint.port, 50002);
	assert_int_equal(s.nodes[1].rx_bytes, 4242);
	assert_int_equal(s.nodes[1].last_handshake, 1699999990);
	assert_string_equal(s.nodes[2].name, "gamma");
	assert_int_equal(s.nodes[2].path, STATUS_PATH_GATEWAY);
	assert_false(s.nodes[2].has & (STATUS_HAS_ENDPOINT | STATUS_HAS_TRAFFIC));
	assert_string_equal(s.nodes[2].via_name, "beta");
	assert_string_equal(s.nodes[2].reason, "no direct path: reachable via beta");
	assert_int_equal(s.ctr.tx[WIRE_HELLO] > 0, 1);
	/* beta answered within the millisecond: measured, under 1 ms, not "-" */
	assert_true(s.nodes[1].adjacent);
	assert_true(s.nodes[1].has & STATUS_HAS_RTT);
	assert_int_equal(s.nodes[1].rtt_ms, 0);
	{
		char rtt[16];

		assert_string_equal(status_fmt_rtt(&s.nodes[1], rtt, sizeof(rtt)), "<1 ms");
	}
	/* gamma is no neighbour of alpha's: nothing measured */
	assert_false(s.nodes[2].has & STATUS_HAS_RTT);
	status_snapshot_free(&s);
	for (size_t i = 0; i < NET; i++)
		mesh_free(n.m[i]);
	free(n.q);
}

/* ---- sd_notify ---- */

static void test_notify_addr(void **state)
{
	struct sockaddr_un sun;
	socklen_t len;

	(void)state;
	assert_int_equal(notify_addr("/run/systemd/notify", &sun, &len), 0);
	assert_string_equal(sun.sun_path, "/run/systemd/notify");
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 20);
	assert_int_equal(notify_addr("@abstract", &sun, &len), 0);
	assert_int_equal(sun.sun_path[0], '\0');
	assert_memory_equal(sun.sun_path + 1, "abstract", 8);
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 9);
	assert_int_equal(notify_addr("relative", &sun, &len), -EINVAL);
	assert_int_equal(notify_addr("@", &sun, &len), -EINVAL);
	assert_int_equal(notify_addr(NULL, &sun, &len), -EINVAL);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(notify_addr(longp, &sun, &len), -EINVAL);
}

static void test_notify_send(void **state)
{
	char dir[] = "/tmp/wgnm-notify.XXXXXX", path[64], got[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char pid[32];
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0); /* not supervised: no-op */
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("READY=1\nSTATUS=up"), 0);
	n = recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 17);
	got[n] = '\0';
	assert_string_equal(got, "READY=1\nSTATUS=up");
	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	assert_int_equal(notify_send("WATCHDOG=1"), -ENOENT);
	unsetenv("NOTIFY_SOCKET");

	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(notify_watchdog_usec(), 0); /* meant for another process */
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "-5", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");

	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_rtt_column),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_tsv_roundtrip),
		cmocka_unit_test(test_tsv_rejects),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_collect_three_meshes),
		cmocka_unit_test(test_notify_addr),
		cmocka_unit_test(test_notify_send),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
