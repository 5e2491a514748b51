/*
 * Tests for the status files (src/status*.c: snapshots, collecting, text,
 * JSON, Prometheus, tsv; tests/test_status_format.c has the exact bytes) and
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/mesh.h"
#include "netcheck.h"
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

/*
 * Membership in the status, case by case: days left (as the log counts
 * them, a day begun counts; expired is negative), the warning from 7 days
 * left (as the log's), a revoked certificate, no CA. Each row: the certificate's end relative to
 * the snapshot, then what the text, the JSON and the metrics must hold
 * (and what the text must not).
 */
static void test_member(void **state)
{
	static const struct {
		bool ca, revoked, prev_key;
		int64_t end;			/* not_after - now */
		int64_t days;
		bool warn;
		const char *text, *json, *metric, *not_text;
	} rows[] = {
		{ true, false, false, 30 * 86400 + 5, 31, false, "(31 day(s) left)",
		  "\"days_left\": 31, \"expiry_warning\": false",
		  "wgnm_member_cert_days_left{interface=\"wg0\"} 31\n", "warning" },
		{ true, false, false, 7 * 86400 + 1, 8, false, "(8 day(s) left)",
		  "\"expiry_warning\": false", "wgnm_member_ca{interface=\"wg0\"} 1\n", "warning" },
		{ true, false, false, 7 * 86400, 7, true,
		  "  warning: this node's certificate expires in 7 day(s): sign a new one",
		  "\"expiry_warning\": true", "wgnm_member_cert_days_left{interface=\"wg0\"} 7\n",
		  "shared key" },
		{ true, false, false, 59, 1, true, "expires in 1 day(s)", "\"days_left\": 1",
		  "wgnm_member_cert_days_left{interface=\"wg0\"} 1\n", "expired" },
		{ true, false, false, 0, -1, true, "(expired)", "\"days_left\": -1",
		  "wgnm_member_cert_days_left{interface=\"wg0\"} -1\n", "expires in" },
		{ true, false, false, -86399, -1, true, "certificate has expired",
		  "\"days_left\": -1", "wgnm_member_cert_days_left{interface=\"wg0\"} -1\n",
		  "expires in" },
		{ true, false, false, -86400, -2, true, "(expired)", "\"days_left\": -2",
		  "wgnm_member_cert_days_left{interface=\"wg0\"} -2\n", "left)" },
		{ true, true, false, 300 * 86400, 300, false, "certificate is revoked",
		  "\"revoked\": true", "wgnm_member_cert_revoked{interface=\"wg0\"} 1\n",
		  "expire" },
		{ false, false, true, 0, 0, false,
		  "shared key: previousSharedKey accepted too; 4 datagram(s) opened",
		  "{\"ca\": false, \"serial\": null, \"not_after\": null, \"days_left\": null",
		  "wgnm_previous_key_opened_total{interface=\"wg0\"} 4\n", "membership" },
		{ false, false, false, 0, 0, false, "admin port drops",
		  "\"previous_shared_key\": false, \"previous_key_opened\": 0}",
		  "wgnm_member_ca{interface=\"wg0\"} 0\n", "membership" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct status_snapshot s;
		struct status_buf b;

		make_snapshot(&s);
		s.member.has_ca = rows[i].ca;
		s.member.own_revoked = rows[i].revoked;
		s.member.serial = 0xabcdef0123456789ull;
		s.member.not_after = s.now + rows[i].end;
		s.member.has_prev_key = rows[i].prev_key;
		s.member.prev_key_opened = rows[i].prev_key ? 4 : 0;
		if (rows[i].ca)
			assert_int_equal(status_member_days_left(&s), rows[i].days);
		assert_int_equal(status_member_warn(&s), rows[i].warn);

		status_buf_init(&b, 1 << 20);
		status_format_text(&s, &b);
		if (!strstr(b.p, rows[i].text) || strstr(b.p, rows[i].not_text))
			fail_msg("row %zu: want '%s', not '%s', in\n%s", i, rows[i].text,
				 rows[i].not_text, b.p);
		status_buf_free(&b);

		status_buf_init(&b, 1 << 20);
		status_format_json(&s, &b);
		assert_true(json_valid(b.p));
		if (!strstr(b.p, rows[i].json))
			fail_msg("row %zu: want '%s' in\n%s", i, rows[i].json, b.p);
		status_buf_free(&b);

		status_buf_init(&b, 1 << 20);
		status_format_metrics(&s, "0.1.0", &b);
		if (!strstr(b.p, rows[i].metric))
			fail_msg("row %zu: want '%s' in\n%s", i, rows[i].metric, b.p);
		/* the certificate's series only with a CA, the old key's only with one */
		assert_true(!strstr(b.p, "wgnm_member_cert_expiry_seconds{") == !rows[i].ca);
		assert_true(!strstr(b.p, "wgnm_previous_key_opened_total{") == !rows[i].prev_key);
		status_buf_free(&b);
		status_snapshot_free(&s);
	}
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

/* ---- drops by class, listed peers that do not answer ---- */

static void add_statics(struct status_snapshot *s)
{
	struct status_static *st;

	s->n_statics = 3;
	s->statics = calloc(3, sizeof(*s->statics));
	assert_non_null(s->statics);
	st = &s->statics[0]; /* answers: no line */
	st->id = ip("10.1.1.2");
	snprintf(st->name, sizeof(st->name), "beta");
	st->resolved = st->answers = st->heard = true;
	st->endpoint.addr = ip("198.51.100.2");
	st->endpoint.port = 50502;
	st = &s->statics[1]; /* never heard, for 62 s */
	st->id = ip("10.1.1.9");
	st->resolved = true;
	st->endpoint.addr = ip("203.0.113.9");
	st->endpoint.port = 50509;
	st->has_silent = true;
	st->silent_s = 62;
	st = &s->statics[2]; /* its name does not resolve */
	st->id = ip("10.1.1.8");
}

static void test_text_drops_and_statics(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	make_snapshot(&s);
	add_statics(&s);
	s.ctr.drops[WIRE_DROP_UNCONFIRMED] = 12;
	s.ctr.drops[WIRE_DROP_SELF] = 2;
	status_buf_init(&b, 1 << 20);
	status_format_text(&s, &b);
	assert_non_null(strstr(b.p, "\nadmin port drops: open-failed 1, replay 3 (harmless: "
				    "unconfirmed 12, self 2)\n"));
	/* 1700000000 - 62 s is 22:12:18 UTC */
	assert_non_null(strstr(b.p, "\n  static peer 10.1.1.9 at 203.0.113.9:50509: no answer "
				    "since 22:12:18 (1m02s), never heard\n"));
	assert_non_null(strstr(b.p, "\n  static peer 10.1.1.8: its endPoint has no address (yet)\n"));
	assert_null(strstr(b.p, "static peer beta"));
	status_buf_free(&b);
	/* only what is harmless: none worth a look */
	s.ctr.drops[WIRE_DROP_REPLAY] = s.ctr.drops[WIRE_DROP_OPEN_FAILED] = 0;
	status_buf_init(&b, 1 << 20);
	status_format_text(&s, &b);
	assert_non_null(strstr(b.p, "\nadmin port drops: none (harmless: unconfirmed 12, self 2)\n"));
	status_buf_free(&b);
	assert_true(status_drop_harmless(WIRE_DROP_SELF));
	assert_true(status_drop_harmless(WIRE_DROP_UNCONFIRMED));
	assert_false(status_drop_harmless(WIRE_DROP_OPEN_FAILED));
	assert_false(status_drop_harmless(WIRE_DROP_REPLAY));
	assert_false(status_drop_harmless(WIRE_DROP_REFUSED));
	status_snapshot_free(&s);
}

static void test_json_statics_and_summary(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	make_snapshot(&s);
	add_statics(&s);
	s.ctr.drops[WIRE_DROP_UNCONFIRMED] = 12;
	s.ctr.drops[WIRE_DROP_SELF] = 2;
	status_buf_init(&b, 1 << 20);
	status_format_json(&s, &b);
	if (!json_valid(b.p))
		fail_msg("invalid JSON:\n%s", b.p);
	/* the per-reason counts are still there, as they were */
	assert_non_null(strstr(b.p, "\"unconfirmed\": 12"));
	assert_non_null(strstr(b.p, "\"drops_summary\": {\"harmless\": 14, \"suspicious\": 4}"));
	assert_non_null(strstr(b.p, "{\"name\": \"beta\", \"address\": \"10.1.1.2\", \"endpoint\": "
				    "\"198.51.100.2:50502\", \"answers\": true, \"heard\": true, "
				    "\"no_answer_since\": null, \"no_answer_s\": null}"));
	assert_non_null(strstr(b.p, "{\"name\": null, \"address\": \"10.1.1.9\", \"endpoint\": "
				    "\"203.0.113.9:50509\", \"answers\": false, \"heard\": false, "
				    "\"no_answer_since\": 1699999938, \"no_answer_s\": 62}"));
	assert_non_null(strstr(b.p, "\"address\": \"10.1.1.8\", \"endpoint\": null"));
	assert_null(strstr(b.p, "\"edges\"")); /* only when asked */
	status_buf_free(&b);
	status_snapshot_free(&s);
}

static void test_find_node(void **state)
{
	struct status_snapshot s;

	(void)state;
	make_snapshot(&s);
	assert_ptr_equal(status_find_node(&s, "gamma"), &s.nodes[2]);
	assert_ptr_equal(status_find_node(&s, "10.1.1.2"), &s.nodes[1]);
	assert_ptr_equal(status_find_node(&s, "de\"lta"), &s.nodes[3]);
	assert_null(status_find_node(&s, "gama"));
	assert_null(status_find_node(&s, "10.1.1.99"));
	assert_null(status_find_node(&s, ""));
	status_snapshot_free(&s);
}

/* ---- edges ---- */

/*
 *   alpha ==direct== beta --NAT, one-sided-- gamma    beta -> 10.1.1.77 (no record)
 *   alpha ..silent.. 10.1.1.9 (listed, no answer)
 */
static void add_edges(struct status_snapshot *s)
{
	static const struct {
		const char *from, *to;
		uint8_t kind;
		uint16_t cost;
		bool both;
	} e[] = {
		{ "10.1.1.2", "10.1.1.3", WIRE_PATH_NAT, 12, false },
		{ "10.1.1.1", "10.1.1.2", WIRE_PATH_DIRECT, 10, true },
		{ "10.1.1.2", "10.1.1.1", WIRE_PATH_DIRECT, 10, true },
		{ "10.1.1.2", "10.1.1.77", WIRE_PATH_LAN, 1, false },
	};

	s->has_edges = true;
	s->n_edges = 5;
	s->edges = calloc(5, sizeof(*s->edges));
	assert_non_null(s->edges);
	for (size_t i = 0; i < 4; i++)
		s->edges[i] = (struct status_edge){ .from = ip(e[i].from), .to = ip(e[i].to),
						    .kind = e[i].kind, .cost = e[i].cost,
						    .both = e[i].both };
	s->edges[4] = (struct status_edge){ .from = ip("10.1.1.1"), .to = ip("10.1.1.9"),
					    .kind = STATUS_EDGE_SILENT, .has_silent = true,
					    .silent_s = 62 };
	s->edges[4].endpoint.addr = ip("203.0.113.9");
	s->edges[4].endpoint.port = 50509;
}

static void test_edges_text(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	make_snapshot(&s);
	add_edges(&s);
	status_buf_init(&b, 1 << 20);
	status_format_edges_text(&s, &b);
	assert_false(b.failed);
	assert_string_equal(
		b.p,
		"edges: 4 claimed in 4 records, 2 by both ends (only those carry routes); listed "
		"peers that do not answer as \"silent\"\n"
		"FROM   TO         KIND    COST  STATE\n"
		"alpha  10.1.1.9   silent  -     listed peer at 203.0.113.9:50509, no answer since "
		"22:12:18 (1m02s)\n"
		"alpha  beta       direct  10    both ends\n"
		"beta   10.1.1.77  LAN     1     one end: 10.1.1.77 does not claim it\n"
		"beta   alpha      direct  10    both ends\n"
		"beta   gamma      NAT     12    one end: gamma does not claim it\n");
	status_buf_free(&b);
	assert_string_equal(status_edge_kind_name(WIRE_PATH_NAT), "nat");
	assert_string_equal(status_edge_kind_name(STATUS_EDGE_SILENT), "silent");
	assert_null(status_edge_kind_name(9));
	status_snapshot_free(&s);
}

static void test_edges_json(void **state)
{
	struct status_snapshot s;
	struct status_buf b;

	(void)state;
	make_snapshot(&s);
	add_edges(&s);
	status_buf_init(&b, 1 << 20);
	status_format_json(&s, &b);
	if (!json_valid(b.p))
		fail_msg("invalid JSON:\n%s", b.p);
	assert_non_null(strstr(b.p, "\"edges\": [\n    {\"from\": \"beta\", \"from_address\": "
				    "\"10.1.1.2\", \"to\": \"gamma\", \"to_address\": \"10.1.1.3\", "
				    "\"kind\": \"nat\", \"cost\": 12, \"both\": false, \"endpoint\": "
				    "null, \"no_answer_since\": null, \"no_answer_s\": null},"));
	assert_non_null(strstr(b.p, "\"to\": null, \"to_address\": \"10.1.1.77\", \"kind\": \"lan\""));
	assert_non_null(strstr(b.p, "{\"from\": \"alpha\", \"from_address\": \"10.1.1.1\", \"to\": "
				    "null, \"to_address\": \"10.1.1.9\", \"kind\": \"silent\", "
				    "\"cost\": null, \"both\": false, \"endpoint\": "
				    "\"203.0.113.9:50509\", \"no_answer_since\": 1699999938, "
				    "\"no_answer_s\": 62}\n  ]\n}\n"));
	status_buf_free(&b);
	/* none: an empty array, still JSON */
	s.n_edges = 0;
	status_buf_init(&b, 1 << 20);
	status_format_json(&s, &b);
	assert_true(json_valid(b.p));
	assert_non_null(strstr(b.p, "\"edges\": []"));
	status_buf_free(&b);
	status_snapshot_free(&s);
}

/* ---- netcheck ---- */

struct nc_node {
	const char *seen;	/* its observed_wg of us; NULL none */
	bool lan;		/* on one of our LANs */
	bool adjacent;
	const char *seen_admin;	/* NULL none */
};

/* A snapshot of node alpha (192.0.2.2/24, WireGuard port 50001) and n neighbours. */
static void nc_snapshot(struct status_snapshot *s, const struct nc_node *nb, size_t n,
			const char *extra_local)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "wg0");
	snprintf(s->name, sizeof(s->name), "alpha");
	s->id = ip("10.1.1.1");
	s->wg_port = 50001;
	s->admin_port = 50501;
	s->n_local = 1;
	s->local[0] = (struct prefix){ .addr = ip("192.0.2.2"), .len = 24 };
	if (extra_local)
		s->local[s->n_local++] = (struct prefix){ .addr = ip(extra_local), .len = 64 };
	s->n_nodes = n + 1;
	s->nodes = calloc(n + 1, sizeof(*s->nodes));
	assert_non_null(s->nodes);
	snprintf(s->nodes[0].name, sizeof(s->nodes[0].name), "alpha");
	s->nodes[0].id = s->id;
	s->nodes[0].path = STATUS_PATH_SELF;
	for (size_t i = 0; i < n; i++) {
		struct status_node *x = &s->nodes[i + 1];
		char host[64];
		const char *why;

		snprintf(x->name, sizeof(x->name), "n%zu", i + 1);
		x->id = ip(i == 0 ? "10.1.1.2" : i == 1 ? "10.1.1.3" : "10.1.1.4");
		x->path = STATUS_PATH_DIRECT;
		x->adjacent = nb[i].adjacent;
		x->on_our_lan = nb[i].lan;
		if (nb[i].seen) {
			assert_int_equal(endpoint_split(nb[i].seen, host, sizeof(host),
							&x->observed_wg.port, &why), 0);
			x->has_observed_wg = true;
			x->observed_wg.addr = ip(host);
		}
		if (nb[i].seen_admin) {
			assert_int_equal(endpoint_split(nb[i].seen_admin, host, sizeof(host),
							&x->observed_admin.port, &why), 0);
			x->has_observed_admin = true;
			x->observed_admin.addr = ip(host);
		}
	}
}

