/*
 * Command-line checks: runs the daemon binary named by $WGNM_TEST_DAEMON
 * (set by `make test`) with fork/exec, capturing exit code, stdout and
 * stderr. Only modes that never start the daemon are run: --help, -V,
 * usage errors, `check`, `genkey`, and the daemon where it must refuse to
 * start (a configuration error, no privileges). Runs from the repository
 * root.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

/* The key in net.example.yaml: it must never be printed. */
#define EXAMPLE_KEY "8Ls3lTyPqH2oX6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY="

static const char *daemon_path;
static char scratch[64];

struct run {
	int status;		/* exit code, or -1 if it did not exit normally */
	char out[16384];
	char err[16384];
};

/* How the child runs: as whom, and with stderr taken for the journal's. */
struct run_how {
	uid_t uid;		/* 0: unchanged */
	bool journal;		/* $JOURNAL_STREAM names its stderr */
};

static void read_all(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run the daemon with argv (NULL-terminated, without argv[0]). */
static void run_how(struct run *r, const struct run_how *how, const char *const *args)
{
	char out_path[128], err_path[128];
	char *argv[32] = { NULL };
	size_t n = 1;
	pid_t pid;
	int st;

	snprintf(out_path, sizeof(out_path), "%s/stdout", scratch);
	snprintf(err_path, sizeof(err_path), "%s/stderr", scratch);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (o < 0 || e < 0 || nul < 0)
			_exit(127);
		/* the child may copy: exec wants char *const[] */
		argv[0] = strdup(daemon_path);
		for (; args[n - 1] && n < 31; n++)
			argv[n] = strdup(args[n - 1]);
		argv[n] = NULL;
		dup2(nul, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (how && how->journal) {
			struct stat es;
			char js[64];

			fstat(2, &es);
			snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)es.st_dev,
				 (unsigned long long)es.st_ino);
			setenv("JOURNAL_STREAM", js, 1);
		}
		if (how && how->uid && (setgid(how->uid) < 0 || setuid(how->uid) < 0))
			_exit(126);
		execv(daemon_path, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	read_all(out_path, r->out, sizeof(r->out));
	read_all(err_path, r->err, sizeof(r->err));
}

static void run(struct run *r, const char *const *args)
{
	run_how(r, NULL, args);
}

#define RUN(r, ...) run(r, (const char *const[]){ __VA_ARGS__, NULL })
#define RUN_HOW(r, how, ...) run_how(r, how, (const char *const[]){ __VA_ARGS__, NULL })

static void assert_charlie(const struct run *r);

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		print_message("expected '%s' in:\n%s\n", needle, hay);
	assert_non_null(strstr(hay, needle));
}

static void assert_no_secret(const struct run *r)
{
	assert_null(strstr(r->out, EXAMPLE_KEY));
	assert_null(strstr(r->err, EXAMPLE_KEY));
	assert_null(strstr(r->out, "8Ls3lTyPqH2oX6vT"));
}

static int group_setup(void **state)
{
	(void)state;
	daemon_path = getenv("WGNM_TEST_DAEMON");
	snprintf(scratch, sizeof(scratch), "/tmp/wgnm-test-cli.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	return sodium_init() < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/stdout", scratch);
	unlink(path);
	snprintf(path, sizeof(path), "%s/stderr", scratch);
	unlink(path);
	snprintf(path, sizeof(path), "%s/broken.yaml", scratch);
	unlink(path);
	rmdir(scratch);
	return 0;
}

static int need_daemon(void **state)
{
	(void)state;
	if (!daemon_path || !*daemon_path) {
		print_message("WGNM_TEST_DAEMON is not set; skipping the command-line tests "
			      "(run them with `make test`)\n");
		skip();
	}
	return 0;
}

static void test_help_version(void **state)
{
	struct run r;

	need_daemon(state);
	RUN(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: wg_netmanager");
	assert_contains(r.out, "check");
	assert_contains(r.out, "genkey");
	RUN(&r, "-h");
	assert_int_equal(r.status, 0);
	RUN(&r, "-V");
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "wg_netmanager ", 14) == 0);
	RUN(&r, "--version");
	assert_int_equal(r.status, 0);
}

