/* The per-interface lock and the ownership record; see iflock.h. */
#include "iflock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"
#include "privdir.h"
#include "wgdev_uapi.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define LEFTOVER_WAIT_MS 3000
#define CHILD_TERM_WAIT_MS 2000
#define POLL_MS 20

struct iflock {
	int fd;
	char path[256];
	struct iflock_record prev;
	struct iflock_record cur;	/* what we wrote (valid once claimed) */
};

/* ---- identity ---- */

int iflock_identity(struct iflock_id *id)
{
	struct stat st;
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	FILE *f;
	int fd;

	memset(id, 0, sizeof(*id));
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -errno;
	if (!fgets(id->boot, sizeof(id->boot), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	id->boot[strcspn(id->boot, "\n")] = '\0';
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	id->netns_ino = (uint64_t)st.st_ino;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		/* Linux 5.14+; without it the inode (reusable) must do */
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0 &&
		    len == sizeof(cookie))
			id->netns_cookie = cookie;
		close(fd);
	}
	return 0;
}

/* ---- the record, as text ---- */

int iflock_format(const struct iflock_record *r, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "# wg_netmanager holds this lock for %s; it is removed on a clean exit\n"
			 "pid %d\n"
			 "boot %s\n"
			 "netns %" PRIu64 " %" PRIu64 "\n"
			 "ifname %s\n"
			 "ifindex %u\n"
			 "kind %s\n"
			 "created %s\n"
			 "child %d %" PRIu64 "\n"
			 "forwarding %s\n",
			 r->ifname, (int)r->pid, r->id.boot, r->id.netns_ino, r->id.netns_cookie,
			 r->ifname, r->ifindex, r->kind[0] ? r->kind : "-",
			 r->created ? "yes" : "no", (int)r->child, r->child_start,
			 r->forwarding ? "yes" : "no");

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

static bool word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

int iflock_parse(const char *buf, size_t len, struct iflock_record *r)
{
	char text[IFLOCK_RECORD_MAX + 1], *line, *save = NULL;
	unsigned seen = 0;

	memset(r, 0, sizeof(*r));
	if (len > IFLOCK_RECORD_MAX || memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(text, buf, len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char w1[64], w2[64], extra[2];
		long long a;
		unsigned long long b, c;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "pid %lld %1s", &a, extra) == 1 && a > 0 && a <= INT32_MAX) {
			r->pid = (pid_t)a;
			seen |= 1u << 0;
		} else if (sscanf(line, "boot %39s %1s", w1, extra) == 1 &&
			   word_ok(w1, sizeof(r->id.boot))) {
			snprintf(r->id.boot, sizeof(r->id.boot), "%s", w1);
			seen |= 1u << 1;
		} else if (sscanf(line, "netns %llu %llu %1s", &b, &c, extra) == 2) {
			r->id.netns_ino = b;
			r->id.netns_cookie = c;
			seen |= 1u << 2;
		} else if (sscanf(line, "ifname %63s %1s", w1, extra) == 1 &&
			   word_ok(w1, sizeof(r->ifname))) {
			snprintf(r->ifname, sizeof(r->ifname), "%s", w1);
			seen |= 1u << 3;
		} else if (sscanf(line, "ifindex %llu %1s", &b, extra) == 1 && b <= INT32_MAX) {
			r->ifindex = (unsigned)b;
			seen |= 1u << 4;
		} else if (sscanf(line, "kind %63s %1s", w1, extra) == 1 &&
			   word_ok(w1, sizeof(r->kind))) {
			snprintf(r->kind, sizeof(r->kind), "%s", strcmp(w1, "-") ? w1 : "");
			seen |= 1u << 5;
		} else if (sscanf(line, "created %63s %1s", w2, extra) == 1 &&
			   (!strcmp(w2, "yes") || !strcmp(w2, "no"))) {
			r->created = w2[0] == 'y';
			seen |= 1u << 6;
		} else if (sscanf(line, "child %lld %llu %1s", &a, &b, extra) == 2 && a >= 0 &&
			   a <= INT32_MAX) {
			r->child = (pid_t)a;
			r->child_start = b;
			seen |= 1u << 7;
		} else if (sscanf(line, "forwarding %63s %1s", w2, extra) == 1 &&
			   (!strcmp(w2, "yes") || !strcmp(w2, "no"))) {
			r->forwarding = w2[0] == 'y'; /* optional: records of 0.1 lack it */
		} else {
			memset(r, 0, sizeof(*r));
			return -EINVAL;
		}
	}
	if (seen != 0xffu) {
		memset(r, 0, sizeof(*r));
		return -EINVAL;
	}
	r->valid = true;
	return 0;
}

