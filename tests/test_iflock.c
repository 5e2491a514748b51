/*
 * Tests for src/iflock.c: the record's text form, the ownership rule (a
 * table: one reason for each way a link is not ours), and the lock itself
 * in a scratch directory: a second holder refused, a clean release leaves
 * nothing, a crashed holder leaves its record to the next one. The
 * record is made for the loopback link, which every namespace has and no
 * test may remove: iflock_remove_leftover must refuse it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iflock.h"
#include "kernel.h"
#include "log.h"

static const struct iflock_record sample = {
	.valid = true,
	.pid = 4242,
	.id = { .boot = "0f3c6f9e-1111-2222-3333-444455556666", .netns_ino = 4026531840u,
		.netns_cookie = 4096 },
	.ifname = "wg0",
	.ifindex = 7,
	.kind = "wireguard",
	.created = true,
	.child = 0,
	.child_start = 0,
};

static void assert_record_equal(const struct iflock_record *a, const struct iflock_record *b)
{
	assert_int_equal(a->valid, b->valid);
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->id.boot, b->id.boot);
	assert_int_equal(a->id.netns_ino, b->id.netns_ino);
	assert_int_equal(a->id.netns_cookie, b->id.netns_cookie);
	assert_string_equal(a->ifname, b->ifname);
	assert_int_equal(a->ifindex, b->ifindex);
	assert_string_equal(a->kind, b->kind);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->child, b->child);
	assert_int_equal(a->child_start, b->child_start);
	assert_int_equal(a->forwarding, b->forwarding);
}

static void test_format_parse(void **state)
{
	struct iflock_record r = sample, back;
	char buf[IFLOCK_RECORD_MAX];
	int n;

	(void)state;
	n = iflock_format(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(iflock_parse(buf, (size_t)n, &back), 0);
	assert_record_equal(&back, &r);

	snprintf(r.kind, sizeof(r.kind), "tun");
	r.child = 99;
	r.child_start = 123456789;
	r.created = false;
	r.forwarding = true;
	n = iflock_format(&r, buf, sizeof(buf));
	assert_int_equal(iflock_parse(buf, (size_t)n, &back), 0);
	assert_record_equal(&back, &r);

	/* a record of an earlier version has no forwarding line: not ours */
	{
		static const char old[] = "pid 1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\n"
					  "kind tun\ncreated yes\nchild 0 0\n";
		assert_int_equal(iflock_parse(old, strlen(old), &back), 0);
		assert_false(back.forwarding);
		static const char bad[] = "pid 1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\n"
					  "kind tun\ncreated yes\nchild 0 0\nforwarding maybe\n";
		assert_int_equal(iflock_parse(bad, strlen(bad), &back), -EINVAL);
	}
}

static void test_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"pid 1\n",
		/* every field but one */
		"pid 1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\nkind tun\ncreated yes\n",
		"pid 1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\nkind tun\ncreated maybe\nchild 0 0\n",
		"pid 1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\nkind tun\ncreated yes\nchild 0 0\nx\n",
		"pid -1\nboot b\nnetns 1 2\nifname wg0\nifindex 3\nkind tun\ncreated yes\nchild 0 0\n",
		"pid 1\nboot b\nnetns 1 2\nifname wg0 extra\nifindex 3\nkind tun\ncreated yes\nchild 0 0\n",
		"pid 1\nboot b\nnetns 1 2\nifname abcdefghijklmnop\nifindex 3\nkind tun\ncreated yes\n"
		"child 0 0\n",
	};
	struct iflock_record r;
	char big[IFLOCK_RECORD_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iflock_parse(bad[i], strlen(bad[i]), &r) != -EINVAL)
			fail_msg("case %zu parsed", i);
		assert_false(r.valid);
	}
	memset(big, '#', sizeof(big));
	assert_int_equal(iflock_parse(big, sizeof(big), &r), -EINVAL);
	assert_int_equal(iflock_parse("pid 1\0", 6, &r), -EINVAL);
}

