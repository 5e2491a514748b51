/*
 * Revocations kept on disk, so that a node that restarts still refuses
 * what was revoked while it ran: STATE_DIR/IFNAME/revoked (STATE_DIR
 * /var/lib/wg_netmanager by default), one revocation per line in base64,
 * as `wg_netmanager ca revoke` prints it and network.revoked lists it.
 *
 * The directories are made 0700 and the file 0600; a directory others may
 * write is refused (they could remove what we keep). The file only grows,
 * by appends that are fsync'd before they count, and never beyond
 * REVSTORE_MAX lines: revocations are few and small. Reading it never
 * fails on a bad line (a torn last write, an edit by hand): the line is
 * skipped and counted. Signatures are the core's to check.
 */
#ifndef WGNM_REVSTORE_H
#define WGNM_REVSTORE_H

#include <stddef.h>

#include "wire/cert.h"

#define REVSTORE_DEFAULT_DIR "/var/lib/wg_netmanager"
#define REVSTORE_FILE "revoked"
#define REVSTORE_MAX 1024	/* as the core holds at most (MEMBER_MAX_REVOKED) */
/* A line: the base64 of the largest revocation, and its "\n". */
#define REVSTORE_LINE_MAX (((REVOKE_MAX_LEN + 2) / 3) * 4 + 1)

/* STATE_DIR/IFNAME/revoked into buf: 0 or -ENAMETOOLONG, -EINVAL (an ifname with '/'). */
int revstore_path(const char *state_dir, const char *ifname, char *buf, size_t len);

/*
 * Every revocation of the file at path, into *out (malloc'd, the caller
 * frees it; NULL when none), their number in *n, lines skipped in *bad.
 * A missing file holds none: 0. Otherwise 0 or a negative errno.
 */
int revstore_load(const char *path, struct revocation **out, size_t *n, size_t *bad);

/*
 * Append r to the file at path, making its directories (0700) and the
 * file (0600) when missing; fsync'd. 0, -ENOSPC (REVSTORE_MAX lines
 * already), -EPERM (a directory others may write), or a negative errno.
 */
int revstore_append(const char *path, const struct revocation *r);

#endif
