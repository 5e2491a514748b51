/* Once per source per interval; see srclimit.h. */
#include "srclimit.h"

bool srclimit_allow(struct srclimit *t, const struct endpoint *src, uint64_t now_ms,
		    uint64_t interval_ms)
{
	struct srclimit_slot *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < SRCLIMIT_SLOTS; i++) {
		struct srclimit_slot *s = &t->slot[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (endpoint_eq(&s->src, src)) {
			if (now_ms - s->at < interval_ms)
				return false;
			s->at = now_ms;
			return true;
		}
		if (!oldest || s->at < oldest->at)
			oldest = s;
	}
	/* a new source: a free slot, or one reported longer ago than the interval */
	if (!free_slot && oldest && now_ms - oldest->at >= interval_ms)
		free_slot = oldest;
	if (!free_slot) {
		t->unreported++;
		return false;
	}
	free_slot->used = true;
	free_slot->src = *src;
	free_slot->at = now_ms;
	return true;
}
