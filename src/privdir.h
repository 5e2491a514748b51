/*
 * A directory only we may write: the run directory of the control socket
 * and the lock files, the state directory of the revocations. Created
 * 0700 when missing; an existing one must be a directory (not a link),
 * owned by our effective user and not writable by group or others, since
 * whoever can write there could replace what we keep in it.
 */
#ifndef WGNM_PRIVDIR_H
#define WGNM_PRIVDIR_H

/* 0, or -ENOTDIR, -EPERM (someone else's, or open to others), -errno. */
int privdir_prepare(const char *dir);

#endif
