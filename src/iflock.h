/*
 * The per-interface lock, and the record that tells our leftovers from
 * everybody else's interfaces.
 *
 * One daemon per interface: before anything else, the daemon takes an
 * exclusive flock(2) on IFLOCK_DIR/IFNAME.NETNS.lock (NETNS: the inode
 * number of its network namespace, as lsns(8) shows it). The place is fixed
 * whatever --run-dir says, so a second daemon started with another run
 * directory stops there instead of taking the first one's interface away.
 * The kernel drops the lock when its holder dies, however it dies.
 *
 * While it holds the lock, the daemon writes into the file what it has
 * made: the interface's name, index and link kind, whether it created it
 * (not -e), its userspace WireGuard child (pid and start time), and who it
 * is (this boot, this network namespace's cookie). A clean exit removes
 * the file. After a crash the file stays, unlocked, and the next daemon to
 * take the lock reads it.
 *
 * An interface that already exists is removed only if that record proves
 * it ours (iflock_owns): a record from this boot and this network
 * namespace, of a link we created, with the same name, the same ifindex
 * and the same kind, and the kind is WireGuard's ("wireguard" for the
 * kernel, "tun" for a userspace implementation). Why that is proof:
 *   - the lock was free, so the daemon that wrote the record is gone;
 *   - ifindexes are handed out in increasing order within a namespace and
 *     not reused (until 2^31 links later), so a link with the recorded
 *     index is the very link that daemon created; someone who deleted it
 *     and made their own gets another index;
 *   - the boot id and the namespace cookie (unique for the boot, unlike
 *     the inode) rule out a record from before a reboot or from a deleted
 *     namespace whose inode number came back.
 * Anything else (no record, a veth, a hand-made WireGuard, an interface
 * adopted with -e) is not ours, and the daemon refuses to start:
 * "wg0 exists and is not ours: use -e, or delete it".
 *
 * The record is written right after the interface is made; a crash in the
 * few microseconds between the two leaves an interface the next start
 * refuses to touch (the safe side).
 */
#ifndef WGNM_IFLOCK_H
#define WGNM_IFLOCK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"

#define IFLOCK_DIR CONTROL_DEFAULT_DIR "/locks"
#define IFLOCK_RECORD_MAX 1024

struct kernel;

/* Who we are: what makes a record ours. */
struct iflock_id {
	char boot[40];			/* /proc/sys/kernel/random/boot_id */
	uint64_t netns_ino;		/* inode of /proc/self/ns/net */
	uint64_t netns_cookie;		/* SO_NETNS_COOKIE; 0 if the kernel has none */
};

struct iflock_record {
	bool valid;			/* a record was found / is to be written */
	pid_t pid;			/* the daemon */
	struct iflock_id id;
	char ifname[IFNAMSIZ];
	unsigned ifindex;		/* 0: no interface yet */
	char kind[16];			/* "wireguard", "tun" */
	bool created;			/* by us (not adopted with -e) */
	pid_t child;			/* userspace WireGuard we started, 0 if none */
	uint64_t child_start;		/* its start time (/proc/PID/stat, clock ticks) */
	bool forwarding;		/* it turned IPv4 forwarding on (a subnet router) */
};

struct iflock;

int iflock_identity(struct iflock_id *id);

/*
 * Take dir/IFNAME.NETNS.lock (dir and its parent created 0700 if missing).
 * -EADDRINUSE: another daemon holds it; -EPERM/-EACCES: not ours to
 * write (not root). What a previous holder left is in
 * iflock_previous(). *out is released with iflock_release().
 */
int iflock_take(const char *dir, const char *ifname, struct iflock **out);
const struct iflock_record *iflock_previous(const struct iflock *l);
const char *iflock_path(const struct iflock *l);

/*
 * The interface is open: record its index and kind (looked up in k),
 * whether we created it, and our userspace child (0 if none).
 */
int iflock_claim(struct iflock *l, struct kernel *k, const char *ifname, bool created,
		 pid_t child);

/*
 * ifname exists (creating it said -EEXIST). Remove it if the previous
 * record proves it ours: stop our old userspace child (checked by pid,
 * start time and the owner of its UAPI socket) and delete the link, then
 * wait (bounded) until both are gone. Returns 0 (removed: create it
 * again), -EEXIST if it is not ours (logged as an error saying what to
 * do), or another negative errno.
 */
int iflock_remove_leftover(struct iflock *l, struct kernel *k, const char *ifname);

/*
 * This run turned the host's IPv4 forwarding on (or back off): noted in
 * the record, so that the next start after a crash knows it was ours.
 */
int iflock_note_forwarding(struct iflock *l, bool on);
/* The previous run, here in this boot and namespace, turned forwarding on and did not undo it. */
bool iflock_forwarding_left(const struct iflock *l);

/* Remove the file (a clean exit leaves nothing) and drop the lock. NULL-safe. */
void iflock_release(struct iflock *l);

/* --- pure parts, for tests ---------------------------------------------- */

int iflock_format(const struct iflock_record *r, char *buf, size_t len);
/* -EINVAL for anything that is not a complete record. */
int iflock_parse(const char *buf, size_t len, struct iflock_record *r);
/*
 * Does prev prove that the link (ifname, ifindex, kind) here is ours?
 * *why says why not.
 */
bool iflock_owns(const struct iflock_record *prev, const struct iflock_id *now,
		 const char *ifname, unsigned ifindex, const char *kind, const char **why);

#endif
