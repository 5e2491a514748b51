/* Record reassembly; see reasm.h for the bounds. */
#include "core/reasm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reasm_init(struct reasm *r)
{
	memset(r, 0, sizeof(*r));
}

static void slot_clear(struct reasm_slot *s)
{
	free(s->neigh);
	memset(s, 0, sizeof(*s));
}

void reasm_free(struct reasm *r)
{
	for (unsigned i = 0; i < REASM_SLOTS; i++)
		slot_clear(&r->slot[i]);
	free(r->done);
	r->done = NULL;
}

void reasm_expire(struct reasm *r, uint64_t now)
{
	for (unsigned i = 0; i < REASM_SLOTS; i++)
		if (r->slot[i].used && now - r->slot[i].touched >= REASM_TIMEOUT_MS)
			slot_clear(&r->slot[i]);
}

void reasm_record_to_wire(const struct lsdb_record *r, struct wire_record *w)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", r->name);
	w->id = r->id;
	w->boot = r->boot;
	w->seq = r->seq;
	memcpy(w->pubkey, r->pubkey, WIRE_KEY_LEN);
	w->wg_port = r->wg_port;
	w->admin_port = r->admin_port;
	w->flags = r->flags;
	w->n_local = r->n_local;
	memcpy(w->local, r->local, sizeof(w->local));
	if (r->has_reflexive) {
		w->has |= WIRE_RECORD_HAS_REFLEXIVE;
		w->reflexive = r->reflexive;
	}
	if (r->n_routes) {
		w->has |= WIRE_RECORD_HAS_ROUTES;
		w->n_routes = r->n_routes;
		memcpy(w->routes, r->routes, r->n_routes * sizeof(r->routes[0]));
	}
	if (r->cert_serial) {
		w->has |= WIRE_RECORD_HAS_SIG;
		w->cert_serial = r->cert_serial;
		memcpy(w->sig, r->sig, sizeof(w->sig));
	}
	w->total_neighbours = r->n_neigh;
}

void reasm_fixed_to_record(const struct wire_record *w, struct lsdb_record *out)
{
	memset(out, 0, sizeof(*out));
	out->id = w->id;
	memcpy(out->name, w->name, sizeof(out->name));
	out->boot = w->boot;
	out->seq = w->seq;
	memcpy(out->pubkey, w->pubkey, sizeof(out->pubkey));
	out->wg_port = w->wg_port;
	out->admin_port = w->admin_port;
	out->flags = w->flags;
	out->n_local = w->n_local;
	memcpy(out->local, w->local, sizeof(out->local));
	out->has_reflexive = (w->has & WIRE_RECORD_HAS_REFLEXIVE) != 0;
	out->reflexive = w->reflexive;
	out->n_routes = w->n_routes;
	memcpy(out->routes, w->routes, w->n_routes * sizeof(w->routes[0]));
	if (w->has & WIRE_RECORD_HAS_SIG) {
		out->cert_serial = w->cert_serial;
		memcpy(out->sig, w->sig, sizeof(out->sig));
	}
}

/* Do two parts describe the same record version with the same fixed fields? */
static bool same_fixed(const struct wire_record *a, const struct wire_record *b)
{
	return addr_eq(&a->id, &b->id) && a->boot == b->boot && a->seq == b->seq &&
	       a->has == b->has && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->pubkey, b->pubkey, sizeof(a->pubkey)) == 0 &&
	       a->wg_port == b->wg_port && a->admin_port == b->admin_port &&
	       a->flags == b->flags && a->n_local == b->n_local &&
	       memcmp(a->local, b->local, a->n_local * sizeof(a->local[0])) == 0 &&
	       endpoint_eq(&a->reflexive, &b->reflexive) && a->n_routes == b->n_routes &&
	       memcmp(a->routes, b->routes, a->n_routes * sizeof(a->routes[0])) == 0 &&
	       a->cert_serial == b->cert_serial && memcmp(a->sig, b->sig, sizeof(a->sig)) == 0 &&
	       a->total_neighbours == b->total_neighbours && a->parts == b->parts;
}

static struct reasm_slot *slot_for(struct reasm *r, const struct wire_record *part)
{
	struct reasm_slot *oldest = &r->slot[0], *free_slot = NULL;

	for (unsigned i = 0; i < REASM_SLOTS; i++) {
		struct reasm_slot *s = &r->slot[i];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (addr_eq(&s->fixed.id, &part->id)) {
			int o = lsdb_order(part->boot, part->seq, s->fixed.boot, s->fixed.seq);
			if (o == 0)
				return s;
			if (o < 0)
				return NULL; /* an older version while a newer is in flight */
			slot_clear(s);
			return s;
		}
		if (s->touched < oldest->touched)
			oldest = s;
	}
	if (free_slot)
		return free_slot;
	slot_clear(oldest);
	return oldest;
}

int reasm_add(struct reasm *r, const struct wire_record *part, uint64_t now,
	      struct lsdb_record *out)
{
	struct reasm_slot *s;
	unsigned first = (unsigned)part->part * WIRE_NEIGH_PER_PART;

	free(r->done);
	r->done = NULL;
	if (part->parts == 1) {
		reasm_fixed_to_record(part, out);
		out->n_neigh = part->n_neighbours;
		memcpy(r->single, part->neighbours, part->n_neighbours * sizeof(r->single[0]));
		out->neigh = r->single;
		return 1;
	}
	s = slot_for(r, part);
	if (!s)
		return 0;
	if (!s->used) {
		s->neigh = calloc(part->total_neighbours, sizeof(*s->neigh));
		if (!s->neigh)
			return -ENOMEM;
		s->used = true;
		s->fixed = *part;
	} else if (!same_fixed(&s->fixed, part)) {
		slot_clear(s);
		return -EBADMSG;
	}
	s->touched = now;
	if (s->got[part->part / 32] & (1u << (part->part % 32)))
		return 0; /* a duplicate part */
	if (first + part->n_neighbours > part->total_neighbours) {
		slot_clear(s);
		return -EBADMSG;
	}
	memcpy(&s->neigh[first], part->neighbours, part->n_neighbours * sizeof(*s->neigh));
	s->got[part->part / 32] |= 1u << (part->part % 32);
	if (++s->n_got < part->parts)
		return 0;
	reasm_fixed_to_record(&s->fixed, out);
	out->n_neigh = s->fixed.total_neighbours;
	/* the slot is free again; its neighbours live on until the next call */
	r->done = s->neigh;
	out->neigh = r->done;
	s->neigh = NULL;
	slot_clear(s);
	return 1;
}