static void test_owns(void **state)
{
	struct iflock_id now = sample.id;
	struct iflock_record r;
	const char *why = NULL;

	(void)state;
	/* the one case that is ours */
	r = sample;
	assert_true(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	r.child = 5;
	snprintf(r.kind, sizeof(r.kind), "tun");
	assert_true(iflock_owns(&r, &now, "wg0", 7, "tun", &why));

	/* and every way it is not */
	r = sample;
	r.valid = false;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	assert_string_equal(why, "no record of an earlier run");
	r = sample;
	r.created = false;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	assert_string_equal(why, "the earlier run used it as an existing interface (-e)");
	r = sample;
	r.id.boot[0] = '1';
	assert_false(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	assert_string_equal(why, "the record is from before a reboot");
	r = sample;
	r.id.netns_cookie++;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	assert_string_equal(why, "the record is from another network namespace");
	r = sample;
	r.id.netns_ino++;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "wireguard", &why));
	r = sample;
	assert_false(iflock_owns(&r, &now, "wg0", 8, "wireguard", &why));
	assert_string_equal(why, "it is not the link the earlier run made (another index)");
	assert_false(iflock_owns(&r, &now, "wg1", 7, "wireguard", &why));
	r.ifindex = 0;
	assert_false(iflock_owns(&r, &now, "wg0", 0, "wireguard", &why));
	r = sample;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "veth", &why));
	assert_string_equal(why, "it is not a WireGuard link");
	snprintf(r.kind, sizeof(r.kind), "veth");	/* a record that says veth: still no */
	assert_false(iflock_owns(&r, &now, "wg0", 7, "veth", &why));
	assert_string_equal(why, "it is not a WireGuard link");
	r = sample;
	assert_false(iflock_owns(&r, &now, "wg0", 7, "tun", &why));
}

struct scratch {
	char dir[64];
	char locks[96];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/wgnm-test-iflock.XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->locks, sizeof(s->locks), "%s/locks", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		return -1;
	free(s);
	return 0;
}

static size_t files_in(const char *dir)
{
	char cmd[160];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (int c; (c = fgetc(p)) != EOF;)
		n += c == '\n';
	pclose(p);
	return n;
}

static void test_take_release(void **state)
{
	struct scratch *s = *state;
	struct iflock *a = NULL, *b = NULL;
	struct stat st;

	assert_int_equal(iflock_take(s->locks, "wgt0", &a), 0);
	assert_false(iflock_previous(a)->valid);
	assert_int_equal(stat(s->locks, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(iflock_path(a), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a second daemon for the interface: refused (flock is per open file) */
	assert_int_equal(iflock_take(s->locks, "wgt0", &b), -EADDRINUSE);
	/* another interface: its own lock */
	assert_int_equal(iflock_take(s->locks, "wgt1", &b), 0);
	iflock_release(b);
	iflock_release(a);
	assert_int_equal(files_in(s->locks), 0);	/* a clean exit leaves nothing */
	assert_int_equal(iflock_take(s->locks, "wgt0", &a), 0);
	iflock_release(a);
	iflock_release(NULL);
}

/* A directory others could write is not a place for our locks. */
static void test_dir_refused(void **state)
{
	struct scratch *s = *state;
	struct iflock *a = NULL;

	assert_int_equal(mkdir(s->locks, 0700), 0);
	assert_int_equal(chmod(s->locks, 0777), 0);
	assert_int_equal(iflock_take(s->locks, "wgt0", &a), -EPERM);
}

/*
 * A holder that dies without releasing: the lock is free at once, its
 * record stays for the next holder. The record is of "lo": it is no
 * WireGuard link, so even a record of ours does not make it removable.
 */
static void test_crashed_holder(void **state)
{
	struct scratch *s = *state;
	const struct iflock_record *prev;
	struct iflock *a = NULL;
	struct kernel *k = kernel_open();
	pid_t pid;
	int st;

	assert_non_null(k);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct iflock *mine = NULL;

		if (iflock_take(s->locks, "lo", &mine) < 0 ||
		    iflock_claim(mine, k, "lo", true, 0) < 0)
			_exit(1);
		_exit(0); /* a crash: no release */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(files_in(s->locks), 1);

	assert_int_equal(iflock_take(s->locks, "lo", &a), 0);
	prev = iflock_previous(a);
	assert_true(prev->valid);
	assert_int_equal(prev->pid, pid);
	assert_string_equal(prev->ifname, "lo");
	assert_int_equal(prev->ifindex, 1);
	assert_true(prev->created);
	assert_string_equal(prev->kind, "");
	/* never "lo", whatever a record says */
	log_set_quiet_stderr(true);
	assert_int_equal(iflock_remove_leftover(a, k, "lo"), -EEXIST);
	log_set_quiet_stderr(false);
	assert_int_equal(kernel_link_index(k, "lo", &(unsigned){ 0 }), 0);
	iflock_release(a);
	kernel_close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_owns),
		cmocka_unit_test_setup_teardown(test_take_release, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_dir_refused, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_crashed_holder, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