static void test_netcheck_verdicts(void **state)
{
	static const struct {
		const char *what;
		struct nc_node nb[3];
		size_t n;
		enum netcheck_nat nat;
		size_t reports;
		const char *line;
	} cases[] = {
		{ "nobody", { { 0 } }, 0, NETCHECK_NAT_UNKNOWN, 0, "NAT: unknown: no neighbour" },
		{ "a LAN neighbour only", { { "192.0.2.2:50001", true, true, NULL } }, 1,
		  NETCHECK_NAT_UNKNOWN, 0, "NAT: unknown" },
		{ "a neighbour that is down", { { "203.0.113.3:50001", false, false, NULL } }, 1,
		  NETCHECK_NAT_UNKNOWN, 0, "NAT: unknown" },
		{ "our own address", { { "192.0.2.2:50001", false, true, NULL } }, 1,
		  NETCHECK_NAT_NONE, 1,
		  "NAT: none: 1 neighbour outside our LANs sees our own address 192.0.2.2:50001\n" },
		{ "one, our port", { { "203.0.113.3:50001", false, true, NULL },
				     { "192.0.2.7:50001", true, true, NULL } }, 2,
		  NETCHECK_NAT_KEEPS_PORT, 1,
		  "NAT: keeps the port (endpoint-independent): 1 neighbour outside our LANs sees "
		  "203.0.113.3:50001, our port 50001\n" },
		{ "two, our port", { { "203.0.113.3:50001", false, true, NULL },
				     { "203.0.113.3:50001", false, true, NULL } }, 2,
		  NETCHECK_NAT_KEEPS_PORT, 2, "2 neighbours outside our LANs see 203.0.113.3:50001" },
		{ "two, one other port", { { "203.0.113.3:41000", false, true, NULL },
					   { "203.0.113.3:41000", false, true, NULL } }, 2,
		  NETCHECK_NAT_INDEPENDENT, 2,
		  "NAT: endpoint-independent, another port: 2 neighbours outside our LANs all see "
		  "203.0.113.3:41000 (our port 50001)\n" },
		{ "two, two ports", { { "203.0.113.3:41000", false, true, NULL },
				      { "203.0.113.3:41007", false, true, NULL },
				      { "192.0.2.9:50001", true, true, NULL } }, 3,
		  NETCHECK_NAT_RANDOM, 2,
		  "NAT: randomises the port: neighbours outside our LANs see ports 41000, 41007 "
		  "(our port 50001)" },
		{ "one, another port", { { "203.0.113.3:41000", false, true, NULL } }, 1,
		  NETCHECK_NAT_RANDOM, 1,
		  "NAT: randomises the port: the one neighbour outside our LANs sees "
		  "203.0.113.3:41000, not our port 50001" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct status_snapshot s;
		struct netcheck v;
		struct status_buf b;

		nc_snapshot(&s, cases[i].nb, cases[i].n, NULL);
		netcheck_evaluate(&s, &v);
		if (v.nat != cases[i].nat || v.reports != cases[i].reports)
			fail_msg("%s: %s with %zu reports", cases[i].what, netcheck_nat_name(v.nat),
				 v.reports);
		status_buf_init(&b, 1 << 20);
		netcheck_format_text(&s, &b);
		if (!strstr(b.p, cases[i].line))
			fail_msg("%s: no '%s' in:\n%s", cases[i].what, cases[i].line, b.p);
		status_buf_free(&b);
		status_buf_init(&b, 1 << 20);
		netcheck_format_json(&s, &b);
		if (!json_valid(b.p))
			fail_msg("%s: invalid JSON:\n%s", cases[i].what, b.p);
		status_buf_free(&b);
		status_snapshot_free(&s);
	}
	assert_string_equal(netcheck_nat_name(NETCHECK_NAT_INDEPENDENT), "endpoint-independent");
	assert_string_equal(netcheck_nat_name(NETCHECK_NAT__COUNT), "unknown");
}

static void test_netcheck_families(void **state)
{
	static const struct {
		const char *a, *scope;
	} scopes[] = {
		{ "10.3.4.5", "private" },	{ "172.31.0.1", "private" },
		{ "172.32.0.1", "public" },	{ "192.168.7.1", "private" },
		{ "100.64.0.1", "shared" },	{ "100.128.0.1", "public" },
		{ "203.0.113.3", "public" },	{ "2001:db8::1", "global" },
		{ "fd12::1", "unique-local" },	{ "fe80::1", "other" },
	};
	const struct nc_node v6[] = {
		{ "203.0.113.3:50001", false, true, "[2001:db8::2]:50501" },
		{ "[2001:db8::2]:50001", false, true, NULL },
	};
	struct status_snapshot s;
	struct status_buf b;
	struct netcheck v;

	(void)state;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		struct addr a = ip(scopes[i].a);
		assert_string_equal(netcheck_scope(&a), scopes[i].scope);
	}
	/* IPv4 only */
	nc_snapshot(&s, v6, 1, NULL);
	s.nodes[1].has_observed_admin = false;
	netcheck_evaluate(&s, &v);
	assert_true(v.has_ipv4);
	assert_false(v.has_ipv6);
	assert_int_equal(v.reached_ipv4, 1);
	assert_int_equal(v.reached_ipv6, 0);
	status_buf_init(&b, 1 << 20);
	netcheck_format_text(&s, &b);
	assert_non_null(strstr(b.p, "\nIPv4: yes: an address, 1 neighbour reaches us over IPv4\n"));
	assert_non_null(strstr(b.p, "\nIPv6: no: no global or unique-local address, no neighbour "
				    "reaches us over IPv6\n"));
	status_buf_free(&b);
	status_snapshot_free(&s);
	/* a global IPv6 address, and neighbours that see us over it */
	nc_snapshot(&s, v6, 2, "2001:db8::2");
	netcheck_evaluate(&s, &v);
	assert_true(v.has_ipv6);
	assert_int_equal(v.reached_ipv4, 1);
	assert_int_equal(v.reached_ipv6, 2);
	/* over IPv6 one sees our own address; over IPv4 the other sees a NAT keep our port */
	assert_int_equal(v.nat, NETCHECK_NAT_KEEPS_PORT);
	assert_int_equal(v.reports, 2);
	assert_int_equal(v.direct_reports, 1);
	status_buf_init(&b, 1 << 20);
	netcheck_format_json(&s, &b);
	assert_true(json_valid(b.p));
	assert_non_null(strstr(b.p, "{\"address\": \"2001:db8::2\", \"prefix_len\": 64, "
				    "\"family\": \"ipv6\", \"scope\": \"global\"}"));
	assert_non_null(strstr(b.p, "\"ipv6\": {\"address\": true, \"reached_by\": 2}"));
	status_buf_free(&b);
	status_snapshot_free(&s);
	/* a link-local IPv6 address is no IPv6 reachability */
	nc_snapshot(&s, v6, 0, "fe80::2");
	netcheck_evaluate(&s, &v);
	assert_false(v.has_ipv6);
	status_snapshot_free(&s);
}

