/* Sorted id table; see idtab.h. */
#include "core/idtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct addr *item_id(const void *item)
{
	return (const struct addr *)item;
}

/* Index of the first item whose id is >= id. */
static size_t lower_bound(const struct idtab *t, const struct addr *id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr_cmp(item_id(t->items[mid]), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *idtab_get(const struct idtab *t, const struct addr *id)
{
	size_t i = lower_bound(t, id);

	return i < t->n && addr_eq(item_id(t->items[i]), id) ? t->items[i] : NULL;
}

long idtab_index(const struct idtab *t, const struct addr *id)
{
	size_t i = lower_bound(t, id);

	return i < t->n && addr_eq(item_id(t->items[i]), id) ? (long)i : -1;
}

int idtab_insert(struct idtab *t, void *item)
{
	size_t i = lower_bound(t, item_id(item));

	if (i < t->n && addr_eq(item_id(t->items[i]), item_id(item)))
		return -EEXIST;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		void **items = realloc(t->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		t->items = items;
		t->cap = cap;
	}
	memmove(&t->items[i + 1], &t->items[i], (t->n - i) * sizeof(*t->items));
	t->items[i] = item;
	t->n++;
	return 0;
}

void *idtab_remove(struct idtab *t, const struct addr *id)
{
	size_t i = lower_bound(t, id);
	void *item;

	if (i >= t->n || !addr_eq(item_id(t->items[i]), id))
		return NULL;
	item = t->items[i];
	memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(*t->items));
	t->n--;
	return item;
}

void idtab_free(struct idtab *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
