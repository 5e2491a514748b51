/*
 * A table of objects keyed by node id (struct addr), kept sorted so lookups
 * are binary searches: the core looks nodes up on every packet, and the
 * simulator runs a thousand cores with a thousand nodes each. Items are
 * pointers to structs whose FIRST member is the struct addr id.
 */
#ifndef WGNM_CORE_IDTAB_H
#define WGNM_CORE_IDTAB_H

#include <stddef.h>

#include "addr.h"

struct idtab {
	void **items;
	size_t n;
	size_t cap;
};

void *idtab_get(const struct idtab *t, const struct addr *id);
/* Position of the item with this id, or -1. */
long idtab_index(const struct idtab *t, const struct addr *id);
/* Insert an item whose id is not yet present. Returns 0, -EEXIST or -ENOMEM. */
int idtab_insert(struct idtab *t, void *item);
/* Remove and return the item with this id, or NULL. */
void *idtab_remove(struct idtab *t, const struct addr *id);
/* Free the index (not the items). */
void idtab_free(struct idtab *t);

#endif
