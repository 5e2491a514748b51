/* Link-state database; see lsdb.h for the model. */
#include "core/lsdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lsdb_order(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2)
{
	if (b1 != b2)
		return b1 < b2 ? -1 : 1;
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return 0;
}

void lsdb_init(struct lsdb *db)
{
	memset(db, 0, sizeof(*db));
}

static void record_free(struct lsdb_record *r)
{
	if (!r)
		return;
	free(r->neigh);
	free(r);
}

void lsdb_free(struct lsdb *db)
{
	for (size_t i = 0; i < db->recs.n; i++)
		record_free(db->recs.items[i]);
	idtab_free(&db->recs);
	free(db->tombs);
	memset(db, 0, sizeof(*db));
}

struct lsdb_record *lsdb_get(const struct lsdb *db, const struct addr *id)
{
	return idtab_get(&db->recs, id);
}

static const struct lsdb_tombstone *tomb_find(const struct lsdb *db, const struct addr *id,
					      uint64_t now)
{
	for (size_t i = 0; i < db->n_tombs; i++)
		if (addr_eq(&db->tombs[i].id, id) && db->tombs[i].until > now)
			return &db->tombs[i];
	return NULL;
}

bool lsdb_wants(const struct lsdb *db, const struct addr *id, uint64_t boot, uint64_t seq,
		uint64_t now)
{
	const struct lsdb_record *have = lsdb_get(db, id);
	const struct lsdb_tombstone *t;

	if (have)
		return lsdb_order(boot, seq, have->boot, have->seq) > 0;
	t = tomb_find(db, id, now);
	return !t || lsdb_order(boot, seq, t->boot, t->seq) > 0;
}

int lsdb_put(struct lsdb *db, const struct lsdb_record *rec, uint64_t now)
{
	struct lsdb_record *have = lsdb_get(db, &rec->id);
	struct wire_neighbour *neigh = NULL;

	if (!lsdb_wants(db, &rec->id, rec->boot, rec->seq, now))
		return 0;
	if (rec->n_neigh) {
		neigh = malloc(rec->n_neigh * sizeof(*neigh));
		if (!neigh)
			return -ENOMEM;
		memcpy(neigh, rec->neigh, rec->n_neigh * sizeof(*neigh));
	}
	if (!have) {
		have = calloc(1, sizeof(*have));
		if (have)
			have->id = rec->id; /* the key: set before the insert sorts on it */
		if (!have || idtab_insert(&db->recs, have) < 0) {
			free(have);
			free(neigh);
			return -ENOMEM;
		}
	} else {
		free(have->neigh);
	}
	/* routing state survives an update; a new node counts from now */
	struct lsdb_route route = have->route;
	if (!route.reachable && !route.since)
		route.since = now;
	*have = *rec;
	have->neigh = neigh;
	have->stored_at = now;
	have->route = route;
	return 1;
}

void lsdb_drop(struct lsdb *db, const struct addr *id, uint64_t now, uint64_t keep_ms)
{
	struct lsdb_record *r = idtab_remove(&db->recs, id);

	if (!r)
		return;
	lsdb_expire(db, now);
	lsdb_forget_tomb(db, &r->id);
	if (db->n_tombs >= (db->max_tombs ? db->max_tombs : 4096)) {
		/* full: the oldest goes (tombstones are only a hold-down) */
		size_t oldest = 0;
		for (size_t i = 1; i < db->n_tombs; i++)
			if (db->tombs[i].until < db->tombs[oldest].until)
				oldest = i;
		db->tombs[oldest] = db->tombs[--db->n_tombs];
	}
	if (db->n_tombs == db->cap_tombs) {
		size_t cap = db->cap_tombs ? db->cap_tombs * 2 : 8;
		struct lsdb_tombstone *t = realloc(db->tombs, cap * sizeof(*t));
		if (t) {
			db->tombs = t;
			db->cap_tombs = cap;
		}
	}
	if (db->n_tombs < db->cap_tombs)
		db->tombs[db->n_tombs++] = (struct lsdb_tombstone){
			.id = r->id, .boot = r->boot, .seq = r->seq, .until = now + keep_ms
		};
	record_free(r);
}

uint64_t lsdb_held_boot(const struct lsdb *db, const struct addr *id, uint64_t now)
{
	const struct lsdb_record *r = lsdb_get(db, id);
	const struct lsdb_tombstone *t = tomb_find(db, id, now);
	uint64_t b = r ? r->boot : 0;

	return t && t->boot > b ? t->boot : b;
}