bool iflock_owns(const struct iflock_record *prev, const struct iflock_id *now,
		 const char *ifname, unsigned ifindex, const char *kind, const char **why)
{
	if (!prev->valid) {
		*why = "no record of an earlier run";
		return false;
	}
	if (!prev->created) {
		*why = "the earlier run used it as an existing interface (-e)";
		return false;
	}
	if (strcmp(prev->id.boot, now->boot) != 0) {
		*why = "the record is from before a reboot";
		return false;
	}
	if (prev->id.netns_ino != now->netns_ino || prev->id.netns_cookie != now->netns_cookie) {
		*why = "the record is from another network namespace";
		return false;
	}
	if (strcmp(prev->ifname, ifname) != 0 || prev->ifindex == 0 || prev->ifindex != ifindex) {
		*why = "it is not the link the earlier run made (another index)";
		return false;
	}
	if (strcmp(prev->kind, kind) != 0 ||
	    (strcmp(kind, "wireguard") != 0 && strcmp(kind, "tun") != 0)) {
		*why = "it is not a WireGuard link";
		return false;
	}
	return true;
}

/* ---- the file ---- */

/* The parent (the default run directory) need only exist. */
static int prepare_dirs(const char *dir)
{
	char parent[sizeof(((struct iflock *)0)->path)];
	char *slash;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	return privdir_prepare(dir);
}

static void read_previous(struct iflock *l)
{
	char buf[IFLOCK_RECORD_MAX + 1];
	ssize_t n;

	memset(&l->prev, 0, sizeof(l->prev));
	n = pread(l->fd, buf, sizeof(buf), 0);
	if (n <= 0 || (size_t)n > IFLOCK_RECORD_MAX)
		return;
	if (iflock_parse(buf, (size_t)n, &l->prev) < 0)
		log_debug("%s: no readable record of an earlier run", l->path);
}

