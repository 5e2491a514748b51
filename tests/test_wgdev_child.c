/*
 * Tests for src/wgdev_child.c: where an implementation is looked for
 * (fixed directories, never $PATH; a relative path refused), and, as root
 * with wireguard-go installed, real children in a private network
 * namespace: what one is started with (environment, process group, signal
 * dispositions and mask, stdin, arguments), the fall-back from a candidate
 * that exits before it opens its socket, an exit seen on the pidfd and
 * reaped, and a stop that leaves no process and no socket.
 *
 * The interface and socket names carry our pid: /var/run/wireguard is
 * shared by every namespace and other suites run at the same time. A
 * child left by a failed assertion dies with us (PR_SET_PDEATHSIG) and
 * removes its socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "wgdev_child.h"
#include "wgdev_uapi.h"

static bool in_fixed_dir(const char *path)
{
	static const char *const dirs[] = { "/usr/local/sbin/", "/usr/local/bin/", "/usr/sbin/",
					    "/usr/bin/", "/sbin/", "/bin/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])) && !strchr(path + strlen(dirs[i]), '/'))
			return true;
	return false;
}

/*
 * An executable named like a real tool, in a directory first in $PATH:
 * not taken. By its absolute path: taken.
 */
static void test_find(void **state)
{
	char dir[] = "/tmp/wgnm-child-XXXXXX", exe[64], out[256];
	const char *old_path = getenv("PATH");
	char *saved = old_path ? strdup(old_path) : NULL;
	int fd;
	(void)state;

	assert_true(wgdev_child_find("sh", out, sizeof(out)));
	assert_true(in_fixed_dir(out));

	assert_non_null(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/wgnm-only-here", dir);
	fd = open(exe, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	setenv("PATH", dir, 1);
	assert_false(wgdev_child_find("wgnm-only-here", out, sizeof(out)));
	/* sh is still found where it always is, not through PATH */
	assert_true(wgdev_child_find("sh", out, sizeof(out)));
	assert_true(in_fixed_dir(out));
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);

	assert_true(wgdev_child_find(exe, out, sizeof(out)));
	assert_string_equal(out, exe);
	/* not executable */
	assert_int_equal(chmod(exe, 0644), 0);
	assert_false(wgdev_child_find(exe, out, sizeof(out)));

	/* relative paths: never */
	assert_false(wgdev_child_find("bin/sh", out, sizeof(out)));
	assert_false(wgdev_child_find("./sh", out, sizeof(out)));
	assert_false(wgdev_child_find("no-such-implementation-wgnm", out, sizeof(out)));
	/* no room for the path */
	assert_false(wgdev_child_find("sh", out, 6));

	assert_int_equal(unlink(exe), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* --- live ------------------------------------------------------------- */

/* The NUL-separated entries of /proc/PID/FILE, joined by '\n'. */
static void read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '\n';
}

static bool proc_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Up to 5 s for the child's exit to show on its pidfd. */
static void wait_exit(const struct wgdev_child *c)
{
	if (c->pidfd >= 0) {
		struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		return;
	}
	for (int i = 0; i < 500; i++) {
		char st[4096];

		read_proc(c->pid, "stat", st, sizeof(st));
		if (strstr(st, ") Z "))
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	fail_msg("child %d did not exit within 5 s", (int)c->pid);
}

/*
 * The first candidate is this test program again, run as the child
 * ("PATH -f IFNAME"): it writes down what it was started with and exits
 * before it opens a socket; wireguard-go, the next candidate, is taken.
 * A C program, not a script: a shell clears its signal mask at start.
 */
static void seen_path(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/wgnm-child-%s.seen", ifname);
}

static void copy_proc(FILE *out, const char *path, const char *only)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return;
	if (only) {
		while (fgets(buf, sizeof(buf), f))
			if (strstr(buf, only) == buf)
				fputs(buf, out);
	} else {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			for (size_t i = 0; i < n; i++)
				fputc(buf[i] ? buf[i] : '\n', out);
	}
	fclose(f);
}

static int probe_main(const char *ifname)
{
	char path[128], fd0[64];
	int sig = 0;
	ssize_t n;
	FILE *out;

	seen_path(ifname, path, sizeof(path));
	out = fopen(path, "wex");
	if (!out)
		_exit(4);
	copy_proc(out, "/proc/self/status", "SigBlk:");
	copy_proc(out, "/proc/self/status", "SigIgn:");
	copy_proc(out, "/proc/self/environ", NULL);
	n = readlink("/proc/self/fd/0", fd0, sizeof(fd0) - 1);
	fd0[n > 0 ? n : 0] = '\0';
	(void)prctl(PR_GET_PDEATHSIG, &sig);
	fprintf(out, "stdin %s\nown group %d\npdeathsig %d\n", fd0, getpgid(0) == getpid(), sig);
	fclose(out);
	_exit(3);
}

static void test_live(void **state)
{
	char ifname[WGDEV_IFNAMSIZ], path[128], buf[4096], want[512], self[256], seen[128], wggo[256];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_sa[3];
	static const int ignored[3] = { SIGINT, SIGHUP, SIGTERM };
	struct wgdev_child c;
	sigset_t usr1, old_mask;
	unsigned long long blocked = ~0ull, ignored_mask = ~0ull;
	pid_t owner = 0, pid;
	ssize_t n;
	int st = 0, fd, saved_stdin, pipefd[2];
	(void)state;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	if (geteuid() != 0 || !wgdev_child_find("wireguard-go", wggo, sizeof(wggo)) ||
	    access("/dev/net/tun", R_OK | W_OK) < 0 || unshare(CLONE_NEWNET) < 0) {
		skip();
		return;
	}
	snprintf(ifname, sizeof(ifname), "wgc%d", (int)getpid());
	assert_int_equal(wgdev_uapi_path(ifname, path, sizeof(path)), 0);
	seen_path(ifname, seen, sizeof(seen));
	(void)unlink(seen);

	/* Whatever we carry must not reach the child: our stdin (a pipe), */
	saved_stdin = dup(STDIN_FILENO);
	assert_true(saved_stdin >= 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(dup2(pipefd[0], STDIN_FILENO), STDIN_FILENO);
	/* our environment, */
	setenv("WG_TUN_FD", "99", 1);
	setenv("WGNM_TEST_SECRET", "x", 1);
	setenv("LOG_LEVEL", "error", 1);
	setenv("WG_LOG_LEVEL", "a-value-longer-than-thirty-two-bytes", 1);
	setenv("WG_QUICK_USERSPACE_IMPLEMENTATION", self, 1);
	/* ignored signals and our signal mask. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sigaction(ignored[i], &ign, &old_sa[i]), 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &old_mask), 0);

	wgdev_child_init(&c, ifname);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.pidfd, -1);
	assert_int_equal(wgdev_child_reap(&c, &st), -ECHILD);
	assert_int_equal(wgdev_child_start(&c), 0);

	unsetenv("WG_QUICK_USERSPACE_IMPLEMENTATION");
	unsetenv("WG_TUN_FD");
	unsetenv("WGNM_TEST_SECRET");
	unsetenv("LOG_LEVEL");
	unsetenv("WG_LOG_LEVEL");
	for (int i = 0; i < 3; i++)
		assert_int_equal(sigaction(ignored[i], &old_sa[i], NULL), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
	assert_int_equal(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
	close(saved_stdin);
	close(pipefd[0]);
	close(pipefd[1]);

	/* What the probe saw: nothing blocked or ignored, only our environment,
	 * stdin on /dev/null, a process group of its own, PDEATHSIG. */
	fd = open(seen, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	(void)unlink(seen);
	assert_true(n > 0);
	buf[n] = '\0';
	/* Signals 1-31: glibc keeps 32 and 33 for itself and refuses to touch
	 * them, so whatever our own parent did to those is passed on. */
	assert_int_equal(sscanf(buf, "SigBlk:\t%llx\nSigIgn:\t%llx\n", &blocked, &ignored_mask), 2);
	assert_int_equal(blocked & 0x7fffffffull, 0);
	assert_int_equal(ignored_mask & 0x7fffffffull, 0);
	snprintf(want, sizeof(want),
		 "WG_PROCESS_FOREGROUND=1\nWG_SUDO=1\n"
		 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
		 "LOG_LEVEL=error\nstdin /dev/null\nown group 1\npdeathsig %d\n", SIGTERM);
	assert_non_null(strchr(buf, '\n'));
	assert_string_equal(strchr(strchr(buf, '\n') + 1, '\n') + 1, want);

	/* wireguard-go runs, answers, in its own process group (a terminal's
	 * ^C is ours alone), with the same environment. */
	assert_true(c.pid > 0);
	assert_true(wgdev_uapi_answers(ifname));
	assert_int_equal(wgdev_uapi_owner(ifname, &owner), 0);
	assert_int_equal(owner, c.pid);
	assert_int_equal(wgdev_child_reap(&c, &st), 0);
	assert_int_equal(getpgid(c.pid), c.pid);
	read_proc(c.pid, "environ", buf, sizeof(buf));
	assert_string_equal(buf, "WG_PROCESS_FOREGROUND=1\nWG_SUDO=1\n"
				 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
				 "LOG_LEVEL=error\n");
	read_proc(c.pid, "cmdline", buf, sizeof(buf));
	snprintf(want, sizeof(want), "wireguard-go\n-f\n%s\n", ifname);
	assert_string_equal(buf, want);

	/* Killed behind our back: the pidfd says so, reap tells how. */
	pid = c.pid;
	assert_int_equal(kill(pid, SIGKILL), 0);
	wait_exit(&c);
	assert_int_equal(wgdev_child_reap(&c, &st), 1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.pidfd, -1);
	assert_true(proc_gone(pid));
	assert_int_equal(wgdev_child_reap(&c, &st), -ECHILD);
	/* A killed wireguard-go leaves its socket; nobody answers on it. */
	assert_false(wgdev_uapi_answers(ifname));
	(void)unlink(path);

	/* Started and stopped: no process, no socket. */
	assert_int_equal(wgdev_child_start(&c), 0);
	pid = c.pid;
	assert_true(pid > 0);
	wgdev_child_stop(&c);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.pidfd, -1);
	assert_true(proc_gone(pid));
	assert_false(wgdev_uapi_answers(ifname));
	assert_int_equal(access(path, F_OK), -1);
	wgdev_child_stop(&c);   /* nothing left to stop */
	assert_int_equal(wgdev_child_reap(&c, NULL), -ECHILD);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_live),
	};

	if (argc == 3 && !strcmp(argv[1], "-f"))
		return probe_main(argv[2]);
	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