void lsdb_forget_tomb(struct lsdb *db, const struct addr *id)
{
	for (size_t i = 0; i < db->n_tombs; i++)
		if (addr_eq(&db->tombs[i].id, id)) {
			db->tombs[i] = db->tombs[--db->n_tombs];
			return;
		}
}

void lsdb_expire(struct lsdb *db, uint64_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < db->n_tombs; i++)
		if (db->tombs[i].until > now)
			db->tombs[j++] = db->tombs[i];
	db->n_tombs = j;
}

size_t lsdb_count(const struct lsdb *db)
{
	return db->recs.n;
}

struct lsdb_record *lsdb_at(const struct lsdb *db, size_t i)
{
	return i < db->recs.n ? db->recs.items[i] : NULL;
}

long lsdb_index(const struct lsdb *db, const struct addr *id)
{
	return idtab_index(&db->recs, id);
}

uint64_t lsdb_hash(const struct lsdb *db)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < db->recs.n; i++) {
		const struct lsdb_record *r = db->recs.items[i];
		struct wire_digest_entry e = { .id = r->id, .boot = r->boot, .seq = r->seq };
		acc = wire_digest_hash_add(acc, &e);
	}
	return acc;
}

static bool same_neighbours(const struct lsdb_record *a, const struct lsdb_record *b)
{
	if (a->n_neigh != b->n_neigh)
		return false;
	for (size_t i = 0; i < a->n_neigh; i++)
		if (!addr_eq(&a->neigh[i].id, &b->neigh[i].id) || a->neigh[i].kind != b->neigh[i].kind ||
		    a->neigh[i].cost != b->neigh[i].cost)
			return false;
	return true;
}

static bool same_locals(const struct lsdb_record *a, const struct lsdb_record *b)
{
	return a->n_local == b->n_local &&
	       memcmp(a->local, b->local, a->n_local * sizeof(a->local[0])) == 0;
}

static bool same_routes(const struct lsdb_record *a, const struct lsdb_record *b)
{
	return a->n_routes == b->n_routes &&
	       memcmp(a->routes, b->routes, a->n_routes * sizeof(a->routes[0])) == 0;
}

static bool same_reflexive(const struct lsdb_record *a, const struct lsdb_record *b)
{
	return a->has_reflexive == b->has_reflexive &&
	       (!a->has_reflexive || endpoint_eq(&a->reflexive, &b->reflexive));
}

bool lsdb_same_content(const struct lsdb_record *a, const struct lsdb_record *b)
{
	return addr_eq(&a->id, &b->id) && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->pubkey, b->pubkey, sizeof(a->pubkey)) == 0 && a->wg_port == b->wg_port &&
	       a->admin_port == b->admin_port && a->flags == b->flags && same_locals(a, b) &&
	       same_reflexive(a, b) && same_routes(a, b) && same_neighbours(a, b);
}

static const struct wire_neighbour *find_neigh(const struct lsdb_record *r, const struct addr *id)
{
	for (size_t i = 0; i < r->n_neigh; i++)
		if (addr_eq(&r->neigh[i].id, id))
			return &r->neigh[i];
	return NULL;
}

static const char *neigh_name(const struct lsdb *db, const struct addr *id)
{
	const struct lsdb_record *r = lsdb_get(db, id);

	return r && r->name[0] ? r->name : "?";
}

/* Append to OUT at *OFF, never past LEN (snprintf truncates, OFF saturates). */
static void append(char *out, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *out, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < len ? *off + (size_t)n : len;
}

void lsdb_describe_change(const struct lsdb *db, const struct lsdb_record *old,
			  const struct lsdb_record *new, char *out, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < new->n_neigh; i++) {
		const struct wire_neighbour *n = &new->neigh[i], *o = find_neigh(old, &n->id);
		if (!o)
			append(out, len, &off, " +%s (kind %u, cost %u)", neigh_name(db, &n->id),
			       n->kind, n->cost);
		else if (o->kind != n->kind || o->cost != n->cost)
			append(out, len, &off, " %s kind %u->%u cost %u->%u", neigh_name(db, &n->id),
			       o->kind, n->kind, o->cost, n->cost);
	}
	for (size_t i = 0; i < old->n_neigh; i++)
		if (!find_neigh(new, &old->neigh[i].id))
			append(out, len, &off, " -%s", neigh_name(db, &old->neigh[i].id));
	if (!same_locals(old, new))
		append(out, len, &off, " local addresses");
	if (!same_reflexive(old, new))
		append(out, len, &off, " reflexive endpoint");
	if (!same_routes(old, new))
		append(out, len, &off, " routes");
	if (old->flags != new->flags)
		append(out, len, &off, " flags");
}
