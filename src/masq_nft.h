/*
 * What masq_nft.c shows besides masq.h, for its unit test: the nftables
 * batch it sends, built without a socket so its messages can be parsed
 * back and checked. Linux only; the daemon uses masq.h.
 */
#ifndef WGNM_MASQ_NFT_H
#define WGNM_MASQ_NFT_H

#include <stddef.h>

#include "addr.h"
#include "masq.h"

/* Table "inet wgnm_IFNAME", its one chain. */
#define MASQ_NFT_TABLE_PREFIX "wgnm_"
#define MASQ_NFT_CHAIN "postrouting"
/* Room for the longest batch: MASQ_PREFIX_MAX rules and the rest. */
#define MASQ_NFT_BATCH_SIZE 16384

/* "wgnm_IFNAME" into out; -EINVAL for a bad interface name. */
int masq_nft_table_name(const char *ifname, char *out, size_t len);

/*
 * Build into buf (at least MASQ_NFT_BATCH_SIZE bytes) the batch that
 * installs the rules for the n prefixes, or, with n == 0, the one that
 * removes the table. Either begins with "create the table if missing,
 * delete it", so that it succeeds whether or not the table was there.
 * Returns the batch's length or a negative errno (-EINVAL on bad input,
 * -ENOMEM). Sequence numbers are left 0 for the sender to stamp.
 */
int masq_nft_build(void *buf, size_t size, const char *ifname, const struct prefix *overlay,
		   size_t n);

#endif
