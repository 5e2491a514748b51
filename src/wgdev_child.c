/*
 * A userspace WireGuard implementation as our child; see wgdev_child.h
 * for the model.
 */
#include "wgdev_child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "wgdev_uapi.h"

#define SPAWN_WAIT_MS 3000
#define STOP_WAIT_MS 2000
#define POLL_STEP_MS 20

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void wgdev_child_init(struct wgdev_child *c, const char *ifname)
{
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	c->pid = 0;
	c->pidfd = -1;
}

/*
 * Where an implementation is looked for: fixed, never $PATH, so that the
 * environment the daemon was started from (a shell with "." or a user's
 * bin first in PATH) cannot choose what runs as root with our interface.
 */
static const char *const bin_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					"/usr/bin", "/sbin", "/bin", NULL };

bool wgdev_child_find(const char *name, char *out, size_t len)
{
	if (name[0] == '/') {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0;
	}
	if (strchr(name, '/'))
		return false;
	for (size_t i = 0; bin_dirs[i]; i++) {
		int w = snprintf(out, len, "%s/%s", bin_dirs[i], name);

		if (w > 0 && (size_t)w < len && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * The child's whole environment: what the implementations need and
 * nothing of ours (no WG_TUN_FD or WG_UAPI_FD from whoever started us,
 * which wireguard-go would take as its own). wireguard-go's and
 * boringtun's log level pass through. Prepared before fork: the child of
 * a threaded parent may only call async-signal-safe functions.
 */
static char **child_env(void)
{
	static const char *const fixed[] = {
		/* wireguard-go: stay in the foreground, no banner. */
		"WG_PROCESS_FOREGROUND=1",
		/* boringtun: keep root, which the UAPI socket and the
		 * daemon's later configuration need. */
		"WG_SUDO=1",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	};
	static const char *const passed[] = { "LOG_LEVEL", "WG_LOG_LEVEL" };
	size_t nf = sizeof(fixed) / sizeof(fixed[0]), np = sizeof(passed) / sizeof(passed[0]);
	size_t k = 0;
	char **env = calloc(nf + np + 1, sizeof(*env));

	if (!env)
		return NULL;
	for (size_t i = 0; i < nf; i++)
		env[k++] = (char *)(uintptr_t)fixed[i];
	for (size_t i = 0; i < np; i++) {
		const char *v = getenv(passed[i]);
		size_t n;

		if (!v || strlen(v) > 32)
			continue;
		n = strlen(passed[i]) + strlen(v) + 2;
		env[k] = malloc(n);
		if (!env[k])
			continue;
		snprintf(env[k++], n, "%s=%s", passed[i], v);
	}
	return env;
}

static void child_env_free(char **env)
{
	/* the fixed entries come first and are not ours to free */
	for (size_t i = 3; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static pid_t spawn(const char *path, char *const argv[], char **env)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;

	/* Child: async-signal-safe calls only. */
	sigset_t none;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int devnull;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	/* Ignored signals and the mask survive exec; the child must see
	 * SIGTERM and SIGPIPE as a fresh process would. */
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		if (devnull != STDIN_FILENO)
			close(devnull);
	}
	execve(path, argv, env);
	_exit(127);
}

void wgdev_child_stop(struct wgdev_child *c)
{
	int64_t deadline;
	int status;

	if (c->pid <= 0)
		return;
	if (kill(c->pid, SIGTERM) == 0) {
		deadline = now_ms() + STOP_WAIT_MS;
		while (now_ms() < deadline) {
			pid_t r = waitpid(c->pid, &status, WNOHANG);
			if (r == c->pid || (r < 0 && errno == ECHILD))
				goto reaped;
			if (c->pidfd >= 0) {
				struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
				(void)poll(&pfd, 1, POLL_STEP_MS);
			} else {
				sleep_ms(POLL_STEP_MS);
			}
		}
		log_warnx("%s: userspace WireGuard (pid %d) ignored SIGTERM; killing it", c->ifname,
			  (int)c->pid);
	}
	(void)kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	{
		/* Killed, it left its socket behind. */
		char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
		if (wgdev_uapi_path(c->ifname, path, sizeof(path)) == 0 && !wgdev_uapi_answers(c->ifname))
			(void)unlink(path);
	}
reaped:
	c->pid = 0;
	if (c->pidfd >= 0) {
		close(c->pidfd);
		c->pidfd = -1;
	}
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#else
	(void)pid;
#endif
	return -1;
}

/* Start one implementation and wait for its socket. */
static int try_start(struct wgdev_child *c, const char *name)
{
	static char foreground[] = "-f";
	char path[PATH_MAX];
	char *argv[] = { (char *)(uintptr_t)name, foreground, c->ifname, NULL };
	char **env;
	int64_t deadline;
	int status;

	if (!wgdev_child_find(name, path, sizeof(path)))
		return -ENOENT;
	env = child_env();
	if (!env)
		return -ENOMEM;
	c->pid = spawn(path, argv, env);
	child_env_free(env);
	if (c->pid < 0) {
		c->pid = 0;
		return -errno;
	}
	c->pidfd = open_pidfd(c->pid);
	log_info("%s: started %s (pid %d)", c->ifname, path, (int)c->pid);
	deadline = now_ms() + SPAWN_WAIT_MS;
	while (now_ms() < deadline) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			log_warnx("%s: %s exited (%s %d) before it opened its socket", c->ifname, path,
				  WIFEXITED(status) ? "status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			c->pid = 0;
			if (c->pidfd >= 0)
				close(c->pidfd);
			c->pidfd = -1;
			return -ECHILD;
		}
		if (wgdev_uapi_answers(c->ifname))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	log_warnx("%s: %s did not open %s/%s.sock within %d ms", c->ifname, path, WGDEV_UAPI_DIR,
		  c->ifname, SPAWN_WAIT_MS);
	wgdev_child_stop(c);
	return -ETIMEDOUT;
}

int wgdev_child_start(struct wgdev_child *c)
{
	const char *candidates[4];
	size_t n = 0;
	const char *override = getenv("WG_QUICK_USERSPACE_IMPLEMENTATION");
	int ret = -ENOENT;

	/* wg-quick's variable: whoever set it wants that implementation
	 * (an absolute path, or a name in the fixed directories). */
	if (override && *override) {
		if (strchr(override, '/') && override[0] != '/')
			log_warnx("WG_QUICK_USERSPACE_IMPLEMENTATION=%s ignored: give an absolute "
				  "path or a bare name", override);
		else
			candidates[n++] = override;
	}
	candidates[n++] = "wireguard-go";
	candidates[n++] = "boringtun";
	candidates[n++] = "boringtun-cli";
	for (size_t i = 0; i < n; i++) {
		int r = try_start(c, candidates[i]);

		if (r == 0)
			return 0;
		if (r != -ENOENT || ret == -ENOENT)
			ret = r;
	}
	return ret;
}

int wgdev_child_reap(struct wgdev_child *c, int *status)
{
	int st;
	pid_t r;

	if (c->pid <= 0)
		return -ECHILD;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r == 0)
		return 0;
	if (r < 0 && errno != ECHILD)
		return -errno;
	log_warnx("%s: userspace WireGuard (pid %d) exited", c->ifname, (int)c->pid);
	c->pid = 0;
	if (c->pidfd >= 0) {
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (status)
		*status = r > 0 ? st : 0;
	return 1;
}