/* Usage errors: exit 2, say what was wrong, point at --help. */
static void test_usage_errors(void **state)
{
	static const struct {
		const char *args[4];
		const char *says;
	} cases[] = {
		{ { "-x" }, "wg_netmanager: unknown option '-x'\n" },
		/* combined flags: the bad letter, not the word or the one before */
		{ { "-ex" }, "wg_netmanager: unknown option '-x'\n" },
		{ { "-v", "-xe" }, "wg_netmanager: unknown option '-x'\n" },
		{ { "--frobnicate=3" }, "wg_netmanager: unknown or ambiguous option '--frobnicate'\n" },
		{ { "-c" }, "wg_netmanager: missing value for option '-c'\n" },
		{ { "-ec" }, "wg_netmanager: missing value for option '-c'\n" },
		{ { "--name" }, "wg_netmanager: missing value for option '--name'\n" },
		{ { "-w", "0" }, "wg_netmanager: -w '0': a port is a number from 1 to 65535\n" },
		{ { "-u", "65536" }, "wg_netmanager: -u '65536': a port is a number from 1 to 65535\n" },
		{ { "--wireguard-port=http" }, "-w 'http': a port is a number from 1 to 65535\n" },
		{ { "-b", "magic" }, "-b: choose auto, kernel or userspace, not 'magic'\n" },
		{ { "genkey", "now" }, "wg_netmanager: genkey takes no arguments, got 'now'\n" },
	};
	struct run r;

	need_daemon(state);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&r, cases[i].args);
		if (r.status != 2)
			print_message("case %zu (%s): exit %d, stderr:\n%s", i, cases[i].args[0],
				      r.status, r.err);
		assert_int_equal(r.status, 2);
		assert_contains(r.err, cases[i].says);
		assert_contains(r.err, "Try 'wg_netmanager --help' for more information.\n");
		assert_string_equal(r.out, "");
	}
	RUN(&r, "check", "-c", "net.example.yaml", "wg0", "10.1.1.21", "charlie", "extra");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "wg_netmanager: unexpected argument 'extra'\n");
}

/*
 * A mistyped command must not start a daemon on an interface named after
 * the typo: the positional form takes all three words or none, a command
 * word goes first, a near miss gets a suggestion. All usage errors (2).
 */
static void test_commands_and_positionals(void **state)
{
	static const struct {
		const char *args[8];
		const char *says;
	} cases[] = {
		{ { "stauts" }, "wg_netmanager: unknown command 'stauts' (did you mean status?)\n" },
		{ { "-p", "beta-peer.yaml", "stauts" },
		  "wg_netmanager: unknown command 'stauts' (did you mean status?)\n" },
		{ { "metrcis" }, "(did you mean metrics?)\n" },
		{ { "chekc", "-c", "net.example.yaml" }, "(did you mean check?)\n" },
		{ { "check", "-c", "net.example.yaml", "help" },
		  "wg_netmanager: 'help' is a command; it comes first: wg_netmanager help ...\n" },
		{ { "-v", "status" }, "'status' is a command; it comes first" },
		{ { "-c", "net.example.yaml", "status", "10.1.1.21", "charlie" },
		  "'status' is a command; it comes first" },
		{ { "wg0" }, "'wg0': INTERFACE ADDRESS NAME are given together, all three" },
		{ { "-c", "net.example.yaml", "wg0", "10.1.1.21" },
		  "'wg0': INTERFACE ADDRESS NAME are given together, all three" },
		{ { "help", "frobnicate" }, "wg_netmanager: no command 'frobnicate'" },
		{ { "help", "status", "now" }, "help takes at most one command, got 'now'" },
	};
	struct run r;

	need_daemon(state);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&r, cases[i].args);
		if (r.status != 2 || !strstr(r.err, cases[i].says))
			print_message("case %zu (%s): exit %d, stderr:\n%s", i, cases[i].args[0],
				      r.status, r.err);
		assert_int_equal(r.status, 2);
		assert_contains(r.err, cases[i].says);
		assert_string_equal(r.out, "");
	}
	RUN(&r, "help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: wg_netmanager");
	assert_contains(r.out, "help [COMMAND]");
	RUN(&r, "help", "status");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: wg_netmanager status");
	/* the original's "install": what to do instead, not an interface */
	RUN(&r, "install");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "systemctl enable --now wg_netmanager@wg0");
	assert_null(strstr(r.err, "interface"));
}

/*
 * The diagnostics commands: usage errors are 2 and name the command's own
 * help; with no daemon to ask they fail with 1 and say so.
 */