/* ---- the TUI's title ---- */

static void test_tui_title(void **state)
{
	static const char full[] = " wg_netmanager  wg0  alpha 10.1.1.1  up 1h02m  nodes 4  "
				   "reachable 3  direct 1";
	struct status_snapshot s;
	char buf[512];

	(void)state;
	make_snapshot(&s);
	/* wide: everything, the clock at the right edge */
	tui_title("wg_netmanager", &s, "12:34:56", 120, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 120);
	assert_true(strncmp(buf, full, strlen(full)) == 0);
	assert_true(buf[strlen(full)] == ' ');
	assert_string_equal(buf + 112, "12:34:56");
	/* 80 columns, the longest interface name: all but the program's name */
	snprintf(s.ifname, sizeof(s.ifname), "wgcharlie123456");
	snprintf(s.name, sizeof(s.name), "charlie");
	s.id = ip("10.1.1.21");
	s.uptime_s = 86399;
	tui_title("wg_netmanager top", &s, "12:34:56", 80, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 80);
	assert_true(strncmp(buf, " wgcharlie123456 charlie 10.1.1.21 up 23h59m nodes 4 reach 3 "
				 "direct 1 ", 69) == 0);
	assert_string_equal(buf + 72, "12:34:56");
	/* a long node name and address: the node and the counts, still within 80 */
	snprintf(s.name, sizeof(s.name), "charlie-the-long");
	s.id = ip("10.1.123.234");
	tui_title("wg_netmanager top", &s, "12:34:56", 80, buf, sizeof(buf));
	assert_true(strlen(buf) <= 80);
	assert_non_null(strstr(buf, " wgcharlie123456 charlie-the-long 10.1.123.234 "));
	assert_non_null(strstr(buf, "nodes 4 reach 3 direct 1"));
	/* narrower: shorter forms, cut as the last resort */
	for (int cols = 79; cols >= 10; cols--) {
		tui_title("wg_netmanager top", &s, "12:34:56", cols, buf, sizeof(buf));
		assert_true(strlen(buf) <= (size_t)cols);
	}
	tui_title("wg_netmanager", NULL, "12:34:56", 80, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 80);
	assert_true(strncmp(buf, " wg_netmanager ", 15) == 0);
	assert_int_equal(tui_sort_column(TUI_SORT_RTT), 7);
	assert_int_equal(tui_sort_column(TUI_SORT_NAME), 0);
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
	/* beta, the one listed peer, answers; the edges only when asked */
	assert_int_equal(s.n_statics, 1);
	assert_true(s.statics[0].answers);
	assert_string_equal(s.statics[0].name, "beta");
	assert_false(s.has_edges);
	assert_int_equal(s.wg_port, 50001);
	assert_int_equal(s.n_local, 1);
	assert_true(addr_eq(&s.local[0].addr, &n.ep[0].addr));
	status_snapshot_free(&s);
	/* the whole graph: alpha = beta = gamma, each edge claimed from both ends */
	in.want = STATUS_WANT_EDGES;
	assert_int_equal(status_collect(&in, &s), 0);
	assert_true(s.has_edges);
	assert_int_equal(s.n_edges, 4);
	for (size_t i = 0; i < s.n_edges; i++) {
		assert_true(s.edges[i].both);
		assert_true(addr_eq(&s.edges[i].from, &s.nodes[1].id) ||
			    addr_eq(&s.edges[i].to, &s.nodes[1].id));
	}
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
		cmocka_unit_test(test_member),
		cmocka_unit_test(test_tsv_roundtrip),
		cmocka_unit_test(test_tsv_rejects),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_text_drops_and_statics),
		cmocka_unit_test(test_json_statics_and_summary),
		cmocka_unit_test(test_find_node),
		cmocka_unit_test(test_edges_text),
		cmocka_unit_test(test_edges_json),
		cmocka_unit_test(test_netcheck_verdicts),
		cmocka_unit_test(test_netcheck_families),
		cmocka_unit_test(test_tui_title),
		cmocka_unit_test(test_collect_three_meshes),
		cmocka_unit_test(test_notify_addr),
		cmocka_unit_test(test_notify_send),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
