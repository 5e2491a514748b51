/*
 * The status snapshot itself (status.h): the stable names of path kinds and
 * message types, lookups and counts over a snapshot, and the small human
 * formats (sizes, ages, the PATH and RTT columns) that every view shares.
 * Collecting is status_collect.c; each rendering has a file of its own.
 */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	[WIRE_CERT] = "cert",
	[WIRE_CERT_REQUEST] = "cert_request",
	[WIRE_REVOKE] = "revoke",
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
	free(s->routes);
	s->routes = NULL;
	s->n_routes = 0;
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
	return status_find_id(s, &a);
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

uint64_t status_age_of(const struct status_snapshot *s, int64_t t)
{
	return s->now > t ? (uint64_t)(s->now - t) : 0;
}

const struct status_node *status_find_id(const struct status_snapshot *s, const struct addr *id)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (addr_eq(&s->nodes[i].id, id))
			return &s->nodes[i];
	return NULL;
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
