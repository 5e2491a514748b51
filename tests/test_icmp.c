/*
 * src/icmp.c: echo packets built and parsed by hand (RFC 1071's checksum
 * example, IPv4 headers of two sizes, everything that is no echo reply),
 * then real echoes to the loopback addresses over a raw socket, bound to
 * lo, and over the kernel's unprivileged ping socket in a network
 * namespace of the test's own where net.ipv4.ping_group_range allows it
 * (the live cases need root, and skip without it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icmp.h"

static const uint8_t token[ICMP_TOKEN_LEN] = "0123456789abcde";

static void test_checksum(void **state)
{
	/* RFC 1071, section 3: the sum of these is 0xddf2 */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };

	(void)state;
	assert_int_equal(icmp_checksum(rfc, sizeof(rfc)), 0x220d);
	/* an odd length pads with a zero byte: 0x0102 + 0x0300 */
	assert_int_equal(icmp_checksum(odd, sizeof(odd)), (uint16_t)~0x0402);
}

static void test_build_parse(void **state)
{
	uint8_t pkt[64], ip[20 + 4 + ICMP_ECHO_LEN];
	const uint8_t *payload;
	size_t plen;
	uint16_t id, seq;

	(void)state;
	assert_int_equal(icmp_echo_build(pkt, ICMP_ECHO_LEN - 1, false, 1, 2, token), 0);
	assert_int_equal(icmp_echo_build(pkt, sizeof(pkt), false, 0xabcd, 7, token),
			 ICMP_ECHO_LEN);
	assert_int_equal(pkt[0], 8);
	assert_int_equal(icmp_checksum(pkt, ICMP_ECHO_LEN), 0); /* checksum is right */
	/* a request is no reply */
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, false, false, &id, &seq, &payload,
					 &plen), -EINVAL);
	pkt[0] = 0; /* the reply */
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, false, false, &id, &seq, &payload,
					 &plen), 0);
	assert_int_equal(id, 0xabcd);
	assert_int_equal(seq, 7);
	assert_int_equal(plen, ICMP_TOKEN_LEN);
	assert_memory_equal(payload, token, ICMP_TOKEN_LEN);
	/* behind an IPv4 header of 24 bytes (options), as a raw socket reads it */
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x46;
	memcpy(ip + 24, pkt, ICMP_ECHO_LEN);
	assert_int_equal(icmp_echo_parse(ip, sizeof(ip), false, true, &id, &seq, &payload, &plen),
			 0);
	assert_int_equal(seq, 7);
	ip[0] = 0x4f; /* 60 bytes of header: more than there is */
	assert_int_equal(icmp_echo_parse(ip, sizeof(ip), false, true, &id, &seq, &payload, &plen),
			 -EINVAL);
	ip[0] = 0x44; /* shorter than an IPv4 header */
	assert_int_equal(icmp_echo_parse(ip, sizeof(ip), false, true, &id, &seq, &payload, &plen),
			 -EINVAL);
	ip[0] = 0x66; /* not IPv4 */
	assert_int_equal(icmp_echo_parse(ip, sizeof(ip), false, true, &id, &seq, &payload, &plen),
			 -EINVAL);
	/* too short, a code that is not 0, another type */
	assert_int_equal(icmp_echo_parse(pkt, 7, false, false, &id, &seq, &payload, &plen), -EINVAL);
	pkt[1] = 1;
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, false, false, &id, &seq, &payload,
					 &plen), -EINVAL);
	pkt[1] = 0;
	pkt[0] = 3; /* destination unreachable */
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, false, false, &id, &seq, &payload,
					 &plen), -EINVAL);

	/* IPv6: types 128 and 129, no checksum of ours (the kernel's) */
	assert_int_equal(icmp_echo_build(pkt, sizeof(pkt), true, 1, 65535, token), ICMP_ECHO_LEN);
	assert_int_equal(pkt[0], 128);
	assert_int_equal(pkt[2] | pkt[3], 0);
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, true, false, &id, &seq, &payload,
					 &plen), -EINVAL);
	pkt[0] = 129;
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, true, false, &id, &seq, &payload,
					 &plen), 0);
	assert_int_equal(seq, 65535);
	assert_int_equal(icmp_echo_parse(pkt, ICMP_ECHO_LEN, true, true, &id, &seq, &payload,
					 &plen), -EINVAL);
}

/* One echo to dst: 0 answered, or a negative errno. */
static int echo_once(bool v6, const char *ifname, enum icmp_kind kind, const char *dst_s)
{
	struct icmp *ic;
	struct addr dst;
	int r;

	assert_int_equal(addr_parse(&dst, dst_s), 0);
	if ((r = icmp_open(v6, ifname, kind, &ic)) < 0)
		return r;
	if ((r = icmp_send(ic, &dst, 1)) == 0)
		r = icmp_wait(ic, &dst, 1, 2000);
	/* nothing else is ours: another sequence number times out */
	if (r == 0)
		r = icmp_wait(ic, &dst, 2, 100) == -ETIMEDOUT ? 0 : -EPROTO;
	icmp_close(ic);
	return r;
}

static void test_raw_loopback(void **state)
{
	struct icmp *ic;
	struct addr v6;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(echo_once(false, NULL, ICMP_RAW, "127.0.0.1"), 0);
	assert_int_equal(echo_once(false, "lo", ICMP_RAW, "127.0.0.1"), 0);
	assert_int_equal(echo_once(true, "lo", ICMP_RAW, "::1"), 0);
	/* an interface that does not exist; the wrong family */
	assert_int_equal(icmp_open(false, "nosuchif0", ICMP_RAW, &ic), -ENODEV);
	assert_int_equal(icmp_open(false, NULL, ICMP_RAW, &ic), 0);
	assert_string_equal(icmp_kind_name(ic), "raw socket");
	assert_int_equal(addr_parse(&v6, "::1"), 0);
	assert_int_equal(icmp_send(ic, &v6, 1), -EAFNOSUPPORT);
	icmp_close(ic);
}

/*
 * The unprivileged ping socket, in a namespace of our own whose
 * ping_group_range lets our group have one (the host's is left alone).
 */
static void test_ping_socket(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ifreq ifr = { 0 };
		char range[64];
		FILE *f;
		int fd;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		ifr.ifr_flags = IFF_UP;
		if (fd < 0 || ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			_exit(10);
		close(fd);
		/* before: no ping socket for our group, and ICMP_DGRAM does not fall back */
		if (echo_once(false, NULL, ICMP_DGRAM, "127.0.0.1") != -EACCES)
			_exit(11);
		f = fopen("/proc/sys/net/ipv4/ping_group_range", "w");
		snprintf(range, sizeof(range), "%u %u\n", (unsigned)getegid(), (unsigned)getegid());
		if (!f || fputs(range, f) < 0 || fclose(f) != 0)
			_exit(12);
		if (echo_once(false, NULL, ICMP_DGRAM, "127.0.0.1") != 0)
			_exit(13);
		if (echo_once(true, NULL, ICMP_DGRAM, "::1") != 0)
			_exit(14);
		if (echo_once(false, NULL, ICMP_ANY, "127.0.0.1") != 0)
			_exit(15);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_build_parse),
		cmocka_unit_test(test_raw_loopback),
		cmocka_unit_test(test_ping_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