int iflock_take(const char *dir, const char *ifname, struct iflock **out)
{
	struct iflock *l;
	struct stat st, path_st;
	unsigned long long ino = 0;
	int r;

	if (stat("/proc/self/ns/net", &st) == 0)
		ino = (unsigned long long)st.st_ino;
	if ((r = prepare_dirs(dir)) < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	if (snprintf(l->path, sizeof(l->path), "%s/%s.%llu.lock", dir, ifname, ino) >=
	    (int)sizeof(l->path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	/*
	 * The holder unlinks the file as it exits: a lock won on a file that
	 * is no longer the one at the path is worth nothing, so try again.
	 */
	for (int tries = 0; tries < 5; tries++) {
		l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (l->fd < 0) {
			r = -errno;
			goto fail;
		}
		if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
			r = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
			goto fail;
		}
		if (fstat(l->fd, &st) == 0 && stat(l->path, &path_st) == 0 &&
		    st.st_dev == path_st.st_dev && st.st_ino == path_st.st_ino) {
			read_previous(l);
			*out = l;
			return 0;
		}
		close(l->fd);
		l->fd = -1;
	}
	r = -EAGAIN;
fail:
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return r;
}

const struct iflock_record *iflock_previous(const struct iflock *l)
{
	return &l->prev;
}

const char *iflock_path(const struct iflock *l)
{
	return l->path;
}

/* Field 22 of /proc/PID/stat: when it started, in clock ticks since boot. */
static int proc_start_time(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the name in parentheses may hold spaces and parentheses itself */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* after ") ": state is field 3, start time field 22 */
	p++;
	for (int field = 2; field < 21 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &start) != 1)
		return -EIO;
	*out = start;
	return 0;
}

static int write_record(struct iflock *l, const struct iflock_record *r)
{
	char buf[IFLOCK_RECORD_MAX];
	int n = iflock_format(r, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (ftruncate(l->fd, 0) < 0 || pwrite(l->fd, buf, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

int iflock_claim(struct iflock *l, struct kernel *k, const char *ifname, bool created,
		 pid_t child)
{
	struct iflock_record r = { .valid = true, .pid = getpid(), .created = created,
				   .child = child };
	int ret;

	if ((ret = iflock_identity(&r.id)) < 0)
		return ret;
	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	if ((ret = kernel_link_kind(k, ifname, &r.ifindex, r.kind, sizeof(r.kind))) < 0)
		return ret;
	if (child > 0 && proc_start_time(child, &r.child_start) < 0)
		r.child = 0; /* gone already: nothing to find later */
	r.forwarding = l->cur.forwarding;
	l->cur = r;
	return write_record(l, &r);
}

int iflock_note_forwarding(struct iflock *l, bool on)
{
	l->cur.forwarding = on;
	return l->cur.valid ? write_record(l, &l->cur) : 0;
}

bool iflock_forwarding_left(const struct iflock *l)
{
	struct iflock_id now;

	if (!l->prev.valid || !l->prev.forwarding || iflock_identity(&now) < 0)
		return false;
	return strcmp(l->prev.id.boot, now.boot) == 0 && l->prev.id.netns_ino == now.netns_ino &&
	       l->prev.id.netns_cookie == now.netns_cookie;
}

/* ---- leftovers ---- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap(void)
{
	struct timespec ts = { .tv_nsec = POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/* Still the process the record names: same pid, same start time. */
static bool child_is(const struct iflock_record *prev)
{
	uint64_t start;

	return prev->child > 0 && proc_start_time(prev->child, &start) == 0 &&
	       start == prev->child_start;
}

/* Is link (by name) gone and the UAPI socket silent? */
static bool gone(struct kernel *k, const char *ifname)
{
	unsigned idx;

	return kernel_link_index(k, ifname, &idx) == -ENODEV && !wgdev_uapi_answers(ifname);
}

static bool wait_gone(struct kernel *k, const char *ifname, uint64_t ms)
{
	uint64_t deadline = mono_ms() + ms;

	while (!gone(k, ifname)) {
		if (mono_ms() >= deadline)
			return false;
		nap();
	}
	return true;
}

/*
 * The userspace WireGuard the crashed run started, if it still runs: its
 * pid and start time are those recorded, and it is the process listening
 * on the interface's UAPI socket (or there is no such socket any more).
 */
static void stop_old_child(const struct iflock_record *prev, struct kernel *k)
{
	pid_t owner = 0;

	if (!child_is(prev))
		return;
	if (wgdev_uapi_owner(prev->ifname, &owner) == 0 && owner != prev->child)
		return;
	log_info("%s: stopping the userspace WireGuard (pid %d) of the earlier run", prev->ifname,
		 (int)prev->child);
	kill(prev->child, SIGTERM);
	kill(prev->child, SIGCONT); /* a stopped process acts on SIGTERM only then */
	if (wait_gone(k, prev->ifname, CHILD_TERM_WAIT_MS))
		return;
	if (child_is(prev))
		kill(prev->child, SIGKILL);
}

int iflock_remove_leftover(struct iflock *l, struct kernel *k, const char *ifname)
{
	const struct iflock_record *prev = &l->prev;
	struct iflock_id now;
	char kind[16];
	const char *why = "";
	unsigned idx = 0;
	pid_t owner = 0;
	int r;

	if ((r = iflock_identity(&now)) < 0)
		return r;
	r = kernel_link_kind(k, ifname, &idx, kind, sizeof(kind));
	if (r < 0 && r != -ENODEV)
		return r;
	if (r == 0 && !iflock_owns(prev, &now, ifname, idx, kind, &why)) {
		log_errx("%s exists and is not ours: use -e, or delete it (%s link; %s)", ifname,
			 kind[0] ? kind : "a", why);
		return -EEXIST;
	}
	/*
	 * No link here, but its UAPI socket answers: ours only if the one
	 * listening there is the child the record names.
	 */
	if (r == -ENODEV && !(iflock_owns(prev, &now, ifname, prev->ifindex, prev->kind, &why) &&
			      wgdev_uapi_owner(ifname, &owner) == 0 && owner == prev->child &&
			      child_is(prev))) {
		log_errx("%s exists and is not ours: use -e, or delete it (a userspace WireGuard "
			 "answers on %s/%s.sock, maybe in another network namespace)",
			 ifname, WGDEV_UAPI_DIR, ifname);
		return -EEXIST;
	}
	log_warnx("%s: removing the interface an earlier run left (pid %d, ifindex %u)", ifname,
		  (int)prev->pid, prev->ifindex);
	stop_old_child(prev, k);
	if (kernel_link_index(k, ifname, &idx) == 0 && idx == prev->ifindex &&
	    (r = kernel_link_delete(k, idx)) < 0 && r != -ENODEV) {
		log_errx("%s: removing the leftover interface: %s", ifname, strerror(-r));
		return r;
	}
	if (!wait_gone(k, ifname, LEFTOVER_WAIT_MS)) {
		log_errx("%s: the leftover interface or its userspace WireGuard does not go away",
			 ifname);
		return -EBUSY;
	}
	return 0;
}

void iflock_release(struct iflock *l)
{
	if (!l)
		return;
	/* unlink first, under the lock: see iflock_take */
	(void)unlink(l->path);
	close(l->fd);
	free(l);
}