static void test_client_commands(void **state)
{
	static const struct {
		const char *args[6];
		const char *says;
	} usage[] = {
		{ { "ping" }, "wg_netmanager ping: which node? (a name or an overlay address)\n" },
		{ { "ping", "-c", "0", "beta" }, "wg_netmanager ping: -c '0': a number from 1 to 100\n" },
		{ { "ping", "-c", "101", "beta" }, "-c '101': a number from 1 to 100\n" },
		{ { "ping", "-c", "3x", "beta" }, "-c '3x': a number from 1 to 100\n" },
		{ { "ping", "-W", "11", "beta" }, "-W '11': a number from 1 to 10\n" },
		{ { "ping", "-W", "-1", "beta" }, "-W '-1': a number from 1 to 10\n" },
		{ { "ping", "beta", "alpha" }, "wg_netmanager ping: unexpected argument 'alpha'\n" },
		{ { "ping", "--json", "beta" }, "wg_netmanager ping: --json does not go with ping\n" },
		{ { "metrics", "--edges" }, "wg_netmanager metrics: --edges does not go with metrics\n" },
		{ { "netcheck", "--edges" }, "--edges does not go with netcheck\n" },
		{ { "status", "-c", "3" }, "wg_netmanager status: -c does not go with status\n" },
		{ { "netcheck", "now" }, "wg_netmanager netcheck: unexpected argument 'now'\n" },
	};
	static const struct {
		const char *args[2];
		const char *says;
	} typos[] = {
		{ { "pnig" }, "(did you mean ping?)\n" },
		{ { "netchek" }, "(did you mean netcheck?)\n" },
	};
	char dir[] = "/tmp/wgnm-test-cli-run.XXXXXX";
	struct run r;

	need_daemon(state);
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		run(&r, usage[i].args);
		if (r.status != 2 || !strstr(r.err, usage[i].says))
			print_message("case %zu (%s %s): exit %d, stderr:\n%s", i, usage[i].args[0],
				      usage[i].args[1] ? usage[i].args[1] : "", r.status, r.err);
		assert_int_equal(r.status, 2);
		assert_contains(r.err, usage[i].says);
		assert_string_equal(r.out, "");
	}
	RUN(&r, "ping", "-x");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "usage: wg_netmanager ping [-i IF] [-c COUNT] [-W SECONDS]");
	assert_contains(r.err, "Try 'wg_netmanager ping --help' for more information.\n");
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		run(&r, typos[i].args);
		assert_int_equal(r.status, 2);
		assert_contains(r.err, typos[i].says);
	}
	RUN(&r, "help", "ping");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: wg_netmanager ping [-i IF] [-c COUNT] [-W SECONDS] "
			       "[--run-dir DIR] NODE\n");
	assert_contains(r.out, "exit 0 if it answered, 1 if not");
	RUN(&r, "netcheck", "--help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: wg_netmanager netcheck [-i IF] [--json]");
	RUN(&r, "--help");
	assert_contains(r.out, "wg_netmanager ping [-i IF] [-c N] NODE");
	assert_contains(r.out, "wg_netmanager netcheck [-i IF] [--json]");
	assert_contains(r.out, "[--edges]");

	/* nobody to ask: 1, and why */
	assert_non_null(mkdtemp(dir));
	RUN(&r, "ping", "--run-dir", dir, "beta");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no daemon runs");
	RUN(&r, "netcheck", "--run-dir", dir);
	assert_int_equal(r.status, 1);
	RUN(&r, "status", "--edges", "--json", "--run-dir", dir);
	assert_int_equal(r.status, 1);
	RUN(&r, "ping", "-i", "wgnone0", "--run-dir", dir, "beta");
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "no daemon serves this interface");
	rmdir(dir);
}

/* The original's -l took no file name: it must not swallow the next option. */
static void test_log_switch_of_the_original(void **state)
{
	struct run r;

	need_daemon(state);
	RUN(&r, "check", "-c", "net.example.yaml", "-l", "-a", "10.1.1.21", "-n", "charlie");
	assert_charlie(&r);
	RUN(&r, "check", "-c", "net.example.yaml", "-a", "10.1.1.21", "-n", "charlie", "-l");
	assert_charlie(&r);
	RUN(&r, "check", "-c", "net.example.yaml", "-vl", "-a", "10.1.1.21", "-n", "charlie");
	assert_charlie(&r);
	/* with a file name, as before */
	RUN(&r, "check", "-c", "net.example.yaml", "-l", "/dev/null", "-a", "10.1.1.21", "-n",
	    "charlie");
	assert_charlie(&r);
	RUN(&r, "check", "-c", "net.example.yaml", "--log-file=/dev/null", "-a", "10.1.1.21",
	    "-n", "charlie");
	assert_charlie(&r);
}

