/*
 * The action list: what the core asks its host to do. Every entry point
 * collects effects here (datagrams to send, WireGuard peers and routes to
 * set, log lines) and the host carries them out after the call, in order
 * (mesh_actions). Nothing here knows about protocol state: the other core
 * modules push; mesh.c clears between events.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

#define MESH_ACTS_KEEP 1024		/* action slots kept allocated between events */

struct mesh_action *mesh_push(struct mesh *m, enum mesh_action_type type)
{
	struct mesh_action *a;

	if (m->n_acts == m->cap_acts) {
		size_t cap = m->cap_acts ? m->cap_acts * 2 : 16;
		struct mesh_action *acts = realloc(m->acts, cap * sizeof(*acts));
		if (!acts)
			return NULL;
		m->acts = acts;
		m->cap_acts = cap;
	}
	a = &m->acts[m->n_acts++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

void mesh_log(struct mesh *m, enum mesh_log_level level, const char *fmt, ...)
{
	struct mesh_action *a = mesh_push(m, MESH_ACT_LOG);
	va_list ap;

	if (!a)
		return;
	a->u.log.level = level;
	va_start(ap, fmt);
	vsnprintf(a->u.log.text, sizeof(a->u.log.text), fmt, ap);
	va_end(ap);
}

size_t mesh_actions(const struct mesh *m, const struct mesh_action **out)
{
	*out = m->acts;
	return m->n_acts;
}

void mesh_actions_clear(struct mesh *m)
{
	for (size_t i = 0; i < m->n_acts; i++)
		if (m->acts[i].type == MESH_ACT_PEER_SET)
			free(m->acts[i].u.peer.allowed);
	m->n_acts = 0;
	/*
	 * A hub floods a record of many parts to every neighbour at once
	 * (32 x 1000 actions of 1.1 kB at 1000 nodes): do not keep that
	 * much memory for the quiet time between floods.
	 */
	if (m->cap_acts > MESH_ACTS_KEEP) {
		free(m->acts);
		m->acts = NULL;
		m->cap_acts = 0;
	}
}

struct wire_msg *mesh_send(struct mesh *m, const struct endpoint *to, enum wire_type type)
{
	struct mesh_action *a = mesh_push(m, MESH_ACT_SEND);

	if (!a)
		return NULL;
	a->u.send.to = *to;
	a->u.send.msg.hdr.type = (uint8_t)type;
	a->u.send.msg.hdr.sender = m->cfg.id;
	a->u.send.msg.hdr.boot = m->cfg.boot;
	a->u.send.msg.hdr.counter = ++m->counter;
	m->ctr.tx[type]++;
	return &a->u.send.msg;
}

uint64_t mesh_random(struct mesh *m)
{
	return m->cfg.random64(m->cfg.random_arg);
}

/* Counted always, logged at most once a second: input must not flood the log. */
void mesh_refuse(struct mesh *m, const struct addr *id, const char *what)
{
	char s[ADDR_STRLEN];

	m->ctr.drops[WIRE_DROP_REFUSED]++;
	if (m->refuse_logged && m->now - m->refuse_logged_at < MESH_REFUSE_LOG_MS) {
		m->refuse_unlogged++;
		return;
	}
	mesh_log(m, MESH_LOG_WARN, "refused %s from %s (%llu more refused since the last report)",
		 what, addr_fmt(id, s, sizeof(s)), (unsigned long long)m->refuse_unlogged);
	m->refuse_logged = true;
	m->refuse_logged_at = m->now;
	m->refuse_unlogged = 0;
}

