/*
 * Once per source: a warning about what one sender does (datagrams sealed
 * with another key) is logged at most once per interval per source. The
 * table of sources is fixed in size: when every slot holds a source
 * reported within the interval, a new source is not reported at all, so a
 * stream of datagrams from ever new (spoofed) sources can neither grow
 * memory nor the log beyond SRCLIMIT_SLOTS lines per interval.
 */
#ifndef WGNM_SRCLIMIT_H
#define WGNM_SRCLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define SRCLIMIT_SLOTS 32

struct srclimit {
	struct srclimit_slot {
		struct endpoint src;
		uint64_t at;		/* ms: when it was last reported */
		bool used;
	} slot[SRCLIMIT_SLOTS];
	uint64_t unreported;		/* sources not reported: the table was full */
};

/* Should this source be reported now (and is it noted as reported)? */
bool srclimit_allow(struct srclimit *t, const struct endpoint *src, uint64_t now_ms,
		    uint64_t interval_ms);

#endif