/*
 * systemd must not restart a configuration error forever: whatever status
 * the daemon exits with on one is in the unit's RestartPreventExitStatus=.
 */
static void test_systemd_stops_on_config_error(void **state)
{
	char unit[8192], *line, *save = NULL, code[8];
	bool found = false;
	struct run r;

	need_daemon(state);
	read_all("systemd/wg_netmanager@.service", unit, sizeof(unit));
	assert_true(strlen(unit) > 100);
	RUN(&r, "-c", "/nonexistent/net.yaml", "-i", "wg0", "-a", "10.1.1.21", "-n", "charlie");
	assert_true(r.status > 0);
	snprintf(code, sizeof(code), "%d", r.status);
	for (line = strtok_r(unit, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *w, *wsave = NULL;

		if (strncmp(line, "RestartPreventExitStatus=", 25) != 0)
			continue;
		for (w = strtok_r(line + 25, " ", &wsave); w; w = strtok_r(NULL, " ", &wsave))
			found = found || strcmp(w, code) == 0;
	}
	if (!found)
		print_message("exit status %s is not in RestartPreventExitStatus=\n", code);
	assert_true(found);
}

/*
 * Why the service failed must show in `journalctl -p err`: under the
 * journal (stderr is $JOURNAL_STREAM), configuration errors and fatal
 * errors carry priority 3.
 */
static void test_errors_at_error_priority(void **state)
{
	struct run_how journal = { .journal = true };
	char path[128];
	struct run r;
	FILE *f;

	need_daemon(state);
	snprintf(path, sizeof(path), "%s/broken.yaml", scratch);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("network:\n  sharedKey: tooshort\n  subnet: 10.1.1.0/24\n", f);
	fclose(f);
	chmod(path, 0600);
	RUN_HOW(&r, &journal, "-c", path, "-i", "wg0", "-a", "10.1.1.21", "-n", "charlie");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "<3>");
	assert_contains(r.err, ":2:14: sharedKey must be 32 bytes in base64");
	assert_contains(r.err, "<3>wg_netmanager: 1 configuration error\n");
	for (const char *p = r.err; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (strncmp(p, "<3>", 3) != 0 && strncmp(p, "<4>", 3) != 0)
			fail_msg("a line without a priority: %.60s", p);
	RUN_HOW(&r, &journal, "--frobnicate");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "<3>wg_netmanager: unknown or ambiguous option '--frobnicate'\n");
}

/*
 * Not root: say so, not "install the wireguard module". As root the test
 * runs the daemon as nobody; otherwise as it is.
 */
static void test_needs_root(void **state)
{
	struct run_how how = { .uid = geteuid() == 0 ? 65534 : 0, .journal = true };
	char net[] = "/tmp/wgnm-test-cli-net.XXXXXX";
	char ifname[16];
	struct run r;
	int fd;

	need_daemon(state);
	/* a file nobody may read: 0644 (a warning), owned by root (allowed) */
	fd = mkstemp(net);
	assert_true(fd >= 0);
	assert_true(write(fd, "network:\n  sharedKey: " EXAMPLE_KEY "\n  subnet: 10.1.1.0/24\n",
			  strlen("network:\n  sharedKey: " EXAMPLE_KEY "\n  subnet: 10.1.1.0/24\n")) > 0);
	close(fd);
	chmod(net, 0644);
	snprintf(ifname, sizeof(ifname), "wgnr%d", (int)getpid() % 100000);
	RUN_HOW(&r, &how, "-c", net, "-i", ifname, "-a", "10.1.1.21", "-n", "charlie", "-b",
		"kernel");
	unlink(net);
	if (r.status != 1)
		print_message("exit %d, stderr:\n%s", r.status, r.err);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "<3>needs root (CAP_NET_ADMIN)");
	assert_null(strstr(r.err, "install"));
	assert_no_secret(&r);
}

static void assert_charlie(const struct run *r)
{
	if (r->status != 0)
		print_message("stderr:\n%s", r->err);
	assert_int_equal(r->status, 0);
	assert_contains(r->out, "name:            charlie\n");
	assert_contains(r->out, "wgIp:            10.1.1.21\n");
	assert_contains(r->out, "interface:       wg0 ");
	assert_contains(r->out, "WireGuard port:  50021\n");
	assert_contains(r->out, "admin port:      50521\n");
	assert_contains(r->out, "sharedKey:       set (32 bytes, not shown)\n");
	assert_no_secret(r);
}

static void test_check(void **state)
{
	struct run r;

	need_daemon(state);
	RUN(&r, "check", "-c", "net.example.yaml", "-a", "10.1.1.21", "-n", "charlie", "-i", "wg0");
	assert_charlie(&r);
	/* the original's positional form */
	RUN(&r, "check", "-c", "net.example.yaml", "wg0", "10.1.1.21", "charlie");
	assert_charlie(&r);
	RUN(&r, "check", "--network_config=net.example.yaml", "-p", "peer.example.yaml");
	assert_charlie(&r);
	assert_contains(r.out, "peer config:     peer.example.yaml\n");
	/* the command line beats peer.yaml */
	RUN(&r, "check", "-c", "net.example.yaml", "-p", "peer.example.yaml", "-n", "bob", "-w",
	    "41000", "-N");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "name:            bob\n");
	assert_contains(r.out, "WireGuard port:  41000\n");
	assert_contains(r.out, "admin port:      50521\n");
	assert_contains(r.out, "transit:         no");
	assert_no_secret(&r);
	/* beta is listed in net.yaml: its static ports */
	RUN(&r, "check", "-c", "net.example.yaml", "-a", "10.1.1.2", "-n", "beta");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "WireGuard port:  50002\n");
	assert_contains(r.out, "admin port:      50502\n");
	assert_contains(r.out, "(this node)");
}

static void test_check_errors(void **state)
{
	static const char broken[] =
		"network:\n"
		"  sharedKey: tooshort\n"
		"  subnet: 10.1.1.0/24\n"
		"peers:\n"
		"  - endPoint: 203.0.113.2:50002\n"
		"    wgIp: 10.1.2.2\n";
	char path[128], want[300];
	struct run r;
	FILE *f;

	need_daemon(state);
	snprintf(path, sizeof(path), "%s/broken.yaml", scratch);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(broken, f);
	fclose(f);
	chmod(path, 0600);
	RUN(&r, "check", "-c", path, "-a", "10.1.1.21", "-n", "charlie");
	assert_int_equal(r.status, 2);
	snprintf(want, sizeof(want), "%s:2:14: sharedKey must be 32 bytes in base64", path);
	assert_contains(r.err, want);
	snprintf(want, sizeof(want), "%s:6:11: wgIp 10.1.2.2 is outside subnet 10.1.1.0/24\n", path);
	assert_contains(r.err, want);
	assert_contains(r.err, "wg_netmanager: 2 configuration errors\n");
	assert_string_equal(r.out, "");

	/* a 0644 file holding the key: a warning, still exit 0 */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("network:\n  sharedKey: " EXAMPLE_KEY "\n  subnet: 10.1.1.0/24\n", f);
	fclose(f);
	chmod(path, 0644);
	RUN(&r, "check", "-c", path, "-a", "10.1.1.21", "-n", "charlie");
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "%s: warning: holds the shared key but others can read it", path);
	assert_contains(r.err, want);
	assert_no_secret(&r);

	RUN(&r, "check", "-c", "/nonexistent/net.yaml", "-a", "10.1.1.21", "-n", "charlie");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "/nonexistent/net.yaml: cannot open: No such file or directory\n");

	RUN(&r, "check", "-c", "net.example.yaml", "-a", "10.9.9.9", "-n", "charlie");
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "command line: this node's wgIp 10.9.9.9 is outside subnet 10.1.1.0/24\n");
}

static void test_genkey(void **state)
{
	struct run a, b;
	uint8_t key[33];
	size_t len = 0;
	const char *end = NULL;

	need_daemon(state);
	RUN(&a, "genkey");
	RUN(&b, "genkey");
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_int_equal(strlen(a.out), 45);
	assert_int_equal(a.out[44], '\n');
	assert_int_equal(sodium_base642bin(key, sizeof(key), a.out, 44, NULL, &len, &end,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(len, 32);
	assert_ptr_equal(end, a.out + 44);
	assert_string_not_equal(a.out, b.out);
	assert_string_equal(a.err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_commands_and_positionals),
		cmocka_unit_test(test_client_commands),
		cmocka_unit_test(test_log_switch_of_the_original),
		cmocka_unit_test(test_systemd_stops_on_config_error),
		cmocka_unit_test(test_errors_at_error_priority),
		cmocka_unit_test(test_needs_root),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_genkey),
	};

	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
